"""Article revisions end to end: a new text pasted, posted to the API or fetched again from a
loopback site; every claim re-anchored (unchanged, moved, changed, orphaned) in the database;
approved verdicts flagged, queued and published as under revision until an editor decides; the
revision and diff pages; new checkable text offered; failures recorded and nothing else changed."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from claims import audit, documents
from claims.models import Article, ArticleRevision, AuditEvent, Claim, ClaimPlacement, Rating
from claims.services import evidence, revisions, verdicts
from tests import factories
from tests.conftest import csrf_token
from tests.http_server import LoopbackServer, page, status
from tests.netguard import NetworkGuard, no_network  # noqa: F401 - fixture
from tests.test_publishing import SETTINGS

SAMPLE = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "samples"
    / "israel-morocco-military-work-plan.txt"
)


def sample_text() -> str:
    return documents.read_text(SAMPLE.read_text(encoding="utf-8")).text


@pytest.fixture
def sample(reviewer):
    return factories.article(reviewer, sample_text())


def claim_with(article, quote: str) -> Claim:
    return Claim.get((Claim.article == article.id) & (Claim.quote == quote))


def edited(text: str, *replacements: tuple[str, str]) -> str:
    for old, new in replacements:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def outcome_of(result: revisions.RevisionResult, claim: Claim) -> revisions.ClaimOutcome:
    return next(o for o in result.outcomes if o.claim_id == claim.id)


BILLION = ("valued at around $1 billion", "valued at around $1.2 billion")
INSERTED = (
    "Five years after normalization,",
    "Officials declined to comment on the cost of 12 new drones. Five years after normalization,",
)
DELETED_PARAGRAPH = (
    "In parallel, Rabat has reportedly bought 36 ATMOS artillery systems and completed tests of "
    "306 mm guided rockets with ranges up to 150 km and heavy warheads, moves that Western "
    "suppliers, including longstanding French defense partners, now see as diminished business "
    "opportunities.\n"
)


def test_an_import_is_revision_one(app, sample):
    (first,) = ArticleRevision.select().where(ArticleRevision.article == sample.id)
    assert (first.number, first.origin, first.text) == (1, "import", sample.text)
    assert first.text_sha256 == sample.text_sha256
    assert sample.current_revision == 1
    assert {c.revision for c in Claim.select().where(Claim.article == sample.id)} == {1}


def test_a_realistic_edit_re_anchors_every_claim(app, reviewer, sample):
    billion = claim_with(sample, "$1 billion")
    atmos = claim_with(sample, "36 ATMOS artillery systems")
    years = claim_with(sample, "Five years")
    title = claim_with(sample, "'Israel', Morocco Sign Joint Military Work Plan, Deepening Ties")
    twice = list(
        Claim.select()
        .where((Claim.article == sample.id) & (Claim.quote == "2026"))
        .order_by(Claim.start)
    )
    assert len(twice) == 2
    new_text = edited(sample.text, BILLION, INSERTED, (DELETED_PARAGRAPH, ""))

    result = revisions.paste_revision(factories.actor_for(reviewer), sample.id, new_text)

    assert result.created and result.revision.number == 2
    assert outcome_of(result, title).outcome == "unchanged"
    changed = outcome_of(result, billion)
    assert changed.outcome == "changed"
    assert ("insert", "$1.2") in changed.diff or any(
        "1.2" in t for op, t in changed.diff if op == "insert"
    )
    assert outcome_of(result, years).outcome == "moved"
    assert outcome_of(result, atmos).outcome == "orphaned"
    # The same figure twice: each claim keeps its own sentence.
    first, second = (outcome_of(result, c) for c in twice)
    assert first.outcome == second.outcome == "moved"
    assert first.start < second.start
    assert "for 2026." in new_text[first.start - 30 : first.end + 1]
    assert "plan for 2026 during" in new_text[second.start - 20 : second.end + 20]

    stored = Article.get_by_id(sample.id)
    assert (stored.text, stored.current_revision, stored.version) == (
        new_text,
        2,
        sample.version + 1,
    )
    for claim in Claim.select().where(Claim.article == sample.id):
        if claim.anchor_state == "orphaned":
            assert claim.revision == 1 and sample.text[claim.start : claim.end] == claim.quote
        else:
            assert claim.revision == 2 and new_text[claim.start : claim.end] == claim.quote
    assert Claim.get_by_id(billion.id).quote == "$1.2 billion"
    placements = ClaimPlacement.select().where(ClaimPlacement.claim == billion.id)
    assert sorted(p.outcome for p in placements) == ["changed", "original"]
    # One revision event listing every outcome, one event per claim that did not stay put.
    (event,) = AuditEvent.select().where(AuditEvent.action == "article.revision")
    listed = json.loads(event.after)["claims"]
    assert billion.id in listed["changed"] and atmos.id in listed["orphaned"]
    moved_events = AuditEvent.select().where(AuditEvent.action == "claim.reanchor")
    assert {e.entity_id for e in moved_events} == {
        o.claim_id for o in result.outcomes if o.outcome != "unchanged"
    }
    assert audit.verify().intact


def test_the_same_text_again_is_no_new_revision(app, reviewer, reviewer_client, sample):
    before = AuditEvent.select().count()
    again = revisions.paste_revision(factories.actor_for(reviewer), sample.id, sample.text)
    assert not again.created and again.revision.number == 1
    assert AuditEvent.select().count() == before
    token = csrf_token(reviewer_client.get(f"/articles/{sample.id}").text)
    response = reviewer_client.post(
        f"/api/articles/{sample.id}/revisions",
        json={"text": sample.text},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 200
    assert response.json["created"] is False and response.json["claims"] == []


def publish(reviewer, editor, claim: Claim) -> None:
    source = factories.source("Ministry of Defence")
    evidence.add_evidence(
        factories.actor_for(reviewer),
        claim.id,
        source.id,
        excerpt="About a billion.",
        stance="supports",
    )
    verdict = verdicts.propose_verdict(
        factories.actor_for(reviewer),
        claim.id,
        rating_id=Rating.get(Rating.slug == "mostly-true").id,
        confidence_value=70,
        rationale="The contract says so.",
    )
    verdicts.approve_verdict(factories.actor_for(editor), verdict.id)


def test_an_approved_verdict_whose_words_changed_goes_back_for_a_recheck(
    app, reviewer, editor, editor_client, sample
):
    app.config.update(SETTINGS)
    billion = claim_with(sample, "$1 billion")
    Article.update(url="https://news.example/israel-morocco").where(
        Article.id == sample.id
    ).execute()
    publish(reviewer, editor, billion)
    public = app.test_client()
    before = public.get(f"/public/claims/{billion.id}/claimreview.json").json
    assert "Under revision" not in json.dumps(before)

    revisions.paste_revision(factories.actor_for(reviewer), sample.id, edited(sample.text, BILLION))

    flagged = Claim.get_by_id(billion.id)
    assert flagged.needs_recheck and flagged.status == "approved" and flagged.recheck_since
    # Back in the queue, for its reviewer (unassigned: anyone's).
    queue = verdicts.my_queue(reviewer.id)
    assert [c.id for c in queue["needs_recheck"]] == [billion.id]
    review = public.get(f"/public/claims/{billion.id}/claimreview.json").json
    assert "Under revision since" in json.dumps(review) and "words changed" in json.dumps(review)
    assert "dateModified" not in before and review["dateModified"] >= before["datePublished"]
    page = editor_client.get(f"/claims/{billion.id}").text
    assert "Needs re-check" in page and "<ins>" in page and "The verdict still holds" in page

    token = csrf_token(page)
    confirmed = editor_client.post(
        f"/claims/{billion.id}/recheck", data={"csrf_token": token, "version": flagged.version}
    )
    assert confirmed.status_code == 302
    settled = Claim.get_by_id(billion.id)
    assert not settled.needs_recheck and settled.status == "approved"
    assert "Under revision" not in json.dumps(
        public.get(f"/public/claims/{billion.id}/claimreview.json").json
    )
    assert AuditEvent.select().where(AuditEvent.action == "claim.recheck_confirmed").count() == 1


def test_a_reviewer_cannot_settle_a_recheck(app, reviewer, editor, reviewer_client, sample):
    billion = claim_with(sample, "$1 billion")
    publish(reviewer, editor, billion)
    revisions.paste_revision(factories.actor_for(reviewer), sample.id, edited(sample.text, BILLION))
    flagged = Claim.get_by_id(billion.id)
    token = csrf_token(reviewer_client.get(f"/claims/{billion.id}").text)
    response = reviewer_client.post(
        f"/api/claims/{billion.id}/recheck",
        json={"version": flagged.version},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 403
    assert Claim.get_by_id(billion.id).needs_recheck


def test_orphaned_claims_are_listed_and_keep_their_old_words(
    app, reviewer, reviewer_client, sample
):
    atmos = claim_with(sample, "36 ATMOS artillery systems")
    revisions.paste_revision(
        factories.actor_for(reviewer), sample.id, edited(sample.text, (DELETED_PARAGRAPH, ""))
    )
    page = reviewer_client.get(f"/articles/{sample.id}").text
    assert "Words no longer in the article" in page and "revision 1" in page
    # Not highlighted in the current text, which no longer has them.
    assert f'data-claims="{atmos.id}"' not in page
    old = reviewer_client.get(f"/articles/{sample.id}/revisions/1").text
    assert "36 ATMOS artillery systems" in old and f"/claims/{atmos.id}" in old
    from claims.errors import ConflictError
    from claims.services import claims

    atmos = Claim.get_by_id(atmos.id)
    with pytest.raises(ConflictError, match="no longer in the article"):
        claims.split_claim(factories.actor_for(reviewer), atmos.id, atmos.version, atmos.start + 3)


def test_the_diff_page_shows_each_change_and_the_claims_it_touches(
    app, reviewer, reviewer_client, sample
):
    billion = claim_with(sample, "$1 billion")
    revisions.paste_revision(factories.actor_for(reviewer), sample.id, edited(sample.text, BILLION))
    html = reviewer_client.get(f"/articles/{sample.id}/diff").text
    assert "Changes from revision 1 to 2" in html
    assert "<del>$1</del>" in html.replace(" ", "") or "<del>" in html
    assert "<ins>" in html and f"/claims/{billion.id}" in html and "(changed)" in html
    assert reviewer_client.get(f"/articles/{sample.id}/diff?from=2&to=1").status_code == 404
    assert reviewer_client.get(f"/articles/{sample.id}/diff?from=x").status_code == 400
    assert reviewer_client.get(f"/articles/{sample.id}/revisions/9").status_code == 404


def test_new_checkable_text_is_offered_as_claims(app, reviewer, reviewer_client, sample):
    revisions.paste_revision(
        factories.actor_for(reviewer), sample.id, edited(sample.text, INSERTED)
    )
    page = reviewer_client.get(f"/articles/{sample.id}").text
    assert "New in revision 2: checkable sentences" in page and "12 new drones" in page
    (offer,) = revisions.new_claims(
        revisions.get_revision(sample.id, 2),
        [(c.start, c.end) for c in Claim.select().where(Claim.article == sample.id)],
    )
    token = csrf_token(page)
    added = reviewer_client.post(
        f"/articles/{sample.id}/claims",
        data={"csrf_token": token, "start": offer.start, "end": offer.end, "kind": offer.kind},
    )
    assert added.status_code == 302
    assert "New in revision 2" not in reviewer_client.get(f"/articles/{sample.id}").text
    assert Claim.get(Claim.quote == offer.quote).revision == 2


def test_the_paste_form_refuses_an_empty_text_and_keeps_the_article(app, reviewer_client, sample):
    token = csrf_token(reviewer_client.get(f"/articles/{sample.id}").text)
    response = reviewer_client.post(
        f"/articles/{sample.id}/revisions", data={"csrf_token": token, "text": "   "}
    )
    assert response.status_code == 422 and "Paste the new text." in response.text
    assert ArticleRevision.select().count() == 1


def test_the_api_stores_a_revision_and_reports_every_claim(app, reviewer, sample):
    token = factories_token(app, reviewer)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    new_text = edited(sample.text, BILLION)
    billion = claim_with(sample, "$1 billion")
    created = client.post(
        f"/api/articles/{sample.id}/revisions", json={"text": new_text}, headers=headers
    )
    assert created.status_code == 201
    body = created.json
    assert body["created"] and body["revision"]["number"] == 2
    by_id = {o["claim_id"]: o for o in body["claims"]}
    assert len(by_id) == Claim.select().where(Claim.article == sample.id).count()
    assert by_id[billion.id]["outcome"] == "changed"
    assert new_text[by_id[billion.id]["start"] : by_id[billion.id]["end"]] == "$1.2 billion"
    listed = client.get(f"/api/articles/{sample.id}/revisions", headers=headers).json
    assert [r["number"] for r in listed["revisions"]] == [1, 2] and listed["current_revision"] == 2
    for bad, field in (
        ({"text": ""}, "text"),
        ({"text": "a\x00b"}, "text"),
        ({"text": 5}, "text"),
        ({}, "text"),
        ({"text": "x", "refetch": True}, "text"),
        ({"refetch": "yes"}, "refetch"),
    ):
        refused = client.post(f"/api/articles/{sample.id}/revisions", json=bad, headers=headers)
        assert refused.status_code == 422, bad
        assert refused.json["error"]["field"] == field
    no_url = client.post(
        f"/api/articles/{sample.id}/revisions", json={"refetch": True}, headers=headers
    )
    assert no_url.status_code == 422 and "no address" in no_url.json["error"]["message"]
    assert ArticleRevision.select().count() == 2


def factories_token(app, account) -> str:
    result = app.test_cli_runner().invoke(args=["users", "token", account.username, "--name", "t"])
    return result.output.strip()


# Fetching again -----------------------------------------------------------------------------------


@pytest.fixture
def newsroom_site(no_network: NetworkGuard, app, database_url):
    if database_url.startswith("postgresql"):
        no_network.allow_port(5432)
    server = LoopbackServer()
    server.start()
    no_network.allow_port(server.port)
    app.config["FETCH_ALLOWLIST"] = server.netloc
    app.config["FETCH_DEADLINE"] = 2.0
    yield server
    server.stop()


def as_html(text: str) -> bytes:
    paragraphs = "".join(f"<p>{line}</p>" for line in text.split("\n") if line.strip())
    return f"<html><head><title>News</title></head><body><article>{paragraphs}</article></body></html>".encode()


def test_fetching_again_stores_a_revision_only_when_the_text_changed(
    app, reviewer, reviewer_client, newsroom_site
):
    text = sample_text()
    newsroom_site.routes["/story"] = page(as_html(text))
    token = csrf_token(reviewer_client.get("/articles/new").text)
    imported = reviewer_client.post(
        "/articles/new", data={"csrf_token": token, "url": newsroom_site.url("/story")}
    )
    assert imported.status_code == 302
    article = Article.get()
    claims_before = {c.id: (c.start, c.end, c.version) for c in Claim.select()}

    same = revisions.refetch_article(factories.actor_for(reviewer), article.id, fetch_opts(app))
    assert not same.created
    assert Article.get_by_id(article.id).check_state == "ok"

    newsroom_site.routes["/story"] = page(
        as_html(article.text.replace("$1 billion", "$1.2 billion"))
    )
    token = csrf_token(reviewer_client.get(f"/articles/{article.id}").text)
    response = reviewer_client.post(f"/articles/{article.id}/refetch", data={"csrf_token": token})
    assert response.status_code == 302
    flashed = reviewer_client.get(f"/articles/{article.id}").text
    assert "Revision 2 stored" in flashed
    assert ArticleRevision.get(ArticleRevision.number == 2).origin == "refetch"
    assert Claim.get(Claim.quote == "$1.2 billion").anchor_state == "changed"
    assert {c.id for c in Claim.select()} == set(claims_before)


@pytest.mark.parametrize("failure", ["missing", "refused"])
def test_a_failed_fetch_is_recorded_and_changes_no_claim(
    app, reviewer, reviewer_client, sample, newsroom_site, failure
):
    newsroom_site.routes["/gone"] = status(404)
    url = newsroom_site.url("/gone") if failure == "missing" else "http://10.1.2.3/story"
    Article.update(url=url).where(Article.id == sample.id).execute()
    claims_before = list(Claim.select().order_by(Claim.id).dicts())
    token = csrf_token(reviewer_client.get(f"/articles/{sample.id}").text)

    response = reviewer_client.post(f"/articles/{sample.id}/refetch", data={"csrf_token": token})

    assert response.status_code == 302
    page = reviewer_client.get(f"/articles/{sample.id}").text
    assert "could not be fetched again" in page and "Nothing changed." in page
    stored = Article.get_by_id(sample.id)
    assert stored.check_state == "failed" and stored.check_error and stored.checked_at
    assert stored.current_revision == 1 and stored.text == sample.text
    assert list(Claim.select().order_by(Claim.id).dicts()) == claims_before
    assert ArticleRevision.select().count() == 1
    check = AuditEvent.get(AuditEvent.action == "article.check")
    assert json.loads(check.after)["check_state"] == "failed"


def fetch_opts(app):
    from claims.config import fetch_options

    return fetch_options(app.config)


def test_two_refetches_at_once_make_one_revision(
    app, reviewer, sample, newsroom_site, database_url
):
    from claims.db import connection

    newsroom_site.routes["/story"] = page(as_html(sample.text.replace("$1 billion", "$2 billion")))
    Article.update(url=newsroom_site.url("/story")).where(Article.id == sample.id).execute()
    options = fetch_opts(app)
    barrier = threading.Barrier(2)
    results: list[object] = []

    def refetch() -> None:
        with app.app_context(), connection():
            barrier.wait()
            results.append(
                revisions.refetch_article(factories.actor_for(reviewer), sample.id, options)
            )

    threads = [threading.Thread(target=refetch) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(results) == 2
    assert sorted(r.created for r in results) == [False, True]  # type: ignore[attr-defined]
    assert ArticleRevision.select().where(ArticleRevision.article == sample.id).count() == 2
    assert Article.get_by_id(sample.id).current_revision == 2


def test_the_refetch_command_reports_each_article(app, reviewer, newsroom_site):
    text = sample_text()
    newsroom_site.routes["/a"] = page(as_html(text))
    newsroom_site.routes["/gone"] = status(404)
    from claims.services import articles

    first, _ = articles.import_document(
        factories.actor_for(reviewer),
        articles.fetch_document(
            factories.actor_for(reviewer), newsroom_site.url("/a"), fetch_opts(app)
        ),
    )
    second = factories.article(reviewer, "The council approved a $48 million flood wall.")
    Article.update(url=newsroom_site.url("/gone")).where(Article.id == second.id).execute()
    factories.article(reviewer, "No address here: 5 ministers met.")
    newsroom_site.routes["/a"] = page(as_html(first.text.replace("36 ATMOS", "40 ATMOS")))

    result = app.test_cli_runner().invoke(args=["articles", "refetch", "--workers", "2"])

    assert result.exit_code == 0, result.output + result.stderr
    assert "2 fetched: 1 with a new revision, 0 unchanged, 1 failed" in result.stdout
    assert f"#{first.id}" in result.stdout and "changed" in result.stdout
    assert "Fetching articles again" in result.stderr
    as_json = app.test_cli_runner().invoke(args=["articles", "refetch", str(second.id), "--json"])
    line = json.loads(as_json.stdout.strip().splitlines()[-1])
    assert line["article_id"] == second.id and line["status"] == "failed"
    missing = app.test_cli_runner().invoke(args=["articles", "refetch", "999"])
    assert missing.exit_code != 0 and "No such article: 999" in missing.stderr


def test_a_stored_revision_cannot_be_changed(app, sample):
    from tests.conftest import IntegrityErrors

    with pytest.raises(IntegrityErrors, match="immutable"):
        ArticleRevision.update(text="rewritten").where(
            ArticleRevision.article == sample.id
        ).execute()
    from claims.db import db

    if not db.is_closed() and db.in_transaction():
        db.rollback()
    assert ArticleRevision.get(ArticleRevision.article == sample.id).text == sample.text
