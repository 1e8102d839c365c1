"""Snapshot tests at 80×24, the smallest supported terminal (issue 16): the dispatch dialog
and the callback dialog each show their key line, however long the form.

Same fixed clock, data and cursor setup as ``test_snapshots.py``. Regenerate after an intended
change with ``uv run pytest tests/ui/test_snapshots_small.py --snapshot-update`` and look at
the SVGs before committing them.
"""

from __future__ import annotations

from helpers import screen_text
from textual.pilot import Pilot

from kfdesk.i18n import t

SIZE = (80, 24)


async def _settle(pilot: Pilot) -> None:
    await pilot.app.workers.wait_for_complete()  # the deadline engine's first run
    await pilot.pause(0.4)
    await pilot.pause()


async def _keys_shown(pilot: Pilot) -> None:
    # The key line is on the screen (not scrolled away under a long form).
    assert t("ui.dialog.keys") in screen_text(pilot.app)


def test_dispatch_dialog_80x24(make_app, snap_compare) -> None:  # noqa: ANN001
    async def dispatch(pilot: Pilot) -> None:
        await _settle(pilot)
        await pilot.press("f3")
        await pilot.pause()
        pilot.app.screen.query_one("#queue").select_key("K-000613")
        await pilot.pause()
        await pilot.press("d")
        await _settle(pilot)
        await _keys_shown(pilot)

    assert snap_compare(make_app("zh"), terminal_size=SIZE, run_before=dispatch)


def test_callback_dialog_80x24(make_app, snap_compare) -> None:  # noqa: ANN001
    async def record(pilot: Pilot) -> None:
        await _settle(pilot)
        await pilot.press("f4")
        await pilot.pause()
        await pilot.press("r")
        await _settle(pilot)
        await _keys_shown(pilot)

    assert snap_compare(make_app("zh"), terminal_size=SIZE, run_before=record)


def test_callback_dialog_english_80x24(make_app, snap_compare) -> None:  # noqa: ANN001
    async def record(pilot: Pilot) -> None:
        await _settle(pilot)
        await pilot.press("f4")
        await pilot.pause()
        await pilot.press("r")
        await _settle(pilot)
        await _keys_shown(pilot)

    assert snap_compare(make_app("en"), terminal_size=SIZE, run_before=record)
