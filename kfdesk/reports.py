"""Reports as plain data, and their writers: XLSX, Markdown, CSV and JSON (RULES §7).

A ``Report`` is a title and sections; a ``Section`` is a table — typed columns and rows of
``str`` / ``int`` / ``Decimal`` / None. Money is a ``Decimal`` in yuan (from integer fen,
``money.to_yuan``), a percentage a ``Decimal`` percent (97.50), hours a ``Decimal`` with one
decimal; never a float. The builders turn the views' figures into reports:

- ``day_report(summary)``: every field of ``views.DaySummary``, read generically from its
  type hints — a number is a figure (``*_fen`` is money), a text a detail, a tuple of
  (key, count) pairs a small table, a tuple of NamedTuples a table of their fields, a tuple
  of texts (ticket numbers) a count with the numbers. A field added to ``DaySummary`` appears
  by itself; it only needs its label ``report.eod.field.<name>`` in the catalogue.
- ``monthly_report(report)``: the sections of ``views.month_report.MonthReport``
  (KF-010 §4.6).

The writers are pure (text or bytes back); writing the file and the audit event is the desk
service ``kfdesk.desk.reports.export_report``. Reports carry no phone or ID number; names
only where a figure is about a person (a cashier's hand-over, who filed a summary).

XLSX: one sheet per section (the report title and the section title above a bold header
row, frozen under it), money as ``#,##0.00``, percentages as real fractions formatted
``0.00%``, counts ``#,##0``, and column widths measured in cells — a Chinese character is two.
openpyxl stamps the file's "modified" property with the wall clock on save; "created" is the
report's own time.
"""

from __future__ import annotations

import csv
import io
import json
import re
import typing
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from .i18n import has, t
from .money import to_yuan
from .views import DaySummary
from .views.month_report import MonthReport, minutes_as_hours

Cell = str | int | Decimal | None
COLUMN_KINDS = ("text", "int", "money", "percent", "decimal")
FORMATS = {"xlsx": ".xlsx", "md": ".md", "csv": ".csv", "json": ".json"}
TEXT_FORMATS = ("md", "csv", "json")

# Spreadsheet number formats by column kind.
XLSX_FORMATS = {"int": "#,##0", "money": "#,##0.00", "percent": "0.00%", "decimal": "0.0"}
# Column widths in cells: at least the minimum, at most the maximum (a long ticket list
# wraps in the cell rather than making the column a screen wide).
XLSX_MIN_WIDTH = 6
XLSX_MAX_WIDTH = 60
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "text"  # COLUMN_KINDS

    def __post_init__(self) -> None:
        if self.kind not in COLUMN_KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    note: str = ""

    def __post_init__(self) -> None:
        for row in self.rows:
            if len(row) != len(self.columns):
                raise ValueError(f"section {self.key}: a row of {len(row)} cells for "
                                 f"{len(self.columns)} columns")
            for cell in row:
                if isinstance(cell, float):
                    raise TypeError(f"section {self.key}: float cell {cell!r}; use Decimal")

    def records(self) -> list[dict[str, Cell]]:
        """The rows as {column key: value}."""
        return [dict(zip((c.key for c in self.columns), row, strict=True)) for row in self.rows]


@dataclass(frozen=True)
class Report:
    kind: str  # eod | month
    period: str  # "2026-10-09" | "2026-10"
    title: str
    generated_at: str  # ISO 8601 in the office zone, "" when not given
    sections: tuple[Section, ...]
    lang: str = "zh"
    meta: dict[str, str] = field(default_factory=dict)  # extra header lines: label → text

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)


# --------------------------------------------------------------------------------------------
# small helpers


def _lang(lang: str | None) -> str:
    from . import i18n

    return lang or i18n._current  # the language in force when none is given


def _label(key: str, fallback: str, lang: str) -> str:
    return t(key, lang=lang) if has(key, lang) else fallback


def _yes_no(value: bool, lang: str) -> str:
    return t("report.yes" if value else "report.no", lang=lang)


def _iso(value: datetime | None) -> str:
    return value.isoformat(timespec="minutes") if value else ""


def _ymd_hm(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


def _col(key: str, kind: str, lang: str, label_key: str | None = None) -> Column:
    return Column(key, t(label_key or f"report.col.{key}", lang=lang), kind)


# --------------------------------------------------------------------------------------------
# the end-of-day report, from DaySummary


# (key, count) pairs whose keys are catalogue values: the field → the catalogue's prefix.
_PAIR_VALUES = {"intake_by_kind": "kind", "intake_by_channel": "channel",
                "intake_by_category": "category", "receipt_totals": "method"}
# (key, fen) pairs: money, not counts.
_MONEY_PAIRS = frozenset({"receipt_totals"})


def _is_money(name: str) -> bool:
    return name.endswith("_fen") or name in _MONEY_PAIRS


def _pair_section(name: str, pairs: Sequence[tuple[str, int]], lang: str) -> Section:
    money = _is_money(name)
    prefix = _PAIR_VALUES.get(name)
    rows = tuple(
        (_label(f"{prefix}.{key}", key, lang) if prefix else key,
         to_yuan(n) if money else n)
        for key, n in pairs)
    value = _col("amount", "money", lang) if money else _col("count", "int", lang)
    return Section(name, _label(f"report.eod.field.{name}", name, lang),
                   (_col("item", "text", lang), value), rows)


def _cell_of(name: str, value: Any, lang: str) -> Cell:
    if value is None:
        return None
    if isinstance(value, bool):
        return _yes_no(value, lang)
    if isinstance(value, int):
        return to_yuan(value) if _is_money(name) else value
    if isinstance(value, datetime):
        return _ymd_hm(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return value
    text = str(value)
    return _label(f"report.eod.value.{name}.{text}", text, lang)


def _kind_of(name: str, hint: Any) -> str:
    args = typing.get_args(hint)
    if type(None) in args and len(args) == 2:  # ``int | None``: a figure that may be absent
        hint = next(a for a in args if a is not type(None))
    if hint is int:
        return "money" if _is_money(name) else "int"
    if hint is Decimal:
        return "decimal"
    return "text"


def _record_section(name: str, row_type: type, rows: Sequence[Any], lang: str) -> Section:
    hints = typing.get_type_hints(row_type)
    columns = tuple(Column(f, _label(f"report.eod.col.{f}", f, lang), _kind_of(f, hints.get(f)))
                    for f in row_type._fields)
    return Section(name, _label(f"report.eod.field.{name}", name, lang), columns,
                   tuple(tuple(_cell_of(f, getattr(r, f), lang)
                               for f in row_type._fields) for r in rows))


def day_report(summary: DaySummary, *, generated_at: datetime | None = None,
               lang: str | None = None) -> Report:
    """The end-of-day summary (RULES §7) as a report: a figures table, then one table per
    breakdown — every field of ``DaySummary``, by its type."""
    lang = _lang(lang)
    hints = typing.get_type_hints(DaySummary)
    figures: list[tuple[Cell, ...]] = []
    tables: list[Section] = []
    for name in DaySummary._fields:
        value = getattr(summary, name)
        hint = hints[name]
        label = _label(f"report.eod.field.{name}", name, lang)
        if name == "day":
            continue  # the report's period
        if hint is bool:
            figures.append((label, None, None, _yes_no(value, lang)))
        elif hint is int:
            if _is_money(name):
                figures.append((label, None, to_yuan(value), ""))
            else:
                figures.append((label, value, None, ""))
        elif hint is str:
            figures.append((label, None, None, value))
        elif typing.get_origin(hint) is tuple:
            inner = typing.get_args(hint)[0]
            if inner is str:  # ticket numbers: how many, and which
                figures.append((label, len(value), None, " ".join(value)))
            elif typing.get_origin(inner) is tuple:  # (key, count) pairs
                tables.append(_pair_section(name, value, lang))
            elif isinstance(inner, type) and hasattr(inner, "_fields"):
                tables.append(_record_section(name, inner, value, lang))
            else:
                figures.append((label, None, None, ", ".join(map(str, value))))
        else:  # anything else added later: shown as text rather than dropped
            figures.append((label, None, None, "" if value is None else str(value)))
    overview = Section("figures", t("report.section.figures", lang=lang), (
        _col("figure", "text", lang), _col("count", "int", lang),
        _col("amount", "money", lang), _col("detail", "text", lang)), tuple(figures))
    day = summary.day.isoformat()
    return Report("eod", day, t("report.eod.title", lang=lang, day=day), _iso(generated_at),
                  (overview, *tables), lang)


# --------------------------------------------------------------------------------------------
# the monthly complaint report, from MonthReport


def _counts(key: str, prefix: str, pairs: Sequence[tuple[str, int]], lang: str) -> Section:
    rows = tuple((_label(f"{prefix}.{k}", _label(f"report.value.{k}", k, lang), lang), n)
                 for k, n in pairs)
    return Section(key, t(f"report.section.{key}", lang=lang),
                   (_col("item", "text", lang, f"report.col.{key}"),
                    _col("complaints", "int", lang)), rows)


def _result(met: bool | None, lang: str) -> str:
    return t("report.met" if met else "report.short", lang=lang) if met is not None else "—"


def monthly_report(r: MonthReport, *, lang: str | None = None) -> Report:
    """The monthly complaint report (KF-010 §4.6) as a report of tables."""
    lang = _lang(lang)
    s: list[Section] = []
    status = t("report.month.complete" if r.complete else "report.month.running", lang=lang)
    s.append(Section("overview", t("report.section.overview", lang=lang),
                     (_col("figure", "text", lang), _col("count", "int", lang),
                      _col("detail", "text", lang)), (
        (t("report.month.complaints", lang=lang), r.complaints, status),
        (t("report.month.valid", lang=lang), r.valid, ""),
        (t("report.month.invalid", lang=lang), r.invalid, ""),
        (t("report.month.voided", lang=lang), r.voided, "KF-012"),
        (t("report.month.recurring", lang=lang), len(r.recurring), "KF-010 §4.6.2"),
        (t("report.month.reworks", lang=lang), r.reworks,
         t("report.month.reworked_tickets", lang=lang, n=r.reworked_tickets)),
    )))
    s.append(_counts("by_category", "category", r.by_category, lang))
    s.append(_counts("by_department", "department", r.by_department, lang))
    s.append(_counts("by_validity", "validity", r.by_validity, lang))
    s.append(Section("clocks", t("report.section.clocks", lang=lang), (
        _col("clock", "text", lang), _col("rule", "text", lang), _col("on_time", "int", lang),
        _col("late", "int", lang), _col("overdue", "int", lang), _col("running", "int", lang),
        _col("on_time_rate", "percent", lang), _col("worst_late_hours", "decimal", lang),
        _col("worst_item", "text", lang)), tuple(
        (t(f"report.clock.{c.clock}", lang=lang), c.rule, c.on_time, c.late, c.overdue,
         c.running, c.on_time_percent,
         minutes_as_hours(c.worst_late_minutes) if c.worst_ref else None, c.worst_ref)
        for c in r.clocks)))
    s.append(Section("handling", t("report.section.handling", lang=lang), (
        _col("kind", "text", lang), _col("received", "int", lang), _col("closed", "int", lang),
        _col("average_hours", "decimal", lang), _col("worst_hours", "decimal", lang),
        _col("worst_ticket", "text", lang)), tuple(
        (t(f"kind.{h.kind}", lang=lang), h.received, h.closed,
         minutes_as_hours(h.average_minutes), minutes_as_hours(h.worst_minutes),
         h.worst_ticket) for h in r.handling)))
    s.append(Section("satisfaction", t("report.section.satisfaction", lang=lang), (
        _col("callback_kind", "text", lang), _col("done", "int", lang),
        _col("satisfied", "int", lang), _col("unsatisfied", "int", lang),
        _col("not_asked", "int", lang), _col("satisfied_rate", "percent", lang)), tuple(
        (t(f"callback_kind.{x.kind}", lang=lang), x.done, x.satisfied, x.unsatisfied,
         x.not_asked, x.satisfied_percent) for x in r.satisfaction)))
    s.append(Section("recurring", t("report.section.recurring", lang=lang), (
        _col("scope", "text", lang), _col("category", "text", lang),
        _col("place", "text", lang), _col("month_count", "int", lang),
        _col("window_count", "int", lang), _col("baseline", "decimal", lang),
        _col("units", "int", lang), _col("tickets", "text", lang)), tuple(
        (t(f"report.scope.{x.scope}", lang=lang), t(f"category.{x.category}", lang=lang),
         x.place, x.month_count, x.window_count, x.baseline, x.units, " ".join(x.tickets))
        for x in r.recurring), note=t("report.recurring_note", lang=lang)))
    s.append(Section("quality", t("report.section.quality", lang=lang), (
        _col("figure", "text", lang), _col("rule", "text", lang), _col("value", "int", lang),
        _col("base", "int", lang), _col("value_amount", "money", lang),
        _col("base_amount", "money", lang), _col("rate", "percent", lang),
        _col("target", "percent", lang), _col("result", "text", lang),
        _col("period", "text", lang)), tuple(
        (t(f"report.quality.{q.key}", lang=lang), q.rule,
         None if q.money else q.value, None if q.money else q.base,
         to_yuan(q.value) if q.money else None, to_yuan(q.base) if q.money else None,
         q.percent, q.target, _result(q.met, lang), q.period) for q in r.quality)))
    s.append(Section("trend", t("report.section.trend", lang=lang), (
        _col("month", "text", lang), _col("complaints", "int", lang),
        _col("billed", "money", lang), _col("paid", "money", lang),
        _col("collection_rate", "percent", lang), _col("result", "text", lang)), tuple(
        (p.month, p.complaints, to_yuan(p.billed_fen), to_yuan(p.paid_fen),
         p.collection_percent, _result(p.collection_met, lang)) for p in r.trend)))
    s.append(Section("filings", t("report.section.filings", lang=lang), (
        _col("duty", "text", lang), _col("rule", "text", lang), _col("due", "text", lang),
        _col("filed_at", "text", lang), _col("by", "text", lang),
        _col("status", "text", lang)), tuple(
        (t(f"report.duty.{f.duty}", lang=lang), f.rule,
         _ymd_hm(f.due_at) + (t("report.provisional", lang=lang) if f.provisional else ""),
         _ymd_hm(f.filed_at), f.by, t(f"report.filing.{f.status}", lang=lang))
        for f in r.filings)))
    return Report("month", r.ref, t("report.month.title", lang=lang, month=r.ref),
                  _iso(r.generated_at), tuple(s), lang)


# --------------------------------------------------------------------------------------------
# writers


def cells(text: str) -> int:
    """Display cells: East Asian wide and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def display(cell: Cell, kind: str) -> str:
    """A cell as people read it: ``1,286.40``, ``97.50 %``, ``1.5``, ``12``; "" for None."""
    if cell is None:
        return ""
    if kind == "money" and isinstance(cell, Decimal):
        return f"{cell:,.2f}"
    if kind == "percent" and isinstance(cell, Decimal):
        return f"{cell:.2f} %"
    if kind == "int" and isinstance(cell, int):
        return f"{cell:,}" if abs(cell) >= 10_000 else str(cell)
    return str(cell)


def _plain(cell: Cell) -> str:
    """A cell for machines (CSV): exact numbers without grouping, "" for None."""
    return "" if cell is None else str(cell)


def _header_lines(report: Report, office: str) -> list[str]:
    lines = []
    if office:
        lines.append(office)
    if report.generated_at:
        lines.append(t("report.generated", lang=report.lang, at=report.generated_at))
    lines += [f"{label}: {text}" for label, text in report.meta.items()]
    return lines


def to_json(report: Report, office: str = "") -> dict[str, Any]:
    """The report as JSON-ready data; money, percentages and hours as exact decimal strings
    ("1286.40"), so nothing passes through a binary float — except under a key ending
    ``_fen``, which is money in integer fen (128640) as its name says (issue 17)."""
    def value(key: str, cell: Cell) -> Any:
        if key.endswith("_fen") and isinstance(cell, Decimal):
            return int((cell * 100).to_integral_value())
        return str(cell) if isinstance(cell, Decimal) else cell

    def kind(c: Column) -> str:
        return "fen" if c.key.endswith("_fen") and c.kind == "money" else c.kind

    return {
        "kind": report.kind,
        "period": report.period,
        "title": report.title,
        "office": office,
        "generated_at": report.generated_at,
        "lang": report.lang,
        "meta": dict(report.meta),
        "sections": [
            {"key": s.key, "title": s.title, "note": s.note,
             "columns": [{"key": c.key, "label": c.label, "kind": kind(c)} for c in s.columns],
             "rows": [{k: value(k, v) for k, v in rec.items()} for rec in s.records()]}
            for s in report.sections
        ],
    }


def write_json(report: Report, office: str = "") -> str:
    return json.dumps(to_json(report, office), ensure_ascii=False, indent=1) + "\n"


def _md_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def write_markdown(report: Report, office: str = "") -> str:
    out = [f"# {_md_escape(report.title)}", ""]
    header = _header_lines(report, office)
    if header:
        out += [*(f"{_md_escape(line)}  " for line in header), ""]
    for s in report.sections:
        out += [f"## {_md_escape(s.title)}", ""]
        if s.note:
            out += [_md_escape(s.note), ""]
        if not s.rows:
            out += [t("report.empty", lang=report.lang), ""]
            continue
        out.append("| " + " | ".join(_md_escape(c.label) for c in s.columns) + " |")
        out.append("|" + "|".join("---:" if c.kind != "text" else "---" for c in s.columns)
                   + "|")
        for row in s.rows:
            out.append("| " + " | ".join(_md_escape(display(v, c.kind))
                                         for c, v in zip(s.columns, row, strict=True)) + " |")
        out.append("")
    return "\n".join(out)


def write_csv(report: Report, office: str = "") -> str:
    """One CSV with a block per section (its title, its header, its rows, a blank line).
    Numbers are exact and ungrouped; percentages are percent (97.50)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([report.title])
    for line in _header_lines(report, office):
        w.writerow([line])
    for s in report.sections:
        w.writerow([])
        w.writerow([s.title])
        w.writerow([c.label for c in s.columns])
        for row in s.rows:
            w.writerow([_plain(v) for v in row])
    return buf.getvalue()


def _sheet_title(title: str, taken: set[str]) -> str:
    base = _SHEET_BAD.sub(" ", title).strip().strip("'") or "Sheet"
    base = base[:31]
    name, n = base, 2
    while name.casefold() in taken:
        suffix = f" {n}"
        name = base[:31 - len(suffix)] + suffix
        n += 1
    taken.add(name.casefold())
    return name


def _xlsx_value(cell: Cell, kind: str) -> Any:
    if cell is None:
        return None
    if kind == "percent" and isinstance(cell, Decimal):
        return cell / 100  # a real fraction, shown as a percentage by the cell's format
    return cell


def write_xlsx(report: Report, office: str = "") -> bytes:
    """A real workbook: one sheet per section, titled, bold headers, number formats."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.title = report.title
    wb.properties.creator = "kfdesk"
    if office:
        wb.properties.subject = office
    if report.generated_at:
        created = datetime.fromisoformat(report.generated_at)
        if created.tzinfo is not None:
            from datetime import UTC

            created = created.astimezone(UTC).replace(tzinfo=None)
        wb.properties.created = created
    bold = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDE4EE")
    rule = Border(bottom=Side(style="thin"))
    taken: set[str] = set()
    header = _header_lines(report, office)
    for s in report.sections:
        ws = wb.create_sheet(_sheet_title(s.title, taken))
        ws.cell(row=1, column=1, value=report.title).font = Font(bold=True, size=14)
        ws.cell(row=2, column=1, value=" · ".join(header) if header else None)
        ws.cell(row=3, column=1, value=s.title).font = Font(bold=True, size=12)
        first = 5 if s.note else 4
        if s.note:
            ws.cell(row=4, column=1, value=s.note).font = Font(italic=True)
        widths = [cells(c.label) for c in s.columns]
        for j, col in enumerate(s.columns, start=1):
            cell = ws.cell(row=first, column=j, value=col.label)
            cell.font = bold
            cell.fill = header_fill
            cell.border = rule
            cell.alignment = Alignment(horizontal="right" if col.kind != "text" else "left",
                                       vertical="center")
        for i, row in enumerate(s.rows, start=first + 1):
            for j, (col, v) in enumerate(zip(s.columns, row, strict=True), start=1):
                cell = ws.cell(row=i, column=j, value=_xlsx_value(v, col.kind))
                if col.kind in XLSX_FORMATS:
                    cell.number_format = XLSX_FORMATS[col.kind]
                text = display(v, col.kind)
                if cells(text) > XLSX_MAX_WIDTH:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
                widths[j - 1] = max(widths[j - 1], cells(text))
        if not s.rows:
            ws.cell(row=first + 1, column=1, value=t("report.empty", lang=report.lang))
        for j, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(j)].width = min(
                max(w + 2, XLSX_MIN_WIDTH), XLSX_MAX_WIDTH)
        ws.freeze_panes = ws.cell(row=first + 1, column=1)
    if not report.sections:  # a workbook needs a sheet
        wb.create_sheet(_sheet_title(report.title, taken))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def render(report: Report, fmt: str, office: str = "") -> str | bytes:
    """The report in ``fmt`` (xlsx → bytes; md, csv, json → text)."""
    if fmt == "xlsx":
        return write_xlsx(report, office)
    if fmt == "md":
        return write_markdown(report, office)
    if fmt == "csv":
        return write_csv(report, office)
    if fmt == "json":
        return write_json(report, office)
    raise ValueError(f"unknown report format {fmt!r}")
