"""Read view of the KF-014 move-out release passes (搬出物品放行条) and owners' authorisations.

Reads only (the writes are ``kfdesk.desk.release_passes``): the passes of a unit or of a day,
one pass in full for printing, the owners' written authorisations with their agreed moving
window, and the month's summary for the security department (KF-014 §4.3.2). Times come back
in the office zone; ID numbers masked (KF-017 §4).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import NamedTuple

from ..models import Authorisation, Occupancy, Person, ReleasePass, Staff, Unit
from ..models.registers import BEARER_KINDS
from ..privacy import mask_id
from . import _by_id, _local, day_bounds

PASS_PREFIX = "F"  # "F-000012", the number written on the paper pass
AUTH_PREFIX = "A"  # an authorisation letter's reference on the pass: "A-000003"


def authorisation_ref(auth_id: int) -> str:
    """How an authorisation letter is referred to on the pass and on screen."""
    return f"{AUTH_PREFIX}-{auth_id:06d}"


def authorisation_window(moving_at: datetime, moving_until: datetime | None,
                         zone: tzinfo) -> tuple[datetime, datetime]:
    """KF-014 §4.2.3: the agreed moving time, as (from, until) in the office zone.

    A letter recorded without an end (older records) is good for the rest of the office day
    of its agreed time: the owner named a day and an hour, not a closing time.
    """
    start = moving_at.astimezone(zone)
    if moving_until is not None:
        return start, moving_until.astimezone(zone)
    midnight = datetime.combine(start.date() + timedelta(days=1), time(0), zone)
    return start, midnight


class PassListRow(NamedTuple):
    number: str
    unit: str
    bearer: str
    bearer_kind: str  # BEARER_KINDS
    id_number: str  # masked
    items: str
    owner_signed: bool
    crew_signed: bool
    authorisation: str  # "A-000003", "" without one
    window_from: datetime | None  # the authorisation's moving window, delegates only
    window_until: datetime | None
    issued_at: datetime
    issued_by: str
    used_at: datetime | None  # checked out at the gate

    def state(self, now: datetime) -> str:
        """``out`` (checked out at the gate), ``expired`` (a delegate's window has passed
        unused) or ``waiting``."""
        if self.used_at is not None:
            return "out"
        if self.window_until is not None and now > self.window_until:
            return "expired"
        return "waiting"


class PassDetail(NamedTuple):
    """One pass as printed: the stub kept at the desk and the copy for the gate."""

    row: PassListRow
    owners: str  # the unit's current owners, "、"-joined
    auth_owner: str  # who signed the authorisation letter
    auth_items: str
    auth_received_at: datetime | None
    security_signed: bool


class AuthorisationRow(NamedTuple):
    id: int
    ref: str  # "A-000003"
    unit: str
    owner: str
    delegate: str
    delegate_id: str  # masked
    starts: datetime
    ends: datetime
    items: str
    signed: bool
    received_at: datetime
    received_by: str
    pass_number: str  # the pass it was attached to, "" while unused

    def open_at(self, now: datetime) -> bool:
        """Still usable: not attached to a pass and its window not over."""
        return not self.pass_number and now <= self.ends


class KindCount(NamedTuple):
    kind: str
    issued: int
    checked_out: int


class PassSummary(NamedTuple):
    """KF-014 §4.3.2: the month's passes summarised for the security department."""

    month: str  # "2026-10"
    issued: int
    checked_out: int
    not_used: int
    by_kind: tuple[KindCount, ...]
    rows: tuple[PassListRow, ...]


def _rows(passes: list[ReleasePass], zone: tzinfo) -> list[PassListRow]:
    units = _by_id(Unit, (p.unit_id for p in passes))
    staff = _by_id(Staff, (p.issued_by_id for p in passes))
    auths = _by_id(Authorisation, (p.authorisation_id for p in passes))
    out = []
    for p in passes:
        auth = auths.get(p.authorisation_id)
        window = (authorisation_window(auth.moving_at, auth.moving_until, zone)
                  if auth is not None else (None, None))
        out.append(PassListRow(
            number=p.number,
            unit=units[p.unit_id].code if p.unit_id in units else "",
            bearer=p.bearer_name,
            bearer_kind=p.bearer_kind,
            id_number=mask_id(p.bearer_id_number),
            items=p.items,
            owner_signed=p.owner_signed,
            crew_signed=p.crew_signed,
            authorisation=authorisation_ref(auth.id) if auth is not None else "",
            window_from=window[0],
            window_until=window[1],
            issued_at=p.issued_at.astimezone(zone),
            issued_by=staff[p.issued_by_id].name if p.issued_by_id in staff else "",
            used_at=_local(p.used_at, zone),
        ))
    return out


def pass_rows(zone: tzinfo, *, unit_code: str | None = None, day: date | None = None,
              waiting_since: date | None = None, limit: int = 200) -> list[PassListRow]:
    """Passes, newest first: of one unit, of one office day, and/or (``waiting_since``) those
    issued since that day and not yet checked out — what the gate may still be shown."""
    query = ReleasePass.select()
    if unit_code:
        unit = Unit.get_or_none(Unit.code == unit_code.strip())
        if unit is None:
            return []
        query = query.where(ReleasePass.unit == unit.id)
    conditions = []
    if day is not None:
        start, end = day_bounds(day, zone)
        conditions.append((ReleasePass.issued_at >= start) & (ReleasePass.issued_at < end))
    if waiting_since is not None:
        start, _ = day_bounds(waiting_since, zone)
        conditions.append((ReleasePass.issued_at >= start) & ReleasePass.used_at.is_null())
    if conditions:
        either = conditions[0]
        for more in conditions[1:]:
            either = either | more
        query = query.where(either)
    passes = list(query.order_by(ReleasePass.issued_at.desc(), ReleasePass.id.desc())
                  .limit(limit))
    return _rows(passes, zone)


def normalize_pass_number(text: str) -> str:
    """``12``, ``f12`` or ``F-000012`` → ``F-000012`` (how a guard may type it)."""
    raw = "".join((text or "").split()).upper()
    digits = raw.removeprefix(f"{PASS_PREFIX}-").removeprefix(PASS_PREFIX)
    if digits.isdigit():
        return f"{PASS_PREFIX}-{int(digits):06d}"
    return raw


def pass_detail(number: str, zone: tzinfo) -> PassDetail | None:
    found = ReleasePass.get_or_none(ReleasePass.number == normalize_pass_number(number))
    if found is None:
        return None
    row = _rows([found], zone)[0]
    owners = [p.name for p in Person.select(Person.name).join(Occupancy)
              .where(Occupancy.unit == found.unit_id, Occupancy.role == "owner",
                     Occupancy.ended_on.is_null()).order_by(Occupancy.id)]
    auth = Authorisation.get_or_none(Authorisation.id == found.authorisation_id) \
        if found.authorisation_id else None
    return PassDetail(
        row=row,
        owners="、".join(owners),
        auth_owner=Person.get_by_id(auth.owner_id).name if auth is not None else "",
        auth_items=auth.items if auth is not None else "",
        auth_received_at=auth.received_at.astimezone(zone) if auth is not None else None,
        security_signed=found.security_signed,
    )


def authorisation_rows(zone: tzinfo, *, unit_code: str | None = None,
                       open_at: datetime | None = None, limit: int = 100
                       ) -> list[AuthorisationRow]:
    """Owners' authorisation letters, newest agreed time first; ``open_at`` keeps those still
    usable then (no pass yet, window not over)."""
    query = Authorisation.select()
    if unit_code:
        unit = Unit.get_or_none(Unit.code == unit_code.strip())
        if unit is None:
            return []
        query = query.where(Authorisation.unit == unit.id)
    if open_at is not None:
        # Coarse in SQL (a letter's window is at most what was recorded, never before its
        # start); exact below, where a missing end means the rest of that day.
        query = query.where(
            Authorisation.id.not_in(ReleasePass.select(ReleasePass.authorisation)
                                    .where(ReleasePass.authorisation.is_null(False))),
            (Authorisation.moving_until.is_null() & (Authorisation.moving_at
                                                      >= open_at - timedelta(days=1)))
            | (Authorisation.moving_until >= open_at))
    auths = list(query.order_by(Authorisation.moving_at.desc(), Authorisation.id.desc())
                 .limit(limit))
    units = _by_id(Unit, (a.unit_id for a in auths))
    people = _by_id(Person, (a.owner_id for a in auths))
    staff = _by_id(Staff, (a.received_by_id for a in auths))
    used: dict[int, str] = {}
    if auths:
        for auth_id, number in (ReleasePass.select(ReleasePass.authorisation, ReleasePass.number)
                                .where(ReleasePass.authorisation.in_([a.id for a in auths]))
                                .tuples()):
            used.setdefault(auth_id, number)
    rows = []
    for a in auths:
        starts, ends = authorisation_window(a.moving_at, a.moving_until, zone)
        row = AuthorisationRow(
            id=a.id, ref=authorisation_ref(a.id),
            unit=units[a.unit_id].code if a.unit_id in units else "",
            owner=people[a.owner_id].name if a.owner_id in people else "",
            delegate=a.delegate_name, delegate_id=mask_id(a.delegate_id_number),
            starts=starts, ends=ends, items=a.items, signed=a.signed,
            received_at=a.received_at.astimezone(zone),
            received_by=staff[a.received_by_id].name if a.received_by_id in staff else "",
            pass_number=used.get(a.id, ""),
        )
        if open_at is None or row.open_at(open_at):
            rows.append(row)
    return rows


def month_bounds(month: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """The UTC instants at which ``month`` (any day in it) starts and ends at the office."""
    first = date(month.year, month.month, 1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return (datetime.combine(first, time(0), zone).astimezone(UTC),
            datetime.combine(following, time(0), zone).astimezone(UTC))


def pass_summary(month: date, zone: tzinfo) -> PassSummary:
    """KF-014 §4.3.2: every pass issued in ``month`` (office zone), checked out or not.

    "Not used" is a pass with no check-out recorded at the gate (as of now): the security
    department asks about each one.
    """
    start, end = month_bounds(month, zone)
    passes = list(ReleasePass.select()
                  .where((ReleasePass.issued_at >= start) & (ReleasePass.issued_at < end))
                  .order_by(ReleasePass.issued_at, ReleasePass.id))
    rows = _rows(passes, zone)
    issued = Counter(r.bearer_kind for r in rows)
    out = Counter(r.bearer_kind for r in rows if r.used_at is not None)
    kinds = [k for k in BEARER_KINDS if k in issued] + sorted(set(issued) - set(BEARER_KINDS))
    checked = sum(out.values())
    return PassSummary(
        month=f"{month.year:04d}-{month.month:02d}",
        issued=len(rows),
        checked_out=checked,
        not_used=len(rows) - checked,
        by_kind=tuple(KindCount(k, issued[k], out[k]) for k in kinds),
        rows=tuple(rows),
    )


def unit_exists(unit_code: str) -> bool:
    return Unit.select().where(Unit.code == (unit_code or "").strip()).exists()

