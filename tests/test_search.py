"""Search: one box over claims, articles, sources and evidence, with the database's own full-text
index (FTS5 / tsvector) kept current by the write path, ranked, highlighted, filtered, paginated;
no query text ever becomes search syntax or an error page."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from lxml import html as lxml_html

from claims.db import bind, db, is_postgres, migration_runner, open_database, upgrade
from claims.models import Article, Claim, Evidence, Rating, Source, Verdict
from claims.services import claims, evidence, search, verdicts
from tests import factories
from tests.conftest import csrf_token, is_postgres_run, login, postgres_url

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


def test_a_whole_word_is_taken_whole_and_only_a_word_found_nowhere_as_a_beginning(app, reviewer):
    signed = factories.article(reviewer, "The harbour contract was signed on Monday.")
    paid = factories.article(reviewer, "The harbour contractor was paid on Friday.")
    only_articles = {"kind": "article"}

    def found(q: str) -> set[int]:
        return {h.ref_id for h in search.search(search.SearchFilter(q=q, **only_articles)).hits}

    # "contract" is a word of the index: its forms match ("contracts"), not "contractor".
    assert found("contract") == {signed.id}
    assert found("harbour contracts") == {signed.id}
    # Nothing has "contracto" whole: it is a word still being typed.
    assert found("contracto") == {paid.id}
    # Nothing has "paid" and "contract" whole together: the last word is then a beginning.
    assert found("paid contract") == {paid.id}
    # Short last words are never beginnings.
    assert found("harbour co") == set()


@pytest.mark.parametrize(
    ("matching", "total", "capped"), [(1, 1, False), (2, 2, False), (3, 2, True)]
)
def test_a_full_ranking_window_is_counted_up_to_the_cap(
    app, reviewer, monkeypatch, matching, total, capped
):
    # The window is as large as the cap (RANK_CANDIDATES = COUNT_CAP = 1,000 at full size):
    # when it is full, the matches past it are counted to tell "more than".
    monkeypatch.setattr(search, "RANK_CANDIDATES", 2)
    monkeypatch.setattr(search, "COUNT_CAP", 2)
    for n in range(matching):
        factories.article(reviewer, f"Breakwater report {n}: the breakwater costs {n} million.")
    result = search.search(search.SearchFilter(q="breakwater", kind="article"))
    assert (result.total, result.capped) == (total, capped)
    assert len(result.hits) == min(matching, 2)


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


def expected_facets() -> dict[int, set[str]]:
    """The facet tokens each search row should carry (migration 0013), from the records: the
    kind (SQLite only), and a claim's status, article, assignee and current ratings, which its
    evidence shares; an article has its own id."""
    ratings: dict[int, set[str]] = {}
    for v in Verdict.select(Verdict.claim, Verdict.rating).where(Verdict.current):
        ratings.setdefault(v.claim_id, set()).add(f"r{v.rating_id}")
    of_claim = {
        c.id: {f"s{c.status.replace('_', '')}", f"a{c.article_id}"}
        | ({f"u{c.assignee_id}"} if c.assignee_id else set())
        | ratings.get(c.id, set())
        for c in Claim.select()
    }
    rows: dict[int, set[str]] = {}
    for a in Article.select(Article.id):
        rows[a.id * 4] = {"k0", f"a{a.id}"}
    # A kind and a status are also one token ("k1sapproved").
    for claim_id, tokens in of_claim.items():
        rows[claim_id * 4 + 1] = {"k1", *tokens, *{"k1" + t for t in tokens if t[0] == "s"}}
    for s in Source.select(Source.id):
        rows[s.id * 4 + 2] = {"k2"}
    for e in Evidence.select(Evidence.id, Evidence.claim):
        tokens = of_claim[e.claim_id]
        rows[e.id * 4 + 3] = {"k3", *tokens, *{"k3" + t for t in tokens if t[0] == "s"}}
    if is_postgres():  # the kind is the id modulo 4 there
        rows = {row: {t for t in tokens if t[0] != "k"} for row, tokens in rows.items()}
    return rows


def assert_facets_current(words: tuple[str, ...] = ("atmos", "rabat", "harbour")) -> None:
    """The index's facets are the records' (and, on SQLite, its second table finds the rows
    by their facets and words as search_fts does)."""
    want = expected_facets()
    if is_postgres():
        rows = db.execute_sql("SELECT id, facets FROM search_entry").fetchall()
        assert {row: set(facets) for row, facets in rows} == want
        return
    stored = db.execute_sql("SELECT id, facets FROM search_facet_row").fetchall()
    assert {row: set(facets.split()) for row, facets in stored} == want
    db.execute_sql("INSERT INTO search_facet (search_facet) VALUES ('integrity-check')")

    def rows_of(sql: str, match: str) -> set[int]:
        return {r[0] for r in db.execute_sql(sql, [match]).fetchall()}

    facet_rows = "SELECT rowid FROM search_facet WHERE search_facet MATCH ?"
    for token in set().union(*want.values()):
        tagged = {row for row, tokens in want.items() if token in tokens}
        assert rows_of(facet_rows, f'facets : "{token}"') == tagged, token
    for word in words:
        text_rows = "SELECT rowid FROM search_fts WHERE search_fts MATCH ?"
        assert rows_of(facet_rows, f'words : "{word}"') == rows_of(text_rows, f'"{word}"'), word


def found(**filters) -> set[tuple[str, int]]:
    return set(kinds(search.search(search.SearchFilter(**filters))))


def test_a_claims_status_reviewer_and_rating_filter_it_and_its_evidence(
    app, reviewer, editor, corpus
):
    deal, item = corpus["deal"], corpus["item"]
    both = {("claim", deal.id), ("evidence", item.id)}
    assert found(q="ATMOS", status="approved") == both
    # Reopened: no longer approved, in research; its published rating stays until replaced.
    claims.reopen_claim(
        factories.actor_for(editor), deal.id, Claim.get_by_id(deal.id).version, "New figures."
    )
    assert found(q="ATMOS", status="approved") == set()
    assert found(q="ATMOS", status="in_research") == both
    assert found(q="ATMOS", rating="mostly-true") == both
    # A new verdict approved: the new rating finds the claim and its evidence, the old does not.
    false = Rating.get(Rating.slug == "false").id
    verdict = verdicts.propose_verdict(
        factories.actor_for(reviewer),
        deal.id,
        rating_id=false,
        confidence_value=80,
        rationale="The contract was cancelled.",
    )
    assert found(q="ATMOS", status="verdict_proposed") == both
    assert found(q="ATMOS", rating="false") == set()  # proposed, not published
    verdicts.approve_verdict(factories.actor_for(editor), verdict.id)
    assert found(q="ATMOS", rating="false", status="approved") == both
    assert found(q="ATMOS", rating="mostly-true") == set()
    # Assigned, then let go.
    assert found(q="ATMOS", reviewer_id=reviewer.id) == set()
    version = Claim.get_by_id(deal.id).version
    claims.assign_claim(factories.actor_for(editor), deal.id, version, reviewer.id)
    assert found(q="ATMOS", reviewer_id=reviewer.id) == both
    assert found(q="ATMOS", reviewer_id=reviewer.id, kind="evidence") == {("evidence", item.id)}
    version = Claim.get_by_id(deal.id).version
    claims.assign_claim(factories.actor_for(editor), deal.id, version, None)
    assert found(q="ATMOS", reviewer_id=reviewer.id) == set()
    # Evidence added later follows its claim; removed, it is gone.
    later = evidence.add_evidence(
        factories.actor_for(reviewer),
        deal.id,
        corpus["source"].id,
        excerpt="ATMOS deliveries start next year.",
        stance="supports",
    )
    assert ("evidence", later.id) in found(q="ATMOS", status="approved", rating="false")
    evidence.remove_evidence(factories.actor_for(reviewer), later.id, later.version)
    assert ("evidence", later.id) not in found(q="ATMOS", status="approved")
    assert_facets_current()


def test_an_article_filter_finds_the_article_its_claims_and_their_evidence(app, corpus):
    atmos = corpus["atmos"]
    listed = found(q="ATMOS", article_id=atmos.id)
    assert ("article", atmos.id) in listed
    assert {("claim", corpus["deal"].id), ("evidence", corpus["item"].id)} <= listed
    assert ("source", corpus["source"].id) not in listed
    # With a claim filter too, the article itself is not a claim.
    assert ("article", atmos.id) not in found(q="ATMOS", article_id=atmos.id, status="approved")


def test_a_word_the_index_cuts_in_two_is_filtered_as_well(app, reviewer, corpus):
    # "pre_war" is the phrase "pre war" to the tokenizer: the facet index keeps no positions,
    # so such a search tests each match's facets instead, with the same results.
    article = factories.article(reviewer, "The pre_war budget bought 12 pre_war frigates.")
    made = {c.id for c in Claim.select().where(Claim.article == article.id)}
    assert made
    assert {ref for kind, ref in found(q="pre_war", status="new", kind="claim")} == made
    assert found(q="pre_war", status="approved") == set()
    assert found(q="pre_war", article_id=article.id, status="new") == {
        ("claim", ref) for ref in made
    }


def test_the_facets_follow_every_write(app, reviewer, editor, corpus):
    claim = Claim.get(Claim.article == corpus["budget"].id)
    actor = factories.actor_for(reviewer)
    claims.start_research(actor, claim.id, claim.version)
    claim = Claim.get_by_id(claim.id)
    claims.update_claim(actor, claim.id, claim.version, statement="A harbour seawall of granite.")
    item = evidence.add_evidence(
        actor, claim.id, corpus["source"].id, excerpt="Granite from the harbour.", stance="supports"
    )
    evidence.update_evidence(actor, item.id, item.version, excerpt="Granite, Rabat harbour.")
    claim = Claim.get_by_id(claim.id)
    claims.assign_claim(factories.actor_for(editor), claim.id, claim.version, reviewer.id)
    assert_facets_current(("atmos", "rabat", "harbour", "granite", "seawall"))
    text = "Rabat will buy 4 drones for $9 million and 12 radars for $3 million, officials said."
    article = factories.article(reviewer, text)
    parts = list(Claim.select().where(Claim.article == article.id).order_by(Claim.start))
    assert len(parts) >= 2
    first = parts[0]
    at = first.start + first.quote.index(" ") + 1
    kept, new = claims.split_claim(actor, first.id, first.version, at)
    merged = claims.merge_claims(actor, article.id, [kept.id, new.id])
    claims.dismiss_claim(actor, merged.id, merged.version, "Not checkable.")
    assert_facets_current(("atmos", "rabat", "drones", "harbour"))
    # An article deleted takes its claims, their evidence and verdicts with it (cascades).
    with db.atomic():
        Article.delete().where(Article.id == corpus["atmos"].id).execute()
    assert found(q="ATMOS") == {("source", corpus["source"].id)}
    assert_facets_current(("atmos", "rabat", "drones", "harbour"))


def test_the_migration_tags_an_existing_database_and_can_be_undone(tmp_path):
    url = postgres_url() or f"sqlite:///{tmp_path / 'existing.db'}"
    database = open_database(url)
    if is_postgres_run():
        # Start from nothing; the upgrade below leaves the schema as the other tests expect.
        with database.connection_context():
            database.execute_sql("DROP SCHEMA public CASCADE")
            database.execute_sql("CREATE SCHEMA public")
    bind(database)
    with database.connection_context():
        migration_runner().up("0012_verdict_explanation")
        rita, eddie = factories.user("rita", "reviewer"), factories.user("eddie", "editor")
        atmos = factories.article(rita, ATMOS)
        deal = Claim.get(Claim.article == atmos.id, Claim.quote == "36 ATMOS artillery systems")
        source = factories.source("Elbit Systems press release on ATMOS howitzers")
        item = evidence.add_evidence(
            factories.actor_for(rita), deal.id, source.id, excerpt="36 ATMOS.", stance="supports"
        )
        verdict = verdicts.propose_verdict(
            factories.actor_for(rita),
            deal.id,
            rating_id=Rating.get(Rating.slug == "true").id,
            confidence_value=90,
            rationale="Signed.",
        )
        verdicts.approve_verdict(factories.actor_for(eddie), verdict.id)
        upgrade()
        assert_facets_current()
        both = {("claim", deal.id), ("evidence", item.id)}
        assert found(q="ATMOS", status="approved", rating="true") == both
        assert migration_runner().down("0013_search_facets")[-1] == "0013_search_facets"
        upgrade()
        assert_facets_current()
        assert found(q="ATMOS", status="approved", rating="true") == both


def test_a_page_past_the_last_still_counts_the_results(app, corpus):
    for filters in ({"q": "ATMOS"}, {"q": "ATMOS", "status": "approved"}):
        first = search.search(search.SearchFilter(**filters))
        past = search.search(search.SearchFilter(**filters), page=2)
        assert first.total == len(first.hits) > 0 and not first.more
        assert past.hits == [] and past.total == first.total
