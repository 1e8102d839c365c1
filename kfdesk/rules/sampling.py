"""KF-009 §3.1.2 monthly callback sampling: which work orders count, the quotas, the progress.

The single place that knows the counting rule: the periodic clock ``callback_sampling``
(``periods``), the proposal (``kfdesk.desk.sampling``) and the screen's progress
(``kfdesk.views.sampling``) all call it.

- The month's **ordinary in-home repairs** are the work orders with ``in_home`` and not
  ``paid``, counted by the office-zone month of ``returned_at`` (returned to the desk).
- **Sample quota**: at least ``callback_sample_share`` (90 %) of them called back, rounded up.
- **In-person quota**: at least ``callback_in_person_share`` (25 %) of the sample in person,
  rounded up. The sample is the callbacks done, but never counted as fewer than the sample
  quota — so "needed in person" reads sensibly before any call is made, and once the sample
  quota is met it is exactly ``ceil(25 % × called)``.
- **v2 (KF-009 §3.1.3, §3.1.5)**: a callback counts only when recorded with its answers
  (``answered``), and in person only with the resident's signature.

Quotas are computed with exact fractions (``Fraction(str(share))``), never binary floats, so
a share of 0.9 of 70 orders is 63, not 64.
"""

from __future__ import annotations

import math
from datetime import date, datetime, time, tzinfo
from fractions import Fraction
from typing import NamedTuple

import peewee as pw
from dateutil.relativedelta import relativedelta
from peewee import fn

from ..config import Settings
from ..models import Callback, WorkOrder


def quota(count: int, share: float) -> int:
    """At least ``share`` of ``count``, rounded up (KF-009: "不低于" — not less than)."""
    return math.ceil(Fraction(str(share)) * count)


def month_bounds(month: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """The instants at which the office-zone month of ``month`` starts and ends."""
    start = datetime.combine(date(month.year, month.month, 1), time(0), tzinfo=zone)
    return start, start + relativedelta(months=1)


def month_orders(month: date, zone: tzinfo) -> pw.ModelSelect:
    """The month's ordinary in-home repair work orders (ids), by when they came back."""
    start, end = month_bounds(month, zone)
    return (WorkOrder.select(WorkOrder.id)
            .where(WorkOrder.in_home & ~WorkOrder.paid & (WorkOrder.returned_at >= start)
                   & (WorkOrder.returned_at < end)))


def answered() -> pw.Expression:
    """A callback that counts toward the sample: done *with its answers* (KF-009 §3.1.3 v2).

    A callback marked done with none of the four questions answered (as an inspection verdict
    used to record it, "phone", no answers) is not a callback the text recognises, so it does
    not count toward the 90 %."""
    return (Callback.done_at.is_null(False) & Callback.satisfaction.is_null(False)
            & Callback.attitude.is_null(False) & Callback.quality.is_null(False)
            & Callback.charges.is_null(False) & Callback.procedure_followed.is_null(False))


class SampleCount(NamedTuple):
    """The month's progress against both quotas."""

    total: int  # ordinary in-home work orders returned in the month
    called: int  # of their callbacks, done
    in_person: int  # of those, done in person
    sample_needed: int  # ceil(90 % × total)
    in_person_needed: int  # ceil(25 % × max(called, sample_needed))
    met_at: datetime | None  # when both quotas were met (the last callback that counted)

    @property
    def met(self) -> bool:
        return self.met_at is not None


def sample_count(month: date, settings: Settings) -> SampleCount:
    """KF-009 §3.1.2: where the month stands against the sample and in-person quotas."""
    targets = settings.data["targets"]
    orders = month_orders(month, settings.zone)
    total = orders.count()
    done = Callback.select().where(Callback.work_order.in_(orders) & answered())
    called = done.count() if total else 0
    # KF-009 §3.1.5: in person counts only with the resident's signature captured.
    in_person = done.where((Callback.method == "in_person") & Callback.signed).count() \
        if total else 0
    sample_needed = quota(total, targets["callback_sample_share"])
    in_person_needed = quota(max(called, sample_needed), targets["callback_in_person_share"])
    met_at = None
    if total and called >= sample_needed and in_person >= in_person_needed:
        last = done.select(fn.MAX(Callback.done_at)).scalar()
        met_at = Callback.done_at.python_value(last)
    return SampleCount(total, called, in_person, sample_needed, in_person_needed, met_at)
