"""Read view of KF-016 催缴: arrears by item, each unit's dunning ladder, who is due which step
next, and the month's collection rate against the target.

Reads only (the writes are ``kfdesk.desk.dunning``). Built on ``views.arrears_list`` and
``views.unit_arrears``: arrears are the unpaid lines of the monthly fee bills (property fee,
water and electricity, maintenance fund — the items KF-016 §2 names); one-off charges are the
cashier's, not the ladder's.

Parking-space rent (车位租金) is dunned like the fees (KF-001 §9, RULES v2 item 10): its
unpaid periods are arrears lines of the ``parking_rent`` item (``views.unit_arrears``).

The ladder of one debt. **Reading:** a step belongs to the unit's *current* arrears when it
was taken on or after the oldest still-unpaid bill was issued (``Bill.created_at``); steps
older than that were about a debt since paid. A unit that paid up and later fell behind again
therefore starts the ladder afresh (the desk's call, then the first notice), and an old
lawyer's letter does not count for a new debt. The history still shows every step, earlier
ones marked.

The next step of a unit (KF-016 §3): the desk's call (2) until there is one — step 1 is the
bank's and may be missing for a unit that does not pay by auto-debit — then the first notice
(3), the second (4, only when ≥ ``clocks.arrears_second_notice_months`` months in arrears,
§3.4), the third posted on the door (5), the lawyer's letter (6). Steps 1 and 2 may repeat;
the notices and the letter are taken once each per debt, in order.

Evidence: a step's ``note`` holds JSON written by the desk service (what the bank said, who
answered the call, the file printed, the photo of the posting, when the owner was told of the
letter); older records (the demo's) hold plain text, shown as it is.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import NamedTuple

from ..config import Settings
from ..i18n import t
from ..models import Bill, BillLine, Building, Charge, DunningStep, Staff, Unit
from ..models.cash import FEE_ITEMS, RENT_KIND
from ..percent import percent as to_percent
from . import _by_id, _local, arrears_list, unit_arrears

BANK, CALL, FIRST_NOTICE, SECOND_NOTICE, THIRD_NOTICE, LAWYER = 1, 2, 3, 4, 5, 6
STEPS = (BANK, CALL, FIRST_NOTICE, SECOND_NOTICE, THIRD_NOTICE, LAWYER)
NOTICE_STEPS = (FIRST_NOTICE, SECOND_NOTICE, THIRD_NOTICE)

# KF-016 §4.1: collection rate ≥ 98 %. Used only when the settings have no
# ``targets.collection_rate`` (the shipped settings do).
DEFAULT_COLLECTION_TARGET = "0.98"

_ITEM_ORDER = {item: i for i, item in enumerate(FEE_ITEMS)}


class ItemOwed(NamedTuple):
    """One fee item a unit owes: its first and last unpaid month and the amount."""

    item: str
    first_month: str  # "2026-08"
    last_month: str
    months: int
    owed_fen: int


class LadderEntry(NamedTuple):
    id: int
    at: datetime  # office zone
    step: int  # 1..6
    by: str
    amount_fen: int
    months: int
    pay_by: date | None
    evidence: dict  # what the desk service recorded (JSON note); {} for a plain-text note
    note: str  # a plain-text note as written (older records)
    current: bool  # belongs to the unit's current arrears (see the module's Reading)


class UnitLadder(NamedTuple):
    """One unit's arrears and ladder, for the clerk on the phone and the history modal."""

    code: str
    owner: str
    months: int
    owed_fen: int  # fee bills only
    first_month: str
    last_month: str
    items: tuple[ItemOwed, ...]
    history: tuple[LadderEntry, ...]  # oldest first
    highest: int  # the highest step taken for the current arrears, 0 for none
    next_step: int | None
    ready: bool  # the next step may be taken now (the second notice waits for the months)


class DunningRow(NamedTuple):
    """A unit in arrears as the arrears list shows it."""

    code: str
    owner: str
    building_id: int
    months: int
    owed_fen: int
    last_step: int | None  # the latest step of the current arrears
    last_step_at: datetime | None
    highest: int
    next_step: int | None
    ready: bool


class CollectionRate(NamedTuple):
    """KF-016 §4.1: paid ÷ billed for one month's bills, exact."""

    month: str
    billed_fen: int
    paid_fen: int
    percent: Decimal | None  # two decimals, rounded down; None when nothing was billed
    target_percent: Decimal
    meets: bool | None


# --------------------------------------------------------------------------------------------
# the ladder


def second_notice_months(settings: Settings) -> int:
    """KF-016 §3.4: months in arrears before a second notice (the rules engine's setting)."""
    return int(settings.clocks["arrears_second_notice_months"])


def next_step(highest: int, months: int, owed_fen: int, second_months: int
              ) -> tuple[int | None, bool]:
    """(the unit's next step, whether it may be taken now) — KF-016 §3 order."""
    if owed_fen <= 0 or highest >= LAWYER:
        return None, False
    if highest < CALL:
        return CALL, True
    step = highest + 1
    if step == SECOND_NOTICE and months < second_months:
        return step, False  # §3.4: waits until ≥ 2 months in arrears
    return step, True


def arrears_since(unit_ids: Iterable[int]) -> dict[int, datetime]:
    """unit id → when its oldest still-unpaid bill or parking-rent period (KF-001 §9) was
    raised (the start of its current debt)."""
    ids = sorted(set(unit_ids))
    out: dict[int, datetime] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        query = (Bill.select(Bill.unit, Bill.created_at).join(BillLine)
                 .where(Bill.unit.in_(chunk)
                        & (BillLine.amount_fen > BillLine.paid_fen)).distinct().tuples())
        rent = (Charge.select(Charge.unit, Charge.created_at)
                .where(Charge.unit.in_(chunk) & (Charge.kind == RENT_KIND)
                       & (Charge.with_bill_month != "")
                       & (Charge.amount_fen > Charge.paid_fen)).tuples())
        for unit_id, created in [*query, *rent]:
            if unit_id not in out or created < out[unit_id]:
                out[unit_id] = created
    return out


def unit_steps(unit_ids: Iterable[int]) -> dict[int, list[DunningStep]]:
    """unit id → its steps, oldest first."""
    ids = sorted(set(unit_ids))
    out: dict[int, list[DunningStep]] = defaultdict(list)
    for start in range(0, len(ids), 500):
        for step in (DunningStep.select().where(DunningStep.unit.in_(ids[start:start + 500]))
                     .order_by(DunningStep.at, DunningStep.id)):
            out[step.unit_id].append(step)
    return out


def current_steps(steps: list[DunningStep], since: datetime | None) -> list[DunningStep]:
    """The steps that belong to the current debt (module docstring, Reading)."""
    if since is None:
        return []
    return [s for s in steps if s.at >= since]


def parse_note(note: str) -> tuple[dict, str]:
    """(evidence recorded by the desk, plain text of an older note)."""
    if note.startswith("{"):
        try:
            data = json.loads(note)
        except ValueError:
            return {}, note
        if isinstance(data, dict):
            return data, ""
    return {}, note


def items_owed(lines: Iterable) -> tuple[ItemOwed, ...]:  # noqa: ANN001 - views.ArrearsLine
    """Unpaid bill lines grouped by fee item, in the fee items' order."""
    by_item: dict[str, list] = defaultdict(list)
    for line in lines:
        by_item[line.item].append(line)
    out = []
    for item, its in by_item.items():
        months = sorted({a.month for a in its})
        out.append(ItemOwed(item, months[0], months[-1], len(months),
                            sum(a.owed_fen for a in its)))
    out.sort(key=lambda i: (_ITEM_ORDER.get(i.item, 99), i.item))
    return tuple(out)


def unit_ladder(unit_code: str, settings: Settings) -> UnitLadder | None:
    """A unit's fee arrears by item and its whole ladder history; None for an unknown unit."""
    arrears = unit_arrears(unit_code)
    if arrears is None:
        return None
    unit = Unit.get(Unit.code == arrears.code)
    since = arrears_since([unit.id]).get(unit.id)
    steps = unit_steps([unit.id]).get(unit.id, [])
    current = {s.id for s in current_steps(steps, since)}
    staff = _by_id(Staff, (s.by_id for s in steps))
    history = []
    for s in steps:
        evidence, text = parse_note(s.note)
        history.append(LadderEntry(
            id=s.id, at=_local(s.at, settings.zone), step=s.step,
            by=staff[s.by_id].name if s.by_id in staff else "", amount_fen=s.amount_fen,
            months=s.months, pay_by=s.pay_by, evidence=evidence, note=text,
            current=s.id in current))
    owed = sum(a.owed_fen for a in arrears.lines)
    months = sorted({a.month for a in arrears.lines})
    highest = max((e.step for e in history if e.current), default=0)
    step, ready = next_step(highest, len(months), owed, second_notice_months(settings))
    return UnitLadder(
        code=arrears.code, owner=arrears.owner, months=len(months), owed_fen=owed,
        first_month=months[0] if months else "", last_month=months[-1] if months else "",
        items=items_owed(arrears.lines), history=tuple(history), highest=highest,
        next_step=step, ready=ready)


def dunning_rows(settings: Settings, *, min_months: int = 1,
                 building_id: int | None = None) -> list[DunningRow]:
    """Units in arrears (``views.arrears_list`` order: most months, then most owed) with the
    last step of their current debt and the next step due."""
    zone = settings.zone
    listed = arrears_list(zone, min_months=max(min_months, 1))
    units = {u.code: u for u in Unit.select().where(Unit.code.in_([r.code for r in listed]
                                                                   or [""]))}
    if building_id is not None:
        listed = [r for r in listed if units[r.code].building_id == building_id]
    ids = [units[r.code].id for r in listed]
    since = arrears_since(ids)
    steps = unit_steps(ids)
    second = second_notice_months(settings)
    rows = []
    for r in listed:
        unit = units[r.code]
        current = current_steps(steps.get(unit.id, []), since.get(unit.id))
        highest = max((s.step for s in current), default=0)
        last = current[-1] if current else None
        step, ready = next_step(highest, r.months, r.owed_fen, second)
        rows.append(DunningRow(
            code=r.code, owner=r.owner, building_id=unit.building_id, months=r.months,
            owed_fen=r.owed_fen, last_step=last.step if last else None,
            last_step_at=_local(last.at, zone) if last else None, highest=highest,
            next_step=step, ready=ready))
    return rows


def eligible(step: int, settings: Settings) -> list[DunningRow]:
    """The units that may be taken to ``step`` now (the arrears list's order)."""
    return [r for r in dunning_rows(settings) if r.next_step == step and r.ready]


def eligible_by_step(settings: Settings) -> dict[int, list[str]]:
    """Next step → the unit codes ready for it (2 the desk's call … 6 the lawyer's letter)."""
    out: dict[int, list[str]] = {s: [] for s in STEPS[1:]}
    for r in dunning_rows(settings):
        if r.next_step is not None and r.ready:
            out[r.next_step].append(r.code)
    return out


def buildings() -> list[tuple[int, str]]:
    """(building id, name) in number order, for the building filter."""
    rows = Building.select(Building.id, Building.name, Building.number)
    return [(b.id, b.name) for b in sorted(rows, key=lambda b: (len(b.number), b.number))]


# --------------------------------------------------------------------------------------------
# evidence, in the clerk's language


def evidence_text(entry: LadderEntry, lang: str | None = None) -> str:
    """What proves the step, as a line for the history (plain notes as written)."""
    ev = entry.evidence
    if not ev:
        return entry.note
    kind = ev.get("kind")
    parts: list[str] = []
    if kind == "bank":
        parts.append(t("dunning.ev.bank", lang=lang, period=ev.get("period", ""),
                       reason=ev.get("reason") or "—", file=ev.get("file", ""),
                       row=ev.get("row", "")))
    elif kind == "call":
        outcome = ev.get("outcome", "")
        parts.append(t(f"dunning.outcome.{outcome}", lang=lang))
        if ev.get("answered_by"):
            parts.append(t("dunning.ev.answered_by", lang=lang, name=ev["answered_by"]))
        if ev.get("promised_on"):
            parts.append(t("dunning.ev.promised_on", lang=lang, day=ev["promised_on"]))
    elif kind == "notice":
        if ev.get("way"):
            # KF-016 §3.3–3.5: who said it reached the household, how and when.
            parts.append(t(f"dunning.ev.way.{ev['way']}", lang=lang,
                           who=ev.get("delivered_by", ""), day=ev.get("delivered_on", "")))
            if ev.get("recorded_by"):
                parts.append(t("dunning.ev.recorded_by", lang=lang, name=ev["recorded_by"]))
        elif entry.step in NOTICE_STEPS:
            parts.append(t("dunning.ev.no_delivery", lang=lang))  # older record: printed only
        if ev.get("printed"):
            parts.append(t("dunning.ev.printed", lang=lang, where=ev["printed"]))
        if entry.step == THIRD_NOTICE:
            parts.append(t("dunning.ev.photo", lang=lang, ref=ev["photo"]) if ev.get("photo")
                         else t("dunning.ev.no_photo", lang=lang))
    elif kind == "lawyer":
        if ev.get("large_debtor"):
            parts.append(t("dunning.ev.large_debtor", lang=lang))  # RULES v2 item 11
        parts.append(t("dunning.ev.told", lang=lang, day=ev.get("told_on") or "—"))
        parts.append(t("dunning.ev.company", lang=lang))
    if ev.get("text"):
        parts.append(ev["text"])
    return t("dunning.ev.sep", lang=lang).join(p for p in parts if p)


def step_name(step: int, lang: str | None = None) -> str:
    return t(f"dunning.step{step}", lang=lang)


# --------------------------------------------------------------------------------------------
# KF-016 §4.1 the collection rate


def collection_target(settings: Settings) -> Fraction:
    """The target as an exact fraction: the setting's decimal as written (0.98 → 49/50).

    TOML reads ``0.98`` as a float; ``str`` of a float is its shortest decimal, so the
    fraction is exactly the number the office wrote, and no float arithmetic follows.
    """
    value = settings.data.get("targets", {}).get("collection_rate", DEFAULT_COLLECTION_TARGET)
    return Fraction(str(value))


def rate(paid_fen: int, billed_fen: int, target: Fraction) -> tuple[Decimal | None, bool | None]:
    """(percent to two decimals, half up as every percentage (``kfdesk.percent``, issue 17);
    whether it meets ``target``) — exact in fen.

    Whether it meets is decided on whole fen, never on the rounding: 97.995 % shows as
    98.00 % and is still short of a 98 % target (the screen says by less than 0.01 points).
    """
    if billed_fen <= 0:
        return None, None
    percent = to_percent(paid_fen, billed_fen)
    assert percent is not None
    # paid / billed ≥ n / d  ⇔  paid × d ≥ n × billed: integers only.
    meets = paid_fen * target.denominator >= target.numerator * billed_fen
    return percent, meets


def percent_of(target: Fraction) -> Decimal:
    shown = to_percent(target)
    assert shown is not None
    return shown


def collection_rate(month: str, settings: Settings) -> CollectionRate:
    """Paid ÷ billed over the fee bills of ``month`` ("2026-09"), as paid so far."""
    row = (BillLine.select(BillLine.amount_fen, BillLine.paid_fen).join(Bill)
           .where(Bill.month == month).tuples())
    billed = paid = 0
    for amount, paid_line in row:
        billed += amount
        # A line is never counted as more than paid in full (an over-payment is credit).
        paid += min(paid_line, amount)
    target = collection_target(settings)
    percent, meets = rate(paid, billed, target)
    return CollectionRate(month, billed, paid, percent, percent_of(target), meets)


def billed_months() -> list[str]:
    """The months that have fee bills, oldest first."""
    return [m for (m,) in Bill.select(Bill.month).distinct().order_by(Bill.month).tuples()]


def default_rate_month(today: date) -> str | None:
    """The latest billed month not after ``today``'s (this month's bills may not be run yet)."""
    this = f"{today.year:04d}-{today.month:02d}"
    months = [m for m in billed_months() if m <= this]
    return months[-1] if months else None
