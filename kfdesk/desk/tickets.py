"""Tickets at the desk: intake, dispatch, escalation, work orders, completion, verdict, close-out.

RULES §1 and KF-011/KF-012. Every step is one function that checks the ticket is in a state
where the step makes sense (KF-008: nothing closes without passing the desk), refuses with a
``DeskError`` saying what is missing, and otherwise writes the step in one transaction: the
ticket, its history (``TicketLog``), the audit event naming the actor, and its clocks
(``rules.sync``). Screens pass ticket numbers, not models, and may pass the ``version`` they
showed, so a clerk acting on a ticket another counter has just changed is told so.

The ticket's life (``TICKET_STATES``):

- ``new`` → dispatched to departments (valid complaints, repairs, help requests), or explained
  (invalid, other: KF-010 §4.4.2 — RULES v2: the explanation ends its handling and the §4.5
  callback follows, state ``callback``), or a work contact form sent to the developer (§4.4.1),
  or answered and closed out at once (inquiries, visits, suggestions).
- A repair under warranty (保修, KF-011, RULES v2): dispatched to engineering, which fills an
  engineering issue contact form (工程问题工作联系单) to the warranty contractor
  (``send_warranty_form``) instead of a work order; the contractor's completion comes back as
  any completion (``record_completion``), then the inspection and the repair callback.
- A defect complaint (KF-009 §3.1.4, RULES v2): engineering's supervisor arranges the rework
  and the special callback within 24 hours (``arrange_rework``: a rework order to a technician
  with a time, the callback scheduled); the rework then runs like any work order.
- ``dispatched`` → ``in_progress`` when a work order is opened (KF-011), → ``callback`` when the
  department reports completion: handling has ended and the resident is to be called back
  (KF-010 §4.5, KF-009 §3.1.1 — the callback clock starts).
- ``callback`` → the resident's verdict: satisfied / inspection passed → ``closed`` (封闭消项);
  not satisfied / failed → back to work: a rework order for repairs (every loop kept, KF-011),
  further handling for complaints (KF-012).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from decimal import Decimal
from typing import NamedTuple

from ..clock import Clock
from ..config import Settings, default_settings
from ..i18n import has
from ..ids import normalize_phone
from ..models import (
    Callback,
    Charge,
    Dispatch,
    Occupancy,
    Person,
    Staff,
    Ticket,
    TicketLog,
    Unit,
    WorkOrder,
)
from ..models.tickets import CATEGORIES, CHANNELS, DEPARTMENTS, KINDS, REPAIR_CLASSES, VALIDITY
from ..money import fmt
from ..rules.context import RuleContext
from ..rules.sync import sync_callback, sync_ticket, ticket_wants
from .base import DeskError, Tr, audit, require_role, transaction
from .inputs import amount_in, instant_in, text_in
from .numbers import next_number
from .receipts import MAX_AMOUNT_FEN

INTAKE_ROLES = ("clerk", "cashier", "supervisor", "manager")  # whoever first receives it
DESK_ROLES = ("clerk", "supervisor", "manager")
# Departments a ticket is dispatched to; the developer gets a work contact form instead.
DISPATCH_DEPARTMENTS = tuple(d for d in DEPARTMENTS if d != "developer")
# Kinds the desk answers itself and closes out at once (no department, no clock).
ANSWERED_KINDS = ("inquiry", "visit", "suggestion")
MAX_TEXT = 2000


@dataclass
class IntakeForm:
    """What the clerk typed on the intake form (F2), before it is checked."""

    channel: str = "phone"
    kind: str = ""
    category: str = ""
    text: str = ""
    unit_code: str = ""
    person_id: int | None = None
    caller_name: str = ""
    phone: str = ""
    forwarded_from: str = ""
    forwarded_received_at: datetime | None = None
    validity: str | None = None  # complaints (KF-010 §4.2)
    repair_class: str | None = None  # repairs (KF-011)
    price_code: str = ""  # paid repairs: a line of the repair price list
    quoted: str = ""  # paid repairs: the amount told to the resident, in yuan
    defect_of: str = ""  # KF-009 §3.1.4: the repair ticket whose fix is still defective


class Promise(NamedTuple):
    """A clock the ticket starts (or will start), for the form and the clerk's promise."""

    clock: str
    due_at: datetime | None  # None: starts later (e.g. after the work order returns)
    provisional: bool = False
    limit: int = 0


class Taken(NamedTuple):
    number: str
    promises: list[Promise]


# --- intake --------------------------------------------------------------------------------


def _price_line(settings: Settings, code: str) -> dict | None:
    return next((p for p in settings.data["repair_prices"] if p["code"] == code), None)


# The form's text fields, each with the form field its refusal points at.
_FORM_TEXT = {"channel": "channel", "kind": "kind", "category": "category", "text": "text",
              "unit_code": "unit", "caller_name": "caller", "phone": "phone",
              "forwarded_from": "forwarded_from", "price_code": "price", "quoted": "price",
              "defect_of": "defect_of"}


def _typed(form: IntakeForm) -> IntakeForm:
    """The form with text where text belongs (None as empty), an aware forwarding time and a
    person id that fits the store — a script's form is not always the screen's."""
    person_id = form.person_id
    if person_id is not None and (isinstance(person_id, bool) or not isinstance(person_id, int)
                                  or not 0 < person_id < 2**63):
        raise DeskError("intake.person_not_of_unit", field="caller")
    return replace(form, **{name: text_in(getattr(form, name), field)
                            for name, field in _FORM_TEXT.items()},
                   forwarded_received_at=instant_in(form.forwarded_received_at, "forwarded_at"))


def _checked(form: IntakeForm, now: datetime, settings: Settings) -> Ticket:
    """The ticket the form describes (unsaved), or the first thing wrong with it."""
    form = _typed(form)
    if form.channel not in CHANNELS:
        raise DeskError("intake.channel", field="channel")
    forwarded_from, forwarded_at = "", None
    if form.channel == "forwarded":  # KF-010 §4.1.1
        if form.forwarded_from not in DISPATCH_DEPARTMENTS:
            raise DeskError("intake.forwarded_from", field="forwarded_from")
        if form.forwarded_received_at is None:
            raise DeskError("intake.forwarded_at", field="forwarded_at")
        if form.forwarded_received_at > now:
            raise DeskError("intake.forwarded_future", field="forwarded_at")
        forwarded_from, forwarded_at = form.forwarded_from, form.forwarded_received_at
    if form.kind not in KINDS:
        raise DeskError("intake.kind", field="kind")
    if form.category not in CATEGORIES:
        raise DeskError("intake.category", field="category")
    unit = None
    if form.unit_code.strip():
        unit = Unit.get_or_none(Unit.code == form.unit_code.strip())
        if unit is None:
            raise DeskError("intake.unknown_unit", field="unit", unit=form.unit_code.strip())
    person = None
    caller = form.caller_name.strip()
    if form.person_id is not None:
        person = Person.get_or_none(Person.id == form.person_id)
        if person is None or (unit is not None and not Occupancy.select().where(
                (Occupancy.person == person) & (Occupancy.unit == unit)).exists()):
            raise DeskError("intake.person_not_of_unit", field="caller")
        caller = person.name
    phone = ""
    if form.phone.strip():
        phone = normalize_phone(form.phone)
        if not phone:
            raise DeskError("intake.phone", field="phone", phone=form.phone.strip())
    elif person is not None:
        phone = person.phone
    validity = form.validity or None
    if form.kind == "complaint":
        if validity not in VALIDITY:
            raise DeskError("intake.validity", field="validity")
    else:
        validity = None
    repair_class = form.repair_class or None
    price_code, quoted_fen = "", 0
    if form.kind == "repair":
        if repair_class not in REPAIR_CLASSES:
            raise DeskError("intake.repair_class", field="repair_class")
        if repair_class == "paid":  # KF-015 §6.2.1: the price is told before the work
            price_code = form.price_code.strip()
            line = _price_line(settings, price_code) if price_code else None
            if price_code and line is None:
                raise DeskError("intake.price_code", field="price", code=price_code)
            text = form.quoted.strip() or (line["price"] if line else "")
            if not text:
                raise DeskError("intake.quoted", field="price", amount="0")
            # The one reading of a typed amount (issue 17): 1e9 or 12.345 are refused here as
            # at the cashier, with the same words.
            quoted_fen = amount_in(text, "price", max_fen=MAX_AMOUNT_FEN)
    else:
        repair_class = None
    defect_of = None
    if form.defect_of.strip():
        if form.kind != "complaint":
            raise DeskError("intake.defect_not_complaint", field="defect_of")
        defect_of = Ticket.get_or_none(Ticket.number == form.defect_of.strip().upper())
        if defect_of is None or defect_of.kind != "repair":
            raise DeskError("intake.defect_of", field="defect_of",
                            number=form.defect_of.strip())
    text = form.text.strip()
    if not text:
        raise DeskError("intake.text", field="text")
    if len(text) > MAX_TEXT:
        raise DeskError("intake.text_long", field="text", limit=MAX_TEXT)
    return Ticket(
        number="", received_at=now, channel=form.channel, forwarded_from=forwarded_from,
        forwarded_received_at=forwarded_at, unit=unit, person=person, caller_name=caller,
        phone=phone, kind=form.kind, category=form.category, text=text, validity=validity,
        repair_class=repair_class, price_code=price_code, quoted_fen=quoted_fen, state="new",
        defect_of=defect_of, updated_at=now,
    )


def _promises(ticket: Ticket, ctx: RuleContext) -> list[Promise]:
    """The clocks intake starts, then those that start later in the ticket's life."""
    out = [Promise(w.clock, w.due_at, w.provisional)
           for w in ticket_wants(ticket, ctx) if w.stopped_at is None]
    c = ctx.settings.clocks
    if ticket.kind == "repair":
        out.append(Promise("repair_callback", None, limit=c["repair_callback_working_days"]))
    elif ticket.validity in ("valid", "invalid_other"):
        # KF-010 §4.5 (RULES v2): every complaint the desk accepted, an invalid one too.
        out.append(Promise("complaint_callback", None, limit=c["complaint_callback_days"]))
    elif ticket.validity == "invalid_developer":
        # KF-010 §4.4.1 (RULES v2): 3 working days from intake, like the form.
        due = ctx.calendar.add_working_days(_judged_at(ticket),
                                            c["developer_callback_working_days"])
        out.append(Promise("developer_callback", due.at, due.provisional))
    return out


def _judged_at(ticket: Ticket) -> datetime:
    """When the ticket's path was judged: intake, or the correction that changed it (KF-012
    v2, ``Ticket.clocks_from``)."""
    return ticket.clocks_from or ticket.received_at


def preview(form: IntakeForm, clock: Clock, settings: Settings) -> list[Promise]:
    """What saving the form would start, with due times (shown on the form before saving)."""
    ticket = _checked(form, clock.now(), settings)
    ticket.owner_id = 0
    return _promises(ticket, RuleContext.from_store(settings))


def take_ticket(form: IntakeForm, actor: Staff, clock: Clock, settings: Settings) -> Taken:
    """Record a ticket; the clerk who took it owns it (KF-006 §1, KF-010 §4.1.2)."""
    require_role(actor, INTAKE_ROLES, "ticket.create")
    now = clock.now()
    ticket = _checked(form, now, settings)
    ctx = RuleContext.from_store(settings)
    with transaction(immediate=True):
        ticket.number = next_number(Ticket)
        ticket.owner = actor
        ticket.save(force_insert=True)
        TicketLog.create(ticket=ticket, at=now, staff=actor, step="received",
                         note=ticket.forwarded_from if ticket.channel == "forwarded" else "")
        audit(actor, clock, "ticket.take", ticket, number=ticket.number, kind=ticket.kind,
              category=ticket.category, channel=ticket.channel,
              unit=ticket.unit.code if ticket.unit else "")
        # KF-009 §3.1.4 (RULES v2): a defect complaint's 24 hours are engineering's, to
        # arrange the rework and the special callback (``arrange_rework``).
        sync_ticket(ticket, ctx)
    return Taken(ticket.number, _promises(ticket, ctx))


# --- one ticket, one step ------------------------------------------------------------------


class TicketChanged(DeskError):
    """Another counter changed the ticket since this one showed it: who, and when (office
    time), so the clerk knows what to look at after reloading (issue 9, edit conflicts)."""


def _load(number: str, version: int | None, zone: tzinfo | None = None) -> Ticket:
    """The ticket to change, in the caller's transaction; with ``version`` (what the screen
    showed) a ticket changed since is refused with ``TicketChanged``."""
    claimed = 1
    if version is not None:
        # Compare and claim in one statement, before anything is read: PostgreSQL locks the
        # row (a second counter's claim waits, then finds the new version and matches
        # nothing) and SQLite takes its write lock, so two counters confirming the same
        # version at the same instant cannot both pass the check.
        claimed = (Ticket.update(version=Ticket.version)
                   .where((Ticket.number == number) & (Ticket.version == version)).execute())
    ticket = Ticket.get_or_none(Ticket.number == number)
    if ticket is None:
        raise DeskError("ticket.unknown", number=number)
    if version is not None and not claimed:
        raise _changed(ticket, zone)
    return ticket


def _changed(ticket: Ticket, zone: tzinfo | None) -> TicketChanged:
    """The refusal naming the last change: the newest line of the ticket's history (every
    step, hold and resume writes one with its clerk and time)."""
    last = (TicketLog.select().where(TicketLog.ticket == ticket)
            .order_by(TicketLog.id.desc()).first())
    if last is None:  # never without a history; said plainly all the same
        return TicketChanged("conflict.ticket_changed_unknown", number=ticket.number)
    # A caller without settings (hold, resume from a script): the shipped office zone.
    zone = zone or default_settings().zone
    step = f"conflict.step.{last.step}"
    return TicketChanged("conflict.ticket_changed", number=ticket.number,
                         who=last.staff.name,
                         at=last.at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                         step=Tr(step) if has(step) else last.step)


def _open(ticket: Ticket) -> None:
    if ticket.state == "closed":
        raise DeskError("ticket.closed", number=ticket.number)
    if ticket.state == "voided":  # KF-012 v2: kept, shown void, never acted on again
        raise DeskError("ticket.voided", number=ticket.number)


def _step(ticket: Ticket, actor: Staff, clock: Clock, step: str, note: str = "",
          **detail: object) -> None:
    """The common end of every step: version, history, audit trail."""
    now = clock.now()
    ticket.version += 1
    ticket.updated_at = now
    ticket.save()
    TicketLog.create(ticket=ticket, at=now, staff=actor, step=step, note=note)
    audit(actor, clock, f"ticket.{step}", ticket, number=ticket.number, **detail)


def _ctx(settings: Settings) -> RuleContext:
    return RuleContext.from_store(settings)


def _needs_dispatch(ticket: Ticket) -> bool:
    return ticket.kind in ("complaint", "repair", "help") and ticket.validity in (None, "valid")


def dispatch_ticket(number: str, departments: list[str], actor: Staff, clock: Clock,
                    settings: Settings, *, version: int | None = None) -> None:
    """Send the ticket to one or more departments (KF-010 §4.1.2, §4.3.1).

    Two or more departments make it supervisor-coordinated (KF-010 §4.3.2): the ticket is
    flagged and the supervisor sees it in the queue and the day summary.
    """
    require_role(actor, DESK_ROLES, "ticket.dispatch")
    if not departments:
        raise DeskError("dispatch.no_department", field="department")
    for d in departments:
        if d not in DISPATCH_DEPARTMENTS:
            raise DeskError("dispatch.bad_department", field="department", department=d)
    if len(set(departments)) != len(departments):
        raise DeskError("dispatch.twice_in_one", field="department")
    now = clock.now()
    with transaction():
        ticket = _load(number, version, settings.zone)
        _open(ticket)
        if ticket.validity == "invalid_developer":
            raise DeskError("dispatch.developer", number=number)
        if ticket.validity == "invalid_other":
            raise DeskError("dispatch.invalid", number=number)
        if ticket.kind in ANSWERED_KINDS:
            raise DeskError("dispatch.answered_kind", number=number,
                            kind=Tr(f"kind.{ticket.kind}"))
        if ticket.state == "callback":
            raise DeskError("dispatch.after_completion", number=number)
        already = {d.department for d in ticket.dispatches}
        for d in departments:
            if d in already:
                raise DeskError("dispatch.twice", field="department", number=number,
                                department=Tr(f"department.{d}"))
        for d in departments:
            Dispatch.create(ticket=ticket, department=d, dispatched_at=now, by=actor)
        if ticket.dispatched_at is None:
            ticket.dispatched_at = now
            ticket.department = departments[0]
        if ticket.state == "new":
            ticket.state = "dispatched"
        coordinated = len(already) + len(departments) >= 2
        became_coordinated = coordinated and not ticket.coordinated
        ticket.coordinated = ticket.coordinated or coordinated
        _step(ticket, actor, clock, "dispatched", ",".join(departments),
              departments=departments)
        if became_coordinated:
            TicketLog.create(ticket=ticket, at=now, staff=actor, step="coordinated",
                             note=",".join(sorted(already | set(departments))))
        sync_ticket(ticket, _ctx(settings))


def explain_invalid(number: str, note: str, actor: Staff, clock: Clock, settings: Settings,
                    *, version: int | None = None) -> None:
    """KF-010 §4.4.2: the complainant was told why it is outside the office's scope.

    RULES v2 (KF-010 §4.5): the explanation ends the desk's handling, and like every complaint
    the desk accepted it is called back within 3 days before it is closed out — the callback
    list's record (or F3 ``v``) closes it. A complainant still not satisfied reopens it
    (KF-012); the further explanation is recorded the same way and owes a new callback; the
    2-hour clock keeps the first explanation."""
    require_role(actor, DESK_ROLES, "ticket.explain")
    note = note.strip()
    if not note:
        raise DeskError("explain.note_needed", field="note")
    with transaction():
        ticket = _load(number, version, settings.zone)
        _open(ticket)
        if ticket.validity != "invalid_other":
            raise DeskError("explain.not_invalid", number=number)
        if ticket.state != "new":  # explained, its callback owed (reopened: "new" again)
            raise DeskError("explain.already", number=number)
        now = clock.now()
        ticket.explained_at = ticket.explained_at or now
        ticket.handling_ended_at = now
        ticket.state = "callback"
        _step(ticket, actor, clock, "explained", note)
        ctx = _ctx(settings)
        sync_ticket(ticket, ctx)
        cb = Callback.create(kind="complaint", ticket=ticket, unit=ticket.unit,
                             owner=ticket.owner, clock_started_at=now)
        sync_callback(cb, ctx)


def send_contact_form(number: str, form_no: str, actor: Staff, clock: Clock,
                      settings: Settings, *, version: int | None = None) -> None:
    """KF-010 §4.4.1: the work contact form (工作联系单) went to the developer; the resident is
    to be called back within 3 working days of **intake** (RULES v2: both limits count from
    receipt of the complaint — or from the correction that made it a developer issue)."""
    require_role(actor, DESK_ROLES, "ticket.contact_form")
    form_no = form_no.strip()
    if not form_no:
        raise DeskError("contact_form.number_needed", field="form_no")
    now = clock.now()
    with transaction():
        ticket = _load(number, version, settings.zone)
        _open(ticket)
        if ticket.validity != "invalid_developer":
            raise DeskError("contact_form.not_developer", number=number)
        if ticket.contact_form_sent_at is not None:
            raise DeskError("contact_form.already", number=number, form_no=ticket.contact_form_no)
        ticket.contact_form_no = form_no
        ticket.contact_form_sent_at = now
        ticket.department = "developer"
        ticket.state = "dispatched"
        Dispatch.create(ticket=ticket, department="developer", dispatched_at=now, by=actor)
        _step(ticket, actor, clock, "contact_form", form_no, form_no=form_no)
        ctx = _ctx(settings)
        sync_ticket(ticket, ctx)
        cb = Callback.create(kind="developer", ticket=ticket, unit=ticket.unit,
                             owner=ticket.owner, clock_started_at=_judged_at(ticket))
        sync_callback(cb, ctx)


def send_warranty_form(number: str, form_no: str, contractor: str, actor: Staff, clock: Clock,
                       settings: Settings, *, version: int | None = None) -> None:
    """KF-011 (RULES v2): a repair under warranty (保修) — engineering fills an engineering
    issue contact form (工程问题工作联系单) to the warranty contractor (维保单位), tracked like
    the developer's form: sent (here, its number and the contractor), the contractor's
    answer and the work done (``record_completion``), then inspection and callback.

    **Reading:** the procedures give the form no limit of its own; the desk's clock is the
    repair's 1-hour dispatch to engineering (KF-010 §4.1.2), stopped when it was dispatched,
    and the repair callback (KF-009 §3.1.1) runs from the completion as for a work order."""
    require_role(actor, DESK_ROLES, "ticket.warranty_form")
    form_no = " ".join((form_no or "").split())
    contractor = " ".join((contractor or "").split())
    if not form_no:
        raise DeskError("contact_form.number_needed", field="form_no")
    if not contractor:
        raise DeskError("warranty.contractor_needed", field="contractor")
    if len(form_no) > 24:
        raise DeskError("warranty.form_no_long", field="form_no", limit=24)
    with transaction():
        ticket = _load(number, version, settings.zone)
        _open(ticket)
        if ticket.kind != "repair" or ticket.repair_class != "warranty":
            raise DeskError("warranty.not_warranty", number=number)
        if ticket.contact_form_sent_at is not None:
            raise DeskError("contact_form.already", number=number,
                            form_no=ticket.contact_form_no)
        if ticket.dispatched_at is None or "engineering" not in {
                d.department for d in ticket.dispatches}:
            raise DeskError("warranty.not_dispatched", number=number)
        if ticket.state not in ("dispatched", "in_progress"):
            raise DeskError("work_order.after_completion", number=number)
        ticket.contact_form_no = form_no
        ticket.contact_form_sent_at = clock.now()
        ticket.state = "in_progress"
        _step(ticket, actor, clock, "warranty_form", f"{form_no} → {contractor}",
              form_no=form_no, contractor=contractor)
        sync_ticket(ticket, _ctx(settings))


# --- major complaints (KF-010 §4.3.3, §4.4.3) ----------------------------------------------


def escalate(number: str, reason: str, actor: Staff, clock: Clock, settings: Settings,
             *, version: int | None = None) -> None:
    """A complaint the first-contact clerk cannot resolve, or one that harms the office's
    image, goes to the supervisor."""
    require_role(actor, DESK_ROLES, "ticket.escalate")
    reason = reason.strip()
    if not reason:
        raise DeskError("escalate.reason_needed", field="note")
    with transaction():
        ticket = _load(number, version, settings.zone)
        _open(ticket)
        if ticket.kind != "complaint" or ticket.validity != "valid":
            raise DeskError("escalate.not_complaint", number=number)
        if ticket.escalation is not None:
            raise DeskError("escalate.already", number=number,
                            state=Tr(f"escalation.{ticket.escalation}"))
        ticket.escalation = "escalated"
        _step(ticket, actor, clock, "escalated", reason)


def propose_handling(number: str, proposal: str, actor: Staff, clock: Clock,
                     settings: Settings, *, version: int | None = None) -> None:
    """The supervisor confirms the escalation and writes the proposed handling."""
    require_role(actor, ("supervisor",), "ticket.propose")
    proposal = proposal.strip()
    if not proposal:
        raise DeskError("escalate.proposal_needed", field="note")
    with transaction():
        ticket = _load(number, version, settings.zone)
        _open(ticket)
        if ticket.escalation not in ("escalated", "rejected"):
            raise DeskError("escalate.not_escalated", number=number)
        ticket.escalation = "proposed"
        ticket.escalation_proposal = proposal
        _step(ticket, actor, clock, "proposed", proposal)


def decide_handling(number: str, approve: bool, note: str, actor: Staff, clock: Clock,
                    settings: Settings, *, version: int | None = None) -> None:
    """The manager approves the proposal, or rejects it (the supervisor writes another)."""
    require_role(actor, ("manager",), "ticket.decide")
    note = note.strip()
    if not approve and not note:
        raise DeskError("escalate.reject_reason", field="note")
    with transaction():
        ticket = _load(number, version, settings.zone)
        _open(ticket)
        if ticket.escalation != "proposed":
            raise DeskError("escalate.no_proposal", number=number)
        ticket.escalation = "approved" if approve else "rejected"
        _step(ticket, actor, clock, ticket.escalation, note)


# --- work orders, completion, verdict ------------------------------------------------------


def _open_order(ticket: Ticket) -> WorkOrder | None:
    return (WorkOrder.select().where((WorkOrder.ticket == ticket)
                                     & WorkOrder.completed_at.is_null())
            .order_by(WorkOrder.id.desc()).first())


def _last_order(ticket: Ticket) -> WorkOrder | None:
    return (WorkOrder.select().where(WorkOrder.ticket == ticket)
            .order_by(WorkOrder.id.desc()).first())


def open_work_order(number: str, technician: str, actor: Staff, clock: Clock,
                    settings: Settings, *, version: int | None = None) -> str:
    """Engineering's order to a technician (派工单, KF-011); returns its number.

    A paid repair carries the quote to the order, which the resident signs (KF-015 §6.2.1).
    """
    require_role(actor, DESK_ROLES, "ticket.work_order")
    technician = technician.strip()
    if not technician:
        raise DeskError("work_order.technician_needed", field="technician")
    now = clock.now()
    with transaction():
        ticket = _load(number, version, settings.zone)
        _open(ticket)
        if ticket.dispatched_at is None or ticket.department == "developer":
            raise DeskError("work_order.not_dispatched", number=number)
        if ticket.defect_of_id is not None and ticket.arranged_at is None:
            # KF-009 §3.1.4 (RULES v2): the rework order is part of engineering's arrangement.
            raise DeskError("arrange.first", number=number)
        if ticket.repair_class == "warranty":
            # KF-011 (RULES v2): a warranty repair goes to the contractor on a contact form.
            raise DeskError("warranty.no_work_order", number=number)
        if ticket.state == "callback":
            raise DeskError("work_order.after_completion", number=number)
        current = _open_order(ticket)
        if current is not None:
            raise DeskError("work_order.open", number=number, order=current.number)
        order = WorkOrder.create(
            number=next_number(WorkOrder), ticket=ticket, department=ticket.department,
            technician=technician, opened_at=now, in_home=ticket.unit_id is not None,
            paid=ticket.repair_class == "paid", amount_fen=ticket.quoted_fen,
        )
        ticket.state = "in_progress"
        _step(ticket, actor, clock, "work_order", f"{order.number} {technician}",
              work_order=order.number)
        audit(actor, clock, "work_order.open", order, number=order.number, ticket=number)
    return order.number


def arrange_rework(number: str, arranged_by: str, technician: str, rework_at: datetime,
                   callback_at: datetime, actor: Staff, clock: Clock, settings: Settings, *,
                   version: int | None = None) -> str:
    """KF-009 §3.1.4 (RULES v2): the engineering supervisor's arrangement for a defect
    complaint, as the desk records it — the rework order assigned to a technician for a time,
    and the special callback scheduled. It stops the 24-hour ``defect_arrange`` clock (owned
    by engineering); finishing the rework has no limit, and the callback after it is the
    complaint's own (KF-010 §4.5). The ticket must have been reported to engineering
    (dispatched). The rework order points at the repair's last order and counts as a rework of
    that repair (KF-011 quality figure). Returns the order's number."""
    require_role(actor, DESK_ROLES, "ticket.arrange")
    arranged_by = " ".join((arranged_by or "").split())
    technician = " ".join((technician or "").split())
    if not arranged_by:
        raise DeskError("arrange.by_needed", field="arranged_by")
    if not technician:
        raise DeskError("work_order.technician_needed", field="technician")
    rework_at = instant_in(rework_at, "rework_at")
    callback_at = instant_in(callback_at, "callback_at")
    if rework_at is None:
        raise DeskError("arrange.rework_at_needed", field="rework_at")
    if callback_at is None:
        raise DeskError("arrange.callback_at_needed", field="callback_at")
    now = clock.now()
    with transaction():
        ticket = _load(number, version, settings.zone)
        _open(ticket)
        if ticket.defect_of_id is None:
            raise DeskError("arrange.not_defect", number=number)
        if ticket.arranged_at is not None:
            raise DeskError("arrange.already", number=number, by=ticket.arranged_by)
        if ticket.dispatched_at is None or ticket.department != "engineering":
            raise DeskError("arrange.not_reported", number=number)
        if ticket.state not in ("dispatched", "in_progress"):
            raise DeskError("work_order.after_completion", number=number)
        if rework_at < ticket.received_at:
            raise DeskError("arrange.before_intake", field="rework_at")
        if callback_at < rework_at:
            raise DeskError("arrange.callback_before_rework", field="callback_at")
        order = _open_order(ticket)
        if order is None:
            repaired = _last_order(ticket.defect_of)
            order = WorkOrder.create(
                number=next_number(WorkOrder), ticket=ticket, department="engineering",
                technician=technician, opened_at=now,
                in_home=ticket.unit_id is not None, paid=False, rework_of=repaired)
            Ticket.update(rework_count=Ticket.rework_count + 1).where(
                Ticket.id == ticket.defect_of_id).execute()
            audit(actor, clock, "work_order.open", order, number=order.number, ticket=number)
        ticket.arranged_at = now
        ticket.arranged_by = arranged_by
        ticket.rework_at = rework_at
        ticket.special_callback_at = callback_at
        ticket.state = "in_progress"
        zone = settings.zone
        _step(ticket, actor, clock, "arranged",
              f"{arranged_by}: {order.number} {order.technician} "
              f"{rework_at.astimezone(zone):%m-%d %H:%M} / "
              f"{callback_at.astimezone(zone):%m-%d %H:%M}",
              work_order=order.number, arranged_by=arranged_by,
              rework_at=rework_at.isoformat(), callback_at=callback_at.isoformat())
        sync_ticket(ticket, _ctx(settings))
    return order.number


def record_completion(number: str, completed_at: datetime, result: str, actor: Staff,
                      clock: Clock, settings: Settings, *, version: int | None = None,
                      settle: str = "", amount: str = "", amount_reason: str = "",
                      resident_signed: bool = False) -> None:
    """The department reports the work done (KF-008: completion comes back to the desk).
    ``resident_signed``: the in-home work order came back signed by the resident.

    Handling ends and the callback clock starts: a repair's when its work order returns
    (KF-009 §3.1.1, 3 working days), a complaint's when handling ends (KF-010 §4.5, 3 days);
    a developer issue's callback is already running from intake (RULES v2). A paid repair's
    amount goes on the unit's account: ``settle`` "cashier" (paid on the spot, the cashier
    issues the receipt) or "bill" (with this month's fee bill) — KF-015 §6.2.1. When the
    work cost other than quoted, ``amount`` (yuan) corrects it with an ``amount_reason``: the
    charge follows, the history and the audit keep old → new (issue 16).
    """
    require_role(actor, DESK_ROLES, "ticket.complete")
    corrected_fen = amount_in(amount, "amount") if (amount or "").strip() else None
    amount_reason = " ".join((amount_reason or "").split())
    now = clock.now()
    if completed_at > now:
        raise DeskError("complete.future", field="completed_at")
    with transaction():
        ticket = _load(number, version, settings.zone)
        _open(ticket)
        if ticket.state not in ("dispatched", "in_progress"):
            raise DeskError("complete.not_in_hand", number=number,
                            state=Tr(f"state.{ticket.state}"))
        if completed_at < ticket.received_at:
            raise DeskError("complete.before_intake", field="completed_at")
        order = _open_order(ticket)
        if ticket.repair_class == "warranty" and ticket.contact_form_sent_at is None:
            raise DeskError("warranty.form_first", number=number)  # KF-011 (RULES v2)
        if ticket.kind == "repair" and ticket.department != "developer" and order is None \
                and ticket.repair_class != "warranty":
            raise DeskError("complete.no_work_order", number=number)
        if order is not None and completed_at < order.opened_at:
            raise DeskError("complete.before_order", field="completed_at", order=order.number)
        if order is not None and order.paid and settle not in ("cashier", "bill"):
            raise DeskError("complete.settle", field="settle", amount=fmt(order.amount_fen))
        if order is not None and order.paid and settle == "bill" and ticket.unit_id is None:
            raise DeskError("complete.bill_needs_unit", field="settle")
        # KF-008: the department reports a result back; the callback asks the resident about
        # it, so a completion without one is refused (issue 16) — said after what the
        # ticket's state refuses, which no typing can mend.
        if not result.strip():
            raise DeskError("complete.result_needed", field="result")
        amount_change = None
        if order is not None and order.paid and corrected_fen is not None \
                and corrected_fen != order.amount_fen:
            if not amount_reason:
                raise DeskError("complete.amount_reason", field="amount_reason")
            amount_change = (order.amount_fen, corrected_fen)
            order.amount_fen = corrected_fen
        for d in ticket.dispatches:
            if d.reported_at is None:
                d.reported_at = now
                d.result = result.strip()
                d.save()
        ctx = _ctx(settings)
        if order is not None:
            order.completed_at = completed_at
            order.returned_at = now
            # KF-009 §3.1.5 / KF-015 v2: the resident's signature is recorded as it came back
            # on the work order — captured in person or not at all, never assumed.
            order.resident_signed = order.in_home and resident_signed
            order.save()
            if order.paid:
                local = now.astimezone(settings.zone)
                Charge.create(unit=ticket.unit, kind="paid_repair", work_order=order,
                              description=f"{order.number} {ticket.number}",
                              amount_fen=order.amount_fen, created_at=now, created_by=actor,
                              with_bill_month=local.strftime("%Y-%m") if settle == "bill"
                              else "")
        if amount_change is not None:
            # KF-015 §6.2.1: the charge above is the corrected amount; the quote stays on record.
            TicketLog.create(ticket=ticket, at=now, staff=actor, step="amount_corrected",
                             note=f"{order.number} {fmt(amount_change[0])} → "
                                  f"{fmt(amount_change[1])}: {amount_reason}")
            audit(actor, clock, "work_order.amount_corrected", order, number=order.number,
                  ticket=number, old_fen=amount_change[0], new_fen=amount_change[1],
                  reason=amount_reason)
        ticket.completed_at = completed_at
        ticket.handling_ended_at = now
        ticket.state = "callback"
        _step(ticket, actor, clock, "completed", result.strip(),
              completed_at=completed_at.isoformat(), work_order=order.number if order else "")
        sync_ticket(ticket, ctx)
        kind = {"repair": "repair", "complaint": "complaint"}.get(ticket.kind)
        if ticket.validity == "invalid_developer":
            kind = None  # its callback runs from intake (KF-010 §4.4.1, RULES v2)
        open_cb = Callback.select().where((Callback.ticket == ticket)
                                          & Callback.done_at.is_null()
                                          & (Callback.kind == (kind or ""))).exists()
        if kind is not None and not open_cb:
            cb = Callback.create(kind=kind, ticket=ticket, work_order=order, unit=ticket.unit,
                                 owner=ticket.owner, clock_started_at=now)
            sync_callback(cb, ctx)


def record_verdict(number: str, passed: bool, note: str, actor: Staff, clock: Clock,
                   settings: Settings, *, version: int | None = None,
                   technician: str = "") -> str | None:
    """The resident's word after the work: inspection passed / satisfied → closed out
    (封闭消项, KF-011, KF-012); failed → a rework order (repairs, returned number) or
    further handling (complaints). A ticket whose callback is still open is refused
    (KF-009 §3.1.3 v2): its verdict is the callback's, recorded with its answers
    (``desk.callbacks.record_callback``)."""
    require_role(actor, DESK_ROLES, "ticket.verdict")
    with transaction():
        ticket = _load(number, version, settings.zone)
        return apply_verdict(ticket, passed, note, actor, clock, settings,
                             technician=technician)


def apply_verdict(ticket: Ticket, passed: bool, note: str, actor: Staff, clock: Clock,
                  settings: Settings, *, technician: str = "") -> str | None:
    """``record_verdict``'s effect on a loaded ticket, inside the caller's transaction."""
    note = note.strip()
    if not passed and not note:
        raise DeskError("verdict.reason_needed", field="note")
    number = ticket.number
    _open(ticket)
    if ticket.state not in ("callback", "completed"):
        raise DeskError("verdict.not_completed", number=number,
                        state=Tr(f"state.{ticket.state}"))
    order = _last_order(ticket)
    is_repair = ticket.kind == "repair" and order is not None
    if not passed and is_repair and not (technician or order.technician).strip():
        raise DeskError("work_order.technician_needed", field="technician")
    # KF-009 §3.1.3 v2: no path completes a callback without its answers. A ticket whose
    # callback is still open takes its verdict from the callback record (the callback list,
    # or F3 ``v``, which opens that same record): ``callbacks.record_callback`` stores the
    # answers, marks the callback done and only then calls this. A callback the month's
    # sample left out (KF-009 §3.1.2) is not owed: the verdict closes the ticket without it,
    # and it stays not done (it is no callback made, and counts toward no sample).
    waiting = (Callback.select(Callback.id)
               .where((Callback.ticket == ticket) & Callback.done_at.is_null()
                      & (Callback.kind != "defect") & Callback.sampled).first())
    if waiting is not None:
        raise DeskError("verdict.callback_open", number=number, callback=waiting.id)
    now = clock.now()
    rework_number = None
    ctx = _ctx(settings)
    if is_repair:
        order.inspection = "pass" if passed else "fail"
        order.save()
    if passed:
        ticket.closed_at = now
        ticket.state = "closed"
        _step(ticket, actor, clock, "inspected_pass" if is_repair else "satisfied", note)
        TicketLog.create(ticket=ticket, at=now, staff=actor, step="closed", note="")
    elif is_repair:
        # KF-011: rework until it passes, every loop kept; no 24-hour clock (RULES v2: that is
        # KF-009 §3.1.4's arranging of a defect complaint's rework, not an inspection's).
        rework = WorkOrder.create(
            number=next_number(WorkOrder), ticket=ticket, department=order.department,
            technician=(technician or order.technician).strip(), opened_at=now,
            in_home=order.in_home, paid=False, rework_of=order,
        )
        rework_number = rework.number
        ticket.rework_count += 1
        ticket.state = "in_progress"
        ticket.completed_at = None
        ticket.handling_ended_at = None
        _step(ticket, actor, clock, "inspected_fail", note, rework=rework.number)
        TicketLog.create(ticket=ticket, at=now, staff=actor, step="rework",
                         note=f"{rework.number} {rework.technician}")
    else:
        # KF-012: not satisfied — further explanation and reply; the ticket reopens. The
        # new callback is owed only when this handling ends again (KF-010 §4.5, from the end
        # of handling): ``record_completion`` opens it then, so the reopened complaint is not
        # on the callback list — nor recordable "satisfied" — before any rework (issue 16).
        ticket.state = "dispatched" if ticket.dispatched_at else "new"
        ticket.completed_at = None
        ticket.handling_ended_at = None
        for d in ticket.dispatches:
            d.reported_at = None
            d.save()
        _step(ticket, actor, clock, "unsatisfied", note)
    sync_ticket(ticket, ctx)
    return rework_number


def close_out(number: str, note: str, actor: Staff, clock: Clock, settings: Settings,
              *, version: int | None = None) -> None:
    """消项 for what the desk finished itself: an inquiry answered, a visit received, a
    suggestion passed on. Complaints and repairs that went to a department close with the
    resident's verdict (KF-008, KF-011), and so does an explained invalid complaint (RULES v2,
    KF-010 §4.5: its callback closes it)."""
    require_role(actor, DESK_ROLES, "ticket.close")
    with transaction():
        ticket = _load(number, version, settings.zone)
        _open(ticket)
        if ticket.validity == "invalid_other":
            raise DeskError("close.explain_first" if ticket.state == "new"
                            else "close.invalid_callback", number=number)
        if ticket.validity == "invalid_developer":
            raise DeskError("close.developer", number=number)
        if _needs_dispatch(ticket) and ticket.kind != "help":
            raise DeskError("close.needs_verdict", number=number)
        if ticket.kind == "help" and ticket.dispatched_at is not None:
            raise DeskError("close.needs_verdict", number=number)
        now = clock.now()
        ticket.closed_at = now
        ticket.state = "closed"
        _step(ticket, actor, clock, "closed", note.strip())
        sync_ticket(ticket, _ctx(settings))


def reassign(number: str, login: str, reason: str, actor: Staff, clock: Clock,
             settings: Settings, *, version: int | None = None) -> None:
    """First-contact ownership changes only by the supervisor, with a reason, logged
    (KF-006 §1)."""
    require_role(actor, ("supervisor", "manager"), "ticket.reassign")
    reason = reason.strip()
    if not reason:
        raise DeskError("reassign.reason_needed", field="note")
    with transaction():
        ticket = _load(number, version, settings.zone)
        _open(ticket)
        new_owner = Staff.get_or_none((Staff.login == login.strip()) & Staff.active)
        if new_owner is None or new_owner.role not in DESK_ROLES:
            raise DeskError("reassign.unknown", field="owner", login=login.strip())
        if new_owner.id == ticket.owner_id:
            raise DeskError("reassign.same", field="owner", name=new_owner.name)
        old = ticket.owner.name
        ticket.owner = new_owner
        _step(ticket, actor, clock, "reassigned", f"{old} → {new_owner.name}: {reason}",
              old=old, new=new_owner.login, reason=reason)
        ctx = _ctx(settings)
        sync_ticket(ticket, ctx)
        for cb in Callback.select().where((Callback.ticket == ticket)
                                          & Callback.done_at.is_null()):
            cb.owner = new_owner
            cb.save()
            sync_callback(cb, ctx)


def price_list(settings: Settings, lang: str) -> list[tuple[str, str, Decimal]]:
    """The repair price list as (code, name in ``lang``, price in yuan) for the form."""
    return [(p["code"], p[f"name_{lang}"], Decimal(p["price"]))
            for p in settings.data["repair_prices"]]


def hold(number: str, reason: str, actor: Staff, clock: Clock, *,
         version: int | None = None, settings: Settings | None = None) -> None:
    """Put a ticket on hold by number (RULES §8 pauses; ``holds.hold_ticket``). ``settings``
    only gives the office zone of an edit-conflict message."""
    from .holds import hold_ticket

    with transaction():
        hold_ticket(_load(number, version, settings.zone if settings else None), reason,
                    actor, clock)
        _bump(number)


def resume(number: str, actor: Staff, clock: Clock, *, version: int | None = None,
           settings: Settings | None = None) -> None:
    """End a ticket's hold by number; its clocks are pushed on by the time held."""
    from .holds import resume_ticket

    with transaction():
        resume_ticket(_load(number, version, settings.zone if settings else None), actor,
                      clock)
        _bump(number)


def _bump(number: str) -> None:
    # A hold changes what the clerk saw: other counters acting on the old view are told.
    Ticket.update(version=Ticket.version + 1).where(Ticket.number == number).execute()
