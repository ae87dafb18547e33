"""Importing articles (text, file, URL), the article page, claims edited, added, split, merged,
dismissed, and the API for them."""

from __future__ import annotations

import io
import json
import re

import pytest

from claims.models import Article, AuditEvent, Claim, Quantity
from tests import factories
from tests.conftest import SHARED, csrf_token, post_form, table_counts

SAMPLE = (SHARED / "samples" / "israel-morocco-military-work-plan.txt").read_text(encoding="utf-8")


def import_form(client, **data):
    token = csrf_token(client.get("/articles/new").text)
    return client.post(
        "/articles/new", data={"csrf_token": token, **data}, content_type="multipart/form-data"
    )


def test_pasting_the_sample_article_makes_a_worklist_of_claims(app, reviewer_client):
    response = import_form(reviewer_client, text=SAMPLE)
    assert response.status_code == 302
    article = Article.get()
    assert article.title == "'Israel', Morocco Sign Joint Military Work Plan, Deepening Ties"
    page = reviewer_client.get(response.headers["Location"])
    assert "Imported, with" in page.text and "claims to review" in page.text
    quotes = {c.quote for c in Claim.select()}
    for figure in ("$1 billion", "36 ATMOS artillery systems", "306 mm", "150 km"):
        assert any(figure in q for q in quotes), figure
    # Every claim is anchored to the exact words of the stored text.
    for claim in Claim.select():
        assert article.text[claim.start : claim.end] == claim.quote
    # Highlights in place, linked to the side list.
    billion = next(c for c in Claim.select() if "$1 billion" in c.quote)
    assert f'href="#claim-{billion.id}"' in page.text
    assert f'id="claim-{billion.id}"' in page.text
    money = Quantity.get(Quantity.claim == billion)
    assert money.value == 1e9 and money.unit == "USD" and money.approximate
    # One event for the article and one per claim, in the import's transaction.
    assert AuditEvent.select().where(AuditEvent.action == "article.import").count() == 1
    assert (
        AuditEvent.select().where(AuditEvent.action == "claim.create").count()
        == Claim.select().count()
    )


def test_the_same_text_again_opens_the_existing_article(app, reviewer_client):
    import_form(reviewer_client, text=SAMPLE)
    before = table_counts()
    response = import_form(reviewer_client, text=SAMPLE)
    assert response.headers["Location"].endswith(f"/articles/{Article.get().id}")
    assert "imported before" in reviewer_client.get(response.headers["Location"]).text
    assert table_counts() == before


def test_uploading_html_keeps_the_main_text_and_reads_metadata(app, reviewer_client):
    html = b"""<html><head><title>Wall | City Times</title>
    <meta property="og:title" content="Council approves flood wall">
    <meta property="og:site_name" content="City Times"><meta name="author" content="Jane Doe">
    <meta property="article:published_time" content="2026-03-03T10:00:00Z"></head>
    <body><nav><a href="/">Home</a> <a href="/news">News</a></nav><article>
    <h1>Council approves flood wall</h1><p>The council voted 7 to 2 on Tuesday to build a 4.5 km wall.</p>
    <p>It will cost around $48 million, according to the finance department.</p></article>
    <footer>Copyright City Times</footer><script>alert(1)</script></body></html>"""
    response = import_form(reviewer_client, file=(io.BytesIO(html), "wall.html"))
    assert response.status_code == 302, response.text
    article = Article.get()
    assert article.title == "Council approves flood wall"
    assert article.publisher == "City Times" and article.byline == "Jane Doe"
    assert str(article.published_date) == "2026-03-03"
    assert "$48 million" in article.text
    assert (
        "Home" not in article.text
        and "Copyright" not in article.text
        and "alert" not in article.text
    )


def test_typed_metadata_wins_over_the_page(app, reviewer_client):
    import_form(
        reviewer_client,
        text="The council approved a $48 million wall.",
        title="My title",
        publisher="The Post",
        published="2026-01-02",
    )
    article = Article.get()
    assert (article.title, article.publisher, str(article.published_date)) == (
        "My title",
        "The Post",
        "2026-01-02",
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"text": "   "}, "Give the article one way"),
        ({"text": "x", "url": "https://example.org/a"}, "Give the article one way"),
        ({"file": (io.BytesIO(b"\x89PNG\r\n\x1a\n\x00\x00binary"), "photo.txt")}, "not text"),
        ({"file": (io.BytesIO("café crème".encode("latin-1")), "latin.txt")}, "not valid UTF-8"),
        ({"file": (io.BytesIO(b"hello"), "doc.pdf")}, "Upload a .txt or .html file"),
        ({"url": "ftp://example.org/a"}, "http"),
        ({"url": "http://127.0.0.1/admin"}, "private or local"),
        ({"url": "http://10.0.0.1/"}, "private or local"),
    ],
)
def test_bad_input_gets_a_clear_message_and_nothing_is_written(app, reviewer_client, data, message):
    before = table_counts()
    response = import_form(reviewer_client, title="Kept title", **data)
    assert response.status_code == 422
    assert message in response.text
    assert 'value="Kept title"' in response.text  # what was typed comes back
    after = table_counts()
    assert {**after, "audit_event": 0} == {**before, "audit_event": 0}


def test_a_50_mb_paste_is_refused_on_the_form(app, reviewer_client):
    token = csrf_token(reviewer_client.get("/articles/new").text)
    response = reviewer_client.post(
        "/articles/new", data={"csrf_token": token, "text": "x" * 50_000_000}
    )
    assert response.status_code == 413
    assert "more than this server accepts" in response.text and "Import an article" in response.text
    assert Article.select().count() == 0


def test_editing_a_claim_checks_its_version(app, reviewer_client, editor_client, reviewer):
    article = factories.article(reviewer, "The wall will cost $48 million, the mayor said.")
    claim = Claim.select().where(Claim.article == article).first()
    # Two reviewers open the same claim; the second save must not overwrite the first.
    page_a = reviewer_client.get(f"/claims/{claim.id}").text
    page_b = editor_client.get(f"/claims/{claim.id}").text
    first = reviewer_client.post(
        f"/claims/{claim.id}",
        data={
            "csrf_token": csrf_token(page_a),
            "version": claim.version,
            "statement": "The flood wall costs $48 million.",
            "kind": "money",
        },
    )
    assert first.status_code == 302
    second = editor_client.post(
        f"/claims/{claim.id}",
        data={
            "csrf_token": csrf_token(page_b),
            "version": claim.version,
            "statement": "My own wording of it",
            "kind": "money",
        },
    )
    assert second.status_code == 409
    assert "Someone else changed this claim" in second.text
    assert (
        "My own wording of it" in second.text and "The flood wall costs $48 million." in second.text
    )
    assert Claim.get_by_id(claim.id).statement == "The flood wall costs $48 million."
    assert Claim.get_by_id(claim.id).version == claim.version + 1


def test_adding_a_claim_from_a_selection(app, reviewer_client, reviewer):
    text = "The council met on Tuesday.\nThe wall is 4.5 km long and cost $48 million."
    article = factories.article(reviewer, text)
    start = text.index("4.5 km")
    page = reviewer_client.get(f"/articles/{article.id}")
    response = reviewer_client.post(
        f"/articles/{article.id}/claims",
        data={
            "csrf_token": csrf_token(page.text),
            "start": start,
            "end": start + len("4.5 km long"),
            "kind": "quantity",
        },
    )
    assert response.status_code == 302
    claim = Claim.select().order_by(Claim.id.desc()).first()
    assert claim.quote == "4.5 km long" and claim.kind == "quantity"
    assert claim.created_by_id == reviewer.id
    assert claim.sentence == "The wall is 4.5 km long and cost $48 million."
    assert text[claim.start - len(claim.prefix) : claim.start] == claim.prefix
    bad = reviewer_client.post(
        f"/articles/{article.id}/claims",
        data={"csrf_token": csrf_token(page.text), "start": 5, "end": 99999, "kind": "quantity"},
    )
    assert bad.status_code == 422
    assert "not part of the article" in bad.text and "Add claim from selection" in bad.text


def test_dismiss_keeps_the_claim_with_who_and_why_and_restore_brings_it_back(
    app, reviewer_client, reviewer
):
    article = factories.article(reviewer, "The wall will cost $48 million.")
    claim = Claim.select().where(Claim.article == article).first()
    empty = post_form(
        reviewer_client,
        f"/claims/{claim.id}",
        f"/claims/{claim.id}/dismiss",
        {"version": claim.version, "reason": ""},
    )
    assert empty.status_code == 422 and "This field is required" in empty.text
    done = post_form(
        reviewer_client,
        f"/claims/{claim.id}",
        f"/claims/{claim.id}/dismiss",
        {"version": claim.version, "reason": "Opinion, not a fact"},
    )
    assert done.status_code == 302
    kept = Claim.get_by_id(claim.id)
    assert (kept.status, kept.dismissed_reason, kept.dismissed_by_id) == (
        "dismissed",
        "Opinion, not a fact",
        reviewer.id,
    )
    assert "Opinion, not a fact" in reviewer_client.get(f"/claims/{claim.id}").text
    post_form(
        reviewer_client,
        f"/claims/{claim.id}",
        f"/claims/{claim.id}/restore",
        {"version": kept.version},
    )
    assert Claim.get_by_id(claim.id).status == "new"


def test_split_and_merge(app, reviewer_client, reviewer, system):
    from claims.services import claims as service

    text = "Morocco bought 36 ATMOS artillery systems and two satellites."
    article = factories.article(reviewer, text)
    whole = service.add_claim(factories.actor_for(reviewer), article.id, 0, len(text) - 1)
    at = text.index("and")
    response = post_form(
        reviewer_client,
        f"/claims/{whole.id}",
        f"/claims/{whole.id}/split",
        {"version": whole.version, "at": at},
    )
    assert response.status_code == 302
    first = Claim.get_by_id(whole.id)
    second = Claim.select().order_by(Claim.id.desc()).first()
    assert first.quote == "Morocco bought 36 ATMOS artillery systems"
    assert second.quote == "and two satellites"
    response = post_form(
        reviewer_client,
        f"/articles/{article.id}",
        f"/articles/{article.id}/claims/merge",
        {"claims": [first.id, second.id]},
    )
    assert response.status_code == 302
    merged = Claim.select().order_by(Claim.id.desc()).first()
    assert merged.quote == "Morocco bought 36 ATMOS artillery systems and two satellites"
    for part in (first.id, second.id):
        assert Claim.get_by_id(part).dismissed_reason == f"merged into #{merged.id}"


def test_article_list_ordering_by_checkworthiness(app, reviewer_client, reviewer):
    article = factories.article(reviewer, SAMPLE)
    page = reviewer_client.get(f"/articles/{article.id}?order=score").text
    ids = [int(i) for i in re.findall(r'<li id="claim-(\d+)"', page)]
    scores = [Claim.get_by_id(i).checkworthiness for i in ids]
    assert scores == sorted(scores, reverse=True)


def test_editing_article_metadata(app, reviewer_client, reviewer):
    article = factories.article(reviewer)
    response = post_form(
        reviewer_client,
        f"/articles/{article.id}/edit",
        f"/articles/{article.id}/edit",
        {
            "version": article.version,
            "title": "Better title",
            "publisher": "City Times",
            "url": "https://example.org/wall",
            "byline": "",
            "published": "2026-03-03",
        },
    )
    assert response.status_code == 302
    fresh = Article.get_by_id(article.id)
    assert (fresh.title, fresh.publisher, fresh.url) == (
        "Better title",
        "City Times",
        "https://example.org/wall",
    )
    event = AuditEvent.get(AuditEvent.action == "article.update")
    assert json.loads(event.before)["title"] == "A test article"


# --- API --------------------------------------------------------------------------------------


def api_token(app, username):
    return app.test_cli_runner().invoke(args=["users", "token", username]).output.strip()


def test_api_import_get_list_and_patch(app, reviewer):
    client = app.test_client()
    headers = {"Authorization": f"Bearer {api_token(app, 'rita')}"}
    created = client.post(
        "/api/articles", json={"text": SAMPLE, "publisher": "Al Mayadeen"}, headers=headers
    )
    assert created.status_code == 201
    body = created.json
    assert body["publisher"] == "Al Mayadeen" and body["text"] == Article.get().text
    claim = next(c for c in body["claims"] if "$1 billion" in c["quote"])
    assert body["text"][claim["start"] : claim["end"]] == claim["quote"]
    assert claim["quantities"][0]["value"] == 1e9
    again = client.post("/api/articles", json={"text": SAMPLE}, headers=headers)
    assert again.status_code == 200 and again.json["id"] == body["id"]
    assert client.get(f"/api/articles/{body['id']}", headers=headers).json["id"] == body["id"]
    listed = client.get(
        f"/api/claims?article={body['id']}&kind=money&limit=1", headers=headers
    ).json
    assert len(listed["claims"]) == 1 and listed["claims"][0]["kind"] == "money"
    one = client.get(f"/api/claims/{claim['id']}", headers=headers).json
    patched = client.patch(
        f"/api/claims/{claim['id']}",
        headers=headers,
        json={"version": one["version"], "statement": "IAI contract worth $1 billion"},
    )
    assert patched.status_code == 200 and patched.json["version"] == one["version"] + 1
    stale = client.patch(
        f"/api/claims/{claim['id']}",
        headers=headers,
        json={"version": one["version"], "statement": "x"},
    )
    assert stale.status_code == 409 and stale.json["error"]["code"] == "conflict"
    missing = client.patch(f"/api/claims/{claim['id']}", headers=headers, json={"statement": "x"})
    assert missing.status_code == 422 and "version" in missing.json["error"]["message"]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({}, 422, "invalid"),
        ({"text": ""}, 422, "invalid"),
        ({"text": 42}, 422, "invalid"),
        ({"text": "a", "url": "https://x.org"}, 422, "invalid"),
        ({"url": "http://169.254.169.254/latest/meta-data/"}, 422, "fetch_refused"),
        ({"url": "javascript:alert(1)"}, 422, "fetch_refused"),
        ({"text": "The wall costs $48 million.", "published": "yesterday"}, 422, "invalid"),
    ],
)
def test_api_import_errors(app, reviewer, body, status, code):
    client = app.test_client()
    headers = {"Authorization": f"Bearer {api_token(app, 'rita')}"}
    before = table_counts()
    response = client.post("/api/articles", json=body, headers=headers)
    assert response.status_code == status
    assert response.json["error"]["code"] == code
    assert {**table_counts(), "audit_event": 0} == {**before, "audit_event": 0}


def test_api_with_a_browser_session_needs_the_csrf_header_and_json(app, reviewer_client):
    no_token = reviewer_client.post("/api/articles", json={"text": "The wall costs $48 million."})
    assert no_token.status_code == 400
    token = csrf_token(reviewer_client.get("/").text)
    form = reviewer_client.post("/api/articles", data={"text": "x"}, headers={"X-CSRFToken": token})
    assert form.status_code == 415
    cross = reviewer_client.post(
        "/api/articles",
        json={"text": "x"},
        headers={"X-CSRFToken": token, "Sec-Fetch-Site": "cross-site"},
    )
    assert cross.status_code == 403
    ok = reviewer_client.post(
        "/api/articles",
        json={"text": "The wall costs $48 million."},
        headers={"X-CSRFToken": token},
    )
    assert ok.status_code == 201


def test_cli_extract_and_import(app, tmp_path, reviewer):
    sample = tmp_path / "article.txt"
    sample.write_text(SAMPLE, encoding="utf-8")
    runner = app.test_cli_runner()
    out = runner.invoke(args=["extract", str(sample), "--json"])
    assert out.exit_code == 0, out.output
    payload = json.loads(out.output)
    assert payload["claims"] and all(
        payload["text"][c["start"] : c["end"]] == c["quote"] for c in payload["claims"]
    )
    assert Article.select().count() == 0  # extract writes nothing
    factories.user("boss", "admin")
    imported = runner.invoke(args=["import", str(sample), "--json"])
    assert imported.exit_code == 0, imported.output
    data = json.loads(imported.output)
    assert data["created"] is True and data["claims"]
    assert Article.get().imported_by.username == "boss"
    missing = runner.invoke(args=["import", str(tmp_path / "nope.txt")])
    assert missing.exit_code == 1 and "no such file" in missing.output


def test_after_a_conflict_the_reviewer_can_save_their_text(
    app, reviewer_client, editor_client, reviewer
):
    article = factories.article(reviewer, "The wall will cost $48 million, the mayor said.")
    claim = Claim.select().where(Claim.article == article).first()
    stale = csrf_token(editor_client.get(f"/claims/{claim.id}").text)
    post_form(
        reviewer_client,
        f"/claims/{claim.id}",
        f"/claims/{claim.id}",
        {"version": claim.version, "statement": "First wording", "kind": "money"},
    )
    conflict = editor_client.post(
        f"/claims/{claim.id}",
        data={
            "csrf_token": stale,
            "version": claim.version,
            "statement": "Second wording",
            "kind": "money",
        },
    )
    assert conflict.status_code == 409
    version = int(conflict.text.split('name="version" type="hidden" value="')[1].split('"')[0])
    assert version == claim.version + 1
    again = editor_client.post(
        f"/claims/{claim.id}",
        data={
            "csrf_token": stale,
            "version": version,
            "statement": "Second wording",
            "kind": "money",
        },
    )
    assert again.status_code == 302
    assert Claim.get_by_id(claim.id).statement == "Second wording"
