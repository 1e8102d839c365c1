"""F3 dispatch queue: every ticket not closed out, overdue first, and the desk's steps on it.

KF-010 §4.1.2 wants a dispatch within an hour of intake and KF-008 that nothing closes without
passing the desk, so the queue is the desk's whole open workload with each ticket's
first-contact owner (KF-006 §1). The deadline engine's alerts put overdue tickets on top in
the error colour and due-soon ones next, each saying how late it is or how long is left.

Rows are in urgency order (``kfdesk.views.urgency``: overdue, most late first; then by next
deadline, soonest first; then the rest) and every row with a running clock shows that deadline
("今天 11:00", "10-12 17:30"), coloured once it is due soon or overdue (issue 16).

The bar above the queue narrows it by department, state, kind, owner and "overdue only", and
`/` by any text; the highlighted ticket stays highlighted across filters and refreshes (when a
filter hides it, it is highlighted again once it shows). The steps on the highlighted ticket
are ``ticket_steps.STEPS`` (shared with the ticket view), u correct and z void among them
(``ticket_fix``, KF-012 v2); Enter opens the ticket view, with the same steps, over the queue.
A ticket voided today stays in the queue, struck through, until the day's end.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Static

from kfdesk import views
from kfdesk.desk import tickets
from kfdesk.i18n import t
from kfdesk.models.tickets import KINDS, TICKET_STATES
from kfdesk.views.urgency import NextDue, by_urgency, ticket_next_due

from . import ticket_fix
from .alerts import deadline_cell, marked_state
from .base import QueueScreen
from .ticket import TicketScreen
from .ticket_steps import ACTIONS, TicketSteps, step_bindings
from .widgets.choice import ChoiceField
from .widgets.inputs import DeskInput
from .widgets.table import Column, FitTable

ALL = "*"
__all__ = ["ACTIONS", "DispatchScreen"]


def flags(row: views.TicketRow) -> str:
    parts = []
    if row.coordinated:
        parts.append(t("ui.dispatch.coordinated"))
    if row.escalation:
        parts.append(t(f"escalation.{row.escalation}"))
    if row.held:
        parts.append(t("ui.dispatch.held"))
    if row.rework_count:
        parts.append(t("ui.dispatch.reworks", n=row.rework_count))
    return " ".join(parts)


class DispatchScreen(TicketSteps, QueueScreen):
    CSS_PATH = "dispatch.tcss"
    MODE = "dispatch"
    ITEM_KIND = "ticket"
    TABLE_ID = "queue"
    COUNT_ID = "queue-count"
    COUNT_KEY = "ui.dispatch.count"
    BINDINGS: ClassVar = [
        *step_bindings("dispatch"),
        Binding("ctrl+f", "filters", "ui.key.filters", id="dispatch.filters", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._tickets: dict[str, views.TicketRow] = {}
        self._all: list[tuple[views.TicketRow, str, list]] = []
        self._due: dict[int, NextDue] = {}  # each ticket's next running deadline
        # The ticket the clerk highlighted, kept while a filter hides it (``_keep_chosen``),
        # and the row the cursor fell on instead.
        self._chosen: str | None = None
        self._fallback: str | None = None

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="bar"):
            yield DeskInput(placeholder=t("ui.dispatch.filter"), id="filter", classes="search")
            yield Static("", id="queue-count", classes="count")
        with Horizontal(id="filters"):
            yield Static(t("ui.col.department"), classes="flt-label")
            yield ChoiceField([(ALL, t("ui.dispatch.all"))]
                              + [(d, t(f"department.{d}")) for d in (
                                  *tickets.DISPATCH_DEPARTMENTS, "developer")], ALL,
                              id="f-department")
            yield Static(t("ui.col.state"), classes="flt-label")
            yield ChoiceField([(ALL, t("ui.dispatch.all"))]
                              + [(s, t(f"state.{s}")) for s in TICKET_STATES if s != "closed"],
                              ALL, id="f-state")
            yield Static(t("ui.col.kind"), classes="flt-label")
            yield ChoiceField([(ALL, t("ui.dispatch.all"))]
                              + [(k, t(f"kind.{k}")) for k in KINDS], ALL, id="f-kind")
            yield Static(t("ui.col.owner_staff"), classes="flt-label")
            yield ChoiceField([(ALL, t("ui.dispatch.all")), ("me", t("ui.dispatch.mine"))],
                              ALL, id="f-owner")
            yield Static(t("ui.dispatch.due"), classes="flt-label")
            yield ChoiceField([(ALL, t("ui.dispatch.all")),
                               ("overdue", t("ui.dispatch.overdue_only")),
                               ("due", t("ui.dispatch.due_only"))], ALL, id="f-due")
        yield FitTable(
            [
                Column("number", t("ui.col.number"), min=8, max=8),
                Column("due", t("ui.col.due"), min=11, max=24),
                # The deadline says more than the intake time: that goes before the kind.
                Column("received", t("ui.col.received"), min=11, max=11, drop=4),
                Column("unit", t("ui.col.unit"), min=7, max=9),
                # A name before codes (issue 16): the caller stays at 80 columns.
                Column("caller", t("ui.col.caller"), min=6, max=10, flex=1),
                Column("kind", t("ui.col.kind"), min=4, max=10, drop=3),
                Column("category", t("ui.col.category"), min=6, max=24, flex=1),
                Column("state", t("ui.col.state"), min=4, max=12),
                Column("department", t("ui.col.department"), min=4, max=12, drop=1),
                Column("owner", t("ui.col.owner_staff"), min=4, max=8),
                Column("flags", t("ui.col.flags"), min=2, max=22, drop=5),
            ],
            id="queue",
        )

    # ---- the queue -----------------------------------------------------------------------------

    def reload(self) -> None:
        now = self.desk.session.clock.now()
        # Oldest first: the order of equal urgency. Tickets voided today stay, struck
        # through, until the day's end (KF-012 v2), after every live one.
        rows = views.open_tickets(self.zone,
                                  voided_since=views.day_bounds(self.today, self.zone)[0])
        self._due = due = ticket_next_due(r.id for r in rows)
        rows = by_urgency(rows, lambda r: d.due_at if (d := due.get(r.id)) else None, now)
        rows = sorted(rows, key=lambda r: r.state == "voided")  # stable: urgency kept
        self._tickets = {r.number: r for r in rows}
        self._all = []
        for r in rows:
            clock = due.get(r.id)
            departments = r.dispatched_to or ((r.department,) if r.department else ())
            mark = ticket_fix.struck if r.state == "voided" else list
            self._all.append((r, r.number, mark(marked_state([
                r.number, deadline_cell(clock, now, self.zone),
                r.received_at.strftime("%m-%d %H:%M"), r.unit or "—",
                r.caller or t("ui.ticket.anonymous"), t(f"kind.{r.kind}"),
                t(f"category.{r.category}"), t(f"state.{r.state}"),
                "、".join(t(f"department.{d}") for d in departments),
                r.owner, flags(r),
            ], clock.state(now) if clock else ""))))
        self._apply_filter()
        self.refresh_bindings()

    def _apply_filter(self) -> None:
        super()._apply_filter()
        self._keep_chosen()

    def _keep_chosen(self) -> None:
        """Put the cursor back on the clerk's ticket when it is shown (issue 16)."""
        table = self.query_one("#queue", FitTable)
        self._fallback = None
        if self._chosen is None:
            self._chosen = table.selected_key()
        elif not table.select_key(self._chosen):
            self._fallback = table.selected_key()  # where the cursor fell meanwhile

    def restore(self, place: dict[str, str]) -> None:
        """The next person signed in on this queue: the ticket selected before is the clerk's
        choice again, so a reload keeps it (``_keep_chosen``)."""
        super().restore(place)
        if place.get("queue"):
            self._chosen, self._fallback = place["queue"], None

    def keep(self, r: views.TicketRow, alert, choices: dict) -> bool:  # noqa: ANN001
        me = self.desk.session.staff.id if self.desk.session.staff else None
        dept, due = choices["department"], choices["due"]
        clock = self._due.get(r.id)
        state = clock.state(self.desk.session.clock.now()) if clock else "running"
        return not (
            (dept not in (None, ALL) and dept not in (r.dispatched_to or (r.department,)))
            or choices["state"] not in (None, ALL, r.state)
            or choices["kind"] not in (None, ALL, r.kind)
            or (choices["owner"] == "me" and r.owner_id != me)
            or (due == "overdue" and state != "overdue")
            or (due == "due" and state == "running"))

    @on(ChoiceField.Changed)
    def _filter_choice(self, event: ChoiceField.Changed) -> None:
        if event.choice.id and event.choice.id.startswith("f-"):
            self._apply_filter()

    def action_filters(self) -> None:
        self.query_one("#f-department", ChoiceField).focus()

    @on(DataTable.RowSelected, "#queue")
    def _selected(self, event: DataTable.RowSelected) -> None:
        self.show_ticket(event.row_key.value)

    @on(DataTable.RowHighlighted, "#queue")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value
        # The cursor landing on another row because a filter hid the clerk's ticket is not a
        # choice; the clerk moving it is. An event from a rebuild the cursor has since left
        # (``_keep_chosen`` put it back) is stale: it must not replace the choice.
        if key != self.query_one("#queue", FitTable).selected_key():
            return
        if key is not None and key != self._fallback:
            self._chosen = key
            self._fallback = None
        self.refresh_bindings()  # the footer shows the steps the highlighted ticket allows

    def show_ticket(self, number: str) -> None:
        """Open the ticket view over the queue (also for a closed ticket)."""
        detail = views.ticket_detail(number, self.zone)
        if detail is None:
            return
        if self.query_one("#queue", FitTable).select_key(number):
            self._chosen = number
        self.app.push_screen(TicketScreen(detail, self.today))

    # ---- the steps (screens/ticket_steps.py) -------------------------------------------------

    def _current(self) -> views.TicketRow | None:
        key = self.query_one("#queue", FitTable).selected_key()
        return self._tickets.get(key) if key else None
