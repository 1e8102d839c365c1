"""Exporting a report (RULES §7, KF-010 §4.6): write the file and log the export.

Every export is an audit event ``report.export`` (KF-017 §4: every export is logged) naming
the report, its period, the format and where it went. The file is written beside its final
name first and moved into place inside the transaction that records the event, so an export
is either written and logged, or neither (a refusal leaves nothing behind). With no path the
text (Markdown, CSV, JSON) is returned for the caller to print — logged as going to "-".
"""

from __future__ import annotations

import contextlib
import os
from datetime import date
from pathlib import Path
from typing import NamedTuple

from ..clock import Clock
from ..config import Settings
from ..models import Deadline, ReportFiling, Staff
from ..reports import FORMATS, TEXT_FORMATS, Report, render
from ..rules.context import RuleContext
from ..rules.periods import sync_periods
from .base import DeskError, audit, require_role, transaction

# The security guard reads no figures; everyone at the desk and the cashier may export.
EXPORT_ROLES = ("clerk", "cashier", "supervisor", "manager")
STDOUT = "-"


class Exported(NamedTuple):
    where: str  # the file written, or "-" for the text returned
    text: str | None  # the report's text when no path was given
    size: int  # bytes written or returned (UTF-8)


def default_name(report: Report, fmt: str) -> str:
    """``complaints-2026-09.xlsx`` / ``eod-2026-10-09.md``: ASCII, safe in any folder."""
    stem = "complaints" if report.kind == "month" else report.kind
    return f"{stem}-{report.period}{FORMATS[fmt]}"


def export_report(report: Report, fmt: str, path: str | Path | None, actor: Staff,
                  clock: Clock, settings: Settings) -> Exported:
    """Write ``report`` as ``fmt`` (xlsx, md, csv, json) to ``path`` and log the export; with
    ``path`` None return the text instead (not for xlsx). A path that is a folder gets the
    report's default name (``default_name``) in it."""
    require_role(actor, EXPORT_ROLES, "report.export")
    if fmt not in FORMATS:
        raise DeskError("report.bad_format", field="format", fmt=fmt,
                        formats=", ".join(FORMATS))
    if path is None or str(path) in ("", STDOUT):
        if fmt not in TEXT_FORMATS:
            raise DeskError("report.needs_file", field="path", fmt=fmt)
        text = render(report, fmt, settings.office_name)
        assert isinstance(text, str)
        with transaction():
            audit(actor, clock, "report.export", None, report=report.kind,
                  period=report.period, format=fmt, path=STDOUT, lang=report.lang)
        return Exported(STDOUT, text, len(text.encode("utf-8")))
    target = Path(path).expanduser()
    if target.is_dir():
        target = target / default_name(report, fmt)
    data = render(report, fmt, settings.office_name)
    # CSV with a byte-order mark: spreadsheet programs then read the Chinese as UTF-8.
    payload = data if isinstance(data, bytes) else data.encode(
        "utf-8-sig" if fmt == "csv" else "utf-8")
    partial = target.with_name(target.name + ".part")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(payload)
        with transaction():
            audit(actor, clock, "report.export", None, report=report.kind,
                  period=report.period, format=fmt, path=str(target.resolve()),
                  lang=report.lang)
            # Inside the transaction: if the move fails the event is rolled back with it.
            os.replace(partial, target)
    except OSError as exc:
        with contextlib.suppress(OSError):  # nothing half-written is left behind
            partial.unlink(missing_ok=True)
        raise DeskError("report.write_failed", field="path", where=str(target),
                        reason=exc.strerror or str(exc)) from exc
    return Exported(str(target), None, len(payload))


# ---- filing the month's complaint summaries (KF-010 §4.6.1) ----------------------------------

# The desk's summary (due the 2nd) is compiled by the desk; the supervisor's (due the 5th) is
# the supervisor's own, built on the desk's.
FILE_ROLES = {"complaint_summary_desk": ("clerk", "supervisor", "manager"),
              "complaint_summary_supervisor": ("supervisor", "manager")}


def file_month_summary(month: date, duty: str, note: str, actor: Staff, clock: Clock,
                       settings: Settings) -> ReportFiling:
    """Record the month's complaint summary as filed (KF-010 §4.6.1): its clock stops.

    Refused for a month not yet over, twice for the same month, and for the supervisor's
    summary before the desk's (the supervisor's is built on it).
    """
    if duty not in FILE_ROLES:
        raise DeskError("report.bad_duty", field="duty", duty=duty)
    require_role(actor, FILE_ROLES[duty], f"report.file.{duty}")
    first = date(month.year, month.month, 1)
    today = clock.now().astimezone(settings.zone).date()
    if (first.year, first.month) >= (today.year, today.month):
        raise DeskError("report.month_not_over", field="month", month=first.strftime("%Y-%m"))
    period = first.strftime("%Y-%m")

    def filed(d: str) -> bool:
        return ReportFiling.select().where((ReportFiling.duty == d)
                                           & (ReportFiling.period == period)).exists()

    if filed(duty):
        raise DeskError("report.already_filed", month=period)
    if duty == "complaint_summary_supervisor" and not filed("complaint_summary_desk"):
        raise DeskError("report.desk_first", month=period)
    now = clock.now()
    with transaction():
        row = ReportFiling.create(duty=duty, period=period, filed_at=now, by=actor,
                                  note=str(note or "").strip()[:500])
        audit(actor, clock, f"report.file.{duty}", row, month=period)
        ctx = RuleContext.from_store(settings)
        sync_periods(now, ctx)
        # A month older than the periods in force: its stored clock stops here too.
        running = ((Deadline.clock == duty) & (Deadline.item_ref == period)
                   & Deadline.stopped_at.is_null())
        if Deadline.select().where(running).exists():
            Deadline.update(stopped_at=now).where(running).execute()
    return row
