"""Shared fixtures: a fixed clock at the demo's "now" and a fresh store per test."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kfdesk.clock import FixedClock
from kfdesk.db import close_store, open_store
from kfdesk.i18n import set_language

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Friday after the 2026 National Day holiday; Saturday 10-10 is a make-up working day.
DEMO_NOW = datetime(2026, 10, 9, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(DEMO_NOW)


@pytest.fixture
def store(tmp_path: Path, clock: FixedClock) -> Iterator[Path]:
    path = tmp_path / "kfdesk.db"
    open_store(str(path), clock)
    yield path
    close_store()


@pytest.fixture(autouse=True)
def _zh() -> Iterator[None]:
    set_language("zh")
    yield
    set_language("zh")
