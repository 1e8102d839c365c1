"""Groups, buildings, units, people, who occupies what, emergency contacts and keys (KF-017)."""

from __future__ import annotations

import peewee as pw

from .base import BaseModel, UtcDateTimeField
from .staff import Staff

UNIT_STATUSES = ("owner_occupied", "rented", "vacant")
OCCUPANCY_ROLES = ("owner", "family", "tenant", "other")


class Group(BaseModel):
    """A 组团: the community's groups of buildings."""

    code = pw.CharField(max_length=8, unique=True)
    name = pw.CharField(max_length=64)


class Building(BaseModel):
    group = pw.ForeignKeyField(Group, backref="buildings", on_delete="RESTRICT")
    number = pw.CharField(max_length=8, unique=True)  # "3" in 3-1-502
    name = pw.CharField(max_length=64)
    floors = pw.IntegerField()


class Unit(BaseModel):
    building = pw.ForeignKeyField(Building, backref="units", on_delete="RESTRICT")
    entrance = pw.IntegerField()  # 单元
    floor = pw.IntegerField()
    room = pw.CharField(max_length=8)  # "502"
    code = pw.CharField(max_length=24, unique=True)  # "3-1-502", how the counter says it
    # Floor area in hundredths of a square metre: fees are area × rate, exactly (KF-015 §4.1).
    area_centi_m2 = pw.IntegerField()
    status = pw.CharField(max_length=16, default="owner_occupied", index=True)
    handed_over_on = pw.DateField(null=True)  # 入伙


class Person(BaseModel):
    name = pw.CharField(max_length=64, index=True)
    # Pinyin is computed once when a person is saved, never per keystroke.
    pinyin = pw.CharField(max_length=128, default="", index=True)
    initials = pw.CharField(max_length=16, default="", index=True)
    gender = pw.CharField(max_length=1, default="")  # M | F | ""
    id_number = pw.CharField(max_length=18, default="")
    id_last4 = pw.CharField(max_length=4, default="", index=True)
    phone = pw.CharField(max_length=20, default="")
    phone_last4 = pw.CharField(max_length=4, default="", index=True)
    phone2 = pw.CharField(max_length=20, default="")
    address = pw.CharField(max_length=128, default="")  # contact address (may be elsewhere)
    lives_in_community = pw.BooleanField(default=True)
    # KF-017 §3: contact details re-verified monthly (non-resident) or half-monthly.
    contact_verified_at = UtcDateTimeField(null=True, index=True)
    note = pw.TextField(default="")
    created_at = UtcDateTimeField()


class Occupancy(BaseModel):
    """A person's tie to a unit: owner, family, tenant or other; current while ``ended_on`` is null.

    KF-017 §1.3: a previous owner's file is kept, not current, until ``keep_until``.
    """

    unit = pw.ForeignKeyField(Unit, backref="occupancies", on_delete="RESTRICT")
    person = pw.ForeignKeyField(Person, backref="occupancies", on_delete="RESTRICT")
    role = pw.CharField(max_length=8)  # OCCUPANCY_ROLES
    registered = pw.BooleanField(default=False)  # 住户成员登记 (KF-014 identity checks)
    resident = pw.BooleanField(default=True)  # lives in the unit
    is_agent = pw.BooleanField(default=False)  # 代理人 authorised by the owner (KF-017 §1.2)
    relation = pw.CharField(max_length=16, default="")  # spouse, child, parent …
    started_on = pw.DateField()
    ended_on = pw.DateField(null=True, index=True)
    lease_end = pw.DateField(null=True)  # tenants
    keep_until = pw.DateField(null=True)  # KF-017 §1.3: previous owner's file kept 5 years

    class Meta:
        indexes = ((("unit", "ended_on"), False), (("person", "ended_on"), False))


class EmergencyContact(BaseModel):
    """KF-017 §2: emergency contact on the household registration."""

    unit = pw.ForeignKeyField(Unit, backref="emergency_contacts", on_delete="RESTRICT")
    person = pw.ForeignKeyField(
        Person, null=True, backref="emergency_contacts", on_delete="RESTRICT"
    )
    name = pw.CharField(max_length=64)
    phone = pw.CharField(max_length=20)
    address = pw.CharField(max_length=128, default="")
    relation = pw.CharField(max_length=16, default="")


class Key(BaseModel):
    """An owner's key kept at the desk (钥匙管理, RULES §5)."""

    unit = pw.ForeignKeyField(Unit, backref="keys", on_delete="RESTRICT")
    label = pw.CharField(max_length=64)
    reason = pw.CharField(max_length=16, default="vacant")  # vacant | repair | other
    at_desk = pw.BooleanField(default=True, index=True)
    received_at = UtcDateTimeField()


class KeyMovement(BaseModel):
    key = pw.ForeignKeyField(Key, backref="movements", on_delete="RESTRICT")
    kind = pw.CharField(max_length=8)  # in | out | back | returned (to the owner, no longer held)
    at = UtcDateTimeField()
    to_whom = pw.CharField(max_length=64, default="")
    staff = pw.ForeignKeyField(Staff, backref="+", on_delete="RESTRICT")
    # Why a key went out (viewing, repair …) or why it was left (RULES §5 钥匙管理).
    purpose = pw.CharField(max_length=64, default="")
