"""What is published: the claims whose current verdict an editor approved, gathered for
ClaimReview in a fixed number of queries per page."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from claims.config import Publisher
from claims.errors import NotFoundError
from claims.export import claimreview
from claims.export.claimreview import Problem, Published, Revision
from claims.models import Article, AuditEvent, Claim, Rating, Verdict
from claims.sanitize import markdown_text

FEED_BATCH = 200


@dataclass(frozen=True)
class Entry:
    """A published claim, its ClaimReview (None when it would be invalid) and the problems."""

    item: Published
    review: dict[str, Any] | None
    problems: list[Problem]


def _reopenings(claim_ids: list[int]) -> dict[int, list[tuple[datetime, str | None]]]:
    found: dict[int, list[tuple[datetime, str | None]]] = {i: [] for i in claim_ids}
    if not claim_ids:
        return found
    events = (
        AuditEvent.select(AuditEvent.entity_id, AuditEvent.at, AuditEvent.after)
        .where(
            (AuditEvent.entity_type == "claim")
            & AuditEvent.entity_id.in_(claim_ids)
            & (AuditEvent.action == "claim.reopen")
        )
        .order_by(AuditEvent.id)
    )
    for event in events:
        reason = json.loads(event.after or "{}").get("reason")
        found[int(event.entity_id or 0)].append((event.at, reason))
    return found


def published(
    *,
    after_id: int | None = None,
    limit: int = FEED_BATCH,
    article_id: int | None = None,
    claim_id: int | None = None,
) -> list[Published]:
    """Published claims in id order (keyset after `after_id`), optionally of one article or
    one claim: three queries whatever the page size."""
    # Only what a ClaimReview is made of (an article's text is most of a row), in the order of
    # the index verdict(current, claim_id): page after page without sorting.
    query = (
        Verdict.select(
            Verdict.id,
            Verdict.claim,
            Verdict.rationale,
            Verdict.explanation,
            Claim.id,
            Claim.statement,
            Claim.attribution,
            Claim.status,
            Claim.needs_recheck,
            Claim.recheck_since,
            Claim.anchor_state,
            Article.id,
            Article.title,
            Article.url,
            Article.publisher,
            Article.published_date,
            Rating.id,
            Rating.label,
            Rating.slug,
            Rating.numeric,
        )
        .join(Claim)
        .join(Article)
        .switch(Verdict)
        .join(Rating)
        .where(Verdict.current == True)  # noqa: E712
    )
    if article_id is not None:
        query = query.where(Claim.article == article_id)
    if claim_id is not None:
        query = query.where(Verdict.claim == claim_id)
    if after_id is not None:
        query = query.where(Verdict.claim > after_id)
    current = list(query.order_by(Verdict.claim).limit(limit))
    ids = [v.claim.id for v in current]
    if not ids:
        return []
    history: dict[int, list[tuple[str, datetime]]] = {i: [] for i in ids}
    rows = (
        Verdict.select(Verdict.claim, Rating.label, Verdict.decided_at)
        .join(Rating)
        .where(Verdict.claim.in_(ids) & (Verdict.state == "approved"))
        .order_by(Verdict.decided_at, Verdict.id)
        .tuples()
    )
    for owner, label, decided in cast(Iterable[tuple[int, str, datetime]], rows):
        history[int(owner)].append((str(label), decided))
    # Reopenings matter to a claim with a revised verdict, or one reopened since its verdict.
    reopened = _reopenings(
        [
            v.claim.id
            for v in current
            if len(history[v.claim.id]) > 1 or v.claim.status != "approved"
        ]
    )
    items = []
    for verdict in current:
        claim = verdict.claim
        revisions: list[Revision] = []
        for label, decided in history[claim.id]:
            reason = None
            if revisions:
                between = [
                    r
                    for at, r in reopened.get(claim.id, [])
                    if revisions[-1].decided_at <= at <= decided
                ]
                reason = between[-1] if between else None
            revisions.append(Revision(label, decided, reason))
        since = reason = None
        if claim.needs_recheck:
            since = claim.recheck_since
            reason = "the article was edited after publication and the claim's words " + (
                "are no longer in it" if claim.anchor_state == "orphaned" else "changed"
            )
        elif claim.status != "approved":
            later = [
                (at, r) for at, r in reopened.get(claim.id, []) if at >= revisions[-1].decided_at
            ]
            if later:
                since, reason = later[-1]
        article = claim.article
        items.append(
            Published(
                claim_id=claim.id,
                statement=claim.statement,
                attribution=claim.attribution,
                article_title=article.title,
                article_url=article.url,
                article_publisher=article.publisher,
                article_date=article.published_date,
                rating_label=verdict.rating.label,
                rating_slug=verdict.rating.slug,
                rating_numeric=verdict.rating.numeric,
                explanation=(
                    verdict.explanation
                    if verdict.explanation is not None
                    else markdown_text(verdict.rationale)
                ),
                revisions=tuple(revisions),
                under_revision_since=since,
                under_revision_reason=reason,
            )
        )
    return items


def entries(items: Iterable[Published], publisher: Publisher) -> list[Entry]:
    """Each item's ClaimReview, validated; an invalid one is reported, not returned."""
    result = []
    for item in items:
        review = claimreview.claim_review(item, publisher)
        problems = claimreview.validate(review)
        ok = not claimreview.errors(problems)
        result.append(Entry(item, review if ok else None, problems))
    return result


def claim_entry(claim_id: int, publisher: Publisher) -> Entry:
    """One published claim's entry. Raises NotFoundError if it is not published."""
    found = published(claim_id=claim_id, limit=1)
    if not found:
        raise NotFoundError("This claim has no published verdict.")
    return entries(found, publisher)[0]


def article_entries(article_id: int, publisher: Publisher, limit: int) -> list[Entry]:
    """An article's published claims (at most `limit`)."""
    if not Article.select().where(Article.id == article_id).exists():
        raise NotFoundError("No such article.")
    return entries(published(article_id=article_id, limit=limit), publisher)


def all_entries(publisher: Publisher, article_id: int | None = None) -> Iterator[Entry]:
    """Every published claim, in batches, for streamed exports."""
    after = None
    while True:
        batch = published(after_id=after, limit=FEED_BATCH, article_id=article_id)
        if not batch:
            return
        yield from entries(batch, publisher)
        after = batch[-1].claim_id
