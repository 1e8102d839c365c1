"""The one-line header on every screen: office · screen · signed-in person (role) · the clock.

The clock text lives on the app (one timer for all screens); each header watches it.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from kfdesk.i18n import t


class OfficeHeader(Horizontal):
    """Office name and screen title on the left, person and clock on the right."""

    DEFAULT_CSS = """
    OfficeHeader {
        dock: top;
        height: 1;
        background: $panel;
        color: $foreground;
    }
    OfficeHeader > #where { width: 1fr; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis; }
    OfficeHeader > #who { width: auto; padding: 0 1; text-wrap: nowrap; }
    OfficeHeader > #clock { width: auto; padding: 0 1; text-style: bold; }
    """

    def __init__(self, title: str) -> None:
        super().__init__()
        self._title = title

    def compose(self) -> ComposeResult:
        office = self.app.session.settings.office_name  # type: ignore[attr-defined]
        where = f"{office} · {self._title}" if self._title else office
        yield Static(where, id="where")
        yield Static(self._who(), id="who")
        yield Static(self.app.clock_text, id="clock")  # type: ignore[attr-defined]

    def _who(self) -> str:
        staff = self.app.session.staff  # type: ignore[attr-defined]
        if staff is None:
            return t("ui.header.not_signed_in")
        return t("ui.header.who", name=staff.name, role=t(f"role.{staff.role}"))

    def on_mount(self) -> None:
        self.watch(self.app, "clock_text", self._set_clock)

    def _set_clock(self, text: str) -> None:
        self.query_one("#clock", Static).update(text)

    def refresh_who(self) -> None:
        """After sign-in the person changes; the header of an existing screen follows."""
        self.query_one("#who", Static).update(self._who())
