"""The one-line header on every screen: office · screen · signed-in person (role) · the clock.

One widget drawing one line (the first frame pays for every widget). The clock text lives on
the app (one timer for all screens); each header watches it.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.widget import Widget

from kfdesk.i18n import t

from ..common import fit


class OfficeHeader(Widget):
    """Office name and screen title on the left, person and clock on the right."""

    DEFAULT_CSS = """
    OfficeHeader {
        dock: top;
        height: 1;
        background: $panel;
        color: $foreground;
    }
    """

    def __init__(self, title: str) -> None:
        super().__init__()
        self._title = title

    def _who(self) -> str:
        staff = self.app.session.staff  # type: ignore[attr-defined]
        if staff is None:
            return t("ui.header.not_signed_in")
        return t("ui.header.who", name=staff.name, role=t(f"role.{staff.role}"))

    def render(self) -> Text:
        office = self.app.session.settings.office_name  # type: ignore[attr-defined]
        where = f"{office} · {self._title}" if self._title else office
        right = Text(self._who() + "  ")
        right.append(self.app.clock_text, style="bold")  # type: ignore[attr-defined]
        right.append(" ")
        room = max(self.size.width - right.cell_len - 1, 0)
        left = fit(where, room) if cell_len(where) > room else where
        line = Text(" " + left)
        line.append(" " * max(self.size.width - line.cell_len - right.cell_len, 0))
        line.append_text(right)
        return line

    def on_mount(self) -> None:
        self.watch(self.app, "clock_text", lambda _text: self.refresh())

    def refresh_who(self) -> None:
        """After sign-in the person changes; the header of an existing screen follows."""
        self.refresh()
