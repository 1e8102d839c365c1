"""F7 the supervisor's day: intake, handling, callbacks, receipts, hand-over, registers.

The end-of-day figures of RULES §7 that the records give today; overdue items by owner and
department and what falls due tomorrow join them with the deadline engine. `[` and `]` move
to the previous and next day.
"""

from __future__ import annotations

from datetime import date, timedelta

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.widgets import Static

from kfdesk import views
from kfdesk.i18n import t
from kfdesk.views import DaySummary

from .base import DeskScreen
from .common import money


def _table() -> Table:
    table = Table.grid(padding=(0, 2), expand=True)
    table.add_column()
    table.add_column(justify="right")
    return table


def intake_table(s: DaySummary) -> Table:
    table = _table()
    table.add_row(Text(t("ui.summary.intake_total"), style="bold"),
                  Text(str(s.intake_total), style="bold"))
    for kind, n in s.intake_by_kind:
        table.add_row(f"  {t(f'kind.{kind}')}", str(n))
    if s.intake_by_channel:
        table.add_row(Text(t("ui.summary.by_channel"), style="dim"), "")
        for channel, n in s.intake_by_channel:
            table.add_row(f"  {t(f'channel.{channel}')}", str(n))
    if s.intake_by_category:
        table.add_row(Text(t("ui.summary.by_category"), style="dim"), "")
        for category, n in s.intake_by_category:
            table.add_row(f"  {t(f'category.{category}')}", str(n))
    return table


def handling_table(s: DaySummary) -> Table:
    table = _table()
    table.add_row(t("ui.summary.dispatched"), str(s.dispatched))
    table.add_row(t("ui.summary.completed"), str(s.completed))
    table.add_row(t("ui.summary.closed"), str(s.closed))
    table.add_row(t("ui.summary.callbacks_done"), str(s.callbacks_done))
    table.add_row(t("ui.summary.callbacks_open"), str(s.callbacks_open))
    table.add_row(t("ui.summary.open_tickets"), str(s.open_tickets))
    # The supervisor's and manager's share (KF-010 §4.3.2, §4.3.3), with the numbers to open.
    for key, numbers in (("ui.summary.coordinated", s.coordinated),
                         ("ui.summary.to_propose", s.to_propose),
                         ("ui.summary.to_approve", s.to_approve)):
        if numbers:
            shown = " ".join(numbers[:3]) + (" …" if len(numbers) > 3 else "")
            table.add_row(Text(t(key), style="bold"), Text(f"{len(numbers)}  {shown}",
                                                           style="bold"))
    return table


def cash_table(s: DaySummary) -> Table:
    table = _table()
    table.add_row(t("ui.summary.receipts"), str(s.receipts))
    if s.receipts:
        table.add_row(t("ui.summary.range"), f"{s.receipt_first} – {s.receipt_last}")
    for method, fen in s.receipt_totals:
        table.add_row(f"  {t(f'method.{method}')}", money(fen))
    table.add_row(Text(t("ui.summary.total"), style="bold"),
                  Text(money(s.receipt_total_fen), style="bold"))
    table.add_row(t("ui.summary.voids"), str(s.voids))
    table.add_row(t("ui.summary.refunds"), str(s.refunds))
    return table


def registers_table(s: DaySummary) -> Table:
    table = _table()
    if s.hand_overs:
        for h in s.hand_overs:
            status = t(f"ui.handover.{h.status}")
            if h.status != "open" and h.difference_fen:
                status += " · " + t("ui.summary.difference", amount=money(h.difference_fen))
            style = "bold red" if h.status == "open" else ""
            table.add_row(t("ui.summary.handover", cashier=h.cashier, n=h.receipts),
                          Text(status, style=style))
    else:
        table.add_row(t("ui.summary.handover_none"), "")
    table.add_row(t("ui.summary.mail_waiting"), str(s.mail_waiting))
    table.add_row(t("ui.summary.passes"), str(s.passes_issued))
    return table


def deadlines_table(alerts: list) -> Table:
    """Open overdue items by owner and by department, and what is due soon (RULES §7)."""
    table = _table()
    overdue = [a for a in alerts if a.state == "overdue"]
    table.add_row(Text(t("ui.summary.overdue_total"), style="bold red" if overdue else "bold"),
                  Text(str(len(overdue)), style="bold"))
    for label, key in (("ui.summary.by_owner", "owner_name"),
                       ("ui.summary.by_department", "department")):
        counts: dict[str, int] = {}
        for a in overdue:
            counts[getattr(a, key) or ""] = counts.get(getattr(a, key) or "", 0) + 1
        if counts:
            table.add_row(Text(t(label), style="dim"), "")
        for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            shown = name if key == "owner_name" else (t(f"department.{name}") if name else "")
            table.add_row(f"  {shown or t('ui.summary.nobody')}", str(n))
    table.add_row(t("ui.summary.due_soon_total"),
                  str(sum(1 for a in alerts if a.state == "due_soon")))
    return table


class SummaryScreen(DeskScreen):
    CSS_PATH = "summary.tcss"
    MODE = "summary"
    BINDINGS = [
        Binding("left_square_bracket", "day(-1)", "ui.key.prev_day", id="summary.prev_day"),
        Binding("right_square_bracket", "day(1)", "ui.key.next_day", id="summary.next_day"),
        Binding("k", "calendar", "ui.key.calendar", id="summary.calendar"),
        Binding("v", "visits", "ui.visits.open", id="summary.visits"),
        Binding("y", "survey", "ui.survey.open", id="summary.survey"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._day: date | None = None  # None: follow "today"

    @property
    def day(self) -> date:
        return self._day or self.today

    def compose_body(self) -> ComposeResult:
        yield Static("", id="summary-day")
        with VerticalScroll(id="summary-scroll"), Grid(id="figures"):
            for key in ("intake", "handling", "cash", "registers", "deadlines"):
                panel = Static("", id=f"fig-{key}", classes="panel")
                panel.border_title = t(f"ui.summary.panel.{key}")
                yield panel

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
        self.query_one("#fig-intake", Static).update(intake_table(s))
        self.query_one("#fig-handling", Static).update(handling_table(s))
        self.query_one("#fig-cash", Static).update(cash_table(s))
        self.query_one("#fig-registers", Static).update(registers_table(s))
        self.query_one("#fig-deadlines", Static).update(deadlines_table(self.desk.alert_list))

    def on_alerts(self) -> None:
        self.query_one("#fig-deadlines", Static).update(deadlines_table(self.desk.alert_list))
