"""RULES version 2 (issue 18), the clocks and steps of items 5, 8, 10, 14 and the activity
plans: a table from RULES v2 on the real calendar (``chinesecalendar``), each clock with a
due-soon and an overdue case; the refusals the new steps imply; and the store migration
that brings an existing store's open deadlines to v2.

Each table row: the clock, how its record is made, the due instant RULES v2 gives, a moment
it is due soon and a moment it is overdue. 1–7 October 2026 is the National Day holiday and
Saturday 10-10 a make-up working day; 2026-12-20 is a Sunday.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kfdesk.clock import FixedClock
from kfdesk.config import default_settings
from kfdesk.db import SCHEMA_VERSION, close_store, open_store
from kfdesk.desk import activities as act
from kfdesk.desk import surveys
from kfdesk.desk.base import DeskError
from kfdesk.desk.fault_notices import NoticeEntry, classify_day, receive_notices
from kfdesk.models import (
    AuditEvent,
    Building,
    Deadline,
    FaultNotice,
    Group,
    ReportFiling,
    Survey,
    SurveyCopy,
    Unit,
)
from kfdesk.rules import CLOCKS, RuleContext, evaluate
from kfdesk.rules import sync as rsync
from kfdesk.rules.periods import (
    annual_adjustment_want,
    annual_plan_want,
    interest_survey_want,
    sync_periods,
)

SH = ZoneInfo("Asia/Shanghai")
SETTINGS = default_settings()


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


def ctx() -> RuleContext:
    return RuleContext.from_store(SETTINGS)


def states(clock_name: str, now: datetime, due: datetime) -> list[str]:
    """The alerts of ``clock_name`` due at ``due``, as the app's refresh sees them at ``now``."""
    sync_periods(now, ctx())
    return [a.state for a in evaluate(now, ctx()) if a.clock == clock_name and a.due_at == due]


def _notice(office: dict, received: datetime, classified: datetime | None = None) -> None:
    n = FaultNotice.select().count() + 1
    fn = FaultNotice.create(number=f"G-{n:06d}", found_by="巡查 李明",
                            found_by_department="security", found_at=received - timedelta(hours=1),
                            location="3栋1单元大堂", description="大堂灯不亮", received_at=received,
                            received_by=office["clerk"], classified_at=classified)
    rsync.sync_fault_notices([fn], ctx())


def _survey(year: int, collected: datetime) -> None:
    s = Survey.create(year=year, distributed_at=collected - timedelta(days=9), households=90,
                      collected_at=collected, returned=70)
    rsync.sync_surveys([s], ctx())


@dataclass(frozen=True)
class Case:
    clock: str
    make: Callable[[dict], None]
    due: datetime
    soon: datetime
    late: datetime
    why: str


CASES = [
    # KF-013 §4.2–4.3: received today, unsorted at 17:30 + 30 min grace → overdue.
    Case("fault_sort", lambda o: _notice(o, at(2026, 10, 9, 14, 0)),
         at(2026, 10, 9, 18, 0), at(2026, 10, 9, 17, 10), at(2026, 10, 9, 18, 1),
         "issue 18: received 2026-10-09 14:00, overdue at 18:00"),
    # A notice handed in after the evening's sorting goes with the next day's.
    Case("fault_sort", lambda o: _notice(o, at(2026, 10, 9, 18, 30)),
         at(2026, 10, 10, 18, 0), at(2026, 10, 10, 14, 0), at(2026, 10, 10, 18, 1),
         "handed in after 18:00: the next day's sorting"),
    # KF-013 §4.4: every morning — the next calendar day, 09:00, a holiday too.
    Case("fault_collect", lambda o: _notice(o, at(2026, 9, 30, 16, 0), at(2026, 9, 30, 17, 30)),
         at(2026, 10, 1, 9, 0), at(2026, 10, 1, 8, 0), at(2026, 10, 1, 9, 1),
         "issue 18: sorted Wed 09-30 17:30 → Thu 10-01 09:00 (National Day)"),
    Case("fault_collect", lambda o: _notice(o, at(2026, 10, 10, 16, 0), at(2026, 10, 10, 17, 45)),
         at(2026, 10, 11, 9, 0), at(2026, 10, 11, 8, 0), at(2026, 10, 11, 9, 30),
         "sorted on the make-up Saturday → Sunday morning"),
    # KF-010 §4.6.1: the supervisor's report never before the desk's summary + 2 working days.
    Case("complaint_summary_supervisor", lambda o: None,
         at(2026, 10, 10, 17, 30), at(2026, 10, 9, 12, 0), at(2026, 10, 10, 17, 31),
         "issue 18: October 2026 — desk 10-08, supervisor 10-10 (not 10-08)"),
    Case("complaint_summary_supervisor", lambda o: None,
         at(2026, 11, 5, 17, 30), at(2026, 11, 5, 9, 0), at(2026, 11, 6, 9, 0),
         "November 2026: no holiday, the 5th stands (desk 11-02 + 2 = 11-04 is earlier)"),
    Case("complaint_summary_desk", lambda o: None,
         at(2026, 10, 8, 17, 30), at(2026, 10, 8, 9, 0), at(2026, 10, 8, 17, 31),
         "the desk's summary: the 2nd moved past the holiday to 10-08"),
    # KF-015 §4.2: engineering's meter readings (owner checked below).
    Case("meter_readings", lambda o: None,
         at(2026, 10, 8, 17, 30), at(2026, 10, 7, 12, 0), at(2026, 10, 9, 9, 0),
         "the 5th (holiday) → 10-08"),
    # KF-020 §4.1.1: the interest survey by the 10th, before the plan of the 15th.
    Case("interest_survey", lambda o: None,
         at(2026, 12, 10, 17, 30), at(2026, 12, 9, 9, 0), at(2026, 12, 11, 9, 0),
         "December's survey by 12-10 (v1: 12-31, after the 12-15 plan)"),
    Case("interest_survey", lambda o: None,
         at(2026, 6, 10, 17, 30), at(2026, 6, 9, 9, 0), at(2026, 6, 10, 17, 31),
         "June's survey by 06-10, before the 06-15 adjustment"),
    # KF-009 §3.3.2: distributed by 20 December (a Sunday in 2026 → Monday 12-21).
    Case("survey_distribute", lambda o: None,
         at(2026, 12, 21, 17, 30), at(2026, 12, 18, 9, 0), at(2026, 12, 22, 9, 0),
         "20 Dec 2026 is a Sunday: moved to Mon 12-21"),
    # KF-009 §3.3.6: the open letter within 2 weeks (calendar) of collection.
    Case("survey_letter", lambda o: _survey(2026, at(2026, 9, 25, 16, 0)),
         at(2026, 10, 9, 16, 0), at(2026, 10, 8, 9, 0), at(2026, 10, 9, 16, 1),
         "collected 09-25 16:00 → letter by 10-09 16:00, over the holiday"),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c.clock}:{c.why[:40]}" for c in CASES])
def test_a_v2_clock_is_due_soon_then_overdue(office: dict, case: Case) -> None:
    case.make(office)
    assert states(case.clock, case.soon - timedelta(days=30), case.due) == []
    assert states(case.clock, case.soon, case.due) == ["due_soon"], case.why
    assert states(case.clock, case.late, case.due) == ["overdue"], case.why
    row = Deadline.get((Deadline.clock == case.clock) & (Deadline.due_at == case.due))
    assert row.warn_at <= case.soon < row.due_at < case.late


def test_the_rule_ids_are_rules_v2s() -> None:
    assert CLOCKS["fault_sort"].rule == "KF-013 §4.2–4.3"
    assert CLOCKS["fault_collect"].rule == "KF-013 §4.4"
    assert CLOCKS["survey_distribute"].rule == "KF-009 §3.3.2"
    assert CLOCKS["survey_letter"].rule == "KF-009 §3.3.6"
    assert CLOCKS["complaint_summary_supervisor"].rule == "KF-010 §4.6.1"
    assert CLOCKS["interest_survey"].rule == "KF-020 §4.1.1"
    assert not CLOCKS["fault_collect"].working_days  # calendar days now


def test_a_notice_nobody_sorts_alerts_and_sorting_stops_it(office: dict,
                                                           clock: FixedClock) -> None:
    """``fault_notice_classify`` (17:30) is a clock now: unsorted at 18:00 is overdue; the
    sorting (k) stops it and starts collection by 09:00 the next calendar morning."""
    clock.set(at(2026, 9, 30, 14, 0))
    entry = NoticeEntry(found_by="巡查 李明", found_by_department="security",
                        found_at=at(2026, 9, 30, 13, 0), location="3栋大堂",
                        description="大堂灯不亮")
    [notice] = receive_notices([entry], office["clerk"], clock, SETTINGS)
    [alert] = [a for a in evaluate(at(2026, 9, 30, 18, 5), ctx()) if a.item_id == notice.id]
    assert (alert.clock, alert.state, alert.late_minutes) == ("fault_sort", "overdue", 5)
    assert alert.owner == "clerk" and alert.department == "desk"
    clock.set(at(2026, 9, 30, 17, 30))
    classify_day(office["clerk"], clock, SETTINGS)
    rows = {d.clock: d for d in Deadline.select().where(Deadline.item_id == notice.id)}
    assert rows["fault_sort"].stopped_at == at(2026, 9, 30, 17, 30)
    assert rows["fault_collect"].due_at == at(2026, 10, 1, 9, 0)
    assert rows["fault_collect"].stopped_at is None


def test_meter_readings_are_engineerings_duty(office: dict) -> None:
    sync_periods(at(2026, 10, 9, 10, 0), ctx())
    row = Deadline.get((Deadline.clock == "meter_readings") & (Deadline.item_ref == "2026-10"))
    assert row.department == "engineering"
    [alert] = [a for a in evaluate(at(2026, 10, 9, 10, 0), ctx())
               if a.clock == "meter_readings" and a.item_ref == "2026-10"]
    assert alert.department == "engineering" and alert.owner == ""


@pytest.mark.parametrize("year", [2025, 2026])
def test_an_interest_survey_is_due_before_the_plan_it_feeds(office: dict, year: int) -> None:
    c = ctx()
    assert interest_survey_want(c, year, 12).due_at < annual_plan_want(c, year + 1).due_at
    assert interest_survey_want(c, year, 6).due_at < annual_adjustment_want(c, year).due_at


def test_a_plan_cannot_precede_its_interest_survey(office: dict, clock: FixedClock) -> None:
    """KF-020 §4.2.1: the plan is drawn from the half-yearly survey; refused before it, and
    nothing written — the plan and the adjustment alike."""
    clock.set(at(2026, 12, 11, 9, 0))
    with pytest.raises(DeskError) as err:
        act.file_annual_plan(2027, "春节联欢", office["super"], clock, SETTINGS)
    assert err.value.key == "annual.survey_first" and err.value.params["period"] == "2026-12"
    assert not ReportFiling.select().where(ReportFiling.duty == "annual_plan").exists()
    act.record_interest_survey("2026-12", ["phone"], 40, "想要亲子活动", office["clerk"], clock,
                               SETTINGS)
    act.file_annual_plan(2027, "春节联欢", office["super"], clock, SETTINGS)
    survey = ReportFiling.get(ReportFiling.duty == "interest_survey")
    plan = ReportFiling.get(ReportFiling.duty == "annual_plan")
    assert survey.filed_at <= plan.filed_at
    clock.set(at(2027, 6, 12, 9, 0))
    with pytest.raises(DeskError) as err:
        act.file_adjustment(2027, "端午改为包粽子", office["super"], clock, SETTINGS)
    assert err.value.key == "annual.survey_first" and err.value.params["period"] == "2027-06"


# ---- KF-009 §3.3: the survey's v2 steps -------------------------------------------------------


@pytest.fixture
def surveyed(office: dict, clock: FixedClock) -> dict:
    """The 2026 survey drawn (the fixture's one household), not yet approved."""
    clock.set(at(2026, 12, 1, 9, 0))
    surveys.draw_survey_sample(2026, office["super"], clock, SETTINGS)
    return office


def test_the_form_is_approved_before_it_goes_out(surveyed: dict, clock: FixedClock) -> None:
    office = surveyed
    with pytest.raises(DeskError) as err:
        surveys.record_distribution(2026, None, office["clerk"], clock, SETTINGS)
    assert err.value.key == "survey.form_not_approved"
    with pytest.raises(DeskError) as err:
        surveys.approve_form(2026, "  ", None, office["super"], clock, SETTINGS)
    assert err.value.field == "approved_by"
    with pytest.raises(DeskError) as err:
        surveys.approve_form(2026, "品质部 周丽", at(2026, 12, 2, 9, 0), office["super"], clock,
                             SETTINGS)
    assert err.value.key == "survey.future"
    surveys.approve_form(2026, "品质部 周丽", at(2026, 11, 28, 15, 0), office["super"], clock,
                         SETTINGS)
    s = Survey.get(Survey.year == 2026)
    assert (s.form_approved_by, s.form_approved_at) == ("品质部 周丽", at(2026, 11, 28, 15, 0))
    assert AuditEvent.get(AuditEvent.action == "survey.approve_form").actor_id == office["super"].id
    # The distribution clock (opened in December) stops at the distribution.
    sync_periods(clock.now(), ctx())
    row = Deadline.get(Deadline.clock == "survey_distribute")
    assert row.due_at == at(2026, 12, 21, 17, 30) and row.stopped_at is None
    clock.set(at(2026, 12, 15, 9, 0))
    surveys.record_distribution(2026, None, office["clerk"], clock, SETTINGS)
    assert Deadline.get_by_id(row.id).stopped_at == at(2026, 12, 15, 9, 0)
    assert states("survey_distribute", at(2026, 12, 22, 9, 0), row.due_at) == []
    with pytest.raises(DeskError) as err:
        surveys.approve_form(2026, "品质部 周丽", None, office["super"], clock, SETTINGS)
    assert err.value.key == "survey.already_distributed"


def _collected(office: dict, clock: FixedClock, remarks: str = "车位太少") -> str:
    surveys.approve_form(2026, "品质部 周丽", None, office["super"], clock, SETTINGS)
    clock.set(at(2026, 12, 15, 9, 0))
    surveys.record_distribution(2026, None, office["clerk"], clock, SETTINGS)
    unit = SurveyCopy.select().join(Unit).get().unit.code
    clock.set(at(2026, 12, 20, 10, 0))
    surveys.record_return(2026, unit, "dissatisfied", remarks, office["clerk"], clock, SETTINGS)
    return unit


def test_each_piece_of_feedback_is_logged_and_forwarded(surveyed: dict,
                                                        clock: FixedClock) -> None:
    office = surveyed
    unit = _collected(office, clock)
    for department, key in (("", "survey.forward_department"),
                            ("desk", "survey.forward_department")):
        with pytest.raises(DeskError) as err:
            surveys.forward_feedback(2026, unit, department, office["clerk"], clock, SETTINGS)
        assert err.value.key == key
    with pytest.raises(DeskError) as err:
        surveys.forward_feedback(2026, unit, "parking", office["guard"], clock, SETTINGS)
    assert err.value.key == "auth.not_allowed"
    surveys.forward_feedback(2026, unit, "parking", office["clerk"], clock, SETTINGS)
    copy = SurveyCopy.get()
    assert (copy.forwarded_to, copy.forwarded_at) == ("parking", clock.now())
    event = AuditEvent.get(AuditEvent.action == "survey.forward")
    assert "车位太少" in event.detail and "parking" in event.detail
    with pytest.raises(DeskError) as err:
        surveys.forward_feedback(2026, unit, "parking", office["clerk"], clock, SETTINGS)
    assert err.value.key == "survey.already_forwarded"


def test_feedback_without_remarks_has_nothing_to_forward(surveyed: dict,
                                                         clock: FixedClock) -> None:
    unit = _collected(surveyed, clock, remarks="")
    with pytest.raises(DeskError) as err:
        surveys.forward_feedback(2026, unit, "parking", surveyed["clerk"], clock, SETTINGS)
    assert err.value.key == "survey.no_feedback"


def test_the_open_letter_is_posted_only_after_the_general_managers_approval(
        surveyed: dict, clock: FixedClock) -> None:
    office = surveyed
    _collected(office, clock)  # the one copy back: the collection is complete
    s = Survey.get(Survey.year == 2026)
    assert s.collected_at == at(2026, 12, 20, 10, 0)
    letter = Deadline.get(Deadline.clock == "survey_letter")
    assert letter.due_at == at(2027, 1, 3, 10, 0) and letter.stopped_at is None
    with pytest.raises(DeskError) as err:
        surveys.post_open_letter(2026, None, office["clerk"], clock, SETTINGS)
    assert err.value.key == "survey.letter_not_approved"
    assert Survey.get_by_id(s.id).letter_posted_at is None
    with pytest.raises(DeskError) as err:
        surveys.approve_open_letter(2026, "总经理 陈国强", "", None, office["super"], clock,
                                    SETTINGS)
    assert err.value.field == "subject"
    clock.set(at(2026, 12, 28, 10, 0))
    surveys.approve_open_letter(2026, "总经理 陈国强", "停车位紧张", None, office["super"], clock,
                                SETTINGS)
    assert Deadline.get_by_id(letter.id).stopped_at is None  # approved, not yet posted
    with pytest.raises(DeskError) as err:
        surveys.waive_open_letter(2026, "没有集中问题", office["super"], clock, SETTINGS)
    assert err.value.key == "survey.letter_approved"
    with pytest.raises(DeskError) as err:
        surveys.post_open_letter(2026, at(2026, 12, 27, 9, 0), office["clerk"], clock, SETTINGS)
    assert err.value.key == "survey.letter_before_approval"
    clock.set(at(2026, 12, 29, 9, 0))
    surveys.post_open_letter(2026, None, office["clerk"], clock, SETTINGS)
    assert Deadline.get_by_id(letter.id).stopped_at == at(2026, 12, 29, 9, 0)
    s = Survey.get_by_id(s.id)
    assert (s.letter_approved_by, s.letter_note) == ("总经理 陈国强", "停车位紧张")


def test_no_concentrated_issue_no_letter(surveyed: dict, clock: FixedClock) -> None:
    office = surveyed
    with pytest.raises(DeskError) as err:
        surveys.waive_open_letter(2026, "意见分散", office["super"], clock, SETTINGS)
    assert err.value.key == "survey.letter_not_collected"
    _collected(office, clock)
    with pytest.raises(DeskError) as err:
        surveys.waive_open_letter(2026, " ", office["super"], clock, SETTINGS)
    assert err.value.field == "reason"
    with pytest.raises(DeskError) as err:
        surveys.waive_open_letter(2026, "意见分散", office["clerk"], clock, SETTINGS)
    assert err.value.key == "auth.not_allowed"
    surveys.waive_open_letter(2026, "意见分散，没有集中问题", office["super"], clock, SETTINGS)
    letter = Deadline.get(Deadline.clock == "survey_letter")
    assert letter.stopped_at == clock.now()
    with pytest.raises(DeskError) as err:
        surveys.approve_open_letter(2026, "总经理", "x", None, office["super"], clock, SETTINGS)
    assert err.value.key == "survey.letter_waived"


@pytest.mark.parametrize(("since", "old"), [(2021, True), (2022, False), (2020, True)])
def test_five_years_or_more_is_an_old_community(since: int, old: bool) -> None:
    """KF-009 §3.3.2 入伙五年以上 (RULES v2): occupied 2021, surveyed 2026 — five years — takes
    the 15 % share (v1 read "more than five" and gave ≥ 30 %)."""
    settings = default_settings()
    settings.data["office"]["occupied_since"] = since
    assert surveys.is_old_community(2026, settings) is old
    assert surveys.survey_share(2026, settings) == (0.15 if old else 0.30)


# ---- the store migration: an existing store opens with v2 deadlines ---------------------------


V8_COLUMNS = {"survey": ("form_approved_by", "form_approved_at", "letter_approved_by",
                         "letter_approved_at", "letter_posted_at", "letter_waived_at",
                         "letter_note"),
              "survey_copy": ("forwarded_to", "forwarded_at"),
              "service_order": ("surcharge_pct", "arrival_at", "arrival_known_at")}


@pytest.mark.sqlite_only("rewinds a SQLite file to schema v7")
def test_a_store_with_the_old_clocks_opens_with_v2_deadlines(tmp_path: Path) -> None:
    path = tmp_path / "v7.db"
    clock = FixedClock(at(2026, 10, 9, 10, 0))
    open_store(str(path), clock)
    from kfdesk.desk.staff import create_staff

    clerk = create_staff("clerk", "张敏", "clerk", "1234", clock, salt=bytes(16))
    group = Group.create(code="E", name="东区")
    Building.create(group=group, number="3", name="3栋", floors=18)
    sorted_ = FaultNotice.create(number="G-000063", found_by="巡查 李明",
                                 found_by_department="security", found_at=at(2026, 10, 2, 8, 0),
                                 location="东门", description="道闸故障",
                                 received_at=at(2026, 10, 2, 9, 0), received_by=clerk,
                                 classified_at=at(2026, 10, 2, 17, 30))
    unsorted = FaultNotice.create(number="G-000064", found_by="保洁 马秀英",
                                  found_by_department="cleaning", found_at=at(2026, 10, 9, 8, 0),
                                  location="中心花园", description="景观灯不亮",
                                  received_at=at(2026, 10, 9, 9, 0), received_by=clerk)
    # The deadlines kfdesk v1 wrote: collection the next *working* morning, no sorting clock;
    # the supervisor's report with the desk's on 10-08; meter readings the desk's; the
    # interest survey at the month's end.
    old = [("fault_collect", "fault_notice", sorted_.id, "G-000063", 1, "engineering",
            at(2026, 10, 2, 17, 30), at(2026, 10, 8, 9, 0)),
           ("complaint_summary_supervisor", "month", 202609, "2026-09", 1, "desk",
            at(2026, 10, 1), at(2026, 10, 8, 17, 30)),
           ("meter_readings", "month", 202610, "2026-10", 1, "desk",
            at(2026, 10, 1), at(2026, 10, 8, 17, 30)),
           ("interest_survey", "half_year", 202606, "2026-06", 1, "desk",
            at(2026, 6, 1), at(2026, 6, 30, 17, 30))]
    for name, kind, item, ref, cycle, dept, start, due in old:
        Deadline.create(clock=name, item_kind=kind, item_id=item, item_ref=ref, cycle=cycle,
                        department=dept, started_at=start, due_at=due,
                        warn_at=start + (due - start) * 0.75)
    close_store()
    con = sqlite3.connect(path)  # back to v7: the columns v12 (rulebook v2) added are not there yet
    for table, columns in V8_COLUMNS.items():
        for column in columns:
            con.execute(f'ALTER TABLE "{table}" DROP COLUMN "{column}"')
    con.execute("UPDATE schema_version SET version = 7")
    con.commit()
    con.close()

    open_store(str(path), clock, create=False)
    try:
        def row(name: str, ref: str) -> Deadline:
            return Deadline.get((Deadline.clock == name) & (Deadline.item_ref == ref))

        # G-000063, sorted 10-02 17:30 (a holiday): v1 let it wait to 10-08; v2 — 10-03 09:00.
        assert row("fault_collect", "G-000063").due_at == at(2026, 10, 3, 9, 0)
        assert row("fault_sort", "G-000063").stopped_at == at(2026, 10, 2, 17, 30)
        assert row("fault_sort", "G-000064").due_at == at(2026, 10, 9, 18, 0)
        assert row("fault_sort", "G-000064").stopped_at is None
        assert unsorted.id != sorted_.id
        assert row("complaint_summary_supervisor", "2026-09").due_at == at(2026, 10, 10, 17, 30)
        assert row("meter_readings", "2026-10").department == "engineering"
        assert row("interest_survey", "2026-06").due_at == at(2026, 6, 10, 17, 30)
        overdue = {a.item_ref for a in evaluate(at(2026, 10, 9, 18, 1), ctx())
                   if a.state == "overdue" and a.clock.startswith("fault_")}
        assert overdue == {"G-000063", "G-000064"}
        assert Survey.select().count() == 0  # the new columns are usable
        Survey.create(year=2026, form_approved_by="品质部 周丽")
        assert SCHEMA_VERSION >= 12  # the rulebook-v2 step is v12
    finally:
        close_store()


def test_the_periods_before_this_month_keep_their_v2_due_dates(office: dict) -> None:
    """An old unfiled period (outside the refresh's window) is recomputed by the migration's
    ``resync_rulebook_v2`` too — it stays overdue until filed, at its v2 due time."""
    Deadline.create(clock="complaint_summary_supervisor", item_kind="month", item_id=202609,
                    item_ref="2026-09", cycle=1, department="desk", started_at=at(2026, 10, 1),
                    due_at=at(2026, 10, 8, 17, 30), warn_at=at(2026, 10, 6))
    rsync.resync_rulebook_v2(ctx())
    row = Deadline.get(Deadline.clock == "complaint_summary_supervisor")
    assert row.due_at == at(2026, 10, 10, 17, 30)
    assert date(2026, 10, 10).weekday() == 5  # the make-up Saturday counts as a working day


# ---- KF-022 (RULES v2 item 12): prices and the appliance clocks -------------------------------


def _order(**changes: str):  # noqa: ANN202 - an OrderForm
    from kfdesk.desk import services as svc

    values = {"kind": "cleaning", "unit": "3-1-502", "contact_name": "王建国",
              "contact_phone": "13812345678", "home_from": "周末"}
    values.update(changes)
    return svc.OrderForm(**values)


def test_office_cleaning_is_400_a_visit_up_to_100_m2() -> None:
    from kfdesk.desk import services as svc

    item = svc.price_item(SETTINGS, "office_clean")
    assert (item.unit, item.price, item.price_max) == ("visit", 400, None)
    assert svc.quote(_order(price_code="office_clean", quantity="2"), SETTINGS).amount_fen \
        == 80000  # two visits, not "per 100 m²"
    with pytest.raises(DeskError) as err:
        svc.quote(_order(price_code="office_clean", quantity="1.5"), SETTINGS)
    assert err.value.key == "service.whole_quantity"


@pytest.mark.parametrize(("code", "low", "high"), [
    ("home_1r", 300, 400), ("home_2r", 400, 550), ("home_3r", 500, 700),
    ("home_3r2b", 600, None), ("home_3r2h", 650, 750), ("home_duplex", 800, None)])
def test_home_cleaning_is_priced_by_flat_type(code: str, low: int, high: int | None) -> None:
    from kfdesk.desk import services as svc

    item = svc.price_item(SETTINGS, code)
    assert "cleaning" in item.kinds and item.unit == "visit"
    assert (item.price, item.price_max) == (low, high)
    assert svc.price_item(SETTINGS, "home_package") is None  # v1's one 300–800 range


@pytest.mark.parametrize(("pct", "fen", "key"), [
    ("", 12806, None), ("20", 15367, None), ("25%", 16008, None), ("30", 16648, None),
    ("15", None, "service.bad_surcharge"), ("35", None, "service.bad_surcharge"),
    ("二十", None, "service.bad_surcharge")])
def test_the_20_to_30_percent_surcharge(pct: str, fen: int | None, key: str | None) -> None:
    """KF-022 附表二: floor cleaning 1.5 yuan/m² × 85.37 m² = ¥128.06, +20–30 % for a
    heavily soiled floor not professionally cleaned for over a year (exact, half up)."""
    from kfdesk.desk import services as svc

    form = _order(price_code="floor_clean", quantity="85.37", surcharge=pct)
    if key is None:
        q = svc.quote(form, SETTINGS)
        assert (q.amount_fen, q.surcharge_pct) == (fen, int(pct.rstrip("%") or 0))
    else:
        with pytest.raises(DeskError) as err:
            svc.quote(form, SETTINGS)
        assert (err.value.key, err.value.field) == (key, "surcharge")


def test_the_surcharge_is_recorded_and_only_where_the_list_allows(office: dict,
                                                                  clock: FixedClock) -> None:
    from kfdesk.desk import services as svc

    with pytest.raises(DeskError) as err:
        svc.quote(_order(price_code="home_duplex", quantity="1", surcharge="25"), SETTINGS)
    assert err.value.key == "service.no_surcharge"
    order = svc.create_order(_order(price_code="floor_pvc", quantity="20", surcharge="25"),
                             office["clerk"], clock, SETTINGS)
    assert (order.amount_fen, order.surcharge_pct) == (12500, 25)
    assert '"surcharge_pct": 25' in AuditEvent.get(AuditEvent.action == "service.create").detail


def test_the_appliance_quote_comes_from_the_price_list(office: dict) -> None:
    from kfdesk.desk import services as svc

    form = _order(kind="appliance_repair", price_code="appliance_fix", quantity="2")
    assert svc.quote(form, SETTINGS).amount_fen == 6000
    for changes, key in (({"price_code": ""}, "service.item_needed"),
                         ({"amount": "45"}, "service.amount_is_listed"),
                         ({"price_code": "copy_a4"}, "service.bad_item")):
        with pytest.raises(DeskError) as err:
            svc.quote(_order(**{"kind": "appliance_repair", "price_code": "appliance_fix",
                                "quantity": "1", **changes}), SETTINGS)
        assert err.value.key == key


def _accepted(office: dict, clock: FixedClock) -> int:
    from kfdesk.desk import services as svc

    clock.set(at(2026, 10, 9, 9, 0))
    order = svc.create_order(_order(kind="appliance_repair", price_code="appliance_fix",
                                    quantity="1"), office["clerk"], clock, SETTINGS)
    svc.accept(order.id, office["clerk"], clock, SETTINGS)
    return order.id


def test_the_15_minute_clock_runs_while_the_arrival_is_unknown(office: dict,
                                                               clock: FixedClock) -> None:
    _accepted(office, clock)
    due = at(2026, 10, 9, 9, 15)
    assert states("appliance_tell", at(2026, 10, 9, 9, 13), due) == ["due_soon"]
    assert states("appliance_tell", at(2026, 10, 9, 9, 16), due) == ["overdue"]


def test_an_arrival_within_30_minutes_stops_the_15_minute_clock(office: dict,
                                                                 clock: FixedClock) -> None:
    """KF-022 §2.2 (RULES v2): the 15 minutes apply only when the 30 cannot be met."""
    from kfdesk.desk import services as svc

    order_id = _accepted(office, clock)
    clock.set(at(2026, 10, 9, 9, 6))
    with pytest.raises(DeskError) as err:
        svc.record_arrival(order_id, at(2026, 10, 9, 9, 45), office["clerk"], clock, SETTINGS)
    assert (err.value.key, err.value.params["latest"]) == ("service.arrival_late", "09:30")
    svc.record_arrival(order_id, at(2026, 10, 9, 9, 25), office["clerk"], clock, SETTINGS)
    assert states("appliance_tell", at(2026, 10, 9, 9, 16), at(2026, 10, 9, 9, 15)) == []
    tell = Deadline.get(Deadline.clock == "appliance_tell")
    assert tell.stopped_at == at(2026, 10, 9, 9, 6)
    # …the 30-minute clock still runs to the technician's arrival.
    assert states("appliance_on_site", at(2026, 10, 9, 9, 31),
                  at(2026, 10, 9, 9, 30)) == ["overdue"]
    with pytest.raises(DeskError) as err:
        svc.record_arrival(order_id, at(2026, 10, 9, 9, 0), office["clerk"], clock, SETTINGS)
    assert err.value.key == "service.arrival_in_past"


def test_the_booking_record_prints_in_two_parts_once_prepaid(office: dict, clock: FixedClock,
                                                             tmp_path: Path) -> None:
    """KF-022 §3.2–3.3: the record in duplicate; part 2 is the customer's, after payment."""
    from kfdesk.desk import booking_record
    from kfdesk.desk import services as svc
    from kfdesk.models import Charge

    form = svc.OrderForm(kind="booking", unit="3-1-502", contact_name="王建国",
                         contact_phone="13812345678", booking=svc.BookingForm(
                             origin="深圳北", destination="长沙南", travel="10-15 08:30 G6021",
                             tickets="2", delivery_place="3-1-502", fare="1040",
                             delivery_fee="20"))
    order = svc.create_order(form, office["clerk"], clock, SETTINGS)
    prints = tmp_path / "prints"
    with pytest.raises(DeskError) as err:
        booking_record.print_record(order.id, prints, office["clerk"], clock, SETTINGS)
    assert err.value.key == "booking.not_prepaid"
    assert not prints.exists()
    Charge.update(paid_fen=Charge.amount_fen).where(Charge.service_order == order).execute()
    where = booking_record.print_record(order.id, prints, office["clerk"], clock, SETTINGS,
                                        lang="zh")
    text = Path(where).read_text(encoding="utf-8")
    assert text.count("代购机票/火车票记录表") == 2
    assert "第 1 联 · 存根" in text and "第 2 联 · 客户留存备查" in text
    assert text.index("第 1 联") < text.index("- - -") < text.index("第 2 联")
    assert text.count("深圳北 → 长沙南") == 2 and "¥1,060.00" in text
    assert AuditEvent.get(AuditEvent.action == "booking.print").actor_id == office["clerk"].id
    copy = svc.create_order(_order(kind="office", unit="", contact_name="", contact_phone="",
                                   home_from="", price_code="copy_a4", quantity="1"),
                            office["clerk"], clock, SETTINGS)
    with pytest.raises(DeskError) as err:
        booking_record.print_record(copy.id, tmp_path, office["clerk"], clock, SETTINGS)
    assert err.value.key == "booking.not_booking"
    with pytest.raises(DeskError) as err:
        booking_record.print_record(order.id, tmp_path, office["guard"], clock, SETTINGS)
    assert err.value.key == "auth.not_allowed"
