"""The audit trail: one append-only event for every write, reveal and export."""

from __future__ import annotations

import peewee as pw

from .base import BaseModel, UtcDateTimeField
from .staff import Staff


class AuditEvent(BaseModel):
    at = UtcDateTimeField(index=True)
    actor = pw.ForeignKeyField(Staff, null=True, backref="audit_events", on_delete="RESTRICT")
    action = pw.CharField(max_length=48, index=True)  # e.g. "ticket.create", "person.reveal_id"
    record_type = pw.CharField(max_length=32)
    record_id = pw.IntegerField(null=True)
    detail = pw.TextField(default="")  # JSON

    class Meta:
        indexes = ((("record_type", "record_id"), False),)


class Refusal(BaseModel):
    """A role-restricted action refused (issue 19): who tried, what, on which record, when and
    with which role — never the refused data. Kept apart from ``AuditEvent`` so a refusal
    still changes nothing in the records it protects, and written in its own transaction
    (``kfdesk.desk.base.require_role``) so the rollback of the refused work keeps it."""

    at = UtcDateTimeField(index=True)
    actor = pw.ForeignKeyField(Staff, null=True, backref="refusals", on_delete="RESTRICT")
    action = pw.CharField(max_length=48, index=True)  # the refused action, e.g. "person.reveal_id"
    role = pw.CharField(max_length=16)  # the actor's role when refused
    record_type = pw.CharField(max_length=32, default="")
    record_id = pw.IntegerField(null=True)
    detail = pw.TextField(default="")  # JSON: the roles that may


class SchemaVersion(BaseModel):
    """One row: the schema version this database is at (forward migrations in kfdesk.db)."""

    version = pw.IntegerField()
    app = pw.CharField(max_length=16, default="kfdesk")
    migrated_at = UtcDateTimeField()


class CalendarOverride(BaseModel):
    """An office correction of the statutory calendar (RULES §8 calendar decisions)."""

    day = pw.DateField(unique=True)
    kind = pw.CharField(max_length=8)  # holiday | workday
    note = pw.CharField(max_length=128, default="")
