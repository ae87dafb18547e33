"""Claim and article pages served from memory: never older than a fresh drawing after any
change a service makes, per user and role, with the request's own CSRF token."""

from __future__ import annotations

import re

import pytest
from flask import Flask, g
from flask.testing import FlaskClient

from claims.audit import Actor
from claims.db import db
from claims.models import Article, Claim
from claims.pagecache import Change, Dependencies, PageCache, still_valid
from claims.services import claims, evidence, verdicts
from claims.views import pages
from claims.views.pages import page_cache
from tests import factories
from tests.conftest import csrf_token, login, post_form
from tests.test_audit import MULTI_WRITERS, WRITERS

SYSTEM = Actor.system("test")


def change(action: str, entity: tuple[str, int | None], parent: tuple[str, int] | None = None):
    return Change(7, action, entity[0], entity[1], *(parent or (None, None)))


@pytest.mark.parametrize(
    ("records", "types", "actions", "event", "touched"),
    [
        ({("claim", 1)}, set(), set(), change("claim.update", ("claim", 1)), True),
        ({("claim", 1)}, set(), set(), change("claim.update", ("claim", 2)), False),
        # Evidence names its claim as parent.
        (
            {("claim", 1)},
            set(),
            set(),
            change("evidence.create", ("evidence", 9), ("claim", 1)),
            True,
        ),
        (
            {("claim", 1)},
            set(),
            set(),
            change("evidence.create", ("evidence", 9), ("claim", 3)),
            False,
        ),
        # Same id, other type.
        ({("claim", 1)}, set(), set(), change("source.update", ("source", 1)), False),
        (set(), {"rating"}, set(), change("rating.update", ("rating", 4)), True),
        (set(), set(), {"user.create"}, change("user.create", ("user", 40)), True),
        (set(), set(), {"user.create"}, change("login.succeeded", ("user", 40)), False),
    ],
)
def test_dependencies_decide_which_changes_touch_a_page(records, types, actions, event, touched):
    assert Dependencies(records, types, actions).touched_by(event) is touched


def test_a_record_depended_on_alone_ignores_what_belongs_to_it():
    listed = Dependencies(alone={("claim", 1)})
    assert listed.touched_by(change("claim.update", ("claim", 1), ("article", 4)))
    assert not listed.touched_by(change("evidence.update", ("evidence", 9), ("claim", 1)))
    assert not listed.touched_by(change("claim.update", ("claim", 2)))


def test_a_page_survives_unrelated_changes_and_moves_its_mark():
    cache = PageCache(1000)
    cache.put("k", "<p>page</p>", Dependencies({("claim", 1)}), checked=5)
    entry = cache.get("k")
    assert entry is not None
    assert still_valid(entry, [change("claim.update", ("claim", 2))])
    assert entry.checked == 7
    assert still_valid(entry, [])
    assert not still_valid(entry, None)  # too many changes to compare
    assert not still_valid(entry, [change("claim.update", ("claim", 1))])


def test_the_least_recently_used_pages_go_first_and_huge_ones_are_not_kept():
    cache = PageCache(100)
    for key in "abcd":
        cache.put(key, "x" * 25, Dependencies(), 0)
    cache.get("a")
    cache.put("e", "x" * 25, Dependencies(), 0)  # 125 bytes: the least recently used ("b") goes
    assert cache.get("b") is None
    assert all(cache.get(key) is not None for key in "acde")
    assert len(cache) == 4
    cache.put("f", "x" * 26, Dependencies(), 0)  # over a quarter of the whole: not kept
    assert cache.get("f") is None


def _normal(html: str) -> str:
    return re.sub(r'name="csrf_token"( type="hidden")? value="[^"]+"', "csrf", html)


def _pages() -> list[str]:
    return [f"/claims/{c.id}" for c in Claim.select(Claim.id)] + [
        f"/articles/{a.id}" for a in Article.select(Article.id)
    ]


def _signed_in(app: Flask, name: str, role: str) -> FlaskClient:
    factories.user(name, role)
    client = app.test_client()
    assert login(client, name).status_code == 302
    return client


ALL_WRITERS = {**WRITERS, **{k: v[:2] for k, v in MULTI_WRITERS.items()}}


@pytest.mark.parametrize("name", sorted(ALL_WRITERS))
def test_after_every_kind_of_change_a_remembered_page_equals_a_fresh_one(app, name):
    """For each service that writes: pages remembered before the change are, after it, what a
    fresh drawing gives (for an editor, who also sees the history, and a reviewer)."""
    setup, action = ALL_WRITERS[name]
    context = setup()
    readers = [_signed_in(app, "pagewatcher", "editor"), _signed_in(app, "pagereader", "reviewer")]
    urls = _pages()
    for client in readers:
        for url in urls:
            assert client.get(url).status_code == 200
    try:
        action(context)
    except Exception as exc:  # a writer refusing here changes nothing; compare anyway
        print(f"{name}: {exc}")
    cache = page_cache(app)
    assert cache is not None
    for client in readers:
        for url in urls:
            remembered = client.get(url)
            cache.clear()  # nor any part of it: the fresh drawing reads everything
            pages.forget_parts(app)
            evidence._groupings.clear()
            fresh = client.get(url)
            assert remembered.status_code == fresh.status_code, url
            assert _normal(remembered.text) == _normal(fresh.text), f"{name}: {url} is stale"


def test_a_repeated_view_is_served_from_memory_with_a_working_csrf_token(app, reviewer):
    article = factories.article(reviewer, "The council approved a $48 million flood wall.")
    claim = Claim.select().where(Claim.article == article.id).first()
    client = app.test_client()
    login(client, reviewer.username)
    cache = page_cache(app)
    assert cache is not None
    client.get(f"/claims/{claim.id}")
    hits = cache.hits
    second = client.get(f"/claims/{claim.id}")
    assert cache.hits == hits + 1
    # What is remembered holds a placeholder, never a token; each response gets a real one.
    (remembered,) = [e.body for e in cache._entries.values()]
    assert csrf_token(remembered).startswith("csrf-")
    assert csrf_token(second.text) != csrf_token(remembered)
    assert "csrf-" not in second.text
    # The token on the remembered page works: the claim is taken from it.
    response = client.post(
        f"/claims/{claim.id}/assign",
        data={
            "csrf_token": csrf_token(second.text),
            "version": str(claim.version),
            "assignee": str(reviewer.id),
        },
    )
    assert response.status_code == 302
    assert Claim.get_by_id(claim.id).assignee_id == reviewer.id
    page = client.get(f"/claims/{claim.id}").text
    assert re.search(rf'<option selected value="{reviewer.id}">', page)


def test_pages_differ_by_user_and_role(app, reviewer, editor):
    article = factories.article(reviewer, "The council approved a $48 million flood wall.")
    claim = Claim.select().where(Claim.article == article.id).first()
    clients = {}
    for user in (reviewer, editor):
        clients[user.username] = c = app.test_client()
        login(c, user.username)
        c.get(f"/claims/{claim.id}")
    as_reviewer = clients[reviewer.username].get(f"/claims/{claim.id}").text
    as_editor = clients[editor.username].get(f"/claims/{claim.id}").text
    assert "History" not in as_reviewer and "History" in as_editor
    assert reviewer.display_name in as_reviewer.split("</header>")[0]
    assert editor.display_name in as_editor.split("</header>")[0]


def test_a_flash_message_is_shown_once_and_never_remembered(app, reviewer):
    article = factories.article(reviewer, "The council approved a $48 million flood wall.")
    claim = Claim.select().where(Claim.article == article.id).first()
    client = app.test_client()
    login(client, reviewer.username)
    url = f"/claims/{claim.id}"
    client.get(url)
    response = post_form(
        client,
        url,
        f"/claims/{claim.id}",
        {
            "version": str(claim.version),
            "statement": "The wall costs $48 million.",
            "kind": "money",
        },
    )
    assert response.status_code == 302
    shown = client.get(url).text
    assert 'class="flash' in shown
    assert "The wall costs $48 million." in shown
    again = client.get(url).text
    assert 'class="flash' not in again
    assert "The wall costs $48 million." in again


def test_a_change_made_by_someone_else_shows_on_the_next_view(app, reviewer, editor):
    article = factories.article(reviewer, "The council approved a $48 million flood wall.")
    claim = Claim.select().where(Claim.article == article.id).first()
    client = app.test_client()
    login(client, reviewer.username)
    url = f"/claims/{claim.id}"
    assert "Ministry statement" not in client.get(url).text
    source = factories.source("Ministry statement")
    evidence.add_evidence(
        factories.actor_for(editor), claim.id, source.id, excerpt="$48 million", stance="supports"
    )
    assert "Ministry statement" in client.get(url).text
    rating = verdicts.ratings()[0]
    verdicts.update_rating(
        SYSTEM, rating.id, rating.version, label="Spot on", numeric=rating.numeric
    )
    assert "Spot on" in client.get(url).text
    article_url = f"/articles/{article.id}"
    assert "status-dismissed" not in client.get(article_url).text
    claims.update_claim(SYSTEM, claim.id, Claim.get_by_id(claim.id).version, statement="Edited")
    assert "Edited" in client.get(url).text
    claims.dismiss_claim(SYSTEM, claim.id, Claim.get_by_id(claim.id).version, "opinion")
    assert "status-dismissed" in client.get(article_url).text


def test_an_article_page_outlives_changes_to_its_claims_evidence(app, reviewer, editor):
    """The article page shows its claims' own fields: editing their evidence keeps it in
    memory, and the first evidence of a new claim (which starts its research) does not."""
    article = factories.article(reviewer, "The council approved a $48 million flood wall.")
    claim = Claim.select().where(Claim.article == article.id).first()
    client = app.test_client()
    login(client, reviewer.username)
    url = f"/articles/{article.id}"
    assert "status-new" in client.get(url).text
    cache = page_cache(app)
    assert cache is not None
    source = factories.source("Ministry statement")
    item = evidence.add_evidence(
        factories.actor_for(editor), claim.id, source.id, excerpt="$48 million", stance="supports"
    )
    misses = cache.misses
    page = client.get(url).text
    assert cache.misses == misses + 1  # research started: the claim's own event
    assert "status-in_research" in page and "status-new" not in page
    evidence.update_evidence(
        factories.actor_for(editor), item.id, item.version, note="Checked against the budget."
    )
    hits = cache.hits
    assert client.get(url).text == page
    assert cache.hits == hits + 1


def test_the_memory_can_be_turned_off(app, reviewer):
    app.config["PAGE_CACHE_BYTES"] = 0
    from claims.views import pages

    pages.init_app(app)
    assert page_cache(app) is None
    article = factories.article(reviewer, "The council approved a $48 million flood wall.")
    claim = Claim.select().where(Claim.article == article.id).first()
    client = app.test_client()
    login(client, reviewer.username)
    assert client.get(f"/claims/{claim.id}").status_code == 200


def test_a_remembered_page_costs_two_queries_however_large(app, reviewer, monkeypatch):
    """Serving a remembered claim or article page reads who is asking and what changed since:
    two queries, whatever the page holds."""
    article = factories.article(reviewer, "The council approved a $48 million flood wall.")
    claim = Claim.select().where(Claim.article == article.id).first()
    client = app.test_client()
    login(client, reviewer.username)
    for url in (f"/claims/{claim.id}", f"/articles/{article.id}"):
        client.get(url)
        seen: list[str] = []
        database_class = type(db.obj)
        original = database_class.execute_sql

        def counting(self, sql, params=None, *args, _seen=seen, _original=original):
            _seen.append(sql)
            return _original(self, sql, params, *args)

        monkeypatch.setattr(database_class, "execute_sql", counting)
        assert client.get(url).status_code == 200
        monkeypatch.undo()
        assert len(seen) == 2, seen


def test_a_typed_password_is_never_kept_in_the_field_memory(app, reviewer):
    """A refused sign-in shows the form again; the password typed must not outlive the request
    in the memory of drawn form fields (claims/views/pages.py)."""
    from claims.views import pages

    client = app.test_client()
    response = login(client, reviewer.username, "Wrong-Secret-8841")
    assert response.status_code == 401 and 'name="password"' in response.text
    assert "Wrong-Secret-8841" not in response.text
    assert pages._fields, "the sign-in form's other fields are kept"
    assert not any("Wrong-Secret-8841" in repr(key) for key in pages._fields)


def test_a_field_holding_a_long_text_is_drawn_but_not_kept(app):
    """An article's text typed into a refused form (up to a million characters) is drawn each
    time rather than kept: the memory stays small whatever is typed."""
    from wtforms import Form, TextAreaField

    from claims.views import pages

    class Pasted(Form):
        text = TextAreaField("Text")

    draw = app.jinja_env.get_template("_forms.html").module.drawn_field
    pages._fields.clear()  # what earlier tests left: this one counts its own entries
    with app.test_request_context():
        short = Pasted(data={"text": "A short note."})
        long = Pasted(data={"text": "word " * 2000})
        assert pages.remembered_field(draw, long.text) == draw(long.text)
        assert len(pages._fields) == 0
        first = pages.remembered_field(draw, short.text)
        assert len(pages._fields) == 1
        assert pages.remembered_field(draw, short.text) is first
        assert "A short note." in first


def test_hidden_inputs_are_drawn_as_wtforms_draws_them(app):
    """The CSRF token and version inputs (claims/forms.py reuses them within a request) come out
    exactly as WTForms' HiddenInput would draw them, odd values escaped the same way; a hidden
    field given attributes is left to WTForms."""
    from wtforms.widgets import HiddenInput

    from claims.forms import VersionForm

    with app.test_request_context():
        form = VersionForm(formdata=None)
        for value in (7, '3" onfocus="alert(1)', "<b>&amp;</b>"):
            form.version.data = value
            fast = str(form.version)
            assert fast == str(HiddenInput()(form.version))
            assert 'onfocus="' not in fast and "<b>" not in fast
        token = str(form.csrf_token)
        assert token == str(HiddenInput()(form.csrf_token))
        assert token.startswith('<input id="csrf_token" name="csrf_token" type="hidden" value="')
        assert str(form.version(class_="x")) == str(HiddenInput()(form.version, class_="x"))
        assert 'class="x"' in str(form.version(class_="x"))
        assert form.csrf_token() is form.csrf_token(), "drawn once in a request"
        # ...kept with the request (flask.g), so that no token outlives it.
        assert token in g.hidden_inputs.values()
    with app.test_request_context():
        assert "hidden_inputs" not in g
        again = str(VersionForm(formdata=None).csrf_token)
        assert again != token and list(g.hidden_inputs.values()) == [again]


def test_a_timeline_entry_is_drawn_once_per_event_and_never_for_another(app, reviewer, editor):
    """Audit events never change, so each timeline entry is drawn once; an entry is keyed by the
    event's hash, so an event id met again (another database) is drawn anew."""
    from datetime import datetime

    from claims.models import AuditEvent
    from claims.views import pages

    draw = app.jinja_env.get_template("audit/_timeline.html").module.timeline_event
    pages._events.clear()
    article = factories.article(reviewer, "Morocco will buy 36 ATMOS artillery systems.")
    claim = Claim.select().where(Claim.article == article.id).first()
    claims.update_claim(
        factories.actor_for(reviewer), claim.id, claim.version, statement="Morocco buys <b>36</b>."
    )
    client = app.test_client()
    login(client, editor.username)
    page = client.get(f"/claims/{claim.id}").text
    update = AuditEvent.get(
        (AuditEvent.action == "claim.update") & (AuditEvent.entity_id == claim.id)
    )
    with app.test_request_context():
        fresh = str(draw(update, "claim"))
    assert "Morocco buys &lt;b&gt;36&lt;/b&gt;." in fresh
    assert fresh in page
    kept = {key[1]: value for key, value in pages._events.items()}
    assert str(kept[update.id]) == fresh
    # Another view draws nothing anew: the same entries come back.
    page_cache(app).clear()
    assert _normal(client.get(f"/claims/{claim.id}").text) == _normal(page)
    assert {key[1]: value for key, value in pages._events.items()}[update.id] is kept[update.id]

    def event(hash_: str, actor: str) -> AuditEvent:
        return AuditEvent(
            id=10**9,
            at=datetime(2026, 1, 2, 3, 4),
            actor_name=actor,
            action="claim.update",
            entity_type="claim",
            entity_id=1,
            hash=hash_,
            prev_hash="0" * 64,
        )

    with app.test_request_context():
        first = pages.remembered_event(draw, event("a" * 64, "Alice"), "claim")
        again = pages.remembered_event(draw, event("b" * 64, "Bob"), "claim")
        assert "Alice" in first and "Bob" in again and "Alice" not in again
        assert pages.remembered_event(draw, event("a" * 64, "Alice"), "claim") is first


def test_a_claims_provenance_is_kept_through_evidence_edits_and_follows_its_sources(app, reviewer):
    """The provenance part of a claim's page is kept while evidence notes change (the page is
    drawn again), and made again when a source, its citations or its archived copies change."""
    from claims.services import sources
    from claims.views import pages

    actor = factories.actor_for(reviewer)
    article = factories.article(reviewer, "Morocco will buy 36 ATMOS artillery systems.")
    claim = Claim.select().where(Claim.article == article.id).first()
    cited = factories.source("Defence ministry statement")
    report = factories.source("Elbit annual report")
    item = evidence.add_evidence(
        actor, claim.id, report.id, excerpt="36 systems", stance="supports"
    )
    client = app.test_client()
    login(client, reviewer.username)
    parts = app.extensions["claims_parts"]

    def provenance() -> tuple[str, object]:
        """The page's provenance graph, and the part kept for it."""
        page = client.get(f"/claims/{claim.id}").text
        (kept,) = parts.values()
        svg = str(kept.body[1])
        assert svg in page
        return svg, kept.body

    graph, first = provenance()
    assert "Elbit annual report" in graph and "Defence ministry statement" not in graph
    item = evidence.update_evidence(actor, item.id, item.version, note="Called Elbit.")
    graph, again = provenance()
    assert "Called Elbit." in client.get(f"/claims/{claim.id}").text, "the page is drawn again"
    assert again is first, "its provenance is not"
    sources.add_citation(actor, report.id, cited.id)
    graph, cites = provenance()
    assert cites is not first and "Defence ministry statement" in graph
    report = sources.get_source(report.id)
    sources.update_source(
        actor, report.id, report.version, sources.SourceFields(title="Elbit report 2025")
    )
    graph, renamed = provenance()
    assert renamed is not cites and "Elbit report 2025" in graph
    assert "Archived " not in graph
    factories.snapshot(sources.get_source(cited.id), b"<html><p>Statement.</p></html>")
    graph, archived = provenance()
    assert archived is not renamed and "Archived " in graph
    page = client.get(f"/claims/{claim.id}").text
    # A fresh drawing shows the same provenance.
    pages.forget_parts(app)
    page_cache(app).clear()
    assert client.get(f"/claims/{claim.id}").text.replace(csrf_token(page), "") == page.replace(
        csrf_token(page), ""
    )


def test_a_source_changed_while_a_page_reads_shows_on_the_next_view(app, reviewer, monkeypatch):
    """A change committed after the page read its evidence (with their sources) but before its
    provenance was made is not mistaken for one the kept provenance already shows."""
    from claims.services import sources

    actor = factories.actor_for(reviewer)
    article = factories.article(reviewer, "Morocco will buy 36 ATMOS artillery systems.")
    claim = Claim.select().where(Claim.article == article.id).first()
    report = factories.source("Elbit annual report")
    evidence.add_evidence(actor, claim.id, report.id, excerpt="36 systems", stance="supports")
    client = app.test_client()
    login(client, reviewer.username)
    original = sources.provenance

    def renamed_meanwhile(*args, **kwargs):
        # Another request commits while this one draws, after its evidence was read.
        monkeypatch.setattr(sources, "provenance", original)
        current = sources.get_source(report.id)
        sources.update_source(
            actor, report.id, current.version, sources.SourceFields(title="Elbit report 2025")
        )
        return original(*args, **kwargs)

    monkeypatch.setattr(sources, "provenance", renamed_meanwhile)
    client.get(f"/claims/{claim.id}")  # drawn with the title it read first
    (kept,) = app.extensions["claims_parts"].values()
    assert "Elbit annual report" in str(kept.body[1])
    page = client.get(f"/claims/{claim.id}").text
    (kept,) = app.extensions["claims_parts"].values()
    assert "Elbit report 2025" in str(kept.body[1]) and str(kept.body[1]) in page


def test_kept_values_drop_the_least_recently_used_past_their_limit():
    from claims.pagecache import Kept

    kept: Kept[str] = Kept(2)
    made: list[str] = []

    def make(value: str):
        return lambda: made.append(value) or value

    assert kept.get_or_make("a", make("A")) == "A"
    assert kept.get_or_make("b", make("B")) == "B"
    assert kept.get_or_make("a", make("A again")) == "A"  # kept: not made again, now recent
    kept.put("c", "C")  # past the limit: "b", the least recently used, goes
    assert made == ["A", "B"]
    assert kept.get("b") is None and kept.get("a") == "A" and len(kept) == 2
    assert sorted(kept) == ["a", "c"] and sorted(kept.values()) == ["A", "C"]
    kept.clear()
    assert len(kept) == 0 and kept.get("a") is None
