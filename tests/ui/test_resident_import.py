"""Importing a resident list from F6 (``i``), by keystroke, on a copy of the demo community.

A supervisor types the path of a small CSV with Chinese headings (房号,姓名,身份,电话): the
mapping preview shows which column feeds which field and the first rows; the dry run (``d``)
lists the bad row's line, column and reason and writes nothing; ``i`` is refused before a
clean dry run; after the file is corrected the dry run is clean, ``i`` asks "import N people
into M units?", Enter imports and F6 is back. A mapping changed with ←→ is the one the import
uses; an unmapped required field blocks the dry run; a file edited after the dry run must be
checked again; a bad path is refused in place; a clerk is not offered the key and is refused.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from helpers import appears, column_texts, screen_text, table_rows
from kfdesk_screens.resident_import import (
    FieldTable,
    ImportConfirm,
    ResidentImportScreen,
    roles_text,
)
from kfdesk_screens.residents import ResidentsScreen
from kfdesk_screens.widgets.table import FitTable
from textual.widgets import Input, Static

from kfdesk.i18n import t
from kfdesk.models import AuditEvent, Occupancy, Person

LANGS = pytest.mark.parametrize("lang", ["zh", "en"])
HEADINGS = ["房号", "姓名", "身份", "电话"]
GOOD = [["3-1-502", "欧阳小明", "家属", "13800001111"],
        ["3-1-502", "欧阳小红", "家属", "13700003333"],
        ["1-1-102", "司马大伟", "家属", "13900002222"]]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def counts() -> tuple[int, int, int]:
    return Person.select().count(), Occupancy.select().count(), AuditEvent.select().count()


def text_of(app, wid: str) -> str:  # noqa: ANN001
    """What one of the dialog's lines says ("" when it is hidden)."""
    widget = app.screen.query_one(wid, Static)
    return str(widget.render()) if widget.display else ""


async def open_import(pilot, app) -> ResidentImportScreen:  # noqa: ANN001
    """F6, out of the search box (letters there are typed), then i."""
    await pilot.press("f6")
    await settle(pilot, app)
    await pilot.press("tab", "i")
    await settle(pilot, app)
    assert isinstance(app.screen, ResidentImportScreen)
    return app.screen


async def read_file(pilot, app, path: Path | str) -> None:  # noqa: ANN001
    box = app.screen.query_one("#imp-path", Input)
    box.focus()
    box.value = str(path)
    await pilot.press("enter")
    await settle(pilot, app)


def mapping_rows(app) -> dict[str, str]:  # noqa: ANN001
    """Field → the column shown for it in the mapping table."""
    table = app.screen.query_one("#imp-fields", FieldTable)
    return dict(zip(table.row_keys, column_texts(table, 1), strict=True))


async def settle(pilot, app) -> None:  # noqa: ANN001
    """Let the keys' work finish: the dry run and the import run in a worker thread."""
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def choose(pilot, app, field: str, *keys: str) -> None:  # noqa: ANN001
    """Select ``field`` in the mapping table and press ←/→."""
    table = app.screen.query_one("#imp-fields", FieldTable)
    table.focus()
    assert table.select_key(field)
    await pilot.press(*keys)
    await settle(pilot, app)


@LANGS
async def test_preview_dry_run_with_a_bad_row_then_the_import(make_app, tmp_path: Path,  # noqa: ANN001
                                                              lang: str) -> None:
    app = make_app(lang, login="super")
    bad = [list(r) for r in GOOD]
    bad[1][3] = "12345"  # line 3: not a phone number
    path = write_csv(tmp_path / "住户名单.csv", [HEADINGS, *bad])
    async with app.run_test(size=(120, 40)) as pilot:
        await open_import(pilot, app)
        await read_file(pilot, app, path)
        # The preview: each field with the column it is read from, and the file's first rows
        # under their headings with the field each column feeds.
        assert text_of(app, "#imp-status") == t("ui.resident_import.read", lang=lang,
                                                 file=path.name, line=1, rows=3)
        shown = mapping_rows(app)
        assert {f: shown[f] for f in ("unit", "name", "role", "phone")} == {
            "unit": "房号", "name": "姓名", "role": "身份", "phone": "电话"}
        assert shown["id_number"] == t("ui.resident_import.not_imported", lang=lang)
        preview = table_rows(app.screen.query_one("#imp-preview", FitTable))
        assert preview[0][1:] == [t(f"residents_io.col.{f}", lang=lang)
                                  for f in ("unit", "name", "role", "phone")]
        assert preview[1:] == [[str(n), *row] for n, row in enumerate(bad, start=2)]
        text = screen_text(app)
        for key in ("dry_run", "import", "column", "clear"):  # the keys are in the footer
            assert t(f"ui.resident_import.key.{key}", lang=lang) in text.splitlines()[-1]
        # d: the dry run lists the bad row with its line, column and reason; nothing written.
        before = counts()
        await pilot.press("d")
        await settle(pilot, app)
        assert counts() == before
        errors = table_rows(app.screen.query_one("#imp-errors", FitTable))
        assert [row[:2] for row in errors] == [["3", "电话"]]
        reason = t("residents.bad_phone", lang=lang, text="12345")
        assert text_of(app, "#imp-reason") == t("ui.resident_import.reason_line", lang=lang,
                                                 line=3, column="电话", reason=reason)
        assert text_of(app, "#imp-result").startswith(
            t("ui.resident_import.dry_bad", lang=lang, bad=1, rows=3))
        # i before a clean dry run: refused in place, no confirmation.
        await pilot.press("i")
        await settle(pilot, app)
        assert isinstance(app.screen, ResidentImportScreen)
        assert text_of(app, "#imp-message") == t("ui.resident_import.dry_first", lang=lang)
        # The file corrected: the dry run is clean (the file is read again), still no write.
        write_csv(path, [HEADINGS, *GOOD])
        await pilot.press("d")
        await settle(pilot, app)
        assert counts() == before
        assert text_of(app, "#imp-result") == t(
            "ui.resident_import.dry_ok", lang=lang, rows=3, n=3, units=2,
            roles=t("occupancy.family", lang=lang) + " 3")
        assert not app.screen.query_one("#imp-errors-pane").display
        # i: "import 3 people into 2 units?" — Enter imports, and F6 is back.
        await pilot.press("i")
        await settle(pilot, app)
        assert isinstance(app.screen, ImportConfirm)
        assert t("ui.resident_import.confirm_title", lang=lang, n=3, units=2) in screen_text(app)
        assert counts() == before
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(app.screen, ResidentsScreen)
        people = {p.name: p for p in Person.select().where(
            Person.name << [r[1] for r in GOOD])}
        assert sorted(people) == sorted(r[1] for r in GOOD)
        occ = Occupancy.get(Occupancy.person == people["司马大伟"].id)
        assert (occ.unit.code, occ.role) == ("1-1-102", "family")
        assert people["欧阳小红"].phone == "13700003333"
        event = AuditEvent.get(AuditEvent.action == "residents.import")
        assert event.actor.login == "super" and json.loads(event.detail)["imported"] == 3
        done = t("ui.resident_import.done", lang=lang, n=3, units=2,
                 roles=roles_text({"family": 3}))
        assert done in [n.message for n in app._notifications]  # noqa: SLF001


async def test_the_mapping_changed_in_the_dialog_is_what_is_imported(make_app,  # noqa: ANN001
                                                                     tmp_path: Path) -> None:
    """The guess reads 旧电话 as the phone; ←→ on the phone field takes 新电话 instead, and
    an unmapped required field (姓名) blocks the dry run until it has a column again."""
    app = make_app("zh", login="super")
    path = write_csv(tmp_path / "list.csv", [
        ["房号", "姓名", "身份", "旧电话", "新电话"],
        ["3-1-502", "欧阳小明", "家属", "停机", "13800001111"],
        ["1-1-102", "司马大伟", "家属", "空号", "13900002222"],
    ])
    async with app.run_test(size=(120, 40)) as pilot:
        await open_import(pilot, app)
        await read_file(pilot, app, path)
        assert mapping_rows(app)["phone"] == "旧电话"
        # 姓名 unmapped (←: the column before it feeds the unit, so none): flagged, blocked.
        await choose(pilot, app, "name", "left")
        assert mapping_rows(app)["name"] == t("ui.resident_import.required_missing")
        await choose(pilot, app, "name", "right", "x")  # x: not imported, the same
        assert mapping_rows(app)["name"] == t("ui.resident_import.required_missing")
        blocked = t("ui.resident_import.blocked", fields=t("residents_io.col.name"))
        assert text_of(app, "#imp-flag") == blocked
        before = counts()
        await pilot.press("d")
        await settle(pilot, app)
        assert text_of(app, "#imp-message") == t("ui.resident_import.blocked_key")
        assert text_of(app, "#imp-result") == ""
        await choose(pilot, app, "name", "right")
        assert mapping_rows(app)["name"] == "姓名" and text_of(app, "#imp-flag") == ""
        # The guessed mapping: both rows fail on the old numbers.
        await pilot.press("d")
        await settle(pilot, app)
        errors = table_rows(app.screen.query_one("#imp-errors", FitTable))
        assert [row[:2] for row in errors] == [["2", "旧电话"], ["3", "旧电话"]]
        # → on the phone field: the next free column, 新电话; the old result is dropped.
        await choose(pilot, app, "phone", "right")
        assert mapping_rows(app)["phone"] == "新电话"
        await choose(pilot, app, "phone", "left")
        assert mapping_rows(app)["phone"] == "旧电话"
        await choose(pilot, app, "phone", "right")
        assert text_of(app, "#imp-message") == t("ui.resident_import.mapping_changed")
        assert not app.screen.query_one("#imp-errors-pane").display
        preview = table_rows(app.screen.query_one("#imp-preview", FitTable))
        assert preview[0][4:] == ["—", t("residents_io.col.phone")]
        await pilot.press("d")
        await settle(pilot, app)
        assert text_of(app, "#imp-result").startswith(t(
            "ui.resident_import.dry_ok", rows=2, n=2, units=2, roles=roles_text({"family": 2})))
        assert counts() == before
        await pilot.press("i")
        await settle(pilot, app)
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(app.screen, ResidentsScreen)
        assert Person.get(Person.name == "欧阳小明").phone == "13800001111"
        assert Person.get(Person.name == "司马大伟").phone == "13900002222"
        event = AuditEvent.get(AuditEvent.action == "residents.import")
        assert json.loads(event.detail)["mapping"]["phone"] == "新电话"


async def test_a_file_edited_after_the_dry_run_is_checked_again(make_app,  # noqa: ANN001
                                                               tmp_path: Path) -> None:
    app = make_app("zh", login="manager")
    path = write_csv(tmp_path / "list.csv", [HEADINGS, *GOOD[:2]])
    async with app.run_test(size=(120, 40)) as pilot:
        await open_import(pilot, app)
        await read_file(pilot, app, path)
        await pilot.press("d")
        await settle(pilot, app)
        assert text_of(app, "#imp-result").startswith(t(
            "ui.resident_import.dry_ok", rows=2, n=2, units=1, roles=roles_text({"family": 2})))
        write_csv(path, [HEADINGS, *GOOD])  # a row added after the dry run
        before = counts()
        await pilot.press("i")
        await settle(pilot, app)
        assert isinstance(app.screen, ResidentImportScreen)
        assert text_of(app, "#imp-message") == t("ui.resident_import.file_changed")
        assert text_of(app, "#imp-status") == t("ui.resident_import.read", file=path.name,
                                                 line=1, rows=3)
        await pilot.press("d")
        await settle(pilot, app)
        await pilot.press("i")
        await settle(pilot, app)
        assert t("ui.resident_import.confirm_title", n=3, units=2) in screen_text(app)
        # Esc at the confirmation: back to the dialog, nothing written.
        await pilot.press("escape")
        await settle(pilot, app)
        assert isinstance(app.screen, ResidentImportScreen)
        assert counts() == before
        await pilot.press("escape")
        await settle(pilot, app)
        assert isinstance(app.screen, ResidentsScreen)
        assert counts() == before


@LANGS
async def test_a_bad_path_is_refused_in_place(make_app, tmp_path: Path,  # noqa: ANN001
                                              lang: str) -> None:
    app = make_app(lang, login="super")
    (tmp_path / "list.txt").write_text("房号,姓名\n", encoding="utf-8")
    (tmp_path / "broken.xlsx").write_bytes(b"not a spreadsheet")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_import(pilot, app)
        cases = [("", t("ui.resident_import.path_needed", lang=lang)),
                 (tmp_path / "nowhere.csv",
                  t("residents_io.missing", lang=lang, file=str(tmp_path / "nowhere.csv"))),
                 (tmp_path / "list.txt",
                  t("residents_io.bad_suffix", lang=lang, file="list.txt"))]
        for path, message in cases:
            await read_file(pilot, app, path)
            assert text_of(app, "#imp-path-error") == message
            assert app.screen.focused is app.screen.query_one("#imp-path", Input)
            assert not app.screen.query_one("#imp-panes").display
        await read_file(pilot, app, tmp_path / "broken.xlsx")
        assert text_of(app, "#imp-path-error").startswith(
            t("residents_io.unreadable", lang=lang, file="broken.xlsx", reason=""))
        # No file read: no dry run and no import key in the footer.
        footer = screen_text(app).splitlines()[-1]
        assert t("ui.resident_import.key.dry_run", lang=lang) not in footer
        await pilot.press("escape")
        await settle(pilot, app)
        assert isinstance(app.screen, ResidentsScreen)


@LANGS
async def test_a_clerk_is_not_offered_the_import_and_is_refused(make_app,  # noqa: ANN001
                                                                lang: str) -> None:
    app = make_app(lang)  # the demo clerk
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f6")
        await settle(pilot, app)
        await pilot.press("tab")
        await settle(pilot, app)
        assert t("ui.residents.key.import", lang=lang) not in screen_text(app).splitlines()[-1]
        before = counts()
        await pilot.press("i")
        await settle(pilot, app)
        assert isinstance(app.screen, ResidentsScreen)
        # Reached another way (the action itself): the core's refusal and who may import.
        app.screen.action_import_residents()
        await settle(pilot, app)
        assert isinstance(app.screen, ResidentsScreen)
        messages = [n.message for n in app._notifications]  # noqa: SLF001
        assert any(t("auth.not_allowed", lang=lang, role=t("role.clerk", lang=lang),
                     action=t("action.residents.import", lang=lang)) in m
                   and t("role.supervisor", lang=lang) in m for m in messages)
        assert counts() == before


async def test_a_supervisor_sees_the_key_and_the_dialog_fits_80x24(make_app,  # noqa: ANN001
                                                                   tmp_path: Path) -> None:
    app = make_app("zh", login="super")
    path = write_csv(tmp_path / "list.csv", [HEADINGS, *GOOD])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f6")
        await settle(pilot, app)
        await pilot.press("tab")
        await settle(pilot, app)
        assert t("ui.residents.key.import") in screen_text(app).splitlines()[-1]
        await pilot.press("i")
        await settle(pilot, app)
        await read_file(pilot, app, path)
        await pilot.press("d")
        await settle(pilot, app)
        assert await appears(pilot, app, t("ui.resident_import.key.import"))
        footer = screen_text(app).splitlines()[-1]
        assert t("ui.resident_import.key.dry_run") in footer
        assert mapping_rows(app)["unit"] == "房号"
        assert text_of(app, "#imp-result").startswith(t(
            "ui.resident_import.dry_ok", rows=3, n=3, units=2, roles=roles_text({"family": 3})))


async def test_the_dry_run_runs_beside_the_counter_and_its_keys_wait(
        make_app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    # A long list takes a second or more: the dry run runs in a worker thread, the dialog
    # says so, and Esc, d and o wait until it is done (held here until the test lets go).
    import threading

    import kfdesk_screens.resident_import as dialog

    release = threading.Event()
    real = dialog.import_residents

    def held(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        assert threading.current_thread() is not threading.main_thread()
        release.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(dialog, "import_residents", held)
    app = make_app("zh", login="super")
    path = write_csv(tmp_path / "住户名单.csv", [HEADINGS, *GOOD])
    async with app.run_test(size=(120, 40)) as pilot:
        await open_import(pilot, app)
        await read_file(pilot, app, path)
        await pilot.press("d")
        await pilot.pause()
        assert text_of(app, "#imp-result") == t("ui.resident_import.checking", rows=3)
        await pilot.press("escape", "o")
        await pilot.pause()
        assert isinstance(app.screen, ResidentImportScreen)
        # Nor does the mapping change under it: what was checked is what may be imported.
        table = app.screen.query_one("#imp-fields", FieldTable)
        table.focus()
        assert table.select_key("phone")
        await pilot.press("right")
        await pilot.pause()
        assert mapping_rows(app)["phone"] == "电话"
        footer = screen_text(app).splitlines()[-1]
        for key in ("column", "clear", "dry_run", "import"):  # keys that wait are not shown
            assert t(f"ui.resident_import.key.{key}") not in footer
        assert app.screen.query_one("#imp-path", Input).disabled
        release.set()
        await settle(pilot, app)
        assert text_of(app, "#imp-result") == t(
            "ui.resident_import.dry_ok", rows=3, n=3, units=2,
            roles=t("occupancy.family") + " 3")
        assert not app.screen.query_one("#imp-path", Input).disabled
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ResidentsScreen)
