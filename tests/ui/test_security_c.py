"""Issue 19 (no error closes the counter; the counter in a browser): a store error in a save is
one line and the app stays open; a NUL pasted into F6's search is refused and the app stays
open; intake's "new form" has a key a browser lets through, shown in the footer when served.

Pilot on the demo community at the fixed clock. The store error is simulated: the audit row
every write adds raises what PostgreSQL raises for a value too long.
"""

from __future__ import annotations

from pathlib import Path

import peewee as pw
import pytest
from helpers import screen_text
from kfdesk_screens.intake import IntakeScreen
from kfdesk_screens.residents import ResidentsScreen
from textual import events
from textual.widgets import TextArea

from kfdesk.i18n import t
from kfdesk.models import AuditEvent, Ticket

SIZE = (120, 40)
SETTLE = 0.4
LANGS = pytest.mark.parametrize("lang", ["zh", "en"])


@LANGS
async def test_a_store_error_in_a_save_is_one_line_and_the_app_stays_open(
        make_app, lang: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    log = tmp_path / "errors.log"
    monkeypatch.setenv("KFDESK_LOG", str(log))

    def refuse(*args: object, **kwargs: object) -> None:
        raise pw.DataError("value too long for type character varying(128)")

    app = make_app(lang)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, IntakeScreen)
        await pilot.press(*"3-1-502")
        await pilot.pause(SETTLE)
        await pilot.press("enter")
        await pilot.pause()
        app.screen.query_one("#text", TextArea).text = "楼道灯不亮"
        await pilot.pause()
        before = Ticket.select().count()
        monkeypatch.setattr(AuditEvent, "create", refuse)
        await pilot.press("ctrl+s")
        await pilot.pause(SETTLE)
        assert app.is_running and isinstance(app.screen, IntakeScreen)
        assert Ticket.select().count() == before  # rolled back with the audit row
        line = t("store_error.save", lang=lang,
                 reason="value too long for type character varying(128)", log=str(log))
        assert line in str(app.screen.query_one("#hint").render())
        assert "Traceback" in log.read_text(encoding="utf-8")  # the details, for whoever fixes
        assert log.stat().st_mode & 0o777 == 0o600
        # The typing is still there: put right, it saves.
        assert app.screen.query_one("#text", TextArea).text == "楼道灯不亮"
        monkeypatch.undo()
        await pilot.press("ctrl+s")
        await pilot.pause(SETTLE)
        assert Ticket.select().count() == before + 1


@LANGS
async def test_a_nul_in_f6_search_is_refused_and_the_app_stays_open(make_app, lang: str) -> None:  # noqa: ANN001
    app = make_app(lang)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f6")
        await pilot.pause()
        assert isinstance(app.screen, ResidentsScreen)
        box = app.screen.query_one("#query")
        await pilot.press(*"3-1")
        box.post_message(events.Paste("502\x00 OR 1=1"))
        await pilot.pause(SETTLE)
        assert app.is_running and isinstance(app.screen, ResidentsScreen)
        assert box.value == "3-1"  # nothing of the paste went in
        said = [n.message for n in app._notifications]  # noqa: SLF001 - the toasts shown
        assert t("security_c.control_chars", lang=lang) in said
        box.insert_text_at_cursor("\x1b[2J")  # an escape sequence is a control character too
        assert box.value == "3-1"
        await pilot.press(*"-502")
        await pilot.pause(SETTLE)
        assert "3-1-502" in screen_text(app)  # the box still searches


async def test_new_form_has_a_key_a_browser_lets_through(make_app, monkeypatch) -> None:  # noqa: ANN001
    """Ctrl+N opens a new browser window and never reaches a served counter: Alt+N does the
    same, and the footer shows it instead of Ctrl+N when served."""
    app = make_app("en")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2")
        await pilot.pause()
        footer = screen_text(app).splitlines()[-1]
        new_form = t("ui.key.new_form", lang="en")
        assert new_form in footer and "^n" in footer.lower().replace("ctrl+", "^")
        app.screen.query_one("#text", TextArea).text = "typed"
        await pilot.pause()
        await pilot.press("alt+n")  # as Ctrl+N: something typed, so it warns first …
        await pilot.pause()
        said = [n.message for n in app._notifications]  # noqa: SLF001 - the toasts shown
        assert t("ui.form.drop_typed_new", lang="en") in said
        assert app.screen.query_one("#text", TextArea).text == "typed"
        await pilot.press("alt+n")  # … and the second press clears the form
        await pilot.pause()
        assert app.screen.query_one("#text", TextArea).text == ""

        monkeypatch.setattr(type(app), "is_web", property(lambda self: True))
        app.screen.query_one("DeskFooter").refresh()
        await pilot.pause()
        footer = screen_text(app).splitlines()[-1]
        assert new_form in footer
        low = footer.lower()
        assert "^n" not in low and "ctrl+n" not in low and ("alt+n" in low or "⌥" in low
                                                             or "m-n" in low)


async def test_a_dialog_whose_write_the_store_refuses_stays_open_with_one_line(
        make_app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    """A write outside a service's transaction (the dialog's own submit) refused by the
    database: the dialog says so in one line and stays open with the typing."""
    from kfdesk_screens.widgets.dialogs import ActionDialog, Field

    monkeypatch.setenv("KFDESK_LOG", str(tmp_path / "errors.log"))

    def submit(values: dict) -> str:
        raise pw.IntegrityError("UNIQUE constraint failed: staff.login")

    app = make_app("zh")
    async with app.run_test(size=SIZE) as pilot:
        dialog = ActionDialog("标题", [Field("note", "备注")], submit)
        await app.push_screen(dialog)
        await pilot.pause()
        await pilot.press(*"abc", "ctrl+s")
        await pilot.pause()
        assert app.is_running and app.screen is dialog
        said = str(dialog.query_one("#dlg-error").render())
        assert said.startswith("数据库拒绝了这次保存：UNIQUE constraint failed: staff.login")
        assert dialog.query_one("#f-note").value == "abc"
