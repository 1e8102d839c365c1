"""The ``kfdesk`` command line: open the counter, build the demo, manage staff, benchmarks.

Every failure is one clear line on stderr and a non-zero exit; the Textual UI is imported
only when a command actually opens it, so scripts and cron jobs stay light.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from . import __version__
from .clock import Clock, FixedClock, SystemClock, parse_instant
from .config import Settings, SettingsError, load_settings, user_data_dir
from .i18n import set_language, t

EXIT_USAGE = 2
EXIT_FAIL = 1


class CliError(Exception):
    """A failure to report as one line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, not usage + message
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (kfdesk --help)\n")


def _common(parser: argparse.ArgumentParser, suppress: bool) -> None:
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument(
        "--db", default=default, metavar="PATH|URL",
        help="database: a SQLite file path or a postgresql:// URL "
        "(default: KFDESK_DB, then settings database.path, then the user's data directory)",
    )
    parser.add_argument(
        "--now", default=default, metavar="ISO",
        help="fix the clock for the whole run, e.g. 2026-10-09T10:00 (office time zone)",
    )
    parser.add_argument("--lang", default=default, choices=("zh", "en"),
                        help="interface language (default: settings office.language)")
    parser.add_argument("--config", default=default, metavar="FILE",
                        help="settings file (default: KFDESK_CONFIG or the user's config dir)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="kfdesk",
        description="kfdesk — the service counter of a residential property-management "
        "office: intake, dispatch, callbacks, cashier, residents, supervisor summary. "
        "Without a command it opens the counter (sign-in first).",
    )
    parser.add_argument("--version", action="version", version=f"kfdesk {__version__}")
    _common(parser, suppress=False)
    parser.add_argument("--bench-exit", action="store_true", help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    demo = sub.add_parser(
        "demo", help="build (or reopen) the demo community and open the counter as the demo clerk",
        description="Build the demo community (a fresh file in the user's data directory unless "
        "--db is given) and open the counter signed in as the demo clerk. An existing demo "
        "database is reopened as it was; --force rebuilds it. Building into any other kfdesk "
        "database is refused unless --force.",
    )
    _common(demo, suppress=True)
    demo.add_argument("--build-only", action="store_true", help="build the demo and exit")
    demo.add_argument("--force", action="store_true", help="rebuild over an existing database")
    demo.add_argument("--seed", type=int, default=2026, help="demo seed (same seed, same data)")
    demo.add_argument("--bench-exit", action="store_true", help=argparse.SUPPRESS)

    init = sub.add_parser(
        "init", help="create an empty office database with its first manager",
        description="Create a new, empty kfdesk database and its first staff member "
        "(a manager, who then adds the others).",
    )
    _common(init, suppress=True)
    init.add_argument("--login", required=True, help="the manager's login name")
    init.add_argument("--name", required=True, help="the manager's full name")
    init.add_argument("--pin", help="PIN (asked for when omitted)")

    staff = sub.add_parser("staff", help="list or add staff members",
                           description="List the staff, or add one (signed in as a manager).")
    _common(staff, suppress=True)
    staff_sub = staff.add_subparsers(dest="staff_command", metavar="ACTION",
                                     parser_class=_Parser, required=True)
    staff_list = staff_sub.add_parser("list", help="list staff and roles")
    _common(staff_list, suppress=True)
    staff_add = staff_sub.add_parser("add", help="add a staff member")
    _common(staff_add, suppress=True)
    staff_add.add_argument("login")
    staff_add.add_argument("name")
    staff_add.add_argument("role", choices=("clerk", "cashier", "supervisor", "manager",
                                            "security"))
    staff_add.add_argument("--as", dest="as_login", required=True,
                           help="login of the manager or supervisor adding them")
    staff_add.add_argument("--pin", help="the new member's PIN (asked for when omitted)")
    staff_add.add_argument("--as-pin", help="the adding manager's PIN (asked when omitted)")

    bench = sub.add_parser(
        "bench", help="run the benchmarks and print one JSON object of figures",
        description="Benchmarks (figures printed, never asserted): startup_ms vs "
        "bare_textual_ms (process start to the first painted screen, headless, median).",
    )
    bench.add_argument("--only", choices=("startup",), help="run one part")
    bench.add_argument("--runs", type=int, default=5, help="runs per figure (median)")
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    try:
        return load_settings(Path(args.config) if getattr(args, "config", None) else None)
    except SettingsError as exc:
        raise CliError(t("settings.error", message=str(exc))) from None


def _clock(args: argparse.Namespace, settings: Settings) -> Clock:
    if getattr(args, "now", None):
        try:
            return FixedClock(parse_instant(args.now, settings.zone))
        except ValueError:
            raise CliError(t("cli.bad_now", value=args.now)) from None
    return SystemClock()


def _db_target(args: argparse.Namespace, settings: Settings, default_name: str) -> str:
    import os

    if getattr(args, "db", None):
        return args.db
    if os.environ.get("KFDESK_DB"):
        return os.environ["KFDESK_DB"]
    if settings.data["database"]["path"]:
        return settings.data["database"]["path"]
    return str(user_data_dir() / default_name)


def _open(target: str, clock: Clock, settings: Settings, create: bool):  # noqa: ANN202
    from .db import StoreError, open_store

    try:
        return open_store(target, clock, create=create,
                          busy_timeout_ms=settings.data["database"]["busy_timeout_ms"])
    except StoreError as exc:
        raise CliError(t(exc.key, **exc.params)) from None


def _run_app(session, signed_in, lang: str, bench_exit: bool) -> None:  # noqa: ANN001
    from kfdesk_screens.app import KfDeskApp  # the UI only when it is opened

    app = KfDeskApp(session, lang=lang, signed_in=signed_in, exit_after_paint=bench_exit)
    app.run(headless=bench_exit)


def cmd_open(args: argparse.Namespace, settings: Settings, lang: str) -> int:
    from .session import Session

    clock = _clock(args, settings)
    target = _db_target(args, settings, "kfdesk.db")
    _open(target, clock, settings, create=False)
    from .models import Staff

    if not Staff.select().exists():
        raise CliError(t("cli.no_staff", path=target))
    _run_app(Session(settings, clock, target), None, lang, args.bench_exit)
    return 0


def _is_demo() -> bool:
    from .models import AuditEvent

    return AuditEvent.select().where(AuditEvent.action == "demo.build").exists()


def cmd_demo(args: argparse.Namespace, settings: Settings, lang: str) -> int:
    from .db import close_store, is_empty
    from .demo import DEMO_CLERK, build_demo
    from .desk.base import audit, transaction
    from .models import Staff
    from .session import Session

    clock = _clock(args, settings)
    target = _db_target(args, settings, "demo.db") if getattr(args, "db", None) else str(
        user_data_dir() / "demo.db"
    )
    _open(target, clock, settings, create=True)
    fresh = is_empty()
    # Reopening the demo keeps everything; building over other data needs --force.
    if not fresh and not args.force and (args.build_only or not _is_demo()):
        raise CliError(t("store.exists", path=target))
    if args.force and not fresh:
        close_store()
        _wipe(target)
        _open(target, clock, settings, create=True)
        fresh = True
    if fresh:
        summary = build_demo(clock.now(), seed=args.seed, settings=settings)
        with transaction():
            audit(None, clock, "demo.build", None, seed=args.seed, now=clock.now().isoformat())
        print(t("cli.demo_built", path=target, units=summary.units, people=summary.people,
                tickets=summary.tickets))
    else:
        print(t("cli.demo_reopened", path=target))
    if args.build_only:
        return 0
    clerk = Staff.get(Staff.login == DEMO_CLERK)
    _run_app(Session(settings, clock, target, clerk), clerk, lang, args.bench_exit)
    return 0


def _wipe(target: str) -> None:
    from .db import is_url

    if is_url(target):
        raise CliError(t("cli.no_force_url"))
    for suffix in ("", "-wal", "-shm"):
        Path(target + suffix).unlink(missing_ok=True)


def _ask_pin(given: str | None, prompt: str) -> str:
    if given:
        return given
    if not sys.stdin.isatty():
        raise CliError(t("cli.pin_needed"))
    return getpass.getpass(prompt)


def cmd_init(args: argparse.Namespace, settings: Settings, lang: str) -> int:
    from .db import is_empty
    from .desk.base import DeskError
    from .desk.staff import create_staff
    from .models import Staff

    clock = _clock(args, settings)
    target = _db_target(args, settings, "kfdesk.db")
    _open(target, clock, settings, create=True)
    if not is_empty() or Staff.select().exists():
        raise CliError(t("store.exists", path=target))
    pin = _ask_pin(args.pin, "PIN: ")
    try:
        create_staff(args.login, args.name, "manager", pin, clock)
    except DeskError as exc:
        raise CliError(exc.message()) from None
    print(t("cli.init_done", path=target, login=args.login))
    return 0


def cmd_staff(args: argparse.Namespace, settings: Settings, lang: str) -> int:
    from .desk.base import DeskError
    from .desk.staff import create_staff, sign_in
    from .models import Staff

    clock = _clock(args, settings)
    target = _db_target(args, settings, "kfdesk.db")
    _open(target, clock, settings, create=False)
    if args.staff_command == "list":
        for s in Staff.select().order_by(Staff.role, Staff.login):
            state = "" if s.active else f" ({t('cli.inactive')})"
            print(f"{s.login}\t{s.name}\t{t(f'role.{s.role}')}{state}")
        return 0
    try:
        actor = sign_in(args.as_login, _ask_pin(args.as_pin, f"{args.as_login} PIN: "), clock)
        pin = _ask_pin(args.pin, f"{args.login} PIN: ")
        create_staff(args.login, args.name, args.role, pin, clock, actor=actor)
    except DeskError as exc:
        raise CliError(exc.message()) from None
    print(t("cli.staff_added", login=args.login, role=t(f"role.{args.role}")))
    return 0


def cmd_bench(args: argparse.Namespace, settings: Settings, lang: str) -> int:
    from .bench import run_bench

    print(json.dumps(run_bench(only=args.only, runs=args.runs), ensure_ascii=False))
    return 0


COMMANDS = {
    None: cmd_open, "demo": cmd_demo, "init": cmd_init, "staff": cmd_staff, "bench": cmd_bench,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = _settings(args)
        lang = getattr(args, "lang", None) or settings.language
        set_language(lang)
        return COMMANDS[args.command](args, settings, lang)
    except CliError as exc:
        print(f"kfdesk: {exc}", file=sys.stderr)
        return EXIT_FAIL
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
