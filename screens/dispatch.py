"""F3 dispatch queue: every ticket not closed out, overdue first, with a text filter.

KF-010 §4.1.2 wants a dispatch within an hour of intake and KF-008 that nothing closes without
passing the desk, so the queue is the desk's whole open workload with each ticket's
first-contact owner (KF-006 §1). The deadline engine's alerts put overdue tickets on top in
the error colour and due-soon ones next, each saying how late it is or how long is left.
Enter opens the ticket's history; `/` filters by unit, category, owner, state and more.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import DataTable, Static

from kfdesk import views
from kfdesk.i18n import t

from .alerts import due_text, marked, order_key
from .base import QueueScreen
from .ticket import TicketScreen
from .widgets.inputs import DeskInput
from .widgets.table import Column, FitTable


def flags(row: views.TicketRow) -> str:
    parts = []
    if row.coordinated:
        parts.append(t("ui.dispatch.coordinated"))
    if row.escalation:
        parts.append(t(f"escalation.{row.escalation}"))
    return " ".join(parts)


class DispatchScreen(QueueScreen):
    MODE = "dispatch"
    TABLE_ID = "queue"
    COUNT_ID = "queue-count"
    COUNT_KEY = "ui.dispatch.count"

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="bar"):
            yield DeskInput(placeholder=t("ui.dispatch.filter"), id="filter", classes="search")
            yield Static("", id="queue-count", classes="count")
        yield FitTable(
            [
                Column("number", t("ui.col.number"), min=8, max=8),
                Column("due", t("ui.col.due"), min=12, max=18),
                Column("received", t("ui.col.received"), min=11, max=11),
                Column("unit", t("ui.col.unit"), min=7, max=9),
                Column("caller", t("ui.col.caller"), min=6, max=10, flex=1, drop=2),
                Column("kind", t("ui.col.kind"), min=4, max=10, drop=4),
                Column("category", t("ui.col.category"), min=6, max=24, flex=1),
                Column("state", t("ui.col.state"), min=4, max=12),
                Column("department", t("ui.col.department"), min=4, max=12, drop=1),
                Column("owner", t("ui.col.owner_staff"), min=4, max=8),
                Column("flags", t("ui.col.flags"), min=2, max=22, drop=5),
            ],
            id="queue",
        )

    def reload(self) -> None:
        alerts = self.desk.alerts_by_item
        tickets = views.open_tickets(self.zone)
        # Stable sort: overdue first, then due soon, each in the views' oldest-first order.
        tickets = sorted(tickets, key=lambda r: order_key(alerts.get(("ticket", r.id))))
        self._rows = []
        for r in tickets:
            alert = alerts.get(("ticket", r.id))
            self._rows.append((r.number, marked([
                r.number, due_text(alert) if alert else "",
                r.received_at.strftime("%m-%d %H:%M"), r.unit or "—",
                r.caller or t("ui.ticket.anonymous"), t(f"kind.{r.kind}"),
                t(f"category.{r.category}"), t(f"state.{r.state}"),
                t(f"department.{r.department}") if r.department else "",
                r.owner, flags(r),
            ], alert)))
        self._apply_filter()

    @on(DataTable.RowSelected, "#queue")
    def _selected(self, event: DataTable.RowSelected) -> None:
        self.show_ticket(event.row_key.value)

    def show_ticket(self, number: str) -> None:
        """Open a ticket's history (also for a closed ticket, from the command palette)."""
        detail = views.ticket_detail(number, self.zone)
        if detail is None:
            return
        self.query_one("#queue", FitTable).select_key(number)
        self.app.push_screen(TicketScreen(detail, self.today))
