"""The text input used everywhere: Textual's Input with the app's cursor-blink setting, and
no control characters.

Snapshot tests need a still cursor, so the app can switch blinking off for every input.
An input may carry a shorter placeholder for when the long one does not fit its width (80×24:
"房号 / 姓名 / 拼音 / 后 4 位" rather than a hint cut in the middle, issue 16).

A NUL or another control character (pasted from a spreadsheet, a web page, a scanner) is
refused in every box, search boxes included: PostgreSQL cannot take a NUL in a query at all,
and none belongs in a name, a phone or a ticket (issue 19). The box keeps what it had and
says why, in place of the text.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from rich.cells import cell_len
from textual import events
from textual.widgets import Input

from kfdesk.i18n import t


def has_control(text: str) -> bool:
    """Whether ``text`` holds a control character (C0, DEL, C1): never typed at a counter."""
    return any(unicodedata.category(ch) == "Cc" for ch in text)


class DeskInput(Input):
    def __init__(self, *args: Any, short_placeholder: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._long_placeholder = self.placeholder
        self._short_placeholder = short_placeholder

    def on_mount(self) -> None:
        self.cursor_blink = getattr(self.app, "cursor_blink_enabled", True)

    def set_placeholder(self, long: str, short: str = "") -> None:
        """A placeholder and its shorter form, the one that fits shown."""
        self._long_placeholder, self._short_placeholder = long, short
        self._fit_placeholder()

    def on_resize(self, event: events.Resize) -> None:
        self._fit_placeholder()

    def _fit_placeholder(self) -> None:
        room = self.content_size.width
        long, short = self._long_placeholder, self._short_placeholder
        self.placeholder = (short if short and room and cell_len(long) > room else long)

    def replace(self, text: str, start: int, end: int) -> None:
        # Every way text enters the box (a key, a paste, insert) comes through here.
        if has_control(text):
            self.app.bell()
            self.app.notify(t("security_c.control_chars"), severity="warning")
            return
        super().replace(text, start, end)
