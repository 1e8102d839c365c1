"""The monthly complaint report (KF-010 §4.6, ``kfdesk.views.month_report``) on constructed months.

- A month of complaints played through the desk services with a clock moved by hand: the
  report's on-time / late / overdue counts for each clock equal the hand count, the stored
  Deadline rows of the month, and the deadline engine's overdue alerts.
- Recurring complaints (KF-010 §4.6.2): a constructed unit, building and community-wide
  case is flagged; noise of the same size in the wrong shape is not.
- Quality figures, trend and filings against hand counts.
Times are office time (Asia/Shanghai); "now" is the fixture clock, 2026-10-09 10:00.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from kfdesk.clock import FixedClock
from kfdesk.config import default_settings
from kfdesk.desk import tickets as tk
from kfdesk.desk.callbacks import CallbackForm, record_callback
from kfdesk.models import (
    Bill,
    BillLine,
    Building,
    Callback,
    Deadline,
    Group,
    Receipt,
    ReceiptSeries,
    ReceiptVoid,
    ReportFiling,
    Staff,
    Ticket,
    Unit,
)
from kfdesk.rules import RuleContext, evaluate
from kfdesk.views import month_report as mr

SH = ZoneInfo("Asia/Shanghai")
SETTINGS = default_settings()
AUGUST = date(2026, 8, 1)
SEPTEMBER = date(2026, 9, 1)


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


def clock_at(*args: int) -> FixedClock:
    return FixedClock(at(*args))


def take(office: dict, when: tuple, **fields) -> str:
    base = {"channel": "phone", "kind": "complaint", "category": "noise", "text": "楼上噪音",
            "unit_code": "3-1-502", "validity": "valid"}
    return tk.take_ticket(tk.IntakeForm(**{**base, **fields}), office["clerk"],
                          clock_at(*when), SETTINGS).number


def dispatch(office: dict, number: str, when: tuple) -> None:
    tk.dispatch_ticket(number, ["security"], office["clerk"], clock_at(*when), SETTINGS)


def complete(office: dict, number: str, when: tuple) -> None:
    tk.record_completion(number, at(*when), "已处理", office["clerk"], clock_at(*when), SETTINGS)


def call_back(office: dict, number: str, when: tuple, satisfied: bool = True) -> None:
    ticket = Ticket.get(Ticket.number == number)
    cb = Callback.get((Callback.ticket == ticket) & Callback.done_at.is_null())
    record_callback(cb.id, CallbackForm(method="phone", satisfied=satisfied,
                                        remarks="" if satisfied else "仍有噪音"),
                    office["clerk"], clock_at(*when), SETTINGS)


@pytest.fixture
def august(office: dict) -> dict:
    """A month at the desk, August 2026 (no holidays; all clocks here are in hours/days)."""
    n = {}
    # Received 31 Jul 23:50: its dispatch clock falls due 1 Aug 00:50 — an August clock.
    n["t0"] = take(office, (2026, 7, 31, 23, 50))
    dispatch(office, n["t0"], (2026, 8, 1, 0, 20))  # on time
    # T1: dispatched in 30 minutes, completed next day, called back in time, satisfied.
    n["t1"] = take(office, (2026, 8, 3, 9, 0))
    dispatch(office, n["t1"], (2026, 8, 3, 9, 30))
    complete(office, n["t1"], (2026, 8, 4, 10, 0))
    call_back(office, n["t1"], (2026, 8, 5, 15, 0))
    # T2: dispatched an hour late; the callback (due 3 days after handling ended) 9 days on.
    n["t2"] = take(office, (2026, 8, 10, 9, 0), category="lift")
    dispatch(office, n["t2"], (2026, 8, 10, 11, 0))
    complete(office, n["t2"], (2026, 8, 11, 9, 0))
    call_back(office, n["t2"], (2026, 8, 20, 9, 0))
    # T3: never dispatched — overdue since 12 Aug 10:00, still open at "now".
    n["t3"] = take(office, (2026, 8, 12, 9, 0), category="lift")
    # T4: outside the office's scope, explained within the 2 hours, then called back and
    # closed by the callback (RULES v2 item 2, KF-010 §4.5: every accepted complaint).
    n["t4"] = take(office, (2026, 8, 14, 9, 0), validity="invalid_other", category="other")
    tk.explain_invalid(n["t4"], "不属于物业服务范围", office["clerk"],
                       clock_at(2026, 8, 14, 10, 0), SETTINGS)
    call_back(office, n["t4"], (2026, 8, 14, 10, 5))
    # T5: a repair taken 31 Aug 23:30 — its dispatch is due 1 Sep 00:30, a September clock.
    n["t5"] = take(office, (2026, 8, 31, 23, 30), kind="repair", validity=None,
                   repair_class="normal", category="water")
    dispatch(office, n["t5"], (2026, 9, 1, 0, 10))
    return n


def by_clock(report: mr.MonthReport) -> dict[str, mr.ClockFigure]:
    return {c.clock: c for c in report.clocks}


def test_on_time_counts_agree_with_hand_count_rows_and_engine(august: dict, clock) -> None:
    """RULES §8: each clock due in August — on time, late, overdue — as counted by hand, as
    the stored Deadline rows say, and (overdue) as the engine's alerts list them."""
    now = clock.now()
    report = mr.month_report(AUGUST, now, SETTINGS)
    figures = by_clock(report)
    # By hand: dispatch T0 and T1 on time, T2 an hour late, T3 never (overdue); T5's is due
    # in September and is not here.
    d = figures["dispatch"]
    assert (d.on_time, d.late, d.overdue, d.running) == (2, 1, 1, 0)
    assert d.rule == "KF-010 §4.1.2"
    assert d.worst_ref == august["t3"]  # open since 12 Aug 10:00: the latest of all
    assert d.worst_late_minutes == (now - at(2026, 8, 12, 10, 0)).total_seconds() // 60
    c = figures["complaint_callback"]
    # T1 on time, T2 late, T4 (explained, then called back 5 minutes later: v2 item 2) on time.
    assert (c.on_time, c.late, c.overdue, c.running) == (2, 1, 0, 0)
    # T2's callback was due 14 Aug 09:00 (3 days after handling ended), done 20 Aug 09:00.
    assert c.worst_ref == august["t2"] and c.worst_late_minutes == 6 * 24 * 60
    e = figures["explain_invalid"]
    assert (e.on_time, e.late, e.overdue) == (1, 0, 0)
    assert e.on_time_percent == Decimal("100.00")
    assert d.on_time_percent == Decimal("50.00")
    # The same counts straight from the Deadline rows due in the month.
    start, end = mr.month_bounds(AUGUST, SETTINGS.zone)
    rows = list(Deadline.select().where((Deadline.due_at >= start) & (Deadline.due_at < end)
                                        & Deadline.clock.in_(mr.TICKET_CLOCKS)))
    assert rows, "the month has clocks"
    for name, fig in figures.items():
        mine = [r for r in rows if r.clock == name]
        on_time = sum(1 for r in mine if r.stopped_at is not None and r.stopped_at <= r.due_at)
        late = sum(1 for r in mine if r.stopped_at is not None and r.stopped_at > r.due_at)
        running = [r for r in mine if r.stopped_at is None]
        assert (fig.on_time, fig.late, fig.overdue + fig.running) == (on_time, late,
                                                                      len(running)), name
    # The engine's overdue alerts due in the month are exactly the report's overdue ones.
    alerts = [a for a in evaluate(now, RuleContext.from_store(SETTINGS))
              if a.state == "overdue" and a.clock in mr.TICKET_CLOCKS
              and start <= a.due_at < end]
    assert Counter(a.clock for a in alerts) == Counter(
        {f.clock: f.overdue for f in report.clocks if f.overdue})
    assert {a.item_ref for a in alerts} == {august["t3"]}
    # September holds T5's dispatch (due 1 Sep 00:30, dispatched 00:10).
    sept = by_clock(mr.month_report(SEPTEMBER, now, SETTINGS))["dispatch"]
    assert (sept.on_time, sept.late, sept.overdue) == (1, 0, 0)


def test_complaints_handling_and_satisfaction_by_hand(august: dict, clock) -> None:
    report = mr.month_report(AUGUST, clock.now(), SETTINGS)
    assert report.ref == "2026-08" and report.complete
    # August's complaints are T1–T4 (T0 came in July, T5 is a repair).
    assert (report.complaints, report.valid, report.invalid) == (4, 3, 1)
    assert dict(report.by_category) == {"lift": 2, "noise": 1, "other": 1}
    assert dict(report.by_department) == {"security": 2, "none": 2}
    assert dict(report.by_validity) == {"valid": 3, "invalid_other": 1}
    handling = {h.kind: h for h in report.handling}
    # Closed: T1 3 Aug 09:00 → 5 Aug 15:00 (54 h), T2 10 Aug 09:00 → 20 Aug 09:00 (240 h),
    # T4 14 Aug 09:00 → 10:05 (65 min).
    spans = [54 * 60, 240 * 60, 65]
    h = handling["complaint"]
    assert (h.received, h.closed) == (4, 3)
    assert h.average_minutes == sum(spans) // 3
    assert (h.worst_minutes, h.worst_ticket) == (240 * 60, august["t2"])
    assert mr.minutes_as_hours(h.worst_minutes) == Decimal("240.0")
    assert handling["repair"] == mr.HandlingFigure("repair", 1, 0, None, None, "")
    (sat,) = report.satisfaction
    # T1, T2 and T4's callbacks (RULES v2 item 2: the invalid complaint is called back too).
    assert (sat.kind, sat.done, sat.satisfied, sat.unsatisfied) == ("complaint", 3, 3, 0)
    assert sat.satisfied_percent == Decimal("100.00")
    # A month still running says so.
    assert not mr.month_report(date(2026, 10, 1), clock.now(), SETTINGS).complete


# --- KF-010 §4.6.2 recurring complaints --------------------------------------------------------


@pytest.fixture
def estate(office: dict) -> dict[str, Unit]:
    """Four equal buildings 5–8 of six units each (and the fixture's 3-1-502)."""
    group = Group.get()
    units = {}
    for b in (5, 6, 7, 8):
        building = Building.create(group=group, number=str(b), name=f"{b}栋", floors=6)
        for entrance in (1, 2):
            for floor in (1, 2, 3):
                code = f"{b}-{entrance}-{floor}01"
                units[code] = Unit.create(building=building, entrance=entrance, floor=floor,
                                          room=f"{floor}01", code=code, area_centi_m2=9000)
    return units


def interleaved(units: dict[str, Unit]) -> list[str]:
    """The 24 unit codes taking each building in turn: 5-1-101, 6-1-101, 7-1-101, 8-1-101,
    5-1-201, … — consecutive complaints then never pile up in one building."""
    return sorted(units, key=lambda code: (code.split("-")[1:], code))


_seq = iter(range(1, 100_000))


def complaint(when: datetime, category: str, unit: Unit | None) -> str:
    """A complaint row as the recurring figure reads it (the services are tested elsewhere)."""
    number = f"K-{next(_seq):06d}"
    Ticket.create(number=number, received_at=when, channel="phone", kind="complaint",
                  category=category, text="…", validity="valid", unit=unit,
                  owner=Staff.get(Staff.login == "clerk"), updated_at=when)
    return number


def test_recurring_complaints_are_flagged(estate: dict[str, Unit]) -> None:
    """The same category at one unit 3 times, in one building from 4 units (and nowhere
    else), and a community-wide spike — each flagged for the manager's meeting."""
    u = estate
    first = complaint(at(2026, 3, 2, 9), "other", u["8-2-301"])  # the store's records begin
    water = [complaint(at(2026, 7, 10, 9), "water", u["5-1-101"]),
             complaint(at(2026, 8, 12, 9), "water", u["5-1-101"]),
             complaint(at(2026, 9, 5, 9), "water", u["5-1-101"])]
    lift = [complaint(at(2026, 8, 3, 9), "lift", u["6-1-101"]),
            complaint(at(2026, 8, 20, 9), "lift", u["6-1-201"]),
            complaint(at(2026, 9, 2, 9), "lift", u["6-2-301"]),
            complaint(at(2026, 9, 9, 9), "lift", u["6-2-101"])]
    # Security: one a month June–August, then six in September across three buildings (at
    # most three of them in any one building over the quarter).
    for month, code in ((6, "7-1-101"), (7, "8-2-101"), (8, "5-1-201")):
        complaint(at(2026, month, 15, 9), "security", u[code])
    spread = ["5-2-101", "5-2-201", "7-2-101", "7-2-201", "8-1-101", "8-1-201"]
    security = [complaint(at(2026, 9, 10 + i, 9), "security", u[code])
                for i, code in enumerate(spread)]
    found = mr.recurring_complaints(SEPTEMBER, SETTINGS)
    assert [(r.scope, r.category, r.place) for r in found] == [
        ("community", "security", ""), ("building", "lift", "6"), ("unit", "water", "5-1-101")]
    spike, building, unit = found
    # Mean of March–August (the store begins in March): 3 complaints over 6 months.
    assert (spike.month_count, spike.baseline, spike.units) == (6, Decimal("0.5"), 6)
    assert spike.tickets == tuple(security)
    assert (building.month_count, building.window_count, building.units) == (2, 4, 4)
    assert building.tickets == tuple(lift)
    assert (unit.month_count, unit.window_count, unit.tickets) == (1, 3, tuple(water))
    assert first not in {n for r in found for n in r.tickets}
    # The same records seen from October: the lift's pattern is still in the window but has
    # no October complaint, so nothing is raised again.
    assert mr.recurring_complaints(date(2026, 10, 1), SETTINGS) == ()
    report = mr.month_report(SEPTEMBER, at(2026, 10, 9, 10), SETTINGS)
    assert report.recurring == found


def test_noise_is_not_flagged(estate: dict[str, Unit]) -> None:
    """As many complaints, in shapes that are not a recurring problem."""
    u = estate
    codes = interleaved(u)
    complaint(at(2026, 3, 1, 9), "other", u["8-2-301"])  # the store's records begin
    # Twice at one unit (below 3); three times at another but only one in the window and
    # none in September; three in the window at a third, none of them in September.
    complaint(at(2026, 8, 1, 9), "noise", u["5-1-101"])
    complaint(at(2026, 9, 1, 9), "noise", u["5-1-101"])
    for when in (at(2026, 4, 1, 9), at(2026, 5, 1, 9), at(2026, 9, 3, 9)):
        complaint(when, "water", u["5-1-201"])
    for month in (7, 8, 8):
        complaint(at(2026, month, 20, 9), "water", u["6-1-301"])
    # Parking: four in every building over the quarter — ≥ 4 per building, but each building
    # holds only its share of the households; one per building in September (4 < 5).
    for b in (5, 6, 7, 8):
        for i, month in enumerate((7, 8, 8, 9)):
            complaint(at(2026, month, 5 + i, 9), "parking", u[f"{b}-2-{i % 3 + 1}01"])
    # Sanitation: three a month March–August, five in September (5 < 2 × mean 3), spread
    # one per unit so no unit or building repeats.
    k = 0
    for month, n in ((3, 3), (4, 3), (5, 3), (6, 3), (7, 3), (8, 3), (9, 5)):
        for day in range(n):
            complaint(at(2026, month, 10 + day, 9), "sanitation", u[codes[k % len(codes)]])
            k += 1
    assert mr.recurring_complaints(SEPTEMBER, SETTINGS) == ()
    # With no months of records before it there is no baseline, so no spike either.
    assert mr.recurring_complaints(date(2026, 3, 1), SETTINGS) == ()


def test_a_spike_needs_history_and_size(estate: dict[str, Unit]) -> None:
    """The spike test on integers: 5 against a mean of 2.5 is flagged, 5 against 3 is not."""
    codes = interleaved(estate)
    k = 0
    for month, n in ((7, 2), (8, 3), (9, 5)):
        for day in range(n):
            complaint(at(2026, month, 1 + day, 9), "greenery", estate[codes[k]])
            k += 1
    (spike,) = mr.recurring_complaints(SEPTEMBER, SETTINGS)
    assert (spike.scope, spike.month_count, spike.baseline) == ("community", 5, Decimal("2.5"))
    complaint(at(2026, 7, 20, 9), "greenery", estate[codes[k]])  # mean now 3: 5 < 6
    assert mr.recurring_complaints(SEPTEMBER, SETTINGS) == ()


# --- quality figures, trend, filings ---------------------------------------------------------


def _bill(unit: Unit, month: str, amount: int, paid: int) -> None:
    bill = Bill.create(unit=unit, month=month, created_at=at(2026, 9, 1, 9), total_fen=amount)
    BillLine.create(bill=bill, item="property_fee", quantity_centi=100, rate_e4=0,
                    amount_fen=amount, paid_fen=paid)


def test_quality_figures_trend_and_filings(office: dict, clock) -> None:
    unit = office["unit"]
    _bill(unit, "2026-08", 100_000, 98_000)  # 98.00 %: met
    _bill(unit, "2026-09", 100_000, 97_990)  # 97.99 %: short by 10 fen
    series = ReceiptSeries.create(code="2026", last_number=3)
    for n in (1, 2, 3):
        Receipt.create(series=series, number=n, issued_at=at(2026, 9, n, 10), amount_fen=100,
                       cashier=office["cashier"])
    ReceiptVoid.create(receipt=Receipt.get(Receipt.number == 2), at=at(2026, 9, 2, 11),
                       by=office["cashier"], reason="金额开错")
    ReportFiling.create(duty="complaint_summary_desk", period="2026-09",
                        filed_at=at(2026, 10, 8, 9, 0), by=office["clerk"])
    complaint(at(2026, 9, 3, 9), "noise", unit)
    complaint(at(2026, 8, 3, 9), "noise", unit)
    complaint(at(2026, 8, 4, 9), "noise", unit)
    report = mr.month_report(SEPTEMBER, clock.now(), SETTINGS)
    q = {f.key: f for f in report.quality}
    assert (q["collection"].value, q["collection"].base) == (97_990, 100_000)
    assert q["collection"].percent == Decimal("97.99") and q["collection"].met is False
    assert q["collection"].target == Decimal("98.00") and q["collection"].money
    assert (q["receipt_errors"].value, q["receipt_errors"].base, q["receipt_errors"].met) == (
        1, 3, False)
    # No work orders and no survey: nothing to measure, neither met nor short.
    assert q["sampling"].met is None and q["survey_return"].met is None
    assert q["sampling"].target == Decimal("90.00")
    assert q["in_person"].target == Decimal("25.00")
    august = {f.key: f for f in mr.month_report(AUGUST, clock.now(), SETTINGS).quality}
    assert august["collection"].met is True and august["receipt_errors"].met is True
    # Twelve months ending in September, oldest first.
    assert [p.month for p in report.trend][:2] == ["2025-10", "2025-11"]
    assert report.trend[-1].month == "2026-09" and len(report.trend) == 12
    points = {p.month: p for p in report.trend}
    assert (points["2026-08"].complaints, points["2026-09"].complaints) == (2, 1)
    assert points["2026-08"].collection_met is True
    assert points["2026-09"].collection_percent == Decimal("97.99")
    assert points["2026-01"].collection_percent is None
    # KF-010 §4.6.1: September's summaries are due the 2nd and 5th of October — both in the
    # National Day holiday, so moved to Thursday 8 October at 17:30.
    desk, supervisor = report.filings
    assert desk.due_at == at(2026, 10, 8, 17, 30) == supervisor.due_at
    assert (desk.status, desk.by, desk.filed_at) == ("filed", "张敏", at(2026, 10, 8, 9, 0))
    assert supervisor.status == "overdue" and supervisor.filed_at is None
    # August's: due Wednesday 2 September and Monday 7 September (the 5th is a Saturday).
    aug_desk, aug_super = mr.filings(AUGUST, clock.now(), SETTINGS)
    assert aug_desk.due_at == at(2026, 9, 2, 17, 30) and aug_super.due_at == at(2026, 9, 7, 17, 30)
    # Before its due time an unfiled summary is open, not overdue.
    assert mr.filings(SEPTEMBER, at(2026, 10, 8, 12, 0), SETTINGS)[1].status == "open"


def test_month_helpers() -> None:
    assert mr.parse_month("2026-09") == date(2026, 9, 1)
    assert mr.parse_month("2026-9") == date(2026, 9, 1)
    for bad in ("2026", "09-2026", "2026-13", "abcd-ef", "2026-09-01"):
        with pytest.raises(ValueError):
            mr.parse_month(bad)
    assert mr.default_month(date(2026, 10, 9)) == SEPTEMBER
    assert mr.default_month(date(2026, 1, 2)) == date(2025, 12, 1)
    assert mr.percent(2, 3) == Decimal("66.67")  # half up, as every percentage (issue 17)
    assert mr.percent(0, 0) is None
    assert mr.minutes_as_hours(95) == Decimal("1.6")


# ---- filing the summaries (KF-010 §4.6.1) -----------------------------------------------------


def test_filing_the_month_summaries_in_order_stops_their_clocks(office: dict,
                                                               clock: FixedClock) -> None:
    from kfdesk.desk.base import DeskError
    from kfdesk.desk.reports import file_month_summary
    from kfdesk.models import AuditEvent, Deadline, ReportFiling
    from kfdesk.rules.periods import sync_periods

    settings = SETTINGS
    september = date(2026, 9, 1)
    sync_periods(clock.now(), RuleContext.from_store(settings))
    running = Deadline.select().where((Deadline.clock == "complaint_summary_desk")
                                      & (Deadline.item_ref == "2026-09"))
    assert running.get().stopped_at is None

    def refused(key: str, *args) -> None:  # noqa: ANN002
        before = (ReportFiling.select().count(), AuditEvent.select().count())
        with pytest.raises(DeskError) as exc:
            file_month_summary(*args)
        assert exc.value.key == key, exc.value.message()
        assert (ReportFiling.select().count(), AuditEvent.select().count()) == before

    # The supervisor's is built on the desk's; a clerk cannot file the supervisor's; the
    # current month is not over yet.
    refused("report.desk_first", september, "complaint_summary_supervisor", "", office["super"],
            clock, settings)
    refused("auth.not_allowed", september, "complaint_summary_supervisor", "", office["clerk"],
            clock, settings)
    refused("report.month_not_over", date(2026, 10, 1), "complaint_summary_desk", "",
            office["clerk"], clock, settings)
    file_month_summary(september, "complaint_summary_desk", "共 12 件", office["clerk"], clock,
                       settings)
    assert running.get().stopped_at == clock.now()
    refused("report.already_filed", september, "complaint_summary_desk", "", office["clerk"],
            clock, settings)
    file_month_summary(september, "complaint_summary_supervisor", "", office["super"], clock,
                       settings)
    assert {f.status for f in mr.filings(september, clock.now(), settings)} <= {
        "filed", "filed_late"}
