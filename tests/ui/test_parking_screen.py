"""KF-015 §6.1 temporary parking: the invoice books and settlements modal by keystroke.

On a copy of the demo community (two attendants, each holding a ¥5 and a ¥10 book, settled
up to 30 September), in Chinese and English: the cashier sees who settles next and the books
out; issuing a second ¥5 book to an attendant is refused in place, a ¥20 one is issued; the
settle dialog shows the invoices' value, what is due and the difference live, refuses a
difference without a reason (nothing saved), then records the settlement, which `p` prints;
a book goes back with `r`. A clerk reads but cannot settle. Expectations are read through
the views and models on the same store.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import appears, screen_text, table_rows
from kfdesk_screens.help import HelpScreen
from kfdesk_screens.parking import ParkingScreen, SettleDialog
from kfdesk_screens.widgets.choice import ChoiceField
from kfdesk_screens.widgets.dialogs import ActionDialog
from kfdesk_screens.widgets.table import FitTable
from textual.widgets import Input

from kfdesk.config import default_settings
from kfdesk.i18n import t
from kfdesk.models import AuditEvent, InvoiceBook, ParkingSettlement, Staff
from kfdesk.printing import print_folder
from kfdesk.views import parking as pviews

LANGS = pytest.mark.parametrize("lang", ["zh", "en"])
SETTINGS = default_settings()
ATTENDANT = "林国栋"




async def open_as(pilot, app, role: str) -> ParkingScreen:  # noqa: ANN001
    app.session.staff = Staff.get(Staff.role == role)
    screen = ParkingScreen()
    app.push_screen(screen)
    await pilot.pause()
    return screen


def _book(value_fen: int, name: str = ATTENDANT) -> InvoiceBook:
    return InvoiceBook.get((InvoiceBook.attendant == name) & InvoiceBook.returned_at.is_null()
                           & (InvoiceBook.denomination_fen == value_fen))


def _counts() -> tuple[int, int, int]:
    return (InvoiceBook.select().count(), ParkingSettlement.select().count(),
            AuditEvent.select().where(AuditEvent.action.startswith("parking.")).count())


@LANGS
async def test_books_out_and_who_settles_next(make_app, lang: str) -> None:  # noqa: ANN001
    app = make_app(lang)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_as(pilot, app, "cashier")
        text = screen_text(app)
        assert t("ui.title.parking", lang=lang) in text
        # RULES §8: settled up to 30 September, so the next settlement is due on 16 October.
        assert t("ui.parking.due_at", lang=lang, at="10-16 17:30") in text
        assert t("ui.parking.since", lang=lang, day="2026-10-01") in text
        books = table_rows(screen.query_one("#book-table", FitTable))
        out = pviews.books(SETTINGS.zone)
        assert len(books) == len(out) == 4
        assert [r[0] for r in books] == [b.attendant for b in out]
        history = table_rows(screen.query_one("#settlement-table", FitTable))
        assert len(history) == len(pviews.settlements(SETTINGS.zone))
        assert t("ui.parking.keys", lang=lang) in text
        # Every key on the screen is shown, and F1 has the rules.
        await pilot.press("f1")
        assert await appears(pilot, app, "KF-015 §6.1.1")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ParkingScreen)


@LANGS
async def test_issue_refused_in_place_then_a_new_value_issued(make_app,  # noqa: ANN001
                                                              lang: str) -> None:
    """KF-015 §6.1.1: one book per denomination — a second ¥5 book is refused, ¥20 is fine."""
    app = make_app(lang)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_as(pilot, app, "cashier")
        table = screen.query_one("#book-table", FitTable)
        held = _book(500)
        table.select_key(str(held.id))
        await pilot.press("i")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ActionDialog)
        assert dialog.query_one("#f-attendant", Input).value == ATTENDANT  # from the cursor
        dialog.query_one("#f-first_no", Input).value = "90000001"
        dialog.query_one("#f-last_no", Input).value = "90000100"
        before = _counts()
        await pilot.press("ctrl+s")
        refusal = t("parking.already_holds", lang=lang, attendant=ATTENDANT, value="¥5.00",
                    first=held.first_no, last=held.last_no)
        assert await appears(pilot, app, refusal[:16]), screen_text(app)
        assert app.screen is dialog and _counts() == before
        dialog.query_one("#f-denomination", ChoiceField).value = "20"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ParkingScreen)
        issued = _book(2000)
        assert (issued.first_no, issued.last_no) == (90000001, 90000100)
        assert str(issued.id) in table.row_keys
        assert AuditEvent.get(AuditEvent.action == "parking.issue").record_id == issued.id


@LANGS
async def test_settle_shows_the_difference_live_and_needs_a_reason(make_app,  # noqa: ANN001
                                                                   lang: str) -> None:
    """KF-015 §6.1.2: stubs counted per book, due from the statements, difference exact."""
    app = make_app(lang)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_as(pilot, app, "cashier")
        five, ten = _book(500), _book(1000)
        settled_ten = ten.used_up_to
        screen.query_one("#book-table", FitTable).select_key(str(five.id))
        await pilot.press("s")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, SettleDialog)
        assert dialog.query_one("#f-period_end", Input).value == "2026-10-09"
        # 30 × ¥5 on the new book + 11 × ¥10 since the last settlement = ¥260.00.
        dialog.query_one(f"#f-book_{five.id}", Input).value = str(five.first_no + 29)
        dialog.query_one(f"#f-book_{ten.id}", Input).value = str(settled_ten + 11)
        assert await appears(pilot, app, t("ui.parking.live_invoices", lang=lang, n=41,
                                           amount="¥260.00"))
        dialog.query_one("#f-statements", Input).value = "260"
        dialog.query_one("#f-cash", Input).value = "259.5"
        assert await appears(pilot, app, t("ui.parking.live_difference", lang=lang,
                                           amount="-¥0.50"))
        assert t("ui.parking.live_reason", lang=lang) in screen_text(app)
        before = _counts()
        await pilot.press("ctrl+s")
        assert await appears(pilot, app, t("parking.reason_required", lang=lang)[:20])
        assert app.screen is dialog and _counts() == before
        dialog.query_one("#f-reason", Input).value = "找零少收5角"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ParkingScreen)
        row = ParkingSettlement.select().order_by(ParkingSettlement.id.desc()).get()
        assert (row.attendant, row.stubs_cancelled, row.invoices_fen, row.due_fen,
                row.received_fen, row.reason) == (ATTENDANT, 41, 26000, 26000, 25950,
                                                  "找零少收5角")
        assert InvoiceBook.get_by_id(five.id).used_up_to == five.first_no + 29
        assert InvoiceBook.get_by_id(ten.id).used_up_to == settled_ten + 11
        # The new settlement is selected: p prints its slip into the office's print folder.
        history = screen.query_one("#settlement-table", FitTable)
        assert history.selected_key() == str(row.id)
        await pilot.press("p")
        await pilot.pause()
        event = AuditEvent.get(AuditEvent.action == "parking.print")
        where = Path(json.loads(event.detail)["where"])
        assert where.parent == print_folder(app.session.db_target)
        slip = where.read_text(encoding="utf-8")
        assert "贰佰伍拾玖元伍角" in slip and "-¥0.50" in slip
        # The next settlement for this attendant is now counted from 10 October.
        assert await appears(pilot, app, t("ui.parking.since", lang=lang, day="2026-10-10"))


@LANGS
async def test_a_book_goes_back_with_r(make_app, lang: str) -> None:  # noqa: ANN001
    app = make_app(lang)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_as(pilot, app, "cashier")
        book = _book(1000)
        screen.query_one("#book-table", FitTable).select_key(str(book.id))
        await pilot.press("r")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ActionDialog)
        # A number past the settled one: those stubs are not settled, so it stays.
        dialog.query_one("#f-used_up_to", Input).value = str(book.used_up_to + 5)
        before = _counts()
        await pilot.press("ctrl+s")
        refusal = t("parking.return_unsettled", lang=lang, first=book.used_up_to + 1,
                    last=book.used_up_to + 5, n=5)
        assert await appears(pilot, app, refusal[:20])
        assert app.screen is dialog and _counts() == before
        dialog.query_one("#f-used_up_to", Input).value = str(book.used_up_to)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ParkingScreen)
        assert InvoiceBook.get_by_id(book.id).returned_at is not None
        assert str(book.id) not in screen.query_one("#book-table", FitTable).row_keys
        detail = json.loads(AuditEvent.get(AuditEvent.action == "parking.return").detail)
        assert detail["unused"] == book.last_no - book.used_up_to


@LANGS
async def test_a_clerk_reads_but_cannot_settle(make_app, lang: str) -> None:  # noqa: ANN001
    app = make_app(lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_as(pilot, app, "clerk")
        assert t("ui.parking.keys_read", lang=lang)[:20] in screen_text(app)
        before = _counts()
        for key in ("s", "i", "r"):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, ParkingScreen)  # no dialog opened
        refusal = t("auth.not_allowed", lang=lang, role=t("role.clerk", lang=lang),
                    action=t("action.parking.return", lang=lang))
        assert await appears(pilot, app, refusal)
        assert _counts() == before


async def test_a_settlement_after_the_days_count_says_it_goes_to_the_next_hand_over(
        make_app) -> None:  # noqa: ANN001
    """RULES v2 §4 (issue 17): the cash of a settlement taken after the cashier counted the day
    is not in that count; the screen says so, and the money waits for the next hand-over."""
    from kfdesk.desk.hand_over import expected, submit_hand_over

    app = make_app("zh")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_as(pilot, app, "cashier")
        cashier = Staff.get(Staff.login == "cashier")
        clock = app.session.clock
        day = clock.now().astimezone(SETTINGS.zone).date()
        submit_hand_over(day, {1: expected(cashier, day, SETTINGS).cash_fen}, "", cashier,
                         clock, SETTINGS)
        five, ten = _book(500), _book(1000)
        screen.query_one("#book-table", FitTable).select_key(str(five.id))
        await pilot.press("s")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, SettleDialog)
        dialog.query_one(f"#f-book_{five.id}", Input).value = str(five.first_no + 9)
        dialog.query_one(f"#f-book_{ten.id}", Input).value = str(ten.used_up_to)
        dialog.query_one("#f-statements", Input).value = "50"
        dialog.query_one("#f-cash", Input).value = "50"
        await pilot.press("ctrl+s")
        await pilot.pause()
        messages = [str(n.message) for n in app._notifications]  # noqa: SLF001
        assert any(m.endswith(t("ui.parking.next_hand_over")) for m in messages), messages
        row = ParkingSettlement.select().order_by(ParkingSettlement.id.desc()).get()
        assert row.hand_over_id is None and row.received_fen == 5000
