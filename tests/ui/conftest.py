"""UI fixtures: a copy of the demo community per test, and a factory for the app on it.

The demo (``kfdesk.demo.build_demo``, deterministic for a seed and "now") is built once per
session into a template file; each test gets its own copy, so tests may write (sign-in is
audited) without touching each other. The app is built as the CLI builds it, with the fixed
clock of the root conftest (2026-10-09 10:00 Asia/Shanghai) and the cursor blink off, so every
frame is reproducible.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kfdesk.clock import FixedClock
from kfdesk.config import default_settings
from kfdesk.db import close_store, open_store
from kfdesk.demo import DEFAULT_NOW, DEFAULT_SEED, DEMO_CLERK, build_demo
from kfdesk.models import Staff
from kfdesk.session import Session

sys.path.insert(0, str(Path(__file__).parent))  # helpers.py beside this file


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    open_store(str(path), FixedClock(DEFAULT_NOW))
    try:
        build_demo(DEFAULT_NOW, DEFAULT_SEED)
    finally:
        close_store()  # the last connection checkpoints the WAL into the file
    return path


@pytest.fixture
def ui_store(tmp_path: Path, demo_template: Path, clock: FixedClock) -> Iterator[Path]:
    path = tmp_path / "ui.db"
    shutil.copyfile(demo_template, path)
    open_store(str(path), clock)
    yield path
    close_store()


@pytest.fixture
def make_app(ui_store: Path, clock: FixedClock) -> Callable[..., object]:
    from kfdesk_screens.app import KfDeskApp

    def make(lang: str = "zh", signed_in: bool = True, login: str = DEMO_CLERK) -> KfDeskApp:
        staff = Staff.get(Staff.login == login) if signed_in else None
        session = Session(default_settings(), clock, str(ui_store))
        return KfDeskApp(session, lang=lang, signed_in=staff, cursor_blink=False)

    return make
