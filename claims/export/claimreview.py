"""schema.org ClaimReview for published verdicts, and its validation against Google's rules for
fact-check structured data. Pure: no Flask, no database; `claims.services.publishing` gathers
what it needs.

Google requires `claimReviewed`, `reviewRating` (with `alternateName`), `url` and `author`
(an Organization with name and url); it recommends `itemReviewed` (a Claim with its `author`,
`datePublished` and `appearance` / `firstAppearance`) and `datePublished`. A numeric rating
carries `ratingValue` between `worstRating` (at least 1) and `bestRating`, higher meaning truer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from claims.config import Publisher

CONTEXT = "https://schema.org"
BEST_RATING = 5
WORST_RATING = 1
CLAIM_REVIEWED_SUGGESTED = 75
EXPLANATION_MAX = 280
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))?$")


@dataclass(frozen=True)
class Revision:
    """One approved verdict of a claim, in order."""

    label: str
    decided_at: datetime
    reason: str | None = None  # why the claim was reopened before this verdict


@dataclass(frozen=True)
class Published:
    """What one published claim is made of."""

    claim_id: int
    statement: str
    attribution: str | None
    article_title: str
    article_url: str | None
    article_publisher: str | None
    article_date: date | None
    rating_label: str
    rating_slug: str
    rating_numeric: int | None
    explanation: str
    revisions: tuple[Revision, ...]
    under_revision_since: datetime | None = None
    under_revision_reason: str | None = None
    appearances: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Problem:
    """Why a review would not be valid ("error": not published) or could be better."""

    level: str  # error | warning
    message: str


def instant(value: datetime) -> str:
    """Strict ISO 8601 in UTC, to the second: 2026-03-02T10:15:00Z."""
    return value.isoformat(timespec="seconds") + "Z"


def shorten(text: str, limit: int) -> str:
    """Cut at a word boundary with an ellipsis when longer than `limit` characters."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",.;:")
    return cut + "…"


def correction_log(item: Published) -> list[dict[str, Any]]:
    """What changed after first publication, one entry per change, oldest first."""
    entries = []
    for before, after in zip(item.revisions, item.revisions[1:], strict=False):
        if before.label != after.label:
            text = (
                f"Rating changed from {before.label} to {after.label} "
                f"on {after.decided_at:%Y-%m-%d}"
            )
        else:
            text = (
                f"Verdict revised on {after.decided_at:%Y-%m-%d} (rating unchanged: {after.label})"
            )
        if after.reason:
            text += f" because {after.reason.rstrip('.')}"
        entries.append(
            {
                "@type": "CorrectionComment",
                "datePublished": instant(after.decided_at),
                "text": text + ".",
            }
        )
    if item.under_revision_since is not None:
        text = f"Under revision since {item.under_revision_since:%Y-%m-%d}"
        if item.under_revision_reason:
            text += f": {item.under_revision_reason.rstrip('.')}"
        entries.append(
            {
                "@type": "CorrectionComment",
                "datePublished": instant(item.under_revision_since),
                "text": text + ".",
            }
        )
    return entries


def claim_review(item: Published, publisher: Publisher) -> dict[str, Any]:
    """The ClaimReview of one published claim."""
    first, last = item.revisions[0], item.revisions[-1]
    rating: dict[str, Any] = {"@type": "Rating", "alternateName": item.rating_label}
    if item.rating_numeric is not None:
        rating.update(
            ratingValue=item.rating_numeric, bestRating=BEST_RATING, worstRating=WORST_RATING
        )
    if item.explanation:
        rating["ratingExplanation"] = shorten(item.explanation, EXPLANATION_MAX)
    claimant = item.attribution or item.article_publisher
    reviewed: dict[str, Any] = {"@type": "Claim"}
    if claimant:
        reviewed["author"] = {"@type": "Organization", "name": claimant}
    if item.article_date:
        reviewed["datePublished"] = item.article_date.isoformat()
    if item.article_url:
        appearance: dict[str, Any] = {
            "@type": "CreativeWork",
            "url": item.article_url,
            "headline": item.article_title,
        }
        if item.article_publisher:
            appearance["publisher"] = {"@type": "Organization", "name": item.article_publisher}
        reviewed["firstAppearance"] = appearance
    others = [u for u in item.appearances if u != item.article_url]
    if others:
        reviewed["appearance"] = [{"@type": "CreativeWork", "url": u} for u in others]
    review: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "ClaimReview",
        "url": publisher.review_url(item.claim_id),
        "claimReviewed": item.statement,
        "author": {"@type": "Organization", "name": publisher.name, "url": publisher.url},
        "datePublished": instant(first.decided_at),
        "itemReviewed": reviewed,
        "reviewRating": rating,
        "version": len(item.revisions),
    }
    modified = item.under_revision_since or last.decided_at
    if modified != first.decided_at:
        review["dateModified"] = instant(modified)
    corrections = correction_log(item)
    if corrections:
        review["correction"] = corrections
    return review


def validate(review: dict[str, Any]) -> list[Problem]:
    """Check a ClaimReview against Google's required and recommended properties."""
    problems: list[Problem] = []

    def error(message: str) -> None:
        problems.append(Problem("error", message))

    def warn(message: str) -> None:
        problems.append(Problem("warning", message))

    if review.get("@context") != CONTEXT or review.get("@type") != "ClaimReview":
        error('@context must be "https://schema.org" and @type "ClaimReview".')
    claim = review.get("claimReviewed")
    if not isinstance(claim, str) or not claim.strip():
        error("claimReviewed is required: the claim, restated neutrally.")
    elif len(claim) > CLAIM_REVIEWED_SUGGESTED:
        warn(
            f"claimReviewed has {len(claim)} characters; Google suggests under "
            f"{CLAIM_REVIEWED_SUGGESTED}."
        )
    url = review.get("url")
    if not isinstance(url, str) or not url.startswith("https://"):
        error("url must be the absolute https address of the published verdict.")
    author = review.get("author") or {}
    if author.get("@type") != "Organization" or not author.get("name") or not author.get("url"):
        error("author must be the newsroom, an Organization with name and url.")
    for key in ("datePublished", "dateModified"):
        value = review.get(key)
        if value is not None and not (isinstance(value, str) and _ISO_DATE.match(value)):
            error(f"{key} must be an ISO 8601 date.")
    if "datePublished" not in review:
        warn("datePublished is recommended.")
    rating = review.get("reviewRating") or {}
    if rating.get("@type") != "Rating" or not rating.get("alternateName"):
        error("reviewRating needs a Rating with alternateName (the rating's label).")
    if "ratingValue" in rating:
        numbers = [rating.get(k) for k in ("ratingValue", "bestRating", "worstRating")]
        if not all(isinstance(n, int | float) and not isinstance(n, bool) for n in numbers):
            error("ratingValue, bestRating and worstRating must be numbers.")
        else:
            value, best, worst = numbers
            if not (1 <= worst < best and worst <= value <= best):  # type: ignore[operator]
                error("ratingValue must lie between worstRating (at least 1) and bestRating.")
    reviewed = review.get("itemReviewed") or {}
    if reviewed.get("@type") != "Claim":
        error("itemReviewed must be a Claim.")
    else:
        first = reviewed.get("firstAppearance") or {}
        if not str(first.get("url", "")).startswith(("http://", "https://")):
            error("itemReviewed.firstAppearance needs the address where the claim appeared.")
        if not (reviewed.get("author") or {}).get("name"):
            warn("itemReviewed.author (who made the claim) is recommended.")
        if "datePublished" not in reviewed:
            warn("itemReviewed.datePublished (when the claim was made) is recommended.")
    return problems


def errors(problems: list[Problem]) -> list[str]:
    """The messages of the problems that keep a review from being published."""
    return [p.message for p in problems if p.level == "error"]


# What json.dumps(review, ensure_ascii=False) writes, without a new encoder for each review.
_FEED_ENCODER = json.JSONEncoder(ensure_ascii=False)


def feed_chunks(reviews: Iterable[dict[str, Any]]) -> Iterator[str]:
    """A schema.org DataFeed of ClaimReviews as text chunks, one element at a time, so that a
    feed of any length is written with flat memory."""
    encode = _FEED_ENCODER.encode
    yield '{"@context":"https://schema.org","@type":"DataFeed","dataFeedElement":['
    for n, review in enumerate(reviews):
        yield ("," if n else "") + encode(review)
    yield "]}\n"
