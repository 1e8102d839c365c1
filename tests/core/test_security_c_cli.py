"""Issue 19: the CLI's failures are one line on stderr — a read-only database under a command
that writes (``--as``), a path that cannot be written (``backup --to /proc/x.db``), a full disk
(the first cause, not SQLite's "cannot rollback"), an empty (0-byte) file that must not become a
new store, a SQLite file cut short or with a damaged page (not "not a kfdesk database", and no
-wal/-shm left beside it), and ``due --at garbage`` (blames --at, not --now).

SQLite files only: these are the file's own failures. The run is in-process through ``main``.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import peewee as pw
import pytest

from kfdesk.__main__ import main
from kfdesk.db import close_store
from kfdesk.errorlog import one_line
from kfdesk.i18n import t

NOW = "2026-10-09T10:00"


@pytest.fixture(autouse=True)
def _closed() -> Iterator[None]:
    yield
    close_store()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KFDESK_CONFIG", str(tmp_path / "no-settings.toml"))
    monkeypatch.delenv("KFDESK_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("KFDESK_LOG", str(tmp_path / "errors.log"))
    return tmp_path


@pytest.fixture
def office_db(env: Path) -> Path:
    path = env / "office.db"
    assert main(["init", "--db", str(path), "--login", "boss", "--name", "刘伟",
                 "--pin", "123456", "--now", NOW, "--lang", "en"]) == 0
    close_store()
    return path


def one_line_err(capsys: pytest.CaptureFixture) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


def test_due_at_garbage_blames_at(office_db: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["due", "--db", str(office_db), "--at", "garbage", "--lang", "en"]) == 1
    err = one_line_err(capsys)
    assert "--at" in err and "--now" not in err and "garbage" in err


def test_an_empty_file_does_not_become_a_new_store(env: Path,
                                                   capsys: pytest.CaptureFixture) -> None:
    path = env / "copied.db"
    path.write_bytes(b"")
    assert main(["due", "--db", str(path), "--lang", "en"]) == 1
    assert one_line_err(capsys).strip() == "kfdesk: " + t("store.empty", lang="en",
                                                         path=str(path))
    assert path.stat().st_size == 0
    assert sorted(p.name for p in env.glob("copied.db*")) == ["copied.db"]


def test_a_file_cut_short_is_damaged_not_foreign_and_gets_no_wal(
        office_db: Path, env: Path, capsys: pytest.CaptureFixture) -> None:
    cut = env / "cut.db"
    cut.write_bytes(office_db.read_bytes()[:8192])
    assert main(["due", "--db", str(cut), "--lang", "en"]) == 1
    assert one_line_err(capsys).strip() == "kfdesk: " + t("store.damaged", lang="en",
                                                         path=str(cut))
    assert sorted(p.name for p in env.glob("cut.db*")) == ["cut.db"]


def test_a_damaged_page_is_found_by_quick_check(office_db: Path, env: Path,
                                                capsys: pytest.CaptureFixture) -> None:
    bad = env / "bad.db"
    bad.write_bytes(office_db.read_bytes())
    con = sqlite3.connect(bad)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    (root,) = con.execute("SELECT rootpage FROM sqlite_master WHERE name='schema_version'"
                          ).fetchone()
    page = con.execute("PRAGMA page_size").fetchone()[0]
    con.close()
    for end in ("-wal", "-shm"):
        Path(str(bad) + end).unlink(missing_ok=True)
    data = bytearray(bad.read_bytes())
    start = (root - 1) * page
    data[start:start + page] = b"\xa5" * page  # the page of schema_version: garbage
    bad.write_bytes(bytes(data))
    assert main(["due", "--db", str(bad), "--lang", "en"]) == 1
    assert "damaged" in one_line_err(capsys)


def test_backup_to_a_path_that_cannot_be_written_is_one_line(
        office_db: Path, env: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["backup", "--db", str(office_db), "--to", "/proc/x.db", "--as", "boss",
                 "--as-pin", "123456", "--now", NOW, "--lang", "en"]) == 1
    err = one_line_err(capsys)
    assert "/proc/x.db" in err and str(env / "errors.log") in err
    assert "Traceback" in (env / "errors.log").read_text(encoding="utf-8")


def test_a_read_only_database_is_one_line(office_db: Path, env: Path,
                                          capsys: pytest.CaptureFixture,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The file read-only (as root, whom file modes do not stop, SQLite's read-only open)."""
    if os.geteuid() != 0:
        office_db.chmod(0o444)
    else:
        import kfdesk.db as db_module

        made = db_module.make_database

        def read_only(target: str, busy_timeout_ms: int = 5000) -> pw.Database:
            db = made(target, busy_timeout_ms)
            db.database = f"file:{target}?mode=ro"
            db.connect_params["uri"] = True
            return db

        monkeypatch.setattr(db_module, "make_database", read_only)
    assert main(["staff", "add", "clerk2", "王芳", "clerk", "--db", str(office_db),
                 "--as", "boss", "--as-pin", "123456", "--now", NOW, "--lang", "en"]) == 1
    err = one_line_err(capsys)
    assert "readonly" in err or "read-only" in err or "read only" in err


def test_the_first_cause_is_named_not_cannot_rollback() -> None:
    """SQLite's "cannot rollback" is raised while handling the full disk: the line says
    what the clerk can act on."""
    try:
        try:
            raise sqlite3.OperationalError("database or disk is full")
        except sqlite3.OperationalError:
            raise pw.OperationalError("cannot rollback - no transaction is active")  # noqa: B904
    except pw.OperationalError as exc:
        assert one_line(exc) == "database or disk is full"
