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
