"""Vacant units' checks (空置房管理, RULES §6 / KF-001; keys: RULES §5), a modal over F6.

Every vacant unit with its last check (when, by whom, all well or a problem), the day the
next check is due (``clocks.vacant_check_days`` after the last, or after kfdesk first saw
the unit vacant) and whether the desk holds its key. Overdue units come first in bold red,
due soon in yellow — the words say it too ("超期 3 天", "今天到期") — as on the other registers.
``/`` narrows the list by any text shown (unit, owner, who checked …); Enter or n records a
check of the selected unit: each item all well or a problem, the desk key used, a repair
ticket for what was found, when and a note — the line under the form says what will be
saved, the first Ctrl+S shows it and the second saves it. h lists the unit's checks. Opened
on a unit from F6, it shows that unit (a toggles all). Refusals are shown in place; nothing
is saved.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Input, Static

from kfdesk.clock import parse_counter_time
from kfdesk.desk import vacant
from kfdesk.desk.base import DeskError
from kfdesk.i18n import t
from kfdesk.models import CHECK_ITEMS
from kfdesk.views.registers import keys_held
from kfdesk.views.vacant import VacantRow, unit_checks, vacant_counts, vacant_units

from .alerts import STYLE
from .common import when, ymd
from .lending import RegisterModal
from .release_passes import PreviewDialog, Values, yes_no
from .sampling import DutyModal
from .widgets.dialogs import Field
from .widgets.inputs import DeskInput
from .widgets.table import Cell, Column, FitTable, filter_rows


def state_text(row: VacantRow) -> str:
    """The due state in words (colour is never the only signal)."""
    if row.state == "overdue":
        # Due by close of business: on that evening it is late by less than a day.
        return t("ui.vacant.overdue", days=row.days) if row.days else t(
            "ui.vacant.overdue_today")
    if row.days == 0:
        return t("ui.vacant.due_today")
    return t("ui.vacant.due_in", days=row.days)


def key_text(row: VacantRow) -> str:
    if not row.key_ref:
        return "—"
    return t("ui.vacant.key_desk" if row.key_where == "desk" else "ui.vacant.key_out",
             ref=row.key_ref)


class VacantScreen(RegisterModal):
    """空置房检查: the vacant units, overdue first; n / Enter records a check, h its history."""

    MODE = "vacant"
    BINDINGS: ClassVar = [
        Binding("n", "record", "ui.vacant.key.record", id="vacant.record"),
        Binding("h", "history", "ui.vacant.key.history", id="vacant.history"),
        Binding("slash", "focus_filter", "ui.vacant.key.filter", id="vacant.filter"),
    ]
    DEFAULT_CSS = """
    VacantScreen #vacant-table { height: 1fr; min-height: 4; }
    VacantScreen #duty-detail { max-height: 4; }
    """

    def __init__(self, unit_code: str | None = None) -> None:
        super().__init__(unit_code)
        self._rows: dict[str, VacantRow] = {}
        self._cells: list[tuple[str, list[Cell]]] = []

    def compose_body(self) -> ComposeResult:
        yield Static("", id="duty-status")
        yield DeskInput(placeholder=t("ui.vacant.filter"), id="vacant-filter", classes="search")
        yield FitTable([
            Column("unit", t("ui.col.unit"), min=7, max=9),
            Column("owner", t("ui.vacant.col.owner"), min=4, max=12, flex=1, drop=3),
            Column("last", t("ui.vacant.col.last"), min=5, max=11),
            Column("by", t("ui.vacant.col.by"), min=4, max=8, drop=2),
            Column("result", t("ui.vacant.col.result"), min=4, max=28, flex=2),
            Column("due", t("ui.vacant.col.due"), min=5, max=10),
            Column("state", t("ui.vacant.col.state"), min=6, max=18),
            Column("key", t("ui.vacant.col.key"), min=4, max=17, drop=1),
        ], id="vacant-table")
        yield Static("", id="duty-detail")

    # ---- reading -------------------------------------------------------------------------------

    @property
    def interval(self) -> int:
        return vacant.check_days(self.settings)

    def reload(self) -> None:
        self.show_title()
        rows = vacant_units(self.desk.session.clock.now(), self.zone, self.interval,
                            vacant.warn_share(self.settings), unit_code=self.unit_filter)
        self._rows = {r.unit: r for r in rows}
        counts = vacant_counts(rows)
        if self.unit_filter and not rows:
            status = Text(t("ui.vacant.unit_not_vacant", unit=self.unit_filter))
        else:
            status = Text(t("ui.vacant.status", vacant=counts.vacant, keys=counts.keys_held,
                            days=self.interval))
            if counts.overdue:
                status.append("  " + t("ui.vacant.status_overdue", n=counts.overdue),
                              style=STYLE["overdue"])
            if counts.due_soon:
                status.append("  " + t("ui.vacant.status_due_soon", n=counts.due_soon),
                              style=STYLE["due_soon"])
        self.query_one("#duty-status", Static).update(status)
        self._cells = [(r.unit, self._row_cells(r)) for r in rows]
        self._apply_filter()
        self._show_detail()
        self.keys_line(t("ui.vacant.keys"))

    def _row_cells(self, r: VacantRow) -> list[Cell]:
        if r.never:
            last, result = t("ui.vacant.never"), "—"
        else:
            last = when(r.last_at, self.today)
            result = (t("ui.vacant.problem_items", items=vacant.item_names(r.last_findings))
                      if r.last_problem else t("ui.vacant.all_well"))
        cells: list[Cell] = [r.unit, r.owners or "—", last, r.last_by or "—", result,
                             r.due_on.strftime("%m-%d") if r.due_on.year == self.today.year
                             else ymd(r.due_on), state_text(r), key_text(r)]
        style = STYLE.get(r.state)
        return [(c if isinstance(c, str) else c[0], style) for c in cells] if style else cells

    def _apply_filter(self) -> None:
        text = self.query_one("#vacant-filter", Input).value
        self.query_one("#vacant-table", FitTable).load(filter_rows(self._cells, text))

    @on(Input.Changed, "#vacant-filter")
    def _filter_changed(self) -> None:
        self._apply_filter()
        self._show_detail()

    @on(Input.Submitted, "#vacant-filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one("#vacant-table", FitTable).focus()

    def _current(self) -> VacantRow | None:
        key = self.selected("vacant-table")
        return self._rows.get(key) if key else None

    @on(DataTable.RowHighlighted, "#vacant-table")
    def _show_detail(self) -> None:
        row = self._current()
        text = Text()
        if row is not None:
            text.append(f"{row.unit} ", style="bold")
            if row.never:
                text.append(t("ui.vacant.detail_never"))
            else:
                assert row.last_at is not None
                text.append(t("ui.vacant.detail_last", at=row.last_at.strftime("%Y-%m-%d %H:%M"),
                              by=row.last_by, n=row.checks))
                if row.last_problem:
                    text.append("\n" + t("ui.vacant.problem_items",
                                         items=vacant.item_names(row.last_findings)),
                                style="bold")
                if row.last_ticket:
                    text.append("  " + t("ui.vacant.detail_ticket", number=row.last_ticket))
                if row.last_note:
                    text.append("\n" + row.last_note)
        self.query_one("#duty-detail", Static).update(text)

    # ---- keys ----------------------------------------------------------------------------------

    def action_focus_filter(self) -> None:
        self.query_one("#vacant-filter", Input).focus()

    def action_close(self) -> None:
        """Esc: clear the filter box, then leave it, then close."""
        box = self.query_one("#vacant-filter", Input)
        if self.focused is box:
            if box.value:
                box.value = ""
            else:
                self.query_one("#vacant-table", FitTable).focus()
            return
        super().action_close()

    @on(DataTable.RowSelected, "#vacant-table")
    def _selected(self) -> None:
        self.action_record()

    def _row(self) -> VacantRow | None:
        row = self._current()
        if row is None:
            self.error(t("ui.vacant.none_selected"))
        return row

    def action_record(self) -> None:
        row = self._row()
        if row is None:
            return
        s = self.desk.session
        if not self.may(vacant.CHECK_ROLES):
            self.attempt(vacant.record_check, row.unit, [], "", s.staff, s.clock,
                         s.settings)  # says who may
            return
        held = keys_held(self.zone, unit_code=row.unit)
        key_choices = [("", t("ui.vacant.no_key"))] + [
            (str(k.id), f"{k.ref} {k.label}") for k in held]
        fine = [("ok", t("ui.vacant.item_ok")), ("problem", t("ui.vacant.item_problem"))]
        # Short labels: a form's label column is 12 cells wide.
        fields = [Field(i, t(f"ui.vacant.label.{i}"), "choice", fine, "ok") for i in CHECK_ITEMS]
        fields += [
            Field("key", t("ui.vacant.f.key"), "choice", key_choices, ""),
            yes_no("ticket", t("ui.vacant.f.ticket")),
            Field("at", t("ui.vacant.f.at"), value=self.now.strftime("%H:%M"),
                  placeholder=t("ui.vacant.f.at_eg")),
            Field("note", t("ui.vacant.f.note"), placeholder=t("ui.vacant.f.note_eg")),
        ]
        armed: dict[str, Values | None] = {"values": None}

        def form(v: Values) -> vacant.CheckForm:
            return vacant.check_form(
                row.unit, self._findings(v), str(v["note"]), s.clock, s.settings,
                int(str(v["key"])) if v["key"] else None, v["ticket"] == "yes",
                checked_at=self._at(str(v["at"])))

        def submit(v: Values) -> str:
            # The first Ctrl+S shows what will be saved (the line under the form); the same
            # form confirmed again saves it.
            if armed["values"] != v:
                form(v)
                armed["values"] = dict(v)
                raise DeskError("vacant.confirm_save")
            check = vacant.record_check(
                row.unit, self._findings(v), str(v["note"]), s.staff, s.clock, s.settings,
                int(str(v["key"])) if v["key"] else None, v["ticket"] == "yes",
                checked_at=self._at(str(v["at"])))
            if check.ticket_id is not None:
                return t("ui.vacant.saved_ticket", unit=row.unit, number=check.ticket.number)
            return t("ui.vacant.saved", unit=row.unit)

        def preview(v: Values) -> Text:
            text = Text()
            try:
                seen = form(v)
            except DeskError as exc:
                text.append("✗ " + exc.message(), style="bold red")
                return text
            if seen.problem:
                text.append("! " + t("ui.vacant.problem_items",
                                     items=vacant.item_names(seen.findings)), style="bold yellow")
                text.append("\n" + t("ui.vacant.will_ticket" if seen.raise_ticket
                                     else "ui.vacant.no_ticket"))
            else:
                text.append("✓ " + t("ui.vacant.all_well"), style="bold green")
            return text

        title = t("ui.vacant.record_title", unit=row.unit, owners=row.owners or "—")
        self.app.push_screen(PreviewDialog(title, fields, submit,
                                           about=t("ui.vacant.record_about", days=self.interval),
                                           preview=preview), self.dialog_done)

    @staticmethod
    def _findings(v: Values) -> list[str]:
        return [i for i in CHECK_ITEMS if v.get(i) == "problem"]

    def _at(self, text: str) -> datetime | None:
        if not text.strip():
            return None  # now
        at = parse_counter_time(text, self.now, self.zone)
        if at is None:
            raise DeskError("ui.vacant.bad_time", field="at", text=text.strip())
        return at

    def action_history(self) -> None:
        row = self._row()
        if row is not None:
            self.app.push_screen(VacantHistoryScreen(row.unit))


class VacantHistoryScreen(DutyModal):
    """One unit's checks, newest first (h on the register)."""

    MODE = "vacant"
    DEFAULT_CSS = """
    VacantHistoryScreen > #duty-box { width: 90%; height: 80%; }
    """

    def __init__(self, unit_code: str) -> None:
        super().__init__()
        self.unit_code = unit_code

    def compose_body(self) -> ComposeResult:
        yield Static("", id="duty-status")
        yield FitTable([
            Column("at", t("ui.vacant.col.checked_at"), min=11, max=16),
            Column("by", t("ui.vacant.col.by"), min=4, max=8),
            Column("result", t("ui.vacant.col.result"), min=4, max=24, flex=1),
            Column("key", t("ui.vacant.col.key_used"), min=4, max=8, drop=2),
            Column("ticket", t("ui.vacant.col.ticket"), min=4, max=16, drop=1),
            Column("note", t("ui.vacant.col.note"), min=4, max=30, flex=2, drop=3),
        ], id="history-table")

    def reload(self) -> None:
        self.query_one("#duty-box").border_title = t("ui.vacant.history_title",
                                                      unit=self.unit_code)
        checks = unit_checks(self.unit_code, self.zone)
        self.query_one("#duty-status", Static).update(
            t("ui.vacant.history_status", n=len(checks)) if checks
            else t("ui.vacant.detail_never"))
        rows = []
        for c in checks:
            result: Cell = ((t("ui.vacant.problem_items", items=vacant.item_names(c.findings)),
                             STYLE["due_soon"]) if c.problem else t("ui.vacant.all_well"))
            ticket = (f"{c.ticket} {t(f'state.{c.ticket_state}')}" if c.ticket else "—")
            rows.append((str(c.id), [c.checked_at.strftime("%Y-%m-%d %H:%M"), c.checked_by,
                                     result, c.key_ref or "—", ticket, c.note]))
        self.query_one("#history-table", FitTable).load(rows)
        self.keys(t("ui.registers.keys_close"))
