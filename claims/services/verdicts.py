"""Verdicts and the rating scale: proposing a verdict with a confidence, the four-eyes
decision, the suggested confidence, and the scale admins edit. Every change of a claim's state
passes `claims.workflow.check` first."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, cast

import peewee

from claims import audit, confidence, workflow
from claims.audit import Actor
from claims.db import PreparedSelect, db, utcnow
from claims.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from claims.models import (
    CLAIM_STATUSES,
    NOBODY,
    NOTE_MAX,
    Article,
    Claim,
    ClaimTally,
    Evidence,
    Rating,
    RatingTally,
    Source,
    User,
    Verdict,
    field_values,
)
from claims.sanitize import markdown_text
from claims.services import evidence
from claims.services.claims import actor_role, get_claim, save_claim, workflow_facts
from claims.services.records import save_versioned
from claims.text import one_line

RATIONALE_MAX = NOTE_MAX
COMMENT_MAX = NOTE_MAX
RATING_LABEL_MAX = 80
QUEUE_PER_STATE = 50


# The scale -------------------------------------------------------------------------------------


def ratings() -> list[Rating]:
    """The rating scale in its order."""
    return _RATINGS()


_RATINGS = PreparedSelect(lambda: Rating.select().order_by(Rating.position, Rating.id))


def get_rating(rating_id: int) -> Rating:
    """Return one rating. Raises NotFoundError."""
    rating = Rating.get_or_none(Rating.id == rating_id)
    if rating is None:
        raise NotFoundError("No such rating.", field="rating")
    return rating


def rating_usage() -> dict[int, int]:
    """How many verdicts use each rating, in one query."""
    rows = (
        Verdict.select(Verdict.rating, peewee.fn.COUNT(Verdict.id))
        .group_by(Verdict.rating)
        .tuples()
    )
    return {int(r): int(n) for r, n in cast(Iterable[tuple[int, int]], rows)}


def _require_admin(actor: Actor) -> None:
    if actor_role(actor) != "admin":
        raise PermissionDeniedError("Only an admin can change the rating scale.")


def _clean_rating(label: str, numeric: int | None, description: str) -> dict[str, Any]:
    label = one_line(label)
    if not label:
        raise ValidationError("A rating needs a label.", field="label")
    if len(label) > RATING_LABEL_MAX:
        raise ValidationError(f"A label is at most {RATING_LABEL_MAX} characters.", field="label")
    if numeric is not None and not 1 <= numeric <= 5:
        raise ValidationError(
            "The numeric value is 1 (false) to 5 (true), or none.", field="numeric"
        )
    description = (description or "").strip()
    if len(description) > NOTE_MAX:
        raise ValidationError(f"At most {NOTE_MAX:,} characters.", field="description")
    return {"label": label, "numeric": numeric, "description": description}


def _slug(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")[:40] or "rating"


def _unique_label(label: str, rating_id: int | None) -> None:
    others = Rating.select().where(peewee.fn.LOWER(Rating.label) == label.lower())
    if rating_id is not None:
        others = others.where(Rating.id != rating_id)
    if others.exists():
        raise ConflictError("The scale already has a rating with this label.", field="label")


def create_rating(actor: Actor, label: str, numeric: int | None, description: str = "") -> Rating:
    """Add a rating at the end of the scale (admins). Raises ValidationError, ConflictError."""
    _require_admin(actor)
    values = _clean_rating(label, numeric, description)
    with db.atomic():
        slug = _slug(values["label"])
        _unique_label(values["label"], None)
        if Rating.select().where(Rating.slug == slug).exists():
            raise ConflictError(
                "Another rating already has this identifier; choose a different label.",
                field="label",
            )
        last = Rating.select(peewee.fn.MAX(Rating.position)).scalar() or 0
        rating = Rating.create(slug=slug, position=last + 10, **values)
        audit.record(actor, "rating.create", "rating", rating.id, after=field_values(rating))
    return rating


def update_rating(
    actor: Actor,
    rating_id: int,
    version: int,
    *,
    label: str,
    numeric: int | None,
    description: str = "",
) -> Rating:
    """Relabel a rating or change its value (admins), if unchanged since `version`; its slug,
    which published reviews may name, stays. Raises ValidationError, ConflictError."""
    _require_admin(actor)
    values = _clean_rating(label, numeric, description)
    with db.atomic():
        rating = get_rating(rating_id)
        if rating.version != version:
            raise ConflictError("Someone else changed this rating since you opened it.")
        _unique_label(values["label"], rating.id)
        if all(getattr(rating, k) == v for k, v in values.items()):
            return rating
        return save_versioned(actor, rating, values, action="rating.update", noun="rating")


def move_rating(actor: Actor, rating_id: int, offset: int) -> list[Rating]:
    """Move a rating up (-1) or down (+1) the scale: it swaps places with its neighbour (one
    audit event for each of the two). Returns the scale."""
    _require_admin(actor)
    with db.atomic():
        scale = ratings()
        index = next((i for i, r in enumerate(scale) if r.id == rating_id), None)
        if index is None:
            raise NotFoundError("No such rating.")
        other = index + (1 if offset > 0 else -1)
        if not 0 <= other < len(scale):
            return scale
        scale[index], scale[other] = scale[other], scale[index]
        # Every rating gets an evenly spaced position in the new order (gaps left by removals
        # or edits would otherwise let a move jump over several); each one that moves is an
        # event.
        for position, row in enumerate(scale, 1):
            if row.position == position * 10:
                continue
            Rating.update(position=position * 10, version=row.version + 1).where(
                Rating.id == row.id
            ).execute()
            audit.record(
                actor,
                "rating.move",
                "rating",
                row.id,
                before={"position": row.position},
                after={"position": position * 10},
            )
        return ratings()


def delete_rating(actor: Actor, rating_id: int, version: int) -> Rating:
    """Remove a rating no verdict uses (admins). Raises ConflictError when it is in use."""
    _require_admin(actor)
    with db.atomic():
        rating = get_rating(rating_id)
        if rating.version != version:
            raise ConflictError("Someone else changed this rating since you opened it.")
        used = Verdict.select().where(Verdict.rating == rating_id).count()
        if used:
            raise ConflictError(
                f"“{rating.label}” is used by {used} verdict{'s' if used != 1 else ''}; "
                "relabel it instead of deleting it."
            )
        before = field_values(rating)
        rating.delete_instance()
        audit.record(actor, "rating.delete", "rating", rating_id, before=before)
    return rating


# Verdicts --------------------------------------------------------------------------------------


def claim_verdicts(claim_id: int) -> list[Verdict]:
    """A claim's whole verdict history, newest first, with ratings, authors and approvers."""
    return _CLAIM_VERDICTS(claim_id)


def _claim_verdicts_query(claim_id: int) -> Any:
    approver = User.alias()
    return (
        Verdict.select(Verdict, Rating, User, approver)
        .join(Rating)
        .switch(Verdict)
        .join(User, on=Verdict.author == User.id)
        .switch(Verdict)
        .join(approver, peewee.JOIN.LEFT_OUTER, on=Verdict.approver == approver.id)
        .where(Verdict.claim == claim_id)
        .order_by(Verdict.id.desc())
    )


_CLAIM_VERDICTS = PreparedSelect(_claim_verdicts_query)


def get_verdict(verdict_id: int) -> Verdict:
    """Return one verdict with its rating. Raises NotFoundError."""
    verdict = Verdict.select(Verdict, Rating).join(Rating).where(Verdict.id == verdict_id).first()
    if verdict is None:
        raise NotFoundError("No such verdict.")
    return verdict


def support_of(
    items: Iterable[Evidence], groups: dict[int, int] | None = None
) -> confidence.Support:
    """Evidence already read with its sources, weighed by the confidence formula; `groups`
    (evidence id -> group, from evidence.independence_of) makes dependent items count once."""
    groups = groups or {}
    return confidence.support(
        confidence.Item(e.stance, e.source.reliability, e.quote_verified, e.id, groups.get(e.id))
        for e in items
    )


def evidence_support(claim_id: int) -> confidence.Support:
    """The claim's evidence weighed by the confidence formula, dependent items counted once."""
    items = list(
        Evidence.select(Evidence, Source)
        .join(Source)
        .where(Evidence.claim == claim_id)
        .order_by(Evidence.id)
    )
    return support_of(items, evidence.independence_of(items).group_of())


def _confidence(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise ValidationError("Confidence is a whole number from 0 to 100.", field="confidence")
    return value


def propose_verdict(
    actor: Actor,
    claim_id: int,
    *,
    rating_id: int,
    confidence_value: int,
    rationale: str,
    version: int | None = None,
) -> Verdict:
    """A reviewer's verdict on a claim: a rating on the scale, a confidence 0-100 and a
    rationale (Markdown); the claim moves to "verdict proposed". With `version`, the claim
    must be unchanged since it was read.

    Raises ValidationError (confidence, rating, rationale), ConflictError (the claim is
    dismissed, already has a verdict waiting or is approved; stale version), NotFoundError.
    """
    if actor.user_id is None:
        raise ValidationError("A verdict is proposed by a user.")
    confidence_value = _confidence(confidence_value)
    rationale = (rationale or "").replace("\r\n", "\n").strip()
    if not rationale:
        raise ValidationError("Explain the verdict in the rationale.", field="rationale")
    if len(rationale) > RATIONALE_MAX:
        raise ValidationError(
            f"A rationale is at most {RATIONALE_MAX:,} characters.", field="rationale"
        )
    with db.atomic():
        rating = get_rating(rating_id)
        claim = get_claim(claim_id)
        if version is not None and claim.version != version:
            raise ConflictError("Someone else changed this claim since you opened it.")
        facts = workflow_facts(actor, claim)
        target = workflow.check("propose", claim.status, facts)
        suggested = evidence_support(claim.id).suggest(rating.numeric)
        verdict = Verdict.create(
            claim=claim.id,
            rating=rating.id,
            confidence=confidence_value,
            suggested_confidence=suggested,
            rationale=rationale,
            explanation=markdown_text(rationale),
            author=actor.user_id,
        )
        after = field_values(verdict)
        del after["explanation"]  # derived from the rationale, which the event holds
        after["rating_label"] = rating.label
        audit.record(
            actor, "verdict.propose", "verdict", verdict.id, after=after, parent=("claim", claim.id)
        )
        save_claim(actor, claim, "claim.propose", status=target)
    return get_verdict(verdict.id)


def _decide(actor: Actor, verdict_id: int, move: str) -> tuple[Verdict, Claim, str]:
    verdict = get_verdict(verdict_id)
    if verdict.state != "proposed":
        raise ConflictError(f"This verdict was already {verdict.state}.")
    claim = get_claim(verdict.claim_id)
    target = workflow.check(move, claim.status, workflow_facts(actor, claim))
    pending = (
        Verdict.select(Verdict.id)
        .where((Verdict.claim == claim.id) & (Verdict.state == "proposed"))
        .order_by(Verdict.id.desc())
        .scalar()
    )
    if pending != verdict.id:
        raise ConflictError("A newer verdict is waiting on this claim; decide that one.")
    return verdict, claim, target


def _close(verdict: Verdict, state: str, actor: Actor, comment: str | None) -> None:
    updated = (
        Verdict.update(
            state=state,
            approver=actor.user_id,
            review_comment=comment,
            decided_at=utcnow(),
            current=state == "approved",
            updated_at=utcnow(),
            version=verdict.version + 1,
        )
        .where((Verdict.id == verdict.id) & (Verdict.state == "proposed"))
        .execute()
    )
    if updated != 1:
        raise ConflictError("Someone else decided this verdict at the same moment.")


def approve_verdict(actor: Actor, verdict_id: int) -> Verdict:
    """An editor who is not its author approves a proposed verdict: it becomes the claim's
    current verdict (the one published) and the claim is approved.

    Raises PermissionDeniedError (not an editor, or the author: four eyes), ConflictError (not
    proposed, no evidence, decided meanwhile), NotFoundError.
    """
    with db.atomic():
        verdict, claim, target = _decide(actor, verdict_id, "approve")
        before = field_values(verdict)
        previous = list(
            Verdict.select().where((Verdict.claim == claim.id) & (Verdict.current == True))  # noqa: E712
        )
        for old in previous:
            Verdict.update(current=False).where(Verdict.id == old.id).execute()
            audit.record(
                actor,
                "verdict.supersede",
                "verdict",
                old.id,
                before={"current": True},
                after={"current": False, "superseded_by": verdict.id},
                parent=("claim", claim.id),
            )
        _close(verdict, "approved", actor, None)
        fresh = get_verdict(verdict.id)
        old_values, new_values = audit.changes(before, field_values(fresh))
        audit.record(
            actor,
            "verdict.approve",
            "verdict",
            verdict.id,
            before=old_values,
            after=new_values,
            parent=("claim", claim.id),
        )
        # A new verdict settles a re-check the article's edits asked for.
        save_claim(
            actor, claim, "claim.approve", status=target, needs_recheck=False, recheck_since=None
        )
        return fresh


def reject_verdict(actor: Actor, verdict_id: int, comment: str) -> Verdict:
    """An editor sends a proposed verdict back: the claim returns to research with the
    editor's comment for its reviewer.

    Raises ValidationError without a comment, PermissionDeniedError, ConflictError.
    """
    comment = (comment or "").replace("\r\n", "\n").strip()
    if not comment:
        raise ValidationError("Tell the reviewer what is missing.", field="comment")
    if len(comment) > COMMENT_MAX:
        raise ValidationError(f"A comment is at most {COMMENT_MAX:,} characters.", field="comment")
    with db.atomic():
        verdict, claim, target = _decide(actor, verdict_id, "reject")
        before = field_values(verdict)
        _close(verdict, "rejected", actor, comment)
        fresh = get_verdict(verdict.id)
        old_values, new_values = audit.changes(before, field_values(fresh))
        audit.record(
            actor,
            "verdict.reject",
            "verdict",
            verdict.id,
            before=old_values,
            after=new_values,
            parent=("claim", claim.id),
        )
        save_claim(actor, claim, "claim.reject", extra={"comment": comment}, status=target)
        return fresh


# Queues and the dashboard ----------------------------------------------------------------------


# The queue's list of claims flagged by an article revision (not a workflow state).
RECHECK = "needs_recheck"
OPEN_STATES = ("new", "in_research", "verdict_proposed")


class QueueItem(NamedTuple):
    """One line of a queue: what a reviewer sees of a claim."""

    id: int
    quote: str
    title: str
    updated_at: datetime


def _queue_query(where: peewee.Expression, order: peewee.Field, limit: int) -> Any:
    # Tuples of the four columns shown: building a Claim and an Article for each of a queue's
    # 200 lines was most of the page's time.
    return (
        Claim.select(Claim.id, Claim.quote, Article.title, Claim.updated_at)
        .join(Article)
        .where(where)
        .order_by(order, Claim.id)
        .limit(limit)
        .tuples()
    )


_QUEUE_RECHECK = PreparedSelect(
    lambda user_id, limit: _queue_query(
        (Claim.needs_recheck == True)  # noqa: E712 - the index needs the comparison
        & ((Claim.assignee == user_id) | Claim.assignee.is_null()),
        Claim.recheck_since,
        limit,
    )
)
_QUEUE_STATE = {
    state: PreparedSelect(
        lambda user_id, limit, state=state: _queue_query(
            (Claim.assignee == user_id) & (Claim.status == state), Claim.updated_at, limit
        )
    )
    for state in CLAIM_STATUSES
    if state != "dismissed"
}


def my_queue(user_id: int, per_state: int = QUEUE_PER_STATE) -> dict[str, list[QueueItem]]:
    """The claims assigned to a user, by state in workflow order (dismissed left out), oldest
    change first; at most `per_state` of each, in one query per state."""
    # First: approved verdicts whose words the article changed, the user's or nobody's.
    queue = {RECHECK: [QueueItem(*row) for row in _QUEUE_RECHECK(user_id, per_state)]}
    for state, query in _QUEUE_STATE.items():
        queue[state] = [QueueItem(*row) for row in query(user_id, per_state)]
    return queue


def queue_counts(user_id: int) -> dict[str, int]:
    """How many claims of each state are assigned to a user, and how many of theirs or nobody's
    need a re-check (one query, on the tally the database keeps)."""
    counts: dict[str, int] = {RECHECK: 0}
    for status, assignee_id, n, rechecks in cast(
        Iterable[tuple[str, int, int, int]], _QUEUE_COUNTS(user_id)
    ):
        if assignee_id == user_id:
            counts[status] = n
        counts[RECHECK] += rechecks
    return counts


_QUEUE_COUNTS = PreparedSelect(
    lambda user_id: (
        ClaimTally.select(
            ClaimTally.status, ClaimTally.assignee_id, ClaimTally.claims, ClaimTally.rechecks
        )
        .where(ClaimTally.assignee_id.in_([user_id, NOBODY]))
        .tuples()
    )
)


@dataclass(frozen=True)
class ArticleProgress:
    """An article still being worked on, with its claims counted by state."""

    article: Article
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def done(self) -> int:
        return self.counts.get("approved", 0) + self.counts.get("dismissed", 0)


@dataclass(frozen=True)
class Dashboard:
    """What the landing page shows; `workload` is (reviewer's name, open claims by state)."""

    by_state: dict[str, int]
    by_rating: list[tuple[Rating, int]]
    in_progress: list[ArticleProgress]
    oldest: list[Claim]
    workload: list[tuple[str, dict[str, int]]]
    waiting: int
    awaiting: list[Claim]


def _claim_lines(state: str, order: peewee.Field, shown: int) -> list[Claim]:
    """The first claims of a state in `order`, read along claim(status, order, id), with only
    what the dashboard's lists show."""
    return _claim_lines_query(state, order.name)(shown)


@functools.cache
def _claim_lines_query(state: str, order_name: str) -> PreparedSelect:
    """The query of `_claim_lines`, made once per state and order (both part of its SQL)."""
    order = getattr(Claim, order_name)
    return PreparedSelect(
        lambda limit: (
            Claim.select(
                Claim.id,
                Claim.quote,
                Claim.status,
                Claim.created_at,
                Claim.updated_at,
                Article.title,
            )
            .join(Article)
            .where(Claim.status == state)
            .order_by(order, Claim.id)
            .limit(limit)
        )
    )


def _claim_counts() -> tuple[dict[str, int], list[tuple[str, dict[str, int]]]]:
    """Claims by state, and each assignee's open claims by state, from the tally."""
    by_state = dict.fromkeys(CLAIM_STATUSES, 0)
    load: dict[tuple[str, str], dict[str, int]] = {}
    for status, n, name, key in cast(Iterable[tuple[str, int, str | None, str | None]], _TALLIES()):
        by_state[status] += n
        if name is not None and key is not None and status in OPEN_STATES:
            load.setdefault((key, name), {})[status] = n
    workload = sorted(load.items(), key=lambda item: (-sum(item[1].values()), item[0][0]))
    return by_state, [(name, counts) for (_, name), counts in workload]


_TALLIES = PreparedSelect(
    lambda: (
        ClaimTally.select(
            ClaimTally.status, ClaimTally.claims, User.display_name, User.username_key
        )
        .join(User, peewee.JOIN.LEFT_OUTER, on=ClaimTally.assignee_id == User.id)
        .where(ClaimTally.claims > 0)
        .tuples()
    )
)
_PUBLISHED = PreparedSelect(
    lambda: RatingTally.select(RatingTally.rating, RatingTally.verdicts).tuples()
)


def _in_progress_query(limit: int) -> Any:
    has_open = Claim.select(peewee.SQL("1")).where(
        (Claim.article == Article.id) & Claim.status.in_(OPEN_STATES)
    )
    return (
        Article.select(Article.id, Article.title, Article.imported_at)
        .where(peewee.fn.EXISTS(has_open))
        .order_by(Article.imported_at.desc(), Article.id.desc())
        .limit(limit)
    )


_IN_PROGRESS = PreparedSelect(_in_progress_query)
_ARTICLE_COUNTS = PreparedSelect(
    lambda ids: (
        Claim.select(Claim.article, Claim.status, peewee.fn.COUNT(Claim.id))
        .where(Claim.article.in_(ids))
        .group_by(Claim.article, Claim.status)
        .tuples()
    )
)


def dashboard(
    articles_shown: int = 10, oldest_shown: int = 10, with_awaiting: bool = True
) -> Dashboard:
    """Counts by state and rating, articles in progress, the oldest unreviewed claims, each
    reviewer's workload and (`with_awaiting`, for editors) the verdicts waiting longest: a
    fixed number of small queries, whatever the corpus size."""
    # The counts come from the tallies the database keeps (migration 0014): grouping every
    # claim and every current verdict at each view cost 50 ms at 100,000 claims.
    by_state, workload = _claim_counts()
    published = dict(cast(Iterable[tuple[int, int]], _PUBLISHED()))
    by_rating = [(r, published.get(r.id, 0)) for r in ratings()]
    # Articles with open claims, most recently imported first: newest articles are probed one by
    # one (index claim(article_id, status)) until enough have open claims.
    recent = _IN_PROGRESS(articles_shown)
    counts: dict[int, dict[str, int]] = {a.id: {} for a in recent}
    if recent:
        for article_id, status, n in cast(
            Iterable[tuple[int, str, int]], _ARTICLE_COUNTS(list(counts))
        ):
            counts[int(article_id)][str(status)] = int(n)
    # The oldest of each unreviewed state, read in order, then merged: one IN over both states
    # would sort every unreviewed claim.
    oldest = sorted(
        (
            claim
            for state in ("new", "in_research")
            for claim in _claim_lines(state, Claim.created_at, oldest_shown)
        ),
        key=lambda claim: (claim.created_at, claim.id),
    )[:oldest_shown]
    return Dashboard(
        by_state=by_state,
        by_rating=by_rating,
        in_progress=[ArticleProgress(a, counts[a.id]) for a in recent],
        oldest=oldest,
        workload=workload,
        waiting=by_state["verdict_proposed"],
        awaiting=(
            _claim_lines("verdict_proposed", Claim.updated_at, oldest_shown)
            if with_awaiting
            else []
        ),
    )
