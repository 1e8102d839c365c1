"""The counter's smaller traps (issue 16), pressed as a clerk presses them, in zh and en.

- The dispatch dialog: a number ticks its department and never unticks the pre-ticked one;
  Space toggles.
- A key the role or the ticket's state does not allow says why in one line (UX.md "A key never
  does nothing"): the cashier's `v` on F3, `x`/`e` on a ticket that cannot be closed out or
  explained, and the generic line for any screen that names no reason of its own.
- Ctrl+L with typing not yet saved asks first; the next person lands on the same screen with
  the same record selected (the supervisor called over to void a receipt finds it there).
- Type-ahead: keys typed while a dialog opens go to the dialog, not the screen beneath.
"""

from __future__ import annotations

import pytest
from helpers import screen_text
from kfdesk_screens.cashier import CashierScreen
from kfdesk_screens.dispatch import DispatchScreen
from kfdesk_screens.intake import IntakeScreen
from kfdesk_screens.signin import SignInScreen
from kfdesk_screens.widgets.dialogs import ActionDialog, ConfirmDialog, MultiChoice
from kfdesk_screens.widgets.table import FitTable
from textual import events
from textual.widgets import TextArea

from kfdesk import views
from kfdesk.demo import DEMO_STAFF
from kfdesk.i18n import t
from kfdesk.models import Ticket

SIZE = (120, 40)
LANGS = pytest.mark.parametrize("lang", ["zh", "en"])
REPAIR_NEW = "K-000613"  # a repair waiting for dispatch: engineering comes pre-ticked


def staff(role: str):  # noqa: ANN201 - a DemoStaff
    return next(s for s in DEMO_STAFF if s.role == role)


def squash(text: str) -> str:
    """Without spaces and line breaks: a toast's lines are broken at its width."""
    return "".join(text.split())


def toasts(app) -> list[str]:  # noqa: ANN001
    return [squash(str(n.message)) for n in app._notifications]  # noqa: SLF001


async def on_ticket(pilot, number: str) -> None:  # noqa: ANN001
    await pilot.app.workers.wait_for_complete()
    await pilot.press("f3")
    await pilot.pause()
    table = pilot.app.screen.query_one("#queue", FitTable)
    assert table.select_key(number)
    table.focus()
    await pilot.pause()


# ---- the dispatch dialog ------------------------------------------------------------------------


@LANGS
async def test_a_number_ticks_and_space_toggles_in_the_dispatch_dialog(make_app, lang) -> None:  # noqa: ANN001
    app = make_app(lang)
    async with app.run_test(size=SIZE) as pilot:
        await on_ticket(pilot, REPAIR_NEW)
        await pilot.press("d")
        await pilot.pause()
        choice = app.screen.query_one(MultiChoice)
        assert choice.chosen == ["engineering"]  # a repair: engineering is ticked already
        await pilot.press("1")  # the clerk makes sure of it: it stays ticked
        assert choice.chosen == ["engineering"]
        await pilot.press("2", "2")  # a number only ticks, however often
        assert choice.chosen == ["engineering", "security"]
        await pilot.press("space")  # Space toggles the one under the cursor (2)
        assert choice.chosen == ["engineering"]
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, ActionDialog)
        ticket = Ticket.get(Ticket.number == REPAIR_NEW)
        assert ticket.state == "dispatched" and ticket.department == "engineering"
        assert not ticket.coordinated


# ---- every refusal says why ---------------------------------------------------------------------


@LANGS
async def test_the_cashier_pressing_v_on_f3_is_told_why(make_app, lang) -> None:  # noqa: ANN001
    app = make_app(lang, login="cashier")
    async with app.run_test(size=SIZE) as pilot:
        await on_ticket(pilot, "K-000530")  # waits for its callback: v would record it
        footer = screen_text(app).splitlines()[-1]
        assert t("ui.key.verdict") not in footer  # not offered to the cashier
        await pilot.press("v")
        await pilot.pause()
        assert isinstance(app.screen, DispatchScreen)  # nothing opened
        assert toasts(app) == [squash(t("auth.not_allowed", role=t("role.cashier"),
                                        action=t("action.ticket.verdict")))]


@LANGS
async def test_close_out_and_explain_on_a_repair_say_why(make_app, lang) -> None:  # noqa: ANN001
    app = make_app(lang)
    async with app.run_test(size=SIZE) as pilot:
        await on_ticket(pilot, REPAIR_NEW)
        before = Ticket.get(Ticket.number == REPAIR_NEW)
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, DispatchScreen)
        assert toasts(app) == [squash(t("close.needs_verdict", number=REPAIR_NEW)),
                               squash(t("explain.not_invalid", number=REPAIR_NEW))]
        after = Ticket.get(Ticket.number == REPAIR_NEW)
        assert (after.state, after.version) == (before.state, before.version)
        # A step the ticket allows still runs: d opens its dialog, no refusal.
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ActionDialog)
        assert len(toasts(app)) == 2


@LANGS
async def test_a_screen_without_reasons_of_its_own_gets_the_generic_line(make_app, lang) -> None:  # noqa: ANN001
    # F5: the cashier may not void (supervisor, manager); the cashier screen names no reason
    # of its own, so the key's own name and the generic reason are said.
    app = make_app(lang, login="cashier")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.press("f5")
        await pilot.pause()
        app.screen.query_one("#receipts", FitTable).focus()  # a receipt under the cursor
        await pilot.pause()
        await pilot.press("v")
        await pilot.pause()
        assert toasts(app) == [squash(t("ui.refuse.generic", key="v",
                                        what=t("ui.cashier.key.void")))]


# ---- Ctrl+L -------------------------------------------------------------------------------------


@LANGS
async def test_ctrl_l_with_unsaved_typing_asks_first(make_app, lang) -> None:  # noqa: ANN001
    app = make_app(lang)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.app.workers.wait_for_complete()
        assert isinstance(app.screen, IntakeScreen)
        app.screen.query_one("#text", TextArea).insert("厨房下水道堵塞")
        await pilot.press("f3")  # the half-filled form stays behind F3
        await pilot.pause()
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        assert t("ui.switch_user.keys") in screen_text(app)
        assert t("ui.title.intake") in screen_text(app)  # says where the typing is
        await pilot.press("n")  # back to finish it
        await pilot.pause()
        assert isinstance(app.screen, DispatchScreen) and app.session.staff is not None
        await pilot.press("f2")
        await pilot.pause()
        assert app.screen.query_one("#text", TextArea).text == "厨房下水道堵塞"
        await pilot.press("ctrl+l")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, SignInScreen) and app.session.staff is None


@LANGS
async def test_ctrl_l_without_typing_does_not_ask(make_app, lang) -> None:  # noqa: ANN001
    app = make_app(lang)
    async with app.run_test(size=SIZE) as pilot:
        await on_ticket(pilot, "K-000615")
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert isinstance(app.screen, SignInScreen)


@LANGS
async def test_the_next_person_lands_on_the_same_screen_and_ticket(make_app, lang) -> None:  # noqa: ANN001
    app = make_app(lang)
    async with app.run_test(size=SIZE) as pilot:
        await on_ticket(pilot, "K-000615")
        await pilot.press("ctrl+l")
        await pilot.pause()
        boss = staff("supervisor")
        await pilot.press(*boss.login, "enter", *boss.pin, "enter")
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, DispatchScreen)
        assert app.session.staff.login == boss.login
        assert app.screen.query_one("#queue", FitTable).selected_key() == "K-000615"
        # The supervisor's keys act on that ticket: o reassigns it.
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, ActionDialog)
        assert "K-000615" in screen_text(app)


@LANGS
async def test_the_supervisor_called_over_lands_on_the_receipt(make_app, lang) -> None:  # noqa: ANN001
    app = make_app(lang, login="cashier")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.press("f5")
        await pilot.pause()
        table = app.screen.query_one("#receipts", FitTable)
        assert len(table.row_keys) >= 2, "the demo's day has receipts"
        receipt = table.row_keys[1]
        table.select_key(receipt)
        table.focus()
        await pilot.pause()
        await pilot.press("ctrl+l")
        await pilot.pause()
        boss = staff("supervisor")
        await pilot.press(*boss.login, "enter", *boss.pin, "enter")
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, CashierScreen)
        table = app.screen.query_one("#receipts", FitTable)
        assert table.selected_key() == receipt
        assert app.screen.focused is table
        await pilot.press("v")  # the void the supervisor was called over for
        await pilot.pause()
        assert isinstance(app.screen, ActionDialog)
        assert receipt in screen_text(app)


# ---- type-ahead ---------------------------------------------------------------------------------


def type_fast(app, *keys: str) -> None:  # noqa: ANN001
    """Keys as a fast typist sends them: all queued before the first is handled."""
    for key in keys:
        char = " " if key == "space" else key if len(key) == 1 else None
        app.post_message(events.Key(key, char))


@LANGS
async def test_keys_typed_while_the_dispatch_dialog_opens_go_to_it(make_app, lang) -> None:  # noqa: ANN001
    app = make_app(lang)
    async with app.run_test(size=SIZE) as pilot:
        await on_ticket(pilot, REPAIR_NEW)
        type_fast(app, "d", "2", "1")
        await pilot.pause(0.3)
        assert isinstance(app.screen, ActionDialog)
        assert app.screen.query_one(MultiChoice).chosen == ["engineering", "security"]
        assert toasts(app) == []  # nothing fell through to the queue beneath


@LANGS
async def test_a_reason_typed_ahead_lands_in_the_hold_dialog(make_app, lang) -> None:  # noqa: ANN001
    app = make_app(lang)
    async with app.run_test(size=SIZE) as pilot:
        await on_ticket(pilot, REPAIR_NEW)
        type_fast(app, "h", *"wait", "ctrl+s")
        await pilot.pause(0.5)
        assert not isinstance(app.screen, ActionDialog)  # Ctrl+S typed ahead saved it
        row = next(r for r in views.open_tickets(app.session.settings.zone)
                   if r.number == REPAIR_NEW)
        assert row.held
        ticket = Ticket.get(Ticket.number == REPAIR_NEW)
        assert ticket.state == "new"  # x, e, … typed ahead did nothing on the queue


@LANGS
async def test_slash_on_a_screen_without_a_search_box_says_so(make_app, lang) -> None:  # noqa: ANN001
    app = make_app(lang, login="super")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.press("f7")
        await pilot.pause()
        assert not app.screen.query(".search")
        await pilot.press("slash")
        await pilot.pause()
        assert toasts(app) == [squash(t("ui.refuse.no_search"))]


@LANGS
async def test_ctrl_l_over_a_dialog_with_typing_asks_first(make_app, lang) -> None:  # noqa: ANN001
    app = make_app(lang)
    async with app.run_test(size=SIZE) as pilot:
        await on_ticket(pilot, REPAIR_NEW)
        await pilot.press("h", *"wait")  # a hold reason typed, not saved
        await pilot.pause()
        assert isinstance(app.screen, ActionDialog)
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("ctrl+l")  # pressed again: still the one question
        await pilot.pause()
        assert sum(isinstance(s, ConfirmDialog) for s in app.screen_stack) == 1
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ActionDialog)
        assert app.screen.values()["reason"] == "wait"
