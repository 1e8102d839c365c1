"""Vacant units' checks (空置房管理, RULES §6 / KF-001; keys RULES §5) by keystroke.

On a copy of the demo community (2026-10-09 10:00), in Chinese and English: F6 → g → k opens
the register on a vacant unit; n (or Enter) records a check with two problems and a repair
ticket — the first Ctrl+S shows what will be saved, the second saves — and the unit's row
then shows the problem and the next due day; h lists the check with its ticket. Without a
unit, the overdue unit comes first, marked in words and colour, and / narrows the list. The
guard (read-only) is refused in place. Expectations are read back from the store.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from helpers import appears, screen_text, table_rows
from kfdesk_screens.registers_menu import RegistersMenu
from kfdesk_screens.release_passes import PreviewDialog
from kfdesk_screens.vacant import VacantHistoryScreen, VacantScreen
from kfdesk_screens.widgets.choice import ChoiceField
from kfdesk_screens.widgets.table import FitTable
from textual.widgets import Input, Static

from kfdesk.config import default_settings
from kfdesk.desk import vacant
from kfdesk.i18n import t
from kfdesk.models import AuditEvent, Staff, Ticket, Unit, VacantCheck

LANGS = pytest.mark.parametrize("lang", ["zh", "en"])
SETTINGS = default_settings()


def _vacant_units() -> list[str]:
    return [u.code for u in Unit.select().where(Unit.status == "vacant").order_by(Unit.code)]


def _never_checked() -> list[str]:
    """The demo checked most vacant units; these it never did."""
    checked = {c.unit_id for c in VacantCheck.select(VacantCheck.unit)}
    return [u.code for u in Unit.select().where(Unit.status == "vacant").order_by(Unit.code)
            if u.id not in checked]


def squash(text: str) -> str:
    return re.sub(r"[\s│╭╮╰╯─]", "", text)


def _static(app, selector: str) -> str:  # noqa: ANN001
    widget = app.screen.query_one(selector, Static)
    rendered = widget.render()
    return squash(rendered.plain if hasattr(rendered, "plain") else str(rendered))


async def choose(pilot, app, field: str, number: int) -> None:  # noqa: ANN001
    """Pick a choice as the clerk does: focus it and press the option's number."""
    app.screen.query_one(f"#f-{field}", ChoiceField).focus()
    await pilot.press(str(number))
    await pilot.pause()


@LANGS
async def test_f6_g_k_records_a_check_with_a_ticket(make_app, lang: str) -> None:  # noqa: ANN001
    app = make_app(lang)
    unit = _never_checked()[0]
    before = VacantCheck.select().count()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f6")
        await pilot.pause()
        app.screen.show_unit(unit)
        await pilot.pause()
        await pilot.press("g")
        await pilot.pause()
        assert isinstance(app.screen, RegistersMenu)
        assert t("ui.vacant.menu", lang=lang) in screen_text(app)
        await pilot.press("k")
        assert await appears(pilot, app, t("ui.title.vacant", lang=lang))
        assert isinstance(app.screen, VacantScreen)
        table = app.screen.query_one("#vacant-table", FitTable)
        (row,) = table_rows(table)  # opened on the unit from F6
        assert row[0] == unit and row[2] == t("ui.vacant.never", lang=lang)
        # Never checked: counted from when kfdesk first saw it vacant (the demo's build).
        assert row[6] == t("ui.vacant.due_in", lang=lang, days=30)
        # Enter in Chinese, n in English: both open the form on the selected unit.
        await pilot.press("enter" if lang == "zh" else "n")
        await pilot.pause()
        assert isinstance(app.screen, PreviewDialog)
        await choose(pilot, app, "water", 2)
        await choose(pilot, app, "leaks", 2)
        assert squash(t("ui.vacant.no_ticket", lang=lang)) in _static(app, "#dlg-preview")
        await choose(pilot, app, "ticket", 2)
        app.screen.query_one("#f-note", Input).value = "主卧顶棚渗水"
        await pilot.pause()
        assert squash(t("ui.vacant.will_ticket", lang=lang)) in _static(app, "#dlg-preview")
        await pilot.press("ctrl+s")
        await pilot.pause()
        # The first Ctrl+S only shows what will be saved.
        assert squash(t("vacant.confirm_save", lang=lang)) in _static(app, "#dlg-error")
        assert VacantCheck.select().count() == before
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, VacantScreen)
        assert VacantCheck.select().count() == before + 1
        check = VacantCheck.select().order_by(VacantCheck.id.desc()).get()
        assert (check.unit.code, check.water, check.leaks, check.doors_windows) == (
            unit, True, True, False)
        assert check.checked_by.login == "clerk" and check.note == "主卧顶棚渗水"
        ticket = Ticket.get_by_id(check.ticket_id)
        assert (ticket.kind, ticket.channel, ticket.unit.code) == ("repair", "patrol", unit)
        assert AuditEvent.select().where(AuditEvent.action == "vacant.check").count() == 1
        # It appears: checked now, the problem, due in 30 days.
        (row,) = table_rows(app.screen.query_one("#vacant-table", FitTable))
        assert row[2] == "10:00" and row[3] == "张敏"
        found = t("ui.vacant.problem_items", lang=lang,
                  items=vacant.item_names(("water", "leaks"), lang))
        assert found.startswith(row[4].rstrip("…"))  # a narrow column cuts it with "…"
        assert row[5] == "11-08" and row[6] == t("ui.vacant.due_in", lang=lang, days=30)
        shown = screen_text(app)  # the detail under the table says it all
        assert ticket.number in shown and found in shown
        await pilot.press("h")
        await pilot.pause()
        assert isinstance(app.screen, VacantHistoryScreen)
        (line,) = table_rows(app.screen.query_one("#history-table", FitTable))
        assert line[0] == "2026-10-09 10:00" and ticket.number in line[4]
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, VacantScreen)


async def test_overdue_first_and_the_filter_box(make_app) -> None:  # noqa: ANN001
    app = make_app("zh")
    fresh = _never_checked()[0]
    # A unit found vacant just now (no check clock yet) whose last check was 40 days ago.
    late = Unit.select().where(Unit.status == "owner_occupied").order_by(Unit.code).first()
    Unit.update(status="vacant").where(Unit.id == late.id).execute()
    late = late.code
    units = _vacant_units()
    clerk = Staff.get(Staff.login == "clerk")
    # Recorded before the app's first refresh would see the unit vacant (its clock then runs
    # from the check, not from now).
    clock = app.session.clock
    vacant.record_check(late, [], "", clerk, clock, SETTINGS,
                        checked_at=clock.now() - timedelta(days=40))
    vacant.record_check(fresh, [], "", clerk, clock, SETTINGS)
    async with app.run_test(size=(120, 40)) as pilot:
        app.push_screen(VacantScreen())
        await pilot.pause()
        table = app.screen.query_one("#vacant-table", FitTable)
        rows = table_rows(table)
        assert len(rows) == len(units)
        # Ten days late: before the demo's unit five days late.
        assert rows[0][0] == late and rows[0][6] == t("ui.vacant.overdue", days=10)
        assert rows[-1][0] == fresh  # checked today: last
        assert table.get_row_at(0)[0].style == "bold red"  # marked like the other registers
        status = _static(app, "#duty-status")
        overdue = sum(table.get_row_at(i)[0].style == "bold red" for i in range(len(rows)))
        assert overdue == 2 and squash(t("ui.vacant.status_overdue", n=2)) in status
        await pilot.press("slash", *late)
        await pilot.pause()
        assert [r[0] for r in table_rows(table)] == [late]
        await pilot.press("escape")  # clears the box
        await pilot.pause()
        assert len(table_rows(table)) == len(units)
        assert isinstance(app.screen, VacantScreen)
        # At 80×24 the keys stay in view.
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert squash(t("ui.vacant.keys")) in squash(screen_text(app))


async def test_the_guard_is_refused_in_place(make_app) -> None:  # noqa: ANN001
    app = make_app("en", login="guard")
    before = VacantCheck.select().count()
    async with app.run_test(size=(120, 40)) as pilot:
        app.push_screen(VacantScreen())
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, VacantScreen)
        error = _static(app, "#duty-error")
        assert squash(t("action.vacant.check", lang="en")) in error
        assert VacantCheck.select().count() == before


@LANGS
async def test_f6_shows_a_vacant_units_checks(make_app, lang: str) -> None:  # noqa: ANN001
    """The unit at a glance says when a vacant unit was last checked and when the next is due
    (the demo's unit checked 35 days ago is overdue); an occupied unit has no such line."""
    from kfdesk_screens.residents import ResidentsScreen

    late = (VacantCheck.select().join(Unit).where(Unit.status == "vacant")
            .order_by(VacantCheck.checked_at).first())
    app = make_app(lang)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f6")
        await pilot.pause()
        assert isinstance(app.screen, ResidentsScreen)
        app.screen.show_unit(late.unit.code)
        await pilot.pause()
        shown = squash(screen_text(app))
        assert squash(t("ui.residents.vacant_checks", lang=lang)) in shown
        assert squash(t("ui.vacant.overdue", lang=lang, days=5)) in shown
        assert late.checked_by.name in shown
        app.screen.show_unit("3-1-502")  # lived in
        await pilot.pause()
        assert squash(t("ui.residents.vacant_checks", lang=lang)) not in squash(screen_text(app))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_state_in_words_on_the_evening_of_the_due_day(lang: str) -> None:
    # Due by close of business: late that evening by less than a day, said so, not "0 days".
    from datetime import date

    from kfdesk_screens.vacant import state_text

    from kfdesk.i18n import set_language
    from kfdesk.views.vacant import VacantRow

    set_language(lang)
    row = VacantRow(unit_id=1, unit="1-1-101", owners="", last_at=None, last_by="",
                    last_problem=False, last_findings=(), last_note="", last_ticket="",
                    checks=0, due_on=date(2026, 11, 8), state="overdue", days=0, key_ref="",
                    key_where="")
    assert state_text(row) == t("ui.vacant.overdue_today")
    assert state_text(row._replace(days=2)) == t("ui.vacant.overdue", days=2)
    assert state_text(row._replace(state="due_soon")) == t("ui.vacant.due_today")
