"""F7 end of day (RULES §7): every figure opens the records it counts, and they agree.

On a copy of the demo community: each figure of the demo day equals the length of its list
(views.day_lists uses the summary's own conditions); Enter on a figure in F7 shows that list,
Enter on a row opens the ticket.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from helpers import screen_text
from kfdesk_screens.summary import FigureListScreen, SummaryScreen
from kfdesk_screens.ticket import TicketScreen
from kfdesk_screens.widgets.table import FitTable

from kfdesk.config import default_settings
from kfdesk.demo import DEFAULT_NOW
from kfdesk.views import day_summary, office_day
from kfdesk.views.day_lists import figure_list

ZONE = default_settings().zone


@pytest.mark.parametrize("back", [0, 1, 3])
def test_every_figure_equals_its_list(ui_store, back: int) -> None:  # noqa: ANN001
    day = office_day(DEFAULT_NOW, ZONE) - timedelta(days=back)
    s = day_summary(day, DEFAULT_NOW, ZONE)
    figures = {
        "intake": s.intake_total, "dispatched": s.dispatched, "completed": s.completed,
        "closed": s.closed, "callbacks_done": s.callbacks_done,
        "callbacks_open": s.callbacks_open, "callbacks_overdue": s.callbacks_overdue,
        "open_tickets": s.open_tickets, "receipts": s.receipts, "voids": s.voids,
        "refunds": s.refunds, "mail_waiting": s.mail_waiting, "passes": s.passes_issued,
        "due_tomorrow": s.due_tomorrow, "coordinated": len(s.coordinated),
        "to_propose": len(s.to_propose), "to_approve": len(s.to_approve),
    }
    figures.update({f"intake.kind.{k}": n for k, n in s.intake_by_kind})
    figures.update({f"intake.channel.{k}": n for k, n in s.intake_by_channel})
    figures.update({f"intake.category.{k}": n for k, n in s.intake_by_category})
    for key, value in figures.items():
        assert len(figure_list(key, day, DEFAULT_NOW, ZONE).rows) == value, key
    # Receipts by method: the list's amounts add up to the figure.
    for method, fen in s.receipt_totals:
        rows = figure_list(f"receipts.{method}", day, DEFAULT_NOW, ZONE).rows
        assert sum(int(r[5].replace(",", "").replace(".", "")) for r in rows) == fen
    assert s.intake_total + s.receipts > 0  # the demo day has something to count


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_enter_on_a_figure_opens_its_list_and_a_ticket(make_app, lang: str) -> None:
    app = make_app(lang=lang, login="super")
    day = office_day(DEFAULT_NOW, ZONE)
    intake = figure_list("intake", day, DEFAULT_NOW, ZONE)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f7")
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        table = app.screen.query_one("#fig-intake", FitTable)
        table.focus()
        table.select_key("intake")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, FigureListScreen)
        text = screen_text(app)
        for number in intake.opens:
            assert number in text
        await pilot.press("enter")  # the first ticket
        await pilot.pause()
        assert isinstance(app.screen, TicketScreen)
        await pilot.press("escape")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
