"""Issue 19: files with residents' data are the owner's only — the database kfdesk creates
(and its WAL/SHM) and a printed receipt written to a folder are 0600 under umask 022."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from kfdesk.backup import make_backup, restore
from kfdesk.clock import FixedClock
from kfdesk.config import default_settings
from kfdesk.db import close_store, open_store
from kfdesk.models import Person
from kfdesk.printing import deliver
from kfdesk.residents_io import export_contacts


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.sqlite_only("the database file on disk and its mode")
def test_a_new_database_is_0600_in_a_0700_folder(tmp_path: Path, clock: FixedClock,
                                                   umask_022: None) -> None:
    target = tmp_path / "office" / "kfdesk.db"
    open_store(str(target), clock)
    try:
        Person.create(name="王建国", created_at=clock.now())  # the WAL and SHM exist now
        assert mode(target) == 0o600
        assert mode(target.parent) == 0o700
        for side in ("-wal", "-shm"):
            extra = Path(f"{target}{side}")
            assert extra.exists() and mode(extra) == 0o600, side
    finally:
        close_store()


def test_a_print_written_to_a_folder_is_0600(tmp_path: Path, umask_022: None) -> None:
    where = deliver("收据 No.1 王建国", "receipt-1.txt", tmp_path, default_settings())
    assert Path(where).read_text(encoding="utf-8") == "收据 No.1 王建国"
    assert mode(Path(where)) == 0o600


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_the_unmasked_office_export_is_0600(office: dict, clock: FixedClock, tmp_path: Path,
                                            umask_022: None, suffix: str) -> None:
    target = tmp_path / f"contacts{suffix}"
    target.write_text("old")  # an earlier 0644 copy at the same place is narrowed too
    target.chmod(0o644)
    export_contacts(target, office["super"], clock, default_settings(), for_security=False,
                    reveal=True)
    assert mode(target) == 0o600
    assert target.stat().st_size > 100  # the list was written, not only the mode


@pytest.mark.sqlite_only("SQLite files and their modes")
def test_a_backup_and_the_store_restored_from_it_are_0600(office: dict, clock: FixedClock,
                                                         store: Path, tmp_path: Path,
                                                         umask_022: None) -> None:
    settings = default_settings()
    done = make_backup(str(store), tmp_path / "backup.db", clock, settings,
                       actor=office["super"])
    assert mode(Path(done.path)) == 0o600
    close_store()
    fresh = tmp_path / "restored" / "kfdesk.db"
    restore(done.path, str(fresh), "manager", "1234", clock, settings)
    assert mode(fresh) == 0o600 and mode(fresh.parent) == 0o700
