"""The cashier's hand-over to finance (KF-015 §4.6, KF-006 §6, RULES v2 §4).

Covers: expected figures from the cashier's movements (receipts by method, voids' reversals,
parking settlements); the count to the fen; a reason for any difference; 抹零 only where the
settings allow it; every movement in exactly one hand-over — a payment, refund or parking
settlement after the count (or after finance confirmed) goes into the next one; a void makes
the count stale, the slip says so and finance cannot confirm until the cashier counts again;
finance confirms (not the supervisor, not oneself; the manager only if the settings say so);
the hand-over clock stops; refusals write nothing; the v9 migration of old hand-overs.
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
    expected,
    hand_over_slip,
    pending,
    print_hand_over,
    submit_hand_over,
)
from kfdesk.desk.parking import issue_book, settle
from kfdesk.desk.payments import (
    add_charge,
    print_receipt,
    refund_deposit,
    take_payment,
    void_receipt,
)
from kfdesk.models import (
    AuditEvent,
    Deadline,
    HandOver,
    ParkingSettlement,
    Receipt,
    ReceiptVoid,
)
from kfdesk.views.cashier import hand_overs, receipt_detail

TODAY = date(2026, 10, 9)  # the office day of DEMO_NOW (tests/conftest.py)
EXACT = {10000: 1, 5000: 1, 500: 1, 100: 1}  # 156.00: the cash of _day_of_receipts


def _settings(tmp_path: Path, **env: str) -> Settings:
    # Shipped defaults only: no user file; KFDESK_* variables only as given here.
    return load_settings(None, environ={"KFDESK_CONFIG": str(tmp_path / "no-settings.toml"),
                                        **env})


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return _settings(tmp_path)


def _day_of_receipts(office: dict, clock: FixedClock, settings: Settings) -> None:
    """Cash 120.00 + 35.30 + 0.70 (one 8.80 cash voided), WeChat 200.00, card 99.99."""
    cashier = office["cashier"]
    for amount, method in ((12000, "cash"), (20000, "wechat"), (3530, "cash"),
                           (880, "cash"), (9999, "card"), (70, "cash")):
        pay("3-1-502", amount, method, cashier, clock, settings)
        clock.advance(timedelta(minutes=7))
    voided = Receipt.get(Receipt.amount_fen == 880)
    void_receipt(f"2026-{voided.number:06d}", "打错金额", office["super"], clock, settings)
    clock.advance(timedelta(minutes=1))


def _snapshot() -> tuple:
    return (tuple(HandOver.select().tuples()), AuditEvent.select().count(),
            Receipt.select().count(), tuple(Deadline.select().tuples()))


def _line(cashier_id: int, day: date, settings: Settings, *, counted: bool = True):
    return next(h for h in hand_overs(day, settings.zone)
                if h.cashier_id == cashier_id and (h.id is not None) == counted)


def test_count_cash_is_exact_to_the_fen_and_refuses_bad_input() -> None:
    # RULES v2 §4: 5, 2, 1 jiao and 5, 2, 1 fen, not only down to 1 jiao.
    assert DENOMINATIONS == (10000, 5000, 2000, 1000, 500, 100, 50, 20, 10, 5, 2, 1)
    assert count_cash({10: 3, 50: 1, 10000: 1}) == 10080
    assert count_cash({1: 3, 2: 1, 5: 1, 20: 2}) == 50  # 1-fen coins count
    assert count_cash({10: 7}) == 70  # 0.1 × 7 would not be 0.7 in float
    assert count_cash({}) == 0
    for bad, key in (({10: -1}, "hand_over.count_negative"),
                     ({10: 1.5}, "hand_over.count_not_whole"),
                     ({10: "3"}, "hand_over.count_not_whole"),
                     ({10: True}, "hand_over.count_not_whole"),
                     ({3: 3}, "hand_over.unknown_denomination"),
                     ({"100": 3}, "hand_over.unknown_denomination"),
                     ({200: 1}, "hand_over.unknown_denomination")):
        with pytest.raises(DeskError) as err:
            count_cash(bad)
        assert err.value.key == key


def test_expected_figures_by_method_with_void_reversed(office: dict, clock: FixedClock,
                                                       settings: Settings) -> None:
    _day_of_receipts(office, clock, settings)
    pay("", 5000, "cash", office["super"], clock, settings)  # another cashier's takings
    figures = expected(office["cashier"], TODAY, settings)
    assert figures.cash_fen == 12000 + 3530 + 70
    assert figures.noncash_fen == {"wechat": 20000, "card": 9999}
    assert (figures.receipts, figures.voids) == (6, 1)
    assert (figures.first_number, figures.last_number) == ("2026-000001", "2026-000006")
    empty = expected(office["cashier"], TODAY - timedelta(days=1), settings)
    assert (empty.cash_fen, empty.noncash_fen, empty.receipts, empty.first_number) == (
        0, {}, 0, "")


def test_a_one_fen_difference_is_seen_and_counted_away(office: dict, clock: FixedClock,
                                                       settings: Settings) -> None:
    cashier = office["cashier"]
    pay("3-1-502", 105158, "cash", cashier, clock, settings)  # ¥1,051.58
    with pytest.raises(DeskError) as err:  # down to the jiao only: 8 fen short
        submit_hand_over(TODAY, {10000: 10, 5000: 1, 100: 1, 50: 1}, "", cashier, clock,
                         settings)
    assert err.value.key == "hand_over.reason_required"
    row = submit_hand_over(TODAY, {10000: 10, 5000: 1, 100: 1, 50: 1, 5: 1, 2: 1, 1: 1}, "",
                           cashier, clock, settings)
    assert (row.cash_counted_fen, row.difference_fen) == (105158, 0)
    assert json.loads(row.denominations)["1"] == 1


def test_hand_over_difference_is_exact_to_the_fen(office: dict, clock: FixedClock,
                                                  settings: Settings) -> None:
    _day_of_receipts(office, clock, settings)  # cash expected 156.00
    counts = {10000: 1, 5000: 1, 500: 1, 50: 1, 10: 4}  # 155.90
    row = submit_hand_over(TODAY, counts, "找零多找一角", office["cashier"], clock, settings)
    assert (row.cash_counted_fen, row.cash_expected_fen, row.difference_fen) == (
        15590, 15600, -10)
    assert json.loads(row.noncash_fen) == {"wechat": 20000, "card": 9999}
    assert row.reason == "找零多找一角" and row.confirmed_at is None
    event = AuditEvent.get(AuditEvent.action == "hand_over.submit")
    assert event.actor_id == office["cashier"].id and event.record_id == row.id
    assert json.loads(event.detail)["difference_fen"] == -10
    # The count took the day's movements: the receipts and the void point at it.
    assert Receipt.select().where(Receipt.hand_over == row.id).count() == 6
    assert ReceiptVoid.get().hand_over_id == row.id


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
    for who in ("clerk", "finance"):  # neither a clerk nor finance counts the till
        with pytest.raises(DeskError) as err:
            submit_hand_over(TODAY, {}, "", office[who], clock, settings)
        assert err.value.key == "auth.not_allowed"
    assert _snapshot() == before
    row = submit_hand_over(TODAY, EXACT, "", cashier, clock, settings)
    assert row.difference_fen == 0 and row.reason == ""


def test_rounding_off_only_where_the_settings_allow_it(office: dict, clock: FixedClock,
                                                       tmp_path: Path) -> None:
    cashier = office["cashier"]
    strict = _settings(tmp_path)
    pay("3-1-502", 105158, "cash", cashier, clock, strict)
    counts = {10000: 10, 5000: 1, 100: 1, 50: 1}  # 1,051.50: 8 fen short
    with pytest.raises(DeskError) as err:
        submit_hand_over(TODAY, counts, "", cashier, clock, strict, rounding_fen=8,
                         rounding_reason="无分币")
    assert err.value.key == "hand_over.rounding_not_allowed"
    lenient = _settings(tmp_path, KFDESK_HAND_OVER__ROUNDING_MAX_FEN="9")
    for fen, why, key in ((10, "无分币", "hand_over.rounding_too_large"),
                          (-1, "无分币", "hand_over.rounding_too_large"),
                          (8, " ", "hand_over.rounding_reason_required")):
        with pytest.raises(DeskError) as err:
            submit_hand_over(TODAY, counts, "", cashier, clock, lenient, rounding_fen=fen,
                             rounding_reason=why)
        assert err.value.key == key
    assert HandOver.select().count() == 0
    row = submit_hand_over(TODAY, counts, "", cashier, clock, lenient, rounding_fen=8,
                           rounding_reason="无分币找零")
    assert (row.difference_fen, row.rounding_fen, row.rounding_reason) == (0, 8, "无分币找零")
    slip = hand_over_slip(_line(cashier.id, TODAY, lenient), TODAY, lenient)
    assert "抹零：¥0.08（无分币找零）" in slip and "差额（实点 + 抹零 − 应收）：¥0.00" in slip


def test_resubmission_replaces_the_count_and_is_logged(office: dict, clock: FixedClock,
                                                       settings: Settings) -> None:
    _day_of_receipts(office, clock, settings)
    cashier = office["cashier"]
    first = submit_hand_over(TODAY, {10000: 1, 5000: 1}, "少 6 元", cashier, clock, settings)
    second = submit_hand_over(TODAY, EXACT, "", cashier, clock, settings)
    assert second.id == first.id and HandOver.select().count() == 1
    assert (second.cash_counted_fen, second.difference_fen, second.reason) == (15600, 0, "")
    event = AuditEvent.get(AuditEvent.action == "hand_over.resubmit")
    assert event.actor_id == cashier.id
    assert json.loads(event.detail)["previous"]["difference_fen"] == -600


def test_finance_confirms_not_the_supervisor_nor_oneself(office: dict, clock: FixedClock,
                                                         settings: Settings,
                                                         tmp_path: Path) -> None:
    _day_of_receipts(office, clock, settings)
    cashier, supervisor, finance = office["cashier"], office["super"], office["finance"]
    row = submit_hand_over(TODAY, EXACT, "", cashier, clock, settings)
    before = _snapshot()
    # RULES v2 §4: the supervisor no longer confirms; nor the manager unless the settings say.
    for actor in (cashier, office["clerk"], office["guard"], supervisor, office["manager"]):
        with pytest.raises(DeskError) as err:
            confirm_hand_over(row.id, actor, clock, settings)
        assert err.value.key == "auth.not_allowed"
    with pytest.raises(DeskError) as err:
        confirm_hand_over(9999, finance, clock, settings)
    assert err.value.key == "hand_over.unknown"
    assert _snapshot() == before

    done = confirm_hand_over(row.id, finance, clock, settings)
    assert done.confirmed_by_id == finance.id and done.confirmed_at == clock.now()
    assert done.closed_at == row.closed_at  # the cashier's hand-over time is kept
    event = AuditEvent.get(AuditEvent.action == "hand_over.confirm")
    assert event.actor_id == finance.id and event.record_id == row.id
    with pytest.raises(DeskError) as err:
        confirm_hand_over(row.id, finance, clock, settings)
    assert err.value.key == "hand_over.already_confirmed"
    # The slip names who confirmed, as finance.
    slip = hand_over_slip(_line(cashier.id, TODAY, settings), TODAY, settings, "en")
    assert "Confirmed by: 孙丽 (Finance cashier)" in slip

    # The manager covers only where the office's settings say so; never for their own count.
    covering = _settings(tmp_path, KFDESK_HAND_OVER__MANAGER_CONFIRMS="true")
    pay("", 5000, "cash", supervisor, clock, settings)
    theirs = submit_hand_over(TODAY, {5000: 1}, "", supervisor, clock, settings)
    with pytest.raises(DeskError) as err:
        confirm_hand_over(theirs.id, office["manager"], clock, settings)
    assert err.value.key == "auth.not_allowed"
    assert confirm_hand_over(theirs.id, office["manager"], clock, covering).confirmed_by_id == (
        office["manager"].id)
    slip = hand_over_slip(_line(supervisor.id, TODAY, settings), TODAY, settings)
    assert "确认人：刘伟（管理处主任）" in slip
    pay("", 100, "cash", office["manager"], clock, settings)
    own = submit_hand_over(TODAY, {100: 1}, "", office["manager"], clock, settings)
    with pytest.raises(DeskError) as err:
        confirm_hand_over(own.id, office["manager"], clock, covering)
    assert err.value.key == "hand_over.own_count"


def test_money_after_the_count_goes_into_the_next_hand_over(
        office: dict, clock: FixedClock, settings: Settings, tmp_path: Path) -> None:
    """RULES v2 §4: a payment, a refund and a parking settlement after the count are not in the
    counted hand-over; its slip keeps adding up; they show as the next hand-over."""
    _day_of_receipts(office, clock, settings)
    cashier = office["cashier"]
    charge = add_charge("3-1-502", "renovation_deposit", 50000, "装修押金", cashier, clock,
                        settings)
    deposit = take_payment("3-1-502", 50000, "transfer", cashier, clock, settings,
                           reference="T-1", targets=(f"charge:{charge}",)).number
    row = submit_hand_over(TODAY, EXACT, "", cashier, clock, settings)
    clock.advance(timedelta(minutes=10))
    late = pay("3-1-502", 10000, "cash", cashier, clock, settings)
    refund_deposit(charge, 20000, "cash", "装修验收合格", cashier, clock, settings)
    book = issue_book("林国栋", "5", 1001, 1100, cashier, clock, settings)
    settle("林国栋", TODAY, {book.id: 1038}, 19000, 19000, "", cashier, clock, settings)

    counted = _line(cashier.id, TODAY, settings)
    assert (counted.cash_expected_fen, counted.counted_fen, counted.difference_fen) == (
        15600, 15600, 0)
    assert not counted.stale and counted.receipts == 7 and deposit  # deposit: before count
    nxt = _line(cashier.id, TODAY, settings, counted=False)
    assert nxt.status == "next"
    assert (nxt.cash_expected_fen, nxt.parking_fen, nxt.receipts) == (
        10000 - 20000 + 19000, 19000, 2)
    assert pending(cashier, settings).cash_fen == 9000
    # The counted slip still adds up; the receipt says where it goes.
    slip = hand_over_slip(counted, TODAY, settings)
    assert "应收现金（收据、作废冲回、停车费）：¥156.00" in slip
    assert "差额（实点 + 抹零 − 应收）：¥0.00" in slip
    assert receipt_detail(late, settings.zone).next_hand_over
    assert not receipt_detail("2026-000001", settings.zone).next_hand_over
    where, _ = print_receipt(late, tmp_path, cashier, clock, settings)
    assert "计入下一次交款" in Path(where).read_text(encoding="utf-8")
    # The ¥190 parking cash is in no confirmed hand-over: tomorrow's count takes it all.
    confirm_hand_over(row.id, office["finance"], clock, settings)
    assert _line(cashier.id, TODAY, settings).cash_expected_fen == 15600
    tomorrow = FixedClock(clock.now() + timedelta(days=1))
    nxt_day = submit_hand_over(TODAY + timedelta(days=1), {5000: 1, 2000: 2}, "", cashier,
                               tomorrow, settings)
    assert (nxt_day.cash_expected_fen, nxt_day.difference_fen) == (9000, 0)
    assert ParkingSettlement.get().hand_over_id == nxt_day.id
    assert Receipt.select().where(Receipt.hand_over.is_null()).count() == 0


def test_money_after_finance_confirmed_goes_into_the_next_hand_over(
        office: dict, clock: FixedClock, settings: Settings) -> None:
    """RULES v2 §4: after finance confirmed, the day is closed for the cashier: later money is
    taken, never lands in the confirmed hand-over, and the count cannot be replaced."""
    _day_of_receipts(office, clock, settings)
    cashier = office["cashier"]
    row = submit_hand_over(TODAY, EXACT, "", cashier, clock, settings)
    confirm_hand_over(row.id, office["finance"], clock, settings)
    before = _line(cashier.id, TODAY, settings)
    book = issue_book("林国栋", "5", 1001, 1100, cashier, clock, settings)
    settle("林国栋", TODAY, {book.id: 1038}, 19000, 19000, "", cashier, clock, settings)
    late = pay("3-1-502", 10000, "cash", cashier, clock, settings)
    after = _line(cashier.id, TODAY, settings)
    assert after == before and after.difference_fen == 0 and not after.stale
    assert _line(cashier.id, TODAY, settings, counted=False).cash_expected_fen == 29000
    assert receipt_detail(late, settings.zone).next_hand_over
    with pytest.raises(DeskError) as err:  # the confirmed count cannot be replaced
        submit_hand_over(TODAY, {10000: 2}, "多收", cashier, clock, settings)
    assert err.value.key == "hand_over.already_confirmed"
    with pytest.raises(DeskError) as err:  # a confirmed receipt is corrected by a refund
        void_receipt("2026-000001", "错收", office["super"], clock, settings)
    assert err.value.key == "hand_over.day_closed"
    # Another cashier's day is not closed.
    pay("", 200, "wechat", office["super"], clock, settings)


def test_a_void_after_the_count_makes_it_stale_until_counted_again(
        office: dict, clock: FixedClock, settings: Settings, tmp_path: Path) -> None:
    """The difference follows the current figures; a slip from a stale count says so and
    finance cannot confirm it until the cashier counts again."""
    _day_of_receipts(office, clock, settings)
    cashier = office["cashier"]
    row = submit_hand_over(TODAY, EXACT, "", cashier, clock, settings)
    clock.advance(timedelta(minutes=5))
    void_receipt("2026-000001", "金额错误，已退现金", office["super"], clock, settings)  # 120.00
    line = _line(cashier.id, TODAY, settings)
    assert line.stale and (line.cash_expected_fen, line.difference_fen) == (3600, 12000)
    assert line.counted_expected_fen == 15600
    where = print_hand_over(TODAY, cashier.id, tmp_path, cashier, clock, settings)
    text = Path(where).read_text(encoding="utf-8")
    assert "本单已过期" in text and "差额（实点 + 抹零 − 应收）：¥120.00" in text
    with pytest.raises(DeskError) as err:
        confirm_hand_over(row.id, office["finance"], clock, settings)
    assert err.value.key == "hand_over.receipts_changed"
    assert HandOver.get_by_id(row.id).confirmed_at is None
    again = submit_hand_over(TODAY, {1000: 3, 500: 1, 100: 1}, "", cashier, clock, settings)
    assert again.id == row.id and again.difference_fen == 0
    assert not _line(cashier.id, TODAY, settings).stale
    assert confirm_hand_over(row.id, office["finance"], clock, settings).confirmed_at


def test_a_later_days_count_takes_what_was_left_open(office: dict, clock: FixedClock,
                                                     settings: Settings) -> None:
    cashier = office["cashier"]
    pay("3-1-502", 1000, "cash", cashier, clock, settings)
    tomorrow = FixedClock(clock.now() + timedelta(days=1))
    pay("3-1-502", 2000, "cash", cashier, tomorrow, settings)
    row = submit_hand_over(TODAY + timedelta(days=1), {2000: 1, 1000: 1}, "", cashier,
                           tomorrow, settings)
    assert row.cash_expected_fen == 3000
    with pytest.raises(DeskError) as err:  # nothing of the earlier day is left
        submit_hand_over(TODAY, {}, "", cashier, tomorrow, settings)
    assert err.value.key == "hand_over.later_counted"


def test_counting_a_past_day_leaves_the_next_days_money_open(office: dict, clock: FixedClock,
                                                             settings: Settings) -> None:
    cashier = office["cashier"]
    pay("3-1-502", 1000, "cash", cashier, clock, settings)
    tomorrow = FixedClock(clock.now() + timedelta(days=1))
    pay("3-1-502", 2000, "cash", cashier, tomorrow, settings)
    row = submit_hand_over(TODAY, {1000: 1}, "", cashier, tomorrow, settings)
    assert row.cash_expected_fen == 1000
    assert pending(cashier, settings).cash_fen == 2000


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
    clock.advance(timedelta(minutes=5))
    row = submit_hand_over(TODAY, EXACT, "", cashier, clock, settings)
    assert Deadline.get_by_id(deadline.id).stopped_at == clock.now()
    later = FixedClock(clock.now() + timedelta(minutes=40))
    confirm_hand_over(row.id, office["finance"], later, settings)
    assert Deadline.get_by_id(deadline.id).stopped_at == row.closed_at == clock.now()


def test_parking_cash_is_expected_in_the_drawer(office: dict, clock: FixedClock,
                                                settings: Settings) -> None:
    """KF-015 §6.1.2 and §4.6: the attendants' parking cash has no receipt of its own but is
    in the cashier's drawer at the hand-over; a count without it shows a shortage."""
    cashier = office["cashier"]
    pay("3-1-502", 5000, "cash", cashier, clock, settings)
    book = issue_book("林国栋", "5", 1001, 1100, cashier, clock, settings)
    settle("林国栋", TODAY, {book.id: 1020}, 10000, 10000, "", cashier, clock, settings)
    figures = expected(cashier, TODAY, settings)
    assert (figures.cash_fen, figures.parking_fen) == (15000, 10000)
    with pytest.raises(DeskError) as err:
        submit_hand_over(TODAY, {5000: 1}, "", cashier, clock, settings)
    assert err.value.key == "hand_over.reason_required"
    row = submit_hand_over(TODAY, {10000: 1, 5000: 1}, "", cashier, clock, settings)
    assert row.difference_fen == 0 and row.cash_expected_fen == 15000
    assert "其中停车费结算现金：¥100.00" in hand_over_slip(_line(cashier.id, TODAY, settings),
                                                 TODAY, settings)


def test_migration_v9_puts_old_movements_in_their_hand_overs(
        office: dict, clock: FixedClock, settings: Settings, store: Path) -> None:
    """An old store's hand-overs (one per cashier and day, no links) take their day's movements
    up to their count; what came after — the ¥190 parking settlement after the confirmation
    of issue 17 — stays open for the next count instead of landing in the closed day."""
    from kfdesk.db import close_store, open_store
    from kfdesk.models import SchemaVersion

    cashier = office["cashier"]
    pay("3-1-502", 5000, "cash", cashier, clock, settings)
    counted_at = clock.now()
    clock.advance(timedelta(minutes=30))
    book = issue_book("林国栋", "5", 1001, 1100, cashier, clock, settings)
    settle("林国栋", TODAY, {book.id: 1038}, 19000, 19000, "", cashier, clock, settings)
    # As v8 kept it: the count and finance's signature, no links.
    old = HandOver.create(cashier=cashier, day=TODAY, cash_counted_fen=5000,
                          cash_expected_fen=5000, difference_fen=0, closed_at=counted_at,
                          confirmed_by=office["super"], confirmed_at=counted_at)
    for model in (Receipt, ReceiptVoid, ParkingSettlement):
        model.update(hand_over=None).execute()
    SchemaVersion.update(version=8).execute()
    close_store()
    open_store(str(store), clock)
    assert SchemaVersion.get().version >= 9
    assert Receipt.get().hand_over_id == old.id
    assert ParkingSettlement.get().hand_over_id is None
    line = _line(cashier.id, TODAY, settings)
    assert (line.cash_expected_fen, line.difference_fen, line.stale) == (5000, 0, False)
    assert _line(cashier.id, TODAY, settings, counted=False).cash_expected_fen == 19000
