"""A one-line choice among a few fixed values (channel, kind, department), keyboard first.

Textual's Select opens a drop-down on Enter, so Enter could not also mean "next field" as it
does on every counter form (UX: Enter moves to the next field). Here ← → (or space) change
the value in place, the option's number (1–9) or the first letters of its name — pinyin
initials of the Chinese name (gc → 工程维修部) or of its English name — pick it directly,
Enter moves on, and a click cycles. ``hint()`` lists the options for the line under a form.

A change made by the clerk posts ``ChoiceField.Changed``; ``set_options`` (the program
changing the list) does not, so the form decides what follows from it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from ..common import fit

TYPE_AHEAD_SECONDS = 1.0  # letters typed within this time add up ("g", "gc")


def _initials(label: str) -> tuple[str, str]:
    """The label's pinyin (or Latin) initials and its full pinyin, lowercase."""
    from kfdesk.pinyin import name_pinyin  # pypinyin: loaded on the first letter typed

    full, initials = name_pinyin(label)
    return initials, full


class ChoiceField(Widget, can_focus=True):
    """``options`` are (value, label) pairs; ``english`` optional English labels (same order)
    so an English-speaking clerk can type their initials too."""

    DEFAULT_CSS = """
    ChoiceField { width: auto; height: 1; padding: 0 1; background: $boost; }
    ChoiceField:focus { background: $accent 25%; }
    """
    BINDINGS: ClassVar = [
        Binding("left", "step(-1)", show=False),
        Binding("right,space", "step(1)", show=False),
        Binding("enter", "next_field", show=False),
    ]

    class Changed(Message):
        """The clerk chose another option."""

        def __init__(self, choice: ChoiceField, value: str | None) -> None:
            super().__init__()
            self.choice = choice
            self.value = value

        @property
        def control(self) -> ChoiceField:
            return self.choice

    index: reactive[int] = reactive(0, layout=True)

    def __init__(self, options: Sequence[tuple[str, str]], value: str | None = None, *,
                 english: Sequence[str] | None = None, id: str | None = None,  # noqa: A002
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._options: list[tuple[str, str]] = []
        self._english: list[str] = []
        self._keys: list[tuple[str, ...]] | None = None
        self._typed = ""
        self._typed_at = 0.0
        self.set_options(options, value, english=english)

    # ---- the options -------------------------------------------------------------------------

    @property
    def options(self) -> list[tuple[str, str]]:
        return list(self._options)

    def set_options(self, options: Sequence[tuple[str, str]], value: str | None = None, *,
                    english: Sequence[str] | None = None) -> None:
        """Replace the options and choose ``value`` (else the first); posts no Changed."""
        self._options = list(options)
        self._english = list(english or [])
        self._keys = None
        values = [v for v, _ in self._options]
        self.set_reactive(ChoiceField.index, values.index(value) if value in values else 0)
        self.refresh(layout=True)
        if self.is_attached:
            self._refit_row()

    @property
    def value(self) -> str | None:
        """The chosen option's value; None when there are no options."""
        return self._options[self.index][0] if self._options else None

    @value.setter
    def value(self, value: str | None) -> None:
        values = [v for v, _ in self._options]
        if value in values:
            self.index = values.index(value)

    def hint(self) -> str:
        """``1 电话 · 2 来访 · 3 他部门转来`` — the options, numbered as they can be picked."""
        return " · ".join(f"{i} {label}" if i <= 9 else label
                          for i, (_, label) in enumerate(self._options, start=1))

    # ---- drawing -----------------------------------------------------------------------------

    def render(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        if not self._options:
            return text
        label = self._options[self.index][1]
        room = self._room()
        if room is not None and cell_len(label) + 4 > room:
            # Cut by the row's edge (three choices on one row at 80 columns, English): the
            # label gives way, the arrows stay, so it still reads as a choice (issue 16).
            label = fit(label, max(room - 4, 2))
        text.append("◀ ", style="dim")
        text.append(label)
        text.append(" ▶", style="dim")
        return text

    def get_content_width(self, container: Size, viewport: Size) -> int:
        # The chosen label's width, measured afresh: Textual's cached measure of an earlier
        # (cut) render would keep a row sized by its choices too narrow.
        room = self._room()
        width = self._text_width()
        return width if room is None else max(min(width, room), 6)

    def watch_index(self) -> None:
        self._refit_row()

    def _refit_row(self) -> None:
        # This choice's width changed: the choices after it on the row moved, so each one
        # works out its room again once the row is laid out.
        parent = self.parent
        if isinstance(parent, Widget):
            self.call_after_refresh(
                lambda: [c.refresh() for c in parent.query_children(ChoiceField)])

    def _room(self) -> int | None:
        """Cells for this choice's text before its row's right edge; None before layout.

        Worked out from the row's width and what comes before on it (a choice before this
        one by its current text: its laid-out width may be a frame behind)."""
        parent = self.parent
        if not isinstance(parent, Widget) or not parent.content_size.width:
            return None
        width = parent.styles.width
        if width is not None and width.is_auto:
            return None  # a row as wide as its choices (F2's kind row) has room for them
        used = 0
        for sibling in parent.children:
            if sibling is self:
                break
            if not sibling.display:
                continue
            if isinstance(sibling, ChoiceField):
                used += sibling._text_width() + sibling.styles.gutter.width \
                    + sibling.styles.margin.width
            else:
                used += sibling.outer_size.width
        return parent.content_size.width - used - self.styles.gutter.width

    def _text_width(self) -> int:
        return cell_len(self._options[self.index][1]) + 4 if self._options else 0

    # ---- choosing ----------------------------------------------------------------------------

    def _choose(self, index: int) -> None:
        if not self._options or index == self.index:
            return
        self.index = index
        self.post_message(self.Changed(self, self.value))

    def action_step(self, delta: int) -> None:
        if self._options:
            self._choose((self.index + delta) % len(self._options))

    def action_next_field(self) -> None:
        self.screen.focus_next()

    def _match_keys(self) -> list[tuple[str, ...]]:
        if self._keys is None:
            keys = []
            for i, (_, label) in enumerate(self._options):
                words = [*_initials(label)]
                if i < len(self._english):
                    english = self._english[i].lower()
                    words += ["".join(w[0] for w in english.split() if w), english]
                keys.append(tuple(words))
            self._keys = keys
        return self._keys

    def on_key(self, event: events.Key) -> None:
        char = event.character
        if not char or not self._options:
            return
        if char.isdigit():
            number = int(char)
            if 1 <= number <= min(len(self._options), 9):
                event.stop()
                self._choose(number - 1)
            return
        if not char.isalpha() or not char.isascii():
            return
        event.stop()
        now = time.monotonic()
        self._typed = (self._typed if now - self._typed_at < TYPE_AHEAD_SECONDS else "")
        self._typed += char.lower()
        self._typed_at = now
        keys = self._match_keys()
        for i, words in enumerate(keys):
            if any(w.startswith(self._typed) for w in words):
                self._choose(i)
                return

    def on_click(self) -> None:
        self.action_step(1)
