"""What every ``kfdesk`` command shares: the common options, the settings and language it
runs with, its clock, its store, the PIN prompt, and failures as one line.

``kfdesk.__main__`` and the subcommands kept in their own modules (``backup_cli``,
``migrate_cli``, ``report_cli``, ``serve_cli``) read their arguments the same way through
these, so ``--db``, ``--now``, ``--lang`` and ``--config`` mean the same everywhere, and
every failure is ``kfdesk: <one line>`` on standard error with exit code 1.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path

from .clock import Clock, FixedClock, SystemClock, parse_instant
from .config import Settings, SettingsError, load_settings, user_data_dir
from .i18n import set_language, t

EXIT_USAGE = 2
EXIT_FAIL = 1


class CliError(Exception):
    """A failure to report as one line."""


def fail(message: str) -> int:
    """Say why on standard error, as one line; the exit code of a failed command."""
    print(f"kfdesk: {message}", file=sys.stderr)
    return EXIT_FAIL


def one_line_failures(run: Callable[[argparse.Namespace], int]
                      ) -> Callable[[argparse.Namespace], int]:
    """A subcommand's entry point that reports a ``CliError`` itself (1, one line), so it
    can be called directly — from tests and scripts — as well as from ``kfdesk.__main__``."""

    @wraps(run)
    def guarded(args: argparse.Namespace) -> int:
        try:
            return run(args)
        except CliError as exc:
            return fail(str(exc))

    return guarded


def common_options(parser: argparse.ArgumentParser, suppress: bool) -> None:
    """``--db``, ``--now``, ``--lang`` and ``--config`` (``suppress``: on a subcommand, where
    leaving one out keeps what was given before the subcommand's name)."""
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


def settings_of(args: argparse.Namespace) -> Settings:
    """The settings (``--config``, else ``KFDESK_CONFIG`` or the user's file, over the
    defaults); a bad file is a ``CliError`` naming the file, the key and what was expected."""
    try:
        return load_settings(Path(args.config) if getattr(args, "config", None) else None)
    except SettingsError as exc:
        raise CliError(t("settings.error", message=str(exc))) from None


def prepare(args: argparse.Namespace) -> tuple[Settings, str]:
    """The settings and the language (``--lang``, else the settings'), the language set for
    every message that follows."""
    settings = settings_of(args)
    lang = getattr(args, "lang", None) or settings.language
    set_language(lang)
    return settings, lang


def clock_of(args: argparse.Namespace, settings: Settings) -> Clock:
    """``--now`` fixes the clock for the whole run; otherwise the system's."""
    if getattr(args, "now", None):
        try:
            return FixedClock(parse_instant(args.now, settings.zone))
        except ValueError:
            raise CliError(t("cli.bad_now", value=args.now)) from None
    return SystemClock()


def db_target(args: argparse.Namespace, settings: Settings, default_name: str) -> str:
    """``--db``, else ``KFDESK_DB``, else the settings' path, else the user's data folder."""
    if getattr(args, "db", None):
        return args.db
    if os.environ.get("KFDESK_DB"):
        return os.environ["KFDESK_DB"]
    if settings.data["database"]["path"]:
        return settings.data["database"]["path"]
    return str(user_data_dir() / default_name)


def open_target(target: str, clock: Clock, settings: Settings, create: bool):  # noqa: ANN201
    """Open (create, migrate) the store; a refusal is a ``CliError`` in the clerk's words."""
    from .db import StoreError, open_store

    try:
        return open_store(target, clock, create=create,
                          busy_timeout_ms=settings.data["database"]["busy_timeout_ms"])
    except StoreError as exc:
        raise CliError(t(exc.key, **exc.params)) from None


def pin_options(parser: argparse.ArgumentParser, new: bool = False) -> None:
    """Where a PIN may come from besides the prompt (issue 19): ``--as-pin`` (the signer's) or
    ``--pin`` (a new one) only in test runs with ``--now`` — on the command line it shows in
    ``ps`` and the shell history — and a file whose first line is the PIN."""
    option = "--pin" if new else "--as-pin"
    whose = "the new PIN" if new else "their PIN"
    parser.add_argument(option, metavar="PIN",
                        help=f"{whose}: test runs with --now only (asked when omitted)")
    parser.add_argument(f"{option}-file", metavar="FILE",
                        help=f"read {whose} from the first line of FILE (keep it mode 0600)")


def ask_pin(args: argparse.Namespace, prompt: str, new: bool = False) -> str:
    """The signer's PIN (``new``: a PIN being set): ``--as-pin``/``--pin`` in a ``--now`` test
    run, else ``--as-pin-file``/``--pin-file``, else (the signer's) ``KFDESK_PIN``, else asked
    without echo at a terminal — a new PIN twice. Never read from a pipe (issue 19)."""
    name = "pin" if new else "as_pin"
    given = getattr(args, name, None)
    if given:
        if not getattr(args, "now", None):
            raise CliError(t("security_a.cli.as_pin_refused"))
        return given
    if path := getattr(args, f"{name}_file", None):
        try:
            lines = Path(path).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise CliError(t("security_a.cli.pin_file", path=path,
                             reason=getattr(exc, "strerror", None) or str(exc))) from None
        if not lines or not lines[0].strip():
            raise CliError(t("security_a.cli.pin_file_empty", path=path))
        return lines[0].strip()
    if not new and os.environ.get("KFDESK_PIN"):
        return os.environ["KFDESK_PIN"]
    if not sys.stdin.isatty():
        raise CliError(t("security_a.cli.pin_needed"))
    pin = getpass.getpass(prompt)
    if new and getpass.getpass(t("security_a.cli.again", prompt=prompt)) != pin:
        raise CliError(t("security_a.cli.pins_differ"))
    return pin
