"""Owners' keys kept at the desk (钥匙管理, RULES §5; KF-001 §4 业主钥匙管理).

The desk keeps keys of vacant units and keys owners leave for a repair while they are away.
Every movement is a ``KeyMovement`` row (in, out to whom and why, back, returned to the
owner) with the staff member who handled it, so "where is the key of 5-2-1101, and who had it"
is always answerable:

- ``take_in``: a key is left at the desk (a new ``Key``, movement ``in``).
- ``lend_out``: handed to someone (an agent for a viewing, a technician for a repair) with the
  purpose; refused while the key is out — it is with someone else.
- ``take_back``: brought back to the desk.
- ``return_to_owner``: handed back to the owner; the desk no longer holds it.

Each write validates first (a refusal changes nothing), runs in one transaction and appends an
audit event.
"""

from __future__ import annotations

from typing import NamedTuple

from ..clock import Clock
from ..config import Settings
from ..models import Key, KeyMovement, Staff
from .base import DeskError, audit, require_role, transaction
from .lending import clean_text, counter_unit

KEY_ROLES = ("clerk", "supervisor", "manager")
REASONS = ("vacant", "repair", "other")
MOVEMENTS = ("in", "out", "back", "returned")
LABEL_MAX = 64  # Key.label
NAME_MAX = 64  # KeyMovement.to_whom
PURPOSE_MAX = 64  # KeyMovement.purpose


class KeyState(NamedTuple):
    """Where a key is, from its last movement."""

    where: str  # desk | out | returned
    last: KeyMovement | None


def key_ref(key_id: int) -> str:
    """The tag number on the key's ring: ``K-0012``."""
    return f"K-{key_id:04d}"


def state(key: Key) -> KeyState:
    last = (KeyMovement.select().where(KeyMovement.key == key.id)
            .order_by(KeyMovement.at.desc(), KeyMovement.id.desc()).first())
    if last is None or last.kind in ("in", "back"):
        return KeyState("desk", last)
    return KeyState("out" if last.kind == "out" else "returned", last)


def _key(key_id: int) -> Key:
    key = Key.get_or_none(Key.id == key_id)
    if key is None:
        raise DeskError("desk_key.unknown", ref=key_ref(key_id))
    return key


def _move(key: Key, kind: str, to_whom: str, purpose: str, actor: Staff,
          clock: Clock) -> KeyMovement:
    move = KeyMovement.create(key=key, kind=kind, at=clock.now(), to_whom=to_whom,
                              purpose=purpose, staff=actor)
    key.at_desk = kind in ("in", "back")
    key.save()
    return move


def take_in(unit_code: str, label: str, reason: str, from_whom: str, actor: Staff,
            clock: Clock, settings: Settings, *, note: str = "") -> Key:
    """A key left at the desk: ``label`` says what it is (``入户门钥匙 2 把``), ``reason``
    why (vacant unit, repair, other), ``from_whom`` who left it."""
    require_role(actor, KEY_ROLES, "desk_key.take_in")
    unit = counter_unit(unit_code)
    what = clean_text(label, "label", LABEL_MAX, required="desk_key.label_needed")
    if reason not in REASONS:
        raise DeskError("desk_key.bad_reason", field="reason", reason=reason)
    who = clean_text(from_whom, "from_whom", NAME_MAX, required="desk_key.from_needed")
    why = clean_text(note, "note", PURPOSE_MAX)
    with transaction():
        key = Key.create(unit=unit, label=what, reason=reason, at_desk=True,
                         received_at=clock.now())
        _move(key, "in", who, why, actor, clock)
        audit(actor, clock, "desk_key.take_in", key, ref=key_ref(key.id), unit=unit.code,
              label=what, reason=reason, from_whom=who, note=why)
    return key


def lend_out(key_id: int, to_whom: str, purpose: str, actor: Staff, clock: Clock,
             settings: Settings) -> KeyMovement:
    """Hand the key to ``to_whom`` for ``purpose``; refused unless it is at the desk."""
    require_role(actor, KEY_ROLES, "desk_key.lend_out")
    who = clean_text(to_whom, "to_whom", NAME_MAX, required="desk_key.to_needed")
    why = clean_text(purpose, "purpose", PURPOSE_MAX, required="desk_key.purpose_needed")
    with transaction():
        key = _key(key_id)
        now = state(key)
        if now.where == "out":
            last = now.last
            assert last is not None
            raise DeskError("desk_key.already_out", ref=key_ref(key.id), label=key.label,
                            to_whom=last.to_whom,
                            since=last.at.astimezone(settings.zone).strftime("%m-%d %H:%M"))
        if now.where == "returned":
            raise DeskError("desk_key.not_held", ref=key_ref(key.id), label=key.label)
        move = _move(key, "out", who, why, actor, clock)
        audit(actor, clock, "desk_key.lend_out", key, ref=key_ref(key.id), to_whom=who,
              purpose=why)
    return move


def take_back(key_id: int, actor: Staff, clock: Clock, settings: Settings, *,
              by_whom: str = "") -> KeyMovement:
    """The key is back at the desk; ``by_whom`` defaults to whom it was lent to."""
    require_role(actor, KEY_ROLES, "desk_key.take_back")
    with transaction():
        key = _key(key_id)
        now = state(key)
        if now.where != "out":
            raise DeskError("desk_key.not_out", ref=key_ref(key.id), label=key.label)
        assert now.last is not None
        who = clean_text(by_whom, "by_whom", NAME_MAX) or now.last.to_whom
        move = _move(key, "back", who, "", actor, clock)
        audit(actor, clock, "desk_key.take_back", key, ref=key_ref(key.id), by_whom=who)
    return move


def return_to_owner(key_id: int, to_whom: str, actor: Staff, clock: Clock,
                    settings: Settings) -> KeyMovement:
    """The key goes back to the owner (the repair is done, the unit is let): the desk no
    longer holds it. Refused while it is out with someone else."""
    require_role(actor, KEY_ROLES, "desk_key.return")
    who = clean_text(to_whom, "to_whom", NAME_MAX, required="desk_key.to_needed")
    with transaction():
        key = _key(key_id)
        now = state(key)
        if now.where == "out":
            assert now.last is not None
            raise DeskError("desk_key.already_out", ref=key_ref(key.id), label=key.label,
                            to_whom=now.last.to_whom,
                            since=now.last.at.astimezone(settings.zone).strftime("%m-%d %H:%M"))
        if now.where == "returned":
            raise DeskError("desk_key.not_held", ref=key_ref(key.id), label=key.label)
        move = _move(key, "returned", who, "", actor, clock)
        audit(actor, clock, "desk_key.return", key, ref=key_ref(key.id), to_whom=who)
    return move
