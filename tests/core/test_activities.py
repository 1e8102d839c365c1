"""KF-019/020 community activities: the services, their clocks in the engine, the year's view.

Every clock of RULES §8 for activities is driven through the desk services with a moving
clock and read back from ``kfdesk.rules.engine.evaluate`` the way the app's refresh does:
nothing just before the warning share (75 %), *due soon* just after it, *overdue* past the
due time, and gone once the step is recorded — the activity's plan one month before, the
organising group and the public notice 10 days before, the bulletin board by the 30th (the
last day in February), the annual plan by 15 Dec and its adjustment by 15 Jun. Steps out of
order or by the wrong role are refused and write nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kfdesk.clock import FixedClock
from kfdesk.config import default_settings
from kfdesk.desk import activities as act
from kfdesk.desk.base import DeskError
from kfdesk.desk.refresh import refresh
from kfdesk.models import Activity, AuditEvent, Deadline, ReportFiling
from kfdesk.rules import CLOCKS
from kfdesk.rules.engine import Alert
from kfdesk.views.activities import activity_year, default_plan_duty, default_survey_period

SH = ZoneInfo("Asia/Shanghai")
SETTINGS = default_settings()
MINUTE = timedelta(minutes=1)


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


def alerts(clock_name: str, now: datetime, item_ref: str | None = None) -> list[Alert]:
    """What the app's refresh shows at ``now`` for one clock (periods opened first)."""
    return [a for a in refresh(now, SETTINGS)
            if a.clock == clock_name and (item_ref is None or a.item_ref == item_ref)]


def states(clock_name: str, now: datetime, item_ref: str | None = None) -> list[str]:
    return [a.state for a in alerts(clock_name, now, item_ref)]


def warn(start: datetime, due: datetime) -> datetime:
    """RULES §8: due soon once 75 % of the clock's span has passed."""
    return start + (due - start) * 0.75


def snapshot() -> tuple:
    """Everything a refused step could have touched."""
    return (
        [tuple(a.__data__.items()) for a in Activity.select().order_by(Activity.id)],
        [tuple(f.__data__.items()) for f in ReportFiling.select().order_by(ReportFiling.id)],
        [tuple(d.__data__.items()) for d in Deadline.select().order_by(Deadline.id)],
        AuditEvent.select().count(),
    )


def refused(key: str, call: Callable[[], object]) -> DeskError:
    before = snapshot()
    with pytest.raises(DeskError) as caught:
        call()
    assert caught.value.key == key
    assert snapshot() == before, "a refusal changed the store"
    # The clerk reads it in their language, never the bare key.
    for lang in ("zh", "en"):
        assert caught.value.message(lang) != key
    return caught.value


# The winter activity of the tests: Sunday 2026-12-20. Plan due one month before (Fri 11-20),
# group and notice 10 days before (Thu 12-10), each at business close (17:30).
HELD_ON = date(2026, 12, 20)
PLAN_DUE = at(2026, 11, 20, 17, 30)
TEN_DAYS_DUE = at(2026, 12, 10, 17, 30)
REF = "12-20 冬至包饺子"


@pytest.fixture
def winter(office: dict, clock: FixedClock) -> Activity:
    return act.create_activity("冬至包饺子", HELD_ON, office["super"], clock, SETTINGS)


# ---- an activity's clocks ---------------------------------------------------------------


def test_creating_an_activity_starts_its_three_clocks(winter: Activity, office: dict) -> None:
    rows = {d.clock: d for d in Deadline.select().where(Deadline.item_kind == "activity")}
    assert sorted(rows) == ["activity_group", "activity_notice", "activity_plan"]
    assert rows["activity_plan"].due_at == PLAN_DUE  # KF-020 §4.2.2
    assert rows["activity_group"].due_at == TEN_DAYS_DUE  # KF-020 §4.3.1
    assert rows["activity_notice"].due_at == TEN_DAYS_DUE  # KF-020 §4.3.2
    assert {r.item_ref for r in rows.values()} == {REF}
    event = AuditEvent.get(AuditEvent.action == "activities.create")
    assert event.actor == office["super"] and event.record_id == winter.id


def test_plan_one_month_before_goes_due_soon_overdue_and_stops(winter: Activity, office: dict,
                                                               clock: FixedClock) -> None:
    """KF-020 §4.2.2: the plan is approved one month before the activity."""
    # The clock runs from a month before the plan is due (the plan's own lead again).
    soon = warn(PLAN_DUE - timedelta(days=30), PLAN_DUE)
    assert soon == at(2026, 11, 13, 5, 30)
    assert states("activity_plan", soon - MINUTE) == []
    assert states("activity_plan", soon + MINUTE) == ["due_soon"]
    assert states("activity_plan", PLAN_DUE) == ["due_soon"]
    late = alerts("activity_plan", PLAN_DUE + MINUTE)
    assert [(a.state, a.late_minutes, a.rule) for a in late] == [
        ("overdue", 1, CLOCKS["activity_plan"].rule)]
    assert late[0].rule == "KF-020 §4.2.2"
    clock.set(PLAN_DUE + timedelta(hours=1))
    act.approve_plan(winter.id, "目的：邻里团聚；预算 3000 元", office["manager"], clock,
                     SETTINGS)
    assert states("activity_plan", PLAN_DUE + timedelta(hours=2)) == []
    assert states("activity_plan", at(2026, 12, 19, 9, 0)) == []
    row = activity_year(2026, clock.now(), SETTINGS).activities[0]
    assert [(s.name, s.state) for s in row.steps][0] == ("plan", "done_late")


def test_group_and_notice_ten_days_before(winter: Activity, office: dict,
                                          clock: FixedClock) -> None:
    """KF-020 §4.3.1 the group ≥ 10 days before, §4.3.2 the notice 10 days before."""
    clock.set(at(2026, 11, 2, 10, 0))
    act.approve_plan(winter.id, "", office["manager"], clock, SETTINGS)
    soon = warn(PLAN_DUE, TEN_DAYS_DUE)  # both run from the plan's due time
    assert soon == at(2026, 12, 5, 17, 30)
    for name in ("activity_group", "activity_notice"):
        assert states(name, soon - MINUTE) == []
        assert states(name, soon + MINUTE) == ["due_soon"]
        late = alerts(name, TEN_DAYS_DUE + 5 * MINUTE)
        assert [(a.state, a.late_minutes) for a in late] == [("overdue", 5)]
    assert alerts("activity_group", soon + MINUTE)[0].rule == "KF-020 §4.3.1"
    assert alerts("activity_notice", soon + MINUTE)[0].rule == "KF-020 §4.3.2"
    # The group formed on 12-01 stops its clock; the notice's runs on.
    clock.set(at(2026, 12, 1, 15, 0))
    act.form_group(winter.id, "组长 刘伟；副组长 陈静", office["super"], clock, SETTINGS)
    assert states("activity_group", soon + MINUTE) == []
    assert states("activity_notice", soon + MINUTE) == ["due_soon"]
    clock.set(at(2026, 12, 10, 9, 0))
    act.post_notice(winter.id, ["board", "lift"], office["clerk"], clock, SETTINGS)
    assert states("activity_notice", TEN_DAYS_DUE + 5 * MINUTE) == []
    row = activity_year(2026, clock.now(), SETTINGS).activities[0]
    assert [s.state for s in row.steps] == ["done", "done", "done", "waiting"]
    assert row.next_step == "archive"


def test_held_then_archived_with_its_summary(winter: Activity, office: dict,
                                             clock: FixedClock) -> None:
    """KF-020 §4.3.7: after the activity, its summary; the record in two copies."""
    clock.set(at(2026, 11, 2, 10, 0))
    act.approve_plan(winter.id, "", office["manager"], clock, SETTINGS)
    act.form_group(winter.id, "", office["super"], clock, SETTINGS)
    act.post_notice(winter.id, ["board"], office["clerk"], clock, SETTINGS)
    clock.set(at(2026, 12, 19, 16, 0))
    refused("activity.not_held", lambda: act.archive_activity(
        winter.id, "还没办", None, office["super"], clock, SETTINGS))
    clock.set(at(2026, 12, 20, 18, 0))
    act.archive_activity(winter.id, "到场 86 户，气氛热烈；饺子不够，下次多备。", 212,
                         office["super"], clock, SETTINGS)
    assert Activity.get_by_id(winter.id).archived_at == clock.now()
    event = AuditEvent.get(AuditEvent.action == "activities.archive")
    assert json.loads(event.detail)["copies"] == ["office", "quality"]
    row = activity_year(2026, clock.now(), SETTINGS).activities[0]
    assert row.next_step is None and row.attendance == 212
    assert row.summary.startswith("到场 86 户")
    assert [s.state for s in row.steps] == ["done", "done", "done", "done"]
    refused("activity.archived", lambda: act.reschedule_activity(
        winter.id, date(2026, 12, 27), office["super"], clock, SETTINGS))


def test_steps_out_of_order_are_refused_and_write_nothing(winter: Activity, office: dict,
                                                          clock: FixedClock) -> None:
    clock.set(at(2026, 12, 21, 9, 0))
    refused("activity.plan_first", lambda: act.form_group(
        winter.id, "", office["super"], clock, SETTINGS))
    refused("activity.group_first", lambda: act.post_notice(
        winter.id, ["board"], office["clerk"], clock, SETTINGS))
    refused("activity.notice_first", lambda: act.archive_activity(
        winter.id, "总结", None, office["super"], clock, SETTINGS))
    clock.set(at(2026, 11, 2, 10, 0))
    act.approve_plan(winter.id, "", office["manager"], clock, SETTINGS)
    refused("activity.plan_done", lambda: act.approve_plan(
        winter.id, "", office["manager"], clock, SETTINGS))
    refused("activity.group_first", lambda: act.post_notice(
        winter.id, ["board"], office["clerk"], clock, SETTINGS))
    # A step cannot be dated before the one it follows, nor in the future.
    refused("activity.before_previous", lambda: act.form_group(
        winter.id, "", office["super"], clock, SETTINGS, formed_at=at(2026, 11, 1, 9, 0)))
    refused("activity.future", lambda: act.form_group(
        winter.id, "", office["super"], clock, SETTINGS, formed_at=at(2026, 11, 3, 9, 0)))
    error = refused("activity.group_first", lambda: act.post_notice(
        winter.id, ["board"], office["clerk"], clock, SETTINGS))
    assert "冬至包饺子" in error.message("zh") and "KF-020 §4.3.1" in error.message("en")


def test_each_step_by_the_wrong_role_is_refused(winter: Activity, office: dict,
                                                clock: FixedClock) -> None:
    """Plans are the supervisor's (and manager's); an activity's plan the manager's alone."""
    refused("auth.not_allowed", lambda: act.create_activity(
        "中秋游园", date(2026, 11, 1), office["clerk"], clock, SETTINGS))
    error = refused("auth.not_allowed", lambda: act.approve_plan(
        winter.id, "", office["super"], clock, SETTINGS))
    assert "批准活动方案" in error.message("zh")
    refused("auth.not_allowed", lambda: act.approve_plan(
        winter.id, "", office["clerk"], clock, SETTINGS))
    act.approve_plan(winter.id, "", office["manager"], clock, SETTINGS)
    refused("auth.not_allowed", lambda: act.form_group(
        winter.id, "", office["clerk"], clock, SETTINGS))
    refused("auth.not_allowed", lambda: act.post_notice(
        winter.id, ["board"], office["cashier"], clock, SETTINGS))
    refused("auth.not_allowed", lambda: act.file_annual_plan(
        2027, "春节联欢", office["clerk"], clock, SETTINGS))
    refused("auth.not_allowed", lambda: act.post_bulletin(
        "2026-10", "防火", office["guard"], clock, SETTINGS))
    refused("auth.not_allowed", lambda: act.record_interest_survey(
        "2026-06", ["phone"], 30, "喜欢戏曲", office["cashier"], clock, SETTINGS))


def test_bad_input_is_refused(office: dict, clock: FixedClock) -> None:
    s = office["super"]
    refused("activity.title_needed", lambda: act.create_activity(
        "  ", HELD_ON, s, clock, SETTINGS))
    refused("activity.date_needed", lambda: act.create_activity(
        "冬至", None, s, clock, SETTINGS))
    refused("activity.past_date", lambda: act.create_activity(
        "冬至", date(2026, 10, 8), s, clock, SETTINGS))
    refused("activity.far_date", lambda: act.create_activity(
        "冬至", date(2028, 1, 5), s, clock, SETTINGS))
    refused("activity.too_long", lambda: act.create_activity(
        "长" * 65, HELD_ON, s, clock, SETTINGS))
    act.create_activity("冬至包饺子", HELD_ON, s, clock, SETTINGS)
    refused("activity.duplicate", lambda: act.create_activity(
        "冬至包饺子", HELD_ON, s, clock, SETTINGS))
    a = Activity.get()
    act.approve_plan(a.id, "", office["manager"], clock, SETTINGS)
    act.form_group(a.id, "", s, clock, SETTINGS)
    refused("activity.means", lambda: act.post_notice(a.id, [], office["clerk"], clock,
                                                      SETTINGS))
    refused("activity.means", lambda: act.post_notice(a.id, ["radio"], office["clerk"], clock,
                                                      SETTINGS))
    refused("activity.unknown", lambda: act.approve_plan(
        999, "", office["manager"], clock, SETTINGS))
    with pytest.raises(DeskError) as caught:
        act.parse_count("十二", "attendance")
    assert caught.value.key == "activity.bad_count"
    assert act.parse_count("１２０", "attendance") == 120  # full-width digits
    assert act.parse_count(" ", "attendance") is None
    assert act.parse_month("2026年6月") == "2026-06"
    with pytest.raises(DeskError):
        act.parse_month("2026-13")


def test_reschedule_moves_the_clocks_and_withdraw_removes_them(winter: Activity, office: dict,
                                                               clock: FixedClock) -> None:
    act.reschedule_activity(winter.id, date(2026, 12, 27), office["super"], clock, SETTINGS)
    plan = Deadline.get((Deadline.clock == "activity_plan") & (Deadline.item_id == winter.id))
    assert plan.due_at == at(2026, 11, 27, 17, 30)
    assert plan.item_ref == "12-27 冬至包饺子"
    event = AuditEvent.get(AuditEvent.action == "activities.reschedule")
    assert json.loads(event.detail)["was"] == "2026-12-20"
    act.withdraw_activity(winter.id, office["super"], clock, SETTINGS)
    assert Activity.select().count() == 0
    assert Deadline.select().where(Deadline.item_kind == "activity").count() == 0
    assert AuditEvent.select().where(AuditEvent.action == "activities.withdraw").count() == 1
    # Once its plan is approved an activity is a record: it is never deleted.
    other = act.create_activity("元旦长跑", date(2027, 1, 1), office["super"], clock, SETTINGS)
    act.approve_plan(other.id, "", office["manager"], clock, SETTINGS)
    refused("activity.approved_stays", lambda: act.withdraw_activity(
        other.id, office["super"], clock, SETTINGS))


def test_an_approved_activity_called_off_keeps_its_record_and_its_clocks_end(
        winter: Activity, office: dict, clock: FixedClock) -> None:
    """After approval an activity is a record: called off (the typhoon, the venue), it stays
    with when and why; nothing more is due on it and no step can be recorded."""
    refused("activity.cancel_not_approved", lambda: act.cancel_activity(
        winter.id, "场地不能用", office["super"], clock, SETTINGS))  # withdraw it instead
    act.approve_plan(winter.id, "", office["manager"], clock, SETTINGS)
    refused("auth.not_allowed", lambda: act.cancel_activity(
        winter.id, "场地不能用", office["clerk"], clock, SETTINGS))
    refused("activity.reason_needed", lambda: act.cancel_activity(
        winter.id, "  ", office["super"], clock, SETTINGS))
    act.cancel_activity(winter.id, "台风预警，场地不能使用", office["super"], clock, SETTINGS)
    kept = Activity.get_by_id(winter.id)
    assert (kept.cancelled_at, kept.cancel_reason) == (clock.now(), "台风预警，场地不能使用")
    assert Deadline.select().where(Deadline.item_kind == "activity").count() == 0
    assert states("activity_group", TEN_DAYS_DUE + MINUTE) == []  # never overdue now
    event = AuditEvent.get(AuditEvent.action == "activities.cancel")
    assert json.loads(event.detail)["reason"] == "台风预警，场地不能使用"
    for step in (lambda: act.form_group(winter.id, "主任", office["super"], clock, SETTINGS),
                 lambda: act.reschedule_activity(winter.id, date(2026, 12, 27),
                                                 office["super"], clock, SETTINGS),
                 lambda: act.cancel_activity(winter.id, "again", office["super"], clock,
                                             SETTINGS)):
        refused("activity.cancelled", step)
    row = activity_year(2026, clock.now(), SETTINGS).activities[0]
    assert (row.next_step, row.cancel_reason) == (None, "台风预警，场地不能使用")
    assert [s.state for s in row.steps] == ["done", "cancelled", "cancelled", "cancelled"]


# ---- the yearly duties ------------------------------------------------------------------


@pytest.mark.parametrize(("year", "month", "due"), [
    (2026, 10, at(2026, 10, 30, 17, 30)),  # the 30th
    (2026, 2, at(2026, 2, 28, 17, 30)),  # the last day in February: a make-up Saturday
    (2024, 2, at(2024, 2, 29, 17, 30)),  # a leap February
    (2026, 8, at(2026, 8, 31, 17, 30)),  # Sunday 30 Aug moves to Monday (RULES §8)
])
def test_bulletin_by_the_30th_goes_due_soon_overdue_and_stops(
        office: dict, clock: FixedClock, year: int, month: int, due: datetime) -> None:
    """KF-020 §4.4.2: the month's bulletin board material by the 30th."""
    start = at(year, month, 1)
    soon = warn(start, due)
    ref = f"{year:04d}-{month:02d}"
    assert states("bulletin", soon - MINUTE, ref) == []
    assert states("bulletin", soon + MINUTE, ref) == ["due_soon"]
    late = alerts("bulletin", due + 10 * MINUTE, ref)
    assert [(a.state, a.late_minutes, a.rule) for a in late] == [
        ("overdue", 10, "KF-020 §4.4.2")]
    clock.set(due + timedelta(hours=1))
    act.post_bulletin(ref, "冬季防火安全", office["clerk"], clock, SETTINGS)
    assert states("bulletin", due + timedelta(hours=2), ref) == []
    filing = ReportFiling.get((ReportFiling.duty == "bulletin") & (ReportFiling.period == ref))
    assert filing.by == office["clerk"] and json.loads(filing.note) == {"topic": "冬季防火安全"}


def test_a_late_bulletin_of_an_older_month_stops_its_clock(office: dict,
                                                           clock: FixedClock) -> None:
    """The refresh keeps only this and last month; a late filing stops an older one too."""
    refresh(at(2026, 8, 5, 9, 0), SETTINGS)  # July's and August's clocks were opened then
    assert states("bulletin", clock.now(), "2026-07") == ["overdue"]
    act.post_bulletin("2026-07", "补：夏季防溺水", office["clerk"], clock, SETTINGS)
    assert states("bulletin", clock.now(), "2026-07") == []
    row = Deadline.get((Deadline.clock == "bulletin") & (Deadline.item_ref == "2026-07"))
    assert row.stopped_at == clock.now()


def test_bulletin_refusals(office: dict, clock: FixedClock) -> None:
    refused("bulletin.future", lambda: act.post_bulletin(
        "2026-11", "预告", office["clerk"], clock, SETTINGS))
    refused("activity.topic_needed", lambda: act.post_bulletin(
        "2026-10", " ", office["clerk"], clock, SETTINGS))
    refused("activity.bad_month", lambda: act.post_bulletin(
        "十月", "防火", office["clerk"], clock, SETTINGS))
    act.post_bulletin("2026-10", "防火", office["clerk"], clock, SETTINGS)
    refused("bulletin.done", lambda: act.post_bulletin(
        "2026/10", "防火", office["clerk2"], clock, SETTINGS))


def test_annual_plan_by_15_december(office: dict, clock: FixedClock) -> None:
    """KF-020 §4.2.1: next year's plan by 15 Dec, after December's interest survey."""
    due = at(2026, 12, 15, 17, 30)
    soon = warn(at(2026, 11, 15), due)  # opened a month before
    assert states("annual_plan", soon - MINUTE, "2027") == []
    assert states("annual_plan", soon + MINUTE, "2027") == ["due_soon"]
    late = alerts("annual_plan", due + MINUTE, "2027")
    assert [(a.state, a.rule) for a in late] == [("overdue", "KF-020 §4.2.1")]
    clock.set(at(2026, 12, 16, 9, 0))
    # The plan follows the December interest survey (KF-020 §4.2.1 "根据…意向征询结果").
    refused("annual.survey_first", lambda: act.file_annual_plan(
        2027, "春节联欢\n元宵灯谜", office["super"], clock, SETTINGS))
    act.record_interest_survey("2026-12", ["form", "phone"], 143, "老人喜欢戏曲，孩子喜欢手工",
                               office["clerk"], clock, SETTINGS)
    act.file_annual_plan("2027", "- 春节联欢\n\n- 元宵灯谜\n重阳敬老", office["super"], clock,
                         SETTINGS)
    assert states("annual_plan", clock.now(), "2027") == []
    filing = ReportFiling.get((ReportFiling.duty == "annual_plan")
                              & (ReportFiling.period == "2027"))
    assert json.loads(filing.note) == {"activities": ["春节联欢", "元宵灯谜", "重阳敬老"]}
    refused("annual.plan_filed", lambda: act.file_annual_plan(
        2027, "再报一次", office["manager"], clock, SETTINGS))
    refused("annual.plan_year", lambda: act.file_annual_plan(
        2029, "太远", office["super"], clock, SETTINGS))
    refused("activity.activities_needed", lambda: act.file_annual_plan(
        2026, "\n \n", office["super"], clock, SETTINGS))


def test_adjustment_by_15_june(office: dict, clock: FixedClock) -> None:
    """KF-020 §4.2.1: this year's plan adjusted by 15 Jun, after the June survey."""
    due = at(2026, 6, 15, 17, 30)
    soon = warn(at(2026, 5, 15), due)
    assert states("annual_adjustment", soon - MINUTE, "2026") == []
    assert states("annual_adjustment", soon + MINUTE, "2026") == ["due_soon"]
    assert states("annual_adjustment", due + MINUTE, "2026") == ["overdue"]
    clock.set(at(2026, 6, 16, 9, 0))
    # Nothing to adjust before the year's plan is filed.
    refused("annual.plan_first", lambda: act.file_adjustment(
        2026, "端午改为包粽子比赛", office["super"], clock, SETTINGS))
    act.record_interest_survey("2025-12", ["phone"], 50, "补登", office["clerk"], clock,
                               SETTINGS)
    act.file_annual_plan(2026, "端午龙舟\n中秋游园", office["super"], clock, SETTINGS)
    refused("annual.survey_first", lambda: act.file_adjustment(
        2026, "端午改为包粽子比赛", office["super"], clock, SETTINGS))
    act.record_interest_survey("2026-06", ["interview"], 20, "想要亲子活动", office["clerk"],
                               clock, SETTINGS)
    refused("annual.adjust_year", lambda: act.file_adjustment(
        2027, "x", office["super"], clock, SETTINGS))
    act.file_adjustment(2026, "端午改为包粽子比赛", office["manager"], clock, SETTINGS)
    assert states("annual_adjustment", clock.now(), "2026") == []
    refused("annual.adjust_filed", lambda: act.file_adjustment(
        2026, "再改", office["super"], clock, SETTINGS))


def test_interest_survey_in_june_and_december(office: dict, clock: FixedClock) -> None:
    """KF-020 §4.1.1: the survey in June and in December, by the 10th (RULES v2: before the
    plan of the 15th it feeds); refused outside those months."""
    due = at(2026, 12, 10, 17, 30)
    assert states("interest_survey", at(2026, 12, 9, 9, 0), "2026-12") == ["due_soon"]
    assert states("interest_survey", due + MINUTE, "2026-12") == ["overdue"]
    refused("interest.not_yet", lambda: act.record_interest_survey(
        "2026-12", ["phone"], 10, "早了", office["clerk"], clock, SETTINGS))
    refused("interest.month", lambda: act.record_interest_survey(
        "2026-10", ["phone"], 10, "不是调查月", office["clerk"], clock, SETTINGS))
    refused("interest.method", lambda: act.record_interest_survey(
        "2026-06", [], 10, "无方式", office["clerk"], clock, SETTINGS))
    refused("interest.responses", lambda: act.record_interest_survey(
        "2026-06", ["phone"], None, "无人数", office["clerk"], clock, SETTINGS))
    refused("activity.findings_needed", lambda: act.record_interest_survey(
        "2026-06", ["phone"], 10, "", office["clerk"], clock, SETTINGS))
    act.record_interest_survey("2026-06", ["phone"], 10, "补登：喜欢广场舞", office["clerk"],
                               clock, SETTINGS)
    refused("interest.done", lambda: act.record_interest_survey(
        "2026-06", ["form"], 12, "再登", office["clerk2"], clock, SETTINGS))
    assert default_survey_period(date(2026, 10, 9)) == "2026-06"
    assert default_survey_period(date(2026, 3, 1)) == "2025-12"
    assert default_plan_duty(date(2026, 10, 9)) == ("annual_plan", 2027)
    assert default_plan_duty(date(2026, 5, 9)) == ("annual_adjustment", 2026)


# ---- the year's view --------------------------------------------------------------------


def test_the_year_view_agrees_with_the_engine(winter: Activity, office: dict,
                                              clock: FixedClock) -> None:
    now = at(2026, 12, 9, 9, 0)
    clock.set(now)
    act.post_bulletin("2026-12", "冬至活动预告", office["clerk"], clock, SETTINGS)
    year = activity_year(2026, now, SETTINGS)
    [row] = year.activities
    engine = {a.clock: a.state for a in refresh(now, SETTINGS) if a.item_kind == "activity"}
    assert engine == {"activity_plan": "overdue", "activity_group": "due_soon",
                      "activity_notice": "due_soon"}
    assert [(s.name, s.state) for s in row.steps] == [
        ("plan", "overdue"), ("group", "due_soon"), ("notice", "due_soon"),
        ("archive", "waiting")]
    assert row.steps[0].due_at == PLAN_DUE
    duties = {(d.duty, d.period): d for d in year.duties}
    assert duties[("annual_plan", "2027")].state == "due_soon"
    assert duties[("annual_plan", "2027")].due_at == at(2026, 12, 15, 17, 30)
    # RULES v2: the December interest survey is due by 12-10, before the plan of 12-15.
    assert duties[("interest_survey", "2026-12")].state == "due_soon"
    assert duties[("interest_survey", "2026-12")].due_at == at(2026, 12, 10, 17, 30)
    assert duties[("bulletin", "2026-12")].state == "done"
    assert duties[("bulletin", "2026-12")].by == office["clerk"].name
    assert year.this_month is not None and year.this_month.period == "2026-12"
    assert (year.bulletins_posted, year.bulletin_months) == (1, 12)
    # A missing month whose clock the engine runs is listed (November, opened by the
    # refresh); a month from before any refresh has no clock and is not called overdue.
    assert duties[("bulletin", "2026-11")].state == "overdue"
    assert ("bulletin", "2026-01") not in duties
    assert [d.due_at for d in year.duties] == sorted(d.due_at for d in year.duties)
