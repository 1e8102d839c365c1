"""Holds: a ticket waiting on the resident stops its clocks; resuming pushes them on.

RULES §8 pauses: held time does not count against any clock of the ticket (nor its
callbacks), and both the hold and the resume are logged in the ticket's history and the
audit trail.
"""

from __future__ import annotations

from ..clock import Clock
from ..models import Callback, Deadline, Hold, Staff, Ticket, TicketLog
from .base import DeskError, audit, require_role, transaction

HOLD_ROLES = ("clerk", "supervisor", "manager")
# The reason is a line on the alert list and the history, stored in ``Hold.reason``
# (128 characters). A longer one is refused in the clerk's words before the write, the same
# on SQLite (which would store it whole) and PostgreSQL (which would fail the insert).
MAX_REASON = 120


def _clock_rows(ticket: Ticket):  # noqa: ANN202 - a peewee query
    callbacks = Callback.select(Callback.id).where(Callback.ticket == ticket)
    return Deadline.select().where(
        Deadline.stopped_at.is_null()
        & (((Deadline.item_kind == "ticket") & (Deadline.item_id == ticket.id))
           | ((Deadline.item_kind == "callback") & Deadline.item_id.in_(callbacks)))
    )


def open_hold(ticket: Ticket) -> Hold | None:
    return Hold.get_or_none((Hold.ticket == ticket) & Hold.ended_at.is_null())


def hold_ticket(ticket: Ticket, reason: str, actor: Staff, clock: Clock) -> Hold:
    """Put a ticket on hold with a reason (e.g. the resident is away until Monday)."""
    require_role(actor, HOLD_ROLES, "ticket.hold")
    reason = reason.strip()
    if not reason:
        raise DeskError("hold.reason_needed", field="reason")
    if len(reason) > MAX_REASON:
        raise DeskError("hold.reason_long", field="reason", limit=MAX_REASON, length=len(reason))
    now = clock.now()
    with transaction():
        ticket = Ticket.get_by_id(ticket.id)
        if ticket.closed_at is not None:
            raise DeskError("hold.closed", number=ticket.number)
        if ticket.voided_at is not None:  # KF-012 v2: nothing is owed on it to hold
            raise DeskError("ticket.voided", number=ticket.number)
        if open_hold(ticket) is not None:
            raise DeskError("hold.already", number=ticket.number)
        hold = Hold.create(ticket=ticket, started_at=now, reason=reason, by=actor)
        ids = [row.id for row in _clock_rows(ticket).where(Deadline.held_since.is_null())]
        if ids:
            Deadline.update(held_since=now).where(Deadline.id.in_(ids)).execute()
        TicketLog.create(ticket=ticket, at=now, staff=actor, step="hold", note=reason)
        audit(actor, clock, "ticket.hold", ticket, reason=reason)
    return hold


def resume_ticket(ticket: Ticket, actor: Staff, clock: Clock) -> Hold:
    """End the hold; every clock held with it is pushed on by the time held."""
    require_role(actor, HOLD_ROLES, "ticket.resume")
    now = clock.now()
    with transaction():
        hold = open_hold(ticket)
        if hold is None:
            raise DeskError("hold.not_held", number=ticket.number)
        held = now - hold.started_at
        for row in _clock_rows(ticket).where(Deadline.held_since.is_null(False)):
            shift = now - row.held_since
            Deadline.update(
                held_since=None,
                held_seconds=row.held_seconds + int(shift.total_seconds()),
                due_at=row.due_at + shift,
                warn_at=row.warn_at + shift,
            ).where(Deadline.id == row.id).execute()
        hold.ended_at = now
        hold.resumed_by = actor
        hold.save()
        minutes = int(held.total_seconds() // 60)
        TicketLog.create(ticket=ticket, at=now, staff=actor, step="resume",
                         note=f"{minutes} min")
        audit(actor, clock, "ticket.resume", ticket, held_minutes=minutes)
    return hold
