"""Issue 19 from the command line: ``kfdesk staff …`` keeps the hierarchy, and a PIN comes from
the prompt, ``KFDESK_PIN`` or ``--as-pin-file`` — ``--as-pin``/``--pin`` only in ``--now`` test
runs (on the command line a PIN shows in ``ps`` and the shell history)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from kfdesk.__main__ import main
from kfdesk.db import close_store
from kfdesk.desk.base import DeskError
from kfdesk.desk.staff import sign_in
from kfdesk.models import AuditEvent, Staff

NOW = "2026-10-09T10:00"


@pytest.fixture
def db(office: dict, store: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.delenv("KFDESK_PIN", raising=False)
    monkeypatch.setenv("KFDESK_CONFIG", os.devnull + ".none")  # the shipped defaults only
    close_store()
    yield str(store)
    close_store()


def _err(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert err.startswith("kfdesk: ") and err.count("\n") == 1, err
    return err


def test_a_supervisor_cannot_add_a_manager(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["staff", "add", "boss2", "某某", "manager", "--pin", "246802", "--db", db,
            "--now", NOW, "--lang", "en"]
    assert main([*args, "--as", "super", "--as-pin", "1234"]) == 1
    assert "only a manager makes a manager" in _err(capsys)
    assert not Staff.select().where(Staff.login == "boss2").exists()
    close_store()
    assert main([*args, "--as", "manager", "--as-pin", "1234"]) == 0
    assert Staff.get(Staff.login == "boss2").role == "manager"


def test_as_pin_without_now_is_refused(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    events = AuditEvent.select().count()
    assert main(["staff", "unlock", "clerk", "--as", "manager", "--as-pin", "1234", "--db", db,
                 "--lang", "en"]) == 1
    assert "--now" in _err(capsys)
    assert AuditEvent.select().count() == events  # not even a sign-in was tried
    close_store()
    assert main(["staff", "add", "x", "某", "clerk", "--pin", "1357", "--as", "manager",
                 "--as-pin-file", os.devnull, "--db", db, "--lang", "en"]) == 1
    assert "empty" in _err(capsys)


def test_pin_from_the_environment_and_from_a_file(db: str, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("KFDESK_PIN", "1234")
    assert main(["staff", "deactivate", "clerk2", "--as", "super", "--db", db,
                 "--now", NOW, "--lang", "en"]) == 0
    assert "clerk2 deactivated" in capsys.readouterr().out
    assert not Staff.get(Staff.login == "clerk2").active
    close_store()
    monkeypatch.delenv("KFDESK_PIN")
    secret = tmp_path / "pin"
    secret.write_text("1234\n", encoding="utf-8")
    assert main(["staff", "activate", "clerk2", "--as", "super", "--as-pin-file", str(secret),
                 "--db", db, "--now", NOW, "--lang", "en"]) == 0
    assert Staff.get(Staff.login == "clerk2").active
    close_store()
    # No PIN from anywhere and no terminal to ask at: one line naming the ways to give one.
    assert main(["staff", "activate", "clerk2", "--as", "super", "--db", db, "--lang", "en"]) == 1
    assert "KFDESK_PIN" in _err(capsys)
    close_store()
    assert main(["staff", "activate", "clerk2", "--as", "super", "--as-pin-file",
                 str(tmp_path / "missing"), "--db", db, "--lang", "en"]) == 1
    assert "Cannot read the PIN file" in _err(capsys)


def test_lock_shown_in_the_list_and_unlocked_by_a_manager(
        db: str, clock, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    main(["staff", "list", "--db", db, "--now", NOW])  # opens the store again
    for _ in range(5):
        with pytest.raises(DeskError):
            sign_in("clerk", "0000", clock)
    close_store()
    capsys.readouterr()
    assert main(["staff", "list", "--db", db, "--now", NOW, "--lang", "en"]) == 0
    assert "clerk\t张敏\tClerk (locked until 10:15)" in capsys.readouterr().out
    close_store()
    monkeypatch.setenv("KFDESK_PIN", "1234")
    assert main(["staff", "unlock", "clerk", "--as", "super", "--db", db, "--now", NOW,
                 "--lang", "en"]) == 1
    assert "may not do this" in _err(capsys)
    close_store()
    assert main(["staff", "unlock", "clerk", "--as", "manager", "--db", db, "--now", NOW,
                 "--lang", "en"]) == 0
    assert "clerk unlocked" in capsys.readouterr().out
    assert sign_in("clerk", "1234", clock).login == "clerk"


def test_role_changes_and_the_last_manager(db: str, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("KFDESK_PIN", "1234")
    common = ["--db", db, "--now", NOW, "--lang", "en"]
    assert main(["staff", "role", "clerk", "supervisor", "--as", "manager", "--pin", "1234",
                 *common]) == 1
    assert "6 digits" in _err(capsys)
    close_store()
    assert main(["staff", "role", "clerk", "supervisor", "--as", "manager", "--pin", "112233",
                 *common]) == 0
    assert "clerk: Clerk → Supervisor" in capsys.readouterr().out
    close_store()
    assert main(["staff", "deactivate", "manager", "--as", "manager", *common]) == 1
    assert "last active manager" in _err(capsys)
    assert Staff.get(Staff.login == "manager").active
