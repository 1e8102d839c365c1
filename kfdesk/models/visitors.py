"""People from outside at the counter (KF-001 §5–6): the visitor log and renovation permits.

KF-001 §6 外来人员管理: every visitor is logged — name, the unit visited, purpose, in and out
times. Only the last 4 characters of the visitor's ID number are kept: the log is read at the
gate by many people, and the full number is not needed to recognise someone (KF-017 §4).

KF-001 §5 装修手续, 装修出入证: a renovation permit for a unit names the company, its foreman
and the permitted dates; each worker gets a pass with an expiry that never runs past the
permit's end.
"""

from __future__ import annotations

import peewee as pw

from .base import BaseModel, UtcDateTimeField
from .people import Unit
from .staff import Staff


class Visitor(BaseModel):
    """One visit logged at the desk or the gate (外来人员登记)."""

    name = pw.CharField(max_length=64)
    unit = pw.ForeignKeyField(Unit, null=True, backref="visitors", on_delete="RESTRICT")
    purpose = pw.CharField(max_length=64)
    id_last4 = pw.CharField(max_length=4, default="")  # never the full ID number
    came_at = UtcDateTimeField(index=True)
    left_at = UtcDateTimeField(null=True, index=True)
    logged_by = pw.ForeignKeyField(Staff, backref="+", on_delete="RESTRICT")


class RenovationPermit(BaseModel):
    """装修许可 for one unit: company, foreman, permitted dates; closed when the work ends."""

    unit = pw.ForeignKeyField(Unit, backref="renovation_permits", on_delete="RESTRICT")
    company = pw.CharField(max_length=64)
    foreman = pw.CharField(max_length=64)
    foreman_phone = pw.CharField(max_length=20, default="")
    starts_on = pw.DateField()
    ends_on = pw.DateField(index=True)
    issued_at = UtcDateTimeField()
    issued_by = pw.ForeignKeyField(Staff, backref="+", on_delete="RESTRICT")
    closed_at = UtcDateTimeField(null=True, index=True)
    closed_by = pw.ForeignKeyField(Staff, null=True, backref="+", on_delete="RESTRICT")


class WorkerPass(BaseModel):
    """装修出入证 for one worker of a permit; valid until ``expires_on`` (≤ the permit's end)."""

    permit = pw.ForeignKeyField(RenovationPermit, backref="passes", on_delete="RESTRICT")
    name = pw.CharField(max_length=64)
    id_last4 = pw.CharField(max_length=4, default="")
    expires_on = pw.DateField(index=True)
    issued_at = UtcDateTimeField()
    issued_by = pw.ForeignKeyField(Staff, backref="+", on_delete="RESTRICT")
    returned_at = UtcDateTimeField(null=True)  # handed back or withdrawn
