"""F9 fault notices (KF-013) driven by real keystrokes on a copy of the demo community.

The whole paper flow by keyboard: batch entry (§4.2), classification at 17:30 (§4.3), the
department's collection (§4.4), work order (§4.5), completion time and close-out (§4.6),
the day sheet; and the refusals a clerk must read in place (too early, close-out without a
completion time, a read-only role). Expectations are read through the views on the same store.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from helpers import appears, column_texts, screen_text, table_rows
from kfdesk_screens.fault_notices import (
    FaultConfirm,
    FaultForm,
    FaultNoticeScreen,
    FaultNoticesScreen,
)
from kfdesk_screens.help import HelpScreen
from kfdesk_screens.widgets.table import FitTable

from kfdesk.i18n import t
from kfdesk.models import AuditEvent, Deadline, FaultNotice, Staff, WorkOrder
from kfdesk.views import fault_notices as fviews

Z = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 10, 9)
LANGS = pytest.mark.parametrize("lang", ["zh", "en"])


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=Z)


def message(app) -> str:  # noqa: ANN001 - the app
    return str(app.screen.query_one("#fn-message").render())


def table(app) -> FitTable:  # noqa: ANN001
    return app.screen.query_one("#notices", FitTable)


def state_of(app, number: str) -> str:  # noqa: ANN001
    for row in table_rows(table(app)):
        if row[0] == number:
            return row[table(app).get_column_index("state")]
    raise AssertionError(f"{number} not in the list")


async def type_in(pilot, text: str) -> None:  # noqa: ANN001 - Pilot
    await pilot.press(*text)




@LANGS
async def test_f9_lists_todays_and_open_notices(make_app, lang: str) -> None:  # noqa: ANN001
    app = make_app(lang)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f9")
        await pilot.pause()
        assert isinstance(app.screen, FaultNoticesScreen)
        expected = fviews.desk_notices(TODAY, Z)
        assert expected, "the demo has fault notices"
        shown = column_texts(table(app), 0)
        assert sorted(shown) == sorted(r.number for r in expected)
        text = screen_text(app)
        assert t("ui.title.faults", lang=lang) in text
        for r in expected:
            assert t(f"fault.state.{r.state}", lang=lang) in text
        # The screen's keys (KF-013 steps), each a single letter, on the last lines: in the
        # footer, or repeated above it where the footer cuts them.
        footer = "\n".join(text.splitlines()[-2:])
        for key in ("batch", "classify", "collect", "work_order", "complete", "close_out",
                    "sheet"):
            assert t(f"ui.faults.key.{key}", lang=lang) in footer
        # Overdue first: yesterday's notices not collected by 09:00 today (KF-013 §4.4).
        await app.workers.wait_for_complete()  # the engine's first run (a worker thread)
        await pilot.pause()
        overdue = [r.number for r in expected
                   if (a := app.alerts_by_item.get(("fault_notice", r.id)))
                   and a.state == "overdue"]
        assert overdue
        assert column_texts(table(app), 0)[:len(overdue)] == overdue

        # An alert on a notice (F8, the alert bar) opens it here.
        alert = next(a for a in app.alert_list if a.item_kind == "fault_notice")
        await pilot.press("f2")
        await app.jump_to(alert)
        await pilot.pause()
        assert isinstance(app.screen, FaultNoticesScreen)
        assert table(app).selected_key() == alert.item_ref

        # Enter opens the notice's whole record.
        table(app).focus()
        number = column_texts(table(app), 0)[0]
        table(app).select_key(number)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, FaultNoticeScreen)
        assert await appears(pilot, app, number)
        assert "KF-013 §4.4" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()

        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert "KF-013 §4.4" in screen_text(app)


async def test_the_whole_flow_by_keyboard_in_chinese(make_app, clock) -> None:  # noqa: ANN001
    app = make_app("zh")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f9")
        await pilot.pause()
        before = set(column_texts(table(app), 0))

        # n: batch entry, two notices; Enter moves field to field, Ctrl+S saves each.
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, FaultForm)
        await type_in(pilot, "黄志勇")
        await pilot.press("enter", "enter")  # the finder's department stays 协管部
        await type_in(pilot, "09:20")
        await pilot.press("enter")
        await type_in(pilot, "5号楼2单元3楼楼道")
        await pilot.press("enter")
        await type_in(pilot, "52301")
        await pilot.press("enter")
        await type_in(pilot, "楼道窗户玻璃破裂")
        await pilot.press("enter", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, FaultForm)  # stays open for the next notice
        form = app.screen
        assert form.values()["found_by"] == "黄志勇"  # the finder is kept
        assert form.values()["location"] == "" and form.values()["found_at"] == ""
        assert app.focused.id == "f-found_at"
        await type_in(pilot, "09:45")
        await pilot.press("enter")
        await type_in(pilot, "东门")
        await pilot.press("enter", "enter")
        await type_in(pilot, "垃圾桶破损")
        # 责任部门 is a choice: → twice goes 工程维修部 → 协管部 → 清洁绿化部.
        await pilot.press("enter", "right", "right")
        assert app.screen.query_one("#f-department").value == "cleaning"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "本次 2 张" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, FaultNoticesScreen)
        assert "本次签收故障通知单 2 张" in message(app)

        new = sorted(set(column_texts(table(app), 0)) - before)
        assert len(new) == 2
        first, second = (FaultNotice.get(FaultNotice.number == n) for n in new)
        assert (first.found_by, first.unit.code, first.department) == ("黄志勇", "5-2-301",
                                                                        "engineering")
        assert first.found_at == at(2026, 10, 9, 9, 20)
        assert (second.found_by, second.department) == ("黄志勇", "cleaning")
        clerk = Staff.get(Staff.login == "clerk")
        assert {first.received_by_id, second.received_by_id} == {clerk.id}
        received = AuditEvent.select().where((AuditEvent.action == "fault.receive")
                                             & (AuditEvent.actor == clerk))
        assert received.count() == 2
        assert state_of(app, first.number) == "已签收"

        # k before 17:30: refused, in place, nothing changed (KF-013 §4.2–4.3).
        await pilot.press("k")
        await pilot.pause()
        assert isinstance(app.screen, FaultNoticesScreen)
        assert "还不能分类" in message(app) and "17:30" in message(app)
        assert FaultNotice.get_by_id(first.id).classified_at is None

        # k at 17:30: confirm the counts per department, then classify.
        clock.set(at(2026, 10, 9, 17, 30))
        await pilot.press("k")
        await pilot.pause()
        assert isinstance(app.screen, FaultConfirm)
        text = screen_text(app)
        assert "工程维修部" in text and "清洁绿化部 1 张" in text and first.number in text
        await pilot.press("enter")
        await pilot.pause()
        assert "已分类" in message(app)
        assert state_of(app, first.number) == "已分类"
        deadline = Deadline.get((Deadline.item_kind == "fault_notice")
                                & (Deadline.clock == "fault_collect")
                                & (Deadline.item_id == first.id))
        assert deadline.due_at == at(2026, 10, 10, 9, 0)  # the next morning (RULES v2)

        # w before the department collected it: said at once, no form (KF-013 §4.4).
        table(app).select_key(first.number)
        await pilot.press("w")
        await pilot.pause()
        assert isinstance(app.screen, FaultNoticesScreen)
        assert "还未由工程维修部领取签收" in message(app)

        # g the next morning: engineering collects and signs.
        clock.set(at(2026, 10, 10, 8, 30))
        table(app).select_key(first.number)
        await pilot.press("g")
        await pilot.pause()
        assert isinstance(app.screen, FaultForm)
        assert app.screen.query_one("#f-department").value == "engineering"
        assert app.focused.id == "f-collected_by"
        await type_in(pilot, "钱德明")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, FaultNoticesScreen)
        assert "钱德明" in message(app)
        assert FaultNotice.get_by_id(first.id).collected_by == "钱德明"
        assert Deadline.get_by_id(deadline.id).stopped_at == at(2026, 10, 10, 8, 30)
        assert state_of(app, first.number) == "已领取"

        # w: work order to a technician.
        table(app).select_key(first.number)
        await pilot.press("w")
        await pilot.pause()
        await type_in(pilot, "孙建国")
        await pilot.press("ctrl+s")
        await pilot.pause()
        order = WorkOrder.get(WorkOrder.fault_notice == first.id)
        assert order.number.startswith("W-") and order.technician == "孙建国"
        assert order.number in message(app)
        assert state_of(app, first.number) == "已派工"

        # x before the completion time: refused with the reason.
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, FaultNoticesScreen)
        assert "还没有记录完工时间" in message(app)
        assert FaultNotice.get_by_id(first.id).closed_at is None

        # c: the completion time the technician wrote.
        clock.set(at(2026, 10, 10, 11, 0))
        await pilot.press("c")
        await pilot.pause()
        await type_in(pilot, "10:40")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert FaultNotice.get_by_id(first.id).completed_at == at(2026, 10, 10, 10, 40)
        assert state_of(app, first.number) == "已完工"

        # x: confirm, close out.
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, FaultConfirm)
        await pilot.press("enter")
        await pilot.pause()
        assert "已消项" in message(app)
        closed = FaultNotice.get_by_id(first.id)
        assert closed.closed_at == at(2026, 10, 10, 11, 0)
        assert WorkOrder.get_by_id(order.id).returned_at == at(2026, 10, 10, 11, 0)
        assert AuditEvent.select().where(AuditEvent.action == "fault.close").count() == 1


async def test_a_bad_field_is_shown_beside_it_and_esc_asks(make_app) -> None:  # noqa: ANN001
    app = make_app("zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f9", "n")
        await pilot.pause()
        await type_in(pilot, "黄志勇")
        await pilot.press("enter", "enter")
        await type_in(pilot, "9点半")
        await pilot.press("ctrl+s")
        await pilot.pause()
        error = str(app.screen.query_one("#e-found_at").render())
        assert "时间看不懂" in error
        assert app.focused.id == "f-found_at"
        count = FaultNotice.select().count()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, FaultForm)  # asks first
        assert "再按 Esc 放弃" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, FaultNoticesScreen)
        assert FaultNotice.select().count() == count


async def test_security_is_refused_in_place(make_app) -> None:  # noqa: ANN001
    app = make_app("zh")
    async with app.run_test(size=(120, 40)) as pilot:
        app.session.staff = Staff.get(Staff.login == "guard")
        await pilot.press("f9")
        await pilot.pause()
        for key in ("n", "k", "g", "w", "c", "x", "p"):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, FaultNoticesScreen), key
            assert t("role.security") in message(app) and "无权" in message(app)


async def test_day_sheet_written_beside_the_database(make_app, ui_store: Path,
                                                     clock) -> None:  # noqa: ANN001
    app = make_app("zh")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f9")
        await pilot.pause()
        await pilot.press("p")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, FaultForm)
        day = form.values()["day"]
        assert day == "2026-10-08"  # at 10:00 the latest batch is yesterday's, being collected
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, FaultNoticesScreen)
        folder = ui_store.parent / "sheets"
        files = sorted(folder.glob("fault-notices-2026-10-08-*.txt"))
        assert files
        assert str(folder) in message(app)
        text = files[0].read_text(encoding="utf-8")
        assert "故障通知单日报 · 2026-10-08" in text and "前台签收" in text
        events = list(AuditEvent.select().where(AuditEvent.action == "fault.sheet"))
        assert {json.loads(e.detail)["path"] for e in events} == {str(f) for f in files}


async def test_the_screen_in_english(make_app) -> None:  # noqa: ANN001
    app = make_app("en")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f9")
        await pilot.pause()
        text = screen_text(app)
        assert "Fault notices" in text and "State" in text
        assert "已" not in text  # no Chinese state words in the English screen
        # The screen's keys are on screen at 80 columns too.
        for key in ("batch", "classify", "collect", "close_out"):
            assert t(f"ui.faults.key.{key}", lang="en") in text
        await pilot.press("k")
        await pilot.pause()
        assert "too early to classify" in message(app)
        await pilot.press("n")
        await pilot.pause()
        assert "Receive fault notices" in screen_text(app)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Enter who found the fault" in screen_text(app)
