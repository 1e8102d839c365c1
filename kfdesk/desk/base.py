"""What every desk service shares: errors in the clerk's language, transactions, the audit trail."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import peewee as pw

from ..clock import Clock
from ..i18n import t
from ..models import AuditEvent, Refusal, Staff, database


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
        yield from _transaction(db, immediate, outermost)
    finally:
        # A refusal inside this transaction was rolled back with it: its audit row is
        # written now, in a transaction of its own, once the outermost one has ended.
        if not db.in_transaction():
            _flush_refusals()


def _transaction(db: pw.Database, immediate: bool, outermost: bool) -> Iterator[None]:
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


log = logging.getLogger(__name__)

# Refusals seen inside a transaction, waiting for it to end (per thread, as Peewee's
# connections are): the refusal rolls that transaction back, its audit row must not go too.
_pending = threading.local()


def require_role(actor: Staff, allowed: tuple[str, ...], action: str,
                 clock: Clock | None = None, record: tuple[str, int] | None = None) -> None:
    """Refuse unless the actor's role is one of ``allowed`` (roles enforced in the core).

    Every refusal is an audit event (issue 19): who (the actor), what (``action`` and the
    ``record`` it aimed at), when, why (the actor's role and the roles that may) — never the
    refused data itself. Its time is ``clock``'s, else the clock the store was opened with.
    The row commits even though the refusal rolls back the transaction it happens in.
    """
    if actor.role in allowed:
        return
    _audit_refusal(actor, allowed, action, clock, record)
    raise DeskError("auth.not_allowed", role=Tr(f"role.{actor.role}"),
                    action=Tr(f"action.{action}"))


def _audit_refusal(actor: Staff, allowed: tuple[str, ...], action: str, clock: Clock | None,
                   record: tuple[str, int] | None) -> None:
    db = database.obj
    clock = clock or getattr(db, "kfdesk_clock", None)
    if db is None or clock is None or actor.get_id() is None:
        # No store open, or an actor who is not in it (a restore's signer, checked against
        # the backup's staff before the store exists): there is no trail to write to.
        return
    row = {
        "at": clock.now(),
        "actor": actor.get_id(),
        "action": action,
        "role": actor.role,
        "record_type": record[0] if record else "",
        # Only an id a column can hold: the refused call's id is not checked yet.
        "record_id": record[1] if record and type(record[1]) is int
        and 0 < record[1] < 2**31 else None,
        "detail": json.dumps({"allowed": list(allowed)}, sort_keys=True),
    }
    rows = getattr(_pending, "rows", None)
    if rows is None:
        rows = _pending.rows = []
    rows.append(row)
    if not db.in_transaction():
        _flush_refusals()


def _flush_refusals() -> None:
    """Write the refusals waiting for their transaction to end, in one of their own."""
    rows = getattr(_pending, "rows", None)
    if not rows:
        return
    _pending.rows = []
    try:
        with database.obj.atomic():
            for row in rows:
                Refusal.create(**row)
    except pw.DatabaseError:
        # A store that cannot take the row (read-only, full) still refuses: the refusal is
        # what protects the data; the failure to record it goes to the log file.
        log.exception("could not write %d refusal audit row(s)", len(rows))
