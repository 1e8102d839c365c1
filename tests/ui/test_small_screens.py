"""80×24, the smallest supported terminal (issue 16): the footer keeps the words of the
screen's own keys, a one-line choice's value is not cut on the intake form, a toast's lines
break where Chinese allows, today's list on F2 shows more than a couple of tickets, and
toasts stay clear of a screen's detail panel."""

from __future__ import annotations

import pytest
from helpers import screen_text
from kfdesk_screens.common import wrap_cells
from kfdesk_screens.widgets.footer import DeskFooter
from kfdesk_screens.widgets.table import FitTable
from rich.cells import cell_len
from textual.widgets._toast import Toast, ToastRack

from kfdesk.i18n import t

SMALL = (80, 24)
LANGS = pytest.mark.parametrize("lang", ["zh", "en"])


def test_a_toast_breaks_between_chinese_characters() -> None:
    text = "K-000613 要经部门处理、住户验收或回访满意后才能消项（KF-008、KF-011）。"
    lines = wrap_cells(text, 30).split("\n")
    assert all(cell_len(line) <= 30 for line in lines)
    assert lines[0].startswith("K-000613 要经")  # not the number alone on its line
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert wrap_cells("Select a ticket in the queue first.", 20).split("\n") == [
        "Select a ticket in", "the queue first."]


@LANGS
@pytest.mark.parametrize("key", ["f3", "f4", "f7", "f9", "f10"])
async def test_the_footer_keeps_the_words_of_the_screens_own_keys(make_app, lang, key) -> None:  # noqa: ANN001
    app = make_app(lang)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.press(key)
        await pilot.pause()
        tables = [w for w in app.screen.query(FitTable) if w.display]
        if tables:
            tables[0].focus()
            await pilot.pause()
        footer = app.screen.query_one(DeskFooter)
        line = footer.render().plain
        own = [b for _, b, enabled, _ in app.screen.active_bindings.values()
               if enabled and b.show and b.description
               and not (b.id or "").startswith(("app.", "screen."))]
        assert own, "the screen has keys of its own"
        assert cell_len(line) - 1 <= footer.size.width, line  # nothing cut at the edge
        for binding in own:
            assert f"{app.get_key_display(binding)} {binding.description}" in line


@LANGS
async def test_three_choices_on_an_intake_row_show_in_full(make_app, lang) -> None:  # noqa: ANN001
    app = make_app(lang)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.app.workers.wait_for_complete()
        app.screen.query_one("#kind").focus()
        await pilot.press("3")  # an inquiry: judged "answered on the spot"
        await pilot.pause()
        await pilot.pause()
        judge = app.screen.query_one("#judge")
        shown = judge.render().plain
        if lang == "zh":
            assert shown == f"◀ {judge.options[judge.index][1]} ▶"  # 当场答复消项, whole
        else:  # too long for the row: cut with "…", the arrows kept, nothing past the edge
            assert shown.startswith("◀ ") and shown.endswith(" ▶")
        row = judge.parent
        assert judge.content_region.x + cell_len(shown) <= row.content_region.right


async def test_todays_list_on_f2_shows_its_tickets(make_app) -> None:  # noqa: ANN001
    app = make_app("zh")
    async with app.run_test(size=SMALL) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        table = app.screen.query_one("#today", FitTable)
        shown = table.size.height - 1  # less the header
        assert shown >= min(4, table.row_count), screen_text(app)


async def test_a_toast_at_80_columns_leaves_the_detail_panel_clear(make_app) -> None:  # noqa: ANN001
    app = make_app("zh")
    async with app.run_test(size=SMALL, notifications=True) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.press("f10")
        await pilot.pause()
        app.notify(t("ui.refuse.no_ticket"))
        await pilot.pause(0.3)
        await pilot.pause()
        toasts = list(app.screen.get_child_by_type(ToastRack).query(Toast))
        detail = app.screen.query_one("#service-panel")
        assert toasts and all(toast.region.height > 0 for toast in toasts)
        assert not any(toast.region.overlaps(detail.region) for toast in toasts)
