"""The ``kfdesk`` command line: open the counter, build the demo, manage staff, benchmarks.

Every failure is one clear line on stderr and a non-zero exit; the Textual UI is imported
only when a command actually opens it, so scripts and cron jobs stay light.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from . import __version__
from .cli import (
    EXIT_USAGE,
    CliError,
    ask_pin,
    clock_of,
    common_options,
    db_target,
    fail,
    open_target,
    pin_options,
    prepare,
)
from .clock import parse_instant
from .config import Settings, user_data_dir
from .i18n import t

# kfdesk.models.ROLES, written out: the parser is built before (and without) the ORM.
_ROLES = ("clerk", "cashier", "supervisor", "manager", "security", "finance")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, not usage + message
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (kfdesk --help)\n")


class _NotTheCounter(Exception):
    """The arguments are not a plain "open the counter": the full parser reads them."""


class _CounterParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _NotTheCounter(message)


def _counter_args(argv: Sequence[str]) -> argparse.Namespace | None:
    """The arguments of the daily start (``kfdesk [--db] [--now] [--lang] [--config]``), read
    without building every subcommand's parser: that costs some 25 ms of the counter's start
    (issue 2). None for anything else — a subcommand, --help, --version, a mistake — which
    the full parser then reads (and explains)."""
    if any(a in ("-h", "--help", "--version") for a in argv):
        return None
    parser = _CounterParser(prog="kfdesk", add_help=False, allow_abbrev=False)
    common_options(parser, suppress=False)
    parser.add_argument("--bench-exit", metavar="FILE")
    try:
        args, rest = parser.parse_known_args(argv)
    except _NotTheCounter:
        return None
    if rest:
        return None
    args.command = None
    return args


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="kfdesk",
        description="kfdesk — the service counter of a residential property-management "
        "office: intake, dispatch, callbacks, cashier, residents, supervisor summary. "
        "Without a command it opens the counter (sign-in first).",
    )
    parser.add_argument("--version", action="version", version=f"kfdesk {__version__}")
    common_options(parser, suppress=False)
    parser.add_argument("--bench-exit", metavar="FILE", help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    demo = sub.add_parser(
        "demo", help="build (or reopen) the demo community and open the counter as the demo clerk",
        description="Build the demo community (a fresh file in the user's data directory unless "
        "--db is given) and open the counter signed in as the demo clerk. An existing demo "
        "database is reopened as it was; --force rebuilds it. Building into any other kfdesk "
        "database is refused unless --force.",
    )
    common_options(demo, suppress=True)
    demo.add_argument("--build-only", action="store_true", help="build the demo and exit")
    demo.add_argument("--force", action="store_true", help="rebuild over an existing database")
    demo.add_argument("--seed", type=int, default=2026, help="demo seed (same seed, same data)")
    demo.add_argument("--bench-exit", metavar="FILE", help=argparse.SUPPRESS)

    init = sub.add_parser(
        "init", help="create an empty office database with its first manager",
        description="Create a new, empty kfdesk database and its first staff member "
        "(a manager, who then adds the others).",
    )
    common_options(init, suppress=True)
    init.add_argument("--login", required=True, help="the manager's login name")
    init.add_argument("--name", required=True, help="the manager's full name")
    pin_options(init, new=True)

    staff = sub.add_parser("staff", help="list, add and change staff members",
                           description="List the staff, or add or change one, signed in as a "
                           "manager or supervisor: nobody grants a role above their own, only a "
                           "manager makes or changes a manager or finance account, and the last "
                           "manager stays (issue 19).")
    common_options(staff, suppress=True)
    staff_sub = staff.add_subparsers(dest="staff_command", metavar="ACTION",
                                     parser_class=_Parser, required=True)
    staff_list = staff_sub.add_parser("list", help="list staff and roles")
    common_options(staff_list, suppress=True)
    staff_add = staff_sub.add_parser("add", help="add a staff member")
    common_options(staff_add, suppress=True)
    staff_add.add_argument("login")
    staff_add.add_argument("name")
    staff_add.add_argument("role", choices=_ROLES)
    staff_add.add_argument("--as", dest="as_login", required=True,
                           help="login of the manager or supervisor adding them")
    pin_options(staff_add, new=True)
    pin_options(staff_add)
    staff_role = staff_sub.add_parser("role", help="promote or demote a staff member")
    staff_role.add_argument("login")
    staff_role.add_argument("role", choices=_ROLES)
    staff_active = staff_sub.add_parser("deactivate", help="stop a staff member signing in")
    staff_active.add_argument("login")
    staff_back = staff_sub.add_parser("activate", help="let a deactivated member sign in again")
    staff_back.add_argument("login")
    staff_pin = staff_sub.add_parser("pin", help="set a staff member's new PIN (or your own)")
    staff_pin.add_argument("login")
    staff_unlock = staff_sub.add_parser("unlock", help="unlock a login locked by wrong PINs "
                                        "(a manager)")
    staff_unlock.add_argument("login")
    for action in (staff_role, staff_active, staff_back, staff_pin, staff_unlock):
        common_options(action, suppress=True)
        action.add_argument("--as", dest="as_login", required=True,
                            help="login of the manager or supervisor making the change")
        pin_options(action)
        if action in (staff_role, staff_pin):
            pin_options(action, new=True)

    due = sub.add_parser(
        "due", help="print what is due soon and overdue (the deadline engine)",
        description="Print the alerts of the deadline engine (RULES §8) at --at (default: now). "
        "With --json: a list of objects with the keys rule, rule_text, item_kind, item_id, "
        "unit, owner, department, due_at (ISO 8601 with offset), state (due_soon | overdue), "
        "late_minutes (negative: minutes left) and provisional — a stable contract for scripts.",
    )
    common_options(due, suppress=True)
    due.add_argument("--at", metavar="ISO", help="evaluate at this instant (office zone)")
    due.add_argument("--json", action="store_true", help="machine-readable output")
    due.add_argument("--rule", metavar="ID", help='only this rule, e.g. "KF-010 §4.1.2"')
    due.add_argument("--owner", metavar="LOGIN", help="only items this clerk owns")

    cal = sub.add_parser(
        "calendar", help="list or correct the office's working-day calendar",
        description="The office's corrections to the statutory calendar (RULES §8). "
        "'import FILE' reads lines like '2027-02-06..2027-02-12 holiday 春节' or "
        "'2027-02-14 workday 调休' (or the CSV date,kind,note).",
    )
    common_options(cal, suppress=True)
    cal_sub = cal.add_subparsers(dest="calendar_command", metavar="ACTION",
                                 parser_class=_Parser, required=True)
    cal_list = cal_sub.add_parser("list", help="the office's corrections")
    common_options(cal_list, suppress=True)
    cal_import = cal_sub.add_parser("import", help="enter a notice from a file ('-': stdin)")
    common_options(cal_import, suppress=True)
    cal_import.add_argument("file")
    cal_import.add_argument("--complete-year", type=int, metavar="YEAR",
                            help="the notice covers that whole year (no longer provisional)")
    cal_import.add_argument("--as", dest="as_login", required=True,
                            help="login of the supervisor or manager")
    pin_options(cal_import)
    cal_remove = cal_sub.add_parser("remove", help="drop the correction of one date")
    common_options(cal_remove, suppress=True)
    cal_remove.add_argument("day", metavar="DATE")
    cal_remove.add_argument("--as", dest="as_login", required=True)
    pin_options(cal_remove)

    export = sub.add_parser(
        "export", help="export the contact list (KF-017 §2.6: security's copy)",
        description="Write the contact list of every unit's current occupants as CSV or XLSX "
        "(by the suffix of --out). '--for security' (KF-017 §2.6) has no phones, addresses "
        "or ID numbers; '--for office' (KF-017 §1.2) has them masked. Every export is logged.",
    )
    common_options(export, suppress=True)
    export_sub = export.add_subparsers(dest="export_command", metavar="WHAT",
                                       parser_class=_Parser, required=True)
    contacts = export_sub.add_parser("contacts", help="the resident contact list")
    common_options(contacts, suppress=True)
    contacts.add_argument("--for", dest="copy", required=True, choices=("security", "office"),
                          help="whose copy: security (no private data) or office (masked)")
    contacts.add_argument("--out", required=True, metavar="FILE",
                          help="the file to write: .csv or .xlsx")
    contacts.add_argument("--as", dest="as_login", required=True,
                          help="login of the staff member exporting (logged)")
    pin_options(contacts)

    imp = sub.add_parser(
        "import", help="import an office's resident list (all or nothing)",
        description="Read a resident list (CSV or XLSX) with Chinese or English headings "
        "(房号/楼栋/单元/姓名/电话/身份证/身份 …), print the column mapping, check every row "
        "(line, column, reason) and import all rows in one transaction — or none when any "
        "row is bad. --dry-run checks and writes nothing.",
    )
    common_options(imp, suppress=True)
    imp_sub = imp.add_subparsers(dest="import_command", metavar="WHAT",
                                 parser_class=_Parser, required=True)
    imp_res = imp_sub.add_parser("residents", help="an office's resident list")
    common_options(imp_res, suppress=True)
    imp_res.add_argument("file", help=".csv or .xlsx")
    imp_res.add_argument("--dry-run", action="store_true", help="check only, write nothing")
    imp_res.add_argument("--map", action="append", default=[], metavar="FIELD=COLUMN",
                         help="override the guessed mapping, e.g. --map phone=联系电话 "
                         "(fields: unit building entrance room name role phone phone2 "
                         "id_number address relation lease_end started_on)")
    imp_res.add_argument("--as", dest="as_login", required=True,
                         help="login of the supervisor or manager importing")
    pin_options(imp_res)

    from .audit_cli import add_audit_parser
    from .backup_cli import add_backup_parser
    from .migrate_cli import add_migrate_parser
    from .report_cli import add_report_parser
    from .serve_cli import add_serve_parser

    add_report_parser(sub)
    add_backup_parser(sub)
    add_migrate_parser(sub)
    add_serve_parser(sub)
    add_audit_parser(sub)

    bench = sub.add_parser(
        "bench", help="run the benchmarks and print one JSON object of figures",
        description="Benchmarks (figures printed, never asserted): startup_ms vs "
        "bare_textual_ms (process start to the first painted screen, sign-in on the demo "
        "database, headless, median) and demo_startup_ms (kfdesk demo, straight to intake); "
        "evaluate_ms vs raw_count_ms on a synthetic large community (engine); "
        "receipts_per_s, durable receipts per second at one counter (cashier); search_ms per "
        "keystroke and unit_glance_ms on 50,000 people and 20,000 units (search); eod_ms, the "
        "end-of-day summary of a day with 2,000 receipts and 500 tickets (eod).",
    )
    bench.add_argument("--only", choices=("startup", "engine", "cashier", "search", "eod"),
                       help="run one part")
    bench.add_argument("--runs", type=int, default=5, help="runs per figure (median)")
    return parser


def _run_app(session, signed_in, lang: str, bench_exit: str | None) -> int:  # noqa: ANN001
    import gc

    from kfdesk_screens.app import KfDeskApp  # the UI only when it is opened

    # --bench-exit FILE (kfdesk bench): headless, write the instant of the first painted
    # frame to FILE and quit.
    app = KfDeskApp(session, lang=lang, signed_in=signed_in, paint_stamp=bench_exit)
    # What start-up has built so far (modules, classes, the catalogue, the settings) lives
    # as long as the process: frozen, the collector stops walking it again and again — some
    # 30 ms before the first frame (issue 2), and at every full collection all day.
    gc.freeze()
    app.run(headless=bench_exit is not None)
    if app.store_error is not None:  # the store, opened after the first frame, refused
        raise CliError(app.store_error)
    return app.return_code or 0


def cmd_open(args: argparse.Namespace, settings: Settings, lang: str) -> int:
    from .session import Session
    from .storefile import ready_as_is

    clock = clock_of(args, settings)
    target = db_target(args, settings, "kfdesk.db")
    if ready_as_is(target):
        # Nothing to create, migrate or refuse: sign-in is painted first, and the ORM is
        # loaded and the store opened after that frame (issue 2).
        return _run_app(Session(settings, clock, target, store_open=False), None, lang,
                        args.bench_exit)
    open_target(target, clock, settings, create=False)
    from .models import Staff

    if not Staff.select().exists():
        raise CliError(t("cli.no_staff", path=target))
    return _run_app(Session(settings, clock, target), None, lang, args.bench_exit)


def _demo_clerk() -> str | None:
    """The login the demo opens as, from the store's "demo.build" event; None: not a demo."""
    from .models import AuditEvent

    event = AuditEvent.get_or_none(AuditEvent.action == "demo.build")
    if event is None:
        return None
    # Demos built before the event named its clerk opened as "clerk", the builder's default.
    return json.loads(event.detail).get("clerk", "clerk")


def cmd_demo(args: argparse.Namespace, settings: Settings, lang: str) -> int:
    from .db import close_store, is_empty
    from .desk.base import audit, transaction
    from .models import Staff
    from .session import Session

    clock = clock_of(args, settings)
    target = db_target(args, settings, "demo.db") if getattr(args, "db", None) else str(
        user_data_dir() / "demo.db"
    )
    open_target(target, clock, settings, create=True)
    fresh = is_empty()
    # Reopening the demo keeps everything; building over other data needs --force.
    if not fresh and not args.force and (args.build_only or _demo_clerk() is None):
        raise CliError(t("store.exists", path=target))
    if args.force and not fresh:
        # Only a demo is rebuilt: its "demo.build" event is the marker; an office's real
        # database is refused with one line and nothing wiped (issue 19).
        if _demo_clerk() is None:
            raise CliError(t("security_b.demo_not_demo", path=target))
        close_store()
        _wipe(target)
        open_target(target, clock, settings, create=True)
        fresh = True
    if fresh:
        from .demo import DEMO_CLERK, build_demo  # only when building: reopening stays light

        summary = build_demo(clock.now(), seed=args.seed, settings=settings)
        with transaction():
            audit(None, clock, "demo.build", None, seed=args.seed, now=clock.now().isoformat(),
                  clerk=DEMO_CLERK)
        print(t("cli.demo_built", path=target, units=summary.units, people=summary.people,
                tickets=summary.tickets))
        import gc

        gc.collect()  # the build's garbage goes now, before ``_run_app`` freezes what is left
    else:
        print(t("cli.demo_reopened", path=target))
    if args.build_only:
        return 0
    clerk = Staff.get(Staff.login == _demo_clerk())
    return _run_app(Session(settings, clock, target, clerk), clerk, lang, args.bench_exit)


def _wipe(target: str) -> None:
    from .db import is_url

    if is_url(target):
        raise CliError(t("cli.no_force_url"))
    for suffix in ("", "-wal", "-shm"):
        Path(target + suffix).unlink(missing_ok=True)


def cmd_init(args: argparse.Namespace, settings: Settings, lang: str) -> int:
    from .db import is_empty
    from .desk.base import DeskError
    from .desk.staff import create_staff

    clock = clock_of(args, settings)
    target = db_target(args, settings, "kfdesk.db")
    open_target(target, clock, settings, create=True)
    if not is_empty():
        raise CliError(t("store.exists", path=target))
    pin = ask_pin(args, "PIN: ", new=True)
    try:
        create_staff(args.login, args.name, "manager", pin, clock)
    except DeskError as exc:
        raise CliError(exc.message()) from None
    print(t("cli.init_done", path=target, login=args.login))
    return 0


def cmd_staff(args: argparse.Namespace, settings: Settings, lang: str) -> int:
    from .desk.base import DeskError
    from .desk.staff import (
        SIX_DIGIT_ROLES,
        create_staff,
        set_active,
        set_pin,
        set_role,
        sign_in,
        unlock,
    )
    from .models import Staff

    clock = clock_of(args, settings)
    target = db_target(args, settings, "kfdesk.db")
    open_target(target, clock, settings, create=False)
    if args.staff_command == "list":
        for s in Staff.select().order_by(Staff.role, Staff.login):
            state = "" if s.active else f" ({t('cli.inactive')})"
            if s.active and s.locked_until is not None and s.locked_until > clock.now():
                until = s.locked_until.astimezone(settings.zone).strftime("%H:%M")
                state = f" ({t('security_a.cli.locked_state', until=until)})"
            print(f"{s.login}\t{s.name}\t{t(f'role.{s.role}')}{state}")
        return 0
    try:
        actor = sign_in(args.as_login, ask_pin(args, f"{args.as_login} PIN: "), clock, settings)
        login = args.login
        if args.staff_command == "add":
            pin = ask_pin(args, f"{login} PIN: ", new=True)
            create_staff(login, args.name, args.role, pin, clock, actor=actor)
            print(t("cli.staff_added", login=login, role=t(f"role.{args.role}")))
        elif args.staff_command == "role":
            old = Staff.get_or_none(Staff.login == login)
            # Moving up to a 6-digit role sets the new PIN with it: asked only then.
            pin = (ask_pin(args, f"{login} PIN: ", new=True) if old is not None
                   and args.role in SIX_DIGIT_ROLES and old.role not in SIX_DIGIT_ROLES else None)
            set_role(login, args.role, actor, clock, pin=pin)
            print(t("security_a.cli.role_changed", login=login,
                    old=t(f"role.{old.role}"), new=t(f"role.{args.role}")))
        elif args.staff_command in ("deactivate", "activate"):
            active = args.staff_command == "activate"
            set_active(login, active, actor, clock)
            print(t(f"security_a.cli.{args.staff_command}d", login=login))
        elif args.staff_command == "pin":
            set_pin(login, ask_pin(args, f"{login} PIN: ", new=True), actor, clock)
            print(t("security_a.cli.pin_set", login=login))
        else:
            unlock(login, actor, clock)
            print(t("security_a.cli.unlocked", login=login))
    except DeskError as exc:
        raise CliError(exc.message()) from None
    return 0


def cmd_due(args: argparse.Namespace, settings: Settings, lang: str) -> int:
    from .desk.refresh import refresh
    from .rules import counts

    clock = clock_of(args, settings)
    open_target(db_target(args, settings, "kfdesk.db"), clock, settings, create=False)
    try:
        now = parse_instant(args.at, settings.zone) if args.at else clock.now()
    except ValueError:
        raise CliError(t("cli.bad_at", value=args.at)) from None  # --at's own words (issue 19)
    alerts = refresh(now, settings, lang, rule=args.rule, owner=args.owner)
    zone = settings.zone
    if args.json:
        print(json.dumps([a.to_json(zone) for a in alerts], ensure_ascii=False, indent=1))
        return 0
    for a in alerts:
        late = t("due.late", minutes=a.late_minutes) if a.state == "overdue" else t(
            "due.left", minutes=-a.late_minutes)
        mark = t("due.provisional") if a.provisional else ""
        due_text = a.due_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        print(f"{t(f'due.{a.state}')}\t{a.rule}\t{a.item_ref}\t{a.unit or '-'}\t"
              f"{a.owner_name or '-'}\t{due_text}{mark}\t{late}\t{a.rule_text}")
    print(t("due.total", **counts(alerts)))
    return 0


def cmd_calendar(args: argparse.Namespace, settings: Settings, lang: str) -> int:
    from datetime import date

    from .desk.base import DeskError
    from .desk.calendar import apply_notice, list_overrides, parse_notice, remove_override
    from .desk.staff import sign_in

    clock = clock_of(args, settings)
    open_target(db_target(args, settings, "kfdesk.db"), clock, settings, create=False)
    if args.calendar_command == "list":
        for line in list_overrides():
            print(f"{line.day.isoformat()}\t{t(f'calendar.kind_{line.kind}')}\t{line.note}")
        return 0
    try:
        actor = sign_in(args.as_login, ask_pin(args, f"{args.as_login} PIN: "), clock,
                         settings)
        if args.calendar_command == "remove":
            try:
                day = date.fromisoformat(args.day)
            except ValueError:
                raise CliError(t("cli.bad_date", value=args.day)) from None
            count = remove_override(day, actor, clock, settings)
        else:
            try:
                text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(
                    encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError) as exc:
                raise CliError(t("cli.unreadable", path=args.file, reason=str(exc))) from None
            lines = parse_notice(text)
            count = apply_notice(lines, actor, clock, settings, complete_year=args.complete_year)
    except DeskError as exc:
        raise CliError(exc.message()) from None
    print(t("calendar.saved", count=count))
    return 0


def cmd_export(args: argparse.Namespace, settings: Settings, lang: str) -> int:
    from .desk.base import DeskError
    from .desk.staff import sign_in
    from .residents_io import export_contacts

    clock = clock_of(args, settings)
    open_target(db_target(args, settings, "kfdesk.db"), clock, settings, create=False)
    try:
        actor = sign_in(args.as_login, ask_pin(args, f"{args.as_login} PIN: "), clock,
                         settings)
        result = export_contacts(args.out, actor, clock, settings,
                                 for_security=args.copy == "security")
    except DeskError as exc:
        raise CliError(exc.message()) from None
    print(t("residents_io.cli.exported", rows=result.rows, file=result.path,
            copy=t(f"residents_io.cli.copy_{args.copy}")))
    return 0


def cmd_import(args: argparse.Namespace, settings: Settings, lang: str) -> int:
    from .desk.base import DeskError
    from .desk.staff import sign_in
    from .residents_io import import_residents, read_sheet

    mapping: dict[str, int | str] | None = None
    if args.map:
        mapping = {}
        for item in args.map:
            field, sep, column = item.partition("=")
            if not sep or not field.strip() or not column.strip():
                raise CliError(t("residents_io.cli.bad_map"))
            mapping[field.strip()] = column.strip()
    clock = clock_of(args, settings)
    open_target(db_target(args, settings, "kfdesk.db"), clock, settings, create=False)
    try:
        actor = sign_in(args.as_login, ask_pin(args, f"{args.as_login} PIN: "), clock,
                         settings)
        if mapping is not None:
            from .residents_io import guess_mapping

            # Named fields override; the others keep the guess.
            headers = read_sheet(args.file).headers
            mapping = {**{f: headers[i] for f, i in guess_mapping(headers).items()}, **mapping}
        report = import_residents(args.file, actor, clock, settings, mapping=mapping,
                                  dry_run=args.dry_run)
    except DeskError as exc:
        raise CliError(exc.message()) from None
    sheet = read_sheet(args.file)
    print(t("residents_io.cli.mapping", line=sheet.header_line))
    for field, column in report.mapping.items():
        print(t("residents_io.cli.mapping_line", field=t(f"residents_io.col.{field}"),
                column=column))
    unused = [h for h in sheet.headers if h and h not in report.mapping.values()]
    if unused:
        sep = t("residents_io.cli.list_sep")
        print(t("residents_io.cli.unmapped", columns=sep.join(unused)))
    for err in report.errors:
        print(t("residents_io.cli.row_error", line=err.line, column=err.column,
                reason=err.reason))
    if report.errors:
        raise CliError(t("residents_io.cli.bad_rows", n=len({e.line for e in report.errors})))
    sep = t("residents_io.cli.list_sep")
    roles = sep.join(f"{t('residents.role.agent') if r == 'agent' else t(f'occupancy.{r}')} {n}"
                     for r, n in sorted(report.by_role.items()))
    if report.dry_run:
        print(t("residents_io.cli.dry_run_ok", rows=report.rows, roles=roles))
    else:
        print(t("residents_io.cli.imported", n=report.imported, roles=roles))
    return 0


def cmd_bench(args: argparse.Namespace, settings: Settings, lang: str) -> int:
    from .bench import run_bench

    print(json.dumps(run_bench(only=args.only, runs=args.runs), ensure_ascii=False))
    return 0


def cmd_backup(args: argparse.Namespace, settings: Settings, lang: str) -> int:
    from .backup_cli import run_backup

    return run_backup(args)


def cmd_migrate(args: argparse.Namespace, settings: Settings, lang: str) -> int:
    from .migrate_cli import run_migrate

    return run_migrate(args)


def cmd_serve(args: argparse.Namespace, settings: Settings, lang: str) -> int:
    from .serve_cli import run_serve

    return run_serve(args)


def cmd_report(args: argparse.Namespace, settings: Settings, lang: str) -> int:
    from .report_cli import run_report

    return run_report(args)


def cmd_audit(args: argparse.Namespace, settings: Settings, lang: str) -> int:
    from .audit_cli import run_audit

    return run_audit(args)


COMMANDS = {
    None: cmd_open, "demo": cmd_demo, "init": cmd_init, "staff": cmd_staff, "due": cmd_due,
    "calendar": cmd_calendar, "bench": cmd_bench, "export": cmd_export, "import": cmd_import,
    "report": cmd_report, "backup": cmd_backup, "restore": cmd_backup, "serve": cmd_serve,
    "migrate": cmd_migrate, "audit": cmd_audit,
}


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = _counter_args(argv) or build_parser().parse_args(argv)
    try:
        settings, lang = prepare(args)
        return COMMANDS[args.command](args, settings, lang)
    except CliError as exc:
        return fail(str(exc))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `kfdesk due | head`: the reader left; not an error
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        return 0
    except Exception as exc:
        # Issue 19: what the disk or the database refuses (read-only, full, a path like
        # /proc/x.db, a damaged page) is one line naming the first cause, the details in the
        # error log — never a traceback. Anything else is a bug and shows as one.
        from .errorlog import is_store_or_file_error, log_error, one_line

        if not is_store_or_file_error(exc):
            raise
        path = log_error(exc, f"kfdesk {args.command or 'counter'}")
        return fail(t("cli.failed", reason=one_line(exc), log=str(path)))


if __name__ == "__main__":
    sys.exit(main())
