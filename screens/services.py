"""F10 paid convenience services (KF-022) and their settlement (KF-015 §6.2.1).

The queue lists every service order not closed out, and today's closed ones, overdue first
(the KF-022 §2.2 appliance clocks: tell the resident within 15 minutes, on site within 30 or
at the agreed time). The panel under it shows the selected order in full. Keys act on the
selected order: ``n`` new order (a form with the price computed live), ``a`` accepted / company
contacted, ``t`` resident told of a delay with a new time, ``o`` on site, ``b`` booked (refused
until the fare and delivery fee are prepaid, KF-022 §3.3), ``d`` done, ``x`` close out with the
settlement: pay at the cashier now, or with this month's fee bill — an appliance repair's amount
corrected there, with a reason, when the work cost other than quoted; ``c`` cancels an order
with a reason (kept, struck from the day's work, its clocks stopped; issue 16).

Every write goes through ``kfdesk.desk.services``; a refusal is shown in the clerk's words
and nothing is saved.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, OptionList, Select, Static
from textual.widgets.option_list import Option

from kfdesk import views
from kfdesk.desk import booking_record
from kfdesk.desk import services as svc
from kfdesk.desk.base import DeskError
from kfdesk.i18n import has, t
from kfdesk.printing import print_folder
from kfdesk.views.services import ServiceRow, find_service_order, service_queue
from kfdesk.views.urgency import next_due, urgency_key

from .alerts import STYLE, due_text, marked
from .base import QueueScreen
from .common import hm, money, translate_bindings, when
from .widgets.dialogs import ActionDialog, Field
from .widgets.inputs import DeskInput
from .widgets.lookup import UnitLookup
from .widgets.table import Column, FitTable

if TYPE_CHECKING:
    from kfdesk.config import Settings
    from kfdesk.rules import Alert
    from kfdesk.session import Session

# Which steps a row can take, by state and kind; a key is shown only when its step applies
# (so the footer stays short, and "a" reads "accepted" or "contacted" by the kind of order).
STEP_STATES: dict[str, tuple[str, ...]] = {
    "accept": ("quoted",),
    "contact": ("new",),
    "tell": ("accepted", "told"),
    "arrival": ("accepted",),
    "on_site": ("accepted", "told", "contacted"),
    # Kept live while unpaid: pressing b then says why the booking must wait (KF-022 §3.3).
    "book": ("prepay", "prepaid"),
    "done": ("on_site", "contacted", "booked"),
    "close": ("done",),
}
STEP_KINDS: dict[str, tuple[str, ...]] = {
    "accept": ("appliance_repair",), "contact": svc.HOME_KINDS, "tell": ("appliance_repair",),
    "arrival": ("appliance_repair",),
    "on_site": svc.SITE_KINDS,
    "book": ("booking",), "done": svc.KINDS, "close": svc.KINDS,
}
# KF-022 §1.2 "contact the cleaning company" is the cleaning order's acceptance.
STEP_CALLS = {"accept": svc.accept, "contact": svc.accept, "on_site": svc.on_site,
              "book": svc.book, "done": svc.done}


def svc_yuan(fen: int) -> str:
    """An amount as the clerk types it: ``45.50`` (no symbol, no separators)."""
    return f"{fen // 100}.{fen % 100:02d}"


def unit_label(unit: str) -> str:
    return t(f"service.unit.{unit}") if has(f"service.unit.{unit}") else unit


def quantity_text(centi: int) -> str:
    whole, frac = divmod(centi, 100)
    return str(whole) if not frac else f"{whole}.{frac:02d}".rstrip("0")


def item_text(row: ServiceRow, lang: str, settings: Settings) -> str:
    """What was ordered, in a few words: the list item, the fault, or the route."""
    if row.price_code:
        item = svc.price_item(settings, row.price_code)
        name = item.name(lang) if item else row.price_code
        unit = unit_label(item.unit) if item else ""
        return t("ui.services.item_qty", item=name, n=quantity_text(row.quantity_centi),
                 unit=unit)
    if row.booking:
        b = row.booking
        return t("ui.services.route", mode=t(f"service.mode.{b.get('mode', 'train')}"),
                 origin=b.get("from", ""), destination=b.get("to", ""))
    first = (row.note or row.details).strip().splitlines()
    return first[0] if first else ""


def clock_text(row: ServiceRow, both: bool = False) -> str:
    """The running KF-022 §2.2 clocks in words, before the engine calls them due soon: the
    earliest (the queue's column), or both (the detail panel)."""
    parts = []
    if row.tell_due is not None:
        parts.append(t("ui.services.tell_by", time=hm(row.tell_due)))
    if row.on_site_due is not None:
        parts.append(t("ui.services.on_site_by", time=hm(row.on_site_due)))
    return " · ".join(parts if both else parts[:1])


class ServicesScreen(QueueScreen):
    CSS_PATH = "services.tcss"
    MODE = "services"
    TABLE_ID = "services"
    COUNT_ID = "services-count"
    COUNT_KEY = "ui.services.count"
    BINDINGS: ClassVar = [
        Binding("n", "new", "ui.services.key.new", id="services.new"),
        Binding("a", "step('accept')", "ui.services.key.accept", id="services.accept"),
        Binding("a", "step('contact')", "ui.services.key.contact", id="services.contact"),
        Binding("e", "arrival", "ui.services.key.arrival", id="services.arrival"),
        Binding("t", "tell", "ui.services.key.tell", id="services.tell"),
        Binding("o", "step('on_site')", "ui.services.key.on_site", id="services.on_site"),
        Binding("b", "step('book')", "ui.services.key.book", id="services.book"),
        Binding("d", "step('done')", "ui.services.key.done", id="services.done"),
        Binding("x", "close_out", "ui.services.key.close", id="services.close"),
        Binding("c", "cancel_order", "ui.services.key.cancel", id="services.cancel"),
        Binding("p", "print_booking", "ui.services.key.print_booking",
                id="services.print_booking"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._by_key: dict[str, ServiceRow] = {}

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="bar"):
            yield DeskInput(placeholder=t("ui.services.filter"), id="filter", classes="search")
            yield Static("", id="services-count", classes="count")
        yield FitTable(
            [
                Column("ref", t("ui.col.number"), min=8, max=8),
                Column("due", t("ui.col.due"), min=10, max=18),
                # At 80 columns the taker, time, contact, amount and (in English) kind give
                # way, in that order, to keep what was ordered readable.
                Column("kind", t("ui.col.kind"), min=6, max=16, drop=2),
                Column("unit", t("ui.col.unit"), min=7, max=9),
                Column("contact", t("ui.services.col.contact"), min=6, max=10, flex=1, drop=4),
                Column("item", t("ui.col.item"), min=14, max=30, flex=2),
                Column("amount", t("ui.col.amount"), min=7, max=12, right=True, drop=3),
                Column("state", t("ui.col.state"), min=4, max=14),
                Column("time", t("ui.col.received"), min=5, max=11, drop=5),
                Column("owner", t("ui.col.owner_staff"), min=4, max=8, drop=6),
            ],
            id="services",
        )
        with VerticalScroll(id="service-panel", classes="panel"):
            yield Static("", id="service-detail")

    # ---- reading -----------------------------------------------------------------------

    @property
    def _lang(self) -> str:
        return self.desk.lang

    @property
    def _settings(self) -> Settings:
        return self.desk.session.settings

    def reload(self) -> None:
        alerts = self.desk.alerts_by_item
        rows = service_queue(self.desk.session.clock.now(), self.zone)
        # Urgency order (issue 16): overdue, most late first; then the soonest due; then the
        # rest, open before today's closed or cancelled.
        now = self.desk.session.clock.now()
        due = next_due("service_order", (r.id for r in rows))
        rows = sorted(rows, key=lambda r: (urgency_key(d.due_at if (d := due.get(r.id))
                                                       else None, now),
                                           r.state in ("closed", "cancelled")))
        self._by_key = {r.ref: r for r in rows}
        self._rows = []
        for r in rows:
            alert = alerts.get(("service_order", r.id))
            due = due_text(alert) if alert else clock_text(r)
            self._rows.append((r.ref, marked([
                r.ref, due, t(f"service.kind.{r.kind}"), r.unit or "—", r.contact,
                item_text(r, self._lang, self._settings), money(r.amount_fen),
                (t(f"service.state.{r.state}"),
                 "dim" if r.state in ("closed", "cancelled") else ""),
                when(r.requested_at, self.today), r.taken_by,
            ], alert)))
        self._apply_filter()
        self._show_detail()
        self.refresh_bindings()

    def selected(self) -> ServiceRow | None:
        tables = self.query("#services")
        if not tables:
            return None  # bindings are checked before the body is composed
        key = tables.first(FitTable).selected_key()
        return self._by_key.get(key) if key else None

    @on(DataTable.RowSelected, "#services")
    def _selected(self) -> None:
        # Enter: into the order's full text (long notes scroll); Esc comes back to the list.
        self.query_one("#service-panel", VerticalScroll).focus()

    @on(DataTable.RowHighlighted, "#services")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()
        self.refresh_bindings()

    def _show_detail(self) -> None:
        panel = self.query_one("#service-panel", VerticalScroll)
        body = self.query_one("#service-detail", Static)
        row = self.selected()
        if row is None:
            panel.border_title = t("ui.services.detail_title")
            body.update(Text(t("ui.services.empty"), style="dim"))
            return
        panel.border_title = f"{row.ref} · {t(f'service.kind.{row.kind}')}"
        panel.border_subtitle = t(f"service.state.{row.state}")
        alert = self.desk.alerts_by_item.get(("service_order", row.id))
        body.update(detail_body(row, self._lang, self._settings, self.today, alert))

    def show_order(self, order_id: int) -> None:
        """Put the cursor on one order (after saving it, or a jump to S-000123)."""
        self.query_one("#filter", Input).value = ""
        self._apply_filter()
        table = self.query_one("#services", FitTable)
        table.select_key(svc.order_ref(order_id))
        table.focus()
        self._show_detail()

    # ---- keys --------------------------------------------------------------------------

    def _may_write(self) -> bool:
        staff = self.desk.session.staff
        return staff is not None and staff.role in svc.WRITE_ROLES

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_order":
            row = self.selected()
            return self._may_write() and row is not None \
                and row.state not in ("closed", "cancelled")
        if action == "print_booking":
            row = self.selected()
            return self._may_write() and row is not None and row.kind == "booking"
        if action in ("new", "step", "tell", "arrival", "close_out"):
            if not self._may_write():
                return False  # cashier and security read this screen only
            if action == "new":
                return True
            step = {"tell": "tell", "arrival": "arrival",
                    "close_out": "close"}.get(action) or str(parameters[0])
            row = self.selected()
            return row is not None and row.kind in STEP_KINDS[step] \
                and row.state in STEP_STATES[step]
        return super().check_action(action, parameters)

    def _after_write(self, order_id: int, message: str) -> None:
        self.desk.request_refresh()
        self.reload()
        self.show_order(order_id)
        self.app.notify(message)

    def _open_form(self, form: type, did: str) -> None:
        """The selected order's form (tell, arrival, close out); saved, the queue is re-read
        and says what was done."""
        row = self.selected()
        if row is None:
            return

        def saved(ok: bool | None) -> None:
            if ok:
                self._after_write(row.id, t(f"ui.services.did.{did}", ref=row.ref))

        self.app.push_screen(form(row), saved)

    def action_new(self) -> None:
        def saved(order_id: int | None) -> None:
            if order_id is not None:
                self._after_write(order_id, t("ui.services.saved", ref=svc.order_ref(order_id)))

        self.app.push_screen(ServiceForm(), saved)

    def action_step(self, step: str) -> None:
        row = self.selected()
        if row is None:
            return
        session = self.desk.session
        try:
            STEP_CALLS[step](row.id, session.staff, session.clock, session.settings)
        except DeskError as exc:
            self.app.notify(exc.message(), severity="error", timeout=8)
            return
        self._after_write(row.id, t(f"ui.services.did.{step}", ref=row.ref))

    def action_tell(self) -> None:
        self._open_form(TellForm, "tell")

    def action_arrival(self) -> None:
        self._open_form(ArrivalForm, "arrival")

    def action_print_booking(self) -> None:
        """KF-022 §3.2–3.3 (RULES v2): the record in two parts, part 2 for the customer."""
        row = self.selected()
        if row is None:
            return
        s = self.desk.session
        try:
            where = booking_record.print_record(row.id, print_folder(s.db_target), s.staff,
                                                s.clock, s.settings)
        except DeskError as exc:
            self.app.notify(exc.message(), severity="error", timeout=8)
            return
        self.app.notify(t("ui.services.booking.printed", where=where))

    def action_close_out(self) -> None:
        self._open_form(SettleForm, "close")

    def action_cancel_order(self) -> None:
        row = self.selected()
        if row is None:
            return
        session = self.desk.session

        def submit(v: dict) -> str:
            svc.cancel(row.id, str(v["reason"]), session.staff, session.clock,
                       session.settings)
            return t("ui.services.did.cancel", ref=row.ref)

        def done(message: str | None) -> None:
            if message:
                self._after_write(row.id, message)

        who = " ".join(p for p in (row.unit or t("ui.services.walk_in"), row.contact) if p)
        self.app.push_screen(ActionDialog(
            t("ui.services.cancel.title", ref=row.ref),
            [Field("reason", t("ui.services.field.reason"),
                   placeholder=t("ui.services.cancel.reason_eg"))],
            submit, about=t("ui.services.cancel.about", kind=t(f"service.kind.{row.kind}"),
                            who=who, amount=money(row.amount_fen))), done)

    def jump(self, text: str) -> bool:
        """Show an order by its number (``S-000123``); False when there is none."""
        row = find_service_order(text, self.zone)
        if row is None:
            return False
        self.show_order(row.id)
        return True


# ---- the selected order in full --------------------------------------------------------------


def _grid() -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column(overflow="fold")  # Chinese notes have no spaces to wrap at
    return grid


def detail_body(row: ServiceRow, lang: str, settings: Settings, today: date,
                alert: Alert | None) -> Group:
    """The selected order in full: who, what, progress, its clock, settlement, notes."""
    grid = _grid()
    who = " ".join(p for p in (row.unit or t("ui.services.walk_in"), row.contact, row.phone) if p)
    grid.add_row(t("ui.services.detail.who"),
                 t("ui.services.who", who=who, by=row.taken_by,
                   at=when(row.requested_at, today)))
    what = item_text(row, lang, settings)
    if row.kind == "appliance_repair":
        grid.add_row(t("ui.services.detail.quote"),
                     f"{money(row.amount_fen)}" + (f" · {what}" if what else ""))
        if row.arrival_at is not None:
            grid.add_row("", t("ui.services.arrival.known", time=hm(row.arrival_at)))
    elif row.booking:
        b = row.booking
        grid.add_row(t("ui.services.detail.booking"), t(
            "ui.services.booking_line", route=what, travel=b.get("travel", ""),
            n=b.get("tickets", 1), place=b.get("delivery_place", ""),
            at=b.get("delivery_time", "") or "—"))
        grid.add_row(t("ui.services.detail.prepay"), t(
            "ui.services.prepay_line", amount=money(row.prepay_fen),
            fare=money(b.get("fare_fen", 0)), fee=money(b.get("delivery_fee_fen", 0)),
            paid=money(row.prepaid_fen)))
    else:
        surcharge = (" · " + t("ui.services.surcharged", pct=row.surcharge_pct)
                     if row.surcharge_pct else "")
        grid.add_row(t("ui.services.detail.amount"),
                     f"{money(row.amount_fen)} · {what}{surcharge}")
    if row.home_from:
        grid.add_row(t("ui.services.detail.home_from"), row.home_from)
    steps = _steps(row)
    if steps:
        grid.add_row(t("ui.services.detail.progress"), steps)
    if alert is not None:
        grid.add_row(t("ui.ticket.deadline"),
                     Text(f"{alert.rule} {alert.rule_text} · {due_text(alert)}",
                          style=STYLE[alert.state]))
    elif clock_text(row):
        grid.add_row(t("ui.ticket.deadline"), "KF-022 §2.2 · " + clock_text(row, both=True))
    if row.settlement:
        grid.add_row(t("ui.services.detail.settlement"),
                     t(f"service.settle.{row.settlement}", month=row.bill_month))
    # A repair's first note line is the fault, shown with the quote above.
    note = "\n".join(row.note.splitlines()[1:]) if row.kind == "appliance_repair" else row.note
    if note.strip():
        grid.add_row(t("ui.services.detail.note"), note.strip())
    if row.details:
        grid.add_row(t("ui.services.detail.details"), row.details)
    return Group(grid)


def _steps(row: ServiceRow) -> str:
    parts = []
    for key, value in (("accepted", row.accepted_at), ("told", row.told_at),
                       ("on_site", row.on_site_at), ("done", row.done_at),
                       ("closed", row.closed_at)):
        if value is None:
            continue
        label = t(f"ui.services.step.{key}_{row.kind}") if has(
            f"ui.services.step.{key}_{row.kind}") else t(f"ui.services.step.{key}")
        text = f"{label} {hm(value)}"
        if key == "told" and row.agreed_at is not None:
            text += " " + t("ui.services.agreed", time=hm(row.agreed_at))
        parts.append(text)
    return " · ".join(parts)


# ---- the new-order form ------------------------------------------------------------------------

# The form's rows and the kinds each is shown for (None: every kind).
_ALL = None
FIELDS: list[tuple[str, tuple[str, ...] | None]] = [
    ("kind", _ALL),
    ("unit", _ALL),
    ("contact_name", _ALL),
    ("phone", _ALL),
    ("price_code", svc.LISTED_KINDS),
    ("quantity", svc.LISTED_KINDS),
    # RULES v2: the appliance repair is quoted from the repair price list, never typed; an
    # amount is typed only within a listed range, and the 附表二 surcharge picked.
    ("amount", ("cleaning", "housekeeping")),
    ("surcharge", ("cleaning",)),
    ("home_from", svc.HOME_KINDS),
    ("mode", ("booking",)),
    ("origin", ("booking",)),
    ("destination", ("booking",)),
    ("travel", ("booking",)),
    ("tickets", ("booking",)),
    ("delivery_place", ("booking",)),
    ("delivery_time", ("booking",)),
    ("fare", ("booking",)),
    ("delivery_fee", ("booking",)),
    ("note", _ALL),
]
_TEXT_FIELDS = [name for name, _ in FIELDS if name not in ("kind", "unit", "price_code", "mode")]


class ServiceForm(ModalScreen[int | None]):
    """A new service order. Enter moves on, Ctrl+S saves, Esc asks before dropping input."""

    BINDINGS: ClassVar = [
        Binding("ctrl+s", "save", "ui.key.save", id="service_form.save", priority=True),
        Binding("escape", "close", "ui.key.close", id="service_form.close"),
    ]

    def __init__(self) -> None:
        super().__init__()
        translate_bindings(self)
        self._armed_close = False
        self._unit: str | None = None  # the picked unit code
        self._unit_query = ""  # what the lookup box said when it was picked

    @property
    def _session(self) -> Session:
        return self.app.session  # type: ignore[attr-defined]

    @property
    def _lang(self) -> str:
        return self.app.lang  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        kinds = [(t(f"service.kind.{k}"), k) for k in svc.KINDS]
        modes = [(t(f"service.mode.{m}"), m) for m in svc.BOOKING_MODES]
        with Vertical(id="sf-box"):
            yield Static(t("ui.services.form.title"), id="sf-title")
            with VerticalScroll(id="sf-fields"):
                for name, _kinds in FIELDS:
                    with Horizontal(id=f"row-{name}", classes="frow"):
                        yield Static(t(f"ui.services.field.{name}"), classes="flabel",
                                     id=f"label-{name}")
                        if name == "kind":
                            yield Select(kinds, value="appliance_repair", allow_blank=False,
                                         compact=True, id="f-kind")
                        elif name == "mode":
                            yield Select(modes, value="train", allow_blank=False,
                                         compact=True, id="f-mode")
                        elif name == "price_code":
                            yield Select(self._item_options("office"), allow_blank=False,
                                         compact=True, id="f-price_code")
                        elif name == "unit":
                            with Vertical(classes="fcell"):
                                yield UnitLookup(id="f-unit", limit=8)
                                yield Static("", id="f-unit-picked", classes="hint")
                        else:
                            yield DeskInput(compact=True, id=f"f-{name}",
                                            placeholder=t(f"ui.services.hint.{name}"),
                                            value="1" if name == "tickets" else "")
                        if name == "quantity":
                            yield Static("", id="f-quantity-unit", classes="funit")
            yield Static("", id="sf-price")
            yield Static("", id="sf-clocks", classes="hint")
            yield Static("", id="sf-error", classes="error")
            yield Static(t("ui.services.form.keys"), classes="hint")

    def _item_options(self, kind: str) -> list[tuple[str, str]]:
        out = []
        for item in svc.price_items(self._session.settings, kind):
            price = money(item.price_fen)
            if item.price_max_fen is not None:
                price += f"–{money(item.price_max_fen)}"
            out.append((t("ui.services.item_option", item=item.name(self._lang), price=price,
                          unit=unit_label(item.unit)), item.code))
        return out

    def on_mount(self) -> None:
        self.query_one("#f-unit", UnitLookup).input.compact = True
        for select in self.query(Select):
            self.watch(select, "expanded", self._choice_made, init=False)
        self._kind_changed()
        self.query_one("#f-kind", Select).focus()

    def _choice_made(self, expanded: bool) -> None:
        # UX: Enter moves on. Enter on a choice opens its list; once a choice is made (the
        # list closes, focus back on the choice), the next Enter-worthy field takes focus.
        if not expanded:
            self.call_after_refresh(self._next_after_choice)

    def _next_after_choice(self) -> None:
        if isinstance(self.focused, Select):
            self.focus_next()

    def on_resize(self, event: events.Resize) -> None:
        # The fields scroll when the terminal is short (80×24 with a booking's 18 rows); the
        # lines under them (price, clocks, error, keys) stay in view.
        self.query_one("#sf-fields").styles.max_height = max(4, event.size.height - 12)

    # ---- the form's state ----------------------------------------------------------------

    @property
    def kind(self) -> str:
        value = self.query_one("#f-kind", Select).value
        return value if isinstance(value, str) else "appliance_repair"

    def _value(self, name: str) -> str:
        return self.query_one(f"#f-{name}", Input).value

    def _select(self, name: str) -> str:
        value = self.query_one(f"#f-{name}", Select).value
        return value if isinstance(value, str) else ""

    def _unit_code(self) -> str:
        typed = self.query_one("#f-unit", UnitLookup).input.value.strip()
        if self._unit and typed == self._unit_query:
            return self._unit
        return typed

    def form(self) -> svc.OrderForm:
        kind = self.kind
        item = svc.price_item(self._session.settings, self._select("price_code"))
        # A fixed list price is computed, never typed; an amount within a range is typed.
        typed_amount = (kind in svc.LISTED_KINDS and item is not None
                        and item.price_max is not None)
        return svc.OrderForm(
            kind=kind, unit=self._unit_code(), contact_name=self._value("contact_name"),
            contact_phone=self._value("phone"),
            price_code=self._select("price_code") if kind in svc.LISTED_KINDS else "",
            quantity=self._value("quantity"),
            amount=self._value("amount") if typed_amount else "",
            surcharge=self._value("surcharge") if item is not None and item.surcharge else "",
            home_from=self._value("home_from"), note=self._value("note"),
            booking=svc.BookingForm(
                mode=self._select("mode"), origin=self._value("origin"),
                destination=self._value("destination"), travel=self._value("travel"),
                tickets=self._value("tickets"), delivery_place=self._value("delivery_place"),
                delivery_time=self._value("delivery_time"), fare=self._value("fare"),
                delivery_fee=self._value("delivery_fee") or "0"),
        )

    def _typed(self) -> bool:
        if self.query_one("#f-unit", UnitLookup).input.value.strip():
            return True
        return any(self._value(n).strip() for n in _TEXT_FIELDS if n != "tickets")

    def _kind_changed(self) -> None:
        kind = self.kind
        for name, kinds in FIELDS:
            self.query_one(f"#row-{name}").display = kinds is None or kind in kinds
        if kind in svc.LISTED_KINDS:
            self.query_one("#f-price_code", Select).set_options(self._item_options(kind))
        note_label = "note_fault" if kind == "appliance_repair" else "note"
        self.query_one("#label-note", Static).update(t(f"ui.services.field.{note_label}"))
        self.query_one("#f-note", Input).placeholder = t(f"ui.services.hint.{note_label}")
        if kind == "appliance_repair":
            now = self._session.clock.now()
            clocks = svc.appliance_clocks(now, self._session.settings)
            self.query_one("#sf-clocks", Static).update(t(
                "ui.services.form.clocks", tell=hm(clocks.tell_by),
                on_site=hm(clocks.on_site_by)))
        elif kind == "booking":
            self.query_one("#sf-clocks", Static).update(t("ui.services.form.prepay_rule"))
        else:
            self.query_one("#sf-clocks", Static).update("")
        self._item_changed()

    def _item_changed(self) -> None:
        item = svc.price_item(self._session.settings, self._select("price_code"))
        listed = self.kind in svc.LISTED_KINDS
        self.query_one("#f-quantity-unit", Static).update(
            unit_label(item.unit) if item and listed else "")
        ranged = listed and item is not None and item.price_max is not None
        self.query_one("#row-amount").display = ranged
        self.query_one("#row-surcharge").display = listed and item is not None and item.surcharge
        self._show_price()

    def _show_price(self) -> None:
        price = self.query_one("#sf-price", Static)
        try:
            q = svc.quote(self.form(), self._session.settings)
        except DeskError as exc:
            hint = exc.message() if exc.key in ("service.range_amount_needed",
                                                "service.out_of_range",
                                                "service.bad_surcharge") else ""
            price.update(Text(t("ui.services.form.no_price") + (f" · {hint}" if hint else ""),
                              style="dim"))
            return
        if self.kind == "booking":
            text = t("ui.services.form.prepay", amount=money(q.amount_fen),
                     fare=money(q.fare_fen), fee=money(q.delivery_fee_fen))
        elif q.unit_price_fen is not None:
            item = svc.price_item(self._session.settings, q.price_code)
            text = t("ui.services.form.listed", amount=money(q.amount_fen),
                     n=quantity_text(q.quantity_centi), unit=unit_label(item.unit if item else ""),
                     price=money(q.unit_price_fen))
        elif q.low_fen is not None:
            text = t("ui.services.form.ranged", amount=money(q.amount_fen),
                     low=money(q.low_fen), high=money(q.high_fen or 0))
        else:
            text = t("ui.services.form.quoted", amount=money(q.amount_fen))
        if q.surcharge_pct:  # KF-022 附表二 (RULES v2): the rate picked, shown with the price
            text += " · " + t("ui.services.surcharged", pct=q.surcharge_pct)
        price.update(Text(text, style="bold"))

    # ---- events ---------------------------------------------------------------------------

    @on(Select.Changed, "#f-kind")
    def _on_kind(self) -> None:
        self._kind_changed()

    @on(Select.Changed, "#f-price_code")
    def _on_item(self) -> None:
        self._item_changed()

    @on(Input.Changed)
    def _on_typed(self, event: Input.Changed) -> None:
        self._armed_close = False
        event.input.remove_class("-invalid")
        self._show_price()

    @on(Input.Submitted)
    def _on_enter(self, event: Input.Submitted) -> None:
        # UX: Enter moves to the next field (the unit box's Enter picks the unit instead).
        event.stop()
        self.focus_next()

    @on(UnitLookup.Picked, "#f-unit")
    def _picked(self, event: UnitLookup.Picked) -> None:
        event.lookup.close()
        self._unit = event.code
        self._unit_query = event.lookup.input.value.strip()
        hits = views.search_units(event.code, limit=1)
        owner = hits[0].owner.split("、")[0] if hits else ""
        picked = self.query_one("#f-unit-picked", Static)
        picked.update(t("ui.services.form.picked", code=event.code, owner=owner or "—"))
        picked.add_class("-picked")
        name = self.query_one("#f-contact_name", Input)
        if not name.value.strip() and owner:
            name.value = owner
        self.query_one("#f-contact_name", Input).focus()

    def action_save(self) -> None:
        session = self._session
        error = self.query_one("#sf-error", Static)
        try:
            order = svc.create_order(self.form(), session.staff, session.clock, session.settings)
        except DeskError as exc:
            error.update(exc.message())  # in place; nothing was saved
            self._mark(exc.field)
            return
        self.dismiss(order.id)

    def _mark(self, field_name: str | None) -> None:
        if not field_name:
            return
        if field_name == "unit":
            widget = self.query_one("#f-unit", UnitLookup).input
        else:
            found = self.query(f"#f-{field_name}")
            if not found:
                return
            widget = found.first()
        widget.add_class("-invalid")
        widget.focus()

    def action_close(self) -> None:
        if self._typed() and not self._armed_close:
            self._armed_close = True
            self.query_one("#sf-error", Static).update(t("ui.services.form.unsaved"))
            return
        self.dismiss(None)


# ---- telling the resident of a delay ----------------------------------------------------------


class TellForm(ModalScreen[bool]):
    """KF-022 §2.2: the resident is told why the technician is late, and a new time agreed."""

    BINDINGS: ClassVar = [
        Binding("ctrl+s", "save", "ui.key.save", id="tell_form.save", priority=True),
        Binding("escape", "close", "ui.key.close", id="tell_form.close"),
    ]

    def __init__(self, row: ServiceRow) -> None:
        super().__init__()
        translate_bindings(self)
        self._row = row
        self._armed_close = False

    def compose(self) -> ComposeResult:
        r = self._row
        with Vertical(id="tell-box", classes="small-form"):
            yield Static(t("ui.services.tell.title", ref=r.ref), classes="form-title")
            yield Static(t("ui.services.tell.about", unit=r.unit or "—", contact=r.contact,
                           phone=r.phone, due=clock_text(r, both=True) or "—"))
            with Horizontal(classes="frow"):
                yield Static(t("ui.services.field.agreed"), classes="flabel")
                yield DeskInput(compact=True, id="f-agreed",
                                placeholder=t("ui.services.hint.agreed"))
            with Horizontal(classes="frow"):
                yield Static(t("ui.services.field.reason"), classes="flabel")
                yield DeskInput(compact=True, id="f-reason",
                                placeholder=t("ui.services.hint.reason"))
            yield Static("", id="tell-error", classes="error")
            yield Static(t("ui.services.tell.keys"), classes="hint")

    def on_mount(self) -> None:
        self.query_one("#f-agreed", Input).focus()

    @on(Input.Changed)
    def _typed(self) -> None:
        self._armed_close = False

    @on(Input.Submitted, "#f-agreed")
    def _next(self) -> None:
        self.query_one("#f-reason", Input).focus()

    @on(Input.Submitted, "#f-reason")
    def _submit(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        app = self.app
        session = app.session  # type: ignore[attr-defined]
        error = self.query_one("#tell-error", Static)
        try:
            agreed: datetime = svc.parse_time(self.query_one("#f-agreed", Input).value,
                                              session.clock.now(), session.settings.zone)
            svc.tell(self._row.id, agreed, session.staff, session.clock, session.settings,
                     reason=self.query_one("#f-reason", Input).value)
        except DeskError as exc:
            error.update(exc.message())
            if exc.field in ("agreed", "reason"):
                self.query_one(f"#f-{exc.field}", Input).focus()
            return
        self.dismiss(True)

    def action_close(self) -> None:
        typed = any(i.value.strip() for i in self.query(Input))
        if typed and not self._armed_close:
            self._armed_close = True
            self.query_one("#tell-error", Static).update(t("ui.services.form.unsaved"))
            return
        self.dismiss(False)


class ArrivalForm(ModalScreen[bool]):
    """KF-022 §2.2 (RULES v2): engineering's arrival time; within the 30 minutes it stops
    the 15-minute clock (``svc.record_arrival``); later, the service refuses and says t."""

    BINDINGS: ClassVar = [
        Binding("ctrl+s", "save", "ui.key.save", id="arrival_form.save", priority=True),
        Binding("escape", "close", "ui.key.close", id="arrival_form.close"),
    ]

    def __init__(self, row: ServiceRow) -> None:
        super().__init__()
        translate_bindings(self)
        self._row = row

    def compose(self) -> ComposeResult:
        r = self._row
        settings = self.app.session.settings  # type: ignore[attr-defined]
        latest = (r.accepted_at or r.requested_at) + timedelta(
            minutes=int(settings.clocks["appliance_on_site_minutes"]))
        with Vertical(id="tell-box", classes="small-form"):
            yield Static(t("ui.services.arrival.title", ref=r.ref), classes="form-title")
            yield Static(t("ui.services.arrival.about", latest=hm(latest)))
            with Horizontal(classes="frow"):
                yield Static(t("ui.services.arrival.field"), classes="flabel")
                yield DeskInput(compact=True, id="f-arrival",
                                placeholder=t("ui.services.arrival.hint"))
            yield Static("", id="arrival-error", classes="error")
            yield Static(t("ui.services.arrival.keys"), classes="hint")

    def on_mount(self) -> None:
        self.query_one("#f-arrival", Input).focus()

    @on(Input.Submitted, "#f-arrival")
    def _submit(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        session = self.app.session  # type: ignore[attr-defined]
        try:
            arrival: datetime = svc.parse_time(self.query_one("#f-arrival", Input).value,
                                               session.clock.now(), session.settings.zone,
                                               "arrival")
            svc.record_arrival(self._row.id, arrival, session.staff, session.clock,
                               session.settings)
        except DeskError as exc:
            self.query_one("#arrival-error", Static).update(exc.message())
            return
        self.dismiss(True)

    def action_close(self) -> None:
        self.dismiss(False)


# ---- close-out with settlement -----------------------------------------------------------------


class SettleForm(ModalScreen[bool]):
    """消项 with the settlement choice (KF-015 §6.2.1); choosing is the confirmation."""

    BINDINGS: ClassVar = [
        Binding("escape", "close", "ui.key.close", id="settle_form.close"),
    ]

    def __init__(self, row: ServiceRow) -> None:
        super().__init__()
        translate_bindings(self)
        self._row = row

    def compose(self) -> ComposeResult:
        r = self._row
        month = self.app.session.clock.now().astimezone(  # type: ignore[attr-defined]
            self.app.session.settings.zone).strftime("%Y-%m")  # type: ignore[attr-defined]
        if r.kind == "booking":
            options = [Option(t("ui.services.settle.prepaid", amount=money(r.prepay_fen)),
                              id="cashier")]
        elif r.amount_fen == 0:
            options = [Option(t("ui.services.settle.free"), id="cashier")]
        else:
            options = [
                Option(t("ui.services.settle.cashier", amount=money(r.amount_fen)), id="cashier"),
                Option(t("ui.services.settle.bill", amount=money(r.amount_fen), month=month)
                       if r.unit else t("ui.services.settle.bill_no_unit"),
                       id="bill", disabled=not r.unit),
            ]
        with Vertical(id="settle-box", classes="small-form"):
            yield Static(t("ui.services.settle.title", ref=r.ref), classes="form-title")
            who = " ".join(p for p in (r.unit or t("ui.services.walk_in"), r.contact) if p)
            yield Static(t("ui.services.settle.about", kind=t(f"service.kind.{r.kind}"),
                           who=who, amount=money(r.amount_fen)))
            if r.kind == "appliance_repair":
                # The work may have cost other than quoted: the amount charged, with a reason.
                with Horizontal(classes="frow"):
                    yield Static(t("ui.services.field.final_amount"), classes="flabel")
                    yield DeskInput(svc_yuan(r.amount_fen), compact=True, id="f-amount")
                with Horizontal(classes="frow"):
                    yield Static(t("ui.services.field.reason"), classes="flabel")
                    yield DeskInput(compact=True, id="f-reason",
                                    placeholder=t("ui.services.settle.reason_eg"))
            yield OptionList(*options, id="settle-choice")
            yield Static("", id="settle-error", classes="error")
            yield Static(t("ui.services.settle.keys_amount" if r.kind == "appliance_repair"
                           else "ui.services.settle.keys"), classes="hint")

    def on_mount(self) -> None:
        self.query_one("#settle-choice", OptionList).focus()

    def _typed(self, name: str) -> str:
        found = self.query(f"#f-{name}")
        return found.first(Input).value if found else ""

    @on(Input.Changed, "#f-amount")
    def _amount_changed(self) -> None:
        # The choices say the amount that will be charged: the corrected one once typed.
        try:
            fen = svc.parse_yuan(self._typed("amount"), "amount")
        except DeskError:
            return
        month = self.app.session.clock.now().astimezone(  # type: ignore[attr-defined]
            self.app.session.settings.zone).strftime("%Y-%m")  # type: ignore[attr-defined]
        choice = self.query_one("#settle-choice", OptionList)
        choice.replace_option_prompt("cashier", t("ui.services.settle.cashier",
                                                  amount=money(fen)))
        if self._row.unit:
            choice.replace_option_prompt("bill", t("ui.services.settle.bill",
                                                   amount=money(fen), month=month))

    @on(Input.Submitted, "#f-amount")
    def _to_reason(self) -> None:
        self.query_one("#f-reason", Input).focus()

    @on(Input.Submitted, "#f-reason")
    def _to_choice(self) -> None:
        self.query_one("#settle-choice", OptionList).focus()

    @on(OptionList.OptionSelected, "#settle-choice")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        session = self.app.session  # type: ignore[attr-defined]
        try:
            svc.close_out(self._row.id, event.option.id or "cashier", session.staff,
                          session.clock, session.settings, amount=self._typed("amount"),
                          reason=self._typed("reason"))
        except DeskError as exc:
            self.query_one("#settle-error", Static).update(exc.message())
            if exc.field in ("amount", "reason") and self.query(f"#f-{exc.field}"):
                self.query_one(f"#f-{exc.field}", Input).focus()
            return
        self.dismiss(True)

    def action_close(self) -> None:
        self.dismiss(False)

