"""Evidence: what a source says about a claim, with a stance, and whether its excerpt can be
found in the newsroom's own archived copy of that source."""

from __future__ import annotations

import hashlib
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import peewee

from claims import audit, independence, numbers, quotes, workflow
from claims.audit import Actor
from claims.db import PreparedSelect, db, utcnow
from claims.errors import ConflictError, NotFoundError, ValidationError
from claims.models import (
    EXCERPT_MAX,
    NAME_MAX,
    NOTE_MAX,
    STANCES,
    ArchivedContent,
    Article,
    Claim,
    Evidence,
    Snapshot,
    Source,
    SourceCitation,
    User,
    field_values,
)
from claims.pagecache import Kept
from claims.services.claims import save_claim, workflow_facts
from claims.services.records import save_versioned
from claims.text import one_line

# Older snapshots searched for an excerpt missing from the newest one.
QUOTE_HISTORY = 20
STANCE_LABELS = {
    "supports": "Supports",
    "refutes": "Refutes",
    "mixed": "Mixed",
    "context": "Context",
}


@dataclass(frozen=True)
class QuoteCheck:
    """Where an excerpt was found: its state and the snapshot it was checked against."""

    state: str  # verified | not_found | no_snapshot
    snapshot_id: int | None


class _Texts:
    """The normalized texts of a source's snapshots, newest first, read lazily and once."""

    def __init__(self, source_id: int) -> None:
        rows = (
            Snapshot.select(Snapshot.id, Snapshot.content)
            .where(Snapshot.source == source_id)
            .order_by(Snapshot.id.desc())
            .limit(QUOTE_HISTORY)
            .tuples()
        )
        pairs = cast(Iterable[tuple[int, int]], rows)
        self._rows: list[tuple[int, int]] = [(int(a), int(b)) for a, b in pairs]
        self._texts: dict[int, str] = {}

    def __bool__(self) -> bool:
        return bool(self._rows)

    def _text(self, content_id: int) -> str:
        if content_id not in self._texts:
            row = (
                ArchivedContent.select(ArchivedContent.text)
                .where(ArchivedContent.id == content_id)
                .tuples()
                .first()
            )
            self._texts[content_id] = quotes.normalize_for_match(row[0] if row else "")
        return self._texts[content_id]

    def check(self, excerpt: str) -> QuoteCheck:
        """The newest snapshot holding the excerpt; else not found in the newest."""
        if not self._rows:
            return QuoteCheck("no_snapshot", None)
        for snapshot_id, content_id in self._rows:
            if quotes.quote_in_text(excerpt, self._text(content_id)):
                return QuoteCheck("verified", snapshot_id)
        return QuoteCheck("not_found", self._rows[0][0])


def check_quote(source_id: int, excerpt: str) -> QuoteCheck:
    """Check an excerpt against a source's archived copies (newest first)."""
    return _Texts(source_id).check(excerpt)


# What the claim page shows of a source (its evidence items, the provenance chain and graph,
# the attribution): the other columns, four of them dates, cost more to read than the page.
SHOWN_SOURCE = (
    Source.id,
    Source.title,
    Source.kind,
    Source.reliability,
    Source.reliability_note,
    Source.check_state,
)

_CLAIM_EVIDENCE = PreparedSelect(
    lambda claim_id: (
        Evidence.select(Evidence, *SHOWN_SOURCE, Snapshot, User.id, User.display_name)
        .join(Source, on=Evidence.source == Source.id)
        .switch(Evidence)
        .join(Snapshot, peewee.JOIN.LEFT_OUTER, on=Evidence.snapshot == Snapshot.id)
        .switch(Evidence)
        .join(User, on=Evidence.created_by == User.id)
        .where(Evidence.claim == claim_id)
        .order_by(Evidence.id)
    )
)


def claim_evidence(claim_id: int) -> list[Evidence]:
    """A claim's evidence with snapshots, sources (SHOWN_SOURCE) and authors' names, in one
    query."""
    return _CLAIM_EVIDENCE(claim_id)


def by_stance(items: Sequence[Evidence]) -> list[tuple[str, list[Evidence]]]:
    """Evidence grouped by stance, in the order supports, refutes, mixed, context."""
    return [
        (s, [e for e in items if e.stance == s])
        for s in STANCES
        if any(e.stance == s for e in items)
    ]


def get_evidence(evidence_id: int) -> Evidence:
    """An evidence item with its claim and source. Raises NotFoundError."""
    found = _EVIDENCE(evidence_id)
    if not found:
        raise NotFoundError("No such evidence.")
    return found[0]


_EVIDENCE = PreparedSelect(
    lambda evidence_id: (
        Evidence.select(Evidence, Claim, Source)
        .join(Claim)
        .switch(Evidence)
        .join(Source)
        .where(Evidence.id == evidence_id)
    )
)


def _stated(text: str | None) -> dict[str, Any]:
    """The figure an evidence item states, read like a claim's quantity ("" clears it)."""
    if text is None:
        return {}
    text = one_line(text)
    if not text:
        return dict.fromkeys(("stated_value", "stated_number", "stated_high", "stated_unit"))
    if len(text) > NAME_MAX:
        raise ValidationError(f"A value is at most {NAME_MAX} characters.", field="stated_value")
    try:
        found = numbers.parse_stated(text)
    except ValueError as exc:
        raise ValidationError(
            f"{exc} Write it like “USD 1.2 billion”, “36 units” or “150 km”.",
            field="stated_value",
        ) from None
    return {
        "stated_value": numbers.to_text(found)[:NAME_MAX],
        "stated_number": found.value,
        "stated_high": found.value_high,
        "stated_unit": found.unit,
    }


def _clean(
    excerpt: str | None,
    stance: str | None,
    locator: str | None,
    note: str | None,
    stated: str | None = None,
) -> dict[str, Any]:
    values: dict[str, Any] = _stated(stated)
    if excerpt is not None:
        excerpt = excerpt.replace("\r\n", "\n").strip()
        if not excerpt:
            raise ValidationError("Quote the part of the source that matters.", field="excerpt")
        if len(excerpt) > EXCERPT_MAX:
            raise ValidationError(
                f"An excerpt is at most {EXCERPT_MAX:,} characters: quote the part that "
                "matters and give its place in the locator.",
                field="excerpt",
            )
        values["excerpt"] = excerpt
    if stance is not None:
        if stance not in STANCES:
            raise ValidationError(f"stance must be one of: {', '.join(STANCES)}.", field="stance")
        values["stance"] = stance
    if locator is not None:
        locator = one_line(locator)
        if len(locator) > NAME_MAX:
            raise ValidationError(f"A locator is at most {NAME_MAX} characters.", field="locator")
        values["locator"] = locator or None
    if note is not None:
        note = note.replace("\r\n", "\n").strip()
        if len(note) > NOTE_MAX:
            raise ValidationError(f"A note is at most {NOTE_MAX:,} characters.", field="note")
        values["note"] = note
    return values


def open_claim(claim_id: int) -> Claim:
    """The claim, if evidence may be added to it.

    Raises NotFoundError, ValidationError for a dismissed claim.
    """
    return _open_claim(claim_id)


def _open_claim(claim_id: int) -> Claim:
    claim = Claim.get_or_none(Claim.id == claim_id)
    if claim is None:
        raise NotFoundError("No such claim.")
    if claim.status == "dismissed":
        raise ValidationError("This claim is dismissed; restore it before adding evidence.")
    return claim


def add_evidence(
    actor: Actor,
    claim_id: int,
    source_id: int,
    *,
    excerpt: str,
    stance: str,
    locator: str | None = None,
    note: str | None = None,
    stated_value: str | None = None,
) -> Evidence:
    """Attach evidence to a claim, its excerpt checked against the source's archived copies;
    `stated_value` is the figure it states ("USD 1.2 billion"), compared with the claim's.

    Raises ValidationError (empty or oversized excerpt, unknown stance, dismissed claim),
    NotFoundError (claim or source).
    """
    if actor.user_id is None:
        raise ValidationError("Evidence must be added by a user.")
    values = _clean(excerpt, stance, locator, note or "", stated_value)
    with db.atomic():
        claim = _open_claim(claim_id)
        source = Source.get_or_none(Source.id == source_id)
        if source is None:
            raise NotFoundError("No such source.", field="source")
        check = check_quote(source.id, values["excerpt"])
        if claim.status == "new":
            # Evidence is research: the claim leaves the "new" pile (its own audit event).
            target = workflow.check("start", claim.status, workflow_facts(actor, claim))
            save_claim(actor, claim, "claim.start", status=target)
        item = Evidence.create(
            claim=claim.id,
            source=source.id,
            snapshot=check.snapshot_id,
            quote_verified=check.state,
            quote_checked_at=utcnow(),
            created_by=actor.user_id,
            **values,
        )
        audit.record(
            actor,
            "evidence.create",
            "evidence",
            item.id,
            after=field_values(item),
            parent=("claim", claim.id),
        )
    return get_evidence(item.id)


def update_evidence(
    actor: Actor,
    evidence_id: int,
    version: int,
    *,
    excerpt: str | None = None,
    stance: str | None = None,
    locator: str | None = None,
    note: str | None = None,
    stated_value: str | None = None,
) -> Evidence:
    """Edit an evidence item if unchanged since `version`; a new excerpt is checked again.

    Raises ValidationError, ConflictError for a stale version, NotFoundError.
    """
    values = _clean(excerpt, stance, locator, note, stated_value)
    with db.atomic():
        item = get_evidence(evidence_id)
        if item.version != version:
            raise ConflictError(
                "Someone else changed this evidence since you opened it. Your text is kept "
                "below; compare it with the current version and save again."
            )
        if all(getattr(item, k) == v for k, v in values.items()):
            return item
        if "excerpt" in values and values["excerpt"] != item.excerpt:
            check = check_quote(item.source_id, values["excerpt"])
            values.update(
                quote_verified=check.state, snapshot=check.snapshot_id, quote_checked_at=utcnow()
            )
        save_versioned(
            actor,
            item,
            values,
            action="evidence.update",
            noun="evidence",
            parent=("claim", item.claim_id),
        )
        return get_evidence(evidence_id)


def remove_evidence(actor: Actor, evidence_id: int, version: int) -> Evidence:
    """Detach an evidence item from its claim; the trail keeps what it said.

    Raises ConflictError for a stale version, NotFoundError.
    """
    with db.atomic():
        item = get_evidence(evidence_id)
        if item.version != version:
            raise ConflictError("Someone else changed this evidence since you opened it.")
        before = field_values(item)
        Evidence.delete().where(
            (Evidence.id == evidence_id) & (Evidence.version == version)
        ).execute()
        audit.record(
            actor,
            "evidence.delete",
            "evidence",
            evidence_id,
            before=before,
            parent=("claim", item.claim_id),
        )
    return item


def recheck_quotes(actor: Actor, source_id: int) -> int:
    """Check every excerpt from this source again (after a new snapshot), inside the caller's
    transaction; each item whose state or snapshot changes gets an audit event. Returns how
    many changed."""
    texts = _Texts(source_id)
    changed = 0
    now = utcnow()
    for item in Evidence.select().where(Evidence.source == source_id).order_by(Evidence.id):
        check = texts.check(item.excerpt)
        if (check.state, check.snapshot_id) == (item.quote_verified, item.snapshot_id):
            continue
        Evidence.update(
            quote_verified=check.state, snapshot=check.snapshot_id, quote_checked_at=now
        ).where(Evidence.id == item.id).execute()
        audit.record(
            actor,
            "evidence.quote_check",
            "evidence",
            item.id,
            before={"quote_verified": item.quote_verified, "snapshot": item.snapshot_id},
            after={"quote_verified": check.state, "snapshot": check.snapshot_id},
            parent=("claim", item.claim_id),
        )
        changed += 1
    return changed


def source_evidence(source_id: int, limit: int) -> list[Evidence]:
    """The latest evidence items that rest on a source, with their claims and articles."""
    return list(
        Evidence.select(Evidence, Claim, Article)
        .join(Claim)
        .join(Article)
        .where(Evidence.source == source_id)
        .order_by(Evidence.id.desc())
        .limit(limit)
    )


def attributed_claims(source_id: int, limit: int) -> list[Claim]:
    """Claims whose attribution names this source, with their articles."""
    return list(
        Claim.select(Claim, Article)
        .join(Article)
        .where(Claim.attributed_source == source_id)
        .order_by(Claim.id.desc())
        .limit(limit)
    )


def number_checks(items: Iterable[Evidence], figures: Sequence[Any]) -> dict[int, Any]:
    """For each evidence item that states a figure, how it compares with the claim's figure
    of the closest kind (numbers.compare: match, mismatch, unit confusion, incomparable)."""
    checks: dict[int, Any] = {}
    for item in items:
        if item.stated_number is None:
            continue
        stated = numbers.Stated(
            item.stated_number, item.stated_high, item.stated_unit, item.stated_value or ""
        )
        best = None
        for q in figures:
            if q.value is None and q.value_high is None:
                continue
            result = numbers.compare(
                q.value, q.value_high, q.unit, stated, approximate=bool(q.approximate)
            )
            rank = ("match", "mismatch", "unit_mismatch", "incomparable").index(result.verdict)
            if best is None or rank < best[0]:
                best = (rank, result)
        if best is not None:
            checks[item.id] = best[1]
    return checks


# The part of an archived text compared for near-duplicates: enough to tell wire copy apart,
# bounded so that a claim page with many long sources stays fast.
INDEPENDENCE_TEXT = 20_000


@dataclass(frozen=True)
class Independence:
    """Evidence grouped by dependence: the same source, a shared cited source (one press
    release), or near-duplicate archived text (wire copy): a group counts once."""

    groups: list[list[int]]

    @property
    def count(self) -> int:
        return len(self.groups)

    def group_of(self) -> dict[int, int]:
        return {member: i for i, group in enumerate(self.groups) for member in group}


_SNAPSHOT_TEXTS = PreparedSelect(
    lambda ids: (
        Snapshot.select(Snapshot.id, peewee.fn.SUBSTR(ArchivedContent.text, 1, INDEPENDENCE_TEXT))
        .join(ArchivedContent)
        .where(Snapshot.id.in_(ids))
        .tuples()
    )
)
_CITES = PreparedSelect(
    lambda ids: (
        SourceCitation.select(SourceCitation.source, SourceCitation.cited)
        .where(SourceCitation.source.in_(ids))
        .tuples()
    )
)


def independence_of(items: Sequence[Evidence]) -> Independence:
    """Group a claim's evidence (read with its sources) by dependence: two queries, or one when
    the same grouping was made before (see `_grouping_key`)."""
    if not items:
        return Independence([])
    source_ids = sorted({e.source_id for e in items})
    cites: dict[int, set[int]] = {}
    pairs = cast(Iterable[tuple[int, int]], _CITES(source_ids))
    for citing, cited in pairs:
        cites.setdefault(int(citing), set()).add(int(cited))
    key = _grouping_key(items, cites)
    kept = _groupings.get(key) if key is not None else None
    if kept is not None:
        return Independence([list(group) for group in kept])
    snapshot_ids = [e.snapshot_id for e in items if e.snapshot_id is not None]
    texts: dict[int, str] = {}
    if snapshot_ids:
        rows = cast(Iterable[tuple[int, str | None]], _SNAPSHOT_TEXTS(snapshot_ids))
        texts = {int(sid): str(text or "") for sid, text in rows}
    found = independence.groups(
        [
            independence.Item(
                id=e.id,
                source_id=e.source_id,
                text=texts.get(e.snapshot_id or 0) or e.excerpt,
                cites=frozenset(cites.get(e.source_id, ())),
            )
            for e in items
        ]
    )
    if key is not None:
        _groupings.put(key, tuple(tuple(group) for group in found))
    return Independence(found)


# Groupings made, by what they are made of (at most this many, of claims with at most
# GROUPED_ITEMS_KEPT items): a busy claim's page is drawn again after every edit of a note or a
# stance, which leaves its grouping as it was (a tenth of that drawing).
GROUPINGS_KEPT = 512
GROUPED_ITEMS_KEPT = 200
_groupings: Kept[tuple[tuple[int, ...], ...]] = Kept(GROUPINGS_KEPT)


def _grouping_key(items: Sequence[Evidence], cites: dict[int, set[int]]) -> Hashable | None:
    """Everything a grouping reads, or None when that is not known without more queries: each
    item's id, source, the sources it cites, its excerpt (by digest) and its archived copy's
    content row and hash (neither a snapshot nor its content is ever changed: migration 0003
    refuses it). Only items read with their snapshots (claim_evidence) have one."""
    if len(items) > GROUPED_ITEMS_KEPT:
        return None
    parts = []
    for e in items:
        content = None
        if e.snapshot_id is not None:
            snapshot = e.__rel__.get("snapshot")  # read with the item, or not at all
            if snapshot is None:
                return None
            content = (snapshot.content_id, snapshot.sha256)
        excerpt = hashlib.blake2b(e.excerpt.encode(), digest_size=16).digest()
        cited = tuple(sorted(cites.get(e.source_id, ())))
        parts.append((e.id, e.source_id, cited, content, excerpt))
    return tuple(parts)
