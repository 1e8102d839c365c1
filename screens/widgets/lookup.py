"""The unit lookup: one box for unit numbers, names, pinyin and phone digits, results as you type.

The search runs ``kfdesk.views.search_units`` a moment after the last keystroke (debounced),
so a fast typist does not query the store on every key. Enter picks the highlighted result;
↓ moves into the results. A search that finds nothing says so in place of the results (issue
16: an empty header read as "still searching").

A picked unit is *held*: the box shows what was chosen (``hold``), and typing over it un-chooses
it (``Unchosen``), so a form never files a unit the clerk has since typed away. Options a form
can ask for:

- ``pick_none``: Enter on an empty box chooses "no unit" (``Picked`` with code "": F2's
  "无房号/匿名") — an explicit choice, never the silent result of text that matched nothing.
- ``none_hint``: a line after "找不到…" (F2: how to choose no unit instead).
- ``pick_on_tab``: Tab out of the box with an exact unit code typed (``2-1-702``) picks it, as
  Enter would; anything else typed stays unchosen.
- ``keys_to_screen``: while the box holds the chosen unit's code, letter keys are the screen's
  keys for that unit (F6: ``r`` records, ``g`` registers …) rather than more search text.
"""

from __future__ import annotations

import unicodedata
from typing import ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable, Input, Static

from kfdesk import views
from kfdesk.i18n import t

from .inputs import DeskInput
from .table import Column, FitTable

DEBOUNCE_SECONDS = 0.25


def exact_unit(text: str) -> str | None:
    """The unit whose code ``text`` is, exactly (full-width digits allowed), else None."""
    typed = unicodedata.normalize("NFKC", text).strip()
    if not typed:
        return None
    return next((h.code for h in views.search_units(typed, limit=3) if h.code == typed), None)


class LookupInput(DeskInput):
    """The search box; leaves the screen's letter keys to the screen while it holds the
    chosen unit (F6: ``r`` records for the unit shown, not an "r" after its code)."""

    def _screen_key(self, character: str | None) -> Binding | None:
        lookup = self.parent
        return lookup.screen_key(character) if isinstance(lookup, UnitLookup) else None

    def check_consume_key(self, key: str, character: str | None) -> bool:
        # Not consumed: the footer shows the screen's keys while the box holds the unit.
        if self._screen_key(character) is not None:
            return False
        return super().check_consume_key(key, character)

    async def _on_key(self, event: events.Key) -> None:
        binding = self._screen_key(event.character)
        if binding is None:
            await super()._on_key(event)
            return
        # Handled here (not left to bubble): Input's own handler, further up the class
        # chain, would otherwise type the letter.
        event.stop()
        event.prevent_default()
        await self.app.run_action(binding.action, self.screen)


class UnitLookup(Vertical):
    """An input and its result table; posts ``UnitLookup.Picked`` with the chosen unit code."""

    DEFAULT_CSS = """
    UnitLookup { height: auto; }
    UnitLookup > #hits { height: auto; max-height: 10; display: none; }
    UnitLookup.-open > #hits, UnitLookup.-always > #hits { display: block; }
    UnitLookup.-always > #hits { height: 1fr; max-height: 100%; }
    UnitLookup.-always { height: 1fr; }
    UnitLookup > #none { display: none; height: auto; color: $warning; padding: 0 1; }
    UnitLookup.-none > #none { display: block; }
    UnitLookup.-none > #hits { display: none; }
    """
    BINDINGS: ClassVar = [
        Binding("tab", "leave(1)", show=False),
        Binding("shift+tab", "leave(-1)", show=False),
    ]

    class Picked(Message):
        """A unit was chosen: ``code`` ("" for the explicit "no unit"); ``again`` when Enter
        was pressed on what the box already held; ``back`` when it was picked leaving the
        box backwards (Shift+Tab), so the form does not move the cursor on."""

        def __init__(self, lookup: UnitLookup, code: str, *, again: bool = False,
                     back: bool = False) -> None:
            super().__init__()
            self.lookup = lookup
            self.code = code
            self.again = again
            self.back = back

        @property
        def control(self) -> UnitLookup:
            return self.lookup

    class Unchosen(Message):
        """The box no longer holds the chosen unit (the clerk typed over it)."""

        def __init__(self, lookup: UnitLookup) -> None:
            super().__init__()
            self.lookup = lookup

        @property
        def control(self) -> UnitLookup:
            return self.lookup

    def __init__(self, *, always_open: bool = False, limit: int = 20,
                 pick_none: bool = False, none_hint: str = "",
                 pick_on_tab: bool = False, keys_to_screen: bool = False,
                 id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, classes="-always" if always_open else None)
        self._limit = limit
        self._timer: Timer | None = None
        self._searched = ""
        self._pick_none = pick_none
        self._none_hint = none_hint
        self._pick_on_tab = pick_on_tab
        self._keys_to_screen = keys_to_screen
        self._held: str | None = None  # the text the box shows for the chosen unit
        self.chosen: str | None = None  # the chosen unit's code ("": no unit), while held

    def compose(self) -> ComposeResult:
        yield LookupInput(placeholder=t("ui.lookup.placeholder"), id="query", classes="search",
                          short_placeholder=t("ui.lookup.placeholder_short"))
        yield Static("", id="none")
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

    @property
    def held(self) -> bool:
        """The box still shows the chosen unit (nothing typed over it since)."""
        return self._held is not None and self.input.value == self._held

    def hold(self, code: str, text: str | None = None) -> None:
        """Show ``code`` as chosen (``text`` in the box, the code itself by default); the
        results fold away and no search runs for it."""
        self._held = text if text is not None else code
        self.chosen = code
        if self._timer is not None:
            self._timer.stop()
        self.remove_class("-none")
        if self.input.value != self._held:
            self.input.value = self._held
            self.input.cursor_position = len(self._held)
        self.close()

    def reset(self) -> None:
        """An empty box, nothing chosen, no results (a form cleared for the next call)."""
        if self._timer is not None:
            self._timer.stop()
        self._held = None
        self.chosen = None
        self._searched = ""
        self.input.value = ""
        self.remove_class("-none")
        self.close()

    def set_query(self, text: str) -> None:
        """Put ``text`` in the box and search at once (jumps from the command palette)."""
        self.input.value = text
        self._search()

    @on(Input.Changed, "#query")
    def _changed(self, event: Input.Changed) -> None:
        # Not stopped: a form above sees the clerk typing (a new ticket has started).
        if self._timer is not None:
            self._timer.stop()
        if self._held is not None:
            if event.value == self._held:
                return  # the chosen unit put in the box (``hold``): nothing to search
            self._held = None
            self.chosen = None
            self.post_message(self.Unchosen(self))
        self._timer = self.set_timer(DEBOUNCE_SECONDS, self._search)

    def _search(self) -> None:
        if self.held:
            return
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
        nothing = bool(text) and not rows
        if nothing:
            self.query_one("#none", Static).update(
                t("ui.lookup.none", text=text, hint=self._none_hint).strip())
        self.set_class(nothing, "-none")
        self.set_class(bool(text), "-open")

    @on(Input.Submitted, "#query")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.held and self.chosen is not None:
            self._pick(self.chosen, again=True)
            return
        if not self.input.value.strip():
            if self._pick_none:
                self._pick("")
            return
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

    def _pick(self, code: str, *, again: bool = False, back: bool = False) -> None:
        self.post_message(self.Picked(self, code, again=again, back=back))

    def action_leave(self, direction: int) -> None:
        """Tab / Shift+Tab: with ``pick_on_tab``, an exact unit code typed is picked on the
        way out (the form moves on from it); otherwise the focus simply moves."""
        if self._pick_on_tab and self.input.has_focus and not self.held:
            code = exact_unit(self.input.value)
            if code:
                if self._timer is not None:
                    self._timer.stop()
                self._pick(code, back=direction < 0)
                if direction > 0:
                    return  # the form moves the cursor to the caller, as after Enter
        if direction > 0:
            self.screen.focus_next()
        else:
            self.screen.focus_previous()

    def screen_key(self, char: str | None) -> Binding | None:
        """With ``keys_to_screen``, while the box holds the chosen unit: the screen's binding
        of the letter ``char`` when it is allowed now (F6: ``r`` records the unit shown)."""
        if (not self._keys_to_screen or not self.chosen or not self.held
                or not char or not char.isascii() or not char.isalpha()):
            return None
        screen = self.screen
        return next((binding for binding in Binding.make_bindings(screen.BINDINGS)
                     if char in binding.key.split(",")
                     and screen.check_action(binding.action, ()) is True), None)

    def close(self) -> None:
        """Fold the results away (after a pick, to give the space back)."""
        self.remove_class("-open")

    def key_down(self) -> None:
        if self.input.has_focus and self.hits.row_count:
            self.add_class("-open")
            self.hits.focus()
