"""The counter's registers in one place (RULES §6), opened from F6 with `g`.

A short menu — one letter per register — so the unit screen's footer keeps to the unit's own
pending actions. Each register opens on the unit F6 is showing (or on all units when none is).
Release passes (KF-014), mail (KF-021), lending (KF-022), keys (RULES §5), parking leases
(KF-018), visitors and renovation permits (KF-001), vacant units' checks (RULES §6, KF-001).
"""

from __future__ import annotations

from importlib import import_module
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from kfdesk.i18n import t

from .common import translate_bindings

# (letter, catalogue key of its name, module, screen class)
REGISTERS: tuple[tuple[str, str, str, str], ...] = (
    ("t", "ui.registers_menu.passes", "release_passes", "ReleasePassScreen"),
    ("m", "ui.registers_menu.mail", "mail", "MailScreen"),
    ("l", "ui.registers_menu.lending", "lending", "LendingScreen"),
    ("e", "ui.registers_menu.keys", "keys", "KeysScreen"),
    ("c", "ui.registers_menu.leases", "leases", "LeasesScreen"),
    ("v", "ui.registers_menu.visitors", "visitors", "VisitorsScreen"),
    ("k", "ui.vacant.menu", "vacant", "VacantScreen"),
)


def open_register(app, module: str, cls: str, unit: str | None, done=None) -> None:  # noqa: ANN001
    """Push one register's modal on ``unit`` (imported on first use: start-up stays light)."""
    screen_class = getattr(import_module(f"{__package__}.{module}"), cls)
    app.push_screen(screen_class(unit), done)


class RegistersMenu(ModalScreen[tuple[str, str] | None]):
    """Returns (module, class) of the register chosen, or None."""

    DEFAULT_CSS = """
    RegistersMenu { align: center middle; }
    RegistersMenu > #rm-box {
        width: 44; height: auto; border: round $accent; background: $surface; padding: 0 1;
    }
    RegistersMenu #rm-keys { color: $text-muted; margin-top: 1; }
    """
    BINDINGS: ClassVar = [Binding("escape", "close", "ui.key.close", id="registers.close")]

    def __init__(self, unit: str | None) -> None:
        super().__init__()
        translate_bindings(self)
        self._unit = unit

    def compose(self) -> ComposeResult:
        with Vertical(id="rm-box") as box:
            box.border_title = (t("ui.registers_menu.title_unit", unit=self._unit) if self._unit
                                else t("ui.registers_menu.title"))
            text = Text()
            for letter, key, _, _ in REGISTERS:
                text.append(f" {letter} ", style="bold reverse")
                text.append(f" {t(key)}\n")
            text.rstrip()
            yield Static(text, id="rm-list")
            yield Static(t("ui.registers_menu.keys_hint"), id="rm-keys")

    def on_key(self, event: events.Key) -> None:
        for letter, _, module, cls in REGISTERS:
            if event.character == letter:
                event.stop()
                self.dismiss((module, cls))
                return

    def action_close(self) -> None:
        self.dismiss(None)
