"""PostgreSQL-only behaviour (skipped unless ``KFDESK_TEST_PG`` names a server).

The rest of the core suite runs on PostgreSQL as it is; these are the things only PostgreSQL
can show:

- the first receipt of a new series cannot race into a duplicate: two counters both finding
  no series row and both inserting it (SQLite's BEGIN IMMEDIATE never lets them meet);
- ``transaction(immediate=True)`` serialises writers as SQLite's write lock does (an advisory
  lock), so what a payment reads under it is still true when it commits;
- the demo, written with explicit ids, leaves the id sequences past them (a new ticket does
  not collide), and reads the same on both backends: every row, every alert, the day's
  figures and searches.

The races are made deterministic, not timed: the first transaction holds its lock until the
server itself reports the second one waiting on it (``pg_stat_activity``), then commits.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from kfdesk import models as m
from kfdesk import views
from kfdesk.clock import FixedClock
from kfdesk.config import default_settings
from kfdesk.db import close_store, open_store
from kfdesk.demo import DEFAULT_NOW, build_demo
from kfdesk.desk.base import transaction
from kfdesk.desk.receipts import take_number
from kfdesk.desk.refresh import refresh
from kfdesk.models import ReceiptSeries, database

pytestmark = pytest.mark.postgres_only


def _waiting(kind: str) -> int:
    """Backends of this database now waiting on a lock of ``kind`` (pg_stat_activity)."""
    # Inside a transaction the activity view is a snapshot taken at its first read: drop it.
    database.obj.execute_sql("SELECT pg_stat_clear_snapshot()")
    return database.obj.execute_sql(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND wait_event_type = 'Lock' AND wait_event = %s", (kind,)).fetchone()[0]


def _until(condition: Callable[[], bool], what: str) -> None:
    """Wait for a state the server reports; the deadline only stops a broken run hanging."""
    deadline = time.monotonic() + 60
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.01)


def _race(first: Callable[[], Any], second: Callable[[], Any], *, immediate: bool,
          lock: str) -> tuple[Any, Any]:
    """Run ``first`` in a transaction that stays open until ``second`` (another connection,
    another transaction) is seen waiting on a lock of kind ``lock``; both results, or the
    exception each raised. ``immediate``: both transactions are ``transaction(immediate=…)``."""
    results: dict[str, Any] = {}
    first_done = threading.Event()
    second_done = threading.Event()  # it did not wait at all: the test then fails on results

    def run(name: str, work: Callable[[], Any], hold: bool) -> None:
        try:
            with transaction(immediate=immediate):
                results[name] = work()
                if hold:
                    first_done.set()
                    _until(lambda: second_done.is_set() or _waiting(lock) >= 1,
                           f"the second transaction waits ({lock})")
        except Exception as exc:  # reported to the test, not lost in the thread
            results[name] = exc
        finally:
            first_done.set()
            if not hold:
                second_done.set()
            database.obj.close()  # this thread's own connection

    a = threading.Thread(target=run, args=("first", first, True))
    a.start()
    first_done.wait(60)
    b = threading.Thread(target=run, args=("second", second, False))
    b.start()
    a.join(60)
    b.join(60)
    return results["first"], results["second"]


def test_first_receipt_of_a_new_series_cannot_race_into_a_duplicate(store: str) -> None:
    # No "2099" row yet: both counters take the series' first number at once. The second's
    # INSERT of the row waits on the first's uncommitted one (a unique-index lock: "transactionid")
    # and must then number 2 — not fail on the unique code, not number 1 again.
    first, second = _race(lambda: take_number("2099")[1], lambda: take_number("2099")[1],
                          immediate=False, lock="transactionid")
    assert (first, second) == (1, 2)
    series = ReceiptSeries.select().where(ReceiptSeries.code == "2099")
    assert [s.last_number for s in series] == [2]


def test_immediate_transactions_queue_like_sqlite_writers(store: str) -> None:
    # Two immediate writers: the second starts only after the first commits, so it reads
    # the first's row (a payment reading what is owed reads it after the other payment).
    def first() -> int:
        m.CalendarOverride.create(day=date(2026, 12, 31), kind="holiday", note="first")
        return m.CalendarOverride.select().count()

    first_count, second_count = _race(first, lambda: m.CalendarOverride.select().count(),
                                      immediate=True, lock="advisory")
    assert (first_count, second_count) == (1, 1)


def test_plain_transactions_do_not_take_the_write_lock(store: str) -> None:
    with transaction():
        held = database.obj.execute_sql(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
            "AND pid = pg_backend_pid()").fetchone()[0]
    with transaction(immediate=True):
        held_immediate = database.obj.execute_sql(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
            "AND pid = pg_backend_pid()").fetchone()[0]
    assert (held, held_immediate) == (0, 1)


# ---- the demo on both backends ------------------------------------------------------------


def _dump() -> dict[str, list[tuple[Any, ...]]]:
    return {model.__name__: list(model.select().order_by(model.id).tuples())
            for model in m.ALL_MODELS if model is not m.SchemaVersion}


def _reads() -> dict[str, Any]:
    """What the counter reads from a demo, on whichever backend is open."""
    settings = default_settings()
    zone = settings.zone
    return {
        "alerts": [a.to_json(zone) for a in refresh(DEFAULT_NOW, settings, "zh")],
        "day": views.day_summary(DEFAULT_NOW.astimezone(zone).date(), DEFAULT_NOW, zone),
        "search": views.search_units("3-1-5") + views.search_units("wjg"),
        "tickets": [r.number for r in views.find_tickets("K-0006", zone)],
        "cashier": views.cashier_day(DEFAULT_NOW.astimezone(zone).date(), zone),
    }


def test_demo_is_the_same_on_postgresql_and_its_sequences_move_on(
        store: str, tmp_path: Path) -> None:
    close_store()
    sqlite_file = tmp_path / "demo.db"
    open_store(str(sqlite_file), FixedClock(DEFAULT_NOW))
    build_demo(DEFAULT_NOW)
    on_sqlite = _dump(), _reads()
    close_store()

    open_store(store, FixedClock(DEFAULT_NOW))
    build_demo(DEFAULT_NOW)
    on_postgres = _dump(), _reads()
    assert on_postgres[0] == on_sqlite[0]  # every row of every table
    assert on_postgres[1] == on_sqlite[1]
    assert on_postgres[1]["alerts"] and on_postgres[1]["search"]

    # The demo gave every id itself: the sequences must have been moved past them, or the
    # next record written at the counter would collide with a demo row.
    for model, unique in ((m.Ticket, {"number": "K-999999"}), (m.AuditEvent, {}),
                          (m.Person, {})):
        row = model.select().order_by(model.id.desc()).get()
        expected = row.id + 1
        row.id = None
        for name, value in unique.items():
            setattr(row, name, value)
        row.save(force_insert=True)
        assert row.id == expected
