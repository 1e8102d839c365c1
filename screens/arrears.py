"""KF-016 催缴: units in arrears and the dunning ladder, a modal opened from the cashier (F5).

The list: every unit owing on its fee bills, most months first, with what it owes, the last
step of its current debt and the step due next; filters by minimum months and building; the
month's collection rate against the 98 % target in the status lines (`[` `]` change month).
Keys: c the desk's call (shows the KF-016 §3.2 script filled in, records the outcome and a
promised day), x marks rows, n prints the first, second or third notices for the marked units
(or every unit ready for that notice) — printing records nothing on the ladder: d records
the printed notices as delivered (handed over, in the mailbox, or posted on the door) with
who and on which day (KF-016 §3.3–3.5), and only then is the step taken —, p records the
photo of a door posting, l the lawyer's letter (supervisor, manager; a large debtor may skip
the notices, RULES v2 item 11), i imports the bank's auto-debit failure list, Enter the
unit's ladder. Refusals come from the desk services and are shown in place; nothing was
saved.
"""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Static

from kfdesk.desk import dunning as dn
from kfdesk.desk.base import DeskError
from kfdesk.i18n import t
from kfdesk.money import fmt
from kfdesk.percent import percent_text
from kfdesk.printing import print_folder
from kfdesk.views import dunning as dv

from .common import ymd
from .sampling import DutyModal
from .visits import parse_day
from .widgets.choice import ChoiceField
from .widgets.dialogs import ActionDialog, Field
from .widgets.table import Column, FitTable

ALL = "*"
MIN_MONTHS = ("1", "2", "3", "6")
MARK = "✓"


def step_text(step: int | None) -> str:
    return dv.step_name(step) if step else ""


def next_text(row: dv.DunningRow | dv.UnitLadder, limit: int) -> str | tuple[str, str]:
    """The next step, or why it waits (KF-016 §3.4), or that the company has it (§3.6)."""
    if row.next_step is None:
        return (t("ui.arrears.with_company"), "dim") if row.highest >= dv.LAWYER else ""
    if not row.ready:
        return (t("ui.arrears.waiting", step=dv.step_name(row.next_step), limit=limit), "dim")
    return dv.step_name(row.next_step)


def rate_grid(rate: dv.CollectionRate | None) -> Table:
    """KF-016 §4.1 collection rate: paid ÷ billed for the month's bills, against the target;
    met or not is said in words too (colour is never the only signal)."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    if rate is None or rate.percent is None:
        grid.add_row(t("ui.arrears.rate_label", month=rate.month if rate else "—"),
                     t("ui.arrears.rate_none"))
        return grid
    text = Text(percent_text(rate.percent), style="bold")
    text.append("  ")
    if rate.meets:
        text.append(t("ui.arrears.rate_met"), style="bold green")
    else:
        # Rounded half up, 97.995 % shows as 98.00 % yet is short: by less than 0.01 points.
        gap = rate.target_percent - rate.percent
        text.append(t("ui.arrears.rate_short", gap=gap if gap > 0 else "< 0.01"),
                    style="bold yellow")
    text.append(t("ui.arrears.rate_text", paid=fmt(rate.paid_fen), billed=fmt(rate.billed_fen),
                  target=rate.target_percent))
    grid.add_row(t("ui.arrears.rate_label", month=rate.month), text)
    return grid


class ArrearsScreen(DutyModal):
    """KF-016: the arrears list and the ladder's steps, by key."""

    MODE = "arrears"
    BINDINGS: ClassVar = [
        Binding("c", "call", "ui.arrears.key.call", id="arrears.call"),
        Binding("x", "mark", "ui.arrears.key.mark", id="arrears.mark"),
        Binding("n", "notices", "ui.arrears.key.notices", id="arrears.notices"),
        Binding("d", "delivered", "ui.arrears.key.delivered", id="arrears.delivered"),
        Binding("p", "posting", "ui.arrears.key.posting", id="arrears.posting"),
        Binding("l", "lawyer", "ui.arrears.key.lawyer", id="arrears.lawyer"),
        Binding("i", "import", "ui.arrears.key.import", id="arrears.import"),
        Binding("f", "filters", "ui.arrears.key.filters", id="arrears.filters"),
        Binding("left_square_bracket", "month(-1)", "ui.arrears.key.prev", id="arrears.prev"),
        Binding("right_square_bracket", "month(1)", "ui.arrears.key.next", id="arrears.next"),
    ]
    DEFAULT_CSS = """
    ArrearsScreen #filters { height: 1; margin: 1 0 0 0; }
    ArrearsScreen #filters .flt-label { width: auto; padding: 0 1; color: $text-muted; }
    """

    def __init__(self) -> None:
        super().__init__()
        self._rows: dict[str, dv.DunningRow] = {}
        self._order: list[str] = []
        self._marked: set[str] = set()
        self._month: str | None = None
        self._printed: dict[str, dn.PrintedNotice] = {}

    # ---- layout and data ------------------------------------------------------------------

    def compose_body(self) -> ComposeResult:
        yield Static("", id="duty-status")
        with Horizontal(id="filters"):
            yield Static(t("ui.arrears.f.months"), classes="flt-label")
            yield ChoiceField([(m, t("ui.arrears.f.months_at_least", n=m)) for m in MIN_MONTHS],
                              "1", id="f-months")
            yield Static(t("ui.arrears.f.building"), classes="flt-label")
            yield ChoiceField([(ALL, t("ui.arrears.f.all_buildings"))]
                              + [(str(i), name) for i, name in dv.buildings()],
                              ALL, id="f-building")
        yield FitTable([
            Column("mark", "", min=1, max=1),
            Column("unit", t("ui.col.unit"), min=7, max=9),
            Column("owner", t("ui.col.owner"), min=4, max=10, flex=1, drop=2),
            Column("months", t("ui.arrears.col.months"), min=4, max=6, right=True),
            Column("owed", t("ui.arrears.col.owed"), min=9, max=12, right=True),
            Column("last", t("ui.arrears.col.last"), min=6, max=22),
            Column("last_at", t("ui.arrears.col.last_at"), min=10, max=10, drop=1),
            Column("next", t("ui.arrears.col.next"), min=6, max=32),
        ], id="arrears-table")

    @property
    def limit(self) -> int:
        return dv.second_notice_months(self.settings)

    def _filters(self) -> tuple[int, int | None]:
        months = self.query_one("#f-months", ChoiceField).value or "1"
        building = self.query_one("#f-building", ChoiceField).value
        return int(months), None if building in (None, ALL) else int(building)

    def reload(self) -> None:
        if self._month is None:
            self._month = dv.default_rate_month(self.today)
        every = dv.dunning_rows(self.settings)
        self._rows = {r.code: r for r in every}
        self._marked &= set(self._rows)
        min_months, building = self._filters()
        shown = [r for r in every if r.months >= min_months
                 and (building is None or r.building_id == building)]
        self._order = [r.code for r in shown]
        self._printed = dn.printed_by_code(self._rows)
        self.query_one("#arrears-table", FitTable).load([
            (r.code, [
                (MARK, "bold") if r.code in self._marked else "", r.code, r.owner or "—",
                str(r.months), fmt(r.owed_fen), step_text(r.last_step),
                ymd(r.last_step_at), self._next(r),
            ]) for r in shown])
        self.query_one("#duty-status", Static).update(self._status(every, shown))
        self.keys(t("ui.arrears.keys_lawyer") if self.may(dn.LAWYER_ROLES)
                  else t("ui.arrears.keys") if self.may(dn.DUNNING_ROLES)
                  else t("ui.arrears.keys_read"))

    def _next(self, row: dv.DunningRow) -> str | tuple[str, str]:
        """The next step, or that its notice is printed and waits to be said delivered."""
        printed = self._printed.get(row.code)
        if printed is not None and printed.step == row.next_step:
            return (t("ui.arrears.printed_waiting", step=dv.step_name(printed.step)),
                    "bold yellow")
        return next_text(row, self.limit)

    def _status(self, every: list[dv.DunningRow], shown: list[dv.DunningRow]) -> Table:
        grid = rate_grid(dv.collection_rate(self._month, self.settings) if self._month else None)
        ready = {s: sum(1 for r in every if r.next_step == s and r.ready) for s in dv.STEPS[1:]}
        grid.add_row(t("ui.arrears.owing_label"),
                     t("ui.arrears.owing_text", units=len(shown), total=len(every),
                       owed=fmt(sum(r.owed_fen for r in shown)), marked=len(self._marked)))
        grid.add_row(t("ui.arrears.ready_label"),
                     t("ui.arrears.ready_text", call=ready[dv.CALL],
                       first=ready[dv.FIRST_NOTICE], second=ready[dv.SECOND_NOTICE],
                       third=ready[dv.THIRD_NOTICE], lawyer=ready[dv.LAWYER])
                     + (t("ui.arrears.undelivered", n=len(self._printed))
                        if self._printed else ""))
        return grid

    def _current(self) -> dv.DunningRow | None:
        key = self.query_one("#arrears-table", FitTable).selected_key()
        return self._rows.get(key) if key else None

    @on(ChoiceField.Changed)
    def _filter_changed(self) -> None:
        self.reload()

    def action_filters(self) -> None:
        self.query_one("#f-months", ChoiceField).focus()

    def action_month(self, step: int) -> None:
        months = dv.billed_months()
        if not months:
            return
        index = months.index(self._month) if self._month in months else len(months) - 1
        index = min(max(index + step, 0), len(months) - 1)
        this = f"{self.today.year:04d}-{self.today.month:02d}"
        if months[index] <= this:
            self._month = months[index]
            self.reload()

    @on(DataTable.RowSelected, "#arrears-table")
    def _open(self, event: DataTable.RowSelected) -> None:
        self.app.push_screen(LadderScreen(event.row_key.value), lambda _: self.reload())

    # ---- x marks rows ---------------------------------------------------------------------

    def action_mark(self) -> None:
        row = self._current()
        if row is None:
            return
        self._marked ^= {row.code}
        self.reload()
        table = self.query_one("#arrears-table", FitTable)
        if table.cursor_row < table.row_count - 1:
            table.move_cursor(row=table.cursor_row + 1)  # mark down the list, one key per row

    # ---- c the desk's call (KF-016 §3.2) ----------------------------------------------------

    def action_call(self) -> None:
        row = self._current()
        if row is None:
            return
        s = self.desk.session
        try:
            pay_by = dn.default_pay_by(s.clock, s.settings)
            script = dn.call_script(row.code, pay_by, s.staff, s.clock.now(), s.settings)
        except DeskError as exc:
            self.error(exc.message())
            return
        self.error()
        fields = [
            Field("outcome", t("ui.arrears.f.outcome"), "choice",
                  [(o, t(f"dunning.outcome.{o}")) for o in dn.CALL_OUTCOMES]),
            Field("answered_by", t("ui.arrears.f.answered_by"), value=row.owner,
                  placeholder=t("ui.arrears.f.answered_by_hint")),
            Field("promised_on", t("ui.arrears.f.promised_on"),
                  placeholder=t("ui.duty.day_placeholder")),
            Field("note", t("ui.arrears.f.note")),
        ]

        def submit(v: dict) -> str:
            promised = str(v["promised_on"]).strip()
            dn.record_call(row.code, str(v["outcome"]),
                           parse_day(promised, self.today, "promised_on") if promised else None,
                           str(v["note"]), s.staff, s.clock, s.settings, pay_by=pay_by,
                           answered_by=str(v["answered_by"]))
            return t("ui.arrears.called", unit=row.code,
                     outcome=t(f"dunning.outcome.{v['outcome']}"))

        self.app.push_screen(ActionDialog(
            t("ui.arrears.call_title", unit=row.code, owner=row.owner or "—"), fields, submit,
            about=script), self.dialog_done)

    # ---- n notices (KF-016 §3.3–3.5) --------------------------------------------------------

    def action_notices(self) -> None:
        s = self.desk.session
        marked = [c for c in self._order if c in self._marked] + sorted(
            self._marked - set(self._order))
        steps = [r.next_step for c in marked if (r := self._rows.get(c))
                 and r.next_step in dv.NOTICE_STEPS]
        chosen = str(max(set(steps), key=steps.count)) if steps else str(dv.FIRST_NOTICE)
        ready = dv.eligible_by_step(self.settings)
        try:
            default = dn.default_pay_by(s.clock, s.settings)
        except DeskError as exc:
            self.error(exc.message())
            return
        if marked:
            about = t("ui.arrears.notice_marked", n=len(marked),
                      units=t("dunning.list_sep").join(marked[:12])
                      + ("…" if len(marked) > 12 else ""))
        else:
            about = t("ui.arrears.notice_all", first=len(ready[dv.FIRST_NOTICE]),
                      second=len(ready[dv.SECOND_NOTICE]), third=len(ready[dv.THIRD_NOTICE]))
        fields = [
            Field("step", t("ui.arrears.f.notice"), "choice",
                  [(str(n), dv.step_name(n)) for n in dv.NOTICE_STEPS], chosen),
            Field("pay_by", t("ui.arrears.f.pay_by"), value=default.isoformat(),
                  placeholder=t("ui.duty.day_placeholder")),
        ]
        use_marks = bool(marked)

        def submit(v: dict) -> str:
            step = int(str(v["step"]))
            pay_by = parse_day(str(v["pay_by"]), self.today, "pay_by")
            if use_marks:
                codes = [c for c in self._order if c in self._marked] + sorted(
                    self._marked - set(self._order))
                if not codes:
                    raise DeskError("dunning.notice.none", field="step")
            else:
                codes = dv.eligible_by_step(self.settings)[step]
                if not codes:
                    raise DeskError("ui.arrears.none_ready", field="step",
                                    step=dv.step_name(step))
            try:
                batch = dn.issue_notices(step, codes, pay_by,
                                         print_folder(s.db_target), s.staff, s.clock,
                                         s.settings, s.settings.language)
            except dn.ListedRefusal as exc:
                if not use_marks:
                    raise
                # The clerk drops the refused units and prints again: here one Ctrl+S.
                self._marked -= set(exc.units)
                self.reload()
                left = len(self._marked)
                raise DeskError("ui.arrears.dropped", field="step", text=exc.message(),
                                n=left) from exc
            # Still marked: once delivered, d records the same batch.
            return t("ui.arrears.printed_only", n=len(batch.units), step=dv.step_name(step),
                     total=fmt(batch.total_fen), where=batch.printed)

        self.app.push_screen(ActionDialog(t("ui.arrears.notice_title"), fields, submit,
                                          about=about), self.dialog_done)

    # ---- d printed notices delivered or posted (KF-016 §3.3–3.5) ------------------------------

    def action_delivered(self) -> None:
        s = self.desk.session
        marked = [c for c in self._order if c in self._marked] + sorted(
            self._marked - set(self._order))
        if not marked:
            row = self._current()
            marked = [row.code] if row is not None else []
        waiting = [c for c in marked if c in self._printed]
        if not waiting:
            self.error(t("ui.arrears.nothing_printed"))
            return
        self.error()
        steps = [self._printed[c].step for c in waiting]
        step = max(set(steps), key=steps.count)
        codes = [c for c in waiting if self._printed[c].step == step]
        fields = [
            Field("way", t("ui.arrears.f.way"), "choice",
                  [(w, t(f"dunning.way.{w}")) for w in dn.DELIVERY_WAYS],
                  "posted" if step == dv.THIRD_NOTICE else "handed"),
            Field("by", t("ui.arrears.f.delivered_by"), value=s.staff.name,
                  placeholder=t("ui.arrears.f.delivered_by_hint")),
            Field("on", t("ui.arrears.f.delivered_on"), value=self.today.isoformat(),
                  placeholder=t("ui.duty.day_placeholder")),
            Field("photo", t("ui.arrears.f.photo"), placeholder=t("ui.arrears.f.photo_hint")),
        ]

        def submit(v: dict) -> str:
            day = str(v["on"]).strip()
            done = dn.record_delivery(codes, step, str(v["way"]), str(v["by"]),
                                      parse_day(day, self.today, "delivered_on") if day
                                      else None, s.staff, s.clock, s.settings,
                                      photo_ref=str(v["photo"]))
            self._marked -= set(codes)
            return t("ui.arrears.delivered", n=len(done), step=dv.step_name(step))

        self.app.push_screen(ActionDialog(
            t("ui.arrears.delivery_title", step=dv.step_name(step)), fields, submit,
            about=t("ui.arrears.delivery_about", n=len(codes),
                    units=t("dunning.list_sep").join(codes[:12])
                    + ("…" if len(codes) > 12 else ""))), self.dialog_done)

    # ---- p the photo of the door posting (KF-016 §3.5) ---------------------------------------

    def action_posting(self) -> None:
        row = self._current()
        if row is None:
            return
        s = self.desk.session
        if row.highest != dv.THIRD_NOTICE:
            self.error(t("ui.arrears.posting_needs_third", unit=row.code))
            return

        def submit(v: dict) -> str:
            dn.record_posting(row.code, str(v["photo"]), s.staff, s.clock, s.settings)
            return t("ui.arrears.posted", unit=row.code)

        self.app.push_screen(ActionDialog(
            t("ui.arrears.posting_title", unit=row.code),
            [Field("photo", t("ui.arrears.f.photo"), placeholder=t("ui.arrears.f.photo_hint"))],
            submit, about=t("ui.arrears.posting_about")), self.dialog_done)

    # ---- l the lawyer's letter (KF-016 §3.6) -------------------------------------------------

    def action_lawyer(self) -> None:
        row = self._current()
        if row is None:
            return
        s = self.desk.session
        if not self.may(dn.LAWYER_ROLES):
            # The service says why not (the role), in the clerk's language.
            self.attempt(dn.escalate_to_lawyer, row.code, None, "", s.staff, s.clock,
                         s.settings)
            return
        fields = [
            Field("told_on", t("ui.arrears.f.told_on"), value=self.today.isoformat(),
                  placeholder=t("ui.duty.day_placeholder")),
            Field("note", t("ui.arrears.f.told_how"), placeholder=t("ui.arrears.f.told_hint")),
        ]

        def submit(v: dict) -> str:
            told = str(v["told_on"]).strip()
            dn.escalate_to_lawyer(row.code, parse_day(told, self.today, "told_on")
                                  if told else None, str(v["note"]), s.staff, s.clock,
                                  s.settings)
            return t("ui.arrears.escalated", unit=row.code)

        self.app.push_screen(ActionDialog(
            t("ui.arrears.lawyer_title", unit=row.code, owner=row.owner or "—"), fields,
            submit, about=t("ui.arrears.lawyer_about", months=row.months,
                            owed=fmt(row.owed_fen))
            + "\n" + (t("ui.arrears.large_debtor", limit=fmt(dn.large_debtor_fen(s.settings)))
                      if dn.is_large_debtor(row.owed_fen, s.settings)
                      else t("ui.arrears.persistent"))), self.dialog_done)

    # ---- i the bank's failure list (KF-016 §3.1) ---------------------------------------------

    def action_import(self) -> None:
        s = self.desk.session

        def submit(v: dict) -> str:
            result = dn.import_bank_failures(str(v["path"]).strip(), s.staff, s.clock,
                                             s.settings)
            return t("ui.arrears.imported", file=result.file, rows=result.rows,
                     units=result.units, total=fmt(result.total_fen))

        self.app.push_screen(ActionDialog(
            t("ui.arrears.import_title"),
            [Field("path", t("ui.arrears.f.path"), placeholder=t("ui.arrears.f.path_hint"))],
            submit, about=t("ui.arrears.import_about")), self.dialog_done)


class LadderScreen(DutyModal):
    """One unit's arrears by item and its ladder history (date, step, who, amount, evidence)."""

    MODE = "arrears_ladder"
    DEFAULT_CSS = """
    LadderScreen #ladder-items { height: auto; margin: 1 0; }
    """

    def __init__(self, unit_code: str) -> None:
        super().__init__()
        self._code = unit_code
        self._entries: dict[str, dv.LadderEntry] = {}

    def compose_body(self) -> ComposeResult:
        yield Static("", id="duty-status")
        yield Static("", id="ladder-items")
        yield FitTable([
            Column("at", t("ui.arrears.col.at"), min=16, max=16),
            Column("step", t("ui.arrears.col.step"), min=6, max=22),
            Column("by", t("ui.arrears.col.by"), min=4, max=8),
            Column("amount", t("ui.col.amount"), min=9, max=12, right=True),
            Column("months", t("ui.arrears.col.months"), min=4, max=6, right=True, drop=2),
            Column("pay_by", t("ui.arrears.col.pay_by"), min=10, max=10, drop=1),
            Column("evidence", t("ui.arrears.col.evidence"), min=8, flex=1),
        ], id="ladder-history")
        yield Static("", id="duty-detail")

    def reload(self) -> None:
        ladder = dv.unit_ladder(self._code, self.settings)
        if ladder is None:
            self.error(t("dunning.unknown_unit", unit=self._code))
            return
        self.query_one("#duty-box").border_title = t(
            "ui.arrears.ladder_title", unit=ladder.code, owner=ladder.owner or "—")
        nxt = next_text(ladder, dv.second_notice_months(self.settings))
        status = Table.grid(padding=(0, 2))
        status.add_column(style="bold", no_wrap=True)
        status.add_column()
        status.add_row(t("ui.arrears.owing_label"),
                       t("ui.arrears.unit_owes", months=ladder.months,
                         owed=fmt(ladder.owed_fen)) if ladder.owed_fen
                       else t("ui.arrears.unit_owes_nothing"))
        status.add_row(t("ui.arrears.col.next"), nxt if isinstance(nxt, str) else nxt[0])
        self.query_one("#duty-status", Static).update(status)
        items = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold")
        items.add_column(t("ui.col.item"), no_wrap=True)
        items.add_column(t("ui.arrears.col.period"), no_wrap=True)
        items.add_column(t("ui.arrears.col.months"), justify="right", no_wrap=True)
        items.add_column(t("ui.arrears.col.owed"), justify="right", no_wrap=True)
        for i in ladder.items:
            period = (i.first_month if i.first_month == i.last_month
                      else f"{i.first_month} – {i.last_month}")
            items.add_row(t(f"fee_item.{i.item}"), period, str(i.months), fmt(i.owed_fen))
        self.query_one("#ladder-items", Static).update(items if ladder.items else "")
        self._entries = {str(e.id): e for e in ladder.history}
        rows = []
        for e in reversed(ladder.history):  # newest first: what happened last is on top
            style = "" if e.current else "dim"
            cells = [e.at.strftime("%Y-%m-%d %H:%M"), dv.step_name(e.step), e.by,
                     fmt(e.amount_fen), str(e.months), ymd(e.pay_by),
                     dv.evidence_text(e)]
            rows.append((str(e.id), [(c, style) if style else c for c in cells]))
        self.query_one("#ladder-history", FitTable).load(rows)
        self.keys(t("ui.arrears.ladder_keys"))
        self._detail()

    @on(DataTable.RowHighlighted, "#ladder-history")
    def _detail(self) -> None:
        key = self.query_one("#ladder-history", FitTable).selected_key()
        entry = self._entries.get(key) if key else None
        text = ""
        if entry is not None:
            text = dv.evidence_text(entry)
            if not entry.current:
                text = t("ui.arrears.earlier_debt") + " " + text
        self.query_one("#duty-detail", Static).update(text)

