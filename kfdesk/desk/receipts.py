"""Receipt numbers: one gapless series per year (KF-015 §4.3–4.5, §4.6, §7).

KF-015 §4.6 / KF-006 §6: at hand-over cash must equal receipts, so every receipt number of a
series must exist exactly once — no gap (a number lost looks like pocketed cash) and no
duplicate (two receipts for one number cannot both be traced). The number is therefore taken
from the series' ``last_number`` inside the same transaction that writes the payment and the
receipt: if anything fails the number goes back with the rollback, and on SQLite the
transaction is opened with ``BEGIN IMMEDIATE`` so the write lock is held *before* the number
is read — two counters on one store queue instead of reading the same number. The writers are
in ``payments`` (payments, refunds).
"""

from __future__ import annotations

import sqlite3

from ..clock import Clock
from ..config import Settings
from ..models import ReceiptSeries, database
from .base import DeskError

# Who may take money and issue receipts (RULES §4: the cashier; supervisor and manager cover).
CASHIER_ROLES = ("cashier", "supervisor", "manager")

# A sanity ceiling, not a business rule: ¥10,000,000,000 is far beyond any counter payment and
# keeps the amount within what the receipt prints in words (money.amount_in_words is tested
# up to here). One constant with the typed-amount reading (inputs.amount_in).
from .inputs import MAX_AMOUNT_FEN  # noqa: E402, F401

# PostgreSQL has RETURNING; SQLite since 3.35.
_RETURNING = sqlite3.sqlite_version_info >= (3, 35, 0)


def series_code(settings: Settings, clock: Clock) -> str:
    """The series a receipt issued now belongs to: ``printing.receipt_series = "year"`` gives
    one series per calendar year in the office zone (a receipt at 00:30 on 1 January Beijing
    time is in the new year's series although it is still 31 December in UTC)."""
    mode = settings.get("printing.receipt_series")
    if mode != "year":
        raise DeskError("receipt.bad_series_setting", mode=mode)
    return str(clock.now().astimezone(settings.zone).year)


def take_number(code: str) -> tuple[ReceiptSeries, int]:
    """The series row and the next number of ``code``, inside the caller's transaction."""
    db = database.obj
    if not db.in_transaction():
        # A number taken outside the writer's transaction could be lost (a gap) if the
        # receipt is then not written: a programming error, never a clerk's.
        raise RuntimeError("next_receipt_number must run inside the caller's transaction")
    # One UPDATE increments in place: on PostgreSQL it also takes the row lock, so two
    # counters are serialised there too; on SQLite the caller's BEGIN IMMEDIATE already holds
    # the write lock. RETURNING gives the number in the same statement (one query less per
    # receipt on a busy counter); SQLite older than 3.35 reads it back instead.
    taken = _increment(code)
    if taken is not None:
        return taken
    # A new year's first receipt: no row to lock yet. Two counters on PostgreSQL could both
    # find none and both INSERT — the second would then fail on the unique code and its
    # payment with it. So the row is created at 0 if still missing (the second INSERT waits
    # for the first's commit, then does nothing) and numbered by the same locked UPDATE.
    ReceiptSeries.insert(code=code, last_number=0).on_conflict_ignore().execute()
    taken = _increment(code)
    if taken is None:  # the row was just made in this transaction: cannot be missing
        raise RuntimeError(f"receipt series {code!r} missing after insert")
    return taken


def _increment(code: str) -> tuple[ReceiptSeries, int] | None:
    """Add one to the series' last number under its row lock; None if there is no row."""
    update = (ReceiptSeries.update(last_number=ReceiptSeries.last_number + 1)
              .where(ReceiptSeries.code == code))
    if _RETURNING:
        rows = list(update.returning(ReceiptSeries.id, ReceiptSeries.last_number)
                    .tuples().execute())
        if rows:
            series_id, number = rows[0]
            return ReceiptSeries(id=series_id, code=code, last_number=number), number
    elif update.execute():
        series = ReceiptSeries.get(ReceiptSeries.code == code)
        return series, series.last_number
    return None


def next_receipt_number(series_code: str) -> int:
    """Take the next number of the series ``series_code`` (created at 1 if new).

    Must run inside the caller's transaction, which writes the receipt with this number:
    the number is used exactly once or, on rollback, not at all (KF-015 §4.6: no gap, no
    duplicate).
    """
    return take_number(series_code)[1]
