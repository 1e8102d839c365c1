"""KF-009 §3.2 visiting households: the supervisor's visit list and the visit records.

- ``propose_visits``: the proposed list (KF-009 §3.2.1 — chosen for being representative and
  for whether they complained in the last half year): every unit with a complaint received
  in the last ``visit_lookback_months`` (6) months that is not already on the list and was not
  visited since its last complaint; plus, for being representative, a spread across
  buildings: ``visit_spread_per_building`` households of every building drawn at random
  (``random.Random(f"{seed}-visits-{YYYY-MM}-{building}")``, ``office.sample_seed``) from its
  occupied units not already on the list and not visited within the look-back. Proposing
  again adds only what is missing (a building keeps its drawn households until visited).
- The supervisor edits the list: ``add_visit``, ``remove_visit`` (only a visit not yet made:
  a plan, not a record — the audit trail keeps it), ``plan_visit`` (the planned date).
- ``record_visit`` (KF-009 §3.2.2–§3.2.4): when, by whom (the actor), satisfaction, and the
  findings — shortcomings, suggestions, staff attitude, complaints — with "to the manager"
  for important ones (§3.2.3).

Roles: the list is the supervisor's (and the manager's); a visit is recorded by a clerk,
supervisor or manager. Each write checks first (nothing changes on a refusal), runs in one
transaction and appends an audit event naming the actor.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

from dateutil.relativedelta import relativedelta

from ..clock import Clock
from ..config import Settings
from ..models import Building, Staff, Ticket, Unit, Visit
from ..rules.context import RuleContext
from .base import DeskError, audit, require_role, transaction
from .sampling import seed_of

PLAN_ROLES = ("supervisor", "manager")
RECORD_ROLES = ("clerk", "supervisor", "manager")
VISIT_GRADES = ("satisfied", "fair", "unsatisfied")
REASONS = ("complained", "spread", "added")
# KF-009 §3.2.2: what a visit asks about, kept apart in the record.
FINDING_PARTS = ("shortcomings", "suggestions", "attitude", "complaints")
FINDING_MAX = 1000


class VisitProposal(NamedTuple):
    planned_for: date
    complained: tuple[str, ...]  # unit codes added because they complained
    spread: tuple[str, ...]  # unit codes drawn for the spread across buildings


@dataclass
class VisitRecord:
    """What the visitor brings back (KF-009 §3.2.2), before it is checked."""

    satisfaction: str = ""
    visited_at: datetime | None = None  # None: now
    shortcomings: str = ""
    suggestions: str = ""
    attitude: str = ""
    complaints: str = ""
    to_manager: bool = False  # KF-009 §3.2.3 important information to the manager


def _today(clock: Clock, settings: Settings) -> date:
    return clock.now().astimezone(settings.zone).date()


def _lookback_start(clock: Clock, settings: Settings) -> datetime:
    return clock.now() - relativedelta(months=int(settings.data["targets"]
                                                  ["visit_lookback_months"]))


def default_visit_day(clock: Clock, settings: Settings) -> date:
    """The next working day: when a proposed visit is planned unless the supervisor says."""
    ctx = RuleContext.from_store(settings)
    return ctx.calendar.next_working_day(_today(clock, settings))


def _check_day(day: date | None, clock: Clock, settings: Settings) -> date:
    if day is None:
        raise DeskError("visit.date_needed", field="planned_for")
    if day < _today(clock, settings):
        raise DeskError("visit.past_date", field="planned_for", day=day.isoformat())
    return day


def _listed_units() -> set[int]:
    return {v.unit_id for v in Visit.select(Visit.unit).where(Visit.visited_at.is_null())}


def propose_visits(actor: Staff, clock: Clock, settings: Settings,
                   planned_for: date | None = None) -> VisitProposal:
    """Add the proposed households to the open visit list (KF-009 §3.2.1)."""
    require_role(actor, PLAN_ROLES, "visits.propose")
    day = _check_day(planned_for or default_visit_day(clock, settings), clock, settings)
    since = _lookback_start(clock, settings)
    per_building = int(settings.data["targets"]["visit_spread_per_building"])
    month = _today(clock, settings).strftime("%Y-%m")
    with transaction():
        listed = _listed_units()
        last_complaint: dict[int, datetime] = {}
        times: Counter[int] = Counter()
        for unit_id, received in (Ticket.select(Ticket.unit, Ticket.received_at)
                                  .where((Ticket.kind == "complaint") & Ticket.unit.is_null(False)
                                         & (Ticket.received_at >= since)).tuples()):
            times[unit_id] += 1
            if unit_id not in last_complaint or received > last_complaint[unit_id]:
                last_complaint[unit_id] = received
        last_visit: dict[int, datetime] = {}
        for unit_id, visited in (Visit.select(Visit.unit, Visit.visited_at)
                                 .where(Visit.visited_at.is_null(False)).tuples()):
            if unit_id not in last_visit or visited > last_visit[unit_id]:
                last_visit[unit_id] = visited
        complained = [uid for uid, at in last_complaint.items()
                      if uid not in listed and not (uid in last_visit and last_visit[uid] >= at)]
        listed |= set(complained)
        units = list(Unit.select(Unit.id, Unit.code, Unit.building, Unit.status)
                     .order_by(Unit.code))
        by_building: dict[int, list[Unit]] = {}
        for u in units:
            by_building.setdefault(u.building_id, []).append(u)
        spread: list[int] = []
        seed = seed_of(settings)
        drawn = {v.unit_id for v in Visit.select(Visit.unit)
                 .where(Visit.visited_at.is_null() & (Visit.reason == "spread"))}
        for building in Building.select().order_by(Building.number):
            own = by_building.get(building.id, [])
            missing = per_building - sum(1 for u in own if u.id in drawn)
            if missing <= 0:
                continue
            candidates = [u for u in own if u.status != "vacant" and u.id not in listed
                          and not (u.id in last_visit and last_visit[u.id] >= since)]
            rng = random.Random(f"{seed}-visits-{month}-{building.number}")
            spread += [u.id for u in rng.sample(candidates, min(missing, len(candidates)))]
        codes = {u.id: u.code for u in units}
        # The most frequent complainers first: the list is read from the top.
        complained.sort(key=lambda uid: (-times[uid], codes[uid]))
        for uid in complained:
            Visit.create(unit=uid, planned_for=day, reason="complained")
        for uid in spread:
            Visit.create(unit=uid, planned_for=day, reason="spread")
        result = VisitProposal(day, tuple(codes[u] for u in complained),
                               tuple(codes[u] for u in spread))
        audit(actor, clock, "visits.propose", None, planned_for=day.isoformat(),
              complained=list(result.complained), spread=list(result.spread), seed=seed)
    return result


def add_visit(unit_code: str, planned_for: date | None, actor: Staff, clock: Clock,
              settings: Settings) -> Visit:
    """Put one household on the list by hand (the supervisor's own choice)."""
    require_role(actor, PLAN_ROLES, "visits.edit")
    code = unit_code.strip()
    if not code:
        raise DeskError("visit.unit_needed", field="unit")
    day = _check_day(planned_for, clock, settings)
    with transaction():
        unit = Unit.get_or_none(Unit.code == code)
        if unit is None:
            raise DeskError("visit.unknown_unit", field="unit", unit=code)
        if unit.id in _listed_units():
            raise DeskError("visit.already_listed", field="unit", unit=code)
        visit = Visit.create(unit=unit, planned_for=day, reason="added")
        audit(actor, clock, "visits.add", visit, unit=code, planned_for=day.isoformat())
    return visit


def _open_visit(visit_id: int) -> Visit:
    visit = Visit.get_or_none(Visit.id == visit_id)
    if visit is None:
        raise DeskError("visit.unknown")
    if visit.visited_at is not None:
        raise DeskError("visit.already_visited", unit=visit.unit.code)
    return visit


def remove_visit(visit_id: int, actor: Staff, clock: Clock) -> None:
    """Take a household off the list (only before the visit: a record is never deleted)."""
    require_role(actor, PLAN_ROLES, "visits.edit")
    with transaction():
        visit = _open_visit(visit_id)
        code = visit.unit.code
        audit(actor, clock, "visits.remove", visit, unit=code, reason=visit.reason,
              planned_for=visit.planned_for.isoformat())
        visit.delete_instance()


def plan_visit(visit_id: int, planned_for: date | None, actor: Staff, clock: Clock,
               settings: Settings) -> None:
    """Set the day a listed household is to be visited."""
    require_role(actor, PLAN_ROLES, "visits.edit")
    day = _check_day(planned_for, clock, settings)
    with transaction():
        visit = _open_visit(visit_id)
        before = visit.planned_for
        if before == day:
            return
        visit.planned_for = day
        visit.save()
        audit(actor, clock, "visits.plan", visit, unit=visit.unit.code,
              planned_for=day.isoformat(), was=before.isoformat())


def findings_json(record: VisitRecord) -> str:
    """The findings as stored: the parts given, by name (read back by ``views.visits``)."""
    parts = {p: getattr(record, p).strip() for p in FINDING_PARTS if getattr(record, p).strip()}
    return json.dumps(parts, ensure_ascii=False) if parts else ""


def record_visit(visit_id: int, record: VisitRecord, actor: Staff, clock: Clock,
                 settings: Settings) -> Visit:
    """Record the visit made (KF-009 §3.2.4): when, by the actor, what was found."""
    require_role(actor, RECORD_ROLES, "visits.record")
    now = clock.now()
    if record.satisfaction not in VISIT_GRADES:
        raise DeskError("visit.satisfaction", field="satisfaction")
    visited_at = record.visited_at or now
    if visited_at > now:
        raise DeskError("visit.future", field="visited_at")
    for part in FINDING_PARTS:
        if len(getattr(record, part).strip()) > FINDING_MAX:
            raise DeskError("visit.too_long", field=part, limit=FINDING_MAX)
    with transaction():
        visit = _open_visit(visit_id)
        visit.visited_at = visited_at
        visit.by = actor
        visit.satisfaction = record.satisfaction
        visit.findings = findings_json(record)
        visit.to_manager = record.to_manager
        visit.save()
        audit(actor, clock, "visits.record", visit, unit=visit.unit.code,
              satisfaction=record.satisfaction, to_manager=record.to_manager)
    return visit
