"""KF-015 §6.1 temporary parking: invoice books and the half-monthly settlement, a modal over F5.

On top, each attendant holding books and their next settlement as the ``parking_settlement``
clock has it (RULES §8: the 1st and 16th, overdue in bold); then the books out (numbers,
settled up to, left) and the settlements made, newest first, with the stubs of the one under
the cursor below. The cashier (supervisor and manager cover) issues a book (i), settles an
attendant (s: per book the last number used, the shift income statements' total and the cash;
the invoices' value, what is due and both differences are shown live before Ctrl+S), takes a
book back (r) and prints the settlement slip (p). Everyone else reads.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Input, Static

from kfdesk.desk import parking
from kfdesk.desk.base import DeskError
from kfdesk.desk.hand_over import is_counted
from kfdesk.i18n import t
from kfdesk.printing import print_folder
from kfdesk.views import parking as pviews
from kfdesk.views.parking import BookRow, DueRow, SettlementRow

from .common import money, ymd
from .sampling import DutyModal
from .visits import parse_day
from .widgets.dialogs import ActionDialog, Field
from .widgets.table import Column, FitTable

HISTORY_ROWS = 200  # the settlement list shows the latest; older ones are in the audit trail


def value_label(fen: int) -> str:
    """A denomination as the invoice prints it: ``¥5``, ``¥10`` (``¥0.50`` were there one)."""
    return f"¥{fen // 100}" if fen % 100 == 0 else money(fen)


def _range(first: int, last: int) -> str:
    return f"{first}–{last}"


def _signed(fen: int) -> str:
    return ("+" if fen > 0 else "") + money(fen)


class SettleDialog(ActionDialog):
    """The settle form with the settlement worked out live under the fields (KF-015 §6.1.2)."""

    def __init__(self, title: str, fields: Sequence[Field],
                 submit: Callable[[dict[str, str | list[str]]], str | None], *,
                 about: str, preview: Callable[[dict[str, str | list[str]]], Text]) -> None:
        super().__init__(title, fields, submit, about=about)
        self._preview = preview

    def on_mount(self) -> None:
        # ActionDialog.on_mount (the values it opened with) runs too: Textual calls the
        # handler of every class in the chain.
        self.query_one("#dlg-box").mount(Static("", id="settle-preview"), before="#dlg-keys")
        self.call_after_refresh(self._show)

    @on(Input.Changed)
    def _show(self) -> None:
        found = self.query("#settle-preview")
        if found:
            found.first(Static).update(self._preview(self.values()))


class ParkingScreen(DutyModal):
    """KF-015 §6.1: books out, who settles next, the settlements; i / s / r / p to act."""

    MODE = "parking"
    BINDINGS: ClassVar = [
        Binding("i", "issue", "ui.parking.key.issue", id="parking.issue"),
        Binding("s", "settle", "ui.parking.key.settle", id="parking.settle"),
        Binding("r", "return_book", "ui.parking.key.return", id="parking.return"),
        Binding("p", "print_slip", "ui.parking.key.print", id="parking.print"),
    ]
    DEFAULT_CSS = """
    ParkingScreen .parking-heading { text-style: bold; height: 1; margin-top: 1; }
    ParkingScreen #book-table { height: auto; max-height: 12; }
    ParkingScreen #settlement-table { height: 1fr; min-height: 4; }
    ParkingScreen #duty-detail { max-height: 3; }
    """

    def __init__(self) -> None:
        super().__init__()
        self._books: dict[str, BookRow] = {}
        self._settlements: dict[str, SettlementRow] = {}
        self._due: list[DueRow] = []
        self._new_settlement: int | None = None  # selected after the reload: p prints it

    def compose_body(self) -> ComposeResult:
        yield Static("", id="duty-status")
        yield Static(t("ui.parking.books"), classes="parking-heading")
        yield FitTable([
            Column("attendant", t("ui.parking.col.attendant"), min=6, max=12),
            Column("value", t("ui.parking.col.value"), min=4, max=6),
            Column("range", t("ui.parking.col.range"), min=9, max=25),
            Column("used", t("ui.parking.col.used_to"), min=6, max=12, right=True),
            Column("left", t("ui.parking.col.left"), min=4, max=6, right=True),
            Column("issued", t("ui.parking.col.issued"), min=11, max=16, drop=1),
        ], id="book-table")
        yield Static(t("ui.parking.history"), classes="parking-heading")
        yield FitTable([
            Column("settled", t("ui.parking.col.settled"), min=11, max=11),
            Column("attendant", t("ui.parking.col.attendant"), min=6, max=10),
            Column("period", t("ui.parking.col.period"), min=11, max=11),
            Column("stubs", t("ui.parking.col.stubs"), min=4, max=6, right=True, drop=3),
            Column("invoices", t("ui.parking.col.invoices"), min=8, max=11, right=True),
            Column("due", t("ui.parking.col.due"), min=8, max=11, right=True),
            Column("cash", t("ui.parking.col.cash"), min=8, max=11, right=True),
            Column("difference", t("ui.parking.col.difference"), min=6, max=10, right=True),
            Column("reason", t("ui.parking.col.reason"), min=4, max=20, flex=1, drop=2),
            Column("cashier", t("ui.parking.col.cashier"), min=6, max=8, drop=1),
        ], id="settlement-table")
        yield Static("", id="duty-detail")

    # ---- reading -------------------------------------------------------------------------------

    def reload(self) -> None:
        zone = self.zone
        self._due = pviews.settlements_due(self.desk.session.clock.now(), zone)
        self.query_one("#duty-status", Static).update(self._status())
        books = pviews.books(zone)
        self._books = {str(b.id): b for b in books}
        self.query_one("#book-table", FitTable).load([
            (str(b.id), [b.attendant, value_label(b.denomination_fen),
                         _range(b.first_no, b.last_no),
                         str(b.used_up_to) if b.used_up_to is not None else "—",
                         str(b.left), ymd(b.issued_at)])
            for b in books])
        rows = pviews.settlements(zone, limit=HISTORY_ROWS)
        self._settlements = {str(s.id): s for s in rows}
        self.query_one("#settlement-table", FitTable).load([
            (str(s.id), [s.settled_at.strftime("%m-%d %H:%M"), s.attendant,
                         f"{s.period_start:%m-%d}–{s.period_end:%m-%d}", str(s.stubs),
                         money(s.invoices_fen) if s.invoices_fen is not None else "—",
                         money(s.due_fen), money(s.received_fen),
                         (_signed(s.difference_fen), "bold red") if s.difference_fen
                         else "0", s.reason, s.cashier])
            for s in rows])
        if self._new_settlement is not None:
            self.query_one("#settlement-table", FitTable).select_key(str(self._new_settlement))
            self._new_settlement = None
        self._show_detail()
        self.keys(t("ui.parking.keys") if self.may(parking.PARKING_ROLES)
                  else t("ui.parking.keys_read"))

    def _status(self) -> Table | Text:
        if not self._due:
            return Text(t("ui.parking.none_out"), style="dim")
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(no_wrap=True)
        grid.add_column(no_wrap=True)
        grid.add_column()
        for d in self._due:
            held = " ".join(value_label(v) for v in d.denominations)
            if d.due_at is None:
                when = Text(t("ui.parking.due_unknown"), style="dim")
            else:
                style = {"overdue": "bold red", "due_soon": "bold yellow"}.get(d.state, "")
                # Colour is never the only signal: overdue and due soon are also written.
                label = t(f"ui.parking.state.{d.state}") if style else ""
                when = Text(t("ui.parking.due_at", at=d.due_at.strftime("%m-%d %H:%M")),
                            style=style)
                if d.provisional:
                    when.append(t("ui.parking.provisional"), style="dim")
                if label:
                    when.append(f" {label}", style=style)
            since = t("ui.parking.since", day=ymd(d.since)) if d.since else ""
            grid.add_row(d.attendant, t("ui.parking.holds", books=held), since, when)
        return grid

    def _book(self) -> BookRow | None:
        key = self.query_one("#book-table", FitTable).selected_key()
        return self._books.get(key) if key else None

    def _settlement(self) -> SettlementRow | None:
        key = self.query_one("#settlement-table", FitTable).selected_key()
        return self._settlements.get(key) if key else None

    @on(DataTable.RowHighlighted, "#settlement-table")
    def _show_detail(self) -> None:
        s = self._settlement()
        detail = Text()
        if s is not None:
            detail.append(t("ui.parking.detail_title", number=parking.slip_number(s.id),
                            attendant=s.attendant), style="bold")
            parts = [t("ui.parking.detail_range", value=value_label(r.denomination_fen),
                       range=_range(r.from_no, r.to_no), n=r.stubs) for r in s.ranges]
            if parts:
                detail.append(" " + t("ui.parking.range_sep").join(parts))
            else:  # a settlement recorded before the numbers were kept has stubs, no ranges
                detail.append(" " + t("ui.parking.ranges_unknown" if s.stubs
                                      else "ui.parking.no_ranges"))
            if s.invoices_difference_fen:
                detail.append(" " + t("ui.parking.invoices_off",
                                      amount=_signed(s.invoices_difference_fen)),
                              style="bold red")
        self.query_one("#duty-detail", Static).update(detail)

    # ---- issuing and returning books -----------------------------------------------------------

    def action_issue(self) -> None:
        s = self.desk.session
        if not self.may(parking.PARKING_ROLES):
            self.attempt(parking.issue_book, "", "", "", "", s.staff, s.clock, s.settings)
            return
        book = self._book()
        values = [(v, value_label(parking.DENOMINATIONS_FEN[i]))
                  for i, v in enumerate(parking.DENOMINATIONS_YUAN)]

        def submit(v: dict) -> str:
            row = parking.issue_book(str(v["attendant"]), str(v["denomination"]),
                                     str(v["first_no"]), str(v["last_no"]),
                                     s.staff, s.clock, s.settings)
            return t("ui.parking.issued", attendant=row.attendant,
                     value=value_label(row.denomination_fen),
                     range=_range(row.first_no, row.last_no))

        self.app.push_screen(ActionDialog(t("ui.parking.issue_title"), [
            Field("attendant", t("ui.parking.f.attendant"),
                  value=book.attendant if book else "",
                  placeholder=t("ui.parking.f.attendant_eg")),
            Field("denomination", t("ui.parking.f.denomination"), "choice", values, "5"),
            Field("first_no", t("ui.parking.f.first_no")),
            Field("last_no", t("ui.parking.f.last_no")),
        ], submit, about=t("ui.parking.issue_about")), self.dialog_done)

    def action_return_book(self) -> None:
        s = self.desk.session
        book = self._book()
        if book is None:
            self.error(t("ui.parking.pick_book"))
            return
        if not self.may(parking.PARKING_ROLES):
            self.attempt(parking.return_book, book.id, None, s.staff, s.clock, s.settings)
            return

        def submit(v: dict) -> str:
            row = parking.return_book(book.id, str(v["used_up_to"]), s.staff, s.clock,
                                      s.settings)
            return t("ui.parking.returned", attendant=row.attendant,
                     value=value_label(row.denomination_fen), n=book.left)

        unused = (t("ui.parking.unused", range=_range(book.position + 1, book.last_no),
                    n=book.left) if book.left else t("ui.parking.none_unused"))
        self.app.push_screen(ActionDialog(
            t("ui.parking.return_title", attendant=book.attendant,
              value=value_label(book.denomination_fen)),
            [Field("used_up_to", t("ui.parking.f.used_up_to"),
                   value=str(book.used_up_to) if book.used_up_to is not None else "",
                   placeholder=t("ui.parking.f.none_used"))],
            submit, about=t("ui.parking.return_about",
                            range=_range(book.first_no, book.last_no),
                            settled=book.used_up_to if book.used_up_to is not None else "—",
                            unused=unused)),
            self.dialog_done)

    # ---- the settlement ------------------------------------------------------------------------

    def action_settle(self) -> None:
        s = self.desk.session
        book = self._book()
        if not self.may(parking.PARKING_ROLES):
            self.attempt(parking.settle, book.attendant if book else "", self.today, {}, 0, 0,
                         "", s.staff, s.clock, s.settings)
            return
        if book is None:
            self.error(t("ui.parking.pick_book"))
            return
        name = book.attendant
        held = pviews.books(self.zone, attendant=name)
        since = pviews.period_start(name, self.zone) or self.today
        end = pviews.default_period_end(
            since, self.today, list(s.settings.clocks["parking_settlement_days"]))

        def used(v: dict) -> dict[int, int]:
            out: dict[int, int] = {}
            for b in held:
                number = parking.parse_number(str(v[f"book_{b.id}"]), f"book_{b.id}")
                if number is not None:
                    out[b.id] = number
            return out

        def preview(v: dict) -> Text:
            try:
                numbers = used(v)
                due = (parking.parse_yuan(str(v["statements"]), "statements")
                       if str(v["statements"]).strip() else None)
                cash = (parking.parse_yuan(str(v["cash"]), "cash")
                        if str(v["cash"]).strip() else None)
                f = parking.figures(name, numbers, due or 0, cash or 0, s.settings)
            except DeskError as exc:
                return Text(exc.message(), style="yellow")
            text = Text(t("ui.parking.live_invoices", n=f.stubs, amount=money(f.invoices_fen)),
                        style="bold")
            if due is None or cash is None:
                text.append("\n" + t("ui.parking.live_waiting"), style="dim")
                return text
            text.append("  " + t("ui.parking.live_due", amount=money(f.due_fen)), style="bold")
            text.append("  " + t("ui.parking.live_cash", amount=money(f.cash_fen)), style="bold")
            off = f.difference_fen != 0 or f.invoices_difference_fen != 0
            style = "bold red" if off else "bold green"
            text.append("\n" + t("ui.parking.live_difference",
                                 amount=_signed(f.difference_fen)), style=style)
            text.append("  " + t("ui.parking.live_invoices_difference",
                                 amount=_signed(f.invoices_difference_fen)), style=style)
            text.append("  " + (t("ui.parking.live_reason") if off else t("ui.parking.live_ok")),
                        style=style)
            return text

        def submit(v: dict) -> str:
            day = parse_day(str(v["period_end"]), self.today, "period_end")
            numbers = used(v)
            due = parking.parse_yuan(str(v["statements"]), "statements")
            cash = parking.parse_yuan(str(v["cash"]), "cash")
            row = parking.settle(name, day, numbers, due, cash, str(v["reason"]),
                                 s.staff, s.clock, s.settings)
            self._new_settlement = row.id
            done = t("ui.parking.settled", attendant=name, n=row.stubs_cancelled,
                     amount=money(row.received_fen),
                     difference=_signed(row.received_fen - row.due_fen))
            if is_counted(s.staff, self.today):  # RULES v2 §4: the cash is not in that count
                done += " " + t("ui.parking.next_hand_over")
            return done

        fields = [Field("period_end", t("ui.parking.f.period_end"), value=end.isoformat(),
                        placeholder=t("ui.duty.day_placeholder"))]
        lines = [t("ui.parking.settle_about", since=ymd(since)), t("ui.parking.settle_how")]
        for b in held:
            fields.append(Field(f"book_{b.id}", t("ui.parking.f.used_to",
                                                  value=value_label(b.denomination_fen)),
                                placeholder=t("ui.parking.f.used_to_eg", first=b.position + 1,
                                              last=b.last_no)))
            lines.append(t("ui.parking.settle_book", value=value_label(b.denomination_fen),
                           range=_range(b.first_no, b.last_no),
                           settled=b.used_up_to if b.used_up_to is not None else "—"))
        fields += [Field("statements", t("ui.parking.f.statements"),
                         placeholder=t("ui.parking.f.yuan_eg")),
                   Field("cash", t("ui.parking.f.cash"), placeholder=t("ui.parking.f.yuan_eg")),
                   Field("reason", t("ui.parking.f.reason"),
                         placeholder=t("ui.parking.f.reason_eg"))]
        self.app.push_screen(SettleDialog(t("ui.parking.settle_title", attendant=name), fields,
                                          submit, about="\n".join(lines), preview=preview),
                             self.dialog_done)

    def action_print_slip(self) -> None:
        s = self.desk.session
        row = self._settlement()
        if row is None:
            self.error(t("ui.parking.pick_settlement"))
            return
        where = self.attempt(parking.print_settlement_slip, row.id,
                             print_folder(s.db_target), s.staff, s.clock, s.settings)
        if where:
            self.notify(t("ui.parking.printed", number=parking.slip_number(row.id),
                          where=where))
