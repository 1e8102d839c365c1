"""What is at a store's address, read without the ORM: the schema version a SQLite file
carries, and whether the file can be opened as it is.

Kept apart from ``kfdesk.db`` (Peewee and every model) so the daily start can tell that a
store needs nothing done to it before painting sign-in, and load the ORM after the first
frame (issue 2). Every check here opens the file read-only: a foreign or newer file is
refused untouched.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

# The schema this kfdesk writes; ``kfdesk.db.MIGRATIONS`` brings older stores up to it.
SCHEMA_VERSION = 15
SQLITE_MAGIC = b"SQLite format 3\x00"


class StoreError(Exception):
    """The database cannot be used; ``key`` names the message in the translation catalogue."""

    def __init__(self, key: str, **params: object) -> None:
        self.key = key
        self.params = params
        super().__init__(f"{key}: {params}")


def is_url(target: str) -> bool:
    return target.startswith(("postgresql://", "postgres://"))


def inspect_sqlite(path: Path) -> int | None:
    """The schema version of an existing file (None: empty, new). Opens it read-only."""
    if path.is_dir():
        raise StoreError("store.not_kfdesk", path=str(path))
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise StoreError("store.unreadable", path=str(path), reason=exc.strerror or str(exc))
    if not head:
        return None
    if head != SQLITE_MAGIC:
        raise StoreError("store.not_kfdesk", path=str(path))
    # Issue 19: a SQLite file cut short (a copy that stopped, a full disk) or with a damaged
    # page is a damaged kfdesk store, not "not a kfdesk database"; and the check leaves no
    # -wal/-shm beside a file it refuses (a read-only open of a WAL file makes them).
    sidecars = [path.with_name(path.name + end) for end in ("-wal", "-shm")]
    existed = {p for p in sidecars if p.exists()}
    try:
        return _inspect_header_ok(path)
    except StoreError:
        for p in sidecars:
            if p not in existed:
                p.unlink(missing_ok=True)
        raise


def _looks_damaged(path: Path) -> bool:
    """The header's page count says more pages than the file holds (cut short)."""
    with path.open("rb") as fh:
        header = fh.read(100)
    if len(header) < 100:
        return True
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    size = path.stat().st_size
    return bool(page_size) and (size % page_size != 0 or (pages and size < pages * page_size))


def _quick_check_ok(path: Path) -> bool:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return conn.execute("PRAGMA quick_check(1)").fetchone()[0] == "ok"
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return False


def _inspect_header_ok(path: Path) -> int | None:
    try:
        if _looks_damaged(path):
            raise StoreError("store.damaged", path=str(path))
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            tables = {r[0] for r in rows}
            if not tables:
                return None
            if "schema_version" not in tables:
                raise StoreError("store.not_kfdesk", path=str(path))
            row = conn.execute("SELECT version, app FROM schema_version").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        # SQLite's own header, then an error: a damaged page (PRAGMA quick_check says so,
        # only now — on a sound file it would cost every start a full read) or a foreign file.
        key = "store.not_kfdesk" if _quick_check_ok(path) else "store.damaged"
        raise StoreError(key, path=str(path)) from None
    except OSError as exc:
        raise StoreError("store.unreadable", path=str(path),
                         reason=exc.strerror or str(exc)) from None
    if row is None or row[1] != "kfdesk":
        raise StoreError("store.not_kfdesk", path=str(path))
    return int(row[0])


def ready_as_is(target: str) -> bool:
    """True when ``target`` is a SQLite kfdesk store at this schema version with at least one
    staff member: opening it will create, migrate and refuse nothing, so the open can wait
    until after the first frame. False for anything else (a URL, a missing, foreign, older
    or newer file, no staff, a file that cannot be read) — the caller then opens it at once,
    and that open says what is wrong."""
    if is_url(target):
        return False
    path = Path(target)
    try:
        if not path.is_file() or inspect_sqlite(path) != SCHEMA_VERSION:
            return False
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return conn.execute("SELECT 1 FROM staff LIMIT 1").fetchone() is not None
        finally:
            conn.close()
    except (StoreError, OSError, sqlite3.Error):
        return False
