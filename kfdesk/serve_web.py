"""The web server behind ``kfdesk serve`` (issue 19): textual-serve, made safe for a counter.

textual-serve alone lets any web page in the counter PC's browser open a session (its websocket
takes every Origin), starts a process for every connection without limit, sends the page to an
outside font host and has no icon. ``build_server`` returns its ``Server`` with:

- the websocket refused (403) unless its Origin is the served address itself — a browser always
  sends Origin, so a foreign page (``http://evil.example``, or a rebound name pointing at
  127.0.0.1) cannot drive the counter; a client that sends none is not a browser page;
- at most ``max_sessions`` sessions at once (503 for one more), each one kfdesk process;
- with an access token (``--allow-remote``): the page and the websocket answer only a browser
  that opened ``/?token=…`` once (then an HttpOnly, Secure, SameSite=Strict cookie), compared in
  constant time; TLS from ``--cert``/``--key``;
- the page from ``kfdesk_data/serve/app_index.html``: fonts and icon from this server, the
  terminal focused on load, a question before leaving a live session, and "session ended" in
  the office's language.

textual-serve (and with it rich) is imported only inside ``build_server``: the core stays free
of UI modules (ARCHITECTURE: core/UI split) and ``kfdesk`` starts without them.
"""

from __future__ import annotations

import hmac
import ssl
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from kfdesk_data import shipped

TOKEN_COOKIE = "kfdesk_token"


@dataclass(frozen=True)
class Guard:
    """What a request must satisfy: its Origin (for the websocket), the session cap and, when
    serving beyond this machine, the access token."""

    origins: frozenset[str]
    max_sessions: int
    token: str | None = None

    def origin_allowed(self, origin: str | None) -> bool:
        """A browser page of the served address (or no Origin: not a browser page)."""
        return origin is None or origin.rstrip("/").lower() in self.origins

    def token_ok(self, offered: str | None) -> bool:
        """Whether ``offered`` is the access token (always true without one)."""
        if self.token is None:
            return True
        return offered is not None and hmac.compare_digest(offered.encode(), self.token.encode())


def origins_of(public_url: str, host: str, port: int, local: bool) -> frozenset[str]:
    """The origins a page of this server has: the public URL's, and on loopback the usual
    spellings of this machine (a clerk may type localhost where 127.0.0.1 was printed)."""
    parts = urlsplit(public_url)
    origins = {f"{parts.scheme}://{parts.netloc}".lower()}
    if local:
        for name in ("127.0.0.1", "localhost", "[::1]"):
            origins.add(f"{parts.scheme}://{name}:{port}")
    return frozenset(origins)


def tls_context(cert: str, key: str) -> ssl.SSLContext:
    """A server TLS context from PEM files (``ssl.SSLError``/``OSError`` when unusable)."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    return context


def build_server(command: str, *, host: str, port: int, public_url: str, title: str,
                 guard: Guard, texts: dict[str, str], tls: ssl.SSLContext | None) -> Any:
    """textual-serve's ``Server`` with the guard, the local page and TLS (see the module)."""
    import aiohttp_jinja2
    from aiohttp import web
    from textual_serve.server import Server

    class CounterServer(Server):
        sessions = 0

        async def _make_app(self) -> web.Application:
            app = await super()._make_app()
            app.router.add_get("/favicon.ico", self.handle_icon)
            app.router.add_get("/favicon.svg", self.handle_icon)
            return app

        async def handle_icon(self, request: web.Request) -> web.StreamResponse:
            return web.FileResponse(shipped("serve", "favicon.svg"),
                                    headers={"Content-Type": "image/svg+xml"})

        async def handle_index(self, request: web.Request) -> Any:
            offered = request.query.get("token")
            if guard.token is not None and offered is not None:
                if not guard.token_ok(offered):
                    raise web.HTTPForbidden(text=texts["forbidden"])
                # The token leaves the address bar (and the history) at once; the cookie
                # carries it from here on, never readable by a script nor sent elsewhere.
                response = web.HTTPFound("/")
                response.set_cookie(TOKEN_COOKIE, offered, httponly=True, secure=True,
                                    samesite="Strict")
                raise response
            if not guard.token_ok(request.cookies.get(TOKEN_COOKIE)):
                raise web.HTTPForbidden(text=texts["forbidden"])
            return aiohttp_jinja2.render_template("app_index.html", request,
                                                  self.page_context(request))

        def page_context(self, request: web.Request) -> dict[str, Any]:
            # As textual-serve's own index builds it, plus the office's words for the page.
            static = request.app.router["static"].url_for(filename="/")
            websocket = f"{self.public_url}{request.app.router['websocket'].url_for()}"
            scheme = "wss:" if self.public_url.startswith("https") else "ws:"
            try:
                font_size = int(request.query.get("fontsize", "16"))
            except ValueError:
                font_size = 16
            return {
                "font_size": max(8, min(font_size, 48)),
                "app_websocket_url": scheme + websocket.split(":", 1)[1],
                "config": {"static": {"url": f"{self.public_url}{static}".rstrip("/") + "/"}},
                "application": {"name": self.title},
                "text": texts,
            }

        async def handle_websocket(self, request: web.Request) -> web.StreamResponse:
            if not guard.origin_allowed(request.headers.get("Origin")):
                raise web.HTTPForbidden(text=texts["forbidden"])
            if not guard.token_ok(request.cookies.get(TOKEN_COOKIE)):
                raise web.HTTPForbidden(text=texts["forbidden"])
            if CounterServer.sessions >= guard.max_sessions:
                raise web.HTTPServiceUnavailable(text=texts["busy"])
            CounterServer.sessions += 1
            try:
                return await super().handle_websocket(request)
            finally:
                CounterServer.sessions -= 1

        def serve(self, debug: bool = False) -> None:
            # textual-serve's own serve() has no TLS: the same run, with the context.
            import asyncio
            import signal

            self.debug = debug
            self.initialize_logging()
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            try:
                loop.add_signal_handler(signal.SIGINT, self.request_exit)
                loop.add_signal_handler(signal.SIGTERM, self.request_exit)
            except NotImplementedError:
                pass
            web.run_app(self._make_app(), host=self.host, port=self.port, handle_signals=False,
                        loop=loop, ssl_context=tls, print=lambda *args: None)

    return CounterServer(command, host=host, port=port, title=title, public_url=public_url,
                         templates_path=shipped("serve"))
