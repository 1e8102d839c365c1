"""What every desk service shares: errors in the clerk's language, transactions, the audit trail."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import peewee as pw

from ..clock import Clock
from ..i18n import t
from ..models import AuditEvent, Staff, database


class Tr:
    """A parameter translated when the message is shown, in the language it is shown in."""

    def __init__(self, key: str) -> None:
        self.key = key

    def __repr__(self) -> str:
        return f"Tr({self.key!r})"


class DeskError(Exception):
    """A refusal a clerk can read: ``key`` names the catalogue text; ``field`` the form field."""

    def __init__(self, key: str, field: str | None = None, **params: Any) -> None:
        self.key = key
        self.field = field
        self.params = params
        super().__init__(key)

    def message(self, lang: str | None = None) -> str:
        params = {k: t(v.key, lang=lang) if isinstance(v, Tr) else v
                  for k, v in self.params.items()}
        return t(self.key, lang=lang, **params)

    def __str__(self) -> str:
        return self.message()


# The key of the PostgreSQL advisory lock that stands for SQLite's write lock (any bigint
# no other code uses; advisory locks are per database, so two offices never share it).
WRITE_LOCK_KEY = 0x6B66_6465_736B  # "kfdesk"


@contextmanager
def transaction(immediate: bool = False) -> Iterator[None]:
    """One transaction; ``immediate`` takes the write lock at once (receipts, day close).

    SQLite: ``BEGIN IMMEDIATE``. PostgreSQL: a transaction-level advisory lock, taken first
    thing and held to commit or rollback, so what an immediate writer reads (what is owed, is
    the day still open) is read under the same exclusion as on SQLite and two counters queue
    instead of interleaving; plain transactions are not held up by it.
    """
    db = database.obj
    outermost = not db.in_transaction()
    try:
        if immediate and isinstance(db, pw.SqliteDatabase) and not db.in_transaction():
            with db.atomic("IMMEDIATE"):
                yield
        elif immediate and isinstance(db, pw.PostgresqlDatabase):
            with db.atomic():
                db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK_KEY,))
                yield
        else:
            with db.atomic():
                yield
    except pw.OperationalError as exc:
        # Another counter held SQLite's write lock past the busy timeout (a long bill run, a
        # backup): the transaction was rolled back, so nothing was written. Say so in the
        # clerk's words instead of letting the screen fall over; try again is the answer.
        if "locked" in str(exc) or "busy" in str(exc):
            raise DeskError("store.busy") from exc
        if not outermost:
            raise
        raise store_refused(exc) from exc
    except pw.DatabaseError as exc:
        # Issue 19: whatever else the database refuses (a value too long for PostgreSQL, a
        # constraint, a read-only or full disk) was rolled back with the transaction; the
        # clerk reads one line and the counter stays open, the details go to the error log.
        # Only the outermost transaction says so: an inner one's caller may handle it.
        if not outermost:
            raise
        raise store_refused(exc) from exc


def store_refused(exc: BaseException) -> DeskError:
    """The one-line refusal for a store error, its details logged (issue 19)."""
    from ..errorlog import log_error, one_line

    path = log_error(exc, "store refused a write")
    return DeskError("store_error.save", reason=one_line(exc), log=str(path))


def audit(
    actor: Staff | None,
    clock: Clock,
    action: str,
    record: pw.Model | None = None,
    **detail: Any,
) -> AuditEvent:
    """Append one audit event: who, when, what, which record."""
    return AuditEvent.create(
        at=clock.now(),
        actor=actor,
        action=action,
        record_type=type(record).__name__ if record is not None else "",
        record_id=record.get_id() if record is not None else None,
        detail=json.dumps(detail, ensure_ascii=False, default=str, sort_keys=True),
    )


def require_role(actor: Staff, allowed: tuple[str, ...], action: str) -> None:
    """Refuse unless the actor's role is one of ``allowed`` (roles enforced in the core)."""
    if actor.role not in allowed:
        raise DeskError("auth.not_allowed", role=Tr(f"role.{actor.role}"),
                        action=Tr(f"action.{action}"))
