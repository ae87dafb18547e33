"""A programmable HTTP(S) server on 127.0.0.1 for fetcher tests.

`LoopbackServer` runs `http.server` in a thread on an ephemeral port and answers each path with a
route: a function of the request handler. The builders below make the routes the fetcher's tests
need (pages, redirects, slow or huge or compressed bodies, content types, error statuses). Every
slow route gives up when the client goes away or the server stops, so tests stay bounded.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import socketserver
import ssl
import subprocess
import threading
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.netguard import NetworkGuard

Route = Callable[["Handler"], None]
PAGE = b"<!doctype html><title>Test page</title><p>A claim about 42 percent.</p>"
# Bounds for the endless kinds of response: long enough to pass any cap a test sets.
HUGE_BYTES = 50 * 1024 * 1024
TRICKLE_INTERVAL = 0.2
SLOW_FOR = 10.0
_CLIENT_GONE = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, ssl.SSLError)


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server received it."""

    method: str
    path: str
    headers: dict[str, str]


class Handler(BaseHTTPRequestHandler):
    """Looks the path up in the server's routes; records the request first."""

    server: LoopbackServer
    protocol_version = "HTTP/1.1"
    timeout = 5

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        self.server.record(
            RecordedRequest(
                self.command, self.path, {k.lower(): v for k, v in self.headers.items()}
            )
        )
        route = self.server.routes.get(path) or self.server.prefix_route(path)
        self.close_connection = True
        with contextlib.suppress(*_CLIENT_GONE):
            route(self)

    do_HEAD = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        pass

    @property
    def query(self) -> dict[str, str]:
        """The query string's parameters (first value of each)."""
        return {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}

    @property
    def stopping(self) -> threading.Event:
        """Set when the server is shutting down: slow routes stop waiting."""
        return self.server.stopping

    def respond(
        self,
        status: int = 200,
        body: bytes = b"",
        content_type: str | None = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        """Send a complete response with a Content-Length."""
        self.send_response(status)
        if content_type is not None:
            self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


class LoopbackServer(ThreadingHTTPServer):
    """http.server on 127.0.0.1, on an ephemeral port, optionally with TLS."""

    daemon_threads = True

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.tls = tls
        self.routes: dict[str, Route] = {}
        self.prefixes: dict[str, Route] = {}
        self.fallback: Route = status(404)
        self.requests: list[RecordedRequest] = []
        self.server_names: list[str | None] = []
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05})
        self._thread.daemon = True
        if tls is not None:
            tls.sni_callback = self._record_sni

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks the address up with getfqdn; nothing needs the name here.
        socketserver.TCPServer.server_bind(self)
        self.server_name = "127.0.0.1"
        self.server_port = self.server_address[1]

    @property
    def port(self) -> int:
        """The ephemeral port the server listens on."""
        return int(self.server_address[1])

    @property
    def netloc(self) -> str:
        """127.0.0.1:<port>, as an allow-list entry names it."""
        return f"127.0.0.1:{self.port}"

    def url(self, path: str = "/page", host: str = "127.0.0.1") -> str:
        """An absolute URL of this server."""
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{host}:{self.port}{path}"

    def route(self, path: str, handler: Route) -> None:
        """Answer requests for exactly this path with `handler`."""
        self.routes[path] = handler

    def route_prefix(self, prefix: str, handler: Route) -> None:
        """Answer requests for paths starting with `prefix` with `handler`."""
        self.prefixes[prefix] = handler

    def prefix_route(self, path: str) -> Route:
        """The handler of the longest matching prefix, or the fallback."""
        for prefix in sorted(self.prefixes, key=len, reverse=True):
            if path.startswith(prefix):
                return self.prefixes[prefix]
        return self.fallback

    def record(self, request: RecordedRequest) -> None:
        """Keep a request for the test to inspect."""
        with self._lock:
            self.requests.append(request)

    def paths(self) -> list[str]:
        """The paths requested so far, in order."""
        with self._lock:
            return [r.path for r in self.requests]

    def finish_request(self, request: Any, client_address: Any) -> None:
        # TLS is set up in the handler's thread, so a client that never finishes the handshake
        # blocks nobody else.
        if self.tls is None:
            super().finish_request(request, client_address)
            return
        try:
            request.settimeout(5)
            wrapped = self.tls.wrap_socket(request, server_side=True)
        except (OSError, ssl.SSLError):
            return
        try:
            super().finish_request(wrapped, client_address)
        finally:
            self.shutdown_request(wrapped)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hangs up mid-response is what many tests do on purpose

    def _record_sni(self, sslobj: Any, name: str | None, context: Any) -> None:
        self.server_names.append(name)

    def start(self) -> LoopbackServer:
        """Serve in a daemon thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, release slow handlers, close the socket."""
        self.stopping.set()
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=5)


def page(
    body: bytes = PAGE, content_type: str | None = "text/html; charset=utf-8", **headers: str
) -> Route:
    """A 200 response with this body and content type."""
    return lambda h: h.respond(200, body, content_type, headers)


def status(code: int) -> Route:
    """An empty-ish response with this status."""
    return lambda h: h.respond(code, f"status {code}".encode(), "text/plain")


def redirect(location: str | Callable[[], str], code: int = 302) -> Route:
    """A redirect to `location` (or to what the callable returns when asked)."""

    def route(h: Handler) -> None:
        target = location() if callable(location) else location
        h.respond(code, b"", "text/plain", {"Location": target})

    return route


def redirect_to(h: Handler) -> None:
    """/redirect-to?url=...&status=...: redirect wherever the query says (like httpbin)."""
    h.respond(int(h.query.get("status", "302")), b"", "text/plain", {"Location": h.query["url"]})


def chain(h: Handler) -> None:
    """/chain/<n>: n redirects, then the page."""
    remaining = int(h.path.rsplit("/", 1)[1])
    if remaining <= 0:
        h.respond(200, PAGE)
    else:
        h.respond(302, b"", "text/plain", {"Location": f"/chain/{remaining - 1}"})


def status_route(h: Handler) -> None:
    """/status/<code>: answer with that status."""
    code = int(h.path.rsplit("/", 1)[1])
    h.respond(code, f"status {code}".encode(), "text/plain")


def set_cookie_then(location: str) -> Route:
    """A redirect that also sets a cookie (to see whether the fetcher sends it back)."""
    return lambda h: h.respond(
        302, b"", "text/plain", {"Location": location, "Set-Cookie": "sid=secret; Path=/"}
    )


def trickle(
    total: int = 100, interval: float = TRICKLE_INTERVAL, content_length: bool = True
) -> Route:
    """A body of `total` bytes sent one byte per `interval` seconds."""

    def route(h: Handler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/plain")
        if content_length:
            h.send_header("Content-Length", str(total))
        h.send_header("Connection", "close")
        h.end_headers()
        h.wfile.flush()
        for _ in range(total):
            if h.stopping.wait(interval):
                return
            h.wfile.write(b"x")
            h.wfile.flush()

    return route


def slow_headers(interval: float = TRICKLE_INTERVAL, lasting: float = SLOW_FOR) -> Route:
    """A status line, then header bytes one per `interval` seconds for `lasting` seconds."""

    def route(h: Handler) -> None:
        h.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        h.wfile.flush()
        for _ in range(int(lasting / interval)):
            if h.stopping.wait(interval):
                return
            h.wfile.write(b"a")
            h.wfile.flush()
        h.wfile.write(b"\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok")

    return route


def silent(lasting: float = SLOW_FOR) -> Route:
    """Accept the request, then say nothing for `lasting` seconds."""

    def route(h: Handler) -> None:
        if not h.stopping.wait(lasting):
            h.respond(200, b"late", "text/plain")

    return route


def huge(total: int = HUGE_BYTES, framing: str = "chunked", declared: int | None = None) -> Route:
    """A body of `total` bytes, framed "chunked", "length" (Content-Length) or "close" (EOF)."""

    def route(h: Handler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/plain")
        if framing == "chunked":
            h.send_header("Transfer-Encoding", "chunked")
        elif framing == "length":
            h.send_header("Content-Length", str(declared if declared is not None else total))
        h.send_header("Connection", "close")
        h.end_headers()
        block = b"y" * 65536
        sent = 0
        while sent < total and not h.stopping.is_set():
            piece = block[: total - sent]
            h.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece) if framing == "chunked" else piece)
            sent += len(piece)
        if framing == "chunked":
            h.wfile.write(b"0\r\n\r\n")

    return route


@functools.cache
def bomb(inflated: int = HUGE_BYTES, encoding: str = "gzip") -> bytes:
    """`inflated` zero bytes, gzip- or deflate-compressed (about 1/1000 of the size); cached."""
    wbits = 31 if encoding == "gzip" else 15
    compressor = zlib.compressobj(9, zlib.DEFLATED, wbits)
    block = bytes(1024 * 1024)
    parts = [compressor.compress(block[: min(len(block), inflated - done)])
             for done in range(0, inflated, len(block))]  # fmt: skip
    return b"".join([*parts, compressor.flush()])


def compressed(inflated: int = HUGE_BYTES, encoding: str = "gzip") -> Route:
    """A body of `inflated` zero bytes, sent with Content-Encoding gzip or deflate."""
    return lambda h: h.respond(
        200, bomb(inflated, encoding), "text/plain", {"Content-Encoding": encoding}
    )


def install_standard_routes(server: LoopbackServer) -> None:
    """The routes every fetcher test may use, named by what they do."""
    server.route("/page", page())
    server.route("/redirect-to", redirect_to)
    server.route("/redirect/self", redirect("/page"))
    server.route("/redirect/loopback2", redirect(lambda: f"http://127.0.0.2:{server.port}/page"))
    server.route("/redirect/metadata", redirect("http://169.254.169.254/latest/meta-data/"))
    server.route("/redirect/cookie", set_cookie_then("/page"))
    server.route_prefix("/chain/", chain)
    server.route_prefix("/status/", status_route)
    server.route("/slow-headers", slow_headers())
    server.route("/silent", silent())
    server.route("/trickle", trickle())
    server.route("/trickle-unframed", trickle(content_length=False))
    server.route("/huge/length", huge(framing="length"))
    server.route("/huge/chunked", huge(framing="chunked"))
    server.route("/huge/close", huge(framing="close"))
    server.route("/gzip-bomb", compressed(encoding="gzip"))
    server.route("/deflate-bomb", compressed(encoding="deflate"))
    server.route("/gzip-page", page(gzip.compress(PAGE), **{"Content-Encoding": "gzip"}))
    server.route("/type/xhtml", page(content_type="application/xhtml+xml"))
    server.route("/type/text", page(b"plain text", "text/plain; charset=ISO-8859-1"))
    server.route("/type/pdf", page(b"%PDF-1.4\n%%EOF\n", "application/pdf"))
    server.route("/type/png", page(b"\x89PNG\r\n\x1a\n", "image/png"))
    server.route("/type/json", page(b"{}", "application/json"))
    server.route("/type/svg", page(b"<svg/>", "image/svg+xml"))
    server.route("/type/none", page(b"no type", None))
    server.route("/type/garbage", page(b"garbage", "garbage"))


def make_certificate(directory: Path, names: list[str]) -> tuple[Path, Path]:
    """A self-signed certificate (its own CA) for these DNS names, made by the openssl tool."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    san = ",".join(f"DNS:{name}" for name in names)
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-days", "2", "-subj", "/CN=claims-tracker test server",
            "-addext", f"subjectAltName={san}", "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )  # fmt: skip
    return cert, key


def start_server(guard: NetworkGuard, tls: tuple[Path, Path] | None = None) -> LoopbackServer:
    """A started server with the standard routes, its port opened in the socket guard."""
    context = None
    if tls is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*tls)
    server = LoopbackServer(context)
    install_standard_routes(server)
    guard.allow_port(server.port)
    return server.start()


@pytest.fixture
def loopback_server(no_network: NetworkGuard) -> Iterator[LoopbackServer]:
    """A plain-HTTP LoopbackServer for one test (needs `no_network` importable beside it)."""
    server = start_server(no_network)
    yield server
    server.stop()
