"""Staff accounts and sign-in: login name and PIN, stored with scrypt."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from ..clock import Clock
from ..models import ROLES, Staff
from .base import DeskError, audit, require_role, transaction

# scrypt cost: slow enough to make guessing a 4–6 digit PIN from a stolen file expensive,
# quick enough (~50 ms) not to be felt at sign-in.
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


def hash_pin(pin: str, salt: bytes) -> str:
    return hashlib.scrypt(pin.encode(), salt=salt, **_SCRYPT).hex()


def _check_pin(pin: str) -> None:
    if len(pin) < 4 or not pin.isdigit():
        raise DeskError("auth.pin_too_short", field="pin")


def create_staff(
    login: str,
    name: str,
    role: str,
    pin: str,
    clock: Clock,
    actor: Staff | None = None,
    department: str = "desk",
    salt: bytes | None = None,
) -> Staff:
    """Add a staff member: the first account without an actor, later ones by a manager."""
    if role not in ROLES:
        raise DeskError("auth.bad_role", field="role", role=role)
    _check_pin(pin)
    login = login.strip()
    if actor is not None:
        require_role(actor, ("manager", "supervisor"), "staff.create")
    with transaction():
        if Staff.select().where(Staff.login == login).exists():
            raise DeskError("auth.login_taken", field="login", login=login)
        # A given salt only for the deterministic demo; real accounts get a random one.
        salt = salt or secrets.token_bytes(16)
        staff = Staff.create(
            login=login,
            name=name,
            role=role,
            department=department,
            pin_salt=salt.hex(),
            pin_hash=hash_pin(pin, salt),
            created_at=clock.now(),
        )
        audit(actor or staff, clock, "staff.create", staff, login=login, role=role)
    return staff


def sign_in(login: str, pin: str, clock: Clock) -> Staff:
    """The staff member with this login and PIN; a failure is logged too."""
    staff = Staff.get_or_none(Staff.login == login.strip())
    if staff is None:
        with transaction():
            audit(None, clock, "staff.sign_in_failed", None, login=login, reason="unknown")
        raise DeskError("auth.unknown_login", field="login", login=login)
    expected = hash_pin(pin, bytes.fromhex(staff.pin_salt))
    if not hmac.compare_digest(expected, staff.pin_hash):
        with transaction():
            audit(None, clock, "staff.sign_in_failed", staff, login=login, reason="pin")
        raise DeskError("auth.wrong_pin", field="pin")
    if not staff.active:
        raise DeskError("auth.inactive", field="login", login=login)
    with transaction():
        audit(staff, clock, "staff.sign_in", staff)
    return staff


def sign_out(staff: Staff, clock: Clock) -> None:
    """The counter changes hands (a cashier takes over the clerk's terminal): logged, so every
    later action is attributed to whoever signs in next."""
    with transaction():
        audit(staff, clock, "staff.sign_out", staff)
