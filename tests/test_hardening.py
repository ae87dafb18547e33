"""Regression tests for odd input found in review: none of it may end in a 500, and nothing
invisible or refused by PostgreSQL may reach the database."""

from __future__ import annotations

import json

import pytest

from claims import audit
from claims.models import Article, AuditEvent, Claim, Quantity
from claims.services import claims as claim_service
from claims.views.articles import TIMELINE_LENGTH
from tests import factories
from tests.conftest import csrf_token, login, post_form


@pytest.fixture
def article_with_claim(reviewer):
    article = factories.article(
        reviewer, "Morocco bought 36 ATMOS artillery systems with 306 mm rockets."
    )
    claim = claim_service.add_claim(factories.actor_for(reviewer), article.id, 15, 60)
    return article, claim


def test_nul_bytes_never_reach_the_database(app, reviewer_client, article_with_claim):
    article, claim = article_with_claim
    post_form(
        reviewer_client,
        f"/claims/{claim.id}",
        f"/claims/{claim.id}",
        {"version": claim.version, "statement": "Thirty-six\x00 systems", "kind": "count"},
    )
    assert Claim.get_by_id(claim.id).statement == "Thirty-six systems"
    post_form(
        reviewer_client,
        f"/articles/{article.id}/edit",
        f"/articles/{article.id}/edit",
        {"version": article.version, "title": "Title\x00", "publisher": "Pub\x00lisher"},
    )
    fresh = Article.get_by_id(article.id)
    assert (fresh.title, fresh.publisher) == ("Title", "Publisher")
    post_form(
        reviewer_client,
        f"/claims/{claim.id}",
        f"/claims/{claim.id}/dismiss",
        {"version": Claim.get_by_id(claim.id).version, "reason": "op\x00inion"},
    )
    assert Claim.get_by_id(claim.id).dismissed_reason == "opinion"
    assert all("\\u0000" not in (e.after or "") for e in AuditEvent.select())


def test_nul_bytes_through_the_api_and_login(app, reviewer, article_with_claim):
    _, claim = article_with_claim
    token = app.test_cli_runner().invoke(args=["users", "token", "rita"]).output.strip()
    api = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    patched = api.patch(
        f"/api/claims/{claim.id}",
        headers=headers,
        json={"version": claim.version, "statement": "a\x00b"},
    )
    assert patched.status_code == 200 and patched.json["statement"] == "ab"
    created = api.post(
        "/api/articles",
        headers=headers,
        json={"text": "The wall costs $48 million.", "title": "T\x00itle"},
    )
    assert created.status_code == 201 and created.json["title"] == "Title"
    assert login(app.test_client(), "ri\x00ta", "whatever password").status_code == 401
    assert api.get("/api/audit?q=%00&actor=%00", headers=headers).status_code in (200, 403)


@pytest.mark.parametrize(
    "url",
    [
        "/claims/" + "9" * 30,
        "/articles/" + "9" * 30,
        "/audit/" + "9" * 30,
        "/admin/users/" + "9" * 30,
        "/api/claims/" + "9" * 30,
        "/api/articles/" + "9" * 30,
        "/api/audit/" + "9" * 30,
    ],
)
def test_huge_ids_are_not_found(admin_client, url):
    assert admin_client.get(url).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/api/claims?limit=²",
        "/api/claims?after=²",
        "/api/claims?article=²",
        "/api/audit?before=²",
        "/api/audit?since=0001-01-01T00:00:00%2B01:00",
        "/api/audit?until=9999-12-31",
        "/api/audit?entity_id=3",
    ],
)
def test_odd_query_parameters_are_422_not_500(editor_client, url):
    response = editor_client.get(url)
    assert response.status_code == 422, url
    assert response.json["error"]["code"] == "invalid"


@pytest.mark.parametrize("query", ["before=²", "until=9999-12-31", "entity_id=3"])
def test_odd_audit_page_filters_are_handled(editor_client, query):
    response = editor_client.get(f"/audit/?{query}")
    assert response.status_code in (200, 422)
    if "entity_id" in query:
        assert "Choose the record type" in response.text


@pytest.mark.parametrize("path", ["", "/dismiss", "/restore", "/split"])
def test_a_version_that_is_not_a_number_is_refused_with_the_page(
    reviewer_client, article_with_claim, path
):
    _, claim = article_with_claim
    page = reviewer_client.get(f"/claims/{claim.id}")
    response = reviewer_client.post(
        f"/claims/{claim.id}{path}",
        data={
            "csrf_token": csrf_token(page.text),
            "version": "abc",
            "statement": "x",
            "reason": "y",
            "at": claim.start + 3,
            "kind": "count",
        },
    )
    assert response.status_code == 422
    assert f"Claim #{claim.id}" in response.text
    assert Claim.get_by_id(claim.id).version == claim.version


def test_an_article_edit_conflict_can_be_saved_on_the_second_try(
    reviewer_client, editor_client, reviewer
):
    article = factories.article(reviewer)
    stale = csrf_token(editor_client.get(f"/articles/{article.id}/edit").text)
    post_form(
        reviewer_client,
        f"/articles/{article.id}/edit",
        f"/articles/{article.id}/edit",
        {"version": article.version, "title": "First"},
    )
    conflict = editor_client.post(
        f"/articles/{article.id}/edit",
        data={"csrf_token": stale, "version": article.version, "title": "Second"},
    )
    assert conflict.status_code == 409 and 'value="Second"' in conflict.text
    version = int(conflict.text.split('name="version" type="hidden" value="')[1].split('"')[0])
    again = editor_client.post(
        f"/articles/{article.id}/edit",
        data={"csrf_token": stale, "version": version, "title": "Second"},
    )
    assert again.status_code == 302
    assert Article.get_by_id(article.id).title == "Second"


def test_split_moves_the_figures_with_the_words(app, reviewer, article_with_claim):
    _, claim = article_with_claim
    assert {q.text for q in Quantity.select().where(Quantity.claim == claim.id)} >= {"306 mm"}
    at = claim.article.text.index("with")
    kept, new = claim_service.split_claim(
        factories.actor_for(reviewer), claim.id, claim.version, at
    )
    kept_figures = {q.text for q in Quantity.select().where(Quantity.claim == kept.id)}
    new_figures = {q.text for q in Quantity.select().where(Quantity.claim == new.id)}
    assert "306 mm" in new_figures and "306 mm" not in kept_figures
    event = AuditEvent.select().where(AuditEvent.action == "claim.split").get()
    assert "306 mm" in json.loads(event.before)["quantities"][-1]["text"]


def test_a_dismissed_claim_cannot_be_split(reviewer, article_with_claim):
    from claims.errors import ConflictError

    _, claim = article_with_claim
    actor = factories.actor_for(reviewer)
    dismissed = claim_service.dismiss_claim(actor, claim.id, claim.version, "not checkable")
    with pytest.raises(ConflictError, match="restore it first"):
        claim_service.split_claim(actor, claim.id, dismissed.version, claim.start + 3)


def test_merge_with_absurd_ids_is_a_message(reviewer_client, article_with_claim):
    article, claim = article_with_claim
    response = post_form(
        reviewer_client,
        f"/articles/{article.id}",
        f"/articles/{article.id}/claims/merge",
        {"claims": [claim.id, 10**30]},
    )
    assert response.status_code == 422
    assert "at least two claims" in response.text


def test_timelines_say_when_they_are_cut(app, editor_client, reviewer):
    text = "\n".join(f"Item {i} cost ${i + 1} million." for i in range(120))
    article = factories.article(reviewer, text)
    page = editor_client.get(f"/articles/{article.id}").text
    total = (
        AuditEvent.select()
        .where(
            (AuditEvent.entity_type == "article") & (AuditEvent.entity_id == article.id)
            | (AuditEvent.parent_type == "article") & (AuditEvent.parent_id == article.id)
        )
        .count()
    )
    assert total > TIMELINE_LENGTH
    assert f"The latest {TIMELINE_LENGTH} of {total} events" in page
    assert f"{total - TIMELINE_LENGTH} older in the audit trail" in page


def test_a_long_timeline_is_counted_up_to_a_cap(app, editor_client, reviewer, monkeypatch):
    # A record with more events than the cap says "more than" (HISTORY_COUNT_CAP is 1,000; a
    # small one stands in for it) and still links the rest.
    text = "\n".join(f"Item {i} cost ${i + 1} million." for i in range(120))
    article = factories.article(reviewer, text)
    monkeypatch.setattr(audit, "HISTORY_COUNT_CAP", TIMELINE_LENGTH + 5)
    page = editor_client.get(f"/articles/{article.id}").text
    assert f"The latest {TIMELINE_LENGTH} of more than {TIMELINE_LENGTH + 5} events" in page
    assert "the older ones are in the audit trail" in page
    assert "older in the audit trail" not in page
    timeline = audit.history("article", article.id, limit=TIMELINE_LENGTH)
    assert timeline.capped and timeline.total == TIMELINE_LENGTH + 5
    monkeypatch.setattr(audit, "HISTORY_COUNT_CAP", 10_000)
    timeline = audit.history("article", article.id, limit=TIMELINE_LENGTH)
    assert not timeline.capped and timeline.total > TIMELINE_LENGTH + 5


def test_the_diff_reads_as_words(app, editor_client, article_with_claim):
    _, claim = article_with_claim
    event = AuditEvent.get(
        (AuditEvent.action == "claim.create") & (AuditEvent.entity_id == claim.id)
    )
    page = editor_client.get(f"/audit/{event.id}").text
    assert "306 mm (mm)" in page and "{&#39;" not in page and "[{" not in page
    assert ">version<" not in page and ">prefix<" not in page


def test_long_quotes_do_not_overflow_the_session_cookie(app, reviewer_client, reviewer):
    text = "The report says " + "many figures and words " * 80 + "in the end."
    article = factories.article(reviewer, text)
    page = reviewer_client.get(f"/articles/{article.id}")
    response = reviewer_client.post(
        f"/articles/{article.id}/claims",
        data={
            "csrf_token": csrf_token(page.text),
            "start": 0,
            "end": len(text) - 1,
            "kind": "statement",
        },
    )
    assert response.status_code == 302
    assert len(response.headers["Set-Cookie"]) < 4000


def test_flask_import_of_a_refused_url_is_recorded(app, reviewer):
    factories.user("boss", "admin")
    result = app.test_cli_runner().invoke(args=["import", "http://10.0.0.1/article"])
    assert result.exit_code == 1 and "private or local" in result.output
    assert AuditEvent.select().where(AuditEvent.action == "fetch.refused").count() == 1


def test_a_token_request_with_a_form_body_is_415(app, reviewer):
    token = app.test_cli_runner().invoke(args=["users", "token", "rita"]).output.strip()
    response = app.test_client().post(
        "/api/articles", data={"text": "x"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 415


def test_saving_an_unchanged_account_records_nothing(admin_client, reviewer):
    before = AuditEvent.select().count()
    post_form(
        admin_client,
        f"/admin/users/{reviewer.id}",
        f"/admin/users/{reviewer.id}",
        {"display_name": reviewer.display_name, "role": reviewer.role, "active": "y"},
    )
    assert AuditEvent.select().count() == before


def test_an_untrusted_host_is_a_plain_400_not_a_500(database_url):
    from claims import create_app

    app = create_app(
        {"DATABASE_URL": database_url, "SECRET_KEY": "x" * 40, "TRUSTED_HOSTS": "claims.example"}
    )
    client = app.test_client()
    for path in ("/login", "/api/me", "/articles/1"):
        response = client.get(path, headers={"Host": "evil.example"})
        assert response.status_code == 400, path
        assert "evil.example" not in response.text
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/login", headers={"Host": "claims.example"}).status_code == 200


def test_deeply_nested_json_is_refused(app, reviewer):
    token = app.test_cli_runner().invoke(args=["users", "token", "rita"]).output.strip()
    body = "[" * 100_000 + "]" * 100_000
    response = app.test_client().post(
        "/api/articles",
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code in (400, 422)
    assert response.json["error"]["code"] in ("bad_request", "invalid")


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://example.org/a",
        "http://user:pass@example.org/",
        "example.org/news",
        "http:///nohost",
    ],
)
def test_an_article_address_must_be_http_with_a_host(reviewer_client, reviewer, url):
    article = factories.article(reviewer)
    response = post_form(
        reviewer_client,
        f"/articles/{article.id}/edit",
        f"/articles/{article.id}/edit",
        {"version": article.version, "title": "Kept", "url": url},
    )
    assert response.status_code == 422
    assert "http or https address" in response.text and 'value="Kept"' in response.text
    assert Article.get_by_id(article.id).url is None
    assert AuditEvent.select().where(AuditEvent.action == "validation.url").count() == 1


def test_valid_fields_are_not_announced_as_invalid(client):
    page = client.get("/login").text
    assert 'aria-invalid="None"' not in page and 'aria-describedby="None"' not in page
    assert "aria-invalid" not in page


def test_downloading_the_trail_is_recorded(editor_client):
    editor_client.get("/audit/export.jsonl")
    assert AuditEvent.select().where(AuditEvent.action == "audit.export").count() == 1


def test_unknown_sort_orders_and_bad_utf8_are_400(reviewer_client, reviewer):
    article = factories.article(reviewer)
    assert reviewer_client.get(f"/articles/{article.id}?order=bogus").status_code == 400
    assert reviewer_client.get(f"/articles/{article.id}?order=score").status_code == 200
    assert reviewer_client.get("/api/claims?kind=%ff%fe").status_code == 400
