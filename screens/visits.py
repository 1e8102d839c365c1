"""KF-009 §3.2 the visit list, a modal over F7 (the supervisor's summary).

Open visits first, by planned day, with why each household is listed and how often it
complained in the last half year; then the visits made lately with what they found. The
supervisor proposes the list (p: everyone who complained in the half year, plus a random
spread across buildings), adds a unit (a), sets the planned day (d) or takes one off (x);
a clerk, supervisor or manager records a visit made (r). The row under the cursor shows its
findings below the table.
"""

from __future__ import annotations

import re
from datetime import date
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from kfdesk.clock import parse_counter_time
from kfdesk.desk import visits
from kfdesk.desk.base import DeskError
from kfdesk.i18n import t
from kfdesk.views.visits import VisitRow, visit_list

from .common import ymd
from .sampling import DutyModal
from .widgets.dialogs import ActionDialog, Field
from .widgets.table import Column, FitTable

_DAY = re.compile(r"^(?:(\d{4})[-/.])?(\d{1,2})[-/.](\d{1,2})$")


def parse_day(text: str, today: date, field: str) -> date:
    """``2026-10-12``, ``10-12`` or ``10/12`` (this year); a refusal names the field."""
    m = _DAY.match(text.strip())
    if m is None:
        raise DeskError("ui.duty.bad_day", field=field, text=text.strip())
    year, month, day = m.groups()
    try:
        return date(int(year) if year else today.year, int(month), int(day))
    except ValueError:
        raise DeskError("ui.duty.bad_day", field=field, text=text.strip()) from None


class VisitsScreen(DutyModal):
    """KF-009 §3.2: the supervisor's list of households to visit, and the visit records."""

    MODE = "visits"
    BINDINGS: ClassVar = [
        Binding("p", "propose", "ui.visits.key.propose", id="visits.propose"),
        Binding("a", "add", "ui.visits.key.add", id="visits.add"),
        Binding("d", "plan", "ui.visits.key.plan", id="visits.plan"),
        Binding("x", "remove", "ui.visits.key.remove", id="visits.remove"),
        Binding("r", "record", "ui.visits.key.record", id="visits.record"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._rows: dict[str, VisitRow] = {}

    def compose_body(self) -> ComposeResult:
        yield Static("", id="duty-status")
        yield FitTable([
            Column("planned", t("ui.visits.col.planned"), min=10, max=10),
            Column("unit", t("ui.col.unit"), min=7, max=9),
            Column("resident", t("ui.col.resident"), min=4, max=10, flex=1, drop=3),
            Column("reason", t("ui.visits.col.reason"), min=4, max=10),
            Column("complaints", t("ui.visits.col.complaints"), min=4, max=8, right=True,
                   drop=2),
            Column("visited", t("ui.visits.col.visited"), min=11, max=11),
            Column("by", t("ui.visits.col.by"), min=4, max=8, drop=1),
            Column("grade", t("ui.visits.col.grade"), min=4, max=12),
            Column("manager", t("ui.visits.col.manager"), min=4, max=8),
        ], id="visit-table")
        yield Static("", id="duty-detail")

    def reload(self) -> None:
        rows = visit_list(self.desk.session.clock.now(), self.settings)
        self._rows = {str(r.id): r for r in rows}
        open_rows = [r for r in rows if r.visited_at is None]
        important = sum(1 for r in rows if r.to_manager)
        self.query_one("#duty-status", Static).update(t(
            "ui.visits.status", open=len(open_rows), done=len(rows) - len(open_rows),
            important=important,
            months=self.settings.data["targets"]["visit_lookback_months"]))
        table_rows = []
        for r in rows:
            late = r.visited_at is None and r.planned_for < self.today
            planned = (ymd(r.planned_for), "bold yellow") if late else ymd(r.planned_for)
            table_rows.append((str(r.id), [
                planned, r.unit, r.resident, t(f"visit_reason.{r.reason}")
                if r.reason in visits.REASONS else r.reason,
                str(r.complaints) if r.complaints else "",
                r.visited_at.strftime("%m-%d %H:%M") if r.visited_at else "",
                r.by, t(f"visit_grade.{r.satisfaction}")
                if r.satisfaction in visits.VISIT_GRADES else (r.satisfaction or ""),
                (t("ui.visits.to_manager"), "bold") if r.to_manager else "",
            ]))
        self.query_one("#visit-table", FitTable).load(table_rows)
        self._show_detail()
        plan = self.may(visits.PLAN_ROLES)
        record = self.may(visits.RECORD_ROLES)
        self.keys(t("ui.visits.keys") if plan else
                  t("ui.visits.keys_record") if record else t("ui.visits.keys_read"))

    def _current(self) -> VisitRow | None:
        key = self.query_one("#visit-table", FitTable).selected_key()
        return self._rows.get(key) if key else None

    @on(DataTable.RowHighlighted, "#visit-table")
    def _show_detail(self) -> None:
        row = self._current()
        detail = Text()
        if row is not None and row.visited_at is not None:
            for part in visits.FINDING_PARTS:
                if row.findings.get(part):
                    detail.append(f"{t(f'visit_part.{part}')}：", style="bold")
                    detail.append(row.findings[part] + "\n")
            if row.findings_text:
                detail.append(row.findings_text + "\n")
        self.query_one("#duty-detail", Static).update(detail)

    # ---- the supervisor's list ----------------------------------------------------------------

    def _day_field(self, value: date) -> Field:
        return Field("planned_for", t("ui.visits.f.planned_for"), value=value.isoformat(),
                     placeholder=t("ui.duty.day_placeholder"))

    def action_propose(self) -> None:
        s = self.desk.session
        if not self.may(visits.PLAN_ROLES):
            self.attempt(visits.propose_visits, s.staff, s.clock, s.settings)  # says why not
            return
        default = visits.default_visit_day(s.clock, s.settings)

        def submit(v: dict) -> str:
            day = parse_day(str(v["planned_for"]), self.today, "planned_for")
            result = visits.propose_visits(s.staff, s.clock, s.settings, day)
            return t("ui.visits.proposed", complained=len(result.complained),
                     spread=len(result.spread), day=ymd(result.planned_for))

        self.app.push_screen(ActionDialog(t("ui.visits.propose_title"), [self._day_field(default)],
                                          submit, about=t("ui.visits.propose_about")),
                             self.dialog_done)

    def action_add(self) -> None:
        s = self.desk.session
        if not self.may(visits.PLAN_ROLES):
            self.attempt(visits.add_visit, "", None, s.staff, s.clock, s.settings)
            return
        default = visits.default_visit_day(s.clock, s.settings)

        def submit(v: dict) -> str:
            day = parse_day(str(v["planned_for"]), self.today, "planned_for")
            visit = visits.add_visit(str(v["unit"]), day, s.staff, s.clock, s.settings)
            return t("ui.visits.added", unit=visit.unit.code, day=ymd(visit.planned_for))

        self.app.push_screen(ActionDialog(t("ui.visits.add_title"), [
            Field("unit", t("ui.visits.f.unit"), placeholder=t("ui.visits.f.unit_eg")),
            self._day_field(default),
        ], submit), self.dialog_done)

    def _open_row(self) -> VisitRow | None:
        row = self._current()
        if row is not None and row.visited_at is not None:
            self.error(t("visit.already_visited", unit=row.unit))
            return None
        return row

    def action_plan(self) -> None:
        row = self._open_row()
        if row is None:
            return
        s = self.desk.session
        if not self.may(visits.PLAN_ROLES):
            self.attempt(visits.plan_visit, row.id, row.planned_for, s.staff, s.clock,
                         s.settings)
            return

        def submit(v: dict) -> str:
            day = parse_day(str(v["planned_for"]), self.today, "planned_for")
            visits.plan_visit(row.id, day, s.staff, s.clock, s.settings)
            return t("ui.visits.planned", unit=row.unit, day=ymd(day))

        self.app.push_screen(ActionDialog(t("ui.visits.plan_title", unit=row.unit),
                                          [self._day_field(max(row.planned_for, self.today))],
                                          submit), self.dialog_done)

    def action_remove(self) -> None:
        row = self._open_row()
        if row is None:
            return
        s = self.desk.session
        if not self.may(visits.PLAN_ROLES):
            self.attempt(visits.remove_visit, row.id, s.staff, s.clock)
            return

        def submit(_v: dict) -> str:
            visits.remove_visit(row.id, s.staff, s.clock)
            return t("ui.visits.removed", unit=row.unit)

        self.app.push_screen(ActionDialog(
            t("ui.visits.remove_title", unit=row.unit), [], submit,
            about=t("ui.visits.remove_about", unit=row.unit, day=ymd(row.planned_for))),
            self.dialog_done)

    # ---- the visit made -----------------------------------------------------------------------

    def action_record(self) -> None:
        row = self._open_row()
        if row is None:
            return
        s = self.desk.session
        if not self.may(visits.RECORD_ROLES):
            self.attempt(visits.record_visit, row.id, visits.VisitRecord(), s.staff, s.clock,
                         s.settings)
            return
        grades = [(g, t(f"visit_grade.{g}")) for g in visits.VISIT_GRADES]
        fields = [
            Field("visited_at", t("ui.visits.f.visited_at"), value=self.now.strftime("%H:%M"),
                  placeholder=t("ui.form.time_placeholder")),
            Field("satisfaction", t("ui.visits.f.satisfaction"), "choice", grades,
                  "satisfied"),
            *[Field(p, t(f"visit_part.{p}")) for p in visits.FINDING_PARTS],
            Field("to_manager", t("ui.visits.f.to_manager"), "choice",
                  [("no", t("ui.duty.no")), ("yes", t("ui.duty.yes"))], "no"),
        ]

        def submit(v: dict) -> str:
            at = parse_counter_time(str(v["visited_at"]), self.now, self.zone)
            if at is None:
                raise DeskError("ui.act.bad_time", field="visited_at", text=v["visited_at"])
            record = visits.VisitRecord(
                satisfaction=str(v["satisfaction"]), visited_at=at,
                to_manager=v["to_manager"] == "yes",
                **{p: str(v[p]) for p in visits.FINDING_PARTS})
            visits.record_visit(row.id, record, s.staff, s.clock, s.settings)
            return t("ui.visits.recorded", unit=row.unit)

        self.app.push_screen(ActionDialog(
            t("ui.visits.record_title", unit=row.unit, resident=row.resident or "—"), fields,
            submit, about=t("ui.visits.record_about")), self.dialog_done)
