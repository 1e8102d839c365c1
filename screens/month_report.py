"""KF-010 §4.6 the monthly complaint report, a modal over F7 (the supervisor's summary).

The month's complaints at a glance for the desk's summary (due the 2nd) and the supervisor's
report (due the 5th, KF-010 §4.6.1) — whether each is filed is on the status line — and for
the manager's meeting: the recurring complaints first (KF-010 §4.6.2, highlighted, the row
under the cursor lists its tickets), then the quality figures against their targets (met /
short, in words as well as colour), the twelve-month trend of complaints and collection rate
as bars of block characters, the clocks on time and late, the complaints by category,
department and validity, handling times, reworks and callback satisfaction. `[` `]` move
between months; `x` exports the report (XLSX, Markdown, CSV or JSON) to the print folder or
a path typed in, logged by ``kfdesk.desk.reports``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.widgets import DataTable, Static

from kfdesk.desk.base import DeskError
from kfdesk.desk.reports import default_name, export_report, file_month_summary
from kfdesk.i18n import t
from kfdesk.money import fmt
from kfdesk.percent import percent_text
from kfdesk.printing import print_folder
from kfdesk.reports import FORMATS, monthly_report
from kfdesk.views.month_report import (
    MonthReport,
    QualityFigure,
    TrendPoint,
    default_month,
    minutes_as_hours,
    month_ref,
    month_report,
)

from .sampling import DutyModal
from .widgets.choice import ChoiceField
from .widgets.dialogs import ActionDialog, Field
from .widgets.table import Column, FitTable

BAR_WIDTH = 14  # cells for the largest month's bar in the trend
SHARE_BAR_WIDTH = 10  # cells for a category's bar
_EIGHTHS = " ▏▎▍▌▋▊▉"
_FORMAT_LABELS = {"xlsx": "XLSX (Excel)", "md": "Markdown", "csv": "CSV", "json": "JSON"}


def bar(value: int, largest: int, width: int) -> str:
    """A horizontal bar of ``value`` against ``largest`` in ``width`` cells, in eighths of a
    cell (█ and ▏…▉), always exactly ``width`` cells wide so the numbers after it align."""
    if largest <= 0 or value <= 0:
        return " " * width
    eighths = max(1, value * width * 8 // largest)  # a non-zero month always shows
    full, part = divmod(eighths, 8)
    text = "█" * full + (_EIGHTHS[part] if part else "")
    return text + " " * (width - len(text))


def verdict(met: bool | None) -> Text:
    """已达标 / 未达标 in words and colour; — when there is nothing to measure."""
    if met is None:
        return Text(t("ui.report.no_data"), style="dim")
    if met:
        return Text(t("ui.duty.met"), style="bold green")
    return Text(t("ui.report.short"), style="bold yellow")


def pct(value: Decimal | None) -> str:
    return percent_text(value, none=t("ui.report.no_data"))


def hours(minutes: int | None) -> str:
    value = minutes_as_hours(minutes)
    return t("ui.report.no_data") if value is None else t("ui.report.hours", h=value)


def _grid(*justify: str) -> Table:
    grid = Table.grid(padding=(0, 2))
    for j in justify:
        grid.add_column(justify=j)  # type: ignore[arg-type]
    return grid


def quality_table(r: MonthReport) -> Table:
    """The quality figures against their targets (KF-009 §3.1.2, KF-016, KF-009 §3.3)."""
    grid = _grid("left", "right", "left")
    grid.columns[0].style = "bold"
    for q in r.quality:
        name = t(f"report.quality.{q.key}")
        if q.key == "receipt_errors":  # a count against 0, not a share (KF-016)
            grid.add_row(t("ui.report.zero", label=name), str(q.value), verdict(q.met))
        else:
            grid.add_row(t("ui.report.share", label=name, target=f"{q.target.normalize():f}"),
                         pct(q.percent), verdict(q.met))
        detail = _quality_detail(q)
        if detail:
            grid.add_row(Text("  " + detail, style="dim"), "", "")
    return grid


def _quality_detail(q: QualityFigure) -> str:
    if q.key == "collection":
        return t("ui.report.owed", owed=fmt(q.base - q.value)) if q.base else ""
    if q.key == "receipt_errors":
        return t("ui.report.receipt_errors", n=q.value, base=q.base) if q.base else ""
    if q.key == "survey_return":
        year = t("ui.report.survey_year", year=q.period) if q.period else t(
            "ui.report.survey_none")
        return f"{year} · {t('ui.report.of', value=q.value, base=q.base)}" if q.base else year
    return t("ui.report.of", value=q.value, base=q.base) if q.base else ""


def trend_chart(points: tuple[TrendPoint, ...]) -> Table:
    """Twelve months: a bar of the complaints and the collection rate with met / short."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)  # month
    grid.add_column(no_wrap=True, style="cyan")  # bar
    grid.add_column(justify="right", no_wrap=True)  # complaints
    grid.add_column(justify="right", no_wrap=True)  # rate
    grid.add_column(no_wrap=True)  # met / short
    largest = max((p.complaints for p in points), default=0)
    for p in points:
        rate = pct(p.collection_percent)
        style = "" if p.collection_met is None else ("green" if p.collection_met else "yellow")
        grid.add_row(p.month, bar(p.complaints, largest, BAR_WIDTH), str(p.complaints),
                     Text(rate, style=style),
                     verdict(p.collection_met) if p.collection_met is not None else "")
    return grid


def clocks_table(r: MonthReport) -> Table:
    """On time / done late / overdue / not due for each clock, with its rule id."""
    table = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold")
    table.add_column(t("report.col.clock"), no_wrap=True)
    table.add_column(t("report.col.rule"), no_wrap=True)
    for key in ("on_time", "late", "overdue", "running", "on_time_rate"):
        table.add_column(t(f"report.col.{key}"), justify="right")
    table.add_column(t("report.col.worst_item"))
    for c in r.clocks:
        if not (c.judged or c.running):
            continue  # a clock with nothing due this month says nothing
        late_style = "bold red" if c.overdue else ""
        worst = f"{hours(c.worst_late_minutes)} {c.worst_ref}" if c.worst_ref else ""
        table.add_row(t(f"report.clock.{c.clock}"), c.rule, str(c.on_time),
                      Text(str(c.late), style="yellow" if c.late else ""),
                      Text(str(c.overdue), style=late_style), str(c.running),
                      pct(c.on_time_percent), worst)
    return table


def counts_table(pairs: tuple[tuple[str, int], ...], prefix: str, none_key: str) -> Table:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(no_wrap=True, style="cyan")
    grid.add_column(justify="right", no_wrap=True)
    largest = max((n for _, n in pairs), default=0)
    for key, n in pairs:
        label = t(none_key) if key == "none" else t(f"{prefix}.{key}")
        grid.add_row(label, bar(n, largest, SHARE_BAR_WIDTH), str(n))
    return grid


def departments_panel(r: MonthReport) -> Group:
    return Group(counts_table(r.by_department, "department", "report.value.none"), Text(""),
                 counts_table(r.by_validity, "validity", "report.value.none"))


def handling_panel(r: MonthReport) -> Group:
    table = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold")
    table.add_column(t("report.col.kind"))
    for key in ("received", "closed"):
        table.add_column(t(f"report.col.{key}"), justify="right")
    table.add_column(t("report.col.average_hours"), justify="right")
    table.add_column(t("report.col.worst_ticket"))
    for h in r.handling:
        worst = f"{hours(h.worst_minutes)} {h.worst_ticket}" if h.worst_ticket else ""
        average = minutes_as_hours(h.average_minutes)
        table.add_row(t(f"kind.{h.kind}"), str(h.received), str(h.closed),
                      t("ui.report.no_data") if average is None else str(average), worst)
    return Group(table, Text(""), Text(t("ui.report.reworks", n=r.reworks,
                                         tickets=r.reworked_tickets)))


def satisfaction_table(r: MonthReport) -> Table:
    table = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold")
    table.add_column(t("report.col.callback_kind"))
    for key in ("done", "satisfied", "unsatisfied", "satisfied_rate"):
        table.add_column(t(f"report.col.{key}"), justify="right")
    for s in r.satisfaction:
        table.add_row(t(f"callback_kind.{s.kind}"), str(s.done), str(s.satisfied),
                      Text(str(s.unsatisfied), style="yellow" if s.unsatisfied else ""),
                      pct(s.satisfied_percent))
    return table


_FILING_STYLE = {"filed": "green", "filed_late": "yellow", "open": "", "overdue": "bold red"}


def status_lines(r: MonthReport) -> Text:
    text = Text()
    text.append(t("ui.report.status", month=r.ref, n=r.complaints, valid=r.valid,
                  invalid=r.invalid, recurring=len(r.recurring)), style="bold")
    text.append("  ")
    if r.complete:
        text.append(t("ui.report.complete"), style="dim")
    else:
        text.append(t("ui.report.running", at=r.generated_at.strftime("%m-%d %H:%M")),
                    style="yellow")
    for f in r.filings:
        text.append("\n")
        due = f.due_at.strftime("%m-%d %H:%M") + (t("report.provisional") if f.provisional
                                                  else "")
        state = t(f"report.filing.{f.status}")
        if f.filed_at is not None:
            state = t("ui.report.filed_by", status=state, at=f.filed_at.strftime("%m-%d %H:%M"),
                      by=f.by).strip()
        text.append(t("ui.report.filing", duty=t(f"report.duty.{f.duty}"), due=due, state=""))
        text.append(state, style=_FILING_STYLE.get(f.status, ""))
        text.append(f"  {f.rule}", style="dim")
    return text


class ExportDialog(ActionDialog):
    """The export form: the format and the path; choosing a format changes the path's
    suffix to match (a path typed with its own suffix keeps it only until then)."""

    @on(ChoiceField.Changed, "#f-fmt")
    def _format_changed(self, event: ChoiceField.Changed) -> None:
        box = self.query_one("#f-path")
        path = Path(box.value)  # type: ignore[attr-defined]
        if event.value and path.name:
            box.value = str(path.with_suffix(FORMATS[event.value]))  # type: ignore[attr-defined]


class MonthReportScreen(DutyModal):
    """KF-010 §4.6: the month's complaint report; [ ] months, x export."""

    MODE = "month_report"
    DEFAULT_CSS = """
    MonthReportScreen #recurring-table { height: auto; max-height: 8; }
    MonthReportScreen #report-scroll { height: 1fr; }
    MonthReportScreen .report-pair { grid-size: 2; grid-gutter: 0 1; height: auto; }
    MonthReportScreen #report-scroll .panel { height: auto; }
    MonthReportScreen.-narrow .report-pair { grid-size: 1; }
    """
    BINDINGS: ClassVar = [
        Binding("left_square_bracket", "month(-1)", "ui.report.key.prev", id="report.prev"),
        Binding("right_square_bracket", "month(1)", "ui.report.key.next", id="report.next"),
        Binding("x", "export", "ui.report.key.export", id="report.export"),
        Binding("f", "file", "ui.report.key.file", id="report.file"),
    ]
    # Side by side in pairs where two fit at 120 columns; the wide tables on their own.
    LAYOUT = (("quality", "trend"), ("clocks",), ("categories", "departments"), ("handling",),
              ("satisfaction",))

    def __init__(self, month: date | None = None) -> None:
        super().__init__()
        self._month = month
        self._data: MonthReport | None = None

    @property
    def month(self) -> date:
        m = self._month or default_month(self.today)
        return date(m.year, m.month, 1)

    def compose_body(self) -> ComposeResult:
        yield Static("", id="duty-status")
        yield FitTable([
            Column("scope", t("ui.report.col.scope"), min=4),
            Column("category", t("ui.report.col.category"), min=4),
            Column("place", t("ui.report.col.place"), min=4, max=10),
            Column("month", t("ui.report.col.month"), min=4, max=6, right=True),
            Column("window", t("ui.report.col.window"), min=4, max=8, right=True),
            # At 80 columns the spike's mean goes first, then the unit count.
            Column("baseline", t("ui.report.col.baseline"), min=4, max=11, right=True, drop=2),
            Column("units", t("ui.report.col.units"), min=4, max=6, right=True, drop=1),
        ], id="recurring-table")
        yield Static("", id="duty-detail")
        with VerticalScroll(id="report-scroll"):
            for keys in self.LAYOUT:
                panels = [Static("", id=f"panel-{key}", classes="panel") for key in keys]
                for key, panel in zip(keys, panels, strict=True):
                    panel.border_title = t(f"ui.report.panel.{key}")
                if len(panels) == 1:
                    yield panels[0]
                else:
                    yield Grid(*panels, classes="report-pair")

    def on_mount(self) -> None:
        super().on_mount()
        if not self.query_one("#recurring-table", FitTable).row_keys:
            self.query_one("#report-scroll").focus()

    def reload(self) -> None:
        s = self.desk.session
        data = month_report(self.month, s.clock.now(), s.settings)
        self._data = data
        self.query_one("#duty-box").border_title = t("ui.report.title", month=data.ref)
        self.query_one("#duty-status", Static).update(status_lines(data))
        table = self.query_one("#recurring-table", FitTable)
        # KF-010 §4.6.2: highlighted — bold in the error colour, and listed first.
        style = "bold red"
        table.load([
            (str(i), [(t(f"report.scope.{x.scope}"), style), (t(f"category.{x.category}"), style),
                      x.place or "—", str(x.month_count), str(x.window_count),
                      "" if x.baseline is None else str(x.baseline), str(x.units)])
            for i, x in enumerate(data.recurring)])
        table.display = bool(data.recurring)
        if not data.recurring and table.has_focus:
            self.query_one("#report-scroll").focus()
        self._show_detail()
        panels = {
            "quality": quality_table(data),
            "trend": trend_chart(data.trend),
            "clocks": clocks_table(data),
            "categories": counts_table(data.by_category, "category", "report.value.none"),
            "departments": departments_panel(data),
            "handling": handling_panel(data),
            "satisfaction": satisfaction_table(data),
        }
        for key, renderable in panels.items():
            self.query_one(f"#panel-{key}", Static).update(renderable)
        self.keys(t("ui.report.keys"))

    def _show_detail(self) -> None:
        detail = self.query_one("#duty-detail", Static)
        data = self._data
        if data is None:
            return
        if not data.recurring:
            detail.update(Text(t("ui.report.no_recurring"), style="green"))
            return
        key = self.query_one("#recurring-table", FitTable).selected_key()
        row = data.recurring[int(key)] if key is not None else data.recurring[0]
        detail.update(t("ui.report.tickets", tickets=" ".join(row.tickets)))

    @on(DataTable.RowHighlighted, "#recurring-table")
    def _row_moved(self) -> None:
        self._show_detail()

    def action_file(self) -> None:
        """KF-010 §4.6.1: the month's summary handed in — the desk's by the 2nd, the
        supervisor's by the 5th; its clock stops."""
        data = self._data
        if data is None:
            return
        open_duties = [f.duty for f in data.filings if f.filed_at is None]
        if not open_duties:
            self.error(t("ui.report.all_filed", month=month_ref(data.month)))
            return
        s = self.desk.session
        options = [(d, t(f"report.duty.{d}")) for d in open_duties]
        fields = [Field("duty", t("ui.report.f.duty"), "choice", options, open_duties[0]),
                  Field("note", t("ui.report.f.note"))]

        def submit(v: dict) -> str:
            file_month_summary(data.month, str(v["duty"]), str(v["note"]), s.staff, s.clock,
                               s.settings)
            return t("ui.report.filed", month=month_ref(data.month),
                     duty=t(f"report.duty.{v['duty']}"))

        self.app.push_screen(ActionDialog(t("ui.report.file_title", month=month_ref(
            data.month)), fields, submit, about=t("ui.report.file_about")), self.dialog_done)

    def action_export(self) -> None:
        data = self._data
        if data is None:
            return
        s = self.desk.session
        report = monthly_report(data)
        folder = print_folder(s.db_target)
        fields = [
            Field("fmt", t("ui.report.f.format"), "choice",
                  [(k, _FORMAT_LABELS[k]) for k in FORMATS], "xlsx"),
            Field("path", t("ui.report.f.path"), value=str(folder / default_name(report, "xlsx"))),
        ]

        def submit(v: dict) -> str:
            fmt_key, path = str(v["fmt"]), str(v["path"]).strip()
            if not path:  # the screen has no standard output to print to
                raise DeskError("report.needs_file", field="path", fmt=fmt_key)
            done = export_report(report, fmt_key, path, s.staff, s.clock, s.settings)
            return t("ui.report.exported", where=done.where)

        self.app.push_screen(ExportDialog(t("ui.report.export_title", month=month_ref(
            data.month)), fields, submit, about=t("ui.report.export_about")), self.dialog_done)
