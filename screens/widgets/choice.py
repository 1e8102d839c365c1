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

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

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
        text.append("◀ ", style="dim")
        text.append(self._options[self.index][1])
        text.append(" ▶", style="dim")
        return text

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
