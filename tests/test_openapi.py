"""The OpenAPI document at /api/openapi.json: it describes every route under /api/ (and nothing
else), it is valid OpenAPI 3.1, and every response of a realistic session through the API, errors
included, is valid against the schema documented for its operation and status."""

from __future__ import annotations

import re
from typing import Any

import pytest
from werkzeug.exceptions import NotFound

from claims.config import Defaults
from claims.errors import FetchFailedError
from claims.models import ARTICLE_TEXT_MAX, CLAIM_KINDS, SOURCE_KINDS, STANCES, Claim, Rating
from claims.openapi import OPERATIONS, build, openapi_path
from claims.services import articles, evidence, verdicts
from tests import factories
from tests.conftest import csrf_token

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "options", "head", "trace"}
SETTINGS = {
    "PUBLISHER_NAME": "Harbour Desk",
    "PUBLISHER_URL": "https://harbourdesk.example",
    "PUBLIC_BASE_URL": "https://harbourdesk.example/fact-checks",
}
FLOOD = (
    "The council approved a $48 million flood wall, according to the mayor's office. "
    "Construction of the wall will start in May 2026 and employ 120 workers."
)
ATMOS = (
    "Morocco will buy 36 ATMOS artillery systems worth about $1 billion, according to the "
    "Ministry of Defence. The deal was signed in Rabat on Tuesday."
)
REPORT = (
    b"<html><head><title>Annual flood defence report</title></head><body><h1>Flood defence</h1>"
    b"<p>The council approved a flood wall that will cost $48 million.</p></body></html>"
)


def api_routes(app) -> set[tuple[str, str]]:
    """(OpenAPI path, method) of every route under /api/."""
    return {
        (openapi_path(rule.rule)[0], method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def pointer(*parts: str) -> str:
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)


class Checked:
    """A test client whose every response must be documented, and valid against its schema."""

    def __init__(self, app, document: dict[str, Any], token: str | None = None) -> None:
        jsonschema = pytest.importorskip("jsonschema")
        referencing = pytest.importorskip("referencing")
        from referencing.jsonschema import DRAFT202012

        self.app = app
        self.document = document
        self.client = app.test_client()
        if token:
            self.client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        # The whole document is one resource, so that "#/components/..." resolves inside it.
        registry = referencing.Registry().with_resource(
            "urn:claims-api", DRAFT202012.create_resource(document)
        )
        self.validator = lambda location: jsonschema.Draft202012Validator(
            {"$ref": "urn:claims-api#" + location},
            registry=registry,
            format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
        )
        self.seen: set[tuple[str, int]] = set()

    def operation_of(self, method: str, path: str) -> tuple[str, str]:
        """The endpoint and OpenAPI path of a request; an id beyond the documented range (which
        routing answers with 404) counts for the path it would have matched."""
        adapter = self.app.url_map.bind("localhost")
        try:
            rule, _ = adapter.match(path, method=method, return_rule=True)
        except NotFound:
            rule, _ = adapter.match(
                re.sub(r"/\d{10,}", "/1", path), method=method, return_rule=True
            )
        return rule.endpoint, openapi_path(rule.rule)[0]

    def call(self, method: str, url: str, expect: int, body: Any = None, **kwargs: Any) -> Any:
        if body is not None:
            kwargs["json"] = body
        response = self.client.open(url, method=method, **kwargs)
        assert response.status_code == expect, (method, url, response.get_data(as_text=True))
        endpoint, template = self.operation_of(method, url.partition("?")[0])
        operation = self.document["paths"][template][method.lower()]
        location = pointer("paths", template, method.lower())
        assert str(expect) in operation["responses"], f"{method} {template}: {expect} undocumented"
        documented = operation["responses"][str(expect)]
        location += pointer("responses", str(expect))
        if "$ref" in documented:
            location = documented["$ref"][1:]
        assert response.mimetype == "application/json", (method, url)
        errors = [
            f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in self.validator(
                location + pointer("content", "application/json", "schema")
            ).iter_errors(response.json)
        ]
        assert not errors, (method, url, expect, errors[:5], response.json)
        if 200 <= expect < 300 and body is not None:
            # What the API accepted must be what the document says it accepts.
            request = operation["requestBody"]["content"]["application/json"]["schema"]
            refused = [e.message for e in self.validator(request["$ref"][1:]).iter_errors(body)]
            assert not refused, (method, url, body, refused)
        self.seen.add((endpoint, expect))
        return response

    def get(self, url: str, expect: int = 200, **kwargs: Any) -> Any:
        return self.call("GET", url, expect, **kwargs)

    def post(self, url: str, body: Any = None, expect: int = 201, **kwargs: Any) -> Any:
        return self.call("POST", url, expect, body, **kwargs)

    def patch(self, url: str, body: Any, expect: int = 200) -> Any:
        return self.call("PATCH", url, expect, body)

    def put(self, url: str, body: Any, expect: int = 200) -> Any:
        return self.call("PUT", url, expect, body)


def token_for(app, username: str) -> str:
    return app.test_cli_runner().invoke(args=["users", "token", username]).output.strip()


@pytest.fixture
def document(app) -> dict[str, Any]:
    response = app.test_client().get("/api/openapi.json")  # public: nobody signed in
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.json


@pytest.fixture
def offline_fetch(monkeypatch):
    """The one fetcher answering from a dict of pages (a FetchFailedError for a 410)."""
    pages: dict[str, tuple[bytes, str] | int] = {}

    def fetch(url: str, **options: Any) -> Any:
        page = pages.get(url, 404)
        if isinstance(page, int):
            raise FetchFailedError(f"The site answered {page}.", http_status=page)
        body, content_type = page
        return factories.fetched(url, body, content_type)

    monkeypatch.setattr("claims.fetch.fetch", fetch)
    return pages


# (1) Every route is described, and only routes ---------------------------------------------------


def test_every_api_route_and_method_is_documented_and_nothing_else(app, document):
    documented = {
        (path, method)
        for path, item in document["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }
    assert documented == api_routes(app)
    operation_ids = [
        op["operationId"] for item in document["paths"].values() for op in item.values()
    ]
    assert sorted(operation_ids) == sorted(endpoint.split(".", 1)[1] for endpoint in OPERATIONS)
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        path, parameters = openapi_path(rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            operation = document["paths"][path][method.lower()]
            assert operation["operationId"] == rule.endpoint.split(".", 1)[1]
            assert operation["x-role"] == app.view_functions[rule.endpoint].access_role
            assert operation["summary"] and operation["tags"]
            declared = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "path"}
            assert set(declared) == {name for name, _ in parameters} == set(rule.arguments)
            for p in declared.values():
                assert p["required"] is True
                assert p["schema"] == {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
            assert any(s.startswith("2") for s in operation["responses"]), path
            if operation["x-role"] == "public":
                assert operation["security"] == []
            else:
                assert "401" in operation["responses"] and "security" not in operation


def test_conventions_and_limits_come_from_the_code(app, document):
    schemas = document["components"]["schemas"]
    limits = [
        p["schema"]
        for item in document["paths"].values()
        for op in item.values()
        for p in op.get("parameters", [])
        if p["name"] == "limit"
    ]
    assert limits and all(s["x-capped-at"] == Defaults.MAX_PAGE_SIZE for s in limits)
    assert schemas["EvidenceCreate"]["properties"]["stance"]["enum"] == list(STANCES)
    assert schemas["EvidenceCreate"]["required"] == ["source_id", "excerpt", "stance"]
    assert schemas["SourceCreate"]["properties"]["kind"]["enum"] == [*SOURCE_KINDS, None]
    assert schemas["Claim"]["properties"]["kind"]["enum"] == list(CLAIM_KINDS)
    assert schemas["ArticleImport"]["properties"]["text"]["maxLength"] == ARTICLE_TEXT_MAX
    assert set(document["components"]["securitySchemes"]) == {"bearerAuth", "cookieAuth"}
    assert document["info"]["title"] == "Claims tracker API"
    # Built once per application.
    assert app.extensions["claims_openapi"] == document
    assert app.test_client().get("/api/openapi.json").json == document


def test_a_route_without_a_description_or_a_description_without_a_route_fails(app, monkeypatch):
    monkeypatch.delitem(OPERATIONS, "api.me")
    with pytest.raises(LookupError, match="/api/me "):
        build(app)
    monkeypatch.setitem(OPERATIONS, "api.me", OPERATIONS["api.get_claim"])
    monkeypatch.setitem(OPERATIONS, "api.gone", OPERATIONS["api.get_claim"])
    with pytest.raises(LookupError, match=r"api\.gone"):
        build(app)


# (2) A valid OpenAPI 3.1 document ----------------------------------------------------------------


def test_the_document_is_valid_openapi_3_1(document):
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(document)  # raises on the first problem
    assert document["openapi"] == "3.1.0"
    jsonschema = pytest.importorskip("jsonschema")
    for schema in document["components"]["schemas"].values():
        jsonschema.Draft202012Validator.check_schema(schema)


# (3) Every response of a realistic session matches the document -----------------------------------


def test_a_whole_session_through_the_api_matches_the_document(app, document, offline_fetch):
    rita_user = factories.user("rita", "reviewer")
    factories.user("eddie", "editor")
    rita = Checked(app, document, token_for(app, "rita"))
    eddie = Checked(app, document, token_for(app, "eddie"))
    anonymous = Checked(app, document)
    anonymous.get("/api/openapi.json")
    assert rita.get("/api/me").json["username"] == "rita"

    # Sources: by hand, by address (archived), kept without a snapshot, re-fetched, cited.
    office = rita.post(
        "/api/sources",
        {
            "title": "Mayor's office statement",
            "kind": "official_statement",
            "publisher": "City of Harbour",
            "author": None,
            "published": "2026-02-01",
            "reliability": 4,
        },
    ).json
    assert office["url"] is None and office["snapshots"] == []
    offline_fetch["https://gov.example/report"] = (REPORT, "text/html")
    report = rita.post("/api/sources", {"url": "https://gov.example/report", "reliability": 5}).json
    assert report["latest_snapshot"]["http_status"] == 200
    rita.post("/api/sources", {"url": "https://gov.example/report?utm_source=x"}, expect=200)
    offline_fetch["https://gov.example/gone"] = 410
    rita.post("/api/sources", {"url": "https://gov.example/gone"}, expect=422)
    kept = rita.post(
        "/api/sources", {"url": "https://gov.example/gone", "keep_without_snapshot": True}
    ).json
    assert kept["fetch_error"] and kept["latest_snapshot"] is None
    offline_fetch["https://gov.example/report"] = (REPORT.replace(b"$48", b"$52"), "text/html")
    refetched = rita.post(f"/api/sources/{report['id']}/snapshots").json
    assert refetched["changed"] is True
    shot = rita.get(f"/api/snapshots/{refetched['snapshot']['id']}").json
    assert shot["sha256"] == refetched["snapshot"]["sha256"]
    offline_fetch["https://gov.example/report"] = 410
    dead = rita.post(f"/api/sources/{report['id']}/snapshots", expect=422).json
    assert dead["source"]["check_state"] == "dead"
    rita.post(f"/api/sources/{office['id']}/snapshots", expect=422)  # no address to fetch
    rita.post(f"/api/sources/{office['id']}/citations", {"cited_id": report["id"]})
    rita.post(f"/api/sources/{office['id']}/citations", {"cited_id": report["id"]}, expect=409)
    rita.patch(
        f"/api/sources/{office['id']}", {"version": office["version"], "reliability_note": "Ok."}
    )
    rita.patch(f"/api/sources/{office['id']}", {"version": office["version"]}, expect=409)
    first = rita.get("/api/sources?limit=1").json
    assert first["next"]
    rita.get(first["next"])
    rita.get("/api/sources?kind=official_statement&state=unchecked&q=Mayor")
    rita.get(f"/api/sources/{office['id']}")

    # Articles: by text, the same text again, by address.
    flood = rita.post(
        "/api/articles",
        {
            "text": FLOOD,
            "title": "Flood wall",
            "publisher": "Harbour Post",
            "published": "2026-03-02",
        },
    ).json
    assert flood["claims"]
    rita.post("/api/articles", {"text": FLOOD}, expect=200)
    offline_fetch["https://news.example/atmos"] = (ATMOS.encode(), "text/plain")
    atmos = rita.post("/api/articles", {"url": "https://news.example/atmos"}).json
    assert atmos["url"] == "https://news.example/atmos"
    rita.get(f"/api/articles/{flood['id']}")

    # Claims: lists, one, edits, attribution, assignment, moves.
    rita.get("/api/claims")
    page = rita.get(f"/api/claims?article={flood['id']}&limit=1").json
    rita.get(page["next"])
    rita.get("/api/claims?status=new&kind=money")
    claim, other = flood["claims"][0], flood["claims"][1]
    claim = rita.get(f"/api/claims/{claim['id']}").json
    url = f"/api/claims/{claim['id']}"
    edited = rita.patch(url, {"version": claim["version"], "statement": "A $48 million wall."}).json
    rita.patch(url, {"version": claim["version"], "kind": "money"}, expect=409)
    edited = rita.put(
        f"{url}/attribution", {"version": edited["version"], "source_id": office["id"]}
    ).json
    rita.put(f"{url}/assignee", {"version": edited["version"], "assignee_id": rita_user.id})
    moved = rita.post(
        f"/api/claims/{other['id']}/transition",
        {"version": other["version"], "to": "dismissed", "reason": "Opinion."},
        expect=200,
    ).json
    moved = rita.post(
        f"/api/claims/{other['id']}/transition",
        {"version": moved["version"], "to": "new"},
        expect=200,
    ).json
    rita.post(
        f"/api/claims/{other['id']}/transition",
        {"version": moved["version"], "to": "approved"},
        expect=409,
    )

    # Evidence.
    item = rita.post(
        f"{url}/evidence",
        {
            "source_id": office["id"],
            "excerpt": "a $48 million flood wall",
            "stance": "supports",
            "locator": "p. 1",
            "note": "**Called** back on Monday.",
        },
    ).json
    assert item["quote_verified"] == "no_snapshot"
    rita.get(f"{url}/evidence")
    rita.get(f"/api/evidence/{item['id']}")
    rita.patch(f"/api/evidence/{item['id']}", {"version": item["version"], "note": "Checked."})

    # Verdicts: proposed by the reviewer, approved (and rejected) by an editor.
    ratings = rita.get("/api/ratings").json["ratings"]
    proposed = rita.post(
        f"{url}/verdicts", {"rating": "mostly-true", "confidence": 70, "rationale": "Minutes."}
    ).json
    rita.post(f"/api/verdicts/{proposed['id']}/approve", expect=403)
    eddie.post(f"/api/verdicts/{proposed['id']}/approve", expect=200)
    eddie.post(f"/api/verdicts/{proposed['id']}/approve", expect=409)
    rita.get(f"{url}/verdicts")
    assert rita.get(f"/api/verdicts/{proposed['id']}").json["state"] == "approved"
    rita.get("/api/verdicts/999999", expect=404)
    deal = atmos["claims"][0]
    deal_url = f"/api/claims/{deal['id']}"
    rita.post(
        f"{deal_url}/evidence",
        {"source_id": report["id"], "excerpt": "flood wall", "stance": "refutes"},
    )
    false = next(r for r in ratings if r["slug"] == "false")
    sent = rita.post(
        f"{deal_url}/verdicts", {"rating": false["id"], "confidence": 80, "rationale": "No."}
    ).json
    eddie.post(f"/api/verdicts/{sent['id']}/reject", {"comment": "Which report?"}, expect=200)
    again = rita.post(
        f"{deal_url}/verdicts",
        {"rating": "false", "confidence": 90, "rationale": "The contract.", "version": None},
    ).json
    eddie.post(f"/api/verdicts/{again['id']}/approve", expect=200)

    # Publishing: not configured (503), then a valid review, an invalid one (no address), none.
    rita.get(f"{deal_url}/claimreview", expect=503)
    app.config.update(SETTINGS)
    assert rita.get(f"{deal_url}/claimreview").json["@type"] == "ClaimReview"
    invalid = rita.get(f"{url}/claimreview", expect=422).json
    assert invalid["error"]["code"] == "invalid_claimreview" and invalid["problems"]
    rita.get(f"/api/claims/{other['id']}/claimreview", expect=404)
    rita.get(f"/api/articles/{flood['id']}/claimreview")
    rita.get(f"/api/articles/{atmos['id']}/claimreview")
    feed = rita.get("/api/export/claimreview?limit=1").json
    assert feed["next"] and feed["skipped"]
    assert rita.get(feed["next"]).json["dataFeedElement"]

    # Revisions: the same page again, a changed page (the approved figure edited), a paste.
    listed = rita.get(f"/api/articles/{atmos['id']}/revisions").json
    assert [r["number"] for r in listed["revisions"]] == [1]
    rita.post(f"/api/articles/{atmos['id']}/revisions", {"refetch": True}, expect=200)
    edited_page = ATMOS.replace("$1 billion", "$1.2 billion").replace("36 ATMOS", "40 ATMOS")
    offline_fetch["https://news.example/atmos"] = (edited_page.encode(), "text/plain")
    revised = rita.post(f"/api/articles/{atmos['id']}/revisions", {"refetch": True}).json
    outcome = next(o for o in revised["claims"] if o["claim_id"] == deal["id"])
    assert outcome["outcome"] == "changed" and outcome["needs_recheck"] is True
    flagged = rita.get(deal_url).json
    assert flagged["needs_recheck"] is True and flagged["anchor_state"] == "changed"
    rita.post(f"{deal_url}/recheck", {"version": flagged["version"]}, expect=403)
    eddie.post(f"{deal_url}/recheck", {"version": flagged["version"]}, expect=200)
    rita.post(
        f"/api/articles/{flood['id']}/revisions",
        {"text": FLOOD + " It opened in 2027."},
        expect=201,
    )
    rita.post(f"/api/articles/{flood['id']}/revisions", {"text": ""}, expect=422)

    # "Checked before?": matches, confirmed or rejected.
    rita.get(f"{deal_url}/matches")
    rita.post(f"{deal_url}/matches/{claim['id']}", {"confirm": False}, expect=200)
    rita.post(f"{deal_url}/matches/{claim['id']}", {"confirm": "yes"}, expect=422)
    rita.post(f"{deal_url}/matches/{deal['id']}", {"confirm": True}, expect=422)

    # Search.
    found = rita.get("/api/search?q=flood+wall&limit=1").json
    assert found["results"] and found["results"][0]["matched"]
    rita.get(found["next"]) if found["next"] else None
    rita.get(f"/api/search?q=&type=claim&status=approved&article={flood['id']}")
    rita.get("/api/search?q=ATMOS&type=nothing", expect=422)

    # The audit trail, for editors.
    events = eddie.get("/api/audit?limit=2").json
    eddie.get(events["next"])
    eddie.get(f"/api/audit?entity=claim&entity_id={claim['id']}")
    eddie.get("/api/audit?actor=rita&action=claim&since=2000-01-01&until=2100-01-01&q=wall")
    eddie.get(f"/api/audit/{events['events'][0]['id']}")

    # Every operation answered at least once with success.
    succeeded = {endpoint for endpoint, status in rita.seen | eddie.seen | anonymous.seen
                 if status < 300}  # fmt: skip
    assert succeeded == set(OPERATIONS)


def test_errors_match_the_document(app, document, reviewer, editor, reviewer_client):
    rita = Checked(app, document, token_for(app, "rita"))
    eddie = Checked(app, document, token_for(app, "eddie"))
    anonymous = Checked(app, document)
    article = factories.article(reviewer)
    claim = Claim.select().where(Claim.article == article.id).first()
    source = factories.source()

    # 401: no credentials, or a bad token.
    assert anonymous.get("/api/me", expect=401).json["error"]["code"] == "unauthenticated"
    anonymous.post("/api/sources", {"title": "x"}, expect=401)
    anonymous.get("/api/claims", expect=401, headers={"Authorization": "Bearer nope"})
    # 403: a reviewer reading the audit trail.
    assert rita.get("/api/audit", expect=403).json["error"]["code"] == "forbidden"
    rita.get("/api/audit/1", expect=403)
    eddie.get("/api/audit/999999", expect=404)
    # 404: no such record, or an id out of range (routing).
    rita.get("/api/claims/999999", expect=404)
    rita.get("/api/claims/99999999999", expect=404)
    rita.get("/api/evidence/999999", expect=404)
    rita.get("/api/articles/999999/claimreview", expect=404)
    rita.post(
        "/api/claims/999999/evidence",
        {"source_id": source.id, "excerpt": "x", "stance": "supports"},
        expect=404,
    )
    # 409: a stale version.
    rita.patch(f"/api/claims/{claim.id}", {"version": claim.version + 1}, expect=409)
    rita.put(
        f"/api/claims/{claim.id}/assignee",
        {"version": claim.version + 1, "assignee_id": None},
        expect=409,
    )
    # 415: not JSON.
    response = rita.post(
        "/api/sources", data="title=x", content_type="application/x-www-form-urlencoded",
        expect=415,
    )  # fmt: skip
    assert response.json["error"]["code"] == "unsupported_media_type"
    # 422: a bad member, a missing one, a bad parameter.
    bad = rita.post(
        f"/api/claims/{claim.id}/evidence",
        {"source_id": source.id, "excerpt": "x", "stance": "debunks"},
        expect=422,
    ).json
    assert bad["error"]["field"] == "stance"
    rita.patch(f"/api/claims/{claim.id}", {"statement": "x"}, expect=422)
    rita.post("/api/articles", {"text": "x", "url": "https://x.example/"}, expect=422)
    rita.post("/api/sources", [1, 2], expect=422)
    assert rita.get("/api/claims?limit=0", expect=422).json["error"]["field"] == "limit"
    rita.get("/api/claims?status=bogus", expect=422)
    eddie.get("/api/audit?since=yesterday", expect=422)
    eddie.get("/api/audit?entity=planet", expect=422)
    # 400: a query string that is not UTF-8.
    rita.get("/api/claims?q=%ff", expect=400)
    # 413: a body larger than the server takes.
    app.config["MAX_CONTENT_LENGTH"] = 1000
    rita.post("/api/sources", {"title": "x" * 2000}, expect=413)
    app.config["MAX_CONTENT_LENGTH"] = Defaults.MAX_CONTENT_LENGTH

    # 400: a browser session writing without its CSRF token; with it, the write works.
    session = Checked(app, document)
    session.client = reviewer_client
    refused = session.post("/api/sources", {"title": "From the browser"}, expect=400).json
    assert refused["error"]["code"] == "csrf"
    token = csrf_token(reviewer_client.get("/account").text)
    session.post("/api/sources", {"title": "From the browser"}, headers={"X-CSRFToken": token})

    # 405 belongs to no operation: the method is simply not in the document.
    wrong = rita.client.delete("/api/me")
    assert wrong.status_code == 405 and "delete" not in document["paths"]["/api/me"]


def test_every_documented_error_status_has_the_error_shape(document):
    statuses = set()
    for item in document["paths"].values():
        for operation in item.values():
            for status, response in operation["responses"].items():
                statuses.add(status)
                if status.startswith(("4", "5")) and "$ref" in response:
                    name = response["$ref"].rsplit("/", 1)[1]
                    target = document["components"]["responses"][name]
                    schema = target["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Error"}
    # 429 is answered by the sign-in page only; no API operation can be throttled.
    assert "429" not in statuses
    assert {"400", "401", "403", "404", "409", "413", "415", "422", "503"} <= statuses


# (4) Property-based: schemathesis drives the app from the document --------------------------------


def publish(author: Any, editor: Any) -> Claim:
    """A claim of an article with an address, with evidence and an approved verdict."""
    actor = factories.actor_for(author)
    article = factories.article(author, ATMOS)
    articles.update_metadata(
        actor, article.id, article.version, title="Morocco buys ATMOS",
        url="https://news.example/atmos", publisher="Le Desk", byline=None, published=None,
    )  # fmt: skip
    claim = Claim.select().where(Claim.article == article.id).order_by(Claim.start).first()
    evidence.add_evidence(
        actor, claim.id, factories.source().id, excerpt="36 ATMOS", stance="refutes"
    )
    verdict = verdicts.propose_verdict(
        actor, claim.id, rating_id=Rating.get(Rating.slug == "false").id, confidence_value=80,
        rationale="The contract covers 24 units.",
    )  # fmt: skip
    verdicts.approve_verdict(factories.actor_for(editor), verdict.id)
    return claim


@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_schemathesis_finds_no_server_error_and_no_undocumented_response(app, monkeypatch, mode):
    schemathesis = pytest.importorskip("schemathesis")
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis.errors import Unsatisfiable
    from schemathesis.checks import not_a_server_error
    from schemathesis.core.failures import FailureGroup
    from schemathesis.specs.openapi.checks import (
        negative_data_rejection,
        response_schema_conformance,
        status_code_conformance,
    )

    def offline(url: str, **options: Any) -> Any:
        raise FetchFailedError("Offline in this test.")

    monkeypatch.setattr("claims.fetch.fetch", offline)
    app.config.update(SETTINGS)  # else publishing answers 503, which counts as a server error
    publish(factories.user("rita", "reviewer"), factories.user("eddie", "editor"))
    # An editor reaches every operation, the audit trail included.
    headers = {"Authorization": f"Bearer {token_for(app, 'eddie')}"}
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    checks = [not_a_server_error, status_code_conformance, response_schema_conformance]
    if mode == "negative":
        checks.append(negative_data_rejection)
    # Every operation, writes included: the token's editor may change anything it is sent.
    selected = [
        schema[path][method]
        for path, item in schema.raw_schema["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    ]
    assert len(selected) == len(api_routes(app))
    generation = getattr(schemathesis.GenerationMode, mode.upper())
    failures: list[str] = []
    for operation in selected:

        @settings(
            max_examples=10,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.explicit, Phase.generate],
        )
        @given(case=operation.as_strategy(generation_mode=generation))
        def run(case: Any) -> None:
            response = case.call(headers=headers)
            if mode == "negative" and response.status_code == 413:
                return  # a body over MAX_CONTENT_LENGTH is refused as too large (IN-01)
            try:
                case.validate_response(response, checks=checks, headers=headers)
            except FailureGroup as group:  # collected, to report every operation at once
                failures.append(f"{case.method} {case.formatted_path}: {group}"[:3000])

        try:
            run()
        except Unsatisfiable:  # nothing to make invalid in an operation without inputs
            assert mode == "negative", operation.label
    assert not failures, "\n\n".join(failures)
