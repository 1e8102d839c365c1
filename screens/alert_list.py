"""F8: every due-soon and overdue item, most urgent first; Enter opens its record.

Urgency order is the one of every queue (``kfdesk.views.urgency``): overdue, most late first,
then due soon, soonest first. Enter on a ticket's alert opens the ticket view over this list, so
its steps act on that ticket and Esc comes back here, the cursor where it was and the list as
the engine now sees it (a dispatched ticket's dispatch alert gone). Other records are opened on
their screens. Its own module so that start-up does not build this screen class before it is
first opened.
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
from kfdesk.views.urgency import by_urgency

from .alerts import deadline_text, due_text, marked
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
        self._zone = zone
        self._alerts: dict[str, Alert] = {}
        self._set(alerts)

    def _set(self, alerts: list[Alert]) -> None:
        # Keyed by the clock and its record, so the cursor stays on its item across refreshes.
        self._now = self.app.session.clock.now()  # type: ignore[attr-defined]
        alerts = by_urgency(alerts, lambda a: a.due_at, self._now)
        self._alerts = {f"{a.item_kind}:{a.item_id}:{a.clock}": a for a in alerts}

    def _title(self) -> str:
        counts = {s: sum(1 for a in self._alerts.values() if a.state == s)
                  for s in ("overdue", "due_soon")}
        return t("ui.alerts.title", overdue=counts["overdue"], due_soon=counts["due_soon"])

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self._title(), id="alerts-title")
            yield FitTable([
                Column("due", t("ui.col.due"), min=18, max=18),
                Column("rule", t("ui.col.rule"), min=8, max=14),
                Column("item", t("ui.col.alert_item"), min=7, max=14),
                Column("unit", t("ui.col.unit"), min=7, max=9),
                Column("owner", t("ui.col.owner_staff"), min=4, max=8, drop=2),
                Column("at", t("ui.col.due_at"), min=11, max=16, drop=1),
                Column("text", t("ui.col.rule_text"), min=10, max=60, flex=1),
            ], id="alert-table")
            yield Static(t("ui.alerts.hint"), id="alerts-hint")

    def on_mount(self) -> None:
        self._load()
        self.query_one("#alert-table", FitTable).focus()

    def _load(self) -> None:
        table = self.query_one("#alert-table", FitTable)
        table.load([
            (key, marked([due_text(a), a.rule, a.item_ref, a.unit or "—", a.owner_name or "—",
                          deadline_text(a.due_at, self._now, self._zone),
                          a.rule_text], a))
            for key, a in self._alerts.items()
        ])
        self.query_one("#alerts-title", Static).update(self._title())

    def on_alerts(self) -> None:
        """The engine ran (after a step taken from here, or on its timer): re-read."""
        self._set(self.app.alert_list)  # type: ignore[attr-defined]
        self._load()

    def on_screen_resume(self) -> None:
        self.on_alerts()

    @on(DataTable.RowSelected, "#alert-table")
    async def _chosen(self, event: DataTable.RowSelected) -> None:
        alert = self._alerts.get(event.row_key.value)
        if alert is not None and alert.item_kind == "ticket":
            # Over this list: Esc comes back to it (issue 16).
            await self.app.open_ticket(alert.item_ref)  # type: ignore[attr-defined]
            return
        self.dismiss(alert)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
