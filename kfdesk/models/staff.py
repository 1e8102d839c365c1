"""Staff and their roles: who signs in, who is the actor of every write."""

from __future__ import annotations

import peewee as pw

from .base import BaseModel, UtcDateTimeField

ROLES = ("clerk", "cashier", "supervisor", "manager", "security")


class Staff(BaseModel):
    login = pw.CharField(max_length=32, unique=True)
    name = pw.CharField(max_length=64)
    role = pw.CharField(max_length=16, index=True)  # one of ROLES
    # KF departments for staff outside the desk (technicians report through their head).
    department = pw.CharField(max_length=16, default="desk")
    pin_hash = pw.CharField(max_length=128)
    pin_salt = pw.CharField(max_length=64)
    active = pw.BooleanField(default=True)
    created_at = UtcDateTimeField()
