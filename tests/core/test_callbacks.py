"""Recording callbacks (kfdesk.desk.callbacks) against KF-009 §3.1, KF-010 §4.5, KF-012, KF-017 §3.

Tickets are brought to "handling ended, callback owed" through the ticket services, then the
callback is recorded as a clerk would: tries that do not reach anyone, the four answers, the
signature in person, satisfied or not.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from kfdesk.clock import FixedClock
from kfdesk.config import default_settings
from kfdesk.desk import callbacks as cbs
from kfdesk.desk import tickets as tk
from kfdesk.desk.base import DeskError
from kfdesk.models import (
    AuditEvent,
    Callback,
    CallbackAttempt,
    Deadline,
    Person,
    Ticket,
)

SH = ZoneInfo("Asia/Shanghai")
SETTINGS = default_settings()


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


def clock_at(*args: int) -> FixedClock:
    return FixedClock(at(*args))


@pytest.fixture
def w(office: dict) -> dict:
    return office


def handled(w, kind: str = "repair") -> tuple[str, Callback]:
    """A ticket taken, dispatched, worked and completed: its callback is owed."""
    c = clock_at(2026, 10, 9, 10, 0)
    fields = ({"kind": "repair", "category": "water", "repair_class": "normal"}
              if kind == "repair" else {"kind": "complaint", "category": "noise",
                                        "validity": "valid"})
    form = tk.IntakeForm(channel="phone", text="厨房下水道堵塞", unit_code="3-1-502",
                         person_id=w["owner"].id, **fields)
    number = tk.take_ticket(form, w["clerk"], c, SETTINGS).number
    tk.dispatch_ticket(number, ["engineering"], w["clerk"], c, SETTINGS)
    if kind == "repair":
        tk.open_work_order(number, "李师傅", w["clerk"], c, SETTINGS)
    tk.record_completion(number, at(2026, 10, 9, 10, 0), "已处理", w["clerk"],
                         clock_at(2026, 10, 9, 11, 0), SETTINGS)
    ticket = Ticket.get(Ticket.number == number)
    return number, Callback.get((Callback.ticket == ticket) & Callback.done_at.is_null())


def answers(**fields) -> cbs.CallbackForm:
    base = {"method": "phone", "reached": True, "attitude": "good", "quality": "good",
            "charges": "good", "procedure_followed": True, "satisfied": True}
    return cbs.CallbackForm(**{**base, **fields})


def running(callback: Callback) -> list[Deadline]:
    return list(Deadline.select().where((Deadline.item_kind == "callback")
                                        & (Deadline.item_id == callback.id)
                                        & Deadline.stopped_at.is_null()))


def test_a_satisfied_phone_callback_records_every_answer_and_closes_the_ticket(w) -> None:
    """KF-009 §3.1.3 each answer recorded; satisfied → closed out (KF-011)."""
    number, cb = handled(w)
    outcome = cbs.record_callback(cb.id, answers(quality="fair", remarks="水压稍小"),
                                  w["clerk"], clock_at(2026, 10, 10, 9, 0), SETTINGS)
    assert outcome == "closed"
    cb = Callback.get_by_id(cb.id)
    assert (cb.method, cb.attitude, cb.quality, cb.charges, cb.procedure_followed,
            cb.satisfaction, cb.remarks) == ("phone", "good", "fair", "good", True,
                                             "satisfied", "水压稍小")
    assert cb.done_at is not None and running(cb) == []
    assert Ticket.get(Ticket.number == number).state == "closed"
    assert CallbackAttempt.get(CallbackAttempt.callback == cb).reached
    event = AuditEvent.get(AuditEvent.action == "callback.done")
    assert event.actor == w["clerk"]


def test_not_reached_keeps_the_attempt_and_the_callback_due(w) -> None:
    _, cb = handled(w)
    due_before = [d.due_at for d in running(cb)]
    outcome = cbs.record_callback(cb.id, cbs.CallbackForm(reached=False, remarks="无人接听"),
                                  w["clerk"], clock_at(2026, 10, 9, 15, 0), SETTINGS)
    assert outcome == "retry"
    cb = Callback.get_by_id(cb.id)
    assert cb.done_at is None
    assert [d.due_at for d in running(cb)] == due_before  # still due, same deadline
    attempt = CallbackAttempt.get(CallbackAttempt.callback == cb)
    assert (attempt.reached, attempt.note, attempt.staff) == (False, "无人接听", w["clerk"])


def test_an_unsatisfied_complaint_callback_reopens_the_ticket_with_a_new_clock(w) -> None:
    """KF-012: not satisfied → further handling. Issue 16: the reopened complaint leaves the
    callback list until its handling ends again — it cannot be recorded satisfied before any
    rework — and the new callback is due 3 days after that end (KF-010 §4.5)."""
    from kfdesk import views

    number, cb = handled(w, "complaint")
    outcome = cbs.record_callback(cb.id, cbs.CallbackForm(satisfied=False, remarks="仍然很吵"),
                                  w["clerk"], clock_at(2026, 10, 10, 9, 0), SETTINGS)
    assert outcome == "reopened"
    ticket = Ticket.get(Ticket.number == number)
    assert ticket.state == "dispatched"
    assert not Callback.select().where((Callback.ticket == ticket)
                                       & Callback.done_at.is_null()).exists()
    assert number not in [r.ticket for r in views.callbacks_due(SH)]
    with pytest.raises(DeskError) as err:  # nothing to be satisfied with yet
        tk.record_verdict(number, True, "", w["clerk"], clock_at(2026, 10, 10, 9, 5), SETTINGS)
    assert err.value.key == "verdict.not_completed"
    tk.record_completion(number, at(2026, 10, 11, 10, 0), "再次约谈施工方", w["clerk"],
                         clock_at(2026, 10, 11, 10, 30), SETTINGS)
    fresh = Callback.get((Callback.ticket == ticket) & Callback.done_at.is_null())
    assert [d.due_at.astimezone(SH) for d in running(fresh)] == [at(2026, 10, 14, 10, 30)]
    assert number in [r.ticket for r in views.callbacks_due(SH)]


def test_an_unsatisfied_repair_callback_opens_a_rework_with_no_24_hour_clock(w) -> None:
    """KF-011; RULES v2: a failed ordinary inspection's rework has no 24-hour clock (KF-009
    §3.1.4's 24 hours are for arranging a defect complaint's rework)."""
    number, cb = handled(w)
    cbs.record_callback(cb.id, answers(quality="poor", satisfied=False, remarks="仍漏水"),
                        w["clerk"], clock_at(2026, 10, 10, 9, 0), SETTINGS)
    ticket = Ticket.get(Ticket.number == number)
    assert (ticket.state, ticket.rework_count) == ("in_progress", 1)
    assert not Deadline.select().where((Deadline.item_kind == "ticket")
                                       & (Deadline.item_id == ticket.id)
                                       & Deadline.stopped_at.is_null()).exists()


@pytest.mark.parametrize(("form", "key", "field"), [
    (answers(method="in_person", signed=False), "callback.unsigned", "signed"),
    (answers(quality=None), "callback.answer_needed", "quality"),
    (answers(procedure_followed=None), "callback.answer_needed", "procedure"),
    (answers(satisfied=None), "callback.answer_needed", "satisfied"),
    (answers(satisfied=False), "callback.why_unsatisfied", "remarks"),
    (answers(method="fax"), "callback.method", "method"),
])
def test_an_incomplete_record_is_refused_and_changes_nothing(w, form, key, field) -> None:
    """KF-009 §3.1.5: in person needs the signature; §3.1.3: every answer."""
    _, cb = handled(w)
    before = (CallbackAttempt.select().count(), AuditEvent.select().count(),
              [(d.clock, d.stopped_at) for d in Deadline.select()])
    with pytest.raises(DeskError) as err:
        cbs.record_callback(cb.id, form, w["clerk"], clock_at(2026, 10, 10, 9, 0), SETTINGS)
    assert (err.value.key, err.value.field) == (key, field)
    assert err.value.message("zh") and err.value.message("en")
    assert Callback.get_by_id(cb.id).done_at is None
    assert before == (CallbackAttempt.select().count(), AuditEvent.select().count(),
                      [(d.clock, d.stopped_at) for d in Deadline.select()])


def test_in_person_with_signature_is_accepted(w) -> None:
    _, cb = handled(w)
    cbs.record_callback(cb.id, answers(method="in_person", signed=True), w["clerk"],
                        clock_at(2026, 10, 10, 9, 0), SETTINGS)
    assert Callback.get_by_id(cb.id).signed


def test_a_callback_confirms_the_contact_details(w) -> None:
    """KF-017 §3: a resident living here is re-verified every half month from the check."""
    _, cb = handled(w)
    cbs.record_callback(cb.id, answers(contact_confirmed=True), w["clerk"],
                        clock_at(2026, 10, 10, 9, 0), SETTINGS)
    person = Person.get_by_id(w["owner"].id)
    assert person.contact_verified_at.astimezone(SH) == at(2026, 10, 10, 9, 0)
    check = Deadline.get((Deadline.clock == "contact_check") & (Deadline.item_id == person.id)
                         & Deadline.stopped_at.is_null())
    assert check.started_at.astimezone(SH) == at(2026, 10, 10, 9, 0)
    assert AuditEvent.get(AuditEvent.action == "person.contact_confirmed").actor == w["clerk"]


def test_security_cannot_record_and_a_done_callback_cannot_be_recorded_twice(w) -> None:
    _, cb = handled(w)
    with pytest.raises(DeskError) as err:
        cbs.record_callback(cb.id, answers(), w["guard"], clock_at(2026, 10, 10, 9, 0),
                            SETTINGS)
    assert err.value.key == "auth.not_allowed"
    cbs.record_callback(cb.id, answers(), w["clerk"], clock_at(2026, 10, 10, 9, 0), SETTINGS)
    with pytest.raises(DeskError) as err:
        cbs.record_callback(cb.id, answers(), w["clerk"], clock_at(2026, 10, 10, 9, 5),
                            SETTINGS)
    assert err.value.key == "callback.done_already"


def test_still_defective_records_a_complaint_with_engineerings_24_hours_to_arrange(w) -> None:
    """KF-009 §3.1.4 (RULES v2): a complaint against the repair; engineering's supervisor
    arranges the special callback and the rework within 24 h — no clock on finishing."""
    number, cb = handled(w)
    outcome = cbs.record_callback(cb.id, answers(quality="poor", satisfied=False, defect=True,
                                                 remarks="修过还是漏水"),
                                  w["clerk"], clock_at(2026, 10, 10, 9, 0), SETTINGS)
    assert outcome == "defect"
    complaint = Ticket.get(Ticket.defect_of == Ticket.get(Ticket.number == number))
    assert (complaint.kind, complaint.validity, complaint.text) == ("complaint", "valid",
                                                                    "修过还是漏水")
    rows = {d.clock: d for d in Deadline.select().where(
        Deadline.stopped_at.is_null()
        & (((Deadline.item_kind == "ticket") & (Deadline.item_id == complaint.id))
           | (Deadline.item_kind == "callback")))}
    assert sorted(rows) == ["defect_arrange", "dispatch"]
    arrange = rows["defect_arrange"]
    assert arrange.due_at.astimezone(SH) == at(2026, 10, 11, 9, 0)
    assert (arrange.department, arrange.owner_id) == ("engineering", None)
    with pytest.raises(DeskError) as err:  # only when not satisfied
        _, other = handled(w)
        cbs.record_callback(other.id, answers(defect=True), w["clerk"],
                            clock_at(2026, 10, 10, 9, 0), SETTINGS)
    assert err.value.key == "callback.defect_needs_unsatisfied"
