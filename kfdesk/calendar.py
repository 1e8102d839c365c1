"""The office working-day calendar: which dates are working days, and when deadlines fall.

RULES §8 calendar decisions, in one place:

* A *working day* is Monday–Friday, minus the statutory public holidays, plus the statutory
  make-up working days (调休, e.g. Saturday 2026-02-14 and Saturday 2026-10-10).  The statutory
  data comes from the ``chinesecalendar`` package (import name ``chinese_calendar``), which
  follows the State Council notices; version 1.11.0 covers 2004–2026.
* The office can correct or extend it: rows in the shipped ``kfdesk_data/calendar_overrides.csv``
  (``date,kind,note``, kind ``holiday`` or ``workday``) and dates entered in the app (the
  ``CalendarOverride`` table, read by :func:`overrides_from_store`).  Precedence, strongest
  first: overrides passed to :class:`WorkCalendar` (the app's table) → the shipped file →
  statutory data → the Monday–Friday fallback.
* A year the statutory data does not cover falls back to Monday–Friday, and every date of it
  (unless overridden) is *provisional*; a deadline that examined such a date says so.
* "Within N working days of an instant t" = business close (default 17:30, office zone) of the
  N-th working day after t's local date.  "A fixed day of the month" moves to the next working
  day when it is not one (遇节假日顺延) and is due at business close.
* Instants come in and go out timezone-aware; arithmetic is done on dates in the office zone
  and results are returned in UTC (the storage convention of ``kfdesk.models``).

The module is pure: no database access except in :func:`overrides_from_store`, and
``chinese_calendar`` is imported on first use so that importing kfdesk stays light.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from zoneinfo import ZoneInfo

from kfdesk_data import shipped

if TYPE_CHECKING:
    from .config import Settings

__all__ = [
    "DEFAULT_CLOSE",
    "DEFAULT_ZONE",
    "OVERRIDES_FILE",
    "CalendarDataError",
    "Deadline",
    "WorkCalendar",
    "overrides_from_store",
    "read_overrides_csv",
    "shipped_overrides",
    "statutory_covers",
]

DEFAULT_ZONE = "Asia/Shanghai"
DEFAULT_CLOSE = time(17, 30)
OVERRIDES_FILE = "calendar_overrides.csv"

# The words used in the CSV file and in CalendarOverride.kind; True = working day.
_KINDS = {"workday": True, "holiday": False}
_ONE_DAY = timedelta(days=1)


class CalendarDataError(ValueError):
    """An overrides file or table row that cannot be used; the message names where and why."""


@dataclass(frozen=True)
class Deadline:
    """When something is due.

    ``at`` is an aware UTC instant.  ``provisional`` is True when the computation looked at a
    date whose year has no published calendar yet (Monday–Friday fallback, RULES §8), so the
    date may move once the State Council notice for that year is entered.
    """

    at: datetime
    provisional: bool = False

    def local(self, zone: tzinfo) -> datetime:
        """``at`` in ``zone`` (for display)."""
        return self.at.astimezone(zone)


# --- statutory data ------------------------------------------------------------------------


@cache
def statutory_covers(year: int) -> bool:
    """True when the installed ``chinesecalendar`` has the official calendar for ``year``.

    Cached per year; ``chinese_calendar`` is imported here, on first use, not at import time.
    """
    import chinese_calendar

    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:  # the package's way of saying "no data for that year"
        return False
    return True


def _statutory_is_workday(d: date) -> bool:
    import chinese_calendar  # already in sys.modules after statutory_covers()

    return bool(chinese_calendar.is_workday(d))


# --- overrides -----------------------------------------------------------------------------


def read_overrides_csv(source: str | Path | TextIO, where: str = "") -> dict[date, bool]:
    """Parse an overrides file (header ``date,kind,note``) into ``{date: is_working_day}``.

    ``source`` is a path or an open text stream.  ``date`` is ISO (``2027-02-06``), ``kind`` is
    ``holiday`` or ``workday``; ``note`` is free text and ignored here.  Blank lines and lines
    starting with ``#`` are skipped.  A bad row raises :class:`CalendarDataError` naming the
    file and line; the same date twice is an error too, because which one wins would be a guess.
    """
    if isinstance(source, str | Path):
        where = where or str(source)
        with open(source, encoding="utf-8-sig", newline="") as handle:
            return _parse_overrides(handle, where)
    return _parse_overrides(source, where or "calendar overrides")


def _parse_overrides(handle: Iterable[str], where: str) -> dict[date, bool]:
    result: dict[date, bool] = {}
    header_seen = False
    reader = csv.reader(handle)
    for row in reader:
        number = reader.line_num
        cells = [cell.strip() for cell in row]
        if not cells or not any(cells) or cells[0].startswith("#"):
            continue
        if not header_seen:
            # Excel (the office's likely editor) saves UTF-8 with a byte-order mark.
            cells[0] = cells[0].removeprefix("\ufeff")
            if cells[:2] != ["date", "kind"]:
                raise CalendarDataError(
                    f"{where}: line {number}: expected the header 'date,kind,note', got {row!r}"
                )
            header_seen = True
            continue
        if len(cells) < 2:
            raise CalendarDataError(f"{where}: line {number}: expected 'date,kind,note'")
        try:
            day = date.fromisoformat(cells[0])
        except ValueError:
            raise CalendarDataError(
                f"{where}: line {number}: expected a date like 2027-02-06, got {cells[0]!r}"
            ) from None
        kind = cells[1].lower()
        if kind not in _KINDS:
            raise CalendarDataError(
                f"{where}: line {number}: kind must be 'holiday' or 'workday', got {cells[1]!r}"
            )
        if day in result:
            raise CalendarDataError(f"{where}: line {number}: {day.isoformat()} appears twice")
        result[day] = _KINDS[kind]
    return result


@lru_cache(maxsize=1)
def _shipped_overrides_cached() -> tuple[tuple[date, bool], ...]:
    resource = shipped(OVERRIDES_FILE)
    if not resource.is_file():
        return ()
    text = resource.read_text(encoding="utf-8-sig")
    parsed = read_overrides_csv(io.StringIO(text), where=f"kfdesk_data/{OVERRIDES_FILE}")
    return tuple(parsed.items())


def shipped_overrides() -> dict[date, bool]:
    """The rows of the shipped ``kfdesk_data/calendar_overrides.csv`` (read once per process).

    The shipped file carries corrections to the ``chinesecalendar`` data that the installed
    version does not have yet (e.g. the next year's notice, published each November).
    """
    return dict(_shipped_overrides_cached())


def overrides_from_store() -> dict[date, bool]:
    """The office's own corrections from the ``CalendarOverride`` table, ``{date: is_working}``.

    The only database access of this module; it needs an open store (``kfdesk.db.open_store``).
    Pass the result as ``extra_overrides`` to :meth:`WorkCalendar.from_settings`.
    """
    from .models import CalendarOverride  # imported here: the calendar itself is DB-free

    result: dict[date, bool] = {}
    for row in CalendarOverride.select().order_by(CalendarOverride.day):
        day = row.day if isinstance(row.day, date) else date.fromisoformat(str(row.day))
        kind = str(row.kind).strip().lower()
        if kind not in _KINDS:
            raise CalendarDataError(
                f"calendar override {day.isoformat()}: kind must be 'holiday' or 'workday', "
                f"got {row.kind!r}"
            )
        result[day] = _KINDS[kind]
    return result


# --- the calendar --------------------------------------------------------------------------


def _aware(instant: datetime) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        # A naive datetime could be UTC (storage) or local (typed at the desk); refusing is
        # safer than guessing by up to eight hours (RULES §8 time zone).
        raise ValueError("WorkCalendar needs a timezone-aware instant, got a naive datetime")
    return instant


class WorkCalendar:
    """The working-day calendar of one office (RULES §8 calendar decisions).

    ``zone``: the office zone, an IANA name or a ``tzinfo`` (default Asia/Shanghai).
    ``close``: business close, the time of day working-day deadlines fall due (default 17:30).
    ``overrides``: ``{date: True (working day) | False (holiday)}``, usually the app's
    ``CalendarOverride`` table; wins over the shipped file and the statutory data.
    ``published_years``: years the office declares fully entered as overrides (it typed in the
    new State Council notice before a ``chinesecalendar`` release has it); their dates are not
    provisional.  ``use_shipped_file=False`` ignores ``kfdesk_data/calendar_overrides.csv``.
    """

    def __init__(
        self,
        zone: str | tzinfo = DEFAULT_ZONE,
        close: time = DEFAULT_CLOSE,
        overrides: Mapping[date, bool] | None = None,
        *,
        published_years: Iterable[int] = (),
        use_shipped_file: bool = True,
    ) -> None:
        self.zone: tzinfo = ZoneInfo(zone) if isinstance(zone, str) else zone
        if close.tzinfo is not None:
            raise ValueError("business close is a wall-clock time in the office zone, not aware")
        self.close = close
        merged: dict[date, bool] = shipped_overrides() if use_shipped_file else {}
        for day, working in (overrides or {}).items():
            if isinstance(day, datetime) or not isinstance(day, date):
                raise TypeError(f"override keys must be dates, got {day!r}")
            merged[day] = bool(working)
        self._overrides = merged
        self._published = frozenset(published_years)

    @classmethod
    def from_settings(
        cls, settings: Settings, extra_overrides: Mapping[date, bool] | None = None
    ) -> WorkCalendar:
        """The calendar for ``settings`` (``[office] timezone``, ``[hours] close``).

        ``extra_overrides`` are the dates the office entered in the app
        (:func:`overrides_from_store`); they win over the shipped file and statutory data.
        """
        return cls(zone=settings.zone, close=settings.business_close, overrides=extra_overrides)

    def __repr__(self) -> str:
        return (
            f"WorkCalendar(zone={self.zone!s}, close={self.close:%H:%M}, "
            f"overrides={len(self._overrides)})"
        )

    @property
    def overrides(self) -> dict[date, bool]:
        """A copy of the effective overrides (shipped file merged with the given ones)."""
        return dict(self._overrides)

    # -- days --

    def _year_covered(self, year: int) -> bool:
        return year in self._published or statutory_covers(year)

    def is_working_day(self, d: date) -> bool:
        """True when the office works on ``d`` (a local date in the office zone)."""
        d = _as_date(d)
        if d in self._overrides:
            return self._overrides[d]
        if statutory_covers(d.year):
            return _statutory_is_workday(d)
        # No published calendar (or a published year entered only as overrides): the
        # Monday–Friday fallback of RULES §8; a published year's holidays are overrides.
        return d.weekday() < 5

    def is_provisional(self, d: date) -> bool:
        """True when ``d``'s status is a guess: its year has no published calendar and
        ``d`` has no override (RULES §8: mark deadlines depending on it provisional)."""
        d = _as_date(d)
        return d not in self._overrides and not self._year_covered(d.year)

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after ``d``."""
        d = _as_date(d) + _ONE_DAY
        while not self.is_working_day(d):
            d += _ONE_DAY
        return d

    def roll_forward(self, d: date) -> date:
        """``d`` itself if it is a working day, else the next one (遇节假日顺延)."""
        d = _as_date(d)
        return d if self.is_working_day(d) else self.next_working_day(d)

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days lie in ``(start, end]``; negative when ``end`` < ``start``.

        So ``working_days_between(t_date, add_working_days(t, n) date) == n``, and a report can
        say how many working days late something is.
        """
        start, end = _as_date(start), _as_date(end)
        if end < start:
            return -self.working_days_between(end, start)
        count = 0
        d = start + _ONE_DAY
        while d <= end:
            count += self.is_working_day(d)
            d += _ONE_DAY
        return count

    def local_date(self, instant: datetime) -> date:
        """The office-zone date of an aware instant (e.g. 2026-09-30T17:00Z is 1 October)."""
        return _aware(instant).astimezone(self.zone).date()

    # -- instants --

    def at_time(self, d: date, clock_time: time) -> datetime:
        """``clock_time`` on ``d`` in the office zone, as an aware UTC instant.

        Used for deadlines at a time other than close, e.g. KF-013 §4.4 collection at 09:00.
        """
        local = datetime.combine(_as_date(d), clock_time.replace(tzinfo=None), tzinfo=self.zone)
        return local.astimezone(UTC)

    def at_close(self, d: date) -> datetime:
        """Business close of ``d`` in the office zone, as an aware UTC instant."""
        return self.at_time(d, self.close)

    def add_working_days(self, instant: datetime, n: int) -> Deadline:
        """Deadline for "within ``n`` working days of ``instant``" (RULES §8).

        = business close of the ``n``-th working day after ``instant``'s local date; the time
        of day of ``instant`` does not matter, nor whether its date is itself a working day.
        ``n`` must be ≥ 1: "within 0 working days" is not a rule of the procedures, and the
        natural readings (close of the same day? of the same day only if a working day?)
        disagree, so it is refused rather than guessed.  Provisional when any date from the
        instant's date to the result has no published calendar.
        """
        if isinstance(n, bool) or not isinstance(n, int):
            raise TypeError(f"n must be a whole number of working days, got {n!r}")
        if n < 1:
            raise ValueError(f"n must be at least 1 working day, got {n}")
        d = self.local_date(instant)
        provisional = self.is_provisional(d)
        remaining = n
        while remaining:
            d += _ONE_DAY
            provisional = provisional or self.is_provisional(d)
            if self.is_working_day(d):
                remaining -= 1
        return Deadline(at=self.at_close(d), provisional=provisional)

    def day_of_month_deadline(self, year: int, month: int, day: int) -> Deadline:
        """Deadline for "on the ``day``-th of the month" (RULES §8 fixed day of the month).

        ``day`` past the month's end is clamped to its last day (KF-020 §4.4.2: "the 30th, the
        last day in February"); if that date is not a working day it moves to the next working
        day (遇节假日顺延).  Due at business close; provisional when any date from the nominal
        day to the result has no published calendar.
        """
        if day < 1:
            raise ValueError(f"day of the month must be at least 1, got {day}")
        last = _last_day_of_month(year, month)
        d = date(year, month, min(day, last))
        provisional = self.is_provisional(d)
        while not self.is_working_day(d):
            d += _ONE_DAY
            provisional = provisional or self.is_provisional(d)
        return Deadline(at=self.at_close(d), provisional=provisional)


def _as_date(d: Any) -> date:
    # datetime is a subclass of date; its .date() would silently drop the zone question.
    if isinstance(d, datetime):
        raise TypeError("pass a date; for an instant use WorkCalendar.local_date() first")
    if not isinstance(d, date):
        raise TypeError(f"expected a date, got {d!r}")
    return d


def _last_day_of_month(year: int, month: int) -> int:
    # Not stdlib ``calendar``: this module shadows that name inside the package.
    first_of_next = date(year + month // 12, month % 12 + 1, 1)
    return (first_of_next - _ONE_DAY).day
