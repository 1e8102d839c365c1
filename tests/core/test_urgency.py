"""Urgency order of every queue (issue 16): overdue, most late first; then by due time,
soonest first; then the rest, in the order they came."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from kfdesk.views.urgency import NextDue, by_urgency, urgency_key

NOW = datetime(2026, 10, 9, 2, 0, tzinfo=UTC)  # 10:00 in the office


class Row(NamedTuple):
    name: str
    due_at: datetime | None


def at(minutes: int) -> datetime:
    return NOW + timedelta(minutes=minutes)


def test_overdue_most_late_first_then_soonest_due_then_the_rest() -> None:
    rows = [
        Row("no clock, oldest", None),
        Row("left 7 h 30", at(450)),
        Row("late 10 min", at(-10)),
        Row("left 10 min", at(10)),
        Row("no clock, newer", None),
        Row("late 2 days", at(-2 * 24 * 60)),
        Row("due in 3 days", at(3 * 24 * 60)),
        Row("late 25 min", at(-25)),
    ]
    ordered = [r.name for r in by_urgency(rows, lambda r: r.due_at, NOW)]
    assert ordered == [
        "late 2 days", "late 25 min", "late 10 min",  # overdue, most late first
        "left 10 min", "left 7 h 30", "due in 3 days",  # then the soonest due
        "no clock, oldest", "no clock, newer",  # then the rest, as they came
    ]


def test_ties_keep_the_order_they_came_in_and_naive_times_are_utc() -> None:
    same = at(30)
    rows = [Row("first", same), Row("second", same.replace(tzinfo=None)), Row("third", same)]
    assert [r.name for r in by_urgency(rows, lambda r: r.due_at, NOW)] == [
        "first", "second", "third"]
    assert urgency_key(None, NOW) > urgency_key(at(10_000), NOW) > urgency_key(at(-1), NOW)


def test_a_clock_is_running_then_due_soon_then_overdue() -> None:
    clock = NextDue(due_at=at(60), warn_at=at(30), clock="dispatch")
    assert clock.state(NOW) == "running"
    assert clock.state(at(30)) == "due_soon"
    assert clock.state(at(60)) == "due_soon"  # due at 11:00 is not late at 11:00
    assert clock.state(at(61)) == "overdue"
