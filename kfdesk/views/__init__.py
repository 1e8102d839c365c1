"""Read-only queries for the screens: the counter's queues and records as small frozen dataclasses.

This is the read half of the core/UI split: screens call these functions and render what they
return; they never see a Peewee object (the write half is ``kfdesk.desk``). Nothing here writes.

Conventions:
- Instants in the store are UTC; every datetime returned here is converted to the office zone
  (``zone``), and "a day" means a calendar day in that zone.
- Personal data comes back masked (``kfdesk.privacy``, KF-017 §4); unmasking is a logged desk
  action, not a view.
- Related rows are fetched with one ``IN (...)`` query per table rather than one query per row,
  so a queue of a few hundred rows costs a handful of queries.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import NamedTuple

import peewee as pw
from dateutil.relativedelta import relativedelta

from ..models import (
    Bill,
    BillLine,
    Building,
    Callback,
    CallbackAttempt,
    Charge,
    Dispatch,
    DunningStep,
    EmergencyContact,
    Group,
    Hold,
    Loan,
    MailItem,
    Occupancy,
    ParkingLease,
    ParkingSettlement,
    Payment,
    Person,
    Receipt,
    ReceiptSeries,
    ReceiptVoid,
    Refund,
    ReleasePass,
    Staff,
    Ticket,
    TicketLog,
    Unit,
    Vehicle,
    WorkOrder,
    database,
)
from ..models.cash import FEE_ITEMS, PAYMENT_METHODS, RENT_ITEM, RENT_KIND
from ..models.tickets import CATEGORIES, CHANNELS, KINDS
from ..privacy import mask_id, mask_phone

# The KF-009 §3.2 / unit-brief look-back for "complained recently".
RECENT_LIMIT = 5
COMPLAINT_LOOKBACK_MONTHS = 6

# --------------------------------------------------------------------------------------------
# helpers


def day_bounds(day: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """The UTC instants at which ``day`` starts and ends in the office zone."""
    start = datetime.combine(day, time(0), zone)
    end = datetime.combine(day + timedelta(days=1), time(0), zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def office_day(now: datetime, zone: tzinfo) -> date:
    """The calendar date of ``now`` at the office."""
    return now.astimezone(zone).date()


def _local(value: datetime | None, zone: tzinfo) -> datetime | None:
    return value.astimezone(zone) if value is not None else None


def _prefix(field: pw.Field, text: str) -> pw.Expression:
    """``field`` starts with ``text``, as a range so the column's index is used.

    SQLite's LIKE cannot use an ordinary index; ``text <= field < text'`` (last character
    incremented) can, since SQLite compares text by code point. PostgreSQL compares by the
    database's collation, which may ignore the dashes of "3-1-502", so there a plain prefix
    match is used (correct first; an index with text_pattern_ops makes it fast).
    """
    if isinstance(database.obj, pw.PostgresqlDatabase):
        return field.startswith(text)
    upper = text[:-1] + chr(ord(text[-1]) + 1)
    return (field >= text) & (field < upper)


def _by_id(model: type[pw.Model], ids: Iterable[int | None]) -> dict[int, pw.Model]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {row.id: row for row in model.select().where(model.id.in_(wanted))}


def _current_people(unit_ids: Iterable[int]) -> dict[int, list[tuple[str, Person]]]:
    """unit id → [(occupancy role, person)] of current occupants, owners first, then by start."""
    order = {"owner": 0, "family": 1, "tenant": 2, "other": 3}
    wanted = set(unit_ids)
    out: dict[int, list[tuple[str, Person]]] = defaultdict(list)
    if not wanted:
        return out
    query = (
        Occupancy.select(Occupancy, Person)
        .join(Person)
        .where(Occupancy.unit.in_(wanted), Occupancy.ended_on.is_null())
        .order_by(Occupancy.started_on, Occupancy.id)
    )
    for occ in query:
        out[occ.unit_id].append((occ.role, occ.person))
    for people in out.values():
        people.sort(key=lambda rp: order.get(rp[0], 9))
    return out


def _owner_names(unit_ids: Iterable[int]) -> dict[int, str]:
    """unit id → the current owners' names joined with "、" (the counter's list separator)."""
    wanted = set(unit_ids)
    if not wanted:
        return {}
    # Two columns as tuples, not model rows: the lookup calls this on every keystroke.
    names: dict[int, list[str]] = defaultdict(list)
    query = (Occupancy.select(Occupancy.unit, Person.name).join(Person)
             .where(Occupancy.unit.in_(wanted), Occupancy.ended_on.is_null(),
                    Occupancy.role == "owner")
             .order_by(Occupancy.started_on, Occupancy.id).tuples())
    for unit_id, name in query:
        names[unit_id].append(name)
    return {unit_id: "、".join(owners) for unit_id, owners in names.items()}


def _unit_by_code(unit_code: str) -> Unit | None:
    return Unit.get_or_none(Unit.code == unit_code.strip())


def receipt_number(series_code: str, number: int) -> str:
    """The printed receipt number: series code and a 6-digit number, ``2026-000123``."""
    return f"{series_code}-{number:06d}"


# --------------------------------------------------------------------------------------------
# tickets


class TicketRow(NamedTuple):
    """One ticket as the queues show it."""

    id: int
    number: str
    received_at: datetime
    channel: str
    unit: str  # unit code, "" when not tied to a unit
    caller: str
    kind: str
    category: str
    state: str
    owner: str  # first-contact clerk (KF-006 §1)
    owner_id: int
    department: str
    coordinated: bool  # KF-010 §4.3.2
    escalation: str | None  # KF-010 §4.3.3
    summary: str  # the first line of the free text
    version: int = 1  # passed back with an action: another counter's change is caught
    validity: str | None = None  # KF-010 §4.2
    repair_class: str | None = None  # KF-011
    held: bool = False  # waiting on the resident (RULES §8 pauses)
    rework_count: int = 0  # KF-011
    dispatched_to: tuple[str, ...] = ()  # every department it went to, in order
    # KF-009 §3.1.4 (RULES v2): a defect complaint, and whether engineering arranged it.
    defect: bool = False
    arranged: bool = False


def _ticket_rows(query: pw.ModelSelect, zone: tzinfo) -> list[TicketRow]:
    tickets = list(query)
    ids = [t.id for t in tickets]
    held: set[int] = set()
    sent: defaultdict[int, list[str]] = defaultdict(list)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        held.update(h.ticket_id for h in Hold.select(Hold.ticket)
                    .where(Hold.ticket.in_(chunk) & Hold.ended_at.is_null()))
        for d in (Dispatch.select(Dispatch.ticket, Dispatch.department)
                  .where(Dispatch.ticket.in_(chunk)).order_by(Dispatch.id)):
            sent[d.ticket_id].append(d.department)
    units = _by_id(Unit, (t.unit_id for t in tickets))
    people = _by_id(Person, (t.person_id for t in tickets))
    staff = _by_id(Staff, (t.owner_id for t in tickets))
    rows = []
    for t in tickets:
        unit = units.get(t.unit_id)
        person = people.get(t.person_id)
        owner = staff.get(t.owner_id)
        rows.append(
            TicketRow(
                id=t.id,
                number=t.number,
                received_at=t.received_at.astimezone(zone),
                channel=t.channel,
                unit=unit.code if unit else "",
                caller=t.caller_name or (person.name if person else ""),
                kind=t.kind,
                category=t.category,
                state=t.state,
                owner=owner.name if owner else "",
                owner_id=t.owner_id,
                department=t.department,
                coordinated=t.coordinated,
                escalation=t.escalation,
                summary=(t.text or "").strip().splitlines()[0] if (t.text or "").strip() else "",
                version=t.version,
                validity=t.validity,
                repair_class=t.repair_class,
                held=t.id in held,
                defect=t.defect_of_id is not None,
                arranged=t.arranged_at is not None,
                rework_count=t.rework_count,
                dispatched_to=tuple(sent.get(t.id, ())),
            )
        )
    return rows


_TICKET_SORTS = {
    "received": (Ticket.received_at, Ticket.id),
    "number": (Ticket.number,),
    "state": (Ticket.state, Ticket.received_at),
    "department": (Ticket.department, Ticket.received_at),
}


def open_tickets(
    zone: tzinfo,
    *,
    department: str | None = None,
    state: str | None = None,
    kind: str | None = None,
    owner_id: int | None = None,
    unit_code: str | None = None,
    sort: str = "received",
    descending: bool = False,
    limit: int | None = None,
    voided_since: datetime | None = None,
) -> list[TicketRow]:
    """The dispatch queue: every ticket not closed out, oldest first by default.

    ``sort`` is one of received, number, state, department. Voided tickets are not open
    (KF-012 v2); with ``voided_since`` those voided since then are listed too, so a queue
    can show them struck through for the rest of the day before it drops them.
    """
    if sort not in _TICKET_SORTS:
        raise ValueError(f"unknown sort {sort!r}")
    still_open = Ticket.state.not_in(("closed", "voided"))
    if voided_since is not None:
        still_open = still_open | ((Ticket.state == "voided")
                                   & (Ticket.voided_at >= voided_since))
    query = Ticket.select().where(still_open)
    if department:
        query = query.where(Ticket.department == department)
    if state:
        query = query.where(Ticket.state == state)
    if kind:
        query = query.where(Ticket.kind == kind)
    if owner_id is not None:
        query = query.where(Ticket.owner == owner_id)
    if unit_code is not None:
        unit = _unit_by_code(unit_code)
        if unit is None:
            return []
        query = query.where(Ticket.unit == unit.id)
    keys = _TICKET_SORTS[sort]
    query = query.order_by(*(k.desc() if descending else k for k in keys))
    if limit:
        query = query.limit(limit)
    return _ticket_rows(query, zone)


def recent_intake(day: date, zone: tzinfo, *, limit: int | None = None) -> list[TicketRow]:
    """The tickets received on ``day`` (office zone), newest first: the intake screen's list."""
    start, end = day_bounds(day, zone)
    query = (
        Ticket.select()
        .where(Ticket.received_at >= start, Ticket.received_at < end)
        .order_by(Ticket.received_at.desc(), Ticket.id.desc())
    )
    if limit:
        query = query.limit(limit)
    return _ticket_rows(query, zone)


def find_tickets(text: str, zone: tzinfo, *, limit: int = 5) -> list[TicketRow]:
    """Tickets by number: ``K-000123`` exactly, or the digits of the number (``123``)."""
    text = text.strip().upper()
    if not text:
        return []
    exact = list(Ticket.select().where(Ticket.number == text).limit(1))
    if exact:
        return _ticket_rows(Ticket.select().where(Ticket.id == exact[0].id), zone)
    digits = text.split("-")[-1]
    if not digits.isdigit():
        return []
    # Numbers are zero-padded, so "123" is "...000123": a suffix match, newest first.
    query = (
        Ticket.select()
        .where(Ticket.number.endswith(digits.lstrip("0") or "0"))
        .order_by(Ticket.received_at.desc())
        .limit(limit)
    )
    return _ticket_rows(query, zone)


class LogEntry(NamedTuple):
    at: datetime
    staff: str
    step: str
    note: str


class DispatchRow(NamedTuple):
    department: str
    dispatched_at: datetime
    by: str
    reported_at: datetime | None
    result: str


class WorkOrderRow(NamedTuple):
    number: str
    department: str
    technician: str
    opened_at: datetime
    completed_at: datetime | None
    returned_at: datetime | None
    inspection: str | None  # pass | fail
    rework: bool


class TicketDetail(NamedTuple):
    """A ticket with its history: log, dispatches, work orders, callbacks (KF-008, KF-011)."""

    row: TicketRow
    text: str
    phone: str  # masked
    validity: str | None
    repair_class: str | None
    dispatched_at: datetime | None
    completed_at: datetime | None
    closed_at: datetime | None
    rework_count: int
    log: tuple[LogEntry, ...]
    dispatches: tuple[DispatchRow, ...]
    work_orders: tuple[WorkOrderRow, ...]
    callbacks: tuple[CallbackRow, ...]
    proposal: str = ""  # KF-010 §4.3.3: the supervisor's proposed handling
    contact_form_no: str = ""  # KF-010 §4.4.1
    quoted_fen: int = 0  # a paid repair's quote (KF-015 §6.2.1)
    # KF-009 §3.1.4 (RULES v2): engineering's arrangement of a defect complaint — by whom,
    # the rework's and the special callback's times (office zone); None until arranged.
    arranged: tuple[str, datetime | None, datetime | None] | None = None


def ticket_detail(number: str, zone: tzinfo) -> TicketDetail | None:
    """One ticket by its number, with everything that happened to it, in order."""
    ticket = Ticket.get_or_none(Ticket.number == number.strip())
    if ticket is None:
        return None
    (row,) = _ticket_rows(Ticket.select().where(Ticket.id == ticket.id), zone)
    logs = list(TicketLog.select().where(TicketLog.ticket == ticket.id).order_by(
        TicketLog.at, TicketLog.id))
    dispatches = list(Dispatch.select().where(Dispatch.ticket == ticket.id).order_by(
        Dispatch.dispatched_at, Dispatch.id))
    staff = _by_id(Staff, [e.staff_id for e in logs] + [d.by_id for d in dispatches])
    orders = list(WorkOrder.select().where(WorkOrder.ticket == ticket.id).order_by(
        WorkOrder.opened_at, WorkOrder.id))
    person = Person.get_or_none(Person.id == ticket.person_id) if ticket.person_id else None
    phone = ticket.phone or (person.phone if person else "")
    return TicketDetail(
        row=row,
        text=ticket.text,
        phone=mask_phone(phone),
        validity=ticket.validity,
        repair_class=ticket.repair_class,
        dispatched_at=_local(ticket.dispatched_at, zone),
        completed_at=_local(ticket.completed_at, zone),
        closed_at=_local(ticket.closed_at, zone),
        rework_count=ticket.rework_count,
        proposal=ticket.escalation_proposal,
        contact_form_no=ticket.contact_form_no,
        quoted_fen=ticket.quoted_fen,
        arranged=(ticket.arranged_by, _local(ticket.rework_at, zone),
                  _local(ticket.special_callback_at, zone))
        if ticket.arranged_at is not None else None,
        log=tuple(
            LogEntry(
                at=e.at.astimezone(zone),
                staff=staff[e.staff_id].name if e.staff_id in staff else "",
                step=e.step,
                note=e.note,
            )
            for e in logs
        ),
        dispatches=tuple(
            DispatchRow(
                department=d.department,
                dispatched_at=d.dispatched_at.astimezone(zone),
                by=staff[d.by_id].name if d.by_id in staff else "",
                reported_at=_local(d.reported_at, zone),
                result=d.result,
            )
            for d in dispatches
        ),
        work_orders=tuple(
            WorkOrderRow(
                number=w.number,
                department=w.department,
                technician=w.technician,
                opened_at=w.opened_at.astimezone(zone),
                completed_at=_local(w.completed_at, zone),
                returned_at=_local(w.returned_at, zone),
                inspection=w.inspection,
                rework=w.rework_of_id is not None,
            )
            for w in orders
        ),
        callbacks=tuple(
            _callback_rows(
                Callback.select().where(Callback.ticket == ticket.id).order_by(
                    Callback.clock_started_at),
                zone,
            )
        ),
    )


# --------------------------------------------------------------------------------------------
# callbacks


class CallbackRow(NamedTuple):
    """A callback (回访) as the callback list shows it."""

    id: int
    kind: str
    unit: str
    ticket: str  # ticket number or ""
    work_order: str  # work order number or ""
    owner: str  # the clerk who owes the call (KF-010 §4.5: the first-contact clerk)
    owner_id: int
    clock_started_at: datetime
    planned_method: str  # phone | in_person
    resident: str
    phone: str  # masked
    done_at: datetime | None
    person_id: int = 0  # the resident, for confirming contact details (KF-017 §3); 0: none
    attempts: int = 0  # tries that did not reach anyone
    what: str = ""  # what was done: the ticket's text, then the reported result
    repair: bool = False  # KF-009 §3.1.3's four questions apply


def _callback_rows(query: pw.ModelSelect, zone: tzinfo) -> list[CallbackRow]:
    callbacks = list(query)
    tickets = _by_id(Ticket, (c.ticket_id for c in callbacks))
    orders = _by_id(WorkOrder, (c.work_order_id for c in callbacks))
    # A callback from a work order reaches its ticket (and unit) through the order.
    for order in orders.values():
        if order.ticket_id is not None and order.ticket_id not in tickets:
            tickets.update(_by_id(Ticket, [order.ticket_id]))
    unit_ids = {c.unit_id for c in callbacks} | {t.unit_id for t in tickets.values()}
    unit_ids.discard(None)
    units = _by_id(Unit, unit_ids)
    people = _by_id(Person, (t.person_id for t in tickets.values()))
    occupants = _current_people(units.keys())
    staff = _by_id(Staff, (c.owner_id for c in callbacks))
    tries: Counter[int] = Counter()
    results: dict[int, str] = {}
    cb_ids = [c.id for c in callbacks]
    ticket_ids = list(tickets)
    for start in range(0, max(len(cb_ids), len(ticket_ids)), 500):
        tries.update(a.callback_id for a in CallbackAttempt.select(CallbackAttempt.callback)
                     .where(CallbackAttempt.callback.in_(cb_ids[start:start + 500])
                            & ~CallbackAttempt.reached))
        for e in (TicketLog.select(TicketLog.ticket, TicketLog.note)
                  .where(TicketLog.ticket.in_(ticket_ids[start:start + 500])
                         & (TicketLog.step == "completed")).order_by(TicketLog.at)):
            results[e.ticket_id] = e.note  # the last report wins
    rows = []
    for c in callbacks:
        order = orders.get(c.work_order_id)
        ticket = tickets.get(c.ticket_id) or (
            tickets.get(order.ticket_id) if order is not None else None
        )
        unit_id = c.unit_id or (ticket.unit_id if ticket else None)
        unit = units.get(unit_id)
        # Whom to call: the caller on the ticket; failing that the unit's first owner.
        name, phone, person_id = "", "", 0
        if ticket is not None:
            person = people.get(ticket.person_id)
            name = ticket.caller_name or (person.name if person else "")
            phone = ticket.phone or (person.phone if person else "")
            person_id = person.id if person else 0
        if not phone and unit_id in occupants and occupants[unit_id]:
            _, first = occupants[unit_id][0]
            name = name or first.name
            phone = first.phone
            person_id = person_id or first.id
        what = ""
        if ticket is not None:
            first_line = (ticket.text or "").strip().splitlines()
            what = " → ".join(x for x in (first_line[0] if first_line else "",
                                          results.get(ticket.id, "")) if x)
        owner = staff.get(c.owner_id)
        rows.append(
            CallbackRow(
                id=c.id,
                kind=c.kind,
                unit=unit.code if unit else "",
                ticket=ticket.number if ticket else "",
                work_order=order.number if order else "",
                owner=owner.name if owner else "",
                owner_id=c.owner_id,
                clock_started_at=c.clock_started_at.astimezone(zone),
                planned_method=c.planned_method,
                resident=name,
                phone=mask_phone(phone),
                done_at=_local(c.done_at, zone),
                person_id=person_id,
                attempts=tries.get(c.id, 0),
                what=what,
                repair=c.kind == "repair" or c.work_order_id is not None,
            )
        )
    return rows


def _not_voided(ticket_field: pw.Field, before: datetime | None = None) -> pw.Expression:
    """The rows whose ticket is not voided (KF-012 v2: nobody calls back about a ticket taken
    by mistake); with ``before``, not voided before then."""
    voided = Ticket.select(Ticket.id).where(Ticket.voided_at.is_null(False))
    if before is not None:
        voided = voided.where(Ticket.voided_at < before)
    return ticket_field.is_null() | ticket_field.not_in(voided)


def callbacks_due(
    zone: tzinfo,
    *,
    owner_id: int | None = None,
    kind: str | None = None,
    unit_code: str | None = None,
    limit: int | None = None,
) -> list[CallbackRow]:
    """Callbacks not yet done, the oldest clock first (KF-009 §3.1.1, KF-010 §4.5); those the
    month's sample left out (KF-009 §3.1.2) are not owed and not listed."""
    query = Callback.select().where(Callback.done_at.is_null() & Callback.sampled
                                    & _not_voided(Callback.ticket))
    if owner_id is not None:
        query = query.where(Callback.owner == owner_id)
    if kind:
        query = query.where(Callback.kind == kind)
    if unit_code is not None:
        unit = _unit_by_code(unit_code)
        if unit is None:
            return []
        tickets = Ticket.select(Ticket.id).where(Ticket.unit == unit.id)
        orders = WorkOrder.select(WorkOrder.id).where(WorkOrder.ticket.in_(tickets))
        query = query.where(
            (Callback.unit == unit.id)
            | Callback.ticket.in_(tickets)
            | Callback.work_order.in_(orders)
        )
    query = query.order_by(Callback.clock_started_at, Callback.id)
    if limit:
        query = query.limit(limit)
    return _callback_rows(query, zone)


def callbacks_done(since: datetime, zone: tzinfo, *, limit: int = 500) -> list[CallbackRow]:
    """Callbacks recorded since ``since``, the latest first (the record of KF-009 §3.1.5)."""
    query = (Callback.select().where(Callback.done_at >= since)
             .order_by(Callback.done_at.desc(), Callback.id.desc()).limit(limit))
    return _callback_rows(query, zone)


# --------------------------------------------------------------------------------------------
# residents: search and the unit at a glance


class UnitHit(NamedTuple):
    """One search result: the unit, its owner(s), its status, and whom the query matched."""

    code: str
    owner: str
    status: str
    person: str = ""  # the matched person, when the match was by person
    role: str = ""  # that person's occupancy role
    via: str = "unit"  # unit | name | pinyin | phone | id | plate


_CJK_UNIT = re.compile(
    r"^(\d+)\s*(?:栋|幢|号楼|座|楼)\s*(?:(\d+)\s*单元\s*(?:(\d+)\s*(?:室|号)?)?)?$"
)
_DASHED = re.compile(r"^\d+(?:-\d*){0,2}$")
# An ID number's last 4 ends in a digit or the check letter X (GB 11643).
_ID_TAIL = re.compile(r"^\d{3}[xX]$")
# A car plate as a clerk types it: the province character and a letter (京A12345, 粤B·D1234),
# or the letters and digits without the province (A12345, at least one letter and a digit).
_PLATE = re.compile(r"^[\u4e00-\u9fff][A-Za-z][·.\s]?[A-Za-z0-9]*$")
_PLATE_TAIL = re.compile(r"^(?=.*[A-Za-z])(?=.*\d)[A-Za-z0-9]{2,8}$")


def _plate_key(text: str) -> str:
    return re.sub(r"[·.\s]", "", text).upper()


# Plates are filed as the clerk reads them, 粤B·12345 (KF-018 vehicle file); typed with or
# without the dot, they are compared without it (a scan of the vehicle table, a few thousand
# rows at most).
_bare_plate = pw.fn.REPLACE(Vehicle.plate, "·", "")


def _vehicle_hits(vehicles: Sequence[Vehicle]) -> list[UnitHit]:
    units = _by_id(Unit, (v.unit_id for v in vehicles if v.unit_id))
    owners = _owner_names(units.keys())
    return [UnitHit(units[v.unit_id].code, owners.get(v.unit_id, ""), units[v.unit_id].status,
                    v.plate, "vehicle", "plate")
            for v in vehicles if v.unit_id in units]
_LETTERS = re.compile(r"^[a-z][a-z ']*$")


def _code_candidates(digits: str) -> list[str]:
    """``"31502"`` → ``["3-1-502"]``; ``"121502"`` → ``["12-1-502", "1-2-1502"]``.

    Rooms are 3 or 4 digits (502, 1502), the entrance one digit, the building the rest —
    the way a clerk types a unit number without the dashes.
    """
    out = []
    for room_len in (3, 4):
        building_len = len(digits) - room_len - 1
        if building_len < 1:
            continue
        building = digits[:building_len].lstrip("0") or "0"
        entrance = digits[building_len]
        room = digits[building_len + 1 :]
        out.append(f"{building}-{entrance}-{room}")
    return out


# Search reads only the columns it shows: building model rows for 50 hits per keystroke
# costs more than the queries themselves.
_UNIT_COLS = (Unit.id, Unit.code, Unit.status)
_PERSON_COLS = (Person.id, Person.name)


def _unit_hits(units: Sequence[Unit], via: str = "unit") -> list[UnitHit]:
    owners = _owner_names(u.id for u in units)
    return [UnitHit(u.code, owners.get(u.id, ""), u.status, via=via) for u in units]


def _person_hits(people: Sequence[Person], via: str, limit: int) -> list[UnitHit]:
    """The units where these people currently live or own, in the order the people came."""
    if not people:
        return []
    rank = {p.id: i for i, p in enumerate(people)}
    by_id = {p.id: p for p in people}
    occs = list(
        Occupancy.select(Occupancy.person, Occupancy.unit, Occupancy.role)
        .where(Occupancy.person.in_(list(by_id)), Occupancy.ended_on.is_null())
        .order_by(Occupancy.id)
        .limit(limit * 3)
    )
    occs.sort(key=lambda o: rank[o.person_id])
    units = {u.id: u for u in Unit.select(*_UNIT_COLS).where(
        Unit.id.in_({o.unit_id for o in occs} or {0}))}
    owners = _owner_names(units.keys())
    return [
        UnitHit(
            units[o.unit_id].code, owners.get(o.unit_id, ""), units[o.unit_id].status,
            by_id[o.person_id].name, o.role, via,
        )
        for o in occs
    ]


def search_units(query: str, limit: int = 20) -> list[UnitHit]:
    """Find units the way a clerk types: ``3-1-502``, ``31502``, ``3栋1单元502``, a name or part
    of it, pinyin initials (``zs``) or full pinyin (``zhangsan``), a phone's or an ID number's
    last 4 (``5678``, ``002X``), or a car plate (``京A12345``, ``A123``).

    Each form is one indexed query (a name part is a substring scan of the person table);
    unit matches come first, then people, without duplicate units.
    """
    # NFKC: a Chinese input method may type full-width digits and letters (３１５０２, ｚｓ).
    text = unicodedata.normalize("NFKC", query).strip()
    # A control character (NUL above all: PostgreSQL refuses it in any query) matches nothing
    # a clerk could have typed; the search finds nothing rather than failing (issue 19).
    if not text or any(unicodedata.category(ch) == "Cc" for ch in text):
        return []
    hits: list[UnitHit] = []

    m = _CJK_UNIT.match(text)
    if m:
        building, entrance, room = m.groups()
        if room:
            hits += _unit_hits(list(Unit.select(*_UNIT_COLS).where(
                Unit.code == f"{building}-{entrance}-{room}")))
        else:
            prefix = f"{building}-{entrance}-" if entrance else f"{building}-"
            hits += _unit_hits(list(Unit.select(*_UNIT_COLS).where(_prefix(Unit.code, prefix))
                                    .order_by(Unit.code).limit(limit)))
    elif _DASHED.match(text):
        exact = list(Unit.select(*_UNIT_COLS).where(Unit.code == text))
        hits += _unit_hits(exact)
        # "3-1-5" lists 3-1-5xx; "3" lists building 3 ("3-" so that 3 does not match 31-…).
        prefix = text if "-" in text else text + "-"
        hits += _unit_hits(list(Unit.select(*_UNIT_COLS).where(_prefix(Unit.code, prefix))
                                .order_by(Unit.code).limit(limit)))
        if text.isdigit():
            if len(text) >= 5:
                hits += _unit_hits(list(Unit.select(*_UNIT_COLS).where(
                    Unit.code.in_(_code_candidates(text)))))
            if len(text) == 4:
                people = list(Person.select(*_PERSON_COLS).where(Person.phone_last4 == text)
                              .order_by(Person.name).limit(limit))
                hits += _person_hits(people, "phone", limit)
                people = list(Person.select(*_PERSON_COLS).where(Person.id_last4 == text)
                              .order_by(Person.name).limit(limit))
                hits += _person_hits(people, "id", limit)
    elif _ID_TAIL.match(text):
        people = list(Person.select(*_PERSON_COLS).where(Person.id_last4 == text.upper())
                      .order_by(Person.name).limit(limit))
        hits += _person_hits(people, "id", limit)
    elif _PLATE.match(text):
        vehicles = list(Vehicle.select().where(_prefix(_bare_plate, _plate_key(text)))
                        .order_by(Vehicle.plate).limit(limit))
        hits += _vehicle_hits(vehicles)
    elif _PLATE_TAIL.match(text):
        # Without the province: the plate's letters and digits anywhere (a scan of the
        # vehicle table, a few thousand rows at most).
        vehicles = list(Vehicle.select().where(_bare_plate.contains(_plate_key(text)))
                        .order_by(Vehicle.plate).limit(limit))
        hits += _vehicle_hits(vehicles)
    else:
        lowered = text.lower()
        if _LETTERS.match(lowered):
            key = lowered.replace(" ", "").replace("'", "")
            by_initials = list(Person.select(*_PERSON_COLS).where(_prefix(Person.initials, key))
                               .order_by(pw.fn.LENGTH(Person.initials), Person.name).limit(limit))
            hits += _person_hits(by_initials, "pinyin", limit)
            if len(key) >= 2:
                by_pinyin = list(Person.select(*_PERSON_COLS).where(_prefix(Person.pinyin, key))
                                 .order_by(pw.fn.LENGTH(Person.pinyin), Person.name).limit(limit))
                hits += _person_hits(by_pinyin, "pinyin", limit)
        else:
            people = list(Person.select(*_PERSON_COLS).where(Person.name.contains(text))
                          .order_by(pw.fn.LENGTH(Person.name), Person.name).limit(limit))
            hits += _person_hits(people, "name", limit)

    seen: set[str] = set()
    out = []
    for hit in hits:
        if hit.code in seen:
            continue
        seen.add(hit.code)
        out.append(hit)
        if len(out) >= limit:
            break
    return out


class PersonRow(NamedTuple):
    """A person tied to a unit, masked (KF-017 §4)."""

    name: str
    role: str  # owner | family | tenant | other
    relation: str
    phone: str  # masked
    phone2: str  # masked
    id_number: str  # masked
    registered: bool  # 住户成员登记 (KF-014 identity checks)
    resident: bool
    is_agent: bool
    lives_in_community: bool
    lease_end: date | None
    started_on: date
    person_id: int = 0


class ContactRow(NamedTuple):
    name: str
    relation: str
    phone: str  # masked


class MailRow(NamedTuple):
    kind: str
    recipient: str
    tracking_no: str
    received_at: datetime
    day_no: int  # 1 on the day it arrived (the counter says "第 4 天")


class LoanRow(NamedTuple):
    item_kind: str  # tool | umbrella
    item: str
    borrower: str
    lent_at: datetime


class KeyRow(NamedTuple):
    label: str
    reason: str  # vacant | repair | other
    received_at: datetime
    out_with: str = ""  # who has it now, when it is out of the desk


class PassRow(NamedTuple):
    number: str
    bearer: str
    bearer_kind: str
    items: str
    issued_at: datetime


class VehicleRow(NamedTuple):
    plate: str
    model: str
    colour: str
    space: str  # leased space, "" without a current lease
    lease_ends: date | None
    monthly_fen: int
    card_no: str


class UnitBrief(NamedTuple):
    """What the intake clerk needs beside the form (UX.md intake sketch)."""

    code: str
    status: str
    people: tuple[PersonRow, ...]  # current owners, then tenants
    open_tickets: tuple[TicketRow, ...]
    complaints_6m: int
    mail_waiting: tuple[MailRow, ...]
    arrears_months: int
    arrears_fen: int
    recent: tuple[TicketRow, ...] = ()  # closed out in the last six months, newest first


class UnitDetail(NamedTuple):
    """The unit at a glance (the residents screen)."""

    code: str
    building: str
    group: str
    area_centi_m2: int
    status: str
    handed_over_on: date | None
    owners: tuple[PersonRow, ...]
    household: tuple[PersonRow, ...]  # family members and other occupants
    tenants: tuple[PersonRow, ...]
    emergency: tuple[ContactRow, ...]
    arrears_months: int
    arrears_fen: int
    open_tickets: tuple[TicketRow, ...]
    callbacks: tuple[CallbackRow, ...]
    mail_waiting: tuple[MailRow, ...]
    loans: tuple[LoanRow, ...]
    keys: tuple[KeyRow, ...]
    passes: tuple[PassRow, ...]
    vehicles: tuple[VehicleRow, ...]
    # Closed out in the last six months, newest first: a ticket the resident calls about
    # again is opened from the unit's page like an open one (issue 16).
    recent: tuple[TicketRow, ...] = ()


def _person_row(occ: Occupancy) -> PersonRow:
    person = occ.person
    return PersonRow(
        name=person.name,
        role=occ.role,
        relation=occ.relation,
        phone=mask_phone(person.phone),
        phone2=mask_phone(person.phone2),
        id_number=mask_id(person.id_number),
        registered=occ.registered,
        resident=occ.resident,
        is_agent=occ.is_agent,
        lives_in_community=person.lives_in_community,
        lease_end=occ.lease_end,
        started_on=occ.started_on,
        person_id=person.id,
    )


def _occupants(unit: Unit) -> list[PersonRow]:
    order = {"owner": 0, "family": 1, "tenant": 2, "other": 3}
    occs = list(
        Occupancy.select(Occupancy, Person)
        .join(Person)
        .where(Occupancy.unit == unit.id, Occupancy.ended_on.is_null())
        .order_by(Occupancy.started_on, Occupancy.id)
    )
    occs.sort(key=lambda o: order.get(o.role, 9))
    return [_person_row(o) for o in occs]


def _arrears_of(unit_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """unit id → (months with anything owed, fen owed) over bill lines (amount − paid)."""
    wanted = set(unit_ids)
    if not wanted:
        return {}
    owed = BillLine.amount_fen - BillLine.paid_fen
    query = (
        Bill.select(
            Bill.unit,
            pw.fn.COUNT(Bill.month.distinct()).alias("months"),
            pw.fn.SUM(owed).alias("owed"),
        )
        .join(BillLine)
        .where(Bill.unit.in_(wanted), BillLine.amount_fen > BillLine.paid_fen)
        .group_by(Bill.unit)
    )
    return {row.unit_id: (int(row.months), int(row.owed)) for row in query}


def _mail_waiting(unit: Unit, now: datetime, zone: tzinfo) -> list[MailRow]:
    items = (
        MailItem.select()
        .where(
            MailItem.unit == unit.id,
            MailItem.collected_at.is_null(),
            MailItem.returned_at.is_null(),
            MailItem.received_at <= now,
        )
        .order_by(MailItem.received_at)
    )
    today = office_day(now, zone)
    return [
        MailRow(
            kind=m.kind,
            recipient=m.recipient,
            tracking_no=m.tracking_no,
            received_at=m.received_at.astimezone(zone),
            day_no=(today - office_day(m.received_at, zone)).days + 1,
        )
        for m in items
    ]


def unit_brief(unit_code: str, now: datetime, zone: tzinfo) -> UnitBrief | None:
    """The unit beside the intake form: who lives there, what is open, owed and waiting."""
    unit = _unit_by_code(unit_code)
    if unit is None:
        return None
    people = [p for p in _occupants(unit) if p.role in ("owner", "tenant")]
    since = now - relativedelta(months=COMPLAINT_LOOKBACK_MONTHS)
    complaints = (
        Ticket.select()
        .where(Ticket.unit == unit.id, Ticket.kind == "complaint", Ticket.received_at >= since,
               Ticket.received_at <= now)
        .count()
    )
    months, owed = _arrears_of([unit.id]).get(unit.id, (0, 0))
    return UnitBrief(
        code=unit.code,
        status=unit.status,
        people=tuple(people),
        open_tickets=tuple(open_tickets(zone, unit_code=unit.code)),
        complaints_6m=complaints,
        mail_waiting=tuple(_mail_waiting(unit, now, zone)),
        arrears_months=months,
        arrears_fen=owed,
        # Recurring problems (KF-010 §4.6.2) show up here while the clerk types.
        recent=_recent_closed(unit, since, zone),
    )


def _recent_closed(unit: Unit, since: datetime, zone: tzinfo) -> tuple[TicketRow, ...]:
    """The unit's tickets closed out since ``since`` (received then or later), newest first."""
    return tuple(_ticket_rows(
        Ticket.select().where(Ticket.unit == unit.id, Ticket.state == "closed",
                              Ticket.received_at >= since)
        .order_by(Ticket.received_at.desc()).limit(RECENT_LIMIT), zone))


def household(unit_code: str) -> list[PersonRow]:
    """Everyone now tied to the unit (owners, family, tenants, others): the intake form's
    choice of caller. Phones masked; the form never needs the full number."""
    unit = _unit_by_code(unit_code)
    return _occupants(unit) if unit is not None else []


def unit_detail(unit_code: str, now: datetime, zone: tzinfo) -> UnitDetail | None:
    """Everything the counter keeps about one unit, personal data masked (KF-017 §4)."""
    from .registers import keys_held  # the registers' views import this module

    unit = _unit_by_code(unit_code)
    if unit is None:
        return None
    building = Building.get_by_id(unit.building_id)
    group = Group.get_by_id(building.group_id)
    occupants = _occupants(unit)
    months, owed = _arrears_of([unit.id]).get(unit.id, (0, 0))
    leases = {
        lease.vehicle_id: lease
        for lease in ParkingLease.select()
        .where(ParkingLease.unit == unit.id, ParkingLease.ends_on >= office_day(now, zone))
        .order_by(ParkingLease.ends_on)
    }
    vehicles = list(Vehicle.select().where(
        (Vehicle.unit == unit.id) | (Vehicle.id.in_(list(leases) or [0]))).order_by(Vehicle.plate))
    return UnitDetail(
        code=unit.code,
        building=building.name,
        group=group.name,
        area_centi_m2=unit.area_centi_m2,
        status=unit.status,
        handed_over_on=unit.handed_over_on,
        owners=tuple(p for p in occupants if p.role == "owner"),
        household=tuple(p for p in occupants if p.role in ("family", "other")),
        tenants=tuple(p for p in occupants if p.role == "tenant"),
        emergency=tuple(
            ContactRow(c.name, c.relation, mask_phone(c.phone))
            for c in EmergencyContact.select().where(EmergencyContact.unit == unit.id)
            .order_by(EmergencyContact.id)
        ),
        arrears_months=months,
        arrears_fen=owed,
        open_tickets=tuple(open_tickets(zone, unit_code=unit.code)),
        callbacks=tuple(callbacks_due(zone, unit_code=unit.code)),
        mail_waiting=tuple(_mail_waiting(unit, now, zone)),
        loans=tuple(
            LoanRow(loan.item_kind, loan.item, loan.borrower, loan.lent_at.astimezone(zone))
            for loan in Loan.select().where(Loan.unit == unit.id, Loan.returned_at.is_null(),
                                            Loan.lost == False)  # noqa: E712 - SQL, not Python
            .order_by(Loan.lent_at)
        ),
        # Every key the desk holds for the unit, at the desk or lent out (not handed back).
        keys=tuple(KeyRow(k.label, k.reason, k.received_at, k.with_whom if k.where == "out"
                          else "") for k in keys_held(zone, unit_code=unit.code)),
        passes=tuple(
            PassRow(p.number, p.bearer_name, p.bearer_kind, p.items,
                    p.issued_at.astimezone(zone))
            for p in ReleasePass.select().where(ReleasePass.unit == unit.id)
            .order_by(ReleasePass.issued_at.desc()).limit(5)
        ),
        vehicles=tuple(
            VehicleRow(
                plate=v.plate,
                model=v.model,
                colour=v.colour,
                space=leases[v.id].space if v.id in leases else "",
                lease_ends=leases[v.id].ends_on if v.id in leases else None,
                monthly_fen=leases[v.id].monthly_fen if v.id in leases else 0,
                card_no=leases[v.id].card_no if v.id in leases else "",
            )
            for v in vehicles
        ),
        recent=_recent_closed(unit, now - relativedelta(months=COMPLAINT_LOOKBACK_MONTHS), zone),
    )


# --------------------------------------------------------------------------------------------
# cashier


class ReceiptRow(NamedTuple):
    number: str  # "2026-000123"
    issued_at: datetime
    unit: str
    payer: str
    method: str
    amount_fen: int  # negative for a refund receipt
    void: bool
    cashier: str


class CashierDay(NamedTuple):
    """The cashier's day: receipts in number order and totals by method (voids excluded)."""

    day: date
    receipts: tuple[ReceiptRow, ...]
    totals: tuple[tuple[str, int], ...]  # (method, fen) in PAYMENT_METHODS order, non-zero
    total_fen: int
    voids: int


def _receipt_rows(receipts: Sequence[Receipt], zone: tzinfo) -> list[ReceiptRow]:
    series = _by_id(ReceiptSeries, (r.series_id for r in receipts))
    payments = _by_id(Payment, (r.payment_id for r in receipts))
    refunds = _by_id(Refund, (r.refund_id for r in receipts))
    charges = _by_id(Charge, (f.charge_id for f in refunds.values()))
    refunded_payments = _by_id(Payment, (f.payment_id for f in refunds.values()))
    payments.update(refunded_payments)
    units = _by_id(
        Unit,
        [p.unit_id for p in payments.values()] + [c.unit_id for c in charges.values()],
    )
    staff = _by_id(Staff, (r.cashier_id for r in receipts))
    voided = {
        v.receipt_id
        for v in ReceiptVoid.select(ReceiptVoid.receipt).where(
            ReceiptVoid.receipt.in_([r.id for r in receipts] or [0]))
    }
    rows = []
    for r in receipts:
        payment = payments.get(r.payment_id)
        refund = refunds.get(r.refund_id)
        unit_id = None
        payer = ""
        method = ""
        if payment is not None:
            unit_id, payer, method = payment.unit_id, payment.payer, payment.method
        elif refund is not None:
            method = refund.method
            source = payments.get(refund.payment_id)
            charge = charges.get(refund.charge_id)
            unit_id = source.unit_id if source else (charge.unit_id if charge else None)
            payer = source.payer if source else ""
        unit = units.get(unit_id)
        cashier = staff.get(r.cashier_id)
        rows.append(
            ReceiptRow(
                number=receipt_number(series[r.series_id].code, r.number),
                issued_at=r.issued_at.astimezone(zone),
                unit=unit.code if unit else "",
                payer=payer,
                method=method,
                amount_fen=r.amount_fen,
                void=r.id in voided,
                cashier=cashier.name if cashier else "",
            )
        )
    return rows


def _method_totals(rows: Iterable[ReceiptRow]) -> tuple[tuple[str, int], ...]:
    sums: Counter[str] = Counter()
    for row in rows:
        if not row.void:
            sums[row.method] += row.amount_fen
    order = list(PAYMENT_METHODS) + sorted(set(sums) - set(PAYMENT_METHODS))
    return tuple((m, sums[m]) for m in order if m in sums)


def cashier_day(day: date, zone: tzinfo, *, cashier_id: int | None = None) -> CashierDay:
    """Receipts issued on ``day`` (office zone) in number order, with totals by method."""
    start, end = day_bounds(day, zone)
    query = Receipt.select().where(Receipt.issued_at >= start, Receipt.issued_at < end)
    if cashier_id is not None:
        query = query.where(Receipt.cashier == cashier_id)
    receipts = list(query.order_by(Receipt.series, Receipt.number))
    rows = _receipt_rows(receipts, zone)
    totals = _method_totals(rows)
    return CashierDay(
        day=day,
        receipts=tuple(rows),
        totals=totals,
        total_fen=sum(fen for _, fen in totals),
        voids=sum(1 for r in rows if r.void),
    )


def find_receipts(text: str, zone: tzinfo, *, limit: int = 5) -> list[ReceiptRow]:
    """Receipts by number: ``2026-000123`` exactly, or the number alone (newest series first)."""
    text = text.strip()
    m = re.match(r"^(?:(\w+)-)?0*(\d+)$", text)
    if not m:
        return []
    code, number = m.group(1), int(m.group(2))
    query = Receipt.select().join(ReceiptSeries).where(Receipt.number == number)
    if code:
        query = query.where(ReceiptSeries.code == code)
    receipts = list(query.order_by(Receipt.issued_at.desc()).limit(limit))
    return _receipt_rows(receipts, zone)


class ArrearsLine(NamedTuple):
    month: str
    item: str
    amount_fen: int
    paid_fen: int
    owed_fen: int


class ChargeLine(NamedTuple):
    kind: str
    description: str
    amount_fen: int
    paid_fen: int
    owed_fen: int


class UnitArrears(NamedTuple):
    """What a unit owes, by month and item (the cashier sketch), plus one-off charges."""

    code: str
    owner: str
    lines: tuple[ArrearsLine, ...]
    charges: tuple[ChargeLine, ...]
    months: int
    total_fen: int  # bill lines and charges


def unit_arrears(unit_code: str) -> UnitArrears | None:
    unit = _unit_by_code(unit_code)
    if unit is None:
        return None
    item_order = {item: i for i, item in enumerate(FEE_ITEMS)}
    owing = (
        BillLine.select(BillLine, Bill)
        .join(Bill)
        .where(Bill.unit == unit.id, BillLine.amount_fen > BillLine.paid_fen)
    )
    lines = [
        ArrearsLine(line.bill.month, line.item, line.amount_fen, line.paid_fen,
                    line.amount_fen - line.paid_fen)
        for line in owing
    ]
    charges = []
    for c in (Charge.select().where(Charge.unit == unit.id, Charge.amount_fen > Charge.paid_fen)
              .order_by(Charge.created_at)):
        if c.kind == RENT_KIND and c.with_bill_month:
            # KF-001 §9 (RULES v2 item 10): a rent period is owed and dunned like the month's
            # fees, with the month its period begins.
            lines.append(ArrearsLine(c.with_bill_month, RENT_ITEM, c.amount_fen, c.paid_fen,
                                     c.amount_fen - c.paid_fen))
        else:
            charges.append(ChargeLine(c.kind, c.description, c.amount_fen, c.paid_fen,
                                      c.amount_fen - c.paid_fen))
    lines.sort(key=lambda a: (a.month, item_order.get(a.item, 99), a.item))
    return UnitArrears(
        code=unit.code,
        owner=_owner_names([unit.id]).get(unit.id, ""),
        lines=tuple(lines),
        charges=tuple(charges),
        months=len({a.month for a in lines}),
        total_fen=sum(a.owed_fen for a in lines) + sum(c.owed_fen for c in charges),
    )


class ArrearsRow(NamedTuple):
    code: str
    owner: str
    months: int
    owed_fen: int
    last_step: int | None  # KF-016 dunning ladder, 1..6
    last_step_at: datetime | None


def arrears_list(
    zone: tzinfo, *, min_months: int = 1, limit: int | None = None
) -> list[ArrearsRow]:
    """Units owing on their bills and parking rent (KF-001 §9), most months first, then most
    owed (KF-016)."""
    owing: dict[int, tuple[set[str], int]] = {}
    for unit_id, month, fen in (
        Bill.select(Bill.unit, Bill.month, pw.fn.SUM(BillLine.amount_fen - BillLine.paid_fen))
        .join(BillLine).where(BillLine.amount_fen > BillLine.paid_fen)
        .group_by(Bill.unit, Bill.month).tuples()
    ).union_all(
        Charge.select(Charge.unit, Charge.with_bill_month,
                      pw.fn.SUM(Charge.amount_fen - Charge.paid_fen))
        .where((Charge.kind == RENT_KIND) & (Charge.with_bill_month != "")
               & (Charge.amount_fen > Charge.paid_fen) & Charge.unit.is_null(False))
        .group_by(Charge.unit, Charge.with_bill_month).tuples()
    ).tuples():
        months_of, total = owing.get(unit_id, (set(), 0))
        months_of.add(month)
        owing[unit_id] = (months_of, total + int(fen))
    found = sorted(((u, len(ms), fen) for u, (ms, fen) in owing.items()
                    if len(ms) >= min_months), key=lambda r: (-r[1], -r[2], r[0]))
    if limit:
        found = found[:limit]
    ids = [u for u, _, _ in found]
    units = _by_id(Unit, ids)
    owners = _owner_names(ids)
    last: dict[int, DunningStep] = {}
    for step in DunningStep.select().where(DunningStep.unit.in_(ids or [0])).order_by(
            DunningStep.at, DunningStep.id):
        last[step.unit_id] = step  # ordered by time: the last one wins
    return [
        ArrearsRow(
            code=units[u].code,
            owner=owners.get(u, ""),
            months=m,
            owed_fen=o,
            last_step=last[u].step if u in last else None,
            last_step_at=last[u].at.astimezone(zone) if u in last else None,
        )
        for u, m, o in found
    ]


# --------------------------------------------------------------------------------------------
# the supervisor's day


class HandOverRow(NamedTuple):
    """One hand-over of the day (KF-015 §4.6, RULES v2 §4), from its current figures."""

    cashier: str
    status: str  # open | next (after the day's count) | closed (counted) | confirmed
    receipts: int
    expected_fen: int  # cash: receipts, voids' reversals, parking settlements
    parking_fen: int  # of which parking settlements
    counted_fen: int | None  # None: not counted
    difference_fen: int | None  # counted + rounding − expected, from the current figures
    stale: bool  # counted against other figures: to be counted again
    confirmed_by: str
    confirmed_role: str  # finance, or the manager covering


class DayCashRow(NamedTuple):
    """The cash the day took (RULES v2 §4): receipts (voids out) and parking settlements."""

    receipts_cash_fen: int
    parking_cash_fen: int
    cash_fen: int


class DaySummary(NamedTuple):
    """End-of-day figures (RULES §7) that the records can give now."""

    day: date
    intake_total: int
    intake_by_kind: tuple[tuple[str, int], ...]
    intake_by_channel: tuple[tuple[str, int], ...]
    intake_by_category: tuple[tuple[str, int], ...]
    dispatched: int
    completed: int
    closed: int
    callbacks_done: int
    callbacks_open: int
    open_tickets: int
    receipts: int
    receipt_first: str
    receipt_last: str
    receipt_totals: tuple[tuple[str, int], ...]
    receipt_total_fen: int
    voids: int
    refunds: int
    hand_overs: tuple[HandOverRow, ...]
    mail_waiting: int
    passes_issued: int
    # What waits on the supervisor and the manager now (KF-010 §4.3.2, §4.3.3): ticket numbers.
    coordinated: tuple[str, ...] = ()
    to_propose: tuple[str, ...] = ()
    to_approve: tuple[str, ...] = ()
    callbacks_overdue: int = 0  # callback clocks past due and running at the day's end / now
    due_tomorrow: int = 0  # clocks running that fall due the next day
    cash_day: tuple[DayCashRow, ...] = ()  # one row: the day's cash, parking included
    tickets_voided: int = 0  # KF-012 v2: voided this day, counted apart from intake


def _counted(values: Iterable[str], order: Sequence[str]) -> tuple[tuple[str, int], ...]:
    counts = Counter(values)
    keys = [k for k in order if k in counts] + sorted(set(counts) - set(order))
    return tuple((k, counts[k]) for k in keys)


def day_summary(day: date, now: datetime, zone: tzinfo) -> DaySummary:
    """The supervisor's figures for ``day``; "waiting" figures as of the day's end or now.

    ``views.day_lists.figure_list`` gives the records behind each figure, with the same
    conditions (a test checks every figure of the demo day against its list)."""
    from .day_lists import callbacks_overdue_query, due_between_query

    start, end = day_bounds(day, zone)
    as_of = min(end, now)
    # KF-012 v2: a voided ticket is counted apart (``tickets_voided``), not as intake.
    intake = list(
        Ticket.select(Ticket.kind, Ticket.channel, Ticket.category)
        .where(Ticket.received_at >= start, Ticket.received_at < end, Ticket.voided_at.is_null())
    )
    # The day's receipts as aggregates, not rows: a busy day has thousands (RULES §7 figures
    # are counts and sums; the list behind them is views.day_lists).
    in_day = (Receipt.issued_at >= start) & (Receipt.issued_at < end)
    numbered = (Receipt.select(ReceiptSeries.code, Receipt.number).join(ReceiptSeries)
                .where(in_day))
    first = numbered.order_by(Receipt.series, Receipt.number).tuples().first()
    last = numbered.order_by(Receipt.series.desc(), Receipt.number.desc()).tuples().first()
    method = pw.fn.COALESCE(Payment.method, Refund.method)
    voided = ReceiptVoid.select(ReceiptVoid.receipt)
    sums = dict(
        Receipt.select(method, pw.fn.SUM(Receipt.amount_fen))
        .join(Payment, pw.JOIN.LEFT_OUTER, on=(Receipt.payment == Payment.id))
        .switch(Receipt).join(Refund, pw.JOIN.LEFT_OUTER, on=(Receipt.refund == Refund.id))
        .where(in_day & Receipt.id.not_in(voided)).group_by(method).tuples())
    order = list(PAYMENT_METHODS) + sorted(set(sums) - set(PAYMENT_METHODS))
    totals = tuple((m, int(sums[m])) for m in order if m in sums)
    receipt_count = Receipt.select().where(in_day).count()
    refunds = Receipt.select().where(in_day & Receipt.refund.is_null(False)).count()
    # RULES v2 §4: each hand-over of the day and the money not yet in one, current figures.
    from .cashier import hand_overs as hand_over_lines

    handover_rows = [HandOverRow(
        cashier=h.cashier, status=h.status, receipts=h.receipts,
        expected_fen=h.cash_expected_fen, parking_fen=h.parking_fen, counted_fen=h.counted_fen,
        difference_fen=h.difference_fen, stale=h.stale, confirmed_by=h.confirmed_by,
        confirmed_role=h.confirmed_role) for h in hand_over_lines(day, zone)]
    parking_cash = int(ParkingSettlement.select(pw.fn.SUM(ParkingSettlement.received_fen))
                       .where((ParkingSettlement.settled_at >= start)
                              & (ParkingSettlement.settled_at < end)).scalar() or 0)
    receipts_cash = dict(totals).get("cash", 0)

    def between(field: pw.Field) -> pw.Expression:
        return (field >= start) & (field < end)

    waiting_mail = MailItem.select().where(
        MailItem.received_at < as_of,
        MailItem.collected_at.is_null() | (MailItem.collected_at >= as_of),
        MailItem.returned_at.is_null() | (MailItem.returned_at >= as_of),
    ).count()
    callbacks_open = Callback.select().where(
        Callback.clock_started_at < as_of, Callback.sampled,
        Callback.done_at.is_null() | (Callback.done_at >= as_of),
        _not_voided(Callback.ticket, as_of),
    ).count()
    open_count = Ticket.select().where(
        Ticket.received_at < as_of,
        Ticket.closed_at.is_null() | (Ticket.closed_at >= as_of),
        Ticket.voided_at.is_null() | (Ticket.voided_at >= as_of),
    ).count()
    return DaySummary(
        day=day,
        intake_total=len(intake),
        intake_by_kind=_counted((t.kind for t in intake), KINDS),
        intake_by_channel=_counted((t.channel for t in intake), CHANNELS),
        intake_by_category=_counted((t.category for t in intake), CATEGORIES),
        dispatched=Dispatch.select().where(between(Dispatch.dispatched_at)).count(),
        completed=Ticket.select().where(between(Ticket.completed_at)).count(),
        closed=Ticket.select().where(between(Ticket.closed_at)).count(),
        tickets_voided=Ticket.select().where(between(Ticket.voided_at)).count(),
        callbacks_done=Callback.select().where(between(Callback.done_at)).count(),
        callbacks_open=callbacks_open,
        open_tickets=open_count,
        receipts=receipt_count,
        receipt_first=receipt_number(*first) if first else "",
        receipt_last=receipt_number(*last) if last else "",
        receipt_totals=totals,
        receipt_total_fen=sum(fen for _, fen in totals),
        voids=ReceiptVoid.select().where(between(ReceiptVoid.at)).count(),
        refunds=refunds,
        hand_overs=tuple(handover_rows),
        mail_waiting=waiting_mail,
        passes_issued=ReleasePass.select().where(between(ReleasePass.issued_at)).count(),
        coordinated=_open_numbers(Ticket.coordinated),
        to_propose=_open_numbers(Ticket.escalation.in_(("escalated", "rejected"))),
        to_approve=_open_numbers(Ticket.escalation == "proposed"),
        callbacks_overdue=callbacks_overdue_query(as_of).count(),
        due_tomorrow=due_between_query(end, end + timedelta(days=1)).count(),
        cash_day=(DayCashRow(receipts_cash, parking_cash, receipts_cash + parking_cash),),
    )


def _open_numbers(condition: pw.Expression) -> tuple[str, ...]:
    return tuple(n for (n,) in Ticket.select(Ticket.number)
                 .where(condition, Ticket.state.not_in(("closed", "voided")))
                 .order_by(Ticket.number).tuples())


def desk_staff(roles: Sequence[str] = ("clerk", "supervisor", "manager")) -> list[tuple[str, str]]:
    """Active staff who can own tickets, as (login, name): the reassign choice (KF-006 §1)."""
    return [(s.login, s.name) for s in Staff.select().where(Staff.active, Staff.role.in_(roles))
            .order_by(Staff.role, Staff.login)]


class ContactDue(NamedTuple):
    """A person whose contact details are due for re-verification (KF-017 §3)."""

    person_id: int
    name: str
    units: str  # the units they are tied to now, "3-1-502 5-2-101"
    phone: str  # masked
    lives_here: bool  # half-monthly when living in the community, else monthly
    verified_at: datetime | None
    due_at: datetime
    overdue: bool


def contacts_due(now: datetime, zone: tzinfo, *, limit: int = 500) -> list[ContactDue]:
    """People whose re-verification clock is due soon or overdue, the most overdue first."""
    from ..models import Deadline

    rows = list(Deadline.select().where(
        (Deadline.clock == "contact_check") & Deadline.stopped_at.is_null()
        & (Deadline.warn_at <= now)).order_by(Deadline.due_at, Deadline.id).limit(limit))
    people = _by_id(Person, (r.item_id for r in rows))
    units: defaultdict[int, list[str]] = defaultdict(list)
    ids = list(people)
    for start in range(0, len(ids), 500):
        for occ in (Occupancy.select(Occupancy.person, Unit.code).join(Unit)
                    .where(Occupancy.person.in_(ids[start:start + 500])
                           & Occupancy.ended_on.is_null()).order_by(Unit.code)):
            units[occ.person_id].append(occ.unit.code)
    out = []
    for r in rows:
        person = people.get(r.item_id)
        if person is None:
            continue
        out.append(ContactDue(
            person_id=person.id, name=person.name, units=" ".join(units.get(person.id, [])),
            phone=mask_phone(person.phone), lives_here=person.lives_in_community,
            verified_at=_local(person.contact_verified_at, zone),
            due_at=r.due_at.astimezone(zone), overdue=r.due_at <= now))
    return out
