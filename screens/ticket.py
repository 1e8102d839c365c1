"""The ticket view: a ticket with its whole history and the desk's steps on it (KF-008).

One view wherever a ticket is opened (issue 16): Enter on the dispatch queue (F3), the intake
list, the callback list (F4) and a summary list (F7), Enter on a ticket's alert (F8), the
command palette's ticket by number (Ctrl+P). It is a modal over the screen it was opened from,
so Esc returns there with its list, filter and cursor as they were.

The step keys are those of the dispatch queue (``ticket_steps.STEPS``: d w c v x e f m h o …),
offered as the ticket's state and the clerk's role allow, and they act on *this* ticket. After a
step the view re-reads the ticket and stays open on it, showing what the step did.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from kfdesk import views
from kfdesk.i18n import has, t
from kfdesk.views import TicketDetail
from kfdesk.views.urgency import ticket_next_due

from .alerts import STYLE, deadline_cell
from .base import DeskContext
from .common import money, step_name, translate_bindings, when, ymd_hm
from .ticket_steps import TicketSteps, step_bindings
from .widgets.footer import DeskFooter

if TYPE_CHECKING:
    from kfdesk.rules import Alert


def _grid() -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="dim", no_wrap=True)
    table.add_column(overflow="fold")  # notes in Chinese have no spaces to wrap at
    return table


def _section(title: str) -> Text:
    return Text(title, style="bold underline")


def ticket_summary(d: TicketDetail, today: date, clock: Alert | None = None,
                   next_due: Text | None = None) -> Table:
    """The ticket's fields: when, who, what, where it is, and its most urgent clock (the
    engine's alert; else ``next_due``, when its next running deadline falls)."""
    r = d.row
    grid = _grid()
    grid.add_row(t("ui.ticket.received"), f"{ymd_hm(r.received_at)} · {t(f'channel.{r.channel}')}")
    caller = r.caller or t("ui.ticket.anonymous")
    grid.add_row(t("ui.ticket.caller"), f"{r.unit} {caller} {d.phone}".strip())
    kind = f"{t(f'kind.{r.kind}')} · {t(f'category.{r.category}')}"
    if d.validity:
        kind += f" · {t(f'validity.{d.validity}')}"
    if d.repair_class:
        kind += f" · {t(f'repair_class.{d.repair_class}')}"
    grid.add_row(t("ui.ticket.kind"), kind)
    if d.quoted_fen:  # KF-015 §6.2.1: the price the resident agreed to
        grid.add_row(t("ui.ticket.quote"), money(d.quoted_fen))
    if d.contact_form_no:  # KF-010 §4.4.1
        grid.add_row(t("ui.ticket.contact_form"), d.contact_form_no)
    if d.arranged is not None:  # KF-009 §3.1.4 (RULES v2): engineering's arrangement
        by, rework, callback = d.arranged
        grid.add_row(t("ui.ticket.arranged"), t(
            "ui.ticket.arranged_line", by=by or "—",
            rework=ymd_hm(rework) if rework else "—",
            callback=ymd_hm(callback) if callback else "—"))
    if d.proposal:  # KF-010 §4.3.3
        grid.add_row(t("ui.ticket.proposal"), d.proposal)
    state = t(f"state.{r.state}")
    if r.department:
        state += f" · {t(f'department.{r.department}')}"
    if r.coordinated:
        state += f" · {t('ui.ticket.coordinated')}"
    if r.escalation:
        state += f" · {t(f'escalation.{r.escalation}')}"
    grid.add_row(t("ui.ticket.state"), state)
    grid.add_row(t("ui.ticket.owner"), r.owner)
    if clock is not None:  # the engine's alert on this ticket, in words and colour
        from .alerts import due_text

        grid.add_row(t("ui.ticket.deadline"),
                     Text(f"{clock.rule} {clock.rule_text} · {due_text(clock)}",
                          style=STYLE[clock.state]))
    elif next_due is not None:
        grid.add_row(t("ui.ticket.deadline"), next_due)
    if d.rework_count:
        grid.add_row(t("ui.ticket.reworks"), str(d.rework_count))
    if d.closed_at:
        grid.add_row(t("ui.ticket.closed"), when(d.closed_at, today))
    return grid


class TicketScreen(TicketSteps, DeskContext, ModalScreen[None]):
    CSS_PATH = "ticket.tcss"
    MODE = "ticket_view"  # F1: the keys and rules of this view
    BINDINGS = [Binding("escape", "dismiss", "ui.key.close", id="ticket.close"),
                *step_bindings("ticket")]

    def __init__(self, detail: TicketDetail, today: date) -> None:
        super().__init__()
        translate_bindings(self)
        self._d = detail
        self._today = today

    def compose(self) -> ComposeResult:
        with Vertical(id="ticket-frame"):
            with VerticalScroll(id="ticket-box") as box:
                box.border_subtitle = t("ui.help.close")
                yield Static(id="ticket-fields")
                yield Static(id="ticket-text")
                yield Static(id="ticket-history")
            yield DeskFooter()

    def on_mount(self) -> None:
        self._show()
        self.query_one("#ticket-box").focus()

    @property
    def number(self) -> str:
        return self._d.row.number

    def _show(self) -> None:
        d = self._d
        box = self.query_one("#ticket-box")
        box.border_title = f"{d.row.number} · {d.row.unit or t('ui.ticket.no_unit')}"
        clock = self.desk.alerts_by_item.get(("ticket", d.row.id))
        due = ticket_next_due([d.row.id]).get(d.row.id)  # its own clock or its callback's
        now = self.desk.session.clock.now()
        after = (Text(deadline_cell(due, now, self.zone), style=STYLE.get(due.state(now), ""))
                 if due else None)
        self.query_one("#ticket-fields", Static).update(
            ticket_summary(d, self._today, clock, after))
        self.query_one("#ticket-text", Static).update(Text(d.text))
        self.query_one("#ticket-history", Static).update(self._history())
        self.refresh_bindings()  # the steps the ticket's state now allows

    # ---- the steps on this ticket (ticket_steps.TicketSteps) ---------------------------------

    def _current(self) -> views.TicketRow | None:
        return self._d.row

    def reload(self) -> None:
        """Re-read the ticket (after a step, or another counter's change)."""
        detail = views.ticket_detail(self._d.row.number, self.zone)
        if detail is not None:
            self._d = detail
            self._show()

    def after_write(self, result: str | None) -> None:
        if result is None:
            return  # backed out: nothing saved
        if result:
            self.notify(result)
        self.desk.request_refresh()
        self.reload()

    def on_alerts(self) -> None:
        """The engine ran: the deadline line follows."""
        self._show()

    def _history(self) -> Table:
        d = self._d
        today = self._today
        out = Table.grid()
        out.add_column()
        if d.log:
            out.add_row(_section(t("ui.ticket.log")))
            grid = _grid()
            for e in d.log:
                # A dispatch step's note is the department's code: show its name.
                note = t(f"department.{e.note}") if has(f"department.{e.note}") else e.note
                grid.add_row(when(e.at, today), f"{step_name(e.step)} · {e.staff}"
                             + (f" · {note}" if note else ""))
            out.add_row(grid)
        if d.dispatches:
            out.add_row(_section(t("ui.ticket.dispatches")))
            grid = _grid()
            for x in d.dispatches:
                line = f"{t(f'department.{x.department}')} · {x.by}"
                if x.reported_at:
                    line += " · " + t("ui.ticket.reported", at=when(x.reported_at, today))
                if x.result:
                    line += f" · {x.result}"
                grid.add_row(when(x.dispatched_at, today), line)
            out.add_row(grid)
        if d.work_orders:
            out.add_row(_section(t("ui.ticket.work_orders")))
            grid = _grid()
            for w in d.work_orders:
                parts = [w.number, w.technician or t(f"department.{w.department}")]
                if w.rework:
                    parts.append(t("ui.ticket.rework"))
                if w.completed_at:
                    parts.append(t("ui.ticket.completed_at", at=when(w.completed_at, today)))
                if w.returned_at:
                    parts.append(t("ui.ticket.returned_at", at=when(w.returned_at, today)))
                if w.inspection:
                    parts.append(t(f"ui.inspection.{w.inspection}"))
                grid.add_row(when(w.opened_at, today), " · ".join(parts))
            out.add_row(grid)
        if d.callbacks:
            out.add_row(_section(t("ui.ticket.callbacks")))
            grid = _grid()
            for c in d.callbacks:
                done = (t("ui.ticket.callback_done", at=when(c.done_at, today)) if c.done_at
                        else t("ui.ticket.callback_open"))
                grid.add_row(when(c.clock_started_at, today),
                             f"{t(f'callback_kind.{c.kind}')} · {c.owner} · {done}")
            out.add_row(grid)
        if not (d.log or d.dispatches or d.work_orders or d.callbacks):
            out.add_row(Text(t("ui.ticket.no_history"), style="dim"))
        return out
