"""The daily hand-over (日结交款, KF-015 §4.6, KF-006 §6), opened from F5 with `h`.

Every cashier of the day with their receipts (number range, voids), cash expected, non-cash by
method, what was counted and the difference. `n` counts one's own cash by denomination with
the total and the difference shown live; `c` is the supervisor's confirmation (never one's own
count), after which that day's receipts are closed; `p` prints the slip for finance.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
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
from .widgets.table import Column, FitTable


def _pieces(text: object, value: int) -> int:
    raw = str(text or "").strip()
    if not raw:
        return 0
    if not raw.isdigit():
        raise DeskError("hand_over.count_not_whole", field=f"d{value}", value=value)
    return int(raw)


def denomination_label(value: int) -> str:
    return t("ui.hand_over.yuan", n=value // 100) if value >= 100 else t(
        "ui.hand_over.jiao", n=value // 10)


class CountDialog(ActionDialog):
    """The cashier's count: pieces per denomination; counted, expected and the difference live."""

    def __init__(self, expected_fen: int, submit) -> None:  # noqa: ANN001
        self._expected = expected_fen
        fields = [Field(f"d{v}", denomination_label(v), placeholder="0")
                  for v in ho.DENOMINATIONS]
        fields.append(Field("reason", t("ui.hand_over.f.reason")))
        super().__init__(t("ui.hand_over.count_title"), fields, submit,
                         about=t("ui.hand_over.count_about", amount=money(expected_fen)))

    def counts(self) -> dict[int, int]:
        v = self.values()
        return {d: _pieces(v[f"d{d}"], d) for d in ho.DENOMINATIONS}

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#dlg-box").mount(Static("", id="count-preview"), before="#dlg-keys")
        self._preview()

    @on(Input.Changed)
    def _changed(self) -> None:
        if self.query("#count-preview"):
            self._preview()

    def _preview(self) -> None:
        try:
            counted = ho.count_cash(self.counts())
        except DeskError as exc:
            self.query_one("#count-preview", Static).update(Text(exc.message(), style="red"))
            return
        diff = counted - self._expected
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
            Column("status", t("ui.hand_over.col.status"), min=6, max=16),
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
            else:
                status = (t("ui.hand_over.status.open"), "bold")
            diff: tuple[str, str] = ("", "")
            if h.difference_fen is not None:
                diff = (money(h.difference_fen, symbol=False),
                        "green" if h.difference_fen == 0 else "bold red")
            rng = f"{h.first_number[5:]}–{h.last_number[5:]}" if h.receipts else "—"
            rows.append((str(h.cashier_id), [
                h.cashier, str(h.receipts), rng, money(h.cash_expected_fen, symbol=False),
                money(sum(f for _, f in h.noncash), symbol=False),
                money(h.counted_fen, symbol=False) if h.counted_fen is not None else "—",
                diff, status,
            ]))
        self.query_one(FitTable).load(rows)
        self.query_one("#duty-status", Static).update(
            t("ui.hand_over.status_line", day=self.day.isoformat(), n=len(self._lines)))
        self._show_detail()
        self.query_one("#duty-keys", Static).update(t("ui.hand_over.keys"))
        self.refresh_bindings()

    def _current(self) -> cviews.HandOverLine | None:
        key = self.query_one(FitTable).selected_key()
        return next((h for h in self._lines if str(h.cashier_id) == key), None)

    def on_data_table_row_highlighted(self) -> None:
        self._show_detail()
        self.refresh_bindings()

    def _show_detail(self) -> None:
        h = self._current()
        text = ""
        if h is not None:
            parts = [f"{t(f'method.{m}')} {money(f)}" for m, f in h.noncash]
            if h.reason:
                parts.append(t("ui.hand_over.reason", reason=h.reason))
            text = "  ".join(parts)
        self.query_one("#duty-detail", Static).update(text)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        h = self._current()
        if action == "count":
            return self.may(ho.SUBMIT_ROLES)
        if action == "confirm":
            return (self.may(ho.CONFIRM_ROLES) and h is not None and h.status == "closed"
                    and h.cashier_id != self.staff.id)
        if action == "print":
            return self.may(ho.SUBMIT_ROLES) and h is not None
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
        figures = ho.expected(self.staff, self.day, self.settings)
        day = self.day

        def submit(v: dict) -> str:
            dialog = self.app.screen
            assert isinstance(dialog, CountDialog)
            s = self.desk.session
            row = ho.submit_hand_over(day, dialog.counts(), str(v["reason"]), s.staff, s.clock,
                                      s.settings)
            return t("ui.hand_over.submitted", day=day.isoformat(),
                     difference=money(row.difference_fen))

        self.app.push_screen(CountDialog(figures.cash_fen, submit), self._done)

    def action_confirm(self) -> None:
        h = self._current()
        if h is None or not self.check_action("confirm", ()):
            return

        def submit(v: dict) -> str:
            s = self.desk.session
            ho.confirm_hand_over(h.id, s.staff, s.clock, s.settings)
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
                                       s.staff, s.clock, s.settings, self.desk.lang)
        except DeskError as exc:
            self.query_one("#duty-error", Static).update(exc.message())
            return
        self.notify(t("ui.hand_over.printed", where=where))
