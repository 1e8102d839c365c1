"""Resident lists in and out: the contact-list export and the import of an office's list.

**Export** (``export_contacts``): the current occupants of every unit, one row each, as CSV
(UTF-8 with BOM, so Excel shows Chinese) or XLSX by the file's suffix, headings in the
clerk's language.
- The security department's copy (KF-017 §2.6, ``for_security=True``, the default) has no
  phone, no address and no ID number — the columns are not there at all.
- The office's copy (KF-017 §1.2 owner contact list) has them masked like every screen
  (KF-017 §4); ``reveal=True`` writes them in full, for a supervisor or manager only.
Every export is an audit event (KF-017 §4), naming the file, the copy and the row count.

**Import** (``import_residents``): an office's existing resident list from CSV (UTF-8, or the
GB18030 Excel writes on a Chinese Windows) or XLSX. ``guess_mapping`` recognises Chinese and
English headings (房号/单元/楼栋/姓名/电话/身份证/身份 …, unit/name/phone/ID …) — the mapping
preview, which a caller may correct; ``preview_sheet`` gives the headings, the first rows and
that guess (the app's preview), ``missing_fields`` the required fields a mapping still lacks.
Each row goes through the same checks as registering at the counter
(``kfdesk.desk.residents.check_person`` and ``register_checked``: ID numbers, phones, an
owner's ID, a tenant's lease end, a person already registered …). A dry run
reports every bad row — line, column, reason in the clerk's language — and writes nothing;
the import is all-or-nothing: one transaction, rolled back when any row is bad.
Both run the rows inside one transaction (a savepoint per row, so one bad row does not hide
the next), then commit only a clean, real import: the dry run is exactly the import's check.
"""

from __future__ import annotations

import csv
import io
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, NamedTuple

from .clock import Clock
from .config import Settings
from .desk.base import DeskError, Tr, audit, require_role, transaction
from .desk.residents import (
    RECORD_ROLES,
    REVEAL_ROLES,
    check_person,
    register_checked,
)
from .i18n import has, t
from .models import Building, Group, Occupancy, Person, Staff, Unit, database
from .privacy import mask_id, mask_phone

SECURITY_EXPORT_ROLES = (*RECORD_ROLES, "security")  # their own copy, with nothing private
OFFICE_EXPORT_ROLES = RECORD_ROLES
REVEAL_EXPORT_ROLES = REVEAL_ROLES["id_number"]  # full numbers in a file: supervisor, manager
IMPORT_ROLES = ("supervisor", "manager")  # a whole list at once: the office's set-up job

# KF-017 §2.6: what security's copy may hold. The office copy adds the private columns.
SECURITY_COLUMNS = ("group", "building", "unit", "status", "name", "role", "relation",
                    "registered", "agent", "since", "lease_end")
PRIVATE_COLUMNS = ("phone", "phone2", "id_number", "address")
OFFICE_COLUMNS = SECURITY_COLUMNS + PRIVATE_COLUMNS
SUFFIXES = (".csv", ".xlsx")

# --------------------------------------------------------------------------------------------
# export


class ExportResult(NamedTuple):
    path: str
    rows: int
    columns: tuple[str, ...]  # column keys, in order


def _safe(value: str) -> str:
    """A cell a spreadsheet will not run as a formula (a name typed as "=…")."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _relation(text: str) -> str:
    """A household relation in the clerk's language when it is a known word, else as typed."""
    return t(f"ui.relation.{text}") if text and has(f"ui.relation.{text}") else text


def contact_rows(for_security: bool, reveal: bool = False) -> tuple[tuple[str, ...],
                                                                    list[list[str]]]:
    """The export's column keys and rows (current occupants, by unit, owners first)."""
    columns = SECURITY_COLUMNS if for_security else OFFICE_COLUMNS
    units = {u.id: u for u in Unit.select()}
    buildings = {b.id: b for b in Building.select()}
    groups = {g.id: g for g in Group.select()}
    order = {"owner": 0, "family": 1, "tenant": 2, "other": 3}
    occs = list(Occupancy.select(Occupancy, Person).join(Person)
                .where(Occupancy.ended_on.is_null()))
    occs.sort(key=lambda o: (units[o.unit_id].code, order.get(o.role, 9), o.started_on, o.id))
    rows = []
    for occ in occs:
        unit = units[occ.unit_id]
        building = buildings[unit.building_id]
        p = occ.person
        values = {
            "group": groups[building.group_id].name, "building": building.name,
            "unit": unit.code, "status": t(f"unit_status.{unit.status}"), "name": p.name,
            "role": t("residents.role.agent") if occ.is_agent else t(f"occupancy.{occ.role}"),
            "relation": _relation(occ.relation),
            "registered": t("residents_io.yes") if occ.registered else "",
            "agent": t("residents_io.yes") if occ.is_agent else "",
            "since": occ.started_on.isoformat(),
            "lease_end": occ.lease_end.isoformat() if occ.lease_end else "",
        }
        if not for_security:
            values.update(
                phone=p.phone if reveal else mask_phone(p.phone),
                phone2=p.phone2 if reveal else mask_phone(p.phone2),
                id_number=p.id_number if reveal else mask_id(p.id_number),
                address=p.address)
        rows.append([_safe(values[c]) for c in columns])
    return columns, rows


def _write(path: Path, headings: list[str], rows: list[list[str]]) -> None:
    # Residents' names, units and phones: the owner's only (issue 19). The file is made (or
    # an old one narrowed) 0600 before any row is in it; rewriting it keeps that mode.
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    os.chmod(path, 0o600)
    if path.suffix.lower() == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(headings)
            writer.writerows(rows)
        return
    from openpyxl import Workbook  # heavy: only when a spreadsheet is written

    book = Workbook(write_only=True)
    sheet = book.create_sheet(t("residents_io.sheet"))
    sheet.append(headings)
    for row in rows:
        sheet.append(row)  # all text: an ID number must not become a rounded number
    book.save(path)


def export_contacts(path: str | Path, actor: Staff, clock: Clock, settings: Settings, *,
                    for_security: bool = True, reveal: bool = False) -> ExportResult:
    """Write the contact list to ``path`` (``.csv`` or ``.xlsx``); audited (KF-017 §4).

    ``for_security`` (default): security's copy without phones, addresses or ID numbers
    (KF-017 §2.6). Otherwise the office's copy, masked unless ``reveal`` (supervisor, manager).
    """
    if for_security:
        require_role(actor, SECURITY_EXPORT_ROLES, "residents.export_security")
        reveal = False
    else:
        require_role(actor, OFFICE_EXPORT_ROLES, "residents.export_office")
        if reveal:
            require_role(actor, REVEAL_EXPORT_ROLES, "residents.export_reveal")
    target = Path(path).expanduser()
    if target.suffix.lower() not in SUFFIXES:
        raise DeskError("residents_io.bad_suffix", field="path", file=target.name)
    with transaction():
        columns, rows = contact_rows(for_security, reveal)
        try:
            _write(target, [t(f"residents_io.col.{c}") for c in columns], rows)
        except OSError as exc:
            raise DeskError("residents_io.unwritable", field="path", file=str(target),
                            reason=exc.strerror or str(exc)) from exc
        audit(actor, clock, "residents.export", None, file=str(target), rows=len(rows),
              copy="security" if for_security else "office", revealed=reveal,
              columns=",".join(columns))
    return ExportResult(str(target), len(rows), columns)


# --------------------------------------------------------------------------------------------
# reading a sheet


class Sheet(NamedTuple):
    headers: tuple[str, ...]
    header_line: int
    rows: tuple[tuple[int, tuple[Any, ...]], ...]  # (line as the file/sheet numbers it, cells)


def _cell_text(value: Any) -> str:
    """A cell as text: a whole number from a spreadsheet without its ".0", dates ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return unicodedata.normalize("NFKC", str(value)).strip()


def _csv_records(path: Path) -> list[tuple[int, list[Any]]]:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):  # Excel on a Chinese Windows saves GB18030
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise DeskError("residents_io.encoding", field="path", file=path.name)
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    out = []
    try:
        start = 1
        for cells in reader:
            out.append((start, list(cells)))
            start = reader.line_num + 1  # a quoted cell may span lines
    except csv.Error as exc:
        raise DeskError("residents_io.unreadable", field="path", file=path.name,
                        reason=str(exc)) from exc
    return out


def _xlsx_records(path: Path) -> list[tuple[int, list[Any]]]:
    import zipfile

    from openpyxl import load_workbook  # heavy: only when a spreadsheet is read
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (OSError, zipfile.BadZipFile, InvalidFileException, KeyError, ValueError) as exc:
        raise DeskError("residents_io.unreadable", field="path", file=path.name,
                        reason=str(exc) or type(exc).__name__) from exc
    try:
        return [(i, list(row)) for i, row in
                enumerate(book.worksheets[0].iter_rows(values_only=True), start=1)]
    finally:
        book.close()


HEADER_SEARCH_ROWS = 10  # a list often starts with a title line ("某某小区业主通讯录")


def read_sheet(path: str | Path) -> Sheet:
    """The file's heading row and the rows below it (blank rows left out).

    The heading row is the first of the first few rows in which ``guess_mapping`` finds a
    name and a unit column; failing that, the first row.
    """
    file = Path(path).expanduser()
    suffix = file.suffix.lower()
    if suffix not in SUFFIXES:
        raise DeskError("residents_io.bad_suffix", field="path", file=file.name)
    if not file.is_file():
        raise DeskError("residents_io.missing", field="path", file=str(file))
    try:
        records = _csv_records(file) if suffix == ".csv" else _xlsx_records(file)
    except OSError as exc:
        raise DeskError("residents_io.unreadable", field="path", file=file.name,
                        reason=exc.strerror or str(exc)) from exc
    records = [(n, cells) for n, cells in records if any(_cell_text(c) for c in cells)]
    if not records:
        raise DeskError("residents_io.empty", field="path", file=file.name)
    at = 0
    for i, (_, cells) in enumerate(records[:HEADER_SEARCH_ROWS]):
        found = guess_mapping([_cell_text(c) for c in cells])
        if "name" in found and ("unit" in found or "room" in found):
            at = i
            break
    line, header = records[at]
    return Sheet(tuple(_cell_text(c) for c in header), line,
                 tuple((n, tuple(cells)) for n, cells in records[at + 1:]))


# --------------------------------------------------------------------------------------------
# the column mapping

IMPORT_FIELDS = ("unit", "building", "entrance", "room", "name", "role", "phone", "phone2",
                 "id_number", "address", "relation", "lease_end", "started_on")

# Headings as offices write them (compared without spaces or punctuation, case-folded).
HEADINGS: dict[str, tuple[str, ...]] = {
    "unit": ("房号", "房屋编号", "房屋", "户号", "房产", "unit", "unitcode", "unitno", "flat",
             "apartment"),
    "building": ("楼栋", "栋", "栋号", "楼号", "楼", "幢", "幢号", "楼宇", "building", "bldg",
                 "block"),
    "entrance": ("单元", "单元号", "entrance", "stair", "staircase"),
    "room": ("室", "室号", "房间", "房间号", "门牌号", "room", "roomno"),
    "name": ("姓名", "名字", "业主姓名", "住户姓名", "户主", "业主", "住户", "name", "fullname",
             "ownername", "residentname", "resident"),
    "role": ("身份", "类别", "类型", "住户类型", "住户身份", "人员类型", "role", "type",
             "occupanttype", "residenttype"),
    "phone": ("电话", "手机", "手机号", "手机号码", "联系电话", "电话号码", "联系方式",
              "phone", "mobile", "tel", "telephone", "phonenumber", "mobilephone"),
    "phone2": ("电话2", "备用电话", "其他电话", "固定电话", "座机", "联系电话2", "phone2",
               "secondphone", "otherphone", "landline"),
    "id_number": ("身份证", "身份证号", "身份证号码", "证件号", "证件号码", "证件",
                  "id", "idnumber", "idno", "idcard", "idcardnumber"),
    "address": ("地址", "联系地址", "通讯地址", "通信地址", "住址", "address",
                "contactaddress"),
    "relation": ("关系", "与业主关系", "与户主关系", "relation", "relationship"),
    "lease_end": ("租期至", "租约到期", "租赁到期", "租期结束", "租约到期日", "租期到期",
                  "到期日", "leaseend", "leaseends", "leaseexpiry"),
    "started_on": ("入住日期", "入住时间", "登记日期", "起始日期", "入住", "since", "movein",
                   "movedin", "startedon", "startdate"),
}
_ALIASES = {alias: field for field, names in HEADINGS.items() for alias in names}
_PUNCT = re.compile(r"[\s\-_:：*＊#.()（）\[\]【】/]+")


def _heading(text: str) -> str:
    return _PUNCT.sub("", unicodedata.normalize("NFKC", text or "")).casefold()


def _field_of(heading: str) -> str | None:
    """The field a heading names: an exact alias, else the longest alias inside it (so
    身份证号码 is the ID number, not 身份, and 业主联系电话 is the phone)."""
    key = _heading(heading)
    if not key:
        return None
    if key in _ALIASES:
        return _ALIASES[key]
    inside = [a for a in _ALIASES if len(a) >= 2 and a in key and not a.isascii()]
    return _ALIASES[max(inside, key=len)] if inside else None


def guess_mapping(headers: Sequence[str]) -> dict[str, int]:
    """Field → column index for the headings it recognises (the mapping preview).

    房号 is the whole unit (3-1-502) unless the list also has a building column, where it is
    the room; 单元 is the entrance beside a building column, and the unit without one.
    """
    found: dict[str, int] = {}
    for index, heading in enumerate(headers):
        field = _field_of(str(heading))
        if field is not None and field not in found:
            found[field] = index
    if "building" in found:
        if "unit" in found and "room" not in found:
            found["room"] = found.pop("unit")
    elif "entrance" in found and "unit" not in found:
        found["unit"] = found.pop("entrance")
    return found


def resolve_mapping(headers: Sequence[str], given: Mapping[str, int | str]) -> dict[str, int]:
    """A caller's mapping (field → column index or heading text) checked against the file."""
    out: dict[str, int] = {}
    for field, column in given.items():
        if field not in IMPORT_FIELDS:
            raise DeskError("residents_io.unknown_field", field="mapping", name=field)
        if isinstance(column, int):
            if not 0 <= column < len(headers):
                raise DeskError("residents_io.no_column", field="mapping", column=str(column))
            out[field] = column
            continue
        matches = [i for i, h in enumerate(headers) if _heading(h) == _heading(column)]
        if not matches:
            raise DeskError("residents_io.no_column", field="mapping", column=column)
        out[field] = matches[0]
    return out


UNIT_PARTS = ("building", "entrance", "room")  # the unit from three columns instead of one


def missing_fields(columns: Mapping[str, int | str]) -> tuple[str, ...]:
    """The required fields a mapping leaves out, in the order the import asks for them.

    The name is always needed; the unit is one column, or building + entrance + room. With
    none of the three, the unit itself is missing; with some, the parts still missing are.
    Empty: the mapping is enough to import (the mapping preview's flag, and the import's
    own refusal).
    """
    out: list[str] = []
    if "name" not in columns:
        out.append("name")
    if "unit" not in columns:
        present = [p for p in UNIT_PARTS if p in columns]
        out.extend(("unit",) if not present else [p for p in UNIT_PARTS if p not in columns])
    return tuple(out)


class SheetPreview(NamedTuple):
    """What a file holds, for the column-mapping preview: nothing is checked or written."""

    path: str
    headers: tuple[str, ...]
    header_line: int
    rows: int  # data rows below the headings (blank rows left out)
    sample: tuple[tuple[int, tuple[str, ...]], ...]  # (line, cells as text), as wide as headers
    mapping: dict[str, int]  # guess_mapping's proposal: field → column index


PREVIEW_ROWS = 5


def preview_sheet(path: str | Path, sample_rows: int = PREVIEW_ROWS) -> SheetPreview:
    """The file's headings, its first ``sample_rows`` data rows as the import reads them (text,
    whole numbers without ".0", dates ISO) and the guessed mapping.

    Refuses like the import (``DeskError`` with ``field="path"``): not .csv/.xlsx, missing,
    unreadable, empty. Cells beyond the headings are left out (the import never reads them);
    short rows are padded with "".
    """
    sheet = read_sheet(path)
    width = len(sheet.headers)
    sample = tuple(
        (line, tuple(_cell_text(c) for c in (tuple(cells) + ("",) * width)[:width]))
        for line, cells in sheet.rows[:max(sample_rows, 0)])
    return SheetPreview(str(Path(path).expanduser()), sheet.headers, sheet.header_line,
                        len(sheet.rows), sample, guess_mapping(sheet.headers))


# --------------------------------------------------------------------------------------------
# reading the cells of a row

ROLE_WORDS: dict[str, str] = {
    "业主": "owner", "产权人": "owner", "房主": "owner", "户主": "owner", "共有人": "owner",
    "owner": "owner", "家属": "family", "家庭成员": "family", "成员": "family",
    "family": "family", "租户": "tenant", "承租人": "tenant", "租客": "tenant",
    "住户(租)": "tenant", "tenant": "tenant", "代理人": "agent", "代理": "agent",
    "agent": "agent", "其他": "other", "其他住户": "other", "other": "other",
}

_DAY = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_UNIT_CJK = re.compile(
    r"^(\d+)\s*(?:栋|幢|号楼|座|楼)\s*(\d+)\s*单元\s*(\d+)\s*(?:室|号)?$")
_UNIT_DASHED = re.compile(r"^(\d+)\s*-\s*(\d+)\s*-\s*(\d+)\s*(?:室|号)?$")


def parse_day(value: Any) -> date | None:
    """A date cell: a spreadsheet date, or 2026-10-09, 2026/10/9, 2026.10.9, 2026年10月9日,
    20261009; None when it is none of these."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _cell_text(value)
    m = _DAY.match(text)
    if m is None and re.fullmatch(r"\d{8}", text):
        m = re.match(r"(\d{4})(\d{2})(\d{2})", text)
    if m is None:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _unit_code(text: str) -> str:
    """3-1-502, 3栋1单元502室 → "3-1-502"; anything else as written (then not found)."""
    compact = _cell_text(text)
    for pattern in (_UNIT_DASHED, _UNIT_CJK):
        m = pattern.match(compact)
        if m:
            return "-".join(str(int(g)) if i < 2 else g for i, g in enumerate(m.groups()))
    return compact


def _part(text: str, suffixes: str) -> str:
    text = _cell_text(text)
    return re.sub(f"[{suffixes}]+$", "", text).strip()


class RowError(NamedTuple):
    """One bad row: the line as the file numbers it, the column's heading, why."""

    line: int
    column: str
    reason: str  # in the clerk's language
    key: str = ""  # the catalogue key of the reason


class ImportReport(NamedTuple):
    path: str
    mapping: dict[str, str]  # field → the heading it was read from (the preview)
    rows: int  # data rows read
    imported: int  # occupancies written (0 on a dry run or when any row is bad)
    by_role: dict[str, int]  # rows that are (or would be) registered, by role
    errors: tuple[RowError, ...]
    dry_run: bool
    units: int = 0  # distinct units of the rows that are (or would be) registered

    @property
    def ok(self) -> bool:
        return not self.errors


class _Rollback(Exception):
    """Undo the whole import: a dry run, or a bad row (all-or-nothing)."""


def _label(field: str) -> str:
    return t(f"residents_io.col.{field}")


def import_residents(path: str | Path, actor: Staff, clock: Clock, settings: Settings, *,
                     mapping: Mapping[str, int | str] | None = None,
                     dry_run: bool = False) -> ImportReport:
    """Import an office's resident list (see the module docstring); all-or-nothing.

    ``mapping`` (field → column index or heading) overrides ``guess_mapping``. Needs the
    name and the unit (one column, or building + entrance + room). A missing role column
    means every row is an owner (the KF-017 §1.2 owner list). Returns the report; nothing is
    written when ``dry_run`` or when ``report.errors`` is not empty.
    """
    require_role(actor, IMPORT_ROLES, "residents.import")
    sheet = read_sheet(path)
    columns = resolve_mapping(sheet.headers, mapping) if mapping is not None else (
        guess_mapping(sheet.headers))
    missing = missing_fields(columns)
    if missing:
        raise DeskError("residents_io.missing_column", field="mapping", line=sheet.header_line,
                        column=Tr(f"residents_io.col.{missing[0]}"))
    parts = UNIT_PARTS
    heading = {f: sheet.headers[i] or _label(f) for f, i in columns.items()}
    today = clock.now().astimezone(settings.zone).date()
    errors: list[RowError] = []
    by_role: Counter[str] = Counter()
    units: dict[str, Unit | None] = {}
    unit_ids: set[int] = set()  # the units the good rows go to (the confirmation's "M units")
    imported = 0

    def column_of(field: str | None) -> str:
        """The heading of the column a refusal names (as the file writes it)."""
        if field is None:
            return ""
        field = "started_on" if field == "on" else field
        if field == "unit" and "unit" not in heading:
            return "/".join(heading[p] for p in parts)
        return heading.get(field, _label(field))

    def cell(cells: tuple[Any, ...], field: str) -> Any:
        index = columns.get(field)
        return cells[index] if index is not None and index < len(cells) else None

    def row_values(cells: tuple[Any, ...]) -> dict[str, Any]:
        if "unit" in columns:
            code = _unit_code(_cell_text(cell(cells, "unit")))
        else:
            code = "-".join((_part(cell(cells, "building"), "栋幢座楼号"),
                             _part(cell(cells, "entrance"), "单元"),
                             _part(cell(cells, "room"), "室号")))
        if not code.strip("-"):
            raise DeskError("residents_io.unit_needed", field="unit")
        if code not in units:
            units[code] = Unit.get_or_none(Unit.code == code)
        if units[code] is None:
            raise DeskError("residents.unknown_unit", field="unit", unit=code)
        role = "owner"
        if "role" in columns:
            word = _cell_text(cell(cells, "role"))
            if not word:
                raise DeskError("residents_io.role_needed", field="role")
            role = ROLE_WORDS.get(word.casefold().replace(" ", ""), "")
            if not role:
                raise DeskError("residents_io.bad_role", field="role", text=word)
        raw_id = cell(cells, "id_number")
        if isinstance(raw_id, int | float) and not isinstance(raw_id, bool):
            # 18 digits do not survive as a spreadsheet number (15 significant digits).
            raise DeskError("residents_io.id_as_number", field="id_number")
        days: dict[str, date | None] = {}
        for field in ("lease_end", "started_on"):
            raw = cell(cells, field)
            if _cell_text(raw):
                days[field] = parse_day(raw)
                if days[field] is None:
                    raise DeskError("residents_io.bad_date", field=field,
                                    text=_cell_text(raw))
        return {"unit": units[code], "role": role, "name": _cell_text(cell(cells, "name")),
                "phone": _cell_text(cell(cells, "phone")),
                "phone2": _cell_text(cell(cells, "phone2")),
                "id_number": _cell_text(raw_id), "address": _cell_text(cell(cells, "address")),
                "relation": _cell_text(cell(cells, "relation")),
                "lease_end": days.get("lease_end"), "on": days.get("started_on")}

    from .rules.context import RuleContext

    ctx = RuleContext.from_store(settings)
    try:
        with transaction():
            for line, cells in sheet.rows:
                try:
                    with database.obj.atomic():  # a savepoint: a bad row undoes only itself
                        v = row_values(cells)
                        checked = check_person(
                            v["role"], v["name"], v["phone"], v["id_number"], today=today,
                            phone2=v["phone2"], address=v["address"], relation=v["relation"],
                            lease_end=v["lease_end"], on=v["on"])
                        register_checked(v["unit"], checked, actor, clock, ctx, via="import")
                except DeskError as exc:
                    errors.append(RowError(line, column_of(exc.field), exc.message(), exc.key))
                    continue
                by_role["agent" if checked.is_agent else checked.role] += 1
                unit_ids.add(v["unit"].id)
            if errors or dry_run:
                raise _Rollback
            imported = sum(by_role.values())
            audit(actor, clock, "residents.import", None, file=str(path), rows=len(sheet.rows),
                  imported=imported, mapping={f: heading[f] for f in columns})
    except _Rollback:
        imported = 0
    return ImportReport(str(path), {f: heading[f] for f in columns}, len(sheet.rows), imported,
                        dict(by_role), tuple(errors), dry_run, len(unit_ids))
