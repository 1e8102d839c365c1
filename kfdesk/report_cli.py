"""``kfdesk report eod`` and ``kfdesk report month``: the supervisor's reports from the command
line (RULES §7, KF-010 §4.6), the same figures as the F7 screens.

``kfdesk report eod --date 2026-10-09`` and ``kfdesk report month --month 2026-09`` with
``--format xlsx|md|csv|json`` and ``--out FILE``; without ``--out`` Markdown, CSV and JSON go
to standard output (an XLSX needs a file). The format defaults to the ``--out`` file's
suffix, else Markdown. The export is a desk service (``desk.reports.export_report``): it is
signed by ``--as LOGIN`` (PIN asked, or ``KFDESK_PIN``, ``--as-pin-file``) and logged, like
``kfdesk calendar import``. The store is opened the way every ``kfdesk`` command opens it
(``--db``, ``KFDESK_DB``, the settings, the user's data folder), ``--now`` fixes the clock.

``run_report`` reports its own failures — one line on standard error, exit 1 — so it can be
called directly (tests, scripts) as well as from ``kfdesk.__main__``.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from . import cli
from .i18n import t

FORMAT_CHOICES = ("xlsx", "md", "csv", "json")


def add_report_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add ``report`` with its ``eod`` and ``month`` actions to the ``kfdesk`` subcommands."""
    report = subparsers.add_parser(
        "report", help="export the end-of-day summary or the monthly complaint report",
        description="The supervisor's reports (RULES §7): 'eod' the end-of-day summary of a "
        "date, 'month' the monthly complaint report (KF-010 §4.6: complaints by category, "
        "department and validity, on-time vs late for each clock, handling times, callback "
        "satisfaction, reworks, recurring complaints, quality figures against their targets, "
        "12-month trends, the summary filings). --format xlsx|md|csv|json (default: the "
        "--out suffix, else md); without --out md, csv and json go to standard output. "
        "Every export is logged under --as.",
    )
    cli.common_options(report, suppress=True)
    actions = report.add_subparsers(dest="report_command", metavar="REPORT", required=True,
                                    parser_class=type(report))
    eod = actions.add_parser("eod", help="the end-of-day summary of one date")
    month = actions.add_parser("month", help="the monthly complaint report (KF-010 §4.6)")
    eod.add_argument("--date", metavar="DATE", help="the day, 2026-10-09 (default: today)")
    month.add_argument("--month", metavar="YYYY-MM",
                       help="the month, 2026-09 (default: last month, the one filed now)")
    for p in (eod, month):
        cli.common_options(p, suppress=True)
        p.add_argument("--format", choices=FORMAT_CHOICES,
                       help="xlsx, md, csv or json (default: from --out, else md)")
        p.add_argument("--out", metavar="FILE", help="write here (default: standard output)")
        p.add_argument("--as", dest="as_login", required=True, metavar="LOGIN",
                       help="login of the staff member exporting (logged)")
        cli.pin_options(p)
    return report


def _format(args: argparse.Namespace) -> str:
    if args.format:
        return args.format
    suffix = Path(args.out).suffix.lower().lstrip(".") if args.out else ""
    suffix = {"markdown": "md", "xls": "xlsx"}.get(suffix, suffix)
    return suffix if suffix in FORMAT_CHOICES else "md"


@cli.one_line_failures
def run_report(args: argparse.Namespace) -> int:
    """Build and export the report ``args`` ask for; 0 when done, 1 with one line on stderr."""
    from . import views
    from .desk.base import DeskError
    from .desk.reports import export_report
    from .desk.staff import sign_in
    from .reports import day_report, monthly_report
    from .views.month_report import default_month, month_report, parse_month

    settings, lang = cli.prepare(args)
    clock = cli.clock_of(args, settings)
    cli.open_target(cli.db_target(args, settings, "kfdesk.db"), clock, settings, create=False)
    now = clock.now()
    today = views.office_day(now, settings.zone)
    fmt = _format(args)
    try:
        # Signed first: nothing is read for someone who cannot sign (a failure is logged).
        actor = sign_in(args.as_login, cli.ask_pin(args, f"{args.as_login} PIN: "),
                         clock, settings)
        if args.report_command == "eod":
            try:
                day = date.fromisoformat(args.date) if args.date else today
            except ValueError:
                return cli.fail(t("cli.bad_date", value=args.date))
            report = day_report(views.day_summary(day, now, settings.zone),
                                generated_at=now.astimezone(settings.zone), lang=lang)
        else:
            try:
                month = parse_month(args.month) if args.month else default_month(today)
            except ValueError:
                return cli.fail(t("report.cli.bad_month", value=args.month))
            report = monthly_report(month_report(month, now, settings), lang=lang)
        done = export_report(report, fmt, args.out, actor, clock, settings)
    except DeskError as exc:
        return cli.fail(exc.message())
    if done.text is not None:
        sys.stdout.write(done.text)
    else:
        print(t("report.cli.written", path=done.where, size=done.size))
    return 0

