"""Read views of the counter's registers: lending (KF-022 §4–5), keys held (RULES §5),
parking leases (KF-018), visitors and renovation permits (KF-001 §5–6).

Reads only (the writes are ``kfdesk.desk.lending``, ``keys``, ``leases``, ``visitors``).
Times come back in the office zone; phone numbers masked (KF-017 §4); a visitor's or worker's
ID is only ever its last 4. Every list can be narrowed to one unit, so F6 can open a register
on the unit being looked at.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, datetime, timedelta, tzinfo
from typing import NamedTuple

from ..desk.keys import key_ref
from ..desk.leases import lease_ref
from ..desk.lending import available, catalogue, item_name, loan_ref
from ..desk.visitors import pass_ref, permit_ref
from ..models import (
    Charge,
    Key,
    KeyMovement,
    LeaseRent,
    Loan,
    ParkingLease,
    RenovationPermit,
    Staff,
    Unit,
    Vehicle,
    Visitor,
    WorkerPass,
)
from ..privacy import mask_phone
from . import _by_id, _local, _unit_by_code, day_bounds, office_day


def _unit_id(unit_code: str | None) -> int | None:
    """The unit's id, ``0`` (matches nothing) for an unknown code, None for all units."""
    if not unit_code:
        return None
    unit = _unit_by_code(unit_code)
    return unit.id if unit is not None else 0


# ---- lending (KF-022 §4–5) -------------------------------------------------------------------


class LendingRow(NamedTuple):
    id: int
    ref: str  # "J-000012"
    kind: str  # tool | umbrella
    code: str  # the item's tag, "U03" ("" for an older free-text record)
    item: str  # "雨伞 U03", in the clerk's language
    unit: str
    borrower: str
    lent_at: datetime
    lent_by: str
    returned_at: datetime | None
    lost: bool
    days_out: int  # whole days since lent (0 on the day)

    @property
    def out(self) -> bool:
        return self.returned_at is None and not self.lost


class LendingStatus(NamedTuple):
    tools_out: int
    umbrellas_out: int
    tools_free: int
    umbrellas_free: int


def loans(now: datetime, zone: tzinfo, *, unit_code: str | None = None,
          recent_days: int = 30) -> list[LendingRow]:
    """Items out, longest out first; then those returned or lost in the last
    ``recent_days`` days, newest first."""
    unit_id = _unit_id(unit_code)
    since = now - timedelta(days=recent_days)
    query = Loan.select().where(
        (Loan.returned_at.is_null() & (Loan.lost == False))  # noqa: E712 - SQL
        | (Loan.returned_at >= since) | ((Loan.lost == True) & (Loan.lent_at >= since)))  # noqa: E712
    if unit_id is not None:
        query = query.where(Loan.unit == unit_id)
    rows = list(query)
    units = _by_id(Unit, (r.unit_id for r in rows))
    staff = _by_id(Staff, (r.lent_by_id for r in rows))
    codes = catalogue().by_code()
    today = office_day(now, zone)
    out = []
    for r in rows:
        lent = r.lent_at.astimezone(zone)
        out.append(LendingRow(
            id=r.id, ref=loan_ref(r.id), kind=r.item_kind,
            code=r.item if r.item in codes else "", item=item_name(r.item),
            unit=units[r.unit_id].code if r.unit_id in units else "",
            borrower=r.borrower, lent_at=lent,
            lent_by=staff[r.lent_by_id].name if r.lent_by_id in staff else "",
            returned_at=_local(r.returned_at, zone), lost=r.lost,
            days_out=(today - lent.date()).days))
    open_rows = sorted((r for r in out if r.out), key=lambda r: (r.lent_at, r.id))
    closed = sorted((r for r in out if not r.out),
                    key=lambda r: (r.returned_at or r.lent_at, r.id), reverse=True)
    return open_rows + closed


def lending_status() -> LendingStatus:
    """How many tools and umbrellas are out and how many can be lent now."""
    out = {kind: Loan.select().where(Loan.item_kind == kind, Loan.returned_at.is_null(),
                                     Loan.lost == False).count()  # noqa: E712 - SQL
           for kind in ("tool", "umbrella")}
    return LendingStatus(out["tool"], out["umbrella"], len(available("tool")),
                         len(available("umbrella")))


class LendChoice(NamedTuple):
    """One line of the lend dialog's choice: a free tool, "an umbrella", or a refused thing."""

    value: str  # a tool's code, "umbrella", or "refused:<n>"
    label: str


def lend_choices() -> list[LendChoice]:
    """The tools at the desk one by one, one "umbrella" line (any free one), then the things
    never lent (KF-022 §4.2) — choosing one shows the refusal and the paid repair offer."""
    out = [LendChoice(i.code, f"{i.name()} {i.code}") for i in available("tool")]
    umbrellas = available("umbrella")
    if umbrellas:
        out.append(LendChoice("umbrella", f"{umbrellas[0].name()} ×{len(umbrellas)}"))
    for n, r in enumerate(catalogue().refused):
        out.append(LendChoice(f"refused:{n}", r.name()))
    return out


# ---- keys (RULES §5) -------------------------------------------------------------------------


class HeldKeyRow(NamedTuple):
    id: int
    ref: str  # "K-0012"
    unit: str
    label: str
    reason: str  # vacant | repair | other
    where: str  # desk | out
    with_whom: str  # out: who has it
    purpose: str  # out: why
    since: datetime  # the last movement
    received_at: datetime


class KeyMoveRow(NamedTuple):
    kind: str  # in | out | back | returned
    at: datetime
    to_whom: str
    purpose: str
    staff: str


def keys_held(zone: tzinfo, *, unit_code: str | None = None) -> list[HeldKeyRow]:
    """The keys the desk holds — out with someone first (longest out first), then those at
    the desk by unit. A key handed back to its owner is no longer held."""
    unit_id = _unit_id(unit_code)
    query = Key.select()
    if unit_id is not None:
        query = query.where(Key.unit == unit_id)
    keys = list(query)
    last: dict[int, KeyMovement] = {}
    if keys:
        moves = (KeyMovement.select().where(KeyMovement.key.in_([k.id for k in keys]))
                 .order_by(KeyMovement.at, KeyMovement.id))
        for m in moves:
            last[m.key_id] = m
    units = _by_id(Unit, (k.unit_id for k in keys))
    rows = []
    for k in keys:
        m = last.get(k.id)
        if m is not None and m.kind == "returned":
            continue
        out = m is not None and m.kind == "out"
        rows.append(HeldKeyRow(
            id=k.id, ref=key_ref(k.id), unit=units[k.unit_id].code, label=k.label,
            reason=k.reason, where="out" if out else "desk",
            with_whom=m.to_whom if out else "", purpose=m.purpose if out else "",
            since=(m.at if m else k.received_at).astimezone(zone),
            received_at=k.received_at.astimezone(zone)))
    return sorted(rows, key=lambda r: (0, r.since, r.unit, r.id) if r.where == "out"
                  else (1, r.received_at, r.unit, r.id))


def key_movements(key_id: int, zone: tzinfo) -> list[KeyMoveRow]:
    """Every movement of one key, oldest first."""
    moves = list(KeyMovement.select().where(KeyMovement.key == key_id)
                 .order_by(KeyMovement.at, KeyMovement.id))
    staff = _by_id(Staff, (m.staff_id for m in moves))
    return [KeyMoveRow(m.kind, m.at.astimezone(zone), m.to_whom, m.purpose,
                       staff[m.staff_id].name if m.staff_id in staff else "") for m in moves]


# ---- parking leases (KF-018) -----------------------------------------------------------------


class LeaseRow(NamedTuple):
    id: int
    ref: str  # "C-000012"
    unit: str
    plate: str
    model: str
    colour: str
    drivers: str
    space: str
    starts_on: date
    ends_on: date
    monthly_fen: int
    card_no: str
    deposit_fen: int
    deposit_paid: bool | None  # None: no deposit charge found (an older lease)
    copy_to_security: bool
    state: str  # upcoming | current | ended
    days_left: int  # to the last day (negative once ended)
    rent_cycle: str = "monthly"  # KF-001 §9: monthly | quarterly | yearly
    # KF-018 §4.4: issued | ready (deposit and first period paid) | waiting (still owed)
    card: str = "ready"


class VehicleRow(NamedTuple):
    id: int
    plate: str
    model: str
    colour: str
    drivers: str
    unit: str


_LEASE_REF = re.compile(r"C-\d{6}")


def _deposits(unit_ids: set[int]) -> dict[str, bool]:
    """lease ref → whether its IC card deposit charge is paid in full."""
    if not unit_ids:
        return {}
    out = {}
    for c in Charge.select().where(Charge.unit.in_(unit_ids),
                                   Charge.kind == "parking_card_deposit"):
        m = _LEASE_REF.search(c.description)
        if m:
            out[m.group(0)] = c.paid_fen >= c.amount_fen
    return out


def _card(lease: ParkingLease, deposit_paid: bool | None,
          rent: tuple[int, int] | None) -> str:
    """KF-018 §4.4: the card is handed over once the deposit and the first period are paid."""
    if lease.card_issued_at is not None:
        return "issued"
    if deposit_paid is False or (rent is not None and rent[1] < rent[0]):
        return "waiting"
    return "ready"


def leases(today: date, *, unit_code: str | None = None,
           ended_days: int = 30) -> list[LeaseRow]:
    """Leases current or to come, by space; then those ended in the last ``ended_days``."""
    unit_id = _unit_id(unit_code)
    query = ParkingLease.select().where(ParkingLease.ends_on >= today - timedelta(days=ended_days))
    if unit_id is not None:
        query = query.where(ParkingLease.unit == unit_id)
    rows = list(query)
    units = _by_id(Unit, (r.unit_id for r in rows))
    vehicles = _by_id(Vehicle, (r.vehicle_id for r in rows))
    paid = _deposits(set(units))
    first_rent: dict[int, tuple[int, int]] = {}  # lease id → (amount, paid) of period 1
    for rent in (LeaseRent.select(LeaseRent, Charge).join(Charge)
                 .where(LeaseRent.lease.in_([r.id for r in rows] or [0]))
                 .order_by(LeaseRent.period_start.desc())):
        first_rent[rent.lease_id] = (rent.charge.amount_fen, rent.charge.paid_fen)
    out = []
    for r in rows:
        v = vehicles[r.vehicle_id]
        ended = r.ends_on < today or r.ends_on < r.starts_on
        state = "ended" if ended else "upcoming" if r.starts_on > today else "current"
        ref = lease_ref(r.id)
        out.append(LeaseRow(
            id=r.id, ref=ref, unit=units[r.unit_id].code, plate=v.plate, model=v.model,
            colour=v.colour, drivers=v.drivers, space=r.space, starts_on=r.starts_on,
            ends_on=r.ends_on, monthly_fen=r.monthly_fen, card_no=r.card_no,
            deposit_fen=r.deposit_fen, deposit_paid=paid.get(ref),
            copy_to_security=r.copy_to_security, state=state,
            days_left=(r.ends_on - today).days, rent_cycle=r.rent_cycle,
            card=_card(r, paid.get(ref), first_rent.get(r.id))))
    order = {"current": 0, "upcoming": 1, "ended": 2}
    return sorted(out, key=lambda r: (order[r.state], r.space, r.starts_on, r.id))


def vehicles(unit_code: str) -> list[VehicleRow]:
    """The vehicles filed for a unit (KF-018 §4.1), by plate."""
    unit_id = _unit_id(unit_code)
    if not unit_id:
        return []
    return [VehicleRow(v.id, v.plate, v.model, v.colour, v.drivers, unit_code)
            for v in Vehicle.select().where(Vehicle.unit == unit_id).order_by(Vehicle.plate)]


# ---- visitors and renovation permits (KF-001 §5–6) -------------------------------------------


class VisitorRow(NamedTuple):
    id: int
    name: str
    unit: str
    purpose: str
    id_last4: str
    came_at: datetime
    left_at: datetime | None
    logged_by: str


def visitors_on(day: date, zone: tzinfo, *, unit_code: str | None = None) -> list[VisitorRow]:
    """The day's visitors, still inside first — with anyone from an earlier day who never
    signed out — then those who left, newest first."""
    start, end = day_bounds(day, zone)
    unit_id = _unit_id(unit_code)
    query = Visitor.select().where(
        ((Visitor.came_at >= start) & (Visitor.came_at < end))
        | ((Visitor.came_at < end) & Visitor.left_at.is_null()))
    if unit_id is not None:
        query = query.where(Visitor.unit == unit_id)
    rows = list(query)
    units = _by_id(Unit, (r.unit_id for r in rows))
    staff = _by_id(Staff, (r.logged_by_id for r in rows))
    out = [VisitorRow(r.id, r.name, units[r.unit_id].code if r.unit_id in units else "",
                      r.purpose, r.id_last4, r.came_at.astimezone(zone),
                      _local(r.left_at, zone),
                      staff[r.logged_by_id].name if r.logged_by_id in staff else "")
           for r in rows]
    inside = sorted((r for r in out if r.left_at is None), key=lambda r: (r.came_at, r.id))
    left = sorted((r for r in out if r.left_at is not None), key=lambda r: (r.came_at, r.id),
                  reverse=True)
    return inside + left


class WorkerPassRow(NamedTuple):
    id: int
    ref: str  # "G-000012"
    permit_id: int
    permit_ref: str
    unit: str
    name: str
    id_last4: str
    expires_on: date
    returned: bool
    state: str  # valid | expiring | expired | returned | void (permit closed)
    days_left: int


class PermitRow(NamedTuple):
    id: int
    ref: str  # "Z-000012"
    unit: str
    company: str
    foreman: str
    foreman_phone: str  # masked
    starts_on: date
    ends_on: date
    state: str  # upcoming | active | over | closed
    passes: tuple[WorkerPassRow, ...]


def _pass_state(p: WorkerPass, permit_closed: bool, today: date, window: int) -> str:
    if p.returned_at is not None:
        return "returned"
    if permit_closed:
        return "void"
    if p.expires_on < today:
        return "expired"
    return "expiring" if (p.expires_on - today).days <= window else "valid"


def permits(today: date, window: int, *, unit_code: str | None = None,
            closed_days: int = 30) -> list[PermitRow]:
    """Open permits (by end date), then those closed or over in the last ``closed_days``,
    each with its passes; a pass expiring within ``window`` days is "expiring"."""
    unit_id = _unit_id(unit_code)
    since = today - timedelta(days=closed_days)
    # An open permit stays listed however old (its passes may still be out).
    query = RenovationPermit.select().where((RenovationPermit.ends_on >= since)
                                            | RenovationPermit.closed_at.is_null())
    if unit_id is not None:
        query = query.where(RenovationPermit.unit == unit_id)
    rows = list(query)
    units = _by_id(Unit, (r.unit_id for r in rows))
    passes: dict[int, list[WorkerPass]] = defaultdict(list)
    if rows:
        for p in (WorkerPass.select().where(WorkerPass.permit.in_([r.id for r in rows]))
                  .order_by(WorkerPass.expires_on, WorkerPass.id)):
            passes[p.permit_id].append(p)
    out = []
    for r in rows:
        closed = r.closed_at is not None
        state = ("closed" if closed else "over" if r.ends_on < today
                 else "upcoming" if r.starts_on > today else "active")
        unit = units[r.unit_id].code
        out.append(PermitRow(
            r.id, permit_ref(r.id), unit, r.company, r.foreman, mask_phone(r.foreman_phone),
            r.starts_on, r.ends_on, state,
            tuple(WorkerPassRow(p.id, pass_ref(p.id), r.id, permit_ref(r.id), unit, p.name,
                                p.id_last4, p.expires_on, p.returned_at is not None,
                                _pass_state(p, closed, today, window),
                                (p.expires_on - today).days)
                  for p in passes[r.id])))
    order = {"active": 0, "upcoming": 1, "over": 2, "closed": 3}
    return sorted(out, key=lambda r: (order[r.state], r.ends_on, r.id))


def expiring_passes(today: date, window: int, *,
                    unit_code: str | None = None) -> list[WorkerPassRow]:
    """Passes still out of open permits that expire within ``window`` days — or have
    expired and were never handed back — soonest first: the gate collects them."""
    rows = [p for permit in permits(today, window, unit_code=unit_code)
            if permit.state != "closed"
            for p in permit.passes if p.state in ("expiring", "expired")]
    return sorted(rows, key=lambda p: (p.expires_on, p.id))
