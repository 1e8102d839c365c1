"""KF-014 move-out release passes (搬出物品放行条), a modal opened from F6 (residents).

On a unit: its passes, newest first, and the owner's authorisation letters still open. Without
one: today's passes and this month's not yet checked out (what the gate may still be shown),
and every open letter. The clerk issues a pass (n): bearer, ID, items, signatures and the
letter, with the KF-014 verdict and the pre-flight (arrears, tenants' lease ends, items on
loan) worked out live under the fields; when the pre-flight shows anything, the first Ctrl+S
shows it as a refusal and a second Ctrl+S confirms it. a records an owner's written
authorisation (KF-014 §4.2.3), g the gate's check-out, p prints the pass with its stub, m the
month's summary for security (KF-014 §4.3.2). Refusals are shown in place; nothing is saved.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Input, Static

from kfdesk import views
from kfdesk.clock import parse_counter_time
from kfdesk.desk import release_passes as rp
from kfdesk.desk.base import DeskError
from kfdesk.i18n import t
from kfdesk.ids import is_valid_id_number, normalize_id_number
from kfdesk.models.registers import BEARER_KINDS
from kfdesk.printing import print_folder
from kfdesk.views import passes as pviews
from kfdesk.views.passes import AuthorisationRow, PassListRow

from .common import break_offsets, when
from .sampling import DutyModal
from .widgets.choice import ChoiceField
from .widgets.dialogs import ActionDialog, Field
from .widgets.table import Column, FitTable

Values = dict[str, str | list[str]]


def cjk_wrap(text: Text, width: int) -> Text:
    """``text`` with its lines broken by ``break_offsets``, styles kept."""
    if width <= 4:
        return text
    out = Text()
    for i, line in enumerate(text.split("\n", allow_blank=True)):
        if i:
            out.append("\n")
        for j, part in enumerate(line.divide(break_offsets(line.plain, width))):
            if j:
                out.append("\n")
                part = part[len(part.plain) - len(part.plain.lstrip(" ")):]
            part.rstrip()
            out.append_text(part)
    return out


class WrappedStatic(Static):
    """A Static whose text is broken where Chinese allows, at its own width."""

    def __init__(self, text: Text | str = "", **kwargs) -> None:  # noqa: ANN003
        super().__init__("", **kwargs)
        self._text = Text(text) if isinstance(text, str) else text

    def show(self, text: Text | str) -> None:
        self._text = Text(text) if isinstance(text, str) else text
        self._rewrap()

    def _rewrap(self) -> None:
        self.update(cjk_wrap(self._text, self.size.width or 70))

    def on_resize(self) -> None:
        self._rewrap()


class CounterDialog(ActionDialog):
    """An ActionDialog whose explanation and refusals break where Chinese allows."""

    def __init__(self, title: str, fields: Sequence[Field],
                 submit: Callable[[Values], str | None], *, about: str = "") -> None:
        super().__init__(title, fields, submit)
        self._about_text = about

    def on_mount(self) -> None:
        # ActionDialog.on_mount (the values it opened with) runs too: Textual calls the
        # handler of every class in the chain.
        box = self.query_one("#dlg-box")
        if self._about_text:
            box.mount(WrappedStatic(self._about_text, classes="dlg-about"),
                      after=box.query_one(".dlg-title"))

    def action_confirm(self) -> None:
        # ActionDialog's confirm, with the refusal wrapped in cells (a long Chinese refusal
        # would otherwise jump whole to the next line after the first space).
        error = self.query_one("#dlg-error", Static)
        try:
            done = self._submit(self.values())
        except DeskError as exc:
            error.update(cjk_wrap(Text(exc.message()), error.size.width or 70))
            if exc.field and self.query(f"#f-{exc.field}"):
                self.query_one(f"#f-{exc.field}").focus()
            return
        self.dismiss(done or "")


class PreviewDialog(CounterDialog):
    """A CounterDialog with lines worked out live under the fields (a verdict, a count)."""

    DEFAULT_CSS = """
    PreviewDialog #dlg-preview { height: auto; margin-top: 1; }
    """

    def __init__(self, title: str, fields: Sequence[Field],
                 submit: Callable[[Values], str | None], *, about: str = "",
                 preview: Callable[[Values], Text]) -> None:
        super().__init__(title, fields, submit, about=about)
        self._preview = preview

    def on_mount(self) -> None:
        self.query_one("#dlg-box").mount(WrappedStatic("", id="dlg-preview"),
                                         before="#dlg-keys")
        self.call_after_refresh(self.show_preview)

    @on(Input.Changed)
    @on(ChoiceField.Changed)
    def show_preview(self) -> None:
        found = self.query("#dlg-preview")
        if found:
            found.first(WrappedStatic).show(self._preview(self.values()))


def yes_no(name: str, label: str, value: str = "no") -> Field:
    return Field(name, label, "choice", [("no", t("ui.duty.no")), ("yes", t("ui.duty.yes"))],
                 value)


def resolve_unit(text: str) -> str:
    """A unit as the clerk types it (``3-1-502``, ``31502``, a name) when it names exactly one
    unit; else a refusal in place."""
    typed = (text or "").strip()
    if not typed:
        raise DeskError("pass.unit_needed", field="unit")
    if pviews.unit_exists(typed):
        return typed
    hits = views.search_units(typed, limit=2)
    if len(hits) == 1:
        return hits[0].code
    raise DeskError("ui.passes.unit_unclear", field="unit", text=typed, n=len(hits))


class ReleasePassScreen(DutyModal):
    """KF-014: passes and authorisation letters; n / a / g / p / m to act."""

    MODE = "release_passes"
    BINDINGS: ClassVar = [
        Binding("n", "new_pass", "ui.passes.key.new", id="passes.new"),
        Binding("a", "authorisation", "ui.passes.key.authorisation", id="passes.authorisation"),
        Binding("g", "checkout", "ui.passes.key.checkout", id="passes.checkout"),
        Binding("p", "print_pass", "ui.passes.key.print", id="passes.print"),
        Binding("m", "summary", "ui.passes.key.summary", id="passes.summary"),
    ]
    DEFAULT_CSS = """
    ReleasePassScreen .passes-heading { text-style: bold; height: 1; margin-top: 1; }
    ReleasePassScreen #pass-table { height: 1fr; min-height: 4; }
    ReleasePassScreen #auth-table { height: auto; max-height: 7; }
    ReleasePassScreen #duty-detail { max-height: 4; }
    """

    def __init__(self, unit_code: str | None = None) -> None:
        super().__init__()
        self.unit = (unit_code or "").strip() or None
        self._passes: dict[str, PassListRow] = {}
        self._auths: list[AuthorisationRow] = []
        self._select: str | None = None  # the pass just issued: p prints it

    def compose_body(self) -> ComposeResult:
        yield Static("", id="duty-status")
        yield Static(t("ui.passes.list_unit" if self.unit else "ui.passes.list_today"),
                     classes="passes-heading")
        yield FitTable([
            Column("number", t("ui.passes.col.number"), min=8, max=8),
            Column("issued", t("ui.passes.col.issued"), min=5, max=11),
            Column("unit", t("ui.col.unit"), min=7, max=9),
            Column("bearer", t("ui.passes.col.bearer"), min=6, max=14, flex=1),
            Column("kind", t("ui.passes.col.kind"), min=4, max=10),
            Column("items", t("ui.passes.col.items"), min=6, max=40, flex=2, drop=2),
            Column("state", t("ui.passes.col.state"), min=6, max=16),
            Column("by", t("ui.passes.col.by"), min=4, max=8, drop=1),
        ], id="pass-table")
        yield Static("", id="duty-detail")
        yield Static(t("ui.passes.letters"), classes="passes-heading")
        yield FitTable([
            Column("ref", t("ui.passes.col.ref"), min=8, max=8),
            Column("unit", t("ui.col.unit"), min=7, max=9),
            Column("owner", t("ui.col.owner"), min=4, max=8),
            Column("delegate", t("ui.passes.col.delegate"), min=4, max=10),
            Column("window", t("ui.passes.col.window"), min=11, max=23),
            Column("items", t("ui.passes.col.items"), min=6, max=40, flex=1, drop=1),
        ], id="auth-table")

    def error(self, text: str = "") -> None:
        found = self.query_one("#duty-error", Static)
        found.update(cjk_wrap(Text(text), found.size.width or 70))

    # ---- reading -------------------------------------------------------------------------------

    def reload(self) -> None:
        zone, now, today = self.zone, self.now, self.today
        if self.unit:
            rows = pviews.pass_rows(zone, unit_code=self.unit)
            self._auths = pviews.authorisation_rows(zone, unit_code=self.unit, open_at=now)
        else:
            rows = pviews.pass_rows(zone, day=today, waiting_since=today.replace(day=1))
            self._auths = pviews.authorisation_rows(zone, open_at=now)
        self._passes = {r.number: r for r in rows}
        self.query_one("#duty-status", Static).update(self._status(rows))
        table = self.query_one("#pass-table", FitTable)
        table.load([(r.number, self._pass_cells(r)) for r in rows])
        self.query_one("#auth-table", FitTable).load([
            (str(a.id), [a.ref, a.unit, a.owner, a.delegate, self._window(a.starts, a.ends),
                         a.items]) for a in self._auths])
        if self._select and table.select_key(self._select):
            self._select = None
        self._show_detail()
        self.keys(t("ui.passes.keys"))

    def _status(self, rows: list[PassListRow]) -> Text:
        now = self.now
        waiting = sum(1 for r in rows if r.state(now) == "waiting")
        if self.unit:
            detail = views.unit_detail(self.unit, now, self.zone)
            owners = "、".join(p.name for p in detail.owners) if detail else ""
            return Text(t("ui.passes.status_unit", unit=self.unit, owners=owners or "—",
                          n=len(rows), waiting=waiting, letters=len(self._auths)))
        issued = sum(1 for r in rows if r.issued_at.date() == self.today)
        return Text(t("ui.passes.status_today", issued=issued, waiting=waiting,
                      letters=len(self._auths)))

    def _window(self, starts: datetime, ends: datetime) -> str:
        end = ends.strftime("%H:%M") if ends.date() == starts.date() else when(ends, self.today)
        if ends.time() == datetime.min.time() and (ends - starts).days < 1:
            end = "24:00"  # a letter good for the rest of its day
        return f"{when(starts, self.today)}–{end}"

    def _pass_cells(self, r: PassListRow) -> list:
        state = r.state(self.now)
        if state == "out":
            shown: str | tuple[str, str] = t("ui.passes.out", at=when(r.used_at, self.today))
        elif state == "expired":
            shown = (t("ui.passes.expired"), "bold red")
        else:
            shown = (t("ui.passes.waiting"), "bold yellow")
        return [r.number, when(r.issued_at, self.today), r.unit, r.bearer,
                t(f"ui.bearer.{r.bearer_kind}"), r.items, shown, r.issued_by]

    def _current(self) -> PassListRow | None:
        key = self.query_one("#pass-table", FitTable).selected_key()
        return self._passes.get(key) if key else None

    @on(DataTable.RowHighlighted, "#pass-table")
    def _show_detail(self) -> None:
        row = self._current()
        text = Text()
        if row is not None:
            text.append(f"{row.number} ", style="bold")
            text.append(t("ui.passes.detail", bearer=row.bearer,
                          kind=t(f"ui.bearer.{row.bearer_kind}"), id=row.id_number or "—",
                          items=row.items))
            if row.authorisation and row.window_from and row.window_until:
                text.append("\n" + t("ui.passes.detail_letter", ref=row.authorisation,
                                     window=self._window(row.window_from, row.window_until)))
            elif row.owner_signed or row.crew_signed:
                text.append("\n" + t("ui.passes.detail_signed_crew" if row.crew_signed
                                     else "ui.passes.detail_signed"))
        self.query_one("#duty-detail", Static).update(text)

    # ---- which unit ----------------------------------------------------------------------------

    def _with_unit(self, then: Callable[[str], None]) -> None:
        """Run ``then`` on the modal's unit, or ask for one first (a pass is always for one)."""
        if self.unit:
            then(self.unit)
            return
        row = self._current()

        def picked(code: str | None) -> None:
            if code:
                then(code)

        self.app.push_screen(CounterDialog(t("ui.passes.unit_title"), [
            Field("unit", t("ui.col.unit"), value=row.unit if row else "",
                  placeholder=t("ui.passes.unit_eg")),
        ], resolve_unit), picked)

    # ---- a new pass ----------------------------------------------------------------------------

    def action_new_pass(self) -> None:
        if not self.may(rp.ISSUE_ROLES):
            s = self.desk.session
            self.attempt(rp.issue_release_pass, self.unit or "", "owner", "", "", "", False,
                         None, False, s.staff, s.clock, s.settings)  # says who may
            return
        self._with_unit(self._new_pass)

    def _new_pass(self, unit: str) -> None:
        s = self.desk.session
        owners = [p for p in views.household(unit) if p.role == "owner"]
        letters = pviews.authorisation_rows(self.zone, unit_code=unit, open_at=self.now)
        kinds = [(k, t(f"ui.bearer.{k}")) for k in BEARER_KINDS]
        choices = [("", t("ui.passes.no_letter"))] + [
            (str(a.id), f"{a.ref} {a.delegate} {self._window(a.starts, a.ends)}")
            for a in letters]
        fields = [
            Field("bearer_kind", t("ui.passes.f.kind"), "choice", kinds, "owner"),
            Field("bearer_name", t("ui.passes.f.name"),
                  value=owners[0].name if owners else ""),
            Field("bearer_id_number", t("ui.passes.f.id"),
                  placeholder=t("ui.passes.f.id_eg")),
            Field("items", t("ui.passes.f.items"), placeholder=t("ui.passes.f.items_eg")),
            yes_no("owner_signed", t("ui.passes.f.owner_signed")),
            yes_no("crew_signed", t("ui.passes.f.crew_signed")),
            Field("authorisation", t("ui.passes.f.letter"), "choice", choices, ""),
        ]
        armed: dict[str, Values | None] = {"values": None}

        def call(v: Values, confirmed: bool):  # noqa: ANN202 - a ReleasePass
            return rp.issue_release_pass(
                unit, str(v["bearer_kind"]), str(v["bearer_name"]), str(v["bearer_id_number"]),
                str(v["items"]), v["owner_signed"] == "yes", str(v["authorisation"]) or None,
                confirmed, s.staff, s.clock, s.settings, crew_signed=v["crew_signed"] == "yes")

        def submit(v: Values) -> str:
            # KF-014 pre-flight: the first Ctrl+S shows what the clerk must see; the same
            # form confirmed again issues.
            try:
                issued = call(v, armed["values"] == v)
            except DeskError as exc:
                armed["values"] = v if exc.key == "pass.preflight_unconfirmed" else None
                raise
            self._select = issued.number
            return t("ui.passes.issued", number=issued.number)

        def preview(v: Values) -> Text:
            return self._verdict_preview(unit, v)

        self.app.push_screen(PreviewDialog(
            t("ui.passes.new_title", unit=unit,
              owners="、".join(p.name for p in owners) or "—"),
            fields, submit, about=t("ui.passes.new_about"), preview=preview), self.dialog_done)

    def _verdict_preview(self, unit: str, v: Values) -> Text:
        """The verdict for what is typed so far, then the pre-flight (KF-014)."""
        s = self.desk.session
        text = Text()
        id_typed = normalize_id_number(str(v.get("bearer_id_number", "")))
        # A number that is not one cannot match the records either: say only the first.
        id_valid = is_valid_id_number(
            id_typed, today=s.clock.now().astimezone(s.settings.zone).date())
        try:
            verdict = rp.check_applicant(
                unit, str(v["bearer_kind"]), str(v["bearer_name"]), id_typed if id_valid else "",
                owner_signed=v["owner_signed"] == "yes", crew_signed=v["crew_signed"] == "yes",
                authorisation_id=str(v["authorisation"]) or None, at=s.clock.now(),
                settings=s.settings)
        except DeskError as exc:
            text.append("✗ " + exc.message(), style="bold red")
        else:
            mark, style = ("✓ ", "bold green") if verdict.ok else ("✗ ", "bold yellow")
            text.append(mark + verdict.text(), style=style)
            if verdict.treated_as != verdict.kind and verdict.kind != "delegate":
                text.append("\n" + t("ui.passes.treated_as",
                                     who=t(f"ui.bearer.{verdict.treated_as}")))
        if len(id_typed) >= 18 and not id_valid:
            text.append("\n" + t("ui.passes.id_invalid"), style="bold red")
        seen = rp.preflight(unit, s.clock.now(), s.settings)
        text.append("\n" + t("ui.passes.preflight"), style="bold")
        for line in seen.lines():
            text.append("\n· " + line, style="yellow" if seen.findings else "")
        return text

    # ---- the owner's letter --------------------------------------------------------------------

    def action_authorisation(self) -> None:
        if not self.may(rp.ISSUE_ROLES):
            s = self.desk.session
            self.attempt(rp.record_authorisation, self.unit or "", "", "", "", None, None, "",
                         False, s.staff, s.clock, s.settings)
            return
        self._with_unit(self._authorisation)

    def _time(self, text: str, field: str, *, required: bool) -> datetime | None:
        if not text.strip() and not required:
            return None
        at = parse_counter_time(text, self.now, self.zone)
        if at is None:
            raise DeskError("ui.act.bad_time", field=field, text=text.strip())
        return at

    def _authorisation(self, unit: str) -> None:
        s = self.desk.session
        owners = [p.name for p in views.household(unit) if p.role == "owner"]
        owner_field = (Field("owner", t("ui.passes.f.owner"), "choice",
                             [(n, n) for n in owners], owners[0]) if owners
                       else Field("owner", t("ui.passes.f.owner")))
        fields = [
            owner_field,
            Field("delegate_name", t("ui.passes.f.delegate")),
            Field("delegate_id_number", t("ui.passes.f.delegate_id"),
                  placeholder=t("ui.passes.f.optional")),
            Field("moving_from", t("ui.passes.f.from"),
                  placeholder=t("ui.form.time_placeholder")),
            Field("moving_until", t("ui.passes.f.until"),
                  placeholder=t("ui.passes.f.until_eg")),
            Field("items", t("ui.passes.f.items"), placeholder=t("ui.passes.f.items_eg")),
            yes_no("signed", t("ui.passes.f.letter_signed")),
        ]

        def submit(v: Values) -> str:
            start = self._time(str(v["moving_from"]), "moving_from", required=True)
            end = self._time(str(v["moving_until"]), "moving_until", required=False)
            auth = rp.record_authorisation(
                unit, str(v["owner"]), str(v["delegate_name"]), str(v["delegate_id_number"]),
                start, end, str(v["items"]), v["signed"] == "yes", s.staff, s.clock,
                s.settings)
            return t("ui.passes.letter_recorded", ref=pviews.authorisation_ref(auth.id),
                     delegate=auth.delegate_name)

        self.app.push_screen(CounterDialog(t("ui.passes.letter_title", unit=unit), fields,
                                          submit, about=t("ui.passes.letter_about")),
                             self.dialog_done)

    # ---- the gate ------------------------------------------------------------------------------

    def action_checkout(self) -> None:
        s = self.desk.session
        if not self.may(rp.CHECKOUT_ROLES):
            self.attempt(rp.record_checkout, "", s.staff, s.clock, s.settings)
            return
        row = self._current()
        fields = [
            Field("number", t("ui.passes.f.number"), value=row.number if row else "",
                  placeholder=t("ui.passes.f.number_eg")),
            Field("at", t("ui.passes.f.out_at"), value=self.now.strftime("%H:%M"),
                  placeholder=t("ui.form.time_placeholder")),
            yes_no("leader_signed", t("ui.passes.f.leader_signed")),
        ]

        def submit(v: Values) -> str:
            at = self._time(str(v["at"]), "at", required=True)
            out = rp.record_checkout(str(v["number"]), s.staff, s.clock, s.settings, at=at,
                                     leader_signed=v["leader_signed"] == "yes")
            return t("ui.passes.checked_out", number=out.number)

        self.app.push_screen(CounterDialog(t("ui.passes.checkout_title"), fields, submit,
                                          about=t("ui.passes.checkout_about")),
                             self.dialog_done)

    # ---- paper ---------------------------------------------------------------------------------

    def action_print_pass(self) -> None:
        row = self._current()
        if row is None:
            self.error(t("ui.passes.pick_pass"))
            return
        s = self.desk.session
        where = self.attempt(rp.print_pass, row.number, print_folder(s.db_target), s.staff,
                             s.clock, s.settings)
        if where:
            self.notify(t("ui.passes.printed", number=row.number, where=where))

    def action_summary(self) -> None:
        s = self.desk.session
        if not self.may(rp.SUMMARY_ROLES):
            self.attempt(rp.print_pass_summary, self.today, print_folder(s.db_target), s.staff,
                         s.clock, s.settings)
            return

        def month_of(v: Values) -> date:
            text = str(v["month"]).strip()
            try:
                year, month = (int(x) for x in text.replace("/", "-").split("-")[:2])
                return date(year, month, 1)
            except ValueError:
                raise DeskError("ui.passes.bad_month", field="month", text=text) from None

        def preview(v: Values) -> Text:
            try:
                month = month_of(v)
            except DeskError as exc:
                return Text(exc.message(), style="bold red")
            summary = pviews.pass_summary(month, self.zone)
            text = Text(t("pass.s.counts", issued=summary.issued, out=summary.checked_out,
                          unused=summary.not_used), style="bold")
            for k in summary.by_kind:
                text.append("\n" + t("pass.s.kind", kind=t(f"ui.bearer.{k.kind}"),
                                     issued=k.issued, out=k.checked_out))
            return text

        def submit(v: Values) -> str:
            month = month_of(v)
            where = rp.print_pass_summary(month, print_folder(s.db_target), s.staff, s.clock,
                                          s.settings)
            return t("ui.passes.summary_printed", month=f"{month:%Y-%m}", where=where)

        self.app.push_screen(PreviewDialog(
            t("ui.passes.summary_title"),
            [Field("month", t("ui.passes.f.month"), value=f"{self.today:%Y-%m}",
                   placeholder="2026-10")],
            submit, about=t("ui.passes.summary_about"), preview=preview), self.dialog_done)
