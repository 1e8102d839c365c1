"""F4 callbacks due: the clerk's list of people to call or visit, in deadline order.

KF-009 §3.1.1: a repair is called back within 3 working days of the work order's return;
KF-010 §4.5: every complaint within 3 days of the end of handling, by the first-contact clerk;
KF-010 §4.4.1 developer issues, KF-009 §3.1.4 defect-after-repair special callbacks. Phones are
masked (KF-017 §4). The bar narrows the list by owner, kind, phone / in person and overdue.

Keys on the highlighted callback: r records it (method, reached or not, the four KF-009 §3.1.3
answers, overall satisfaction, signature in person, remarks — satisfied closes the ticket, not
satisfied reopens it), k confirms the resident's contact details (KF-017 §3), c lists everyone
whose details are due for re-verification. Enter opens the ticket behind the callback.
"""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Static

from kfdesk import views
from kfdesk.desk import callbacks as cbs
from kfdesk.desk.base import DeskError
from kfdesk.desk.tickets import DESK_ROLES
from kfdesk.i18n import t
from kfdesk.models.tickets import CALLBACK_KINDS
from kfdesk.views.urgency import NextDue, by_urgency, next_due

from .alerts import STYLE, deadline_cell, marked_state
from .base import DeskContext, QueueScreen
from .common import translate_bindings, when
from .ticket import TicketScreen
from .widgets.choice import ChoiceField
from .widgets.dialogs import ActionDialog, Field
from .widgets.inputs import DeskInput
from .widgets.table import Column, FitTable

ALL = "*"
DONE_DAYS = 7  # how far back "done" looks


# Each answer starts unanswered: the clerk asks every question (KF-009 §3.1.3), and Ctrl+S on
# an untouched form is refused naming the first question not asked.
UNANSWERED = ("", "—")


def _yes_no() -> list[tuple[str, str]]:
    return [UNANSWERED, ("yes", t("ui.callbacks.yes")), ("no", t("ui.callbacks.no"))]


def _grades() -> list[tuple[str, str]]:
    return [UNANSWERED] + [(g, t(f"ui.callbacks.{g}")) for g in cbs.GRADES]


def record_dialog(row: views.CallbackRow, s, *, about: str = "") -> ActionDialog:  # noqa: ANN001
    """The callback record (KF-009 §3.1.3): each question, the way, the signature. The one
    dialog every path that completes a callback opens — the callback list's ``r`` and the
    ticket's verdict step (F3 ``v``) alike (RULES v2 item 7); ``about`` says why it opened."""
    fields = [
        Field("method", t("ui.callbacks.method"), "choice",
              [(m, t(f"method.{m}")) for m in cbs.METHODS], row.planned_method),
        Field("reached", t("ui.callbacks.reached"), "choice",
              [("yes", t("ui.callbacks.reached_yes")),
               ("no", t("ui.callbacks.reached_no"))]),
    ]
    if row.repair:  # KF-009 §3.1.3: the four questions
        fields += [
            Field("attitude", t("ui.callbacks.attitude"), "choice", _grades()),
            Field("quality", t("ui.callbacks.quality"), "choice", _grades()),
            Field("charges", t("ui.callbacks.charges"), "choice", _grades()),
            Field("procedure", t("ui.callbacks.procedure"), "choice", _yes_no()),
        ]
    fields += [
        Field("satisfied", t("ui.callbacks.satisfied"), "choice",
              [UNANSWERED, ("yes", t("ui.callbacks.is_satisfied")),
               ("no", t("ui.callbacks.not_satisfied"))]),
        Field("signed", t("ui.callbacks.signed"), "choice",
              [("no", t("ui.callbacks.no")), ("yes", t("ui.callbacks.yes"))]),
        Field("contact", t("ui.callbacks.contact_ok"), "choice",
              [("no", t("ui.callbacks.contact_ok_no")),
               ("yes", t("ui.callbacks.contact_ok_yes"))]),
        Field("remarks", t("ui.callbacks.remarks"), "area"),
    ]
    if row.repair:
        fields += [
            # KF-009 §3.1.4: still defective → a complaint with 24-hour clocks.
            Field("defect", t("ui.callbacks.defect"), "choice",
                  [("no", t("ui.callbacks.no")), ("yes", t("ui.callbacks.defect_yes"))]),
            Field("technician", t("ui.callbacks.technician"),
                  placeholder=t("ui.callbacks.technician_same")),
        ]

    def submit(v: dict) -> str:
        reached = v["reached"] == "yes"
        form = cbs.CallbackForm(
            method=v["method"], reached=reached,
            attitude=v.get("attitude") or None, quality=v.get("quality") or None,
            charges=v.get("charges") or None,
            procedure_followed={"yes": True, "no": False}.get(v.get("procedure", "")),
            satisfied={"yes": True, "no": False}.get(v["satisfied"]), remarks=v["remarks"],
            signed=v["signed"] == "yes", contact_confirmed=v["contact"] == "yes",
            technician=v.get("technician", ""), defect=v.get("defect") == "yes")
        outcome = cbs.record_callback(row.id, form, s.staff, s.clock, s.settings)
        if outcome == "retry":
            return t("ui.callbacks.outcome_retry", n=row.attempts + 1)
        return t(f"ui.callbacks.outcome_{outcome}", number=row.ticket)

    title = t("ui.callbacks.record_title", kind=t(f"callback_kind.{row.kind}"),
              unit=row.unit or "—", resident=row.resident, phone=row.phone)
    what = t("ui.callbacks.record_about", what=row.what)
    return ActionDialog(title, fields, submit, about=f"{about}\n{what}" if about else what)


class CallbacksScreen(QueueScreen):
    CSS_PATH = "callbacks.tcss"
    MODE = "callbacks"
    ITEM_KIND = "callback"
    TABLE_ID = "callbacks"
    COUNT_ID = "callbacks-count"
    COUNT_KEY = "ui.callbacks.count"
    BINDINGS: ClassVar = [
        Binding("r", "record", "ui.callbacks.record", id="callbacks.record"),
        Binding("k", "confirm", "ui.callbacks.confirm", id="callbacks.confirm"),
        Binding("c", "contacts", "ui.key.contacts", id="callbacks.contacts"),
        Binding("s", "sampling", "ui.sampling.open", id="callbacks.sampling"),
        Binding("ctrl+f", "filters", "ui.key.filters", id="callbacks.filters", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._ticket_of: dict[str, str] = {}
        self._by_id: dict[str, views.CallbackRow] = {}
        self._all: list[tuple[views.CallbackRow, str, list]] = []
        self._due: dict[int, NextDue] = {}  # each callback's running clock

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="bar"):
            yield DeskInput(placeholder=t("ui.callbacks.filter"), id="filter", classes="search")
            yield Static("", id="callbacks-count", classes="count")
        with Horizontal(id="filters"):
            yield Static(t("ui.callbacks.owner"), classes="flt-label")
            yield ChoiceField([(ALL, t("ui.callbacks.all")), ("me", t("ui.callbacks.mine"))],
                              ALL, id="f-owner")
            yield Static(t("ui.callbacks.kind"), classes="flt-label")
            yield ChoiceField([(ALL, t("ui.callbacks.all"))]
                              + [(k, t(f"callback_kind.{k}")) for k in CALLBACK_KINDS
                                 if k != "visit"], ALL, id="f-kind")
            yield Static(t("ui.callbacks.way"), classes="flt-label")
            yield ChoiceField([(ALL, t("ui.callbacks.all"))]
                              + [(m, t(f"method.{m}")) for m in cbs.METHODS], ALL, id="f-way")
            yield Static(t("ui.callbacks.due"), classes="flt-label")
            yield ChoiceField([(ALL, t("ui.callbacks.all")),
                               ("overdue", t("ui.callbacks.overdue_only")),
                               ("done", t("ui.callbacks.done_recent"))], ALL, id="f-due")
        yield FitTable(
            [
                Column("due", t("ui.col.due"), min=11, max=24),
                Column("started", t("ui.col.clock_started"), min=11, max=11, drop=4),
                Column("kind", t("ui.col.callback_kind"), min=4, max=18),
                Column("unit", t("ui.col.unit"), min=7, max=9),
                Column("ticket", t("ui.col.number"), min=8, max=8),
                Column("work_order", t("ui.col.work_order"), min=8, max=8, drop=2),
                # A name before codes (issue 16): three characters at least, at 80 columns too.
                Column("resident", t("ui.col.resident"), min=6, max=10, flex=1),
                Column("phone", t("ui.col.phone"), min=11, max=11),
                Column("method", t("ui.col.method"), min=4, max=9, drop=1),
                Column("owner", t("ui.col.owner_staff"), min=4, max=8),
                Column("tries", t("ui.col.tries"), min=5, max=5, drop=3),
            ],
            id="callbacks",
        )
        yield Static("", id="callback-what", classes="hint")

    def _showing_done(self) -> bool:
        return self.query_one("#f-due", ChoiceField).value == "done"

    def reload(self) -> None:
        if self._showing_done():  # the last week's record, newest first
            rows = views.callbacks_done(self.now - timedelta(days=DONE_DAYS), self.zone)
        else:
            rows = views.callbacks_due(self.zone)
        # Urgency order (issue 16): overdue, most late first; then the soonest due; the rest.
        now = self.desk.session.clock.now()
        due = {} if self._showing_done() else next_due("callback", (r.id for r in rows))
        if due:
            rows = by_urgency(rows, lambda r: d.due_at if (d := due.get(r.id)) else None, now)
        self._ticket_of = {str(r.id): r.ticket for r in rows if r.ticket}
        self._by_id = {str(r.id): r for r in rows}
        self._all = []
        for r in rows:
            done = t("ui.callbacks.done_at", at=when(r.done_at, self.today)) if r.done_at else ""
            clock = due.get(r.id)
            self._all.append((r, str(r.id), marked_state([
                done or deadline_cell(clock, now, self.zone),
                r.clock_started_at.strftime("%m-%d %H:%M"), t(f"callback_kind.{r.kind}"),
                r.unit or "—",
                r.ticket, r.work_order, r.resident, r.phone,
                t(f"method.{r.planned_method}"), r.owner,
                str(r.attempts) if r.attempts else "",
            ], clock.state(now) if clock else "")))
        self._due = due
        self._apply_filter()
        self._show_what()

    def keep(self, r: views.CallbackRow, alert, choices: dict) -> bool:  # noqa: ANN001
        me = self.desk.session.staff.id if self.desk.session.staff else None
        return not ((choices["owner"] == "me" and r.owner_id != me)
                    or choices["kind"] not in (None, ALL, r.kind)
                    or choices["way"] not in (None, ALL, r.planned_method)
                    or (choices["due"] == "overdue"
                        and ((d := self._due.get(r.id)) is None
                             or d.state(self.desk.session.clock.now()) != "overdue")))

    @on(ChoiceField.Changed)
    def _filter_choice(self, event: ChoiceField.Changed) -> None:
        if event.choice.id == "f-due":
            self.reload()  # due and done are different lists
        elif event.choice.id and event.choice.id.startswith("f-"):
            self._apply_filter()

    def action_filters(self) -> None:
        self.query_one("#f-owner", ChoiceField).focus()

    def show_callback(self, callback_id: int) -> None:
        """Put the cursor on one callback (a jump from the alert list)."""
        self.query_one("#filter", Input).value = ""
        for wid in ("#f-owner", "#f-kind", "#f-way", "#f-due"):
            self.query_one(wid, ChoiceField).value = ALL
        self._apply_filter()
        self.query_one("#callbacks", FitTable).select_key(str(callback_id))
        self.query_one("#callbacks", FitTable).focus()

    def _current(self) -> views.CallbackRow | None:
        key = self.query_one("#callbacks", FitTable).selected_key()
        return self._by_id.get(key) if key else None

    @on(DataTable.RowHighlighted, "#callbacks")
    def _show_what(self) -> None:
        row = self._current()
        self.query_one("#callback-what", Static).update(row.what if row else "")
        self.refresh_bindings()

    @on(DataTable.RowSelected, "#callbacks")
    def _selected(self, event: DataTable.RowSelected) -> None:
        number = self._ticket_of.get(event.row_key.value)
        detail = views.ticket_detail(number, self.zone) if number else None
        if detail is not None:
            self.app.push_screen(TicketScreen(detail, self.today))

    # ---- the steps -----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        role = self.desk.session.staff.role if self.desk.session.staff else ""
        if action in ("record", "confirm"):
            row = self._current()
            if row is None or role not in DESK_ROLES:
                return False
            if action == "record" and row.done_at is not None:
                return False
            return action == "record" or bool(row.person_id)
        if action == "contacts":
            return role in DESK_ROLES
        if action == "sampling":
            return True  # everyone may read the month's progress; proposing is checked there
        return super().check_action(action, parameters)

    def action_record(self) -> None:
        row = self._current()
        if row is None:
            return
        self.app.push_screen(record_dialog(row, self.desk.session), self.after_write)

    def action_confirm(self) -> None:
        row = self._current()
        if row is None:
            return
        if not row.person_id:
            self.notify(t("ui.callbacks.no_person"), severity="warning")
            return
        s = self.desk.session
        try:
            cbs.confirm_contact(row.person_id, s.staff, s.clock, s.settings,
                                via=f"callback #{row.id}")
        except DeskError as exc:
            self.notify(exc.message(), severity="error")
            return
        self.after_write(t("ui.callbacks.confirmed", name=row.resident))

    def action_sampling(self) -> None:
        """KF-009 §3.1.2: the month's sample of in-home repairs and its two quotas."""
        from .sampling import SamplingScreen

        self.app.push_screen(SamplingScreen(), lambda _: self.after_write(""))

    def action_contacts(self) -> None:
        self.app.push_screen(ContactsScreen(), lambda _: self.after_write(""))


class ContactsScreen(DeskContext, ModalScreen[None]):
    """KF-017 §3: everyone whose contact details are due for re-verification; k confirms."""

    BINDINGS = [
        Binding("k", "confirm", "ui.callbacks.confirm", id="contacts.confirm"),
        Binding("escape", "dismiss", "ui.key.close", id="contacts.close"),
    ]

    def __init__(self) -> None:
        super().__init__()
        translate_bindings(self)
        self._rows: dict[str, views.ContactDue] = {}

    def compose(self) -> ComposeResult:
        with Vertical(id="contacts-box"):
            yield Static("", id="contacts-title")
            yield Static(t("ui.callbacks.contacts_about"), classes="hint")
            yield FitTable([
                Column("due", t("ui.col.due"), min=11, max=11),
                Column("name", t("ui.col.resident"), min=6, max=10, flex=1),
                Column("units", t("ui.col.unit"), min=7, max=18, flex=1),
                Column("phone", t("ui.col.phone"), min=11, max=11),
                Column("where", t("ui.col.lives"), min=4, max=10, drop=1),
                Column("verified", t("ui.col.verified"), min=11, max=11, drop=2),
            ], id="contacts")
            yield Static(t("ui.callbacks.contacts_key"), classes="hint")

    def on_mount(self) -> None:
        self.reload()
        self.query_one("#contacts", FitTable).focus()

    def reload(self) -> None:
        rows = views.contacts_due(self.now, self.zone)
        today = self.today
        self._rows = {str(r.person_id): r for r in rows}
        self.query_one("#contacts-title", Static).update(
            Text(t("ui.callbacks.contacts_title", n=len(rows)), style="bold"))
        style = {True: STYLE["overdue"], False: STYLE["due_soon"]}
        self.query_one("#contacts", FitTable).load([
            (str(r.person_id), [(c, style[r.overdue]) for c in (
                when(r.due_at, today), r.name, r.units, r.phone,
                t("ui.col.lives_here") if r.lives_here else t("ui.col.lives_away"),
                when(r.verified_at, today) if r.verified_at else "—")])
            for r in rows
        ])

    def action_confirm(self) -> None:
        key = self.query_one("#contacts", FitTable).selected_key()
        row = self._rows.get(key) if key else None
        if row is None:
            return
        s = self.desk.session
        try:
            cbs.confirm_contact(row.person_id, s.staff, s.clock, s.settings, via="counter")
        except DeskError as exc:
            self.notify(exc.message(), severity="error")
            return
        self.notify(t("ui.callbacks.confirmed", name=row.name))
        self.desk.request_refresh()
        self.reload()
