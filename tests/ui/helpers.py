"""Reading what a running app shows: the text on screen and the rows of a table."""

from __future__ import annotations

from textual.app import App
from textual.widgets import DataTable


def screen_text(app: App) -> str:
    """The current screen as plain text, one line per terminal row."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())  # noqa: SLF001


def table_rows(table: DataTable) -> list[list[str]]:
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def column_texts(table: DataTable, index: int) -> list[str]:
    return [row[index] for row in table_rows(table)]


async def appears(pilot, app: App, text: str) -> bool:  # noqa: ANN001 - Pilot
    """Wait (a little) until ``text`` is on the screen: a new modal paints a frame later."""
    for _ in range(40):
        if text in screen_text(app):
            return True
        await pilot.pause(0.05)
    return False
