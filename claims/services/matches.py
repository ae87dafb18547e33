""" "Checked before?": claims already in the tracker that say what a new claim says.

When claims are created (import, a reviewer's selection, split, merge), each one's blocking terms
(claims/matching.py: canonical entities, figures, rare words) are stored in `claim_term`, the
claims of other articles sharing the most terms are scored by claims.matching, and those at or
above MATCH_THRESHOLD are kept as suggestions, best first, with their reasons; suggestions the
matcher marks `auto` (long texts, high score, no penalty) are confirmed at once. Suggestions and
terms are derived data, written in the creating transaction without events of their own; a
reviewer's decision (confirm or reject) is audited. A confirmed match links the other claim's
evidence (read, never copied) on the claim's page.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from claims import audit, matching
from claims.audit import Actor
from claims.db import PreparedSelect, db, utcnow
from claims.errors import NotFoundError, ValidationError
from claims.models import (
    Article,
    Claim,
    ClaimMatch,
    ClaimTerm,
    Evidence,
    Quantity,
    Rating,
    Source,
    Verdict,
)

CANDIDATES = 30  # claims scored per new claim: those sharing the most blocking terms
SUGGESTIONS = 5  # kept per claim
# A blocking term shared by very many claims ("morocco") says little: only its most recent
# claims are counted. Without a cap, a claim's candidates were counted over every claim sharing
# a common term (110 ms per new claim at 100,000 claims; 3 s to import an article).
TERM_POSTINGS = 1000


def _text(claim: Claim, quantities: Sequence[Quantity]) -> matching.ClaimText:
    return matching.ClaimText(
        claim.id,
        claim.statement,
        tuple((q.value, q.value_high, q.unit) for q in quantities),
    )


def _quantities(claim_ids: list[int]) -> dict[int, list[Quantity]]:
    found: dict[int, list[Quantity]] = {i: [] for i in claim_ids}
    for q in Quantity.select().where(Quantity.claim.in_(claim_ids)).order_by(Quantity.id):
        found[q.claim_id].append(q)
    return found


def index_claims(claims: Sequence[Claim], quantities: dict[int, list[Quantity]]) -> None:
    """Store the claims' blocking terms and their suggested matches, inside the caller's
    transaction (called by services.claims.create_claims)."""
    if not claims:
        return
    ids = [c.id for c in claims]
    ClaimTerm.delete().where(ClaimTerm.claim.in_(ids)).execute()
    ClaimMatch.delete().where(
        ClaimMatch.claim.in_(ids) & (ClaimMatch.state == "suggested")
    ).execute()
    rows: list[dict[str, Any]] = []
    features = {}
    for claim in claims:
        found = matching.features(_text(claim, quantities.get(claim.id, [])))
        features[claim.id] = found
        rows += [
            {"claim": claim.id, "term": t[:64]} for t in sorted(matching.blocking_terms(found))
        ]
    for start in range(0, len(rows), 500):
        ClaimTerm.insert_many(rows[start : start + 500]).on_conflict_ignore().execute()
    known: dict[int, Any] = {}  # candidates' features, computed once per call
    for claim in claims:
        _suggest(claim, features[claim.id], known)


def _suggest(claim: Claim, found: Any, known: dict[int, Any]) -> None:
    terms = sorted(matching.blocking_terms(found))
    if not terms:
        return
    # Each term's most recent claims (index claim_term(term, claim_id), read backwards), counted
    # together: the other articles' claims sharing the most terms.
    mark = db.param
    arm = (
        f"SELECT * FROM (SELECT claim_id FROM claim_term WHERE term = {mark}"  # noqa: S608
        f" AND claim_id NOT IN (SELECT id FROM claim WHERE article_id = {mark})"
        f" ORDER BY claim_id DESC LIMIT {TERM_POSTINGS}) AS term_claims"
    )
    postings = " UNION ALL ".join([arm] * len(terms))
    sql = (
        f"SELECT p.claim_id, COUNT(*) AS shared FROM ({postings}) AS p"  # noqa: S608
        " JOIN claim c ON c.id = p.claim_id"
        f" WHERE c.article_id <> {mark} AND c.status <> 'dismissed'"
        f" GROUP BY p.claim_id ORDER BY shared DESC, p.claim_id DESC LIMIT {CANDIDATES}"
    )
    params = [value for t in terms for value in (t[:64], claim.article_id)]
    rows = db.execute_sql(sql, [*params, claim.article_id]).fetchall()
    candidates = [int(cid) for cid, _ in rows]
    if not candidates:
        return
    missing = [c for c in candidates if c not in known]
    if missing:
        others = list(Claim.select(Claim.id, Claim.statement).where(Claim.id.in_(missing)))
        figures = _quantities(missing)
        for other in others:
            known[other.id] = matching.features(_text(other, figures[other.id]))
    scored = sorted(
        (matching.score(found, known[c]) for c in candidates if c in known),
        key=lambda m: (-m.score, m.other_id),
    )
    now = utcnow()
    kept = [m for m in scored if m.score >= matching.MATCH_THRESHOLD][:SUGGESTIONS]
    if kept:
        ClaimMatch.insert_many(
            [
                {
                    "claim": claim.id,
                    "other": m.other_id,
                    "score": round(m.score, 4),
                    "reasons": json.dumps(list(m.reasons), ensure_ascii=False),
                    "state": "confirmed" if m.auto else "suggested",
                    "decided_at": now if m.auto else None,
                    "created_at": now,
                }
                for m in kept
            ]
        ).on_conflict_ignore().execute()


@dataclass(frozen=True)
class Listed:
    """A match as the claim's page shows it: the other claim, its article, its verdict."""

    match: ClaimMatch
    other: Claim
    verdict: Verdict | None
    reasons: list[str]


_MATCHES = PreparedSelect(
    lambda claim_id: (
        ClaimMatch.select(ClaimMatch, Claim, Article)
        .join(Claim, on=(ClaimMatch.other == Claim.id))
        .join(Article)
        .where((ClaimMatch.claim == claim_id) & (ClaimMatch.state != "rejected"))
        .order_by(ClaimMatch.state, ClaimMatch.score.desc(), ClaimMatch.id)
    )
)
_CURRENT_VERDICTS = PreparedSelect(
    lambda claim_ids: (
        Verdict.select(Verdict, Rating)
        .join(Rating)
        .where(Verdict.claim.in_(claim_ids) & Verdict.current)
    )
)


def matches_of(claim_id: int) -> list[Listed]:
    """A claim's suggested and confirmed matches (rejected ones left out), best first, with
    the other claims' current verdicts: three queries."""
    rows = _MATCHES(claim_id)
    others = [m.other_id for m in rows]
    # Always the same three queries (an empty IN matches nothing), matches or not.
    verdicts = {v.claim_id: v for v in _CURRENT_VERDICTS(others)}
    return [
        Listed(m, m.other, verdicts.get(m.other_id), json.loads(m.reasons or "[]")) for m in rows
    ]


def decide_match(actor: Actor, claim_id: int, other_id: int, confirm: bool) -> ClaimMatch:
    """A reviewer confirms that another claim says the same (its evidence is then linked) or
    rejects the suggestion. A pair never suggested may be confirmed too (scored now).

    Raises NotFoundError, ValidationError for a claim matched with itself.
    """
    if claim_id == other_id:
        raise ValidationError("A claim cannot match itself.", field="other_id")
    with db.atomic():
        pair = list(Claim.select().where(Claim.id.in_([claim_id, other_id])))
        if len(pair) != 2:
            raise NotFoundError("No such claim.")
        found = ClaimMatch.get_or_none(
            (ClaimMatch.claim == claim_id) & (ClaimMatch.other == other_id)
        )
        state = "confirmed" if confirm else "rejected"
        before = {"state": found.state} if found is not None else {}
        if found is None:
            by_id = {c.id: c for c in pair}
            figures = _quantities([claim_id, other_id])
            scored = matching.score(
                matching.features(_text(by_id[claim_id], figures[claim_id])),
                matching.features(_text(by_id[other_id], figures[other_id])),
            )
            found = ClaimMatch.create(
                claim=claim_id,
                other=other_id,
                score=round(scored.score, 4),
                reasons=json.dumps(list(scored.reasons), ensure_ascii=False),
                state=state,
                decided_by=actor.user_id,
                decided_at=utcnow(),
            )
        elif found.state != state:
            ClaimMatch.update(state=state, decided_by=actor.user_id, decided_at=utcnow()).where(
                ClaimMatch.id == found.id
            ).execute()
        else:
            return found
        audit.record(
            actor,
            f"claim.match_{'confirm' if confirm else 'reject'}",
            "claim",
            claim_id,
            before=before,
            after={"state": state, "other_id": other_id, "score": found.score},
            parent=("claim", claim_id),
        )
        return ClaimMatch.get_by_id(found.id)


def linked_evidence(claim_id: int) -> list[Evidence]:
    """The evidence of the claims confirmed to say the same: linked, not copied (one query)."""
    return _LINKED(claim_id)


_LINKED = PreparedSelect(
    lambda claim_id: (
        Evidence.select(Evidence, Source)
        .join(Source)
        .where(
            Evidence.claim.in_(
                ClaimMatch.select(ClaimMatch.other).where(
                    (ClaimMatch.claim == claim_id) & (ClaimMatch.state == "confirmed")
                )
            )
        )
        .order_by(Evidence.claim, Evidence.id)
        .limit(50)
    )
)
