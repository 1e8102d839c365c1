"""F1: the keys of the current screen and the rules of the procedures behind it.

Texts come from the catalogue (``ui.help.<screen>.*``); the key list is read from the live
bindings, so a remapped key shows as it really is.
"""

from __future__ import annotations

import re

from rich.table import Table
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Static

from kfdesk.i18n import t

from .common import translate_bindings

_RULE = re.compile(r"^((?:KF|RULES)[^：:]*)[：:]\s*(.*)$")


def rules_grid(text: str) -> Table:
    """One row per paragraph; a leading rule id (``KF-010 §4.1.2：…``) gets its own column,
    so the text wraps beside it instead of under it."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    # Fold: a Chinese sentence has no spaces, so word wrapping alone would cut it off.
    grid.add_column(overflow="fold")
    for line in text.strip().splitlines():
        if not line.strip():
            continue
        m = _RULE.match(line.strip())
        if m:
            grid.add_row(m.group(1), m.group(2))
        else:
            grid.add_row("", Text(line.strip(), style="dim"))
    return grid


class HelpScreen(ModalScreen[None]):
    """A modal over the current screen; Esc or F1 closes it."""

    CSS_PATH = "help.tcss"
    BINDINGS = [
        Binding("escape,f1", "dismiss", "ui.key.close", id="help.close"),
    ]

    def __init__(self, mode: str, under: Screen) -> None:
        super().__init__()
        translate_bindings(self)
        self._mode = mode
        self._under = under

    def compose(self) -> ComposeResult:
        # Keys beside the rules, not above them: a screen with many one-letter steps would
        # push its rules out of sight.
        with VerticalScroll(id="help-box") as box:
            box.border_title = t("ui.help.title", screen=t(f"ui.title.{self._mode}"))
            box.border_subtitle = t("ui.help.close")
            with Horizontal(id="help-columns"):
                yield Static(self._keys(), id="help-keys")
                yield Static(rules_grid(t(f"ui.help.{self._mode}.rules")), id="help-rules")

    def on_resize(self, event: events.Resize) -> None:
        # Below 100 columns the rules go under the keys (80×24), as the main screens stack.
        self.set_class(event.size.width < 100, "-narrow")

    def _keys(self) -> Table:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        seen: set[str] = set()
        # The screen's own keys first, then the app's (F-keys, palette, quit).
        for node in (self._under, self.app):
            for _key, binding in node._bindings:  # noqa: SLF001 - the live, translated map
                # Only kfdesk's own keys (they have ids); Textual's built-ins are not the
                # counter's business and are not translated.
                if not binding.id or not binding.description or binding.action in seen:
                    continue
                name = binding.action.split("(")[0]
                if node is self.app and not self.app.check_action(name, ()):
                    continue  # e.g. the screen keys before sign-in
                seen.add(binding.action)
                table.add_row(self.app.get_key_display(binding), binding.description)
        if self._under.query(DataTable):
            # Enter on a row is the table's own key, not a binding: name it too.
            table.add_row("Enter", t("ui.key.open_row"))
        return table
