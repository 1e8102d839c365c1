"""What a desk service accepts as typed text, and as a typed day or instant (issue 9, fuzzing).

A service gets what a screen, a script or an import hands it. Some of that is not a clerk's
typing and is refused here, with a message, before it reaches a query:

- a value that is not text at all (a number, bytes, a list: a caller's slip) where text is
  expected — ``None`` counts as empty, as the services always took it;
- control characters (NUL, escape sequences, backspace: pasted from another program).
  PostgreSQL refuses NUL in any text, even in a lookup, with an exception rather than an
  answer; an escape sequence stored in a name would repaint the counter's screen or the
  printed receipt wherever the name is shown. Tab and line breaks pass: they are whitespace,
  which the services fold or keep as before;
- a day that is not a ``date``, or an instant without a time zone (it cannot be compared
  with the clock's, and the office zone cannot be guessed for it).

``amount_in`` is the one reading of a typed amount of money, for every money field (issue 17):
yuan in ASCII digits with at most two decimals (角 and 分), an optional ¥ in front or 元
behind, thousands separators in groups of three. Full-width forms from a Chinese input method
(``１２．５``, ``￥``, ``，``) read as the plain ones; digits of other scripts (``١٢``), an
exponent (``1e9``), NaN or infinity and a sign (``-5``) are refused, each kind with its own
message in the clerk's language.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal

from ..money import fmt
from .base import DeskError

# C0 controls and DEL, less tab, line feed and carriage return.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def text_in(value: object, field: str | None = None) -> str:
    """``value`` as given when it is text ("" for ``None``); a refusal naming ``field`` when
    it is another type or holds a control character."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise DeskError("input.not_text", field=field)
    if _CONTROL.search(value):
        raise DeskError("input.control", field=field)
    return value


def day_in(value: object, field: str | None = None) -> date | None:
    """A day as a ``date`` (``None`` stays ``None``); an instant or anything else is refused,
    since comparing it with a day would fail rather than answer."""
    if value is None:
        return None
    if isinstance(value, datetime) or not isinstance(value, date):
        raise DeskError("input.not_day", field=field)
    return value


def instant_in(value: object, field: str | None = None) -> datetime | None:
    """An instant as a timezone-aware ``datetime`` (``None`` stays ``None``); a naive one or
    anything else is refused."""
    if value is None:
        return None
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise DeskError("input.not_instant", field=field)
    return value


# The largest amount any money field takes: ten billion yuan fits every column (BIGINT fen) and
# the receipt's amount in words, far above any office's ceiling (``cashier.max_payment_yuan``,
# above which a supervisor confirms).
MAX_AMOUNT_FEN = 10**12
# ASCII digits only (``\d`` would take ١٢ or ๑๒); a grouped whole part or a plain one.
_AMOUNT = re.compile(r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.([0-9]*))?|\.([0-9]+)")
_NUMBERISH = re.compile(r"[0-9.,]+")
_SIGNS = "+-\u2212\u2012\u2013\uff0b\uff0d"
_SHOWN = 24  # characters of a refused text quoted back in the message


def _shown(text: str) -> str:
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "…"


def amount_in(value: object, field: str = "amount", *, zero_ok: bool = False,
              max_fen: int = MAX_AMOUNT_FEN) -> int:
    """A typed amount of money in yuan (``1286.4``, ``¥1,286.40``, ``45元``) as integer fen.

    ``DeskError`` on ``field`` otherwise, one key per kind of mistake: ``amount.missing``,
    ``amount.signed``, ``amount.exponent``, ``amount.foreign_digits``, ``amount.grouping``,
    ``amount.not_number`` (NaN, ∞, letters), ``amount.too_precise`` (finer than a fen),
    ``amount.zero`` (unless ``zero_ok``), ``amount.too_large`` (above ``max_fen``).
    An ``int`` or ``Decimal`` from a script is read as its decimal text; a float never is.
    """
    if isinstance(value, bool) or isinstance(value, float):
        raise DeskError("amount.not_number", field=field, text=str(value))
    if isinstance(value, int | Decimal):
        value = str(value)
    raw = text_in(value, field)
    # NFKC: the full-width digits, ．，and ￥ of a Chinese input method are the plain ones.
    text = unicodedata.normalize("NFKC", raw).strip()
    text = text.removeprefix("¥").removesuffix("元").strip()
    if not text:
        raise DeskError("amount.missing", field=field)
    shown = _shown(raw.strip())
    if text[0] in _SIGNS:
        raise DeskError("amount.signed", field=field, text=shown)
    if any(not c.isascii() and unicodedata.category(c) == "Nd" for c in text):
        raise DeskError("amount.foreign_digits", field=field, text=shown)
    match = _AMOUNT.fullmatch(text)
    if match is None:
        if re.fullmatch(r"[0-9.,]*[0-9][eE][+-]?[0-9]+", text):
            raise DeskError("amount.exponent", field=field, text=shown)
        if _NUMBERISH.fullmatch(text) and text.count(".") <= 1 and "," in text:
            raise DeskError("amount.grouping", field=field, text=shown)
        raise DeskError("amount.not_number", field=field, text=shown)
    decimals = match.group(1) or match.group(2) or ""
    whole = text.split(".")[0].replace(",", "") or "0"
    if len(decimals) > 2:
        raise DeskError("amount.too_precise", field=field, text=shown)
    # Size before arithmetic: 10,000 typed digits are refused, not multiplied.
    if len(whole.lstrip("0")) > len(str(max_fen)):
        raise DeskError("amount.too_large", field=field, text=shown, max=fmt(max_fen))
    fen = int(whole) * 100 + int((decimals + "00")[:2])
    if fen > max_fen:
        raise DeskError("amount.too_large", field=field, text=shown, max=fmt(max_fen))
    if fen == 0 and not zero_ok:
        raise DeskError("amount.zero", field=field)
    return fen
