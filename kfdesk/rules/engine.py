"""``evaluate(now)``: what is due soon and what is overdue, on every refresh. Reads only.

Stored clocks (``Deadline`` rows, written by ``kfdesk.rules.sync`` when a clock starts) come
from one indexed query; the periodic duties of the office (meter readings by the 5th, the
complaint summaries, the bulletin board, the annual plan …) are computed here for the
periods in force, from the few records that stop them. Order is deterministic: overdue
first, most late first; then due soon, soonest first; ties by rule, item and id.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from peewee import JOIN

from ..i18n import t
from ..models import (
    Callback,
    Deadline,
    InvoiceBook,
    MeterReading,
    ParkingSettlement,
    ReportFiling,
    Staff,
    Unit,
    WorkOrder,
)
from .clocks import CLOCKS
from .context import RuleContext

STATES = ("due_soon", "overdue")


@dataclass(frozen=True, slots=True)
class Alert:
    rule: str  # "KF-010 §4.1.2"
    clock: str  # "dispatch"
    rule_text: str  # one line in the clerk's language
    item_kind: str
    item_id: int
    item_ref: str  # what the clerk reads: "K-000123", "2026-10"
    unit: str
    owner: str  # login of the owner (first-contact clerk), "" when none
    owner_name: str
    department: str
    due_at: datetime  # aware UTC
    state: str  # due_soon | overdue
    late_minutes: int  # minutes past due; negative: minutes left
    provisional: bool

    def to_json(self, zone: Any) -> dict[str, Any]:
        """The stable contract of ``kfdesk due --json``."""
        return {
            "rule": self.rule,
            "rule_text": self.rule_text,
            "item_kind": self.item_kind,
            "item_id": self.item_id,
            "unit": self.unit,
            "owner": self.owner,
            "department": self.department,
            "due_at": self.due_at.astimezone(zone).isoformat(timespec="minutes"),
            "state": self.state,
            "late_minutes": self.late_minutes,
            "provisional": self.provisional,
        }


def _rule_texts(ctx: RuleContext, lang: str | None) -> dict[str, str]:
    clocks = ctx.settings.clocks
    texts = {}
    for name, spec in CLOCKS.items():
        limit = clocks.get(spec.limit_key, "") if spec.limit_key else ""
        texts[name] = t(f"rule.{name}", lang=lang, limit=limit)
    return texts


def _alert(now: datetime, clock: str, texts: dict[str, str], item_kind: str, item_id: int,
           item_ref: str, unit: str, owner: str, owner_name: str, department: str,
           due: datetime, provisional: bool) -> Alert:
    late = math.floor((now - due).total_seconds() / 60)
    return Alert(CLOCKS[clock].rule, clock, texts[clock], item_kind, item_id, item_ref, unit,
                 owner, owner_name, department, due, "overdue" if now > due else "due_soon",
                 late, provisional)


def _stored(now: datetime, texts: dict[str, str]) -> list[Alert]:
    query = (Deadline
             .select(Deadline.clock, Deadline.item_kind, Deadline.item_id, Deadline.item_ref,
                     Deadline.unit_code, Staff.login, Staff.name, Deadline.department,
                     Deadline.due_at, Deadline.provisional)
             .join(Staff, on=(Deadline.owner == Staff.id), join_type=JOIN.LEFT_OUTER)
             .where(Deadline.stopped_at.is_null() & Deadline.held_since.is_null()
                    & (Deadline.warn_at <= now))
             .tuples())
    return [_alert(now, clock, texts, kind, item_id, ref, unit, login or "", name or "", dept,
                   due, bool(prov))
            for clock, kind, item_id, ref, unit, login, name, dept, due, prov in query]


# --- periodic duties -------------------------------------------------------------------------


@dataclass
class _Period:
    clock: str
    kind: str
    item_id: int
    ref: str
    start: datetime
    due: datetime
    provisional: bool
    done: bool


def _month_start(ctx: RuleContext, year: int, month: int) -> datetime:
    return datetime.combine(date(year, month, 1), time(0), tzinfo=ctx.calendar.zone)


def _filed(duties: list[tuple[str, str]]) -> set[tuple[str, str]]:
    if not duties:
        return set()
    names = sorted({d for d, _ in duties})
    periods = sorted({p for _, p in duties})
    query = (ReportFiling.select(ReportFiling.duty, ReportFiling.period)
             .where(ReportFiling.duty.in_(names) & ReportFiling.period.in_(periods)).tuples())
    return set(query)


def _meter_readings_done(month: str) -> bool:
    units = Unit.select().count()
    read = MeterReading.select().where(MeterReading.month == month).count()
    return units > 0 and read >= 2 * units  # every unit's water and electricity meter


def _sampling(ctx: RuleContext, year: int, month: int) -> tuple[int, bool]:
    """KF-009 §3.1.2: ≥ 90 % of the month's ordinary in-home work orders called back,
    ≥ 25 % of those in person. Returns (work orders, quotas met)."""
    start = _month_start(ctx, year, month)
    end = start + relativedelta(months=1)
    orders = (WorkOrder.select(WorkOrder.id)
              .where(WorkOrder.in_home & ~WorkOrder.paid & (WorkOrder.returned_at >= start)
                     & (WorkOrder.returned_at < end)))
    total = orders.count()
    if total == 0:
        return 0, True
    done = Callback.select().where(Callback.work_order.in_(orders)
                                   & Callback.done_at.is_null(False))
    called = done.count()
    in_person = done.where(Callback.method == "in_person").count()
    targets = ctx.settings.data["targets"]
    ok = (called >= math.ceil(total * targets["callback_sample_share"])
          and in_person >= math.ceil(called * targets["callback_in_person_share"]))
    return total, ok


def _periods(now: datetime, ctx: RuleContext) -> list[_Period]:
    cal = ctx.calendar
    clocks = ctx.settings.clocks
    local = now.astimezone(cal.zone).date()
    this_month = date(local.year, local.month, 1)
    months = [this_month - relativedelta(months=1), this_month]
    out: list[_Period] = []
    for m in months:
        ref = f"{m.year:04d}-{m.month:02d}"
        start = _month_start(ctx, m.year, m.month)
        due_day = cal.day_of_month_deadline(m.year, m.month, clocks["meter_reading_day"])
        out.append(_Period("meter_readings", "month", m.year * 100 + m.month, ref, start,
                           due_day.at, due_day.provisional, _meter_readings_done(ref)))
        bulletin = cal.day_of_month_deadline(m.year, m.month, clocks["bulletin_day"])
        out.append(_Period("bulletin", "month", m.year * 100 + m.month, ref, start,
                           bulletin.at, bulletin.provisional, False))
        # KF-010 §4.6.1: last month's summary, due on the 2nd / 5th of this month.
        prev = m - relativedelta(months=1)
        prev_ref = f"{prev.year:04d}-{prev.month:02d}"
        for clock, key in (("complaint_summary_desk", "complaint_summary_desk_day"),
                           ("complaint_summary_supervisor", "complaint_summary_supervisor_day")):
            d = cal.day_of_month_deadline(m.year, m.month, clocks[key])
            out.append(_Period(clock, "month", prev.year * 100 + prev.month, prev_ref, start,
                               d.at, d.provisional, False))
        total, met = _sampling(ctx, m.year, m.month)
        if total:
            last = date(m.year, m.month, 1) + relativedelta(months=1, days=-1)
            while not cal.is_working_day(last):
                last -= timedelta(days=1)
            out.append(_Period("callback_sampling", "month", m.year * 100 + m.month, ref, start,
                               cal.at_close(last), cal.is_provisional(last), met))
    # KF-020 §4.2.1 annual plan by 15 Dec (for next year), adjustment by 15 Jun.
    for year in (local.year - 1, local.year):
        for clock, key, period in (("annual_plan", "annual_plan_due", str(year + 1)),
                                   ("annual_adjustment", "annual_adjustment_due", str(year))):
            month, day = (int(x) for x in clocks[key].split("-"))
            d = cal.day_of_month_deadline(year, month, day)
            start = _month_start(ctx, year, month) - relativedelta(months=1) + timedelta(
                days=day - 1)
            out.append(_Period(clock, "year", int(period), period, start, d.at, d.provisional,
                               False))
        # KF-019: activity-interest survey in June and December.
        for month in (6, 12):
            d = cal.day_of_month_deadline(year, month, 31)
            ref = f"{year:04d}-{month:02d}"
            out.append(_Period("interest_survey", "half_year", year * 100 + month, ref,
                               _month_start(ctx, year, month), d.at, d.provisional, False))
    out += _parking_periods(now, ctx)
    filed = _filed([(p.clock, p.ref) for p in out if p.clock not in
                    ("meter_readings", "callback_sampling", "parking_settlement")])
    for p in out:
        if (p.clock, p.ref) in filed:
            p.done = True
    return out


def _parking_periods(now: datetime, ctx: RuleContext) -> list[_Period]:
    """KF-015 §6.1.2: each attendant holding a book settles on the 1st and 16th."""
    cal = ctx.calendar
    days = sorted(ctx.settings.clocks["parking_settlement_days"])
    out = []
    holders = (InvoiceBook.select(InvoiceBook.attendant, InvoiceBook.issued_at, InvoiceBook.id)
               .where(InvoiceBook.returned_at.is_null()).order_by(InvoiceBook.id).tuples())
    first_book: dict[str, tuple[datetime, int]] = {}
    for name, issued, book_id in holders:
        first_book.setdefault(name, (issued, book_id))
    for name, (issued, book_id) in sorted(first_book.items()):
        last = (ParkingSettlement.select(ParkingSettlement.period_end)
                .where(ParkingSettlement.attendant == name)
                .order_by(ParkingSettlement.period_end.desc()).first())
        since = last.period_end if last else cal.local_date(issued)
        candidates = [date(since.year, since.month, d) for d in days] + [
            date(since.year, since.month, 1) + relativedelta(months=1)]
        nominal = min(c for c in candidates if c > since)
        d = cal.day_of_month_deadline(nominal.year, nominal.month, nominal.day)
        start = datetime.combine(since, time(0), tzinfo=cal.zone)
        out.append(_Period("parking_settlement", "attendant", book_id, name, start, d.at,
                           d.provisional, False))
    return out


def _computed(now: datetime, ctx: RuleContext, texts: dict[str, str]) -> list[Alert]:
    alerts = []
    for p in _periods(now, ctx):
        if p.done:
            continue
        start = p.start.astimezone(UTC)
        if now < start or now < ctx.warn_at(start, p.due):
            continue
        alerts.append(_alert(now, p.clock, texts, p.kind, p.item_id, p.ref, "", "", "", "desk",
                             p.due, p.provisional))
    return alerts


def _order(a: Alert) -> tuple:
    overdue = a.state == "overdue"
    return (0 if overdue else 1, a.due_at, a.rule, a.item_ref, a.item_kind, a.item_id)


def evaluate(
    now: datetime,
    ctx: RuleContext | None = None,
    *,
    rule: str | None = None,
    owner: str | None = None,
    lang: str | None = None,
) -> list[Alert]:
    """Every due-soon and overdue item at ``now``; reads, never writes.

    ``rule`` keeps alerts whose rule id starts with it ("KF-010" or "KF-010 §4.1.2");
    ``owner`` keeps those owned by that login.
    """
    ctx = ctx or RuleContext.from_store()
    now = now.astimezone(UTC)
    texts = _rule_texts(ctx, lang)
    alerts = _stored(now, texts) + _computed(now, ctx, texts)
    if rule:
        alerts = [a for a in alerts if a.rule.startswith(rule)]
    if owner:
        alerts = [a for a in alerts if a.owner == owner]
    alerts.sort(key=_order)
    return alerts


def counts(alerts: list[Alert]) -> dict[str, int]:
    return {state: sum(1 for a in alerts if a.state == state) for state in STATES}
