"""KF-009 §3.3 the annual satisfaction survey: the sample, distribution, returns, collection.

- ``approve_form`` (§3.3.1, RULES v2): the desk drafts the questionnaire and the company's
  quality department (品质管理部) approves it — who and when are recorded; distribution is
  refused until then.
- ``draw_survey_sample``: the households to receive a questionnaire. The share is
  ``survey_share_old`` (15 %) for a community occupied ``survey_old_after_years`` (5) years
  or more (入伙五年以上, RULES v2: "five years or more", not "more than five") — counted
  from ``office.occupied_since`` to the survey year — otherwise
  ``survey_share_young`` (≥ 30 %), of the households (units not vacant), rounded up. "Random
  and evenly spread" (§3.3.2): each building gets its proportional share by the largest
  remainder method — within one household of ``n × its households / all households`` —
  and its households are drawn at random, from ``random.Random(f"{seed}-survey-{year}")``
  (``office.sample_seed``), so a draw can be reproduced. A sample may be drawn again until
  it is distributed.
- ``record_distribution``: the copies went out — by 20 December (RULES v2: the periodic
  ``survey_distribute`` clock, ``kfdesk.rules.periods``); the 10-day collection clock
  (``survey_collect``) starts.
- ``record_return``: one household's copy came back, with its overall grade (very satisfied /
  satisfied / neutral / dissatisfied) and the resident's remarks. When every copy is back the
  collection is complete.
- ``close_collection``: the desk ends the collection (stops ``survey_collect``; the 3-day
  report clock ``survey_report`` starts); ``record_report``: the statistics and report are done.
- ``forward_feedback`` (§3.3.5, RULES v2): each piece of feedback — a returned copy with the
  resident's remarks — logged and forwarded to the department concerned, one by one.
- The open letter (§3.3.6, RULES v2): concentrated issues are answered by an open letter within
  2 weeks of collection (``survey_letter`` clock, ``survey_open_letter_days``), posted only
  after the general manager (总经理) approved it: ``approve_open_letter`` then
  ``post_open_letter`` (refused before the approval). ``waive_open_letter``: the supervisor
  records that the returns raised no concentrated issue, with the reason — no letter is owed.

The return rate is judged against ``survey_return_rate`` (75 %) counting copies back within
the collection days (``views.surveys``). Roles: drawing, closing and reporting are the
supervisor's (and manager's); distribution and returns are recorded by clerk, supervisor or
manager. Every write checks first, runs in one transaction, appends an audit event naming
the actor and calls ``sync_surveys`` for the survey's clocks.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import datetime
from fractions import Fraction

from ..clock import Clock
from ..config import Settings
from ..models import SURVEY_GRADES, Staff, Survey, SurveyCopy, Unit
from ..models.tickets import DEPARTMENTS
from ..rules.context import RuleContext
from ..rules.periods import sync_survey_distribution
from ..rules.sampling import quota
from ..rules.sync import sync_surveys
from .base import DeskError, audit, require_role, transaction
from .sampling import seed_of

DRAW_ROLES = ("supervisor", "manager")
DESK_ROLES = ("clerk", "supervisor", "manager")
REMARKS_MAX = 1000


def is_old_community(year: int, settings: Settings) -> bool:
    """Occupied ``survey_old_after_years`` (5) years or more by the survey's year (KF-009
    §3.3.2 入伙五年以上; RULES v2 — v1 read it as strictly more)."""
    since = int(settings.data["office"]["occupied_since"])
    return year - since >= int(settings.data["targets"]["survey_old_after_years"])


def survey_share(year: int, settings: Settings) -> float:
    targets = settings.data["targets"]
    return float(targets["survey_share_old"] if is_old_community(year, settings)
                 else targets["survey_share_young"])


def households() -> list[Unit]:
    """The households a questionnaire can go to: every unit that is not vacant."""
    return list(Unit.select(Unit.id, Unit.code, Unit.building)
                .where(Unit.status != "vacant").order_by(Unit.code))


def allocate(sizes: Mapping[int, int], n: int, rng: random.Random) -> dict[int, int]:
    """``n`` copies shared over groups of ``sizes`` in proportion, by largest remainder.

    Each group gets the floor of its exact share, the copies left go to the largest
    remainders (ties drawn by ``rng``): every group is within one copy of its exact share.
    """
    total = sum(sizes.values())
    if total == 0 or n <= 0:
        return dict.fromkeys(sizes, 0)
    exact = {k: Fraction(n * size, total) for k, size in sizes.items()}
    out = {k: int(v) for k, v in exact.items()}  # floor: shares are never negative
    order = sorted(sizes, key=lambda k: (-(exact[k] - out[k]), rng.random(), k))
    for k in order[:n - sum(out.values())]:
        out[k] += 1
    return out


def _survey(year: int) -> Survey:
    survey = Survey.get_or_none(Survey.year == year)
    if survey is None:
        raise DeskError("survey.none", year=year)
    return survey


def _sync(survey: Survey, settings: Settings) -> None:
    ctx = RuleContext.from_store(settings)
    sync_surveys([survey], ctx)
    sync_survey_distribution(survey.year, ctx)


def draw_survey_sample(year: int, actor: Staff, clock: Clock, settings: Settings) -> Survey:
    """Draw (or draw again, before distribution) the year's households (KF-009 §3.3.2)."""
    require_role(actor, DRAW_ROLES, "survey.draw")
    this_year = clock.now().astimezone(settings.zone).year
    if year not in (this_year, this_year + 1):
        raise DeskError("survey.year", field="year", year=year)
    with transaction():
        survey = Survey.get_or_none(Survey.year == year)
        if survey is not None and survey.distributed_at is not None:
            raise DeskError("survey.already_distributed", year=year)
        homes = households()
        if not homes:
            raise DeskError("survey.no_households")
        n = quota(len(homes), survey_share(year, settings))
        rng = random.Random(f"{seed_of(settings)}-survey-{year}")
        by_building: dict[int, list[Unit]] = {}
        for u in homes:
            by_building.setdefault(u.building_id, []).append(u)
        shares = allocate({b: len(us) for b, us in by_building.items()}, n, rng)
        drawn: list[Unit] = []
        for building in sorted(by_building):
            drawn += rng.sample(by_building[building], shares[building])
        if survey is None:
            survey = Survey.create(year=year, households=len(drawn))
        else:
            SurveyCopy.delete().where(SurveyCopy.survey == survey).execute()
            survey.households = len(drawn)
            survey.returned = 0
            survey.save()
        SurveyCopy.insert_many([{"survey": survey.id, "unit": u.id} for u in
                                sorted(drawn, key=lambda u: u.code)]).execute()
        audit(actor, clock, "survey.draw", survey, year=year, households=len(homes),
              drawn=len(drawn), share=survey_share(year, settings), seed=seed_of(settings))
        _sync(survey, settings)
    return survey


def record_distribution(year: int, distributed_at: datetime | None, actor: Staff, clock: Clock,
                        settings: Settings) -> Survey:
    """The drawn copies went out: the 10-day collection clock starts (KF-009 §3.3.3)."""
    require_role(actor, DESK_ROLES, "survey.distribute")
    now = clock.now()
    when = distributed_at or now
    if when > now:
        raise DeskError("survey.future", field="distributed_at")
    with transaction():
        survey = _survey(year)
        if survey.distributed_at is not None:
            raise DeskError("survey.already_distributed", year=year)
        if not SurveyCopy.select().where(SurveyCopy.survey == survey).exists():
            raise DeskError("survey.not_drawn", year=year)
        if survey.form_approved_at is None:  # KF-009 §3.3.1 (RULES v2)
            raise DeskError("survey.form_not_approved", year=year)
        survey.distributed_at = when
        survey.save()
        audit(actor, clock, "survey.distribute", survey, year=year,
              distributed_at=when.isoformat(), copies=survey.households)
        _sync(survey, settings)
    return survey


def record_return(year: int, unit_code: str, grade: str, remarks: str, actor: Staff,
                  clock: Clock, settings: Settings, *,
                  returned_at: datetime | None = None) -> SurveyCopy:
    """One household's questionnaire came back (KF-009 §3.3.3)."""
    require_role(actor, DESK_ROLES, "survey.return")
    now = clock.now()
    when = returned_at or now
    code = unit_code.strip()
    if not code:
        raise DeskError("survey.unit_needed", field="unit")
    if grade not in SURVEY_GRADES:
        raise DeskError("survey.grade", field="grade")
    if len(remarks.strip()) > REMARKS_MAX:
        raise DeskError("survey.too_long", field="remarks", limit=REMARKS_MAX)
    if when > now:
        raise DeskError("survey.future", field="returned_at")
    with transaction():
        survey = _survey(year)
        if survey.distributed_at is None:
            raise DeskError("survey.not_distributed", year=year)
        if survey.collected_at is not None:
            raise DeskError("survey.collected", year=year)
        if when < survey.distributed_at:
            raise DeskError("survey.before_distribution", field="returned_at")
        copy = (SurveyCopy.select().join(Unit)
                .where((SurveyCopy.survey == survey) & (Unit.code == code)).first())
        if copy is None:
            raise DeskError("survey.not_in_sample", field="unit", unit=code, year=year)
        if copy.returned_at is not None:
            raise DeskError("survey.already_returned", field="unit", unit=code)
        copy.returned_at = when
        copy.grade = grade
        copy.remarks = remarks.strip()
        copy.recorded_by = actor
        copy.save()
        returned = (SurveyCopy.select().where((SurveyCopy.survey == survey)
                                              & SurveyCopy.returned_at.is_null(False)).count())
        survey.returned = returned
        if returned >= survey.households:
            survey.collected_at = now  # every copy is back: the collection is complete
        survey.save()
        audit(actor, clock, "survey.return", copy, year=year, unit=code, grade=grade,
              returned=returned, of=survey.households)
        _sync(survey, settings)
    return copy


def close_collection(year: int, actor: Staff, clock: Clock, settings: Settings) -> Survey:
    """End the collection; the statistics and report are due within 3 days (§3.3.4)."""
    require_role(actor, DRAW_ROLES, "survey.close")
    now = clock.now()
    with transaction():
        survey = _survey(year)
        if survey.distributed_at is None:
            raise DeskError("survey.not_distributed", year=year)
        if survey.collected_at is not None:
            raise DeskError("survey.collected", year=year)
        survey.collected_at = now
        survey.save()
        audit(actor, clock, "survey.close", survey, year=year, returned=survey.returned,
              of=survey.households)
        _sync(survey, settings)
    return survey


def record_report(year: int, actor: Staff, clock: Clock, settings: Settings) -> Survey:
    """The statistics and the report are done and sent (KF-009 §3.3.4)."""
    require_role(actor, DRAW_ROLES, "survey.report")
    now = clock.now()
    with transaction():
        survey = _survey(year)
        if survey.collected_at is None:
            raise DeskError("survey.not_collected", year=year)
        if survey.reported_at is not None:
            raise DeskError("survey.reported", year=year)
        survey.reported_at = now
        survey.save()
        audit(actor, clock, "survey.report", survey, year=year)
        _sync(survey, settings)
    return survey


# ---- RULES v2: the form's approval, the feedback forwarded, the open letter --------------------

NAME_MAX = 64
FORWARD_DEPARTMENTS = DEPARTMENTS  # the developer too: construction issues go to it


def _name(value: str, key: str, field: str) -> str:
    value = value.strip()
    if not value:
        raise DeskError(key, field=field)
    if len(value) > NAME_MAX:
        raise DeskError("survey.too_long", field=field, limit=NAME_MAX)
    return value


def _past(when: datetime | None, now: datetime, field: str) -> datetime:
    when = when or now
    if when > now:
        raise DeskError("survey.future", field=field)
    return when


def approve_form(year: int, approved_by: str, approved_at: datetime | None, actor: Staff,
                 clock: Clock, settings: Settings) -> Survey:
    """KF-009 §3.3.1 (RULES v2): the quality department (品质管理部) approved the year's
    questionnaire — who there approved it and when, recorded by the supervisor. The year's
    survey record is opened by it when no sample was drawn yet. Refused once distributed
    (the copies that went out are the approved form)."""
    require_role(actor, DRAW_ROLES, "survey.approve_form")
    now = clock.now()
    this_year = now.astimezone(settings.zone).year
    if year not in (this_year, this_year + 1):
        raise DeskError("survey.year", field="year", year=year)
    who = _name(approved_by, "survey.approver_needed", "approved_by")
    when = _past(approved_at, now, "approved_at")
    with transaction():
        survey = Survey.get_or_none(Survey.year == year)
        if survey is None:
            survey = Survey.create(year=year)
        if survey.distributed_at is not None:
            raise DeskError("survey.already_distributed", year=year)
        survey.form_approved_by = who
        survey.form_approved_at = when
        survey.save()
        audit(actor, clock, "survey.approve_form", survey, year=year, approved_by=who,
              approved_at=when.isoformat())
        _sync(survey, settings)
    return survey


def forward_feedback(year: int, unit_code: str, department: str, actor: Staff, clock: Clock,
                     settings: Settings) -> SurveyCopy:
    """KF-009 §3.3.5 (RULES v2): one household's feedback (a returned copy with remarks)
    logged and forwarded to the department concerned for follow-up. Once per copy."""
    require_role(actor, DESK_ROLES, "survey.forward")
    code = unit_code.strip()
    if not code:
        raise DeskError("survey.unit_needed", field="unit")
    if department not in FORWARD_DEPARTMENTS:
        raise DeskError("survey.forward_department", field="department")
    now = clock.now()
    with transaction():
        survey = _survey(year)
        copy = (SurveyCopy.select().join(Unit)
                .where((SurveyCopy.survey == survey) & (Unit.code == code)).first())
        if copy is None:
            raise DeskError("survey.not_in_sample", field="unit", unit=code, year=year)
        if copy.returned_at is None:
            raise DeskError("survey.not_returned", field="unit", unit=code)
        if not copy.remarks:
            raise DeskError("survey.no_feedback", field="unit", unit=code)
        if copy.forwarded_at is not None:
            raise DeskError("survey.already_forwarded", field="unit", unit=code)
        copy.forwarded_to = department
        copy.forwarded_at = now
        copy.save()
        audit(actor, clock, "survey.forward", copy, year=year, unit=code,
              department=department, remarks=copy.remarks)
    return copy


def _collected(year: int) -> Survey:
    survey = _survey(year)
    if survey.collected_at is None:
        raise DeskError("survey.letter_not_collected", year=year)
    if survey.letter_waived_at is not None:
        raise DeskError("survey.letter_waived", year=year)
    return survey


def approve_open_letter(year: int, approved_by: str, subject: str, approved_at: datetime | None,
                        actor: Staff, clock: Clock, settings: Settings) -> Survey:
    """KF-009 §3.3.6 (RULES v2): the open letter answering the concentrated issues, approved
    by the general manager (总经理, ``approved_by``); ``subject`` is what it answers."""
    require_role(actor, DRAW_ROLES, "survey.letter_approve")
    who = _name(approved_by, "survey.approver_needed", "approved_by")
    what = subject.strip()
    if not what:
        raise DeskError("survey.letter_subject", field="subject")
    if len(what) > REMARKS_MAX:
        raise DeskError("survey.too_long", field="subject", limit=REMARKS_MAX)
    now = clock.now()
    when = _past(approved_at, now, "approved_at")
    with transaction():
        survey = _collected(year)
        if survey.letter_approved_at is not None:
            raise DeskError("survey.letter_approved", year=year)
        if when < survey.collected_at:
            raise DeskError("survey.letter_before_collection", field="approved_at")
        survey.letter_approved_by = who
        survey.letter_approved_at = when
        survey.letter_note = what
        survey.save()
        audit(actor, clock, "survey.letter_approve", survey, year=year, approved_by=who,
              subject=what)
        _sync(survey, settings)
    return survey


def post_open_letter(year: int, posted_at: datetime | None, actor: Staff, clock: Clock,
                     settings: Settings) -> Survey:
    """The approved open letter posted (张贴): stops the ``survey_letter`` clock. Refused
    before the general manager's approval (KF-009 §3.3.6, RULES v2)."""
    require_role(actor, DESK_ROLES, "survey.letter_post")
    now = clock.now()
    when = _past(posted_at, now, "posted_at")
    with transaction():
        survey = _collected(year)
        if survey.letter_approved_at is None:
            raise DeskError("survey.letter_not_approved", year=year)
        if survey.letter_posted_at is not None:
            raise DeskError("survey.letter_posted", year=year)
        if when < survey.letter_approved_at:
            raise DeskError("survey.letter_before_approval", field="posted_at")
        survey.letter_posted_at = when
        survey.save()
        audit(actor, clock, "survey.letter_post", survey, year=year,
              posted_at=when.isoformat())
        _sync(survey, settings)
    return survey


def waive_open_letter(year: int, reason: str, actor: Staff, clock: Clock,
                      settings: Settings) -> Survey:
    """The returns raised no concentrated issue: no open letter is owed (KF-009 §3.3.6 only
    asks one for concentrated issues). The supervisor says why; stops the clock."""
    require_role(actor, DRAW_ROLES, "survey.letter_waive")
    why = reason.strip()
    if not why:
        raise DeskError("survey.letter_reason", field="reason")
    if len(why) > REMARKS_MAX:
        raise DeskError("survey.too_long", field="reason", limit=REMARKS_MAX)
    now = clock.now()
    with transaction():
        survey = _collected(year)
        if survey.letter_approved_at is not None:
            raise DeskError("survey.letter_approved", year=year)
        survey.letter_waived_at = now
        survey.letter_note = why
        survey.save()
        audit(actor, clock, "survey.letter_waive", survey, year=year, reason=why)
        _sync(survey, settings)
    return survey
