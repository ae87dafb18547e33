"""gunicorn settings: `gunicorn -c python:claims.serving app:app`.

Checks the database once when the master starts, so that an unreachable database or a schema
behind the code is one clear line on the console instead of a traceback in every worker.
"""

from __future__ import annotations

import gc
import os
import socket
import weakref
from typing import Any


def default_workers() -> int:
    """One worker per core this process may run on (its CPU affinity; a CPU quota is not seen),
    and one more: a page is mostly the worker's own CPU (SQLite is in process), so more
    workers than that share the cores and the longest pages wait longest. Measured on 2 cores
    under the benchmark's mixed load (README, Benchmarks): 3 workers served more requests per
    second than 4, with the claim page's p95 5-9 ms lower. A fetch of an article or a source
    holds its worker for up to its timeout: where fetches are frequent, or the database is
    PostgreSQL on another machine (a worker then waits on the network), set CLAIMS_WORKERS
    higher."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return cores + 1


bind = os.environ.get("CLAIMS_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("CLAIMS_WORKERS") or default_workers())
# Fetches of articles and sources can take seconds; keep workers alive past them.
timeout = 60
accesslog = "-"


def on_starting(server: Any) -> None:
    """Refuse to start when the database cannot serve requests."""
    from claims import create_app
    from claims.db import check_ready
    from claims.errors import ClaimsError

    try:
        app = create_app()
        check_ready(app.config["DATABASE_URL"])
    except ClaimsError as exc:
        raise SystemExit(f"claims: {exc.message}") from None


def post_worker_init(worker: Any) -> None:
    """Once a worker has loaded the application: close connections at once when nothing is
    left unread (`close_promptly`), compile its templates (`compile_templates`), then settle
    its heap (`settle_heap`)."""
    close_promptly()
    compile_templates(worker.wsgi)
    settle_heap()


def close_promptly() -> bool:
    """Make gunicorn close a finished connection at once when its request was read to the end
    and nothing more waits unread; returns whether it did (gunicorn versions that close at once
    anyway need nothing).

    gunicorn 27 closes each connection by sending its end and then waiting, up to 2 s, for the
    client to close its own (RFC 9112, section 9.6): closing a socket with unread request data
    in it makes the kernel answer with a reset, which can cut off the response before the
    client reads it. A sync worker waits there instead of taking the next request: on average
    0.5 ms a request under the benchmark's load (the client must be scheduled to read and
    close), a network round trip or more for a browser. So the worker closes at once only after
    a request whose body (if any) was read to its end (`post_request` says so) and when no
    byte waits in the socket; after a body refused on its headers (too large, not allowed),
    an error before the request was parsed, or on a TLS socket (which cannot peek), it waits
    as gunicorn does."""
    from gunicorn import util

    lingering = getattr(util, "close_graceful", None)
    if lingering is None or getattr(lingering, "__name__", "") == "close_connection":
        return False

    def close_connection(sock: socket.socket, *args: Any, **kwargs: Any) -> None:
        read_through = sock in _read_through
        _read_through.discard(sock)
        if read_through and not unread_input(sock):
            util.close(sock)
        else:
            lingering(sock, *args, **kwargs)

    util.close_graceful = close_connection
    return True


# Connections whose latest request was read to its end (kept-alive ones carry the mark of the
# request they answered last): see close_promptly.
_read_through: weakref.WeakSet[socket.socket] = weakref.WeakSet()


def post_request(worker: Any, req: Any, environ: Any, resp: Any) -> None:
    """After each request: mark its connection when the request was read to its end."""
    sock = getattr(getattr(req, "unreader", None), "sock", None)
    if sock is None:
        return
    if read_to_the_end(req):
        _read_through.add(sock)
    else:
        _read_through.discard(sock)


def read_to_the_end(req: Any) -> bool:
    """Whether gunicorn read a request's body to its end (no body counts as read)."""
    from gunicorn.http.body import ChunkedReader, EOFReader, LengthReader

    body = getattr(req, "body", None)
    if body is None or getattr(body, "failed", False):
        return False
    reader = body.reader
    if isinstance(reader, LengthReader):
        return bool(reader.length == 0)
    if isinstance(reader, ChunkedReader):
        return reader.parser is None
    if isinstance(reader, EOFReader):
        return bool(reader.finished)
    return False


def unread_input(sock: socket.socket) -> bool:
    """Whether bytes from the client wait unread in the socket (True when the socket cannot
    tell: a TLS socket cannot peek)."""
    try:
        sock.setblocking(False)  # a socket with a timeout would wait for data before peeking
        return bool(sock.recv(1, socket.MSG_PEEK))
    except BlockingIOError:
        return False  # nothing waiting
    except ValueError:
        return True
    except OSError:
        return False  # the connection is gone: nothing to protect


def compile_templates(app: Any) -> int:
    """Compile every page template now, before the worker takes its first request; returns how
    many. Jinja compiles a template the first time it is drawn (a quarter of a second for the
    34 of them), which each new worker otherwise did inside its first users' requests."""
    env = getattr(app, "jinja_env", None)
    if env is None:  # not the Flask application (a test's stand-in)
        return 0
    names = env.list_templates(filter_func=lambda name: name.endswith(".html"))
    for name in names:
        env.get_template(name)
    return len(names)


def settle_heap() -> None:
    """Move everything alive once the application is loaded (modules, templates, the app, the
    extraction models) out of the garbage collector's sight. Otherwise each full collection,
    every few requests of a large page, walks all of it: a measured 40 ms added to one article
    page in ten (p95 67 ms against p50 28 ms)."""
    gc.collect()
    gc.freeze()
