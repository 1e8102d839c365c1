"""Clocks: the only source of "now" in kfdesk.

Every function that needs the time takes a clock, so a whole run (demo, tests,
screenshots) can be fixed at one instant with ``--now``.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Protocol


class Clock(Protocol):
    """Anything that can tell the current instant (timezone-aware, UTC)."""

    def now(self) -> datetime: ...


class SystemClock:
    """The wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock stopped at one instant; ``advance`` moves it (for simulations and tests)."""

    def __init__(self, instant: datetime) -> None:
        if instant.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware instant")
        self._now = instant.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta

    def set(self, instant: datetime) -> None:
        self._now = instant.astimezone(UTC)


def parse_instant(text: str, zone: tzinfo) -> datetime:
    """Parse an ISO 8601 instant; one without an offset is read in the office zone."""
    value = datetime.fromisoformat(text.strip())
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


# The ways a clerk types a time at the counter: ``09:30`` / ``0930`` / ``09.30`` (today),
# ``10-08 16:10`` (this year) or ``2026-10-08 16:10``; "/" or "." may separate the date.
_COUNTER_TIMES = (
    (re.compile(r"^(\d{1,2})[:.]?(\d{2})$"), ("H", "M")),
    (re.compile(r"^(\d{1,2})[-/.](\d{1,2})\s+(\d{1,2}):(\d{2})$"), ("m", "d", "H", "M")),
    (re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})[\sT]+(\d{1,2}):(\d{2})$"),
     ("Y", "m", "d", "H", "M")),
)


def parse_counter_time(text: str, now: datetime, zone: tzinfo) -> datetime | None:
    """A time as typed at the counter, read in the office ``zone`` (the day and year missing
    from it are ``now``'s there); None when it is not one. Full-width digits and the Chinese
    colon of an input method are accepted (NFKC: ``０９：３０``)."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    local = now.astimezone(zone)
    for pattern, parts in _COUNTER_TIMES:
        match = pattern.match(text)
        if match is None:
            continue
        got = dict(zip(parts, (int(g) for g in match.groups()), strict=True))
        try:
            return datetime(got.get("Y", local.year), got.get("m", local.month),
                            got.get("d", local.day), got["H"], got["M"], tzinfo=zone)
        except ValueError:
            return None
    return None
