"""The registers kept at the counter (RULES §6): release passes, parking, mail, loans, services.

Also the supervisor's records of visits, surveys and community activities (KF-009, KF-019/020).
"""

from __future__ import annotations

import peewee as pw

from .base import BaseModel, FenField, UtcDateTimeField
from .people import Person, Unit
from .staff import Staff


class Authorisation(BaseModel):
    """KF-014: an owner's written authorisation naming a delegate, time and items."""

    unit = pw.ForeignKeyField(Unit, backref="authorisations", on_delete="RESTRICT")
    owner = pw.ForeignKeyField(Person, backref="+", on_delete="RESTRICT")
    delegate_name = pw.CharField(max_length=64)
    delegate_id_number = pw.CharField(max_length=18, default="")
    moving_at = UtcDateTimeField()
    # KF-014 §4.2.3: the agreed moving time as a window; NULL (older rows) = moving_at's day.
    moving_until = UtcDateTimeField(null=True)
    items = pw.TextField()
    signed = pw.BooleanField(default=True)
    received_at = UtcDateTimeField()
    received_by = pw.ForeignKeyField(Staff, backref="+", on_delete="RESTRICT")


BEARER_KINDS = ("owner", "registered_family", "unregistered_family", "tenant", "crew", "other",
                "delegate")


class ReleasePass(BaseModel):
    """搬出物品放行条 (KF-014): stub at the desk, copy to the gate."""

    number = pw.CharField(max_length=16, unique=True)  # "F-000012"
    unit = pw.ForeignKeyField(Unit, backref="release_passes", on_delete="RESTRICT")
    bearer_name = pw.CharField(max_length=64)
    bearer_kind = pw.CharField(max_length=20)
    bearer_id_number = pw.CharField(max_length=18, default="")
    items = pw.TextField()
    owner_signed = pw.BooleanField(default=False)  # needed unless owner / registered family
    crew_signed = pw.BooleanField(default=False)  # KF-014 §4.2.2: crew foreman / company stamp
    authorisation = pw.ForeignKeyField(
        Authorisation, null=True, backref="passes", on_delete="RESTRICT"
    )
    security_signed = pw.BooleanField(default=False)
    issued_at = UtcDateTimeField(index=True)
    issued_by = pw.ForeignKeyField(Staff, backref="+", on_delete="RESTRICT")
    used_at = UtcDateTimeField(null=True)


class Vehicle(BaseModel):
    """KF-018 vehicle file."""

    plate = pw.CharField(max_length=12, unique=True)
    model = pw.CharField(max_length=32, default="")
    colour = pw.CharField(max_length=16, default="")
    person = pw.ForeignKeyField(Person, null=True, backref="vehicles", on_delete="RESTRICT")
    unit = pw.ForeignKeyField(Unit, null=True, backref="vehicles", on_delete="RESTRICT")
    drivers = pw.CharField(max_length=128, default="")


class ParkingLease(BaseModel):
    """KF-018 parking space lease, with the 100-yuan IC card deposit."""

    unit = pw.ForeignKeyField(Unit, backref="parking_leases", on_delete="RESTRICT")
    vehicle = pw.ForeignKeyField(Vehicle, backref="leases", on_delete="RESTRICT")
    space = pw.CharField(max_length=12)
    starts_on = pw.DateField()
    ends_on = pw.DateField(index=True)
    monthly_fen = FenField()
    card_no = pw.CharField(max_length=16, default="")
    deposit_fen = FenField(default=10000)
    deposit_refunded_at = UtcDateTimeField(null=True)
    copy_to_security = pw.BooleanField(default=False)
    # KF-001 §9, KF-018 §4.3 (RULES v2 item 10): the rent is charged per period of the lease.
    rent_cycle = pw.CharField(max_length=10, default="monthly")  # monthly | quarterly | yearly
    # KF-018 §4.4: the IC card handed over once the deposit and the first period are paid.
    card_issued_at = UtcDateTimeField(null=True)
    card_issued_by = pw.ForeignKeyField(Staff, null=True, backref="+", on_delete="RESTRICT")


MAIL_KINDS = ("ordinary", "parcel", "registered", "telegram", "valuable")


class MailItem(BaseModel):
    """KF-021 收发登记: unclaimed registered items go back to the postman within 6 days."""

    unit = pw.ForeignKeyField(Unit, null=True, backref="mail_items", on_delete="RESTRICT")
    recipient = pw.CharField(max_length=64)
    kind = pw.CharField(max_length=12)
    tracking_no = pw.CharField(max_length=32, default="")
    received_at = UtcDateTimeField(index=True)
    received_by = pw.ForeignKeyField(Staff, backref="+", on_delete="RESTRICT")
    notified_at = UtcDateTimeField(null=True)
    collected_at = UtcDateTimeField(null=True, index=True)
    collected_by = pw.CharField(max_length=64, default="")  # signature on pickup
    returned_at = UtcDateTimeField(null=True)  # back to the postman
    return_reason = pw.CharField(max_length=12, default="")  # unclaimed | misdelivered
    held_at = UtcDateTimeField(null=True)  # KF-021 §4: kept in the duty room, resident away
    note = pw.CharField(max_length=128, default="")


class Loan(BaseModel):
    """KF-022 tool and umbrella lending against a signed slip (hand tools only)."""

    item_kind = pw.CharField(max_length=10)  # tool | umbrella
    item = pw.CharField(max_length=32)
    unit = pw.ForeignKeyField(Unit, null=True, backref="loans", on_delete="RESTRICT")
    borrower = pw.CharField(max_length=64)
    lent_at = UtcDateTimeField(index=True)
    lent_by = pw.ForeignKeyField(Staff, backref="+", on_delete="RESTRICT")
    returned_at = UtcDateTimeField(null=True, index=True)
    lost = pw.BooleanField(default=False)


SERVICE_KINDS = ("cleaning", "appliance_repair", "booking", "office", "housekeeping")


class ServiceOrder(BaseModel):
    """KF-022 paid convenience service, quoted from the price list and tracked to close-out."""

    unit = pw.ForeignKeyField(Unit, null=True, backref="service_orders", on_delete="RESTRICT")
    kind = pw.CharField(max_length=20)
    price_code = pw.CharField(max_length=24, default="")
    quantity_centi = pw.IntegerField(default=100)
    # KF-022 附表二 (RULES v2): the 20–30 % the clerk added for a heavily soiled item, 0: none.
    surcharge_pct = pw.IntegerField(default=0)
    amount_fen = FenField(default=0)
    requested_at = UtcDateTimeField(index=True)
    taken_by = pw.ForeignKeyField(Staff, backref="+", on_delete="RESTRICT")
    contact_name = pw.CharField(max_length=64, default="")
    contact_phone = pw.CharField(max_length=20, default="")
    home_from = pw.CharField(max_length=32, default="")  # when the resident is home
    # KF-022 §2.2 appliance repair: tell within 15 min, on site within 30 (or agreed time).
    accepted_at = UtcDateTimeField(null=True)
    told_at = UtcDateTimeField(null=True)
    agreed_at = UtcDateTimeField(null=True)
    # RULES v2: engineering said when it will be there (arrival_at), recorded at
    # arrival_known_at; an arrival within the 30 minutes stops the 15-minute clock.
    arrival_at = UtcDateTimeField(null=True)
    arrival_known_at = UtcDateTimeField(null=True)
    on_site_at = UtcDateTimeField(null=True)
    done_at = UtcDateTimeField(null=True)
    closed_at = UtcDateTimeField(null=True)
    note = pw.TextField(default="")
    # KF-022 §3 ticket booking: what to book (route, date, tickets, delivery), as the
    # two-copy record form has it; other kinds leave it empty.
    details = pw.TextField(default="")
    # Called off with a reason (issue 16): kept, its clocks stopped, nothing to settle.
    cancelled_at = UtcDateTimeField(null=True)
    cancel_reason = pw.TextField(default="")


class Visit(BaseModel):
    """KF-009 §3.2: a household on the supervisor's visit list, and what the visit found."""

    unit = pw.ForeignKeyField(Unit, backref="visits", on_delete="RESTRICT")
    planned_for = pw.DateField(index=True)
    reason = pw.CharField(max_length=32, default="")  # complained | spread
    visited_at = UtcDateTimeField(null=True)
    by = pw.ForeignKeyField(Staff, null=True, backref="+", on_delete="RESTRICT")
    satisfaction = pw.CharField(max_length=16, null=True)
    findings = pw.TextField(default="")
    to_manager = pw.BooleanField(default=False)


class Survey(BaseModel):
    """KF-009 §3.3 annual satisfaction survey."""

    year = pw.IntegerField(unique=True)
    distributed_at = UtcDateTimeField(null=True)
    households = pw.IntegerField(default=0)
    returned = pw.IntegerField(default=0)
    collected_at = UtcDateTimeField(null=True)
    reported_at = UtcDateTimeField(null=True)
    # KF-009 §3.3.1 (RULES v2): the form drafted by the desk, approved by the company's
    # quality department (品质管理部) — who (a person outside the office) and when.
    form_approved_by = pw.CharField(max_length=64, default="")
    form_approved_at = UtcDateTimeField(null=True)
    # KF-009 §3.3.6 (RULES v2): the open letter answering concentrated issues, approved by
    # the general manager (总经理) and then posted; or why none was needed.
    letter_approved_by = pw.CharField(max_length=64, default="")
    letter_approved_at = UtcDateTimeField(null=True)
    letter_posted_at = UtcDateTimeField(null=True)
    letter_waived_at = UtcDateTimeField(null=True)  # no concentrated issue: no letter owed
    letter_note = pw.TextField(default="")  # what the letter answers, or why none is needed


class Activity(BaseModel):
    """KF-019/020 community activity with its plan, group and notice dates."""

    title = pw.CharField(max_length=64)
    held_on = pw.DateField(index=True)
    plan_approved_at = UtcDateTimeField(null=True)
    group_formed_at = UtcDateTimeField(null=True)
    notice_posted_at = UtcDateTimeField(null=True)
    archived_at = UtcDateTimeField(null=True)
    # KF-020 §4.3.7: the archived record — what was held and how many came.
    summary = pw.TextField(default="")
    attendance = pw.IntegerField(null=True)
    # Called off after its plan was approved: the record stays (never deleted), its clocks end.
    cancelled_at = UtcDateTimeField(null=True)
    cancel_reason = pw.TextField(default="")
