"""KF-009 §3.3 the annual satisfaction survey, a modal over F7 (the supervisor's summary).

Where the year's survey stands — the share that applies (15 % after 5 years of occupation,
else ≥ 30 %), the households drawn, distribution, the return rate against 75 % within the 10
days, the report — and the statistics table: copies and returns by building, the overall
grades, and each household's copy. The supervisor records the quality department's approval
of the form (a, RULES v2: before distribution), draws the sample (g), closes the collection (c),
marks the report done (f) and records the general manager's approval of the open letter (l)
or that none is needed (n); distribution (d), each returned copy (r), each household's
remarks forwarded to a department (w) and the letter's posting (o) are recorded at the desk.
`[` `]` move between years.
"""

from __future__ import annotations

from fractions import Fraction
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Static

from kfdesk.clock import parse_counter_time
from kfdesk.desk import surveys
from kfdesk.desk.base import DeskError
from kfdesk.i18n import t
from kfdesk.models import SURVEY_GRADES
from kfdesk.percent import share_percent
from kfdesk.views.surveys import SurveyOverview, percent, survey_overview

from .common import ymd, ymd_hm
from .sampling import DutyModal
from .widgets.dialogs import ActionDialog, Field
from .widgets.table import Column, FitTable


class SurveyScreen(DutyModal):
    """KF-009 §3.3: the year's survey, its sample, returns and statistics."""

    MODE = "survey"
    DEFAULT_CSS = """
    SurveyScreen #survey-tables { height: 1fr; }
    SurveyScreen #survey-buildings { width: 44; }
    SurveyScreen #survey-copies { width: 1fr; margin-left: 1; }
    SurveyScreen.-narrow #survey-tables { layout: vertical; }
    SurveyScreen.-narrow #survey-buildings { width: 1fr; height: 1fr; }
    SurveyScreen.-narrow #survey-copies { width: 1fr; height: 1fr; margin-left: 0; }
    """
    BINDINGS: ClassVar = [
        Binding("a", "approve_form", "ui.survey.key.approve", id="survey.approve_form"),
        Binding("g", "draw", "ui.survey.key.draw", id="survey.draw"),
        Binding("d", "distribute", "ui.survey.key.distribute", id="survey.distribute"),
        Binding("r", "return", "ui.survey.key.return", id="survey.return"),
        Binding("c", "close_collection", "ui.survey.key.close", id="survey.close"),
        Binding("f", "report", "ui.survey.key.report", id="survey.report"),
        Binding("w", "forward", "ui.survey.key.forward", id="survey.forward"),
        Binding("l", "letter", "ui.survey.key.letter", id="survey.letter_approve"),
        Binding("o", "post_letter", "ui.survey.key.post", id="survey.letter_post"),
        Binding("n", "waive_letter", "ui.survey.key.waive", id="survey.letter_waive"),
        Binding("left_square_bracket", "year(-1)", "ui.survey.key.prev", id="survey.prev"),
        Binding("right_square_bracket", "year(1)", "ui.survey.key.next", id="survey.next"),
    ]

    def __init__(self, year: int | None = None) -> None:
        super().__init__()
        self._year = year
        self._data: SurveyOverview | None = None

    @property
    def year(self) -> int:
        return self._year or self.today.year

    def compose_body(self) -> ComposeResult:
        yield Static("", id="duty-status")
        with Horizontal(id="survey-tables"):
            yield FitTable([
                Column("building", t("ui.survey.col.building"), min=4, max=6),
                Column("households", t("ui.survey.col.households"), min=4, max=6, right=True),
                Column("drawn", t("ui.survey.col.drawn"), min=4, max=6, right=True),
                Column("returned", t("ui.survey.col.returned"), min=4, max=6, right=True),
                Column("rate", t("ui.survey.col.rate"), min=7, max=8, right=True),
            ], id="survey-buildings")
            yield FitTable([
                Column("unit", t("ui.col.unit"), min=7, max=9),
                Column("returned", t("ui.survey.col.returned_at"), min=11, max=11),
                Column("grade", t("ui.survey.col.grade"), min=4, max=14),
                Column("remarks", t("ui.survey.col.remarks"), min=4, flex=1),
                Column("forwarded", t("ui.survey.col.forwarded"), min=4, max=8),
            ], id="survey-copies")

    def on_mount(self) -> None:
        super().on_mount()
        # The copies are what the desk works on (r records the one under the cursor).
        self.query_one("#survey-copies", FitTable).focus()

    def reload(self) -> None:
        data = survey_overview(self.year, self.settings)
        self._data = data
        self.query_one("#duty-box").border_title = t("ui.survey.title", year=data.year)
        self.query_one("#duty-status", Static).update(self._status(data))
        self.query_one("#survey-buildings", FitTable).load([
            (b.building, [t("ui.survey.building", number=b.building), str(b.households),
                          str(b.drawn), str(b.returned) if data.distributed_at else "",
                          percent(Fraction(b.returned, b.drawn))
                          if b.drawn and data.distributed_at else "—"])
            for b in data.buildings if b.drawn or b.households
        ])
        self.query_one("#survey-copies", FitTable).load([
            (c.unit, [c.unit, c.returned_at.strftime("%m-%d %H:%M") if c.returned_at else "",
                      t(f"survey_grade.{c.grade}") if c.grade else "", c.remarks,
                      t(f"department.{c.forwarded_to}") if c.forwarded_to else ""])
            for c in data.copies
        ])
        if self.may(surveys.DRAW_ROLES):
            self.keys(t("ui.survey.keys"))
        elif self.may(surveys.DESK_ROLES):
            self.keys(t("ui.survey.keys_desk"))
        else:
            self.keys(t("ui.survey.keys_read"))

    def _status(self, d: SurveyOverview) -> Table:
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column()
        rule = "ui.survey.share_old" if d.old else "ui.survey.share_young"
        grid.add_row(t("ui.survey.sample"), t(
            rule, since=d.occupied_since, years=self.settings.data["targets"]
            ["survey_old_after_years"], share=share_percent(d.share), households=d.households,
            target=d.target) + "  " + (t("ui.survey.drawn", n=d.drawn) if d.exists
                                       else t("ui.survey.not_drawn")))
        grid.add_row(t("ui.survey.form"), t(
            "ui.survey.form_approved", by=d.form_approved_by, at=ymd(d.form_approved_at))
            if d.form_approved_at else Text(t("ui.survey.form_not_approved"), style="yellow"))
        if d.distributed_at is None:
            grid.add_row(t("ui.survey.distribution"), t("ui.survey.not_distributed",
                                                        due=ymd_hm(d.distribute_due)))
            return grid
        grid.add_row(t("ui.survey.distribution"), t(
            "ui.survey.distributed", at=ymd_hm(d.distributed_at), due=ymd_hm(d.collect_due)))
        rate = Text(t("ui.survey.returns", returned=d.returned, drawn=d.drawn,
                      in_time=d.returned_in_time, rate=percent(d.return_rate),
                      target=share_percent(d.return_target)))
        if d.return_rate is not None:
            needed = Fraction(str(d.return_target))
            rate.append("  ")
            rate.append(Text(t("ui.duty.met"), style="bold green") if d.return_rate >= needed
                        else Text(t("ui.survey.below"), style="bold yellow"))
        grid.add_row(t("ui.survey.collection"), rate)
        if d.collected_at is not None:
            grid.add_row(t("ui.survey.report"), t(
                "ui.survey.reported", at=ymd(d.reported_at)) if d.reported_at else t(
                "ui.survey.report_due", collected=ymd_hm(d.collected_at),
                due=ymd_hm(d.report_due)))
        if d.collected_at is not None:
            grid.add_row(t("ui.survey.letter"), self._letter(d))
        if d.unforwarded:
            grid.add_row("", Text(t("ui.survey.unforwarded", n=d.unforwarded), style="yellow"))
        if d.returned and d.copies:
            counts = " · ".join(f"{t(f'survey_grade.{g}')} {n}" for g, n in d.grades)
            grid.add_row(t("ui.survey.grades"), t("ui.survey.grades_text", counts=counts,
                                                  rate=percent(d.satisfied_rate)))
        return grid

    @staticmethod
    def _letter(d: SurveyOverview) -> str:
        """KF-009 §3.3.6 (RULES v2): where the open letter stands."""
        if d.letter_waived_at is not None:
            return t("ui.survey.letter_waived", at=ymd(d.letter_waived_at), reason=d.letter_note)
        parts = []
        if d.letter_approved_at is not None:
            parts.append(t("ui.survey.letter_approved", by=d.letter_approved_by,
                           at=ymd(d.letter_approved_at), subject=d.letter_note))
        if d.letter_posted_at is not None:
            parts.append(t("ui.survey.letter_posted", at=ymd(d.letter_posted_at)))
        else:
            parts.append(t("ui.survey.letter_due", due=ymd_hm(d.letter_due)))
        return " · ".join(parts)

    # ---- writes -----------------------------------------------------------------------------

    def action_year(self, step: int) -> None:
        year = self.year + step
        if year > self.today.year + 1 or year < 2000:
            return
        self._year = year
        self.error()
        self.reload()

    def action_draw(self) -> None:
        s = self.desk.session
        survey = self.attempt(surveys.draw_survey_sample, self.year, s.staff, s.clock,
                              s.settings)
        if survey:
            self.notify(t("ui.survey.drawn_done", year=self.year, n=survey.households))

    def action_distribute(self) -> None:
        s = self.desk.session
        if not self.may(surveys.DESK_ROLES):
            self.attempt(surveys.record_distribution, self.year, None, s.staff, s.clock,
                         s.settings)
            return

        def submit(v: dict) -> str:
            at = parse_counter_time(str(v["at"]), self.now, self.zone)
            if at is None:
                raise DeskError("ui.act.bad_time", field="at", text=v["at"])
            survey = surveys.record_distribution(self.year, at, s.staff, s.clock, s.settings)
            return t("ui.survey.distributed_done", year=self.year, n=survey.households)

        self.app.push_screen(ActionDialog(t("ui.survey.distribute_title", year=self.year), [
            Field("at", t("ui.survey.f.distributed_at"), value=self.now.strftime("%H:%M"),
                  placeholder=t("ui.form.time_placeholder")),
        ], submit, about=t("ui.survey.distribute_about",
                           days=self.settings.clocks["survey_collect_days"])),
            self.dialog_done)

    def action_return(self) -> None:
        s = self.desk.session
        if not self.may(surveys.DESK_ROLES):
            self.attempt(surveys.record_return, self.year, "", "", "", s.staff, s.clock,
                         s.settings)
            return
        key = self.query_one("#survey-copies", FitTable).selected_key() or ""
        copy = next((c for c in (self._data.copies if self._data else ()) if c.unit == key),
                    None)
        unit = copy.unit if copy is not None and copy.returned_at is None else ""
        grades = [(g, t(f"survey_grade.{g}")) for g in SURVEY_GRADES]

        def submit(v: dict) -> str:
            at = parse_counter_time(str(v["at"]), self.now, self.zone)
            if at is None:
                raise DeskError("ui.act.bad_time", field="at", text=v["at"])
            surveys.record_return(self.year, str(v["unit"]), str(v["grade"]),
                                  str(v["remarks"]), s.staff, s.clock, s.settings,
                                  returned_at=at)
            return t("ui.survey.returned_done", unit=str(v["unit"]).strip())

        self.app.push_screen(ActionDialog(t("ui.survey.return_title", year=self.year), [
            Field("unit", t("ui.survey.f.unit"), value=unit,
                  placeholder=t("ui.visits.f.unit_eg")),
            Field("grade", t("ui.survey.f.grade"), "choice", grades, "satisfied"),
            Field("remarks", t("ui.survey.f.remarks")),
            Field("at", t("ui.survey.f.returned_at"), value=self.now.strftime("%H:%M"),
                  placeholder=t("ui.form.time_placeholder")),
        ], submit), self.dialog_done)

    def _confirm(self, title: str, about: str, write, done: str) -> None:  # noqa: ANN001
        """A step that cannot be undone asks first (Ctrl+S); the refusal shows in place."""
        s = self.desk.session

        def submit(_v: dict) -> str:
            write(self.year, s.staff, s.clock, s.settings)
            return done

        if not self.may(surveys.DRAW_ROLES):
            self.attempt(write, self.year, s.staff, s.clock, s.settings)  # says why not
            return
        self.app.push_screen(ActionDialog(title, [], submit, about=about), self.dialog_done)

    def action_close_collection(self) -> None:
        d = self._data
        self._confirm(t("ui.survey.close_title", year=self.year),
                      t("ui.survey.close_about", returned=d.returned if d else 0,
                        drawn=d.drawn if d else 0,
                        days=self.settings.clocks["survey_report_days"]),
                      surveys.close_collection, t("ui.survey.closed_done", year=self.year))

    def action_report(self) -> None:
        self._confirm(t("ui.survey.report_title", year=self.year),
                      t("ui.survey.report_about"), surveys.record_report,
                      t("ui.survey.reported_done", year=self.year))

    # ---- RULES v2: the form's approval, the feedback forwarded, the open letter ---------------

    def _when(self, v: dict, key: str):  # noqa: ANN202 - an aware datetime
        at = parse_counter_time(str(v[key]), self.now, self.zone)
        if at is None:
            raise DeskError("ui.act.bad_time", field=key, text=v[key])
        return at

    def action_approve_form(self) -> None:
        s = self.desk.session
        if not self.may(surveys.DRAW_ROLES):
            self.attempt(surveys.approve_form, self.year, "", None, s.staff, s.clock,
                         s.settings)
            return

        def submit(v: dict) -> str:
            surveys.approve_form(self.year, str(v["by"]), self._when(v, "at"), s.staff,
                                 s.clock, s.settings)
            return t("ui.survey.approved_done", year=self.year)

        self.app.push_screen(ActionDialog(t("ui.survey.approve_title", year=self.year), [
            Field("by", t("ui.survey.f.approved_by")),
            Field("at", t("ui.survey.f.approved_at"), value=self.now.strftime("%H:%M"),
                  placeholder=t("ui.form.time_placeholder")),
        ], submit, about=t("ui.survey.approve_about")), self.dialog_done)

    def action_forward(self) -> None:
        s = self.desk.session
        key = self.query_one("#survey-copies", FitTable).selected_key() or ""
        copy = next((c for c in (self._data.copies if self._data else ()) if c.unit == key),
                    None)
        if not self.may(surveys.DESK_ROLES) or copy is None:
            if copy is None and self.may(surveys.DESK_ROLES):
                self.error(t("ui.survey.pick_copy"))
                return
            self.attempt(surveys.forward_feedback, self.year, key, "", s.staff, s.clock,
                         s.settings)
            return
        departments = [(d, t(f"department.{d}")) for d in surveys.FORWARD_DEPARTMENTS]

        def submit(v: dict) -> str:
            department = str(v["department"])
            surveys.forward_feedback(self.year, copy.unit, department, s.staff, s.clock,
                                     s.settings)
            return t("ui.survey.forwarded_done", unit=copy.unit,
                     department=t(f"department.{department}"))

        self.app.push_screen(ActionDialog(t("ui.survey.forward_title", unit=copy.unit), [
            Field("department", t("ui.survey.f.department"), "choice", departments,
                  "engineering"),
        ], submit, about=t("ui.survey.forward_about", remarks=copy.remarks or "—")),
            self.dialog_done)

    def action_letter(self) -> None:
        s = self.desk.session
        if not self.may(surveys.DRAW_ROLES):
            self.attempt(surveys.approve_open_letter, self.year, "", "", None, s.staff,
                         s.clock, s.settings)
            return

        def submit(v: dict) -> str:
            surveys.approve_open_letter(self.year, str(v["by"]), str(v["subject"]),
                                        self._when(v, "at"), s.staff, s.clock, s.settings)
            return t("ui.survey.letter_done")

        self.app.push_screen(ActionDialog(t("ui.survey.letter_title", year=self.year), [
            Field("by", t("ui.survey.f.gm")),
            Field("subject", t("ui.survey.f.subject")),
            Field("at", t("ui.survey.f.approved_at"), value=self.now.strftime("%H:%M"),
                  placeholder=t("ui.form.time_placeholder")),
        ], submit, about=t("ui.survey.letter_about",
                           days=self.settings.clocks["survey_open_letter_days"])),
            self.dialog_done)

    def action_post_letter(self) -> None:
        s = self.desk.session
        if not self.may(surveys.DESK_ROLES):
            self.attempt(surveys.post_open_letter, self.year, None, s.staff, s.clock,
                         s.settings)
            return

        def submit(v: dict) -> str:
            surveys.post_open_letter(self.year, self._when(v, "at"), s.staff, s.clock,
                                     s.settings)
            return t("ui.survey.posted_done", year=self.year)

        self.app.push_screen(ActionDialog(t("ui.survey.post_title", year=self.year), [
            Field("at", t("ui.survey.f.posted_at"), value=self.now.strftime("%H:%M"),
                  placeholder=t("ui.form.time_placeholder")),
        ], submit, about=t("ui.survey.post_about")), self.dialog_done)

    def action_waive_letter(self) -> None:
        s = self.desk.session
        if not self.may(surveys.DRAW_ROLES):
            self.attempt(surveys.waive_open_letter, self.year, "", s.staff, s.clock,
                         s.settings)
            return

        def submit(v: dict) -> str:
            surveys.waive_open_letter(self.year, str(v["reason"]), s.staff, s.clock,
                                      s.settings)
            return t("ui.survey.waived_done", year=self.year)

        self.app.push_screen(ActionDialog(t("ui.survey.waive_title", year=self.year), [
            Field("reason", t("ui.survey.f.reason")),
        ], submit, about=t("ui.survey.waive_about")), self.dialog_done)
