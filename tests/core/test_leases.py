"""KF-018 parking leases: the vehicle file (plates checked), the lease with its 100-yuan IC
card deposit for the cashier, no space let twice for the same days, the vehicle file's two
copies (copy 2 to security) and ending a lease early."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from refusals import refused

from kfdesk.clock import FixedClock
from kfdesk.config import Settings, default_settings
from kfdesk.desk import leases
from kfdesk.desk.base import DeskError
from kfdesk.desk.payments import take_payment
from kfdesk.models import (
    AuditEvent,
    Building,
    Charge,
    Occupancy,
    ParkingLease,
    Person,
    Unit,
    Vehicle,
)
from kfdesk.views import cashier as cviews
from kfdesk.views.registers import leases as lease_rows
from kfdesk.views.registers import vehicles

UNIT = "3-1-502"
TODAY = date(2026, 10, 9)


@pytest.fixture
def settings() -> Settings:
    return default_settings()


@pytest.fixture
def two(office: dict, clock: FixedClock, settings: Settings) -> dict:
    """3-1-502 with 粤B·12345 filed, and 3-1-601 (owner 李梅) with 粤B·D67890."""
    building = Building.get(Building.number == "3")
    other = Unit.create(building=building, entrance=1, floor=6, room="601", code="3-1-601",
                        area_centi_m2=8912)
    owner = Person.create(name="李梅", phone="13900001111", created_at=clock.now())
    Occupancy.create(unit=other, person=owner, role="owner", started_on=date(2021, 1, 1))
    leases.file_vehicle(UNIT, "粤B 12345", "比亚迪汉", "白色", "王建国", office["clerk"],
                        clock, settings)
    leases.file_vehicle("3-1-601", "粤bd67890", "特斯拉Model 3", "黑色", "李梅",
                        office["clerk"], clock, settings)
    return {**office, "other": other}


def _refused(call) -> DeskError:  # noqa: ANN001 - a zero-argument call
    return refused(call, Vehicle, ParkingLease, Charge, AuditEvent)


def _sign(office: dict, clock: FixedClock, settings: Settings, *, unit: str = UNIT,
          plate: str = "粤B·12345", space: str = "B1-012", starts: date = TODAY,
          ends: date = date(2027, 10, 8), card: str = "0012345") -> leases.Signed:
    return leases.sign_lease(unit, plate, space, starts, ends, 30000, card, office["clerk"],
                             clock, settings)


# ---- plates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "plate"), [
    ("粤B12345", "粤B·12345"),
    ("粤b 12345", "粤B·12345"),
    ("粤B·A1C2D", "粤B·A1C2D"),
    ("京A-D12345", "京A·D12345"),  # new energy, small car
    ("沪C12345F", "沪C·12345F"),  # new energy, large vehicle
    ("粤Ｂ１２３４５", "粤B·12345"),  # full-width from an input method
    ("粤B1234学", "粤B·1234学"),
    ("粤B1234", ""),  # too short
    ("粤I12345", ""),  # no I or O as the city letter
    ("A12345", ""),  # no province
    ("港B12345", ""),  # not a mainland province
    ("粤B123456", ""),  # six digits without D/F
])
def test_plates(typed: str, plate: str) -> None:
    assert leases.normalize_plate(typed) == plate


def test_a_bad_plate_is_refused_in_place(office: dict, clock: FixedClock,
                                         settings: Settings) -> None:
    err = _refused(lambda: leases.file_vehicle(UNIT, "粤B123", "比亚迪汉", "白色", "王建国",
                                               office["clerk"], clock, settings))
    assert (err.key, err.field) == ("lease.bad_plate", "plate")


def test_the_vehicle_file(two: dict, clock: FixedClock, settings: Settings) -> None:
    assert [(v.plate, v.model, v.colour, v.drivers) for v in vehicles(UNIT)] == [
        ("粤B·12345", "比亚迪汉", "白色", "王建国")]
    assert Vehicle.get(Vehicle.plate == "粤B·D67890").person.name == "李梅"
    # Brought up to date for the same unit; refused for another.
    leases.file_vehicle(UNIT, "粤B12345", "比亚迪汉", "白色", "王建国、陈芳", two["clerk"],
                        clock, settings)
    assert Vehicle.get(Vehicle.plate == "粤B·12345").drivers == "王建国、陈芳"
    err = _refused(lambda: leases.file_vehicle("3-1-601", "粤B12345", "比亚迪汉", "白色",
                                               "李梅", two["clerk"], clock, settings))
    assert err.key == "lease.plate_elsewhere" and UNIT in err.message("zh")
    assert _refused(lambda: leases.file_vehicle(UNIT, "粤B54321", "比亚迪汉", "白色", "",
                                                two["clerk"], clock,
                                                settings)).field == "drivers"


# ---- the lease and its deposit ---------------------------------------------------------------


def test_a_lease_raises_the_hundred_yuan_card_deposit(two: dict, clock: FixedClock,
                                                     settings: Settings) -> None:
    signed = _sign(two, clock, settings)
    lease = ParkingLease.get_by_id(signed.lease.id)
    assert (lease.space, lease.starts_on, lease.ends_on, lease.monthly_fen, lease.card_no,
            lease.deposit_fen, lease.copy_to_security) == (
        "B1-012", TODAY, date(2027, 10, 8), 30000, "0012345", 10000, False)
    deposit = Charge.get_by_id(signed.deposit.id)
    assert (deposit.unit.code, deposit.kind, deposit.amount_fen, deposit.refundable) == (
        UNIT, "parking_card_deposit", 10000, True)
    assert leases.lease_ref(lease.id) in deposit.description
    detail = json.loads(AuditEvent.get(AuditEvent.action == "lease.sign").detail)
    assert detail["deposit_charge"] == deposit.id and detail["plate"] == "粤B·12345"
    # The cashier takes it at F5; the register then shows it paid.
    owed = cviews.owed_items(two["unit"].id, settings.zone)
    assert [(i.key, i.owed_fen) for i in owed] == [(f"charge:{deposit.id}", 10000),
                                                   (f"charge:{signed.rent.id}", 30000)]
    assert lease_rows(TODAY)[0].deposit_paid is False
    take_payment(UNIT, 10000, "cash", two["cashier"], clock, settings)
    assert lease_rows(TODAY)[0].deposit_paid is True


def test_the_deposit_is_the_setting(two: dict, clock: FixedClock) -> None:
    settings = default_settings()
    settings.data["fees"]["parking_card_deposit"] = "150.00"
    assert _sign(two, clock, settings).deposit.amount_fen == 15000


@pytest.mark.parametrize(("starts", "ends"), [
    (date(2026, 10, 9), date(2027, 10, 8)),  # the same term
    (date(2027, 10, 8), date(2028, 10, 7)),  # sharing only the last day
    (date(2026, 9, 1), date(2026, 10, 9)),  # sharing only the first day
    (date(2027, 1, 1), date(2027, 3, 31)),  # inside
])
def test_an_overlapping_lease_of_the_space_is_refused(two: dict, clock: FixedClock,
                                                     settings: Settings, starts: date,
                                                     ends: date) -> None:
    first = _sign(two, clock, settings)
    err = _refused(lambda: _sign(two, clock, settings, unit="3-1-601", plate="粤B·D67890",
                                 starts=starts, ends=ends, card="0099999"))
    assert (err.key, err.field) == ("lease.space_taken", "space")
    text = err.message("zh")
    assert UNIT in text and leases.lease_ref(first.lease.id) in text


def test_the_space_is_free_once_the_lease_is_over(two: dict, clock: FixedClock,
                                                 settings: Settings) -> None:
    _sign(two, clock, settings)
    after = _sign(two, clock, settings, unit="3-1-601", plate="粤B·D67890",
                  starts=date(2027, 10, 9), ends=date(2028, 10, 8), card="0099999")
    assert after.lease.space == "B1-012"
    # Typed in another case and with a space, it is still the same space.
    err = _refused(lambda: _sign(two, clock, settings, unit="3-1-601", plate="粤B·D67890",
                                 space="b1 - 012", starts=date(2028, 1, 1),
                                 ends=date(2028, 2, 1), card="0099998"))
    assert err.key == "lease.space_taken"


def test_a_vehicle_or_card_on_another_lease_is_refused(two: dict, clock: FixedClock,
                                                      settings: Settings) -> None:
    _sign(two, clock, settings)
    assert _refused(lambda: _sign(two, clock, settings, space="B1-013",
                                  card="0099999")).key == "lease.vehicle_leased"
    assert _refused(lambda: _sign(two, clock, settings, unit="3-1-601", plate="粤B·D67890",
                                  space="B1-013")).key == "lease.card_in_use"


@pytest.mark.parametrize(("change", "key"), [
    ({"plate": "粤B·99999"}, "lease.vehicle_not_filed"),
    ({"plate": "粤B·D67890"}, "lease.plate_elsewhere"),
    ({"space": " "}, "lease.space_needed"),
    ({"ends": date(2026, 10, 1), "starts": date(2026, 9, 1)}, "lease.ends_in_past"),
    ({"ends": date(2026, 10, 1)}, "lease.ends_before_start"),
    ({"card": "12-34"}, "lease.bad_card"),
])
def test_sign_checks_its_fields(two: dict, clock: FixedClock, settings: Settings,
                                change: dict, key: str) -> None:
    assert _refused(lambda: _sign(two, clock, settings, **change)).key == key


def test_only_the_desk_signs(two: dict, clock: FixedClock, settings: Settings) -> None:
    err = _refused(lambda: leases.sign_lease(UNIT, "粤B·12345", "B1-012", TODAY,
                                             date(2027, 10, 8), 30000, "1", two["guard"], clock,
                                             settings))
    assert err.key == "auth.not_allowed"


# ---- KF-018 §4.5: the file's two copies; ending a lease ----------------------------------------


def test_copy_two_goes_to_security(two: dict, clock: FixedClock, settings: Settings,
                                   tmp_path: Path) -> None:
    lease = _sign(two, clock, settings).lease
    where = leases.print_vehicle_file(lease.id, 1, tmp_path, two["clerk"], clock, settings,
                                      "zh")
    text = Path(where).read_text(encoding="utf-8")
    assert "车辆管理档案" in text and "第一联" in text and "粤B·12345" in text
    assert "王建国" in text and "B1-012" in text and "¥100.00" in text and "（未交）" in text
    assert not ParkingLease.get_by_id(lease.id).copy_to_security
    where = leases.print_vehicle_file(lease.id, 2, tmp_path, two["clerk"], clock, settings,
                                      "zh")
    assert "第二联 交协管部" in Path(where).read_text(encoding="utf-8")
    assert ParkingLease.get_by_id(lease.id).copy_to_security
    assert lease_rows(TODAY)[0].copy_to_security
    assert [json.loads(e.detail)["copy"] for e in AuditEvent.select().where(
        AuditEvent.action == "lease.print").order_by(AuditEvent.id)] == [1, 2]


def test_ending_a_lease_frees_the_space_the_next_day(two: dict, clock: FixedClock,
                                                    settings: Settings) -> None:
    lease = _sign(two, clock, settings).lease
    err = _refused(lambda: leases.end_lease(lease.id, date(2027, 12, 1), two["clerk"], clock,
                                            settings))
    assert err.key == "lease.end_after_term"
    leases.end_lease(lease.id, date(2026, 10, 31), two["clerk"], clock, settings)
    assert ParkingLease.get_by_id(lease.id).ends_on == date(2026, 10, 31)
    _sign(two, clock, settings, unit="3-1-601", plate="粤B·D67890", starts=date(2026, 11, 1),
          ends=date(2027, 10, 31), card="0099999")
    rows = lease_rows(TODAY)
    assert [(r.unit, r.state) for r in rows] == [(UNIT, "current"), ("3-1-601", "upcoming")]


def test_a_lease_cancelled_before_it_begins_holds_no_days(two: dict, clock: FixedClock,
                                                         settings: Settings) -> None:
    lease = _sign(two, clock, settings, starts=date(2026, 11, 1)).lease
    leases.end_lease(lease.id, date(2026, 10, 31), two["clerk"], clock, settings)
    # Ending before the first day cancels it: the space is free for any days.
    _sign(two, clock, settings, unit="3-1-601", plate="粤B·D67890", starts=date(2026, 10, 20),
          ends=date(2027, 10, 19), card="0099999")
    assert _refused(lambda: leases.end_lease(lease.id, date(2026, 10, 31), two["clerk"], clock,
                                             settings)).key == "lease.already_ended"


# ---- the rent and the card (KF-001 §9, KF-018 §4.3–4.4, RULES v2 item 10; issue 17) -----------


def test_rent_periods_follow_the_cycle_from_the_first_day() -> None:
    quarters = leases.rent_periods(date(2026, 10, 9), date(2027, 10, 8), "quarterly", 30000)
    assert [(p.start, p.end, p.amount_fen) for p in quarters] == [
        (date(2026, 10, 9), date(2027, 1, 8), 90000),
        (date(2027, 1, 9), date(2027, 4, 8), 90000),
        (date(2027, 4, 9), date(2027, 7, 8), 90000),
        (date(2027, 7, 9), date(2027, 10, 8), 90000)]
    assert len(leases.rent_periods(date(2026, 10, 9), date(2027, 10, 8), "monthly", 30000)) == 12
    year = leases.rent_periods(date(2026, 1, 31), date(2026, 12, 31), "yearly", 15000)
    assert [(p.start, p.end, p.amount_fen) for p in year] == [
        (date(2026, 1, 31), date(2026, 12, 31), 165000 + 484)]  # 11 months + 1 day of 31
    # A lease ending mid-period pays its whole months and the rest by the day, half up.
    short = leases.rent_periods(date(2026, 10, 1), date(2026, 11, 10), "quarterly", 30000)
    assert [(p.start, p.end, p.amount_fen) for p in short] == [
        (date(2026, 10, 1), date(2026, 11, 10), 30000 + 10000)]


def test_signing_raises_the_first_period_and_the_card_waits_for_payment(
        two: dict, clock: FixedClock, settings: Settings) -> None:
    signed = leases.sign_lease(UNIT, "粤B·12345", "B1-012", TODAY, date(2027, 10, 8), 30000,
                               "0012345", two["clerk"], clock, settings, rent_cycle="quarterly")
    rent = Charge.get_by_id(signed.rent.id)
    assert (rent.kind, rent.amount_fen, rent.with_bill_month) == ("parking_lease", 90000,
                                                                  "2026-10")
    assert "2026-10-09" in rent.description and "2027-01-08" in rent.description
    assert ParkingLease.get_by_id(signed.lease.id).rent_cycle == "quarterly"
    # Only the first period: later quarters wait for their bill runs.
    assert Charge.select().where(Charge.kind == "parking_lease").count() == 1
    lease_id = signed.lease.id
    err = _refused(lambda: leases.issue_card(lease_id, two["clerk"], clock, settings))
    assert err.key == "lease.card_unpaid"
    assert "¥100.00" in err.message("zh") and "¥900.00" in err.message("zh")
    take_payment(UNIT, 10000, "cash", two["cashier"], clock, settings)  # the deposit only
    err = _refused(lambda: leases.issue_card(lease_id, two["clerk"], clock, settings))
    assert err.key == "lease.card_unpaid" and "¥0.00" in err.message("zh")
    take_payment(UNIT, 90000, "cash", two["cashier"], clock, settings)
    issued = leases.issue_card(lease_id, two["clerk"], clock, settings)
    assert issued.card_issued_at == clock.now() and issued.card_issued_by_id == two["clerk"].id
    assert AuditEvent.select().where(AuditEvent.action == "lease.card").count() == 1
    assert _refused(lambda: leases.issue_card(lease_id, two["clerk"], clock, settings)
                    ).key == "lease.card_already"


def test_the_bill_run_raises_each_period_once_when_it_falls_due(
        two: dict, clock: FixedClock, settings: Settings) -> None:
    signed = leases.sign_lease(UNIT, "粤B·12345", "B1-012", TODAY, date(2027, 10, 8), 30000,
                               "0012345", two["clerk"], clock, settings, rent_cycle="quarterly")
    clerk = two["cashier"]  # who runs the bills
    assert leases.raise_rent_due(date(2026, 11, 1), clerk, clock, settings) == []
    assert leases.raise_rent_due(date(2026, 12, 1), clerk, clock, settings) == []
    january = leases.raise_rent_due(date(2027, 1, 1), clerk, clock, settings)
    assert [(c.amount_fen, c.with_bill_month) for c in january] == [(90000, "2027-01")]
    assert leases.raise_rent_due(date(2027, 1, 1), clerk, clock, settings) == []  # once
    # A missed run is caught up by the next one, each period still charged once.
    caught = leases.raise_rent_due(date(2027, 7, 1), clerk, clock, settings)
    assert [c.with_bill_month for c in caught] == ["2027-04", "2027-07"]
    assert Charge.select().where(Charge.kind == "parking_lease").count() == 4
    assert signed.lease.rents.count() == 4


def test_a_lease_from_before_rent_was_charged_is_billed_from_the_run_on(
        two: dict, clock: FixedClock, settings: Settings) -> None:
    vehicle = Vehicle.get(Vehicle.plate == "粤B·12345")
    ParkingLease.create(unit=two["unit"], vehicle=vehicle, space="P-001",
                        starts_on=date(2025, 3, 15), ends_on=date(2027, 3, 14),
                        monthly_fen=15000, card_no="IC1")
    raised = leases.raise_rent_due(date(2026, 10, 1), two["cashier"], clock, settings)
    assert [(c.amount_fen, c.with_bill_month) for c in raised] == [(15000, "2026-10")]


def test_unpaid_rent_is_in_the_arrears_and_the_dunning_ladder(
        two: dict, clock: FixedClock, settings: Settings) -> None:
    from kfdesk.views import arrears_list, unit_arrears
    from kfdesk.views import dunning as dv

    signed = leases.sign_lease(UNIT, "粤B·12345", "B1-012", TODAY, date(2027, 10, 8), 30000,
                               "0012345", two["clerk"], clock, settings)
    take_payment(UNIT, 10000, "cash", two["cashier"], clock, settings)  # deposit paid
    owed = unit_arrears(UNIT)
    assert [(a.month, a.item, a.owed_fen) for a in owed.lines] == [
        ("2026-10", "parking_rent", 30000)]
    assert owed.charges == () and owed.total_fen == 30000
    assert [(r.code, r.months, r.owed_fen) for r in arrears_list(settings.zone)] == [
        (UNIT, 1, 30000)]
    ladder = dv.unit_ladder(UNIT, settings)
    assert ladder.owed_fen == 30000 and [i.item for i in ladder.items] == ["parking_rent"]
    assert dv.arrears_since([two["unit"].id])[two["unit"].id] == signed.rent.created_at
    # The desk's call (KF-016 §3.2) names it like a fee.
    from kfdesk.desk import dunning as dn

    script = dn.call_script(UNIT, date(2026, 10, 16), two["clerk"], clock.now(), settings, "zh")
    assert "车位租金：2026年10月（1 个月），¥300.00" in script
    # The second-notice clock counts the rent's month as the list does (KF-016 §3.4).
    from kfdesk.models import Bill, BillLine
    from kfdesk.rules.sync import months_in_arrears

    assert months_in_arrears(two["unit"].id) == 1
    bill = Bill.create(unit=two["unit"], month="2026-09", created_at=clock.now(),
                       total_fen=16042)
    BillLine.create(bill=bill, item="property_fee", quantity_centi=100, rate_e4=10000,
                    amount_fen=16042)
    assert months_in_arrears(two["unit"].id) == 2
    assert dv.unit_ladder(UNIT, settings).months == 2


def test_a_lease_needs_a_known_rent_cycle(two: dict, clock: FixedClock,
                                         settings: Settings) -> None:
    err = _refused(lambda: leases.sign_lease(UNIT, "粤B·12345", "B1-012", TODAY,
                                             date(2027, 10, 8), 30000, "0012345",
                                             two["clerk"], clock, settings,
                                             rent_cycle="weekly"))
    assert (err.key, err.field) == ("lease.bad_cycle", "cycle")


def test_the_months_bill_run_raises_the_rent_due_and_the_notice_shows_it(
        two: dict, clock: FixedClock, settings: Settings) -> None:
    from kfdesk.desk import billing

    for item, rate in {"property_fee": "1.80", "maintenance_fund": "0.25", "water": "3.45",
                       "electricity": "0.568"}.items():
        billing.set_rate(item, rate, "2026-01-01", two["cashier"], clock, settings)
    leases.sign_lease(UNIT, "粤B·12345", "B1-012", TODAY, date(2027, 10, 8), 30000,
                      "0012345", two["clerk"], clock, settings)  # monthly
    for month in ("2026-09", "2026-10"):
        for meter, value in (("water", 100 if month == "2026-09" else 110),
                             ("electricity", 1000 if month == "2026-09" else 1100)):
            billing.enter_reading(UNIT, meter, month, value, two["cashier"], clock, settings)
    october = billing.run_bills("2026-10", two["cashier"], clock, settings)
    assert october.rent_charges == 0  # October's period was raised at signing
    clock.advance(timedelta(days=30))  # 8 November: the month has begun
    november = billing.run_bills("2026-11", two["cashier"], clock, settings)
    assert (november.rent_charges, november.rent_fen) == (1, 30000)
    rents = [c for c in Charge.select().where(Charge.kind == "parking_lease")
             .order_by(Charge.id)]
    assert [c.with_bill_month for c in rents] == ["2026-10", "2026-11"]
    notice = billing.payment_notice(UNIT, "2026-10", settings, "zh")
    assert "车位B1-012租金 2026-10-09至2026-11-08" in notice
    assert "车位B1-012租金 2026-11-09至2026-12-08" in notice
