"""KF-010 §4.6 the monthly complaint report modal, driven by keystrokes on a copy of the demo.

In Chinese and English at 120×40: the supervisor opens last month's report (the one filed
now) and sees its recurring complaints, quality verdicts and filings, with no text cut
anywhere as the panels scroll; `[` `]` move between months (never past this one); F1 shows
the rules; `x` exports — choosing a format changes the path's suffix, Ctrl+S writes the file
the JSON of which is the report's, logged. A security guard's export is refused in place.
Expectations are read through the views on the same store.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from helpers import appears, screen_text, table_rows
from kfdesk_screens.help import HelpScreen
from kfdesk_screens.month_report import ExportDialog, MonthReportScreen, bar
from kfdesk_screens.widgets.table import FitTable
from textual.widgets import Input

from kfdesk.config import default_settings
from kfdesk.i18n import t
from kfdesk.models import AuditEvent, Staff
from kfdesk.printing import print_folder
from kfdesk.reports import monthly_report, to_json
from kfdesk.views.month_report import month_report

LANGS = pytest.mark.parametrize("lang", ["zh", "en"])
SEPTEMBER = date(2026, 9, 1)
SETTINGS = default_settings()




async def open_as(pilot, app, role: str) -> MonthReportScreen:  # noqa: ANN001
    app.session.staff = Staff.get(Staff.role == role)
    screen = MonthReportScreen()
    app.push_screen(screen)
    await pilot.pause()
    return screen


def title(lang: str, month: str) -> str:
    return t("ui.report.title", lang=lang, month=month)


@LANGS
async def test_the_month_report_reads_whole_at_120x40(make_app, clock, lang: str) -> None:  # noqa: ANN001
    app = make_app(lang)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_as(pilot, app, "supervisor")
        data = month_report(SEPTEMBER, clock.now(), SETTINGS)
        assert await appears(pilot, app, title(lang, "2026-09"))
        text = screen_text(app)
        assert t("ui.report.status", lang=lang, month="2026-09", n=data.complaints,
                 valid=data.valid, invalid=data.invalid,
                 recurring=len(data.recurring)) in text
        for f in data.filings:  # KF-010 §4.6.1: whether each summary is filed
            assert t(f"report.duty.{f.duty}", lang=lang) in text
            assert t(f"report.filing.{f.status}", lang=lang) in text
        # KF-010 §4.6.2: the recurring complaints, highlighted, first; the row's tickets below.
        rows = table_rows(screen.query_one("#recurring-table", FitTable))
        assert len(rows) == len(data.recurring) > 0
        assert rows[0][0] == t(f"report.scope.{data.recurring[0].scope}", lang=lang)
        assert t("ui.report.tickets", lang=lang,
                 tickets=" ".join(data.recurring[0].tickets)) in text.replace("\n│ ", " ")
        # Every panel, scrolled through: the verdicts, the trend's months, and nothing cut.
        seen = text
        assert "…" not in text
        screen.query_one("#report-scroll").focus()
        for _ in range(4):
            await pilot.press("pagedown")
            await pilot.pause()
            frame = screen_text(app)
            assert "…" not in frame
            seen += frame
        for q in data.quality:
            assert t(f"report.quality.{q.key}", lang=lang) in seen
        assert t("ui.duty.met", lang=lang) in seen and t("ui.report.short", lang=lang) in seen
        for p in data.trend:
            assert p.month in seen
        for c in data.clocks:
            if c.judged:
                assert t(f"report.clock.{c.clock}", lang=lang) in seen
        # [ and ]: August, back, then this month — and no further.
        await pilot.press("left_square_bracket")
        assert await appears(pilot, app, title(lang, "2026-08"))
        await pilot.press("right_square_bracket", "right_square_bracket")
        assert await appears(pilot, app, title(lang, "2026-10"))
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert title(lang, "2026-10") in screen_text(app)
        assert t("ui.report.running", lang=lang, at="10-09 10:00") in screen_text(app)
        # F1: this modal's keys and rules.
        await pilot.press("f1")
        assert await appears(pilot, app, "KF-010 §4.6.2")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, MonthReportScreen)


@LANGS
async def test_export_writes_the_report_and_logs_it(make_app, clock, ui_store: Path,  # noqa: ANN001
                                                    tmp_path: Path, lang: str) -> None:
    app = make_app(lang)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_as(pilot, app, "supervisor")
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ExportDialog)
        path = app.screen.query_one("#f-path", Input)
        assert path.value == str(print_folder(str(ui_store)) / "complaints-2026-09.xlsx")
        # The format is the first field: → three times is JSON, and the path follows it.
        await pilot.press("right", "right", "right")
        await pilot.pause()
        assert path.value.endswith("complaints-2026-09.json")
        target = tmp_path / "exports" / "september.json"
        path.value = str(target)
        await pilot.press("ctrl+s")
        for _ in range(40):
            if isinstance(app.screen, MonthReportScreen):
                break
            await pilot.pause(0.05)
        assert isinstance(app.screen, MonthReportScreen)  # the dialog closed: written
        assert [n.message for n in app._notifications] == [  # noqa: SLF001
            t("ui.report.exported", lang=lang, where=str(target))]
        expected = to_json(monthly_report(month_report(SEPTEMBER, clock.now(), SETTINGS),
                                          lang=lang), SETTINGS.office_name)
        assert json.loads(target.read_text(encoding="utf-8")) == expected
        event = AuditEvent.select().where(AuditEvent.action == "report.export").get()
        assert event.actor.role == "supervisor"
        assert json.loads(event.detail)["path"] == str(target.resolve())


async def test_a_guard_may_not_export(make_app, tmp_path: Path) -> None:  # noqa: ANN001
    app = make_app("zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_as(pilot, app, "security")
        await pilot.press("x")
        await pilot.pause()
        app.screen.query_one("#f-path", Input).value = str(tmp_path / "m.xlsx")
        await pilot.press("ctrl+s")
        refusal = t("auth.not_allowed", role=t("role.security"),
                    action=t("action.report.export"))
        assert await appears(pilot, app, refusal)
        assert isinstance(app.screen, ExportDialog)
        assert not (tmp_path / "m.xlsx").exists()
        assert not AuditEvent.select().where(AuditEvent.action == "report.export").exists()


def test_bars_are_eighths_of_a_cell_and_always_the_same_width() -> None:
    assert bar(0, 10, 4) == "    "
    assert bar(10, 10, 4) == "████"
    assert bar(5, 10, 4) == "██  "
    assert bar(1, 10, 4) == "▍   "  # 3.2 eighths → 3
    assert bar(1, 1000, 4) == "▏   "  # a non-zero month always shows
    assert all(len(bar(n, 47, 14)) == 14 for n in range(48))
