"""Run the benchmark: build the corpus, measure, print one table (and optionally write JSON)."""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask

from benchmarks import corpus
from claims import audit, create_app, documents, extraction
from claims.db import connection, db, upgrade
from claims.services import articles

DEFAULT_AUDIT_EVENTS = 1_000_000
DEFAULT_USERS = 40
PAGE_SAMPLES = 60


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


def percentiles(samples: list[float]) -> tuple[float, float]:
    """p50 and p95 of a list of durations (ms)."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def time_pages(app: Flask, username: str, urls: list[str]) -> list[float]:
    """Request each URL in turn (as a signed-in user) and return the durations in ms."""
    from claims.models import User

    client = app.test_client()
    user = User.get(User.username == username)
    with client.session_transaction() as sess:
        sess["_user_id"] = user.get_id()
        sess["_fresh"] = True
        sess["auth_at"] = sess["seen_at"] = time.time()
    durations = []
    for url in urls:
        started = time.perf_counter()
        response = client.get(url)
        durations.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
    return durations


def measure(step: str, fn: Callable[[], Any]) -> tuple[float, Any]:
    print(f"  {step} ...", end="", flush=True, file=sys.stderr)
    started = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - started
    print(f" {elapsed:.1f} s", file=sys.stderr)
    return elapsed, result


def sample_text() -> str:
    """The reference article (or the demo's own where ../shared is not beside the checkout)."""
    from claims.cli import FALLBACK_ARTICLE, SAMPLE_FILE

    path = Path(__file__).resolve().parents[2] / "shared" / "samples" / SAMPLE_FILE
    return path.read_text(encoding="utf-8") if path.is_file() else FALLBACK_ARTICLE


def measure_extraction() -> list[Figure]:
    """Extraction throughput on real article text, repeated to 1 MB."""
    sample = sample_text()
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


def _timed(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def measure_import(reviewer_id: int, username: str) -> list[Figure]:
    """One article imported end to end (extraction, article, claims, audit events), p50 of 10."""
    sample = sample_text()
    actor = audit.Actor(reviewer_id, username)
    durations = []
    for i in range(10):
        document = documents.read_text(f"{sample}\nEdition {i} {time.time_ns()}")
        durations.append(_timed(lambda d=document: articles.import_document(actor, d)) * 1000)
    return [
        Figure("import of one article end to end: p50", statistics.median(durations), "ms", None)
    ]


def run(scale: float, url: str) -> list[Figure]:
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "benchmark-" + "x" * 40})
    figures: list[Figure] = measure_extraction()
    with connection():
        upgrade()
        print(f"building the corpus at scale {scale} in {url}", file=sys.stderr)
        users = corpus.make_users(DEFAULT_USERS)
        reviewer = next(u for u in users if u.role == "reviewer")
        figures += measure_import(reviewer.id, reviewer.username)
        events = int(DEFAULT_AUDIT_EVENTS * scale)
        measure(f"{events:,} audit events", lambda: corpus.make_audit_events(events, users))
        if db.obj.__class__.__name__.startswith("Sqlite"):
            db.execute_sql("ANALYZE")

        elapsed, report = measure("audit verify", audit.verify)
        assert report.intact, str(report)
        figures.append(Figure(f"audit verify ({events:,} events)", elapsed, "s", 15 * scale))

        editor = next(u.username for u in users if u.role == "editor")
        filters = [
            "/audit/",
            "/audit/?action=verdict",
            f"/audit/?actor={editor}",
            "/audit/?entity=claim&entity_id=4242",
            "/audit/?since=2026-01-01&until=2026-02-01",
            "/audit/?entity=verdict&action=verdict.approve",
        ]
        urls = [filters[i % len(filters)] for i in range(PAGE_SAMPLES)]
        time_pages(app, editor, urls[:6])  # warm caches
        p50, p95 = percentiles(time_pages(app, editor, urls))
        figures.append(Figure("audit page, filtered: p50", p50, "ms", None))
        figures.append(Figure("audit page, filtered: p95", p95, "ms", 50))
        # Free text has no index yet (a substring scan of before/after): reported on its own.
        words = ["/audit/?q=figure+12345", "/audit/?q=no-such-words", "/audit/?q=in_research"]
        p50, p95 = percentiles(time_pages(app, editor, words * 4))
        figures.append(Figure("audit page, free text: p95", p95, "ms", 50))

        tracemalloc.start()
        started = time.perf_counter()
        size = sum(len(line) for line in audit.export_lines())
        export_s = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        figures.append(
            Figure(f"audit export JSONL ({size / 2**20:.0f} MB): time", export_s, "s", None)
        )
        figures.append(Figure("audit export JSONL: peak Python memory", peak, "MB", 150))
    return figures


def print_table(figures: list[Figure]) -> None:
    width = max(len(f.name) for f in figures)
    print(f"{'measurement':<{width}}  {'value':>12}  {'target':>12}  ok")
    for f in figures:
        target = (
            "—"
            if f.target is None
            else f"{'≥' if f.higher_is_better else '≤'} {f.target:g} {f.unit}"
        )
        ok = "" if f.ok is None else ("yes" if f.ok else "NO")
        print(f"{f.name:<{width}}  {f.value:>9.1f} {f.unit:<2}  {target:>12}  {ok}")
    print(
        f"\nmachine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the default corpus")
    parser.add_argument(
        "--database-url",
        help="build the corpus there and leave it (default: a temporary SQLite file)",
    )
    parser.add_argument(
        "--json", type=Path, help="write every figure as {name: {value, unit, target, ok}}"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'benchmark.db'}"
        figures = run(args.scale, url)
    print_table(figures)
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
            )
        )
    return 0 if all(f.ok is not False for f in figures) else 1


if __name__ == "__main__":
    raise SystemExit(main())
