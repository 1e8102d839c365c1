"""Read view of the temporary-parking invoice books and their half-monthly settlements.

KF-015 §6.1.1: parking attendants hold fixed-value invoice books (定额发票), one per
denomination; §6.1.2: every half month each settles with the cashier. Reads only (the writes
are ``kfdesk.desk.parking``): the books out, the settlements made, who is due next (read from
the stored ``parking_settlement`` clock, RULES §8, so the screen and the alert agree) and the
parking cash a cashier took on a day (for the daily hand-over, KF-015 §4.6). Times come back
in the office zone; money in integer fen.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import NamedTuple

from peewee import fn

from ..models import Deadline, InvoiceBook, ParkingSettlement, Staff
from . import _by_id, _local, day_bounds

CLOCK = "parking_settlement"


class BookRow(NamedTuple):
    """One invoice book: its numbers and how far its stubs have been settled."""

    id: int
    attendant: str
    denomination_fen: int
    first_no: int
    last_no: int
    used_up_to: int | None  # the last number settled (cancelled); None: none yet
    issued_at: datetime
    returned_at: datetime | None

    @property
    def position(self) -> int:
        """The last number settled, ``first_no - 1`` when none is."""
        return self.used_up_to if self.used_up_to is not None else self.first_no - 1

    @property
    def left(self) -> int:
        """Numbers not yet settled: still to be used, or handed back unused."""
        return self.last_no - self.position

    @property
    def used_up(self) -> bool:
        return self.position >= self.last_no


class StubRange(NamedTuple):
    """The stubs of one book cancelled by a settlement (``from_no`` … ``to_no``)."""

    book_id: int
    denomination_fen: int
    from_no: int
    to_no: int

    @property
    def stubs(self) -> int:
        return self.to_no - self.from_no + 1

    @property
    def value_fen(self) -> int:
        return self.stubs * self.denomination_fen


class SettlementRow(NamedTuple):
    """One half-monthly settlement (KF-015 §6.1.2)."""

    id: int
    attendant: str
    period_start: date
    period_end: date
    stubs: int  # stubs cancelled
    invoices_fen: int | None  # value of the invoices used; None on a record made before
    due_fen: int  # the shift income statements' total: what the attendant owes
    received_fen: int  # cash taken
    reason: str
    settled_at: datetime
    cashier: str
    ranges: list[StubRange]

    @property
    def difference_fen(self) -> int:
        """Cash − due, exact to the fen (negative: short)."""
        return self.received_fen - self.due_fen

    @property
    def invoices_difference_fen(self) -> int | None:
        """Invoices used − statements; None when the invoices were not recorded."""
        return None if self.invoices_fen is None else self.invoices_fen - self.due_fen


class DueRow(NamedTuple):
    """An attendant holding books and their next settlement (the stored clock)."""

    attendant: str
    denominations: list[int]  # fen, of the books held
    since: date | None  # first day not yet settled
    due_at: datetime | None  # None until the clock is opened (the next refresh)
    state: str  # overdue | due_soon | running | none
    provisional: bool


def _book(row: InvoiceBook, zone: tzinfo) -> BookRow:
    return BookRow(id=row.id, attendant=row.attendant, denomination_fen=row.denomination_fen,
                   first_no=row.first_no, last_no=row.last_no, used_up_to=row.used_up_to,
                   issued_at=row.issued_at.astimezone(zone),
                   returned_at=_local(row.returned_at, zone))


def books(zone: tzinfo, *, attendant: str | None = None,
          returned: bool = False) -> list[BookRow]:
    """The books out (or, with ``returned``, every book), by attendant and denomination."""
    query = InvoiceBook.select()
    if not returned:
        query = query.where(InvoiceBook.returned_at.is_null())
    if attendant is not None:
        query = query.where(InvoiceBook.attendant == attendant)
    rows = query.order_by(InvoiceBook.attendant, InvoiceBook.denomination_fen,
                          InvoiceBook.id)
    return [_book(r, zone) for r in rows]


def book(book_id: int, zone: tzinfo) -> BookRow | None:
    row = InvoiceBook.get_or_none(InvoiceBook.id == book_id)
    return _book(row, zone) if row is not None else None


def period_start(attendant: str, zone: tzinfo) -> date | None:
    """The first day of the attendant's period not yet settled (KF-015 §6.1.2).

    The day after the last settlement's period end; for an attendant who never settled, or
    whose books were all handed back and who holds new ones since, the day the books held
    now were first issued — the same reading as the ``parking_settlement`` clock
    (``rules.periods._sync_parking``). None when the attendant holds no book.
    """
    issued = (InvoiceBook.select(fn.MIN(InvoiceBook.issued_at))
              .where((InvoiceBook.attendant == attendant) & InvoiceBook.returned_at.is_null())
              .scalar())
    if issued is None:
        return None
    start = InvoiceBook.issued_at.python_value(issued).astimezone(zone).date()
    last = (ParkingSettlement.select(fn.MAX(ParkingSettlement.period_end))
            .where(ParkingSettlement.attendant == attendant).scalar())
    if last is not None:
        last = ParkingSettlement.period_end.python_value(last)
        start = max(start, last + timedelta(days=1))
    return start


def default_period_end(since: date, today: date, days: list[int]) -> date:
    """The period end a settlement usually covers: the latest half-month end before today
    (the 15th or the month's last day, for settlement days 1 and 16) on or after ``since``;
    today when none is (an early or a leaving attendant's settlement)."""
    day = today - timedelta(days=1)
    while day >= since:
        if (day + timedelta(days=1)).day in days:
            return day
        day -= timedelta(days=1)
    return today


def _ranges(text: str) -> list[StubRange]:
    try:
        items = json.loads(text or "[]")
    except ValueError:
        return []
    return [StubRange(int(i["book"]), int(i["denomination_fen"]), int(i["from"]), int(i["to"]))
            for i in items]


def _settlement(row: ParkingSettlement, zone: tzinfo, cashiers: dict) -> SettlementRow:
    cashier = cashiers.get(row.cashier_id)
    return SettlementRow(
        id=row.id, attendant=row.attendant, period_start=row.period_start,
        period_end=row.period_end, stubs=row.stubs_cancelled, invoices_fen=row.invoices_fen,
        due_fen=row.due_fen, received_fen=row.received_fen, reason=row.reason,
        settled_at=row.settled_at.astimezone(zone), cashier=cashier.name if cashier else "",
        ranges=_ranges(row.used_stubs))


def settlements(zone: tzinfo, *, attendant: str | None = None,
                limit: int | None = None) -> list[SettlementRow]:
    """Settlements made, newest first."""
    query = ParkingSettlement.select()
    if attendant is not None:
        query = query.where(ParkingSettlement.attendant == attendant)
    query = query.order_by(ParkingSettlement.settled_at.desc(), ParkingSettlement.id.desc())
    if limit is not None:
        query = query.limit(limit)
    rows = list(query)
    cashiers = _by_id(Staff, (r.cashier_id for r in rows))
    return [_settlement(r, zone, cashiers) for r in rows]


def settlement(settlement_id: int, zone: tzinfo) -> SettlementRow | None:
    row = ParkingSettlement.get_or_none(ParkingSettlement.id == settlement_id)
    if row is None:
        return None
    return _settlement(row, zone, _by_id(Staff, [row.cashier_id]))


def settlements_due(now: datetime, zone: tzinfo) -> list[DueRow]:
    """Every attendant holding a book, the most pressing first: their next settlement as the
    ``parking_settlement`` clock has it (RULES §8: the 1st and 16th, moved to a working day).
    """
    held: dict[str, list[int]] = {}
    for name, value in (InvoiceBook.select(InvoiceBook.attendant, InvoiceBook.denomination_fen)
                        .where(InvoiceBook.returned_at.is_null())
                        .order_by(InvoiceBook.denomination_fen).tuples()):
        held.setdefault(name, []).append(value)
    clocks: dict[str, Deadline] = {}
    for row in (Deadline.select()
                .where((Deadline.clock == CLOCK) & Deadline.stopped_at.is_null()
                       & Deadline.item_ref.in_(list(held) or [""]))
                .order_by(Deadline.due_at)):
        clocks.setdefault(row.item_ref, row)  # the oldest period still open
    now = now.astimezone(UTC)
    out: list[DueRow] = []
    for name, values in held.items():
        row = clocks.get(name)
        if row is None:
            state = "none"
        elif now > row.due_at:
            state = "overdue"
        elif now >= row.warn_at:
            state = "due_soon"
        else:
            state = "running"
        out.append(DueRow(
            attendant=name, denominations=values, since=period_start(name, zone),
            due_at=_local(row.due_at, zone) if row is not None else None, state=state,
            provisional=bool(row.provisional) if row is not None else False))
    order = {"overdue": 0, "due_soon": 1, "running": 2, "none": 3}
    far = datetime.max.replace(tzinfo=UTC)
    out.sort(key=lambda r: (order[r.state], r.due_at or far, r.attendant))
    return out


def attendants() -> list[str]:
    """Every attendant who ever held a book, by name."""
    return [name for (name,) in InvoiceBook.select(InvoiceBook.attendant).distinct()
            .order_by(InvoiceBook.attendant).tuples()]


def cash_settled(cashier_id: int, day: date, zone: tzinfo) -> int:
    """Parking cash (fen) the cashier took in settlements on ``day`` (office-zone calendar
    day): it is in the drawer at the daily hand-over (KF-015 §4.6) beside the receipts'."""
    start, end = day_bounds(day, zone)
    total = (ParkingSettlement.select(fn.SUM(ParkingSettlement.received_fen))
             .where((ParkingSettlement.cashier == cashier_id)
                    & (ParkingSettlement.settled_at >= start)
                    & (ParkingSettlement.settled_at < end)).scalar())
    return int(total or 0)

