"""The audit trail: one event per change in the change's transaction, append-only in the
database, hash-chained, verifiable in the app and outside it, and readable by editors."""

from __future__ import annotations

import hashlib
import importlib
import inspect
import json
import pkgutil
import threading
from datetime import datetime, timedelta
from pathlib import Path

import peewee
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claims import audit, documents, extraction
from claims import services as services_package
from claims.audit import Actor
from claims.db import db, utcnow
from claims.errors import FetchFailedError
from claims.models import (
    ArchivedContent,
    Article,
    AuditEvent,
    Claim,
    Rating,
    Snapshot,
    Source,
    User,
)
from claims.services import (
    articles,
    claims,
    evidence,
    matches,
    records,
    revisions,
    security,
    sources,
    users,
    verdicts,
)
from tests import factories
from tests.conftest import is_postgres_run, login

ROOT = Path(__file__).resolve().parents[1]
MIGRATION = ROOT / "migrations" / "0002_audit_append_only.py"


def latest() -> AuditEvent:
    return AuditEvent.select().order_by(AuditEvent.id.desc()).first()


def count() -> int:
    return AuditEvent.select().count()


# Every public function of claims/services, as a writer (setup, then the call under test) or
# a reader. A new service function that is in neither table fails the test below.
SYSTEM = Actor.system("test")


def _fresh() -> User:
    return factories.user("wanda")


def _fresh_article():
    return factories.article(_fresh(), "Quarterly figures were published on Monday.")


def _fresh_claim():
    user = _fresh()
    article = factories.article(user, "The new flood wall will cost $48 million in total.")
    return claims.add_claim(SYSTEM, article.id, 0, 30)


def _two_claims():
    claim = _fresh_claim()
    other = claims.add_claim(SYSTEM, claim.article_id, 31, 45)
    return [Claim.get_by_id(claim.id), other]


def _in_transaction(fn):
    with db.atomic():
        return fn()


def _source(url: str | None = None):
    return factories.source("Ministry statement", url=url)


def _evidence():
    claim = _fresh_claim()
    user = User.get(User.username == "wanda")
    item = evidence.add_evidence(
        factories.actor_for(user), claim.id, _source().id, excerpt="$48 million", stance="supports"
    )
    return item


def _evidence_then_snapshot():
    item = _evidence()
    source = item.source
    Source.update(url="https://example.org/s").where(Source.id == source.id).execute()
    shot = factories.fetched("https://example.org/s", b"<p>It will cost $48 million.</p>")
    content = ArchivedContent.create(sha256="0" * 64, size=1, body=b"x", text="cost $48 million")
    Snapshot.create(
        source=source.id,
        content=content.id,
        http_status=200,
        final_url=shot.final_url,
        content_type="text/html",
        sha256="0" * 64,
    )
    return item


def _rating(slug: str = "true") -> Rating:
    return Rating.get(Rating.slug == slug)


def _proposed():
    """A claim with evidence and a verdict proposed by wanda, and an editor to decide it."""
    item = _evidence()
    wanda = User.get(User.username == "wanda")
    verdict = verdicts.propose_verdict(
        factories.actor_for(wanda),
        item.claim_id,
        rating_id=_rating().id,
        confidence_value=80,
        rationale="The ministry says so.",
    )
    editor = factories.user("edna", "editor")
    return verdict, factories.actor_for(editor)


def _approved():
    verdict, editor = _proposed()
    return verdicts.approve_verdict(editor, verdict.id), editor


def _dead(url: str, options: dict) -> sources.FetchedPage:
    raise FetchFailedError("The site answered with HTTP status 404.", http_status=404)


def _fresh_with_token() -> tuple[User, int]:
    user = _fresh()
    return user, users.create_token(SYSTEM, user, "x")[0].id


def _article_with_url():
    claim = _fresh_claim()
    Article.update(url="https://news.example/wall").where(Article.id == claim.article_id).execute()
    return claim


def _revised(claim) -> str:
    return Article.get_by_id(claim.article_id).text + "\nThe council met on Tuesday."


def _reader(text: str):
    """A page reader returning `text` (called in worker threads, which have no connection)."""
    return lambda url, options: documents.read_text(text)


def _flagged():
    claim = _fresh_claim()
    Claim.update(needs_recheck=True, anchor_state="changed", version=Claim.version + 1).where(
        Claim.id == claim.id
    ).execute()
    return Claim.get_by_id(claim.id)


def _two_similar_claims():
    user = _fresh()
    first = factories.article(user, "Morocco will buy 36 ATMOS artillery systems from Elbit.")
    factories.article(user, "Rabat is buying thirty-six ATMOS howitzers made by Elbit.")
    return Claim.get((Claim.article == first.id) & Claim.quote.contains("ATMOS"))


WRITERS = {
    "matches.decide_match": (
        _two_similar_claims,
        lambda c: matches.decide_match(
            SYSTEM, c.id, Claim.select().where(Claim.article != c.article_id).first().id, True
        ),
    ),
    # The claim keeps its words: one article.revision event (no claim.reanchor).
    "revisions.add_revision": (
        _fresh_claim,
        lambda c: revisions.add_revision(SYSTEM, c.article_id, _revised(c)),
    ),
    "revisions.paste_revision": (
        _fresh_claim,
        lambda c: revisions.paste_revision(SYSTEM, c.article_id, _revised(c)),
    ),
    "revisions.confirm_verdict": (
        _flagged,
        lambda c: revisions.confirm_verdict(SYSTEM, c.id, c.version),
    ),
    "users.create_user": (
        lambda: None,
        lambda _: users.create_user(SYSTEM, "newone", "a long passphrase", "editor"),
    ),
    "users.set_password": (_fresh, lambda u: users.set_password(SYSTEM, u, "another passphrase")),
    "users.change_password": (
        _fresh,
        lambda u: users.change_password(SYSTEM, u, factories.PASSWORD, "another passphrase"),
    ),
    "users.change_role": (_fresh, lambda u: users.change_role(SYSTEM, u, "admin")),
    "users.set_active": (_fresh, lambda u: users.set_active(SYSTEM, u, False)),
    "users.update_account": (
        _fresh,
        lambda u: users.update_account(SYSTEM, u, display_name="W", role="editor", active=True),
    ),
    "users.end_sessions": (_fresh, lambda u: users.end_sessions(SYSTEM, u)),
    "users.authenticate": (
        _fresh,
        lambda u: users.authenticate(
            SYSTEM, u.username, factories.PASSWORD, max_attempts=5, window=timedelta(minutes=15)
        ),
    ),
    "users.create_token": (_fresh, lambda u: users.create_token(SYSTEM, u, "job")),
    "users.revoke_token": (_fresh_with_token, lambda ut: users.revoke_token(SYSTEM, *ut)),
    "articles.import_document": (
        _fresh,
        # A text with no claim: the import itself is one event (each claim adds one more).
        lambda u: articles.import_document(Actor(u.id, u.username), documents.read_text("Hello.")),
    ),
    "articles.update_metadata": (
        _fresh_article,
        lambda a: articles.update_metadata(
            SYSTEM,
            a.id,
            a.version,
            title="New",
            url=None,
            publisher=None,
            byline=None,
            published=None,
        ),
    ),
    "claims.update_claim": (
        _fresh_claim,
        lambda c: claims.update_claim(SYSTEM, c.id, c.version, statement="New"),
    ),
    "claims.dismiss_claim": (
        _fresh_claim,
        lambda c: claims.dismiss_claim(SYSTEM, c.id, c.version, "opinion"),
    ),
    "claims.restore_claim": (
        lambda: claims.dismiss_claim(SYSTEM, _fresh_claim().id, 1, "opinion"),
        lambda c: claims.restore_claim(SYSTEM, c.id, c.version),
    ),
    "security.log_event": (lambda: None, lambda _: security.log_event(SYSTEM, "access.denied")),
    "records.save_versioned": (
        _source,
        lambda s: _in_transaction(
            lambda: records.save_versioned(SYSTEM, s, {"reliability": 2}, action="x", noun="source")
        ),
    ),
    "security.log_fetch_failure": (
        lambda: None,
        lambda _: security.log_fetch_failure(
            SYSTEM, FetchFailedError("gone"), "https://example.org/\n gone"
        ),
    ),
    "claims.attribute_claim": (
        lambda: (_fresh_claim(), _source()),
        lambda cs: claims.attribute_claim(SYSTEM, cs[0].id, cs[0].version, cs[1].id),
    ),
    "sources.add_source": (
        lambda: None,
        lambda _: sources.add_source(SYSTEM, None, sources.SourceFields(title="A book"), {}),
    ),
    "sources.update_source": (
        _source,
        lambda s: sources.update_source(
            SYSTEM, s.id, s.version, sources.SourceFields(reliability=4)
        ),
    ),
    "sources.record_check": (
        lambda: _source("https://example.org/gone"),
        lambda s: sources.record_check(SYSTEM, s, None, FetchFailedError("gone")),
    ),
    # A private address is refused before any connection: the source is marked, nothing fetched.
    "sources.refetch_source": (
        lambda: _source("http://10.0.0.1/secret"),
        lambda s: sources.refetch_source(SYSTEM, s.id, {}),
    ),
    "sources.add_citation": (
        lambda: (_source(), factories.source("Press release")),
        lambda pair: sources.add_citation(SYSTEM, pair[0].id, pair[1].id),
    ),
    "sources.remove_citation": (
        lambda: sources.add_citation(SYSTEM, _source().id, factories.source("Press release").id),
        lambda c: sources.remove_citation(SYSTEM, c.id),
    ),
    "claims.save_claim": (
        _fresh_claim,
        lambda c: _in_transaction(lambda: claims.save_claim(SYSTEM, c, "claim.x", hedged=True)),
    ),
    "claims.start_research": (
        _fresh_claim,
        lambda c: claims.start_research(SYSTEM, c.id, c.version),
    ),
    "claims.reopen_claim": (
        _approved,
        lambda pair: claims.reopen_claim(
            pair[1], pair[0].claim_id, Claim.get_by_id(pair[0].claim_id).version, "new facts"
        ),
    ),
    "claims.transition": (
        _fresh_claim,
        lambda c: claims.transition(SYSTEM, c.id, c.version, "in_research"),
    ),
    "claims.assign_claim": (
        _fresh_claim,
        lambda c: claims.assign_claim(
            SYSTEM, c.id, c.version, User.get(User.username == "wanda").id
        ),
    ),
    "verdicts.create_rating": (
        lambda: None,
        lambda _: verdicts.create_rating(SYSTEM, "Exaggerated", None),
    ),
    "verdicts.update_rating": (
        _rating,
        lambda r: verdicts.update_rating(SYSTEM, r.id, r.version, label="Correct", numeric=5),
    ),
    "verdicts.delete_rating": (
        lambda: _rating("not-checkable"),
        lambda r: verdicts.delete_rating(SYSTEM, r.id, r.version),
    ),
    "evidence.update_evidence": (
        _evidence,
        lambda e: evidence.update_evidence(SYSTEM, e.id, e.version, stance="refutes"),
    ),
    "evidence.remove_evidence": (
        _evidence,
        lambda e: evidence.remove_evidence(SYSTEM, e.id, e.version),
    ),
}
# Writers that record one event per record they touch, with how many records that is.
MULTI_WRITERS = {
    # A re-fetch with a new text: the revision and the check recorded on the article.
    "revisions.refetch_article": (
        _article_with_url,
        lambda c: revisions.refetch_article(
            SYSTEM, c.article_id, {}, reader=lambda url, o: documents.read_text(_revised(c))
        ),
        2,
    ),
    "revisions.refetch_articles": (
        _article_with_url,
        lambda c: list(
            revisions.refetch_articles(SYSTEM, [c.article_id], {}, reader=_reader(_revised(c)))
        ),
        2,
    ),
    # A refused address kept without a snapshot: the refusal (a security event) and the source.
    "sources.resolve_or_add": (
        lambda: None,
        lambda _: sources.resolve_or_add(
            SYSTEM, "http://10.0.0.1/memo", {}, keep_without_snapshot=True
        ),
        2,
    ),
    "sources.recheck_sources": (
        lambda: [_source("https://example.org/a"), factories.source("B", url="https://b.example/")],
        lambda pair: list(sources.recheck_sources(SYSTEM, None, {}, fetcher=_dead)),
        2,
    ),
    # One event per evidence item whose check changed (here: now verified in a snapshot).
    # The verdict (one event) and the claim's move to "verdict proposed" (one event).
    "verdicts.propose_verdict": (
        _evidence,
        lambda e: verdicts.propose_verdict(
            factories.actor_for(User.get(User.username == "wanda")),
            e.claim_id,
            rating_id=_rating().id,
            confidence_value=70,
            rationale="Because.",
        ),
        2,
    ),
    "verdicts.approve_verdict": (
        _proposed,
        lambda pair: verdicts.approve_verdict(pair[1], pair[0].id),
        2,
    ),
    "verdicts.reject_verdict": (
        _proposed,
        lambda pair: verdicts.reject_verdict(pair[1], pair[0].id, "Find the contract."),
        2,
    ),
    # Two ratings swap places: one event each.
    "verdicts.move_rating": (_rating, lambda r: verdicts.move_rating(SYSTEM, r.id, 1), 2),
    # The claim leaves "new" (one event) and the evidence is attached (one event).
    "evidence.add_evidence": (
        lambda: (_fresh_claim(), _source()),
        lambda cs: evidence.add_evidence(
            factories.actor_for(User.get(User.username == "wanda")),
            cs[0].id,
            cs[1].id,
            excerpt="$48 million",
            stance="supports",
        ),
        2,
    ),
    "evidence.recheck_quotes": (
        _evidence_then_snapshot,
        lambda e: _in_transaction(lambda: evidence.recheck_quotes(SYSTEM, e.source_id)),
        1,
    ),
    "claims.add_claim": (_fresh_article, lambda a: claims.add_claim(SYSTEM, a.id, 0, 8), 1),
    "claims.create_claims": (
        _fresh_article,
        lambda a: _in_transaction(
            lambda: claims.create_claims(
                SYSTEM,
                a,
                extraction.extract(
                    "Morocco bought 36 ATMOS systems. The deal was worth $1 billion."
                ),
            )
        ),
        2,
    ),
    # The claim keeps its first part (one event), a new claim takes the rest (one event).
    "claims.split_claim": (
        _fresh_claim,
        lambda c: claims.split_claim(SYSTEM, c.id, c.version, c.start + 4),
        2,
    ),
    # The merged claim (one event) and each original dismissed (one event each).
    "claims.merge_claims": (
        _two_claims,
        lambda pair: claims.merge_claims(SYSTEM, pair[0].article_id, [c.id for c in pair]),
        3,
    ),
}
READERS = {
    "matches.matches_of",
    "matches.linked_evidence",
    "search.words_of",
    "search.check",
    "search.search",
    "evidence.number_checks",
    "evidence.independence_of",
    "revisions.revisions_of",
    "revisions.get_revision",
    "revisions.placements_in",
    "revisions.new_claims",
    "revisions.last_outcomes",
    "revisions.compare",
    "revisions.latest_outcome",
    "revisions.diff_of",
    "revisions.refetchable",
    "users.username_key",
    "users.get_user",
    "users.user_by_id",
    "users.find_user",
    "users.list_users",
    "users.active_accounts",
    "users.load_session_user",
    "users.list_tokens",
    "users.user_for_token",
    "articles.text_sha256",
    "articles.get_article",
    "articles.recent_articles",
    "articles.with_metadata",
    "articles.fetch_document",
    "users.first_admin",
    "claims.get_claim",
    "claims.current_claim",
    "claims.quantities_of",
    "claims.article_claims",
    "claims.search_claims",
    "claims.claim_state",
    "claims.count_claims",
    "claims.progress",
    "sources.get_source",
    "sources.url_key",
    "sources.find_by_url",
    "sources.library",
    "sources.recent_sources",
    "sources.latest_snapshots",
    "sources.evidence_counts",
    "sources.snapshots_of",
    "sources.get_snapshot",
    "sources.snapshot_body",
    "sources.citations_of",
    "sources.cited_by",
    "sources.citation_tree",
    "sources.read_page",
    "sources.fetch_page",
    "sources.count_fetchable",
    "sources.source_ref",
    "sources.provenance",
    "evidence.check_quote",
    "evidence.open_claim",
    "evidence.claim_evidence",
    "evidence.by_stance",
    "evidence.get_evidence",
    "evidence.source_evidence",
    "evidence.attributed_claims",
    "claims.actor_role",
    "claims.workflow_facts",
    "verdicts.ratings",
    "verdicts.get_rating",
    "verdicts.rating_usage",
    "verdicts.claim_verdicts",
    "verdicts.get_verdict",
    "verdicts.evidence_support",
    "verdicts.support_of",
    "verdicts.my_queue",
    "verdicts.queue_counts",
    "verdicts.dashboard",
    "publishing.published",
    "publishing.entries",
    "publishing.claim_entry",
    "publishing.article_entries",
    "publishing.all_entries",
}


def service_functions() -> set[str]:
    names = set()
    for info in pkgutil.iter_modules(services_package.__path__):
        module = importlib.import_module(f"claims.services.{info.name}")
        short = info.name
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ == module.__name__ and not name.startswith("_"):
                names.add(f"{short}.{name}")
    return names


# Functions that write only derived data (recomputable from audited records) inside their
# caller's transaction, whose own event covers it.
DERIVED = {
    "matches.index_claims": "claim terms and suggested matches, written by claims.create_claims "
    "(its claim.create events) and recomputable from the claims",
}


def test_every_service_function_is_known_as_writer_or_reader():
    assert service_functions() == set(WRITERS) | set(MULTI_WRITERS) | READERS | set(DERIVED)


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_each_writer_leaves_exactly_one_event(app, name):
    setup, action = WRITERS[name]
    context = setup()
    before = count()
    action(context)
    assert count() == before + 1
    assert audit.verify().intact


@pytest.mark.parametrize("name", sorted(MULTI_WRITERS))
def test_multi_record_writers_leave_one_event_per_record(app, name):
    setup, action, records = MULTI_WRITERS[name]
    context = setup()
    before = count()
    action(context)
    assert count() == before + records
    assert audit.verify().intact


def test_a_change_that_fails_leaves_no_event(app, system):
    factories.user("dup")
    before = count()
    with pytest.raises(Exception, match="already taken"):
        users.create_user(system, "DUP", "a long passphrase", "reviewer")
    assert count() == before
    assert User.select().count() == 1


def test_an_event_that_cannot_be_written_fails_the_change(app, system, monkeypatch):
    def broken(*args, **kwargs):
        raise peewee.IntegrityError("audit storage refused the event")

    monkeypatch.setattr(AuditEvent, "create", broken)
    with pytest.raises(peewee.IntegrityError):
        users.create_user(system, "ghost", "a long passphrase", "reviewer")
    monkeypatch.undo()
    assert User.select().where(User.username == "ghost").count() == 0


def test_record_outside_a_transaction_is_refused(app, system):
    with pytest.raises(RuntimeError, match="inside the change's transaction"):
        audit.record(system, "x", "user", 1)


def test_events_carry_who_what_when_and_field_changes(app, system):
    user = factories.user("ed")
    users.change_role(Actor(7, "boss", "10.0.0.5", "req-1"), user, "editor")
    event = latest()
    assert (event.actor_id, event.actor_name, event.ip, event.request_id) == (
        7,
        "boss",
        "10.0.0.5",
        "req-1",
    )
    assert (event.action, event.entity_type, event.entity_id) == ("user.role", "user", user.id)
    assert json.loads(event.before) == {"role": "reviewer", "session_generation": 0}
    assert json.loads(event.after) == {"role": "editor", "session_generation": 1}
    assert abs((utcnow() - event.at).total_seconds()) < 60


def test_secrets_never_enter_the_trail(app, system):
    user = factories.user("sec")
    users.set_password(system, user, "the brand new secret")
    token, plaintext = users.create_token(system, user, "ci")
    everything = " ".join(f"{e.before} {e.after}" for e in AuditEvent.select())
    for secret in (
        "the brand new secret",
        factories.PASSWORD,
        plaintext,
        token.token_hash,
        User.get_by_id(user.id).password_hash,
        user.password_hash,
    ):
        assert secret not in everything
    change = AuditEvent.get(AuditEvent.action == "user.password")
    assert json.loads(change.after)["password_hash"] == "changed"


def test_the_database_refuses_update_and_delete_of_events(app, system):
    factories.user("trail")
    event = latest()
    for statement in (
        AuditEvent.update(action="edited").where(AuditEvent.id == event.id),
        AuditEvent.delete().where(AuditEvent.id == event.id),
    ):
        with pytest.raises(peewee.DatabaseError, match="append-only"), db.atomic():
            statement.execute()
    with pytest.raises(peewee.DatabaseError, match="append-only"), db.atomic():
        event.delete_instance()
    with pytest.raises(peewee.DatabaseError, match="append-only"), db.atomic():
        db.execute_sql("DELETE FROM audit_event")
    assert latest().action == event.action and count() == 1


def _without_trigger(statement: str) -> None:
    """Simulate a database administrator: drop the guard, edit, put the guard back."""
    postgres = is_postgres_run()
    namespace: dict = {}
    exec(compile(MIGRATION.read_text(), str(MIGRATION), "exec"), namespace)
    with db.atomic():
        if postgres:
            db.execute_sql("ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_change")
        else:
            db.execute_sql("DROP TRIGGER audit_event_no_update")
            db.execute_sql("DROP TRIGGER audit_event_no_delete")
        db.execute_sql(statement)
        if postgres:
            db.execute_sql("ALTER TABLE audit_event ENABLE TRIGGER audit_event_no_change")
        else:
            for create in namespace["SQLITE"]:
                db.execute_sql(create)


@pytest.mark.parametrize(
    ("statement", "reason"),
    [
        (
            'UPDATE audit_event SET after = \'{"role":"admin"}\' WHERE id = 3',
            "content does not match",
        ),
        (
            "UPDATE audit_event SET actor_name = 'someone-else' WHERE id = 3",
            "content does not match",
        ),
        ("DELETE FROM audit_event WHERE id = 3", "prev_hash does not match"),
    ],
)
def test_verify_names_the_first_broken_event(app, system, statement, reason):
    for name in ("a1", "a2", "a3", "a4", "a5"):
        factories.user(name)
    assert str(audit.verify()) == "5 events, chain intact"
    _without_trigger(statement)
    report = audit.verify()
    assert not report.intact
    assert report.broken_id == (3 if "UPDATE" in statement else 4)
    assert reason in report.reason
    # The same report from any batch size (a break on a batch's first row, its link to the
    # batch before) and from the general walk over event dicts.
    for batch in (1, 2, 3):
        assert audit.verify(batch=batch) == report
    assert audit.verify_events(audit.iter_events()) == report
    # A walk from a later event reads only what follows it, in order, in any batch size.
    everything = list(audit.iter_events())
    for batch in (1, 2, 10):
        assert list(audit.iter_events(batch, after_id=everything[1]["id"])) == everything[2:]
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"chain broken at event {report.broken_id}" in result.output


def test_audit_verify_command_reports_an_intact_chain(app):
    for name in ("v1", "v2"):
        factories.user(name)
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0
    assert result.output.strip() == "2 events, chain intact"


def test_concurrent_writers_never_fork_the_chain(app, database_url):
    writers, per_writer = 6, 5
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            with db.connection_context():
                for i in range(per_writer):
                    security.log_event(Actor.system(f"w{n}"), "access.denied", details={"i": i})
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert count() == writers * per_writer
    assert audit.verify().intact
    prevs = [e.prev_hash for e in AuditEvent.select(AuditEvent.prev_hash)]
    assert len(set(prevs)) == len(prevs)


def test_export_verifies_outside_the_app_and_detects_tampering(app, tmp_path):
    for name in ("x1", "x2", "x3"):
        factories.user(name)
    out = tmp_path / "trail.jsonl"
    runner = app.test_cli_runner()
    assert runner.invoke(args=["audit", "export", "-o", str(out)]).exit_code == 0
    lines = out.read_text().splitlines()
    # Three accounts, then the export itself (recorded before it streams, so it is included).
    assert len(lines) == 4 and json.loads(lines[-1])["action"] == "audit.export"
    first = json.loads(lines[0])
    assert first["prev_hash"] == "0" * 64 and len(first["hash"]) == 64
    # The README's stand-alone check (stdlib only) accepts it...
    assert readme_verifier(out) == "4 events, chain intact"
    result = runner.invoke(args=["audit", "verify", "--file", str(out)])
    assert result.output.strip() == "4 events, chain intact"
    # ...and names the edited line.
    edited = json.loads(lines[1])
    edited["action"] = "user.delete"
    lines[1] = json.dumps(edited)
    out.write_text("\n".join(lines) + "\n")
    assert readme_verifier(out) == "event 2: hash mismatch"
    result = runner.invoke(args=["audit", "verify", "--file", str(out)])
    assert result.exit_code == 1 and "chain broken at event 2" in result.output


def readme_verifier(path: Path) -> str:
    """Run the verification snippet from the README, exactly as an outside auditor would."""
    readme = (ROOT / "README.md").read_text()
    code = readme.split("<!-- verify-snippet -->")[1].split("```python")[1].split("```")[0]
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    return namespace["verify"](str(path))


def test_audit_page_filters_and_shows_field_level_changes(app, editor_client, system):
    rita = factories.user("rita2")
    users.change_role(Actor(None, "carol"), rita, "editor")
    security.log_event(system, "access.denied")
    page = editor_client.get("/audit/?actor=carol")
    assert page.status_code == 200
    assert "user.role" in page.text and "access.denied" not in page.text
    assert "reviewer" in page.text and "editor" in page.text  # before -> after
    page = editor_client.get("/audit/?action=access")
    assert "access.denied" in page.text and "user.role" not in page.text
    page = editor_client.get(f"/audit/?entity=user&entity_id={rita.id}")
    assert "user.create" in page.text and "user.role" in page.text
    page = editor_client.get("/audit/?q=rita2")
    assert "user.create" in page.text
    bad = editor_client.get("/audit/?since=not-a-date&entity=planet")
    assert bad.status_code == 422
    assert "Not a valid date value" in bad.text and "Not a valid choice" in bad.text
    tomorrow = (utcnow() + timedelta(days=1)).date().isoformat()
    assert "No events match" in editor_client.get(f"/audit/?since={tomorrow}").text


def _pages_of(flt: audit.EventFilter, size: int = 2) -> list[list[int]]:
    """The event ids of a filter's pages, newest first, paged as the audit page does."""
    pages: list[list[int]] = []
    before = None
    while page := audit.search(flt, before_id=before, limit=size):
        pages.append([e.id for e in page])
        before = page[-1].id
    return pages


def test_a_records_events_page_by_page_are_the_ones_the_whole_filter_selects(app, reviewer):
    """A record's events (its own and those of what belongs to it) are read as two walks along
    their indexes; page by page, with other filters, they are exactly what one "own or
    children" query selects, newest first."""
    actor = factories.actor_for(reviewer)
    article = factories.article(reviewer, "Morocco will buy 36 ATMOS artillery systems.")
    claim = Claim.select().where(Claim.article == article.id).first()
    other = factories.article(reviewer, "The council approved a $48 million flood wall.")
    for i in range(6):
        current = claims.get_claim(claim.id)  # evidence moves it on: a new version
        claims.update_claim(actor, claim.id, current.version, statement=f"Version {i}.")
        if i % 2:
            source = factories.source(f"Outlet {i}")
            evidence.add_evidence(
                actor, claim.id, source.id, excerpt=f"{i} systems", stance="supports"
            )
    other_claim = Claim.select().where(Claim.article == other.id).first()
    claims.update_claim(actor, other_claim.id, other_claim.version, statement="Elsewhere.")

    def oracle(flt: audit.EventFilter) -> list[int]:
        own = (AuditEvent.entity_type == flt.entity_type) & (AuditEvent.entity_id == flt.entity_id)
        children = (AuditEvent.parent_type == flt.entity_type) & (
            AuditEvent.parent_id == flt.entity_id
        )
        query = AuditEvent.select(AuditEvent.id).where(own | children)
        if flt.action:
            query = query.where(
                (AuditEvent.action == flt.action) | AuditEvent.action.startswith(flt.action + ".")
            )
        return [e.id for e in query.order_by(AuditEvent.id.desc())]

    for flt in (
        audit.EventFilter(entity_type="claim", entity_id=claim.id),
        audit.EventFilter(entity_type="claim", entity_id=claim.id, action="claim"),
        audit.EventFilter(entity_type="claim", entity_id=claim.id, action="evidence"),
        audit.EventFilter(entity_type="article", entity_id=article.id),
    ):
        expected = oracle(flt)
        assert len(expected) >= 3, flt
        assert [i for page in _pages_of(flt) for i in page] == expected, flt
    assert audit.search(audit.EventFilter(entity_type="claim", entity_id=10**9)) == []


def test_an_actions_events_page_by_page_are_the_ones_the_whole_filter_selects(app, reviewer):
    """An action filter ("claim" is claim.update, claim.attribute ...) is read as one walk per
    action along the action index; page by page, with other filters, it selects exactly what
    one "the action or under it" query does, newest first."""
    actor = factories.actor_for(reviewer)
    article = factories.article(reviewer, "Morocco will buy 36 ATMOS artillery systems.")
    claim = Claim.select().where(Claim.article == article.id).first()
    for i in range(5):
        current = claims.get_claim(claim.id)
        claims.update_claim(actor, claim.id, current.version, statement=f"Version {i}.")
        source = factories.source(f"Outlet {i}")
        evidence.add_evidence(actor, claim.id, source.id, excerpt=f"{i} systems", stance="supports")
    with db.atomic():  # actions that only share the start of a name are not under it
        audit.record(SYSTEM, "claimant.merge", "claim", claim.id, after={"n": 1})
        audit.record(SYSTEM, "claim", "claim", claim.id, after={"n": 2})

    def oracle(flt: audit.EventFilter) -> list[int]:
        action = (flt.action or "").lower()
        query = AuditEvent.select(AuditEvent.id).where(
            (AuditEvent.action == action) | AuditEvent.action.startswith(action + ".")
        )
        if flt.actor:
            query = query.where(AuditEvent.actor_name == flt.actor)
        if flt.entity_type:
            query = query.where(AuditEvent.entity_type == flt.entity_type)
        return [e.id for e in query.order_by(AuditEvent.id.desc())]

    names = {e.action for e in AuditEvent.select(AuditEvent.action)}
    assert {"claim", "claim.update", "claimant.merge", "evidence.create"} <= names, names
    for flt in (
        audit.EventFilter(action="claim"),
        audit.EventFilter(action="Claim.Update"),
        audit.EventFilter(action="evidence"),
        audit.EventFilter(action="claim", actor=actor.name),
        audit.EventFilter(action="evidence", entity_type="evidence"),
        audit.EventFilter(action="claim", entity_type="claim"),
    ):
        expected = oracle(flt)
        assert len(expected) >= 3, flt
        assert [i for page in _pages_of(flt) for i in page] == expected, flt
    assert "claimant.merge" not in {
        e.action for e in audit.search(audit.EventFilter(action="claim"))
    }
    assert audit.search(audit.EventFilter(action="no-such-action")) == []


def test_audit_page_paginates_newest_first(app, editor_client, system):
    app.config["PAGE_SIZE"] = 3
    for i in range(7):
        security.log_event(system, f"test.e{i}")
    first = editor_client.get("/audit/?action=test")
    assert first.text.index("test.e6") < first.text.index("test.e4")
    assert "test.e3" not in first.text and "Older events" in first.text
    older = editor_client.get(
        "/audit/?action=test&before=" + first.text.split("before=")[1].split('"')[0].split("&")[0]
    )
    assert "test.e3" in older.text and "test.e6" not in older.text


def test_event_page_shows_hashes_and_link_to_previous(app, editor_client):
    factories.user("h1")
    factories.user("h2")
    second = latest()
    page = editor_client.get(f"/audit/{second.id}")
    assert second.hash in page.text and second.prev_hash in page.text
    assert f"event #{second.id - 1}" in page.text


def test_article_page_shows_its_history_to_editors_only(
    app, editor_client, reviewer_client, reviewer
):
    article = factories.article(reviewer)
    page = editor_client.get(f"/articles/{article.id}")
    assert "History" in page.text and "article.import" in page.text
    assert "article.import" not in reviewer_client.get(f"/articles/{article.id}").text


def test_reviewers_cannot_read_the_trail(reviewer_client):
    for url in ("/audit/", "/audit/1", "/audit/export.jsonl", "/api/audit"):
        assert reviewer_client.get(url).status_code == 403


def test_no_route_edits_or_deletes_events(app, admin_client):
    factories.user("keep")
    event = latest()
    for method in ("PUT", "PATCH", "DELETE", "POST"):
        for url in (f"/audit/{event.id}", f"/api/audit/{event.id}", "/audit/", "/api/audit"):
            assert admin_client.open(url, method=method).status_code in (404, 405)
    assert latest().hash == event.hash


def test_api_lists_events_newest_first_with_hashes_and_filters(app, editor_client, system):
    user = factories.user("apiu")
    users.change_role(system, user, "editor")
    body = editor_client.get(f"/api/audit?entity=user&entity_id={user.id}").json
    assert [e["action"] for e in body["events"]] == ["user.role", "user.create"]
    newest = body["events"][0]
    assert set(newest) >= {
        "id",
        "at",
        "actor_name",
        "action",
        "entity_type",
        "entity_id",
        "before",
        "after",
        "prev_hash",
        "hash",
    }
    assert newest["prev_hash"] == body["events"][1]["hash"]
    assert body["next"] is None
    paged = editor_client.get("/api/audit?limit=1").json
    assert len(paged["events"]) == 1 and "before=" in paged["next"]
    again = editor_client.get(paged["next"]).json
    assert again["events"][0]["id"] < paged["events"][0]["id"]
    future = (utcnow() + timedelta(days=1)).isoformat() + "Z"
    assert editor_client.get(f"/api/audit?since={future}").json["events"] == []
    for bad in ("since=yesterday", "limit=0", "limit=abc", "entity=planet", "entity_id=-1"):
        response = editor_client.get(f"/api/audit?{bad}")
        assert response.status_code == 422, bad
        assert response.json["error"]["code"] == "invalid"
    assert (
        len(editor_client.get("/api/audit?limit=100000").json["events"])
        <= app.config["MAX_PAGE_SIZE"]
    )


def test_audit_export_download_streams_json_lines(app, editor_client):
    factories.user("d1")
    response = editor_client.get("/audit/export.jsonl")
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    assert response.mimetype == "application/x-ndjson"
    events = [json.loads(line) for line in response.text.splitlines()]
    assert audit.verify_events(iter(events)).intact


def test_login_events_record_the_client_address(app, reviewer):
    client = app.test_client()
    login(client, "rita", "wrong password here")
    event = AuditEvent.get(AuditEvent.action == "login.failed")
    assert event.ip == "127.0.0.1" and event.actor_name == "anonymous"
    # A client cannot choose its recorded address when no proxy is trusted.
    login(client, "rita", "wrong password here")
    client.post("/login", headers={"X-Forwarded-For": "1.2.3.4"})
    assert AuditEvent.select().where(AuditEvent.ip == "1.2.3.4").count() == 0


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (datetime(2026, 1, 2, 10, 0), "2026-01-02T10:00:00.000000Z"),
        (datetime(2026, 1, 2, 10, 0, 0, 500000), "2026-01-02T10:00:00.500000Z"),
        ("2026-01-02 10:00:00", "2026-01-02T10:00:00.000000Z"),  # SQLite, zero fraction
        ("2026-01-02 10:00:00.5", "2026-01-02T10:00:00.500000Z"),  # PostgreSQL trims zeros
        ("2026-01-02 10:00:00.123456", "2026-01-02T10:00:00.123456Z"),
        ("2026-01-02T10:00:00.000001Z", "2026-01-02T10:00:00.000001Z"),  # an export
    ],
)
def test_event_times_have_one_canonical_form(raw, expected):
    assert audit.canonical_time(raw) == expected


_TEXT = st.one_of(st.none(), st.text(st.characters(exclude_categories=("Cs",)), max_size=40))
_NUMBER = st.one_of(st.none(), st.integers(min_value=-(2**63), max_value=2**63 - 1))


@settings(max_examples=300, deadline=None)
@given(
    texts=st.lists(_TEXT, min_size=8, max_size=8),
    numbers=st.lists(_NUMBER, min_size=3, max_size=3),
    at=st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2999, 12, 31)),
)
def test_an_events_hash_covers_exactly_its_canonical_json(texts, numbers, at):
    # event_hash writes the canonical JSON out directly; it must be byte for byte what
    # canonical_json makes of the same fields, or old chains would stop verifying.
    action, name, after, before, entity_type, ip, parent_type, request_id = texts
    fields = {
        "at": at,
        "actor_id": numbers[0],
        "actor_name": name or "",
        "action": action or "",
        "entity_type": entity_type or "",
        "entity_id": numbers[1],
        "parent_type": parent_type,
        "parent_id": numbers[2],
        "before": before,
        "after": after,
        "ip": ip,
        "request_id": request_id,
        "prev_hash": audit.GENESIS_HASH,
    }
    content = {**fields, "v": 1, "at": audit.canonical_time(at)}
    expected = hashlib.sha256(audit.canonical_json(content).encode("utf-8")).hexdigest()
    assert audit.event_hash(**fields) == expected
    # A value of another type (a bool where a number belongs) takes the general path.
    assert (
        audit.event_hash(**{**fields, "actor_id": True})
        == hashlib.sha256(
            audit.canonical_json({**content, "actor_id": True}).encode("utf-8")
        ).hexdigest()
    )


# Every hashed field but `at`.
_HASHED_FIELDS = (
    "actor_id",
    "actor_name",
    "action",
    "entity_type",
    "entity_id",
    "parent_type",
    "parent_id",
    "before",
    "after",
    "ip",
    "request_id",
    "prev_hash",
)


def test_an_event_on_a_whole_second_verifies(app, system):
    with db.atomic():
        event = audit.record(system, "test.whole", "security", None, after={})
    whole = event.at.replace(microsecond=0)
    fields = {k: getattr(event, k) for k in _HASHED_FIELDS}
    _without_trigger(
        f"UPDATE audit_event SET at = '{whole.isoformat(sep=' ')}', "
        f"hash = '{audit.event_hash(at=whole, **fields)}' WHERE id = {event.id}"
    )
    assert audit.verify().intact


def test_a_value_of_an_unexpected_type_is_hashed_as_canonical_json_writes_it(app, system):
    if is_postgres_run():
        pytest.skip("PostgreSQL keeps every value to its column's type")
    with db.atomic():
        audit.record(system, "test.first", "security", None, after={})
        event = audit.record(system, "test.odd", "security", 7, after={})
    # SQLite keeps text in an integer column: verify's fast path refuses it, the general path
    # hashes it as a string, as event_hash does.
    fields = {k: getattr(event, k) for k in _HASHED_FIELDS}
    fields["entity_id"] = "seven"
    _without_trigger(
        f"UPDATE audit_event SET entity_id = 'seven', "
        f"hash = '{audit.event_hash(at=event.at, **fields)}' WHERE id = {event.id}"
    )
    stored = db.execute_sql("SELECT typeof(entity_id) FROM audit_event WHERE id = ?", (event.id,))
    assert stored.fetchone()[0] == "text"
    assert audit.verify() == audit.verify_events(audit.iter_events())
    assert str(audit.verify()) == "2 events, chain intact"


def test_event_times_never_go_backwards_and_date_filters_are_exact(app, system, monkeypatch):
    with db.atomic():
        first = audit.record(system, "test.a", "security", None, after={})
    # Another app server whose clock is a minute behind appends next.
    monkeypatch.setattr(audit, "utcnow", lambda: first.at - timedelta(minutes=1))
    with db.atomic():
        second = audit.record(system, "test.b", "security", None, after={})
    monkeypatch.undo()
    assert second.at == first.at
    day = first.at.date()
    assert {
        e.action
        for e in audit.search(audit.EventFilter(since=datetime.combine(day, datetime.min.time())))
    } == {"test.a", "test.b"}
    later = first.at + timedelta(microseconds=1)
    assert audit.search(audit.EventFilter(since=later)) == []
    assert {e.action for e in audit.search(audit.EventFilter(until=later))} == {"test.a", "test.b"}
    assert audit.search(audit.EventFilter(until=first.at)) == []
    assert audit.verify().intact


# Free text on the audit page: a trigram index (migration 0010) -------------------------------

TEXT_MIGRATION = ROOT / "migrations" / "0010_audit_text_search.py"


def _note(action: str, text: str, actor: str = "tester") -> None:
    security.log_event(Actor(None, actor), action, details={"note": text})


def _listed(client, query: str) -> list[str]:
    """The actions of the events the audit page lists for a query string, top to bottom."""
    import re

    page = client.get("/audit/?" + query)
    assert page.status_code == 200, page.text
    return re.findall(r"<strong>([^<]+)</strong> on ", page.text)


def _found(client, text: str, among: str = "") -> list[str]:
    from urllib.parse import urlencode

    return [a for a in _listed(client, urlencode({"q": text})) if a.startswith(among)]


def test_audit_text_finds_a_rare_word_anywhere_in_any_case(app, editor_client):
    _note("find.rare", "Reviewed by the Quixotic-Benslimane desk")
    _note("find.other", "Reviewed by the Benslimane desk")
    for i in range(60):  # newer than the rare one: more than a page of them
        _note(f"fill.n{i:02d}", "routine check of the figures")
    for text in ("Quixotic-Benslimane", "quixotic-benslimane", "XOTIC-BENS", "xotic-b", "uix"):
        assert _found(editor_client, text) == ["find.rare"], text
    assert _found(editor_client, "benslimane desk") == ["find.other", "find.rare"]
    assert _found(editor_client, "Benslimane desk.") == []
    assert _found(editor_client, "  quixotic  ") == ["find.rare"]
    assert _found(editor_client, "no such words here") == []
    # Actor names and actions are searched too.
    _note("find.actor", "nothing special", actor="Zelda-Marsh")
    assert _found(editor_client, "da-mar") == ["find.actor"]
    assert _found(editor_client, "ND.ACT") == ["find.actor"]
    fills = _found(editor_client, "routine check", among="fill.")
    assert fills == [f"fill.n{i:02d}" for i in range(59, 9, -1)]  # newest first, one page


LITERAL_NOTES = {
    "lit.percent": "100% sure",
    "lit.percent-decoy": "100 percent sure",
    "lit.underscore": "snake_case",
    "lit.underscore-decoy": "snakeXcase",
    "lit.quote": 'say "hi" twice',
    "lit.quote-decoy": "say hi twice",
    "lit.star": "a*b*c",
    "lit.star-decoy": "abc and a-b-c",
    "lit.syntax": "NEAR(x y) AND col:z OR NOT ^w",
    "lit.syntax-decoy": "x y z w",
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0% s", {"lit.percent"}),
        ("%", {"lit.percent"}),
        ("0%", {"lit.percent"}),
        ("e_c", {"lit.underscore"}),
        ("_c", {"lit.underscore"}),
        ("_", {"lit.underscore"}),
        ('"hi', {"lit.quote"}),
        ('"hi\\" twice', {"lit.quote"}),
        ('hi" OR "x', set()),
        ("a*b", {"lit.star"}),
        ("*", {"lit.star"}),
        ("b*", {"lit.star"}),
        ("NEAR(x y) AND col:z", {"lit.syntax"}),
        ("OR NOT ^w", {"lit.syntax"}),
        (") OR (", set()),
        ("y) AND", {"lit.syntax"}),
    ],
)
def test_audit_text_takes_wildcards_quotes_and_operators_literally(
    app, editor_client, text, expected
):
    for action, note in LITERAL_NOTES.items():
        _note(action, note)
    assert set(_found(editor_client, text, among="lit.")) == expected


def test_audit_text_one_and_two_characters_still_match(app, editor_client):
    _note("short.hit", "Qz and more")
    _note("short.miss", "nothing here")
    assert _found(editor_client, "qz", among="short.") == ["short.hit"]
    assert _found(editor_client, "Q", among="short.") == ["short.hit"]
    assert _found(editor_client, "ng", among="short.") == ["short.miss"]
    assert _found(editor_client, "MO", among="short.") == ["short.hit"]
    assert _found(editor_client, "zq", among="short.") == []


@pytest.mark.parametrize("windows_read", [100, 1])
def test_a_common_texts_events_page_by_page_are_the_ones_the_whole_filter_selects(
    app, monkeypatch, windows_read
):
    """A text with many candidates is read through them newest first, a window at a time (and
    past TEXT_WINDOWS_READ of them, along the trail); page by page, with other filters, it
    selects exactly what testing every event's columns selects, newest first."""
    if is_postgres_run():
        pytest.skip("the trigram candidates are SQLite's (PostgreSQL reads its own index)")
    monkeypatch.setattr(audit, "TEXT_CANDIDATES_FEW", 2)
    monkeypatch.setattr(audit, "TEXT_WINDOW_FIRST", 2)
    monkeypatch.setattr(audit, "TEXT_WINDOWS_READ", windows_read)
    for i in range(6):
        _note(f"common.a{i}", f"Shipment {i} through Zanzibar", actor="alice")
        _note(f"common.b{i}", f"Shipment {i} via Zanzibari ports", actor="bob")
        _note(f"common.c{i}", f"Shipment {i} through Mombasa", actor="alice")
    for i in range(5):
        _note(f"later.x{i}", "nothing to see", actor="carol")  # newer, and no candidates

    def oracle(flt: audit.EventFilter) -> list[int]:
        text = flt.text or ""
        query = AuditEvent.select(AuditEvent.id).where(
            AuditEvent.after.contains(text)
            | AuditEvent.before.contains(text)
            | AuditEvent.actor_name.contains(text)
            | AuditEvent.action.contains(text)
        )
        if flt.actor:
            query = query.where(AuditEvent.actor_name == flt.actor)
        return [e.id for e in query.order_by(AuditEvent.id.desc())]

    for flt in (
        audit.EventFilter(text="zanzibar"),
        audit.EventFilter(text="Zanzibar", actor="alice"),
        audit.EventFilter(text="shipment", actor="bob"),
        audit.EventFilter(text="through"),
    ):
        _, common = audit._filtered_with(flt)
        assert common is not None, flt  # the windows are what is tested
        expected = oracle(flt)
        assert len(expected) >= 5, flt
        pages = _pages_of(flt)
        assert [i for page in pages for i in page] == expected, flt
        assert all(len(page) == 2 for page in pages[:-1]), (flt, pages)  # every page full
    assert audit.search(audit.EventFilter(text="zanzibar", actor="carol")) == []


def test_audit_text_combines_with_actor_action_and_pages(app, editor_client):
    app.config["PAGE_SIZE"] = 3
    for i in range(5):
        _note(f"combo.a{i}", f"Shipment {i} through Zanzibar", actor="alice")
        _note(f"other.b{i}", f"Shipment {i} through Zanzibar", actor="bob")
        _note(f"combo.n{i}", f"Shipment {i} through Mombasa", actor="alice")
    first = _listed(editor_client, "q=zanzibar&actor=alice")
    assert first == ["combo.a4", "combo.a3", "combo.a2"]
    page = editor_client.get("/audit/?q=zanzibar&actor=alice")
    older = page.text.split("Older events")[0].rsplit('href="', 1)[1].split('"')[0]
    assert "before=" in older and "q=zanzibar" in older
    assert _listed(editor_client, older.split("?", 1)[1].replace("&amp;", "&")) == [
        "combo.a1",
        "combo.a0",
    ]
    assert _listed(editor_client, "q=ZANZIBAR&action=other") == ["other.b4", "other.b3", "other.b2"]
    assert _listed(editor_client, "q=through+mombasa&actor=bob") == []
    assert _listed(editor_client, "q=zanzibar&actor=alice&action=combo.n1") == []
    assert _listed(editor_client, "q=nt 3&action=combo") == ["combo.n3", "combo.a3"]
    body = editor_client.get("/api/audit?q=zanzibar&actor=bob&limit=2").json
    assert [e["action"] for e in body["events"]] == ["other.b4", "other.b3"]
    assert [e["action"] for e in editor_client.get(body["next"]).json["events"]] == [
        "other.b2",
        "other.b1",
    ]


def test_audit_text_gives_the_same_events_when_the_text_is_common(app, editor_client):
    """Past 10,000 candidates, the page reads the trail newest first instead: same answer."""
    if is_postgres_run():
        pytest.skip("the candidate count only decides the plan on SQLite")
    _note("many.hit", "Shipment through Zanzibar")
    _note("many.miss", "Shipment through Mombasa")
    for i in range(60):
        _note(f"fill.n{i:02d}", "routine check")
    before = (_found(editor_client, "zanzibar"), _found(editor_client, "hrough zan"))
    assert before == (["many.hit"], ["many.hit"])
    # Index entries for events the trail does not hold (as many as a busy trail would have).
    db.execute_sql(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10001) "
        "INSERT INTO audit_text (rowid, after) SELECT 1000000000 + i, 'Zanzibar' FROM n"
    )
    assert (_found(editor_client, "zanzibar"), _found(editor_client, "hrough zan")) == before


def test_audit_text_uses_the_trigram_index(app, editor_client, monkeypatch):
    _note("plan.hit", "Shipment through Zanzibar")
    statements: list[tuple[str, tuple]] = []
    execute = db.obj.execute_sql

    def spy(sql, params=None, *args, **kwargs):
        statements.append((sql, tuple(params or ())))
        return execute(sql, params, *args, **kwargs)

    monkeypatch.setattr(db.obj, "execute_sql", spy)
    assert _found(editor_client, "zanzibar") == ["plan.hit"]
    monkeypatch.undo()
    (sql, params), *_ = [s for s in statements if 'FROM "audit_event"' in s[0]]
    if is_postgres_run():
        (definition,) = db.execute_sql(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'audit_event_text_trgm'"
        ).fetchone()
        assert "gin_trgm_ops" in definition and "lower(" in definition
        with db.atomic():
            # A handful of rows: without these, any plan reads them all.
            db.execute_sql("SET LOCAL enable_seqscan = off")
            db.execute_sql("SET LOCAL enable_indexscan = off")
            plan = "\n".join(r[0] for r in db.execute_sql("EXPLAIN " + sql, params))
        assert "Bitmap Index Scan on audit_event_text_trgm" in plan, plan
    else:
        plan = "\n".join(r[-1] for r in db.execute_sql("EXPLAIN QUERY PLAN " + sql, params))
        assert "SCAN audit_text VIRTUAL TABLE INDEX 0:M" in plan, plan
        assert "SEARCH t1 USING INTEGER PRIMARY KEY" in plan, plan
        assert "SCAN t1" not in plan and "TEMP B-TREE" not in plan, plan


def test_audit_text_migration_indexes_existing_events_and_reverts(app, editor_client):
    import importlib.util

    _note("old.hit", "Shipment through Zanzibar")
    spec = importlib.util.spec_from_file_location("audit_text_migration", TEXT_MIGRATION)
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with db.atomic():
        migration.down(None, db.obj)
    _note("mid.hit", "Shipment through Zanzibar")
    with db.atomic():
        migration.up(None, db.obj)  # indexes the events written before it
    _note("new.hit", "Shipment through Zanzibar")
    assert _found(editor_client, "zanzibar") == ["new.hit", "mid.hit", "old.hit"]
    assert _found(editor_client, "ipment through zan") == ["new.hit", "mid.hit", "old.hit"]


def test_audit_text_follows_an_administrators_edit_of_the_trail(app, editor_client):
    for name in ("Aardvark", "Badger", "Caracal"):
        _note(f"edit.{name.lower()}", f"Spotted a {name}")
    badger = AuditEvent.get(AuditEvent.action == "edit.badger")
    caracal = AuditEvent.get(AuditEvent.action == "edit.caracal")
    _without_trigger(
        f'UPDATE audit_event SET after = \'{{"note":"Spotted a Walrus"}}\' WHERE id = {badger.id}'
    )
    _without_trigger(f"DELETE FROM audit_event WHERE id = {caracal.id}")
    assert _found(editor_client, "walrus") == ["edit.badger"]
    assert _found(editor_client, "badger") == ["edit.badger"]  # its action still says so
    assert _found(editor_client, "a Badger") == []
    assert _found(editor_client, "caracal") == []
    assert _found(editor_client, "spotted a", among="edit.") == ["edit.badger", "edit.aardvark"]
