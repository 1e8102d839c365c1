"""The cashier's daily hand-over (KF-015 §4.6, KF-006 §6).

Covers: expected figures from the day's receipts (voids excluded, by method); the difference
exact to the fen; a reason for any difference; confirmation by a supervisor other than the
cashier; after day close the day's receipts refuse changes; the hand-over clock stops;
refusals write nothing.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from tills import pay

from kfdesk.clock import FixedClock
from kfdesk.config import Settings, load_settings
from kfdesk.desk.base import DeskError
from kfdesk.desk.hand_over import (
    DENOMINATIONS,
    confirm_hand_over,
    count_cash,
    ensure_day_open,
    ensure_receipt_changeable,
    expected,
    hand_over_slip,
    submit_hand_over,
)
from kfdesk.models import AuditEvent, Deadline, HandOver, Receipt, ReceiptVoid
from kfdesk.views.cashier import hand_overs

TODAY = date(2026, 10, 9)  # the office day of DEMO_NOW (tests/conftest.py)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # Shipped defaults only: no user file, no KFDESK_* variables from the shell.
    return load_settings(None, environ={"KFDESK_CONFIG": str(tmp_path / "no-settings.toml")})


def _day_of_receipts(office: dict, clock: FixedClock, settings: Settings) -> None:
    """Cash 120.00 + 35.30 + 0.70 (one 8.80 cash voided), WeChat 200.00, card 99.99."""
    cashier = office["cashier"]
    for amount, method in ((12000, "cash"), (20000, "wechat"), (3530, "cash"),
                           (880, "cash"), (9999, "card"), (70, "cash")):
        pay("3-1-502", amount, method, cashier, clock, settings)
        clock.advance(timedelta(minutes=7))
    voided = Receipt.get(Receipt.amount_fen == 880)
    ReceiptVoid.create(receipt=voided, at=clock.now(), by=office["super"], reason="打错金额")


def _snapshot() -> tuple:
    return (tuple(HandOver.select().tuples()), AuditEvent.select().count(),
            Receipt.select().count(), tuple(Deadline.select().tuples()))


def test_count_cash_is_exact_and_refuses_bad_input() -> None:
    assert DENOMINATIONS == (10000, 5000, 2000, 1000, 500, 100, 50, 10)
    # 3 × 1角 coins + 1 × 5角 + 1 × 100元 = 100.80 yuan, exact in integer fen.
    assert count_cash({10: 3, 50: 1, 10000: 1}) == 10080
    assert count_cash({10: 7}) == 70  # 0.1 × 7 would not be 0.7 in float
    assert count_cash({}) == 0
    for bad, key in (({10: -1}, "hand_over.count_negative"),
                     ({10: 1.5}, "hand_over.count_not_whole"),
                     ({10: "3"}, "hand_over.count_not_whole"),
                     ({10: True}, "hand_over.count_not_whole"),
                     ({1: 3}, "hand_over.unknown_denomination"),
                     ({"100": 3}, "hand_over.unknown_denomination"),
                     ({200: 1}, "hand_over.unknown_denomination")):
        with pytest.raises(DeskError) as err:
            count_cash(bad)
        assert err.value.key == key


def test_expected_figures_by_method_with_void_excluded(office: dict, clock: FixedClock,
                                                       settings: Settings) -> None:
    _day_of_receipts(office, clock, settings)
    # Another cashier's receipt the same day is not this cashier's takings.
    pay("", 5000, "cash", office["super"], clock, settings)
    figures = expected(office["cashier"], TODAY, settings)
    assert figures.cash_fen == 12000 + 3530 + 70
    assert figures.noncash_fen == {"wechat": 20000, "card": 9999}
    assert (figures.receipts, figures.voids) == (6, 1)
    assert (figures.first_number, figures.last_number) == ("2026-000001", "2026-000006")
    empty = expected(office["cashier"], TODAY - timedelta(days=1), settings)
    assert (empty.cash_fen, empty.noncash_fen, empty.receipts, empty.first_number) == (
        0, {}, 0, "")


def test_hand_over_difference_is_exact_to_the_fen(office: dict, clock: FixedClock,
                                                  settings: Settings) -> None:
    _day_of_receipts(office, clock, settings)  # cash expected 156.00
    # Counted: 100 + 50 + 5 + 5角 + 4 × 1角 = 155.90 → 1角 short.
    counts = {10000: 1, 5000: 1, 500: 1, 50: 1, 10: 4}
    row = submit_hand_over(TODAY, counts, "找零多找一角", office["cashier"], clock, settings)
    assert (row.cash_counted_fen, row.cash_expected_fen, row.difference_fen) == (
        15590, 15600, -10)
    assert json.loads(row.noncash_fen) == {"wechat": 20000, "card": 9999}
    assert json.loads(row.denominations) == {"10000": 1, "5000": 1, "500": 1, "50": 1,
                                             "10": 4}
    assert row.reason == "找零多找一角" and row.confirmed_at is None
    event = AuditEvent.get(AuditEvent.action == "hand_over.submit")
    assert event.actor_id == office["cashier"].id and event.record_id == row.id
    assert json.loads(event.detail)["difference_fen"] == -10


def test_a_difference_needs_a_reason_and_refusals_write_nothing(
        office: dict, clock: FixedClock, settings: Settings) -> None:
    _day_of_receipts(office, clock, settings)
    cashier = office["cashier"]
    before = _snapshot()
    for counts, reason, key in (
            ({10000: 1, 5000: 1, 500: 1}, "  ", "hand_over.reason_required"),
            ({10: -3}, "", "hand_over.count_negative"),
            ({3: 1}, "", "hand_over.unknown_denomination"),
            ({10: 2.0}, "", "hand_over.count_not_whole"),
            ({10000: 1}, "x" * 129, "hand_over.reason_too_long")):
        with pytest.raises(DeskError) as err:
            submit_hand_over(TODAY, counts, reason, cashier, clock, settings)
        assert err.value.key == key
    with pytest.raises(DeskError) as err:
        submit_hand_over(TODAY + timedelta(days=1), {}, "", cashier, clock, settings)
    assert err.value.key == "hand_over.future_day"
    with pytest.raises(DeskError) as err:  # a clerk does not count the till
        submit_hand_over(TODAY, {}, "", office["clerk"], clock, settings)
    assert err.value.key == "auth.not_allowed"
    assert _snapshot() == before
    # Exact count: no reason needed.
    row = submit_hand_over(TODAY, {10000: 1, 5000: 1, 500: 1, 100: 1}, "", cashier, clock,
                           settings)
    assert row.difference_fen == 0 and row.reason == ""


def test_resubmission_replaces_the_count_and_is_logged(office: dict, clock: FixedClock,
                                                       settings: Settings) -> None:
    _day_of_receipts(office, clock, settings)
    cashier = office["cashier"]
    first = submit_hand_over(TODAY, {10000: 1, 5000: 1}, "少 6 元", cashier, clock, settings)
    second = submit_hand_over(TODAY, {10000: 1, 5000: 1, 500: 1, 100: 1}, "", cashier, clock,
                              settings)
    assert second.id == first.id and HandOver.select().count() == 1
    assert (second.cash_counted_fen, second.difference_fen, second.reason) == (15600, 0, "")
    event = AuditEvent.get(AuditEvent.action == "hand_over.resubmit")
    assert event.actor_id == cashier.id
    assert json.loads(event.detail)["previous"]["difference_fen"] == -600


def test_confirm_only_by_a_supervisor_not_the_cashier(office: dict, clock: FixedClock,
                                                      settings: Settings) -> None:
    _day_of_receipts(office, clock, settings)
    cashier, supervisor = office["cashier"], office["super"]
    row = submit_hand_over(TODAY, {10000: 1, 5000: 1, 500: 1, 100: 1}, "", cashier, clock,
                           settings)
    before = _snapshot()
    for actor in (cashier, office["clerk"], office["guard"]):
        with pytest.raises(DeskError) as err:
            confirm_hand_over(row.id, actor, clock, settings)
        assert err.value.key == "auth.not_allowed"
    # A supervisor who took money and counted their own day cannot sign their own count.
    pay("", 5000, "cash", supervisor, clock, settings)
    own = submit_hand_over(TODAY, {5000: 1}, "", supervisor, clock, settings)
    before = _snapshot()
    with pytest.raises(DeskError) as err:
        confirm_hand_over(own.id, supervisor, clock, settings)
    assert err.value.key == "hand_over.own_count"
    with pytest.raises(DeskError) as err:
        confirm_hand_over(9999, supervisor, clock, settings)
    assert err.value.key == "hand_over.unknown"
    assert _snapshot() == before

    done = confirm_hand_over(row.id, supervisor, clock, settings)
    assert done.confirmed_by_id == supervisor.id and done.confirmed_at == clock.now()
    assert done.closed_at == row.closed_at  # the cashier's hand-over time is kept
    event = AuditEvent.get(AuditEvent.action == "hand_over.confirm")
    assert event.actor_id == supervisor.id and event.record_id == row.id
    with pytest.raises(DeskError) as err:
        confirm_hand_over(row.id, office["manager"], clock, settings)
    assert err.value.key == "hand_over.already_confirmed"
    # The manager covers for the supervisor.
    assert confirm_hand_over(own.id, office["manager"], clock, settings).confirmed_by_id == (
        office["manager"].id)


def test_confirm_refused_when_receipts_changed_after_the_count(
        office: dict, clock: FixedClock, settings: Settings) -> None:
    _day_of_receipts(office, clock, settings)
    cashier = office["cashier"]
    row = submit_hand_over(TODAY, {10000: 1, 5000: 1, 500: 1, 100: 1}, "", cashier, clock,
                           settings)
    pay("3-1-502", 1000, "cash", cashier, clock, settings)
    with pytest.raises(DeskError) as err:
        confirm_hand_over(row.id, office["super"], clock, settings)
    assert err.value.key == "hand_over.receipts_changed"
    assert HandOver.get_by_id(row.id).confirmed_at is None
    row = submit_hand_over(TODAY, {10000: 1, 5000: 1, 500: 1, 100: 1, 1000: 1}, "", cashier,
                           clock, settings)
    assert confirm_hand_over(row.id, office["super"], clock, settings).difference_fen == 0


def test_after_day_close_the_days_receipts_refuse_changes(office: dict, clock: FixedClock,
                                                          settings: Settings) -> None:
    _day_of_receipts(office, clock, settings)
    cashier = office["cashier"]
    receipt = Receipt.get(Receipt.number == 1)
    ensure_day_open(cashier, TODAY)  # open before confirmation
    ensure_receipt_changeable(receipt, settings)
    row = submit_hand_over(TODAY, {10000: 1, 5000: 1, 500: 1, 100: 1}, "", cashier, clock,
                           settings)
    pay("", 100, "cash", office["super"], clock, settings)  # not yet closed
    confirm_hand_over(row.id, office["super"], clock, settings)

    before = _snapshot()
    with pytest.raises(DeskError) as err:
        pay("3-1-502", 500, "cash", cashier, clock, settings)
    assert err.value.key == "hand_over.day_closed"
    assert "2026-10-09" in err.value.message()
    with pytest.raises(DeskError) as err:  # the void/refund guard
        ensure_receipt_changeable(receipt, settings)
    assert err.value.key == "hand_over.day_closed"
    with pytest.raises(DeskError) as err:
        ensure_day_open(cashier.id, TODAY)
    assert err.value.key == "hand_over.day_closed"
    with pytest.raises(DeskError) as err:  # the count cannot be replaced either
        submit_hand_over(TODAY, {10000: 2}, "多收", cashier, clock, settings)
    assert err.value.key == "hand_over.already_confirmed"
    assert _snapshot() == before
    # Only this cashier's day is closed: another cashier still issues receipts today, and
    # the closed cashier issues on the next day (where corrections go).
    pay("", 200, "wechat", office["super"], clock, settings)
    ensure_day_open(cashier, TODAY + timedelta(days=1))
    tomorrow = FixedClock(clock.now() + timedelta(days=1))
    assert pay("3-1-502", 500, "cash", cashier, tomorrow, settings)


def test_the_hand_over_clock_stops(office: dict, clock: FixedClock,
                                   settings: Settings) -> None:
    """RULES §8: first receipt starts it; the cashier's hand-over stops it (KF-015 §4.6)."""
    _day_of_receipts(office, clock, settings)
    cashier = office["cashier"]
    first = Receipt.get(Receipt.number == 1)
    clock.advance(timedelta(minutes=30))
    count = submit_hand_over(TODAY, {10000: 1, 5000: 1}, "少 6 元", cashier, clock, settings)
    deadline = Deadline.get((Deadline.clock == "hand_over") & (Deadline.item_id == cashier.id))
    assert deadline.started_at == first.issued_at
    assert deadline.stopped_at == count.closed_at == clock.now()
    # Counting again moves the hand-over time to the final count.
    clock.advance(timedelta(minutes=5))
    row = submit_hand_over(TODAY, {10000: 1, 5000: 1, 500: 1, 100: 1}, "", cashier, clock,
                           settings)
    assert Deadline.get_by_id(deadline.id).stopped_at == clock.now()
    # The supervisor's later confirmation keeps it stopped at the cashier's hand-over.
    later = FixedClock(clock.now() + timedelta(minutes=40))
    confirm_hand_over(row.id, office["super"], later, settings)
    assert Deadline.get_by_id(deadline.id).stopped_at == row.closed_at == clock.now()


def test_parking_cash_settled_that_day_is_expected_in_the_drawer(
        office: dict, clock: FixedClock, settings: Settings) -> None:
    """KF-015 §6.1.2 and §4.6: the attendants' parking cash has no receipt of its own but is
    in the cashier's drawer at the hand-over; a count without it shows a shortage."""
    from kfdesk.desk.parking import issue_book, settle

    cashier = office["cashier"]
    pay("3-1-502", 5000, "cash", cashier, clock, settings)
    book = issue_book("林国栋", "5", 1001, 1100, cashier, clock, settings)
    settle("林国栋", TODAY, {book.id: 1020}, 10000, 10000, "", cashier, clock, settings)
    figures = expected(cashier, TODAY, settings)
    assert (figures.cash_fen, figures.parking_fen) == (15000, 10000)
    with pytest.raises(DeskError) as err:  # counted only the receipts' cash: 100 yuan short
        submit_hand_over(TODAY, {5000: 1}, "", cashier, clock, settings)
    assert err.value.key == "hand_over.reason_required"
    row = submit_hand_over(TODAY, {10000: 1, 5000: 1}, "", cashier, clock, settings)
    assert row.difference_fen == 0 and row.cash_expected_fen == 15000
    assert "¥100.00" in hand_over_slip(
        next(h for h in hand_overs(TODAY, settings.zone) if h.cashier_id == cashier.id),
        TODAY, settings)
