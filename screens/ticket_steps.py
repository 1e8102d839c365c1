"""The desk's steps on one ticket, shared by the dispatch queue (F3) and the ticket view.

KF-008: nothing closes without passing the desk, so wherever a ticket is opened — F3, an alert
(F8), the command palette, a unit's page, a summary list — the same letter does the same step on
*that* ticket (issue 16). ``STEPS`` is the one list of them: a key, the action, its footer label,
and (for a step built in another module) who may take it and its dialog. A screen gets them by
mixing in ``TicketSteps``, listing ``step_bindings(prefix)`` in its BINDINGS and saying which
ticket is meant (``_current``); a step added to ``STEPS`` appears on every such screen. A step
built in another module (correcting or voiding a ticket, KF-012) is one line here, e.g.
``Step("u", "correct", "ui.key.correct", allowed=correction.may_correct,
dialog=correction.correct_dialog)``, its functions taking the host screen (``host._dialog``,
``host._who``, ``host.now``) and the ticket's row.

d dispatch, w work order, a rework arrangement (a defect complaint, KF-009 §3.1.4 v2),
c completion, v inspection / callback result, x close out, e explain
(invalid complaint), f work contact form (developer; a warranty repair: the engineering issue
contact form to the warranty contractor, KF-011 v2), m major complaint (escalate, propose,
approve — by role), h hold / resume, o reassign (supervisor). The footer shows only the steps
that fit the ticket's state and the clerk's role; the desk services refuse the rest with a
reason.

Each step passes the ticket's version as the screen showed it: when another counter changed the
ticket meanwhile, the dialog says who did and when (``tickets.TicketChanged``) and the screen
behind it is re-read at once (issue 9, edit conflicts).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING, NamedTuple

from textual.binding import Binding

from kfdesk import views
from kfdesk.clock import parse_counter_time
from kfdesk.desk import tickets
from kfdesk.desk.base import DeskError
from kfdesk.i18n import t

from . import ticket_fix
from .refusals import ticket_refusal
from .widgets.dialogs import ActionDialog, Field

if TYPE_CHECKING:
    from .app import KfDeskApp


class Step(NamedTuple):
    """One step on a ticket. ``allowed(host, row, role)`` and ``dialog(host, row)`` are given
    by a step built in another module; left None, ``TicketSteps.allowed`` and its
    ``_dialog_<action>`` method are used."""

    key: str
    action: str
    label: str  # catalogue key of the footer label
    allowed: Callable[[TicketSteps, views.TicketRow, str], bool] | None = None
    dialog: Callable[[TicketSteps, views.TicketRow], ActionDialog] | None = None


STEPS: tuple[Step, ...] = (
    Step("d", "dispatch", "ui.key.dispatch"),
    Step("w", "work_order", "ui.key.work_order"),
    # KF-009 §3.1.4 (RULES v2): engineering's 24 hours are for arranging a defect's rework.
    Step("a", "arrange", "ui.key.arrange"),
    Step("c", "complete", "ui.key.complete"),
    Step("v", "verdict", "ui.key.verdict"),
    Step("x", "close_out", "ui.key.close_out"),
    Step("e", "explain", "ui.key.explain"),
    Step("f", "contact_form", "ui.key.contact_form"),
    Step("m", "escalate", "ui.key.escalate"),
    Step("h", "hold", "ui.key.hold"),
    Step("o", "reassign", "ui.key.reassign"),
    # KF-012 v2: a ticket taken down wrongly is corrected, one taken by mistake voided.
    Step("u", "correct", "ui.key.correct",
         allowed=lambda host, row, role: ticket_fix.allowed(
             "correct", row, host.desk.session.staff, host.today),
         dialog=ticket_fix.correct_dialog),
    Step("z", "void", "ui.key.void",
         allowed=lambda host, row, role: ticket_fix.allowed(
             "void", row, host.desk.session.staff, host.today),
         dialog=ticket_fix.void_dialog),
)
STEP_BY_ACTION = {s.action: s for s in STEPS}
STEP_BY_KEY = {s.key: s for s in STEPS}
ACTIONS = tuple(STEP_BY_ACTION)


def step_bindings(prefix: str) -> list[Binding]:
    """Every step's key, as bindings with ids ``<prefix>.<action>`` (remappable by id)."""
    return [Binding(s.key, f"act('{s.action}')", s.label, id=f"{prefix}.{s.action}")
            for s in STEPS]


def _invalid(row: views.TicketRow) -> bool:
    return (row.validity or "").startswith("invalid")


class TicketSteps:
    """The steps on the screen's ticket. The host is a Textual screen with ``DeskContext``
    (desk, now, zone) and says which ticket is meant (``_current``), how it shows a step's
    result (``after_write``) and how it re-reads after another counter's change (``reload``)."""

    if TYPE_CHECKING:
        desk: KfDeskApp
        app: KfDeskApp
        now: datetime
        today: date
        zone: tzinfo

        def reload(self) -> None: ...
        def after_write(self, result: str | None) -> None: ...
        def refresh_bindings(self) -> None: ...
        def notify(self, message: str, *, severity: str = ...) -> None: ...

    def _current(self) -> views.TicketRow | None:
        raise NotImplementedError

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "act":
            row = self._current()
            return row is not None and self.allowed(str(parameters[0]), row)
        return super().check_action(action, parameters)  # type: ignore[misc]

    def refusal(self, action: str, parameters: tuple[object, ...]) -> str | None:
        """Why a step's key (off: not in the footer) does nothing on this ticket, in one line
        (issue 16; asked by ``base.refusal_for_key`` for every screen): the role first, then
        the ticket's state, in the desk services' own words (``refusals.ticket_refusal``)."""
        if action != "act":
            why = getattr(super(), "refusal", None)
            return why(action, parameters) if callable(why) else None
        step = STEP_BY_ACTION.get(str(parameters[0]))
        row = self._current()
        if step is None or row is None:
            return None
        if row.state == "voided":
            return t("ticket.voided", number=row.number)
        role = self.desk.session.staff.role if self.desk.session.staff else ""
        reason = None if step.allowed else ticket_refusal(step.action, row, role)
        return reason or t("ui.steps.not_now", step=t(step.label), number=row.number,
                           state=t(f"state.{row.state}"))

    def action_act(self, action: str) -> None:
        row = self._current()
        if row is None or not self.allowed(action, row):
            return
        step = STEP_BY_ACTION[action]
        make = step.dialog or getattr(type(self), f"_dialog_{action}")
        self.app.push_screen(make(self, row), self.after_write)

    def allowed(self, action: str, row: views.TicketRow) -> bool:
        """Whether the footer offers ``action`` for this ticket (the services decide)."""
        role = self.desk.session.staff.role if self.desk.session.staff else ""
        step = STEP_BY_ACTION.get(action)
        if step is None:
            return False
        if step.allowed is not None:  # a step from another module decides for itself
            return step.allowed(self, row, role)
        if role not in tickets.DESK_ROLES:
            return False  # cashier and security read the queue
        if row.state in ("closed", "voided"):
            return False  # a closed or voided ticket is opened to be read (ticket view, Ctrl+P)
        open_states = ("new", "dispatched", "in_progress")
        if action == "dispatch":
            return (row.state in open_states and not _invalid(row)
                    and row.kind not in tickets.ANSWERED_KINDS)
        if action == "work_order":
            return (row.state in ("dispatched", "in_progress") and row.department != "developer"
                    and not (row.defect and not row.arranged)  # a defect: arranged first
                    and row.repair_class != "warranty")  # KF-011 v2: the contractor's form
        if action == "arrange":
            return (row.defect and not row.arranged and row.department == "engineering"
                    and row.state in ("dispatched", "in_progress"))
        if action == "complete":
            return row.state in ("dispatched", "in_progress")
        if action == "verdict":
            return row.state in ("callback", "completed")
        if action == "close_out":
            # KF-010 §4.5 (RULES v2): an explained invalid complaint closes by its callback.
            return (row.kind in tickets.ANSWERED_KINDS
                    or (row.kind == "help" and row.state == "new"))
        if action == "explain":
            return row.validity == "invalid_other" and row.state == "new"
        if action == "contact_form":
            if row.repair_class == "warranty":  # KF-011 (RULES v2): to the warranty contractor
                return row.state == "dispatched" and "engineering" in row.dispatched_to
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

    def _dialog_arrange(self, row: views.TicketRow) -> ActionDialog:
        def when(v: dict, name: str) -> datetime:
            at = parse_counter_time(v[name], self.now, self.zone)
            if at is None:
                raise DeskError("ui.act.bad_time", field=name, text=v[name])
            return at

        def submit(v: dict) -> str:
            order = tickets.arrange_rework(row.number, v["arranged_by"], v["technician"],
                                           when(v, "rework_at"), when(v, "callback_at"),
                                           *self._who, version=row.version)
            return t("ui.act.arranged", number=row.number, order=order)

        return self._dialog(self._title("ui.act.arrange_title", row), [
            Field("arranged_by", t("ui.act.arranged_by")),
            Field("technician", t("ui.act.technician"), placeholder=t("ui.act.technician_eg")),
            Field("rework_at", t("ui.act.rework_at"), placeholder=t("ui.form.time_placeholder")),
            Field("callback_at", t("ui.act.callback_at"),
                  placeholder=t("ui.form.time_placeholder")),
        ], submit, about=t("ui.act.arrange_about"))

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
            fields += ticket_fix.amount_fields(row)  # a corrected amount, with its reason
        if row.kind == "repair":
            # KF-009 §3.1.5 v2: the in-home work order's signature as it came back, never
            # assumed (left at "no" unless the resident signed it).
            fields.append(Field("signed", t("ui.act.resident_signed"), "choice",
                                [("no", t("ui.callbacks.no")), ("yes", t("ui.callbacks.yes"))]))

        def submit(v: dict) -> str:
            when = parse_counter_time(v["completed_at"], self.now, self.zone)
            if when is None:
                raise DeskError("ui.act.bad_time", field="completed_at",
                                text=v["completed_at"])
            tickets.record_completion(row.number, when, v["result"], *self._who,
                                      version=row.version, settle=v.get("settle", ""),
                                      resident_signed=v.get("signed") == "yes",
                                      **ticket_fix.amount_args(v))
            return t("ui.act.completed", number=row.number)

        return self._dialog(self._title("ui.act.complete_title", row), fields, submit,
                            about=t("ui.act.complete_about"))

    def _dialog_verdict(self, row: views.TicketRow) -> ActionDialog:
        # KF-009 §3.1.3 v2: a ticket waiting for its callback takes its verdict from the
        # callback record, every question asked — the same dialog as the callback list's.
        waiting = next((cb for cb in views.callbacks_due(self.zone, unit_code=row.unit or None)
                        if cb.ticket == row.number and cb.kind != "defect"), None)
        if waiting is not None:
            from .callbacks import record_dialog  # the callback list imports the ticket view

            return record_dialog(waiting, self.desk.session,
                                 about=t("ui.act.verdict_by_callback"))
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
        if row.repair_class == "warranty":
            return self._dialog_warranty_form(row)

        def submit(v: dict) -> str:
            tickets.send_contact_form(row.number, v["form_no"], *self._who,
                                      version=row.version)
            return t("ui.act.form_sent", number=row.number, form_no=v["form_no"].strip())

        return self._dialog(self._title("ui.act.form_title", row), [
            Field("form_no", t("ui.act.form_no"), placeholder="LX-2026-031"),
        ], submit, about=t("ui.act.form_about"))

    def _dialog_warranty_form(self, row: views.TicketRow) -> ActionDialog:
        def submit(v: dict) -> str:
            tickets.send_warranty_form(row.number, v["form_no"], v["contractor"], *self._who,
                                       version=row.version)
            return t("ui.act.warranty_sent", number=row.number, form_no=v["form_no"].strip(),
                     contractor=v["contractor"].strip())

        return self._dialog(self._title("ui.act.warranty_title", row), [
            Field("form_no", t("ui.act.form_no"), placeholder="GC-2026-018"),
            Field("contractor", t("ui.act.contractor"), placeholder=t("ui.act.contractor_eg")),
        ], submit, about=t("ui.act.warranty_about"))

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
