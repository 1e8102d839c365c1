"""Tickets typed end to end at the counter (Pilot, real keystrokes): intake (F2) → dispatch
queue (F3) → work order → completion → inspection fail → rework → pass → close-out, with the
clocks (Deadline rows) checked at each step (RULES §1, §8; KF-008, KF-010, KF-011).

The demo community is the store; the clock is fixed at 2026-10-09 10:00 Asia/Shanghai. The
free text of a ticket is put into its box directly (it is not part of the keystroke count the
issue sets); everything else is pressed as a clerk presses it.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from helpers import screen_text, table_rows
from kfdesk_screens.dispatch import DispatchScreen
from kfdesk_screens.intake import IntakeScreen
from kfdesk_screens.widgets.dialogs import ActionDialog
from kfdesk_screens.widgets.table import FitTable
from textual.widgets import TextArea

from kfdesk.i18n import t
from kfdesk.models import AuditEvent, Callback, Deadline, Ticket, TicketLog, WorkOrder

Z = ZoneInfo("Asia/Shanghai")
SIZE = (120, 40)


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=Z)


def newest() -> Ticket:
    return Ticket.select().order_by(Ticket.id.desc()).get()


def clocks(ticket: Ticket) -> dict[str, tuple[datetime, bool]]:
    """name → (due in the office zone, running) for the ticket and its callbacks."""
    cbs = [c.id for c in Callback.select().where(Callback.ticket == ticket)] or [0]
    rows = Deadline.select().where(
        ((Deadline.item_kind == "ticket") & (Deadline.item_id == ticket.id))
        | ((Deadline.item_kind == "callback") & Deadline.item_id.in_(cbs)))
    out = {}
    for r in rows.order_by(Deadline.id):
        out[r.clock] = (r.due_at.astimezone(Z), r.stopped_at is None)
    return out


async def type_text(pilot, text: str) -> None:  # noqa: ANN001
    area = pilot.app.screen.focused
    assert isinstance(area, TextArea)
    area.insert(text)
    await pilot.pause()


async def test_a_phone_complaint_in_under_30_keystrokes(make_app) -> None:  # noqa: ANN001
    """The issue's bar: a phone complaint besides its text in under 30 keys, with the clocks
    shown before saving and the ticket number and promise after."""
    app = make_app("zh")
    async with app.run_test(size=SIZE) as pilot:
        keys = ["f2", *"3-1-502", "enter",  # unit: the lookup picks it
                "enter",  # caller: the unit's owner, first in the household
                "enter",  # phone: the one on file
                "enter",  # kind: complaint (the default)
                "z", "y", "enter",  # category: 噪音 by its pinyin initials
                "enter",  # judgement: valid complaint
                "enter"]  # defect-of: none → into the text
        await pilot.press(*keys)
        await pilot.pause(0.3)
        assert isinstance(app.screen, IntakeScreen)
        preview = str(app.screen.query_one("#preview").render())
        assert "派单 11:00" in preview and "回访 处理完毕后 3 天内" in preview
        await type_text(pilot, "楼上装修噪音，晚上十点后还在施工")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert len(keys) + 1 < 30
        ticket = newest()
        assert (ticket.kind, ticket.category, ticket.validity, ticket.channel) == (
            "complaint", "noise", "valid", "phone")
        assert ticket.unit.code == "3-1-502" and ticket.person.name == "王建国"
        assert ticket.owner.login == "clerk" and ticket.phone == ticket.person.phone
        assert clocks(ticket) == {"dispatch": (at(2026, 10, 9, 11, 0), True)}
        result = str(app.screen.query_one("#result").render())
        assert ticket.number in result
        assert "请告知住户：我们会在 11:00 前安排有关部门处理；处理完毕后 3 天内回访您。" in result
        # Ready for the next call; today's list has the new ticket on top.
        assert app.screen.query_one("#lookup #query").value == ""
        assert table_rows(app.screen.query_one("#today", FitTable))[0][0] == ticket.number

        # On through the dispatch queue to close-out.
        await open_in_queue(pilot, ticket.number)
        await pilot.press("d", "2")  # security (协管部)
        assert await confirm(pilot) == ""
        assert clocks(Ticket.get_by_id(ticket.id))["dispatch"][1] is False
        await complaint_to_close_out(pilot, ticket)


async def open_in_queue(pilot, number: str) -> None:  # noqa: ANN001
    await pilot.press("f3", "slash", *number, "enter")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, DispatchScreen)
    assert screen.query_one("#queue", FitTable).selected_key() == number


async def confirm(pilot) -> str:  # noqa: ANN001
    """Ctrl+S in a dialog; returns the error shown in place ("" when it closed)."""
    dialog = pilot.app.screen
    assert isinstance(dialog, ActionDialog)
    await pilot.press("ctrl+s")
    await pilot.pause()
    if pilot.app.screen is dialog:
        return str(dialog.query_one("#dlg-error").render())
    return ""


# KF-009 §3.1.3 v2: F3 `v` on a ticket waiting for its callback opens the callback record
# (the F4 dialog), every question asked. Repair form: method, reached, attitude, quality,
# charges, procedure, satisfied, …; digits pick the n-th option ("1" is "—" on questions).
# A complaint handled with a work order is asked the same four questions.
REPAIR_ANSWERS = ["1", "tab", "tab", "2", "tab", "2", "tab", "2", "tab", "2", "tab"]


async def verdict_by_callback(pilot, keys: list[str], satisfied: bool,  # noqa: ANN001
                              remarks: str) -> None:
    await pilot.press("v")
    await pilot.pause()
    dialog = pilot.app.screen
    assert isinstance(dialog, ActionDialog)
    assert t("ui.act.verdict_by_callback") in str(dialog.query_one(".dlg-about").render())
    await pilot.press(*keys, "2" if satisfied else "3")
    dialog.query_one("#f-remarks").insert(remarks)
    assert await confirm(pilot) == ""


async def complaint_to_close_out(pilot, ticket: Ticket) -> None:  # noqa: ANN001
    """A dispatched complaint through work order → completion → not satisfied → handled
    again → satisfied → closed out, checking its clocks at each step (KF-010 §4.5, KF-012)."""
    number = ticket.number
    await open_in_queue(pilot, number)
    await pilot.press("w", *"wang")
    assert await confirm(pilot) == ""
    await pilot.press("c", "tab")
    await type_text(pilot, "已约谈施工方")
    assert await confirm(pilot) == ""
    ticket = Ticket.get_by_id(ticket.id)
    assert ticket.state == "callback"
    # KF-010 §4.5: 3 calendar days from the end of handling (now, 10:00).
    assert clocks(ticket)["complaint_callback"] == (at(2026, 10, 12, 10, 0), True)
    await verdict_by_callback(pilot, REPAIR_ANSWERS, False, "晚上仍然施工")
    ticket = Ticket.get_by_id(ticket.id)
    assert ticket.state == "dispatched"  # reopened (KF-012)
    # Issue 16: no callback is owed until the further handling ends (KF-010 §4.5).
    assert clocks(ticket)["complaint_callback"] == (at(2026, 10, 12, 10, 0), False)
    await pilot.press("c", "tab")
    await type_text(pilot, "施工方已停工")
    assert await confirm(pilot) == ""
    assert (at(2026, 10, 12, 10, 0), True) in [
        (r.due_at.astimezone(Z), r.stopped_at is None) for r in Deadline.select().where(
            (Deadline.clock == "complaint_callback") & (Deadline.item_kind == "callback")
            & Deadline.item_id.in_([c.id for c in Callback.select().where(
                Callback.ticket == ticket)]))]
    await verdict_by_callback(pilot, REPAIR_ANSWERS, True, "住户满意")
    ticket = Ticket.get_by_id(ticket.id)
    assert ticket.state == "closed"
    assert not any(running for _, running in clocks(ticket).values())
    steps = [e.step for e in TicketLog.select().where(TicketLog.ticket == ticket)
             .order_by(TicketLog.at, TicketLog.id)]
    assert steps[-6:] == ["work_order", "completed", "unsatisfied", "completed", "satisfied",
                          "closed"]


async def test_a_repair_from_intake_to_close_out_with_a_failed_inspection(make_app) -> None:  # noqa: ANN001
    """KF-011: intake → dispatch → work order → completion → fail → rework → pass →
    close out; every step in the history, every clock started and stopped on time."""
    app = make_app("zh")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2", *"3-1-502", "enter", "enter", "enter",
                          "2",  # kind: 报修
                          "enter", "g", "p", "s", "enter",  # category: 给排水
                          "enter")  # judgement: 非保修 (normal, the default)
        await type_text(pilot, "厨房下水道堵塞")
        await pilot.press("ctrl+s")
        await pilot.pause()
        ticket = newest()
        number = ticket.number
        assert (ticket.kind, ticket.repair_class) == ("repair", "normal")
        assert clocks(ticket)["dispatch"] == (at(2026, 10, 9, 11, 0), True)

        await open_in_queue(pilot, number)
        await pilot.press("d")  # engineering is ticked for a repair
        assert await confirm(pilot) == ""
        ticket = Ticket.get_by_id(ticket.id)
        assert ticket.state == "dispatched"
        assert clocks(ticket)["dispatch"][1] is False  # stopped

        await pilot.press("w", *"li")
        assert await confirm(pilot) == ""
        order = WorkOrder.get(WorkOrder.ticket == ticket)
        assert order.technician == "li"

        await pilot.press("c")
        await pilot.press("tab")
        await type_text(pilot, "已疏通")
        assert await confirm(pilot) == ""
        ticket = Ticket.get_by_id(ticket.id)
        assert ticket.state == "callback"
        # KF-009 §3.1.5 v2: the signature is never assumed (the field was left at "no").
        order = WorkOrder.get_by_id(order.id)
        assert order.in_home and not order.resident_signed
        # KF-009 §3.1.1: 3 working days from the work order's return (Sat 10-10 is a
        # make-up working day) → Tue 10-13 17:30.
        assert clocks(ticket)["repair_callback"] == (at(2026, 10, 13, 17, 30), True)

        await verdict_by_callback(pilot, REPAIR_ANSWERS, False, "仍有渗水")  # failed
        cb = Callback.get((Callback.ticket == ticket) & Callback.work_order.is_null(False))
        assert (cb.method, cb.attitude, cb.quality, cb.charges, cb.procedure_followed,
                cb.satisfaction) == ("phone", "good", "good", "good", True, "unsatisfied")
        ticket = Ticket.get_by_id(ticket.id)
        assert (ticket.state, ticket.rework_count) == ("in_progress", 1)
        assert clocks(ticket)["repair_callback"][1] is False  # that callback was made
        rework = WorkOrder.get(WorkOrder.rework_of == order)

        await pilot.press("c", "tab")
        await type_text(pilot, "更换管件")
        pilot.app.screen.query_one("#f-signed").value = "yes"  # came back signed
        assert await confirm(pilot) == ""
        assert WorkOrder.get_by_id(rework.id).resident_signed
        assert Callback.get((Callback.ticket == ticket) & Callback.done_at.is_null()
                            ).work_order == rework

        await verdict_by_callback(pilot, REPAIR_ANSWERS, True, "住户验收合格")  # passed
        ticket = Ticket.get_by_id(ticket.id)
        assert ticket.state == "closed"
        assert not any(running for _, running in clocks(ticket).values())
        steps = [e.step for e in TicketLog.select().where(TicketLog.ticket == ticket)
                 .order_by(TicketLog.at, TicketLog.id)]
        assert steps == ["received", "dispatched", "work_order", "completed", "inspected_fail",
                         "rework", "completed", "inspected_pass", "closed"]
        # Closed out: gone from the open queue.
        assert number not in [r[0] for r in table_rows(app.screen.query_one("#queue", FitTable))]
        actors = {e.actor.login for e in AuditEvent.select().where(
            (AuditEvent.record_type == "Ticket") & (AuditEvent.record_id == ticket.id))}
        assert actors == {"clerk"}


async def test_a_forwarded_complaint_counts_the_hand_over_against_its_department(make_app) -> None:  # noqa: ANN001
    """KF-010 §4.1.1: security received it at 07:30; the desk took it at 10:00 — 30 minutes
    past the 2 hours, counted against security; the dispatch clock runs from intake."""
    app = make_app("en")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2", "shift+tab")  # back from the unit box to the channel
        await pilot.press("3", "enter")  # forwarded
        await pilot.press("2", "enter")  # from security (协管部)
        await pilot.press(*"07:30", "enter")  # when security received it
        await pilot.press(*"5-1-601", "enter", "enter", "enter", "enter", *"noi", "enter",
                          "enter", "enter")
        await type_text(pilot, "Dog barking all night")
        await pilot.press("ctrl+s")
        await pilot.pause()
        ticket = newest()
        assert (ticket.channel, ticket.forwarded_from) == ("forwarded", "security")
        handover = Deadline.get((Deadline.clock == "handover") & (Deadline.item_id == ticket.id))
        assert handover.department == "security"
        assert handover.due_at.astimezone(Z) == at(2026, 10, 9, 9, 30)
        assert handover.stopped_at.astimezone(Z) == at(2026, 10, 9, 10, 0)

        await open_in_queue(pilot, ticket.number)
        await pilot.press("d", "1", "2")  # engineering and security: coordinated
        assert await confirm(pilot) == ""
        assert Ticket.get_by_id(ticket.id).coordinated
        assert t("ui.dispatch.coordinated", lang="en") in screen_text(app)
        assert clocks(Ticket.get_by_id(ticket.id))["dispatch"][1] is False
        await complaint_to_close_out(pilot, ticket)


async def test_refusals_show_in_place_and_change_nothing(make_app) -> None:  # noqa: ANN001
    app = make_app("zh")
    async with app.run_test(size=SIZE) as pilot:
        # Intake without a category judgement: a complaint needs its text.
        await pilot.press("f2", *"3-1-502", "enter", "ctrl+s")
        await pilot.pause()
        before = Ticket.select().count()
        assert t("intake.text") in str(app.screen.query_one("#hint").render())
        assert isinstance(app.screen.focused, TextArea)  # the cursor goes to the problem
        assert Ticket.select().count() == before

        ticket = Ticket.get(Ticket.number == "K-000616")  # a new repair in the demo
        await open_in_queue(pilot, ticket.number)
        await pilot.press("d")
        await confirm(pilot)
        events = AuditEvent.select().count()
        await pilot.press("c")
        app.screen.query_one("#f-completed_at").value = "25:99"
        error = await confirm(pilot)
        assert error == t("ui.act.bad_time", text="25:99")
        await pilot.press("escape")  # something was typed: asks first
        assert isinstance(app.screen, ActionDialog)
        await pilot.press("escape")
        assert isinstance(app.screen, DispatchScreen)
        await pilot.press("c")
        error = await confirm(pilot)  # a repair needs its work order first (KF-011)
        assert error == t("complete.no_work_order", number=ticket.number)
        await pilot.press("escape")
        assert AuditEvent.select().count() == events
        assert Ticket.get_by_id(ticket.id).state == "dispatched"


@pytest.mark.parametrize("role_login", ["clerk", "super"])
async def test_the_footer_offers_only_the_steps_a_ticket_allows(make_app, role_login) -> None:  # noqa: ANN001
    from kfdesk.models import Staff

    app = make_app("zh")
    async with app.run_test(size=SIZE) as pilot:
        app.session.staff = Staff.get(Staff.login == role_login)
        await open_in_queue(pilot, "K-000616")  # new repair
        footer = screen_text(app).splitlines()[-1]
        assert t("ui.key.dispatch") in footer and t("ui.key.close_out") not in footer
        assert (t("ui.key.reassign") in footer) is (role_login == "super")


async def test_esc_on_the_form_keeps_what_was_typed(make_app) -> None:  # noqa: ANN001
    """UX.md: Esc backs out without dropping typed input; Ctrl+N clears, asking first."""
    app = make_app("zh")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2", *"3-1-502", "enter")
        await pilot.pause()
        await pilot.press("escape")
        assert app.screen.query_one("#today", FitTable).has_focus
        assert app.screen.query_one("#lookup #query").value == "3-1-502"
        await pilot.press("escape", "ctrl+n")
        assert app.screen.query_one("#lookup #query").value == "3-1-502"  # asked first
        await pilot.press("ctrl+n")
        assert app.screen.query_one("#lookup #query").value == ""


async def test_a_defect_complaint_is_arranged_on_f3_and_its_clock_stops(make_app) -> None:  # noqa: ANN001
    """KF-009 §3.1.4 (RULES v2): the demo's defect complaint waits on engineering's arrangement
    (overdue at the demo's now); ``a`` records it — a refusal in place first — and opens the
    rework order; ``w`` is not offered before it."""
    app = make_app("zh")
    async with app.run_test(size=SIZE) as pilot:
        ticket = Ticket.get(Ticket.defect_of.is_null(False) & (Ticket.state == "dispatched"))
        assert clocks(ticket)["defect_arrange"][1] is True
        await open_in_queue(pilot, ticket.number)
        footer = screen_text(app)
        assert t("ui.key.arrange") in footer
        await pilot.press("a", *"chen", "enter", *"wang", "enter", *"14:00", "enter",
                          *"13:00")
        assert await confirm(pilot) == t("arrange.callback_before_rework")
        assert Ticket.get_by_id(ticket.id).arranged_at is None
        await pilot.press(*["backspace"] * 5, *"16:00")
        assert await confirm(pilot) == ""
        arranged = Ticket.get_by_id(ticket.id)
        assert (arranged.state, arranged.arranged_by) == ("in_progress", "chen")
        assert arranged.rework_at.astimezone(Z) == at(2026, 10, 9, 14, 0)
        assert clocks(arranged)["defect_arrange"][1] is False
        order = WorkOrder.get(WorkOrder.ticket == arranged)
        assert order.technician == "wang" and order.rework_of is not None


async def test_an_explained_invalid_complaint_goes_to_f4_not_to_close_out(make_app) -> None:  # noqa: ANN001
    """KF-010 §4.5 (RULES v2): explaining an invalid complaint on F3 starts its callback; the
    queue offers the callback result (v), not the close-out (x), and F4 lists it."""
    from kfdesk import views
    from kfdesk.desk import tickets as tk

    app = make_app("zh")
    async with app.run_test(size=SIZE) as pilot:
        s = app.session
        number = tk.take_ticket(tk.IntakeForm(kind="complaint", category="parking",
                                              validity="invalid_other", text="市政道路乱停车",
                                              unit_code="3-1-502"),
                                s.staff, s.clock, s.settings).number
        await open_in_queue(pilot, number)
        assert t("ui.key.close_out") not in screen_text(app)
        await pilot.press("e")
        await type_text(pilot, "市政道路不归物业管理，已告知交警电话")
        assert await confirm(pilot) == ""
        ticket = Ticket.get(Ticket.number == number)
        assert ticket.state == "callback"
        assert clocks(ticket)["complaint_callback"][1] is True
        assert number in [r.ticket for r in views.callbacks_due(Z)]
        await pilot.pause()
        footer = screen_text(app)
        assert t("ui.key.verdict") in footer and t("ui.key.close_out") not in footer
