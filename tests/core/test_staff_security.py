"""Issue 19: roles in a hierarchy enforced in the core, and sign-in like a bank's counter —
lockout after repeated wrong PINs, unknown logins indistinguishable from wrong PINs, no PIN
typed into the login field ever written to the audit log, 6-digit PINs for the roles that
approve, hold the cash or restore."""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import timedelta
from pathlib import Path

import pytest

from kfdesk.config import default_settings
from kfdesk.db import close_store, open_store
from kfdesk.desk.base import DeskError
from kfdesk.desk.staff import (
    create_staff,
    set_active,
    set_pin,
    set_role,
    sign_in,
    unlock,
)
from kfdesk.models import AuditEvent, Staff


def _events(action: str) -> list[dict]:
    return [json.loads(e.detail) for e in
            AuditEvent.select().where(AuditEvent.action == action).order_by(AuditEvent.id)]


# ------------------------------------------------------------------ the hierarchy


def test_a_supervisor_cannot_create_a_manager_or_finance(office: dict, clock) -> None:
    for role in ("manager", "finance"):
        with pytest.raises(DeskError) as err:
            create_staff("boss2", "某某", role, "246810", clock, actor=office["super"])
        assert err.value.key == "security_a.grant_above" and err.value.field == "role"
    assert not Staff.select().where(Staff.login == "boss2").exists()
    # Each refusal is on record: who tried what, for whom, and why.
    refused = AuditEvent.select().where(AuditEvent.action == "staff.refused")
    assert [e.actor_id for e in refused] == [office["super"].id] * 2
    assert [json.loads(e.detail) for e in refused] == [
        {"attempted": "staff.create", "login": "boss2", "role": role,
         "why": "security_a.grant_above"} for role in ("manager", "finance")]
    # Within their own rank a supervisor may still add staff.
    made = create_staff("clerk3", "周洁", "clerk", "1357", clock, actor=office["super"])
    assert made.role == "clerk"


def test_only_a_manager_makes_finance_and_managers(office: dict, clock) -> None:
    fin = create_staff("fin2", "钱红", "finance", "135790", clock, actor=office["manager"])
    boss = create_staff("boss2", "吴刚", "manager", "246802", clock, actor=office["manager"])
    assert (fin.role, boss.role) == ("finance", "manager")
    # Finance ranks with the supervisor but grants nothing.
    with pytest.raises(DeskError):
        create_staff("clerk3", "周洁", "clerk", "1357", clock, actor=office["finance"])


def test_promotions_follow_the_hierarchy_and_are_audited(office: dict, clock) -> None:
    with pytest.raises(DeskError) as err:
        set_role("clerk", "manager", office["super"], clock, pin="112233")
    assert err.value.key == "security_a.grant_above"
    with pytest.raises(DeskError) as err:  # a supervisor cannot touch the manager's account
        set_role("manager", "clerk", office["super"], clock)
    assert err.value.key == "security_a.manage_above"
    with pytest.raises(DeskError) as err:  # up to a 6-digit role: a new 6-digit PIN with it
        set_role("clerk", "supervisor", office["manager"], clock)
    assert err.value.key == "security_a.new_pin_needed"
    assert Staff.get(Staff.login == "clerk").role == "clerk"
    set_role("clerk", "supervisor", office["manager"], clock, pin="112233")
    assert sign_in("clerk", "112233", clock).role == "supervisor"
    detail = _events("staff.role")[-1]
    assert (detail["old"], detail["new"], detail["login"]) == ("clerk", "supervisor", "clerk")
    assert "112233" not in json.dumps(detail)


def test_the_last_manager_stays(office: dict, clock) -> None:
    boss = office["manager"]
    for attempt in (lambda: set_active("manager", False, boss, clock),
                    lambda: set_role("manager", "supervisor", boss, clock)):
        with pytest.raises(DeskError) as err:
            attempt()
        assert err.value.key == "security_a.last_manager"
    assert Staff.get_by_id(boss.id).active and Staff.get_by_id(boss.id).role == "manager"
    assert [d["why"] for d in _events("staff.refused")] == ["security_a.last_manager"] * 2
    # With a second manager, the first may go; the change is audited old → new.
    create_staff("boss2", "吴刚", "manager", "246802", clock, actor=boss)
    set_active("manager", False, boss, clock)
    assert _events("staff.deactivate")[-1] == {"login": "manager", "old": True, "new": False}
    with pytest.raises(DeskError):  # and then boss2 is the last one
        set_active("boss2", False, Staff.get(Staff.login == "boss2"), clock)


def test_a_supervisor_cannot_deactivate_finance(office: dict, clock) -> None:
    with pytest.raises(DeskError) as err:
        set_active("finance", False, office["super"], clock)
    assert err.value.key == "security_a.manage_above"
    set_active("clerk", False, office["super"], clock)
    assert not Staff.get(Staff.login == "clerk").active


@pytest.mark.parametrize("role", ["supervisor", "finance", "manager"])
def test_six_digit_pins_for_the_roles_that_approve(office: dict, clock, role: str) -> None:
    for pin in ("1234", "12345", "1234567", "12345a"):
        with pytest.raises(DeskError) as err:
            create_staff("new", "某某", role, pin, clock, actor=office["manager"])
        assert err.value.field == "pin"
    create_staff("new", "某某", role, "123456", clock, actor=office["manager"])
    with pytest.raises(DeskError):
        set_pin("new", "4321", office["manager"], clock)
    # A clerk keeps 4 or more digits.
    create_staff("new2", "某某", "clerk", "1234", clock, actor=office["manager"])


# ------------------------------------------------------------------ sign-in


def test_the_sixth_try_is_refused_even_with_the_right_pin(office: dict, clock) -> None:
    for _ in range(4):
        with pytest.raises(DeskError) as err:
            sign_in("cashier", "0000", clock)
        assert err.value.key == "security_a.bad_credentials"
        clock.advance(timedelta(minutes=2))
    with pytest.raises(DeskError) as err:  # the 5th wrong PIN locks, and says so
        sign_in("cashier", "0000", clock)
    assert err.value.key == "security_a.locked"
    assert "cashier" in err.value.message("en")
    with pytest.raises(DeskError) as err:  # the 6th, right PIN: still locked
        sign_in("cashier", "1234", clock)
    assert err.value.key == "security_a.locked" and err.value.field == "login"
    assert _events("staff.locked")[-1]["wrong_pins"] == 5
    assert _events("staff.sign_in_locked")
    clock.advance(timedelta(minutes=14))
    with pytest.raises(DeskError):
        sign_in("cashier", "1234", clock)
    clock.advance(timedelta(minutes=1, seconds=1))  # 15 minutes after the lock
    assert sign_in("cashier", "1234", clock).login == "cashier"
    assert Staff.get(Staff.login == "cashier").failed_pins == 0


def test_wrong_pins_spread_beyond_the_window_do_not_lock(office: dict, clock) -> None:
    for _ in range(8):
        with pytest.raises(DeskError) as err:
            sign_in("clerk", "0000", clock)
        assert err.value.key == "security_a.bad_credentials"
        clock.advance(timedelta(minutes=4))  # 4 in 16 minutes at most
    assert sign_in("clerk", "1234", clock).login == "clerk"


def test_the_lockout_follows_the_settings(office: dict, clock) -> None:
    settings = default_settings()
    settings.data["sign_in"].update(max_wrong_pins=3, lock_minutes=5)
    for _ in range(2):
        with pytest.raises(DeskError):
            sign_in("clerk", "0000", clock, settings)
    with pytest.raises(DeskError) as err:
        sign_in("clerk", "0000", clock, settings)
    assert err.value.key == "security_a.locked"
    clock.advance(timedelta(minutes=5))
    assert sign_in("clerk", "1234", clock, settings).login == "clerk"


def test_a_manager_unlocks(office: dict, clock) -> None:
    for _ in range(5):
        with pytest.raises(DeskError):
            sign_in("clerk", "0000", clock)
    with pytest.raises(DeskError) as err:
        unlock("clerk", office["super"], clock)
    assert err.value.key == "auth.not_allowed"
    unlock("clerk", office["manager"], clock)
    assert _events("staff.unlock")[-1]["old_failed"] == 5
    assert sign_in("clerk", "1234", clock).login == "clerk"


def test_unknown_and_known_logins_read_and_cost_the_same(office: dict, clock) -> None:
    def attempt(login: str) -> tuple[str, str | None, float]:
        start = time.perf_counter()
        with pytest.raises(DeskError) as err:
            sign_in(login, "0000", clock)
        return err.value.message("zh"), err.value.field, time.perf_counter() - start

    known = [attempt("clerk") for _ in range(3)]
    unknown = [attempt("nobody") for _ in range(3)]
    assert {k[:2] for k in known} == {u[:2] for u in unknown} == {("登录名或密码不正确。", "pin")}
    # Both run scrypt: the unknown login is not an order of magnitude faster (it was ~25×).
    assert min(u[2] for u in unknown) > min(k[2] for k in known) / 3


def test_a_failed_logins_text_is_audited_only_for_known_logins(office: dict, clock) -> None:
    with pytest.raises(DeskError):
        sign_in("314159", "1234", clock)  # a PIN typed into the login field
    with pytest.raises(DeskError):
        sign_in("clerk", "0000", clock)
    failed = _events("staff.sign_in_failed")
    assert failed[0] == {"reason": "unknown"}
    assert failed[1]["login"] == "clerk"
    everything = " ".join(e.detail for e in AuditEvent.select())
    assert "314159" not in everything


def test_the_lock_counts_on_the_account_across_sign_ins(office: dict, clock) -> None:
    # A right PIN before the limit starts the count afresh.
    for _ in range(4):
        with pytest.raises(DeskError):
            sign_in("clerk", "0000", clock)
    sign_in("clerk", "1234", clock)
    for _ in range(4):
        with pytest.raises(DeskError) as err:
            sign_in("clerk", "0000", clock)
        assert err.value.key == "security_a.bad_credentials"


@pytest.mark.sqlite_only
def test_a_v12_store_gains_the_lockout_columns(tmp_path: Path, clock) -> None:
    """The v15 step on a store from before issue 19: its staff sign in and can be locked."""
    path = tmp_path / "old.db"
    open_store(str(path), clock)
    create_staff("boss", "刘伟", "manager", "123456", clock)
    close_store()
    con = sqlite3.connect(path)
    for column in ("failed_pins", "failed_since", "locked_until"):
        con.execute(f'ALTER TABLE staff DROP COLUMN "{column}"')
    con.execute("UPDATE schema_version SET version = 12")
    con.commit()
    con.close()
    open_store(str(path), clock, create=False)
    try:
        assert sign_in("boss", "123456", clock).failed_pins == 0
        for _ in range(5):
            with pytest.raises(DeskError):
                sign_in("boss", "000000", clock)
        assert Staff.get(Staff.login == "boss").locked_until == clock.now() + timedelta(minutes=15)
    finally:
        close_store()
