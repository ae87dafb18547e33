"""The dashboard's and the queues' counts come from tallies the database keeps with its triggers
(migration 0014): they must agree with the tables after every kind of write (services, plain
SQL, cascades, rollbacks, concurrent writers), after the migration counts an existing database
and after an archive import; and the queue still shows what a reviewer needs."""

from __future__ import annotations

import importlib.util
import threading
from typing import Any

import peewee
import pytest

from claims import audit
from claims.db import MIGRATIONS_DIR, db, migration_runner, upgrade
from claims.export.archive import import_archive
from claims.models import (
    NOBODY,
    Article,
    Claim,
    ClaimTally,
    Rating,
    RatingTally,
    User,
    Verdict,
)
from claims.services import claims, evidence, revisions, verdicts
from tests import factories
from tests.conftest import login
from tests.test_archive import (
    build_sample,
    export_bytes,
    source_database,
    target_database,
    write,
)
from tests.test_revisions import BILLION, edited, sample_text

Tallies = tuple[dict[tuple[str, int], tuple[int, int]], dict[int, int]]
(MIGRATION,) = MIGRATIONS_DIR.glob("0014_*.py")


def counted() -> Tallies:
    """The counts the tallies stand for, read from the tables themselves."""
    recheck = peewee.Case(None, [(Claim.needs_recheck == True, 1)], 0)  # noqa: E712
    by_claim = {
        (status, assignee or NOBODY): (int(n), int(r))
        for status, assignee, n, r in Claim.select(
            Claim.status, Claim.assignee, peewee.fn.COUNT(Claim.id), peewee.fn.SUM(recheck)
        )
        .group_by(Claim.status, Claim.assignee)
        .tuples()
    }
    by_rating = dict(
        Verdict.select(Verdict.rating, peewee.fn.COUNT(Verdict.id))
        .where(Verdict.current == True)  # noqa: E712
        .group_by(Verdict.rating)
        .tuples()
    )
    return by_claim, by_rating


def tallied() -> Tallies:
    """The tallies as stored (rows at zero left out: the triggers keep them)."""
    by_claim = {
        (status, assignee): (n, r)
        for status, assignee, n, r in ClaimTally.select(
            ClaimTally.status, ClaimTally.assignee_id, ClaimTally.claims, ClaimTally.rechecks
        ).tuples()
        if n or r
    }
    by_rating = {
        rating: n
        for rating, n in RatingTally.select(RatingTally.rating, RatingTally.verdicts).tuples()
        if n
    }
    return by_claim, by_rating


def agree() -> Tallies:
    """Assert that the tallies match the tables; return them."""
    stored, live = tallied(), counted()
    assert stored == live
    return stored


def rating(slug: str) -> Rating:
    return Rating.get(Rating.slug == slug)


def fresh(claim: Claim) -> Claim:
    return Claim.get_by_id(claim.id)


def publish(reviewer: Any, editor: Any, claim: Claim, slug: str) -> Verdict:
    """Evidence, a proposal and an approval, through the services."""
    source = factories.source(f"Report on #{claim.id}")
    evidence.add_evidence(
        factories.actor_for(reviewer), claim.id, source.id, excerpt="As stated.", stance="supports"
    )
    return approve(reviewer, editor, claim, slug)


def approve(reviewer: Any, editor: Any, claim: Claim, slug: str) -> Verdict:
    verdict = verdicts.propose_verdict(
        factories.actor_for(reviewer),
        claim.id,
        rating_id=rating(slug).id,
        confidence_value=70,
        rationale="Checked.",
    )
    return verdicts.approve_verdict(factories.actor_for(editor), verdict.id)


def test_the_tallies_follow_every_kind_of_write(app, reviewer, editor):
    vic = factories.user("vic", "reviewer")
    rita, eddie = factories.actor_for(reviewer), factories.actor_for(editor)
    sample = factories.article(reviewer, sample_text())
    factories.article(editor, "The council approved a $48 million flood wall.")
    found = list(Claim.select().where(Claim.article == sample.id).order_by(Claim.start))
    assert len(found) >= 12
    billion = Claim.get((Claim.article == sample.id) & (Claim.quote == "$1 billion"))
    a, b, c, d, e, f, g, h, *_ = (x for x in found if x.id != billion.id)
    agree()

    # Taken, assigned, reassigned, let go.
    claims.assign_claim(rita, a.id, a.version, reviewer.id)
    claims.assign_claim(eddie, b.id, b.version, vic.id)
    claims.assign_claim(eddie, b.id, fresh(b).version, reviewer.id)
    claims.assign_claim(eddie, c.id, c.version, vic.id)
    claims.assign_claim(eddie, c.id, fresh(c).version, None)
    agree()
    # Research, dismissal, restoring, splitting, merging.
    claims.start_research(rita, a.id, fresh(a).version)
    claims.dismiss_claim(rita, d.id, d.version, "An opinion.")
    claims.restore_claim(rita, d.id, fresh(d).version)
    claims.dismiss_claim(rita, e.id, e.version, "A prediction.")
    agree()
    words = f.quote.find(" ") + 1
    assert words > 0, f.quote
    claims.split_claim(rita, f.id, f.version, f.start + words)
    claims.merge_claims(rita, sample.id, [g.id, h.id])
    agree()
    # Verdicts: proposed, sent back, approved, reopened, superseded.
    source = factories.source("Council minutes")
    evidence.add_evidence(rita, a.id, source.id, excerpt="As stated.", stance="supports")
    sent_back = verdicts.propose_verdict(
        rita, a.id, rating_id=rating("true").id, confidence_value=60, rationale="First try."
    )
    agree()
    verdicts.reject_verdict(eddie, sent_back.id, "Find the minutes.")
    approve(reviewer, editor, a, "false")
    agree()
    claims.reopen_claim(eddie, a.id, fresh(a).version, "New figures.")
    approve(reviewer, editor, a, "mostly-false")
    publish(reviewer, editor, b, "mostly-false")
    assert tallied()[1] == {rating("mostly-false").id: 2}
    # An edited article flags the approved claim whose words changed; an editor clears it.
    publish(reviewer, editor, billion, "mostly-true")
    revisions.paste_revision(rita, sample.id, edited(sample.text, BILLION))
    assert fresh(billion).needs_recheck
    assert sum(r for _, r in agree()[0].values()) == 1
    assert verdicts.queue_counts(reviewer.id)[verdicts.RECHECK] == 1
    revisions.confirm_verdict(eddie, billion.id, fresh(billion).version)
    agree()

    # Writes outside the services count too: plain SQL, several rows at once, cascades.
    Claim.update(assignee=vic.id).where(Claim.article == sample.id).execute()
    Claim.update(needs_recheck=True).where(Claim.id.in_([a.id, c.id])).execute()
    Verdict.update(rating=rating("true").id).where(Verdict.current == True).execute()  # noqa: E712
    agree()
    User.delete().where(User.id == vic.id).execute()  # its claims: assigned to nobody
    assert vic.id not in {assignee for _, assignee in agree()[0]}
    before = agree()
    with db.atomic() as transaction:
        claims.start_research(rita, d.id, fresh(d).version)
        transaction.rollback()
    assert agree() == before
    Article.delete().where(Article.id == sample.id).execute()
    assert agree() == ({("new", NOBODY): (1, 0)}, {})


def test_the_migration_counts_what_is_already_there(app, reviewer, editor):
    vic = factories.user("vic", "reviewer")
    sample = factories.article(reviewer, sample_text())
    first, second, third = Claim.select().where(Claim.article == sample.id).limit(3)
    claims.assign_claim(factories.SYSTEM, first.id, first.version, vic.id)
    publish(reviewer, editor, second, "half-true")
    Claim.update(needs_recheck=True).where(Claim.id == third.id).execute()
    before = agree()

    # Back to before the tallies (and whatever came after them), a write, then up again.
    assert migration_runner().down(MIGRATION.stem)[-1] == MIGRATION.stem
    assert not ClaimTally.table_exists()
    claims.start_research(factories.actor_for(reviewer), first.id, fresh(first).version)
    assert MIGRATION.stem in upgrade()
    after = agree()
    assert after != before and after[1] == {rating("half-true").id: 1}


def test_an_archive_import_rebuilds_the_tallies(app, tmp_path):
    with source_database(tmp_path):
        build_sample()
        expected = agree()
        data = export_bytes()
    assert expected[0] and expected[1]
    with target_database(tmp_path):
        import_archive(write(tmp_path, data))
        assert agree() == expected


def test_the_triggers_take_the_audit_chain_lock():
    spec = importlib.util.spec_from_file_location("tallies_migration", MIGRATION)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.AUDIT_LOCK_KEY == audit._PG_LOCK_KEY


def test_concurrent_writers_keep_exact_tallies_and_never_deadlock(app, reviewer, editor):
    """One reviewer starts research on claims (a tally row, then the audit chain's lock) while
    another proposes verdicts on the same reviewer's claims (the lock, then the same row)."""
    sample = factories.article(reviewer, sample_text())
    found = list(Claim.select().where(Claim.article == sample.id).order_by(Claim.id))
    rounds = len(found) // 2
    assert rounds >= 8
    for claim in found:
        claims.assign_claim(factories.SYSTEM, claim.id, claim.version, reviewer.id)
    starting, proposing = found[:rounds], found[rounds : 2 * rounds]
    for claim in proposing:
        claims.start_research(factories.actor_for(reviewer), claim.id, fresh(claim).version)
    vic = factories.user("vic", "reviewer")
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def start_all() -> None:
        barrier.wait()
        for claim in starting:
            with db.connection_context():
                claims.start_research(factories.actor_for(reviewer), claim.id, fresh(claim).version)

    def propose_all() -> None:
        barrier.wait()
        for claim in proposing:
            with db.connection_context():
                verdicts.propose_verdict(
                    factories.actor_for(vic),
                    claim.id,
                    rating_id=rating("false").id,
                    confidence_value=50,
                    rationale="Checked.",
                )

    def run(work: Any) -> None:
        try:
            work()
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(w,)) for w in (start_all, propose_all)]
    db.close()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    db.connect(reuse_if_open=True)
    assert errors == []
    assert agree()[0][("in_research", reviewer.id)] == (rounds, 0)
    assert verdicts.queue_counts(reviewer.id)["verdict_proposed"] == rounds


def test_the_queue_shows_each_claim_with_its_article_and_when_it_changed(
    app, reviewer_client, reviewer
):
    claim = Claim.select().where(Claim.article == factories.article(reviewer).id).get()
    claims.assign_claim(factories.SYSTEM, claim.id, claim.version, reviewer.id)
    html = reviewer_client.get("/queue").text
    line = f'<a href="/claims/{claim.id}">“{claim.quote}”</a>'
    assert line in html
    assert "A test article · changed just now" in html


@pytest.mark.parametrize("role", ["reviewer", "editor"])
def test_the_dashboard_lists_waiting_verdicts_for_editors_only(app, role, reviewer, editor):
    claim = Claim.select().where(Claim.article == factories.article(reviewer).id).get()
    verdicts.propose_verdict(
        factories.actor_for(reviewer),
        claim.id,
        rating_id=rating("true").id,
        confidence_value=70,
        rationale="Checked.",
    )
    board = verdicts.dashboard(with_awaiting=role == "editor")
    assert board.waiting == 1
    assert [c.id for c in board.awaiting] == ([claim.id] if role == "editor" else [])
    client = app.test_client()
    assert login(client, (reviewer if role == "reviewer" else editor).username).status_code == 302
    html = client.get("/").text
    assert ("Verdicts waiting for approval" in html) == (role == "editor")
