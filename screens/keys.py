"""Keys held at the desk (钥匙管理, RULES §5), a modal over F6 (residents).

Keys out with someone first (who has it, why, since when), then the keys at the desk; the
selected key's movements below the table. i takes a key in, l lends it out (refused while it
is out), b takes it back, g gives it back to the owner (the desk no longer holds it). Every
movement is logged with the clerk who handled it. Opened on a unit, it lists that unit's keys.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from kfdesk.desk import keys
from kfdesk.i18n import t
from kfdesk.views.registers import HeldKeyRow, key_movements, keys_held

from .common import when
from .lending import RegisterModal
from .widgets.dialogs import ActionDialog, Field
from .widgets.table import Column, FitTable


class KeysScreen(RegisterModal):
    """钥匙管理: where each key is, and i / l / b / g."""

    MODE = "keys"
    BINDINGS: ClassVar = [
        Binding("i", "take_in", "ui.keys.key.take_in", id="keys.take_in"),
        Binding("l", "lend_out", "ui.keys.key.lend_out", id="keys.lend_out"),
        Binding("b", "take_back", "ui.keys.key.take_back", id="keys.take_back"),
        Binding("g", "give_back", "ui.keys.key.give_back", id="keys.give_back"),
    ]

    def __init__(self, unit_code: str | None = None) -> None:
        super().__init__(unit_code)
        self._rows: dict[str, HeldKeyRow] = {}

    def compose_body(self) -> ComposeResult:
        yield Static("", id="duty-status")
        yield FitTable([
            Column("ref", t("ui.keys.col.ref"), min=6, max=6, drop=2),
            Column("unit", t("ui.col.unit"), min=7, max=9),
            Column("label", t("ui.keys.col.label"), min=6, max=24, flex=1),
            Column("reason", t("ui.keys.col.reason"), min=4, max=8, drop=1),
            Column("where", t("ui.keys.col.where"), min=4, max=8),
            Column("with", t("ui.keys.col.with"), min=4, max=16),
            Column("purpose", t("ui.keys.col.purpose"), min=4, max=14, drop=3),
            Column("since", t("ui.keys.col.since"), min=11, max=11),
        ], id="key-table")
        yield Static("", id="duty-detail")

    def reload(self) -> None:
        self.show_title()
        rows = keys_held(self.zone, unit_code=self.unit_filter)
        self._rows = {str(r.id): r for r in rows}
        out = sum(1 for r in rows if r.where == "out")
        self.query_one("#duty-status", Static).update(t(
            "ui.keys.status", held=len(rows), desk=len(rows) - out, out=out))
        table = []
        for r in rows:
            where = ((t("ui.keys.out"), "bold yellow") if r.where == "out"
                     else t("ui.keys.at_desk"))
            table.append((str(r.id), [
                r.ref, r.unit, r.label, t(f"key_reason.{r.reason}")
                if r.reason in keys.REASONS else r.reason,
                where, r.with_whom, r.purpose, when(r.since, self.today)]))
        self.query_one("#key-table", FitTable).load(table)
        self._show_moves()
        self.keys_line(t("ui.keys.keys"))

    def _current(self) -> HeldKeyRow | None:
        key = self.selected("key-table")
        return self._rows.get(key) if key else None

    @on(DataTable.RowHighlighted, "#key-table")
    def _show_moves(self) -> None:
        row = self._current()
        text = Text()
        if row is not None:
            moves = key_movements(row.id, self.zone)
            text.append(t("ui.keys.moves", ref=row.ref, n=len(moves)) + "\n", style="bold")
            for m in moves[-4:]:
                who = f" {m.to_whom}" if m.to_whom else ""
                why = f"（{m.purpose}）" if m.purpose else ""
                text.append(f"{m.at.strftime('%Y-%m-%d %H:%M')} {t(f'key_move.{m.kind}')}"
                            f"{who}{why} · {m.staff}\n")
        self.query_one("#duty-detail", Static).update(text)

    def _row(self) -> HeldKeyRow | None:
        row = self._current()
        if row is None:
            self.error(t("ui.keys.none_selected"))
        return row

    def action_take_in(self) -> None:
        s = self.desk.session
        reasons = [(r, t(f"key_reason.{r}")) for r in keys.REASONS]

        def submit(v: dict) -> str:
            key = keys.take_in(str(v["unit"]), str(v["label"]), str(v["reason"]),
                               str(v["from_whom"]), s.staff, s.clock, s.settings,
                               note=str(v["note"]))
            return t("ui.keys.taken_in", ref=keys.key_ref(key.id), label=key.label)

        self.app.push_screen(ActionDialog(t("ui.keys.take_in_title"), [
            self.unit_field(),
            Field("label", t("ui.keys.f.label"), placeholder=t("ui.keys.f.label_eg")),
            Field("reason", t("ui.keys.f.reason"), "choice", reasons, "vacant"),
            Field("from_whom", t("ui.keys.f.from_whom"),
                  placeholder=t("ui.keys.f.from_whom_eg")),
            Field("note", t("ui.keys.f.note")),
        ], submit), self.dialog_done)

    def action_lend_out(self) -> None:
        row = self._row()
        if row is None:
            return
        s = self.desk.session
        if row.where == "out":  # the service's own refusal, at once, with who has it
            self.error(t("desk_key.already_out", ref=row.ref, label=row.label,
                         to_whom=row.with_whom, since=row.since.strftime("%m-%d %H:%M")))
            return

        def submit(v: dict) -> str:
            keys.lend_out(row.id, str(v["to_whom"]), str(v["purpose"]), s.staff, s.clock,
                          s.settings)
            return t("ui.keys.lent", ref=row.ref, to_whom=str(v["to_whom"]).strip())

        self.app.push_screen(ActionDialog(t("ui.keys.lend_title", ref=row.ref, unit=row.unit), [
            Field("to_whom", t("ui.keys.f.to_whom"), placeholder=t("ui.keys.f.to_whom_eg")),
            Field("purpose", t("ui.keys.f.purpose"), placeholder=t("ui.keys.f.purpose_eg")),
        ], submit, about=row.label), self.dialog_done)

    def action_take_back(self) -> None:
        row = self._row()
        if row is None:
            return
        s = self.desk.session
        if row.where != "out":
            self.attempt(keys.take_back, row.id, s.staff, s.clock, s.settings)
            return

        def submit(v: dict) -> str:
            keys.take_back(row.id, s.staff, s.clock, s.settings, by_whom=str(v["by_whom"]))
            return t("ui.keys.back", ref=row.ref)

        self.app.push_screen(ActionDialog(t("ui.keys.back_title", ref=row.ref, unit=row.unit), [
            Field("by_whom", t("ui.keys.f.by_whom"), value=row.with_whom),
        ], submit, about=row.label), self.dialog_done)

    def action_give_back(self) -> None:
        row = self._row()
        if row is None:
            return
        s = self.desk.session

        def submit(v: dict) -> str:
            keys.return_to_owner(row.id, str(v["to_whom"]), s.staff, s.clock, s.settings)
            return t("ui.keys.given_back", ref=row.ref, to_whom=str(v["to_whom"]).strip())

        self.app.push_screen(ActionDialog(t("ui.keys.give_title", ref=row.ref, unit=row.unit), [
            Field("to_whom", t("ui.keys.f.owner"), placeholder=t("ui.keys.f.owner_eg")),
        ], submit, about=t("ui.keys.give_about", label=row.label)), self.dialog_done)
