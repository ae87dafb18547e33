"""Concurrent load: gunicorn on loopback, and closed-loop HTTP clients mixing reads and writes.

Each client is a thread that sends a request, waits for the whole answer, and sends the next,
for a fixed time; the threads run in a few processes so that the load generator is not held
back by one interpreter's lock. Pages are read with the session cookie of a user who signed in
through the login form; writes go through the JSON API with that user's bearer token and the
version they just read (compare-and-set): a 409 is the expected answer when another client
saved first, counted apart from errors. Every write answered 2xx is remembered, so that lost
updates can be counted against the database afterwards.

This module imports nothing from the application: the client processes stay light.
"""

from __future__ import annotations

import contextlib
import dataclasses
import http.client
import json
import multiprocessing
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# What a write answers when someone else saved first: expected, not an error.
CONFLICT = 409
PAGE_OPS = ("claim page", "article page", "claims list", "dashboard", "queue", "search")
MIX = (
    ("claim page", 30),
    ("article page", 10),
    ("claims list", 10),
    ("dashboard", 10),
    ("queue", 5),
    ("search", 5),
    ("evidence edit", 20),
    ("claim edit", 10),
)


@dataclass(frozen=True)
class Client:
    """A simulated user: a signed-in session and an API token."""

    username: str
    cookie: str
    token: str


@dataclass(frozen=True)
class Plan:
    """What the clients do, for how long, against which records."""

    port: int
    seconds: float
    mix: tuple[tuple[str, int], ...]
    clients: tuple[Client, ...]
    claim_id: int
    claim_ids: tuple[int, ...]
    article_id: int
    article_ids: tuple[int, ...]
    list_urls: tuple[str, ...]
    search_urls: tuple[str, ...]
    hot_evidence: tuple[int, ...]
    hot_claims: tuple[int, ...]
    start_at: float = 0.0


@dataclass
class Outcome:
    """What the clients saw, merged over threads and processes."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    error_count: int = 0
    conflicts: int = 0
    # (kind, id, version the server answered, the value written)
    writes: list[tuple[str, int, int, str]] = field(default_factory=list)
    requests: int = 0
    started: float = float("inf")
    ended: float = 0.0

    def merge(self, other: Outcome) -> None:
        for op, values in other.latencies.items():
            self.latencies[op].extend(values)
        self.statuses.update(other.statuses)
        self.errors += other.errors[: max(0, 20 - len(self.errors))]
        self.error_count += other.error_count
        self.conflicts += other.conflicts
        self.writes += other.writes
        self.requests += other.requests
        self.started = min(self.started, other.started)
        self.ended = max(self.ended, other.ended)

    @property
    def elapsed(self) -> float:
        return max(1e-9, self.ended - self.started)

    @property
    def rate(self) -> float:
        return self.requests / self.elapsed

    def all_latencies(self) -> list[float]:
        return [v for values in self.latencies.values() for v in values]


class Connection:
    """One keep-alive HTTP connection, reopened when the server closes it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn: http.client.HTTPConnection | None = None

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, http.client.HTTPResponse, bytes]:
        for attempt in (1, 2):
            reused = self.conn is not None
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                response = self.conn.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()
                # A kept-alive connection the server had just closed: nothing was processed.
                if reused and attempt == 1:
                    continue
                raise
            if response.will_close:
                self.close()
            return response.status, response, data
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def gunicorn(
    app: str, env: dict[str, str], workers: int, config: str | None, logs: Path
) -> Iterator[int]:
    """Serve `app` with gunicorn on a free loopback port for the block; yields the port. Its
    error log goes to `logs`."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "-b", f"127.0.0.1:{port}", "-w", str(workers)]
    if config:
        command += ["-c", config]
    else:
        command += ["--access-logfile", "-"]  # what claims.serving does, for a fair comparison
    log = open(logs / f"gunicorn-{port}.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [*command, app],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=log,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                log.flush()
                raise RuntimeError(
                    f"gunicorn {app} exited with {process.returncode}; see {log.name}"
                )
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn {app} did not start; see {log.name}") from None
                time.sleep(0.2)
        yield port
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def sign_in(port: int, username: str, password: str) -> str:
    """Sign in through the login form (its CSRF token included); returns the session cookie."""
    conn = Connection(port)
    status, response, data = conn.request("GET", "/login")
    match = _CSRF.search(data.decode())
    if status != 200 or match is None:
        raise RuntimeError(f"GET /login answered {status} without a CSRF token")
    cookie = _cookie(response) or ""
    form = urllib.parse.urlencode(
        {"username": username, "password": password, "csrf_token": match.group(1)}
    ).encode()
    status, response, _ = conn.request(
        "POST",
        "/login",
        body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    conn.close()
    session = _cookie(response)
    if status != 302 or not session:
        raise RuntimeError(f"signing in as {username} answered {status}")
    return session


def _cookie(response: http.client.HTTPResponse) -> str | None:
    header = response.getheader("Set-Cookie")
    return header.split(";", 1)[0] if header else None


# The clients ------------------------------------------------------------------------------------


class Worker:
    """One client thread's loop."""

    def __init__(self, plan: Plan, client: Client, name: str, seed: int, out: Outcome) -> None:
        self.plan = plan
        self.client = client
        # Each run writes its own values: writing the value a record already holds is a no-op,
        # answered with the unchanged version, and a second run on a kept corpus repeats the
        # first one's choices (same seeds), which the lost-update count would then misread.
        self.name = f"{int(plan.start_at):x}-{name}"
        self.rng = random.Random(seed)
        self.out = out
        self.conn = Connection(plan.port)
        self.cookie = client.cookie
        self.count = 0
        ops = [op for op, _ in plan.mix]
        weights = [w for _, w in plan.mix]
        self.choose = lambda: self.rng.choices(ops, weights)[0]

    def run(self) -> None:
        deadline = self.plan.start_at + self.plan.seconds
        delay = self.plan.start_at - time.time()
        if delay > 0:
            time.sleep(delay)
        self.out.started = min(self.out.started, time.time())
        while time.time() < deadline:
            op = self.choose()
            try:
                getattr(self, "op_" + op.replace(" ", "_"))()
            except Exception as exc:  # every failure is counted, none stops the run
                self.error(op, f"{type(exc).__name__}: {exc}")
                self.conn.close()
        self.out.ended = max(self.out.ended, time.time())
        self.conn.close()

    def error(self, op: str, message: str) -> None:
        self.out.error_count += 1
        if len(self.out.errors) < 20:
            self.out.errors.append(f"{op}: {message}")

    def call(
        self,
        op: str,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        api: bool = False,
    ) -> tuple[int, bytes]:
        headers: dict[str, str] = {}
        data = None
        if api:
            headers["Authorization"] = f"Bearer {self.client.token}"
        else:
            headers["Cookie"] = self.cookie
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        status, response, payload = self.conn.request(method, path, data, headers)
        self.out.latencies[op].append((time.perf_counter() - started) * 1000)
        self.out.statuses[(op, status)] += 1
        self.out.requests += 1
        cookie = _cookie(response)
        if cookie and not api:
            self.cookie = cookie
        expected = status < 300 or (status == CONFLICT and method == "PATCH")
        if not expected:
            self.error(op, f"{method} {path} answered {status}: {payload[:200]!r}")
        return status, payload

    def page(self, op: str, path: str) -> None:
        self.call(op, "GET", path)

    def op_claim_page(self) -> None:
        plan = self.plan
        pick = plan.claim_id if self.rng.random() < 0.3 else self.rng.choice(plan.claim_ids)
        self.page("claim page", f"/claims/{pick}")

    def op_claim_page_only(self) -> None:
        self.page("claim page only", f"/claims/{self.plan.claim_id}")

    def op_api_me(self) -> None:
        self.page("GET /api/me", "/api/me")

    def op_article_page(self) -> None:
        plan = self.plan
        pick = plan.article_id if self.rng.random() < 0.5 else self.rng.choice(plan.article_ids)
        self.page("article page", f"/articles/{pick}")

    def op_claims_list(self) -> None:
        self.page("claims list", self.rng.choice(self.plan.list_urls))

    def op_search(self) -> None:
        self.page("search", self.rng.choice(self.plan.search_urls))

    def op_dashboard(self) -> None:
        self.page("dashboard", "/")

    def op_queue(self) -> None:
        self.page("queue", "/queue")

    def op_evidence_edit(self) -> None:
        item = self.rng.choice(self.plan.hot_evidence)
        status, payload = self.call("evidence read (API)", "GET", f"/api/evidence/{item}", api=True)
        if status != 200:
            return
        version = json.loads(payload)["version"]
        self.count += 1
        note = f"load test {self.name}-{self.count}"
        status, payload = self.call(
            "evidence edit (API)",
            "PATCH",
            f"/api/evidence/{item}",
            {"version": version, "note": note},
            api=True,
        )
        self.record(status, payload, "evidence", item, note)

    def op_claim_edit(self) -> None:
        claim = self.rng.choice(self.plan.hot_claims)
        status, payload = self.call("claim read (API)", "GET", f"/api/claims/{claim}", api=True)
        if status != 200:
            return
        read = json.loads(payload)
        self.count += 1
        base = re.sub(r" \[load [^\]]*\]$", "", read["statement"])
        statement = f"{base} [load {self.name}-{self.count}]"
        status, payload = self.call(
            "claim edit (API)",
            "PATCH",
            f"/api/claims/{claim}",
            {"version": read["version"], "statement": statement},
            api=True,
        )
        self.record(status, payload, "claim", claim, statement)

    def record(self, status: int, payload: bytes, kind: str, ident: int, value: str) -> None:
        if status == CONFLICT:
            self.out.conflicts += 1
        elif 200 <= status < 300:
            self.out.writes.append((kind, ident, int(json.loads(payload)["version"]), value))


def _process(plan: Plan, index: int, threads: int, queue: Any) -> None:
    """A client process: `threads` workers, their outcomes merged and sent back."""
    outcomes = []
    workers = []
    for t in range(threads):
        n = index * threads + t
        out = Outcome()
        client = plan.clients[n % len(plan.clients)]
        workers.append(Worker(plan, client, f"p{index}t{t}", 1000 * index + t, out))
        outcomes.append(out)
    running = [threading.Thread(target=w.run) for w in workers]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join()
    merged = Outcome()
    for out in outcomes:
        merged.merge(out)
    merged.latencies = dict(merged.latencies)  # a plain dict pickles without the lambda
    queue.put(merged)


def run(plan: Plan, processes: int, threads: int) -> Outcome:
    """Run the clients; returns what they saw."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    # Time for the processes to start before the clock does.
    plan = dataclasses.replace(plan, start_at=time.time() + 3.0)
    children = [
        context.Process(target=_process, args=(plan, i, threads, queue)) for i in range(processes)
    ]
    for child in children:
        child.start()
    total = Outcome()
    for _ in children:
        part = queue.get(timeout=plan.seconds + 300)
        part.latencies = defaultdict(list, part.latencies)
        total.merge(part)
    for child in children:
        child.join()
    return total


def lost_updates(
    writes: Sequence[tuple[str, int, int, str]],
    initial: dict[tuple[str, int], int],
    final: dict[tuple[str, int], tuple[int, str]],
) -> tuple[int, list[str]]:
    """Writes answered 2xx whose effect is not in the database.

    For each record: every acknowledged write must have moved its version by one (so the
    acknowledged versions are distinct and the final version is the initial one plus their
    number), and the value in the database must be the one of the newest acknowledged write.
    """
    by_record: dict[tuple[str, int], list[tuple[int, str]]] = defaultdict(list)
    for kind, ident, version, value in writes:
        by_record[(kind, ident)].append((version, value))
    lost = 0
    notes = []
    for key, done in by_record.items():
        versions = [v for v, _ in done]
        final_version, final_value = final[key]
        missing = (final_version - initial[key]) - len(set(versions))
        duplicates = len(versions) - len(set(versions))
        newest = max(done)[1]
        wrong = int(final_value != newest)
        count = max(0, -missing) + duplicates + wrong
        if missing > 0:
            notes.append(f"{key}: {missing} change(s) nobody was told about")
        if count:
            lost += count
            notes.append(
                f"{key}: {len(done)} acknowledged, version {initial[key]} -> {final_version}, "
                f"{duplicates} duplicate version(s), final value {'differs' if wrong else 'ok'}"
            )
    return lost, notes
