"""KF-022 paid convenience services at the counter, and their settlement (KF-015 §6.2.1).

One ``ServiceOrder`` per request, of one of these kinds (the model's ``SERVICE_KINDS``):

- ``appliance_repair`` 小家电维修 (KF-022 §2): unit, name, phone and an item of the office's
  repair price list (维修服务价目表, ``[[repair_prices]]``) with a quantity — RULES v2: the
  quote comes from the list, it is never typed. The
  resident accepts (``accept``) → the KF-022 §2.2 clocks start: tell the resident within 15
  minutes if the technician cannot be there within 30, and agree a new time (``tell``);
  ``on_site`` stops them; ``done``; ``close_out``.
- ``cleaning`` 私人区域清洁 and ``housekeeping`` 家政 (KF-022 §1): unit, name, phone, when the
  resident is home, an item of the cleaning or housekeeping part of the price list with a
  quantity; ``accept`` records that the cleaning company was contacted and took the job
  (KF-022 §1.2), then ``on_site``, ``done``, ``close_out``.
- ``booking`` 代订机票/火车票 (KF-022 §3): the record form's details (flight or train, from, to,
  when, tickets, delivery place and time) and the fare and delivery fee, which the resident
  pays *before* the booking (§3.3): the order creates that prepayment as a ``Charge`` to be paid
  at the cashier, and ``book`` is refused until it is paid in full; then ``done`` (tickets
  delivered) and ``close_out`` (nothing more to charge).
- ``office`` 打字/复印/传真 (KF-022 §6): an item of the typing/copying/fax list and a number of
  pages; amount = price × pages to the fen; done on the spot, then ``close_out``.

Close-out settles the amount as a ``Charge`` on the unit (KF-015 §6.2.1): ``"cashier"`` — paid
now at the cashier, who issues the receipt; ``"bill"`` — added to this month's fee bill (office
zone month), which needs a unit: a walk-in without one can only pay on the spot.

Each write validates first (a refusal changes nothing), runs in one transaction, appends an
audit event naming the actor, and re-syncs the order's clocks (``sync_service_orders``).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from ..clock import Clock, parse_counter_time
from ..config import Settings
from ..i18n import t
from ..ids import normalize_phone
from ..models import Charge, ServiceOrder, Staff, Unit
from ..money import fmt, to_fen
from ..rules.context import RuleContext
from ..rules.sync import service_order_wants, sync_service_orders
from .base import DeskError, Tr, audit, require_role, transaction
from .inputs import amount_in

WRITE_ROLES = ("clerk", "supervisor", "manager")
# The order the counter offers them in: the one with clocks first.
KINDS = ("appliance_repair", "cleaning", "housekeeping", "booking", "office")
# Priced from the KF-022 list (the appliance repair from the repair price list, RULES v2).
LISTED_KINDS = ("appliance_repair", "cleaning", "housekeeping", "office")
HOME_KINDS = ("cleaning", "housekeeping")  # KF-022 §1.1: when the resident is home
SITE_KINDS = ("appliance_repair", "cleaning", "housekeeping")  # someone goes to the unit
SETTLEMENTS = ("cashier", "bill")
BOOKING_MODES = ("train", "flight")
CHARGE_KIND = "service"  # Charge.kind of every amount a service order settles

# Which part of the KF-022 price list each kind quotes from. An item the office adds to the
# list in its settings may say so itself (``kind = "cleaning"`` or a list of kinds).
PRICE_PARTS: dict[str, tuple[str, ...]] = {
    # The repair price list's appliance lines first (the rest of that list follows).
    "appliance_repair": ("appliance_fix", "hood_service"),
    "office": ("type_a4", "type_a3", "copy_a4", "copy_a3", "fax_local", "fax_long"),
    # RULES v2 (KF-022 附表三): home cleaning by flat type, office cleaning a visit ≤ 100 m².
    "cleaning": ("floor_clean", "floor_pvc", "marble_artificial", "home_1r", "home_2r",
                 "home_3r", "home_3r2b", "home_3r2h", "home_duplex", "office_clean",
                 "cleaner_single"),
    "housekeeping": ("housekeeping_single", "housekeeping_weekly", "housekeeping_frequent",
                     "cleaner_single"),
}
# Counted units: a page, a job, an item is whole; hours and square metres may be fractional.
WHOLE_UNITS = ("page", "item", "job", "each", "visit")
MAX_QUANTITY = Decimal(100_000)
MAX_SERVICE_FEN = 100_000_000  # a million yuan: no convenience service comes near it
_PLAIN_QUANTITY = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")  # ASCII digits, one point
MAX_TICKETS = 50
HOME_FROM_MAX = 32  # ServiceOrder.home_from
NAME_MAX = 64
TEXT_MAX = 64  # a booking detail field


def order_ref(order_id: int) -> str:
    """The number a clerk reads and says: ``S-000123`` (as the deadline rows carry it)."""
    return f"S-{order_id:06d}"


# --- the price list ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PriceItem:
    """One line of the KF-022 price list (``[[services]]`` in the settings)."""

    code: str
    name_zh: str
    name_en: str
    unit: str  # page | item | hour | m2 | job | 100m2 …
    price: Decimal  # yuan per unit
    price_max: Decimal | None = None  # a range: the quote must lie within it
    kinds: tuple[str, ...] = ()
    # KF-022 附表二 (RULES v2): a heavily soiled item not professionally cleaned for over a
    # year may be charged 20–30 % above the base; the clerk picks the rate.
    surcharge: bool = False

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en

    @property
    def price_fen(self) -> int:
        return to_fen(self.price)

    @property
    def price_max_fen(self) -> int | None:
        return to_fen(self.price_max) if self.price_max is not None else None


def _item_kinds(raw: dict[str, Any]) -> tuple[str, ...]:
    own = raw.get("kind")
    if isinstance(own, str):
        return (own,)
    if isinstance(own, list):
        return tuple(k for k in own if isinstance(k, str))
    return tuple(k for k, codes in PRICE_PARTS.items() if raw["code"] in codes)


def price_list(settings: Settings) -> list[PriceItem]:
    """The whole list in the settings' order (the lost-umbrella fee too: it has no kind),
    then the repair price list, which the appliance repair quotes from (KF-022 §2.1 参照维修
    服务价目表, RULES v2)."""
    items = []
    for raw in settings.data["services"]:
        high = raw.get("price_max")
        items.append(PriceItem(
            code=raw["code"], name_zh=raw["name_zh"], name_en=raw["name_en"], unit=raw["unit"],
            price=Decimal(raw["price"]), price_max=Decimal(high) if high is not None else None,
            kinds=_item_kinds(raw), surcharge=raw.get("surcharge") is True,
        ))
    for raw in settings.data["repair_prices"]:
        high = raw.get("price_max")
        items.append(PriceItem(
            code=raw["code"], name_zh=raw["name_zh"], name_en=raw["name_en"], unit=raw["unit"],
            price=Decimal(raw["price"]), price_max=Decimal(high) if high is not None else None,
            kinds=("appliance_repair",),
        ))
    return items


def price_items(settings: Settings, kind: str) -> list[PriceItem]:
    """The part of the list a kind of service quotes from (empty for repair and booking),
    in the order of that part of the procedure's tables, then the office's own items."""
    part = PRICE_PARTS.get(kind, ())
    items = [item for item in price_list(settings) if kind in item.kinds]
    return sorted(items, key=lambda i: part.index(i.code) if i.code in part else len(part))


def price_item(settings: Settings, code: str) -> PriceItem | None:
    return next((item for item in price_list(settings) if item.code == code), None)


# --- what the clerk typed ---------------------------------------------------------------------


@dataclass(frozen=True)
class BookingForm:
    """KF-022 §3.2 代购机票火车票记录表, as typed (fare and fee in yuan)."""

    mode: str = "train"  # train | flight
    origin: str = ""
    destination: str = ""
    travel: str = ""  # date and time of travel, as the resident says it ("10-15 08:30 G6021")
    tickets: str = "1"
    delivery_place: str = ""
    delivery_time: str = ""
    fare: str = ""  # the total fare the booking office quoted, all tickets
    delivery_fee: str = "0"


@dataclass(frozen=True)
class OrderForm:
    """A new service order as typed at the counter: strings, checked by ``quote``/``create``."""

    kind: str
    unit: str = ""  # unit code "3-1-502"; empty for a walk-in (typing/copying/fax only)
    contact_name: str = ""
    contact_phone: str = ""
    price_code: str = ""
    quantity: str = ""
    amount: str = ""  # yuan: the agreed amount for a price range
    surcharge: str = ""  # percent above the base (KF-022 附表二: 20–30), "" for none
    home_from: str = ""
    note: str = ""
    booking: BookingForm = field(default_factory=BookingForm)


class Quote(NamedTuple):
    """What the order will cost, before it is saved (the form shows it live)."""

    amount_fen: int
    price_code: str
    quantity_centi: int
    unit_price_fen: int | None  # fixed list price per unit
    low_fen: int | None  # a price range, times the quantity
    high_fen: int | None
    fare_fen: int = 0  # booking: the prepayment is fare + delivery fee
    delivery_fee_fen: int = 0
    surcharge_pct: int = 0  # the rate above the base the clerk picked (RULES v2)


def _norm(text: str) -> str:
    # NFKC: a Chinese input method may type full-width digits, "：" and "．".
    return unicodedata.normalize("NFKC", text or "").strip()


def parse_yuan(text: str, field_name: str, *, zero_ok: bool = False) -> int:
    """An amount typed in yuan (``45``, ``1,286.40``, ``¥8``) to fen: the one reading of every
    money field (``inputs.amount_in``, issue 17), up to a million yuan."""
    return amount_in(text, field_name, zero_ok=zero_ok, max_fen=MAX_SERVICE_FEN)


def parse_quantity(text: str, item: PriceItem) -> int:
    """A quantity of the item's unit, in hundredths (3 pages → 300; 85.37 m² → 8537)."""
    raw = _norm(text)
    if not raw:
        raise DeskError("service.quantity_needed", field="quantity")
    if not _PLAIN_QUANTITY.fullmatch(raw):  # Decimal would read 1e3 and ١٢ (issue 17)
        raise DeskError("service.bad_quantity", field="quantity", text=text.strip()[:24])
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise DeskError("service.bad_quantity", field="quantity", text=text.strip())
    if not value.is_finite() or value <= 0 or value > MAX_QUANTITY:
        raise DeskError("service.bad_quantity", field="quantity", text=text.strip())
    if item.unit in WHOLE_UNITS and value != value.to_integral_value():
        raise DeskError("service.whole_quantity", field="quantity",
                        unit=Tr(f"service.unit.{item.unit}"))
    if value.as_tuple().exponent < -2:  # type: ignore[operator]
        raise DeskError("service.bad_quantity", field="quantity", text=text.strip())
    return int(value * 100)


def _times(fen: int, quantity_centi: int) -> int:
    # Exact: a price in fen times a quantity in hundredths, half up at the fen (1.5 × 85.37).
    return to_fen(Decimal(fen) * Decimal(quantity_centi) / Decimal(10_000))


def surcharge_range(settings: Settings) -> tuple[int, int]:
    """KF-022 附表二: the surcharge's lowest and highest rate in percent (20, 30)."""
    rules = settings.data["service_rules"]
    return int(rules["surcharge_min_pct"]), int(rules["surcharge_max_pct"])


def parse_surcharge(text: str, item: PriceItem, settings: Settings) -> int:
    """The surcharge rate the clerk picked, in percent; 0 when none. Only an item the list
    marks (``surcharge = true``: the floor and surface cleaning of 附表二) may carry one, and
    only within the range (RULES v2: 20–30 %)."""
    raw = _norm(text).removesuffix("%").strip()
    if not raw or raw == "0":
        return 0
    if not item.surcharge:
        raise DeskError("service.no_surcharge", field="surcharge")
    low, high = surcharge_range(settings)
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise DeskError("service.bad_surcharge", field="surcharge", low=low, high=high,
                        text=text.strip())
    return int(raw)


def _raise(fen: int, pct: int) -> int:
    # Exact, half up at the fen: 1.5 × 85.37 m² × 125 %.
    return fen if pct == 0 else to_fen(Decimal(fen) * (100 + pct) / Decimal(10_000))


def quote(form: OrderForm, settings: Settings) -> Quote:
    """The amount of ``form`` by the KF-022 price list; ``DeskError`` names the bad field.

    Reads nothing from the store: the new-order form calls it on every keystroke.
    """
    kind = form.kind
    if kind not in KINDS:
        raise DeskError("service.bad_kind", field="kind", kind=kind)
    if kind == "booking":
        b = form.booking
        fare = parse_yuan(b.fare, "fare")
        fee = parse_yuan(b.delivery_fee or "0", "delivery_fee", zero_ok=True)
        return Quote(fare + fee, "", 100, None, None, None, fare, fee)
    code = form.price_code.strip()
    if not code:
        raise DeskError("service.item_needed", field="price_code")
    item = price_item(settings, code)
    if item is None or kind not in item.kinds:
        raise DeskError("service.bad_item", field="price_code", code=code,
                        kind=Tr(f"service.kind.{kind}"))
    quantity = parse_quantity(form.quantity, item)
    pct = parse_surcharge(form.surcharge, item, settings)
    listed = _raise(_times(item.price_fen, quantity), pct)
    high_unit = item.price_max_fen
    if high_unit is None:
        if form.amount.strip():
            typed = parse_yuan(form.amount, "amount")
            if typed != listed:
                # A listed price is the price: the clerk does not haggle over a photocopy.
                raise DeskError("service.amount_is_listed", field="amount",
                                amount=fmt(listed))
        return Quote(listed, code, quantity, item.price_fen, None, None, surcharge_pct=pct)
    high = _raise(_times(high_unit, quantity), pct)
    if not form.amount.strip():
        raise DeskError("service.range_amount_needed", field="amount", low=fmt(listed),
                        high=fmt(high))
    amount = parse_yuan(form.amount, "amount")
    if not listed <= amount <= high:
        raise DeskError("service.out_of_range", field="amount", amount=fmt(amount),
                        low=fmt(listed), high=fmt(high))
    return Quote(amount, code, quantity, None, listed, high, surcharge_pct=pct)


def _text(value: str, field_name: str, limit: int, *, needed: bool) -> str:
    text = " ".join(_norm(value).split())
    if needed and not text:
        raise DeskError(f"service.{field_name}_needed", field=field_name)
    if len(text) > limit:
        raise DeskError("service.too_long", field=field_name, limit=limit)
    return text


def _booking_details(b: BookingForm, q: Quote) -> dict[str, Any]:
    if b.mode not in BOOKING_MODES:
        raise DeskError("service.bad_mode", field="mode")
    origin = _text(b.origin, "origin", TEXT_MAX, needed=True)
    destination = _text(b.destination, "destination", TEXT_MAX, needed=True)
    travel = _text(b.travel, "travel", TEXT_MAX, needed=True)
    raw = _norm(b.tickets)
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_TICKETS:
        raise DeskError("service.bad_tickets", field="tickets", most=MAX_TICKETS)
    place = _text(b.delivery_place, "delivery_place", TEXT_MAX, needed=True)
    when = _text(b.delivery_time, "delivery_time", TEXT_MAX, needed=False)
    return {"mode": b.mode, "from": origin, "to": destination, "travel": travel,
            "tickets": int(raw), "delivery_place": place, "delivery_time": when,
            "fare_fen": q.fare_fen, "delivery_fee_fen": q.delivery_fee_fen}


class _Who(NamedTuple):
    unit: Unit | None
    contact_name: str
    contact_phone: str


def _check_who(form: OrderForm) -> _Who:
    """Unit, name and phone: the form's first fields, so their errors come first."""
    kind = form.kind
    unit = None
    code = _norm(form.unit)
    if code:
        unit = Unit.get_or_none(Unit.code == code)
        if unit is None:
            raise DeskError("service.no_unit", field="unit", code=code)
    elif kind != "office":
        # KF-022 §1.1, §2.1, §3.2: record the unit number (only typing/copying serves walk-ins).
        raise DeskError("service.unit_needed", field="unit")
    walk_in = kind == "office"
    name = _text(form.contact_name, "contact_name", NAME_MAX, needed=not walk_in)
    phone = ""
    if form.contact_phone.strip() or not walk_in:
        if not form.contact_phone.strip():
            raise DeskError("service.phone_needed", field="phone")
        phone = normalize_phone(_norm(form.contact_phone))
        if not phone:
            raise DeskError("service.bad_phone", field="phone", text=form.contact_phone.strip())
    return _Who(unit, name, phone)


class _Rest(NamedTuple):
    home_from: str
    note: str
    details: dict[str, Any] | None


def _check_rest(form: OrderForm, q: Quote) -> _Rest:
    kind = form.kind
    home = _text(form.home_from, "home_from", HOME_FROM_MAX, needed=kind in HOME_KINDS)
    note = (form.note or "").strip()
    if len(note) > 500:
        raise DeskError("service.too_long", field="note", limit=500)
    details = _booking_details(form.booking, q) if kind == "booking" else None
    return _Rest(home if kind in HOME_KINDS else "", note, details)


def _ctx(settings: Settings) -> RuleContext:
    return RuleContext.from_store(settings)


def _month(now: datetime, zone: tzinfo) -> str:
    return now.astimezone(zone).strftime("%Y-%m")


def _kind_name(kind: str, settings: Settings) -> str:
    # Charges are records, written in the office's language whatever the clerk's screen.
    return t(f"service.kind.{kind}", lang=settings.language)


def _charge_text(order: ServiceOrder, settings: Settings) -> str:
    item = price_item(settings, order.price_code) if order.price_code else None
    what = item.name(settings.language) if item else _kind_name(order.kind, settings)
    return t("service.charge_text", lang=settings.language, what=what,
             ref=order_ref(order.id))[:128]


def create_order(form: OrderForm, actor: Staff, clock: Clock, settings: Settings) -> ServiceOrder:
    """Record a service order (KF-022); a booking also creates its prepayment charge (§3.3)."""
    require_role(actor, WRITE_ROLES, "service.create")
    if form.kind not in KINDS:
        raise DeskError("service.bad_kind", field="kind", kind=form.kind)
    who = _check_who(form)
    q = quote(form, settings)
    rest = _check_rest(form, q)
    now = clock.now()
    with transaction():
        order = ServiceOrder.create(
            unit=who.unit, kind=form.kind, price_code=q.price_code,
            quantity_centi=q.quantity_centi, amount_fen=q.amount_fen, requested_at=now,
            surcharge_pct=q.surcharge_pct,
            taken_by=actor, contact_name=who.contact_name,
            contact_phone=who.contact_phone, home_from=rest.home_from,
            note=rest.note,
            details=json.dumps(rest.details, ensure_ascii=False) if rest.details else "",
            # KF-022 §6: typing, copying and fax are done while the resident waits.
            done_at=now if form.kind == "office" else None,
        )
        prepay = None
        if form.kind == "booking":
            # KF-022 §3.3: fare and delivery fee are paid at the counter before we book.
            prepay = Charge.create(
                unit=who.unit, kind=CHARGE_KIND, amount_fen=q.amount_fen, created_at=now,
                created_by=actor, with_bill_month="", service_order=order,
                description=t("service.prepay_text", lang=settings.language,
                              what=_kind_name("booking", settings), ref=order_ref(order.id)),
            )
        audit(actor, clock, "service.create", order, kind=form.kind, ref=order_ref(order.id),
              unit=who.unit.code if who.unit else "", amount_fen=q.amount_fen,
              price_code=q.price_code, quantity_centi=q.quantity_centi,
              surcharge_pct=q.surcharge_pct, prepay_charge=prepay.id if prepay else None)
        sync_service_orders([order], _ctx(settings))
    return order


# --- the steps ----------------------------------------------------------------------------------


def _open(order_id: int) -> ServiceOrder:
    order = ServiceOrder.get_or_none(ServiceOrder.id == order_id)
    if order is None:
        raise DeskError("service.not_found", ref=order_ref(order_id))
    if order.cancelled_at is not None:
        raise DeskError("service.cancelled", ref=order_ref(order.id))
    if order.closed_at is not None:
        raise DeskError("service.closed", ref=order_ref(order.id))
    return order


def _refuse_kind(order: ServiceOrder, step: str) -> DeskError:
    return DeskError("service.not_for_kind", ref=order_ref(order.id),
                     kind=Tr(f"service.kind.{order.kind}"), step=Tr(f"action.service.{step}"))


def prepayment(order: ServiceOrder) -> Charge | None:
    """The booking's prepayment charge (KF-022 §3.3), if it has one."""
    return (Charge.select().where(Charge.service_order == order)
            .order_by(Charge.id).first())


def _step(order_id: int, action: str, actor: Staff, clock: Clock, settings: Settings,
          check: Callable[[ServiceOrder, datetime], dict[str, Any]],
          **detail: Any) -> ServiceOrder:
    """One step on an open order: ``check`` refuses or returns the fields to set."""
    require_role(actor, WRITE_ROLES, action)
    now = clock.now()
    with transaction():
        order = _open(order_id)
        updates = check(order, now)
        for name, value in updates.items():
            setattr(order, name, value)
        order.save()
        audit(actor, clock, action, order, ref=order_ref(order.id), **updates, **detail)
        sync_service_orders([order], _ctx(settings))
    return order


def accept(order_id: int, actor: Staff, clock: Clock, settings: Settings) -> ServiceOrder:
    """The job is on: appliance repair — the resident accepted the quote, which starts the
    KF-022 §2.2 clocks; cleaning/housekeeping — the cleaning company was contacted (§1.2)."""

    def check(order: ServiceOrder, now: datetime) -> dict[str, Any]:
        if order.kind == "booking":
            raise DeskError("service.use_book", ref=order_ref(order.id))
        if order.kind not in SITE_KINDS:
            raise _refuse_kind(order, "accept")
        if order.accepted_at is not None:
            raise DeskError("service.already_accepted", ref=order_ref(order.id))
        return {"accepted_at": now}

    return _step(order_id, "service.accept", actor, clock, settings, check)


def tell(order_id: int, agreed_at: datetime, actor: Staff, clock: Clock, settings: Settings,
         reason: str = "") -> ServiceOrder:
    """KF-022 §2.2: the resident was told why the technician cannot come within 30 minutes,
    and a new time was agreed; the on-site clock then runs to that time."""
    if agreed_at.tzinfo is None:
        raise ValueError("agreed_at must be timezone-aware")
    reason = " ".join((reason or "").split())
    if len(reason) > 200:
        raise DeskError("service.too_long", field="reason", limit=200)

    def check(order: ServiceOrder, now: datetime) -> dict[str, Any]:
        if order.kind != "appliance_repair":
            raise _refuse_kind(order, "tell")
        if order.accepted_at is None:
            raise DeskError("service.not_accepted", ref=order_ref(order.id))
        if order.on_site_at is not None:
            raise DeskError("service.already_on_site", ref=order_ref(order.id))
        if agreed_at <= now:
            raise DeskError("service.agreed_in_past", field="agreed")
        updates: dict[str, Any] = {"agreed_at": agreed_at}
        if order.told_at is None:  # a second delay moves the time; the first told stops §2.2
            updates["told_at"] = now
        if reason:
            stamp = now.astimezone(settings.zone).strftime("%H:%M")
            line = t("service.told_note", lang=settings.language, at=stamp, reason=reason)
            updates["note"] = f"{order.note}\n{line}".strip()
        return updates

    return _step(order_id, "service.tell", actor, clock, settings, check, reason=reason)


def record_arrival(order_id: int, arrival_at: datetime, actor: Staff, clock: Clock,
                   settings: Settings) -> ServiceOrder:
    """KF-022 §2.2 (RULES v2): engineering said when its technician will be there. Within the
    30 minutes of acceptance, the 15-minute "tell the resident" clock stops — it applies only
    when the 30 minutes cannot be met. A later time cannot be recorded here: the resident is
    then told why and a new time agreed (``tell``)."""
    if arrival_at.tzinfo is None:
        raise ValueError("arrival_at must be timezone-aware")

    def check(order: ServiceOrder, now: datetime) -> dict[str, Any]:
        if order.kind != "appliance_repair":
            raise _refuse_kind(order, "arrival")
        if order.accepted_at is None:
            raise DeskError("service.not_accepted", ref=order_ref(order.id))
        if order.on_site_at is not None:
            raise DeskError("service.already_on_site", ref=order_ref(order.id))
        if order.told_at is not None:
            raise DeskError("service.arrival_after_told", ref=order_ref(order.id))
        if arrival_at < now:
            raise DeskError("service.arrival_in_past", field="arrival")
        latest = order.accepted_at + timedelta(
            minutes=int(settings.clocks["appliance_on_site_minutes"]))
        if arrival_at > latest:
            raise DeskError("service.arrival_late", field="arrival",
                            latest=latest.astimezone(settings.zone).strftime("%H:%M"))
        return {"arrival_at": arrival_at, "arrival_known_at": now}

    return _step(order_id, "service.arrival", actor, clock, settings, check)


def on_site(order_id: int, actor: Staff, clock: Clock, settings: Settings) -> ServiceOrder:
    """The technician or cleaner is at the unit (stops both KF-022 §2.2 clocks)."""

    def check(order: ServiceOrder, now: datetime) -> dict[str, Any]:
        if order.kind not in SITE_KINDS:
            raise _refuse_kind(order, "on_site")
        if order.accepted_at is None:
            raise DeskError("service.not_accepted", ref=order_ref(order.id))
        if order.on_site_at is not None:
            raise DeskError("service.already_on_site", ref=order_ref(order.id))
        return {"on_site_at": now}

    return _step(order_id, "service.on_site", actor, clock, settings, check)


def book(order_id: int, actor: Staff, clock: Clock, settings: Settings,
         reference: str = "") -> ServiceOrder:
    """KF-022 §3.3: book the tickets — refused while the fare and delivery fee are unpaid."""
    reference = " ".join((reference or "").split())[:TEXT_MAX]

    def check(order: ServiceOrder, now: datetime) -> dict[str, Any]:
        if order.kind != "booking":
            raise _refuse_kind(order, "book")
        if order.accepted_at is not None:
            raise DeskError("service.already_booked", ref=order_ref(order.id))
        charge = prepayment(order)
        due = charge.amount_fen if charge else order.amount_fen
        paid = charge.paid_fen if charge else 0
        if paid < due:
            raise DeskError("service.prepay_first", ref=order_ref(order.id), amount=fmt(due),
                            paid=fmt(paid))
        # A booking is "accepted" by the booking office: the one column for "the job is on".
        updates: dict[str, Any] = {"accepted_at": now}
        if reference:
            updates["note"] = f"{order.note}\n{reference}".strip()
        return updates

    return _step(order_id, "service.book", actor, clock, settings, check, reference=reference)


def done(order_id: int, actor: Staff, clock: Clock, settings: Settings) -> ServiceOrder:
    """The work is finished (repaired, cleaned, tickets delivered); close-out follows."""

    def check(order: ServiceOrder, now: datetime) -> dict[str, Any]:
        if order.done_at is not None:
            raise DeskError("service.already_done", ref=order_ref(order.id))
        if order.kind == "appliance_repair" and order.on_site_at is None:
            raise DeskError("service.not_on_site", ref=order_ref(order.id))
        if order.kind == "booking" and order.accepted_at is None:
            raise DeskError("service.not_booked", ref=order_ref(order.id))
        if order.kind in HOME_KINDS and order.accepted_at is None:
            raise DeskError("service.not_accepted", ref=order_ref(order.id))
        return {"done_at": now}

    return _step(order_id, "service.done", actor, clock, settings, check)


def _history(order: ServiceOrder, line: str, now: datetime, settings: Settings) -> str:
    """The order's note with one dated line added: its history as the detail panel shows it."""
    stamp = now.astimezone(settings.zone).strftime("%m-%d %H:%M")
    return f"{order.note}\n{stamp} {line}".strip()


def cancel(order_id: int, reason: str, actor: Staff, clock: Clock,
           settings: Settings) -> ServiceOrder:
    """Call off an order taken wrongly or no longer wanted, with a reason (issue 16): kept,
    its KF-022 §2.2 clocks stopped, nothing settled. A booking whose prepayment was paid, in
    part, is refunded at the cashier first — money is never left without its order."""
    require_role(actor, WRITE_ROLES, "service.cancel")
    reason = " ".join((reason or "").split())
    if not reason:
        raise DeskError("service.cancel_reason", field="reason")
    if len(reason) > 200:
        raise DeskError("service.too_long", field="reason", limit=200)
    now = clock.now()
    with transaction():
        order = _open(order_id)
        ref = order_ref(order.id)
        charges = list(Charge.select().where(Charge.service_order == order))
        if any(c.paid_fen > 0 for c in charges):
            raise DeskError("service.cancel_paid", ref=ref)
        for c in charges:
            # The unpaid prepayment is not owed any more (KF-022 §3.3: no booking, no fare).
            c.amount_fen = 0
            c.save()
        order.cancelled_at = now
        order.cancel_reason = reason
        order.note = _history(order, t("service.cancel_note", lang=settings.language,
                                       reason=reason), now, settings)
        order.save()
        audit(actor, clock, "service.cancel", order, ref=ref, reason=reason,
              charges=[c.id for c in charges])
        sync_service_orders([order], _ctx(settings))
    return order


def close_out(order_id: int, settle: str, actor: Staff, clock: Clock,
              settings: Settings, *, amount: str = "", reason: str = "") -> Charge | None:
    """消项 with settlement (KF-015 §6.2.1): the amount becomes a charge on the unit, to pay at
    the cashier now (``"cashier"``) or with this month's fee bill (``"bill"``). A booking was
    prepaid (KF-022 §3.3) and a free job has nothing to settle: no new charge then.

    A paid repair's amount may differ from the quote once the work is done (a part more, a
    part less): ``amount`` (yuan) corrects it, with a ``reason``; the charge follows the
    corrected amount, and the order keeps old → new in its history and the audit."""
    require_role(actor, WRITE_ROLES, "service.close")
    if settle not in SETTLEMENTS:
        raise DeskError("service.bad_settle", field="settle")
    new_fen = None
    if (amount or "").strip():
        new_fen = parse_yuan(amount, "amount")
    reason = " ".join((reason or "").split())
    if len(reason) > 200:
        raise DeskError("service.too_long", field="reason", limit=200)
    now = clock.now()
    with transaction():
        order = _open(order_id)
        ref = order_ref(order.id)
        if order.done_at is None:
            raise DeskError("service.not_done", ref=ref)
        corrected = None
        if new_fen is not None and new_fen != order.amount_fen:
            if order.kind != "appliance_repair":
                # Listed prices are the price list's; a booking's fare was prepaid as quoted.
                raise DeskError("service.amount_fixed", field="amount",
                                kind=Tr(f"service.kind.{order.kind}"))
            if not reason:
                raise DeskError("service.amount_reason", field="reason")
            corrected = (order.amount_fen, new_fen)
            order.amount_fen = new_fen
            order.note = _history(order, t("service.amount_note", lang=settings.language,
                                           old=fmt(corrected[0]), new=fmt(new_fen),
                                           reason=reason), now, settings)
            audit(actor, clock, "service.amount_corrected", order, ref=ref,
                  old_fen=corrected[0], new_fen=new_fen, reason=reason)
        charge = None
        month = ""
        if order.kind == "booking":
            prepaid = prepayment(order)
            if prepaid is not None and prepaid.paid_fen < prepaid.amount_fen:
                raise DeskError("service.prepay_first", ref=ref, amount=fmt(prepaid.amount_fen),
                                paid=fmt(prepaid.paid_fen))
        elif order.amount_fen > 0:
            if Charge.select().where(Charge.service_order == order).exists():
                raise DeskError("service.already_charged", ref=ref)
            if settle == "bill":
                if order.unit_id is None:
                    # KF-015 §6.2.1: only a unit has a monthly bill to carry the amount.
                    raise DeskError("service.bill_needs_unit", field="settle", ref=ref)
                month = _month(now, settings.zone)
            charge = Charge.create(
                unit=order.unit_id, kind=CHARGE_KIND, description=_charge_text(order, settings),
                amount_fen=order.amount_fen, created_at=now, created_by=actor,
                with_bill_month=month, service_order=order,
            )
        order.closed_at = now
        order.save()
        audit(actor, clock, "service.close", order, ref=ref, settle=settle, month=month,
              amount_fen=order.amount_fen, charge=charge.id if charge else None)
        sync_service_orders([order], _ctx(settings))
    return charge


# --- times ------------------------------------------------------------------------------------

def parse_time(text: str, now: datetime, zone: tzinfo, field_name: str = "agreed") -> datetime:
    """A time the clerk types for an agreed visit (``10:50``, ``10-12 09:00``,
    ``2026-10-12 09:00``: ``clock.parse_counter_time``), as an aware instant."""
    value = parse_counter_time(text, now, zone)
    if value is None:
        raise DeskError("service.bad_time", field=field_name, text=(text or "").strip())
    return value


class ClockPreview(NamedTuple):
    tell_by: datetime
    on_site_by: datetime


def appliance_clocks(accepted_at: datetime, settings: Settings) -> ClockPreview:
    """When the KF-022 §2.2 clocks of a repair accepted at ``accepted_at`` fall due (office
    zone), computed by the rule that stores them, for the form's "on site by 10:30"."""
    probe = ServiceOrder(id=0, kind="appliance_repair", accepted_at=accepted_at)
    wants = {w.clock: w.due_at for w in service_order_wants(probe, _ctx(settings))}
    zone = settings.zone
    return ClockPreview(wants["appliance_tell"].astimezone(zone),
                        wants["appliance_on_site"].astimezone(zone))
