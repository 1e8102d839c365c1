"""Backups and restores of the store: ``kfdesk backup``, the daily backup, ``kfdesk restore``.

- **SQLite**: SQLite's online backup API (``sqlite3.Connection.backup``) copies the whole file
  in one step, that is inside one read transaction: in WAL mode the counters keep writing
  meanwhile and the copy is the store as it was at one instant — every receipt with its
  payment, never half a transaction. The copy is made as ``NAME.part``, switched to the
  rollback journal (one self-contained file), checked with ``PRAGMA integrity_check`` and only
  then given its name.
- **PostgreSQL**: ``pg_dump -Fc`` when it is on PATH. The rows of every table are counted in
  a REPEATABLE READ transaction whose snapshot ``pg_dump --snapshot`` then dumps, so the
  counts written beside the dump (``NAME.dump.json``) are exactly those of the dump, and a
  restore can be verified against them.
- **Where**: ``--to FILE``, else a ``backups/`` folder beside the SQLite file (the user data
  folder for PostgreSQL), or ``backup.folder`` in the settings; the file is named after the
  database and the office-zone date and time (``kfdesk-20261009-180000.db``).
- **Daily**: ``due_backup`` / ``run_daily_backup``, called from the app's refresh, make at
  most one backup a day once ``backup.daily_at`` has passed (``kfdesk-daily-20261009.db``) and
  then delete the daily backups older than ``backup.keep_days`` — only those, recognised by
  their name; a backup made by hand is never deleted. A failed daily backup is not retried
  for an hour (the refresh runs every 30 s; the office is told once, not twice a minute).
- **Restore** into an EMPTY target only (a missing or empty SQLite file, a PostgreSQL
  database without tables), then verified: integrity check, the row count of every table and
  the schema version equal the backup's. Signed by a manager of the backed-up office (the PIN
  is checked against the backup before anything is written).

Backups hold every resident's private data (KF-017), so making one by hand is for a supervisor
or manager and restoring one for a manager. Each is audited in the store that is open: the
backup in the store backed up (after the copy, so the copy does not contain its own event),
the restore in the restored store.
"""

from __future__ import annotations

import hmac
import json
import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from .clock import Clock
from .config import Settings, user_data_dir
from .desk.base import DeskError, audit, require_role, transaction
from .desk.staff import hash_pin
from .models import Staff, database
from .storefile import SCHEMA_VERSION, StoreError, inspect_sqlite, is_url

BACKUP_ROLES = ("supervisor", "manager")
RESTORE_ROLES = ("manager",)
# A failed daily backup waits this long before the next try (see the module docstring).
RETRY_AFTER = timedelta(hours=1)
PG_MAGIC = b"PGDMP"
_failed_at: dict[str, datetime] = {}  # db target → last failed daily backup (this process)


@dataclass(frozen=True)
class BackupDone:
    """A backup made: where, how big, and what it holds (rows per table)."""

    path: Path
    size: int
    schema_version: int
    counts: dict[str, int] = field(default_factory=dict)
    daily: bool = False
    pruned: tuple[Path, ...] = ()

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class RestoreDone:
    """A restore made and verified."""

    target: str
    schema_version: int
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


# --------------------------------------------------------------------------------------------
# names and places


def _safe(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z_.\-]+", "_", text).strip("._") or "kfdesk"


def store_name(db_target: str) -> str:
    """What backups of ``db_target`` are named after: the file's stem, or the database."""
    if is_url(db_target):
        return _safe(unquote(urlsplit(db_target).path.lstrip("/")) or "postgres")
    return _safe(Path(db_target).stem)


def backup_folder(db_target: str, settings: Settings) -> Path:
    """``backup.folder`` (a relative one: beside the database), else ``backups/`` beside the
    SQLite file, else (PostgreSQL) ``backups/`` in the user data folder."""
    beside = (user_data_dir() if is_url(db_target)
              else Path(db_target).expanduser().resolve().parent)
    configured = str(settings.get("backup.folder")).strip()
    if configured:
        folder = Path(configured).expanduser()
        return folder if folder.is_absolute() else beside / folder
    return beside / "backups"


def _suffix(db_target: str) -> str:
    return ".dump" if is_url(db_target) else ".db"


def backup_name(db_target: str, now: datetime, settings: Settings, *, daily: bool = False) -> str:
    """``kfdesk-20261009-180000.db`` (by hand) or ``kfdesk-daily-20261009.db`` (the daily one),
    dated in the office zone."""
    local = now.astimezone(settings.zone)
    stamp = f"daily-{local:%Y%m%d}" if daily else f"{local:%Y%m%d-%H%M%S}"
    return f"{store_name(db_target)}-{stamp}{_suffix(db_target)}"


def _daily_pattern(db_target: str) -> re.Pattern[str]:
    return re.compile(rf"{re.escape(store_name(db_target))}-daily-(\d{{8}})"
                      rf"{re.escape(_suffix(db_target))}(\.json|\.part)?")


# --------------------------------------------------------------------------------------------
# reading a store's contents (plain drivers: the judge of a copy does not use the copy's ORM)


def _sqlite_counts(con: sqlite3.Connection) -> dict[str, int]:
    names = [n for (n,) in con.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name")]
    return {n: con.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0] for n in names}


def _sqlite_version(con: sqlite3.Connection) -> int:
    row = con.execute("SELECT version FROM schema_version").fetchone()
    return int(row[0])


def _pg_counts(cur) -> dict[str, int]:  # noqa: ANN001 - a psycopg2 cursor
    cur.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = "
                "current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name")
    names = [r[0] for r in cur.fetchall()]
    counts = {}
    for name in names:
        cur.execute(f'SELECT COUNT(*) FROM "{name}"')
        counts[name] = int(cur.fetchone()[0])
    return counts


def _pg_split(url: str) -> tuple[str, dict[str, str]]:
    """The URL without its password, and an environment carrying the password (so it is not
    on the command line of ``pg_dump``/``pg_restore`` for every ``ps`` to read)."""
    parts = urlsplit(url.replace("postgres://", "postgresql://", 1))
    env = dict(os.environ)
    if parts.password is not None:
        env["PGPASSWORD"] = unquote(parts.password)
        host = parts.hostname or ""
        if ":" in host:
            host = f"[{host}]"
        netloc = (f"{parts.username}@" if parts.username else "") + host + (
            f":{parts.port}" if parts.port else "")
        parts = parts._replace(netloc=netloc)
    return urlunsplit(parts), env


def _pg_connect(url: str):  # noqa: ANN202 - a psycopg2 connection
    try:
        import psycopg2
    except ImportError:
        raise DeskError("backup.no_psycopg2")
    try:
        return psycopg2.connect(url.replace("postgres://", "postgresql://", 1))
    except psycopg2.Error as exc:
        raise DeskError("backup.pg_failed", reason=_last_line(str(exc)))


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _tool(name: str) -> str:
    exe = shutil.which(name)
    if exe is None:
        raise DeskError("backup.no_tool", tool=name)
    return exe


# --------------------------------------------------------------------------------------------
# making a backup


def _claim(part: Path) -> None:
    """Create ``part`` exclusively: a second counter making the same backup backs off."""
    try:
        os.close(os.open(part, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        raise DeskError("backup.in_progress", path=str(part))


def _publish(part: Path, dest: Path) -> None:
    """Give the finished copy its name; never over an existing file."""
    try:
        os.link(part, dest)
    except FileExistsError:
        raise DeskError("backup.exists", path=str(dest))
    except OSError:  # no hard links here (some network or FAT drives)
        if dest.exists():
            raise DeskError("backup.exists", path=str(dest))
        os.replace(part, dest)
        return
    part.unlink()


def _sqlite_copy(source: Path, part: Path, busy_ms: int) -> tuple[int, dict[str, int]]:
    if not source.is_file():
        raise DeskError("backup.no_store", path=str(source))
    src = sqlite3.connect(str(source), timeout=busy_ms / 1000)
    dst = sqlite3.connect(str(part))
    try:
        # One step (pages=-1): one read transaction over the whole copy, so the copy is one
        # instant of the store; WAL lets the counters write meanwhile.
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        if dst.execute("PRAGMA integrity_check").fetchall() != [("ok",)]:
            raise DeskError("backup.copy_damaged", path=str(part))
        return _sqlite_version(dst), _sqlite_counts(dst)
    except sqlite3.DatabaseError as exc:
        raise DeskError("backup.failed", path=str(source), reason=str(exc))
    finally:
        dst.close()
        src.close()


def _pg_dump(url: str, part: Path) -> tuple[int, dict[str, int]]:
    exe = _tool("pg_dump")
    conn = _pg_connect(url)
    try:
        conn.set_session(isolation_level="REPEATABLE READ", readonly=True)
        with conn.cursor() as cur:
            cur.execute("SELECT pg_export_snapshot()")
            snapshot = cur.fetchone()[0]
            counts = _pg_counts(cur)
            cur.execute("SELECT version FROM schema_version")
            version = int(cur.fetchone()[0])
            plain, env = _pg_split(url)
            # The snapshot stays valid while this transaction is open: the dump holds
            # exactly the rows counted above.
            done = subprocess.run(
                [exe, "--format=custom", f"--snapshot={snapshot}", "--file", str(part),
                 "--dbname", plain], env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise DeskError("backup.failed", path=plain,
                            reason=_last_line(done.stderr) or f"pg_dump {done.returncode}")
        return version, counts
    finally:
        conn.rollback()
        conn.close()


def _write_manifest(path: Path, version: int, counts: dict[str, int], now: datetime) -> None:
    text = json.dumps({"app": "kfdesk", "schema_version": version, "counts": counts,
                       "made_at": now.isoformat()}, ensure_ascii=False, indent=1)
    path.with_name(path.name + ".json").write_text(text, encoding="utf-8")


def make_backup(db_target: str, dest: str | Path | None, clock: Clock, settings: Settings, *,
                actor: Staff | None = None, daily: bool = False) -> BackupDone:
    """Back up the store at ``db_target`` to ``dest`` (default: ``backup_folder``/
    ``backup_name``); refuses to overwrite a file. Audited in the open store when one is
    bound; ``actor`` (a supervisor or manager) signs a backup made by hand, the daily one is
    the system's."""
    if actor is not None:
        require_role(actor, BACKUP_ROLES, "store.backup")
    now = clock.now()
    if dest is None:
        folder = backup_folder(db_target, settings)
        path = folder / backup_name(db_target, now, settings, daily=daily)
    else:
        path = Path(dest).expanduser()
    if path.exists():
        raise DeskError("backup.exists", path=str(path))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DeskError("backup.failed", path=str(path), reason=exc.strerror or str(exc))
    part = path.with_name(path.name + ".part")
    _claim(part)
    try:
        if is_url(db_target):
            version, counts = _pg_dump(db_target, part)
        else:
            busy = int(settings.get("database.busy_timeout_ms"))
            version, counts = _sqlite_copy(Path(db_target).expanduser(), part, busy)
        _publish(part, path)
        if is_url(db_target):  # what a restore is verified against (the module docstring)
            _write_manifest(path, version, counts, now)
    finally:
        part.unlink(missing_ok=True)
    done = BackupDone(path, path.stat().st_size, version, counts, daily)
    if database.obj is not None:
        with transaction():
            audit(actor, clock, "store.backup", None, path=str(path), size=done.size,
                  rows=done.rows, tables=len(counts), schema_version=version, daily=daily)
    return done


# --------------------------------------------------------------------------------------------
# the daily backup


def _daily_at(settings: Settings) -> time | None:
    text = str(settings.get("backup.daily_at")).strip()
    if not text:
        return None  # daily backups switched off
    try:
        hours, minutes = text.split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise DeskError("backup.bad_daily_at", value=text)


def due_backup(now: datetime, settings: Settings, db_target: str) -> bool:
    """True when today's daily backup should be made now: ``backup.daily_at`` has passed in
    the office zone, today's is not in the folder yet, and no try failed within the hour."""
    at = _daily_at(settings)
    if at is None:
        return False
    local = now.astimezone(settings.zone)
    if local.time() < at:
        return False
    failed = _failed_at.get(db_target)
    if failed is not None and now - failed < RETRY_AFTER:
        return False
    name = backup_name(db_target, now, settings, daily=True)
    folder = backup_folder(db_target, settings)
    return not (folder / name).exists() and not (folder / f"{name}.part").exists()


def prune_daily(db_target: str, today: date, settings: Settings) -> tuple[Path, ...]:
    """Delete the daily backups of ``db_target`` older than ``backup.keep_days`` (0: keep
    all), with their manifests and any half-made copy of an earlier day. Files by any other
    name — backups made by hand included — are never touched."""
    keep = int(settings.get("backup.keep_days"))
    folder = backup_folder(db_target, settings)
    if keep <= 0 or not folder.is_dir():
        return ()
    pattern = _daily_pattern(db_target)
    gone = []
    for entry in sorted(folder.iterdir()):
        match = pattern.fullmatch(entry.name)
        if match is None or not entry.is_file():
            continue
        try:
            made = datetime.strptime(match.group(1), "%Y%m%d").date()
        except ValueError:
            continue
        stale_part = match.group(2) == ".part" and made < today
        if (today - made).days >= keep or stale_part:
            with suppress(FileNotFoundError):
                entry.unlink()
                gone.append(entry)
    return tuple(gone)


def run_daily_backup(clock: Clock, settings: Settings, db_target: str) -> BackupDone | None:
    """Make today's backup if it is due, then prune the old daily ones; None when not due or
    another counter is making it. Old backups are deleted only after today's is made. A
    failure raises ``DeskError`` once, then waits ``RETRY_AFTER``."""
    now = clock.now()
    if not due_backup(now, settings, db_target):
        return None
    try:
        done = make_backup(db_target, None, clock, settings, daily=True)
    except DeskError as exc:
        if exc.key in ("backup.in_progress", "backup.exists"):
            return None  # another counter on this store got there first
        _failed_at[db_target] = now
        raise
    _failed_at.pop(db_target, None)
    pruned = prune_daily(db_target, now.astimezone(settings.zone).date(), settings)
    return BackupDone(done.path, done.size, done.schema_version, done.counts, True, pruned)


# --------------------------------------------------------------------------------------------
# restoring


def _kind(path: Path) -> str:
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise DeskError("backup.unreadable", path=str(path), reason=exc.strerror or str(exc))
    if head.startswith(PG_MAGIC):
        return "pg"
    if head.startswith(b"SQLite format 3"):
        return "sqlite"
    raise DeskError("backup.not_a_backup", path=str(path))


def _read_only(path: Path) -> sqlite3.Connection:
    # As a URI, so a path with "?" or "#" in it is still a path.
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def _sqlite_staff(path: Path) -> dict[str, dict[str, str]]:
    con = _read_only(path)
    try:
        rows = con.execute("SELECT id, login, role, pin_salt, pin_hash, active FROM staff")
        return {r[1]: {"id": str(r[0]), "role": r[2], "pin_salt": r[3], "pin_hash": r[4],
                       "active": "t" if r[5] else "f"} for r in rows}
    finally:
        con.close()


def _copy_unescape(value: str) -> str:
    """A field of PostgreSQL's COPY text format as text."""
    table = {"t": "\t", "n": "\n", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "\\": "\\"}
    return re.sub(r"\\(.)", lambda m: table.get(m.group(1), m.group(1)), value)


def _pg_staff(dump: Path) -> dict[str, dict[str, str]]:
    """The staff table of a ``pg_dump -Fc`` file, read with ``pg_restore`` to standard output
    (nothing is written anywhere)."""
    done = subprocess.run([_tool("pg_restore"), "--data-only", "--table=staff", "--file=-",
                           str(dump)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise DeskError("backup.not_a_backup", path=str(dump))
    lines = iter(done.stdout.splitlines())
    columns: list[str] = []
    for line in lines:
        if line.startswith("COPY ") and "staff" in line:
            columns = [c.strip().strip('"') for c in line[line.index("(") + 1:
                                                          line.index(")")].split(",")]
            break
    out = {}
    for line in lines:
        if line == "\\.":
            break
        values = dict(zip(columns, (_copy_unescape(v) for v in line.split("\t")), strict=False))
        out[values.get("login", "")] = values
    return out


def _check_signer(staff: dict[str, dict[str, str]], login: str, pin: str) -> int:
    """The id of the manager who signs the restore, checked against the backup's staff."""
    row = staff.get(login.strip())
    # An unknown login costs the same scrypt work and reads the same as a wrong PIN (issue 19).
    salt = bytes.fromhex(row["pin_salt"]) if row is not None else b"kfdesk-no-such-login"
    expected = hash_pin(pin, salt)
    if row is None or not hmac.compare_digest(expected, row["pin_hash"]):
        raise DeskError("security_a.bad_credentials", field="pin")
    if row["active"] not in ("t", "1", "true", "True"):
        raise DeskError("auth.inactive", field="login", login=login)
    require_role(Staff(role=row["role"]), RESTORE_ROLES, "store.restore")
    return int(row["id"])


def _sqlite_target_empty(target: Path) -> None:
    if not target.exists() or (target.is_file() and target.stat().st_size == 0):
        return
    if not target.is_file():
        raise DeskError("backup.target_not_empty", target=str(target))
    try:
        con = _read_only(target)
        try:
            tables = con.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0]
        finally:
            con.close()
    except sqlite3.DatabaseError:
        raise DeskError("backup.target_not_empty", target=str(target))
    if tables:
        raise DeskError("backup.target_not_empty", target=str(target))


def _restore_sqlite(source: Path, target: Path, busy_ms: int) -> tuple[int, dict[str, int]]:
    with suppress(OSError):
        if target.exists() and source.samefile(target):
            raise DeskError("backup.target_not_empty", target=str(target))
    _sqlite_target_empty(target)
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # The restored store holds what the office's does: the owner's only, like a new one
    # (kfdesk.db.open_store, issue 19); SQLite gives its -wal/-shm the same mode.
    with suppress(FileExistsError):
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    src = _read_only(source)
    dst = sqlite3.connect(str(target), timeout=busy_ms / 1000)
    try:
        # Checked again on the connection that writes: nothing slipped in meanwhile. The
        # backup API writes the target in one transaction of its own: a crash leaves it empty.
        if dst.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0]:
            raise DeskError("backup.target_not_empty", target=str(target))
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=WAL")  # the store's own mode (kfdesk.db)
        wanted = (_sqlite_version(src), _sqlite_counts(src))
        if dst.execute("PRAGMA integrity_check").fetchall() != [("ok",)]:
            raise DeskError("backup.restore_mismatch", target=str(target), what="integrity_check")
        found = (_sqlite_version(dst), _sqlite_counts(dst))
    finally:
        dst.close()
        src.close()
    _compare(str(target), wanted, found)
    return found


def _compare(target: str, wanted: tuple[int, dict[str, int]],
             found: tuple[int, dict[str, int]]) -> None:
    if wanted[0] != found[0]:
        raise DeskError("backup.restore_mismatch", target=target,
                        what=f"schema_version {found[0]} ≠ {wanted[0]}")
    for table in sorted(set(wanted[1]) | set(found[1])):
        if wanted[1].get(table) != found[1].get(table):
            raise DeskError("backup.restore_mismatch", target=target,
                            what=f"{table}: {found[1].get(table)} ≠ {wanted[1].get(table)}")


def _restore_pg(dump: Path, url: str) -> tuple[int, dict[str, int]]:
    manifest = dump.with_name(dump.name + ".json")
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        wanted = (int(data["schema_version"]), {k: int(v) for k, v in data["counts"].items()})
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        raise DeskError("backup.no_manifest", path=str(manifest))
    exe = _tool("pg_restore")
    conn = _pg_connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM information_schema.tables "
                        "WHERE table_schema = current_schema()")
            if cur.fetchone()[0]:
                raise DeskError("backup.target_not_empty", target=_pg_split(url)[0])
        conn.rollback()
        plain, env = _pg_split(url)
        # One transaction: a failure leaves the target as empty as it was.
        done = subprocess.run([exe, "--no-owner", "--no-privileges", "--single-transaction",
                               "--exit-on-error", "--dbname", plain, str(dump)], env=env,
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise DeskError("backup.failed", path=plain,
                            reason=_last_line(done.stderr) or f"pg_restore {done.returncode}")
        with conn.cursor() as cur:
            counts = _pg_counts(cur)
            cur.execute("SELECT version FROM schema_version")
            found = (int(cur.fetchone()[0]), counts)
        conn.rollback()
    finally:
        conn.close()
    _compare(_pg_split(url)[0], wanted, found)
    return found


@contextmanager
def _bound_to(target: str, clock: Clock, settings: Settings) -> Iterator[None]:
    """The models bound to ``target`` for the block, then to whatever they were bound to."""
    from .db import open_store

    before = database.obj
    try:
        db = open_store(target, clock, create=False,
                        busy_timeout_ms=int(settings.get("database.busy_timeout_ms")))
    except StoreError as exc:
        raise DeskError(exc.key, **exc.params)
    try:
        yield
    finally:
        db.close()
        if before is not None:
            database.initialize(before)


def restore(backup_file: str | Path, target: str, login: str, pin: str, clock: Clock,
            settings: Settings) -> RestoreDone:
    """Restore ``backup_file`` into the EMPTY store ``target`` and verify it; signed by a
    manager of the backed-up office (``login``/``pin`` checked against the backup first).

    A SQLite backup goes into a SQLite file, a ``pg_dump`` file into a PostgreSQL database
    (moving an office between the two is ``kfdesk migrate``). The restore's audit event is
    written into the restored store.
    """
    source = Path(backup_file).expanduser()
    if not source.is_file():
        raise DeskError("backup.no_file", path=str(source))
    kind = _kind(source)
    if kind == "sqlite":
        try:
            version = inspect_sqlite(source)
        except StoreError as exc:
            raise DeskError(exc.key, **exc.params)
        if version is None:
            raise DeskError("backup.not_a_backup", path=str(source))
        if version > SCHEMA_VERSION:
            raise DeskError("store.too_new", path=str(source), found=version,
                            known=SCHEMA_VERSION)
        if is_url(target):
            raise DeskError("backup.wrong_target", path=str(source), target=target)
        try:
            signer = _check_signer(_sqlite_staff(source), login, pin)
            version, counts = _restore_sqlite(source, Path(target).expanduser(),
                                              int(settings.get("database.busy_timeout_ms")))
        except (sqlite3.DatabaseError, OSError) as exc:  # locked, unreadable, a full disk …
            raise DeskError("backup.restore_failed", target=target, reason=str(exc))
    else:
        if not is_url(target):
            raise DeskError("backup.wrong_target", path=str(source), target=target)
        signer = _check_signer(_pg_staff(source), login, pin)
        version, counts = _restore_pg(source, target)
    shown = target if not is_url(target) else _pg_split(target)[0]
    with _bound_to(target, clock, settings):
        with transaction():
            audit(Staff.get_by_id(signer), clock, "store.restore", None, source=str(source),
                  target=shown, schema_version=version, rows=sum(counts.values()),
                  tables=len(counts))
    return RestoreDone(shown, version, counts)
