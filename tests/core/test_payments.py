"""Taking payment, allocation, prepaid, one-off charges, refunds, voids, prints (KF-015 §4.5,
§5, §4.6; KF-018; KF-006 §6)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from kfdesk.clock import FixedClock
from kfdesk.config import Settings, load_settings
from kfdesk.desk.base import DeskError
from kfdesk.desk.hand_over import confirm_hand_over, submit_hand_over
from kfdesk.desk.payments import (
    add_charge,
    parse_amount,
    plan,
    print_receipt,
    receipt_text,
    refund_deposit,
    take_payment,
    use_credit,
    void_receipt,
)
from kfdesk.models import (
    Allocation,
    AuditEvent,
    Bill,
    BillLine,
    Charge,
    Deadline,
    Payment,
    Receipt,
    ReceiptVoid,
    Refund,
)
from kfdesk.views import cashier as cviews
from kfdesk.views import cashier_day, office_day


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(None, environ={"KFDESK_CONFIG": str(tmp_path / "none.toml")})


def _bill(unit, month: str, lines: dict[str, int], clock: FixedClock) -> Bill:  # noqa: ANN001
    bill = Bill.create(unit=unit, month=month, created_at=clock.now() - timedelta(days=40),
                       total_fen=sum(lines.values()))
    for item, fen in lines.items():
        BillLine.create(bill=bill, item=item, quantity_centi=100, rate_e4=10000,
                        amount_fen=fen)
    return bill


@pytest.fixture
def owing(office: dict, clock: FixedClock) -> dict:
    """3-1-502 owes August and September: 160.42 + 22.28 + 31.05 a month."""
    unit = office["unit"]
    lines = {"property_fee": 16042, "maintenance_fund": 2228, "water": 3105}
    return {**office, "aug": _bill(unit, "2026-08", lines, clock),
            "sep": _bill(unit, "2026-09", lines, clock)}


def _counts() -> tuple[int, ...]:
    return (Payment.select().count(), Receipt.select().count(), Allocation.select().count(),
            ReceiptVoid.select().count(), Refund.select().count(), Charge.select().count(),
            sum(b.paid_fen for b in BillLine.select()))


def _owed(unit: str = "3-1-502") -> list[tuple[str, str, int]]:
    from kfdesk.views import unit_arrears

    return [(a.month, a.item, a.owed_fen) for a in unit_arrears(unit).lines]


# ---- amounts the cashier types -------------------------------------------------------------


@pytest.mark.parametrize(("text", "fen"), [
    ("1286.4", 128640), ("¥1,286.40", 128640), (" 100 ", 10000), ("0.05", 5), ("12元", 1200),
])
def test_typed_amounts_are_exact_fen(text: str, fen: int) -> None:
    assert parse_amount(text) == fen


@pytest.mark.parametrize(("text", "key"), [
    ("", "amount.missing"), ("abc", "amount.not_number"),
    ("-5", "amount.signed"), ("0", "amount.zero"),
    ("1.005", "amount.too_precise"), ("NaN", "amount.not_number"),
    ("1e20", "amount.exponent"), ("100000000000", "amount.too_large"),
])
def test_negative_or_non_numeric_amount_refused_with_a_message(text: str, key: str) -> None:
    with pytest.raises(DeskError) as exc:
        parse_amount(text)
    assert exc.value.key == key and exc.value.field == "amount"
    assert "amount." not in exc.value.message()


# ---- allocation ------------------------------------------------------------------------------


def test_partial_payment_allocates_oldest_first(owing: dict, clock: FixedClock,
                                                settings: Settings) -> None:
    # 200.00 pays August's property fee and fund (182.70) and 17.30 of August's water.
    done = take_payment("3-1-502", 20000, "wechat", owing["cashier"], clock, settings)
    assert [(t.month, t.item, t.take_fen) for t in done.takes] == [
        ("2026-08", "property_fee", 16042), ("2026-08", "maintenance_fund", 2228),
        ("2026-08", "water", 1730)]
    assert done.prepaid_fen == 0
    assert _owed() == [("2026-08", "water", 1375), ("2026-09", "property_fee", 16042),
                       ("2026-09", "maintenance_fund", 2228), ("2026-09", "water", 3105)]
    assert sum(a.amount_fen for a in Allocation.select()) == 20000
    # The next payment goes on from where this one stopped.
    nxt = take_payment("3-1-502", 1375, "cash", owing["cashier"], clock, settings)
    assert [(t.month, t.item, t.take_fen) for t in nxt.takes] == [("2026-08", "water", 1375)]


def test_plan_is_pure_and_matches_what_is_written(owing: dict, clock: FixedClock,
                                                  settings: Settings) -> None:
    items = cviews.owed_items(owing["unit"].id, settings.zone)
    before = _counts()
    preview = plan(items, 20000)
    assert _counts() == before
    done = take_payment("3-1-502", 20000, "wechat", owing["cashier"], clock, settings)
    assert tuple(t for t in preview.takes if t.take_fen) == done.takes


def test_picked_items_are_paid_not_the_oldest(owing: dict, clock: FixedClock,
                                              settings: Settings) -> None:
    # KF-018: the IC-card deposit is paid on its own; the arrears stay as they were.
    charge = add_charge("3-1-502", "parking_card_deposit", None, "", owing["cashier"], clock,
                        settings)
    assert Charge.get_by_id(charge).amount_fen == 10000  # settings fees.parking_card_deposit
    assert Charge.get_by_id(charge).refundable
    take_payment("3-1-502", 10000, "cash", owing["cashier"], clock, settings,
                 targets=[f"charge:{charge}"])
    assert Charge.get_by_id(charge).paid_fen == 10000
    assert sum(b.paid_fen for b in BillLine.select()) == 0


def test_cash_change_and_short_tender(owing: dict, clock: FixedClock,
                                      settings: Settings) -> None:
    done = take_payment("3-1-502", 21375, "cash", owing["cashier"], clock, settings,
                        tendered_fen=30000)
    assert done.change_fen == 8625
    payment = Payment.get()
    assert (payment.tendered_fen, payment.change_fen) == (30000, 8625)
    before = _counts()
    with pytest.raises(DeskError) as exc:
        take_payment("3-1-502", 5000, "cash", owing["cashier"], clock, settings,
                     tendered_fen=2000)
    assert exc.value.key == "payment.tendered_short" and "¥20.00" in exc.value.message()
    assert _counts() == before


def test_transfer_needs_its_reference(owing: dict, clock: FixedClock,
                                      settings: Settings) -> None:
    before = _counts()
    with pytest.raises(DeskError) as exc:
        take_payment("3-1-502", 5000, "transfer", owing["cashier"], clock, settings)
    assert exc.value.key == "payment.reference_required" and exc.value.field == "reference"
    assert _counts() == before
    take_payment("3-1-502", 5000, "transfer", owing["cashier"], clock, settings,
                 reference="ICBC 20261009 0042")
    assert Payment.get().reference == "ICBC 20261009 0042"


def test_overpayment_refused_unless_confirmed_then_kept_as_prepaid(
        owing: dict, clock: FixedClock, settings: Settings) -> None:
    total = 2 * (16042 + 2228 + 3105)
    before = _counts()
    with pytest.raises(DeskError) as exc:
        take_payment("3-1-502", total + 10000, "cash", owing["cashier"], clock, settings)
    assert exc.value.key == "payment.over_owed"
    assert "¥427.50" in exc.value.message() and "¥100.00" in exc.value.message()
    assert _counts() == before
    done = take_payment("3-1-502", total + 10000, "cash", owing["cashier"], clock, settings,
                        confirm_overpayment=True)
    assert done.prepaid_fen == 10000 and _owed() == []
    assert cviews.unit_credit(owing["unit"].id) == 10000
    # Next month's bill: the prepaid balance pays it, without a receipt (no money moved).
    _bill(owing["unit"], "2026-10", {"property_fee": 16042}, clock)
    receipts = Receipt.select().count()
    assert use_credit("3-1-502", owing["cashier"], clock, settings) == 10000
    assert Receipt.select().count() == receipts
    assert _owed() == [("2026-10", "property_fee", 6042)]
    assert cviews.unit_credit(owing["unit"].id) == 0
    with pytest.raises(DeskError) as exc:
        use_credit("3-1-502", owing["cashier"], clock, settings)
    assert exc.value.key == "payment.no_credit"
    # The original receipt still shows what it paid when taken, the prepaid part included.
    detail = cviews.receipt_detail(done.number, settings.zone)
    assert sum(line.amount_fen for line in detail.lines) == total + 10000
    assert detail.lines[-1].item == "prepaid"


def test_a_walk_in_pays_only_the_charge_raised(office: dict, clock: FixedClock,
                                               settings: Settings) -> None:
    before = _counts()
    with pytest.raises(DeskError) as exc:
        take_payment("", 800, "cash", office["cashier"], clock, settings)
    assert exc.value.key == "payment.unit_required"
    assert _counts() == before
    charge = add_charge("", "other", 800, "复印 8 页", office["cashier"], clock, settings)
    with pytest.raises(DeskError) as exc:
        take_payment("", 900, "cash", office["cashier"], clock, settings,
                     targets=[f"charge:{charge}"], confirm_overpayment=True)
    assert exc.value.key == "payment.walk_in_overpaid"
    take_payment("", 800, "cash", office["cashier"], clock, settings,
                 targets=[f"charge:{charge}"])
    with pytest.raises(DeskError) as exc:  # paid meanwhile (the second counter's view)
        take_payment("", 800, "cash", office["cashier"], clock, settings,
                     targets=[f"charge:{charge}"])
    assert exc.value.key == "payment.target_paid"


def test_first_receipt_of_the_day_starts_the_hand_over_clock(
        owing: dict, clock: FixedClock, settings: Settings) -> None:
    assert not Deadline.select().where(Deadline.clock == "hand_over").exists()
    take_payment("3-1-502", 1000, "cash", owing["cashier"], clock, settings)
    row = Deadline.get(Deadline.clock == "hand_over")
    assert row.item_id == owing["cashier"].id and row.started_at == clock.now()
    assert row.stopped_at is None


# ---- voids -------------------------------------------------------------------------------------


def test_a_void_keeps_its_number_and_makes_the_items_owed_again(
        owing: dict, clock: FixedClock, settings: Settings) -> None:
    first = take_payment("3-1-502", 20000, "cash", owing["cashier"], clock, settings)
    second = take_payment("3-1-502", 1000, "cash", owing["cashier"], clock, settings)
    with pytest.raises(DeskError) as exc:  # KF-006 §6: the supervisor voids, not the cashier
        void_receipt(first.number, "金额输错", owing["cashier"], clock, settings)
    assert exc.value.key == "auth.not_allowed"
    with pytest.raises(DeskError) as exc:
        void_receipt(first.number, " ", owing["super"], clock, settings)
    assert exc.value.key == "payment.reason_required"
    void_receipt(first.number, "金额输错", owing["super"], clock, settings)
    receipt = Receipt.get(Receipt.number == 1)
    assert receipt.amount_fen == 20000  # unchanged: the void is a record beside it
    day = cashier_day(office_day(clock.now(), settings.zone), settings.zone)
    assert [(r.number, r.void) for r in day.receipts] == [(first.number, True),
                                                          (second.number, False)]
    assert day.total_fen == 1000
    # What the void undid is owed again; the later payment stays where it was.
    assert sum(b.paid_fen for b in BillLine.select()) == 1000
    assert cviews.receipt_detail(first.number, settings.zone).void
    assert "作废" in receipt_text(cviews.receipt_detail(first.number, settings.zone), settings)
    with pytest.raises(DeskError) as exc:
        void_receipt(first.number, "再作废", owing["super"], clock, settings)
    assert exc.value.key == "payment.already_void"
    nxt = take_payment("3-1-502", 500, "cash", owing["cashier"], clock, settings)
    assert nxt.number == "2026-000003"  # the voided number is never reused
    assert AuditEvent.select().where(AuditEvent.action == "receipt.void").count() == 1


def test_no_void_after_the_day_is_closed(owing: dict, clock: FixedClock,
                                         settings: Settings) -> None:
    done = take_payment("3-1-502", 5000, "cash", owing["cashier"], clock, settings)
    row = submit_hand_over(office_day(clock.now(), settings.zone), {5000: 1}, "",
                           owing["cashier"], clock, settings)
    confirm_hand_over(row.id, owing["finance"], clock, settings)
    before = _counts()
    with pytest.raises(DeskError) as exc:
        void_receipt(done.number, "退错", owing["super"], clock, settings)
    assert exc.value.key == "hand_over.day_closed"
    assert _counts() == before


# ---- deposits and refunds ----------------------------------------------------------------------


def test_refund_of_a_deposit_is_its_own_record(owing: dict, clock: FixedClock,
                                               settings: Settings) -> None:
    charge = add_charge("3-1-502", "renovation_deposit", 200000, "装修押金 3-1-502",
                        owing["cashier"], clock, settings)
    paid = take_payment("3-1-502", 200000, "transfer", owing["cashier"], clock, settings,
                        reference="CCB-889", targets=[f"charge:{charge}"])
    later = FixedClock(clock.now() + timedelta(days=30))
    with pytest.raises(DeskError) as exc:
        refund_deposit(charge, 250000, "transfer", "验收合格", owing["cashier"], later, settings,
                       reference="CCB-901")
    assert exc.value.key == "payment.refund_above_held"
    number = refund_deposit(charge, 150000, "transfer", "验收合格，扣损坏赔偿 500 元",
                            owing["cashier"], later, settings, reference="CCB-901")
    assert number == "2026-000002"
    receipt = Receipt.get(Receipt.number == 2)
    assert receipt.amount_fen == -150000 and receipt.refund.charge_id == charge
    assert Charge.get_by_id(charge).paid_fen == 200000  # the original is never edited
    assert [d.held_fen for d in cviews.deposits_held("3-1-502", settings.zone)] == [50000]
    detail = cviews.receipt_detail(number, settings.zone)
    assert detail.kind == "refund" and "退 款 收 据" in receipt_text(detail, settings)
    # The payment that paid the deposit cannot be voided now: the refund would be orphaned.
    with pytest.raises(DeskError) as exc:
        void_receipt(paid.number, "错收", owing["super"], later, settings)
    assert exc.value.key == "payment.void_after_refund"
    fee = add_charge("3-1-502", "renovation_fee", 30000, "", owing["cashier"], later, settings)
    take_payment("3-1-502", 30000, "cash", owing["cashier"], later, settings,
                 targets=[f"charge:{fee}"])
    with pytest.raises(DeskError) as exc:  # a fee is not a deposit
        refund_deposit(fee, 100, "cash", "x", owing["cashier"], later, settings)
    assert exc.value.key == "payment.not_a_deposit"


# ---- the receipt as printed --------------------------------------------------------------------


def test_receipt_preview_and_print_mark_reprints_as_copies(
        owing: dict, clock: FixedClock, settings: Settings, tmp_path: Path) -> None:
    done = take_payment("3-1-502", 20000, "cash", owing["cashier"], clock, settings,
                        tendered_fen=20000, payer="王建国")
    text = receipt_text(cviews.receipt_detail(done.number, settings.zone), settings)
    for part in ("收 款 收 据", done.number, "3-1-502", "¥200.00", "贰佰元整",
                 "2026-08 物业管理费", "¥160.42", "现金", "找零：¥0.00", "王建国"):
        assert part in text
    folder = tmp_path / "prints"
    where, copy = print_receipt(done.number, folder, owing["cashier"], clock, settings)
    assert not copy and "副本" not in Path(where).read_text(encoding="utf-8")
    where2, copy2 = print_receipt(done.number, folder, owing["cashier"], clock, settings)
    assert copy2 and "副本" in Path(where2).read_text(encoding="utf-8")
    assert where != where2  # the original file is not overwritten by the copy
    assert AuditEvent.select().where(AuditEvent.action == "receipt.print").count() == 2


def test_printer_failure_is_a_message_and_nothing_counted(
        owing: dict, clock: FixedClock, tmp_path: Path) -> None:
    settings = load_settings(None, environ={"KFDESK_CONFIG": str(tmp_path / "none.toml"),
                                            "KFDESK_PRINTING__COMMAND": "\"false\""})
    done = take_payment("3-1-502", 1000, "cash", owing["cashier"], clock, settings)
    with pytest.raises(DeskError) as exc:
        print_receipt(done.number, tmp_path, owing["cashier"], clock, settings)
    assert exc.value.key == "print.failed"
    assert Receipt.get().printed_count == 0


def test_year_end_receipt_series(owing: dict, settings: Settings) -> None:
    from zoneinfo import ZoneInfo

    late = FixedClock(datetime(2026, 12, 31, 23, 59, tzinfo=ZoneInfo("Asia/Shanghai")))
    early = FixedClock(datetime(2027, 1, 1, 0, 1, tzinfo=ZoneInfo("Asia/Shanghai")))
    assert take_payment("3-1-502", 100, "cash", owing["cashier"], late,
                        settings).number == "2026-000001"
    assert take_payment("3-1-502", 100, "cash", owing["cashier"], early,
                        settings).number == "2027-000001"


def test_no_void_once_its_prepaid_balance_was_used(owing: dict, clock: FixedClock,
                                                   settings: Settings) -> None:
    """A receipt whose overpayment already paid later items cannot be voided: the void would
    leave those items paid with money no longer taken (correction: a refund, KF-015 §5)."""
    total = 2 * (16042 + 2228 + 3105)
    done = take_payment("3-1-502", total + 1000, "cash", owing["cashier"], clock, settings,
                        confirm_overpayment=True)
    charge = add_charge("3-1-502", "other", 400, "复印", owing["cashier"], clock, settings)
    assert use_credit("3-1-502", owing["cashier"], clock, settings) == 400
    before = _counts()
    with pytest.raises(DeskError) as exc:
        void_receipt(done.number, "收错", owing["super"], clock, settings)
    assert exc.value.key == "payment.void_credit_used"
    assert _counts() == before and Charge.get_by_id(charge).paid_fen == 400
