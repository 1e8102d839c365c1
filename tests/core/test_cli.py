"""The command line: every subcommand documented, every failure one clear line."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kfdesk.__main__ import main
from kfdesk.db import SCHEMA_VERSION, close_store

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


def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    return err


def test_version(capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == "kfdesk 0.1.0"


def test_help_documents_every_subcommand() -> None:
    out = subprocess.run([sys.executable, "-m", "kfdesk", "--help"], capture_output=True,
                         text=True, check=True).stdout
    for command in ("demo", "init", "staff", "due", "calendar", "bench", "report", "export",
                    "import", "backup", "restore", "serve", "migrate", "--db", "--now",
                    "--lang"):
        assert command in out
    due = subprocess.run([sys.executable, "-m", "kfdesk", "due", "--help"],
                         capture_output=True, text=True, check=True).stdout
    assert "late_minutes" in due and "--json" in due


@pytest.mark.parametrize("argv", [
    [], ["--db", "k.db"], ["--db", "k.db", "--now", "2026-10-09T10:00", "--lang", "en"],
    ["--config", "s.toml", "--bench-exit", "stamp"], ["--db=k.db", "--lang=zh"],
])
def test_the_daily_start_reads_its_options_as_the_full_parser_does(argv: list[str]) -> None:
    # Issue 2: `kfdesk [options]` is read without building every subcommand's parser; it
    # must come out exactly as the full parser reads it.
    from kfdesk.__main__ import _counter_args, build_parser

    fast = _counter_args(argv)
    assert fast is not None and vars(fast) == vars(build_parser().parse_args(argv))


@pytest.mark.parametrize("argv", [
    ["demo"], ["--db", "k.db", "due"], ["--help"], ["--version"], ["--lang", "fr"], ["--db"],
    ["--frobnicate"], ["--d", "k.db"],
])
def test_anything_else_goes_to_the_full_parser(argv: list[str]) -> None:
    from kfdesk.__main__ import _counter_args

    assert _counter_args(argv) is None


def test_unknown_option_is_one_line(env: Path, capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--frobnicate"])
    assert exc.value.code == 2
    assert "--frobnicate" in _one_line_error(capsys)


def test_missing_database_is_one_line_and_not_created(env: Path, capsys) -> None:
    target = env / "nowhere" / "k.db"
    assert main(["--db", str(target), "--lang", "en"]) == 1
    assert "No database at" in _one_line_error(capsys)
    assert not target.exists()


def test_not_a_kfdesk_file_is_refused_untouched(env: Path, capsys) -> None:
    target = env / "photo.db"
    target.write_bytes(b"\x89PNG\r\n" + bytes(500))
    before = hashlib.sha256(target.read_bytes()).hexdigest()
    assert main(["--db", str(target), "--lang", "en"]) == 1
    assert "not a kfdesk database" in _one_line_error(capsys)
    assert hashlib.sha256(target.read_bytes()).hexdigest() == before


def test_newer_schema_is_refused_untouched(env: Path, capsys) -> None:
    target = env / "k.db"
    assert main(["init", "--db", str(target), "--login", "boss", "--name", "刘伟",
                 "--pin", "456789", "--now", NOW]) == 0
    close_store()
    conn = sqlite3.connect(target)
    conn.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 5,))
    conn.commit()
    conn.close()
    before = hashlib.sha256(target.read_bytes()).hexdigest()
    capsys.readouterr()
    assert main(["--db", str(target), "--lang", "en"]) == 1
    assert "newer kfdesk" in _one_line_error(capsys)
    assert hashlib.sha256(target.read_bytes()).hexdigest() == before


def test_malformed_settings_file_is_one_line(env: Path, capsys) -> None:
    bad = env / "settings.toml"
    bad.write_text("[clocks]\ndispatch_hours = soon\n", encoding="utf-8")
    assert main(["--config", str(bad), "due"]) == 1
    err = _one_line_error(capsys)
    assert str(bad) in err
    assert bad.read_text(encoding="utf-8") == "[clocks]\ndispatch_hours = soon\n"


def test_bad_now_is_one_line(env: Path, capsys) -> None:
    assert main(["demo", "--db", str(env / "d.db"), "--now", "yesterday", "--build-only"]) == 1
    assert "yesterday" in _one_line_error(capsys)


def test_demo_build_only_then_refused_then_forced(env: Path, capsys) -> None:
    target = env / "demo.db"
    assert main(["demo", "--db", str(target), "--now", NOW, "--build-only"]) == 0
    assert "300" in capsys.readouterr().out
    close_store()
    assert main(["demo", "--db", str(target), "--now", NOW, "--build-only"]) == 1
    assert "--force" in _one_line_error(capsys)
    close_store()
    assert main(["demo", "--db", str(target), "--now", NOW, "--build-only", "--force"]) == 0


def test_demo_refuses_an_office_database(env: Path, capsys) -> None:
    target = env / "office.db"
    assert main(["init", "--db", str(target), "--login", "boss", "--name", "刘伟",
                 "--pin", "456789", "--now", NOW]) == 0
    close_store()
    assert main(["demo", "--db", str(target), "--now", NOW]) == 1
    assert "--force" in _one_line_error(capsys)


def test_due_json_contract_on_the_demo(env: Path, capsys) -> None:
    target = env / "demo.db"
    main(["demo", "--db", str(target), "--now", NOW, "--build-only"])
    close_store()
    capsys.readouterr()
    assert main(["due", "--db", str(target), "--at", NOW, "--json"]) == 0
    alerts = json.loads(capsys.readouterr().out)
    assert alerts and set(alerts[0]) == {
        "rule", "rule_text", "item_kind", "item_id", "unit", "owner", "department", "due_at",
        "state", "late_minutes", "provisional"}
    late_dispatch = [a for a in alerts if a["rule"] == "KF-010 §4.1.2" and a["state"] == "overdue"]
    assert any(a["unit"] == "3-1-502" for a in late_dispatch)
    assert all(a["due_at"].endswith("+08:00") for a in alerts)
    close_store()
    assert main(["due", "--db", str(target), "--at", NOW, "--json", "--owner", "clerk",
                 "--rule", "KF-010 §4.1.2"]) == 0
    mine = json.loads(capsys.readouterr().out)
    assert mine and all(a["owner"] == "clerk" and a["rule"] == "KF-010 §4.1.2" for a in mine)


def test_init_staff_and_calendar(env: Path, capsys) -> None:
    target = str(env / "office.db")
    assert main(["init", "--db", target, "--login", "boss", "--name", "刘伟",
                 "--pin", "456789", "--now", NOW]) == 0
    close_store()
    assert main(["staff", "add", "super", "陈静", "supervisor", "--as", "boss",
                 "--as-pin", "456789", "--pin", "345678", "--db", target, "--now", NOW]) == 0
    close_store()
    assert main(["staff", "add", "x", "某", "clerk", "--as", "boss", "--as-pin", "0000",
                 "--pin", "1111", "--db", target, "--now", NOW]) == 1
    close_store()
    capsys.readouterr()
    assert main(["staff", "list", "--db", target, "--lang", "en"]) == 0
    listing = capsys.readouterr().out
    assert "boss\t刘伟\tManager" in listing and "super\t陈静\tSupervisor" in listing
    close_store()
    notice = env / "2027.txt"
    notice.write_text("2027-01-01 holiday 元旦\n2027-02-06..2027-02-12 holiday 春节\n",
                      encoding="utf-8")
    assert main(["calendar", "import", str(notice), "--complete-year", "2027", "--as", "super",
                 "--as-pin", "345678", "--db", target, "--now", NOW]) == 0
    close_store()
    capsys.readouterr()
    assert main(["calendar", "list", "--db", target]) == 0
    assert capsys.readouterr().out.count("\n") == 8


def test_bench_cashier_part_prints_receipts_per_second(env: Path, capsys, monkeypatch) -> None:
    # A tiny count: this checks the part runs and reports, never how fast (figures are
    # printed, not asserted).
    monkeypatch.setattr("kfdesk.bench.CASHIER_RECEIPTS", 5)
    assert main(["bench", "--only", "cashier", "--runs", "1"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["cashier_receipts"] == 5
    assert figures["receipts_per_s"] > 0
    assert "startup_ms" not in figures and "evaluate_ms" not in figures
