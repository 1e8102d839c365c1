"""KF-009 §3.1.2 monthly callback sampling, a modal over F4 (callbacks).

The month's ordinary in-home repair work orders with each one's place in the sample, and the
progress against both quotas (≥ 90 % called back, ≥ 25 % of the sample in person) — the same
count the ``callback_sampling`` clock uses. The supervisor proposes the random sample (p),
then may move a callback in or out of it (x) or switch phone / in person (m); `[` `]` move
between months. Everyone else reads. ``DutyModal`` is the frame the visit list and the survey
share: a bordered box with a title, a status area, the tables, a line for refusals and the
keys.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, ClassVar

from dateutil.relativedelta import relativedelta
from rich.table import Table
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from kfdesk.desk import sampling
from kfdesk.desk.base import DeskError
from kfdesk.i18n import t
from kfdesk.percent import share_percent
from kfdesk.views.sampling import MonthSample, month_sample

from .base import DeskContext
from .common import translate_bindings, when
from .widgets.table import Column, FitTable

if TYPE_CHECKING:
    from kfdesk.config import Settings
    from kfdesk.models import Staff


def met_text(done: int, needed: int) -> Text:
    """``已达标`` in green or ``差 3`` in the warning colour: colour is never the only signal."""
    if done >= needed:
        return Text(t("ui.duty.met"), style="bold green")
    return Text(t("ui.duty.short", n=needed - done), style="bold yellow")


class DutyModal(DeskContext, ModalScreen[None]):
    """The supervisor's duty modals: title in the border, status, tables, error and keys."""

    DEFAULT_CSS = """
    DutyModal { align: center middle; }
    DutyModal > #duty-box {
        width: 96%; height: 94%; border: round $accent; background: $surface; padding: 0 1;
        border-title-style: bold; border-title-color: $text;
    }
    DutyModal.-narrow > #duty-box { width: 100%; height: 100%; }
    DutyModal #duty-status { height: auto; }
    DutyModal #duty-error { color: $error; height: auto; }
    DutyModal #duty-keys { color: $text-muted; height: auto; }
    DutyModal #duty-detail { height: auto; max-height: 6; color: $text-muted; }
    DutyModal FitTable { height: 1fr; }
    """
    BINDINGS: ClassVar = [
        Binding("escape", "close", "ui.key.close", id="duty.close"),
        # A modal stops the app's own keys; F1 is passed on so help shows this modal's keys
        # and rules (``ui.help.<MODE>``).
        Binding("f1", "help", "ui.key.help", id="duty.help"),
    ]
    # F1 help reads ``ui.help.<MODE>.rules`` and ``ui.title.<MODE>`` for the screen under it.
    MODE: ClassVar[str] = ""

    def __init__(self) -> None:
        super().__init__()
        translate_bindings(self)

    # ---- what every duty modal needs ------------------------------------------------------

    @property
    def staff(self) -> Staff:
        return self.desk.session.staff  # type: ignore[return-value]

    @property
    def settings(self) -> Settings:
        return self.desk.session.settings

    def may(self, roles: tuple[str, ...]) -> bool:
        return self.staff is not None and self.staff.role in roles

    def compose(self) -> ComposeResult:
        with Vertical(id="duty-box") as box:
            box.border_title = t(f"ui.title.{self.MODE}")
            box.border_subtitle = t("ui.duty.help_hint")
            yield from self.compose_body()
            yield Static("", id="duty-error")
            yield Static("", id="duty-keys")

    def compose_body(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        self.reload()
        tables = self.query(FitTable)
        if tables:
            tables.first().focus()

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width < 100, "-narrow")

    def reload(self) -> None:
        """Re-read the records and redraw."""

    def error(self, text: str = "") -> None:
        self.query_one("#duty-error", Static).update(text)

    def keys(self, text: str) -> None:
        self.query_one("#duty-keys", Static).update(text)

    def action_month(self, step: int) -> None:
        """`[` / `]` on a modal with a ``month`` (and ``_month``): the month before or after,
        never one that has not begun."""
        month = self.month + relativedelta(months=step)  # type: ignore[attr-defined]
        if month > date(self.today.year, self.today.month, 1):
            return  # the month has not begun
        self._month = month
        self.error()
        self.reload()

    def attempt(self, write, *args, **kwargs) -> bool:  # noqa: ANN001, ANN003 - a desk call
        """Call a desk service; its refusal is shown in place (nothing was saved)."""
        try:
            result = write(*args, **kwargs)
        except DeskError as exc:
            self.error(exc.message())
            return False
        self.error()
        self.after_write()
        return result if result is not None else True

    def after_write(self) -> None:
        self.reload()
        self.desk.request_refresh()

    def dialog_done(self, result: str | None) -> None:
        """An ActionDialog closed: after a write, say what was done and redraw."""
        if result is None:
            return
        if result:
            self.notify(result)
        self.error()
        self.after_write()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_help(self) -> None:
        self.desk.action_help()


class SamplingScreen(DutyModal):
    """KF-009 §3.1.2: the month's sample, with p / x / m for the supervisor and manager."""

    MODE = "sampling"
    BINDINGS: ClassVar = [
        Binding("p", "propose", "ui.sampling.key.propose", id="sampling.propose"),
        Binding("x", "toggle_sample", "ui.sampling.key.toggle", id="sampling.toggle"),
        Binding("m", "toggle_method", "ui.sampling.key.method", id="sampling.method"),
        Binding("left_square_bracket", "month(-1)", "ui.sampling.key.prev",
                id="sampling.prev"),
        Binding("right_square_bracket", "month(1)", "ui.sampling.key.next",
                id="sampling.next"),
    ]

    def __init__(self, month: date | None = None) -> None:
        super().__init__()
        self._month = month
        self._data: MonthSample | None = None

    @property
    def month(self) -> date:
        m = self._month or self.today
        return date(m.year, m.month, 1)

    def compose_body(self) -> ComposeResult:
        yield Static("", id="duty-status")
        yield FitTable([
            Column("order", t("ui.col.work_order"), min=8, max=8),
            Column("unit", t("ui.col.unit"), min=7, max=9),
            Column("returned", t("ui.sampling.col.returned"), min=11, max=11),
            Column("sampled", t("ui.sampling.col.sampled"), min=4, max=8),
            Column("method", t("ui.sampling.col.method"), min=4, max=10),
            Column("done", t("ui.sampling.col.done"), min=11, max=22),
            Column("technician", t("ui.sampling.col.technician"), min=4, max=10, flex=1,
                   drop=2),
            Column("owner", t("ui.col.owner_staff"), min=4, max=8, drop=1),
        ], id="sample-table")

    def reload(self) -> None:
        data = month_sample(self.month, self.settings)
        self._data = data
        self.query_one("#duty-box").border_title = t(
            "ui.sampling.title", month=sampling.month_ref(self.month))
        self.query_one("#duty-status", Static).update(self._status(data))
        rows = []
        for r in data.rows:
            if r.done_at is not None:
                how = t(f"method.{r.method or 'phone'}")
                done = f"{when(r.done_at, self.today)} {how}"
            elif r.callback_id is None:
                done = t("ui.sampling.no_callback")
            else:
                done = ""
            sampled = (t("ui.sampling.in_sample") if r.sampled or r.done_at is not None
                       else (t("ui.sampling.left_out"), "dim"))
            method = "" if r.done_at is not None or not r.sampled else t(
                f"method.{r.planned_method}")
            rows.append((r.work_order, [r.work_order, r.unit or "—",
                                        r.returned_at.strftime("%m-%d %H:%M"), sampled,
                                        method, done, r.technician, r.owner]))
        self.query_one("#sample-table", FitTable).load(rows)
        write = self.may(sampling.SAMPLE_ROLES)
        self.keys(t("ui.sampling.keys") if write else t("ui.sampling.keys_read"))

    def _status(self, data: MonthSample) -> Table:
        c = data.count
        targets = self.settings.data["targets"]
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column()
        grid.add_column(no_wrap=True)
        grid.add_row(t("ui.sampling.orders"), t("ui.sampling.orders_text", n=c.total), "")
        grid.add_row(
            t("ui.sampling.sample", share=share_percent(targets["callback_sample_share"])),
            t("ui.sampling.sample_text", called=c.called, needed=c.sample_needed,
              planned=data.planned, left_out=data.left_out),
            met_text(c.called, c.sample_needed) if c.total else "")
        grid.add_row(
            t("ui.sampling.in_person", share=share_percent(targets["callback_in_person_share"])),
            t("ui.sampling.in_person_text", done=c.in_person, needed=c.in_person_needed,
              planned=data.planned_in_person),
            met_text(c.in_person, c.in_person_needed) if c.total else "")
        return grid

    def _row(self):  # noqa: ANN202 - a SampleRow or None
        key = self.query_one("#sample-table", FitTable).selected_key()
        if self._data is None or key is None:
            return None
        return next((r for r in self._data.rows if r.work_order == key), None)

    def action_propose(self) -> None:
        s = self.desk.session
        result = self.attempt(sampling.propose_sample, self.month, s.staff, s.clock, s.settings)
        if result:
            self.notify(t("ui.sampling.proposed", month=result.month, sample=result.sample,
                          in_person=result.in_person, left_out=result.left_out,
                          changed=result.changed))

    def _plan(self, sampled: bool | None = None, method: str | None = None) -> None:
        row = self._row()
        if row is None:
            return
        if row.callback_id is None:
            self.error(t("ui.sampling.no_callback_yet", order=row.work_order))
            return
        s = self.desk.session
        self.attempt(sampling.plan_callback, row.callback_id,
                     row.sampled if sampled is None else sampled,
                     row.planned_method if method is None else method,
                     s.staff, s.clock, s.settings)

    def action_toggle_sample(self) -> None:
        row = self._row()
        if row is not None:
            self._plan(sampled=not row.sampled)

    def action_toggle_method(self) -> None:
        row = self._row()
        if row is not None:
            self._plan(method="phone" if row.planned_method == "in_person" else "in_person")
