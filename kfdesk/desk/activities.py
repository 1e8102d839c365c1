"""KF-019/020 community activities: the yearly duties and each activity's steps, with clocks.

The yearly duties are ``ReportFiling`` rows (one per duty and period) whose filing stops the
periodic clock ``kfdesk.rules.periods`` opened:

- ``record_interest_survey`` (KF-020 §4.1): the activity-interest survey of June and of
  December — how it was done (phone, opinion form, interview, §4.1.2), how many answered,
  and what it found.
- ``file_annual_plan`` (§4.2.1): next year's plan, by 15 Dec — the planned activities, one a
  line. **Reading:** the plan is drawn up "from the half-yearly interest survey", so the
  plan for year Y needs the December survey of Y − 1 recorded first.
- ``file_adjustment`` (§4.2.1): this year's mid-year adjustment, by 15 Jun; it adjusts a
  filed plan and follows the June survey (same reading).
- ``post_bulletin`` (§4.4.2–4.4.3): the month's bulletin-board material, by the 30th (the
  last day in February), with what it shows.

Each activity (the ``Activity`` record) goes through its steps in order, each stopping its
clock (``kfdesk.rules.sync.activity_wants``):

1. ``create_activity`` — title and date, from the plan (§4.2.2); ``reschedule_activity``
   moves the date, ``withdraw_activity`` takes it off before its plan is approved, and
   ``cancel_activity`` calls it off after (the record stays, with the reason; its clocks end).
2. ``approve_plan`` — the activity's own plan (purpose, programme, equipment, budget,
   organisation: §4.2.3) approved by the manager, one month before (§4.2.2).
3. ``form_group`` — the organising group, at least 10 days before (§4.3.1: the manager
   leads, the supervisor deputises; security, office and engineering take their parts).
4. ``post_notice`` — the public notice to the owners, 10 days before (§4.3.2).
5. ``archive_activity`` — held: the summary and the record filed in two copies, one for the
   office and one for the quality department (§4.3.7). Not before the activity's day.

Roles: the yearly plan and adjustment, the activities and their group and archive are the
supervisor's (and the manager's); an activity's plan is approved by the manager alone
(§4.2.2 "经管理处批准"); the notice, the bulletin and the interest survey are the desk's work
(clerk, supervisor or manager). Every write checks first — a refusal changes nothing — runs in
one transaction, appends an audit event naming the actor and brings the clocks up to date.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime

from ..clock import Clock
from ..config import Settings
from ..models import Activity, ReportFiling, Staff
from ..rules.context import RuleContext
from ..rules.periods import SURVEY_MONTHS, sync_duty, sync_periods
from ..rules.sync import sync_activities
from .base import DeskError, audit, require_role, transaction

PLAN_ROLES = ("supervisor", "manager")
APPROVE_ROLES = ("manager",)
DESK_ROLES = ("clerk", "supervisor", "manager")
TITLE_MAX = 64
TEXT_MAX = 2000
# KF-020 §4.3.2 "采取适当手段": the means of the public notice.
NOTICE_MEANS = ("board", "lift", "message", "letter")
# KF-020 §4.1.2: phone interviews, opinion forms delivered, interviews by appointment.
SURVEY_METHODS = ("phone", "form", "interview")
STEPS = ("plan", "group", "notice", "archive")

_MONTH = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
_YEAR = re.compile(r"^(\d{4})\s*年?$")


# ---- input ---------------------------------------------------------------------------------


def _norm(text: str | int) -> str:
    # Full-width digits and punctuation from a Chinese input method read as ASCII.
    return unicodedata.normalize("NFKC", str(text)).strip()


def parse_month(text: str | date, field: str = "month") -> str:
    """``2026-10``, ``2026/6`` or ``2026年6月`` → ``"2026-06"`` (a ``ReportFiling`` period)."""
    if isinstance(text, date):
        return f"{text.year:04d}-{text.month:02d}"
    m = _MONTH.match(_norm(text))
    if m is None or not 1 <= int(m.group(2)) <= 12:
        raise DeskError("activity.bad_month", field=field, text=_norm(text))
    return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}"


def parse_year(text: str | int, field: str = "year") -> int:
    m = _YEAR.match(_norm(text))
    if m is None:
        raise DeskError("activity.bad_year", field=field, text=_norm(text))
    return int(m.group(1))


def parse_count(text: str | int | None, field: str) -> int | None:
    """A head count as typed; blank is None."""
    value = _norm(text if text is not None else "")
    if not value:
        return None
    if not value.isdigit():
        raise DeskError("activity.bad_count", field=field, text=value)
    return int(value)


def _text(value: str, field: str, *, required: bool, limit: int = TEXT_MAX) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DeskError(f"activity.{field}_needed", field=field)
    if len(value) > limit:
        raise DeskError("activity.too_long", field=field, limit=limit)
    return value


def _lines(value: str, field: str) -> list[str]:
    """A list typed one item a line (blank lines and list marks dropped)."""
    text = _text(value, field, required=True)
    return [line.strip().lstrip("-·•*").strip() for line in text.splitlines()
            if line.strip().lstrip("-·•*").strip()]


def _today(clock: Clock, settings: Settings) -> date:
    return clock.now().astimezone(settings.zone).date()


def _when(at: datetime | None, clock: Clock, after: datetime | None, field: str) -> datetime:
    """When a step was done: now unless given; never in the future nor before the step it
    follows (the order of KF-020 §4.2–4.3)."""
    now = clock.now()
    when = at or now
    if when > now:
        raise DeskError("activity.future", field=field)
    if after is not None and when < after:
        raise DeskError("activity.before_previous", field=field)
    return when


# ---- clocks --------------------------------------------------------------------------------


def _sync(activity: Activity | None, settings: Settings, withdrawn: Sequence[int] = ()) -> None:
    sync_activities([activity] if activity is not None else [],
                    RuleContext.from_store(settings), withdrawn)


def _file(duty: str, period: str, note: dict, action: str, actor: Staff, clock: Clock,
          settings: Settings, **detail: object) -> ReportFiling:
    """The duty's period done: one ``ReportFiling``, its audit event, its clock stopped."""
    row = ReportFiling.create(duty=duty, period=period, filed_at=clock.now(), by=actor,
                              note=json.dumps(note, ensure_ascii=False))
    audit(actor, clock, action, row, duty=duty, period=period, **detail)
    ctx = RuleContext.from_store(settings)
    sync_periods(clock.now(), ctx)
    sync_duty(duty, period, ctx)  # an older period's clock too (late filing)
    return row


def _filed(duty: str, period: str) -> bool:
    return ReportFiling.select().where((ReportFiling.duty == duty)
                                       & (ReportFiling.period == period)).exists()


# ---- the yearly duties ---------------------------------------------------------------------


def record_interest_survey(period: str | date, methods: Sequence[str], responses: int | None,
                           findings: str, actor: Staff, clock: Clock,
                           settings: Settings) -> ReportFiling:
    """KF-020 §4.1: the June or December activity-interest survey done and summed up."""
    require_role(actor, DESK_ROLES, "activities.interest_survey")
    ref = parse_month(period, "period")
    year, month = int(ref[:4]), int(ref[5:])
    if month not in SURVEY_MONTHS:
        raise DeskError("interest.month", field="period", period=ref)
    if date(year, month, 1) > _today(clock, settings):
        raise DeskError("interest.not_yet", field="period", period=ref)
    chosen = [m for m in SURVEY_METHODS if m in methods]
    if not chosen or len(chosen) != len(set(methods)):
        raise DeskError("interest.method", field="methods")
    if responses is None or responses < 0:
        raise DeskError("interest.responses", field="responses")
    found = _text(findings, "findings", required=True)
    with transaction():
        if _filed("interest_survey", ref):
            raise DeskError("interest.done", field="period", period=ref)
        return _file("interest_survey", ref,
                     {"methods": chosen, "responses": responses, "findings": found},
                     "activities.interest_survey", actor, clock, settings,
                     methods=chosen, responses=responses, findings=found)


def file_annual_plan(year: int | str, activities: str, actor: Staff, clock: Clock,
                     settings: Settings) -> ReportFiling:
    """KF-020 §4.2.1: the plan for ``year`` (next year's, by 15 Dec; this year's, late)."""
    require_role(actor, PLAN_ROLES, "activities.annual_plan")
    plan_year = parse_year(year)
    this_year = _today(clock, settings).year
    if plan_year not in (this_year, this_year + 1):
        raise DeskError("annual.plan_year", field="year", year=plan_year)
    planned = _lines(activities, "activities")
    survey = f"{plan_year - 1:04d}-12"
    with transaction():
        if _filed("annual_plan", str(plan_year)):
            raise DeskError("annual.plan_filed", field="year", year=plan_year)
        if not _filed("interest_survey", survey):
            raise DeskError("annual.survey_first", field="year", period=survey)
        return _file("annual_plan", str(plan_year), {"activities": planned},
                     "activities.annual_plan", actor, clock, settings, activities=planned)


def file_adjustment(year: int | str, changes: str, actor: Staff, clock: Clock,
                    settings: Settings) -> ReportFiling:
    """KF-020 §4.2.1: this year's plan adjusted at mid-year (by 15 Jun)."""
    require_role(actor, PLAN_ROLES, "activities.adjustment")
    plan_year = parse_year(year)
    if plan_year != _today(clock, settings).year:
        raise DeskError("annual.adjust_year", field="year", year=plan_year)
    changed = _lines(changes, "changes")
    survey = f"{plan_year:04d}-06"
    with transaction():
        if _filed("annual_adjustment", str(plan_year)):
            raise DeskError("annual.adjust_filed", field="year", year=plan_year)
        if not _filed("annual_plan", str(plan_year)):
            raise DeskError("annual.plan_first", field="year", year=plan_year)
        if not _filed("interest_survey", survey):
            raise DeskError("annual.survey_first", field="year", period=survey)
        return _file("annual_adjustment", str(plan_year), {"changes": changed},
                     "activities.adjustment", actor, clock, settings, changes=changed)


def post_bulletin(month: str | date, topic: str, actor: Staff, clock: Clock,
                  settings: Settings) -> ReportFiling:
    """KF-020 §4.4.2–4.4.3: the month's bulletin-board material posted, and what it shows."""
    require_role(actor, DESK_ROLES, "activities.bulletin")
    ref = parse_month(month)
    today = _today(clock, settings)
    if ref > f"{today.year:04d}-{today.month:02d}":
        raise DeskError("bulletin.future", field="month", month=ref)
    shown = _text(topic, "topic", required=True)
    with transaction():
        if _filed("bulletin", ref):
            raise DeskError("bulletin.done", field="month", month=ref)
        return _file("bulletin", ref, {"topic": shown}, "activities.bulletin", actor, clock,
                     settings, topic=shown)


# ---- one activity --------------------------------------------------------------------------


def _check_day(held_on: date | None, clock: Clock, settings: Settings) -> date:
    if held_on is None:
        raise DeskError("activity.date_needed", field="held_on")
    today = _today(clock, settings)
    if held_on < today:
        raise DeskError("activity.past_date", field="held_on", day=held_on.isoformat())
    if held_on.year > today.year + 1:
        raise DeskError("activity.far_date", field="held_on", day=held_on.isoformat())
    return held_on


def _activity(activity_id: int) -> Activity:
    activity = Activity.get_or_none(Activity.id == activity_id)
    if activity is None:
        raise DeskError("activity.unknown")
    if activity.archived_at is not None:
        raise DeskError("activity.archived", title=activity.title)
    if activity.cancelled_at is not None:
        raise DeskError("activity.cancelled", title=activity.title)
    return activity


def create_activity(title: str, held_on: date | None, actor: Staff, clock: Clock,
                    settings: Settings) -> Activity:
    """A planned activity with its date: its three clocks start (KF-020 §4.2.2, §4.3)."""
    require_role(actor, PLAN_ROLES, "activities.create")
    name = _text(title, "title", required=True, limit=TITLE_MAX)
    day = _check_day(held_on, clock, settings)
    with transaction():
        if Activity.select().where((Activity.title == name)
                                   & (Activity.held_on == day)).exists():
            raise DeskError("activity.duplicate", field="title", title=name,
                            day=day.isoformat())
        activity = Activity.create(title=name, held_on=day)
        audit(actor, clock, "activities.create", activity, title=name,
              held_on=day.isoformat())
        _sync(activity, settings)
    return activity


def reschedule_activity(activity_id: int, held_on: date | None, actor: Staff, clock: Clock,
                        settings: Settings) -> Activity:
    """The date moved: the clocks follow; steps already done stay done."""
    require_role(actor, PLAN_ROLES, "activities.reschedule")
    day = _check_day(held_on, clock, settings)
    with transaction():
        activity = _activity(activity_id)
        before = activity.held_on
        if before == day:
            return activity
        activity.held_on = day
        activity.save()
        audit(actor, clock, "activities.reschedule", activity, title=activity.title,
              held_on=day.isoformat(), was=before.isoformat())
        _sync(activity, settings)
    return activity


def withdraw_activity(activity_id: int, actor: Staff, clock: Clock, settings: Settings) -> None:
    """Take an activity off before its plan is approved (a draft, not yet a record; the
    audit trail keeps it). After approval it stays: a record is never deleted."""
    require_role(actor, PLAN_ROLES, "activities.withdraw")
    with transaction():
        activity = _activity(activity_id)
        if activity.plan_approved_at is not None:
            raise DeskError("activity.approved_stays", title=activity.title)
        audit(actor, clock, "activities.withdraw", activity, title=activity.title,
              held_on=activity.held_on.isoformat())
        activity_id = activity.id
        activity.delete_instance()
        _sync(None, settings, withdrawn=[activity_id])


def cancel_activity(activity_id: int, reason: str, actor: Staff, clock: Clock,
                    settings: Settings) -> Activity:
    """Call off an activity whose plan was approved (weather, the venue, the office's
    decision): the record stays with when and why, its remaining clocks end, and no step can
    be recorded on it any more. Before approval, ``withdraw_activity`` takes it off instead."""
    require_role(actor, PLAN_ROLES, "activities.cancel")
    why = _text(reason, "reason", required=True)
    with transaction():
        activity = _activity(activity_id)
        if activity.plan_approved_at is None:
            raise DeskError("activity.cancel_not_approved", title=activity.title)
        activity.cancelled_at = clock.now()
        activity.cancel_reason = why
        activity.save()
        audit(actor, clock, "activities.cancel", activity, title=activity.title,
              held_on=activity.held_on.isoformat(), reason=why)
        _sync(activity, settings)
    return activity


def approve_plan(activity_id: int, plan: str, actor: Staff, clock: Clock, settings: Settings,
                 *, approved_at: datetime | None = None) -> Activity:
    """KF-020 §4.2.2–4.2.3: the manager approves the activity's plan (a month before)."""
    require_role(actor, APPROVE_ROLES, "activities.approve")
    text = _text(plan, "plan", required=False)
    when = _when(approved_at, clock, None, "approved_at")
    with transaction():
        activity = _activity(activity_id)
        if activity.plan_approved_at is not None:
            raise DeskError("activity.plan_done", title=activity.title)
        activity.plan_approved_at = when
        activity.save()
        audit(actor, clock, "activities.approve", activity, title=activity.title,
              held_on=activity.held_on.isoformat(), at=when.isoformat(), plan=text)
        _sync(activity, settings)
    return activity


def form_group(activity_id: int, members: str, actor: Staff, clock: Clock, settings: Settings,
               *, formed_at: datetime | None = None) -> Activity:
    """KF-020 §4.3.1: the organising group formed, at least 10 days before; after the plan."""
    require_role(actor, PLAN_ROLES, "activities.group")
    text = _text(members, "members", required=False)
    with transaction():
        activity = _activity(activity_id)
        if activity.group_formed_at is not None:
            raise DeskError("activity.group_done", title=activity.title)
        if activity.plan_approved_at is None:
            raise DeskError("activity.plan_first", title=activity.title)
        when = _when(formed_at, clock, activity.plan_approved_at, "formed_at")
        activity.group_formed_at = when
        activity.save()
        audit(actor, clock, "activities.group", activity, title=activity.title,
              at=when.isoformat(), members=text)
        _sync(activity, settings)
    return activity


def post_notice(activity_id: int, means: Sequence[str], actor: Staff, clock: Clock,
                settings: Settings, *, posted_at: datetime | None = None) -> Activity:
    """KF-020 §4.3.2: the public notice to the owners, 10 days before; after the group."""
    require_role(actor, DESK_ROLES, "activities.notice")
    chosen = [m for m in NOTICE_MEANS if m in means]
    if not chosen or len(chosen) != len(set(means)):
        raise DeskError("activity.means", field="means")
    with transaction():
        activity = _activity(activity_id)
        if activity.notice_posted_at is not None:
            raise DeskError("activity.notice_done", title=activity.title)
        if activity.group_formed_at is None:
            raise DeskError("activity.group_first", title=activity.title)
        when = _when(posted_at, clock, activity.group_formed_at, "posted_at")
        activity.notice_posted_at = when
        activity.save()
        audit(actor, clock, "activities.notice", activity, title=activity.title,
              at=when.isoformat(), means=chosen)
        _sync(activity, settings)
    return activity


def archive_activity(activity_id: int, summary: str, attendance: int | None, actor: Staff,
                     clock: Clock, settings: Settings) -> Activity:
    """KF-020 §4.3.7: held — the summary written and the record archived in two copies
    (the office's and the quality department's). Not before the day, nor before the notice."""
    require_role(actor, PLAN_ROLES, "activities.archive")
    text = _text(summary, "summary", required=True)
    if attendance is not None and attendance < 0:
        raise DeskError("activity.bad_count", field="attendance", text=str(attendance))
    with transaction():
        activity = _activity(activity_id)
        if activity.notice_posted_at is None:
            raise DeskError("activity.notice_first", title=activity.title)
        if activity.held_on > _today(clock, settings):
            raise DeskError("activity.not_held", title=activity.title,
                            day=activity.held_on.isoformat())
        activity.archived_at = clock.now()
        activity.summary = text
        activity.attendance = attendance
        activity.save()
        audit(actor, clock, "activities.archive", activity, title=activity.title,
              held_on=activity.held_on.isoformat(), summary=text, attendance=attendance,
              copies=["office", "quality"])
        _sync(activity, settings)
    return activity
