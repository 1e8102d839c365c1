"""Record numbers the counter writes on paper: ``K-000123`` tickets, ``W-000301`` work orders,
``G-000045`` fault notices, ``F-000012`` release passes.

One sequence per kind, shared by every counter on the store: the next number is one more than
the highest issued, read inside the caller's transaction (the unique index on ``number``
refuses a duplicate if two counters race, and the caller's transaction is rolled back whole).
"""

from __future__ import annotations

import peewee as pw

from ..models import FaultNotice, ReleasePass, Ticket, WorkOrder

# F: the release pass (KF-014), the number written on the paper pass and its stub.
PREFIXES: dict[type[pw.Model], str] = {Ticket: "K", WorkOrder: "W", FaultNotice: "G",
                                       ReleasePass: "F"}


def next_number(model: type[pw.Model]) -> str:
    """The next free number of ``model``'s series (``K-000124`` after ``K-000123``)."""
    prefix = PREFIXES[model]
    last = (model.select(pw.fn.MAX(model.number))
            .where(model.number.startswith(f"{prefix}-")).scalar())
    value = int(last.split("-", 1)[1]) + 1 if last else 1
    return f"{prefix}-{value:06d}"
