"""Writing clocks: each record's running and stopped clocks as ``Deadline`` rows.

``sync_<record>(record, ctx)`` is the single place that knows when a record's clocks start,
when they are due and what stops them (RULES §8 table). Desk services call it inside their
transaction after a write; ``resync_all`` rebuilds every row (demo, upgrades), and
``resync_working_day_clocks`` recomputes the open ones a calendar change may move.
Held time (a ticket waiting on the resident) is kept across re-syncs: a row's ``due_at`` is
the rule's due time plus ``held_seconds``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from ..models import (
    Activity,
    Bill,
    BillLine,
    Callback,
    Charge,
    Deadline,
    DunningStep,
    FaultNotice,
    HandOver,
    Hold,
    MailItem,
    Occupancy,
    Payment,
    Person,
    Receipt,
    ServiceOrder,
    Staff,
    Survey,
    Ticket,
    Unit,
    VacantCheck,
)
from ..models.cash import RENT_KIND
from .clocks import CLOCKS, WORKING_DAY_CLOCKS
from .context import RuleContext

REGISTERED_MAIL = ("registered", "telegram", "valuable")  # KF-021 §3
CALLBACK_CLOCKS = {
    "complaint": "complaint_callback",
    "repair": "repair_callback",
    "developer": "developer_callback",
    # RULES v2: a defect complaint's special callback is scheduled when the rework is
    # arranged (KF-009 §3.1.4) and made after it as the complaint's callback; a "defect"
    # callback of an older store keeps no clock of its own.
}


@dataclass
class Want:
    """One clock as the record says it should be (before held time)."""

    clock: str
    item_id: int
    item_ref: str
    started_at: datetime
    due_at: datetime
    stopped_at: datetime | None = None
    provisional: bool = False
    cycle: int = 1
    unit_code: str = ""
    owner_id: int | None = None
    department: str = ""


def _hhmm(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def _first(*instants: datetime | None) -> datetime | None:
    present = [i for i in instants if i is not None]
    return min(present) if present else None


def _fields(want: Want, ctx: RuleContext, held_seconds: int = 0) -> dict:
    """A Deadline row's values for ``want``, with held time added to its due and warn times."""
    shift = timedelta(seconds=held_seconds)
    return {
        "item_ref": want.item_ref,
        "unit_code": want.unit_code,
        "owner": want.owner_id,
        "department": want.department,
        "started_at": want.started_at,
        "due_at": want.due_at + shift,
        "warn_at": ctx.warn_at(want.started_at, want.due_at) + shift,
        "stopped_at": want.stopped_at,
        "provisional": want.provisional,
    }


def _changed(row: Deadline, fields: dict) -> bool:
    return any(getattr(row, "owner_id" if k == "owner" else k) != v for k, v in fields.items())


def _write(item_kind: str, item_ids: list[int], wants: list[Want], ctx: RuleContext,
           held_since: dict[int, datetime] | None = None) -> None:
    """Make the Deadline rows of these items exactly ``wants`` (keeping held time)."""
    existing: dict[tuple[str, int, int], Deadline] = {}
    if item_ids:
        for chunk_start in range(0, len(item_ids), 500):
            chunk = item_ids[chunk_start:chunk_start + 500]
            query = Deadline.select().where(
                (Deadline.item_kind == item_kind) & Deadline.item_id.in_(chunk)
            )
            for row in query:
                existing[(row.clock, row.item_id, row.cycle)] = row
    seen: set[tuple[str, int, int]] = set()
    new_rows: list[dict] = []
    for want in wants:
        key = (want.clock, want.item_id, want.cycle)
        seen.add(key)
        row = existing.get(key)
        fields = _fields(want, ctx, row.held_seconds if row else 0)
        if row is None:
            hold = (held_since or {}).get(want.item_id)
            new_rows.append({
                "clock": want.clock, "item_kind": item_kind, "item_id": want.item_id,
                "cycle": want.cycle, "held_since": hold if want.stopped_at is None else None,
                **fields,
            })
        elif _changed(row, fields):
            if want.stopped_at is not None and row.held_since is not None:
                fields["held_since"] = None
            Deadline.update(**fields).where(Deadline.id == row.id).execute()
    for start in range(0, len(new_rows), 50):
        Deadline.insert_many(new_rows[start:start + 50]).execute()
    stale = [row.id for key, row in existing.items() if key not in seen]
    if stale:
        Deadline.delete().where(Deadline.id.in_(stale)).execute()


# --- tickets -------------------------------------------------------------------------------


def ticket_wants(ticket: Ticket, ctx: RuleContext, unit_code: str = "") -> list[Want]:
    """The ticket's clocks. A failed inspection's rework order has none (KF-011, RULES v2:
    the 24 hours of KF-009 §3.1.4 are for arranging a defect complaint's rework)."""
    c = ctx.settings.clocks
    received = ticket.received_at
    common = {"item_id": ticket.id, "item_ref": ticket.number, "unit_code": unit_code,
              "owner_id": ticket.owner_id, "department": ticket.department}
    wants: list[Want] = []
    if ticket.channel == "forwarded" and ticket.forwarded_received_at is not None:
        # KF-010 §4.1.1: counted against the forwarding department, stopped at desk intake.
        start = ticket.forwarded_received_at
        wants.append(Want("handover", started_at=start, stopped_at=received,
                          due_at=start + timedelta(hours=c["handover_from_department_hours"]),
                          **{**common, "department": ticket.forwarded_from}))
    invalid = (ticket.validity or "").startswith("invalid")
    # KF-012 v2: a correction that changed which of these the ticket owes restarted them.
    judged = getattr(ticket, "clocks_from", None) or received
    if ticket.kind in ("complaint", "repair") and not invalid:
        wants.append(Want("dispatch", started_at=judged, stopped_at=ticket.dispatched_at,
                          due_at=judged + timedelta(hours=c["dispatch_hours"]), **common))
    if ticket.validity == "invalid_other":
        wants.append(Want("explain_invalid", started_at=judged, stopped_at=ticket.explained_at,
                          due_at=judged + timedelta(hours=c["explain_invalid_hours"]),
                          **common))
    if ticket.validity == "invalid_developer":
        due = ctx.calendar.add_working_days(judged, c["developer_contact_form_working_days"])
        wants.append(Want("developer_form", started_at=judged, due_at=due.at,
                          provisional=due.provisional,
                          stopped_at=ticket.contact_form_sent_at, **common))
    if ticket.defect_of_id is not None:
        # KF-009 §3.1.4 (RULES v2): engineering's supervisor arranges the rework and the
        # special callback within 24 hours of the complaint; the clock is engineering's, and
        # stops at the arrangement — finishing the rework has no limit.
        wants.append(Want("defect_arrange", started_at=received,
                          stopped_at=getattr(ticket, "arranged_at", None),
                          due_at=received + timedelta(hours=c["defect_rework_hours"]),
                          **{**common, "owner_id": None, "department": "engineering"}))
    # A closed-out ticket has no running clock (KF-008), nor has a voided one (KF-012 v2).
    ended = ticket.closed_at or getattr(ticket, "voided_at", None)
    if ended is not None:
        for want in wants:
            want.stopped_at = want.stopped_at or ended
    return wants


def _open_holds(ticket_ids: list[int]) -> dict[int, datetime]:
    holds: dict[int, datetime] = {}
    for start in range(0, len(ticket_ids), 500):
        chunk = ticket_ids[start:start + 500]
        for hold in Hold.select().where(Hold.ticket.in_(chunk) & Hold.ended_at.is_null()):
            holds[hold.ticket_id] = hold.started_at
    return holds


def sync_tickets(tickets: list[Ticket], ctx: RuleContext) -> None:
    units = _unit_codes({t.unit_id for t in tickets})
    ids = [t.id for t in tickets]
    wants = [w for t in tickets for w in ticket_wants(t, ctx, units.get(t.unit_id, ""))]
    _write("ticket", ids, wants, ctx, _open_holds(ids))


def sync_ticket(ticket: Ticket, ctx: RuleContext) -> None:
    sync_tickets([ticket], ctx)


def _unit_codes(unit_ids: set[int | None]) -> dict[int, str]:
    from ..models import Unit

    ids = [i for i in unit_ids if i is not None]
    codes: dict[int, str] = {}
    for start in range(0, len(ids), 500):
        for uid, code in Unit.select(Unit.id, Unit.code).where(
            Unit.id.in_(ids[start:start + 500])
        ).tuples():
            codes[uid] = code
    return codes


# --- callbacks -----------------------------------------------------------------------------


def callback_wants(cb: Callback, ctx: RuleContext, ref: str, unit_code: str,
                   voided_at: datetime | None = None) -> list[Want]:
    """The callback's clock; ``voided_at``: its ticket was voided then (KF-012 v2), which
    stops it — nobody calls a resident back about a ticket taken by mistake."""
    clock = CALLBACK_CLOCKS.get(cb.kind)
    if clock is None:
        return []
    if cb.kind == "repair" and not cb.sampled:
        # KF-009 §3.1.2 reading: an ordinary in-home repair left out of the month's random
        # sample is not called back, so §3.1.1's 3-working-day clock does not run for it.
        return []
    spec = CLOCKS[clock]
    limit = ctx.limit(spec.limit_key or "")
    start = cb.clock_started_at
    provisional = False
    if spec.working_days:  # KF-009 §3.1.1, KF-010 §4.4.1 (v2: the developer's from intake)
        deadline = ctx.calendar.add_working_days(start, limit)
        due, provisional = deadline.at, deadline.provisional
    else:  # KF-010 §4.5: 3 calendar days
        due = start + timedelta(days=limit)
    return [Want(clock, item_id=cb.id, item_ref=ref, started_at=start, due_at=due,
                 stopped_at=_first(cb.done_at, voided_at), provisional=provisional,
                 unit_code=unit_code,
                 owner_id=cb.owner_id, department="desk")]


def sync_callbacks(callbacks: list[Callback], ctx: RuleContext) -> None:
    from ..models import WorkOrder

    ticket_ids = {cb.ticket_id for cb in callbacks if cb.ticket_id}
    order_ids = {cb.work_order_id for cb in callbacks if cb.work_order_id}
    numbers: dict[tuple[str, int], str] = {}
    voided: dict[int, datetime] = {}
    id_list = list(ticket_ids)
    for start in range(0, len(id_list), 500):
        for rid, at in Ticket.select(Ticket.id, Ticket.voided_at).where(
                Ticket.id.in_(id_list[start:start + 500]) & Ticket.voided_at.is_null(False)
        ).tuples():
            voided[rid] = at
    for model, ids, tag in ((Ticket, ticket_ids, "t"), (WorkOrder, order_ids, "w")):
        id_list = list(ids)
        for start in range(0, len(id_list), 500):
            for rid, number in model.select(model.id, model.number).where(
                model.id.in_(id_list[start:start + 500])
            ).tuples():
                numbers[(tag, rid)] = number
    units = _unit_codes({cb.unit_id for cb in callbacks})
    wants: list[Want] = []
    for cb in callbacks:
        ref = (numbers.get(("w", cb.work_order_id)) if cb.work_order_id else None) or \
            numbers.get(("t", cb.ticket_id), f"#{cb.id}")
        wants += callback_wants(cb, ctx, ref, units.get(cb.unit_id, ""),
                                voided.get(cb.ticket_id))
    holds = _open_holds(list(ticket_ids))
    held = {cb.id: holds[cb.ticket_id] for cb in callbacks if cb.ticket_id in holds}
    _write("callback", [cb.id for cb in callbacks], wants, ctx, held)


def sync_callback(cb: Callback, ctx: RuleContext) -> None:
    sync_callbacks([cb], ctx)


# --- fault notices, mail, service orders ---------------------------------------------------


def fault_sort_due(received_at: datetime, ctx: RuleContext) -> datetime:
    """KF-013 §4.2–4.3 (RULES v2): when a notice received at ``received_at`` must be sorted.

    The day's notices are sorted at 17:30 (``fault_notice_classify``); one still unsorted at
    17:30 + ``fault_notice_sort_grace_minutes`` (default 18:00) is overdue. **Reading:** a
    notice handed in after that hour belongs to the next calendar day's sorting (the text
    sorts "the day's" notices at 17:30; it says nothing of one brought in later).
    """
    cal = ctx.calendar
    grace = timedelta(minutes=ctx.limit("fault_notice_sort_grace_minutes"))
    day = cal.local_date(received_at)
    due = cal.at_time(day, _hhmm(ctx.settings.clocks["fault_notice_classify"])) + grace
    if received_at >= due:
        due = cal.at_time(day + timedelta(days=1),
                          _hhmm(ctx.settings.clocks["fault_notice_classify"])) + grace
    return due


def fault_collect_due(classified_at: datetime, ctx: RuleContext) -> datetime:
    """KF-013 §4.4 (RULES v2): collected "every morning" (每日早上) — by 09:00
    (``hours.fault_notice_collect``) of the next **calendar** day, holidays included: a
    notice sorted Wed 2026-09-30 17:30 is due Thu 2026-10-01 09:00."""
    cal = ctx.calendar
    day = cal.local_date(classified_at) + timedelta(days=ctx.limit("fault_notice_collect_days"))
    return cal.at_time(day, _hhmm(ctx.settings.data["hours"]["fault_notice_collect"]))


def fault_notice_wants(fn: FaultNotice, ctx: RuleContext, unit_code: str = "") -> list[Want]:
    """A notice's two office-side clocks: sorted by the evening (owned by the desk clerk who
    signed for it), then collected by its department the next morning."""
    wants = [Want("fault_sort", item_id=fn.id, item_ref=fn.number, started_at=fn.received_at,
                  due_at=fault_sort_due(fn.received_at, ctx), stopped_at=fn.classified_at,
                  unit_code=unit_code, owner_id=fn.received_by_id, department="desk")]
    if fn.classified_at is not None:
        wants.append(Want("fault_collect", item_id=fn.id, item_ref=fn.number,
                          started_at=fn.classified_at,
                          due_at=fault_collect_due(fn.classified_at, ctx),
                          stopped_at=fn.collected_at, unit_code=unit_code,
                          owner_id=fn.received_by_id, department=fn.department))
    if fn.closed_at is not None:  # closed out (KF-013 §4.6): nothing more is due
        for want in wants:
            want.stopped_at = want.stopped_at or fn.closed_at
    return wants


def sync_fault_notices(notices: list[FaultNotice], ctx: RuleContext) -> None:
    units = _unit_codes({n.unit_id for n in notices})
    wants = [w for n in notices for w in fault_notice_wants(n, ctx, units.get(n.unit_id, ""))]
    _write("fault_notice", [n.id for n in notices], wants, ctx)


def mail_wants(item: MailItem, ctx: RuleContext, unit_code: str = "") -> list[Want]:
    if item.kind not in REGISTERED_MAIL:
        return []
    start = item.received_at
    return [Want("registered_mail", item_id=item.id, item_ref=item.tracking_no or item.recipient,
                 started_at=start,
                 due_at=start + timedelta(days=ctx.limit("registered_mail_days")),
                 stopped_at=_first(item.collected_at, item.returned_at), unit_code=unit_code,
                 owner_id=item.received_by_id, department="desk")]


def sync_mail_items(items: list[MailItem], ctx: RuleContext) -> None:
    units = _unit_codes({m.unit_id for m in items})
    wants = [w for m in items for w in mail_wants(m, ctx, units.get(m.unit_id, ""))]
    _write("mail", [m.id for m in items], wants, ctx)


def service_order_wants(so: ServiceOrder, ctx: RuleContext, unit_code: str = "") -> list[Want]:
    if so.kind != "appliance_repair" or so.accepted_at is None:
        return []
    start = so.accepted_at
    ref = f"S-{so.id:06d}"
    common = {"item_id": so.id, "item_ref": ref, "unit_code": unit_code,
              "owner_id": so.taken_by_id, "department": "engineering"}
    # KF-022 §2.2: tell the resident within 15 min, or be on site within 30 (or the agreed time).
    # RULES v2: the 15 minutes apply only when the 30 cannot be met — engineering's arrival
    # time known to fall within the 30 minutes stops that clock when it was recorded.
    within = start + timedelta(minutes=ctx.limit("appliance_on_site_minutes"))
    on_time = (so.arrival_at is not None and so.arrival_known_at is not None
               and so.arrival_at <= within)
    tell = Want("appliance_tell", started_at=start,
                due_at=start + timedelta(minutes=ctx.limit("appliance_tell_minutes")),
                stopped_at=_first(so.told_at, so.on_site_at, so.closed_at,
                                  getattr(so, "cancelled_at", None),
                                  so.arrival_known_at if on_time else None), **common)
    on_site_due = within
    if so.told_at is not None and so.agreed_at is not None:
        on_site_due = so.agreed_at
    on_site = Want("appliance_on_site", started_at=start, due_at=on_site_due,
                   stopped_at=_first(so.on_site_at, so.closed_at,
                                     getattr(so, "cancelled_at", None)), **common)
    return [tell, on_site]


def sync_service_orders(orders: list[ServiceOrder], ctx: RuleContext) -> None:
    units = _unit_codes({o.unit_id for o in orders})
    wants = [w for o in orders for w in service_order_wants(o, ctx, units.get(o.unit_id, ""))]
    _write("service_order", [o.id for o in orders], wants, ctx)


# --- the cashier's day, arrears --------------------------------------------------------------


def _day_number(d: date) -> int:
    return d.year * 10000 + d.month * 100 + d.day


def sync_hand_over(cashier: Staff, day: date, ctx: RuleContext) -> None:
    """KF-015 §4.6: the first receipt of a day starts it; closing the day stops it."""
    cal = ctx.calendar
    start_local = datetime.combine(day, time(0), tzinfo=cal.zone)
    end_local = start_local + timedelta(days=1)
    first = (Receipt.select(Receipt.issued_at)
             .where((Receipt.cashier == cashier) & (Receipt.issued_at >= start_local)
                    & (Receipt.issued_at < end_local))
             .order_by(Receipt.issued_at).first())
    wants: list[Want] = []
    if first is not None:
        closed = HandOver.get_or_none((HandOver.cashier == cashier) & (HandOver.day == day))
        wants.append(Want("hand_over", item_id=cashier.id, cycle=_day_number(day),
                          item_ref=f"{cashier.name} {day.isoformat()}",
                          started_at=first.issued_at,
                          due_at=cal.at_time(day, _hhmm(ctx.settings.data["hours"]["close"])),
                          stopped_at=closed.closed_at if closed else None,
                          owner_id=cashier.id, department="desk"))
    existing = Deadline.get_or_none((Deadline.clock == "hand_over")
                                    & (Deadline.item_id == cashier.id)
                                    & (Deadline.cycle == _day_number(day)))
    if wants:
        _write_one("hand_over", wants[0], ctx)
    elif existing is not None:
        existing.delete_instance()


def _write_one(item_kind: str, want: Want, ctx: RuleContext) -> None:
    row = Deadline.get_or_none((Deadline.clock == want.clock) & (Deadline.item_kind == item_kind)
                               & (Deadline.item_id == want.item_id)
                               & (Deadline.cycle == want.cycle))
    fields = _fields(want, ctx)
    if row is None:
        Deadline.create(clock=want.clock, item_kind=item_kind, item_id=want.item_id,
                        cycle=want.cycle, **fields)
    elif _changed(row, fields):
        # Refreshes call this every few seconds: write only what changed.
        Deadline.update(**fields).where(Deadline.id == row.id).execute()


def months_in_arrears(unit_id: int) -> int:
    """Months with something unpaid: fee bills, and parking-rent periods (KF-001 §9), as the
    arrears list counts them (``views.arrears_list``)."""
    bills = {m for (m,) in Bill.select(Bill.month).join(BillLine)
             .where((Bill.unit == unit_id) & (BillLine.paid_fen < BillLine.amount_fen))
             .distinct().tuples()}
    rent = {m for (m,) in Charge.select(Charge.with_bill_month)
            .where((Charge.unit == unit_id) & (Charge.kind == RENT_KIND)
                   & (Charge.with_bill_month != "") & (Charge.paid_fen < Charge.amount_fen))
            .distinct().tuples()}
    return len(bills | rent)


def unit_arrears_wants(unit, ctx: RuleContext) -> list[Want]:  # noqa: ANN001 - Unit
    """KF-016 §3.4: after the first notice, a second to those still unpaid ≥ 2 months."""
    first = (DunningStep.select().where((DunningStep.unit == unit) & (DunningStep.step == 3))
             .order_by(DunningStep.at.desc()).first())
    if first is None:
        return []
    months = months_in_arrears(unit.id)
    later = (DunningStep.select().where((DunningStep.unit == unit) & (DunningStep.step >= 4)
                                        & (DunningStep.at >= first.at))
             .order_by(DunningStep.at).first())
    if months < ctx.limit("arrears_second_notice_months") and later is None:
        if months == 0:
            paid = (Payment.select(Payment.taken_at).where(Payment.unit == unit)
                    .order_by(Payment.taken_at.desc()).first())
            stopped = paid.taken_at if paid and paid.taken_at >= first.at else first.at
        else:
            return []  # under two months: no second notice is due
    else:
        stopped = later.at if later else None
    pay_by = first.pay_by or (ctx.calendar.local_date(first.at) + timedelta(days=15))
    due = ctx.calendar.day_of_month_deadline(pay_by.year, pay_by.month, pay_by.day)
    return [Want("second_notice", item_id=unit.id, item_ref=unit.code, started_at=first.at,
                 due_at=due.at, provisional=due.provisional, stopped_at=stopped,
                 unit_code=unit.code, owner_id=first.by_id, department="desk")]


def sync_unit_arrears(units: list, ctx: RuleContext) -> None:
    wants = [w for u in units for w in unit_arrears_wants(u, ctx)]
    _write("unit", [u.id for u in units], wants, ctx)


# --- vacant units --------------------------------------------------------------------------


def sync_vacant_units(units: list[Unit], ctx: RuleContext, now: datetime, *,
                      vacated: bool = False) -> None:
    """RULES §5–§6 空置房管理: a vacant unit is checked every ``vacant_check_days`` (the
    office's own interval). The clock runs from the later of the unit's last check and the
    start of its vacancy as kfdesk knows it: ``now`` when the unit is ``vacated`` (or first
    seen vacant, with no clock yet), kept in the clock's start afterwards. So a check made
    before the unit was let does not make it overdue when it stands empty again, and a newly
    imported unit is due one interval after it was first seen. A unit no longer vacant loses
    its clock."""
    ids = [u.id for u in units]
    last: dict[int, datetime] = {}
    running: dict[int, datetime] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        # Oldest first, so the last one read is each unit's latest (read through the model:
        # a raw MAX() comes back as text on SQLite).
        for check in (VacantCheck.select(VacantCheck.unit, VacantCheck.checked_at)
                      .where(VacantCheck.unit.in_(chunk))
                      .order_by(VacantCheck.checked_at, VacantCheck.id)):
            last[check.unit_id] = check.checked_at
        for row in Deadline.select(Deadline.item_id, Deadline.started_at).where(
                (Deadline.clock == "vacant_check") & Deadline.item_id.in_(chunk)):
            running[row.item_id] = row.started_at
    days = timedelta(days=max(1, ctx.limit("vacant_check_days")))
    cal = ctx.calendar
    wants = []
    for u in units:
        if u.status != "vacant":
            continue
        known = [at for at in (last.get(u.id), running.get(u.id)) if at is not None]
        start = now if vacated or not known else max(known)
        # Due by close of the interval's last office day, as the register counts it
        # (kfdesk.views.vacant: office days, not working days — a flat leaks on Sundays too).
        due = cal.at_close(cal.local_date(start) + days)
        wants.append(Want("vacant_check", item_id=u.id, item_ref=u.code, started_at=start,
                          due_at=due, unit_code=u.code, department="desk"))
    _write("vacant_unit", ids, wants, ctx)


def reconcile_vacant_units(ctx: RuleContext, now: datetime) -> None:
    """Every vacant unit has its check clock and no other unit has one, whatever path
    changed a unit's status (an upgraded store, an import): run with the periodic duties."""
    vacant = {uid for (uid,) in Unit.select(Unit.id).where(Unit.status == "vacant").tuples()}
    clocked = {uid for (uid,) in Deadline.select(Deadline.item_id)
               .where(Deadline.clock == "vacant_check").tuples()}
    if vacant != clocked:
        sync_vacant_units(list(Unit.select().where(Unit.id.in_(sorted(vacant ^ clocked)))
                               .order_by(Unit.id)), ctx, now)


# --- people, surveys, activities ------------------------------------------------------------


def sync_people(people: list[Person], ctx: RuleContext) -> None:
    """KF-017 §3: re-verify contact details monthly (living elsewhere) or every half month."""
    ids = [p.id for p in people]
    units: dict[int, str] = {}
    for start in range(0, len(ids), 500):
        query = (Occupancy.select(Occupancy.person, Occupancy.unit)
                 .where(Occupancy.person.in_(ids[start:start + 500])
                        & Occupancy.ended_on.is_null()
                        & Occupancy.role.in_(("owner", "tenant")))
                 .order_by(Occupancy.id).tuples())
        for person_id, unit_id in query:
            units.setdefault(person_id, unit_id)
    codes = _unit_codes(set(units.values()))
    wants: list[Want] = []
    for p in people:
        if p.id not in units:
            continue
        start = p.contact_verified_at or p.created_at
        if p.lives_in_community:
            due = start + timedelta(days=ctx.limit("contact_check_resident_days"))
        else:
            due = start + relativedelta(months=ctx.limit("contact_check_nonresident_months"))
        wants.append(Want("contact_check", item_id=p.id, item_ref=p.name, started_at=start,
                          due_at=due, unit_code=codes.get(units[p.id], ""), department="desk"))
    _write("person", ids, wants, ctx)


def survey_wants(s: Survey, ctx: RuleContext) -> list[Want]:
    """KF-009 §3.3: collection within 10 days of distribution, the report within 3 days of
    collection, and (RULES v2, §3.3.6) the open letter on the concentrated issues approved by
    the general manager and posted within 2 weeks (``survey_open_letter_days``, calendar
    days) of collection — stopped by the posting, or by the supervisor recording that the
    returns raised no concentrated issue (``letter_waived_at``)."""
    wants = []
    if s.distributed_at is not None:
        due = s.distributed_at + timedelta(days=ctx.limit("survey_collect_days"))
        wants.append(Want("survey_collect", item_id=s.id, item_ref=str(s.year),
                          started_at=s.distributed_at, stopped_at=s.collected_at,
                          due_at=due, department="desk"))
    if s.collected_at is not None:
        wants.append(Want("survey_report", item_id=s.id, item_ref=str(s.year),
                          started_at=s.collected_at, stopped_at=s.reported_at,
                          due_at=s.collected_at + timedelta(days=ctx.limit("survey_report_days")),
                          department="desk"))
        wants.append(Want("survey_letter", item_id=s.id, item_ref=str(s.year),
                          started_at=s.collected_at,
                          stopped_at=_first(s.letter_posted_at, s.letter_waived_at),
                          due_at=s.collected_at
                          + timedelta(days=ctx.limit("survey_open_letter_days")),
                          department="desk"))
    return wants


def activity_wants(a: Activity, ctx: RuleContext) -> list[Want]:
    """KF-020 §4.2.2 the activity's plan approved one month before it; §4.3.1 the organising
    group formed ≥ 10 days before; §4.3.2 the public notice 10 days before. Each is due at
    business close of that calendar day (a deadline *before* the activity is not moved on
    past a holiday) and stops when the step is recorded (``kfdesk.desk.activities``)."""
    if a.cancelled_at is not None:
        return []  # called off: nothing more is due (kfdesk.desk.activities.cancel_activity)
    cal = ctx.calendar
    plan_day = a.held_on - relativedelta(months=ctx.limit("activity_plan_months_before"))
    plan_due = cal.at_close(plan_day)
    # The planning lead before the plan is due is as long again as the plan's own lead.
    plan_start = plan_due - (cal.at_close(a.held_on) - plan_due)
    group_due = cal.at_close(a.held_on - timedelta(days=ctx.limit("activity_group_days_before")))
    notice_due = cal.at_close(
        a.held_on - timedelta(days=ctx.limit("activity_notice_days_before")))
    # The clerk reads the date with the title; a Deadline's item_ref holds 32 characters.
    ref = f"{a.held_on:%m-%d} {a.title}"[:32]
    common = {"item_id": a.id, "item_ref": ref, "department": "desk"}
    return [
        Want("activity_plan", started_at=plan_start, due_at=plan_due,
             stopped_at=a.plan_approved_at, **common),
        Want("activity_group", started_at=plan_due, due_at=group_due,
             stopped_at=a.group_formed_at, **common),
        Want("activity_notice", started_at=plan_due, due_at=notice_due,
             stopped_at=a.notice_posted_at, **common),
    ]


def sync_surveys(surveys: list[Survey], ctx: RuleContext) -> None:
    _write("survey", [s.id for s in surveys], [w for s in surveys for w in survey_wants(s, ctx)],
           ctx)


def sync_activities(activities: list[Activity], ctx: RuleContext,
                    withdrawn: Sequence[int] = ()) -> None:
    """The activities' clocks as their records say; ``withdrawn`` ids lose theirs."""
    _write("activity", [a.id for a in activities] + list(withdrawn),
           [w for a in activities for w in activity_wants(a, ctx)], ctx)


# --- everything ----------------------------------------------------------------------------


def resync_all(ctx: RuleContext, now: datetime) -> None:
    """Rebuild every stored clock from the records (demo build, upgrades, repairs)."""
    from .periods import sync_periods

    # In id order: the clocks' rows are then numbered the same on every backend (PostgreSQL
    # returns a DISTINCT, or a table with updated rows, in no particular order).
    sync_tickets(list(Ticket.select().order_by(Ticket.id)), ctx)
    sync_callbacks(list(Callback.select().order_by(Callback.id)), ctx)
    sync_fault_notices(list(FaultNotice.select().order_by(FaultNotice.id)), ctx)
    sync_mail_items(list(MailItem.select().order_by(MailItem.id)), ctx)
    sync_service_orders(list(ServiceOrder.select().order_by(ServiceOrder.id)), ctx)
    sync_people(list(Person.select().order_by(Person.id)), ctx)
    sync_surveys(list(Survey.select().order_by(Survey.id)), ctx)
    sync_activities(list(Activity.select().order_by(Activity.id)), ctx)
    sync_unit_arrears(list(Unit.select().join(DunningStep).distinct().order_by(Unit.id)), ctx)
    sync_vacant_units(list(Unit.select().where(Unit.status == "vacant").order_by(Unit.id)), ctx,
                      now)
    days = {(r.cashier_id, ctx.calendar.local_date(r.issued_at))
            for r in Receipt.select(Receipt.cashier, Receipt.issued_at)}
    cashiers = {s.id: s for s in Staff.select().where(Staff.id.in_([c for c, _ in days]))}
    for cashier_id, day in sorted(days):
        sync_hand_over(cashiers[cashier_id], day, ctx)
    sync_periods(now, ctx)


def resync_rulebook_v2(ctx: RuleContext) -> None:
    """Recompute the stored clocks RULES version 2 changed (store migration v8, issue 18).

    The appliance repairs (``appliance_tell`` stopped by an arrival within the 30 minutes),
    fault notices (``fault_sort`` new, ``fault_collect`` on calendar days), the surveys
    (``survey_letter``), and every stored period of the monthly summaries, the meter readings
    and the interest survey — old periods too, since an overdue one stays until filed.
    Records are read by the columns the clocks use, so the step keeps working when a later
    migration adds columns to these tables.
    """
    from .periods import complaint_summary_wants, interest_survey_want, meter_readings_want

    orders = list(ServiceOrder.select(
        ServiceOrder.id, ServiceOrder.unit, ServiceOrder.kind, ServiceOrder.taken_by,
        ServiceOrder.accepted_at, ServiceOrder.told_at, ServiceOrder.agreed_at,
        ServiceOrder.on_site_at, ServiceOrder.closed_at, ServiceOrder.arrival_at,
        ServiceOrder.arrival_known_at).where(ServiceOrder.kind == "appliance_repair")
        .order_by(ServiceOrder.id))
    sync_service_orders(orders, ctx)
    notices = list(FaultNotice.select(
        FaultNotice.id, FaultNotice.number, FaultNotice.unit, FaultNotice.department,
        FaultNotice.received_at, FaultNotice.received_by, FaultNotice.classified_at,
        FaultNotice.collected_at, FaultNotice.closed_at).order_by(FaultNotice.id))
    sync_fault_notices(notices, ctx)
    surveys = list(Survey.select(Survey.id, Survey.year, Survey.distributed_at,
                                 Survey.collected_at, Survey.reported_at,
                                 Survey.letter_posted_at, Survey.letter_waived_at)
                   .order_by(Survey.id))
    sync_surveys(surveys, ctx)
    periods = (Deadline.select(Deadline.clock, Deadline.item_ref)
               .where(Deadline.clock.in_(("complaint_summary_supervisor", "meter_readings",
                                          "interest_survey")))
               .order_by(Deadline.id).tuples())
    for clock, ref in periods:
        year, month = int(ref[:4]), int(ref[5:7])
        if clock == "meter_readings":
            _write_one("month", meter_readings_want(ctx, year, month), ctx)
        elif clock == "interest_survey":
            _write_one("half_year", interest_survey_want(ctx, year, month), ctx)
        else:  # the summary of ``ref`` falls due in the month after it
            due_in = date(year, month, 1) + relativedelta(months=1)
            for want in complaint_summary_wants(ctx, due_in.year, due_in.month):
                _write_one("month", want, ctx)


def resync_rulebook_v2_tickets(ctx: RuleContext) -> None:
    """Store migration v13 (issue 18, RULES v2 items 1, 2 and 6): the ticket clocks v2 changed.

    - KF-010 §4.4.1: an open developer callback counts from intake (or the correction that
      made the ticket a developer issue), not from the contact form.
    - KF-010 §4.5: an invalid complaint explained and still open owes its callback, from the
      explanation — the ticket waits for it (state ``callback``) as a new one would.
    - KF-009 §3.1.4: a defect complaint's clock is engineering's 24 hours to *arrange*; one
      whose rework order was opened counts as arranged then (by an unrecorded supervisor). The
      old ``defect_rework`` rows (a defect's, and every failed inspection's rework) and the
      24-hour ``defect_callback`` rows are dropped by the re-sync.

    Records are read by the columns the clocks use, so the step keeps working when a later
    migration adds columns to these tables.
    """
    from ..models import WorkOrder

    ticket_cols = (Ticket.id, Ticket.number, Ticket.unit, Ticket.owner, Ticket.department,
                   Ticket.channel, Ticket.forwarded_from, Ticket.forwarded_received_at,
                   Ticket.received_at, Ticket.kind, Ticket.validity, Ticket.clocks_from,
                   Ticket.dispatched_at, Ticket.explained_at, Ticket.contact_form_sent_at,
                   Ticket.defect_of, Ticket.arranged_at, Ticket.closed_at, Ticket.voided_at)
    callback_cols = (Callback.id, Callback.kind, Callback.ticket, Callback.work_order,
                     Callback.unit, Callback.owner, Callback.clock_started_at,
                     Callback.done_at, Callback.sampled)
    touched: set[int] = set()
    # KF-010 §4.5: explained, neither closed nor voided, no callback yet.
    explained = (Ticket.select(Ticket.id, Ticket.unit, Ticket.owner, Ticket.explained_at)
                 .where((Ticket.validity == "invalid_other") & Ticket.explained_at.is_null(False)
                        & Ticket.closed_at.is_null() & Ticket.voided_at.is_null()
                        & (Ticket.state == "new"))
                 .order_by(Ticket.id))
    for t in explained:
        Ticket.update(state="callback", handling_ended_at=t.explained_at).where(
            Ticket.id == t.id).execute()
        Callback.insert(kind="complaint", ticket=t.id, unit=t.unit_id, owner=t.owner_id,
                        clock_started_at=t.explained_at, planned_method="phone",
                        remarks="", signed=False, sampled=True).execute()
        touched.add(t.id)
    # KF-009 §3.1.4: a defect whose rework order exists was arranged when it was opened.
    defects = (Ticket.select(Ticket.id).where(Ticket.defect_of.is_null(False)
                                              & Ticket.arranged_at.is_null()).tuples())
    for (tid,) in defects:
        first = (WorkOrder.select(WorkOrder.opened_at).where(WorkOrder.ticket == tid)
                 .order_by(WorkOrder.id).first())
        if first is not None:
            Ticket.update(arranged_at=first.opened_at, rework_at=first.opened_at).where(
                Ticket.id == tid).execute()
    ids = {tid for (tid,) in Deadline.select(Deadline.item_id).where(
        (Deadline.item_kind == "ticket") & (Deadline.clock == "defect_rework")).tuples()}
    ids |= {tid for (tid,) in Ticket.select(Ticket.id).where(
        Ticket.defect_of.is_null(False)).tuples()}
    id_list = sorted(ids | touched)
    for start in range(0, len(id_list), 500):
        sync_tickets(list(Ticket.select(*ticket_cols).where(
            Ticket.id.in_(id_list[start:start + 500])).order_by(Ticket.id)), ctx)
    # KF-010 §4.4.1: the open developer callbacks count from intake.
    for cb in (Callback.select(Callback.id, Ticket.received_at, Ticket.clocks_from)
               .join(Ticket).where((Callback.kind == "developer") & Callback.done_at.is_null())
               .order_by(Callback.id)):
        start = cb.ticket.clocks_from or cb.ticket.received_at
        Callback.update(clock_started_at=start).where(Callback.id == cb.id).execute()
    which = Callback.kind.in_(("developer", "defect"))
    if touched:
        which = which | Callback.ticket.in_(sorted(touched))
    callbacks = list(Callback.select(*callback_cols).where(which).order_by(Callback.id))
    sync_callbacks(callbacks, ctx)


_SYNCERS = {
    "ticket": (Ticket, sync_tickets),
    "callback": (Callback, sync_callbacks),
    "fault_notice": (FaultNotice, sync_fault_notices),
}


def resync_working_day_clocks(ctx: RuleContext) -> int:
    """After a calendar change: recompute the open clocks counted in working days."""
    open_rows = (Deadline.select(Deadline.item_kind, Deadline.item_id)
                 .where(Deadline.stopped_at.is_null() & Deadline.clock.in_(WORKING_DAY_CLOCKS))
                 .distinct().tuples())
    by_kind: dict[str, list[int]] = {}
    for kind, item_id in open_rows:
        by_kind.setdefault(kind, []).append(item_id)
    for kind, ids in by_kind.items():
        if kind == "unit":
            from ..models import Unit

            sync_unit_arrears(list(Unit.select().where(Unit.id.in_(ids))), ctx)
            continue
        model, syncer = _SYNCERS[kind]
        syncer(list(model.select().where(model.id.in_(ids))), ctx)
    return sum(len(v) for v in by_kind.values())
