"""F5 money fields by keystroke (issue 17): the one amount reading refuses 1e9 in place with its
message (zh and en), a payment above the office's ceiling asks a supervisor's login and PIN in
the dialog, and the IC-card deposit shows its fixed price in a field that cannot be typed in.
On a copy of the demo community."""

from __future__ import annotations

import pytest
from helpers import appears, screen_text
from kfdesk_screens.cashier import ChargeDialog, PaymentDialog, ReceiptScreen
from test_cashier_flow import open_unit  # noqa: I001 - the same F5 steps
from textual.widgets import Input

from kfdesk.i18n import t
from kfdesk.models import AuditEvent, Charge, Payment


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_payment_dialog_refuses_1e9_in_place(make_app, lang: str) -> None:
    app = make_app(lang=lang, login="cashier")
    before = Payment.select().count()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_unit(pilot, app, "3-1-502")
        await pilot.press("p")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, PaymentDialog)
        amount = dialog.query_one("#f-amount", Input)
        amount.value = ""
        amount.focus()
        await pilot.press(*"1e9")
        await pilot.pause()
        message = t("amount.exponent", lang=lang, text="1e9")
        # Shown as it is typed, in the preview under the fields …
        assert message in screen_text(app)
        # … and on confirming: the dialog stays, the amount field has the focus, nothing saved.
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is dialog
        assert message in str(dialog.query_one("#dlg-error").render())
        assert app.focused is amount
        for bad, key in (("12.345", "amount.too_precise"), ("١٢", "amount.foreign_digits"),
                         ("0.00", "amount.zero")):
            amount.value = bad
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert t(key, lang=lang, text=bad) in screen_text(app)
        # Cash tendered reads the same way.
        amount.value = "100"
        dialog.query_one("#f-tendered", Input).value = "1e9"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is dialog
        assert app.focused is dialog.query_one("#f-tendered", Input)
        assert message in screen_text(app)
        assert Payment.select().count() == before


async def test_80x24_shows_the_refusal(make_app) -> None:
    app = make_app(lang="en", login="cashier")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_unit(pilot, app, "3-1-502")
        await pilot.press("p")
        await pilot.pause()
        app.screen.query_one("#f-amount", Input).value = "1e9"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "“1e9” is written with an exponent" in screen_text(app)


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_above_the_ceiling_a_supervisor_confirms_in_the_dialog(make_app, lang: str) -> None:
    app = make_app(lang=lang, login="cashier")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_unit(pilot, app, "3-1-502")
        await pilot.press("p")
        await pilot.pause()
        dialog = app.screen
        approver = dialog.query_one("#f-approver", Input)
        assert not approver.parent.display  # not asked for an ordinary amount
        dialog.query_one("#f-amount", Input).value = "60000"
        dialog.query_one("#f-overpay").value = "yes"
        await pilot.pause()
        assert approver.parent.display
        assert t("ui.cashier.over_ceiling", lang=lang, limit="¥50,000.00") in str(
            dialog.query_one("#pay-preview").render())
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is dialog and app.focused is approver
        assert t("payment.over_ceiling", lang=lang, amount="¥60,000.00",
                 limit="¥50,000.00") in str(dialog.query_one("#dlg-error").render())
        approver.value = "super"
        pin = dialog.query_one("#f-approver_pin", Input)
        assert pin.password
        pin.value = "3456"
        await pilot.press("ctrl+s")
        assert await appears(pilot, app, "¥60,000.00")
        assert isinstance(app.screen, ReceiptScreen)
    event = AuditEvent.select().where(AuditEvent.action == "payment.approve_large").get()
    assert event.actor.login == "super"
    assert Payment.select().order_by(Payment.id.desc()).first().amount_fen == 6_000_000


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_ic_card_deposit_shows_its_price(make_app, lang: str) -> None:
    app = make_app(lang=lang, login="cashier")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_unit(pilot, app, "3-1-502")
        await pilot.press("o")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ChargeDialog)
        amount = dialog.query_one("#f-amount", Input)
        amount.value = "50"
        kind = dialog.query_one("#f-kind")
        kind.focus()
        await pilot.press("3")  # the third kind: the parking IC-card deposit
        await pilot.pause()
        assert kind.value == "parking_card_deposit"
        assert amount.value == "100.00" and amount.disabled
        assert "100.00" in screen_text(app)
        await pilot.press("1")  # renovation fee: typed again
        await pilot.pause()
        assert amount.value == "50" and not amount.disabled  # what was typed comes back
        await pilot.press("3")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, ChargeDialog)
    charge = Charge.select().order_by(Charge.id.desc()).first()
    assert (charge.kind, charge.amount_fen) == ("parking_card_deposit", 10_000)
