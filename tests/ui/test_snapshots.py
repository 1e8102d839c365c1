"""Snapshot tests (pytest-textual-snapshot): the screens as SVG at a fixed size.

Fixed clock, fixed data, cursor blink off and no ticking clock, so the pictures are stable.
Regenerate after an intended change with ``uv run pytest tests/ui --snapshot-update`` and
look at the SVGs under ``tests/ui/__snapshots__`` before committing them.
"""

from __future__ import annotations

from textual.pilot import Pilot

SIZE = (120, 40)


async def _settle(pilot: Pilot) -> None:
    await pilot.app.workers.wait_for_complete()  # the deadline engine's first run
    await pilot.pause(0.4)  # past the lookup's debounce
    await pilot.pause()


def test_sign_in(make_app, snap_compare) -> None:  # noqa: ANN001
    assert snap_compare(make_app("zh", signed_in=False), terminal_size=SIZE)


def test_dispatch_queue(make_app, snap_compare) -> None:  # noqa: ANN001
    assert snap_compare(make_app("zh"), press=["f3"], terminal_size=SIZE, run_before=_settle)


def test_intake_with_brief(make_app, snap_compare) -> None:  # noqa: ANN001
    async def type_unit(pilot: Pilot) -> None:
        await pilot.app.workers.wait_for_complete()
        await pilot.press(*"31502")
        await _settle(pilot)
        await pilot.press("enter")
        await pilot.pause()

    assert snap_compare(make_app("zh"), terminal_size=SIZE, run_before=type_unit)


def test_intake_refuses_an_unchosen_unit_80x24(make_app, snap_compare) -> None:  # noqa: ANN001
    """Issue 16: text that matched no unit says so, and Ctrl+S refuses it in place — at the
    smallest size, with the footer's keys (^S save, ^R repeat the last ticket) visible."""
    async def unchosen(pilot: Pilot) -> None:
        await pilot.app.workers.wait_for_complete()
        await pilot.press(*"9-9-999")
        await _settle(pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()

    assert snap_compare(make_app("zh"), terminal_size=(80, 24), run_before=unchosen)


def test_intake_english_80x24(make_app, snap_compare) -> None:  # noqa: ANN001
    """Issue 16: at 80×24 in English the judgement has a row of its own ("◀ Valid ▶", not
    "◀ V… ▶"), the placeholders fit their boxes and the brief wraps a ticket, not cuts it."""
    async def unit_chosen(pilot: Pilot) -> None:
        await pilot.app.workers.wait_for_complete()
        await pilot.press(*"3-1-502")
        await _settle(pilot)
        await pilot.press("enter")
        await _settle(pilot)

    assert snap_compare(make_app("en"), terminal_size=(80, 24), run_before=unit_chosen)


def test_residents_unit(make_app, snap_compare) -> None:  # noqa: ANN001
    async def open_unit(pilot: Pilot) -> None:
        await pilot.app.workers.wait_for_complete()
        await pilot.press("f6", *"wjg")
        await _settle(pilot)
        await pilot.press("enter")
        await pilot.pause()

    assert snap_compare(make_app("zh"), terminal_size=SIZE, run_before=open_unit)


def test_cashier_english_80x24(make_app, snap_compare) -> None:  # noqa: ANN001
    async def owed(pilot: Pilot) -> None:
        await pilot.app.workers.wait_for_complete()
        await pilot.press("f5", *"3-1-502")
        await _settle(pilot)
        await pilot.press("enter")
        await pilot.pause()

    assert snap_compare(make_app("en", login="cashier"), terminal_size=(80, 24),
                        run_before=owed)
