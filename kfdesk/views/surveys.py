"""Read view of the KF-009 §3.3 satisfaction survey: where the year's survey stands and its
statistics table.

Reads only (the writes are ``kfdesk.desk.surveys``). The return rate is the share of the
distributed copies back within the collection days (``clocks.survey_collect_days``, 10)
against ``targets.survey_return_rate`` (75 %); the statistics are the returns by building
and the overall grades. Times in the office zone. A survey recorded only as figures (no
copies, as an older year may be) shows its figures and no table.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from fractions import Fraction
from typing import NamedTuple

from ..config import Settings
from ..desk.surveys import households, is_old_community, survey_share
from ..models import SURVEY_GRADES, Building, Survey, SurveyCopy, Unit
from ..percent import percent as to_percent
from ..percent import percent_text
from ..rules.context import RuleContext
from ..rules.periods import survey_distribute_want
from ..rules.sampling import quota
from . import _by_id, _local


class CopyRow(NamedTuple):
    unit: str
    building: str
    returned_at: datetime | None
    grade: str | None
    remarks: str
    forwarded_to: str  # the department its feedback went to (RULES v2), "" when not yet


class BuildingStat(NamedTuple):
    building: str  # its number, "3" in 3-1-502
    households: int  # households in the building
    drawn: int  # copies it received
    returned: int


class SurveyOverview(NamedTuple):
    year: int
    exists: bool
    occupied_since: int
    old: bool  # occupied more than the setting's years: the lower share applies
    share: float  # of the households
    households: int  # households now (units not vacant)
    target: int  # copies the share asks for, rounded up
    drawn: int  # copies drawn (the survey's households)
    distributed_at: datetime | None
    collect_due: datetime | None  # distributed + collection days
    returned: int
    returned_in_time: int
    return_rate: Fraction | None  # in time / drawn, once distributed
    return_target: float
    collected_at: datetime | None
    report_due: datetime | None
    reported_at: datetime | None
    form_approved_by: str  # the quality department's approver (RULES v2), "" when not yet
    form_approved_at: datetime | None
    distribute_due: datetime  # by 20 December (moved to a working day), RULES v2
    letter_due: datetime | None  # collected + 14 days, RULES v2 (KF-009 §3.3.6)
    letter_approved_by: str  # the general manager
    letter_approved_at: datetime | None
    letter_posted_at: datetime | None
    letter_waived_at: datetime | None
    letter_note: str  # what the letter answers, or why none was needed
    unforwarded: int  # returned copies with remarks not yet forwarded
    grades: tuple[tuple[str, int], ...]  # every grade, best first, with its count
    satisfied_rate: Fraction | None  # (very satisfied + satisfied) / returned
    buildings: tuple[BuildingStat, ...]
    copies: tuple[CopyRow, ...]


def percent(value: Fraction | None) -> str:
    """``76.5 %`` — one decimal, half up as every percentage (``kfdesk.percent``, issue 17)."""
    return percent_text(None if value is None else to_percent(value, 1, places=1))


def survey_overview(year: int, settings: Settings) -> SurveyOverview:
    zone = settings.zone
    clocks = settings.clocks
    homes = households()
    share = survey_share(year, settings)
    survey = Survey.get_or_none(Survey.year == year)
    copies = (list(SurveyCopy.select().where(SurveyCopy.survey == survey)
                   .order_by(SurveyCopy.id)) if survey else [])
    units = _by_id(Unit, [c.unit_id for c in copies] + [u.id for u in homes])
    numbers = {b.id: b.number for b in Building.select()}
    distributed = survey.distributed_at if survey else None
    due = distributed + timedelta(days=clocks["survey_collect_days"]) if distributed else None
    collected = survey.collected_at if survey else None
    report_due = collected + timedelta(days=clocks["survey_report_days"]) if collected else None
    returned = [c for c in copies if c.returned_at is not None]
    drawn = survey.households if survey else 0
    n_returned = len(returned) if copies else (survey.returned if survey else 0)
    in_time = (sum(1 for c in returned if due is not None and c.returned_at <= due) if copies
               else n_returned)  # figures only: taken as recorded
    grades = Counter(c.grade for c in returned)
    sizes = Counter(numbers[u.building_id] for u in homes)
    got = Counter(numbers[units[c.unit_id].building_id] for c in copies)
    back = Counter(numbers[units[c.unit_id].building_id] for c in returned)
    keys = sorted(set(sizes) | set(got), key=lambda b: (len(b), b))
    rows = []
    # By building, entrance, floor and room, as the counter walks them (not as text sorts).
    copies.sort(key=lambda c: (len(numbers[units[c.unit_id].building_id]),
                               numbers[units[c.unit_id].building_id], units[c.unit_id].entrance,
                               units[c.unit_id].floor, units[c.unit_id].room))
    for c in copies:
        unit = units[c.unit_id]
        rows.append(CopyRow(unit.code, numbers[unit.building_id], _local(c.returned_at, zone),
                            c.grade, c.remarks, c.forwarded_to))
    satisfied = grades["very_satisfied"] + grades["satisfied"]
    letter_due = (collected + timedelta(days=clocks["survey_open_letter_days"]) if collected
                  else None)
    distribute_due = survey_distribute_want(RuleContext.from_store(settings), year).due_at
    return SurveyOverview(
        year=year, exists=survey is not None,
        occupied_since=int(settings.data["office"]["occupied_since"]),
        old=is_old_community(year, settings), share=share, households=len(homes),
        target=quota(len(homes), share), drawn=drawn,
        distributed_at=_local(distributed, zone), collect_due=_local(due, zone),
        returned=n_returned, returned_in_time=in_time,
        return_rate=Fraction(in_time, drawn) if distributed and drawn else None,
        return_target=float(settings.data["targets"]["survey_return_rate"]),
        collected_at=_local(collected, zone), report_due=_local(report_due, zone),
        reported_at=_local(survey.reported_at if survey else None, zone),
        form_approved_by=survey.form_approved_by if survey else "",
        form_approved_at=_local(survey.form_approved_at if survey else None, zone),
        distribute_due=distribute_due.astimezone(zone), letter_due=_local(letter_due, zone),
        letter_approved_by=survey.letter_approved_by if survey else "",
        letter_approved_at=_local(survey.letter_approved_at if survey else None, zone),
        letter_posted_at=_local(survey.letter_posted_at if survey else None, zone),
        letter_waived_at=_local(survey.letter_waived_at if survey else None, zone),
        letter_note=survey.letter_note if survey else "",
        unforwarded=sum(1 for c in returned if c.remarks and c.forwarded_at is None),
        grades=tuple((g, grades[g]) for g in SURVEY_GRADES),
        satisfied_rate=Fraction(satisfied, len(returned)) if returned else None,
        buildings=tuple(BuildingStat(b, sizes[b], got[b], back[b]) for b in keys),
        copies=tuple(rows),
    )
