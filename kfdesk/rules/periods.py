"""Periodic duties as stored clocks: a row per period, opened when the period begins.

The office's calendar-day duties (RULES §8: meter readings by the 5th, the complaint
summaries by the 2nd and 5th, the bulletin board by the 30th, the month's callback sample,
parking settlements on the 1st and 16th, the annual plan by 15 Dec and its adjustment by
15 Jun, the June/December interest survey) have no record that starts them: time does.
``sync_periods(now)`` opens the rows of the current and the previous period (idempotent, a
few small queries) and stops those whose duty is done. The app runs it on its refresh timer,
``kfdesk due`` before it evaluates; the services that file a report call it too. Old periods
never filed stay overdue until filed — the duty was not done.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from peewee import Expression, fn

from ..models import (
    Deadline,
    InvoiceBook,
    MeterReading,
    ParkingSettlement,
    ReportFiling,
    Unit,
)
from .context import RuleContext
from .sampling import sample_count
from .sync import Want, _write_one

FILED_DUTIES = ("complaint_summary_desk", "complaint_summary_supervisor", "bulletin",
                "annual_plan", "annual_adjustment", "interest_survey")


def _month_start(ctx: RuleContext, d: date) -> datetime:
    return datetime.combine(date(d.year, d.month, 1), time(0), tzinfo=ctx.calendar.zone)


def _ref(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def _filed_at(duty: str, period: str) -> datetime | None:
    row = ReportFiling.get_or_none((ReportFiling.duty == duty) & (ReportFiling.period == period))
    return row.filed_at if row else None


def _meter_readings_in(month: str) -> datetime | None:
    """KF-015 §4.2: in once every unit's water and electricity meter is read."""
    units = Unit.select().count()
    count, last = (MeterReading.select(fn.COUNT(MeterReading.id), fn.MAX(MeterReading.read_at))
                   .where(MeterReading.month == month).tuples().get())
    if units == 0 or count < 2 * units:
        return None
    return MeterReading.read_at.python_value(last)


def _sample_met(ctx: RuleContext, m: date) -> tuple[int, datetime | None]:
    """KF-009 §3.1.2: ≥ 90 % of the month's ordinary in-home work orders called back, ≥ 25 %
    of those in person. Returns (work orders, when the quotas were met); the counting rule
    itself is ``rules.sampling.sample_count`` (the screen's progress uses it too)."""
    count = sample_count(m, ctx.settings)
    return count.total, count.met_at


# --- KF-019/020 community activities: annual plan, adjustment, interest surveys, bulletin ---
# One function per duty gives a period's clock; ``period_wants`` opens the periods in force
# with them, and the screens' view (``kfdesk.views.activities``) reads the same due times.

SURVEY_MONTHS = (6, 12)  # KF-020 §4.1.1: the activity-interest survey in June and December
# The Deadline item kind each duty's rows are written under (as ``period_wants`` groups them).
ACTIVITY_DUTY_KINDS = {"bulletin": "month", "annual_plan": "year",
                       "annual_adjustment": "year", "interest_survey": "half_year"}


def bulletin_want(ctx: RuleContext, year: int, month: int) -> Want:
    """KF-020 §4.4.2: the month's bulletin-board material by the 30th (the last day of
    February), moved to the next working day when that is not one (RULES §8)."""
    m = date(year, month, 1)
    ref = _ref(m)
    due = ctx.calendar.day_of_month_deadline(year, month, ctx.settings.clocks["bulletin_day"])
    return Want("bulletin", year * 100 + month, ref, _month_start(ctx, m), due.at,
                _filed_at("bulletin", ref), due.provisional, department="desk")


def _annual_want(ctx: RuleContext, clock: str, key: str, due_year: int, period: str) -> Want:
    cal = ctx.calendar
    month, day = (int(x) for x in ctx.settings.clocks[key].split("-"))
    due = cal.day_of_month_deadline(due_year, month, day)
    # Opened a month ahead: the warning share then falls in the last week or so.
    start = datetime.combine(date(due_year, month, day), time(0), tzinfo=cal.zone) \
        - relativedelta(months=1)
    return Want(clock, int(period), period, start, due.at, _filed_at(clock, period),
                due.provisional, department="desk")


def annual_plan_want(ctx: RuleContext, plan_year: int) -> Want:
    """KF-020 §4.2.1: the activity plan for ``plan_year`` by 15 Dec of the year before."""
    return _annual_want(ctx, "annual_plan", "annual_plan_due", plan_year - 1, str(plan_year))


def annual_adjustment_want(ctx: RuleContext, year: int) -> Want:
    """KF-020 §4.2.1: the mid-year adjustment of ``year``'s plan by 15 Jun."""
    return _annual_want(ctx, "annual_adjustment", "annual_adjustment_due", year, str(year))


def interest_survey_want(ctx: RuleContext, year: int, month: int) -> Want:
    """KF-020 §4.1.1: the June / December activity-interest survey, by the 10th
    (``interest_survey_day``, RULES v2): §4.2.1 draws the 15 Jun / 15 Dec plan from it, so it
    cannot fall due after the plan (v1 gave it the whole month)."""
    due = ctx.calendar.day_of_month_deadline(year, month,
                                             ctx.limit("interest_survey_day"))
    ref = f"{year:04d}-{month:02d}"
    return Want("interest_survey", year * 100 + month, ref,
                _month_start(ctx, date(year, month, 1)), due.at,
                _filed_at("interest_survey", ref), due.provisional, department="desk")


def survey_distribute_want(ctx: RuleContext, year: int) -> Want:
    """KF-009 §3.3.2 (RULES v2): the year's satisfaction survey distributed by 20 December
    (``survey_distribute_by``), opened on 1 December; stopped by the distribution recorded
    (``kfdesk.desk.surveys.record_distribution``). A fixed date, moved to the next working
    day when it is not one, like every fixed date of RULES §8."""
    from ..models import Survey

    cal = ctx.calendar
    month, day = (int(x) for x in ctx.settings.clocks["survey_distribute_by"].split("-"))
    due = cal.day_of_month_deadline(year, month, day)
    start = datetime.combine(date(year, month, 1), time(0), tzinfo=cal.zone)
    row = Survey.select(Survey.distributed_at).where(Survey.year == year).first()
    return Want("survey_distribute", year, str(year), start, due.at,
                row.distributed_at if row is not None else None, due.provisional,
                department="desk")


def sync_survey_distribution(year: int, ctx: RuleContext) -> None:
    """Stop (or restart) an opened distribution clock as the survey's record now says:
    the survey services call it, for a year whose clock may lie outside the refresh's window."""
    if Deadline.select(Deadline.id).where((Deadline.clock == "survey_distribute")
                                          & (Deadline.item_id == year)).exists():
        _write_one("year", survey_distribute_want(ctx, year), ctx)


def complaint_summary_wants(ctx: RuleContext, year: int, month: int) -> list[Want]:
    """KF-010 §4.6.1: the summary of the month before (``year``-``month`` is the month the
    summaries fall due in): the desk's by the 2nd, the supervisor's by the 5th — and, RULES
    v2, never before the desk's plus ``complaint_summary_supervisor_after_desk_working_days``
    (2) working days, since the supervisor works from the desk's summary. In October 2026
    both fixed days fall in the National Day holiday and move to 10-08; the supervisor's
    report is then due 10-10 (the make-up Saturday) 17:30."""
    cal = ctx.calendar
    clocks = ctx.settings.clocks
    m = date(year, month, 1)
    prev = m - relativedelta(months=1)
    start = _month_start(ctx, m)
    desk = cal.day_of_month_deadline(year, month, clocks["complaint_summary_desk_day"])
    own = cal.day_of_month_deadline(year, month, clocks["complaint_summary_supervisor_day"])
    after = cal.add_working_days(desk.at,
                                 ctx.limit("complaint_summary_supervisor_after_desk_working_days"))
    sup = own if own.at >= after.at else after
    period = _ref(prev)
    mid = prev.year * 100 + prev.month
    return [
        Want("complaint_summary_desk", mid, period, start, desk.at,
             _filed_at("complaint_summary_desk", period), desk.provisional, department="desk"),
        Want("complaint_summary_supervisor", mid, period, start, sup.at,
             _filed_at("complaint_summary_supervisor", period), sup.provisional,
             department="desk"),
    ]


def meter_readings_want(ctx: RuleContext, year: int, month: int) -> Want:
    """KF-015 §4.2: every meter read and reported by the 5th; RULES v2: engineering's duty
    (工程维修部), so the clock's department is engineering — the cashier waits on it."""
    m = date(year, month, 1)
    ref = _ref(m)
    due = ctx.calendar.day_of_month_deadline(year, month,
                                             ctx.settings.clocks["meter_reading_day"])
    return Want("meter_readings", year * 100 + month, ref, _month_start(ctx, m), due.at,
                _meter_readings_in(ref), due.provisional, department="engineering")


def duty_want(ctx: RuleContext, duty: str, period: str) -> Want:
    """One period's clock of an activity duty: ``period`` is "YYYY-MM" for the bulletin and
    the interest survey, "YYYY" for the annual plan (the plan's year) and its adjustment."""
    if duty == "bulletin":
        return bulletin_want(ctx, int(period[:4]), int(period[5:7]))
    if duty == "interest_survey":
        return interest_survey_want(ctx, int(period[:4]), int(period[5:7]))
    if duty == "annual_plan":
        return annual_plan_want(ctx, int(period))
    if duty == "annual_adjustment":
        return annual_adjustment_want(ctx, int(period))
    raise ValueError(f"not an activity duty: {duty!r}")


def sync_duty(duty: str, period: str, ctx: RuleContext) -> None:
    """Bring one period's clock up to date at once (the filing services call it).

    ``sync_periods`` keeps only the current and previous periods: a late filing of an older
    period must stop that period's clock itself, or it would stay overdue for ever.
    """
    _write_one(ACTIVITY_DUTY_KINDS[duty], duty_want(ctx, duty, period), ctx)


def period_wants(now: datetime, ctx: RuleContext) -> dict[str, list[Want]]:
    """The periodic clocks of the current and previous period, by item kind."""
    cal = ctx.calendar
    local = cal.local_date(now)
    this_month = date(local.year, local.month, 1)
    out: dict[str, list[Want]] = {"month": [], "year": [], "half_year": []}
    for m in (this_month - relativedelta(months=1), this_month):
        ref, start, mid = _ref(m), _month_start(ctx, m), m.year * 100 + m.month
        out["month"].append(meter_readings_want(ctx, m.year, m.month))
        out["month"].append(bulletin_want(ctx, m.year, m.month))
        # KF-010 §4.6.1: the previous month's summary, due on the 2nd / 5th of this month.
        out["month"] += complaint_summary_wants(ctx, m.year, m.month)
        total, met_at = _sample_met(ctx, m)
        if total:
            last = m + relativedelta(months=1, days=-1)
            while not cal.is_working_day(last):
                last -= timedelta(days=1)
            out["month"].append(Want("callback_sampling", mid, ref, start, cal.at_close(last),
                                     met_at, cal.is_provisional(last), department="desk"))
    for year in (local.year - 1, local.year):
        # KF-020 §4.2.1: next year's plan by 15 Dec, this year's adjustment by 15 Jun.
        out["year"].append(annual_plan_want(ctx, year + 1))
        out["year"].append(annual_adjustment_want(ctx, year))
        # KF-020 §4.1.1: the activity-interest survey in June and in December.
        for month in SURVEY_MONTHS:
            out["half_year"].append(interest_survey_want(ctx, year, month))
    # KF-009 §3.3.2 (v2): the satisfaction survey distributed by 20 December, opened on
    # 1 December (and in January, should nobody have opened the counter in December); once
    # opened the row stays until the distribution is recorded.
    if local.month == 12:
        out["year"].append(survey_distribute_want(ctx, local.year))
    elif local.month == 1:
        out["year"].append(survey_distribute_want(ctx, local.year - 1))
    return out


def _sync_parking(ctx: RuleContext) -> None:
    """KF-015 §6.1.2: each attendant holding a book settles on the 1st and the 16th.

    One clock per attendant, not per book: its item is the attendant's first book ever, so a
    book exchanged or used up (and the next one issued) does not leave the period's clock
    behind, never stopped. A settlement up to ``period_end`` stops every period it covers
    (cycle = the nominal settlement day, up to ``period_end`` + 1 day) at its ``settled_at``.
    An attendant who has handed every book back owes no further settlement — a book goes
    back only once its used stubs are settled (``kfdesk.desk.parking.return_book``) — so the
    running clock stops at the last return. A new book after such a gap starts the period
    on its issue day, not the day after the old settlement.
    """
    cal = ctx.calendar
    days = sorted(ctx.settings.clocks["parking_settlement_days"])

    def _day_cycle(d: date) -> int:  # a period's cycle: its nominal settlement day, yyyymmdd
        return d.year * 10000 + d.month * 100 + d.day

    def _stop(where: Expression, at: datetime) -> None:
        # Look before writing: the refresh runs this every few seconds, and an UPDATE that
        # matches nothing would still take SQLite's write lock.
        if Deadline.select(Deadline.id).where(where).exists():
            Deadline.update(stopped_at=at).where(where).execute()

    first_book: dict[str, int] = {}
    held_since: dict[str, datetime] = {}
    last_return: dict[str, datetime] = {}
    for name, issued, returned, book_id in (InvoiceBook
                                            .select(InvoiceBook.attendant, InvoiceBook.issued_at,
                                                    InvoiceBook.returned_at, InvoiceBook.id)
                                            .order_by(InvoiceBook.id).tuples()):
        first_book.setdefault(name, book_id)
        if returned is None:
            at = InvoiceBook.issued_at.python_value(issued)
            held_since[name] = min(held_since.get(name, at), at)
        else:
            at = InvoiceBook.returned_at.python_value(returned)
            last_return[name] = max(last_return.get(name, at), at)
    mine = ((Deadline.clock == "parking_settlement") & (Deadline.item_kind == "attendant"))
    running = {ref for (ref,) in Deadline.select(Deadline.item_ref)
               .where(mine & Deadline.stopped_at.is_null()).distinct().tuples()}
    for name in sorted(set(held_since) | running):
        of_name = mine & (Deadline.item_ref == name) & Deadline.stopped_at.is_null()
        last = (ParkingSettlement.select()
                .where(ParkingSettlement.attendant == name)
                .order_by(ParkingSettlement.period_end.desc()).first())
        covered = None
        if last is not None:
            # A settlement covers up to its period end; the next period starts the day after.
            covered = last.period_end + timedelta(days=1)
            _stop(of_name & (Deadline.cycle <= _day_cycle(covered)), last.settled_at)
        if name not in held_since:
            stop = last_return.get(name) or (last.settled_at if last is not None else None)
            if stop is not None:
                _stop(of_name, stop)
            continue
        since = cal.local_date(held_since[name])
        if covered is not None:
            since = max(since, covered)
        candidates = [date(since.year, since.month, d) for d in days]
        candidates.append(date(since.year, since.month, 1) + relativedelta(months=1))
        nominal = min(c for c in candidates if c > since)
        due = cal.day_of_month_deadline(nominal.year, nominal.month, nominal.day)
        cycle = _day_cycle(nominal)
        start = datetime.combine(since, time(0), tzinfo=cal.zone)
        item = first_book[name]
        _write_one("attendant", Want("parking_settlement", item, name, start, due.at,
                                     None, due.provisional, cycle=cycle, department="desk"),
                   ctx)
        # The same period written under another item (the first open book, as this clock
        # was keyed before) is this one: drop the duplicate rather than alert twice.
        duplicate = (mine & (Deadline.item_ref == name) & (Deadline.cycle == cycle)
                     & (Deadline.item_id != item))
        if Deadline.select(Deadline.id).where(duplicate).exists():
            Deadline.delete().where(duplicate).execute()


def sync_periods(now: datetime, ctx: RuleContext) -> None:
    """Open (or bring up to date) the periodic clocks in force at ``now``."""
    for kind, wants in period_wants(now, ctx).items():
        for want in wants:
            _write_one(kind, want, ctx)
    _sync_parking(ctx)
