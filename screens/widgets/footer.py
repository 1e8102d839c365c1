"""The footer: the keys in the order of the UX sketch — F1–F7 first, then the screen's keys.

Textual's own footer lists the focused widget's and the screen's keys before the app's; at the
counter the F-keys are the constant part, so they lead, and each screen's keys follow. When
everything does not fit (80 columns, English), F2–F7 fold into one group, "F2 … F7 screens",
so the screen's own keys stay visible; F1 lists them all.
"""

from __future__ import annotations

import re

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey, FooterLabel  # the footer's own pieces

from kfdesk.i18n import t

_FKEY = re.compile(r"^f(\d{1,2})$")


class DeskFooter(Footer):
    DEFAULT_CSS = """
    DeskFooter.-compact FooterLabel { margin: 0 1 0 0; }
    """

    def __init__(self) -> None:
        super().__init__(show_command_palette=False, compact=True)
        self._folded: bool | None = None
        self._shown: tuple | None = None

    def _signature(self) -> tuple:
        return tuple((b.key, b.description, enabled) for _, b, enabled, _ in self._items())

    def bindings_changed(self, screen) -> None:  # noqa: ANN001 - Screen
        # Textual recomposes the footer on every focus change; at start-up that is several
        # times before the first frame. Recompose only when the keys shown really change.
        self._bindings_ready = True
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen:
            return
        if self._signature() != self._shown:
            self.call_after_refresh(self.recompose)

    def _items(self) -> list:
        seen: set[str] = set()
        items = []
        for order, (_, binding, enabled, tooltip) in enumerate(
            self.screen.active_bindings.values()
        ):
            if not binding.show or not binding.description or binding.action in seen:
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
            items.append((rank, binding, enabled, tooltip))
        return sorted(items, key=lambda item: item[0])

    def _fold(self, items: list) -> bool:
        # Compact footer: key, space, description, one cell between items.
        width = sum(cell_len(self.app.get_key_display(b)) + 1 + cell_len(b.description) + 1
                    for _, b, _, _ in items)
        return width > self.app.size.width

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        items = self._items()
        self._shown = tuple((b.key, b.description, enabled) for _, b, enabled, _ in items)
        self._folded = fold = self._fold(items)
        screens = [i for i, (rank, *_) in enumerate(items) if rank[0] == 0 and rank[1] >= 2]
        for i, (_, binding, enabled, tooltip) in enumerate(items):
            folded = fold and i in screens
            yield FooterKey(
                binding.key,
                self.app.get_key_display(binding),
                "" if folded else binding.description,
                binding.action,
                disabled=not enabled,
                tooltip=tooltip or binding.description,
            ).data_bind(compact=Footer.compact)
            if folded and i == screens[-1]:
                yield FooterLabel(t("ui.key.screens"))

    def on_resize(self, event: events.Resize) -> None:
        if self._folded is not None and self._fold(self._items()) != self._folded:
            self.call_after_refresh(self.recompose)
