"""KF-022 §3.2–3.3 代购机票/火车票记录表, printed in two parts (RULES v2 item 12).

The record form is filled in duplicate (复写一式两联): part 1 stays at the desk to track the
booking, part 2 is handed to the resident once the fare and delivery fee are paid (§3.3 收款后
将记录单第二联交客户留存备查). So the record prints both parts on one sheet with a cut line,
each naming its part, and only once the prepayment is paid in full — before that the desk
has not taken the job (§3.3 否则不能承接此项服务). Reprints are allowed (a torn sheet) and each
print is audited with where it went.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..clock import Clock
from ..config import Settings
from ..i18n import t
from ..models import Charge, ServiceOrder, Staff, Unit
from ..money import fmt
from ..printing import deliver, safe_name
from .base import DeskError, audit, require_role, transaction
from .services import WRITE_ROLES, order_ref, prepayment

WIDTH = 60
PARTS = ("desk", "customer")  # 第一联 存根, 第二联 客户留存


def _order(order_id: int) -> ServiceOrder:
    order = ServiceOrder.get_or_none(ServiceOrder.id == order_id)
    if order is None:
        raise DeskError("service.not_found", ref=order_ref(order_id))
    if order.kind != "booking":
        raise DeskError("booking.not_booking", ref=order_ref(order_id))
    return order


def _paid(order: ServiceOrder) -> Charge:
    charge = prepayment(order)
    if charge is None or charge.paid_fen < charge.amount_fen:
        raise DeskError("booking.not_prepaid", ref=order_ref(order.id))
    return charge


def record_text(order_id: int, settings: Settings, lang: str | None = None) -> str:
    """Both parts of the record as plain text; refused before the prepayment is paid."""
    order = _order(order_id)
    charge = _paid(order)
    b = json.loads(order.details) if order.details.startswith("{") else {}
    unit = Unit.get_or_none(Unit.id == order.unit_id) if order.unit_id else None
    zone = settings.zone
    body = [
        t("booking.rec.unit", lang=lang, unit=unit.code if unit else "—",
          name=order.contact_name, phone=order.contact_phone),
        t("booking.rec.what", lang=lang, mode=t(f"service.mode.{b.get('mode', 'train')}",
                                                lang=lang),
          origin=b.get("from", ""), destination=b.get("to", ""), travel=b.get("travel", ""),
          n=b.get("tickets", 1)),
        t("booking.rec.delivery", lang=lang, place=b.get("delivery_place", ""),
          at=b.get("delivery_time", "") or "—"),
        t("booking.rec.paid", lang=lang, fare=fmt(b.get("fare_fen", 0)),
          fee=fmt(b.get("delivery_fee_fen", 0)), total=fmt(charge.amount_fen)),
        t("booking.rec.taken", lang=lang,
          at=order.requested_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")),
    ]
    out: list[str] = []
    for i, part in enumerate(PARTS, start=1):
        if i > 1:
            out += ["", "- " * (WIDTH // 2), ""]
        out.append(settings.office_name)
        out.append(t("booking.rec.title", lang=lang, ref=order_ref(order.id)))
        out.append(t(f"booking.rec.part_{part}", lang=lang, n=i))
        out.append("")
        out += body
        out.append("")
        out.append(t("booking.rec.sign", lang=lang))
    return "\n".join(out) + "\n"


def print_record(order_id: int, folder: Path, actor: Staff, clock: Clock, settings: Settings,
                 lang: str | None = None) -> str:
    """Print (or write) the two-part record; returns where it went. Audited."""
    require_role(actor, WRITE_ROLES, "booking.print")
    text = record_text(order_id, settings, lang)
    with transaction():
        where = deliver(text, f"booking-{safe_name(order_ref(order_id))}.txt", folder, settings)
        audit(actor, clock, "booking.print", ServiceOrder.get_by_id(order_id),
              ref=order_ref(order_id), where=where, parts=len(PARTS))
    return where
