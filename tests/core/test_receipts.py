"""Receipt numbers and issuing a payment's receipt (KF-015 §4.5, §4.6).

The central property: two counters issuing at once on one store leave the series numbered
1..N with no gap and no duplicate (BEGIN IMMEDIATE takes the write lock before the number is
read). The race runs in two real OS processes, as two counters would.
"""

from __future__ import annotations

import multiprocessing
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from tills import pay

from kfdesk.clock import FixedClock
from kfdesk.config import Settings, load_settings
from kfdesk.db import close_store, open_store
from kfdesk.desk.base import DeskError, transaction
from kfdesk.desk.payments import add_charge, take_payment
from kfdesk.desk.receipts import next_receipt_number
from kfdesk.desk.staff import create_staff
from kfdesk.models import AuditEvent, Payment, Receipt, ReceiptSeries

SHANGHAI = ZoneInfo("Asia/Shanghai")
PER_PROCESS = 200


def _settings(tmp: Path) -> Settings:
    # Shipped defaults only: no user file, no KFDESK_* variables from the shell.
    return load_settings(None, environ={"KFDESK_CONFIG": str(tmp / "no-settings.toml")})


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return _settings(tmp_path)


def _counts() -> tuple[int, int, int]:
    return Payment.select().count(), Receipt.select().count(), ReceiptSeries.select().count()


def test_issue_writes_payment_receipt_and_audit(office: dict, clock: FixedClock,
                                                settings: Settings) -> None:
    cashier = office["cashier"]
    number = pay("3-1-502", 12000, "cash", cashier, clock, settings)
    assert number == "2026-000001"
    receipt = Receipt.get()
    assert (receipt.number, receipt.amount_fen, receipt.cashier_id) == (1, 12000, cashier.id)
    assert receipt.series.code == "2026" and receipt.series.last_number == 1
    payment = receipt.payment
    assert (payment.unit_id, payment.method, payment.amount_fen, payment.cashier_id) == (
        office["unit"].id, "cash", 12000, cashier.id)
    assert payment.taken_at == receipt.issued_at == clock.now()
    event = AuditEvent.get(AuditEvent.action == "receipt.issue")
    assert event.actor_id == cashier.id and "2026-000001" in event.detail
    # A walk-in (KF-022 copying, KF-015 §7 on behalf of others) pays a charge raised for it.
    charge = add_charge("", "other", 800, "复印 8 页", office["super"], clock, settings)
    walk_in = take_payment(" ", 800, "wechat", office["super"], clock, settings,
                           targets=[f"charge:{charge}"])
    assert walk_in.number == "2026-000002"
    assert Receipt.get(Receipt.number == 2).payment.unit_id is None  # walk-in, no unit


def test_series_is_the_year_in_the_office_zone(office: dict, settings: Settings) -> None:
    # 2026-12-31 16:30 UTC is already 2027-01-01 00:30 in Beijing: the new year's series.
    clock = FixedClock(datetime(2027, 1, 1, 0, 30, tzinfo=SHANGHAI))
    pay("", 100, "cash", office["cashier"], clock, settings)
    assert pay("", 100, "cash", office["manager"], clock,
                                 settings) == "2027-000002"


@pytest.mark.parametrize("amount", [0, -100, True, 12.5, "120", None, 10**12 + 1])
def test_bad_amount_refused_and_nothing_written(office: dict, clock: FixedClock,
                                                settings: Settings, amount: object) -> None:
    with pytest.raises(DeskError) as exc:
        pay("3-1-502", amount, "cash", office["cashier"], clock,
                              settings)  # type: ignore[arg-type]
    assert exc.value.key.startswith("receipt.amount_") and exc.value.field == "amount"
    assert "receipt." not in exc.value.message()  # the catalogue has the text
    assert _counts() == (0, 0, 0)


@pytest.mark.parametrize(("unit", "method", "key"), [
    ("9-9-999", "cash", "receipt.unknown_unit"),
    ("3-1-502", "bitcoin", "receipt.bad_method"),
])
def test_bad_unit_or_method_refused(office: dict, clock: FixedClock, settings: Settings,
                                    unit: str, method: str, key: str) -> None:
    with pytest.raises(DeskError) as exc:
        pay(unit, 100, method, office["cashier"], clock, settings)
    assert exc.value.key == key
    assert _counts() == (0, 0, 0)


@pytest.mark.parametrize("login", ["guard", "clerk"])
def test_roles_without_the_till_refused(office: dict, clock: FixedClock, settings: Settings,
                                        login: str) -> None:
    with pytest.raises(DeskError) as exc:
        pay("3-1-502", 100, "cash", office[login], clock, settings)
    assert exc.value.key == "auth.not_allowed"
    assert "action." not in exc.value.message() and "role." not in exc.value.message()
    assert _counts() == (0, 0, 0)


def test_number_returns_with_a_rollback(store: Path) -> None:
    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction(immediate=True):
        assert next_receipt_number("2026") == 1
        raise Boom
    with transaction(immediate=True):
        assert next_receipt_number("2026") == 1
        assert next_receipt_number("2026") == 2
    with transaction():
        assert next_receipt_number("2027") == 1


def test_number_outside_a_transaction_is_a_programming_error(store: Path) -> None:
    with pytest.raises(RuntimeError):
        next_receipt_number("2026")


# ---- two counters at once ----------------------------------------------------------------

def _counter(path: str, login: str, tmp: str, count: int, start, results) -> None:  # noqa: ANN001
    """One counter in its own process: open the store and issue ``count`` receipts."""
    from kfdesk.models import Staff

    clock = FixedClock(datetime(2026, 10, 9, 10, 0, tzinfo=SHANGHAI))
    open_store(path, clock)
    settings = _settings(Path(tmp))
    actor = Staff.get(Staff.login == login)
    start.wait()  # both processes issue at the same time
    numbers = []
    for i in range(count):
        numbers.append(pay("3-1-502", 100 + i, "cash", actor, clock, settings))
        # A breath between receipts, as at a real counter: SQLite's busy handler sleeps and
        # retries, so without any pause one process can hold the lock for all its receipts
        # and the two would never interleave — the race would not be exercised.
        time.sleep(0.002)
    close_store()
    results.put(numbers)


def test_two_counters_at_once_leave_no_gap_and_no_duplicate(
        office: dict, store: Path, tmp_path: Path, clock: FixedClock) -> None:
    create_staff("cashier2", "周丽", "cashier", "1234", clock, salt=bytes(16))
    close_store()  # the children open the file themselves
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(2)
    results = ctx.Queue()
    procs = [ctx.Process(target=_counter,
                         args=(str(store), login, str(tmp_path), PER_PROCESS, start, results))
             for login in ("cashier", "cashier2")]
    for p in procs:
        p.start()
    issued = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    open_store(str(store), clock)
    numbers = sorted(r.number for r in Receipt.select())
    assert numbers == list(range(1, 2 * PER_PROCESS + 1))
    assert sorted(n for batch in issued for n in batch) == [
        f"2026-{n:06d}" for n in range(1, 2 * PER_PROCESS + 1)]
    assert ReceiptSeries.get(ReceiptSeries.code == "2026").last_number == 2 * PER_PROCESS
    assert Payment.select().count() == 2 * PER_PROCESS
    # Each counter's own receipts are in increasing order (it waited its turn each time),
    # and the two really ran at once: neither got one contiguous block of numbers.
    for batch in issued:
        assert batch == sorted(batch)
        assert batch != [f"2026-{n:06d}" for n in range(int(batch[0][5:]),
                                                         int(batch[0][5:]) + PER_PROCESS)]
