"""The store: models round-trip, migrations, and files that must be refused untouched."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import peewee as pw
import pytest

from kfdesk import db as kdb
from kfdesk.db import SCHEMA_VERSION, StoreError, close_store, open_store
from kfdesk.desk.staff import create_staff
from kfdesk.models import (
    ALL_MODELS,
    Bill,
    BillLine,
    Building,
    Group,
    Occupancy,
    Person,
    ReceiptSeries,
    SchemaVersion,
    Ticket,
    Unit,
    database,
)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _unit() -> Unit:
    group = Group.create(code="E", name="东区")
    building = Building.create(group=group, number="3", name="3栋", floors=18)
    return Unit.create(building=building, entrance=1, floor=5, room="502", code="3-1-502",
                       area_centi_m2=8912)


def test_new_store_has_every_table_and_the_current_version(store: Path) -> None:
    tables = set(database.obj.get_tables())
    assert {m._meta.table_name for m in ALL_MODELS} <= tables
    assert SchemaVersion.get().version == SCHEMA_VERSION


@pytest.mark.sqlite_only("PRAGMA journal_mode/foreign_keys/synchronous")
def test_sqlite_pragmas(store: Path) -> None:
    conn = database.obj
    assert conn.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute_sql("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_instants_round_trip_as_aware_utc(store: Path, clock) -> None:
    unit = _unit()
    clerk = create_staff("clerk", "张敏", "clerk", "1234", clock)
    received = datetime(2026, 10, 9, 10, 0, tzinfo=UTC) + timedelta(hours=-8)
    Ticket.create(number="K-000001", received_at=received, channel="phone", unit=unit,
                  kind="repair", category="water", text="厨房下水道堵塞", owner=clerk,
                  updated_at=received)
    back = Ticket.get(Ticket.number == "K-000001")
    assert back.received_at == received
    assert back.received_at.tzinfo is not None
    assert back.unit.code == "3-1-502" and back.owner.name == "张敏"


def test_naive_datetimes_are_refused(store: Path, clock) -> None:
    clerk = create_staff("clerk", "张敏", "clerk", "1234", clock)
    with pytest.raises(ValueError):
        Ticket.create(number="K-1", received_at=datetime(2026, 10, 9, 10), channel="phone",
                      kind="repair", category="water", text="x", owner=clerk,
                      updated_at=clock.now())


def test_money_is_integer_fen_never_float(store: Path, clock) -> None:
    unit = _unit()
    bill = Bill.create(unit=unit, month="2026-09", created_at=clock.now(), total_fen=16042)
    line = BillLine.create(bill=bill, item="property_fee", quantity_centi=8912, rate_e4=18000,
                           amount_fen=16042)
    assert BillLine.get_by_id(line.id).amount_fen == 16042
    with pytest.raises(TypeError):
        BillLine.create(bill=bill, item="water", quantity_centi=100, rate_e4=34500,
                        amount_fen=3.45)


def test_unique_constraints_the_queues_rely_on(store: Path, clock) -> None:
    unit = _unit()
    Bill.create(unit=unit, month="2026-09", created_at=clock.now(), total_fen=1)
    with pytest.raises(pw.IntegrityError), database.obj.atomic():
        Bill.create(unit=unit, month="2026-09", created_at=clock.now(), total_fen=1)
    ReceiptSeries.create(code="2026")
    with pytest.raises(pw.IntegrityError), database.obj.atomic():
        ReceiptSeries.create(code="2026")


def test_foreign_keys_are_enforced(store: Path, clock) -> None:
    unit = _unit()
    person = Person.create(name="王建国", created_at=clock.now())
    Occupancy.create(unit=unit, person=person, role="owner", started_on=date(2020, 1, 1))
    with pytest.raises(pw.IntegrityError), database.obj.atomic():
        Occupancy.create(unit=99999, person=person, role="owner", started_on=date(2020, 1, 1))


def test_reopening_keeps_everything(tmp_path: Path, clock) -> None:
    path = tmp_path / "k.db"
    open_store(str(path), clock)
    _unit()
    close_store()
    open_store(str(path), clock, create=False)
    assert Unit.get().code == "3-1-502"
    close_store()


def test_missing_store_is_not_created_when_opening(tmp_path: Path, clock) -> None:
    path = tmp_path / "none.db"
    with pytest.raises(StoreError) as err:
        open_store(str(path), clock, create=False)
    assert err.value.key == "store.missing"
    assert not path.exists()


def test_a_file_that_is_not_sqlite_is_refused_untouched(tmp_path: Path, clock) -> None:
    path = tmp_path / "notes.db"
    path.write_text("这不是数据库\n" * 50, encoding="utf-8")
    before = _digest(path)
    with pytest.raises(StoreError) as err:
        open_store(str(path), clock)
    assert err.value.key == "store.not_kfdesk"
    assert _digest(path) == before


def test_a_foreign_sqlite_database_is_refused_untouched(tmp_path: Path, clock) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT)")
    conn.commit()
    conn.close()
    before = _digest(path)
    with pytest.raises(StoreError) as err:
        open_store(str(path), clock)
    assert err.value.key == "store.not_kfdesk"
    assert _digest(path) == before
    assert not Path(str(path) + "-wal").exists()


def test_a_newer_schema_is_refused_untouched(tmp_path: Path, clock) -> None:
    path = tmp_path / "newer.db"
    open_store(str(path), clock)
    SchemaVersion.update(version=SCHEMA_VERSION + 1).execute()
    close_store()
    before = _digest(path)
    with pytest.raises(StoreError) as err:
        open_store(str(path), clock)
    assert err.value.key == "store.too_new"
    assert err.value.params["found"] == SCHEMA_VERSION + 1
    assert _digest(path) == before


def test_an_empty_file_becomes_a_new_store(tmp_path: Path, clock) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    open_store(str(path), clock)
    assert SchemaVersion.get().version == SCHEMA_VERSION
    close_store()


def test_forward_migrations_run_in_order(tmp_path: Path, clock, monkeypatch) -> None:
    """A database at an earlier version is brought forward step by step, in one go each."""
    path = tmp_path / "old.db"
    open_store(str(path), clock)
    close_store()
    ran: list[int] = []

    def step(n: int):
        def run(db: pw.Database) -> None:
            ran.append(n)
            db.execute_sql(f"CREATE TABLE extra_{n} (id INTEGER PRIMARY KEY)")
        return run

    monkeypatch.setattr(kdb, "SCHEMA_VERSION", SCHEMA_VERSION + 2)
    monkeypatch.setattr(kdb, "MIGRATIONS", {SCHEMA_VERSION + 1: step(1),
                                            SCHEMA_VERSION + 2: step(2)})
    open_store(str(path), clock)
    assert ran == [1, 2]
    assert SchemaVersion.get().version == SCHEMA_VERSION + 2
    assert {"extra_1", "extra_2"} <= set(database.obj.get_tables())
    close_store()


def test_a_database_of_the_previous_schema_version_opens_after_upgrade(
    tmp_path: Path, clock
) -> None:
    """tests/core/fixtures/schema_v1.sql is a real v1 database (kfdesk 0.1.0's first store)."""
    path = tmp_path / "v1.db"
    conn = sqlite3.connect(path)
    conn.executescript(
        (Path(__file__).parent / "fixtures" / "schema_v1.sql").read_text(encoding="utf-8")
    )
    conn.close()
    open_store(str(path), clock, create=False)
    assert SchemaVersion.get().version == SCHEMA_VERSION
    assert {"deadline", "report_filing"} <= set(database.obj.get_tables())
    ticket = Ticket.get(Ticket.number == "K-000001")  # the old rows are all still there
    assert ticket.unit.code == "3-1-502" and ticket.owner.login == "clerk"
    from kfdesk.desk.staff import sign_in

    assert sign_in("clerk", "1234", clock).name == "张敏"
    # Every migration together gives exactly the tables a new store has: no column missed.
    from kfdesk.models import ALL_MODELS

    upgraded = {m._meta.table_name: (
        {c.name for c in database.obj.get_columns(m._meta.table_name)},
        {i.name for i in database.obj.get_indexes(m._meta.table_name)},
    ) for m in ALL_MODELS}
    close_store()
    open_store(str(tmp_path / "new.db"), clock)
    for model in ALL_MODELS:
        table = model._meta.table_name
        columns = {c.name for c in database.obj.get_columns(table)}
        indexes = {i.name for i in database.obj.get_indexes(table)}
        assert upgraded[table] == (columns, indexes), table
    close_store()
    open_store(str(path), clock, create=False)
    ticket = Ticket.get(Ticket.number == "K-000001")
    ticket.quoted_fen = 12000  # v3's columns are usable
    ticket.save()
    close_store()
