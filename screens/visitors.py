"""KF-001 §5–6: visitors today and renovation permits with their worker passes, a modal over
F6 (residents).

Top: today's visitors, those still inside first (with anyone from an earlier day who never
signed out); the ID shows only its last 4. Bottom: renovation permits — company, foreman,
permitted dates — each followed by its workers' passes; a pass expiring within
``registers.pass_expiring_days`` or expired and not handed back is in the warning colour, so
the gate can collect it. v logs a visitor, o signs the selected one out; n issues a permit,
w a worker's pass on the selected permit (refused past the permit's end), r takes a pass
back, c closes a permit. Tab moves between the two tables. Opened on a unit, it lists that
unit's visitors and permits.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from kfdesk.clock import parse_counter_time
from kfdesk.desk import visitors
from kfdesk.desk.base import DeskError
from kfdesk.i18n import t
from kfdesk.views.registers import PermitRow, VisitorRow, WorkerPassRow, permits, visitors_on

from .common import hm, ymd
from .lending import RegisterModal
from .visits import parse_day
from .widgets.dialogs import ActionDialog, Field
from .widgets.table import Column, FitTable

PASS_STYLES = {"expiring": "bold yellow", "expired": "bold red", "returned": "dim",
               "void": "dim"}


def id_tail(text: str) -> str:
    """How the log shows an ID: its last 4 only."""
    return f"…{text}" if text else ""


class VisitorsScreen(RegisterModal):
    """KF-001 §5–6: visitors today, permits and passes; v / o / n / w / r / c."""

    MODE = "visitors"
    DEFAULT_CSS = """
    VisitorsScreen #visitor-table { height: 1fr; }
    VisitorsScreen #permit-table { height: 1fr; }
    VisitorsScreen .reg-caption { height: 1; text-style: bold; }
    """
    BINDINGS: ClassVar = [
        Binding("v", "visitor", "ui.visitors.key.visitor", id="visitors.log"),
        Binding("o", "left", "ui.visitors.key.left", id="visitors.left"),
        Binding("n", "permit", "ui.visitors.key.permit", id="visitors.permit"),
        Binding("w", "worker_pass", "ui.visitors.key.pass", id="visitors.pass"),
        Binding("r", "return_pass", "ui.visitors.key.return", id="visitors.return"),
        Binding("c", "close_permit", "ui.visitors.key.close", id="visitors.close"),
    ]

    def __init__(self, unit_code: str | None = None) -> None:
        super().__init__(unit_code)
        self._visitors: dict[str, VisitorRow] = {}
        self._permits: dict[str, PermitRow] = {}
        self._passes: dict[str, WorkerPassRow] = {}

    def compose_body(self) -> ComposeResult:
        yield Static("", id="duty-status")
        yield Static(t("ui.visitors.caption_visitors"), classes="reg-caption")
        yield FitTable([
            Column("came", t("ui.visitors.col.came"), min=5, max=11),
            Column("name", t("ui.visitors.col.name"), min=4, max=10),
            Column("unit", t("ui.col.unit"), min=7, max=9),
            Column("purpose", t("ui.visitors.col.purpose"), min=4, max=20, flex=1),
            Column("id", t("ui.visitors.col.id"), min=5, max=6),
            Column("left", t("ui.visitors.col.left"), min=5, max=8),
            Column("by", t("ui.visitors.col.by"), min=4, max=10, drop=1),
        ], id="visitor-table")
        yield Static(t("ui.visitors.caption_permits"), classes="reg-caption")
        yield FitTable([
            Column("ref", t("ui.visitors.col.ref"), min=10, max=10),
            Column("unit", t("ui.col.unit"), min=7, max=9),
            Column("who", t("ui.visitors.col.who"), min=6, max=28, flex=1),
            Column("dates", t("ui.visitors.col.dates"), min=11, max=23),
            Column("state", t("ui.visitors.col.state"), min=4, max=14),
        ], id="permit-table")

    def reload(self) -> None:
        self.show_title()
        window = visitors.expiring_days(self.settings)
        today = self.today
        people = visitors_on(today, self.zone, unit_code=self.unit_filter)
        self._visitors = {str(r.id): r for r in people}
        rows = []
        for r in people:
            came = hm(r.came_at) if r.came_at.date() == today else r.came_at.strftime(
                "%m-%d %H:%M")
            left = hm(r.left_at) if r.left_at else (t("ui.visitors.inside"), "bold")
            rows.append((str(r.id), [came, r.name, r.unit or "—", r.purpose,
                                     id_tail(r.id_last4), left, r.logged_by]))
        self.query_one("#visitor-table", FitTable).load(rows)

        found = permits(today, window, unit_code=self.unit_filter)
        self._permits = {f"permit:{p.id}": p for p in found}
        self._passes = {f"pass:{w.id}": w for p in found for w in p.passes}
        rows = []
        for p in found:
            style = "dim" if p.state in ("closed", "over") else "bold"
            rows.append((f"permit:{p.id}", [
                (p.ref, style), p.unit, f"{p.company} · {p.foreman} {p.foreman_phone}".strip(),
                f"{ymd(p.starts_on)}→{p.ends_on.strftime('%m-%d')}",
                (t(f"permit_state.{p.state}"), style)]))
            for w in p.passes:
                state = t(f"pass_state.{w.state}", n=w.days_left)
                rows.append((f"pass:{w.id}", [
                    "  " + w.ref, "", f"└ {w.name} {id_tail(w.id_last4)}".rstrip(),
                    t("ui.visitors.until", day=ymd(w.expires_on)),
                    (state, PASS_STYLES[w.state]) if w.state in PASS_STYLES else state]))
        self.query_one("#permit-table", FitTable).load(rows)

        live = [w for w in self._passes.values() if w.state in ("valid", "expiring")]
        self.query_one("#duty-status", Static).update(t(
            "ui.visitors.status", today=len(people),
            inside=sum(1 for r in people if r.left_at is None),
            permits=sum(1 for p in found if p.state == "active"), passes=len(live),
            expiring=sum(1 for w in self._passes.values()
                         if w.state in ("expiring", "expired")), days=window))
        self.keys_line(t("ui.visitors.keys"))

    # ---- visitors ------------------------------------------------------------------------------

    def action_visitor(self) -> None:
        s = self.desk.session

        def submit(v: dict) -> str:
            came = None
            if str(v["came_at"]).strip():
                came = parse_counter_time(str(v["came_at"]), self.now, self.zone)
                if came is None:
                    raise DeskError("ui.act.bad_time", field="came_at", text=v["came_at"])
            visitor = visitors.log_visitor(str(v["name"]), str(v["unit"]), str(v["purpose"]),
                                           str(v["id_last4"]), s.staff, s.clock, s.settings,
                                           came_at=came)
            return t("ui.visitors.logged", name=visitor.name, unit=str(v["unit"]).strip())

        self.app.push_screen(ActionDialog(t("ui.visitors.visitor_title"), [
            Field("name", t("ui.visitors.f.name")),
            self.unit_field(),
            Field("purpose", t("ui.visitors.f.purpose"),
                  placeholder=t("ui.visitors.f.purpose_eg")),
            Field("id_last4", t("ui.visitors.f.id_last4"),
                  placeholder=t("ui.visitors.f.id_last4_eg")),
            Field("came_at", t("ui.visitors.f.came_at"), value=self.now.strftime("%H:%M"),
                  placeholder=t("ui.form.time_placeholder")),
        ], submit, about=t("ui.visitors.visitor_about")), self.dialog_done)

    def action_left(self) -> None:
        key = self.selected("visitor-table")
        row = self._visitors.get(key) if key else None
        if row is None:
            self.error(t("ui.visitors.no_visitor"))
            return
        s = self.desk.session
        if self.attempt(visitors.visitor_left, row.id, s.staff, s.clock, s.settings):
            self.notify(t("ui.visitors.left_done", name=row.name))

    # ---- permits and passes --------------------------------------------------------------------

    def _permit(self) -> PermitRow | None:
        """The selected permit, or the permit of the selected pass."""
        key = self.selected("permit-table") or ""
        if key in self._passes:
            return self._permits.get(f"permit:{self._passes[key].permit_id}")
        permit = self._permits.get(key)
        if permit is None:
            self.error(t("ui.visitors.no_permit"))
        return permit

    def action_permit(self) -> None:
        s = self.desk.session
        today = self.today

        def submit(v: dict) -> str:
            starts = parse_day(str(v["starts_on"]), today, "starts_on")
            ends = parse_day(str(v["ends_on"]), today, "ends_on")
            permit = visitors.issue_permit(str(v["unit"]), str(v["company"]),
                                           str(v["foreman"]), str(v["foreman_phone"]),
                                           starts, ends, s.staff, s.clock, s.settings)
            return t("ui.visitors.permit_done", ref=visitors.permit_ref(permit.id),
                     unit=str(v["unit"]).strip(), ends=ymd(permit.ends_on))

        self.app.push_screen(ActionDialog(t("ui.visitors.permit_title"), [
            self.unit_field(),
            Field("company", t("ui.visitors.f.company")),
            Field("foreman", t("ui.visitors.f.foreman")),
            Field("foreman_phone", t("ui.visitors.f.foreman_phone"),
                  placeholder=t("ui.form.phone_placeholder")),
            Field("starts_on", t("ui.visitors.f.starts_on"), value=today.isoformat(),
                  placeholder=t("ui.duty.day_placeholder")),
            Field("ends_on", t("ui.visitors.f.ends_on"),
                  placeholder=t("ui.duty.day_placeholder")),
        ], submit, about=t("ui.visitors.permit_about")), self.dialog_done)

    def action_worker_pass(self) -> None:
        permit = self._permit()
        if permit is None:
            return
        s = self.desk.session
        today = self.today

        def submit(v: dict) -> str:
            expires = parse_day(str(v["expires_on"]), today, "expires_on")
            worker = visitors.issue_pass(permit.id, str(v["name"]), str(v["id_last4"]),
                                         expires, s.staff, s.clock, s.settings)
            return t("ui.visitors.pass_done", ref=visitors.pass_ref(worker.id),
                     name=worker.name, day=ymd(worker.expires_on))

        self.app.push_screen(ActionDialog(
            t("ui.visitors.pass_title", ref=permit.ref, unit=permit.unit), [
                Field("name", t("ui.visitors.f.worker")),
                Field("id_last4", t("ui.visitors.f.id_last4"),
                      placeholder=t("ui.visitors.f.id_last4_eg")),
                Field("expires_on", t("ui.visitors.f.expires_on"),
                      value=permit.ends_on.isoformat(),
                      placeholder=t("ui.duty.day_placeholder")),
            ], submit, about=t("ui.visitors.pass_about", ends=ymd(permit.ends_on))),
            self.dialog_done)

    def action_return_pass(self) -> None:
        key = self.selected("permit-table") or ""
        worker = self._passes.get(key)
        if worker is None:
            self.error(t("ui.visitors.no_pass"))
            return
        s = self.desk.session
        if self.attempt(visitors.return_pass, worker.id, s.staff, s.clock, s.settings):
            self.notify(t("ui.visitors.pass_returned", ref=worker.ref, name=worker.name))

    def action_close_permit(self) -> None:
        permit = self._permit()
        if permit is None:
            return
        s = self.desk.session

        def submit(_v: dict) -> str:
            out = visitors.close_permit(permit.id, s.staff, s.clock, s.settings)
            return t("ui.visitors.closed", ref=permit.ref, out=out)

        self.app.push_screen(ActionDialog(
            t("ui.visitors.close_title", ref=permit.ref, unit=permit.unit), [], submit,
            about=t("ui.visitors.close_about", company=permit.company)), self.dialog_done)
