"""The records behind each end-of-day figure (RULES §7): F7 opens the list a figure counts.

``figure_list(key, day, now, zone)`` answers for every figure of ``views.day_summary`` with the
same condition the summary counts with, so a figure and its list always agree (a test walks
every figure of the demo day). Keys: ``intake``, ``intake.kind.<k>``, ``intake.channel.<c>``,
``intake.category.<c>``, ``dispatched``, ``completed``, ``closed``, ``tickets_voided``,
``callbacks_done``, ``callbacks_open``, ``callbacks_overdue``, ``open_tickets``, ``coordinated``,
``to_propose``,
``to_approve``, ``receipts``, ``receipts.<method>``, ``voids``, ``refunds``, ``mail_waiting``,
``passes``, ``due_tomorrow``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from typing import NamedTuple

import peewee as pw

from ..models import (
    Callback,
    Deadline,
    Dispatch,
    MailItem,
    Receipt,
    ReceiptVoid,
    ReleasePass,
    Staff,
    Ticket,
    Unit,
)
from ..money import fmt
from . import _by_id, _not_voided, _receipt_rows, day_bounds


class FigureList(NamedTuple):
    """A list behind a figure: column keys (``ui.col.*``), rows of text, and per row what Enter
    opens (a ticket or receipt number, "" for nothing)."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    opens: tuple[str, ...]


def _hm(value: datetime | None, zone: tzinfo) -> str:
    return value.astimezone(zone).strftime("%m-%d %H:%M") if value else ""


def _tickets(query: pw.ModelSelect, zone: tzinfo, when: pw.Field) -> FigureList:
    tickets = list(query.order_by(when, Ticket.id))
    units = _by_id(Unit, (t.unit_id for t in tickets))
    owners = _by_id(Staff, (t.owner_id for t in tickets))
    rows = []
    for t in tickets:
        unit = units.get(t.unit_id)
        owner = owners.get(t.owner_id)
        rows.append((t.number, _hm(getattr(t, when.name), zone), unit.code if unit else "",
                     t.kind, t.category, t.state, owner.name if owner else ""))
    return FigureList(("number", "time", "unit", "kind", "category", "state", "owner"),
                      tuple(rows), tuple(r[0] for r in rows))


def _callbacks(query: pw.ModelSelect, zone: tzinfo, when: pw.Field) -> FigureList:
    callbacks = list(query.order_by(when, Callback.id))
    tickets = _by_id(Ticket, (c.ticket_id for c in callbacks))
    units = _by_id(Unit, (c.unit_id for c in callbacks))
    owners = _by_id(Staff, (c.owner_id for c in callbacks))
    rows = []
    for c in callbacks:
        ticket = tickets.get(c.ticket_id)
        unit = units.get(c.unit_id)
        owner = owners.get(c.owner_id)
        rows.append((ticket.number if ticket else "", _hm(getattr(c, when.name), zone),
                     unit.code if unit else "", c.kind, c.satisfaction or "",
                     owner.name if owner else ""))
    return FigureList(("number", "time", "unit", "kind", "satisfaction", "owner"), tuple(rows),
                      tuple(r[0] for r in rows))


def _deadlines(query: pw.ModelSelect, zone: tzinfo) -> FigureList:
    rows_in = list(query.order_by(Deadline.due_at, Deadline.id))
    owners = _by_id(Staff, (d.owner_id for d in rows_in))
    rows = []
    for d in rows_in:
        owner = owners.get(d.owner_id)
        rows.append((d.item_ref, _hm(d.due_at, zone), d.unit_code, d.clock,
                     owner.name if owner else "", d.department))
    opens = tuple(r[0] if r[0].startswith("K-") else "" for r in rows)
    return FigureList(("number", "due_at", "unit", "clock", "owner", "department"),
                      tuple(rows), opens)


def figure_list(key: str, day: date, now: datetime, zone: tzinfo) -> FigureList:
    """The records counted by figure ``key`` of ``day_summary(day, now, zone)``."""
    start, end = day_bounds(day, zone)
    as_of = min(end, now)

    def between(field: pw.Field) -> pw.Expression:
        return (field >= start) & (field < end)

    head, _, rest = key.partition(".")
    if head == "intake":
        # KF-012 v2: voided tickets are counted apart (``tickets_voided``).
        query = Ticket.select().where(between(Ticket.received_at), Ticket.voided_at.is_null())
        if rest:
            field, _, value = rest.partition(".")
            query = query.where(getattr(Ticket, field) == value)
        return _tickets(query, zone, Ticket.received_at)
    if key == "dispatched":
        # One row per dispatch (a coordinated ticket goes to several departments).
        dispatches = list(Dispatch.select().where(between(Dispatch.dispatched_at))
                          .order_by(Dispatch.dispatched_at, Dispatch.id))
        tickets = _by_id(Ticket, (d.ticket_id for d in dispatches))
        rows = tuple((tickets[d.ticket_id].number, _hm(d.dispatched_at, zone), d.department)
                     for d in dispatches)
        return FigureList(("number", "time", "department"), rows, tuple(r[0] for r in rows))
    if key in ("completed", "closed", "tickets_voided"):
        field = {"completed": Ticket.completed_at, "closed": Ticket.closed_at,
                 "tickets_voided": Ticket.voided_at}[key]
        return _tickets(Ticket.select().where(between(field)), zone, field)
    if key == "open_tickets":
        query = Ticket.select().where(Ticket.received_at < as_of,
                                      Ticket.closed_at.is_null() | (Ticket.closed_at >= as_of),
                                      Ticket.voided_at.is_null() | (Ticket.voided_at >= as_of))
        return _tickets(query, zone, Ticket.received_at)
    if key in ("coordinated", "to_propose", "to_approve"):
        condition = {"coordinated": Ticket.coordinated,
                     "to_propose": Ticket.escalation.in_(("escalated", "rejected")),
                     "to_approve": Ticket.escalation == "proposed"}[key]
        return _tickets(Ticket.select().where(condition,
                                              Ticket.state.not_in(("closed", "voided"))),
                        zone, Ticket.received_at)
    if key == "callbacks_done":
        return _callbacks(Callback.select().where(between(Callback.done_at)), zone,
                          Callback.done_at)
    if key == "callbacks_open":
        query = Callback.select().where(Callback.clock_started_at < as_of, Callback.sampled,
                                        Callback.done_at.is_null() | (Callback.done_at >= as_of),
                                        _not_voided(Callback.ticket, as_of))
        return _callbacks(query, zone, Callback.clock_started_at)
    if key == "callbacks_overdue":
        return _deadlines(callbacks_overdue_query(as_of), zone)
    if key == "due_tomorrow":
        return _deadlines(due_between_query(end, end + timedelta(days=1)), zone)
    if head == "receipts" or key in ("voids", "refunds"):
        query = Receipt.select().where(between(Receipt.issued_at))
        if key == "voids":
            query = Receipt.select().join(ReceiptVoid).where(between(ReceiptVoid.at))
        elif key == "refunds":
            query = query.where(Receipt.refund.is_null(False))
        found = _receipt_rows(list(query.order_by(Receipt.series, Receipt.number)), zone)
        if rest:
            found = [r for r in found if r.method == rest and not r.void]
        rows = tuple((r.number, r.issued_at.strftime("%H:%M"), r.unit, r.payer, r.method,
                      fmt(r.amount_fen, symbol=False),
                      "void" if r.void else "") for r in found)
        return FigureList(("receipt", "time", "unit", "payer", "method", "amount", "state"),
                          rows, tuple(r[0] for r in rows))
    if key == "mail_waiting":
        items = list(MailItem.select().where(
            MailItem.received_at < as_of,
            MailItem.collected_at.is_null() | (MailItem.collected_at >= as_of),
            MailItem.returned_at.is_null() | (MailItem.returned_at >= as_of),
        ).order_by(MailItem.received_at))
        units = _by_id(Unit, (m.unit_id for m in items))
        rows = tuple((m.tracking_no or f"#{m.id}", _hm(m.received_at, zone),
                      units[m.unit_id].code if m.unit_id in units else "", m.recipient, m.kind)
                     for m in items)
        return FigureList(("number", "time", "unit", "recipient", "kind"), rows,
                          tuple("" for _ in rows))
    if key == "passes":
        passes = list(ReleasePass.select().where(between(ReleasePass.issued_at))
                      .order_by(ReleasePass.issued_at))
        units = _by_id(Unit, (p.unit_id for p in passes))
        rows = tuple((p.number, _hm(p.issued_at, zone), units[p.unit_id].code, p.bearer_name,
                      p.items[:30]) for p in passes)
        return FigureList(("number", "time", "unit", "bearer", "items"), rows,
                          tuple("" for _ in rows))
    raise KeyError(key)


def callbacks_overdue_query(as_of: datetime) -> pw.ModelSelect:
    """Callback clocks past due and still running at ``as_of`` (KF-010 §4.5, KF-009 §3.1.1)."""
    return Deadline.select().where(
        (Deadline.item_kind == "callback") & (Deadline.due_at < as_of)
        & (Deadline.started_at < as_of)
        & (Deadline.stopped_at.is_null() | (Deadline.stopped_at >= as_of)))


def due_between_query(start: datetime, end: datetime) -> pw.ModelSelect:
    """Clocks still running that fall due in [start, end): what the next day brings."""
    return Deadline.select().where((Deadline.due_at >= start) & (Deadline.due_at < end)
                                   & Deadline.stopped_at.is_null())
