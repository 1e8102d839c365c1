"""Read views of the KF-022 service orders for the F10 screen: rows, states, running clocks.

Reads only (the writes are ``kfdesk.desk.services``). Times come back in the office zone;
phones masked (KF-017 §4). A row carries its running KF-022 §2.2 clocks' due times, so the
screen can say "on site by 10:30" before the engine calls it due soon, and the charges that
settle it (KF-015 §6.2.1), so it can say how it was or will be paid.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any, NamedTuple

import peewee as pw

from ..desk.services import order_ref
from ..models import Charge, Deadline, ServiceOrder, Staff, Unit
from ..privacy import mask_phone
from . import _by_id, _local, day_bounds, office_day

# Every state a row can be in, in the order an order goes through them.
STATES = ("quoted", "new", "prepay", "prepaid", "accepted", "contacted", "booked", "told",
          "on_site", "done", "closed", "cancelled")


class ServiceRow(NamedTuple):
    """One service order as the F10 queue and its detail panel show it."""

    id: int
    ref: str  # "S-000123"
    kind: str
    state: str  # one of STATES
    unit: str  # unit code, "" for a walk-in
    contact: str
    phone: str  # masked
    price_code: str
    quantity_centi: int
    amount_fen: int
    requested_at: datetime
    taken_by: str
    accepted_at: datetime | None
    told_at: datetime | None
    agreed_at: datetime | None
    on_site_at: datetime | None
    done_at: datetime | None
    closed_at: datetime | None
    home_from: str
    note: str
    booking: dict[str, Any] | None  # KF-022 §3.2 record form, when it was saved as one
    details: str  # details as stored when they are not that record (older orders)
    prepay_fen: int  # booking: the fare and delivery fee to pay before booking (KF-022 §3.3)
    prepaid_fen: int
    settlement: str  # "" | cashier | bill | prepaid (KF-015 §6.2.1)
    bill_month: str  # "2026-10" when added to that month's bill
    tell_due: datetime | None  # running KF-022 §2.2 clocks (None: not started or stopped)
    on_site_due: datetime | None
    surcharge_pct: int = 0  # KF-022 附表二 (RULES v2)
    arrival_at: datetime | None = None  # engineering's arrival time (RULES v2)


def order_state(order: ServiceOrder, prepay_due: int, prepaid: int) -> str:
    """Where an order stands, from its timestamps (and, for a booking, its prepayment)."""
    if order.cancelled_at is not None:
        return "cancelled"
    if order.closed_at is not None:
        return "closed"
    if order.done_at is not None:
        return "done"
    if order.on_site_at is not None:
        return "on_site"
    if order.kind == "booking":
        if order.accepted_at is not None:
            return "booked"
        return "prepaid" if prepay_due and prepaid >= prepay_due else "prepay"
    if order.accepted_at is not None:
        if order.kind == "appliance_repair":
            return "told" if order.told_at is not None else "accepted"
        return "contacted"
    return "quoted" if order.kind == "appliance_repair" else "new"


def _details(order: ServiceOrder) -> tuple[dict[str, Any] | None, str]:
    if not order.details:
        return None, ""
    try:
        data = json.loads(order.details)
    except ValueError:
        return None, order.details
    return (data, "") if isinstance(data, dict) else (None, order.details)


def _rows(orders: Sequence[ServiceOrder], zone: tzinfo) -> list[ServiceRow]:
    ids = [o.id for o in orders]
    units = _by_id(Unit, (o.unit_id for o in orders))
    staff = _by_id(Staff, (o.taken_by_id for o in orders))
    charges: dict[int, list[Charge]] = defaultdict(list)
    clocks: dict[int, dict[str, datetime]] = defaultdict(dict)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for c in Charge.select().where(Charge.service_order.in_(chunk)).order_by(Charge.id):
            charges[c.service_order_id].append(c)
        running = Deadline.select(Deadline.item_id, Deadline.clock, Deadline.due_at).where(
            (Deadline.item_kind == "service_order") & Deadline.item_id.in_(chunk)
            & Deadline.stopped_at.is_null())
        for row in running:
            clocks[row.item_id][row.clock] = row.due_at
    out = []
    for o in orders:
        own = charges.get(o.id, [])
        prepay_due = prepaid = 0
        settlement = month = ""
        if o.kind == "booking" and own:
            prepay_due, prepaid = own[0].amount_fen, own[0].paid_fen
            settlement = "prepaid" if o.closed_at is not None else ""
        elif own:
            month = own[-1].with_bill_month
            settlement = "bill" if month else "cashier"
        booking, details = _details(o)
        unit = units.get(o.unit_id)
        taker = staff.get(o.taken_by_id)
        running = clocks.get(o.id, {})
        out.append(ServiceRow(
            id=o.id, ref=order_ref(o.id), kind=o.kind,
            state=order_state(o, prepay_due, prepaid), unit=unit.code if unit else "",
            contact=o.contact_name, phone=mask_phone(o.contact_phone), price_code=o.price_code,
            quantity_centi=o.quantity_centi, amount_fen=o.amount_fen,
            requested_at=o.requested_at.astimezone(zone), taken_by=taker.name if taker else "",
            accepted_at=_local(o.accepted_at, zone), told_at=_local(o.told_at, zone),
            agreed_at=_local(o.agreed_at, zone), on_site_at=_local(o.on_site_at, zone),
            done_at=_local(o.done_at, zone), closed_at=_local(o.closed_at, zone),
            home_from=o.home_from, note=o.note, booking=booking, details=details,
            prepay_fen=prepay_due, prepaid_fen=prepaid, settlement=settlement, bill_month=month,
            tell_due=_local(running.get("appliance_tell"), zone),
            on_site_due=_local(running.get("appliance_on_site"), zone),
            surcharge_pct=o.surcharge_pct, arrival_at=_local(o.arrival_at, zone),
        ))
    return out


def service_queue(now: datetime, zone: tzinfo) -> list[ServiceRow]:
    """The F10 list: every order not closed out nor cancelled (oldest first), then today's
    closed and cancelled ones."""
    start, end = day_bounds(office_day(now, zone), zone)
    open_orders = list(ServiceOrder.select().where(ServiceOrder.closed_at.is_null()
                                                   & ServiceOrder.cancelled_at.is_null())
                       .order_by(ServiceOrder.requested_at, ServiceOrder.id))
    ended = pw.fn.COALESCE(ServiceOrder.closed_at, ServiceOrder.cancelled_at)
    ended_today = list(ServiceOrder.select().where(
        ((ServiceOrder.closed_at >= start) & (ServiceOrder.closed_at < end))
        | ((ServiceOrder.cancelled_at >= start) & (ServiceOrder.cancelled_at < end)))
        .order_by(ended, ServiceOrder.id))
    return _rows(open_orders + ended_today, zone)


def service_order(order_id: int, zone: tzinfo) -> ServiceRow | None:
    """One order by id (after a write, or a jump from an alert)."""
    rows = _rows(list(ServiceOrder.select().where(ServiceOrder.id == order_id)), zone)
    return rows[0] if rows else None


def find_service_order(text: str, zone: tzinfo) -> ServiceRow | None:
    """An order by its number as typed: ``S-000123``, ``s123`` or ``123``."""
    digits = text.strip().upper().removeprefix("S").lstrip("-")
    if not digits.isdigit():
        return None
    return service_order(int(digits), zone)


def unit_service_orders(unit_code: str, zone: tzinfo) -> list[ServiceRow]:
    """A unit's orders, newest first (its service history)."""
    unit = Unit.get_or_none(Unit.code == unit_code.strip())
    if unit is None:
        return []
    query: pw.ModelSelect = (ServiceOrder.select().where(ServiceOrder.unit == unit.id)
                             .order_by(ServiceOrder.requested_at.desc(), ServiceOrder.id.desc()))
    return _rows(list(query), zone)
