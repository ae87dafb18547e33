"""The access matrix, generated from the URL map: every write route (HTML and API) called by every
role with a valid request, refused below the route's role with nothing written (AC-02, AC-05,
AC-07); extra fields never reach a column (AC-03); GET and HEAD change nothing but the documented
side effects (CSRF-05); a CSRF token from another session writes nothing (CSRF-02).

"Nothing written" is a snapshot of every row of every table in the database (not only counts),
taken before and after each request. A request that is allowed runs inside a transaction that is
rolled back afterwards, so the same realistic dataset serves every route; on PostgreSQL the
sequences are put back too, so that two runs of one request write the same ids.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

import peewee
import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from claims import documents, passwords
from claims import fetch as fetcher
from claims.anchoring import word_boundaries
from claims.audit import Actor
from claims.db import db, is_postgres, utcnow
from claims.models import (
    MODELS,
    ApiToken,
    ArchivedContent,
    Article,
    AuditEvent,
    Claim,
    Evidence,
    Rating,
    Snapshot,
    Source,
    User,
    Verdict,
)
from claims.services import articles, evidence, revisions, sources, users, verdicts
from claims.services import claims as claim_service
from tests import factories
from tests.conftest import csrf_token, login
from tests.netguard import FakeDNS, NetworkGuard, fake_dns, no_network  # noqa: F401 - fixtures
from tests.test_web import POLICY, RANK

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ROLES = ("anonymous", "reviewer", "editor", "admin")
# The policy's ranks, with the anonymous caller at the level of public routes.
LEVEL = {"anonymous": RANK["public"], **RANK}
AUDIT = AuditEvent._meta.table_name
# Audit actions that record a refusal, not a change.
REFUSALS = frozenset({"access.denied", "csrf.refused"})
SYSTEM = Actor.system("matrix")
NEW_PASSWORD = "a brand new passphrase for the matrix"

# GET routes that write, and why (CSRF-05): each writes exactly the event asserted below.
GET_SIDE_EFFECTS = {
    "audit.export": "downloading the whole trail is itself recorded: one audit.export event "
    "(actor, no entity id, empty details), so a leak of the trail can be traced (LOG-01)",
}

# Each write endpoint of the API and the HTML view doing the same thing (AC-07).
API_TWINS = {
    "api.import_article": "articles.create",
    "api.edit_claim": "claims.update",
    "api.add_source": "sources.create",
    "api.edit_source": "sources.update",
    "api.refetch_source": "sources.refetch",
    "api.add_citation": "sources.cite",
    "api.add_evidence": "claims.add_evidence",
    "api.edit_evidence": "claims.update_evidence",
    "api.attribute_claim": "claims.attribute",
    "api.propose_verdict": "claims.propose",
    "api.approve_verdict": "claims.approve",
    "api.reject_verdict": "claims.reject",
    "api.assign_claim": "claims.assign",
    # One endpoint for start, dismiss, restore and reopen: the route is open to reviewers and the
    # workflow refuses a reviewer's reopen (test_a_reviewer_cannot_reopen_through_the_api_...).
    "api.transition_claim": "claims.start",
    "api.add_revision": "articles.add_revision",
    "api.confirm_recheck": "claims.confirm_recheck",
    "api.decide_match": "claims.decide_match",
}

ARTICLE_TEXT = (
    "The council approved a $48 million flood wall.\n"
    "The school budget rose by 12 percent in 2024.\n"
    "Unemployment fell to 4.1 percent in March, the ministry said.\n"
    "The city employs 2,400 teachers across 31 schools.\n"
    "Rents climbed 9 percent last year, according to the housing agency.\n"
)
REPORT = b"""<!doctype html><html><head><title>Education report</title></head><body><main>
<p>The budget for schools rose by 12 percent in 2024.</p>
<p>Unemployment was 4.3 percent in March.</p>
<p>The city employs 2,400 teachers.</p>
</main></body></html>"""
REPORT_V2 = REPORT.replace(b"2,400 teachers", b"2,350 teachers")
BULLETIN = b"<!doctype html><html><body><p>Rents rose 9 percent, the agency said.</p></body></html>"


# The dataset ------------------------------------------------------------------------------------


@dataclass
class Data:
    """One newsroom's worth of records, by role in the workflow."""

    rita: User  # reviewer: imported the article, wrote most evidence and the verdicts
    rob: User  # another reviewer
    eddie: User  # editor: approved the published verdict
    ada: User  # admin
    tokens: dict[str, str]  # username -> API token (plaintext)
    token_ids: dict[str, int]
    article: int
    article2: int
    c_new: int  # "$48 million": new
    c_new2: int  # "12 percent": new
    c_research: int  # "2024": in research, with rita's evidence
    c_proposed: int  # "4.1 percent": rob's evidence, rita's proposed verdict
    c_approved: int  # "2,400 teachers": published verdict
    c_dismissed: int  # "31 schools": dismissed by rob
    c_spare: int  # "9 percent": assigned to rob, never a target
    s_snap: int  # a source with an archived copy
    s_hand: int  # a source added by hand
    s_other: int
    s_spare: int  # never a target (with its own snapshot)
    snap: int
    snap_spare: int
    content_spare: int
    citation: int
    ev_research: int
    ev_proposed: int
    ev_approved: int
    v_proposed: int
    v_approved: int
    ratings: dict[str, int]  # slug -> id

    def user(self, role: str) -> User | None:
        """The account that plays `role` in the matrix: another reviewer than the one whose
        objects are targeted (IDOR), the editor, the admin."""
        return {"anonymous": None, "reviewer": self.rob, "editor": self.eddie, "admin": self.ada}[
            role
        ]


def version(model: type[peewee.Model], row_id: int) -> int:
    return int(model.get_by_id(row_id).__data__["version"])


def build() -> Data:
    """The realistic dataset, made through the services (with their audit events)."""
    rita, rob = factories.user("rita", "reviewer"), factories.user("rob", "reviewer")
    eddie, ada = factories.user("eddie", "editor"), factories.user("ada", "admin")
    tokens, token_ids = {}, {}
    for account in (rita, rob, eddie, ada):
        token, plaintext = users.create_token(SYSTEM, account, "matrix script")
        tokens[account.username], token_ids[account.username] = plaintext, token.id
    as_rita, as_rob = factories.actor_for(rita), factories.actor_for(rob)
    document = replace(documents.read_text(ARTICLE_TEXT), url="https://news.example/council")
    article, _ = articles.import_document(
        as_rita,
        articles.with_metadata(
            document,
            title="Council budget round-up",
            publisher="City News",
            byline="Sam Park",
            published=date(2024, 3, 1),
        ),
    )
    article2 = factories.article(rob, "The port handled 3 million containers in 2023.")
    revisions.paste_revision(
        as_rob, article2.id, "The port handled 3.2 million containers in 2023."
    )
    by_quote = {c.quote: c.id for c in Claim.select().where(Claim.article == article.id)}
    ratings = {r.slug: r.id for r in Rating.select()}

    s_snap = factories.source("Education department report", url="https://edu.example/report")
    snap = factories.snapshot(s_snap, REPORT)
    s_hand = factories.source("Interview with the mayor")
    s_other = factories.source("Housing agency bulletin")
    s_spare = factories.source("Harbour authority figures", url="https://port.example/figures")
    snap_spare = factories.snapshot(s_spare, BULLETIN)
    citation = sources.add_citation(as_rita, s_snap.id, s_hand.id, "page 2")

    c_research, c_proposed = by_quote["2024"], by_quote["4.1 percent"]
    c_approved, c_dismissed = by_quote["2,400 teachers"], by_quote["31 schools"]
    c_spare = by_quote["9 percent"]
    ev_research = evidence.add_evidence(
        as_rita, c_research, s_snap.id, excerpt="rose by 12 percent in 2024", stance="supports"
    )
    ev_proposed = evidence.add_evidence(
        as_rob,
        c_proposed,
        s_snap.id,
        excerpt="Unemployment was 4.3 percent in March",
        stance="refutes",
        locator="paragraph 2",
    )
    v_proposed = verdicts.propose_verdict(
        as_rita,
        c_proposed,
        rating_id=ratings["mostly-false"],
        confidence_value=60,
        rationale="The department gives 4.3 percent, not 4.1.",
    )
    ev_approved = evidence.add_evidence(
        as_rita, c_approved, s_snap.id, excerpt="The city employs 2,400 teachers", stance="supports"
    )
    v_approved = verdicts.propose_verdict(
        as_rita,
        c_approved,
        rating_id=ratings["true"],
        confidence_value=90,
        rationale="The department's report gives the same figure.",
    )
    verdicts.approve_verdict(factories.actor_for(eddie), v_approved.id)
    claim_service.dismiss_claim(
        as_rob, c_dismissed, version(Claim, c_dismissed), "Part of the teachers claim."
    )
    claim_service.assign_claim(as_rob, c_spare, version(Claim, c_spare), rob.id)
    # As an article revision leaves it: the approved claim's words changed under its verdict.
    Claim.update(needs_recheck=True, recheck_since=utcnow(), anchor_state="changed").where(
        Claim.id == c_approved
    ).execute()
    return Data(
        rita=rita,
        rob=rob,
        eddie=eddie,
        ada=ada,
        tokens=tokens,
        token_ids=token_ids,
        article=article.id,
        article2=article2.id,
        c_new=by_quote["$48 million"],
        c_new2=by_quote["12 percent"],
        c_research=c_research,
        c_proposed=c_proposed,
        c_approved=c_approved,
        c_dismissed=c_dismissed,
        c_spare=c_spare,
        s_snap=s_snap.id,
        s_hand=s_hand.id,
        s_other=s_other.id,
        s_spare=s_spare.id,
        snap=snap.id,
        snap_spare=snap_spare.id,
        content_spare=snap_spare.content_id,
        citation=citation.id,
        ev_research=ev_research.id,
        ev_proposed=ev_proposed.id,
        ev_approved=ev_approved.id,
        v_proposed=v_proposed.id,
        v_approved=v_approved.id,
        ratings=ratings,
    )


@pytest.fixture(autouse=True)
def offline(
    no_network: NetworkGuard, fake_dns: FakeDNS, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No connection leaves the machine; a re-fetch gets a changed copy of the report."""
    if database_url.startswith("postgresql"):
        no_network.allow_port(5432)

    def fetch(url: str, **options: Any) -> Any:
        return factories.fetched(url, REPORT_V2)

    monkeypatch.setattr(fetcher, "fetch", fetch)


@pytest.fixture
def data(app: Flask) -> Data:
    app.config.update(
        PUBLISHER_NAME="Desk", PUBLISHER_URL="https://desk.example",
        PUBLIC_BASE_URL="https://desk.example/checks",
    )  # fmt: skip
    return build()


# A valid request for every write endpoint ------------------------------------------------------

# endpoint -> (URL values, body): a form for the HTML views (the CSRF token is added when sent),
# JSON for the API (None: no body). Each one succeeds for a role the policy allows.
Payload = tuple[dict[str, Any], dict[str, Any] | None]
Builder = Callable[[Data, User], Payload]
PAYLOADS: dict[str, Builder] = {}


def payload(*endpoints: str) -> Callable[[Builder], Builder]:
    def register(builder: Builder) -> Builder:
        for endpoint in endpoints:
            PAYLOADS[endpoint] = builder
        return builder

    return register


def assignee_for(d: Data, user: User) -> int:
    """Reviewers may only take a claim themselves; editors assign anyone."""
    return user.id if user.role == "reviewer" else d.rob.id


@payload("auth.logout")
def _logout(d: Data, user: User) -> Payload:
    return {}, {}


@payload("people.end_sessions")
def _end_sessions(d: Data, user: User) -> Payload:
    return {"user_id": d.rob.id}, {}


@payload("auth.change_password")
def _change_password(d: Data, user: User) -> Payload:
    return {}, {"current_password": factories.PASSWORD, "new_password": NEW_PASSWORD}


@payload("auth.create_token")
def _create_token(d: Data, user: User) -> Payload:
    return {}, {"name": "Nightly export"}


@payload("auth.revoke_token")
def _revoke_token(d: Data, user: User) -> Payload:
    return {"token_id": d.token_ids[user.username]}, {}


@payload("articles.create")
def _import(d: Data, user: User) -> Payload:
    return {}, {
        "text": "The harbour dredging cost $12 million in 2022.",
        "url": "",
        "title": "Harbour dredging",
        "publisher": "Harbour Times",
        "byline": "Kim Lee",
        "published": "2024-05-01",
    }


@payload("articles.add_claim")
def _add_claim(d: Data, user: User) -> Payload:
    start = ARTICLE_TEXT.index("flood wall")
    return {"article_id": d.article}, {
        "start": start,
        "end": start + len("flood wall"),
        "kind": "entity",
        "statement": "The council approved a flood wall.",
    }


@payload("articles.merge")
def _merge(d: Data, user: User) -> Payload:
    return {"article_id": d.article}, {"claims": [d.c_new, d.c_new2]}


@payload("articles.update")
def _edit_article(d: Data, user: User) -> Payload:
    return {"article_id": d.article}, {
        "version": version(Article, d.article),
        "title": "Council budget, revised",
        "url": "https://news.example/council-budget",
        "publisher": "City News Weekly",
        "byline": "Sam Park and Kim Lee",
        "published": "2024-03-02",
    }


@payload("claims.update")
def _edit_claim(d: Data, user: User) -> Payload:
    return {"claim_id": d.c_new}, {
        "version": version(Claim, d.c_new),
        "statement": "The council approved a flood wall costing $48 million.",
        "kind": "money",
    }


@payload("claims.dismiss")
def _dismiss(d: Data, user: User) -> Payload:
    return {"claim_id": d.c_new2}, {
        "version": version(Claim, d.c_new2),
        "reason": "Already covered by another check.",
    }


@payload("claims.restore")
def _restore(d: Data, user: User) -> Payload:
    return {"claim_id": d.c_dismissed}, {"version": version(Claim, d.c_dismissed)}


@payload("claims.split")
def _split(d: Data, user: User) -> Payload:
    claim = Claim.get_by_id(d.c_new)
    at = word_boundaries(ARTICLE_TEXT, claim.start, claim.end)[0]
    return {"claim_id": d.c_new}, {"version": claim.version, "at": at}


@payload("claims.add_evidence")
def _add_evidence(d: Data, user: User) -> Payload:
    return {"claim_id": d.c_new}, {
        "source": f"#{d.s_snap}",
        "excerpt": "The city employs 2,400 teachers",
        "stance": "context",
        "locator": "paragraph 3",
        "note": "Same report, another figure.",
        "stated_value": "2,400 teachers",
    }


@payload("claims.attribute")
def _attribute(d: Data, user: User) -> Payload:
    return {"claim_id": d.c_new}, {"version": version(Claim, d.c_new), "source": f"#{d.s_hand}"}


@payload("claims.update_evidence")
def _edit_evidence(d: Data, user: User) -> Payload:
    return {"evidence_id": d.ev_research}, {
        "version": version(Evidence, d.ev_research),
        "excerpt": "rose by 12 percent in 2024",
        "stance": "mixed",
        "locator": "paragraph 1",
        "note": "Checked again.",
        "stated_value": "12 percent",
    }


@payload("claims.remove_evidence")
def _remove_evidence(d: Data, user: User) -> Payload:
    return {"evidence_id": d.ev_research}, {"version": version(Evidence, d.ev_research)}


@payload("claims.propose")
def _propose(d: Data, user: User) -> Payload:
    return {"claim_id": d.c_research}, {
        "version": version(Claim, d.c_research),
        "rating": d.ratings["mostly-true"],
        "confidence": "65",
        "rationale": "The report supports the year, not the size of the rise.",
    }


@payload("claims.approve")
def _approve(d: Data, user: User) -> Payload:
    return {"verdict_id": d.v_proposed}, {}


@payload("articles.add_revision", "api.add_revision")
def _add_revision(d: Data, user: User) -> Payload:
    return {"article_id": d.article}, {
        "text": ARTICLE_TEXT.replace("$48 million", "$52 million") + "7 bridges were closed.\n"
    }


@payload("articles.refetch")
def _refetch_article(d: Data, user: User) -> Payload:
    return {"article_id": d.article}, {}


@payload("claims.confirm_recheck", "api.confirm_recheck")
def _confirm_recheck(d: Data, user: User) -> Payload:
    return {"claim_id": d.c_approved}, {"version": version(Claim, d.c_approved)}


@payload("claims.decide_match")
def _decide_match(d: Data, user: User) -> Payload:
    return {"claim_id": d.c_new, "other_id": other_article_claim(d)}, {"confirm": "1"}


@payload("api.decide_match")
def _api_decide_match(d: Data, user: User) -> Payload:
    return {"claim_id": d.c_new, "other_id": other_article_claim(d)}, {"confirm": True}


def other_article_claim(d: Data) -> int:
    return int(Claim.select(Claim.id).where(Claim.article == d.article2).first().id)


@payload("claims.reject")
def _reject(d: Data, user: User) -> Payload:
    return {"verdict_id": d.v_proposed}, {"comment": "Quote the ministry's own figure."}


@payload("claims.start")
def _start(d: Data, user: User) -> Payload:
    return {"claim_id": d.c_new}, {"version": version(Claim, d.c_new)}


@payload("claims.reopen")
def _reopen(d: Data, user: User) -> Payload:
    return {"claim_id": d.c_approved}, {
        "version": version(Claim, d.c_approved),
        "reason": "The department corrected its report.",
    }


@payload("claims.assign")
def _assign(d: Data, user: User) -> Payload:
    return {"claim_id": d.c_new}, {
        "version": version(Claim, d.c_new),
        "assignee": assignee_for(d, user),
    }


@payload("ratings.create")
def _new_rating(d: Data, user: User) -> Payload:
    return {}, {
        "version": "1",
        "label": "Satire",
        "numeric": "",
        "description": "Not meant to be taken literally.",
    }


@payload("ratings.update")
def _edit_rating(d: Data, user: User) -> Payload:
    rating = d.ratings["misleading"]
    return {"rating_id": rating}, {
        "version": version(Rating, rating),
        "label": "Misleading (context missing)",
        "numeric": "",
        "description": "True words, false impression.",
    }


@payload("ratings.move")
def _move_rating(d: Data, user: User) -> Payload:
    return {"rating_id": d.ratings["mostly-true"], "direction": "up"}, {}


@payload("ratings.delete")
def _delete_rating(d: Data, user: User) -> Payload:
    return {"rating_id": d.ratings["not-checkable"]}, {}


@payload("sources.create")
def _new_source(d: Data, user: User) -> Payload:
    return {}, {
        "url": "",
        "title": "Budget hearing minutes",
        "publisher": "City council",
        "author": "The clerk",
        "published": "2024-03-02",
        "kind": "primary_document",
        "reliability": "4",
        "reliability_note": "Official minutes.",
    }


@payload("sources.update")
def _edit_source(d: Data, user: User) -> Payload:
    return {"source_id": d.s_hand}, {
        "version": version(Source, d.s_hand),
        "url": "",
        "title": "Interview with the mayor (transcript)",
        "publisher": "City hall",
        "author": "Press office",
        "published": "2024-02-10",
        "kind": "official_statement",
        "reliability": "3",
        "reliability_note": "Transcript checked against the recording.",
    }


@payload("sources.refetch", "api.refetch_source")
def _refetch(d: Data, user: User) -> Payload:
    return {"source_id": d.s_snap}, None


@payload("sources.cite")
def _cite(d: Data, user: User) -> Payload:
    return {"source_id": d.s_hand}, {"cited": f"#{d.s_other}", "note": "footnote 4"}


@payload("sources.uncite")
def _uncite(d: Data, user: User) -> Payload:
    return {"citation_id": d.citation}, {}


@payload("people.create_user")
def _new_user(d: Data, user: User) -> Payload:
    return {}, {
        "username": "nina",
        "display_name": "Nina",
        "role": "reviewer",
        "password": NEW_PASSWORD,
    }


@payload("people.update_user")
def _edit_user(d: Data, user: User) -> Payload:
    return {"user_id": d.rob.id}, {"display_name": "Robert", "role": "editor", "active": "y"}


@payload("api.import_article")
def _api_import(d: Data, user: User) -> Payload:
    return {}, {
        "text": "The tram line carried 80,000 riders a day in 2023.",
        "url": None,
        "title": "Tram ridership",
        "publisher": "Metro Weekly",
        "byline": "Ana Ruiz",
        "published": "2024-06-01",
    }


@payload("api.edit_claim")
def _api_edit_claim(d: Data, user: User) -> Payload:
    return {"claim_id": d.c_new}, {
        "version": version(Claim, d.c_new),
        "statement": "The flood wall costs $48 million.",
        "kind": "money",
    }


@payload("api.add_source")
def _api_add_source(d: Data, user: User) -> Payload:
    return {}, {
        "url": None,
        "title": "Transit authority ridership table",
        "publisher": "Transit authority",
        "author": None,
        "published": "2024-01-15",
        "kind": "dataset",
        "reliability": 4,
        "reliability_note": "Published yearly.",
        "keep_without_snapshot": False,
    }


@payload("api.edit_source")
def _api_edit_source(d: Data, user: User) -> Payload:
    return {"source_id": d.s_hand}, {
        "version": version(Source, d.s_hand),
        "url": None,
        "title": "Mayor interview, full transcript",
        "publisher": "City hall",
        "author": "Press office",
        "published": "2024-02-10",
        "kind": "official_statement",
        "reliability": 3,
        "reliability_note": "Checked.",
    }


@payload("api.add_citation")
def _api_cite(d: Data, user: User) -> Payload:
    return {"source_id": d.s_hand}, {"cited_id": d.s_other, "note": "footnote 4"}


@payload("api.add_evidence")
def _api_add_evidence(d: Data, user: User) -> Payload:
    return {"claim_id": d.c_new}, {
        "source_id": d.s_snap,
        "excerpt": "The city employs 2,400 teachers",
        "stance": "context",
        "locator": "paragraph 3",
        "note": "Same report.",
        "stated_value": "2,400 teachers",
    }


@payload("api.edit_evidence")
def _api_edit_evidence(d: Data, user: User) -> Payload:
    return {"evidence_id": d.ev_research}, {
        "version": version(Evidence, d.ev_research),
        "excerpt": "rose by 12 percent in 2024",
        "stance": "mixed",
        "locator": "paragraph 1",
        "note": "Checked again.",
        "stated_value": "12 percent",
    }


@payload("api.attribute_claim")
def _api_attribute(d: Data, user: User) -> Payload:
    return {"claim_id": d.c_new}, {"version": version(Claim, d.c_new), "source_id": d.s_hand}


@payload("api.propose_verdict")
def _api_propose(d: Data, user: User) -> Payload:
    return {"claim_id": d.c_research}, {
        "version": version(Claim, d.c_research),
        "rating": "mostly-true",
        "confidence": 65,
        "rationale": "The report supports the year, not the size of the rise.",
    }


@payload("api.approve_verdict")
def _api_approve(d: Data, user: User) -> Payload:
    return {"verdict_id": d.v_proposed}, None


@payload("api.reject_verdict")
def _api_reject(d: Data, user: User) -> Payload:
    return {"verdict_id": d.v_proposed}, {"comment": "Quote the ministry's own figure."}


@payload("api.transition_claim")
def _api_transition(d: Data, user: User) -> Payload:
    return {"claim_id": d.c_new}, {
        "version": version(Claim, d.c_new),
        "to": "in_research",
        "reason": "",
    }


@payload("api.assign_claim")
def _api_assign(d: Data, user: User) -> Payload:
    return {"claim_id": d.c_new}, {
        "version": version(Claim, d.c_new),
        "assignee_id": assignee_for(d, user),
    }


# Routes and requests -----------------------------------------------------------------------


def write_routes(app: Flask) -> list[tuple[str, str]]:
    """(endpoint, method) of every rule accepting a write method, from the URL map."""
    found = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in (rule.methods or set()) & WRITE_METHODS
    }
    return sorted(found)


def get_routes(app: Flask) -> list[tuple[str, Any]]:
    """(endpoint, rule) of every rule answering GET, static files aside."""
    return sorted(
        (rule.endpoint, rule)
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or set()) and rule.endpoint != "static"
    )


def build_url(app: Flask, endpoint: str, values: dict[str, Any], method: str) -> str:
    return app.url_map.bind("localhost").build(endpoint, values, method=method)


@dataclass
class Caller:
    """One person: a signed-in browser (with its session's CSRF token) and an API client sending
    their bearer token. Anonymous: a browser that only opened the login page, and no token."""

    role: str
    user: User | None
    browser: FlaskClient
    api: FlaskClient
    csrf: str

    def relogin(self) -> None:
        """Sign in again (after a request that ended this session, rolled back since)."""
        assert self.user is not None
        self.browser = self.browser.application.test_client()
        assert login(self.browser, self.user.username).status_code == 302
        self.csrf = csrf_token(self.browser.get("/account").text)

    def send(self, endpoint: str, method: str, url: str, body: dict[str, Any] | None) -> Any:
        if endpoint.startswith("api."):
            return self.api.open(url, method=method, json=body)
        return self.browser.open(url, method=method, data={**(body or {}), "csrf_token": self.csrf})


def caller(app: Flask, d: Data, role: str, user: User | None = None) -> Caller:
    """A caller in `role`: the matrix's account for it, or `user`."""
    user = user or d.user(role)
    browser, api = app.test_client(), app.test_client()
    if user is None:
        page = browser.get("/login")
    else:
        assert login(browser, user.username).status_code == 302
        page = browser.get("/account")
        api.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {d.tokens[user.username]}"
    return Caller(role, user, browser, api, csrf_token(page.text))


# Requests that end the caller's session (rolled back, but the browser's cookie is gone).
ENDS_SESSION = frozenset({"auth.logout", "auth.change_password"})


# Snapshots -----------------------------------------------------------------------------------

Rows = dict[str, list[dict[str, Any]]]


def snapshot() -> Rows:
    """Every row of every table in the database (the migrations' own bookkeeping included)."""
    rows: Rows = {}
    for table in sorted(db.get_tables()):
        if table in ("audit_text", "search_facet") or table.startswith("audit_text_"):
            # SQLite's contentless indexes (the trail's trigrams, migration 0010; the search
            # filters, 0013): derived and unreadable; search_facet's shadow tables are compared.
            continue
        cursor = db.execute_sql(f'SELECT * FROM "{table}" ORDER BY 1')
        names = [c[0] for c in cursor.description]
        rows[table] = [
            {n: bytes(v) if isinstance(v, memoryview) else v for n, v in zip(names, r, strict=True)}
            for r in cursor.fetchall()
        ]
    return rows


def event_summary(event: AuditEvent) -> dict[str, Any]:
    """What an audit event says, without its time, hash and request id."""
    return {
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "action": event.action,
        "entity_type": event.entity_type,
        "entity_id": event.entity_id,
        "after": json.loads(event.after) if event.after is not None else None,
        "ip": event.ip,
    }


def changed_tables(before: Rows, after: Rows) -> list[str]:
    return sorted(t for t in set(before) | set(after) if before.get(t) != after.get(t))


def new_events(before: Rows, after: Rows) -> list[AuditEvent]:
    """The events appended since `before` (the earlier ones must be untouched)."""
    old = before[AUDIT]
    assert after[AUDIT][: len(old)] == old, "an existing audit event changed"
    last = old[-1]["id"] if old else 0
    events = list(AuditEvent.select().where(AuditEvent.id > last).order_by(AuditEvent.id))
    assert len(events) == len(after[AUDIT]) - len(old)
    for event in events:
        assert event.request_id, "a request's event carries its request id"
    return events


def written(before: Rows) -> tuple[list[str], list[dict[str, Any]]]:
    """Tables changed since `before` other than the audit trail, and the new audit events."""
    after = snapshot()
    others = [t for t in changed_tables(before, after) if t != AUDIT]
    return others, [event_summary(e) for e in new_events(before, after)]


def refused_writing_nothing(before: Rows, status: int) -> bool:
    """Nothing written but, for a 403, the one access.denied event that records the refusal."""
    tables, events = written(before)
    expected = ["access.denied"] if status == 403 else []
    return tables == [] and [e["action"] for e in events] == expected


def reset_sequences() -> None:
    """PostgreSQL does not roll sequences back: put each where the table's rows say."""
    if not is_postgres():
        return
    for model in MODELS:
        table = model._meta.table_name
        db.execute_sql(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
            f'COALESCE((SELECT MAX(id) FROM "{table}"), 0) + 1, false)'
        )


@contextmanager
def rolled_back() -> Iterator[None]:
    """Run a request that may write, then undo everything it wrote."""
    with db.atomic() as transaction:
        yield
        transaction.rollback()
    reset_sequences()


def denial_event(user: User, endpoint: str, path: str) -> dict[str, Any]:
    """The security event of a refused request (AC-05): actor, route, path with the object id."""
    return {
        "actor_id": user.id,
        "actor_name": user.username,
        "action": "access.denied",
        "entity_type": "security",
        "entity_id": None,
        "after": {"endpoint": endpoint, "path": path, "needs": POLICY[endpoint]},
        "ip": "127.0.0.1",
    }


def assert_refused(response: TestResponse, role: str, api: bool, where: str) -> None:
    if role == "anonymous" and api:
        assert response.status_code == 401, where
        assert response.json is not None and response.json["error"]["code"] == "unauthenticated"
    elif role == "anonymous":
        assert response.status_code == 302, where
        assert response.headers["Location"].startswith("/login"), where
    else:
        assert response.status_code == 403, (where, response.status_code)
        if api:
            assert response.json is not None and response.json["error"]["code"] == "forbidden"


# AC-02 / AC-05 / AC-07: the matrix ------------------------------------------------------------


def test_every_write_endpoint_has_a_request_and_a_policy(app):
    routes = write_routes(app)
    assert len(routes) > 40
    endpoints = {endpoint for endpoint, _ in routes}
    # A new write route fails here until it gets a valid request (and a POLICY row).
    assert endpoints - {"auth.login"} == set(PAYLOADS)
    assert endpoints <= set(POLICY)
    assert [e for e in endpoints if POLICY[e] == "public"] == ["auth.login"]


@pytest.mark.parametrize("role", ROLES)
def test_write_matrix_refuses_lower_roles_and_writes_nothing(app, data, role):
    """Each write route with a request that would succeed: below the route's role it is refused
    (login / 401 / 403) with nothing written but the access.denied event naming the actor, the
    route and the object's path; at or above it, the same request goes through and writes
    (rolled back). The reviewer is rob and the objects are mostly rita's (IDOR); the API is
    called with the caller's bearer token, the HTML views with their session's CSRF token."""
    who = caller(app, data, role)
    refused, allowed = [], []
    for endpoint, method in write_routes(app):
        if POLICY[endpoint] == "public":
            continue
        user = who.user or data.rita
        values, body = PAYLOADS[endpoint](data, user)
        url = build_url(app, endpoint, values, method)
        api = endpoint.startswith("api.")
        where = f"{role} {method} {url} ({endpoint})"
        before = snapshot()
        if LEVEL[role] < LEVEL[POLICY[endpoint]]:
            response = who.send(endpoint, method, url, body)
            assert_refused(response, role, api, where)
            tables, events = written(before)
            assert tables == [], f"{where} wrote to {tables}"
            if who.user is None:
                assert events == [], where  # refused before any account is known
            else:
                assert events == [denial_event(who.user, endpoint, url)], where
                # The object's id is in the recorded path.
                for name, value in values.items():
                    if name.endswith("_id"):
                        assert f"/{value}" in events[0]["after"]["path"], where
            refused.append(endpoint)
            continue
        with rolled_back():
            response = who.send(endpoint, method, url, body)
            assert response.status_code in (200, 201, 302), (where, response.status_code)
            if response.status_code == 302 and endpoint != "auth.logout":
                assert not response.headers["Location"].startswith("/login"), where
            tables, events = written(before)
            actions = {e["action"] for e in events}
            assert actions and not actions & REFUSALS, (where, actions)
        assert snapshot() == before, f"{where}: the rollback left rows behind"
        if endpoint in ENDS_SESSION:
            who.relogin()
        allowed.append(endpoint)
    expected_refused = sorted(
        e for e, _ in write_routes(app) if POLICY[e] != "public" and LEVEL[role] < LEVEL[POLICY[e]]
    )
    assert sorted(refused) == expected_refused
    assert len(refused) + len(allowed) == len(write_routes(app)) - 1


def test_api_writes_need_the_same_role_as_their_html_twins(app):
    routes = dict(write_routes(app))
    for api_endpoint, html_endpoint in API_TWINS.items():
        assert api_endpoint in routes and html_endpoint in routes
        assert POLICY[api_endpoint] == POLICY[html_endpoint], api_endpoint
    api_writes = {e for e in routes if e.startswith("api.")}
    assert api_writes == set(API_TWINS)


def test_a_reviewer_cannot_reopen_through_the_api_transition(app, data):
    """POST /api/claims/<id>/transition is open to reviewers, but moving an approved claim back
    to research is an editor's decision there too, as on the HTML reopen route."""
    who = caller(app, data, "reviewer")
    url = f"/api/claims/{data.c_approved}/transition"
    body = {"version": version(Claim, data.c_approved), "to": "in_research", "reason": "Redo."}
    before = snapshot()
    response = who.api.post(url, json=body)
    assert response.status_code == 403
    assert response.json is not None and response.json["error"]["code"] == "forbidden"
    assert refused_writing_nothing(before, response.status_code)
    editor = caller(app, data, "editor")
    with rolled_back():
        assert editor.api.post(url, json=body).status_code == 200


# Object-level rules (AC-02 "owner" column) ------------------------------------------------


def test_the_author_of_a_verdict_cannot_approve_it(app, data):
    """Four eyes: an editor who proposed a verdict cannot approve it (HTML and API), and nothing
    is written; another editor can."""
    author = caller(app, data, "editor")
    own = verdicts.propose_verdict(
        factories.actor_for(data.eddie),
        data.c_research,
        rating_id=data.ratings["half-true"],
        confidence_value=50,
        rationale="Half of it checks out.",
    )
    for send in (
        lambda: author.send("claims.approve", "POST", f"/claims/verdicts/{own.id}/approve", {}),
        lambda: author.api.post(f"/api/verdicts/{own.id}/approve"),
    ):
        before = snapshot()
        response = send()
        assert response.status_code == 403
        assert "Four eyes" in response.text
        assert refused_writing_nothing(before, response.status_code)
    assert Verdict.get_by_id(own.id).state == "proposed"
    admin = caller(app, data, "admin")
    with rolled_back():
        assert admin.api.post(f"/api/verdicts/{own.id}/approve").status_code == 200


def test_a_reviewer_cannot_assign_others_or_take_anothers_claim(app, data):
    """Reviewers take a claim or let it go; assigning someone else, or unassigning a claim
    another reviewer holds, is refused (form: not a choice; API: 403) with nothing written."""
    rita = caller(app, data, "reviewer", data.rita)
    attempts = [
        # (endpoint, claim, body, status): rob's claim c_spare, the unassigned c_new
        ("claims.assign", data.c_new, {"assignee": data.rob.id}, 422),
        ("claims.assign", data.c_spare, {"assignee": ""}, 403),
        ("claims.assign", data.c_spare, {"assignee": data.rita.id}, 403),
        ("api.assign_claim", data.c_new, {"assignee_id": data.rob.id}, 403),
        ("api.assign_claim", data.c_spare, {"assignee_id": None}, 403),
        ("api.assign_claim", data.c_spare, {"assignee_id": data.rita.id}, 403),
    ]
    for endpoint, claim_id, body, status in attempts:
        body = {**body, "version": version(Claim, claim_id)}
        method = "PUT" if endpoint.startswith("api.") else "POST"
        url = build_url(app, endpoint, {"claim_id": claim_id}, method)
        before = snapshot()
        response = rita.send(endpoint, method, url, body)
        assert response.status_code == status, (url, body, response.status_code)
        assert refused_writing_nothing(before, response.status_code), (url, body)
    assert Claim.get_by_id(data.c_spare).assignee_id == data.rob.id
    assert Claim.get_by_id(data.c_new).assignee_id is None


def test_a_token_of_another_user_cannot_be_revoked(app, data):
    """IDOR on the account page: another user's token id is a 404 and stays valid."""
    rob = caller(app, data, "reviewer")
    for victim in ("rita", "eddie", "ada"):
        url = f"/account/tokens/{data.token_ids[victim]}/revoke"
        before = snapshot()
        response = rob.send("auth.revoke_token", "POST", url, {})
        assert response.status_code == 404, victim
        assert written(before) == ([], [])
        headers = {"Authorization": f"Bearer {data.tokens[victim]}"}
        assert app.test_client().get("/api/me", headers=headers).status_code == 200


def test_an_admin_cannot_demote_or_deactivate_themselves(app, data):
    """The last guard against locking the newsroom out: refused (422), nothing written."""
    admin = caller(app, data, "admin")
    url = f"/admin/users/{data.ada.id}"
    for form in (
        {"display_name": "Ada", "role": "editor", "active": "y"},
        {"display_name": "Ada", "role": "admin"},
    ):
        before = snapshot()
        response = admin.send("people.update_user", "POST", url, form)
        assert response.status_code == 422
        assert written(before) == ([], [])
    assert User.get_by_id(data.ada.id).role == "admin"


def test_evidence_is_shared_and_verdicts_are_never_edited(app, data):
    """The documented sharing model (one newsroom): any reviewer may correct any evidence; a
    verdict is never edited, only proposed, then approved or sent back by an editor; a second
    proposal while another reviewer's verdict waits is refused with nothing written."""
    verdict_writes = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "verdict" in rule.rule and (rule.methods or set()) & WRITE_METHODS
    }
    assert verdict_writes == {
        "claims.propose", "claims.approve", "claims.reject",
        "api.propose_verdict", "api.approve_verdict", "api.reject_verdict",
    }  # fmt: skip
    assert {POLICY[e] for e in verdict_writes - {"claims.propose", "api.propose_verdict"}} == {
        "editor"
    }
    rob = caller(app, data, "reviewer")
    assert Evidence.get_by_id(data.ev_research).created_by_id == data.rita.id
    _, body = PAYLOADS["api.edit_evidence"](data, data.rob)
    with rolled_back():
        response = rob.api.patch(f"/api/evidence/{data.ev_research}", json=body)
        assert response.status_code == 200
        assert Evidence.get_by_id(data.ev_research).note == "Checked again."
    before = snapshot()
    response = rob.api.post(
        f"/api/claims/{data.c_proposed}/verdicts",
        json={"rating": "false", "confidence": 80, "rationale": "Mine instead."},
    )
    assert response.status_code == 409
    assert written(before) == ([], [])


def test_refusals_decided_by_a_service_leave_a_security_event(app, data):
    reviewer, editor = caller(app, data, "reviewer"), caller(app, data, "editor")
    own = verdicts.propose_verdict(
        factories.actor_for(data.eddie),
        data.c_research,
        rating_id=data.ratings["half-true"],
        confidence_value=50,
        rationale="Half of it checks out.",
    )
    attempts = [
        (editor, "api.approve_verdict", f"/api/verdicts/{own.id}/approve", None),
        (
            reviewer,
            "api.assign_claim",
            f"/api/claims/{data.c_new}/assignee",
            {"version": version(Claim, data.c_new), "assignee_id": data.rita.id},
        ),
        (
            reviewer,
            "api.transition_claim",
            f"/api/claims/{data.c_approved}/transition",
            {"version": version(Claim, data.c_approved), "to": "in_research", "reason": "x"},
        ),
    ]
    for who, endpoint, url, body in attempts:
        before = snapshot()
        method = "PUT" if endpoint == "api.assign_claim" else "POST"
        response = who.send(endpoint, method, url, body)
        assert response.status_code == 403
        tables, events = written(before)
        assert tables == []
        assert len(events) == 1 and events[0]["action"] == "access.denied", url
        assert who.user is not None and events[0]["actor_id"] == who.user.id
        assert events[0]["after"]["path"] == url


def test_a_refused_attribution_stores_no_new_source(app, data):
    rob = caller(app, data, "reviewer")
    url = f"/claims/{data.c_new}/attribution"
    stale = {"version": version(Claim, data.c_new) + 1, "source": "https://new.example/statement"}
    before = snapshot()
    response = rob.send("claims.attribute", "POST", url, stale)
    assert response.status_code == 409
    assert written(before) == ([], [])


# AC-03: mass assignment ------------------------------------------------------------------------

# Fields a client must never set, beyond every column of every model (added below).
FORBIDDEN_FIELDS = (
    "owner_id", "user_id", "status", "verdict", "is_admin", "created_at", "id", "created_by",
    "role", "version", "state", "sha256",
)  # fmt: skip
SPECIAL_VALUES: dict[str, Any] = {
    "status": "approved",
    "state": "approved",
    "check_state": "dead",
    "quote_verified": "verified",
    "stance": "refutes",
    "role": "admin",
    "is_admin": True,
    "active": False,
    "current": True,
    "version": 777,
    "session_generation": 99,
    "http_status": 599,
    "check_status": 599,
    "url_key": "https://evil.example/",
    "id": 999_999,
}
HASHES = ("sha256", "text_sha256", "hash", "prev_hash", "token_hash", "password_hash")


def hostile_fields(d: Data) -> dict[str, Any]:
    """A value for every column name of every model (and its `_id` form) and the checklist's
    names, each one different from what any service would write in the matrix."""
    refs: dict[type[peewee.Model], int] = {
        User: d.rob.id,
        Article: d.article2,
        Claim: d.c_spare,
        Source: d.s_spare,
        Snapshot: d.snap_spare,
        ArchivedContent: d.content_spare,
        Rating: d.ratings["false"],
    }
    values: dict[str, Any] = {"owner_id": d.rob.id, "user_id": d.rob.id, "verdict": "true"}
    for model in MODELS:
        for name, column in model._meta.fields.items():
            if isinstance(column, peewee.ForeignKeyField):
                value: Any = refs.get(column.rel_model, 999_999)
            elif name in SPECIAL_VALUES:
                value = SPECIAL_VALUES[name]
            elif name in HASHES:
                value = "0" * 64
            elif isinstance(column, peewee.BooleanField):
                value = True
            elif isinstance(column, peewee.DateTimeField):
                value = "1999-12-31T23:59:59"
            elif isinstance(column, peewee.DateField):
                value = "1999-12-31"
            elif isinstance(column, peewee.IntegerField | peewee.FloatField):
                value = 3
            else:
                value = f"HOSTILE {name}"
            values.setdefault(name, value)
            values.setdefault(column.column_name, value)
    values.update({k: SPECIAL_VALUES[k] for k in SPECIAL_VALUES})
    assert set(FORBIDDEN_FIELDS) <= set(values)
    return values


def as_form_value(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?")
_TOKEN_PREFIX = re.compile(r"ct_[A-Za-z0-9_-]{7}")


def normalized(table: str, row: dict[str, Any], since: datetime) -> dict[str, Any]:
    """A row with what differs between two runs of one request made the same: times from this
    request on, random token parts, password salts, audit hashes and ids."""

    def recent(match: re.Match[str]) -> str:
        moment = datetime.fromisoformat(match.group(0).replace(" ", "T"))
        return "NOW" if moment >= since else match.group(0)

    out: dict[str, Any] = {}
    for name, value in row.items():
        if isinstance(value, datetime):
            value = value.isoformat(sep=" ")
        if isinstance(value, str):
            value = _TOKEN_PREFIX.sub("ct_TOKEN", _DATETIME.sub(recent, value))
        out[name] = value
    if table == AUDIT:
        for name in ("id", "hash", "prev_hash", "request_id"):
            out.pop(name)
    if table == ApiToken._meta.table_name:
        out["token_hash"] = out["prefix"] = "TOKEN"
    if table == User._meta.table_name:
        stored = row["password_hash"]
        out["password_hash"] = next(
            (
                f"verifies {p!r}"
                for p in (factories.PASSWORD, NEW_PASSWORD)
                if passwords.verify_password(stored, p)
            ),
            "verifies no known password",
        )
    return out


def row_changes(before: Rows, after: Rows, since: datetime) -> dict[str, Any]:
    """What a request wrote, table by table: rows added, removed and changed (before, after)."""
    diff: dict[str, Any] = {}
    for table in changed_tables(before, after):
        old = {r[next(iter(r))]: r for r in before.get(table, [])}
        new = {r[next(iter(r))]: r for r in after.get(table, [])}
        diff[table] = {
            "added": [normalized(table, new[k], since) for k in new if k not in old],
            "removed": [normalized(table, old[k], since) for k in old if k not in new],
            "changed": [
                (normalized(table, old[k], since), normalized(table, new[k], since))
                for k in new
                if k in old and new[k] != old[k]
            ],
        }
    return diff


MASS_ASSIGNMENT_ACTOR = {"reviewer": "rita", "editor": "eddie", "admin": "ada"}


def test_extra_fields_never_reach_a_column(app, data):
    """AC-03: every form and JSON body of every write route, sent once as the route expects and
    once with a hostile value for every column name (ids, owner, status, role, version, times,
    hashes...): the second writes exactly what the first wrote."""
    extras = hostile_fields(data)
    # Rita acts as the reviewer: rob is the owner every hostile user field names.
    callers = {
        role: caller(app, data, role, User.get(User.username == name))
        for role, name in MASS_ASSIGNMENT_ACTOR.items()
    }
    checked = []
    for endpoint, method in write_routes(app):
        if POLICY[endpoint] == "public":
            continue
        who = callers[POLICY[endpoint]]
        assert who.user is not None
        values, body = PAYLOADS[endpoint](data, who.user)
        url = build_url(app, endpoint, values, method)
        api = endpoint.startswith("api.")
        added = {
            k: (v if api else as_form_value(v))
            for k, v in extras.items()
            if k not in (body or {}) and k != "csrf_token"
        }
        outcomes = []
        for sent in (body, {**added, **(body or {})}):
            before, since = snapshot(), utcnow()
            with rolled_back():
                response = who.send(endpoint, method, url, sent)
                diff = row_changes(before, snapshot(), since)
            if endpoint in ENDS_SESSION:
                who.relogin()
            outcomes.append((response.status_code, diff))
        (status, clean), (hostile_status, dirty) = outcomes
        assert status in (200, 201, 302), (endpoint, status)
        assert clean, f"{endpoint} wrote nothing"
        assert hostile_status == status, (endpoint, hostile_status)
        assert dirty == clean, f"{endpoint}: extra fields changed what was written"
        checked.append(endpoint)
    assert len(checked) == len(PAYLOADS)


# CSRF-05: GET and HEAD change nothing ----------------------------------------------------------


def get_values(d: Data, rule: Any) -> dict[str, Any]:
    ids = {
        "article_id": d.article,
        "claim_id": d.c_approved,
        "evidence_id": d.ev_research,
        "verdict_id": d.v_approved,
        "source_id": d.s_snap,
        "snapshot_id": d.snap,
        "rating_id": d.ratings["misleading"],
        "user_id": d.rob.id,
        "event_id": AuditEvent.select(AuditEvent.id).order_by(AuditEvent.id).scalar(),
        "token_id": d.token_ids["ada"],
        "citation_id": d.citation,
    }
    if rule.endpoint in ("articles.revision", "articles.diff"):
        # The article with two revisions: its first one, and what changed in its second.
        ids.update(article_id=d.article2, number=1)
    return {name: ids[name] for name in rule.arguments}


def observe_reads(app: Flask, d: Data) -> dict[str, tuple[int, list[str], list[dict[str, Any]]]]:
    """GET then HEAD on every GET route as the admin, real ids in the path: for each
    (endpoint, method) the status, tables written other than the trail, and new events."""
    admin = caller(app, d, "admin")
    seen = {}
    for endpoint, rule in get_routes(app):
        url = build_url(app, endpoint, get_values(d, rule), "GET")
        for method in ("GET", "HEAD"):
            before = snapshot()
            response = admin.browser.open(url, method=method)
            if method == "GET":
                response.get_data()  # a streamed body runs to its end
            tables, events = written(before)
            seen[f"{method} {endpoint}"] = (response.status_code, tables, events)
    return seen


def test_get_and_head_routes_are_side_effect_free(app, data):
    seen = observe_reads(app, data)
    assert len(seen) > 80
    export_event = {
        "actor_id": data.ada.id,
        "actor_name": "ada",
        "action": "audit.export",
        "entity_type": "audit_event",
        "entity_id": None,
        "after": {},
        "ip": "127.0.0.1",
    }
    for key, (status, tables, events) in seen.items():
        endpoint = key.split()[1]
        expected = 302 if endpoint == "auth.login" else 200  # signed in already: sent on
        assert status == expected, (key, status)
        assert tables == [], f"{key} wrote to {tables}"
        if endpoint == "audit.export":
            assert events == [export_event], key
        else:
            assert events == [], f"{key} wrote {events}"


def test_the_documented_get_side_effects_are_exactly_the_observed_ones(app, data):
    seen = observe_reads(app, data)
    writers = {key.split()[1] for key, (_, tables, events) in seen.items() if tables or events}
    assert writers == set(GET_SIDE_EFFECTS)
    assert all(why.strip() for why in GET_SIDE_EFFECTS.values())


# CSRF-02: a token from another session -------------------------------------------------------


def test_a_token_from_another_session_is_refused_and_writes_nothing(app, data):
    """The admin's browser sends a valid token taken from another user's session, on every
    write route (HTML forms, and the API through the browser session with the token in
    X-CSRFToken): 400, nothing written but the csrf.refused event; the same for the login form
    posted with a signed-in user's token."""
    admin, rob = caller(app, data, "admin"), caller(app, data, "reviewer")
    foreign = rob.csrf
    assert foreign != admin.csrf

    def refused_event(user: User | None, path: str) -> dict[str, Any]:
        return {
            "actor_id": user.id if user else None,
            "actor_name": user.username if user else "anonymous",
            "action": "csrf.refused",
            "entity_type": "security",
            "entity_id": None,
            "after": {"path": path, "reason": "The CSRF tokens do not match."},
            "ip": "127.0.0.1",
        }

    count = 0
    for endpoint, method in write_routes(app):
        body: dict[str, Any] | None
        if endpoint == "auth.login":
            url, body = "/login", {"username": "ada", "password": factories.PASSWORD}
            browser, user = app.test_client(), None
            browser.get("/login")
        else:
            values, body = PAYLOADS[endpoint](data, data.ada)
            url = build_url(app, endpoint, values, method)
            browser, user = admin.browser, data.ada
        before = snapshot()
        if endpoint.startswith("api."):
            response = browser.open(url, method=method, json=body, headers={"X-CSRFToken": foreign})
        else:
            response = browser.open(
                url, method=method, data={**(body or {}), "csrf_token": foreign}
            )
        assert response.status_code == 400, (endpoint, response.status_code)
        tables, events = written(before)
        assert tables == [], f"{endpoint} wrote to {tables}"
        assert events == [refused_event(user, url)], endpoint
        count += 1
    assert count == len(write_routes(app))
    # The admin's own token still works afterwards: the refusals changed nothing.
    with rolled_back():
        assert (
            admin.send("auth.create_token", "POST", "/account/tokens", {"name": "x"}).status_code
            == 201
        )
