"""Read-only queries for taking payment (KF-015 §4.5, §5): what a unit owes item by item, its
prepaid balance, deposits held, and one receipt in full for the preview and the print.

The owed items carry a key (``line:12``, ``charge:7``) that the payment service takes back as
its targets, and are returned oldest first — the order a payment is allocated in.
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo
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
    # RULES v2 §4: taken after its cashier had counted that day, so in their next hand-over.
    next_hand_over: bool = False


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
    # A count takes every movement of its day made before it; a receipt of a counted day
    # outside that hand-over came after the count.
    counted = HandOver.get_or_none((HandOver.cashier == receipt.cashier_id)
                                   & (HandOver.day == receipt.issued_at.astimezone(zone).date()))
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
        next_hand_over=counted is not None and receipt.hand_over_id != counted.id,
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


class CashFigures(NamedTuple):
    """What a set of cash movements adds up to (RULES v2 §4): a hand-over's own, or a cashier's
    not yet counted. Receipts count with their sign (a refund receipt is negative); a void is
    the money given back, its receipt's amount negated, in the hand-over the void is in."""

    cash_fen: int  # cash: receipts, voids' reversals and parking settlements
    parking_fen: int  # of cash_fen: parking settlements (KF-015 §6.1.2)
    noncash: tuple[tuple[str, int], ...]  # (method, fen), PAYMENT_METHODS order, non-zero
    receipts: int  # receipts issued (a voided one keeps its number and counts here)
    voids: int
    first_number: str  # "" when no receipt
    last_number: str

    @property
    def noncash_fen(self) -> dict[str, int]:
        return dict(self.noncash)


def _movements(hand_over_id: int | None, cashier_id: int | None,
               until: datetime | None) -> tuple[pw.Expression, pw.Expression, pw.Expression]:
    """Conditions on Receipt, ReceiptVoid (joined to its Receipt) and ParkingSettlement: the
    movements of one hand-over, or a cashier's open ones before ``until``."""
    if hand_over_id is not None:
        return (Receipt.hand_over == hand_over_id, ReceiptVoid.hand_over == hand_over_id,
                ParkingSettlement.hand_over == hand_over_id)
    receipts = Receipt.hand_over.is_null() & (Receipt.cashier == cashier_id)
    voids = ReceiptVoid.hand_over.is_null() & (Receipt.cashier == cashier_id)
    parking = ParkingSettlement.hand_over.is_null() & (ParkingSettlement.cashier == cashier_id)
    if until is not None:
        receipts &= Receipt.issued_at < until
        voids &= ReceiptVoid.at < until
        parking &= ParkingSettlement.settled_at < until
    return receipts, voids, parking


def cash_figures(*, hand_over_id: int | None = None, cashier_id: int | None = None,
                 until: datetime | None = None) -> CashFigures:
    """The figures of hand-over ``hand_over_id``, or of ``cashier_id``'s movements not yet in a
    hand-over (before ``until`` when given). Sums in SQL: a busy day has thousands."""
    from ..models.cash import PAYMENT_METHODS

    receipts, voids, parking = _movements(hand_over_id, cashier_id, until)
    method = pw.fn.COALESCE(Payment.method, Refund.method)
    sums: dict[str, int] = {}
    counts = {"receipts": 0, "voids": 0}
    for kind, query, sign in (
            ("receipts", Receipt.select(method, pw.fn.SUM(Receipt.amount_fen),
                                        pw.fn.COUNT(Receipt.id)).where(receipts), 1),
            ("voids", ReceiptVoid.select(method, pw.fn.SUM(Receipt.amount_fen),
                                         pw.fn.COUNT(ReceiptVoid.id))
             .join(Receipt).where(voids), -1)):
        query = (query.join(Payment, pw.JOIN.LEFT_OUTER, on=(Receipt.payment == Payment.id))
                 .join(Refund, pw.JOIN.LEFT_OUTER, on=(Receipt.refund == Refund.id),
                       src=Receipt)
                 .group_by(method))
        for m, fen, n in query.tuples():
            key = m or ""
            sums[key] = sums.get(key, 0) + sign * int(fen or 0)
            counts[kind] += int(n)
    parked = int(ParkingSettlement.select(pw.fn.SUM(ParkingSettlement.received_fen))
                 .where(parking).scalar() or 0)
    numbered = (Receipt.select(ReceiptSeries.code, Receipt.number).join(ReceiptSeries)
                .where(receipts))
    first = numbered.order_by(Receipt.series, Receipt.number).tuples().first()
    last = numbered.order_by(Receipt.series.desc(), Receipt.number.desc()).tuples().first()
    order = list(PAYMENT_METHODS) + sorted(set(sums) - set(PAYMENT_METHODS))
    return CashFigures(
        cash_fen=sums.get("cash", 0) + parked,
        parking_fen=parked,
        noncash=tuple((m, sums[m]) for m in order if m != "cash" and sums.get(m)),
        receipts=counts["receipts"],
        voids=counts["voids"],
        first_number=receipt_number(*first) if first else "",
        last_number=receipt_number(*last) if last else "",
    )


class HandOverLine(NamedTuple):
    """One hand-over (KF-015 §4.6) as the screen, the slip and the day summary show it: what
    its movements add up to now, what was counted, and who signed. A cashier's movements not
    yet in any hand-over make a line of their own (``id`` None)."""

    id: int | None  # the HandOver row, None for the movements not yet counted
    cashier_id: int
    cashier: str
    # open: nothing counted that day yet · next: taken after that day's count, so in the
    # cashier's next hand-over · closed: counted, waiting for finance · confirmed
    status: str
    receipts: int
    voids: int
    first_number: str
    last_number: str
    cash_expected_fen: int  # from the current figures: receipts, voids, parking cash
    parking_fen: int  # of which temporary parking (KF-015 §6.1.2)
    noncash: tuple[tuple[str, int], ...]  # (method, fen) from the receipts
    counted_fen: int | None
    difference_fen: int | None  # counted + rounding − expected, from the current figures
    reason: str
    denominations: tuple[tuple[int, int], ...]  # (value fen, pieces), largest first
    closed_at: datetime | None
    confirmed_by: str
    confirmed_at: datetime | None
    day: date | None = None  # the hand-over's day
    stale: bool = False  # the count was made against other figures: recount before confirming
    counted_expected_fen: int | None = None  # cash expected when it was counted
    rounding_fen: int = 0  # 抹零 written off at the count
    rounding_reason: str = ""
    confirmed_role: str = ""  # the role of whoever confirmed (finance, or manager covering)


def hand_over_line(row: HandOver, zone: tzinfo, staff: dict[int, Staff] | None = None
                   ) -> HandOverLine:
    """``row`` with its current figures; ``stale`` when they are not what was counted."""
    import json

    if staff is None:
        staff = {s.id: s for s in Staff.select().where(
            Staff.id.in_([row.cashier_id, row.confirmed_by_id or 0]))}
    f = cash_figures(hand_over_id=row.id)
    counts = json.loads(row.denominations)
    stale = (f.cash_fen != row.cash_expected_fen
             or f.noncash_fen != {k: v for k, v in json.loads(row.noncash_fen).items() if v})
    confirmer = staff.get(row.confirmed_by_id) if row.confirmed_by_id else None
    return HandOverLine(
        id=row.id, cashier_id=row.cashier_id,
        cashier=staff[row.cashier_id].name if row.cashier_id in staff else "",
        status="confirmed" if row.confirmed_at else "closed",
        receipts=f.receipts, voids=f.voids, first_number=f.first_number,
        last_number=f.last_number, cash_expected_fen=f.cash_fen, parking_fen=f.parking_fen,
        noncash=f.noncash, counted_fen=row.cash_counted_fen,
        difference_fen=row.cash_counted_fen + row.rounding_fen - f.cash_fen,
        reason=row.reason,
        denominations=tuple(sorted(((int(v), int(n)) for v, n in counts.items()),
                                   reverse=True)),
        closed_at=row.closed_at.astimezone(zone),
        confirmed_by=confirmer.name if confirmer else "",
        confirmed_at=row.confirmed_at.astimezone(zone) if row.confirmed_at else None,
        day=row.day, stale=stale, counted_expected_fen=row.cash_expected_fen,
        rounding_fen=row.rounding_fen, rounding_reason=row.rounding_reason,
        confirmed_role=confirmer.role if confirmer else "",
    )


def hand_overs(day: date, zone: tzinfo) -> list[HandOverLine]:
    """The hand-overs of ``day`` (office zone) by cashier, each followed by that cashier's
    movements not yet in any hand-over up to the day's end (RULES v2 §4: nothing left out)."""
    from . import day_bounds

    end = day_bounds(day, zone)[1]
    rows = {h.cashier_id: h for h in HandOver.select().where(HandOver.day == day)}
    pending: set[int] = set()
    pending |= {r.cashier_id for r in Receipt.select(Receipt.cashier).distinct().where(
        Receipt.hand_over.is_null() & (Receipt.issued_at < end))}
    pending |= {r for (r,) in ReceiptVoid.select(Receipt.cashier).distinct().join(Receipt)
                .where(ReceiptVoid.hand_over.is_null() & (ReceiptVoid.at < end)).tuples()}
    pending |= {p.cashier_id for p in ParkingSettlement.select(ParkingSettlement.cashier)
                .distinct().where(ParkingSettlement.hand_over.is_null()
                                  & (ParkingSettlement.settled_at < end))}
    ids = set(rows) | pending
    confirmers = {h.confirmed_by_id for h in rows.values() if h.confirmed_by_id}
    staff = {s.id: s for s in Staff.select().where(Staff.id.in_(list(ids | confirmers) or [0]))}
    out: list[HandOverLine] = []
    for cashier_id in ids:
        name = staff[cashier_id].name if cashier_id in staff else ""
        if cashier_id in rows:
            out.append(hand_over_line(rows[cashier_id], zone, staff))
        if cashier_id in pending:
            f = cash_figures(cashier_id=cashier_id, until=end)
            if not (f.receipts or f.voids or f.parking_fen):
                continue
            out.append(HandOverLine(
                id=None, cashier_id=cashier_id, cashier=name,
                status="next" if cashier_id in rows else "open",
                receipts=f.receipts, voids=f.voids, first_number=f.first_number,
                last_number=f.last_number, cash_expected_fen=f.cash_fen,
                parking_fen=f.parking_fen, noncash=f.noncash, counted_fen=None,
                difference_fen=None, reason="", denominations=(), closed_at=None,
                confirmed_by="", confirmed_at=None, day=day))
    out.sort(key=lambda line: (line.cashier, line.id is None))
    return out
