"""RULES version 2 on tickets (issue 18, items 1, 2 and 6), on the real calendar.

- KF-010 §4.4.1: the developer callback is due 3 working days from **intake**.
- KF-010 §4.5: every complaint the desk accepted is called back, an invalid one too — from its
  explanation; the callback, not a close-out, ends it.
- KF-009 §3.1.4: a defect after repair — engineering's supervisor *arranges* the rework and the
  special callback within 24 h (the clock is engineering's); finishing has no limit, and a failed
  ordinary inspection's rework has no clock.

Each changed clock is played through the desk services and asked of the engine just inside its
warning share (due soon) and 90 minutes past its limit (overdue). Then the store migration: a
store with the old clocks opens with these.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from verdicts import callback_verdict

from kfdesk.clock import FixedClock
from kfdesk.config import default_settings
from kfdesk.db import SCHEMA_VERSION, close_store, open_store
from kfdesk.desk import tickets as tk
from kfdesk.desk.base import DeskError
from kfdesk.models import (
    AuditEvent,
    Building,
    Callback,
    Deadline,
    Group,
    Ticket,
    TicketLog,
    Unit,
    WorkOrder,
)
from kfdesk.rules import CLOCKS, RuleContext, evaluate

SH = ZoneInfo("Asia/Shanghai")
SETTINGS = default_settings()


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


def clock_at(*args: int) -> FixedClock:
    return FixedClock(at(*args))


@pytest.fixture
def w(office: dict) -> dict:
    return office


def form(**fields) -> tk.IntakeForm:
    base = {"channel": "phone", "kind": "complaint", "category": "noise", "text": "楼上装修噪音",
            "unit_code": "3-1-502", "validity": "valid"}
    return tk.IntakeForm(**{**base, **fields})


def take(w: dict, when: datetime, **fields) -> str:
    return tk.take_ticket(form(**fields), w["clerk"], FixedClock(when), SETTINGS).number


def repaired(w: dict) -> str:
    """A repair done and passed on 10-08: the one the defect complaint points at."""
    number = take(w, at(2026, 10, 8, 9, 0), kind="repair", category="water",
                  repair_class="normal", validity=None, text="厨房水管漏水")
    c = clock_at(2026, 10, 8, 9, 10)
    tk.dispatch_ticket(number, ["engineering"], w["clerk"], c, SETTINGS)
    tk.open_work_order(number, "李师傅", w["clerk"], c, SETTINGS)
    tk.record_completion(number, at(2026, 10, 8, 11, 0), "更换管件", w["clerk"],
                         clock_at(2026, 10, 8, 11, 30), SETTINGS)
    callback_verdict(number, True, "验收合格", w["clerk"], clock_at(2026, 10, 8, 15, 0),
                      SETTINGS)
    return number


def row_of(clock: str, number: str) -> Deadline:
    """The clock's row for the ticket ``number`` (or its callback)."""
    ticket = Ticket.get(Ticket.number == number)
    cbs = [c.id for c in Callback.select().where(Callback.ticket == ticket)]
    return Deadline.get((Deadline.clock == clock) & (
        ((Deadline.item_kind == "ticket") & (Deadline.item_id == ticket.id))
        | ((Deadline.item_kind == "callback") & Deadline.item_id.in_(cbs or [0]))))


# --- the changed clocks, table-driven: start it through the services, give its due ------------


def developer_callback(w: dict) -> tuple[str, datetime]:
    # The example: taken Wed 09-30 10:00, form sent late on 10-09 — the callback still
    # counts from intake: 10-08, 10-09 and the make-up Saturday 10-10.
    number = take(w, at(2026, 9, 30, 10, 0), validity="invalid_developer",
                  category="developer_quality", text="外墙渗水")
    tk.send_contact_form(number, "LX-2026-031", w["clerk"], clock_at(2026, 10, 9, 9, 0),
                         SETTINGS)
    return number, at(2026, 10, 10, 17, 30)


def complaint_callback_invalid(w: dict) -> tuple[str, datetime]:
    # KF-010 §4.5 (v2): explained 10-09 10:00 → called back within 3 calendar days.
    number = take(w, at(2026, 10, 9, 9, 0), validity="invalid_other", category="parking",
                  text="市政道路乱停车")
    tk.explain_invalid(number, "市政道路不归物业管理", w["clerk"], clock_at(2026, 10, 9, 10, 0),
                       SETTINGS)
    return number, at(2026, 10, 12, 10, 0)


def defect_arrange(w: dict) -> tuple[str, datetime]:
    # The example: a defect complaint 10-09 08:50 → arranging due 10-10 08:50.
    original = repaired(w)
    number = take(w, at(2026, 10, 9, 8, 50), category="water", text="修过还是漏水",
                  defect_of=original)
    tk.dispatch_ticket(number, ["engineering"], w["clerk"], clock_at(2026, 10, 9, 9, 0),
                       SETTINGS)
    return number, at(2026, 10, 10, 8, 50)


CASES: dict[str, tuple[str, Callable[[dict], tuple[str, datetime]]]] = {
    "developer_callback": ("KF-010 §4.4.1", developer_callback),
    "complaint_callback": ("KF-010 §4.5", complaint_callback_invalid),
    "defect_arrange": ("KF-009 §3.1.4", defect_arrange),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_changed_clock_is_due_soon_then_overdue(w, name: str) -> None:
    clock = name
    rule, start = CASES[clock]
    number, due = start(w)
    row = row_of(clock, number)
    assert row.due_at == due and row.stopped_at is None
    assert CLOCKS[clock].rule == rule
    soon = row.warn_at + (row.due_at - row.warn_at) / 2
    early = [a for a in evaluate(soon) if a.clock == clock and a.item_ref == number]
    assert [(a.state, a.rule) for a in early] == [("due_soon", rule)]
    assert [a for a in evaluate(row.warn_at - timedelta(minutes=1))
            if a.clock == clock and a.item_ref == number] == []
    late = [a for a in evaluate(due + timedelta(minutes=90))
            if a.clock == clock and a.item_ref == number]
    assert [(a.state, a.late_minutes) for a in late] == [("overdue", 90)]


def test_the_developer_callback_is_promised_from_intake(w) -> None:
    """The intake form's promise gives the date, not "3 working days after the form"."""
    taken = tk.take_ticket(form(validity="invalid_developer", category="developer_quality"),
                           w["clerk"], clock_at(2026, 9, 30, 10, 0), SETTINGS)
    promised = {p.clock: p.due_at for p in taken.promises}
    assert promised["developer_callback"] == at(2026, 10, 10, 17, 30)
    assert promised["developer_form"] == at(2026, 10, 8, 17, 30)


# --- KF-010 §4.5: an invalid complaint is called back ------------------------------------------


def test_an_explained_invalid_complaint_waits_for_its_callback_not_a_close_out(w) -> None:
    number, _ = complaint_callback_invalid(w)
    ticket = Ticket.get(Ticket.number == number)
    assert (ticket.state, ticket.handling_ended_at) == ("callback", at(2026, 10, 9, 10, 0))
    cb = Callback.get(Callback.ticket == ticket)
    assert (cb.kind, cb.owner_id, cb.done_at) == ("complaint", w["clerk"].id, None)
    with pytest.raises(DeskError) as err:
        tk.close_out(number, "", w["clerk"], clock_at(2026, 10, 9, 10, 5), SETTINGS)
    assert err.value.key == "close.invalid_callback"
    assert err.value.message("zh") and err.value.message("en")
    with pytest.raises(DeskError) as err:  # explained once: the callback comes next
        tk.explain_invalid(number, "再解释", w["clerk"], clock_at(2026, 10, 9, 10, 5), SETTINGS)
    assert err.value.key == "explain.already"


def test_a_complainant_still_unhappy_gets_a_further_explanation_and_a_new_callback(w) -> None:
    """KF-012: not satisfied — further explanation; KF-010 §4.5 then a new callback, while the
    2-hour clock keeps the first explanation."""
    number, _ = complaint_callback_invalid(w)
    callback_verdict(number, False, "住户不接受", w["clerk"], clock_at(2026, 10, 10, 9, 0),
                      SETTINGS)
    assert Ticket.get(Ticket.number == number).state == "new"
    tk.explain_invalid(number, "再次说明并提供交警电话", w["clerk"],
                       clock_at(2026, 10, 10, 15, 0), SETTINGS)
    ticket = Ticket.get(Ticket.number == number)
    assert ticket.state == "callback" and ticket.explained_at == at(2026, 10, 9, 10, 0)
    open_cbs = list(Callback.select().where((Callback.ticket == ticket)
                                            & Callback.done_at.is_null()))
    assert [c.clock_started_at for c in open_cbs] == [at(2026, 10, 10, 15, 0)]
    assert row_of("explain_invalid", number).stopped_at == at(2026, 10, 9, 10, 0)
    callback_verdict(number, True, "住户理解", w["clerk"], clock_at(2026, 10, 11, 9, 0),
                      SETTINGS)
    assert Ticket.get(Ticket.number == number).state == "closed"


# --- KF-009 §3.1.4: arranging a defect's rework -------------------------------------------------


def test_arranging_stops_the_clock_and_finishing_the_rework_has_none(w) -> None:
    number, due = defect_arrange(w)
    row = row_of("defect_arrange", number)
    assert (row.department, row.owner_id) == ("engineering", None)
    assert not Callback.select().where(Callback.ticket == Ticket.get(
        Ticket.number == number)).exists()  # the special callback is scheduled by engineering
    order = tk.arrange_rework(number, "工程部 陈主管", "王师傅", at(2026, 10, 9, 14, 0),
                              at(2026, 10, 10, 10, 0), w["clerk"],
                              clock_at(2026, 10, 9, 11, 0), SETTINGS)
    ticket = Ticket.get(Ticket.number == number)
    assert ticket.state == "in_progress" and ticket.arranged_by == "工程部 陈主管"
    assert (ticket.rework_at, ticket.special_callback_at) == (at(2026, 10, 9, 14, 0),
                                                              at(2026, 10, 10, 10, 0))
    rework = WorkOrder.get(WorkOrder.number == order)
    assert rework.technician == "王师傅" and rework.rework_of is not None
    assert rework.rework_of.ticket.number == ticket.defect_of.number
    assert Ticket.get(Ticket.id == ticket.defect_of_id).rework_count == 1
    assert row_of("defect_arrange", number).stopped_at == at(2026, 10, 9, 11, 0)
    assert TicketLog.get((TicketLog.ticket == ticket) & (TicketLog.step == "arranged"))
    assert AuditEvent.get(AuditEvent.action == "ticket.arranged").actor == w["clerk"]
    # Days later the rework is still not done: nothing on the ticket is running or late.
    week = due + timedelta(days=7)
    assert [a for a in evaluate(week) if a.item_ref == number] == []
    tk.record_completion(number, at(2026, 10, 16, 10, 0), "已返修", w["clerk"],
                         clock_at(2026, 10, 16, 11, 0), SETTINGS)
    # The callback after it is the complaint's own (KF-010 §4.5: 3 days).
    assert row_of("complaint_callback", number).due_at == at(2026, 10, 19, 11, 0)


def test_a_failed_ordinary_inspection_opens_a_rework_with_no_clock(w) -> None:
    number = take(w, at(2026, 10, 9, 9, 0), kind="repair", category="water",
                  repair_class="normal", validity=None)
    c = clock_at(2026, 10, 9, 9, 10)
    tk.dispatch_ticket(number, ["engineering"], w["clerk"], c, SETTINGS)
    tk.open_work_order(number, "李师傅", w["clerk"], c, SETTINGS)
    tk.record_completion(number, at(2026, 10, 9, 11, 0), "疏通", w["clerk"],
                         clock_at(2026, 10, 9, 11, 30), SETTINGS)
    assert callback_verdict(number, False, "仍堵", w["clerk"], clock_at(2026, 10, 9, 15, 0),
                             SETTINGS)
    ticket = Ticket.get(Ticket.number == number)
    assert not Deadline.select().where((Deadline.item_kind == "ticket")
                                       & (Deadline.item_id == ticket.id)
                                       & Deadline.stopped_at.is_null()).exists()
    assert [a for a in evaluate(at(2026, 10, 12, 9, 0)) if a.item_ref == number] == []


@pytest.mark.parametrize(("case", "key", "field"), [
    ("not_defect", "arrange.not_defect", None),
    ("not_reported", "arrange.not_reported", None),
    ("no_supervisor", "arrange.by_needed", "arranged_by"),
    ("no_technician", "work_order.technician_needed", "technician"),
    ("before_intake", "arrange.before_intake", "rework_at"),
    ("callback_first", "arrange.callback_before_rework", "callback_at"),
    ("twice", "arrange.already", None),
])
def test_an_arrangement_that_does_not_fit_is_refused_and_changes_nothing(
        w, case: str, key: str, field: str | None) -> None:
    original = repaired(w)
    number = take(w, at(2026, 10, 9, 8, 50), category="water", text="修过还是漏水",
                  defect_of=original)
    c = clock_at(2026, 10, 9, 9, 0)
    args = {"arranged_by": "工程部 陈主管", "technician": "王师傅",
            "rework_at": at(2026, 10, 9, 14, 0), "callback_at": at(2026, 10, 10, 10, 0)}
    if case != "not_reported":
        tk.dispatch_ticket(number, ["engineering"], w["clerk"], c, SETTINGS)
    if case == "not_defect":
        number = take(w, at(2026, 10, 9, 8, 55), category="water")
        tk.dispatch_ticket(number, ["engineering"], w["clerk"], c, SETTINGS)
    args.update({"no_supervisor": {"arranged_by": "  "}, "no_technician": {"technician": ""},
                 "before_intake": {"rework_at": at(2026, 10, 9, 8, 0)},
                 "callback_first": {"callback_at": at(2026, 10, 9, 13, 0)}}.get(case, {}))
    if case == "twice":
        tk.arrange_rework(number, **args, actor=w["clerk"], clock=c, settings=SETTINGS)
    before = (Ticket.get(Ticket.number == number).version, WorkOrder.select().count(),
              AuditEvent.select().count(), [(d.clock, d.stopped_at) for d in Deadline.select()])
    with pytest.raises(DeskError) as err:
        tk.arrange_rework(number, **args, actor=w["clerk"], clock=c, settings=SETTINGS)
    assert (err.value.key, err.value.field) == (key, field)
    assert err.value.message("zh") and err.value.message("en")
    assert before == (Ticket.get(Ticket.number == number).version, WorkOrder.select().count(),
                      AuditEvent.select().count(),
                      [(d.clock, d.stopped_at) for d in Deadline.select()])


def test_a_defects_rework_order_is_opened_by_the_arrangement(w) -> None:
    number, _ = defect_arrange(w)
    with pytest.raises(DeskError) as err:
        tk.open_work_order(number, "王师傅", w["clerk"], clock_at(2026, 10, 9, 10, 0), SETTINGS)
    assert err.value.key == "arrange.first"


# --- the store migration: a store with the old clocks opens with the v2 ones -------------------


@pytest.mark.sqlite_only("rewinds a SQLite file to schema v12")
def test_a_store_with_the_old_ticket_clocks_opens_with_the_v2_ones(tmp_path: Path) -> None:
    path = tmp_path / "v12.db"
    clock = FixedClock(at(2026, 10, 9, 10, 0))
    open_store(str(path), clock)
    from kfdesk.desk.staff import create_staff
    from kfdesk.rules import sync as rsync

    clerk = create_staff("clerk", "张敏", "clerk", "1234", clock, salt=bytes(16))
    group = Group.create(code="E", name="东区")
    building = Building.create(group=group, number="3", name="3栋", floors=18)
    unit = Unit.create(building=building, entrance=1, floor=5, room="502", code="3-1-502",
                       area_centi_m2=8912)

    def ticket(number: str, received: datetime, **fields) -> Ticket:
        return Ticket.create(number=number, received_at=received, channel="phone", unit=unit,
                             kind=fields.pop("kind", "complaint"),
                             category=fields.pop("category", "water"), text="测试",
                             owner=clerk, updated_at=received, **fields)

    # v1's records: the developer callback started at the form (10-08 15:00 → due 10-12).
    dev = ticket("K-000001", at(2026, 9, 30, 10, 0), validity="invalid_developer",
                 category="developer_quality", contact_form_no="LX-1", state="dispatched",
                 contact_form_sent_at=at(2026, 10, 8, 15, 0), department="developer",
                 dispatched_at=at(2026, 10, 8, 15, 0))
    dev_cb = Callback.create(kind="developer", ticket=dev, unit=unit, owner=clerk,
                             clock_started_at=at(2026, 10, 8, 15, 0))
    # An invalid complaint explained and left open with no callback (v1 closed it so).
    explained = ticket("K-000002", at(2026, 10, 9, 8, 0), validity="invalid_other",
                       explained_at=at(2026, 10, 9, 9, 0), handling_ended_at=None)
    # A defect complaint: v1's 24-hour rework and special callback clocks.
    original = ticket("K-000003", at(2026, 10, 1, 9, 0), kind="repair",
                      repair_class="normal", state="closed", closed_at=at(2026, 10, 2, 9, 0))
    defect = ticket("K-000004", at(2026, 10, 9, 8, 50), validity="valid", defect_of=original,
                    state="dispatched", department="engineering",
                    dispatched_at=at(2026, 10, 9, 9, 0))
    defect_cb = Callback.create(kind="defect", ticket=defect, unit=unit, owner=clerk,
                                clock_started_at=at(2026, 10, 9, 8, 50))
    # A failed ordinary inspection whose rework v1 put on a 24-hour clock.
    failed = ticket("K-000005", at(2026, 10, 8, 9, 0), kind="repair", repair_class="normal",
                    state="in_progress", department="engineering",
                    dispatched_at=at(2026, 10, 8, 9, 10), rework_count=1)
    first = WorkOrder.create(number="W-000001", ticket=failed, opened_at=at(2026, 10, 8, 9, 20),
                             completed_at=at(2026, 10, 8, 11, 0), inspection="fail")
    WorkOrder.create(number="W-000002", ticket=failed, opened_at=at(2026, 10, 8, 15, 0),
                     rework_of=first)
    ctx = RuleContext.from_store()
    rsync.sync_tickets([dev, explained, defect, failed], ctx)
    rsync.sync_callbacks([dev_cb], ctx)
    old = [("defect_rework", "ticket", defect.id, at(2026, 10, 10, 8, 50)),
           ("defect_callback", "callback", defect_cb.id, at(2026, 10, 10, 8, 50)),
           ("defect_rework", "ticket", failed.id, at(2026, 10, 9, 15, 0))]
    for name, kind, item, due in old:
        Deadline.create(clock=name, item_kind=kind, item_id=item, item_ref="K", cycle=1,
                        department="desk", started_at=due - timedelta(hours=24), due_at=due,
                        warn_at=due - timedelta(hours=6))
    Deadline.delete().where(Deadline.clock == "defect_arrange").execute()
    assert row_of("developer_callback", "K-000001").due_at == at(2026, 10, 12, 17, 30)
    close_store()
    con = sqlite3.connect(path)  # back to v12: the columns v13 added are not there yet
    for column in ("arranged_at", "arranged_by", "rework_at", "special_callback_at"):
        con.execute(f'ALTER TABLE "ticket" DROP COLUMN "{column}"')
    con.execute("UPDATE schema_version SET version = 12")
    con.commit()
    con.close()

    open_store(str(path), clock, create=False)
    try:
        # KF-010 §4.4.1: from intake — 10-08, 10-09, the make-up Saturday 10-10.
        assert row_of("developer_callback", "K-000001").due_at == at(2026, 10, 10, 17, 30)
        assert Callback.get_by_id(dev_cb.id).clock_started_at == at(2026, 9, 30, 10, 0)
        # KF-010 §4.5: the explained complaint owes its callback, from the explanation.
        waiting = Ticket.get(Ticket.number == "K-000002")
        assert waiting.state == "callback"
        assert row_of("complaint_callback", "K-000002").due_at == at(2026, 10, 12, 9, 0)
        # KF-009 §3.1.4: engineering's 24 hours to arrange; no 24-hour rework clocks.
        arrange = row_of("defect_arrange", "K-000004")
        assert (arrange.due_at, arrange.department) == (at(2026, 10, 10, 8, 50), "engineering")
        assert not Deadline.select().where(
            Deadline.clock.in_(("defect_rework", "defect_callback"))).exists()
        late = {(a.clock, a.item_ref) for a in evaluate(at(2026, 10, 10, 10, 0))}
        assert ("defect_arrange", "K-000004") in late
        assert not any(ref == "K-000005" for _, ref in late)
        assert Ticket.select().where(Ticket.arranged_at.is_null(False)).count() == 0
        assert SCHEMA_VERSION >= 13  # the rulebook-v2 tickets step is v13
    finally:
        close_store()


# --- KF-011 (RULES v2 item 4): a warranty repair goes to the contractor on a contact form ------


def warranty(w: dict) -> str:
    number = take(w, at(2026, 10, 9, 9, 0), kind="repair", category="lift",
                  repair_class="warranty", validity=None, text="电梯门关不严")
    tk.dispatch_ticket(number, ["engineering"], w["clerk"], clock_at(2026, 10, 9, 9, 20),
                       SETTINGS)
    return number


def test_a_warranty_repair_goes_to_the_contractor_on_a_contact_form(w) -> None:
    number = warranty(w)
    assert row_of("dispatch", number).stopped_at == at(2026, 10, 9, 9, 20)
    c = clock_at(2026, 10, 9, 10, 0)
    with pytest.raises(DeskError) as err:  # not a work order (KF-011: 保修 → 联系单)
        tk.open_work_order(number, "李师傅", w["clerk"], c, SETTINGS)
    assert err.value.key == "warranty.no_work_order"
    with pytest.raises(DeskError) as err:  # the contractor's work is reported after its form
        tk.record_completion(number, at(2026, 10, 9, 10, 0), "已修好", w["clerk"], c, SETTINGS)
    assert err.value.key == "warranty.form_first"
    tk.send_warranty_form(number, "GC-2026-018", "某某电梯公司", w["clerk"], c, SETTINGS)
    ticket = Ticket.get(Ticket.number == number)
    assert (ticket.state, ticket.contact_form_no) == ("in_progress", "GC-2026-018")
    assert ticket.contact_form_sent_at == at(2026, 10, 9, 10, 0)
    log = TicketLog.get((TicketLog.ticket == ticket) & (TicketLog.step == "warranty_form"))
    assert "某某电梯公司" in log.note
    assert AuditEvent.get(AuditEvent.action == "ticket.warranty_form").actor == w["clerk"]
    with pytest.raises(DeskError) as err:
        tk.send_warranty_form(number, "GC-2026-019", "某某电梯公司", w["clerk"], c, SETTINGS)
    assert err.value.key == "contact_form.already"
    # The contractor's answer — the work done — comes back as a completion; the repair
    # callback runs 3 working days from it (KF-009 §3.1.1): 10-12 is a Monday.
    tk.record_completion(number, at(2026, 10, 12, 15, 0), "保修单位已调整门机", w["clerk"],
                         clock_at(2026, 10, 12, 16, 0), SETTINGS)
    assert Ticket.get(Ticket.number == number).state == "callback"
    assert row_of("repair_callback", number).due_at == at(2026, 10, 15, 17, 30)


@pytest.mark.parametrize(("case", "key", "field"), [
    ("not_warranty", "warranty.not_warranty", None),
    ("not_dispatched", "warranty.not_dispatched", None),
    ("no_number", "contact_form.number_needed", "form_no"),
    ("no_contractor", "warranty.contractor_needed", "contractor"),
])
def test_a_warranty_form_that_does_not_fit_is_refused_and_changes_nothing(
        w, case: str, key: str, field: str | None) -> None:
    if case == "not_warranty":
        number = take(w, at(2026, 10, 9, 9, 0), kind="repair", category="water",
                      repair_class="normal", validity=None)
        tk.dispatch_ticket(number, ["engineering"], w["clerk"], clock_at(2026, 10, 9, 9, 5),
                           SETTINGS)
    elif case == "not_dispatched":
        number = take(w, at(2026, 10, 9, 9, 0), kind="repair", category="lift",
                      repair_class="warranty", validity=None)
    else:
        number = warranty(w)
    form_no = "" if case == "no_number" else "GC-1"
    contractor = " " if case == "no_contractor" else "某某电梯公司"
    before = (Ticket.get(Ticket.number == number).version, AuditEvent.select().count())
    with pytest.raises(DeskError) as err:
        tk.send_warranty_form(number, form_no, contractor, w["clerk"],
                              clock_at(2026, 10, 9, 10, 0), SETTINGS)
    assert (err.value.key, err.value.field) == (key, field)
    assert err.value.message("zh") and err.value.message("en")
    assert before == (Ticket.get(Ticket.number == number).version, AuditEvent.select().count())


def test_a_warranty_repairs_class_stays_once_its_form_went_out(w) -> None:
    from kfdesk.desk import ticket_fixes as fx

    number = warranty(w)
    tk.send_warranty_form(number, "GC-1", "某某电梯公司", w["clerk"],
                          clock_at(2026, 10, 9, 10, 0), SETTINGS)
    changed = fx.correction_form(number)
    changed.repair_class = "normal"
    with pytest.raises(DeskError) as err:
        fx.correct_ticket(number, changed, "判断错了", w["clerk"],
                          clock_at(2026, 10, 9, 10, 30), SETTINGS)
    assert (err.value.key, err.value.field) == ("warranty.form_sent_fix", "repair_class")
