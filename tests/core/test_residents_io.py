"""KF-017 contact-list export (security's copy without phones, addresses or ID numbers, the
office's copy masked) and the all-or-nothing import of an office's resident list.

Files are read back with the csv module and openpyxl, and searched for every private value
of every person on file — masked or not.
"""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from kfdesk.__main__ import main
from kfdesk.config import default_settings
from kfdesk.desk.base import DeskError
from kfdesk.desk.residents import add_emergency_contact, register_person
from kfdesk.i18n import t
from kfdesk.ids import id_check_digit
from kfdesk.models import AuditEvent, Deadline, EmergencyContact, Occupancy, Person, Unit
from kfdesk.privacy import mask_id, mask_phone
from kfdesk.residents_io import (
    SECURITY_COLUMNS,
    export_contacts,
    guess_mapping,
    import_residents,
    read_sheet,
)

SETTINGS = default_settings()


def make_id(first17: str) -> str:
    return first17 + id_check_digit(first17)


OWNER_ID = make_id("11010519491231002")
ID_A = make_id("44030519800101123")
ID_B = make_id("31011519900315456")
ID_C = make_id("51010719751120008")


def counts() -> dict[str, int]:
    return {m.__name__: m.select().count()
            for m in (Person, Occupancy, EmergencyContact, AuditEvent, Deadline)}


@pytest.fixture
def household(office, clock) -> dict:
    """3-1-502: the owner with ID and address, a tenant, an emergency contact."""
    owner = office["owner"]
    owner.id_number, owner.address, owner.phone2 = OWNER_ID, "北京市西城区金融街1号", "010-62345678"
    owner.save()
    register_person("3-1-502", "tenant", "周杰", "13911112222", ID_A, office["clerk"], clock,
                    SETTINGS, lease_end=date(2027, 6, 30), on=date(2026, 1, 1),
                    address="上海市浦东新区世纪大道100号")
    add_emergency_contact("3-1-502", "王芳", "13700001111", office["clerk"], clock, SETTINGS,
                          address="深圳市南山区科技园")
    return office


def read_back(path: Path) -> list[list[str]]:
    if path.suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return list(csv.reader(handle))
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return [["" if c is None else str(c) for c in row]
                for row in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


def private_values() -> set[str]:
    """Every phone, ID number and address on file, in full and masked, and their tails."""
    out: set[str] = set()
    for p in Person.select():
        for value in (p.phone, p.phone2, p.id_number):
            if value:
                out |= {value, mask_phone(value), mask_id(value)}
        if p.address:
            out |= {p.address, p.address[:6]}
    for c in EmergencyContact.select():
        out |= {c.phone, mask_phone(c.phone), c.address}
    return {v for v in out if v}


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_the_security_copy_has_no_phone_no_address_no_id(household, clock, tmp_path: Path,
                                                         suffix: str) -> None:
    """KF-017 §2.6: the columns are not there, and no value of them is anywhere in the file."""
    path = tmp_path / f"security{suffix}"
    result = export_contacts(path, household["clerk"], clock, SETTINGS)  # for_security default
    assert result.rows == 2 and result.columns == SECURITY_COLUMNS
    rows = read_back(path)
    header = rows[0]
    assert header == [t(f"residents_io.col.{c}") for c in SECURITY_COLUMNS]
    for word in ("电话", "地址", "身份证", "证件"):
        assert not any(word in h for h in header)
    assert [r[4] for r in rows[1:]] == ["王建国", "周杰"]
    assert rows[2][10] == "2027-06-30"  # the lease end is not private
    text = path.read_bytes() if suffix == ".csv" else "\n".join(",".join(r) for r in rows)
    text = text.decode("utf-8-sig") if isinstance(text, bytes) else text
    for secret in private_values():
        assert secret not in text, secret
    assert not any(ch.isdigit() for r in rows[1:] for ch in "".join(r[4:6]))
    event = AuditEvent.get(AuditEvent.action == "residents.export")
    detail = json.loads(event.detail)
    assert (event.actor_id, detail["copy"], detail["rows"], detail["revealed"]) == (
        household["clerk"].id, "security", 2, False)
    # Security may take its own copy (there is nothing private in it).
    export_contacts(tmp_path / f"guard{suffix}", household["guard"], clock, SETTINGS)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_the_office_copy_is_masked_unless_a_supervisor_reveals(household, clock,
                                                               tmp_path: Path,
                                                               suffix: str) -> None:
    """KF-017 §1.2 list, §4: masked by default; full numbers only for supervisor/manager."""
    path = tmp_path / f"office{suffix}"
    export_contacts(path, household["clerk"], clock, SETTINGS, for_security=False)
    rows = read_back(path)
    header = rows[0]
    owner = dict(zip(header, rows[1], strict=True))
    assert owner[t("residents_io.col.phone")] == "138****5678"
    assert owner[t("residents_io.col.id_number")] == "1101**********002X"
    flat = "\n".join(",".join(r) for r in rows)
    for full in ("13812345678", OWNER_ID, "13911112222", ID_A):
        assert full not in flat
    # Full numbers: refused for a clerk (nothing written, nothing logged) …
    before = counts()
    with pytest.raises(DeskError) as exc:
        export_contacts(tmp_path / f"full{suffix}", household["clerk"], clock, SETTINGS,
                        for_security=False, reveal=True)
    assert exc.value.key == "auth.not_allowed"
    assert counts() == before and not (tmp_path / f"full{suffix}").exists()
    with pytest.raises(DeskError):
        export_contacts(tmp_path / f"c{suffix}", household["cashier"], clock, SETTINGS,
                        for_security=False)
    # … allowed to a supervisor, and logged as revealed.
    export_contacts(tmp_path / f"full{suffix}", household["super"], clock, SETTINGS,
                    for_security=False, reveal=True)
    flat = "\n".join(",".join(r) for r in read_back(tmp_path / f"full{suffix}"))
    assert OWNER_ID in flat and "13812345678" in flat
    events = [json.loads(e.detail) for e in AuditEvent.select().where(
        AuditEvent.action == "residents.export").order_by(AuditEvent.id)]
    assert [(e["copy"], e["revealed"]) for e in events] == [("office", False), ("office", True)]


def test_export_refuses_other_file_kinds(household, clock, tmp_path: Path) -> None:
    before = counts()
    with pytest.raises(DeskError) as exc:
        export_contacts(tmp_path / "list.txt", household["clerk"], clock, SETTINGS)
    assert (exc.value.key, exc.value.field) == ("residents_io.bad_suffix", "path")
    assert counts() == before


# --- the column mapping ---------------------------------------------------------------------


def test_guess_mapping_reads_chinese_and_english_headings() -> None:
    assert guess_mapping(["房号", "姓名", "身份", "联系电话", "身份证号码", "租期至"]) == {
        "unit": 0, "name": 1, "role": 2, "phone": 3, "id_number": 4, "lease_end": 5}
    # 房号 beside a building column is the room; 单元 the entrance.
    assert guess_mapping(["楼栋", "单元", "房号", "业主姓名", "手机号码", "备用电话"]) == {
        "building": 0, "entrance": 1, "room": 2, "name": 3, "phone": 4, "phone2": 5}
    # 单元 alone is the whole unit; decorations and case do not matter.
    assert guess_mapping(["单元", "姓名（必填）", "电话*", "证件号码", "与业主关系"]) == {
        "unit": 0, "name": 1, "phone": 2, "id_number": 3, "relation": 4}
    assert guess_mapping(["Unit", "Full Name", "Mobile", "ID No.", "Role", "Lease End",
                          "Address", "Notes"]) == {
        "unit": 0, "name": 1, "phone": 2, "id_number": 3, "role": 4, "lease_end": 5,
        "address": 6}


# --- the import -----------------------------------------------------------------------------


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8-sig") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def more_units(office) -> None:  # noqa: ANN001
    building = office["unit"].building
    for room in ("601", "602"):
        Unit.create(building=building, entrance=1, floor=6, room=room, code=f"3-1-{room}",
                    area_centi_m2=8912)


GOOD = [
    ["某某小区业主通讯录", "", "", "", "", ""],  # a title line above the headings
    ["房号", "姓名", "身份", "联系电话", "身份证号码", "租期至"],
    ["3-1-601", "曾国藩", "业主", "13800001111", ID_C, ""],
    ["3栋1单元601室", "单雄信", "家属", "", "", ""],
    ["3-1-602", "区小红", "业主", "0755-86001234", ID_B, ""],
    ["3-1-602", "仇英", "租户", "13900002222", "", "2027/6/30"],
    ["3-1-602", "解缙", "代理人", "13700003333", "", ""],
]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_an_import_with_one_bad_row_imports_nothing_and_reports_it(office, clock,
                                                                   tmp_path: Path,
                                                                   kind: str) -> None:
    more_units(office)
    rows = [list(r) for r in GOOD]
    rows[4][4] = ID_B[:-1] + ("0" if ID_B[-1] != "0" else "1")  # line 5: a mistyped ID
    path = tmp_path / f"list.{kind}"
    (write_csv if kind == "csv" else write_xlsx)(path, rows)
    before = counts()
    report = import_residents(path, office["super"], clock, SETTINGS)
    assert counts() == before  # nothing written, not even an audit event
    assert report.imported == 0 and not report.ok and not report.dry_run
    # Line 7's agent needs the owner of line 5, which failed: it is reported too.
    assert [(e.line, e.column, e.key) for e in report.errors] == [
        (5, "身份证号码", "residents.id.check"), (7, "身份", "residents.agent_needs_owner")]
    assert "GB 11643" in report.errors[0].reason
    assert report.rows == 5


def test_every_bad_row_is_reported_with_line_column_and_reason(office, clock,
                                                                 tmp_path: Path) -> None:
    more_units(office)
    rows = [
        ["房号", "姓名", "身份", "联系电话", "身份证号码", "租期至"],
        ["3-1-601", "曾国藩", "业主", "13800001111", ID_A, ""],  # good
        ["9-9-999", "甲", "业主", "13800001111", ID_B, ""],  # no such unit
        ["3-1-601", "乙", "家属", "12345", "", ""],  # bad phone
        ["3-1-601", "丙", "租户", "13800001111", "", "明年"],  # bad date
        ["3-1-601", "丁", "房东", "", "", ""],  # unknown role
        ["3-1-601", "", "家属", "", "", ""],  # no name
        ["3-1-601", "戊", "租户", "13800001111", "", ""],  # tenant without lease end
        ["3-1-601", "曾国藩", "家属", "", ID_A, ""],  # already registered above
    ]
    path = write_csv(tmp_path / "list.csv", rows)
    before = counts()
    report = import_residents(path, office["manager"], clock, SETTINGS, dry_run=True)
    assert counts() == before
    assert [(e.line, e.column, e.key) for e in report.errors] == [
        (3, "房号", "residents.unknown_unit"),
        (4, "联系电话", "residents.bad_phone"),
        (5, "租期至", "residents_io.bad_date"),
        (6, "身份", "residents_io.bad_role"),
        (7, "姓名", "residents.name_needed"),
        (8, "租期至", "residents.lease_end_needed"),
        (9, "姓名", "residents.already_here"),
    ]
    assert report.errors[0].reason == t("residents.unknown_unit", unit="9-9-999")
    # In the clerk's language: the same import in English gives English reasons.
    from kfdesk.i18n import set_language

    set_language("en")
    report = import_residents(path, office["manager"], clock, SETTINGS, dry_run=True)
    assert report.errors[0].reason == 'There is no unit "9-9-999".'


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_dry_run_writes_nothing_then_the_import_writes_all(office, clock, tmp_path: Path,
                                                               kind: str) -> None:
    more_units(office)
    path = tmp_path / f"list.{kind}"
    (write_csv if kind == "csv" else write_xlsx)(path, GOOD)
    before = counts()
    dry = import_residents(path, office["super"], clock, SETTINGS, dry_run=True)
    assert counts() == before
    assert dry.ok and dry.imported == 0 and dry.rows == 5
    assert dry.by_role == {"owner": 2, "family": 1, "tenant": 1, "agent": 1}
    assert dry.mapping == {"unit": "房号", "name": "姓名", "role": "身份", "phone": "联系电话",
                           "id_number": "身份证号码", "lease_end": "租期至"}
    report = import_residents(path, office["super"], clock, SETTINGS)
    assert report.ok and report.imported == 5
    people = {p.name: p for p in Person.select()}
    assert people["曾国藩"].initials == "zgf" and people["区小红"].initials == "oxh"
    assert people["区小红"].phone == "0755-86001234" and people["区小红"].id_number == ID_B
    tenant = Occupancy.get(Occupancy.person == people["仇英"].id)
    assert (tenant.role, tenant.lease_end) == ("tenant", date(2027, 6, 30))
    agent = Occupancy.get(Occupancy.person == people["解缙"].id)
    assert (agent.role, agent.is_agent) == ("other", True)
    assert Unit.get(Unit.code == "3-1-602").status == "rented"
    registered = AuditEvent.select().where(AuditEvent.action == "person.register")
    assert registered.count() == 5
    assert all(json.loads(e.detail)["via"] == "import" for e in registered)
    summary = AuditEvent.get(AuditEvent.action == "residents.import")
    assert json.loads(summary.detail)["imported"] == 5
    # Importing the same list again: every row is already there, so nothing is written.
    before = counts()
    again = import_residents(path, office["super"], clock, SETTINGS)
    assert counts() == before and again.imported == 0
    assert {e.key for e in again.errors} == {"residents.already_here"}


def test_building_entrance_room_columns_and_gb18030(office, clock, tmp_path: Path) -> None:
    more_units(office)
    rows = [["楼栋", "单元", "房号", "业主姓名", "手机号码", "身份证"],
            ["3栋", "1单元", "601室", "曾国藩", "13800001111", ID_A]]
    path = write_csv(tmp_path / "gbk.csv", rows, encoding="gb18030")
    report = import_residents(path, office["super"], clock, SETTINGS)
    assert report.ok and report.imported == 1
    assert Occupancy.select().join(Unit).where(Unit.code == "3-1-601").count() == 1


def test_an_id_number_stored_as_an_excel_number_is_refused(office, clock,
                                                          tmp_path: Path) -> None:
    more_units(office)
    path = write_xlsx(tmp_path / "n.xlsx", [["房号", "姓名", "电话", "身份证号"],
                                            ["3-1-601", "曾国藩", 13800001111,
                                             440305198001011230]])
    report = import_residents(path, office["super"], clock, SETTINGS)
    assert [(e.line, e.column, e.key) for e in report.errors] == [
        (2, "身份证号", "residents_io.id_as_number")]


def test_the_mapping_can_be_given_and_columns_must_exist(office, clock, tmp_path: Path) -> None:
    more_units(office)
    path = write_csv(tmp_path / "odd.csv", [["户", "人", "号码"],
                                           ["3-1-601", "曾国藩", "13800001111"]])
    assert read_sheet(path).headers == ("户", "人", "号码")
    before = counts()
    with pytest.raises(DeskError) as exc:
        import_residents(path, office["super"], clock, SETTINGS)
    assert (exc.value.key, exc.value.field) == ("residents_io.missing_column", "mapping")
    with pytest.raises(DeskError) as exc:
        import_residents(path, office["super"], clock, SETTINGS,
                         mapping={"unit": "户", "name": "人", "phone": "电话"})
    assert exc.value.key == "residents_io.no_column"
    assert counts() == before
    # Owners need an ID number, so this list can only be family members: say so per row.
    report = import_residents(path, office["super"], clock, SETTINGS,
                              mapping={"unit": "户", "name": "人", "phone": 2}, dry_run=True)
    assert [(e.line, e.column, e.key) for e in report.errors] == [
        (2, t("residents_io.col.id_number"), "residents.id_needed")]


def test_only_a_supervisor_or_manager_imports(office, clock, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "list.csv", GOOD)
    with pytest.raises(DeskError) as exc:
        import_residents(path, office["clerk"], clock, SETTINGS, dry_run=True)
    assert exc.value.key == "auth.not_allowed"


# --- the command line -----------------------------------------------------------------------


@pytest.fixture
def cli_env(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KFDESK_CONFIG", str(tmp_path / "no-settings.toml"))
    monkeypatch.delenv("KFDESK_DB", raising=False)


def test_cli_export_for_security_and_import(household, store: Path, tmp_path: Path, cli_env,
                                            capsys) -> None:
    common = ["--db", str(store), "--now", "2026-10-09T10:00"]
    out = tmp_path / "security.xlsx"
    assert main(["export", "contacts", "--for", "security", "--out", str(out), "--as", "clerk",
                 "--as-pin", "1234", *common]) == 0
    assert "2" in capsys.readouterr().out
    text = "\n".join(",".join(r) for r in read_back(out))
    for secret in private_values():
        assert secret not in text
    more_units(household)
    rows = [list(r) for r in GOOD]
    rows[3][3] = "12345"  # line 4: a bad phone
    bad = write_csv(tmp_path / "bad.csv", rows)
    before = counts()
    assert main(["import", "residents", str(bad), "--as", "super", "--as-pin", "1234",
                 *common]) == 1
    captured = capsys.readouterr()
    assert counts() == {**before, "AuditEvent": before["AuditEvent"] + 1}  # the sign-in only
    assert "第 4 行 [联系电话]" in captured.out
    assert captured.err.count("\n") == 1 and "未导入任何记录" in captured.err
    good = write_csv(tmp_path / "good.csv", GOOD)
    assert main(["import", "residents", str(good), "--dry-run", "--as", "super", "--as-pin",
                 "1234", *common]) == 0
    assert "房号 ← 房号" in capsys.readouterr().out
    assert Person.select().where(Person.name == "曾国藩").count() == 0
    assert main(["import", "residents", str(good), "--map", "phone=联系电话", "--as", "super",
                 "--as-pin", "1234", *common]) == 0
    assert Person.select().where(Person.name == "曾国藩").count() == 1
