"""The footer: the keys in the order of the UX sketch — F1–F8 first, then the screen's keys.

One widget drawing one line of text (not a widget per key, as Textual's footer has: those
are a fifth of the first frame's cost). The F-keys are the constant part, so they lead, and
each screen's keys follow. When everything does not fit (80 columns, English), F2–F10 fold into
one group, "F2–F10 screens", then the keys every screen has (F1, ^P, /, Esc) lose their
words, then they are left out but F1, then F2–F10 too — so the screen's own keys keep their
words; F1 lists them all. A click on a key presses it.
"""

from __future__ import annotations

import re

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.widget import Widget

from kfdesk.i18n import t

_FKEY = re.compile(r"^f(\d{1,2})$")
# Keys a desktop browser keeps for itself (new window, new tab, close tab): in a served counter
# they never reach the app, so the footer shows the action's second key instead (issue 19).
BROWSER_RESERVED = frozenset({"ctrl+n", "ctrl+t", "ctrl+w"})


class DeskFooter(Widget):
    DEFAULT_CSS = """
    DeskFooter {
        dock: bottom;
        height: 1;
        background: $footer-background;
        color: $footer-foreground;
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self._spans: list[tuple[int, int, str]] = []  # (start, end, key) of each item drawn

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen) -> None:  # noqa: ANN001 - Screen
        self.refresh()

    def _items(self) -> list[tuple[tuple[int, int], Binding, bool]]:
        seen: set[str] = set()
        items = []
        served = self.app.is_web
        for order, (_, binding, enabled, _tooltip) in enumerate(
            self.screen.active_bindings.values()
        ):
            if not binding.show or not binding.description or binding.action in seen:
                continue
            if served and binding.key in BROWSER_RESERVED:
                continue
            seen.add(binding.action)
            m = _FKEY.match(binding.key)
            # F-keys by number, then the palette, then the rest in binding order.
            if m:
                rank = (0, int(m.group(1)))
            elif binding.action == "command_palette":
                rank = (1, 0)
            else:
                rank = (2, order)
            items.append((rank, binding, enabled))
        return sorted(items, key=lambda item: item[0])

    def render(self) -> Text:
        items = self._items()
        keys = [self.app.get_key_display(b) for _, b, _ in items]
        screens = [i for i, (rank, _, _) in enumerate(items) if rank[0] == 0 and rank[1] >= 2]
        # The app's own keys (F1, ^P) and every screen's (/, Esc): known by heart after a day.
        common = {i for i, (_, b, _) in enumerate(items)
                  if (b.id or "").startswith(("app.", "screen.")) and i not in screens}

        help_key = {i for i, (_, b, _) in enumerate(items) if b.action == "help"}

        def line(level: int) -> tuple[Text, list[tuple[int, int, str]]]:
            # level 0: everything; 1: the screen keys folded into "F2–F10 screens";
            # 2: the common keys without their words; 3: "F2–F10" without its word and the
            # common keys left out but F1 (which lists them all); 4: F1 and the screen's own
            # keys alone. The screen's own keys keep their words at every level (issue 16).
            text = Text(no_wrap=True, overflow="ellipsis")
            spans: list[tuple[int, int, str]] = []
            key_style = self.app.current_theme.accent if self.app.current_theme else "bold"
            for i, ((_, binding, enabled), key) in enumerate(zip(items, keys, strict=True)):
                if level >= 3 and i in common and i not in help_key:
                    continue
                if level >= 1 and i in screens:
                    if i != screens[0] or level >= 4:
                        continue
                    key = f"{keys[screens[0]]}–{keys[screens[-1]]}"
                start = text.cell_len
                text.append(key, style=f"bold {key_style}" if enabled else "dim")
                if level >= 1 and i in screens:
                    if level < 3:
                        text.append(" " + t("ui.key.screens"))
                elif not (level >= 2 and i in common):
                    text.append(" " + binding.description, style="" if enabled else "dim")
                spans.append((start, text.cell_len, binding.key))
                text.append(" ")
            return text, spans

        for level in (0, 1, 2, 3, 4):
            text, spans = line(level)
            if text.cell_len - 1 <= self.size.width:
                break
        self._spans = spans
        return text

    def on_click(self, event: events.Click) -> None:
        for start, end, key in self._spans:
            if start <= event.x < end:
                self.app.simulate_key(key)
                return

    def on_resize(self, event: events.Resize) -> None:
        self.refresh()
