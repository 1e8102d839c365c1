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
"""

from __future__ import annotations

import re
from datetime import date, datetime

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
