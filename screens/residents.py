"""F6 residents: one search box, results as you type, Enter → the unit at a glance.

A search that finds nothing says so. Once a unit is shown, its keys (``r`` records, ``g``
registers, ``p`` pay …) work from the search box too while it still holds the unit's code
(issue 16): no Tab out of the box first.

Everything the counter keeps about a unit on one page: owners, household, tenants, emergency
contacts, arrears, its tickets, callbacks, mail, loans, keys, release passes and vehicles.
The tickets are a list (open ones in urgency order, then those closed out in six months): ``t``
or Tab goes to it, Enter opens the ticket view over the page, whose step keys act on that ticket,
and Esc comes back to the unit, re-read (issue 16).
Phones and ID numbers are masked (KF-017 §4: owner files are confidential; revealing a number
is a logged action, added with the residents issue).
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from typing import ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Static

from kfdesk import views
from kfdesk.desk.callbacks import confirm_contact
from kfdesk.desk.lending import item_name
from kfdesk.desk.tickets import DESK_ROLES
from kfdesk.i18n import t
from kfdesk.residents_io import IMPORT_ROLES
from kfdesk.views import UnitDetail
from kfdesk.views.urgency import by_urgency, ticket_next_due
from kfdesk.views.vacant import VacantRow

from .alerts import STYLE, deadline_cell, marked_state
from .base import DeskScreen
from .common import money, relation, when, ymd
from .intake import arrears_line
from .widgets.dialogs import ActionDialog, Field
from .widgets.lookup import UnitLookup
from .widgets.table import Cell, Column, FitTable


def _heading(text: str) -> Text:
    return Text(text, style="bold underline")


def _people(rows: tuple[views.PersonRow, ...]) -> Table:
    grid = Table.grid(padding=(0, 2))
    for _ in range(4):
        grid.add_column(no_wrap=False)
    for p in rows:
        name = Text(p.name, style="bold")
        if p.relation:
            name = Text(t("ui.residents.with_relation", name=p.name,
                          relation=relation(p.relation)), style="bold")
        marks = []
        if p.role == "owner" and not p.resident:
            marks.append(t("ui.residents.not_resident"))
        if p.registered:
            marks.append(t("ui.residents.registered"))
        if p.is_agent:
            marks.append(t("ui.residents.agent"))
        if p.lease_end:
            marks.append(t("ui.residents.lease_end", day=p.lease_end.isoformat()))
        phones = " / ".join(x for x in (p.phone, p.phone2) if x)
        ident = t("ui.residents.id", id=p.id_number) if p.id_number else ""
        grid.add_row(name, phones, ident, Text(" · ".join(marks), style="dim"))
    return grid


def vacant_line(row: VacantRow, today: date) -> Text:
    """A vacant unit's checks (RULES §6): the last one and when the next is due, in words;
    `g` `k` opens the register to record one."""
    from .vacant import state_text

    last = (t("ui.residents.vacant_last", when=when(row.last_at, today), who=row.last_by)
            if row.last_at else t("ui.residents.vacant_never"))
    if row.last_problem:
        last += " · " + t("ui.residents.vacant_problem")
    line = Text(f"{last} · ")
    line.append(state_text(row), style=STYLE.get(row.state, ""))
    return line


def detail_head(d: UnitDetail) -> Group:
    """The unit and its people: what goes above its tickets."""
    parts: list[Text | Table] = []
    area = f"{d.area_centi_m2 // 100}.{d.area_centi_m2 % 100:02d}"
    facts = [d.group, d.building, t("ui.residents.area", area=area),
             t(f"unit_status.{d.status}")]
    if d.handed_over_on:
        facts.append(t("ui.residents.handed_over", day=ymd(d.handed_over_on)))
    parts.append(Text(" · ".join(facts), style="dim"))
    parts.append(arrears_line(d.arrears_months, d.arrears_fen))

    parts.append(_heading(t("occupancy.owner")))
    parts.append(_people(d.owners) if d.owners else Text(t("ui.residents.none"), style="dim"))
    if d.household:
        parts += [_heading(t("ui.residents.household")), _people(d.household)]
    if d.tenants:
        parts += [_heading(t("occupancy.tenant")), _people(d.tenants)]
    if d.emergency:
        parts.append(_heading(t("ui.residents.emergency")))
        for c in d.emergency:
            who = (t("ui.residents.with_relation", name=c.name, relation=relation(c.relation))
                   if c.relation else c.name)
            line = Text(who, style="bold")
            line.append(f"  {c.phone}")
            parts.append(line)
    return Group(*parts)


def tickets_heading(d: UnitDetail) -> Text:
    """"未结工单 1 · 近 6 个月已办结 2": the table of them follows."""
    words = [t("ui.brief.open_tickets", n=len(d.open_tickets)) if d.open_tickets
             else t("ui.brief.no_open_tickets")]
    if d.recent:
        words.append(t("ui.unitpage.recent", n=len(d.recent)))
    return _heading(" · ".join(words))


def ticket_columns() -> list[Column]:
    """The unit's tickets: at 80 columns the number, kind, state and deadline stay."""
    return [
        Column("number", t("ui.col.number"), min=8, max=8),
        Column("due", t("ui.col.due"), min=4, max=26),
        Column("received", t("ui.col.received"), min=11, max=11, drop=3),
        # Kind and category in one cell ("报修 给排水"): the state keeps its department.
        Column("what", t("ui.col.kind"), min=8, max=24, flex=1),
        Column("state", t("ui.col.state"), min=10, max=24, flex=2),
    ]


def ticket_rows(d: UnitDetail, now: datetime, zone: tzinfo) -> list[tuple[str, list[Cell]]]:
    """The unit's open tickets in urgency order (issue 16), then those closed out lately,
    dimmed: one row each, keyed by the ticket number."""
    due = ticket_next_due(r.id for r in d.open_tickets)
    live = by_urgency(list(d.open_tickets),
                      lambda r: x.due_at if (x := due.get(r.id)) else None, now)
    rows: list[tuple[str, list[Cell]]] = []
    for r in live:
        clock = due.get(r.id)
        state = t(f"state.{r.state}")
        departments = r.dispatched_to or ((r.department,) if r.department else ())
        if departments:
            state += " " + "、".join(t(f"department.{x}") for x in departments)
        rows.append((r.number, marked_state([
            r.number, deadline_cell(clock, now, zone), r.received_at.strftime("%m-%d %H:%M"),
            f"{t(f'kind.{r.kind}')} {t(f'category.{r.category}')}", state,
        ], clock.state(now) if clock else "")))
    for r in d.recent:
        rows.append((r.number, [(cell, "dim") for cell in (
            r.number, "", r.received_at.strftime("%m-%d %H:%M"),
            f"{t(f'kind.{r.kind}')} {t(f'category.{r.category}')}", t(f"state.{r.state}"))]))
    return rows


def detail_rest(d: UnitDetail, today: date, vacant: VacantRow | None = None) -> Group:
    """What goes below the unit's tickets: callbacks, mail, loans, keys, passes, vehicles."""
    parts: list[Text | Table] = []
    if d.callbacks:
        parts.append(_heading(t("ui.residents.callbacks", n=len(d.callbacks))))
        for c in d.callbacks:
            parts.append(Text(f"{when(c.clock_started_at, today)} "
                              f"{t(f'callback_kind.{c.kind}')} {c.ticket or c.work_order} "
                              f"· {c.owner}"))
    if d.mail_waiting:
        parts.append(_heading(t("ui.residents.mail", n=len(d.mail_waiting))))
        for m in d.mail_waiting:
            parts.append(Text(f"{t(f'mail_kind.{m.kind}')} {m.recipient} "
                              f"{t('ui.residents.mail_day', day=m.day_no)} {m.tracking_no}"))
    if d.loans:
        parts.append(_heading(t("ui.residents.loans")))
        for loan in d.loans:
            parts.append(Text(f"{item_name(loan.item)} · {loan.borrower} · "
                              f"{when(loan.lent_at, today)}"))
    if vacant is not None:
        parts += [_heading(t("ui.residents.vacant_checks")), vacant_line(vacant, today)]
    if d.keys:
        parts.append(_heading(t("ui.residents.keys")))
        for k in d.keys:
            where = (t("ui.residents.key_out", name=k.out_with) if k.out_with
                     else ymd(k.received_at))
            parts.append(Text(f"{k.label} · {t(f'ui.key_reason.{k.reason}')} · {where}",
                              style="yellow" if k.out_with else ""))
    if d.passes:
        parts.append(_heading(t("ui.residents.passes")))
        for p in d.passes:
            bearer = t("ui.brief.person", name=p.bearer, role=t(f"ui.bearer.{p.bearer_kind}"))
            parts.append(Text(f"{p.number} {when(p.issued_at, today)} {bearer} · {p.items}"))
    if d.vehicles:
        parts.append(_heading(t("ui.residents.vehicles")))
        for v in d.vehicles:
            line = f"{v.plate} {v.colour}{v.model}"
            if v.space:
                line += " · " + t("ui.residents.lease", space=v.space, end=ymd(v.lease_ends),
                                  monthly=money(v.monthly_fen), card=v.card_no or "—")
            parts.append(Text(line))
    return Group(*parts)


class ResidentsScreen(DeskScreen):
    CSS_PATH = "residents.tcss"
    MODE = "residents"
    BINDINGS: ClassVar = [
        Binding("k", "confirm_contact", "ui.callbacks.confirm", id="residents.confirm"),
        Binding("b", "callback", "ui.residents.key.callback", id="residents.callback"),
        Binding("m", "mail", "ui.residents.key.mail", id="residents.mail"),
        Binding("p", "pay", "ui.residents.key.pay", id="residents.pay"),
        Binding("r", "records", "ui.residents.key.records", id="residents.records"),
        Binding("g", "registers", "ui.residents.key.registers", id="residents.registers"),
        # Issue 16: the unit's tickets are a list; Enter opens one in the ticket view.
        Binding("t", "tickets", "ui.unitpage.key.tickets", id="residents.tickets"),
        Binding("i", "import_residents", "ui.residents.key.import", id="residents.import"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._unit: str | None = None
        self._detail: UnitDetail | None = None

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="columns"):
            with Vertical(id="search", classes="panel") as search:
                search.border_title = t("ui.residents.search_title")
                yield UnitLookup(always_open=True, limit=50, keys_to_screen=True,
                                 id="lookup")
            with VerticalScroll(id="detail", classes="panel"):
                yield Static("", id="detail-body")
                yield Static("", id="tickets-heading")
                yield FitTable(ticket_columns(), id="unit-tickets")
                yield Static("", id="detail-rest")

    def on_mount(self) -> None:
        self.query_one(UnitLookup).input.focus()
        self._show(None)

    def reload(self) -> None:
        self._show(self._unit)

    @on(UnitLookup.Picked)
    def _picked(self, event: UnitLookup.Picked) -> None:
        self.show_unit(event.code)

    def show_unit(self, code: str) -> None:
        """The unit at a glance (Enter on a result, or a jump from the command palette)."""
        self._show(code)
        lookup = self.query_one(UnitLookup)
        if not lookup.hits.select_key(code):
            lookup.set_query(code)
        if self._unit:
            if lookup.input.value.strip() == code:
                # The box names the unit shown: its keys work from there. (A search that led
                # to it, "wjg", stays as typed, and letters typed after it still search.)
                lookup.hold(code)
            self.query_one("#columns").add_class("-showing")
            self.query_one("#detail", VerticalScroll).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        staff = self.desk.session.staff
        role = staff.role if staff is not None else ""
        detail = self._detail
        # The unit's pending actions, one key each, shown only when there is something to do.
        if action == "confirm_contact":
            return bool(self._unit) and role in DESK_ROLES
        if action == "callback":
            return detail is not None and bool(detail.callbacks) and role in DESK_ROLES
        if action == "mail":
            return detail is not None and bool(detail.mail_waiting)
        if action == "pay":
            return (detail is not None and detail.arrears_fen > 0
                    and role in ("cashier", "supervisor", "manager"))
        if action == "records":
            return bool(self._unit)
        if action == "tickets":
            return detail is not None and bool(detail.open_tickets or detail.recent)
        if action == "import_residents":
            return role in IMPORT_ROLES  # the office's set-up job: supervisor, manager
        return super().check_action(action, parameters)

    def action_tickets(self) -> None:
        """To the unit's tickets: ↑↓ choose, Enter opens the ticket view (issue 16)."""
        table = self.query_one("#unit-tickets", FitTable)
        if table.display and table.row_keys:
            self.query_one("#columns").add_class("-showing")
            table.focus()

    @on(DataTable.RowSelected, "#unit-tickets")
    def _ticket_chosen(self, event: DataTable.RowSelected) -> None:
        """The ticket view over the unit's page, with the steps the ticket allows acting on
        it; Esc comes back here, the unit still shown and re-read (issue 16)."""
        from .ticket import TicketScreen

        event.stop()
        detail = views.ticket_detail(str(event.row_key.value), self.zone)
        if detail is not None:
            self.app.push_screen(TicketScreen(detail, self.today))

    async def action_callback(self) -> None:
        """Do the unit's due callback now: F4 with it selected and its form open."""
        detail = self._detail
        if detail is None or not detail.callbacks:
            return
        callback_id = detail.callbacks[0].id
        await self.desk._go("callbacks")  # noqa: SLF001 - the app's own mode switch
        screen = self.app.screen
        screen.show_callback(callback_id)  # type: ignore[attr-defined]
        screen.action_record()  # type: ignore[attr-defined]

    def action_mail(self) -> None:
        """Hand over the unit's waiting mail (KF-021)."""
        from .registers_menu import open_register

        if self._unit:
            open_register(self.app, "mail", "MailScreen", self._unit, lambda _: self.reload())

    async def action_pay(self) -> None:
        """Take the unit's payment: F5 with the unit's owed items."""
        if not self._unit:
            return
        code = self._unit
        await self.desk._go("cashier")  # noqa: SLF001 - the app's own mode switch
        self.app.screen.show_unit(code)  # type: ignore[attr-defined]

    def action_records(self) -> None:
        """KF-017: owner, household, tenants, agents, emergency contacts, history."""
        from .resident_records import ResidentRecordsScreen

        if self._unit:
            self.app.push_screen(ResidentRecordsScreen(self._unit), lambda _: self.reload())

    def action_registers(self) -> None:
        """The counter's registers on this unit (or all units): a one-letter menu."""
        from .registers_menu import RegistersMenu, open_register

        unit = self._unit

        def chosen(choice: tuple[str, str] | None) -> None:
            if choice is not None:
                open_register(self.app, choice[0], choice[1], unit, lambda _: self.reload())

        self.app.push_screen(RegistersMenu(unit), chosen)

    def action_import_residents(self) -> None:
        """Import an office's resident list (CSV/XLSX) with the column-mapping preview; F6
        reloads after an import. Anyone but a supervisor or manager is told why."""
        from .resident_import import open_import

        open_import(self.app, self.after_write)

    def action_confirm_contact(self) -> None:
        """KF-017 §3: a resident at the counter confirms their phone and address — one key,
        then which member of the household it was."""
        people = views.household(self._unit) if self._unit else []
        if not people:
            return
        s = self.desk.session
        names = {str(p.person_id): p.name for p in people}

        def submit(v: dict) -> str:
            confirm_contact(int(v["person"]), s.staff, s.clock, s.settings, via="counter")
            return t("ui.callbacks.confirmed", name=names[v["person"]])

        options = [(str(p.person_id), t("ui.brief.person", name=p.name,
                                         role=t(f"occupancy.{p.role}")) + f" {p.phone}")
                   for p in people]
        self.app.push_screen(
            ActionDialog(t("ui.callbacks.confirm") + f" · {self._unit}",
                         [Field("person", t("ui.col.resident"), "choice", options)], submit,
                         about=t("ui.residents.confirm_about")),
            self.after_write)

    def action_back(self) -> None:
        columns = self.query_one("#columns")
        if columns.has_class("-showing") and not self.query_one(UnitLookup).input.has_focus:
            # Back from the unit to the search results (on a narrow screen they swap places).
            columns.remove_class("-showing")
            self.query_one(UnitLookup).hits.focus()
            return
        super().action_back()

    def _vacant(self, detail: UnitDetail) -> VacantRow | None:
        if detail.status != "vacant":
            return None
        from kfdesk.desk import vacant
        from kfdesk.views.vacant import vacant_units

        settings = self.desk.session.settings
        rows = vacant_units(self.now, self.zone, vacant.check_days(settings),
                            vacant.warn_share(settings), unit_code=detail.code)
        return rows[0] if rows else None

    def _show(self, code: str | None) -> None:
        panel = self.query_one("#detail", VerticalScroll)
        body = self.query_one("#detail-body", Static)
        heading = self.query_one("#tickets-heading", Static)
        table = self.query_one("#unit-tickets", FitTable)
        rest = self.query_one("#detail-rest", Static)
        detail = views.unit_detail(code, self.desk.session.clock.now(), self.zone) if code else None
        self._detail = detail
        self.refresh_bindings()
        if detail is None:
            self._unit = None
            panel.border_title = t("ui.residents.detail_title")
            body.update(Text(t("ui.residents.empty"), style="dim"))
            heading.display = table.display = rest.display = False
            table.load([])
            return
        self._unit = code
        owners = "、".join(p.name for p in detail.owners)
        panel.border_title = f"{detail.code} · {owners}" if owners else detail.code
        panel.border_subtitle = t("ui.residents.masked")
        body.update(detail_head(detail))
        rows = ticket_rows(detail, self.desk.session.clock.now(), self.zone)
        heading.display = table.display = bool(rows)
        heading.update(tickets_heading(detail))
        table.load(rows)
        rest.display = True
        rest.update(detail_rest(detail, self.today, self._vacant(detail)))
