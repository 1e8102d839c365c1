"""The command palette (Ctrl+P): jump to a screen, a unit, a ticket or a receipt by typing.

Units are found the way the residents screen finds them (``views.search_units``: unit number,
name, pinyin, phone digits); tickets and receipts by number. A number typed exactly as it is
written — receipt ``2026-000600``, ticket ``K-000600``, unit ``3-1-502``, service order
``S-000022`` — ranks above everything that merely contains its digits (issue 16). Every page is
listed, F2–F10, the alert list F8 included. A ticket opens in the ticket view over the screen the
clerk is on.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider

from kfdesk import views
from kfdesk.i18n import t

from .common import MAIN_MODES, money

if TYPE_CHECKING:
    from .app import KfDeskApp

EXACT = 2.0  # above any fuzzy score (those are at most 1)


def exact_text(query: str) -> str:
    """The query as a record number is written: full-width folded, trimmed, upper case."""
    return unicodedata.normalize("NFKC", query).strip().upper()


def pages(desk: KfDeskApp) -> list[tuple[str, str, Callable[[], object]]]:
    """Every page in key order, F8 (the alert list, a modal) among them: (key, title, open)."""
    out: list[tuple[str, str, Callable[[], object]]] = [
        (key, t(f"ui.title.{mode}"), partial(desk.action_go, mode))
        for mode, key in MAIN_MODES.items()]
    out.append(("F8", t("ui.title.alerts"), desk.action_alerts))
    return sorted(out, key=lambda p: int(p[0][1:]))


class JumpProvider(Provider):
    @property
    def desk(self) -> KfDeskApp:
        return self.app  # type: ignore[return-value]

    async def discover(self) -> Hits:
        if not self.desk.signed_in:
            return
        for key, title, go in pages(self.desk):
            yield DiscoveryHit(f"{key} {title}", go, help=t("ui.palette.screen_help"))

    async def search(self, query: str) -> Hits:
        desk = self.desk
        if not desk.signed_in:
            return
        zone = desk.session.settings.zone
        matcher = self.matcher(query)
        exact = exact_text(query)
        for key, name, go in pages(desk):
            title = f"{key} {name}"
            score = matcher.match(title)
            if score > 0:
                yield Hit(EXACT if exact == key else score * 0.5, matcher.highlight(title),
                          go, help=t("ui.palette.screen_help"))
        for rank, hit in enumerate(views.search_units(query, limit=8)):
            text = t("ui.palette.unit", code=hit.code, owner=hit.owner or "—",
                     status=t(f"unit_status.{hit.status}"))
            if hit.person and hit.person != hit.owner:
                text += " · " + t("ui.lookup.match", name=hit.person,
                                  role=t(f"occupancy.{hit.role}"))
            score = EXACT if hit.code.upper() == exact else 1.0 - rank * 0.01
            yield Hit(score, Text(text), partial(desk.open_unit, hit.code),
                      text=text, help=t("ui.palette.unit_help"))
        for rank, row in enumerate(views.find_tickets(query, zone, limit=5)):
            text = t("ui.palette.ticket", number=row.number, unit=row.unit or "—",
                     kind=t(f"kind.{row.kind}"), category=t(f"category.{row.category}"),
                     state=t(f"state.{row.state}"))
            score = EXACT if row.number.upper() == exact else 0.95 - rank * 0.01
            yield Hit(score, Text(text), partial(desk.open_ticket, row.number),
                      text=text, help=t("ui.palette.ticket_help"))
        from kfdesk.views.services import find_service_order  # not needed at start-up

        order = find_service_order(query, zone)
        if order is not None:  # "S-000022": a KF-022 service order
            text = t("ui.palette.service_order", ref=order.ref, unit=order.unit or "—",
                     kind=t(f"service.kind.{order.kind}"))
            score = EXACT if order.ref.upper() == exact else 0.97
            yield Hit(score, Text(text), partial(desk.open_service_order, order.id), text=text,
                      help=t("ui.palette.service_order_help"))
        for rank, r in enumerate(views.find_receipts(query, zone, limit=5)):
            text = t("ui.palette.receipt", number=r.number, unit=r.unit or "—",
                     amount=money(r.amount_fen), day=r.issued_at.strftime("%Y-%m-%d"))
            score = EXACT if r.number.upper() == exact else 0.9 - rank * 0.01
            yield Hit(score, Text(text), partial(desk.open_receipt, r.number),
                      text=text, help=t("ui.palette.receipt_help"))
