"""KF-009 §3.1.2 sampling, §3.2 visits and §3.3 the survey: the three modals by keystroke.

On a copy of the demo community, in Chinese and English: the supervisor proposes the month's
callback sample and sees the progress against both quotas; edits the visit list (a refusal
shown in place, a unit added, one taken off) and records a visit; draws the survey sample,
records the distribution and a returned copy. A clerk reads the sample but cannot propose it.
Expectations are read through the views on the same store.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from helpers import appears, screen_text, table_rows
from kfdesk_screens.help import HelpScreen
from kfdesk_screens.sampling import SamplingScreen
from kfdesk_screens.survey import SurveyScreen
from kfdesk_screens.visits import VisitsScreen
from kfdesk_screens.widgets.dialogs import ActionDialog
from kfdesk_screens.widgets.table import FitTable
from textual.widgets import Input, Static

from kfdesk.config import default_settings
from kfdesk.i18n import t
from kfdesk.models import AuditEvent, Callback, Staff, Survey, SurveyCopy, Unit, Visit
from kfdesk.views.sampling import month_sample
from kfdesk.views.surveys import survey_overview


async def dialog_says(pilot, app, text: str) -> bool:  # noqa: ANN001
    """The open dialog shows ``text`` as its refusal."""
    for _ in range(40):
        if isinstance(app.screen, ActionDialog) and text in str(
                app.screen.query_one("#dlg-error", Static).render()):
            return True
        await pilot.pause(0.05)
    return False

LANGS = pytest.mark.parametrize("lang", ["zh", "en"])
OCTOBER = date(2026, 10, 1)
SETTINGS = default_settings()




async def open_as(pilot, app, role: str, screen) -> None:  # noqa: ANN001
    app.session.staff = Staff.get(Staff.role == role)
    app.push_screen(screen)
    await pilot.pause()


def progress_lines(lang: str) -> tuple[str, str]:
    data = month_sample(OCTOBER, SETTINGS)
    c = data.count
    return (t("ui.sampling.sample_text", lang=lang, called=c.called, needed=c.sample_needed,
              planned=data.planned, left_out=data.left_out),
            t("ui.sampling.in_person_text", lang=lang, done=c.in_person,
              needed=c.in_person_needed, planned=data.planned_in_person))


@LANGS
async def test_the_supervisor_proposes_the_sample_and_sees_progress(make_app,  # noqa: ANN001
                                                                    lang: str) -> None:
    """KF-009 §3.1.2: p proposes; the quotas' progress is on screen; x and m adjust."""
    app = make_app(lang)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_as(pilot, app, "supervisor", SamplingScreen())
        assert isinstance(app.screen, SamplingScreen)
        assert t("ui.sampling.title", lang=lang, month="2026-10") in screen_text(app)
        rows = table_rows(app.screen.query_one("#sample-table", FitTable))
        assert len(rows) == month_sample(OCTOBER, SETTINGS).count.total == 10
        await pilot.press("p")
        await pilot.pause()
        data = month_sample(OCTOBER, SETTINGS)
        c = data.count
        # Enough planned to meet both quotas once the calls are made.
        assert data.planned >= c.sample_needed == 9
        assert data.planned_in_person >= c.in_person_needed == 3
        sample, in_person = progress_lines(lang)
        text = screen_text(app)
        assert sample in text and in_person in text
        assert t("ui.duty.short", lang=lang, n=c.sample_needed - c.called) in text
        event = AuditEvent.select().where(AuditEvent.action == "sampling.propose").get()
        assert event.actor.role == "supervisor"
        # x takes the row under the cursor out of the sample (a pending callback), x again
        # puts it back; m switches its method.
        table = app.screen.query_one("#sample-table", FitTable)
        pending = next(r for r in data.rows if r.done_at is None and r.callback_id)
        table.select_key(pending.work_order)
        await pilot.press("x")
        await pilot.pause()
        assert not Callback.get_by_id(pending.callback_id).sampled
        assert progress_lines(lang)[0] in screen_text(app)
        await pilot.press("x", "m")
        await pilot.pause()
        cb = Callback.get_by_id(pending.callback_id)
        assert cb.sampled and cb.planned_method != pending.planned_method
        # F1 inside the modal shows its own keys and rules.
        await pilot.press("f1")
        assert await appears(pilot, app, "KF-009 §3.1.2")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, SamplingScreen)


@LANGS
async def test_a_clerk_reads_the_sample_but_cannot_propose_it(make_app,  # noqa: ANN001
                                                              lang: str) -> None:
    app = make_app(lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_as(pilot, app, "clerk", SamplingScreen())
        before = [(c.id, c.sampled, c.planned_method) for c in Callback.select()]
        assert t("ui.sampling.keys_read", lang=lang) in screen_text(app)
        await pilot.press("p")
        await pilot.pause()
        refusal = t("auth.not_allowed", lang=lang, role=t("role.clerk", lang=lang),
                    action=t("action.sampling.propose", lang=lang))
        assert await appears(pilot, app, refusal)
        assert [(c.id, c.sampled, c.planned_method) for c in Callback.select()] == before


@LANGS
async def test_the_visit_list_is_edited_and_a_visit_recorded(make_app,  # noqa: ANN001
                                                            lang: str) -> None:
    """KF-009 §3.2: add (a refusal in place first), take one off, record a visit (r)."""
    app = make_app(lang)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_as(pilot, app, "supervisor", VisitsScreen())
        assert t("ui.title.visits", lang=lang) in screen_text(app)
        open_before = Visit.select().where(Visit.visited_at.is_null()).count()
        # A unit that does not exist: the dialog stays, says why, nothing is saved.
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, ActionDialog)
        await pilot.press(*"9-9-999")
        await pilot.press("ctrl+s")
        assert await appears(pilot, app, t("visit.unknown_unit", lang=lang, unit="9-9-999"))
        assert isinstance(app.screen, ActionDialog)
        app.screen.query_one("#f-unit", Input).value = "3-1-502"
        app.screen.query_one("#f-planned_for", Input).value = "10-12"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, VisitsScreen)
        added = Visit.get((Visit.unit == Unit.get(Unit.code == "3-1-502").id)
                          & Visit.visited_at.is_null())
        assert (added.reason, added.planned_for) == ("added", date(2026, 10, 12))
        table = app.screen.query_one("#visit-table", FitTable)
        assert str(added.id) in table.row_keys
        # Take one of the demo's planned visits off the list (Ctrl+S confirms).
        other = Visit.select().where(Visit.visited_at.is_null() & (Visit.id != added.id)).first()
        table.select_key(str(other.id))
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert Visit.get_or_none(Visit.id == other.id) is None
        assert Visit.select().where(Visit.visited_at.is_null()).count() == open_before
        # Record the visit to 3-1-502.
        table.select_key(str(added.id))
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ActionDialog)
        dialog = app.screen
        dialog.query_one("#f-shortcomings", Input).value = "电梯维修慢"
        dialog.query_one("#f-suggestions", Input).value = "增加儿童设施"
        await pilot.press("ctrl+s")
        await pilot.pause()
        visit = Visit.get_by_id(added.id)
        assert visit.visited_at is not None and visit.by.role == "supervisor"
        assert visit.satisfaction == "satisfied"
        assert json.loads(visit.findings) == {"shortcomings": "电梯维修慢",
                                              "suggestions": "增加儿童设施"}
        table.select_key(str(added.id))
        await pilot.pause()
        assert await appears(pilot, app, "电梯维修慢")
        actions = [e.action for e in AuditEvent.select().where(
            AuditEvent.action.startswith("visits.")).order_by(AuditEvent.id)]
        assert actions == ["visits.add", "visits.remove", "visits.record"]


@LANGS
async def test_the_survey_is_drawn_distributed_and_a_return_recorded(make_app,  # noqa: ANN001
                                                                    lang: str) -> None:
    """KF-009 §3.3: g draws, d records the distribution, r a returned copy."""
    app = make_app(lang)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_as(pilot, app, "supervisor", SurveyScreen())
        assert t("ui.survey.not_drawn", lang=lang) in screen_text(app)
        await pilot.press("g")
        await pilot.pause()
        survey = Survey.get(Survey.year == 2026)
        overview = survey_overview(2026, SETTINGS)
        assert survey.households == overview.target == SurveyCopy.select().where(
            SurveyCopy.survey == survey).count() > 0
        assert await appears(pilot, app, t("ui.survey.drawn", lang=lang, n=survey.households))
        # RULES v2 (KF-009 §3.3.1): d is refused until the quality department approved the form.
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("ctrl+s")
        assert await dialog_says(pilot, app, t("survey.form_not_approved", lang=lang,
                                               year=2026))
        await pilot.press("escape")
        await pilot.pause()
        assert Survey.get_by_id(survey.id).distributed_at is None
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, ActionDialog)
        app.screen.query_one("#f-by", Input).value = "品质部 周丽"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert Survey.get_by_id(survey.id).form_approved_by == "品质部 周丽"
        assert await appears(pilot, app, "品质部 周丽")
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ActionDialog)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert Survey.get_by_id(survey.id).distributed_at is not None
        # r on the copy under the cursor (the first): the dialog has its unit already.
        first = overview.copies[0].unit
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ActionDialog)
        assert app.screen.query_one("#f-unit", Input).value == first
        app.screen.query_one("#f-remarks", Input).value = "绿化很好"
        await pilot.press("ctrl+s")
        await pilot.pause()
        copy = SurveyCopy.select().join(Unit).where(Unit.code == first).get()
        assert (copy.grade, copy.remarks) == ("satisfied", "绿化很好")
        assert copy.recorded_by.role == "supervisor"
        overview = survey_overview(2026, SETTINGS)
        rate = t("ui.survey.returns", lang=lang, returned=1, drawn=overview.drawn, in_time=1,
                 rate=f"{100 / overview.drawn:.1f} %", target=75)
        assert await appears(pilot, app, rate)
        assert "绿化很好" in screen_text(app)
