"""Rules every route obeys, found by walking the URL map so a new route cannot be forgotten."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from claims.models import AuditEvent
from tests.conftest import login, table_counts

ROOT = Path(__file__).resolve().parents[1]
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

# The access policy: every endpoint and the least role it needs. A route missing here fails.
POLICY = {
    "auth.login": "public",
    "auth.logout": "reviewer",
    "auth.account": "reviewer",
    "auth.change_password": "reviewer",
    "auth.create_token": "reviewer",
    "auth.revoke_token": "reviewer",
    "dashboard.index": "reviewer",
    "articles.show": "reviewer",
    "articles.new": "reviewer",
    "articles.create": "reviewer",
    "articles.add_claim": "reviewer",
    "articles.merge": "reviewer",
    "articles.edit": "reviewer",
    "articles.update": "reviewer",
    "articles.revision": "reviewer",
    "articles.diff": "reviewer",
    "articles.add_revision": "reviewer",
    "articles.refetch": "reviewer",
    "claims.confirm_recheck": "editor",
    "api.list_revisions": "reviewer",
    "api.search_everything": "reviewer",
    "api.claim_matches": "reviewer",
    "api.decide_match": "reviewer",
    "claims.decide_match": "reviewer",
    "search.index": "reviewer",
    "api.add_revision": "reviewer",
    "api.confirm_recheck": "editor",
    "claims.show": "reviewer",
    "claims.update": "reviewer",
    "claims.dismiss": "reviewer",
    "claims.restore": "reviewer",
    "claims.split": "reviewer",
    "claims.add_evidence": "reviewer",
    "claims.attribute": "reviewer",
    "claims.edit_evidence": "reviewer",
    "claims.update_evidence": "reviewer",
    "claims.remove_evidence": "reviewer",
    "claims.propose": "reviewer",
    "claims.approve": "editor",
    "claims.reject": "editor",
    "claims.start": "reviewer",
    "claims.reopen": "editor",
    "claims.assign": "reviewer",
    "dashboard.queue": "reviewer",
    "ratings.index": "reviewer",
    "ratings.create": "admin",
    "ratings.edit": "admin",
    "ratings.update": "admin",
    "ratings.move": "admin",
    "ratings.delete": "admin",
    "sources.index": "reviewer",
    "sources.new": "reviewer",
    "sources.create": "reviewer",
    "sources.show": "reviewer",
    "sources.update": "reviewer",
    "sources.refetch": "reviewer",
    "sources.cite": "reviewer",
    "sources.uncite": "reviewer",
    "sources.snapshot": "reviewer",
    "sources.original": "reviewer",
    "people.list_users": "admin",
    "people.create_user": "admin",
    "people.edit_user": "admin",
    "people.update_user": "admin",
    "people.end_sessions": "admin",
    "audit.index": "editor",
    "audit.show": "editor",
    "audit.export": "editor",
    "api.me": "reviewer",
    "api.audit_events": "editor",
    "api.audit_event": "editor",
    "api.import_article": "reviewer",
    "api.get_article": "reviewer",
    "api.list_claims": "reviewer",
    "api.get_claim": "reviewer",
    "api.edit_claim": "reviewer",
    "api.list_sources": "reviewer",
    "api.add_source": "reviewer",
    "api.get_source": "reviewer",
    "api.edit_source": "reviewer",
    "api.refetch_source": "reviewer",
    "api.add_citation": "reviewer",
    "api.list_evidence": "reviewer",
    "api.add_evidence": "reviewer",
    "api.get_evidence": "reviewer",
    "api.edit_evidence": "reviewer",
    "api.attribute_claim": "reviewer",
    "api.list_ratings": "reviewer",
    "api.list_verdicts": "reviewer",
    "api.get_verdict": "reviewer",
    "api.get_snapshot": "reviewer",
    "api.propose_verdict": "reviewer",
    "api.approve_verdict": "editor",
    "api.reject_verdict": "editor",
    "api.transition_claim": "reviewer",
    "api.assign_claim": "reviewer",
    "api.claim_review": "reviewer",
    "api.article_review": "reviewer",
    "api.export_claimreview": "reviewer",
    "api.openapi": "public",
    "public.claim": "public",
    "public.claim_json": "public",
    "public.article": "public",
    "public.article_json": "public",
    "public.feed": "public",
}
RANK = {"public": -1, "reviewer": 0, "editor": 1, "admin": 2}


def routes(app):
    """(endpoint, url, methods) for every rule except static files, ids filled with 1."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        url = re.sub(r"<(?:\w+:)?\w+>", "1", rule.rule)
        yield rule.endpoint, url, sorted(rule.methods - {"HEAD", "OPTIONS"})


def test_every_endpoint_declares_its_role_and_matches_the_policy(app):
    declared = {
        endpoint: getattr(app.view_functions[endpoint], "access_role", None)
        for endpoint, _, _ in routes(app)
    }
    assert declared == POLICY


def test_anonymous_requests_are_sent_to_login_or_refused(app, client):
    for endpoint, url, methods in routes(app):
        if POLICY[endpoint] == "public":
            continue
        for method in methods:
            response = client.open(url, method=method)
            if url.startswith("/api/"):
                assert response.status_code == 401, (method, url)
                assert response.json["error"]["code"] == "unauthenticated"
            else:
                assert response.status_code == 302, (method, url)
                assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("role", ["reviewer", "editor", "admin"])
def test_roles_are_enforced_on_every_get_route(app, role):
    from tests import factories

    factories.user("someone", role)
    app.config.update(
        PUBLISHER_NAME="Desk", PUBLISHER_URL="https://desk.example",
        PUBLIC_BASE_URL="https://desk.example/checks",
    )  # fmt: skip
    client = app.test_client()
    login(client, "someone")
    for endpoint, url, methods in routes(app):
        if "GET" not in methods or POLICY[endpoint] == "public":
            continue
        response = client.get(url)
        if RANK[role] < RANK[POLICY[endpoint]]:
            assert response.status_code == 403, url
        else:
            assert response.status_code in (200, 404), (url, response.status_code)
    denied = AuditEvent.select().where(AuditEvent.action == "access.denied").count()
    expected = sum(
        1
        for endpoint, _, methods in routes(app)
        if "GET" in methods and RANK[role] < RANK[POLICY[endpoint]]
    )
    assert denied == expected


def test_every_write_route_refuses_a_missing_csrf_token(app, admin_client):
    for endpoint, url, methods in routes(app):
        for method in set(methods) & WRITE_METHODS:
            before = table_counts()
            response = admin_client.open(url, method=method, data={"name": "x"})
            assert response.status_code == 400, (method, url, response.status_code)
            after = table_counts()
            assert after["audit_event"] == before["audit_event"] + 1
            assert {**after, "audit_event": 0} == {**before, "audit_event": 0}
            assert (
                AuditEvent.select().order_by(AuditEvent.id.desc()).first().action == "csrf.refused"
            )


def test_a_token_from_another_session_is_refused(app, admin_client, reviewer):
    other = app.test_client()
    login(other, reviewer.username)
    token = re.search(r'name="csrf_token" value="([^"]+)"', other.get("/").text).group(1)
    response = admin_client.post("/admin/users/", data={"csrf_token": token, "username": "zed"})
    assert response.status_code == 400


def test_html_responses_carry_the_security_headers(app, reviewer_client):
    for url in ("/", "/login", "/nowhere", "/static/style.css", "/api/me"):
        response = reviewer_client.get(url)
        headers = response.headers
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        csp = headers["Content-Security-Policy"]
        script_src = csp.split("script-src")[1].split(";")[0]
        assert csp.startswith("default-src 'self';") and "script-src 'self'" in csp
        assert "unsafe-inline" not in script_src and "unsafe-eval" not in script_src
        assert "unsafe-eval" not in csp
        for directive in (
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            "form-action 'self'",
        ):
            assert directive in csp
        if url != "/static/style.css":
            assert headers["Cache-Control"] == "no-store"


def test_error_pages_use_the_layout_and_the_api_uses_json(app, reviewer_client):
    page = reviewer_client.get("/articles/999")
    assert page.status_code == 404
    assert "Not found" in page.text and "Sign out" in page.text
    api = reviewer_client.get("/api/nothing-here")
    assert api.status_code == 404
    assert api.json == {
        "error": {"code": "not_found", "message": "There is nothing at this address."}
    }
    wrong = reviewer_client.post("/api/me")
    assert wrong.status_code == 405 and wrong.json["error"]["code"] == "method_not_allowed"
    assert "GET" in wrong.headers["Allow"]


def test_a_request_too_large_is_refused_with_413(app, reviewer_client):
    body = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = reviewer_client.post("/account/tokens", data={"name": body})
    assert response.status_code == 413


def test_unexpected_errors_show_a_generic_page_without_internals(app, reviewer_client, monkeypatch):
    from claims.services import articles

    def boom(limit):
        raise RuntimeError("secret internal detail /etc/passwd")

    monkeypatch.setattr(articles, "recent_articles", boom)
    response = reviewer_client.get("/")
    assert response.status_code == 500
    assert "secret internal detail" not in response.text and "Traceback" not in response.text
    assert "Reference:" in response.text


# Everything under claims/ except the web layer itself (views, forms, filters, the CLI, the
# factory and the gunicorn settings) must work without Flask.
WEB_LAYER = {"views", "forms.py", "filters.py", "cli.py", "__init__.py", "serving.py"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_layers_point_one_way():
    below_views = [
        path
        for path in (ROOT / "claims").rglob("*.py")
        if path.relative_to(ROOT / "claims").parts[0] not in WEB_LAYER
    ]
    assert len(below_views) > 20
    for path in below_views:
        imports = imported_modules(path)
        assert not any(m == "flask" or m.startswith("flask") for m in imports), path
        assert not any(m.startswith("claims.views") for m in imports), path


def test_no_unsafe_template_or_sql_constructs():
    for path in [*ROOT.glob("templates/**/*.html"), *ROOT.glob("claims/**/*.py")]:
        text = path.read_text()
        assert "|safe" not in text.replace(" ", ""), path
        assert "autoescape false" not in text, path
        assert "render_template_string" not in text, path
    for path in ROOT.glob("claims/**/*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", "")
            if name in {"execute_sql", "raw", "SQL", "NodeList", "Entity"} and node.args:
                first = node.args[0]
                built = isinstance(first, ast.JoinedStr | ast.BinOp) or (
                    isinstance(first, ast.Call) and getattr(first.func, "attr", "") == "format"
                )
                assert not built, f"{path}:{node.lineno}: SQL text built from values"
