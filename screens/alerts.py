"""The deadline engine on screen: due text, row marks, and the alert list (F8).

``kfdesk.rules.evaluate`` runs in a worker on the app's refresh timer and after every write;
its alerts reach every screen through the app. Colour is never the only signal: every marked
row also says in words how late it is or how long is left (UX: "due time always as text").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from kfdesk.i18n import t

from .common import translate_bindings
from .widgets.table import Cell, Column, FitTable

if TYPE_CHECKING:  # the engine itself loads in the refresh worker, after the first frame
    from kfdesk.rules import Alert

STYLE = {"overdue": "bold red", "due_soon": "yellow"}


def span(minutes: int) -> str:
    """``25 分`` / ``2 小时 5 分`` / ``3 天 4 小时`` — how long, in the clerk's words."""
    minutes = abs(minutes)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return t("ui.due.days_hours", d=days, h=hours)
    if hours:
        return t("ui.due.hours_minutes", h=hours, m=mins)
    return t("ui.due.minutes", m=mins)


def due_text(alert: Alert) -> str:
    """``超时 25 分`` or ``剩 10 分`` (with ``暂定`` when the calendar is provisional)."""
    key = "ui.due.late" if alert.state == "overdue" else "ui.due.left"
    text = t(key, span=span(alert.late_minutes))
    return text + t("ui.due.provisional") if alert.provisional else text


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


class AlertsScreen(ModalScreen["Alert | None"]):
    """Every due-soon and overdue item, most urgent first; Enter jumps to its record."""

    DEFAULT_CSS = """
    AlertsScreen { align: center middle; }
    AlertsScreen > Vertical {
        width: 95%; height: 85%; border: round $error; background: $surface; padding: 0 1;
    }
    AlertsScreen #alerts-title { text-style: bold; height: 1; }
    AlertsScreen #alerts-hint { color: $text-muted; height: 1; }
    """
    BINDINGS: ClassVar = [
        Binding("escape", "dismiss_none", "ui.key.close", id="alerts.close"),
        Binding("f8", "dismiss_none", "ui.key.close", id="alerts.close_f8", show=False),
    ]

    def __init__(self, alerts: list[Alert], zone) -> None:  # noqa: ANN001 - tzinfo
        super().__init__()
        translate_bindings(self)
        self._alerts = {str(i): a for i, a in enumerate(alerts)}
        self._zone = zone

    def compose(self) -> ComposeResult:
        counts = {s: sum(1 for a in self._alerts.values() if a.state == s)
                  for s in ("overdue", "due_soon")}
        with Vertical():
            yield Static(t("ui.alerts.title", overdue=counts["overdue"],
                           due_soon=counts["due_soon"]), id="alerts-title")
            yield FitTable([
                Column("due", t("ui.col.due"), min=18, max=18),
                Column("rule", t("ui.col.rule"), min=8, max=14),
                Column("item", t("ui.col.alert_item"), min=7, max=14),
                Column("unit", t("ui.col.unit"), min=7, max=9),
                Column("owner", t("ui.col.owner_staff"), min=4, max=8, drop=2),
                Column("at", t("ui.col.due_at"), min=11, max=11, drop=1),
                Column("text", t("ui.col.rule_text"), min=10, max=60, flex=1),
            ], id="alert-table")
            yield Static(t("ui.alerts.hint"), id="alerts-hint")

    def on_mount(self) -> None:
        table = self.query_one("#alert-table", FitTable)
        table.load([
            (key, marked([due_text(a), a.rule, a.item_ref, a.unit or "—", a.owner_name or "—",
                          a.due_at.astimezone(self._zone).strftime("%m-%d %H:%M"),
                          a.rule_text], a))
            for key, a in self._alerts.items()
        ])
        table.focus()

    @on(DataTable.RowSelected, "#alert-table")
    def _chosen(self, event: DataTable.RowSelected) -> None:
        self.dismiss(self._alerts.get(event.row_key.value))

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
