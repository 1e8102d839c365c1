"""``kfdesk migrate --from FILE.db --to postgresql://…``: move an office's whole database.

The copy itself is ``kfdesk.transfer.copy_store`` (one transaction on the target, ids kept,
verified before it commits); this module is its command line: it prints, table by table, the
rows and money totals of source and target side by side, so whoever moves the office sees the
proof rather than a bare "done". The source is never written. ``--now`` fixes the clock that
stamps the new schema's creation (the tests, demos).

``run_migrate`` reports its own failures — one line on standard error, exit 1 — so it can be
called directly (tests, scripts) as well as from ``kfdesk.__main__``.
"""

from __future__ import annotations

import argparse

from .cli import clock_of, fail, one_line_failures, prepare
from .i18n import t


def add_migrate_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add ``migrate`` to the ``kfdesk`` subcommands."""
    migrate = subparsers.add_parser(
        "migrate", help="copy a whole office database to another (SQLite → PostgreSQL)",
        description="Copy every table of the kfdesk database --from (a SQLite file or a "
        "postgresql:// URL) into --to (a postgresql:// URL or a SQLite file), ids kept, in "
        "one transaction, then compare the row count of every table and the total of every "
        "money column and print both sides; any difference undoes the copy. The target must "
        "hold no kfdesk rows (a new database is given the schema); both must be at this "
        "kfdesk's schema version (open an older file once with this kfdesk first). The "
        "source is only read.",
    )
    migrate.add_argument("--from", dest="source", required=True, metavar="FILE|URL",
                         help="the office's database now, e.g. ~/.local/share/kfdesk/kfdesk.db")
    migrate.add_argument("--to", dest="target", required=True, metavar="URL|FILE",
                         help="the new, empty database, e.g. "
                         "postgresql://kfdesk@db.example/office1")
    migrate.add_argument("--now", metavar="ISO",
                         help="fix the clock, e.g. 2026-10-09T10:00 (office time zone)")
    migrate.add_argument("--lang", choices=("zh", "en"),
                         help="interface language (default: settings office.language)")
    migrate.add_argument("--config", metavar="FILE",
                         help="settings file (default: KFDESK_CONFIG or the user's config dir)")
    return migrate


@one_line_failures
def run_migrate(args: argparse.Namespace) -> int:
    """Copy ``args.source`` into ``args.target`` and print the comparison; 0 when the copy
    is in and verified, 1 with one line on stderr otherwise."""
    from .storefile import StoreError
    from .transfer import TransferError, copy_store, shown

    settings, _ = prepare(args)
    clock = clock_of(args, settings)
    try:
        done = copy_store(args.source, args.target, clock,
                          busy_timeout_ms=settings.data["database"]["busy_timeout_ms"])
    except (StoreError, TransferError) as exc:
        return fail(t(exc.key, **exc.params))
    print(comparison(done))
    print(t("migrate.done", source=shown(args.source), target=shown(args.target),
            rows=done.rows, tables=len(done.source.counts), version=done.version))
    return 0


def comparison(done) -> str:  # noqa: ANN001 - a transfer.TransferDone
    """The table of rows and money totals, source beside target, one line each."""
    ok, bad = t("migrate.same"), t("migrate.differs")
    lines = [f"{t('migrate.heading.what'):<36}{t('migrate.heading.source'):>16}"
             f"{t('migrate.heading.target'):>16}"]
    for title, left, right in ((t("migrate.rows"), done.source.counts, done.target.counts),
                               (t("migrate.money"), done.source.money, done.target.money)):
        lines.append(title)
        for name, value in left.items():
            other = right.get(name)
            lines.append(f"  {name:<34}{value:>16}{'' if other is None else other:>16}  "
                         f"{ok if other == value else bad}")
    return "\n".join(lines)

