"""Temporary parking invoice books and the half-monthly settlement (KF-015 §6.1, RULES §8).

Covers: one book per denomination per attendant (KF-015 §6.1.1) — a different value is
fine, and so is a new book once the old one is handed back or used up; overlapping number
ranges refused; the settlement (KF-015 §6.1.2) counts the stubs used since the previous
settlement per book, cancels them and closes a book used to its last number; cash − due and
invoices − statements exact to the fen, a non-zero difference needing a reason; bad amounts
and numbers refused with nothing written; the ``parking_settlement`` clock stops on
settlement (also across a book exchange) and once every book is back; the cashier's parking
cash of a day for the hand-over; the printed slip with the amount in words.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kfdesk.clock import FixedClock
from kfdesk.config import Settings, load_settings
from kfdesk.desk import parking
from kfdesk.desk.base import DeskError
from kfdesk.desk.parking import (
    DENOMINATIONS_YUAN,
    figures,
    issue_book,
    parse_number,
    parse_yuan,
    print_settlement_slip,
    return_book,
    settle,
    settlement_slip,
)
from kfdesk.models import AuditEvent, Deadline, InvoiceBook, ParkingSettlement
from kfdesk.money import amount_in_words
from kfdesk.rules import RuleContext, evaluate
from kfdesk.rules.periods import sync_periods
from kfdesk.views import parking as views

ATTENDANT = "林国栋"
OTHER = "许文华"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # Shipped defaults only: no user file, no KFDESK_* variables from the shell.
    return load_settings(None, environ={"KFDESK_CONFIG": str(tmp_path / "no-settings.toml")})


def _snapshot() -> tuple:
    return (tuple(InvoiceBook.select().order_by(InvoiceBook.id).tuples()),
            tuple(ParkingSettlement.select().order_by(ParkingSettlement.id).tuples()),
            AuditEvent.select().count(),
            tuple(Deadline.select().order_by(Deadline.id).tuples()))


def _refused(key: str, call, *args, **kwargs) -> DeskError:  # noqa: ANN001, ANN003
    """``call`` is refused with ``key`` and changes nothing (KF-015: a refusal writes nothing)."""
    before = _snapshot()
    with pytest.raises(DeskError) as exc:
        call(*args, **kwargs)
    assert exc.value.key == key, exc.value.message()
    assert _snapshot() == before
    return exc.value


def _issue(office: dict, clock: FixedClock, settings: Settings, value: str = "5",
           first: int = 1001, last: int = 1100, name: str = ATTENDANT) -> InvoiceBook:
    return issue_book(name, value, first, last, office["cashier"], clock, settings)


def _settle(office: dict, clock: FixedClock, settings: Settings, used: dict[int, int],
            due: int, cash: int, reason: str = "", end: date | None = None,
            name: str = ATTENDANT) -> ParkingSettlement:
    end = end or clock.now().astimezone(SHANGHAI).date()
    return settle(name, end, used, due, cash, reason, office["cashier"], clock, settings)


def _clocks(name: str = ATTENDANT) -> list[Deadline]:
    return list(Deadline.select().where((Deadline.clock == "parking_settlement")
                                        & (Deadline.item_ref == name))
                .order_by(Deadline.cycle, Deadline.id))


def _running(name: str = ATTENDANT) -> list[Deadline]:
    return [d for d in _clocks(name) if d.stopped_at is None]


# ---- issuing books (KF-015 §6.1.1) ------------------------------------------------------------


def test_the_usual_fixed_invoice_values() -> None:
    assert DENOMINATIONS_YUAN == ("1", "2", "5", "10", "20")
    assert parking.DENOMINATIONS_FEN == (100, 200, 500, 1000, 2000)


def test_issue_a_book_is_audited_and_starts_the_settlement_clock(office, clock, settings):
    book = _issue(office, clock, settings, "10.00", 44031001, 44031100)
    assert (book.attendant, book.denomination_fen, book.first_no, book.last_no) == (
        ATTENDANT, 1000, 44031001, 44031100)
    assert book.used_up_to is None and book.returned_at is None
    event = AuditEvent.get(AuditEvent.action == "parking.issue")
    assert event.actor_id == office["cashier"].id and event.record_id == book.id
    assert json.loads(event.detail)["first"] == 44031001
    # RULES §8: issued Fri 9 Oct → the next settlement day is the 16th, at business close.
    (clock_row,) = _running()
    assert clock_row.due_at == at(2026, 10, 16, 17, 30)


def test_one_book_per_denomination_at_a_time(office, clock, settings):
    """KF-015 §6.1.1 每次每种发票限领一本: a second ¥5 book is refused, a ¥10 one is fine."""
    first = _issue(office, clock, settings, "5", 1001, 1100)
    error = _refused("parking.already_holds", _issue, office, clock, settings, "5", 2001, 2100)
    assert "1001–1100" in error.message()
    assert error.field == "denomination"
    other_value = _issue(office, clock, settings, "10", 1001, 1100)  # another kind of invoice
    assert other_value.denomination_fen == 1000
    # Another attendant may hold a ¥5 book at the same time (not the same numbers).
    _issue(office, clock, settings, "5", 2001, 2100, name=OTHER)
    # Once the first is handed back, a new ¥5 book may be issued.
    return_book(first.id, None, office["cashier"], clock, settings)
    assert _issue(office, clock, settings, "5", 3001, 3100).first_no == 3001


def test_a_book_used_up_at_settlement_makes_room_for_the_next(office, clock, settings):
    book = _issue(office, clock, settings, "5", 1001, 1050)
    _settle(office, clock, settings, {book.id: 1050}, 25000, 25000)
    closed = InvoiceBook.get_by_id(book.id)
    assert closed.used_up_to == 1050 and closed.returned_at == clock.now()
    assert _issue(office, clock, settings, "5", 1051, 1100).first_no == 1051


def test_overlapping_ranges_are_refused(office, clock, settings):
    """Invoice numbers of one value are unique: no two books of it may share a number."""
    returned = _issue(office, clock, settings, "5", 1001, 1100, name=OTHER)
    return_book(returned.id, None, office["cashier"], clock, settings)
    for first, last in ((1001, 1100), (950, 1001), (1100, 1200), (1050, 1060), (900, 1300)):
        error = _refused("parking.range_overlaps", _issue, office, clock, settings, "5",
                         first, last)
        assert error.params["attendant"] == OTHER  # even a book already handed back
    # Touching is not overlapping; the same numbers in another value are another invoice.
    assert _issue(office, clock, settings, "5", 1101, 1200).first_no == 1101
    assert _issue(office, clock, settings, "20", 1001, 1100).denomination_fen == 2000


@pytest.mark.parametrize(("value", "first", "last", "key"), [
    ("3", 1, 100, "parking.bad_denomination"),
    ("five", 1, 100, "parking.bad_denomination"),
    ("", 1, 100, "parking.bad_denomination"),
    ("5", 100, 1, "parking.range_reversed"),
    ("5", 0, 100, "parking.bad_number"),
    ("5", -5, 100, "parking.bad_number"),
    ("5", "12a", 100, "parking.bad_number"),
    ("5", "", 100, "parking.number_needed"),
    ("5", True, 100, "parking.bad_number"),
    ("5", 1, 5000, "parking.range_too_long"),
])
def test_bad_books_are_refused(office, clock, settings, value, first, last, key):
    _refused(key, issue_book, ATTENDANT, value, first, last, office["cashier"], clock,
             settings)


def test_denominations_and_numbers_as_typed(office, clock, settings):
    book = issue_book("  林国栋 ", "¥２０元", "０００１", " 50 ", office["cashier"], clock,
                      settings)
    assert (book.attendant, book.denomination_fen, book.first_no, book.last_no) == (
        ATTENDANT, 2000, 1, 50)
    _refused("parking.attendant_needed", issue_book, " ", "5", 1, 2, office["cashier"], clock,
             settings)


def test_only_the_cashier_supervisor_or_manager_handle_books(office, clock, settings):
    error = _refused("auth.not_allowed", issue_book, ATTENDANT, "5", 1, 100, office["clerk"],
                     clock, settings)
    assert "发放定额发票本" in error.message()
    for login in ("super", "manager"):
        issue_book(login, "5", 1 + len(login) * 1000, 100 + len(login) * 1000, office[login],
                   clock, settings)


# ---- the settlement (KF-015 §6.1.2) -----------------------------------------------------------


def test_used_stubs_are_counted_per_book_and_cancelled(office, clock, settings):
    five = _issue(office, clock, settings, "5", 1001, 1100)
    ten = _issue(office, clock, settings, "10", 5001, 5100)
    # 35 × ¥5 + 12 × ¥10 = ¥295.00 of invoices; the statements say the same.
    row = _settle(office, clock, settings, {five.id: 1035, ten.id: 5012}, 29500, 29500)
    assert (row.stubs_cancelled, row.invoices_fen, row.due_fen, row.received_fen) == (
        47, 29500, 29500, 29500)
    assert row.period_start == date(2026, 10, 9)  # the day the books were issued
    assert json.loads(row.used_stubs) == [
        {"book": five.id, "denomination_fen": 500, "from": 1001, "to": 1035},
        {"book": ten.id, "denomination_fen": 1000, "from": 5001, "to": 5012}]
    assert InvoiceBook.get_by_id(five.id).used_up_to == 1035
    assert InvoiceBook.get_by_id(ten.id).used_up_to == 5012
    # The next settlement counts only the numbers since: 1036–1050 (15 stubs); the ¥10 book
    # left out of the form had none used.
    clock.advance(timedelta(days=7))
    row2 = _settle(office, clock, settings, {five.id: 1050}, 7500, 7500)
    assert (row2.stubs_cancelled, row2.invoices_fen) == (15, 7500)
    assert row2.period_start == date(2026, 10, 10)  # the day after the previous period end
    assert json.loads(row2.used_stubs) == [
        {"book": five.id, "denomination_fen": 500, "from": 1036, "to": 1050}]
    event = AuditEvent.select().where(AuditEvent.action == "parking.settle").order_by(
        AuditEvent.id.desc()).get()
    detail = json.loads(event.detail)
    assert detail["stubs_cancelled"] == 15 and detail["difference_fen"] == 0
    assert detail["stubs"] == [[five.id, 500, 1036, 1050]]


def test_numbers_below_the_last_settlement_or_past_the_book_are_refused(office, clock,
                                                                        settings):
    book = _issue(office, clock, settings, "5", 1001, 1100)
    _settle(office, clock, settings, {book.id: 1020}, 10000, 10000)
    clock.advance(timedelta(days=1))
    error = _refused("parking.below_settled", _settle, office, clock, settings,
                     {book.id: 1019}, 0, 0)
    assert error.field == f"book_{book.id}" and error.params["settled"] == 1020
    _refused("parking.outside_book", _settle, office, clock, settings, {book.id: 1101}, 0, 0)
    _refused("parking.bad_number", _settle, office, clock, settings, {book.id: "1030"}, 0, 0)
    stranger = _issue(office, clock, settings, "5", 2001, 2100, name=OTHER)
    _refused("parking.not_held", _settle, office, clock, settings, {stranger.id: 2010}, 0, 0)


def test_the_difference_is_exact_to_the_fen_and_needs_a_reason(office, clock, settings):
    book = _issue(office, clock, settings, "5", 1001, 1100)
    used = {book.id: 1055}  # 55 × ¥5 = ¥275.00
    assert parse_yuan("275.00", "statements") == 27500
    # One fen short in cash: refused without a reason, recorded exactly with one.
    _refused("parking.reason_required", _settle, office, clock, settings, used, 27500, 27499)
    _refused("parking.reason_required", _settle, office, clock, settings, used, 27500, 27499,
             "   ")
    row = _settle(office, clock, settings, used, 27500, 27499, "找零少收 1 分")
    assert (row.due_fen, row.received_fen, row.reason) == (27500, 27499, "找零少收 1 分")
    settled = views.settlement(row.id, settings.zone)
    assert settled.difference_fen == -1 and settled.invoices_difference_fen == 0


def test_invoices_that_do_not_match_the_statements_need_a_reason(office, clock, settings):
    """Checking the invoices used against the statements (核对所用定额发票数额)."""
    book = _issue(office, clock, settings, "5", 1001, 1100)
    # 55 invoices (¥275.00) but the statements total ¥270.00, and the cash matches them.
    f = figures(ATTENDANT, {book.id: 1055}, 27000, 27000, settings)
    assert (f.invoices_fen, f.difference_fen, f.invoices_difference_fen) == (27500, 0, 500)
    _refused("parking.reason_required", _settle, office, clock, settings, {book.id: 1055},
             27000, 27000)
    row = _settle(office, clock, settings, {book.id: 1055}, 27000, 27000, "一张发票作废未收款")
    assert views.settlement(row.id, settings.zone).invoices_difference_fen == 500


@pytest.mark.parametrize(("due", "cash", "key"), [
    (-1, 0, "parking.amount_negative"),
    (0, -100, "parking.amount_negative"),
    (27.5, 0, "parking.amount_not_fen"),
    (0, Decimal("275.00"), "parking.amount_not_fen"),
    ("27500", 0, "parking.amount_not_fen"),
    (0, True, "parking.amount_not_fen"),
    (None, 0, "parking.amount_not_fen"),
    (10**12, 0, "parking.amount_too_large"),
])
def test_bad_amounts_are_refused_with_nothing_written(office, clock, settings, due, cash, key):
    book = _issue(office, clock, settings, "5", 1001, 1100)
    _refused(key, _settle, office, clock, settings, {book.id: 1010}, due, cash, "原因")


@pytest.mark.parametrize(("text", "key"), [
    ("", "amount.missing"), ("abc", "amount.not_number"),
    ("-5", "amount.signed"), ("1.234", "amount.too_precise"),
    ("NaN", "amount.not_number"), ("Infinity", "amount.not_number"), ("1e6", "amount.exponent"),
])
def test_typed_amounts_are_refused_when_not_money(text, key):
    with pytest.raises(DeskError) as exc:
        parse_yuan(text, "cash")
    assert (exc.value.key, exc.value.field) == (key, "cash")


def test_typed_amounts_and_numbers_read_as_the_counter_writes_them():
    assert parse_yuan("1,286.40", "cash") == 128640
    assert parse_yuan("¥４５元", "cash") == 4500
    assert parse_yuan("0", "cash") == 0
    assert parse_number("", "n") is None
    assert parse_number(" 44031035 ", "n") == 44031035


def test_no_settlement_without_an_open_book(office, clock, settings):
    _refused("parking.no_open_book", _settle, office, clock, settings, {}, 0, 0)
    book = _issue(office, clock, settings, "5", 1001, 1100)
    return_book(book.id, None, office["cashier"], clock, settings)
    _refused("parking.no_open_book", _settle, office, clock, settings, {}, 0, 0)


def test_the_period_cannot_end_in_the_future_or_before_it_starts(office, clock, settings):
    book = _issue(office, clock, settings, "5", 1001, 1100)
    _refused("parking.future_period_end", _settle, office, clock, settings, {book.id: 1010},
             5000, 5000, end=date(2026, 10, 10))
    _refused("parking.period_settled", _settle, office, clock, settings, {book.id: 1010},
             5000, 5000, end=date(2026, 10, 8))
    _refused("auth.not_allowed", settle, ATTENDANT, date(2026, 10, 9), {book.id: 1010}, 5000,
             5000, "", office["clerk"], clock, settings)


# ---- returning a book ------------------------------------------------------------------------


def test_a_book_goes_back_only_with_its_used_stubs_settled(office, clock, settings):
    book = _issue(office, clock, settings, "5", 1001, 1100)
    error = _refused("parking.return_unsettled", return_book, book.id, 1030, office["cashier"],
                     clock, settings)
    assert (error.params["first"], error.params["last"], error.params["n"]) == (1001, 1030, 30)
    _settle(office, clock, settings, {book.id: 1030}, 15000, 15000)
    _refused("parking.below_settled", return_book, book.id, 1029, office["cashier"], clock,
             settings)
    _refused("parking.outside_book", return_book, book.id, 1200, office["cashier"], clock,
             settings)
    back = return_book(book.id, "1030", office["cashier"], clock, settings)
    assert back.returned_at == clock.now() and back.used_up_to == 1030
    detail = json.loads(AuditEvent.get(AuditEvent.action == "parking.return").detail)
    assert (detail["unused_from"], detail["unused_to"], detail["unused"]) == (1031, 1100, 70)
    _refused("parking.already_returned", return_book, book.id, 1030, office["cashier"], clock,
             settings)
    _refused("parking.unknown_book", return_book, 999, None, office["cashier"], clock,
             settings)


# ---- the settlement clock (RULES §8, KF-015 §6.1.2) -------------------------------------------


def _alerts(now: datetime, settings: Settings) -> list:
    ctx = RuleContext.from_store(settings)
    sync_periods(now, ctx)
    return evaluate(now, ctx, rule="KF-015 §6.1.2")


def test_a_settlement_stops_the_clock_and_starts_the_next_period(office, clock, settings):
    clock.set(at(2026, 10, 1, 9, 0))
    book = _issue(office, clock, settings, "5", 1001, 1100)
    (first,) = _running()
    assert first.due_at == at(2026, 10, 16, 17, 30) and first.cycle == 20261016
    assert [a.state for a in _alerts(at(2026, 10, 16, 19, 0), settings)] == ["overdue"]
    # Settled on the 16th for 1–15 October: the clock stops then; the next period is due on
    # 1 November, a Sunday → Monday 2 November at close (遇节假日顺延).
    clock.set(at(2026, 10, 16, 10, 0))
    _settle(office, clock, settings, {book.id: 1040}, 20000, 20000, end=date(2026, 10, 15))
    stopped = Deadline.get_by_id(first.id)
    assert stopped.stopped_at == at(2026, 10, 16, 10, 0)
    (running,) = _running()
    assert running.cycle == 20261101 and running.due_at == at(2026, 11, 2, 17, 30)
    assert _alerts(at(2026, 10, 16, 19, 0), settings) == []


def test_the_clock_survives_a_book_used_up_and_exchanged(office, clock, settings):
    """The bug this guards against: the clock was keyed by the first open book, so once that
    book was used up and another issued, the settled period's row was never stopped."""
    clock.set(at(2026, 10, 1, 9, 0))
    first = _issue(office, clock, settings, "5", 1001, 1050)
    clock.set(at(2026, 10, 16, 10, 0))
    _settle(office, clock, settings, {first.id: 1050}, 25000, 25000, end=date(2026, 10, 15))
    assert InvoiceBook.get_by_id(first.id).returned_at is not None
    _issue(office, clock, settings, "5", 1051, 1100)
    assert [(d.cycle, d.stopped_at) for d in _clocks()] == [
        (20261016, at(2026, 10, 16, 10, 0)), (20261101, None)]
    assert _alerts(at(2026, 10, 20, 9, 0), settings) == []
    assert [a.state for a in _alerts(at(2026, 11, 2, 18, 0), settings)] == ["overdue"]


def test_a_row_written_under_the_old_keying_is_not_doubled(office, clock,
                                                                        settings):
    """Stores written before the clock was keyed by attendant: the period's row under the
    first open book is replaced, an older one stopped by the settlement covering it."""
    clock.set(at(2026, 10, 1, 9, 0))
    ten = _issue(office, clock, settings, "10", 5001, 5100)
    five = _issue(office, clock, settings, "5", 1001, 1100)
    ctx = RuleContext.from_store(settings)
    current = Deadline.get(Deadline.item_ref == ATTENDANT)
    assert current.item_id == ten.id  # the attendant's first book ever
    for cycle in (20260916, 20261016):  # an unsettled older period, and this one
        Deadline.create(clock="parking_settlement", item_kind="attendant", item_id=five.id,
                        item_ref=ATTENDANT, cycle=cycle, started_at=current.started_at,
                        due_at=current.due_at, warn_at=current.warn_at, department="desk")
    sync_periods(clock.now(), ctx)
    assert [(d.item_id, d.cycle) for d in _running()] == [(five.id, 20260916),
                                                          (ten.id, 20261016)]
    clock.set(at(2026, 10, 16, 9, 0))
    _settle(office, clock, settings, {five.id: 1010}, 5000, 5000, end=date(2026, 10, 15))
    assert [(d.item_id, d.cycle) for d in _running()] == [(ten.id, 20261101)]


def test_handing_every_book_back_stops_the_clock(office, clock, settings):
    clock.set(at(2026, 10, 1, 9, 0))
    book = _issue(office, clock, settings, "5", 1001, 1100)
    clock.set(at(2026, 10, 5, 9, 0))
    _settle(office, clock, settings, {book.id: 1010}, 5000, 5000, end=date(2026, 10, 5))
    clock.set(at(2026, 10, 6, 9, 0))
    return_book(book.id, 1010, office["cashier"], clock, settings)
    assert _running() == []
    assert [d.stopped_at for d in _clocks()] == [at(2026, 10, 6, 9, 0)]
    assert _alerts(at(2026, 10, 20, 9, 0), settings) == []
    # Back months later with a new book: the period starts on its issue day, not the day
    # after the old settlement (which would be overdue at once).
    clock.set(at(2026, 12, 3, 9, 0))
    _issue(office, clock, settings, "5", 1101, 1200)
    (running,) = _running()
    assert running.cycle == 20261216 and running.due_at == at(2026, 12, 16, 17, 30)
    assert views.period_start(ATTENDANT, settings.zone) == date(2026, 12, 3)


# ---- views -------------------------------------------------------------------------------------


def test_views_books_due_and_history(office, clock, settings):
    five = _issue(office, clock, settings, "5", 1001, 1100)
    _issue(office, clock, settings, "10", 5001, 5100, name=OTHER)
    _settle(office, clock, settings, {five.id: 1020}, 10000, 10000)
    out = views.books(settings.zone)
    assert [(b.attendant, b.denomination_fen, b.used_up_to, b.left) for b in out] == [
        (ATTENDANT, 500, 1020, 80), (OTHER, 1000, None, 100)]
    due = {d.attendant: d for d in views.settlements_due(clock.now(), settings.zone)}
    assert due[OTHER].since == date(2026, 10, 9)
    assert due[OTHER].due_at == at(2026, 10, 16, 17, 30)
    assert due[ATTENDANT].since == date(2026, 10, 10)
    assert due[ATTENDANT].denominations == [500]
    (history,) = views.settlements(settings.zone)
    assert (history.attendant, history.stubs, history.cashier) == (ATTENDANT, 20, "王芳")
    assert history.ranges[0].value_fen == 10000


def test_default_period_end_is_the_last_half_month_end():
    days = [1, 16]
    assert views.default_period_end(date(2026, 10, 1), date(2026, 10, 16), days) == date(
        2026, 10, 15)
    assert views.default_period_end(date(2026, 10, 16), date(2026, 11, 3), days) == date(
        2026, 10, 31)
    # Nothing to settle up to yet (early, or an attendant leaving): today.
    assert views.default_period_end(date(2026, 10, 1), date(2026, 10, 9), days) == date(
        2026, 10, 9)


def test_cash_settled_is_the_cashiers_parking_cash_of_the_day(office, clock, settings):
    """For the daily hand-over (KF-015 §4.6): the parking cash is in the drawer too."""
    book = _issue(office, clock, settings, "5", 1001, 1100)
    _settle(office, clock, settings, {book.id: 1010}, 5000, 4990, "少 1 角")
    other = _issue(office, clock, settings, "5", 2001, 2100, name=OTHER)
    settle(OTHER, date(2026, 10, 9), {other.id: 2004}, 2000, 2000, "", office["super"], clock,
           settings)
    day = date(2026, 10, 9)
    assert views.cash_settled(office["cashier"].id, day, settings.zone) == 4990
    assert views.cash_settled(office["super"].id, day, settings.zone) == 2000
    assert views.cash_settled(office["cashier"].id, day + timedelta(days=1),
                              settings.zone) == 0


# ---- the slip ----------------------------------------------------------------------------------


def test_the_slip_shows_the_stubs_amounts_and_words(office, clock, settings):
    five = _issue(office, clock, settings, "5", 44031001, 44031100)
    row = _settle(office, clock, settings, {five.id: 44031055}, 27500, 27450, "少收 5 角")
    text = settlement_slip(row.id, settings, "zh")
    assert "临时停车费结算单" in text and ATTENDANT in text
    assert "44031001" in text and "44031055" in text
    assert "¥275.00" in text and "¥274.50" in text and "-¥0.50" in text
    assert amount_in_words(27450) == "贰佰柒拾肆元伍角" and "人民币贰佰柒拾肆元伍角" in text
    assert "少收 5 角" in text and "KF-015 §6.1.2" in text
    english = settlement_slip(row.id, settings, "en")
    assert "Temporary parking settlement" in english and "Cash received: ¥274.50" in english


def test_printing_the_slip_is_delivered_and_audited(office, clock, settings, tmp_path):
    book = _issue(office, clock, settings, "5", 1001, 1100)
    row = _settle(office, clock, settings, {book.id: 1010}, 5000, 5000)
    where = print_settlement_slip(row.id, tmp_path / "prints", office["cashier"], clock,
                                  settings)
    assert Path(where).read_text(encoding="utf-8") == settlement_slip(row.id, settings)
    event = AuditEvent.get(AuditEvent.action == "parking.print")
    assert json.loads(event.detail)["where"] == where
    settings.data["printing"]["command"] = "false"  # a printer that refuses
    _refused("print.failed", print_settlement_slip, row.id, tmp_path / "prints",
             office["cashier"], clock, settings)
    _refused("parking.unknown_settlement", print_settlement_slip, 999, tmp_path,
             office["cashier"], clock, settings)
