"""The resident import's column-mapping preview in the core: what the app's import dialog
reads before anything is checked or written.

``preview_sheet`` gives the headings (found below a title line), the first rows as the import
reads them and the guessed mapping, and refuses a bad file as the import does;
``missing_fields`` names the required fields a mapping leaves out (the flag that blocks the
import); the import's report counts the units its good rows go to (the confirmation's
"N people into M units").
"""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest

from kfdesk.config import default_settings
from kfdesk.desk.base import DeskError
from kfdesk.ids import id_check_digit
from kfdesk.models import AuditEvent, Occupancy, Person, Unit
from kfdesk.residents_io import (
    PREVIEW_ROWS,
    import_residents,
    missing_fields,
    preview_sheet,
)

SETTINGS = default_settings()
ID_A = "44030519800101123" + id_check_digit("44030519800101123")


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def counts() -> tuple[int, ...]:
    return tuple(m.select().count() for m in (Person, Occupancy, AuditEvent))


def test_the_preview_shows_headings_first_rows_and_the_guess(tmp_path: Path) -> None:
    rows = [["某某小区业主通讯录", "", "", ""],  # a title line above the headings
            ["房号", "姓名", "身份", "电话"]]
    rows += [[f"3-1-{600 + i}", f"住户{i}", "家属", "13800001111"] for i in range(8)]
    rows[3] = rows[3][:2]  # a short row is padded, not shifted
    rows[4] = [*rows[4], "beyond the headings"]  # never imported: not shown
    preview = preview_sheet(write_csv(tmp_path / "list.csv", rows))
    assert preview.headers == ("房号", "姓名", "身份", "电话")
    assert preview.header_line == 2
    assert preview.rows == 8
    assert len(preview.sample) == PREVIEW_ROWS
    assert preview.sample[0] == (3, ("3-1-600", "住户0", "家属", "13800001111"))
    assert preview.sample[1] == (4, ("3-1-601", "住户1", "", ""))
    assert preview.sample[2] == (5, ("3-1-602", "住户2", "家属", "13800001111"))
    assert preview.mapping == {"unit": 0, "name": 1, "role": 2, "phone": 3}
    assert len(preview_sheet(tmp_path / "list.csv", sample_rows=2).sample) == 2


def test_an_xlsx_preview_reads_cells_as_the_import_does(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    for row in (["楼栋", "单元", "房号", "业主姓名", "手机号码"],
                ["3", 1, "502", "王建国", 13812345678]):
        book.active.append(row)
    path = tmp_path / "list.xlsx"
    book.save(path)
    preview = preview_sheet(path)
    # Whole numbers as the import reads them: without ".0".
    assert preview.sample == ((2, ("3", "1", "502", "王建国", "13812345678")),)
    assert preview.mapping == {"building": 0, "entrance": 1, "room": 2, "name": 3, "phone": 4}


@pytest.mark.parametrize(("name", "key"), [
    ("list.txt", "residents_io.bad_suffix"),
    ("nowhere.csv", "residents_io.missing"),
])
def test_a_bad_file_is_refused_as_the_import_refuses_it(tmp_path: Path, name: str,
                                                         key: str) -> None:
    (tmp_path / "list.txt").write_text("房号,姓名\n", encoding="utf-8")
    with pytest.raises(DeskError) as exc:
        preview_sheet(tmp_path / name)
    assert (exc.value.key, exc.value.field) == (key, "path")


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_text("\n,,\n", encoding="utf-8")
    with pytest.raises(DeskError) as exc:
        preview_sheet(tmp_path / "empty.csv")
    assert exc.value.key == "residents_io.empty"


@pytest.mark.parametrize(("mapping", "missing"), [
    ({"unit": 0, "name": 1}, ()),
    ({"building": 0, "entrance": 1, "room": 2, "name": 3}, ()),
    ({"unit": 0}, ("name",)),
    ({"phone": 0}, ("name", "unit")),
    ({"name": 0, "building": 1}, ("entrance", "room")),
    ({"name": 0, "building": 1, "room": 2}, ("entrance",)),
])
def test_missing_fields_names_what_the_import_needs(mapping: dict, missing: tuple) -> None:
    assert missing_fields(mapping) == missing


def test_the_import_refuses_the_first_missing_field(office, clock,  # noqa: ANN001
                                                    tmp_path: Path) -> None:
    path = write_csv(tmp_path / "list.csv", [["楼栋", "室号", "姓名"], ["3", "502", "甲"]])
    with pytest.raises(DeskError) as exc:
        import_residents(path, office["super"], clock, SETTINGS, dry_run=True)
    assert (exc.value.key, exc.value.field) == ("residents_io.missing_column", "mapping")
    assert "单元" in exc.value.message()


def test_the_report_counts_the_units_the_good_rows_go_to(office, clock,  # noqa: ANN001
                                                         tmp_path: Path) -> None:
    building = office["unit"].building
    Unit.create(building=building, entrance=1, floor=6, room="601", code="3-1-601",
                area_centi_m2=8912)
    path = write_csv(tmp_path / "list.csv", [
        ["房号", "姓名", "身份", "电话", "身份证号"],
        ["3-1-502", "王小明", "家属", "13800001111", ""],
        ["3-1-502", "王小红", "家属", "", ""],
        ["3-1-601", "曾国藩", "业主", "13800002222", ID_A],
        ["9-9-999", "甲", "家属", "", ""],  # no such unit: not counted
    ])
    before = counts()
    dry = import_residents(path, office["super"], clock, SETTINGS, dry_run=True)
    assert counts() == before
    assert (dry.units, sum(dry.by_role.values()), len(dry.errors)) == (2, 3, 1)
