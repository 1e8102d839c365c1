"""Moving an office: ``kfdesk migrate --from FILE.db --to …`` (kfdesk.transfer, kfdesk.migrate_cli).

The source is the demo community (every kind of record, ~25,000 rows) plus a charge billing a
service order — with the demo's reworks and defect tickets, the three references that point
forward or back into their own table. The target is another SQLite file (always) or a new
PostgreSQL database (when ``KFDESK_TEST_PG`` names a server; the same tests run on both via
the ``fresh_target`` fixture). A move must give the target every row of every table, ids
kept, the source untouched, and a target that the counter then keeps writing to.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tills import pay

from kfdesk import models as m
from kfdesk import transfer
from kfdesk.clock import FixedClock
from kfdesk.config import default_settings
from kfdesk.db import SCHEMA_VERSION, close_store, open_store
from kfdesk.demo import DEFAULT_NOW, build_demo
from kfdesk.i18n import set_language
from kfdesk.migrate_cli import add_migrate_parser, run_migrate
from kfdesk.rules import evaluate

NOW = "2026-10-09T10:00"


def _dump() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table but the schema's own, by id, all columns."""
    return {model.__name__: list(model.select().order_by(model.id).tuples())
            for model in m.ALL_MODELS if model is not m.SchemaVersion}


def _at(model: type[m.BaseModel], name: str) -> int:
    """The position of field ``name`` in a ``_dump`` row."""
    return [f.name for f in model._meta.sorted_fields].index(name)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("office") / "office.db"
    open_store(str(path), FixedClock(DEFAULT_NOW))
    try:
        build_demo(DEFAULT_NOW)
        order = m.ServiceOrder.select().order_by(m.ServiceOrder.id).first()
        m.Charge.create(unit=order.unit, kind="service", description="家电维修",
                        amount_fen=3000, created_at=DEFAULT_NOW, created_by=order.taken_by,
                        service_order=order)
    finally:
        close_store()
    # One self-contained file, so a copy of it is the whole store.
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return path


@pytest.fixture
def source(demo_file: Path, tmp_path: Path) -> tuple[Path, dict[str, list[tuple[Any, ...]]]]:
    """A copy of the demo office, and every row it holds."""
    path = tmp_path / "source.db"
    shutil.copyfile(demo_file, path)
    open_store(str(path), FixedClock(DEFAULT_NOW))
    rows = _dump()
    close_store()
    return path, rows


def _migrate(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="kfdesk")
    add_migrate_parser(parser.add_subparsers(dest="command"))
    capsys.readouterr()
    code = run_migrate(parser.parse_args(["migrate", *argv]))
    close_store()
    out, err = capsys.readouterr()
    return code, out, err


def test_a_whole_office_moves_row_for_row(source, fresh_target: Callable[..., str],
                                          capsys, monkeypatch) -> None:
    monkeypatch.setenv("KFDESK_CONFIG", "/nonexistent/settings.toml")
    path, rows = source
    assert rows["Ticket"] and rows["WorkOrder"] and rows["Receipt"] and rows["AuditEvent"]
    # The references copied in two steps are really there to copy.
    for model, name in ((m.Ticket, "defect_of"), (m.WorkOrder, "rework_of"),
                        (m.Charge, "service_order")):
        assert any(r[_at(model, name)] for r in rows[model.__name__]), name
    before = _digest(path)
    target = fresh_target()

    code, out, err = _migrate(capsys, "--from", str(path), "--to", target, "--now", NOW,
                              "--lang", "en")
    assert (code, err) == (0, "")
    # The comparison: every table and every money column, source beside target.
    lines = {line.split()[0]: line.split()[1:] for line in out.splitlines()[1:]
             if line.startswith("  ")}
    assert lines["ticket"] == [str(len(rows["Ticket"]))] * 2 + ["same"]
    total = sum(r[_at(m.Payment, "amount_fen")] for r in rows["Payment"])
    assert lines["payment.amount_fen"] == [str(total)] * 2 + ["same"]
    for column in ("receipt.amount_fen", "bill_line.amount_fen", "bill_line.paid_fen",
                   "charge.amount_fen", "charge.paid_fen"):
        assert lines[column][2] == "same"
    assert not any("DIFFERS" in v for v in lines.values())
    assert "row counts and money totals match" in out.splitlines()[-1]
    assert _digest(path) == before  # the source is only read

    open_store(target, FixedClock(DEFAULT_NOW))
    assert _dump() == rows
    assert m.SchemaVersion.get().version == SCHEMA_VERSION
    # The counter carries on in the new store: alerts as before, a payment takes the next
    # receipt number of the series, new rows take ids after the copied ones.
    settings = default_settings()
    assert evaluate(DEFAULT_NOW)
    cashier = m.Staff.get(m.Staff.login == "cashier")
    last = m.ReceiptSeries.get(m.ReceiptSeries.code == "2026").last_number
    number = pay("3-1-502", 12345, "cash", cashier, FixedClock(DEFAULT_NOW), settings)
    assert number == f"2026-{last + 1:06d}"
    receipt = m.Receipt.get(m.Receipt.number == last + 1)
    assert receipt.id == len(rows["Receipt"]) + 1
    assert receipt.payment_id == max(r[0] for r in rows["Payment"]) + 1


def test_into_a_target_that_already_has_the_schema(source, fresh_target, capsys) -> None:
    path, rows = source
    target = fresh_target(migrated=True)
    if not target.startswith("postgresql"):
        open_store(target, FixedClock(DEFAULT_NOW))
        close_store()
    code, _, err = _migrate(capsys, "--from", str(path), "--to", target, "--now", NOW)
    assert (code, err) == (0, "")
    open_store(target, FixedClock(DEFAULT_NOW))
    assert _dump() == rows


def test_a_target_with_data_is_refused_and_left_as_it_was(source, fresh_target, capsys) -> None:
    path, _ = source
    target = fresh_target()
    assert _migrate(capsys, "--from", str(path), "--to", target, "--now", NOW)[0] == 0
    open_store(target, FixedClock(DEFAULT_NOW))
    m.Ticket.delete().where(m.Ticket.id == -1).execute()
    kept = _dump()
    close_store()

    code, out, err = _migrate(capsys, "--from", str(path), "--to", target, "--now", NOW,
                              "--lang", "en")
    assert code == 1 and out == ""
    assert err.startswith("kfdesk: ") and err.count("\n") == 1
    assert "already holds kfdesk data" in err and "ticket" in err and "Nothing was copied" in err
    open_store(target, FixedClock(DEFAULT_NOW))
    assert _dump() == kept


def test_one_staff_row_is_enough_to_refuse(source, fresh_target, capsys) -> None:
    from kfdesk.desk.staff import create_staff

    path, _ = source
    target = fresh_target()
    open_store(target, FixedClock(DEFAULT_NOW))
    create_staff("boss", "刘伟", "manager", "123456", FixedClock(DEFAULT_NOW), salt=bytes(16))
    close_store()
    set_language("zh")
    code, _, err = _migrate(capsys, "--from", str(path), "--to", target)
    assert code == 1 and "已有 kfdesk 数据" in err and "staff" in err


def test_different_schema_versions_are_refused(source, fresh_target, tmp_path, capsys) -> None:
    path, _ = source
    # An older source: the copy uses today's models, so it must be brought forward first.
    old = tmp_path / "old.db"
    shutil.copyfile(path, old)
    con = sqlite3.connect(old)
    con.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION - 1,))
    con.commit()
    con.close()
    before = _digest(old)
    target = fresh_target()
    code, _, err = _migrate(capsys, "--from", str(old), "--to", target, "--lang", "en")
    assert code == 1 and f"schema version {SCHEMA_VERSION - 1}" in err
    assert "open it once with this kfdesk" in err
    assert _digest(old) == before

    # A target at another version than the source.
    stale = tmp_path / "stale.db"
    open_store(str(stale), FixedClock(DEFAULT_NOW))
    close_store()
    con = sqlite3.connect(stale)
    con.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION - 1,))
    con.commit()
    con.close()
    code, _, err = _migrate(capsys, "--from", str(path), "--to", str(stale), "--lang", "en")
    assert code == 1 and "the source at" in err and "Nothing was copied" in err
    con = sqlite3.connect(stale)
    assert con.execute("SELECT version FROM schema_version").fetchone()[0] == SCHEMA_VERSION - 1
    assert con.execute("SELECT count(*) FROM ticket").fetchone()[0] == 0
    con.close()


def test_a_difference_undoes_the_whole_copy(source, fresh_target, capsys, monkeypatch) -> None:
    path, _ = source
    target = fresh_target()
    real = transfer.figures
    calls: list[int] = []

    def off_by_one_fen(db):  # noqa: ANN001, ANN202
        found = real(db)
        calls.append(1)
        if len(calls) == 2:  # the target's, counted after the copy
            found.money["receipt.amount_fen"] += 1
        return found

    monkeypatch.setattr(transfer, "figures", off_by_one_fen)
    code, out, err = _migrate(capsys, "--from", str(path), "--to", target, "--lang", "en")
    assert code == 1 and out == ""
    assert "receipt.amount_fen" in err and "undone" in err
    open_store(target, FixedClock(DEFAULT_NOW))
    assert all(rows == [] for rows in _dump().values())


def test_missing_foreign_or_same_source_is_one_line(tmp_path, fresh_target, source,
                                                    capsys) -> None:
    path, _ = source
    target = fresh_target()
    code, _, err = _migrate(capsys, "--from", str(tmp_path / "nope.db"), "--to", target)
    assert code == 1 and err.count("\n") == 1 and "nope.db" in err
    text = tmp_path / "notes.txt"
    text.write_text("not a database", encoding="utf-8")
    code, _, err = _migrate(capsys, "--from", str(text), "--to", target)
    assert code == 1 and err.count("\n") == 1 and "notes.txt" in err
    before = _digest(path)
    code, _, err = _migrate(capsys, "--from", str(path), "--to", str(path))
    assert code == 1 and err.count("\n") == 1
    assert _digest(path) == before


@pytest.mark.postgres_only
def test_a_value_postgresql_rejects_fails_cleanly(source, fresh_target, capsys) -> None:
    # SQLite does not enforce VARCHAR widths; PostgreSQL does. A name too long for its column
    # must stop the move with the table named, and leave no copied row behind.
    path, _ = source
    con = sqlite3.connect(path)
    con.execute("UPDATE person SET name = ? WHERE id = 5", ("长" * 200,))
    con.commit()
    con.close()
    target = fresh_target()
    code, _, err = _migrate(capsys, "--from", str(path), "--to", target, "--lang", "en")
    assert code == 1 and err.count("\n") == 1
    assert "Copying table person failed" in err
    open_store(target, FixedClock(DEFAULT_NOW))
    assert all(rows == [] for rows in _dump().values())


def test_passwords_are_not_printed() -> None:
    assert transfer.shown("postgresql://kf:s3cret@db.example:5432/office") == \
        "postgresql://kf:***@db.example:5432/office"
    assert transfer.shown("/srv/kfdesk.db") == "/srv/kfdesk.db"
