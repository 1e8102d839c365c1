"""F3's ``u`` 更正 and ``z`` 作废 (issue 16, KF-012 v2), typed as a clerk types them (Pilot), in
Chinese and English: the correction dialog opens with the ticket as taken, says what it will
change, refuses without a reason, and once saved the repair become an inquiry has lost its
dispatch alert; the void asks for the reason, then for confirmation, and leaves the ticket in
the queue struck through, marked voided, its clocks stopped.

The demo community is the store, the clock fixed at 2026-10-09 10:00: K-000613 is the demo
clerk's repair taken at 08:35 today, its 1-hour dispatch overdue.
"""

from __future__ import annotations

import pytest
from helpers import appears, screen_text, table_rows
from kfdesk_screens.dispatch import DispatchScreen
from kfdesk_screens.ticket_fix import CorrectDialog
from kfdesk_screens.widgets.dialogs import ActionDialog
from kfdesk_screens.widgets.table import FitTable

from kfdesk.i18n import t
from kfdesk.models import Deadline, Ticket, TicketLog

SIZE = (120, 40)
NUMBER = "K-000613"


async def open_in_queue(pilot, number: str) -> None:  # noqa: ANN001
    await pilot.press("f3", "slash", *number, "enter")
    await pilot.pause()
    assert isinstance(pilot.app.screen, DispatchScreen)
    assert pilot.app.screen.query_one("#queue", FitTable).selected_key() == number


async def confirm(pilot) -> str:  # noqa: ANN001
    dialog = pilot.app.screen
    assert isinstance(dialog, ActionDialog)
    await pilot.press("ctrl+s")
    await pilot.pause()
    if pilot.app.screen is dialog:
        return str(dialog.query_one("#dlg-error").render())
    return ""


def dispatch_running(number: str) -> bool:
    ticket = Ticket.get(Ticket.number == number)
    return Deadline.select().where((Deadline.item_kind == "ticket")
                                   & (Deadline.item_id == ticket.id)
                                   & (Deadline.clock == "dispatch")
                                   & Deadline.stopped_at.is_null()).exists()


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_u_corrects_a_repair_to_an_inquiry_and_its_dispatch_alert_goes(make_app,  # noqa: ANN001
                                                                           lang: str) -> None:
    app = make_app(lang)
    async with app.run_test(size=SIZE) as pilot:
        assert dispatch_running(NUMBER)
        await open_in_queue(pilot, NUMBER)
        key = ("ticket", Ticket.get(Ticket.number == NUMBER).id)
        for _ in range(40):  # the alerts are read off the UI thread
            if key in app.alerts_by_item:
                break
            await pilot.pause(0.05)
        assert key in app.alerts_by_item
        footer = screen_text(app).splitlines()[-1]
        assert f"u {t('ui.key.correct')}" in footer and f"z {t('ui.key.void')}" in footer
        await pilot.press("u")
        dialog = app.screen
        assert isinstance(dialog, CorrectDialog)
        assert dialog.query_one("#f-unit").value == "3-1-502"  # opened as taken down
        assert await appears(pilot, app, t("ui.fix.no_change"))
        dialog.query_one("#f-kind").focus()
        await pilot.press("right")  # repair → inquiry
        await pilot.pause()
        change = t("fix.change", field=t("fix.field.kind"), old=t("kind.repair"),
                   new=t("kind.inquiry"))
        assert change in str(dialog.query_one("#fix-changes").render())
        assert await confirm(pilot) == t("fix.reason_needed")  # no reason: nothing saved
        assert Ticket.get(Ticket.number == NUMBER).kind == "repair"
        dialog.query_one("#f-reason").focus()
        await pilot.press(*"wrong kind")
        assert await confirm(pilot) == ""
        assert isinstance(app.screen, DispatchScreen)
        ticket = Ticket.get(Ticket.number == NUMBER)
        assert ticket.kind == "inquiry"
        log = TicketLog.select().where(TicketLog.ticket == ticket).order_by(TicketLog.id)[-1]
        assert log.step == "corrected" and "wrong kind" in log.note
        assert not dispatch_running(NUMBER)
        for _ in range(40):
            if key not in app.alerts_by_item:
                break
            await pilot.pause(0.05)
        assert key not in app.alerts_by_item
        row = next(r for r in table_rows(app.screen.query_one("#queue", FitTable))
                   if r[0] == NUMBER)
        assert t("kind.inquiry") in row


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_z_voids_after_confirmation_and_the_row_stays_struck_through(make_app,  # noqa: ANN001
                                                                         lang: str) -> None:
    app = make_app(lang)
    async with app.run_test(size=SIZE) as pilot:
        await open_in_queue(pilot, NUMBER)
        await pilot.press("z")
        assert isinstance(app.screen, ActionDialog)
        assert await confirm(pilot) == t("fix.reason_needed")
        await pilot.press(*"taken twice")
        # The first Ctrl+S checks and asks; nothing is written yet.
        assert await confirm(pilot) == t("ui.fix.void_confirm", number=NUMBER)
        assert Ticket.get(Ticket.number == NUMBER).state == "new"
        assert await confirm(pilot) == ""
        ticket = Ticket.get(Ticket.number == NUMBER)
        assert (ticket.state, ticket.void_reason) == ("voided", "taken twice")
        assert not dispatch_running(NUMBER)
        screen = app.screen
        assert isinstance(screen, DispatchScreen)
        table = screen.query_one("#queue", FitTable)
        row = next(r for r in table_rows(table) if r[0] == NUMBER)
        assert t("state.voided") in row
        # Struck through, and no step is offered on it any more.
        index = [r[0] for r in table_rows(table)].index(NUMBER)
        assert "strike" in str(table.get_row_at(index)[0].style)
        table.select_key(NUMBER)
        await pilot.pause()
        footer = screen_text(app).splitlines()[-1]
        assert f"u {t('ui.key.correct')}" not in footer
        assert f"d {t('ui.key.dispatch')}" not in footer
        # The day summary counts it apart from the day's intake.
        await pilot.press("f7")
        assert await appears(pilot, app, t("ui.summary.tickets_voided"))


async def test_another_clerks_ticket_offers_neither_key(make_app) -> None:  # noqa: ANN001
    app = make_app("zh")
    async with app.run_test(size=SIZE) as pilot:
        await open_in_queue(pilot, "K-000615")  # 李娜's complaint
        footer = screen_text(app).splitlines()[-1]
        assert f"u {t('ui.key.correct')}" not in footer
        assert f"z {t('ui.key.void')}" not in footer


async def test_c_on_a_paid_repair_charges_the_corrected_amount(make_app) -> None:  # noqa: ANN001
    """KF-015 §6.2.1 with issue 16: the completion dialog of a paid repair opens with the
    work order's amount; a different one needs its reason, and the charge follows it."""
    from kfdesk.models import Charge, WorkOrder

    app = make_app("en")
    async with app.run_test(size=SIZE) as pilot:
        await open_in_queue(pilot, "K-000565")  # the demo's paid repair, work order open
        await pilot.press("c")
        dialog = app.screen
        assert isinstance(dialog, ActionDialog)
        assert dialog.query_one("#f-amount").value == "120.00"
        dialog.query_one("#f-result").insert("fixed")
        dialog.query_one("#f-amount").value = "150"
        assert await confirm(pilot) == t("complete.amount_reason")
        assert app.screen.focused is dialog.query_one("#f-amount_reason")
        await pilot.press(*"one more part")
        assert await confirm(pilot) == ""
        order = WorkOrder.get(WorkOrder.number == "W-000263")
        assert Charge.get(Charge.work_order == order).amount_fen == 15000


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_c_on_f10_cancels_a_service_order_with_its_reason(make_app, lang: str) -> None:  # noqa: ANN001
    from kfdesk_screens.services import ServicesScreen

    from kfdesk.models import ServiceOrder

    app = make_app(lang)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f10")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ServicesScreen)
        table = screen.query_one("#services", FitTable)
        table.select_key("S-000004")
        table.focus()
        await pilot.pause()
        await pilot.press("c")
        assert isinstance(app.screen, ActionDialog)
        assert await confirm(pilot) == t("service.cancel_reason")
        await pilot.press(*"no longer needed")
        assert await confirm(pilot) == ""
        order = ServiceOrder.get_by_id(4)
        assert order.cancelled_at is not None and order.cancel_reason == "no longer needed"
        row = next(r for r in table_rows(table) if r[0] == "S-000004")
        assert t("service.state.cancelled") in row
