"""Callbacks (回访): recording each try and each answer, and closing the loop on the ticket.

KF-009 §3.1.3: a callback asks about the technician's attitude, the work quality, the charges
and whether the procedure was followed, and (time permitting) overall satisfaction — each
answer is recorded, not just "done". §3.1.5: an in-person callback needs the resident's
signature. A try that does not reach the resident is kept as an attempt and the callback stays
due (its clock keeps running). KF-010 §4.5 / KF-012: satisfied → the ticket is closed out;
not satisfied → it reopens for rework or further explanation with a new clock
(``tickets.apply_verdict``). KF-017 §3: any callback may confirm the resident's contact
details, which restarts their re-verification clock.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..clock import Clock
from ..config import Settings
from ..models import Callback, CallbackAttempt, Occupancy, Person, Staff, Ticket, WorkOrder
from ..rules.context import RuleContext
from ..rules.sync import sync_callback, sync_people
from .base import DeskError, Tr, audit, require_role, transaction
from .tickets import DESK_ROLES, IntakeForm, apply_verdict, take_ticket

METHODS = ("phone", "in_person")
GRADES = ("good", "fair", "poor")  # KF-009 §3.1.3 answers
MAX_REMARKS = 1000


@dataclass
class CallbackForm:
    """What the clerk recorded for one try."""

    method: str = "phone"
    reached: bool = True
    attitude: str | None = None  # the technician's attitude (repairs)
    quality: str | None = None  # the work quality (repairs)
    charges: str | None = None  # whether the charges were right (repairs)
    procedure_followed: bool | None = None  # the technician followed the procedure (repairs)
    satisfied: bool | None = None  # overall: satisfied / not satisfied
    remarks: str = ""
    signed: bool = False  # KF-009 §3.1.5: in person, the resident signed the record
    contact_confirmed: bool = False  # KF-017 §3: the contact details were checked
    technician: str = ""  # not satisfied with a repair: who does the rework (default: same)
    # KF-009 §3.1.4: the resident reports the repaired fault is still defective — a complaint
    # is recorded against the repair, with its 24-hour rework and special callback clocks.
    defect: bool = False


def _ticket_of(cb: Callback) -> Ticket | None:
    if cb.ticket_id is not None:
        return cb.ticket
    if cb.work_order_id is not None and cb.work_order.ticket_id is not None:
        return cb.work_order.ticket
    return None


def _is_repair(cb: Callback) -> bool:
    return cb.kind == "repair" or (cb.work_order_id is not None)


def _check(cb: Callback, form: CallbackForm) -> str:
    if form.method not in METHODS:
        raise DeskError("callback.method", field="method")
    remarks = form.remarks.strip()
    if len(remarks) > MAX_REMARKS:
        raise DeskError("callback.remarks_long", field="remarks", limit=MAX_REMARKS)
    if not form.reached:
        return remarks
    if form.method == "in_person" and not form.signed:  # KF-009 §3.1.5
        raise DeskError("callback.unsigned", field="signed")
    if _is_repair(cb):  # KF-009 §3.1.3: every answer, not just "done"
        for name in ("attitude", "quality", "charges"):
            if getattr(form, name) not in GRADES:
                raise DeskError("callback.answer_needed", field=name,
                                question=Tr(f"callback.question.{name}"))
        if form.procedure_followed is None:
            raise DeskError("callback.answer_needed", field="procedure",
                            question=Tr("callback.question.procedure"))
    if form.satisfied is None:
        raise DeskError("callback.answer_needed", field="satisfied",
                        question=Tr("callback.question.satisfied"))
    if not form.satisfied and not remarks:
        raise DeskError("callback.why_unsatisfied", field="remarks")
    if form.defect and (form.satisfied or not _is_repair(cb)):
        raise DeskError("callback.defect_needs_unsatisfied", field="defect")
    return remarks


def _resident(cb: Callback, ticket: Ticket | None) -> Person | None:
    """Whom the callback reached: the ticket's caller, else the unit's first owner."""
    if ticket is not None and ticket.person_id is not None:
        return ticket.person
    unit_id = cb.unit_id or (ticket.unit_id if ticket else None)
    if unit_id is None:
        return None
    occ = (Occupancy.select().where((Occupancy.unit == unit_id) & Occupancy.ended_on.is_null())
           .order_by(Occupancy.role != "owner", Occupancy.id).first())
    return occ.person if occ else None


def record_callback(callback_id: int, form: CallbackForm, actor: Staff, clock: Clock,
                    settings: Settings) -> str:
    """Record one try; returns what became of it: "retry" (not reached, still due),
    "closed" (satisfied, ticket closed out), "reopened" (not satisfied), "done" (no ticket
    to close, e.g. a sampled work order from a fault notice)."""
    require_role(actor, DESK_ROLES, "callback.record")
    now = clock.now()
    with transaction():
        cb = Callback.get_or_none(Callback.id == callback_id)
        if cb is None:
            raise DeskError("callback.unknown", id=callback_id)
        if cb.done_at is not None:
            raise DeskError("callback.done_already",
                            at=cb.done_at.astimezone(settings.zone).strftime("%Y-%m-%d %H:%M"))
        remarks = _check(cb, form)
        ticket = _ticket_of(cb)
        CallbackAttempt.create(callback=cb, at=now, staff=actor, method=form.method,
                               reached=form.reached, note=remarks)
        ctx = RuleContext.from_store(settings)
        if not form.reached:
            audit(actor, clock, "callback.attempt", cb, method=form.method, note=remarks)
            return "retry"
        cb.method = form.method
        cb.satisfaction = "satisfied" if form.satisfied else "unsatisfied"
        cb.remarks = remarks
        cb.signed = form.signed if form.method == "in_person" else False
        if _is_repair(cb):
            cb.attitude, cb.quality, cb.charges = form.attitude, form.quality, form.charges
            cb.procedure_followed = form.procedure_followed
        cb.done_at = now
        cb.save()
        sync_callback(cb, ctx)
        audit(actor, clock, "callback.done", cb, method=form.method,
              satisfaction=cb.satisfaction, attitude=cb.attitude, quality=cb.quality,
              charges=cb.charges, procedure_followed=cb.procedure_followed,
              signed=cb.signed, ticket=ticket.number if ticket else "")
        if form.contact_confirmed:
            person = _resident(cb, ticket)
            if person is not None:
                _confirm(person, actor, clock, ctx, via=f"callback #{cb.id}")
        outcome = "done"
        if ticket is not None and ticket.state in ("callback", "completed") \
                and cb.kind != "defect":
            apply_verdict(ticket, bool(form.satisfied), remarks, actor, clock, settings,
                          technician=form.technician)
            outcome = "closed" if form.satisfied else "reopened"
        if form.defect and ticket is not None:
            # KF-009 §3.1.4: record the complaint; engineering owes a special callback and
            # the rework within 24 hours (clocks started by the complaint's intake).
            take_ticket(IntakeForm(
                channel="phone" if form.method == "phone" else "walk_in", kind="complaint",
                category=ticket.category, validity="valid", text=remarks,
                unit_code=ticket.unit.code if ticket.unit_id else "",
                person_id=ticket.person_id, caller_name=ticket.caller_name,
                defect_of=ticket.number), actor, clock, settings)
            outcome = "defect"
        elif ticket is not None and not form.satisfied and cb.kind == "defect":
            outcome = "done"  # the defect complaint itself carries the rework (KF-009 §3.1.4)
        if cb.work_order_id is not None and ticket is None:
            order = WorkOrder.get_by_id(cb.work_order_id)
            order.inspection = "pass" if form.satisfied else "fail"
            order.save()
        return outcome


def _confirm(person: Person, actor: Staff, clock: Clock, ctx: RuleContext, via: str) -> None:
    person.contact_verified_at = clock.now()
    person.save()
    sync_people([person], ctx)
    audit(actor, clock, "person.contact_confirmed", person, via=via)


def confirm_contact(person_id: int, actor: Staff, clock: Clock, settings: Settings,
                    via: str = "counter") -> None:
    """KF-017 §3.2–3.3: the clerk checked the person's phone and address with them (at the
    counter, on a call, on a visit); the next check falls due a month / half a month on."""
    require_role(actor, DESK_ROLES, "person.confirm_contact")
    with transaction():
        person = Person.get_or_none(Person.id == person_id)
        if person is None:
            raise DeskError("callback.unknown_person", id=person_id)
        _confirm(person, actor, clock, RuleContext.from_store(settings), via)
