"""Nothing half-written: a server process killed while it imports an article leaves either the
whole article with every claim and audit event, or nothing at all, and the audit chain intact.

The import is a real `flask --app app import` process on the test's own database (SQLite or
PostgreSQL), sent SIGKILL at moments spread across its run, before and inside its transaction.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from claims import audit, extraction
from claims.db import db
from claims.models import Article, AuditEvent, Claim, Quantity
from tests import factories
from tests.conftest import TEST_SECRET

ROOT = Path(__file__).resolve().parents[1]
SENTENCE = (
    "The ministry said on {n} March that {n} ATMOS systems worth ${n} million would arrive "
    "within {m} months, according to the defence committee. "
)


def big_article(tmp_path: Path, sentences: int = 1500) -> Path:
    text = "Procurement report\n\n" + "".join(
        SENTENCE.format(n=i % 28 + 1, m=i % 11 + 2) for i in range(sentences)
    )
    path = tmp_path / "article.txt"
    path.write_text(text, encoding="utf-8")
    return path


def run_import(database_url: str, article: Path) -> subprocess.Popen[bytes]:
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(article.parent),
        "CLAIMS_DATABASE_URL": database_url,
        "CLAIMS_SECRET_KEY": TEST_SECRET,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "import", str(article), "--as", "rita"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def state() -> tuple[int, int, int, int]:
    return (
        Article.select().count(),
        Claim.select().count(),
        Quantity.select().count(),
        AuditEvent.select().where(AuditEvent.action == "claim.create").count(),
    )


def test_a_killed_import_leaves_all_or_nothing(app, database_url, tmp_path):
    factories.user("rita", "reviewer")
    article = big_article(tmp_path, sentences=800)
    expected_claims = len(extraction.extract(article.read_text(encoding="utf-8").strip()))
    assert expected_claims > 500

    # The import's length is the shorter of two whole runs: a first run slowed by a busy
    # machine would put every kill after the commit.
    durations = []
    for attempt in range(2):
        if attempt:
            Article.delete().execute()  # claims and quantities cascade; the trail stays
        started = time.monotonic()
        whole = run_import(database_url, article)
        assert whole.wait(timeout=300) == 0
        durations.append(time.monotonic() - started)
        complete = state()
        assert complete[0] == 1 and complete[1] == expected_claims
        assert complete[3] == expected_claims * (attempt + 1)
        assert complete[2] > 0
    duration = min(durations)
    # Start again from an empty article table for each kill.
    outcomes: list[str] = []
    for fraction in (0.25, 0.5, 0.8, 0.95):
        Article.delete().execute()
        process = run_import(database_url, article)
        time.sleep(duration * fraction)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        articles, claims, quantities, created = state()
        earlier = expected_claims * (2 + outcomes.count("whole"))
        events_for_this = created - earlier
        if articles == 0:
            assert (claims, quantities) == (0, 0), f"killed at {fraction:.0%}: claims left behind"
            outcomes.append("nothing")
        else:
            assert (articles, claims, quantities) == complete[:3], f"killed at {fraction:.0%}"
            outcomes.append("whole")
        assert events_for_this in (0, expected_claims), "audit events of a half import"
        report = audit.verify()
        assert report.intact, report
    # The kills spanned the run: some landed before the commit.
    assert "nothing" in outcomes, outcomes


def writing(database_url: str, baseline: int) -> bool:
    """Whether another connection is inside a transaction that has written (PostgreSQL: it
    holds a transaction id; SQLite: the write-ahead log grew)."""
    if database_url.startswith("postgresql"):
        row = db.execute_sql(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
        ).fetchone()
        return bool(row and row[0])
    return wal_size(database_url) > baseline + 64 * 1024


def wal_size(database_url: str) -> int:
    path = Path(database_url.removeprefix("sqlite:///") + "-wal")
    return path.stat().st_size if path.exists() else 0


def test_a_kill_inside_the_transaction_leaves_nothing(app, database_url, tmp_path):
    """Killed while its transaction is open and has written rows: none of them survive."""
    factories.user("rita", "reviewer")
    article = big_article(tmp_path, sentences=3000)
    if not database_url.startswith("postgresql"):
        db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    baseline = wal_size(database_url)
    events_before = AuditEvent.select().count()
    process = run_import(database_url, article)
    deadline = time.monotonic() + 120
    try:
        while not writing(database_url, baseline):
            assert process.poll() is None, "the import ended before it was seen writing"
            assert time.monotonic() < deadline, "the import was never seen writing"
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=60)
    assert state()[:3] == (0, 0, 0)
    assert AuditEvent.select().count() == events_before
    assert audit.verify().intact
