"""Read view of the vacant units' checks (空置房管理, RULES §6 / KF-001; keys: RULES §5).

Reads only (the writes are ``kfdesk.desk.vacant``). Every unit whose status is vacant, with
its last check (when, by whom, whether a problem was found), the date the next one is due
and whether the desk holds its key (from the key register, ``views.registers.keys_held``).

The due date counts office days — the calendar dates in the office's zone, as the counter
says them — not working days: a flat left empty leaks on a Sunday as well. ``interval_days``
after the day of the last check the next one is due, by the close of that day; it is due
soon once ``warn_share`` of the interval has passed (the share every clock uses,
``clocks.warn_share``). A unit with a check clock (``kfdesk.rules.sync.sync_vacant_units``:
the later of the last check and the start of the vacancy as kfdesk knows it) is read from
that clock's own due and warning instants, so the register says what the alert bar and F8
say, to the minute; a unit with no clock yet counts by ``due_state`` from its last check, or
from today when it was never checked.

Rows come overdue first (the latest first), then due soon (the earliest due first, the
never-checked ones among today's), then the rest by due date; within a day by unit code.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from typing import NamedTuple

from ..desk.keys import key_ref
from ..models import CHECK_ITEMS, Deadline, Key, Staff, Ticket, Unit, VacantCheck
from . import _by_id, _owner_names, _unit_by_code, office_day
from .registers import keys_held

STATES = ("overdue", "due_soon", "ok")


class VacantRow(NamedTuple):
    unit_id: int
    unit: str  # "3-1-502"
    owners: str  # the current owners' names, "、"-joined
    last_at: datetime | None  # the last check, office zone; None: never checked
    last_by: str
    last_problem: bool
    last_findings: tuple[str, ...]  # the items the last check found faulty
    last_note: str
    last_ticket: str  # the repair ticket raised from the last check ("" none)
    checks: int  # how many checks the unit has had
    due_on: date  # the next check is due on this office day
    state: str  # overdue | due_soon | ok
    days: int  # overdue: days late; otherwise days left (0: due today)
    key_ref: str  # "K-0012" of a key the desk holds for the unit ("" none)
    key_where: str  # desk | out | "" (no key held)

    @property
    def never(self) -> bool:
        return self.last_at is None


class CheckRow(NamedTuple):
    id: int
    checked_at: datetime  # office zone
    checked_by: str
    findings: tuple[str, ...]  # the faulty items, in CHECK_ITEMS order
    problem: bool
    note: str
    key_ref: str  # the desk key used ("" none)
    ticket: str  # the repair ticket raised ("" none)
    ticket_state: str  # that ticket's state now ("" none)


def due_state(last_day: date | None, today: date, interval_days: int,
              warn_share: float) -> tuple[date, str, int]:
    """(due on, state, days) for a unit last checked (or first seen vacant) on ``last_day``
    (None: seen today).

    Days are late days when overdue, else days left. Due soon once ``warn_share`` of the
    interval has passed since the last check (day 23 of 30 at 0.75), overdue the day after
    the due day.
    """
    if last_day is None:
        last_day = today
    due = last_day + timedelta(days=interval_days)
    passed = (today - last_day).days
    if today > due:
        return due, "overdue", (today - due).days
    state = "due_soon" if passed >= interval_days * warn_share else "ok"
    return due, state, (due - today).days


def clock_state(clock: Deadline, now: datetime, zone: tzinfo) -> tuple[date, str, int]:
    """(due on, state, days) as the unit's check clock has it: overdue once its due instant
    (close of the due day) has passed — 0 late days on that evening — due soon from its
    warning instant."""
    due_on = clock.due_at.astimezone(zone).date()
    today = office_day(now, zone)
    if now > clock.due_at:
        return due_on, "overdue", (today - due_on).days
    return due_on, "due_soon" if now >= clock.warn_at else "ok", (due_on - today).days


def _findings(check: VacantCheck) -> tuple[str, ...]:
    return tuple(i for i in CHECK_ITEMS if getattr(check, i))


def _last_checks(unit_ids: list[int]) -> tuple[dict[int, VacantCheck], dict[int, int]]:
    """unit id → its latest check, and unit id → how many checks it has had."""
    last: dict[int, VacantCheck] = {}
    count: dict[int, int] = {}
    if not unit_ids:
        return last, count
    # Oldest first, so the last one seen of each unit is its latest (ties: by id).
    query = (VacantCheck.select().where(VacantCheck.unit.in_(unit_ids))
             .order_by(VacantCheck.checked_at, VacantCheck.id))
    for c in query:
        last[c.unit_id] = c
        count[c.unit_id] = count.get(c.unit_id, 0) + 1
    return last, count


def vacant_units(now: datetime, zone: tzinfo, interval_days: int, warn_share: float, *,
                 unit_code: str | None = None) -> list[VacantRow]:
    """Every vacant unit (or only ``unit_code``, when it is vacant) with its check state."""
    query = Unit.select().where(Unit.status == "vacant")
    if unit_code:
        unit = _unit_by_code(unit_code)
        query = query.where(Unit.id == (unit.id if unit is not None else 0))
    units = list(query.order_by(Unit.code))
    ids = [u.id for u in units]
    last, count = _last_checks(ids)
    clocks = {row.item_id: row for row in Deadline.select(
        Deadline.item_id, Deadline.due_at, Deadline.warn_at).where(
        (Deadline.clock == "vacant_check") & Deadline.item_id.in_(ids))} if ids else {}
    staff = _by_id(Staff, (c.checked_by_id for c in last.values()))
    tickets = _by_id(Ticket, (c.ticket_id for c in last.values()))
    owners = _owner_names(ids)
    # The desk's keys of these units: one at the desk wins over one lent out.
    held: dict[str, tuple[str, str]] = {}
    for k in keys_held(zone):
        if k.unit not in held or (k.where == "desk" and held[k.unit][1] != "desk"):
            held[k.unit] = (k.ref, k.where)
    today = office_day(now, zone)
    rows = []
    for u in units:
        c = last.get(u.id)
        at = c.checked_at.astimezone(zone) if c is not None else None
        if u.id in clocks:
            due, state, days = clock_state(clocks[u.id], now, zone)
        else:
            due, state, days = due_state(at.date() if at else None, today, interval_days,
                                         warn_share)
        ref, where = held.get(u.code, ("", ""))
        rows.append(VacantRow(
            unit_id=u.id, unit=u.code, owners=owners.get(u.id, ""), last_at=at,
            last_by=staff[c.checked_by_id].name if c and c.checked_by_id in staff else "",
            last_problem=bool(c and c.problem), last_findings=_findings(c) if c else (),
            last_note=c.note if c else "",
            last_ticket=tickets[c.ticket_id].number if c and c.ticket_id in tickets else "",
            checks=count.get(u.id, 0), due_on=due, state=state, days=days,
            key_ref=ref, key_where=where))
    order = {s: i for i, s in enumerate(STATES)}
    return sorted(rows, key=lambda r: (
        order[r.state], -r.days if r.state == "overdue" else r.days,
        0 if r.never else 1, r.unit))


def unit_checks(unit_code: str, zone: tzinfo) -> list[CheckRow]:
    """Every check of one unit, newest first (vacant or not: the history stays)."""
    unit = _unit_by_code(unit_code)
    if unit is None:
        return []
    checks = list(VacantCheck.select().where(VacantCheck.unit == unit.id)
                  .order_by(VacantCheck.checked_at.desc(), VacantCheck.id.desc()))
    staff = _by_id(Staff, (c.checked_by_id for c in checks))
    tickets = _by_id(Ticket, (c.ticket_id for c in checks))
    keys = _by_id(Key, (c.key_used_id for c in checks))
    return [CheckRow(
        id=c.id, checked_at=c.checked_at.astimezone(zone),
        checked_by=staff[c.checked_by_id].name if c.checked_by_id in staff else "",
        findings=_findings(c), problem=c.problem, note=c.note,
        key_ref=key_ref(c.key_used_id) if c.key_used_id in keys else "",
        ticket=tickets[c.ticket_id].number if c.ticket_id in tickets else "",
        ticket_state=tickets[c.ticket_id].state if c.ticket_id in tickets else "",
    ) for c in checks]


class VacantCounts(NamedTuple):
    vacant: int
    overdue: int
    due_soon: int
    never: int
    keys_held: int


def vacant_counts(rows: list[VacantRow]) -> VacantCounts:
    """What the register's status line says, from the rows it shows."""
    return VacantCounts(
        vacant=len(rows),
        overdue=sum(1 for r in rows if r.state == "overdue"),
        due_soon=sum(1 for r in rows if r.state == "due_soon"),
        never=sum(1 for r in rows if r.never),
        keys_held=sum(1 for r in rows if r.key_ref),
    )
