"""F10 paid services (KF-022) driven by real keystrokes: the queue of the demo's orders, a
clerk taking an appliance repair through to close-out on the bill, a copying order for a
walk-in, a booking that waits for its prepayment, read-only roles, and the screen in English.

Expectations are read through ``kfdesk.views.services`` on the same store.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from helpers import column_texts, screen_text, table_rows
from kfdesk_screens.help import HelpScreen
from kfdesk_screens.services import ServiceForm, ServicesScreen, SettleForm, TellForm
from kfdesk_screens.widgets.table import FitTable

from kfdesk.config import default_settings
from kfdesk.desk import services as svc
from kfdesk.i18n import t
from kfdesk.models import Charge, Deadline, ServiceOrder, Staff
from kfdesk.views.services import service_order, service_queue

Z = ZoneInfo("Asia/Shanghai")
SIZE = (120, 40)
NOW = datetime(2026, 10, 9, 10, 0, tzinfo=Z)
LANGS = pytest.mark.parametrize("lang", ["zh", "en"])


def newest() -> ServiceOrder:
    return ServiceOrder.select().order_by(ServiceOrder.id.desc()).get()


async def open_services(app, pilot) -> FitTable:  # noqa: ANN001
    await app.workers.wait_for_complete()
    await pilot.press("f10")
    await pilot.pause()
    assert isinstance(app.screen, ServicesScreen)
    return app.screen.query_one("#services", FitTable)


@LANGS
async def test_f10_shows_the_demo_orders(make_app, lang: str) -> None:  # noqa: ANN001
    app = make_app(lang)
    async with app.run_test(size=SIZE) as pilot:
        table = await open_services(app, pilot)
        rows = service_queue(NOW, Z)
        assert rows, "the demo has open service orders"
        assert sorted(table.row_keys) == sorted(r.ref for r in rows)
        text = screen_text(app)
        for r in rows:
            assert t(f"service.kind.{r.kind}", lang=lang) in text
            assert t(f"service.state.{r.state}", lang=lang) in text
        # The demo's repair accepted this morning, resident told: on site by the agreed time
        # (KF-022 §2.2), in words in the due column.
        told = next(r for r in rows if r.kind == "appliance_repair" and r.state == "told")
        due = dict(zip(table.row_keys, column_texts(table, 1), strict=True))[told.ref]
        assert told.on_site_due.strftime("%H:%M") in due
        # The detail panel under the list shows the selected order in full.
        table.select_key(told.ref)
        table.focus()
        await pilot.pause()
        panel = app.screen.query_one("#service-panel")
        assert told.ref in panel.border_title
        assert told.contact in screen_text(app)


async def test_clerk_takes_an_appliance_repair_to_the_bill(make_app) -> None:  # noqa: ANN001
    """KF-022 §2 by keyboard: quote, accept (clocks), on site, done, close out to the bill."""
    app = make_app("zh")
    async with app.run_test(size=SIZE) as pilot:
        table = await open_services(app, pilot)
        before = ServiceOrder.select().count()
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ServiceForm)
        assert form.kind == "appliance_repair"  # the first choice: the one with clocks
        # The clocks the order will start, before anything is saved (KF-022 §2.2).
        clocks = str(form.query_one("#sf-clocks").render())
        assert "10:15" in clocks and "10:30" in clocks
        await pilot.press("tab", *"3-1-502")
        await pilot.pause(0.4)  # the unit lookup's debounce
        await pilot.press("enter")
        await pilot.pause()
        assert "3-1-502" in str(form.query_one("#f-unit-picked").render())
        assert form.focused.id == "f-contact_name" and form.focused.value  # the owner
        await pilot.press("enter")
        await pilot.press(*"13812345678")
        await pilot.press("enter")
        await pilot.pause()
        # RULES v2: the quote comes from the repair price list, never typed.
        assert form.focused.id == "f-price_code"
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("enter")  # the first line: 小家电维修 (人工), ¥30.00 each
        await pilot.pause()
        assert form.focused.id == "f-quantity"
        await pilot.press(*"2")
        await pilot.pause()
        assert "¥60.00" in str(form.query_one("#sf-price").render())  # live
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press(*"no drain", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ServicesScreen)
        assert ServiceOrder.select().count() == before + 1
        order = newest()
        assert (order.kind, order.amount_fen, order.contact_phone) == (
            "appliance_repair", 6000, "13812345678")
        assert order.unit.code == "3-1-502" and order.note == "no drain"
        ref = svc.order_ref(order.id)
        assert table.selected_key() == ref  # the cursor is on the new order

        await pilot.press("a")  # the resident accepts the quote: the clocks start
        await pilot.pause()
        rows = {d.clock: d for d in Deadline.select().where(
            (Deadline.item_kind == "service_order") & (Deadline.item_id == order.id))}
        assert rows["appliance_tell"].due_at == datetime(2026, 10, 9, 10, 15, tzinfo=Z)
        assert rows["appliance_on_site"].due_at == datetime(2026, 10, 9, 10, 30, tzinfo=Z)
        assert service_order(order.id, Z).state == "accepted"
        row = dict(zip(table.row_keys, table_rows(table), strict=True))[ref]
        assert "10:15" in row[1]  # the first clock, in words

        await pilot.press("o")
        await pilot.pause()
        assert service_order(order.id, Z).state == "on_site"
        await pilot.press("d")
        await pilot.pause()
        assert service_order(order.id, Z).state == "done"
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, SettleForm)
        assert "2026-10" in screen_text(app)
        await pilot.press("down", "enter")  # the second choice: with this month's bill
        await pilot.pause()
        assert isinstance(app.screen, ServicesScreen)
        (charge,) = Charge.select().where(Charge.service_order == order.id)
        assert (charge.amount_fen, charge.with_bill_month, charge.unit_id) == (
            6000, "2026-10", order.unit_id)
        assert service_order(order.id, Z).state == "closed"
        assert t("service.settle.bill", month="2026-10") in screen_text(app)


async def test_telling_the_resident_moves_the_time(make_app) -> None:  # noqa: ANN001
    app = make_app("zh")
    async with app.run_test(size=SIZE) as pilot:
        table = await open_services(app, pilot)
        staff = app.session.staff
        order = svc.create_order(svc.OrderForm(
            kind="appliance_repair", unit="3-1-502", contact_name="王建国",
            contact_phone="13812345678", price_code="appliance_fix", quantity="1"), staff,
            app.session.clock,
            default_settings())
        svc.accept(order.id, staff, app.session.clock, default_settings())
        app.screen.reload()
        table.select_key(svc.order_ref(order.id))
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TellForm)
        await pilot.press(*"9:30", "enter")
        await pilot.pause()
        await pilot.press("enter")  # save: refused in place, the time is past
        await pilot.pause()
        assert isinstance(app.screen, TellForm)
        assert t("service.agreed_in_past") in screen_text(app)
        assert app.screen.focused.id == "f-agreed"
        await pilot.press(*"11:00", "enter")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ServicesScreen)
        row = service_order(order.id, Z)
        assert row.state == "told" and row.agreed_at == datetime(2026, 10, 9, 11, 0, tzinfo=Z)
        assert row.on_site_due == datetime(2026, 10, 9, 11, 0, tzinfo=Z)


async def test_a_copying_order_for_a_walk_in(make_app) -> None:  # noqa: ANN001
    """KF-022 §6: item and pages from the list, price × pages live, paid at the cashier."""
    app = make_app("zh")
    async with app.run_test(size=SIZE) as pilot:
        await open_services(app, pilot)
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        await pilot.press("enter")  # open the kinds
        await pilot.pause()
        await pilot.press("down", "down", "down", "down", "enter")  # 打字复印传真
        await pilot.pause()
        assert form.kind == "office"
        assert form.focused is form.query_one("#f-unit").input  # moved on
        await pilot.press("tab", "tab", "tab")  # no unit, no name, no phone: a walk-in
        await pilot.pause()
        assert form.focused.id == "f-price_code"
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("down", "down", "down", "enter")  # 复印 A3, ¥2.00 a page
        await pilot.pause()
        assert form.focused.id == "f-quantity"
        await pilot.press(*"12")
        await pilot.pause()
        price = str(form.query_one("#sf-price").render())
        assert "¥24.00" in price and "¥2.00" in price
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ServicesScreen)
        order = newest()
        assert (order.kind, order.price_code, order.quantity_centi, order.amount_fen) == (
            "office", "copy_a3", 1200, 2400)
        assert order.unit_id is None and order.done_at is not None  # done on the spot
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, SettleForm)
        assert t("ui.services.settle.bill_no_unit") in screen_text(app)
        await pilot.press("enter")  # pay at the cashier now
        await pilot.pause()
        (charge,) = Charge.select().where(Charge.service_order == order.id)
        assert (charge.unit_id, charge.amount_fen, charge.with_bill_month) == (None, 2400, "")


async def test_a_booking_waits_for_its_prepayment(make_app) -> None:  # noqa: ANN001
    """KF-022 §3.3: b is refused with the reason until the cashier has taken the money."""
    app = make_app("zh")
    async with app.run_test(size=SIZE) as pilot:
        table = await open_services(app, pilot)
        order = svc.create_order(svc.OrderForm(
            kind="booking", unit="3-1-502", contact_name="王建国", contact_phone="13812345678",
            booking=svc.BookingForm(origin="深圳北", destination="长沙南", travel="10-15 08:30",
                                    tickets="2", delivery_place="3-1-502", fare="1040",
                                    delivery_fee="20")),
            app.session.staff, app.session.clock, default_settings())
        app.screen.reload()
        table.select_key(svc.order_ref(order.id))
        table.focus()
        await pilot.pause()
        assert "¥1,060.00" in screen_text(app)
        await pilot.press("b")
        await pilot.pause()
        assert service_order(order.id, Z).state == "prepay"
        assert any("¥1,060.00" in str(n.message) for n in app._notifications)  # noqa: SLF001
        Charge.update(paid_fen=Charge.amount_fen).where(
            Charge.service_order == order.id).execute()  # the cashier screen's job
        app.screen.reload()
        await pilot.press("b")
        await pilot.pause()
        assert service_order(order.id, Z).state == "booked"


async def test_esc_asks_before_dropping_typed_input(make_app) -> None:  # noqa: ANN001
    app = make_app("zh")
    async with app.run_test(size=SIZE) as pilot:
        await open_services(app, pilot)
        before = ServiceOrder.select().count()
        await pilot.press("n")
        await pilot.pause()
        await pilot.press("tab", "tab", *"Wang")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ServiceForm)
        assert t("ui.services.form.unsaved") in screen_text(app)
        await pilot.press("ctrl+s")  # refused in place: no unit
        await pilot.pause()
        assert isinstance(app.screen, ServiceForm)
        assert t("service.unit_needed") in screen_text(app)
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert isinstance(app.screen, ServicesScreen)
        assert ServiceOrder.select().count() == before


@pytest.mark.parametrize("login", ["cashier", "guard"])
async def test_cashier_and_security_read_only(make_app, login: str) -> None:  # noqa: ANN001
    app = make_app("zh")
    staff = Staff.get_or_none(Staff.login == login) or Staff.get(Staff.role == "security")
    app.session.staff = staff
    async with app.run_test(size=SIZE) as pilot:
        table = await open_services(app, pilot)
        assert table.row_count
        footer = screen_text(app).splitlines()[-1]
        assert t("ui.services.key.new") not in footer
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, ServicesScreen)


async def test_the_screen_in_english(make_app) -> None:  # noqa: ANN001
    app = make_app("en")
    async with app.run_test(size=SIZE) as pilot:
        await open_services(app, pilot)
        text = screen_text(app)
        assert "Appliance repair" in text and "Private cleaning" in text
        assert "n New" in text.splitlines()[-1]
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        app.screen.query_one("#help-box").scroll_end(animate=False)
        await pilot.pause()
        help_text = screen_text(app)
        assert "KF-022 §2.2" in help_text and "KF-015 §6.2.1" in help_text
        await pilot.press("f1")
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, ServiceForm)
        assert "New service order" in screen_text(app)
        assert "on site by 10:30" in screen_text(app)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_the_queue_fits_its_width(make_app, lang: str, size: tuple[int, int]) -> None:  # noqa: ANN001
    app = make_app(lang)
    async with app.run_test(size=size) as pilot:
        table = await open_services(app, pilot)
        used = sum(c.get_render_width(table) for c in table.columns.values())
        assert used <= table.size.width - 1
        assert "item" in table.columns  # what was ordered stays, even at 80 columns


async def test_a_cleaning_order_records_the_company_contacted(make_app) -> None:  # noqa: ANN001
    """KF-022 §1.2: the same key "a" reads "contacted" on a cleaning order."""
    app = make_app("zh")
    async with app.run_test(size=SIZE) as pilot:
        table = await open_services(app, pilot)
        row = next(r for r in service_queue(NOW, Z) if r.kind == "cleaning" and r.state == "new")
        table.select_key(row.ref)
        table.focus()
        await pilot.pause()
        footer = screen_text(app).splitlines()[-1]
        assert f"a {t('ui.services.key.contact')}" in footer
        assert f"a {t('ui.services.key.accept')}" not in footer
        await pilot.press("a")
        await pilot.pause()
        assert service_order(row.id, Z).state == "contacted"
        assert not Deadline.select().where((Deadline.item_kind == "service_order")
                                           & (Deadline.item_id == row.id)).exists()


def test_binding_descriptions_are_catalogue_keys() -> None:
    from kfdesk.i18n import catalogue

    for cls in (ServicesScreen, ServiceForm, TellForm, SettleForm):
        for _key, binding in cls._merged_bindings:  # noqa: SLF001
            if binding.id is None:
                continue
            for lang in ("zh", "en"):
                assert binding.description in catalogue(lang), (cls.__name__, binding)
