"""The JSON shapes of articles, claims, sources and evidence, shared by the API and the CLI."""

from __future__ import annotations

from typing import Any

from claims import extraction
from claims.models import (
    Article,
    ArticleRevision,
    Claim,
    Evidence,
    Quantity,
    Rating,
    Snapshot,
    Source,
    Verdict,
)
from claims.services import claims


def claim_json(claim: Claim, quantities: list[Quantity]) -> dict[str, Any]:
    """A claim as the API shows it: the extractor's shape plus its place in the workflow."""
    return {
        "id": claim.id,
        "article_id": claim.article_id,
        **extraction.to_json(claim, quantities),
        "checkworthiness": round(claim.checkworthiness, 4),
        "status": claim.status,
        "dismissed_reason": claim.dismissed_reason,
        "assignee_id": claim.assignee_id,
        "attributed_source_id": claim.attributed_source_id,
        "revision": claim.revision,
        "anchor_state": claim.anchor_state,
        "needs_recheck": claim.needs_recheck,
        "version": claim.version,
        "created_at": claim.created_at.isoformat() + "Z",
        "updated_at": claim.updated_at.isoformat() + "Z",
    }


def claims_json(claim_list: list[Claim]) -> list[dict[str, Any]]:
    """Several claims with their quantities, in two queries."""
    grouped = claims.quantities_of(claim_list)
    return [claim_json(c, grouped[c.id]) for c in claim_list]


def article_json(article: Article, *, with_text: bool) -> dict[str, Any]:
    """An article with its claims (and its text when asked)."""
    data: dict[str, Any] = {
        "id": article.id,
        "title": article.title,
        "url": article.url,
        "publisher": article.publisher,
        "byline": article.byline,
        "published": article.published_date.isoformat() if article.published_date else None,
        "text_sha256": article.text_sha256,
        "imported_by_id": article.imported_by_id,
        "imported_at": article.imported_at.isoformat() + "Z",
        "current_revision": article.current_revision,
        "check_state": article.check_state,
        "checked_at": _instant(article.checked_at),
        "check_error": article.check_error,
        "version": article.version,
    }
    if with_text:
        data["text"] = article.text
    data["claims"] = claims_json(claims.article_claims(article.id))
    return data


def _instant(value: Any) -> str | None:
    return value.isoformat() + "Z" if value is not None else None


def revision_json(revision: ArticleRevision, *, with_text: bool = False) -> dict[str, Any]:
    """One text an article has had."""
    data: dict[str, Any] = {
        "number": revision.number,
        "text_sha256": revision.text_sha256,
        "origin": revision.origin,
        "final_url": revision.final_url,
        "created_by_id": revision.created_by_id,
        "created_at": _instant(revision.created_at),
    }
    if with_text:
        data["text"] = revision.text
    return data


def outcome_json(outcome: Any) -> dict[str, Any]:
    """Where one claim landed in a new revision (services.revisions.ClaimOutcome)."""
    return {
        "claim_id": outcome.claim_id,
        "outcome": outcome.outcome,
        "start": outcome.start,
        "end": outcome.end,
        "quote": outcome.quote,
        "score": round(outcome.score, 4),
        "diff": [list(d) for d in outcome.diff],
        "needs_recheck": outcome.needs_recheck,
    }


def snapshot_json(snapshot: Snapshot) -> dict[str, Any]:
    """One archived copy: when, what came back, and its fingerprint."""
    return {
        "id": snapshot.id,
        "source_id": snapshot.source_id,
        "fetched_at": _instant(snapshot.fetched_at),
        "http_status": snapshot.http_status,
        "final_url": snapshot.final_url,
        "content_type": snapshot.content_type,
        "sha256": snapshot.sha256,
    }


def source_json(
    source: Source,
    *,
    latest: Snapshot | None = None,
    snapshots: list[Snapshot] | None = None,
    cites: list[int] | None = None,
) -> dict[str, Any]:
    """A source with its latest snapshot (and all of them, newest first, when given)."""
    data: dict[str, Any] = {
        "id": source.id,
        "url": source.url,
        "title": source.title,
        "publisher": source.publisher,
        "author": source.author,
        "published": source.published_date.isoformat() if source.published_date else None,
        "kind": source.kind,
        "reliability": source.reliability,
        "reliability_note": source.reliability_note,
        "check_state": source.check_state,
        "checked_at": _instant(source.checked_at),
        "check_status": source.check_status,
        "check_error": source.check_error,
        "created_at": _instant(source.created_at),
        "version": source.version,
    }
    if snapshots is not None and latest is None and snapshots:
        latest = snapshots[0]
    data["latest_snapshot"] = snapshot_json(latest) if latest is not None else None
    if snapshots is not None:
        data["snapshots"] = [snapshot_json(s) for s in snapshots]
    if cites is not None:
        data["cites"] = cites
    return data


def evidence_json(item: Evidence) -> dict[str, Any]:
    """An evidence item, with where its excerpt was verified."""
    snapshot = item.snapshot if item.snapshot_id is not None else None
    return {
        "id": item.id,
        "claim_id": item.claim_id,
        "source_id": item.source_id,
        "excerpt": item.excerpt,
        "locator": item.locator,
        "stance": item.stance,
        "note": item.note,
        "quote_verified": item.quote_verified,
        "quote_snapshot": snapshot_json(snapshot) if snapshot is not None else None,
        "quote_checked_at": _instant(item.quote_checked_at),
        "stated_value": item.stated_value,
        "stated": None
        if item.stated_number is None
        else {
            "value": item.stated_number,
            "value_high": item.stated_high,
            "unit": item.stated_unit,
        },
        "created_by_id": item.created_by_id,
        "created_at": _instant(item.created_at),
        "version": item.version,
    }


def _stated(item: Evidence) -> dict[str, Any]:
    return {"value": item.stated_number, "value_high": item.stated_high, "unit": item.stated_unit}


def rating_json(rating: Rating) -> dict[str, Any]:
    """One step of the rating scale."""
    return {
        "id": rating.id,
        "slug": rating.slug,
        "label": rating.label,
        "numeric": rating.numeric,
        "position": rating.position,
        "description": rating.description,
        "version": rating.version,
    }


def verdict_json(verdict: Verdict) -> dict[str, Any]:
    """A verdict with its rating, its state in the four-eyes decision and its confidence."""
    return {
        "id": verdict.id,
        "claim_id": verdict.claim_id,
        "rating": rating_json(verdict.rating),
        "confidence": verdict.confidence,
        "suggested_confidence": verdict.suggested_confidence,
        "rationale": verdict.rationale,
        "state": verdict.state,
        "current": bool(verdict.current),
        "author_id": verdict.author_id,
        "approver_id": verdict.approver_id,
        "review_comment": verdict.review_comment,
        "created_at": _instant(verdict.created_at),
        "decided_at": _instant(verdict.decided_at),
        "version": verdict.version,
    }
