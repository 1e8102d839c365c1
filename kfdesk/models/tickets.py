"""Tickets and what follows them: dispatches, work orders, fault notices, callbacks, holds.

RULES §1–§3 (KF-008 … KF-013, KF-009, KF-010).
"""

from __future__ import annotations

import peewee as pw

from .base import BaseModel, FenField, UtcDateTimeField
from .people import Person, Unit
from .staff import Staff

CHANNELS = ("phone", "walk_in", "forwarded", "patrol")
KINDS = ("complaint", "repair", "inquiry", "help", "visit", "suggestion")
CATEGORIES = (
    "water", "electricity", "lift", "noise", "sanitation", "security", "parking",
    "fees", "staff_attitude", "developer_quality", "greenery", "door_access", "other",
)
DEPARTMENTS = ("engineering", "security", "cleaning", "parking", "office", "developer")
VALIDITY = ("valid", "invalid_developer", "invalid_other")
REPAIR_CLASSES = ("warranty", "normal", "paid")
# The ticket's life at the desk (KF-008: nothing closes without passing the desk).
TICKET_STATES = (
    "new",          # recorded, not yet dispatched / explained / sent to developer
    "dispatched",   # with one or more departments
    "in_progress",  # work order open or being handled
    "completed",    # the department reported completion to the desk
    "callback",     # handling ended, waiting for the callback / inspection
    "closed",       # closed out (消项)
    "voided",       # taken by mistake: kept, shown void, counted apart (KF-012 v2)
)
ESCALATION_STATES = ("escalated", "proposed", "approved", "rejected")


class Ticket(BaseModel):
    number = pw.CharField(max_length=16, unique=True)  # "K-000123"
    received_at = UtcDateTimeField(index=True)
    channel = pw.CharField(max_length=12)
    # KF-010 §4.1.1: forwarded by another department — which, and when it received it.
    forwarded_from = pw.CharField(max_length=16, default="")
    forwarded_received_at = UtcDateTimeField(null=True)
    unit = pw.ForeignKeyField(Unit, null=True, backref="tickets", on_delete="RESTRICT")
    person = pw.ForeignKeyField(Person, null=True, backref="tickets", on_delete="RESTRICT")
    caller_name = pw.CharField(max_length=64, default="")
    phone = pw.CharField(max_length=20, default="")
    kind = pw.CharField(max_length=12, index=True)
    category = pw.CharField(max_length=20, index=True)
    text = pw.TextField()
    validity = pw.CharField(max_length=20, null=True)  # complaints: VALIDITY
    repair_class = pw.CharField(max_length=10, null=True)  # repairs: REPAIR_CLASSES
    # A paid repair's quote, told to the resident at intake (KF-015 §6.2.1, KF-022 list).
    price_code = pw.CharField(max_length=24, default="")
    quoted_fen = FenField(default=0)
    state = pw.CharField(max_length=12, default="new", index=True)
    # KF-006 §1 / KF-010 §4.1.2 first-contact ownership: changes only by logged reassignment.
    owner = pw.ForeignKeyField(Staff, backref="tickets", on_delete="RESTRICT")
    department = pw.CharField(max_length=16, default="", index=True)  # lead department
    coordinated = pw.BooleanField(default=False)  # KF-010 §4.3.2 two or more departments
    escalation = pw.CharField(max_length=10, null=True)  # KF-010 §4.3.3 ESCALATION_STATES
    escalation_proposal = pw.TextField(default="")
    dispatched_at = UtcDateTimeField(null=True)
    explained_at = UtcDateTimeField(null=True)  # KF-010 §4.4.2
    contact_form_no = pw.CharField(max_length=24, default="")  # KF-010 §4.4.1 工作联系单
    contact_form_sent_at = UtcDateTimeField(null=True)
    completed_at = UtcDateTimeField(null=True)
    handling_ended_at = UtcDateTimeField(null=True)  # starts the KF-010 §4.5 callback clock
    closed_at = UtcDateTimeField(null=True)
    rework_count = pw.IntegerField(default=0)  # KF-011 quality figure
    # KF-009 §3.1.4: a complaint that a repaired fault is still defective points at the repair.
    defect_of = pw.ForeignKeyField("self", null=True, backref="defects", on_delete="RESTRICT")
    # KF-009 §3.1.4 (RULES v2): the engineering supervisor arranges the rework and the special
    # callback within 24 hours — who, when, and the times arranged (store migration v13).
    arranged_at = UtcDateTimeField(null=True)
    arranged_by = pw.CharField(max_length=64, default="")
    rework_at = UtcDateTimeField(null=True)
    special_callback_at = UtcDateTimeField(null=True)
    # KF-012 v2: a ticket taken by mistake is voided with a reason, never deleted.
    voided_at = UtcDateTimeField(null=True)
    void_reason = pw.TextField(default="")
    # KF-012 v2: a correction that changes which intake clocks the ticket owes (dispatch,
    # explanation, developer's form) starts the new ones from the correction, not intake.
    clocks_from = UtcDateTimeField(null=True)
    # Optimistic concurrency: two clerks on one ticket get "changed by … at …".
    version = pw.IntegerField(default=1)
    updated_at = UtcDateTimeField()

    class Meta:
        indexes = ((("state", "received_at"), False), (("unit", "received_at"), False))


class TicketLog(BaseModel):
    """The ticket's history at the desk, in order: every step, every rework loop (KF-011)."""

    ticket = pw.ForeignKeyField(Ticket, backref="log", on_delete="RESTRICT")
    at = UtcDateTimeField()
    staff = pw.ForeignKeyField(Staff, backref="+", on_delete="RESTRICT")
    step = pw.CharField(max_length=24)  # received, dispatched, completed, inspected_fail, …
    note = pw.TextField(default="")

    class Meta:
        indexes = ((("ticket", "at"), False),)


class Dispatch(BaseModel):
    """KF-010 §4.3.1: the ticket sent to one department (several make it coordinated)."""

    ticket = pw.ForeignKeyField(Ticket, backref="dispatches", on_delete="RESTRICT")
    department = pw.CharField(max_length=16)
    dispatched_at = UtcDateTimeField()
    by = pw.ForeignKeyField(Staff, backref="+", on_delete="RESTRICT")
    reported_at = UtcDateTimeField(null=True)  # department reported the result to the desk
    result = pw.TextField(default="")

    class Meta:
        indexes = ((("ticket", "department"), True),)


class FaultNotice(BaseModel):
    """KF-013: a fault found by patrol or cleaning staff, handed in by 17:30."""

    number = pw.CharField(max_length=16, unique=True)  # "G-000045"
    found_by = pw.CharField(max_length=64)
    found_by_department = pw.CharField(max_length=16)
    found_at = UtcDateTimeField()
    location = pw.CharField(max_length=128)
    unit = pw.ForeignKeyField(Unit, null=True, backref="fault_notices", on_delete="RESTRICT")
    description = pw.TextField()
    department = pw.CharField(max_length=16, default="engineering", index=True)
    received_at = UtcDateTimeField(index=True)
    received_by = pw.ForeignKeyField(Staff, backref="+", on_delete="RESTRICT")
    classified_at = UtcDateTimeField(null=True)  # KF-013 §4.3, at 17:30
    collected_at = UtcDateTimeField(null=True, index=True)  # KF-013 §4.4
    collected_by = pw.CharField(max_length=64, default="")
    completed_at = UtcDateTimeField(null=True)  # KF-013 §4.6, written by the technician
    closed_at = UtcDateTimeField(null=True)


class WorkOrder(BaseModel):
    """派工单: engineering's order to a technician, from a ticket or a fault notice (KF-011)."""

    number = pw.CharField(max_length=16, unique=True)  # "W-000301"
    ticket = pw.ForeignKeyField(Ticket, null=True, backref="work_orders", on_delete="RESTRICT")
    fault_notice = pw.ForeignKeyField(
        FaultNotice, null=True, backref="work_orders", on_delete="RESTRICT"
    )
    department = pw.CharField(max_length=16, default="engineering")
    technician = pw.CharField(max_length=64, default="")
    opened_at = UtcDateTimeField(index=True)
    completed_at = UtcDateTimeField(null=True)
    # Returned to the desk: starts the KF-009 §3.1.1 repair callback clock.
    returned_at = UtcDateTimeField(null=True, index=True)
    in_home = pw.BooleanField(default=True)  # ordinary in-home repair: KF-009 §3.1.2 sampling
    paid = pw.BooleanField(default=False)  # KF-015 §6.2.1
    amount_fen = FenField(default=0)
    resident_signed = pw.BooleanField(default=False)
    inspection = pw.CharField(max_length=4, null=True)  # pass | fail
    rework_of = pw.ForeignKeyField("self", null=True, backref="reworks", on_delete="RESTRICT")


CALLBACK_KINDS = ("complaint", "repair", "developer", "defect", "visit")


class Callback(BaseModel):
    """回访: follow-up after handling (KF-009 §3.1, KF-010 §4.5)."""

    kind = pw.CharField(max_length=12, index=True)
    ticket = pw.ForeignKeyField(Ticket, null=True, backref="callbacks", on_delete="RESTRICT")
    work_order = pw.ForeignKeyField(
        WorkOrder, null=True, backref="callbacks", on_delete="RESTRICT"
    )
    unit = pw.ForeignKeyField(Unit, null=True, backref="callbacks", on_delete="RESTRICT")
    owner = pw.ForeignKeyField(Staff, backref="callbacks", on_delete="RESTRICT")
    clock_started_at = UtcDateTimeField()
    planned_method = pw.CharField(max_length=10, default="phone")  # phone | in_person
    done_at = UtcDateTimeField(null=True, index=True)
    method = pw.CharField(max_length=10, null=True)
    # KF-009 §3.1.3: each answer recorded, not just "done" (good | fair | poor).
    attitude = pw.CharField(max_length=8, null=True)
    quality = pw.CharField(max_length=8, null=True)
    charges = pw.CharField(max_length=8, null=True)
    procedure_followed = pw.BooleanField(null=True)
    satisfaction = pw.CharField(max_length=16, null=True)  # satisfied | unsatisfied
    remarks = pw.TextField(default="")
    signed = pw.BooleanField(default=False)  # KF-009 §3.1.5 in person: resident signed
    # KF-009 §3.1.2: an ordinary in-home repair's callback left out of the month's random
    # sample is False (it owes no callback clock). True by default: until the supervisor's
    # proposal leaves it out, every callback is owed (§3.1.1).
    sampled = pw.BooleanField(default=True)

    class Meta:
        indexes = ((("done_at", "clock_started_at"), False),)


class CallbackAttempt(BaseModel):
    """Every try, reached or not (not reached → retry later)."""

    callback = pw.ForeignKeyField(Callback, backref="attempts", on_delete="RESTRICT")
    at = UtcDateTimeField()
    staff = pw.ForeignKeyField(Staff, backref="+", on_delete="RESTRICT")
    method = pw.CharField(max_length=10)
    reached = pw.BooleanField()
    note = pw.TextField(default="")


class Hold(BaseModel):
    """RULES §8 pauses: a ticket waiting on the resident; held time does not count."""

    ticket = pw.ForeignKeyField(Ticket, backref="holds", on_delete="RESTRICT")
    started_at = UtcDateTimeField()
    reason = pw.CharField(max_length=128)
    by = pw.ForeignKeyField(Staff, backref="+", on_delete="RESTRICT")
    ended_at = UtcDateTimeField(null=True)
    resumed_by = pw.ForeignKeyField(Staff, null=True, backref="+", on_delete="RESTRICT")

    class Meta:
        indexes = ((("ticket", "ended_at"), False),)
