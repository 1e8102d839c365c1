"""The intake form (F2) refuses what it cannot file, resets after a save, and its clocks
preview follows the form; the unit searches say when they find nothing; F6's unit keys work
from the search box (issue 16; UX.md "what the first round taught"; KF-010 §4.1).

Pilot, real keystrokes, in Chinese and English, on the demo community at the fixed clock
(2026-10-09 10:00 Asia/Shanghai). The free text of a ticket is put into its box directly.
"""

from __future__ import annotations

import pytest
from helpers import screen_text
from kfdesk_screens.intake import IntakeScreen
from kfdesk_screens.resident_records import ResidentRecordsScreen
from kfdesk_screens.residents import ResidentsScreen
from kfdesk_screens.widgets.choice import ChoiceField
from textual.widgets import TextArea

from kfdesk.i18n import t
from kfdesk.models import Ticket

SIZE = (120, 40)
LANGS = pytest.mark.parametrize("lang", ["zh", "en"])
SETTLE = 0.4  # past the lookup's debounce and the preview's delay


def newest() -> Ticket:
    return Ticket.select().order_by(Ticket.id.desc()).get()


def shown(app, selector: str) -> str:  # noqa: ANN001 - the app
    return str(app.screen.query_one(selector).render())


def choice(app, wid: str) -> str | None:  # noqa: ANN001
    return app.screen.query_one(f"#{wid}", ChoiceField).value


def refused(app, lang: str) -> bool:  # noqa: ANN001
    """The unchosen-unit refusal and how to put it right are under the form."""
    return shown(app, "#hint") == "\n".join((t("ui.form.unit_unchosen", lang=lang),
                                             t("ui.form.unit_unchosen_how", lang=lang)))


async def write_text(pilot, text: str) -> None:  # noqa: ANN001
    pilot.app.screen.query_one("#text", TextArea).text = text
    await pilot.pause()


async def open_intake(pilot) -> None:  # noqa: ANN001
    await pilot.press("f2")
    await pilot.pause()
    assert isinstance(pilot.app.screen, IntakeScreen)


@LANGS
async def test_text_that_is_not_a_chosen_unit_blocks_saving(make_app, lang: str) -> None:  # noqa: ANN001
    """9-9-999 matches nothing: the lookup says so, and Ctrl+S saves nothing — no anonymous
    ticket — with the message under the form and the cursor in the unit box."""
    app = make_app(lang)
    async with app.run_test(size=SIZE) as pilot:
        await open_intake(pilot)
        before = Ticket.select().count()
        await pilot.press(*"9-9-999")
        await pilot.pause(SETTLE)
        none = t("ui.lookup.none", lang=lang, text="9-9-999",
                 hint=t("ui.form.none_hint", lang=lang)).strip()
        assert shown(app, "#lookup #none") == none
        assert t("ui.lookup.none", lang=lang, text="9-9-999", hint="").strip() in (
            screen_text(app))
        await write_text(pilot, "楼道灯不亮")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert Ticket.select().count() == before
        assert refused(app, lang)
        assert app.screen.focused is app.screen.query_one("#lookup #query")

        # A real unit typed but not picked is not chosen either; nor an empty box.
        await pilot.press("ctrl+u", *"2-1-702")  # ctrl+u: clear the box (the text is selected)
        await pilot.pause(SETTLE)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert Ticket.select().count() == before
        await pilot.press("ctrl+u")
        await pilot.pause(SETTLE)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert Ticket.select().count() == before
        assert refused(app, lang)


@LANGS
async def test_typing_over_a_chosen_unit_unchooses_it(make_app, lang: str) -> None:  # noqa: ANN001
    app = make_app(lang)
    async with app.run_test(size=SIZE) as pilot:
        await open_intake(pilot)
        await pilot.press(*"3-1-502")
        await pilot.pause(SETTLE)
        await pilot.press("enter")  # picked: the cursor moves on to the caller
        await pilot.pause()
        assert app.screen.query_one("#lookup #query").value == "3-1-502"
        await write_text(pilot, "噪音")
        app.screen.query_one("#lookup #query").focus()
        await pilot.press("end", "1")  # now 3-1-5021: not the unit picked
        await pilot.pause(SETTLE)
        before = Ticket.select().count()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert Ticket.select().count() == before
        assert refused(app, lang)


@LANGS
async def test_an_explicit_anonymous_ticket_saves(make_app, lang: str) -> None:  # noqa: ANN001
    """Enter on the empty unit box chooses "无房号/匿名": the box and the brief say so, and
    the ticket is saved without a unit."""
    app = make_app(lang)
    async with app.run_test(size=SIZE) as pilot:
        await open_intake(pilot)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.query_one("#lookup #query").value == t("ui.form.no_unit", lang=lang)
        assert isinstance(app.screen.focused, ChoiceField)  # on to the caller
        assert shown(app, "#brief-body") == t("ui.brief.anonymous", lang=lang)
        await write_text(pilot, "小区东门路灯不亮")
        await pilot.press("ctrl+s")
        await pilot.pause()
        ticket = newest()
        assert ticket.unit is None and ticket.text == "小区东门路灯不亮"
        assert ticket.number in shown(app, "#result")


@LANGS
async def test_an_exact_unit_code_left_with_tab_is_chosen(make_app, lang: str) -> None:  # noqa: ANN001
    app = make_app(lang)
    async with app.run_test(size=SIZE) as pilot:
        await open_intake(pilot)
        await pilot.press(*"2-1-702", "tab")  # Tab at once, before the search has even run
        await pilot.pause()
        assert app.screen.focused is app.screen.query_one("#caller")
        assert choice(app, "caller") != "new"  # the unit's household to choose from
        await write_text(pilot, "卫生间漏水")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert newest().unit.code == "2-1-702"

        # A part of a code is not a unit: Tab leaves it unchosen and says so at once.
        app.screen.query_one("#lookup #query").focus()
        await pilot.press(*"2-1-70", "tab")
        await pilot.pause(SETTLE)
        assert refused(app, lang)
        await pilot.press("tab")  # said once, on leaving the box
        assert not refused(app, lang)
        # Through the results (↓ into them, Tab out of them) it is said as well.
        app.screen.query_one("#lookup #query").focus()
        await pilot.pause(SETTLE)
        await pilot.press("down")
        assert app.screen.focused is app.screen.query_one("#lookup #hits")
        await pilot.press("tab")
        assert refused(app, lang)
        before = Ticket.select().count()
        await write_text(pilot, "卫生间漏水")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert Ticket.select().count() == before


async def save_a_noise_complaint_on_a_visit(pilot) -> Ticket:  # noqa: ANN001
    await pilot.press("shift+tab", "2")  # channel: walk-in
    await pilot.press("tab", *"3-1-502", "enter")
    await pilot.pause()
    app = pilot.app
    for wid, value in (("kind", "complaint"), ("category", "noise"), ("judge", "invalid_other")):
        field = app.screen.query_one(f"#{wid}", ChoiceField)
        field.focus()
        number = [v for v, _ in field.options].index(value) + 1
        await pilot.press(str(number))
    await write_text(pilot, "楼上装修噪音")
    await pilot.press("ctrl+s")
    await pilot.pause()
    return newest()


@LANGS
async def test_after_a_save_the_form_is_blank_and_ctrl_r_repeats(make_app, lang: str) -> None:  # noqa: ANN001
    """The next pipe leak must not be saved as the last ticket's 噪音 complaint: channel,
    kind, category, judgement and text reset; Ctrl+R (in the footer) repeats them; the saved
    message goes when the next ticket begins."""
    app = make_app(lang)
    async with app.run_test(size=SIZE) as pilot:
        await open_intake(pilot)
        blank = {w: choice(app, w) for w in ("channel", "kind", "category", "judge")}
        assert blank == {"channel": "phone", "kind": "complaint", "category": "water",
                         "judge": "valid"}
        assert t("ui.key.repeat_last", lang=lang) in screen_text(app).splitlines()[-1]
        await pilot.press("ctrl+r")  # nothing saved yet: says so, changes nothing
        assert shown(app, "#hint") == t("ui.form.nothing_to_repeat", lang=lang)
        ticket = await save_a_noise_complaint_on_a_visit(pilot)
        assert (ticket.channel, ticket.kind, ticket.category, ticket.validity) == (
            "walk_in", "complaint", "noise", "invalid_other")
        assert {w: choice(app, w) for w in blank} == blank
        assert app.screen.query_one("#text", TextArea).text == ""
        assert app.screen.query_one("#lookup #query").value == ""
        assert ticket.number in shown(app, "#result")
        await pilot.pause(SETTLE)
        assert ticket.number in shown(app, "#result")  # stays to be read to the resident

        await pilot.press("3")  # the next call begins: the last one's message goes
        await pilot.pause()
        assert not app.screen.query_one("#result").display
        assert shown(app, "#result") == ""

        await pilot.press("ctrl+r")
        await pilot.pause(SETTLE)
        assert {w: choice(app, w) for w in blank} == {
            "channel": "walk_in", "kind": "complaint", "category": "noise",
            "judge": "invalid_other"}
        assert t("category.noise", lang=lang) in shown(app, "#hint")
        assert t("ui.form.clock.explain_invalid", lang=lang, due="12:00") in shown(
            app, "#preview")


@LANGS
async def test_the_clocks_preview_follows_the_form(make_app, lang: str) -> None:  # noqa: ANN001
    """KF-010 §4.1.2 / §4.2 / §4.4, KF-011: the "将启动" line changes with the kind, the
    judgement and the channel, and says what it waits for."""
    app = make_app(lang)
    async with app.run_test(size=SIZE) as pilot:
        await open_intake(pilot)

        async def pick(wid: str, value: str) -> str:
            field = app.screen.query_one(f"#{wid}", ChoiceField)
            field.focus()
            await pilot.press(str([v for v, _ in field.options].index(value) + 1))
            await pilot.pause(SETTLE)
            return shown(app, "#preview")

        dispatch = t("ui.form.clock.dispatch", lang=lang, due="11:00")
        assert dispatch in shown(app, "#preview")
        assert t("ui.form.later.complaint_callback", lang=lang, limit=3) in shown(
            app, "#preview")
        line = await pick("kind", "repair")
        assert dispatch in line
        assert t("ui.form.later.repair_callback", lang=lang, limit=3) in line
        line = await pick("kind", "inquiry")
        assert line == t("ui.form.no_clock", lang=lang)
        assert await pick("judge", "follow_up") == t("ui.form.no_clock_follow_up", lang=lang)
        await pick("kind", "complaint")
        line = await pick("judge", "invalid_other")
        # RULES v2 item 2 (KF-010 §4.5): an invalid complaint is explained, then called back.
        assert line.startswith(t("ui.form.starts", lang=lang,
                                 clocks=t("ui.form.clock.explain_invalid", lang=lang,
                                          due="12:00")))
        assert t("ui.form.later.complaint_callback", lang=lang, limit=3) in line
        line = await pick("judge", "invalid_developer")
        # KF-010 §4.4.1 v2: 3 working days from intake (10-10 is a make-up Saturday).
        assert t("ui.form.clock.developer_callback", lang=lang, due="10-13 17:30") in line
        line = await pick("channel", "forwarded")
        assert line == t("ui.form.preview_pending", lang=lang,
                         why=t("intake.forwarded_at", lang=lang))
        app.screen.query_one("#forwarded_at").focus()
        await pilot.press(*"09:30")
        await pilot.pause(SETTLE)
        assert t("ui.form.clock.developer_callback", lang=lang, due="10-13 17:30") in shown(
            app, "#preview")
        # A phone number half typed does not blank the line: the clocks do not depend on it.
        app.screen.query_one("#phone").focus()
        await pilot.press(*"138")
        await pilot.pause(SETTLE)
        assert t("ui.form.clock.developer_callback", lang=lang, due="10-13 17:30") in shown(
            app, "#preview")


@LANGS
async def test_tab_goes_round_the_form_and_keeps_the_typing(make_app, lang: str) -> None:  # noqa: ANN001
    app = make_app(lang)
    async with app.run_test(size=SIZE) as pilot:
        await open_intake(pilot)
        app.screen.query_one("#text").focus()
        await pilot.press(*"abc", "tab")
        await pilot.pause()
        query = app.screen.query_one("#lookup #query")
        assert app.screen.focused is query  # back to the top of the form, not out of it
        await pilot.press(*"def")
        assert query.value == "def"  # what is typed next shows, where it cannot be saved
        await pilot.press("shift+tab", "shift+tab")  # unit box → channel → 内容
        assert isinstance(app.screen.focused, TextArea)
        assert app.screen.focused.text == "abc"
        await pilot.press("escape")  # Esc is the way out to today's list
        assert app.screen.focused is app.screen.query_one("#today")


@LANGS
async def test_f6_says_when_a_search_finds_nothing(make_app, lang: str) -> None:  # noqa: ANN001
    app = make_app(lang)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f6", *"9-9-999")
        await pilot.pause(SETTLE)
        assert isinstance(app.screen, ResidentsScreen)
        assert t("ui.lookup.none", lang=lang, text="9-9-999", hint="").strip() in screen_text(app)
        assert not app.screen.query_one("#lookup #hits").display or not app.screen.query_one(
            "#lookup #hits").region.height
        await pilot.press("escape", *"3-1-502")  # Esc clears the box
        await pilot.pause(SETTLE)
        assert t("ui.lookup.none", lang=lang, text="3-1-502", hint="").strip() not in (
            screen_text(app))
        assert "3-1-502" in str(app.screen.query_one("#lookup #hits").get_row_at(0)[0])


@LANGS
async def test_f6_unit_keys_work_from_the_search_box(make_app, lang: str) -> None:  # noqa: ANN001
    """Once a unit is chosen, its keys (r records, g registers …) work while the search box
    still holds its code; any other text there is a search again."""
    app = make_app(lang)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f6", *"3-1-502", "enter")
        await pilot.pause(SETTLE)
        screen = app.screen
        assert isinstance(screen, ResidentsScreen)
        query = screen.query_one("#lookup #query")
        await pilot.press("slash")  # back into the box, which still holds 3-1-502
        assert screen.focused is query and query.value == "3-1-502"
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ResidentRecordsScreen)
        await pilot.press("escape")
        await pilot.pause()
        query.focus()
        await pilot.press("enter")  # Enter on the chosen unit: to its page
        await pilot.pause()
        assert screen.focused is screen.query_one("#detail")
        query.focus()
        await pilot.press("ctrl+u", *"wr")  # a search: letters are letters again
        await pilot.pause(SETTLE)
        assert app.screen is screen and query.value == "wr"


# ---- 80×24: every choice and placeholder of the form fits, and the brief (issue 16) ----------

def _fits(app) -> list[str]:  # noqa: ANN001
    """The form's shown inputs whose placeholder is cut, and choices cut or past the edge."""
    from kfdesk_screens.widgets.inputs import DeskInput
    from rich.cells import cell_len

    form = app.screen.query_one("#form")
    right = form.content_region.right
    bad = []
    def shown(w) -> bool:  # noqa: ANN001
        return w.display and all(a.display for a in w.ancestors_with_self if a is not app)

    for box in form.query(DeskInput):
        if shown(box) and not box.value:
            if cell_len(box.placeholder) > box.content_size.width or box.region.right > right:
                bad.append(f"{box.id}: {box.placeholder!r} in {box.content_size.width}")
    for c in form.query(ChoiceField):
        if shown(c) and c.options:
            label = c.options[c.index][1]
            if f"◀ {label} ▶" not in str(c.render()) or c.region.right > right:
                bad.append(f"{c.id}: {str(c.render())!r}")
    return bad


@LANGS
async def test_at_80x24_every_choice_and_placeholder_of_the_form_fits(make_app, lang: str) -> None:  # noqa: ANN001
    from kfdesk.models.tickets import KINDS

    app = make_app(lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f2")
        await pilot.pause(SETTLE)
        assert _fits(app) == []
        # The judgement of every kind, on a row of its own below 100 columns.
        for i, kind in enumerate(KINDS, start=1):
            app.screen.query_one("#kind", ChoiceField).focus()
            await pilot.press(str(i))
            await pilot.pause()
            assert choice(app, "kind") == kind
            judge = app.screen.query_one("#judge", ChoiceField)
            for j in range(len(judge.options)):
                judge.focus()
                await pilot.press(str(j + 1))
                await pilot.pause(0.1)
                assert _fits(app) == [], (kind, judge.value)
                assert judge.region.y > app.screen.query_one("#kind").region.y

        # A unit chosen: the household as callers, the phone on file, the brief beside.
        app.screen.query_one("#lookup #query").focus()
        await pilot.press(*"3-1-502", "enter")
        await pilot.pause(SETTLE)
        assert _fits(app) == []
        caller = app.screen.query_one("#caller", ChoiceField)
        for j in range(len(caller.options)):
            caller.value = caller.options[j][0]
            app.screen.query_one("#form")._caller_changed()  # noqa: SLF001
            await pilot.pause(0.1)
            assert _fits(app) == [], caller.value
        # The brief's open ticket: kind, category and state whole (two lines, not cut).
        brief = "".join(screen_text(app).split())
        for word in (t("kind.repair", lang=lang), t("category.water", lang=lang),
                     t("state.new", lang=lang)):
            assert "".join(word.split()) in brief, word

        # Forwarded: the department and the time it got it, on one row.
        channel = app.screen.query_one("#channel", ChoiceField)
        channel.focus()
        await pilot.press("3")
        await pilot.pause(0.2)
        assert choice(app, "channel") == "forwarded"
        assert _fits(app) == []


async def test_wide_the_kind_row_holds_kind_category_and_judgement(make_app) -> None:  # noqa: ANN001
    app = make_app("en")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2")
        await pilot.pause(SETTLE)
        kind = app.screen.query_one("#kind")
        judge = app.screen.query_one("#judge", ChoiceField)
        assert judge.region.y == kind.region.y  # one row at 120 columns
        assert not app.screen.query_one("#judge-label").display
        assert _fits(app) == []
