"""Staff accounts and sign-in: login name and PIN, stored with scrypt.

Roles form a hierarchy enforced here, whoever calls (issue 19): nobody grants a role above
their own, only a manager makes (or changes, or deactivates) a manager or finance account,
and the last active manager stays. Sign-in works like a bank's counter: wrong PINs lock the
login for a while, an unknown login costs the same time and reads the same as a wrong PIN,
and the audit keeps a failed login's text only when it names a real account.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from ..clock import Clock
from ..config import Settings, default_settings
from ..models import ROLES, Staff
from .base import DeskError, Tr, audit, require_role, transaction

# scrypt cost: slow enough to make guessing a 4–6 digit PIN from a stolen file expensive,
# quick enough (~50 ms) not to be felt at sign-in.
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}

# What an unknown login is checked against: the same scrypt cost as a real account, so the
# answer takes as long and no one can list the logins by timing (issue 19).
_DUMMY_SALT = b"kfdesk-no-such-login"
_DUMMY_HASH = "0" * 64

# The hierarchy: a role may grant roles of its rank or below. Finance (出纳) and the manager
# are also reserved to a manager (issue 19): they hold the cash and restore backups.
RANK = {"security": 0, "clerk": 1, "cashier": 1, "supervisor": 2, "finance": 2, "manager": 3}
MANAGER_ONLY = ("manager", "finance")
STAFF_ADMINS = ("manager", "supervisor")
# Roles that approve, confirm money or restore backups sign in with 6 digits (issue 19).
SIX_DIGIT_ROLES = ("supervisor", "finance", "manager")


# The hierarchy's own refusals, audited here (who, what, whom, why; issue 19). A plain role
# refusal (``auth.not_allowed``) is ``require_role``'s to audit.
_HIERARCHY_REFUSALS = ("security_a.grant_above", "security_a.manage_above",
                       "security_a.last_manager")


@contextmanager
def _refusal_audited(actor: Staff | None, clock: Clock, attempted: str, **detail: object
                     ) -> Iterator[None]:
    """Record a refusal of the hierarchy in a transaction of its own: the refused change's
    transaction is rolled back, the record of the attempt is not."""
    try:
        yield
    except DeskError as exc:
        if actor is not None and exc.key in _HIERARCHY_REFUSALS:
            with transaction():
                audit(actor, clock, "staff.refused", None, attempted=attempted, why=exc.key,
                      **detail)
        raise


def hash_pin(pin: str, salt: bytes) -> str:
    return hashlib.scrypt(pin.encode(), salt=salt, **_SCRYPT).hex()


def check_pin(pin: str, role: str, demo: bool = False) -> None:
    """A PIN being set: digits only, 6 of them for supervisor, finance and manager (4 or more
    for the others); ``demo``: the demo's published README PINs (4 digits, demo-only)."""
    if not pin.isdigit():
        raise DeskError("auth.pin_too_short", field="pin")
    if role in SIX_DIGIT_ROLES and not demo:
        if len(pin) != 6:
            raise DeskError("security_a.pin_six", field="pin", role=Tr(f"role.{role}"))
    elif len(pin) < 4:
        raise DeskError("auth.pin_too_short", field="pin")


def may_grant(actor: Staff, role: str) -> None:
    """Refuse unless ``actor`` may give someone ``role`` (issue 19's hierarchy)."""
    require_role(actor, STAFF_ADMINS, "staff.create")
    if (role in MANAGER_ONLY and actor.role != "manager") or RANK[role] > RANK[actor.role]:
        raise DeskError("security_a.grant_above", field="role", role=Tr(f"role.{role}"),
                        own=Tr(f"role.{actor.role}"))


def _may_manage(actor: Staff, target: Staff) -> None:
    """Changing an account needs the right to have granted its present role."""
    require_role(actor, STAFF_ADMINS, "staff.change")
    if (target.role in MANAGER_ONLY and actor.role != "manager") \
            or RANK[target.role] > RANK[actor.role]:
        raise DeskError("security_a.manage_above", field="login", login=target.login,
                        role=Tr(f"role.{target.role}"))


def create_staff(
    login: str,
    name: str,
    role: str,
    pin: str,
    clock: Clock,
    actor: Staff | None = None,
    department: str = "desk",
    salt: bytes | None = None,
    *,
    demo: bool = False,
) -> Staff:
    """Add a staff member: the first account (a manager) without an actor, later ones by a
    manager or supervisor within the hierarchy. ``demo``: the demo builder's (and the tests'
    demo-like office's) published 4-digit PINs."""
    if role not in ROLES:
        raise DeskError("auth.bad_role", field="role", role=role)
    check_pin(pin, role, demo)
    login = login.strip()
    if actor is not None:
        with _refusal_audited(actor, clock, "staff.create", login=login, role=role):
            may_grant(actor, role)
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


def _account(login: str) -> Staff:
    staff = Staff.get_or_none(Staff.login == login.strip())
    if staff is None:
        raise DeskError("security_a.no_such_staff", field="login", login=login.strip())
    return staff


def _other_active_managers(target: Staff) -> int:
    return (Staff.select().where(Staff.role == "manager", Staff.active, Staff.id != target.id)
            .count())


def set_role(login: str, role: str, actor: Staff, clock: Clock, pin: str | None = None) -> Staff:
    """Promote or demote: the actor must manage the account's present role and may grant the
    new one; the last active manager stays a manager. Moving up to a 6-digit role sets a new
    6-digit PIN (``pin``) at the same time. Audited with the old and the new role."""
    if role not in ROLES:
        raise DeskError("auth.bad_role", field="role", role=role)
    with _refusal_audited(actor, clock, "staff.role", login=login.strip(), role=role), \
            transaction(immediate=True):
        target = _account(login)
        _may_manage(actor, target)
        may_grant(actor, role)
        old = target.role
        if old == role:
            return target
        if old == "manager" and target.active and _other_active_managers(target) == 0:
            raise DeskError("security_a.last_manager", field="login", login=target.login)
        changes = {"role": role}
        if role in SIX_DIGIT_ROLES and old not in SIX_DIGIT_ROLES:
            if not pin:
                raise DeskError("security_a.new_pin_needed", field="pin", role=Tr(f"role.{role}"))
            check_pin(pin, role)
            salt = secrets.token_bytes(16)
            changes.update(pin_salt=salt.hex(), pin_hash=hash_pin(pin, salt))
        Staff.update(**changes).where(Staff.id == target.id).execute()
        audit(actor, clock, "staff.role", target, login=target.login, old=old, new=role,
              pin_changed="pin_hash" in changes)
    return Staff.get_by_id(target.id)


def set_active(login: str, active: bool, actor: Staff, clock: Clock) -> Staff:
    """Deactivate (the account stays for the audit trail) or reactivate a staff member; the
    last active manager cannot be deactivated. Audited with old → new."""
    with _refusal_audited(actor, clock, "staff.activate" if active else "staff.deactivate",
                          login=login.strip()), transaction(immediate=True):
        target = _account(login)
        _may_manage(actor, target)
        if target.active == active:
            return target
        if not active and target.role == "manager" and _other_active_managers(target) == 0:
            raise DeskError("security_a.last_manager", field="login", login=target.login)
        Staff.update(active=active).where(Staff.id == target.id).execute()
        audit(actor, clock, "staff.activate" if active else "staff.deactivate", target,
              login=target.login, old=target.active, new=active)
    return Staff.get_by_id(target.id)


def set_pin(login: str, pin: str, actor: Staff, clock: Clock) -> Staff:
    """A new PIN: one's own, or another's by someone who manages their role (a forgotten PIN).
    Clears a lock. Audited, without the PIN."""
    with _refusal_audited(actor, clock, "staff.pin", login=login.strip()), \
            transaction(immediate=True):
        target = _account(login)
        if target.id != actor.id:
            _may_manage(actor, target)
        check_pin(pin, target.role)
        salt = secrets.token_bytes(16)
        Staff.update(pin_salt=salt.hex(), pin_hash=hash_pin(pin, salt), failed_pins=0,
                     failed_since=None, locked_until=None).where(Staff.id == target.id).execute()
        audit(actor, clock, "staff.pin", target, login=target.login)
    return Staff.get_by_id(target.id)


def unlock(login: str, actor: Staff, clock: Clock) -> Staff:
    """A manager lets a locked login sign in again before its lock runs out (issue 19)."""
    require_role(actor, ("manager",), "staff.unlock")
    with transaction(immediate=True):
        target = _account(login)
        Staff.update(failed_pins=0, failed_since=None, locked_until=None).where(
            Staff.id == target.id).execute()
        audit(actor, clock, "staff.unlock", target, login=target.login,
              old_failed=target.failed_pins,
              was_locked_until=target.locked_until.isoformat() if target.locked_until else None)
    return Staff.get_by_id(target.id)


def is_locked(staff: Staff, clock: Clock) -> bool:
    return staff.locked_until is not None and staff.locked_until > clock.now()


def check_credentials(login: str, pin: str, clock: Clock, settings: Settings | None = None, *,
                      actor: Staff | None = None, failed_action: str = "staff.sign_in_failed",
                      **detail: object) -> Staff:
    """The account whose login and PIN these are, under the lock rules; active or not.

    Refused alike, after the same scrypt work, for an unknown login and a wrong PIN
    ("login or PIN wrong"); a failure is audited as ``failed_action`` (by ``actor``: the
    cashier whose payment a supervisor's PIN confirms), with the login's text only when it
    names an account — a PIN typed into the login field must never reach the log.
    ``max_wrong_pins`` wrong PINs within ``lock_minutes`` lock the login for ``lock_minutes``;
    while locked even the right PIN is refused (issue 19).
    """
    rules = (settings or default_settings()).data["sign_in"]
    limit, minutes = rules["max_wrong_pins"], timedelta(minutes=rules["lock_minutes"])
    now = clock.now()
    staff = Staff.get_or_none(Staff.login == login.strip())
    if staff is None:
        hmac.compare_digest(hash_pin(pin, _DUMMY_SALT), _DUMMY_HASH)
        with transaction():
            audit(actor, clock, failed_action, None, reason="unknown", **detail)
        raise DeskError("security_a.bad_credentials", field="pin")
    good = hmac.compare_digest(hash_pin(pin, bytes.fromhex(staff.pin_salt)), staff.pin_hash)
    if is_locked(staff, clock):
        with transaction():
            audit(actor, clock, "staff.sign_in_locked", staff, login=staff.login, **detail)
        raise _locked(staff, settings)
    if not good:
        with transaction(immediate=True):
            staff = Staff.get_by_id(staff.id)  # another counter may have counted one
            if staff.failed_since is None or now - staff.failed_since >= minutes:
                failed, since = 1, now
            else:
                failed, since = staff.failed_pins + 1, staff.failed_since
            locked_until = now + minutes if failed >= limit else None
            Staff.update(failed_pins=failed, failed_since=since, locked_until=locked_until).where(
                Staff.id == staff.id).execute()
            audit(actor, clock, failed_action, staff, login=staff.login, reason="pin",
                  count=failed, **detail)
            if locked_until is not None:
                audit(actor, clock, "staff.locked", staff, login=staff.login,
                      until=locked_until.isoformat(), wrong_pins=failed)
        if locked_until is not None:
            raise _locked(Staff.get_by_id(staff.id), settings)
        raise DeskError("security_a.bad_credentials", field="pin")
    if staff.failed_pins or staff.locked_until is not None:
        with transaction():
            Staff.update(failed_pins=0, failed_since=None, locked_until=None).where(
                Staff.id == staff.id).execute()
    return staff


def sign_in(login: str, pin: str, clock: Clock, settings: Settings | None = None) -> Staff:
    """The staff member with this login and PIN, signed in (audited); refusals, the lock and
    their audit as ``check_credentials``; a deactivated account is refused."""
    staff = check_credentials(login, pin, clock, settings)
    if not staff.active:
        raise DeskError("auth.inactive", field="login", login=staff.login)
    with transaction():
        audit(staff, clock, "staff.sign_in", staff)
    return staff


def _locked(staff: Staff, settings: Settings | None) -> DeskError:
    zone = (settings or default_settings()).zone
    until = staff.locked_until.astimezone(zone).strftime("%H:%M")
    return DeskError("security_a.locked", field="login", login=staff.login, until=until)


def sign_out(staff: Staff, clock: Clock) -> None:
    """The counter changes hands (a cashier takes over the clerk's terminal): logged, so every
    later action is attributed to whoever signs in next."""
    with transaction():
        audit(staff, clock, "staff.sign_out", staff)
