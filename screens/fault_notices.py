"""F9 fault notices (故障通知单, KF-013): the day's notices from patrol and cleaning staff.

The list holds today's notices and every notice not yet closed out, overdue first. Each step
of the paper flow is one key on the selected row or the day: ``n`` batch entry (the desk signs
each as received, §4.2), ``k`` classify the day by department at 17:30 (§4.3), ``g`` the
department collects and signs (§4.4, due 09:00 the next calendar day), ``w`` work order (§4.5),
``c`` the completion time the technician wrote, ``x`` close out (§4.6), ``p`` the printable
day sheet per department that replaces the two-copy form. Every write goes through
``kfdesk.desk.fault_notices``; a refusal is shown in the clerk's words, nothing saved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import DataTable, Input, Static

from kfdesk.desk import fault_notices as desk
from kfdesk.desk.base import DeskError, require_role
from kfdesk.i18n import t
from kfdesk.views import fault_notices as fviews
from kfdesk.views.fault_notices import FaultNoticeRow
from kfdesk.views.urgency import by_urgency, next_due

from .alerts import STYLE, due_text, marked
from .base import QueueScreen
from .common import translate_bindings, when
from .widgets.choice import ChoiceField
from .widgets.footer import DeskFooter
from .widgets.inputs import DeskInput
from .widgets.table import Column, FitTable

if TYPE_CHECKING:  # the engine loads in the refresh worker, after the first frame
    from kfdesk.rules import Alert


def _dept(code: str) -> str:
    return t(f"department.{code}") if code else ""


def _departments(codes: tuple[str, ...] | list[str]) -> list[tuple[str, str]]:
    return [(d, _dept(d)) for d in codes]


def _grouped(grouped: dict[str, list[str]]) -> str:
    """``工程维修部 3 · 清洁绿化部 1`` — counts per department, in the catalogue's words."""
    return " · ".join(t("ui.faults.dept_count", department=_dept(d), n=len(numbers))
                      for d, numbers in grouped.items())


# --------------------------------------------------------------------------------------------
# a small form: labelled fields, errors beside them, Enter field to field, Ctrl+S saves


@dataclass
class FormField:
    name: str  # the DeskError field it answers to
    label: str
    options: list[tuple[str, str]] = field(default_factory=list)  # a choice when given
    value: str = ""
    placeholder: str = ""
    keep: bool = False  # batch entry: kept for the next notice


Submit = Callable[[dict[str, str]], str]


class FaultForm(ModalScreen[str | None]):
    """A modal form that writes through ``submit`` (a desk service call).

    ``submit`` returns the message to show; a ``DeskError`` is shown beside its field and the
    cursor goes there. ``batch``: after a save the form clears for the next one (fields marked
    ``keep`` stay) and stays open; Esc then returns what was saved. Esc asks before dropping
    typed input.
    """

    BINDINGS: ClassVar = [
        Binding("ctrl+s", "save", "ui.key.save", id="faults.form.save", priority=True),
        Binding("escape", "close", "ui.key.close", id="faults.form.close"),
    ]

    def __init__(self, title: str, fields: list[FormField], submit: Submit, *,
                 batch: bool = False, note: str = "") -> None:
        super().__init__()
        translate_bindings(self)
        self._title = title
        self._fields = fields
        self._submit = submit
        self._batch = batch
        self._note = note
        self._saved: list[str] = []
        self._armed_close = False
        self._baseline: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        with Vertical(id="fn-form") as box:
            box.border_title = self._title
            box.border_subtitle = t("ui.faults.form_keys")
            if self._note:
                yield Static(self._note, classes="fn-note")
            for f in self._fields:
                with Horizontal(classes="fn-row"):
                    yield Static(f.label, classes="fn-label")
                    if f.options:
                        yield ChoiceField(f.options, f.value or None, id=f"f-{f.name}")
                    else:
                        yield DeskInput(value=f.value, placeholder=f.placeholder,
                                        id=f"f-{f.name}")
                yield Static("", id=f"e-{f.name}", classes="fn-error")
            yield Static("", id="fn-form-message", classes="fn-error")
            if self._batch:
                yield Static("", id="fn-form-saved", classes="fn-saved")

    def on_mount(self) -> None:
        self._baseline = self.values()
        self._first_field().focus()

    def _first_field(self) -> Widget:
        """The first text field still empty (a choice comes preset), else the first field."""
        for f in self._fields:
            widget = self.query_one(f"#f-{f.name}")
            if isinstance(widget, Input) and not widget.value:
                return widget
        return self.query_one(f"#f-{self._fields[0].name}")

    def values(self) -> dict[str, str]:
        out = {}
        for f in self._fields:
            widget = self.query_one(f"#f-{f.name}")
            out[f.name] = (widget.value or "") if isinstance(widget, ChoiceField | Input) else ""
        return out

    def _clear_errors(self) -> None:
        for f in self._fields:
            self.query_one(f"#e-{f.name}", Static).update("")
        self.query_one("#fn-form-message", Static).update("")

    @on(Input.Changed)
    def _typed(self) -> None:
        self._armed_close = False  # typing again after "Esc again drops it": ask again

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        event.stop()  # Enter moves to the next field (UX); Ctrl+S saves
        self.focus_next()

    def action_save(self) -> None:
        self._clear_errors()
        self._armed_close = False
        try:
            message = self._submit(self.values())
        except DeskError as exc:
            self._show_error(exc)
            return
        if not self._batch:
            self.dismiss(message)
            return
        self._saved.append(message)
        self.query_one("#fn-form-saved", Static).update(
            Text(t("ui.faults.batch_saved", n=len(self._saved), last=message), style="green"))
        for f in self._fields:
            widget = self.query_one(f"#f-{f.name}")
            if f.keep:
                continue
            if isinstance(widget, ChoiceField):
                widget.value = f.value
            elif isinstance(widget, Input):
                widget.value = f.value
        self._baseline = self.values()
        first_cleared = next((f for f in self._fields if not f.keep), self._fields[0])
        self.query_one(f"#f-{first_cleared.name}").focus()

    def _show_error(self, exc: DeskError) -> None:
        names = {f.name for f in self._fields}
        if exc.field in names:
            self.query_one(f"#e-{exc.field}", Static).update(exc.message())
            self.query_one(f"#f-{exc.field}").focus()
        else:
            self.query_one("#fn-form-message", Static).update(exc.message())

    def action_close(self) -> None:
        if self.values() != self._baseline and not self._armed_close:
            # Esc asks before dropping typed input (UX): a second Esc closes.
            self._armed_close = True
            self.query_one("#fn-form-message", Static).update(t("ui.faults.unsaved"))
            return
        if self._batch:
            self.dismiss(t("ui.faults.batch_done", n=len(self._saved)) if self._saved else None)
        else:
            self.dismiss(None)


class FaultConfirm(ModalScreen[bool]):
    """Confirm a step that cannot be undone at the counter: Enter (or y) yes, Esc (or n) no."""

    BINDINGS: ClassVar = [
        Binding("enter,y", "answer(True)", "ui.faults.key.confirm", id="faults.confirm.yes"),
        Binding("escape,n", "answer(False)", "ui.key.close", id="faults.confirm.no"),
    ]

    def __init__(self, title: str, body: Group | Text | Table | str) -> None:
        super().__init__()
        translate_bindings(self)
        self._title = title
        self._body = body

    def compose(self) -> ComposeResult:
        with Vertical(id="fn-confirm") as box:
            box.border_title = self._title
            box.border_subtitle = t("ui.faults.confirm_keys")
            yield Static(self._body)

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


def notice_detail(r: FaultNoticeRow, today: date, alert: Alert | None = None) -> Table:
    """Every field of one notice, and its steps with their times."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    grid.add_row(t("ui.faults.col.state"), t(f"fault.state.{r.state}"))
    if alert is not None:  # the engine's KF-013 §4.4 clock, in words and colour
        grid.add_row(t("ui.faults.col.due"),
                     Text(f"{alert.rule} {alert.rule_text} · {due_text(alert)}",
                          style=STYLE[alert.state]))
    grid.add_row(t("ui.faults.col.found_by"),
                 f"{r.found_by} · {_dept(r.found_by_department)} · {when(r.found_at, today)}")
    grid.add_row(t("ui.faults.col.where"), " ".join(p for p in (r.location, r.unit) if p))
    grid.add_row(t("ui.faults.col.description"), r.description)
    grid.add_row(t("ui.faults.col.department"), _dept(r.department))
    steps = [
        ("received", r.received_at, r.received_by),
        ("classified", r.classified_at, ""),
        ("collected", r.collected_at, r.collected_by),
        ("completed", r.completed_at, ""),
        ("closed", r.closed_at, ""),
    ]
    for state, at, who in steps:
        if at is not None:
            grid.add_row(t(f"fault.state.{state}"), " · ".join(p for p in (when(at, today), who)
                                                               if p))
        if state == "collected" and r.work_order:
            grid.add_row(t("ui.faults.col.work_order"), f"{r.work_order} · {r.technician}")
    return grid


class FaultNoticeScreen(ModalScreen[None]):
    """One notice with its steps (Enter on a row); Esc closes."""

    BINDINGS: ClassVar = [Binding("escape", "dismiss", "ui.key.close", id="faults.detail.close")]

    def __init__(self, row: FaultNoticeRow, today: date) -> None:
        super().__init__()
        translate_bindings(self)
        self._row = row
        self._today = today

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="fn-detail") as box:
            box.border_title = f"{self._row.number} · {t('ui.title.faults')}"
            box.border_subtitle = t("ui.help.close")
            alert = self.app.alerts_by_item.get(  # type: ignore[attr-defined]
                ("fault_notice", self._row.id))
            yield Static(notice_detail(self._row, self._today, alert))


# --------------------------------------------------------------------------------------------
# the screen


class FaultNoticesScreen(QueueScreen):
    CSS_PATH = "fault_notices.tcss"
    MODE = "faults"
    TABLE_ID = "notices"
    COUNT_ID = "notices-count"
    COUNT_KEY = "ui.faults.count"
    BINDINGS: ClassVar = [
        Binding("n", "batch", "ui.faults.key.batch", id="faults.batch"),
        Binding("k", "classify", "ui.faults.key.classify", id="faults.classify"),
        Binding("g", "collect", "ui.faults.key.collect", id="faults.collect"),
        Binding("w", "work_order", "ui.faults.key.work_order", id="faults.work_order"),
        Binding("c", "complete", "ui.faults.key.complete", id="faults.complete"),
        Binding("x", "close_out", "ui.faults.key.close_out", id="faults.close_out"),
        Binding("p", "sheet", "ui.faults.key.sheet", id="faults.sheet"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._by_number: dict[str, FaultNoticeRow] = {}

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="fn-bar"):
            yield DeskInput(placeholder=t("ui.faults.filter"), id="filter", classes="search")
            yield Static("", id="notices-count", classes="count")
        yield FitTable(
            [
                Column("number", t("ui.faults.col.number"), min=8, max=8),
                Column("due", t("ui.faults.col.due"), min=8, max=18),
                Column("found_by", t("ui.faults.col.found_by"), min=6, max=16, drop=3),
                Column("where", t("ui.faults.col.where"), min=10, max=28, flex=1),
                Column("description", t("ui.faults.col.description"), min=12, max=40, flex=2),
                Column("department", t("ui.faults.col.department"), min=4, max=12, drop=1),
                Column("state", t("ui.faults.col.state"), min=4, max=10),
                Column("work_order", t("ui.faults.col.work_order"), min=8, max=8, drop=2),
            ],
            id="notices",
        )
        yield Static("", id="fn-message")
        # Where the footer cannot hold this screen's seven keys after the F-keys (80 columns,
        # or English), they are repeated here, read from the live bindings (a remapped key
        # shows as it is).
        yield Static("", id="fn-keys")

    def on_mount(self) -> None:
        # (Textual also runs QueueScreen.on_mount and DeskScreen.on_resize: handlers of
        # every class in the MRO are called.)
        keys = Text(no_wrap=True, overflow="ellipsis")
        for _key, binding in self._bindings:
            if binding.id and binding.id.startswith("faults."):
                keys.append(self.app.get_key_display(binding), style="bold")
                keys.append(f" {binding.description}  ")
        self.query_one("#fn-keys", Static).update(keys)
        self.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen) -> None:  # noqa: ANN001 - Screen
        self.call_after_refresh(self._place_keys)

    def on_resize(self, event: events.Resize) -> None:
        self.call_after_refresh(self._place_keys)

    def _place_keys(self) -> None:
        footer = self.query_one(DeskFooter)
        self.query_one("#fn-keys").display = footer.render().cell_len > footer.size.width

    # ---- the list ------------------------------------------------------------------------------

    def _due(self, r: FaultNoticeRow) -> str:
        alert = self.desk.alerts_by_item.get(("fault_notice", r.id))
        if alert is not None:
            return due_text(alert)
        if r.state == "classified" and r.collect_due is not None:
            return t("ui.faults.due_collect", at=when(r.collect_due, self.today))
        if r.state == "received":
            at = desk.classify_time(self.desk.session.settings)
            if self.now.time() >= at:
                return t("ui.faults.due_classify_now")
            return t("ui.faults.due_classify", at=at.strftime("%H:%M"))
        return ""

    def reload(self) -> None:
        alerts = self.desk.alerts_by_item
        rows = fviews.desk_notices(self.today, self.zone)
        # Urgency order (issue 16): overdue, most late first; then the soonest due; then the
        # rest, in received order.
        due = next_due("fault_notice", (r.id for r in rows))
        rows = by_urgency(rows, lambda r: d.due_at if (d := due.get(r.id)) else None,
                          self.desk.session.clock.now())
        self._by_number = {r.number: r for r in rows}
        self._rows = []
        for r in rows:
            alert = alerts.get(("fault_notice", r.id))
            cells = [
                r.number, self._due(r),
                f"{r.found_by}·{t(f'ui.faults.finder.{r.found_by_department}')}",
                " ".join(p for p in (r.location, r.unit) if p),
                r.description, _dept(r.department), t(f"fault.state.{r.state}"),
                r.work_order,
            ]
            if r.state == "closed":
                cells = [(c, "dim") for c in cells]
            self._rows.append((r.number, marked(cells, alert)))
        self._apply_filter()

    @on(DataTable.RowSelected, "#notices")
    def _selected(self, event: DataTable.RowSelected) -> None:
        row = self._by_number.get(event.row_key.value)
        if row is not None:
            self.app.push_screen(FaultNoticeScreen(row, self.today))

    def show_notice(self, number: str) -> None:
        """Put the cursor on a notice (a jump from the alert list)."""
        table = self.query_one("#notices", FitTable)
        table.select_key(number)
        table.focus()

    # ---- messages and helpers --------------------------------------------------------------

    def say(self, text: str, error: bool = False) -> None:
        """The result of the last key, or why it was refused, under the list."""
        message = self.query_one("#fn-message", Static)
        message.update(Text(text, style=STYLE["overdue"] if error else "green"))

    @property
    def _staff(self):  # noqa: ANN202 - kfdesk.models.Staff
        return self.desk.session.staff

    def _may(self, action: str) -> bool:
        """The role check up front, so a read-only role is told before typing anything."""
        try:
            require_role(self._staff, desk.FAULT_ROLES, action)
        except DeskError as exc:
            self.say(exc.message(), error=True)
            return False
        return True

    def _selected_row(self) -> FaultNoticeRow | None:
        key = self.query_one("#notices", FitTable).selected_key()
        row = self._by_number.get(key) if key else None
        if row is None:
            self.say(t("ui.faults.select_first"), error=True)
        return row

    def _after_write(self, message: str | None) -> None:
        if message:
            self.say(message)
        self.desk.request_refresh()
        self.reload()

    def _call(self, write: Callable[[], str]) -> None:
        try:
            message = write()
        except DeskError as exc:
            self.say(exc.message(), error=True)
            return
        self._after_write(message)

    def _session(self) -> tuple:
        s = self.desk.session
        return s.staff, s.clock, s.settings

    # ---- n: batch entry (KF-013 §4.2) ------------------------------------------------------

    def action_batch(self) -> None:
        if not self._may("fault.receive"):
            return
        fields = [
            FormField("found_by", t("ui.faults.f.found_by"), keep=True,
                      placeholder=t("ui.faults.f.found_by_hint")),
            FormField("found_by_department", t("ui.faults.f.found_by_department"),
                      _departments(desk.FINDER_DEPARTMENTS), "security", keep=True),
            FormField("found_at", t("ui.faults.f.found_at"),
                      placeholder=t("ui.faults.f.time_hint")),
            FormField("location", t("ui.faults.f.location"),
                      placeholder=t("ui.faults.f.location_hint")),
            FormField("unit", t("ui.faults.f.unit"), placeholder=t("ui.faults.f.unit_hint")),
            FormField("description", t("ui.faults.f.description")),
            FormField("department", t("ui.faults.f.department"),
                      _departments(desk.RESPONSIBLE_DEPARTMENTS), "engineering"),
        ]

        def submit(v: dict[str, str]) -> str:
            staff, clock, settings = self._session()
            notice = desk.receive_notice(desk.NoticeEntry(
                found_by=v["found_by"], found_by_department=v["found_by_department"],
                found_at=v["found_at"], location=v["location"], unit=v["unit"],
                description=v["description"], department=v["department"],
            ), staff, clock, settings)
            self._after_write(None)
            return t("ui.faults.received", number=notice.number,
                     department=_dept(notice.department))

        self.app.push_screen(
            FaultForm(t("ui.faults.batch_title"), fields, submit, batch=True,
                      note=t("ui.faults.batch_note")),
            self._form_done)

    def _form_done(self, message: str | None) -> None:
        self._after_write(message)

    # ---- k: classify the day at 17:30 (KF-013 §4.3) ---------------------------------------------

    def action_classify(self) -> None:
        staff, clock, settings = self._session()
        try:
            grouped = desk.classification_preview(staff, clock, settings)
        except DeskError as exc:
            self.say(exc.message(), error=True)
            return
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(overflow="fold")
        for department, numbers in grouped.items():
            grid.add_row(t("ui.faults.dept_count", department=_dept(department),
                           n=len(numbers)), " ".join(numbers))
        total = sum(len(n) for n in grouped.values())
        body = Group(grid, Text(""), Text(t("ui.faults.classify_question", n=total)))
        self.app.push_screen(FaultConfirm(t("ui.faults.classify_title"), body),
                             self._classify_confirmed)

    def _classify_confirmed(self, yes: bool | None) -> None:
        if not yes:
            return
        staff, clock, settings = self._session()

        def write() -> str:
            grouped = desk.classify_day(staff, clock, settings)
            return t("ui.faults.classified", n=sum(len(v) for v in grouped.values()),
                     groups=_grouped(grouped))

        self._call(write)

    # ---- g: collection signed (KF-013 §4.4) ---------------------------------------------

    def action_collect(self) -> None:
        if not self._may("fault.collect"):
            return
        waiting = fviews.awaiting_collection()
        if not waiting:
            self.say(t("ui.faults.none_to_collect"), error=True)
            return
        key = self.query_one("#notices", FitTable).selected_key()
        row = self._by_number.get(key) if key else None
        first = row.department if row is not None and row.department in waiting else next(
            iter(waiting))
        options = [(d, t("ui.faults.dept_count", department=_dept(d), n=len(numbers)))
                   for d, numbers in waiting.items()]
        fields = [
            FormField("department", t("ui.faults.f.department"), options, first),
            FormField("collected_by", t("ui.faults.f.collected_by"),
                      placeholder=t("ui.faults.f.collected_by_hint")),
        ]

        def submit(v: dict[str, str]) -> str:
            staff, clock, settings = self._session()
            numbers = desk.collect_notices(v["department"], v["collected_by"], staff, clock,
                                           settings)
            return t("ui.faults.collected", department=_dept(v["department"]),
                     n=len(numbers), name=v["collected_by"].strip())

        self.app.push_screen(FaultForm(t("ui.faults.collect_title"), fields, submit),
                             self._form_done)

    # ---- w, c, x: work order, completion, close-out (KF-013 §4.5–4.6) --------------------------

    def _row_title(self, key: str, row: FaultNoticeRow) -> str:
        return t(key, number=row.number, description=row.description)

    def _ready(self, row: FaultNoticeRow, work_order: bool = False) -> bool:
        """Say at once, before a form is typed, what the service would refuse (it still
        checks): a closed notice, one its department has not collected (KF-013 §4.4), a
        second work order (§4.5)."""
        if row.state == "closed":
            self.say(t("fault.closed", number=row.number), error=True)
        elif row.state in ("received", "classified"):
            self.say(t("fault.not_collected", number=row.number,
                       department=_dept(row.department)), error=True)
        elif work_order and row.work_order:
            self.say(t("fault.has_work_order", number=row.number, order=row.work_order),
                     error=True)
        else:
            return True
        return False

    def action_work_order(self) -> None:
        if not self._may("fault.work_order"):
            return
        row = self._selected_row()
        if row is None or not self._ready(row, work_order=True):
            return
        fields = [FormField("technician", t("ui.faults.f.technician"))]

        def submit(v: dict[str, str]) -> str:
            staff, clock, settings = self._session()
            order = desk.open_work_order(row.number, v["technician"], staff, clock, settings)
            return t("ui.faults.work_order_opened", number=row.number, order=order.number,
                     technician=order.technician)

        self.app.push_screen(
            FaultForm(self._row_title("ui.faults.work_order_title", row), fields, submit),
            self._form_done)

    def action_complete(self) -> None:
        if not self._may("fault.complete"):
            return
        row = self._selected_row()
        if row is None or not self._ready(row):
            return
        old = row.completed_at.strftime("%m-%d %H:%M") if row.completed_at else ""
        fields = [FormField("completed_at", t("ui.faults.f.completed_at"), value=old,
                            placeholder=t("ui.faults.f.time_hint"))]

        def submit(v: dict[str, str]) -> str:
            staff, clock, settings = self._session()
            done = desk.parse_when(v["completed_at"], clock.now(), settings.zone,
                                   "completed_at")
            desk.record_completion(row.number, done, staff, clock, settings)
            return t("ui.faults.completed", number=row.number,
                     at=done.astimezone(self.zone).strftime("%m-%d %H:%M"))

        self.app.push_screen(
            FaultForm(self._row_title("ui.faults.complete_title", row), fields, submit),
            self._form_done)

    def action_close_out(self) -> None:
        if not self._may("fault.close"):
            return
        row = self._selected_row()
        if row is None:
            return
        if row.state != "completed":
            # Not ready (or already closed): the service refuses in the clerk's words.
            self._close_confirmed(True, row.number)
            return
        body = Text(t("ui.faults.close_question", number=row.number,
                      description=row.description,
                      at=when(row.completed_at, self.today),
                      order=row.work_order or "—"))
        self.app.push_screen(FaultConfirm(t("ui.faults.close_title"), body),
                             lambda yes: self._close_confirmed(yes, row.number))

    def _close_confirmed(self, yes: bool | None, number: str) -> None:
        if not yes:
            return
        staff, clock, settings = self._session()

        def write() -> str:
            desk.close_out(number, staff, clock, settings)
            return t("ui.faults.closed", number=number)

        self._call(write)

    # ---- p: the day sheet per department -------------------------------------------------------

    def sheet_folder(self) -> Path:
        """Beside the database (``sheets/``); for a server database, the user data folder."""
        target = self.desk.session.db_target
        if "://" in target:
            from kfdesk.config import user_data_dir

            return user_data_dir() / "sheets"
        return Path(target).expanduser().resolve().parent / "sheets"

    def action_sheet(self) -> None:
        if not self._may("fault.sheet"):
            return
        staff, clock, settings = self._session()
        day = desk.sheet_day(clock.now(), settings)
        options = [("all", t("ui.faults.all_departments"))] + _departments(
            desk.RESPONSIBLE_DEPARTMENTS)
        fields = [
            FormField("day", t("ui.faults.f.day"), value=day.isoformat(),
                      placeholder="2026-10-09"),
            FormField("department", t("ui.faults.f.department"), options, "all"),
        ]

        def submit(v: dict[str, str]) -> str:
            staff, clock, settings = self._session()
            on = desk.parse_day(v["day"], clock.now(), settings.zone, "day")
            wanted = ([v["department"]] if v["department"] != "all"
                      else fviews.sheet_departments(on, settings.zone))
            if not wanted:
                raise DeskError("fault.sheet_none", field="day", day=on.isoformat())
            paths = [desk.export_day_sheet(on, d, self.sheet_folder(), staff, clock, settings,
                                           self.desk.lang) for d in wanted]
            return t("ui.faults.sheets_written", n=len(paths), folder=str(paths[0].parent),
                     files=" ".join(p.name for p in paths))

        self.app.push_screen(FaultForm(t("ui.faults.sheet_title"), fields, submit),
                             self._form_done)
