"""A DataTable whose column widths are computed in terminal cells to fit the space it has.

Each column has a minimum, an optional maximum and a flex share. Widths start at the natural
(widest cell, measured with ``cell_len``: a Chinese character is two cells), spare width goes
to the flex columns, and when space is short the flex columns give way first, then the others
down to their minimum. Cells are cut between characters with "…" (``common.fit``), so nothing
is cut through a wide character and the columns stay aligned at 80 or 120 columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.widgets import DataTable

from ..common import fit

Cell = str | tuple[str, str]  # text, or (text, Rich style)

# What a flex column (a name) keeps before the other columns give way: a three-character
# Chinese name.
NAME_CELLS = 6


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # already translated
    min: int = 4
    max: int | None = None
    flex: int = 0  # share of spare width; 0 keeps the natural width
    right: bool = False  # numbers and money
    # When even the minimum widths do not fit, columns with drop > 0 are left out, the
    # highest first (so at 80 columns a queue keeps unit, state and owner, not the flags).
    drop: int = 0


def _plain(cell: Cell) -> str:
    return cell if isinstance(cell, str) else cell[0]


def _natural(col: Column, i: int, rows: Sequence[Sequence[Cell]]) -> int:
    widest = max([cell_len(col.label)] + [cell_len(_plain(r[i])) for r in rows])
    width = max(col.min, widest)
    return min(width, max(col.max, col.min)) if col.max is not None else width


def visible_columns(columns: Sequence[Column], rows: Sequence[Sequence[Cell]], available: int,
                    pad: int) -> list[int]:
    """Indexes of the columns to show in ``available`` cells, each costing ``pad`` extra.

    A fixed column needs its natural width, a flex column its minimum; while that does not
    fit, the droppable column with the highest ``drop`` goes — leaving a less important
    column out rather than cutting an important one.
    """
    need = [c.min if c.flex else _natural(c, i, rows) for i, c in enumerate(columns)]
    shown = list(range(len(columns)))
    while sum(need[i] + pad for i in shown) > available:
        droppable = [i for i in shown if columns[i].drop > 0]
        if not droppable:
            break
        shown.remove(max(droppable, key=lambda i: (columns[i].drop, i)))
    return shown


def compute_widths(columns: Sequence[Column], rows: Sequence[Sequence[Cell]],
                   available: int) -> list[int]:
    """Content widths (cells, padding excluded) that fit ``available`` cells if possible."""
    natural = [_natural(col, i, rows) for i, col in enumerate(columns)]
    spare = available - sum(natural)
    if spare > 0:
        # Spare width goes to the flex columns, by share, each up to its maximum (a name
        # column stretched across half the screen reads worse than a gap at the right).
        grown = natural[:]
        while spare > 0:
            room = [i for i, c in enumerate(columns)
                    if c.flex and (c.max is None or grown[i] < c.max)]
            if not room:
                break
            total_flex = sum(columns[i].flex for i in room)
            given = 0
            for i in room:
                extra = spare * columns[i].flex // total_flex
                if columns[i].max is not None:
                    extra = min(extra, columns[i].max - grown[i])
                grown[i] += extra
                given += extra
            if given == 0:  # less spare than flex columns: one cell each, first first
                for i in room[:spare]:
                    grown[i] += 1
                    given += 1
            spare -= given
        return grown
    if spare == 0:
        return natural
    widths = natural[:]
    short = -spare
    # First the flex columns (names, categories) down to a name's width, then everything
    # else down to its minimum, then the flex columns down to theirs: a resident's name
    # keeps "杨小红" while a long callback kind gives way (issue 16: names get their width
    # before the other columns; the codes — numbers, units, phones — are fixed anyway).
    flex = [i for i, c in enumerate(columns) if c.flex]
    floors = [max(c.min, min(natural[i], NAME_CELLS)) if c.flex else c.min
              for i, c in enumerate(columns)]
    for group, floor in ((flex, floors),
                         ([i for i, c in enumerate(columns) if not c.flex], floors),
                         (flex, [c.min for c in columns])):
        while short > 0:
            room = [i for i in group if widths[i] > floor[i]]
            if not room:
                break
            # Take from the widest first: it loses least by being cut.
            i = max(room, key=lambda j: widths[j] - floor[j])
            widths[i] -= 1
            short -= 1
    return widths


class FitTable(DataTable):
    """A row-cursor table fed with ``load(rows)``; widths recomputed when its width changes."""

    DEFAULT_CSS = """
    FitTable { scrollbar-size-vertical: 1; height: 1fr; }
    """

    def __init__(self, columns: Sequence[Column], *, id: str | None = None,  # noqa: A002
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes, cursor_type="row", zebra_stripes=True)
        self._fit_cols = list(columns)
        self._fit_rows: list[tuple[str, list[Cell]]] = []
        self._laid_out_for: int | None = None
        self._want: str | None = None  # a row to select once rendered

    @property
    def row_keys(self) -> list[str]:
        return [key for key, _ in self._fit_rows]

    def load(self, rows: Sequence[tuple[str, Sequence[Cell]]]) -> None:
        """Replace the rows (``(row key, cells)``), keeping the cursor on the same key."""
        rows = [(key, list(cells)) for key, cells in rows]
        if rows == self._fit_rows and self._laid_out_for == self.size.width:
            # Unchanged (the usual case when a screen is shown again): keep the table and its
            # render cache, so switching screens stays instant.
            return
        self._fit_rows = rows
        self._render_rows()

    def selected_key(self) -> str | None:
        """The row key under the cursor, or None for an empty table."""
        if not self._fit_rows:
            return None
        if self.row_count == 0:
            # Loaded but not laid out yet (a hidden table, Enter typed fast): the first row.
            return self._fit_rows[0][0]
        if self.cursor_row < 0 or self.cursor_row >= self.row_count:
            return None
        return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value

    def select_key(self, key: str) -> bool:
        """Move the cursor to the row with ``key``; False when it is not in the table."""
        if self._laid_out_for is None:
            # Not rendered yet: remember it for the first render.
            self._want = key
            return any(k == key for k, _ in self._fit_rows)
        try:
            index = self.get_row_index(key)
        except Exception:  # noqa: BLE001 - RowDoesNotExist; the row simply is not shown
            return False
        self.move_cursor(row=index)
        return True

    def _available(self) -> int:
        # The vertical scrollbar is always reserved so widths do not jump as rows come and go.
        return self.size.width - self.styles.scrollbar_size_vertical

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self._laid_out_for:
            self._render_rows()

    def _render_rows(self) -> None:
        width = self.size.width
        if width <= 0:
            # Hidden or not laid out yet: drop the old rows now (so nothing stale can be
            # picked) and render when the table gets a width (the next Resize).
            self.clear()
            self._laid_out_for = None
            return
        keep = self.selected_key()
        keep_row = self.cursor_row
        self._laid_out_for = width
        pad = 2 * self.cell_padding
        shown = visible_columns(self._fit_cols, [r for _, r in self._fit_rows],
                                self._available(), pad)
        cols = [self._fit_cols[i] for i in shown]
        cells = [[row[i] for i in shown] for _, row in self._fit_rows]
        widths = compute_widths(cols, cells, self._available() - pad * len(cols))
        self.clear(columns=True)
        for col, w in zip(cols, widths, strict=True):
            self.add_column(Text(fit(col.label, w), justify="right" if col.right else "left"),
                            width=w, key=col.key)
        for (key, _), row in zip(self._fit_rows, cells, strict=True):
            texts = []
            for col, w, cell in zip(cols, widths, row, strict=True):
                plain, style = (cell, "") if isinstance(cell, str) else cell
                texts.append(Text(fit(plain, w), style=style,
                                  justify="right" if col.right else "left"))
            self.add_row(*texts, key=key)
        want, self._want = self._want, None
        if want is not None and self.select_key(want):
            return
        if keep is not None and self.select_key(keep):
            return
        if self._fit_rows:
            self.move_cursor(row=min(max(keep_row, 0), len(self._fit_rows) - 1))


def filter_rows(rows: Sequence[tuple[str, Sequence[Cell]]],
                query: str) -> list[tuple[str, Sequence[Cell]]]:
    """The rows in which every word of ``query`` appears in some cell, as shown (casefolded)."""
    words = query.casefold().split()
    if not words:
        return list(rows)
    return [
        (key, cells) for key, cells in rows
        if all(any(w in _plain(c).casefold() for c in cells) for w in words)
    ]
