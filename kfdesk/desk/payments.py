"""Taking payment at the cashier, one-off charges, deposit refunds, voids and receipt prints
(KF-015 §4.5, §5, §7; KF-018; KF-006 §6).

- ``take_payment``: the cashier finds the unit, takes all or part of what is owed; the payment
  is allocated oldest month first (or to the items the cashier picked), cash shows tendered and
  change, a transfer or card payment carries its reference. More than is owed is refused
  unless the cashier confirms it; the excess is then kept on the unit's account (预存) as an
  allocation without a target, which ``use_credit`` later applies oldest first.
- The payment, its allocations, the paid amounts on the bill lines and charges, the receipt
  and its gapless number are one ``BEGIN IMMEDIATE`` transaction (``receipts``): what is owed is
  read again under the write lock, so two counters cannot both take the same month.
- Nothing is edited after issue (RULES §4): a void is a ``ReceiptVoid`` beside the receipt,
  with the supervisor's reason, and negative allocations that make the items owed again; a
  refund is a ``Refund`` with its own (negative) receipt in the same series.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import NamedTuple

from ..clock import Clock
from ..config import Settings
from ..i18n import t
from ..models import (
    Allocation,
    BillLine,
    Charge,
    Deadline,
    DunningStep,
    Payment,
    Receipt,
    ReceiptVoid,
    Refund,
    Staff,
    Unit,
)
from ..models.cash import CHARGE_KINDS, PAYMENT_METHODS
from ..money import amount_in_words, fmt, to_fen
from ..printing import (
    centre,
    deliver,
    document_language,
    item_lines,
    office_header,
    safe_name,
    wrap,
)
from ..rules.context import RuleContext
from ..rules.sync import _day_number, sync_hand_over, sync_unit_arrears
from ..views import cashier as cviews
from ..views import office_day, receipt_number
from .base import DeskError, Tr, audit, require_role, transaction
from .hand_over import hand_over_for_void
from .inputs import amount_in, text_in
from .receipts import CASHIER_ROLES, MAX_AMOUNT_FEN, series_code, take_number

# KF-006 §6: a void undoes money already taken; the supervisor signs it (manager covers).
VOID_ROLES = ("supervisor", "manager")
REFERENCE_METHODS = ("card", "transfer")  # the POS slip or bank reference is the evidence
TEXT_MAX = 128  # Refund.reason / ReceiptVoid.reason / Charge.description are 128 wide
REFERENCE_MAX = 64
PAYER_MAX = 64
# Charges the cashier raises at the counter (KF-015 §5, KF-018); "service" and "paid_repair"
# come from F10 and the work orders, "parking_lease" from the lease register.
COUNTER_CHARGE_KINDS = ("renovation_fee", "renovation_deposit", "parking_card_deposit", "other")
DEPOSIT_KINDS = ("renovation_deposit", "parking_card_deposit")
# Issue 17: a payment above the office's ceiling (cashier.max_payment_yuan) is confirmed by a
# second person at the counter, a supervisor (the manager covers), with their login and PIN.
APPROVER_ROLES = ("supervisor", "manager")
# Change is given from the till for notes handed over: change above a ¥100 note (the largest)
# means the tendered figure was mistyped, as 1000000000 for 1000.
MAX_CHANGE_FEN = 10_000


def payment_ceiling_fen(settings: Settings) -> int:
    """The office's ceiling for one payment, in fen (``[cashier] max_payment_yuan``)."""
    return int(settings.get("cashier.max_payment_yuan")) * 100


def needs_approval(amount_fen: int, settings: Settings) -> bool:
    """Whether a payment of ``amount_fen`` needs a supervisor's confirmation (issue 17)."""
    return amount_fen > payment_ceiling_fen(settings)


def _approver(login: object, pin: object, actor: Staff, amount: int, clock: Clock,
              settings: Settings) -> Staff:
    """The supervisor confirming a payment above the ceiling, by login and PIN; each refusal
    names its field, and a wrong PIN is logged as a failed sign-in is (it outlives the
    refused payment's rolled-back transaction)."""
    from .staff import check_credentials

    limit = fmt(payment_ceiling_fen(settings))
    name = text_in(login, "approver").strip()
    secret = text_in(pin, "approver_pin").strip()
    if not name:
        raise DeskError("payment.over_ceiling", field="approver", amount=fmt(amount), limit=limit)
    if not secret:
        raise DeskError("payment.approver_pin_missing", field="approver_pin")
    # The supervisor's PIN under the sign-in rules (issue 19): wrong PINs here count towards
    # the same lock, and an unknown login reads as a wrong PIN.
    try:
        staff = check_credentials(name, secret, clock, settings, actor=actor,
                                  failed_action="payment.approval_failed", amount_fen=amount)
    except DeskError as exc:
        exc.field = "approver" if exc.field == "login" else "approver_pin"
        raise
    if not staff.active or staff.role not in APPROVER_ROLES:
        raise DeskError("payment.approver_role", field="approver", name=staff.name)
    if staff.id == actor.id:
        raise DeskError("payment.approver_self", field="approver")
    return staff


def parse_amount(text: object, field: str = "amount") -> int:
    """The cashier's typed yuan (``1286.4``, ``¥1,286.40``) as integer fen: the one reading of
    every money field (``inputs.amount_in``, issue 17), more than zero."""
    return amount_in(text, field)


def _check_fen(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DeskError("receipt.amount_not_fen", field=field)
    if value <= 0:
        raise DeskError("receipt.amount_positive", field=field)
    if value > MAX_AMOUNT_FEN:
        raise DeskError("receipt.amount_too_large", field=field)
    return value


def _text(value: object, field: str, limit: int, *, required: str = "") -> str:
    text = text_in(value, field).strip()
    if required and not text:
        raise DeskError(required, field=field)
    if len(text) > limit:
        raise DeskError("payment.text_too_long", field=field, max=limit)
    return text


def _unit(code: str, field: str = "unit") -> Unit | None:
    code = text_in(code, field).strip()
    if not code:
        return None
    unit = Unit.get_or_none(Unit.code == code)
    if unit is None:
        raise DeskError("receipt.unknown_unit", field=field, unit=code)
    return unit


# ---- allocation -----------------------------------------------------------------------------


_TARGET = re.compile(r"(charge|line):[0-9]{1,18}")  # OwedItem.key; an id fits a BIGINT


def _targets(targets: object) -> tuple[str, ...] | None:
    """The owed items picked, as ``OwedItem`` keys; anything else is refused, not guessed."""
    if targets is None:
        return None
    if isinstance(targets, str | bytes) or not isinstance(targets, Sequence):
        raise DeskError("input.bad_choice", field="amount")
    for key in targets:
        if not isinstance(key, str) or not _TARGET.fullmatch(key):
            raise DeskError("input.bad_choice", field="amount")
    return tuple(targets)


class Take(NamedTuple):
    """One item a payment pays, as the cashier sees it before and after taking."""

    key: str
    month: str
    item: str
    description: str
    owed_fen: int
    take_fen: int


class Plan(NamedTuple):
    takes: tuple[Take, ...]
    owed_fen: int  # of the items considered
    excess_fen: int  # above what they owe: kept as prepaid (预存) once confirmed


def plan(items: Sequence[cviews.OwedItem], amount_fen: int,
         targets: Sequence[str] | None = None) -> Plan:
    """Allocate ``amount_fen`` oldest first over ``items`` (already oldest first), or over the
    ``targets`` the cashier picked. Pure: the screen shows it live, the service writes it."""
    chosen = [i for i in items if targets is None or i.key in targets]
    left = amount_fen
    takes = []
    for item in chosen:
        take = min(left, item.owed_fen)
        left -= take
        takes.append(Take(item.key, item.month, item.item, item.description, item.owed_fen,
                          take))
    return Plan(tuple(takes), sum(i.owed_fen for i in chosen), max(left, 0))


def _pay_item(payment: Payment, key: str, fen: int) -> None:
    kind, _, raw = key.partition(":")
    model = BillLine if kind == "line" else Charge
    # Guarded increment: never paid beyond the amount, even if the read above were stale.
    changed = (model.update(paid_fen=model.paid_fen + fen)
               .where((model.id == int(raw)) & (model.paid_fen + fen <= model.amount_fen))
               .execute())
    if changed != 1:
        raise DeskError("payment.changed_meanwhile")
    if kind == "line":
        Allocation.create(payment=payment, bill_line=int(raw), amount_fen=fen)
    else:
        Allocation.create(payment=payment, charge=int(raw), amount_fen=fen)


def _after_money(actor: Staff, unit: Unit | None, settings: Settings,
                 first_receipt_on: date | None) -> None:
    """Keep the clocks the money moves: the cashier's hand-over clock starts with the day's
    first receipt (KF-015 §4.6); a paid unit's second-notice clock stops (KF-016 §3.4).
    Both are skipped when nothing changes for them, so a busy counter pays no clock cost.
    ``unit`` is None when no bill line changed (the arrears months count bill lines only)."""
    dunned = unit is not None and DunningStep.select().where(DunningStep.unit == unit).exists()
    if first_receipt_on is None and not dunned:
        return
    ctx = RuleContext.from_store(settings)
    if first_receipt_on is not None:
        sync_hand_over(actor, first_receipt_on, ctx)
    if dunned:
        sync_unit_arrears([unit], ctx)


def _first_today(actor: Staff, clock: Clock, settings: Settings) -> date | None:
    """The office day if the actor's hand-over clock for it is not running yet, else None."""
    day = office_day(clock.now(), settings.zone)
    running = Deadline.select().where((Deadline.clock == "hand_over")
                                      & (Deadline.item_id == actor.id)
                                      & (Deadline.cycle == _day_number(day))).exists()
    return None if running else day


class PaymentResult(NamedTuple):
    number: str  # the receipt, "2026-000123"
    amount_fen: int
    change_fen: int | None
    takes: tuple[Take, ...]
    prepaid_fen: int


def take_payment(
    unit_code: str,
    amount_fen: int,
    method: str,
    actor: Staff,
    clock: Clock,
    settings: Settings,
    *,
    tendered_fen: int | None = None,
    reference: str = "",
    payer: str = "",
    targets: Sequence[str] | None = None,
    confirm_overpayment: bool = False,
    approver_login: str = "",
    approver_pin: str = "",
) -> PaymentResult:
    """Take a payment, allocate it, issue its receipt (KF-015 §4.5).

    ``targets``: the owed items (``OwedItem.key``) the cashier picked; None means everything
    the unit owes, oldest first. A walk-in without a unit pays only the charges it names.
    Above the office's ceiling (issue 17) a supervisor confirms with ``approver_login`` and
    ``approver_pin``; the confirmation is audited with the receipt.
    """
    require_role(actor, CASHIER_ROLES, "receipt.issue")
    amount = _check_fen(amount_fen, "amount")
    if method not in PAYMENT_METHODS:
        raise DeskError("receipt.bad_method", field="method", method=method)
    change = None
    if method == "cash":
        tendered = amount if tendered_fen is None else _check_fen(tendered_fen, "tendered")
        if tendered < amount:
            raise DeskError("payment.tendered_short", field="tendered", amount=fmt(amount),
                            tendered=fmt(tendered))
        change = tendered - amount
        if change > MAX_CHANGE_FEN:
            raise DeskError("payment.change_too_large", field="tendered",
                            tendered=fmt(tendered), change=fmt(change))
    else:
        tendered = None
    ref = _text(reference, "reference", REFERENCE_MAX,
                required="payment.reference_required" if method in REFERENCE_METHODS else "")
    payer_name = _text(payer, "payer", PAYER_MAX)
    targets = _targets(targets)
    unit = _unit(unit_code)
    if unit is None and not targets:
        raise DeskError("payment.unit_required", field="unit")
    charge_ids = tuple(int(k.partition(":")[2]) for k in targets or () if k.startswith("charge:"))
    approver = (_approver(approver_login, approver_pin, actor, amount, clock, settings)
                if needs_approval(amount, settings) else None)
    now = clock.now()
    with transaction(immediate=True):
        # RULES v2 §4: money taken after the cashier's count (or finance's confirmation) is
        # taken all the same; it stays open and goes into the cashier's next hand-over.
        # Read what is owed under the write lock: another counter's payment is either already
        # in, or waits for this one (KF-015 §4.6: 票款相符).
        items = cviews.owed_items(
            unit.id if unit else None, settings.zone, charge_ids=charge_ids,
            bill_lines=targets is None or any(k.startswith("line:") for k in targets))
        if targets is not None:
            missing = set(targets) - {i.key for i in items}
            if missing:
                raise DeskError("payment.target_paid", field="amount")
        if unit is None and any(i.key not in (targets or ()) for i in items):
            raise DeskError("payment.unit_required", field="unit")
        split = plan(items, amount, targets)
        if split.excess_fen and unit is None:
            raise DeskError("payment.walk_in_overpaid", field="amount", owed=fmt(split.owed_fen))
        if split.excess_fen and not confirm_overpayment:
            raise DeskError("payment.over_owed", field="amount", owed=fmt(split.owed_fen),
                            excess=fmt(split.excess_fen))
        first_today = _first_today(actor, clock, settings)
        series, number = take_number(series_code(settings, clock))
        payment = Payment.create(unit=unit, payer=payer_name, taken_at=now, method=method,
                                 amount_fen=amount, tendered_fen=tendered, change_fen=change,
                                 reference=ref, cashier=actor)
        for take in split.takes:
            if take.take_fen:
                _pay_item(payment, take.key, take.take_fen)
        if split.excess_fen:
            Allocation.create(payment=payment, amount_fen=split.excess_fen)
        receipt = Receipt.create(series=series, number=number, issued_at=now, payment=payment,
                                 amount_fen=amount, cashier=actor)
        printed = receipt_number(series.code, number)
        audit(actor, clock, "receipt.issue", receipt, number=printed, amount_fen=amount,
              method=method, unit=unit.code if unit else "", tendered_fen=tendered,
              change_fen=change, reference=ref, prepaid_fen=split.excess_fen,
              allocations={t.key: t.take_fen for t in split.takes if t.take_fen})
        if approver is not None:
            # The supervisor is the actor of their confirmation: who let ¥60,000 through.
            audit(approver, clock, "payment.approve_large", receipt, number=printed,
                  amount_fen=amount, limit_fen=payment_ceiling_fen(settings),
                  cashier=actor.login)
        lines_paid = any(t.key.startswith("line:") and t.take_fen for t in split.takes)
        _after_money(actor, unit if lines_paid else None, settings, first_today)
    return PaymentResult(printed, amount, change, tuple(t for t in split.takes if t.take_fen),
                         split.excess_fen)


def use_credit(unit_code: str, actor: Staff, clock: Clock, settings: Settings) -> int:
    """Apply the unit's prepaid balance to what it owes, oldest first; returns the fen used.

    No money moves, so no receipt: a receiptless payment of method "prepaid" carries the
    allocations, and the payments that left the balance get the matching negative ones.
    """
    require_role(actor, CASHIER_ROLES, "payment.use_credit")
    unit = _unit(unit_code)
    if unit is None:
        raise DeskError("payment.unit_required", field="unit")
    with transaction(immediate=True):
        credit = cviews.credit_by_payment(unit.id)
        balance = sum(credit.values())
        if not balance:
            raise DeskError("payment.no_credit", unit=unit.code)
        items = cviews.owed_items(unit.id, settings.zone)
        if not items:
            raise DeskError("payment.nothing_owed", unit=unit.code)
        split = plan(items, balance)
        used = balance - split.excess_fen
        carrier = Payment.create(unit=unit, payer="", taken_at=clock.now(), method="prepaid",
                                 amount_fen=used, cashier=actor)
        for take in split.takes:
            if take.take_fen:
                _pay_item(carrier, take.key, take.take_fen)
        left = used
        for payment_id, fen in credit.items():  # oldest balance first
            if not left:
                break
            part = min(fen, left)
            Allocation.create(payment=payment_id, amount_fen=-part)
            left -= part
        audit(actor, clock, "payment.use_credit", carrier, unit=unit.code, used_fen=used,
              allocations={t.key: t.take_fen for t in split.takes if t.take_fen})
        _after_money(actor, unit, settings, None)
    return used


# ---- one-off charges and deposits (KF-015 §5, KF-018) ---------------------------------------


def fixed_charge_fen(kind: str, settings: Settings) -> int | None:
    """The office's fixed price of a counter charge in fen, or None when the cashier types it
    (the IC-card deposit is ``fees.parking_card_deposit``, KF-018)."""
    if kind == "parking_card_deposit":
        return to_fen(str(settings.get("fees.parking_card_deposit")))
    return None


def add_charge(unit_code: str, kind: str, amount_fen: int | None, description: str,
               actor: Staff, clock: Clock, settings: Settings) -> int:
    """Raise a one-off charge at the counter; returns its id (the cashier then takes it).

    The parking IC-card deposit is the configured amount (KF-018: 100 yuan), not typed: an
    amount other than that price is refused rather than silently replaced (issue 17).
    Deposits are refundable; a renovation or IC-card charge needs a unit.
    """
    require_role(actor, CASHIER_ROLES, "payment.add_charge")
    if kind not in COUNTER_CHARGE_KINDS or kind not in CHARGE_KINDS:
        raise DeskError("payment.bad_charge_kind", field="kind", kind=kind)
    fixed = fixed_charge_fen(kind, settings)
    if fixed is not None:
        if amount_fen is not None and amount_fen != fixed:
            raise DeskError("payment.fixed_price", field="amount", price=fmt(fixed),
                            kind=Tr(f"payment.kind.{kind}"))
        amount = fixed
    else:
        amount = _check_fen(amount_fen, "amount")
    text = _text(description, "description", TEXT_MAX,
                 required="payment.description_required" if kind == "other" else "")
    unit = _unit(unit_code)
    if unit is None and kind != "other":
        raise DeskError("payment.unit_required", field="unit")
    with transaction():
        charge = Charge.create(unit=unit, kind=kind, description=text, amount_fen=amount,
                               created_at=clock.now(), created_by=actor,
                               refundable=kind in DEPOSIT_KINDS)
        audit(actor, clock, "payment.add_charge", charge, unit=unit.code if unit else "",
              kind=kind, amount_fen=amount, description=text)
    return charge.id


def refund_deposit(charge_id: int, amount_fen: int, method: str, reason: str, actor: Staff,
                   clock: Clock, settings: Settings, *, reference: str = "") -> str:
    """KF-015 §5: a deposit paid back when its conditions are met — a ``Refund`` with its own
    receipt (negative amount, same gapless series); the original stays as it was."""
    require_role(actor, CASHIER_ROLES, "payment.refund")
    amount = _check_fen(amount_fen, "amount")
    if method not in PAYMENT_METHODS:
        raise DeskError("receipt.bad_method", field="method", method=method)
    ref = _text(reference, "reference", REFERENCE_MAX,
                required="payment.reference_required" if method in REFERENCE_METHODS else "")
    # The reference rides in the refund's reason (Refund has no column of its own for it).
    why = _text(reason, "reason", TEXT_MAX - len(ref) - 3, required="payment.reason_required")
    now = clock.now()
    with transaction(immediate=True):
        charge = Charge.get_or_none(Charge.id == charge_id)
        if charge is None or not charge.refundable:
            raise DeskError("payment.not_a_deposit")
        held = charge.paid_fen - cviews.refunded_fen([charge.id]).get(charge.id, 0)
        if held <= 0:
            raise DeskError("payment.deposit_not_held")
        if amount > held:
            raise DeskError("payment.refund_above_held", field="amount", held=fmt(held))
        first_today = _first_today(actor, clock, settings)
        series, number = take_number(series_code(settings, clock))
        refund = Refund.create(charge=charge, amount_fen=amount, method=method, at=now,
                               by=actor, reason=why + (f" [{ref}]" if ref else ""))
        receipt = Receipt.create(series=series, number=number, issued_at=now, refund=refund,
                                 amount_fen=-amount, cashier=actor)
        printed = receipt_number(series.code, number)
        audit(actor, clock, "payment.refund", receipt, number=printed, charge=charge.id,
              amount_fen=amount, method=method, reason=why, reference=ref)
        _after_money(actor, None, settings, first_today)
    return printed


# ---- voids ------------------------------------------------------------------------------------


def void_receipt(number: str, reason: str, actor: Staff, clock: Clock,
                 settings: Settings) -> None:
    """A supervisor voids a receipt (KF-006 §6): the number stays, marked void everywhere; what
    it paid is owed again (negative allocations). Refused once finance confirmed the receipt's
    hand-over — the correction is then a refund (KF-015 §4.6, RULES v2 §4)."""
    require_role(actor, VOID_ROLES, "receipt.void")
    why = _text(reason, "reason", TEXT_MAX, required="payment.reason_required")
    detail = cviews.receipt_detail(number, settings.zone)
    if detail is None:
        raise DeskError("payment.unknown_receipt", field="number", number=number.strip())
    with transaction(immediate=True):
        receipt = Receipt.get_by_id(detail.id)
        if ReceiptVoid.select().where(ReceiptVoid.receipt == receipt.id).exists():
            raise DeskError("payment.already_void", number=detail.number)
        # RULES v2 §4: the money given back is in the receipt's own hand-over (refused once
        # finance confirmed it: then the correction is a refund).
        hand_over = hand_over_for_void(receipt, settings)
        unit = None
        if receipt.payment_id:
            payment = Payment.get_by_id(receipt.payment_id)
            unit = Unit.get_or_none(Unit.id == payment.unit_id) if payment.unit_id else None
            allocations = list(Allocation.select().where(Allocation.payment == payment.id))
            charge_ids = [a.charge_id for a in allocations if a.charge_id]
            if any(cviews.refunded_fen(charge_ids).values()):
                raise DeskError("payment.void_after_refund", number=detail.number)
            # Its overpayment already applied to later items (use_credit writes a negative
            # untargeted allocation on this payment): voiding would leave those paid.
            if any(a.amount_fen < 0 for a in allocations
                   if not a.bill_line_id and not a.charge_id):
                raise DeskError("payment.void_credit_used", number=detail.number)
            for a in allocations:
                if a.bill_line_id:
                    BillLine.update(paid_fen=BillLine.paid_fen - a.amount_fen).where(
                        BillLine.id == a.bill_line_id).execute()
                elif a.charge_id:
                    Charge.update(paid_fen=Charge.paid_fen - a.amount_fen).where(
                        Charge.id == a.charge_id).execute()
                Allocation.create(payment=payment, bill_line=a.bill_line_id,
                                  charge=a.charge_id, amount_fen=-a.amount_fen)
        ReceiptVoid.create(receipt=receipt, at=clock.now(), by=actor, reason=why,
                           hand_over=hand_over)
        audit(actor, clock, "receipt.void", receipt, number=detail.number,
              amount_fen=receipt.amount_fen, reason=why, unit=unit.code if unit else "")
        if unit is not None:
            _after_money(actor, unit, settings, None)


# ---- the receipt as printed -------------------------------------------------------------------


def _item_name(line: cviews.ReceiptLine, lang: str | None) -> str:
    if line.item == "prepaid":
        name = t("payment.prepaid", lang=lang)
    elif line.item in CHARGE_KINDS:
        name = line.description or t(f"payment.kind.{line.item}", lang=lang)
    else:
        name = t(f"fee_item.{line.item}", lang=lang)
    return f"{line.month} {name}".strip()


def receipt_text(detail: cviews.ReceiptDetail, settings: Settings, lang: str | None = None,
                 *, copy: bool = False) -> str:
    """The receipt as the resident gets it: the office's header (name, address, phone),
    figures and capitals (大写), the items it paid — a long name wrapped inside its column —,
    method, change; ``copy`` marks a reprint; a void says so on every print.

    In the office's document language (``office.document_language``) unless ``lang`` says
    otherwise (issue 17). An item the payment paid only in part is marked 部分, and the
    receipt says what those items still owe; a refund is signed by whoever receives the
    money (领款人), not by a payer."""
    lang = lang or document_language(settings)
    width = 44
    title = t("payment.r.title_refund" if detail.kind == "refund" else "payment.r.title",
              lang=lang)
    out = [*office_header(settings, width, lang), centre(title, width)]
    if copy:
        out.append(t("payment.r.copy", lang=lang, n=detail.printed_count).center(width).rstrip())
    if detail.void:
        out.append(t("payment.r.void", lang=lang, reason=detail.void_reason,
                     by=detail.void_by).center(width).rstrip())
    out.append("-" * width)
    out.append(t("payment.r.number", lang=lang, number=detail.number))
    out.append(t("payment.r.date", lang=lang,
                 at=detail.issued_at.strftime("%Y-%m-%d %H:%M")))
    if detail.unit:
        out.append(t("payment.r.unit", lang=lang, unit=detail.unit, owner=detail.owner or "—"))
    if detail.payer:
        out.append(t("payment.r.payer", lang=lang, payer=detail.payer))
    out.append("-" * width)
    still: dict[tuple[str, str, str], int] = {}
    for line in detail.lines:
        name = _item_name(line, lang)
        if line.owed_after_fen > 0:
            name += t("document.partial", lang=lang)
            still[(line.month, line.item, line.description)] = line.owed_after_fen
        out.extend(item_lines(name, fmt(line.amount_fen), width))
    out.append("-" * width)
    fen = abs(detail.amount_fen)
    out.append(t("payment.r.total", lang=lang, amount=fmt(detail.amount_fen)))
    out.append(t("payment.r.words", lang=lang,
                 words=("负" if detail.amount_fen < 0 else "") + amount_in_words(fen)))
    if still:
        out.extend(wrap(t("document.partial_note", lang=lang, owed=fmt(sum(still.values()))),
                        width))
    out.append(t("payment.r.method", lang=lang, method=t(f"method.{detail.method}", lang=lang)))
    if detail.tendered_fen is not None and detail.change_fen is not None:
        out.append(t("payment.r.cash", lang=lang, tendered=fmt(detail.tendered_fen),
                     change=fmt(detail.change_fen)))
    if detail.reference:
        out.append(t("payment.r.reference", lang=lang, reference=detail.reference))
    if detail.reason:
        out.extend(wrap(t("payment.r.reason", lang=lang, reason=detail.reason), width))
    if detail.next_hand_over:  # RULES v2 §4: taken after the cashier's count of the day
        out.append(t("hand_over.receipt_next", lang=lang))
    if detail.kind == "refund":
        out.append(t("document.refund_signature", lang=lang, cashier=detail.cashier))
    else:
        out.append(t("payment.r.cashier", lang=lang, cashier=detail.cashier))
    return "\n".join(out) + "\n"


def print_receipt(number: str, folder: Path, actor: Staff, clock: Clock, settings: Settings,
                  lang: str | None = None) -> tuple[str, bool]:
    """Print a receipt; the first print is the original, every later one is marked a copy
    (the count is on the receipt row; its content never changes). Returns (where, copy)."""
    require_role(actor, CASHIER_ROLES, "receipt.print")
    detail = cviews.receipt_detail(number, settings.zone)
    if detail is None:
        raise DeskError("payment.unknown_receipt", field="number", number=number.strip())
    copy = detail.printed_count > 0
    shown = detail._replace(printed_count=detail.printed_count + 1) if copy else detail
    # Issue 17: the paper is in the office's document language, not the screen's (``lang``
    # is kept for the callers; the print ignores it).
    text = receipt_text(shown, settings, document_language(settings), copy=copy)
    with transaction():
        Receipt.update(printed_count=Receipt.printed_count + 1).where(
            Receipt.id == detail.id).execute()
        suffix = f"-copy{detail.printed_count}" if copy else ""
        where = deliver(text, f"receipt-{safe_name(detail.number)}{suffix}.txt", folder,
                        settings)
        audit(actor, clock, "receipt.print", Receipt.get_by_id(detail.id),
              number=detail.number, copy=copy, where=where)
    return where, copy


def charge_kind_name(kind: str, lang: str | None = None) -> str:
    return t(f"payment.kind.{kind}", lang=lang)
