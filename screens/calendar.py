"""The office's working-day calendar in the app (from F7, key k): list and enter corrections.

RULES §8: each November the State Council publishes next year's holidays and make-up days;
the supervisor types or pastes the notice here (``2027-02-06..2027-02-12 holiday 春节``), marks
the year complete, and saves with Ctrl+S. The desk service checks the role, stores the dates
in one transaction and recomputes every open deadline counted in working days.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static, TextArea

from kfdesk.desk.base import DeskError
from kfdesk.desk.calendar import CALENDAR_ROLES, apply_notice, list_overrides, parse_notice
from kfdesk.i18n import t

from .common import translate_bindings
from .widgets.table import Column, FitTable


class CalendarScreen(ModalScreen[bool]):
    """Corrections on the left, the notice to enter on the right."""

    DEFAULT_CSS = """
    CalendarScreen { align: center middle; }
    CalendarScreen > Vertical {
        width: 95%; height: 90%; border: round $accent; background: $surface; padding: 0 1;
    }
    CalendarScreen #cal-title { text-style: bold; height: 1; }
    CalendarScreen #cal-body { height: 1fr; }
    CalendarScreen #cal-list { width: 2fr; }
    CalendarScreen #cal-entry { width: 3fr; padding-left: 1; }
    CalendarScreen #cal-notice { height: 1fr; }
    CalendarScreen #cal-year { width: 24; }
    CalendarScreen .row { height: auto; }
    CalendarScreen .error { color: $error; height: auto; }
    CalendarScreen .hint { color: $text-muted; height: auto; }
    """
    BINDINGS: ClassVar = [
        Binding("ctrl+s", "save", "ui.key.save", id="calendar.save", priority=True),
        Binding("escape", "close", "ui.key.close", id="calendar.close"),
    ]

    def __init__(self) -> None:
        super().__init__()
        translate_bindings(self)
        self._armed_close = False

    @property
    def _may_edit(self) -> bool:
        staff = self.app.session.staff  # type: ignore[attr-defined]
        return staff is not None and staff.role in CALENDAR_ROLES

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(t("ui.calendar.title"), id="cal-title")
            with Horizontal(id="cal-body"):
                yield FitTable([
                    Column("day", t("ui.calendar.col_day"), min=10, max=10),
                    Column("kind", t("ui.calendar.col_kind"), min=4, max=8),
                    Column("note", t("ui.calendar.col_note"), min=4, max=30, flex=1),
                ], id="cal-list")
                with Vertical(id="cal-entry"):
                    yield Static(t("ui.calendar.how"), classes="hint")
                    yield TextArea(id="cal-notice", disabled=not self._may_edit)
                    with Horizontal(classes="row"):
                        yield Input(placeholder=t("ui.calendar.year_placeholder"), id="cal-year",
                                    max_length=4, type="integer", disabled=not self._may_edit)
                    yield Static("", id="cal-error", classes="error")
                    yield Static(t("ui.calendar.keys") if self._may_edit
                                 else t("ui.calendar.read_only"), classes="hint")

    def on_mount(self) -> None:
        self._load()
        if self._may_edit:
            self.query_one("#cal-notice", TextArea).focus()

    def _load(self) -> None:
        self.query_one("#cal-list", FitTable).load([
            (line.day.isoformat(), [line.day.isoformat(),
                                    t(f"calendar.kind_{line.kind}"), line.note])
            for line in list_overrides()
        ])

    def action_save(self) -> None:
        error = self.query_one("#cal-error", Static)
        text = self.query_one("#cal-notice", TextArea).text
        year_text = self.query_one("#cal-year", Input).value.strip()
        desk = self.app
        try:
            lines = parse_notice(text)
            year = int(year_text) if year_text else None
            count = apply_notice(lines, desk.session.staff, desk.session.clock,  # type: ignore[attr-defined]
                                 desk.session.settings, complete_year=year)  # type: ignore[attr-defined]
        except DeskError as exc:
            error.update(exc.message())  # in place; nothing was saved
            return
        error.update("")
        self.query_one("#cal-notice", TextArea).text = ""
        self.query_one("#cal-year", Input).value = ""
        self._load()
        self.app.notify(t("calendar.saved", count=count))
        desk.request_refresh()  # type: ignore[attr-defined]

    def action_close(self) -> None:
        typed = self.query_one("#cal-notice", TextArea).text.strip()
        if typed and not self._armed_close:
            # Esc asks before dropping typed input (UX): a second Esc closes.
            self._armed_close = True
            self.query_one("#cal-error", Static).update(t("ui.calendar.unsaved"))
            return
        self.dismiss(False)
