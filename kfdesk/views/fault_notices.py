"""Read-only queries for fault notices (故障通知单, KF-013): the desk's list and the day sheet.

The read half of the fault-notice procedure (the write half is ``kfdesk.desk.fault_notices``).
Every datetime returned is in the office zone; "a day" is a calendar day in that zone.
Related rows (units, staff, work orders, running clocks) are fetched with one ``IN (...)``
query per table, so the list costs a handful of queries however long it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, tzinfo
from typing import NamedTuple

import peewee as pw

from ..models import Deadline, FaultNotice, Staff, Unit, WorkOrder
from ..models.tickets import DEPARTMENTS
from . import _by_id, _local, day_bounds

# The notice's life at the desk, in order (KF-013 §4.2–4.6).
NOTICE_STATES = ("received", "classified", "collected", "work_order", "completed", "closed")


class FaultNoticeRow(NamedTuple):
    """One fault notice as the desk's list and the day sheet show it."""

    id: int
    number: str  # "G-000070"
    found_by: str
    found_by_department: str  # security | cleaning (patrol or cleaning staff, KF-013 §4.1)
    found_at: datetime
    location: str
    unit: str  # unit code, "" when the fault is not in a unit
    description: str
    department: str  # the responsible department the notice is classified to
    received_at: datetime
    received_by: str  # the clerk who signed as receiver (KF-013 §4.2)
    classified_at: datetime | None  # KF-013 §4.3
    collected_at: datetime | None  # KF-013 §4.4
    collected_by: str
    work_order: str  # "W-000301" or "" (KF-013 §4.5)
    technician: str
    completed_at: datetime | None  # KF-013 §4.6, as the technician wrote it
    closed_at: datetime | None  # 消项
    collect_due: datetime | None  # the running KF-013 §4.4 clock's due time, if running
    state: str  # one of NOTICE_STATES


def notice_state(notice: FaultNotice, has_work_order: bool) -> str:
    """Where a notice stands: the furthest step it has reached."""
    if notice.closed_at is not None:
        return "closed"
    if notice.completed_at is not None:
        return "completed"
    if has_work_order:
        return "work_order"
    if notice.collected_at is not None:
        return "collected"
    if notice.classified_at is not None:
        return "classified"
    return "received"


def _latest_orders(notice_ids: Iterable[int]) -> dict[int, WorkOrder]:
    """notice id → its most recent work order."""
    wanted = list(set(notice_ids))
    out: dict[int, WorkOrder] = {}
    for start in range(0, len(wanted), 500):
        query = (WorkOrder.select()
                 .where(WorkOrder.fault_notice.in_(wanted[start:start + 500]))
                 .order_by(WorkOrder.opened_at, WorkOrder.id))
        for order in query:
            out[order.fault_notice_id] = order  # ordered by time: the last one wins
    return out


def _collect_dues(notice_ids: Iterable[int]) -> dict[int, datetime]:
    """notice id → due time of its running "collected by" clock (KF-013 §4.4)."""
    wanted = list(set(notice_ids))
    out: dict[int, datetime] = {}
    for start in range(0, len(wanted), 500):
        query = Deadline.select(Deadline.item_id, Deadline.due_at).where(
            (Deadline.item_kind == "fault_notice") & (Deadline.clock == "fault_collect")
            & Deadline.item_id.in_(wanted[start:start + 500]) & Deadline.stopped_at.is_null())
        for row in query:
            out[row.item_id] = row.due_at
    return out


def _rows(query: pw.ModelSelect, zone: tzinfo) -> list[FaultNoticeRow]:
    notices = list(query)
    ids = [n.id for n in notices]
    units = _by_id(Unit, (n.unit_id for n in notices))
    staff = _by_id(Staff, (n.received_by_id for n in notices))
    orders = _latest_orders(ids)
    dues = _collect_dues(ids)
    rows = []
    for n in notices:
        order = orders.get(n.id)
        clerk = staff.get(n.received_by_id)
        unit = units.get(n.unit_id)
        rows.append(FaultNoticeRow(
            id=n.id,
            number=n.number,
            found_by=n.found_by,
            found_by_department=n.found_by_department,
            found_at=n.found_at.astimezone(zone),
            location=n.location,
            unit=unit.code if unit else "",
            description=n.description,
            department=n.department,
            received_at=n.received_at.astimezone(zone),
            received_by=clerk.name if clerk else "",
            classified_at=_local(n.classified_at, zone),
            collected_at=_local(n.collected_at, zone),
            collected_by=n.collected_by,
            work_order=order.number if order else "",
            technician=order.technician if order else "",
            completed_at=_local(n.completed_at, zone),
            closed_at=_local(n.closed_at, zone),
            collect_due=_local(dues.get(n.id), zone),
            state=notice_state(n, order is not None),
        ))
    return rows


def desk_notices(day: date, zone: tzinfo) -> list[FaultNoticeRow]:
    """The desk's list: the notices received on ``day`` and every notice not closed out.

    Oldest first; the screen puts overdue ones on top.
    """
    start, end = day_bounds(day, zone)
    query = (FaultNotice.select()
             .where(FaultNotice.closed_at.is_null()
                    | ((FaultNotice.received_at >= start) & (FaultNotice.received_at < end)))
             .order_by(FaultNotice.received_at, FaultNotice.id))
    return _rows(query, zone)


def find_notice(number: str, zone: tzinfo) -> FaultNoticeRow | None:
    """One notice by its number (``G-000070``)."""
    rows = _rows(FaultNotice.select().where(FaultNotice.number == number.strip().upper()), zone)
    return rows[0] if rows else None


def _by_department(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """(department, number) pairs → department → numbers, departments in DEPARTMENTS order."""
    grouped: dict[str, list[str]] = {}
    for department, number in pairs:
        grouped.setdefault(department, []).append(number)
    order = {d: i for i, d in enumerate(DEPARTMENTS)}
    return {d: sorted(grouped[d]) for d in sorted(grouped, key=lambda d: (order.get(d, 99), d))}


def unclassified(until: datetime) -> dict[str, list[str]]:
    """Notices received by ``until`` and not yet classified, by department (KF-013 §4.3)."""
    query = (FaultNotice.select(FaultNotice.department, FaultNotice.number)
             .where(FaultNotice.classified_at.is_null() & (FaultNotice.received_at <= until))
             .tuples())
    return _by_department(query)


def awaiting_collection() -> dict[str, list[str]]:
    """Classified notices the departments have not collected yet (KF-013 §4.4)."""
    query = (FaultNotice.select(FaultNotice.department, FaultNotice.number)
             .where(FaultNotice.classified_at.is_null(False)
                    & FaultNotice.collected_at.is_null())
             .tuples())
    return _by_department(query)


def sheet_notices(day: date, department: str, zone: tzinfo) -> list[FaultNoticeRow]:
    """A department's notices of ``day``: received that day, or classified that day (a notice
    left over from an earlier day goes out with the batch it was classified in)."""
    start, end = day_bounds(day, zone)
    query = (FaultNotice.select()
             .where((FaultNotice.department == department)
                    & (((FaultNotice.received_at >= start) & (FaultNotice.received_at < end))
                       | ((FaultNotice.classified_at >= start)
                          & (FaultNotice.classified_at < end))))
             .order_by(FaultNotice.number))
    return _rows(query, zone)


def sheet_departments(day: date, zone: tzinfo) -> list[str]:
    """The departments that have notices on ``day``'s sheets, in DEPARTMENTS order."""
    start, end = day_bounds(day, zone)
    query = (FaultNotice.select(FaultNotice.department, FaultNotice.number)
             .where(((FaultNotice.received_at >= start) & (FaultNotice.received_at < end))
                    | ((FaultNotice.classified_at >= start) & (FaultNotice.classified_at < end)))
             .tuples())
    return list(_by_department(query))


def last_classified_day(now: datetime, zone: tzinfo) -> date | None:
    """The office day of the latest classification up to ``now`` (None if there was none)."""
    latest = (FaultNotice.select(pw.fn.MAX(FaultNotice.classified_at))
              .where(FaultNotice.classified_at <= now).scalar())
    if latest is None:
        return None
    if isinstance(latest, str):  # an aggregate comes back as the stored text
        latest = FaultNotice.classified_at.python_value(latest)
    return latest.astimezone(zone).date()
