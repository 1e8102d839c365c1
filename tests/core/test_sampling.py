"""KF-009 §3.1.2 monthly callback sampling, §3.2 visits and §3.3 the satisfaction survey.

Through the desk services and the read views: the sample's quotas on edge counts (0, 1, 3,
4 work orders) rounded up, reproducible from the seed, the left-out callbacks marked and
without a callback clock, the progress counted by the same rule as the ``callback_sampling``
clock; the visit proposal (complained in the half year, a spread across buildings), its
edits and the visit record; the survey sample proportional per building within one
household, distribution, returns, the return rate against 75 % within 10 days, the
statistics; roles, refusals that change nothing, audit events naming the actor.
The fixture clock is 2026-10-09 10:00 Asia/Shanghai.
"""

from __future__ import annotations

import json
import random
from datetime import date, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kfdesk.clock import FixedClock
from kfdesk.config import default_settings
from kfdesk.desk import sampling, surveys, visits
from kfdesk.desk.base import DeskError
from kfdesk.desk.staff import create_staff
from kfdesk.models import (
    AuditEvent,
    Building,
    Callback,
    Deadline,
    Group,
    Survey,
    SurveyCopy,
    Ticket,
    Unit,
    Visit,
    WorkOrder,
)
from kfdesk.rules import RuleContext
from kfdesk.rules.periods import _sample_met, sync_periods
from kfdesk.rules.sampling import quota, sample_count
from kfdesk.rules.sync import sync_callbacks
from kfdesk.views.sampling import month_sample
from kfdesk.views.surveys import survey_overview
from kfdesk.views.visits import visit_list

SH = ZoneInfo("Asia/Shanghai")
OCTOBER = date(2026, 10, 1)
# KF-009 §3.1.3: a callback recorded with each of its answers (v2: only those count).
ANSWERS = {"satisfaction": "satisfied", "attitude": "good", "quality": "good",
           "charges": "good", "procedure_followed": True}
SEPTEMBER = date(2026, 9, 1)


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


OCTOBER_8 = at(2026, 10, 8, 9)


@pytest.fixture
def settings():
    return default_settings()


@pytest.fixture
def desk(store: Path, clock: FixedClock) -> dict:
    staff = {role: create_staff(role, name, role, "1234", clock, demo=True)
             for role, name in (("clerk", "张敏"), ("supervisor", "陈静"), ("manager", "刘强"),
                                ("security", "赵强"), ("cashier", "王芳"))}
    group = Group.create(code="E", name="东区")
    # Four buildings of unequal size (7, 13, 20, 33 units) and one vacant unit in building 1:
    # the survey's share per building cannot come out even by accident.
    for number, size in (("1", 7), ("2", 13), ("3", 20), ("4", 33)):
        building = Building.create(group=group, number=number, name=f"{number}栋", floors=20)
        for i in range(size):
            floor, room = divmod(i, 4)
            Unit.create(building=building, entrance=1, floor=floor + 1,
                        room=f"{floor + 1}0{room + 1}", code=f"{number}-1-{floor + 1}0{room + 1}",
                        area_centi_m2=8912,
                        status="vacant" if (number, i) == ("1", 6) else "owner_occupied")
    return staff


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.select().where(AuditEvent.action == action).order_by(AuditEvent.id))


# --- KF-009 §3.1.2 monthly callback sampling ----------------------------------------------------


def make_orders(n: int, clerk, *, start: datetime = OCTOBER_8, paid: int = 0,
                outside: int = 0) -> list[Callback]:
    """``n`` ordinary in-home work orders back at the desk, each with its repair callback;
    ``paid`` paid repairs and ``outside`` common-area orders that are not sampled."""
    base = WorkOrder.select().count()
    callbacks = []
    for i in range(n + paid + outside):
        returned = start + timedelta(minutes=i)
        order = WorkOrder.create(number=f"W-{base + i + 1:06d}", opened_at=returned - timedelta(
            hours=3), completed_at=returned, returned_at=returned, technician="李师傅",
            in_home=i < n + paid, paid=n <= i < n + paid)
        cb = Callback.create(kind="repair", work_order=order, owner=clerk,
                             clock_started_at=returned, planned_method="phone")
        if i < n:
            callbacks.append(cb)
    sync_callbacks(list(Callback.select()), RuleContext.from_store(default_settings()))
    return callbacks


def planned(month: date = OCTOBER) -> tuple[int, int, int]:
    """(in the sample, of which in person, left out) as the store holds them."""
    data = month_sample(month, default_settings())
    return data.planned, data.planned_in_person, data.left_out


@pytest.mark.parametrize(("n", "sample", "in_person"), [
    (0, 0, 0), (1, 1, 1), (3, 3, 1), (4, 4, 1), (10, 9, 3), (20, 18, 5),
])
def test_the_proposal_meets_both_quotas_rounded_up(desk, clock, settings, n, sample,
                                                   in_person) -> None:
    """KF-009 §3.1.2: ≥ 90 % sampled and ≥ 25 % of the sample in person, ceilings."""
    make_orders(n, desk["clerk"], paid=2, outside=1)
    result = sampling.propose_sample(OCTOBER, desk["supervisor"], clock, settings)
    assert (result.total, result.sample, result.in_person, result.left_out) == (
        n, sample, in_person, n - sample)
    assert planned() == (sample, in_person, n - sample)
    # Paid and common-area orders are no part of it: their callbacks stay as they were.
    others = Callback.select().join(WorkOrder).where(WorkOrder.paid | ~WorkOrder.in_home)
    assert [(c.sampled, c.planned_method) for c in others] == [(True, "phone")] * 3


def test_quota_is_exact_not_binary_float() -> None:
    assert quota(70, 0.9) == 63 and quota(4, 0.9) == 4 and quota(3, 0.9) == 3
    assert quota(4, 0.25) == 1 and quota(5, 0.25) == 2 and quota(0, 0.25) == 0
    assert quota(270, 0.15) == 41 and quota(100, 0.3) == 30


def test_the_sample_reproduces_from_the_seed(desk, clock, settings) -> None:
    callbacks = make_orders(20, desk["clerk"])
    sampling.propose_sample(OCTOBER, desk["supervisor"], clock, settings)
    first = {(c.id, c.sampled, c.planned_method) for c in Callback.select()}
    # Proposing again over the same records changes nothing.
    assert sampling.propose_sample(OCTOBER, desk["supervisor"], clock, settings).changed == 0
    Callback.update(sampled=True, planned_method="phone").execute()
    sampling.propose_sample(OCTOBER, desk["supervisor"], clock, settings)
    assert {(c.id, c.sampled, c.planned_method) for c in Callback.select()} == first
    # Another seed draws another sample (same quotas).
    other = default_settings()
    other.data["office"]["sample_seed"] = "another office"
    sampling.propose_sample(OCTOBER, desk["supervisor"], clock, other)
    second = {(c.id, c.sampled, c.planned_method) for c in Callback.select()}
    assert second != first and planned() == (18, 5, 2)
    # The plan is a function of seed, month and work order only (the pure planner agrees).
    pending = [sampling.Pending(c.id, c.work_order.number) for c in callbacks]
    plan = sampling.plan_sample(20, 0, 0, pending, sample_share=0.9, in_person_share=0.25,
                                seed="kfdesk", month="2026-10")
    assert {(i, p.sampled, p.method) for i, p in plan.items()} == first


def test_a_later_proposal_keeps_earlier_choices_where_quotas_allow(desk, clock,
                                                                  settings) -> None:
    make_orders(12, desk["clerk"])
    sampling.propose_sample(OCTOBER, desk["supervisor"], clock, settings)
    before = {c.id for c in Callback.select().where(Callback.sampled)}
    make_orders(8, desk["clerk"], start=at(2026, 10, 9, 8))  # more work orders come back
    sampling.propose_sample(OCTOBER, desk["supervisor"], clock, settings)
    after = {c.id for c in Callback.select().where(Callback.sampled)}
    assert len(after) == 18
    assert len(before - after) <= 2  # ranks do not move: only the margin may change


def test_left_out_callbacks_are_marked_and_owe_no_callback_clock(desk, clock,
                                                                settings) -> None:
    """Reading: a callback left out of the sample has no KF-009 §3.1.1 clock."""
    make_orders(10, desk["clerk"])
    assert Deadline.select().where(Deadline.clock == "repair_callback").count() == 10
    sampling.propose_sample(OCTOBER, desk["supervisor"], clock, settings)
    out = list(Callback.select().where(~Callback.sampled))
    assert len(out) == 1
    clocks = {d.item_id for d in Deadline.select().where(Deadline.clock == "repair_callback")}
    assert out[0].id not in clocks and len(clocks) == 9
    row = next(r for r in month_sample(OCTOBER, settings).rows if r.callback_id == out[0].id)
    assert row.sampled is False
    # The supervisor takes it back in by hand: its clock returns.
    sampling.plan_callback(out[0].id, True, "in_person", desk["supervisor"], clock, settings)
    assert Deadline.select().where((Deadline.clock == "repair_callback")
                                   & (Deadline.item_id == out[0].id)).exists()
    assert Callback.get_by_id(out[0].id).planned_method == "in_person"
    assert events("sampling.plan")[-1].actor_id == desk["supervisor"].id


def test_callbacks_already_done_count_and_the_in_person_quota_is_made_up(desk, clock,
                                                                        settings) -> None:
    callbacks = make_orders(10, desk["clerk"])
    for cb in callbacks[:8]:  # 8 called by phone: the sample needs 9, 3 of them in person
        Callback.update(done_at=clock.now(), method="phone", **ANSWERS).where(
            Callback.id == cb.id).execute()
    result = sampling.propose_sample(OCTOBER, desk["supervisor"], clock, settings)
    # Both pending go in person, and still the in-person quota falls short: shown, not hidden.
    assert (result.sample, result.in_person, result.left_out) == (10, 2, 0)
    data = month_sample(OCTOBER, settings)
    assert (data.count.called, data.count.sample_needed, data.count.in_person_needed) == (8, 9, 3)


def test_progress_is_the_clock_s_own_count(desk, clock, settings) -> None:
    """The screen's progress and the ``callback_sampling`` clock count by one rule."""
    callbacks = make_orders(4, desk["clerk"], start=at(2026, 9, 10, 9))
    ctx = RuleContext.from_store(settings)
    count = sample_count(SEPTEMBER, settings)
    assert (count.total, count.sample_needed, count.in_person_needed, count.met) == (4, 4, 1,
                                                                                     False)
    assert _sample_met(ctx, SEPTEMBER) == (4, None)
    for i, cb in enumerate(callbacks):
        Callback.update(done_at=at(2026, 9, 15 + i, 10), signed=i == 0, **ANSWERS,
                        method="in_person" if i == 0 else "phone").where(
            Callback.id == cb.id).execute()
    count = sample_count(SEPTEMBER, settings)
    assert count.met and count.met_at == at(2026, 9, 18, 10)
    assert _sample_met(ctx, SEPTEMBER) == (4, count.met_at)
    sync_periods(clock.now(), ctx)
    row = Deadline.get((Deadline.clock == "callback_sampling") & (Deadline.item_ref == "2026-09"))
    assert row.stopped_at == count.met_at
    assert month_sample(SEPTEMBER, settings).count == count


def test_only_callbacks_with_their_answers_count_toward_the_sample(desk, clock,
                                                                   settings) -> None:
    """KF-009 §3.1.3, §3.1.5 (RULES v2 item 7): a callback marked done with none of the four
    answers (as an inspection verdict used to record it) is not in the 90 %; one in person
    counts toward the 25 % only with the resident's signature."""
    callbacks = make_orders(4, desk["clerk"], start=at(2026, 9, 10, 9))
    # Done "phone" with no answers, as F3 v used to close them: none counts.
    for cb in callbacks:
        Callback.update(done_at=at(2026, 9, 15, 10), method="phone",
                        satisfaction="satisfied").where(Callback.id == cb.id).execute()
    count = sample_count(SEPTEMBER, settings)
    assert (count.total, count.called, count.in_person, count.met) == (4, 0, 0, False)
    # Three answered by phone, one in person but unsigned: 4 called, 0 in person.
    for i, cb in enumerate(callbacks):
        Callback.update(**ANSWERS, method="in_person" if i == 0 else "phone",
                        signed=False).where(Callback.id == cb.id).execute()
    count = sample_count(SEPTEMBER, settings)
    assert (count.called, count.in_person, count.met) == (4, 0, False)
    Callback.update(signed=True).where(Callback.id == callbacks[0].id).execute()
    count = sample_count(SEPTEMBER, settings)
    assert (count.called, count.in_person, count.met) == (4, 1, True)


def test_sampling_roles_and_refusals_change_nothing(desk, clock, settings) -> None:
    callbacks = make_orders(10, desk["clerk"])
    for who in ("clerk", "cashier", "security"):
        with pytest.raises(DeskError) as err:
            sampling.propose_sample(OCTOBER, desk[who], clock, settings)
        assert err.value.key == "auth.not_allowed"
        with pytest.raises(DeskError):
            sampling.plan_callback(callbacks[0].id, False, "phone", desk[who], clock, settings)
    with pytest.raises(DeskError) as err:
        sampling.propose_sample(date(2026, 11, 1), desk["supervisor"], clock, settings)
    assert err.value.key == "sampling.future_month"
    with pytest.raises(DeskError) as err:
        sampling.plan_callback(callbacks[0].id, True, "fax", desk["supervisor"], clock,
                               settings)
    assert err.value.key == "sampling.method"
    Callback.update(done_at=clock.now(), method="phone").where(
        Callback.id == callbacks[1].id).execute()
    with pytest.raises(DeskError) as err:
        sampling.plan_callback(callbacks[1].id, False, "phone", desk["supervisor"], clock,
                               settings)
    assert err.value.key == "sampling.already_done"
    complaint = Callback.create(kind="complaint", owner=desk["clerk"],
                                clock_started_at=clock.now())
    with pytest.raises(DeskError) as err:
        sampling.plan_callback(complaint.id, False, "phone", desk["manager"], clock, settings)
    assert err.value.key == "sampling.not_sampled_kind"
    assert Callback.select().where(~Callback.sampled).count() == 0
    assert events("sampling.propose") == [] and events("sampling.plan") == []
    result = sampling.propose_sample(OCTOBER, desk["manager"], clock, settings)
    event = events("sampling.propose")[-1]
    assert event.actor_id == desk["manager"].id
    assert json.loads(event.detail)["sample"] == result.sample == 9


# --- KF-009 §3.2 visits --------------------------------------------------------------------


def complaint(unit_code: str, received: datetime, clerk, kind: str = "complaint") -> Ticket:
    n = Ticket.select().count() + 1
    return Ticket.create(number=f"K-{n:06d}", received_at=received, channel="phone",
                         unit=Unit.get(Unit.code == unit_code), kind=kind, category="noise",
                         text="楼上噪音", owner=clerk, updated_at=received,
                         validity="valid" if kind == "complaint" else None)


def test_the_visit_proposal_is_the_half_year_s_complainers_plus_a_spread(desk, clock,
                                                                        settings) -> None:
    clerk = desk["clerk"]
    complaint("2-1-101", at(2026, 5, 1, 10), clerk)  # 5 months ago: in
    complaint("2-1-101", at(2026, 9, 1, 10), clerk)  # twice: first on the list
    complaint("3-1-102", at(2026, 8, 1, 10), clerk)  # in
    complaint("3-1-103", at(2026, 3, 1, 10), clerk)  # 7 months ago: out
    complaint("3-1-104", at(2026, 9, 20, 10), clerk, kind="repair")  # not a complaint
    complaint("4-1-101", at(2026, 7, 1, 10), clerk)  # visited since: out
    Visit.create(unit=Unit.get(Unit.code == "4-1-101"), planned_for=date(2026, 7, 10),
                 reason="complained", visited_at=at(2026, 7, 10, 15), by=desk["supervisor"],
                 satisfaction="fair")
    result = visits.propose_visits(desk["supervisor"], clock, settings)
    assert result.planned_for == date(2026, 10, 10)  # the next working day (a make-up Saturday)
    assert result.complained == ("2-1-101", "3-1-102")
    # One household drawn per building, none of them already listed, none vacant.
    assert len(result.spread) == 4
    assert sorted(code.split("-")[0] for code in result.spread) == ["1", "2", "3", "4"]
    assert not set(result.spread) & set(result.complained) and "1-1-203" not in result.spread
    rows = [r for r in visit_list(clock.now(), settings) if r.visited_at is None]
    assert [(r.unit, r.reason, r.complaints) for r in rows][:2] == [
        ("2-1-101", "complained", 2), ("3-1-102", "complained", 1)]
    # Proposing again adds nothing: every one of them is on the list already.
    again = visits.propose_visits(desk["manager"], clock, settings)
    assert again.complained == () and again.spread == ()
    assert [e.actor_id for e in events("visits.propose")] == [desk["supervisor"].id,
                                                              desk["manager"].id]


def test_the_spread_reproduces_from_the_seed(desk, clock, settings) -> None:
    first = visits.propose_visits(desk["supervisor"], clock, settings).spread
    Visit.delete().execute()
    assert visits.propose_visits(desk["supervisor"], clock, settings).spread == first
    Visit.delete().execute()
    two = default_settings()
    two.data["targets"]["visit_spread_per_building"] = 2
    assert len(visits.propose_visits(desk["supervisor"], clock, two).spread) == 8


def test_the_supervisor_edits_the_list(desk, clock, settings) -> None:
    sup = desk["supervisor"]
    visit = visits.add_visit(" 3-1-101 ", date(2026, 10, 12), sup, clock, settings)
    assert (visit.unit.code, visit.reason, visit.planned_for) == ("3-1-101", "added",
                                                                  date(2026, 10, 12))
    for unit, day, key in (("9-9-999", date(2026, 10, 12), "visit.unknown_unit"),
                           ("3-1-101", date(2026, 10, 12), "visit.already_listed"),
                           ("", date(2026, 10, 12), "visit.unit_needed"),
                           ("3-1-102", date(2026, 10, 8), "visit.past_date"),
                           ("3-1-102", None, "visit.date_needed")):
        with pytest.raises(DeskError) as err:
            visits.add_visit(unit, day, sup, clock, settings)
        assert err.value.key == key
    visits.plan_visit(visit.id, date(2026, 10, 16), sup, clock, settings)
    assert Visit.get_by_id(visit.id).planned_for == date(2026, 10, 16)
    with pytest.raises(DeskError):
        visits.plan_visit(visit.id, date(2026, 10, 1), sup, clock, settings)
    with pytest.raises(DeskError) as err:
        visits.add_visit("3-1-102", date(2026, 10, 12), desk["clerk"], clock, settings)
    assert err.value.key == "auth.not_allowed"
    visits.remove_visit(visit.id, desk["manager"], clock)
    assert Visit.select().count() == 0
    assert [e.action for e in AuditEvent.select().where(AuditEvent.action.startswith("visits."))
            .order_by(AuditEvent.id)] == ["visits.add", "visits.plan", "visits.remove"]
    assert events("visits.remove")[0].actor_id == desk["manager"].id


def test_a_visit_is_recorded_with_its_findings(desk, clock, settings) -> None:
    visit = visits.add_visit("2-1-101", date(2026, 10, 9), desk["supervisor"], clock, settings)
    record = visits.VisitRecord(satisfaction="fair", visited_at=at(2026, 10, 9, 9, 30),
                                shortcomings=" 电梯维修慢 ", suggestions="增加儿童设施",
                                attitude="保安态度好", complaints="", to_manager=True)
    with pytest.raises(DeskError) as err:
        visits.record_visit(visit.id, record, desk["security"], clock, settings)
    assert err.value.key == "auth.not_allowed"
    for bad, key in ((visits.VisitRecord(satisfaction="great"), "visit.satisfaction"),
                     (visits.VisitRecord(satisfaction="fair", visited_at=at(2026, 10, 9, 11)),
                      "visit.future"),
                     (visits.VisitRecord(satisfaction="fair", suggestions="很" * 1001),
                      "visit.too_long")):
        with pytest.raises(DeskError) as err:
            visits.record_visit(visit.id, bad, desk["clerk"], clock, settings)
        assert err.value.key == key
    assert Visit.get_by_id(visit.id).visited_at is None
    visits.record_visit(visit.id, record, desk["clerk"], clock, settings)
    row = next(r for r in visit_list(clock.now(), settings) if r.id == visit.id)
    assert row.visited_at == at(2026, 10, 9, 9, 30) and row.by == "张敏"
    assert row.satisfaction == "fair" and row.to_manager
    assert row.findings == {"shortcomings": "电梯维修慢", "suggestions": "增加儿童设施",
                            "attitude": "保安态度好"}
    assert events("visits.record")[0].actor_id == desk["clerk"].id
    # A record is never changed afterwards, nor taken off the list.
    with pytest.raises(DeskError) as err:
        visits.record_visit(visit.id, record, desk["supervisor"], clock, settings)
    assert err.value.key == "visit.already_visited"
    with pytest.raises(DeskError):
        visits.remove_visit(visit.id, desk["supervisor"], clock)


# --- KF-009 §3.3 the satisfaction survey ---------------------------------------------------------


# RULES v2: 入伙五年以上 is five years or more — 2021 → 2026 is the lower share (v1: ≥ 30 %).
@pytest.mark.parametrize(("since", "share"), [(2015, Fraction(15, 100)), (2021, Fraction(15, 100)),
                                               (2022, Fraction(3, 10)), (2020, Fraction(15, 100))])
def test_the_survey_sample_is_proportional_per_building(desk, clock, settings, since,
                                                        share) -> None:
    """KF-009 §3.3.2: 15 % after 5 years or more of occupation, else ≥ 30 %, rounded up;
    each building within one household of its proportional share; vacant units left out."""
    settings.data["office"]["occupied_since"] = since
    survey = surveys.draw_survey_sample(2026, desk["supervisor"], clock, settings)
    homes = Unit.select().where(Unit.status != "vacant").count()
    assert homes == 72
    n = -(-homes * share.numerator // share.denominator)  # ceiling
    assert survey.households == n == SurveyCopy.select().count()
    drawn = [c.unit for c in SurveyCopy.select().join(Unit)]
    assert all(u.status != "vacant" for u in drawn)
    for building in Building.select():
        size = Unit.select().where((Unit.building == building)
                                   & (Unit.status != "vacant")).count()
        got = sum(1 for u in drawn if u.building_id == building.id)
        assert abs(got - Fraction(n * size, homes)) < 1, building.number
    overview = survey_overview(2026, settings)
    assert (overview.households, overview.target, overview.drawn) == (72, n, n)
    assert sum(b.drawn for b in overview.buildings) == n


def test_allocation_by_largest_remainder_on_many_shapes() -> None:
    rng = random.Random(7)
    for _ in range(300):
        sizes = {k: rng.randint(0, 60) for k in range(rng.randint(1, 9))}
        total = sum(sizes.values())
        n = rng.randint(0, total)
        out = surveys.allocate(sizes, n, random.Random(1))
        assert sum(out.values()) == (n if total else 0)
        for k, size in sizes.items():
            if total:
                assert abs(out[k] - Fraction(n * size, total)) < 1


def test_the_survey_draw_reproduces_and_is_refused_once_distributed(desk, clock,
                                                                    settings) -> None:
    sup = desk["supervisor"]
    surveys.draw_survey_sample(2026, sup, clock, settings)
    first = [c.unit_id for c in SurveyCopy.select().order_by(SurveyCopy.unit)]
    surveys.draw_survey_sample(2026, sup, clock, settings)
    assert [c.unit_id for c in SurveyCopy.select().order_by(SurveyCopy.unit)] == first
    for who in ("clerk", "security", "cashier"):
        with pytest.raises(DeskError) as err:
            surveys.draw_survey_sample(2026, desk[who], clock, settings)
        assert err.value.key == "auth.not_allowed"
    with pytest.raises(DeskError) as err:
        surveys.draw_survey_sample(2024, sup, clock, settings)
    assert err.value.key == "survey.year"
    # KF-009 §3.3.1 (RULES v2): not before the quality department approved the form.
    with pytest.raises(DeskError) as err:
        surveys.record_distribution(2026, None, desk["clerk"], clock, settings)
    assert err.value.key == "survey.form_not_approved"
    assert Survey.get().distributed_at is None
    surveys.approve_form(2026, "品质部 周丽", None, sup, clock, settings)
    surveys.record_distribution(2026, None, desk["clerk"], clock, settings)
    with pytest.raises(DeskError) as err:
        surveys.draw_survey_sample(2026, sup, clock, settings)
    assert err.value.key == "survey.already_distributed"
    assert [c.unit_id for c in SurveyCopy.select().order_by(SurveyCopy.unit)] == first
    assert [e.actor_id for e in events("survey.draw")] == [sup.id, sup.id]
    assert events("survey.distribute")[0].actor_id == desk["clerk"].id


def test_returns_rate_and_statistics(desk, clock, settings) -> None:
    """KF-009 §3.3.3–§3.3.4: returns within 10 days against 75 %, by building and grade."""
    sup, clerk = desk["supervisor"], desk["clerk"]
    survey = surveys.draw_survey_sample(2026, sup, clock, settings)
    codes = [c.unit.code for c in SurveyCopy.select().join(Unit).order_by(Unit.code)]
    assert len(codes) == 11  # 15 % of 72, rounded up
    with pytest.raises(DeskError) as err:
        surveys.record_return(2026, codes[0], "satisfied", "", clerk, clock, settings)
    assert err.value.key == "survey.not_distributed"
    surveys.approve_form(2026, "品质部 周丽", at(2026, 9, 30, 9), sup, clock, settings)
    surveys.record_distribution(2026, at(2026, 10, 1, 9), clerk, clock, settings)
    collect = Deadline.get((Deadline.clock == "survey_collect")
                           & (Deadline.item_id == survey.id))
    assert collect.due_at == at(2026, 10, 11, 9) and collect.stopped_at is None
    grades = ["very_satisfied", "satisfied", "satisfied", "neutral", "dissatisfied",
              "satisfied", "very_satisfied", "satisfied"]
    for code, grade in zip(codes, grades, strict=False):
        surveys.record_return(2026, code, grade, "绿化不错" if grade == "satisfied" else "",
                              clerk, clock, settings, returned_at=at(2026, 10, 8, 15))
    overview = survey_overview(2026, settings)
    assert (overview.returned, overview.returned_in_time) == (8, 8)
    assert overview.return_rate == Fraction(8, 11) and overview.return_rate < Fraction(3, 4)
    assert dict(overview.grades) == {"very_satisfied": 2, "satisfied": 4, "neutral": 1,
                                     "dissatisfied": 1}
    assert overview.satisfied_rate == Fraction(6, 8)
    by_building = {b.building: (b.drawn, b.returned) for b in overview.buildings}
    for number in by_building:
        drawn = sum(1 for c in codes if c.split("-")[0] == number)
        back = sum(1 for c in codes[:8] if c.split("-")[0] == number)
        assert by_building[number] == (drawn, back)
    assert Survey.get_by_id(survey.id).returned == 8
    # A copy back after the 10 days counts as returned, not in time.
    late = FixedClock(at(2026, 10, 12, 10))
    surveys.record_return(2026, codes[8], "neutral", "", clerk, late, settings)
    overview = survey_overview(2026, settings)
    assert (overview.returned, overview.returned_in_time) == (9, 8)
    # Refusals change nothing.
    for unit, grade, key in (("2-1-101" if "2-1-101" not in codes else "9-9-999", "satisfied",
                              "survey.not_in_sample"),
                             (codes[0], "satisfied", "survey.already_returned"),
                             (codes[9], "great", "survey.grade"),
                             ("", "satisfied", "survey.unit_needed")):
        with pytest.raises(DeskError) as err:
            surveys.record_return(2026, unit, grade, "", clerk, late, settings)
        assert err.value.key == key
    with pytest.raises(DeskError) as err:
        surveys.record_return(2026, codes[9], "neutral", "", desk["security"], late, settings)
    assert err.value.key == "auth.not_allowed"
    with pytest.raises(DeskError) as err:
        surveys.record_return(2026, codes[9], "neutral", "", clerk, late, settings,
                              returned_at=at(2026, 9, 30, 9))
    assert err.value.key == "survey.before_distribution"
    assert SurveyCopy.select().where(SurveyCopy.returned_at.is_null(False)).count() == 9
    assert [e.actor_id for e in events("survey.return")] == [clerk.id] * 9
    # The supervisor ends the collection: the report is due within 3 days, then filed.
    with pytest.raises(DeskError):
        surveys.close_collection(2026, clerk, late, settings)
    surveys.close_collection(2026, sup, late, settings)
    report = Deadline.get((Deadline.clock == "survey_report") & (Deadline.item_id == survey.id))
    assert report.due_at == at(2026, 10, 15, 10) and report.stopped_at is None
    assert Deadline.get_by_id(collect.id).stopped_at == at(2026, 10, 12, 10)
    with pytest.raises(DeskError) as err:
        surveys.record_return(2026, codes[9], "neutral", "", clerk, late, settings)
    assert err.value.key == "survey.collected"
    surveys.record_report(2026, sup, late, settings)
    assert Deadline.get_by_id(report.id).stopped_at == at(2026, 10, 12, 10)
    assert events("survey.report")[0].actor_id == sup.id


def test_the_last_copy_back_completes_the_collection(desk, clock, settings) -> None:
    settings.data["targets"]["survey_share_old"] = 0.03
    surveys.draw_survey_sample(2026, desk["manager"], clock, settings)
    codes = [c.unit.code for c in SurveyCopy.select().join(Unit)]
    assert len(codes) == 3
    surveys.approve_form(2026, "品质部 周丽", None, desk["manager"], clock, settings)
    surveys.record_distribution(2026, at(2026, 10, 8, 9), desk["clerk"], clock, settings)
    for code in codes:
        surveys.record_return(2026, code, "satisfied", "", desk["clerk"], clock, settings)
    overview = survey_overview(2026, settings)
    assert overview.collected_at == clock.now() and overview.return_rate == 1
    assert overview.report_due == at(2026, 10, 12, 10)


def test_an_older_survey_of_figures_only_still_reads(desk, clock, settings) -> None:
    Survey.create(year=2025, distributed_at=at(2025, 12, 15, 9), households=45, returned=36,
                  collected_at=at(2025, 12, 24, 16), reported_at=at(2025, 12, 26, 11))
    overview = survey_overview(2025, settings)
    assert (overview.drawn, overview.returned, overview.return_rate) == (45, 36,
                                                                        Fraction(4, 5))
    assert overview.copies == () and overview.satisfied_rate is None
