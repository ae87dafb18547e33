"""Build a newsroom-sized corpus, measure the product against it, print one table.

    python -m benchmarks [--scale F] [--database-url URL] [--json FILE]

Default: 2,000 articles, 100,000 claims, 300,000 evidence items, 20,000 sources with archived
copies, 1,000,000 audit events, in a temporary SQLite file (removed afterwards); --scale 0.1
builds a tenth of it; --database-url builds it there (SQLite or PostgreSQL) and leaves it.
Targets that are totals scale with the corpus (e.g. audit verify: 15 s x scale).
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import peewee
from flask import Flask

from benchmarks import corpus, load, settings
from claims import audit, create_app, documents, extraction, serving
from claims.db import connection, db, describe_url, is_postgres, upgrade, utcnow
from claims.models import Article, AuditEvent, Claim, Evidence, User
from claims.services import articles, users
from claims.views.pages import page_cache

DEFAULT_USERS = 40
PAGE_SAMPLES = 60
# Pages slower than this on their first pass get fewer samples (the p95 of a handful is their max).
SLOW_PAGE_MS = 250


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    target: float | None
    higher_is_better: bool = False

    @property
    def ok(self) -> bool | None:
        if self.target is None:
            return None
        return self.value >= self.target if self.higher_is_better else self.value <= self.target


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def percentiles(samples: list[float]) -> tuple[float, float]:
    """p50 and p95 of a list of durations (ms)."""
    ordered = sorted(samples)
    if not ordered:
        return 0.0, 0.0
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def _timed(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def measure(step: str, fn: Callable[[], Any]) -> tuple[float, Any]:
    log(f"  {step} ...")
    started = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - started
    log(f"  {step}: {elapsed:.1f} s")
    return elapsed, result


# Extraction and import --------------------------------------------------------------------------


def measure_extraction() -> list[Figure]:
    """Extraction throughput on real article text, repeated to 1 MB."""
    sample = corpus.sample_text()
    text = (sample + "\n\n") * (2**20 // (len(sample) + 2) + 1)
    best = min(_timed(lambda: extraction.extract(text)) for _ in range(3))
    return [
        Figure(
            "extraction throughput (1 MB of article text)",
            len(text.encode()) / 2**20 / best,
            "MB/s",
            2,
            True,
        )
    ]


def measure_import(reviewer: User) -> list[Figure]:
    """One article imported end to end (extraction, article, claims, audit events), p50 of 10."""
    sample = corpus.sample_text()
    actor = audit.Actor(reviewer.id, reviewer.username)
    durations = []
    for i in range(10):
        document = documents.read_text(f"{sample}\nEdition {i} {time.time_ns()}")
        durations.append(
            _timed(functools.partial(articles.import_document, actor, document)) * 1000
        )
    p50, _ = percentiles(durations)
    return [
        Figure("import of one article end to end (25 claims): p50", p50, "ms", None),
        Figure(
            "import of one article end to end (25 claims): max of 10", max(durations), "ms", None
        ),
    ]


# Pages, in process ------------------------------------------------------------------------------


def signed_in(app: Flask, user: User) -> Any:
    """A test client with a session for `user`, as the login form would leave it."""
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = user.get_id()
        sess["_fresh"] = True
        sess["auth_at"] = sess["seen_at"] = time.time()
    return client


def time_pages(
    app: Flask,
    user: User,
    urls: list[str],
    cpu: list[float] | None = None,
    remembered: bool = False,
) -> list[float]:
    """Request each URL in turn (as a signed-in user) and return the durations in ms; `cpu`
    receives the CPU time this process spent on each (on a shared machine, the steadier
    figure; on SQLite it includes the database's work, on PostgreSQL not the server's). Pages
    are drawn anew each time unless `remembered` (then a repeated view of a claim or an article
    comes from the page memory, claims/pagecache.py)."""
    client = signed_in(app, user)
    memory = page_cache(app)
    durations = []
    for url in urls:
        if memory is not None and not remembered:
            memory.clear()
        started, cpu_started = time.perf_counter(), time.process_time()
        response = client.get(url)
        response.get_data()
        durations.append((time.perf_counter() - started) * 1000)
        if cpu is not None:
            cpu.append((time.process_time() - cpu_started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
    return durations


@dataclass(frozen=True)
class Records:
    """What the page measurements and the load test read: real ids from the corpus."""

    article_id: int
    claim_id: int
    claim_ids: tuple[int, ...]
    article_ids: tuple[int, ...]
    list_urls: tuple[str, ...]
    search_urls: tuple[str, ...]  # empty while the app has no global search
    editor: User
    reviewer: User


def records(built: corpus.Corpus, app: Flask) -> Records:
    rng = random.Random(11)
    first = Claim.select(peewee.fn.MIN(Claim.id)).scalar()
    last = Claim.select(peewee.fn.MAX(Claim.id)).scalar()
    mid = (first + last) // 2
    all_articles = [a.id for a in Article.select(Article.id)]
    editor = User.select().where(User.role == "editor").order_by(User.id).first()
    # The reviewer with the most claims assigned: the fullest queue.
    busiest = (
        Claim.select(Claim.assignee)
        .join(User, on=Claim.assignee == User.id)
        .where(User.role == "reviewer")
        .group_by(Claim.assignee)
        .order_by(peewee.fn.COUNT(Claim.id).desc())
        .scalar()
    )
    reviewer = User.get_by_id(busiest)
    search_urls: tuple[str, ...] = ()
    if "search.index" in app.view_functions:
        search_urls = (
            "/search/?q=satellite",
            "/search/?q=reconnaissance+satellites+contract",
            "/search/?q=no-such-words",
            "/search/?q=rockets&type=claim&status=approved",
            "/search/?q=ministry&type=source",
            "/search/?q=Benslimane&page=3",
            f"/search/?q=drone&reviewer={reviewer.id}",
            f"/search/?status=in_research&reviewer={reviewer.id}",
        )
    return Records(
        article_id=built.article_id,
        claim_id=built.claim_id,
        claim_ids=tuple(rng.randrange(first, last + 1) for _ in range(500)),
        article_ids=tuple(rng.choice(all_articles) for _ in range(100)),
        list_urls=(
            "/api/claims?status=approved",
            "/api/claims?status=in_research&kind=money",
            "/api/claims?kind=ordinal",
            f"/api/claims?article={built.article_id}&limit=200",
            f"/api/claims?status=new&after={mid}",
            f"/api/claims?status=verdict_proposed&kind=date&after={mid}",
            f"/api/claims?after={max(first, last - 100)}",
            "/api/claims?status=dismissed&limit=100",
        ),
        search_urls=search_urls,
        editor=editor,
        reviewer=reviewer,
    )


def measure_pages(app: Flask, rec: Records) -> list[Figure]:
    """p50 and p95 of each page through the test client (in process, one request at a time)."""
    editor, reviewer = rec.editor, rec.reviewer
    year_ago = (utcnow() - timedelta(days=365)).date()
    month = f"since={year_ago}&until={year_ago + timedelta(days=30)}"
    article_urls = [f"/articles/{rec.article_id}", f"/articles/{rec.article_id}?order=score"]
    pages: list[tuple[str, User, list[str]]] = [
        ("article page (200 claims, as editor)", editor, article_urls),
        ("article page, remembered (a repeated view)", editor, article_urls),
        ("claim page (20 evidence, history, as editor)", editor, [f"/claims/{rec.claim_id}"]),
        ("claim page, remembered (a repeated view)", editor, [f"/claims/{rec.claim_id}"]),
        (
            "claim page, random claims (as reviewer)",
            reviewer,
            [f"/claims/{i}" for i in rec.claim_ids[:30]],
        ),
        ("claims list, filters + pages (GET /api/claims)", reviewer, list(rec.list_urls)),
        (
            "audit page, filtered",
            editor,
            [
                "/audit/",
                "/audit/?action=verdict",
                f"/audit/?actor={editor.username}",
                f"/audit/?entity=claim&entity_id={rec.claim_id}",
                f"/audit/?entity=article&entity_id={rec.article_id}",
                f"/audit/?{month}",
                "/audit/?entity=verdict&action=verdict.approve",
                f"/audit/?actor={editor.username}&action=claim.approve&{month}",
            ],
        ),
        ("dashboard (/)", reviewer, ["/"]),
        ("my queue (/queue)", reviewer, ["/queue"]),
        *(
            [("search: global (/search/?q=, filters, pages)", reviewer, list(rec.search_urls))]
            if rec.search_urls
            else []
        ),
        (
            "search: source library (/sources/?q=)",
            reviewer,
            [
                "/sources/?q=satellite",
                "/sources/?q=Ministry+of+Defence",
                "/sources/?q=no-such-words",
                "/sources/?q=sipri&kind=dataset",
                "/sources/?q=Kenya&state=changed",
            ],
        ),
        (
            "search: audit page free text (/audit/?q=)",
            editor,
            ["/audit/?q=Benslimane", "/audit/?q=no-such-words", "/audit/?q=in_research"],
        ),
    ]
    figures = []
    for label, user, urls in pages:
        remembered = "remembered" in label
        time_pages(app, user, urls, remembered=remembered)  # caches, first queries
        warm = time_pages(app, user, urls, remembered=remembered)
        samples = PAGE_SAMPLES
        if statistics.median(warm) > SLOW_PAGE_MS:
            samples = max(2 * len(urls), 6)
        cpu: list[float] = []
        chosen = [urls[i % len(urls)] for i in range(samples)]
        durations = time_pages(app, user, chosen, cpu, remembered=remembered)
        p50, p95 = percentiles(durations)
        cpu50, cpu95 = percentiles(cpu)
        log(
            f"    {label}: p50 {p50:.1f} ms, p95 {p95:.1f} ms ({samples} requests; CPU of "
            f"this process p50 {cpu50:.1f} ms, p95 {cpu95:.1f} ms)"
        )
        figures.append(Figure(f"{label}: p50", p50, "ms", None))
        figures.append(Figure(f"{label}: p95", p95, "ms", 50))
    return figures


# Exports, each in a fresh process ---------------------------------------------------------------


def probe(kind: str, url: str, output: Path, traced: bool) -> dict[str, Any]:
    command = [sys.executable, "-m", "benchmarks.probe", kind, "--database-url", url]
    command += ["--output", str(output)] + (["--tracemalloc"] if traced else [])
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        command, cwd=load.ROOT, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    output.unlink(missing_ok=True)
    return result


def measure_exports(url: str, tmp: Path, published: int) -> list[Figure]:
    figures = []
    for kind, label in (
        ("claimreview", "ClaimReview export (flask export claimreview)"),
        ("archive", "archive export (export_archive)"),
        ("audit", "audit export JSONL (flask audit export)"),
    ):
        output = tmp / f"{kind}.out"
        _, plain = measure(label, functools.partial(probe, kind, url, output, False))
        _, traced = measure(
            f"{label}, under tracemalloc", functools.partial(probe, kind, url, output, True)
        )
        size = plain["bytes"] / 2**20
        what = f"{plain['items']:,} items, {size:,.0f} MB"
        if kind == "claimreview":
            what = f"{plain['items']:,} published claims, {size:,.0f} MB"
            if plain["skipped"]:
                log(f"    {plain['skipped']} verdicts skipped as invalid ClaimReview")
        target = 10 * max(published, 1) / 100_000 if kind == "claimreview" else None
        figures.append(Figure(f"{label} ({what}): time", plain["seconds"], "s", target))
        figures.append(
            Figure(
                f"{label}: peak Python memory (tracemalloc)", traced["traced_peak_mb"], "MB", 150
            )
        )
        growth = plain["peak_rss_after_mb"] - plain["peak_rss_before_mb"]
        figures.append(Figure(f"{label}: peak RSS growth (VmHWM)", growth, "MB", 150))
    return figures


# Concurrent load --------------------------------------------------------------------------------


def _versions(kind: str, ids: Iterable[int]) -> dict[tuple[str, int], tuple[int, str]]:
    ids = list(ids)
    if kind == "evidence":
        items = Evidence.select(Evidence.id, Evidence.version, Evidence.note).where(
            Evidence.id.in_(ids)
        )
        return {("evidence", e.id): (e.version, e.note) for e in items}
    found = Claim.select(Claim.id, Claim.version, Claim.statement).where(Claim.id.in_(ids))
    return {("claim", c.id): (c.version, c.statement) for c in found}


def verify_tail(after_id: int) -> audit.ChainReport:
    """Check the events appended after `after_id` (links and hashes), as `audit verify` does."""
    verifier = audit.ChainVerifier()
    if after_id:
        verifier.expected_prev = AuditEvent.get_by_id(after_id).hash
    for event in audit.iter_events(after_id=after_id):
        if not verifier.add(event):
            break
    return verifier.report()


def load_figures(label: str, out: load.Outcome, pages: Iterable[str]) -> list[Figure]:
    figures = [Figure(f"{label}: throughput", out.rate, "req/s", None)]
    _, p95 = percentiles(out.all_latencies())
    figures.append(Figure(f"{label}: p95, all requests", p95, "ms", None))
    for op in pages:
        if out.latencies.get(op):
            _, p95 = percentiles(out.latencies[op])
            figures.append(Figure(f"{label}: {op} p95", p95, "ms", 50))
    return figures


def measure_load(url: str, rec: Records, args: argparse.Namespace, tmp: Path) -> list[Figure]:
    """gunicorn with several workers on loopback; a mixed run, a claim-page run, the smallest
    signed-in request (GET /api/me: what every request pays), and the claim-page run against a
    bare Flask view."""
    seconds = float(args.load_seconds)
    env = settings.environment(url)
    processes = max(1, min(args.clients, 2))
    threads = max(1, args.clients // processes)
    rng = random.Random(5)
    with connection():
        reviewers = list(User.select().where(User.role == "reviewer").order_by(User.id).limit(6))
        editors = list(User.select().where(User.role == "editor").order_by(User.id).limit(2))
        people = reviewers + editors
        tokens = {
            u.username: users.create_token(audit.Actor.system("benchmark"), u, "load test")[1]
            for u in people
        }
        hot_evidence = [
            e.id for e in Evidence.select(Evidence.id).where(Evidence.claim == rec.claim_id)
        ]
        researching = [c.id for c in Claim.select(Claim.id).where(Claim.status == "in_research")]
        hot_claims = rng.sample(researching, min(20, len(researching)))
        others = [e.id for e in Evidence.select(Evidence.id).where(Evidence.claim.in_(hot_claims))]
        hot_evidence += rng.sample(others, min(20, len(others)))
        initial = {k: v for k, (v, _) in _versions("evidence", hot_evidence).items()}
        initial.update({k: v for k, (v, _) in _versions("claim", hot_claims).items()})
        last_event = AuditEvent.select(peewee.fn.MAX(AuditEvent.id)).scalar() or 0
        if not is_postgres():
            db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    figures: list[Figure] = []
    log(f"  load: gunicorn -w {args.workers}, {processes} x {threads} clients, {seconds:g} s")
    with load.gunicorn("app:app", env, args.workers, "python:claims.serving", tmp) as port:
        clients = tuple(
            load.Client(
                u.username,
                load.sign_in(port, u.username, corpus.BENCHMARK_PASSWORD),
                tokens[u.username],
            )
            for u in people
        )
        plan = load.Plan(
            port=port,
            seconds=seconds,
            mix=load.MIX if rec.search_urls else tuple(m for m in load.MIX if m[0] != "search"),
            clients=clients,
            claim_id=rec.claim_id,
            claim_ids=rec.claim_ids,
            article_id=rec.article_id,
            article_ids=rec.article_ids,
            list_urls=rec.list_urls,
            search_urls=rec.search_urls,
            hot_evidence=tuple(hot_evidence),
            hot_claims=tuple(hot_claims),
        )
        # The same load first, untimed: a worker's first seconds compile its queries, fill
        # SQLite's page cache and the app's memories (CPU per request 7.6 ms in the first 3 s,
        # 5.4 ms from the tenth on). Its errors and writes count like the timed run's.
        warm = load.Outcome()
        if args.warmup_seconds > 0:
            warm_plan = dataclasses.replace(plan, seconds=float(args.warmup_seconds))
            _, warm = measure(
                f"warm-up, {args.warmup_seconds:g} s",
                lambda: load.run(warm_plan, processes, threads),
            )
        _, mixed = measure(f"mixed load, {seconds:g} s", lambda: load.run(plan, processes, threads))
        claim_only = dataclasses.replace(plan, mix=(("claim page only", 1),), seconds=seconds / 2)
        _, alone = measure(
            f"claim page load, {seconds / 2:g} s", lambda: load.run(claim_only, processes, threads)
        )
        floor_plan = dataclasses.replace(claim_only, mix=(("api me", 1),))
        _, floor = measure(
            f"GET /api/me load, {seconds / 2:g} s", lambda: load.run(floor_plan, processes, threads)
        )
    # The same claim page with the page memory off: every view drawn (for comparison).
    no_memory = {**env, "CLAIMS_PAGE_CACHE_BYTES": "0"}
    with load.gunicorn("app:app", no_memory, args.workers, "python:claims.serving", tmp) as port:
        # The same signed cookies: sessions are checked against the database, not the process.
        drawn_plan = dataclasses.replace(claim_only, port=port)
        _, drawn = measure(
            f"claim page load, page memory off, {seconds / 2:g} s",
            lambda: load.run(drawn_plan, processes, threads),
        )
    hello_settings = "python:benchmarks.hello_settings"
    with load.gunicorn("benchmarks.hello:app", env, args.workers, hello_settings, tmp) as port:
        hello_plan = dataclasses.replace(claim_only, port=port)
        _, hello = measure(
            f"bare Flask view load, {seconds / 2:g} s",
            lambda: load.run(hello_plan, processes, threads),
        )
    with connection():
        final = _versions("evidence", hot_evidence)
        final.update(_versions("claim", hot_claims))
        lost, notes = load.lost_updates(warm.writes + mixed.writes, initial, final)
        chain = verify_tail(last_event)
    for note in notes[:10]:
        log(f"    lost update? {note}")
    runs = (warm, mixed, alone, floor, drawn, hello)
    errors = sum(r.error_count for r in runs)
    for message in [m for r in runs for m in r.errors][:10]:
        log(f"    error: {message}")
    if warm.requests:
        warm_label = f"load, warm-up (the workers' first {args.warmup_seconds:g} s; not timed)"
        figures += [
            Figure(f"{warm_label}: throughput", warm.rate, "req/s", None),
            Figure(
                f"{warm_label}: p95, all requests", percentiles(warm.all_latencies())[1], "ms", None
            ),
        ]
        if warm.latencies.get("claim page"):
            claim_p95 = percentiles(warm.latencies["claim page"])[1]
            figures.append(Figure(f"{warm_label}: claim page p95", claim_p95, "ms", None))
    mixed_label = "load, mixed reads + writes"
    figures += load_figures(mixed_label, mixed, load.PAGE_OPS)
    for op in ("evidence edit (API)", "claim edit (API)"):
        if mixed.latencies.get(op):
            figures.append(
                Figure(f"{mixed_label}: {op} p95", percentiles(mixed.latencies[op])[1], "ms", None)
            )
    figures += [
        Figure(f"{mixed_label}: writes acknowledged", len(mixed.writes), "", None),
        Figure(
            f"{mixed_label}: writes refused as stale (409, expected)", mixed.conflicts, "", None
        ),
        Figure("load: errors (all runs)", errors, "", 0),
        Figure("load: lost updates", lost, "", 0),
        Figure(
            "load: audit chain breaks after concurrent writes",
            0 if chain.intact else 1,
            "",
            0,
        ),
    ]
    figures += load_figures("load, claim page alone", alone, ("claim page only",))
    figures += load_figures(
        "load, GET /api/me (the app's floor: session, user, one connection)",
        floor,
        (),
    )
    figures += load_figures("load, claim page alone, page memory off (each view drawn)", drawn, ())
    figures += load_figures("load, bare Flask view", hello, ("claim page only",))
    figures.append(
        Figure(
            "load: claim page / bare Flask view, requests/s",
            alone.rate / max(hello.rate, 1e-9),
            "ratio",
            0.25,
            True,
        )
    )
    return figures


# The run ----------------------------------------------------------------------------------------


def prepare(scale: float, reuse: bool) -> tuple[corpus.Corpus, list[Figure]]:
    """Build the corpus (or find the one built before, with --reuse)."""
    found = corpus.find(scale) if reuse else None
    if found is not None:
        log(f"reusing the corpus there (article {found.article_id}, claim {found.claim_id})")
        return found, []
    if Article.select().exists():
        raise SystemExit(
            "The database already holds articles: give an empty database, or --reuse to measure "
            "the corpus built there before."
        )
    started = time.perf_counter()
    people = corpus.make_users(DEFAULT_USERS)
    built = corpus.build(scale, people, log=log)
    corpus.reset_sequences([User])
    _, _ = measure("ANALYZE", corpus.analyze)
    wall = time.perf_counter() - started
    rows = ", ".join(f"{name} {count:,}" for name, count in built.rows.items())
    log(f"  built in {wall:.0f} s: {rows}; {built.published:,} published claims")
    return built, [Figure("corpus build: wall time", wall, "s", None)]


SECTIONS = ("extraction", "import", "verify", "pages", "exports", "load")


def run(args: argparse.Namespace, url: str, tmp: Path) -> list[Figure]:
    app = create_app(settings.overrides(url))
    serving.settle_heap()  # as a gunicorn worker does once it has loaded the app
    only = set(args.only)
    log(f"building the corpus at scale {args.scale} in {describe_url(url)}")
    figures: list[Figure] = measure_extraction() if "extraction" in only else []
    with connection():
        upgrade()
        built, build_figures = prepare(args.scale, args.reuse)
        figures += build_figures
        rec = records(built, app)
        if "import" in only:
            figures += measure_import(rec.reviewer)
        if "verify" in only:
            events = AuditEvent.select().count()
            elapsed, report = measure("audit verify", audit.verify)
            if not report.intact:
                raise SystemExit(f"audit verify: {report}")
            figures.append(
                Figure(f"audit verify ({events:,} events)", elapsed, "s", 15 * events / 1_000_000)
            )
        if "pages" in only:
            log("  pages, in process")
            figures += measure_pages(app, rec)
    if "exports" in only:
        figures += measure_exports(url, tmp, built.published)
    if "load" in only and args.load_seconds > 0:
        figures += measure_load(url, rec, args, tmp)
    return figures


def _value(f: Figure) -> str:
    if f.unit in ("", "count"):
        return f"{f.value:,.0f}"
    if f.unit == "ratio":
        return f"{f.value:.3f}"
    return f"{f.value:,.1f}" if f.value >= 10 else f"{f.value:.2f}"


def print_table(figures: list[Figure], header: str) -> None:
    width = max(len(f.name) for f in figures)
    print(header)
    print(f"{'measurement':<{width}}  {'value':>10} {'unit':<6}  {'target':>14}  ok")
    for f in figures:
        target = "—"
        if f.target is not None:
            sign = "≥" if f.higher_is_better else "≤"
            target = f"{sign} {f.target:g} {f.unit}".rstrip()
        ok = "" if f.ok is None else ("yes" if f.ok else "NO")
        print(f"{f.name:<{width}}  {_value(f):>10} {f.unit:<6}  {target:>14}  {ok}")
    load1, load5, _ = os.getloadavg()
    print(
        f"\nmachine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; load average at the end {load1:.1f} (1 min), "
        f"{load5:.1f} (5 min)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the default corpus")
    parser.add_argument(
        "--database-url",
        help="build the corpus there and leave it (default: a temporary SQLite file)",
    )
    parser.add_argument(
        "--json", type=Path, help="write every figure as {name: {value, unit, target, ok}}"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure the corpus an earlier run left in --database-url instead of building one",
    )
    parser.add_argument(
        "--load-seconds",
        type=float,
        default=30,
        help="length of the mixed load run (the two claim-page runs take half); 0 skips it",
    )
    parser.add_argument(
        "--warmup-seconds",
        type=float,
        default=10,
        help="the same mixed load first, untimed (its errors and writes count); 0 skips it",
    )
    parser.add_argument(
        "--only",
        type=lambda text: [part.strip() for part in text.split(",") if part.strip()],
        default=list(SECTIONS),
        help=f"measure only these, comma-separated: {', '.join(SECTIONS)} (default: all)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=serving.default_workers(),
        help="gunicorn workers (default: the app's own, one per core and one more)",
    )
    parser.add_argument("--clients", type=int, default=8, help="concurrent load clients")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.only) - set(SECTIONS))
    if unknown:
        parser.error(f"--only: no such measurement: {', '.join(unknown)}")
    started = time.perf_counter()
    load_at_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="claims-benchmark-") as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'benchmark.db'}"
        figures = run(args, url, Path(tmp))
    backend = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    header = (
        f"claims benchmark: scale {args.scale:g} on {backend}, "
        f"{time.perf_counter() - started:.0f} s in all; load average at the start "
        f"{load_at_start:.1f}"
    )
    print_table(figures, header)
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    f.name: {
                        "value": round(f.value, 3),
                        "unit": f.unit,
                        "target": f.target,
                        "ok": f.ok,
                    }
                    for f in figures
                },
                indent=2,
                ensure_ascii=False,
            )
        )
    return 0 if all(f.ok is not False for f in figures) else 1


if __name__ == "__main__":
    raise SystemExit(main())
