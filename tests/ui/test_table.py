"""Column widths in terminal cells: Chinese is two cells, nothing is cut through a character."""

from __future__ import annotations

from kfdesk_screens.common import fit
from kfdesk_screens.widgets.table import Column, compute_widths, filter_rows, visible_columns
from rich.cells import cell_len


def test_fit_counts_cells() -> None:
    assert fit("王建国", 6) == "王建国"
    assert fit("王建国", 5) == "王建…"
    assert fit("王建国", 4) == "王…"  # never half a character
    assert fit("K-000101", 8) == "K-000101"
    assert fit("abc", 0) == ""
    for width in range(1, 12):
        assert cell_len(fit("开发商工程质量问题", width)) <= width


def test_widths_fill_and_shrink() -> None:
    cols = [Column("a", "房号", min=7), Column("b", "来电人", min=4, flex=1),
            Column("c", "状态", min=4, max=6)]
    rows = [["3-1-502", "王建国", "待派单"], ["12-1-502", "欧阳明月", "已派单"]]
    # Natural: 8, 8, 6 = 22; spare goes to the flex column.
    assert compute_widths(cols, rows, 30) == [8, 16, 6]
    assert compute_widths(cols, rows, 22) == [8, 8, 6]
    # Short of space: the flex column (a name) gives way first, but only down to a
    # three-character name; then the others, then the name down to its minimum (issue 16:
    # names get their width before the other columns).
    assert compute_widths(cols, rows, 20) == [8, 6, 6]
    assert compute_widths(cols, rows, 18) == [7, 6, 5]
    assert compute_widths(cols, rows, 16) == [7, 5, 4]


def test_columns_dropped_by_priority() -> None:
    cols = [Column("a", "单号", min=8), Column("b", "标记", min=2, drop=2),
            Column("c", "来电人", min=4, flex=1, drop=1), Column("d", "状态", min=6)]
    rows = [["K-000101", "主管协调", "王建国", "待派单"]]
    assert visible_columns(cols, rows, 80, 2) == [0, 1, 2, 3]
    assert visible_columns(cols, rows, 26, 2) == [0, 2, 3]  # the flags go first
    assert visible_columns(cols, rows, 18, 2) == [0, 3]


def test_filter_rows_matches_every_word() -> None:
    rows = [("1", ["3-1-502", "给排水", ("张敏", "bold")]), ("2", ["3-1-601", "供电", "刘伟"])]
    assert [k for k, _ in filter_rows(rows, "张敏")] == ["1"]
    assert [k for k, _ in filter_rows(rows, "3-1 刘伟")] == ["2"]
    assert [k for k, _ in filter_rows(rows, "")] == ["1", "2"]
