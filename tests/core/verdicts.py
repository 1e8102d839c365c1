"""The resident's verdict as every path records it since RULES v2 item 7 (KF-009 §3.1.3): the
ticket's open callback, with each of its answers — the one way the core tests give it."""

from __future__ import annotations

from kfdesk.clock import Clock
from kfdesk.config import Settings, default_settings
from kfdesk.desk import callbacks as cbs
from kfdesk.models import Callback, Staff, Ticket, WorkOrder


def callback_verdict(number: str, passed: bool, note: str, actor: Staff, clock: Clock,
                     settings: Settings | None = None) -> str | None:
    """Record ticket ``number``'s open callback, satisfied or not, with every answer a repair
    callback asks; returns the number of a rework order it opened, if any."""
    ticket = Ticket.get(Ticket.number == number)
    cb = Callback.get((Callback.ticket == ticket) & Callback.done_at.is_null()
                      & (Callback.kind != "defect"))
    before = _orders(ticket)
    answers = ({"attitude": "good", "quality": "good", "charges": "good",
                "procedure_followed": True} if cbs._is_repair(cb) else {})  # noqa: SLF001
    cbs.record_callback(cb.id, cbs.CallbackForm(satisfied=passed, remarks=note, **answers),
                        actor, clock, settings or default_settings())
    new = _orders(ticket) - before
    return next(iter(new)) if new else None


def _orders(ticket: Ticket) -> set[str]:
    return {o.number for o in WorkOrder.select().where(WorkOrder.ticket == ticket)}
