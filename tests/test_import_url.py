"""Importing an article from its address: the server fetches it through the one fetcher, from a
real HTTP server on 127.0.0.1 started by the test, with every other connection blocked."""

from __future__ import annotations

import pytest

from claims.models import Article, AuditEvent, Claim
from tests.conftest import csrf_token, table_counts
from tests.http_server import LoopbackServer, page, redirect, silent, status
from tests.netguard import NetworkGuard, no_network  # noqa: F401 - fixture

ARTICLE = b"""<!doctype html><html><head><title>Wall | City Times</title>
<meta property="og:title" content="Council approves $48m flood wall">
<meta property="og:site_name" content="City Times">
<meta name="author" content="Jane Doe">
<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2026-03-03"}</script>
</head><body><nav><a href="/">Home</a> <a href="/sport">Sport</a></nav>
<article><h1>Council approves $48m flood wall</h1>
<p>Harbour City's council voted 7 to 2 on Tuesday to build a 4.5 km flood wall, the mayor's office announced.</p>
<p>The project is expected to cost around $48 million, according to the city's finance department.</p>
</article><footer>Subscribe now</footer></body></html>"""


@pytest.fixture
def site(no_network: NetworkGuard, app, database_url):
    """A news site on 127.0.0.1, allow-listed for the fetcher; nothing else is reachable."""
    if database_url.startswith("postgresql"):
        no_network.allow_port(5432)
    server = LoopbackServer()
    server.routes["/news/wall"] = page(ARTICLE)
    server.routes["/moved"] = redirect("/news/wall", 301)
    server.routes["/gone"] = status(404)
    server.routes["/slow"] = silent(5)
    server.routes["/image"] = page(b"\x89PNG...", content_type="image/png")
    server.start()
    no_network.allow_port(server.port)
    app.config["FETCH_ALLOWLIST"] = server.netloc
    app.config["FETCH_DEADLINE"] = 1.5
    yield server
    server.stop()


def submit(client, **data):
    token = csrf_token(client.get("/articles/new").text)
    return client.post("/articles/new", data={"csrf_token": token, **data})


def test_import_by_url_reads_main_text_and_metadata(app, site, reviewer_client):
    response = submit(reviewer_client, url=site.url("/moved"))
    assert response.status_code == 302, response.text
    article = Article.get()
    assert article.url == site.url("/news/wall")  # the address after redirects
    assert article.title == "Council approves $48m flood wall"
    assert (article.publisher, article.byline, str(article.published_date)) == (
        "City Times",
        "Jane Doe",
        "2026-03-03",
    )
    assert (
        "4.5 km flood wall" in article.text
        and "Subscribe" not in article.text
        and "Sport" not in article.text
    )
    assert any("$48 million" in c.quote for c in Claim.select())
    fetched = [r for r in site.requests if r.path == "/news/wall"]
    assert fetched and "cookie" not in {k.lower() for k in fetched[0].headers}
    event = AuditEvent.get(AuditEvent.action == "article.import")
    assert site.url("/news/wall") in event.after


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/gone", "404"),
        ("/slow", "took too long"),
        ("/image", "unsupported"),
    ],
)
def test_a_failed_fetch_is_a_clear_message_and_nothing_is_stored(
    app, site, reviewer_client, path, message
):
    before = table_counts()
    response = submit(reviewer_client, url=site.url(path), title="Typed title")
    assert response.status_code == 422
    assert message in response.text.lower() or message in response.text
    assert 'value="Typed title"' in response.text
    after = table_counts()
    assert {**after, "audit_event": 0} == {**before, "audit_event": 0}
    assert AuditEvent.select().order_by(AuditEvent.id.desc()).first().action == "fetch.failed"


def test_a_private_address_is_refused_without_any_connection(
    app, site, reviewer_client, no_network
):
    app.config["FETCH_ALLOWLIST"] = ""
    attempts = len(no_network.attempts)
    for url, message in (
        (site.url("/news/wall"), "ports 80 and 443"),
        ("http://127.0.0.1/news/wall", "private or local"),
        ("http://[::ffff:127.0.0.1]/", "private or local"),
        ("http://2130706433/", "private or local"),
    ):
        response = submit(reviewer_client, url=url)
        assert response.status_code == 422
        assert message in response.text, url
    assert len(no_network.attempts) == attempts  # not one connection tried
    assert [r for r in site.requests if r.path == "/news/wall"] == []
    assert AuditEvent.select().order_by(AuditEvent.id.desc()).first().action == "fetch.refused"


def test_api_import_by_url(app, site, reviewer):
    token = app.test_cli_runner().invoke(args=["users", "token", "rita"]).output.strip()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    created = client.post("/api/articles", json={"url": site.url("/news/wall")}, headers=headers)
    assert created.status_code == 201
    assert created.json["publisher"] == "City Times"
    failed = client.post("/api/articles", json={"url": site.url("/gone")}, headers=headers)
    assert failed.status_code == 422 and failed.json["error"]["code"] == "fetch_failed"
