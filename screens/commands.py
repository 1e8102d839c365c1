"""The command palette (Ctrl+P): jump to a screen, a unit, a ticket or a receipt by typing.

Units are found the way the residents screen finds them (``views.search_units``: unit number,
name, pinyin, phone digits); tickets and receipts by number.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider

from kfdesk import views
from kfdesk.i18n import t

from .common import MAIN_MODES, money

if TYPE_CHECKING:
    from .app import KfDeskApp

class JumpProvider(Provider):
    @property
    def desk(self) -> KfDeskApp:
        return self.app  # type: ignore[return-value]

    async def discover(self) -> Hits:
        if not self.desk.signed_in:
            return
        for mode, key in MAIN_MODES.items():
            title = t(f"ui.title.{mode}")
            yield DiscoveryHit(f"{key} {title}", partial(self.desk.action_go, mode),
                               help=t("ui.palette.screen_help"))

    async def search(self, query: str) -> Hits:
        desk = self.desk
        if not desk.signed_in:
            return
        zone = desk.session.settings.zone
        matcher = self.matcher(query)
        for mode, key in MAIN_MODES.items():
            title = f"{key} {t(f'ui.title.{mode}')}"
            score = matcher.match(title)
            if score > 0:
                yield Hit(score * 0.5, matcher.highlight(title),
                          partial(desk.action_go, mode), help=t("ui.palette.screen_help"))
        for rank, hit in enumerate(views.search_units(query, limit=8)):
            text = t("ui.palette.unit", code=hit.code, owner=hit.owner or "—",
                     status=t(f"unit_status.{hit.status}"))
            if hit.person and hit.person != hit.owner:
                text += " · " + t("ui.lookup.match", name=hit.person,
                                  role=t(f"occupancy.{hit.role}"))
            yield Hit(1.0 - rank * 0.01, Text(text), partial(desk.open_unit, hit.code),
                      text=text, help=t("ui.palette.unit_help"))
        for rank, row in enumerate(views.find_tickets(query, zone, limit=5)):
            text = t("ui.palette.ticket", number=row.number, unit=row.unit or "—",
                     kind=t(f"kind.{row.kind}"), category=t(f"category.{row.category}"),
                     state=t(f"state.{row.state}"))
            yield Hit(0.95 - rank * 0.01, Text(text), partial(desk.open_ticket, row.number),
                      text=text, help=t("ui.palette.ticket_help"))
        from kfdesk.views.services import find_service_order  # not needed at start-up

        order = find_service_order(query, zone)
        if order is not None:  # "S-000022": a KF-022 service order
            text = t("ui.palette.service_order", ref=order.ref, unit=order.unit or "—",
                     kind=t(f"service.kind.{order.kind}"))
            yield Hit(0.97, Text(text), partial(desk.open_service_order, order.id), text=text,
                      help=t("ui.palette.service_order_help"))
        for rank, r in enumerate(views.find_receipts(query, zone, limit=5)):
            text = t("ui.palette.receipt", number=r.number, unit=r.unit or "—",
                     amount=money(r.amount_fen), day=r.issued_at.strftime("%Y-%m-%d"))
            yield Hit(0.9 - rank * 0.01, Text(text), partial(desk.open_receipt, r.number),
                      text=text, help=t("ui.palette.receipt_help"))
