"""Resident records (KF-017): unit status, who is registered where, change of owner, emergency
contacts, and revealing a masked ID number or phone.

- ``set_unit_status``: owner-occupied, rented or vacant (RULES §5; vacant units' keys and checks).
- ``register_person`` (KF-017 §1.2, §2): an owner (or co-owner), a registered household member
  (住户成员登记, what KF-014 release passes check), a tenant with the lease end, another
  occupant, or an agent (代理人) — who needs a current owner to authorise them.
  ``move_out`` ends an occupancy; the row stays as history. The last owner does not "move
  out": ownership passes with ``change_owner``.
- ``change_owner`` (KF-017 §1.3): the new owner's record is collected (an ID number is required
  for every owner, KF-017 §1.2), the previous owners' occupancies — and the agents they
  authorised — end and are kept as history until ``keep_until`` (``targets.owner_file_keep_years``,
  5 years), never shown as current. ``purge_expired_files`` (manager) is the only deletion and
  removes only files past that date; nothing else in kfdesk deletes an occupancy.
  **Reading:** every ended occupancy (tenants and family too) is kept the same 5 years, so
  the history has one rule.
- ``add_emergency_contact`` / ``remove_emergency_contact`` (KF-017 §2).
- Checked input: ID numbers by GB 11643 (check character, a real birth date not in the
  future, ``kfdesk.ids``); phones as a mainland mobile (11 digits, 1[3-9]) or a landline with
  its area code (``normalize_phone``). A bad value is refused with the field named.
- ``reveal`` (KF-017 §4): the full value of a masked field, each time an audit event.
  **Reading of §4** ("reading a file outside one's duty needs consent or approval"): calling
  residents back and confirming contact details is the clerk's duty, so clerks, supervisors
  and managers may see a phone; an ID number is needed only for the supervisor's and
  manager's decisions (disputes, law-enforcement requests), so only they may see it
  (``REVEAL_ROLES``). Cashiers and security never see either.

``unit_records`` is the read for the records modal: current people and the kept history,
masked. Every write checks first (a refusal changes nothing), runs in one transaction, keeps
the person's search fields (pinyin, last 4 digits) and contact-check clock current and appends
an audit event whose detail holds masked values only (the audit log is read widely).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

import peewee as pw
from dateutil.relativedelta import relativedelta

from ..clock import Clock
from ..config import Settings
from ..ids import (
    PROVINCE_CODES,
    id_birth_date,
    id_check_digit,
    is_valid_id_number,
    normalize_id_number,
    normalize_phone,
)
from ..models import Building, EmergencyContact, Occupancy, Person, Staff, Unit, database
from ..models.people import UNIT_STATUSES
from ..pinyin import set_person_search_fields
from ..privacy import mask_id, mask_phone
from ..rules.context import RuleContext
from ..rules.sync import sync_people, sync_vacant_units
from .base import DeskError, Tr, audit, require_role, transaction
from .inputs import day_in, text_in

RECORD_ROLES = ("clerk", "supervisor", "manager")
PURGE_ROLES = ("manager",)
# KF-017 §4 reading (module docstring): who may see a masked field in full.
REVEAL_ROLES: dict[str, tuple[str, ...]] = {
    "phone": ("clerk", "supervisor", "manager"),
    "phone2": ("clerk", "supervisor", "manager"),
    "id_number": ("supervisor", "manager"),
}
# What the counter registers; "agent" is stored as role "other" with ``is_agent``.
REGISTER_ROLES = ("owner", "family", "tenant", "other", "agent")
# KF-017 §1.2 contact list: owners, tenants and agents are called, so they need a phone.
PHONE_NEEDED = ("owner", "tenant", "agent")
MAX_NAME = 64
MAX_ADDRESS = 128
MAX_RELATION = 16
ROLE_ORDER = {"owner": 0, "family": 1, "tenant": 2, "other": 3}


# --------------------------------------------------------------------------------------------
# checking what the clerk typed (shared with kfdesk.residents_io's import)


def id_problem(text: str, today: date) -> str | None:
    """Why an ID number is not valid (a catalogue key under ``residents.id``), or None.

    The reasons a clerk can act on: wrong length, a letter where a digit belongs, an unknown
    region, a birth date that is not a real one (or lies in the future), the check character.
    """
    number = normalize_id_number(text)
    if len(number) != 18 or not number.isascii():
        return "residents.id.length"
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        return "residents.id.chars"
    if number[:2] not in PROVINCE_CODES:
        return "residents.id.region"
    born = id_birth_date(number)
    if born is None or born.year < 1900 or born > today:
        return "residents.id.birth"
    if id_check_digit(number[:17]) != number[17]:
        return "residents.id.check"
    # The same rules as kfdesk.ids; kept in step by the tests.
    return None if is_valid_id_number(number, today=today) else "residents.id.check"


def clean_phone(text: str, field: str, needed: bool) -> str:
    """The phone as stored (``normalize_phone``), "" when none was given and none is needed."""
    raw = text_in(text, field).strip()
    if not raw:
        if needed:
            raise DeskError("residents.phone_needed", field=field)
        return ""
    phone = normalize_phone(raw)
    if not phone:
        raise DeskError("residents.bad_phone", field=field, text=raw)
    return phone


def clean_id(text: str, needed: bool, today: date) -> str:
    number = normalize_id_number(text_in(text, "id_number"))
    if not number:
        if needed:
            raise DeskError("residents.id_needed", field="id_number")
        return ""
    problem = id_problem(number, today)
    if problem is not None:
        raise DeskError(problem, field="id_number", text=number)
    return number


def _text(value: str, field: str, limit: int, needed_key: str | None = None) -> str:
    text = " ".join(text_in(value, field).split())
    if not text and needed_key:
        raise DeskError(needed_key, field=field)
    if len(text) > limit:
        raise DeskError("residents.too_long", field=field, limit=limit)
    return text


@dataclass(frozen=True)
class CheckedPerson:
    """One person's details after every check, ready to store."""

    role: str  # as stored: owner | family | tenant | other
    is_agent: bool
    name: str
    phone: str
    id_number: str
    phone2: str
    address: str
    relation: str
    lease_end: date | None
    started_on: date
    resident: bool


def check_person(role: str, name: str, phone: str, id_number: str, *, today: date,
                 phone2: str = "", address: str = "", relation: str = "",
                 lease_end: date | None = None, on: date | None = None,
                 resident: bool | None = None) -> CheckedPerson:
    """Check one person's details for ``role``; a refusal names the field (KF-017 §1.2, §2).

    Owners need an ID number and a phone; tenants and agents a phone and (tenants) the lease
    end after the move-in day. The move-in day is not in the future.
    """
    if role not in REGISTER_ROLES:
        raise DeskError("residents.bad_role", field="role", role=role)
    name = _text(name, "name", MAX_NAME, "residents.name_needed")
    phone = clean_phone(phone, "phone", role in PHONE_NEEDED)
    phone2 = clean_phone(phone2, "phone2", False)
    number = clean_id(id_number, role == "owner", today)
    address = _text(address, "address", MAX_ADDRESS)
    relation = _text(relation, "relation", MAX_RELATION)
    lease_end = day_in(lease_end, "lease_end")
    on = day_in(on, "on") or today
    if on > today:
        raise DeskError("residents.future_day", field="on", day=on.isoformat())
    if role == "tenant":
        if lease_end is None:
            raise DeskError("residents.lease_end_needed", field="lease_end")
        if lease_end <= on:
            raise DeskError("residents.lease_end_early", field="lease_end",
                            day=lease_end.isoformat(), start=on.isoformat())
    else:
        lease_end = None
    return CheckedPerson(
        role="other" if role == "agent" else role, is_agent=role == "agent", name=name,
        phone=phone, id_number=number, phone2=phone2, address=address, relation=relation,
        lease_end=lease_end, started_on=on,
        resident=(role != "agent") if resident is None else resident)


# --------------------------------------------------------------------------------------------
# helpers


def _today(clock: Clock, settings: Settings) -> date:
    return clock.now().astimezone(settings.zone).date()


def keep_years(settings: Settings) -> int:
    """KF-017 §1.3: how long a previous owner's file is kept (``targets.owner_file_keep_years``)."""
    return int(settings.data["targets"]["owner_file_keep_years"])


def _unit(unit_code: str) -> Unit:
    code = text_in(unit_code, "unit").strip()
    unit = Unit.get_or_none(Unit.code == code)
    if unit is None:
        raise DeskError("residents.unknown_unit", field="unit", unit=code)
    return unit


def _current(unit: Unit) -> list[Occupancy]:
    return list(Occupancy.select(Occupancy, Person).join(Person)
                .where((Occupancy.unit == unit.id) & Occupancy.ended_on.is_null())
                .order_by(Occupancy.id))


def _on_file(number: str) -> Person | None:
    """The person already on file with this ID number (the indexed last 4 narrow the scan)."""
    if not number:
        return None
    return (Person.select().where((Person.id_last4 == number[-4:])
                                  & (Person.id_number == number))
            .order_by(Person.id).first())


def _same_name(a: str, b: str) -> bool:
    return "".join(a.split()) == "".join(b.split())


def _person_for(checked: CheckedPerson) -> Person | None:
    """An existing person with the same ID number (an owner of two units, a tenant who buys);
    a different name under that number is refused rather than merged."""
    existing = _on_file(checked.id_number)
    if existing is not None and not _same_name(existing.name, checked.name):
        raise DeskError("residents.id_other_person", field="id_number")
    return existing


def _check_not_here(unit: Unit, checked: CheckedPerson, person: Person | None,
                    current: list[Occupancy], allow_roles: Iterable[str] = ()) -> None:
    allow = set(allow_roles)
    for occ in current:
        same = (occ.person_id == person.id) if person is not None else (
            not checked.id_number and _same_name(occ.person.name, checked.name))
        if same and occ.role not in allow:
            raise DeskError("residents.already_here", field="name", name=checked.name,
                            unit=unit.code, role=Tr(f"occupancy.{occ.role}"))


def _store(unit: Unit, checked: CheckedPerson, person: Person | None, clock: Clock) -> Occupancy:
    """Write the person (new, or the one on file brought up to date) and the occupancy."""
    if person is None:
        person = Person(name=checked.name, created_at=clock.now(),
                        lives_in_community=checked.resident)
    person.name = checked.name
    person.id_number = checked.id_number or person.id_number
    # What the person gave at the counter now is their current contact.
    person.phone = checked.phone or person.phone
    person.phone2 = checked.phone2 or person.phone2
    person.address = checked.address or person.address
    set_person_search_fields(person)
    person.save()
    return Occupancy.create(
        unit=unit, person=person, role=checked.role, registered=True,
        resident=checked.resident, is_agent=checked.is_agent, relation=checked.relation,
        started_on=checked.started_on, lease_end=checked.lease_end)


def _end(occ: Occupancy, on: date, settings: Settings) -> None:
    occ.ended_on = on
    occ.keep_until = on + relativedelta(years=keep_years(settings))
    occ.save()


def _masked(person: Person) -> dict[str, str]:
    """A person in an audit detail: masked, so the log itself discloses nothing (KF-017 §4)."""
    return {"name": person.name, "phone": mask_phone(person.phone),
            "id": mask_id(person.id_number)}


def register_checked(unit: Unit, checked: CheckedPerson, actor: Staff, clock: Clock,
                     ctx: RuleContext, via: str = "counter") -> Occupancy:
    """Store one checked person in ``unit`` (inside the caller's transaction); refuses a person
    already current there, a different person under a known ID number, and an agent without
    an owner to authorise them (KF-017 §1.2)."""
    current = _current(unit)
    person = _person_for(checked)
    _check_not_here(unit, checked, person, current)
    if checked.is_agent and not any(o.role == "owner" for o in current):
        raise DeskError("residents.agent_needs_owner", field="role", unit=unit.code)
    occ = _store(unit, checked, person, clock)
    if checked.role == "tenant" and unit.status != "rented":
        # A tenant registered means the unit is let; moving out leaves the status to the
        # clerk (the owner may move back in, or it stands vacant).
        unit.status = "rented"
        unit.save()
        sync_vacant_units([unit], ctx, clock.now())  # a let unit needs no vacancy checks
    sync_people([occ.person], ctx)
    owners = [o.person.name for o in current if o.role == "owner"]
    audit(actor, clock, "person.register", occ, unit=unit.code, role=checked.role,
          agent=checked.is_agent, authorised_by="、".join(owners) if checked.is_agent else "",
          lease_end=checked.lease_end, started_on=checked.started_on, via=via,
          **_masked(occ.person))
    return occ


# --------------------------------------------------------------------------------------------
# the services


def set_unit_status(unit_code: str, status: str, actor: Staff, clock: Clock,
                    settings: Settings) -> Unit:
    """Owner-occupied, rented or vacant (RULES §5); unchanged writes nothing."""
    require_role(actor, RECORD_ROLES, "residents.status")
    if status not in UNIT_STATUSES:
        raise DeskError("residents.bad_status", field="status", status=status)
    with transaction():
        unit = _unit(unit_code)
        if unit.status == status:
            return unit
        before = unit.status
        unit.status = status
        unit.save()
        # Left vacant: its checks fall due from now (RULES §6); occupied: no more checks.
        sync_vacant_units([unit], RuleContext.from_store(settings), clock.now(),
                          vacated=status == "vacant")
        audit(actor, clock, "unit.status", unit, unit=unit.code, before=before, after=status)
    return unit


def register_person(unit_code: str, role: str, name: str, phone: str, id_number: str,
                    actor: Staff, clock: Clock, settings: Settings, *, phone2: str = "",
                    address: str = "", relation: str = "", lease_end: date | None = None,
                    on: date | None = None, resident: bool | None = None) -> Occupancy:
    """Register a person in a unit (KF-017 §1.2, §2): ``role`` is owner (a co-owner when there
    is one already), family, tenant (``lease_end`` required), other or agent (代理人,
    authorised by the unit's current owner). ``on``: the day they moved in (default today)."""
    require_role(actor, RECORD_ROLES, "residents.register")
    today = _today(clock, settings)
    checked = check_person(role, name, phone, id_number, today=today, phone2=phone2,
                           address=address, relation=relation, lease_end=lease_end, on=on,
                           resident=resident)
    with transaction():
        unit = _unit(unit_code)
        return register_checked(unit, checked, actor, clock, RuleContext.from_store(settings))


def move_out(occupancy_id: int, on: date | None, actor: Staff, clock: Clock,
             settings: Settings) -> Occupancy:
    """End an occupancy on ``on`` (default today); the row stays as history until
    ``keep_until``. The last owner cannot move out: ownership passes by ``change_owner``."""
    require_role(actor, RECORD_ROLES, "residents.move_out")
    today = _today(clock, settings)
    on = on or today
    with transaction():
        occ = Occupancy.get_or_none(Occupancy.id == occupancy_id)
        if occ is None:
            raise DeskError("residents.unknown_occupancy", id=occupancy_id)
        if occ.ended_on is not None:
            raise DeskError("residents.already_ended", name=occ.person.name,
                            day=occ.ended_on.isoformat())
        if on > today:
            raise DeskError("residents.future_day", field="on", day=on.isoformat())
        if on < occ.started_on:
            raise DeskError("residents.before_start", field="on", day=on.isoformat(),
                            start=occ.started_on.isoformat())
        if occ.role == "owner":
            owners = Occupancy.select().where(
                (Occupancy.unit == occ.unit_id) & (Occupancy.role == "owner")
                & Occupancy.ended_on.is_null()).count()
            if owners <= 1:
                raise DeskError("residents.last_owner", name=occ.person.name)
        _end(occ, on, settings)
        sync_people([occ.person], RuleContext.from_store(settings))
        audit(actor, clock, "person.move_out", occ, unit=occ.unit.code, role=occ.role,
              ended_on=on, keep_until=occ.keep_until, **_masked(occ.person))
    return occ


def change_owner(unit_code: str, name: str, phone: str, id_number: str, on: date | None,
                 actor: Staff, clock: Clock, settings: Settings, *, phone2: str = "",
                 address: str = "", resident: bool = True) -> Occupancy:
    """KF-017 §1.3: the unit passes to a new owner on ``on`` (default today).

    The previous owners' occupancies and the agents they authorised end that day and are
    kept as history for ``targets.owner_file_keep_years`` (5) years, not current. Household
    members and tenants stay until moved out (they may stay with the new owner). The new
    owner may already be on file (same ID number): a tenant or family member who buys ends
    that tie, now being the owner.
    """
    require_role(actor, RECORD_ROLES, "residents.change_owner")
    today = _today(clock, settings)
    checked = check_person("owner", name, phone, id_number, today=today, phone2=phone2,
                           address=address, on=on, resident=resident)
    on = checked.started_on
    with transaction():
        unit = _unit(unit_code)
        current = _current(unit)
        person = _person_for(checked)
        owners = [o for o in current if o.role == "owner"]
        if person is not None and any(o.person_id == person.id for o in owners):
            raise DeskError("residents.same_owner", field="name", name=checked.name)
        _check_not_here(unit, checked, person, current,
                        allow_roles=("family", "tenant", "other"))
        latest = max((o.started_on for o in owners), default=None)
        if latest is not None and on < latest:
            raise DeskError("residents.before_start", field="on", day=on.isoformat(),
                            start=latest.isoformat())
        ended = [o for o in current if o.role == "owner" or o.is_agent
                 or (person is not None and o.person_id == person.id)]
        for occ in ended:
            _end(occ, on, settings)
        new = _store(unit, checked, person, clock)
        ctx = RuleContext.from_store(settings)
        sync_people([o.person for o in ended] + [new.person], ctx)
        audit(actor, clock, "unit.change_owner", unit, unit=unit.code, on=on,
              previous="、".join(o.person.name for o in owners),
              agents_ended="、".join(o.person.name for o in ended if o.is_agent),
              keep_until=on + relativedelta(years=keep_years(settings)),
              **_masked(new.person))
    return new


def add_emergency_contact(unit_code: str, name: str, phone: str, actor: Staff, clock: Clock,
                          settings: Settings, *, relation: str = "",
                          address: str = "") -> EmergencyContact:
    """KF-017 §2: an emergency contact on the household registration (name, phone, address)."""
    require_role(actor, RECORD_ROLES, "residents.emergency")
    name = _text(name, "name", MAX_NAME, "residents.name_needed")
    phone = clean_phone(phone, "phone", True)
    relation = _text(relation, "relation", MAX_RELATION)
    address = _text(address, "address", MAX_ADDRESS)
    with transaction():
        unit = _unit(unit_code)
        contact = EmergencyContact.create(unit=unit, name=name, phone=phone, relation=relation,
                                          address=address)
        audit(actor, clock, "emergency_contact.add", contact, unit=unit.code, name=name,
              phone=mask_phone(phone), relation=relation)
    return contact


def remove_emergency_contact(contact_id: int, actor: Staff, clock: Clock,
                             settings: Settings) -> None:
    """KF-017 §2: the household no longer gives this contact (the audit trail keeps who)."""
    require_role(actor, RECORD_ROLES, "residents.emergency")
    with transaction():
        contact = EmergencyContact.get_or_none(EmergencyContact.id == contact_id)
        if contact is None:
            raise DeskError("residents.unknown_contact", id=contact_id)
        unit_code = contact.unit.code
        detail = {"unit": unit_code, "name": contact.name, "phone": mask_phone(contact.phone)}
        contact.delete_instance()
        audit(actor, clock, "emergency_contact.remove", None, contact_id=contact_id, **detail)


def reveal_action(field: str) -> str:
    """The audit action (and role-check action) of revealing ``field``."""
    return "person.reveal_id" if field == "id_number" else "person.reveal_phone"


def may_reveal(role: str | None, field: str) -> bool:
    return role is not None and role in REVEAL_ROLES.get(field, ())


def reveal(person_id: int, field: str, actor: Staff, clock: Clock, settings: Settings,
           reason: str = "") -> str:
    """The full ID number or phone of a person (KF-017 §4), for a role that may
    (``REVEAL_ROLES``); every reveal is an audit event, and so is a refusal (issue 19: who
    tried, on whom, when, with which role — never the number)."""
    if field not in REVEAL_ROLES:
        raise DeskError("residents.reveal_field", field="field", name=field)
    require_role(actor, REVEAL_ROLES[field], reveal_action(field), clock,
                 record=("Person", person_id))
    reason = _text(reason, "reason", 200)
    with transaction():
        person = Person.get_or_none(Person.id == person_id)
        if person is None:
            raise DeskError("residents.unknown_person", id=person_id)
        value = getattr(person, field) or ""
        audit(actor, clock, reveal_action(field), person, field=field, reason=reason,
              name=person.name)
    return value


class PurgeResult(NamedTuple):
    occupancies: int  # history rows removed
    people_deleted: int  # people with nothing else on file
    people_erased: int  # people still named elsewhere (a ticket, a pass): numbers erased


def purge_expired_files(actor: Staff, clock: Clock, settings: Settings) -> PurgeResult:
    """KF-017 §1.3: remove the files kept past their ``keep_until`` — and only those.

    An ended occupancy whose keep-until day has passed (today, office zone, is after it) is
    deleted; a person left with no occupancy is deleted too, or — when other records still
    name them (a ticket, a release pass, a vehicle) — their ID number, phones and address are
    erased and the name kept for those records. A file still inside its 5 years is never
    touched. Manager only; one audit event with the counts.
    """
    require_role(actor, PURGE_ROLES, "residents.purge")
    today = _today(clock, settings)
    years = keep_years(settings)
    with transaction():
        expired = []
        for occ in Occupancy.select().where(Occupancy.ended_on.is_null(False)):
            keep = occ.keep_until or (occ.ended_on + relativedelta(years=years))
            if keep < today:
                expired.append(occ)
        people = {o.person_id for o in expired}
        for start in range(0, len(expired), 500):
            ids = [o.id for o in expired[start:start + 500]]
            Occupancy.delete().where(Occupancy.id.in_(ids)).execute()
        left = {o.person_id for o in Occupancy.select(Occupancy.person)
                .where(Occupancy.person.in_(list(people) or [0]))}
        deleted = erased = 0
        ctx = RuleContext.from_store(settings)
        for person in Person.select().where(Person.id.in_(list(people - left) or [0])):
            sync_people([person], ctx)  # drops its contact-check clock
            try:
                with database.obj.atomic():  # a savepoint: a refused delete undoes only itself
                    person.delete_instance()
                deleted += 1
            except pw.IntegrityError:
                person.id_number = person.phone = person.phone2 = person.address = ""
                person.note = ""
                set_person_search_fields(person)
                person.save()
                erased += 1
        result = PurgeResult(len(expired), deleted, erased)
        audit(actor, clock, "residents.purge", None, today=today, keep_years=years,
              **result._asdict())
    return result


# --------------------------------------------------------------------------------------------
# reading: the records modal (masked; revealing is ``reveal``)


class RecordRow(NamedTuple):
    """One person's tie to the unit, personal data masked (KF-017 §4)."""

    occupancy_id: int
    person_id: int
    name: str
    role: str  # owner | family | tenant | other
    is_agent: bool
    registered: bool
    resident: bool
    relation: str
    phone: str  # masked
    id_number: str  # masked
    since: date
    until: date | None  # ended_on: history only
    lease_end: date | None
    keep_until: date | None


class ContactRecord(NamedTuple):
    contact_id: int
    name: str
    relation: str
    phone: str  # masked


class UnitRecords(NamedTuple):
    code: str
    building: str
    status: str
    people: tuple[RecordRow, ...]  # current: owners, family, tenants, others
    contacts: tuple[ContactRecord, ...]
    history: tuple[RecordRow, ...]  # ended, newest first, still kept (KF-017 §1.3)


def _record(occ: Occupancy) -> RecordRow:
    p = occ.person
    return RecordRow(occ.id, p.id, p.name, occ.role, occ.is_agent, occ.registered,
                     occ.resident, occ.relation, mask_phone(p.phone), mask_id(p.id_number),
                     occ.started_on, occ.ended_on, occ.lease_end, occ.keep_until)


def unit_records(unit_code: str) -> UnitRecords | None:
    """The unit's people now and its kept history (read-only; personal data masked)."""
    unit = Unit.get_or_none(Unit.code == (unit_code or "").strip())
    if unit is None:
        return None
    building = Building.get_by_id(unit.building_id)
    occs = list(Occupancy.select(Occupancy, Person).join(Person)
                .where(Occupancy.unit == unit.id)
                .order_by(Occupancy.started_on, Occupancy.id))
    current = sorted((o for o in occs if o.ended_on is None),
                     key=lambda o: (ROLE_ORDER.get(o.role, 9), o.is_agent))
    ended = sorted((o for o in occs if o.ended_on is not None),
                   key=lambda o: (o.ended_on, o.id), reverse=True)
    contacts = EmergencyContact.select().where(EmergencyContact.unit == unit.id).order_by(
        EmergencyContact.id)
    return UnitRecords(
        code=unit.code, building=building.name, status=unit.status,
        people=tuple(_record(o) for o in current),
        contacts=tuple(ContactRecord(c.id, c.name, c.relation, mask_phone(c.phone))
                       for c in contacts),
        history=tuple(_record(o) for o in ended))
