"""Crash safety (issue 9): a counter process killed at any moment leaves a consistent store.

A child process (``python -c``, the code in ``CHILD``) opens a SQLite store and works through
the real desk services; the test kills it with SIGKILL — nothing flushed, no ``finally`` run,
as when the power goes or the terminal is closed — and restarts it on the same file. After
every kill the store must pass ``PRAGMA integrity_check`` and the cashier's books must hold:
every receipt has its payment and every payment (but the receiptless "prepaid" ones that apply
a balance) its receipt, the numbers run 1…N without a gap, allocations add up to each payment,
and the paid amounts of bill lines and charges equal what is allocated to them. What the child
reported as done (the service returned) is in the store.

Two kinds of kill:

- at a random moment (seeded delays): most land inside a transaction, since that is where a
  writing counter spends its time;
- at a chosen point inside a transaction: the child replaces a function the service calls
  inside its transaction (the audit write, the clock sync) with one that says "inside" and
  waits to be killed. Then exactly nothing of that transaction may be in the store —
  deterministic, no timing involved.

The bill run and the day close (hand-over submitted and confirmed) are killed the same way:
after a kill all of it is there or none of it.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from kfdesk.clock import FixedClock
from kfdesk.config import default_settings
from kfdesk.db import close_store
from kfdesk.desk import billing
from kfdesk.models import Bill, BillLine, Building, MeterReading, Staff, Unit

pytestmark = pytest.mark.sqlite_only("kills a process writing a SQLite file and reads it back")

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = default_settings()
WAIT = 120  # seconds: a guard against a child that never gets going, not a timed assertion

# The counter process. argv: mode, store path, seed, pause (0: never pauses; n > 0: pauses
# inside the n-th transaction of its kind and waits to be killed), day offset.
CHILD = r"""
import random, sys, time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

mode, path, seed, pause, offset = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:6])
from kfdesk.clock import FixedClock
from kfdesk.config import default_settings
from kfdesk.db import open_store
from kfdesk.desk import hand_over, payments
from kfdesk.desk.base import DeskError
from kfdesk.models import BillLine, HandOver, Staff

start = datetime(2026, 10, 9, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")) + timedelta(days=offset)
clock = FixedClock(start)
settings = default_settings()
open_store(path, clock)
cashier = Staff.get(Staff.login == "cashier")
boss = Staff.get(Staff.login == "super")
finance = Staff.get(Staff.login == "finance")  # RULES v2 §4: finance confirms


def say(*words):
    print(*words, flush=True)


def pausing(real):
    # Stands in for a function the service calls inside its transaction: the pause-th call
    # says so and waits for the kill, the transaction still open.
    calls = [0]

    def stand_in(*args, **kwargs):
        calls[0] += 1
        if calls[0] == pause:
            say("inside")
            time.sleep(600)
        return real(*args, **kwargs)
    return stand_in


if mode == "pay":
    if pause:
        payments.audit = pausing(payments.audit)
    rng = random.Random(seed)
    say("ready")
    last = None
    while True:
        roll = rng.random()
        try:
            if roll < 0.12:
                payments.add_charge("3-1-502", "other", rng.randint(2000, 90000), "crash",
                                    cashier, clock, settings)
                say("charge")
            elif roll < 0.22:
                payments.use_credit("3-1-502", cashier, clock, settings)
                say("credit")
            elif roll < 0.28 and last:
                payments.void_receipt(last, "crash", boss, clock, settings)
                last = None
                say("void")
            else:
                method = rng.choice(("cash", "wechat", "alipay", "transfer"))
                done = payments.take_payment(
                    "3-1-502", rng.randint(100, 60000), method, cashier, clock, settings,
                    reference="T-1" if method == "transfer" else "", confirm_overpayment=True)
                # Voiding one whose prepaid was spent meanwhile is refused (a DeskError).
                last = done.number
                say("paid", done.number)
        except DeskError as exc:
            say("refused", exc.key)
elif mode == "bills":
    if pause:
        BillLine.insert_many = pausing(BillLine.insert_many)
    from kfdesk.desk.billing import run_bills

    say("ready")
    run_bills("2026-10", cashier, clock, settings)
    say("done")
elif mode == "close":
    if pause:
        hand_over.sync_hand_over = pausing(hand_over.sync_hand_over)
    say("ready")
    for amount in (12000, 3450):
        payments.take_payment("3-1-502", amount, "cash", cashier, clock, settings,
                              confirm_overpayment=True)
    say("paid")
    day = start.date()
    row = hand_over.submit_hand_over(day, {10000: 1, 5000: 1}, "crash", cashier, clock,
                                     settings)
    say("submitted")
    hand_over.confirm_hand_over(row.id, finance, clock, settings)
    say("confirmed")
"""


class Child:
    """One counter process; its stdout lines are collected as they come."""

    def __init__(self, tmp: Path, mode: str, path: Path, seed: int, pause: int = 0,
                 offset: int = 0) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.err_path = tmp / f"child-{mode}-{seed}.err"
        self.err = self.err_path.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", CHILD, mode, str(path), str(seed), str(pause), str(offset)],
            stdout=subprocess.PIPE, stderr=self.err, text=True, cwd=ROOT, env=env)
        self.lines: list[str] = []
        self.events = {"ready": threading.Event(), "inside": threading.Event()}
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            line = raw.strip()
            self.lines.append(line)
            if line in self.events:
                self.events[line].set()
        for event in self.events.values():  # the child is gone: nobody waits in vain
            event.set()

    def wait_for(self, what: str) -> None:
        self.events[what].wait(WAIT)
        if what not in self.lines:
            self.kill()
            pytest.fail(f"the child never said {what!r}: {self.err_path.read_text()[-2000:]}")

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self.reader.join()
        self.err.close()

    def finish(self) -> None:
        self.proc.wait(WAIT)
        self.reader.join()
        self.err.close()
        assert self.proc.returncode == 0, self.err_path.read_text()[-2000:]


# --------------------------------------------------------------------------------------------
# what must hold after any kill, read with plain sqlite3 (no kfdesk code in the judge)


def check_books(path: Path) -> Counter:
    """Assert the cashier's books are whole; returns the counts of what is in them."""
    con = sqlite3.connect(path)
    try:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []

        def rows(sql: str, *args: object) -> list[tuple]:
            return con.execute(sql, args).fetchall()

        payments = {pid: (amount, method)
                    for pid, amount, method in rows("SELECT id, amount_fen, method FROM payment")}
        carriers = {pid for pid, (_, method) in payments.items() if method == "prepaid"}
        receipts = rows("SELECT payment_id, amount_fen FROM receipt WHERE refund_id IS NULL")
        by_payment = Counter(pid for pid, _ in receipts)
        for pid, amount in receipts:
            assert pid in payments, f"receipt without its payment {pid}"
            assert amount == payments[pid][0]
        for pid in payments:
            assert by_payment[pid] == (0 if pid in carriers else 1), f"payment {pid}"

        for series, last in rows("SELECT id, last_number FROM receipt_series"):
            numbers = sorted(n for (n,) in rows(
                "SELECT number FROM receipt WHERE series_id = ?", series))
            assert numbers == list(range(1, last + 1)), "receipt numbers with a gap"

        voided = {pid for (pid,) in rows(
            "SELECT r.payment_id FROM receipt_void v JOIN receipt r ON r.id = v.receipt_id")}
        taken: defaultdict[int, int] = defaultdict(int)  # positive allocations per payment
        balance: defaultdict[int, int] = defaultdict(int)  # prepaid left per payment
        undone: defaultdict[tuple, int] = defaultdict(int)  # a void nets each target to 0
        credit_used = 0
        for pid, line, charge, fen in rows(
                "SELECT payment_id, bill_line_id, charge_id, amount_fen FROM allocation"):
            untargeted = line is None and charge is None
            if fen > 0:
                taken[pid] += fen
            if untargeted:
                balance[pid] += fen
            if pid in voided:
                undone[(pid, line, charge)] += fen
            elif fen < 0:
                assert untargeted, "a negative allocation on an item without a void"
                credit_used -= fen
        for pid, (amount, _) in payments.items():
            assert taken[pid] == amount, f"allocations of payment {pid} ≠ its amount"
        assert min(balance.values(), default=0) >= 0, "prepaid balance overspent"
        assert set(undone.values()) <= {0}, "a void that did not undo its allocations"
        assert credit_used == sum(payments[pid][0] for pid in carriers)

        for table, column in (("bill_line", "bill_line_id"), ("charge", "charge_id")):
            for item, amount, paid, allocated in rows(
                    f"SELECT t.id, t.amount_fen, t.paid_fen, COALESCE(SUM(a.amount_fen), 0) "
                    f"FROM {table} t LEFT JOIN allocation a ON a.{column} = t.id GROUP BY t.id"):
                assert paid == allocated, f"{table} {item}: paid {paid}, allocated {allocated}"
                assert 0 <= paid <= amount

        # The audit event is written in the same transaction as what it records.
        actions = Counter(dict(rows("SELECT action, COUNT(*) FROM audit_event GROUP BY action")))
        counts = Counter(
            receipts=len(receipts), carriers=len(carriers), voids=len(voided),
            charges=rows("SELECT COUNT(*) FROM charge")[0][0],
            bills=rows("SELECT COUNT(*) FROM bill")[0][0],
            lines=rows("SELECT COUNT(*) FROM bill_line")[0][0],
            hand_overs=rows("SELECT COUNT(*) FROM hand_over")[0][0],
            confirmed=rows("SELECT COUNT(*) FROM hand_over WHERE confirmed_at IS NOT NULL")[0][0],
        )
        assert actions["receipt.issue"] == counts["receipts"]
        assert actions["payment.use_credit"] == counts["carriers"]
        assert actions["receipt.void"] == counts["voids"]
        assert actions["payment.add_charge"] == counts["charges"]
        assert actions["hand_over.submit"] == counts["hand_overs"]
        assert actions["hand_over.confirm"] == counts["confirmed"]
        counts["bill_runs"] = actions["billing.run"]
        # A submitted day stopped the cashier's hand-over clock in the same transaction.
        clocks = rows("SELECT d.stopped_at, h.closed_at FROM hand_over h JOIN deadline d "
                      "ON d.clock = 'hand_over' AND d.item_id = h.cashier_id "
                      "AND d.cycle = CAST(strftime('%Y%m%d', h.day) AS INTEGER)")
        for stopped, closed in clocks:
            assert stopped == closed
        counts["stopped_clocks"] = len(clocks)
        return counts
    finally:
        con.close()


def _owing(office: dict, clock: FixedClock, months: int = 12) -> None:
    """A year of monthly bills for 3-1-502, so payments allocate over many lines."""
    rng = random.Random(9)
    for i in range(months):
        year, month = divmod(2023 * 12 + 10 + i, 12)
        amounts = [rng.randint(5000, 80000) for _ in range(4)]
        bill = Bill.create(unit=office["unit"], month=f"{year}-{month + 1:02d}",
                           created_at=clock.now(), total_fen=sum(amounts))
        for item, fen in zip(("property_fee", "maintenance_fund", "water", "electricity"),
                             amounts, strict=True):
            BillLine.create(bill=bill, item=item, quantity_centi=100, rate_e4=1, amount_fen=fen)


# --------------------------------------------------------------------------------------------
# payments: 50 kills


def test_fifty_kills_while_taking_payments_leave_whole_books(office: dict, clock: FixedClock,
                                                             store: Path, tmp_path: Path) -> None:
    _owing(office, clock)
    close_store()
    rng = random.Random(2026)
    before = check_books(store)
    assert before["receipts"] == 0
    done_kinds = {"paid": "receipts", "credit": "carriers", "void": "voids", "charge": "charges"}
    paused = 0
    for cycle in range(50):
        # Every fifth run pauses inside a transaction (the audit write of its n-th write).
        pause = rng.randint(1, 6) if cycle % 5 == 4 else 0
        child = Child(tmp_path, "pay", store, seed=cycle, pause=pause)
        child.wait_for("ready")
        if pause:
            child.wait_for("inside")
        else:
            threading.Event().wait(rng.uniform(0.0, 0.25))  # seeded: a random moment
        child.kill()
        reported = Counter(done_kinds[line.split()[0]] for line in child.lines
                           if line.split()[0] in done_kinds)
        after = check_books(store)
        grown = {k: after[k] - before[k] for k in done_kinds.values()}
        for kind in done_kinds.values():
            assert grown[kind] >= reported[kind], f"cycle {cycle}: a reported {kind} is lost"
        if pause:
            paused += 1
            # Killed inside a transaction: exactly what was reported done, nothing of the rest.
            assert grown == {k: reported[k] for k in done_kinds.values()}, f"cycle {cycle}"
        else:
            # At most the one write that committed just before the kill went unreported.
            assert sum(grown.values()) - sum(reported.values()) <= 1, f"cycle {cycle}"
        before = after
    assert paused == 10
    assert before["receipts"] > 50 and before["carriers"] and before["voids"]


# --------------------------------------------------------------------------------------------
# the bill run: all of the month's bills or none


UNITS = 240


def _billable(office: dict, clock: FixedClock) -> None:
    """240 units with their September and October readings, and the approved rates."""
    for item, rate in (("property_fee", "1.80"), ("maintenance_fund", "0.25"),
                       ("water", "3.45"), ("electricity", "0.568")):
        billing.set_rate(item, rate, "2026-01-01", office["cashier"], clock, SETTINGS)
    building = Building.create(group=office["unit"].building.group, number="9", name="9栋",
                               floors=20)
    cashier = Staff.get(Staff.login == "cashier")
    codes = [f"9-{e}-{f}{r:02d}" for e in (1, 2) for f in range(1, 21) for r in range(1, 7)]
    Unit.insert_many([{"building": building, "entrance": int(c.split("-")[1]),
                       "floor": int(c.split("-")[2][:-2]), "room": c.split("-")[2], "code": c,
                       "area_centi_m2": 8000 + i} for i, c in enumerate(codes[:UNITS - 1])]
                     ).execute()
    readings = []
    for unit in Unit.select():
        for meter in ("water", "electricity"):
            for month, value in (("2026-09", 100), ("2026-10", 100 + unit.id % 37)):
                readings.append({"unit": unit, "meter": meter, "month": month,
                                 "reading": value, "read_at": clock.now(),
                                 "entered_by": cashier})
    MeterReading.insert_many(readings).execute()
    assert Unit.select().count() == UNITS


def _pristine(store: Path, into: Path) -> Path:
    """A copy of the store file as it is now (its WAL folded in first)."""
    con = sqlite3.connect(store)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    shutil.copyfile(store, into)
    return into


def test_a_killed_bill_run_leaves_all_the_bills_or_none(office: dict, clock: FixedClock,
                                                        store: Path, tmp_path: Path) -> None:
    _billable(office, clock)
    close_store()
    pristine = _pristine(store, tmp_path / "pristine.db")
    rng = random.Random(15)
    # (pause inside the n-th insert of bill lines, or 0: a random moment, or None: no kill)
    runs = [rng.randint(2, UNITS - 1) for _ in range(3)] + [0, 0, None]
    outcomes = []
    for i, pause in enumerate(runs):
        path = tmp_path / f"bills-{i}.db"
        shutil.copyfile(pristine, path)
        child = Child(tmp_path, "bills", path, seed=i, pause=pause or 0)
        child.wait_for("ready")
        if pause is None:
            child.finish()
        elif pause:
            child.wait_for("inside")
            child.kill()
        else:
            threading.Event().wait(rng.uniform(0.0, 0.4))
            child.kill()
        counts = check_books(path)
        assert counts["bills"] in (0, UNITS), f"run {i}: {counts['bills']} of {UNITS} bills"
        assert counts["lines"] == 4 * counts["bills"]
        assert counts["bill_runs"] == (1 if counts["bills"] else 0)  # its audit event too
        if pause:
            assert counts["bills"] == 0  # killed inside the transaction: none of it
        if pause is None or "done" in child.lines:
            assert counts["bills"] == UNITS
        outcomes.append(counts["bills"])
    assert outcomes[-1] == UNITS and outcomes[0] == 0


# --------------------------------------------------------------------------------------------
# the day close: submitted and confirmed, each whole or not at all


def test_a_killed_day_close_is_whole_or_absent(office: dict, clock: FixedClock, store: Path,
                                               tmp_path: Path) -> None:
    close_store()
    rng = random.Random(46)
    # pause 1: inside the submission; 2: inside the confirmation; 0: a random moment.
    runs = [1, 2, 1, 2, 0, 0, 0]
    before = check_books(store)
    for offset, pause in enumerate(runs):
        child = Child(tmp_path, "close", store, seed=offset, pause=pause, offset=offset)
        child.wait_for("ready")
        if pause:
            child.wait_for("inside")
        else:
            threading.Event().wait(rng.uniform(0.0, 0.5))
        child.kill()
        after = check_books(store)
        submitted = after["hand_overs"] - before["hand_overs"]
        confirmed = after["confirmed"] - before["confirmed"]
        assert confirmed <= submitted <= 1
        assert after["stopped_clocks"] == after["hand_overs"]
        # What the child reported done is there; a kill may also fall just after a commit.
        assert submitted >= ("submitted" in child.lines)
        assert confirmed >= ("confirmed" in child.lines)
        if pause == 1:  # killed inside the submission: no hand-over, no audit, clock running
            assert (submitted, confirmed) == (0, 0)
        if pause == 2:  # inside the confirmation: submitted, not confirmed
            assert (submitted, confirmed) == (1, 0)
        before = after
    con = sqlite3.connect(store)
    open_days = con.execute("SELECT COUNT(*) FROM hand_over WHERE confirmed_at IS NULL")
    assert open_days.fetchone()[0] >= 2  # the two runs killed inside their confirmation
    con.close()
