"""Report exports (``kfdesk.reports``, ``kfdesk.desk.reports``, ``kfdesk.report_cli``).

On a small hand-built office: the end-of-day and the monthly complaint report become
reports of typed tables; the XLSX opens with openpyxl and holds the same numbers as the JSON
(cell by cell, with money and percentage formats); Markdown and CSV carry the same figures;
every export is logged and refusals write nothing; no phone or ID number leaves in any
format; and ``kfdesk report month|eod`` through the CLI function gives the same JSON.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import typing
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from kfdesk import views
from kfdesk.config import default_settings
from kfdesk.desk.base import DeskError
from kfdesk.desk.reports import export_report
from kfdesk.i18n import LANGUAGES, has, t
from kfdesk.models import (
    AuditEvent,
    Bill,
    BillLine,
    HandOver,
    ParkingSettlement,
    Payment,
    Receipt,
    ReceiptSeries,
    ReceiptVoid,
    Ticket,
)
from kfdesk.report_cli import add_report_parser, run_report
from kfdesk.reports import (
    XLSX_FORMATS,
    Column,
    Report,
    Section,
    day_report,
    monthly_report,
    render,
    to_json,
    write_csv,
    write_markdown,
    write_xlsx,
)
from kfdesk.views import DaySummary
from kfdesk.views.month_report import month_report

SH = ZoneInfo("Asia/Shanghai")
SETTINGS = default_settings()
SEPTEMBER = date(2026, 9, 1)
DAY = date(2026, 10, 9)
PHONE = "13812345678"
ID_NUMBER = "11010519491231002X"


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


@pytest.fixture
def books(office: dict) -> dict:
    """Complaints in August and September, bills, the day's receipts, a void, a hand-over;
    the owner with a phone and an ID number that must never leave in a report."""
    owner = office["owner"]
    owner.id_number = ID_NUMBER
    owner.save()
    unit = office["unit"]
    for i, (when, category) in enumerate([(at(2026, 8, 3, 9), "noise"),
                                          (at(2026, 9, 2, 9), "noise"),
                                          (at(2026, 9, 9, 9), "lift"),
                                          (at(2026, 10, 9, 8), "water")], start=1):
        Ticket.create(number=f"K-{i:06d}", received_at=when, channel="phone", kind="complaint",
                      category=category, text="噪音", validity="valid", unit=unit,
                      person=owner, caller_name=owner.name, phone=PHONE,
                      owner=office["clerk"], updated_at=when,
                      closed_at=at(2026, 9, 4, 15) if i == 2 else None)
    for month, paid in (("2026-08", 128_640), ("2026-09", 100_000)):
        bill = Bill.create(unit=unit, month=month, created_at=at(2026, 9, 1, 9),
                           total_fen=128_640)
        BillLine.create(bill=bill, item="property_fee", quantity_centi=8912, rate_e4=18000,
                        amount_fen=128_640, paid_fen=paid)
    # RULES v2 §4: the day's receipts, the void and a parking settlement are in the hand-over.
    hand_over = HandOver.create(cashier=office["cashier"], day=DAY, cash_counted_fen=186_600,
                                cash_expected_fen=186_640, difference_fen=-40,
                                noncash_fen='{"wechat": 5000}',
                                closed_at=at(2026, 10, 9, 9, 50))
    ParkingSettlement.create(attendant="林国栋", period_start=date(2026, 9, 16),
                             period_end=date(2026, 9, 30), due_fen=58_000, received_fen=58_000,
                             stubs_cancelled=58, settled_at=at(2026, 10, 9, 9, 40),
                             cashier=office["cashier"], hand_over=hand_over)
    series = ReceiptSeries.create(code="2026", last_number=3)
    for n, (method, fen) in enumerate((("cash", 128_640), ("wechat", 5_000),
                                       ("cash", 1_360)), start=1):
        pay = Payment.create(unit=unit, payer=owner.name, taken_at=at(2026, 10, 9, 9, n),
                             method=method, amount_fen=fen, cashier=office["cashier"])
        Receipt.create(series=series, number=n, issued_at=at(2026, 10, 9, 9, n), payment=pay,
                       amount_fen=fen, cashier=office["cashier"], hand_over=hand_over)
    ReceiptVoid.create(receipt=Receipt.get(Receipt.number == 3), at=at(2026, 10, 9, 9, 30),
                       by=office["cashier"], reason="金额开错", hand_over=hand_over)
    return office


def month_doc(clock, lang: str = "zh") -> Report:  # noqa: ANN001 - FixedClock
    return monthly_report(month_report(SEPTEMBER, clock.now(), SETTINGS), lang=lang)


def day_doc(clock, lang: str = "zh") -> Report:  # noqa: ANN001 - FixedClock
    summary = views.day_summary(DAY, clock.now(), SETTINGS.zone)
    return day_report(summary, generated_at=clock.now().astimezone(SH), lang=lang)


def assert_xlsx_matches_json(data: bytes, doc: dict) -> None:
    """Every sheet holds its section: title, header labels, and each cell's number equal to
    the JSON's (money and hours exactly; a percentage cell is the fraction of the JSON's
    percent), with the money and percentage formats."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert len(wb.worksheets) == len(doc["sections"])
    for ws, section in zip(wb.worksheets, doc["sections"], strict=True):
        assert ws["A1"].value == doc["title"]
        assert ws["A3"].value == section["title"] and ws["A3"].font.bold
        first = 5 if section["note"] else 4
        columns = section["columns"]
        header = [ws.cell(row=first, column=j + 1) for j in range(len(columns))]
        assert [c.value for c in header] == [c["label"] for c in columns]
        assert all(c.font.bold for c in header)
        for i, record in enumerate(section["rows"]):
            for j, col in enumerate(columns):
                cell = ws.cell(row=first + 1 + i, column=j + 1)
                want = record[col["key"]]
                got = cell.value
                if want is None or want == "":
                    assert got in (None, ""), (section["key"], col["key"], got)
                elif col["kind"] == "int":
                    assert got == want and cell.number_format == XLSX_FORMATS["int"]
                elif col["kind"] in ("money", "decimal"):
                    assert Decimal(str(got)) == Decimal(want), (section["key"], col["key"])
                    assert cell.number_format == XLSX_FORMATS[col["kind"]]
                elif col["kind"] == "fen":  # JSON: integer fen under a *_fen key
                    assert isinstance(want, int) and Decimal(str(got)) * 100 == want
                    assert cell.number_format == XLSX_FORMATS["money"]
                elif col["kind"] == "percent":
                    assert Decimal(str(got)) * 100 == Decimal(want), (section["key"], col["key"])
                    assert cell.number_format == "0.00%"
                else:
                    assert got == want
        assert ws.max_row == first + max(len(section["rows"]), 1)
        # Widths in cells: a Chinese header is two cells a character, and nothing is narrow.
        for j, col in enumerate(columns):
            width = ws.column_dimensions[openpyxl.utils.get_column_letter(j + 1)].width
            assert width >= min(sum(2 if ord(ch) > 0x2E7F else 1 for ch in col["label"]), 58)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_month_report_xlsx_holds_the_json_numbers(books: dict, clock, lang: str) -> None:
    report = month_doc(clock, lang)
    doc = json.loads(render(report, "json", SETTINGS.office_name))
    assert doc["kind"] == "month" and doc["period"] == "2026-09"
    assert doc["title"] == t("report.month.title", lang=lang, month="2026-09")
    assert_xlsx_matches_json(write_xlsx(report, SETTINGS.office_name), doc)
    sections = {s["key"]: s for s in doc["sections"]}
    overview = {r["figure"]: r["count"] for r in sections["overview"]["rows"]}
    assert overview[t("report.month.complaints", lang=lang)] == 2
    by_category = {r["item"]: r["complaints"] for r in sections["by_category"]["rows"]}
    assert by_category == {t("category.noise", lang=lang): 1, t("category.lift", lang=lang): 1}
    quality = {r["figure"]: r for r in sections["quality"]["rows"]}
    collection = quality[t("report.quality.collection", lang=lang)]
    # Money as exact decimal strings; the rate 100000 / 128640 = 77.736…, half up (issue 17).
    assert (collection["value_amount"], collection["base_amount"]) == ("1000.00", "1286.40")
    assert collection["rate"] == "77.74" and collection["target"] == "98.00"
    assert collection["result"] == t("report.short", lang=lang)
    trend = {r["month"]: r for r in sections["trend"]["rows"]}
    assert trend["2026-08"]["collection_rate"] == "100.00" and trend["2026-08"]["complaints"] == 1
    handling = sections["handling"]["rows"][0]
    assert handling["closed"] == 1 and handling["worst_hours"] == "54.0"  # 2 Sep 09 → 4 Sep 15


@pytest.mark.parametrize("lang", LANGUAGES)
def test_end_of_day_xlsx_holds_the_json_numbers(books: dict, clock, lang: str) -> None:
    report = day_doc(clock, lang)
    doc = to_json(report, SETTINGS.office_name)
    assert_xlsx_matches_json(write_xlsx(report, SETTINGS.office_name), doc)
    sections = {s["key"]: s for s in doc["sections"]}
    figures = {r["figure"]: r for r in sections["figures"]["rows"]}
    label = lambda name: t(f"report.eod.field.{name}", lang=lang)  # noqa: E731
    # By hand: one complaint today, three receipts (one voided), ¥1,336.40 kept in two
    # methods, receipts 2026-000001 to 2026-000003.
    assert figures[label("intake_total")]["count"] == 1
    assert figures[label("receipts")]["count"] == 3
    assert figures[label("voids")]["count"] == 1
    assert figures[label("receipt_total_fen")]["amount"] == "1336.40"
    assert figures[label("receipt_first")]["detail"] == "2026-000001"
    assert figures[label("receipt_last")]["detail"] == "2026-000003"
    totals = {r["item"]: r["amount"] for r in sections["receipt_totals"]["rows"]}
    assert totals == {t("method.cash", lang=lang): "1286.40",
                      t("method.wechat", lang=lang): "50.00"}
    # Issue 17: money under a *_fen key is integer fen; parking cash is the day's cash too.
    (hand_over,) = sections["hand_overs"]["rows"]
    assert hand_over == {"cashier": "王芳", "status": t("report.eod.value.status.closed",
                                                        lang=lang),
                         "receipts": 3, "expected_fen": 186_640, "parking_fen": 58_000,
                         "counted_fen": 186_600, "difference_fen": -40,
                         "stale": t("report.no", lang=lang), "confirmed_by": "",
                         "confirmed_role": ""}
    assert sections["cash_day"]["rows"] == [{"receipts_cash_fen": 128_640,
                                             "parking_cash_fen": 58_000, "cash_fen": 186_640}]
    by_kind = {r["item"]: r["count"] for r in sections["intake_by_kind"]["rows"]}
    assert by_kind == {t("kind.complaint", lang=lang): 1}


def test_every_day_summary_field_is_in_the_report_with_a_label(books: dict, clock) -> None:
    """The end-of-day report reads DaySummary generically: a field added there shows up by
    itself (its label ``report.eod.field.<name>`` must be added to both catalogues)."""
    report = day_doc(clock)
    shown = {s.key for s in report.sections} | {
        row[0] for row in report.section("figures").rows}
    hints = typing.get_type_hints(DaySummary)
    for name in DaySummary._fields:
        if name == "day":
            continue
        for lang in LANGUAGES:
            assert has(f"report.eod.field.{name}", lang), f"label for {name} ({lang})"
        assert name in shown or t(f"report.eod.field.{name}") in shown, name
        if typing.get_origin(hints[name]) is tuple:
            inner = typing.get_args(hints[name])[0]
            for field in getattr(inner, "_fields", ()):
                for lang in LANGUAGES:
                    assert has(f"report.eod.col.{field}", lang), f"column {field} ({lang})"


def test_markdown_and_csv_carry_the_same_figures(books: dict, clock) -> None:
    report = month_doc(clock)
    md = write_markdown(report, SETTINGS.office_name)
    assert md.startswith(f"# {report.title}\n") and SETTINGS.office_name in md
    for section in report.sections:
        assert f"## {section.title}" in md
    row = "| 收费率 | KF-016 |  |  | 1,000.00 | 1,286.40 | 77.74 % | 98.00 % | 未达标 | 2026-09 |"
    assert row in md
    rows = list(csv.reader(io.StringIO(write_csv(report))))
    assert rows[0] == [report.title]
    quality = report.section("quality")
    start = rows.index([quality.title])
    assert rows[start + 1] == [c.label for c in quality.columns]
    collection = rows[start + 1 + 3]
    assert collection[:8] == ["收费率", "KF-016", "", "", "1000.00", "1286.40", "77.74", "98.00"]


def test_no_phone_or_id_number_leaves_in_any_format(books: dict, clock) -> None:
    for report in (month_doc(clock), day_doc(clock)):
        for fmt in ("md", "csv", "json"):
            text = render(report, fmt)
            assert PHONE not in text and PHONE[-4:] not in text and ID_NUMBER not in text
        data = write_xlsx(report)
        wb = openpyxl.load_workbook(io.BytesIO(data))
        values = " ".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows()
                          for c in row if c.value is not None)
        assert PHONE not in values and ID_NUMBER not in values
        assert "王建国" not in values  # a resident's name is no report figure


def test_sections_refuse_floats_and_ragged_rows() -> None:
    col = (Column("a", "A", "money"),)
    with pytest.raises(TypeError):
        Section("s", "S", col, ((1.5,),))
    with pytest.raises(ValueError):
        Section("s", "S", col, ((Decimal("1.50"), 2),))
    with pytest.raises(ValueError):
        Column("a", "A", "float")


# --- the export service -------------------------------------------------------------------------


def events() -> list[dict]:
    return [json.loads(e.detail) | {"actor": e.actor.login if e.actor else None}
            for e in AuditEvent.select().where(AuditEvent.action == "report.export")
            .order_by(AuditEvent.id)]


def test_export_writes_each_format_and_logs_it(books: dict, clock, tmp_path: Path) -> None:
    report = month_doc(clock)
    for fmt in ("xlsx", "md", "csv", "json"):
        done = export_report(report, fmt, tmp_path / "out" / f"m.{fmt}", books["super"], clock,
                             SETTINGS)
        assert Path(done.where).read_bytes()[:2] and done.text is None
    # A folder gets the default name; CSV starts with a byte-order mark for spreadsheets.
    done = export_report(report, "csv", tmp_path, books["super"], clock, SETTINGS)
    assert Path(done.where).name == "complaints-2026-09.csv"
    assert Path(done.where).read_bytes().startswith(b"\xef\xbb\xbf")
    json.loads((tmp_path / "out" / "m.json").read_text(encoding="utf-8"))
    openpyxl.load_workbook(tmp_path / "out" / "m.xlsx")
    logged = events()
    assert [e["format"] for e in logged] == ["xlsx", "md", "csv", "json", "csv"]
    assert {e["actor"] for e in logged} == {"super"}
    assert logged[0] | {"path": ""} == {"report": "month", "period": "2026-09", "format": "xlsx",
                                        "path": "", "lang": "zh", "actor": "super"}
    assert not list(tmp_path.rglob("*.part"))
    # Without a path: the text comes back, and the export is logged as going to "-".
    done = export_report(day_doc(clock), "md", None, books["clerk"], clock, SETTINGS)
    assert done.where == "-" and done.text.startswith("# ")
    assert events()[-1]["path"] == "-" and events()[-1]["report"] == "eod"


def test_export_refusals_write_and_log_nothing(books: dict, clock, tmp_path: Path) -> None:
    report = month_doc(clock)
    with pytest.raises(DeskError) as exc:
        export_report(report, "pdf", tmp_path / "m.pdf", books["super"], clock, SETTINGS)
    assert exc.value.key == "report.bad_format" and exc.value.field == "format"
    with pytest.raises(DeskError) as exc:
        export_report(report, "xlsx", None, books["super"], clock, SETTINGS)
    assert exc.value.key == "report.needs_file"
    with pytest.raises(DeskError) as exc:
        export_report(report, "md", tmp_path / "m.md", books["guard"], clock, SETTINGS)
    assert exc.value.key == "auth.not_allowed"
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(DeskError) as exc:
        export_report(report, "md", blocker / "m.md", books["super"], clock, SETTINGS)
    assert exc.value.key == "report.write_failed"
    assert "m.md" in exc.value.message()
    assert events() == []
    assert not [p for p in tmp_path.rglob("*") if p.name.startswith("m.")]


# --- the command line ---------------------------------------------------------------------------


def cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="kfdesk")
    add_report_parser(parser.add_subparsers(dest="command"))
    return run_report(parser.parse_args(argv))


@pytest.fixture
def cli_env(books: dict, store: Path, tmp_path: Path, monkeypatch) -> list[str]:
    monkeypatch.setenv("KFDESK_CONFIG", str(tmp_path / "no-settings.toml"))
    monkeypatch.delenv("KFDESK_DB", raising=False)
    return ["--db", str(store), "--now", "2026-10-09T10:00", "--as", "super", "--as-pin", "1234"]


def test_cli_month_json_is_the_report(cli_env: list[str], clock, capsys) -> None:
    assert cli(["report", "month", "--month", "2026-09", "--format", "json", *cli_env]) == 0
    out = capsys.readouterr().out
    assert json.loads(out) == to_json(month_doc(clock), SETTINGS.office_name)
    assert events()[-1]["path"] == "-" and events()[-1]["actor"] == "super"
    # The default month is last month, the one whose summary is filed now.
    assert cli(["report", "month", "--format", "json", *cli_env]) == 0
    assert json.loads(capsys.readouterr().out)["period"] == "2026-09"


def test_cli_eod_xlsx_and_english(cli_env: list[str], clock, capsys, tmp_path: Path) -> None:
    out = tmp_path / "day.xlsx"
    assert cli(["report", "eod", "--date", "2026-10-09", "--out", str(out), *cli_env]) == 0
    assert str(out) in capsys.readouterr().out  # the format follows the suffix
    assert_xlsx_matches_json(out.read_bytes(), to_json(day_doc(clock), SETTINGS.office_name))
    assert cli(["report", "eod", "--lang", "en", "--format", "md", *cli_env]) == 0
    assert capsys.readouterr().out.startswith("# End of day · 2026-10-09\n")


@pytest.mark.parametrize(("args", "key"), [
    (["month", "--month", "2026-13"], "report.cli.bad_month"),
    (["eod", "--date", "10/09"], "cli.bad_date"),
    (["month", "--format", "xlsx"], "report.needs_file"),
])
def test_cli_failures_are_one_line(cli_env: list[str], capsys, args: list[str],
                                   key: str) -> None:
    assert cli(["report", *args, *cli_env]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("kfdesk: ")
    assert events() == []


def test_cli_wrong_pin_exports_nothing(cli_env: list[str], capsys) -> None:
    argv = ["report", "month", "--format", "json", *cli_env[:-1], "9999"]
    assert cli(argv) == 1
    assert capsys.readouterr().err.count("\n") == 1 and events() == []
