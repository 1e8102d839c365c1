"""Staff and their roles: who signs in, who is the actor of every write."""

from __future__ import annotations

import peewee as pw

from .base import BaseModel, UtcDateTimeField

# finance: finance's cashier (出纳), who receives the day's takings and confirms the hand-over
# in the software (KF-015 §4.6, RULES v2 §4).
ROLES = ("clerk", "cashier", "supervisor", "manager", "security", "finance")


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
    # Sign-in like a bank's counter (issue 19): wrong PINs since ``failed_since`` (the start of
    # the current window); ``locked_until`` set when they reach settings sign_in.max_wrong_pins.
    failed_pins = pw.IntegerField(default=0)
    failed_since = UtcDateTimeField(null=True)
    locked_until = UtcDateTimeField(null=True)
