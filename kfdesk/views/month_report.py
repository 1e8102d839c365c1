"""KF-010 §4.6 the monthly complaint report: the month's complaints, clocks, quality and trends.

Reads only; the export of the report (an audited write) is ``kfdesk.desk.reports``. Every
figure is built from the records as they stand at ``now`` (a month still running gives the
figures so far, marked ``complete=False``); times come back in the office zone.

What is counted, and the readings chosen:

- **The month's complaints** are the tickets of kind ``complaint`` received in the
  office-zone month: by category, by lead department and by validity (KF-010 §4.2).
  **Reading:** a developer issue (``invalid_developer``) not dispatched anywhere counts under
  the developer (KF-010 §4.4.1: the desk sends it there); an undispatched one under "none".
- **On time vs late for each clock** comes from the stored ``Deadline`` rows of the tickets'
  and callbacks' clocks (RULES §8: dispatch, hand-over, explain invalid, developer contact
  form and callback, complaint and repair callbacks, defect rework and callback).
  **Reading:** a clock belongs to the month in which it falls *due*, so once the month is
  over every clock of it has a verdict: on time (stopped by its due time, held time already
  added to ``due_at`` by the engine), late (stopped after it), overdue (still running past
  due — exactly what ``rules.evaluate`` lists as overdue) or running (not due yet, or on
  hold).
- **Handling time** is intake → close-out (消项) of the month's complaints and repairs closed
  by ``now``, in calendar time; the worst one is named by its ticket number.
- **Callback satisfaction** counts the callbacks done in the month by their recorded answer
  (KF-009 §3.1.3, KF-010 §4.5); **reworks** are the rework work orders opened in the month
  (KF-011, KF-009 §3.1.4).
- **Recurring complaints** (KF-010 §4.6.2) — see the thresholds below; every flag needs at
  least one complaint in the report month, so a pattern that has stopped is not raised again.
- **Quality figures**: the month's callback sample against 90 % / 25 % (KF-009 §3.1.2, the
  same count as the ``callback_sampling`` clock), the collection rate of the month's bills
  against 98 % (KF-016, ``views.dunning.collection_rate``), receipt errors — voids in the
  month — against 0 (KF-016 "error rate 0"), and the return rate of the latest satisfaction
  survey distributed by the month's end against 75 % (KF-009 §3.3).
- **Trends**: complaints and collection rate for the twelve months ending with this one.
- **Filing** (KF-010 §4.6.1): the desk's complaint data summary of this month is due on the
  2nd of the next, the supervisor's handling report on the 5th (moved to the next working
  day, ``WorkCalendar.day_of_month_deadline``); filed means a ``ReportFiling`` row.

Percentages are computed from integers (two decimals, rounded down so a figure just short
of its target never shows as the target); targets compare on the integers themselves.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import NamedTuple

import peewee as pw
from dateutil.relativedelta import relativedelta

from ..config import Settings
from ..models import (
    Building,
    Callback,
    Deadline,
    Receipt,
    ReceiptVoid,
    ReportFiling,
    Staff,
    Survey,
    Ticket,
    Unit,
    WorkOrder,
)
from ..models.tickets import CALLBACK_KINDS, CATEGORIES, DEPARTMENTS, VALIDITY
from ..percent import percent as to_percent
from ..rules.clocks import CLOCKS
from ..rules.context import RuleContext
from ..rules.sampling import month_bounds, sample_count
from . import _by_id, _local
from .dunning import collection_rate, collection_target, percent_of
from .surveys import survey_overview

# The clocks of tickets and their callbacks (RULES §8), in the order of the rule table.
TICKET_CLOCKS: tuple[str, ...] = tuple(
    name for name, spec in CLOCKS.items() if spec.item_kind in ("ticket", "callback"))

# --- KF-010 §4.6.2 recurring complaints: the thresholds --------------------------------------
# The rule says "repeatedly" without a number; these are the office's readings, chosen so a
# single unhappy household or an ordinary month does not fill the manager's meeting.
#
# The look-back for "the same place, repeatedly": the report month and the two before it —
# a quarter, the span over which a resident would say "again".
RECURRING_WINDOW_MONTHS = 3
# The same category at one unit 3 times in that window: twice can be one problem raised
# and chased; the third time the fix did not hold.
UNIT_REPEAT = 3
# The same category in one building 4 times in the window, from at least 2 different units
# (one unit alone is the unit flag above), *and* well above the building's share: its part
# of the category's complaints community-wide is at least twice its part of the households.
# Without the share test a big building flags by its size alone (72 of 300 units get about a
# quarter of every category); with it a shared installation — a lift, a riser pipe, a
# neighbour — stands out.
BUILDING_REPEAT = 4
BUILDING_MIN_UNITS = 2
BUILDING_SHARE_FACTOR = 2
# A community-wide spike: the month's count of a category is at least twice the mean of the
# previous 6 months and at least 5 — a jump from 1 to 2 is noise, from 3 to 10 is not.
# Months before the store's first ticket are not counted into the mean (an office that
# started using kfdesk recently has no zero months behind it); with no such month there is
# no baseline and no spike.
SPIKE_BASELINE_MONTHS = 6
SPIKE_FACTOR = 2
SPIKE_MIN = 5

# Twelve months of trend (the brief for the manager's year view).
TREND_MONTHS = 12

FILING_DUTIES = (("complaint_summary_desk", "complaint_summary_desk_day"),
                 ("complaint_summary_supervisor", "complaint_summary_supervisor_day"))

HANDLED_KINDS = ("complaint", "repair")
_HUNDREDTHS = Decimal("0.01")


# --------------------------------------------------------------------------------------------
# the report's parts


class ClockFigure(NamedTuple):
    """One clock's verdicts for the clocks falling due in the month."""

    clock: str  # key of rules.clocks.CLOCKS
    rule: str  # "KF-010 §4.1.2"
    on_time: int  # stopped by its due time
    late: int  # stopped after its due time
    overdue: int  # still running past due (the engine's overdue alerts)
    running: int  # not due yet at ``now``, or on hold
    worst_late_minutes: int  # the latest of the late and overdue ones; 0 when none
    worst_ref: str  # its ticket / work order number

    @property
    def judged(self) -> int:
        return self.on_time + self.late + self.overdue

    @property
    def on_time_percent(self) -> Decimal | None:
        return percent(self.on_time, self.judged)


class HandlingFigure(NamedTuple):
    """Intake → close-out for the month's tickets of one kind."""

    kind: str  # complaint | repair
    received: int
    closed: int  # of those, closed out by now
    average_minutes: int | None  # None when none closed
    worst_minutes: int | None
    worst_ticket: str


class SatisfactionFigure(NamedTuple):
    """The callbacks done in the month, of one kind, by the resident's answer."""

    kind: str  # CALLBACK_KINDS
    done: int
    satisfied: int
    unsatisfied: int
    not_asked: int  # recorded without the overall question

    @property
    def satisfied_percent(self) -> Decimal | None:
        return percent(self.satisfied, self.satisfied + self.unsatisfied)


class Recurring(NamedTuple):
    """A recurring complaint for the manager's meeting (KF-010 §4.6.2)."""

    scope: str  # unit | building | community
    category: str
    place: str  # the unit code, the building number, "" for the community
    month_count: int  # complaints of it in the report month
    window_count: int  # in the look-back (unit, building) — the month's count for a spike
    baseline: Decimal | None  # a spike's monthly mean before; None for unit / building
    units: int  # different units among them
    tickets: tuple[str, ...]  # their ticket numbers, oldest first


class QualityFigure(NamedTuple):
    """One quality figure against its target."""

    key: str  # sampling | in_person | collection | receipt_errors | survey_return
    rule: str
    value: int  # achieved: called back, in person, fen paid, voids, copies back in time
    base: int  # out of: work orders, callbacks done, fen billed, receipts issued, copies drawn
    percent: Decimal | None  # value ÷ base; None when there is nothing to measure
    target: Decimal  # the target percentage (receipt errors: 0)
    met: bool | None  # None: nothing to measure yet
    money: bool = False  # value and base are fen
    period: str = ""  # the month, or the survey's year
    needed: int | None = None  # the count the target asks for, where the rule counts


class TrendPoint(NamedTuple):
    month: str  # "2026-10"
    complaints: int
    billed_fen: int
    paid_fen: int
    collection_percent: Decimal | None
    collection_met: bool | None


class Filing(NamedTuple):
    """KF-010 §4.6.1: this month's summary, its due time and whether it is filed."""

    duty: str  # complaint_summary_desk | complaint_summary_supervisor
    rule: str
    due_at: datetime  # office zone
    provisional: bool
    filed_at: datetime | None
    by: str  # the staff member who filed it
    status: str  # filed | filed_late | open | overdue


class MonthReport(NamedTuple):
    month: date  # the 1st
    ref: str  # "2026-10"
    generated_at: datetime  # office zone
    complete: bool  # the month had ended at ``generated_at``
    complaints: int
    valid: int
    invalid: int
    by_category: tuple[tuple[str, int], ...]
    by_department: tuple[tuple[str, int], ...]
    by_validity: tuple[tuple[str, int], ...]
    clocks: tuple[ClockFigure, ...]
    handling: tuple[HandlingFigure, ...]
    satisfaction: tuple[SatisfactionFigure, ...]
    reworks: int  # rework work orders opened in the month
    reworked_tickets: int
    recurring: tuple[Recurring, ...]
    quality: tuple[QualityFigure, ...]
    trend: tuple[TrendPoint, ...]
    filings: tuple[Filing, ...]
    voided: int = 0  # KF-012 v2: tickets taken by mistake, counted apart from the figures


# --------------------------------------------------------------------------------------------
# helpers


def percent(value: int, base: int) -> Decimal | None:
    """``value ÷ base`` in percent, two decimals half up (``kfdesk.percent``, the one rule,
    issue 17); None when ``base`` is 0."""
    if base <= 0:
        return None
    return to_percent(value, base)


def at_least(value: int, base: int, share: Fraction) -> bool:
    """``value ÷ base ≥ share``, on integers only."""
    return value * share.denominator >= share.numerator * base


def month_ref(month: date) -> str:
    """``2026-09``: how a month is written in the records (``Bill.month``, filings)."""
    return f"{month.year:04d}-{month.month:02d}"


def parse_month(text: str) -> date:
    """``"2026-09"`` → 2026-09-01; ValueError when it is not a month."""
    text = text.strip()
    year, _, mon = text.partition("-")
    if len(year) != 4 or not mon or len(mon) > 2 or not (year + mon).isdigit():
        raise ValueError(f"not a month: {text!r}")
    return date(int(year), int(mon), 1)


def minutes_as_hours(minutes: int | None) -> Decimal | None:
    """Minutes as hours with one decimal (half up): 95 → 1.6."""
    if minutes is None:
        return None
    return (Decimal(minutes) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _counted(values: list[str], order: tuple[str, ...]) -> tuple[tuple[str, int], ...]:
    counts = Counter(values)
    keys = [k for k in order if k in counts] + sorted(set(counts) - set(order))
    return tuple((k, counts[k]) for k in keys)


# --------------------------------------------------------------------------------------------
# the parts, one function each


def _not_voided_clock() -> pw.Expression:
    """Deadline rows not of a voided ticket nor of a voided ticket's callback (KF-012 v2: a
    ticket taken by mistake is counted apart, its stopped clocks neither on time nor late)."""
    voided = Ticket.select(Ticket.id).where(Ticket.voided_at.is_null(False))
    of_callbacks = Callback.select(Callback.id).where(Callback.ticket.in_(voided))
    return ~(((Deadline.item_kind == "ticket") & Deadline.item_id.in_(voided))
             | ((Deadline.item_kind == "callback") & Deadline.item_id.in_(of_callbacks)))


def clock_figures(start: datetime, end: datetime, now: datetime) -> tuple[ClockFigure, ...]:
    """On time / late / overdue / running for every ticket and callback clock due in
    [start, end), judged at ``now`` from the stored Deadline rows."""
    rows = (Deadline.select(Deadline.clock, Deadline.item_ref, Deadline.due_at,
                            Deadline.stopped_at, Deadline.held_since)
            .where(Deadline.clock.in_(TICKET_CLOCKS) & (Deadline.due_at >= start)
                   & (Deadline.due_at < end) & _not_voided_clock())
            .order_by(Deadline.due_at, Deadline.id))
    tally: dict[str, Counter[str]] = {name: Counter() for name in TICKET_CLOCKS}
    worst: dict[str, tuple[int, str]] = {}
    for row in rows:
        if row.stopped_at is not None:
            verdict = "on_time" if row.stopped_at <= row.due_at else "late"
            late_by = row.stopped_at - row.due_at
        elif row.held_since is None and now > row.due_at:
            # The engine's own test for overdue (``rules.engine``): running and past due.
            verdict, late_by = "overdue", now - row.due_at
        else:
            verdict, late_by = "running", timedelta(0)
        tally[row.clock][verdict] += 1
        minutes = late_by // timedelta(minutes=1)
        if verdict in ("late", "overdue") and minutes > worst.get(row.clock, (-1, ""))[0]:
            worst[row.clock] = (minutes, row.item_ref)
    return tuple(
        ClockFigure(name, CLOCKS[name].rule, c["on_time"], c["late"], c["overdue"],
                    c["running"], *worst.get(name, (0, "")))
        for name, c in tally.items())


def handling_figures(tickets: list[Ticket]) -> tuple[HandlingFigure, ...]:
    """Intake → close-out of the complaints and repairs among ``tickets``, in whole minutes
    of calendar time; the average rounded down."""
    out = []
    for kind in HANDLED_KINDS:
        mine = [t for t in tickets if t.kind == kind]
        spans = [((t.closed_at - t.received_at) // timedelta(minutes=1), t.number)
                 for t in mine if t.closed_at is not None]
        if spans:
            worst = max(spans, key=lambda s: (s[0], s[1]))
            average = sum(m for m, _ in spans) // len(spans)
            out.append(HandlingFigure(kind, len(mine), len(spans), average, worst[0], worst[1]))
        else:
            out.append(HandlingFigure(kind, len(mine), 0, None, None, ""))
    return tuple(out)


def satisfaction_figures(start: datetime, end: datetime) -> tuple[SatisfactionFigure, ...]:
    """The callbacks done in [start, end) by kind and the resident's overall answer."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for kind, answer in (Callback.select(Callback.kind, Callback.satisfaction)
                         .where((Callback.done_at >= start) & (Callback.done_at < end))
                         .tuples()):
        counts[kind][answer or "not_asked"] += 1
    kinds = [k for k in CALLBACK_KINDS if k in counts] + sorted(set(counts) - set(CALLBACK_KINDS))
    return tuple(
        SatisfactionFigure(k, sum(counts[k].values()), counts[k]["satisfied"],
                           counts[k]["unsatisfied"], counts[k]["not_asked"])
        for k in kinds)


class _Complaint(NamedTuple):
    number: str
    received_at: datetime
    month: str
    category: str
    unit: str  # code, "" when none
    building: str  # number, "" when none


def _complaints_between(start: datetime, end: datetime, settings: Settings) -> list[_Complaint]:
    rows = list(Ticket.select(Ticket.number, Ticket.received_at, Ticket.category, Ticket.unit)
                .where((Ticket.kind == "complaint") & (Ticket.received_at >= start)
                       & (Ticket.received_at < end) & Ticket.voided_at.is_null())
                .order_by(Ticket.received_at, Ticket.id).tuples())
    units = _by_id(Unit, (u for *_, u in rows))
    buildings = _by_id(Building, (u.building_id for u in units.values()))
    out = []
    for number, received, category, unit_id in rows:
        unit = units.get(unit_id)
        building = buildings.get(unit.building_id) if unit else None
        out.append(_Complaint(number, received, month_ref(received.astimezone(settings.zone)),
                              category, unit.code if unit else "",
                              building.number if building else ""))
    return out


def recurring_complaints(month: date, settings: Settings) -> tuple[Recurring, ...]:
    """KF-010 §4.6.2: the same category at one unit or in one building repeatedly, or a
    community-wide spike of a category; see the thresholds at the top of this module."""
    zone = settings.zone
    ref = month_ref(month)
    start, end = month_bounds(month, zone)
    earliest = month - relativedelta(months=max(SPIKE_BASELINE_MONTHS,
                                                RECURRING_WINDOW_MONTHS - 1))
    complaints = _complaints_between(month_bounds(earliest, zone)[0], end, settings)
    window_start = month_bounds(month - relativedelta(months=RECURRING_WINDOW_MONTHS - 1),
                                zone)[0]
    window = [c for c in complaints if c.received_at >= window_start]
    by_category = Counter(c.category for c in window)
    building_units = Counter(number for (number,) in Unit.select(Building.number)
                             .join(Building, on=(Unit.building == Building.id)).tuples())
    all_units = sum(building_units.values())
    found: list[Recurring] = []

    for scope, key, threshold in (("unit", "unit", UNIT_REPEAT),
                                  ("building", "building", BUILDING_REPEAT)):
        groups: dict[tuple[str, str], list[_Complaint]] = defaultdict(list)
        for c in window:
            place = getattr(c, key)
            if place:
                groups[(c.category, place)].append(c)
        for (category, place), items in groups.items():
            in_month = sum(1 for c in items if c.month == ref)
            units = len({c.unit for c in items})
            if len(items) < threshold or in_month == 0:
                continue
            if scope == "building" and (
                    units < BUILDING_MIN_UNITS
                    # count / category total ≥ FACTOR × building units / all units, on integers
                    or len(items) * all_units < BUILDING_SHARE_FACTOR * by_category[category]
                    * building_units[place]):
                continue
            found.append(Recurring(scope, category, place, in_month, len(items), None, units,
                                   tuple(c.number for c in items)))

    # Community-wide: the month against the mean of the months before it that the store
    # covers (see SPIKE_BASELINE_MONTHS).
    first = Ticket.select(Ticket.received_at).order_by(Ticket.received_at).first()
    first_month = (date(1, 1, 1) if first is None else
                   date(*first.received_at.astimezone(zone).timetuple()[:2], 1))
    baseline_months = [month_ref(m) for m in
                       (month - relativedelta(months=i)
                        for i in range(1, SPIKE_BASELINE_MONTHS + 1)) if m >= first_month]
    if baseline_months:
        per_month = Counter((c.category, c.month) for c in complaints)
        this = [c for c in complaints if c.month == ref]
        for category, n in Counter(c.category for c in this).items():
            before = sum(per_month[(category, m)] for m in baseline_months)
            # n ≥ FACTOR × before / months, on integers.
            if n >= SPIKE_MIN and n * len(baseline_months) >= SPIKE_FACTOR * before:
                items = [c for c in this if c.category == category]
                mean = (Decimal(before) / len(baseline_months)).quantize(
                    Decimal("0.1"), rounding=ROUND_HALF_UP)
                found.append(Recurring("community", category, "", n, n, mean,
                                       len({c.unit for c in items if c.unit}),
                                       tuple(c.number for c in items)))
    scope_order = {"community": 0, "building": 1, "unit": 2}
    cat_order = {c: i for i, c in enumerate(CATEGORIES)}
    found.sort(key=lambda r: (scope_order[r.scope], -r.month_count, -r.window_count,
                              cat_order.get(r.category, 99), r.category,
                              (len(r.place), r.place)))
    return tuple(found)


def quality_figures(month: date, start: datetime, end: datetime,
                    settings: Settings) -> tuple[QualityFigure, ...]:
    targets = settings.data["targets"]
    ref = month_ref(month)
    out = []
    # KF-009 §3.1.2: the same count as the callback_sampling clock.
    c = sample_count(month, settings)
    sample_share = Fraction(str(targets["callback_sample_share"]))
    person_share = Fraction(str(targets["callback_in_person_share"]))
    out.append(QualityFigure("sampling", "KF-009 §3.1.2", c.called, c.total,
                             percent(c.called, c.total), percent_of(sample_share),
                             c.called >= c.sample_needed if c.total else None, period=ref,
                             needed=c.sample_needed))
    # The in-person quota is counted on the sample, never taken as smaller than the sample
    # quota (rules.sampling), so the share shown is of that same base.
    sample = max(c.called, c.sample_needed)
    out.append(QualityFigure("in_person", "KF-009 §3.1.2", c.in_person, sample,
                             percent(c.in_person, sample), percent_of(person_share),
                             c.in_person >= c.in_person_needed if c.total else None,
                             period=ref, needed=c.in_person_needed))
    # KF-016: paid ÷ billed of the month's bills.
    rate = collection_rate(ref, settings)
    out.append(QualityFigure("collection", "KF-016", rate.paid_fen, rate.billed_fen,
                             rate.percent, rate.target_percent, rate.meets, money=True,
                             period=ref))
    # KF-016 error rate 0: a voided receipt is a receipt issued in error.
    voids = ReceiptVoid.select().where((ReceiptVoid.at >= start) & (ReceiptVoid.at < end)).count()
    issued = Receipt.select().where((Receipt.issued_at >= start)
                                    & (Receipt.issued_at < end)).count()
    out.append(QualityFigure("receipt_errors", "KF-016", voids, issued, percent(voids, issued),
                             Decimal("0.00"), voids == 0, period=ref, needed=0))
    # KF-009 §3.3: the latest survey distributed by the month's end.
    survey = (Survey.select(Survey.year)
              .where(Survey.distributed_at.is_null(False) & (Survey.distributed_at < end))
              .order_by(Survey.year.desc()).first())
    return_share = Fraction(str(targets["survey_return_rate"]))
    if survey is None:
        out.append(QualityFigure("survey_return", "KF-009 §3.3", 0, 0, None,
                                 percent_of(return_share), None))
    else:
        s = survey_overview(survey.year, settings)
        out.append(QualityFigure("survey_return", "KF-009 §3.3", s.returned_in_time, s.drawn,
                                 percent(s.returned_in_time, s.drawn), percent_of(return_share),
                                 at_least(s.returned_in_time, s.drawn, return_share)
                                 if s.drawn else None, period=str(s.year)))
    return tuple(out)


def trend(month: date, settings: Settings) -> tuple[TrendPoint, ...]:
    """Complaints and collection rate for the ``TREND_MONTHS`` months ending with ``month``."""
    zone = settings.zone
    first = month - relativedelta(months=TREND_MONTHS - 1)
    start = month_bounds(first, zone)[0]
    end = month_bounds(month, zone)[1]
    counts = Counter(
        month_ref(r.astimezone(zone))
        for (r,) in Ticket.select(Ticket.received_at)
        .where((Ticket.kind == "complaint") & (Ticket.received_at >= start)
               & (Ticket.received_at < end) & Ticket.voided_at.is_null()).tuples())
    target = collection_target(settings)
    out = []
    for i in range(TREND_MONTHS):
        ref = month_ref(first + relativedelta(months=i))
        rate = collection_rate(ref, settings)
        met = (at_least(rate.paid_fen, rate.billed_fen, target) if rate.billed_fen else None)
        out.append(TrendPoint(ref, counts[ref], rate.billed_fen, rate.paid_fen, rate.percent,
                              met))
    return tuple(out)


def filings(month: date, now: datetime, settings: Settings) -> tuple[Filing, ...]:
    """KF-010 §4.6.1: this month's complaint summaries — due the 2nd and the 5th of the next."""
    cal = RuleContext.from_store(settings).calendar
    ref = month_ref(month)
    nxt = month + relativedelta(months=1)
    rows = {r.duty: r for r in ReportFiling.select()
            .where(ReportFiling.duty.in_([d for d, _ in FILING_DUTIES])
                   & (ReportFiling.period == ref))}
    staff = _by_id(Staff, (r.by_id for r in rows.values()))
    out = []
    for duty, key in FILING_DUTIES:
        due = cal.day_of_month_deadline(nxt.year, nxt.month, settings.clocks[key])
        row = rows.get(duty)
        if row is not None:
            status = "filed" if row.filed_at <= due.at else "filed_late"
        else:
            status = "overdue" if now > due.at else "open"
        out.append(Filing(duty, CLOCKS[duty].rule, due.at.astimezone(settings.zone),
                          due.provisional, _local(row.filed_at if row else None, settings.zone),
                          staff[row.by_id].name if row and row.by_id in staff else "", status))
    return tuple(out)


# --------------------------------------------------------------------------------------------
# the report


def month_report(month: date, now: datetime, settings: Settings) -> MonthReport:
    """The monthly complaint report of ``month`` (any day in it) as the records stand at
    ``now`` (KF-010 §4.6)."""
    zone = settings.zone
    month = date(month.year, month.month, 1)
    start, end = month_bounds(month, zone)
    tickets = list(Ticket.select(Ticket.id, Ticket.number, Ticket.kind, Ticket.category,
                                 Ticket.validity, Ticket.department, Ticket.received_at,
                                 Ticket.closed_at)
                   .where((Ticket.received_at >= start) & (Ticket.received_at < end)
                          & Ticket.kind.in_(HANDLED_KINDS) & Ticket.voided_at.is_null())
                   .order_by(Ticket.received_at, Ticket.id))
    voided = Ticket.select().where((Ticket.received_at >= start) & (Ticket.received_at < end)
                                   & Ticket.voided_at.is_null(False)).count()
    complaints = [t for t in tickets if t.kind == "complaint"]

    def department(t: Ticket) -> str:
        if t.department:
            return t.department
        return "developer" if t.validity == "invalid_developer" else "none"

    reworks = list(WorkOrder.select(WorkOrder.ticket)
                   .where(WorkOrder.rework_of.is_null(False) & (WorkOrder.opened_at >= start)
                          & (WorkOrder.opened_at < end)).tuples())
    return MonthReport(
        month=month,
        ref=month_ref(month),
        generated_at=now.astimezone(zone),
        complete=now >= end,
        complaints=len(complaints),
        valid=sum(1 for t in complaints if t.validity == "valid"),
        invalid=sum(1 for t in complaints if (t.validity or "").startswith("invalid")),
        by_category=_counted([t.category for t in complaints], CATEGORIES),
        by_department=_counted([department(t) for t in complaints], (*DEPARTMENTS, "none")),
        by_validity=_counted([t.validity or "none" for t in complaints], (*VALIDITY, "none")),
        clocks=clock_figures(start, end, now),
        handling=handling_figures(tickets),
        satisfaction=satisfaction_figures(start, end),
        reworks=len(reworks),
        reworked_tickets=len({tid for (tid,) in reworks if tid is not None}),
        recurring=recurring_complaints(month, settings),
        quality=quality_figures(month, start, end, settings),
        trend=trend(month, settings),
        filings=filings(month, now, settings),
        voided=voided,
    )


def default_month(today: date) -> date:
    """The month the report screen and the CLI open on: last month — the one whose summary
    is filed in the first days of this one (KF-010 §4.6.1)."""
    return date(today.year, today.month, 1) - relativedelta(months=1)
