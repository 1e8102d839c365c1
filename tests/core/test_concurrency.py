"""Four counters taking payments at once on one store: 1,000 receipts, 1…1000, no gap, no
duplicate, and the receipts' total is the payments' (KF-015 §4.6: 票款相符).

Four real OS processes, each a cashier of its own, take 250 payments each through
``take_payment`` — on one SQLite file (WAL, BEGIN IMMEDIATE), or on one PostgreSQL database
when ``KFDESK_TEST_PG`` names a server (the ``store`` fixture gives that backend; CI runs the
core suite on both). Each process reports the receipt number and amount of every payment it
took, so the store is checked against what the counters were told, not only against itself.
"""

from __future__ import annotations

import multiprocessing
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from peewee import fn
from tills import pay

from kfdesk.clock import FixedClock
from kfdesk.config import Settings, load_settings
from kfdesk.db import close_store, open_store
from kfdesk.desk.staff import create_staff
from kfdesk.models import Allocation, AuditEvent, Payment, Receipt, ReceiptSeries

SHANGHAI = ZoneInfo("Asia/Shanghai")
COUNTERS = ("cashier", "cashier2", "cashier3", "cashier4")
PER_COUNTER = 250


def _settings(tmp: Path) -> Settings:
    # Shipped defaults only: no user file, no KFDESK_* variables from the shell.
    return load_settings(None, environ={"KFDESK_CONFIG": str(tmp / "no-settings.toml")})


def _amount(counter: int, i: int) -> int:
    """Every payment a different amount, so a receipt carrying another's amount shows."""
    return 100 + counter * 100_000 + i * 37


def _counter(target: str, index: int, tmp: str, start, results) -> None:  # noqa: ANN001
    """One counter in its own process: open the store, wait for the others, take payments."""
    from kfdesk.models import Staff

    clock = FixedClock(datetime(2026, 10, 9, 10, 0, tzinfo=SHANGHAI))
    open_store(target, clock)
    settings = _settings(Path(tmp))
    actor = Staff.get(Staff.login == COUNTERS[index])
    taken = []
    try:
        start.wait()  # all four take their first payment at the same moment
        for i in range(PER_COUNTER):
            amount = _amount(index, i)
            taken.append((pay("3-1-502", amount, "cash", actor, clock, settings), amount))
            # A breath between payments, as at a real counter: without it SQLite's busy
            # handler can let one process keep the lock for a whole run of payments, and the
            # counters would not interleave — the race would not be exercised.
            time.sleep(0.001)
    finally:
        close_store()
        results.put((index, taken))


def test_four_counters_at_once_leave_receipts_one_to_a_thousand(
        office: dict, store: Path, tmp_path: Path, clock: FixedClock) -> None:
    for login in COUNTERS[1:]:
        create_staff(login, "收费员" + login[-1], "cashier", "1234", clock, salt=bytes(16))
    close_store()  # the counters open the store themselves
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(len(COUNTERS))
    results = ctx.Queue()
    procs = [ctx.Process(target=_counter, args=(str(store), i, str(tmp_path), start, results))
             for i in range(len(COUNTERS))]
    for p in procs:
        p.start()
    told = dict(results.get(timeout=600) for _ in procs)
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    total = len(COUNTERS) * PER_COUNTER
    assert [len(told[i]) for i in range(len(COUNTERS))] == [PER_COUNTER] * len(COUNTERS)

    open_store(str(store), clock)
    # The series: every number 1…1000 exactly once, and the series' counter at 1000.
    numbers = [r.number for r in Receipt.select(Receipt.number).order_by(Receipt.number)]
    assert numbers == list(range(1, total + 1))
    assert ReceiptSeries.get(ReceiptSeries.code == "2026").last_number == total
    # What each cashier was told is what the store holds: number and amount, one for one.
    issued = {f"2026-{r.number:06d}": (r.amount_fen, r.cashier.login, r.payment.amount_fen)
              for r in Receipt.select()}
    for index, taken in told.items():
        for number, amount in taken:
            assert issued[number] == (amount, COUNTERS[index], amount)
    # 票款相符: one receipt per payment, and the totals agree with what the counters took.
    taken_total = sum(amount for taken in told.values() for _, amount in taken)
    assert Payment.select().count() == total
    assert Receipt.select(Receipt.payment).distinct().count() == total
    assert Payment.select(fn.SUM(Payment.amount_fen)).scalar() == taken_total
    assert Receipt.select(fn.SUM(Receipt.amount_fen)).scalar() == taken_total
    assert Allocation.select(fn.SUM(Allocation.amount_fen)).scalar() == taken_total
    assert AuditEvent.select().where(AuditEvent.action == "receipt.issue").count() == total
    # The counters really ran at once: some counter's numbers are not one contiguous block,
    # and each counter's own numbers rise (it waited its turn every time).
    blocks = []
    for taken in told.values():
        mine = [int(number[5:]) for number, _ in taken]
        assert mine == sorted(mine)
        blocks.append(mine == list(range(mine[0], mine[0] + PER_COUNTER)))
    assert not all(blocks)


@pytest.mark.sqlite_only("SQLite's write lock and busy timeout")
def test_a_counter_kept_waiting_past_the_busy_timeout_is_told_and_nothing_is_saved(
        store: Path, clock: FixedClock) -> None:
    """Another counter (here a plain connection) holds the write lock longer than the busy
    timeout: the service's transaction is rolled back and the clerk reads a sentence, not a
    crash (``store.busy``); once the lock is free the same call goes through."""
    import sqlite3

    from kfdesk.desk.base import DeskError, audit, transaction
    from kfdesk.i18n import t
    from kfdesk.models import database

    database.obj.execute_sql("PRAGMA busy_timeout = 100")  # not 5 s: the test waits for it
    other = sqlite3.connect(str(store), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    before = AuditEvent.select().count()
    for immediate in (True, False):
        with pytest.raises(DeskError) as err, transaction(immediate=immediate):
            audit(None, clock, "test.write")
        assert err.value.key == "store.busy"
        assert err.value.message("zh") == t("store.busy", lang="zh")
    other.execute("ROLLBACK")
    other.close()
    assert AuditEvent.select().count() == before
    with transaction(immediate=True):
        audit(None, clock, "test.write")
    assert AuditEvent.select().count() == before + 1
