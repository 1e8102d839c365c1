"""KF-015 §4.1–4.4: approved rates, meter readings, the monthly bill run, payment notices.

On the ``office`` fixture (unit 3-1-502, 89.12 m², owner 王建国) plus a few units made here;
the clock is 2026-10-09 10:00 Asia/Shanghai. Rates are the shipped ones from 2026-01-01
(property 1.80/m², fund 0.25/m², water 3.45/m³, electricity 0.568/kWh). At the end, the demo
community: its bills are exactly what the bill run computes.
"""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook

from kfdesk.clock import FixedClock
from kfdesk.config import default_settings
from kfdesk.db import close_store, open_store
from kfdesk.demo import DEFAULT_NOW, build_demo
from kfdesk.desk import billing
from kfdesk.desk.base import DeskError
from kfdesk.i18n import t
from kfdesk.models import (
    AuditEvent,
    Bill,
    BillLine,
    Building,
    Charge,
    Deadline,
    FeeRate,
    MeterReading,
    Staff,
    Unit,
)
from kfdesk.models.cash import FEE_ITEMS
from kfdesk.money import amount_in_words, fmt, rate_amount
from kfdesk.rules.periods import _meter_readings_in
from kfdesk.views import billing as bviews

SETTINGS = default_settings()
RATES = {"property_fee": "1.80", "maintenance_fund": "0.25", "water": "3.45",
         "electricity": "0.568"}


def _counts() -> tuple[int, ...]:
    return tuple(model.select().count() for model in (FeeRate, MeterReading, Bill, BillLine,
                                                      AuditEvent))


def _refused(key: str, call, *args, **kwargs) -> DeskError:  # noqa: ANN001 - a desk call
    """The call is refused with ``key`` and writes nothing."""
    before = _counts()
    with pytest.raises(DeskError) as err:
        call(*args, **kwargs)
    assert err.value.key == key, err.value.message()
    assert _counts() == before
    return err.value


@pytest.fixture
def rated(office: dict, clock: FixedClock) -> dict:
    for item, rate in RATES.items():
        billing.set_rate(item, rate, "2026-01-01", office["cashier"], clock, SETTINGS)
    return office


def _add_unit(code: str, area: int, status: str = "owner_occupied") -> Unit:
    number, entrance, room = code.split("-")
    building = Building.get_or_none(Building.number == number)
    if building is None:
        building = Building.create(group=Building.get().group, number=number,
                                   name=f"{number}栋", floors=6)
    return Unit.create(building=building, entrance=int(entrance), floor=int(room[:-2]),
                       room=room, code=code, area_centi_m2=area, status=status)


def _read(office: dict, clock: FixedClock, code: str, month: str, water: int,
          power: int) -> None:
    for meter, value in (("water", water), ("electricity", power)):
        billing.enter_reading(code, meter, month, value, office["cashier"], clock, SETTINGS)


# --------------------------------------------------------------------------------------------
# KF-015 §4.1 rates


def test_rates_are_kept_exactly_in_ten_thousandths(rated: dict) -> None:
    stored = {r.item: (r.rate_e4, r.basis) for r in FeeRate.select()}
    assert stored == {"property_fee": (18000, "m2"), "maintenance_fund": (2500, "m2"),
                      "water": (34500, "m3"), "electricity": (5680, "kwh")}
    assert billing.rate_for("electricity", "2026-10").rate_e4 == 5680
    assert bviews.rate_text(5680) == "0.568" and bviews.rate_text(18000) == "1.80"


@pytest.mark.parametrize(("text", "key"), [
    ("0.56789", "billing.rate_too_fine"),  # KF-015 §4.1: finer than 1/10000 yuan
    ("1.800001", "billing.rate_too_fine"),
    ("0", "billing.rate_positive"),
    ("-1.80", "billing.rate_positive"),
    ("一块八", "billing.rate_not_number"),
    ("", "billing.rate_not_number"),
    ("NaN", "billing.rate_not_number"),
])
def test_bad_rates_are_refused_with_a_message(office: dict, clock: FixedClock, text: str,
                                              key: str) -> None:
    err = _refused(key, billing.set_rate, "water", text, "2026-11-01", office["cashier"],
                   clock, SETTINGS)
    assert err.field == "rate"
    assert text in err.message("zh") and "{" not in err.message("en")


def test_full_width_rate_and_fine_rate_to_the_limit_are_accepted(office: dict,
                                                                 clock: FixedClock) -> None:
    done = billing.set_rate("electricity", "０.５６８１", "2026-11-01", office["manager"], clock,
                            SETTINGS)
    assert done.rate_e4 == 5681


def test_only_the_cashier_supervisor_and_manager_set_rates(office: dict,
                                                           clock: FixedClock) -> None:
    err = _refused("auth.not_allowed", billing.set_rate, "water", "3.45", "2026-01-01",
                   office["clerk"], clock, SETTINGS)
    assert t("action.billing.rate") in err.message()


def test_rate_for_is_the_rate_in_force_on_the_first_of_the_month(rated: dict,
                                                                  clock: FixedClock) -> None:
    billing.set_rate("water", "3.60", "2026-11-01", rated["cashier"], clock, SETTINGS)
    billing.set_rate("water", "3.80", "2026-11-15", rated["cashier"], clock, SETTINGS)
    assert billing.rate_for("water", "2026-10").rate_e4 == 34500
    assert billing.rate_for("water", "2026-11").rate_e4 == 36000
    assert billing.rate_for("water", date(2026, 12, 1)).rate_e4 == 38000
    with pytest.raises(DeskError) as err:
        billing.rate_for("water", "2025-12")
    assert err.value.key == "billing.no_rate"


def test_a_second_rate_of_the_same_date_replaces_it_until_a_bill_used_it(
        rated: dict, clock: FixedClock) -> None:
    cashier = rated["cashier"]
    done = billing.set_rate("water", "3.50", "2026-01-01", cashier, clock, SETTINGS)
    assert done.replaced_e4 == 34500
    assert FeeRate.get(FeeRate.item == "water").rate_e4 == 35000
    event = AuditEvent.select().where(AuditEvent.action == "billing.rate").order_by(
        AuditEvent.id.desc()).first()
    assert json.loads(event.detail)["replaced_e4"] == 34500
    _refused("billing.rate_unchanged", billing.set_rate, "water", "3.50", "2026-01-01",
             cashier, clock, SETTINGS)
    _read(rated, clock, "3-1-502", "2026-09", 100, 1000)
    _read(rated, clock, "3-1-502", "2026-10", 112, 1300)
    billing.run_bills("2026-10", cashier, clock, SETTINGS)
    # The October bill was made at 3.50: neither that rate nor October's may change now.
    err = _refused("billing.rate_billed", billing.set_rate, "water", "3.45", "2026-01-01",
                   cashier, clock, SETTINGS)
    assert "2026-10" in err.message()
    _refused("billing.rate_billed", billing.set_rate, "water", "3.60", "2026-10-01", cashier,
             clock, SETTINGS)
    # From November (not billed yet) a new rate is fine.
    billing.set_rate("water", "3.60", "2026-11-01", cashier, clock, SETTINGS)


# --------------------------------------------------------------------------------------------
# KF-015 §4.2 readings


def test_a_reading_below_the_last_is_refused_unless_the_meter_was_replaced(
        rated: dict, clock: FixedClock) -> None:
    cashier = rated["cashier"]
    billing.enter_reading("3-1-502", "water", "2026-09", 1000, cashier, clock, SETTINGS)
    err = _refused("billing.below_last", billing.enter_reading, "3-1-502", "water", "2026-10",
                   30, cashier, clock, SETTINGS)
    assert "1000" in err.message() and "2026-09" in err.message()
    # A replacement needs the new meter's start, no higher than the reading.
    _refused("billing.start_needed", billing.enter_reading, "3-1-502", "water", "2026-10", 30,
             cashier, clock, SETTINGS, replaced=True)
    _refused("billing.start_above_reading", billing.enter_reading, "3-1-502", "water",
             "2026-10", 30, cashier, clock, SETTINGS, replaced=True, new_meter_start=40)
    _refused("billing.start_without_replacement", billing.enter_reading, "3-1-502", "water",
             "2026-10", 1010, cashier, clock, SETTINGS, new_meter_start=5)
    saved = billing.enter_reading("3-1-502", "water", "2026-10", 30, cashier, clock, SETTINGS,
                                  replaced=True, new_meter_start=5)
    assert saved.status == "entered"
    row = MeterReading.get(MeterReading.month == "2026-10")
    assert (row.reading, row.replaced, row.new_meter_start) == (30, True, 5)


@pytest.mark.parametrize(("value", "key"), [
    ("12.5", "billing.not_whole"), ("abc", "billing.not_whole"), (-1, "billing.negative_reading"),
    ("1e12", "billing.not_whole"), ("1000000000000", "billing.reading_too_large"),
    ("١٢", "billing.not_whole"),
])
def test_bad_readings_are_refused(rated: dict, clock: FixedClock, value: object,
                                  key: str) -> None:
    _refused(key, billing.enter_reading, "3-1-502", "water", "2026-10", value,
             rated["cashier"], clock, SETTINGS)


def test_readings_of_unknown_units_meters_and_future_months_are_refused(
        rated: dict, clock: FixedClock) -> None:
    cashier = rated["cashier"]
    _refused("billing.unknown_unit", billing.enter_reading, "9-9-999", "water", "2026-10", 1,
             cashier, clock, SETTINGS)
    _refused("billing.bad_meter", billing.enter_reading, "3-1-502", "gas", "2026-10", 1,
             cashier, clock, SETTINGS)
    _refused("billing.future_month", billing.enter_reading, "3-1-502", "water", "2026-11", 1,
             cashier, clock, SETTINGS)
    _refused("billing.bad_month", billing.enter_reading, "3-1-502", "water", "十月", 1,
             cashier, clock, SETTINGS)
    _refused("auth.not_allowed", billing.enter_reading, "3-1-502", "water", "2026-10", 1,
             rated["guard"], clock, SETTINGS)


def test_typing_a_reading_again_corrects_it_until_the_bill_used_it(rated: dict,
                                                                   clock: FixedClock) -> None:
    clerk = rated["clerk"]  # WI-KF-004 §6: the counter clerk enters engineering's readings
    _read(rated, clock, "3-1-502", "2026-09", 1000, 20000)
    first = billing.enter_reading("3-1-502", "water", "2026-10", 1021, clerk, clock, SETTINGS)
    read_at = MeterReading.get(MeterReading.month == "2026-10").read_at
    clock.advance(timedelta(hours=2))
    again = billing.enter_reading("3-1-502", "water", "2026-10", 1012, clerk, clock, SETTINGS)
    assert (first.status, again.status, again.old_reading) == ("entered", "corrected", 1021)
    row = MeterReading.get(MeterReading.month == "2026-10")
    assert row.reading == 1012 and row.read_at == read_at  # the clock stopped when it came in
    event = AuditEvent.get(AuditEvent.action == "billing.reading_correct")
    assert json.loads(event.detail)["old_reading"] == 1021
    assert billing.enter_reading("3-1-502", "water", "2026-10", 1012, clerk, clock,
                                 SETTINGS).status == "unchanged"
    billing.enter_reading("3-1-502", "electricity", "2026-10", 20300, clerk, clock, SETTINGS)
    billing.run_bills("2026-10", rated["cashier"], clock, SETTINGS)
    err = _refused("billing.reading_billed", billing.enter_reading, "3-1-502", "water",
                   "2026-10", 1013, clerk, clock, SETTINGS)
    assert "2026-10" in err.message()
    # September's reading is what October's usage counts from: it is billed too.
    _refused("billing.reading_billed", billing.enter_reading, "3-1-502", "water", "2026-09",
             999, clerk, clock, SETTINGS)


def test_a_correction_cannot_go_above_the_next_months_reading(rated: dict,
                                                              clock: FixedClock) -> None:
    _read(rated, clock, "3-1-502", "2026-09", 1000, 20000)
    _read(rated, clock, "3-1-502", "2026-10", 1010, 20100)
    _refused("billing.above_next", billing.enter_reading, "3-1-502", "water", "2026-09", 1011,
             rated["cashier"], clock, SETTINGS)


def test_both_meters_of_a_unit_are_saved_together_or_not_at_all(rated: dict,
                                                                clock: FixedClock) -> None:
    _read(rated, clock, "3-1-502", "2026-09", 1000, 20000)
    _refused("billing.below_last", billing.enter_unit_readings, "3-1-502", "2026-10", "1010",
             "19000", rated["cashier"], clock, SETTINGS)
    _refused("billing.start_no_meter", billing.enter_unit_readings, "3-1-502", "2026-10",
             "1010", "20100", rated["cashier"], clock, SETTINGS, new_meter_start="5")
    saved = billing.enter_unit_readings("3-1-502", "2026-10", "1010", "120", rated["cashier"],
                                        clock, SETTINGS, replaced_meter="electricity",
                                        new_meter_start="0")
    assert [s.status for s in saved] == ["entered", "entered"]


def test_the_meter_readings_clock_stops_once_every_unit_is_in(rated: dict,
                                                              clock: FixedClock) -> None:
    """KF-015 §4.2 (RULES §8 "meter readings": month start → readings in, by the 5th)."""
    _add_unit("3-1-602", 8912, status="vacant")  # vacant units are read too
    _read(rated, clock, "3-1-502", "2026-10", 1000, 20000)
    assert _meter_readings_in("2026-10") is None
    clock.advance(timedelta(minutes=5))
    _read(rated, clock, "3-1-602", "2026-10", 10, 200)
    assert _meter_readings_in("2026-10") == clock.now()
    row = Deadline.get((Deadline.clock == "meter_readings") & (Deadline.item_ref == "2026-10"))
    assert row.stopped_at == clock.now()


# ---- the readings file -----------------------------------------------------------------------


def _csv(path: Path, rows: list[list[object]], bom: bool = True) -> Path:
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def test_import_reads_a_csv_with_chinese_headings_and_a_replacement(
        rated: dict, clock: FixedClock, tmp_path: Path) -> None:
    _add_unit("3-1-602", 9000)
    _read(rated, clock, "3-1-502", "2026-09", 1000, 20000)
    _read(rated, clock, "3-1-602", "2026-09", 500, 9000)
    path = _csv(tmp_path / "抄表.csv", [
        ["房号", "水", "电", "新电表起码"],
        ["3-1-502", "1012", "20300", ""],
        ["", "", "", ""],  # blank lines are skipped
        ["３-1-602", "506", "40", "0"],  # full-width digits; a new electricity meter
    ])
    done = billing.import_readings(path, "2026-10", rated["clerk"], clock, SETTINGS)
    assert (done.rows, done.entered, done.corrected, done.unchanged) == (2, 4, 0, 0)
    power = MeterReading.get((MeterReading.meter == "electricity")
                             & (MeterReading.month == "2026-10")
                             & (MeterReading.unit == Unit.get(Unit.code == "3-1-602")))
    assert (power.reading, power.replaced, power.new_meter_start) == (40, True, 0)
    event = AuditEvent.get(AuditEvent.action == "billing.import")
    assert json.loads(event.detail)["units"] == ["3-1-502", "3-1-602"]


def test_an_import_with_a_bad_row_writes_nothing_and_names_the_rows(
        rated: dict, clock: FixedClock, tmp_path: Path) -> None:
    _read(rated, clock, "3-1-502", "2026-09", 1000, 20000)
    _add_unit("3-1-602", 9000)
    path = _csv(tmp_path / "readings.csv", [
        ["unit", "water", "electricity"],
        ["3-1-602", "10", "100"],  # good, but nothing is written: another row is bad
        ["9-9-999", "10", "100"],
        ["3-1-502", "900", "20100"],  # below last without a replacement
        ["3-1-602", "11", "101"],  # twice
        ["3-1-502x", "1,5", ""],
    ], bom=False)
    err = _refused("billing.import_bad_rows", billing.import_readings, path, "2026-10",
                   rated["cashier"], clock, SETTINGS)
    text = err.message("zh")
    assert "第 3 行" in text and "9-9-999" in text
    assert "第 4 行" in text and "1000" in text
    assert "第 5 行" in text and "第 2 行" in text  # the row it repeats
    assert "第 6 行" in text
    assert "Row 3" in err.message("en")


def test_an_xlsx_sheet_is_read_and_a_unit_turned_into_a_date_is_named(
        rated: dict, clock: FixedClock, tmp_path: Path) -> None:
    good = _xlsx(tmp_path / "good.xlsx", [["Unit", "Water", "Electricity"],
                                          ["3-1-502", 1012, 20300.0]])
    done = billing.import_readings(good, "2026-10", rated["cashier"], clock, SETTINGS)
    assert done.entered == 2
    bad = _xlsx(tmp_path / "bad.xlsx", [["房号", "水", "电"], [datetime(2003, 1, 5), 1, 1],
                                        ["3-1-502", 1012.5, 20300]])
    err = _refused("billing.import_bad_rows", billing.import_readings, bad, "2026-10",
                   rated["cashier"], clock, SETTINGS)
    assert "第 2 行" in err.message() and "日期" in err.message()
    assert "第 3 行" in err.message() and "1012.5" in err.message()


def test_unreadable_files_are_refused(rated: dict, clock: FixedClock, tmp_path: Path) -> None:
    cashier = rated["cashier"]
    _refused("billing.import_missing", billing.import_readings, tmp_path / "none.csv",
             "2026-10", cashier, clock, SETTINGS)
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("房号,水,电\n3-1-502,1,2\n".encode("gbk"))
    _refused("billing.import_encoding", billing.import_readings, gbk, "2026-10", cashier, clock,
             SETTINGS)
    (tmp_path / "r.txt").write_text("x")
    _refused("billing.import_kind", billing.import_readings, tmp_path / "r.txt", "2026-10",
             cashier, clock, SETTINGS)
    (tmp_path / "fake.xlsx").write_text("not a workbook")
    _refused("billing.import_unreadable", billing.import_readings, tmp_path / "fake.xlsx",
             "2026-10", cashier, clock, SETTINGS)
    columns = _csv(tmp_path / "cols.csv", [["房号", "水"], ["3-1-502", "1"]])
    err = _refused("billing.import_columns", billing.import_readings, columns, "2026-10",
                   cashier, clock, SETTINGS)
    assert "electricity" in err.message()


# --------------------------------------------------------------------------------------------
# KF-015 §4.3 the bill run


def test_a_bill_is_the_sum_of_its_lines_by_area_and_usage(rated: dict,
                                                          clock: FixedClock) -> None:
    _read(rated, clock, "3-1-502", "2026-09", 1000, 20000)
    _read(rated, clock, "3-1-502", "2026-10", 1012, 20313)
    run = billing.run_bills("2026-10", rated["cashier"], clock, SETTINGS)
    assert run.billed == ("3-1-502",)
    bill = Bill.get()
    lines = {line.item: line for line in bill.lines}
    assert list(lines) == list(FEE_ITEMS)
    expected = {
        "property_fee": (8912, 18000, 16042),  # 89.12 m² × 1.80 = 160.416 → ¥160.42
        "maintenance_fund": (8912, 2500, 2228),  # 89.12 × 0.25 = 22.28
        "water": (1200, 34500, 4140),  # 12 m³ × 3.45
        "electricity": (31300, 5680, 17778),  # 313 kWh × 0.568 = 177.784 → ¥177.78
    }
    for item, (quantity, rate, amount) in expected.items():
        line = lines[item]
        assert (line.quantity_centi, line.rate_e4, line.amount_fen) == (quantity, rate, amount)
        assert line.amount_fen == rate_amount(line.quantity_centi, line.rate_e4)
    assert bill.total_fen == sum(line.amount_fen for line in lines.values()) == run.total_fen
    assert bill.month == "2026-10" and bill.created_at == clock.now()


def test_running_a_month_again_does_not_double_bill(rated: dict, clock: FixedClock) -> None:
    late = _add_unit("3-1-602", 9000)
    _add_unit("3-1-702", 9000, status="vacant")
    for code in ("3-1-502", "3-1-602"):
        _read(rated, clock, code, "2026-09", 100, 1000)
    _read(rated, clock, "3-1-502", "2026-10", 110, 1100)
    billing.enter_reading("3-1-602", "water", "2026-10", 105, rated["cashier"], clock, SETTINGS)
    first = billing.run_bills("2026-10", rated["cashier"], clock, SETTINGS)
    assert first.billed == ("3-1-502",) and first.vacant == 1
    assert first.waiting == (bviews.NotBilled("3-1-602", "no_reading", ("electricity",)),)
    before = _counts()
    again = billing.run_bills("2026-10", rated["cashier"], clock, SETTINGS)
    assert (again.billed, again.already, again.total_fen) == ((), ("3-1-502",), 0)
    assert _counts() == before  # nothing to bill: nothing written, not even an audit event
    billing.enter_reading("3-1-602", "electricity", "2026-10", 1050, rated["cashier"], clock,
                          SETTINGS)
    third = billing.run_bills("2026-10", rated["cashier"], clock, SETTINGS)
    assert third.billed == ("3-1-602",) and third.already == ("3-1-502",)
    assert Bill.select().where(Bill.month == "2026-10").count() == 2
    assert Bill.get(Bill.unit == late).total_fen == third.total_fen
    event = AuditEvent.select().where(AuditEvent.action == "billing.run").order_by(
        AuditEvent.id.desc()).first()
    assert json.loads(event.detail)["units"] == ["3-1-602"]


def test_a_unit_without_last_months_reading_waits(rated: dict, clock: FixedClock) -> None:
    _read(rated, clock, "3-1-502", "2026-10", 110, 1100)
    run = billing.run_bills("2026-10", rated["cashier"], clock, SETTINGS)
    assert run.billed == ()
    assert run.waiting == (bviews.NotBilled("3-1-502", "no_last", ("water", "electricity")),)


def test_usage_after_a_replacement_counts_from_the_new_meters_start(
        rated: dict, clock: FixedClock) -> None:
    cashier = rated["cashier"]
    _read(rated, clock, "3-1-502", "2026-08", 950, 20000)
    _read(rated, clock, "3-1-502", "2026-09", 1000, 20300)
    billing.enter_reading("3-1-502", "water", "2026-10", 30, cashier, clock, SETTINGS,
                          replaced=True, new_meter_start=5)
    billing.enter_reading("3-1-502", "electricity", "2026-10", 20600, cashier, clock, SETTINGS)
    state = bviews.month_readings(date(2026, 10, 1)).rows[0].water
    assert (state.last, state.this, state.usage, state.replaced) == (5, 30, 25, True)
    billing.run_bills("2026-10", cashier, clock, SETTINGS)
    water = BillLine.get(BillLine.item == "water")
    assert water.quantity_centi == 2500 and water.amount_fen == 25 * 345
    # The month after, usage counts on the new meter from this reading as usual.
    clock.set(datetime(2026, 11, 3, 10, tzinfo=SETTINGS.zone))
    _read(rated, clock, "3-1-502", "2026-11", 50, 20800)
    billing.run_bills("2026-11", cashier, clock, SETTINGS)
    november = Bill.get(Bill.month == "2026-11")
    assert BillLine.get((BillLine.bill == november)
                        & (BillLine.item == "water")).quantity_centi == 2000


def test_a_month_without_a_rate_is_refused_whole(office: dict, clock: FixedClock) -> None:
    billing.set_rate("property_fee", "1.80", "2026-01-01", office["cashier"], clock, SETTINGS)
    _read(office, clock, "3-1-502", "2026-09", 100, 1000)
    _read(office, clock, "3-1-502", "2026-10", 110, 1100)
    err = _refused("billing.no_rate", billing.run_bills, "2026-10", office["cashier"], clock,
                   SETTINGS)
    assert "维修基金" in err.message()
    _refused("auth.not_allowed", billing.run_bills, "2026-10", office["clerk"], clock, SETTINGS)
    _refused("billing.future_month", billing.run_bills, "2026-11", office["cashier"], clock,
             SETTINGS)


# --------------------------------------------------------------------------------------------
# KF-015 §4.4 payment notices


def _billed_with_arrears(office: dict, clock: FixedClock) -> Bill:
    cashier = office["cashier"]
    _read(office, clock, "3-1-502", "2026-08", 980, 19800)
    _read(office, clock, "3-1-502", "2026-09", 1000, 20000)
    _read(office, clock, "3-1-502", "2026-10", 1012, 20313)
    billing.run_bills("2026-09", cashier, clock, SETTINGS)
    billing.run_bills("2026-10", cashier, clock, SETTINGS)
    Charge.create(unit=office["unit"], kind="paid_repair", description="疏通下水道",
                  amount_fen=5000, paid_fen=0, created_at=clock.now(), created_by=cashier)
    Charge.create(unit=office["unit"], kind="renovation_fee", description="",
                  amount_fen=30000, paid_fen=30000, created_at=clock.now(), created_by=cashier)
    return Bill.get(Bill.month == "2026-10")


def test_the_notice_shows_lines_arrears_charges_and_the_amount_in_words(
        rated: dict, clock: FixedClock) -> None:
    october = _billed_with_arrears(rated, clock)
    september = Bill.get(Bill.month == "2026-09")
    text = billing.payment_notice("3-1-502", "2026-10", SETTINGS, "zh")
    total = october.total_fen + september.total_fen + 5000
    assert "缴 费 通 知 单" in text and "3-1-502" in text and "王建国" in text
    assert "2026-10" in text and "89.12 m²" in text
    assert "0.568 元/度" in text and "313 度" in text and "177.78" in text
    assert "上期读数 1000，本期读数 1012" in text
    arrears = [line.split() for line in text.splitlines() if line.startswith("  2026-")]
    assert arrears == [["2026-09", fmt(september.total_fen, symbol=False)]]
    assert "疏通下水道" in text and "装修管理费" not in text  # paid charges are not owed
    assert f"应缴合计：{fmt(total)}" in text
    assert f"大写：人民币{amount_in_words(total)}" in text
    assert "2026-10-26" in text  # the 25th is a Sunday: moved to Monday (遇节假日顺延)
    assert "08:30–17:30" in text
    english = billing.payment_notice("3-1-502", "2026-10", SETTINGS, "en")
    assert "PAYMENT NOTICE" in english and amount_in_words(total) in english


def test_the_notice_sets_the_prepaid_balance_against_what_is_owed(
        rated: dict, clock: FixedClock, tmp_path: Path) -> None:
    """An overpayment kept as prepaid (KF-015 §4.6) is the resident's money: the notice asks
    for what is owed less it, in figures and in words; covered whole, no notice is printed."""
    from kfdesk.desk.payments import take_payment

    october = _billed_with_arrears(rated, clock)
    september = Bill.get(Bill.month == "2026-09")
    owed = october.total_fen + september.total_fen + 5000
    repair = Charge.get(Charge.description == "疏通下水道")
    # 70 yuan for the 50-yuan repair, the 20 over kept as prepaid.
    take_payment("3-1-502", 7000, "cash", rated["cashier"], clock, SETTINGS,
                 targets=[f"charge:{repair.id}"], confirm_overpayment=True)
    owed -= 5000
    figures = billing.notice_figures("3-1-502", "2026-10", SETTINGS)
    assert (figures.total_fen, figures.credit_fen, figures.to_pay_fen) == (
        owed, 2000, owed - 2000)
    text = billing.payment_notice("3-1-502", "2026-10", SETTINGS, "zh")
    assert "预存余额抵扣" in text and fmt(-2000, symbol=False) in text
    assert f"应缴合计：{fmt(owed - 2000)}" in text
    assert f"大写：人民币{amount_in_words(owed - 2000)}" in text
    # Paid down to 15 yuan owed: the 20 prepaid covers it, nothing to pay, no notice.
    take_payment("3-1-502", owed - 1500, "cash", rated["cashier"], clock, SETTINGS)
    figures = billing.notice_figures("3-1-502", "2026-10", SETTINGS)
    assert (figures.total_fen, figures.credit_fen, figures.to_pay_fen) == (1500, 1500, 0)
    with pytest.raises(DeskError) as err:  # its only unit: nothing to print
        billing.print_payment_notices("2026-10", None, tmp_path, rated["clerk"], clock,
                                      SETTINGS)
    assert err.value.key == "billing.no_notices"


def test_a_notice_needs_the_months_bill(rated: dict, clock: FixedClock) -> None:
    with pytest.raises(DeskError) as err:
        billing.payment_notice("3-1-502", "2026-10", SETTINGS)
    assert err.value.key == "billing.no_bill"


def test_printing_the_notices_writes_one_file_and_audits_the_units(
        rated: dict, clock: FixedClock, tmp_path: Path) -> None:
    _add_unit("3-1-602", 9000)
    _add_unit("5-1-101", 9000)
    for code in ("3-1-602", "5-1-101"):
        _read(rated, clock, code, "2026-09", 100, 1000)
        _read(rated, clock, code, "2026-10", 110, 1100)
    _billed_with_arrears(rated, clock)
    # 3-1-602 has paid October already: no notice for it.
    BillLine.update(paid_fen=BillLine.amount_fen).where(BillLine.bill.in_(
        Bill.select(Bill.id).join(Unit).where(Unit.code == "3-1-602"))).execute()
    done = billing.print_payment_notices("2026-10", None, tmp_path, rated["clerk"], clock,
                                         SETTINGS)
    assert done.units == ("3-1-502", "5-1-101") and done.paid_up == ("3-1-602",)
    text = Path(done.where).read_text(encoding="utf-8")
    pages = text.split("\f")
    assert len(pages) == 2 and "3-1-502" in pages[0] and "5-1-101" in pages[1]
    event = AuditEvent.get(AuditEvent.action == "billing.notices")
    assert json.loads(event.detail)["units"] == ["3-1-502", "5-1-101"]
    one = billing.print_payment_notices("2026-10", "5", tmp_path, rated["cashier"], clock,
                                        SETTINGS)
    assert one.units == ("5-1-101",) and Path(one.where).name.endswith("building-5.txt")
    _refused("billing.unknown_building", billing.print_payment_notices, "2026-10", "9",
             tmp_path, rated["cashier"], clock, SETTINGS)
    _refused("billing.no_notices", billing.print_payment_notices, "2026-09", "5", tmp_path,
             rated["cashier"], clock, SETTINGS)


# --------------------------------------------------------------------------------------------
# the demo community: its bills are the bill run's


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("billing-demo") / "demo.db"
    open_store(str(path), FixedClock(DEFAULT_NOW))
    try:
        build_demo(DEFAULT_NOW)
    finally:
        close_store()
    return path


@pytest.fixture
def demo(demo_template: Path, tmp_path: Path) -> Iterator[FixedClock]:
    path = tmp_path / "demo.db"
    shutil.copyfile(demo_template, path)
    clock = FixedClock(DEFAULT_NOW)
    open_store(str(path), clock)
    yield clock
    close_store()


def test_demo_bills_are_exactly_what_the_bill_run_computes(demo: FixedClock) -> None:
    for month in ("2026-07", "2026-08", "2026-09"):
        plan = bviews.bill_plan(bviews.parse_month(month), include_billed=True)
        stored = {}
        for bill in Bill.select(Bill, Unit).join(Unit).where(Bill.month == month):
            lines = sorted(bill.lines, key=lambda line: FEE_ITEMS.index(line.item))
            stored[bill.unit.code] = (bill.total_fen, tuple(
                (x.item, x.quantity_centi, x.rate_e4, x.amount_fen) for x in lines))
        planned = {b.code: (b.total_fen, tuple(tuple(line) for line in b.lines))
                   for b in plan.bills}
        assert planned == stored
        assert plan.vacant == Unit.select().where(Unit.status == "vacant").count() == 30
    cashier = Staff.get(Staff.role == "cashier")
    before = Bill.select().count()
    assert billing.run_bills("2026-09", cashier, demo, SETTINGS).billed == ()
    assert Bill.select().count() == before
    # October: the units whose readings are in are billed; the rest wait (KF-015 §4.2).
    data = bviews.month_readings(date(2026, 10, 1))
    run = billing.run_bills("2026-10", cashier, demo, SETTINGS)
    readable = [r.code for r in data.rows if r.status != "vacant" and r.read]
    assert list(run.billed) == readable and len(run.waiting) == data.billable - len(readable)
    assert all(w.reason == "no_reading" for w in run.waiting)
