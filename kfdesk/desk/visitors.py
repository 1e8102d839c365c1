"""KF-001 §5–6: the visitor log and renovation permits with their worker passes.

- KF-001 §6 外来人员管理: ``log_visitor`` (name, unit visited, purpose, in time, the last 4
  of the ID number) and ``visitor_left``. Only the last 4 characters of the ID are kept
  (KF-017 §4: the log is read at the gate; the full number is not needed there) — a full
  number typed by habit is cut to its last 4 before anything is stored.
- KF-001 §5 装修手续 / 装修出入证: ``issue_permit`` for a unit (company, foreman, permitted
  dates; one permit at a time per unit), ``issue_pass`` to a worker — refused when the pass
  would run past the permit's end, or the permit is closed or over — ``return_pass`` and
  ``close_permit`` (the work is finished; its passes stop being valid).

Passes about to expire are listed by ``kfdesk.views.registers.expiring_passes`` so the gate
can collect them; the window is ``registers.pass_expiring_days`` (3 days as shipped).

Each write validates first (a refusal changes nothing), runs in one transaction and appends an
audit event.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

from ..clock import Clock
from ..config import Settings
from ..ids import normalize_phone
from ..models import RenovationPermit, Staff, Visitor, WorkerPass
from ..views import office_day
from .base import DeskError, audit, require_role, transaction
from .lending import clean_text, counter_unit

# The gate (security) logs visitors too (KF-001 §6); permits are the desk's (KF-001 §5).
VISITOR_ROLES = ("clerk", "supervisor", "manager", "security")
PERMIT_ROLES = ("clerk", "supervisor", "manager")
NAME_MAX = 64
PURPOSE_MAX = 64
COMPANY_MAX = 64
_ID_TAIL = re.compile(r"^\d{3}[\dX]$")
_ID_FULL = re.compile(r"^(\d{17}[\dX]|\d{15})$")


def permit_ref(permit_id: int) -> str:
    """The permit's number: ``Z-000012`` (装修)."""
    return f"Z-{permit_id:06d}"


def pass_ref(pass_id: int) -> str:
    """The number on a worker's pass: ``G-000012`` (工人出入证)."""
    return f"G-{pass_id:06d}"


def expiring_days(settings: Settings) -> int:
    """How many days ahead a pass counts as expiring (registers.pass_expiring_days)."""
    return int(settings.get("registers.pass_expiring_days"))


def id_last4(text: str, field: str = "id_last4") -> str:
    """The last 4 of an ID number: ``002X`` as typed, or cut from a full 15/18-digit number
    (never kept whole); ``""`` when nothing was typed."""
    raw = re.sub(r"\s", "", unicodedata.normalize("NFKC", text or "")).upper()
    if not raw:
        return ""
    if _ID_TAIL.match(raw):
        return raw
    if _ID_FULL.match(raw):
        return raw[-4:]
    raise DeskError("visitor.bad_id_last4", field=field)


# ---- visitors --------------------------------------------------------------------------------


def log_visitor(name: str, unit_code: str, purpose: str, id_tail: str, actor: Staff,
                clock: Clock, settings: Settings, *, came_at: datetime | None = None) -> Visitor:
    """A visitor comes in (KF-001 §6): who, to which unit, why; in time now (or as typed)."""
    require_role(actor, VISITOR_ROLES, "visitor.log")
    who = clean_text(name, "name", NAME_MAX, required="visitor.name_needed")
    unit = counter_unit(unit_code)
    why = clean_text(purpose, "purpose", PURPOSE_MAX, required="visitor.purpose_needed")
    tail = id_last4(id_tail)
    now = clock.now()
    at = came_at or now
    if at > now:
        raise DeskError("visitor.future", field="came_at")
    with transaction():
        visitor = Visitor.create(name=who, unit=unit, purpose=why, id_last4=tail, came_at=at,
                                 logged_by=actor)
        audit(actor, clock, "visitor.log", visitor, name=who, unit=unit.code, purpose=why,
              id_last4=tail, came_at=at)
    return visitor


def visitor_left(visitor_id: int, actor: Staff, clock: Clock, settings: Settings, *,
                 left_at: datetime | None = None) -> Visitor:
    """The visitor leaves: out time now (or as typed, not before the in time)."""
    require_role(actor, VISITOR_ROLES, "visitor.left")
    now = clock.now()
    at = left_at or now
    with transaction():
        visitor = Visitor.get_or_none(Visitor.id == visitor_id)
        if visitor is None:
            raise DeskError("visitor.unknown")
        if visitor.left_at is not None:
            raise DeskError("visitor.already_left", name=visitor.name,
                            at=visitor.left_at.astimezone(settings.zone).strftime("%H:%M"))
        if at > now:
            raise DeskError("visitor.future", field="left_at")
        if at < visitor.came_at:
            raise DeskError("visitor.left_before_came", field="left_at")
        visitor.left_at = at
        visitor.save()
        audit(actor, clock, "visitor.left", visitor, name=visitor.name, left_at=at)
    return visitor


# ---- renovation permits and worker passes ----------------------------------------------------


def _dates(starts_on: object, ends_on: object) -> tuple[date, date]:
    if not isinstance(starts_on, date):
        raise DeskError("renovation.dates_needed", field="starts_on")
    if not isinstance(ends_on, date):
        raise DeskError("renovation.dates_needed", field="ends_on")
    if ends_on < starts_on:
        raise DeskError("renovation.ends_before_start", field="ends_on")
    return starts_on, ends_on


def issue_permit(unit_code: str, company: str, foreman: str, foreman_phone: str,
                 starts_on: date, ends_on: date, actor: Staff, clock: Clock,
                 settings: Settings) -> RenovationPermit:
    """KF-001 §5: a renovation permit for the unit, ``starts_on`` to ``ends_on`` inclusive.

    Refused while the unit has an open permit for any of those days (extend that one by
    closing it and issuing a new one), and for dates already over."""
    require_role(actor, PERMIT_ROLES, "renovation.permit")
    unit = counter_unit(unit_code)
    firm = clean_text(company, "company", COMPANY_MAX, required="renovation.company_needed")
    boss = clean_text(foreman, "foreman", NAME_MAX, required="renovation.foreman_needed")
    phone = ""
    if str(foreman_phone or "").strip():
        phone = normalize_phone(unicodedata.normalize("NFKC", foreman_phone))
        if not phone:
            raise DeskError("renovation.bad_phone", field="foreman_phone")
    start, end = _dates(starts_on, ends_on)
    today = office_day(clock.now(), settings.zone)
    if end < today:
        raise DeskError("renovation.ends_in_past", field="ends_on", ends=end.isoformat())
    with transaction():
        other = (RenovationPermit.select()
                 .where(RenovationPermit.unit == unit.id, RenovationPermit.closed_at.is_null(),
                        RenovationPermit.starts_on <= end, RenovationPermit.ends_on >= start)
                 .first())
        if other is not None:
            raise DeskError("renovation.permit_open", field="starts_on", unit=unit.code,
                            ref=permit_ref(other.id), starts=other.starts_on.isoformat(),
                            ends=other.ends_on.isoformat())
        permit = RenovationPermit.create(unit=unit, company=firm, foreman=boss,
                                         foreman_phone=phone, starts_on=start, ends_on=end,
                                         issued_at=clock.now(), issued_by=actor)
        audit(actor, clock, "renovation.permit", permit, ref=permit_ref(permit.id),
              unit=unit.code, company=firm, foreman=boss, starts_on=start, ends_on=end)
    return permit


def _open_permit(permit_id: int, today: date) -> RenovationPermit:
    permit = RenovationPermit.get_or_none(RenovationPermit.id == permit_id)
    if permit is None:
        raise DeskError("renovation.unknown", ref=permit_ref(permit_id))
    if permit.closed_at is not None:
        raise DeskError("renovation.closed", ref=permit_ref(permit.id))
    if permit.ends_on < today:
        raise DeskError("renovation.over", ref=permit_ref(permit.id),
                        ends=permit.ends_on.isoformat())
    return permit


def issue_pass(permit_id: int, name: str, id_tail: str, expires_on: date, actor: Staff,
               clock: Clock, settings: Settings) -> WorkerPass:
    """A worker's pass (装修出入证) valid until ``expires_on``, which must not be after the
    permit's end (KF-001 §5: a pass never outlives the permit it belongs to)."""
    require_role(actor, PERMIT_ROLES, "renovation.pass")
    who = clean_text(name, "name", NAME_MAX, required="renovation.worker_needed")
    tail = id_last4(id_tail)
    if not isinstance(expires_on, date):
        raise DeskError("renovation.expiry_needed", field="expires_on")
    today = office_day(clock.now(), settings.zone)
    with transaction():
        permit = _open_permit(permit_id, today)
        if expires_on > permit.ends_on:
            raise DeskError("renovation.pass_beyond_permit", field="expires_on",
                            expires=expires_on.isoformat(), ref=permit_ref(permit.id),
                            ends=permit.ends_on.isoformat())
        if expires_on < today:
            raise DeskError("renovation.pass_expired", field="expires_on",
                            expires=expires_on.isoformat())
        worker = WorkerPass.create(permit=permit, name=who, id_last4=tail,
                                   expires_on=expires_on, issued_at=clock.now(), issued_by=actor)
        audit(actor, clock, "renovation.pass", worker, ref=pass_ref(worker.id),
              permit=permit_ref(permit.id), name=who, id_last4=tail, expires_on=expires_on)
    return worker


def return_pass(pass_id: int, actor: Staff, clock: Clock, settings: Settings) -> WorkerPass:
    """The pass is handed back (or withdrawn at the gate): no longer valid."""
    require_role(actor, VISITOR_ROLES, "renovation.pass_return")
    with transaction():
        worker = WorkerPass.get_or_none(WorkerPass.id == pass_id)
        if worker is None:
            raise DeskError("renovation.unknown_pass", ref=pass_ref(pass_id))
        if worker.returned_at is not None:
            raise DeskError("renovation.pass_returned", ref=pass_ref(worker.id),
                            name=worker.name)
        worker.returned_at = clock.now()
        worker.save()
        audit(actor, clock, "renovation.pass_return", worker, ref=pass_ref(worker.id),
              name=worker.name)
    return worker


def close_permit(permit_id: int, actor: Staff, clock: Clock, settings: Settings) -> int:
    """The renovation is finished (or stopped): the permit closes and every pass of it not yet
    handed back stops being valid. Returns how many passes are still to be collected."""
    require_role(actor, PERMIT_ROLES, "renovation.close")
    with transaction():
        permit = RenovationPermit.get_or_none(RenovationPermit.id == permit_id)
        if permit is None:
            raise DeskError("renovation.unknown", ref=permit_ref(permit_id))
        if permit.closed_at is not None:
            raise DeskError("renovation.closed", ref=permit_ref(permit.id))
        permit.closed_at = clock.now()
        permit.closed_by = actor
        permit.save()
        out = (WorkerPass.select().where(WorkerPass.permit == permit.id,
                                         WorkerPass.returned_at.is_null()).count())
        audit(actor, clock, "renovation.close", permit, ref=permit_ref(permit.id),
              passes_out=out)
    return out
