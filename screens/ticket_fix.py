"""Correcting and voiding a ticket from its queue: ``u`` 更正 and ``z`` 作废 (KF-012 v2, issue 16).

Both are steps of the ticket's step set (``ticket_steps.STEPS``): a host screen gives its
conflict guard (``_guard``), its (staff, clock, settings) (``_who``) and its dialog titles
(``_title``); the dialogs are ``ActionDialog``s, so refusals show in place and nothing is saved.

- The correction dialog opens with the ticket's intake fields as they were taken down (the
  phone masked: typing a number replaces it, leaving it empty keeps it) and a reason. Under the
  fields a line says what the correction changes, old → new, as the clerk types; saving one with
  nothing changed is refused. The clocks follow the corrected ticket (the desk service).
- The void dialog asks for the reason, then for confirmation: the first Ctrl+S checks and says
  what voiding does, the second voids. A voided ticket stays in the queue struck through and
  marked 已作废 for the rest of the day; then the queue drops it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.widgets import Input, Static, TextArea

from kfdesk import views
from kfdesk.clock import parse_counter_time
from kfdesk.desk import ticket_fixes, tickets
from kfdesk.desk.base import DeskError
from kfdesk.i18n import t
from kfdesk.models.tickets import CATEGORIES, CHANNELS, KINDS, REPAIR_CLASSES, VALIDITY
from kfdesk.privacy import mask_phone

from .widgets.choice import ChoiceField
from .widgets.dialogs import ActionDialog, Field

if TYPE_CHECKING:
    from kfdesk.models import Staff

ACTIONS = ("correct", "void")
NONE = ""  # the "—" option of a choice that may be empty (validity of a non-complaint)


def allowed(action: str, row: views.TicketRow, staff: Staff | None, today: date) -> bool:
    """Whether the footer offers ``u`` / ``z`` on this row (the desk service decides): the
    owner — voiding only on the day the ticket was received — or a supervisor/manager."""
    if staff is None or row.state in ("closed", "voided"):
        return False
    if staff.role in ticket_fixes.SUPERVISORS:
        return action == "correct" or row.state not in ("completed", "callback")
    if staff.role not in tickets.INTAKE_ROLES or staff.id != row.owner_id:
        return False
    if action == "void":
        return row.received_at.date() == today and row.state not in ("completed", "callback")
    return True


def struck(cells: list[Any]) -> list[Any]:
    """A voided ticket's row: every cell struck through and dimmed (KF-012 v2: shown void)."""
    return [((c if isinstance(c, str) else c[0]), "strike dim") for c in cells]


def _choices(values: tuple[str, ...], prefix: str, empty: bool = False) -> list[tuple[str, str]]:
    out = [(NONE, "—")] if empty else []
    return out + [(v, t(f"{prefix}.{v}")) for v in values]


class CorrectDialog(ActionDialog):
    """The correction form: the changes it would make are shown live under the fields."""

    def __init__(self, number: str, settings: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._number = number
        self._settings = settings

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#dlg-box").mount(Static("", id="fix-changes"), before="#dlg-keys")
        self._show_rows()
        self._show_changes()

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(ChoiceField.Changed)
    def _changed(self) -> None:
        self._show_rows()
        self._show_changes()

    def _show_rows(self) -> None:
        """Only the rows that apply to the ticket as corrected so far (the form fits 80×24):
        the forwarding department and time for a forwarded one, the judgement for a
        complaint, the repair class for a repair and the quote for a paid repair."""
        v = self.values()
        shown = {"forwarded_from": v["channel"] == "forwarded",
                 "forwarded_at": v["channel"] == "forwarded",
                 "validity": v["kind"] == "complaint", "repair_class": v["kind"] == "repair",
                 "price": v["kind"] == "repair" and v["repair_class"] == "paid"}
        for name, on_ in shown.items():
            row = self.query_one(f"#f-{name}").parent
            if row is not None:
                row.display = on_

    def _show_changes(self) -> None:
        found = self.query("#fix-changes")
        if not found:
            return
        line = found.first(Static)
        try:
            form = self.form_of(self.values())
            changes = ticket_fixes.changes_of(self._number, form, self._settings)
        except DeskError as exc:
            line.update(Text(exc.message(), style="dim"))
            return
        if not changes:
            line.update(Text(t("ui.fix.no_change"), style="dim"))
            return
        line.update(Text(t("ui.fix.will_change", changes=ticket_fixes.describe(
            changes, None, self._settings.zone)), style="bold"))

    form_of: Callable[[dict], tickets.IntakeForm]


def correct_dialog(host: Any, row: views.TicketRow) -> ActionDialog:
    """``u``: correct the ticket's intake fields, with a reason (KF-012 v2)."""
    staff, clock, settings = host._who
    start = ticket_fixes.correction_form(row.number)
    zone = settings.zone
    forwarded = (start.forwarded_received_at.astimezone(zone).strftime("%m-%d %H:%M")
                 if start.forwarded_received_at else "")
    fields = [
        Field("unit", t("ui.fix.unit"), value=start.unit_code,
              placeholder=t("ui.fix.unit_eg")),
        Field("caller", t("ui.fix.caller"), value=start.caller_name,
              placeholder=t("ui.ticket.anonymous")),
        Field("phone", t("ui.fix.phone"),
              placeholder=t("ui.fix.phone_keep", phone=mask_phone(start.phone))
              if start.phone else t("ui.fix.phone_none")),
        Field("channel", t("ui.fix.channel"), "choice", _choices(CHANNELS, "channel"),
              start.channel),
        Field("forwarded_from", t("ui.fix.forwarded_from"), "choice",
              _choices(tickets.DISPATCH_DEPARTMENTS, "department", empty=True),
              start.forwarded_from),
        Field("forwarded_at", t("ui.fix.forwarded_at"), value=forwarded,
              placeholder=t("ui.form.time_placeholder")),
        Field("kind", t("ui.fix.kind"), "choice", _choices(KINDS, "kind"), start.kind),
        Field("category", t("ui.fix.category"), "choice", _choices(CATEGORIES, "category"),
              start.category),
        Field("validity", t("ui.fix.validity"), "choice",
              _choices(VALIDITY, "validity", empty=True), start.validity or NONE),
        Field("repair_class", t("ui.fix.repair_class"), "choice",
              _choices(REPAIR_CLASSES, "repair_class", empty=True), start.repair_class or NONE),
        Field("price", t("ui.fix.quoted"), value=start.quoted,
              placeholder=t("ui.fix.quoted_eg")),
        Field("text", t("ui.fix.text"), "area", value=start.text),
        Field("reason", t("ui.fix.reason"), placeholder=t("ui.fix.reason_eg")),
    ]

    def form_of(v: dict) -> tickets.IntakeForm:
        when: datetime | None = None
        typed_at = str(v["forwarded_at"]).strip()
        if v["channel"] == "forwarded" and typed_at:
            when = parse_counter_time(typed_at, clock.now(), zone)
            if when is None:
                raise DeskError("ui.act.bad_time", field="forwarded_at", text=typed_at)
        phone = str(v["phone"]).strip() or start.phone
        return tickets.IntakeForm(
            channel=str(v["channel"]), kind=str(v["kind"]), category=str(v["category"]),
            text=str(v["text"]), unit_code=str(v["unit"]).strip(), person_id=start.person_id,
            caller_name=str(v["caller"]), phone=phone,
            forwarded_from=str(v["forwarded_from"]) if v["channel"] == "forwarded" else "",
            forwarded_received_at=when, validity=str(v["validity"]) or None,
            repair_class=str(v["repair_class"]) or None, price_code=start.price_code,
            quoted=str(v["price"]), defect_of=start.defect_of)

    def submit(v: dict) -> str:
        changes = ticket_fixes.correct_ticket(row.number, form_of(v), str(v["reason"]), staff,
                                              clock, settings, version=row.version)
        return t("ui.fix.corrected", number=row.number, n=len(changes))

    dialog = CorrectDialog(row.number, settings, host._title("ui.fix.correct_title", row),
                           fields, host._guard(submit), about=t("ui.fix.correct_about"))
    dialog.form_of = form_of
    return dialog


def void_dialog(host: Any, row: views.TicketRow) -> ActionDialog:
    """``z``: void a ticket taken by mistake, with a reason; the second Ctrl+S confirms."""
    staff, clock, settings = host._who
    armed: list[str] = []

    def submit(v: dict) -> str:
        reason = " ".join(str(v["reason"]).split())
        confirmed = armed == [reason]
        ticket_fixes.void_ticket(row.number, reason, staff, clock, settings,
                                 version=row.version, dry_run=not confirmed)
        if not confirmed:  # checked, nothing written: the clerk confirms what it does
            armed[:] = [reason]
            raise DeskError("ui.fix.void_confirm", number=row.number)
        return t("ui.fix.voided", number=row.number)

    about = f"{t(f'kind.{row.kind}')} · {t(f'category.{row.category}')} · {row.summary}\n" \
            f"{t('ui.fix.void_about')}"
    return ActionDialog(host._title("ui.fix.void_title", row), [
        Field("reason", t("ui.fix.reason"), placeholder=t("ui.fix.void_eg")),
    ], host._guard(submit), about=about)


def amount_fields(row: views.TicketRow) -> list[Field]:
    """A paid repair's completion: the amount to charge (the quote, corrected when the work
    cost otherwise) and why (KF-015 §6.2.1; issue 16)."""
    fen = ticket_fixes.open_paid_amount(row.number)
    if fen is None:
        return []
    return [Field("amount", t("ui.fix.amount"), value=f"{fen // 100}.{fen % 100:02d}"),
            Field("amount_reason", t("ui.fix.amount_reason"),
                  placeholder=t("ui.fix.amount_reason_eg"))]


def amount_args(v: dict) -> dict[str, str]:
    return {"amount": str(v.get("amount", "")), "amount_reason": str(v.get("amount_reason", ""))}
