"""F5 cashier: what a unit owes by month and item, and the cashier's day of receipts.

Left: the unit box and its owed bill lines with totals (UX.md cashier sketch). Right: the
day's receipts in number order (gapless, voids shown, never hidden) and totals by method —
the figures the KF-015 §4.6 daily hand-over is checked against. `[` and `]` change the day.
Taking a payment comes with the cashier issue.
"""

from __future__ import annotations

from datetime import date, timedelta

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Static

from kfdesk import views
from kfdesk.i18n import t

from .base import DeskScreen
from .common import hm, money
from .widgets.lookup import UnitLookup
from .widgets.table import Column, FitTable


class CashierScreen(DeskScreen):
    CSS_PATH = "cashier.tcss"
    MODE = "cashier"
    BINDINGS = [
        Binding("left_square_bracket", "day(-1)", "ui.key.prev_day", id="cashier.prev_day"),
        Binding("right_square_bracket", "day(1)", "ui.key.next_day", id="cashier.next_day"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._unit: str | None = None
        self._day: date | None = None  # None: follow "today"
        self._unit_of: dict[str, str] = {}  # receipt number → unit code

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="columns"):
            with Vertical(id="owed", classes="panel"):
                yield UnitLookup(id="lookup")
                yield FitTable(
                    [
                        Column("month", t("ui.col.month"), min=7, max=7),
                        Column("item", t("ui.col.item"), min=4, max=16),
                        Column("amount", t("ui.col.amount"), min=6, max=12, right=True),
                        Column("paid", t("ui.col.paid"), min=6, max=12, right=True),
                        Column("owed", t("ui.col.owed"), min=6, max=12, right=True),
                    ],
                    id="lines",
                )
                yield Static("", id="owed-total")
            with Vertical(id="day", classes="panel"):
                yield FitTable(
                    [
                        Column("number", t("ui.col.receipt"), min=11, max=11),
                        Column("time", t("ui.col.time"), min=5, max=5, drop=2),
                        Column("unit", t("ui.col.unit"), min=7, max=9),
                        Column("payer", t("ui.col.payer"), min=4, max=10, drop=1),
                        Column("method", t("ui.col.method"), min=4, max=10),
                        Column("amount", t("ui.col.amount"), min=6, max=12, right=True),
                    ],
                    id="receipts",
                )
                yield Static("", id="day-totals")

    @property
    def day(self) -> date:
        return self._day or self.today

    def action_day(self, step: int) -> None:
        day = self.day + timedelta(days=step)
        if day > self.today:
            return  # no receipts from tomorrow
        self._day = None if day == self.today else day
        self._load_day()

    def reload(self) -> None:
        self._load_day()
        self._show_unit(self._unit)

    def _load_day(self) -> None:
        d = views.cashier_day(self.day, self.zone)
        self._unit_of = {r.number: r.unit for r in d.receipts}
        rows = []
        for r in d.receipts:
            style = "strike dim" if r.void else ""
            method = t(f"method.{r.method}") if r.method else ""
            if r.void:
                method = t("ui.cashier.void")
            rows.append((r.number, [
                (r.number, style), (hm(r.issued_at), style), (r.unit or "—", style),
                (r.payer, style), (method, style), (money(r.amount_fen, symbol=False), style),
            ]))
        self.query_one("#receipts", FitTable).load(rows)
        panel = self.query_one("#day", Vertical)
        panel.border_title = t("ui.cashier.day_title", day=self.day.isoformat())
        if self.day == self.today:
            panel.border_subtitle = t("ui.cashier.today")
        else:
            panel.border_subtitle = t("ui.cashier.other_day")
        totals = Table.grid(padding=(0, 2))
        totals.add_column()
        totals.add_column(justify="right")
        for method, fen in d.totals:
            totals.add_row(t(f"method.{method}"), money(fen))
        totals.add_row(Text(t("ui.cashier.total", n=len(d.receipts) - d.voids), style="bold"),
                       Text(money(d.total_fen), style="bold"))
        if d.voids:
            totals.add_row(t("ui.cashier.voids"), str(d.voids))
        self.query_one("#day-totals", Static).update(totals)

    @on(UnitLookup.Picked)
    def _picked(self, event: UnitLookup.Picked) -> None:
        event.lookup.close()
        self._show_unit(event.code)
        self.query_one("#lines", FitTable).focus()

    @on(DataTable.RowSelected, "#receipts")
    def _receipt_selected(self, event: DataTable.RowSelected) -> None:
        unit = self._unit_of.get(event.row_key.value)
        if unit:
            self._show_unit(unit)

    def _show_unit(self, code: str | None) -> None:
        panel = self.query_one("#owed", Vertical)
        owed = views.unit_arrears(code) if code else None
        table = self.query_one("#lines", FitTable)
        total = self.query_one("#owed-total", Static)
        if owed is None:
            self._unit = None
            panel.border_title = t("ui.cashier.owed_title")
            table.load([])
            total.update(Text(t("ui.cashier.pick_unit"), style="dim"))
            return
        self._unit = code
        panel.border_title = t("ui.cashier.owed_unit", code=owed.code, owner=owed.owner or "—")
        rows = [
            (f"{a.month}/{a.item}", [
                a.month, t(f"fee_item.{a.item}"), money(a.amount_fen, symbol=False),
                money(a.paid_fen, symbol=False), money(a.owed_fen, symbol=False),
            ])
            for a in owed.lines
        ]
        rows += [
            (f"charge/{i}", [
                "", c.description or t(f"ui.charge_kind.{c.kind}"),
                money(c.amount_fen, symbol=False), money(c.paid_fen, symbol=False),
                money(c.owed_fen, symbol=False),
            ])
            for i, c in enumerate(owed.charges)
        ]
        table.load(rows)
        if owed.total_fen:
            total.update(Text(t("ui.cashier.owed_total", months=owed.months,
                                amount=money(owed.total_fen)), style="bold"))
        else:
            total.update(Text(t("ui.brief.no_arrears"), style="green"))

    def show_receipt(self, number: str) -> None:
        """Jump here from the palette: the receipt's day, the receipt, and its unit."""
        found = [r for r in views.find_receipts(number, self.zone, limit=1) if r.number == number]
        if not found:
            return
        receipt = found[0]
        day = receipt.issued_at.date()
        self._day = None if day == self.today else day
        self._load_day()
        table = self.query_one("#receipts", FitTable)
        table.select_key(receipt.number)
        table.focus()
        if receipt.unit:
            self._show_unit(receipt.unit)
