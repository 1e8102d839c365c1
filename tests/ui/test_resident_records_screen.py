"""KF-017 resident records modal (opened from F6 with the unit it shows), by keystroke.

On a copy of the demo community, in Chinese and English: phones and ID numbers are masked; a
bad ID number is refused in place with nothing saved, then the person is registered; a clerk
reveals a phone (logged) but is never offered the ID number, a cashier is refused in place;
a change of owner puts the previous owner into the history (h) with the day the file is kept
to; move out, emergency contacts and the unit status; F1 shows the rules; 80×24 works.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from helpers import appears, screen_text, table_rows
from kfdesk_screens.help import HelpScreen
from kfdesk_screens.resident_records import ResidentRecordsScreen
from kfdesk_screens.widgets.choice import ChoiceField
from kfdesk_screens.widgets.dialogs import ActionDialog
from kfdesk_screens.widgets.table import FitTable
from textual.widgets import Input, Static

from kfdesk.i18n import t
from kfdesk.ids import id_check_digit
from kfdesk.models import AuditEvent, EmergencyContact, Occupancy, Person, Staff, Unit

LANGS = pytest.mark.parametrize("lang", ["zh", "en"])
UNIT = "3-1-502"


def make_id(first17: str) -> str:
    return first17 + id_check_digit(first17)


NEW_ID = make_id("44030519800101123")




async def open_as(pilot, app, role: str) -> ResidentRecordsScreen:  # noqa: ANN001
    app.session.staff = Staff.get(Staff.role == role)
    app.push_screen(ResidentRecordsScreen(UNIT))
    await pilot.pause()
    assert isinstance(app.screen, ResidentRecordsScreen)
    return app.screen


def owner() -> Person:
    occ = (Occupancy.select().join(Unit).where((Unit.code == UNIT) & (Occupancy.role == "owner")
                                               & Occupancy.ended_on.is_null()).get())
    return occ.person


def table(app) -> FitTable:  # noqa: ANN001
    """The table on show (the people now, or the history after h)."""
    return app.screen.table


async def dialog_says(pilot, app, text: str) -> bool:  # noqa: ANN001
    """The open dialog shows ``text`` as its refusal (it may wrap on screen)."""
    for _ in range(40):
        if isinstance(app.screen, ActionDialog) and text in str(
                app.screen.query_one("#dlg-error", Static).render()):
            return True
        await pilot.pause(0.05)
    return False


def fill(app, **values: str) -> None:  # noqa: ANN001
    for name, value in values.items():
        widget = app.screen.query_one(f"#f-{name}")
        if isinstance(widget, ChoiceField):
            widget.value = value
        else:
            app.screen.query_one(f"#f-{name}", Input).value = value


@LANGS
async def test_masked_and_a_bad_id_number_is_refused_in_place(make_app, lang: str) -> None:  # noqa: ANN001
    app = make_app(lang)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_as(pilot, app, "clerk")
        person = owner()
        text = screen_text(app)
        assert t("ui.resident_records.title", lang=lang, unit=UNIT) in text
        assert person.name in text and "138****5678" in text
        assert person.phone not in text and person.id_number not in text
        assert t("ui.resident_records.keys_clerk", lang=lang) in text
        # n: register a household member; a mistyped ID number stays in the dialog.
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, ActionDialog)
        before = (Person.select().count(), Occupancy.select().count(),
                  AuditEvent.select().count())
        bad = NEW_ID[:-1] + ("1" if NEW_ID[-1] != "1" else "2")
        fill(app, role="family", name="王小明", id_number=bad, relation="son")
        await pilot.press("ctrl+s")
        assert await dialog_says(pilot, app, t("residents.id.check", lang=lang, text=bad))
        assert isinstance(app.screen, ActionDialog)
        assert app.screen.focused is app.screen.query_one("#f-id_number")
        assert (Person.select().count(), Occupancy.select().count(),
                AuditEvent.select().count()) == before
        fill(app, id_number=NEW_ID)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ResidentRecordsScreen)
        occ = Occupancy.select().join(Person).where(Person.name == "王小明").get()
        assert (occ.role, occ.relation, occ.person.id_number) == ("family", "son", NEW_ID)
        assert f"o{occ.id}" in table(app).row_keys
        assert await appears(pilot, app, "4403**********" + NEW_ID[-4:])
        assert NEW_ID not in screen_text(app)


@LANGS
async def test_a_clerk_reveals_a_phone_logged_a_cashier_is_refused(make_app,  # noqa: ANN001
                                                                    lang: str) -> None:
    """KF-017 §4: v for a role that may (each reveal logged); refused in place otherwise."""
    app = make_app(lang)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_as(pilot, app, "clerk")
        person = owner()
        occ = Occupancy.get((Occupancy.person == person.id) & Occupancy.ended_on.is_null())
        table(app).select_key(f"o{occ.id}")
        await pilot.press("v")
        await pilot.pause()
        assert isinstance(app.screen, ActionDialog)
        # A clerk is offered the phone only, never the ID number.
        offered = [v for v, _ in app.screen.query_one("#f-field", ChoiceField).options]
        assert offered == ["phone", "phone2"]
        fill(app, reason="回访联系不上")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ResidentRecordsScreen)
        assert await appears(pilot, app, person.phone)
        event = AuditEvent.get(AuditEvent.action == "person.reveal_phone")
        assert (event.actor.role, event.record_id) == ("clerk", person.id)
        assert json.loads(event.detail)["reason"] == "回访联系不上"
        await pilot.press("escape")
        await pilot.pause()
        # A cashier reads the masked records but may not reveal anything.
        await open_as(pilot, app, "cashier")
        assert t("ui.resident_records.keys_read", lang=lang) in screen_text(app)
        assert person.phone not in screen_text(app)
        table(app).select_key(f"o{occ.id}")
        before = AuditEvent.select().count()
        await pilot.press("v")
        refusal = t("auth.not_allowed", lang=lang, role=t("role.cashier", lang=lang),
                    action=t("action.person.reveal_id", lang=lang))
        assert await appears(pilot, app, refusal)
        assert isinstance(app.screen, ResidentRecordsScreen)
        assert AuditEvent.select().count() == before
        # Nor write: n is refused in place too.
        await pilot.press("n")
        assert await appears(pilot, app, t("auth.not_allowed", lang=lang,
                                           role=t("role.cashier", lang=lang),
                                           action=t("action.residents.register", lang=lang)))


@LANGS
async def test_change_of_owner_keeps_the_previous_owner_in_the_history(make_app,  # noqa: ANN001
                                                                        lang: str) -> None:
    """KF-017 §1.3: o changes the owner; h shows the previous one, kept for 5 years."""
    app = make_app(lang)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_as(pilot, app, "supervisor")
        previous = owner()
        assert t("ui.resident_records.keys", lang=lang) in screen_text(app)
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, ActionDialog)
        fill(app, name="黄蓉", phone="13800001111", id_number=NEW_ID, on="2026-10-01")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ResidentRecordsScreen)
        assert owner().name == "黄蓉"
        names = [row[0] for row in table_rows(table(app))]
        assert "黄蓉" in names and previous.name not in names
        await pilot.press("h")
        await pilot.pause()
        assert t("ui.resident_records.title_history", lang=lang, unit=UNIT) in screen_text(app)
        rows = table_rows(table(app))
        assert table(app).id == "history-table"
        assert [previous.name, t("occupancy.owner", lang=lang), "", "2015-08-27", "2026-10-01",
                "2031-10-01"] in rows
        # Moving out or removing from the history is not offered: it is kept as it is.
        await pilot.press("m")
        assert await appears(pilot, app, t("ui.resident_records.pick_person", lang=lang))
        await pilot.press("h")
        await pilot.pause()
        assert previous.name not in [row[0] for row in table_rows(table(app))]


@LANGS
async def test_move_out_contacts_and_status(make_app, lang: str) -> None:  # noqa: ANN001
    app = make_app(lang)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_as(pilot, app, "clerk")
        family = (Occupancy.select().join(Unit).where(
            (Unit.code == UNIT) & (Occupancy.role == "family") & Occupancy.ended_on.is_null())
            .order_by(Occupancy.id).first())
        # m on the selected household member: moved out today, kept as history.
        table(app).select_key(f"o{family.id}")
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, ActionDialog)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert Occupancy.get_by_id(family.id).ended_on == date(2026, 10, 9)
        assert f"o{family.id}" not in table(app).row_keys
        # e adds an emergency contact (a bad phone first: refused in place), x removes it.
        await pilot.press("e")
        await pilot.pause()
        fill(app, name="王芳", phone="12345", relation="daughter")
        await pilot.press("ctrl+s")
        assert await dialog_says(pilot, app, t("residents.bad_phone", lang=lang, text="12345"))
        fill(app, phone="13700001111")
        await pilot.press("ctrl+s")
        await pilot.pause()
        contact = (EmergencyContact.select().join(Unit)
                   .where((Unit.code == UNIT) & (EmergencyContact.name == "王芳")).get())
        assert f"c{contact.id}" in table(app).row_keys
        assert "137****1111" in screen_text(app) and "13700001111" not in screen_text(app)
        table(app).select_key(f"c{contact.id}")
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ActionDialog)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert EmergencyContact.get_or_none(EmergencyContact.id == contact.id) is None
        # s: the unit's status.
        await pilot.press("s")
        await pilot.pause()
        fill(app, status="vacant")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert Unit.get(Unit.code == UNIT).status == "vacant"
        assert await appears(pilot, app, t("unit_status.vacant", lang=lang))
        actions = [e.action for e in AuditEvent.select().where(
            AuditEvent.action.in_(("person.move_out", "emergency_contact.add",
                                   "emergency_contact.remove", "unit.status")))
            .order_by(AuditEvent.id)]
        assert actions == ["person.move_out", "emergency_contact.add",
                           "emergency_contact.remove", "unit.status"]


@LANGS
async def test_small_terminal_and_help(make_app, lang: str) -> None:  # noqa: ANN001
    app = make_app(lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_as(pilot, app, "clerk")
        text = screen_text(app)
        assert owner().name in text and "138****5678" in text
        await pilot.press("h")
        await pilot.pause()
        assert t("ui.resident_records.title_history", lang=lang, unit=UNIT) in screen_text(app)
    app = make_app(lang)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_as(pilot, app, "clerk")
        await pilot.press("f1")
        assert await appears(pilot, app, "KF-017 §1.3")
        assert isinstance(app.screen, HelpScreen)
        assert t("ui.resident_records.key.reveal", lang=lang) in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ResidentRecordsScreen)
