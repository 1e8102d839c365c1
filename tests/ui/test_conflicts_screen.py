"""Two counters on one ticket at the dispatch queue (F3, issue 9): the clerk confirming a step on
a ticket another counter changed since the dialog opened reads who and when in the dialog, the
queue behind is re-read at once, and after Esc the step goes through on the ticket as it is.
"""

from __future__ import annotations

from helpers import table_rows
from kfdesk_screens.dispatch import DispatchScreen
from kfdesk_screens.widgets.dialogs import ActionDialog
from kfdesk_screens.widgets.table import FitTable

from kfdesk.config import default_settings
from kfdesk.desk import tickets as tk
from kfdesk.i18n import t
from kfdesk.models import Dispatch, Staff, Ticket

SIZE = (120, 40)
NUMBER = "K-000616"  # a new repair in the demo, not yet dispatched


async def test_a_stale_dialog_names_the_other_clerk_and_reloads_the_row(make_app, clock) -> None:  # noqa: ANN001
    app = make_app("zh")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3", "slash", *NUMBER, "enter")
        await pilot.pause()
        queue = app.screen
        assert isinstance(queue, DispatchScreen)
        assert queue.query_one("#queue", FitTable).selected_key() == NUMBER
        shown = queue._tickets[NUMBER].version  # noqa: SLF001 - what the clerk is looking at

        await pilot.press("d")  # engineering is ticked for a repair
        dialog = app.screen
        assert isinstance(dialog, ActionDialog)
        # Meanwhile 李娜 puts the ticket on hold at the other counter.
        tk.hold(NUMBER, "住户出差", Staff.get(Staff.login == "clerk2"), clock,
                settings=default_settings())
        ticket = Ticket.get(Ticket.number == NUMBER)
        assert ticket.version != shown

        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is dialog  # refused in place, what was chosen still there
        shown_error = str(dialog.query_one("#dlg-error").render())
        assert "李娜" in shown_error and "2026-10-09 10:00" in shown_error
        assert t("conflict.step.hold") in shown_error
        assert Dispatch.select().where(Dispatch.ticket == ticket).count() == 0
        # The row behind the dialog was re-read: the new version, marked as held.
        assert queue._tickets[NUMBER].version == ticket.version  # noqa: SLF001
        row = next(r for r in table_rows(queue.query_one("#queue", FitTable))
                   if r[0] == NUMBER)
        assert t("ui.dispatch.held") in row[-1]

        await pilot.press("escape")
        assert app.screen is queue
        await pilot.press("d", "ctrl+s")  # the clerk saw the hold and dispatches all the same
        await pilot.pause()
        assert app.screen is queue
        assert [d.department for d in Dispatch.select().where(Dispatch.ticket == ticket)] == [
            "engineering"]
