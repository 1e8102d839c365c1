"""Implausible meter usages by keystroke (issue 17), on a copy of the demo (2026-10-09, October
readings partly in): water 313 → 15000 is refused in place until a reason is written, and the
bill run's confirmation lists it with that reason (zh and en)."""

from __future__ import annotations

from datetime import date

import pytest
from helpers import screen_text
from kfdesk_screens.billing import BillingScreen
from kfdesk_screens.widgets.dialogs import ActionDialog
from test_billing_screen import open_as, settle, table, unread_unit
from textual.widgets import Input, Static

from kfdesk.i18n import t
from kfdesk.models import MeterReading, Unit

OCTOBER = date(2026, 10, 1)


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_a_jump_needs_a_reason_and_the_run_lists_it(make_app, lang: str) -> None:
    app = make_app(lang)
    code = unread_unit()
    unit = Unit.get(Unit.code == code)
    last = {r.meter: r.reading for r in MeterReading.select().where(
        (MeterReading.unit == unit) & (MeterReading.month == "2026-09"))}
    async with app.run_test(size=(120, 40)) as pilot:
        await open_as(pilot, app, "cashier", BillingScreen())
        table(app).select_key(code)
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ActionDialog)
        dialog.query_one("#f-water", Input).value = "15000"
        dialog.query_one("#f-electricity", Input).value = str(last["electricity"] + 200)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog  # refused in place, nothing saved
        error = str(dialog.query_one("#dlg-error", Static).render())
        assert str(15000 - last["water"]) in error and code in error
        reason = dialog.query_one("#f-outlier_reason", Input)
        assert app.focused is reason
        assert not MeterReading.select().where((MeterReading.unit == unit)
                                               & (MeterReading.month == "2026-10")).exists()
        reason.value = "engineering: burst pipe"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, BillingScreen)
        saved = MeterReading.get((MeterReading.unit == unit) & (MeterReading.meter == "water")
                                 & (MeterReading.month == "2026-10"))
        assert (saved.reading, saved.outlier_reason) == (15000, "engineering: burst pipe")
        await pilot.press("b")
        await settle(pilot)
        about = str(app.screen.query_one(".dlg-about", Static).render())
        assert t("ui.billing.outliers_head", lang=lang, n=1) in about
        assert code in about and "engineering: burst pipe" in about
        assert t("ui.billing.basis.average", lang=lang) in about
        assert code in screen_text(app)
