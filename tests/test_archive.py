"""The lossless archive: export, import into a new database, export again, byte for byte; and
every way an import refuses a file or a database, writing nothing.

On the PostgreSQL run (CLAIMS_TEST_DATABASE_URL) the round trip goes from a new SQLite file to
the PostgreSQL test database; otherwise from the test's SQLite database to a second one.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import io
import json
import time
import tracemalloc
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import peewee
import pytest

from claims import audit, documents
from claims.audit import Actor
from claims.db import bind, db, is_postgres, open_database, upgrade
from claims.errors import AuthenticationError, ConflictError, ValidationError
from claims.export.archive import (
    NO_PASSWORD_HASH,
    ArchiveSummary,
    default_scale,
    export_archive,
    import_archive,
)
from claims.models import (
    MODELS,
    ApiToken,
    ArchivedContent,
    Article,
    AuditEvent,
    Claim,
    Evidence,
    LoginFailure,
    Quantity,
    Rating,
    Snapshot,
    Source,
    User,
    Verdict,
)
from claims.services import articles, claims, evidence, sources, users, verdicts
from tests import factories
from tests.conftest import empty_postgres_tables, is_postgres_run, postgres_url, table_counts

ARTICLE_TEXT = (
    "The council approved a $48 million flood wall, up 12.5% on the first estimate.\n"
    "About 1,234 homes near the Rhône would be protected, the ministry said.\n"
    "Le coût dépasse 3,5 millions d’euros selon le rapport — « un record » 🌊.\n"
)
BODY = (
    "<html><head><title>Communiqué</title></head><body><p>The flood wall costs $48 million."
    "</p><p>Coût : 48 M$ — « validé » ☕</p></body></html>"
).encode()
WINDOW = timedelta(minutes=15)


# Databases ------------------------------------------------------------------------------------


@contextmanager
def bound_to(url: str) -> Iterator[None]:
    """Bind the models to a new, migrated database for the block; then bind the old one back."""
    original = db.obj
    database = open_database(url)
    bind(database)
    database.connect()
    try:
        upgrade()
        yield
    finally:
        database.close()
        bind(original)


@contextmanager
def source_database(tmp_path: Path) -> Iterator[None]:
    """Where sample data is built: the test's database, or a new SQLite file on the
    PostgreSQL run (so that the round trip crosses from one backend to the other)."""
    if is_postgres_run():
        with bound_to(f"sqlite:///{tmp_path / 'source.db'}"):
            yield
    else:
        yield


@contextmanager
def target_database(tmp_path: Path, name: str = "target.db") -> Iterator[None]:
    """A database as new as after the migrations: a new SQLite file, or the PostgreSQL test
    database emptied as between tests (the default rating scale put back)."""
    if is_postgres_run():
        url = postgres_url()
        assert url is not None
        empty_postgres_tables(url)
        assert is_postgres()
        yield
    else:
        with bound_to(f"sqlite:///{tmp_path / name}"):
            yield


def scale_rows() -> tuple[tuple[Any, ...], ...]:
    return tuple(
        Rating.select(
            Rating.slug,
            Rating.label,
            Rating.numeric,
            Rating.position,
            Rating.description,
            Rating.version,
        )
        .order_by(Rating.id)
        .tuples()
    )


def export_bytes(*, with_password_hashes: bool = False) -> bytes:
    out = io.BytesIO()
    export_archive(out, with_password_hashes=with_password_hashes)
    return out.getvalue()


def write(tmp_path: Path, data: bytes, name: str = "archive.jsonl") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# Sample data, made through the services -------------------------------------------------------


def build_sample() -> dict[str, Any]:
    """A small newsroom: three users (one deactivated), tokens, a failed login, an article with
    claims and quantities, two sources with a snapshot and a citation, evidence, a verdict
    proposed by one user and approved by another, a rejected one, a dismissed claim, an extra
    rating."""
    rita = factories.user("rita", "reviewer")
    eddie = factories.user("eddie", "editor")
    ada = users.create_user(
        factories.SYSTEM, "ada", factories.PASSWORD, "admin", "Åda Łovelace-Núñez 🧮"
    )
    gone = factories.user("gone", "reviewer")
    as_rita, as_eddie, as_ada = (factories.actor_for(u) for u in (rita, eddie, ada))
    users.set_active(as_ada, gone, False)
    users.create_token(as_ada, ada, "CI – nightly")
    revoked, _ = users.create_token(as_ada, ada, "old laptop")
    users.revoke_token(as_ada, ada, revoked.id)
    with pytest.raises(AuthenticationError):
        users.authenticate(
            Actor(None, "anonymous", "203.0.113.9"),
            "rita",
            "not the password",
            max_attempts=5,
            window=WINDOW,
        )
    assert LoginFailure.select().count() == 1

    document = articles.with_metadata(
        documents.read_text(ARTICLE_TEXT),
        title="Flood wall — €48 million",
        publisher="Gazette du Léman",
        byline="Zoë Ångström",
        published=date(2025, 3, 14),
    )
    article, created = articles.import_document(as_rita, document)
    assert created
    found = claims.article_claims(article.id)
    money = next(c for c in found if c.kind == "money")
    hedged = next(c for c in found if c.hedged)
    statement = next(c for c in found if c.kind == "statement")
    percentage = next(c for c in found if c.kind == "percentage")

    ministry = factories.source(
        "Ministère des Finances — communiqué",
        url="https://example.org/communiqu%C3%A9",
        publisher="Ministère",
        published=date(2025, 3, 1),
        kind="official_statement",
        reliability=4,
        reliability_note="Primary source; « officiel ».",
    )
    analysis = factories.source("Gazette analysis")  # publisher, date, reliability: all null
    snapshot = factories.snapshot(ministry, BODY)
    sources.add_citation(as_rita, analysis.id, ministry.id, note="cites the « communiqué »")
    claims.attribute_claim(as_rita, hedged.id, hedged.version, ministry.id)

    item = evidence.add_evidence(
        as_rita,
        money.id,
        ministry.id,
        excerpt="The flood wall costs $48 million.",
        stance="supports",
        locator="¶ 1",
        note="Vérifié ✓",
    )
    true = Rating.get(Rating.slug == "true")
    verdict = verdicts.propose_verdict(
        as_rita,
        money.id,
        rating_id=true.id,
        confidence_value=85,
        rationale="Le communiqué confirme — **48 M$**.\n\nSee ¶ 1.",
    )
    verdicts.approve_verdict(as_eddie, verdict.id)

    evidence.add_evidence(
        as_rita, percentage.id, analysis.id, excerpt="up 12.5%", stance="context", note=""
    )
    rejected = verdicts.propose_verdict(
        as_rita, percentage.id, rating_id=true.id, confidence_value=40, rationale="Plausible."
    )
    verdicts.reject_verdict(as_eddie, rejected.id, "Find the first estimate — « source ? »")
    statement = Claim.get_by_id(statement.id)
    claims.dismiss_claim(as_rita, statement.id, statement.version, "Opinion, pas un fait.")
    verdicts.create_rating(as_ada, "Pants on fire 🔥", 1, "Ridiculously false.")
    return {
        "article": article.id,
        "money": money.id,
        "hedged": hedged.id,
        "ministry": ministry.id,
        "snapshot": snapshot.id,
        "evidence": item.id,
        "verdict": verdict.id,
    }


# The round trip ------------------------------------------------------------------------------


def test_round_trip_is_byte_identical(app, tmp_path):
    with source_database(tmp_path):
        ids = build_sample()
        counts = table_counts()
        first = export_bytes()
        assert export_bytes() == first  # nothing varies between runs
        sample_user = {
            name: User.get(User.username == name).__data__.copy() for name in ("rita", "ada")
        }
        sample_rows = {
            model: model.get_by_id(ids[key]).__data__.copy()
            for model, key in (
                (Article, "article"),
                (Claim, "hedged"),
                (Source, "ministry"),
                (Snapshot, "snapshot"),
                (Evidence, "evidence"),
                (Verdict, "verdict"),
            )
        }
        quantities = list(Quantity.select().order_by(Quantity.id).tuples())
        content = ArchivedContent.get_by_id(Snapshot.get_by_id(ids["snapshot"]).content_id)
        events = list(AuditEvent.select().order_by(AuditEvent.id).tuples())
        scale = scale_rows()
    path = write(tmp_path, first)

    with target_database(tmp_path):
        assert scale_rows() == default_scale()
        summary = import_archive(path)
        second = export_bytes()
        assert second == first
        assert summary.sha256 == hashlib.sha256(first.rsplit(b"\n", 2)[0] + b"\n").hexdigest()

        report = audit.verify()
        assert report.intact and report.count == len(events) > 30
        assert summary.audit_chain.intact and summary.audit_chain.count == len(events)
        assert table_counts() == {**counts, "login_failure": 0}
        assert dict(summary.rows) == {k: v for k, v in counts.items() if k != "login_failure"}

        # A few rows, field by field.
        for model, before in sample_rows.items():
            assert model.get_by_id(before["id"]).__data__ == before, model.__name__
        article = Article.get_by_id(ids["article"])
        assert article.text.startswith("The council") and "🌊" in article.text
        assert article.published_date == date(2025, 3, 14)
        hedged = Claim.get_by_id(ids["hedged"])
        assert hedged.hedged is True and hedged.attributed_source_id == ids["ministry"]
        assert Source.get_by_id(ids["ministry"]).published_date == date(2025, 3, 1)
        assert Source.get(Source.title == "Gazette analysis").reliability is None
        assert list(Quantity.select().order_by(Quantity.id).tuples()) == quantities
        assert Quantity.get(Quantity.value == 48_000_000.0).value_high is None
        stored = ArchivedContent.get_by_id(content.id)
        assert bytes(stored.body) == bytes(content.body)
        assert zlib.decompress(bytes(stored.body)) == BODY
        verdict = Verdict.get_by_id(ids["verdict"])
        assert verdict.current is True and verdict.state == "approved"
        assert verdict.approver_id != verdict.author_id
        assert list(AuditEvent.select().order_by(AuditEvent.id).tuples()) == events
        assert scale_rows() == scale != default_scale()
        assert User.get(User.username == "gone").active is False
        for name, before in sample_user.items():
            after = User.get(User.username == name).__data__
            assert after == {**before, "password_hash": NO_PASSWORD_HASH}
        assert ApiToken.select().where(ApiToken.revoked_at.is_null(False)).count() == 1

        # The sequences go on after the imported ids (setval on PostgreSQL).
        last_user = User.select(peewee.fn.MAX(User.id)).scalar()
        newcomer = factories.user("newcomer", "reviewer")
        assert newcomer.id == last_user + 1
        assert audit.verify().intact


def test_archive_lines_follow_the_documented_format(app, tmp_path):
    with source_database(tmp_path):
        build_sample()
        data = export_bytes()
    lines = data.split(b"\n")
    assert lines[-1] == b""
    parsed = [json.loads(line) for line in lines[:-1]]
    for raw, value in zip(lines, parsed, strict=False):
        canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert raw.decode("utf-8") == canonical
    header, rows, footer = parsed[0], parsed[1:-1], parsed[-1]
    assert set(header) == {"format", "version", "tables"}
    assert header["format"] == "claims-archive" and header["version"] == 1
    names = header["tables"]
    assert "login_failure" not in names
    assert sorted(names) == sorted(m._meta.table_name for m in MODELS if m is not LoginFailure)
    # Each table after those it references (claim.attributed_source_id -> source).
    assert names.index("source") < names.index("claim") < names.index("verdict")
    assert names.index("archived_content") < names.index("snapshot") < names.index("evidence")
    assert [names.index(r["table"]) for r in rows] == sorted(names.index(r["table"]) for r in rows)
    for name in names:
        ids = [r["row"]["id"] for r in rows if r["table"] == name]
        assert ids == sorted(ids) and len(ids) == footer["rows"][name]
    assert footer["end"] is True
    assert footer["sha256"] == hashlib.sha256(data[: data.rindex(b"\n", 0, -1) + 1]).hexdigest()

    def first(table: str, **match: Any) -> dict[str, Any]:
        return next(
            r["row"]
            for r in rows
            if r["table"] == table and all(r["row"][k] == v for k, v in match.items())
        )

    ada = first("user", username="ada")
    assert ada["password_hash"] is None and ada["active"] is True
    assert ada["display_name"] == "Åda Łovelace-Núñez 🧮"
    assert len(ada["created_at"]) == 26 and ada["created_at"][10] == "T"
    assert first("user", username="gone")["active"] is False
    assert first("claim", kind="money")["checkworthiness"] == 0.9988
    assert first("claim", kind="count")["hedged"] is True
    assert first("quantity", text="$48 million")["value"] == 48_000_000.0
    assert b'"value":48000000.0,' in data and b'"value_high":null' in data
    article = first("article")
    assert article["published_date"] == "2025-03-14" and "🌊" in article["text"]
    assert "Rhône" in data.decode("utf-8")  # UTF-8 as is, not \u escapes
    body = base64.b64decode(first("archived_content")["body"])
    assert zlib.decompress(body) == BODY
    event = first("audit_event")
    assert len(event["hash"]) == 64 and event["prev_hash"] == "0" * 64
    assert first("api_token")["token_hash"] is not None


def test_password_hashes_only_when_asked(app, tmp_path):
    with source_database(tmp_path):
        factories.user("rita", "reviewer")
        factories.user("eddie", "editor")
        without = export_bytes()
        with_hashes = export_bytes(with_password_hashes=True)
    for data, hashed in ((without, False), (with_hashes, True)):
        rows = [json.loads(line) for line in data.splitlines()[1:-1]]
        found = [r["row"]["password_hash"] for r in rows if r["table"] == "user"]
        assert len(found) == 2
        assert all(h.startswith("$argon2id$") for h in found) if hashed else found == [None, None]

    anonymous = Actor(None, "anonymous", "198.51.100.7")
    with target_database(tmp_path, "hashes.db"):
        summary = import_archive(write(tmp_path, with_hashes, "with.jsonl"))
        assert summary.users_without_password == 0
        assert export_bytes(with_password_hashes=True) == with_hashes
        assert users.authenticate(
            anonymous, "rita", factories.PASSWORD, max_attempts=5, window=WINDOW
        )

    with target_database(tmp_path, "no-hashes.db"):
        summary = import_archive(write(tmp_path, without, "without.jsonl"))
        assert summary.users_without_password == 2
        rita = User.get(User.username == "rita")
        assert rita.password_hash == NO_PASSWORD_HASH
        for password in (factories.PASSWORD, "", NO_PASSWORD_HASH):
            with pytest.raises(AuthenticationError):
                users.authenticate(anonymous, "rita", password, max_attempts=50, window=WINDOW)
        # The marker reads as "no hash" on the way out, asked for hashes or not.
        assert export_bytes(with_password_hashes=True).count(b'"password_hash":null') == 2
        # Until an admin sets a password.
        users.set_password(factories.SYSTEM, rita, "a brand new passphrase here")
        assert users.authenticate(
            anonymous, "rita", "a brand new passphrase here", max_attempts=50, window=WINDOW
        )
        assert audit.verify().intact


# Refusals -------------------------------------------------------------------------------------


def small_archive(tmp_path: Path) -> bytes:
    with source_database(tmp_path):
        rita = factories.user("rita", "reviewer")
        factories.article(rita, "The council approved a $48 million flood wall — « vite ».")
        return export_bytes()


def test_refuses_a_database_that_is_not_empty(app, tmp_path):
    data = small_archive(tmp_path)
    path = write(tmp_path, data)
    with target_database(tmp_path):
        import_archive(path)
        before = table_counts()
        with pytest.raises(ConflictError, match=r"^The database is not empty \(1 user row, "):
            import_archive(path)
        assert table_counts() == before

    with target_database(tmp_path, "scale.db"):
        # As if an admin had relabelled a step (the service would also leave an audit event).
        Rating.update(label="Vrai").where(Rating.slug == "true").execute()
        before = table_counts()
        with pytest.raises(ConflictError, match="a rating scale other than the default"):
            import_archive(path)
        assert table_counts() == before


def renumber(data: bytes) -> bytes:
    """Give an edited file an end line whose checksum matches again, as a forger would."""
    lines = data.split(b"\n")[:-1]
    body = b"".join(line + b"\n" for line in lines[:-1])
    footer = json.loads(lines[-1])
    footer["sha256"] = hashlib.sha256(body).hexdigest()
    text = json.dumps(footer, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return body + text.encode() + b"\n"


def edit_row(data: bytes, table: str, change: Any) -> bytes:
    """Apply `change` to the first line of `table`'s rows (parsed), then fix the footer."""
    lines = data.split(b"\n")
    for index, raw in enumerate(lines):
        if raw.endswith(f'"table":"{table}"}}'.encode()):
            value = json.loads(raw)
            change(value)
            lines[index] = json.dumps(
                value, sort_keys=True, separators=(",", ":"), ensure_ascii=False
            ).encode()
            return renumber(b"\n".join(lines))
    raise AssertionError(f"no {table} row")


def flip_byte(data: bytes) -> bytes:
    at = data.index(b"flood wall")
    return data[:at] + b"b" + data[at + 1 :]


def drop_last_line(data: bytes) -> bytes:
    return data[: data.rindex(b"\n", 0, -1) + 1]


def rename_table(value: dict[str, Any]) -> None:
    value["table"] = "secret_table"


def add_column(value: dict[str, Any]) -> None:
    value["row"]["shoe_size"] = 44


def drop_column(value: dict[str, Any]) -> None:
    del value["row"]["role"]


def bad_date(value: dict[str, Any]) -> None:
    value["row"]["created_at"] = "yesterday"


def bool_as_int(value: dict[str, Any]) -> None:
    value["row"]["active"] = 1


CORRUPTIONS = {
    "empty file": (lambda d: b"", "is not a claims archive"),
    "not an archive": (lambda d: b"id,title\n1,hello\n", "is not a claims archive"),
    "wrong format": (
        lambda d: d.replace(b'"format":"claims-archive"', b'"format":"claims-backup"', 1),
        "is not a claims archive",
    ),
    "wrong version": (
        lambda d: d.replace(b'"version":1}', b'"version":2}', 1),
        "of version 2; this version of the tracker reads version 1",
    ),
    "truncated": (drop_last_line, r"is truncated \(it has no end line\)"),
    "cut mid-line": (lambda d: d[: len(d) // 2], "is truncated"),
    "flipped byte": (flip_byte, "is corrupt: its SHA-256 does not match"),
    "unknown table": (
        lambda d: edit_row(d, "article", rename_table),
        "unknown table 'secret_table'",
    ),
    "unknown column": (lambda d: edit_row(d, "user", add_column), "user has no column 'shoe_size'"),
    "missing column": (lambda d: edit_row(d, "user", drop_column), "lacks column 'role'"),
    "bad value": (lambda d: edit_row(d, "user", bad_date), "user.created_at: expected datetime"),
    "0/1 boolean": (lambda d: edit_row(d, "user", bool_as_int), "user.active: expected bool"),
    "bad JSON": (
        lambda d: renumber(d.replace(b'{"row":', b'{"row"', 1)),
        "line 2 is not a JSON object",
    ),
    "counts differ": (
        lambda d: d.replace(b'"user":1', b'"user":2', 1),
        r"its end line counts the rows as",
    ),
    "data after the end": (lambda d: d + b'{"table":"user"}\n', "data after the end line"),
}


@pytest.mark.parametrize("case", CORRUPTIONS, ids=list(CORRUPTIONS))
def test_refuses_a_damaged_file_and_writes_nothing(app, tmp_path, case):
    damage, message = CORRUPTIONS[case]
    data = small_archive(tmp_path)
    damaged = damage(data)
    assert damaged != data
    with target_database(tmp_path):
        before = table_counts()
        with pytest.raises(ValidationError, match=message) as raised:
            import_archive(write(tmp_path, damaged))
        assert "\n" not in raised.value.message
        assert table_counts() == before
        assert scale_rows() == default_scale()
        import_archive(write(tmp_path, data, "intact.jsonl"))  # the intact file still goes in


def test_refuses_a_missing_file(app, tmp_path):
    with target_database(tmp_path), pytest.raises(ValidationError, match="Cannot read"):
        import_archive(tmp_path / "nowhere.jsonl")


def test_a_row_the_database_refuses_rolls_everything_back(app, tmp_path):
    data = small_archive(tmp_path)

    def orphan(value: dict[str, Any]) -> None:
        value["row"]["imported_by_id"] = 999

    with target_database(tmp_path):
        before = table_counts()
        with pytest.raises(ValidationError, match="refused the article rows from id 1"):
            import_archive(write(tmp_path, edit_row(data, "article", orphan)))
        assert table_counts() == before
        assert scale_rows() == default_scale()


def test_a_broken_audit_chain_is_imported_as_it_is_and_reported(app, tmp_path):
    data = small_archive(tmp_path)

    def tamper(value: dict[str, Any]) -> None:
        value["row"]["actor_name"] = "someone else"

    with target_database(tmp_path):
        summary = import_archive(write(tmp_path, edit_row(data, "audit_event", tamper)))
        assert not summary.audit_chain.intact and summary.audit_chain.broken_id == 1
        assert str(audit.verify()) == str(summary.audit_chain)


def test_floats_are_kept_exactly_or_refused(app, tmp_path):
    """A date quantity's upper bound is the last second of its range (1704067199.0 for 2023):
    kept to the last digit on both databases."""
    with source_database(tmp_path):
        rita = factories.user("rita", "reviewer")
        article = factories.article(rita, "The flood wall was first planned in 2023.")
        high = Quantity.select(Quantity.value_high).where(Quantity.unit == "date").scalar()
        assert high == 1704067199.0
        Claim.update(checkworthiness=0.123456789).where(Claim.article == article.id).execute()
        data = export_bytes()
    path = write(tmp_path, data)
    with target_database(tmp_path):
        # Migration 0005 made these columns double precision on PostgreSQL too.
        import_archive(path)
        assert export_bytes() == data
        assert (
            Quantity.select(Quantity.value_high).where(Quantity.unit == "date").scalar()
            == 1704067199.0
        )


# Large databases ------------------------------------------------------------------------------


def fill(claim_count: int, sentence_chars: int) -> None:
    """Many long claims (and their quantities), inserted directly: the test is about volume."""
    rita = factories.user("rita", "reviewer")
    article = factories.article(rita)
    sentence = ("Le mur anti-crue coûtera 48 millions — « selon le rapport ». " * 80)[
        :sentence_chars
    ]
    now = Article.get_by_id(article.id).imported_at
    with db.atomic():
        for first in range(0, claim_count, 500):
            Claim.insert_many(
                [
                    {
                        "article": article.id,
                        "quote": f"claim {n}",
                        "start": n,
                        "end": n + 5,
                        "sentence": sentence,
                        "statement": sentence,
                        "kind": "money",
                        "checkworthiness": round((n % 97) / 97, 4),  # as the extractor rounds
                        "hedged": n % 2 == 0,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for n in range(first, min(first + 500, claim_count))
                ]
            ).execute()
        claim_ids = [c for (c,) in Claim.select(Claim.id).tuples()]
        for first in range(0, len(claim_ids), 500):
            Quantity.insert_many(
                [
                    {"claim": c, "text": "48 millions", "value": 48e6, "unit": "EUR"}
                    for c in claim_ids[first : first + 500]
                ]
            ).execute()


def test_memory_stays_flat_on_a_large_database(app, tmp_path):
    claim_count, sentence_chars = 3000, 2000
    path = tmp_path / "large.jsonl"
    with source_database(tmp_path):
        fill(claim_count, sentence_chars)
        claims_in_all = Claim.select().count()  # with the factory article's own
        started = time.perf_counter()
        tracemalloc.start()
        try:
            with path.open("wb") as out:
                summary = export_archive(out)
            _, export_peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        export_seconds = time.perf_counter() - started
    size = path.stat().st_size
    assert summary.rows["claim"] == claims_in_all >= claim_count
    assert summary.rows["quantity"] >= claim_count
    # The claims alone are 2 x 3000 x 2000 characters (sentence and statement): ~12 MB of JSON.
    assert size > 12_000_000
    assert export_peak < 6_000_000, f"export peak {export_peak:,} bytes for a {size:,}-byte file"

    with target_database(tmp_path):
        started = time.perf_counter()
        tracemalloc.start()
        try:
            imported = import_archive(path)
            _, import_peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        import_seconds = time.perf_counter() - started
        assert imported.sha256 == summary.sha256
        assert Claim.select().count() == claims_in_all
    assert import_peak < 12_000_000, f"import peak {import_peak:,} bytes"
    print(
        f"\narchive {size:,} bytes: export {export_seconds:.2f} s (peak {export_peak:,} B), "
        f"import {import_seconds:.2f} s (peak {import_peak:,} B)"
    )


def test_summary_reads_well(app, tmp_path):
    with source_database(tmp_path):
        factories.user("rita", "reviewer")
        summary = export_archive(io.BytesIO())
    assert isinstance(summary, ArchiveSummary)
    assert summary.rows["user"] == 1 and summary.rows["rating"] == len(default_scale())
    assert str(summary).startswith(f"{summary.total_rows:,} rows in {len(summary.rows)} tables")
    assert "chain intact" in str(summary)
    with pytest.raises(dataclasses.FrozenInstanceError):
        summary.sha256 = "x"  # type: ignore[misc]


def test_the_cli_round_trip_into_a_new_database(app, tmp_path):
    """`archive export` then `archive import` into another database, as an operator would."""
    rita = factories.user("rita", "reviewer")
    factories.article(rita, "Harbour City's council voted 7 to 2 to build a 4.5 km flood wall.")
    out = tmp_path / "backup.jsonl"
    result = app.test_cli_runner().invoke(args=["archive", "export", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "rows in" in result.output and out.exists()
    assert not (tmp_path / "backup.jsonl.part").exists()
    again = app.test_cli_runner().invoke(args=["archive", "import", str(out)])
    assert again.exit_code == 1 and "not empty" in again.output
    other = tmp_path / "other.db"
    from claims import create_app

    target = create_app({"DATABASE_URL": f"sqlite:///{other}", "SECRET_KEY": "x" * 40})
    assert target.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
    loaded = target.test_cli_runner().invoke(args=["archive", "import", str(out)])
    assert loaded.exit_code == 0, loaded.output
    assert "chain intact" in loaded.output and "have no password" in loaded.output
