"""Putting a ticket right: correcting what intake took down wrongly, voiding one taken by mistake.

RULES KF-012 **v2**: validity is judged after investigation (调查取证), so it — and any other
intake field taken down wrongly — is corrected after intake as a logged correction (who, when,
why, old → new) that stops the old clocks and starts the new ones; a ticket taken by mistake is
voided with a reason: kept, shown void, counted apart, never deleted.

- ``correct_ticket``: the ticket's owner or a supervisor/manager, with a reason. The corrected
  form is checked exactly as intake checks it (``tickets._checked``); the history line and the
  audit event carry every changed field as old → new. The clocks follow the corrected ticket
  (``rules.sync.ticket_wants``): a repair corrected to an inquiry loses its dispatch clock, a
  complaint corrected to a developer issue gets the developer's form clock. Clocks the ticket
  did not owe before start from the correction (``Ticket.clocks_from``): the 1-hour dispatch of
  an inquiry found to be a repair counts from when the desk learnt it.
- ``void_ticket``: the owner on the office day the ticket was received, otherwise a supervisor
  or manager, with a reason. Every clock of the ticket stops (its callbacks' too), the queues
  drop it and the reports count it apart.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, tzinfo

from ..clock import Clock
from ..config import Settings
from ..i18n import t
from ..models import Callback, Person, Staff, Ticket, TicketLog, Unit, WorkOrder
from ..money import fmt
from ..privacy import mask_phone
from ..rules.sync import sync_callback, sync_ticket, ticket_wants
from .base import DeskError, Tr, audit, require_role, transaction
from .tickets import (
    INTAKE_ROLES,
    IntakeForm,
    _checked,
    _ctx,
    _load,
    _needs_dispatch,
    _open,
    _open_order,
)

SUPERVISORS = ("supervisor", "manager")
MAX_REASON = 500
# The intake fields a correction may change, in the form's order.
FIELDS = ("channel", "forwarded_from", "forwarded_received_at", "unit", "person", "caller_name",
          "phone", "kind", "category", "validity", "repair_class", "price_code", "quoted_fen",
          "text")
# Fields that decide the ticket's path: not changed once its handling has ended.
PATH_FIELDS = ("channel", "forwarded_from", "forwarded_received_at", "kind", "validity",
               "repair_class", "price_code", "quoted_fen")
# The clocks intake starts that a correction may take away or bring (KF-012 v2).
JUDGED_CLOCKS = ("dispatch", "explain_invalid", "developer_form")


@dataclass(frozen=True)
class Change:
    """One corrected field: its name and the old and new values as the store keeps them."""

    field: str
    old: object
    new: object


def correction_form(number: str) -> IntakeForm:
    """The ticket as intake took it, as a form to correct (the correction dialog's start)."""
    ticket = Ticket.get_or_none(Ticket.number == number)
    if ticket is None:
        raise DeskError("ticket.unknown", number=number)
    return IntakeForm(
        channel=ticket.channel, kind=ticket.kind, category=ticket.category, text=ticket.text,
        unit_code=ticket.unit.code if ticket.unit_id else "", person_id=ticket.person_id,
        caller_name=ticket.caller_name, phone=ticket.phone,
        forwarded_from=ticket.forwarded_from,
        forwarded_received_at=ticket.forwarded_received_at, validity=ticket.validity,
        repair_class=ticket.repair_class, price_code=ticket.price_code,
        quoted=fmt(ticket.quoted_fen, symbol=False).replace(",", "") if ticket.quoted_fen else "",
        defect_of=ticket.defect_of.number if ticket.defect_of_id else "",
    )


def _reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise DeskError("fix.reason_needed", field="reason")
    if len(reason) > MAX_REASON:
        raise DeskError("fix.reason_long", field="reason", limit=MAX_REASON)
    return reason


def _may_fix(ticket: Ticket, actor: Staff, action: str) -> None:
    # KF-006 §1: the first-contact owner answers for the ticket; a supervisor may put any right.
    if actor.role in SUPERVISORS:
        return
    require_role(actor, INTAKE_ROLES, action)
    if actor.id != ticket.owner_id:
        raise DeskError("fix.not_owner", number=ticket.number, owner=ticket.owner.name,
                        action=Tr(f"action.{action}"))


def _value(ticket: Ticket, name: str) -> object:
    if name in ("unit", "person"):
        return getattr(ticket, f"{name}_id")
    return getattr(ticket, name)


def _person_kept(form: IntakeForm, ticket: Ticket) -> IntakeForm:
    """The linked resident stays only while the corrected caller is still that resident of
    the corrected unit: a typed other name, or another unit, is someone else."""
    if form.person_id is None:
        return form
    person = Person.get_or_none(Person.id == form.person_id)
    same_unit = (form.unit_code or "").strip() == (ticket.unit.code if ticket.unit_id else "")
    if person is None or not same_unit or (form.caller_name or "").strip() not in ("",
                                                                                person.name):
        return replace(form, person_id=None)
    return form


def changes_of(number: str, form: IntakeForm, settings: Settings) -> list[Change]:
    """What saving ``form`` as the ticket's correction would change (the dialog shows it live);
    ``DeskError`` names the first field intake would refuse."""
    ticket = Ticket.get_or_none(Ticket.number == number)
    if ticket is None:
        raise DeskError("ticket.unknown", number=number)
    return _diff(ticket, _corrected(ticket, form, settings))


def _corrected(ticket: Ticket, form: IntakeForm, settings: Settings) -> Ticket:
    # The defect link is not an intake typing slip: it stays as the ticket has it.
    form = replace(_person_kept(form, ticket),
                   defect_of=ticket.defect_of.number if ticket.defect_of_id else "")
    # Checked as intake checks it, "now" being intake: a forwarding time after it is wrong.
    return _checked(form, ticket.received_at, settings)


def _diff(ticket: Ticket, new: Ticket) -> list[Change]:
    out = []
    for name in FIELDS:
        old, value = _value(ticket, name), _value(new, name)
        if (old or None) != (value or None):
            out.append(Change(name, old, value))
    return out


def _shown(name: str, value: object, lang: str | None) -> str:
    """A field's value in the office's words, for the history line (a record, so in the
    office's language whatever the clerk's screen)."""
    if value in (None, ""):
        return "—"
    if name == "unit":
        unit = Unit.get_or_none(Unit.id == value)
        return unit.code if unit else str(value)
    if name == "person":
        person = Person.get_or_none(Person.id == value)
        return person.name if person else str(value)
    if name in ("channel", "kind", "category", "validity", "repair_class"):
        return t(f"{name}.{value}", lang=lang)
    if name == "forwarded_from":
        return t(f"department.{value}", lang=lang)
    if name == "phone":
        return mask_phone(str(value))  # KF-017 §4: the history shows it masked
    if name == "quoted_fen":
        return fmt(int(value))  # type: ignore[call-overload]
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    text = " ".join(str(value).split())
    return text if len(text) <= 24 else text[:23] + "…"


def describe(changes: list[Change], lang: str | None,
             zone: tzinfo | None = None) -> str:
    """``类型：报修 → 咨询；房号：3-1-502 → 3-1-503`` in ``lang`` (None: the screen's), times in
    ``zone``."""
    parts = []
    for c in changes:
        old, new = c.old, c.new
        if zone is not None:
            old = old.astimezone(zone) if isinstance(old, datetime) else old
            new = new.astimezone(zone) if isinstance(new, datetime) else new
        parts.append(t("fix.change", lang=lang, field=t(f"fix.field.{c.field}", lang=lang),
                       old=_shown(c.field, old, lang), new=_shown(c.field, new, lang)))
    return t("fix.joiner", lang=lang).join(parts)


def _judged(ticket: Ticket, settings: Settings) -> set[str]:
    return {w.clock for w in ticket_wants(ticket, _ctx(settings)) if w.clock in JUDGED_CLOCKS}


def correct_ticket(number: str, form: IntakeForm, reason: str, actor: Staff, clock: Clock,
                   settings: Settings, *, version: int | None = None) -> list[Change]:
    """Correct the intake fields of an open ticket (KF-012 v2); returns what changed."""
    require_role(actor, (*INTAKE_ROLES,), "ticket.correct")
    reason = _reason(reason)
    now = clock.now()
    with transaction():
        ticket = _load(number, version, settings.zone)
        _open(ticket)
        _may_fix(ticket, actor, "ticket.correct")
        new = _corrected(ticket, form, settings)
        changes = _diff(ticket, new)
        if not changes:
            raise DeskError("fix.nothing_changed", number=number)
        path = [c.field for c in changes if c.field in PATH_FIELDS]
        if path and ticket.state in ("completed", "callback"):
            # Handling has ended on the old path; the resident's verdict comes next.
            raise DeskError("fix.after_handling", field=_form_field(path[0]), number=number,
                            state=Tr(f"state.{ticket.state}"))
        if "validity" in path and ticket.contact_form_sent_at is not None:
            raise DeskError("fix.contact_form_sent", field="validity", number=number,
                            form_no=ticket.contact_form_no)
        if "repair_class" in path and ticket.repair_class == "warranty" \
                and ticket.contact_form_sent_at is not None:
            # KF-011 (RULES v2): the warranty contractor has its contact form.
            raise DeskError("warranty.form_sent_fix", field="repair_class", number=number,
                            form_no=ticket.contact_form_no)
        if "validity" in path and ticket.explained_at is not None:
            raise DeskError("fix.explained", field="validity", number=number)
        before = _judged(ticket, settings)
        for c in changes:
            setattr(ticket, f"{c.field}_id" if c.field in ("unit", "person") else c.field,
                    c.new)
        order = _open_order(ticket)
        if path and order is not None and not _needs_dispatch(ticket):
            # The technician is at work on it: it stays a job for a department until done.
            raise DeskError("fix.work_order_open", field="kind", number=number,
                            order=order.number)
        if order is not None and {"quoted_fen", "repair_class"} & set(path):
            # KF-015 §6.2.1: the open order carries the corrected quote to the charge.
            order.paid = ticket.repair_class == "paid"
            order.amount_fen = ticket.quoted_fen if order.paid else 0
            order.save()
        if ticket.state == "dispatched" and not _needs_dispatch(ticket):
            # Back to the desk: an answered kind is closed out, an invalid complaint explained
            # or sent to the developer (KF-010 §4.4) — steps offered on a "new" ticket.
            ticket.state = "new"
        if _judged(ticket, settings) != before:
            ticket.clocks_from = now
        note = f"{describe(changes, settings.language, settings.zone)}" \
               f"{t('fix.reason_sep', lang=settings.language)}{reason}"
        ticket.version += 1
        ticket.updated_at = now
        ticket.save()
        TicketLog.create(ticket=ticket, at=now, staff=actor, step="corrected", note=note)
        audit(actor, clock, "ticket.corrected", ticket, number=number, reason=reason,
              changes={c.field: [_plain(c.old), _plain(c.new)] for c in changes})
        ctx = _ctx(settings)
        sync_ticket(ticket, ctx)
        for cb in Callback.select().where((Callback.ticket == ticket)
                                          & Callback.done_at.is_null()):
            if cb.unit_id != ticket.unit_id:
                cb.unit = ticket.unit_id
                cb.save()
            sync_callback(cb, ctx)
    return changes


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime) else value


def _form_field(name: str) -> str:
    # The dialog's field a refusal points at.
    return {"forwarded_received_at": "forwarded_at", "quoted_fen": "price",
            "price_code": "price"}.get(name, name)


def may_void(ticket: Ticket, actor: Staff, now: datetime, settings: Settings) -> None:
    """Refuse unless ``actor`` may void ``ticket`` now: the owner on the office day it was
    received, a supervisor or manager any day (KF-012 v2)."""
    if actor.role in SUPERVISORS:
        return
    require_role(actor, INTAKE_ROLES, "ticket.void")
    if actor.id != ticket.owner_id:
        raise DeskError("fix.not_owner", number=ticket.number, owner=ticket.owner.name,
                        action=Tr("action.ticket.void"))
    zone = settings.zone
    if ticket.received_at.astimezone(zone).date() != now.astimezone(zone).date():
        raise DeskError("fix.void_next_day", number=ticket.number,
                        day=ticket.received_at.astimezone(zone).strftime("%m-%d"))


def void_ticket(number: str, reason: str, actor: Staff, clock: Clock, settings: Settings,
                *, version: int | None = None, dry_run: bool = False) -> None:
    """Void a ticket taken by mistake (KF-012 v2): kept with its reason, every clock stopped.
    ``dry_run`` only checks (the dialog's first confirm): it refuses as the void would."""
    require_role(actor, (*INTAKE_ROLES,), "ticket.void")
    reason = _reason(reason)
    now = clock.now()
    with transaction():
        ticket = _load(number, version, settings.zone)
        _open(ticket)
        may_void(ticket, actor, now, settings)
        handled = TicketLog.select().where((TicketLog.ticket == ticket)
                                           & (TicketLog.step == "completed")).exists()
        if ticket.state in ("completed", "callback") or handled:
            # The work was done and reported (once at least, a reopened one too): that
            # ticket was not taken by mistake.
            raise DeskError("fix.void_handled", number=number)
        order = _open_order(ticket)
        if order is not None:
            raise DeskError("fix.void_work_order", number=number, order=order.number)
        if dry_run:
            return
        old_state = ticket.state
        ticket.state = "voided"
        ticket.voided_at = now
        ticket.void_reason = reason
        ticket.version += 1
        ticket.updated_at = now
        ticket.save()
        TicketLog.create(ticket=ticket, at=now, staff=actor, step="voided", note=reason)
        audit(actor, clock, "ticket.voided", ticket, number=number, reason=reason,
              state=old_state)
        ctx = _ctx(settings)
        sync_ticket(ticket, ctx)
        for cb in Callback.select().where((Callback.ticket == ticket)
                                          & Callback.done_at.is_null()):
            sync_callback(cb, ctx)


def open_paid_amount(number: str) -> int | None:
    """The amount a paid repair's open work order will charge at completion, or None when
    the ticket has no such order (the completion dialog's amount field)."""
    order = (WorkOrder.select().join(Ticket)
             .where((Ticket.number == number) & WorkOrder.completed_at.is_null()
                    & WorkOrder.paid)
             .order_by(WorkOrder.id.desc()).first())
    return order.amount_fen if order is not None else None
