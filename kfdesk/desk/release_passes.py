"""KF-014 move-out release passes (搬出物品放行条): who may take items out, and the gate.

Anyone taking large or valuable items out of the community needs a pass (KF-014 §4.1). The
bearer's identity is checked against the owner records — the unit's current ``Occupancy``
rows (KF-014 §4.2):

- §4.2.1 the owner, or a family member *registered* on the owner's file (a nanny never
  counts, even when registered), shows an ID and signs the pass: nothing else is needed;
- §4.2.2 an unregistered family member, or a non-owner (tenant, nanny, friend, employee:
  ``other``), needs the owner's signature on the list of items; a renovation crew needs its
  foreman's signature or the company's stamp (the owner's signature also does); all show an ID;
- §4.2.3 when the owner phones to send someone, the owner writes an authorisation naming the
  delegate, the moving time and the items, and signs it; the delegate comes at the agreed
  time, and the letter is attached to the pass. **Reading:** the agreed time is a window
  (from–until; a letter without an end is good for the rest of that day); the pass is issued
  and checked out at the gate only inside it, carries exactly the letter's items, and a
  letter serves one pass.

``check_applicant`` gives the verdict without writing (the dialog shows it live);
``preflight`` what the clerk must see before issuing — arrears, tenants' lease ends, items
on loan — which the clerk confirms (``confirmed_preflight``) when there is anything to see.
``issue_release_pass`` refuses with the verdict's own words when something is missing.
The pass prints in two parts (§4.3.1): the stub kept at the desk and the copy the bearer
hands to the gate guard, with lines for the security team leader's signature and the office
stamp. ``record_checkout`` is the gate's check-out. ``print_pass_summary`` is the month-end
summary for the security department (§4.3.2). Every write and print is audited; ID numbers
are masked on paper and in the audit trail (KF-017 §4).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any, NamedTuple

from ..clock import Clock
from ..config import Settings, default_settings
from ..i18n import t
from ..ids import is_valid_id_number, normalize_id_number
from ..models import Authorisation, Loan, Occupancy, Person, ReleasePass, Staff, Unit
from ..models.registers import BEARER_KINDS
from ..money import fmt
from ..printing import cells, centre, deliver, pad, safe_name, spread, wrap
from ..privacy import mask_id
from ..views import office_day, unit_arrears
from ..views import passes as pviews
from .base import DeskError, Tr, audit, require_role, transaction
from .inputs import text_in
from .numbers import next_number

ISSUE_ROLES = ("clerk", "supervisor", "manager")
CHECKOUT_ROLES = ("security", "clerk", "supervisor", "manager")  # the gate guard, or the desk
SUMMARY_ROLES = ("clerk", "supervisor", "manager", "security")
SELF_KINDS = ("owner", "registered_family")  # KF-014 §4.2.1: their own ID and signature
NAME_MAX = 64
ITEMS_MAX = 500


def _settings(settings: Settings | None) -> Settings:
    return settings or default_settings()


def _same_name(a: str, b: str) -> bool:
    return "".join((a or "").split()) == "".join((b or "").split())


def _same_items(a: str, b: str) -> bool:
    return " ".join((a or "").split()) == " ".join((b or "").split())


def _hm(value: datetime, zone: tzinfo) -> str:
    return value.astimezone(zone).strftime("%m-%d %H:%M")


def _unit(unit_code: str) -> Unit:
    code = text_in(unit_code, "unit").strip()
    if not code:
        raise DeskError("pass.unit_needed", field="unit")
    unit = Unit.get_or_none(Unit.code == code)
    if unit is None:
        raise DeskError("pass.unknown_unit", field="unit", unit=code)
    return unit


# --- the verdict (KF-014 §4.2) ------------------------------------------------------------


class OnFile(NamedTuple):
    """What the owner records say about a name at a unit (current occupancies only)."""

    role: str | None  # owner | family | tenant | other; None: not on the file
    registered: bool = False
    id_number: str = ""


class AuthWindow(NamedTuple):
    """An authorisation letter as the verdict needs it (times in the office zone)."""

    id: int
    unit_id: int
    delegate_name: str
    delegate_id_number: str
    starts: datetime
    ends: datetime
    items: str
    signed: bool
    used_by: str = ""  # the pass it is already attached to


class Verdict(NamedTuple):
    """Whether the bearer may take the items out, and in what words the clerk is told."""

    ok: bool
    kind: str  # as the clerk chose it
    treated_as: str  # as the records have it: a claimed owner not on file is ``other``
    key: str  # catalogue text: why accepted, or what is missing
    params: dict[str, Any]
    field: str | None = None  # the dialog field to fix
    needs: str = ""  # owner_signature | crew_signature | authorisation | window | id | ""

    def text(self, lang: str | None = None) -> str:
        return DeskError(self.key, **self.params).message(lang)

    def error(self) -> DeskError:
        return DeskError(self.key, field=self.field, **self.params)


def _treated_as(kind: str, on_file: OnFile) -> str:
    """The bearer as the records have them; the records win over what was claimed."""
    if kind in ("crew", "delegate"):
        return kind
    if on_file.role == "owner":
        return "owner"
    if on_file.role == "family":
        return "registered_family" if on_file.registered else "unregistered_family"
    if on_file.role == "tenant":
        return "tenant"
    if on_file.role == "other":  # a nanny or other occupant: never "family" (§4.2.1)
        return "other"
    if kind == "owner":
        return "other"
    if kind == "registered_family":
        return "unregistered_family"
    return kind


def judge(kind: str, bearer_name: str, bearer_id_number: str, on_file: OnFile, *,
          unit_code: str, unit_id: int, owner_signed: bool, crew_signed: bool,
          auth: AuthWindow | None, at: datetime, zone: tzinfo) -> Verdict:
    """KF-014 §4.2 on plain data: the verdict for one bearer at ``at``. Pure."""
    name = (bearer_name or "").strip()
    who = Tr(f"ui.bearer.{kind}") if kind in BEARER_KINDS else kind

    def verdict(ok: bool, key: str, treated: str, field: str | None = None, needs: str = "",
                **params: Any) -> Verdict:
        return Verdict(ok, kind, treated, key, {"name": name or "—", "unit": unit_code,
                                                "who": Tr(f"ui.bearer.{treated}"), **params},
                       field, needs)

    if kind not in BEARER_KINDS:
        return Verdict(False, kind, kind, "pass.bad_kind", {}, "bearer_kind")
    if kind == "delegate":
        if auth is None:
            return verdict(False, "pass.needs_authorisation", kind, "authorisation",
                           "authorisation")
        ref = pviews.authorisation_ref(auth.id)
        window = {"ref": ref, "start": _hm(auth.starts, zone), "end": _hm(auth.ends, zone)}
        if auth.unit_id != unit_id:
            return verdict(False, "pass.auth_other_unit", kind, "authorisation",
                           "authorisation", ref=ref)
        if auth.used_by:
            return verdict(False, "pass.auth_used", kind, "authorisation", "authorisation",
                           ref=ref, number=auth.used_by)
        if not auth.signed:
            return verdict(False, "pass.auth_unsigned", kind, "authorisation",
                           "authorisation", ref=ref)
        if not _same_name(auth.delegate_name, name):
            return verdict(False, "pass.auth_not_delegate", kind, "bearer_name",
                           "authorisation", ref=ref, delegate=auth.delegate_name)
        if (auth.delegate_id_number and bearer_id_number
                and normalize_id_number(auth.delegate_id_number)
                != normalize_id_number(bearer_id_number)):
            return verdict(False, "pass.auth_id_mismatch", kind, "bearer_id_number", "id",
                           ref=ref)
        if at < auth.starts:
            return verdict(False, "pass.auth_early", kind, None, "window", **window)
        if at > auth.ends:
            return verdict(False, "pass.auth_late", kind, None, "window", **window)
        return verdict(True, "pass.ok_delegate", kind, **window)
    treated = _treated_as(kind, on_file)
    if treated in SELF_KINDS:
        if (on_file.id_number and bearer_id_number
                and normalize_id_number(on_file.id_number)
                != normalize_id_number(bearer_id_number)):
            return verdict(False, "pass.id_mismatch", treated, "bearer_id_number", "id")
        return verdict(True, "pass.ok_self", treated)
    if kind in SELF_KINDS and on_file.role is None:
        # Claimed to be on the owner's file, but is not: the §4.2.2 route applies.
        if owner_signed:
            return verdict(True, "pass.ok_signed_not_on_file", treated, claimed=who)
        return verdict(False, "pass.not_on_file", treated, "owner_signed", "owner_signature",
                       claimed=who)
    if treated == "crew":
        if owner_signed or crew_signed:
            return verdict(True, "pass.ok_crew", treated)
        return verdict(False, "pass.needs_crew_signature", treated, "crew_signed",
                       "crew_signature")
    if owner_signed:
        return verdict(True, "pass.ok_owner_signed", treated)
    return verdict(False, "pass.needs_owner_signature", treated, "owner_signed",
                   "owner_signature")


def on_file(unit: Unit, bearer_name: str) -> OnFile:
    """The best standing the records give ``bearer_name`` at ``unit``: owner first, then a
    registered family member, then any other current occupancy."""
    wanted = "".join((bearer_name or "").split())
    if not wanted:
        return OnFile(None)
    rank = {"owner": 0, "family": 1, "tenant": 2, "other": 3}
    found: list[tuple[int, OnFile]] = []
    for occ in (Occupancy.select(Occupancy, Person).join(Person)
                .where(Occupancy.unit == unit.id, Occupancy.ended_on.is_null())):
        if "".join(occ.person.name.split()) != wanted:
            continue
        registered = bool(occ.registered)
        order = rank.get(occ.role, 9) * 2 + (0 if registered else 1)
        found.append((order, OnFile(occ.role, registered, occ.person.id_number)))
    if not found:
        return OnFile(None)
    return min(found, key=lambda f: f[0])[1]


def _auth_window(auth: Authorisation, zone: tzinfo) -> AuthWindow:
    starts, ends = pviews.authorisation_window(auth.moving_at, auth.moving_until, zone)
    used = (ReleasePass.select(ReleasePass.number)
            .where(ReleasePass.authorisation == auth.id).scalar()) or ""
    return AuthWindow(auth.id, auth.unit_id, auth.delegate_name, auth.delegate_id_number,
                      starts, ends, auth.items, auth.signed, used)


def _authorisation(authorisation_id: int | str | None) -> Authorisation | None:
    if authorisation_id in (None, ""):
        return None
    text = str(authorisation_id).strip().upper().removeprefix(f"{pviews.AUTH_PREFIX}-")
    # ASCII digits that fit an id: str.isdigit() also takes "²" and "٣", which int() refuses.
    number = int(text) if re.fullmatch(r"[0-9]{1,18}", text) else None
    auth = Authorisation.get_or_none(Authorisation.id == number) if number else None
    if auth is None:
        raise DeskError("pass.unknown_authorisation", field="authorisation",
                        ref=str(authorisation_id))
    return auth


def check_applicant(unit_code: str, bearer_kind: str, bearer_name: str,
                    bearer_id_number: str = "", *, owner_signed: bool = False,
                    crew_signed: bool = False, authorisation_id: int | str | None = None,
                    at: datetime, settings: Settings | None = None) -> Verdict:
    """KF-014 §4.2: may this bearer take items out of ``unit_code`` at ``at``? Reads only.

    A unit or authorisation that does not exist is a ``DeskError`` (a typing mistake, not a
    verdict); everything else comes back as the ``Verdict`` the dialog shows.
    """
    zone = _settings(settings).zone
    unit = _unit(unit_code)
    auth = _authorisation(authorisation_id)
    return judge(bearer_kind, bearer_name, bearer_id_number, on_file(unit, bearer_name),
                 unit_code=unit.code, unit_id=unit.id, owner_signed=owner_signed,
                 crew_signed=crew_signed,
                 auth=_auth_window(auth, zone) if auth is not None else None,
                 at=at, zone=zone)


# --- what the clerk sees before issuing -----------------------------------------------------


class TenantLease(NamedTuple):
    name: str
    lease_end: date | None
    state: str  # ended | ending | running | open (no end on file)


class LoanOut(NamedTuple):
    item_kind: str  # tool | umbrella
    item: str
    borrower: str
    lent_at: datetime


class Preflight(NamedTuple):
    """Shown before a pass is issued; the clerk confirms having seen it."""

    unit: str
    arrears_months: int
    arrears_fen: int
    tenants: tuple[TenantLease, ...]
    loans: tuple[LoanOut, ...]

    @property
    def findings(self) -> bool:
        """Anything the clerk must look at (and so confirm) before issuing."""
        return bool(self.arrears_fen > 0 or self.tenants or self.loans)

    def lines(self, lang: str | None = None) -> list[str]:
        """One line per finding, in the clerk's language; a single "nothing" line if none."""
        if not self.findings:
            return [t("pass.pf.clear", lang=lang)]
        out = []
        if self.arrears_fen > 0:
            out.append(t("pass.pf.arrears", lang=lang, months=self.arrears_months,
                         amount=fmt(self.arrears_fen)))
        for lease in self.tenants:
            end = lease.lease_end.isoformat() if lease.lease_end else "—"
            out.append(t(f"pass.pf.tenant_{lease.state}", lang=lang, name=lease.name, end=end))
        for loan in self.loans:
            out.append(t("pass.pf.loan", lang=lang, item=loan.item, borrower=loan.borrower,
                         day=loan.lent_at.strftime("%m-%d")))
        return out


def preflight(unit_code: str, now: datetime, settings: Settings | None = None) -> Preflight:
    """What the clerk must see before issuing a pass for ``unit_code`` (KF-014, issue 7):
    arrears (``views.unit_arrears``), current tenants and their lease end, items on loan."""
    settings = _settings(settings)
    zone = settings.zone
    unit = _unit(unit_code)
    owed = unit_arrears(unit.code)
    today = office_day(now, zone)
    soon = int(settings.get("registers.lease_ending_days"))
    tenants = []
    for occ in (Occupancy.select(Occupancy, Person).join(Person)
                .where(Occupancy.unit == unit.id, Occupancy.role == "tenant",
                       Occupancy.ended_on.is_null())
                .order_by(Occupancy.started_on, Occupancy.id)):
        end = occ.lease_end
        if end is None:
            state = "open"
        elif end < today:
            state = "ended"
        elif end <= today + timedelta(days=soon):
            state = "ending"
        else:
            state = "running"
        tenants.append(TenantLease(occ.person.name, end, state))
    loans = [LoanOut(loan.item_kind, loan.item, loan.borrower, loan.lent_at.astimezone(zone))
             for loan in Loan.select().where(Loan.unit == unit.id, Loan.returned_at.is_null(),
                                             Loan.lost == False)  # noqa: E712 - SQL
             .order_by(Loan.lent_at)]
    return Preflight(unit.code, owed.months if owed else 0, owed.total_fen if owed else 0,
                     tuple(tenants), tuple(loans))


# --- authorisations (KF-014 §4.2.3) -----------------------------------------------------------


def _text(value: str, field: str, limit: int, needed: str) -> str:
    text = " ".join(text_in(value, field).split())
    if not text:
        raise DeskError(needed, field=field)
    if len(text) > limit:
        raise DeskError("pass.too_long", field=field, limit=limit)
    return text


def _id_number(value: str, field: str, *, required: bool, today: date) -> str:
    number = normalize_id_number(text_in(value, field))
    if not number:
        if required:
            raise DeskError("pass.id_needed", field=field)
        return ""
    if not is_valid_id_number(number, today=today):
        raise DeskError("pass.bad_id", field=field, id=mask_id(number))
    return number


def _owner(unit: Unit, owner_name: str) -> Person:
    owners = [occ.person for occ in Occupancy.select(Occupancy, Person).join(Person)
              .where(Occupancy.unit == unit.id, Occupancy.role == "owner",
                     Occupancy.ended_on.is_null()).order_by(Occupancy.id)]
    if not owners:
        raise DeskError("pass.no_owner", field="owner", unit=unit.code)
    name = (owner_name or "").strip()
    if not name:
        if len(owners) == 1:
            return owners[0]
        raise DeskError("pass.owner_needed", field="owner", unit=unit.code)
    for person in owners:
        if _same_name(person.name, name):
            return person
    raise DeskError("pass.not_owner", field="owner", name=name, unit=unit.code)


def record_authorisation(unit_code: str, owner_name: str, delegate_name: str,
                         delegate_id_number: str, moving_from: datetime | None,
                         moving_until: datetime | None, items: str, signed: bool,
                         actor: Staff, clock: Clock,
                         settings: Settings | None = None) -> Authorisation:
    """KF-014 §4.2.3: the owner's signed letter naming the delegate, the moving time and the
    items. Without ``moving_until`` the letter is good for the rest of ``moving_from``'s day.
    """
    require_role(actor, ISSUE_ROLES, "pass.authorisation")
    settings = _settings(settings)
    zone = settings.zone
    now = clock.now()
    unit = _unit(unit_code)
    owner = _owner(unit, owner_name)
    delegate = _text(delegate_name, "delegate_name", NAME_MAX, "pass.delegate_needed")
    delegate_id = _id_number(delegate_id_number, "delegate_id_number", required=False,
                             today=now.astimezone(zone).date())
    if moving_from is None:
        raise DeskError("pass.auth_from_needed", field="moving_from")
    starts, ends = pviews.authorisation_window(moving_from, moving_until, zone)
    if ends <= starts:
        raise DeskError("pass.auth_window_order", field="moving_until")
    if ends < now:
        raise DeskError("pass.auth_window_past", field="moving_until", end=_hm(ends, zone))
    listed = _text(items, "items", ITEMS_MAX, "pass.items_needed")
    if not signed:
        raise DeskError("pass.auth_letter_unsigned", field="signed")
    with transaction():
        auth = Authorisation.create(
            unit=unit, owner=owner, delegate_name=delegate, delegate_id_number=delegate_id,
            moving_at=starts, moving_until=ends, items=listed, signed=True,
            received_at=now, received_by=actor)
        audit(actor, clock, "pass.authorisation", auth, ref=pviews.authorisation_ref(auth.id),
              unit=unit.code, owner=owner.name, delegate=delegate,
              delegate_id=mask_id(delegate_id), starts=starts.isoformat(),
              ends=ends.isoformat(), items=listed)
    return auth


# --- issuing --------------------------------------------------------------------------------


def issue_release_pass(unit_code: str, bearer_kind: str, bearer_name: str,
                       bearer_id_number: str, items: str, owner_signed: bool,
                       authorisation_id: int | str | None, confirmed_preflight: bool,
                       actor: Staff, clock: Clock, settings: Settings | None = None, *,
                       crew_signed: bool = False) -> ReleasePass:
    """Issue a pass (KF-014 §4.3), or refuse naming what is missing. A delegate's pass takes
    the authorisation letter's items when ``items`` is left empty."""
    require_role(actor, ISSUE_ROLES, "pass.issue")
    settings = _settings(settings)
    now = clock.now()
    unit = _unit(unit_code)
    if bearer_kind not in BEARER_KINDS:
        raise DeskError("pass.bad_kind", field="bearer_kind")
    name = _text(bearer_name, "bearer_name", NAME_MAX, "pass.name_needed")
    id_number = _id_number(bearer_id_number, "bearer_id_number", required=True,
                           today=now.astimezone(settings.zone).date())
    auth = _authorisation(authorisation_id)
    if auth is not None and bearer_kind != "delegate":
        raise DeskError("pass.auth_only_delegate", field="authorisation")
    verdict = check_applicant(unit.code, bearer_kind, name, id_number,
                              owner_signed=owner_signed, crew_signed=crew_signed,
                              authorisation_id=auth.id if auth else None, at=now,
                              settings=settings)
    if not verdict.ok:
        raise verdict.error()
    if auth is not None and not text_in(items, "items").strip():
        items = auth.items
    listed = _text(items, "items", ITEMS_MAX, "pass.items_needed")
    if auth is not None and not _same_items(auth.items, listed):
        raise DeskError("pass.items_differ", field="items",
                        ref=pviews.authorisation_ref(auth.id), items=auth.items)
    seen = preflight(unit.code, now, settings)
    if seen.findings and not confirmed_preflight:
        raise DeskError("pass.preflight_unconfirmed", field="confirmed",
                        findings="；".join(seen.lines()))
    with transaction():
        number = next_number(ReleasePass)
        issued = ReleasePass.create(
            number=number, unit=unit, bearer_name=name, bearer_kind=bearer_kind,
            bearer_id_number=id_number, items=listed,
            owner_signed=bool(owner_signed), crew_signed=bool(crew_signed),
            authorisation=auth, security_signed=False, issued_at=now, issued_by=actor)
        audit(actor, clock, "pass.issue", issued, number=number, unit=unit.code,
              kind=bearer_kind, treated_as=verdict.treated_as, bearer=name,
              id=mask_id(id_number), items=listed, owner_signed=bool(owner_signed),
              crew_signed=bool(crew_signed),
              authorisation=pviews.authorisation_ref(auth.id) if auth else "",
              preflight={"arrears_fen": seen.arrears_fen, "arrears_months": seen.arrears_months,
                         "tenants": [(x.name, str(x.lease_end or ""), x.state)
                                     for x in seen.tenants],
                         "loans": [x.item for x in seen.loans]})
    return issued


# --- at the gate ----------------------------------------------------------------------------


def record_checkout(number: str, guard: Staff, clock: Clock, settings: Settings | None = None,
                    *, at: datetime | None = None, leader_signed: bool = True) -> ReleasePass:
    """The gate's check-out of a pass (KF-014 §4.3.1): by the guard (or the desk).

    The gate copy must carry the security team leader's signature and the office stamp
    (``leader_signed``); a delegate's pass is good only inside the authorisation's window.
    """
    require_role(guard, CHECKOUT_ROLES, "pass.checkout")
    settings = _settings(settings)
    zone = settings.zone
    now = clock.now()
    wanted = pviews.normalize_pass_number(number)
    found = ReleasePass.get_or_none(ReleasePass.number == wanted)
    if found is None:
        raise DeskError("pass.unknown", field="number", number=(number or "").strip() or "—")
    if found.used_at is not None:
        raise DeskError("pass.already_out", field="number", number=found.number,
                        at=_hm(found.used_at, zone))
    at = at or now
    if at > now:
        raise DeskError("pass.checkout_future", field="at")
    if at < found.issued_at:
        raise DeskError("pass.checkout_before_issue", field="at", number=found.number,
                        issued=_hm(found.issued_at, zone))
    if not leader_signed:
        raise DeskError("pass.leader_unsigned", field="leader_signed", number=found.number)
    if found.authorisation_id is not None:
        auth = Authorisation.get_by_id(found.authorisation_id)
        starts, ends = pviews.authorisation_window(auth.moving_at, auth.moving_until, zone)
        if not starts <= at <= ends:
            raise DeskError("pass.checkout_outside_window", field="at", number=found.number,
                            ref=pviews.authorisation_ref(auth.id), start=_hm(starts, zone),
                            end=_hm(ends, zone))
    with transaction():
        # Two gates recording the same pass: only the first one counts.
        done = (ReleasePass.update(used_at=at, security_signed=True)
                .where((ReleasePass.id == found.id) & ReleasePass.used_at.is_null()).execute())
        if not done:
            raise DeskError("pass.already_out", field="number", number=found.number,
                            at=_hm(at, zone))
        audit(guard, clock, "pass.checkout", found, number=found.number,
              at=at.isoformat(), unit=Unit.get_by_id(found.unit_id).code)
    return ReleasePass.get_by_id(found.id)


# --- paper ----------------------------------------------------------------------------------

PASS_WIDTH = 48  # cells: half an A4 page across, the stub and the gate copy one above the other


def _field(label: str, value: str, lang: str | None) -> list[str]:
    """``label：value``, the value wrapped under itself in cells when long (the items)."""
    head = t("pass.p.label", lang=lang, label=label)
    indent = " " * cells(head)
    lines = wrap(value, max(PASS_WIDTH - cells(head), 12))
    return [head + lines[0]] + [indent + rest for rest in lines[1:]]


def _centred(text: str) -> str:
    return centre(text, PASS_WIDTH).rstrip()


def pass_text(number: str, settings: Settings, lang: str | None = None) -> str:
    """The pass as printed (KF-014 §4.3.1): the stub kept at the desk, a cut line, and the
    copy the bearer hands to the gate guard; ID numbers masked."""
    detail = pviews.pass_detail(number, settings.zone)
    if detail is None:
        raise DeskError("pass.unknown", field="number", number=(number or "").strip() or "—")
    r = detail.row
    office = settings.office_name

    def part(copy_key: str) -> list[str]:
        title = t("pass.p.title_copy", lang=lang, title=t("pass.p.title", lang=lang),
                  copy=t(copy_key, lang=lang))
        out = [_centred(office), _centred(title), "-" * PASS_WIDTH,
               spread(t("pass.p.number", lang=lang, number=r.number),
                      t("pass.p.issued", lang=lang, at=r.issued_at.strftime("%Y-%m-%d %H:%M")),
                      PASS_WIDTH)]
        out += _field(t("pass.p.unit", lang=lang), f"{r.unit}  {detail.owners or '—'}", lang)
        out += _field(t("pass.p.bearer", lang=lang),
                      t("pass.p.bearer_text", lang=lang, name=r.bearer,
                        who=t(f"ui.bearer.{r.bearer_kind}", lang=lang)), lang)
        out += _field(t("pass.p.id", lang=lang), r.id_number, lang)
        out += _field(t("pass.p.items", lang=lang), r.items, lang)
        if r.authorisation:
            window = (f"{r.window_from:%m-%d %H:%M}–{r.window_until:%m-%d %H:%M}"
                      if r.window_from and r.window_until else "")
            out += _field(t("pass.p.authorisation", lang=lang),
                          t("pass.p.authorisation_text", lang=lang, ref=r.authorisation,
                            owner=detail.auth_owner, window=window), lang)
        elif r.bearer_kind == "crew":
            out += _field(t("pass.p.vouched", lang=lang),
                          t("pass.p.crew_signed" if r.crew_signed else "pass.p.owner_signed",
                            lang=lang), lang)
        elif r.owner_signed:
            out += _field(t("pass.p.vouched", lang=lang), t("pass.p.owner_signed", lang=lang),
                          lang)
        out.append(t("pass.p.clerk", lang=lang, name=r.issued_by))
        out.append("")
        out.append(t("pass.p.sign_bearer", lang=lang))
        out.append(t("pass.p.sign_leader", lang=lang))
        return out

    stub = part("pass.p.stub")
    gate = part("pass.p.gate")
    gate.append(t("pass.p.checkout", lang=lang))
    cut = t("pass.p.cut", lang=lang)
    return "\n".join([*stub, "", cut, "", *gate]) + "\n"


def print_pass(number: str, folder: Path, actor: Staff, clock: Clock, settings: Settings,
               lang: str | None = None) -> str:
    """Print (or write) the pass with its stub; returns where it went. Audited."""
    require_role(actor, ISSUE_ROLES, "pass.print")
    text = pass_text(number, settings, lang)
    wanted = pviews.normalize_pass_number(number)
    found = ReleasePass.get(ReleasePass.number == wanted)
    with transaction():
        where = deliver(text, f"release-pass-{safe_name(found.number)}.txt", folder, settings)
        audit(actor, clock, "pass.print", found, number=found.number, where=where)
    return where


def summary_text(month: date, settings: Settings, now: datetime,
                 lang: str | None = None) -> str:
    """KF-014 §4.3.2 month-end summary for the security department: counts by kind, then
    every pass with its check-out (ID numbers masked, KF-017 §4)."""
    zone = settings.zone
    s = pviews.pass_summary(month, zone)
    width = 100
    out = [settings.office_name, t("pass.s.title", lang=lang, month=s.month),
           t("pass.s.made", lang=lang, at=now.astimezone(zone).strftime("%Y-%m-%d %H:%M")),
           t("pass.s.counts", lang=lang, issued=s.issued, out=s.checked_out,
             unused=s.not_used), ""]
    for k in s.by_kind:
        out.append(t("pass.s.kind", lang=lang, kind=t(f"ui.bearer.{k.kind}", lang=lang),
                     issued=k.issued, out=k.checked_out))
    out.append("")
    heads = [t(f"pass.s.col.{c}", lang=lang)
             for c in ("number", "issued", "unit", "bearer", "kind", "out", "items")]
    widths = [8, 11, 9, 12, 10, 11, 0]
    widths = [max(w, cells(h)) for w, h in zip(widths, heads, strict=True)]
    widths[-1] = width - sum(widths[:-1]) - 2 * (len(widths) - 1)

    out.append("  ".join(pad(h, w) for h, w in zip(heads, widths, strict=True)).rstrip())
    out.append("-" * width)
    for r in s.rows:
        checked = (r.used_at.strftime("%m-%d %H:%M") if r.used_at
                   else t("pass.s.unused", lang=lang))
        cols = [r.number, r.issued_at.strftime("%m-%d %H:%M"), r.unit, r.bearer,
                t(f"ui.bearer.{r.bearer_kind}", lang=lang), checked, r.items]
        # Every column wraps within its width: nothing the security department reads is cut.
        wrapped = [wrap(c, w) for c, w in zip(cols, widths, strict=True)]
        for i in range(max(len(c) for c in wrapped)):
            line = [c[i] if i < len(c) else "" for c in wrapped]
            out.append("  ".join(pad(c, w) for c, w in zip(line, widths, strict=True)).rstrip())
    out.append("-" * width)
    out.append(t("pass.s.footer", lang=lang))
    return "\n".join(out) + "\n"


def print_pass_summary(month: date, folder: Path, actor: Staff, clock: Clock,
                       settings: Settings, lang: str | None = None) -> str:
    """Print or export the month's summary for security (KF-014 §4.3.2); audited, since it
    lists residents' names (KF-017 §4)."""
    require_role(actor, SUMMARY_ROLES, "pass.summary")
    s = pviews.pass_summary(month, settings.zone)
    text = summary_text(month, settings, clock.now(), lang)
    with transaction():
        where = deliver(text, f"release-passes-{s.month}.txt", folder, settings)
        audit(actor, clock, "pass.summary", None, month=s.month, issued=s.issued,
              checked_out=s.checked_out, not_used=s.not_used, where=where)
    return where
