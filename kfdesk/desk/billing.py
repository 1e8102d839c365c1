"""Monthly charges: approved rates, meter readings, the bill run and payment notices (KF-015 §4).

- ``set_rate`` / ``rate_for`` — KF-015 §4.1: the approved rates (物价局核定标准) with their
  effective dates, kept exactly in ten-thousandths of a yuan. A rate some bill was made with is
  never changed under that bill (a later rate takes over from its own date).
- ``enter_reading`` / ``enter_unit_readings`` / ``import_readings`` — KF-015 §4.2: engineering's
  water and electricity readings, due by the 5th, typed at the counter or read from a CSV/XLSX
  file (all rows or none). A reading below the meter's last is refused unless the meter was
  replaced; a reading a bill has used is never changed (a correction after billing is a charge
  or refund at the cashier).
- ``run_bills`` — KF-015 §4.3: one bill per unit per month, the plan of
  ``views.billing.bill_plan`` (property fee and fund by area, water and power by usage).
  Running a month again bills only the units still unbilled.
- ``payment_notice`` / ``print_payment_notices`` — KF-015 §4.4: the 缴费通知单 for mailboxes.

**Reading (meter replacement):** the month's reading of a replaced meter is taken on the new
meter, with the new meter's start reading; the month's usage is counted from that start, and
the next month's from this reading as usual. Usage on the old meter after its last reading is
not known here; engineering reports it and the cashier charges it separately.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, NamedTuple

import peewee as pw
from dateutil.relativedelta import relativedelta

from ..clock import Clock
from ..config import Settings
from ..i18n import t
from ..models import (
    Bill,
    BillLine,
    Building,
    Charge,
    DunningStep,
    FeeRate,
    MeterReading,
    Staff,
    Unit,
)
from ..models.cash import FEE_ITEMS
from ..money import amount_in_words, fmt
from ..printing import cells as _cells
from ..printing import centre, deliver, document_language, office_header, safe_name, spread
from ..rules.context import RuleContext
from ..rules.periods import sync_periods
from ..rules.sync import sync_unit_arrears
from ..views import _owner_names
from ..views import billing as bviews
from ..views.billing import BASIS, METERS, month_label, parse_month, rate_text
from ..views.cashier import unit_credit
from .base import DeskError, Tr, audit, require_role, transaction
from .inputs import text_in
from .leases import raise_rent_due

# KF-015 §4.1, §4.3: the cashier sets rates and runs the bills; supervisor and manager cover.
BILL_ROLES = ("cashier", "supervisor", "manager")
# WI-KF-004 §6–7: the counter clerk (主办) also enters engineering's readings and sends the
# payment notices; so does the cashier (KF-015 §4.3–4.4).
READING_ROLES = ("clerk", "cashier", "supervisor", "manager")
# Sanity ceilings, not rules: a dial has at most 9 digits; no approved rate is ¥10,000 a unit.
MAX_DIAL = 999_999_999
# Digits 0-9 with an optional decimal part: what Decimal() takes beyond it (1e4, NaN, ١٢) is
# not a dial or a rate anyone writes down.
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")  # the sign: its own refusal later
MAX_RATE_E4 = 10_000 * 10_000
# How many bad rows an import refusal lists before "and n more".
LIST_BAD_ROWS = 20
NOTICE_WIDTH = 64


# --------------------------------------------------------------------------------------------
# small parsers


def _norm(value: object) -> str:
    """Text as typed or read from a sheet: full-width digits and signs made plain, trimmed."""
    return unicodedata.normalize("NFKC", str(value)).strip()


def _month(value: str | date, clock: Clock, settings: Settings, field: str = "month") -> date:
    """A month that has begun in the office zone; refusals name ``field``."""
    try:
        month = parse_month(value)
    except (ValueError, TypeError):
        raise DeskError("billing.bad_month", field=field, text=str(value)) from None
    today = clock.now().astimezone(settings.zone).date()
    if month > date(today.year, today.month, 1):
        raise DeskError("billing.future_month", field=field, month=month_label(month))
    return month


def _day(value: str | date, field: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _norm(value).replace("/", "-").replace(".", "-")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise DeskError("billing.bad_date", field=field, text=str(value)) from None


def _dial(value: object, field: str) -> int:
    """A meter reading: a whole number of m³ / kWh on the dial, 0 or more."""
    if isinstance(value, bool):
        raise DeskError("billing.not_whole", field=field, text=str(value))
    if isinstance(value, int):
        number = value
    else:
        text = _norm(value).replace(",", "")
        if not _PLAIN_NUMBER.fullmatch(text):  # no 1e4, no ١٢ (Decimal would take both)
            raise DeskError("billing.not_whole", field=field, text=str(value)[:24])
        try:
            exact = Decimal(text)
        except InvalidOperation:
            raise DeskError("billing.not_whole", field=field, text=str(value)) from None
        if not exact.is_finite() or exact != exact.to_integral_value():
            raise DeskError("billing.not_whole", field=field, text=str(value))
        number = int(exact)
    if number < 0:
        raise DeskError("billing.negative_reading", field=field, text=str(value))
    if number > MAX_DIAL:
        raise DeskError("billing.reading_too_large", field=field, text=str(value))
    return number


def parse_rate(rate: str | Decimal | int) -> int:
    """A rate in yuan (``"1.80"``, ``"0.568"``) → ten-thousandths of a yuan, exactly.

    KF-015 §4.1: the approved rate is kept as approved, so a rate finer than 1/10000 yuan,
    zero, negative or not a number is refused rather than rounded.
    """
    if isinstance(rate, float):  # never rounded from binary: the approved figure is refused
        raise DeskError("billing.rate_not_number", field="rate", text=str(rate))
    text = _norm(rate).replace("¥", "").replace("￥", "").replace("元", "").strip()
    if text and not _PLAIN_NUMBER.fullmatch(text):
        raise DeskError("billing.rate_not_number", field="rate", text=str(rate)[:24])
    try:
        exact = Decimal(text)
    except InvalidOperation:
        raise DeskError("billing.rate_not_number", field="rate", text=str(rate)) from None
    if not exact.is_finite():
        raise DeskError("billing.rate_not_number", field="rate", text=str(rate))
    if exact <= 0:
        raise DeskError("billing.rate_positive", field="rate", text=str(rate))
    # Size first: scaling 1E+999999 overflows Decimal's exponent rather than answering.
    if exact.adjusted() > 8 or exact * 10_000 > MAX_RATE_E4:
        raise DeskError("billing.rate_too_large", field="rate", text=str(rate))
    e4 = exact * 10_000
    if e4 != e4.to_integral_value():
        raise DeskError("billing.rate_too_fine", field="rate", text=str(rate))
    return int(e4)


def _unit(code: object, field: str = "unit") -> Unit:
    text = text_in(_norm(code), field)  # a sheet's number is fine; a control character is not
    if not text:
        raise DeskError("billing.unit_needed", field=field)
    unit = Unit.get_or_none(Unit.code == text)
    if unit is None:
        raise DeskError("billing.unknown_unit", field=field, unit=text)
    return unit


def _meter_name(meter: str) -> Tr:
    return Tr(f"billing.meter.{meter}")


# --------------------------------------------------------------------------------------------
# rates (KF-015 §4.1)


class RateSet(NamedTuple):
    item: str
    rate_e4: int
    effective_from: date
    replaced_e4: int | None  # the rate of the same date it replaced, if any


def rate_for(item: str, month: str | date) -> FeeRate:
    """The approved rate of ``item`` in force on the first day of ``month`` (KF-015 §4.1)."""
    if item not in FEE_ITEMS:
        raise DeskError("billing.bad_item", field="item", item=item)
    try:
        first = parse_month(month)
    except (ValueError, TypeError):
        raise DeskError("billing.bad_month", field="month", text=str(month)) from None
    rate = bviews.fee_rate_on(item, first)
    if rate is None:
        raise DeskError("billing.no_rate", item=Tr(f"fee_item.{item}"), month=month_label(first))
    return rate


def set_rate(
    item: str,
    rate: str | Decimal | int,
    effective_from: str | date,
    actor: Staff,
    clock: Clock,
    settings: Settings,
) -> RateSet:
    """Record an approved rate for one fee item from ``effective_from`` (KF-015 §4.1).

    One rate per item and date: a second one for the same date replaces the first only while
    no bill has used it. A new date that would change the rate of a month already billed is
    refused too — the bills keep the rate they were made with, and so must the rate history.
    """
    require_role(actor, BILL_ROLES, "billing.rate")
    if item not in FEE_ITEMS:
        raise DeskError("billing.bad_item", field="item", item=item)
    rate_e4 = parse_rate(rate)
    day = _day(effective_from, "effective_from")
    with transaction():
        same_day = FeeRate.get_or_none((FeeRate.item == item) & (FeeRate.effective_from == day))
        if same_day is not None and same_day.rate_e4 == rate_e4:
            raise DeskError("billing.rate_unchanged", field="rate", item=Tr(f"fee_item.{item}"),
                            rate=rate_text(rate_e4), day=day.isoformat())
        later = sorted(r.effective_from for r in FeeRate.select(FeeRate.effective_from)
                       .where((FeeRate.item == item) & (FeeRate.effective_from > day)))
        for month in bviews.billed_months(item):
            if month < day or (later and later[0] <= month):
                continue  # the new rate is not the one in force on this month's 1st
            before = bviews.fee_rate_on(item, month)
            if before is None or before.rate_e4 != rate_e4:
                raise DeskError("billing.rate_billed", field="effective_from",
                                item=Tr(f"fee_item.{item}"), month=month_label(month))
        if same_day is None:
            row = FeeRate.create(item=item, rate_e4=rate_e4, basis=BASIS[item],
                                 effective_from=day)
            old = None
        else:
            old = same_day.rate_e4
            FeeRate.update(rate_e4=rate_e4).where(FeeRate.id == same_day.id).execute()
            row = same_day
        audit(actor, clock, "billing.rate", row, item=item, rate_e4=rate_e4,
              rate=rate_text(rate_e4), effective_from=day.isoformat(), replaced_e4=old)
    return RateSet(item, rate_e4, day, old)


# --------------------------------------------------------------------------------------------
# meter readings (KF-015 §4.2)


class ReadingSaved(NamedTuple):
    unit: str
    meter: str
    month: str
    status: str  # entered | corrected | unchanged
    old_reading: int | None  # what a correction replaced


@dataclass(frozen=True)
class _Entry:
    unit: Unit
    meter: str
    reading: int
    replaced: bool
    start: int | None
    field: str  # the form or sheet field a refusal points at
    reason: str = ""  # why an implausible usage is right (issue 17)


def _check(entry: _Entry, month: date) -> tuple[MeterReading | None, bool]:
    """Refuse a reading that breaks KF-015 §4.2; returns (the month's reading so far, changed)."""
    unit, meter, reading = entry.unit, entry.meter, entry.reading
    ref = month_label(month)
    if entry.replaced:
        if entry.start is None:
            raise DeskError("billing.start_needed", field="new_meter_start",
                            meter=_meter_name(meter))
        if entry.start > reading:
            raise DeskError("billing.start_above_reading", field="new_meter_start",
                            meter=_meter_name(meter), start=entry.start, reading=reading)
    elif entry.start is not None:
        raise DeskError("billing.start_without_replacement", field="new_meter_start",
                        meter=_meter_name(meter))
    same = (MeterReading.unit == unit) & (MeterReading.meter == meter)
    last = (MeterReading.select().where(same & (MeterReading.month < ref))
            .order_by(MeterReading.month.desc()).first())
    if not entry.replaced and last is not None and reading < last.reading:
        raise DeskError("billing.below_last", field=entry.field, meter=_meter_name(meter),
                        unit=unit.code, reading=reading, last=last.reading, month=last.month)
    following = (MeterReading.select().where(same & (MeterReading.month > ref))
                 .order_by(MeterReading.month).first())
    if following is not None and not following.replaced and following.reading < reading:
        raise DeskError("billing.above_next", field=entry.field, meter=_meter_name(meter),
                        unit=unit.code, reading=reading, next=following.reading,
                        month=following.month)
    existing = MeterReading.get_or_none(same & (MeterReading.month == ref))
    if existing is not None and (existing.reading, existing.replaced,
                                 existing.new_meter_start) == (reading, entry.replaced,
                                                               entry.start):
        return existing, False
    # The bills that use this reading: this month's, and next month's when its usage counts
    # from it. Once billed it stays as billed (corrections are charges/refunds at the cashier).
    next_ref = month_label(month + relativedelta(months=1))
    uses = [ref]
    if following is not None and following.month == next_ref and not following.replaced:
        uses.append(next_ref)
    for used_by in uses:
        if Bill.select().where((Bill.unit == unit) & (Bill.month == used_by)).exists():
            raise DeskError("billing.reading_billed", field=entry.field, unit=unit.code,
                            meter=_meter_name(meter), month=used_by)
    return existing, True


REASON_MAX = 128  # MeterReading.outlier_reason


def _outlier(entry: _Entry, month: date, settings: Settings) -> str:
    """Issue 17: a usage more than ``readings.outlier_factor`` × the unit's recent average (or
    a first usage that many times the building's median) is refused unless ``entry.reason``
    says why it is right; returns the reason to keep ("" for a plausible usage)."""
    ref = month_label(month)
    if entry.replaced:
        usage = entry.reading - (entry.start or 0)
    else:
        prev = MeterReading.get_or_none(
            (MeterReading.unit == entry.unit) & (MeterReading.meter == entry.meter)
            & (MeterReading.month == month_label(month - relativedelta(months=1))))
        if prev is None:
            return ""  # no usage to judge: the unit waits for last month's reading
        usage = entry.reading - prev.reading
    judged = bviews.usage_outlier(entry.unit, entry.meter, month, usage,
                                  settings.get("readings.outlier_factor"),
                                  settings.get("readings.outlier_floor"))
    if judged is None:
        return ""
    baseline, basis = judged
    reason = " ".join(text_in(entry.reason, "outlier_reason").split())
    if not reason:
        raise DeskError(f"billing.outlier_{basis}", field="outlier_reason",
                        meter=_meter_name(entry.meter), unit=entry.unit.code, month=ref,
                        usage=usage, baseline=baseline, reading=entry.reading,
                        factor=f"{settings.get('readings.outlier_factor'):g}")
    if len(reason) > REASON_MAX:
        raise DeskError("billing.reason_too_long", field="outlier_reason", max=REASON_MAX)
    return reason


def _unusual(entries: Sequence[_Entry], month: date, settings: Settings) -> list[DeskError]:
    """The refusals ``_outlier`` would give for ``entries`` (changed or not)."""
    found = []
    for entry in entries:
        try:
            _outlier(entry, month, settings)
        except DeskError as exc:
            if exc.key.startswith("billing.outlier_"):
                found.append(exc)
    return found


class Refusals(DeskError):
    """Several refusals of one form, each its own line; the first one's field is focused."""

    def __init__(self, errors: Sequence[DeskError]) -> None:
        super().__init__(errors[0].key, field=errors[0].field, **errors[0].params)
        self.errors = list(errors)

    def message(self, lang: str | None = None) -> str:
        return "\n".join(e.message(lang) for e in self.errors)


def _write(entry: _Entry, month: date, existing: MeterReading | None, actor: Staff,
           clock: Clock, reason: str = "") -> dict[str, Any]:
    """Write one checked reading; returns what changed, for the audit event."""
    ref = month_label(month)
    change: dict[str, Any] = {"unit": entry.unit.code, "meter": entry.meter, "month": ref,
                              "reading": entry.reading}
    if entry.replaced:
        change["new_meter_start"] = entry.start
    if reason:
        change["outlier_reason"] = reason
    if existing is None:
        MeterReading.create(unit=entry.unit, meter=entry.meter, month=ref,
                            reading=entry.reading, replaced=entry.replaced,
                            new_meter_start=entry.start, read_at=clock.now(), entered_by=actor,
                            outlier_reason=reason)
        return change
    # ``read_at`` stays when the reading came in: the KF-015 §4.2 clock stopped then, and a
    # later correction of a typing slip does not make the month's readings late.
    MeterReading.update(reading=entry.reading, replaced=entry.replaced,
                        new_meter_start=entry.start, entered_by=actor, outlier_reason=reason
                        ).where(MeterReading.id == existing.id).execute()
    change["old_reading"] = existing.reading
    if existing.replaced:
        change["old_new_meter_start"] = existing.new_meter_start
    return change


def _blank(value: object) -> bool:
    return value is None or _norm(value) == ""


def _save(entries: Sequence[_Entry], month: date, actor: Staff, clock: Clock,
          settings: Settings) -> list[ReadingSaved]:
    """Check and write ``entries`` in one transaction, each audited: all or none."""
    ref = month_label(month)
    saved = []
    with transaction():
        for entry in entries:
            existing, changed = _check(entry, month)
            if not changed:
                saved.append(ReadingSaved(entry.unit.code, entry.meter, ref, "unchanged", None))
                continue
            try:
                reason = _outlier(entry, month, settings)
            except DeskError as exc:
                # Both meters of the form are judged before refusing: one reason then
                # confirms what the clerk was told, never a usage not named.
                if not exc.key.startswith("billing.outlier_"):
                    raise
                others = [e for e in _unusual(entries[len(saved) + 1:], month, settings)]
                raise exc if not others else Refusals([exc, *others]) from None
            change = _write(entry, month, existing, actor, clock, reason)
            record = MeterReading.get((MeterReading.unit == entry.unit)
                                      & (MeterReading.meter == entry.meter)
                                      & (MeterReading.month == ref))
            audit(actor, clock, "billing.reading" if existing is None
                  else "billing.reading_correct", record, **change)
            saved.append(ReadingSaved(entry.unit.code, entry.meter, ref,
                                      "entered" if existing is None else "corrected",
                                      None if existing is None else existing.reading))
        if any(s.status != "unchanged" for s in saved):
            _after_readings(clock, settings)
    return saved


def _after_readings(clock: Clock, settings: Settings) -> None:
    # The KF-015 §4.2 clock stops once every unit's meters are in: bring it up to date now
    # rather than at the next refresh.
    sync_periods(clock.now(), RuleContext.from_store(settings))


def enter_reading(
    unit_code: str,
    meter: str,
    month: str | date,
    reading: int | str,
    actor: Staff,
    clock: Clock,
    settings: Settings,
    *,
    replaced: bool = False,
    new_meter_start: int | str | None = None,
    outlier_reason: str = "",
) -> ReadingSaved:
    """Enter (or correct) one unit's water or electricity reading for ``month`` (KF-015 §4.2).

    A reading below the meter's last is refused unless ``replaced`` with the new meter's
    ``new_meter_start`` (this month's usage then counts from it). Typing the month's reading
    again corrects it — audited with the old value — unless a bill has used it.
    """
    require_role(actor, READING_ROLES, "billing.reading")
    if meter not in METERS:
        raise DeskError("billing.bad_meter", field="meter", meter=meter)
    unit = _unit(unit_code)
    ref_month = _month(month, clock, settings)
    value = _dial(reading, meter)
    start = None if _blank(new_meter_start) else _dial(new_meter_start, "new_meter_start")
    entry = _Entry(unit, meter, value, bool(replaced), start, meter, outlier_reason)
    return _save([entry], ref_month, actor, clock, settings)[0]


def enter_unit_readings(
    unit_code: str,
    month: str | date,
    water: int | str | None,
    electricity: int | str | None,
    actor: Staff,
    clock: Clock,
    settings: Settings,
    *,
    replaced_meter: str = "",
    new_meter_start: int | str | None = None,
    outlier_reason: str = "",
) -> list[ReadingSaved]:
    """Both meters of one unit as the counter form has them, in one transaction: a refusal of
    either saves neither. A blank reading is left as it is; ``replaced_meter`` names the meter
    replaced (``water`` / ``electricity``), with its ``new_meter_start``; ``outlier_reason``
    confirms an implausible usage (issue 17)."""
    require_role(actor, READING_ROLES, "billing.reading")
    unit = _unit(unit_code)
    ref_month = _month(month, clock, settings)
    if replaced_meter and replaced_meter not in METERS:
        raise DeskError("billing.bad_meter", field="replaced", meter=replaced_meter)
    if not replaced_meter and not _blank(new_meter_start):
        raise DeskError("billing.start_no_meter", field="replaced")
    given = {"water": water, "electricity": electricity}
    entries = []
    for meter in METERS:
        raw = given[meter]
        if _blank(raw):
            if meter == replaced_meter:
                raise DeskError("billing.start_without_reading", field=meter,
                                meter=_meter_name(meter))
            continue
        is_replaced = meter == replaced_meter
        start = None
        if is_replaced and not _blank(new_meter_start):
            start = _dial(new_meter_start, "new_meter_start")
        entries.append(_Entry(unit, meter, _dial(raw, meter), is_replaced, start, meter,
                              outlier_reason))
    if not entries:
        raise DeskError("billing.no_readings", field="water")
    return _save(entries, ref_month, actor, clock, settings)


# ---- the readings file -----------------------------------------------------------------------

# Column headings accepted (compared without spaces, case-insensitively): English or the
# Chinese engineering uses. A value in a "new meter start" column marks that meter replaced.
HEADINGS = {
    "unit": ("unit", "房号", "房间号", "户号"),
    "water": ("water", "水", "水表", "水表读数", "水表本期读数"),
    "electricity": ("electricity", "电", "电表", "电表读数", "电表本期读数"),
    "new_water_start": ("new_water_start", "新水表起码", "水表起码", "换水表起码"),
    "new_electricity_start": ("new_electricity_start", "新电表起码", "电表起码", "换电表起码"),
    # Why an implausible usage is right (issue 17): without it such a row is refused.
    "reason": ("reason", "原因", "说明", "备注"),
}
REQUIRED_COLUMNS = ("unit", "water", "electricity")


class BadRows(DeskError):
    """An import refused: the rows that are wrong, each with its reason, nothing written."""

    def __init__(self, rows: Sequence[tuple[int, DeskError]]) -> None:
        super().__init__("billing.import_bad_rows", field="path", n=len(rows))
        self.rows = list(rows)

    def message(self, lang: str | None = None) -> str:
        lines = [t("billing.import_row", lang=lang, row=row, reason=err.message(lang))
                 for row, err in self.rows[:LIST_BAD_ROWS]]
        if len(self.rows) > LIST_BAD_ROWS:
            lines.append(t("billing.import_more", lang=lang, n=len(self.rows) - LIST_BAD_ROWS))
        return t(self.key, lang=lang, n=len(self.rows), rows="\n".join(lines))


class ImportResult(NamedTuple):
    path: str
    month: str
    rows: int  # data rows read
    entered: int  # readings new this month
    corrected: int
    unchanged: int


def _heading(text: object) -> str:
    return "".join(_norm(text).split()).casefold()


def _sheet_rows(path: Path) -> list[tuple[int, list[Any]]]:
    """The file's rows as (row number as the spreadsheet shows it, cells)."""
    if not path.is_file():
        raise DeskError("billing.import_missing", field="path", path=str(path))
    suffix = path.suffix.lower()
    if suffix == ".csv":
        try:
            # utf-8-sig: Excel's "CSV UTF-8" starts with a BOM; a file without one reads the same.
            with path.open(encoding="utf-8-sig", newline="") as handle:
                return [(i, row) for i, row in enumerate(csv.reader(handle), start=1)]
        except UnicodeDecodeError:
            raise DeskError("billing.import_encoding", field="path", path=str(path)) from None
        except (OSError, csv.Error) as exc:
            raise DeskError("billing.import_unreadable", field="path", path=str(path),
                            reason=str(exc)) from exc
    if suffix == ".xlsx":
        import zipfile

        from openpyxl import load_workbook  # heavy: loaded only for an import
        from openpyxl.utils.exceptions import InvalidFileException

        try:
            book = load_workbook(path, read_only=True, data_only=True)
        except (OSError, zipfile.BadZipFile, InvalidFileException, KeyError, ValueError) as exc:
            raise DeskError("billing.import_unreadable", field="path", path=str(path),
                            reason=str(exc) or type(exc).__name__) from exc
        try:
            sheet = book.worksheets[0]
            return [(i, list(row)) for i, row in
                    enumerate(sheet.iter_rows(values_only=True), start=1)]
        finally:
            book.close()
    raise DeskError("billing.import_kind", field="path", path=str(path))


def _cell_number(value: object, field: str) -> int:
    if isinstance(value, float):
        # A spreadsheet number arrives as float; a dial is whole, so only 1234.0 is accepted.
        if not value.is_integer():
            raise DeskError("billing.not_whole", field=field, text=repr(value))
        value = int(value)
    return _dial(value, field)


def import_readings(
    path: str | Path,
    month: str | date,
    actor: Staff,
    clock: Clock,
    settings: Settings,
) -> ImportResult:
    """Read a month's readings from a CSV (UTF-8, with or without BOM) or XLSX file.

    Columns ``unit``, ``water``, ``electricity`` (or 房号, 水, 电); optional
    ``new_water_start`` / ``new_electricity_start`` (新水表起码, 新电表起码) mark a replaced
    meter. A blank reading leaves that meter as it is. The rules of ``enter_reading`` apply
    to every row; if any row is wrong nothing is written and the refusal lists the rows by
    their number in the sheet (KF-015 §4.2).
    """
    require_role(actor, READING_ROLES, "billing.reading")
    ref_month = _month(month, clock, settings)
    file = Path(path).expanduser()
    rows = _sheet_rows(file)
    rows = [(n, cells) for n, cells in rows if not all(_blank(c) for c in cells)]
    if not rows:
        raise DeskError("billing.import_empty", field="path", path=str(file))
    header_no, header = rows[0]
    wanted = {_heading(h): key for key, names in HEADINGS.items() for h in names}
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        key = wanted.get(_heading(cell)) if cell is not None else None
        if key is not None and key not in columns:
            columns[key] = index
    missing = [key for key in REQUIRED_COLUMNS if key not in columns]
    if missing:
        raise DeskError("billing.import_columns", field="path", row=header_no,
                        columns="、".join(HEADINGS[k][0] + "/" + HEADINGS[k][1] for k in missing))

    def cell(cells: list[Any], key: str) -> Any:
        index = columns.get(key)
        return cells[index] if index is not None and index < len(cells) else None

    bad: list[tuple[int, DeskError]] = []
    seen: dict[int, int] = {}  # unit id → first row
    planned: list[tuple[int, _Entry]] = []
    for number, cells in rows[1:]:
        try:
            raw_unit = cell(cells, "unit")
            if isinstance(raw_unit, datetime | date):
                # Excel turns 3-1-502 into a date unless the column is text.
                raise DeskError("billing.unit_is_date", field="unit", text=str(raw_unit))
            unit = _unit("" if raw_unit is None else raw_unit)
            if unit.id in seen:
                raise DeskError("billing.unit_twice", field="unit", unit=unit.code,
                                row=seen[unit.id])
            seen[unit.id] = number
            entries = []
            for meter in METERS:
                raw, raw_start = cell(cells, meter), cell(cells, f"new_{meter}_start")
                if _blank(raw):
                    if not _blank(raw_start):
                        raise DeskError("billing.start_without_reading", field=meter,
                                        meter=_meter_name(meter))
                    continue
                start = None if _blank(raw_start) else _cell_number(raw_start, "new_meter_start")
                note = cell(cells, "reason")
                entries.append(_Entry(unit, meter, _cell_number(raw, meter), start is not None,
                                      start, meter, "" if _blank(note) else _norm(note)))
            if not entries:
                raise DeskError("billing.no_readings", field="water")
            planned.extend((number, e) for e in entries)
        except DeskError as exc:
            bad.append((number, exc))
    counts = {"entered": 0, "corrected": 0, "unchanged": 0}
    with transaction():
        checked = []
        failed_rows = {n for n, _ in bad}
        for number, entry in planned:
            if number in failed_rows:
                continue
            try:
                existing, changed = _check(entry, ref_month)
                reason = _outlier(entry, ref_month, settings) if changed else ""
            except DeskError as exc:
                bad.append((number, exc))
                failed_rows.add(number)
                continue
            checked.append((number, entry, existing, changed, reason))
        if bad:
            raise BadRows(sorted(bad, key=lambda b: b[0]))
        changes = []
        for _number, entry, existing, changed, reason in checked:
            if not changed:
                counts["unchanged"] += 1
                continue
            changes.append(_write(entry, ref_month, existing, actor, clock, reason))
            counts["entered" if existing is None else "corrected"] += 1
        audit(actor, clock, "billing.import", None, path=str(file), month=month_label(ref_month),
              rows=len(rows) - 1, **counts,
              corrections=[c for c in changes if "old_reading" in c],
              units=sorted({c["unit"] for c in changes}))
        if changes:
            _after_readings(clock, settings)
    return ImportResult(str(file), month_label(ref_month), len(rows) - 1, counts["entered"],
                        counts["corrected"], counts["unchanged"])


# --------------------------------------------------------------------------------------------
# the bill run (KF-015 §4.3)


class BillRun(NamedTuple):
    """What a run did: the units billed now, those billed before, those still waiting."""

    month: str
    billed: tuple[str, ...]
    total_fen: int  # of the bills made now
    already: tuple[str, ...]  # billed by an earlier run: skipped, never billed twice
    waiting: tuple[bviews.NotBilled, ...]  # readings missing: run again once they are in
    vacant: int
    rent_fen: int = 0  # parking-space rent periods falling due this month (KF-001 §9)
    rent_charges: int = 0


def run_bills(month: str | date, actor: Staff, clock: Clock, settings: Settings) -> BillRun:
    """Bill every unit of ``month`` that can be billed and is not yet (KF-015 §4.3).

    One ``Bill`` per unit and month with four ``BillLine``s — property fee and maintenance
    fund by area, water and electricity by usage — at the rates in force on the 1st; the total
    is the sum of the lines. Vacant units are not billed; a unit whose readings are missing is
    listed in ``waiting``, billed by a later run. Nothing is written when there is nothing to
    bill; a month with an item without an approved rate is refused whole.
    """
    require_role(actor, BILL_ROLES, "billing.run")
    first = _month(month, clock, settings)
    ref = month_label(first)
    with transaction(immediate=True):
        # Planned under the write lock: a second counter running the same month waits, then
        # finds these units billed.
        plan = bviews.bill_plan(first)
        if plan.missing_rates:
            raise DeskError("billing.no_rate", item=Tr(f"fee_item.{plan.missing_rates[0]}"),
                            month=ref)
        codes = [b.code for b in plan.bills]
        units: dict[str, Unit] = {}
        for i in range(0, len(codes), 500):
            units.update({u.code: u for u in Unit.select().where(Unit.code.in_(codes[i:i + 500]))})
        now = clock.now()
        for planned in plan.bills:
            bill = Bill.create(unit=units[planned.code], month=ref, created_at=now,
                               total_fen=planned.total_fen)
            BillLine.insert_many([
                {"bill": bill, "item": line.item, "quantity_centi": line.quantity_centi,
                 "rate_e4": line.rate_e4, "amount_fen": line.amount_fen, "paid_fen": 0}
                for line in planned.lines
            ]).execute()
        # KF-001 §9, KF-018 §4.3: the month's parking-rent periods, raised with the bills
        # (kfdesk.desk.leases, module docstring).
        rent = raise_rent_due(first, actor, clock, settings)
        if plan.bills:
            audit(actor, clock, "billing.run", None, month=ref, billed=len(plan.bills),
                  total_fen=plan.total_fen, units=codes, already=len(plan.already),
                  waiting=[w.code for w in plan.waiting], rates=plan.rates)
            # KF-016 §3.4: a new month unpaid may make a second arrears notice due.
            billed = set(codes)
            dunned = [u for u in Unit.select().join(DunningStep).distinct() if u.code in billed]
            if dunned:
                sync_unit_arrears(dunned, RuleContext.from_store(settings))
    return BillRun(ref, tuple(codes), plan.total_fen, tuple(plan.already), tuple(plan.waiting),
                   plan.vacant, sum(c.amount_fen for c in rent), len(rent))


# --------------------------------------------------------------------------------------------
# payment notices (KF-015 §4.4)


class NoticeLine(NamedTuple):
    item: str
    quantity_centi: int
    rate_e4: int
    amount_fen: int
    paid_fen: int
    last: int | None  # water/electricity: the readings the usage is from
    this: int | None
    replaced: bool


class Notice(NamedTuple):
    """Everything a payment notice says, in figures."""

    unit: str
    owner: str
    area_centi_m2: int
    month: str
    lines: tuple[NoticeLine, ...]
    month_fen: int  # the month's bill
    month_paid_fen: int  # already paid towards it
    arrears: tuple[tuple[str, int], ...]  # earlier months still owed: (month, fen)
    charges: tuple[tuple[str, str, int], ...]  # one-off charges owed: (kind, what, fen)
    total_fen: int  # owed: the month's rest + arrears + charges
    pay_by: date
    credit_fen: int = 0  # the unit's prepaid balance (预存) set against it, at most total_fen

    @property
    def to_pay_fen(self) -> int:
        """What the resident is asked to pay: what is owed less the prepaid balance."""
        return self.total_fen - self.credit_fen


def notice_figures(unit_code: str, month: str | date, settings: Settings) -> Notice:
    """The figures of a unit's payment notice for ``month`` (its bill must exist)."""
    unit = _unit(unit_code)
    try:
        first = parse_month(month)
    except (ValueError, TypeError):
        raise DeskError("billing.bad_month", field="month", text=str(month)) from None
    ref = month_label(first)
    bill = Bill.get_or_none((Bill.unit == unit) & (Bill.month == ref))
    if bill is None:
        raise DeskError("billing.no_bill", unit=unit.code, month=ref)
    order = {item: i for i, item in enumerate(FEE_ITEMS)}
    prev = month_label(first - relativedelta(months=1))
    dials = {(r.meter, r.month): r for r in MeterReading.select().where(
        (MeterReading.unit == unit) & MeterReading.month.in_([ref, prev]))}
    lines = []
    for line in sorted(BillLine.select().where(BillLine.bill == bill),
                       key=lambda x: (order.get(x.item, 99), x.item)):
        this = dials.get((line.item, ref))
        last = dials.get((line.item, prev))
        if this is not None and this.replaced:
            from_, replaced = this.new_meter_start, True
        else:
            from_, replaced = (last.reading if last is not None else None), False
        lines.append(NoticeLine(line.item, line.quantity_centi, line.rate_e4, line.amount_fen,
                                line.paid_fen, from_ if this is not None else None,
                                this.reading if this is not None else None, replaced))
    owed = BillLine.amount_fen - BillLine.paid_fen
    arrears = tuple(
        (m, int(fen)) for m, fen in
        BillLine.select(Bill.month, pw.fn.SUM(owed))
        .join(Bill)
        .where((Bill.unit == unit) & (Bill.month < ref) & (BillLine.amount_fen > BillLine.paid_fen))
        .group_by(Bill.month).order_by(Bill.month).tuples()
    )
    charges = tuple(
        (c.kind, c.description, c.amount_fen - c.paid_fen)
        for c in Charge.select()
        .where((Charge.unit == unit) & (Charge.amount_fen > Charge.paid_fen))
        .order_by(Charge.created_at, Charge.id)
    )
    month_fen = sum(line.amount_fen for line in lines)
    month_paid = sum(line.paid_fen for line in lines)
    total = (month_fen - month_paid) + sum(f for _, f in arrears) + sum(f for *_, f in charges)
    # An overpayment kept as prepaid (KF-015 §4.6) is the resident's money at the desk: the
    # notice sets it against what is owed rather than asking for the full sum again (the
    # cashier applies it with use_credit when the resident comes).
    credit = min(max(total, 0), unit_credit(unit.id))
    return Notice(unit.code, _owner_names([unit.id]).get(unit.id, ""), unit.area_centi_m2, ref,
                  tuple(lines), month_fen, month_paid, arrears, charges, total,
                  bviews.pay_by(first, settings), credit)


def _row(left: str, right: str, width: int = NOTICE_WIDTH) -> str:
    """``left`` … ``right``, the right part flush with the right edge."""
    return spread(left, right, width)


def _cols(parts: Sequence[tuple[str, int]], amount: str) -> str:
    text = "".join(p + " " * max(w - _cells(p), 1) for p, w in parts)
    return _row(text.rstrip(), amount)


def _centre(text: str, width: int = NOTICE_WIDTH) -> str:
    return centre(text, width)


def _quantity(line: NoticeLine, lang: str | None) -> str:
    basis = BASIS.get(line.item, "m2")
    whole, centi = divmod(line.quantity_centi, 100)
    number = f"{whole}.{centi:02d}" if basis == "m2" or centi else str(whole)
    return f"{number} {t(f'billing.basis.{basis}', lang=lang)}"


def _money(fen: int) -> str:
    return fmt(fen, symbol=False)


def payment_notice(unit_code: str, month: str | date, settings: Settings,
                   lang: str | None = None) -> str:
    """The 缴费通知单 of a unit for ``month`` as plain text (KF-015 §4.4).

    Unit, owner, month; each line with quantity, rate and amount (with the meter readings
    for water and electricity); the month's total; earlier months still owed; one-off charges
    still owed; the total to pay in figures and in Chinese capitals (人民币大写); the pay-by
    date; the office's counter hours (and phone, when the settings have one).
    """
    return _notice_text(notice_figures(unit_code, month, settings), settings, lang)


def _notice_text(n: Notice, settings: Settings, lang: str | None) -> str:
    rule = "-" * NOTICE_WIDTH
    out = [*office_header(settings, NOTICE_WIDTH, lang),
           _centre(t("billing.notice.title", lang=lang)), ""]
    out.append(_row(t("billing.notice.unit", lang=lang, unit=n.unit),
                    t("billing.notice.owner", lang=lang, owner=n.owner or "—")))
    area = f"{n.area_centi_m2 // 100}.{n.area_centi_m2 % 100:02d}"
    out.append(_row(t("billing.notice.month", lang=lang, month=n.month),
                    t("billing.notice.area", lang=lang, area=area)))
    out.append(rule)
    widths = (14, 16, 18)
    out.append(_cols([(t("billing.notice.col_item", lang=lang), widths[0]),
                      (t("billing.notice.col_quantity", lang=lang), widths[1]),
                      (t("billing.notice.col_rate", lang=lang), widths[2])],
                     t("billing.notice.col_amount", lang=lang)))
    for line in n.lines:
        basis = BASIS.get(line.item, "m2")
        rate = t("billing.notice.rate", lang=lang, rate=rate_text(line.rate_e4),
                 basis=t(f"billing.basis.{basis}", lang=lang))
        out.append(_cols([(t(f"fee_item.{line.item}", lang=lang), widths[0]),
                          (_quantity(line, lang), widths[1]), (rate, widths[2])],
                         _money(line.amount_fen)))
        if line.this is not None and line.last is not None:
            key = "billing.notice.dials_replaced" if line.replaced else "billing.notice.dials"
            out.append(" " * widths[0] + t(key, lang=lang, last=line.last, this=line.this))
    out.append(_row(t("billing.notice.month_total", lang=lang), _money(n.month_fen)))
    if n.month_paid_fen:
        out.append(_row(t("billing.notice.month_paid", lang=lang), _money(-n.month_paid_fen)))
    if n.arrears or n.charges:
        out.append(rule)
    if n.arrears:
        out.append(t("billing.notice.arrears", lang=lang))
        for m, fen in n.arrears:
            out.append(_row(f"  {m}", _money(fen)))
    if n.charges:
        out.append(t("billing.notice.charges", lang=lang))
        for kind, what, fen in n.charges:
            label = what or t(f"billing.charge_kind.{kind}", lang=lang)
            out.append(_row(f"  {label}", _money(fen)))
    out.append(rule)
    if n.credit_fen:
        out.append(_row(t("billing.notice.owed", lang=lang), _money(n.total_fen)))
        out.append(_row(t("billing.notice.credit", lang=lang), _money(-n.credit_fen)))
    out.append(t("billing.notice.total", lang=lang, amount=fmt(n.to_pay_fen)))
    out.append(t("billing.notice.words", lang=lang, words=amount_in_words(n.to_pay_fen)))
    out.append(t("billing.notice.pay_by", lang=lang, day=n.pay_by.isoformat()))
    hours = t("billing.notice.hours", lang=lang, open=settings.business_open.strftime("%H:%M"),
              close=settings.business_close.strftime("%H:%M"))
    phone = str(settings.data.get("office", {}).get("phone") or "").strip()
    if phone:
        hours += t("billing.notice.phone", lang=lang, phone=phone)
    out.append(hours)
    return "\n".join(out) + "\n"


class NoticesPrinted(NamedTuple):
    where: str  # the file written, or the printer command
    month: str
    units: tuple[str, ...]  # notices printed, in unit order
    paid_up: tuple[str, ...]  # billed but owing nothing: no notice


def print_payment_notices(
    month: str | date,
    building: str | None,
    folder: Path,
    actor: Staff,
    clock: Clock,
    settings: Settings,
    lang: str | None = None,
) -> NoticesPrinted:
    """Print the month's payment notices for every billed unit, or one building's, as one
    document with a form feed between notices (KF-015 §4.4); audited with the unit list.

    A unit that owes nothing (paid up, e.g. by bank debit) gets no notice.
    """
    require_role(actor, READING_ROLES, "billing.notices")
    first = _month(month, clock, settings)
    ref = month_label(first)
    number = _norm(building or "")
    query = (Unit.select(Unit.code).join(Bill).switch(Unit).join(Building)
             .where(Bill.month == ref).order_by(Unit.code))
    if number:
        if Building.get_or_none(Building.number == number) is None:
            raise DeskError("billing.unknown_building", field="building", building=number)
        query = query.where(Building.number == number)
    codes = [u.code for u in query]
    lang = document_language(settings)  # issue 17: the paper in the office's language
    notices, printed, paid_up = [], [], []
    for code in codes:
        figures = notice_figures(code, first, settings)
        if figures.to_pay_fen <= 0:
            paid_up.append(code)
            continue
        notices.append(_notice_text(figures, settings, lang))
        printed.append(code)
    if not notices:
        raise DeskError("billing.no_notices", month=ref,
                        building=number or Tr("billing.all_buildings"))
    name = safe_name(f"payment-notices-{ref}-{'building-' + number if number else 'all'}") + ".txt"
    with transaction():
        where = deliver("\f".join(notices), name, folder, settings)
        audit(actor, clock, "billing.notices", None, month=ref, building=number, where=where,
              units=printed, paid_up=paid_up)
    return NoticesPrinted(where, ref, tuple(printed), tuple(paid_up))
