"""The hand-over to finance (日结交款, KF-015 §4.6, KF-006 §6, RULES v2 §4), from F5 with `h`.

Every hand-over of the day with its receipts (number range, voids), cash expected from the
current figures (parking included), non-cash by method, what was counted and the difference;
below each cashier's, the money they took after that count (it goes into their next hand-over).
`n` counts one's own cash by denomination down to 1 fen, with the total and the difference
live (and 抹零 where the office allows it); `c` is finance's confirmation (never one's own
count, never a count gone stale); `p` prints the slip of the highlighted line.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Input, Static

from kfdesk.desk import hand_over as ho
from kfdesk.desk.base import DeskError
from kfdesk.i18n import t
from kfdesk.money import amount_in_words
from kfdesk.printing import print_folder
from kfdesk.views import cashier as cviews

from .common import hm, money
from .sampling import DutyModal
from .widgets.dialogs import ActionDialog, Field
from .widgets.inputs import DeskInput
from .widgets.table import Column, FitTable

# The count form's rows: notes, then coins, three to a row (RULES v2 §4: to the fen).
_ROWS: tuple[tuple[int, ...], ...] = ((10000, 5000, 2000), (1000, 500, 100), (50, 20, 10),
                                      (5, 2, 1))


def _pieces(text: object, value: int) -> int:
    raw = str(text or "").strip()
    if not raw:
        return 0
    if not raw.isdigit() or not raw.isascii():
        raise DeskError("hand_over.count_not_whole", field=f"d{value}", value=value)
    return int(raw)


def _rounding(text: object) -> int:
    """The 抹零 typed in fen (a whole number of fen, as the setting counts it)."""
    raw = str(text or "").strip()
    if not raw:
        return 0
    if not raw.isdigit() or not raw.isascii():
        raise DeskError("hand_over.rounding_bad", field="rounding")
    return int(raw)


def denomination_label(value: int) -> str:
    if value >= 100:
        return t("ui.hand_over.yuan", n=value // 100)
    if value >= 10:
        return t("ui.hand_over.jiao", n=value // 10)
    return t("ui.hand_over.fen", n=value)


def line_key(h: cviews.HandOverLine) -> str:
    """A hand-over, or a cashier's money not yet counted: one row each."""
    return f"{h.cashier_id}:{h.id or 0}"


class CountDialog(ActionDialog):
    """The cashier's count: pieces per denomination in a grid of three a row; counted,
    expected and the difference live; a 抹零 line only where the settings allow it."""

    def __init__(self, expected_fen: int, submit, *, rounding_max: int = 0) -> None:  # noqa: ANN001
        self._expected = expected_fen
        self._rounding_max = rounding_max
        fields = [Field(f"d{v}", denomination_label(v), placeholder="0")
                  for v in ho.DENOMINATIONS]
        fields.append(Field("reason", t("ui.hand_over.f.reason")))
        if rounding_max:
            fields.append(Field("rounding", t("ui.hand_over.f.rounding",
                                              most=money(rounding_max)), placeholder="0"))
            fields.append(Field("rounding_reason", t("ui.hand_over.f.rounding_reason")))
        super().__init__(t("ui.hand_over.count_title"), fields, submit,
                         about=t("ui.hand_over.count_about", amount=money(expected_fen)))

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="dlg-box", can_focus=False):
            yield Static(self._title, classes="dlg-title")
            yield Static(self._about, classes="dlg-about")
            yield Static("", id="dlg-error")
            for values in _ROWS:
                with Horizontal(classes="dlg-row count-row"):
                    for value in values:
                        label = Static(denomination_label(value), classes="dlg-label")
                        label.styles.width = 7
                        yield label
                        yield DeskInput("", placeholder="0", id=f"f-d{value}")
            width = min(max([12, *(len(f.label) * 2 + 1 for f in self._fields
                                    if not f.name.startswith("d"))]), 26)
            for f in self._fields:
                if f.name.startswith("d"):
                    continue
                with Horizontal(classes="dlg-row"):
                    label = Static(f.label, classes="dlg-label")
                    label.styles.width = width
                    yield label
                    yield self._widget(f)
            yield Static("", id="count-preview")
            yield Static(t("ui.dialog.keys"), id="dlg-keys")

    def counts(self) -> dict[int, int]:
        v = self.values()
        return {d: _pieces(v[f"d{d}"], d) for d in ho.DENOMINATIONS}

    def rounding(self) -> int:
        return _rounding(self.values().get("rounding", "")) if self._rounding_max else 0

    def on_mount(self) -> None:
        super().on_mount()
        self._preview()

    @on(Input.Changed)
    def _changed(self) -> None:
        if self.query("#count-preview"):
            self._preview()

    def _preview(self) -> None:
        try:
            counted = ho.count_cash(self.counts())
            rounding = self.rounding()
        except DeskError as exc:
            self.query_one("#count-preview", Static).update(Text(exc.message(), style="red"))
            return
        diff = counted + rounding - self._expected
        out = Text()
        out.append(t("ui.hand_over.counted", amount=money(counted),
                     words=amount_in_words(counted)) + "\n", style="bold")
        style = "bold green" if diff == 0 else "bold red"
        out.append(t("ui.hand_over.difference", amount=money(diff)), style=style)
        if diff:
            out.append("  " + t("ui.hand_over.reason_needed"), style="yellow")
        self.query_one("#count-preview", Static).update(out)


class HandOverScreen(DutyModal):
    MODE = "hand_over"
    BINDINGS: ClassVar = [
        Binding("n", "count", "ui.hand_over.key.count", id="hand_over.count"),
        Binding("c", "confirm", "ui.hand_over.key.confirm", id="hand_over.confirm"),
        Binding("p", "print", "ui.hand_over.key.print", id="hand_over.print"),
        Binding("left_square_bracket", "day(-1)", "ui.key.prev_day", id="hand_over.prev"),
        Binding("right_square_bracket", "day(1)", "ui.key.next_day", id="hand_over.next"),
    ]

    def __init__(self, day: date | None = None) -> None:
        super().__init__()
        self._day = day
        self._lines: list[cviews.HandOverLine] = []

    @property
    def day(self) -> date:
        return self._day or self.today

    def compose_body(self) -> ComposeResult:
        yield Static("", id="duty-status")
        yield FitTable([
            Column("cashier", t("ui.hand_over.col.cashier"), min=4, max=10),
            Column("receipts", t("ui.hand_over.col.receipts"), min=4, max=6, right=True),
            Column("range", t("ui.hand_over.col.range"), min=11, max=25, drop=2),
            Column("expected", t("ui.hand_over.col.expected"), min=8, max=12, right=True),
            Column("noncash", t("ui.hand_over.col.noncash"), min=8, max=12, right=True,
                   drop=1),
            Column("counted", t("ui.hand_over.col.counted"), min=8, max=12, right=True),
            Column("difference", t("ui.hand_over.col.difference"), min=6, max=10, right=True),
            Column("status", t("ui.hand_over.col.status"), min=6, max=24),
        ], id="hand-overs")
        yield Static("", id="duty-detail")

    def reload(self) -> None:
        self._lines = cviews.hand_overs(self.day, self.zone)
        rows = []
        for h in self._lines:
            if h.status == "confirmed":
                status = (t("ui.hand_over.status.confirmed", name=h.confirmed_by), "green")
            elif h.status == "closed":
                status = (t("ui.hand_over.status.closed", at=hm(h.closed_at)), "yellow")
            elif h.status == "next":
                status = (t("ui.hand_over.status.next"), "bold yellow")
            else:
                status = (t("ui.hand_over.status.open"), "bold")
            if h.stale:  # RULES v2 §4: counted against other figures
                status = (t("ui.hand_over.status.stale"), "bold red")
            diff: tuple[str, str] = ("", "")
            if h.difference_fen is not None:
                diff = (money(h.difference_fen, symbol=False),
                        "green" if h.difference_fen == 0 else "bold red")
            rng = f"{h.first_number[5:]}–{h.last_number[5:]}" if h.receipts else "—"
            # The money after a count is that cashier's next hand-over: indented under it.
            name = f"  ↳{h.cashier}" if h.status == "next" else h.cashier
            rows.append((line_key(h), [
                name, str(h.receipts), rng, money(h.cash_expected_fen, symbol=False),
                money(sum(f for _, f in h.noncash), symbol=False),
                money(h.counted_fen, symbol=False) if h.counted_fen is not None else "—",
                diff, status,
            ]))
        self.query_one(FitTable).load(rows)
        self.query_one("#duty-status", Static).update(
            t("ui.hand_over.status_line", day=self.day.isoformat(),
              n=len({h.cashier_id for h in self._lines})))
        self._show_detail()
        self.query_one("#duty-keys", Static).update(t("ui.hand_over.keys"))
        self.refresh_bindings()

    def _current(self) -> cviews.HandOverLine | None:
        key = self.query_one(FitTable).selected_key()
        return next((h for h in self._lines if line_key(h) == key), None)

    def on_data_table_row_highlighted(self) -> None:
        self._show_detail()
        self.refresh_bindings()

    def _show_detail(self) -> None:
        h = self._current()
        text = ""
        if h is not None:
            parts = []
            if h.parking_fen:
                parts.append(t("ui.hand_over.parking", amount=money(h.parking_fen)))
            parts += [f"{t(f'method.{m}')} {money(f)}" for m, f in h.noncash]
            if h.rounding_fen:
                parts.append(t("ui.hand_over.rounding", amount=money(h.rounding_fen),
                               reason=h.rounding_reason))
            if h.reason:
                parts.append(t("ui.hand_over.reason", reason=h.reason))
            if h.confirmed_at is not None:
                parts.append(t("ui.hand_over.confirmed_by", name=h.confirmed_by,
                               role=t(f"role.{h.confirmed_role}"), at=hm(h.confirmed_at)))
            if h.stale and h.counted_expected_fen is not None:
                parts.append(t("ui.hand_over.stale_detail",
                               amount=money(h.counted_expected_fen)))
            if h.status == "next":
                parts.append(t("ui.hand_over.next_detail"))
            text = "  ".join(parts)
        self.query_one("#duty-detail", Static).update(text)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        h = self._current()
        if action == "count":
            return self.may(ho.SUBMIT_ROLES)
        if action == "confirm":
            return (self.may(ho.confirm_roles(self.settings)) and h is not None
                    and h.status == "closed" and not h.stale
                    and h.cashier_id != self.staff.id)
        if action == "print":
            return self.may(ho.READ_ROLES) and h is not None
        return super().check_action(action, parameters)

    def action_day(self, step: int) -> None:
        day = self.day + timedelta(days=step)
        if day > self.today:
            return
        self._day = None if day == self.today else day
        self.reload()

    def _done(self, result: str | None) -> None:
        if result:
            self.notify(result)
            self.desk.request_refresh()
        self.reload()

    def action_count(self) -> None:
        if not self.check_action("count", ()):
            return
        if any(h.cashier_id == self.staff.id and h.status == "confirmed" for h in self._lines):
            # Finance confirmed this day's count: said at once, not after typing a count.
            self.query_one("#duty-error", Static).update(
                DeskError("hand_over.already_confirmed", day=self.day.isoformat()).message())
            return
        figures = ho.expected(self.staff, self.day, self.settings)
        day = self.day

        def submit(v: dict) -> str:
            dialog = self.app.screen
            assert isinstance(dialog, CountDialog)
            s = self.desk.session
            row = ho.submit_hand_over(day, dialog.counts(), str(v["reason"]), s.staff, s.clock,
                                      s.settings, rounding_fen=dialog.rounding(),
                                      rounding_reason=str(v.get("rounding_reason", "")))
            return t("ui.hand_over.submitted", day=day.isoformat(),
                     difference=money(row.difference_fen))

        self.app.push_screen(CountDialog(figures.cash_fen, submit,
                                         rounding_max=ho.rounding_max(self.settings)),
                             self._done)

    def action_confirm(self) -> None:
        h = self._current()
        if h is None or h.id is None or not self.check_action("confirm", ()):
            return
        hand_over_id = h.id

        def submit(v: dict) -> str:
            s = self.desk.session
            ho.confirm_hand_over(hand_over_id, s.staff, s.clock, s.settings)
            return t("ui.hand_over.confirmed", cashier=h.cashier, day=self.day.isoformat())

        about = t("ui.hand_over.confirm_about", cashier=h.cashier, receipts=h.receipts,
                  expected=money(h.cash_expected_fen), counted=money(h.counted_fen or 0),
                  difference=money(h.difference_fen or 0), reason=h.reason or "—")
        self.app.push_screen(ActionDialog(t("ui.hand_over.confirm_title"), [], submit,
                                          about=about), self._done)

    def action_print(self) -> None:
        h = self._current()
        if h is None:
            return
        s = self.desk.session
        try:
            where = ho.print_hand_over(self.day, h.cashier_id, print_folder(s.db_target),
                                       s.staff, s.clock, s.settings, self.desk.lang,
                                       hand_over_id=h.id, pending=h.id is None)
        except DeskError as exc:
            self.query_one("#duty-error", Static).update(exc.message())
            return
        self.notify(t("ui.hand_over.printed", where=where))
