"""KF-022 §4–5 lending at the counter: hand tools against a signed slip, and umbrellas.

What may be lent is data (``kfdesk_data/lending.toml``): each physical item with its code (the
tag on it), the words a clerk may type for it, and the things that are never lent. The rules:

- KF-022 §4.1: hand tools only (spanner, saw, tape, square, hammer, pliers, screwdriver,
  electrician's knife), to a resident of a unit, who signs the slip.
- KF-022 §4.2: power tools and ladders are never lent — they are easily damaged; the refusal
  offers the office's paid repair service instead (便民有偿服务价目表, F10).
- One loan at a time per physical item: lending an item that is out (or lost) is refused.
- KF-022 §5: a lost umbrella costs the borrower's unit ``fees.umbrella_lost`` (20 yuan), raised
  as a charge the cashier takes at F5. A lost tool is marked lost without a price: the price
  list has none, so what is owed is agreed with the office and raised at the cashier.

Each write validates first (a refusal changes nothing), runs in one transaction and appends an
audit event. ``raise_charge``, ``counter_unit`` and ``clean_text`` are shared with the other
counter registers (keys, parking leases, visitors).
"""

from __future__ import annotations

import tomllib
import unicodedata
from functools import cache
from typing import NamedTuple

from kfdesk_data import shipped

from ..clock import Clock
from ..config import Settings
from ..i18n import t
from ..models import Charge, Loan, Staff, Unit
from ..money import to_fen
from .base import DeskError, audit, require_role, transaction
from .inputs import text_in

# Lending is done by the desk, umbrellas also by the lobby guards (KF-022 §5 大堂协管员).
LEND_ROLES = ("clerk", "supervisor", "manager", "security")
# A loss raises money owed, so it is recorded at the desk, not at the gate.
LOST_ROLES = ("clerk", "supervisor", "manager")
ITEM_KINDS = ("tool", "umbrella")
NAME_MAX = 64  # Loan.borrower
CHARGE_TEXT_MAX = 128  # Charge.description


# ---- shared by the counter's registers -------------------------------------------------------


def clean_text(value: object, field: str, limit: int, *, required: str = "") -> str:
    """Typed text, NFKC-normalised (an input method's full-width letters) and stripped;
    ``required`` is the refusal key when it is empty; too long is refused, never cut."""
    text = unicodedata.normalize("NFKC", text_in(value, field)).strip()
    if required and not text:
        raise DeskError(required, field=field)
    if len(text) > limit:
        raise DeskError("register.too_long", field=field, max=limit)
    return text


def counter_unit(code: str, field: str = "unit") -> Unit:
    """The unit a register entry is for; its code is required and must exist."""
    text = unicodedata.normalize("NFKC", text_in(code, field)).strip()
    if not text:
        raise DeskError("register.unit_needed", field=field)
    unit = Unit.get_or_none(Unit.code == text)
    if unit is None:
        raise DeskError("register.unknown_unit", field=field, unit=text)
    return unit


def raise_charge(unit: Unit, kind: str, amount_fen: int, description: str, actor: Staff,
                 clock: Clock, *, refundable: bool = False) -> Charge:
    """A one-off amount owed by the unit, taken by the cashier at F5 (KF-015 §5).

    The row is the one ``payments.add_charge`` writes (same kinds, same audit action), but
    without its cashier-only role check: the register that raises it has checked its own
    roles, and the clerk (not the cashier) records a lost umbrella or signs a parking lease.
    Call it inside the register's transaction.
    """
    charge = Charge.create(unit=unit, kind=kind, description=description[:CHARGE_TEXT_MAX],
                           amount_fen=amount_fen, created_at=clock.now(), created_by=actor,
                           refundable=refundable)
    audit(actor, clock, "payment.add_charge", charge, unit=unit.code, kind=kind,
          amount_fen=amount_fen, description=charge.description)
    return charge


# ---- what may be lent ------------------------------------------------------------------------


class Item(NamedTuple):
    """One physical item: its code (the tag), kind, names and the words that pick it."""

    code: str
    kind: str  # tool | umbrella
    zh: str
    en: str
    words: tuple[str, ...]

    def name(self, lang: str | None = None) -> str:
        return self.en if (lang or _lang()) == "en" else self.zh


class Refused(NamedTuple):
    """A thing never lent (KF-022 §4.2) and the words that name it."""

    zh: str
    en: str
    words: tuple[str, ...]

    def name(self, lang: str | None = None) -> str:
        return self.en if (lang or _lang()) == "en" else self.zh


class Catalogue(NamedTuple):
    items: tuple[Item, ...]
    refused: tuple[Refused, ...]

    def by_code(self) -> dict[str, Item]:
        return {i.code: i for i in self.items}


def _lang() -> str:
    """The language the clerk reads now (each catalogue names its own)."""
    return t("register.lang")


def _words(entry: dict) -> tuple[str, ...]:
    return tuple(word_key(w) for w in (entry["zh"], entry["en"], *entry.get("words", ())))


@cache
def catalogue() -> Catalogue:
    """The lendable items and the refused things from ``lending.toml`` (read once)."""
    data = tomllib.loads(shipped("lending.toml").read_text(encoding="utf-8"))
    items = [Item(str(e["code"]).upper(), "tool", e["zh"], e["en"], _words(e))
             for e in data.get("tools", [])]
    umbrellas = data.get("umbrellas", {})
    for n in range(1, int(umbrellas.get("count", 0)) + 1):
        items.append(Item(f"{umbrellas.get('prefix', 'U')}{n:02d}".upper(), "umbrella",
                          umbrellas["zh"], umbrellas["en"], _words(umbrellas)))
    refused = [Refused(e["zh"], e["en"], _words(e)) for e in data.get("refused", [])]
    return Catalogue(tuple(items), tuple(refused))


def word_key(text: str) -> str:
    """A typed word as the catalogue keeps its words (width-folded, trimmed, lower case)."""
    return unicodedata.normalize("NFKC", text).strip().lower()


def item_name(code: str, lang: str | None = None) -> str:
    """``雨伞 U03`` / ``Claw hammer T05``; an older record's free text as it is."""
    item = catalogue().by_code().get(code)
    return f"{item.name(lang)} {item.code}" if item else code


def _open_loans(codes: list[str]) -> dict[str, Loan]:
    """The loan holding each of ``codes`` now (out, or lost and never returned)."""
    if not codes:
        return {}
    return {loan.item: loan for loan in Loan.select().where(
        Loan.item.in_(codes), Loan.returned_at.is_null())}


def available(kind: str | None = None) -> list[Item]:
    """The items at the desk now (not out, not lost), in catalogue order."""
    items = [i for i in catalogue().items if kind is None or i.kind == kind]
    taken = _open_loans([i.code for i in items])
    return [i for i in items if i.code not in taken]


class Resolved(NamedTuple):
    item: Item | None  # a free item to lend
    refused: Refused | None  # KF-022 §4.2: never lent
    taken: Loan | None  # the wanted item exists but every one of it is out


def resolve(text: str) -> Resolved:
    """What a clerk typed or chose — a code (``T05``, ``U03``), a name or a word for it
    (``锤子``, ``umbrella``) — as the free item to lend, a refusal, or "all out".

    A refused word is looked for inside the request (``借个梯子``, ``电动螺丝刀``) before a
    tool is guessed from part of its name, so a power screwdriver is never lent as a
    screwdriver. Unknown text is refused as not lendable.
    """
    key = word_key(text_in(text, "item"))
    if not key:
        raise DeskError("loan.item_needed", field="item")
    cat = catalogue()
    by_code = cat.by_code()
    if key.upper() in by_code:
        wanted = [by_code[key.upper()]]
    else:
        wanted = [i for i in cat.items if key in i.words]
        if not wanted:
            hits = [(len(w), r) for r in cat.refused for w in r.words if w in key]
            if hits:
                return Resolved(None, max(hits, key=lambda h: h[0])[1], None)
            wanted = [i for i in cat.items if any(key in w or w in key for w in i.words)]
    if not wanted:
        raise DeskError("loan.not_lendable", field="item", item=text.strip())
    taken = _open_loans([i.code for i in wanted])
    for item in wanted:
        if item.code not in taken:
            return Resolved(item, None, None)
    return Resolved(None, None, taken[wanted[0].code])


def loan_ref(loan_id: int) -> str:
    """The slip number: ``J-000012`` (借)."""
    return f"J-{loan_id:06d}"


# ---- the writes ------------------------------------------------------------------------------


def lend(item: str, unit_code: str, borrower: str, actor: Staff, clock: Clock,
         settings: Settings) -> Loan:
    """Lend an item to a resident of ``unit_code`` (KF-022 §4.1, §5).

    Refused: power tools and ladders, with the paid repair service offered (KF-022 §4.2);
    anything not on the list; an item that is out — and when every item of the kind asked for
    is out, the refusal says who has the first one.
    """
    require_role(actor, LEND_ROLES, "loan.lend")
    unit = counter_unit(unit_code)
    who = clean_text(borrower, "borrower", NAME_MAX, required="loan.borrower_needed")
    with transaction():
        # Resolved inside the transaction: two counters cannot both lend the last umbrella.
        found = resolve(item)
        if found.refused is not None:
            raise DeskError("loan.refused", field="item", item=found.refused.name())
        if found.item is None:
            out = found.taken
            assert out is not None
            if out.lost:
                raise DeskError("loan.item_lost", field="item", item=item_name(out.item))
            raise DeskError("loan.item_out", field="item", item=item_name(out.item),
                            borrower=out.borrower,
                            since=out.lent_at.astimezone(settings.zone).strftime("%m-%d %H:%M"))
        thing = found.item
        loan = Loan.create(item_kind=thing.kind, item=thing.code, unit=unit, borrower=who,
                           lent_at=clock.now(), lent_by=actor)
        audit(actor, clock, "loan.lend", loan, ref=loan_ref(loan.id), item=thing.code,
              kind=thing.kind, unit=unit.code, borrower=who)
    return loan


def _open(loan_id: int) -> Loan:
    loan = Loan.get_or_none(Loan.id == loan_id)
    if loan is None:
        raise DeskError("loan.unknown", ref=loan_ref(loan_id))
    if loan.lost:
        raise DeskError("loan.already_lost", ref=loan_ref(loan.id), item=item_name(loan.item))
    if loan.returned_at is not None:
        raise DeskError("loan.already_returned", ref=loan_ref(loan.id),
                        item=item_name(loan.item))
    return loan


def return_loan(loan_id: int, actor: Staff, clock: Clock, settings: Settings) -> Loan:
    """The item is back (KF-022 §4.1: the signed slip goes back to the borrower)."""
    require_role(actor, LEND_ROLES, "loan.return")
    with transaction():
        loan = _open(loan_id)
        loan.returned_at = clock.now()
        loan.save()
        audit(actor, clock, "loan.return", loan, ref=loan_ref(loan.id), item=loan.item,
              borrower=loan.borrower)
    return loan


def mark_lost(loan_id: int, actor: Staff, clock: Clock, settings: Settings) -> Charge | None:
    """The borrower reports the item lost. A lost umbrella charges ``fees.umbrella_lost``
    (KF-022 §5: 20 yuan) to the borrower's unit, returned here for the cashier; a lost tool is
    marked lost without a charge (no price on the list). The item is no longer lendable."""
    require_role(actor, LOST_ROLES, "loan.lost")
    with transaction():
        loan = _open(loan_id)
        loan.lost = True
        loan.save()
        charge = None
        if loan.item_kind == "umbrella":
            unit = Unit.get_or_none(Unit.id == loan.unit_id) if loan.unit_id else None
            if unit is None:
                raise DeskError("loan.lost_needs_unit", ref=loan_ref(loan.id))
            amount = to_fen(str(settings.get("fees.umbrella_lost")))
            charge = raise_charge(
                unit, "other", amount,
                t("loan.lost_charge", lang=settings.language,
                  item=item_name(loan.item, settings.language), ref=loan_ref(loan.id)),
                actor, clock)
        audit(actor, clock, "loan.lost", loan, ref=loan_ref(loan.id), item=loan.item,
              borrower=loan.borrower, charge=charge.id if charge else None,
              amount_fen=charge.amount_fen if charge else 0)
    return charge
