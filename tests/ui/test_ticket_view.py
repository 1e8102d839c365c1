"""The ticket view wherever a ticket is opened, urgency order, and the palette (issue 16).

Before: F8 → Enter opened a read-only record over F3; Esc left F3 still filtered by an earlier
search, and `d` then dispatched *another* ticket. Now F8, Ctrl+P and Enter anywhere open one
ticket view whose step keys act on that ticket, and Esc returns to where the clerk came from.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from helpers import appears, column_texts, screen_text
from kfdesk_screens.alert_list import AlertsScreen
from kfdesk_screens.dispatch import DispatchScreen
from kfdesk_screens.intake import IntakeScreen
from kfdesk_screens.ticket import TicketScreen
from kfdesk_screens.widgets.dialogs import ActionDialog
from kfdesk_screens.widgets.table import FitTable
from textual.command import CommandList, CommandPalette
from textual.widgets import Input

from kfdesk import views
from kfdesk.demo import DEFAULT_NOW
from kfdesk.i18n import t
from kfdesk.models import Ticket, Unit
from kfdesk.views.urgency import ticket_next_due

Z = ZoneInfo("Asia/Shanghai")
SIZE = (120, 40)
LANGS = pytest.mark.parametrize("lang", ["zh", "en"])


def squeezed(text: str) -> str:
    """A message without its whitespace: a toast breaks a long line where it fits."""
    return "".join(text.split())


def state(number: str) -> str:
    return Ticket.get(Ticket.number == number).state


async def settle(pilot, app) -> None:  # noqa: ANN001
    await app.workers.wait_for_complete()
    await pilot.pause()


async def to_queue_filtered(pilot, app, text: str) -> DispatchScreen:  # noqa: ANN001
    """F3 narrowed by a search, as an earlier task left it."""
    await pilot.press("f3")
    await pilot.pause()
    await pilot.press("slash", *text, "enter")
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, DispatchScreen)
    return screen


@LANGS
async def test_f8_enter_then_d_dispatches_the_alerts_ticket(make_app, lang: str) -> None:  # noqa: ANN001
    app = make_app(lang)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        queue = await to_queue_filtered(pilot, app, "K-000616")  # a new repair, dispatchable
        table = queue.query_one("#queue", FitTable)
        assert table.row_keys == ["K-000616"]

        await pilot.press("f8")
        await pilot.pause()
        alerts = app.screen
        assert isinstance(alerts, AlertsScreen)
        alert_table = alerts.query_one("#alert-table", FitTable)
        target = next(k for k, a in alerts._alerts.items() if a.item_ref == "K-000613")  # noqa: SLF001
        alert_table.select_key(target)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, TicketScreen)
        assert app.screen.number == "K-000613"
        assert app.screen.check_action("act", ("work_order",)) is False  # not dispatched yet

        await pilot.press("d")  # the step on *this* ticket, not on F3's highlighted one
        await pilot.pause()
        assert isinstance(app.screen, ActionDialog)
        assert "K-000613" in screen_text(app)
        await pilot.press("ctrl+s")  # engineering is pre-ticked for a repair
        await settle(pilot, app)
        assert state("K-000613") == "dispatched"
        assert state("K-000616") == "new"
        # The view stays on the ticket, re-read: its log has the dispatch, and the steps
        # of a dispatched ticket (a work order) are offered now.
        assert isinstance(app.screen, TicketScreen)
        assert t("ui.step.dispatched", lang=lang) in screen_text(app)
        assert app.screen.check_action("act", ("work_order",)) is True
        footer = next(line for line in screen_text(app).splitlines()
                      if line.strip().startswith("Esc "))
        assert t("ui.key.work_order", lang=lang) in footer

        await pilot.press("escape")  # back to the alert list, as the engine now sees it
        await settle(pilot, app)
        assert app.screen is alerts
        assert not any(a.item_ref == "K-000613" and a.clock == "dispatch"
                       for a in alerts._alerts.values())  # noqa: SLF001
        await pilot.press("escape")  # and to F3, still as it was
        await pilot.pause()
        assert app.screen is queue
        assert queue.query_one("#filter", Input).value == "K-000616"
        assert table.row_keys == ["K-000616"]


@LANGS
async def test_palette_ticket_step_acts_on_it_and_esc_returns_to_the_origin(
        make_app, lang: str) -> None:  # noqa: ANN001
    app = make_app(lang)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        queue = await to_queue_filtered(pilot, app, "3-1")
        table = queue.query_one("#queue", FitTable)
        shown = table.row_keys
        table.select_key(shown[1])
        await pilot.pause()
        chosen = table.selected_key()

        await pilot.press("ctrl+p", *"K-000615")  # a noise complaint on 1-1-102, not shown
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert isinstance(app.screen, TicketScreen)
        assert app.screen.number == "K-000615"
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ActionDialog)
        await pilot.press("2", "ctrl+s")  # 协管部 / security
        await settle(pilot, app)
        assert state("K-000615") == "dispatched"
        assert state(chosen) == Ticket.get(Ticket.number == chosen).state  # untouched
        assert isinstance(app.screen, TicketScreen)

        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is queue  # the queue it was opened over, not another screen
        assert queue.query_one("#filter", Input).value == "3-1"
        assert table.row_keys == shown
        assert table.selected_key() == chosen


async def test_palette_ticket_opens_over_the_screen_the_clerk_is_on(make_app) -> None:  # noqa: ANN001
    app = make_app("zh")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert isinstance(app.screen, IntakeScreen)
        intake = app.screen
        await pilot.press("ctrl+p", *"K-000613")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert isinstance(app.screen, TicketScreen)
        assert app.current_mode == "intake"
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is intake


@LANGS
async def test_the_queue_keeps_the_chosen_ticket_across_a_filter_and_a_refresh(
        make_app, lang: str) -> None:  # noqa: ANN001
    app = make_app(lang)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("f3")
        await pilot.pause()
        queue = app.screen
        assert isinstance(queue, DispatchScreen)
        table = queue.query_one("#queue", FitTable)
        table.select_key("K-000616")
        await pilot.pause()
        assert table.selected_key() == "K-000616"

        await pilot.press("slash", *"K-000613")  # hides it
        await pilot.pause()
        assert table.row_keys == ["K-000613"]
        await pilot.press("escape")  # clears the search: the clerk's ticket again
        await pilot.pause()
        assert len(table.row_keys) > 1
        assert table.selected_key() == "K-000616"

        # Another counter dispatches K-000613 (the row above it moves): a refresh keeps it.
        from kfdesk.desk import tickets
        from kfdesk.models import Staff

        s = app.session
        tickets.dispatch_ticket("K-000613", ["engineering"], Staff.get(Staff.login == "super"),
                                s.clock, s.settings)
        before = table.row_keys.index("K-000616")
        queue.reload()
        await pilot.pause()
        assert table.row_keys.index("K-000616") == before - 1  # K-000613 went below it
        assert table.selected_key() == "K-000616"


@LANGS
async def test_the_queue_is_in_urgency_order_with_every_running_deadline(
        make_app, lang: str) -> None:  # noqa: ANN001
    app = make_app(lang)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("f3")
        await pilot.pause()
        table = app.screen.query_one("#queue", FitTable)
        numbers = column_texts(table, 0)
        # Issue 16: "剩 7 小时 30 分" (K-000606) was listed above "剩 10 分" (K-000616).
        assert numbers.index("K-000616") < numbers.index("K-000606")
        rows = {r.number: r for r in views.open_tickets(Z)}
        due = ticket_next_due(r.id for r in rows.values())
        now = app.session.clock.now()
        dues = [due[rows[n].id].due_at if rows[n].id in due else None for n in numbers]
        timed = [d for d in dues if d is not None]
        assert timed == sorted(timed)  # overdue most late first, then soonest first
        assert dues[len(timed):] == [None] * (len(dues) - len(timed))  # then the rest
        assert any(d < now for d in timed) and any(d > now for d in timed)
        # A running clock not yet due soon shows its deadline too, uncoloured.
        cells = {n: c for n, c in zip(numbers, column_texts(table, 1), strict=True)}
        running = [n for n, d in zip(numbers, dues, strict=True)
                   if d is not None and due[rows[n].id].state(now) == "running"]
        assert running
        for n in running:
            local = due[rows[n].id].due_at.astimezone(Z)
            expected = (t("ui.due.today", lang=lang, hm=local.strftime("%H:%M"))
                        if local.date() == now.astimezone(Z).date()
                        else local.strftime("%m-%d %H:%M"))
            assert cells[n] == expected
        assert cells["K-000616"] == (t("ui.due.today", lang=lang, hm="10:10") + " "
                                     + t("ui.due.left", lang=lang,
                                         span=t("ui.due.minutes", lang=lang, m=10)))
        row = table.get_row("K-000616")
        assert row[0].style == "yellow"  # due soon: coloured
        assert not str(table.get_row(running[0])[0].style)  # running: not


@LANGS
async def test_the_callback_list_is_in_urgency_order(make_app, lang: str) -> None:  # noqa: ANN001
    from kfdesk.views.urgency import next_due

    app = make_app(lang)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("f4")
        await pilot.pause()
        screen = app.screen
        table = screen.query_one("#callbacks", FitTable)
        keys = [int(k) for k in table.row_keys]
        due = next_due("callback", keys)
        dues = [due[k].due_at for k in keys if k in due]
        assert len(dues) >= 3 and dues == sorted(dues)
        assert all(k in due for k in keys[:len(dues)])


def palette_options(app) -> list[str]:  # noqa: ANN001
    options = app.screen.query_one(CommandList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


@LANGS
@pytest.mark.parametrize(("typed", "first", "also"), [
    ("2026-000600", "2026-000600", "K-000600"),  # the receipt above ticket K-000600
    ("k-000600", "K-000600", ""),
    ("3-1-502", "3-1-502", "K-000502"),  # the unit above the ticket with its digits
])
async def test_palette_ranks_an_exact_number_first(make_app, lang: str, typed: str,  # noqa: ANN001
                                                   first: str, also: str) -> None:
    app = make_app(lang)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("ctrl+p", *typed)
        await pilot.pause(0.6)
        assert isinstance(app.screen, CommandPalette)
        options = palette_options(app)
        assert first in options[0].splitlines()[0]
        if also:
            assert any(also in o for o in options[1:])
        await pilot.press("enter")
        await pilot.pause(0.3)
        if first.startswith("K-"):
            assert isinstance(app.screen, TicketScreen) and app.screen.number == first


@LANGS
async def test_palette_lists_every_page_f8_included(make_app, lang: str) -> None:  # noqa: ANN001
    app = make_app(lang)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("ctrl+p")
        await pilot.pause(0.4)
        options = palette_options(app)
        keys = [o.split()[0] for o in options if o.split()[0].startswith("F")]
        assert keys == [f"F{n}" for n in range(2, 11)]
        await pilot.press(*"F8")
        await pilot.pause(0.4)
        assert palette_options(app)[0].startswith(f"F8 {t('ui.title.alerts', lang=lang)}")
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert isinstance(app.screen, AlertsScreen)
        assert await appears(pilot, app, t("ui.alerts.hint", lang=lang)[:6])


async def test_f8_over_a_ticket_opened_from_the_alerts_returns_to_that_list(make_app) -> None:  # noqa: ANN001
    app = make_app("en")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("f8")
        await pilot.pause()
        alerts = app.screen
        assert isinstance(alerts, AlertsScreen)
        table = alerts.query_one("#alert-table", FitTable)
        table.select_key(next(k for k, a in alerts._alerts.items() if a.item_kind == "ticket"))  # noqa: SLF001
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, TicketScreen)
        depth = len(app.screen_stack)
        await pilot.press("f8")
        await pilot.pause()
        assert app.screen is alerts and len(app.screen_stack) == depth - 1


@LANGS
@pytest.mark.parametrize("where", ["queue", "view"])
async def test_a_step_the_role_or_state_does_not_allow_says_why(make_app, lang: str,  # noqa: ANN001
                                                                where: str) -> None:
    app = make_app(lang, login="cashier")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("f3")
        await pilot.pause()
        queue = app.screen
        table = queue.query_one("#queue", FitTable)
        table.select_key("K-000530")  # waiting for its callback
        await pilot.pause()
        if where == "view":
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, TicketScreen)
        before = {tk.number: tk.version for tk in Ticket.select()}
        await pilot.press("v")  # a cashier reads the queue; the desk records callbacks
        await pilot.pause()
        assert not isinstance(app.screen, ActionDialog)
        from kfdesk.models import Staff

        role = t(f"role.{Staff.get(Staff.login == 'cashier').role}", lang=lang)
        said = [str(n.message) for n in app._notifications]  # noqa: SLF001
        # The core's own words for a role refusal (screens/refusals.py), broken into lines
        # to the toast's width (wrap_cells).
        assert said and squeezed(said[-1]) == squeezed(t(
            "auth.not_allowed", lang=lang, role=role, action=t("action.ticket.verdict", lang=lang)))
        assert {tk.number: tk.version for tk in Ticket.select()} == before


async def test_a_step_the_state_does_not_allow_says_why(make_app) -> None:  # noqa: ANN001
    app = make_app("zh")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("ctrl+p", *"K-000613")  # new: nothing to inspect yet
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert isinstance(app.screen, TicketScreen)
        await pilot.press("v")
        await pilot.pause()
        assert not isinstance(app.screen, ActionDialog)
        said = [str(n.message) for n in app._notifications]  # noqa: SLF001
        assert squeezed(said[-1]) == squeezed(
            t("verdict.not_completed", number="K-000613", state=t("state.new")))


async def test_a_closed_ticket_opens_to_be_read(make_app) -> None:  # noqa: ANN001
    closed = Ticket.select().where(Ticket.state == "closed").order_by(Ticket.id.desc()).first()
    app = make_app("zh")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await app.open_ticket(closed.number)
        await pilot.pause()
        assert isinstance(app.screen, TicketScreen)
        from kfdesk_screens.ticket_steps import ACTIONS

        assert not any(app.screen.check_action("act", (a,)) for a in ACTIONS)
        await pilot.press("h")
        await pilot.pause()
        assert not isinstance(app.screen, ActionDialog)
        assert Ticket.get_by_id(closed.id).version == closed.version


# ---- F6: the unit's page lists its tickets; Enter opens one in the ticket view --------------

async def to_unit_page(pilot, app, unit: str):  # noqa: ANN001, ANN201
    """F6, the unit typed and chosen with Enter, as a clerk does."""
    from kfdesk_screens.residents import ResidentsScreen

    await pilot.press("f6", *unit)
    await pilot.pause(0.4)  # the lookup's debounce
    await pilot.press("enter")
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, ResidentsScreen)
    assert screen.query_one("#detail").border_title.startswith(unit)
    return screen


@LANGS
@pytest.mark.parametrize("size", [SIZE, (80, 24)])
async def test_f6_unit_page_opens_its_ticket_and_d_dispatches_it(
        make_app, lang: str, size: tuple[int, int]) -> None:  # noqa: ANN001
    app = make_app(lang)
    async with app.run_test(size=size) as pilot:
        await settle(pilot, app)
        page = await to_unit_page(pilot, app, "3-1-502")
        table = page.query_one("#unit-tickets", FitTable)
        # Open ones first (in urgency order), then those closed out in six months, dimmed.
        closed = [r.number for r in views.unit_detail("3-1-502", app.session.clock.now(), Z)
                  .recent]
        assert closed and table.row_keys == ["K-000613", *closed]
        assert t("ui.unitpage.key.tickets", lang=lang) in screen_text(app)  # the footer

        await pilot.press("t")  # to the unit's tickets, whatever had the focus
        await pilot.pause()
        assert table.has_focus
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, TicketScreen)
        assert app.screen.number == "K-000613"

        await pilot.press("d")  # the step on this ticket
        await pilot.pause()
        assert isinstance(app.screen, ActionDialog)
        assert "K-000613" in screen_text(app)
        await pilot.press("ctrl+s")  # engineering is pre-ticked for a repair
        await settle(pilot, app)
        assert state("K-000613") == "dispatched"
        assert isinstance(app.screen, TicketScreen)

        await pilot.press("escape")  # back to F6, the same unit, re-read
        await settle(pilot, app)
        assert app.screen is page
        assert page.query_one("#detail").border_title.startswith("3-1-502")
        assert table.has_focus and table.selected_key() == "K-000613"
        row = table.get_row("K-000613")
        assert t("state.dispatched", lang=lang) in str(row[-1])

        # The unit's own keys still work from its list: r the records of the unit shown.
        await pilot.press("r")
        await pilot.pause()
        from kfdesk_screens.resident_records import ResidentRecordsScreen

        assert isinstance(app.screen, ResidentRecordsScreen)


async def test_f6_unit_keys_work_from_the_search_box_and_a_closed_ticket_opens(
        make_app) -> None:  # noqa: ANN001
    app = make_app("en")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        page = await to_unit_page(pilot, app, "3-1-502")
        page.query_one("#query", Input).focus()  # the box still holds the unit's code
        await pilot.pause()
        await pilot.press("t")  # not typed into the box: the unit's tickets
        await pilot.pause()
        table = page.query_one("#unit-tickets", FitTable)
        assert table.has_focus
        assert page.query_one("#query", Input).value == "3-1-502"
        closed = table.row_keys[-1]
        assert Ticket.get(Ticket.number == closed).state == "closed"
        table.select_key(closed)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, TicketScreen)
        assert app.screen.number == closed
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is page


async def test_f6_unit_without_tickets_has_no_list_and_no_t(make_app) -> None:  # noqa: ANN001
    quiet = next(u for u in Unit.select().order_by(Unit.code)
                 if (d := views.unit_detail(u.code, DEFAULT_NOW, Z)) is not None
                 and not d.open_tickets and not d.recent)
    app = make_app("zh")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        page = await to_unit_page(pilot, app, quiet.code)
        assert not page.query_one("#unit-tickets", FitTable).display
        assert page.check_action("tickets", ()) is False
        await pilot.press("t")
        await pilot.pause()
        assert app.screen is page
