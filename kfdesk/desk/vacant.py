"""Checks of vacant units at the desk (空置房管理, RULES §6 / KF-001; keys: RULES §5).

RULES §5 has the desk keep the keys of vacant units; RULES §6 lists vacant-unit management
among the counter's duties. What that management is, the procedures do not spell out; the
reading taken here (the office's own practice, configurable):

- somebody goes into each vacant unit at least every ``clocks.vacant_check_days`` days
  (30 as shipped — RULES gives no interval) and looks at five things: doors and windows,
  water, electricity and gas, leaks through walls or the ceiling, cleanliness;
- the visit is recorded at the desk (``record_check``): who, when, which items were found
  faulty, a note, and the desk key used to get in, if one was;
- a problem found can go straight to engineering: ``raise_ticket`` takes a repair ticket
  through the same intake as F2 (``tickets.take_ticket``: its number, its dispatch clock,
  its audit event), channel "patrol" — found by the office itself — and links it to the
  check.

Only the desk records checks (clerk, supervisor, manager): security reads the registers
(README: the guard's account is read-only) and the cashier has no business with keys. A
refusal changes nothing; a check is one transaction with its audit event (and the ticket's).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from ..clock import Clock
from ..config import Settings
from ..i18n import t
from ..models import CHECK_ITEMS, Key, Staff, Ticket, Unit, VacantCheck
from ..rules.context import RuleContext
from ..rules.sync import sync_vacant_units
from .base import DeskError, Tr, audit, require_role, transaction
from .inputs import instant_in
from .keys import key_ref
from .keys import state as key_state
from .lending import clean_text, counter_unit
from .tickets import IntakeForm, take_ticket

CHECK_ROLES = ("clerk", "supervisor", "manager")
NOTE_MAX = 500  # well inside a ticket's text (tickets.MAX_TEXT) with the items added
# The ticket category of each item, for the repair ticket a check raises (KF-011). The
# first faulty item in CHECK_ITEMS order decides; all of them are in the ticket's text.
TICKET_CATEGORY = {
    "doors_windows": "other",
    "water": "water",
    "power_gas": "electricity",
    "leaks": "water",
    "cleanliness": "sanitation",
}


def check_days(settings: Settings) -> int:
    """The office's interval between two checks of a vacant unit, in days (at least 1)."""
    # The settings loader checks types, not ranges: 0 or less would make every unit overdue
    # the moment it is checked, so it counts as 1.
    return max(1, int(settings.get("clocks.vacant_check_days")))


def warn_share(settings: Settings) -> float:
    """The share of the interval after which a check is due soon (clocks.warn_share)."""
    return float(settings.clocks["warn_share"])


def _findings(findings: object) -> tuple[str, ...]:
    """The faulty items, in CHECK_ITEMS order; anything that is not a collection of known
    item codes is refused (a script's slip, not a clerk's)."""
    if isinstance(findings, str | bytes) or not isinstance(findings, Iterable):
        raise DeskError("vacant.bad_findings", field="findings")
    given = list(findings)
    for item in given:
        if not isinstance(item, str) or item not in CHECK_ITEMS:
            raise DeskError("vacant.bad_item", field="findings", item=str(item)[:32])
    return tuple(i for i in CHECK_ITEMS if i in given)


def item_names(items: Iterable[str], lang: str | None = None) -> str:
    """The items in the clerk's words, joined as the counter lists things (``门窗、水路``)."""
    return t("vacant.list_sep", lang=lang).join(t(f"vacant.item.{i}", lang=lang) for i in items)


def _key_for(unit_id: int, key_id: object) -> Key | None:
    """The desk key used for the visit: the unit's own, and still held by the desk."""
    if key_id is None or key_id == "":
        return None
    if isinstance(key_id, bool) or not isinstance(key_id, int) or not 0 < key_id < 2**63:
        raise DeskError("vacant.unknown_key", field="key", ref=str(key_id)[:16])
    key = Key.get_or_none(Key.id == key_id)
    if key is None:
        raise DeskError("vacant.unknown_key", field="key", ref=key_ref(key_id))
    if key.unit_id != unit_id:
        raise DeskError("vacant.key_not_of_unit", field="key", ref=key_ref(key.id),
                        label=key.label)
    if key_state(key).where == "returned":
        raise DeskError("vacant.key_not_held", field="key", ref=key_ref(key.id),
                        label=key.label)
    return key


def ticket_text(unit_code: str, items: Iterable[str], note: str,
                lang: str | None = None) -> str:
    """The repair ticket's text: where, what was found, and the checker's note."""
    text = t("vacant.ticket_text", lang=lang, unit=unit_code, items=item_names(items, lang))
    return f"{text} {note}".strip() if note else text


class CheckForm(NamedTuple):
    """A check as it will be saved, once every field has passed (``check_form``)."""

    unit: Unit
    findings: tuple[str, ...]  # the faulty items, in CHECK_ITEMS order
    note: str
    checked_at: datetime
    key: Key | None
    raise_ticket: bool

    @property
    def problem(self) -> bool:
        return bool(self.findings)


def check_form(unit_code: str, findings: Iterable[str], note: str, clock: Clock,
               settings: Settings, key: int | None = None, raise_ticket: bool = False, *,
               checked_at: datetime | None = None) -> CheckForm:
    """The check ``record_check`` would save, or the first thing wrong with it; writes
    nothing (the form shows it before the clerk confirms).

    Refused: an unknown unit, a unit that is not vacant, an unknown item, a note too long,
    a visit later than now, a key of another unit or no longer held, and a repair ticket
    asked for when nothing was found.
    """
    unit = counter_unit(unit_code)
    if unit.status != "vacant":
        raise DeskError("vacant.not_vacant", field="unit", unit=unit.code,
                        status=Tr(f"unit_status.{unit.status}"))
    faulty = _findings(findings)
    text = clean_text(note, "note", NOTE_MAX)
    now = clock.now()
    at = instant_in(checked_at, "checked_at") or now
    if at > now:
        raise DeskError("vacant.future", field="checked_at")
    if raise_ticket and not faulty:
        raise DeskError("vacant.ticket_without_problem", field="ticket")
    return CheckForm(unit, faulty, text, at, _key_for(unit.id, key), bool(raise_ticket))


def record_check(unit_code: str, findings: Iterable[str], note: str, actor: Staff,
                 clock: Clock, settings: Settings, key: int | None = None,
                 raise_ticket: bool = False, *,
                 checked_at: datetime | None = None) -> VacantCheck:
    """Record a visit to the vacant unit ``unit_code``.

    ``findings`` are the CHECK_ITEMS found faulty (empty: all in order); ``key`` the id of
    the desk key used to get in; ``raise_ticket`` opens a repair ticket for what was found
    (refused when nothing was); ``checked_at`` when the visit was (default now; never later
    than now). Refused (``check_form``) when the unit is not vacant.
    """
    require_role(actor, CHECK_ROLES, "vacant.check")
    # The ticket takes the next gapless number: the write lock first, as intake does.
    with transaction(immediate=bool(raise_ticket)):
        form = check_form(unit_code, findings, note, clock, settings, key, raise_ticket,
                          checked_at=checked_at)
        unit, faulty, used = form.unit, form.findings, form.key
        ticket = None
        if form.raise_ticket:
            taken = take_ticket(IntakeForm(
                channel="patrol", kind="repair", category=TICKET_CATEGORY[faulty[0]],
                repair_class="normal", unit_code=unit.code, caller_name=actor.name,
                text=ticket_text(unit.code, faulty, form.note)), actor, clock, settings)
            ticket = Ticket.get(Ticket.number == taken.number)
        check = VacantCheck.create(
            unit=unit, checked_at=form.checked_at, checked_by=actor, key_used=used,
            note=form.note, problem=form.problem, ticket=ticket,
            **{i: i in faulty for i in CHECK_ITEMS})
        # The next check's clock runs from this one (alert bar, F8).
        sync_vacant_units([unit], RuleContext.from_store(settings), clock.now())
        audit(actor, clock, "vacant.check", check, unit=unit.code,
              checked_at=form.checked_at.isoformat(), findings=list(faulty),
              problem=form.problem, note=form.note, key=key_ref(used.id) if used else "",
              ticket=ticket.number if ticket else "")
    return check
