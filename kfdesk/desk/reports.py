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
from pathlib import Path
from typing import NamedTuple

from ..clock import Clock
from ..config import Settings
from ..models import Staff
from ..reports import FORMATS, TEXT_FORMATS, Report, render
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
