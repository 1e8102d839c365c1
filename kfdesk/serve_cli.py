"""``kfdesk serve``: the counter in a web browser, through textual-serve (issue 9).

textual-serve is a small web server: it sends the browser a page with a terminal emulator and,
for every browser session that connects, runs one command whose terminal output goes to that
page. Here the command is plain ``kfdesk`` on the same store, settings file, language and fixed
clock (``session_argv``), which opens the counter on the sign-in screen: a browser is signed in
as nobody — not even on the demo store — and each person signs in as themselves, as at a
terminal.

The server listens on 127.0.0.1 unless told otherwise. Any other address makes the counter —
residents' phone numbers, ID numbers, the cash — reachable from the network, so it needs
``--allow-remote`` and prints a warning saying so.

The store is opened once before serving (``--db`` / ``KFDESK_DB`` / settings / the user's data
folder, as every command opens it) so a missing or foreign database, or one without staff, is
one line on stderr now rather than a broken page in every browser later. ``run_serve`` reports
its own failures like ``report_cli.run_report``.
"""

from __future__ import annotations

import argparse
import ipaddress
import shlex
import sys
from pathlib import Path

from . import cli
from .i18n import t

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def add_serve_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add ``serve`` to the ``kfdesk`` subcommands."""
    serve = subparsers.add_parser(
        "serve", help="serve the counter to web browsers (sign-in first), on 127.0.0.1",
        description="Serve the counter to web browsers with textual-serve: every browser "
        "session runs its own kfdesk on the same --db, --config, --lang and --now and opens "
        "on the sign-in screen. Listens on 127.0.0.1 by default; any other --host also needs "
        "--allow-remote, since the counter is then reachable from the network.",
    )
    cli.common_options(serve, suppress=True)
    serve.add_argument("--host", default=DEFAULT_HOST,
                       help=f"address to listen on (default: {DEFAULT_HOST}, this machine only)")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT,
                       help=f"port to listen on (default: {DEFAULT_PORT})")
    serve.add_argument("--allow-remote", action="store_true",
                       help="allow a --host other than this machine (the counter is then "
                       "reachable from the network)")
    serve.add_argument("--cert", metavar="PEM",
                       help="TLS certificate (PEM); with --key, required by --allow-remote")
    serve.add_argument("--key", metavar="PEM",
                       help="TLS private key (PEM); with --cert, required by --allow-remote")
    serve.add_argument("--token-file", metavar="FILE",
                       help="read the access token browsers must present from FILE (with "
                       "--allow-remote; without it a token is made and shown once)")
    serve.add_argument("--public-url", metavar="URL",
                       help="the address browsers use to reach the server, when it is not "
                       "http://HOST:PORT (a proxy, or --host 0.0.0.0)")
    return serve


def is_local(host: str) -> bool:
    """Whether ``host`` is this machine only (loopback): safe to listen on without asking."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name other than localhost may resolve to anything


def session_argv(target: str, lang: str, config: str | None, now: str | None) -> list[str]:
    """The command each browser session runs: this Python's kfdesk without a subcommand — the
    counter on its sign-in screen — on the same store, settings, language and clock."""
    argv = [sys.executable, "-m", "kfdesk", "--db", target, "--lang", lang]
    if config:
        argv += ["--config", str(Path(config).resolve())]
    if now:
        argv += ["--now", now]
    return argv


@cli.one_line_failures
def run_serve(args: argparse.Namespace) -> int:
    """Check the address and the store, then serve until interrupted; 0 when stopped,
    1 with one line on stderr when refused."""
    from .db import close_store, is_url

    settings, lang = cli.prepare(args)
    if not 0 < args.port < 65536:
        return cli.fail(t("serve.bad_port", port=args.port))
    local = is_local(args.host)
    if not local and not args.allow_remote:
        return cli.fail(t("serve.remote_refused", host=args.host))
    max_sessions = settings.get("serve.max_sessions")
    if isinstance(max_sessions, bool) or not isinstance(max_sessions, int) \
            or not 1 <= max_sessions <= 64:
        return cli.fail(t("serve.secure.bad_max_sessions", value=max_sessions))
    tls, token = None, None
    if not local:
        # Issue 19: beyond this machine the counter is behind TLS and an access token before
        # anyone sees its sign-in; without both it is not served at all.
        missing = [flag for flag, value in (("--cert", args.cert), ("--key", args.key))
                   if not value]
        if args.cert is None or args.key is None:
            return cli.fail(t("serve.secure.remote_needs", host=args.host,
                              missing=", ".join(missing)))
        from .serve_web import tls_context

        try:
            tls = tls_context(args.cert, args.key)
        except (OSError, ValueError) as exc:  # ssl.SSLError is an OSError
            return cli.fail(t("serve.secure.bad_tls", error=_one_line(exc)))
        if args.token_file:
            try:
                token = Path(args.token_file).read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError) as exc:
                return cli.fail(t("serve.secure.bad_token_file", path=args.token_file,
                                  error=_one_line(exc)))
            if len(token) < 16:
                return cli.fail(t("serve.secure.short_token", path=args.token_file))
        else:
            import secrets

            token = secrets.token_urlsafe(24)
    clock = cli.clock_of(args, settings)  # a bad --now is refused here, not in every session
    target = cli.db_target(args, settings, "kfdesk.db")
    if not is_url(target):
        target = str(Path(target).resolve())  # the sessions may start in another folder
    cli.open_target(target, clock, settings, create=False)
    try:
        from .models import Staff

        if not Staff.select().exists():
            return cli.fail(t("cli.no_staff", path=target))
    finally:
        close_store()  # the server itself never touches the store; the sessions do

    command = shlex.join(session_argv(target, lang, getattr(args, "config", None),
                                      getattr(args, "now", None)))
    if not is_local(args.host):
        print(t("serve.remote_warning", host=args.host, port=args.port), file=sys.stderr)
    # One plain line before the server's banner: the address, and the exact command each
    # browser session runs (scripts and tests read it; textual-serve's own banner wraps).
    # The page's websocket goes to this address (textual-serve's own guess breaks on IPv6).
    public_url = args.public_url or _url(args.host, args.port, tls is not None)
    print(t("serve.started", url=public_url, command=command), flush=True)
    if token is not None and not args.token_file:
        print(t("serve.secure.token_shown", url=public_url, token=token), flush=True)
    from .serve_web import Guard, build_server, origins_of

    # The page is in the office's language, as the sessions are (lang), never in English only.
    texts = {key: t(f"serve.page.{key}", lang=lang)
             for key in ("lang", "start", "ended", "restart", "leave", "forbidden", "busy")}
    guard = Guard(origins_of(public_url, args.host, args.port, local), max_sessions, token)
    build_server(command, host=args.host, port=args.port, public_url=public_url,
                 title=t("serve.title", office=settings.data["office"]["name"]),
                 guard=guard, texts=texts, tls=tls).serve()
    return 0


def _url(host: str, port: int, tls: bool = False) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"{'https' if tls else 'http'}://{shown}:{port}"


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__

