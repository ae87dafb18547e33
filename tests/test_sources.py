"""The source library: adding by address (fetched and archived from a real server on 127.0.0.1)
or by hand, one source per address, immutable snapshots, the archived view, rechecking for dead
links and changed content, citations, the CLI and the API."""

from __future__ import annotations

import hashlib
import json
import threading
import zlib

import peewee
import pytest

from claims.db import db
from claims.models import ArchivedContent, AuditEvent, Snapshot, Source, SourceCitation
from claims.services import sources
from tests import factories
from tests.conftest import csrf_token, table_counts
from tests.http_server import LoopbackServer, huge, page, redirect, silent, status
from tests.netguard import NetworkGuard, no_network  # noqa: F401 - fixture

REPORT = b"""<!doctype html><html><head><title>Budget report | Ministry of Finance</title>
<meta name="citation_title" content="Annual Defence Budget Report 2026">
<meta name="citation_author" content="Amina Idrissi">
<meta name="citation_publication_date" content="2026/03/14">
<meta property="og:site_name" content="Ministry of Finance">
<script type="application/ld+json">{"@type": "Report", "publisher": {"name": "Ministry of Finance"}}
</script><script>document.title = "hacked"</script>
<style>body { background: url(https://tracker.example/pixel.png) }</style>
</head><body><nav><a href="/">Home</a></nav>
<article><h1>Annual Defence Budget Report</h1>
<p>The ministry allocated \xe2\x80\x9c$1 billion\xe2\x80\x9d to artillery \xe2\x80\x94 including 36 ATMOS systems.</p>
<img src="https://tracker.example/pixel.png" onerror="alert(1)">
<iframe src="https://ads.example/"></iframe>
<p><a href="/annex" onclick="steal()">Annex</a> <a href="javascript:alert(1)">x</a></p>
</article></body></html>"""
CHANGED = REPORT.replace(b"36 ATMOS", b"48 ATMOS")


@pytest.fixture
def site(no_network: NetworkGuard, app, database_url):
    """A government site on 127.0.0.1, allow-listed for the fetcher; nothing else reachable."""
    if database_url.startswith("postgresql"):
        no_network.allow_port(5432)
    server = LoopbackServer()
    server.routes["/report"] = page(REPORT)
    server.routes["/old-report"] = redirect("/report", 301)
    server.routes["/gone"] = status(404)
    server.routes["/broken"] = status(503)
    server.routes["/slow"] = silent(5)
    server.routes["/huge"] = huge(3 * 1024 * 1024)
    server.routes["/notes.txt"] = page(b"Plain notes: 36 units.", content_type="text/plain")
    server.start()
    no_network.allow_port(server.port)
    app.config["FETCH_ALLOWLIST"] = server.netloc
    app.config["FETCH_DEADLINE"] = 1.5
    app.config["FETCH_MAX_BYTES"] = 1024 * 1024
    yield server
    server.stop()


def add_form(client, **data):
    token = csrf_token(client.get("/sources/new").text)
    return client.post("/sources/new", data={"csrf_token": token, **data})


def fetches(site, path):
    return len([r for r in site.requests if r.path == path])


# Adding ----------------------------------------------------------------------------------------


def test_add_by_address_archives_the_page_and_reads_its_metadata(app, site, reviewer_client):
    response = add_form(reviewer_client, url=site.url("/old-report"), kind="official_statement")
    assert response.status_code == 302
    page_html = reviewer_client.get(response.location).text
    assert "Source added and archived." in page_html
    source = Source.get()
    assert source.url == site.url("/report")  # filed under the page's own address
    assert (source.title, source.author, source.publisher, str(source.published_date)) == (
        "Annual Defence Budget Report 2026",
        "Amina Idrissi",
        "Ministry of Finance",
        "2026-03-14",
    )
    assert (source.kind, source.check_state, source.check_status) == (
        "official_statement",
        "ok",
        200,
    )
    snapshot = Snapshot.get()
    assert snapshot.final_url == site.url("/report")  # after the redirect
    assert (snapshot.http_status, snapshot.content_type) == (200, "text/html")
    assert snapshot.sha256 == hashlib.sha256(REPORT).hexdigest()
    content = ArchivedContent.get()
    assert zlib.decompress(bytes(content.body)) == REPORT and content.size == len(REPORT)
    assert "36 ATMOS systems" in content.text and "hacked" not in content.text
    actions = [e.action for e in AuditEvent.select().order_by(AuditEvent.id)]
    assert actions[-2:] == ["source.create", "snapshot.create"]
    assert "Annual Defence Budget Report 2026" in page_html and "Amina Idrissi" in page_html
    assert snapshot.sha256[:16] in page_html


def test_what_the_reviewer_types_wins_over_the_page(app, site, reviewer_client):
    add_form(reviewer_client, url=site.url("/report"), title="MoF report", author="", kind="other")
    source = Source.get()
    assert source.title == "MoF report" and source.author == "Amina Idrissi"


@pytest.mark.parametrize(
    "spelling",
    [
        "/report?utm_source=newsletter&utm_medium=email",
        "/report/",
        "/report#section-2",
    ],
)
def test_the_same_address_twice_is_one_source(app, site, reviewer_client, spelling):
    add_form(reviewer_client, url=site.url("/report"))
    again = add_form(reviewer_client, url=site.url(spelling))
    assert again.status_code == 302
    assert "already in the library" in reviewer_client.get(again.location).text
    assert Source.select().count() == 1 and Snapshot.select().count() == 1
    assert fetches(site, "/report") == 1  # the second spelling is not even fetched


def test_an_address_that_redirects_to_a_known_page_is_that_page(app, site, reviewer_client):
    add_form(reviewer_client, url=site.url("/report"))
    again = add_form(reviewer_client, url=site.url("/old-report"))
    assert "already in the library" in reviewer_client.get(again.location).text
    assert Source.select().count() == 1 and Snapshot.select().count() == 1


def test_host_case_and_default_port_are_the_same_source(app, site, reviewer):
    actor = factories.actor_for(reviewer)
    first, created, _ = sources.add_source(
        actor, "HTTPS://Gov.Example:443/report", sources.SourceFields(), {},
        keep_without_snapshot=True,
    )  # fmt: skip
    second, again, _ = sources.add_source(
        actor, "https://gov.example/report", sources.SourceFields(), {}
    )
    assert created and not again and first.id == second.id


@pytest.mark.parametrize(
    ("path", "message", "state"),
    [
        ("/gone", "HTTP status 404", "dead"),
        ("/broken", "HTTP status 503", "dead"),
        ("/slow", "took too long", "dead"),
        ("/huge", "larger than the 1 MB limit", "dead"),
    ],
)
def test_a_failed_fetch_stores_nothing_unless_asked(
    app, site, reviewer_client, path, message, state
):
    before = table_counts()
    response = add_form(reviewer_client, url=site.url(path), title="Typed title")
    assert response.status_code == 422
    assert message in response.text
    assert 'value="Typed title"' in response.text  # the form comes back as typed
    assert "keep the source without an archived copy" in response.text
    after = table_counts()
    assert {**after, "audit_event": 0} == {**before, "audit_event": 0}
    assert AuditEvent.select().order_by(AuditEvent.id.desc()).first().action == "fetch.failed"

    kept = add_form(
        reviewer_client, url=site.url(path), title="Typed title", keep_without_snapshot="y"
    )
    assert kept.status_code == 302
    assert "without an archived copy" in reviewer_client.get(kept.location).text
    source = Source.get()
    assert (source.title, source.check_state) == ("Typed title", state)
    assert message in source.check_error
    assert Snapshot.select().count() == 0


def test_a_private_address_is_refused_before_any_connection(app, site, reviewer_client, no_network):
    attempts = len(no_network.attempts)
    for url in ("http://10.0.0.1/memo", "http://169.254.169.254/latest/meta-data/"):
        response = add_form(reviewer_client, url=url)
        assert response.status_code == 422
        assert "private or local network" in response.text
    assert len(no_network.attempts) == attempts
    assert Source.select().count() == 0
    kept = add_form(reviewer_client, url="http://10.0.0.1/memo", keep_without_snapshot="y")
    assert kept.status_code == 302
    source = Source.get()
    assert source.check_state == "unchecked" and source.title == "10.0.0.1/memo"
    assert len(no_network.attempts) == attempts


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "file:///etc/passwd", "ftp://example.org/x", "not a url"]
)
def test_what_is_not_a_web_address_is_refused(app, reviewer_client, url):
    response = add_form(reviewer_client, url=url, keep_without_snapshot="y")
    assert response.status_code == 422
    assert "http or https address" in response.text
    assert Source.select().count() == 0


def test_a_source_without_an_address(app, reviewer_client):
    missing = add_form(reviewer_client, publisher="Penguin")
    assert missing.status_code == 422
    assert "a title for a source without one" in missing.text
    assert 'value="Penguin"' in missing.text
    response = add_form(
        reviewer_client,
        title="Interview with the mayor",
        kind="primary_document",
        reliability="4",
        reliability_note="Recorded, transcript on file.",
    )
    assert response.status_code == 302
    source = Source.get()
    assert (source.url, source.url_key, source.reliability) == (None, None, 4)
    page_html = reviewer_client.get(response.location).text
    assert "none (added by hand)" in page_html and "reliability 4/5" in page_html
    assert "Archive it again now" not in page_html


def test_two_reviewers_adding_the_same_address_at_once_get_one_source(app, site, reviewer):
    actor = factories.actor_for(reviewer)
    options = {"allowlist": frozenset({site.netloc}), "deadline": 5}
    results, errors = [], []
    barrier = threading.Barrier(2)

    def add() -> None:
        try:
            barrier.wait()
            with db.connection_context():
                results.append(
                    sources.add_source(actor, site.url("/report"), sources.SourceFields(), options)
                )
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=add) for _ in range(2)]
    db.close()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    db.connect(reuse_if_open=True)
    assert errors == []
    assert len({source.id for source, _, _ in results}) == 1
    assert sorted(created for _, created, _ in results) == [False, True]
    assert Source.select().count() == 1


# Snapshots -------------------------------------------------------------------------------------


def test_refetching_adds_a_snapshot_and_never_overwrites_one(app, site, reviewer_client):
    add_form(reviewer_client, url=site.url("/report"))
    source = Source.get()
    first = Snapshot.get()
    show = reviewer_client.get(f"/sources/{source.id}")
    again = reviewer_client.post(
        f"/sources/{source.id}/refetch", data={"csrf_token": csrf_token(show.text)}
    )
    assert "the text is unchanged" in reviewer_client.get(again.location).text
    assert Snapshot.select().count() == 2
    assert ArchivedContent.select().count() == 1  # the same body is stored once
    assert Source.get_by_id(source.id).check_state == "ok"

    site.routes["/report"] = page(CHANGED)
    changed = reviewer_client.post(
        f"/sources/{source.id}/refetch", data={"csrf_token": csrf_token(show.text)}
    )
    assert "text has changed" in reviewer_client.get(changed.location).text
    assert Snapshot.select().count() == 3 and ArchivedContent.select().count() == 2
    assert Source.get_by_id(source.id).check_state == "changed"
    unchanged_first = Snapshot.get_by_id(first.id)
    assert unchanged_first.sha256 == hashlib.sha256(REPORT).hexdigest()
    page_html = reviewer_client.get(f"/sources/{source.id}").text
    assert page_html.count("/original") == 3 and "same as before" in page_html


def test_a_change_of_markup_alone_is_not_a_change_of_content(app, site, reviewer, system):
    options = {"allowlist": frozenset({site.netloc})}
    source, _, _ = sources.add_source(
        factories.actor_for(reviewer), site.url("/report"), sources.SourceFields(), options
    )
    site.routes["/report"] = page(REPORT.replace(b"<nav>", b"<nav class='v2'>"))
    outcome = sources.refetch_source(system, source.id, options)
    assert outcome.state == "ok" and outcome.snapshot is not None
    assert ArchivedContent.select().count() == 2  # a new body, the same text
    event = AuditEvent.select().where(AuditEvent.action == "source.check").get()
    assert json.loads(event.after)["body_changed"] is True


def test_the_database_refuses_to_change_a_snapshot(app, site, reviewer_client):
    add_form(reviewer_client, url=site.url("/report"))
    with pytest.raises(peewee.DatabaseError, match="immutable"), db.atomic():
        Snapshot.update(sha256="0" * 64).execute()
    with pytest.raises(peewee.DatabaseError, match="immutable"), db.atomic():
        ArchivedContent.update(text="forged").execute()
    assert Snapshot.get().sha256 == hashlib.sha256(REPORT).hexdigest()


def test_the_archived_copy_is_shown_sanitized_with_a_banner(app, site, reviewer_client):
    add_form(reviewer_client, url=site.url("/old-report"))
    snapshot = Snapshot.get()
    response = reviewer_client.get(f"/sources/snapshots/{snapshot.id}")
    assert response.status_code == 200
    html = response.text
    assert "Archived copy" in html and site.url("/report") in html
    assert snapshot.sha256 in html
    assert "36 ATMOS systems" in html
    archived = html.split('class="archived card"', 1)[1]
    for forbidden in ("<script", "<img", "<iframe", "<style", "onerror", "onclick", "javascript:"):
        assert forbidden not in archived.lower(), forbidden
    assert f'href="{site.url("/annex")}"' in archived  # links made absolute to the page
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_the_original_downloads_byte_for_byte(app, site, reviewer_client):
    add_form(reviewer_client, url=site.url("/report"))
    snapshot = Snapshot.get()
    response = reviewer_client.get(f"/sources/snapshots/{snapshot.id}/original")
    assert response.data == REPORT
    assert hashlib.sha256(response.data).hexdigest() == snapshot.sha256
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.mimetype == "application/octet-stream"
    assert "sandbox" in response.headers["Content-Security-Policy"]


def test_a_plain_text_source_is_archived_and_shown_as_text(app, site, reviewer_client):
    add_form(reviewer_client, url=site.url("/notes.txt"), title="Notes")
    snapshot = Snapshot.get()
    assert snapshot.content_type == "text/plain"
    html = reviewer_client.get(f"/sources/snapshots/{snapshot.id}").text
    assert "Plain notes: 36 units." in html and "archived-text" in html


# Library, editing, citations ---------------------------------------------------------------------


def test_the_library_filters_by_kind_state_and_text(app, reviewer_client):
    factories.source("Ministry statement", kind="official_statement")
    factories.source("Reuters wire", url="https://reuters.example/a", kind="news_report")
    Source.update(check_state="dead").where(Source.title == "Reuters wire").execute()
    page_all = reviewer_client.get("/sources/").text
    assert "Ministry statement" in page_all and "Reuters wire" in page_all
    dead = reviewer_client.get("/sources/?state=dead").text
    assert "Reuters wire" in dead and "Ministry statement" not in dead and "Dead link" in dead
    kind = reviewer_client.get("/sources/?kind=official_statement").text
    assert "Ministry statement" in kind and "Reuters wire" not in kind
    text = reviewer_client.get("/sources/?q=reuters.example").text
    assert "Reuters wire" in text and "Ministry statement" not in text
    none = reviewer_client.get("/sources/?q=%25").text
    assert "No source matches these filters." in none  # % is a character, not a wildcard


def test_the_library_pages_by_keyset(app, reviewer_client):
    app.config["PAGE_SIZE"] = 3
    for n in range(7):
        factories.source(f"Source number {n}")
    first = reviewer_client.get("/sources/").text
    assert "Source number 6" in first and "Source number 3" not in first
    assert "Older sources" in first
    second = reviewer_client.get("/sources/?before=5").text
    assert "Source number 3" in second and "Source number 5" not in second


def test_editing_a_source_and_a_stale_edit(app, reviewer_client):
    source = factories.source("Ministry statement", url="https://gov.example/s")
    page_html = reviewer_client.get(f"/sources/{source.id}").text
    token = csrf_token(page_html)
    form = {
        "csrf_token": token,
        "version": "1",
        "url": "https://gov.example/s",
        "title": "Ministry of Defence statement",
        "kind": "official_statement",
        "reliability": "5",
        "reliability_note": "The ministry's own site.",
    }
    saved = reviewer_client.post(f"/sources/{source.id}", data=form)
    assert saved.status_code == 302
    fresh = Source.get_by_id(source.id)
    assert (fresh.title, fresh.reliability, fresh.version) == (
        "Ministry of Defence statement",
        5,
        2,
    )
    event = AuditEvent.select().where(AuditEvent.action == "source.update").get()
    assert "reliability" in event.after
    stale = reviewer_client.post(f"/sources/{source.id}", data={**form, "title": "My title"})
    assert stale.status_code == 409
    assert "Someone else changed this source" in stale.text
    assert 'value="My title"' in stale.text
    assert Source.get_by_id(source.id).title == "Ministry of Defence statement"
    bad = reviewer_client.post(f"/sources/{source.id}", data={**form, "version": "2",
                                                             "reliability": "9"})  # fmt: skip
    assert bad.status_code == 422 and Source.get_by_id(source.id).reliability == 5


def test_an_archived_source_keeps_its_address(app, site, reviewer, system):
    source, _, _ = sources.add_source(
        factories.actor_for(reviewer), site.url("/report"), sources.SourceFields(),
        {"allowlist": frozenset({site.netloc})},
    )  # fmt: skip
    with pytest.raises(Exception, match="keeps the address"):
        sources.update_source(
            system, source.id, source.version, sources.SourceFields(), url="https://else.example/"
        )


def test_citations_between_sources(app, reviewer_client, system):
    report = factories.source("Reuters report")
    release = factories.source("Ministry press release", kind="official_statement")
    page_html = reviewer_client.get(f"/sources/{report.id}").text
    assert f'value="#{release.id} — Ministry press release"' in page_html  # the picker
    response = reviewer_client.post(
        f"/sources/{report.id}/citations",
        data={"csrf_token": csrf_token(page_html), "cited": f"#{release.id} — Ministry press"},
    )
    assert response.status_code == 302
    assert SourceCitation.select().count() == 1
    shown = reviewer_client.get(f"/sources/{report.id}").text
    assert "Ministry press release" in shown.split("This source cites", 1)[1]
    cited = reviewer_client.get(f"/sources/{release.id}").text
    assert "Reuters report" in cited.split("Cited by", 1)[1]
    twice = reviewer_client.post(
        f"/sources/{report.id}/citations",
        data={"csrf_token": csrf_token(page_html), "cited": str(release.id)},
    )
    assert twice.status_code == 409 and "already cites" in twice.text
    itself = reviewer_client.post(
        f"/sources/{report.id}/citations",
        data={"csrf_token": csrf_token(page_html), "cited": str(report.id)},
    )
    assert itself.status_code == 422 and "cannot cite itself" in itself.text
    unknown = reviewer_client.post(
        f"/sources/{report.id}/citations",
        data={"csrf_token": csrf_token(page_html), "cited": "#999999"},
    )
    assert unknown.status_code == 422 and "No source in the library matches" in unknown.text
    assert SourceCitation.select().count() == 1
    citation = SourceCitation.get()
    removed = reviewer_client.post(
        f"/sources/citations/{citation.id}/delete", data={"csrf_token": csrf_token(page_html)}
    )
    assert removed.status_code == 302 and SourceCitation.select().count() == 0
    assert AuditEvent.select().where(AuditEvent.action == "citation.delete").count() == 1


# Recheck -----------------------------------------------------------------------------------------


def test_recheck_reports_dead_links_and_changed_content(app, site, reviewer):
    options = {"allowlist": frozenset({site.netloc}), "deadline": 1.5}
    actor = factories.actor_for(reviewer)
    report, _, _ = sources.add_source(actor, site.url("/report"), sources.SourceFields(), options)
    notes, _, _ = sources.add_source(actor, site.url("/notes.txt"), sources.SourceFields(), options)
    site.routes["/notes.txt"] = status(404)
    site.routes["/report"] = page(CHANGED)
    book = factories.source("A book without an address")
    result = app.test_cli_runner().invoke(args=["sources", "recheck"])
    assert result.exit_code == 0, result.output
    assert "2 checked: 0 unchanged, 1 changed, 1 dead" in result.stdout
    assert f"dead     #{notes.id} {site.url('/notes.txt')} — HTTP 404" in result.stdout
    assert f"changed  #{report.id}" in result.stdout
    assert "Rechecking sources" in result.stderr  # the progress bar
    assert Source.get_by_id(notes.id).check_state == "dead"
    assert Source.get_by_id(notes.id).check_status == 404
    assert Source.get_by_id(report.id).check_state == "changed"
    assert Source.get_by_id(book.id).check_state == "unchecked"
    assert Snapshot.select().where(Snapshot.source == report.id).count() == 2
    assert Snapshot.select().where(Snapshot.source == notes.id).count() == 1  # kept
    client = app.test_client()
    from tests.conftest import login

    login(client, "rita")
    library = client.get("/sources/").text
    assert "Dead link" in library and "Content changed" in library


def test_recheck_of_given_ids_as_json(app, site, reviewer):
    options = {"allowlist": frozenset({site.netloc})}
    actor = factories.actor_for(reviewer)
    report, _, _ = sources.add_source(actor, site.url("/report"), sources.SourceFields(), options)
    notes, _, _ = sources.add_source(actor, site.url("/notes.txt"), sources.SourceFields(), options)
    result = app.test_cli_runner().invoke(args=["sources", "recheck", str(report.id), "--json"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["source_id"], r["state"]) for r in lines] == [(report.id, "ok")]
    assert Snapshot.select().where(Snapshot.source == notes.id).count() == 1
    missing = app.test_cli_runner().invoke(args=["sources", "recheck", "99999"])
    assert missing.exit_code == 1 and "No such source: 99999." in missing.output


def test_cli_sources_add(app, site, admin):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["sources", "add", site.url("/report"), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["created"] is True and data["title"] == "Annual Defence Budget Report 2026"
    assert data["latest_snapshot"]["sha256"] == hashlib.sha256(REPORT).hexdigest()
    again = runner.invoke(args=["sources", "add", site.url("/report") + "?utm_campaign=x"])
    assert again.exit_code == 0 and "already in the library" in again.stdout
    refused = runner.invoke(args=["sources", "add", "http://10.0.0.1/x"])
    assert refused.exit_code == 1 and "private or local network" in refused.output
    assert Source.select().count() == 1


# API ---------------------------------------------------------------------------------------------


@pytest.fixture
def api(app, reviewer):
    token = app.test_cli_runner().invoke(args=["users", "token", "rita"]).output.strip()
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def test_api_add_source_by_url(app, site, api):
    created = api.post("/api/sources", json={"url": site.url("/old-report"), "reliability": 4})
    assert created.status_code == 201
    body = created.json
    assert body["reliability"] == 4 and body["check_state"] == "ok"
    snapshot = body["latest_snapshot"]
    assert snapshot["http_status"] == 200 and snapshot["final_url"] == site.url("/report")
    assert snapshot["sha256"] == hashlib.sha256(REPORT).hexdigest() and snapshot["fetched_at"]
    again = api.post("/api/sources", json={"url": site.url("/old-report?utm_source=x")})
    assert again.status_code == 200 and again.json["id"] == body["id"]
    got = api.get(f"/api/sources/{body['id']}")
    assert got.status_code == 200 and len(got.json["snapshots"]) == 1
    listed = api.get("/api/sources?limit=1")
    assert [s["id"] for s in listed.json["sources"]] == [body["id"]]


@pytest.mark.parametrize(
    ("url", "code"),
    [("http://10.0.0.1/x", "fetch_refused"), ("/gone", "fetch_failed"), ("/slow", "fetch_failed")],
)
def test_api_refused_or_failed_fetch(app, site, api, url, code):
    url = site.url(url) if url.startswith("/") else url
    before = table_counts()
    response = api.post("/api/sources", json={"url": url})
    assert response.status_code == 422 and response.json["error"]["code"] == code
    assert {**table_counts(), "audit_event": 0} == {**before, "audit_event": 0}
    kept = api.post("/api/sources", json={"url": url, "keep_without_snapshot": True})
    assert kept.status_code == 201
    assert kept.json["latest_snapshot"] is None and kept.json["fetch_error"]
    assert kept.json["snapshots"] == []


def test_api_source_without_url_and_bad_fields(app, api):
    created = api.post(
        "/api/sources", json={"title": "Interview", "kind": "primary_document", "published":
                              "2026-02-01"},
    )  # fmt: skip
    assert created.status_code == 201 and created.json["url"] is None
    assert created.json["published"] == "2026-02-01"
    for body, field in (
        ({}, "title"),
        ({"title": "x", "kind": "rumour"}, "kind"),
        ({"title": "x", "reliability": 6}, "reliability"),
        ({"title": "x", "reliability": "5"}, "reliability"),
        ({"title": "x" * 501}, "title"),
        ({"title": 5}, "title"),
    ):
        response = api.post("/api/sources", json=body)
        assert response.status_code == 422, body
        assert response.json["error"]["field"] == field, body
    assert Source.select().count() == 1


def test_api_refetch_and_citations(app, site, api):
    source = api.post("/api/sources", json={"url": site.url("/report")}).json
    site.routes["/report"] = page(CHANGED)
    refetched = api.post(f"/api/sources/{source['id']}/snapshots")
    assert refetched.status_code == 201 and refetched.json["changed"] is True
    site.routes["/report"] = status(410)
    dead = api.post(f"/api/sources/{source['id']}/snapshots")
    assert dead.status_code == 422 and dead.json["error"]["code"] == "fetch_failed"
    assert dead.json["source"]["check_state"] == "dead"
    other = api.post("/api/sources", json={"title": "Press release"}).json
    cited = api.post(f"/api/sources/{source['id']}/citations", json={"cited_id": other["id"]})
    assert cited.status_code == 201 and cited.json["cites"] == [other["id"]]
    stale = api.patch(f"/api/sources/{source['id']}", json={"version": 99, "title": "x"})
    assert stale.status_code == 409


def test_a_source_can_be_named_by_number_address_or_exact_title(app):
    release = factories.source("Ministry press release", url="https://gov.example/release")
    factories.source("Twin title")
    factories.source("Twin title")
    for reference in (
        str(release.id),
        f"#{release.id}",
        f"#{release.id} — Ministry press release",
        "https://GOV.example/release/?utm_source=x",
        "ministry PRESS release",
    ):
        assert sources.source_ref(reference).id == release.id, reference
    for reference in ("Twin title", "#999999", "press", "", "https://gov.example/other"):
        with pytest.raises(Exception, match="No source in the library matches"):
            sources.source_ref(reference)
