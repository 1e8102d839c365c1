"""KF-016 催缴 by keystroke: the arrears list, the call, notices, the lawyer's letter, the
bank's failure list and a unit's ladder, on a copy of the demo community.

In Chinese and English: the list and the collection rate in the status; c shows the §3.2
script filled in and records the outcome; x marks, n prints the first notices (a batch with a
refused unit prints nothing, the refused units are unmarked, Ctrl+S again prints the rest);
the second notice is refused under 2 months (§3.4); l is refused to a clerk and taken by the
supervisor (§3.6); i imports a failure list, a bad row named and nothing written; Enter shows
the ladder with its evidence; f and the filters narrow the list; F1 names the rules.
Expectations are read through the views on the same store.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from helpers import appears, column_texts, screen_text
from kfdesk_screens.arrears import ArrearsScreen, LadderScreen
from kfdesk_screens.help import HelpScreen
from kfdesk_screens.widgets.choice import ChoiceField
from kfdesk_screens.widgets.dialogs import ActionDialog
from kfdesk_screens.widgets.table import FitTable
from textual.widgets import Input

from kfdesk.config import default_settings
from kfdesk.i18n import t
from kfdesk.models import AuditEvent, DunningStep, Staff, Unit
from kfdesk.printing import print_folder
from kfdesk.views import dunning as dv

LANGS = pytest.mark.parametrize("lang", ["zh", "en"])
SETTINGS = default_settings()




async def open_as(pilot, app, role: str) -> ArrearsScreen:  # noqa: ANN001
    app.session.staff = Staff.get(Staff.role == role)
    screen = ArrearsScreen()
    app.push_screen(screen)
    await pilot.pause()
    return screen


def steps_of(code: str) -> list[int]:
    return [s.step for s in DunningStep.select().join(Unit).where(Unit.code == code)
            .order_by(DunningStep.at, DunningStep.id)]


def snapshot() -> tuple:
    return DunningStep.select().count(), AuditEvent.select().count()


def ready(step: int) -> list[str]:
    return dv.eligible_by_step(SETTINGS)[step]


@LANGS
async def test_the_list_shows_arrears_the_rate_and_every_key(make_app,  # noqa: ANN001
                                                            lang: str) -> None:
    app = make_app(lang)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_as(pilot, app, "supervisor")
        table = screen.query_one("#arrears-table", FitTable)
        rows = dv.dunning_rows(SETTINGS)
        assert table.row_keys == [r.code for r in rows] and len(rows) > 10
        text = screen_text(app)
        assert t("ui.title.arrears", lang=lang) in text
        # KF-016 §4.1: the latest billed month's rate, exact, against 98 %.
        rate = dv.collection_rate("2026-09", SETTINGS)
        assert f"{rate.percent} %" in text and "98.00%" in text  # percent_text (issue 17)
        assert t("ui.arrears.rate_short", lang=lang,
                 gap=rate.target_percent - rate.percent) in text
        # Every key is shown, and the Chinese text is not cut at 120 columns.
        keys = t("ui.arrears.keys_lawyer", lang=lang)
        if lang == "zh":
            assert keys in text
        for part in keys.split(" · "):
            assert part in text.replace("\n", " ") or part.split()[0] in text
        first = rows[0]
        assert first.owner in text and dv.step_name(first.last_step, lang) in text
        # [ moves the rate to August.
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert f"{dv.collection_rate('2026-08', SETTINGS).percent} %" in screen_text(app)
        # F1 names the rules behind the screen.
        await pilot.press("f1")
        assert await appears(pilot, app, "KF-016 §3.4")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen


@LANGS
async def test_a_call_shows_the_script_and_records_the_outcome(make_app,  # noqa: ANN001
                                                               lang: str) -> None:
    app = make_app(lang)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_as(pilot, app, "clerk")
        code = ready(2)[0]
        ladder = dv.unit_ladder(code, SETTINGS)
        screen.query_one("#arrears-table", FitTable).select_key(code)
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, ActionDialog)
        text = screen_text(app)
        # KF-016 §3.2: the owner greeted, the clerk named, items, amount in figures and
        # capitals, the deadline.
        assert ladder.owner in text and "张敏" in text
        assert t(f"fee_item.{ladder.items[0].item}", lang=lang) in text
        assert f"¥{ladder.owed_fen // 100}" in text.replace(",", "")
        assert "2026-10-19" in text or "2026年10月19日" in text
        # Reached and refused; who answered is the owner (filled in).
        outcome = app.screen.query_one("#f-outcome", ChoiceField)
        outcome.value = "refused"
        app.screen.query_one("#f-note", Input).value = "说物业费太贵"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        step = DunningStep.select().order_by(DunningStep.id.desc()).get()
        assert (step.unit.code, step.step, step.amount_fen) == (code, 2, ladder.owed_fen)
        evidence = dv.parse_note(step.note)[0]
        assert evidence["outcome"] == "refused" and evidence["answered_by"] == ladder.owner
        assert code in ready(3)
        row = column_texts(screen.query_one("#arrears-table", FitTable), 5)
        assert dv.step_name(2, lang) in row


@LANGS
async def test_notices_for_marked_units_a_refused_batch_prints_nothing(make_app,  # noqa: ANN001
                                                                       lang: str) -> None:
    """KF-016 §3.3: x marks, n prints; a refused unit stops the batch and is unmarked."""
    app = make_app(lang)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_as(pilot, app, "cashier")
        s = app.session
        from kfdesk.desk import dunning as dn

        called = ready(2)[:2]
        for code in called:
            dn.record_call(code, "no_answer", None, "", s.staff, s.clock, s.settings)
        lawyer_due = ready(6)[0]  # cannot have a first notice
        screen.reload()
        table = screen.query_one("#arrears-table", FitTable)
        for code in (*called, lawyer_due):
            table.select_key(code)
            await pilot.press("x")
            await pilot.pause()
        assert column_texts(table, 0).count("✓") == 3
        folder = print_folder(s.db_target)
        before = snapshot()
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, ActionDialog)
        assert app.screen.query_one("#f-step", ChoiceField).value == "3"
        await pilot.press("ctrl+s")
        refused = t("dunning.notice.refused", lang=lang, count=1,
                    step=dv.step_name(3, lang)).split("，")[0].split(",")[0]
        assert await appears(pilot, app, refused)
        assert lawyer_due in screen_text(app)
        assert isinstance(app.screen, ActionDialog)
        assert snapshot() == before and not list(folder.glob("arrears-notice-*"))
        # The refused unit is unmarked: Ctrl+S again prints for the other two.
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        # Printed is not delivered (KF-016 §3.3, issue 17): nothing on the ladder yet.
        assert [steps_of(c)[-1] for c in called] == [2, 2]
        assert steps_of(lawyer_due)[-1] == 5
        [printed] = folder.glob("arrears-notice-3-*.txt")
        text = printed.read_text(encoding="utf-8")
        assert text.count("\f") == 1 and all(c in text for c in called)
        assert "欠费通知单（第一次）" in text  # the office's language, for the residents
        waiting = t("ui.arrears.printed_waiting", lang=lang, step=dv.step_name(3, lang))
        assert waiting in screen_text(app)
        # The two printed stay marked: d records them delivered, by whom and when.
        assert column_texts(table, 0).count("✓") == 2
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ActionDialog)
        assert app.screen.query_one("#f-way", ChoiceField).value == "handed"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        assert [steps_of(c)[-1] for c in called] == [3, 3]
        assert column_texts(table, 0).count("✓") == 0
        entry = dv.unit_ladder(called[0], SETTINGS).history[-1]
        assert entry.evidence["delivered_by"] == s.staff.name
        assert entry.evidence["way"] == "handed"


@LANGS
async def test_second_notice_under_two_months_is_refused(make_app,  # noqa: ANN001
                                                         lang: str) -> None:
    """KF-016 §3.4: with no unit marked, n prints for every unit ready; a unit at one month
    is not ready for the second notice, and marked it is refused by name."""
    app = make_app(lang)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_as(pilot, app, "cashier")
        s = app.session
        from kfdesk.desk import dunning as dn

        one_month = next(r.code for r in dv.dunning_rows(SETTINGS)
                         if r.months == 1 and r.next_step == 2)
        dn.record_call(one_month, "no_answer", None, "", s.staff, s.clock, s.settings)
        dn.issue_notices(3, [one_month], dn.default_pay_by(s.clock, s.settings),
                         print_folder(s.db_target), s.staff, s.clock, s.settings)
        dn.record_delivery([one_month], 3, "mailbox", "李强", s.clock.now().date(), s.staff,
                           s.clock, s.settings)
        screen.reload()
        assert one_month not in ready(4)
        screen.query_one("#arrears-table", FitTable).select_key(one_month)
        await pilot.press("x", "n")
        await pilot.pause()
        app.screen.query_one("#f-step", ChoiceField).value = "4"
        before = snapshot()
        await pilot.press("ctrl+s")
        reason = t("dunning.refuse.months", lang=lang, months=1, limit=2)
        assert await appears(pilot, app, reason[:12])
        assert snapshot() == before and steps_of(one_month)[-1] == 3


@LANGS
async def test_lawyers_letter_is_the_supervisors(make_app, lang: str) -> None:  # noqa: ANN001
    app = make_app(lang)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_as(pilot, app, "clerk")
        code = ready(6)[0]
        table = screen.query_one("#arrears-table", FitTable)
        # p on a unit whose last step is not the third notice: said in place.
        table.select_key(ready(2)[0])
        await pilot.press("p")
        assert await appears(pilot, app, t("ui.arrears.posting_needs_third", lang=lang,
                                           unit=ready(2)[0]))
        # p on the posted one: the photo goes into the third notice's evidence (§3.5).
        table.select_key(code)
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, ActionDialog)
        app.screen.query_one("#f-photo", Input).value = "IMG_0815.jpg"
        await pilot.press("ctrl+s")
        await pilot.pause()
        third = dv.unit_ladder(code, SETTINGS).history[-1]
        assert third.step == 5 and third.evidence["photo"] == "IMG_0815.jpg"
        await pilot.press("l")
        refusal = t("auth.not_allowed", lang=lang, role=t("role.clerk", lang=lang),
                    action=t("action.dunning.lawyer", lang=lang))
        assert await appears(pilot, app, refusal)
        assert steps_of(code)[-1] == 5
        app.session.staff = Staff.get(Staff.role == "supervisor")
        screen.reload()
        await pilot.press("l")
        await pilot.pause()
        assert isinstance(app.screen, ActionDialog)
        await pilot.press("ctrl+s")  # no word on how the owner was told: refused in place
        assert await appears(pilot, app, t("dunning.lawyer.note_needed", lang=lang))
        app.screen.query_one("#f-note", Input).value = "电话告知业主本人"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        assert steps_of(code)[-1] == 6
        assert code not in ready(6)
        assert await appears(pilot, app, t("ui.arrears.with_company", lang=lang))


@LANGS
async def test_import_names_the_bad_row_and_writes_nothing(make_app, tmp_path: Path,  # noqa: ANN001
                                                           lang: str) -> None:
    code = "1-1-201"
    bad = tmp_path / "bank.csv"
    with bad.open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows([["房号", "金额", "月份", "失败原因"],
                                 [code, "342.13", "2026-09", "余额不足"],
                                 ["9-9-999", "100.00", "2026-09", "余额不足"]])
    app = make_app(lang)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_as(pilot, app, "cashier")
        before = snapshot()
        await pilot.press("i")
        await pilot.pause()
        assert isinstance(app.screen, ActionDialog)
        app.screen.query_one("#f-path", Input).value = str(bad)
        await pilot.press("ctrl+s")
        assert await appears(pilot, app, t("dunning.row", lang=lang, row=3))
        assert "9-9-999" in screen_text(app)
        assert snapshot() == before
        good = tmp_path / "bank2.csv"
        good.write_text(f"unit,amount,month,reason\n{code},342.13,2026-09,\n", encoding="utf-8")
        app.screen.query_one("#f-path", Input).value = str(good)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ArrearsScreen)
        step = DunningStep.select().order_by(DunningStep.id.desc()).get()
        assert (step.unit.code, step.step, step.amount_fen) == (code, 1, 34213)


@LANGS
async def test_enter_shows_the_ladder_and_filters_narrow_the_list(make_app,  # noqa: ANN001
                                                                  lang: str) -> None:
    app = make_app(lang)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_as(pilot, app, "manager")
        table = screen.query_one("#arrears-table", FitTable)
        code = ready(6)[0]
        table.select_key(code)
        table.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, LadderScreen)
        ladder = dv.unit_ladder(code, SETTINGS)
        history = app.screen.query_one("#ladder-history", FitTable)
        assert len(history.row_keys) == len(ladder.history) == 5
        text = screen_text(app)
        assert t("ui.arrears.ladder_title", lang=lang, unit=code, owner=ladder.owner) in text
        assert dv.step_name(5, lang) in text and ladder.history[-1].note in text
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        # f goes to the filters: at least 2 months, then one building.
        await pilot.press("f", "right")
        await pilot.pause()
        months = [r.months for r in dv.dunning_rows(SETTINGS) if r.code in table.row_keys]
        assert months and min(months) >= 2
        assert len(table.row_keys) == len(dv.dunning_rows(SETTINGS, min_months=2))
        building = screen.query_one("#f-building", ChoiceField)
        building.focus()
        await pilot.press("right")
        await pilot.pause()
        first_building = dv.buildings()[0][0]
        assert table.row_keys == [r.code for r in dv.dunning_rows(
            SETTINGS, min_months=2, building_id=first_building)]


async def test_the_screen_fits_80_columns(make_app) -> None:  # noqa: ANN001
    app = make_app("zh")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_as(pilot, app, "clerk")
        text = screen_text(app)
        assert "…" not in text.split(t("ui.arrears.f.months"))[1].splitlines()[1]
        assert "c 电话催缴" in text and "Enter 记录" in text
        assert screen.query_one("#arrears-table", FitTable).row_count > 0
