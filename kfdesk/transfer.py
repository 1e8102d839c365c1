"""Moving an office: copy a whole kfdesk store to another database, verified (``kfdesk migrate``).

The usual move is from the counter PC's SQLite file to the company's PostgreSQL server, when an
office outgrows one machine; any pair works (SQLite → SQLite makes a compacted copy).

- The source is only read: a SQLite file is opened with ``query_only``, and everything is read
  in one read transaction (REPEATABLE READ on PostgreSQL), so the copy is the store as it was
  at one instant even if a counter was still open.
- Source and target must be at this kfdesk's schema version (the copy uses today's models): an
  older source is opened once with this kfdesk first, which migrates it forward. A target with
  no kfdesk schema gets one; a target with any kfdesk row is refused — a move never merges.
- Every table is copied in ``ALL_MODELS`` order with its ids, in one transaction on the target.
  The three references to a later table or to the same table (a defect's original ticket, a
  rework's work order, a charge's service order) are written empty first and filled in once
  every row is in, so no foreign key is ever switched off. PostgreSQL's id sequences are then
  moved past the copied ids, or the next ticket would collide with a copied one.
- Before the commit the target is counted like the source: the rows of every table and the sum
  of every money column (integer fen). Any difference rolls the whole copy back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import peewee as pw

from .clock import Clock
from .db import make_database, open_store
from .models import ALL_MODELS, FenField, SchemaVersion
from .storefile import SCHEMA_VERSION, StoreError, inspect_sqlite, is_url

BATCH = 1000  # rows per INSERT: few round trips, bounded memory on a large audit trail


class TransferError(Exception):
    """The move is refused or failed; ``key`` names the message in the translation catalogue."""

    def __init__(self, key: str, **params: object) -> None:
        self.key = key
        self.params = params
        super().__init__(f"{key}: {params}")


@dataclass(frozen=True)
class Figures:
    """What a store holds, to compare two: rows per table, and the sum of each money column
    (``"payment.amount_fen"`` → fen)."""

    counts: dict[str, int] = field(default_factory=dict)
    money: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class TransferDone:
    version: int
    source: Figures
    target: Figures

    @property
    def rows(self) -> int:
        return sum(self.source.counts.values())


def shown(target: str) -> str:
    """A target fit to print: a URL's password masked."""
    if not is_url(target):
        return target
    parts = urlsplit(target)
    if parts.password is None:
        return target
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def figures(db: pw.Database) -> Figures:
    """Rows per kfdesk table and every money column's total, read from ``db`` (inside the
    caller's transaction, so a copy is compared at one instant)."""
    counts: dict[str, int] = {}
    money: dict[str, int] = {}
    for model in ALL_MODELS:
        table = model._meta.table_name
        fen = [f for f in model._meta.sorted_fields if isinstance(f, FenField)]
        columns = [pw.fn.COUNT(pw.SQL("*"))] + [pw.fn.COALESCE(pw.fn.SUM(f), 0) for f in fen]
        row = db.execute(model.select(*columns)).fetchone()
        counts[table] = int(row[0])
        # PostgreSQL sums a BIGINT as NUMERIC (a Decimal): compared as int, exactly.
        for f, total in zip(fen, row[1:], strict=True):
            money[f"{table}.{f.column_name}"] = int(total)
    return Figures(counts, money)


def reset_sequences(db: pw.Database) -> None:
    """PostgreSQL: move each table's id sequence past the ids copied in (SQLite's next rowid
    is already the largest plus one)."""
    if not isinstance(db, pw.PostgresqlDatabase):
        return
    for model in ALL_MODELS:
        table = model._meta.table_name
        db.execute_sql(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM \"{table}\"), 0) + 1, false)"
        )


def _version(db: pw.Database) -> int | None:
    """The schema version of a connected store (None: no kfdesk schema at all)."""
    if "schema_version" not in db.get_tables():
        return None
    row = db.execute_sql("SELECT version, app FROM schema_version").fetchone()
    if row is None or row[1] != "kfdesk":
        raise StoreError("store.not_kfdesk", path=shown(str(db.database)))
    return int(row[0])


def _connect(db: pw.Database, where: str) -> pw.Database:
    try:
        db.connect(reuse_if_open=True)
    except (pw.OperationalError, pw.DatabaseError) as exc:
        raise StoreError("store.unreadable", path=shown(where),
                         reason=str(exc).strip().splitlines()[0] if str(exc).strip() else "")
    return db


def _open_source(source: str, busy_timeout_ms: int) -> tuple[pw.Database, int]:
    """The source, connected for reading only, and its schema version."""
    if is_url(source):
        db = _connect(make_database(source, busy_timeout_ms), source)
        version = _version(db)
    else:
        path = Path(source)
        if not path.is_file():
            raise StoreError("store.missing", path=source)
        version = inspect_sqlite(path)  # read-only: a foreign file is refused untouched
        # query_only: this connection cannot write, whatever happens below.
        db = _connect(pw.SqliteDatabase(source, timeout=busy_timeout_ms / 1000, pragmas={
            "busy_timeout": busy_timeout_ms, "query_only": 1}), source)
    if version is None:
        db.close()
        raise TransferError("migrate.source_empty", path=shown(source))
    if version != SCHEMA_VERSION:
        db.close()
        raise TransferError("migrate.source_version", path=shown(source), found=version,
                            known=SCHEMA_VERSION)
    return db, version


def _target_version(target: str, busy_timeout_ms: int) -> int | None:
    """The target's schema version before anything is written to it (None: none yet)."""
    if not is_url(target):
        path = Path(target)
        return inspect_sqlite(path) if path.exists() else None
    db = _connect(make_database(target, busy_timeout_ms), target)
    try:
        return _version(db)
    finally:
        db.close()


def _same_store(source: str, target: str) -> bool:
    if is_url(source) or is_url(target):
        return source.rstrip("/") == target.rstrip("/")
    return Path(source).resolve() == Path(target).resolve()


def _forward_references() -> dict[type[pw.Model], list[pw.ForeignKeyField]]:
    """Per model, its references to itself or to a model copied after it."""
    order = {m: i for i, m in enumerate(ALL_MODELS)}
    out: dict[type[pw.Model], list[pw.ForeignKeyField]] = {}
    for model in ALL_MODELS:
        late = [f for f in model._meta.sorted_fields
                if isinstance(f, pw.ForeignKeyField) and order[f.rel_model] >= order[model]]
        if late:
            out[model] = late
    return out


def _copy_table(src: pw.Database, tgt: pw.Database, model: type[pw.Model],
                late: list[pw.ForeignKeyField],
                fill_in: list[tuple[pw.ForeignKeyField, int, object]]) -> None:
    fields = model._meta.sorted_fields
    pk = model._meta.primary_key
    # By name: a Peewee field's == builds an SQL expression, so list.index(field) would not do.
    names = [f.name for f in fields]
    at_pk = names.index(pk.name)
    blank = [names.index(f.name) for f in late]
    last = None
    while True:
        query = model.select(*fields).order_by(pk).limit(BATCH)
        if last is not None:
            query = query.where(pk > last)
        raw = src.execute(query).fetchall()
        if not raw:
            return
        rows = []
        for values in raw:
            # Stored form → Python (SQLite's text instants, 0/1 booleans) → the target's form.
            row = [f.python_value(v) for f, v in zip(fields, values, strict=True)]
            for i in blank:
                if row[i] is not None:
                    fill_in.append((fields[i], row[at_pk], row[i]))
                    row[i] = None
            rows.append(row)
        try:
            tgt.execute(model.insert_many(rows, fields=fields))
        except pw.DatabaseError as exc:
            raise TransferError("migrate.copy_failed", table=model._meta.table_name,
                                first_id=rows[0][at_pk], reason=_first_line(exc))
        last = raw[-1][at_pk]


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def copy_store(source: str, target: str, clock: Clock, *,
               busy_timeout_ms: int = 5000) -> TransferDone:
    """Copy the kfdesk store at ``source`` into the empty store at ``target`` (a path or a
    ``postgresql://`` URL), verified; the models are left bound to the target.

    Raises ``TransferError`` or ``StoreError`` (both with a catalogue key) and then the target
    holds no copied row: a refusal writes nothing, a failure rolls the copy back.
    """
    if _same_store(source, target):
        raise TransferError("migrate.same_store", path=shown(source))
    src, version = _open_source(source, busy_timeout_ms)
    try:
        found = _target_version(target, busy_timeout_ms)
        if found is not None and found != version:
            raise TransferError("migrate.target_version", path=shown(target), found=found,
                                wanted=version)
        # Creates the schema on a new target (the clock stamps its schema_version row).
        tgt = open_store(target, clock, busy_timeout_ms=busy_timeout_ms)
        busy = [m._meta.table_name for m in ALL_MODELS if m is not SchemaVersion
                and tgt.execute(m.select(pw.SQL("1")).limit(1)).fetchone() is not None]
        if busy:
            raise TransferError("migrate.target_not_empty", path=shown(target),
                                tables=", ".join(busy), count=len(busy))
        late = _forward_references()
        # REPEATABLE READ: every table read from one snapshot on PostgreSQL; SQLite's read
        # transaction is a snapshot already.
        snapshot = src.atomic("REPEATABLE READ") if isinstance(src, pw.PostgresqlDatabase) \
            else src.atomic()
        with snapshot, tgt.atomic():
            before = figures(src)
            fill_in: list[tuple[pw.ForeignKeyField, int, object]] = []
            for model in ALL_MODELS:
                if model is SchemaVersion:  # the target's own row, at the same version
                    continue
                _copy_table(src, tgt, model, late.get(model, []), fill_in)
            for fk, row_id, value in fill_in:
                model = fk.model
                tgt.execute(model.update({fk: value}).where(model._meta.primary_key == row_id))
            reset_sequences(tgt)
            after = figures(tgt)
            if after != before:
                raise TransferError("migrate.mismatch", differences=_differences(before, after))
    finally:
        src.close()
    return TransferDone(version, before, after)


def _differences(before: Figures, after: Figures) -> str:
    out = []
    for name in before.counts:
        if before.counts[name] != after.counts.get(name):
            out.append(f"{name} {before.counts[name]}≠{after.counts.get(name)}")
    for name in before.money:
        if before.money[name] != after.money.get(name):
            out.append(f"{name} {before.money[name]}≠{after.money.get(name)}")
    return "; ".join(out)
