"""Read view of KF-009 §3.1.2 monthly callback sampling: the month's orders and progress.

Reads only (the writes are ``kfdesk.desk.sampling``). The counting rule is
``kfdesk.rules.sampling.sample_count`` — the same function the periodic clock
``callback_sampling`` uses — so the screen and the alert never disagree. Times come back in
the office zone.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import NamedTuple

from ..config import Settings
from ..models import Callback, Staff, Ticket, Unit, WorkOrder
from ..rules.sampling import SampleCount, month_bounds, sample_count
from . import _by_id, _local


class SampleRow(NamedTuple):
    """One ordinary in-home work order of the month and its callback's place in the sample."""

    work_order: str
    callback_id: int | None  # None: its callback is not created yet
    unit: str
    technician: str
    returned_at: datetime
    sampled: bool  # in the sample (a callback not created yet will be: the default)
    planned_method: str  # phone | in_person
    done_at: datetime | None
    method: str | None  # how it was done
    owner: str  # the clerk who owes the call


class MonthSample(NamedTuple):
    month: date  # the 1st
    count: SampleCount  # done, against both quotas (the clock's rule)
    planned: int  # in the sample: done + still to call
    planned_in_person: int  # done in person + still to call in person
    left_out: int
    rows: list[SampleRow]


def month_sample(month: date, settings: Settings) -> MonthSample:
    """The month's ordinary in-home repairs, oldest return first, and where the sample stands."""
    zone = settings.zone
    month = date(month.year, month.month, 1)
    start, end = month_bounds(month, zone)
    orders = list(WorkOrder.select()
                  .where(WorkOrder.in_home & ~WorkOrder.paid & (WorkOrder.returned_at >= start)
                         & (WorkOrder.returned_at < end))
                  .order_by(WorkOrder.returned_at, WorkOrder.id))
    callbacks: dict[int, list[Callback]] = defaultdict(list)
    ids = [o.id for o in orders]
    for i in range(0, len(ids), 500):
        for cb in (Callback.select().where(Callback.work_order.in_(ids[i:i + 500]))
                   .order_by(Callback.id)):
            callbacks[cb.work_order_id].append(cb)
    tickets = _by_id(Ticket, (o.ticket_id for o in orders))
    units = _by_id(Unit, [t.unit_id for t in tickets.values()]
                   + [cb.unit_id for cbs in callbacks.values() for cb in cbs])
    staff = _by_id(Staff, (cb.owner_id for cbs in callbacks.values() for cb in cbs))
    rows: list[SampleRow] = []
    for o in orders:
        own = callbacks.get(o.id, [])
        # The repair callback is the one sampled; another kind (a defect's special callback)
        # stands in only when there is no repair callback.
        cb = next((c for c in own if c.kind == "repair"), own[0] if own else None)
        ticket = tickets.get(o.ticket_id)
        unit_id = (cb.unit_id if cb is not None else None) or (ticket.unit_id if ticket else None)
        unit = units.get(unit_id)
        owner = staff.get(cb.owner_id) if cb is not None else None
        rows.append(SampleRow(
            work_order=o.number, callback_id=cb.id if cb is not None else None,
            unit=unit.code if unit else "", technician=o.technician,
            returned_at=o.returned_at.astimezone(zone),
            sampled=cb.sampled if cb is not None else True,
            planned_method=cb.planned_method if cb is not None else "phone",
            done_at=_local(cb.done_at, zone) if cb is not None else None,
            method=cb.method if cb is not None else None,
            owner=owner.name if owner else "",
        ))
    count = sample_count(month, settings)
    pending = [r for r in rows if r.done_at is None]
    planned_pending = [r for r in pending if r.sampled]
    return MonthSample(
        month=month, count=count, planned=count.called + len(planned_pending),
        planned_in_person=count.in_person + sum(1 for r in planned_pending
                                                if r.planned_method == "in_person"),
        left_out=len(pending) - len(planned_pending), rows=rows,
    )
