"""Entering the office's calendar corrections (RULES §8): quick to type, recomputes deadlines."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kfdesk.config import default_settings
from kfdesk.desk.base import DeskError
from kfdesk.desk.calendar import apply_notice, list_overrides, parse_notice, remove_override
from kfdesk.desk.staff import create_staff
from kfdesk.models import AuditEvent, Callback, Deadline, WorkOrder
from kfdesk.rules import RuleContext
from kfdesk.rules.sync import sync_callback

SH = ZoneInfo("Asia/Shanghai")
NOTICE_2027 = """
# 国务院办公厅关于2027年部分节假日安排的通知（示例）
2027-01-01 holiday 元旦
2027-02-06..2027-02-12 holiday 春节
2027-02-14 workday 调休
2027-10-01～2027-10-07 放假 国庆节
"""


def test_parse_notice_lines_and_ranges() -> None:
    lines = parse_notice(NOTICE_2027)
    assert len(lines) == 1 + 7 + 1 + 7
    assert lines[1].day == date(2027, 2, 6) and lines[1].kind == "holiday"
    assert lines[1].note == "春节"
    assert lines[8].day == date(2027, 2, 14) and lines[8].kind == "workday"
    assert lines[-1].day == date(2027, 10, 7) and lines[-1].kind == "holiday"


@pytest.mark.parametrize(("text", "key"), [
    ("2027-13-01 holiday x", "calendar.bad_line"),
    ("tomorrow holiday", "calendar.bad_line"),
    ("2027-01-01 sometimes", "calendar.bad_kind"),
    ("2027-02-12..2027-02-06 holiday", "calendar.bad_range"),
    ("2027-01-01 holiday\n2027-01-01 workday", "calendar.twice"),
])
def test_bad_notice_lines_name_the_line(text: str, key: str) -> None:
    with pytest.raises(DeskError) as err:
        parse_notice(text)
    assert err.value.key == key
    assert "line" in err.value.params


@pytest.fixture
def people(store: Path, clock):
    return (create_staff("super", "陈静", "supervisor", "345678", clock),
            create_staff("clerk", "张敏", "clerk", "1234", clock))


def _callback(clerk) -> Callback:
    order = WorkOrder.create(number="W-1", opened_at=datetime(2026, 10, 8, 9, tzinfo=SH),
                             returned_at=datetime(2026, 10, 8, 15, tzinfo=SH))
    cb = Callback.create(kind="repair", work_order=order, owner=clerk,
                         clock_started_at=order.returned_at)
    sync_callback(cb, RuleContext.from_store())
    return cb


def test_a_correction_recomputes_open_working_day_deadlines(people, clock) -> None:
    supervisor, clerk = people
    _callback(clerk)
    row = Deadline.get(Deadline.clock == "repair_callback")
    assert row.due_at == datetime(2026, 10, 12, 17, 30, tzinfo=SH)  # 9, 10 (Sat), 12
    apply_notice(parse_notice("2026-10-12 holiday 台风停工"), supervisor, clock,
                 default_settings())
    row = Deadline.get(Deadline.clock == "repair_callback")
    assert row.due_at == datetime(2026, 10, 13, 17, 30, tzinfo=SH)
    remove_override(date(2026, 10, 12), supervisor, clock, default_settings())
    assert Deadline.get(Deadline.clock == "repair_callback").due_at == datetime(
        2026, 10, 12, 17, 30, tzinfo=SH)
    assert AuditEvent.select().where(AuditEvent.action.startswith("calendar.")).count() == 2
    assert list_overrides() == []


def test_a_fully_entered_year_is_no_longer_provisional(people, clock) -> None:
    supervisor, _ = people
    ctx = RuleContext.from_store()
    assert ctx.calendar.is_provisional(date(2027, 3, 1))
    apply_notice(parse_notice(NOTICE_2027), supervisor, clock, default_settings(),
                 complete_year=2027)
    ctx = RuleContext.from_store()
    assert not ctx.calendar.is_provisional(date(2027, 3, 1))
    assert not ctx.calendar.is_working_day(date(2027, 2, 8))
    assert ctx.calendar.is_working_day(date(2027, 2, 14))  # a Sunday make-up day


def test_only_supervisors_edit_the_calendar(people, clock) -> None:
    _, clerk = people
    with pytest.raises(DeskError) as err:
        apply_notice(parse_notice("2026-10-12 holiday x"), clerk, clock, default_settings())
    assert err.value.key == "auth.not_allowed"
    assert list_overrides() == []
