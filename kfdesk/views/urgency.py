"""Urgency order for every queue, and each record's next deadline (issue 16, RULES §8).

One order everywhere (F3, F4, F8, registers with clocks): overdue first, the most late first;
then the records whose clock runs, the soonest due first; then the rest, in the order they
came (the views' own order, oldest first). A held clock (RULES §8 pauses) is not running, so a
held ticket has no next deadline and sorts with the rest.

``next_due`` reads the running clocks (``Deadline`` rows not stopped and not held) of a set of
records in one query; ``by_urgency`` sorts any rows given a way to find each row's next due.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import NamedTuple, TypeVar

from ..models import Callback, Deadline

R = TypeVar("R")


class NextDue(NamedTuple):
    """A record's most urgent running clock."""

    due_at: datetime  # aware UTC
    warn_at: datetime  # aware UTC: from here on the clock is "due soon"
    clock: str
    provisional: bool = False

    def state(self, now: datetime) -> str:
        """``overdue``, ``due_soon`` or ``running`` at ``now``."""
        if now > self.due_at:
            return "overdue"
        if now >= self.warn_at:
            return "due_soon"
        return "running"


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def next_due(item_kind: str, item_ids: Iterable[int]) -> dict[int, NextDue]:
    """Each record's soonest running clock: ``{item_id: NextDue}`` (none: no entry)."""
    ids = list(set(item_ids))
    out: dict[int, NextDue] = {}
    if not ids:
        return out
    query = (Deadline
             .select(Deadline.item_id, Deadline.due_at, Deadline.warn_at, Deadline.clock,
                     Deadline.provisional)
             .where(Deadline.item_kind == item_kind, Deadline.stopped_at.is_null(),
                    Deadline.held_since.is_null(), Deadline.item_id.in_(ids))
             .tuples())
    for item_id, due, warn, clock, provisional in query:
        due, warn = _utc(due), _utc(warn)
        old = out.get(item_id)
        if old is None or due < old.due_at:
            out[item_id] = NextDue(due, warn, clock, bool(provisional))
    return out


def ticket_next_due(ticket_ids: Iterable[int]) -> dict[int, NextDue]:
    """Each ticket's soonest running clock, its callbacks' clocks included (a ticket waiting
    for its callback is due when the callback is: KF-009 §3.1, KF-010 §4.5)."""
    ids = list(set(ticket_ids))
    out = next_due("ticket", ids)
    if not ids:
        return out
    ticket_of = dict(Callback.select(Callback.id, Callback.ticket)
                     .where(Callback.ticket.in_(ids), Callback.done_at.is_null()).tuples())
    for callback_id, due in next_due("callback", ticket_of).items():
        ticket_id = ticket_of[callback_id]
        old = out.get(ticket_id)
        if old is None or due.due_at < old.due_at:
            out[ticket_id] = due
    return out


def urgency_key(due_at: datetime | None, now: datetime) -> tuple:
    """The sort key of one row: (0, due) overdue, (1, due) running, (2,) no clock.

    Overdue "most late first" is the earliest due first; running "soonest first" likewise.
    """
    if due_at is None:
        return (2,)
    due_at = _utc(due_at)
    return (0 if _utc(now) > due_at else 1, due_at)


def by_urgency(rows: Sequence[R], due_of: Callable[[R], datetime | None],
               now: datetime) -> list[R]:
    """``rows`` in urgency order; a stable sort, so ties keep the order they came in."""
    now = _utc(now)
    return sorted(rows, key=lambda r: urgency_key(due_of(r), now))
