"""The cashier's daily hand-over (日结/交款): count, confirm, close the day (KF-015 §4.6).

KF-015 §4.6 / KF-006 §6: at the end of each day the cashier hands the day's takings to finance;
cash must equal receipts (现金与票据相符). The flow here:

1. ``expected`` reads the cashier's receipts of the day (office-zone calendar day, the same
   reading as ``views.cashier_day``): cash expected and non-cash totals by method, voided
   receipts excluded (a void keeps its number but takes no money), refund receipts negative.
2. ``submit_hand_over``: the cashier counts the cash by denomination; the difference
   counted − expected is exact to the fen (integer fen, never float); a non-zero difference
   needs a reason. One record per cashier and day: counting again before confirmation
   replaces the count (and the audit trail keeps the old one).
3. ``confirm_hand_over``: a supervisor or manager — never the cashier themself (four eyes) —
   confirms (the second signature); from then on the day is closed.
4. ``ensure_day_open``: after the close that day's receipts cannot change; the receipt
   writers call it, and corrections are voids/refunds on a later day.

Two times, as the schema and the existing readers have them: ``HandOver.closed_at`` is when
the cashier handed over (the latest count) — ``rules.sync.sync_hand_over`` stops the "daily
hand-over" clock (RULES §8, owned by the cashier, due at end of shift) there, and the
supervisor's day view shows such a row as "closed"; ``confirmed_at``/``confirmed_by`` are the
supervisor's sign-off, after which the receipts are locked ("confirmed"). A supervisor who
confirms late does not make the cashier's hand-over late.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

from ..clock import Clock
from ..config import Settings
from ..i18n import t
from ..models import HandOver, Receipt, Staff
from ..models.cash import PAYMENT_METHODS
from ..money import amount_in_words, fmt
from ..printing import deliver, document_language, office_header, safe_name
from ..rules.context import RuleContext
from ..rules.sync import sync_hand_over
from ..views import cashier_day, office_day
from ..views.cashier import HandOverLine, hand_overs
from ..views.parking import cash_settled
from .base import DeskError, audit, require_role, transaction

# CNY notes and coins in fen, largest first: 100, 50, 20, 10, 5, 1 元; 5 角, 1 角. The 1 元,
# 5 角 and 1 角 values are each a note or a coin — counted together, as the value is what
# matters for the hand-over. Fen coins (1/2/5 分) are no longer taken at the counter.
DENOMINATIONS: tuple[int, ...] = (10000, 5000, 2000, 1000, 500, 100, 50, 10)

# Who counts a day's cash: whoever may issue receipts (receipts.CASHIER_ROLES; repeated here
# because receipts.py imports this module for its day-closed guard).
SUBMIT_ROLES = ("cashier", "supervisor", "manager")
# KF-006 §6: the hand-over is signed off by the supervisor (manager covers).
CONFIRM_ROLES = ("supervisor", "manager")

# A sanity ceiling, not a business rule: far more pieces than any counter drawer holds, and it
# keeps a mistyped count from producing an absurd total.
MAX_PIECES = 1_000_000
REASON_MAX = 128  # HandOver.reason is a CharField(max_length=128)


class HandOverFigures(NamedTuple):
    """What the receipts say a cashier took on one day (KF-015 §4.6)."""

    cash_fen: int  # cash expected in the drawer (refunds in cash are negative), parking included
    noncash_fen: dict[str, int]  # method → fen, PAYMENT_METHODS order, non-zero only
    receipts: int  # receipts issued, voided ones included (a void keeps its number)
    voids: int
    first_number: str  # "2026-000123", "" when no receipt
    last_number: str
    parking_fen: int = 0  # of cash_fen: temporary parking settlements taken (KF-015 §6.1.2)


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
    """Cash expected and non-cash totals by method from ``cashier``'s receipts of ``day``."""
    # The same reading as the cashier's day screen, so the hand-over and the list agree.
    view = cashier_day(day, settings.zone, cashier_id=cashier.id)
    totals = dict(view.totals)
    noncash = {m: totals[m] for m in PAYMENT_METHODS if m != "cash" and totals.get(m)}
    # A method outside PAYMENT_METHODS should not exist, but money must never vanish silently.
    noncash.update({m: fen for m, fen in totals.items()
                    if m not in PAYMENT_METHODS and m != "cash" and fen})
    numbers = [r.number for r in view.receipts]
    # The attendants' parking cash is in the same drawer: it has no receipt of its own (the
    # fixed-value invoices were the receipts), so it comes from the day's settlements.
    parking = cash_settled(cashier.id, day, settings.zone)
    return HandOverFigures(
        cash_fen=totals.get("cash", 0) + parking,
        parking_fen=parking,
        noncash_fen=noncash,
        receipts=len(numbers),
        voids=view.voids,
        first_number=numbers[0] if numbers else "",
        last_number=numbers[-1] if numbers else "",
    )


def is_day_closed(cashier: Staff | int, day: date) -> bool:
    """True once the supervisor confirmed ``cashier``'s hand-over for ``day``."""
    row = HandOver.get_or_none((HandOver.cashier == cashier) & (HandOver.day == day))
    return row is not None and row.confirmed_at is not None


def ensure_day_open(cashier: Staff | int, day: date) -> None:
    """Refuse a change to ``cashier``'s receipts of ``day`` once that day is closed.

    KF-015 §4.6: after close the day's receipts cannot change; a correction is a void or
    refund dated a later day. Receipt writers call this inside their transaction.
    """
    if is_day_closed(cashier, day):
        raise DeskError("hand_over.day_closed", day=day.isoformat())


def ensure_receipt_changeable(receipt: Receipt, settings: Settings) -> None:
    """For a void or refund of ``receipt``: refused if the receipt's day is closed."""
    ensure_day_open(receipt.cashier_id, office_day(receipt.issued_at, settings.zone))


def _check_day(day: object, clock: Clock, settings: Settings) -> date:
    if not isinstance(day, date):
        raise DeskError("hand_over.bad_day", field="day")
    # A future day has no takings yet; closing it would block that day's receipts.
    if day > office_day(clock.now(), settings.zone):
        raise DeskError("hand_over.future_day", field="day", day=day.isoformat())
    return day


def _check_reason(reason: object, difference: int) -> str:
    if not isinstance(reason, str):
        raise DeskError("hand_over.reason_required", field="reason")
    text = reason.strip()
    # KF-015 §4.6: cash must equal receipts; a shortage or surplus is explained, not hidden.
    if difference != 0 and not text:
        raise DeskError("hand_over.reason_required", field="reason")
    if len(text) > REASON_MAX:
        raise DeskError("hand_over.reason_too_long", field="reason", max=REASON_MAX)
    return text


def _denominations_json(counts: dict[int, int]) -> str:
    return json.dumps({str(v): counts[v] for v in DENOMINATIONS if counts.get(v)})


def submit_hand_over(
    day: date,
    counts_by_denomination: dict[int, int],
    reason: str,
    actor: Staff,
    clock: Clock,
    settings: Settings,
) -> HandOver:
    """The cashier's count of ``day``'s cash: store counted vs expected and the difference.

    A second submission before confirmation replaces the count (the audit event keeps the
    previous figures); after confirmation it is refused.
    """
    require_role(actor, SUBMIT_ROLES, "hand_over.submit")
    day = _check_day(day, clock, settings)
    counted = count_cash(counts_by_denomination)
    now = clock.now()
    with transaction(immediate=True):
        # Read the receipts under the write lock: no receipt can slip in between the reading
        # and the record (BEGIN IMMEDIATE, as for receipt numbers).
        figures = expected(actor, day, settings)
        difference = counted - figures.cash_fen
        text = _check_reason(reason, difference)
        values: dict[str, Any] = dict(
            denominations=_denominations_json(counts_by_denomination),
            cash_counted_fen=counted,
            cash_expected_fen=figures.cash_fen,
            noncash_fen=json.dumps(figures.noncash_fen),
            difference_fen=difference,
            reason=text,
            closed_at=now,  # the cashier's hand-over time; stops the clock (docstring)
        )
        row = HandOver.get_or_none((HandOver.cashier == actor) & (HandOver.day == day))
        detail: dict[str, Any] = dict(
            day=day.isoformat(), counted_fen=counted, expected_fen=figures.cash_fen,
            difference_fen=difference, noncash_fen=figures.noncash_fen, reason=text,
            receipts=figures.receipts, first=figures.first_number, last=figures.last_number,
        )
        if row is None:
            row = HandOver.create(cashier=actor, day=day, **values)
            audit(actor, clock, "hand_over.submit", row, **detail)
        else:
            if row.confirmed_at is not None:
                raise DeskError("hand_over.already_confirmed", day=day.isoformat())
            previous = dict(counted_fen=row.cash_counted_fen,
                            expected_fen=row.cash_expected_fen,
                            difference_fen=row.difference_fen, reason=row.reason,
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
    """Supervisor's confirmation: closes the cashier's day; its receipts are locked from now.

    The hand-over clock was stopped by the cashier's count (``closed_at``); it is synced again
    here so the stored clock matches the confirmed record.
    """
    require_role(actor, CONFIRM_ROLES, "hand_over.confirm")
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
        # A receipt issued (or voided) after the count would make the stored figures wrong:
        # the cashier counts again rather than the supervisor signing stale numbers.
        figures = expected(cashier, row.day, settings)
        if (figures.cash_fen != row.cash_expected_fen
                or figures.noncash_fen != json.loads(row.noncash_fen)):
            raise DeskError("hand_over.receipts_changed", day=row.day.isoformat())
        HandOver.update(confirmed_by=actor, confirmed_at=now).where(
            HandOver.id == row.id).execute()
        row = HandOver.get_by_id(row.id)
        audit(actor, clock, "hand_over.confirm", row, cashier=cashier.login,
              day=row.day.isoformat(), difference_fen=row.difference_fen,
              receipts=figures.receipts, first=figures.first_number, last=figures.last_number)
        sync_hand_over(cashier, row.day, RuleContext.from_store(settings))
    return row


# ---- the printed hand-over slip (交款单) --------------------------------------------------------


def hand_over_slip(line: HandOverLine, day: date, settings: Settings,
                   lang: str | None = None) -> str:
    """The slip that goes to finance with the cash: receipts and their number range, the cash
    counted by denomination (figures and capitals), expected, non-cash by method, the
    difference and its reason, and both signatures (KF-015 §4.6, KF-006 §6)."""
    width = 48
    lang = lang or document_language(settings)  # issue 17: the office's document language
    out = [*office_header(settings, width, lang),
           t("hand_over.slip.title", lang=lang).center(width).rstrip(), "-" * width,
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
    for method, fen in line.noncash:
        out.append(t("hand_over.slip.noncash", lang=lang, method=t(f"method.{method}", lang=lang),
                     amount=fmt(fen)))
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
                     at=line.confirmed_at.strftime("%Y-%m-%d %H:%M")))
    else:
        out.append(t("hand_over.slip.unconfirmed", lang=lang))
    return "\n".join(out) + "\n"


def print_hand_over(day: date, cashier_id: int, folder: Path, actor: Staff, clock: Clock,
                    settings: Settings, lang: str | None = None) -> str:
    """Print ``cashier_id``'s slip of ``day``; audited. Returns where it went."""
    require_role(actor, SUBMIT_ROLES, "hand_over.print")
    line = next((h for h in hand_overs(day, settings.zone) if h.cashier_id == cashier_id), None)
    if line is None:
        raise DeskError("hand_over.nothing_to_print", day=day.isoformat())
    text = hand_over_slip(line, day, settings, document_language(settings))
    with transaction():
        where = deliver(text, f"hand-over-{day.isoformat()}-{safe_name(line.cashier)}.txt",
                        folder, settings)
        audit(actor, clock, "hand_over.print", None, day=day.isoformat(),
              cashier=line.cashier, where=where)
    return where
