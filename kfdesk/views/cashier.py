"""Read-only queries for taking payment (KF-015 §4.5, §5): what a unit owes item by item, its
prepaid balance, deposits held, and one receipt in full for the preview and the print.

The owed items carry a key (``line:12``, ``charge:7``) that the payment service takes back as
its targets, and are returned oldest first — the order a payment is allocated in.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from typing import NamedTuple

import peewee as pw

from ..models import (
    Allocation,
    Bill,
    BillLine,
    Charge,
    HandOver,
    ParkingSettlement,
    Payment,
    Receipt,
    ReceiptSeries,
    ReceiptVoid,
    Refund,
    Staff,
    Unit,
)
from ..models.cash import FEE_ITEMS
from . import _owner_names, _unit_by_code, receipt_number
from .parking import cash_settled

_ITEM_ORDER = {item: i for i, item in enumerate(FEE_ITEMS)}


class OwedItem(NamedTuple):
    """One thing a unit owes: a bill line of a month, or a one-off charge."""

    key: str  # "line:<id>" | "charge:<id>": what the payment service takes as a target
    month: str  # the bill's month; for a charge, the month it was raised (office zone)
    item: str  # a fee item (FEE_ITEMS) or a charge kind (CHARGE_KINDS)
    description: str  # a charge's own text; "" for a bill line
    amount_fen: int
    paid_fen: int
    owed_fen: int
    created_at: datetime


def _charge_month(charge: Charge, zone: tzinfo) -> str:
    # A charge put on a month's bill counts with that month; otherwise with when it arose.
    return charge.with_bill_month or charge.created_at.astimezone(zone).strftime("%Y-%m")


def owed_items(unit_id: int | None, zone: tzinfo, *, charge_ids: tuple[int, ...] = (),
               bill_lines: bool = True) -> list[OwedItem]:
    """Everything ``unit_id`` still owes, oldest first (KF-015 §4.5: a payment pays the oldest
    month first). ``unit_id`` None: the walk-in charges named in ``charge_ids`` only.
    ``bill_lines`` False leaves the bills out (a payment of picked charges only)."""
    items: list[tuple[tuple, OwedItem]] = []
    if unit_id is not None and bill_lines:
        lines = (BillLine.select(BillLine, Bill).join(Bill)
                 .where((Bill.unit == unit_id) & (BillLine.amount_fen > BillLine.paid_fen)))
        for line in lines:
            bill = line.bill
            items.append(((bill.month, 0, bill.created_at, _ITEM_ORDER.get(line.item, 99),
                           line.id),
                          OwedItem(f"line:{line.id}", bill.month, line.item, "",
                                   line.amount_fen, line.paid_fen,
                                   line.amount_fen - line.paid_fen, bill.created_at)))
    if unit_id is not None:
        charges = Charge.select().where((Charge.unit == unit_id)
                                        & (Charge.amount_fen > Charge.paid_fen))
    else:
        charges = Charge.select().where(Charge.id.in_(charge_ids or (0,))
                                        & (Charge.amount_fen > Charge.paid_fen))
    for c in charges:
        month = _charge_month(c, zone)
        items.append(((month, 1, c.created_at, 0, c.id),
                       OwedItem(f"charge:{c.id}", month, c.kind, c.description, c.amount_fen,
                                c.paid_fen, c.amount_fen - c.paid_fen, c.created_at)))
    items.sort(key=lambda pair: pair[0])
    return [item for _, item in items]


def credit_by_payment(unit_id: int) -> dict[int, int]:
    """The unit's prepaid balance (预存) per payment that left it, oldest payment first.

    An overpayment is an allocation with no target; using it later writes a negative one on
    the same payment (and a receiptless "prepaid" payment that pays the items), so the sum per
    payment is what is left.
    """
    rows = (Allocation.select(Allocation.payment, pw.fn.SUM(Allocation.amount_fen).alias("left"))
            .join(Payment)
            .where((Payment.unit == unit_id) & Allocation.bill_line.is_null()
                   & Allocation.charge.is_null())
            .group_by(Allocation.payment).order_by(Allocation.payment))
    return {row.payment_id: int(row.left) for row in rows if int(row.left) > 0}


def unit_credit(unit_id: int) -> int:
    return sum(credit_by_payment(unit_id).values())


def refunded_fen(charge_ids: list[int]) -> dict[int, int]:
    """Refunded per charge, refunds whose receipt was voided left out (the void undid them)."""
    voided = Receipt.select(Receipt.refund).join(ReceiptVoid).where(Receipt.refund.is_null(False))
    rows = (Refund.select(Refund.charge, pw.fn.SUM(Refund.amount_fen).alias("fen"))
            .where(Refund.charge.in_(charge_ids or [0]) & Refund.id.not_in(voided))
            .group_by(Refund.charge))
    return {row.charge_id: int(row.fen) for row in rows}


class DepositRow(NamedTuple):
    """A deposit the office holds for a unit (KF-015 §5, KF-018 IC card 100 yuan)."""

    charge_id: int
    kind: str
    description: str
    paid_fen: int
    refunded_fen: int
    held_fen: int
    created_at: datetime


def deposits_held(unit_code: str, zone: tzinfo) -> list[DepositRow]:
    unit = _unit_by_code(unit_code)
    if unit is None:
        return []
    charges = list(Charge.select().where((Charge.unit == unit.id) & Charge.refundable
                                         & (Charge.paid_fen > 0)).order_by(Charge.created_at))
    refunded = refunded_fen([c.id for c in charges])
    rows = []
    for c in charges:
        back = refunded.get(c.id, 0)
        if c.paid_fen - back > 0:
            rows.append(DepositRow(c.id, c.kind, c.description, c.paid_fen, back,
                                   c.paid_fen - back, c.created_at.astimezone(zone)))
    return rows


class ReceiptLine(NamedTuple):
    month: str
    item: str  # fee item, charge kind, or "prepaid" for an overpayment kept on account
    description: str
    amount_fen: int
    # What the item still owed right after this payment (issue 17: a part payment says so);
    # 0 when paid in full, for a prepaid line and on a refund.
    owed_after_fen: int = 0


class ReceiptDetail(NamedTuple):
    """One receipt in full: what the preview shows and the print carries."""

    id: int
    number: str
    kind: str  # payment | refund
    issued_at: datetime
    unit: str
    owner: str
    payer: str
    method: str
    amount_fen: int  # negative for a refund
    tendered_fen: int | None
    change_fen: int | None
    reference: str
    cashier: str
    lines: tuple[ReceiptLine, ...]
    reason: str  # a refund's reason
    printed_count: int
    void: bool
    void_reason: str
    void_by: str
    void_at: datetime | None


def receipt_detail(number: str, zone: tzinfo) -> ReceiptDetail | None:
    """The receipt printed as ``number`` (``2026-000123``), or None."""
    code, _, digits = number.strip().rpartition("-")
    if not code or not digits.isdigit():
        return None
    receipt = (Receipt.select(Receipt, ReceiptSeries).join(ReceiptSeries)
               .where((ReceiptSeries.code == code) & (Receipt.number == int(digits))).first())
    if receipt is None:
        return None
    payment = Payment.get_or_none(Payment.id == receipt.payment_id) if receipt.payment_id else None
    refund = Refund.get_or_none(Refund.id == receipt.refund_id) if receipt.refund_id else None
    lines: list[ReceiptLine] = []
    unit_id = None
    payer = method = reference = reason = ""
    tendered = change = None
    if payment is not None:
        unit_id, payer, method = payment.unit_id, payment.payer, payment.method
        tendered, change, reference = payment.tendered_fen, payment.change_fen, payment.reference
        # What the payment paid when it was taken: positive allocations (a void or a later use
        # of the prepaid balance writes negative ones, which are not what the receipt said).
        allocations = list(Allocation.select().where((Allocation.payment == payment.id)
                                                     & (Allocation.amount_fen > 0))
                           .order_by(Allocation.id))
        line_ids = [a.bill_line_id for a in allocations if a.bill_line_id]
        bill_lines = {b.id: b for b in BillLine.select(BillLine, Bill).join(Bill)
                      .where(BillLine.id.in_(line_ids or [0]))}
        charges = {c.id: c for c in Charge.select().where(
            Charge.id.in_([a.charge_id for a in allocations if a.charge_id] or [0]))}
        # Paid on each item up to this payment's last allocation: allocations are written in
        # order, so this is the item as it stood when the receipt was issued, on every reprint.
        last = max((a.id for a in allocations), default=0)
        paid_then: dict[tuple[str, int], int] = {}
        for column, name in ((Allocation.bill_line, "line"), (Allocation.charge, "charge")):
            ids = line_ids if name == "line" else list(charges)
            rows = (Allocation.select(column.alias("target"),
                                      pw.fn.SUM(Allocation.amount_fen).alias("fen"))
                    .where(column.in_(ids or [0]) & (Allocation.id <= last))
                    .group_by(column).namedtuples())
            paid_then.update({(name, row.target): int(row.fen) for row in rows})
        for a in allocations:
            if a.bill_line_id:
                b = bill_lines[a.bill_line_id]
                left = b.amount_fen - paid_then.get(("line", b.id), 0)
                lines.append(ReceiptLine(b.bill.month, b.item, "", a.amount_fen, max(left, 0)))
            elif a.charge_id:
                c = charges[a.charge_id]
                left = c.amount_fen - paid_then.get(("charge", c.id), 0)
                lines.append(ReceiptLine(_charge_month(c, zone), c.kind, c.description,
                                         a.amount_fen, max(left, 0)))
            else:  # an overpayment kept on the unit's account (预存)
                lines.append(ReceiptLine("", "prepaid", "", a.amount_fen))
    elif refund is not None:
        method, reason = refund.method, refund.reason
        charge = Charge.get_or_none(Charge.id == refund.charge_id) if refund.charge_id else None
        if charge is not None:
            unit_id = charge.unit_id
            lines.append(ReceiptLine(_charge_month(charge, zone), charge.kind,
                                     charge.description, -refund.amount_fen))
    unit = Unit.get_or_none(Unit.id == unit_id) if unit_id else None
    void = ReceiptVoid.get_or_none(ReceiptVoid.receipt == receipt.id)
    staff = {s.id: s.name for s in Staff.select().where(
        Staff.id.in_([receipt.cashier_id] + ([void.by_id] if void else [])))}
    return ReceiptDetail(
        id=receipt.id,
        number=receipt_number(code, receipt.number),
        kind="payment" if payment is not None else "refund",
        issued_at=receipt.issued_at.astimezone(zone),
        unit=unit.code if unit else "",
        owner=_owner_names([unit.id]).get(unit.id, "") if unit else "",
        payer=payer,
        method=method,
        amount_fen=receipt.amount_fen,
        tendered_fen=tendered,
        change_fen=change,
        reference=reference,
        cashier=staff.get(receipt.cashier_id, ""),
        lines=tuple(lines),
        reason=reason,
        printed_count=receipt.printed_count,
        void=void is not None,
        void_reason=void.reason if void else "",
        void_by=staff.get(void.by_id, "") if void else "",
        void_at=void.at.astimezone(zone) if void else None,
    )


def payments_by_unit(unit_code: str, zone: tzinfo, *, limit: int = 50
                     ) -> list[tuple[str, datetime, int, bool]]:
    """The unit's receipts, newest first: (number, issued_at, amount_fen, void)."""
    unit = _unit_by_code(unit_code)
    if unit is None:
        return []
    receipts = list(Receipt.select(Receipt, ReceiptSeries).join(ReceiptSeries).switch(Receipt)
                    .join(Payment).where(Payment.unit == unit.id)
                    .order_by(Receipt.issued_at.desc()).limit(limit))
    voided = {v.receipt_id for v in ReceiptVoid.select().where(
        ReceiptVoid.receipt.in_([r.id for r in receipts] or [0]))}
    return [(receipt_number(r.series.code, r.number), r.issued_at.astimezone(zone), r.amount_fen,
             r.id in voided) for r in receipts]


class HandOverLine(NamedTuple):
    """One cashier's day at the hand-over (KF-015 §4.6): what the receipts say, what was
    counted, and who signed."""

    id: int | None  # the HandOver row, None while not counted
    cashier_id: int
    cashier: str
    status: str  # open | closed (counted, handed over) | confirmed (supervisor signed)
    receipts: int
    voids: int
    first_number: str
    last_number: str
    cash_expected_fen: int  # receipts' cash and the parking settlements' cash
    parking_fen: int  # of which temporary parking (KF-015 §6.1.2)
    noncash: tuple[tuple[str, int], ...]  # (method, fen) from the receipts
    counted_fen: int | None
    difference_fen: int | None
    reason: str
    denominations: tuple[tuple[int, int], ...]  # (value fen, pieces), largest first
    closed_at: datetime | None
    confirmed_by: str
    confirmed_at: datetime | None


def hand_overs(day: date, zone: tzinfo) -> list[HandOverLine]:
    """Every cashier with receipts or a count on ``day`` (office zone), by name."""
    import json

    from . import cashier_day

    rows = {h.cashier_id: h for h in HandOver.select().where(HandOver.day == day)}
    start_ids = {r.cashier_id for r in Receipt.select(Receipt.cashier).where(
        Receipt.issued_at.between(*_bounds(day, zone)))}
    start_ids |= {p.cashier_id for p in ParkingSettlement.select(ParkingSettlement.cashier)
                  .where(ParkingSettlement.settled_at.between(*_bounds(day, zone)))}
    ids = sorted(start_ids | set(rows))
    staff = {s.id: s for s in Staff.select().where(Staff.id.in_(ids or [0]))}
    out = []
    for cashier_id in ids:
        mine = cashier_day(day, zone, cashier_id=cashier_id)
        totals = dict(mine.totals)
        numbers = [r.number for r in mine.receipts]
        h = rows.get(cashier_id)
        parking = cash_settled(cashier_id, day, zone)
        status = "open" if h is None else ("confirmed" if h.confirmed_at else "closed")
        counts = json.loads(h.denominations) if h else {}
        out.append(HandOverLine(
            id=h.id if h else None,
            cashier_id=cashier_id,
            cashier=staff[cashier_id].name if cashier_id in staff else "",
            status=status,
            receipts=len(numbers),
            voids=mine.voids,
            first_number=numbers[0] if numbers else "",
            last_number=numbers[-1] if numbers else "",
            cash_expected_fen=totals.get("cash", 0) + parking,
            parking_fen=parking,
            noncash=tuple((m, f) for m, f in mine.totals if m != "cash"),
            counted_fen=h.cash_counted_fen if h else None,
            difference_fen=h.difference_fen if h else None,
            reason=h.reason if h else "",
            denominations=tuple(sorted(((int(v), int(n)) for v, n in counts.items()),
                                       reverse=True)),
            closed_at=h.closed_at.astimezone(zone) if h else None,
            confirmed_by=(Staff.get_by_id(h.confirmed_by_id).name
                          if h and h.confirmed_by_id else ""),
            confirmed_at=h.confirmed_at.astimezone(zone) if h and h.confirmed_at else None,
        ))
    out.sort(key=lambda line: line.cashier)
    return out


def _bounds(day: date, zone: tzinfo) -> tuple[datetime, datetime]:
    from . import day_bounds

    start, end = day_bounds(day, zone)
    return start, end - timedelta(microseconds=1)
