"""The text input used everywhere: Textual's Input with the app's cursor-blink setting.

Snapshot tests need a still cursor, so the app can switch blinking off for every input.
"""

from __future__ import annotations

from textual.widgets import Input


class DeskInput(Input):
    def on_mount(self) -> None:
        self.cursor_blink = getattr(self.app, "cursor_blink_enabled", True)
