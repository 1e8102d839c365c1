"""The audit log read back (issue 19): what was done and what was refused, for a supervisor
or the manager — ``kfdesk audit``.

Both trails in one list by time: ``AuditEvent`` (every write, reveal and export) and
``Refusal`` (every role-restricted action refused, with the role that tried). Reading the log
is itself an audit event, so who looked at it is on it too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import peewee as pw

from ..clock import Clock
from ..models import AuditEvent, Refusal, Staff
from .base import DeskError, audit, require_role, transaction

AUDIT_ROLES = ("supervisor", "manager")
# The most rows one listing gives: the newest, so a busy year still answers at once.
LIMIT = 5000


@dataclass(frozen=True)
class LogEntry:
    at: datetime  # UTC
    login: str  # "" for the system (a demo build, a migration)
    action: str
    refused: bool  # a Refusal: ``action`` was refused to ``role``
    role: str
    record: str  # "Person#12", or ""
    detail: dict[str, Any]

    def as_json(self, zone: Any) -> dict[str, Any]:
        return {"at": self.at.astimezone(zone).isoformat(), "login": self.login,
                "action": self.action, "refused": self.refused, "role": self.role,
                "record": self.record, "detail": self.detail}


def _detail(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {"text": text}
    return value if isinstance(value, dict) else {"value": value}


def _record(record_type: str, record_id: int | None) -> str:
    return f"{record_type}#{record_id}" if record_type and record_id is not None else record_type


def audit_log(actor: Staff, clock: Clock, *, since: datetime | None = None,
              login: str | None = None) -> list[LogEntry]:
    """The log from ``since`` (UTC, inclusive), of one ``login`` if given, oldest first.

    Supervisor or manager only (a refusal is itself logged); an unknown ``login`` is a
    ``DeskError`` on the field ``actor`` rather than an empty list that looks like innocence.
    """
    require_role(actor, AUDIT_ROLES, "audit.view", clock)
    if since is not None and since.tzinfo is None:
        raise DeskError("security_b.naive_since", field="since")
    who: Staff | None = None
    if login:
        who = Staff.get_or_none(Staff.login == login.strip())
        if who is None:
            raise DeskError("auth.unknown_login", field="actor", login=login)
    with transaction():
        events = AuditEvent.select(AuditEvent, Staff).join(Staff, join_type=pw.JOIN.LEFT_OUTER)
        refusals = Refusal.select(Refusal, Staff).join(Staff, join_type=pw.JOIN.LEFT_OUTER)
        if since is not None:
            events = events.where(AuditEvent.at >= since)
            refusals = refusals.where(Refusal.at >= since)
        if who is not None:
            events = events.where(AuditEvent.actor == who)
            refusals = refusals.where(Refusal.actor == who)
        events = events.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(LIMIT)
        refusals = refusals.order_by(Refusal.at.desc(), Refusal.id.desc()).limit(LIMIT)
        done = [LogEntry(e.at, e.actor.login if e.actor_id else "", e.action, False,
                            e.actor.role if e.actor_id else "",
                            _record(e.record_type, e.record_id), _detail(e.detail))
                   for e in events]
        refused = [LogEntry(r.at, r.actor.login if r.actor_id else "", r.action, True, r.role,
                             _record(r.record_type, r.record_id), _detail(r.detail))
                    for r in refusals]
        # Each query came newest first: turned round, then merged by time (a stable sort
        # keeps the order of writing among the events of one instant).
        entries = done[::-1] + refused[::-1]
        entries.sort(key=lambda e: e.at)
        entries = entries[-LIMIT:]
        audit(actor, clock, "audit.view", None, since=since.isoformat() if since else "",
              login=login or "", rows=len(entries))
    return entries
