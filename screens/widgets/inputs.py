"""The text input used everywhere: Textual's Input with the app's cursor-blink setting.

Snapshot tests need a still cursor, so the app can switch blinking off for every input.
An input may carry a shorter placeholder for when the long one does not fit its width (80×24:
"房号 / 姓名 / 拼音 / 后 4 位" rather than a hint cut in the middle, issue 16).
"""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from textual import events
from textual.widgets import Input


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
