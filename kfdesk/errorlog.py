"""The error log: where a store error's details go when the clerk is shown one line (issue 19).

A database that refuses a save (a value too long for PostgreSQL, a constraint, a full disk, a
read-only file) must not put a traceback in front of the clerk nor close the counter; the clerk
reads one line, and whoever looks after the counter PC finds the details here:
``KFDESK_LOG`` if set, else ``errors.log`` in the user's state folder
(``~/.local/state/kfdesk/`` on Linux). The file is made 0600: an SQL error may quote a
resident's data.
"""

from __future__ import annotations

import os
import traceback
from pathlib import Path


def log_path(environ: dict[str, str] | None = None) -> Path:
    """Where the details of errors shown in one line are appended."""
    env = os.environ if environ is None else environ
    if env.get("KFDESK_LOG"):
        return Path(env["KFDESK_LOG"])
    state = env.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "kfdesk" / "errors.log"


def log_error(exc: BaseException, where: str) -> Path:
    """Append ``exc`` with its traceback under the heading ``where``; the log's path. Never
    raises: a log that cannot be written must not turn one line back into a crash."""
    path = log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as out:
            out.write(f"--- {where}: {type(exc).__name__}\n")
            out.write("".join(traceback.format_exception(exc)))
    except OSError:
        pass
    return path


def root_cause(exc: BaseException) -> BaseException:
    """The first error of a chain: SQLite's "cannot rollback" is raised while handling the
    "database or disk is full" that the clerk needs to read (issue 19)."""
    seen = {id(exc)}
    while True:
        inner = exc.__cause__ or exc.__context__
        if inner is None or id(inner) in seen:
            return exc
        seen.add(id(inner))
        exc = inner


def one_line(exc: BaseException) -> str:
    """The first error's message on one line (the database's own words), for the clerk."""
    first = root_cause(exc)
    text = " ".join(str(first).split())
    return text[:200] or type(first).__name__


def is_store_or_file_error(exc: BaseException) -> bool:
    """A refusal of the database or the file system (not a bug in kfdesk): a read-only or
    full disk, a path that cannot be written, a database that refused a statement. Decided
    by the exception's module so that the CLI's start imports neither peewee nor a driver."""
    if isinstance(exc, OSError):
        return True
    module = type(exc).__module__.split(".")[0]
    return module in ("sqlite3", "peewee", "psycopg2", "psycopg")
