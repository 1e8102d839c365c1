"""The run's context: settings, clock, where the store is, and who is signed in.

Built once by the CLI and handed to the UI and to every service call.
"""

from __future__ import annotations

from dataclasses import dataclass

from .clock import Clock
from .config import Settings
from .models import Staff


@dataclass
class Session:
    settings: Settings
    clock: Clock
    db_target: str
    staff: Staff | None = None
