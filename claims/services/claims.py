"""Claims: reading, editing with optimistic locking, adding from a selection, splitting,
merging and dismissing. Nothing is ever deleted."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import peewee

from claims import audit, extraction, workflow
from claims.anchoring import Anchor, anchor
from claims.audit import Actor
from claims.db import PreparedSelect, db, utcnow
from claims.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from claims.models import (
    CLAIM_KINDS,
    CLAIM_STATUSES,
    NOTE_MAX,
    QUOTE_MAX,
    STATEMENT_MAX,
    Article,
    Claim,
    Evidence,
    Quantity,
    Source,
    User,
    Verdict,
    field_values,
)
from claims.services import users
from claims.text import one_line

_CLAIM = PreparedSelect(
    lambda claim_id: Claim.select(Claim, Article).join(Article).where(Claim.id == claim_id)
)


def get_claim(claim_id: int) -> Claim:
    """Return a claim with its article. Raises NotFoundError if there is none."""
    found = _CLAIM(claim_id)
    if not found:
        raise NotFoundError("No such claim.")
    return found[0]


def quantities_of(claims: list[Claim]) -> dict[int, list[Quantity]]:
    """The quantities of several claims in one query, keyed by claim id."""
    grouped: dict[int, list[Quantity]] = {c.id: [] for c in claims}
    if grouped:
        for q in _QUANTITIES(list(grouped)):
            grouped[q.claim_id].append(q)
    return grouped


_QUANTITIES = PreparedSelect(
    lambda ids: Quantity.select().where(Quantity.claim.in_(ids)).order_by(Quantity.id)
)


# What the article's page shows of each claim: a fifth of the time of whole rows and their
# assignees, for the 200 claims of a long article.
CLAIM_LISTED: tuple[peewee.Field, ...] = (
    Claim.id,
    Claim.quote,
    Claim.start,
    Claim.end,
    Claim.kind,
    Claim.status,
    Claim.checkworthiness,
    Claim.attribution,
    Claim.hedged,
    Claim.needs_recheck,
    Claim.anchor_state,
    Claim.revision,
)


def article_claims(article_id: int, order: str = "position", *, brief: bool = False) -> list[Claim]:
    """Every claim of an article, by position or by check-worthiness; `brief`: only the
    columns of CLAIM_LISTED, without the assignee."""
    if brief:
        query = Claim.select(*CLAIM_LISTED)
    else:
        query = Claim.select(Claim, User).join(
            User, peewee.JOIN.LEFT_OUTER, on=Claim.assignee == User.id
        )
    query = query.where(Claim.article == article_id)
    if order == "score":
        query = query.order_by(Claim.checkworthiness.desc(), Claim.start)
    else:
        query = query.order_by(Claim.start, Claim.end.desc(), Claim.id)
    return list(query)


@dataclass(frozen=True)
class ClaimFilter:
    """The claims list's filters (API and pages)."""

    article_id: int | None = None
    status: str | None = None
    kind: str | None = None


def search_claims(flt: ClaimFilter, *, after_id: int | None, limit: int) -> list[Claim]:
    """Claims matching a filter in id order, after `after_id` (keyset pagination).

    Raises ValidationError for an unknown status or kind.
    """
    if flt.status and flt.status not in CLAIM_STATUSES:
        raise ValidationError(
            f"status must be one of: {', '.join(CLAIM_STATUSES)}.", field="status"
        )
    if flt.kind and flt.kind not in CLAIM_KINDS:
        raise ValidationError(f"kind must be one of: {', '.join(CLAIM_KINDS)}.", field="kind")
    query = Claim.select()
    if flt.article_id is not None:
        query = query.where(Claim.article == flt.article_id)
    if flt.status:
        query = query.where(Claim.status == flt.status)
    if flt.kind:
        query = query.where(Claim.kind == flt.kind)
    if after_id is not None:
        query = query.where(Claim.id > after_id)
    return list(query.order_by(Claim.id).limit(limit))


def claim_state(claim: Claim, quantities: Iterable[Quantity]) -> dict[str, Any]:
    """A claim's fields with its quantities, as the audit trail records it."""
    state = field_values(claim, exclude=frozenset({"created_at", "updated_at"}))
    state["quantities"] = [extraction.quantity_json(q) for q in quantities]
    return state


def _sentence_of(text: str, start: int, end: int) -> tuple[int, int]:
    for s, e in extraction.split_sentences(text):
        if s <= start < e:
            return s, max(e, min(end, len(text)))
    return start, end


def _quantities_in(text: str, start: int, end: int) -> list[extraction.ExtractedQuantity]:
    """Quantities the extractor finds inside text[start:end], read in their sentence's context."""
    s, e = _sentence_of(text, start, end)
    found: list[extraction.ExtractedQuantity] = []
    for claim in extraction.extract(text[s:e]):
        if start <= s + claim.start and s + claim.end <= end:
            found.extend(claim.quantities)
    return found


def _claim_at(
    text: str,
    spot: Anchor,
    *,
    statement: str | None,
    kind: str,
    checkworthiness: float | None = None,
    attribution: str | None = None,
    hedged: bool = False,
) -> extraction.ExtractedClaim:
    """A claim over a span a reviewer chose, with its sentence and the figures inside it.

    The statement defaults to the sentence, the score to the sentence's check-worthiness.
    """
    s, e = _sentence_of(text, spot.start, spot.end)
    sentence = text[s : max(e, spot.end)]
    return extraction.ExtractedClaim(
        quote=spot.quote,
        start=spot.start,
        end=spot.end,
        prefix=spot.prefix,
        suffix=spot.suffix,
        sentence=sentence,
        statement=statement or " ".join(sentence.split()),
        kind=kind,
        checkworthiness=(
            extraction.score_sentence(sentence) if checkworthiness is None else checkworthiness
        ),
        attribution=attribution,
        hedged=hedged,
        quantities=tuple(_quantities_in(text, spot.start, spot.end)),
    )


def create_claims(
    actor: Actor,
    article: Article,
    extracted: Iterable[extraction.ExtractedClaim],
    created_by: int | None = None,
) -> list[Claim]:
    """Store extracted claims with their quantities, inside the caller's transaction."""
    created = []
    figures: dict[int, list[Quantity]] = {}
    for found in extracted:
        claim = Claim.create(
            article=article,
            quote=found.quote,
            start=found.start,
            end=found.end,
            prefix=found.prefix,
            suffix=found.suffix,
            sentence=found.sentence,
            statement=found.statement[:STATEMENT_MAX],
            kind=found.kind,
            checkworthiness=min(1.0, max(0.0, float(found.checkworthiness))),
            attribution=(found.attribution or None) and found.attribution[:300],
            hedged=found.hedged,
            created_by=created_by,
            revision=article.current_revision,
        )
        quantities = [
            Quantity.create(
                claim=claim,
                text=q.text[:300],
                value=q.value,
                value_high=q.value_high,
                unit=q.unit,
                approximate=q.approximate,
            )
            for q in found.quantities
        ]
        audit.record(
            actor,
            "claim.create",
            "claim",
            claim.id,
            after=claim_state(claim, quantities),
            parent=("article", article.id),
        )
        created.append(claim)
        figures[claim.id] = quantities
    # "Checked before?": the new claims' terms and suggested matches (derived data).
    from claims.services import matches

    matches.index_claims(created, figures)
    return created


def current_claim(claim_id: int, version: int) -> Claim:
    """The claim if nobody changed it since `version`: checked before slow work (a fetch) that
    must not happen for a change that will be refused. Raises NotFoundError, ConflictError."""
    return _locked(claim_id, version)


def _locked(claim_id: int, version: int) -> Claim:
    claim = Claim.get_or_none(Claim.id == claim_id)
    if claim is None:
        raise NotFoundError("No such claim.")
    if claim.version != version:
        raise ConflictError(
            "Someone else changed this claim since you opened it. Your text is kept below; "
            "compare it with the current version and save again."
        )
    return claim


def _save(
    actor: Actor,
    claim: Claim,
    action: str,
    before: dict[str, Any],
    quantities: list[extraction.ExtractedQuantity] | None = None,
    extra: dict[str, Any] | None = None,
    **values: Any,
) -> Claim:
    """Write new values if the version still matches (compare-and-set), with one audit event;
    `quantities`, when given, replace the claim's figures in the same step; `extra` adds what
    the event should say beyond the fields (a reason, a comment)."""
    values = {**values, "version": claim.version + 1, "updated_at": utcnow()}
    updated = (
        Claim.update(**values)
        .where((Claim.id == claim.id) & (Claim.version == claim.version))
        .execute()
    )
    if updated != 1:
        raise ConflictError(
            "Someone else changed this claim at the same moment; reload and try again."
        )
    fresh = Claim.get_by_id(claim.id)
    after = field_values(fresh)
    if quantities is not None:
        old_figures = list(
            Quantity.select().where(Quantity.claim == claim.id).order_by(Quantity.id)
        )
        Quantity.delete().where(Quantity.claim == claim.id).execute()
        new_figures = [
            Quantity.create(claim=fresh, **{f: getattr(q, f) for f in extraction.QUANTITY_FIELDS})
            for q in quantities
        ]
        before = {**before, "quantities": [extraction.quantity_json(q) for q in old_figures]}
        after["quantities"] = [extraction.quantity_json(q) for q in new_figures]
    old, new = audit.changes(before, after)
    if extra:
        new = {**new, **extra}
    audit.record(
        actor,
        action,
        "claim",
        fresh.id,
        before=old,
        after=new,
        parent=("article", fresh.article_id),
    )
    return fresh


def save_claim(
    actor: Actor, claim: Claim, action: str, extra: dict[str, Any] | None = None, **values: Any
) -> Claim:
    """Write new values to a claim read inside the caller's transaction, if nobody changed it
    since (compare-and-set on its version), with one audit event.

    Raises ConflictError if it changed meanwhile.
    """
    return _save(actor, claim, action, field_values(claim), extra=extra, **values)


def actor_role(actor: Actor) -> str:
    """The role the actor holds now (read from the database: a role just taken away counts);
    commands run on the server itself act as an admin."""
    if actor.user_id is None:
        return "admin"
    user = users.user_by_id(actor.user_id)
    if user is None or not user.active:
        raise PermissionDeniedError("This account cannot act.")
    return str(user.role)


def workflow_facts(
    actor: Actor,
    claim: Claim,
    *,
    evidence: Sequence[Any] | None = None,
    verdicts: Sequence[Verdict] | None = None,
) -> workflow.Facts:
    """What the workflow's guards need to know, read in two small queries; or, for a page that
    has read them already, from the claim's whole `evidence` and whole verdict history
    (`verdicts`, newest first)."""
    if verdicts is None:
        pending = _PENDING_AUTHOR(claim.id)
        proposed = pending[0] if pending else None
    else:
        proposed = next((v for v in verdicts if v.state == "proposed"), None)
    return workflow.Facts(
        role=actor_role(actor),
        evidence=_EVIDENCE_COUNT(claim.id)[0][0] if evidence is None else len(evidence),
        pending_verdict=proposed is not None,
        verdict_author=proposed.author_id if proposed is not None else None,
        actor_id=actor.user_id,
    )


_PENDING_AUTHOR = PreparedSelect(
    lambda claim_id: (
        Verdict.select(Verdict.author)
        .where((Verdict.claim == claim_id) & (Verdict.state == "proposed"))
        .order_by(Verdict.id.desc())
        .limit(1)
    )
)
_EVIDENCE_COUNT = PreparedSelect(
    lambda claim_id: (
        Evidence.select(peewee.fn.COUNT(Evidence.id)).where(Evidence.claim == claim_id).tuples()
    )
)


def _clean_statement(statement: str) -> str:
    statement = one_line(statement)
    if not statement:
        raise ValidationError("The statement cannot be empty.", field="statement")
    if len(statement) > STATEMENT_MAX:
        raise ValidationError(
            f"A statement is at most {STATEMENT_MAX} characters.", field="statement"
        )
    return statement


def update_claim(
    actor: Actor,
    claim_id: int,
    version: int,
    *,
    statement: str | None = None,
    kind: str | None = None,
) -> Claim:
    """Edit a claim's statement and kind, if nobody changed it since `version`.

    Raises ValidationError for an empty statement or unknown kind, ConflictError for a stale
    version, NotFoundError if there is no such claim.
    """
    values: dict[str, Any] = {}
    if statement is not None:
        values["statement"] = _clean_statement(statement)
    if kind is not None:
        if kind not in CLAIM_KINDS:
            raise ValidationError(f"kind must be one of: {', '.join(CLAIM_KINDS)}.", field="kind")
        values["kind"] = kind
    with db.atomic():
        claim = _locked(claim_id, version)
        if all(getattr(claim, k) == v for k, v in values.items()):
            return claim
        if claim.status in ("verdict_proposed", "approved"):
            # What an editor approves, and what is published, is this statement.
            raise ConflictError(
                "A claim with a verdict keeps its words; an editor reopens it to change them."
            )
        return _save(actor, claim, "claim.update", field_values(claim), **values)


def add_claim(
    actor: Actor,
    article_id: int,
    start: int,
    end: int,
    *,
    statement: str = "",
    kind: str = "statement",
) -> Claim:
    """Create a claim from a reviewer's selection of the article's words.

    Raises ValidationError if the selection is empty, outside the text or too long.
    """
    article = Article.get_or_none(Article.id == article_id)
    if article is None:
        raise NotFoundError("No such article.")
    try:
        spot = anchor(article.text, start, end)
    except ValueError as exc:
        raise ValidationError(
            f"The selection is not part of the article ({exc}).", field="start"
        ) from exc
    if len(spot.quote) > QUOTE_MAX:
        raise ValidationError(f"Select at most {QUOTE_MAX} characters.", field="end")
    if kind not in CLAIM_KINDS:
        raise ValidationError(f"kind must be one of: {', '.join(CLAIM_KINDS)}.", field="kind")
    found = _claim_at(
        article.text,
        spot,
        statement=_clean_statement(statement) if statement.strip() else None,
        kind=kind,
    )
    with db.atomic():
        return create_claims(actor, article, [found], created_by=actor.user_id)[0]


def attribute_claim(actor: Actor, claim_id: int, version: int, source_id: int | None) -> Claim:
    """Link a claim's attribution ("according to ...") to the library source it names, or
    unlink it (None), if nobody changed the claim since `version`.

    Raises NotFoundError (claim or source), ConflictError for a stale version.
    """
    with db.atomic():
        claim = _locked(claim_id, version)
        if source_id is not None and not Source.select().where(Source.id == source_id).exists():
            raise NotFoundError("No such source.", field="source")
        if claim.attributed_source_id == source_id:
            return claim
        return _save(
            actor, claim, "claim.attribute", field_values(claim), attributed_source=source_id
        )


def dismiss_claim(actor: Actor, claim_id: int, version: int, reason: str) -> Claim:
    """Set a claim aside as not check-worthy, keeping it with who and why.

    Raises ValidationError without a reason, ConflictError for a stale version.
    """
    reason = one_line(reason)
    if not reason:
        raise ValidationError("Say why the claim is not worth checking.", field="reason")
    if len(reason) > NOTE_MAX:
        raise ValidationError(f"A reason is at most {NOTE_MAX} characters.", field="reason")
    with db.atomic():
        claim = _locked(claim_id, version)
        target = workflow.check("dismiss", claim.status, workflow_facts(actor, claim))
        return _save(
            actor,
            claim,
            "claim.dismiss",
            field_values(claim),
            status=target,
            dismissed_reason=reason,
            dismissed_by=actor.user_id,
        )


def restore_claim(actor: Actor, claim_id: int, version: int) -> Claim:
    """Bring a dismissed claim back to the worklist. Raises ConflictError if it is not dismissed."""
    with db.atomic():
        claim = _locked(claim_id, version)
        target = workflow.check("restore", claim.status, workflow_facts(actor, claim))
        return _save(
            actor,
            claim,
            "claim.restore",
            field_values(claim),
            status=target,
            dismissed_reason=None,
            dismissed_by=None,
        )


def start_research(actor: Actor, claim_id: int, version: int) -> Claim:
    """Move a new claim to research. Raises ConflictError if it is not new or changed."""
    with db.atomic():
        claim = _locked(claim_id, version)
        target = workflow.check("start", claim.status, workflow_facts(actor, claim))
        return _save(actor, claim, "claim.start", field_values(claim), status=target)


def reopen_claim(actor: Actor, claim_id: int, version: int, reason: str) -> Claim:
    """Send an approved claim back to research (an editor's decision, with the reason); its
    published verdict stays current until a new one is approved.

    Raises ValidationError without a reason, PermissionDeniedError below editor, ConflictError.
    """
    reason = one_line(reason)
    if not reason:
        raise ValidationError("Say why the claim is reopened.", field="reason")
    if len(reason) > NOTE_MAX:
        raise ValidationError(f"A reason is at most {NOTE_MAX} characters.", field="reason")
    with db.atomic():
        claim = _locked(claim_id, version)
        target = workflow.check("reopen", claim.status, workflow_facts(actor, claim))
        return _save(
            actor, claim, "claim.reopen", field_values(claim), extra={"reason": reason},
            status=target, needs_recheck=False, recheck_since=None,
        )  # fmt: skip


def transition(actor: Actor, claim_id: int, version: int, to: str, reason: str = "") -> Claim:
    """Move a claim to state `to` by the one plain move that leads there (start, dismiss,
    restore, reopen); verdicts are proposed and decided through their own calls.

    Raises ConflictError for an illegal move or a stale version, PermissionDeniedError,
    ValidationError for a missing reason.
    """
    claim = get_claim(claim_id)
    move = workflow.move_for(claim.status, to)
    if move == "start":
        return start_research(actor, claim_id, version)
    if move == "dismiss":
        return dismiss_claim(actor, claim_id, version, reason)
    if move == "restore":
        return restore_claim(actor, claim_id, version)
    return reopen_claim(actor, claim_id, version, reason)


def assign_claim(actor: Actor, claim_id: int, version: int, assignee_id: int | None) -> Claim:
    """Assign a claim to a reviewer (or nobody). Reviewers may take a claim or let it go;
    editors assign anyone.

    Raises PermissionDeniedError, ValidationError for an inactive account, ConflictError.
    """
    role = actor_role(actor)
    with db.atomic():
        claim = _locked(claim_id, version)
        if workflow.ROLE_RANK[role] < workflow.ROLE_RANK["editor"]:
            mine = {None, actor.user_id}
            if assignee_id not in mine or claim.assignee_id not in mine:
                raise PermissionDeniedError(
                    "Reviewers can take a claim or let it go; an editor assigns others."
                )
        if assignee_id is not None:
            user = User.get_or_none((User.id == assignee_id) & (User.active == True))  # noqa: E712
            if user is None:
                raise ValidationError("Assign the claim to an active account.", field="assignee")
        if claim.assignee_id == assignee_id:
            return claim
        return _save(actor, claim, "claim.assign", field_values(claim), assignee=assignee_id)


def split_claim(actor: Actor, claim_id: int, version: int, at: int) -> tuple[Claim, Claim]:
    """Cut a claim in two at offset `at` (a word start inside its quote): the claim keeps the
    first part, a new claim takes the rest.

    Raises ValidationError if `at` is not inside the quote, ConflictError for a stale version.
    """
    with db.atomic():
        claim = _locked(claim_id, version)
        if claim.status == "dismissed":
            raise ConflictError("A dismissed claim cannot be split; restore it first.")
        if claim.status not in ("new", "in_research"):
            raise ConflictError("A claim with a verdict keeps its words; it cannot be split.")
        if claim.anchor_state == "orphaned":
            raise ConflictError(
                "The claim's words are no longer in the article; it cannot be split."
            )
        article = Article.get_by_id(claim.article_id)
        if not claim.start < at < claim.end:
            raise ValidationError("Split inside the claim's words.", field="at")
        try:
            first = anchor(article.text, claim.start, at)
            second = anchor(article.text, at, claim.end)
        except ValueError as exc:
            raise ValidationError("Each part needs some words.", field="at") from exc
        before = field_values(claim)
        kept = _save(
            actor,
            claim,
            "claim.split",
            before,
            quantities=_quantities_in(article.text, first.start, first.end),
            quote=first.quote,
            start=first.start,
            end=first.end,
            prefix=first.prefix,
            suffix=first.suffix,
        )
        rest = _claim_at(
            article.text,
            second,
            statement=claim.statement,
            kind=claim.kind,
            checkworthiness=claim.checkworthiness,
            attribution=claim.attribution,
            hedged=claim.hedged,
        )
        new = create_claims(actor, article, [rest], created_by=actor.user_id)[0]
        return kept, new


def merge_claims(actor: Actor, article_id: int, claim_ids: list[int]) -> Claim:
    """Join claims of one article into one claim over all their words; the originals are
    dismissed as "merged into #N" and kept.

    Raises ValidationError for fewer than two claims or claims of another article.
    """
    ids = sorted({i for i in claim_ids if 0 < i < 2**31})
    if len(ids) < 2:
        raise ValidationError("Choose at least two claims to merge.", field="claims")
    with db.atomic():
        parts = list(Claim.select().where(Claim.id.in_(ids)).order_by(Claim.start))
        if len(parts) != len(ids) or any(c.article_id != article_id for c in parts):
            raise ValidationError("Only claims of this article can be merged.", field="claims")
        if any(c.status == "dismissed" for c in parts):
            raise ValidationError("A dismissed claim cannot be merged.", field="claims")
        if any(c.status not in workflow.MOVES["dismiss"].sources for c in parts):
            raise ValidationError(
                "Only new or researched claims can be merged; a claim with a verdict keeps "
                "its words.",
                field="claims",
            )
        if any(c.anchor_state == "orphaned" for c in parts):
            raise ValidationError(
                "A claim whose words are no longer in the article cannot be merged.",
                field="claims",
            )
        article = Article.get_by_id(article_id)
        start, end = min(c.start for c in parts), max(c.end for c in parts)
        if end - start > QUOTE_MAX:
            raise ValidationError(
                f"A merged claim is at most {QUOTE_MAX} characters.", field="claims"
            )
        merged = _claim_at(
            article.text,
            anchor(article.text, start, end),
            statement=" ".join(dict.fromkeys(c.statement for c in parts))[:STATEMENT_MAX],
            kind=parts[0].kind,
            checkworthiness=max(c.checkworthiness for c in parts),
            attribution=next((c.attribution for c in parts if c.attribution), None),
            hedged=any(c.hedged for c in parts),
        )
        new = create_claims(actor, article, [merged], created_by=actor.user_id)[0]
        for part in parts:
            _save(
                actor,
                part,
                "claim.dismiss",
                field_values(part),
                status="dismissed",
                dismissed_reason=f"merged into #{new.id}",
                dismissed_by=actor.user_id,
            )
        return new


def count_claims(article_id: int) -> int:
    """How many claims an article has."""
    return Claim.select().where(Claim.article == article_id).count()


@dataclass(frozen=True)
class ProgressPart:
    """One state's share of an article's claims, placed on a 0-100 bar."""

    status: str
    count: int
    x: float
    width: float


def progress(claim_list: list[Claim]) -> list[ProgressPart]:
    """Claims by state, in workflow order, laid out for a progress bar."""
    counts = dict.fromkeys(CLAIM_STATUSES, 0)
    for claim in claim_list:
        counts[claim.status] += 1
    total = sum(counts.values()) or 1
    parts, x = [], 0.0
    for status, n in counts.items():
        width = 100 * n / total
        parts.append(ProgressPart(status, n, round(x, 3), round(width, 3)))
        x += width
    return parts
