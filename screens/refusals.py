"""Why a ticket step's key does nothing on the highlighted ticket, in one line (issue 16).

UX.md: "A key never does nothing. Either it is not offered, or pressed it says in one line why
not (role, state). Refusals name the rule when there is one." The queue (F3) and the ticket
view hide the steps a ticket's state or the clerk's role does not allow; pressed anyway, the
key says why here. The role comes first (a cashier reads the queue), then the ticket's state,
in the desk services' own words where they have a refusal for it (``tickets.toml``), so the
line is the same one the service would give.
"""

from __future__ import annotations

from kfdesk import views
from kfdesk.desk import tickets
from kfdesk.i18n import has, t

# The step (F3's action name) → the desk service's action name (``action.ticket.*``).
_SERVICE_ACTION = {
    "dispatch": "ticket.dispatch", "work_order": "ticket.work_order",
    "complete": "ticket.complete", "verdict": "ticket.verdict", "close_out": "ticket.close",
    "explain": "ticket.explain", "contact_form": "ticket.contact_form",
    "escalate": "ticket.escalate", "hold": "hold", "reassign": "ticket.reassign",
    "arrange": "ticket.arrange",
}


def not_allowed(role: str, action: str) -> str:
    """``收费员无权执行此操作：派单。`` — the core's own words for a role refusal; ``action``
    the service's action name, else the step's key name (``ui.key.hold``)."""
    what = t(f"action.{action}") if has(f"action.{action}") else t(f"ui.key.{action}")
    return t("auth.not_allowed", role=t(f"role.{role}") if role else "—", action=what)


def ticket_refusal(action: str, row: views.TicketRow | None, role: str) -> str | None:
    """The one line saying why ``action`` may not be done on ``row`` now; None if it may."""
    service = _SERVICE_ACTION.get(action, action)
    if role not in tickets.DESK_ROLES:
        return not_allowed(role, service)  # cashier and security read the queue (KF-006)
    if action == "reassign" and role not in ("supervisor", "manager"):
        return not_allowed(role, service)  # KF-006 §1: the supervisor reassigns
    if row is None:
        return t("ui.refuse.no_ticket")
    n = row.number
    state = t(f"state.{row.state}")
    invalid_other = row.validity == "invalid_other"
    developer = row.validity == "invalid_developer"
    if row.state == "closed":
        return t("ticket.closed", number=n)
    if action == "dispatch":
        if developer:
            return t("dispatch.developer", number=n)
        if invalid_other:
            return t("dispatch.invalid", number=n)
        if row.kind in tickets.ANSWERED_KINDS:
            return t("dispatch.answered_kind", kind=t(f"kind.{row.kind}"))
        return t("dispatch.after_completion", number=n)
    if action == "work_order":
        if row.department == "developer" or developer:
            return t("ui.refuse.developer_no_order", number=n)
        if row.state == "new":
            return t("work_order.not_dispatched", number=n)
        if row.defect and not row.arranged:
            return t("arrange.first", number=n)
        if row.repair_class == "warranty":
            return t("warranty.no_work_order", number=n)
        return t("work_order.after_completion", number=n)
    if action == "complete":
        if row.state == "new":
            return t("work_order.not_dispatched", number=n)
        return t("complete.not_in_hand", number=n, state=state)
    if action == "verdict":
        return t("verdict.not_completed", number=n, state=state)
    if action == "close_out":
        if developer:
            return t("close.developer", number=n)
        if invalid_other:  # KF-010 §4.5 (RULES v2): explained, then called back
            return t("close.explain_first" if row.state == "new" else "close.invalid_callback",
                     number=n)
        return t("close.needs_verdict", number=n)
    if action == "arrange":  # KF-009 §3.1.4 (RULES v2)
        if not row.defect:
            return t("arrange.not_defect", number=n)
        if row.arranged:
            return t("arrange.already", number=n, by=t("department.engineering"))
        if row.state == "new" or row.department != "engineering":
            return t("arrange.not_reported", number=n)
        return t("work_order.after_completion", number=n)
    if action == "explain":
        if invalid_other:
            return t("explain.already", number=n)
        return t("explain.not_invalid", number=n)
    if action == "contact_form":
        if row.repair_class == "warranty":  # KF-011 (RULES v2)
            if row.state == "new" or "engineering" not in row.dispatched_to:
                return t("warranty.not_dispatched", number=n)
            return t("ui.refuse.form_sent", number=n, state=state)
        if developer:
            return t("ui.refuse.form_sent", number=n, state=state)
        return t("contact_form.not_developer", number=n)
    if action == "escalate":
        if row.kind != "complaint" or row.validity != "valid":
            return t("escalate.not_complaint")
        if role == "manager":
            return t("escalate.no_proposal", number=n)  # KF-010 §4.3.3: approves a proposal
        return t("escalate.already", number=n,
                 state=t(f"escalation.{row.escalation}") if row.escalation else state)
    return None


