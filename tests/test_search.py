"""Search: one box over claims, articles, sources and evidence, with the database's own full-text
index (FTS5 / tsvector) kept current by the write path, ranked, highlighted, filtered, paginated;
no query text ever becomes search syntax or an error page."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from lxml import html as lxml_html

from claims.models import Claim, Rating
from claims.services import claims, evidence, search, verdicts
from tests import factories
from tests.conftest import csrf_token, login

ATMOS = (
    "Morocco will buy 36 ATMOS artillery systems worth about $1 billion, according to the "
    "Ministry of Defence. The deal was signed in Rabat on Tuesday."
)
BUDGET = "The city council approved a $48 million flood wall for the harbour district."


@pytest.fixture
def corpus(reviewer, editor):
    atmos = factories.article(reviewer, ATMOS)
    budget = factories.article(reviewer, BUDGET)
    source = factories.source("Elbit Systems press release on ATMOS howitzers")
    deal = Claim.get(Claim.article == atmos.id, Claim.quote == "36 ATMOS artillery systems")
    item = evidence.add_evidence(
        factories.actor_for(reviewer),
        deal.id,
        source.id,
        excerpt="Elbit will deliver thirty-six ATMOS 2000 howitzers to Rabat.",
        stance="supports",
    )
    verdict = verdicts.propose_verdict(
        factories.actor_for(reviewer),
        deal.id,
        rating_id=Rating.get(Rating.slug == "mostly-true").id,
        confidence_value=70,
        rationale="The contract says so.",
    )
    verdicts.approve_verdict(factories.actor_for(editor), verdict.id)
    return {"atmos": atmos, "budget": budget, "source": source, "deal": deal, "item": item}


def kinds(result: search.SearchPage) -> list[tuple[str, int]]:
    return [(h.kind, h.ref_id) for h in result.hits]


def test_one_search_finds_every_kind_with_highlights(app, corpus):
    result = search.search(search.SearchFilter(q="ATMOS"))
    found = set(kinds(result))
    assert ("article", corpus["atmos"].id) in found
    assert ("claim", corpus["deal"].id) in found
    assert ("source", corpus["source"].id) in found
    assert ("evidence", corpus["item"].id) in found
    assert ("article", corpus["budget"].id) not in found
    marked = [h for h in result.hits if search.START in h.title + h.snippet]
    assert len(marked) == len(result.hits)
    assert result.ratings[corpus["deal"].id].slug == "mostly-true"


def test_words_are_stemmed_all_required_and_the_last_is_a_prefix(app, corpus):
    assert kinds(search.search(search.SearchFilter(q="howitzer"))) != []  # "howitzers"
    assert kinds(search.search(search.SearchFilter(q="ATMOS harbour"))) == []
    assert ("article", corpus["budget"].id) in kinds(search.search(search.SearchFilter(q="harb")))


def test_the_index_follows_every_write(app, reviewer, corpus):
    claim = Claim.get(Claim.article == corpus["budget"].id)
    claims.update_claim(
        factories.actor_for(reviewer), claim.id, claim.version, statement="A seawall of granite."
    )
    assert ("claim", claim.id) in kinds(search.search(search.SearchFilter(q="granite")))
    evidence.remove_evidence(
        factories.actor_for(reviewer), corpus["item"].id, corpus["item"].version
    )
    assert ("evidence", corpus["item"].id) not in kinds(
        search.search(search.SearchFilter(q="thirty"))
    )


def test_filters_narrow_the_results(app, reviewer, corpus):
    deal = corpus["deal"]

    def found(**filters) -> set[tuple[str, int]]:
        return set(kinds(search.search(search.SearchFilter(**filters))))

    assert found(q="ATMOS", kind="source") == {("source", corpus["source"].id)}
    assert found(q="ATMOS", status="approved") == {
        ("claim", deal.id),
        ("evidence", corpus["item"].id),
    }
    assert found(q="ATMOS", rating="mostly-true") == found(q="ATMOS", status="approved")
    assert found(q="ATMOS", rating="false") == set()
    assert ("article", corpus["atmos"].id) in found(q="ATMOS", article_id=corpus["atmos"].id)
    assert found(q="ATMOS", article_id=corpus["budget"].id) == set()
    claims.assign_claim(
        factories.actor_for(reviewer), deal.id, Claim.get_by_id(deal.id).version, reviewer.id
    )
    assert ("claim", deal.id) in found(q="ATMOS", reviewer_id=reviewer.id)
    today = date.today()
    assert found(q="ATMOS", since=today + timedelta(days=1)) == set()
    assert found(q="ATMOS", until=today) == found(q="ATMOS")
    with pytest.raises(search.ValidationError, match="type must be one of"):
        search.search(search.SearchFilter(q="x", kind="users"))


def test_without_words_the_filters_list_claims(app, corpus):
    listed = search.search(search.SearchFilter(status="approved"))
    assert kinds(listed) == [("claim", corpus["deal"].id)]
    everything = search.search(search.SearchFilter())
    assert {k for k, _ in kinds(everything)} == {"claim"}
    assert everything.total == Claim.select().count()


SYNTAX = [
    '"',
    '""',
    "*",
    "ATMOS*",
    "(ATMOS",
    "NEAR(ATMOS Rabat)",
    "ATMOS AND OR NOT",
    "'; DROP TABLE claim; --",
    "title:ATMOS",
    "^ATMOS",
    "ATMOS -Rabat",
    "a",
    "",
    "   ",
    "\x00",
    "ṩ̶ h̷i ATMOS",
    "x" * 500,
    "&|!:*()<>",
]


@pytest.mark.parametrize("query", SYNTAX)
def test_search_syntax_in_a_query_is_never_an_error(app, reviewer_client, corpus, query):
    page = reviewer_client.get("/search/", query_string={"q": query})
    assert page.status_code == 200, query
    api = reviewer_client.get("/api/search", query_string={"q": query})
    assert api.status_code == 200, query
    assert isinstance(api.json["results"], list)


def test_the_page_escapes_what_it_highlights(app, reviewer, reviewer_client):
    article = factories.article(
        reviewer, "The minister said <script>alert(1)</script> 36 ATMOS guns arrived."
    )
    page = reviewer_client.get("/search/?q=ATMOS").text
    assert "<script>alert(1)</script>" not in page
    assert "<script>alert" not in page and "<mark>" in page
    assert any("<script>" in c.statement for c in Claim.select())  # the data has it
    tree = lxml_html.fromstring(page)
    assert tree.xpath("//mark") and not tree.xpath("//main//script")
    assert f"/articles/{article.id}" in page


def test_results_are_paginated(app, reviewer, reviewer_client):
    text = " ".join(f"Ward {i} received {i + 2} new ferries." for i in range(30))
    factories.article(reviewer, text)
    first = search.search(search.SearchFilter(q="ferries", kind="claim"), page=1, per_page=20)
    second = search.search(search.SearchFilter(q="ferries", kind="claim"), page=2, per_page=20)
    assert first.total >= 30 and first.more
    assert len(first.hits) == 20 and not set(kinds(first)) & set(kinds(second))
    html = reviewer_client.get("/search/?q=ferries&type=claim").text
    assert 'rel="next"' in html
    body = reviewer_client.get("/api/search?q=ferries&type=claim&limit=10").json
    assert len(body["results"]) == 10 and body["next"]
    more = reviewer_client.get(body["next"]).json
    assert not {r["id"] for r in more["results"]} & {r["id"] for r in body["results"]}


def test_the_api_answers_bad_filters_with_422(app, reviewer_client, corpus):
    for query, field in (
        ("type=users", "type"),
        ("status=done", "status"),
        ("rating=nope", "rating"),
        ("article=x", "article"),
        ("since=yesterday", "since"),
        ("page=0", "page"),
        ("page=51", "page"),
    ):
        response = reviewer_client.get(f"/api/search?q=ATMOS&{query}")
        assert response.status_code == 422, query
        assert response.json["error"]["field"] == field, query
    ok = reviewer_client.get("/api/search?q=ATMOS&type=claim&status=approved").json
    assert [(r["type"], r["rating"]) for r in ok["results"]] == [("claim", "mostly-true")]
    assert ok["results"][0]["matched"] == ["atmos"]


def test_the_search_page_keeps_what_was_typed_and_explains_bad_dates(app, reviewer_client):
    response = reviewer_client.get("/search/?q=ferries&since=2026-13-40")
    assert response.status_code == 422
    tree = lxml_html.fromstring(response.text)
    assert tree.xpath('//input[@name="q"]/@value') == ["ferries"]
    assert "Not a valid date value." in response.text


def test_the_nav_search_link_and_an_empty_search_page(app, reviewer_client):
    home = reviewer_client.get("/").text
    assert 'href="/search/"' in home
    page = reviewer_client.get("/search/")
    assert page.status_code == 200 and "Nothing found" not in page.text
    token = csrf_token(home)
    assert token


def test_beyond_the_ranking_window_the_newest_matches_are_ranked_and_the_page_says_so(
    app, reviewer, corpus, monkeypatch
):
    # A word in very many records: only the most recent RANK_CANDIDATES matches are ranked,
    # and past COUNT_CAP the page says why and how to narrow. (Small limits stand in for 5,000.)
    monkeypatch.setattr(search, "RANK_CANDIDATES", 3)
    monkeypatch.setattr(search, "COUNT_CAP", 2)
    texts = [f"Harbour report {n}: the seawall costs {n} million." for n in range(5)]
    made = [factories.article(reviewer, text) for text in texts]
    result = search.search(search.SearchFilter(q="seawall", kind="article"))
    assert result.capped and result.total == 2
    assert {h.ref_id for h in result.hits} == {a.id for a in made[-3:]}  # the newest three
    assert all(search.START in h.snippet for h in result.hits)
    client = app.test_client()
    login(client, reviewer.username)
    page = client.get("/search/?q=seawall&type=article").get_data(as_text=True)
    assert "More than 2 records match" in page
    assert "ranked among the 3 most recent matches" in page
