"""``kfdesk audit``: the audit log for a supervisor or the manager (issue 19).

``kfdesk audit [--since WHEN] [--actor LOGIN] [--json] --as LOGIN`` lists what was done and
what was refused, oldest first, in the office's time zone; ``--since`` takes a date
(``2026-10-09``, from its midnight in the office zone) or an instant. Signed like the other
commands (``--as``, PIN asked or ``--as-pin``); a clerk is refused with one line and the
refusal is itself on the log.
"""

from __future__ import annotations

import argparse
import json
import sys

from . import cli
from .clock import parse_instant
from .i18n import has, t


def add_audit_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add ``audit`` to the ``kfdesk`` subcommands."""
    parser = subparsers.add_parser(
        "audit", help="list the audit log (supervisor, manager)",
        description="The audit log: every write, reveal and export, and every refused "
        "attempt (who, what, when, the role that tried), oldest first. Supervisor or "
        "manager; reading it is logged too.",
    )
    cli.common_options(parser, suppress=True)
    parser.add_argument("--since", metavar="WHEN",
                        help="from this date (2026-10-09) or instant (2026-10-09T14:00)")
    parser.add_argument("--actor", metavar="LOGIN", help="only what this login did or tried")
    parser.add_argument("--json", action="store_true", help="one JSON array instead of lines")
    parser.add_argument("--as", dest="as_login", required=True, metavar="LOGIN",
                        help="login of the supervisor or manager reading the log")
    cli.pin_options(parser)  # --as-pin (test runs with --now) or --as-pin-file, KFDESK_PIN
    return parser


@cli.one_line_failures
def run_audit(args: argparse.Namespace) -> int:
    """Print the log ``args`` ask for; 0 when done, 1 with one line on stderr."""
    from .desk.audit_log import audit_log
    from .desk.base import DeskError
    from .desk.staff import sign_in

    settings, _lang = cli.prepare(args)
    clock = cli.clock_of(args, settings)
    since = None
    if args.since:
        try:
            since = parse_instant(args.since, settings.zone)
        except ValueError:
            return cli.fail(t("security_b.bad_since", value=args.since))
    cli.open_target(cli.db_target(args, settings, "kfdesk.db"), clock, settings, create=False)
    try:
        actor = sign_in(args.as_login, cli.ask_pin(args, f"{args.as_login} PIN: "), clock)
        entries = audit_log(actor, clock, since=since, login=args.actor)
    except DeskError as exc:
        return cli.fail(exc.message())
    zone = settings.zone
    if args.json:
        json.dump([e.as_json(zone) for e in entries], sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return 0
    for e in entries:
        # The action's name in the office's words where the catalogue has one, its key beside
        # it for grep; a refusal says so first.
        key = f"action.{e.action}"
        name = f"{t(key)} ({e.action})" if has(key) else e.action
        what = t("security_b.refused", action=name, role=t(f"role.{e.role}")) if e.refused \
            else name
        detail = json.dumps(e.detail, ensure_ascii=False, sort_keys=True) if e.detail else ""
        print("  ".join(part for part in (
            e.at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"), e.login or "-", what,
            e.record, detail) if part))
    if not entries:
        print(t("security_b.empty"))
    return 0
