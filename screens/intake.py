"""F2 intake: the intake form, today's intake list under it, and the unit brief beside them.

The form records a ticket (KF-006 §1, KF-010 §4.1; ``intake_form``); Ctrl+S saves it and shows
its number and the promise to read to the resident — only with the unit box chosen (a unit, or
"无房号/匿名"), never with text that matched nothing (issue 16). Ctrl+R fills the blank form
with the last saved ticket's channel, kind, category and judgement.

The brief is what a clerk reads while the resident talks: who lives there, what is open, owed
and waiting, and what was closed out recently, so a duplicate or a recurring problem shows
before it is typed twice (UX.md intake sketch, KF-010 §4.6.2).
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Static

from kfdesk import views
from kfdesk.desk import tickets
from kfdesk.desk.base import DeskError
from kfdesk.i18n import t
from kfdesk.views import UnitBrief

from .alerts import marked
from .base import DeskScreen
from .common import money, when
from .intake_form import IntakeForm, promise_text
from .ticket import TicketScreen
from .widgets.table import Column, FitTable

# Below this many cells (the brief beside the form at 80 columns) a ticket takes two lines:
# on one, its kind and state would be cut to "Repa… To d…".
TWO_LINES_BELOW = 40


class TicketLines:
    """The brief's tickets, laid out for the width they get when drawn (``tickets_grid``)."""

    def __init__(self, rows: tuple[views.TicketRow, ...], today: date) -> None:
        self.rows = rows
        self.today = today

    def _cells(self, row: views.TicketRow) -> tuple[str, str, str, str]:
        stamp = row.received_at.strftime(
            "%H:%M" if row.received_at.date() == self.today else "%m-%d")
        state = t(f"state.{row.state}")
        if row.department:
            state += f" {t(f'department.{row.department}')}"
        return row.number, stamp, f"{t(f'kind.{row.kind}')} {t(f'category.{row.category}')}", state

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if options.max_width >= TWO_LINES_BELOW:
            yield self._one_line()
            return
        # Narrow: number and time, then what and where it is, indented, wrapped whole.
        grid = Table.grid(padding=(0, 1), expand=True)
        grid.add_column(style="bold", no_wrap=True, min_width=8)
        grid.add_column(overflow="fold", ratio=1)
        for row in self.rows:
            number, stamp, what, state = self._cells(row)
            grid.add_row(number, f"{stamp} {what} · {state}")
        yield grid

    def _one_line(self) -> Table:
        grid = Table.grid(padding=(0, 1), expand=True)
        # Number and time never shrink (a cut ticket number is useless); the words give way.
        grid.add_column(style="bold", no_wrap=True, min_width=8)
        grid.add_column(no_wrap=True, min_width=5)
        # Shared by ratio: without one Rich squeezes the last column and cuts it with no "…".
        grid.add_column(no_wrap=True, overflow="ellipsis", ratio=1)
        grid.add_column(no_wrap=True, overflow="ellipsis", ratio=1)
        for row in self.rows:
            grid.add_row(*self._cells(row))
        return grid


def tickets_grid(rows: tuple[views.TicketRow, ...], today: date) -> TicketLines:
    """Open tickets, one line each: ``K-000102 10-08 报修 给排水 处理中 工程维修部``, the last
    column cut with "…" rather than wrapped, so each ticket stays on one line; in the brief's
    narrow panel at 80 columns, the kind and state go beside the number, wrapped, not cut.
    """
    return TicketLines(rows, today)


def person_line(p: views.PersonRow) -> Text:
    text = Text()
    text.append(t("ui.brief.person", name=p.name, role=t(f"occupancy.{p.role}")), style="bold")
    if p.phone:
        text.append(f" {p.phone}")
    if p.lease_end:
        text.append(" " + t("ui.residents.lease_end", day=p.lease_end.isoformat()), style="dim")
    return text


def arrears_line(months: int, fen: int) -> Text:
    if fen <= 0:
        return Text(t("ui.brief.no_arrears"), style="green")
    return Text(t("ui.brief.arrears", months=months, amount=money(fen)), style="bold red")


def mail_line(items: tuple[views.MailRow, ...]) -> Text:
    kinds = "、".join(
        t("ui.brief.mail_item", kind=t(f"mail_kind.{m.kind}"), day=m.day_no) for m in items
    )
    return Text(t("ui.brief.mail", n=len(items), items=kinds))


def brief_body(b: UnitBrief, today: date) -> Group:
    parts: list[Text | Table] = []
    for p in b.people:
        parts.append(person_line(p))
    if not b.people:
        parts.append(Text(t(f"unit_status.{b.status}"), style="dim"))
    parts.append(arrears_line(b.arrears_months, b.arrears_fen))
    if b.open_tickets:
        parts.append(Text(t("ui.brief.open_tickets", n=len(b.open_tickets)), style="bold"))
        parts.append(tickets_grid(b.open_tickets, today))
    else:
        parts.append(Text(t("ui.brief.no_open_tickets")))
    parts.append(Text(t("ui.brief.complaints_6m", n=b.complaints_6m)))
    if b.recent:  # recurring problems show while the clerk types (KF-010 §4.6.2)
        parts.append(Text(t("ui.brief.recent", n=len(b.recent)), style="bold"))
        parts.append(tickets_grid(b.recent, today))
    if b.mail_waiting:
        parts.append(mail_line(b.mail_waiting))
    return Group(*parts)


class IntakeScreen(DeskScreen):
    MODE = "intake"
    CSS_PATH = "intake.tcss"
    AUTO_FOCUS = "#lookup #query"
    BINDINGS: ClassVar = [
        Binding("ctrl+s", "save", "ui.key.save_ticket", id="intake.save", priority=True),
        Binding("ctrl+n", "new", "ui.key.new_form", id="intake.new"),
        # A browser keeps Ctrl+N for itself (kfdesk serve): the same action on a key that
        # reaches the counter there, shown in the footer instead when served (issue 19).
        Binding("alt+n", "new", "ui.key.new_form", id="intake.new_web"),
        # Priority: the text box would otherwise keep it. Repeating is a key, never a leftover.
        Binding("ctrl+r", "repeat", "ui.key.repeat_last", id="intake.repeat", priority=True),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._unit: str | None = None
        self._unit_of: dict[str, str] = {}  # ticket number → unit code, from the last reload
        self._armed_drop = False

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="columns"):
            with Vertical(id="left"):
                yield IntakeForm(id="form")
                yield Static("", id="today-count", classes="count")
                yield FitTable(
                    [
                        Column("number", t("ui.col.number"), min=8, max=8),
                        Column("time", t("ui.col.time"), min=5, max=5),
                        Column("unit", t("ui.col.unit"), min=7, max=9),
                        Column("caller", t("ui.col.caller"), min=6, max=10, flex=1, drop=2),
                        # Kind and category together: "报修 给排水" reads as one thing.
                        Column("what", t("ui.col.category"), min=8, max=22, flex=1),
                        Column("state", t("ui.col.state"), min=4, max=12),
                        Column("owner", t("ui.col.owner_staff"), min=4, max=8, drop=3),
                    ],
                    id="today",
                )
            with VerticalScroll(id="brief", classes="panel"):
                yield Static("", id="brief-body")

    def on_mount(self) -> None:
        self._show_brief(None)

    def reload(self) -> None:
        rows = views.recent_intake(self.today, self.zone)
        self._unit_of = {r.number: r.unit for r in rows}
        self.query_one("#today-count", Static).update(
            t("ui.intake.today", day=self.today.isoformat(), n=len(rows)))
        alerts = self.desk.alerts_by_item
        self.query_one("#today", FitTable).load([
            (r.number, marked([
                r.number, when(r.received_at, self.today), r.unit or "—",
                r.caller or t("ui.ticket.anonymous"),
                f"{t(f'kind.{r.kind}')} {t(f'category.{r.category}')}", t(f"state.{r.state}"),
                r.owner,
            ], alerts.get(("ticket", r.id))))
            for r in rows
        ])
        form = self.query_one(IntakeForm)
        form.show_preview()
        self._show_brief(self._unit, anonymous=self._unit is None and form.anonymous)

    def on_alerts(self) -> None:
        self.reload()

    # ---- saving ------------------------------------------------------------------------------

    def action_save(self) -> None:
        """Ctrl+S: record the ticket (KF-010 §4.1), show its number and the promise."""
        form = self.query_one(IntakeForm)
        session = self.desk.session
        if not form.unit_chosen():
            form.refuse_unchosen()
            return
        try:
            taken = tickets.take_ticket(form.form(self.now), session.staff, session.clock,
                                        session.settings)
            closed = form.answered_now()
            if closed:  # answered at the counter: closed out with its intake (KF-008)
                tickets.close_out(taken.number, t("ui.form.answered"), session.staff,
                                  session.clock, session.settings)
        except DeskError as exc:
            form.show_error(exc)
            return
        text = Text()
        text.append(t("ui.form.saved", number=taken.number, owner=session.staff.name),
                    style="bold green")
        if closed:
            text.append(" " + t("ui.form.closed_now"), style="green")
        promise = promise_text(taken.promises, self.today, self.zone)
        if promise and not closed:
            text.append("\n" + promise)
        form.show_result(text)
        form.remember()
        form.clear()
        self._armed_drop = False
        self.desk.request_refresh()
        self.reload()

    def action_new(self) -> None:
        """Ctrl+N: a clean form (asks first when something was typed)."""
        form = self.query_one(IntakeForm)
        if form.dirty() and not self._armed_drop:
            self._armed_drop = True
            self.notify(t("ui.form.drop_typed_new"), severity="warning")
            return
        self._armed_drop = False
        form.clear()
        form.show_result(Text())

    def action_repeat(self) -> None:
        """Ctrl+R: the last ticket's channel, kind, category and judgement, on purpose."""
        self.query_one(IntakeForm).repeat_last()

    def action_back(self) -> None:
        # Esc never drops what was typed on the form (Ctrl+N clears it, asking first): from
        # the form it steps out to today's list, and from the list back into the form.
        table = self.query_one("#today", FitTable)
        if table.has_focus:
            self.query_one("#lookup #query").focus()
        elif table.row_count:
            table.focus()

    @on(IntakeForm.UnitChosen)
    def _unit_chosen(self, event: IntakeForm.UnitChosen) -> None:
        self._show_brief(event.code, anonymous=event.anonymous)

    @on(DataTable.RowHighlighted, "#today")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        table = self.query_one("#today", FitTable)
        if not table.has_focus:
            return  # a reload moves the cursor; only the clerk's own moves change the brief
        unit = self._unit_of.get(event.row_key.value)
        if unit:
            self._show_brief(unit)

    @on(DataTable.RowSelected, "#today")
    def _selected(self, event: DataTable.RowSelected) -> None:
        detail = views.ticket_detail(event.row_key.value, self.zone)
        if detail is not None:
            self.app.push_screen(TicketScreen(detail, self.today))

    def _show_brief(self, code: str | None, anonymous: bool = False) -> None:
        panel = self.query_one("#brief", VerticalScroll)
        body = self.query_one("#brief-body", Static)
        brief = views.unit_brief(code, self.desk.session.clock.now(), self.zone) if code else None
        if brief is None:
            self._unit = None
            panel.border_title = t("ui.brief.title")
            body.update(Text(t("ui.brief.anonymous" if anonymous else "ui.brief.empty"),
                             style="dim"))
            return
        self._unit = code
        owners = [p for p in brief.people if p.role == "owner"]
        who = " · " + t("ui.brief.owner", name="、".join(p.name for p in owners)) if owners else ""
        panel.border_title = f"{brief.code}{who}"
        body.update(brief_body(brief, self.today))
