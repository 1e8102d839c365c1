"""Properties of kfdesk.calendar (RULES §8 calendar decisions), checked with hypothesis."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
from hypothesis import given, settings
from hypothesis import strategies as st

from kfdesk.calendar import WorkCalendar

SH = ZoneInfo("Asia/Shanghai")
FAST = settings(max_examples=200, deadline=None)

# One calendar for the read-only properties: it only caches per year, so sharing is safe.
# The shipped file is left out so that "agrees with chinesecalendar" stays a statement about
# the statutory layer even after the office ships corrections.
CAL = WorkCalendar(use_shipped_file=False)

FIRST, LAST = date(2025, 1, 1), date(2026, 12, 31)

# Aware instants anywhere in 2025–2026 (UTC, so the Shanghai date may be the next day).
instants = st.datetimes(
    min_value=datetime(2025, 1, 1),
    max_value=datetime(2026, 12, 31, 23, 59, 59),
    timezones=st.just(UTC),
)
# Mostly Shanghai-local instants too, to exercise a different offset on the way in.
local_instants = st.datetimes(
    min_value=datetime(2025, 1, 1),
    max_value=datetime(2026, 12, 31, 23, 59, 59),
    timezones=st.sampled_from([UTC, SH, ZoneInfo("America/New_York"), ZoneInfo("Europe/Berlin")]),
)
counts = st.integers(min_value=1, max_value=15)
days_2025_2026 = st.dates(min_value=FIRST, max_value=LAST)


@FAST
@given(local_instants, counts)
def test_rules_8_result_is_a_working_day_at_close(instant: datetime, n: int) -> None:
    deadline = CAL.add_working_days(instant, n)
    due_local = deadline.at.astimezone(SH)
    assert deadline.at.tzinfo is UTC
    assert due_local.time() == time(17, 30)
    assert CAL.is_working_day(due_local.date())
    # Exactly n working days after the instant's office-zone date.
    start = instant.astimezone(SH).date()
    assert CAL.working_days_between(start, due_local.date()) == n
    # Provisional only if the walk left the covered years (2004–2026 in chinesecalendar 1.11.0).
    assert deadline.provisional == (due_local.year > 2026)


@FAST
@given(instants, st.integers(min_value=1, max_value=14))
def test_rules_8_strictly_monotonic_in_n(instant: datetime, n: int) -> None:
    assert CAL.add_working_days(instant, n).at < CAL.add_working_days(instant, n + 1).at


@FAST
@given(instants, instants, counts)
def test_rules_8_non_decreasing_in_the_instant(a: datetime, b: datetime, n: int) -> None:
    early, late = sorted((a, b))
    assert CAL.add_working_days(early, n).at <= CAL.add_working_days(late, n).at


@FAST
@given(instants, counts)
def test_rules_8_is_n_steps_of_next_working_day(instant: datetime, n: int) -> None:
    due = CAL.add_working_days(instant, n).at
    assert due > instant
    # "The N-th working day after t's date" = next_working_day applied N times.
    d = instant.astimezone(SH).date()
    for _ in range(n):
        d = CAL.next_working_day(d)
    assert due == CAL.at_close(d)


def test_rules_8_agrees_with_chinesecalendar_for_every_day_of_2025_2026() -> None:
    day = FIRST
    while day <= LAST:
        assert CAL.is_working_day(day) is chinese_calendar.is_workday(day), day
        assert not CAL.is_provisional(day)
        day += timedelta(days=1)


@FAST
@given(days_2025_2026, st.booleans(), days_2025_2026)
def test_rules_8_overrides_win_over_statutory(day: date, working: bool, other: date) -> None:
    cal = WorkCalendar(overrides={day: working}, use_shipped_file=False)
    assert cal.is_working_day(day) is working
    assert not cal.is_provisional(day)
    if other != day:
        assert cal.is_working_day(other) is chinese_calendar.is_workday(other)
    # The overridden day is used by the arithmetic: from the day before, 1 working day lands
    # on it exactly when it was marked working.
    due = cal.add_working_days(datetime.combine(day - timedelta(days=1), time(12), SH), 1)
    assert (due.at.astimezone(SH).date() == day) is working


@FAST
@given(st.dates(min_value=date(2027, 1, 1), max_value=date(2030, 12, 31)))
def test_rules_8_uncovered_years_are_monday_to_friday_and_provisional(day: date) -> None:
    assert CAL.is_working_day(day) is (day.weekday() < 5)
    assert CAL.is_provisional(day)


@FAST
@given(
    st.integers(min_value=2025, max_value=2026),
    st.integers(min_value=1, max_value=12),
    st.integers(min_value=1, max_value=31),
)
def test_rules_8_fixed_day_of_month_rolls_to_first_working_day(
    year: int, month: int, day: int
) -> None:
    deadline = CAL.day_of_month_deadline(year, month, day)
    due = deadline.at.astimezone(SH)
    assert due.time() == time(17, 30)
    assert CAL.is_working_day(due.date())
    # KF-020 §4.4.2: a day past the month's end means its last day.
    nominal = min(date(year, month, 1) + timedelta(days=day - 1), _month_end(year, month))
    assert due.date() >= nominal
    # No working day was skipped between the nominal day and the result.
    d = nominal
    while d < due.date():
        assert not CAL.is_working_day(d)
        d += timedelta(days=1)


@FAST
@given(local_instants, counts, st.times(min_value=time(6), max_value=time(23, 59)))
def test_rules_8_business_close_is_the_due_time(instant: datetime, n: int, close: time) -> None:
    cal = WorkCalendar(close=close, use_shipped_file=False)
    due = cal.add_working_days(instant, n)
    assert due.at.astimezone(SH).time() == close
    # Same date as with the default close: the close only sets the time of day.
    assert due.at.astimezone(SH).date() == CAL.add_working_days(instant, n).at.astimezone(SH).date()


def _month_end(year: int, month: int) -> date:
    nxt = date(year + month // 12, month % 12 + 1, 1)
    return nxt - timedelta(days=1)
