"""KF-021 mail at the counter (邮件收发): log, notify, hand over against signature, return.

- ``log_mail``: every item goes in the register (收发登记表, KF-021 §2) with its recipient and
  kind (``MAIL_KINDS``); registered and valuable items need their tracking number.
- ``notify``: the resident was told to come for it (KF-021 §3) — recorded as ``notified_at``.
- ``hand_over_mail``: the recipient signs on pickup (the name signed is kept); a guard may
  deliver it against signature instead (KF-021 §3), signed in as themselves. Refused once the
  item is collected or returned.
- ``return_to_post``: back to the postman (KF-021 §3) — a misdelivered item at once; an
  unclaimed one from day 6 (the clock's limit, ``registered_mail_days``), so the resident has
  the whole holding time and the desk still returns it within the limit.
- ``hold_for_absent``: an item for a resident who is away is kept in the duty room, never
  opened or passed around (KF-021 §4), until they are back and told. **Reading:** holding
  does not stop the registered-mail clock (§3 gives the post office no exception); the
  alert then asks the desk to decide, and an unclaimed return waits until the hold is lifted.

Registered, telegram and valuable items run the ``registered_mail`` clock (RULES §8: received
→ collected or returned, 6 days): every write re-syncs the item (``sync_mail_items``) so the
clock starts and stops with it. Each write checks the role, validates first (a refusal
changes nothing), runs in one transaction and is audited.
"""

from __future__ import annotations

import re
from datetime import datetime

from ..clock import Clock
from ..config import Settings, default_settings
from ..models import MailItem, Staff, Unit
from ..models.registers import MAIL_KINDS
from ..rules.context import RuleContext
from ..rules.sync import sync_mail_items
from ..views import office_day
from ..views.mail import TRACKED_KINDS, return_allowed_from
from .base import DeskError, Tr, audit, require_role, transaction
from .inputs import instant_in, text_in

WRITE_ROLES = ("clerk", "supervisor", "manager")
# KF-021 §3: a guard may deliver an item to the resident against signature.
HAND_OVER_ROLES = (*WRITE_ROLES, "security")
TRACKING_NEEDED = ("registered", "valuable")  # a telegram has no tracking number
RETURN_REASONS = ("unclaimed", "misdelivered")
NAME_MAX = 64  # MailItem.recipient / collected_by
NOTE_MAX = 128  # MailItem.note
TRACKING_MAX = 32
_TRACKING = re.compile(r"^[A-Z0-9-]+$")


def _settings(settings: Settings | None) -> Settings:
    return settings or default_settings()


def _text(value: str, field: str, limit: int, needed: str | None = None) -> str:
    text = " ".join(text_in(value, field).split())
    if needed and not text:
        raise DeskError(needed, field=field)
    if len(text) > limit:
        raise DeskError("mail.too_long", field=field, limit=limit)
    return text


def _sync(item: MailItem, settings: Settings) -> None:
    sync_mail_items([item], RuleContext.from_store(settings))


def _item(item_id: int) -> MailItem:
    found = MailItem.get_or_none(MailItem.id == item_id)
    if found is None:
        raise DeskError("mail.unknown", item=item_id)
    return found


def _waiting(item: MailItem, settings: Settings) -> None:
    """Refuse anything more on an item that has left the desk."""
    zone = settings.zone
    if item.collected_at is not None:
        raise DeskError("mail.already_collected", by=item.collected_by or "—",
                        at=item.collected_at.astimezone(zone).strftime("%m-%d %H:%M"))
    if item.returned_at is not None:
        raise DeskError("mail.already_returned",
                        at=item.returned_at.astimezone(zone).strftime("%m-%d %H:%M"))


def _label(item: MailItem) -> str:
    return item.tracking_no or item.recipient


def log_mail(unit_code: str, recipient: str, kind: str, tracking_no: str, actor: Staff,
             clock: Clock, settings: Settings | None = None, *,
             received_at: datetime | None = None, note: str = "") -> MailItem:
    """KF-021 §2: log an item in the register. ``unit_code`` may be empty for an item
    addressed to nobody in the records (it will go back as misdelivered)."""
    require_role(actor, WRITE_ROLES, "mail.log")
    settings = _settings(settings)
    now = clock.now()
    code = text_in(unit_code, "unit").strip()
    unit = None
    if code:
        unit = Unit.get_or_none(Unit.code == code)
        if unit is None:
            raise DeskError("mail.unknown_unit", field="unit", unit=code)
    name = _text(recipient, "recipient", NAME_MAX, "mail.recipient_needed")
    if kind not in MAIL_KINDS:
        raise DeskError("mail.bad_kind", field="kind")
    tracking = "".join(text_in(tracking_no, "tracking_no").split()).upper()
    if kind in TRACKING_NEEDED and not tracking:
        raise DeskError("mail.tracking_needed", field="tracking_no", kind=Tr(f"mail_kind.{kind}"))
    if tracking and (len(tracking) > TRACKING_MAX or not _TRACKING.match(tracking)):
        raise DeskError("mail.bad_tracking", field="tracking_no", tracking=tracking)
    if tracking and MailItem.select().where(
            MailItem.tracking_no == tracking, MailItem.collected_at.is_null(),
            MailItem.returned_at.is_null()).exists():
        raise DeskError("mail.duplicate", field="tracking_no", tracking=tracking)
    received = instant_in(received_at, "received_at") or now
    if received > now:
        raise DeskError("mail.received_future", field="received_at")
    remark = _text(note, "note", NOTE_MAX)
    with transaction():
        item = MailItem.create(unit=unit, recipient=name, kind=kind, tracking_no=tracking,
                               received_at=received, received_by=actor, note=remark)
        audit(actor, clock, "mail.log", item, unit=code, recipient=name, kind=kind,
              tracking_no=tracking, received_at=received.isoformat())
        _sync(item, settings)
    return item


def notify(item_id: int, actor: Staff, clock: Clock, settings: Settings | None = None, *,
           note: str = "") -> MailItem:
    """KF-021 §3: the resident was told to collect the item; the latest notice is kept
    (a second call the next day replaces the time), each one is in the audit trail."""
    require_role(actor, WRITE_ROLES, "mail.notify")
    settings = _settings(settings)
    item = _item(item_id)
    _waiting(item, settings)
    remark = _text(note, "note", NOTE_MAX) or item.note
    again = item.notified_at is not None
    now = clock.now()
    with transaction():
        MailItem.update(notified_at=now, note=remark).where(MailItem.id == item.id).execute()
        item = MailItem.get_by_id(item.id)
        audit(actor, clock, "mail.notify", item, item=_label(item), again=again)
        _sync(item, settings)
    return item


def hand_over_mail(item_id: int, signed_by: str, actor: Staff, clock: Clock,
                   settings: Settings | None = None) -> MailItem:
    """KF-021 §2–3: the item leaves the desk against the name signed on the register.

    Refused once collected or returned: the register holds one signature per item. A guard
    signed in as ``security`` records a delivery to the door.
    """
    require_role(actor, HAND_OVER_ROLES, "mail.hand_over")
    settings = _settings(settings)
    item = _item(item_id)
    _waiting(item, settings)
    signer = _text(signed_by, "signed_by", NAME_MAX, "mail.signature_needed")
    now = clock.now()
    with transaction():
        # Two counters handing over the same item: only the first signature counts.
        done = (MailItem.update(collected_at=now, collected_by=signer)
                .where((MailItem.id == item.id) & MailItem.collected_at.is_null()
                       & MailItem.returned_at.is_null()).execute())
        if not done:
            _waiting(MailItem.get_by_id(item.id), settings)
        item = MailItem.get_by_id(item.id)
        audit(actor, clock, "mail.hand_over", item, item=_label(item), signed_by=signer,
              recipient=item.recipient, by_guard=actor.role == "security")
        _sync(item, settings)
    return item


def return_to_post(item_id: int, reason: str, actor: Staff, clock: Clock,
                   settings: Settings | None = None, *, note: str = "") -> MailItem:
    """KF-021 §3: back to the postman — misdelivered at once, unclaimed from day 6."""
    require_role(actor, WRITE_ROLES, "mail.return")
    settings = _settings(settings)
    zone = settings.zone
    item = _item(item_id)
    _waiting(item, settings)
    if reason not in RETURN_REASONS:
        raise DeskError("mail.bad_reason", field="reason")
    now = clock.now()
    if reason == "unclaimed":
        if item.held_at is not None:
            raise DeskError("mail.held_not_unclaimed", field="reason")
        limit = int(settings.clocks["registered_mail_days"])
        first = return_allowed_from(item.received_at, limit, zone)
        if office_day(now, zone) < first:
            raise DeskError("mail.too_early", field="reason", day=limit,
                            date=first.isoformat())
    remark = _text(note, "note", NOTE_MAX) or item.note
    with transaction():
        done = (MailItem.update(returned_at=now, return_reason=reason, note=remark)
                .where((MailItem.id == item.id) & MailItem.collected_at.is_null()
                       & MailItem.returned_at.is_null()).execute())
        if not done:
            _waiting(MailItem.get_by_id(item.id), settings)
        item = MailItem.get_by_id(item.id)
        audit(actor, clock, "mail.return", item, item=_label(item), reason=reason,
              tracked=item.kind in TRACKED_KINDS)
        _sync(item, settings)
    return item


def hold_for_absent(item_id: int, held: bool, note: str, actor: Staff, clock: Clock,
                    settings: Settings | None = None) -> MailItem:
    """KF-021 §4: keep an away resident's item in the duty room (``held``), or lift the hold
    when they are back (then ``notify`` them)."""
    require_role(actor, WRITE_ROLES, "mail.hold")
    settings = _settings(settings)
    item = _item(item_id)
    _waiting(item, settings)
    if held and item.held_at is not None:
        raise DeskError("mail.already_held")
    if not held and item.held_at is None:
        raise DeskError("mail.not_held")
    remark = _text(note, "note", NOTE_MAX) or item.note
    now = clock.now()
    with transaction():
        MailItem.update(held_at=now if held else None, note=remark).where(
            MailItem.id == item.id).execute()
        item = MailItem.get_by_id(item.id)
        audit(actor, clock, "mail.hold" if held else "mail.unhold", item, item=_label(item),
              note=remark)
        _sync(item, settings)
    return item
