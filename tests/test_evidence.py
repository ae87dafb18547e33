"""Evidence on a claim's page as a newsroom reviewer uses it: attaching excerpts from library
sources (or from an address pasted on the spot, fetched from a real server on 127.0.0.1), the
check of each excerpt against the archived copy, editing and removing evidence, linking the
claim's attribution, the provenance chain, and the same operations through the JSON API."""

from __future__ import annotations

from typing import Any

import lxml.html
import peewee
import pytest

from claims.db import db
from claims.errors import ValidationError
from claims.models import EXCERPT_MAX, AuditEvent, Claim, Evidence, Snapshot, Source, User
from claims.services import claims, evidence, sources, users
from claims.views import pages
from claims.views.pages import page_cache
from tests import factories
from tests.conftest import csrf_token, table_counts
from tests.http_server import LoopbackServer, page, redirect
from tests.netguard import FakeDNS, NetworkGuard, fake_dns, no_network  # noqa: F401 - fixtures

# A page of the finance department: typographic quotes and dashes, as published.
REPORT = """<!doctype html><html><head><title>Flood wall costs | Finance Department</title></head>
<body><nav><a href="/">Home</a></nav><main>
<h1>Flood wall: the costs</h1>
<p>The wall will run 4.5 km along the harbour.</p>
<p>The council\u2019s \u201cflood wall\u201d \u2014 approved on Tuesday \u2014 will cost
$48 million, the finance department said.</p>
<p>Maintenance is budgeted separately.</p>
</main></body></html>""".encode()
# The same page after an edit that removed the sentence about the cost.
REPORT_EDITED = REPORT.replace(b"will cost\n$48 million", b"has no price yet")
QUOTE = "The council\u2019s \u201cflood wall\u201d \u2014 approved on Tuesday"
MISSING = "The council rejected the flood wall"
SITE_HOST = "news.example.test"
# Two articles, so two claims.
ARTICLES = (
    "The council approved a $48 million flood wall.",
    "The mayor said the harbour wall will cost $52 million.",
)


# Helpers ----------------------------------------------------------------------------------------


def a_claim(account: Any, text: str = ARTICLES[0]) -> Claim:
    """The first claim of an article imported by `account`."""
    article = factories.article(account, text)
    claim = Claim.select().where(Claim.article == article.id).order_by(Claim.id).first()
    assert claim is not None, "the article yields a claim"
    return claim


def archived_source(
    title: str = "Finance department report",
    url: str = "https://finance.example.org/wall",
    body: bytes = REPORT,
    **fields: Any,
) -> tuple[Source, Snapshot]:
    """A library source with one archived copy of `body`."""
    source = factories.source(title, url=url, **fields)
    return source, factories.snapshot(source, body)


def picker(source: Source) -> str:
    """What the browser's source picker puts in the field."""
    return f"#{source.id} \u2014 {source.title}"


def claim_page(client: Any, claim_id: int) -> str:
    response = client.get(f"/claims/{claim_id}")
    assert response.status_code == 200
    return response.text


def attach(client: Any, claim_id: int, source_text: str, excerpt: str, **fields: Any) -> Any:
    """Submit the claim page's "Attach evidence" form, as a browser does."""
    token = csrf_token(claim_page(client, claim_id))
    data = {"source": source_text, "excerpt": excerpt, "stance": "supports", **fields}
    return client.post(f"/claims/{claim_id}/evidence", data={**data, "csrf_token": token})


def attach_service(claim: Claim, source: Source, excerpt: str, stance: str = "supports") -> Any:
    """Evidence added through the service, as a reviewer."""
    actor = factories.actor_for(User.get(User.username == "rita"))
    return evidence.add_evidence(actor, claim.id, source.id, excerpt=excerpt, stance=stance)


def tree(html: str) -> Any:
    return lxml.html.fromstring(html)


def words(element: Any) -> str:
    """An element's text as a reader sees it: white space collapsed."""
    return " ".join(element.text_content().split())


def evidence_groups(html: str) -> list[tuple[str, list[str]]]:
    """The claim page's evidence: (stance heading, [item text...]) in page order."""
    section = tree(html).get_element_by_id("evidence")
    groups = []
    for heading in section.xpath(".//h3[contains(@class, 'stance-heading')]"):
        listing = heading.getnext()
        groups.append((words(heading), [words(li) for li in listing.xpath("./li")]))
    return groups


def evidence_item(html: str, evidence_id: int) -> str:
    return words(tree(html).get_element_by_id(f"evidence-{evidence_id}"))


def form(html: str, action: str) -> Any:
    forms = tree(html).xpath(f"//form[@action='{action}']")
    assert forms, f"no form posting to {action}"
    return forms[0]


def field_errors(html: str, action: str, name: str) -> list[str]:
    """The error messages shown under one field of one form."""
    control = form(html, action).xpath(f".//*[@name='{name}']")[0]
    box = control.xpath("ancestor::div[contains(@class, 'field')][1]")[0]
    return [words(p) for p in box.xpath(".//p[@class='error']")]


def form_messages(html: str, action: str) -> list[str]:
    """The messages shown above a form (errors that concern no one field)."""
    return [words(p) for p in form(html, action).xpath(".//div[@class='form-errors']/p")]


def textarea(html: str, action: str, name: str) -> str:
    element = form(html, action).xpath(f".//textarea[@name='{name}']")[0]
    return (element.text or "").lstrip("\r\n")


def version_in(html: str, action: str) -> int:
    return int(form(html, action).xpath(".//input[@name='version']")[0].get("value"))


def flashes(html: str) -> list[str]:
    return [words(p) for p in tree(html).xpath("//p[contains(@class, 'flash')]")]


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.select().where(AuditEvent.action == action).order_by(AuditEvent.id))


def when(value: Any) -> str:
    """A timestamp as pages show it (claims.filters.when)."""
    return value.strftime("%d %b %Y, %H:%M UTC")


# 1. Attaching evidence from the library -------------------------------------------------------


@pytest.mark.parametrize(
    "excerpt",
    [
        pytest.param(QUOTE, id="as-published"),
        pytest.param(
            "The  council\u2019s\n\u201cflood   wall\u201d\t\u2014 approved\r\non Tuesday",
            id="other-white-space",
        ),
        pytest.param(
            'The council\'s "flood wall" \u2014 approved on Tuesday', id="straight-quotes"
        ),
        pytest.param(
            "The council\u2019s \u201cflood wall\u201d - approved on Tuesday", id="hyphen"
        ),
        pytest.param("\u201cflood wall\u201d \u2013 approved on Tuesday", id="en-dash"),
        pytest.param("THE COUNCIL\u2019S \u201cFLOOD WALL\u201d", id="upper-case"),
        pytest.param('the COUNCIL\'S  "flood wall" -\napproved', id="all-at-once"),
    ],
)
def test_an_excerpt_is_verified_whatever_its_typography(app, reviewer_client, reviewer, excerpt):
    claim = a_claim(reviewer)
    source, snapshot = archived_source(reliability=4, kind="official_statement")
    response = attach(reviewer_client, claim.id, picker(source), excerpt, stance="refutes")
    assert response.status_code == 302, response.text
    assert response.headers["Location"].endswith(f"/claims/{claim.id}")

    item = Evidence.get()
    assert (item.claim_id, item.source_id, item.stance) == (claim.id, source.id, "refutes")
    assert (item.quote_verified, item.snapshot_id) == ("verified", snapshot.id)
    assert item.excerpt == excerpt.replace("\r\n", "\n").strip()

    html = claim_page(reviewer_client, claim.id)
    assert any("its excerpt is verified in the archived copy" in f for f in flashes(html))
    assert [(heading, len(items)) for heading, items in evidence_groups(html)] == [("Refutes 1", 1)]
    shown = evidence_item(html, item.id)
    assert " ".join(item.excerpt.split()) in shown
    assert "Finance department report" in shown and "reliability 4/5" in shown
    assert f"verified in snapshot of {when(snapshot.fetched_at)}" in shown
    assert "not found" not in shown

    [created] = events("evidence.create")
    assert (created.entity_type, created.entity_id) == ("evidence", item.id)
    assert (created.parent_type, created.parent_id, created.actor_name) == (
        "claim",
        claim.id,
        "rita",
    )


def test_an_excerpt_missing_from_the_archived_copy_says_so(app, reviewer_client, reviewer):
    claim = a_claim(reviewer)
    source, snapshot = archived_source()
    assert attach(reviewer_client, claim.id, picker(source), MISSING).status_code == 302

    item = Evidence.get()
    assert (item.quote_verified, item.snapshot_id) == ("not_found", snapshot.id)
    html = claim_page(reviewer_client, claim.id)
    assert any("was not found in the archived copy" in f for f in flashes(html))
    shown = evidence_item(html, item.id)
    assert f"not found in the archived copy of {when(snapshot.fetched_at)}" in shown
    assert "verified" not in shown
    assert len(events("evidence.create")) == 1


def test_a_source_without_archived_copy_cannot_verify_an_excerpt(app, reviewer_client, reviewer):
    claim = a_claim(reviewer)
    source = factories.source("Phone call with the mayor's office", kind="official_statement")
    assert attach(reviewer_client, claim.id, picker(source), QUOTE).status_code == 302

    item = Evidence.get()
    assert (item.quote_verified, item.snapshot_id) == ("no_snapshot", None)
    html = claim_page(reviewer_client, claim.id)
    shown = evidence_item(html, item.id)
    assert "no archived copy to check against" in shown
    assert "not rated" in shown  # no reliability given
    assert "verified" not in shown and "not found" not in shown
    assert len(events("evidence.create")) == 1


# 2. Elisions ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("excerpt", "state"),
    [
        ("The wall \u2026 $48 million", "verified"),
        ("The wall [...] $48 million", "verified"),
        ("The wall . . . will cost $48 million", "verified"),
        ("$48 million \u2026 The wall", "not_found"),
        ("The wall \u2026 $49 million", "not_found"),
    ],
)
def test_an_excerpt_with_a_gap_needs_its_parts_in_order(
    app, reviewer_client, reviewer, excerpt, state
):
    claim = a_claim(reviewer)
    source, snapshot = archived_source()
    assert attach(reviewer_client, claim.id, picker(source), excerpt).status_code == 302
    item = Evidence.get()
    assert (item.quote_verified, item.snapshot_id) == (state, snapshot.id)
    shown = evidence_item(claim_page(reviewer_client, claim.id), item.id)
    expected = "verified in snapshot of" if state == "verified" else "not found in the archived"
    assert expected in shown


# 3. A new archived copy checks every excerpt again --------------------------------------------


def test_a_new_snapshot_verifies_an_excerpt_that_was_missing(app, reviewer_client, reviewer):
    claim = a_claim(reviewer)
    source, first = archived_source(body=REPORT_EDITED)
    assert attach(reviewer_client, claim.id, picker(source), "will cost $48 million").status_code
    item = Evidence.get()
    assert (item.quote_verified, item.snapshot_id) == ("not_found", first.id)

    second = factories.snapshot(source, REPORT)
    item = Evidence.get_by_id(item.id)
    assert (item.quote_verified, item.snapshot_id) == ("verified", second.id)
    [check] = events("evidence.quote_check")
    assert (check.entity_id, check.parent_type, check.parent_id) == (item.id, "claim", claim.id)
    assert '"not_found"' in check.before and '"verified"' in check.after
    assert str(second.id) in check.after

    shown = evidence_item(claim_page(reviewer_client, claim.id), item.id)
    assert f"verified in snapshot of {when(second.fetched_at)}" in shown
    assert "not in the newer copy" not in shown


def test_an_excerpt_gone_from_the_newer_copy_stays_verified_in_the_older(
    app, reviewer_client, reviewer
):
    claim = a_claim(reviewer)
    source, first = archived_source()
    assert attach(reviewer_client, claim.id, picker(source), "will cost $48 million").status_code
    item = Evidence.get()
    assert (item.quote_verified, item.snapshot_id) == ("verified", first.id)

    second = factories.snapshot(source, REPORT_EDITED)
    assert second.id != first.id
    item = Evidence.get_by_id(item.id)
    assert (item.quote_verified, item.snapshot_id) == ("verified", first.id)
    assert events("evidence.quote_check") == []  # nothing about this evidence changed
    assert Source.get_by_id(source.id).check_state == "changed"

    shown = evidence_item(claim_page(reviewer_client, claim.id), item.id)
    assert f"verified in snapshot of {when(first.fetched_at)}" in shown
    assert f"not in the newer copy of {when(second.fetched_at)}" in shown
    assert "Content changed" in shown


# 4. Grouping by stance ------------------------------------------------------------------------


def test_evidence_is_grouped_by_stance_in_a_fixed_order_with_counts(app, reviewer_client, reviewer):
    claim = a_claim(reviewer)
    source, _ = archived_source()
    # Added in an order unlike the page's, to show that the page sorts them.
    for excerpt, stance in [
        ("Maintenance is budgeted separately", "context"),
        ("will cost $48 million", "mixed"),
        ("The wall will run 4.5 km", "supports"),
        ("the finance department said", "refutes"),
        ("approved on Tuesday", "supports"),
    ]:
        attach_service(claim, source, excerpt, stance)
    html = claim_page(reviewer_client, claim.id)
    assert "Evidence 5" in words(tree(html).get_element_by_id("evidence-heading"))
    groups = evidence_groups(html)
    assert [heading for heading, _ in groups] == ["Supports 2", "Refutes 1", "Mixed 1", "Context 1"]
    supports = groups[0][1]
    assert "The wall will run 4.5 km" in supports[0] and "approved on Tuesday" in supports[1]
    assert "the finance department said" in groups[1][1][0]
    assert "will cost $48 million" in groups[2][1][0]
    assert "Maintenance is budgeted separately" in groups[3][1][0]


def test_a_claim_without_evidence_says_so(app, reviewer_client, reviewer):
    claim = a_claim(reviewer)
    html = claim_page(reviewer_client, claim.id)
    assert evidence_groups(html) == []
    assert "No evidence yet." in words(tree(html).get_element_by_id("evidence"))


# 5. Bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("empty-excerpt", "This field is required."),
        ("blank-excerpt", "This field is required."),
        ("long-excerpt", f"{EXCERPT_MAX}"),
        ("unknown-stance", "Not a valid choice"),
        ("unknown-source", "No source in the library matches this"),
        ("not-a-source", "No source in the library matches this"),
    ],
)
def test_bad_evidence_is_refused_with_the_typed_text_kept(
    app, reviewer_client, reviewer, case, message
):
    claim = a_claim(reviewer)
    source, _ = archived_source()
    data = {"source": picker(source), "excerpt": "The wall will run 4.5 km", "stance": "supports"}
    field = "excerpt"
    if case == "empty-excerpt":
        data["excerpt"] = ""
    elif case == "blank-excerpt":
        data["excerpt"] = "  \r\n "
    elif case == "long-excerpt":
        data["excerpt"] = "The wall " + "x" * EXCERPT_MAX
    elif case == "unknown-stance":
        data["stance"], field = "debunks", "stance"
    elif case == "unknown-source":
        data["source"], field = "#999999", "source"
    elif case == "not-a-source":
        data["source"], field = "the mayor's press office", "source"

    action = f"/claims/{claim.id}/evidence"
    token = csrf_token(claim_page(reviewer_client, claim.id))
    before = table_counts()
    response = reviewer_client.post(action, data={**data, "csrf_token": token})
    assert response.status_code == 422
    assert any(message in error for error in field_errors(response.text, action, field))
    if data["excerpt"].strip():
        assert textarea(response.text, action, "excerpt") == data["excerpt"]
    source_input = form(response.text, action).xpath(".//input[@name='source']")[0]
    assert source_input.get("value") == data["source"]
    # The form is open again, so the reviewer sees the message without looking for it.
    assert tree(response.text).xpath("//details[contains(@class, 'add-evidence')]/@open")
    assert table_counts() == before  # no evidence, no source, no audit event


@pytest.mark.parametrize(
    "reference", ["\u00b2", "#\u00b3 \u2014 Harbour survey"], ids=["superscript", "picker"]
)
def test_a_picker_text_with_odd_digits_is_refused_not_a_crash(
    app, reviewer_client, reviewer, reference
):
    claim = a_claim(reviewer)
    factories.source("Harbour survey")
    action = f"/claims/{claim.id}/evidence"
    token = csrf_token(claim_page(reviewer_client, claim.id))
    before = table_counts()
    response = reviewer_client.post(
        action,
        data={"source": reference, "excerpt": QUOTE, "stance": "supports", "csrf_token": token},
    )
    assert response.status_code == 422
    assert field_errors(response.text, action, "source")
    assert table_counts() == before


def test_a_typed_title_starting_with_a_number_names_no_source(app, reviewer_client, reviewer):
    claim = a_claim(reviewer)
    survey = factories.source("Harbour survey")
    action = f"/claims/{claim.id}/evidence"
    token = csrf_token(claim_page(reviewer_client, claim.id))
    response = reviewer_client.post(
        action,
        data={
            "source": f"{survey.id} reasons the wall is late",
            "excerpt": QUOTE,
            "stance": "supports",
            "csrf_token": token,
        },
    )
    assert response.status_code == 422
    assert Evidence.select().count() == 0


def test_evidence_on_a_dismissed_claim_is_refused(app, reviewer_client, reviewer):
    claim = a_claim(reviewer)
    claims.dismiss_claim(factories.actor_for(reviewer), claim.id, claim.version, "Opinion")
    source, _ = archived_source()
    token = csrf_token(claim_page(reviewer_client, claim.id))
    before = table_counts()
    response = reviewer_client.post(
        f"/claims/{claim.id}/evidence",
        data={
            "source": picker(source),
            "excerpt": QUOTE,
            "stance": "supports",
            "csrf_token": token,
        },
    )
    assert response.status_code == 422
    assert table_counts() == before
    assert Evidence.select().count() == 0


def test_evidence_on_a_dismissed_claim_tells_the_reviewer_why(app, reviewer_client, reviewer):
    claim = a_claim(reviewer)
    claims.dismiss_claim(factories.actor_for(reviewer), claim.id, claim.version, "Opinion")
    source, _ = archived_source()
    token = csrf_token(claim_page(reviewer_client, claim.id))
    response = reviewer_client.post(
        f"/claims/{claim.id}/evidence",
        data={
            "source": picker(source),
            "excerpt": QUOTE,
            "stance": "supports",
            "csrf_token": token,
        },
    )
    assert response.status_code == 422
    action = f"/claims/{claim.id}/evidence"
    assert "This claim is dismissed; restore it before adding evidence." in words(
        tree(response.text)
    )
    assert textarea(response.text, action, "excerpt") == QUOTE


# 6. Notes are Markdown, sanitized -------------------------------------------------------------


def test_a_note_is_rendered_as_markdown_and_nothing_runs(app, reviewer_client, reviewer):
    claim = a_claim(reviewer)
    source, _ = archived_source()
    excerpt = "will cost $48 million <script>alert(2)</script>"
    note = (
        "**Checked** with the [finance department](https://example.org/finance).\n\n"
        "[x](javascript:alert(1)) <img src=x onerror=alert(1)> <script>alert(1)</script>"
    )
    assert attach(reviewer_client, claim.id, picker(source), excerpt, note=note).status_code == 302
    assert (Evidence.get().note, Evidence.get().excerpt) == (note, excerpt)

    html = claim_page(reviewer_client, claim.id)
    item = tree(html).get_element_by_id(f"evidence-{Evidence.get().id}")
    rendered = lxml.html.tostring(item.xpath(".//div[@class='note']")[0], encoding="unicode")
    assert "<strong>Checked</strong>" in rendered
    [link] = item.xpath(".//div[@class='note']//a")
    assert link.get("href") == "https://example.org/finance"
    assert link.get("rel") == "noopener noreferrer nofollow"
    assert 'href="javascript' not in html.lower()
    assert "<img" not in html
    assert "<script>alert" not in html
    note_text = words(item.xpath(".//div[@class='note']")[0])
    assert "<img src=x onerror=alert(1)>" in note_text  # shown as text
    assert "<script>alert(1)</script>" in note_text
    assert "[x](javascript:alert(1))" in note_text
    assert words(item.xpath(".//blockquote")[0]) == excerpt


# 7. A source added on the spot, from a real server --------------------------------------------


@pytest.fixture
def site(no_network: NetworkGuard, fake_dns: FakeDNS, app, database_url):
    """The finance department's site on 127.0.0.1, allow-listed; nothing else is reachable."""
    if database_url.startswith("postgresql"):
        no_network.allow_port(5432)
    server = LoopbackServer()
    server.routes["/reports/wall"] = page(REPORT)
    server.start()
    no_network.allow_port(server.port)
    fake_dns.add(SITE_HOST, "127.0.0.1")
    app.config["FETCH_ALLOWLIST"] = f"127.0.0.1:{server.port},{SITE_HOST}:{server.port}"
    app.config["FETCH_DEADLINE"] = 3
    yield server
    server.stop()


def test_a_pasted_address_is_fetched_archived_and_reused(app, site, reviewer_client, reviewer):
    first, second = a_claim(reviewer), a_claim(reviewer, ARTICLES[1])
    assert first.id != second.id
    url = site.url("/reports/wall", host=SITE_HOST)
    response = attach(reviewer_client, first.id, url, "will cost $48 million")
    assert response.status_code == 302, response.text

    source = Source.get()
    assert (source.url, source.check_state) == (url, "ok")
    assert source.title == "Flood wall costs | Finance Department"
    snapshot = Snapshot.get()
    assert snapshot.source_id == source.id and snapshot.http_status == 200
    item = Evidence.get()
    assert (item.source_id, item.quote_verified, item.snapshot_id) == (
        source.id,
        "verified",
        snapshot.id,
    )
    assert [e.action for e in AuditEvent.select().order_by(AuditEvent.id)][-4:] == [
        "source.create",
        "snapshot.create",
        "claim.start",  # evidence starts the research
        "evidence.create",
    ]
    shown = evidence_item(claim_page(reviewer_client, first.id), item.id)
    assert "Flood wall costs | Finance Department" in shown
    assert f"verified in snapshot of {when(snapshot.fetched_at)}" in shown

    # Another spelling of the same address names the same source: no second fetch.
    respelled = f"HTTP://NEWS.Example.TEST:{site.port}/reports/wall/?utm_source=newsletter#costs"
    response = attach(reviewer_client, second.id, respelled, "The wall will run 4.5 km")
    assert response.status_code == 302, response.text
    assert Source.select().count() == 1 and Snapshot.select().count() == 1
    assert site.paths().count("/reports/wall") == 1
    again = Evidence.get(Evidence.claim == second.id)
    assert (again.source_id, again.quote_verified) == (source.id, "verified")


def test_a_refused_address_stores_nothing(app, site, reviewer_client, reviewer, no_network):
    claim = a_claim(reviewer)
    action = f"/claims/{claim.id}/evidence"
    token = csrf_token(claim_page(reviewer_client, claim.id))
    before, attempts = table_counts(), len(no_network.attempts)
    response = reviewer_client.post(
        action,
        data={
            "source": "http://10.0.0.1/x",
            "excerpt": "will cost $48 million",
            "stance": "supports",
            "csrf_token": token,
        },
    )
    assert response.status_code == 422
    assert field_errors(response.text, action, "source") == [
        "This address cannot be fetched: its host is unknown, or on a private or local network."
    ]
    assert textarea(response.text, action, "excerpt") == "will cost $48 million"
    assert len(no_network.attempts) == attempts  # refused before connecting
    after = table_counts()
    # The refusal itself is a security event; nothing else is written.
    assert {**after, "audit_event": 0} == {**before, "audit_event": 0}
    assert after["audit_event"] == before["audit_event"] + 1
    assert AuditEvent.select().order_by(AuditEvent.id.desc()).first().action == "fetch.refused"


def test_a_refused_address_can_be_kept_without_archived_copy(app, site, reviewer_client, reviewer):
    claim = a_claim(reviewer)
    response = attach(
        reviewer_client,
        claim.id,
        "http://10.0.0.1/x",
        "will cost $48 million",
        keep_without_snapshot="y",
    )
    assert response.status_code == 302, response.text
    source = Source.get()
    assert (source.url, source.check_state) == ("http://10.0.0.1/x", "unchecked")
    assert source.check_error.startswith("This address cannot be fetched")
    assert Snapshot.select().count() == 0
    item = Evidence.get()
    assert (item.source_id, item.quote_verified, item.snapshot_id) == (
        source.id,
        "no_snapshot",
        None,
    )
    html = claim_page(reviewer_client, claim.id)
    assert any("has no archived copy to check the excerpt against" in f for f in flashes(html))
    assert "no archived copy to check against" in evidence_item(html, item.id)

    # Once a copy is archived (say, from inside the network), the excerpt is checked against it.
    snapshot = factories.snapshot(source, REPORT)
    item = Evidence.get_by_id(item.id)
    assert (item.quote_verified, item.snapshot_id) == ("verified", snapshot.id)
    assert [e.entity_id for e in events("evidence.quote_check")] == [item.id]


def test_a_pasted_address_on_a_dismissed_claim_stores_nothing(app, site, reviewer_client, reviewer):
    claim = a_claim(reviewer)
    claims.dismiss_claim(factories.actor_for(reviewer), claim.id, claim.version, "Opinion")
    token = csrf_token(claim_page(reviewer_client, claim.id))
    before = table_counts()
    response = reviewer_client.post(
        f"/claims/{claim.id}/evidence",
        data={
            "source": site.url("/reports/wall"),
            "excerpt": "will cost $48 million",
            "stance": "supports",
            "csrf_token": token,
        },
    )
    assert response.status_code == 422
    assert Evidence.select().count() == 0
    assert (Source.select().count(), Snapshot.select().count()) == (
        before["source"],
        before["snapshot"],
    )
    assert site.paths() == []  # nothing worth fetching for a claim that takes no evidence


def test_an_address_redirecting_to_a_library_page_names_that_source(
    app, site, reviewer_client, reviewer
):
    site.routes["/r/wall"] = redirect("/reports/wall", 301)
    first, second = a_claim(reviewer), a_claim(reviewer, ARTICLES[1])
    canonical = site.url("/reports/wall")
    assert attach(reviewer_client, first.id, canonical, "will cost $48 million").status_code == 302
    short_link = site.url("/r/wall")
    assert attach(reviewer_client, second.id, short_link, "The wall will run").status_code == 302
    [source] = Source.select()
    assert source.url == canonical
    assert Snapshot.select().count() == 1
    assert Evidence.get(Evidence.claim == second.id).source_id == source.id


def test_a_page_first_added_by_a_short_link_is_one_source(app, site, reviewer_client, reviewer):
    site.routes["/r/wall"] = redirect("/reports/wall", 301)
    first, second = a_claim(reviewer), a_claim(reviewer, ARTICLES[1])
    short_link, canonical = site.url("/r/wall"), site.url("/reports/wall")
    assert attach(reviewer_client, first.id, short_link, "will cost $48 million").status_code == 302
    assert attach(reviewer_client, second.id, canonical, "The wall will run").status_code == 302
    assert Source.select().count() == 1
    assert Evidence.get(Evidence.claim == second.id).source_id == Source.get().id


# 8. Editing and removing evidence -------------------------------------------------------------


def test_editing_evidence_checks_the_new_excerpt(app, reviewer_client, reviewer):
    claim = a_claim(reviewer)
    source, snapshot = archived_source()
    item = attach_service(claim, source, MISSING)
    assert item.quote_verified == "not_found"
    url = f"/claims/evidence/{item.id}"
    html = reviewer_client.get(url).text
    assert textarea(html, url, "excerpt") == MISSING
    assert version_in(html, url) == 1

    response = reviewer_client.post(
        url,
        data={
            "csrf_token": csrf_token(html),
            "version": "1",
            "excerpt": "will cost $48 million",
            "stance": "mixed",
            "locator": "paragraph 2",
            "note": "",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/claims/{claim.id}#evidence-{item.id}")
    fresh = Evidence.get_by_id(item.id)
    assert (fresh.excerpt, fresh.stance, fresh.locator, fresh.version) == (
        "will cost $48 million",
        "mixed",
        "paragraph 2",
        2,
    )
    assert (fresh.quote_verified, fresh.snapshot_id) == ("verified", snapshot.id)
    [update] = events("evidence.update")
    assert (update.entity_id, update.parent_id) == (item.id, claim.id)
    assert MISSING in update.before and "will cost $48 million" in update.after

    page_html = claim_page(reviewer_client, claim.id)
    assert "Evidence saved." in flashes(page_html)
    assert [h for h, _ in evidence_groups(page_html)] == ["Mixed 1"]
    shown = evidence_item(page_html, item.id)
    assert "paragraph 2" in shown and "verified in snapshot of" in shown


def test_a_stale_edit_shows_both_excerpts_and_changes_nothing(app, reviewer_client, reviewer):
    claim = a_claim(reviewer)
    source, _ = archived_source()
    item = attach_service(claim, source, "will cost $48 million")
    url = f"/claims/evidence/{item.id}"
    token = csrf_token(reviewer_client.get(url).text)
    # Someone else edits it meanwhile.
    evidence.update_evidence(factories.SYSTEM, item.id, 1, excerpt="The wall will run 4.5 km")
    before = table_counts()

    typed = "approved on Tuesday"
    response = reviewer_client.post(
        url,
        data={"csrf_token": token, "version": "1", "excerpt": typed, "stance": "refutes"},
    )
    assert response.status_code == 409
    conflict = tree(response.text).xpath("//div[@class='conflict']")[0]
    assert "Your excerpt" in words(conflict) and "Current excerpt" in words(conflict)
    assert words(conflict.xpath(".//p[@class='yours']")[0]) == typed
    assert words(conflict.xpath(".//p[@class='theirs']")[0]) == "The wall will run 4.5 km"
    assert textarea(response.text, url, "excerpt") == typed
    assert version_in(response.text, url) == 2  # saving again goes through
    assert table_counts() == before
    assert Evidence.get_by_id(item.id).excerpt == "The wall will run 4.5 km"


@pytest.mark.parametrize("excerpt", ["", "x" * (EXCERPT_MAX + 1)], ids=["empty", "too-long"])
def test_a_bad_edit_is_refused_and_changes_nothing(app, reviewer_client, reviewer, excerpt):
    claim = a_claim(reviewer)
    source, _ = archived_source()
    item = attach_service(claim, source, "will cost $48 million")
    url = f"/claims/evidence/{item.id}"
    token = csrf_token(reviewer_client.get(url).text)
    before = table_counts()
    response = reviewer_client.post(
        url, data={"csrf_token": token, "version": "1", "excerpt": excerpt, "stance": "refutes"}
    )
    assert response.status_code == 422
    assert field_errors(response.text, url, "excerpt")
    assert textarea(response.text, url, "excerpt") == excerpt
    assert table_counts() == before
    fresh = Evidence.get_by_id(item.id)
    assert (fresh.excerpt, fresh.stance, fresh.version) == ("will cost $48 million", "supports", 1)


def test_removing_evidence_keeps_what_it_said_in_the_trail(app, reviewer_client, reviewer):
    claim = a_claim(reviewer)
    source, _ = archived_source()
    item = attach_service(claim, source, "will cost $48 million")
    url = f"/claims/evidence/{item.id}"
    html = reviewer_client.get(url).text
    response = reviewer_client.post(
        f"{url}/delete",
        data={"csrf_token": csrf_token(html), "version": version_in(html, f"{url}/delete")},
    )
    assert response.status_code == 302
    assert Evidence.get_or_none(Evidence.id == item.id) is None
    assert Source.get_or_none(Source.id == source.id) is not None
    [removed] = events("evidence.delete")
    assert (removed.entity_id, removed.parent_type, removed.parent_id) == (
        item.id,
        "claim",
        claim.id,
    )
    assert "will cost $48 million" in removed.before and removed.after is None

    page_html = claim_page(reviewer_client, claim.id)
    assert "Evidence removed; the audit trail keeps what it said." in flashes(page_html)
    assert evidence_groups(page_html) == []
    assert reviewer_client.get(url).status_code == 404


def test_removing_stale_evidence_is_refused(app, reviewer_client, reviewer):
    claim = a_claim(reviewer)
    source, _ = archived_source()
    item = attach_service(claim, source, "will cost $48 million")
    url = f"/claims/evidence/{item.id}"
    token = csrf_token(reviewer_client.get(url).text)
    evidence.update_evidence(factories.SYSTEM, item.id, 1, stance="refutes")
    response = reviewer_client.post(f"{url}/delete", data={"csrf_token": token, "version": "1"})
    assert response.status_code == 409
    assert "Someone else changed this evidence" in response.text
    assert Evidence.get_or_none(Evidence.id == item.id) is not None
    assert events("evidence.delete") == []


# 9. Attribution and provenance ----------------------------------------------------------------


def citation_chain(system):
    """A (a statement) cites B (a news report) cites C (the primary document, archived)."""
    a = factories.source("Mayor's office statement", kind="official_statement")
    b = factories.source("City Times report", kind="news_report")
    c, snapshot = archived_source("Council budget 2026", kind="primary_document")
    sources.add_citation(system, a.id, b.id)
    sources.add_citation(system, b.id, c.id, note="page 12")
    return a, b, c, snapshot


def chain_lines(html: str) -> list[str]:
    return [words(li) for li in tree(html).xpath("//ol[@class='chain']/li")]


def test_linking_the_attribution_shows_the_chain_of_sources(app, reviewer_client, reviewer, system):
    claim = a_claim(reviewer)
    a, b, c, snapshot = citation_chain(system)
    action = f"/claims/{claim.id}/attribution"
    html = claim_page(reviewer_client, claim.id)
    response = reviewer_client.post(
        action,
        data={
            "csrf_token": csrf_token(html),
            "version": version_in(html, action),
            "source": picker(a),
        },
    )
    assert response.status_code == 302, response.text
    assert Claim.get_by_id(claim.id).attributed_source_id == a.id
    [linked] = events("claim.attribute")
    assert linked.entity_id == claim.id and str(a.id) in linked.after

    html = claim_page(reviewer_client, claim.id)
    assert "Attribution linked to its source." in flashes(html)
    assert "→ Mayor's office statement" in words(tree(html).xpath("//dl[@class='meta']")[0])
    assert form(html, action).xpath(".//input[@name='source']")[0].get("value") == picker(a)
    lines = chain_lines(html)
    assert len(lines) == 4
    assert lines[0].startswith("The article:")
    assert lines[1].startswith("Mayor's office statement") and "not archived" in lines[1]
    assert lines[2].startswith("which cites City Times report")
    assert lines[3].startswith("which cites Council budget 2026")
    assert f"archived {when(snapshot.fetched_at)}" in lines[3]
    links = tree(html).xpath("//ol[@class='chain']/li/a/@href")
    assert links == [f"/sources/{a.id}", f"/sources/{b.id}", f"/sources/{c.id}"]

    [svg] = tree(html).xpath("//*[local-name()='svg' and @role='img']")
    svg_text = words(svg)
    for title in ("Mayor's office statement", "City Times report", "Council budget 2026"):
        assert title in svg_text
    [desc] = svg.xpath(".//*[local-name()='desc']")
    assert "Mayor's office statement" in words(desc) and "Council budget 2026" in words(desc)

    # An empty field unlinks.
    response = reviewer_client.post(
        action,
        data={"csrf_token": csrf_token(html), "version": version_in(html, action), "source": ""},
    )
    assert response.status_code == 302
    assert Claim.get_by_id(claim.id).attributed_source_id is None
    assert len(events("claim.attribute")) == 2
    html = claim_page(reviewer_client, claim.id)
    assert "Attribution unlinked." in flashes(html)
    assert chain_lines(html) == []


@pytest.mark.parametrize("reference", ["#999999", "the mayor's press office"])
def test_an_attribution_naming_nothing_is_refused(app, reviewer_client, reviewer, reference):
    claim = a_claim(reviewer)
    action = f"/claims/{claim.id}/attribution"
    html = claim_page(reviewer_client, claim.id)
    before = table_counts()
    response = reviewer_client.post(
        action,
        data={
            "csrf_token": csrf_token(html),
            "version": version_in(html, action),
            "source": reference,
        },
    )
    assert response.status_code == 422
    assert field_errors(response.text, action, "source") == [
        "No source in the library matches this; pick one from the list or give its address."
    ]
    assert form(response.text, action).xpath(".//input[@name='source']")[0].get("value") == (
        reference
    )
    assert table_counts() == before
    assert Claim.get_by_id(claim.id).attributed_source_id is None


def test_a_citation_cycle_still_renders_and_ends(app, reviewer_client, reviewer, system):
    claim = a_claim(reviewer)
    a, b, c, _ = citation_chain(system)
    sources.add_citation(system, c.id, a.id)
    claims.attribute_claim(factories.actor_for(reviewer), claim.id, claim.version, a.id)
    html = claim_page(reviewer_client, claim.id)
    lines = chain_lines(html)
    assert [line.split(" ", 2)[:2] for line in lines[1:]] == [
        ["Mayor's", "office"],
        ["which", "cites"],
        ["which", "cites"],
    ]
    assert b.title in lines[2] and c.title in lines[3]
    assert tree(html).xpath("//*[local-name()='svg' and @role='img']")


def test_a_source_cannot_cite_itself(app, system):
    a = factories.source("Mayor's office statement")
    with pytest.raises(ValidationError):
        sources.add_citation(system, a.id, a.id)
    assert events("citation.create") == []


def test_a_stale_attribution_is_refused(app, reviewer_client, reviewer):
    claim = a_claim(reviewer)
    a = factories.source("Mayor's office statement")
    action = f"/claims/{claim.id}/attribution"
    html = claim_page(reviewer_client, claim.id)
    claims.update_claim(
        factories.actor_for(reviewer), claim.id, claim.version, statement="The wall costs $48m."
    )
    response = reviewer_client.post(
        action, data={"csrf_token": csrf_token(html), "version": "1", "source": picker(a)}
    )
    assert response.status_code == 409
    assert any("Someone else changed this claim" in m for m in form_messages(response.text, action))
    assert Claim.get_by_id(claim.id).attributed_source_id is None
    assert version_in(response.text, action) == 2


def count_queries(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every SQL statement the database runs from now on."""
    seen: list[str] = []
    database_class = type(db.obj)
    original = database_class.execute_sql

    def counting(self: peewee.Database, sql: str, params: Any = None, *args: Any) -> Any:
        seen.append(sql)
        return original(self, sql, params, *args)

    monkeypatch.setattr(database_class, "execute_sql", counting)
    return seen


def test_the_claim_page_runs_as_many_queries_for_12_items_as_for_2(
    app, reviewer_client, reviewer, system, monkeypatch
):
    few, many = a_claim(reviewer), a_claim(reviewer, ARTICLES[1])
    for claim, n in ((few, 2), (many, 12)):
        for i in range(n):
            source, _ = archived_source(
                f"Report {claim.id}-{i}", url=f"https://example.org/{claim.id}/{i}", reliability=3
            )
            other = factories.source(f"Cited by {claim.id}-{i}")
            sources.add_citation(system, source.id, other.id)
            excerpt = "will cost $48 million" if i % 2 else MISSING
            attach_service(claim, source, excerpt, ("supports", "refutes", "context")[i % 3])
        fresh = Claim.get_by_id(claim.id)  # the first evidence moved it to research
        claims.attribute_claim(system, claim.id, fresh.version, source.id)
    claim_page(reviewer_client, few.id)  # warm up whatever is loaded once

    counts = {}
    for claim in (few, many):
        page_cache(app).clear()  # the page drawn, not its remembered copy
        evidence._groupings.clear()  # nor its remembered grouping (one query fewer)
        pages.forget_parts(app)  # nor its remembered provenance
        seen = count_queries(monkeypatch)
        html = claim_page(reviewer_client, claim.id)
        counts[claim.id] = len(seen)
        monkeypatch.undo()
        assert (
            sum(len(items) for _, items in evidence_groups(html))
            == Evidence.select().where(Evidence.claim == claim.id).count()
        )
    assert counts[few.id] > 5  # the counter saw the page's queries
    assert counts[few.id] == counts[many.id], counts


# 10. The JSON API -----------------------------------------------------------------------------


@pytest.fixture
def api(app, reviewer):
    """A client sending rita's API token."""
    _, secret = users.create_token(factories.SYSTEM, reviewer, "tests")
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return client


def test_api_evidence_is_checked_like_the_page(app, api, reviewer):
    claim = a_claim(reviewer)
    archived, snapshot = archived_source()
    unarchived = factories.source("Phone call with the mayor's office")
    cases = [
        (archived, "will cost $48 million", "verified", snapshot.id),
        (archived, MISSING, "not_found", snapshot.id),
        (unarchived, "will cost $48 million", "no_snapshot", None),
    ]
    created = []
    for source, excerpt, state, snapshot_id in cases:
        response = api.post(
            f"/api/claims/{claim.id}/evidence",
            json={
                "source_id": source.id,
                "excerpt": excerpt,
                "stance": "refutes",
                "locator": "p. 2",
                "note": "Called back on Monday.",
            },
        )
        assert response.status_code == 201, response.json
        body = response.json
        assert (body["claim_id"], body["source_id"], body["quote_verified"]) == (
            claim.id,
            source.id,
            state,
        )
        assert (body["locator"], body["note"], body["version"]) == (
            "p. 2",
            "Called back on Monday.",
            1,
        )
        assert (body["quote_snapshot"] or {}).get("id") == snapshot_id
        row = Evidence.get_by_id(body["id"])
        assert (row.quote_verified, row.snapshot_id) == (state, snapshot_id)
        created.append(body["id"])
    assert [e.entity_id for e in events("evidence.create")] == created
    assert all(e.actor_name == "rita" for e in events("evidence.create"))

    listed = api.get(f"/api/claims/{claim.id}/evidence")
    assert listed.status_code == 200
    assert [(e["id"], e["quote_verified"]) for e in listed.json["evidence"]] == [
        (i, state) for i, (_, _, state, _) in zip(created, cases, strict=True)
    ]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"excerpt": "will cost $48 million", "stance": "supports"}, 422, "invalid"),
        ({"source_id": "1", "excerpt": "x", "stance": "supports"}, 422, "invalid"),
        ({"source_id": 0, "excerpt": "will cost", "stance": "debunks"}, 422, "invalid"),
        ({"source_id": 0, "excerpt": "   ", "stance": "supports"}, 422, "invalid"),
        ({"source_id": 0, "excerpt": "x" * (EXCERPT_MAX + 1), "stance": "mixed"}, 422, "invalid"),
        ({"source_id": 999999, "excerpt": "will cost", "stance": "mixed"}, 404, "not_found"),
    ],
    ids=["no-source", "source-as-text", "stance", "blank", "too-long", "unknown-source"],
)
def test_api_refuses_bad_evidence_and_writes_nothing(app, api, reviewer, body, status, code):
    claim = a_claim(reviewer)
    source, _ = archived_source()
    if body.get("source_id") == 0:
        body = {**body, "source_id": source.id}
    before = table_counts()
    response = api.post(f"/api/claims/{claim.id}/evidence", json=body)
    assert response.status_code == status, response.json
    assert response.json["error"]["code"] == code and response.json["error"]["message"]
    assert table_counts() == before


def test_api_evidence_on_an_unknown_or_dismissed_claim(app, api, reviewer):
    claim = a_claim(reviewer)
    source, _ = archived_source()
    body = {"source_id": source.id, "excerpt": "will cost $48 million", "stance": "supports"}
    missing = api.post("/api/claims/999999/evidence", json=body)
    assert missing.status_code == 404 and missing.json["error"]["code"] == "not_found"
    assert api.get("/api/claims/999999/evidence").status_code == 404
    claims.dismiss_claim(factories.actor_for(reviewer), claim.id, claim.version, "Opinion")
    dismissed = api.post(f"/api/claims/{claim.id}/evidence", json=body)
    assert dismissed.status_code == 422
    assert "dismissed" in dismissed.json["error"]["message"]
    assert Evidence.select().count() == 0 and events("evidence.create") == []


def test_api_edit_needs_the_current_version(app, api, reviewer):
    claim = a_claim(reviewer)
    source, snapshot = archived_source()
    item = attach_service(claim, source, MISSING)
    edited = api.patch(
        f"/api/evidence/{item.id}", json={"version": 1, "excerpt": "will cost $48 million"}
    )
    assert edited.status_code == 200
    assert (edited.json["version"], edited.json["quote_verified"]) == (2, "verified")
    assert edited.json["quote_snapshot"]["id"] == snapshot.id

    stale = api.patch(f"/api/evidence/{item.id}", json={"version": 1, "stance": "refutes"})
    assert stale.status_code == 409 and stale.json["error"]["code"] == "conflict"
    assert Evidence.get_by_id(item.id).stance == "supports"
    assert len(events("evidence.update")) == 1
    unversioned = api.patch(f"/api/evidence/{item.id}", json={"stance": "refutes"})
    assert unversioned.status_code == 422


def test_api_links_and_unlinks_the_attribution(app, api, reviewer):
    claim = a_claim(reviewer)
    a = factories.source("Mayor's office statement")
    url = f"/api/claims/{claim.id}/attribution"
    linked = api.put(url, json={"version": claim.version, "source_id": a.id})
    assert linked.status_code == 200, linked.json
    assert Claim.get_by_id(claim.id).attributed_source_id == a.id
    version = Claim.get_by_id(claim.id).version
    assert linked.json["version"] == version

    stale = api.put(url, json={"version": claim.version, "source_id": None})
    assert stale.status_code == 409
    missing = api.put(url, json={"version": version, "source_id": 999999})
    assert missing.status_code == 404
    assert Claim.get_by_id(claim.id).attributed_source_id == a.id

    silent = api.put(url, json={"version": version})
    assert silent.status_code == 422 and silent.json["error"]["code"] == "invalid"
    unlinked = api.put(url, json={"version": version, "source_id": None})
    assert unlinked.status_code == 200
    assert Claim.get_by_id(claim.id).attributed_source_id is None
    assert [e.entity_id for e in events("claim.attribute")] == [claim.id, claim.id]
