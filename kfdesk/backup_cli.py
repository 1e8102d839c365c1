"""``kfdesk backup`` and ``kfdesk restore``: the store's backups from the command line.

``kfdesk backup [--to FILE] --as LOGIN`` backs up the store the way every ``kfdesk`` command
finds it (``--db``, ``KFDESK_DB``, the settings, the user's data folder) while the counters
keep working: SQLite with its online backup API, PostgreSQL with ``pg_dump`` (see
``kfdesk.backup``). Without ``--to`` the file goes to ``backups/`` beside the database, named
with the office-zone date and time. A supervisor or manager signs it (PIN asked, or ``KFDESK_PIN``
or ``--as-pin-file``), like ``kfdesk calendar import``; it is audited in the store.

``kfdesk restore FILE --to TARGET --as LOGIN`` restores a backup into an empty TARGET (a new
SQLite file, or a PostgreSQL database without tables) and verifies it; a manager of the
backed-up office signs it, checked against the backup.

``run_backup`` reports its own failures — one line on standard error, exit 1 — so it can be
called directly (tests, scripts) as well as from ``kfdesk.__main__``.
"""

from __future__ import annotations

import argparse

from . import cli
from .i18n import t


def add_backup_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add ``backup`` and ``restore`` to the ``kfdesk`` subcommands."""
    backup = subparsers.add_parser(
        "backup", help="back up the database (while the counters keep working)",
        description="Back up the database: SQLite with its online backup API while the "
        "counters keep working, PostgreSQL with pg_dump -Fc (when on PATH). Without --to the "
        "file goes to backups/ beside the database (settings backup.folder), named with the "
        "office date and time. Signed by a supervisor or manager (--as) and logged. The "
        "counter also makes a daily backup itself (settings [backup]).",
    )
    cli.common_options(backup, suppress=True)
    backup.add_argument("--to", metavar="FILE", help="write the backup here (never overwrites)")
    backup.add_argument("--as", dest="as_login", required=True, metavar="LOGIN",
                        help="login of the supervisor or manager making it (logged)")
    cli.pin_options(backup)

    restore = subparsers.add_parser(
        "restore", help="restore a backup into an empty database, verified",
        description="Restore a backup made by 'kfdesk backup' into an EMPTY target (a new "
        "SQLite file, or a PostgreSQL database without tables; anything else is refused), "
        "then verify it: integrity check, the row count of every table and the schema "
        "version equal the backup's. Signed by a manager of the backed-up office (--as, "
        "checked against the backup); logged in the restored database.",
    )
    cli.common_options(restore, suppress=True)
    restore.add_argument("file", metavar="FILE", help="the backup (.db, or .dump from pg_dump)")
    restore.add_argument("--to", dest="target", required=True, metavar="PATH|URL",
                         help="the empty database to restore into")
    restore.add_argument("--as", dest="as_login", required=True, metavar="LOGIN",
                         help="login of a manager in the backup")
    cli.pin_options(restore)


@cli.one_line_failures
def run_backup(args: argparse.Namespace) -> int:
    """Run ``kfdesk backup`` or ``kfdesk restore`` (``args.command``); 0 when done, 1 with
    one line on stderr."""
    return _restore(args) if args.command == "restore" else _backup(args)


def _size(size: int) -> str:
    """Bytes as a person reads them: 812 B, 4.3 MB."""
    value = float(size)
    for unit in ("B", "KB", "MB"):
        if value < 1024:
            return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def _backup(args: argparse.Namespace) -> int:
    from .backup import make_backup
    from .desk.base import DeskError
    from .desk.staff import sign_in

    settings, _ = cli.prepare(args)
    clock = cli.clock_of(args, settings)
    target = cli.db_target(args, settings, "kfdesk.db")
    cli.open_target(target, clock, settings, create=False)
    try:
        actor = sign_in(args.as_login, cli.ask_pin(args, f"{args.as_login} PIN: "),
                         clock, settings)
        done = make_backup(target, args.to, clock, settings, actor=actor)
    except DeskError as exc:
        return cli.fail(exc.message())
    print(t("backup.cli.done", path=done.path, size=_size(done.size), tables=len(done.counts),
            rows=done.rows, version=done.schema_version))
    return 0


def _restore(args: argparse.Namespace) -> int:
    from .backup import restore
    from .desk.base import DeskError

    settings, _ = cli.prepare(args)
    clock = cli.clock_of(args, settings)
    try:
        pin = cli.ask_pin(args, f"{args.as_login} PIN: ")
        done = restore(args.file, args.target, args.as_login, pin, clock, settings)
    except DeskError as exc:
        return cli.fail(exc.message())
    print(t("backup.cli.restored", target=done.target, tables=len(done.counts), rows=done.rows,
            version=done.schema_version))
    return 0

