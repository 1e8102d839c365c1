"""The deadline engine on screen: due text, row marks, the alert bar's headline.

``kfdesk.rules.evaluate`` runs in a worker on the app's refresh timer and after every write;
its alerts reach every screen through the app. Colour is never the only signal: every marked
row also says in words how late it is or how long is left (UX: "due time always as text").
"""

from __future__ import annotations

import math
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from kfdesk.i18n import t

from .widgets.table import Cell

if TYPE_CHECKING:  # the engine itself loads in the refresh worker, after the first frame
    from kfdesk.rules import Alert
    from kfdesk.views.urgency import NextDue

STYLE = {"overdue": "bold red", "due_soon": "yellow"}


def span(minutes: int, *, short: bool = False) -> str:
    """``25 分`` / ``2 小时 5 分`` / ``3 天 4 小时`` — how long, in the clerk's words;
    ``short``: the largest unit only (``3 天``, ``2 小时``), for a list's deadline cell beside
    the deadline itself, so it fits without being cut."""
    minutes = abs(minutes)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return t("ui.due.days", d=days) if short else t("ui.due.days_hours", d=days, h=hours)
    if hours:
        return (t("ui.due.hours", h=hours) if short
                else t("ui.due.hours_minutes", h=hours, m=mins))
    return t("ui.due.minutes", m=mins)


def due_text(alert: Alert) -> str:
    """``超时 25 分`` or ``剩 10 分`` (with ``暂定`` when the calendar is provisional)."""
    key = "ui.due.late" if alert.state == "overdue" else "ui.due.left"
    text = t(key, span=span(alert.late_minutes))
    return text + t("ui.due.provisional") if alert.provisional else text


def deadline_text(due_at: datetime, now: datetime, zone: tzinfo) -> str:
    """When a clock falls due, as the counter says it: ``今天 11:00``, ``10-12 17:30``."""
    local = due_at.astimezone(zone)
    today = now.astimezone(zone).date()
    if local.date() == today:
        return t("ui.due.today", hm=local.strftime("%H:%M"))
    if local.year == today.year:
        return local.strftime("%m-%d %H:%M")
    return local.strftime("%Y-%m-%d %H:%M")


def deadline_cell(due: NextDue | None, now: datetime, zone: tzinfo) -> str:
    """A row's next deadline (issue 16): ``今天 11:00`` while it runs, with ``剩 10 分`` /
    ``超时 25 分`` once due soon or overdue; empty when no clock runs."""
    if due is None:
        return ""
    text = deadline_text(due.due_at, now, zone)
    state = due.state(now)
    if state == "running":
        return text
    late = math.floor((now - due.due_at).total_seconds() / 60)
    key = "ui.due.late" if state == "overdue" else "ui.due.left"
    text += " " + t(key, span=span(late, short=True))
    return text + t("ui.due.provisional") if due.provisional else text


def marked_state(cells: list[Cell], state: str) -> list[Cell]:
    """The row's cells in the colour of a clock's state; a running clock is not coloured."""
    style = STYLE.get(state)
    if style is None:
        return cells
    return [(c if isinstance(c, str) else c[0], style) for c in cells]


def marked(cells: list[Cell], alert: Alert | None) -> list[Cell]:
    """The row's cells in the alert's colour (none: unchanged)."""
    if alert is None:
        return cells
    style = STYLE[alert.state]
    return [(c if isinstance(c, str) else c[0], style) for c in cells]


def worst(alerts: list[Alert]) -> dict[tuple[str, int], Alert]:
    """The most urgent alert of each item (alerts come most urgent first)."""
    out: dict[tuple[str, int], Alert] = {}
    for a in alerts:
        out.setdefault((a.item_kind, a.item_id), a)
    return out


def order_key(alert: Alert | None) -> int:
    """Overdue rows first, then due soon, then the rest (UX: tables sort overdue first)."""
    if alert is None:
        return 2
    return 0 if alert.state == "overdue" else 1


def headline(alert: Alert) -> str:
    """The alert bar's most urgent item: ``KF-010 §4.1.2 · 3-1-502 K-000613 · 超时 25 分 · 派单…``.

    What the clerk acts on comes first; the rule's wording last, where a narrow terminal cuts.
    """
    where = " ".join(p for p in (alert.unit, alert.item_ref) if p)
    return f"{alert.rule} · {where} · {due_text(alert)} · {alert.rule_text}"
