"""KF-019/020 community activities: the modal by keystroke, on a copy of the demo community.

In Chinese and English at 120×40: the year's activities and duties with their due dates and
states, nothing cut; the supervisor creates an activity (n) whose plan only the manager may
approve (a, refused in place); the manager takes it through its steps (a, g, p), a step out of
order is refused and writes nothing; the bulletin (b) is posted; the annual plan (y) and the
interest survey (s) refuse in the dialog what the procedure forbids; a clerk posts the notice
but cannot plan; `[` `]` change the year; F1 shows the rules. Expectations are read through the
view on the same store.
"""

from __future__ import annotations

from datetime import date

import pytest
from helpers import appears, screen_text, table_rows
from kfdesk_screens.activities import ActivitiesScreen
from kfdesk_screens.help import HelpScreen
from kfdesk_screens.widgets.dialogs import ActionDialog
from kfdesk_screens.widgets.table import FitTable
from textual.widgets import Input, Static, TextArea

from kfdesk.config import default_settings
from kfdesk.i18n import t
from kfdesk.models import Activity, AuditEvent, ReportFiling, Staff
from kfdesk.views.activities import activity_year

LANGS = pytest.mark.parametrize("lang", ["zh", "en"])
SETTINGS = default_settings()




async def open_as(pilot, app, role: str) -> ActivitiesScreen:  # noqa: ANN001
    app.session.staff = Staff.get(Staff.role == role)
    screen = ActivitiesScreen()
    app.push_screen(screen)
    await pilot.pause()
    return screen


def body(app) -> str:  # noqa: ANN001
    return screen_text(app)


async def dialog_says(pilot, app, text: str) -> bool:  # noqa: ANN001
    """The open dialog shows ``text`` as its refusal (a long one wraps on screen)."""
    for _ in range(40):
        if isinstance(app.screen, ActionDialog) and text in str(
                app.screen.query_one("#dlg-error", Static).render()):
            return True
        await pilot.pause(0.05)
    return False


@LANGS
async def test_the_year_shows_every_step_and_duty_uncut(make_app, lang: str) -> None:  # noqa: ANN001
    app = make_app(lang)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_as(pilot, app, "supervisor")
        text = body(app)
        assert t("ui.activities.title", lang=lang, year=2026) in text
        year = activity_year(2026, app.session.clock.now(), SETTINGS)
        rows = table_rows(screen.query_one("#activity-table", FitTable))
        assert [r[1] for r in rows] == [a.title for a in year.activities]
        # The demo's coming tea party: its steps done, its archive after the day.
        tea = next(r for r in rows if r[1] == "重阳敬老茶话会")
        assert tea[-1] == t("ui.activities.archive.waiting", lang=lang, day="")
        assert tea[2].startswith(t("ui.activities.cell.done", lang=lang, day="")[:2])
        duties = table_rows(screen.query_one("#plan-table", FitTable))
        names = [r[0] for r in duties]
        assert t("ui.activities.duty.annual_plan", lang=lang, period="2027") in names
        assert t("ui.activities.duty.bulletin", lang=lang, period="2026-10") in names
        # Every key is shown: the activity's keys on one line, the duties' on the next.
        assert all(line in text for line in t("ui.activities.keys", lang=lang).splitlines())
        # Nothing is cut at 120×40: no cell ends in an ellipsis.
        assert all("…" not in cell for r in rows + duties for cell in r)
        assert "…" not in text
        await pilot.press("f1")
        assert await appears(pilot, app, "KF-020 §4.3.1")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("left_square_bracket")
        assert await appears(pilot, app, t("ui.activities.title", lang=lang, year=2025))
        await pilot.press("right_square_bracket")
        assert await appears(pilot, app, t("ui.activities.title", lang=lang, year=2026))


@LANGS
async def test_an_activity_goes_through_its_steps_in_order(make_app, lang: str) -> None:  # noqa: ANN001
    app = make_app(lang)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_as(pilot, app, "supervisor")
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, ActionDialog)
        app.screen.query_one("#f-title", Input).value = "冬至包饺子"
        app.screen.query_one("#f-held_on", Input).value = "12-20"
        await pilot.press("ctrl+s")
        await pilot.pause()
        activity = Activity.get(Activity.title == "冬至包饺子")
        assert activity.held_on == date(2026, 12, 20)
        table = screen.query_one("#activity-table", FitTable)
        assert str(activity.id) in table.row_keys
        table.select_key(str(activity.id))
        await pilot.pause()
        # The plan is the manager's to approve: refused in place, nothing saved.
        await pilot.press("a")
        refusal = t("auth.not_allowed", lang=lang, role=t("role.supervisor", lang=lang),
                    action=t("action.activities.approve", lang=lang))
        assert await appears(pilot, app, refusal)
        # Out of order: the notice before the plan and the group.
        events = AuditEvent.select().count()
        await pilot.press("p")
        assert await appears(pilot, app, t("activity.group_first", lang=lang,
                                           title="冬至包饺子"))
        assert not isinstance(app.screen, ActionDialog)
        assert Activity.get_by_id(activity.id).notice_posted_at is None
        assert AuditEvent.select().count() == events

        app.session.staff = Staff.get(Staff.role == "manager")
        screen.reload()
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, ActionDialog)
        app.screen.query_one("#f-plan", TextArea).load_text("目的：邻里团聚；预算 3000 元")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert Activity.get_by_id(activity.id).plan_approved_at is not None
        await pilot.press("g")
        await pilot.pause()
        app.screen.query_one("#f-members", Input).value = "组长 刘伟"
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("p")
        await pilot.pause()
        await pilot.press("ctrl+s")  # the notice board is chosen already
        await pilot.pause()
        done = Activity.get_by_id(activity.id)
        assert done.group_formed_at is not None and done.notice_posted_at is not None
        # Held only on 12-20: archiving now is refused inside the dialog, which stays open.
        await pilot.press("h")
        await pilot.pause()
        app.screen.query_one("#f-summary", TextArea).load_text("还没办")
        await pilot.press("ctrl+s")
        assert await dialog_says(pilot, app, t("activity.not_held", lang=lang,
                                               title="冬至包饺子", day="2026-12-20"))
        assert isinstance(app.screen, ActionDialog)
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert Activity.get_by_id(activity.id).archived_at is None
        row = next(r for r in table_rows(table) if r[1] == "冬至包饺子")
        assert row[4].startswith(t("ui.activities.cell.done", lang=lang, day="")[:2])
        actions = [e.action for e in AuditEvent.select().where(
            AuditEvent.action.startswith("activities.")).order_by(AuditEvent.id)]
        assert actions == ["activities.create", "activities.approve", "activities.group",
                           "activities.notice"]


@LANGS
async def test_the_yearly_duties_from_their_keys(make_app, lang: str) -> None:  # noqa: ANN001
    app = make_app(lang)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_as(pilot, app, "supervisor")
        # b: this month's bulletin, the month filled in already.
        await pilot.press("b")
        await pilot.pause()
        assert app.screen.query_one("#f-month", Input).value == "2026-10"
        app.screen.query_one("#f-topic", Input).value = "秋冬防火"
        await pilot.press("ctrl+s")
        await pilot.pause()
        filing = ReportFiling.get((ReportFiling.duty == "bulletin")
                                  & (ReportFiling.period == "2026-10"))
        assert filing.by.role == "supervisor"
        assert await appears(pilot, app, "秋冬防火")
        # y: next year's plan waits for December's interest survey (KF-020 §4.2.1).
        await pilot.press("y")
        await pilot.pause()
        assert app.screen.query_one("#f-year", Input).value == "2027"
        app.screen.query_one("#f-contents", TextArea).load_text("春节联欢\n元宵灯谜")
        await pilot.press("ctrl+s")
        assert await dialog_says(pilot, app, t("annual.survey_first", lang=lang,
                                               period="2026-12"))
        await pilot.press("escape", "escape")
        await pilot.pause()
        # s: June's survey is on file in the demo: a second is refused in the dialog.
        await pilot.press("s")
        await pilot.pause()
        assert app.screen.query_one("#f-period", Input).value == "2026-06"
        app.screen.query_one("#f-responses", Input).value = "40"
        app.screen.query_one("#f-findings", TextArea).load_text("亲子活动")
        await pilot.press("ctrl+s")
        assert await dialog_says(pilot, app, t("interest.done", lang=lang, period="2026-06"))
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert not ReportFiling.select().where(ReportFiling.duty.in_(
            ("annual_plan", "interest_survey")) & ReportFiling.period.in_(
            ("2027", "2026-12"))).exists()


@LANGS
async def test_a_clerk_posts_the_notice_but_cannot_plan(make_app, lang: str) -> None:  # noqa: ANN001
    app = make_app(lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_as(pilot, app, "clerk")
        assert await appears(pilot, app, t("ui.activities.keys_desk", lang=lang)[:12])
        before = Activity.select().count()
        await pilot.press("n")
        refusal = t("auth.not_allowed", lang=lang, role=t("role.clerk", lang=lang),
                    action=t("action.activities.create", lang=lang))
        assert await appears(pilot, app, refusal)
        assert Activity.select().count() == before


@LANGS
async def test_x_calls_off_an_approved_activity_with_its_reason(make_app, lang: str) -> None:  # noqa: ANN001
    """x on an approved activity opens the call-off dialog: a reason is needed; then the row
    says it is called off, the detail gives the reason, and its steps are no longer due."""
    from kfdesk.desk import activities as act

    manager = Staff.get(Staff.role == "manager")
    app = make_app(lang)
    clock = app.session.clock
    activity = act.create_activity("冬至包饺子", date(2026, 12, 20), manager, clock, SETTINGS)
    act.approve_plan(activity.id, "", manager, clock, SETTINGS)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_as(pilot, app, "supervisor")
        table = screen.query_one("#activity-table", FitTable)
        table.select_key(str(activity.id))
        await pilot.pause()
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ActionDialog)
        await pilot.press("ctrl+s")  # no reason: refused in the dialog
        assert await dialog_says(pilot, app, t("activity.reason_needed", lang=lang))
        app.screen.query_one("#f-reason", Input).value = "台风预警"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        kept = Activity.get_by_id(activity.id)
        assert kept.cancelled_at is not None and kept.cancel_reason == "台风预警"
        row = next(r for r in table_rows(table) if r[1] == "冬至包饺子")
        assert t("ui.activities.cell.cancelled", lang=lang) in row
        table.select_key(str(activity.id))
        await pilot.pause()
        assert "台风预警" in body(app)
        archived = sum(1 for a in activity_year(2026, clock.now(), SETTINGS).activities
                       if a.steps[-1].done_at)  # a called-off one is not counted as archived
        assert t("ui.activities.count", lang=lang, n=len(table.row_keys),
                 archived=archived) in body(app)
        (mine,) = [a for a in activity_year(2026, clock.now(), SETTINGS).activities
                   if a.id == activity.id]
        assert mine.next_step is None
