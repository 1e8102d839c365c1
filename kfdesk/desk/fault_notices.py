"""Fault notices (故障通知单, KF-013): receive, classify, collection, work order, close-out.

Patrol and cleaning staff hand their notices to the desk during the day; the desk signs each
as received (§4.2), classifies the day's notices by department at 17:30 (§4.3: RULES v2, a
notice received that day and unsorted at 17:30 + 30 min grace is overdue — the ``fault_sort``
clock), and every morning each department collects its notices and signs for them (§4.4:
RULES v2, by 09:00 of the next calendar day, holidays included — the ``fault_collect``
clock). Maintenance opens a work order per notice (§4.5); the technician writes the
completion time on the notice and brings it back with the work order, and the desk closes it
out (§4.6). Other departments' notices follow the same flow through that department's head
(§4.7).

The two-copy paper form becomes a printable day sheet per department (``day_sheet``), with
the signature lines for the desk and for the collecting department.

Every write: validated first (bad input → ``DeskError``, nothing changed), one transaction,
one audit event per notice naming the actor, the notices' clocks synced.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from pathlib import Path

from ..clock import Clock, parse_counter_time
from ..config import Settings
from ..i18n import t
from ..models import FaultNotice, Staff, Unit, WorkOrder
from ..models.tickets import DEPARTMENTS
from ..printing import cells as _cells
from ..printing import pad as _pad
from ..printing import wrap as _wrap
from ..rules.context import RuleContext
from ..rules.sync import sync_fault_notices
from ..views import fault_notices as fviews
from ..views import search_units
from .base import DeskError, Tr, audit, require_role, transaction
from .numbers import next_number

FAULT_ROLES = ("clerk", "supervisor", "manager")
# KF-013 §4.1: the notices come from patrol (协管部) and cleaning (清洁绿化部) staff.
FINDER_DEPARTMENTS = ("security", "cleaning")
# KF-013 §4.7: any department of the office may be responsible; the developer is outside
# the office and gets a work contact form instead (KF-010 §4.4.1), not a fault notice.
RESPONSIBLE_DEPARTMENTS = tuple(d for d in DEPARTMENTS if d != "developer")

_MAX = {"found_by": 64, "location": 128, "collected_by": 64, "technician": 64}


@dataclass(frozen=True)
class NoticeEntry:
    """One paper notice as the clerk types it in."""

    found_by: str
    found_by_department: str  # FINDER_DEPARTMENTS
    # Aware, or as typed at the counter (``09:30``, ``10-08 16:10``: see ``parse_when``).
    found_at: datetime | str
    location: str
    description: str
    department: str = "engineering"  # responsible department, RESPONSIBLE_DEPARTMENTS
    unit: str = ""  # unit code as typed (3-1-502, 31502, 3栋1单元502); "" for common areas


# --------------------------------------------------------------------------------------------
# helpers


def _hhmm(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def classify_time(settings: Settings) -> time:
    """KF-013 §4.2–4.3: the hour the day's notices are classified (default 17:30)."""
    return _hhmm(settings.clocks["fault_notice_classify"])


def parse_when(text: str, now: datetime, zone: tzinfo, field: str) -> datetime:
    """An instant as the counter writes it: ``09:30`` (today), ``10-08 16:10``, or
    ``2026-10-08 16:10``, read in the office zone; a bad text is a ``DeskError`` on ``field``.

    Full-width digits and the Chinese colon of an input method are accepted (０９：３０).
    """
    if not text.strip():
        raise DeskError("fault.time_needed", field=field)
    value = parse_counter_time(text, now, zone)
    if value is None:
        raise DeskError("fault.bad_time", field=field, text=text.strip())
    return value


def parse_day(text: str, now: datetime, zone: tzinfo, field: str) -> date:
    """A day as the counter writes it: ``2026-10-09`` or ``10-09`` (this year)."""
    raw = text
    text = unicodedata.normalize("NFKC", text).strip()
    match = re.match(r"^(?:(\d{4})[-/.])?(\d{1,2})[-/.](\d{1,2})$", text)
    if match is not None:
        year, month, day = match.groups()
        try:
            return date(int(year) if year else now.astimezone(zone).year, int(month), int(day))
        except ValueError:
            pass
    raise DeskError("fault.bad_day", field=field, text=raw.strip())


def _resolve_unit(text: str) -> Unit | None:
    """A unit typed as the counter types it; "" is no unit; an unknown one is refused."""
    text = unicodedata.normalize("NFKC", text).strip()
    if not text:
        return None
    unit = Unit.get_or_none(Unit.code == text)
    if unit is not None:
        return unit
    codes = {hit.code for hit in search_units(text, limit=5) if hit.via == "unit"}
    if len(codes) == 1:
        return Unit.get(Unit.code == codes.pop())
    raise DeskError("fault.unknown_unit", field="unit", unit=text)


def _required(value: str, key: str, field: str, **params: object) -> str:
    value = value.strip()
    if not value:
        raise DeskError(key, field=field, **params)
    limit = _MAX.get(field)
    if limit is not None and len(value) > limit:
        raise DeskError("fault.too_long", field=field, limit=limit, **params)
    return value


def _notice(number: str) -> FaultNotice:
    notice = FaultNotice.get_or_none(FaultNotice.number == number.strip().upper())
    if notice is None:
        raise DeskError("fault.unknown", number=number.strip())
    return notice


def _open(notice: FaultNotice) -> None:
    if notice.closed_at is not None:
        raise DeskError("fault.closed", number=notice.number)


def _work_order(notice: FaultNotice) -> WorkOrder | None:
    return (WorkOrder.select().where(WorkOrder.fault_notice == notice)
            .order_by(WorkOrder.opened_at.desc(), WorkOrder.id.desc()).first())


def _sync(notices: Sequence[FaultNotice], settings: Settings) -> None:
    sync_fault_notices(list(notices), RuleContext.from_store(settings))


# --------------------------------------------------------------------------------------------
# KF-013 §4.2: receiving the day's notices


@dataclass(frozen=True)
class _Checked:
    entry: NoticeEntry
    found_by: str
    found_at: datetime
    location: str
    description: str
    unit: Unit | None


def _check(entry: NoticeEntry, index: int, now: datetime, zone: tzinfo) -> _Checked:
    # ``entry`` (1-based) names the notice of a batch in the error; one notice: 1.
    found_by = _required(entry.found_by, "fault.found_by_needed", "found_by", entry=index)
    if entry.found_by_department not in FINDER_DEPARTMENTS:
        raise DeskError("fault.bad_finder_department", field="found_by_department",
                        entry=index)
    found_at = entry.found_at
    if isinstance(found_at, str):
        try:
            found_at = parse_when(found_at, now, zone, "found_at")
        except DeskError as exc:
            exc.params["entry"] = index
            raise
    if found_at.tzinfo is None:
        raise ValueError("found_at must be timezone-aware")
    if found_at > now:
        raise DeskError("fault.found_in_future", field="found_at", entry=index)
    location = _required(entry.location, "fault.location_needed", "location", entry=index)
    description = _required(entry.description, "fault.description_needed", "description",
                            entry=index)
    if entry.department not in RESPONSIBLE_DEPARTMENTS:
        raise DeskError("fault.bad_department", field="department", entry=index)
    try:
        unit = _resolve_unit(entry.unit)
    except DeskError as exc:
        exc.params["entry"] = index
        raise
    return _Checked(entry, found_by, found_at, location, description, unit)


def receive_notices(entries: Sequence[NoticeEntry], actor: Staff, clock: Clock,
                    settings: Settings) -> list[FaultNotice]:
    """Sign a batch of notices as received by ``actor`` (KF-013 §4.2), numbered in order.

    All are checked before any is stored: one bad notice refuses the batch (its position is
    ``DeskError.params["entry"]``, 1-based) and nothing is saved.
    """
    require_role(actor, FAULT_ROLES, "fault.receive")
    if not entries:
        raise DeskError("fault.nothing_to_receive")
    now = clock.now()
    checked = [_check(entry, i, now, settings.zone) for i, entry in enumerate(entries, start=1)]
    notices: list[FaultNotice] = []
    with transaction():
        for c in checked:
            notice = FaultNotice.create(
                number=next_number(FaultNotice),
                found_by=c.found_by,
                found_by_department=c.entry.found_by_department,
                found_at=c.found_at,
                location=c.location,
                unit=c.unit,
                description=c.description,
                department=c.entry.department,
                received_at=now,
                received_by=actor,
            )
            audit(actor, clock, "fault.receive", notice, number=notice.number,
                  found_by=c.found_by, department=notice.department)
            notices.append(notice)
        _sync(notices, settings)
    return notices


def receive_notice(entry: NoticeEntry, actor: Staff, clock: Clock,
                   settings: Settings) -> FaultNotice:
    """One notice of the batch entry form (Ctrl+S saves each as it is typed)."""
    return receive_notices([entry], actor, clock, settings)[0]


# --------------------------------------------------------------------------------------------
# KF-013 §4.3: classifying the day's notices at 17:30


def _classify_check(actor: Staff, clock: Clock, settings: Settings) -> dict[str, list[str]]:
    require_role(actor, FAULT_ROLES, "fault.classify")
    now = clock.now()
    local = now.astimezone(settings.zone)
    at = classify_time(settings)
    if local.time() < at:
        # The notices of the day are handed in until 17:30; classifying earlier would
        # leave the later ones out of the department's stack (KF-013 §4.2–4.3).
        raise DeskError("fault.classify_too_early", at=at.strftime("%H:%M"),
                        now=local.strftime("%H:%M"))
    pending = fviews.unclassified(now)
    if not pending:
        raise DeskError("fault.nothing_to_classify")
    return pending


def classification_preview(actor: Staff, clock: Clock,
                           settings: Settings) -> dict[str, list[str]]:
    """What ``classify_day`` would do now: department → notice numbers; refuses as it would.

    Reads only; the screen shows it in the confirmation.
    """
    return _classify_check(actor, clock, settings)


def classify_day(actor: Staff, clock: Clock, settings: Settings) -> dict[str, list[str]]:
    """Classify every notice received and not yet classified, by department (KF-013 §4.3).

    Refused before the classification hour (17:30). A notice left over from an earlier day
    goes with today's batch. Stops each notice's sorting clock and starts its "collected by
    09:00 the next calendar day" clock (KF-013 §4.4, RULES v2). Returns department → notice numbers.
    """
    now = clock.now()
    with transaction():
        grouped = _classify_check(actor, clock, settings)
        numbers = [n for group in grouped.values() for n in group]
        notices = list(FaultNotice.select().where(FaultNotice.number.in_(numbers)))
        FaultNotice.update(classified_at=now).where(
            FaultNotice.id.in_([n.id for n in notices])).execute()
        for notice in notices:
            notice.classified_at = now
            audit(actor, clock, "fault.classify", notice, number=notice.number,
                  department=notice.department)
        _sync(notices, settings)
    return grouped


# --------------------------------------------------------------------------------------------
# KF-013 §4.4: the department collects its notices and signs for them


def collect_notices(department: str, collected_by: str, actor: Staff, clock: Clock,
                    settings: Settings) -> list[str]:
    """Sign ``department``'s classified notices as collected by ``collected_by`` (the
    maintenance team, or the department's head, KF-013 §4.7); stops their clocks.

    Returns the numbers collected.
    """
    require_role(actor, FAULT_ROLES, "fault.collect")
    if department not in RESPONSIBLE_DEPARTMENTS:
        raise DeskError("fault.bad_department", field="department")
    collected_by = _required(collected_by, "fault.collector_needed", "collected_by")
    now = clock.now()
    with transaction():
        notices = list(FaultNotice.select().where(
            (FaultNotice.department == department) & FaultNotice.classified_at.is_null(False)
            & FaultNotice.collected_at.is_null()).order_by(FaultNotice.number))
        if not notices:
            raise DeskError("fault.nothing_to_collect", field="department",
                            department=Tr(f"department.{department}"))
        FaultNotice.update(collected_at=now, collected_by=collected_by).where(
            FaultNotice.id.in_([n.id for n in notices])).execute()
        for notice in notices:
            notice.collected_at = now
            notice.collected_by = collected_by
            audit(actor, clock, "fault.collect", notice, number=notice.number,
                  department=department, collected_by=collected_by)
        _sync(notices, settings)
    return [n.number for n in notices]


# --------------------------------------------------------------------------------------------
# KF-013 §4.5–4.6: work order, completion, close-out


def open_work_order(number: str, technician: str, actor: Staff, clock: Clock,
                    settings: Settings) -> WorkOrder:
    """Open the work order (派工单) for a collected notice, to ``technician`` (KF-013 §4.5)."""
    require_role(actor, FAULT_ROLES, "fault.work_order")
    technician = _required(technician, "fault.technician_needed", "technician")
    now = clock.now()
    with transaction():
        notice = _notice(number)
        _open(notice)
        if notice.collected_at is None:
            raise DeskError("fault.not_collected", number=notice.number,
                            department=Tr(f"department.{notice.department}"))
        existing = _work_order(notice)
        if existing is not None:
            raise DeskError("fault.has_work_order", number=notice.number,
                            order=existing.number)
        order = WorkOrder.create(
            number=next_number(WorkOrder),
            fault_notice=notice,
            department=notice.department,
            technician=technician,
            opened_at=now,
            # A common-area fault: not an in-home repair, so not in the KF-009 §3.1.2
            # monthly callback sample.
            in_home=False,
        )
        audit(actor, clock, "fault.work_order", notice, number=notice.number,
              work_order=order.number, technician=technician)
        _sync([notice], settings)
    return order


def record_completion(number: str, completed_at: datetime, actor: Staff, clock: Clock,
                      settings: Settings) -> FaultNotice:
    """Write the completion time the technician put on the notice (KF-013 §4.6).

    A correction is allowed until the notice is closed out; both values are audited.
    """
    require_role(actor, FAULT_ROLES, "fault.complete")
    if completed_at.tzinfo is None:
        raise ValueError("completed_at must be timezone-aware")
    now = clock.now()
    if completed_at > now:
        raise DeskError("fault.completed_in_future", field="completed_at")
    with transaction():
        notice = _notice(number)
        _open(notice)
        if notice.collected_at is None:
            raise DeskError("fault.not_collected", number=notice.number,
                            department=Tr(f"department.{notice.department}"))
        if completed_at < notice.found_at:
            raise DeskError("fault.completed_before_found", field="completed_at",
                            number=notice.number)
        before = notice.completed_at
        notice.completed_at = completed_at
        notice.save()
        order = _work_order(notice)
        if order is not None:
            order.completed_at = completed_at
            order.save()
        audit(actor, clock, "fault.complete", notice, number=notice.number,
              completed_at=completed_at, before=before,
              work_order=order.number if order else "")
        _sync([notice], settings)
    return notice


def close_out(number: str, actor: Staff, clock: Clock, settings: Settings) -> FaultNotice:
    """消项: the notice came back with its completion time (and work order) — KF-013 §4.6.

    Refused until the completion time is recorded.
    """
    require_role(actor, FAULT_ROLES, "fault.close")
    now = clock.now()
    with transaction():
        notice = _notice(number)
        _open(notice)
        if notice.completed_at is None:
            raise DeskError("fault.close_needs_completion", number=notice.number)
        notice.closed_at = now
        notice.save()
        order = _work_order(notice)
        if order is not None and order.returned_at is None:
            # The work order comes back to the desk with the notice (KF-013 §4.6).
            order.returned_at = now
            order.save()
        audit(actor, clock, "fault.close", notice, number=notice.number,
              work_order=order.number if order else "")
        _sync([notice], settings)
    return notice


# --------------------------------------------------------------------------------------------
# the day sheet: the two-copy paper form, one printable sheet per department


SHEET_WIDTH = 100  # cells; A4 portrait in a 12-pitch font with the usual margins


def day_sheet(day: date, department: str, settings: Settings, lang: str | None = None) -> str:
    """The day's notices of one department as a printable plain-text sheet (UTF-8).

    Per notice: number, time found, location (and unit), description, who found it; then the
    lines the desk signs as receiver (KF-013 §4.2) and the department signs on collection
    (KF-013 §4.4), with the completion time column the technician fills in (§4.6).
    """
    zone = settings.zone
    rows = fviews.sheet_notices(day, department, zone)
    dept = t(f"department.{department}", lang=lang)
    title = t("fault.sheet.title", lang=lang, day=day.isoformat(), department=dept)
    out = [settings.office_name, title,
           t("fault.sheet.count", lang=lang, n=len(rows)), ""]
    heads = [t(f"fault.sheet.col.{k}", lang=lang)
             for k in ("number", "found_at", "found_by", "where", "description", "done")]
    lines = []
    for r in rows:
        found = r.found_at.strftime("%H:%M" if r.found_at.date() == day else "%m-%d %H:%M")
        who = t("fault.sheet.finder", lang=lang, name=r.found_by,
                department=t(f"department.{r.found_by_department}", lang=lang))
        where = f"{r.location} {r.unit}".strip()
        done = r.completed_at.strftime("%m-%d %H:%M") if r.completed_at else ""
        lines.append([r.number, found, who, where, r.description, done])
    # Natural widths (in cells) up to a cap; the description takes what is left.
    caps = [8, 11, 20, 22, 0, 11]
    widths = [max([_cells(h)] + [min(_cells(line[i]), caps[i]) for line in lines])
              for i, h in enumerate(heads)]
    widths[5] = max(widths[5], 11)  # room for the technician to write "10-10 15:20"
    rest = SHEET_WIDTH - 2 * (len(widths) - 1) - sum(w for i, w in enumerate(widths) if i != 4)
    widths[4] = max(rest, 16)
    out.append("  ".join(_pad(h, w) for h, w in zip(heads, widths, strict=True)).rstrip())
    out.append("-" * SHEET_WIDTH)
    for line in lines:
        line[5] = line[5] or "_" * widths[5]
        columns = [_wrap(text, w) for text, w in zip(line, widths, strict=True)]
        for i in range(max(len(c) for c in columns)):
            cells = [c[i] if i < len(c) else "" for c in columns]
            out.append("  ".join(_pad(c, w) for c, w in zip(cells, widths, strict=True))
                       .rstrip())
    out.append("-" * SHEET_WIDTH)
    out.append("")
    clerks = "、".join(dict.fromkeys(r.received_by for r in rows))
    classified = [r.classified_at for r in rows if r.classified_at is not None]
    stamp = max(classified).strftime("%Y-%m-%d %H:%M") if classified else ""
    out.append(t("fault.sheet.received", lang=lang, names=clerks or "________",
                 at=stamp or "________________"))
    out.append("")
    collected = [r for r in rows if r.collected_at is not None]
    if collected and len(collected) == len(rows):
        names = "、".join(dict.fromkeys(r.collected_by for r in collected))
        at = max(r.collected_at for r in collected).strftime("%Y-%m-%d %H:%M")
    else:
        names, at = "________", "________________"
    out.append(t("fault.sheet.collected", lang=lang, department=dept, names=names, at=at))
    out.append("")
    out.extend(_wrap(t("fault.sheet.footer", lang=lang), SHEET_WIDTH))
    return "\n".join(out) + "\n"


def sheet_path(folder: Path, day: date, department: str) -> Path:
    """Where a day sheet is written: ``<folder>/fault-notices-2026-10-09-engineering.txt``."""
    return folder / f"fault-notices-{day.isoformat()}-{department}.txt"


def export_day_sheet(day: date, department: str, folder: Path, actor: Staff, clock: Clock,
                     settings: Settings, lang: str | None = None) -> Path:
    """Write ``day_sheet`` to a UTF-8 file in ``folder`` and log the export in the audit trail.

    The file is replaced if it exists (printing the sheet again after a late notice).
    """
    require_role(actor, FAULT_ROLES, "fault.sheet")
    if department not in RESPONSIBLE_DEPARTMENTS:
        raise DeskError("fault.bad_department", field="department")
    rows = fviews.sheet_notices(day, department, settings.zone)
    if not rows:
        raise DeskError("fault.sheet_empty", day=day.isoformat(),
                        department=Tr(f"department.{department}"))
    text = day_sheet(day, department, settings, lang)
    path = sheet_path(folder, day, department)
    with transaction():
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise DeskError("fault.sheet_unwritable", path=str(path),
                            reason=exc.strerror or str(exc))
        audit(actor, clock, "fault.sheet", None, day=day.isoformat(), department=department,
              path=str(path), notices=[r.number for r in rows])
    return path


def sheet_day(now: datetime, settings: Settings) -> date:
    """The day whose sheets the desk most likely wants at ``now``: the day of the latest
    classification (this evening's batch, or the one the departments collect this morning),
    else today."""
    return fviews.last_classified_day(now, settings.zone) or now.astimezone(settings.zone).date()
