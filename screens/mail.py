"""KF-021 mail register (邮件收发登记表), a modal opened from F6 (residents).

Items waiting at the desk, registered / telegram / valuable first (the ones on the 6-day
return clock, with their due time; overdue in bold red, and the word says so too), longest
held first; ``f`` switches to everything, collected and returned included. On a unit, only
its items. n logs an item, t records that the resident was told, h hands it over against
the recipient's signature, r returns it to the postman (misdelivered at once, unclaimed from
day 6), k holds an absent resident's item in the duty room or lifts the hold (KF-021 §4).
Refusals are shown in place; nothing is saved.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from kfdesk.desk import mail
from kfdesk.i18n import t
from kfdesk.models.registers import MAIL_KINDS
from kfdesk.views import mail as mviews
from kfdesk.views.mail import MailListRow

from .common import when
from .release_passes import CounterDialog, Values, cjk_wrap
from .sampling import DutyModal
from .widgets.dialogs import Field
from .widgets.table import Column, FitTable


class MailScreen(DutyModal):
    """KF-021: the register; n / t / h / r / k to act, f for waiting or all."""

    MODE = "mail"
    BINDINGS: ClassVar = [
        Binding("n", "log", "ui.mail.key.log", id="mail.log"),
        Binding("t", "notify_resident", "ui.mail.key.notify", id="mail.notify"),
        Binding("h", "hand_over", "ui.mail.key.hand_over", id="mail.hand_over"),
        Binding("r", "return_to_post", "ui.mail.key.return", id="mail.return"),
        Binding("k", "hold", "ui.mail.key.hold", id="mail.hold"),
        Binding("f", "toggle_filter", "ui.mail.key.filter", id="mail.filter"),
    ]
    DEFAULT_CSS = """
    MailScreen #mail-table { height: 1fr; min-height: 4; }
    MailScreen #duty-detail { max-height: 3; }
    """

    def __init__(self, unit_code: str | None = None, *, waiting: bool = True) -> None:
        super().__init__()
        self.unit = (unit_code or "").strip() or None
        self.waiting_only = waiting
        self._rows: dict[str, MailListRow] = {}

    @property
    def limit_days(self) -> int:
        return int(self.settings.clocks["registered_mail_days"])

    def compose_body(self) -> ComposeResult:
        yield Static("", id="duty-status")
        yield FitTable([
            Column("unit", t("ui.col.unit"), min=7, max=9),
            Column("recipient", t("ui.mail.col.recipient"), min=6, max=12, flex=1),
            Column("kind", t("ui.mail.col.kind"), min=4, max=10),
            Column("tracking", t("ui.mail.col.tracking"), min=6, max=15, drop=2),
            Column("received", t("ui.mail.col.received"), min=5, max=11),
            Column("day", t("ui.mail.col.day"), min=4, max=8),
            Column("notified", t("ui.mail.col.notified"), min=5, max=11, drop=1),
            Column("state", t("ui.mail.col.state"), min=7, max=20, flex=1),
            Column("due", t("ui.mail.col.due"), min=11, max=16),
        ], id="mail-table")
        yield Static("", id="duty-detail")

    def error(self, text: str = "") -> None:
        found = self.query_one("#duty-error", Static)
        found.update(cjk_wrap(Text(text), found.size.width or 70))

    # ---- reading -------------------------------------------------------------------------------

    def reload(self) -> None:
        now = self.desk.session.clock.now()
        zone, limit = self.zone, self.limit_days
        rows = mviews.mail_rows(now, zone, limit, waiting=self.waiting_only, unit_code=self.unit)
        self._rows = {str(r.id): r for r in rows}
        counts = mviews.mail_counts(now, zone, limit, unit_code=self.unit)
        shown = t("ui.mail.filter_waiting" if self.waiting_only else "ui.mail.filter_all")
        status = Text(t("ui.mail.status", waiting=counts.waiting, tracked=counts.tracked,
                        held=counts.held))
        if counts.overdue:
            status.append("  " + t("ui.mail.status_overdue", n=counts.overdue),
                          style="bold red")
        status.append("  · " + shown)
        if self.unit:
            status = Text(f"{self.unit} · ").append_text(status)
        self.query_one("#duty-status", Static).update(status)
        self.query_one("#mail-table", FitTable).load(
            [(str(r.id), self._cells(r, now)) for r in rows])
        self._show_detail()
        self.keys(t("ui.mail.keys"))

    def _cells(self, r: MailListRow, now) -> list:  # noqa: ANN001 - an aware datetime
        today = self.today
        # Who signed or why it went back; the time is on the line under the table.
        if r.state == "collected":
            state: str | tuple[str, str] = t("ui.mail.collected", by=r.collected_by)
        elif r.state == "returned":
            state = t("ui.mail.returned", reason=self._reason(r))
        elif r.state == "held":
            state = (t("mail.state.held"), "bold")
        else:
            state = t("mail.state.waiting")
        due: str | tuple[str, str] = ""
        if r.due_at is not None and r.waiting:
            # Once late, the day it fell due is what matters; the word says it, not colour.
            due = ((t("ui.mail.overdue", at=r.due_at.strftime("%m-%d")), "bold red")
                   if r.overdue(now) else when(r.due_at, today))
        return [r.unit or "—", r.recipient, t(f"mail_kind.{r.kind}"), r.tracking_no,
                when(r.received_at, today), t("ui.mail.day", day=r.day_no),
                when(r.notified_at, today), state, due]

    @staticmethod
    def _reason(row: MailListRow) -> str:
        if row.return_reason in mail.RETURN_REASONS:
            return t(f"mail.reason.{row.return_reason}")
        return row.return_reason or "—"

    def _current(self) -> MailListRow | None:
        key = self.query_one("#mail-table", FitTable).selected_key()
        return self._rows.get(key) if key else None

    @on(DataTable.RowHighlighted, "#mail-table")
    def _show_detail(self) -> None:
        row = self._current()
        text = Text()
        if row is not None:
            text.append(t("ui.mail.detail", kind=t(f"mail_kind.{row.kind}"),
                          recipient=row.recipient, by=row.received_by,
                          at=row.received_at.strftime("%Y-%m-%d %H:%M")))
            if row.collected_at is not None:
                text.append("\n" + t("ui.mail.detail_collected", by=row.collected_by,
                                     at=row.collected_at.strftime("%Y-%m-%d %H:%M")))
            if row.returned_at is not None:
                text.append("\n" + t("ui.mail.detail_returned", reason=self._reason(row),
                                     at=row.returned_at.strftime("%Y-%m-%d %H:%M")))
            if row.held_at is not None:
                text.append("\n" + t("ui.mail.detail_held", at=when(row.held_at, self.today)),
                            style="bold")
            if row.note:
                text.append("\n" + row.note)
        self.query_one("#duty-detail", Static).update(text)

    def _waiting_row(self) -> MailListRow | None:
        row = self._current()
        if row is None:
            self.error(t("ui.mail.pick"))
            return None
        return row

    def _item_title(self, key: str, row: MailListRow) -> str:
        return t(key, kind=t(f"mail_kind.{row.kind}"), recipient=row.recipient,
                 unit=row.unit or "—", tracking=row.tracking_no or "—")

    # ---- acting --------------------------------------------------------------------------------

    def action_toggle_filter(self) -> None:
        self.waiting_only = not self.waiting_only
        self.error()
        self.reload()

    def action_log(self) -> None:
        s = self.desk.session
        if not self.may(mail.WRITE_ROLES):
            self.attempt(mail.log_mail, "", "", "", "", s.staff, s.clock, s.settings)
            return
        kinds = [(k, t(f"mail_kind.{k}")) for k in MAIL_KINDS]
        fields = [
            Field("unit", t("ui.col.unit"), value=self.unit or "",
                  placeholder=t("ui.mail.f.unit_eg")),
            Field("recipient", t("ui.mail.f.recipient")),
            Field("kind", t("ui.mail.f.kind"), "choice", kinds, "ordinary"),
            Field("tracking_no", t("ui.mail.f.tracking"), placeholder=t("ui.mail.f.tracking_eg")),
            Field("note", t("ui.mail.f.note"), placeholder=t("ui.mail.f.optional")),
        ]

        def submit(v: Values) -> str:
            item = mail.log_mail(str(v["unit"]), str(v["recipient"]), str(v["kind"]),
                                 str(v["tracking_no"]), s.staff, s.clock, s.settings,
                                 note=str(v["note"]))
            return t("ui.mail.logged", kind=t(f"mail_kind.{item.kind}"),
                     recipient=item.recipient)

        self.app.push_screen(CounterDialog(t("ui.mail.log_title"), fields, submit,
                                          about=t("ui.mail.log_about",
                                                  days=self.limit_days)), self.dialog_done)

    def action_notify_resident(self) -> None:
        row = self._waiting_row()
        if row is None:
            return
        s = self.desk.session
        if self.attempt(mail.notify, row.id, s.staff, s.clock, s.settings):
            self.notify(t("ui.mail.notified", recipient=row.recipient))

    def action_hand_over(self) -> None:
        row = self._waiting_row()
        if row is None:
            return
        s = self.desk.session
        if not self.may(mail.HAND_OVER_ROLES) or not row.waiting:
            self.attempt(mail.hand_over_mail, row.id, row.recipient, s.staff, s.clock,
                         s.settings)  # says why not
            return

        def submit(v: Values) -> str:
            done = mail.hand_over_mail(row.id, str(v["signed_by"]), s.staff, s.clock,
                                       s.settings)
            return t("ui.mail.handed_over", by=done.collected_by)

        self.app.push_screen(CounterDialog(
            self._item_title("ui.mail.hand_over_title", row),
            [Field("signed_by", t("ui.mail.f.signed_by"), value=row.recipient)],
            submit, about=t("ui.mail.hand_over_about")), self.dialog_done)

    def action_return_to_post(self) -> None:
        row = self._waiting_row()
        if row is None:
            return
        s = self.desk.session
        if not self.may(mail.WRITE_ROLES) or not row.waiting:
            self.attempt(mail.return_to_post, row.id, "misdelivered", s.staff, s.clock,
                         s.settings)
            return
        first = mviews.return_allowed_from(row.received_at, self.limit_days, self.zone)
        reasons = [(r, t(f"mail.reason.{r}")) for r in mail.RETURN_REASONS]
        default = "unclaimed" if self.today >= first else "misdelivered"

        def submit(v: Values) -> str:
            mail.return_to_post(row.id, str(v["reason"]), s.staff, s.clock, s.settings,
                                note=str(v["note"]))
            return t("ui.mail.returned_done", recipient=row.recipient)

        self.app.push_screen(CounterDialog(
            self._item_title("ui.mail.return_title", row),
            [Field("reason", t("ui.mail.f.reason"), "choice", reasons, default),
             Field("note", t("ui.mail.f.note"), value=row.note,
                   placeholder=t("ui.mail.f.optional"))],
            submit, about=t("ui.mail.return_about", day=self.limit_days,
                            date=first.isoformat())), self.dialog_done)

    def action_hold(self) -> None:
        row = self._waiting_row()
        if row is None:
            return
        s = self.desk.session
        held = row.held_at is None  # k holds a waiting item, or lifts the hold
        if not self.may(mail.WRITE_ROLES) or not row.waiting:
            self.attempt(mail.hold_for_absent, row.id, held, "", s.staff, s.clock, s.settings)
            return

        def submit(v: Values) -> str:
            mail.hold_for_absent(row.id, held, str(v["note"]), s.staff, s.clock, s.settings)
            return t("ui.mail.held" if held else "ui.mail.unheld", recipient=row.recipient)

        self.app.push_screen(CounterDialog(
            self._item_title("ui.mail.hold_title" if held else "ui.mail.unhold_title", row),
            [Field("note", t("ui.mail.f.note"), value=row.note,
                   placeholder=t("ui.mail.f.hold_eg"))],
            submit, about=t("ui.mail.hold_about" if held else "ui.mail.unhold_about")),
            self.dialog_done)
