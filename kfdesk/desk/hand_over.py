"""The cashier's hand-over (日结/交款) to finance: count, confirm (KF-015 §4.6, RULES v2 §4).

KF-015 §4.6 / KF-006 §6: at the end of each day the cashier hands the day's takings to finance;
cash must equal receipts (现金与票据相符), and finance's cashier (出纳) confirms it in the
software (由出纳在收费软件中确认, RULES v2). The flow here:

1. Every cash movement of a cashier — a receipt, a refund receipt, a void's reversal, a parking
   settlement (KF-015 §6.1.2) — is in exactly one hand-over (RULES v2 §4). Until counted it is
   open (``Receipt.hand_over`` etc. are NULL).
2. ``submit_hand_over``: the cashier counts the cash by denomination, to the fen. The first
   count of a day takes every open movement of the cashier made before that day's end into the
   new hand-over; from then on its movements are fixed: a payment, refund or settlement after
   the count is open again and goes into the cashier's *next* hand-over. Counting again before
   finance confirmed replaces the count (the audit trail keeps the old one), not the movements.
   A difference needs a reason; an office may allow writing off the odd fen (抹零) up to
   ``hand_over.rounding_max_fen``, with its own reason.
3. A void gives the money back in the hand-over of its receipt while that one is not confirmed
   (``hand_over_for_void``): the counted figures then no longer match, the count is *stale*, and
   finance's confirmation is refused until the cashier counts again. A receipt of a confirmed
   hand-over cannot be voided; the correction is a refund, a new movement.
4. ``confirm_hand_over``: finance (``finance``; the manager too when
   ``hand_over.manager_confirms``) — never the cashier themself — confirms; the hand-over is
   then closed for good. The difference is always computed from the current figures.

Two times: ``HandOver.closed_at`` is when the cashier handed over (the latest count) —
``rules.sync.sync_hand_over`` stops the "daily hand-over" clock (RULES §8) there;
``confirmed_at``/``confirmed_by`` are finance's sign-off.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

from ..clock import Clock
from ..config import Settings
from ..i18n import t
from ..models import HandOver, ParkingSettlement, Receipt, ReceiptVoid, Staff
from ..money import amount_in_words, fmt
from ..printing import deliver, document_language, office_header, safe_name
from ..rules.context import RuleContext
from ..rules.sync import sync_hand_over
from ..views import day_bounds, office_day
from ..views.cashier import CashFigures, HandOverLine, cash_figures, hand_over_line, hand_overs
from .base import DeskError, audit, require_role, transaction

# CNY in fen, largest first: notes of 100, 50, 20, 10, 5, 1 元; 5, 2, 1 角; 5, 2, 1 分
# (RULES v2 §4: receipts and change are to the fen, so is the count). The 1 元, 5 角, 1 角 and
# fen values are each a note or a coin — counted together, as the value is what matters.
DENOMINATIONS: tuple[int, ...] = (10000, 5000, 2000, 1000, 500, 100, 50, 20, 10, 5, 2, 1)

# Who counts a day's cash: whoever may issue receipts (receipts.CASHIER_ROLES; repeated here
# because receipts.py imports this module for its guards).
SUBMIT_ROLES = ("cashier", "supervisor", "manager")
# RULES v2 §4 / KF-015 §4.6: finance's cashier (出纳) confirms; the supervisor no longer does.
FINANCE_ROLES = ("finance",)
# Who may read the hand-overs and print a slip: the counters and finance.
READ_ROLES = (*SUBMIT_ROLES, *FINANCE_ROLES)

# A sanity ceiling, not a business rule: far more pieces than any counter drawer holds, and it
# keeps a mistyped count from producing an absurd total.
MAX_PIECES = 1_000_000
REASON_MAX = 128  # HandOver.reason is a CharField(max_length=128)


def confirm_roles(settings: Settings) -> tuple[str, ...]:
    """Finance confirms; the manager covers only where the office's settings say so."""
    if bool(settings.get("hand_over.manager_confirms")):
        return (*FINANCE_ROLES, "manager")
    return FINANCE_ROLES


def rounding_max(settings: Settings) -> int:
    """The most (fen) a count may write off as 抹零; 0: the office does not allow it."""
    return max(int(settings.get("hand_over.rounding_max_fen")), 0)


class HandOverFigures(NamedTuple):
    """What a cashier's hand-over holds (KF-015 §4.6)."""

    cash_fen: int  # cash expected in the drawer (refunds and voids negative), parking included
    noncash_fen: dict[str, int]  # method → fen, PAYMENT_METHODS order, non-zero only
    receipts: int  # receipts issued, voided ones included (a void keeps its number)
    voids: int
    first_number: str  # "2026-000123", "" when no receipt
    last_number: str
    parking_fen: int = 0  # of cash_fen: temporary parking settlements taken (KF-015 §6.1.2)


def _figures(f: CashFigures) -> HandOverFigures:
    return HandOverFigures(cash_fen=f.cash_fen, noncash_fen=f.noncash_fen, receipts=f.receipts,
                           voids=f.voids, first_number=f.first_number,
                           last_number=f.last_number, parking_fen=f.parking_fen)


def count_cash(counts: dict[int, int]) -> int:
    """The cash counted, in fen: Σ pieces × value, exact (integers only).

    Refuses an unknown denomination, a count that is not a whole number, or a negative count.
    """
    if not isinstance(counts, dict):
        raise DeskError("hand_over.bad_counts", field="counts")
    total = 0
    for value, pieces in counts.items():
        # bool is an int to Python but never a denomination nor a count.
        if isinstance(value, bool) or not isinstance(value, int) or value not in DENOMINATIONS:
            raise DeskError("hand_over.unknown_denomination", field="counts", value=value)
        if isinstance(pieces, bool) or not isinstance(pieces, int):
            raise DeskError("hand_over.count_not_whole", field="counts", value=value)
        if pieces < 0:
            raise DeskError("hand_over.count_negative", field="counts", value=value)
        if pieces > MAX_PIECES:
            raise DeskError("hand_over.count_too_large", field="counts", value=value)
        total += value * pieces
    return total


def expected(cashier: Staff, day: date, settings: Settings) -> HandOverFigures:
    """What ``cashier``'s hand-over of ``day`` holds: its own movements once counted, else the
    open movements a count would take now (everything not yet handed over before the day's
    end)."""
    row = HandOver.get_or_none((HandOver.cashier == cashier) & (HandOver.day == day))
    if row is not None:
        return _figures(cash_figures(hand_over_id=row.id))
    return _figures(cash_figures(cashier_id=cashier.id,
                                 until=day_bounds(day, settings.zone)[1]))


def pending(cashier: Staff | int, settings: Settings) -> HandOverFigures:
    """``cashier``'s movements in no hand-over yet: what goes into their next count."""
    cashier_id = cashier if isinstance(cashier, int) else cashier.id
    return _figures(cash_figures(cashier_id=cashier_id))


def is_counted(cashier: Staff | int, day: date) -> bool:
    """True once ``cashier`` has counted ``day``: later movements go to the next hand-over."""
    return HandOver.select().where((HandOver.cashier == cashier) & (HandOver.day == day)).exists()


def hand_over_for_void(receipt: Receipt, settings: Settings) -> int | None:
    """The hand-over a void of ``receipt`` gives the money back in: its receipt's (the count,
    if made, goes stale and is made again), or None while the receipt is open. Refused once
    finance confirmed the receipt's hand-over: the correction is then a refund (KF-015 §4.6)."""
    if receipt.hand_over_id is None:
        return None
    row = HandOver.get_by_id(receipt.hand_over_id)
    if row.confirmed_at is not None:
        raise DeskError("hand_over.day_closed", day=row.day.isoformat())
    return row.id


def ensure_receipt_changeable(receipt: Receipt, settings: Settings) -> None:
    """For a void of ``receipt``: refused once its hand-over is confirmed."""
    hand_over_for_void(receipt, settings)


def _check_day(day: object, clock: Clock, settings: Settings) -> date:
    if not isinstance(day, date):
        raise DeskError("hand_over.bad_day", field="day")
    # A future day has no takings yet.
    if day > office_day(clock.now(), settings.zone):
        raise DeskError("hand_over.future_day", field="day", day=day.isoformat())
    return day


def _check_text(reason: object, needed: bool, field: str, key: str) -> str:
    if not isinstance(reason, str):
        raise DeskError(key, field=field)
    text = reason.strip()
    if needed and not text:
        raise DeskError(key, field=field)
    if len(text) > REASON_MAX:
        raise DeskError("hand_over.reason_too_long", field=field, max=REASON_MAX)
    return text


def _check_rounding(fen: object, settings: Settings) -> int:
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise DeskError("hand_over.rounding_bad", field="rounding")
    if fen == 0:
        return 0
    most = rounding_max(settings)
    if most == 0:
        raise DeskError("hand_over.rounding_not_allowed", field="rounding")
    if fen < 0 or fen > most:
        raise DeskError("hand_over.rounding_too_large", field="rounding", max=fmt(most))
    return fen


def _denominations_json(counts: dict[int, int]) -> str:
    return json.dumps({str(v): counts[v] for v in DENOMINATIONS if counts.get(v)})


def _take_open(row: HandOver, cashier: Staff, until: Any) -> None:
    """Every open movement of ``cashier`` before ``until`` into ``row`` (RULES v2 §4)."""
    Receipt.update(hand_over=row.id).where(
        Receipt.hand_over.is_null() & (Receipt.cashier == cashier.id)
        & (Receipt.issued_at < until)).execute()
    mine = Receipt.select(Receipt.id).where(Receipt.cashier == cashier.id)
    ReceiptVoid.update(hand_over=row.id).where(
        ReceiptVoid.hand_over.is_null() & ReceiptVoid.receipt.in_(mine)
        & (ReceiptVoid.at < until)).execute()
    ParkingSettlement.update(hand_over=row.id).where(
        ParkingSettlement.hand_over.is_null() & (ParkingSettlement.cashier == cashier.id)
        & (ParkingSettlement.settled_at < until)).execute()


def submit_hand_over(
    day: date,
    counts_by_denomination: dict[int, int],
    reason: str,
    actor: Staff,
    clock: Clock,
    settings: Settings,
    *,
    rounding_fen: int = 0,
    rounding_reason: str = "",
) -> HandOver:
    """The cashier's count of ``day``'s cash: counted vs expected and the difference.

    The first count takes the cashier's open movements up to the day's end; a second one
    before confirmation replaces the count against the same movements (the audit event keeps
    the previous figures); after confirmation it is refused — later takings go into the next
    hand-over.
    """
    require_role(actor, SUBMIT_ROLES, "hand_over.submit")
    day = _check_day(day, clock, settings)
    counted = count_cash(counts_by_denomination)
    rounding = _check_rounding(rounding_fen, settings)
    rounding_text = _check_text(rounding_reason, rounding != 0, "rounding_reason",
                                "hand_over.rounding_reason_required")
    now = clock.now()
    with transaction(immediate=True):
        # Read under the write lock: no receipt can slip in between the reading and the record
        # (BEGIN IMMEDIATE, as for receipt numbers).
        row = HandOver.get_or_none((HandOver.cashier == actor) & (HandOver.day == day))
        if row is not None and row.confirmed_at is not None:
            raise DeskError("hand_over.already_confirmed", day=row.day.isoformat())
        if row is None and HandOver.select().where(
                (HandOver.cashier == actor) & (HandOver.day > day)).exists():
            # A later day's count took everything before it: this day has nothing left.
            raise DeskError("hand_over.later_counted", field="day", day=day.isoformat())
        figures = expected(actor, day, settings)
        # RULES v2 §4: 抹零 is money not taken, so it explains that much of a shortage.
        difference = counted + rounding - figures.cash_fen
        text = _check_text(reason, difference != 0, "reason", "hand_over.reason_required")
        values: dict[str, Any] = dict(
            denominations=_denominations_json(counts_by_denomination),
            cash_counted_fen=counted,
            cash_expected_fen=figures.cash_fen,
            noncash_fen=json.dumps(figures.noncash_fen),
            difference_fen=difference,
            reason=text,
            rounding_fen=rounding,
            rounding_reason=rounding_text,
            closed_at=now,  # the cashier's hand-over time; stops the clock (docstring)
        )
        detail: dict[str, Any] = dict(
            day=day.isoformat(), counted_fen=counted, expected_fen=figures.cash_fen,
            difference_fen=difference, noncash_fen=figures.noncash_fen, reason=text,
            parking_fen=figures.parking_fen, rounding_fen=rounding,
            rounding_reason=rounding_text, receipts=figures.receipts,
            first=figures.first_number, last=figures.last_number,
        )
        if row is None:
            row = HandOver.create(cashier=actor, day=day, **values)
            _take_open(row, actor, day_bounds(day, settings.zone)[1])
            audit(actor, clock, "hand_over.submit", row, **detail)
        else:
            previous = dict(counted_fen=row.cash_counted_fen,
                            expected_fen=row.cash_expected_fen,
                            difference_fen=row.difference_fen, reason=row.reason,
                            rounding_fen=row.rounding_fen,
                            denominations=row.denominations)
            HandOver.update(**values).where(HandOver.id == row.id).execute()
            row = HandOver.get_by_id(row.id)
            audit(actor, clock, "hand_over.resubmit", row, previous=previous, **detail)
        # The hand-over record stops the cashier's clock at ``closed_at`` (RULES §8).
        sync_hand_over(actor, day, RuleContext.from_store(settings))
    return row


def confirm_hand_over(
    hand_over_id: int,
    actor: Staff,
    clock: Clock,
    settings: Settings,
) -> HandOver:
    """Finance's confirmation (RULES v2 §4): the hand-over is closed for good.

    Refused for one's own count, and while the count is stale (its figures changed after it
    was made — a void): the cashier counts again first.
    """
    require_role(actor, confirm_roles(settings), "hand_over.confirm")
    now = clock.now()
    with transaction(immediate=True):
        row = HandOver.get_or_none(HandOver.id == hand_over_id)
        if row is None:
            raise DeskError("hand_over.unknown", id=hand_over_id)
        if row.confirmed_at is not None:
            raise DeskError("hand_over.already_confirmed", day=row.day.isoformat())
        # KF-006 §6: a hand-over is two people's signatures; nobody confirms their own count.
        if row.cashier_id == actor.id:
            raise DeskError("hand_over.own_count")
        cashier = Staff.get_by_id(row.cashier_id)
        line = hand_over_line(row, settings.zone)
        if line.stale:
            raise DeskError("hand_over.receipts_changed", day=row.day.isoformat())
        HandOver.update(confirmed_by=actor, confirmed_at=now).where(
            HandOver.id == row.id).execute()
        row = HandOver.get_by_id(row.id)
        audit(actor, clock, "hand_over.confirm", row, cashier=cashier.login,
              day=row.day.isoformat(), difference_fen=line.difference_fen,
              expected_fen=line.cash_expected_fen, counted_fen=line.counted_fen,
              receipts=line.receipts, first=line.first_number, last=line.last_number)
        sync_hand_over(cashier, row.day, RuleContext.from_store(settings))
    return row


# ---- the printed hand-over slip (交款单) --------------------------------------------------------


def hand_over_slip(line: HandOverLine, day: date, settings: Settings,
                   lang: str | None = None) -> str:
    """The slip that goes to finance with the cash: receipts and their number range, the cash
    counted by denomination (figures and capitals), expected now, non-cash by method, the
    difference from the current figures and its reason, and both signatures (KF-015 §4.6,
    KF-006 §6). A count made against other figures says so in its heading (RULES v2 §4)."""
    width = 48
    lang = lang or document_language(settings)  # issue 17: the office's document language
    out = [*office_header(settings, width, lang),
           t("hand_over.slip.title", lang=lang).center(width).rstrip()]
    if line.stale:
        out.append(t("hand_over.slip.stale", lang=lang).center(width).rstrip())
    if line.id is None:
        out.append(t(f"hand_over.slip.{'next' if line.status == 'next' else 'open'}",
                     lang=lang).center(width).rstrip())
    out += ["-" * width,
            t("hand_over.slip.head", lang=lang, day=day.isoformat(), cashier=line.cashier)]
    if line.receipts:
        out.append(t("hand_over.slip.receipts", lang=lang, n=line.receipts, voids=line.voids,
                     first=line.first_number, last=line.last_number))
    else:
        out.append(t("hand_over.slip.no_receipts", lang=lang))
    out.append("-" * width)
    if line.counted_fen is None:
        out.append(t("hand_over.slip.not_counted", lang=lang))
    else:
        out.append(t("hand_over.slip.denominations", lang=lang))
        for value, pieces in line.denominations:
            out.append(t("hand_over.slip.piece", lang=lang, value=fmt(value), pieces=pieces,
                         amount=fmt(value * pieces)))
        out.append(t("hand_over.slip.counted", lang=lang, amount=fmt(line.counted_fen),
                     words=amount_in_words(line.counted_fen)))
    out.append(t("hand_over.slip.expected", lang=lang, amount=fmt(line.cash_expected_fen)))
    if line.parking_fen:
        out.append(t("hand_over.slip.parking", lang=lang, amount=fmt(line.parking_fen)))
    if line.stale and line.counted_expected_fen is not None:
        out.append(t("hand_over.slip.expected_at_count", lang=lang,
                     amount=fmt(line.counted_expected_fen)))
    for method, fen in line.noncash:
        out.append(t("hand_over.slip.noncash", lang=lang, method=t(f"method.{method}", lang=lang),
                     amount=fmt(fen)))
    if line.rounding_fen:
        out.append(t("hand_over.slip.rounding", lang=lang, amount=fmt(line.rounding_fen),
                     reason=line.rounding_reason))
    if line.difference_fen is not None:
        out.append(t("hand_over.slip.difference", lang=lang, amount=fmt(line.difference_fen)))
        if line.reason:
            out.append(t("hand_over.slip.reason", lang=lang, reason=line.reason))
    out.append("-" * width)
    if line.closed_at is not None:
        out.append(t("hand_over.slip.handed", lang=lang, cashier=line.cashier,
                     at=line.closed_at.strftime("%Y-%m-%d %H:%M")))
    if line.confirmed_at is not None:
        out.append(t("hand_over.slip.confirmed", lang=lang, name=line.confirmed_by,
                     role=t(f"role.{line.confirmed_role}", lang=lang),
                     at=line.confirmed_at.strftime("%Y-%m-%d %H:%M")))
    elif line.id is not None:
        out.append(t("hand_over.slip.unconfirmed", lang=lang))
    return "\n".join(out) + "\n"


def print_hand_over(day: date, cashier_id: int, folder: Path, actor: Staff, clock: Clock,
                    settings: Settings, lang: str | None = None, *,
                    hand_over_id: int | None = None, pending: bool = False) -> str:
    """Print a slip of ``day``: hand-over ``hand_over_id``; with ``pending`` the cashier's
    money not yet counted; else ``cashier_id``'s count of the day, or (none) the money not yet
    counted. Audited. Returns where it went."""
    require_role(actor, READ_ROLES, "hand_over.print")
    lines = [h for h in hand_overs(day, settings.zone) if h.cashier_id == cashier_id]
    if hand_over_id is not None:
        line = next((h for h in lines if h.id == hand_over_id), None)
    elif pending:
        line = next((h for h in lines if h.id is None), None)
    else:
        line = next((h for h in lines if h.id is not None), lines[0] if lines else None)
    if line is None:
        raise DeskError("hand_over.nothing_to_print", day=day.isoformat())
    text = hand_over_slip(line, day, settings, document_language(settings))
    suffix = "" if line.id is not None else "-open"
    with transaction():
        where = deliver(text, f"hand-over-{day.isoformat()}-{safe_name(line.cashier)}{suffix}.txt",
                        folder, settings)
        audit(actor, clock, "hand_over.print", None, day=day.isoformat(),
              cashier=line.cashier, where=where, stale=line.stale,
              difference_fen=line.difference_fen)
    return where
