"""The alert bar under the header: overdue / due-soon counts and the most urgent item.

The deadline engine (``kfdesk.rules``) feeds it through ``show`` after each run. It can be
focused (Tab, or a click): Enter opens the list of every alert (as F8 does).
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.binding import Binding
from textual.widgets import Static

from kfdesk.i18n import t


class AlertBar(Static, can_focus=True):
    """One line: ``逾期 7 · 即将到期 12 │ KF-010 §4.1.2 派单 1 小时 · 3-1-502 · 超时 25 分``."""

    BINDINGS: ClassVar = [Binding("enter", "open", "ui.key.alerts", id="alertbar.open")]

    DEFAULT_CSS = """
    AlertBar {
        height: 1;
        padding: 0 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        background: $boost;
        color: $text-muted;
    }
    AlertBar.-overdue { background: $error 25%; color: $text; }
    AlertBar.-due-soon { background: $warning 20%; color: $text; }
    AlertBar:focus { text-style: reverse; }
    """

    def __init__(self) -> None:
        super().__init__()
        from ..common import translate_bindings

        translate_bindings(self)

    def on_mount(self) -> None:
        self.show({}, None)

    def action_open(self) -> None:
        self.app.action_alerts()  # type: ignore[attr-defined]

    def on_click(self) -> None:
        self.action_open()

    def show(self, counts: dict[str, int], top: str | None) -> None:
        """Show the engine's counts (keys ``overdue`` and ``due_soon``) and its top item."""
        overdue = counts.get("overdue", 0)
        due_soon = counts.get("due_soon", 0)
        self.set_class(overdue > 0, "-overdue")
        self.set_class(overdue == 0 and due_soon > 0, "-due-soon")
        if not overdue and not due_soon:
            self.update(t("ui.alert.none"))
            return
        text = Text()
        text.append(t("ui.alert.overdue", n=overdue), style="bold" if overdue else "")
        text.append(" · ")
        text.append(t("ui.alert.due_soon", n=due_soon))
        if top:
            text.append(" │ ")
            text.append(top)
        self.update(text)
