"""Verdicts as a newsroom uses them (issue 6): the rating scale admins keep, a reviewer's
proposed verdict with its confidence beside the one the evidence suggests, the four-eyes
decision of an editor, the claim's workflow and its refusals, assignment and "my queue", the
dashboard, and the same operations through the JSON API. Real database, forms posted with the
CSRF token of the page, and what a user sees checked together with the rows and audit events."""

from __future__ import annotations

import json
import threading
from typing import Any

import lxml.html
import peewee
import pytest

from claims.db import db
from claims.models import CLAIM_STATUSES, AuditEvent, Claim, Evidence, Rating, User, Verdict
from claims.services import claims, evidence, users, verdicts
from claims.views import pages
from claims.views.pages import page_cache
from tests import factories
from tests.conftest import csrf_token, login, table_counts

# Articles whose text yields one claim each ("$4N million").
ARTICLES = tuple(f"The council approved a ${n} million flood wall." for n in range(41, 60))
# An article with two claims: "12 percent" and "2024".
TWO_CLAIMS = "The school budget rose by 12 percent in 2024."
# The finance department's page, archived: the excerpt below is found in it.
REPORT = b"""<!doctype html><html><head><title>Flood wall costs</title></head><body><main>
<p>The wall will run 4.5 km along the harbour.</p>
<p>The flood wall will cost $48 million, the finance department said.</p>
</main></body></html>"""
EXCERPT = "will cost $48 million"
DEFAULT_SCALE = [
    ("true", "True", 5),
    ("mostly-true", "Mostly true", 4),
    ("half-true", "Half true / mixed", 3),
    ("mostly-false", "Mostly false", 2),
    ("false", "False", 1),
    ("misleading", "Misleading", None),
    ("unproven", "Unproven (not enough evidence)", None),
    ("not-checkable", "Not checkable", None),
]
LABELS = [label for _, label, _ in DEFAULT_SCALE]
RATIONALE = "The finance department's statement gives the same figure."


# Helpers ----------------------------------------------------------------------------------------


def denied(before: dict[str, int]) -> dict[str, int]:
    """The table counts after a refusal: nothing written but one access.denied event."""
    last = AuditEvent.select().order_by(AuditEvent.id.desc()).first()
    assert last is not None and last.action == "access.denied"
    return {**before, "audit_event": before["audit_event"] + 1}


def a_claim(account: Any, text: str = ARTICLES[0]) -> Claim:
    """The first claim of an article imported by `account`."""
    article = factories.article(account, text)
    claim = Claim.select().where(Claim.article == article.id).order_by(Claim.id).first()
    assert claim is not None, "the article yields a claim"
    return claim


def fresh(claim: Claim) -> Claim:
    return Claim.get_by_id(claim.id)


def rating(slug: str) -> Rating:
    return Rating.get(Rating.slug == slug)


def attach(claim: Claim, account: Any, source: Any = None, stance: str = "supports") -> Evidence:
    """Evidence added through the service by `account` (a new claim moves to research)."""
    source = source or factories.source("Finance department report")
    return evidence.add_evidence(
        factories.actor_for(account), claim.id, source.id, excerpt=EXCERPT, stance=stance
    )


def propose_as(account: Any, claim: Claim, slug: str = "true", confidence: int = 70) -> Verdict:
    return verdicts.propose_verdict(
        factories.actor_for(account),
        claim.id,
        rating_id=rating(slug).id,
        confidence_value=confidence,
        rationale=RATIONALE,
    )


def drive(claim: Claim, state: str, reviewer: Any, editor: Any, slug: str = "true") -> Claim:
    """Bring a new claim to `state` through the services, as the newsroom would."""
    actor = factories.actor_for(reviewer)
    if state == "in_research":
        claims.start_research(actor, claim.id, claim.version)
    elif state == "dismissed":
        claims.dismiss_claim(actor, claim.id, claim.version, "An opinion, not a fact.")
    elif state in ("verdict_proposed", "approved"):
        if state == "approved":
            attach(claim, reviewer)
        verdict = propose_as(reviewer, claim, slug)
        if state == "approved":
            verdicts.approve_verdict(factories.actor_for(editor), verdict.id)
    else:
        assert state == "new"
    claim = fresh(claim)
    assert claim.status == state
    return claim


def signed_in(app: Any, username: str, role: str) -> Any:
    """A browser signed in as a new account."""
    factories.user(username, role)
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def api_as(app: Any, username: str) -> Any:
    """A client sending a token made on the command line, as a newsroom script would."""
    token = app.test_cli_runner().invoke(args=["users", "token", username]).output.strip()
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def tree(html: str) -> Any:
    return lxml.html.fromstring(html)


def words(element: Any) -> str:
    """An element's text as a reader sees it: white space collapsed."""
    return " ".join(element.text_content().split())


def claim_page(client: Any, claim_id: int) -> str:
    response = client.get(f"/claims/{claim_id}")
    assert response.status_code == 200
    return response.text


def forms(html: str, action: str) -> list[Any]:
    return tree(html).xpath(f"//form[@action='{action}']")


def form(html: str, action: str) -> Any:
    found = forms(html, action)
    assert found, f"no form posting to {action}"
    return found[0]


def form_messages(html: str, action: str) -> list[str]:
    """The messages shown above a form (errors that concern no one field)."""
    return [words(p) for p in form(html, action).xpath(".//div[@class='form-errors']/p")]


def field_errors(html: str, action: str, name: str) -> list[str]:
    control = form(html, action).xpath(f".//*[@name='{name}']")[0]
    box = control.xpath("ancestor::div[contains(@class, 'field')][1]")[0]
    return [words(p) for p in box.xpath(".//p[@class='error']")]


def version_in(html: str, action: str) -> int:
    return int(form(html, action).xpath(".//input[@name='version']")[0].get("value"))


def flashes(html: str) -> list[str]:
    return [words(p) for p in tree(html).xpath("//p[contains(@class, 'flash')]")]


def section(html: str, element_id: str) -> str:
    return words(tree(html).get_element_by_id(element_id))


def rating_options(html: str, claim_id: int) -> list[str]:
    """The ratings offered by the claim page's propose form, in their order."""
    select = form(html, f"/claims/{claim_id}/verdicts").xpath(".//select[@name='rating']")[0]
    return [words(o) for o in select.xpath("./option")]


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.select().where(AuditEvent.action == action).order_by(AuditEvent.id))


def claim_trail(claim_id: int) -> list[str]:
    """The actions recorded on a claim and on what belongs to it, in order."""
    query = AuditEvent.select().where(
        ((AuditEvent.entity_type == "claim") & (AuditEvent.entity_id == claim_id))
        | ((AuditEvent.parent_type == "claim") & (AuditEvent.parent_id == claim_id))
    )
    return [e.action for e in query.order_by(AuditEvent.id)]


def propose_form(client: Any, claim_id: int, slug: str, confidence: Any, rationale: str) -> Any:
    """Fill in and submit the claim page's "Propose a verdict" form."""
    html = claim_page(client, claim_id)
    action = f"/claims/{claim_id}/verdicts"
    return client.post(
        action,
        data={
            "csrf_token": csrf_token(html),
            "version": version_in(html, action),
            "rating": rating(slug).id,
            "confidence": confidence,
            "rationale": rationale,
        },
    )


def decide(client: Any, verdict: Verdict, move: str, comment: str | None = None) -> Any:
    """Press "Approve and publish" (or send back with a comment), with the page's token."""
    html = claim_page(client, verdict.claim_id)
    data = {"csrf_token": csrf_token(html)}
    if comment is not None:
        data["comment"] = comment
    return client.post(f"/claims/verdicts/{verdict.id}/{move}", data=data)


def decide_buttons(html: str, verdict_id: int) -> tuple[bool, bool]:
    """Whether the page offers (approve, send back) for a verdict."""
    return (
        bool(forms(html, f"/claims/verdicts/{verdict_id}/approve")),
        bool(forms(html, f"/claims/verdicts/{verdict_id}/reject")),
    )


def history_lines(html: str) -> list[str]:
    return [words(li) for li in tree(html).xpath("//ol[@class='verdict-history']/li")]


def current_step(html: str) -> str:
    return words(tree(html).xpath("//ol[@class='steps']/li[@aria-current='step']")[0])


def svg_desc(html: str, chart_id: str) -> str:
    return words(tree(html).xpath(f"//*[local-name()='desc'][@id='{chart_id}-desc']")[0])


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


def scale_rows() -> list[tuple[Any, ...]]:
    return list(
        Rating.select(Rating.id, Rating.slug, Rating.label, Rating.numeric, Rating.position)
        .order_by(Rating.id)
        .tuples()
    )


# 1. The default scale ---------------------------------------------------------------------------


def test_the_default_scale_is_data_in_its_order(app, reviewer_client, reviewer):
    api = api_as(app, "rita")
    response = api.get("/api/ratings")
    assert response.status_code == 200
    listed = response.json["ratings"]
    assert [(r["slug"], r["label"], r["numeric"]) for r in listed] == DEFAULT_SCALE
    assert set(listed[0]) == {
        "id",
        "slug",
        "label",
        "numeric",
        "position",
        "description",
        "version",
    }
    assert [r["position"] for r in listed] == sorted(r["position"] for r in listed)
    assert all(r["description"] and r["version"] == 1 for r in listed)
    assert [r.slug for r in verdicts.ratings()] == [slug for slug, _, _ in DEFAULT_SCALE]

    page = reviewer_client.get("/ratings/")
    assert page.status_code == 200
    rows = tree(page.text).xpath("//tbody/tr")
    assert [words(r.xpath("./th")[0]) for r in rows] == LABELS
    assert [words(r.xpath("./td")[0]) for r in rows] == ["5", "4", "3", "2", "1", "—", "—", "—"]
    claim = a_claim(reviewer)
    assert rating_options(claim_page(reviewer_client, claim.id), claim.id) == LABELS


# 2. The whole path ------------------------------------------------------------------------------


def test_from_import_to_a_published_verdict(app, reviewer_client, editor_client, reviewer, editor):
    page = reviewer_client.get("/articles/new")
    imported = reviewer_client.post(
        "/articles/new",
        data={"text": ARTICLES[7], "title": "Flood wall", "csrf_token": csrf_token(page.text)},
    )
    assert imported.status_code == 302
    claim = Claim.get()
    assert claim.status == "new"

    source = factories.source(
        "Finance department report", url="https://finance.example/wall", reliability=4
    )
    factories.snapshot(source, REPORT)  # p = (0.8 + 1) / 2.8: 64 on the true side
    html = claim_page(reviewer_client, claim.id)
    attached = reviewer_client.post(
        f"/claims/{claim.id}/evidence",
        data={
            "csrf_token": csrf_token(html),
            "source": f"#{source.id} \u2014 {source.title}",
            "excerpt": EXCERPT,
            "stance": "supports",
        },
    )
    assert attached.status_code == 302, attached.text
    assert fresh(claim).status == "in_research"

    proposed = propose_form(reviewer_client, claim.id, "mostly-true", 85, "It **matches**.")
    assert proposed.status_code == 302, proposed.text
    html = claim_page(reviewer_client, claim.id)
    assert "Verdict proposed: Mostly true, confidence 85. An editor decides next." in flashes(html)
    assert current_step(html) == "Verdict proposed"
    verdict = Verdict.get()
    assert (verdict.state, verdict.current, verdict.author_id) == ("proposed", False, reviewer.id)
    assert (verdict.confidence, verdict.suggested_confidence) == (85, 64)
    assert fresh(claim).status == "verdict_proposed"
    assert decide_buttons(html, verdict.id) == (False, False)  # a reviewer does not decide

    html = claim_page(editor_client, claim.id)
    pending = words(tree(html).get_element_by_id(f"verdict-{verdict.id}"))
    assert "Waiting for an editor: Mostly true confidence 85 (suggested 64)" in pending
    assert "proposed by Rita" in pending and "It matches." in pending
    assert decide_buttons(html, verdict.id) == (True, True)
    approved = decide(editor_client, verdict, "approve")
    assert approved.status_code == 302, approved.text

    html = claim_page(editor_client, claim.id)
    assert "Approved: Mostly true is now the claim's current verdict." in flashes(html)
    assert current_step(html) == "Approved (published)"
    shown = words(tree(html).xpath("//div[contains(@class, 'current-verdict')]")[0])
    assert "Mostly true confidence 85" in shown and "approved by Eddie" in shown
    assert history_lines(html)[0].startswith("Mostly true, confidence 85 — approved (current)")
    verdict = Verdict.get_by_id(verdict.id)
    assert (verdict.state, verdict.current, verdict.approver_id) == ("approved", True, editor.id)
    assert verdict.decided_at is not None
    assert fresh(claim).status == "approved"

    assert claim_trail(claim.id) == [
        "claim.create",
        "claim.start",
        "evidence.create",
        "verdict.propose",
        "claim.propose",
        "verdict.approve",
        "claim.approve",
    ]
    [proposal] = events("verdict.propose")
    assert (proposal.entity_type, proposal.entity_id, proposal.actor_name) == (
        "verdict",
        verdict.id,
        "rita",
    )
    assert (proposal.parent_type, proposal.parent_id) == ("claim", claim.id)
    assert "Mostly true" in proposal.after
    [approval] = events("verdict.approve")
    assert (approval.entity_id, approval.parent_type, approval.parent_id) == (
        verdict.id,
        "claim",
        claim.id,
    )
    assert approval.actor_name == "eddie" and '"approved"' in approval.after
    [moved] = events("claim.approve")
    assert (moved.entity_id, moved.actor_name) == (claim.id, "eddie")
    assert '"approved"' in moved.after and '"verdict_proposed"' in moved.before


# 3. Sent back, reproposed, reopened, superseded -------------------------------------------------


def test_a_rejected_verdict_goes_back_to_research_with_the_comment(
    app, reviewer_client, editor_client, reviewer, editor
):
    claim = a_claim(reviewer)
    attach(claim, reviewer)
    first = propose_as(reviewer, claim, "false", 60)

    refused = decide(editor_client, first, "reject", comment="")
    assert refused.status_code == 422
    assert field_errors(refused.text, f"/claims/verdicts/{first.id}/reject", "comment") == [
        "Tell the reviewer what is missing."
    ]
    assert Verdict.get_by_id(first.id).state == "proposed" and events("verdict.reject") == []

    sent_back = decide(editor_client, first, "reject", comment="Call the ministry first.")
    assert sent_back.status_code == 302
    first = Verdict.get_by_id(first.id)
    assert (first.state, first.current, first.approver_id) == ("rejected", False, editor.id)
    assert first.review_comment == "Call the ministry first."
    assert fresh(claim).status == "in_research"
    [rejected] = events("verdict.reject")
    assert (rejected.entity_id, rejected.parent_id) == (first.id, claim.id)
    [back] = events("claim.reject")
    assert "Call the ministry first." in back.after and '"in_research"' in back.after

    html = claim_page(reviewer_client, claim.id)
    assert current_step(html) == "In research"
    [line] = history_lines(html)
    assert line.startswith("False, confidence 60 — rejected")
    assert "sent back by Eddie" in line and "Editor: Call the ministry first." in line
    assert forms(html, f"/claims/{claim.id}/verdicts"), "the reviewer can propose again"

    again = propose_form(reviewer_client, claim.id, "mostly-false", 75, "The ministry confirms.")
    assert again.status_code == 302
    second = Verdict.select().order_by(Verdict.id.desc()).first()
    assert second.id != first.id and second.state == "proposed"
    assert decide(editor_client, second, "approve").status_code == 302
    html = claim_page(reviewer_client, claim.id)
    assert [line.split(" — ")[1].split(" ·")[0] for line in history_lines(html)] == [
        "approved (current)",
        "rejected",
    ]
    assert [(v.id, v.state, v.current) for v in verdicts.claim_verdicts(claim.id)] == [
        (second.id, "approved", True),
        (first.id, "rejected", False),
    ]
    assert events("verdict.supersede") == []  # nothing was published before


def test_reopening_keeps_the_published_verdict_until_a_new_one_supersedes_it(
    app, reviewer_client, editor_client, reviewer, editor
):
    claim = drive(a_claim(reviewer), "approved", reviewer, editor, "true")
    old = Verdict.get()
    assert old.current

    html = claim_page(reviewer_client, claim.id)
    assert not forms(html, f"/claims/{claim.id}/reopen"), "reopening is an editor's decision"
    html = claim_page(editor_client, claim.id)
    action = f"/claims/{claim.id}/reopen"
    token = {"csrf_token": csrf_token(html), "version": version_in(html, action)}
    assert editor_client.post(action, data={**token, "reason": ""}).status_code == 422
    assert fresh(claim).status == "approved"
    reopened = editor_client.post(action, data={**token, "reason": "New budget figures."})
    assert reopened.status_code == 302
    assert fresh(claim).status == "in_research"
    [event] = events("claim.reopen")
    assert "New budget figures." in event.after

    assert any("Reopened: back in research" in f for f in flashes(editor_client.get("/").text))
    html = claim_page(reviewer_client, claim.id)
    shown = words(tree(html).xpath("//div[contains(@class, 'current-verdict')]")[0])
    assert "True confidence 70" in shown
    assert "still published while the claim is in research" in shown
    assert Verdict.get_by_id(old.id).current

    assert propose_form(reviewer_client, claim.id, "mostly-true", 80, "Revised.").status_code == 302
    new = Verdict.select().order_by(Verdict.id.desc()).first()
    assert Verdict.get_by_id(old.id).current  # still published while the new one waits
    assert decide(editor_client, new, "approve").status_code == 302

    old, new = Verdict.get_by_id(old.id), Verdict.get_by_id(new.id)
    assert (old.state, old.current) == ("approved", False)
    assert (new.state, new.current) == ("approved", True)
    assert Verdict.select().where(Verdict.current == True).count() == 1  # noqa: E712
    [superseded] = events("verdict.supersede")
    assert (superseded.entity_id, superseded.parent_type, superseded.parent_id) == (
        old.id,
        "claim",
        claim.id,
    )
    assert json.loads(superseded.after) == {"current": False, "superseded_by": new.id}
    html = claim_page(reviewer_client, claim.id)
    shown = words(tree(html).xpath("//div[contains(@class, 'current-verdict')]")[0])
    assert "Mostly true confidence 80" in shown and "still published" not in shown
    lines = history_lines(html)
    assert lines[0].startswith("Mostly true, confidence 80 — approved (current)")
    assert lines[1].startswith("True, confidence 70 — approved ·")
    assert claim_trail(claim.id)[-4:] == [
        "claim.propose",
        "verdict.supersede",
        "verdict.approve",
        "claim.approve",
    ]


# 4. Four eyes -----------------------------------------------------------------------------------


def test_the_editor_who_proposed_a_verdict_cannot_approve_it(app, editor_client, editor, reviewer):
    claim = a_claim(reviewer)
    attach(claim, reviewer)
    assert propose_form(editor_client, claim.id, "false", 90, RATIONALE).status_code == 302
    verdict = Verdict.get()
    assert verdict.author_id == editor.id

    html = claim_page(editor_client, claim.id)
    approve, _ = decide_buttons(html, verdict.id)
    assert not approve
    claim = fresh(claim)
    before = table_counts()
    response = decide(editor_client, verdict, "approve")
    assert response.status_code == 403
    assert "Four eyes: a verdict is approved by an editor other than its author." in words(
        tree(response.text).get_element_by_id("verdict")
    )
    assert table_counts() == denied(before)  # only the access.denied event
    assert Verdict.get_by_id(verdict.id).state == "proposed"
    assert fresh(claim).version == claim.version and fresh(claim).status == "verdict_proposed"

    erin = signed_in(app, "erin", "editor")
    html = claim_page(erin, claim.id)
    assert decide_buttons(html, verdict.id) == (True, True)
    assert decide(erin, verdict, "approve").status_code == 302
    verdict = Verdict.get_by_id(verdict.id)
    assert (verdict.state, verdict.approver_id) == ("approved", User.get(username="erin").id)


@pytest.mark.parametrize("case", ["own-verdict", "no-evidence"])
def test_an_editor_is_told_why_there_is_no_approve_button(
    app, editor_client, editor, reviewer, case
):
    claim = a_claim(reviewer)
    if case == "own-verdict":
        attach(claim, reviewer)
        verdict = propose_as(editor, claim)
        expected = "Four eyes: another editor approves a verdict you proposed."
    else:
        verdict = propose_as(reviewer, claim)
        expected = "Attach evidence before this verdict can be approved."
    html = claim_page(editor_client, claim.id)
    assert decide_buttons(html, verdict.id) == (False, True)
    assert expected in words(tree(html).get_element_by_id(f"verdict-{verdict.id}"))


def test_a_reviewer_cannot_approve_or_send_back(app, reviewer_client, reviewer, editor):
    claim = a_claim(reviewer)
    attach(claim, reviewer)
    verdict = propose_as(editor, claim)
    html = claim_page(reviewer_client, claim.id)
    assert decide_buttons(html, verdict.id) == (False, False)

    api = api_as(app, "rita")
    before = table_counts()
    for response in (
        decide(reviewer_client, verdict, "approve"),
        decide(reviewer_client, verdict, "reject", comment="No."),
        api.post(f"/api/verdicts/{verdict.id}/approve"),
        api.post(f"/api/verdicts/{verdict.id}/reject", json={"comment": "No."}),
    ):
        assert response.status_code == 403
    assert api.post(f"/api/verdicts/{verdict.id}/approve").json["error"]["code"] == "forbidden"
    after = table_counts()
    # Each refusal is logged as a security event, and nothing else is written.
    assert after.pop("audit_event") - before.pop("audit_event") == 5
    assert after == before
    assert len(events("access.denied")) == 5
    assert Verdict.get_by_id(verdict.id).state == "proposed"
    assert fresh(claim).status == "verdict_proposed"


def test_a_verdict_without_evidence_cannot_be_published(
    app, reviewer_client, editor_client, reviewer, editor
):
    claim = a_claim(reviewer)
    assert propose_form(reviewer_client, claim.id, "true", 50, RATIONALE).status_code == 302
    verdict = Verdict.get()
    assert fresh(claim).status == "verdict_proposed"  # proposed straight from "new"

    html = claim_page(editor_client, claim.id)
    assert decide_buttons(html, verdict.id) == (False, True)
    before = table_counts()
    response = decide(editor_client, verdict, "approve")
    assert response.status_code == 409
    message = "A verdict cannot be published without evidence; attach some."
    assert message in words(tree(response.text).get_element_by_id("verdict"))
    assert table_counts() == before
    api = api_as(app, "eddie")
    before = table_counts()
    refused = api.post(f"/api/verdicts/{verdict.id}/approve")
    assert refused.status_code == 409
    assert refused.json["error"] == {"code": "conflict", "message": message}
    assert table_counts() == before
    assert Verdict.get_by_id(verdict.id).state == "proposed"

    attach(claim, reviewer)  # evidence arrives; the claim stays "verdict proposed"
    assert fresh(claim).status == "verdict_proposed"
    assert api.post(f"/api/verdicts/{verdict.id}/approve").status_code == 200
    assert fresh(claim).status == "approved"


def test_two_editors_approving_the_same_verdict_at_once_make_one_approval(
    app, editor_client, reviewer, editor
):
    claim = a_claim(reviewer)
    attach(claim, reviewer)
    verdict = propose_as(reviewer, claim)
    erin = signed_in(app, "erin", "editor")
    tokens = {c: csrf_token(claim_page(c, claim.id)) for c in (editor_client, erin)}
    statuses: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def approve(client: Any) -> None:
        try:
            barrier.wait()
            response = client.post(
                f"/claims/verdicts/{verdict.id}/approve", data={"csrf_token": tokens[client]}
            )
            statuses.append(response.status_code)
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=approve, args=(c,)) for c in (editor_client, erin)]
    db.close()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    db.connect(reuse_if_open=True)
    assert errors == []
    assert sorted(statuses) == [302, 409]
    verdict = Verdict.get_by_id(verdict.id)
    assert (verdict.state, verdict.current) == ("approved", True)
    assert len(events("verdict.approve")) == 1 and len(events("claim.approve")) == 1
    claim = fresh(claim)
    assert (claim.status, claim.version) == ("approved", 4)  # create, start, propose, approve


def test_two_reviewers_proposing_at_once_make_one_verdict(app, reviewer):
    claim = a_claim(reviewer)
    vic = factories.user("vic", "reviewer")
    made: list[Verdict] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def propose(account: Any) -> None:
        try:
            barrier.wait()
            with db.connection_context():
                made.append(propose_as(account, claim, "false"))
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=propose, args=(u,)) for u in (reviewer, vic)]
    db.close()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    db.connect(reuse_if_open=True)
    assert len(made) == 1 and len(errors) == 1
    assert type(errors[0]).__name__ == "ConflictError"
    assert Verdict.select().count() == 1 and len(events("verdict.propose")) == 1
    assert len(events("claim.propose")) == 1
    assert fresh(claim).status == "verdict_proposed"


# 5. The suggested confidence --------------------------------------------------------------------


def test_the_suggestion_panel_shows_what_the_evidence_suggests(app, reviewer_client, reviewer):
    claim = a_claim(reviewer)
    html = claim_page(reviewer_client, claim.id)
    panel = words(tree(html).xpath("//aside[@class='suggestion']")[0])
    assert "Support 50%" in panel and "No evidence yet: support stays at 50%." in panel

    strong = factories.source(
        "Finance department report", url="https://finance.example/w", reliability=4
    )
    factories.snapshot(strong, REPORT)
    weak = factories.source("Anonymous blog post")  # unrated, nothing archived
    supports = attach(claim, reviewer, strong, "supports")  # 4/5 x 1 = 0.80
    refutes = attach(claim, reviewer, weak, "refutes")  # 3/5 x 0.75 = 0.45
    attach(claim, reviewer, weak, "context")  # counts for neither
    assert (supports.quote_verified, refutes.quote_verified) == ("verified", "no_snapshot")

    html = claim_page(reviewer_client, claim.id)
    aside = tree(html).xpath("//aside[@class='suggestion']")[0]
    # p = (0.8 + 1) / (0.8 + 0.45 + 2) = 0.554
    assert "Support 55% (supporting weight 0.80, refuting 0.45)" in words(aside)
    table = [[words(td) for td in tr.xpath("./td")] for tr in aside.xpath(".//tbody/tr")]
    assert table == [
        ["True", "55"],
        ["Mostly true", "55"],
        ["Half true / mixed", "89"],
        ["Mostly false", "45"],
        ["False", "45"],
    ]
    drivers = [words(li) for li in aside.xpath(".//ul[contains(@class, 'weights')]/li")]
    assert drivers[0].startswith("supports · weight 0.80 · Finance department report")
    assert "(reliability 4, quote verified)" in drivers[0]
    assert drivers[1].startswith("refutes · weight 0.45 · Anonymous blog post")
    assert "(reliability 3 (unrated), quote no snapshot)" in drivers[1]
    assert drivers[2].startswith("context · weight 0.00")
    links = aside.xpath(".//ul[contains(@class, 'weights')]/li/a/@href")
    assert links[:2] == [f"#evidence-{supports.id}", f"#evidence-{refutes.id}"]

    assert propose_form(reviewer_client, claim.id, "mostly-false", 70, RATIONALE).status_code
    verdict = Verdict.get()
    assert (verdict.confidence, verdict.suggested_confidence) == (70, 45)
    pending = words(tree(claim_page(reviewer_client, claim.id)).get_element_by_id("verdict"))
    assert "Mostly false confidence 70 (suggested 45)" in pending
    [proposal] = events("verdict.propose")
    assert json.loads(proposal.after)["suggested_confidence"] == 45


def test_a_rating_off_the_numeric_scale_gets_no_suggestion(app, reviewer, editor):
    claim = a_claim(reviewer)
    attach(claim, reviewer)
    api = api_as(app, "rita")
    response = api.post(
        f"/api/claims/{claim.id}/verdicts",
        json={"rating": "misleading", "confidence": 40, "rationale": RATIONALE},
    )
    assert response.status_code == 201
    assert response.json["suggested_confidence"] is None
    assert Verdict.get().suggested_confidence is None


# 6. The rationale -------------------------------------------------------------------------------


def test_the_rationale_is_markdown_rendered_and_sanitized(
    app, reviewer_client, editor_client, reviewer
):
    claim = a_claim(reviewer)
    attach(claim, reviewer)
    rationale = (
        "The **finance department** says [$48 million](https://finance.example/wall).\n\n"
        "<script>alert('rationale')</script>\n\n"
        '[Click](javascript:alert(1)) <a href="javascript:alert(2)" onclick="x()">raw</a>\n\n'
        "- first\n- second"
    )
    assert propose_form(reviewer_client, claim.id, "true", 80, rationale).status_code == 302
    assert Verdict.get().rationale == rationale  # stored as typed, cleaned when shown

    html = claim_page(editor_client, claim.id)
    [box] = tree(html).xpath("//div[contains(@class, 'pending-verdict')]/div[@class='rationale']")
    assert words(box.xpath(".//strong")[0]) == "finance department"
    assert [words(li) for li in box.xpath(".//li")] == ["first", "second"]
    hrefs = box.xpath(".//a/@href")
    assert hrefs == ["https://finance.example/wall"]
    assert box.xpath(".//a")[0].get("rel") == "noopener noreferrer nofollow"
    assert box.xpath(".//script") == [] and box.xpath(".//*[@onclick]") == []
    assert "Click" in words(box) and "raw" in words(box)  # shown as text, not as links
    assert not [h for h in tree(html).xpath("//@href") if "javascript" in h.lower()]
    assert "<script>alert('rationale')" not in html

    verdict = Verdict.get()
    assert decide(editor_client, verdict, "approve").status_code == 302
    html = claim_page(reviewer_client, claim.id)
    [box] = tree(html).xpath("//div[contains(@class, 'current-verdict')]/div[@class='rationale']")
    assert box.xpath(".//script") == [] and box.xpath(".//strong")
    assert all(not h.startswith("javascript") for h in tree(html).xpath("//a/@href"))


# 7. The scale, as an admin keeps it -------------------------------------------------------------


def test_an_admin_relabels_a_rating_and_verdicts_show_the_new_label(
    app, admin_client, reviewer_client, reviewer
):
    claim = a_claim(reviewer)
    propose_as(reviewer, claim, "mostly-false", 65)
    target = rating("mostly-false")
    url = f"/ratings/{target.id}"
    html = admin_client.get(url).text
    assert "1 verdict uses this rating, so it cannot be removed; relabel it instead." in words(
        tree(html)
    )
    assert not forms(html, f"{url}/delete")
    saved = admin_client.post(
        url,
        data={
            "csrf_token": csrf_token(html),
            "version": version_in(html, url),
            "label": "Largely false",
            "numeric": "2",
            "description": "Mostly inaccurate.",
        },
    )
    assert saved.status_code == 302
    assert "Saved." in flashes(admin_client.get(saved.location).text)
    changed = rating("mostly-false")
    assert (changed.label, changed.numeric, changed.version) == ("Largely false", 2, 2)
    [event] = events("rating.update")
    assert event.entity_id == target.id and "Largely false" in event.after
    assert "Mostly false" in event.before

    html = claim_page(reviewer_client, claim.id)
    assert "Largely false confidence 65" in words(tree(html).get_element_by_id("verdict"))
    assert history_lines(html)[0].startswith("Largely false, confidence 65")
    listed = api_as(app, "rita").get(f"/api/claims/{claim.id}/verdicts").json["verdicts"]
    assert (listed[0]["rating"]["slug"], listed[0]["rating"]["label"]) == (
        "mostly-false",
        "Largely false",
    )


def test_an_admin_reorders_the_scale_and_the_rating_select_follows(
    app, admin_client, reviewer_client, reviewer
):
    claim = a_claim(reviewer)
    index = admin_client.get("/ratings/").text
    token = csrf_token(index)
    down = rating("true")
    assert forms(index, f"/ratings/{down.id}/move/down") and not forms(
        index, f"/ratings/{down.id}/move/up"
    )
    assert admin_client.post(
        f"/ratings/{down.id}/move/down", data={"csrf_token": token}
    ).status_code
    up = rating("not-checkable")
    assert admin_client.post(f"/ratings/{up.id}/move/up", data={"csrf_token": token}).status_code
    expected = [
        "Mostly true",
        "True",
        "Half true / mixed",
        "Mostly false",
        "False",
        "Misleading",
        "Not checkable",
        "Unproven (not enough evidence)",
    ]
    assert rating_options(claim_page(reviewer_client, claim.id), claim.id) == expected
    rows = tree(admin_client.get("/ratings/").text).xpath("//tbody/tr/th")
    assert [words(th) for th in rows] == expected
    listed = api_as(app, "rita").get("/api/ratings").json["ratings"]
    assert [r["label"] for r in listed] == expected
    assert len(events("rating.move")) == 4  # two ratings swap places, twice

    # The first cannot move up, the last cannot move down: nothing changes.
    first, last = rating("mostly-true"), rating("unproven")
    admin_client.post(f"/ratings/{first.id}/move/up", data={"csrf_token": token})
    admin_client.post(f"/ratings/{last.id}/move/down", data={"csrf_token": token})
    assert [r.label for r in verdicts.ratings()] == expected
    assert len(events("rating.move")) == 4


def test_an_admin_adds_a_rating_at_the_end(app, admin_client, reviewer_client, reviewer):
    html = admin_client.get("/ratings/").text
    data = {"csrf_token": csrf_token(html), "version": "1", "description": "A joke, not news."}
    added = admin_client.post("/ratings/", data={**data, "label": "Satire", "numeric": ""})
    assert added.status_code == 302
    assert "Added “Satire” at the end of the scale." in flashes(admin_client.get("/ratings/").text)
    satire = rating("satire")
    assert (satire.label, satire.numeric) == ("Satire", None)
    assert [r.slug for r in verdicts.ratings()][-1] == "satire"
    [event] = events("rating.create")
    assert event.entity_id == satire.id
    claim = a_claim(reviewer)
    assert rating_options(claim_page(reviewer_client, claim.id), claim.id)[-1] == "Satire"

    before = table_counts()
    twice = admin_client.post("/ratings/", data={**data, "label": "satire", "numeric": ""})
    assert twice.status_code == 409
    assert "The scale already has a rating with this label." in words(tree(twice.text))
    empty = admin_client.post("/ratings/", data={**data, "label": "  ", "numeric": "3"})
    assert empty.status_code == 422
    assert table_counts() == before


def test_an_unused_rating_can_be_removed_but_one_in_use_cannot(app, admin_client, reviewer):
    claim = a_claim(reviewer)
    verdict = propose_as(reviewer, claim, "unproven")
    verdicts.reject_verdict(factories.SYSTEM, verdict.id, "Find more.")  # history still uses it
    unused, used = rating("not-checkable"), rating("unproven")
    html = admin_client.get(f"/ratings/{unused.id}").text
    assert forms(html, f"/ratings/{unused.id}/delete")
    removed = admin_client.post(
        f"/ratings/{unused.id}/delete", data={"csrf_token": csrf_token(html)}
    )
    assert removed.status_code == 302
    assert "“Not checkable” removed from the scale." in flashes(admin_client.get("/ratings/").text)
    assert Rating.get_or_none(Rating.id == unused.id) is None
    [event] = events("rating.delete")
    assert event.entity_id == unused.id and "Not checkable" in event.before

    before = table_counts()
    refused = admin_client.post(f"/ratings/{used.id}/delete", data={"csrf_token": csrf_token(html)})
    assert refused.status_code == 302 and refused.location.endswith(f"/ratings/{used.id}")
    page = admin_client.get(refused.location).text
    assert (
        "“Unproven (not enough evidence)” is used by 1 verdict; relabel it instead of deleting it."
        in flashes(page)
    )
    assert table_counts() == before
    assert Rating.get_by_id(used.id).label == "Unproven (not enough evidence)"
    assert len(events("rating.delete")) == 1


@pytest.mark.parametrize("who", ["reviewer_client", "editor_client"])
def test_only_an_admin_changes_the_scale(app, request, who):
    client = request.getfixturevalue(who)
    index = client.get("/ratings/")
    assert index.status_code == 200
    assert not tree(index.text).xpath("//tbody//a[starts-with(@href, '/ratings/')]")
    assert not forms(index.text, "/ratings/")
    token = csrf_token(client.get("/articles/new").text)
    target = rating("false")
    before, scale = table_counts(), scale_rows()
    attempts = [
        client.get(f"/ratings/{target.id}"),
        client.post(
            f"/ratings/{target.id}",
            data={"csrf_token": token, "version": "1", "label": "Pants on fire", "numeric": "1"},
        ),
        client.post("/ratings/", data={"csrf_token": token, "version": "1", "label": "Satire"}),
        client.post(f"/ratings/{target.id}/move/up", data={"csrf_token": token}),
        client.post(f"/ratings/{target.id}/delete", data={"csrf_token": token}),
    ]
    assert [r.status_code for r in attempts] == [403] * 5
    assert scale_rows() == scale
    after = table_counts()
    assert after.pop("audit_event") - before.pop("audit_event") == 5  # access.denied, each
    assert after == before
    assert not AuditEvent.select().where(AuditEvent.action.startswith("rating.")).exists()


def test_moving_a_rating_after_removals_swaps_it_with_its_neighbour_only(app, admin_client):
    html = admin_client.get("/ratings/").text
    token = {"csrf_token": csrf_token(html)}
    for slug in ("mostly-true", "half-true"):  # a three-point scale: true, mostly false, false
        assert admin_client.post(f"/ratings/{rating(slug).id}/delete", data=token).status_code
    assert [r.slug for r in verdicts.ratings()] == [
        "true",
        "mostly-false",
        "false",
        "misleading",
        "unproven",
        "not-checkable",
    ]
    moved = admin_client.post(f"/ratings/{rating('not-checkable').id}/move/up", data=token)
    assert moved.status_code == 302
    rows = tree(admin_client.get("/ratings/").text).xpath("//tbody/tr/th")
    assert [words(th) for th in rows] == [
        "True",
        "Mostly false",
        "False",
        "Misleading",
        "Not checkable",
        "Unproven (not enough evidence)",
    ]


def test_a_rating_cannot_be_relabelled_to_another_ratings_name(app, admin_client):
    target = rating("mostly-true")
    url = f"/ratings/{target.id}"
    html = admin_client.get(url).text
    before = table_counts()
    response = admin_client.post(
        url,
        data={
            "csrf_token": csrf_token(html),
            "version": version_in(html, url),
            "label": "True",
            "numeric": "4",
            "description": "",
        },
    )
    assert response.status_code in (409, 422)
    assert table_counts() == before
    assert [r.label for r in verdicts.ratings()].count("True") == 1


def test_a_stale_rating_edit_is_refused_keeping_the_typed_label(app, admin_client, admin):
    target = rating("half-true")
    url = f"/ratings/{target.id}"
    html = admin_client.get(url).text
    typed = {
        "csrf_token": csrf_token(html),
        "version": version_in(html, url),
        "label": "Mixed",
        "numeric": "3",
        "description": "Partly accurate.",
    }
    verdicts.update_rating(factories.actor_for(admin), target.id, 1, label="Half true", numeric=3)
    before = table_counts()
    stale = admin_client.post(url, data=typed)
    assert stale.status_code == 409
    assert form_messages(stale.text, url) == [
        "Someone else changed this rating since you opened it."
    ]
    page = form(stale.text, url)
    assert page.xpath(".//input[@name='label']")[0].get("value") == "Mixed"
    assert version_in(stale.text, url) == 2
    assert table_counts() == before
    assert rating("half-true").label == "Half true"

    again = admin_client.post(url, data={**typed, "version": "2"})
    assert again.status_code == 302
    assert rating("half-true").label == "Mixed"


# 8. Claim states and their refusals -------------------------------------------------------------


def test_a_dismissed_claim_gets_no_verdict_until_restored(app, reviewer_client, reviewer):
    claim = a_claim(reviewer)
    html = claim_page(reviewer_client, claim.id)
    action = f"/claims/{claim.id}/dismiss"
    token = {"csrf_token": csrf_token(html), "version": version_in(html, action)}
    assert reviewer_client.post(action, data={**token, "reason": "An opinion."}).status_code == 302
    claim = fresh(claim)
    assert (claim.status, claim.dismissed_reason) == ("dismissed", "An opinion.")

    html = claim_page(reviewer_client, claim.id)
    assert current_step(html) == "Dismissed"
    assert "A dismissed claim gets no verdict." in section(html, "verdict")
    assert not forms(html, f"/claims/{claim.id}/verdicts")

    message = "A verdict can be proposed on a new or researched claim; this one is dismissed."
    before = table_counts()
    posted = reviewer_client.post(
        f"/claims/{claim.id}/verdicts",
        data={
            "csrf_token": csrf_token(html),
            "version": claim.version,
            "rating": rating("false").id,
            "confidence": "90",
            "rationale": RATIONALE,
        },
    )
    assert posted.status_code == 409
    assert message in form_messages(posted.text, f"/claims/{claim.id}/verdicts")
    assert table_counts() == before
    api = api_as(app, "rita")
    before = table_counts()
    response = api.post(
        f"/api/claims/{claim.id}/verdicts",
        json={"rating": "false", "confidence": 90, "rationale": RATIONALE},
    )
    assert response.status_code == 409 and response.json["error"]["message"] == message
    assert table_counts() == before

    restore = f"/claims/{claim.id}/restore"
    restored = reviewer_client.post(
        restore, data={"csrf_token": csrf_token(html), "version": version_in(html, restore)}
    )
    assert restored.status_code == 302
    assert fresh(claim).status == "new" and fresh(claim).dismissed_reason is None
    html = claim_page(reviewer_client, claim.id)
    assert "Back on the worklist." in flashes(html)
    assert forms(html, f"/claims/{claim.id}/verdicts")
    assert len(events("claim.dismiss")) == 1 and len(events("claim.restore")) == 1


def test_a_second_proposal_waits_for_the_first_decision(app, reviewer, editor):
    claim = a_claim(reviewer)
    propose_as(reviewer, claim)
    api = api_as(app, "eddie")
    before = table_counts()
    response = api.post(
        f"/api/claims/{claim.id}/verdicts",
        json={"rating": "false", "confidence": 90, "rationale": RATIONALE},
    )
    assert response.status_code == 409
    assert response.json["error"]["message"] == (
        "A verdict can be proposed on a new or researched claim; this one is verdict proposed."
    )
    assert table_counts() == before


def test_a_stale_verdict_form_is_refused_keeping_what_was_typed(app, reviewer_client, reviewer):
    claim = a_claim(reviewer)
    html = claim_page(reviewer_client, claim.id)
    action = f"/claims/{claim.id}/verdicts"
    typed = {
        "csrf_token": csrf_token(html),
        "version": version_in(html, action),
        "rating": rating("false").id,
        "confidence": "88",
        "rationale": "My *careful* reasoning.",
    }
    claims.update_claim(
        factories.actor_for(reviewer), claim.id, claim.version, statement="The wall costs $41m."
    )
    before = table_counts()
    stale = reviewer_client.post(action, data=typed)
    assert stale.status_code == 409
    assert form_messages(stale.text, action) == [
        "Someone else changed this claim since you opened it."
    ]
    page = form(stale.text, action)
    assert page.xpath(".//textarea[@name='rationale']")[0].text.strip() == (
        "My *careful* reasoning."
    )
    assert page.xpath(".//input[@name='confidence']")[0].get("value") == "88"
    selected = page.xpath(".//select[@name='rating']/option[@selected]")
    assert [words(o) for o in selected] == ["False"]
    assert version_in(stale.text, action) == 2
    assert table_counts() == before

    again = reviewer_client.post(action, data={**typed, "version": "2"})
    assert again.status_code == 302
    assert Verdict.get().rationale == "My *careful* reasoning."


@pytest.mark.parametrize(
    ("confidence", "message"),
    [
        ("-1", "Number must be between 0 and 100."),
        ("101", "Number must be between 0 and 100."),
        ("abc", "Not a valid integer value."),
        ("50.5", "Not a valid integer value."),
        ("", "Give a confidence from 0 to 100."),
    ],
)
def test_the_verdict_form_refuses_a_bad_confidence(
    app, reviewer_client, reviewer, confidence, message
):
    claim = a_claim(reviewer)
    action = f"/claims/{claim.id}/verdicts"
    before = table_counts()
    response = propose_form(reviewer_client, claim.id, "true", confidence, "Typed reasoning.")
    assert response.status_code == 422
    assert message in field_errors(response.text, action, "confidence")
    assert (
        "Typed reasoning."
        in form(response.text, action).xpath(".//textarea[@name='rationale']")[0].text
    )
    assert table_counts() == before
    assert fresh(claim).status == "new"


def test_the_verdict_form_refuses_a_rating_off_the_scale_and_an_oversized_rationale(
    app, reviewer_client, reviewer
):
    claim = a_claim(reviewer)
    action = f"/claims/{claim.id}/verdicts"
    html = claim_page(reviewer_client, claim.id)
    data = {"csrf_token": csrf_token(html), "version": version_in(html, action)}
    before = table_counts()
    off = reviewer_client.post(
        action, data={**data, "rating": "999999", "confidence": "50", "rationale": "Why."}
    )
    assert off.status_code == 422
    assert "Not a valid choice." in field_errors(off.text, action, "rating")
    long = reviewer_client.post(
        action,
        data={**data, "rating": rating("true").id, "confidence": "50", "rationale": "x" * 2**20},
    )
    assert long.status_code == 422
    assert field_errors(long.text, action, "rationale") == [
        "Field cannot be longer than 20000 characters."
    ]
    assert table_counts() == before


# 9. Assignment and my queue ---------------------------------------------------------------------


def assign_choices(html: str, claim_id: int) -> list[tuple[str, str]]:
    select = form(html, f"/claims/{claim_id}/assign").xpath(".//select[@name='assignee']")[0]
    return [(o.get("value"), words(o)) for o in select.xpath("./option")]


def assign(client: Any, claim_id: int, assignee: Any) -> Any:
    html = claim_page(client, claim_id)
    action = f"/claims/{claim_id}/assign"
    return client.post(
        action,
        data={
            "csrf_token": csrf_token(html),
            "version": version_in(html, action),
            "assignee": "" if assignee is None else assignee,
        },
    )


def test_a_reviewer_takes_and_releases_a_claim_only_for_themselves(app, reviewer_client, reviewer):
    claim = a_claim(reviewer)
    vic = factories.user("vic", "reviewer")
    html = claim_page(reviewer_client, claim.id)
    assert assign_choices(html, claim.id) == [("", "Nobody"), (str(reviewer.id), "Me (Rita)")]

    taken = assign(reviewer_client, claim.id, reviewer.id)
    assert taken.status_code == 302
    assert fresh(claim).assignee_id == reviewer.id
    assert "Assigned to Rita." in flashes(claim_page(reviewer_client, claim.id))
    released = assign(reviewer_client, claim.id, None)
    assert released.status_code == 302 and fresh(claim).assignee_id is None
    assert "Unassigned." in flashes(claim_page(reviewer_client, claim.id))
    assert [e.entity_id for e in events("claim.assign")] == [claim.id, claim.id]

    before = table_counts()
    other = assign(reviewer_client, claim.id, vic.id)
    assert other.status_code == 422
    assert "Not a valid choice." in field_errors(
        other.text, f"/claims/{claim.id}/assign", "assignee"
    )
    assert table_counts() == before
    api = api_as(app, "rita")
    before = table_counts()
    response = api.put(
        f"/api/claims/{claim.id}/assignee",
        json={"assignee_id": vic.id, "version": fresh(claim).version},
    )
    assert response.status_code == 403
    assert response.json["error"]["message"] == (
        "Reviewers can take a claim or let it go; an editor assigns others."
    )
    assert table_counts() == denied(before)  # only the access.denied event

    # Vic's claim: Rita can neither take it over nor release it for him.
    claims.assign_claim(factories.SYSTEM, claim.id, fresh(claim).version, vic.id)
    html = claim_page(reviewer_client, claim.id)
    assert (str(vic.id), "Vic") in assign_choices(html, claim.id)
    before = table_counts()
    for target in (None, reviewer.id):
        refused = assign(reviewer_client, claim.id, target)
        assert refused.status_code == 403
        assert "an editor assigns others" in words(tree(refused.text))
    # Nothing written but the two refusals' access.denied events.
    assert table_counts() == {**before, "audit_event": before["audit_event"] + 2}
    assert fresh(claim).assignee_id == vic.id


def test_an_editor_assigns_anyone_active(app, editor_client, reviewer, editor):
    claim = a_claim(reviewer)
    vic = factories.user("vic", "reviewer")
    html = claim_page(editor_client, claim.id)
    offered = assign_choices(html, claim.id)
    assert offered[0] == ("", "Nobody")
    assert {label for _, label in offered[1:]} == {"Eddie", "Rita", "Vic"}

    assert assign(editor_client, claim.id, vic.id).status_code == 302
    assert fresh(claim).assignee_id == vic.id
    assert "Assigned to Vic." in flashes(claim_page(editor_client, claim.id))

    users.set_active(factories.SYSTEM, User.get_by_id(vic.id), False)
    html = claim_page(editor_client, claim.id)
    assert "Vic" not in [label for _, label in assign_choices(html, claim.id)]
    api = api_as(app, "eddie")
    claims.assign_claim(factories.SYSTEM, claim.id, fresh(claim).version, None)
    before = table_counts()
    inactive = api.put(
        f"/api/claims/{claim.id}/assignee",
        json={"assignee_id": vic.id, "version": fresh(claim).version},
    )
    assert inactive.status_code == 422
    assert inactive.json["error"]["message"] == "Assign the claim to an active account."
    stale = api.put(
        f"/api/claims/{claim.id}/assignee", json={"assignee_id": reviewer.id, "version": 1}
    )
    assert stale.status_code == 409
    unversioned = api.put(f"/api/claims/{claim.id}/assignee", json={"assignee_id": reviewer.id})
    assert unversioned.status_code == 422
    assert table_counts() == before

    ok = api.put(
        f"/api/claims/{claim.id}/assignee",
        json={"assignee_id": reviewer.id, "version": fresh(claim).version},
    )
    assert ok.status_code == 200 and ok.json["assignee_id"] == reviewer.id


def test_my_queue_lists_what_is_assigned_to_me_by_state(app, reviewer_client, reviewer, editor):
    vic = factories.user("vic", "reviewer")
    mine = {}
    for i, state in enumerate(["new", "in_research", "verdict_proposed", "approved", "dismissed"]):
        claim = drive(a_claim(reviewer, ARTICLES[i]), state, reviewer, editor)
        claims.assign_claim(factories.SYSTEM, claim.id, claim.version, reviewer.id)
        mine[state] = claim
    other = a_claim(reviewer, ARTICLES[9])
    claims.assign_claim(factories.SYSTEM, other.id, other.version, vic.id)
    a_claim(reviewer, ARTICLES[10])  # nobody's

    html = reviewer_client.get("/queue").text
    sections = tree(html).xpath("//section[starts-with(@aria-labelledby, 'queue-')]")
    listed = {
        s.get("aria-labelledby")[len("queue-") :]: (
            words(s.xpath(".//h2")[0]),
            s.xpath(".//li/a/@href"),
        )
        for s in sections
    }
    assert list(listed) == ["needs_recheck", "new", "in_research", "verdict_proposed", "approved"]
    assert listed["needs_recheck"] == ("Needs re-check (the article changed) 0", [])
    assert listed["new"] == ("New 1", [f"/claims/{mine['new'].id}"])
    assert listed["in_research"] == ("In research 1", [f"/claims/{mine['in_research'].id}"])
    assert listed["verdict_proposed"] == (
        "Verdict proposed 1",
        [f"/claims/{mine['verdict_proposed'].id}"],
    )
    assert listed["approved"] == ("Approved (published) 1", [f"/claims/{mine['approved'].id}"])
    assert f"/claims/{other.id}" not in html and f"/claims/{mine['dismissed'].id}" not in html

    vic_client = app.test_client()
    login(vic_client, "vic")
    vic_sections = tree(vic_client.get("/queue").text).xpath("//section//li/a/@href")
    assert vic_sections == [f"/claims/{other.id}"]


# 10. The transition API -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "to", "reason", "action"),
    [
        ("new", "in_research", "", "claim.start"),
        ("new", "dismissed", "An opinion.", "claim.dismiss"),
        ("in_research", "dismissed", "A prediction.", "claim.dismiss"),
        ("dismissed", "new", "", "claim.restore"),
        ("approved", "in_research", "New figures came out.", "claim.reopen"),
    ],
)
def test_api_transition_makes_each_legal_move(app, reviewer, editor, start, to, reason, action):
    claim = drive(a_claim(reviewer), start, reviewer, editor)
    api = api_as(app, "eddie" if start == "approved" else "rita")
    before = len(events(action))
    response = api.post(
        f"/api/claims/{claim.id}/transition",
        json={"to": to, "reason": reason, "version": claim.version},
    )
    assert response.status_code == 200, response.json
    assert (response.json["status"], response.json["version"]) == (to, claim.version + 1)
    assert fresh(claim).status == to
    assert len(events(action)) == before + 1
    assert events(action)[-1].entity_id == claim.id


@pytest.mark.parametrize(
    ("start", "to", "message"),
    [
        ("new", "approved", "Approve the proposed verdict with POST /api/verdicts/<id>/approve."),
        (
            "in_research",
            "verdict_proposed",
            "Propose a verdict with POST /api/claims/<id>/verdicts.",
        ),
        ("in_research", "new", "A claim cannot go from in research to new."),
        (
            "verdict_proposed",
            "in_research",
            "A claim cannot go from verdict proposed to in research.",
        ),
        ("approved", "dismissed", "A claim cannot go from approved (published) to dismissed."),
        ("dismissed", "in_research", "A claim cannot go from dismissed to in research."),
        ("new", "new", "A claim cannot go from new to new."),
        ("new", "published", "There is no state 'published'"),
    ],
)
def test_api_transition_refuses_an_illegal_move_by_name(app, reviewer, editor, start, to, message):
    claim = drive(a_claim(reviewer), start, reviewer, editor)
    api = api_as(app, "eddie")
    before = table_counts()
    response = api.post(
        f"/api/claims/{claim.id}/transition",
        json={"to": to, "reason": "Because.", "version": claim.version},
    )
    unknown = to not in CLAIM_STATUSES  # a state that does not exist is invalid input
    assert response.status_code == (422 if unknown else 409)
    assert response.json["error"]["code"] == ("invalid" if unknown else "conflict")
    assert response.json["error"]["message"].startswith(message)
    assert table_counts() == before
    assert fresh(claim).status == start


def test_api_transition_needs_the_role_the_reason_and_the_current_version(app, reviewer, editor):
    claim = drive(a_claim(reviewer), "approved", reviewer, editor)
    rita, eddie = api_as(app, "rita"), api_as(app, "eddie")
    url = f"/api/claims/{claim.id}/transition"
    before = table_counts()
    reviewer_reopens = rita.post(url, json={"to": "in_research", "reason": "x", "version": 4})
    assert reviewer_reopens.status_code == 403
    assert reviewer_reopens.json["error"]["message"].startswith("Only an editor can reopen")
    no_reason = eddie.post(url, json={"to": "in_research", "version": claim.version})
    assert no_reason.status_code == 422
    assert no_reason.json["error"]["message"] == "Say why the claim is reopened."
    stale = eddie.post(url, json={"to": "in_research", "reason": "x", "version": 1})
    assert (
        stale.status_code == 409
        and "Someone else changed this claim" in (stale.json["error"]["message"])
    )
    unversioned = eddie.post(url, json={"to": "in_research", "reason": "x"})
    assert unversioned.status_code == 422 and unversioned.json["error"]["field"] == "version"
    assert table_counts() == denied(before)  # only the access.denied event
    assert fresh(claim).status == "approved"


# 11. Verdicts through the API -------------------------------------------------------------------


def test_api_propose_decide_and_read_the_history(app, reviewer, editor):
    claim = a_claim(reviewer)
    attach(claim, reviewer)
    rita, eddie = api_as(app, "rita"), api_as(app, "eddie")
    url = f"/api/claims/{claim.id}/verdicts"

    stale = rita.post(
        url, json={"rating": "false", "confidence": 80, "rationale": RATIONALE, "version": 1}
    )
    assert stale.status_code == 409 and Verdict.select().count() == 0
    created = rita.post(
        url,
        json={
            "rating": "false",
            "confidence": 80,
            "rationale": RATIONALE,
            "version": fresh(claim).version,
        },
    )
    assert created.status_code == 201, created.json
    body = created.json
    # One unrated supporting item with no archived copy: p = (0.45 + 1) / 2.45; false side.
    assert (body["confidence"], body["suggested_confidence"], body["support"]) == (80, 41, 0.5918)
    assert (body["state"], body["current"], body["author_id"]) == ("proposed", False, reviewer.id)
    assert (body["rating"]["slug"], body["rating"]["numeric"], body["claim_id"]) == (
        "false",
        1,
        claim.id,
    )
    first = body["id"]

    no_comment = eddie.post(f"/api/verdicts/{first}/reject", json={})
    assert no_comment.status_code == 422
    rejected = eddie.post(f"/api/verdicts/{first}/reject", json={"comment": "Which report?"})
    assert rejected.status_code == 200
    assert (rejected.json["state"], rejected.json["review_comment"]) == (
        "rejected",
        "Which report?",
    )
    assert fresh(claim).status == "in_research"
    twice = eddie.post(f"/api/verdicts/{first}/approve")
    assert twice.status_code == 409
    assert twice.json["error"]["message"] == "This verdict was already rejected."

    second = rita.post(
        url, json={"rating": rating("mostly-false").id, "confidence": 70, "rationale": "Better."}
    )
    assert second.status_code == 201 and second.json["rating"]["slug"] == "mostly-false"
    approved = eddie.post(f"/api/verdicts/{second.json['id']}/approve")
    assert approved.status_code == 200
    assert (approved.json["state"], approved.json["current"], approved.json["approver_id"]) == (
        "approved",
        True,
        editor.id,
    )
    assert fresh(claim).status == "approved"
    again = eddie.post(f"/api/verdicts/{second.json['id']}/approve")
    assert again.status_code == 409

    history = rita.get(url)
    assert history.status_code == 200
    assert [(v["id"], v["state"], v["current"]) for v in history.json["verdicts"]] == [
        (second.json["id"], "approved", True),
        (first, "rejected", False),
    ]
    assert history.json["verdicts"][1]["review_comment"] == "Which report?"
    assert rita.get("/api/claims/999999/verdicts").status_code == 404
    assert eddie.post("/api/verdicts/999999/approve").status_code == 404


def test_api_four_eyes_refuses_the_author(app, reviewer, editor):
    claim = a_claim(reviewer)
    attach(claim, reviewer)
    eddie = api_as(app, "eddie")
    created = eddie.post(
        f"/api/claims/{claim.id}/verdicts",
        json={"rating": "true", "confidence": 90, "rationale": RATIONALE},
    )
    assert created.status_code == 201
    before = table_counts()
    refused = eddie.post(f"/api/verdicts/{created.json['id']}/approve")
    assert refused.status_code == 403
    assert refused.json["error"] == {
        "code": "forbidden",
        "message": "Four eyes: a verdict is approved by an editor other than its author.",
    }
    assert table_counts() == denied(before)  # only the access.denied event
    factories.user("erin", "editor")
    assert (
        api_as(app, "erin").post(f"/api/verdicts/{created.json['id']}/approve").status_code == 200
    )


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"confidence": -1}, "confidence", "Confidence is a whole number from 0 to 100."),
        ({"confidence": 101}, "confidence", "Confidence is a whole number from 0 to 100."),
        ({"confidence": "abc"}, "confidence", "Confidence is a whole number from 0 to 100."),
        ({"confidence": 50.5}, "confidence", "Confidence is a whole number from 0 to 100."),
        ({"confidence": "50"}, "confidence", "Confidence is a whole number from 0 to 100."),
        ({"confidence": True}, "confidence", "Confidence is a whole number from 0 to 100."),
        ({"confidence": None}, "confidence", "Confidence is a whole number from 0 to 100."),
        ({"rating": "pants-on-fire"}, "rating", "rating must be one of: true, mostly-true"),
        ({"rating": 999999}, "rating", "rating must be one of:"),
        ({"rating": True}, "rating", "rating must be one of:"),
        ({"rating": None}, "rating", "rating must be one of:"),
        ({"rationale": "x" * 2**20}, "rationale", "A rationale is at most 20,000 characters."),
        ({"rationale": "  \n "}, "rationale", "Explain the verdict in the rationale."),
        ({"rationale": None}, "rationale", "rationale is required."),
        ({"version": "2"}, "version", "Send the 'version' of the claim you read"),
    ],
    ids=[
        "confidence-negative",
        "confidence-101",
        "confidence-text",
        "confidence-fraction",
        "confidence-numeric-string",
        "confidence-bool",
        "confidence-missing",
        "rating-unknown-slug",
        "rating-unknown-id",
        "rating-bool",
        "rating-missing",
        "rationale-1mb",
        "rationale-blank",
        "rationale-missing",
        "version-string",
    ],
)
def test_api_refuses_a_bad_verdict_and_writes_nothing(app, reviewer, change, field, message):
    claim = a_claim(reviewer)
    api = api_as(app, "rita")
    body = {"rating": "true", "confidence": 60, "rationale": RATIONALE, **change}
    body = {k: v for k, v in body.items() if v is not None}
    before = table_counts()
    response = api.post(f"/api/claims/{claim.id}/verdicts", json=body)
    assert response.status_code == 422, response.json
    error = response.json["error"]
    assert (error["code"], error.get("field")) == ("invalid", field)
    assert error["message"].startswith(message)
    assert table_counts() == before
    assert fresh(claim).status == "new"


# 12. The dashboard ------------------------------------------------------------------------------


def newsroom(reviewer: Any, editor: Any) -> dict[str, Any]:
    """Claims in every state, some assigned, two verdicts published (one after another)."""
    vic = factories.user("vic", "reviewer")
    system = factories.SYSTEM
    school = factories.article(reviewer, TWO_CLAIMS)
    percent, year = Claim.select().where(Claim.article == school.id).order_by(Claim.start)
    percent = drive(percent, "approved", reviewer, editor, "false")
    claims.assign_claim(system, year.id, year.version, reviewer.id)
    unassigned = a_claim(reviewer, ARTICLES[1])
    researched = drive(a_claim(reviewer, ARTICLES[2]), "in_research", reviewer, editor)
    claims.assign_claim(system, researched.id, researched.version, reviewer.id)
    waiting = drive(a_claim(reviewer, ARTICLES[3]), "verdict_proposed", reviewer, editor)
    claims.assign_claim(system, waiting.id, waiting.version, vic.id)
    revised = drive(a_claim(reviewer, ARTICLES[4]), "approved", reviewer, editor, "true")
    claims.reopen_claim(factories.actor_for(editor), revised.id, revised.version, "Revised.")
    again = propose_as(reviewer, revised, "mostly-true")
    verdicts.approve_verdict(factories.actor_for(editor), again.id)
    dismissed = drive(a_claim(reviewer, ARTICLES[5]), "dismissed", reviewer, editor)
    return {
        "school": school,
        "year": year,
        "unassigned": unassigned,
        "researched": researched,
        "waiting": waiting,
        "revised": revised,
        "dismissed": dismissed,
    }


def test_the_dashboard_counts_claims_by_state_and_published_verdicts_by_rating(
    app, editor_client, reviewer_client, reviewer, editor
):
    newsroom(reviewer, editor)
    html = editor_client.get("/").text
    assert svg_desc(html, "chart-states") == (
        "New: 2; In research: 1; Verdict proposed: 1; Approved (published): 2; Dismissed: 1"
    )
    assert svg_desc(html, "chart-ratings") == (
        "True: 0; Mostly true: 1; Half true / mixed: 0; Mostly false: 0; False: 1; "
        "Misleading: 0; Unproven (not enough evidence): 0; Not checkable: 0"
    )
    [states] = tree(html).xpath(
        "//*[local-name()='svg'][@aria-labelledby='chart-states-title chart-states-desc']"
    )
    assert states.get("role") == "img"
    bar_counts = [
        words(g.xpath("./*[local-name()='text']")[1]) for g in states.xpath("./*[local-name()='g']")
    ]
    assert bar_counts == ["2", "1", "1", "2", "1"]
    assert "1 verdict waiting for approval" in words(tree(html).xpath("//p[@class='summary']")[0])

    mine = words(tree(reviewer_client.get("/").text).xpath("//p[@class='summary']")[0])
    assert mine == "My queue: 2 to research, 0 waiting for an editor."


def test_the_dashboard_shows_work_in_progress_the_oldest_claims_and_the_workload(
    app, reviewer_client, reviewer, editor
):
    made = newsroom(reviewer, editor)
    html = reviewer_client.get("/").text
    doc = tree(html)

    progress = doc.xpath("//ul[contains(@class, 'progress-list')]/li")
    titles = [words(li.xpath("./a")[0]) for li in progress]
    assert len(titles) == 4  # the school article and three one-claim articles with open work
    school = progress[-1]  # imported first, listed last
    assert school.xpath("./a/@href") == [f"/articles/{made['school'].id}"]
    assert "1 of 2 claims done" in words(school)
    label = school.xpath("./*[local-name()='svg']")[0].get("aria-label")
    assert label.startswith("Claims by state: ")
    assert set(label[len("Claims by state: ") :].split(", ")) == {"1 new", "1 approved (published)"}
    listed = {href for li in progress for href in li.xpath("./a/@href")}
    assert f"/articles/{made['revised'].article_id}" not in listed  # all decided
    assert f"/articles/{made['dismissed'].article_id}" not in listed

    oldest = doc.xpath("//section[@aria-labelledby='oldest-heading']//li/a/@href")
    assert oldest == [
        f"/claims/{made['year'].id}",
        f"/claims/{made['unassigned'].id}",
        f"/claims/{made['researched'].id}",
    ]

    rows = doc.xpath("//section[@aria-labelledby='workload-heading']//tbody/tr")
    assert [[words(cell) for cell in r.xpath("./*")] for r in rows] == [
        ["Rita", "1", "1", "0"],
        ["Vic", "0", "0", "1"],
    ]

    article = reviewer_client.get(f"/articles/{made['school'].id}").text
    bar = tree(article).xpath("//*[local-name()='svg'][contains(@class, 'progress')]")[0]
    assert bar.get("aria-label") == "Claims by state: 1 new, 1 approved"


# 13. Pages that do not grow with the data -------------------------------------------------------


def test_the_claim_page_runs_as_many_queries_for_seven_verdicts_as_for_two(
    app, editor_client, reviewer, editor, monkeypatch
):
    few, many = a_claim(reviewer, ARTICLES[0]), a_claim(reviewer, ARTICLES[1])
    eddie = factories.actor_for(editor)
    for claim, rounds in ((few, 1), (many, 3)):
        attach(claim, reviewer)
        for i in range(rounds):
            rejected = propose_as(reviewer, claim, "false")
            verdicts.reject_verdict(eddie, rejected.id, f"Round {i}: not yet.")
            approved = propose_as(reviewer, claim, "mostly-false")
            verdicts.approve_verdict(eddie, approved.id)
            claims.reopen_claim(eddie, claim.id, fresh(claim).version, "Again.")
        propose_as(reviewer, claim, "true")  # one waiting, as on the other page
    assert Verdict.select().where(Verdict.claim == many.id).count() == 7
    claim_page(editor_client, few.id)  # warm up whatever is loaded once

    counts = {}
    for claim in (few, many):
        page_cache(app).clear()  # the page drawn, not its remembered copy
        evidence._groupings.clear()  # nor its remembered grouping (one query fewer)
        pages.forget_parts(app)  # nor its remembered provenance
        seen = count_queries(monkeypatch)
        html = claim_page(editor_client, claim.id)
        counts[claim.id] = len(seen)
        monkeypatch.undo()
        assert len(history_lines(html)) == Verdict.select().where(Verdict.claim == claim.id).count()
        assert "approved by Eddie" in section(html, "verdict")
    assert counts[few.id] > 5
    assert counts[few.id] == counts[many.id], counts


def test_the_dashboard_and_queue_run_as_many_queries_for_fourteen_claims_as_for_four(
    app, reviewer_client, reviewer, editor, monkeypatch
):
    vic = factories.user("vic", "reviewer")
    states = ["approved", "in_research", "new", "verdict_proposed"]
    slugs = ["true", "false", "half-true", "misleading"]

    def add(n: int) -> None:
        start = Claim.select().count()
        for i in range(start, start + n):
            claim = drive(
                a_claim(reviewer, ARTICLES[i]), states[i % 4], reviewer, editor, slugs[i % 4]
            )
            who = (reviewer, vic)[i % 2]
            claims.assign_claim(factories.SYSTEM, claim.id, claim.version, who.id)

    def queries() -> int:
        seen = count_queries(monkeypatch)
        response = reviewer_client.get("/")
        monkeypatch.undo()
        assert response.status_code == 200
        return len(seen)

    def queue_queries() -> int:
        seen = count_queries(monkeypatch)
        response = reviewer_client.get("/queue")
        monkeypatch.undo()
        assert response.status_code == 200
        return len(seen)

    add(4)
    reviewer_client.get("/")  # warm up
    small, small_queue = queries(), queue_queries()
    add(10)
    large, large_queue = queries(), queue_queries()
    html = reviewer_client.get("/").text
    assert "In research: 4" in svg_desc(html, "chart-states")
    assert small > 5
    assert small == large, (small, large)
    assert small_queue == large_queue, (small_queue, large_queue)


def test_the_claim_pages_workflow_facts_equal_the_ones_read_by_queries(app, reviewer, editor):
    """The claim page gives the workflow what it has read (all the evidence, the whole verdict
    history); the facts are the ones the services read for themselves, at every step."""
    claim = a_claim(reviewer)
    eddie = factories.actor_for(editor)
    second = factories.source("Second outlet")

    def same_facts() -> None:
        for account in (reviewer, editor):
            actor = factories.actor_for(account)
            page = claims.workflow_facts(
                actor,
                fresh(claim),
                evidence=evidence.claim_evidence(claim.id),
                verdicts=verdicts.claim_verdicts(claim.id),
            )
            assert page == claims.workflow_facts(actor, fresh(claim))

    same_facts()  # no evidence, no verdict
    attach(claim, reviewer)
    attach(claim, editor, second, "refutes")
    same_facts()
    first = propose_as(reviewer, claim, "false")
    same_facts()  # waiting, proposed by the reviewer
    verdicts.reject_verdict(eddie, first.id, "Not yet.")
    same_facts()
    propose_as(editor, claim, "mostly-false")
    facts = claims.workflow_facts(
        eddie, fresh(claim), evidence=[], verdicts=verdicts.claim_verdicts(claim.id)
    )
    assert facts.verdict_author == editor.id and facts.pending_verdict and facts.evidence == 0
    same_facts()
