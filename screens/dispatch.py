"""F3 dispatch queue: every ticket not closed out, overdue first, and the desk's steps on it.

KF-010 §4.1.2 wants a dispatch within an hour of intake and KF-008 that nothing closes without
passing the desk, so the queue is the desk's whole open workload with each ticket's
first-contact owner (KF-006 §1). The deadline engine's alerts put overdue tickets on top in
the error colour and due-soon ones next, each saying how late it is or how long is left.

The bar above the queue narrows it by department, state, kind, owner and "overdue only", and
`/` by any text. One letter per step on the highlighted ticket (the footer shows only the steps
that fit its state; the desk services refuse the rest with a reason): d dispatch, w work order,
c completion, v inspection / callback result, x close out, e explain (invalid complaint),
f work contact form (developer), m major complaint (escalate, propose, approve — by role),
h hold / resume, o reassign (supervisor). Enter opens the ticket's history.

Each step passes the ticket's version as the queue showed it: when another counter changed the
ticket meanwhile, the dialog says who did and when (``tickets.TicketChanged``) and the queue
behind it is re-read at once (issue 9, edit conflicts).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Static

from kfdesk import views
from kfdesk.clock import parse_counter_time
from kfdesk.desk import tickets
from kfdesk.desk.base import DeskError
from kfdesk.i18n import t
from kfdesk.models.tickets import KINDS, TICKET_STATES

from .alerts import due_text, marked, order_key
from .base import QueueScreen
from .refusals import ticket_refusal
from .ticket import TicketScreen
from .widgets.choice import ChoiceField
from .widgets.dialogs import ActionDialog, Field
from .widgets.inputs import DeskInput
from .widgets.table import Column, FitTable

ALL = "*"
ACTIONS = ("dispatch", "work_order", "complete", "verdict", "close_out", "explain",
           "contact_form", "escalate", "hold", "reassign")


def flags(row: views.TicketRow) -> str:
    parts = []
    if row.coordinated:
        parts.append(t("ui.dispatch.coordinated"))
    if row.escalation:
        parts.append(t(f"escalation.{row.escalation}"))
    if row.held:
        parts.append(t("ui.dispatch.held"))
    if row.rework_count:
        parts.append(t("ui.dispatch.reworks", n=row.rework_count))
    return " ".join(parts)


def _invalid(row: views.TicketRow) -> bool:
    return (row.validity or "").startswith("invalid")


class DispatchScreen(QueueScreen):
    CSS_PATH = "dispatch.tcss"
    MODE = "dispatch"
    ITEM_KIND = "ticket"
    TABLE_ID = "queue"
    COUNT_ID = "queue-count"
    COUNT_KEY = "ui.dispatch.count"
    BINDINGS: ClassVar = [
        Binding("d", "act('dispatch')", "ui.key.dispatch", id="dispatch.dispatch"),
        Binding("w", "act('work_order')", "ui.key.work_order", id="dispatch.work_order"),
        Binding("c", "act('complete')", "ui.key.complete", id="dispatch.complete"),
        Binding("v", "act('verdict')", "ui.key.verdict", id="dispatch.verdict"),
        Binding("x", "act('close_out')", "ui.key.close_out", id="dispatch.close_out"),
        Binding("e", "act('explain')", "ui.key.explain", id="dispatch.explain"),
        Binding("f", "act('contact_form')", "ui.key.contact_form", id="dispatch.contact_form"),
        Binding("m", "act('escalate')", "ui.key.escalate", id="dispatch.escalate"),
        Binding("h", "act('hold')", "ui.key.hold", id="dispatch.hold"),
        Binding("o", "act('reassign')", "ui.key.reassign", id="dispatch.reassign"),
        Binding("ctrl+f", "filters", "ui.key.filters", id="dispatch.filters", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._tickets: dict[str, views.TicketRow] = {}
        self._all: list[tuple[views.TicketRow, str, list]] = []

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="bar"):
            yield DeskInput(placeholder=t("ui.dispatch.filter"), id="filter", classes="search")
            yield Static("", id="queue-count", classes="count")
        with Horizontal(id="filters"):
            yield Static(t("ui.col.department"), classes="flt-label")
            yield ChoiceField([(ALL, t("ui.dispatch.all"))]
                              + [(d, t(f"department.{d}")) for d in (
                                  *tickets.DISPATCH_DEPARTMENTS, "developer")], ALL,
                              id="f-department")
            yield Static(t("ui.col.state"), classes="flt-label")
            yield ChoiceField([(ALL, t("ui.dispatch.all"))]
                              + [(s, t(f"state.{s}")) for s in TICKET_STATES if s != "closed"],
                              ALL, id="f-state")
            yield Static(t("ui.col.kind"), classes="flt-label")
            yield ChoiceField([(ALL, t("ui.dispatch.all"))]
                              + [(k, t(f"kind.{k}")) for k in KINDS], ALL, id="f-kind")
            yield Static(t("ui.col.owner_staff"), classes="flt-label")
            yield ChoiceField([(ALL, t("ui.dispatch.all")), ("me", t("ui.dispatch.mine"))],
                              ALL, id="f-owner")
            yield Static(t("ui.dispatch.due"), classes="flt-label")
            yield ChoiceField([(ALL, t("ui.dispatch.all")),
                               ("overdue", t("ui.dispatch.overdue_only")),
                               ("due", t("ui.dispatch.due_only"))], ALL, id="f-due")
        yield FitTable(
            [
                Column("number", t("ui.col.number"), min=8, max=8),
                Column("due", t("ui.col.due"), min=12, max=18),
                Column("received", t("ui.col.received"), min=11, max=11),
                Column("unit", t("ui.col.unit"), min=7, max=9),
                Column("caller", t("ui.col.caller"), min=6, max=10, flex=1, drop=2),
                Column("kind", t("ui.col.kind"), min=4, max=10, drop=4),
                Column("category", t("ui.col.category"), min=6, max=24, flex=1),
                Column("state", t("ui.col.state"), min=4, max=12),
                Column("department", t("ui.col.department"), min=4, max=12, drop=1),
                Column("owner", t("ui.col.owner_staff"), min=4, max=8),
                Column("flags", t("ui.col.flags"), min=2, max=22, drop=5),
            ],
            id="queue",
        )

    # ---- the queue -----------------------------------------------------------------------------

    def reload(self) -> None:
        alerts = self.desk.alerts_by_item
        rows = views.open_tickets(self.zone)
        # Stable sort: overdue first, then due soon, each in the views' oldest-first order.
        rows = sorted(rows, key=lambda r: order_key(alerts.get(("ticket", r.id))))
        self._tickets = {r.number: r for r in rows}
        self._all = []
        for r in rows:
            alert = alerts.get(("ticket", r.id))
            departments = r.dispatched_to or ((r.department,) if r.department else ())
            self._all.append((r, r.number, marked([
                r.number, due_text(alert) if alert else "",
                r.received_at.strftime("%m-%d %H:%M"), r.unit or "—",
                r.caller or t("ui.ticket.anonymous"), t(f"kind.{r.kind}"),
                t(f"category.{r.category}"), t(f"state.{r.state}"),
                "、".join(t(f"department.{d}") for d in departments),
                r.owner, flags(r),
            ], alert)))
        self._apply_filter()
        self.refresh_bindings()

    def keep(self, r: views.TicketRow, alert, choices: dict) -> bool:  # noqa: ANN001
        me = self.desk.session.staff.id if self.desk.session.staff else None
        dept, due = choices["department"], choices["due"]
        return not (
            (dept not in (None, ALL) and dept not in (r.dispatched_to or (r.department,)))
            or choices["state"] not in (None, ALL, r.state)
            or choices["kind"] not in (None, ALL, r.kind)
            or (choices["owner"] == "me" and r.owner_id != me)
            or (due == "overdue" and (alert is None or alert.state != "overdue"))
            or (due == "due" and alert is None))

    @on(ChoiceField.Changed)
    def _filter_choice(self, event: ChoiceField.Changed) -> None:
        if event.choice.id and event.choice.id.startswith("f-"):
            self._apply_filter()

    def action_filters(self) -> None:
        self.query_one("#f-department", ChoiceField).focus()

    @on(DataTable.RowSelected, "#queue")
    def _selected(self, event: DataTable.RowSelected) -> None:
        self.show_ticket(event.row_key.value)

    @on(DataTable.RowHighlighted, "#queue")
    def _highlighted(self) -> None:
        self.refresh_bindings()  # the footer shows the steps the highlighted ticket allows

    def show_ticket(self, number: str) -> None:
        """Open a ticket's history (also for a closed ticket, from the command palette)."""
        detail = views.ticket_detail(number, self.zone)
        if detail is None:
            return
        self.query_one("#queue", FitTable).select_key(number)
        self.app.push_screen(TicketScreen(detail, self.today))

    # ---- the steps -----------------------------------------------------------------------------

    def _current(self) -> views.TicketRow | None:
        key = self.query_one("#queue", FitTable).selected_key()
        return self._tickets.get(key) if key else None

    def allowed(self, action: str, row: views.TicketRow) -> bool:
        """Whether the footer offers ``action`` for this ticket (the services decide)."""
        role = self.desk.session.staff.role if self.desk.session.staff else ""
        if role not in tickets.DESK_ROLES:
            return False  # cashier and security read the queue
        open_states = ("new", "dispatched", "in_progress")
        if action == "dispatch":
            return (row.state in open_states and not _invalid(row)
                    and row.kind not in tickets.ANSWERED_KINDS)
        if action == "work_order":
            return row.state in ("dispatched", "in_progress") and row.department != "developer"
        if action == "complete":
            return row.state in ("dispatched", "in_progress")
        if action == "verdict":
            return row.state in ("callback", "completed")
        if action == "close_out":
            return (row.kind in tickets.ANSWERED_KINDS or row.validity == "invalid_other"
                    or (row.kind == "help" and row.state == "new"))
        if action == "explain":
            return row.validity == "invalid_other" and row.state == "new"
        if action == "contact_form":
            return row.validity == "invalid_developer" and row.state == "new"
        if action == "escalate":
            if row.kind != "complaint" or row.validity != "valid":
                return False
            return {"clerk": row.escalation is None,
                    "supervisor": row.escalation in (None, "escalated", "rejected"),
                    "manager": row.escalation == "proposed"}.get(role, False)
        if action == "hold":
            return True
        if action == "reassign":
            return role in ("supervisor", "manager")
        return False

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "act":
            row = self._current()
            return row is not None and self.allowed(str(parameters[0]), row)
        return super().check_action(action, parameters)

    def refusal(self, action: str, parameters: tuple[object, ...]) -> str | None:
        # A step's key pressed where the footer does not offer it says why (issue 16).
        if action == "act":
            role = self.desk.session.staff.role if self.desk.session.staff else ""
            return ticket_refusal(str(parameters[0]), self._current(), role)
        return super().refusal(action, parameters)

    def action_act(self, action: str) -> None:
        row = self._current()
        if row is None or not self.allowed(action, row):
            return
        dialog = getattr(self, f"_dialog_{action}")(row)
        self.app.push_screen(dialog, self.after_write)

    def _dialog(self, title: str, fields: list[Field], submit: Callable[[dict], str], *,
                about: str = "") -> ActionDialog:
        """The step's dialog, its confirm guarded against another counter's change."""
        return ActionDialog(title, fields, self._guard(submit), about=about)

    def _guard(self, submit: Callable[[dict], str]) -> Callable[[dict], str]:
        def guarded(values: dict) -> str:
            try:
                return submit(values)
            except tickets.TicketChanged as exc:
                # Another counter changed the ticket since the dialog opened: the refusal
                # (who, when) stays in the dialog with what was typed, and the queue behind
                # is re-read now, not at the next refresh, so Esc shows the ticket as it is.
                self.reload()
                self.desk.request_refresh()
                raise DeskError("conflict.reloaded", message=exc.message()) from None

        return guarded

    def _title(self, key: str, row: views.TicketRow) -> str:
        caller = row.caller or t("ui.ticket.anonymous")
        return t(key, number=row.number, unit=row.unit or "—", caller=caller)

    def _about(self, row: views.TicketRow) -> str:
        return f"{t(f'kind.{row.kind}')} · {t(f'category.{row.category}')} · {row.summary}"

    @property
    def _who(self) -> tuple:
        s = self.desk.session
        return s.staff, s.clock, s.settings

    def _dialog_dispatch(self, row: views.TicketRow) -> ActionDialog:
        options = [(d, t(f"department.{d}")) for d in tickets.DISPATCH_DEPARTMENTS
                   if d not in row.dispatched_to]
        # A repair goes to engineering; the clerk still confirms it.
        default = "engineering" if row.kind == "repair" and not row.dispatched_to else ""

        def submit(v: dict) -> str:
            tickets.dispatch_ticket(row.number, v["department"], *self._who,
                                    version=row.version)
            names = "、".join(t(f"department.{d}") for d in v["department"])
            if len(v["department"]) + len(row.dispatched_to) >= 2:
                return t("ui.act.dispatched_coordinated", number=row.number, to=names)
            return t("ui.act.dispatched", number=row.number, to=names)

        return self._dialog(self._title("ui.act.dispatch_title", row), [
            Field("department", t("ui.act.departments"), "multi", options, default),
        ], submit, about=t("ui.act.dispatch_about"))

    def _dialog_work_order(self, row: views.TicketRow) -> ActionDialog:
        def submit(v: dict) -> str:
            order = tickets.open_work_order(row.number, v["technician"], *self._who,
                                            version=row.version)
            return t("ui.act.work_order_opened", order=order, number=row.number)

        return self._dialog(self._title("ui.act.work_order_title", row), [
            Field("technician", t("ui.act.technician"), placeholder=t("ui.act.technician_eg")),
        ], submit, about=self._about(row))

    def _dialog_complete(self, row: views.TicketRow) -> ActionDialog:
        fields = [
            Field("completed_at", t("ui.act.completed_at"), value=self.now.strftime("%H:%M"),
                  placeholder=t("ui.form.time_placeholder")),
            Field("result", t("ui.act.result"), "area"),
        ]
        if row.repair_class == "paid":  # KF-015 §6.2.1
            fields.append(Field("settle", t("ui.act.settle"), "choice",
                                [("cashier", t("ui.act.settle_cashier")),
                                 ("bill", t("ui.act.settle_bill"))]))

        def submit(v: dict) -> str:
            when = parse_counter_time(v["completed_at"], self.now, self.zone)
            if when is None:
                raise DeskError("ui.act.bad_time", field="completed_at",
                                text=v["completed_at"])
            tickets.record_completion(row.number, when, v["result"], *self._who,
                                      version=row.version, settle=v.get("settle", ""))
            return t("ui.act.completed", number=row.number)

        return self._dialog(self._title("ui.act.complete_title", row), fields, submit,
                            about=t("ui.act.complete_about"))

    def _dialog_verdict(self, row: views.TicketRow) -> ActionDialog:
        repair = row.kind == "repair"
        good, bad = (("ui.act.pass", "ui.act.fail") if repair
                     else ("ui.act.satisfied", "ui.act.unsatisfied"))
        fields = [
            Field("verdict", t("ui.act.verdict"), "choice",
                  [("pass", t(good)), ("fail", t(bad))]),
            Field("note", t("ui.act.note"), "area"),
        ]
        if repair:
            fields.append(Field("technician", t("ui.act.rework_technician"),
                                placeholder=t("ui.act.rework_same")))

        def submit(v: dict) -> str:
            passed = v["verdict"] == "pass"
            rework = tickets.record_verdict(row.number, passed, v["note"], *self._who,
                                            version=row.version,
                                            technician=v.get("technician", ""))
            if passed:
                return t("ui.act.closed", number=row.number)
            if rework:
                return t("ui.act.rework", number=row.number, order=rework)
            return t("ui.act.reopened", number=row.number)

        return self._dialog(self._title("ui.act.verdict_title", row), fields, submit,
                            about=t("ui.act.verdict_about"))

    def _dialog_close_out(self, row: views.TicketRow) -> ActionDialog:
        def submit(v: dict) -> str:
            tickets.close_out(row.number, v["note"], *self._who, version=row.version)
            return t("ui.act.closed", number=row.number)

        return self._dialog(self._title("ui.act.close_title", row), [
            Field("note", t("ui.act.note"), "area"),
        ], submit, about=t("ui.act.close_about"))

    def _dialog_explain(self, row: views.TicketRow) -> ActionDialog:
        def submit(v: dict) -> str:
            tickets.explain_invalid(row.number, v["note"], *self._who, version=row.version)
            return t("ui.act.explained", number=row.number)

        return self._dialog(self._title("ui.act.explain_title", row), [
            Field("note", t("ui.act.explanation"), "area"),
        ], submit, about=t("ui.act.explain_about"))

    def _dialog_contact_form(self, row: views.TicketRow) -> ActionDialog:
        def submit(v: dict) -> str:
            tickets.send_contact_form(row.number, v["form_no"], *self._who,
                                      version=row.version)
            return t("ui.act.form_sent", number=row.number, form_no=v["form_no"].strip())

        return self._dialog(self._title("ui.act.form_title", row), [
            Field("form_no", t("ui.act.form_no"), placeholder="LX-2026-031"),
        ], submit, about=t("ui.act.form_about"))

    def _dialog_escalate(self, row: views.TicketRow) -> ActionDialog:
        role = self.desk.session.staff.role
        if role == "manager":
            fields = [Field("decision", t("ui.act.decision"), "choice",
                            [("approve", t("ui.act.approve")), ("reject", t("ui.act.reject"))]),
                      Field("note", t("ui.act.note"), "area")]

            def submit(v: dict) -> str:
                approve = v["decision"] == "approve"
                tickets.decide_handling(row.number, approve, v["note"], *self._who,
                                        version=row.version)
                return t("ui.act.approved" if approve else "ui.act.rejected", number=row.number)

            about = t("ui.act.proposal", text=views.ticket_detail(row.number, self.zone)
                      .proposal or "")
            return self._dialog(self._title("ui.act.decide_title", row), fields, submit,
                                about=about)
        if role == "supervisor" and row.escalation in ("escalated", "rejected", None):
            def submit(v: dict) -> str:
                if row.escalation is None:
                    tickets.escalate(row.number, v["note"], *self._who, version=row.version)
                    tickets.propose_handling(row.number, v["note"], *self._who)
                else:
                    tickets.propose_handling(row.number, v["note"], *self._who,
                                             version=row.version)
                return t("ui.act.proposed", number=row.number)

            return self._dialog(self._title("ui.act.propose_title", row), [
                Field("note", t("ui.act.proposal_text"), "area"),
            ], submit, about=self._about(row))

        def submit(v: dict) -> str:
            tickets.escalate(row.number, v["note"], *self._who, version=row.version)
            return t("ui.act.escalated", number=row.number)

        return self._dialog(self._title("ui.act.escalate_title", row), [
            Field("note", t("ui.act.reason"), "area"),
        ], submit, about=t("ui.act.escalate_about"))

    def _dialog_hold(self, row: views.TicketRow) -> ActionDialog:
        staff, clock, settings = self._who
        if row.held:
            def submit(v: dict) -> str:
                tickets.resume(row.number, staff, clock, version=row.version,
                               settings=settings)
                return t("ui.act.resumed", number=row.number)

            return self._dialog(self._title("ui.act.resume_title", row), [], submit,
                                about=t("ui.act.resume_about"))

        def submit(v: dict) -> str:
            tickets.hold(row.number, v["reason"], staff, clock, version=row.version,
                         settings=settings)
            return t("ui.act.held", number=row.number)

        return self._dialog(self._title("ui.act.hold_title", row), [
            Field("reason", t("ui.act.reason"), placeholder=t("ui.act.hold_eg")),
        ], submit, about=t("ui.act.hold_about"))

    def _dialog_reassign(self, row: views.TicketRow) -> ActionDialog:
        staff = [(login, name) for login, name in views.desk_staff() if name != row.owner]

        def submit(v: dict) -> str:
            tickets.reassign(row.number, v["owner"], v["reason"], *self._who,
                             version=row.version)
            name = dict(staff).get(v["owner"], v["owner"])
            return t("ui.act.reassigned", number=row.number, name=name)

        return self._dialog(self._title("ui.act.reassign_title", row), [
            Field("owner", t("ui.act.new_owner"), "choice", staff),
            Field("reason", t("ui.act.reason")),
        ], submit, about=t("ui.act.reassign_about", owner=row.owner))
