"""Shared fixtures: a fixed clock at the demo's "now" and a fresh store per test.

The store is a SQLite file in the test's temp folder — or, when ``KFDESK_TEST_PG`` names a
PostgreSQL server (``postgresql://postgres@127.0.0.1:55432/postgres``), a fresh database on
that server, dropped after the test. Each one is a copy of a template database migrated once
per session (``CREATE DATABASE … TEMPLATE``), made a test ahead in a thread so the copying
overlaps the previous test instead of adding to it.

Tests that only make sense on SQLite (WAL, the file on disk, PRAGMA, BEGIN IMMEDIATE) carry
``@pytest.mark.sqlite_only("why")`` and are skipped on PostgreSQL with that reason.
"""

from __future__ import annotations

import os
import queue
import threading
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import pytest

from kfdesk.clock import FixedClock
from kfdesk.db import close_store, open_store
from kfdesk.i18n import set_language

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Friday after the 2026 National Day holiday; Saturday 10-10 is a make-up working day.
DEMO_NOW = datetime(2026, 10, 9, 10, 0, tzinfo=SHANGHAI)

PG_SERVER = os.environ.get("KFDESK_TEST_PG", "").strip()


def pg_url(name: str) -> str:
    """The ``KFDESK_TEST_PG`` server's URL with the database ``name``."""
    parts = urlsplit(PG_SERVER)
    return urlunsplit(parts._replace(path=f"/{name}"))


def pg_admin(sql: str, params: tuple = ()) -> list[tuple]:
    """Run one statement on the server's maintenance database, outside any transaction
    (CREATE/DROP DATABASE cannot run inside one)."""
    import psycopg2

    conn = psycopg2.connect(PG_SERVER)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall() if cur.description else []
    finally:
        conn.close()


def pg_create(template: str | None = None) -> str:
    """A new, uniquely named database (a copy of ``template`` if given); returns its name."""
    name = f"kfdesk_test_{uuid.uuid4().hex[:16]}"
    pg_admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return name


def pg_drop(name: str) -> None:
    # FORCE (PostgreSQL 13+): a child process a failed test left behind must not keep the
    # database alive for the rest of the session.
    pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only(reason): SQLite-specific (WAL, files, PRAGMA); skipped when "
        "KFDESK_TEST_PG runs the suite on PostgreSQL")
    config.addinivalue_line(
        "markers", "postgres_only: needs the PostgreSQL server named by KFDESK_TEST_PG")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if PG_SERVER:
            mark = item.get_closest_marker("sqlite_only")
            if mark is not None:
                reason = mark.args[0] if mark.args else mark.kwargs.get("reason", "")
                item.add_marker(pytest.mark.skip(reason=f"SQLite only: {reason}"))
        elif item.get_closest_marker("postgres_only") is not None:
            item.add_marker(pytest.mark.skip(reason="KFDESK_TEST_PG names no PostgreSQL server"))


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(DEMO_NOW)


class _Copies:
    """Copies of the template made ahead, in a thread: a copy takes the server ~0.4 s of work
    that would otherwise sit in every test's setup; made while the previous test runs, it is
    ready when the next one starts (the tests use one core, the server the other)."""

    AHEAD = 2

    def __init__(self, template: str) -> None:
        self.template = template
        self.ready: queue.Queue[str | BaseException] = queue.Queue(maxsize=self.AHEAD)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._make, name="kfdesk-pg-copies", daemon=True)
        self.thread.start()

    def _make(self) -> None:
        while not self.stop.is_set():
            try:
                item: str | BaseException = pg_create(self.template)
            except BaseException as exc:  # handed to the test that waits for it
                item = exc
            while True:
                try:
                    self.ready.put(item, timeout=0.2)
                    break
                except queue.Full:
                    if self.stop.is_set():
                        if isinstance(item, str):
                            pg_drop(item)
                        return
            if isinstance(item, BaseException):
                return

    def take(self) -> str:
        item = self.ready.get(timeout=300)
        if isinstance(item, BaseException):
            raise item
        return item

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=60)
        while not self.ready.empty():
            item = self.ready.get_nowait()
            if isinstance(item, str):
                pg_drop(item)


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """An empty migrated kfdesk database on the test server, made once per session."""
    if not PG_SERVER:
        pytest.skip("KFDESK_TEST_PG names no PostgreSQL server")
    name = pg_create()
    try:
        open_store(pg_url(name), FixedClock(DEMO_NOW))
        close_store()  # a template must have no connection while it is copied
        yield name
    finally:
        close_store()
        pg_drop(name)


@pytest.fixture(scope="session")
def _pg_copies(pg_template: str) -> Iterator[_Copies]:
    copies = _Copies(pg_template)
    yield copies
    copies.close()


@pytest.fixture
def fresh_target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator:
    """A factory of new, empty store targets on the backend under test: SQLite files in the
    temp folder, or new PostgreSQL databases (dropped after the test). ``fresh_target()``
    gives one ``open_store`` accepts; ``fresh_target(migrated=True)`` on PostgreSQL copies the
    template (SQLite migrates on open anyway)."""
    made: list[str] = []

    def make(migrated: bool = False) -> str:
        if not PG_SERVER:
            made.append(str(tmp_path / f"target-{len(made)}.db"))
            return made[-1]
        template = request.getfixturevalue("pg_template") if migrated else None
        made.append(pg_create(template))
        return pg_url(made[-1])

    yield make
    close_store()
    if PG_SERVER:
        for name in made:
            pg_drop(name)


@pytest.fixture
def store(tmp_path: Path, clock: FixedClock, request: pytest.FixtureRequest) -> Iterator[Path]:
    """The open store: a ``Path`` to a SQLite file, or on PostgreSQL the database's URL as a
    ``str`` (``str(store)`` is what ``open_store`` and ``--db`` take on both)."""
    if not PG_SERVER:
        path = tmp_path / "kfdesk.db"
        open_store(str(path), clock)
        yield path
        close_store()
        return
    name = request.getfixturevalue("_pg_copies").take()
    try:
        open_store(pg_url(name), clock)
        yield pg_url(name)  # type: ignore[misc]
    finally:
        close_store()
        pg_drop(name)


@pytest.fixture(autouse=True)
def _zh() -> Iterator[None]:
    set_language("zh")
    yield
    set_language("zh")
