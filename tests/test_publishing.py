"""Publishing: ClaimReview JSON-LD for approved verdicts only, valid by Google's rules for
fact-checks, served on public pages and in a streamed feed, exported by the CLI, with a version
and a correction log when a published verdict changes."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest

from claims.export.claimreview import validate
from claims.models import AuditEvent, Claim, Rating, Verdict
from claims.services import articles, claims, evidence, publishing, verdicts
from tests import factories
from tests.conftest import login

SETTINGS = {
    "PUBLISHER_NAME": "Harbour Desk",
    "PUBLISHER_URL": "https://harbourdesk.example",
    "PUBLIC_BASE_URL": "https://harbourdesk.example/fact-checks",
}
TEXT = (
    "Morocco will buy 36 ATMOS artillery systems worth about $1 billion, according to the "
    "Ministry of Defence. The deal was signed in Rabat on Tuesday."
)


@pytest.fixture
def published_app(app):
    app.config.update(SETTINGS)
    return app


def publish(reviewer, editor, *, url="https://news.example/atmos", slug="misleading", text=TEXT):
    """Import, research, propose and approve a verdict (by two people); return the claim."""
    article = factories.article(reviewer, text)
    articles.update_metadata(
        factories.actor_for(reviewer),
        article.id,
        article.version,
        title="Morocco buys ATMOS",
        url=url,
        publisher="Le Desk",
        byline=None,
        published=date(2026, 3, 2),
    )
    claim = Claim.select().where(Claim.article == article.id).order_by(Claim.start).first()
    source = factories.source("Ministry statement", reliability=4)
    actor = factories.actor_for(reviewer)
    evidence.add_evidence(actor, claim.id, source.id, excerpt="36 ATMOS", stance="refutes")
    verdict = verdicts.propose_verdict(
        actor,
        claim.id,
        rating_id=Rating.get(Rating.slug == slug).id,
        confidence_value=70,
        rationale="The **contract** covers 24 units, not 36. See [it](https://gov.example/c).",
    )
    verdicts.approve_verdict(factories.actor_for(editor), verdict.id)
    return Claim.get_by_id(claim.id)


def test_an_approved_verdict_is_a_valid_claimreview(published_app, reviewer, editor):
    claim = publish(reviewer, editor, slug="mostly-false")
    client = published_app.test_client()  # nobody signed in: these are public
    response = client.get(f"/public/claims/{claim.id}/claimreview.json")
    assert response.status_code == 200
    review = response.json
    assert validate(review) == [] or all(p.level == "warning" for p in validate(review))
    assert review["@context"] == "https://schema.org" and review["@type"] == "ClaimReview"
    assert review["url"] == f"https://harbourdesk.example/fact-checks/claims/{claim.id}"
    assert review["claimReviewed"] == claim.statement
    assert review["author"] == {
        "@type": "Organization",
        "name": "Harbour Desk",
        "url": "https://harbourdesk.example",
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", review["datePublished"])
    assert "dateModified" not in review and review["version"] == 1
    item = review["itemReviewed"]
    assert item["author"] == {"@type": "Organization", "name": "the Ministry of Defence"}
    assert item["datePublished"] == "2026-03-02"
    assert item["firstAppearance"]["url"] == "https://news.example/atmos"
    rating = review["reviewRating"]
    assert (rating["ratingValue"], rating["bestRating"], rating["worstRating"]) == (2, 5, 1)
    assert rating["alternateName"] == "Mostly false"
    # The rationale as plain text: no Markdown, no markup.
    assert rating["ratingExplanation"] == "The contract covers 24 units, not 36. See it."


def test_the_plain_explanation_is_made_once_and_older_verdicts_still_publish(
    published_app, reviewer, editor
):
    claim = publish(reviewer, editor)
    verdict = Verdict.get((Verdict.claim == claim.id) & Verdict.current)
    # Written with the verdict, not rendered again at every export.
    assert verdict.explanation == "The contract covers 24 units, not 36. See it."
    # A verdict from before the column (null) is rendered from its rationale, the same way.
    Verdict.update(explanation=None).where(Verdict.id == verdict.id).execute()
    client = published_app.test_client()
    review = client.get(f"/public/claims/{claim.id}/claimreview.json").json
    assert review["reviewRating"]["ratingExplanation"] == verdict.explanation
    # The derived text is left out of the trail: the event holds the rationale it comes from.
    event = AuditEvent.get(
        (AuditEvent.action == "verdict.propose") & (AuditEvent.entity_id == verdict.id)
    )
    assert "explanation" not in json.loads(event.after)
    assert json.loads(event.after)["rationale"].startswith("The **contract**")


def test_a_rating_off_the_numeric_scale_is_published_by_label(published_app, reviewer, editor):
    claim = publish(reviewer, editor, slug="misleading")
    review = published_app.test_client().get(f"/public/claims/{claim.id}/claimreview.json").json
    assert review["reviewRating"] == {
        "@type": "Rating",
        "alternateName": "Misleading",
        "ratingExplanation": "The contract covers 24 units, not 36. See it.",
    }


def test_the_public_page_embeds_its_own_claimreview(published_app, reviewer, editor):
    claim = publish(reviewer, editor)
    Claim.update(statement="Morocco buys 36 </script><script>alert(1)</script> systems").where(
        Claim.id == claim.id
    ).execute()
    page = published_app.test_client().get(f"/public/claims/{claim.id}")
    assert page.status_code == 200
    blocks = re.findall(
        r'<script type="application/ld\+json">(.*?)</script>', page.text, flags=re.S
    )
    assert len(blocks) == 1
    embedded = json.loads(blocks[0])
    served = published_app.test_client().get(f"/public/claims/{claim.id}/claimreview.json")
    assert embedded == served.json
    assert "<script>alert(1)" not in page.text  # escaped in the page and in the JSON-LD
    assert "Misleading" in page.text and "Harbour Desk" in page.text


def test_only_approved_verdicts_are_ever_published(published_app, reviewer, editor):
    article = factories.article(reviewer, TEXT)
    claim = Claim.select().where(Claim.article == article.id).first()
    verdicts.propose_verdict(
        factories.actor_for(reviewer),
        claim.id,
        rating_id=Rating.get(Rating.slug == "false").id,
        confidence_value=60,
        rationale="Secret draft.",
    )
    client = published_app.test_client()
    for url in (
        f"/public/claims/{claim.id}",
        f"/public/claims/{claim.id}/claimreview.json",
        f"/public/articles/{article.id}",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Secret draft" not in response.text
    feed = client.get("/public/claimreview.json")
    assert json.loads(feed.data)["dataFeedElement"] == []


def test_a_verdict_that_cannot_be_valid_is_reported_not_exported(
    published_app, reviewer, editor, editor_client
):
    good = publish(reviewer, editor)
    bad = publish(
        reviewer, editor, url=None, text="The wall cost $48 million in 2024, officials said."
    )
    client = published_app.test_client()
    feed = json.loads(client.get("/public/claimreview.json").data)
    assert [r["url"].rsplit("/", 1)[1] for r in feed["dataFeedElement"]] == [str(good.id)]
    assert client.get(f"/public/claims/{bad.id}/claimreview.json").status_code == 404
    page = editor_client.get(f"/claims/{bad.id}").text
    assert "cannot be published as a ClaimReview" in page
    assert "firstAppearance needs the address" in page
    result = published_app.test_cli_runner().invoke(args=["export", "claimreview"])
    assert result.exit_code == 0
    exported = json.loads(result.stdout)
    assert len(exported["dataFeedElement"]) == 1
    assert f"skipped claim {bad.id}: itemReviewed.firstAppearance" in result.stderr
    assert "1 ClaimReview(s) exported, 1 skipped." in result.stderr


def test_export_refuses_without_the_newsroom_identity(app, reviewer, editor):
    claim = publish(reviewer, editor)
    result = app.test_cli_runner().invoke(args=["export", "claimreview"])
    assert result.exit_code == 1
    assert "CLAIMS_PUBLISHER_NAME, CLAIMS_PUBLISHER_URL, CLAIMS_PUBLIC_BASE_URL" in result.output
    response = app.test_client().get(f"/public/claims/{claim.id}/claimreview.json")
    assert response.status_code == 503 and "CLAIMS_PUBLISHER_NAME" in response.text
    app.config.update({**SETTINGS, "PUBLIC_BASE_URL": "http://insecure.example"})
    again = app.test_cli_runner().invoke(args=["export", "claimreview"])
    assert again.exit_code == 1 and "CLAIMS_PUBLIC_BASE_URL" in again.output


def test_a_changed_verdict_has_a_version_and_a_correction_log(published_app, reviewer, editor):
    claim = publish(reviewer, editor, slug="misleading")
    other_editor = factories.user("erin", "editor")
    claims.reopen_claim(
        factories.actor_for(editor), claim.id, claim.version, "The full contract was released."
    )
    client = published_app.test_client()
    pending = client.get(f"/public/claims/{claim.id}/claimreview.json").json
    assert pending["reviewRating"]["alternateName"] == "Misleading"  # still published
    assert pending["correction"][-1]["text"].startswith("Under revision since ")
    assert "The full contract was released." in pending["correction"][-1]["text"]
    assert "dateModified" in pending
    verdict = verdicts.propose_verdict(
        factories.actor_for(reviewer),
        claim.id,
        rating_id=Rating.get(Rating.slug == "false").id,
        confidence_value=90,
        rationale="The contract shows 24 units.",
    )
    verdicts.approve_verdict(factories.actor_for(other_editor), verdict.id)
    review = client.get(f"/public/claims/{claim.id}/claimreview.json").json
    assert review["version"] == 2
    assert review["reviewRating"]["alternateName"] == "False"
    assert review["dateModified"] >= review["datePublished"]
    [correction] = review["correction"]
    assert correction["@type"] == "CorrectionComment"
    assert re.fullmatch(
        r"Rating changed from Misleading to False on \d{4}-\d\d-\d\d because "
        r"The full contract was released\.",
        correction["text"],
    )
    page = client.get(f"/public/claims/{claim.id}").text
    assert "Rating changed from Misleading to False" in page and "version 2" in page


def test_the_feed_and_the_api_pages(published_app, reviewer, editor):
    first = publish(reviewer, editor)
    second = publish(reviewer, editor, text="The wall cost $48 million in 2024, officials said.")
    third = publish(reviewer, editor, text="Unemployment fell to 9.1% in 2025, the HCP said.")
    token = published_app.test_cli_runner().invoke(args=["users", "token", "rita"]).output.strip()
    api = published_app.test_client()
    api.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    page = api.get("/api/export/claimreview?limit=2")
    assert page.status_code == 200 and page.json["@type"] == "DataFeed"
    ids = [r["url"].rsplit("/", 1)[1] for r in page.json["dataFeedElement"]]
    assert ids == [str(first.id), str(second.id)]
    rest = api.get(page.json["next"]).json
    assert [r["url"].rsplit("/", 1)[1] for r in rest["dataFeedElement"]] == [str(third.id)]
    assert rest["next"] is None
    one = api.get(f"/api/claims/{first.id}/claimreview")
    assert one.status_code == 200 and one.json["@type"] == "ClaimReview"
    by_article = api.get(f"/api/articles/{first.article_id}/claimreview").json
    assert [e["claim_id"] for e in by_article["entries"]] == [first.id]
    feed = published_app.test_client().get("/public/claimreview.json")
    assert feed.mimetype == "application/ld+json" and feed.is_streamed
    assert len(json.loads(feed.data)["dataFeedElement"]) == 3


def test_cli_export_of_one_article_to_a_file(published_app, reviewer, editor, tmp_path):
    claim = publish(reviewer, editor)
    publish(reviewer, editor, text="The wall cost $48 million in 2024, officials said.")
    out = tmp_path / "feed.json"
    result = published_app.test_cli_runner().invoke(
        args=["export", "claimreview", "--article", str(claim.article_id), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    feed = json.loads(out.read_text())
    assert [r["url"].rsplit("/", 1)[1] for r in feed["dataFeedElement"]] == [str(claim.id)]


def test_the_claim_page_links_the_published_verdict(published_app, reviewer, editor):
    claim = publish(reviewer, editor)
    client = published_app.test_client()
    login(client, "eddie")
    page = client.get(f"/claims/{claim.id}").text
    assert f'href="/public/claims/{claim.id}"' in page


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r.pop("claimReviewed"), "claimReviewed is required"),
        (lambda r: r.update(url="http://x.example/1"), "absolute https address"),
        (lambda r: r["author"].pop("url"), "author must be the newsroom"),
        (lambda r: r["reviewRating"].pop("alternateName"), "alternateName"),
        (lambda r: r["reviewRating"].update(ratingValue=9), "between worstRating"),
        (lambda r: r["reviewRating"].update(worstRating=0), "between worstRating"),
        (lambda r: r["reviewRating"].update(bestRating="5"), "must be numbers"),
        (lambda r: r.update(datePublished="02/03/2026"), "ISO 8601"),
        (lambda r: r["itemReviewed"].pop("firstAppearance"), "firstAppearance"),
    ],
)
def test_validation_names_what_google_would_refuse(
    published_app, reviewer, editor, change, message
):
    claim = publish(reviewer, editor, slug="false")
    review = published_app.test_client().get(f"/public/claims/{claim.id}/claimreview.json").json
    assert not [p for p in validate(review) if p.level == "error"]
    change(review)
    assert any(message in p.message for p in validate(review) if p.level == "error")


def test_the_feed_is_the_same_whatever_its_page_size(published_app, reviewer, editor, monkeypatch):
    # Pages are read a batch at a time: a claim's history and reopenings must land with it
    # whichever page it falls on.
    first = publish(reviewer, editor)
    revised = publish(reviewer, editor, text="The wall cost $48 million in 2024, officials said.")
    claims.reopen_claim(
        factories.actor_for(editor), revised.id, revised.version, "New figures were released."
    )
    verdict = verdicts.propose_verdict(
        factories.actor_for(reviewer),
        revised.id,
        rating_id=Rating.get(Rating.slug == "false").id,
        confidence_value=80,
        rationale="The budget shows $41 million.",
    )
    verdicts.approve_verdict(factories.actor_for(factories.user("erin", "editor")), verdict.id)
    pending = publish(reviewer, editor, text="Unemployment fell to 9.1% in 2025, the HCP said.")
    claims.reopen_claim(factories.actor_for(editor), pending.id, pending.version, "A new survey.")
    runner = published_app.test_cli_runner()
    whole = runner.invoke(args=["export", "claimreview"])
    assert whole.exit_code == 0, whole.output
    feed = json.loads(whole.stdout)["dataFeedElement"]
    ids = [r["url"].rsplit("/", 1)[1] for r in feed]
    assert ids == [str(claim.id) for claim in (first, revised, pending)]
    assert feed[1]["version"] == 2
    assert "because New figures were released" in feed[1]["correction"][0]["text"]
    assert feed[2]["correction"][-1]["text"].endswith("A new survey.")
    for size in (1, 2):
        monkeypatch.setattr(publishing, "FEED_BATCH", size)
        paged = runner.invoke(args=["export", "claimreview"])
        assert paged.stdout == whole.stdout
