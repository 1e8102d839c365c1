"""Checks of vacant units (空置房管理, RULES §6 / KF-001; keys: RULES §5).

The desk keeps the keys of vacant units and somebody goes in now and then to see that all is
well: doors and windows shut, no water running, power and gas off, no leak through a wall or
the ceiling, the flat clean. One ``VacantCheck`` row is one such visit.

The five items are five boolean columns (``True``: a problem found) rather than a list in a
text column, so "every check that found a leak" is a plain ``WHERE leaks`` on SQLite and
PostgreSQL alike; ``problem`` is true when any of them is, and is what the register shows.
A desk key taken for the visit (``key_used``) and the repair ticket raised from it
(``ticket``) are linked, so the key register and the dispatch queue can be followed from the
check.
"""

from __future__ import annotations

import peewee as pw

from .base import BaseModel, UtcDateTimeField
from .people import Key, Unit
from .staff import Staff
from .tickets import Ticket

# The items of a check, in the order the form asks them; each is a column of ``VacantCheck``.
CHECK_ITEMS = ("doors_windows", "water", "power_gas", "leaks", "cleanliness")


class VacantCheck(BaseModel):
    """One visit to a vacant unit: who checked, when, what was found."""

    unit = pw.ForeignKeyField(Unit, backref="vacant_checks", on_delete="RESTRICT")
    checked_at = UtcDateTimeField()
    checked_by = pw.ForeignKeyField(Staff, backref="+", on_delete="RESTRICT")
    # The desk's key used to get in (RULES §5 钥匙管理), when one was.
    key_used = pw.ForeignKeyField(Key, null=True, backref="vacant_checks", on_delete="RESTRICT")
    # One column per CHECK_ITEMS entry: True when that item was found faulty.
    doors_windows = pw.BooleanField(default=False)  # 门窗
    water = pw.BooleanField(default=False)  # 水路（跑冒滴漏）
    power_gas = pw.BooleanField(default=False)  # 电、燃气
    leaks = pw.BooleanField(default=False)  # 墙面、顶棚渗漏
    cleanliness = pw.BooleanField(default=False)  # 卫生
    note = pw.TextField(default="")
    problem = pw.BooleanField(default=False, index=True)
    # The repair ticket raised from this check (KF-011 intake), when one was.
    ticket = pw.ForeignKeyField(Ticket, null=True, backref="vacant_checks", on_delete="RESTRICT")

    class Meta:
        # "The last check of each unit" and a unit's history are read by (unit, checked_at).
        indexes = ((("unit", "checked_at"), False),)
