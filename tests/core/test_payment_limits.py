"""The office's ceiling for one payment, the change from cash, and the IC-card deposit's fixed
price (issue 17)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from kfdesk.clock import FixedClock
from kfdesk.config import Settings, SettingsError, load_settings
from kfdesk.desk.base import DeskError
from kfdesk.desk.payments import needs_approval, take_payment
from kfdesk.desk.staff import sign_in
from kfdesk.models import AuditEvent, Bill, BillLine, Payment, Receipt


def _settings(tmp_path: Path, **env: str) -> Settings:
    return load_settings(None, environ={"KFDESK_CONFIG": str(tmp_path / "none.toml"), **env})


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return _settings(tmp_path)


@pytest.fixture
def big_bill(office: dict, clock: FixedClock) -> Bill:
    """3-1-502 owes ¥80,000 for a year of a shop's property fees and repairs."""
    bill = Bill.create(unit=office["unit"], month="2026-08", total_fen=8_000_000,
                       created_at=clock.now() - timedelta(days=40))
    BillLine.create(bill=bill, item="property_fee", quantity_centi=100, rate_e4=10000,
                    amount_fen=8_000_000)
    return bill


def _pay(office: dict, clock: FixedClock, settings: Settings, amount: int, **kw):  # noqa: ANN202
    return take_payment("3-1-502", amount, kw.pop("method", "transfer"), office["cashier"],
                        clock, settings, reference=kw.pop("reference", "BK-1"), **kw)


def test_the_ceiling_is_a_setting_with_a_default(tmp_path: Path) -> None:
    assert _settings(tmp_path).get("cashier.max_payment_yuan") == 50_000
    assert needs_approval(5_000_001, _settings(tmp_path))
    assert not needs_approval(5_000_000, _settings(tmp_path))
    low = _settings(tmp_path, KFDESK_CASHIER__MAX_PAYMENT_YUAN="200")
    assert needs_approval(20_001, low) and not needs_approval(20_000, low)
    with pytest.raises(SettingsError):
        _settings(tmp_path, KFDESK_CASHIER__MAX_PAYMENT_YUAN="0")


def test_above_the_ceiling_is_refused_without_a_supervisor(office, clock, settings, big_bill):
    for kw, key, field in (
        ({}, "payment.over_ceiling", "approver"),
        # Issue 19: an unknown approver reads as a wrong PIN (logins cannot be listed).
        ({"approver_login": "nobody", "approver_pin": "1234"}, "security_a.bad_credentials",
         "approver_pin"),
        ({"approver_login": "super"}, "payment.approver_pin_missing", "approver_pin"),
        ({"approver_login": "super", "approver_pin": "9999"}, "security_a.bad_credentials",
         "approver_pin"),
        ({"approver_login": "clerk", "approver_pin": "1234"}, "payment.approver_role",
         "approver"),
        ({"approver_login": "cashier", "approver_pin": "1234"}, "payment.approver_role",
         "approver"),
    ):
        with pytest.raises(DeskError) as exc:
            _pay(office, clock, settings, 6_000_000, **kw)
        assert (exc.value.key, exc.value.field) == (key, field)
    assert Payment.select().count() == 0 and Receipt.select().count() == 0
    assert "¥50,000.00" in DeskError("payment.over_ceiling", amount="¥60,000.00",
                                     limit="¥50,000.00").message("en")
    # The wrong PIN is on record although nothing was taken.
    failed = AuditEvent.select().where(AuditEvent.action == "payment.approval_failed")
    assert failed.count() == 2
    assert "nobody" not in " ".join(e.detail for e in failed)


def test_wrong_approver_pins_lock_the_supervisors_login(office, clock, settings, big_bill):
    """Issue 19: the payment dialog is no side door for guessing a supervisor's PIN — its wrong
    PINs count towards the same lock as the sign-in screen's."""
    for _ in range(4):
        with pytest.raises(DeskError) as exc:
            _pay(office, clock, settings, 6_000_000, approver_login="super", approver_pin="0000")
        assert exc.value.key == "security_a.bad_credentials"
    with pytest.raises(DeskError) as exc:
        _pay(office, clock, settings, 6_000_000, approver_login="super", approver_pin="0000")
    assert (exc.value.key, exc.value.field) == ("security_a.locked", "approver")
    with pytest.raises(DeskError) as exc:  # the right PIN, still locked
        _pay(office, clock, settings, 6_000_000, approver_login="super", approver_pin="1234")
    assert exc.value.key == "security_a.locked"
    with pytest.raises(DeskError) as exc:
        sign_in("super", "1234", clock, settings)
    assert exc.value.key == "security_a.locked"
    assert Payment.select().count() == 0


def test_a_supervisor_cannot_confirm_their_own_large_payment(office, clock, settings, big_bill):
    with pytest.raises(DeskError) as exc:
        take_payment("3-1-502", 6_000_000, "transfer", office["super"], clock, settings,
                     reference="BK-2", approver_login="super", approver_pin="1234")
    assert exc.value.key == "payment.approver_self"
    done = take_payment("3-1-502", 6_000_000, "transfer", office["super"], clock, settings,
                        reference="BK-2", approver_login="manager", approver_pin="1234")
    assert done.amount_fen == 6_000_000


def test_a_supervisors_pin_lets_it_through_and_is_audited(office, clock, settings, big_bill):
    done = _pay(office, clock, settings, 6_000_000, approver_login="super",
                approver_pin="1234")
    receipt = Receipt.get()
    assert receipt.amount_fen == 6_000_000
    event = AuditEvent.get(AuditEvent.action == "payment.approve_large")
    assert event.actor_id == office["super"].id
    assert event.record_id == receipt.id
    assert done.number in event.detail and "5000000" in event.detail  # the limit, in fen


def test_at_the_ceiling_no_confirmation_is_asked(office, clock, settings, big_bill):
    _pay(office, clock, settings, 5_000_000)
    assert not AuditEvent.select().where(AuditEvent.action == "payment.approve_large").exists()


def test_change_above_a_hundred_yuan_note_is_a_mistyped_tender(office, clock, settings,
                                                               big_bill):
    for tendered in (15_001, 100_000_000_000):  # 1000000000 typed for 50
        with pytest.raises(DeskError) as exc:
            _pay(office, clock, settings, 5_000, method="cash", reference="",
                 tendered_fen=tendered)
        assert (exc.value.key, exc.value.field) == ("payment.change_too_large", "tendered")
    assert Payment.select().count() == 0
    assert _pay(office, clock, settings, 5_000, method="cash", reference="",
                tendered_fen=15_000).change_fen == 10_000


def test_the_ic_card_deposit_is_charged_at_its_fixed_price(office, clock, settings):
    from kfdesk.desk.payments import add_charge, fixed_charge_fen
    from kfdesk.models import Charge

    assert fixed_charge_fen("parking_card_deposit", settings) == 10_000
    assert fixed_charge_fen("renovation_fee", settings) is None
    # Issue 17: a typed 50 was silently charged as 100. Another figure is refused now.
    with pytest.raises(DeskError) as exc:
        add_charge("3-1-502", "parking_card_deposit", 5_000, "", office["cashier"], clock,
                   settings)
    assert (exc.value.key, exc.value.field) == ("payment.fixed_price", "amount")
    assert "¥100.00" in exc.value.message("en") and "停车IC卡押金" in exc.value.message("zh")
    assert Charge.select().count() == 0
    for given in (None, 10_000):
        charge = add_charge("3-1-502", "parking_card_deposit", given, "", office["cashier"],
                            clock, settings)
        assert Charge.get_by_id(charge).amount_fen == 10_000
