"""Read view of KF-019/020 community activities: a year's activities and duties with their clocks.

Reads only (the writes are ``kfdesk.desk.activities``). Every due time is computed by the
rule that owns it — ``kfdesk.rules.sync.activity_wants`` for an activity's steps, the duty
functions of ``kfdesk.rules.periods`` for the yearly plan, its adjustment, the interest
surveys and the bulletin — so a state here is the engine's: *due soon* once the warning share
of the clock has passed, *overdue* past the due time (RULES §8), *done* (or *done late*) once
the step was recorded. Times in the office zone.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import NamedTuple

from ..config import Settings
from ..desk.activities import STEPS
from ..models import Activity, Deadline, ReportFiling, Staff
from ..rules.context import RuleContext
from ..rules.periods import (
    SURVEY_MONTHS,
    annual_adjustment_want,
    annual_plan_want,
    bulletin_want,
    interest_survey_want,
)
from ..rules.sync import Want, activity_wants
from . import _by_id, _local

_STEP_OF = {"activity_plan": "plan", "activity_group": "group", "activity_notice": "notice"}
# done | done_late | overdue | due_soon | open (running) | waiting (not begun) | to_do
# (the archive, due once the activity is held: its procedure gives no number of days).
STATES = ("overdue", "due_soon", "to_do", "open", "waiting", "done_late", "done")


class Step(NamedTuple):
    name: str  # plan | group | notice | archive
    due_at: datetime | None  # None for the archive (no clock)
    done_at: datetime | None
    state: str


class ActivityRow(NamedTuple):
    id: int
    title: str
    held_on: date
    steps: tuple[Step, ...]  # in STEPS order
    next_step: str | None  # the step to record next; None once archived
    summary: str  # the archived record's summary (KF-020 §4.3.7)
    attendance: int | None
    cancelled_at: datetime | None = None  # called off after approval (office zone)
    cancel_reason: str = ""


class DutyRow(NamedTuple):
    duty: str  # annual_plan | annual_adjustment | interest_survey | bulletin
    period: str  # "2027" (the plan's year), "2026-06"
    due_at: datetime
    done_at: datetime | None
    by: str  # who filed it
    state: str
    note: dict  # what was filed: activities, changes, methods/responses/findings, topic


class ActivityYear(NamedTuple):
    year: int
    activities: tuple[ActivityRow, ...]
    duties: tuple[DutyRow, ...]  # by due time
    bulletins_posted: int  # months of the year whose bulletin is posted
    bulletin_months: int  # months of the year begun (up to this month)
    this_month: DutyRow | None  # this month's bulletin, when the year is this year


def clock_state(now: datetime, want: Want, ctx: RuleContext) -> str:
    """The engine's reading of one clock at ``now`` (``rules.engine.evaluate``)."""
    if want.stopped_at is not None:
        return "done" if want.stopped_at <= want.due_at else "done_late"
    if now > want.due_at:
        return "overdue"
    if now >= ctx.warn_at(want.started_at, want.due_at):
        return "due_soon"
    return "open" if now >= want.started_at else "waiting"


def _note(text: str) -> dict:
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {"text": text}  # a filing made before notes were structured
    return value if isinstance(value, dict) else {"text": text}


def archive_records(ids: list[int]) -> dict[int, dict]:
    """The archived records' detail (summary, attendance) by activity id (KF-020 §4.3.7)."""
    if not ids:
        return {}
    return {a.id: {"summary": a.summary, "attendance": a.attendance}
            for a in Activity.select(Activity.id, Activity.summary, Activity.attendance)
            .where(Activity.id.in_(ids) & Activity.archived_at.is_null(False))}


def activity_row(a: Activity, now: datetime, ctx: RuleContext,
                 record: dict | None = None) -> ActivityRow:
    zone = ctx.calendar.zone
    if a.cancelled_at is not None:  # called off: the steps as recorded, nothing more due
        done = (a.plan_approved_at, a.group_formed_at, a.notice_posted_at, a.archived_at)
        steps = tuple(Step(name, None, _local(at, zone), "done" if at else "cancelled")
                      for name, at in zip(STEPS, done, strict=True))
        return ActivityRow(a.id, a.title, a.held_on, steps, None, "", None,
                           _local(a.cancelled_at, zone), a.cancel_reason)
    steps = [Step(_STEP_OF[w.clock], _local(w.due_at, zone), _local(w.stopped_at, zone),
                  clock_state(now, w, ctx)) for w in activity_wants(a, ctx)]
    steps.sort(key=lambda s: STEPS.index(s.name))
    today = now.astimezone(zone).date()
    archive = ("done" if a.archived_at is not None
               else "to_do" if a.held_on <= today else "waiting")
    steps.append(Step("archive", None, _local(a.archived_at, zone), archive))
    next_step = next((s.name for s in steps if s.done_at is None), None)
    record = record or {}
    return ActivityRow(a.id, a.title, a.held_on, tuple(steps), next_step,
                       str(record.get("summary", "")), record.get("attendance"))


def _duty(now: datetime, want: Want, duty: str, filings: dict, names: dict,
          ctx: RuleContext) -> DutyRow:
    row = filings.get((duty, want.item_ref))
    zone = ctx.calendar.zone
    return DutyRow(duty, want.item_ref, _local(want.due_at, zone),
                   _local(want.stopped_at, zone), names.get(row.by_id, "") if row else "",
                   clock_state(now, want, ctx), _note(row.note) if row else {})


def activity_year(year: int, now: datetime, settings: Settings) -> ActivityYear:
    """``year``'s activities and duties with each one's due time and state at ``now``."""
    ctx = RuleContext.from_store(settings)
    today = now.astimezone(ctx.calendar.zone).date()
    rows = list(Activity.select().where((Activity.held_on >= date(year, 1, 1))
                                        & (Activity.held_on <= date(year, 12, 31)))
                .order_by(Activity.held_on, Activity.id))
    records = archive_records([a.id for a in rows if a.archived_at is not None])
    activities = tuple(activity_row(a, now, ctx, records.get(a.id)) for a in rows)

    periods = [str(year), str(year + 1)] + [f"{year:04d}-{m:02d}" for m in range(1, 13)]
    filings = {(f.duty, f.period): f for f in ReportFiling.select()
               .where(ReportFiling.period.in_(periods))}
    names = {s.id: s.name for s in _by_id(Staff, [f.by_id for f in filings.values()]).values()}
    wants = [("annual_plan", annual_plan_want(ctx, year)),
             ("annual_adjustment", annual_adjustment_want(ctx, year)),
             ("annual_plan", annual_plan_want(ctx, year + 1))]
    wants += [("interest_survey", interest_survey_want(ctx, year, m)) for m in SURVEY_MONTHS]
    # The bulletin: this month's, and any earlier month whose clock the engine still runs
    # (a month before the office used kfdesk has no clock: it is not shown as overdue).
    begun = 0 if year > today.year else 12 if year < today.year else today.month
    running = {item_id for (item_id,) in Deadline.select(Deadline.item_id).where(
        (Deadline.clock == "bulletin") & Deadline.stopped_at.is_null()
        & Deadline.item_id.between(year * 100 + 1, year * 100 + 12)).tuples()}
    posted = 0
    this_month = None
    for month in range(1, begun + 1):
        want = bulletin_want(ctx, year, month)
        posted += want.stopped_at is not None
        current = (year, month) == (today.year, today.month)
        if current or (want.stopped_at is None and want.item_id in running):
            wants.append(("bulletin", want))
        if current:
            this_month = _duty(now, want, "bulletin", filings, names, ctx)
    duties = sorted((_duty(now, w, duty, filings, names, ctx) for duty, w in wants),
                    key=lambda d: (d.due_at, d.duty))
    return ActivityYear(year, activities, tuple(duties), posted, begun, this_month)


def default_survey_period(today: date) -> str:
    """The interest survey to record: the latest June or December begun."""
    for year in (today.year, today.year - 1):
        for month in sorted(SURVEY_MONTHS, reverse=True):
            if date(year, month, 1) <= today:
                return f"{year:04d}-{month:02d}"
    return f"{today.year - 1:04d}-{SURVEY_MONTHS[-1]:02d}"


def default_plan_duty(today: date) -> tuple[str, int]:
    """What ``y`` files by default: this year's adjustment in the first half, else next
    year's plan (KF-020 §4.2.1)."""
    if today.month <= 6:
        return "annual_adjustment", today.year
    return "annual_plan", today.year + 1
