"""The unit lookup: one box for unit numbers, names, pinyin and phone digits, results as you type.

The search runs ``kfdesk.views.search_units`` a moment after the last keystroke (debounced),
so a fast typist does not query the store on every key. Enter picks the highlighted result;
↓ moves into the results.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable, Input

from kfdesk import views
from kfdesk.i18n import t

from .inputs import DeskInput
from .table import Column, FitTable

DEBOUNCE_SECONDS = 0.25


class UnitLookup(Vertical):
    """An input and its result table; posts ``UnitLookup.Picked`` with the chosen unit code."""

    DEFAULT_CSS = """
    UnitLookup { height: auto; }
    UnitLookup > #hits { height: auto; max-height: 10; display: none; }
    UnitLookup.-open > #hits, UnitLookup.-always > #hits { display: block; }
    UnitLookup.-always > #hits { height: 1fr; max-height: 100%; }
    UnitLookup.-always { height: 1fr; }
    """

    class Picked(Message):
        def __init__(self, lookup: UnitLookup, code: str) -> None:
            super().__init__()
            self.lookup = lookup
            self.code = code

        @property
        def control(self) -> UnitLookup:
            return self.lookup

    def __init__(self, *, always_open: bool = False, limit: int = 20,
                 id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, classes="-always" if always_open else None)
        self._limit = limit
        self._timer: Timer | None = None
        self._searched = ""

    def compose(self) -> ComposeResult:
        yield DeskInput(placeholder=t("ui.lookup.placeholder"), id="query", classes="search")
        if self.has_class("-always"):
            yield self._hits_table()

    def _hits_table(self) -> FitTable:
        return FitTable(
            [
                Column("code", t("ui.col.unit"), min=8, max=10),
                Column("owner", t("ui.col.owner"), min=6, max=12, flex=1),
                Column("status", t("ui.col.status"), min=4, max=8),
                Column("match", t("ui.col.match"), min=6, flex=1),
            ],
            id="hits",
        )

    @property
    def input(self) -> Input:
        return self.query_one("#query", Input)

    @property
    def hits(self) -> FitTable:
        # Made on the first search, not at start-up: a hidden table still costs its share of
        # the first frame.
        found = self.query("#hits")
        if found:
            return found.first(FitTable)
        table = self._hits_table()
        self.mount(table)
        return table

    def set_query(self, text: str) -> None:
        """Put ``text`` in the box and search at once (jumps from the command palette)."""
        self.input.value = text
        self._search()

    @on(Input.Changed, "#query")
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE_SECONDS, self._search)

    def _search(self) -> None:
        text = self.input.value.strip()
        self._searched = text
        found = views.search_units(text, limit=self._limit) if text else []
        rows = []
        for hit in found:
            match = ""
            if hit.via == "plate":
                match = t("ui.lookup.plate", plate=hit.person)
            elif hit.person:
                match = t("ui.lookup.match", name=hit.person, role=t(f"occupancy.{hit.role}"))
            rows.append((hit.code, [hit.code, hit.owner, t(f"unit_status.{hit.status}"), match]))
        self.hits.load(rows)
        self.set_class(bool(text), "-open")

    @on(Input.Submitted, "#query")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.input.value.strip() != self._searched:
            if self._timer is not None:
                self._timer.stop()
            self._search()
        code = self.hits.selected_key()
        if code:
            self._pick(code)

    @on(DataTable.RowSelected, "#hits")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self._pick(event.row_key.value)

    def _pick(self, code: str) -> None:
        self.post_message(self.Picked(self, code))

    def close(self) -> None:
        """Fold the results away (after a pick, to give the space back)."""
        self.remove_class("-open")

    def key_down(self) -> None:
        if self.input.has_focus and self.hits.row_count:
            self.add_class("-open")
            self.hits.focus()
