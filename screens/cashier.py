"""F5 cashier: find the unit, see what it owes by month and item, take payment, print receipts.

Left: the unit box and its owed items, oldest first — the order a payment is allocated in
(KF-015 §4.5); `x` picks items to pay only those (a deposit, one month). `p` takes a payment
with the allocation and the change shown live before confirming; the receipt preview follows,
`p` there prints it (later prints are marked copies). `o` raises a one-off charge (renovation,
IC-card deposit, other), `u` applies a prepaid balance, `r` refunds a deposit. Right: the day's
receipts in number order, voids struck through and never hidden; Enter previews one, `v` voids
it (supervisor, KF-006 §6). `h` is the daily hand-over (KF-015 §4.6); `b` the month's bills,
`t` temporary parking books, `a` arrears and dunning. `[` and `]` change the day.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Static

from kfdesk import views
from kfdesk.desk import payments as pay
from kfdesk.desk.base import DeskError
from kfdesk.desk.hand_over import FINANCE_ROLES, is_counted
from kfdesk.desk.receipts import CASHIER_ROLES
from kfdesk.i18n import t
from kfdesk.models.cash import CHARGE_KINDS, PAYMENT_METHODS
from kfdesk.money import amount_in_words
from kfdesk.printing import print_folder
from kfdesk.views import cashier as cviews

from .base import DeskContext, DeskScreen
from .common import hm, money, translate_bindings
from .widgets.choice import ChoiceField
from .widgets.dialogs import ActionDialog, Field
from .widgets.lookup import UnitLookup
from .widgets.table import Column, FitTable


def item_name(item: str, description: str = "") -> str:
    """A fee item or a charge kind in the clerk's language (a charge's own text wins)."""
    if item == "prepaid":
        return t("payment.prepaid")
    if item in CHARGE_KINDS:
        return description or t(f"payment.kind.{item}")
    return t(f"fee_item.{item}")


class PaymentDialog(ActionDialog):
    """Take a payment: amount, method, cash tendered or reference, payer; the allocation
    (oldest first, or the picked items) and the change are shown live as the cashier types."""

    def __init__(self, unit: str, items: list[cviews.OwedItem], picked: list[str], submit,  # noqa: ANN001
                 ceiling_fen: int) -> None:
        self._items = items
        self._ceiling = ceiling_fen
        self._targets = picked or None
        chosen = [i for i in items if not picked or i.key in picked]
        amount = sum(i.owed_fen for i in chosen)
        methods = [(m, t(f"method.{m}")) for m in PAYMENT_METHODS]
        fields = [
            Field("amount", t("ui.cashier.f.amount"),
                  value=money(amount, symbol=False).replace(",", "") if amount else "",
                  placeholder="0.00"),
            Field("method", t("ui.cashier.f.method"), "choice", methods, "cash"),
            Field("tendered", t("ui.cashier.f.tendered"), placeholder=t("ui.cashier.f.same")),
            Field("reference", t("ui.cashier.f.reference"),
                  placeholder=t("ui.cashier.f.reference_hint")),
            Field("payer", t("ui.cashier.f.payer")),
            Field("overpay", t("ui.cashier.f.overpay"), "choice",
                  [("no", t("ui.cashier.overpay.no")), ("yes", t("ui.cashier.overpay.yes"))],
                  "no"),
            # Above the office's ceiling (issue 17): a supervisor confirms here; the rows show
            # only when the amount needs them.
            Field("approver", t("ui.cashier.f.approver"), placeholder=t("ui.cashier.f.login")),
            Field("approver_pin", t("ui.cashier.f.approver_pin")),
        ]
        title = t("ui.cashier.pay_title", unit=unit or t("ui.cashier.walk_in"))
        about = (t("ui.cashier.picked_about", n=len(chosen)) if picked
                 else t("ui.cashier.oldest_about"))
        super().__init__(title, fields, submit, about=about)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#f-approver_pin", Input).password = True
        self.query_one("#dlg-box").mount(Static("", id="pay-preview"), before="#dlg-keys")
        self._preview()

    def _show_approval(self, shown: bool) -> None:
        for name in ("approver", "approver_pin"):
            row = self.query_one(f"#f-{name}").parent
            if row is not None:
                row.display = shown

    @on(Input.Changed)
    @on(ChoiceField.Changed)
    def _changed(self) -> None:
        if self.query("#pay-preview"):
            self._preview()

    def _preview(self) -> None:
        v = self.values()
        out = Text()
        try:
            amount = pay.parse_amount(v["amount"])
        except DeskError as exc:
            # What is wrong with the typed amount shows as it is typed (issue 17), not only on
            # confirming; an empty field gets the hint.
            hint = (Text(exc.message(), style="red") if str(v["amount"]).strip()
                    else Text(t("ui.cashier.preview_hint"), style="dim"))
            self.query_one("#pay-preview", Static).update(hint)
            self._show_approval(False)
            return
        over = amount > self._ceiling
        self._show_approval(over)
        if over:
            out.append(t("ui.cashier.over_ceiling", limit=money(self._ceiling)) + "\n",
                       style="bold yellow")
        split = pay.plan(self._items, amount, self._targets)
        out.append(t("ui.cashier.allocation") + "\n", style="bold")
        for take in split.takes:
            if not take.take_fen:
                continue
            whole = take.take_fen == take.owed_fen
            note = t("ui.cashier.whole") if whole else t(
                "ui.cashier.part", left=money(take.owed_fen - take.take_fen))
            out.append(f"  {take.month} {item_name(take.item, take.description)}  "
                       f"{money(take.take_fen)}  {note}\n")
        if split.excess_fen:
            style = "bold yellow" if v["overpay"] != "yes" else ""
            out.append(t("ui.cashier.excess", amount=money(split.excess_fen)) + "\n", style=style)
        if v["method"] == "cash" and str(v["tendered"]).strip():
            try:
                tendered = pay.parse_amount(v["tendered"], "tendered")
            except DeskError as exc:
                out.append(exc.message() + "\n", style="red")
            else:
                if tendered >= amount:
                    out.append(t("ui.cashier.change", amount=money(tendered - amount)) + "\n",
                               style="bold green")
                else:
                    out.append(t("ui.cashier.short", amount=money(amount - tendered)) + "\n",
                               style="red")
        out.append(t("ui.cashier.in_words", words=amount_in_words(amount)), style="dim")
        self.query_one("#pay-preview", Static).update(out)


class ChargeDialog(ActionDialog):
    """Raise a one-off charge: a kind with a fixed price (the IC-card deposit) shows that price
    in the amount field, which cannot be typed in; other kinds take a typed amount (issue 17)."""

    def __init__(self, title: str, fields: list[Field], submit, settings) -> None:  # noqa: ANN001
        super().__init__(title, fields, submit, about=t("ui.cashier.charge_about"))
        self._settings = settings
        self._typed = ""  # what was typed before a fixed-price kind took the field

    def on_mount(self) -> None:
        super().on_mount()
        self._follow_kind()

    @on(ChoiceField.Changed, "#f-kind")
    def _kind_changed(self) -> None:
        self._follow_kind()

    def _follow_kind(self) -> None:
        field = self.query_one("#f-amount", Input)
        fixed = pay.fixed_charge_fen(str(self.values()["kind"]), self._settings)
        if fixed is not None:
            if not field.disabled:
                self._typed = field.value
            field.value = money(fixed, symbol=False).replace(",", "")
            field.disabled = True
        elif field.disabled:
            field.disabled = False
            field.value = self._typed


class ReceiptScreen(DeskContext, ModalScreen[None]):
    """A receipt as it prints (KF-015 §4.5): `p` prints (the first print is the original,
    later ones copies), `v` voids it (supervisor), Esc closes."""

    DEFAULT_CSS = """
    ReceiptScreen { align: center middle; }
    ReceiptScreen > #rc-box {
        width: 60; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    ReceiptScreen #rc-text { height: auto; }
    ReceiptScreen #rc-keys { color: $text-muted; height: auto; margin-top: 1; }
    """
    BINDINGS: ClassVar = [
        Binding("p", "print", "ui.cashier.key.print", id="receipt.print"),
        Binding("v", "void", "ui.cashier.key.void", id="receipt.void"),
        Binding("escape", "close", "ui.key.close", id="receipt.close"),
    ]

    def __init__(self, number: str) -> None:
        super().__init__()
        translate_bindings(self)
        self.number = number

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="rc-box", can_focus=False) as box:
            box.border_title = t("ui.cashier.receipt_title", number=self.number)
            yield Static("", id="rc-text")
            yield Static("", id="rc-keys")

    def on_mount(self) -> None:
        self.reload()

    def reload(self) -> None:
        detail = cviews.receipt_detail(self.number, self.zone)
        if detail is None:
            self.query_one("#rc-text", Static).update(t("payment.unknown_receipt",
                                                        number=self.number))
            return
        # The preview is the paper: in the office's document language (issue 17).
        text = pay.receipt_text(detail, self.desk.session.settings)
        style = "strike" if detail.void else ""
        self.query_one("#rc-text", Static).update(Text(text.rstrip(), style=style))
        keys = [t("ui.cashier.rc_keys.print")]
        if self._may_void(detail):
            keys.append(t("ui.cashier.rc_keys.void"))
        keys.append(t("ui.cashier.rc_keys.close"))
        self.query_one("#rc-keys", Static).update("  ".join(keys))

    def _may_void(self, detail: cviews.ReceiptDetail) -> bool:
        staff = self.desk.session.staff
        return staff is not None and staff.role in pay.VOID_ROLES and not detail.void

    def action_close(self) -> None:
        self.dismiss(None)

    def action_print(self) -> None:
        s = self.desk.session
        try:
            where, copy = pay.print_receipt(self.number, print_folder(s.db_target), s.staff,
                                            s.clock, s.settings, self.desk.lang)
        except DeskError as exc:
            self.notify(exc.message(), severity="error")
            return
        self.notify(t("ui.cashier.printed_copy" if copy else "ui.cashier.printed",
                      number=self.number, where=where))
        self.reload()

    def action_void(self) -> None:
        detail = cviews.receipt_detail(self.number, self.zone)
        if detail is None or not self._may_void(detail):
            return
        self.app.push_screen(void_dialog(self, detail), self._voided)

    def _voided(self, result: str | None) -> None:
        if result:
            self.notify(result)
            self.desk.request_refresh()
            self.reload()


def void_dialog(host: DeskContext, detail: cviews.ReceiptDetail) -> ActionDialog:
    def submit(v: dict) -> str:
        s = host.desk.session
        pay.void_receipt(detail.number, str(v["reason"]), s.staff, s.clock, s.settings)
        return t("ui.cashier.voided", number=detail.number)

    about = t("ui.cashier.void_about", number=detail.number, amount=money(detail.amount_fen),
              unit=detail.unit or "—")
    return ActionDialog(t("ui.cashier.void_title", number=detail.number),
                        [Field("reason", t("ui.cashier.f.reason"))], submit, about=about)


class CashierScreen(DeskScreen):
    CSS_PATH = "cashier.tcss"
    MODE = "cashier"
    BINDINGS: ClassVar = [
        Binding("p", "pay", "ui.cashier.key.pay", id="cashier.pay"),
        Binding("x", "mark", "ui.cashier.key.mark", id="cashier.mark"),
        Binding("o", "charge", "ui.cashier.key.charge", id="cashier.charge"),
        Binding("u", "use_credit", "ui.cashier.key.credit", id="cashier.credit"),
        Binding("r", "refund", "ui.cashier.key.refund", id="cashier.refund"),
        Binding("v", "void", "ui.cashier.key.void", id="cashier.void"),
        Binding("h", "hand_over", "ui.cashier.key.hand_over", id="cashier.hand_over"),
        Binding("b", "billing", "ui.cashier.key.billing", id="cashier.billing"),
        Binding("t", "parking", "ui.cashier.key.parking", id="cashier.parking"),
        Binding("a", "arrears", "ui.cashier.key.arrears", id="cashier.arrears"),
        Binding("left_square_bracket", "day(-1)", "ui.key.prev_day", id="cashier.prev_day"),
        Binding("right_square_bracket", "day(1)", "ui.key.next_day", id="cashier.next_day"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._unit: str | None = None
        self._day: date | None = None  # None: follow "today"
        self._unit_of: dict[str, str] = {}  # receipt number → unit code
        self._items: list[cviews.OwedItem] = []
        self._picked: list[str] = []
        self._walk_in: list[str] = []  # charges raised for a walk-in, paid next with p
        self._credit = 0  # the shown unit's prepaid balance
        self._deposits: list[cviews.DepositRow] = []  # deposits it holds

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="columns"):
            with Vertical(id="owed", classes="panel"):
                yield UnitLookup(id="lookup")
                yield FitTable(
                    [
                        Column("mark", "", min=1, max=1),
                        Column("month", t("ui.col.month"), min=7, max=7),
                        Column("item", t("ui.col.item"), min=4, max=16),
                        Column("amount", t("ui.col.amount"), min=6, max=12, right=True,
                               drop=1),
                        Column("paid", t("ui.col.paid"), min=6, max=12, right=True, drop=2),
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

    # ---- who may do what: the footer shows only what applies now ------------------------------

    @property
    def _role(self) -> str:
        staff = self.desk.session.staff
        return staff.role if staff else ""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        till = self._role in CASHIER_ROLES
        if action in ("pay",):
            return till and (self._unit is not None or bool(self._walk_in))
        if action in ("mark",):
            return till and bool(self._items)
        if action == "hand_over":  # RULES v2 §4: finance confirms the hand-overs there
            return till or self._role in FINANCE_ROLES
        if action in ("charge", "billing", "parking", "arrears"):
            return till
        if action == "use_credit":
            return till and self._unit is not None and self._credit > 0 and bool(self._items)
        if action == "refund":
            return till and bool(self._deposits)
        if action == "void":
            return self._role in pay.VOID_ROLES and self._current_receipt() is not None
        return super().check_action(action, parameters)

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
        staff = self.desk.session.staff
        if staff is not None and staff.role in CASHIER_ROLES and is_counted(staff, self.day):
            # RULES v2 §4: what this cashier took after their count is their next hand-over.
            later = cviews.cash_figures(cashier_id=staff.id,
                                        until=views.day_bounds(self.day, self.zone)[1])
            if later.receipts or later.voids or later.parking_fen:
                totals.add_row(Text(t("ui.cashier.after_count"), style="yellow"),
                               Text(money(later.cash_fen), style="yellow"))
        self.query_one("#day-totals", Static).update(totals)
        self.refresh_bindings()

    @on(UnitLookup.Picked)
    def _picked_unit(self, event: UnitLookup.Picked) -> None:
        event.lookup.close()
        self._picked = []
        self._walk_in = []
        self._show_unit(event.code)
        self.query_one("#lines", FitTable).focus()

    @on(DataTable.RowSelected, "#receipts")
    def _receipt_selected(self, event: DataTable.RowSelected) -> None:
        number = str(event.row_key.value)
        unit = self._unit_of.get(number)
        if unit and unit != self._unit:
            self._picked = []
            self._show_unit(unit)
        self.app.push_screen(ReceiptScreen(number), lambda _: self.reload())

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        self.refresh_bindings()

    def _current_receipt(self) -> str | None:
        table = self.query_one("#receipts", FitTable)
        if self.focused is not table or not table.row_count:
            return None
        return table.selected_key()

    def _show_unit(self, code: str | None) -> None:
        panel = self.query_one("#owed", Vertical)
        total = self.query_one("#owed-total", Static)
        unit = views.unit_arrears(code) if code else None
        self._credit = 0
        self._deposits = []
        if unit is None:
            self._unit = None
            walk_in = cviews.owed_items(None, self.zone, charge_ids=tuple(
                int(k.partition(":")[2]) for k in self._walk_in))
            self._items = walk_in
            self._walk_in = [i.key for i in walk_in]
            panel.border_title = (t("ui.cashier.walk_in_title") if walk_in
                                  else t("ui.cashier.owed_title"))
            self._load_items()
            total.update(Text(t("ui.cashier.pick_unit"), style="dim") if not walk_in
                         else Text(t("ui.cashier.walk_in_hint"), style="bold"))
            self.refresh_bindings()
            return
        self._unit = code
        unit_id = views._unit_by_code(code).id  # noqa: SLF001 - the same lookup
        self._items = cviews.owed_items(unit_id, self.zone)
        self._picked = [k for k in self._picked if k in {i.key for i in self._items}]
        self._credit = cviews.unit_credit(unit_id)
        self._deposits = cviews.deposits_held(code, self.zone)
        panel.border_title = t("ui.cashier.owed_unit", code=unit.code, owner=unit.owner or "—")
        self._load_items()
        lines = Text()
        if unit.total_fen:
            lines.append(t("ui.cashier.owed_total", months=unit.months,
                           amount=money(unit.total_fen)), style="bold")
        else:
            lines.append(t("ui.brief.no_arrears"), style="green")
        if self._picked:
            fen = sum(i.owed_fen for i in self._items if i.key in self._picked)
            lines.append("  " + t("ui.cashier.picked", n=len(self._picked), amount=money(fen)),
                         style="bold cyan")
        if self._credit:
            lines.append("\n" + t("ui.cashier.credit", amount=money(self._credit)))
        if self._deposits:
            lines.append("\n" + t("ui.cashier.deposits", items="、".join(
                f"{item_name(d.kind, d.description)} {money(d.held_fen)}"
                for d in self._deposits)))
        total.update(lines)
        self.refresh_bindings()

    def _load_items(self) -> None:
        rows = []
        for i in self._items:
            mark = "✓" if i.key in self._picked else ""
            rows.append((i.key, [
                (mark, "bold cyan"), i.month, item_name(i.item, i.description),
                money(i.amount_fen, symbol=False), money(i.paid_fen, symbol=False),
                money(i.owed_fen, symbol=False),
            ]))
        self.query_one("#lines", FitTable).load(rows)

    # ---- the cashier's steps -------------------------------------------------------------------

    def action_mark(self) -> None:
        table = self.query_one("#lines", FitTable)
        key = table.selected_key() if table.row_count else None
        if key is None:
            return
        if key in self._picked:
            self._picked.remove(key)
        else:
            self._picked.append(key)
        row = table.cursor_row
        self._show_unit(self._unit)
        table.move_cursor(row=min(row + 1, table.row_count - 1))

    def action_pay(self) -> None:
        if not self.check_action("pay", ()):
            return
        unit = self._unit or ""
        items = self._items
        picked = list(self._picked) or (list(self._walk_in) if not unit else [])
        result: dict[str, str] = {}

        def submit(v: dict) -> str:
            s = self.desk.session
            amount = pay.parse_amount(v["amount"])
            method = str(v["method"])
            tendered = None
            if method == "cash" and str(v["tendered"]).strip():
                tendered = pay.parse_amount(v["tendered"], "tendered")
            done = pay.take_payment(unit, amount, method, s.staff, s.clock, s.settings,
                                    tendered_fen=tendered, reference=str(v["reference"]),
                                    payer=str(v["payer"]), targets=picked or None,
                                    confirm_overpayment=v["overpay"] == "yes",
                                    approver_login=str(v["approver"]),
                                    approver_pin=str(v["approver_pin"]))
            result["number"] = done.number
            if done.change_fen:
                return t("ui.cashier.paid_change", number=done.number,
                         change=money(done.change_fen))
            return t("ui.cashier.paid", number=done.number)

        def done(message: str | None) -> None:
            if message is None:
                return
            self._picked = []
            self._walk_in = []
            self.after_write(message)
            self.app.push_screen(ReceiptScreen(result["number"]), lambda _: self.reload())

        ceiling = pay.payment_ceiling_fen(self.desk.session.settings)
        self.app.push_screen(PaymentDialog(unit, items, picked, submit, ceiling), done)

    def action_charge(self) -> None:
        if not self.check_action("charge", ()):
            return
        unit = self._unit or ""
        kinds = [(k, t(f"payment.kind.{k}")) for k in pay.COUNTER_CHARGE_KINDS]
        fields = [
            Field("kind", t("ui.cashier.f.kind"), "choice", kinds, "renovation_fee"),
            Field("amount", t("ui.cashier.f.amount"), placeholder="0.00"),
            Field("description", t("ui.cashier.f.description")),
        ]

        def submit(v: dict) -> str:
            s = self.desk.session
            kind = str(v["kind"])
            # A fixed price is the office's, shown in the field: the core charges it (and
            # would refuse any other figure).
            fixed = pay.fixed_charge_fen(kind, s.settings) is not None
            amount = None if fixed else pay.parse_amount(v["amount"])
            charge = pay.add_charge(unit, kind, amount, str(v["description"]), s.staff,
                                    s.clock, s.settings)
            if unit:
                self._picked = [f"charge:{charge}"]
            else:
                self._walk_in.append(f"charge:{charge}")
            return t("ui.cashier.charged")

        title = t("ui.cashier.charge_title", unit=unit or t("ui.cashier.walk_in"))
        self.app.push_screen(ChargeDialog(title, fields, submit, self.desk.session.settings),
                             self.after_write)

    def action_use_credit(self) -> None:
        if not self.check_action("use_credit", ()):
            return
        unit = self._unit or ""
        split = pay.plan(self._items, self._credit)
        lines = [f"{x.month} {item_name(x.item, x.description)} {money(x.take_fen)}"
                 for x in split.takes if x.take_fen]

        def submit(v: dict) -> str:
            s = self.desk.session
            used = pay.use_credit(unit, s.staff, s.clock, s.settings)
            return t("ui.cashier.credit_used", amount=money(used), unit=unit)

        about = t("ui.cashier.credit_about", amount=money(self._credit)) + "\n" + "\n".join(lines)
        self.app.push_screen(ActionDialog(t("ui.cashier.credit_title", unit=unit), [], submit,
                                          about=about), self.after_write)

    def action_refund(self) -> None:
        if not self.check_action("refund", ()):
            return
        deposits = self._deposits
        options = [(str(d.charge_id), f"{item_name(d.kind, d.description)} {money(d.held_fen)}")
                   for d in deposits]
        methods = [(m, t(f"method.{m}")) for m in PAYMENT_METHODS]
        fields = [
            Field("deposit", t("ui.cashier.f.deposit"), "choice", options, options[0][0]),
            Field("amount", t("ui.cashier.f.amount"),
                  value=money(deposits[0].held_fen, symbol=False).replace(",", "")),
            Field("method", t("ui.cashier.f.method"), "choice", methods, "cash"),
            Field("reference", t("ui.cashier.f.reference"),
                  placeholder=t("ui.cashier.f.reference_hint")),
            Field("reason", t("ui.cashier.f.refund_reason")),
        ]
        result: dict[str, str] = {}

        def submit(v: dict) -> str:
            s = self.desk.session
            number = pay.refund_deposit(int(str(v["deposit"])), pay.parse_amount(v["amount"]),
                                        str(v["method"]), str(v["reason"]), s.staff, s.clock,
                                        s.settings, reference=str(v["reference"]))
            result["number"] = number
            return t("ui.cashier.refunded", number=number)

        def done(message: str | None) -> None:
            if message is None:
                return
            self.after_write(message)
            self.app.push_screen(ReceiptScreen(result["number"]), lambda _: self.reload())

        self.app.push_screen(ActionDialog(t("ui.cashier.refund_title", unit=self._unit or ""),
                                          fields, submit, about=t("ui.cashier.refund_about")),
                             done)

    def action_void(self) -> None:
        number = self._current_receipt()
        if number is None or self._role not in pay.VOID_ROLES:
            return
        detail = cviews.receipt_detail(number, self.zone)
        if detail is None:
            return
        if detail.void:
            self.notify(t("payment.already_void", number=number), severity="warning")
            return
        self.app.push_screen(void_dialog(self, detail), self.after_write)

    def action_hand_over(self) -> None:
        from .hand_over import HandOverScreen

        self.app.push_screen(HandOverScreen(self.day), lambda _: self.after_write(""))

    def action_billing(self) -> None:
        from .billing import BillingScreen

        self.app.push_screen(BillingScreen(), lambda _: self.after_write(""))

    def action_parking(self) -> None:
        from .parking import ParkingScreen

        self.app.push_screen(ParkingScreen(), lambda _: self.after_write(""))

    def action_arrears(self) -> None:
        from .arrears import ArrearsScreen

        self.app.push_screen(ArrearsScreen(), lambda _: self.after_write(""))

    def show_unit(self, code: str) -> None:
        """Open a unit's owed items (a jump from F6 "take payment")."""
        self._picked = []
        self._walk_in = []
        self._show_unit(code)
        self.query_one("#lines", FitTable).focus()

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
