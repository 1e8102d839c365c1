"""KF-009 §3.1.2 monthly callback sampling: propose the month's random sample, adjust it.

For the month's ordinary in-home repair work orders (``rules.sampling``: in home, not paid,
by the office-zone month they came back to the desk) the supervisor's proposal calls back a
random sample of at least 90 % of them, at least 25 % of the sample in person, the rest by
phone (both shares from ``[targets]``, rounded up).

How the proposal decides, reproducibly:

- Callbacks already done are fixed: they count towards the sample with the method used.
- Each pending repair callback gets a rank drawn from ``random.Random(f"{seed}-{YYYY-MM}-
  {work order number}")`` (``office.sample_seed``): the sample takes the lowest ranks until
  the sample quota is met, and the in-person quota picks, among the sampled, the lowest of a
  second draw from the same generator. A rank depends only on the seed, the month and the
  work order, so proposing again later in the month (more orders have come back) keeps the
  earlier choices wherever the quotas allow, and the same records always give the same plan.
- The rest are marked ``Callback.sampled = False``: left out of the sample, they owe no
  §3.1.1 callback clock (``rules.sync.callback_wants``). A work order whose callback is not
  created yet is not planned; its callback is created in the sample (the default) and the
  next proposal takes it into account.

The supervisor may then move a callback in or out of the sample and switch its method
(``plan_callback``); the screen shows the progress against both quotas all month.
Each write: role checked, one transaction, an audit event naming the actor, clocks synced.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date
from typing import NamedTuple

from ..clock import Clock
from ..config import Settings
from ..models import Callback, Staff, WorkOrder
from ..rules.context import RuleContext
from ..rules.sampling import month_orders, quota, sample_count
from ..rules.sync import sync_callbacks
from .base import DeskError, audit, require_role, transaction

SAMPLE_ROLES = ("supervisor", "manager")
METHODS = ("phone", "in_person")


class Pending(NamedTuple):
    """A callback not yet done, as the plan sees it."""

    callback_id: int
    number: str  # its work order's number: what the rank is drawn from


class Planned(NamedTuple):
    sampled: bool
    method: str  # phone | in_person


class Proposal(NamedTuple):
    """What a proposal did, for the screen's message and the audit event."""

    month: str  # "2026-10"
    total: int  # the month's ordinary in-home work orders
    sample: int  # in the sample: done + planned (+ orders whose callback is still to come)
    in_person: int  # of those, done or planned in person
    left_out: int
    changed: int  # callbacks whose plan changed


def month_ref(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def seed_of(settings: Settings) -> str:
    return str(settings.data["office"]["sample_seed"])


def _ranks(seed: str, month: str, number: str) -> tuple[float, float]:
    """The two draws of one work order: its place in the sample, then among the in-person."""
    rng = random.Random(f"{seed}-{month}-{number}")
    return rng.random(), rng.random()


def plan_sample(total: int, called: int, called_in_person: int, pending: Sequence[Pending],
                *, sample_share: float, in_person_share: float, seed: str,
                month: str) -> dict[int, Planned]:
    """The plan for each pending callback (callback id → sampled, method).

    Pure: the quotas of KF-009 §3.1.2 over ``total`` work orders, given those already called
    (``called``, of which ``called_in_person``); pending callbacks join the sample by rank
    until the sample quota is met and enough of them go in person for the in-person quota of
    the sample that results. When even every pending callback cannot meet a quota, all of
    them are sampled (and as many as there are go in person): the screen shows the shortfall.
    """
    ranked = sorted(pending, key=lambda p: (_ranks(seed, month, p.number)[0], p.callback_id))
    take = min(max(0, quota(total, sample_share) - called), len(ranked))
    while True:
        in_person = max(0, quota(called + take, in_person_share) - called_in_person)
        if in_person <= take or take == len(ranked):
            break
        take += 1  # one more in person raises the sample by one: it may now fit
    chosen = ranked[:take]
    by_second = sorted(chosen, key=lambda p: (_ranks(seed, month, p.number)[1], p.callback_id))
    in_person_ids = {p.callback_id for p in by_second[:min(in_person, take)]}
    plan = {p.callback_id: Planned(True, "in_person" if p.callback_id in in_person_ids
                                   else "phone") for p in chosen}
    for p in ranked[take:]:
        plan[p.callback_id] = Planned(False, "phone")
    return plan


def _month_callbacks(month: date, settings: Settings) -> list[tuple[Callback, str]]:
    """The repair callbacks of the month's ordinary in-home work orders, with their numbers."""
    orders = month_orders(month, settings.zone)
    numbers = dict(WorkOrder.select(WorkOrder.id, WorkOrder.number)
                   .where(WorkOrder.id.in_(orders)).tuples())
    query = (Callback.select()
             .where((Callback.kind == "repair") & Callback.work_order.in_(list(numbers)))
             .order_by(Callback.id))
    return [(cb, numbers[cb.work_order_id]) for cb in query]


def _check_month(month: date, clock: Clock, settings: Settings) -> date:
    month = date(month.year, month.month, 1)
    today = clock.now().astimezone(settings.zone).date()
    if month > date(today.year, today.month, 1):
        raise DeskError("sampling.future_month", month=month_ref(month))
    return month


def propose_sample(month: date, actor: Staff, clock: Clock, settings: Settings) -> Proposal:
    """Propose (or bring up to date) the month's random sample: KF-009 §3.1.2."""
    require_role(actor, SAMPLE_ROLES, "sampling.propose")
    month = _check_month(month, clock, settings)
    targets = settings.data["targets"]
    ref = month_ref(month)
    with transaction():
        count = sample_count(month, settings)
        callbacks = _month_callbacks(month, settings)
        pending = [Pending(cb.id, number) for cb, number in callbacks if cb.done_at is None]
        plan = plan_sample(count.total, count.called, count.in_person, pending,
                           sample_share=targets["callback_sample_share"],
                           in_person_share=targets["callback_in_person_share"],
                           seed=seed_of(settings), month=ref)
        changed = []
        for cb, _number in callbacks:
            want = plan.get(cb.id)
            if want is None:
                continue
            if (cb.sampled, cb.planned_method) != (want.sampled, want.method):
                # Only the plan's two columns: the callback itself is the caller's to record.
                cb.sampled, cb.planned_method = want.sampled, want.method
                (Callback.update(sampled=want.sampled, planned_method=want.method)
                 .where(Callback.id == cb.id).execute())
                changed.append(cb)
        if changed:
            sync_callbacks(changed, RuleContext.from_store(settings))
        sampled = [p for p in plan.values() if p.sampled]
        # An order whose callback is not created yet will be in the sample (the default).
        orders = month_orders(month, settings.zone)
        waiting = orders.where(WorkOrder.id.not_in(
            Callback.select(Callback.work_order).where(Callback.work_order.in_(orders)))).count()
        result = Proposal(
            month=ref, total=count.total, sample=count.called + len(sampled) + waiting,
            in_person=count.in_person + sum(1 for p in sampled if p.method == "in_person"),
            left_out=len(plan) - len(sampled), changed=len(changed),
        )
        audit(actor, clock, "sampling.propose", None, month=ref, seed=seed_of(settings),
              total=result.total, sample=result.sample, in_person=result.in_person,
              left_out=result.left_out, changed=result.changed)
    return result


def plan_callback(callback_id: int, sampled: bool, method: str, actor: Staff, clock: Clock,
                  settings: Settings) -> None:
    """The supervisor's own choice for one pending callback: in or out of the sample, and
    by phone or in person (the proposal is a proposal; the progress shows the result)."""
    require_role(actor, SAMPLE_ROLES, "sampling.plan")
    if method not in METHODS:
        raise DeskError("sampling.method", field="method")
    with transaction():
        cb = Callback.get_or_none(Callback.id == callback_id)
        order = WorkOrder.get_or_none(WorkOrder.id == cb.work_order_id) if cb else None
        if (cb is None or cb.kind != "repair" or order is None or not order.in_home
                or order.paid):
            raise DeskError("sampling.not_sampled_kind")
        if cb.done_at is not None:
            raise DeskError("sampling.already_done", order=order.number)
        before = (cb.sampled, cb.planned_method)
        if before == (sampled, method):
            return
        cb.sampled, cb.planned_method = sampled, method
        (Callback.update(sampled=sampled, planned_method=method)
         .where(Callback.id == cb.id).execute())
        sync_callbacks([cb], RuleContext.from_store(settings))
        audit(actor, clock, "sampling.plan", cb, work_order=order.number, sampled=sampled,
              method=method, was_sampled=before[0], was_method=before[1])
