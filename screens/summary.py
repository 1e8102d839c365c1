"""F7 the supervisor's day: intake, handling, callbacks, receipts, hand-over, registers.

The end-of-day figures of RULES §7 that the records give today; overdue items by owner and
department and what falls due tomorrow join them with the deadline engine. `[` and `]` move
to the previous and next day.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from kfdesk import views
from kfdesk.i18n import has, t
from kfdesk.views import DaySummary
from kfdesk.views.day_lists import FigureList, figure_list

from .base import DeskContext, DeskScreen
from .common import money, translate_bindings
from .widgets.table import Column, FitTable

Row = tuple[str, list]  # (figure key, [label, value]); keys starting "-" open nothing


def _label(text: str, style: str = "") -> tuple[str, str]:
    return (text, style)


def intake_rows(s: DaySummary) -> list[Row]:
    rows: list[Row] = [("intake", [_label(t("ui.summary.intake_total"), "bold"),
                                   (str(s.intake_total), "bold")])]
    rows += [(f"intake.kind.{kind}", [f"  {t(f'kind.{kind}')}", str(n)])
             for kind, n in s.intake_by_kind]
    if s.intake_by_channel:
        rows.append(("-channel", [_label(t("ui.summary.by_channel"), "dim"), ""]))
        rows += [(f"intake.channel.{c}", [f"  {t(f'channel.{c}')}", str(n)])
                 for c, n in s.intake_by_channel]
    if s.intake_by_category:
        rows.append(("-category", [_label(t("ui.summary.by_category"), "dim"), ""]))
        rows += [(f"intake.category.{c}", [f"  {t(f'category.{c}')}", str(n)])
                 for c, n in s.intake_by_category]
    return rows


def handling_rows(s: DaySummary) -> list[Row]:
    rows: list[Row] = [
        ("dispatched", [t("ui.summary.dispatched"), str(s.dispatched)]),
        ("completed", [t("ui.summary.completed"), str(s.completed)]),
        ("closed", [t("ui.summary.closed"), str(s.closed)]),
        ("callbacks_done", [t("ui.summary.callbacks_done"), str(s.callbacks_done)]),
        ("callbacks_open", [t("ui.summary.callbacks_open"), str(s.callbacks_open)]),
        ("callbacks_overdue", [t("ui.summary.callbacks_overdue"),
                               (str(s.callbacks_overdue),
                                "bold red" if s.callbacks_overdue else "")]),
        ("open_tickets", [t("ui.summary.open_tickets"), str(s.open_tickets)]),
    ]
    if s.tickets_voided:  # KF-012 v2: counted apart from intake (issue 16)
        rows.append(("tickets_voided", [t("ui.summary.tickets_voided"),
                                        str(s.tickets_voided)]))
    # The supervisor's and manager's share (KF-010 §4.3.2, §4.3.3), with the numbers to open.
    for key, numbers in (("coordinated", s.coordinated), ("to_propose", s.to_propose),
                         ("to_approve", s.to_approve)):
        if numbers:
            shown = " ".join(numbers[:3]) + (" …" if len(numbers) > 3 else "")
            rows.append((key, [_label(t(f"ui.summary.{key}"), "bold"),
                               (f"{len(numbers)}  {shown}", "bold")]))
    return rows


def cash_rows(s: DaySummary) -> list[Row]:
    rows: list[Row] = [("receipts", [t("ui.summary.receipts"), str(s.receipts)])]
    if s.receipts:
        rows.append(("-range", [t("ui.summary.range"), f"{s.receipt_first} – {s.receipt_last}"]))
    rows += [(f"receipts.{method}", [f"  {t(f'method.{method}')}", money(fen)])
             for method, fen in s.receipt_totals]
    rows.append(("-total", [_label(t("ui.summary.total"), "bold"),
                            (money(s.receipt_total_fen), "bold")]))
    for day_cash in s.cash_day:  # RULES v2 §4: the attendants' parking cash is cash too
        rows.append(("-parking", [t("ui.summary.parking_cash"), money(day_cash.parking_cash_fen)]))
    rows.append(("voids", [t("ui.summary.voids"), str(s.voids)]))
    rows.append(("refunds", [t("ui.summary.refunds"), str(s.refunds)]))
    return rows


def registers_rows(s: DaySummary) -> list[Row]:
    rows: list[Row] = []
    for i, h in enumerate(s.hand_overs):
        # RULES v2 §4: who confirmed, by name and role; the difference from current figures.
        status = t(f"ui.handover.{h.status}", name=h.confirmed_by,
                   role=t(f"role.{h.confirmed_role}") if h.confirmed_role else "")
        if h.difference_fen:
            status += " · " + t("ui.summary.difference", amount=money(h.difference_fen))
        if h.stale:
            status += " · " + t("ui.summary.handover_stale")
        style = "bold red" if h.status in ("open", "next") or h.stale else ""
        rows.append((f"-handover{i}", [t("ui.summary.handover_cash", cashier=h.cashier,
                                         n=h.receipts, amount=money(h.expected_fen)),
                                       (status, style)]))
    if not s.hand_overs:
        rows.append(("-handover", [t("ui.summary.handover_none"), ""]))
    rows.append(("mail_waiting", [t("ui.summary.mail_waiting"), str(s.mail_waiting)]))
    rows.append(("passes", [t("ui.summary.passes"), str(s.passes_issued)]))
    return rows


def _late(minutes: int) -> str:
    days, rest = divmod(max(minutes, 0), 24 * 60)
    return t("ui.summary.late_days", d=days, h=rest // 60) if days else t(
        "ui.summary.late_hours", h=rest // 60, m=rest % 60)


def deadline_rows(alerts: list, due_tomorrow: int) -> list[Row]:
    """Open overdue items by owner and by department with the worst lateness, what is due
    soon, and what falls due tomorrow (RULES §7)."""
    overdue = [a for a in alerts if a.state == "overdue"]
    rows: list[Row] = [("overdue", [_label(t("ui.summary.overdue_total"),
                                           "bold red" if overdue else "bold"),
                                    (str(len(overdue)), "bold")])]
    for label, attr in (("ui.summary.by_owner", "owner_name"),
                        ("ui.summary.by_department", "department")):
        groups: dict[str, list] = {}
        for a in overdue:
            groups.setdefault(getattr(a, attr) or "", []).append(a)
        if groups:
            rows.append((f"-{attr}", [_label(t(label), "dim"), ""]))
        for name, items in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            shown = name if attr == "owner_name" else (t(f"department.{name}") if name else "")
            worst = max(a.late_minutes for a in items)
            rows.append((f"overdue.{attr}.{name}", [
                f"  {shown or t('ui.summary.nobody')}",
                f"{len(items)} · {t('ui.summary.worst', late=_late(worst))}"]))
    rows.append(("due_soon", [t("ui.summary.due_soon_total"),
                              str(sum(1 for a in alerts if a.state == "due_soon"))]))
    rows.append(("due_tomorrow", [t("ui.summary.due_tomorrow"), str(due_tomorrow)]))
    return rows


PANELS = ("intake", "handling", "cash", "registers", "deadlines")


def _figure_table(key: str) -> FitTable:
    table = FitTable([Column("label", "", min=8, flex=1),
                      Column("value", "", min=3, max=40, right=True)],
                     id=f"fig-{key}", classes="panel figure")
    table.show_header = False  # a figure list reads label → value; no column heads
    table.zebra_stripes = False
    return table


class FigureListScreen(DeskContext, ModalScreen[None]):
    """The records behind one figure; Enter opens a ticket (or a receipt at F5), Esc closes."""

    DEFAULT_CSS = """
    FigureListScreen { align: center middle; }
    FigureListScreen > #fl-box {
        width: 96%; height: 90%; border: round $accent; background: $surface; padding: 0 1;
    }
    FigureListScreen FitTable { height: 1fr; }
    FigureListScreen #fl-keys { color: $text-muted; height: 1; }
    """
    BINDINGS: ClassVar = [Binding("escape", "close", "ui.key.close", id="figure.close")]

    def __init__(self, title: str, data: FigureList) -> None:
        super().__init__()
        translate_bindings(self)
        self._title = title
        self._data = data

    def compose(self) -> ComposeResult:
        with Vertical(id="fl-box") as box:
            box.border_title = self._title
            yield FitTable([Column(c, t(f"ui.col.{c}"), min=4, flex=1 if c in (
                "items", "owner", "payer", "recipient") else 0) for c in self._data.columns],
                id="fl-table")
            yield Static(t("ui.summary.list_keys", n=len(self._data.rows)), id="fl-keys")

    def on_mount(self) -> None:
        rows = []
        for i, row in enumerate(self._data.rows):
            cells = [self._cell(c, v) for c, v in zip(self._data.columns, row, strict=True)]
            rows.append((f"{i}", cells))
        table = self.query_one(FitTable)
        table.load(rows)
        table.focus()

    @staticmethod
    def _cell(column: str, value: str) -> str:
        if not value:
            return ""
        prefix = {"kind": "kind", "category": "category", "state": "state", "method": "method",
                  "department": "department", "clock": "clock_name",
                  "satisfaction": "visit_grade"}.get(column)
        if prefix and has(f"{prefix}.{value}"):
            return t(f"{prefix}.{value}")
        return value

    def action_close(self) -> None:
        self.dismiss(None)

    @on(DataTable.RowSelected)
    def _open(self, event: DataTable.RowSelected) -> None:
        target = self._data.opens[int(str(event.row_key.value))]
        detail = views.ticket_detail(target, self.zone) if target.startswith("K-") else None
        if detail is not None:
            from .ticket import TicketScreen

            self.app.push_screen(TicketScreen(detail, self.today))


class SummaryScreen(DeskScreen):
    CSS_PATH = "summary.tcss"
    MODE = "summary"
    BINDINGS = [
        Binding("left_square_bracket", "day(-1)", "ui.key.prev_day", id="summary.prev_day"),
        Binding("right_square_bracket", "day(1)", "ui.key.next_day", id="summary.next_day"),
        Binding("k", "calendar", "ui.key.calendar", id="summary.calendar"),
        Binding("v", "visits", "ui.visits.open", id="summary.visits"),
        Binding("y", "survey", "ui.survey.open", id="summary.survey"),
        Binding("a", "activities", "ui.activities.open", id="summary.activities"),
        Binding("m", "month_report", "ui.report.open", id="summary.month_report"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._day: date | None = None  # None: follow "today"
        self._summary: DaySummary | None = None

    @property
    def day(self) -> date:
        return self._day or self.today

    def compose_body(self) -> ComposeResult:
        yield Static("", id="summary-day")
        with VerticalScroll(id="summary-scroll"), Grid(id="figures"):
            for key in PANELS:
                panel = _figure_table(key)
                panel.border_title = t(f"ui.summary.panel.{key}")
                yield panel

    def on_mount(self) -> None:
        self.query_one("#fig-intake", FitTable).focus()

    @on(DataTable.RowSelected)
    def _figure_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a figure opens the records it counts (RULES §7)."""
        key = str(event.row_key.value)
        if key.startswith("-"):
            return
        label = event.data_table.get_row(event.row_key)[0]
        title = t("ui.summary.list_title", figure=str(label).strip(),
                  day=self.day.isoformat())
        if key.startswith("overdue") or key == "due_soon":
            self._alerts_list(key, title)
            return
        data = figure_list(key, self.day, self.desk.session.clock.now(), self.zone)
        self.app.push_screen(FigureListScreen(title, data))

    def _alerts_list(self, key: str, title: str) -> None:
        alerts = self.desk.alert_list
        if key == "due_soon":
            chosen = [a for a in alerts if a.state == "due_soon"]
        else:
            chosen = [a for a in alerts if a.state == "overdue"]
            parts = key.split(".", 2)
            if len(parts) == 3:
                chosen = [a for a in chosen if (getattr(a, parts[1]) or "") == parts[2]]
        rows = tuple((a.item_ref, a.due_at.astimezone(self.zone).strftime("%m-%d %H:%M"),
                      a.unit, a.clock, a.owner_name, a.department) for a in chosen)
        data = FigureList(("number", "due_at", "unit", "clock", "owner", "department"), rows,
                          tuple(r[0] if r[0].startswith("K-") else "" for r in rows))
        self.app.push_screen(FigureListScreen(title, data))

    def action_calendar(self) -> None:
        from .calendar import CalendarScreen

        self.app.push_screen(CalendarScreen())

    def action_visits(self) -> None:
        """KF-009 §3.2: the households to visit and what the visits found."""
        from .visits import VisitsScreen

        self.app.push_screen(VisitsScreen(), lambda _: self.reload())

    def action_survey(self) -> None:
        """KF-009 §3.3: the year's satisfaction survey."""
        from .survey import SurveyScreen

        self.app.push_screen(SurveyScreen(), lambda _: self.reload())

    def action_month_report(self) -> None:
        """KF-010 §4.6: the monthly complaint report, quality figures and trends."""
        from .month_report import MonthReportScreen

        self.app.push_screen(MonthReportScreen(), lambda _: self.reload())

    def action_activities(self) -> None:
        """KF-019/020: the year's community activities and the desk's periodic duties."""
        from .activities import ActivitiesScreen

        self.app.push_screen(ActivitiesScreen(), lambda _: self.reload())

    def action_day(self, step: int) -> None:
        day = self.day + timedelta(days=step)
        if day > self.today:
            return  # the day has not happened yet
        self._day = None if day == self.today else day
        self.reload()

    def reload(self) -> None:
        s = views.day_summary(self.day, self.desk.session.clock.now(), self.zone)
        title = Text(t("ui.summary.day", day=self.day.isoformat()), style="bold")
        if self.day == self.today:
            title.append("  " + t("ui.summary.today"), style="dim")
        title.append("   " + t("ui.summary.keys"), style="dim")
        self.query_one("#summary-day", Static).update(title)
        self._summary = s
        self.query_one("#fig-intake", FitTable).load(intake_rows(s))
        self.query_one("#fig-handling", FitTable).load(handling_rows(s))
        self.query_one("#fig-cash", FitTable).load(cash_rows(s))
        self.query_one("#fig-registers", FitTable).load(registers_rows(s))
        self.on_alerts()

    def on_alerts(self) -> None:
        due = self._summary.due_tomorrow if self._summary else 0
        self.query_one("#fig-deadlines", FitTable).load(deadline_rows(self.desk.alert_list, due))
