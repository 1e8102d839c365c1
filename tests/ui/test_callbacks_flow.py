"""The callback list (F4) driven by keystrokes on the demo: a satisfied phone callback closes
its ticket, an unsatisfied one reopens it with a clock, an unreached one keeps the attempt and
stays due, an in-person one without a signature is refused (KF-009 §3.1, KF-010 §4.5, KF-012),
and contact details are confirmed with one key (KF-017 §3).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from helpers import screen_text
from kfdesk_screens.callbacks import CallbacksScreen, ContactsScreen
from kfdesk_screens.widgets.dialogs import ActionDialog
from kfdesk_screens.widgets.table import FitTable

from kfdesk import views
from kfdesk.i18n import t
from kfdesk.models import Callback, CallbackAttempt, Person, Ticket

Z = ZoneInfo("Asia/Shanghai")
SIZE = (120, 40)


def due_rows(kind: str) -> list[views.CallbackRow]:
    return [r for r in views.callbacks_due(Z) if r.kind == kind and r.ticket
            and Ticket.get(Ticket.number == r.ticket).state in ("callback", "completed")]


async def open_callback(pilot, row: views.CallbackRow) -> CallbacksScreen:  # noqa: ANN001
    await pilot.press("f4")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, CallbacksScreen)
    screen.show_callback(row.id)
    await pilot.pause()
    assert screen.query_one("#callbacks", FitTable).selected_key() == str(row.id)
    return screen


async def record(pilot, *keys: str, remarks: str = "") -> str:  # noqa: ANN001
    """r, then the keys on the form's choices, remarks typed, Ctrl+S; the error or ""."""
    await pilot.press("r")
    await pilot.pause()
    dialog = pilot.app.screen
    assert isinstance(dialog, ActionDialog)
    await pilot.press(*keys)
    if remarks:
        dialog.query_one("#f-remarks").insert(remarks)
    await pilot.press("ctrl+s")
    await pilot.pause()
    if pilot.app.screen is dialog:
        return str(dialog.query_one("#dlg-error").render())
    return ""


# The repair form: method, reached, attitude, quality, charges, procedure, satisfied, signed,
# contact, remarks, still defective, rework technician. Digits pick the n-th option (1 is "—",
# unanswered, on the questions).
ALL_GOOD = ["tab", "tab", "2", "tab", "2", "tab", "2", "tab", "2", "tab", "2"]


async def test_a_satisfied_phone_callback_closes_its_ticket(make_app) -> None:  # noqa: ANN001
    row = due_rows("repair")[0]
    app = make_app("zh")
    async with app.run_test(size=SIZE) as pilot:
        await open_callback(pilot, row)
        assert await record(pilot, "1", *ALL_GOOD) == ""  # 1: by phone
        cb = Callback.get_by_id(row.id)
        assert (cb.method, cb.attitude, cb.quality, cb.charges, cb.procedure_followed,
                cb.satisfaction) == ("phone", "good", "good", "good", True, "satisfied")
        assert Ticket.get(Ticket.number == row.ticket).state == "closed"
        assert str(row.id) not in [k for k, _ in app.screen._rows]
        # The record: "done in the last 7 days" lists it, with when it was done.
        app.screen.query_one("#f-due").value = "done"
        app.screen.reload()
        await pilot.pause()
        assert str(row.id) in [k for k, _ in app.screen._rows]
        assert t("ui.callbacks.done_at", at="10:00") in screen_text(app)


async def test_an_unsatisfied_complaint_leaves_f4_until_handled_again(make_app) -> None:  # noqa: ANN001
    """KF-012 reopens it; issue 16: it is not owed a callback (nor on F4, where it could be
    recorded satisfied before any rework) until its handling ends again (KF-010 §4.5)."""
    row = due_rows("complaint")[0]
    app = make_app("zh")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_callback(pilot, row)
        # complaint form: method, reached, satisfied, signed, contact, remarks
        assert await record(pilot, "tab", "tab", "3", remarks="仍然很吵") == ""
        ticket = Ticket.get(Ticket.number == row.ticket)
        assert ticket.state == "dispatched"
        assert not Callback.select().where((Callback.ticket == ticket)
                                           & Callback.done_at.is_null()).exists()
        await pilot.pause()
        assert row.ticket not in [r.ticket for r in views.callbacks_due(screen.zone)]
        assert str(row.id) not in screen.query_one("#callbacks", FitTable).row_keys


async def test_an_unreached_call_keeps_the_attempt_and_stays_due(make_app) -> None:  # noqa: ANN001
    row = due_rows("repair")[0]
    app = make_app("zh")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_callback(pilot, row)
        before = CallbackAttempt.select().where(CallbackAttempt.callback == row.id).count()
        assert await record(pilot, "tab", "2", remarks="无人接听") == ""  # not reached
        assert Callback.get_by_id(row.id).done_at is None
        assert CallbackAttempt.select().where(CallbackAttempt.callback == row.id).count() \
            == before + 1
        assert screen.query_one("#callbacks", FitTable).selected_key() == str(row.id)


async def test_in_person_without_a_signature_is_refused(make_app) -> None:  # noqa: ANN001
    row = due_rows("repair")[0]
    app = make_app("zh")
    async with app.run_test(size=SIZE) as pilot:
        await open_callback(pilot, row)
        error = await record(pilot, "2", *ALL_GOOD)  # 2: in person; signed left at "no"
        assert error == t("callback.unsigned")
        await pilot.press("escape", "escape")
        assert Callback.get_by_id(row.id).done_at is None
        # An untouched form names the first question not asked.
        error = await record(pilot)
        assert error == t("callback.answer_needed", question=t("callback.question.attitude"))


async def test_contact_details_are_confirmed_with_one_key(make_app) -> None:  # noqa: ANN001
    app = make_app("en")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f4", "c")
        await pilot.pause()
        assert isinstance(app.screen, ContactsScreen)
        due = views.contacts_due(app.session.clock.now(), Z)
        first = due[0]
        assert first.name in screen_text(app)
        await pilot.press("k")
        await pilot.pause()
        person = Person.get_by_id(first.person_id)
        assert person.contact_verified_at == app.session.clock.now()
        assert first.person_id not in [r.person_id for r in
                                       views.contacts_due(app.session.clock.now(), Z)]


async def test_the_supervisors_duties_open_from_their_screens(make_app) -> None:  # noqa: ANN001
    """KF-009 §3.1.2 sample on F4 (s), §3.2 visits and §3.3 survey on F7 (v, y)."""
    from kfdesk_screens.sampling import SamplingScreen
    from kfdesk_screens.survey import SurveyScreen
    from kfdesk_screens.visits import VisitsScreen

    app = make_app("zh")
    async with app.run_test(size=SIZE) as pilot:
        for keys, screen in ((("f4", "s"), SamplingScreen), (("f7", "v"), VisitsScreen),
                             (("f7", "y"), SurveyScreen)):
            await pilot.press(*keys)
            await pilot.pause()
            assert isinstance(app.screen, screen), keys
            await pilot.press("escape")
            await pilot.pause()
            assert not isinstance(app.screen, screen)


async def test_callbacks_left_out_of_the_sample_are_not_listed(make_app) -> None:  # noqa: ANN001
    row = due_rows("repair")[0]
    Callback.update(sampled=False).where(Callback.id == row.id).execute()
    app = make_app("zh")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f4")
        await pilot.pause()
        assert str(row.id) not in [k for k, _ in app.screen._rows]


async def test_a_resident_at_the_counter_confirms_their_contact_details(make_app) -> None:  # noqa: ANN001
    """KF-017 §3: on F6, one key (then which member of the household)."""
    app = make_app("zh")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f6")
        await pilot.pause()
        app.screen.show_unit("3-1-502")
        await pilot.pause()
        await pilot.press("k")
        await pilot.pause()
        assert isinstance(app.screen, ActionDialog)
        first = views.household("3-1-502")[0]
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert Person.get_by_id(first.person_id).contact_verified_at == app.session.clock.now()
