"""Issue 19 on the command line: ``kfdesk audit`` for a supervisor or the manager (a clerk is
refused, and that refusal is on the log); ``kfdesk init`` makes the database 0600 under
umask 022; ``kfdesk demo --force`` rebuilds only a demo, never an office's database."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from kfdesk.__main__ import main
from kfdesk.db import close_store

NOW = "2026-10-09T10:00"


@pytest.fixture(autouse=True)
def _closed() -> Iterator[None]:
    yield
    close_store()


@pytest.fixture
def env(tmp_path: Path, monkeypatch) -> Path:
    """No user settings, no KFDESK_DB, data directory under tmp."""
    monkeypatch.setenv("KFDESK_CONFIG", str(tmp_path / "no-settings.toml"))
    monkeypatch.delenv("KFDESK_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


def run(*argv: str) -> int:
    try:
        return main(list(argv))
    finally:
        close_store()


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    return err


@pytest.fixture
def office_db(env: Path) -> str:
    target = str(env / "office" / "office.db")
    assert run("init", "--db", target, "--login", "boss", "--name", "刘伟", "--pin", "456789",
               "--now", NOW) == 0
    for login, name, role, pin in (("super", "陈静", "supervisor", "345678"),
                                   ("clerk", "张敏", "clerk", "1234")):
        assert run("staff", "add", login, name, role, "--as", "boss", "--as-pin", "456789",
                   "--pin", pin, "--db", target, "--now", NOW) == 0
    return target


@pytest.mark.sqlite_only("the database file kfdesk init creates and its mode")
def test_init_makes_the_database_0600_under_umask_022(env: Path, umask_022: None) -> None:
    target = env / "new" / "office.db"
    assert run("init", "--db", str(target), "--login", "boss", "--name", "刘伟",
               "--pin", "456789", "--now", NOW) == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700
    for side in ("-wal", "-shm"):
        extra = Path(f"{target}{side}")
        if extra.exists():  # SQLite may have folded the WAL back on close
            assert stat.S_IMODE(extra.stat().st_mode) == 0o600


def test_a_clerk_is_refused_and_the_supervisor_sees_it(office_db: str, capsys) -> None:
    capsys.readouterr()
    assert run("audit", "--db", office_db, "--now", "2026-10-09T11:00", "--lang", "en",
               "--as", "clerk", "--as-pin", "1234") == 1
    assert "may not do this: read the audit log" in one_line_error(capsys)
    assert run("audit", "--db", office_db, "--now", "2026-10-09T11:30", "--lang", "en",
               "--as", "super", "--as-pin", "345678", "--since", "2026-10-09T11:00") == 0
    lines = capsys.readouterr().out.splitlines()
    refused = [line for line in lines if "REFUSED" in line]
    assert len(refused) == 1
    assert refused[0].startswith("2026-10-09 11:00:00  clerk  REFUSED read the audit log")
    assert "(role Clerk)" in refused[0]
    assert not any("staff.create" in line for line in lines), "--since leaves the morning out"


def test_json_since_and_actor(office_db: str, capsys) -> None:
    assert run("audit", "--db", office_db, "--now", "2026-10-09T11:00", "--as", "clerk",
               "--as-pin", "1234") == 1
    capsys.readouterr()
    assert run("audit", "--db", office_db, "--now", "2026-10-09T12:00", "--as", "boss",
               "--as-pin", "456789", "--json", "--actor", "clerk") == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["login"] for r in rows} == {"clerk"}
    assert [r["action"] for r in rows if r["refused"]] == ["audit.view"]
    assert rows[-1]["at"] == "2026-10-09T11:00:00+08:00" and rows[-1]["role"] == "clerk"
    assert rows == sorted(rows, key=lambda r: r["at"])
    # Everything on the log from a date on: the manager's own staff.create of 10:00 is there.
    assert run("audit", "--db", office_db, "--now", "2026-10-09T12:00", "--as", "boss",
               "--as-pin", "456789", "--json", "--since", "2026-10-09") == 0
    actions = [(r["login"], r["action"]) for r in json.loads(capsys.readouterr().out)]
    assert ("boss", "staff.create") in actions and ("boss", "audit.view") in actions
    assert run("audit", "--db", office_db, "--now", "2026-10-09T12:00", "--as", "boss",
               "--as-pin", "456789", "--since", "soon") == 1
    assert "--since" in one_line_error(capsys)


def test_demo_force_refuses_an_office_database(office_db: str, capsys) -> None:
    before = Path(office_db).read_bytes()
    capsys.readouterr()
    assert run("demo", "--db", office_db, "--now", NOW, "--build-only", "--force",
               "--lang", "en") == 1
    assert "is not a demo database" in one_line_error(capsys)
    assert Path(office_db).read_bytes() == before  # nothing wiped, nothing written
    # The office is still there: its manager still signs in.
    assert run("staff", "list", "--db", office_db) == 0
    assert "boss" in capsys.readouterr().out
