"""The run's context: settings, clock, where the store is, and who is signed in.

Built once by the CLI and handed to the UI and to every service call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .clock import Clock
from .config import Settings

if TYPE_CHECKING:
    from .models import Staff


@dataclass
class Session:
    settings: Settings
    clock: Clock
    db_target: str
    staff: Staff | None = None
    # False when the CLI found the store ready to use as it is (``storefile.ready_as_is``)
    # and left opening it — and loading the ORM — until after the first frame (issue 2).
    store_open: bool = True

    def open_store(self) -> None:
        """Open the store now if it was left for later; raises ``storefile.StoreError``."""
        if self.store_open:
            return
        from .db import open_store

        open_store(self.db_target, self.clock, create=False,
                   busy_timeout_ms=self.settings.data["database"]["busy_timeout_ms"])
        self.store_open = True
