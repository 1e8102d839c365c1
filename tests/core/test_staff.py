"""Staff and sign-in: PINs hashed with scrypt, failures refused and logged, roles enforced."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kfdesk.desk.base import DeskError, require_role
from kfdesk.desk.staff import create_staff, sign_in
from kfdesk.i18n import set_language
from kfdesk.models import AuditEvent, Staff


def test_sign_in_success_is_audited(store: Path, clock) -> None:
    create_staff("clerk", "张敏", "clerk", "1234", clock)
    staff = sign_in("clerk", "1234", clock)
    assert staff.name == "张敏" and staff.role == "clerk"
    event = AuditEvent.select().where(AuditEvent.action == "staff.sign_in").get()
    assert event.actor_id == staff.id and event.at == clock.now()


def test_pin_is_not_stored_in_clear(store: Path, clock) -> None:
    create_staff("clerk", "张敏", "clerk", "1234", clock)
    row = Staff.get(Staff.login == "clerk")
    assert "1234" not in row.pin_hash and len(row.pin_hash) == 64
    other = create_staff("clerk2", "李娜", "clerk", "1234", clock)
    assert other.pin_hash != row.pin_hash  # salted


def test_wrong_pin_is_refused_and_logged(store: Path, clock) -> None:
    create_staff("clerk", "张敏", "clerk", "1234", clock)
    with pytest.raises(DeskError) as err:
        sign_in("clerk", "9999", clock)
    assert err.value.field == "pin"
    assert err.value.message("zh") == "登录名或密码不正确。"
    assert err.value.message("en") == "Wrong login or PIN."
    failed = AuditEvent.get(AuditEvent.action == "staff.sign_in_failed")
    assert json.loads(failed.detail)["reason"] == "pin"


def test_unknown_login_is_refused(store: Path, clock) -> None:
    with pytest.raises(DeskError) as err:
        sign_in("nobody", "1234", clock)
    # Issue 19: the same words as a wrong PIN, so logins cannot be listed by trying them.
    assert err.value.key == "security_a.bad_credentials" and err.value.field == "pin"
    assert "nobody" not in err.value.message("en")


def test_inactive_staff_cannot_sign_in(store: Path, clock) -> None:
    create_staff("clerk", "张敏", "clerk", "1234", clock)
    Staff.update(active=False).execute()
    with pytest.raises(DeskError) as err:
        sign_in("clerk", "1234", clock)
    assert err.value.key == "auth.inactive"


@pytest.mark.parametrize("pin", ["12", "abcd", ""])
def test_short_or_non_digit_pins_are_refused(store: Path, clock, pin: str) -> None:
    with pytest.raises(DeskError) as err:
        create_staff("clerk", "张敏", "clerk", pin, clock)
    assert err.value.field == "pin"
    assert not Staff.select().exists()


def test_duplicate_login_and_unknown_role(store: Path, clock) -> None:
    create_staff("clerk", "张敏", "clerk", "1234", clock)
    with pytest.raises(DeskError):
        create_staff("clerk", "李娜", "clerk", "1234", clock)
    with pytest.raises(DeskError):
        create_staff("boss", "刘伟", "emperor", "1234", clock)


def test_only_managers_and_supervisors_add_staff(store: Path, clock) -> None:
    clerk = create_staff("clerk", "张敏", "clerk", "1234", clock)
    with pytest.raises(DeskError) as err:
        create_staff("x", "某某", "clerk", "1234", clock, actor=clerk)
    set_language("en")
    assert "A Clerk may not do this: add a staff member." == err.value.message()
    manager = create_staff("boss", "刘伟", "manager", "456789", clock)
    added = create_staff("clerk2", "李娜", "clerk", "1234", clock, actor=manager)
    event = AuditEvent.get((AuditEvent.action == "staff.create")
                           & (AuditEvent.record_id == added.id))
    assert event.actor_id == manager.id


def test_require_role_refuses_security_writes(store: Path, clock) -> None:
    guard = create_staff("guard", "赵强", "security", "5678", clock)
    with pytest.raises(DeskError):
        require_role(guard, ("clerk", "supervisor"), "ticket.create")
