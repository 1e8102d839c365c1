"""Display helpers shared by the screens: cell-aware fitting, dates and times, bindings.

Chinese characters take two terminal cells, so every width here is measured in cells
(``rich.cells.cell_len``), never in characters (UX.md "Checking it").
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from rich.cells import cell_len
from textual.dom import DOMNode

from kfdesk.i18n import has, t
from kfdesk.money import fmt

ELLIPSIS = "…"

# The main screens (Textual modes) and their keys, in key order; the palette lists them so.
# F8 is the alert list (a modal over any screen), so fault notices and services take F9, F10.
MAIN_MODES = {
    "intake": "F2", "dispatch": "F3", "callbacks": "F4", "cashier": "F5", "residents": "F6",
    "summary": "F7", "faults": "F9", "services": "F10",
}


def fit(text: str, width: int) -> str:
    """``text`` cut to at most ``width`` cells, ending in "…" when cut.

    Cuts between characters, never through a wide one.
    """
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return text
    out = []
    used = 0
    for ch in text:
        w = cell_len(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + ELLIPSIS


# Chinese may break between any two characters, but not before closing punctuation nor
# after an opening bracket.
_NO_LINE_START = set("，。、；：？！）》」』】,.;:?!)")
_NO_LINE_END = set("（《「『【(")


def _wide(ch: str) -> bool:
    return cell_len(ch) == 2


def break_offsets(plain: str, width: int) -> list[int]:
    """Where to break ``plain`` into lines of at most ``width`` cells: at spaces and between
    Chinese characters (Rich breaks only at spaces, so a Chinese sentence after a code like
    "3-1-502" would jump whole to the next line and leave a gap)."""
    offsets: list[int] = []
    start = used = last_break = 0
    for pos, ch in enumerate(plain):
        w = cell_len(ch)
        if used + w > width and pos > start:
            cut = last_break if last_break > start else pos
            offsets.append(cut)
            start = cut
            used = cell_len(plain[cut:pos])
        used += w
        following = plain[pos + 1] if pos + 1 < len(plain) else ""
        if following in _NO_LINE_START or ch in _NO_LINE_END:
            continue
        if ch.isspace() or _wide(ch) or _wide(following):
            last_break = pos + 1
    return offsets


def wrap_cells(text: str, width: int) -> str:
    """``text`` with line breaks where Chinese allows, each line at most ``width`` cells (a
    toast: Rich alone would move "要经部门处理……" whole to the line after "K-000613")."""
    if width <= 4:
        return text
    lines = []
    for line in text.split("\n"):
        cuts = [0, *break_offsets(line, width), len(line)]
        lines += [line[a:b].strip(" ") for a, b in zip(cuts, cuts[1:], strict=False)]
    return "\n".join(lines)


def hm(value: datetime | None) -> str:
    """``10:00`` (24-hour, as the counter writes times)."""
    return value.strftime("%H:%M") if value else ""


def ymd(value: date | datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


def ymd_hm(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


def when(value: datetime | None, today: date) -> str:
    """A time of day for today, ``09-01 10:00`` for another day this year, else the full date."""
    if value is None:
        return ""
    if value.date() == today:
        return value.strftime("%H:%M")
    if value.year == today.year:
        return value.strftime("%m-%d %H:%M")
    return value.strftime("%Y-%m-%d")


def money(fen: int, symbol: bool = True) -> str:
    return fmt(fen, symbol=symbol)


def relation(text: str) -> str:
    """A household relation: translated when it is one of the known words, else as typed."""
    return t(f"ui.relation.{text}") if has(f"ui.relation.{text}") else text


def step_name(step: str) -> str:
    """A ticket-log step name (received, dispatched, …), as typed when unknown."""
    return t(f"ui.step.{step}") if has(f"ui.step.{step}") else step


def translate_bindings(node: DOMNode) -> None:
    """Replace the catalogue keys in ``node``'s binding descriptions with the current language.

    Bindings are class attributes, built when the module is imported, before the language is
    chosen (and tests run both languages in one process); so they carry catalogue keys and each
    instance translates its own copy of the map when it is created.
    """
    bindings = node._bindings  # noqa: SLF001 - per-instance copy made by DOMNode.__init__
    bindings.key_to_bindings = {
        key: [
            replace(b, description=t(b.description), tooltip=t(b.tooltip) if b.tooltip else "")
            if b.description and has(b.description)
            else b
            for b in items
        ]
        for key, items in bindings.key_to_bindings.items()
    }
