"""Backups and restores (issue 9): ``kfdesk.backup`` and ``kfdesk backup`` / ``kfdesk restore``.

- a backup taken while another connection takes payments is one consistent instant of the
  store (the cashier's books whole, judged by ``test_crash.check_books``);
- a restore goes only into an empty target, is verified, and is signed by a manager of the
  backed-up office; each backup and restore is audited;
- the daily backup is made once a day after ``backup.daily_at`` and prunes only its own old
  files.
"""

from __future__ import annotations

import argparse
import sqlite3
import threading
from datetime import date
from pathlib import Path

import pytest
from test_crash import check_books
from tills import pay

from kfdesk.backup import (
    backup_folder,
    due_backup,
    make_backup,
    prune_daily,
    restore,
    run_daily_backup,
)
from kfdesk.backup_cli import add_backup_parser, run_backup
from kfdesk.clock import FixedClock, parse_instant
from kfdesk.config import default_settings
from kfdesk.db import SCHEMA_VERSION, close_store, open_store
from kfdesk.desk.base import DeskError
from kfdesk.models import AuditEvent, Bill, BillLine, Receipt, database

WAIT = 120  # seconds: a guard against a stuck thread, not a timed assertion


def _at(text: str) -> FixedClock:
    """A clock stopped at ``text``, office time."""
    return FixedClock(parse_instant(text, default_settings().zone))


def _table_counts(path: Path) -> dict[str, int]:
    con = sqlite3.connect(path)
    try:
        names = [n for (n,) in con.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
        return {n: con.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0] for n in names}
    finally:
        con.close()


def _events(path: Path, action: str) -> int:
    con = sqlite3.connect(path)
    try:
        return con.execute("SELECT COUNT(*) FROM audit_event WHERE action = ?",
                           (action,)).fetchone()[0]
    finally:
        con.close()


# --------------------------------------------------------------------------------------------
# SQLite: a consistent copy while a counter writes


@pytest.mark.sqlite_only("SQLite's online backup API")
def test_backup_while_a_counter_takes_payments_is_consistent(office: dict, clock: FixedClock,
                                                              store: Path,
                                                              tmp_path: Path) -> None:
    settings = default_settings()
    for month in ("2026-08", "2026-09"):  # something owed, so payments allocate over lines
        bill = Bill.create(unit=office["unit"], month=month, created_at=clock.now(),
                           total_fen=40000)
        for item in ("property_fee", "water"):
            BillLine.create(bill=bill, item=item, quantity_centi=100, rate_e4=1,
                            amount_fen=20000)
    started, backed_up, stopped = threading.Event(), threading.Event(), threading.Event()
    taken: list[str] = []
    failed: list[BaseException] = []

    def counter() -> None:
        # Its own connection (Peewee keeps one per thread), writing through the desk service.
        try:
            after = 0
            while after < 5:
                taken.append(pay("", 3700 + len(taken), "cash", office["cashier"], clock,
                                 settings))
                if len(taken) == 5:
                    started.set()
                after += backed_up.is_set()
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            failed.append(exc)
        finally:
            database.obj.close()
            started.set()
            stopped.set()

    writer = threading.Thread(target=counter)
    writer.start()
    assert started.wait(WAIT)
    copies = []
    for i in range(3):  # each made while the counter keeps taking payments
        copies.append(make_backup(str(store), tmp_path / f"copy-{i}.db", clock, settings,
                                  actor=office["super"]))
    backed_up.set()
    assert stopped.wait(WAIT)
    writer.join()
    assert failed == []
    receipts_now = Receipt.select().count()
    seen = []
    for done in copies:
        assert done.path.exists() and not Path(f"{done.path}.part").exists()
        counts = check_books(done.path)  # integrity, receipts ↔ payments, gapless, allocations
        assert done.counts == _table_counts(done.path)  # what the backup says it holds
        assert done.schema_version == SCHEMA_VERSION
        seen.append(counts["receipts"])
        # A self-contained file: no -wal beside it is needed to read it.
        assert not Path(f"{done.path}-wal").exists()
    assert 5 <= seen[0] <= seen[1] <= seen[2] < receipts_now  # copies of moments in between
    # Each backup is audited in the store (after the copy: the copy has not its own event).
    assert AuditEvent.select().where(AuditEvent.action == "store.backup").count() == 3
    assert _events(copies[0].path, "store.backup") == 0


@pytest.mark.sqlite_only("SQLite files")
def test_a_backup_never_overwrites_and_needs_a_supervisor(office: dict, clock: FixedClock,
                                                          store: Path, tmp_path: Path) -> None:
    settings = default_settings()
    existing = tmp_path / "keep.db"
    existing.write_bytes(b"precious")
    with pytest.raises(DeskError) as err:
        make_backup(str(store), existing, clock, settings, actor=office["super"])
    assert err.value.key == "backup.exists"
    assert existing.read_bytes() == b"precious"
    for login in ("clerk", "cashier", "guard"):
        with pytest.raises(DeskError) as err:
            make_backup(str(store), tmp_path / f"{login}.db", clock, settings,
                        actor=office[login])
        assert err.value.key == "auth.not_allowed"
        assert not (tmp_path / f"{login}.db").exists()
    # The default place: backups/ beside the database, the office date and time in the name.
    done = make_backup(str(store), None, clock, settings, actor=office["manager"])
    assert done.path == store.parent / "backups" / "kfdesk-20261009-100000.db"


# --------------------------------------------------------------------------------------------
# restore


@pytest.mark.sqlite_only("SQLite files")
def test_restore_goes_only_into_an_empty_target_and_is_verified(office: dict,
                                                                 clock: FixedClock,
                                                                 store: Path,
                                                                 tmp_path: Path) -> None:
    settings = default_settings()
    for amount in (1200, 3400, 5600):
        pay("", amount, "cash", office["cashier"], clock, settings)
    done = make_backup(str(store), tmp_path / "office.db", clock, settings,
                       actor=office["super"])
    close_store()

    # A target with data — another office's store, or the live store — is refused untouched.
    other = tmp_path / "other.db"
    open_store(str(other), clock)
    from kfdesk.desk.staff import create_staff

    create_staff("boss", "某人", "manager", "999999", clock, salt=bytes(16))
    close_store()
    for target in (other, store, done.path):
        before = target.read_bytes()
        with pytest.raises(DeskError) as err:
            restore(done.path, str(target), "manager", "1234", clock, settings)
        assert err.value.key == "backup.target_not_empty", target
        assert target.read_bytes() == before
    # A file that is not SQLite at all is not empty either.
    junk = tmp_path / "notes.txt"
    junk.write_text("not a database")
    with pytest.raises(DeskError) as err:
        restore(done.path, str(junk), "manager", "1234", clock, settings)
    assert err.value.key == "backup.target_not_empty"
    assert junk.read_text() == "not a database"

    # Signed by a manager of the backed-up office, checked before anything is written.
    fresh = tmp_path / "restored" / "kfdesk.db"
    for login, pin, key in (("manager", "0000", "security_a.bad_credentials"),
                            ("super", "1234", "auth.not_allowed"),
                            ("clerk", "1234", "auth.not_allowed"),
                            ("boss", "9999", "security_a.bad_credentials")):
        with pytest.raises(DeskError) as err:
            restore(done.path, str(fresh), login, pin, clock, settings)
        assert err.value.key == key
        assert not fresh.exists()

    restored = restore(done.path, str(fresh), "manager", "1234", clock, settings)
    assert restored.schema_version == SCHEMA_VERSION
    assert restored.counts == _table_counts(done.path)
    after = _table_counts(fresh)
    # Everything the backup holds, plus the restore's own audit event in the restored store.
    assert {k: v for k, v in after.items() if k != "audit_event"} == {
        k: v for k, v in done.counts.items() if k != "audit_event"}
    assert after["audit_event"] == done.counts["audit_event"] + 1
    assert _events(fresh, "store.restore") == 1
    check_books(fresh)
    # Opening it is opening the office's store as it was backed up.
    open_store(str(fresh), clock)
    assert sorted(r.number for r in Receipt.select()) == [1, 2, 3]
    close_store()


@pytest.mark.sqlite_only("SQLite files")
def test_restore_refuses_what_is_not_a_kfdesk_backup(store: Path, clock: FixedClock,
                                                     tmp_path: Path) -> None:
    settings = default_settings()
    foreign = tmp_path / "foreign.db"
    con = sqlite3.connect(foreign)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    text = tmp_path / "backup.db"
    text.write_text("hello")
    for source, key in ((foreign, "store.not_kfdesk"), (text, "backup.not_a_backup")):
        with pytest.raises(DeskError) as err:
            restore(source, str(tmp_path / "target.db"), "manager", "1234", clock, settings)
        assert err.value.key == key
        assert not (tmp_path / "target.db").exists()


# --------------------------------------------------------------------------------------------
# the daily backup


@pytest.mark.sqlite_only("backup files beside a SQLite store")
def test_the_daily_backup_runs_once_a_day_and_prunes_only_its_old_ones(
        office: dict, store: Path, clock: FixedClock) -> None:
    settings = default_settings()
    settings.data["backup"]["keep_days"] = 3
    folder = backup_folder(str(store), settings)
    assert folder == store.parent / "backups"
    folder.mkdir()
    # Earlier daily backups, one made by hand, and files that are not this store's backups.
    for day in ("20261003", "20261005", "20261006", "20261007"):
        (folder / f"kfdesk-daily-{day}.db").write_bytes(b"old")
    keep = [folder / "kfdesk-20260901-120000.db", folder / "other-daily-20260901.db",
            folder / "notes.txt", folder / "kfdesk-daily-2026.db"]
    for path in keep:
        path.write_bytes(b"keep")

    before = _at("2026-10-09T17:59")
    assert not due_backup(before.now(), settings, str(store))
    assert run_daily_backup(before, settings, str(store)) is None

    at_six = _at("2026-10-09T18:00")
    assert due_backup(at_six.now(), settings, str(store))
    done = run_daily_backup(at_six, settings, str(store))
    assert done is not None and done.daily
    assert done.path == folder / "kfdesk-daily-20261009.db"
    check_books(done.path)
    # keep_days 3 on the 9th: the 7th is kept, the 6th and before are gone.
    assert sorted(p.name for p in done.pruned) == [
        "kfdesk-daily-20261003.db", "kfdesk-daily-20261005.db", "kfdesk-daily-20261006.db"]
    assert all(p.exists() for p in keep)
    assert (folder / "kfdesk-daily-20261007.db").exists()

    # Once a day: later the same day it is not due, and nothing more is made.
    for later in ("2026-10-09T18:30", "2026-10-09T23:59"):
        assert not due_backup(_at(later).now(), settings, str(store))
        assert run_daily_backup(_at(later), settings, str(store)) is None
    assert len(list(folder.glob("kfdesk-daily-*.db"))) == 3  # the 7th, the 9th, 2026 (kept)
    events = AuditEvent.select().where(AuditEvent.action == "store.backup")
    assert events.count() == 1 and events.get().actor is None  # the system's, audited

    # The next day before six: not yet; after six: the next one.
    assert run_daily_backup(_at("2026-10-10T09:00"), settings, str(store)) is None
    nxt = run_daily_backup(_at("2026-10-10T18:05"), settings, str(store))
    assert nxt is not None and nxt.path.name == "kfdesk-daily-20261010.db"
    assert nxt.pruned == (folder / "kfdesk-daily-20261007.db",)  # now 3 days old
    assert prune_daily(str(store), date(2026, 10, 11), settings) == ()
    assert prune_daily(str(store), date(2026, 10, 12), settings) == (done.path,)
    assert nxt.path.exists()


@pytest.mark.sqlite_only("backup files beside a SQLite store")
def test_daily_backup_off_bad_setting_and_failure(office: dict, store: Path,
                                                  clock: FixedClock, tmp_path: Path) -> None:
    settings = default_settings()
    late = _at("2026-10-09T20:00")
    settings.data["backup"]["daily_at"] = ""
    assert not due_backup(late.now(), settings, str(store))  # switched off
    settings.data["backup"]["daily_at"] = "six"
    with pytest.raises(DeskError) as err:
        due_backup(late.now(), settings, str(store))
    assert err.value.key == "backup.bad_daily_at"
    # A store file that is not there: the failure is raised once, then not retried for an
    # hour (the refresh runs every 30 s), and no old backup is pruned meanwhile.
    settings.data["backup"]["daily_at"] = "18:00"
    missing = str(tmp_path / "gone" / "kfdesk.db")
    with pytest.raises(DeskError) as err:
        run_daily_backup(late, settings, missing)
    assert err.value.key == "backup.no_store"
    assert run_daily_backup(_at("2026-10-09T20:30"), settings, missing) is None
    assert due_backup(_at("2026-10-09T21:01").now(), settings, missing)
    assert not list((tmp_path / "gone" / "backups").glob("*.part"))


# --------------------------------------------------------------------------------------------
# the command line


def _cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="kfdesk")
    add_backup_parser(parser.add_subparsers(dest="command"))
    return run_backup(parser.parse_args(list(argv)))


@pytest.mark.sqlite_only("SQLite files")
def test_kfdesk_backup_and_restore_commands(office: dict, store: Path, clock: FixedClock,
                                            tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    pay("", 8800, "cash", office["cashier"], clock, default_settings())
    close_store()
    now = ("--now", "2026-10-09T18:30", "--lang", "en")
    assert _cli("backup", "--db", str(store), *now, "--as", "super", "--as-pin", "1234") == 0
    out = capsys.readouterr().out
    made = store.parent / "backups" / "kfdesk-20261009-183000.db"
    assert made.exists() and str(made) in out and "schema version" in out

    assert _cli("backup", "--db", str(store), *now, "--as", "clerk", "--as-pin", "1234") == 1
    err = capsys.readouterr().err
    assert err.startswith("kfdesk: ") and err.count("\n") == 1 and "Clerk" in err

    target = tmp_path / "new.db"
    assert _cli("restore", str(made), "--to", str(target), *now, "--as", "manager",
                "--as-pin", "1234") == 0
    assert "verified" in capsys.readouterr().out
    check_books(target)
    # Again into the same (no longer empty) target: one line, nothing changed.
    before = target.read_bytes()
    assert _cli("restore", str(made), "--to", str(target), *now, "--as", "manager",
                "--as-pin", "1234") == 1
    err = capsys.readouterr().err
    assert "not empty" in err and err.count("\n") == 1
    assert target.read_bytes() == before
    close_store()


# --------------------------------------------------------------------------------------------
# PostgreSQL


@pytest.mark.postgres_only
def test_pg_dump_backup_and_verified_restore(office: dict, store: str, clock: FixedClock,
                                             fresh_target, tmp_path: Path) -> None:  # noqa: ANN001
    import shutil

    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("the PostgreSQL client programs are not on PATH")
    settings = default_settings()
    for amount in (1000, 2000):
        pay("", amount, "cash", office["cashier"], clock, settings)
    done = make_backup(str(store), tmp_path / "office.dump", clock, settings,
                       actor=office["super"])
    assert done.path.read_bytes().startswith(b"PGDMP")
    assert done.counts["receipt"] == 2 and done.schema_version == SCHEMA_VERSION
    target = fresh_target()
    restored = restore(done.path, target, "manager", "1234", clock, settings)
    assert restored.counts == done.counts
    # Not into a database with tables: the office's own, or the one just restored.
    for busy in (str(store), target):
        with pytest.raises(DeskError) as err:
            restore(done.path, busy, "manager", "1234", clock, settings)
        assert err.value.key == "backup.target_not_empty"
    open_store(target, clock)
    assert Receipt.select().count() == 2
    assert AuditEvent.select().where(AuditEvent.action == "store.restore").count() == 1
    close_store()


def test_backups_are_named_in_office_time(clock: FixedClock) -> None:
    from kfdesk.backup import backup_name

    settings = default_settings()
    # 00:30 on 10 October in Beijing is still 9 October in UTC: the name says the 10th.
    just_after_midnight = _at("2026-10-10T00:30").now()
    assert just_after_midnight.day == 9
    assert backup_name("/x/kfdesk.db", just_after_midnight, settings) == (
        "kfdesk-20261010-003000.db")
    assert backup_name("postgresql://u:p@h/office_e", just_after_midnight, settings,
                       daily=True) == "office_e-daily-20261010.dump"


def test_postgresql_without_pg_dump_is_one_clear_refusal(clock: FixedClock, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs-here"))
    dest = tmp_path / "office.dump"
    with pytest.raises(DeskError) as err:
        make_backup("postgresql://kf:secret@127.0.0.1:1/office", dest, clock,
                    default_settings())
    assert err.value.key == "backup.no_tool" and "pg_dump" in err.value.message("en")
    assert not any(p.name.startswith("office.dump") for p in tmp_path.iterdir())


def test_the_postgresql_password_stays_off_the_command_line() -> None:
    from kfdesk.backup import _pg_split

    plain, env = _pg_split("postgresql://kf:p%40ss@db.example:5433/office?sslmode=require")
    assert plain == "postgresql://kf@db.example:5433/office?sslmode=require"
    assert env["PGPASSWORD"] == "p@ss"
    assert _pg_split("postgresql://kf@db/office")[0] == "postgresql://kf@db/office"


def test_a_restore_that_differs_from_its_backup_is_called_out() -> None:
    from kfdesk.backup import _compare

    wanted = (5, {"receipt": 3, "payment": 3})
    _compare("t.db", wanted, (5, {"receipt": 3, "payment": 3}))
    for found, what in (((5, {"receipt": 2, "payment": 3}), "receipt: 2 ≠ 3"),
                        ((5, {"receipt": 3}), "payment: None ≠ 3"),
                        ((4, {"receipt": 3, "payment": 3}), "schema_version 4 ≠ 5")):
        with pytest.raises(DeskError) as err:
            _compare("t.db", wanted, found)
        assert err.value.key == "backup.restore_mismatch" and what in err.value.message("en")
