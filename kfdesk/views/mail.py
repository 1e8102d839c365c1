"""Read view of the KF-021 mail register (邮件收发登记表) for the mail modal and the unit.

Reads only (the writes are ``kfdesk.desk.mail``). Items waiting come first — registered,
telegram and valuable items (the ones on the 6-day return clock, KF-021 §3) before the rest,
the longest held first — then, with ``waiting=False``, what was collected or returned, newest
first. Times in the office zone; "day N" counts the day the item arrived as day 1, as the
counter says it (第 4 天).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from typing import NamedTuple

from ..models import MailItem, Staff, Unit
from ..rules.sync import REGISTERED_MAIL
from . import _by_id, _local, office_day

TRACKED_KINDS = REGISTERED_MAIL  # on the 6-day return clock (KF-021 §3)


def day_no(received_at: datetime, now: datetime, zone: tzinfo) -> int:
    """1 on the day the item arrived, 2 the next day, …"""
    return (office_day(now, zone) - office_day(received_at, zone)).days + 1


def return_allowed_from(received_at: datetime, limit_days: int, zone: tzinfo) -> date:
    """KF-021 §3 reading: an unclaimed item goes back to the postman on day ``limit_days``
    (day 6 by default) — the resident gets the whole holding time, and the desk still returns
    it before the limit runs out. A misdelivered item may go back at once."""
    return office_day(received_at, zone) + timedelta(days=max(limit_days - 1, 0))


class MailListRow(NamedTuple):
    id: int
    unit: str
    recipient: str
    kind: str  # MAIL_KINDS
    tracking_no: str
    received_at: datetime
    received_by: str
    day_no: int  # days held so far (1 on arrival); for finished items, on the day they left
    notified_at: datetime | None
    held_at: datetime | None  # KF-021 §4: kept in the duty room while the resident is away
    note: str
    collected_at: datetime | None
    collected_by: str  # the name signed on pickup
    returned_at: datetime | None
    return_reason: str  # unclaimed | misdelivered
    due_at: datetime | None  # tracked kinds: back to the postman by then (KF-021 §3)

    @property
    def waiting(self) -> bool:
        return self.collected_at is None and self.returned_at is None

    @property
    def tracked(self) -> bool:
        return self.kind in TRACKED_KINDS

    @property
    def state(self) -> str:
        """``collected``, ``returned``, ``held`` (resident away) or ``waiting``."""
        if self.collected_at is not None:
            return "collected"
        if self.returned_at is not None:
            return "returned"
        return "held" if self.held_at is not None else "waiting"

    def overdue(self, now: datetime) -> bool:
        return self.waiting and self.due_at is not None and now > self.due_at


class MailCounts(NamedTuple):
    waiting: int
    tracked: int  # registered / telegram / valuable among those waiting
    overdue: int
    held: int


def _rows(items: list[MailItem], now: datetime, zone: tzinfo,
          limit_days: int) -> list[MailListRow]:
    units = _by_id(Unit, (m.unit_id for m in items))
    staff = _by_id(Staff, (m.received_by_id for m in items))
    out = []
    for m in items:
        left = m.collected_at or m.returned_at
        out.append(MailListRow(
            id=m.id,
            unit=units[m.unit_id].code if m.unit_id in units else "",
            recipient=m.recipient,
            kind=m.kind,
            tracking_no=m.tracking_no,
            received_at=m.received_at.astimezone(zone),
            received_by=staff[m.received_by_id].name if m.received_by_id in staff else "",
            day_no=day_no(m.received_at, left or now, zone),
            notified_at=_local(m.notified_at, zone),
            held_at=_local(m.held_at, zone),
            note=m.note,
            collected_at=_local(m.collected_at, zone),
            collected_by=m.collected_by,
            returned_at=_local(m.returned_at, zone),
            return_reason=m.return_reason,
            due_at=(m.received_at + timedelta(days=limit_days)).astimezone(zone)
            if m.kind in TRACKED_KINDS else None,
        ))
    return out


def _unit_filter(query, unit_code: str | None):  # noqa: ANN001, ANN202 - a peewee query
    if not unit_code:
        return query
    unit = Unit.get_or_none(Unit.code == unit_code.strip())
    return query.where(MailItem.unit == (unit.id if unit else 0))


def mail_rows(now: datetime, zone: tzinfo, limit_days: int, *, waiting: bool = True,
              unit_code: str | None = None, limit: int = 300) -> list[MailListRow]:
    """The register: items waiting (tracked kinds first, longest held first); with
    ``waiting=False`` also the latest collected or returned ones after them."""
    open_items = list(_unit_filter(MailItem.select(), unit_code).where(
        MailItem.collected_at.is_null(), MailItem.returned_at.is_null(),
        MailItem.received_at <= now).order_by(MailItem.received_at, MailItem.id))
    open_items.sort(key=lambda m: (0 if m.kind in TRACKED_KINDS else 1, m.received_at, m.id))
    items = open_items[:limit]
    if not waiting and len(items) < limit:
        done = list(_unit_filter(MailItem.select(), unit_code).where(
            MailItem.collected_at.is_null(False) | MailItem.returned_at.is_null(False))
            .order_by(MailItem.received_at.desc(), MailItem.id.desc())
            .limit(limit - len(items)))
        items += done
    return _rows(items, now, zone, limit_days)


def mail_item(item_id: int, now: datetime, zone: tzinfo, limit_days: int) -> MailListRow | None:
    found = MailItem.get_or_none(MailItem.id == item_id)
    return _rows([found], now, zone, limit_days)[0] if found is not None else None


def mail_counts(now: datetime, zone: tzinfo, limit_days: int,
                unit_code: str | None = None) -> MailCounts:
    """What the modal's status line says: waiting, of which tracked, overdue, held."""
    rows = mail_rows(now, zone, limit_days, unit_code=unit_code, limit=100_000)
    return MailCounts(
        waiting=len(rows),
        tracked=sum(1 for r in rows if r.tracked),
        overdue=sum(1 for r in rows if r.overdue(now)),
        held=sum(1 for r in rows if r.held_at is not None),
    )
