"""F4 callbacks due: every callback not yet done, the oldest clock first.

KF-009 §3.1.1: a repair is called back within 3 working days of the work order's return;
KF-010 §4.5: every complaint within 3 days of the end of handling, by the first-contact clerk.
Phones are shown masked (KF-017 §4). Enter opens the ticket behind the callback.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import DataTable, Input, Static

from kfdesk import views
from kfdesk.i18n import t

from .alerts import due_text, marked, order_key
from .base import QueueScreen
from .ticket import TicketScreen
from .widgets.inputs import DeskInput
from .widgets.table import Column, FitTable


class CallbacksScreen(QueueScreen):
    MODE = "callbacks"
    TABLE_ID = "callbacks"
    COUNT_ID = "callbacks-count"
    COUNT_KEY = "ui.callbacks.count"

    def __init__(self) -> None:
        super().__init__()
        self._ticket_of: dict[str, str] = {}

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="bar"):
            yield DeskInput(placeholder=t("ui.callbacks.filter"), id="filter", classes="search")
            yield Static("", id="callbacks-count", classes="count")
        yield FitTable(
            [
                Column("due", t("ui.col.due"), min=12, max=18),
                Column("started", t("ui.col.clock_started"), min=11, max=11, drop=4),
                Column("kind", t("ui.col.callback_kind"), min=4, max=14),
                Column("unit", t("ui.col.unit"), min=7, max=9),
                Column("ticket", t("ui.col.number"), min=8, max=8),
                Column("work_order", t("ui.col.work_order"), min=8, max=8, drop=2),
                Column("resident", t("ui.col.resident"), min=4, max=10, flex=1),
                Column("phone", t("ui.col.phone"), min=11, max=11),
                Column("method", t("ui.col.method"), min=4, max=9, drop=1),
                Column("owner", t("ui.col.owner_staff"), min=4, max=8),
            ],
            id="callbacks",
        )

    def reload(self) -> None:
        alerts = self.desk.alerts_by_item
        rows = views.callbacks_due(self.zone)
        rows = sorted(rows, key=lambda r: order_key(alerts.get(("callback", r.id))))
        self._ticket_of = {str(r.id): r.ticket for r in rows if r.ticket}
        self._rows = []
        for r in rows:
            alert = alerts.get(("callback", r.id))
            self._rows.append((str(r.id), marked([
                due_text(alert) if alert else "",
                r.clock_started_at.strftime("%m-%d %H:%M"), t(f"callback_kind.{r.kind}"),
                r.unit or "—",
                r.ticket, r.work_order, r.resident, r.phone,
                t(f"method.{r.planned_method}"), r.owner,
            ], alert)))
        self._apply_filter()

    def show_callback(self, callback_id: int) -> None:
        """Put the cursor on one callback (a jump from the alert list)."""
        self.query_one("#filter", Input).value = ""
        self._apply_filter()
        self.query_one("#callbacks", FitTable).select_key(str(callback_id))
        self.query_one("#callbacks", FitTable).focus()

    @on(DataTable.RowSelected, "#callbacks")
    def _selected(self, event: DataTable.RowSelected) -> None:
        number = self._ticket_of.get(event.row_key.value)
        detail = views.ticket_detail(number, self.zone) if number else None
        if detail is not None:
            self.app.push_screen(TicketScreen(detail, self.today))
