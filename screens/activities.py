"""KF-019/020 community activities, a modal over F7 (the supervisor's summary).

Above, the year's activities by date, each step with its due date and state — the plan
approved one month before, the organising group ≥ 10 days before, the public notice 10 days
before, then held and archived; below, the year's duties — the annual plan (15 Dec) and its
mid-year adjustment (15 Jun), the June and December interest surveys, this month's bulletin
board (by the 30th) and any month's still missing. States are the deadline engine's.

Keys: n new activity, a approve its plan (manager), g group formed, p notice posted, h held
and archived, e change its date, x withdraw it (before approval) or call it off (after);
b bulletin posted, y annual plan or adjustment filed, s interest survey recorded; `[` `]`
year. A step out of order or by the wrong role is refused in place and nothing is saved.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from kfdesk.clock import parse_counter_time
from kfdesk.desk import activities
from kfdesk.desk.base import DeskError
from kfdesk.i18n import t
from kfdesk.views.activities import (
    ActivityRow,
    ActivityYear,
    DutyRow,
    Step,
    activity_year,
    default_plan_duty,
    default_survey_period,
)

from .common import ymd
from .sampling import DutyModal
from .visits import parse_day
from .widgets.dialogs import ActionDialog, Field
from .widgets.table import Cell, Column, FitTable

STYLE = {"overdue": "bold red", "due_soon": "bold yellow", "to_do": "bold yellow",
         "done_late": "yellow", "done": "green"}
# The step a step follows (KF-020 §4.2.2 → §4.3.1 → §4.3.2 → §4.3.7).
BEFORE = {"group": "plan", "notice": "group", "archive": "notice"}


def step_cell(step: Step) -> Cell:
    """``逾期 10-08`` / ``已办 09-17``: the state in words beside the date, and in colour."""
    if step.name == "archive":
        day = step.done_at.strftime("%m-%d") if step.done_at else ""
        return (t(f"ui.activities.archive.{step.state}", day=day), STYLE.get(step.state, ""))
    at = step.done_at if step.done_at is not None else step.due_at
    return (t(f"ui.activities.cell.{step.state}", day=at.strftime("%m-%d") if at else ""),
            STYLE.get(step.state, ""))


def duty_name(d: DutyRow) -> str:
    return t(f"ui.activities.duty.{d.duty}", period=d.period)


def duty_note(d: DutyRow) -> str:
    """What was filed, in one line: the planned activities, the changes, the survey, the
    bulletin's subject."""
    note = d.note
    if "activities" in note:
        return "；".join(note["activities"])
    if "changes" in note:
        return "；".join(note["changes"])
    if "methods" in note:
        ways = "、".join(t(f"interest_method.{m}") for m in note["methods"])
        return t("ui.activities.survey_note", methods=ways, n=note.get("responses", 0),
                 findings=note.get("findings", ""))
    return str(note.get("topic") or note.get("text") or "")


class ActivitiesScreen(DutyModal):
    """KF-019/020: the year's community activities and the duties around them."""

    MODE = "activities"
    DEFAULT_CSS = """
    ActivitiesScreen #activity-table { height: 1fr; }
    ActivitiesScreen #plan-table { height: 1fr; margin-top: 1; }
    """
    BINDINGS: ClassVar = [
        Binding("n", "new", "ui.activities.key.new", id="activities.new"),
        Binding("a", "approve", "ui.activities.key.approve", id="activities.approve"),
        Binding("g", "group", "ui.activities.key.group", id="activities.group"),
        Binding("p", "notice", "ui.activities.key.notice", id="activities.notice"),
        Binding("h", "archive", "ui.activities.key.archive", id="activities.archive"),
        Binding("e", "reschedule", "ui.activities.key.reschedule", id="activities.reschedule"),
        Binding("x", "withdraw", "ui.activities.key.withdraw", id="activities.withdraw"),
        Binding("b", "bulletin", "ui.activities.key.bulletin", id="activities.bulletin"),
        Binding("y", "plan", "ui.activities.key.plan", id="activities.plan"),
        Binding("s", "survey", "ui.activities.key.survey", id="activities.survey"),
        Binding("left_square_bracket", "year(-1)", "ui.activities.key.prev",
                id="activities.prev"),
        Binding("right_square_bracket", "year(1)", "ui.activities.key.next",
                id="activities.next"),
    ]

    def __init__(self, year: int | None = None) -> None:
        super().__init__()
        self._year = year
        self._data: ActivityYear | None = None
        self._select: str | None = None  # a row to put the cursor on at the next reload

    @property
    def year(self) -> int:
        return self._year or self.today.year

    def compose_body(self) -> ComposeResult:
        yield Static("", id="duty-status")
        step = {"min": 10, "max": 16}
        yield FitTable([
            Column("day", t("ui.activities.col.day"), min=5, max=5),
            Column("title", t("ui.activities.col.title"), min=12, flex=1),
            Column("plan", t("ui.activities.col.plan"), **step),
            Column("group", t("ui.activities.col.group"), **step),
            Column("notice", t("ui.activities.col.notice"), **step),
            # At 80 columns the archive gives way to the title (the detail line says it).
            Column("archive", t("ui.activities.col.archive"), **step, drop=1),
        ], id="activity-table")
        yield Static("", id="duty-detail")
        yield FitTable([
            Column("duty", t("ui.activities.col.duty"), min=10, max=24),
            Column("due", t("ui.activities.col.due"), min=10, max=10),
            Column("state", t("ui.activities.col.state"), min=4, max=10),
            Column("done", t("ui.activities.col.done"), min=11, max=18),
            Column("note", t("ui.activities.col.note"), min=4, flex=1, drop=1),
        ], id="plan-table")

    # ---- reading ----------------------------------------------------------------------------

    def reload(self) -> None:
        data = activity_year(self.year, self.desk.session.clock.now(), self.settings)
        self._data = data
        self.query_one("#duty-box").border_title = t("ui.activities.title", year=data.year)
        self.query_one("#duty-status", Static).update(self._status(data))
        self.query_one("#activity-table", FitTable).load([
            (str(a.id), [a.held_on.strftime("%m-%d"), a.title,
                         *[step_cell(s) for s in a.steps]])
            for a in data.activities
        ])
        if self._select is not None:
            self.query_one("#activity-table", FitTable).select_key(self._select)
            self._select = None
        self.query_one("#plan-table", FitTable).load([
            (f"{d.duty}:{d.period}", [
                duty_name(d), ymd(d.due_at),
                (t(f"ui.activities.state.{d.state}"), STYLE.get(d.state, "")),
                f"{d.done_at:%m-%d} {d.by}".strip() if d.done_at else "", duty_note(d)])
            for d in data.duties
        ])
        self._show_detail()
        if self.may(activities.PLAN_ROLES):
            self.keys(t("ui.activities.keys"))
        elif self.may(activities.DESK_ROLES):
            self.keys(t("ui.activities.keys_desk"))
        else:
            self.keys(t("ui.activities.keys_read"))

    def _status(self, d: ActivityYear) -> Table:
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column()
        steps = [s for a in d.activities for s in a.steps]
        late = sum(1 for s in steps if s.state == "overdue")
        soon = sum(1 for s in steps if s.state == "due_soon")
        text = Text(t("ui.activities.count", n=len(d.activities),
                      archived=sum(1 for a in d.activities if a.steps[-1].done_at)))
        for n, state in ((late, "overdue"), (soon, "due_soon")):
            if n:
                text.append(" · ")
                text.append(t(f"ui.activities.count_{state}", n=n), style=STYLE[state])
        grid.add_row(t("ui.activities.activities"), text)
        if d.bulletin_months:
            m = d.this_month
            line = Text(t("ui.activities.bulletins", posted=d.bulletins_posted,
                          months=d.bulletin_months))
            if m is not None:
                line.append("  ")
                line.append(t("ui.activities.this_month", state=t(
                    f"ui.activities.state.{m.state}"), due=ymd(m.due_at)),
                    style=STYLE.get(m.state, ""))
            grid.add_row(t("ui.activities.bulletin"), line)
        return grid

    def _current(self) -> ActivityRow | None:
        key = self.query_one("#activity-table", FitTable).selected_key()
        if self._data is None or key is None:
            return None
        return next((a for a in self._data.activities if str(a.id) == key), None)

    def _duty(self) -> DutyRow | None:
        key = self.query_one("#plan-table", FitTable).selected_key()
        if self._data is None or key is None:
            return None
        return next((d for d in self._data.duties if f"{d.duty}:{d.period}" == key), None)

    @on(DataTable.RowHighlighted, "#activity-table")
    def _show_detail(self) -> None:
        a = self._current()
        detail = Text()
        if a is not None:
            detail.append(f"{ymd(a.held_on)} {a.title}", style="bold")
            if a.cancelled_at is not None:
                detail.append("  " + t("ui.activities.detail_cancelled",
                                       day=a.cancelled_at.strftime("%m-%d"),
                                       reason=a.cancel_reason), style="dim")
            elif a.next_step is None:
                archived = a.steps[-1].done_at
                detail.append("  " + t("ui.activities.detail_archived",
                                       day=archived.strftime("%m-%d") if archived else ""))
                if a.attendance is not None:
                    detail.append(" · " + t("ui.activities.attendance", n=a.attendance))
                if a.summary:
                    detail.append("\n" + a.summary)
            else:
                nxt = next(s for s in a.steps if s.name == a.next_step)
                if nxt.due_at is None:  # the archive: once the activity is over
                    line = t("ui.activities.next_archive", day=ymd(a.held_on))
                else:
                    line = t("ui.activities.next", step=t(f"activity_step.{nxt.name}"),
                             due=ymd(nxt.due_at))
                detail.append("  " + line, style=STYLE.get(nxt.state, ""))
        self.query_one("#duty-detail", Static).update(detail)

    # ---- helpers for the writes -------------------------------------------------------------

    def action_year(self, step: int) -> None:
        year = self.year + step
        if year > self.today.year + 1 or year < 2000:
            return
        self._year = year
        self.error()
        self.reload()

    def _time_field(self, name: str) -> Field:
        return Field(name, t(f"ui.activities.f.{name}"), value=self.now.strftime("%H:%M"),
                     placeholder=t("ui.form.time_placeholder"))

    def _at(self, v: dict, name: str) -> datetime:
        at = parse_counter_time(str(v[name]), self.now, self.zone)
        if at is None:
            raise DeskError("ui.act.bad_time", field=name, text=v[name])
        return at

    def _ready(self, step: str, roles: tuple[str, ...], refuse) -> ActivityRow | None:  # noqa: ANN001
        """The selected activity when ``step`` is its next; else say why not (the service
        would refuse the same way, and nothing is saved)."""
        a = self._current()
        if a is None:
            self.error(t("ui.activities.none_selected"))
            return None
        if not self.may(roles):
            self.attempt(refuse, a.id)  # the service names the role it needs
            return None
        done = {s.name for s in a.steps if s.done_at is not None}
        if a.cancelled_at is not None:
            self.error(DeskError("activity.cancelled", title=a.title).message())
        elif a.next_step is None:
            self.error(DeskError("activity.archived", title=a.title).message())
        elif step in done:
            self.error(DeskError(f"activity.{step}_done", title=a.title).message())
        elif step in BEFORE and BEFORE[step] not in done:
            self.error(DeskError(f"activity.{BEFORE[step]}_first", title=a.title).message())
        else:
            return a
        return None

    # ---- one activity -----------------------------------------------------------------------

    def action_new(self) -> None:
        s = self.desk.session
        if not self.may(activities.PLAN_ROLES):
            self.attempt(activities.create_activity, "", None, s.staff, s.clock, s.settings)
            return

        def submit(v: dict) -> str:
            day = parse_day(str(v["held_on"]), self.today, "held_on")
            a = activities.create_activity(str(v["title"]), day, s.staff, s.clock, s.settings)
            self._year, self._select = a.held_on.year, str(a.id)
            return t("ui.activities.created", title=a.title, day=ymd(a.held_on))

        self.app.push_screen(ActionDialog(t("ui.activities.new_title"), [
            Field("title", t("ui.activities.f.title"),
                  placeholder=t("ui.activities.f.title_eg")),
            Field("held_on", t("ui.activities.f.held_on"),
                  placeholder=t("ui.duty.day_placeholder")),
        ], submit, about=t("ui.activities.new_about")), self.dialog_done)

    def action_approve(self) -> None:
        s = self.desk.session
        a = self._ready("plan", activities.APPROVE_ROLES, lambda i: activities.approve_plan(
            i, "", s.staff, s.clock, s.settings))
        if a is None:
            return

        def submit(v: dict) -> str:
            activities.approve_plan(a.id, str(v["plan"]), s.staff, s.clock, s.settings,
                                    approved_at=self._at(v, "approved_at"))
            return t("ui.activities.approved", title=a.title)

        self.app.push_screen(ActionDialog(t("ui.activities.approve_title", title=a.title), [
            Field("plan", t("ui.activities.f.plan"), "area"),
            self._time_field("approved_at"),
        ], submit, about=t("ui.activities.approve_about")), self.dialog_done)

    def action_group(self) -> None:
        s = self.desk.session
        a = self._ready("group", activities.PLAN_ROLES, lambda i: activities.form_group(
            i, "", s.staff, s.clock, s.settings))
        if a is None:
            return

        def submit(v: dict) -> str:
            activities.form_group(a.id, str(v["members"]), s.staff, s.clock, s.settings,
                                  formed_at=self._at(v, "formed_at"))
            return t("ui.activities.grouped", title=a.title)

        self.app.push_screen(ActionDialog(t("ui.activities.group_title", title=a.title), [
            Field("members", t("ui.activities.f.members"),
                  placeholder=t("ui.activities.f.members_eg")),
            self._time_field("formed_at"),
        ], submit, about=t("ui.activities.group_about")), self.dialog_done)

    def action_notice(self) -> None:
        s = self.desk.session
        a = self._ready("notice", activities.DESK_ROLES, lambda i: activities.post_notice(
            i, (), s.staff, s.clock, s.settings))
        if a is None:
            return
        means = [(m, t(f"notice_means.{m}")) for m in activities.NOTICE_MEANS]

        def submit(v: dict) -> str:
            activities.post_notice(a.id, list(v["means"]), s.staff, s.clock, s.settings,
                                   posted_at=self._at(v, "posted_at"))
            return t("ui.activities.noticed", title=a.title)

        self.app.push_screen(ActionDialog(t("ui.activities.notice_title", title=a.title), [
            Field("means", t("ui.activities.f.means"), "multi", means, "board"),
            self._time_field("posted_at"),
        ], submit, about=t("ui.activities.notice_about")), self.dialog_done)

    def action_archive(self) -> None:
        s = self.desk.session
        a = self._ready("archive", activities.PLAN_ROLES,
                        lambda i: activities.archive_activity(i, "", None, s.staff, s.clock,
                                                              s.settings))
        if a is None:
            return

        def submit(v: dict) -> str:
            count = activities.parse_count(str(v["attendance"]), "attendance")
            activities.archive_activity(a.id, str(v["summary"]), count, s.staff, s.clock,
                                        s.settings)
            return t("ui.activities.archived", title=a.title)

        self.app.push_screen(ActionDialog(t("ui.activities.archive_title", title=a.title), [
            Field("summary", t("ui.activities.f.summary"), "area"),
            Field("attendance", t("ui.activities.f.attendance"),
                  placeholder=t("ui.activities.f.attendance_eg")),
        ], submit, about=t("ui.activities.archive_about")), self.dialog_done)

    def action_reschedule(self) -> None:
        s = self.desk.session
        a = self._current()
        if a is None:
            self.error(t("ui.activities.none_selected"))
            return
        if not self.may(activities.PLAN_ROLES):
            self.attempt(activities.reschedule_activity, a.id, a.held_on, s.staff, s.clock,
                         s.settings)
            return

        def submit(v: dict) -> str:
            day = parse_day(str(v["held_on"]), self.today, "held_on")
            activities.reschedule_activity(a.id, day, s.staff, s.clock, s.settings)
            self._year, self._select = day.year, str(a.id)
            return t("ui.activities.rescheduled", title=a.title, day=ymd(day))

        self.app.push_screen(ActionDialog(t("ui.activities.reschedule_title", title=a.title), [
            Field("held_on", t("ui.activities.f.held_on"), value=a.held_on.isoformat(),
                  placeholder=t("ui.duty.day_placeholder")),
        ], submit, about=t("ui.activities.reschedule_about")), self.dialog_done)

    def action_withdraw(self) -> None:
        s = self.desk.session
        a = self._current()
        if a is None:
            self.error(t("ui.activities.none_selected"))
            return
        if a.steps[0].done_at is not None and a.cancelled_at is None:
            self._cancel(a)
            return
        if not self.may(activities.PLAN_ROLES) or a.steps[0].done_at is not None:
            self.attempt(activities.withdraw_activity, a.id, s.staff, s.clock, s.settings)
            return

        def submit(_v: dict) -> str:
            activities.withdraw_activity(a.id, s.staff, s.clock, s.settings)
            return t("ui.activities.withdrawn", title=a.title)

        self.app.push_screen(ActionDialog(
            t("ui.activities.withdraw_title", title=a.title), [], submit,
            about=t("ui.activities.withdraw_about", title=a.title, day=ymd(a.held_on))),
            self.dialog_done)

    def _cancel(self, a: ActivityRow) -> None:
        """x on an activity whose plan is approved: call it off, with the reason (the record
        stays, its steps stop being due)."""
        s = self.desk.session
        if not self.may(activities.PLAN_ROLES) or a.steps[-1].done_at is not None:
            # Not theirs, or already archived: the service says why, in place.
            self.attempt(activities.cancel_activity, a.id, "", s.staff, s.clock, s.settings)
            return

        def submit(v: dict) -> str:
            activities.cancel_activity(a.id, v["reason"], s.staff, s.clock, s.settings)
            return t("ui.activities.cancelled_done", title=a.title)

        self.app.push_screen(ActionDialog(
            t("ui.activities.cancel_title", title=a.title), [
                Field("reason", t("ui.activities.f.reason"),
                      placeholder=t("ui.activities.f.reason_eg")),
            ], submit, about=t("ui.activities.cancel_about", title=a.title,
                               day=ymd(a.held_on))), self.dialog_done)

    # ---- the year's duties ------------------------------------------------------------------

    def action_bulletin(self) -> None:
        s = self.desk.session
        if not self.may(activities.DESK_ROLES):
            self.attempt(activities.post_bulletin, self.today, "", s.staff, s.clock,
                         s.settings)
            return
        d = self._duty()
        month = (d.period if d is not None and d.duty == "bulletin" and d.done_at is None
                 else f"{self.today:%Y-%m}")

        def submit(v: dict) -> str:
            row = activities.post_bulletin(str(v["month"]), str(v["topic"]), s.staff, s.clock,
                                           s.settings)
            return t("ui.activities.bulletin_done", month=row.period)

        self.app.push_screen(ActionDialog(t("ui.activities.bulletin_title"), [
            Field("month", t("ui.activities.f.month"), value=month,
                  placeholder=t("ui.activities.f.month_eg")),
            Field("topic", t("ui.activities.f.topic"),
                  placeholder=t("ui.activities.f.topic_eg")),
        ], submit, about=t("ui.activities.bulletin_about",
                           day=self.settings.clocks["bulletin_day"])), self.dialog_done)

    def action_plan(self) -> None:
        s = self.desk.session
        if not self.may(activities.PLAN_ROLES):
            self.attempt(activities.file_annual_plan, self.today.year + 1, "", s.staff, s.clock,
                         s.settings)
            return
        d = self._duty()
        if d is not None and d.duty in ("annual_plan", "annual_adjustment") \
                and d.done_at is None:
            kind, year = d.duty, int(d.period)
        else:
            kind, year = default_plan_duty(self.today)
        kinds = [(k, t(f"activity_duty.{k}")) for k in ("annual_plan", "annual_adjustment")]

        def submit(v: dict) -> str:
            if v["kind"] == "annual_adjustment":
                row = activities.file_adjustment(str(v["year"]), str(v["contents"]), s.staff,
                                                 s.clock, s.settings)
            else:
                row = activities.file_annual_plan(str(v["year"]), str(v["contents"]),
                                                  s.staff, s.clock, s.settings)
            return t("ui.activities.plan_done", duty=t(f"activity_duty.{row.duty}"),
                     year=row.period)

        clocks = self.settings.clocks
        self.app.push_screen(ActionDialog(t("ui.activities.plan_title"), [
            Field("kind", t("ui.activities.f.kind"), "choice", kinds, kind),
            Field("year", t("ui.activities.f.year"), value=str(year)),
            Field("contents", t("ui.activities.f.contents"), "area"),
        ], submit, about=t("ui.activities.plan_about", plan=clocks["annual_plan_due"],
                           adjustment=clocks["annual_adjustment_due"])), self.dialog_done)

    def action_survey(self) -> None:
        s = self.desk.session
        if not self.may(activities.DESK_ROLES):
            self.attempt(activities.record_interest_survey, default_survey_period(self.today),
                         (), None, "", s.staff, s.clock, s.settings)
            return
        d = self._duty()
        period = (d.period if d is not None and d.duty == "interest_survey"
                  and d.done_at is None else default_survey_period(self.today))
        methods = [(m, t(f"interest_method.{m}")) for m in activities.SURVEY_METHODS]

        def submit(v: dict) -> str:
            responses = activities.parse_count(str(v["responses"]), "responses")
            row = activities.record_interest_survey(
                str(v["period"]), list(v["methods"]), responses, str(v["findings"]),
                s.staff, s.clock, s.settings)
            return t("ui.activities.survey_done", period=row.period)

        self.app.push_screen(ActionDialog(t("ui.activities.survey_title"), [
            Field("period", t("ui.activities.f.period"), value=period,
                  placeholder=t("ui.activities.f.month_eg")),
            Field("methods", t("ui.activities.f.methods"), "multi", methods, "form"),
            Field("responses", t("ui.activities.f.responses"),
                  placeholder=t("ui.activities.f.attendance_eg")),
            Field("findings", t("ui.activities.f.findings"), "area"),
        ], submit, about=t("ui.activities.survey_about")), self.dialog_done)
