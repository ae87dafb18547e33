"""The JSON shapes of articles and claims, shared by the API and the CLI."""

from __future__ import annotations

from typing import Any

from claims import extraction
from claims.models import Article, Claim, Quantity
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
        "version": article.version,
    }
    if with_text:
        data["text"] = article.text
    data["claims"] = claims_json(claims.article_claims(article.id))
    return data
