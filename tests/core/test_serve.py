"""``kfdesk serve`` (issue 9): the counter in a web browser through textual-serve.

A real server is started on a free port of 127.0.0.1 against the test's store: its page answers,
and a browser session (the page's websocket, spoken here with aiohttp) gets the counter's
sign-in screen from the kfdesk process the server starts for it. The command each session runs
is read from the server's first line and checked to be the counter without a subcommand on the
same store, language and clock — which the CLI opens signed in as nobody, even on a demo store.
Listening beyond this machine needs ``--allow-remote`` and warns.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import types
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from kfdesk.__main__ import build_parser, main
from kfdesk.clock import FixedClock
from kfdesk.i18n import t
from kfdesk.serve_cli import is_local

NOW = "2026-10-09T10:00"
# Terminal escapes (colours, cursor moves, modes) between the words of a screen.
ESCAPES = re.compile(r"\x1b\[[0-9;?$<>=]*[A-Za-z~]|\x1b\][^\x07]*\x07|\x1b[=>78]")


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No user settings, no KFDESK_DB, a data directory under tmp (also for the server)."""
    monkeypatch.setenv("KFDESK_CONFIG", str(tmp_path / "no-settings.toml"))
    monkeypatch.delenv("KFDESK_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served:
    def __init__(self, proc: subprocess.Popen, port: int, out: Path, err: Path) -> None:
        self.proc, self.port, self.out, self.err = proc, port, out, err
        self.url = f"http://127.0.0.1:{port}"

    def first_line(self) -> str:
        return self.out.read_text(encoding="utf-8").splitlines()[0]


@pytest.fixture
def served(office: dict, store: Path, env: Path) -> Iterator[Served]:
    """``kfdesk serve`` on a free port of 127.0.0.1, stopped (with every session it started)
    at teardown."""
    with _serving(store, env) as running:
        yield running


@contextlib.contextmanager
def _serving(store: Path, env: Path, extra: tuple[str, ...] = (),
             port: int | None = None, scheme: str = "http") -> Iterator[Served]:
    port = port or _free_port()
    out, err = env / "serve.out", env / "serve.err"
    with out.open("wb") as o, err.open("wb") as e:
        # Its own process group: the teardown stops the server and the sessions it started.
        proc = subprocess.Popen(
            [sys.executable, "-m", "kfdesk", "serve", "--db", str(store), "--port", str(port),
             "--lang", "zh", "--now", NOW, *extra],
            stdout=o, stderr=e, stdin=subprocess.DEVNULL, start_new_session=True, cwd=env)
    try:
        for _ in range(300):  # until it answers (bounded: a broken server fails, not hangs)
            if proc.poll() is not None:
                pytest.fail(f"kfdesk serve exited: {err.read_text(encoding='utf-8')}")
            try:
                with urllib.request.urlopen(f"{scheme}://127.0.0.1:{port}/", timeout=5,
                                            context=_INSECURE if scheme == "https" else None):
                    break
            except urllib.error.HTTPError:
                break  # it answers (a refusal without the token is an answer)
            except OSError:
                proc_wait(proc, 0.1)
        else:
            pytest.fail("kfdesk serve never answered")
        yield Served(proc, port, out, err)
    finally:
        _stop(proc)


_INSECURE = ssl.create_default_context()
_INSECURE.check_hostname = False
_INSECURE.verify_mode = ssl.CERT_NONE  # the test's self-signed certificate


def proc_wait(proc: subprocess.Popen, seconds: float) -> None:
    try:
        proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        pass


def _stop(proc: subprocess.Popen) -> None:
    """Stop the server, then whatever of its group is left (the sessions it started)."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)  # the server's own clean shutdown
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        pass
    except ProcessLookupError:
        return
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def test_the_page_answers_on_localhost_and_a_browser_session_opens_on_sign_in(
        served: Served) -> None:
    with urllib.request.urlopen(served.url + "/", timeout=10) as response:
        assert response.status == 200
        page = response.read().decode("utf-8")
    assert "textual.js" in page  # textual-serve's terminal page …
    assert f'data-session-websocket-url="ws://127.0.0.1:{served.port}/ws"' in page
    assert t("serve.title", lang="zh", office="物业客户服务中心") in page  # … for the counter

    screen = asyncio.run(_browser_session(served.url))
    assert t("ui.signin.title", lang="zh") in screen
    assert t("ui.signin.login", lang="zh") in screen and t("ui.signin.pin", lang="zh") in screen


async def _browser_session(url: str) -> str:
    """What a browser shows: the terminal output of the session's kfdesk, escapes removed,
    up to the sign-in title (or what came when the session ended)."""
    import aiohttp

    wanted = t("ui.signin.title", lang="zh")
    received = b""
    async with aiohttp.ClientSession() as http, http.ws_connect(
            f"{url}/ws?width=100&height=30") as ws:
        for _ in range(2000):  # bounded: a session that never paints fails, not hangs
            message = await asyncio.wait_for(ws.receive(), timeout=60)
            if message.type != aiohttp.WSMsgType.BINARY:
                if message.type == aiohttp.WSMsgType.TEXT:
                    continue
                break
            received += message.data
            screen = ESCAPES.sub("", received.decode("utf-8", "replace"))
            if wanted in screen:
                break
    return ESCAPES.sub("", received.decode("utf-8", "replace"))


def _session_argv(served: Served) -> list[str]:
    prefix = t("serve.started", lang="zh", url=served.url, command="")
    line = served.first_line()
    assert line.startswith(prefix), line
    return shlex.split(line[len(prefix):])


async def test_each_session_runs_the_counter_on_sign_in_with_the_same_options(
        served: Served, store: Path, clock: FixedClock, monkeypatch: pytest.MonkeyPatch) -> None:
    argv = _session_argv(served)
    assert argv[:3] == [sys.executable, "-m", "kfdesk"]
    options = build_parser().parse_args(argv[3:])
    assert options.command is None  # the counter itself: not `demo`, which signs in
    assert (options.db, options.lang, options.now) == (str(store), "zh", NOW)

    # The CLI on exactly those arguments, on a store that even looks like a demo, opens the
    # app signed in as nobody; the app then shows its sign-in screen.
    from kfdesk.desk.base import audit, transaction

    with transaction():
        audit(None, clock, "demo.build", None, seed=1, clerk="clerk")
    opened: dict = {}
    monkeypatch.setattr("kfdesk.__main__._run_app",
                        lambda session, signed_in, lang, bench_exit: opened.update(
                            session=session, signed_in=signed_in, lang=lang) or 0)
    assert main(argv[3:]) == 0
    assert opened["signed_in"] is None and opened["lang"] == "zh"

    from kfdesk_screens.app import KfDeskApp
    from kfdesk_screens.signin import SignInScreen

    app = KfDeskApp(opened["session"], lang=opened["lang"], signed_in=None, cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, SignInScreen)
        assert app.session.staff is None


def test_another_host_is_refused_without_allow_remote(office: dict, store: Path, env: Path,
                                                      capsys: pytest.CaptureFixture) -> None:
    for host in ("0.0.0.0", "192.168.1.20", "counter.example", "::"):
        assert main(["serve", "--db", str(store), "--host", host, "--lang", "en"]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and host in err and "--allow-remote" in err


def _self_signed(folder: Path) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=counter.local", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def test_allow_remote_serves_with_a_warning(office: dict, store: Path, env: Path,
                                            capsys: pytest.CaptureFixture,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """With --allow-remote, a certificate and key, it serves over TLS (the server is stubbed
    here: nothing is bound), says the counter is reachable from the network and shows the
    access token it made once (issue 19)."""
    cert, key = _self_signed(env)
    started: list = []

    def build(command: str, **kw: object) -> object:
        started.append((kw["host"], kw["port"], command, kw["guard"], kw["tls"]))
        return types.SimpleNamespace(serve=lambda: None)

    monkeypatch.setattr("kfdesk.serve_web.build_server", build)
    assert main(["serve", "--db", str(store), "--host", "0.0.0.0", "--allow-remote",
                 "--cert", str(cert), "--key", str(key),
                 "--public-url", "https://counter.local:8000", "--lang", "en"]) == 0
    captured = capsys.readouterr()
    assert "reachable from the network" in captured.err and "0.0.0.0:8000" in captured.err
    assert [(h, p) for h, p, *_ in started] == [("0.0.0.0", 8000)]
    assert "-m kfdesk --db" in started[0][2] and " demo" not in started[0][2]
    guard, tls = started[0][3], started[0][4]
    assert tls is not None and guard.token and len(guard.token) >= 16
    assert captured.out.count(guard.token) == 1  # shown once, on start
    assert guard.max_sessions == 4 and guard.origins == frozenset({"https://counter.local:8000"})


def test_allow_remote_without_certificate_refuses_to_start(office: dict, store: Path, env: Path,
                                                           capsys: pytest.CaptureFixture,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    """Issue 19: beyond this machine, no TLS means no serving — one line, nothing bound."""
    monkeypatch.setattr("kfdesk.serve_web.build_server",
                        lambda *a, **kw: pytest.fail("served without TLS"))
    assert main(["serve", "--db", str(store), "--host", "0.0.0.0", "--allow-remote",
                 "--lang", "en"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--cert" in err and "--key" in err and "0.0.0.0" in err
    assert main(["serve", "--db", str(store), "--host", "0.0.0.0", "--allow-remote",
                 "--cert", str(env / "none.pem"), "--key", str(env / "none.key"),
                 "--lang", "en"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Cannot use the TLS certificate" in err
    cert, key = _self_signed(env)
    (env / "token").write_text("short\n", encoding="utf-8")
    assert main(["serve", "--db", str(store), "--host", "0.0.0.0", "--allow-remote",
                 "--cert", str(cert), "--key", str(key), "--token-file", str(env / "token"),
                 "--lang", "en"]) == 1
    assert "too short" in capsys.readouterr().err


def test_a_foreign_origin_cannot_open_a_session(served: Served) -> None:
    """Issue 19: a web page of another site open in the counter PC's browser cannot reach the
    counter: its websocket (Origin http://evil.example, or a name rebound to 127.0.0.1) is
    refused before any kfdesk process starts; the served page's own origin is let in."""
    import aiohttp

    async def status(origin: str) -> int:
        async with aiohttp.ClientSession() as http:
            try:
                async with http.ws_connect(f"{served.url}/ws?width=80&height=24",
                                           headers={"Origin": origin}) as ws:
                    await ws.close()
                    return 101
            except aiohttp.WSServerHandshakeError as exc:
                return exc.status

    async def probe() -> list[int]:
        return [await asyncio.wait_for(status(o), timeout=30) for o in (
            "http://evil.example", f"http://evil.example:{served.port}", "null",
            served.url)]

    assert asyncio.run(probe()) == [403, 403, 403, 101]


def test_the_served_page_calls_no_outside_host_and_speaks_the_office_language(
        served: Served) -> None:
    with urllib.request.urlopen(served.url + "/", timeout=10) as response:
        page = response.read().decode("utf-8")
    hosts = set(re.findall(r"(?:https?:|wss?:)?//([A-Za-z0-9.\-\[\]:]+)", page))
    assert hosts and all(h.split(":")[0] == "127.0.0.1" for h in hosts), hosts
    assert "fonts/RobotoMono" in page and 'rel="icon"' in page
    assert t("serve.page.ended", lang="zh") in page and "Session ended" not in page
    assert "beforeunload" in page and "xterm-helper-textarea" in page  # asks; focuses
    for path in ("/favicon.ico", "/static/fonts/RobotoMono-VariableFont_wght.ttf"):
        with urllib.request.urlopen(served.url + path, timeout=10) as response:
            assert response.status == 200 and response.read()


def test_at_most_max_sessions_at_once(office: dict, store: Path, env: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 19: setting serve.max_sessions caps the sessions (each a kfdesk process); one
    more is refused with 503 until one ends."""
    import aiohttp

    monkeypatch.setenv("KFDESK_SERVE__MAX_SESSIONS", "1")
    with _serving(store, env) as served:
        async def run() -> tuple[int, int]:
            async with aiohttp.ClientSession() as http:
                first = await http.ws_connect(f"{served.url}/ws?width=80&height=24")
                await asyncio.wait_for(first.receive(), timeout=60)  # its session is running
                try:
                    async with http.ws_connect(f"{served.url}/ws?width=80&height=24"):
                        second = 101
                except aiohttp.WSServerHandshakeError as exc:
                    second = exc.status
                await first.close()
                for _ in range(100):  # the slot comes back once the first session ended
                    try:
                        async with http.ws_connect(f"{served.url}/ws?width=80&height=24"):
                            return second, 101
                    except aiohttp.WSServerHandshakeError:
                        await asyncio.sleep(0.2)
                return second, 503

        assert asyncio.run(asyncio.wait_for(run(), timeout=120)) == (503, 101)


def test_nothing_is_served_for_a_store_that_cannot_open(env: Path,
                                                        capsys: pytest.CaptureFixture) -> None:
    assert main(["serve", "--db", str(env / "nowhere.db"), "--lang", "en"]) == 1
    assert "No database at" in capsys.readouterr().err


@pytest.mark.parametrize(("host", "local"), [
    ("127.0.0.1", True), ("localhost", True), ("::1", True), ("[::1]", True),
    ("127.0.0.2", True), ("0.0.0.0", False), ("::", False), ("10.0.0.5", False),
    ("office-pc", False),
])
def test_only_loopback_is_local(host: str, local: bool) -> None:
    assert is_local(host) is local


def test_allow_remote_serves_over_tls_only_to_a_browser_with_the_token(
        office: dict, store: Path, env: Path) -> None:
    """Issue 19: beyond this machine the page and the websocket answer only over TLS and only
    a browser that presented the access token once (then a secure, HttpOnly cookie)."""
    import aiohttp

    cert, key = _self_signed(env)
    token = "a-long-office-token-0123456789"
    (env / "token").write_text(token + "\n", encoding="utf-8")
    port = _free_port()
    url = f"https://127.0.0.1:{port}"
    extra = ("--host", "0.0.0.0", "--allow-remote", "--cert", str(cert), "--key", str(key),
             "--token-file", str(env / "token"), "--public-url", url)
    with _serving(store, env, extra, port=port, scheme="https") as served:
        assert token not in served.out.read_text(encoding="utf-8")  # read, not shown

        async def run() -> list[object]:
            seen: list[object] = []
            async with aiohttp.ClientSession(  # unsafe: keep cookies of an IP address
                    connector=aiohttp.TCPConnector(ssl=_INSECURE),
                    cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
                async with http.get(f"{url}/") as r:
                    seen.append(r.status)
                async with http.get(f"{url}/?token=wrong-token-wrong-token") as r:
                    seen.append(r.status)
                try:
                    async with http.ws_connect(f"{url}/ws", headers={"Origin": url}):
                        seen.append(101)
                except aiohttp.WSServerHandshakeError as exc:
                    seen.append(exc.status)
                async with http.get(f"{url}/?token={token}", allow_redirects=False) as r:
                    seen.append(r.status)
                    cookie = r.headers.get("Set-Cookie", "")
                    seen.append(all(w in cookie for w in ("HttpOnly", "Secure", "Strict")))
                    seen.append(r.headers.get("Location"))
                async with http.get(f"{url}/") as r:
                    seen.append(r.status)
                async with http.ws_connect(f"{url}/ws?width=80&height=24",
                                           headers={"Origin": url}) as ws:
                    await asyncio.wait_for(ws.receive(), timeout=60)
                    seen.append(101)
            return seen

        assert asyncio.run(asyncio.wait_for(run(), timeout=120)) == [
            403, 403, 403, 302, True, "/", 200, 101]
        del served
