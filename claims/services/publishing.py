"""What is published: the claims whose current verdict an editor approved, gathered for
ClaimReview in a fixed number of queries per page."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from peewee import Case

from claims.config import Publisher
from claims.db import PreparedSelect, db
from claims.errors import NotFoundError
from claims.export import claimreview
from claims.export.claimreview import Problem, Published, Revision
from claims.models import Article, AuditEvent, Claim, Rating, Verdict
from claims.sanitize import markdown_text

FEED_BATCH = 500


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
    for entity_id, at, after in db.execute(events).fetchall():
        found[int(entity_id)].append((_instant(at), json.loads(after or "{}").get("reason")))
    return found


def _instant(value: datetime | str) -> datetime:
    # Rows are read raw (see `published`): SQLite gives a timestamp as the text peewee stored,
    # "YYYY-MM-DD HH:MM:SS[.ffffff]", which fromisoformat reads; PostgreSQL gives a datetime.
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def _day(value: date | str | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def _page_query(
    article_id: int | None,
    claim_id: int | None,
    after_id: int | None,
    after_again: int | None,
    limit: int,
) -> Any:
    """One page of published claims (`after_again` is `after_id` once more: a prepared query
    takes each value once)."""
    query = (
        Verdict.select(
            Verdict.claim,
            Claim.statement,
            Claim.attribution,
            Claim.status,
            Claim.needs_recheck,
            Claim.recheck_since,
            Claim.anchor_state,
            Article.title,
            Article.url,
            Article.publisher,
            Article.published_date,
            Rating.label,
            Rating.slug,
            Rating.numeric,
            Verdict.explanation,
            Case(None, [(Verdict.explanation.is_null(), Verdict.rationale)]),
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
        # The bound on both sides of the join: with the verdict's alone, PostgreSQL merge-joined
        # the claims from the first id on every page (an export of 59,409 read half the claim
        # table per page of 500).
        query = query.where((Verdict.claim > after_id) & (Claim.id > after_again))
    return query.order_by(Verdict.claim).limit(limit)


def _approvals_query(
    article_id: int | None,
    claim_id: int | None,
    after_id: int | None,
    after_again: int | None,
    limit: int,
) -> Any:
    """Every approval of the page's claims, oldest first."""
    page = _page_query(article_id, claim_id, after_id, after_again, limit)
    # The page as a subquery rather than its list of ids, which peewee takes longer to write
    # out than the database to read.
    return (
        Verdict.select(Verdict.claim, Rating.label, Verdict.decided_at)
        .join(Rating)
        .where(Verdict.claim.in_(page.select(Verdict.claim)) & (Verdict.state == "approved"))
        .order_by(Verdict.decided_at, Verdict.id)
    )


# Written once per database and choice of filters, then run with new values.
_PAGE = PreparedSelect(_page_query)
_APPROVALS = PreparedSelect(_approvals_query)


def published(
    *,
    after_id: int | None = None,
    limit: int = FEED_BATCH,
    article_id: int | None = None,
    claim_id: int | None = None,
) -> list[Published]:
    """Published claims in id order (keyset after `after_id`), optionally of one article or
    one claim: three queries whatever the page size."""
    # Only what a ClaimReview is made of (an article's text is most of a row; a rationale is
    # read only when there is no plain explanation to use), in the order of the index
    # verdict(current, claim_id): page after page without sorting. The rows are read raw, as
    # the database gives them: three models built per row were a third of the export's time.
    current = _PAGE.rows(article_id, claim_id, after_id, after_id, limit)
    if not current:
        return []
    history: dict[int, list[tuple[str, datetime]]] = {row[0]: [] for row in current}
    for owner, label, decided in _APPROVALS.rows(article_id, claim_id, after_id, after_id, limit):
        history[owner].append((label, _instant(decided)))
    # Reopenings matter to a claim with a revised verdict, or one reopened since its verdict.
    reopened = _reopenings(
        [row[0] for row in current if len(history[row[0]]) > 1 or row[3] != "approved"]
    )
    items = []
    for (
        claim,
        statement,
        attribution,
        status,
        needs_recheck,
        recheck_since,
        anchor_state,
        article_title,
        article_url,
        article_publisher,
        article_date,
        label,
        slug,
        numeric,
        explanation,
        rationale,
    ) in current:
        events = reopened.get(claim, ())
        revisions: list[Revision] = []
        for revised, decided in history[claim]:
            reason = None
            if revisions:
                between = [r for at, r in events if revisions[-1].decided_at <= at <= decided]
                reason = between[-1] if between else None
            revisions.append(Revision(revised, decided, reason))
        since = reason = None
        if needs_recheck:
            since = None if recheck_since is None else _instant(recheck_since)
            reason = "the article was edited after publication and the claim's words " + (
                "are no longer in it" if anchor_state == "orphaned" else "changed"
            )
        elif status != "approved":
            later = [(at, r) for at, r in events if at >= revisions[-1].decided_at]
            if later:
                since, reason = later[-1]
        items.append(
            Published(
                claim_id=claim,
                statement=statement,
                attribution=attribution,
                article_title=article_title,
                article_url=article_url,
                article_publisher=article_publisher,
                article_date=_day(article_date),
                rating_label=label,
                rating_slug=slug,
                rating_numeric=numeric,
                explanation=explanation if explanation is not None else markdown_text(rationale),
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
