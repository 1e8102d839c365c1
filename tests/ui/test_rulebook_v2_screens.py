"""RULES v2 (issue 18) on the screens, by keystroke: F10 `e` records engineering's arrival
within the 30 minutes and the 15-minute clock stops (KF-022 §2.2); F10 `p` prints a
booking's record in two parts once prepaid (KF-022 §3.3), refused in place before."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from helpers import screen_text
from kfdesk_screens.services import ArrivalForm, ServicesScreen
from kfdesk_screens.widgets.table import FitTable

from kfdesk.config import default_settings
from kfdesk.desk import services as svc
from kfdesk.i18n import t
from kfdesk.models import Charge, Deadline, ServiceOrder

Z = ZoneInfo("Asia/Shanghai")
LANGS = pytest.mark.parametrize("lang", ["zh", "en"])


async def open_services(app, pilot) -> FitTable:  # noqa: ANN001
    await app.workers.wait_for_complete()
    await pilot.press("f10")
    await pilot.pause()
    assert isinstance(app.screen, ServicesScreen)
    return app.screen.query_one("#services", FitTable)


@LANGS
async def test_an_arrival_within_30_minutes_stops_the_15_minute_clock(make_app,  # noqa: ANN001
                                                                      lang: str) -> None:
    app = make_app(lang)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await open_services(app, pilot)
        staff, clock = app.session.staff, app.session.clock
        order = svc.create_order(svc.OrderForm(
            kind="appliance_repair", unit="3-1-502", contact_name="王建国",
            contact_phone="13812345678", price_code="appliance_fix", quantity="1"), staff,
            clock, default_settings())
        svc.accept(order.id, staff, clock, default_settings())  # 10:00: tell by 10:15
        app.screen.reload()
        table.select_key(svc.order_ref(order.id))
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, ArrivalForm)
        await pilot.press(*"10:45", "enter")  # past the 30 minutes: refused, says t
        await pilot.pause()
        assert isinstance(app.screen, ArrivalForm)
        assert t("service.arrival_late", lang=lang, latest="10:30")[:12] in screen_text(app)
        app.screen.query_one("#f-arrival").value = "10:20"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ServicesScreen)
        row = ServiceOrder.get_by_id(order.id)
        assert row.arrival_at == datetime(2026, 10, 9, 10, 20, tzinfo=Z)
        tell = Deadline.get((Deadline.clock == "appliance_tell")
                            & (Deadline.item_id == order.id))
        assert tell.stopped_at == datetime(2026, 10, 9, 10, 0, tzinfo=Z)
        assert t("ui.services.arrival.known", lang=lang, time="10:20") in screen_text(app)


async def test_the_booking_record_waits_for_the_prepayment(make_app) -> None:  # noqa: ANN001
    app = make_app("zh")
    async with app.run_test(size=(120, 40)) as pilot:
        table = await open_services(app, pilot)
        staff, clock = app.session.staff, app.session.clock
        order = svc.create_order(svc.OrderForm(
            kind="booking", unit="3-1-502", contact_name="王建国", contact_phone="13812345678",
            booking=svc.BookingForm(origin="深圳北", destination="长沙南", travel="10-15",
                                    tickets="1", delivery_place="3-1-502", fare="520")),
            staff, clock, default_settings())
        app.screen.reload()
        table.select_key(svc.order_ref(order.id))
        await pilot.pause()
        await pilot.press("p")
        await pilot.pause()
        assert not any(n.message.startswith("订票记录单") for n in app._notifications)
        Charge.update(paid_fen=Charge.amount_fen).where(Charge.service_order == order).execute()
        await pilot.press("p")
        await pilot.pause()
        printed = [n.message for n in app._notifications if n.message.startswith("订票记录单")]
        assert printed and printed[-1].endswith(".txt")
        path = printed[-1].split("：", 1)[1]
        text = open(path, encoding="utf-8").read()
        assert "第 1 联" in text and "第 2 联" in text
