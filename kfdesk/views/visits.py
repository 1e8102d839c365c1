"""Read view of KF-009 §3.2 visits: the open visit list and the visits made.

Reads only (the writes are ``kfdesk.desk.visits``). Each row says why the household is on the
list, how often it complained in the look-back (the reason a supervisor chooses it, §3.2.1),
and, once visited, what was found. Times in the office zone; findings come back by part
(shortcomings, suggestions, staff attitude, complaints) when recorded through the desk, or
as the plain text an older record holds.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, datetime, timedelta
from typing import NamedTuple

from dateutil.relativedelta import relativedelta

from ..config import Settings
from ..models import Staff, Ticket, Unit, Visit
from . import _by_id, _local, _owner_names


class VisitRow(NamedTuple):
    id: int
    unit: str
    resident: str  # the unit's owner (or first occupant)
    planned_for: date
    reason: str  # complained | spread | added
    complaints: int  # complaints received in the look-back (KF-009 §3.2.1)
    visited_at: datetime | None
    by: str
    satisfaction: str | None  # satisfied | fair | unsatisfied
    findings: dict[str, str]  # part → text (FINDING_PARTS), empty for plain text
    findings_text: str  # an older record's plain text
    to_manager: bool


def _findings(text: str) -> tuple[dict[str, str], str]:
    if not text:
        return {}, ""
    try:
        data = json.loads(text)
    except ValueError:
        return {}, text
    if isinstance(data, dict):
        return {str(k): str(v) for k, v in data.items()}, ""
    return {}, text


def visit_list(now: datetime, settings: Settings, *, done_days: int = 90) -> list[VisitRow]:
    """Open visits by planned day, then those made in the last ``done_days`` days, newest
    first."""
    zone = settings.zone
    open_visits = list(Visit.select().where(Visit.visited_at.is_null())
                       .order_by(Visit.planned_for, Visit.id))
    done = list(Visit.select().where(Visit.visited_at >= now - timedelta(days=done_days))
                .order_by(Visit.visited_at.desc(), Visit.id.desc()))
    visits = open_visits + done
    units = _by_id(Unit, (v.unit_id for v in visits))
    names = _owner_names(units.keys())
    staff = _by_id(Staff, (v.by_id for v in visits))
    since = now - relativedelta(months=int(settings.data["targets"]["visit_lookback_months"]))
    complaints = Counter(uid for (uid,) in Ticket.select(Ticket.unit)
                         .where((Ticket.kind == "complaint") & (Ticket.received_at >= since)
                                & Ticket.unit.in_(list(units)))
                         .tuples())
    rows = []
    for v in visits:
        unit = units.get(v.unit_id)
        by = staff.get(v.by_id)
        parts, text = _findings(v.findings)
        rows.append(VisitRow(
            id=v.id, unit=unit.code if unit else "", resident=names.get(v.unit_id, ""),
            planned_for=v.planned_for, reason=v.reason, complaints=complaints.get(v.unit_id, 0),
            visited_at=_local(v.visited_at, zone), by=by.name if by else "",
            satisfaction=v.satisfaction, findings=parts, findings_text=text,
            to_manager=v.to_manager,
        ))
    return rows
