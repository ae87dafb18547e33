""" "Checked before?": a new claim lists the similar claims already in the tracker with their
verdicts; a reviewer confirms (the earlier evidence is linked, not copied) or rejects; different
figures or things do not match; short texts are never confirmed automatically."""

from __future__ import annotations

from lxml import html as lxml_html

from claims.models import AuditEvent, Claim, ClaimMatch, Evidence, Rating
from claims.services import evidence, matches, verdicts
from tests import factories
from tests.conftest import csrf_token

FIRST = "Morocco will buy 36 ATMOS artillery systems from Elbit Systems, the ministry said."
PARAPHRASE = "Rabat is buying thirty-six ATMOS howitzers made by Elbit Systems, officials say."
BARAK = "Morocco will buy 36 Barak launchers from Israel Aerospace Industries, the ministry said."


def claim_in(article, word: str) -> Claim:
    return Claim.get((Claim.article == article.id) & Claim.statement.contains(word))


def rate(reviewer, editor, claim) -> None:
    source = factories.source("Elbit annual report")
    evidence.add_evidence(
        factories.actor_for(reviewer), claim.id, source.id, excerpt="36 ATMOS", stance="supports"
    )
    proposed = verdicts.propose_verdict(
        factories.actor_for(reviewer),
        claim.id,
        rating_id=Rating.get(Rating.slug == "false").id,
        confidence_value=80,
        rationale="Only 18 were ordered.",
    )
    verdicts.approve_verdict(factories.actor_for(editor), proposed.id)


def test_a_paraphrase_elsewhere_is_suggested_with_its_verdict(
    app, reviewer, editor, reviewer_client
):
    first = factories.article(reviewer, FIRST)
    checked = claim_in(first, "ATMOS")
    rate(reviewer, editor, checked)
    second = factories.article(reviewer, PARAPHRASE)
    fresh = claim_in(second, "ATMOS")
    barak = claim_in(factories.article(reviewer, BARAK), "Barak")

    listed = matches.matches_of(fresh.id)
    assert [m.other.id for m in listed] == [checked.id]
    assert listed[0].match.score >= 0.55 and listed[0].reasons
    assert checked.id not in [m.other.id for m in matches.matches_of(barak.id)]
    html = reviewer_client.get(f"/claims/{fresh.id}").text
    (section,) = lxml_html.fromstring(html).xpath('//section[@id="matches"]')
    text = " ".join(section.text_content().split())
    assert "Checked before?" in text and "rated False on" in text
    assert f"/claims/{checked.id}" in html


def test_confirming_links_the_earlier_evidence_and_rejecting_hides_it(
    app, reviewer, editor, reviewer_client
):
    checked = claim_in(factories.article(reviewer, FIRST), "ATMOS")
    rate(reviewer, editor, checked)
    fresh = claim_in(factories.article(reviewer, PARAPHRASE), "ATMOS")
    match = ClaimMatch.get((ClaimMatch.claim == fresh.id) & (ClaimMatch.other == checked.id))
    if match.state == "confirmed":  # long, high-scoring pairs are confirmed automatically
        ClaimMatch.update(state="suggested").where(ClaimMatch.id == match.id).execute()
    page = reviewer_client.get(f"/claims/{fresh.id}").text
    response = reviewer_client.post(
        f"/claims/{fresh.id}/matches/{checked.id}",
        data={"csrf_token": csrf_token(page), "confirm": "1"},
    )
    assert response.status_code == 302
    page = " ".join(reviewer_client.get(f"/claims/{fresh.id}").text.split())
    assert "Same claim" in page and "Evidence of the same claim elsewhere" in page
    assert Evidence.select().where(Evidence.claim == fresh.id).count() == 0  # linked, not copied
    assert AuditEvent.select().where(AuditEvent.action == "claim.match_confirm").count() == 1

    token = csrf_token(page)
    api = reviewer_client.post(
        f"/api/claims/{fresh.id}/matches/{checked.id}",
        json={"confirm": False},
        headers={"X-CSRFToken": token},
    )
    assert api.status_code == 200 and api.json["state"] == "rejected"
    assert reviewer_client.get(f"/api/claims/{fresh.id}/matches").json["matches"] == []
    assert (
        "Evidence of the same claim elsewhere"
        not in reviewer_client.get(f"/claims/{fresh.id}").text
    )


def test_short_texts_are_suggested_but_never_confirmed_automatically(app, reviewer):
    factories.article(reviewer, "Turnout was 61 percent.")
    second = factories.article(reviewer, "Turnout reached 61 percent.")
    for match in ClaimMatch.select().where(
        ClaimMatch.claim.in_(Claim.select(Claim.id).where(Claim.article == second.id))
    ):
        assert match.state == "suggested"


def test_a_claim_cannot_match_itself_or_a_missing_claim(app, reviewer, reviewer_client):
    claim = claim_in(factories.article(reviewer, FIRST), "ATMOS")
    token = csrf_token(reviewer_client.get(f"/claims/{claim.id}").text)
    itself = reviewer_client.post(
        f"/api/claims/{claim.id}/matches/{claim.id}",
        json={"confirm": True},
        headers={"X-CSRFToken": token},
    )
    assert itself.status_code == 422
    missing = reviewer_client.post(
        f"/api/claims/{claim.id}/matches/99999",
        json={"confirm": True},
        headers={"X-CSRFToken": token},
    )
    assert missing.status_code == 404
    assert ClaimMatch.select().count() == 0


def test_a_common_term_counts_only_its_newest_claims_and_rare_terms_still_match(
    app, reviewer, monkeypatch
):
    # Blocking reads at most TERM_POSTINGS claims per term (the newest), never the new claim's
    # own article: a term shared by many claims cannot crowd out a rarer one.
    monkeypatch.setattr(matches, "TERM_POSTINGS", 1)
    checked = claim_in(factories.article(reviewer, FIRST), "ATMOS")
    for n in range(4):  # newer claims sharing only the common words
        factories.article(reviewer, f"Morocco said the ministry will publish report {n} soon.")
    fresh = claim_in(factories.article(reviewer, PARAPHRASE), "ATMOS")
    assert checked.id in [m.other.id for m in matches.matches_of(fresh.id)]
