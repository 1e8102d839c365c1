"""Read view of the monthly charges (KF-015 §4.1–4.4): rates, meter readings, the bill run.

Reads only; the writes are ``kfdesk.desk.billing``. The bill a unit would get (``bill_plan``)
is computed here, once, and the bill run writes exactly that plan — so what the screen's
confirmation shows (units, total) is what the run then bills.

How a month's bill is made (the demo's ``build_meters_and_bills`` makes its bills the same
way, so demo bills and run bills agree):

- The reading of month M is the dial read by the 5th of M (KF-015 §4.2); the bill of month M
  charges the usage since the reading of M−1: ``usage = reading(M) − reading(M−1)``, or
  ``reading(M) − new_meter_start`` when the meter was replaced before the reading of M
  (**Reading:** a replacement's reading is taken on the new meter, which is why it may be below
  the old meter's last dial; the new meter's usage counts from its start reading).
- Property fee and maintenance fund are area × rate; water and electricity usage × rate; the
  rates are those in force on the 1st of the month; each amount ``money.rate_amount`` (half up
  at the fen); the bill's total is the sum of its lines.
- Vacant units are not billed. A unit without both readings of the month (or, without a
  replacement, last month's) is not billed yet and says why.
"""

from __future__ import annotations

from datetime import date, datetime
from fractions import Fraction
from statistics import median_low
from typing import NamedTuple

from dateutil.relativedelta import relativedelta

from ..config import Settings
from ..models import Bill, BillLine, Building, FeeRate, MeterReading, Unit
from ..models.cash import FEE_ITEMS
from ..money import rate_amount
from . import _owner_names

METERS = ("water", "electricity")
# The basis each approved rate is quoted in (物价局核定标准): yuan per m² of floor area, per m³
# of water, per kWh.
BASIS = {"property_fee": "m2", "maintenance_fund": "m2", "water": "m3", "electricity": "kwh"}


# --------------------------------------------------------------------------------------------
# months and rates


def parse_month(value: str | date) -> date:
    """``"2026-10"`` (or a date) → 1 October 2026; ValueError when it is not a month."""
    if isinstance(value, datetime):
        raise ValueError(f"not a month: {value!r}")
    if isinstance(value, date):
        return date(value.year, value.month, 1)
    text = str(value).strip()
    parts = text.split("-")
    if len(parts) != 2 or not all(p.isdigit() for p in parts) or len(parts[0]) != 4:
        raise ValueError(f"not a month: {value!r}")
    return date(int(parts[0]), int(parts[1]), 1)


def month_label(month: date) -> str:
    """1 October 2026 → ``"2026-10"``, as ``MeterReading.month`` and ``Bill.month`` store it."""
    return f"{month.year:04d}-{month.month:02d}"


def rate_text(rate_e4: int) -> str:
    """A rate in ten-thousandths of a yuan as the approved list writes it: ``1.80``, ``0.568``."""
    sign = "-" if rate_e4 < 0 else ""
    whole, frac = divmod(abs(rate_e4), 10_000)
    digits = f"{frac:04d}".rstrip("0").ljust(2, "0")
    return f"{sign}{whole}.{digits}"


def fee_rate_on(item: str, day: date) -> FeeRate | None:
    """The rate of ``item`` in force on ``day``: the latest effective on or before it."""
    return (FeeRate.select()
            .where((FeeRate.item == item) & (FeeRate.effective_from <= day))
            .order_by(FeeRate.effective_from.desc())
            .first())


class RateRow(NamedTuple):
    item: str
    rate_e4: int
    basis: str  # m2 | m3 | kwh
    effective_from: date
    in_force: bool  # the one in force on the day asked for
    used: bool  # some bill was made with it (KF-015 §4.3: it can no longer be replaced)


class RateBook(NamedTuple):
    day: date
    in_force: dict[str, RateRow]  # by item; an item without a rate yet is absent
    history: list[RateRow]  # every rate, by item (FEE_ITEMS order), newest first


def billed_months(item: str) -> list[date]:
    """The months some bill has a line of ``item`` for, oldest first."""
    rows = (Bill.select(Bill.month).join(BillLine)
            .where(BillLine.item == item).distinct().tuples())
    return sorted(parse_month(m) for (m,) in rows)


def rates(day: date) -> RateBook:
    """The approved rates in force on ``day`` and the whole history (KF-015 §4.1)."""
    order = {item: i for i, item in enumerate(FEE_ITEMS)}
    all_rates = sorted(FeeRate.select(),
                       key=lambda r: (order.get(r.item, 99), r.item, -r.effective_from.toordinal()))
    used: set[int] = set()
    for item in FEE_ITEMS:
        for month in billed_months(item):
            rate = fee_rate_on(item, month)
            if rate is not None:
                used.add(rate.id)
    in_force_ids = {r.id for r in (fee_rate_on(item, day) for item in FEE_ITEMS) if r}
    history = [RateRow(r.item, r.rate_e4, r.basis, r.effective_from, r.id in in_force_ids,
                       r.id in used) for r in all_rates]
    return RateBook(day, {r.item: r for r in history if r.in_force}, history)


# --------------------------------------------------------------------------------------------
# readings by unit


class MeterState(NamedTuple):
    """One meter of one unit in a month: what the usage counts from, and what was read."""

    last: int | None  # last month's reading, or the new meter's start after a replacement
    last_month: str | None  # the month ``last`` was read, None after a replacement
    this: int | None  # this month's reading; None: not read yet
    replaced: bool
    new_meter_start: int | None
    usage: int | None  # None while a reading it needs is missing


class UnitReadings(NamedTuple):
    code: str
    building: str
    status: str  # owner_occupied | rented | vacant
    owner: str
    area_centi_m2: int
    water: MeterState
    electricity: MeterState
    bill_total_fen: int | None  # None: not billed for the month
    # Why no bill can be made yet: "" (billable or billed), vacant, no_reading (this month's
    # reading missing), no_last (last month's missing, no replacement), negative (usage < 0).
    reason: str
    meters: tuple[str, ...]  # the meters the reason is about

    @property
    def read(self) -> bool:
        return self.water.this is not None and self.electricity.this is not None


class MonthReadings(NamedTuple):
    month: date
    rows: list[UnitReadings]  # by unit code
    units: int
    read: int  # units with both readings of the month (the KF-015 §4.2 clock counts these)
    billable: int  # units not vacant
    billed: int
    billed_fen: int


def _meter_state(this: MeterReading | None, last: MeterReading | None) -> MeterState:
    if this is not None and this.replaced:
        start = this.new_meter_start if this.new_meter_start is not None else 0
        return MeterState(start, None, this.reading, True, start, this.reading - start)
    base = last.reading if last is not None else None
    usage = this.reading - base if this is not None and base is not None else None
    return MeterState(base, last.month if last is not None else None,
                      this.reading if this is not None else None, False, None, usage)


def _why(status: str, water: MeterState, power: MeterState) -> tuple[str, tuple[str, ...]]:
    if status == "vacant":
        return "vacant", ()
    states = {"water": water, "electricity": power}
    missing = tuple(m for m in METERS if states[m].this is None)
    if missing:
        return "no_reading", missing
    no_last = tuple(m for m in METERS if states[m].last is None)
    if no_last:
        return "no_last", no_last
    negative = tuple(m for m in METERS if (states[m].usage or 0) < 0)
    if negative:
        return "negative", negative
    return "", ()


def month_readings(month: date, *, building: str | None = None) -> MonthReadings:
    """Every unit (or one building's) with its two meters for ``month`` and its bill state."""
    month = parse_month(month)
    ref, prev = month_label(month), month_label(month - relativedelta(months=1))
    query = Unit.select(Unit, Building).join(Building).order_by(Unit.code)
    if building is not None:
        query = query.where(Building.number == building)
    # The order engineering walks the buildings: 1-1-101 … 1-1-1002, not 1-1-1001 first.
    units = sorted(query, key=lambda u: (int(u.building.number) if u.building.number.isdigit()
                                         else 10**6, u.building.number, u.entrance, u.floor,
                                         u.room))
    readings: dict[tuple[int, str, str], MeterReading] = {}
    ids = [u.id for u in units]
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        for r in MeterReading.select().where(MeterReading.unit.in_(chunk)
                                             & MeterReading.month.in_([ref, prev])):
            readings[(r.unit_id, r.meter, r.month)] = r
    totals: dict[int, int] = {}
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        for b in Bill.select().where(Bill.unit.in_(chunk) & (Bill.month == ref)):
            totals[b.unit_id] = b.total_fen
    owners: dict[int, str] = {}
    for i in range(0, len(ids), 500):
        owners.update(_owner_names(ids[i:i + 500]))
    rows = []
    for u in units:
        water = _meter_state(readings.get((u.id, "water", ref)),
                             readings.get((u.id, "water", prev)))
        power = _meter_state(readings.get((u.id, "electricity", ref)),
                             readings.get((u.id, "electricity", prev)))
        reason, meters = _why(u.status, water, power)
        if u.id in totals and reason != "vacant":
            reason, meters = "", ()
        rows.append(UnitReadings(u.code, u.building.number, u.status, owners.get(u.id, ""),
                                 u.area_centi_m2, water, power, totals.get(u.id), reason, meters))
    return MonthReadings(
        month=month, rows=rows, units=len(rows), read=sum(r.read for r in rows),
        billable=sum(r.status != "vacant" for r in rows),
        billed=sum(r.bill_total_fen is not None for r in rows),
        billed_fen=sum(r.bill_total_fen or 0 for r in rows),
    )


# --------------------------------------------------------------------------------------------
# the bill run


class PlannedLine(NamedTuple):
    item: str
    quantity_centi: int  # area in 0.01 m², or usage × 100
    rate_e4: int
    amount_fen: int


class PlannedBill(NamedTuple):
    code: str
    lines: tuple[PlannedLine, ...]  # FEE_ITEMS order
    total_fen: int  # the sum of its lines


class NotBilled(NamedTuple):
    code: str
    reason: str  # no_reading | no_last | negative (see UnitReadings.reason)
    meters: tuple[str, ...]


class BillPlan(NamedTuple):
    """What a bill run of ``month`` would write now (KF-015 §4.3)."""

    month: date
    bills: list[PlannedBill]  # units to bill now
    already: list[str]  # units billed before: never billed twice
    waiting: list[NotBilled]  # units not billable yet, and why
    vacant: int  # vacant units: not billed
    rates: dict[str, int]  # item → rate_e4 in force on the 1st
    missing_rates: list[str]  # items without an approved rate: no run possible

    @property
    def total_fen(self) -> int:
        return sum(b.total_fen for b in self.bills)


def plan_lines(area_centi_m2: int, water_usage: int, power_usage: int,
               rates_e4: dict[str, int]) -> tuple[PlannedLine, ...]:
    """The four lines of a bill: area × rate, usage × rate, each rounded half up at the fen."""
    quantities = {
        "property_fee": area_centi_m2,
        "maintenance_fund": area_centi_m2,
        "water": water_usage * 100,
        "electricity": power_usage * 100,
    }
    return tuple(PlannedLine(item, quantities[item], rates_e4[item],
                             rate_amount(quantities[item], rates_e4[item]))
                 for item in FEE_ITEMS)


def bill_plan(month: date, *, include_billed: bool = False) -> BillPlan:
    """The bills a run of ``month`` would make; ``include_billed`` also plans the units billed
    already (to compare a stored bill with what the rules give)."""
    month = parse_month(month)
    found = {item: fee_rate_on(item, month) for item in FEE_ITEMS}
    rates_e4 = {item: r.rate_e4 for item, r in found.items() if r is not None}
    missing_rates = [item for item, r in found.items() if r is None]
    data = month_readings(month)
    bills, already, waiting, vacant = [], [], [], 0
    for row in data.rows:
        if row.status == "vacant":
            vacant += 1
            continue
        if row.bill_total_fen is not None:
            already.append(row.code)
            if not include_billed:
                continue
        reason, meters = _why(row.status, row.water, row.electricity)
        if reason:
            if row.bill_total_fen is None:
                waiting.append(NotBilled(row.code, reason, meters))
            continue
        if missing_rates:
            continue
        lines = plan_lines(row.area_centi_m2, row.water.usage or 0, row.electricity.usage or 0,
                           rates_e4)
        bills.append(PlannedBill(row.code, lines, sum(line.amount_fen for line in lines)))
    return BillPlan(month, bills, already, waiting, vacant, rates_e4, missing_rates)


# --------------------------------------------------------------------------------------------
# implausible usages (issue 17): a usage far above the unit's own recent months, or a first
# usage far above its building's, is confirmed with a reason before it is saved and listed in
# the bill run's preview.

HISTORY_MONTHS = 6  # "recent": the unit's usages of the six months before
MIN_MEDIAN_UNITS = 3  # a building median of fewer units says nothing


class Outlier(NamedTuple):
    code: str
    meter: str
    usage: int
    baseline: int  # the unit's recent average (half up) or the building's median usage
    basis: str  # average | median
    reason: str  # the confirmation's reason as saved; "" when none was recorded


def _usages(readings: list[MeterReading]) -> dict[str, int]:
    """Month → usage of one unit's meter, as the bill counts it (a replaced meter from its
    start reading, otherwise from the month before; no usage across a gap)."""
    by_month = {r.month: r for r in readings}
    out = {}
    for r in readings:
        if r.replaced:
            out[r.month] = r.reading - (r.new_meter_start or 0)
            continue
        prev = by_month.get(month_label(parse_month(r.month) - relativedelta(months=1)))
        if prev is not None:
            out[r.month] = r.reading - prev.reading
    return out


def judge_usage(usage: int, history: list[int], median: int | None, factor: float,
                floor: int) -> tuple[int, str] | None:
    """(baseline, basis) when ``usage`` is implausible: above ``floor`` and more than
    ``factor`` × the unit's recent average (``history``) — or, with no history (the first
    usage), more than ``factor`` × the building's median; None when it is plausible."""
    if usage <= floor:
        return None
    times = Fraction(str(factor))  # a ratio from the settings, compared exactly
    if history:
        average = Fraction(sum(history), len(history))
        if usage > times * average:
            return int(average + Fraction(1, 2)), "average"  # half up, for the message
        return None
    if median is not None and usage > times * median:
        return median, "median"
    return None


def _window(month: date) -> list[str]:
    return [month_label(month - relativedelta(months=k)) for k in range(HISTORY_MONTHS + 1, -1, -1)]


def _building_median(readings: dict[tuple[int, str], list[MeterReading]], unit_ids: list[int],
                     meter: str, month: date, exclude: int | None) -> int | None:
    """The median usage of a building's units (less ``exclude``) in ``month``, or the month
    before when too few are read yet."""
    for ref in (month, month - relativedelta(months=1)):
        label = month_label(ref)
        found = [u for uid in unit_ids if uid != exclude
                 for m, u in _usages(readings.get((uid, meter), [])).items()
                 if m == label and u >= 0]
        if len(found) >= MIN_MEDIAN_UNITS:
            return int(median_low(found))
    return None


def _load(unit_ids: list[int], months: list[str]) -> dict[tuple[int, str], list[MeterReading]]:
    out: dict[tuple[int, str], list[MeterReading]] = {}
    for i in range(0, len(unit_ids), 500):
        query = (MeterReading.select()
                 .where(MeterReading.unit.in_(unit_ids[i:i + 500])
                        & MeterReading.month.in_(months))
                 .order_by(MeterReading.month))
        for r in query:
            out.setdefault((r.unit_id, r.meter), []).append(r)
    return out


def usage_outlier(unit: Unit, meter: str, month: date, usage: int, factor: float,
                  floor: int) -> tuple[int, str] | None:
    """Whether one usage about to be saved for ``unit`` is implausible (``judge_usage``)."""
    month = parse_month(month)
    ref = month_label(month)
    peers = [u.id for u in Unit.select(Unit.id).where(Unit.building == unit.building_id)]
    readings = _load(peers, _window(month))
    history = [u for m, u in _usages([r for r in readings.get((unit.id, meter), [])
                                      if r.month < ref]).items() if u >= 0]
    median = (None if history else
              _building_median(readings, peers, meter, month, exclude=unit.id))
    return judge_usage(usage, history, median, factor, floor)


def reading_outliers(month: date, factor: float, floor: int) -> list[Outlier]:
    """Every implausible usage of ``month`` among the units read, with the reason confirmed
    when it was saved (the bill run's preview lists them)."""
    month = parse_month(month)
    ref = month_label(month)
    units = list(Unit.select(Unit.id, Unit.code, Unit.building).order_by(Unit.code))
    readings = _load([u.id for u in units], _window(month))
    peers: dict[int, list[int]] = {}
    for u in units:
        peers.setdefault(u.building_id, []).append(u.id)
    out = []
    for u in units:
        for meter in METERS:
            rows = readings.get((u.id, meter), [])
            usages = _usages(rows)
            if ref not in usages:
                continue
            history = [x for m, x in usages.items() if m < ref and x >= 0]
            median = (None if history else _building_median(readings, peers[u.building_id],
                                                            meter, month, exclude=u.id))
            judged = judge_usage(usages[ref], history[-HISTORY_MONTHS:], median, factor, floor)
            if judged is not None:
                this = next(r for r in rows if r.month == ref)
                out.append(Outlier(u.code, meter, usages[ref], judged[0], judged[1],
                                   this.outlier_reason))
    return out


def buildings() -> list[str]:
    """Building numbers in the community, in number order (3 before 12)."""
    numbers = [b.number for b in Building.select(Building.number)]
    return sorted(numbers, key=lambda n: (len(n), n))


def pay_by(month: date, settings: Settings) -> date:
    """The pay-by date on the month's payment notice: ``clocks.bill_pay_by_day`` (the 25th),
    moved to a working day."""
    from ..rules.context import RuleContext

    month = parse_month(month)
    calendar = RuleContext.from_store(settings).calendar
    day = int(settings.clocks["bill_pay_by_day"])
    return calendar.roll_forward(date(month.year, month.month, day))


def readings_due(month: date, settings: Settings) -> tuple[datetime, bool]:
    """KF-015 §4.2: readings due by the 5th (``clocks.meter_reading_day``), moved to a working
    day, at business close, in the office zone; and whether that is provisional."""
    from ..rules.context import RuleContext

    month = parse_month(month)
    calendar = RuleContext.from_store(settings).calendar
    due = calendar.day_of_month_deadline(month.year, month.month,
                                         int(settings.clocks["meter_reading_day"]))
    return due.at.astimezone(settings.zone), due.provisional


class BillLineView(NamedTuple):
    item: str
    quantity_centi: int
    rate_e4: int
    amount_fen: int
    paid_fen: int


def unit_bill(unit_code: str, month: date) -> tuple[BillLineView, ...] | None:
    """The lines of a unit's bill for ``month`` (FEE_ITEMS order); None when not billed."""
    month = parse_month(month)
    bill = (Bill.select().join(Unit)
            .where((Unit.code == unit_code.strip()) & (Bill.month == month_label(month)))
            .first())
    if bill is None:
        return None
    order = {item: i for i, item in enumerate(FEE_ITEMS)}
    lines = sorted(BillLine.select().where(BillLine.bill == bill),
                   key=lambda line: (order.get(line.item, 99), line.item))
    return tuple(BillLineView(line.item, line.quantity_centi, line.rate_e4, line.amount_fen,
                              line.paid_fen) for line in lines)
