"""What every main screen shares: header, alert bar, footer, refresh on show, `/` and Esc.

A screen is kept alive between visits (Textual modes), so switching is instant; each time it
is shown again it re-reads its data from the store (``reload``), so what it shows is current.
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static

from kfdesk.i18n import t
from kfdesk.views import office_day

from .common import translate_bindings
from .widgets.alert_bar import AlertBar
from .widgets.footer import DeskFooter
from .widgets.header import OfficeHeader
from .widgets.table import Cell, FitTable, filter_rows

if TYPE_CHECKING:
    from textual.app import App

    from .app import KfDeskApp


def refusal_for_key(app: App, key: str) -> str | None:
    """Why ``key`` does nothing where the clerk is: None when a binding of it will run (or
    none exists), else one line (UX.md: "A key never does nothing").

    Walks the focused widget's chain of bindings as Textual does for a key no widget took;
    when every binding of ``key`` there is turned off by its owner's ``check_action`` (a
    step the role or the record's state does not allow: hidden from the footer), the owner's
    ``refusal(action, parameters)`` gives the reason, else the generic line with the key's
    name. Every screen and dialog gets this; a screen names its own reasons by defining
    ``refusal``.
    """
    off = []
    for namespace, bindings in app.screen._modal_binding_chain:  # noqa: SLF001
        for binding in bindings.key_to_bindings.get(key, ()):
            if binding.priority:
                continue  # priority keys ran (or were refused) before any widget saw it
            if app._check_action_state(binding.action, namespace):  # noqa: SLF001
                return None  # it runs
            off.append((namespace, binding))
    for namespace, binding in off:
        target, name, params = app._parse_action(binding.action, namespace)  # noqa: SLF001
        why = getattr(target, "refusal", None)
        reason = why(name, params) if callable(why) else None
        if reason:
            return reason
    for _namespace, binding in off:
        if binding.description:
            return t("ui.refuse.generic", key=app.get_key_display(binding),
                     what=binding.description)
    return None


FOCUS = "*focus"  # in a ``place``: the id of the list that had the focus


class DeskContext:
    """The counter's context for any screen or modal: the app, its clock in the office zone."""

    @property
    def desk(self) -> KfDeskApp:
        return self.app  # type: ignore[return-value]

    @property
    def now(self) -> datetime:
        return self.desk.session.clock.now().astimezone(self.zone)

    @property
    def zone(self) -> tzinfo:
        return self.desk.session.settings.zone

    @property
    def today(self) -> date:
        return office_day(self.desk.session.clock.now(), self.zone)


class DeskScreen(DeskContext, Screen):
    """A main screen (F2–F7). Subclasses set ``MODE`` and implement ``compose_body``/``reload``."""

    MODE: ClassVar[str] = ""
    # The alert bar can take focus (Enter opens the alerts) but must not take it by default.
    AUTO_FOCUS: ClassVar[str | None] = "Input, DataTable, TextArea"
    BINDINGS: ClassVar = [
        Binding("slash", "focus_search", "ui.key.search", id="screen.search"),
        Binding("escape", "back", "ui.key.back", id="screen.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        translate_bindings(self)

    def compose(self) -> ComposeResult:
        # The width class before any child is styled: set later, on the first Resize, it
        # would restyle every widget once more before the first frame (start-up time).
        self.set_class(self.app.size.width < self.NARROW_BELOW, "-narrow")
        yield OfficeHeader(t(f"ui.title.{self.MODE}"))
        yield AlertBar()
        yield from self.compose_body()
        yield DeskFooter()

    def compose_body(self) -> ComposeResult:
        yield from ()

    NARROW_BELOW: ClassVar[int] = 100

    def on_resize(self, event: events.Resize) -> None:
        # "-narrow" below 100 columns: side-by-side panels stack there (80×24). Set only when
        # it changes (Textual's breakpoints also add a class at full width, which restyles
        # every widget once more before the first frame).
        self.set_class(event.size.width < self.NARROW_BELOW, "-narrow")

    def on_screen_resume(self) -> None:
        self.query_one(AlertBar).show(*self.desk.alerts)
        self.query_one(OfficeHeader).refresh_who()
        self.reload()

    def reload(self) -> None:
        """Re-read this screen's records from the store."""

    def on_alerts(self) -> None:
        """The engine ran: the alert bar is already updated; queues re-mark their rows."""

    def after_write(self, result: str | None) -> None:
        """A dialog's answer: None when the clerk backed out (nothing saved); else the line
        to show, then the deadlines and this screen are refreshed."""
        if result is None:
            return
        if result:
            self.notify(result)
        self.desk.request_refresh()
        self.reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "focus_search" and not self.query(".search"):
            return False  # no search box on this screen: no "/" in the footer either
        return True

    def refusal(self, action: str, parameters: tuple[object, ...]) -> str | None:
        """Why ``action`` (turned off by ``check_action``) may not be done now, in one line;
        None leaves the generic line (``refusal_for_key``). Screens name their reasons."""
        if action == "focus_search":
            return t("ui.refuse.no_search")
        return None

    # ---- where the clerk is (Ctrl+L hands the counter over on the same record) -----------

    def place(self) -> dict[str, str]:
        """The records selected on this screen: each shown table's id → its selected key.
        A screen with more to remember (a chosen unit) adds to it and to ``restore``."""
        out = {}
        for table in self.query(FitTable):
            key = table.selected_key()
            if table.id and key is not None:
                out[table.id] = key
        focused = self.focused
        if isinstance(focused, FitTable) and focused.id:
            out[FOCUS] = focused.id  # the list the clerk was in, so its keys work at once
        return out

    def restore(self, place: dict[str, str]) -> None:
        """Select again what ``place`` named (after the next person signed in)."""
        for table_id, key in place.items():
            if table_id == FOCUS:
                continue
            for table in self.query(f"#{table_id}"):
                if isinstance(table, FitTable):
                    table.select_key(key)
        for table in self.query(f"#{place[FOCUS]}") if FOCUS in place else ():
            if table.focusable:
                table.focus()

    def action_focus_search(self) -> None:
        boxes = self.query(".search")
        if boxes:
            boxes.first().focus()

    def action_back(self) -> None:
        """Esc: clear and leave a search box, else back to the screen's main table."""
        focused = self.focused
        if isinstance(focused, Input) and focused.value:
            focused.value = ""
            return
        tables = [w for w in self.query(DataTable) if w.display and w.row_count]
        if tables:
            tables[-1].focus()


class QueueScreen(DeskScreen):
    """A main screen whose body is a filtered queue: ``#filter`` above the ``TABLE_ID`` table.

    Subclasses fill ``self._rows`` in ``reload`` (overdue first, marked); typing in the filter
    narrows the table, Enter in it goes to the table, and the engine's alerts re-mark the rows.
    """

    TABLE_ID: ClassVar[str] = ""
    COUNT_ID: ClassVar[str] = ""
    COUNT_KEY: ClassVar[str] = ""  # catalogue text with {shown} and {total}

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[tuple[str, list[Cell]]] = []
        # With a bar of choices: every row as (record, key, cells), narrowed by ``keep``.
        self._all: list[tuple[object, str, list[Cell]]] | None = None

    def on_mount(self) -> None:
        self.query_one(f"#{self.TABLE_ID}", FitTable).focus()

    def on_alerts(self) -> None:
        self.reload()

    # Queues with a bar of choices (``ChoiceField`` ids starting "f-") keep every row in
    # ``_all`` as (record, cells) and say which to show in ``keep``.
    ITEM_KIND: ClassVar[str] = ""  # the alert item kind of the rows

    def keep(self, row: object, alert: object, choices: dict[str, str | None]) -> bool:
        return True

    def _narrow(self) -> None:
        from .widgets.choice import ChoiceField

        choices = {c.id[2:]: c.value for c in self.query(ChoiceField)
                   if c.id and c.id.startswith("f-")}
        alerts = self.desk.alerts_by_item
        self._rows = [(key, cells) for row, key, cells in self._all
                      if self.keep(row, alerts.get((self.ITEM_KIND, row.id)), choices)]

    def _apply_filter(self) -> None:
        if self._all is not None:
            self._narrow()
        rows = filter_rows(self._rows, self.query_one("#filter", Input).value)
        self.query_one(f"#{self.TABLE_ID}", FitTable).load(rows)
        total = len(self._all) if self._all is not None else len(self._rows)
        self.query_one(f"#{self.COUNT_ID}", Static).update(
            t(self.COUNT_KEY, shown=len(rows), total=total))

    @on(Input.Changed, "#filter")
    def _filter_changed(self) -> None:
        self._apply_filter()

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self.query_one(f"#{self.TABLE_ID}", FitTable).focus()
