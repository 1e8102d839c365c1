"""KF-015 §4.1–4.4 meter readings, the month's bills and payment notices, a modal over F5.

Every unit with its water and electricity readings of the month (last, this, usage, a
replaced meter) and its bill state: billed with its total, or why not yet. The status lines
say how many units' readings are in against the KF-015 §4.2 deadline (the 5th), how many are
billed, and the rates in force. Keys: e enter/correct the selected unit's readings, i import
engineering's sheet, r the approved rates (a sub-modal: list, a adds), b run the month's bills
after a confirmation with the units and total, n print the payment notices; `[` `]` change
the month. Who may do what is the core's (``kfdesk.desk.billing``): the keys line shows what
the signed-in role may do.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from dateutil.relativedelta import relativedelta
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from kfdesk.config import Settings
from kfdesk.desk import billing
from kfdesk.desk.base import DeskError, require_role
from kfdesk.i18n import t
from kfdesk.models.cash import FEE_ITEMS
from kfdesk.printing import print_folder
from kfdesk.views import billing as bviews

from .common import money
from .sampling import DutyModal
from .widgets.dialogs import ActionDialog, Field
from .widgets.table import Column, FitTable


def _dial(value: int | None) -> str:
    return "—" if value is None else str(value)


def _reason(code: str, meters: tuple[str, ...]) -> str:
    names = t("ui.billing.sep").join(t(f"ui.billing.short.{m}") for m in meters)
    return t(f"ui.billing.reason.{code}", meters=names)


def allowed(screen: DutyModal, roles: tuple[str, ...], action: str) -> bool:
    """Whether the signed-in role may do ``action``; if not, the core's refusal is shown at
    once, before a form is filled in for nothing."""
    try:
        require_role(screen.staff, roles, action)
    except DeskError as exc:
        screen.error(exc.message())
        return False
    return True


def _rate_label(item: str, rate_e4: int) -> str:
    basis = bviews.BASIS[item]
    return t("ui.billing.rate_item", item=t(f"fee_item.{item}"), rate=bviews.rate_text(rate_e4),
             basis=t(f"billing.basis.{basis}"))


class BillingScreen(DutyModal):
    """The month's readings and bills; e / i / r / b / n, `[` `]` for the month."""

    MODE = "billing"
    BINDINGS: ClassVar = [
        Binding("e", "enter", "ui.billing.key.enter", id="billing.enter"),
        Binding("i", "import", "ui.billing.key.import", id="billing.import"),
        Binding("r", "rates", "ui.billing.key.rates", id="billing.rates"),
        Binding("b", "run", "ui.billing.key.run", id="billing.run"),
        Binding("n", "notices", "ui.billing.key.notices", id="billing.notices"),
        Binding("left_square_bracket", "month(-1)", "ui.billing.key.prev", id="billing.prev"),
        Binding("right_square_bracket", "month(1)", "ui.billing.key.next", id="billing.next"),
    ]

    def __init__(self, month: date | None = None) -> None:
        super().__init__()
        self._month = month
        self._data: bviews.MonthReadings | None = None

    @property
    def month(self) -> date:
        m = self._month or self.today
        return date(m.year, m.month, 1)

    @property
    def ref(self) -> str:
        return bviews.month_label(self.month)

    def compose_body(self) -> ComposeResult:
        yield Static("", id="duty-status")
        yield FitTable([
            Column("unit", t("ui.col.unit"), min=7, max=9),
            Column("owner", t("ui.col.owner"), min=4, max=8, drop=1),
            Column("water_last", t("ui.billing.col.water_last"), min=5, max=9, right=True,
                   drop=3),
            Column("water_this", t("ui.billing.col.water_this"), min=5, max=9, right=True),
            Column("water_usage", t("ui.billing.col.water_usage"), min=4, max=8, right=True),
            Column("power_last", t("ui.billing.col.power_last"), min=5, max=10, right=True,
                   drop=3),
            Column("power_this", t("ui.billing.col.power_this"), min=5, max=10, right=True),
            Column("power_usage", t("ui.billing.col.power_usage"), min=4, max=8, right=True),
            Column("replaced", t("ui.billing.col.replaced"), min=4, max=5, drop=2),
            Column("bill", t("ui.billing.col.bill"), min=10, flex=1),
        ], id="billing-table")

    # ---- what is shown -----------------------------------------------------------------------

    def reload(self) -> None:
        data = bviews.month_readings(self.month)
        self._data = data
        self.query_one("#duty-box").border_title = t("ui.billing.title", month=self.ref)
        self.query_one("#duty-status", Static).update(self._status(data))
        rows = []
        for r in data.rows:
            if r.status == "vacant":
                bill = (t("ui.billing.vacant"), "dim")
            elif r.bill_total_fen is not None:
                bill = t("ui.billing.billed_mark", amount=money(r.bill_total_fen))
            elif r.reason:
                bill = (_reason(r.reason, r.meters), "yellow")
            else:
                bill = t("ui.billing.ready")
            replaced = "".join(t(f"ui.billing.replaced_{m}") for m, s in
                               (("water", r.water), ("electricity", r.electricity)) if s.replaced)
            rows.append((r.code, [
                r.code, r.owner, _dial(r.water.last), _dial(r.water.this), _dial(r.water.usage),
                _dial(r.electricity.last), _dial(r.electricity.this),
                _dial(r.electricity.usage), replaced, bill,
            ]))
        self.query_one("#billing-table", FitTable).load(rows)
        if self.may(billing.BILL_ROLES):
            self.keys(t("ui.billing.keys"))
        elif self.may(billing.READING_ROLES):
            self.keys(t("ui.billing.keys_clerk"))
        else:
            self.keys(t("ui.billing.keys_read"))

    def _status(self, data: bviews.MonthReadings) -> Table:
        due, provisional = bviews.readings_due(self.month, self.settings)
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column()
        grid.add_row(t("ui.billing.readings"),
                     t("ui.billing.readings_text", read=data.read, units=data.units))
        due_text = t("ui.billing.readings_due_text", due=due.strftime("%Y-%m-%d %H:%M"),
                     day=self.settings.clocks["meter_reading_day"])
        if provisional:
            due_text += t("ui.billing.provisional")
        due_cell = Text(due_text)
        if data.read == data.units:
            due_cell.append(" · " + t("ui.billing.all_in"), style="bold green")
        elif self.now > due:
            # Colour is never the only signal: the word says it too.
            due_cell.append(" · " + t("ui.billing.late"), style="bold red")
        grid.add_row(t("ui.billing.readings_due"), due_cell)
        grid.add_row(t("ui.billing.billed"),
                     t("ui.billing.billed_text", billed=data.billed, billable=data.billable,
                       total=money(data.billed_fen), vacant=data.units - data.billable))
        book = bviews.rates(self.month)
        parts = [_rate_label(item, book.in_force[item].rate_e4) if item in book.in_force
                 else t("ui.billing.no_rate", item=t(f"fee_item.{item}")) for item in FEE_ITEMS]
        grid.add_row(t("ui.billing.rates"), " · ".join(parts))
        return grid

    def _row(self) -> bviews.UnitReadings | None:
        key = self.query_one("#billing-table", FitTable).selected_key()
        if self._data is None or key is None:
            return None
        return next((r for r in self._data.rows if r.code == key), None)

    # ---- keys --------------------------------------------------------------------------------

    def action_enter(self) -> None:
        if not allowed(self, billing.READING_ROLES, "billing.reading"):
            return
        row = self._row()
        if row is None:
            self.error(t("ui.billing.no_row"))
            return
        s = self.desk.session
        ref = self.ref
        replaced = next((m for m, st in (("water", row.water), ("electricity", row.electricity))
                         if st.replaced), "")
        start = row.water if replaced == "water" else row.electricity
        last_month = row.water.last_month or row.electricity.last_month or "—"
        fields = [
            Field("water", t("ui.billing.f.water"),
                  value="" if row.water.this is None else str(row.water.this)),
            Field("electricity", t("ui.billing.f.electricity"),
                  value="" if row.electricity.this is None else str(row.electricity.this)),
            Field("replaced", t("ui.billing.f.replaced"), "choice",
                  [("", t("ui.billing.no_replacement")),
                   ("water", t("ui.billing.replace_water")),
                   ("electricity", t("ui.billing.replace_electricity"))], replaced),
            Field("new_meter_start", t("ui.billing.f.new_meter_start"),
                  value=str(start.new_meter_start) if replaced and start.new_meter_start
                  is not None else ""),
            # Issue 17: an implausible usage is saved only with the reason it is right.
            Field("outlier_reason", t("ui.billing.f.outlier_reason"),
                  placeholder=t("ui.billing.outlier_hint")),
        ]

        def submit(v: dict) -> str:
            saved = billing.enter_unit_readings(
                row.code, ref, v["water"], v["electricity"], s.staff, s.clock, s.settings,
                replaced_meter=v["replaced"], new_meter_start=v["new_meter_start"] or None,
                outlier_reason=str(v["outlier_reason"]))
            parts = []
            for item in saved:
                meter = t(f"billing.meter.{item.meter}")
                if item.status == "entered":
                    parts.append(t("ui.billing.saved_entered", meter=meter,
                                   reading=_reading_of(v, item.meter)))
                elif item.status == "corrected":
                    parts.append(t("ui.billing.saved_corrected", meter=meter,
                                   old=item.old_reading, reading=_reading_of(v, item.meter)))
            if not parts:
                return t("ui.billing.entered_none", unit=row.code, month=ref)
            return t("ui.billing.entered", unit=row.code, month=ref, what="，".join(parts))

        about = t("ui.billing.enter_about", water=_dial(row.water.last),
                  power=_dial(row.electricity.last), last=last_month)
        self.app.push_screen(ActionDialog(
            t("ui.billing.enter_title", unit=row.code, owner=row.owner or "—", month=ref),
            fields, submit, about=about), self.dialog_done)

    def action_import(self) -> None:
        if not allowed(self, billing.READING_ROLES, "billing.reading"):
            return
        s = self.desk.session
        ref = self.ref

        def submit(v: dict) -> str:
            done = billing.import_readings(v["path"].strip(), ref, s.staff, s.clock, s.settings)
            return t("ui.billing.imported", rows=done.rows, entered=done.entered,
                     corrected=done.corrected, unchanged=done.unchanged)

        self.app.push_screen(ActionDialog(
            t("ui.billing.import_title", month=ref),
            [Field("path", t("ui.billing.f.path"), placeholder=t("ui.billing.path_eg"))],
            submit, about=t("ui.billing.import_about")), self.dialog_done)

    def action_rates(self) -> None:
        self.app.push_screen(RatesScreen(self.month), lambda _: self.after_write())

    def action_run(self) -> None:
        if not allowed(self, billing.BILL_ROLES, "billing.run"):
            return
        plan = bviews.bill_plan(self.month)
        ref = self.ref
        if plan.missing_rates:
            self.error(DeskError("billing.no_rate", item=t(f"fee_item.{plan.missing_rates[0]}"),
                                 month=ref).message())
            return
        if not plan.bills:
            self.error(t("ui.billing.nothing_to_bill", month=ref, already=len(plan.already),
                         waiting=len(plan.waiting)))
            return
        s = self.desk.session

        def submit(v: dict) -> str:
            done = billing.run_bills(ref, s.staff, s.clock, s.settings)
            said = t("ui.billing.ran", month=ref, n=len(done.billed),
                     total=money(done.total_fen), waiting=len(done.waiting))
            if done.rent_charges:  # KF-001 §9: the parking-rent periods falling due
                said += t("ui.billing.ran_rent", n=done.rent_charges, total=money(done.rent_fen))
            return said

        about = t("ui.billing.run_about", n=len(plan.bills), month=ref,
                  total=money(plan.total_fen), already=len(plan.already),
                  waiting=len(plan.waiting), vacant=plan.vacant)
        about += _outliers_text(self.month, {b.code for b in plan.bills}, s.settings)
        self.app.push_screen(ActionDialog(t("ui.billing.run_title", month=ref), [], submit,
                                          about=about), self.dialog_done)

    def action_notices(self) -> None:
        if not allowed(self, billing.READING_ROLES, "billing.notices"):
            return
        s = self.desk.session
        ref = self.ref
        options = [("", t("billing.all_buildings"))] + [
            (b, t("ui.billing.building", number=b)) for b in bviews.buildings()]

        def submit(v: dict) -> str:
            done = billing.print_payment_notices(ref, v["building"] or None,
                                                 print_folder(s.db_target), s.staff, s.clock,
                                                 s.settings)
            return t("ui.billing.printed", n=len(done.units), where=done.where,
                     paid_up=len(done.paid_up))

        billed = self._data.billed if self._data is not None else 0
        self.app.push_screen(ActionDialog(
            t("ui.billing.notices_title", month=ref),
            [Field("building", t("ui.billing.f.building"), "choice", options)], submit,
            about=t("ui.billing.notices_about", n=billed)), self.dialog_done)


OUTLIERS_SHOWN = 6  # the run's confirmation stays on an 80×24 screen


def _outliers_text(month: date, billed: set[str], settings: Settings) -> str:
    """The implausible usages the run is about to bill (issue 17), with their reasons."""
    found = [o for o in bviews.reading_outliers(month, settings.get("readings.outlier_factor"),
                                                settings.get("readings.outlier_floor"))
             if o.code in billed]
    if not found:
        return ""
    lines = ["", t("ui.billing.outliers_head", n=len(found))]
    for o in found[:OUTLIERS_SHOWN]:
        lines.append("  " + t("ui.billing.outlier_line", unit=o.code,
                              meter=t(f"billing.meter.{o.meter}"), usage=o.usage,
                              basis=t(f"ui.billing.basis.{o.basis}"), baseline=o.baseline,
                              reason=o.reason or t("ui.billing.outlier_no_reason")))
    if len(found) > OUTLIERS_SHOWN:
        lines.append("  " + t("ui.billing.outliers_more", n=len(found) - OUTLIERS_SHOWN))
    return "\n".join(lines)


def _reading_of(values: dict, meter: str) -> str:
    return str(values.get(meter, "")).strip()


class RatesScreen(DutyModal):
    """KF-015 §4.1: the approved rates in force and their history; a adds one."""

    MODE = "billing_rates"
    BINDINGS: ClassVar = [
        Binding("a", "add", "ui.billing.key.add_rate", id="billing_rates.add"),
    ]

    def __init__(self, month: date | None = None) -> None:
        super().__init__()
        self._month = month

    @property
    def day(self) -> date:
        m = self._month or self.today
        return date(m.year, m.month, 1)

    def compose_body(self) -> ComposeResult:
        yield Static("", id="duty-status")
        yield FitTable([
            Column("item", t("ui.billing_rates.col.item"), min=6, max=14),
            Column("rate", t("ui.billing_rates.col.rate"), min=6, max=12, right=True),
            Column("basis", t("ui.billing_rates.col.basis"), min=4, max=6),
            Column("from", t("ui.billing_rates.col.effective_from"), min=10, max=10),
            Column("state", t("ui.billing_rates.col.state"), min=6, flex=1),
        ], id="rates-table")

    def reload(self) -> None:
        book = bviews.rates(self.day)
        parts = [_rate_label(item, book.in_force[item].rate_e4) for item in FEE_ITEMS
                 if item in book.in_force]
        self.query_one("#duty-status", Static).update(
            t("ui.billing_rates.status", day=self.day.isoformat(), rates=" · ".join(parts)))
        rows = []
        for i, r in enumerate(book.history):
            if r.in_force:
                state = (t("ui.billing_rates.in_force"), "bold green")
            elif r.effective_from > self.day:
                state = t("ui.billing_rates.future")
            else:
                state = (t("ui.billing_rates.history"), "dim")
            if r.used:
                text, style = state if isinstance(state, tuple) else (state, "")
                state = (f"{text} · {t('ui.billing_rates.used')}", style)
            rows.append((f"{r.item}-{r.effective_from.isoformat()}-{i}", [
                t(f"fee_item.{r.item}"), bviews.rate_text(r.rate_e4),
                t(f"billing.basis.{r.basis}"), r.effective_from.isoformat(), state,
            ]))
        self.query_one("#rates-table", FitTable).load(rows)
        self.keys(t("ui.billing_rates.keys") if self.may(billing.BILL_ROLES)
                  else t("ui.billing_rates.keys_read"))

    def action_add(self) -> None:
        if not allowed(self, billing.BILL_ROLES, "billing.rate"):
            return
        s = self.desk.session
        start = date(self.today.year, self.today.month, 1) + relativedelta(months=1)

        def submit(v: dict) -> str:
            done = billing.set_rate(v["item"], v["rate"], v["effective_from"], s.staff,
                                    s.clock, s.settings)
            item = t(f"fee_item.{done.item}")
            rate = bviews.rate_text(done.rate_e4)
            if done.replaced_e4 is not None:
                return t("ui.billing_rates.replaced", item=item, day=done.effective_from,
                         old=bviews.rate_text(done.replaced_e4), rate=rate)
            return t("ui.billing_rates.added", item=item, rate=rate,
                     day=done.effective_from.isoformat(),
                     basis=t(f"billing.basis.{bviews.BASIS[done.item]}"))

        self.app.push_screen(ActionDialog(t("ui.billing_rates.add_title"), [
            Field("item", t("ui.billing.f.item"), "choice",
                  [(item, t(f"fee_item.{item}")) for item in FEE_ITEMS]),
            Field("rate", t("ui.billing.f.rate"), placeholder=t("ui.billing_rates.rate_eg")),
            Field("effective_from", t("ui.billing.f.effective_from"), value=start.isoformat()),
        ], submit, about=t("ui.billing_rates.add_about")), self.dialog_done)
