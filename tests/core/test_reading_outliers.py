"""Implausible meter usages (issue 17): a usage more than ``readings.outlier_factor`` × the
unit's recent average, or a first usage that many times the building's median, is saved only
with a reason (DeskError without), and the bill run's preview lists it."""

from __future__ import annotations

from pathlib import Path

import pytest

from kfdesk.clock import FixedClock
from kfdesk.config import default_settings
from kfdesk.desk import billing
from kfdesk.desk.base import DeskError
from kfdesk.models import AuditEvent, Building, MeterReading, Unit
from kfdesk.views import billing as bviews

SETTINGS = default_settings()
MONTHS = ("2026-04", "2026-05", "2026-06", "2026-07", "2026-08", "2026-09")


def _unit(code: str) -> Unit:
    number, entrance, room = code.split("-")
    building = Building.get_or_none(Building.number == number)
    if building is None:
        building = Building.create(group=Building.get().group, number=number,
                                   name=f"{number}栋", floors=6)
    return Unit.create(building=building, entrance=int(entrance), floor=int(room[:-2]),
                       room=room, code=code, area_centi_m2=8000, status="owner_occupied")


def _history(office: dict, clock: FixedClock, code: str, start: int, step: int) -> int:
    """Water read every month from April to September, ``step`` m³ a month."""
    reading = start
    for month in MONTHS:
        billing.enter_reading(code, "water", month, reading, office["cashier"], clock, SETTINGS)
        reading += step
    return reading - step


def test_judge_usage_rule() -> None:
    assert bviews.judge_usage(40, [12, 12, 12], None, 3.0, 20) == (12, "average")
    assert bviews.judge_usage(36, [12, 12, 12], None, 3.0, 20) is None  # 3× is not more than
    assert bviews.judge_usage(19, [1, 1], None, 3.0, 20) is None  # under the floor
    assert bviews.judge_usage(61, [], 20, 3.0, 20) == (20, "median")
    assert bviews.judge_usage(61, [], None, 3.0, 20) is None  # nothing to compare with


def test_a_jump_needs_a_reason_and_keeps_it(office: dict, clock: FixedClock) -> None:
    last = _history(office, clock, "3-1-502", 253, 12)  # 313 in September
    assert last == 313
    before = MeterReading.select().count()
    with pytest.raises(DeskError) as exc:
        billing.enter_reading("3-1-502", "water", "2026-10", 15000, office["cashier"], clock,
                              SETTINGS)
    assert (exc.value.key, exc.value.field) == ("billing.outlier_average", "outlier_reason")
    assert "14687" in exc.value.message("en") and "12" in exc.value.message("zh")
    assert MeterReading.select().count() == before
    with pytest.raises(DeskError):  # the two-meter form too, saving neither
        billing.enter_unit_readings("3-1-502", "2026-10", 15000, 800, office["cashier"], clock,
                                    SETTINGS, outlier_reason="   ")
    assert MeterReading.select().count() == before
    billing.enter_unit_readings("3-1-502", "2026-10", 15000, None, office["cashier"], clock,
                                SETTINGS, outlier_reason="工程部确认 管道爆裂")
    saved = MeterReading.get(MeterReading.month == "2026-10")
    assert (saved.reading, saved.outlier_reason) == (15000, "工程部确认 管道爆裂")
    event = AuditEvent.select().order_by(AuditEvent.id.desc()).get()
    assert event.action == "billing.reading" and "管道爆裂" in event.detail
    # The bill run's preview lists it with the reason.
    found = bviews.reading_outliers("2026-10", 3.0, 20)
    assert [(o.code, o.meter, o.usage, o.baseline, o.basis, o.reason) for o in found] == [
        ("3-1-502", "water", 14687, 12, "average", "工程部确认 管道爆裂")]


def test_a_usual_reading_needs_no_reason(office: dict, clock: FixedClock) -> None:
    _history(office, clock, "3-1-502", 253, 12)
    billing.enter_reading("3-1-502", "water", "2026-10", 330, office["cashier"], clock,
                          SETTINGS)
    assert MeterReading.get(MeterReading.month == "2026-10").outlier_reason == ""
    assert bviews.reading_outliers("2026-10", 3.0, 20) == []


def test_a_first_usage_far_above_the_buildings_median(office: dict, clock: FixedClock) -> None:
    for n, code in enumerate(("3-1-601", "3-1-602", "3-1-603")):
        _unit(code)
        for month, reading in (("2026-08", 100), ("2026-09", 110 + n)):
            billing.enter_reading(code, "water", month, reading, office["cashier"], clock,
                                  SETTINGS)
    # 3-1-502's first usage: 100 m³ in a month where its neighbours used 10–12.
    billing.enter_reading("3-1-502", "water", "2026-08", 0, office["cashier"], clock, SETTINGS)
    with pytest.raises(DeskError) as exc:
        billing.enter_reading("3-1-502", "water", "2026-09", 100, office["cashier"], clock,
                              SETTINGS)
    assert exc.value.key == "billing.outlier_median" and "11" in exc.value.message("en")
    billing.enter_reading("3-1-502", "water", "2026-09", 100, office["cashier"], clock,
                          SETTINGS, outlier_reason="装修用水")
    assert [o.basis for o in bviews.reading_outliers("2026-09", 3.0, 20)] == ["median"]


def test_the_factor_is_a_setting(office: dict, clock: FixedClock, tmp_path: Path) -> None:
    from kfdesk.config import load_settings

    _history(office, clock, "3-1-502", 253, 12)
    loose = load_settings(None, environ={"KFDESK_CONFIG": str(tmp_path / "none.toml"),
                                         "KFDESK_READINGS__OUTLIER_FACTOR": "5.0"})
    billing.enter_reading("3-1-502", "water", "2026-10", 313 + 50, office["cashier"], clock,
                          loose)  # 50 > 3 × 12 but not > 5 × 12


def test_an_import_row_with_a_jump_needs_the_reason_column(office: dict, clock: FixedClock,
                                                            tmp_path: Path) -> None:
    _history(office, clock, "3-1-502", 253, 12)
    billing.enter_reading("3-1-502", "electricity", "2026-09", 1000, office["cashier"], clock,
                          SETTINGS)
    plain = tmp_path / "plain.csv"
    plain.write_text("unit,water,electricity\n3-1-502,15000,1100\n", encoding="utf-8")
    with pytest.raises(DeskError) as exc:
        billing.import_readings(str(plain), "2026-10", office["cashier"], clock, SETTINGS)
    assert "14687" in exc.value.message("en")
    noted = tmp_path / "noted.csv"
    noted.write_text("房号,水表,电表,备注\n3-1-502,15000,1100,水管爆裂 已确认\n", encoding="utf-8")
    billing.import_readings(str(noted), "2026-10", office["cashier"], clock, SETTINGS)
    assert MeterReading.get(MeterReading.month == "2026-10",
                            MeterReading.meter == "water").outlier_reason == "水管爆裂 已确认"


def test_both_meters_unusual_are_both_named(office: dict, clock: FixedClock) -> None:
    _history(office, clock, "3-1-502", 253, 12)
    for month, reading in zip(MONTHS, range(1000, 1600, 100), strict=True):
        billing.enter_reading("3-1-502", "electricity", month, reading, office["cashier"],
                              clock, SETTINGS)
    with pytest.raises(DeskError) as exc:
        billing.enter_unit_readings("3-1-502", "2026-10", 15000, 9000, office["cashier"], clock,
                                    SETTINGS)
    message = exc.value.message("en")
    assert "14687" in message and "7500" in message and exc.value.field == "outlier_reason"
    assert not MeterReading.select().where(MeterReading.month == "2026-10").exists()
