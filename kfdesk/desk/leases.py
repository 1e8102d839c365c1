"""KF-018 parking space leases (车位租赁): the vehicle file, the lease, the IC card deposit.

The procedure (WI-KF-018 §4):

1. §4.1 the owner fills in the vehicle file (车辆管理档案) in two copies — plate, model,
   colour, the authorised drivers — with colour photos of the car and of each driver
   (``file_vehicle``; the plate must be a mainland plate, ``normalize_plate``);
2. §4.2 signs the lease contract (``sign_lease``: space, dates, monthly fee, IC card number) —
   a space already leased for any day of the new dates is refused, as is a vehicle or card
   already on another lease then;
3. §4.3 pays at the cashier, with the **100-yuan IC card deposit** (``fees.parking_card_deposit``):
   signing raises that deposit as a refundable charge the cashier takes at F5, and the rent
   of the lease's **first period** (车位租金, KF-001 §9, RULES v2 item 10);
4. §4.4 the card is handed over once paid: ``issue_card`` records it, and refuses while the
   deposit or the first period's rent is still owed.

The rent (KF-001 §9, KF-018 §4.3, RULES v2 item 10). A lease is let at a monthly fee and paid
per period — ``monthly``, ``quarterly`` or ``yearly`` (``rent_cycle``), in advance, as a
property office bills a space. **Reading:** each period's rent is a ``parking_lease`` charge
raised when the period falls due, as the office's monthly billing does for the other fees:
the first period when the lease is signed (the card waits for it), every later one by the
month's bill run (``raise_rent_due``, called from ``billing.run_bills``) for the periods that
begin in that month — never a future period in advance, so the arrears and the dunning
ladder see only rent that is due. A charge counts with the month its period begins
(``with_bill_month``), so F5, the payment notice, the arrears and the dunning ladder show it
with that month's fees. Periods run from the lease's first day (a 9 October lease pays
9 October – 8 January quarterly); a last period cut short by the lease's end pays its whole
months and the rest of a month by the day, rounded half up to the fen (``rent_periods``).
``LeaseRent`` links each period to its charge, once. A lease recorded before kfdesk charged
rent (no period raised) is billed from the bill run's month on.
5. §4.5 copy 1 of the vehicle file is archived at the desk, copy 2 goes to security (协管部):
   ``print_vehicle_file`` prints either, and printing copy 2 marks the lease
   ``copy_to_security``.

``end_lease`` ends a lease early (moving out, car sold); the card comes back and the cashier
refunds the deposit at F5 (KF-015 §5: a refund of its own, never an edit).
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import NamedTuple

from ..clock import Clock
from ..config import Settings
from ..i18n import t
from ..models import Charge, LeaseRent, Occupancy, ParkingLease, Person, Staff, Unit, Vehicle
from ..money import fmt, to_fen
from ..printing import deliver, document_language, office_header, pad, safe_name
from ..views import office_day
from .base import DeskError, audit, require_role, transaction
from .lending import clean_text, counter_unit, raise_charge
from .receipts import MAX_AMOUNT_FEN

LEASE_ROLES = ("clerk", "supervisor", "manager")
COPIES = (1, 2)  # KF-018 §4.5: 1 archived at the desk, 2 to security
MODEL_MAX = 32  # Vehicle.model
COLOUR_MAX = 16  # Vehicle.colour
DRIVERS_MAX = 128  # Vehicle.drivers
SPACE_MAX = 12  # ParkingLease.space
CARD_MAX = 16  # ParkingLease.card_no
# KF-001 §9 / KF-018 §4.3: the rent periods a lease may be paid in, in months.
RENT_CYCLES = {"monthly": 1, "quarterly": 3, "yearly": 12}
# Who raises the rent due: whoever runs the month's bills (billing.BILL_ROLES).
RENT_ROLES = ("cashier", "supervisor", "manager")
# Who records the card handed over (KF-018 §4.4): the desk, or the cashier who took the money.
CARD_ROLES = ("clerk", "cashier", "supervisor", "manager")

# Mainland plates (GA 36): a province's abbreviation, the issuing city's letter (never I or O),
# then five characters — or, on the green new-energy plates, six with D/F (electric/hybrid).
PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_L = "A-HJ-NP-Z"
_ORDINARY = re.compile(rf"^[{PROVINCES}][{_L}][{_L}0-9]{{4}}[{_L}0-9挂学警港澳领]$")
_NEW_ENERGY = re.compile(rf"^[{PROVINCES}][{_L}](?:[DF][{_L}0-9][0-9]{{4}}|[0-9]{{5}}[DF])$")
_SEPARATORS = re.compile(r"[\s·•・.\-]")
_CARD = re.compile(r"^[A-Z0-9]+$")


def normalize_plate(text: str) -> str:
    """A plate as the vehicle file writes it, ``粤B·12345`` / ``粤B·D12345``; ``""`` when it
    is not a mainland plate. Spaces, dots and dashes are dropped, letters upper-cased (an
    input method's full-width ones too)."""
    raw = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text or "")).upper()
    if _ORDINARY.match(raw) or _NEW_ENERGY.match(raw):
        return f"{raw[:2]}·{raw[2:]}"
    return ""


def lease_ref(lease_id: int) -> str:
    """The contract number: ``C-000012`` (车位)."""
    return f"C-{lease_id:06d}"


def _plate(text: str, field: str = "plate") -> str:
    if not (text or "").strip():
        raise DeskError("lease.plate_needed", field=field)
    plate = normalize_plate(text)
    if not plate:
        raise DeskError("lease.bad_plate", field=field, text=text.strip())
    return plate


def _vehicle(plate: str) -> Vehicle | None:
    # An older record may hold the plate without the dot.
    return Vehicle.get_or_none(Vehicle.plate.in_([plate, plate.replace("·", "")]))


def _owner(unit: Unit) -> Person | None:
    occ = (Occupancy.select().where(Occupancy.unit == unit.id, Occupancy.role == "owner",
                                    Occupancy.ended_on.is_null())
           .order_by(Occupancy.started_on, Occupancy.id).first())
    return Person.get_by_id(occ.person_id) if occ else None


def file_vehicle(unit_code: str, plate: str, model: str, colour: str, drivers: str,
                 actor: Staff, clock: Clock, settings: Settings) -> Vehicle:
    """KF-018 §4.1 the vehicle file: created, or brought up to date for the same unit.

    A plate already filed for another unit is refused (the other file is ended first)."""
    require_role(actor, LEASE_ROLES, "lease.vehicle")
    unit = counter_unit(unit_code)
    number = _plate(plate)
    what = clean_text(model, "model", MODEL_MAX, required="lease.model_needed")
    paint = clean_text(colour, "colour", COLOUR_MAX, required="lease.colour_needed")
    who = clean_text(drivers, "drivers", DRIVERS_MAX, required="lease.drivers_needed")
    with transaction():
        vehicle = _vehicle(number)
        if vehicle is not None and vehicle.unit_id not in (None, unit.id):
            other = Unit.get_by_id(vehicle.unit_id)
            raise DeskError("lease.plate_elsewhere", field="plate", plate=number,
                            unit=other.code)
        owner = _owner(unit)
        if vehicle is None:
            vehicle = Vehicle.create(plate=number, model=what, colour=paint, drivers=who,
                                     unit=unit, person=owner)
            action = "lease.vehicle"
        else:
            vehicle.plate, vehicle.model, vehicle.colour, vehicle.drivers = (
                number, what, paint, who)
            vehicle.unit = unit
            if vehicle.person_id is None:
                vehicle.person = owner
            vehicle.save()
            action = "lease.vehicle_update"
        audit(actor, clock, action, vehicle, plate=number, unit=unit.code, model=what,
              colour=paint, drivers=who)
    return vehicle


class Signed(NamedTuple):
    lease: ParkingLease
    deposit: Charge  # KF-018 §4.3: the IC card deposit, taken by the cashier
    rent: Charge | None = None  # KF-001 §9: the first period's rent, taken with the deposit


# ---- the rent (KF-001 §9, KF-018 §4.3) ------------------------------------------------------


class RentPeriod(NamedTuple):
    """One period of a lease's rent: its first and last day and what it costs."""

    start: date
    end: date
    amount_fen: int


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months, the day clamped to the month's end (31 Jan + 1 = 28 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def rent_periods(starts_on: date, ends_on: date, cycle: str, monthly_fen: int
                 ) -> list[RentPeriod]:
    """Every rent period of a lease from ``starts_on`` to ``ends_on`` (both included), each
    ``RENT_CYCLES[cycle]`` months from the lease's first day (module docstring: a whole month
    pays ``monthly_fen``, a month cut short by the lease's end pays by the day, half up)."""
    step = RENT_CYCLES[cycle]
    out: list[RentPeriod] = []
    index = 0
    while (start := add_months(starts_on, index)) <= ends_on:
        amount = 0
        for j in range(index, index + step):
            first = add_months(starts_on, j)
            if first > ends_on:
                break
            last = add_months(starts_on, j + 1) - timedelta(days=1)
            if last <= ends_on:
                amount += monthly_fen
            else:
                days = (ends_on - first).days + 1
                whole = (last - first).days + 1
                amount += int((Decimal(monthly_fen) * days / whole).quantize(
                    Decimal(1), rounding=ROUND_HALF_UP))
        end = min(add_months(starts_on, index + step) - timedelta(days=1), ends_on)
        out.append(RentPeriod(start, end, amount))
        index += step
    return out


def rent_text(lease: ParkingLease, period: RentPeriod, lang: str) -> str:
    """The charge's text, as F5, the receipt and the notices show it (document language)."""
    return t("lease.rent_text", lang=lang, space=lease.space, starts=period.start.isoformat(),
             ends=period.end.isoformat(), ref=lease_ref(lease.id))


def _raise_rent(lease: ParkingLease, period: RentPeriod, actor: Staff, clock: Clock,
                settings: Settings) -> Charge:
    """One period's rent as a charge the cashier takes at F5, linked to its period."""
    unit = Unit.get_by_id(lease.unit_id)
    charge = raise_charge(unit, "parking_lease", period.amount_fen,
                          rent_text(lease, period, document_language(settings)), actor, clock)
    # Counted with the month the period begins: F5 and the arrears put it beside that
    # month's fees (views.cashier._charge_month).
    charge.with_bill_month = f"{period.start.year:04d}-{period.start.month:02d}"
    charge.save()
    LeaseRent.create(lease=lease, period_start=period.start, period_end=period.end,
                     charge=charge)
    return charge


def raise_rent_due(month: date, actor: Staff, clock: Clock, settings: Settings
                   ) -> list[Charge]:
    """The bill run's part of the rent (module docstring, Reading): for every lease, each
    period beginning on or before the last day of ``month`` (any day of it) that has not been
    charged — after the lease's last charged period, or, for a lease never charged, from
    ``month`` on. Call inside the bill run's transaction; returns the charges raised.
    Whoever may run the bills (the cashier, supervisor, manager)."""
    require_role(actor, RENT_ROLES, "billing.run")
    first = month.replace(day=1)
    last = add_months(first, 1) - timedelta(days=1)
    leases = (ParkingLease.select()
              .where((ParkingLease.starts_on <= last) & (ParkingLease.ends_on >= first)
                     & (ParkingLease.ends_on >= ParkingLease.starts_on))
              .order_by(ParkingLease.id))
    charged: dict[int, date] = {}
    for row in LeaseRent.select(LeaseRent.lease, LeaseRent.period_start).where(
            LeaseRent.lease.in_([lease.id for lease in leases] or [0])):
        if row.lease_id not in charged or row.period_start > charged[row.lease_id]:
            charged[row.lease_id] = row.period_start
    raised: list[Charge] = []
    for lease in leases:
        since = charged.get(lease.id)
        for period in rent_periods(lease.starts_on, lease.ends_on, lease.rent_cycle,
                                   lease.monthly_fen):
            if period.start > last:
                break
            if since is not None and period.start <= since:
                continue
            if since is None and period.start < first:
                continue  # recorded before kfdesk charged rent: collected outside it
            raised.append(_raise_rent(lease, period, actor, clock, settings))
    if raised:
        audit(actor, clock, "lease.rent", None, month=f"{first:%Y-%m}", charges=len(raised),
              total_fen=sum(c.amount_fen for c in raised))
    return raised


def _deposit_charge(lease: ParkingLease) -> Charge | None:
    return (Charge.select().where(Charge.unit == lease.unit_id,
                                  Charge.kind == "parking_card_deposit",
                                  Charge.description.contains(lease_ref(lease.id)))
            .order_by(Charge.id).first())


def _first_rent(lease: ParkingLease) -> Charge | None:
    row = (LeaseRent.select().where(LeaseRent.lease == lease.id)
           .order_by(LeaseRent.period_start).first())
    return Charge.get_by_id(row.charge_id) if row else None


class CardState(NamedTuple):
    """What the IC card waits for (KF-018 §4.4): each amount still owed, 0 when paid."""

    deposit_owed_fen: int
    rent_owed_fen: int
    issued: bool

    @property
    def ready(self) -> bool:
        return self.deposit_owed_fen == 0 and self.rent_owed_fen == 0


def card_state(lease_id: int) -> CardState:
    """Whether the card may be handed over: the deposit and the first period paid in full."""
    lease = _lease(lease_id)
    deposit = _deposit_charge(lease)
    rent = _first_rent(lease)
    return CardState(
        deposit_owed_fen=max(deposit.amount_fen - deposit.paid_fen, 0) if deposit else 0,
        rent_owed_fen=max(rent.amount_fen - rent.paid_fen, 0) if rent else 0,
        issued=lease.card_issued_at is not None)


def issue_card(lease_id: int, actor: Staff, clock: Clock, settings: Settings) -> ParkingLease:
    """KF-018 §4.4 "交费完毕 向业主发放IC卡": the card handed over, recorded with who and when.

    Refused while the card deposit or the first period's rent is still owed (the message says
    which and how much, to be taken at F5), for a card already issued, and for a lease that
    has ended."""
    require_role(actor, CARD_ROLES, "lease.card")
    with transaction():
        lease = _lease(lease_id)
        if lease.card_issued_at is not None:
            raise DeskError("lease.card_already", ref=lease_ref(lease.id), card=lease.card_no,
                            on=lease.card_issued_at.astimezone(settings.zone)
                            .strftime("%Y-%m-%d %H:%M"))
        today = office_day(clock.now(), settings.zone)
        if lease.ends_on < today or lease.ends_on < lease.starts_on:
            raise DeskError("lease.already_ended", ref=lease_ref(lease.id),
                            ends=lease.ends_on.isoformat())
        state = card_state(lease.id)
        if not state.ready:
            raise DeskError("lease.card_unpaid", ref=lease_ref(lease.id), card=lease.card_no,
                            deposit=fmt(state.deposit_owed_fen), rent=fmt(state.rent_owed_fen))
        lease.card_issued_at = clock.now()
        lease.card_issued_by = actor
        lease.save()
        audit(actor, clock, "lease.card", lease, ref=lease_ref(lease.id), card=lease.card_no)
    return lease


def _overlapping(starts_on: date, ends_on: date):  # noqa: ANN202 - a Peewee expression
    # A lease ended before it began (ends_on < starts_on) holds no days.
    return ((ParkingLease.starts_on <= ends_on) & (ParkingLease.ends_on >= starts_on)
            & (ParkingLease.ends_on >= ParkingLease.starts_on))


def sign_lease(unit_code: str, plate: str, space: str, starts_on: date, ends_on: date,
               monthly_fen: int, card_no: str, actor: Staff, clock: Clock,
               settings: Settings, rent_cycle: str = "monthly") -> Signed:
    """KF-018 §4.2–4.3: the lease of ``space`` from ``starts_on`` to ``ends_on`` (both days
    included) for the filed vehicle ``plate``, at ``monthly_fen`` a month paid per
    ``rent_cycle`` (monthly, quarterly, yearly), with IC card ``card_no``; raises the card
    deposit (``fees.parking_card_deposit``) and the first period's rent (KF-001 §9) for the
    cashier. Later periods are raised by the bill run (module docstring).

    Refused: a space leased to anyone for any of those days; a vehicle or card already on a
    lease then; a vehicle not filed, or filed for another unit; a lease that has already ended.
    """
    require_role(actor, LEASE_ROLES, "lease.sign")
    unit = counter_unit(unit_code)
    number = _plate(plate)
    place = re.sub(r"\s+", "", clean_text(space, "space", SPACE_MAX,
                                          required="lease.space_needed")).upper()
    if not isinstance(starts_on, date) or not isinstance(ends_on, date):
        raise DeskError("lease.dates_needed", field="starts_on")
    if ends_on < starts_on:
        raise DeskError("lease.ends_before_start", field="ends_on", starts=starts_on.isoformat(),
                        ends=ends_on.isoformat())
    today = office_day(clock.now(), settings.zone)
    if ends_on < today:
        raise DeskError("lease.ends_in_past", field="ends_on", ends=ends_on.isoformat())
    if isinstance(monthly_fen, bool) or not isinstance(monthly_fen, int) or monthly_fen <= 0:
        raise DeskError("lease.fee_needed", field="monthly")
    if monthly_fen > MAX_AMOUNT_FEN:
        raise DeskError("lease.fee_too_large", field="monthly")
    if rent_cycle not in RENT_CYCLES:
        raise DeskError("lease.bad_cycle", field="cycle", text=str(rent_cycle))
    card = clean_text(card_no, "card", CARD_MAX, required="lease.card_needed").upper()
    if not _CARD.match(card):
        raise DeskError("lease.bad_card", field="card", text=card)
    deposit = to_fen(str(settings.get("fees.parking_card_deposit")))
    with transaction():
        vehicle = _vehicle(number)
        if vehicle is None:
            raise DeskError("lease.vehicle_not_filed", field="plate", plate=number)
        if vehicle.unit_id not in (None, unit.id):
            raise DeskError("lease.plate_elsewhere", field="plate", plate=number,
                            unit=Unit.get_by_id(vehicle.unit_id).code)
        # Checked under the transaction, so two counters cannot let one space twice.
        taken = (ParkingLease.select().where(ParkingLease.space == place,
                                             _overlapping(starts_on, ends_on))
                 .order_by(ParkingLease.starts_on).first())
        if taken is not None:
            raise DeskError("lease.space_taken", field="space", space=place,
                            ref=lease_ref(taken.id), unit=Unit.get_by_id(taken.unit_id).code,
                            starts=taken.starts_on.isoformat(), ends=taken.ends_on.isoformat())
        busy = (ParkingLease.select().where(ParkingLease.vehicle == vehicle.id,
                                            _overlapping(starts_on, ends_on)).first())
        if busy is not None:
            raise DeskError("lease.vehicle_leased", field="plate", plate=vehicle.plate,
                            space=busy.space, ends=busy.ends_on.isoformat())
        card_busy = (ParkingLease.select().where(ParkingLease.card_no == card,
                                                 _overlapping(starts_on, ends_on)).first())
        if card_busy is not None:
            raise DeskError("lease.card_in_use", field="card", card=card,
                            ref=lease_ref(card_busy.id))
        lease = ParkingLease.create(unit=unit, vehicle=vehicle, space=place,
                                    starts_on=starts_on, ends_on=ends_on,
                                    monthly_fen=monthly_fen, card_no=card, deposit_fen=deposit,
                                    rent_cycle=rent_cycle)
        charge = raise_charge(
            unit, "parking_card_deposit", deposit,
            t("lease.deposit_text", lang=document_language(settings), space=place, card=card,
              ref=lease_ref(lease.id)),
            actor, clock, refundable=True)
        first = rent_periods(starts_on, ends_on, rent_cycle, monthly_fen)[0]
        rent = _raise_rent(lease, first, actor, clock, settings)
        audit(actor, clock, "lease.sign", lease, ref=lease_ref(lease.id), unit=unit.code,
              plate=vehicle.plate, space=place, starts_on=starts_on, ends_on=ends_on,
              monthly_fen=monthly_fen, rent_cycle=rent_cycle, card=card,
              deposit_charge=charge.id, deposit_fen=deposit, rent_charge=rent.id,
              rent_fen=rent.amount_fen)
    return Signed(lease, charge, rent)


def _lease(lease_id: int) -> ParkingLease:
    lease = ParkingLease.get_or_none(ParkingLease.id == lease_id)
    if lease is None:
        raise DeskError("lease.unknown", ref=lease_ref(lease_id))
    return lease


def end_lease(lease_id: int, ends_on: date, actor: Staff, clock: Clock,
              settings: Settings) -> ParkingLease:
    """End a lease early on ``ends_on`` (its last day; the day before it began cancels it).
    The space is free from the next day; the card deposit is refunded at the cashier."""
    require_role(actor, LEASE_ROLES, "lease.end")
    with transaction():
        lease = _lease(lease_id)
        today = office_day(clock.now(), settings.zone)
        if lease.ends_on < today or lease.ends_on < lease.starts_on:
            raise DeskError("lease.already_ended", ref=lease_ref(lease.id),
                            ends=lease.ends_on.isoformat())
        if not isinstance(ends_on, date):
            raise DeskError("lease.dates_needed", field="ends_on")
        if ends_on > lease.ends_on:
            raise DeskError("lease.end_after_term", field="ends_on", ends=ends_on.isoformat(),
                            term=lease.ends_on.isoformat())
        if ends_on < min(today, lease.starts_on) - timedelta(days=1):
            raise DeskError("lease.end_in_past", field="ends_on", ends=ends_on.isoformat())
        was = lease.ends_on
        lease.ends_on = max(ends_on, lease.starts_on - timedelta(days=1))
        lease.save()
        audit(actor, clock, "lease.end", lease, ref=lease_ref(lease.id), space=lease.space,
              ends_on=lease.ends_on, was=was)
    return lease


# ---- the vehicle file, printed --------------------------------------------------------------


WIDTH = 44


def _deposit_paid(lease: ParkingLease) -> bool | None:
    charge = _deposit_charge(lease)
    return None if charge is None else charge.paid_fen >= charge.amount_fen


def vehicle_file_text(lease_id: int, copy: int, settings: Settings, lang: str | None = None,
                      *, clerk: str = "") -> str:
    """车辆管理档案 as the two-copy form has it (KF-018 §4.1, §4.5): copy 1 for the desk's
    archive, copy 2 for security. In the office's document language unless ``lang`` says."""
    lang = lang or document_language(settings)
    lease = _lease(lease_id)
    vehicle = Vehicle.get_by_id(lease.vehicle_id)
    unit = Unit.get_by_id(lease.unit_id)
    owner = _owner(unit)
    paid = _deposit_paid(lease)

    def row(label: str, value: str) -> str:
        return pad(label, 10) + value

    out = [*office_header(settings, WIDTH, lang),
           t("lease.file.title", lang=lang).center(WIDTH).rstrip(),
           t(f"lease.file.copy{copy}", lang=lang).center(WIDTH).rstrip(),
           "-" * WIDTH,
           row(t("lease.file.ref", lang=lang), lease_ref(lease.id)),
           row(t("lease.file.unit", lang=lang),
               f"{unit.code}  {owner.name if owner else ''}".rstrip()),
           row(t("lease.file.plate", lang=lang), vehicle.plate),
           row(t("lease.file.model", lang=lang), f"{vehicle.model}  {vehicle.colour}".strip()),
           row(t("lease.file.drivers", lang=lang), vehicle.drivers),
           row(t("lease.file.space", lang=lang), lease.space),
           row(t("lease.file.term", lang=lang),
               t("lease.file.term_text", lang=lang, starts=lease.starts_on.isoformat(),
                 ends=lease.ends_on.isoformat())),
           row(t("lease.file.monthly", lang=lang), fmt(lease.monthly_fen)
               + t("lease.file.cycle", lang=lang,
                   cycle=t(f"lease.cycle.{lease.rent_cycle}", lang=lang))),
           row(t("lease.file.card", lang=lang), lease.card_no + (
               t("lease.file.card_issued", lang=lang,
                 on=lease.card_issued_at.astimezone(settings.zone).strftime("%Y-%m-%d"))
               if lease.card_issued_at else "")),
           row(t("lease.file.deposit", lang=lang),
               f"{fmt(lease.deposit_fen)} " + t(
                   "lease.file.paid" if paid else "lease.file.unpaid", lang=lang)),
           "-" * WIDTH,
           t("lease.file.photos", lang=lang),
           t("lease.file.clerk", lang=lang, clerk=clerk),
           t("lease.file.sign", lang=lang)]
    return "\n".join(out) + "\n"


def print_vehicle_file(lease_id: int, copy: int, folder: Path, actor: Staff, clock: Clock,
                       settings: Settings, lang: str | None = None) -> str:
    """Print copy 1 (desk archive) or copy 2 (security) of the vehicle file; copy 2 marks the
    lease as filed with security (KF-018 §4.5). Returns where it went."""
    require_role(actor, LEASE_ROLES, "lease.print")
    if copy not in COPIES:
        raise DeskError("lease.bad_copy", copy=copy)
    lease = _lease(lease_id)
    # Issue 17: on paper in the office's document language, whatever the screen's.
    text = vehicle_file_text(lease.id, copy, settings, document_language(settings),
                             clerk=actor.name)
    with transaction():
        where = deliver(text, f"vehicle-file-{safe_name(lease_ref(lease.id))}-{copy}.txt",
                        folder, settings)
        if copy == 2 and not lease.copy_to_security:
            lease.copy_to_security = True
            lease.save()
        audit(actor, clock, "lease.print", lease, ref=lease_ref(lease.id), copy=copy,
              where=where)
    return where
