"""Receipt numbers and issuing a receipt for a payment (KF-015 §4.3–4.5, §4.6, §7).

KF-015 §4.6 / KF-006 §6: at hand-over cash must equal receipts, so every receipt number of a
series must exist exactly once — no gap (a number lost looks like pocketed cash) and no
duplicate (two receipts for one number cannot both be traced). The number is therefore taken
from the series' ``last_number`` inside the same transaction that writes the payment and the
receipt: if anything fails the number goes back with the rollback, and on SQLite the
transaction is opened with ``BEGIN IMMEDIATE`` so the write lock is held *before* the number
is read — two counters on one store queue instead of reading the same number.
"""

from __future__ import annotations

from ..clock import Clock
from ..config import Settings
from ..models import Payment, Receipt, ReceiptSeries, Staff, Unit, database
from ..models.cash import PAYMENT_METHODS
from ..views import office_day, receipt_number
from .base import DeskError, audit, require_role, transaction
from .hand_over import ensure_day_open

# Who may take money and issue receipts (RULES §4: the cashier; supervisor and manager cover).
CASHIER_ROLES = ("cashier", "supervisor", "manager")

# A sanity ceiling, not a business rule: ¥10,000,000,000 is far beyond any counter payment and
# keeps the amount within what the receipt prints in words (money.amount_in_words is tested
# up to here).
MAX_AMOUNT_FEN = 10**12


def series_code(settings: Settings, clock: Clock) -> str:
    """The series a receipt issued now belongs to: ``printing.receipt_series = "year"`` gives
    one series per calendar year in the office zone (a receipt at 00:30 on 1 January Beijing
    time is in the new year's series although it is still 31 December in UTC)."""
    mode = settings.get("printing.receipt_series")
    if mode != "year":
        raise DeskError("receipt.bad_series_setting", mode=mode)
    return str(clock.now().astimezone(settings.zone).year)


def _take_number(code: str) -> tuple[ReceiptSeries, int]:
    db = database.obj
    if not db.in_transaction():
        # A number taken outside the writer's transaction could be lost (a gap) if the
        # receipt is then not written: a programming error, never a clerk's.
        raise RuntimeError("next_receipt_number must run inside the caller's transaction")
    # One UPDATE increments in place: on PostgreSQL it also takes the row lock, so two
    # counters are serialised there too; on SQLite the caller's BEGIN IMMEDIATE already holds
    # the write lock.
    changed = (ReceiptSeries.update(last_number=ReceiptSeries.last_number + 1)
               .where(ReceiptSeries.code == code).execute())
    if not changed:
        ReceiptSeries.create(code=code, last_number=1)  # a new year's first receipt
    series = ReceiptSeries.get(ReceiptSeries.code == code)
    return series, series.last_number


def next_receipt_number(series_code: str) -> int:
    """Take the next number of the series ``series_code`` (created at 1 if new).

    Must run inside the caller's transaction, which writes the receipt with this number:
    the number is used exactly once or, on rollback, not at all (KF-015 §4.6: no gap, no
    duplicate).
    """
    return _take_number(series_code)[1]


def _check_amount(amount_fen: object) -> int:
    # Money is integer fen (RULES §4); a bool is an int to Python but never an amount.
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int):
        raise DeskError("receipt.amount_not_fen", field="amount")
    if amount_fen <= 0:
        raise DeskError("receipt.amount_positive", field="amount")
    if amount_fen > MAX_AMOUNT_FEN:
        raise DeskError("receipt.amount_too_large", field="amount")
    return amount_fen


def issue_payment_receipt(
    unit_code: str,
    amount_fen: int,
    method: str,
    actor: Staff,
    clock: Clock,
    settings: Settings,
) -> str:
    """Take a payment and issue its receipt; returns the printed number (``2026-000123``).

    KF-015 §4.5: the cashier collects and issues a receipt. The payment, the receipt and the
    audit event are written in one ``BEGIN IMMEDIATE`` transaction with the receipt number.
    ``unit_code`` may be empty for a walk-in without a unit (KF-022 typing, copying).
    Applying the payment to bills or charges (allocations) is not done here.
    """
    require_role(actor, CASHIER_ROLES, "receipt.issue")
    amount = _check_amount(amount_fen)
    if method not in PAYMENT_METHODS:
        raise DeskError("receipt.bad_method", field="method", method=method)
    code = unit_code.strip()
    unit = None
    if code:
        unit = Unit.get_or_none(Unit.code == code)
        if unit is None:
            raise DeskError("receipt.unknown_unit", field="unit", unit=code)
    series_name = series_code(settings, clock)
    now = clock.now()
    with transaction(immediate=True):
        # KF-015 §4.6: once the actor's day is closed (hand-over confirmed) no receipt is
        # issued dated that day; checked under the write lock so a close cannot slip between.
        ensure_day_open(actor, office_day(now, settings.zone))
        series, number = _take_number(series_name)
        payment = Payment.create(unit=unit, taken_at=now, method=method, amount_fen=amount,
                                 cashier=actor)
        receipt = Receipt.create(series=series, number=number, issued_at=now, payment=payment,
                                 amount_fen=amount, cashier=actor)
        printed = receipt_number(series.code, number)
        audit(actor, clock, "receipt.issue", receipt, number=printed, amount_fen=amount,
              method=method, unit=code)
    return printed
