"""Fault notices (故障通知单, KF-013): receive, classify at 17:30, collection, work order,
completion, close-out, and the printable day sheet per department."""

from __future__ import annotations

import json
import unicodedata
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kfdesk.clock import FixedClock
from kfdesk.config import default_settings
from kfdesk.desk.base import DeskError
from kfdesk.desk.fault_notices import (
    NoticeEntry,
    classification_preview,
    classify_day,
    close_out,
    collect_notices,
    day_sheet,
    export_day_sheet,
    open_work_order,
    parse_when,
    receive_notice,
    receive_notices,
    record_completion,
    sheet_day,
)
from kfdesk.desk.staff import create_staff
from kfdesk.i18n import t
from kfdesk.models import AuditEvent, Building, Deadline, FaultNotice, Group, Unit, WorkOrder
from kfdesk.rules import RuleContext, evaluate
from kfdesk.views import fault_notices as fviews

SH = ZoneInfo("Asia/Shanghai")
SETTINGS = default_settings()


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


@pytest.fixture
def people(store: Path, clock: FixedClock):
    clerk = create_staff("clerk", "张敏", "clerk", "1234", clock)
    guard = create_staff("guard", "赵强", "security", "5678", clock, department="security")
    group = Group.create(code="E", name="东区")
    building = Building.create(group=group, number="3", name="3栋", floors=18)
    Unit.create(building=building, entrance=1, floor=5, room="502", code="3-1-502",
                area_centi_m2=8912)
    return clerk, guard


def entry(**changes: object) -> NoticeEntry:
    values: dict = {
        "found_by": "黄志勇", "found_by_department": "security",
        "found_at": at(2026, 10, 9, 8, 40), "location": "3号楼1单元5楼楼道",
        "description": "楼道灯不亮", "department": "engineering",
    }
    values.update(changes)
    return NoticeEntry(**values)


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.select().where(AuditEvent.action == action).order_by(AuditEvent.id))


def collect_clock(notice: FaultNotice) -> Deadline:
    return Deadline.get((Deadline.item_kind == "fault_notice") & (Deadline.item_id == notice.id)
                        & (Deadline.clock == "fault_collect"))


def test_batch_receive_signs_each_as_received_by_the_actor(people, clock) -> None:
    """KF-013 §4.2: the desk signs as receiver of every notice handed in."""
    clerk, _ = people
    notices = receive_notices([
        entry(),
        entry(found_by="马秀英", found_by_department="cleaning", location="中心花园",
              description="景观灯不亮", unit="31502", department="engineering"),
        entry(description="垃圾桶破损", department="cleaning", location="东门"),
    ], clerk, clock, SETTINGS)
    assert [n.number for n in notices] == ["G-000001", "G-000002", "G-000003"]
    for n in FaultNotice.select():
        assert n.received_by_id == clerk.id
        assert n.received_at == clock.now()
        assert n.classified_at is None
    assert FaultNotice.get(FaultNotice.number == "G-000002").unit.code == "3-1-502"
    received = events("fault.receive")
    assert [e.record_id for e in received] == [n.id for n in notices]
    assert all(e.actor_id == clerk.id for e in received)
    assert json.loads(received[1].detail)["found_by"] == "马秀英"
    # Not classified yet: no collection clock runs (KF-013 §4.4 starts at classification);
    # each runs its sorting clock instead (KF-013 §4.2–4.3, RULES v2).
    assert sorted(d.clock for d in Deadline.select().where(
        Deadline.item_kind == "fault_notice")) == ["fault_sort"] * 3
    # The next one continues the series; the time may come as typed at the counter.
    fourth = receive_notice(entry(found_at="９：１５"), clerk, clock, SETTINGS)
    assert fourth.number == "G-000004"
    assert FaultNotice.get_by_id(fourth.id).found_at == at(2026, 10, 9, 9, 15)


@pytest.mark.parametrize(("changes", "key", "field"), [
    ({"found_by": "  "}, "fault.found_by_needed", "found_by"),
    ({"found_by_department": "engineering"}, "fault.bad_finder_department",
     "found_by_department"),
    ({"found_at": at(2026, 10, 9, 10, 5)}, "fault.found_in_future", "found_at"),
    ({"location": ""}, "fault.location_needed", "location"),
    ({"description": ""}, "fault.description_needed", "description"),
    ({"department": "developer"}, "fault.bad_department", "department"),
    ({"unit": "9-9-909"}, "fault.unknown_unit", "unit"),
    ({"found_at": "9.30pm"}, "fault.bad_time", "found_at"),
])
def test_a_bad_notice_refuses_the_whole_batch(people, clock, changes, key, field) -> None:
    clerk, _ = people
    with pytest.raises(DeskError) as err:
        receive_notices([entry(), entry(**changes)], clerk, clock, SETTINGS)
    assert (err.value.key, err.value.field, err.value.params["entry"]) == (key, field, 2)
    assert FaultNotice.select().count() == 0
    assert AuditEvent.select().where(AuditEvent.action.startswith("fault.")).count() == 0


def test_classification_refused_before_1730(people, clock) -> None:
    """KF-013 §4.2–4.3: notices come in until 17:30; classification happens then."""
    clerk, _ = people
    receive_notices([entry()], clerk, clock, SETTINGS)
    clock.set(at(2026, 10, 9, 17, 29))
    for call in (classification_preview, classify_day):
        with pytest.raises(DeskError) as err:
            call(clerk, clock, SETTINGS)
        assert err.value.key == "fault.classify_too_early"
        assert "17:30" in err.value.message("zh") and "17:29" in err.value.message("zh")
    assert FaultNotice.get().classified_at is None
    assert not events("fault.classify")


def test_classify_groups_by_department_and_starts_the_collect_clock(people, clock) -> None:
    """KF-013 §4.3–4.4: Friday 2026-10-09 17:30 → collected by Saturday 2026-10-10 09:00
    (the next calendar morning, RULES v2)."""
    clerk, _ = people
    receive_notices([entry(), entry(department="cleaning", description="垃圾桶破损"),
                     entry(description="单元门闭门器漏油")], clerk, clock, SETTINGS)
    clock.set(at(2026, 10, 9, 17, 30))
    preview = classification_preview(clerk, clock, SETTINGS)
    assert preview == {"engineering": ["G-000001", "G-000003"], "cleaning": ["G-000002"]}
    assert FaultNotice.select().where(FaultNotice.classified_at.is_null(False)).count() == 0

    grouped = classify_day(clerk, clock, SETTINGS)
    assert grouped == preview
    assert list(grouped) == ["engineering", "cleaning"]  # DEPARTMENTS order
    for n in FaultNotice.select():
        assert n.classified_at == at(2026, 10, 9, 17, 30)
        row = collect_clock(n)
        assert row.started_at == at(2026, 10, 9, 17, 30)
        assert row.due_at == at(2026, 10, 10, 9, 0)
        assert row.stopped_at is None
        assert row.department == n.department
    assert len(events("fault.classify")) == 3
    with pytest.raises(DeskError) as err:
        classify_day(clerk, clock, SETTINGS)
    assert err.value.key == "fault.nothing_to_classify"


def test_collect_clock_over_a_weekend(people) -> None:
    """KF-013 §4.4 (RULES v2, every morning): classified Saturday 10-10 → due Sunday 10-11
    09:00, not the next working day (v1 said Monday 10-12)."""
    clerk, _ = people
    clock = FixedClock(at(2026, 10, 10, 16, 0))
    receive_notices([entry(found_at=at(2026, 10, 10, 15, 0))], clerk, clock, SETTINGS)
    clock.set(at(2026, 10, 10, 17, 45))
    classify_day(clerk, clock, SETTINGS)
    assert collect_clock(FaultNotice.get()).due_at == at(2026, 10, 11, 9, 0)


def test_collection_stops_the_clock_and_is_overdue_without_it(people, clock) -> None:
    clerk, _ = people
    receive_notices([entry(), entry(department="cleaning")], clerk, clock, SETTINGS)
    clock.set(at(2026, 10, 9, 17, 30))
    classify_day(clerk, clock, SETTINGS)

    late = at(2026, 10, 10, 9, 20)
    alerts = evaluate(late, RuleContext.from_store(SETTINGS))
    overdue = {a.item_ref for a in alerts if a.clock == "fault_collect" and a.state == "overdue"}
    assert overdue == {"G-000001", "G-000002"}

    clock.set(at(2026, 10, 10, 8, 35))
    with pytest.raises(DeskError) as err:
        collect_notices("engineering", "  ", clerk, clock, SETTINGS)
    assert err.value.field == "collected_by"
    assert collect_notices("engineering", "钱德明", clerk, clock, SETTINGS) == ["G-000001"]
    eng = FaultNotice.get(FaultNotice.number == "G-000001")
    assert eng.collected_at == at(2026, 10, 10, 8, 35) and eng.collected_by == "钱德明"
    assert collect_clock(eng).stopped_at == at(2026, 10, 10, 8, 35)
    assert collect_clock(FaultNotice.get(FaultNotice.number == "G-000002")).stopped_at is None
    alerts = evaluate(late, RuleContext.from_store(SETTINGS))
    assert {a.item_ref for a in alerts if a.clock == "fault_collect"} == {"G-000002"}
    (event,) = events("fault.collect")
    assert event.actor_id == clerk.id and json.loads(event.detail)["collected_by"] == "钱德明"

    with pytest.raises(DeskError) as err:
        collect_notices("engineering", "钱德明", clerk, clock, SETTINGS)
    assert err.value.key == "fault.nothing_to_collect"
    assert "工程维修部" in err.value.message("zh")


def _collected(clerk, clock, n: int = 1) -> list[str]:
    receive_notices([entry() for _ in range(n)], clerk, clock, SETTINGS)
    clock.set(at(2026, 10, 9, 17, 30))
    classify_day(clerk, clock, SETTINGS)
    clock.set(at(2026, 10, 10, 8, 40))
    return collect_notices("engineering", "钱德明", clerk, clock, SETTINGS)


def test_work_order_numbering_shares_the_w_series(people, clock) -> None:
    """KF-013 §4.5: one work order per notice, numbered in the W- series of ticket orders."""
    clerk, _ = people
    WorkOrder.create(number="W-000041", opened_at=at(2026, 10, 8, 9, 0))  # a ticket's order
    receive_notices([entry()], clerk, clock, SETTINGS)
    with pytest.raises(DeskError) as err:
        open_work_order("G-000001", "孙建国", clerk, clock, SETTINGS)
    assert err.value.key == "fault.not_collected"  # collected first (KF-013 §4.4)

    clock.set(at(2026, 10, 9, 17, 30))
    classify_day(clerk, clock, SETTINGS)
    clock.set(at(2026, 10, 10, 8, 40))
    collect_notices("engineering", "钱德明", clerk, clock, SETTINGS)
    receive_notices([entry()], clerk, clock, SETTINGS)

    with pytest.raises(DeskError) as err:
        open_work_order("G-000001", "", clerk, clock, SETTINGS)
    assert err.value.field == "technician"
    order = open_work_order("g-000001", "孙建国", clerk, clock, SETTINGS)
    assert order.number == "W-000042"
    assert order.fault_notice.number == "G-000001"
    assert (order.department, order.technician, order.in_home) == ("engineering", "孙建国", False)
    assert order.opened_at == at(2026, 10, 10, 8, 40)
    with pytest.raises(DeskError) as err:
        open_work_order("G-000001", "吴海涛", clerk, clock, SETTINGS)
    assert err.value.key == "fault.has_work_order"
    assert WorkOrder.select().count() == 2
    (event,) = events("fault.work_order")
    assert json.loads(event.detail)["work_order"] == "W-000042"
    assert fviews.find_notice("G-000001", SH).state == "work_order"


def test_completion_before_close_out(people, clock) -> None:
    """KF-013 §4.6: close out only once the completion time is on the notice."""
    clerk, _ = people
    (number,) = _collected(clerk, clock)
    open_work_order(number, "孙建国", clerk, clock, SETTINGS)

    with pytest.raises(DeskError) as err:
        close_out(number, clerk, clock, SETTINGS)
    assert err.value.key == "fault.close_needs_completion"
    assert number in err.value.message("zh")
    notice = FaultNotice.get(FaultNotice.number == number)
    assert notice.closed_at is None
    assert WorkOrder.get().returned_at is None
    assert not events("fault.close")

    with pytest.raises(DeskError) as err:
        record_completion(number, at(2026, 10, 10, 9, 0), clerk, clock, SETTINGS)
    assert err.value.key == "fault.completed_in_future"
    with pytest.raises(DeskError) as err:
        record_completion(number, at(2026, 10, 8, 9, 0), clerk, clock, SETTINGS)
    assert err.value.key == "fault.completed_before_found"

    done = at(2026, 10, 10, 8, 10)
    clock.set(at(2026, 10, 10, 11, 0))
    record_completion(number, done, clerk, clock, SETTINGS)
    assert FaultNotice.get(FaultNotice.number == number).completed_at == done
    assert WorkOrder.get().completed_at == done
    assert fviews.find_notice(number, SH).state == "completed"

    close_out(number, clerk, clock, SETTINGS)
    notice = FaultNotice.get(FaultNotice.number == number)
    assert notice.closed_at == at(2026, 10, 10, 11, 0)
    assert WorkOrder.get().returned_at == at(2026, 10, 10, 11, 0)
    assert fviews.find_notice(number, SH).state == "closed"
    assert [e.actor_id for e in events("fault.close")] == [clerk.id]
    for call in (lambda: close_out(number, clerk, clock, SETTINGS),
                 lambda: record_completion(number, done, clerk, clock, SETTINGS),
                 lambda: open_work_order(number, "孙建国", clerk, clock, SETTINGS)):
        with pytest.raises(DeskError) as err:
            call()
        assert err.value.key == "fault.closed"


def test_security_is_read_only(people, clock) -> None:
    clerk, guard = people
    (number,) = _collected(clerk, clock)
    calls = [
        lambda: receive_notices([entry()], guard, clock, SETTINGS),
        lambda: classify_day(guard, clock, SETTINGS),
        lambda: collect_notices("engineering", "钱德明", guard, clock, SETTINGS),
        lambda: open_work_order(number, "孙建国", guard, clock, SETTINGS),
        lambda: record_completion(number, at(2026, 10, 10, 8, 0), guard, clock, SETTINGS),
        lambda: close_out(number, guard, clock, SETTINGS),
        lambda: export_day_sheet(date(2026, 10, 9), "engineering", Path("/nonexistent"),
                                 guard, clock, SETTINGS),
    ]
    before = AuditEvent.select().count()
    for call in calls:
        with pytest.raises(DeskError) as err:
            call()
        assert err.value.key == "auth.not_allowed"
        assert t("role.security") in err.value.message("zh")
    assert AuditEvent.select().count() == before
    assert FaultNotice.select().count() == 1 and WorkOrder.select().count() == 0


def test_day_sheet_per_department(people, clock, tmp_path: Path) -> None:
    clerk, _ = people
    receive_notices([
        entry(found_at=at(2026, 10, 9, 8, 15)),
        entry(found_by="马秀英", found_by_department="cleaning", location="3号楼大堂",
              unit="3-1-502", found_at=at(2026, 10, 9, 9, 5),
              description="电梯厅吊顶松脱，有掉落危险，已拉警戒线" * 3),
        entry(department="cleaning", location="东门", description="垃圾桶破损"),
    ], clerk, clock, SETTINGS)
    clock.set(at(2026, 10, 9, 17, 35))
    classify_day(clerk, clock, SETTINGS)

    sheet = day_sheet(date(2026, 10, 9), "engineering", SETTINGS, "zh")
    assert "故障通知单日报 · 2026-10-09 · 工程维修部" in sheet
    assert "共 2 张" in sheet
    assert "G-000001" in sheet and "G-000002" in sheet and "G-000003" not in sheet
    assert "08:15" in sheet and "09:05" in sheet
    assert "黄志勇（协管部）" in sheet and "马秀英（清洁绿化部）" in sheet
    assert "3号楼大堂 3-1-502" in sheet and "楼道灯不亮" in sheet
    assert "前台签收（客户服务中心）：张敏" in sheet and "2026-10-09 17:35" in sheet
    assert "工程维修部领取签收：________" in sheet
    # The long description wraps; every line fits the sheet, measured in cells (a Chinese
    # character takes two).
    def cells(line: str) -> int:
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)

    assert max(cells(line) for line in sheet.splitlines()) <= 100
    assert "电梯厅吊顶松脱" in sheet.split("G-000002")[1]

    clock.set(at(2026, 10, 10, 8, 30))
    collect_notices("engineering", "钱德明", clerk, clock, SETTINGS)
    assert sheet_day(clock.now(), SETTINGS) == date(2026, 10, 9)
    english = day_sheet(date(2026, 10, 9), "engineering", SETTINGS, "en")
    assert "Fault notices · 2026-10-09 · Engineering" in english
    assert "Collected by Engineering: 钱德明" in english and "2026-10-10 08:30" in english

    path = export_day_sheet(date(2026, 10, 9), "cleaning", tmp_path / "sheets", clerk, clock,
                            SETTINGS, "zh")
    assert path == tmp_path / "sheets" / "fault-notices-2026-10-09-cleaning.txt"
    text = path.read_text(encoding="utf-8")
    assert "清洁绿化部" in text and "G-000003" in text and "G-000001" not in text
    (event,) = events("fault.sheet")
    assert event.actor_id == clerk.id
    assert json.loads(event.detail) == {
        "day": "2026-10-09", "department": "cleaning", "path": str(path),
        "notices": ["G-000003"]}
    with pytest.raises(DeskError) as err:
        export_day_sheet(date(2026, 10, 9), "parking", tmp_path, clerk, clock, SETTINGS)
    assert err.value.key == "fault.sheet_empty"


@pytest.mark.parametrize(("text", "expected"), [
    ("09:30", at(2026, 10, 9, 9, 30)),
    ("0930", at(2026, 10, 9, 9, 30)),
    ("０９：３０", at(2026, 10, 9, 9, 30)),
    ("10-08 16:10", at(2026, 10, 8, 16, 10)),
    ("2026-10-08 16:10", at(2026, 10, 8, 16, 10)),
])
def test_parse_when(clock, text: str, expected: datetime) -> None:
    assert parse_when(text, clock.now(), SH, "found_at") == expected


@pytest.mark.parametrize("text", ["", "9.30pm", "25:00", "10-32 09:00"])
def test_parse_when_refuses(clock, text: str) -> None:
    with pytest.raises(DeskError) as err:
        parse_when(text, clock.now(), SH, "found_at")
    assert err.value.field == "found_at"
