"""Two counters on one ticket (issue 9): the second to confirm a step on the version it was
shown is refused with who changed the ticket and when, in the clerk's language, and nothing
of its step is written — never a silent overwrite.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from kfdesk.clock import FixedClock
from kfdesk.config import default_settings
from kfdesk.desk import tickets as tk
from kfdesk.desk.base import DeskError
from kfdesk.models import AuditEvent, Dispatch, Hold, Ticket, TicketLog, WorkOrder

SH = ZoneInfo("Asia/Shanghai")
SETTINGS = default_settings()


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


def taken(office: dict, **fields: object) -> str:
    base = {"channel": "phone", "kind": "repair", "category": "water", "text": "厨房漏水",
            "unit_code": "3-1-502", "repair_class": "normal"}
    form = tk.IntakeForm(**{**base, **fields})
    return tk.take_ticket(form, office["clerk"], FixedClock(at(2026, 10, 9, 9, 0)),
                          SETTINGS).number


def version(number: str) -> int:
    return Ticket.get(Ticket.number == number).version


def snapshot() -> tuple:
    """What the refused step must leave as it was."""
    return ([(x.number, x.state, x.version, x.escalation, x.owner_id) for x in Ticket.select()],
            Dispatch.select().count(), WorkOrder.select().count(), Hold.select().count(),
            TicketLog.select().count(), AuditEvent.select().count())


def test_the_second_clerk_is_told_who_changed_it_and_when(office: dict) -> None:
    number = taken(office)
    shown = version(number)  # both counters show the ticket at this version
    # 李娜 at the second counter dispatches it at 10:05 …
    tk.dispatch_ticket(number, ["engineering"], office["clerk2"],
                       FixedClock(at(2026, 10, 9, 10, 5)), SETTINGS, version=shown)
    before = snapshot()
    # … and 张敏, still looking at the old version, sends it to security at 10:07.
    with pytest.raises(tk.TicketChanged) as err:
        tk.dispatch_ticket(number, ["security"], office["clerk"],
                           FixedClock(at(2026, 10, 9, 10, 7)), SETTINGS, version=shown)
    assert isinstance(err.value, DeskError)  # the screens' one way of showing a refusal
    assert snapshot() == before  # nothing of 张敏's step was written
    assert [d.department for d in Dispatch.select()] == ["engineering"]
    zh, en = err.value.message("zh"), err.value.message("en")
    assert zh == f"登记单 {number} 已被 李娜 于 2026-10-09 10:05 修改（派单），请刷新后再操作。"
    assert en == (f"Ticket {number} was changed by 李娜 at 2026-10-09 10:05 (dispatched); "
                  "reload it and try again.")


def test_the_time_is_the_office_time_of_the_last_change(office: dict) -> None:
    """The newest line of the history names the change, in the office zone (stored UTC)."""
    number = taken(office)
    shown = version(number)
    tk.hold(number, "住户出差", office["clerk2"], FixedClock(at(2026, 10, 9, 23, 30)))
    tk.resume(number, office["super"], FixedClock(at(2026, 10, 10, 0, 15)))
    with pytest.raises(tk.TicketChanged) as err:
        tk.hold(number, "再等等", office["clerk"], FixedClock(at(2026, 10, 10, 0, 20)),
                version=shown, settings=SETTINGS)
    message = err.value.message("en")
    assert "陈静" in message and "2026-10-10 00:15" in message and "(resumed)" in message


def test_after_reloading_the_same_step_goes_through(office: dict) -> None:
    number = taken(office)
    shown = version(number)
    c = FixedClock(at(2026, 10, 9, 10, 0))
    tk.hold(number, "住户不在家", office["clerk2"], c, version=shown, settings=SETTINGS)
    with pytest.raises(tk.TicketChanged):
        tk.dispatch_ticket(number, ["engineering"], office["clerk"], c, SETTINGS,
                           version=shown)
    tk.dispatch_ticket(number, ["engineering"], office["clerk"], c, SETTINGS,
                       version=version(number))
    assert Ticket.get(Ticket.number == number).state == "dispatched"


def _steps(office: dict, number: str, c: FixedClock) -> dict[str, Callable[[int], object]]:
    clerk, sup = office["clerk"], office["super"]
    return {
        "dispatch": lambda v: tk.dispatch_ticket(number, ["security"], clerk, c, SETTINGS,
                                                 version=v),
        "work_order": lambda v: tk.open_work_order(number, "李师傅", clerk, c, SETTINGS,
                                                   version=v),
        "complete": lambda v: tk.record_completion(number, c.now(), "已修好", clerk, c,
                                                   SETTINGS, version=v),
        "escalate": lambda v: tk.escalate(number, "很急", clerk, c, SETTINGS, version=v),
        "reassign": lambda v: tk.reassign(number, "clerk2", "休假", sup, c, SETTINGS,
                                          version=v),
        "hold": lambda v: tk.hold(number, "等住户", clerk, c, version=v, settings=SETTINGS),
        "close_out": lambda v: tk.close_out(number, "已答复", clerk, c, SETTINGS, version=v),
    }


@pytest.mark.parametrize("step", ["dispatch", "work_order", "complete", "escalate",
                                  "reassign", "hold", "close_out"])
def test_every_step_checks_the_version_before_anything_else(office: dict, step: str) -> None:
    """Whatever the step, a stale version is the refusal — before the step's own checks
    (which would otherwise talk about a ticket the clerk is not looking at)."""
    number = taken(office, kind="complaint", category="noise", repair_class=None,
                   validity="valid")
    c = FixedClock(at(2026, 10, 9, 10, 30))
    shown = version(number)
    tk.dispatch_ticket(number, ["engineering"], office["clerk2"], c, SETTINGS, version=shown)
    before = snapshot()
    with pytest.raises(tk.TicketChanged) as err:
        _steps(office, number, c)[step](shown)
    assert err.value.key == "conflict.ticket_changed"
    assert "李娜" in err.value.message() and "10:30" in err.value.message()
    assert snapshot() == before


def test_without_a_version_there_is_no_check(office: dict) -> None:
    """Scripts and the demo builder act on the ticket as it is; only screens pass one."""
    number = taken(office)
    c = FixedClock(at(2026, 10, 9, 10, 0))
    tk.hold(number, "住户不在家", office["clerk2"], c)
    tk.resume(number, office["clerk2"], c)
    tk.dispatch_ticket(number, ["engineering"], office["clerk"], c, SETTINGS)
    assert version(number) > 1

