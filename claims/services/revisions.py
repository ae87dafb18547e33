"""Article revisions: a new text for an article (pasted, or re-fetched from its address), every
claim re-anchored onto it (claims/reanchor.py), approved verdicts whose words changed or vanished
flagged for re-checking, and checkable sentences in the new parts offered as new claims."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import peewee

from claims import audit, documents, extraction, fetch, reanchor
from claims.anchoring import Anchor, anchor
from claims.audit import Actor
from claims.db import PreparedSelect, db, is_postgres, utcnow
from claims.errors import (
    ClaimsError,
    ConflictError,
    FetchFailedError,
    FetchRefusedError,
    NotFoundError,
    ValidationError,
)
from claims.models import (
    ARTICLE_TEXT_MAX,
    Article,
    ArticleRevision,
    Claim,
    ClaimPlacement,
    User,
    Verdict,
)
from claims.services.articles import get_article, text_sha256
from claims.services.claims import _sentence_of
from claims.services.security import log_fetch_failure

CHECK_ERROR_MAX = 300

NEW_CLAIMS_MAX = 50
ATTEMPTS = 3


@dataclass(frozen=True)
class ClaimOutcome:
    """Where one claim landed in the new revision."""

    claim_id: int
    outcome: str  # unchanged, moved, changed, orphaned
    start: int | None
    end: int | None
    quote: str | None
    score: float
    diff: tuple[tuple[str, str], ...] = ()
    needs_recheck: bool = False


@dataclass
class RevisionResult:
    """A new revision (created) or the article's current one (the same text again)."""

    article: Article
    revision: ArticleRevision
    created: bool
    outcomes: list[ClaimOutcome] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for item in self.outcomes:
            found[item.outcome] = found.get(item.outcome, 0) + 1
        return found


@dataclass(frozen=True)
class NewClaim:
    """A checkable sentence in a revision's new text, offered as a claim."""

    start: int
    end: int
    quote: str
    statement: str
    kind: str


# Reading ------------------------------------------------------------------------------------------


def revisions_of(article_id: int) -> list[ArticleRevision]:
    """An article's revisions, oldest first, without their texts."""
    return list(
        ArticleRevision.select(
            ArticleRevision.id,
            ArticleRevision.article,
            ArticleRevision.number,
            ArticleRevision.text_sha256,
            ArticleRevision.origin,
            ArticleRevision.final_url,
            ArticleRevision.created_by,
            ArticleRevision.created_at,
            User.id,
            User.username,
            User.display_name,
        )
        .join(User, peewee.JOIN.LEFT_OUTER)
        .where(ArticleRevision.article == article_id)
        .order_by(ArticleRevision.number)
    )


def get_revision(article_id: int, number: int) -> ArticleRevision:
    """One revision with its text. Raises NotFoundError."""
    found = ArticleRevision.get_or_none(
        (ArticleRevision.article == article_id) & (ArticleRevision.number == number)
    )
    if found is None:
        raise NotFoundError(f"This article has no revision {number}.")
    return found


def placements_in(revision: ArticleRevision) -> dict[int, ClaimPlacement]:
    """Where each claim was in a revision, by claim id (for revisions other than a claim's own)."""
    rows = ClaimPlacement.select().where(ClaimPlacement.revision == revision.id)
    return {p.claim_id: p for p in rows}


def new_claims(revision: ArticleRevision, taken: Iterable[tuple[int, int]]) -> list[NewClaim]:
    """The sentences extraction found in this revision's new text, minus those a claim now
    covers (`taken`: the spans of the article's claims in this revision)."""
    spans = list(taken)
    offered = []
    for item in json.loads(revision.new_claims or "[]"):
        start, end = int(item["start"]), int(item["end"])
        if any(start < e and s < end for s, e in spans):
            continue
        offered.append(NewClaim(start, end, item["quote"], item["statement"], item["kind"]))
    return offered


def last_outcomes(article_id: int, number: int) -> dict[int, ClaimPlacement]:
    """How each claim fared when revision `number` arrived, by claim id."""
    if number <= 1:
        return {}
    revision = get_revision(article_id, number)
    return {
        p.claim_id: p
        for p in ClaimPlacement.select().where(
            (ClaimPlacement.revision == revision.id) & (ClaimPlacement.outcome != "original")
        )
    }


@dataclass(frozen=True)
class Touched:
    """A claim a change touches: its words in the older revision, and how it fared after."""

    claim_id: int
    quote: str
    outcome: str | None


@dataclass(frozen=True)
class Hunk:
    kind: str  # insert, delete, replace
    old_text: str
    new_text: str
    claims: tuple[Touched, ...]


@dataclass(frozen=True)
class Comparison:
    older: ArticleRevision
    newer: ArticleRevision
    segments: list[tuple[str, str]]
    hunks: list[Hunk]


def _positions(article_id: int, revision: ArticleRevision) -> dict[int, tuple[int, int, str]]:
    """Where each claim was in a revision: its own offsets if it refers to that revision, else
    where a re-anchoring placed it."""
    found = {
        p.claim_id: (p.start, p.end, p.quote or "")
        for p in placements_in(revision).values()
        if p.start is not None and p.end is not None
    }
    own = Claim.select(Claim.id, Claim.start, Claim.end, Claim.quote).where(
        (Claim.article == article_id) & (Claim.revision == revision.number)
    )
    found.update({c.id: (c.start, c.end, c.quote) for c in own})
    return found


def compare(article: Article, older_number: int, newer_number: int) -> Comparison:
    """The changes from one revision to a later one, each with the claims whose words it
    touches (as they were in the older text). Raises NotFoundError."""
    older = get_revision(article.id, older_number)
    newer = get_revision(article.id, newer_number)
    positions = _positions(article.id, older)
    outcomes = {
        p.claim_id: p.outcome
        for p in ClaimPlacement.select(ClaimPlacement.claim, ClaimPlacement.outcome).where(
            (ClaimPlacement.revision == newer.id) & (ClaimPlacement.outcome != "original")
        )
    }
    hunks = []
    for change in reanchor.changes(older.text, newer.text):
        touched = tuple(
            Touched(cid, quote, outcomes.get(cid))
            for cid, (start, end, quote) in sorted(positions.items(), key=lambda i: i[1][0])
            if (start < change.old_end and change.old_start < end)
            or (change.old_start == change.old_end and start < change.old_start < end)
        )
        hunks.append(
            Hunk(
                change.kind,
                older.text[change.old_start : change.old_end],
                newer.text[change.new_start : change.new_end],
                touched,
            )
        )
    return Comparison(older, newer, reanchor.diff_segments(older.text, newer.text), hunks)


def latest_outcome(claim: Claim) -> ClaimPlacement | None:
    """How the claim fared in the article's latest change, if it has been re-anchored."""
    found = _LATEST_OUTCOME(claim.id)
    return found[0] if found else None


_LATEST_OUTCOME = PreparedSelect(
    lambda claim_id: (
        ClaimPlacement.select()
        .where((ClaimPlacement.claim == claim_id) & (ClaimPlacement.outcome != "original"))
        .order_by(ClaimPlacement.id.desc())
        .limit(1)
    )
)


def diff_of(placement: ClaimPlacement | None) -> list[tuple[str, str]]:
    """A placement's word-level diff, for display."""
    if placement is None:
        return []
    return [(str(op), str(text)) for op, text in json.loads(placement.diff or "[]")]


# Writing ------------------------------------------------------------------------------------------


def _check_text(text: str) -> str:
    if "\x00" in text:
        raise ValidationError("A revision must be text.", field="text")
    if not text.strip():
        raise ValidationError("The new text is empty.", field="text")
    if len(text) > ARTICLE_TEXT_MAX:
        raise ValidationError(
            f"The article is longer than {ARTICLE_TEXT_MAX:,} characters.", field="text"
        )
    return text


@dataclass(frozen=True)
class _Plan:
    """Everything computed outside the transaction for one new text."""

    article_version: int
    current_revision: int
    claim_versions: dict[int, int]
    outcomes: list[ClaimOutcome]
    anchors: dict[int, Anchor]
    sentences: dict[int, str]
    offered: list[dict[str, Any]]


def _revision_texts(article: Article, numbers: set[int]) -> dict[int, str]:
    texts = {article.current_revision: article.text}
    wanted = numbers - set(texts)
    if wanted:
        rows = ArticleRevision.select(ArticleRevision.number, ArticleRevision.text).where(
            (ArticleRevision.article == article.id) & ArticleRevision.number.in_(sorted(wanted))
        )
        texts.update({r.number: r.text for r in rows})
    return texts


def _plan(article: Article, new_text: str) -> _Plan:
    claims = list(
        Claim.select(
            Claim.id,
            Claim.start,
            Claim.end,
            Claim.quote,
            Claim.prefix,
            Claim.suffix,
            Claim.revision,
            Claim.version,
            Claim.status,
        )
        .where(Claim.article == article.id)
        .order_by(Claim.id)
    )
    texts = _revision_texts(article, {c.revision for c in claims})
    outcomes: list[ClaimOutcome] = []
    anchors: dict[int, Anchor] = {}
    sentences: dict[int, str] = {}
    approved = {
        v.claim_id
        for v in Verdict.select(Verdict.claim).where(
            Verdict.claim.in_([c.id for c in claims]) & (Verdict.current == True)  # noqa: E712
        )
    }
    by_revision: dict[int, list[Claim]] = {}
    for claim in claims:
        by_revision.setdefault(claim.revision, []).append(claim)
    for number, group in sorted(by_revision.items()):
        old_text = texts.get(number, article.text)
        placed = reanchor.reanchor(
            old_text, new_text, [Anchor(c.start, c.end, c.quote, c.prefix, c.suffix) for c in group]
        )
        for claim, place in zip(group, placed, strict=True):
            flagged = place.outcome in (reanchor.CHANGED, reanchor.ORPHANED) and (
                claim.id in approved
            )
            outcomes.append(
                ClaimOutcome(
                    claim.id,
                    place.outcome,
                    place.start,
                    place.end,
                    place.quote,
                    place.score,
                    place.diff,
                    flagged,
                )
            )
            if place.start is not None and place.end is not None:
                spot = anchor(new_text, place.start, place.end)
                anchors[claim.id] = spot
                s, e = _sentence_of(new_text, spot.start, spot.end)
                sentences[claim.id] = new_text[s : max(e, spot.end)]
    outcomes.sort(key=lambda o: o.claim_id)
    taken = [(a.start, a.end) for a in anchors.values()]
    fresh = reanchor.inserted_spans(article.text, new_text)
    offered: list[dict[str, Any]] = []
    if fresh:
        for found in extraction.extract(new_text):
            if not any(found.start < e and s < found.end for s, e in fresh):
                continue
            if any(found.start < e and s < found.end for s, e in taken):
                continue
            offered.append(
                {
                    "start": found.start,
                    "end": found.end,
                    "quote": found.quote,
                    "statement": found.statement,
                    "kind": found.kind,
                }
            )
            if len(offered) >= NEW_CLAIMS_MAX:
                break
    return _Plan(
        article.version,
        article.current_revision,
        {c.id: c.version for c in claims},
        outcomes,
        anchors,
        sentences,
        offered,
    )


def _lock(article_id: int) -> Article:
    query = Article.select().where(Article.id == article_id)
    if is_postgres():
        query = query.for_update()
    found = query.first()
    if found is None:
        raise NotFoundError("No such article.")
    return found


def _unchanged(article: Article, plan: _Plan) -> bool:
    if (article.version, article.current_revision) != (plan.article_version, plan.current_revision):
        return False
    rows = Claim.select(Claim.id, Claim.version).where(Claim.article == article.id)
    return {c.id: c.version for c in rows} == plan.claim_versions


def add_revision(
    actor: Actor,
    article_id: int,
    text: str,
    *,
    origin: str = "paste",
    final_url: str | None = None,
    checked: bool = False,
) -> RevisionResult:
    """Store `text` as the article's next revision if it differs from the current one, and
    re-anchor every claim onto it, all in one transaction with its audit events; `checked`
    (a re-fetch) also records the check on the article. The same text again changes nothing
    but the check and returns the current revision with created False.

    Raises ValidationError (empty, not text, too long, another article's text), NotFoundError,
    ConflictError if the article keeps changing while this runs.
    """
    text = _check_text(text)
    digest = text_sha256(text)
    for _ in range(ATTEMPTS):
        article = get_article(article_id)
        if article.text_sha256 == digest:
            return _same_text(actor, article_id, checked)
        plan = _plan(article, text)  # pure work, outside the write transaction
        with db.atomic():
            article = _lock(article_id)
            if article.text_sha256 == digest:  # a concurrent re-fetch stored it first
                break
            if not _unchanged(article, plan):
                continue
            return _write(actor, article, text, digest, plan, origin, final_url, checked)
    else:
        raise ConflictError("The article kept changing while its new text was compared; try again.")
    return _same_text(actor, article_id, checked)


def _same_text(actor: Actor, article_id: int, checked: bool) -> RevisionResult:
    with db.atomic():
        article = _lock(article_id)
        if checked:
            _record_check(actor, article, "ok", None, changed=False)
        current = get_revision(article.id, article.current_revision)
    return RevisionResult(article, current, False)


def _record_check(
    actor: Actor, article: Article, state: str, error: str | None, *, changed: bool
) -> None:
    now = utcnow()
    Article.update(check_state=state, checked_at=now, check_error=error).where(
        Article.id == article.id
    ).execute()
    audit.record(
        actor,
        "article.check",
        "article",
        article.id,
        before={"check_state": article.check_state, "check_error": article.check_error},
        after={
            "check_state": state,
            "check_error": error,
            "url": article.url,
            "new_revision": changed,
        },
    )
    article.check_state, article.checked_at, article.check_error = state, now, error


def _write(
    actor: Actor,
    article: Article,
    text: str,
    digest: str,
    plan: _Plan,
    origin: str,
    final_url: str | None,
    checked: bool,
) -> RevisionResult:
    other = Article.get_or_none((Article.text_sha256 == digest) & (Article.id != article.id))
    if other is not None:
        raise ValidationError(
            f"This text is already article #{other.id} (“{other.title}”).", field="text"
        )
    now = utcnow()
    previous = get_revision(article.id, article.current_revision)
    number = article.current_revision + 1
    revision = ArticleRevision.create(
        article=article.id,
        number=number,
        text=text,
        text_sha256=digest,
        origin=origin,
        final_url=final_url,
        created_by=actor.user_id,
        created_at=now,
        new_claims=json.dumps(plan.offered, ensure_ascii=False),
    )
    before = {
        "current_revision": article.current_revision,
        "text_sha256": article.text_sha256,
        "text_length": len(article.text),
    }
    Article.update(
        text=text,
        text_sha256=digest,
        current_revision=number,
        updated_at=now,
        version=Article.version + 1,
    ).where(Article.id == article.id).execute()
    grouped: dict[str, list[int]] = {}
    for item in plan.outcomes:
        grouped.setdefault(item.outcome, []).append(item.claim_id)
    audit.record(
        actor,
        "article.revision",
        "article",
        article.id,
        before=before,
        after={
            "current_revision": number,
            "text_sha256": digest,
            "text_length": len(text),
            "origin": origin,
            "final_url": final_url,
            "claims": grouped,
            "new_claims_offered": len(plan.offered),
        },
    )
    _place_claims(actor, article, previous, revision, plan, now)
    if checked:
        _record_check(actor, article, "ok", None, changed=True)
    fresh = Article.get_by_id(article.id)
    return RevisionResult(fresh, revision, True, plan.outcomes)


def _place_claims(
    actor: Actor,
    article: Article,
    previous: ArticleRevision,
    revision: ArticleRevision,
    plan: _Plan,
    now: Any,
) -> None:
    claims = {
        c.id: c
        for c in Claim.select().where(Claim.article == article.id)  # locked by the article
    }
    own_revisions = {
        r.number: r.id
        for r in ArticleRevision.select(ArticleRevision.id, ArticleRevision.number).where(
            ArticleRevision.article == article.id
        )
    }
    known = {
        (p.claim_id, p.revision_id)
        for p in ClaimPlacement.select(ClaimPlacement.claim, ClaimPlacement.revision).where(
            ClaimPlacement.claim.in_(list(claims))
        )
    }
    rows: list[dict[str, Any]] = []
    for item in plan.outcomes:
        claim = claims[item.claim_id]
        old_revision_id = own_revisions.get(claim.revision, previous.id)
        if (claim.id, old_revision_id) not in known:
            rows.append(
                {
                    "claim": claim.id,
                    "revision": old_revision_id,
                    "start": claim.start,
                    "end": claim.end,
                    "quote": claim.quote,
                    "outcome": "original",
                    "score": 1.0,
                    "diff": "[]",
                }
            )
        rows.append(
            {
                "claim": claim.id,
                "revision": revision.id,
                "start": item.start,
                "end": item.end,
                "quote": item.quote,
                "outcome": item.outcome,
                "score": item.score,
                "diff": json.dumps([list(d) for d in item.diff], ensure_ascii=False),
            }
        )
        _move_claim(actor, claim, item, plan, revision.number, now)
    for start in range(0, len(rows), 200):
        ClaimPlacement.insert_many(rows[start : start + 200]).execute()


def _move_claim(
    actor: Actor, claim: Claim, item: ClaimOutcome, plan: _Plan, number: int, now: Any
) -> None:
    before = {
        "start": claim.start,
        "end": claim.end,
        "quote": claim.quote,
        "revision": claim.revision,
        "anchor_state": claim.anchor_state,
        "needs_recheck": claim.needs_recheck,
    }
    values: dict[str, Any] = {"anchor_state": item.outcome}
    spot = plan.anchors.get(claim.id)
    if spot is not None:
        values.update(
            start=spot.start,
            end=spot.end,
            quote=spot.quote,
            prefix=spot.prefix,
            suffix=spot.suffix,
            sentence=plan.sentences[claim.id],
            revision=number,
        )
    if item.needs_recheck and not claim.needs_recheck:
        values.update(needs_recheck=True, recheck_since=now)
    if item.outcome == reanchor.UNCHANGED and not item.needs_recheck:
        # Same words, same place: only the revision it refers to moves on (in the revision event).
        Claim.update(**values).where(Claim.id == claim.id).execute()
        return
    Claim.update(**values, version=Claim.version + 1, updated_at=now).where(
        Claim.id == claim.id
    ).execute()
    after = {key: values.get(key, before[key]) for key in before}
    after.update(score=round(item.score, 4), article_revision=number)
    if item.diff:
        after["diff"] = [list(d) for d in item.diff]
    audit.record(
        actor,
        "claim.reanchor",
        "claim",
        claim.id,
        before=before,
        after=after,
        parent=("article", claim.article_id),
    )


def _read_page(url: str, options: dict[str, Any]) -> documents.Document:
    """Fetch and read an article page (pure: no database)."""
    result = fetch.fetch(url, **options)
    return documents.read_bytes(
        result.body, content_type=result.content_type, charset=result.encoding, url=result.final_url
    )


def refetch_article(
    actor: Actor,
    article_id: int,
    options: dict[str, Any],
    *,
    reader: Callable[[str, dict[str, Any]], documents.Document] = _read_page,
) -> RevisionResult:
    """Fetch the article's address again and store what is there as a new revision if its text
    changed. A failure (refused, timeout, HTTP error, no text) is recorded on the article and
    changes nothing else.

    Raises ValidationError for an article without an address; FetchRefusedError,
    FetchFailedError or ValidationError for a failed fetch (after recording it).
    """
    article = get_article(article_id)
    if not article.url:
        raise ValidationError("This article has no address to fetch again.", field="url")
    try:
        document: documents.Document | ClaimsError = reader(article.url, options)
    except (FetchRefusedError, FetchFailedError, ValidationError) as exc:
        document = exc
    return _store_refetch(actor, article, document)


def _store_refetch(
    actor: Actor, article: Article, fetched: documents.Document | ClaimsError
) -> RevisionResult:
    try:
        if isinstance(fetched, ClaimsError):
            raise fetched
        text = _check_text(fetched.text)
    except (FetchRefusedError, FetchFailedError, ValidationError) as exc:
        if isinstance(exc, FetchRefusedError | FetchFailedError):
            log_fetch_failure(actor, exc, str(article.url))
        with db.atomic():
            failed = _lock(article.id)
            _record_check(actor, failed, "failed", exc.message[:CHECK_ERROR_MAX], changed=False)
        raise
    return add_revision(
        actor, article.id, text, origin="refetch", final_url=fetched.url, checked=True
    )


def paste_revision(actor: Actor, article_id: int, text: str) -> RevisionResult:
    """A new text typed or pasted by a reviewer, read like an imported one."""
    _check_text(text)
    return add_revision(actor, article_id, documents.read_text(text).text, origin="paste")


@dataclass(frozen=True)
class RefetchReport:
    """One article's re-fetch, for the command's summary."""

    article_id: int
    title: str
    status: str  # "new revision", "unchanged", "failed"
    detail: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    flagged: int = 0


def refetchable(ids: Sequence[int] | None = None) -> list[int]:
    """Ids of the articles that have an address (all of them, or those among `ids`).

    Raises NotFoundError if a given id does not exist."""
    if ids:
        found = {
            a.id: a
            for a in Article.select(Article.id, Article.url).where(Article.id.in_(list(ids)))
        }
        missing = [i for i in ids if i not in found]
        if missing:
            raise NotFoundError(f"No such article: {', '.join(map(str, missing))}.")
        return [i for i in dict.fromkeys(ids) if found[i].url]
    query = Article.select(Article.id).where(Article.url.is_null(False)).order_by(Article.id)
    return [a.id for a in query]


def refetch_articles(
    actor: Actor,
    ids: Sequence[int],
    options: dict[str, Any],
    *,
    workers: int = 4,
    reader: Callable[[str, dict[str, Any]], documents.Document] = _read_page,
) -> Iterator[RefetchReport]:
    """Fetch the given articles again, `workers` at a time; yields each one's report as it is
    stored. Writes happen one at a time in the caller's thread, each in its own transaction."""

    def attempt(article: Article) -> tuple[Article, documents.Document | ClaimsError]:
        try:
            return article, reader(str(article.url), options)
        except (FetchRefusedError, FetchFailedError, ValidationError) as exc:
            return article, exc

    batch = max(1, workers) * 4  # bounded: pages in memory at once
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for offset in range(0, len(ids), batch):
            chunk = list(Article.select().where(Article.id.in_(list(ids[offset : offset + batch]))))
            chunk.sort(key=lambda a: a.id)
            for article, fetched in pool.map(attempt, chunk):
                try:
                    result = _store_refetch(actor, article, fetched)
                except ClaimsError as exc:
                    yield RefetchReport(article.id, article.title, "failed", exc.message)
                    continue
                yield RefetchReport(
                    article.id,
                    article.title,
                    "new revision" if result.created else "unchanged",
                    f"revision {result.revision.number}",
                    result.counts(),
                    sum(1 for o in result.outcomes if o.needs_recheck),
                )


def confirm_verdict(actor: Actor, claim_id: int, version: int) -> Claim:
    """An editor's decision that a flagged claim's approved verdict still holds for the
    article's new words: the flag is cleared and the review is published as before.

    Raises PermissionDeniedError below editor, ValidationError if the claim is not flagged,
    ConflictError for a stale version.
    """
    from claims.errors import PermissionDeniedError
    from claims.services.claims import _locked, actor_role

    if actor_role(actor) not in ("editor", "admin"):
        raise PermissionDeniedError("Only an editor decides that a verdict still holds.")
    with db.atomic():
        claim = _locked(claim_id, version)
        if not claim.needs_recheck:
            raise ValidationError("This claim is not waiting for a re-check.")
        if claim.anchor_state == reanchor.ORPHANED:
            raise ValidationError(
                "The claim's words are gone from the article: reopen it, or dismiss it."
            )
        now = utcnow()
        Claim.update(
            needs_recheck=False, recheck_since=None, version=Claim.version + 1, updated_at=now
        ).where(Claim.id == claim.id).execute()
        audit.record(
            actor,
            "claim.recheck_confirmed",
            "claim",
            claim.id,
            before={"needs_recheck": True, "recheck_since": claim.recheck_since},
            after={"needs_recheck": False, "recheck_since": None},
            parent=("article", claim.article_id),
        )
        return Claim.get_by_id(claim.id)
