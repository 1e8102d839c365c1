"""Tickets at the desk (kfdesk.desk.tickets) against RULES §1 and KF-008/KF-011/KF-012.

Each flow is played through the services with a clock moved forward by hand, checking which
clocks (Deadline rows) run and stop at each step, the ticket's history, and that every refusal
changes nothing.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from verdicts import callback_verdict

from kfdesk import views
from kfdesk.clock import FixedClock
from kfdesk.config import default_settings
from kfdesk.desk import tickets as tk
from kfdesk.desk.base import DeskError
from kfdesk.models import (
    AuditEvent,
    Callback,
    Charge,
    Deadline,
    Dispatch,
    Ticket,
    TicketLog,
    WorkOrder,
)

SH = ZoneInfo("Asia/Shanghai")
SETTINGS = default_settings()


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


@pytest.fixture
def w(office: dict) -> dict:
    return office


def clock_at(*args: int) -> FixedClock:
    return FixedClock(at(*args))


def form(**fields) -> tk.IntakeForm:
    base = {"channel": "phone", "kind": "complaint", "category": "noise", "text": "楼上装修噪音",
            "unit_code": "3-1-502", "validity": "valid"}
    return tk.IntakeForm(**{**base, **fields})


def clocks(number: str) -> dict[str, tuple[datetime, datetime | None]]:
    """The ticket's clocks and its callbacks' clocks: name → (due, stopped)."""
    ticket = Ticket.get(Ticket.number == number)
    cbs = [c.id for c in Callback.select().where(Callback.ticket == ticket)]
    rows = Deadline.select().where(
        ((Deadline.item_kind == "ticket") & (Deadline.item_id == ticket.id))
        | ((Deadline.item_kind == "callback") & Deadline.item_id.in_(cbs or [0])))
    return {r.clock: (r.due_at.astimezone(SH), r.stopped_at) for r in rows}


def steps(number: str) -> list[str]:
    ticket = Ticket.get(Ticket.number == number)
    return [e.step for e in TicketLog.select().where(TicketLog.ticket == ticket)
            .order_by(TicketLog.at, TicketLog.id)]


def snapshot() -> tuple:
    """Everything a refusal must leave as it was."""
    return (
        [(t.number, t.state, t.version, t.closed_at, t.escalation) for t in Ticket.select()],
        Dispatch.select().count(), WorkOrder.select().count(), Callback.select().count(),
        TicketLog.select().count(), AuditEvent.select().count(),
        [(d.clock, d.due_at, d.stopped_at) for d in Deadline.select().order_by(Deadline.id)],
    )


# --- intake --------------------------------------------------------------------------------


def test_intake_numbers_the_ticket_owns_it_and_starts_the_dispatch_clock(w) -> None:
    """KF-006 §1 first-contact owner; KF-010 §4.1.2 dispatch within 1 hour of intake."""
    c = clock_at(2026, 10, 9, 10, 0)
    promises = tk.preview(form(), c, SETTINGS)
    assert promises[0] == tk.Promise("dispatch", at(2026, 10, 9, 11, 0), False)
    assert promises[1].clock == "complaint_callback" and promises[1].due_at is None
    assert Ticket.select().count() == 0  # the preview writes nothing
    taken = tk.take_ticket(form(phone="138 1234 5678"), w["clerk"], c, SETTINGS)
    assert taken.number == "K-000001"
    ticket = Ticket.get(Ticket.number == "K-000001")
    assert ticket.owner == w["clerk"] and ticket.state == "new"
    assert ticket.phone == "13812345678" and ticket.unit == w["unit"]
    assert clocks("K-000001") == {"dispatch": (at(2026, 10, 9, 11, 0), None)}
    assert steps("K-000001") == ["received"]
    event = AuditEvent.get(AuditEvent.action == "ticket.take")
    assert event.actor == w["clerk"] and json.loads(event.detail)["number"] == "K-000001"
    assert tk.take_ticket(form(), w["clerk"], c, SETTINGS).number == "K-000002"


def test_a_forwarded_complaint_runs_the_handover_clock_from_the_other_department(w) -> None:
    """KF-010 §4.1.1: 2 hours from when security received it, counted against security."""
    c = clock_at(2026, 10, 9, 10, 0)
    taken = tk.take_ticket(form(channel="forwarded", forwarded_from="security",
                                forwarded_received_at=at(2026, 10, 9, 7, 30)),
                           w["clerk"], c, SETTINGS)
    handover = Deadline.get(Deadline.clock == "handover")
    assert handover.department == "security"
    assert handover.due_at.astimezone(SH) == at(2026, 10, 9, 9, 30)  # late by 30 minutes
    assert handover.stopped_at.astimezone(SH) == at(2026, 10, 9, 10, 0)
    assert clocks(taken.number)["dispatch"][0] == at(2026, 10, 9, 11, 0)


@pytest.mark.parametrize(("fields", "key", "field"), [
    ({"channel": "fax"}, "intake.channel", "channel"),
    ({"channel": "forwarded", "forwarded_from": "security"}, "intake.forwarded_at",
     "forwarded_at"),
    ({"channel": "forwarded", "forwarded_from": "security",
      "forwarded_received_at": at(2026, 10, 9, 11, 0)}, "intake.forwarded_future",
     "forwarded_at"),
    ({"kind": ""}, "intake.kind", "kind"),
    ({"category": "weather"}, "intake.category", "category"),
    ({"unit_code": "9-9-999"}, "intake.unknown_unit", "unit"),
    ({"phone": "12345"}, "intake.phone", "phone"),
    ({"validity": None}, "intake.validity", "validity"),
    ({"kind": "repair", "validity": None}, "intake.repair_class", "repair_class"),
    ({"kind": "repair", "repair_class": "paid"}, "intake.quoted", "price"),
    ({"kind": "repair", "repair_class": "paid", "quoted": "五十"}, "amount.not_number", "price"),
    ({"kind": "repair", "repair_class": "paid", "quoted": "1e9"}, "amount.exponent", "price"),
    ({"kind": "repair", "repair_class": "paid", "price_code": "gold"}, "intake.price_code",
     "price"),
    ({"text": "   "}, "intake.text", "text"),
    ({"defect_of": "K-000099"}, "intake.defect_of", "defect_of"),
])
def test_bad_intake_says_which_field_and_saves_nothing(w, fields, key, field) -> None:
    before = snapshot()
    with pytest.raises(DeskError) as err:
        tk.take_ticket(form(**fields), w["clerk"], clock_at(2026, 10, 9, 10, 0), SETTINGS)
    assert (err.value.key, err.value.field) == (key, field)
    assert err.value.message("zh") and err.value.message("en")
    assert snapshot() == before


def test_a_paid_repair_takes_its_price_from_the_repair_price_list(w) -> None:
    """KF-015 §6.2.1: the price is told to the resident before the work."""
    c = clock_at(2026, 10, 9, 10, 0)
    taken = tk.take_ticket(form(kind="repair", category="water", validity=None,
                                repair_class="paid", price_code="drain_clear"),
                           w["clerk"], c, SETTINGS)
    ticket = Ticket.get(Ticket.number == taken.number)
    assert (ticket.price_code, ticket.quoted_fen) == ("drain_clear", 5000)
    own = tk.take_ticket(form(kind="repair", category="water", validity=None,
                              repair_class="paid", quoted="65.50"), w["clerk"], c, SETTINGS)
    assert Ticket.get(Ticket.number == own.number).quoted_fen == 6550


def test_security_cannot_take_tickets(w) -> None:
    with pytest.raises(DeskError) as err:
        tk.take_ticket(form(), w["guard"], clock_at(2026, 10, 9, 10, 0), SETTINGS)
    assert err.value.key == "auth.not_allowed"
    assert Ticket.select().count() == 0


# --- the repair flow, with a failed inspection ---------------------------------------------


def test_a_repair_through_dispatch_work_order_fail_rework_pass_and_close_out(w) -> None:
    """KF-011: record → dispatch → work order → completion → inspection fail → rework →
    pass → close out, each rework loop kept; the clocks start and stop at each step."""
    settings = SETTINGS
    number = tk.take_ticket(form(kind="repair", category="water", validity=None,
                                 repair_class="normal", text="厨房下水道堵塞"),
                            w["clerk"], clock_at(2026, 10, 9, 10, 0), settings).number
    assert clocks(number)["dispatch"] == (at(2026, 10, 9, 11, 0), None)

    tk.dispatch_ticket(number, ["engineering"], w["clerk"], clock_at(2026, 10, 9, 10, 20),
                       settings)
    assert clocks(number)["dispatch"][1] is not None  # stopped at 10:20
    assert Ticket.get(Ticket.number == number).state == "dispatched"

    order = tk.open_work_order(number, "李师傅", w["clerk"], clock_at(2026, 10, 9, 10, 40),
                               settings)
    assert order.startswith("W-")
    assert Ticket.get(Ticket.number == number).state == "in_progress"

    tk.record_completion(number, at(2026, 10, 9, 14, 0), "已疏通", w["clerk"],
                         clock_at(2026, 10, 9, 15, 0), settings)
    ticket = Ticket.get(Ticket.number == number)
    assert ticket.state == "callback"
    # KF-009 §3.1.1: 3 working days from the work order's return (Friday 15:00; Saturday
    # 10-10 is a make-up working day): Mon 10-12, Tue 10-13 → due Tue 17:30.
    assert clocks(number)["repair_callback"] == (at(2026, 10, 13, 17, 30), None)

    rework = callback_verdict(number, False, "仍有渗水", w["clerk"],
                              clock_at(2026, 10, 10, 9, 0))
    ticket = Ticket.get(Ticket.number == number)
    assert ticket.state == "in_progress" and ticket.rework_count == 1
    assert WorkOrder.get(WorkOrder.number == rework).rework_of.number == order
    assert WorkOrder.get(WorkOrder.number == order).inspection == "fail"
    assert clocks(number)["repair_callback"][1] is not None  # the callback was made
    # RULES v2: a failed ordinary inspection's rework has no 24-hour clock (KF-009 §3.1.4's
    # 24 hours are engineering's, to arrange a defect complaint's rework).
    assert "defect_rework" not in clocks(number) and "defect_arrange" not in clocks(number)

    tk.record_completion(number, at(2026, 10, 10, 11, 0), "更换管件", w["clerk"],
                         clock_at(2026, 10, 10, 11, 30), settings)
    open_cbs = Callback.select().where((Callback.ticket == ticket) & Callback.done_at.is_null())
    assert [cb.work_order.number for cb in open_cbs] == [rework]  # a second loop, its own clock

    assert callback_verdict(number, True, "住户验收合格", w["clerk"],
                            clock_at(2026, 10, 10, 16, 0)) is None
    ticket = Ticket.get(Ticket.number == number)
    assert ticket.state == "closed" and ticket.closed_at is not None
    assert all(stopped is not None for _, stopped in clocks(number).values())
    assert steps(number) == ["received", "dispatched", "work_order", "completed",
                             "inspected_fail", "rework", "completed", "inspected_pass", "closed"]
    actors = {e.actor_id for e in AuditEvent.select().where(AuditEvent.record_type == "Ticket")}
    assert actors == {w["clerk"].id}


def test_a_paid_repair_goes_on_the_units_account_at_completion(w) -> None:
    """KF-015 §6.2.1: paid on the spot → to the cashier; not paid → with the month's bill."""
    c = clock_at(2026, 10, 9, 10, 0)
    number = tk.take_ticket(form(kind="repair", category="water", validity=None,
                                 repair_class="paid", price_code="drain_clear"),
                            w["clerk"], c, SETTINGS).number
    tk.dispatch_ticket(number, ["engineering"], w["clerk"], c, SETTINGS)
    order = tk.open_work_order(number, "李师傅", w["clerk"], c, SETTINGS)
    assert WorkOrder.get(WorkOrder.number == order).amount_fen == 5000
    before = snapshot()
    with pytest.raises(DeskError) as err:
        tk.record_completion(number, at(2026, 10, 9, 10, 0), "已疏通", w["clerk"], c, SETTINGS)
    assert err.value.key == "complete.settle" and "¥50.00" in err.value.message("zh")
    assert snapshot() == before
    tk.record_completion(number, at(2026, 10, 9, 10, 0), "已疏通", w["clerk"], c, SETTINGS,
                         settle="bill")
    charge = Charge.get()
    assert (charge.amount_fen, charge.with_bill_month, charge.work_order.number) == (
        5000, "2026-10", order)


# --- complaints ----------------------------------------------------------------------------


def test_a_complaint_to_two_departments_is_coordinated_and_unsatisfied_goes_back(w) -> None:
    """KF-010 §4.3.2 two departments → supervisor-coordinated; KF-012 not satisfied → the
    ticket stays open for further handling; satisfied → closed out."""
    c = clock_at(2026, 10, 9, 10, 0)
    number = tk.take_ticket(form(), w["clerk"], c, SETTINGS).number
    tk.dispatch_ticket(number, ["security", "cleaning"], w["clerk"], c, SETTINGS)
    ticket = Ticket.get(Ticket.number == number)
    assert ticket.coordinated and ticket.department == "security"
    assert "coordinated" in steps(number)
    # The supervisor sees it on the day summary until it is closed out.
    summary = views.day_summary(date(2026, 10, 9), c.now(), SH)
    assert summary.coordinated == (number,)
    tk.record_completion(number, at(2026, 10, 9, 12, 0), "已劝导施工方", w["clerk"],
                         clock_at(2026, 10, 9, 12, 30), SETTINGS)
    # KF-010 §4.5: 3 calendar days from the end of handling.
    assert clocks(number)["complaint_callback"] == (at(2026, 10, 12, 12, 30), None)
    callback_verdict(number, False, "仍然吵", w["clerk"], clock_at(2026, 10, 10, 9, 0))
    assert Ticket.get(Ticket.number == number).state == "dispatched"
    # KF-012: reopened for further handling. Issue 16: no callback is owed until that
    # handling ends again (KF-010 §4.5 counts from the end of handling).
    def running() -> list:
        return [d.due_at.astimezone(SH) for d in Deadline.select().where(
            Deadline.clock == "complaint_callback", Deadline.stopped_at.is_null())]

    assert running() == []
    tk.record_completion(number, at(2026, 10, 10, 11, 0), "约谈施工方", w["clerk"],
                         clock_at(2026, 10, 10, 11, 0), SETTINGS)
    assert running() == [at(2026, 10, 13, 11, 0)]
    callback_verdict(number, True, "", w["clerk"], clock_at(2026, 10, 10, 15, 0))
    assert Ticket.get(Ticket.number == number).state == "closed"
    assert steps(number)[-2:] == ["satisfied", "closed"]


def test_a_major_complaint_is_proposed_by_the_supervisor_and_approved_by_the_manager(w) -> None:
    """KF-010 §4.3.3: escalated → proposal written → approved / rejected."""
    c = clock_at(2026, 10, 9, 10, 0)
    number = tk.take_ticket(form(category="staff_attitude"), w["clerk"], c, SETTINGS).number
    tk.escalate(number, "住户要求主任出面", w["clerk"], c, SETTINGS)
    for who, key in (("clerk", "auth.not_allowed"), ("manager", "auth.not_allowed")):
        before = snapshot()
        with pytest.raises(DeskError) as err:
            tk.propose_handling(number, "主管上门致歉", w[who], c, SETTINGS)
        assert err.value.key == key
        assert snapshot() == before
    with pytest.raises(DeskError) as err:  # nothing to approve yet
        tk.decide_handling(number, True, "", w["manager"], c, SETTINGS)
    assert err.value.key == "escalate.no_proposal"
    assert views.day_summary(date(2026, 10, 9), c.now(), SH).to_propose == (number,)
    tk.propose_handling(number, "主管上门致歉", w["super"], c, SETTINGS)
    assert views.day_summary(date(2026, 10, 9), c.now(), SH).to_approve == (number,)
    with pytest.raises(DeskError) as err:  # a clerk cannot approve
        tk.decide_handling(number, True, "", w["clerk"], c, SETTINGS)
    assert err.value.key == "auth.not_allowed"
    tk.decide_handling(number, False, "需附整改计划", w["manager"], c, SETTINGS)
    assert Ticket.get(Ticket.number == number).escalation == "rejected"
    tk.propose_handling(number, "主管上门致歉并附整改计划", w["super"], c, SETTINGS)
    tk.decide_handling(number, True, "同意", w["manager"], c, SETTINGS)
    ticket = Ticket.get(Ticket.number == number)
    assert ticket.escalation == "approved"
    assert views.day_summary(date(2026, 10, 9), c.now(), SH).to_approve == ()
    assert ticket.escalation_proposal == "主管上门致歉并附整改计划"
    assert steps(number)[1:] == ["escalated", "proposed", "rejected", "proposed", "approved"]


def test_a_developer_issue_gets_a_contact_form_then_a_callback_in_working_days(w) -> None:
    """KF-010 §4.4.1: the form within 1 working day of intake (Wednesday 09-30 → Thursday 10-08
    over the National Day holiday); the callback 3 working days from intake too (RULES v2)."""
    number = tk.take_ticket(form(validity="invalid_developer", category="developer_quality"),
                            w["clerk"], clock_at(2026, 9, 30, 10, 0), SETTINGS).number
    assert clocks(number) == {"developer_form": (at(2026, 10, 8, 17, 30), None)}
    with pytest.raises(DeskError) as err:
        tk.dispatch_ticket(number, ["engineering"], w["clerk"], clock_at(2026, 9, 30, 11, 0),
                           SETTINGS)
    assert err.value.key == "dispatch.developer"
    tk.send_contact_form(number, "LX-2026-031", w["clerk"], clock_at(2026, 10, 8, 9, 0),
                         SETTINGS)
    got = clocks(number)
    assert got["developer_form"][1] is not None
    # RULES v2: from intake Wed 09-30 — Thu 10-08, Fri 10-09, Sat 10-10 (make-up day).
    assert got["developer_callback"] == (at(2026, 10, 10, 17, 30), None)
    with pytest.raises(DeskError) as err:
        tk.close_out(number, "", w["clerk"], clock_at(2026, 10, 9, 9, 0), SETTINGS)
    assert err.value.key == "close.developer"
    tk.record_completion(number, at(2026, 10, 9, 9, 0), "开发商已安排整改", w["clerk"],
                         clock_at(2026, 10, 9, 10, 0), SETTINGS)
    callback_verdict(number, True, "已告知业主", w["clerk"], clock_at(2026, 10, 9, 11, 0))
    assert Ticket.get(Ticket.number == number).state == "closed"
    assert clocks(number)["developer_callback"][1] is not None


def test_an_invalid_complaint_is_explained_within_two_hours_then_called_back(w) -> None:
    """KF-010 §4.4.2; RULES v2 (KF-010 §4.5): the explanation ends its handling and the
    complaint is called back within 3 days before it is closed out."""
    c = clock_at(2026, 10, 9, 10, 0)
    number = tk.take_ticket(form(validity="invalid_other", category="parking"), w["clerk"], c,
                            SETTINGS).number
    assert clocks(number) == {"explain_invalid": (at(2026, 10, 9, 12, 0), None)}
    with pytest.raises(DeskError) as err:
        tk.close_out(number, "", w["clerk"], c, SETTINGS)
    assert err.value.key == "close.explain_first"
    tk.explain_invalid(number, "市政道路停车不归物业管理", w["clerk"],
                       clock_at(2026, 10, 9, 11, 0), SETTINGS)
    assert clocks(number)["explain_invalid"][1] is not None
    assert clocks(number)["complaint_callback"] == (at(2026, 10, 12, 11, 0), None)
    assert Ticket.get(Ticket.number == number).state == "callback"
    with pytest.raises(DeskError) as err:
        tk.close_out(number, "", w["clerk"], clock_at(2026, 10, 9, 11, 5), SETTINGS)
    assert err.value.key == "close.invalid_callback"
    callback_verdict(number, True, "住户表示理解", w["clerk"], clock_at(2026, 10, 10, 9, 0))
    assert Ticket.get(Ticket.number == number).state == "closed"
    assert clocks(number)["complaint_callback"][1] is not None


def test_an_inquiry_is_answered_and_closed_out_at_once(w) -> None:
    c = clock_at(2026, 10, 9, 10, 0)
    number = tk.take_ticket(form(kind="inquiry", category="fees", validity=None), w["clerk"],
                            c, SETTINGS).number
    assert clocks(number) == {}
    with pytest.raises(DeskError) as err:
        tk.dispatch_ticket(number, ["office"], w["clerk"], c, SETTINGS)
    assert err.value.key == "dispatch.answered_kind"
    tk.close_out(number, "已告知缴费时间", w["clerk"], c, SETTINGS)
    assert Ticket.get(Ticket.number == number).state == "closed"


# --- refusals (KF-008: nothing closes without passing the desk) ----------------------------


def test_invalid_transitions_are_refused_with_what_is_missing_and_change_nothing(w) -> None:
    c = clock_at(2026, 10, 9, 10, 0)
    repair = tk.take_ticket(form(kind="repair", category="water", validity=None,
                                 repair_class="normal"), w["clerk"], c, SETTINGS).number
    cases = [
        (lambda: tk.close_out(repair, "", w["clerk"], c, SETTINGS), "close.needs_verdict"),
        (lambda: tk.record_completion(repair, at(2026, 10, 9, 10, 0), "", w["clerk"], c,
                                      SETTINGS), "complete.not_in_hand"),
        (lambda: tk.record_verdict(repair, True, "", w["clerk"], c, SETTINGS),
         "verdict.not_completed"),
        (lambda: tk.open_work_order(repair, "李师傅", w["clerk"], c, SETTINGS),
         "work_order.not_dispatched"),
        (lambda: tk.dispatch_ticket(repair, ["engineering", "engineering"], w["clerk"], c,
                                    SETTINGS), "dispatch.twice_in_one"),
        (lambda: tk.dispatch_ticket(repair, ["developer"], w["clerk"], c, SETTINGS),
         "dispatch.bad_department"),
        (lambda: tk.escalate(repair, "很急", w["clerk"], c, SETTINGS), "escalate.not_complaint"),
        (lambda: tk.reassign(repair, "clerk2", "休假", w["clerk"], c, SETTINGS),
         "auth.not_allowed"),
        (lambda: tk.dispatch_ticket(repair, ["engineering"], w["cashier"], c, SETTINGS),
         "auth.not_allowed"),
        (lambda: tk.dispatch_ticket("K-999999", ["engineering"], w["clerk"], c, SETTINGS),
         "ticket.unknown"),
    ]
    for call, key in cases:
        before = snapshot()
        with pytest.raises(DeskError) as err:
            call()
        assert err.value.key == key
        assert snapshot() == before, key
    tk.dispatch_ticket(repair, ["engineering"], w["clerk"], c, SETTINGS)
    later = [
        (lambda: tk.dispatch_ticket(repair, ["engineering"], w["clerk"], c, SETTINGS),
         "dispatch.twice"),
        (lambda: tk.record_completion(repair, at(2026, 10, 9, 10, 0), "", w["clerk"], c,
                                      SETTINGS), "complete.no_work_order"),
        (lambda: tk.dispatch_ticket(repair, ["security"], w["clerk"], c, SETTINGS,
                                    version=1), "conflict.ticket_changed"),
        (lambda: tk.record_completion(repair, at(2026, 10, 9, 11, 0), "", w["clerk"], c,
                                      SETTINGS), "complete.future"),
    ]
    tk.open_work_order(repair, "李师傅", w["clerk"], c, SETTINGS)
    later.append((lambda: tk.open_work_order(repair, "王师傅", w["clerk"], c, SETTINGS),
                  "work_order.open"))
    for call, key in later:
        if key == "complete.no_work_order":
            continue  # the order is open by now; checked below on a fresh repair
        before = snapshot()
        with pytest.raises(DeskError) as err:
            call()
        assert err.value.key == key
        assert snapshot() == before, key
    other = tk.take_ticket(form(kind="repair", category="water", validity=None,
                                repair_class="normal"), w["clerk"], c, SETTINGS).number
    tk.dispatch_ticket(other, ["engineering"], w["clerk"], c, SETTINGS)
    before = snapshot()
    with pytest.raises(DeskError) as err:
        tk.record_completion(other, at(2026, 10, 9, 10, 0), "", w["clerk"], c, SETTINGS)
    assert err.value.key == "complete.no_work_order"
    assert snapshot() == before


def test_only_a_supervisor_reassigns_and_the_callbacks_follow_the_owner(w) -> None:
    """KF-006 §1: ownership changes only by logged supervisor reassignment."""
    c = clock_at(2026, 10, 9, 10, 0)
    number = tk.take_ticket(form(), w["clerk"], c, SETTINGS).number
    tk.dispatch_ticket(number, ["security"], w["clerk"], c, SETTINGS)
    tk.record_completion(number, at(2026, 10, 9, 10, 0), "已处理", w["clerk"], c, SETTINGS)
    tk.reassign(number, "clerk2", "张敏休假", w["super"], c, SETTINGS)
    ticket = Ticket.get(Ticket.number == number)
    assert ticket.owner == w["clerk2"]
    assert Callback.get(Callback.ticket == ticket).owner == w["clerk2"]
    assert Deadline.get(Deadline.clock == "complaint_callback").owner_id == w["clerk2"].id
    event = AuditEvent.get(AuditEvent.action == "ticket.reassigned")
    assert event.actor == w["super"]
    assert json.loads(event.detail)["reason"] == "张敏休假"


def test_a_hold_stops_the_clock_and_is_logged(w) -> None:
    """RULES §8 pauses, through the ticket-number wrappers the screens use."""
    number = tk.take_ticket(form(), w["clerk"], clock_at(2026, 10, 9, 10, 0), SETTINGS).number
    tk.hold(number, "住户出差，周一回来", w["clerk"], clock_at(2026, 10, 9, 10, 30))
    tk.resume(number, w["clerk"], clock_at(2026, 10, 9, 11, 30))
    assert clocks(number)["dispatch"][0] == at(2026, 10, 9, 11, 0) + timedelta(hours=1)
    assert steps(number) == ["received", "hold", "resume"]
    assert Ticket.get(Ticket.number == number).version == 3


# --- KF-009 §3.1.3, §3.1.5 (RULES v2 item 7): a callback always with its answers -----------


def _returned_repair(w, *, in_home: bool = True, signed: bool | None = None) -> str:
    number = tk.take_ticket(form(kind="repair", category="water", validity=None,
                                 repair_class="normal", text="厨房下水道堵塞"),
                            w["clerk"], clock_at(2026, 10, 9, 10, 0), SETTINGS).number
    tk.dispatch_ticket(number, ["engineering"], w["clerk"], clock_at(2026, 10, 9, 10, 20),
                       SETTINGS)
    order = tk.open_work_order(number, "李师傅", w["clerk"], clock_at(2026, 10, 9, 10, 40),
                               SETTINGS)
    WorkOrder.update(in_home=in_home).where(WorkOrder.number == order).execute()
    extra = {} if signed is None else {"resident_signed": signed}
    tk.record_completion(number, at(2026, 10, 9, 14, 0), "已疏通", w["clerk"],
                         clock_at(2026, 10, 9, 15, 0), SETTINGS, **extra)
    return number


@pytest.mark.parametrize("passed", [True, False])
def test_no_verdict_completes_an_open_callback_without_its_answers(w, passed) -> None:
    """F3 ``v`` (``record_verdict``) used to mark the open callback done as "phone" with none
    of the four answers; now it is refused, changes nothing, and the callback record —
    with every answer — is the only way the verdict goes through."""
    from kfdesk.desk import callbacks as cbs

    number = _returned_repair(w)
    cb = Callback.get(Callback.ticket == Ticket.get(Ticket.number == number))
    before = snapshot()
    with pytest.raises(DeskError) as err:
        tk.record_verdict(number, passed, "住户说好了", w["clerk"],
                          clock_at(2026, 10, 10, 9, 0), SETTINGS, technician="李师傅")
    assert err.value.key == "verdict.callback_open"
    assert number in err.value.message("zh") and "KF-009" in err.value.message("en")
    assert snapshot() == before
    assert Callback.get_by_id(cb.id).done_at is None
    # The callback record without the questions answered is refused the same way.
    with pytest.raises(DeskError) as err:
        cbs.record_callback(cb.id, cbs.CallbackForm(satisfied=passed, remarks="x"),
                            w["clerk"], clock_at(2026, 10, 10, 9, 0), SETTINGS)
    assert err.value.key == "callback.answer_needed"
    assert snapshot() == before
    callback_verdict(number, passed, "住户说好了", w["clerk"], clock_at(2026, 10, 10, 9, 0))
    done = Callback.get_by_id(cb.id)
    assert done.done_at is not None
    assert (done.attitude, done.quality, done.charges, done.procedure_followed) == (
        "good", "good", "good", True)
    expected = "closed" if passed else "in_progress"
    assert Ticket.get(Ticket.number == number).state == expected


def test_a_callback_the_sample_left_out_is_not_made_up_by_the_verdict(w) -> None:
    """KF-009 §3.1.2: a callback left out of the month's sample is not owed; the verdict
    closes the ticket and the callback stays not done — no answerless "done" callback."""
    number = _returned_repair(w)
    ticket = Ticket.get(Ticket.number == number)
    Callback.update(sampled=False).where(Callback.ticket == ticket).execute()
    tk.record_verdict(number, True, "验收合格", w["clerk"], clock_at(2026, 10, 10, 9, 0),
                      SETTINGS)
    assert Ticket.get(Ticket.number == number).state == "closed"
    cb = Callback.get(Callback.ticket == ticket)
    assert (cb.done_at, cb.method, cb.satisfaction) == (None, None, None)


@pytest.mark.parametrize(("in_home", "signed", "expected"), [
    (True, None, False),  # not said: never assumed (it used to be True for every in-home order)
    (True, False, False),
    (True, True, True),  # came back signed by the resident
    (False, True, False),  # a common-area order has no resident to sign
])
def test_a_work_order_is_signed_only_when_the_signature_came_back(w, in_home, signed,
                                                                  expected) -> None:
    """KF-009 §3.1.5: the resident's signature is recorded when captured, never assumed."""
    number = _returned_repair(w, in_home=in_home, signed=signed)
    order = WorkOrder.get(WorkOrder.ticket == Ticket.get(Ticket.number == number))
    assert order.resident_signed is expected
