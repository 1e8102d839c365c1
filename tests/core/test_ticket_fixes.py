"""Putting wrong records right (issue 16): correcting and voiding a ticket (RULES KF-012 v2),
a completion needs its result, cancelling a service order and correcting a paid repair's
amount at close-out (KF-022, KF-015 §6.2.1).

Each refusal is checked to change nothing; each correction to keep old → new in the history and
the audit, and to move the clocks the deadline engine alerts on.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from kfdesk import views
from kfdesk.clock import FixedClock
from kfdesk.config import default_settings
from kfdesk.desk import services as svc
from kfdesk.desk import ticket_fixes as fx
from kfdesk.desk import tickets as tk
from kfdesk.desk.base import DeskError
from kfdesk.models import (
    AuditEvent,
    Callback,
    Charge,
    Deadline,
    ServiceOrder,
    Ticket,
    TicketLog,
)
from kfdesk.rules.engine import evaluate
from kfdesk.views.day_lists import figure_list
from kfdesk.views.month_report import month_report
from kfdesk.views.services import service_order

SH = ZoneInfo("Asia/Shanghai")
SETTINGS = default_settings()


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


def clock_at(*args: int) -> FixedClock:
    return FixedClock(at(*args))


@pytest.fixture
def w(office: dict) -> dict:
    return office


def form(**fields) -> tk.IntakeForm:  # noqa: ANN003
    base = {"channel": "phone", "kind": "repair", "category": "water", "text": "厨房水管漏水",
            "unit_code": "3-1-502", "repair_class": "normal"}
    return tk.IntakeForm(**{**base, **fields})


def take(w: dict, who: str = "clerk", when: tuple = (2026, 10, 9, 10, 0), **fields) -> str:  # noqa: ANN003
    return tk.take_ticket(form(**fields), w[who], clock_at(*when), SETTINGS).number


def corrected(number: str, **fields) -> tk.IntakeForm:  # noqa: ANN003
    from dataclasses import replace

    return replace(fx.correction_form(number), **fields)


def alerts(when: datetime, clock: str) -> list[str]:
    return [a.item_ref for a in evaluate(when) if a.clock == clock]


def snapshot() -> tuple:
    return ([(t.number, t.state, t.version, t.kind, t.validity, t.unit_id, t.voided_at)
             for t in Ticket.select()], TicketLog.select().count(), AuditEvent.select().count(),
            [(d.clock, d.started_at, d.due_at, d.stopped_at)
             for d in Deadline.select().order_by(Deadline.id)])


# --- correcting -------------------------------------------------------------------------------


def test_a_repair_corrected_to_an_inquiry_loses_its_dispatch_alert(w) -> None:
    """KF-012 v2: the correction keeps old → new and the dispatch clock goes with the repair."""
    number = take(w)
    late = at(2026, 10, 9, 11, 30)  # the 1-hour dispatch is overdue
    assert alerts(late, "dispatch") == [number]
    changes = fx.correct_ticket(number, corrected(number, kind="inquiry", repair_class=None,
                                                  text="问物业费怎么交"),
                                "来电其实是咨询", w["clerk"], FixedClock(late), SETTINGS)
    assert {c.field: (c.old, c.new) for c in changes} == {
        "kind": ("repair", "inquiry"), "repair_class": ("normal", None),
        "text": ("厨房水管漏水", "问物业费怎么交")}
    assert alerts(late, "dispatch") == []
    ticket = Ticket.get(Ticket.number == number)
    assert (ticket.kind, ticket.repair_class, ticket.version) == ("inquiry", None, 2)
    log = TicketLog.select().where(TicketLog.ticket == ticket).order_by(TicketLog.id)[-1]
    assert log.step == "corrected" and log.staff == w["clerk"]
    assert "报修 → 咨询" in log.note and "来电其实是咨询" in log.note
    event = AuditEvent.select().where(AuditEvent.action == "ticket.corrected").get()
    detail = json.loads(event.detail)
    assert detail["changes"]["kind"] == ["repair", "inquiry"]
    assert detail["reason"] == "来电其实是咨询"
    # The inquiry is answered and closed out by the desk itself, no dispatch asked.
    tk.close_out(number, "已答复", w["clerk"], FixedClock(late), SETTINGS)
    assert Ticket.get(Ticket.number == number).state == "closed"


def test_a_complaint_found_to_be_the_developers_gets_the_developer_clocks(w) -> None:
    """KF-012 v2 validity after investigation; the new clock starts from the correction."""
    number = take(w, kind="complaint", category="developer_quality", repair_class=None,
                  validity="valid", text="外墙渗水")
    found = at(2026, 10, 9, 10, 40)
    fx.correct_ticket(number, corrected(number, validity="invalid_developer"),
                      "调查取证：属开发商遗留问题", w["super"], FixedClock(found), SETTINGS)
    ticket = Ticket.get(Ticket.number == number)
    rows = {d.clock: d for d in Deadline.select().where(Deadline.item_id == ticket.id,
                                                         Deadline.item_kind == "ticket")}
    assert set(rows) == {"developer_form"}  # the dispatch clock is gone
    assert rows["developer_form"].started_at.astimezone(SH) == found
    assert ticket.clocks_from.astimezone(SH) == found
    assert alerts(at(2026, 10, 9, 11, 30), "dispatch") == []


def test_a_corrected_unit_and_phone_show_in_the_history_masked(w) -> None:
    other = w["unit"].__class__.create(building=w["unit"].building, entrance=1, floor=5,
                                       room="503", code="3-1-503", area_centi_m2=8000)
    number = take(w, caller_name="王先生", phone="13900001111")
    changes = fx.correct_ticket(number, corrected(number, unit_code="3-1-503",
                                                  phone="13900002222"),
                                "房号听错", w["clerk"], clock_at(2026, 10, 9, 10, 5), SETTINGS)
    assert {c.field for c in changes} == {"unit", "phone"}
    ticket = Ticket.get(Ticket.number == number)
    assert ticket.unit_id == other.id and ticket.phone == "13900002222"
    note = TicketLog.select().where(TicketLog.step == "corrected").get().note
    assert "3-1-502 → 3-1-503" in note and "139****2222" in note and "13900002222" not in note


def test_correction_refusals_change_nothing(w) -> None:
    number = take(w)
    c = clock_at(2026, 10, 9, 10, 10)
    cases = [
        (lambda: fx.correct_ticket(number, corrected(number, kind="inquiry", repair_class=None),
                                   "", w["clerk"], c, SETTINGS), "fix.reason_needed"),
        (lambda: fx.correct_ticket(number, corrected(number), "没改", w["clerk"], c, SETTINGS),
         "fix.nothing_changed"),
        (lambda: fx.correct_ticket(number, corrected(number, kind="inquiry", repair_class=None),
                                   "不是我的", w["clerk2"], c, SETTINGS), "fix.not_owner"),
        (lambda: fx.correct_ticket(number, corrected(number, kind="inquiry", repair_class=None),
                                   "保安", w["guard"], c, SETTINGS), "auth.not_allowed"),
        (lambda: fx.correct_ticket(number, corrected(number, unit_code="9-9-999"), "房号",
                                   w["clerk"], c, SETTINGS), "intake.unknown_unit"),
        (lambda: fx.correct_ticket(number, corrected(number, kind="complaint",
                                                     repair_class=None), "是投诉",
                                   w["clerk"], c, SETTINGS), "intake.validity"),
        (lambda: fx.correct_ticket(number, corrected(number, kind="inquiry", repair_class=None),
                                   "旧版本", w["clerk"], c, SETTINGS, version=0),
         "conflict.ticket_changed"),
    ]
    for call, key in cases:
        before = snapshot()
        with pytest.raises(DeskError) as err:
            call()
        assert err.value.key == key
        assert snapshot() == before, key
    # A closed or voided ticket is not corrected.
    fx.void_ticket(number, "重复登记", w["clerk"], c, SETTINGS)
    with pytest.raises(DeskError) as err:
        fx.correct_ticket(number, corrected(number, category="lift"), "改类别", w["super"], c,
                          SETTINGS)
    assert err.value.key == "ticket.voided"


def test_after_handling_ends_only_the_descriptive_fields_are_corrected(w) -> None:
    number = take(w)
    c = clock_at(2026, 10, 9, 10, 10)
    tk.dispatch_ticket(number, ["engineering"], w["clerk"], c, SETTINGS)
    tk.open_work_order(number, "李师傅", w["clerk"], c, SETTINGS)
    with pytest.raises(DeskError) as err:  # the work order is open: it stays a repair
        fx.correct_ticket(number, corrected(number, kind="inquiry", repair_class=None), "咨询",
                          w["clerk"], c, SETTINGS)
    assert err.value.key == "fix.work_order_open"
    tk.record_completion(number, at(2026, 10, 9, 11, 0), "换了阀门", w["clerk"],
                         clock_at(2026, 10, 9, 11, 5), SETTINGS)
    with pytest.raises(DeskError) as err:
        fx.correct_ticket(number, corrected(number, repair_class="warranty"), "保修期内",
                          w["clerk"], clock_at(2026, 10, 9, 11, 10), SETTINGS)
    assert err.value.key == "fix.after_handling"
    fx.correct_ticket(number, corrected(number, category="other"), "类别选错",
                      w["clerk"], clock_at(2026, 10, 9, 11, 10), SETTINGS)
    assert Ticket.get(Ticket.number == number).category == "other"
    with pytest.raises(DeskError) as err:  # handled: it was no mistake to take it
        fx.void_ticket(number, "不要了", w["super"], clock_at(2026, 10, 9, 11, 20), SETTINGS)
    assert err.value.key == "fix.void_handled"


# --- voiding ----------------------------------------------------------------------------------


def test_void_by_the_owner_the_same_day_stops_the_clocks_and_drops_the_alert(w) -> None:
    number = take(w)
    late = at(2026, 10, 9, 11, 30)
    assert alerts(late, "dispatch") == [number]
    fx.void_ticket(number, "重复登记，同一漏水", w["clerk"], FixedClock(late), SETTINGS)
    assert alerts(late, "dispatch") == []
    ticket = Ticket.get(Ticket.number == number)
    assert (ticket.state, ticket.void_reason) == ("voided", "重复登记，同一漏水")
    assert ticket.voided_at.astimezone(SH) == late
    # Kept, never deleted; off the open queue, shown on it for the day when asked.
    assert number not in [r.number for r in views.open_tickets(SH)]
    shown = views.open_tickets(SH, voided_since=at(2026, 10, 9, 0, 0))
    assert [(r.number, r.state) for r in shown] == [(number, "voided")]
    assert TicketLog.select().where(TicketLog.step == "voided").get().note == "重复登记，同一漏水"
    assert AuditEvent.select().where(AuditEvent.action == "ticket.voided").exists()
    with pytest.raises(DeskError) as err:  # nothing acts on it again
        tk.dispatch_ticket(number, ["engineering"], w["clerk"], FixedClock(late), SETTINGS)
    assert err.value.key == "ticket.voided"


def test_void_the_next_day_is_the_supervisors(w) -> None:
    number = take(w)
    tomorrow = clock_at(2026, 10, 10, 9, 0)
    before = snapshot()
    with pytest.raises(DeskError) as err:
        fx.void_ticket(number, "登记错了", w["clerk"], tomorrow, SETTINGS)
    assert err.value.key == "fix.void_next_day"
    with pytest.raises(DeskError) as err:  # another clerk, even the same day
        fx.void_ticket(number, "登记错了", w["clerk2"], clock_at(2026, 10, 9, 12, 0), SETTINGS)
    assert err.value.key == "fix.not_owner"
    with pytest.raises(DeskError) as err:
        fx.void_ticket(number, "  ", w["super"], tomorrow, SETTINGS)
    assert err.value.key == "fix.reason_needed"
    with pytest.raises(DeskError) as err:  # the dialog's first confirm: checks, writes nothing
        fx.void_ticket(number, "登记错了", w["clerk"], tomorrow, SETTINGS, dry_run=True)
    assert err.value.key == "fix.void_next_day"
    fx.void_ticket(number, "登记错了", w["super"], tomorrow, SETTINGS, dry_run=True)
    assert snapshot() == before
    fx.void_ticket(number, "登记错了", w["super"], tomorrow, SETTINGS)
    assert Ticket.get(Ticket.number == number).state == "voided"


def test_a_voided_defect_complaint_stops_engineerings_arranging_clock(w) -> None:
    """KF-012 v2 on a KF-009 §3.1.4 complaint (RULES v2: the 24 hours are engineering's, to
    arrange; the special callback is scheduled then, so intake opens no callback)."""
    repair = take(w)
    number = take(w, kind="complaint", repair_class=None, validity="valid", defect_of=repair,
                  text="修过还漏")
    assert number not in [r.ticket for r in views.callbacks_due(SH)]
    assert alerts(at(2026, 10, 10, 12, 0), "defect_arrange") == [number]
    fx.void_ticket(number, "住户打错电话", w["clerk"], clock_at(2026, 10, 9, 10, 30), SETTINGS)
    row = Deadline.get((Deadline.item_kind == "ticket") & (Deadline.clock == "defect_arrange")
                       & (Deadline.item_id == Ticket.get(Ticket.number == number).id))
    assert row.stopped_at is not None
    assert alerts(at(2026, 10, 10, 12, 0), "defect_arrange") == []


def test_reports_count_a_voided_ticket_apart(w) -> None:
    kept = take(w, kind="complaint", repair_class=None, validity="valid", category="noise",
                text="噪音")
    voided = take(w, kind="complaint", repair_class=None, validity="valid", category="noise",
                  text="噪音（重复）")
    fx.void_ticket(voided, "重复登记", w["clerk"], clock_at(2026, 10, 9, 10, 20), SETTINGS)
    now = at(2026, 10, 9, 18, 0)
    s = views.day_summary(date(2026, 10, 9), now, SH)
    assert (s.intake_total, dict(s.intake_by_kind), s.tickets_voided) == (1, {"complaint": 1}, 1)
    assert s.open_tickets == 1
    assert [r[0] for r in figure_list("intake", date(2026, 10, 9), now, SH).rows] == [kept]
    assert [r[0] for r in figure_list("tickets_voided", date(2026, 10, 9), now, SH).rows] == [
        voided]
    r = month_report(date(2026, 10, 1), at(2026, 11, 3, 9, 0), SETTINGS)
    assert (r.complaints, r.valid, r.voided) == (1, 1, 1)
    dispatch = next(c for c in r.clocks if c.clock == "dispatch")
    assert dispatch.overdue + dispatch.late + dispatch.on_time == 1  # the kept one only


# --- completion needs its result ------------------------------------------------------------


def test_a_completion_without_a_result_is_refused(w) -> None:
    number = take(w, kind="complaint", repair_class=None, validity="valid", category="noise")
    c = clock_at(2026, 10, 9, 10, 10)
    tk.dispatch_ticket(number, ["security"], w["clerk"], c, SETTINGS)
    before = snapshot()
    with pytest.raises(DeskError) as err:
        tk.record_completion(number, at(2026, 10, 9, 10, 5), "  ", w["clerk"], c, SETTINGS)
    assert (err.value.key, err.value.field) == ("complete.result_needed", "result")
    assert snapshot() == before
    assert not Callback.select().exists()


# --- service orders -------------------------------------------------------------------------


def _repair_order(w: dict) -> ServiceOrder:
    c = clock_at(2026, 10, 9, 10, 0)
    return svc.create_order(svc.OrderForm(kind="appliance_repair", unit="3-1-502",
                                          contact_name="王建国", contact_phone="13812345678",
                                          price_code="hood_service", quantity="1",
                                          note="抽油烟机不转"),  # ¥50 from the price list
                            w["clerk"], c, SETTINGS)


def test_a_service_order_is_cancelled_with_a_reason_and_its_clocks_stop(w) -> None:
    order = _repair_order(w)
    svc.accept(order.id, w["clerk"], clock_at(2026, 10, 9, 10, 1), SETTINGS)
    assert alerts(at(2026, 10, 9, 10, 40), "appliance_on_site") == [svc.order_ref(order.id)]
    with pytest.raises(DeskError) as err:
        svc.cancel(order.id, "", w["clerk"], clock_at(2026, 10, 9, 10, 5), SETTINGS)
    assert err.value.key == "service.cancel_reason"
    svc.cancel(order.id, "住户自己修好了", w["clerk"], clock_at(2026, 10, 9, 10, 5), SETTINGS)
    assert alerts(at(2026, 10, 9, 10, 40), "appliance_on_site") == []
    row = service_order(order.id, SH)
    assert row.state == "cancelled" and "住户自己修好了" in row.note
    event = AuditEvent.select().where(AuditEvent.action == "service.cancel").get()
    assert json.loads(event.detail)["reason"] == "住户自己修好了"
    with pytest.raises(DeskError) as err:
        svc.done(order.id, w["clerk"], clock_at(2026, 10, 9, 10, 6), SETTINGS)
    assert err.value.key == "service.cancelled"


def test_a_paid_repairs_amount_is_corrected_at_close_out_and_the_charge_follows(w) -> None:
    order = _repair_order(w)
    for step in (svc.accept, svc.on_site, svc.done):
        step(order.id, w["clerk"], clock_at(2026, 10, 9, 10, 10), SETTINGS)
    c = clock_at(2026, 10, 9, 11, 0)
    with pytest.raises(DeskError) as err:
        svc.close_out(order.id, "cashier", w["clerk"], c, SETTINGS, amount="80")
    assert (err.value.key, err.value.field) == ("service.amount_reason", "reason")
    assert not Charge.select().exists()
    charge = svc.close_out(order.id, "cashier", w["clerk"], c, SETTINGS, amount="80",
                           reason="多换一个点火针")
    assert charge is not None and charge.amount_fen == 8000
    order = ServiceOrder.get_by_id(order.id)
    assert order.amount_fen == 8000 and "¥50.00 → ¥80.00" in order.note
    event = AuditEvent.select().where(AuditEvent.action == "service.amount_corrected").get()
    assert json.loads(event.detail)["old_fen"] == 5000


def test_a_paid_repair_ticket_charges_the_corrected_amount(w) -> None:
    """KF-015 §6.2.1 with issue 16: the quote corrected while the work order is open goes to
    the order; the amount corrected at completion, with a reason, is what is charged."""
    number = take(w, repair_class="paid", quoted="50")
    c = clock_at(2026, 10, 9, 10, 10)
    tk.dispatch_ticket(number, ["engineering"], w["clerk"], c, SETTINGS)
    order = tk.open_work_order(number, "李师傅", w["clerk"], c, SETTINGS)
    fx.correct_ticket(number, corrected(number, quoted="60"), "报价说错了", w["clerk"], c,
                      SETTINGS)
    assert fx.open_paid_amount(number) == 6000
    done = clock_at(2026, 10, 9, 11, 0)
    before = snapshot()
    with pytest.raises(DeskError) as err:
        tk.record_completion(number, at(2026, 10, 9, 10, 50), "换了龙头", w["clerk"], done,
                             SETTINGS, settle="cashier", amount="80")
    assert (err.value.key, err.value.field) == ("complete.amount_reason", "amount_reason")
    assert snapshot() == before and not Charge.select().exists()
    tk.record_completion(number, at(2026, 10, 9, 10, 50), "换了龙头", w["clerk"], done,
                         SETTINGS, settle="cashier", amount="80", amount_reason="多换了阀芯")
    charge = Charge.get(Charge.kind == "paid_repair")
    assert charge.amount_fen == 8000
    log = TicketLog.get(TicketLog.step == "amount_corrected")
    assert "¥60.00 → ¥80.00" in log.note and order in log.note and "多换了阀芯" in log.note
    event = AuditEvent.get(AuditEvent.action == "work_order.amount_corrected")
    assert (json.loads(event.detail)["old_fen"], json.loads(event.detail)["new_fen"]) == (
        6000, 8000)
