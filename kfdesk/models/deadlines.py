"""Stored deadlines: one row per running clock of RULES §8, so a refresh is one indexed query.

A row is written when a clock starts (its due time computed once, by the rule that owns it
in ``kfdesk.rules``) and stopped when the clock stops. Holds push ``due_at``/``warn_at`` on by
the held time. ``ReportFiling`` records that a periodic duty (a report, a plan, the bulletin
board) was done, which is what stops the calendar-day clocks.
"""

from __future__ import annotations

import peewee as pw

from .base import BaseModel, UtcDateTimeField
from .staff import Staff


class Deadline(BaseModel):
    clock = pw.CharField(max_length=32)  # key into kfdesk.rules.clocks.CLOCKS
    item_kind = pw.CharField(max_length=16)  # ticket | callback | mail | month | person | …
    item_id = pw.IntegerField()
    item_ref = pw.CharField(max_length=32)  # what the clerk reads: "K-000123", "2026-10"
    cycle = pw.IntegerField(default=1)  # a rework restarts a clock as the next cycle
    unit_code = pw.CharField(max_length=24, default="")
    owner = pw.ForeignKeyField(Staff, null=True, backref="+", on_delete="RESTRICT")
    department = pw.CharField(max_length=16, default="")
    started_at = UtcDateTimeField()
    due_at = UtcDateTimeField()
    warn_at = UtcDateTimeField()
    stopped_at = UtcDateTimeField(null=True)
    held_since = UtcDateTimeField(null=True)
    held_seconds = pw.IntegerField(default=0)
    provisional = pw.BooleanField(default=False)

    class Meta:
        indexes = (
            (("clock", "item_kind", "item_id", "cycle"), True),
            (("item_kind", "item_id"), False),
        )


# Only the running clocks are ever scanned by time, and they are few beside the history:
# a partial index keeps a refresh one small index range however long the office has run.
# It covers every column the refresh reads, so the refresh never touches the table itself.
Deadline.add_index(
    Deadline.index(Deadline.warn_at, Deadline.clock, Deadline.item_kind, Deadline.item_id,
                   Deadline.item_ref, Deadline.unit_code, Deadline.owner, Deadline.department,
                   Deadline.due_at, Deadline.provisional, name="deadline_running_warn")
    .where(Deadline.stopped_at.is_null() & Deadline.held_since.is_null())
)


class ReportFiling(BaseModel):
    """A periodic duty done: complaint summary, annual plan, bulletin board, survey report."""

    duty = pw.CharField(max_length=32)
    period = pw.CharField(max_length=10)  # "2026-10", "2026", "2026-H1"
    filed_at = UtcDateTimeField()
    by = pw.ForeignKeyField(Staff, backref="+", on_delete="RESTRICT")
    note = pw.TextField(default="")

    class Meta:
        indexes = ((("duty", "period"), True),)
