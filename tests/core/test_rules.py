"""The deadline engine against RULES.md §8: every clock, its due time, due soon and overdue.

Each case builds the record that starts one clock, syncs its clocks as a desk service would,
and asks ``evaluate`` at a moment just inside the warning share and just past the limit.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kfdesk.clock import FixedClock
from kfdesk.desk.holds import hold_ticket, resume_ticket
from kfdesk.desk.staff import create_staff
from kfdesk.models import (
    Activity,
    Bill,
    BillLine,
    Building,
    Callback,
    Deadline,
    DunningStep,
    FaultNotice,
    Group,
    HandOver,
    InvoiceBook,
    MailItem,
    Occupancy,
    Payment,
    Person,
    Receipt,
    ReceiptSeries,
    ReportFiling,
    ServiceOrder,
    Staff,
    Survey,
    Ticket,
    Unit,
    WorkOrder,
)
from kfdesk.rules import CLOCKS, RuleContext, evaluate
from kfdesk.rules import sync as rsync
from kfdesk.rules.engine import Alert
from kfdesk.rules.periods import sync_periods

SH = ZoneInfo("Asia/Shanghai")


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


@pytest.fixture
def world(store: Path, clock: FixedClock) -> dict:
    clerk = create_staff("clerk", "张敏", "clerk", "1234", clock)
    cashier = create_staff("cashier", "王芳", "cashier", "2345", clock)
    group = Group.create(code="E", name="东区")
    building = Building.create(group=group, number="3", name="3栋", floors=18)
    unit = Unit.create(building=building, entrance=1, floor=5, room="502", code="3-1-502",
                       area_centi_m2=8912)
    return {"clerk": clerk, "cashier": cashier, "unit": unit}


def ctx() -> RuleContext:
    return RuleContext.from_store()


def alerts(clock_name: str, now: datetime) -> list[Alert]:
    """What the app's refresh does: open the periods in force, then evaluate."""
    sync_periods(now, ctx())
    return [a for a in evaluate(now) if a.clock == clock_name]


_n = iter(range(1, 10_000))


def ticket(w: dict, received: datetime, **fields) -> Ticket:
    t = Ticket.create(number=f"K-{next(_n):06d}", received_at=received, channel="phone",
                      unit=w["unit"], kind=fields.pop("kind", "complaint"),
                      category=fields.pop("category", "water"), text="测试", owner=w["clerk"],
                      updated_at=received, **fields)
    rsync.sync_ticket(t, ctx())
    return t


def callback(w: dict, kind: str, started: datetime, **fields) -> Callback:
    cb = Callback.create(kind=kind, unit=w["unit"], owner=w["clerk"],
                         clock_started_at=started, **fields)
    rsync.sync_callback(cb, ctx())
    return cb


# --- one builder per clock: make the record, return the due instant -----------------------


def b_dispatch(w):
    ticket(w, at(2026, 10, 9, 9, 0), kind="repair", repair_class="normal")
    return at(2026, 10, 9, 10, 0)  # KF-010 §4.1.2: 1 hour


def b_explain_invalid(w):
    ticket(w, at(2026, 10, 9, 9, 0), validity="invalid_other")
    return at(2026, 10, 9, 11, 0)  # KF-010 §4.4.2: 2 hours


def b_developer_form(w):
    ticket(w, at(2026, 9, 30, 10, 0), validity="invalid_developer",
           category="developer_quality")
    return at(2026, 10, 8, 17, 30)  # RULES §8 example: 1–7 October is National Day


def b_developer_callback(w):
    callback(w, "developer", at(2026, 10, 8, 15, 0))
    return at(2026, 10, 12, 17, 30)  # Sat 10-10 is a make-up working day


def b_complaint_callback(w):
    callback(w, "complaint", at(2026, 10, 9, 11, 0))
    return at(2026, 10, 12, 11, 0)  # KF-010 §4.5: 3 calendar days


def b_repair_callback(w):
    order = WorkOrder.create(number="W-000001", opened_at=at(2026, 2, 12, 9, 0),
                             returned_at=at(2026, 2, 13, 16, 0))
    callback(w, "repair", order.returned_at, work_order=order)
    return at(2026, 2, 25, 17, 30)  # Sat 02-14 works; 02-15…02-23 Spring Festival


def b_defect_arrange(w):
    repaired = ticket(w, at(2026, 10, 1, 9, 0), kind="repair", repair_class="normal",
                      dispatched_at=at(2026, 10, 1, 9, 30))
    ticket(w, at(2026, 10, 9, 8, 50), defect_of=repaired, dispatched_at=at(2026, 10, 9, 9, 0))
    return at(2026, 10, 10, 8, 50)  # KF-009 §3.1.4 (v2): 24 hours to arrange


def _service(w, accepted: datetime, **fields) -> ServiceOrder:
    so = ServiceOrder.create(unit=w["unit"], kind="appliance_repair", taken_by=w["clerk"],
                             requested_at=accepted, accepted_at=accepted, **fields)
    rsync.sync_service_orders([so], ctx())
    return so


def b_appliance_tell(w):
    _service(w, at(2026, 10, 9, 9, 0))
    return at(2026, 10, 9, 9, 15)  # KF-022 §2.2


def b_appliance_on_site(w):
    _service(w, at(2026, 10, 9, 9, 0))
    return at(2026, 10, 9, 9, 30)


def b_fault_sort(w):
    fn = FaultNotice.create(number="G-000002", found_by="巡查 李明", found_by_department="security",
                            found_at=at(2026, 10, 9, 13, 0), location="3栋1单元大堂",
                            description="大堂灯不亮", received_at=at(2026, 10, 9, 14, 0),
                            received_by=w["clerk"])
    rsync.sync_fault_notices([fn], ctx())
    return at(2026, 10, 9, 18, 0)  # KF-013 §4.2–4.3 (v2): 17:30 + 30 min grace


def b_fault_collect(w):
    fn = FaultNotice.create(number="G-000001", found_by="巡查 李明", found_by_department="security",
                            found_at=at(2026, 9, 30, 14, 0), location="3栋1单元大堂",
                            description="大堂灯不亮", received_at=at(2026, 9, 30, 16, 0),
                            received_by=w["clerk"], classified_at=at(2026, 9, 30, 17, 30))
    rsync.sync_fault_notices([fn], ctx())
    return at(2026, 10, 1, 9, 0)  # KF-013 §4.4 (v2): every morning, a holiday too


def b_registered_mail(w):
    item = MailItem.create(unit=w["unit"], recipient="王建国", kind="registered",
                           tracking_no="XA123456789CN", received_at=at(2026, 10, 1, 9, 0),
                           received_by=w["clerk"])
    rsync.sync_mail_items([item], ctx())
    return at(2026, 10, 7, 9, 0)  # RULES example: KF-021 §3, 6 days


def _receipt(w, issued: datetime) -> Receipt:
    series, _ = ReceiptSeries.get_or_create(code="2026")
    pay = Payment.create(unit=w["unit"], taken_at=issued, method="cash", amount_fen=10000,
                         cashier=w["cashier"])
    series.last_number += 1
    series.save()
    return Receipt.create(series=series, number=series.last_number, issued_at=issued,
                          payment=pay, amount_fen=10000, cashier=w["cashier"])


def b_hand_over(w):
    _receipt(w, at(2026, 10, 9, 9, 0))
    rsync.sync_hand_over(w["cashier"], date(2026, 10, 9), ctx())
    return at(2026, 10, 9, 17, 30)  # KF-015 §4.6: the day closed by the end of the shift


def _arrears(w, months: list[str]) -> None:
    for month in months:
        bill = Bill.create(unit=w["unit"], month=month, created_at=at(2026, 7, 1, 9, 0),
                           total_fen=16042)
        BillLine.create(bill=bill, item="property_fee", quantity_centi=8912, rate_e4=18000,
                        amount_fen=16042)


def b_second_notice(w):
    _arrears(w, ["2026-07", "2026-08"])
    DunningStep.create(unit=w["unit"], step=3, at=at(2026, 9, 1, 10, 0), by=w["cashier"],
                       amount_fen=32084, months=2, pay_by=date(2026, 9, 15))
    rsync.sync_unit_arrears([w["unit"]], ctx())
    return at(2026, 9, 15, 17, 30)  # KF-016 §3.4: still unpaid after the first notice's date


def b_contact_check(w):
    person = Person.create(name="王建国", created_at=at(2020, 1, 1, 9, 0),
                           contact_verified_at=at(2026, 9, 20, 10, 0), lives_in_community=True)
    Occupancy.create(unit=w["unit"], person=person, role="owner", started_on=date(2020, 1, 1))
    rsync.sync_people([person], ctx())
    return at(2026, 10, 5, 10, 0)  # KF-017 §3.3: every half month (rolling 15 days)


def b_vacant_check(w):
    from kfdesk.models import VacantCheck

    w["unit"].status = "vacant"
    w["unit"].save()
    VacantCheck.create(unit=w["unit"], checked_at=at(2026, 9, 9, 10, 0), checked_by=w["clerk"])
    rsync.sync_vacant_units([w["unit"]], ctx(), at(2026, 9, 9, 10, 0))
    return at(2026, 10, 9, 17, 30)  # RULES §6, the office's 30 days: by close of day 30


def b_survey_distribute(w):
    return at(2026, 12, 21, 17, 30)  # KF-009 §3.3.2 (v2): by 20 Dec, a Sunday → Mon 12-21


def b_survey_letter(w):
    s = Survey.create(year=2024, distributed_at=at(2024, 12, 16, 9, 0), households=90,
                      collected_at=at(2024, 12, 26, 16, 0), returned=70)
    rsync.sync_surveys([s], ctx())
    return at(2025, 1, 9, 16, 0)  # KF-009 §3.3.6 (v2): 2 weeks after collection


def b_survey_collect(w):
    s = Survey.create(year=2026, distributed_at=at(2026, 12, 15, 9, 0), households=90)
    rsync.sync_surveys([s], ctx())
    return at(2026, 12, 25, 9, 0)  # KF-009 §3.3: 10 days


def b_survey_report(w):
    s = Survey.create(year=2025, distributed_at=at(2025, 12, 15, 9, 0), households=90,
                      collected_at=at(2025, 12, 24, 16, 0), returned=70)
    rsync.sync_surveys([s], ctx())
    return at(2025, 12, 27, 16, 0)  # 3 days after collection


def _activity(w) -> None:
    a = Activity.create(title="重阳节敬老活动", held_on=date(2026, 11, 20))
    rsync.sync_activities([a], ctx())


def b_activity_plan(w):
    _activity(w)
    return at(2026, 10, 20, 17, 30)  # KF-020 §4.2.2: one month before


def b_activity_group(w):
    _activity(w)
    return at(2026, 11, 10, 17, 30)  # KF-020 §4.3.1: 10 days before


def b_activity_notice(w):
    _activity(w)
    return at(2026, 11, 10, 17, 30)  # KF-020 §4.3.2: notice 10 days before


def b_meter_readings(w):
    return at(2026, 10, 8, 17, 30)  # RULES example: the 5th is a holiday → Thu 10-08


def b_complaint_summary_desk(w):
    return at(2026, 10, 8, 17, 30)  # the 2nd (holiday) → next working day


def b_complaint_summary_supervisor(w):
    # KF-010 §4.6.1 (v2): the 5th (holiday) → 10-08, but never before the desk's summary
    # (10-08) plus 2 working days: 10-09 and the make-up Saturday 10-10.
    return at(2026, 10, 10, 17, 30)


def b_bulletin(w):
    return at(2026, 9, 30, 17, 30)  # KF-020 §4.4.2: the 30th


def b_callback_sampling(w):
    WorkOrder.create(number="W-000009", opened_at=at(2026, 10, 8, 9, 0),
                     returned_at=at(2026, 10, 8, 15, 0))
    return at(2026, 10, 30, 17, 30)  # last working day of October


def b_parking_settlement(w):
    InvoiceBook.create(attendant="车场 周勇", denomination_fen=500, first_no=1, last_no=100,
                       issued_at=at(2026, 10, 1, 8, 0))
    return at(2026, 10, 16, 17, 30)  # KF-015 §6.1.2: the 1st and 16th


def b_annual_plan(w):
    return at(2026, 12, 15, 17, 30)  # KF-020 §4.2.1: by 15 Dec


def b_annual_adjustment(w):
    return at(2026, 6, 15, 17, 30)  # by 15 Jun


def b_interest_survey(w):
    return at(2026, 6, 10, 17, 30)  # KF-020 §4.1.1 (v2): by the 10th, before the 15th's plan


BUILDERS: dict[str, Callable[[dict], datetime]] = {
    name[2:]: fn for name, fn in globals().items() if name.startswith("b_")
}
# The forwarded-complaint clock stops at desk intake, the moment the desk first sees it: it
# never runs at the desk, so it is judged met or late (test below), never alerted.
ALERTED = sorted(set(CLOCKS) - {"handover"})


def test_every_clock_has_a_case() -> None:
    assert sorted(BUILDERS) == ALERTED


def _just_inside_warning(name: str, due: datetime) -> datetime:
    sync_periods(due, ctx())
    row = Deadline.get((Deadline.clock == name) & (Deadline.due_at == due))
    return row.warn_at + (row.due_at - row.warn_at) / 2


@pytest.mark.parametrize("name", ALERTED)
def test_clock_due_soon_then_overdue(world: dict, name: str) -> None:
    due = BUILDERS[name](world)
    soon = _just_inside_warning(name, due)
    early = [a for a in alerts(name, soon) if a.due_at == due]
    assert [a.state for a in early] == ["due_soon"], f"{name} at {soon}"
    assert early[0].late_minutes < 0
    assert early[0].rule == CLOCKS[name].rule
    late = [a for a in alerts(name, due + timedelta(minutes=90)) if a.due_at == due]
    assert [a.state for a in late] == ["overdue"]
    assert late[0].late_minutes == 90


@pytest.mark.parametrize("name", ALERTED)
def test_nothing_before_the_warning_share(world: dict, name: str) -> None:
    due = BUILDERS[name](world)
    sync_periods(due, ctx())
    row = Deadline.get((Deadline.clock == name) & (Deadline.due_at == due))
    assert row.due_at == due
    early = row.warn_at - timedelta(seconds=1)
    assert [a for a in alerts(name, early) if a.due_at == due] == []


def test_rules_text_is_one_line_in_the_clerks_language(world: dict) -> None:
    b_dispatch(world)
    now = at(2026, 10, 9, 10, 30)
    [zh] = [a for a in evaluate(now, lang="zh") if a.clock == "dispatch"]
    [en] = [a for a in evaluate(now, lang="en") if a.clock == "dispatch"]
    assert zh.rule_text == "有效投诉/报修受理后 1 小时内派单"
    assert en.rule_text == "Dispatch a valid complaint or repair within 1 h of intake"
    assert zh.unit == "3-1-502" and zh.owner == "clerk" and zh.late_minutes == 30


def test_stopping_a_clock_clears_the_alert(world: dict) -> None:
    due = b_dispatch(world)
    t = Ticket.get()
    t.dispatched_at = at(2026, 10, 9, 9, 40)
    t.state = "dispatched"
    t.save()
    rsync.sync_ticket(t, ctx())
    assert alerts("dispatch", due + timedelta(hours=1)) == []


def test_a_late_dispatch_stays_late_in_the_record(world: dict) -> None:
    b_dispatch(world)
    t = Ticket.get()
    t.dispatched_at = at(2026, 10, 9, 10, 25)
    t.save()
    rsync.sync_ticket(t, ctx())
    row = Deadline.get(Deadline.clock == "dispatch")
    assert row.stopped_at > row.due_at


def test_forwarded_complaint_handover_is_counted_against_the_department(world: dict) -> None:
    """KF-010 §4.1.1: the 2-hour clock runs from when the other department received it."""
    late = Ticket.create(number="K-900001", received_at=at(2026, 10, 9, 11, 0),
                         channel="forwarded", forwarded_from="security",
                         forwarded_received_at=at(2026, 10, 9, 8, 0), unit=world["unit"],
                         kind="complaint", category="noise", text="夜间噪音",
                         owner=world["clerk"], updated_at=at(2026, 10, 9, 11, 0))
    rsync.sync_ticket(late, ctx())
    row = Deadline.get((Deadline.clock == "handover") & (Deadline.item_id == late.id))
    assert row.department == "security"
    assert row.due_at == at(2026, 10, 9, 10, 0)
    assert row.stopped_at == at(2026, 10, 9, 11, 0) and row.stopped_at > row.due_at
    # …and the desk's own 1-hour dispatch clock starts at desk intake, not before.
    dispatch = Deadline.get((Deadline.clock == "dispatch") & (Deadline.item_id == late.id))
    assert dispatch.due_at == at(2026, 10, 9, 12, 0)


def test_a_two_hour_hold_moves_a_one_hour_dispatch_deadline_by_two_hours(
    world: dict, clock: FixedClock
) -> None:
    b_dispatch(world)  # received 09:00, due 10:00
    t = Ticket.get()
    clock.set(at(2026, 10, 9, 9, 20))
    hold_ticket(t, "住户不在家，约定 11:20 再联系", world["clerk"], clock)
    assert alerts("dispatch", at(2026, 10, 9, 10, 30)) == []  # held: the clock is stopped
    clock.set(at(2026, 10, 9, 11, 20))
    resume_ticket(t, world["clerk"], clock)
    row = Deadline.get(Deadline.clock == "dispatch")
    assert row.due_at == at(2026, 10, 9, 12, 0)
    assert row.held_seconds == 7200
    [a] = alerts("dispatch", at(2026, 10, 9, 12, 1))
    assert a.state == "overdue" and a.late_minutes == 1
    # the held time survives a re-sync of the ticket's clocks
    rsync.sync_ticket(t, ctx())
    assert Deadline.get(Deadline.clock == "dispatch").due_at == at(2026, 10, 9, 12, 0)
    steps = [log.step for log in sorted(t.log, key=lambda log: log.id)]
    assert steps == ["hold", "resume"]


def test_a_too_long_hold_reason_is_refused_in_words_and_holds_nothing(
    world: dict, clock: FixedClock
) -> None:
    """RULES §8 pauses (v2, issue 18 item 13): the reason is a short line (``Hold.reason`` is
    128 characters). 300 characters are refused with a DeskError before the write — on
    SQLite, which would have stored them, and on PostgreSQL, which would have failed the
    insert with a database error (run with ``KFDESK_TEST_PG``)."""
    from kfdesk.desk.base import DeskError
    from kfdesk.desk.holds import MAX_REASON
    from kfdesk.models import Hold

    b_dispatch(world)
    t = Ticket.get()
    with pytest.raises(DeskError) as err:
        hold_ticket(t, "住" * 300, world["clerk"], clock)
    assert (err.value.key, err.value.field) == ("hold.reason_long", "reason")
    assert "120" in err.value.message("zh") and "300" in err.value.message("en")
    assert Hold.select().count() == 0
    assert Deadline.select().where(Deadline.held_since.is_null(False)).count() == 0
    hold_ticket(t, "住" * MAX_REASON, world["clerk"], clock)  # the longest allowed is stored
    assert Hold.get().reason == "住" * MAX_REASON


def test_a_hold_needs_a_reason_and_is_audited(world: dict, clock: FixedClock) -> None:
    from kfdesk.desk.base import DeskError
    from kfdesk.models import AuditEvent

    b_dispatch(world)
    t = Ticket.get()
    with pytest.raises(DeskError):
        hold_ticket(t, "  ", world["clerk"], clock)
    hold_ticket(t, "住户出差", world["clerk"], clock)
    with pytest.raises(DeskError):
        hold_ticket(t, "again", world["clerk"], clock)
    guard = create_staff("guard", "赵强", "security", "5678", clock)
    with pytest.raises(DeskError):
        resume_ticket(t, guard, clock)
    assert AuditEvent.select().where(AuditEvent.action == "ticket.hold").count() == 1


def test_deadline_running_into_2027_is_provisional(world: dict) -> None:
    order = WorkOrder.create(number="W-000002", opened_at=at(2026, 12, 29, 9, 0),
                             returned_at=at(2026, 12, 30, 10, 0))
    callback(world, "repair", order.returned_at, work_order=order)
    [a] = alerts("repair_callback", at(2027, 1, 10, 9, 0))
    assert a.provisional and a.state == "overdue"
    assert a.to_json(SH)["provisional"] is True
    inside = Deadline.get(Deadline.clock == "repair_callback")
    assert inside.provisional


def test_deadline_inside_2026_is_not_provisional(world: dict) -> None:
    b_repair_callback(world)
    assert not Deadline.get(Deadline.clock == "repair_callback").provisional


def test_filing_a_report_stops_its_periodic_clock(world: dict, clock: FixedClock) -> None:
    now = at(2026, 10, 9, 10, 0)
    # August's summary was due 2 Sep and never filed: still overdue, beside September's.
    assert [a.item_ref for a in alerts("complaint_summary_desk", now)] == ["2026-08", "2026-09"]
    for period in ("2026-08", "2026-09"):
        ReportFiling.create(duty="complaint_summary_desk", period=period, filed_at=now,
                            by=world["clerk"])
    assert alerts("complaint_summary_desk", now) == []


def test_meter_readings_stop_once_every_meter_is_read(world: dict) -> None:
    from kfdesk.models import MeterReading

    now = at(2026, 10, 9, 10, 0)
    assert [a.item_ref for a in alerts("meter_readings", now)] == ["2026-09", "2026-10"]
    for month in ("2026-09", "2026-10"):
        for meter in ("water", "electricity"):
            MeterReading.create(unit=world["unit"], meter=meter, month=month, reading=120,
                                read_at=at(2026, 10, 4, 9, 0), entered_by=world["clerk"])
    assert [a.item_ref for a in alerts("meter_readings", now)] == []


def test_closing_the_day_stops_the_hand_over_clock(world: dict) -> None:
    due = b_hand_over(world)
    HandOver.create(cashier=world["cashier"], day=date(2026, 10, 9), cash_counted_fen=10000,
                    cash_expected_fen=10000, difference_fen=0, closed_at=at(2026, 10, 9, 17, 0))
    rsync.sync_hand_over(world["cashier"], date(2026, 10, 9), ctx())
    assert alerts("hand_over", due + timedelta(hours=1)) == []


def test_appliance_repair_agreed_new_time(world: dict) -> None:
    """KF-022 §2.2: told within 15 min and a new time agreed → on site by that time."""
    _service(world, at(2026, 10, 9, 9, 0), told_at=at(2026, 10, 9, 9, 10),
             agreed_at=at(2026, 10, 9, 14, 0))
    assert alerts("appliance_tell", at(2026, 10, 9, 9, 20)) == []
    assert alerts("appliance_on_site", at(2026, 10, 9, 9, 40)) == []
    [a] = alerts("appliance_on_site", at(2026, 10, 9, 14, 5))
    assert a.state == "overdue"


def test_second_notice_only_from_two_months(world: dict) -> None:
    _arrears(world, ["2026-08"])
    DunningStep.create(unit=world["unit"], step=3, at=at(2026, 9, 1, 10, 0),
                       by=world["cashier"], amount_fen=16042, months=1,
                       pay_by=date(2026, 9, 15))
    rsync.sync_unit_arrears([world["unit"]], ctx())
    assert alerts("second_notice", at(2026, 10, 9, 10, 0)) == []


def test_non_resident_contact_check_is_monthly(world: dict) -> None:
    person = Person.create(name="李秀英", created_at=at(2020, 1, 1, 9, 0),
                           contact_verified_at=at(2026, 9, 20, 10, 0), lives_in_community=False)
    Occupancy.create(unit=world["unit"], person=person, role="owner", started_on=date(2020, 1, 1))
    rsync.sync_people([person], ctx())
    assert Deadline.get(Deadline.clock == "contact_check").due_at == at(2026, 10, 20, 10, 0)


def test_order_is_overdue_first_then_soonest(world: dict) -> None:
    b_dispatch(world)  # due 10:00
    b_explain_invalid(world)  # due 11:00
    b_appliance_tell(world)  # due 09:15
    found = [a for a in evaluate(at(2026, 10, 9, 10, 40))
             if a.clock in ("dispatch", "explain_invalid", "appliance_tell")]
    assert [(a.clock, a.state) for a in found] == [
        ("appliance_tell", "overdue"), ("dispatch", "overdue"), ("explain_invalid", "due_soon"),
    ]
    assert found == [a for a in evaluate(at(2026, 10, 9, 10, 40))
                     if a.clock in ("dispatch", "explain_invalid", "appliance_tell")]


@pytest.mark.sqlite_only("counts writes with SQLite's total_changes()")
def test_evaluate_never_writes(world: dict) -> None:
    from kfdesk.models import database

    for build in BUILDERS.values():
        build(world)
    sync_periods(at(2026, 10, 9, 10, 0), ctx())
    before = database.obj.execute_sql("SELECT total_changes()").fetchone()[0]
    evaluate(at(2026, 10, 9, 10, 0))
    after = database.obj.execute_sql("SELECT total_changes()").fetchone()[0]
    assert before == after


def test_filters_by_rule_and_owner(world: dict) -> None:
    b_dispatch(world)
    b_complaint_callback(world)
    now = at(2026, 10, 12, 12, 0)
    assert {a.clock for a in evaluate(now, rule="KF-010 §4.5")} == {"complaint_callback"}
    assert all(a.owner == "clerk" for a in evaluate(now, owner="clerk"))
    assert evaluate(now, owner="nobody") == []


def test_json_contract(world: dict) -> None:
    b_dispatch(world)
    [a] = alerts("dispatch", at(2026, 10, 9, 10, 25))
    data = a.to_json(SH)
    assert list(data) == ["rule", "rule_text", "item_kind", "item_id", "unit", "owner",
                          "department", "due_at", "state", "late_minutes", "provisional"]
    assert data["due_at"] == "2026-10-09T10:00+08:00"
    assert data["rule"] == "KF-010 §4.1.2" and data["late_minutes"] == 25
    json.dumps(data, ensure_ascii=False)


def test_closed_ticket_has_no_running_clock(world: dict) -> None:
    b_dispatch(world)
    t = Ticket.get()
    t.closed_at = at(2026, 10, 9, 9, 50)
    t.state = "closed"
    t.save()
    rsync.sync_ticket(t, ctx())
    assert Deadline.select().where(Deadline.stopped_at.is_null()).count() == 0


def test_staff_model_unchanged_by_sync(world: dict) -> None:
    assert Staff.select().count() == 2
