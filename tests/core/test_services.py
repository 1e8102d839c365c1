"""KF-022 paid convenience services and their settlement (KF-015 §6.2.1), through the desk.

Each kind's flow from the counter to close-out; the appliance-repair clocks of KF-022 §2.2 as
stored Deadline rows and as the engine reports them; booking refused until prepaid (§3.3);
amounts exact to the fen from the price list; a refusal changes nothing; audit names the actor.
The fixture clock is 2026-10-09 10:00 Asia/Shanghai.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kfdesk.clock import FixedClock
from kfdesk.config import default_settings
from kfdesk.desk import services as svc
from kfdesk.desk.base import DeskError
from kfdesk.desk.staff import create_staff
from kfdesk.models import (
    AuditEvent,
    Building,
    Charge,
    Deadline,
    Group,
    ServiceOrder,
    Unit,
)
from kfdesk.rules import RuleContext, evaluate
from kfdesk.views import services as sviews

SH = ZoneInfo("Asia/Shanghai")
SETTINGS = default_settings()


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


@pytest.fixture
def desk(store: Path, clock: FixedClock) -> dict:
    clerk = create_staff("clerk", "张敏", "clerk", "1234", clock)
    cashier = create_staff("cashier", "王芳", "cashier", "2345", clock)
    guard = create_staff("guard", "赵强", "security", "3456", clock, department="security")
    group = Group.create(code="E", name="东区")
    building = Building.create(group=group, number="3", name="3栋", floors=18)
    unit = Unit.create(building=building, entrance=1, floor=5, room="502", code="3-1-502",
                       area_centi_m2=8912)
    return {"clerk": clerk, "cashier": cashier, "guard": guard, "unit": unit}


def repair(**changes: str) -> svc.OrderForm:
    values = {"kind": "appliance_repair", "unit": "3-1-502", "contact_name": "王建国",
              "contact_phone": "13812345678", "price_code": "hood_service", "quantity": "1",
              "note": "热水器不点火"}
    values.update(changes)
    return svc.OrderForm(**values)


def booking_form(**changes: str) -> svc.OrderForm:
    b = {"mode": "train", "origin": "深圳北", "destination": "长沙南",
         "travel": "10-15 08:30 G6021", "tickets": "2", "delivery_place": "3-1-502",
         "delivery_time": "10-12 18:00", "fare": "1040", "delivery_fee": "20"}
    b.update(changes)
    return svc.OrderForm(kind="booking", unit="3-1-502", contact_name="王建国",
                         contact_phone="13812345678", booking=svc.BookingForm(**b))


def clocks_of(order: ServiceOrder) -> dict[str, Deadline]:
    return {d.clock: d for d in Deadline.select().where(
        (Deadline.item_kind == "service_order") & (Deadline.item_id == order.id))}


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.select().where(AuditEvent.action == action).order_by(AuditEvent.id))


def alerts_at(now: datetime) -> dict[str, str]:
    return {a.clock: a.state for a in evaluate(now, RuleContext.from_store(SETTINGS))
            if a.item_kind == "service_order"}


# --- appliance repair: KF-022 §2 and the §2.2 clocks -------------------------------------------


def test_appliance_repair_clocks_start_when_the_resident_accepts(desk, clock) -> None:
    """KF-022 §2.2: tell within 15 minutes of acceptance, on site within 30."""
    order = svc.create_order(repair(), desk["clerk"], clock, SETTINGS)
    assert order.amount_fen == 5000 and order.requested_at == clock.now()
    assert clocks_of(order) == {}  # quoted, not accepted: no clock yet

    svc.accept(order.id, desk["clerk"], clock, SETTINGS)
    rows = clocks_of(order)
    assert rows["appliance_tell"].due_at == at(2026, 10, 9, 10, 15)
    assert rows["appliance_on_site"].due_at == at(2026, 10, 9, 10, 30)
    assert rows["appliance_tell"].item_ref == f"S-{order.id:06d}"
    assert rows["appliance_tell"].unit_code == "3-1-502"
    assert all(r.stopped_at is None for r in rows.values())

    assert alerts_at(at(2026, 10, 9, 10, 5)) == {}
    assert alerts_at(at(2026, 10, 9, 10, 12)) == {"appliance_tell": "due_soon"}
    assert alerts_at(at(2026, 10, 9, 10, 16)) == {"appliance_tell": "overdue"}
    assert alerts_at(at(2026, 10, 9, 10, 31)) == {"appliance_tell": "overdue",
                                                  "appliance_on_site": "overdue"}


def test_telling_the_resident_moves_the_on_site_time(desk, clock) -> None:
    """KF-022 §2.2: told within 15 minutes with a new time → on-site due at the agreed time."""
    order = svc.create_order(repair(), desk["clerk"], clock, SETTINGS)
    svc.accept(order.id, desk["clerk"], clock, SETTINGS)
    later = FixedClock(at(2026, 10, 9, 10, 10))
    svc.tell(order.id, at(2026, 10, 9, 11, 0), desk["clerk"], later, SETTINGS,
             reason="维修工在另一户")
    rows = clocks_of(order)
    assert rows["appliance_tell"].stopped_at == at(2026, 10, 9, 10, 10)
    assert rows["appliance_on_site"].due_at == at(2026, 10, 9, 11, 0)
    assert rows["appliance_on_site"].stopped_at is None
    assert alerts_at(at(2026, 10, 9, 10, 40)) == {}  # no longer late at the old 10:30
    assert alerts_at(at(2026, 10, 9, 11, 1)) == {"appliance_on_site": "overdue"}
    saved = ServiceOrder.get_by_id(order.id)
    assert saved.told_at == at(2026, 10, 9, 10, 10)
    assert "维修工在另一户" in saved.note and saved.note.startswith("热水器不点火")

    on_site = FixedClock(at(2026, 10, 9, 10, 55))
    svc.on_site(order.id, desk["clerk"], on_site, SETTINGS)
    rows = clocks_of(order)
    assert rows["appliance_on_site"].stopped_at == at(2026, 10, 9, 10, 55)
    assert alerts_at(at(2026, 10, 9, 12, 0)) == {}


def test_on_site_in_time_stops_both_clocks(desk, clock) -> None:
    order = svc.create_order(repair(), desk["clerk"], clock, SETTINGS)
    svc.accept(order.id, desk["clerk"], clock, SETTINGS)
    svc.on_site(order.id, desk["clerk"], FixedClock(at(2026, 10, 9, 10, 20)), SETTINGS)
    rows = clocks_of(order)
    assert {r.stopped_at for r in rows.values()} == {at(2026, 10, 9, 10, 20)}
    assert alerts_at(at(2026, 10, 9, 11, 0)) == {}


def test_appliance_repair_to_close_out_with_the_bill(desk, clock) -> None:
    """KF-015 §6.2.1: not paid on the spot → settled with this month's fee bill."""
    order = svc.create_order(repair(), desk["clerk"], clock, SETTINGS)
    svc.accept(order.id, desk["clerk"], clock, SETTINGS)
    svc.on_site(order.id, desk["clerk"], FixedClock(at(2026, 10, 9, 10, 25)), SETTINGS)
    svc.done(order.id, desk["clerk"], FixedClock(at(2026, 10, 9, 11, 10)), SETTINGS)
    charge = svc.close_out(order.id, "bill", desk["clerk"], FixedClock(at(2026, 10, 9, 11, 30)),
                           SETTINGS)
    assert charge is not None
    assert (charge.unit_id, charge.kind, charge.amount_fen, charge.paid_fen) == (
        desk["unit"].id, "service", 5000, 0)
    assert charge.with_bill_month == "2026-10"
    assert charge.service_order_id == order.id
    assert charge.created_by_id == desk["clerk"].id
    # RULES v2: the item from the repair price list names the charge.
    assert f"S-{order.id:06d}" in charge.description and "抽油烟机清洗维修" in charge.description
    assert ServiceOrder.get_by_id(order.id).closed_at == at(2026, 10, 9, 11, 30)
    for action in ("service.create", "service.accept", "service.on_site", "service.done",
                   "service.close"):
        (event,) = events(action)
        assert event.actor_id == desk["clerk"].id, action
        assert event.record_type == "ServiceOrder" and event.record_id == order.id
    assert json.loads(events("service.close")[0].detail)["month"] == "2026-10"


def test_the_form_preview_of_the_clocks_is_the_rule(desk, clock) -> None:
    preview = svc.appliance_clocks(clock.now(), SETTINGS)
    assert preview == (at(2026, 10, 9, 10, 15), at(2026, 10, 9, 10, 30))


def test_appliance_steps_in_the_wrong_order_are_refused(desk, clock) -> None:
    order = svc.create_order(repair(), desk["clerk"], clock, SETTINGS)
    for step in (svc.on_site, svc.done):
        with pytest.raises(DeskError) as err:
            step(order.id, desk["clerk"], clock, SETTINGS)
        assert err.value.key in ("service.not_accepted", "service.not_on_site")
    with pytest.raises(DeskError) as err:
        svc.tell(order.id, at(2026, 10, 9, 11, 0), desk["clerk"], clock, SETTINGS)
    assert err.value.key == "service.not_accepted"
    svc.accept(order.id, desk["clerk"], clock, SETTINGS)
    with pytest.raises(DeskError) as err:
        svc.tell(order.id, at(2026, 10, 9, 9, 50), desk["clerk"], clock, SETTINGS)
    assert err.value.key == "service.agreed_in_past" and err.value.field == "agreed"
    with pytest.raises(DeskError) as err:
        svc.close_out(order.id, "cashier", desk["clerk"], clock, SETTINGS)
    assert err.value.key == "service.not_done"
    with pytest.raises(DeskError) as err:
        svc.book(order.id, desk["clerk"], clock, SETTINGS)
    assert err.value.key == "service.not_for_kind"
    assert "小家电维修" in err.value.message("zh")
    assert Charge.select().count() == 0
    assert ServiceOrder.get_by_id(order.id).told_at is None


# --- cleaning and housekeeping: KF-022 §1 ----------------------------------------------------


def test_cleaning_by_the_square_metre_is_exact_to_the_fen(desk, clock) -> None:
    """1.5 yuan/m² × 85.37 m² = 128.055 → ¥128.06 (half up at the fen, never float)."""
    form = svc.OrderForm(kind="cleaning", unit="3-1-502", contact_name="王建国",
                         contact_phone="13812345678", price_code="floor_clean",
                         quantity="85.37", home_from="周六下午 2 点后")
    assert svc.quote(form, SETTINGS).amount_fen == 12806
    order = svc.create_order(form, desk["clerk"], clock, SETTINGS)
    assert (order.price_code, order.quantity_centi, order.amount_fen) == (
        "floor_clean", 8537, 12806)
    assert order.home_from == "周六下午 2 点后"
    assert clocks_of(order) == {}  # no KF-022 §2.2 clocks for cleaning


def test_cleaning_flow_closed_out_at_the_cashier(desk, clock) -> None:
    form = svc.OrderForm(kind="cleaning", unit="3-1-502", contact_name="王建国",
                         contact_phone="13812345678", price_code="home_2r",
                         quantity="1", amount="500", home_from="周末全天")
    order = svc.create_order(form, desk["clerk"], clock, SETTINGS)
    assert order.amount_fen == 50000
    assert sviews.service_order(order.id, SH).state == "new"
    svc.accept(order.id, desk["clerk"], clock, SETTINGS)  # KF-022 §1.2: company contacted
    assert sviews.service_order(order.id, SH).state == "contacted"
    svc.on_site(order.id, desk["clerk"], clock, SETTINGS)
    svc.done(order.id, desk["clerk"], clock, SETTINGS)
    charge = svc.close_out(order.id, "cashier", desk["clerk"], clock, SETTINGS)
    assert charge.with_bill_month == "" and charge.amount_fen == 50000
    assert charge.unit_id == desk["unit"].id
    row = sviews.service_order(order.id, SH)
    assert (row.state, row.settlement) == ("closed", "cashier")


@pytest.mark.parametrize("amount", ["250", "800.01", ""])
def test_a_price_range_needs_an_amount_within_it(desk, clock, amount: str) -> None:
    """home_1r (one room, < 60 m²) is 300–400 yuan a visit: outside (or nothing) is refused,
    and nothing is saved (KF-022 附表三, RULES v2)."""
    form = svc.OrderForm(kind="cleaning", unit="3-1-502", contact_name="王建国",
                         contact_phone="13812345678", price_code="home_1r",
                         quantity="1", amount=amount, home_from="周末")
    with pytest.raises(DeskError) as err:
        svc.create_order(form, desk["clerk"], clock, SETTINGS)
    assert err.value.field == "amount"
    assert err.value.key in ("service.out_of_range", "service.range_amount_needed")
    assert "¥300.00" in err.value.message("zh") and "¥400.00" in err.value.message("zh")
    assert ServiceOrder.select().count() == 0 and events("service.create") == []


def test_a_range_scales_with_the_quantity(desk, clock) -> None:
    """cleaner_single is 8–10 yuan an hour: 3 hours may be ¥24.00–¥30.00."""
    def form(amount: str) -> svc.OrderForm:
        return svc.OrderForm(kind="housekeeping", unit="3-1-502", contact_name="王建国",
                             contact_phone="13812345678", price_code="cleaner_single",
                             quantity="3", amount=amount, home_from="工作日 9:00 后")
    assert svc.quote(form("27"), SETTINGS).amount_fen == 2700
    assert (svc.quote(form("27"), SETTINGS).low_fen, svc.quote(form("27"), SETTINGS).high_fen) \
        == (2400, 3000)
    with pytest.raises(DeskError):
        svc.quote(form("31"), SETTINGS)


def test_cleaning_needs_the_time_the_resident_is_home(desk, clock) -> None:
    """KF-022 §1.1: confirm when the resident is in, so the cleaners can come."""
    form = svc.OrderForm(kind="cleaning", unit="3-1-502", contact_name="王建国",
                         contact_phone="13812345678", price_code="floor_clean", quantity="80")
    with pytest.raises(DeskError) as err:
        svc.create_order(form, desk["clerk"], clock, SETTINGS)
    assert err.value.field == "home_from"


def test_an_item_from_another_part_of_the_list_is_refused(desk, clock) -> None:
    form = svc.OrderForm(kind="cleaning", unit="3-1-502", contact_name="王建国",
                         contact_phone="13812345678", price_code="copy_a4", quantity="3",
                         home_from="周末")
    with pytest.raises(DeskError) as err:
        svc.quote(form, SETTINGS)
    assert (err.value.key, err.value.field) == ("service.bad_item", "price_code")


# --- ticket booking: KF-022 §3 ----------------------------------------------------------------


def test_booking_is_refused_until_fare_and_delivery_fee_are_prepaid(desk, clock) -> None:
    """KF-022 §3.3: the resident prepays at the counter; otherwise we do not take it on."""
    order = svc.create_order(booking_form(), desk["clerk"], clock, SETTINGS)
    assert order.amount_fen == 106000
    details = json.loads(order.details)
    assert details["from"] == "深圳北" and details["tickets"] == 2
    assert (details["fare_fen"], details["delivery_fee_fen"]) == (104000, 2000)
    (prepay,) = Charge.select().where(Charge.service_order == order)
    assert (prepay.amount_fen, prepay.paid_fen, prepay.with_bill_month) == (106000, 0, "")
    assert prepay.unit_id == desk["unit"].id
    assert sviews.service_order(order.id, SH).state == "prepay"

    with pytest.raises(DeskError) as err:
        svc.book(order.id, desk["clerk"], clock, SETTINGS)
    assert err.value.key == "service.prepay_first"
    assert "¥1,060.00" in err.value.message("zh") and "KF-022 §3.3" in err.value.message("en")
    Charge.update(paid_fen=100000).where(Charge.id == prepay.id).execute()  # part paid
    with pytest.raises(DeskError):
        svc.book(order.id, desk["clerk"], clock, SETTINGS)
    assert ServiceOrder.get_by_id(order.id).accepted_at is None
    assert events("service.book") == []

    # The cashier takes the money (another issue): simulated here.
    Charge.update(paid_fen=106000).where(Charge.id == prepay.id).execute()
    assert sviews.service_order(order.id, SH).state == "prepaid"
    svc.book(order.id, desk["clerk"], clock, SETTINGS, reference="订单 E1234")
    assert sviews.service_order(order.id, SH).state == "booked"
    svc.done(order.id, desk["clerk"], clock, SETTINGS)  # tickets delivered
    assert svc.close_out(order.id, "cashier", desk["clerk"], clock, SETTINGS) is None
    assert Charge.select().where(Charge.service_order == order).count() == 1  # no second charge
    row = sviews.service_order(order.id, SH)
    assert (row.state, row.settlement, row.prepaid_fen) == ("closed", "prepaid", 106000)
    assert clocks_of(order) == {}


def test_booking_details_are_checked(desk, clock) -> None:
    for changes, field in (({"origin": ""}, "origin"), ({"tickets": "0"}, "tickets"),
                           ({"fare": "abc"}, "fare"), ({"mode": "bus"}, "mode"),
                           ({"delivery_place": " "}, "delivery_place")):
        with pytest.raises(DeskError) as err:
            svc.create_order(booking_form(**changes), desk["clerk"], clock, SETTINGS)
        assert err.value.field == field, changes
    assert ServiceOrder.select().count() == 0 and Charge.select().count() == 0


def test_accept_on_a_booking_points_to_book(desk, clock) -> None:
    order = svc.create_order(booking_form(), desk["clerk"], clock, SETTINGS)
    with pytest.raises(DeskError) as err:
        svc.accept(order.id, desk["clerk"], clock, SETTINGS)
    assert err.value.key == "service.use_book"


# --- typing, copying, fax: KF-022 §6 -------------------------------------------------------------


@pytest.mark.parametrize(("code", "pages", "fen"), [
    ("type_a3", "3", 4500),  # 3 × A3 typing at 15 yuan = ¥45.00
    ("type_a4", "2", 1600),
    ("copy_a4", "7", 700),
    ("copy_a3", "12", 2400),
    ("fax_local", "4", 1200),
    ("fax_long", "2", 1000),
])
def test_office_work_is_price_times_pages_exactly(desk, clock, code: str, pages: str,
                                                  fen: int) -> None:
    form = svc.OrderForm(kind="office", price_code=code, quantity=pages)
    q = svc.quote(form, SETTINGS)
    assert q.amount_fen == fen and q.quantity_centi == int(pages) * 100


def test_copying_for_a_walk_in_is_done_on_the_spot_and_paid_at_the_cashier(desk, clock) -> None:
    form = svc.OrderForm(kind="office", price_code="type_a3", quantity="3")
    order = svc.create_order(form, desk["clerk"], clock, SETTINGS)
    assert order.unit_id is None and order.amount_fen == 4500
    assert order.done_at == clock.now()  # KF-022 §6: done while the resident waits
    with pytest.raises(DeskError) as err:  # no unit, no monthly bill (KF-015 §6.2.1)
        svc.close_out(order.id, "bill", desk["clerk"], clock, SETTINGS)
    assert err.value.key == "service.bill_needs_unit"
    assert Charge.select().count() == 0 and ServiceOrder.get_by_id(order.id).closed_at is None
    assert events("service.close") == []
    charge = svc.close_out(order.id, "cashier", desk["clerk"], clock, SETTINGS)
    assert (charge.unit_id, charge.amount_fen, charge.with_bill_month) == (None, 4500, "")
    assert "打字 A3" in charge.description


def test_pages_are_whole_and_a_list_price_is_not_typed_over(desk, clock) -> None:
    with pytest.raises(DeskError) as err:
        svc.quote(svc.OrderForm(kind="office", price_code="copy_a4", quantity="2.5"), SETTINGS)
    assert err.value.key == "service.whole_quantity" and "张" in err.value.message("zh")
    with pytest.raises(DeskError) as err:
        svc.quote(svc.OrderForm(kind="office", price_code="copy_a4", quantity="2",
                                amount="1.50"), SETTINGS)
    assert err.value.key == "service.amount_is_listed"
    # Full-width digits from a Chinese input method are read as digits.
    assert svc.quote(svc.OrderForm(kind="office", price_code="copy_a4", quantity="３"),
                     SETTINGS).amount_fen == 300


# --- settlement month, refusals, roles -------------------------------------------------------


@pytest.mark.parametrize(("local", "month"), [
    (at(2026, 10, 31, 23, 30), "2026-10"),
    (at(2026, 11, 1, 0, 30), "2026-11"),  # still 10-31 in UTC: the office's month counts
])
def test_the_bill_month_is_the_office_zone_month(desk, clock, local: datetime,
                                                 month: str) -> None:
    order = svc.create_order(svc.OrderForm(kind="office", unit="3-1-502", price_code="copy_a4",
                                           quantity="10"), desk["clerk"], clock, SETTINGS)
    charge = svc.close_out(order.id, "bill", desk["clerk"], FixedClock(local), SETTINGS)
    assert charge.with_bill_month == month


@pytest.mark.parametrize(("changes", "field"), [
    ({"contact_phone": "12345"}, "phone"),
    ({"contact_phone": ""}, "phone"),
    ({"unit": "9-9-999"}, "unit"),
    ({"unit": ""}, "unit"),
    # RULES v2: the repair is quoted from the list — an item is needed, nothing is typed over.
    ({"price_code": ""}, "price_code"),
    ({"price_code": "floor_clean"}, "price_code"),
    ({"quantity": "0"}, "quantity"),
    ({"amount": "45"}, "amount"),
    ({"contact_name": "  "}, "contact_name"),
    ({"kind": "massage"}, "kind"),
])
def test_bad_input_changes_nothing(desk, clock, changes: dict, field: str) -> None:
    with pytest.raises(DeskError) as err:
        svc.create_order(repair(**changes), desk["clerk"], clock, SETTINGS)
    assert err.value.field == field
    assert err.value.message("zh") != err.value.key  # a catalogue text, not the key
    assert ServiceOrder.select().count() == 0
    assert Charge.select().count() == 0
    assert events("service.create") == [] and Deadline.select().count() == 0


@pytest.mark.parametrize("who", ["cashier", "guard"])
def test_cashier_and_security_only_read(desk, clock, who: str) -> None:
    with pytest.raises(DeskError) as err:
        svc.create_order(repair(), desk[who], clock, SETTINGS)
    assert err.value.key == "auth.not_allowed"
    assert "登记便民服务" in err.value.message("zh")
    order = svc.create_order(repair(), desk["clerk"], clock, SETTINGS)
    for step in (svc.accept, svc.on_site, svc.done, svc.book):
        with pytest.raises(DeskError) as err:
            step(order.id, desk[who], clock, SETTINGS)
        assert err.value.key == "auth.not_allowed"
    with pytest.raises(DeskError):
        svc.close_out(order.id, "cashier", desk[who], clock, SETTINGS)
    assert ServiceOrder.get_by_id(order.id).accepted_at is None
    assert [e.actor_id for e in AuditEvent.select().where(
        AuditEvent.action.startswith("service."))] == [desk["clerk"].id]


def test_a_closed_order_takes_no_more_steps(desk, clock) -> None:
    order = svc.create_order(svc.OrderForm(kind="office", price_code="copy_a4", quantity="1"),
                             desk["clerk"], clock, SETTINGS)
    svc.close_out(order.id, "cashier", desk["clerk"], clock, SETTINGS)
    with pytest.raises(DeskError) as err:
        svc.close_out(order.id, "cashier", desk["clerk"], clock, SETTINGS)
    assert err.value.key == "service.closed"
    assert Charge.select().count() == 1


@pytest.mark.parametrize(("text", "expected"), [
    ("10:50", at(2026, 10, 9, 10, 50)),
    ("1050", at(2026, 10, 9, 10, 50)),
    ("１０：５０", at(2026, 10, 9, 10, 50)),
    ("10-12 09:00", at(2026, 10, 12, 9, 0)),
    ("2026-10-12 09:00", at(2026, 10, 12, 9, 0)),
])
def test_agreed_times_as_the_clerk_types_them(clock, text: str, expected: datetime) -> None:
    assert svc.parse_time(text, clock.now(), SH) == expected


@pytest.mark.parametrize("text", ["", "25:00", "10-32 09:00", "soon"])
def test_a_time_that_is_not_one_is_refused(clock, text: str) -> None:
    with pytest.raises(DeskError) as err:
        svc.parse_time(text, clock.now(), SH)
    assert err.value.field == "agreed"


# --- the read view ----------------------------------------------------------------------------


def test_the_queue_lists_open_orders_and_todays_closed(desk, clock) -> None:
    yesterday = FixedClock(at(2026, 10, 8, 15, 0))
    old = svc.create_order(svc.OrderForm(kind="office", price_code="copy_a4", quantity="1"),
                           desk["clerk"], yesterday, SETTINGS)
    svc.close_out(old.id, "cashier", desk["clerk"], yesterday, SETTINGS)
    today = svc.create_order(svc.OrderForm(kind="office", price_code="copy_a4", quantity="2"),
                             desk["clerk"], clock, SETTINGS)
    svc.close_out(today.id, "cashier", desk["clerk"], clock, SETTINGS)
    open_one = svc.create_order(repair(), desk["clerk"], clock, SETTINGS)
    svc.accept(open_one.id, desk["clerk"], clock, SETTINGS)
    rows = sviews.service_queue(clock.now() + timedelta(minutes=5), SH)
    assert [r.id for r in rows] == [open_one.id, today.id]
    row = rows[0]
    assert row.ref == f"S-{open_one.id:06d}" and row.state == "accepted"
    assert row.phone == "138****5678" and row.unit == "3-1-502" and row.taken_by == "张敏"
    assert row.tell_due == at(2026, 10, 9, 10, 15) and row.on_site_due == at(2026, 10, 9, 10, 30)
    assert row.requested_at.tzinfo is not None and row.requested_at.utcoffset() == \
        timedelta(hours=8)
    assert sviews.find_service_order(f"s{open_one.id}", SH).id == open_one.id
