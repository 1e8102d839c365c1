"""F8: every due-soon and overdue item, most urgent first; Enter jumps to its record.

Its own module so that start-up does not build this screen class before it is first opened.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from kfdesk.i18n import t

from .alerts import due_text, marked
from .common import translate_bindings
from .widgets.table import Column, FitTable

if TYPE_CHECKING:
    from kfdesk.rules import Alert


class AlertsScreen(ModalScreen["Alert | None"]):
    """Every due-soon and overdue item, most urgent first; Enter jumps to its record."""

    DEFAULT_CSS = """
    AlertsScreen { align: center middle; }
    AlertsScreen > Vertical {
        width: 95%; height: 85%; border: round $error; background: $surface; padding: 0 1;
    }
    AlertsScreen #alerts-title { text-style: bold; height: 1; }
    AlertsScreen #alerts-hint { color: $text-muted; height: 1; }
    """
    BINDINGS: ClassVar = [
        Binding("escape", "dismiss_none", "ui.key.close", id="alerts.close"),
        Binding("f8", "dismiss_none", "ui.key.close", id="alerts.close_f8", show=False),
    ]

    def __init__(self, alerts: list[Alert], zone) -> None:  # noqa: ANN001 - tzinfo
        super().__init__()
        translate_bindings(self)
        self._alerts = {str(i): a for i, a in enumerate(alerts)}
        self._zone = zone

    def compose(self) -> ComposeResult:
        counts = {s: sum(1 for a in self._alerts.values() if a.state == s)
                  for s in ("overdue", "due_soon")}
        with Vertical():
            yield Static(t("ui.alerts.title", overdue=counts["overdue"],
                           due_soon=counts["due_soon"]), id="alerts-title")
            yield FitTable([
                Column("due", t("ui.col.due"), min=18, max=18),
                Column("rule", t("ui.col.rule"), min=8, max=14),
                Column("item", t("ui.col.alert_item"), min=7, max=14),
                Column("unit", t("ui.col.unit"), min=7, max=9),
                Column("owner", t("ui.col.owner_staff"), min=4, max=8, drop=2),
                Column("at", t("ui.col.due_at"), min=11, max=11, drop=1),
                Column("text", t("ui.col.rule_text"), min=10, max=60, flex=1),
            ], id="alert-table")
            yield Static(t("ui.alerts.hint"), id="alerts-hint")

    def on_mount(self) -> None:
        table = self.query_one("#alert-table", FitTable)
        table.load([
            (key, marked([due_text(a), a.rule, a.item_ref, a.unit or "—", a.owner_name or "—",
                          a.due_at.astimezone(self._zone).strftime("%m-%d %H:%M"),
                          a.rule_text], a))
            for key, a in self._alerts.items()
        ])
        table.focus()

    @on(DataTable.RowSelected, "#alert-table")
    def _chosen(self, event: DataTable.RowSelected) -> None:
        self.dismiss(self._alerts.get(event.row_key.value))

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
