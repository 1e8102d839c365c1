"""The office's corrections to the working-day calendar, entered by a supervisor.

Each November the State Council publishes next year's holidays and make-up days; entering
them must take minutes: ``parse_notice`` reads lines such as ``2027-02-06..2027-02-12
holiday 春节`` or ``2027-02-14 workday 调休``, ``apply_notice`` stores them in one
transaction and can mark the year as fully published (its deadlines are then no longer
provisional). Every change recomputes the open deadlines counted in working days.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from ..clock import Clock
from ..config import Settings
from ..models import CalendarOverride, ReportFiling, Staff
from ..rules.context import RuleContext
from ..rules.sync import resync_working_day_clocks
from .base import DeskError, audit, require_role, transaction

CALENDAR_ROLES = ("supervisor", "manager")
NOTICE_DUTY = "calendar_notice"  # ReportFiling: the year's notice is entered in full
_KINDS = {"holiday": "holiday", "workday": "workday", "休": "holiday", "班": "workday",
          "假": "holiday", "上班": "workday", "放假": "holiday", "调休": "workday"}
_LINE = re.compile(
    r"^\s*(\d{4}-\d{2}-\d{2})(?:\s*(?:\.\.|~|～|至|—|-{2})\s*(\d{4}-\d{2}-\d{2}))?"
    r"[\s,，]+(\S+)(?:[\s,，]+(.*))?$"
)


@dataclass(frozen=True)
class NoticeLine:
    day: date
    kind: str  # holiday | workday
    note: str


def parse_notice(text: str) -> list[NoticeLine]:
    """Read notice lines; a bad line raises ``DeskError`` naming the line number."""
    out: list[NoticeLine] = []
    seen: set[date] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#") or line.lower().startswith("date,"):
            continue
        match = _LINE.match(line)
        if match is None:
            raise DeskError("calendar.bad_line", field="notice", line=number, text=line)
        first, last, kind_word, note = match.groups()
        kind = _KINDS.get(kind_word.lower())
        if kind is None:
            raise DeskError("calendar.bad_kind", field="notice", line=number, kind=kind_word)
        try:
            start = date.fromisoformat(first)
            end = date.fromisoformat(last) if last else start
        except ValueError:
            raise DeskError("calendar.bad_line", field="notice", line=number, text=line)
        if end < start or (end - start).days > 31:
            raise DeskError("calendar.bad_range", field="notice", line=number)
        day = start
        while day <= end:
            if day in seen:
                raise DeskError("calendar.twice", field="notice", line=number,
                                day=day.isoformat())
            seen.add(day)
            out.append(NoticeLine(day, kind, (note or "").strip()))
            day += timedelta(days=1)
    return out


def published_years() -> set[int]:
    rows = ReportFiling.select(ReportFiling.period).where(ReportFiling.duty == NOTICE_DUTY)
    return {int(r.period) for r in rows}


def _recompute(settings: Settings) -> int:
    return resync_working_day_clocks(RuleContext.from_store(settings))


def apply_notice(
    lines: list[NoticeLine],
    actor: Staff,
    clock: Clock,
    settings: Settings,
    complete_year: int | None = None,
) -> int:
    """Store the lines as overrides (replacing those dates); returns open deadlines recomputed.

    ``complete_year``: the notice covers that whole year, so its dates are no longer provisional.
    """
    require_role(actor, CALENDAR_ROLES, "calendar.edit")
    if not lines and complete_year is None:
        raise DeskError("calendar.nothing", field="notice")
    with transaction():
        for line in lines:
            CalendarOverride.insert(day=line.day, kind=line.kind, note=line.note[:128]).on_conflict(
                conflict_target=[CalendarOverride.day],
                update={CalendarOverride.kind: line.kind, CalendarOverride.note: line.note[:128]},
            ).execute()
        if complete_year is not None and complete_year not in published_years():
            ReportFiling.create(duty=NOTICE_DUTY, period=str(complete_year), filed_at=clock.now(),
                                by=actor)
        audit(actor, clock, "calendar.edit", None, days=[ln.day.isoformat() for ln in lines],
              kinds=[ln.kind for ln in lines], complete_year=complete_year)
        return _recompute(settings)


def remove_override(day: date, actor: Staff, clock: Clock, settings: Settings) -> int:
    """Drop an office correction; the statutory calendar applies to that date again."""
    require_role(actor, CALENDAR_ROLES, "calendar.edit")
    with transaction():
        row = CalendarOverride.get_or_none(CalendarOverride.day == day)
        if row is None:
            raise DeskError("calendar.no_override", day=day.isoformat())
        row.delete_instance()
        audit(actor, clock, "calendar.remove", None, day=day.isoformat(), kind=row.kind)
        return _recompute(settings)


def list_overrides() -> list[NoticeLine]:
    return [NoticeLine(r.day, r.kind, r.note)
            for r in CalendarOverride.select().order_by(CalendarOverride.day)]
