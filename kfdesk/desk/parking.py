"""Temporary parking: fixed-value invoice books and the half-monthly settlement (KF-015 §6.1).

KF-015 §6.1.1: the parking attendants (车场协管员) collect temporary parking fees and give
fixed-value invoices (定额发票); they draw the invoice books from the cashier, **one book of
each denomination at a time** (每次每种发票限领一本). KF-015 §6.1.2: every half month the
attendant pays in what they collected; the cashier works out what is due from the shift
income statements (当班收入统计) handed in with it, checks it against the invoices used,
takes the cash and cancels the used stubs (核销已开发票存根).

The flow here:

1. ``issue_book``: a book of one denomination (``DENOMINATIONS_YUAN``) and its number range to
   an attendant; refused while the attendant holds an open book of that denomination, and
   when the range is reversed or overlaps any other book of the same denomination (the
   numbers of one kind of invoice are unique).
2. ``settle``: for the period since the attendant's last settlement, the cashier enters per
   book the last number used; the stubs since the previous settlement × the book's value are
   the invoices' value. What is due is the statements' total; cash − due and invoices −
   statements are recorded exact to the fen (integer fen) and either being non-zero needs a
   reason. The stubs are cancelled (the book's ``used_up_to`` moves on) and a book used to its
   last number is closed. The ``parking_settlement`` clock (RULES §8) stops.
3. ``return_book``: an attendant leaving (or exchanging a book) hands it back; its used stubs
   must be settled first, so no money is left behind with it, and the numbers not used are
   noted in the audit trail.
4. ``settlement_slip`` / ``print_settlement_slip``: the settlement as a printed slip, the
   amounts also in Chinese capitals.

``figures`` is the arithmetic of a settlement without writing anything: the settle dialog
shows it live, and ``settle`` records exactly what it shows.
"""

from __future__ import annotations

import json
import unicodedata
from datetime import date
from pathlib import Path
from typing import NamedTuple

from ..clock import Clock
from ..config import Settings
from ..i18n import t
from ..models import InvoiceBook, ParkingSettlement, Staff
from ..money import amount_in_words, fmt, to_fen
from ..printing import deliver, document_language, office_header, safe_name
from ..rules.context import RuleContext
from ..rules.periods import sync_periods
from ..views import office_day
from ..views.parking import StubRange, period_start, settlement
from .base import DeskError, audit, require_role, transaction
from .inputs import amount_in

# Who hands out invoice books and takes the parking money: the cashier (KF-015 §6.1);
# supervisor and manager cover, as for receipts.
PARKING_ROLES = ("cashier", "supervisor", "manager")

# The usual values of 定额发票 (fixed-value invoices), in yuan.
DENOMINATIONS_YUAN: tuple[str, ...] = ("1", "2", "5", "10", "20")
DENOMINATIONS_FEN: tuple[int, ...] = tuple(to_fen(v) for v in DENOMINATIONS_YUAN)

# Sanity ceilings, not business rules: a book holds 50 or 100 invoices; invoice numbers have
# at most 12 digits; no half month's parking income comes near ¥1,000,000.
MAX_BOOK_SIZE = 1000
MAX_NUMBER = 10**12 - 1
MAX_AMOUNT_FEN = 100_000_000
# InvoiceBook.attendant allows 64, but the name is also the clock's item reference
# (Deadline.item_ref, 32 characters).
NAME_MAX = 32
REASON_MAX = 128  # ParkingSettlement.reason


class SettlementFigures(NamedTuple):
    """A settlement worked out (KF-015 §6.1.2), before or as it is recorded."""

    attendant: str
    period_start: date
    ranges: list[StubRange]  # per open book, only those with stubs used this period
    closing: list[int]  # books used to their last number: closed by the settlement
    stubs: int
    invoices_fen: int  # Σ stubs × denomination
    due_fen: int  # the shift income statements' total
    cash_fen: int

    @property
    def difference_fen(self) -> int:
        """Cash − due: negative when the attendant is short."""
        return self.cash_fen - self.due_fen

    @property
    def invoices_difference_fen(self) -> int:
        """Invoices used − statements: non-zero when they do not check."""
        return self.invoices_fen - self.due_fen


# --------------------------------------------------------------------------------------------
# parsing what the cashier typed (the screen's fields)


def _norm(text: object) -> str:
    # Full-width digits and ¥ from a Chinese input method read as plain ones.
    return unicodedata.normalize("NFKC", str(text)).strip()


def parse_yuan(text: str, field: str) -> int:
    """An amount typed in yuan (``1,286.40``, ``¥45``, ``45元``) to fen; zero allowed (no
    invoices used, no cash): the one reading of every money field (``inputs.amount_in``)."""
    return amount_in(text, field, zero_ok=True, max_fen=MAX_AMOUNT_FEN)


def parse_number(text: str, field: str) -> int | None:
    """An invoice number typed; None when left empty."""
    raw = _norm(text)
    if not raw:
        return None
    if not raw.isdigit():
        raise DeskError("parking.bad_number", field=field, text=str(text).strip())
    return int(raw)


# --------------------------------------------------------------------------------------------
# checks


def _check_fen(value: object, field: str) -> int:
    # Money is integer fen (RULES §4); a bool is an int to Python but never an amount.
    if isinstance(value, bool) or not isinstance(value, int):
        raise DeskError("parking.amount_not_fen", field=field)
    if value < 0:
        raise DeskError("parking.amount_negative", field=field)
    if value > MAX_AMOUNT_FEN:
        raise DeskError("parking.amount_too_large", field=field)
    return value


def _check_attendant(name: object) -> str:
    text = " ".join(_norm(name).split()) if isinstance(name, str) else ""
    if not text:
        raise DeskError("parking.attendant_needed", field="attendant")
    if len(text) > NAME_MAX:
        raise DeskError("parking.attendant_too_long", field="attendant", max=NAME_MAX)
    return text


def _check_number(value: object, field: str) -> int:
    if isinstance(value, str):
        parsed = parse_number(value, field)
        if parsed is None:
            raise DeskError("parking.number_needed", field=field)
        value = parsed
    if isinstance(value, bool) or not isinstance(value, int):
        raise DeskError("parking.bad_number", field=field, text=str(value))
    if value < 1 or value > MAX_NUMBER:
        raise DeskError("parking.bad_number", field=field, text=str(value))
    return value


def _check_denomination(value: object) -> int:
    raw = _norm(value).replace("¥", "").replace("元", "").strip() if value is not None else ""
    try:
        fen = to_fen(raw)
    except (ValueError, TypeError):
        fen = None
    if fen not in DENOMINATIONS_FEN:
        raise DeskError("parking.bad_denomination", field="denomination", text=str(value),
                        values="、".join(DENOMINATIONS_YUAN))
    return fen


def _check_reason(reason: object, needed: bool) -> str:
    text = reason.strip() if isinstance(reason, str) else ""
    # KF-015 §6.1.2: cash and invoices are checked against the statements; a shortage,
    # a surplus or invoices that do not match are explained, not hidden.
    if needed and not text:
        raise DeskError("parking.reason_required", field="reason")
    if len(text) > REASON_MAX:
        raise DeskError("parking.reason_too_long", field="reason", max=REASON_MAX)
    return text


def _position(book: InvoiceBook) -> int:
    """The last number settled on ``book``; ``first_no - 1`` when none is."""
    return book.used_up_to if book.used_up_to is not None else book.first_no - 1


def _open_books(attendant: str) -> list[InvoiceBook]:
    return list(InvoiceBook.select()
                .where((InvoiceBook.attendant == attendant) & InvoiceBook.returned_at.is_null())
                .order_by(InvoiceBook.denomination_fen, InvoiceBook.id))


def _sync(clock: Clock, settings: Settings) -> None:
    # The settlement clock is read from the books and settlements (RULES §8); bring it up to
    # date in the writer's transaction, so the alert changes with the record.
    sync_periods(clock.now(), RuleContext.from_store(settings))


# --------------------------------------------------------------------------------------------
# issuing and returning books


def issue_book(
    attendant: str,
    denomination: str,
    first_no: int | str,
    last_no: int | str,
    actor: Staff,
    clock: Clock,
    settings: Settings,
) -> InvoiceBook:
    """Hand an invoice book to an attendant (KF-015 §6.1.1: one per denomination at a time).

    ``denomination`` in yuan (``"5"``, ``"10.00"``), one of ``DENOMINATIONS_YUAN``.
    """
    require_role(actor, PARKING_ROLES, "parking.issue")
    name = _check_attendant(attendant)
    value = _check_denomination(denomination)
    first = _check_number(first_no, "first_no")
    last = _check_number(last_no, "last_no")
    if last < first:
        raise DeskError("parking.range_reversed", field="last_no", first=first, last=last)
    if last - first + 1 > MAX_BOOK_SIZE:
        raise DeskError("parking.range_too_long", field="last_no", max=MAX_BOOK_SIZE)
    with transaction(immediate=True):
        held = (InvoiceBook.select()
                .where((InvoiceBook.attendant == name) & (InvoiceBook.denomination_fen == value)
                       & InvoiceBook.returned_at.is_null()).first())
        if held is not None:
            # KF-015 §6.1.1: 每次每种发票限领一本.
            raise DeskError("parking.already_holds", field="denomination", attendant=name,
                            value=fmt(value), first=held.first_no, last=held.last_no)
        clash = (InvoiceBook.select()
                 .where((InvoiceBook.denomination_fen == value) & (InvoiceBook.first_no <= last)
                        & (InvoiceBook.last_no >= first))
                 .order_by(InvoiceBook.id).first())
        if clash is not None:
            raise DeskError("parking.range_overlaps", field="first_no", value=fmt(value),
                            first=clash.first_no, last=clash.last_no,
                            attendant=clash.attendant)
        row = InvoiceBook.create(attendant=name, denomination_fen=value, first_no=first,
                                 last_no=last, issued_at=clock.now(), used_up_to=None)
        audit(actor, clock, "parking.issue", row, attendant=name, denomination_fen=value,
              first=first, last=last)
        _sync(clock, settings)
    return row


def return_book(
    book_id: int,
    used_up_to: int | str | None,
    actor: Staff,
    clock: Clock,
    settings: Settings,
) -> InvoiceBook:
    """The attendant hands a book back (leaving, or exchanging it); ``used_up_to`` is the last
    number used as the cashier finds it in the book (None or empty: none used).

    The stubs used must have been settled (KF-015 §6.1.2) — otherwise their money would go
    back with the book unaccounted — so ``used_up_to`` must be where the last settlement
    left the book; the numbers after it are recorded as returned unused.
    """
    require_role(actor, PARKING_ROLES, "parking.return")
    if isinstance(used_up_to, str):
        used_up_to = parse_number(used_up_to, "used_up_to")
    with transaction(immediate=True):
        book = InvoiceBook.get_or_none(InvoiceBook.id == book_id)
        if book is None:
            raise DeskError("parking.unknown_book", id=book_id)
        if book.returned_at is not None:
            raise DeskError("parking.already_returned", first=book.first_no,
                            last=book.last_no)
        settled = _position(book)
        used = book.first_no - 1 if used_up_to is None else used_up_to
        if isinstance(used, bool) or not isinstance(used, int):
            raise DeskError("parking.bad_number", field="used_up_to", text=str(used))
        if used < book.first_no - 1 or used > book.last_no:
            raise DeskError("parking.outside_book", field="used_up_to", number=used,
                            first=book.first_no, last=book.last_no)
        if used < settled:
            raise DeskError("parking.below_settled", field="used_up_to", number=used,
                            settled=settled)
        if used > settled:
            raise DeskError("parking.return_unsettled", field="used_up_to",
                            first=settled + 1, last=used, n=used - settled)
        now = clock.now()
        InvoiceBook.update(returned_at=now).where(InvoiceBook.id == book.id).execute()
        book = InvoiceBook.get_by_id(book.id)
        unused = book.last_no - settled
        audit(actor, clock, "parking.return", book, attendant=book.attendant,
              denomination_fen=book.denomination_fen, used_up_to=settled,
              unused_from=settled + 1 if unused else None,
              unused_to=book.last_no if unused else None, unused=unused)
        _sync(clock, settings)
    return book


# --------------------------------------------------------------------------------------------
# the half-monthly settlement


def figures(
    attendant: str,
    used_up_to: dict[int, int],
    statements_fen: int,
    cash_fen: int,
    settings: Settings,
) -> SettlementFigures:
    """Work out the attendant's settlement without writing (KF-015 §6.1.2).

    ``used_up_to`` maps each open book's id to the last number used now (a book left out has
    no stubs used this period). Refuses a book that is not one of the attendant's open books,
    a number below the previous settlement's or beyond the book's last number, money that is
    not whole non-negative fen, and an attendant with no open book.
    """
    name = _check_attendant(attendant)
    statements = _check_fen(statements_fen, "statements")
    cash = _check_fen(cash_fen, "cash")
    if not isinstance(used_up_to, dict):
        raise DeskError("parking.bad_number", field="used_up_to", text=str(used_up_to))
    books = _open_books(name)
    start = period_start(name, settings.zone)
    if not books or start is None:
        raise DeskError("parking.no_open_book", field="attendant", attendant=name)
    by_id = {b.id: b for b in books}
    for key in used_up_to:
        if key not in by_id:
            raise DeskError("parking.not_held", field="used_up_to", attendant=name, id=key)
    ranges: list[StubRange] = []
    closing: list[int] = []
    for book in books:
        field = f"book_{book.id}"
        settled = _position(book)
        now_at = used_up_to.get(book.id, settled)
        if isinstance(now_at, bool) or not isinstance(now_at, int):
            raise DeskError("parking.bad_number", field=field, text=str(now_at))
        if now_at > book.last_no:
            raise DeskError("parking.outside_book", field=field, number=now_at,
                            first=book.first_no, last=book.last_no)
        if now_at < settled:
            # The stubs up to ``settled`` were cancelled at the last settlement.
            raise DeskError("parking.below_settled", field=field, number=now_at,
                            settled=settled)
        if now_at > settled:
            ranges.append(StubRange(book.id, book.denomination_fen, settled + 1, now_at))
        if now_at == book.last_no:
            closing.append(book.id)
    return SettlementFigures(
        attendant=name, period_start=start, ranges=ranges, closing=closing,
        stubs=sum(r.stubs for r in ranges), invoices_fen=sum(r.value_fen for r in ranges),
        due_fen=statements, cash_fen=cash)


def settle(
    attendant: str,
    period_end: date,
    used_up_to: dict[int, int],
    statements_fen: int,
    cash_fen: int,
    reason: str,
    actor: Staff,
    clock: Clock,
    settings: Settings,
) -> ParkingSettlement:
    """Record the attendant's settlement for the period since their last one, up to
    ``period_end`` (KF-015 §6.1.2): stubs cancelled, invoices' value, due (the statements'
    total), cash taken, and the reason for any difference; books used up are closed."""
    require_role(actor, PARKING_ROLES, "parking.settle")
    name = _check_attendant(attendant)
    _check_fen(statements_fen, "statements")
    _check_fen(cash_fen, "cash")
    if not isinstance(period_end, date):
        raise DeskError("parking.bad_period_end", field="period_end")
    today = office_day(clock.now(), settings.zone)
    if period_end > today:
        raise DeskError("parking.future_period_end", field="period_end",
                        day=period_end.isoformat())
    now = clock.now()
    with transaction(immediate=True):
        # Read the books under the write lock: two counters cannot cancel the same stubs.
        f = figures(name, used_up_to, statements_fen, cash_fen, settings)
        if period_end < f.period_start:
            raise DeskError("parking.period_settled", field="period_end",
                            day=period_end.isoformat(), start=f.period_start.isoformat())
        text = _check_reason(reason, f.difference_fen != 0 or f.invoices_difference_fen != 0)
        row = ParkingSettlement.create(
            attendant=name, period_start=f.period_start, period_end=period_end,
            due_fen=f.due_fen, received_fen=f.cash_fen, stubs_cancelled=f.stubs,
            settled_at=now, cashier=actor, invoices_fen=f.invoices_fen, reason=text,
            used_stubs=json.dumps([{"book": r.book_id, "denomination_fen": r.denomination_fen,
                                    "from": r.from_no, "to": r.to_no} for r in f.ranges]))
        for r in f.ranges:  # the stubs are cancelled: the next settlement starts after them
            InvoiceBook.update(used_up_to=r.to_no).where(InvoiceBook.id == r.book_id).execute()
        if f.closing:  # used to the last number: the book's life is over
            (InvoiceBook.update(returned_at=now)
             .where(InvoiceBook.id.in_(f.closing)).execute())
        audit(actor, clock, "parking.settle", row, attendant=name,
              period=[f.period_start.isoformat(), period_end.isoformat()],
              stubs=[list(r) for r in f.ranges], stubs_cancelled=f.stubs,
              invoices_fen=f.invoices_fen, due_fen=f.due_fen, cash_fen=f.cash_fen,
              difference_fen=f.difference_fen,
              invoices_difference_fen=f.invoices_difference_fen, reason=text,
              books_closed=f.closing)
        _sync(clock, settings)
    return row



# --------------------------------------------------------------------------------------------
# the settlement slip

SLIP_WIDTH = 48  # cells: a receipt printer's line, or half an A4 page


def _cells(text: str) -> int:
    # A Chinese character takes two cells on a fixed-pitch printer as on a terminal.
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    room = " " * max(width - _cells(text), 0)
    return room + text if right else text + room


def _center(text: str) -> str:
    return (" " * max((SLIP_WIDTH - _cells(text)) // 2, 0) + text).rstrip()


def slip_number(settlement_id: int) -> str:
    """The number a settlement slip carries (``TC-000012``)."""
    return f"TC-{settlement_id:06d}"


def settlement_slip(settlement_id: int, settings: Settings, lang: str | None = None) -> str:
    """The settlement as printed (KF-015 §6.1.2): period, the stubs cancelled per book with
    their numbers, invoices' value, due (the statements), cash received — also in Chinese
    capitals (大写, RULES §4) — the differences and their reason, and two signature lines.
    Under the office's header, in its document language unless ``lang`` says (issue 17)."""
    lang = lang or document_language(settings)
    s = settlement(settlement_id, settings.zone)
    if s is None:
        raise DeskError("parking.unknown_settlement", id=settlement_id)
    out = [*office_header(settings, SLIP_WIDTH, lang), _center(t("parking.slip.title", lang=lang)),
           "-" * SLIP_WIDTH,
           t("parking.slip.number", lang=lang, number=slip_number(s.id)),
           t("parking.slip.settled_at", lang=lang, at=s.settled_at.strftime("%Y-%m-%d %H:%M")),
           t("parking.slip.attendant", lang=lang, name=s.attendant),
           t("parking.slip.period", lang=lang, start=s.period_start.isoformat(),
             end=s.period_end.isoformat()),
           "-" * SLIP_WIDTH]
    widths = (8, 13, 13, 5)
    heads = [t(f"parking.slip.col.{k}", lang=lang) for k in ("value", "from", "to", "stubs")]
    out.append("  ".join(_pad(h, w, right=i > 0) for i, (h, w) in
                         enumerate(zip(heads, widths, strict=True))).rstrip())
    for r in s.ranges:
        cells = [fmt(r.denomination_fen), str(r.from_no), str(r.to_no), str(r.stubs)]
        out.append("  ".join(_pad(c, w, right=i > 0) for i, (c, w) in
                             enumerate(zip(cells, widths, strict=True))).rstrip())
    if not s.ranges:  # none used, or recorded before the numbers were kept
        out.append(t("parking.slip.ranges_unknown" if s.stubs else "parking.slip.no_stubs",
                     lang=lang))
    out.append("-" * SLIP_WIDTH)
    out.append(t("parking.slip.stubs", lang=lang, n=s.stubs))
    out.append(t("parking.slip.invoices", lang=lang, amount=fmt(s.invoices_fen)
                 if s.invoices_fen is not None else "—"))
    out.append(t("parking.slip.due", lang=lang, amount=fmt(s.due_fen)))
    out.append(t("parking.slip.received", lang=lang, amount=fmt(s.received_fen)))
    out.append(t("parking.slip.words", lang=lang, words=amount_in_words(s.received_fen)))
    out.append(t("parking.slip.difference", lang=lang, amount=fmt(s.difference_fen)))
    if s.invoices_difference_fen is not None:
        out.append(t("parking.slip.invoices_difference", lang=lang,
                     amount=fmt(s.invoices_difference_fen)))
    if s.reason:
        out.append(t("parking.slip.reason", lang=lang, reason=s.reason))
    out.append("-" * SLIP_WIDTH)
    out.append(t("parking.slip.cashier", lang=lang, name=s.cashier))
    out.append("")
    out.append(t("parking.slip.signatures", lang=lang))
    out.append(t("parking.slip.rule", lang=lang))
    return "\n".join(out) + "\n"


def print_settlement_slip(settlement_id: int, folder: Path, actor: Staff, clock: Clock,
                          settings: Settings, lang: str | None = None) -> str:
    """Print the settlement's slip (``kfdesk.printing.deliver``); returns where it went.
    The print is audited; a printer refusal writes nothing."""
    require_role(actor, PARKING_ROLES, "parking.print")
    # Issue 17: the paper in the office's document language, whatever the screen's.
    text = settlement_slip(settlement_id, settings, document_language(settings))
    with transaction():
        row = ParkingSettlement.get_by_id(settlement_id)
        where = deliver(text, f"parking-{safe_name(slip_number(settlement_id))}.txt", folder,
                        settings)
        audit(actor, clock, "parking.print", row, number=slip_number(settlement_id),
              attendant=row.attendant, where=where)
    return where
