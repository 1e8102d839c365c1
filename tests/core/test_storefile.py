"""``storefile.ready_as_is``: the daily start may leave opening the store (and loading the
ORM) until after the first frame only when the open would create, migrate and refuse
nothing (issue 2) — and checking never changes the file."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from kfdesk.db import SCHEMA_VERSION, close_store
from kfdesk.desk.staff import create_staff
from kfdesk.storefile import ready_as_is


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.sqlite_only("a file read without the ORM")
def test_a_current_store_with_staff_is_ready_as_is(store: Path, clock) -> None:  # noqa: ANN001
    assert not ready_as_is(str(store))  # no staff yet: the CLI says so at once
    create_staff("clerk", "张敏", "clerk", "1234", clock)
    close_store()
    before = _digest(store)
    assert ready_as_is(str(store))
    assert _digest(store) == before


@pytest.mark.sqlite_only("a file read without the ORM")
def test_an_older_store_is_opened_at_once(store: Path, clock) -> None:  # noqa: ANN001
    create_staff("clerk", "张敏", "clerk", "1234", clock)
    close_store()
    conn = sqlite3.connect(store)
    conn.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION - 1,))
    conn.commit()
    conn.close()
    assert not ready_as_is(str(store))  # it needs migrating first


def test_anything_else_is_opened_at_once(tmp_path: Path) -> None:
    foreign = tmp_path / "notes.db"
    foreign.write_bytes(b"plain text")
    empty = tmp_path / "empty.db"
    empty.touch()
    assert not ready_as_is(str(tmp_path / "missing.db"))
    assert not ready_as_is(str(foreign))
    assert not ready_as_is(str(empty))
    assert not ready_as_is(str(tmp_path))
    assert not ready_as_is("postgresql://kfdesk@localhost/kfdesk")
    assert foreign.read_bytes() == b"plain text" and empty.read_bytes() == b""


def test_the_migrations_reach_the_schema_version() -> None:
    from kfdesk.db import MIGRATIONS

    assert max(MIGRATIONS) == SCHEMA_VERSION
    assert sorted(MIGRATIONS) == list(range(2, SCHEMA_VERSION + 1))
