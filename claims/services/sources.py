"""The source library: sources added by URL (fetched and archived) or by hand, their immutable
snapshots, the citations between them, and rechecking them for dead links and changed content.

Fetching is slow and happens outside any transaction; what it brought back is then written in
one transaction with its audit events, so a failed fetch leaves nothing half-written.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple, cast
from urllib.parse import urlsplit

import peewee

from claims import audit, documents, fetch, metadata
from claims.audit import Actor
from claims.db import PreparedSelect, db, utcnow
from claims.errors import (
    ClaimsError,
    ConflictError,
    FetchFailedError,
    FetchRefusedError,
    NotFoundError,
    ValidationError,
)
from claims.fetch import FetchResult
from claims.models import (
    NAME_MAX,
    NOTE_MAX,
    SOURCE_KINDS,
    TITLE_MAX,
    URL_MAX,
    ArchivedContent,
    Evidence,
    Snapshot,
    Source,
    SourceCitation,
    User,
    field_values,
)
from claims.services.evidence import SHOWN_SOURCE, recheck_quotes
from claims.services.records import save_versioned
from claims.services.security import log_fetch_failure
from claims.text import one_line
from claims.urls import normalize_url

# How deep the provenance walk follows citations, and how many sources it visits at most.
CITATION_DEPTH = 5
CITATION_NODES = 40
SNAPSHOT_LIST_MAX = 200


@dataclass(frozen=True)
class SourceFields:
    """What a reviewer typed about a source; None leaves a value as it is (or as read)."""

    title: str | None = None
    publisher: str | None = None
    author: str | None = None
    published: date | None = None
    kind: str | None = None
    reliability: int | None = None
    reliability_note: str | None = None


@dataclass(frozen=True)
class FetchedPage:
    """What one fetch of a source brought back, read but not yet stored."""

    result: FetchResult
    text: str
    metadata: metadata.PageMetadata


@dataclass(frozen=True)
class CheckOutcome:
    """The result of fetching a known source again."""

    source: Source
    state: str  # ok | changed | dead | unchecked (refused)
    snapshot: Snapshot | None
    message: str | None = None


@dataclass(frozen=True)
class SourceFilter:
    """What the library filters by; every field optional."""

    q: str | None = None
    kind: str | None = None
    state: str | None = None


# Reading ----------------------------------------------------------------------------------------


def get_source(source_id: int) -> Source:
    """Return a source. Raises NotFoundError if there is none."""
    source = Source.get_or_none(Source.id == source_id)
    if source is None:
        raise NotFoundError("No such source.")
    return source


def url_key(url: str) -> str:
    """The identity of a source's address. Raises ValidationError if it is not a web address."""
    if not fetch.is_web_address(url):
        raise ValidationError(
            "Give the source's http or https address, with its host and no password in it.",
            field="url",
        )
    try:
        return normalize_url(url)
    except ValueError:
        raise ValidationError("This is not a valid web address.", field="url") from None


def find_by_url(url: str) -> Source | None:
    """The library's source for this address (in any of its spellings), if there is one."""
    try:
        key = url_key(url)
    except ValidationError:
        return None
    return Source.get_or_none(Source.url_key == key)


def library(flt: SourceFilter, *, after_id: int | None, limit: int) -> list[Source]:
    """A page of the library, newest first (keyset on id)."""
    query = Source.select()
    if flt.kind:
        query = query.where(Source.kind == flt.kind)
    if flt.state:
        query = query.where(Source.check_state == flt.state)
    if flt.q:
        query = query.where(
            Source.title.contains(flt.q)
            | Source.publisher.contains(flt.q)
            | Source.url.contains(flt.q)
        )
    if after_id is not None:
        query = query.where(Source.id < after_id)
    return list(query.order_by(Source.id.desc()).limit(limit))


class Choice(NamedTuple):
    """A source as a picker offers it."""

    id: int
    title: str


def recent_sources(limit: int = 50) -> list[Choice]:
    """The sources most recently added, for pickers: their ids and titles only (whole rows
    were a tenth of a claim page's time)."""
    return [Choice(*row) for row in _RECENT(limit)]


_RECENT = PreparedSelect(
    lambda limit: (
        Source.select(Source.id, Source.title).order_by(Source.id.desc()).limit(limit).tuples()
    )
)


def latest_snapshots(source_ids: Iterable[int]) -> dict[int, Snapshot]:
    """The newest snapshot of each of these sources, in one query."""
    ids = list(set(source_ids))
    if not ids:
        return {}
    return {s.source_id: s for s in _LATEST(ids)}


_LATEST = PreparedSelect(
    lambda ids: Snapshot.select().where(
        Snapshot.id.in_(
            Snapshot.select(peewee.fn.MAX(Snapshot.id))
            .where(Snapshot.source.in_(ids))
            .group_by(Snapshot.source)
        )
    )
)


def evidence_counts(source_ids: Iterable[int]) -> dict[int, int]:
    """How many evidence items use each of these sources, in one query."""
    ids = list(set(source_ids))
    if not ids:
        return {}
    rows = (
        Evidence.select(Evidence.source, peewee.fn.COUNT(Evidence.id).alias("n"))
        .where(Evidence.source.in_(ids))
        .group_by(Evidence.source)
        .tuples()
    )
    pairs = cast(Iterable[tuple[int, int]], rows)
    return {int(source_id): int(n) for source_id, n in pairs}


def snapshots_of(source_id: int, limit: int = SNAPSHOT_LIST_MAX) -> list[Snapshot]:
    """A source's snapshots, newest first (with who fetched them)."""
    return list(
        Snapshot.select(Snapshot, User)
        .join(User, peewee.JOIN.LEFT_OUTER, on=Snapshot.fetched_by == User.id)
        .where(Snapshot.source == source_id)
        .order_by(Snapshot.id.desc())
        .limit(limit)
    )


def get_snapshot(snapshot_id: int) -> Snapshot:
    """A snapshot with its source and archived content. Raises NotFoundError."""
    snapshot = (
        Snapshot.select(Snapshot, Source, ArchivedContent)
        .join(Source)
        .switch(Snapshot)
        .join(ArchivedContent)
        .where(Snapshot.id == snapshot_id)
        .first()
    )
    if snapshot is None:
        raise NotFoundError("No such snapshot.")
    return snapshot


def snapshot_body(snapshot: Snapshot) -> bytes:
    """The archived body of a snapshot, as it was received."""
    return zlib.decompress(bytes(snapshot.content.body))


def citations_of(source_id: int) -> list[SourceCitation]:
    """What this source cites, with the cited sources."""
    return list(
        SourceCitation.select(SourceCitation, Source)
        .join(Source, on=SourceCitation.cited == Source.id)
        .where(SourceCitation.source == source_id)
        .order_by(SourceCitation.id)
    )


def cited_by(source_id: int) -> list[SourceCitation]:
    """The sources that cite this one, with those sources."""
    return list(
        SourceCitation.select(SourceCitation, Source)
        .join(Source, on=SourceCitation.source == Source.id)
        .where(SourceCitation.cited == source_id)
        .order_by(SourceCitation.id)
    )


# A claim's provenance reads only what its page shows of each source.
_SOURCES = PreparedSelect(lambda ids: Source.select(*SHOWN_SOURCE).where(Source.id.in_(ids)))
_CITED = PreparedSelect(
    lambda ids: (
        SourceCitation.select(
            SourceCitation.id, SourceCitation.source, SourceCitation.cited, *SHOWN_SOURCE
        )
        .join(Source, on=SourceCitation.cited == Source.id)
        .where(SourceCitation.source.in_(ids))
        .order_by(SourceCitation.id)
    )
)


def citation_tree(
    roots: Iterable[int], known: Mapping[int, Source] | None = None
) -> tuple[dict[int, Source], list[SourceCitation]]:
    """The sources reachable from `roots` through citations (breadth first, at most
    CITATION_DEPTH levels and CITATION_NODES sources; cycles are walked once; each source with
    the columns of evidence.SHOWN_SOURCE), with the
    citations between them: one query per level. Roots in `known` are not read again."""
    wanted = sorted(set(roots))
    known = known or {}
    missing = [i for i in wanted if i not in known]
    found = {s.id: s for s in _SOURCES(missing)} if missing else {}
    seen: dict[int, Source] = {}
    for source_id in wanted:  # in id order, as the database gives them
        source = known.get(source_id) or found.get(source_id)
        if source is not None:
            seen[source_id] = source
    edges: list[SourceCitation] = []
    frontier = list(seen)
    for _ in range(CITATION_DEPTH):
        if not frontier or len(seen) >= CITATION_NODES:
            break
        level = _CITED(frontier)
        frontier = []
        for citation in level:
            cited = citation.cited
            if cited.id not in seen:
                if len(seen) >= CITATION_NODES:
                    continue
                seen[cited.id] = cited
                frontier.append(cited.id)
            edges.append(citation)
    return seen, edges


# Writing ----------------------------------------------------------------------------------------


def _text(value: str | None, limit: int, field: str) -> str | None:
    value = one_line(value)
    if len(value) > limit:
        raise ValidationError(f"At most {limit} characters.", field=field)
    return value or None


def _clean_fields(fields: SourceFields) -> dict[str, Any]:
    """Validated column values for what was typed (only the fields that were given)."""
    values: dict[str, Any] = {}
    if fields.title is not None:
        values["title"] = _text(fields.title, TITLE_MAX, "title")
    if fields.publisher is not None:
        values["publisher"] = _text(fields.publisher, NAME_MAX, "publisher")
    if fields.author is not None:
        values["author"] = _text(fields.author, NAME_MAX, "author")
    if fields.published is not None:
        values["published_date"] = fields.published
    if fields.kind is not None:
        if fields.kind not in SOURCE_KINDS:
            raise ValidationError(f"kind must be one of: {', '.join(SOURCE_KINDS)}.", field="kind")
        values["kind"] = fields.kind
    if fields.reliability is not None:
        if not 1 <= fields.reliability <= 5:
            raise ValidationError("Reliability is rated from 1 to 5.", field="reliability")
        values["reliability"] = fields.reliability
    if fields.reliability_note is not None:
        note = fields.reliability_note.strip()
        if len(note) > NOTE_MAX:
            raise ValidationError(
                f"The note is at most {NOTE_MAX:,} characters.", field="reliability_note"
            )
        values["reliability_note"] = note or None
    return values


def read_page(result: FetchResult) -> FetchedPage:
    """Read a fetched body's text and bibliographic metadata (pure, no database)."""
    text = documents.snapshot_text(result.body, result.content_type, result.encoding)
    meta = metadata.PageMetadata(None, None, None, None, None)
    if result.content_type in documents.HTML_TYPES:
        try:
            html = documents.decode(result.body, result.encoding)
        except ValidationError:
            html = ""
        meta = metadata.page_metadata(html, result.final_url)
    return FetchedPage(result=result, text=text, metadata=meta)


def fetch_page(url: str, options: dict[str, Any]) -> FetchedPage:
    """Fetch and read a page through the one fetcher (no database).

    Raises FetchRefusedError or FetchFailedError.
    """
    return read_page(fetch.fetch(url, **options))


def _store_snapshot(actor: Actor, source: Source, page: FetchedPage) -> Snapshot:
    """Archive a fetched body (stored once per distinct body) and add a snapshot; in the
    caller's transaction, with its audit event."""
    result = page.result
    digest = hashlib.sha256(result.body).hexdigest()
    content = ArchivedContent.get_or_none(ArchivedContent.sha256 == digest)
    if content is None:
        try:
            with db.atomic():  # a savepoint: a concurrent insert of the same body is fine
                content = ArchivedContent.create(
                    sha256=digest,
                    size=len(result.body),
                    body=zlib.compress(result.body, 6),
                    text=page.text,
                )
        except peewee.IntegrityError:
            content = ArchivedContent.get(ArchivedContent.sha256 == digest)
    snapshot = Snapshot.create(
        source=source.id,
        content=content.id,
        fetched_at=result.fetched_at,
        http_status=result.status,
        final_url=result.final_url[:URL_MAX],
        content_type=result.content_type,
        sha256=digest,
        fetched_by=actor.user_id,
    )
    after = field_values(snapshot)
    after["size"] = content.size
    audit.record(
        actor, "snapshot.create", "snapshot", snapshot.id, after=after, parent=("source", source.id)
    )
    return snapshot


def _fallback_title(url: str | None) -> str:
    if not url:
        return ""
    parts = urlsplit(url)
    return f"{parts.hostname or url}{parts.path if parts.path not in ('', '/') else ''}"[:TITLE_MAX]


def add_source(
    actor: Actor,
    url: str | None,
    fields: SourceFields,
    options: dict[str, Any],
    *,
    keep_without_snapshot: bool = False,
) -> tuple[Source, bool, str | None]:
    """Add a source by URL (fetched and archived) or by hand (no URL: a title is needed).

    Returns (source, created, fetch_message): the same address again returns the existing
    source with created False; fetch_message says why a source kept without a snapshot has none.
    Raises ValidationError for bad fields, FetchRefusedError or FetchFailedError when the fetch
    does not succeed and `keep_without_snapshot` is False (nothing is stored then).
    """
    values = _clean_fields(fields)
    url = one_line(url) or None
    if url is None:
        if not values.get("title"):
            raise ValidationError(
                "Give the source's address, or a title for a source without one.", field="title"
            )
        return _create(actor, values, None, None, None), True, None
    if len(url) > URL_MAX:
        raise ValidationError(f"An address is at most {URL_MAX} characters.", field="url")
    key = url_key(url)
    existing = Source.get_or_none(Source.url_key == key)
    if existing is not None:
        return existing, False, None
    page: FetchedPage | None = None
    message: str | None = None
    try:
        page = fetch_page(url, options)
        # An address that redirects to a page already in the library is that page.
        landed = Source.get_or_none(Source.url_key == url_key(page.result.final_url))
        if landed is not None:
            return landed, False, None
    except (FetchRefusedError, FetchFailedError) as exc:
        log_fetch_failure(actor, exc, url)
        if not keep_without_snapshot:
            raise
        message = exc.message
        values.setdefault(
            "check_state", "dead" if isinstance(exc, FetchFailedError) else "unchecked"
        )
        values["check_error"] = exc.message[:NAME_MAX]
        values["check_status"] = getattr(exc, "http_status", None)
        values["checked_at"] = utcnow()
    if page is not None:
        # A source is filed under the address its page was found at (a short link that
        # redirected is not the page's own address).
        url = page.result.final_url
        key = url_key(url)
    try:
        return _create(actor, values, url, key, page), True, message
    except peewee.IntegrityError:
        # Someone added the same address at the same moment: theirs stands.
        existing = Source.get_or_none(Source.url_key == key)
        if existing is None:
            raise
        return existing, False, None


def _create(
    actor: Actor,
    values: dict[str, Any],
    url: str | None,
    key: str | None,
    page: FetchedPage | None,
) -> Source:
    if page is not None:
        meta = page.metadata
        read = {
            "title": meta.title,
            "publisher": meta.publisher,
            "author": meta.author,
            "published_date": meta.published,
        }
        for name, value in read.items():
            if not values.get(name) and value:
                values[name] = value
        values.update(
            check_state="ok", checked_at=page.result.fetched_at, check_status=page.result.status
        )
    if not values.get("title"):
        values["title"] = _fallback_title(page.result.final_url if page else url) or "Untitled"
    with db.atomic():
        source = Source.create(url=url, url_key=key, created_by=actor.user_id, **values)
        audit.record(actor, "source.create", "source", source.id, after=field_values(source))
        if page is not None:
            _store_snapshot(actor, source, page)
    return source


def update_source(
    actor: Actor, source_id: int, version: int, fields: SourceFields, url: str | None = None
) -> Source:
    """Edit a source's description, kind and reliability, if unchanged since `version`; its
    address only while it has no snapshot (an archived source keeps the address it was
    fetched from).

    Raises ValidationError, ConflictError for a stale version or an address already in the
    library, NotFoundError.
    """
    values = _clean_fields(fields)
    if "title" in values and not values["title"]:
        raise ValidationError("A source needs a title.", field="title")
    with db.atomic():
        source = get_source(source_id)
        if source.version != version:
            raise ConflictError("Someone else changed this source since you opened it.")
        new_url = one_line(url) or None if url is not None else source.url
        if new_url != source.url:
            if Snapshot.select().where(Snapshot.source == source.id).exists():
                raise ValidationError(
                    "An archived source keeps the address it was fetched from; add the new "
                    "address as a source of its own.",
                    field="url",
                )
            key = url_key(new_url) if new_url else None
            other = Source.get_or_none((Source.url_key == key) & (Source.id != source.id))
            if key and other is not None:
                raise ConflictError(f"Source #{other.id} already has this address.", field="url")
            values.update(url=new_url, url_key=key)
        if all(getattr(source, k) == v for k, v in values.items()):
            return source
        return save_versioned(actor, source, values, action="source.update", noun="source")


def record_check(
    actor: Actor, source: Source, page: FetchedPage | None, error: ClaimsError | None
) -> CheckOutcome:
    """Store what a re-fetch of `source` found: a new snapshot and the evidence quotes checked
    again, or the source marked dead. One transaction with its audit events."""
    with db.atomic():
        previous = latest_snapshots([source.id]).get(source.id)
        before = {k: getattr(source, k) for k in ("check_state", "check_status", "check_error")}
        snapshot = None
        if page is None:
            assert error is not None
            state = "dead" if isinstance(error, FetchFailedError) else "unchecked"
            values: dict[str, Any] = {
                "check_state": state,
                "check_status": getattr(error, "http_status", None),
                "check_error": error.message[:NAME_MAX],
            }
        else:
            snapshot = _store_snapshot(actor, source, page)
            changed = previous is not None and _text_of(previous) != page.text
            state = "changed" if changed else "ok"
            values = {
                "check_state": state,
                "check_status": page.result.status,
                "check_error": None,
            }
        now = utcnow()
        Source.update(**values, checked_at=now).where(Source.id == source.id).execute()
        after = dict(values)
        if snapshot is not None:
            after.update(
                snapshot_id=snapshot.id,
                sha256=snapshot.sha256,
                body_changed=previous is not None and previous.sha256 != snapshot.sha256,
            )
        audit.record(actor, "source.check", "source", source.id, before=before, after=after)
        if snapshot is not None:
            recheck_quotes(actor, source.id)
    fresh = Source.get_by_id(source.id)
    return CheckOutcome(fresh, state, snapshot, error.message if error else None)


def _text_of(snapshot: Snapshot) -> str:
    content = (
        ArchivedContent.select(ArchivedContent.text)
        .where(ArchivedContent.id == snapshot.content_id)
        .first()
    )
    return content.text if content else ""


def refetch_source(actor: Actor, source_id: int, options: dict[str, Any]) -> CheckOutcome:
    """Fetch a source again: a new snapshot (never overwriting one), or the source marked dead.

    Raises NotFoundError, ValidationError for a source without an address.
    """
    source = get_source(source_id)
    if not source.url:
        raise ValidationError("This source has no address to fetch.")
    try:
        page = fetch_page(source.url, options)
    except (FetchRefusedError, FetchFailedError) as exc:
        return record_check(actor, source, None, exc)
    return record_check(actor, source, page, None)


def recheck_sources(
    actor: Actor,
    source_ids: list[int] | None,
    options: dict[str, Any],
    *,
    workers: int = 4,
    fetcher: Callable[[str, dict[str, Any]], FetchedPage] = fetch_page,
) -> Iterator[CheckOutcome]:
    """Fetch every source with an address (or those given) again, `workers` at a time; yields
    each outcome as it is stored. Writes happen one at a time in the caller's thread.

    Raises NotFoundError (before fetching anything) if a given id does not exist.
    """
    if source_ids:
        found = {s.id: s for s in Source.select().where(Source.id.in_(source_ids))}
        missing = [i for i in source_ids if i not in found]
        if missing:
            raise NotFoundError(f"No such source: {', '.join(map(str, missing))}.")
        ids = [i for i in dict.fromkeys(source_ids) if found[i].url]
    else:
        ids = [
            s.id
            for s in Source.select(Source.id).where(Source.url.is_null(False)).order_by(Source.id)
        ]

    def attempt(source: Source) -> tuple[Source, FetchedPage | None, ClaimsError | None]:
        try:
            return source, fetcher(str(source.url), options), None
        except (FetchRefusedError, FetchFailedError) as exc:
            return source, None, exc

    batch = max(1, workers) * 4  # bounded: bodies in memory at once
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for offset in range(0, len(ids), batch):
            chunk = list(Source.select().where(Source.id.in_(ids[offset : offset + batch])))
            chunk.sort(key=lambda s: s.id)
            for source, page, error in pool.map(attempt, chunk):
                yield record_check(actor, source, page, error)


def count_fetchable(source_ids: list[int] | None) -> int:
    """How many sources a recheck of `source_ids` (None: all) would fetch."""
    query = Source.select().where(Source.url.is_null(False))
    if source_ids:
        query = query.where(Source.id.in_(source_ids))
    return query.count()


def add_citation(
    actor: Actor, source_id: int, cited_id: int, note: str | None = None
) -> SourceCitation:
    """Record that one source cites another.

    Raises ValidationError for a source citing itself, ConflictError if already recorded,
    NotFoundError.
    """
    if source_id == cited_id:
        raise ValidationError("A source cannot cite itself.", field="cited")
    clean_note = _text(note, NAME_MAX, "note")
    with db.atomic():
        source = get_source(source_id)
        cited = get_source(cited_id)
        if (
            SourceCitation.select()
            .where((SourceCitation.source == source.id) & (SourceCitation.cited == cited.id))
            .exists()
        ):
            raise ConflictError(f"“{source.title}” already cites “{cited.title}”.", field="cited")
        citation = SourceCitation.create(
            source=source.id, cited=cited.id, note=clean_note, created_by=actor.user_id
        )
        audit.record(
            actor,
            "citation.create",
            "citation",
            citation.id,
            after=field_values(citation),
            parent=("source", source.id),
        )
    return citation


def remove_citation(actor: Actor, citation_id: int) -> SourceCitation:
    """Remove a citation between two sources. Raises NotFoundError."""
    with db.atomic():
        citation = SourceCitation.get_or_none(SourceCitation.id == citation_id)
        if citation is None:
            raise NotFoundError("No such citation.")
        before = field_values(citation)
        citation.delete_instance()
        audit.record(
            actor,
            "citation.delete",
            "citation",
            citation_id,
            before=before,
            parent=("source", citation.source_id),
        )
    return citation


# "12", "#12" or a picker's "#12 — Title" (ASCII digits only: int() also reads "²" and "١٢").
_PICKED = re.compile(r"#?([0-9]{1,9})(?:\s*\u2014.*)?")


def source_ref(reference: str) -> Source:
    """A source named by a reviewer: "12", "#12", "#12 — Title" (a picker's text), an address
    already in the library, or the exact title of one source.

    Raises ValidationError when it names nothing in the library.
    """
    text = one_line(reference)
    number = _PICKED.fullmatch(text)
    if number is not None:
        source = Source.get_or_none(Source.id == int(number.group(1)))
        if source is not None:
            return source
    elif fetch.is_web_address(text):
        source = find_by_url(text)
        if source is not None:
            return source
    elif text:
        # A title typed out in full, when exactly one source has it.
        named = list(Source.select().where(peewee.fn.LOWER(Source.title) == text.lower()).limit(2))
        if len(named) == 1:
            return named[0]
    raise ValidationError(
        "No source in the library matches this; pick one from the list or give its address.",
        field="source",
    )


def resolve_or_add(
    actor: Actor, reference: str, options: dict[str, Any], *, keep_without_snapshot: bool = False
) -> tuple[Source, bool]:
    """The source a reviewer named in a picker: one of the library's, or a new address added
    on the spot (fetched and archived). Returns (source, created).

    Raises ValidationError when it names nothing and is no address, FetchRefusedError or
    FetchFailedError when a new address cannot be fetched (unless kept without a snapshot).
    """
    try:
        return source_ref(reference), False
    except ValidationError:
        text = one_line(reference)
        if not fetch.is_web_address(text):
            raise
    try:
        source, created, _ = add_source(
            actor, text, SourceFields(), options, keep_without_snapshot=keep_without_snapshot
        )
    except ClaimsError as exc:
        exc.field = "source"
        raise
    return source, created


@dataclass(frozen=True)
class Provenance:
    """Where a claim's words come from: the source its attribution names, what that source
    cites (and so on), the sources of its evidence, and their latest archived copies."""

    attributed: Source | None
    evidence_sources: list[int]
    sources: dict[int, Source]
    citations: list[SourceCitation]
    latest: dict[int, Snapshot]
    chains: list[list[Source]]


CHAINS_SHOWN = 5


def provenance(
    attributed_source_id: int | None,
    evidence_source_ids: list[int],
    known: Mapping[int, Source] | None = None,
) -> Provenance:
    """The provenance of a claim, in a constant number of queries (one per citation level);
    sources in `known` (read with the evidence) are not read again."""
    roots = list(dict.fromkeys([*filter(None, [attributed_source_id]), *evidence_source_ids]))
    found, edges = citation_tree(roots, known)
    cites: dict[int, list[int]] = {}
    for citation in edges:
        cites.setdefault(citation.source_id, []).append(citation.cited_id)
    chains: list[list[Source]] = []

    def walk(path: list[int]) -> None:
        if len(chains) >= CHAINS_SHOWN:
            return
        onward = [c for c in cites.get(path[-1], []) if c not in path and c in found]
        if not onward or len(path) > CITATION_DEPTH:
            chains.append([found[i] for i in path])
            return
        for cited in onward:
            walk([*path, cited])

    if attributed_source_id is not None and attributed_source_id in found:
        walk([attributed_source_id])
    return Provenance(
        attributed=found.get(attributed_source_id) if attributed_source_id is not None else None,
        evidence_sources=[i for i in dict.fromkeys(evidence_source_ids) if i in found],
        sources=found,
        citations=edges,
        latest=latest_snapshots(found),
        chains=chains,
    )
