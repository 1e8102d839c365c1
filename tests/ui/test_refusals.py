"""Every step F3 does not offer on a ticket has a one-line reason (issue 16, UX.md): for each
role, state, kind and validity, wherever ``DispatchScreen.allowed`` says no, ``ticket_refusal``
says why — a catalogue line with its blanks filled, in zh and en."""

from __future__ import annotations

import itertools
from datetime import datetime
from types import SimpleNamespace

import pytest
from kfdesk_screens.dispatch import DispatchScreen
from kfdesk_screens.refusals import ticket_refusal
from kfdesk_screens.ticket_steps import STEPS

from kfdesk import views
from kfdesk.i18n import set_language, t
from kfdesk.models.tickets import KINDS, TICKET_STATES

ROLES = ("clerk", "supervisor", "manager", "cashier", "security")
VALIDITIES = (None, "valid", "invalid_other", "invalid_developer")
# The steps whose refusal ``ticket_refusal`` gives; correct and void (KF-012 v2) decide and
# refuse in their own module, and a voided ticket refuses every step as voided.
ACTIONS = tuple(s.action for s in STEPS if s.allowed is None)


def row(kind: str, state: str, validity: str | None, escalation: str | None) -> views.TicketRow:
    department = "developer" if validity == "invalid_developer" else "engineering"
    return views.TicketRow(1, "K-000101", datetime(2026, 10, 9, 9, 0), "phone", "3-1-502",
                           "王建国", kind, "water", state, "张敏", 1, department, False,
                           escalation, "", validity=validity)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_refused_step_says_why(lang: str) -> None:
    set_language(lang)
    try:
        checked = 0
        for role in ROLES:
            screen = SimpleNamespace(desk=SimpleNamespace(
                session=SimpleNamespace(staff=SimpleNamespace(role=role))))
            for kind, state, validity, escalation, action in itertools.product(
                    KINDS, [s for s in TICKET_STATES if s not in ("closed", "voided")], VALIDITIES,
                    (None, "escalated", "proposed", "approved"), ACTIONS):
                r = row(kind, state, validity, escalation)
                if DispatchScreen.allowed(screen, action, r):
                    continue
                reason = ticket_refusal(action, r, role)
                assert reason, (role, kind, state, validity, escalation, action)
                assert "{" not in reason and "ui." not in reason, reason
                checked += 1
        assert checked > 1000
        # The role comes first: the cashier is told it is the role, whatever the state.
        assert ticket_refusal("verdict", row("repair", "callback", None, None), "cashier") \
            == t("auth.not_allowed", role=t("role.cashier"), action=t("action.ticket.verdict"))
        assert ticket_refusal("dispatch", None, "clerk") == t("ui.refuse.no_ticket")
    finally:
        set_language("zh")
