"""KF-022 §4–5 lending: tools and umbrellas out, a modal over F6 (residents).

Items out first, longest out first, then those returned or lost lately. l lends (the item
from a choice of the tools at the desk, "an umbrella", and the things never lent — choosing
a ladder or a power tool shows the refusal with the paid repair offer, KF-022 §4.2); r takes
the selected item back; x records it lost (an umbrella raises the 20-yuan charge the cashier
takes at F5). Opened on a unit, it lists that unit's loans; a shows all and back.

``RegisterModal`` is the frame the four counter registers share (lending, keys, parking
leases, visitors): a ``DutyModal`` that may be opened on one unit.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from kfdesk.desk import lending
from kfdesk.i18n import t
from kfdesk.money import to_fen
from kfdesk.views.registers import LendingRow, lend_choices, lending_status, loans

from .common import money, when
from .sampling import DutyModal
from .widgets.dialogs import ActionDialog, Field
from .widgets.table import Column, FitTable


class RegisterModal(DutyModal):
    """A counter register; ``unit_code`` (from F6) narrows it to that unit, a toggles."""

    BINDINGS: ClassVar = [
        Binding("a", "toggle_unit", "ui.registers.key.all", id="registers.all"),
    ]

    def __init__(self, unit_code: str | None = None) -> None:
        super().__init__()
        self.unit_code = (unit_code or "").strip() or None
        self._only_unit = self.unit_code is not None

    @property
    def unit_filter(self) -> str | None:
        """The unit the lists are narrowed to, None for all."""
        return self.unit_code if self._only_unit else None

    def show_title(self) -> None:
        title = t(f"ui.title.{self.MODE}")
        if self.unit_filter:
            title = t("ui.registers.title_unit", title=title, unit=self.unit_filter)
        self.query_one("#duty-box").border_title = title

    def keys_line(self, keys: str) -> None:
        """The modal's keys, with a (this unit / all) when it was opened on a unit."""
        parts = [keys]
        if self.unit_code:
            parts.append(t("ui.registers.keys_all" if self._only_unit else
                           "ui.registers.keys_unit", unit=self.unit_code))
        parts.append(t("ui.registers.keys_close"))
        self.keys(" · ".join(p for p in parts if p))

    def action_toggle_unit(self) -> None:
        if self.unit_code is None:
            return
        self._only_unit = not self._only_unit
        self.error()
        self.reload()

    def unit_field(self) -> Field:
        return Field("unit", t("ui.registers.f.unit"), value=self.unit_code or "",
                     placeholder=t("ui.registers.f.unit_eg"))

    def selected(self, table_id: str) -> str | None:
        return self.query_one(f"#{table_id}", FitTable).selected_key()


class LendingScreen(RegisterModal):
    """KF-022 §4–5: what is out, and l / r / x."""

    MODE = "lending"
    BINDINGS: ClassVar = [
        Binding("l", "lend", "ui.lending.key.lend", id="lending.lend"),
        Binding("r", "return", "ui.lending.key.return", id="lending.return"),
        Binding("x", "lost", "ui.lending.key.lost", id="lending.lost"),
    ]

    def __init__(self, unit_code: str | None = None) -> None:
        super().__init__(unit_code)
        self._rows: dict[str, LendingRow] = {}

    def compose_body(self) -> ComposeResult:
        yield Static("", id="duty-status")
        yield FitTable([
            Column("ref", t("ui.lending.col.ref"), min=8, max=8, drop=2),
            Column("item", t("ui.lending.col.item"), min=8, max=22, flex=1),
            Column("unit", t("ui.col.unit"), min=7, max=9),
            Column("borrower", t("ui.lending.col.borrower"), min=4, max=10),
            Column("lent", t("ui.lending.col.lent"), min=11, max=11),
            Column("days", t("ui.lending.col.days"), min=4, max=6, right=True),
            Column("state", t("ui.lending.col.state"), min=4, max=16),
            Column("by", t("ui.lending.col.by"), min=4, max=8, drop=1),
        ], id="loan-table")

    def reload(self) -> None:
        self.show_title()
        rows = loans(self.desk.session.clock.now(), self.zone, unit_code=self.unit_filter)
        self._rows = {str(r.id): r for r in rows}
        st = lending_status()
        self.query_one("#duty-status", Static).update(t(
            "ui.lending.status", tools_out=st.tools_out, umbrellas_out=st.umbrellas_out,
            tools_free=st.tools_free, umbrellas_free=st.umbrellas_free))
        table = []
        for r in rows:
            if r.lost:
                state = (t("ui.lending.lost"), "bold red")
            elif r.returned_at is not None:
                state = (t("ui.lending.returned_on", at=when(r.returned_at, self.today)), "dim")
            else:
                state = t("ui.lending.out")
            days = str(r.days_out) if r.out else ""
            table.append((str(r.id), [r.ref, r.item, r.unit or "—", r.borrower,
                                      r.lent_at.strftime("%m-%d %H:%M"), days, state,
                                      r.lent_by]))
        self.query_one("#loan-table", FitTable).load(table)
        self.keys_line(t("ui.lending.keys"))

    def _current(self) -> LendingRow | None:
        key = self.selected("loan-table")
        return self._rows.get(key) if key else None

    def _open_row(self) -> LendingRow | None:
        row = self._current()
        if row is None:
            self.error(t("ui.lending.none_selected"))
            return None
        if not row.out:
            self.error(t("ui.lending.not_out", item=row.item))
            return None
        return row

    def action_lend(self) -> None:
        s = self.desk.session
        choices = lend_choices()
        refused = {f"refused:{n}": r.zh for n, r in enumerate(lending.catalogue().refused)}

        def submit(v: dict) -> str:
            value = str(v["item"])
            loan = lending.lend(refused.get(value, value), str(v["unit"]), str(v["borrower"]),
                                s.staff, s.clock, s.settings)
            return t("ui.lending.lent", item=lending.item_name(loan.item),
                     borrower=loan.borrower, unit=str(v["unit"]).strip(),
                     ref=lending.loan_ref(loan.id))

        self.app.push_screen(ActionDialog(t("ui.lending.lend_title"), [
            Field("item", t("ui.lending.f.item"), "choice",
                  [(c.value, c.label) for c in choices]),
            self.unit_field(),
            Field("borrower", t("ui.lending.f.borrower"),
                  placeholder=t("ui.lending.f.borrower_eg")),
        ], submit, about=t("ui.lending.lend_about")), self.dialog_done)

    def action_return(self) -> None:
        row = self._open_row()
        if row is None:
            return
        s = self.desk.session
        if self.attempt(lending.return_loan, row.id, s.staff, s.clock, s.settings):
            self.notify(t("ui.lending.returned", item=row.item, borrower=row.borrower))

    def action_lost(self) -> None:
        row = self._open_row()
        if row is None:
            return
        s = self.desk.session
        if row.kind == "umbrella":
            about = t("ui.lending.lost_umbrella_about", item=row.item, unit=row.unit,
                      amount=money(to_fen(str(s.settings.get("fees.umbrella_lost")))))
        else:
            about = t("ui.lending.lost_tool_about", item=row.item)

        def submit(_v: dict) -> str:
            charge = lending.mark_lost(row.id, s.staff, s.clock, s.settings)
            if charge is not None:
                return t("ui.lending.lost_charged", item=row.item, unit=row.unit,
                         amount=money(charge.amount_fen))
            return t("ui.lending.lost_done", item=row.item)

        self.app.push_screen(ActionDialog(
            t("ui.lending.lost_title", item=row.item, borrower=row.borrower), [], submit,
            about=about), self.dialog_done)
