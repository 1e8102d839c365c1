"""KF-014 release passes and KF-021 mail: the two register modals by keystroke.

On a copy of the demo community (2026-10-09 10:00), in Chinese and English: the clerk opens
the pass modal on 3-1-502, sees the KF-014 verdict and the pre-flight live, has a bad ID number
refused in place, confirms the pre-flight with a second Ctrl+S and prints the pass with its
stub; a tenant without the owner's signature is refused; an owner's letter is recorded and a
delegate's pass checked out at the gate, refused outside the letter's window. In the mail
modal the overdue registered letter shows as overdue, is handed over against a signature and
a second hand-over is refused in place. Both modals at 80×24 keep their keys in view.
Expectations are read back from the store.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from helpers import appears, screen_text, table_rows
from kfdesk_screens.help import HelpScreen
from kfdesk_screens.mail import MailScreen
from kfdesk_screens.release_passes import PreviewDialog, ReleasePassScreen, cjk_wrap
from kfdesk_screens.widgets.choice import ChoiceField
from kfdesk_screens.widgets.dialogs import ActionDialog
from kfdesk_screens.widgets.table import FitTable
from rich.text import Text
from textual.widgets import Input, Static

from kfdesk.i18n import t
from kfdesk.ids import id_check_digit
from kfdesk.models import (
    AuditEvent,
    Authorisation,
    MailItem,
    Occupancy,
    Person,
    ReleasePass,
    Staff,
    Unit,
)
from kfdesk.privacy import mask_id

LANGS = pytest.mark.parametrize("lang", ["zh", "en"])
SH = ZoneInfo("Asia/Shanghai")
UNIT = "3-1-502"  # 王建国: two months in arrears in the demo, a registered letter overdue
DELEGATE_ID = "44030419900606006" + id_check_digit("44030419900606006")




async def open_modal(pilot, app, screen, login: str = "clerk") -> None:  # noqa: ANN001
    app.session.staff = Staff.get(Staff.login == login)
    app.push_screen(screen)
    await pilot.pause()


def squash(text: str) -> str:
    """Without whitespace: where a line breaks (in cells, at the dialog's width) is not the
    point of these checks."""
    return "".join(text.split())


def dialog_error(app) -> str:  # noqa: ANN001
    return squash(str(app.screen.query_one("#dlg-error", Static).render()))


def preview(app) -> str:  # noqa: ANN001
    return squash(app.screen.query_one("#dlg-preview", Static).render().plain)


async def type_into(pilot, app, field: str, text: str) -> None:  # noqa: ANN001
    app.screen.query_one(f"#f-{field}", Input).value = text
    await pilot.pause()


async def choose(pilot, app, field: str, number: int) -> None:  # noqa: ANN001
    """Pick a choice the way the clerk does: focus it and press the option's number."""
    app.screen.query_one(f"#f-{field}", ChoiceField).focus()
    await pilot.press(str(number))
    await pilot.pause()


def owner_id() -> str:
    """王建国's ID number as 3-1-502's owner file has it (the demo has other 王建国s)."""
    return (Person.select(Person.id_number).join(Occupancy).join(Unit)
            .where(Unit.code == UNIT, Occupancy.role == "owner").scalar())


def bad_id() -> str:
    right = owner_id()
    return right[:-1] + ("1" if right[-1] == "0" else "0")  # the check digit wrong


# --- release passes ------------------------------------------------------------------------


@LANGS
async def test_the_owner_gets_a_pass_after_the_preflight(make_app, lang: str) -> None:  # noqa: ANN001
    """KF-014 §4.2.1: the owner's own signature; the pre-flight confirmed by a second Ctrl+S."""
    app = make_app(lang)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_modal(pilot, app, ReleasePassScreen(UNIT))
        assert t("ui.title.release_passes", lang=lang) in screen_text(app)
        before = ReleasePass.select().count()
        await pilot.press("n")
        assert await appears(pilot, app, t("ui.passes.preflight", lang=lang))
        assert isinstance(app.screen, PreviewDialog)
        shown = preview(app)
        assert "✓" in shown and "KF-014§4.2.1" in shown
        assert squash(t("pass.pf.arrears", lang=lang, months=2, amount="¥1,420.68")) in shown
        # A bad ID number: refused in place, the cursor back in the field, nothing saved.
        await type_into(pilot, app, "bearer_id_number", bad_id())
        await type_into(pilot, app, "items", "旧沙发一套")
        assert squash(t("ui.passes.id_invalid", lang=lang)) in preview(app)
        assert "✓" in preview(app)  # the owner is still the owner: only the number is wrong
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, PreviewDialog)
        assert squash(t("pass.bad_id", lang=lang, id=mask_id(bad_id()))) in dialog_error(app)
        assert app.screen.focused.id == "f-bearer_id_number"
        assert ReleasePass.select().count() == before
        # The right number: the first Ctrl+S shows the pre-flight, the second issues.
        await type_into(pilot, app, "bearer_id_number", owner_id())
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, PreviewDialog)
        assert "1,420.68" in dialog_error(app)
        assert ReleasePass.select().count() == before
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ReleasePassScreen)
        issued = ReleasePass.select().order_by(ReleasePass.id.desc()).first()
        assert (issued.number, issued.bearer_name, issued.bearer_kind) == ("F-000027", "王建国",
                                                                          "owner")
        rows = table_rows(app.screen.query_one("#pass-table", FitTable))
        assert rows[0][0] == "F-000027" and t("ui.passes.waiting", lang=lang) in rows[0]
        # p prints the selected (new) pass: stub and gate copy, the ID masked.
        await pilot.press("p")
        await pilot.pause()
        printed = Path(app.session.db_target).parent / "prints" / "release-pass-F-000027.txt"
        text = printed.read_text(encoding="utf-8")
        assert owner_id() not in text and owner_id()[-4:] in text
        assert t("pass.p.stub", lang=lang) in text and t("pass.p.gate", lang=lang) in text
        assert AuditEvent.select().where(AuditEvent.action == "pass.print").count() == 1


@LANGS
async def test_a_tenant_needs_the_owners_signature(make_app, lang: str) -> None:  # noqa: ANN001
    """KF-014 §4.2.2: the verdict says what is missing before Ctrl+S; the refusal too."""
    app = make_app(lang)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_modal(pilot, app, ReleasePassScreen(UNIT))
        await pilot.press("n")
        assert await appears(pilot, app, t("ui.passes.preflight", lang=lang))
        await choose(pilot, app, "bearer_kind", 4)  # tenant
        await type_into(pilot, app, "bearer_name", "周杰")
        await type_into(pilot, app, "bearer_id_number", DELEGATE_ID)
        await type_into(pilot, app, "items", "电视机一台")
        expected = t("pass.needs_owner_signature", lang=lang, name="周杰",
                     who=t("ui.bearer.tenant", lang=lang))
        assert squash("✗ " + expected) in preview(app)
        before = ReleasePass.select().count()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert squash(expected) in dialog_error(app)
        assert app.screen.focused.id == "f-owner_signed"
        await choose(pilot, app, "owner_signed", 2)  # yes
        assert "✓" in preview(app)
        await pilot.press("ctrl+s", "ctrl+s")  # the pre-flight, confirmed
        await pilot.pause()
        assert ReleasePass.select().count() == before + 1
        assert ReleasePass.select().order_by(ReleasePass.id.desc()).first().owner_signed


async def test_a_delegate_within_the_letters_window_only(make_app, clock) -> None:  # noqa: ANN001
    """KF-014 §4.2.3: the letter recorded with a; the pass; the gate refuses outside the window."""
    app = make_app("zh")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_modal(pilot, app, ReleasePassScreen(UNIT))
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, ActionDialog)
        await type_into(pilot, app, "delegate_name", "钱搬运")
        await type_into(pilot, app, "delegate_id_number", DELEGATE_ID)
        await type_into(pilot, app, "moving_from", "09:30")
        await type_into(pilot, app, "moving_until", "11:00")
        await type_into(pilot, app, "items", "钢琴一台")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert squash(t("pass.auth_letter_unsigned")) in dialog_error(app)
        await choose(pilot, app, "signed", 2)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ReleasePassScreen)
        letter = Authorisation.select().order_by(Authorisation.id.desc()).first()
        assert (letter.delegate_name, letter.items) == ("钱搬运", "钢琴一台")
        ref = f"A-{letter.id:06d}"
        assert ref in screen_text(app)
        await pilot.press("n")
        assert await appears(pilot, app, t("ui.passes.preflight"))
        await choose(pilot, app, "bearer_kind", 7)  # delegate
        await type_into(pilot, app, "bearer_name", "钱搬运")
        await type_into(pilot, app, "bearer_id_number", DELEGATE_ID)
        await choose(pilot, app, "authorisation", 2)  # the letter
        assert "✓" in preview(app) and ref in preview(app)
        await pilot.press("ctrl+s", "ctrl+s")
        await pilot.pause()
        issued = ReleasePass.select().order_by(ReleasePass.id.desc()).first()
        assert issued.authorisation_id == letter.id and issued.items == "钢琴一台"
        # The guard at 11:30: outside 09:30–11:00, refused in place.
        clock.set(datetime(2026, 10, 9, 11, 30, tzinfo=SH))
        await open_modal(pilot, app, ReleasePassScreen(UNIT), login="guard")
        await pilot.press("g")
        await pilot.pause()
        app.screen.query_one("#f-number", Input).value = issued.number
        await type_into(pilot, app, "at", "11:30")
        await choose(pilot, app, "leader_signed", 2)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "09:30–10-0911:00" in dialog_error(app)
        assert ReleasePass.get_by_id(issued.id).used_at is None
        await type_into(pilot, app, "at", "10:55")  # seen at the gate inside the window
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert ReleasePass.get_by_id(issued.id).used_at == datetime(2026, 10, 9, 10, 55,
                                                                     tzinfo=SH)
        assert AuditEvent.get(AuditEvent.action == "pass.checkout").actor.login == "guard"


async def test_the_guard_may_check_out_but_not_issue(make_app) -> None:  # noqa: ANN001
    app = make_app("zh")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_modal(pilot, app, ReleasePassScreen(), login="guard")
        await pilot.press("n")
        await pilot.pause()
        error = str(app.screen.query_one("#duty-error", Static).render())
        assert t("action.pass.issue") in error and isinstance(app.screen, ReleasePassScreen)
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, PreviewDialog)
        assert "开具" in preview(app)
        await pilot.press("ctrl+s")
        await pilot.pause()
        printed = Path(app.session.db_target).parent / "prints" / "release-passes-2026-10.txt"
        assert "搬出物品放行条月汇总 2026-10" in printed.read_text(encoding="utf-8")
        assert AuditEvent.select().where(AuditEvent.action == "pass.summary").count() == 1


# --- mail ----------------------------------------------------------------------------------


@LANGS
async def test_the_overdue_letter_is_handed_over_once(make_app, lang: str) -> None:  # noqa: ANN001
    """KF-021 §3: the registered letter past 6 days shows overdue; h signs it out; a second h
    is refused in place (f shows it among all items)."""
    app = make_app(lang)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_modal(pilot, app, MailScreen(UNIT))
        rows = table_rows(app.screen.query_one("#mail-table", FitTable))
        late = t("ui.mail.overdue", lang=lang, at="10-07")
        assert [r for r in rows if late in r]
        assert t("ui.mail.status_overdue", lang=lang, n=1) in screen_text(app)
        item = MailItem.get(MailItem.kind == "registered", MailItem.collected_at.is_null(),
                            MailItem.recipient == "王建国")
        await pilot.press("h")
        await pilot.pause()
        assert isinstance(app.screen, ActionDialog)
        assert app.screen.query_one("#f-signed_by", Input).value == "王建国"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, MailScreen)
        assert MailItem.get_by_id(item.id).collected_by == "王建国"
        assert table_rows(app.screen.query_one("#mail-table", FitTable)) == []
        await pilot.press("f")
        await pilot.pause()
        table = app.screen.query_one("#mail-table", FitTable)
        table.select_key(str(item.id))
        await pilot.press("h")
        await pilot.pause()
        assert isinstance(app.screen, MailScreen)
        error = str(app.screen.query_one("#duty-error", Static).render())
        assert error.startswith(t("mail.already_collected", lang=lang, by="王建国",
                                  at="10-09 10:00")[:6])
        assert AuditEvent.select().where(AuditEvent.action == "mail.hand_over").count() == 1


async def test_logging_a_registered_letter_needs_its_number(make_app) -> None:  # noqa: ANN001
    app = make_app("zh")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_modal(pilot, app, MailScreen())
        before = MailItem.select().count()
        await pilot.press("n")
        await pilot.pause()
        await type_into(pilot, app, "unit", UNIT)
        await type_into(pilot, app, "recipient", "王建国")
        await choose(pilot, app, "kind", 3)  # registered
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert squash(t("mail.tracking_needed", kind="挂号")) in dialog_error(app)
        assert MailItem.select().count() == before
        await type_into(pilot, app, "tracking_no", "XA000000001CN")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert MailItem.select().count() == before + 1
        assert "XA000000001CN" in screen_text(app)
        # t records the notice on the selected (first, registered) item.
        await pilot.press("t")
        await pilot.pause()
        assert MailItem.select().where(MailItem.notified_at.is_null(False)).count() >= 1


async def test_hold_and_early_return_in_place(make_app, clock) -> None:  # noqa: ANN001
    """KF-021 §4 hold; an unclaimed return before day 6 is refused in the dialog."""
    app = make_app("zh")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_modal(pilot, app, MailScreen("2-2-201"))
        item = MailItem.get(MailItem.tracking_no == "XK039457946CN")
        await pilot.press("k")
        await pilot.pause()
        await type_into(pilot, app, "note", "出差至10-20")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert MailItem.get_by_id(item.id).held_at is not None
        assert t("mail.state.held") in screen_text(app)
        await pilot.press("r")
        await pilot.pause()
        await choose(pilot, app, "reason", 1)  # unclaimed
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert squash(t("mail.held_not_unclaimed")) in dialog_error(app)
        assert MailItem.get_by_id(item.id).returned_at is None
        await choose(pilot, app, "reason", 2)  # misdelivered: at once
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert MailItem.get_by_id(item.id).return_reason == "misdelivered"
        assert clock.now() - MailItem.get_by_id(item.id).returned_at == timedelta(0)


# --- as the clerk sees them ----------------------------------------------------------------


@pytest.mark.parametrize("screen", [ReleasePassScreen, MailScreen])
@LANGS
async def test_80x24_keeps_the_keys_and_chinese_whole(make_app, lang: str,  # noqa: ANN001
                                                      screen) -> None:  # noqa: ANN001
    app = make_app(lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_modal(pilot, app, screen(UNIT))
        text = screen_text(app)
        keys = t("ui.passes.keys" if screen is ReleasePassScreen else "ui.mail.keys", lang=lang)
        assert keys in text
        assert t(f"ui.title.{screen.MODE}", lang=lang) in text
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        app.screen.query_one("#help-box").scroll_end(animate=False)  # rules under the keys
        assert await appears(pilot, app, "KF-014" if screen is ReleasePassScreen else "KF-021")


def test_chinese_breaks_between_characters_not_at_spaces_only() -> None:
    wrapped = cjk_wrap(Text("✓ 王建国 是 3-1-502 业主资料上登记的业主：出示有效身份证件。"), 24)
    lines = wrapped.plain.split("\n")
    assert lines[0].startswith("✓ 王建国 是 3-1-502 业")  # filled, not cut after the code
    assert all(len(line) and not line.startswith(("，", "。", "：")) for line in lines)
