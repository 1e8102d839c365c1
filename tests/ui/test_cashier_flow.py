"""F5 cashier by keystroke (KF-015 §4.5, §4.6, §5; KF-006 §6), on a copy of the demo community.

The cashier finds 3-1-502, takes a part payment in cash with change (the allocation and the
change shown before confirming) and reads the receipt preview; an overpayment is refused in
place until confirmed; a supervisor voids a receipt from the day's list; the cashier counts the
day's cash (to the fen) and finance confirms the hand-over; money after the count shows as
the next hand-over. Expectations are read from the store.
"""

from __future__ import annotations

from datetime import date

import pytest
from helpers import appears, screen_text
from kfdesk_screens.cashier import CashierScreen, PaymentDialog, ReceiptScreen
from kfdesk_screens.hand_over import CountDialog, HandOverScreen
from kfdesk_screens.widgets.dialogs import ActionDialog
from kfdesk_screens.widgets.table import FitTable
from textual.widgets import Input

from kfdesk.config import default_settings
from kfdesk.i18n import t
from kfdesk.models import HandOver, Payment, Receipt, ReceiptVoid, Staff
from kfdesk.views import unit_arrears
from kfdesk.views.cashier import receipt_detail

SETTINGS = default_settings()




async def open_unit(pilot, app, code: str) -> CashierScreen:  # noqa: ANN001
    await pilot.press("f5")
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, CashierScreen)
    await pilot.press(*code)
    await pilot.pause(0.3)
    await pilot.press("enter")
    await pilot.pause()
    return screen


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_cash_payment_with_change_and_receipt_preview(make_app, lang: str) -> None:
    app = make_app(lang=lang, login="cashier")
    owed = unit_arrears("3-1-502")
    oldest = owed.lines[0]
    async with app.run_test(size=(120, 40)) as pilot:
        await open_unit(pilot, app, "3-1-502")
        assert oldest.month in screen_text(app)
        await pilot.press("p")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, PaymentDialog)
        # The whole debt is proposed; the cashier takes 500 of it, 600 tendered.
        amount = dialog.query_one("#f-amount", Input)
        assert amount.value == f"{owed.total_fen / 100:.2f}"
        amount.value = "500"
        amount.focus()
        await pilot.press("enter")  # to the method: cash
        await pilot.press("enter")  # to tendered
        await pilot.press(*"600")
        await pilot.pause()
        text = screen_text(app)
        assert t("ui.cashier.change", lang=lang, amount="¥100.00") in text
        assert t("ui.cashier.in_words", lang=lang, words="伍佰元整") in text
        assert t("ui.cashier.whole", lang=lang) in text  # the oldest lines are paid in full
        await pilot.press("ctrl+s")
        assert await appears(pilot, app, "¥100.00")
        assert isinstance(app.screen, ReceiptScreen)
        payment = Payment.select().order_by(Payment.id.desc()).first()
        assert (payment.amount_fen, payment.tendered_fen, payment.change_fen) == (
            50000, 60000, 10000)
        receipt = Receipt.get(Receipt.payment == payment.id)
        text = screen_text(app)
        number = f"{receipt.series.code}-{receipt.number:06d}"
        # The preview is the paper: in the office's document language (zh) whatever the
        # screen's (issue 17).
        for part in (number, "伍佰元整", "¥500.00", "3-1-502",
                     t("payment.r.cash", lang="zh", tendered="¥600.00", change="¥100.00")):
            assert part in text
        # Printing from the preview: the original, then a copy.
        await pilot.press("p")
        await pilot.pause()
        assert Receipt.get_by_id(receipt.id).printed_count == 1
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CashierScreen)
        assert unit_arrears("3-1-502").total_fen == owed.total_fen - 50000


async def test_overpayment_refused_in_place_until_confirmed(make_app) -> None:
    app = make_app(login="cashier")
    owed = unit_arrears("3-1-502").total_fen
    before = Payment.select().count()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_unit(pilot, app, "3-1-502")
        await pilot.press("p")
        await pilot.pause()
        dialog = app.screen
        dialog.query_one("#f-amount", Input).value = f"{(owed + 10000) / 100:.2f}"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, PaymentDialog)
        assert "多出 ¥100.00" in screen_text(app)
        assert Payment.select().count() == before
        dialog.query_one("#f-overpay").value = "yes"
        await pilot.press("ctrl+s")
        assert await appears(pilot, app, t("payment.prepaid"))
        assert isinstance(app.screen, ReceiptScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert t("ui.cashier.credit", amount="¥100.00") in screen_text(app)


async def test_bad_amount_is_a_message_and_nothing_is_written(make_app) -> None:
    app = make_app(login="cashier")
    before = Payment.select().count()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_unit(pilot, app, "3-1-502")
        await pilot.press("p")
        await pilot.pause()
        for bad, key in (("abc", "amount.not_number"), ("-5", "amount.signed")):
            app.screen.query_one("#f-amount", Input).value = bad
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert t(key, text=bad) in screen_text(app)
        assert Payment.select().count() == before


async def test_supervisor_voids_from_the_day_list(make_app) -> None:
    app = make_app(login="super")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f5")
        await pilot.pause()
        screen = app.screen
        table = screen.query_one("#receipts", FitTable)
        table.focus()
        await pilot.pause()
        number = table.selected_key()
        await pilot.press("v")
        await pilot.pause()
        assert isinstance(app.screen, ActionDialog)
        await pilot.press("ctrl+s")  # no reason: refused in place
        await pilot.pause()
        assert t("payment.reason_required") in screen_text(app)
        await pilot.press(*"录入金额错误")
        await pilot.press("ctrl+s")
        await pilot.pause()
        detail = receipt_detail(number, SETTINGS.zone)
        assert detail.void and detail.void_reason == "录入金额错误"
        assert ReceiptVoid.select().where(ReceiptVoid.receipt == detail.id).count() == 1
        assert t("ui.cashier.void") in screen_text(app)


async def test_cashier_counts_to_the_fen_and_finance_confirms_the_hand_over(make_app) -> None:
    """RULES v2 §4: the count form takes 1-fen coins; the supervisor is not offered `c`,
    finance is, and the confirmed line names finance; money after the count shows as the
    cashier's next hand-over."""
    app = make_app(login="cashier")
    cashier = Staff.get(Staff.login == "cashier")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f5")
        await pilot.pause()
        await pilot.press("escape")  # out of the unit box: letters are keys again
        await pilot.press("h")
        await pilot.pause()
        assert isinstance(app.screen, HandOverScreen)
        assert cashier.name in screen_text(app)
        await pilot.press("n")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, CountDialog)
        dialog.query_one("#f-d10000", Input).value = "1"
        await pilot.pause()
        await pilot.press("ctrl+s")  # short: a reason is required, shown in place
        await pilot.pause()
        assert t("hand_over.reason_required") in screen_text(app)
        dialog.query_one("#f-d1", Input).value = "3"  # three 1-fen coins
        dialog.query_one("#f-reason", Input).value = "测试短款"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, HandOverScreen)
        row = HandOver.get((HandOver.cashier == cashier.id)
                           & (HandOver.day == date(2026, 10, 9)))  # the demo's today
        assert row.cash_counted_fen == 10003 and row.confirmed_at is None
        # The cashier cannot confirm their own count: no c in the keys.
        assert not app.screen.check_action("confirm", ())
        # Nor the supervisor any more (RULES v2 §4).
        app.session.staff = Staff.get(Staff.login == "super")
        app.screen.refresh_bindings()
        await pilot.pause()
        assert not app.screen.check_action("confirm", ())
        app.session.staff = Staff.get(Staff.login == "finance")
        app.screen.refresh_bindings()
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, ActionDialog)
        await pilot.press("ctrl+s")
        await pilot.pause()
        confirmed = HandOver.get_by_id(row.id)
        assert confirmed.confirmed_at is not None and confirmed.confirmed_by.login == "finance"
        assert t("ui.hand_over.status.confirmed", name="孙丽") in screen_text(app)


async def test_money_after_the_count_shows_as_the_next_hand_over(make_app) -> None:
    """RULES v2 §4, on screen: after the cashier's count a payment is taken all the same; F5's
    day totals and the hand-over list show it as the next hand-over, the counted line keeps
    adding up, and its receipt says so."""
    from kfdesk.desk.hand_over import expected, submit_hand_over
    from kfdesk.desk.payments import take_payment

    app = make_app(login="cashier")
    cashier = Staff.get(Staff.login == "cashier")
    async with app.run_test(size=(120, 40)) as pilot:
        clock = app.session.clock
        day = clock.now().astimezone(SETTINGS.zone).date()
        cash = expected(cashier, day, SETTINGS).cash_fen
        submit_hand_over(day, {1: cash}, "", cashier, clock, SETTINGS)  # all in 1-fen coins
        late = take_payment("3-1-502", 10000, "cash", cashier, clock, SETTINGS,
                            confirm_overpayment=True).number
        await pilot.press("f5")
        await pilot.pause()
        await pilot.press("escape")
        assert t("ui.cashier.after_count") in screen_text(app)
        await pilot.press("h")
        await pilot.pause()
        assert isinstance(app.screen, HandOverScreen)
        text = screen_text(app)
        assert t("ui.hand_over.status.next") in text and "↳" in text
        assert receipt_detail(late, SETTINGS.zone).next_hand_over


async def test_the_rounding_line_only_where_the_settings_allow_it(make_app) -> None:
    """RULES v2 §4: 抹零 is offered in the count only when hand_over.rounding_max_fen allows it,
    and the live difference takes it into account."""
    app = make_app(login="cashier")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f5")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.press("h")
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, CountDialog)
        assert not app.screen.query("#f-rounding")  # the shipped settings: not allowed
        await pilot.press("escape")
        await pilot.pause()
        app.push_screen(CountDialog(105158, lambda v: "", rounding_max=9))
        await pilot.pause()
        dialog = app.screen
        for value, pieces in ((10000, "10"), (5000, "1"), (100, "1"), (50, "1")):
            dialog.query_one(f"#f-d{value}", Input).value = pieces
        dialog.query_one("#f-rounding", Input).value = "8"
        await pilot.pause()
        assert t("ui.hand_over.difference", amount="¥0.00") in screen_text(app)
