"""The OpenAPI 3.1 description of the JSON API, built from the URL map so that it cannot drift:
every route under /api/ needs an entry in OPERATIONS (the builder refuses to run without one),
and every schema's limits and choices come from the constants the services enforce.

Pure: no Flask import. `build(app)` reads only the application's URL map, its view functions'
declared roles (`access_role`) and its configuration.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any, Protocol

from claims.audit import ENTITY_TYPES
from claims.config import Defaults
from claims.export.claimreview import BEST_RATING, CONTEXT, EXPLANATION_MAX, WORST_RATING
from claims.models import (
    ANCHOR_STATES,
    ARTICLE_CHECKS,
    ARTICLE_TEXT_MAX,
    CHECK_STATES,
    CLAIM_KINDS,
    CLAIM_STATUSES,
    DISPLAY_NAME_MAX,
    EXCERPT_MAX,
    MATCH_STATES,
    NAME_MAX,
    NOTE_MAX,
    QUOTE_STATES,
    REVISION_ORIGINS,
    ROLES,
    SOURCE_KINDS,
    STANCES,
    STATEMENT_MAX,
    TITLE_MAX,
    URL_MAX,
    USERNAME_MAX,
    VERDICT_STATES,
)
from claims.services.search import KINDS as SEARCH_KINDS
from claims.services.search import MAX_PAGE as SEARCH_MAX_PAGE

OPENAPI_VERSION = "3.1.0"
TITLE = "Claims tracker API"
PREFIX = "/api/"
ID_MAX = 2**31 - 1
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# The states a plain transition leads to; verdicts are proposed and decided by their own calls.
TRANSITION_TARGETS = ("new", "in_research", "dismissed")
# What the routes' converters stand for; a path parameter of any other kind needs describing here.
CONVERTERS = {
    "id": {"type": "integer", "minimum": 1, "maximum": ID_MAX},
}
_PLACEHOLDER = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")


class _Rule(Protocol):
    @property
    def rule(self) -> str: ...

    @property
    def endpoint(self) -> str: ...

    @property
    def methods(self) -> AbstractSet[str] | None: ...


class _UrlMap(Protocol):
    def iter_rules(self) -> Iterable[_Rule]: ...


class App(Protocol):
    """What the builder reads from a Flask application."""

    @property
    def url_map(self) -> _UrlMap: ...

    @property
    def view_functions(self) -> Mapping[str, Any]: ...

    @property
    def config(self) -> Mapping[str, Any]: ...


# Schemas ----------------------------------------------------------------------------------------


def ref(name: str) -> dict[str, Any]:
    """A reference to a component schema."""
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema or "type" not in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    return {**schema, "type": [schema["type"], "null"]}


def _object(
    properties: dict[str, Any],
    *,
    required: Iterable[str] | None = None,
    closed: bool = True,
    description: str | None = None,
) -> dict[str, Any]:
    """An object schema; every property is required unless `required` says otherwise."""
    schema: dict[str, Any] = {"type": "object"}
    if description:
        schema["description"] = description
    schema["required"] = list(properties if required is None else required)
    schema["properties"] = properties
    if closed:
        schema["additionalProperties"] = False
    return schema


def _list_of(key: str, item: str, *, paginated: bool) -> dict[str, Any]:
    properties: dict[str, Any] = {key: {"type": "array", "items": ref(item)}}
    if paginated:
        properties["next"] = {
            **NEXT,
            "description": "This list's next page (the same query with the cursor moved), "
            "or null on the last page.",
        }
    return _object(properties)


ID = {"type": "integer", "minimum": 1, "maximum": ID_MAX}
OPTIONAL_ID = _nullable(ID)
VERSION = {
    "type": "integer",
    "minimum": 1,
    "description": "The record's version as read; a write with another one answers 409.",
}
INSTANT = {"type": "string", "format": "date-time", "description": "UTC, ending in Z."}
DATE = {"type": "string", "format": "date"}
SHA256 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
NEXT = {"type": ["string", "null"], "format": "uri-reference"}
TEXT = {"type": "string"}


def _text(limit: int | None = None, *, nullable: bool = True, **extra: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", **extra}
    if limit is not None:
        schema["maxLength"] = limit
    return _nullable(schema) if nullable else schema


def _choice(values: Iterable[str], *, nullable: bool = False, **extra: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "enum": list(values), **extra}
    if nullable:
        schema["type"] = ["string", "null"]
        schema["enum"] = [*schema["enum"], None]
    return schema


def _record_schemas() -> dict[str, Any]:
    """The shapes of claims/export/records.py, the API's user_json and audit.event_json."""
    snapshot = _object(
        {
            "id": ID,
            "source_id": ID,
            "fetched_at": INSTANT,
            "http_status": {"type": "integer"},
            "final_url": {"type": "string", "maxLength": URL_MAX},
            "content_type": {"type": "string"},
            "sha256": {**SHA256, "description": "SHA-256 of the body as received."},
        },
        description="One immutable archived copy of a source.",
    )
    source = {
        "id": ID,
        "url": _text(URL_MAX),
        "title": {"type": "string", "maxLength": TITLE_MAX},
        "publisher": _text(NAME_MAX),
        "author": _text(NAME_MAX),
        "published": _nullable(DATE),
        "kind": _choice(SOURCE_KINDS),
        "reliability": _nullable({"type": "integer", "minimum": 1, "maximum": 5}),
        "reliability_note": _text(NOTE_MAX),
        "check_state": _choice(CHECK_STATES),
        "checked_at": _nullable(INSTANT),
        "check_status": {"type": ["integer", "null"]},
        "check_error": _text(NAME_MAX),
        "created_at": INSTANT,
        "version": VERSION,
        "latest_snapshot": _nullable(ref("Snapshot")),
    }
    source_detail = {
        **source,
        "snapshots": {
            "type": "array",
            "items": ref("Snapshot"),
            "description": "Every snapshot, newest first.",
        },
        "cites": {"type": "array", "items": ID, "description": "The sources this one cites."},
        "fetch_error": {
            "type": "string",
            "description": "Why a source kept without a snapshot has none (POST only).",
        },
    }
    quantity = _object(
        {
            "text": {"type": "string"},
            "value": {"type": ["number", "null"]},
            "value_high": {
                "type": ["number", "null"],
                "description": "The upper bound of a range.",
            },
            "unit": _text(32),
            "approximate": {"type": "boolean"},
        },
        description="A figure inside a claim, as written and normalized.",
    )
    claim = _object(
        {
            "id": ID,
            "article_id": ID,
            "quote": {"type": "string", "description": "text[start:end] of the article."},
            "start": {"type": "integer", "minimum": 0},
            "end": {"type": "integer", "minimum": 1},
            "prefix": TEXT,
            "suffix": TEXT,
            "sentence": TEXT,
            "statement": {"type": "string", "maxLength": STATEMENT_MAX},
            "kind": _choice(CLAIM_KINDS),
            "checkworthiness": {"type": "number", "minimum": 0, "maximum": 1},
            "attribution": _text(NAME_MAX),
            "hedged": {"type": "boolean"},
            "quantities": {"type": "array", "items": ref("Quantity")},
            "status": _choice(CLAIM_STATUSES),
            "dismissed_reason": _text(NOTE_MAX),
            "assignee_id": OPTIONAL_ID,
            "attributed_source_id": OPTIONAL_ID,
            "revision": {
                "type": "integer",
                "minimum": 1,
                "description": "The article revision start/end/quote refer to.",
            },
            "anchor_state": _choice(
                ANCHOR_STATES, description="How the claim fared when the article last changed."
            ),
            "needs_recheck": {
                "type": "boolean",
                "description": "Its words changed under an approved verdict: published as under "
                "revision until an editor decides.",
            },
            "version": VERSION,
            "created_at": INSTANT,
            "updated_at": INSTANT,
        },
        description="A checkable statement pinned to its exact words in the article.",
    )
    article = _object(
        {
            "id": ID,
            "title": {"type": "string", "maxLength": TITLE_MAX},
            "url": _text(URL_MAX),
            "publisher": _text(NAME_MAX),
            "byline": _text(NAME_MAX),
            "published": _nullable(DATE),
            "text_sha256": SHA256,
            "imported_by_id": ID,
            "imported_at": INSTANT,
            "current_revision": {"type": "integer", "minimum": 1},
            "check_state": _choice(ARTICLE_CHECKS),
            "checked_at": _nullable(INSTANT),
            "check_error": _text(300),
            "version": VERSION,
            "text": {"type": "string", "maxLength": ARTICLE_TEXT_MAX},
            "claims": {"type": "array", "items": ref("Claim")},
        },
        description="An imported article with its text and its claims.",
    )
    evidence = _object(
        {
            "id": ID,
            "claim_id": ID,
            "source_id": ID,
            "excerpt": {"type": "string", "maxLength": EXCERPT_MAX},
            "locator": _text(NAME_MAX),
            "stance": _choice(STANCES),
            "note": {"type": "string", "maxLength": NOTE_MAX},
            "quote_verified": _choice(QUOTE_STATES),
            "quote_snapshot": _nullable(ref("Snapshot")),
            "quote_checked_at": _nullable(INSTANT),
            "stated_value": _text(NAME_MAX, description="The figure it states, canonical."),
            "stated": _nullable(
                _object(
                    {
                        "value": {"type": "number"},
                        "value_high": {"type": ["number", "null"]},
                        "unit": _text(32),
                    }
                )
            ),
            "created_by_id": ID,
            "created_at": INSTANT,
            "version": VERSION,
        },
        description="What a source says about a claim, and where its excerpt was verified.",
    )
    rating = _object(
        {
            "id": ID,
            "slug": {"type": "string", "maxLength": 40},
            "label": {"type": "string", "maxLength": 80},
            "numeric": _nullable(
                {"type": "integer", "minimum": WORST_RATING, "maximum": BEST_RATING}
            ),
            "position": {"type": "integer"},
            "description": TEXT,
            "version": VERSION,
        },
        description="One step of the rating scale.",
    )
    percent = {"type": "integer", "minimum": 0, "maximum": 100}
    verdict = {
        "id": ID,
        "claim_id": ID,
        "rating": ref("Rating"),
        "confidence": percent,
        "suggested_confidence": _nullable(percent),
        "rationale": {"type": "string", "maxLength": NOTE_MAX},
        "state": _choice(VERDICT_STATES),
        "current": {"type": "boolean"},
        "author_id": ID,
        "approver_id": OPTIONAL_ID,
        "review_comment": _text(NOTE_MAX),
        "created_at": INSTANT,
        "decided_at": _nullable(INSTANT),
        "version": VERSION,
    }
    audit_event = _object(
        {
            "id": ID,
            "at": {**INSTANT, "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$"},
            "actor_id": OPTIONAL_ID,
            "actor_name": {"type": "string", "maxLength": USERNAME_MAX},
            "action": {"type": "string", "maxLength": 64},
            "entity_type": {"type": "string", "maxLength": 32},
            "entity_id": {"type": ["integer", "null"]},
            "parent_type": _text(32),
            "parent_id": {"type": ["integer", "null"]},
            "before": _text(description="The changed fields before, as canonical JSON text."),
            "after": _text(description="The changed fields after, as canonical JSON text."),
            "ip": _text(64),
            "request_id": _text(64),
            "prev_hash": SHA256,
            "hash": SHA256,
        },
        description="One hash-chained audit event (README: The audit trail).",
    )
    revision = _object(
        {
            "number": {"type": "integer", "minimum": 1},
            "text_sha256": SHA256,
            "origin": _choice(REVISION_ORIGINS),
            "final_url": _text(URL_MAX),
            "created_by_id": OPTIONAL_ID,
            "created_at": INSTANT,
        },
        description="One text an article has had (immutable).",
    )
    outcome = _object(
        {
            "claim_id": ID,
            "outcome": _choice(ANCHOR_STATES),
            "start": {"type": ["integer", "null"], "minimum": 0},
            "end": {"type": ["integer", "null"], "minimum": 1},
            "quote": _text(),
            "score": {"type": "number", "minimum": 0, "maximum": 1},
            "diff": {
                "type": "array",
                "items": {
                    "type": "array",
                    "prefixItems": [_choice(("equal", "insert", "delete")), {"type": "string"}],
                    "minItems": 2,
                    "maxItems": 2,
                },
                "description": "Word-level diff of the old words and the new (changed only).",
            },
            "needs_recheck": {"type": "boolean"},
        },
        description="Where one claim landed in the new revision (offsets in the new text).",
    )
    return {
        "Revision": revision,
        "ClaimOutcome": outcome,
        "SearchResults": _object(
            {
                "results": {
                    "type": "array",
                    "items": _object(
                        {
                            "type": _choice(SEARCH_KINDS),
                            "id": ID,
                            "title": {"type": "string"},
                            "url": {"type": "string"},
                            "snippet": {"type": "string"},
                            "matched": {"type": "array", "items": {"type": "string"}},
                            "rating": _text(40),
                            "article_id": ID,
                            "claim_id": ID,
                            "status": _choice(CLAIM_STATUSES),
                        },
                        required=["type", "id", "title", "url", "snippet", "matched", "rating"],
                    ),
                },
                "page": {"type": "integer", "minimum": 1},
                "total": {"type": "integer", "minimum": 0},
                "capped": {"type": "boolean", "description": "More than `total` matched."},
                "next": _text(description="The next page, or null."),
            },
            description="One page of search results, best first.",
        ),
        "MatchList": _object(
            {"matches": {"type": "array", "items": ref("Match")}},
            description="A claim's matches.",
        ),
        "Match": _object(
            {
                "other_id": ID,
                "article_id": ID,
                "statement": {"type": "string"},
                "score": {"type": "number", "minimum": 0, "maximum": 1},
                "state": _choice(MATCH_STATES),
                "reasons": {"type": "array", "items": {"type": "string"}},
                "rating": _text(40),
                "rated_at": _nullable(INSTANT),
            },
            description="Another claim that may say the same, with its verdict.",
        ),
        "MatchDecision": {
            "anyOf": [
                ref("Match"),
                _object({"other_id": ID, "state": _choice(("rejected",))}),
            ]
        },
        "RevisionList": _object(
            {
                "article_id": ID,
                "current_revision": {"type": "integer", "minimum": 1},
                "check_state": _choice(ARTICLE_CHECKS),
                "checked_at": _nullable(INSTANT),
                "check_error": _text(300),
                "revisions": {"type": "array", "items": ref("Revision")},
            },
            description="An article's revisions, oldest first.",
        ),
        "RevisionResult": _object(
            {
                "created": {"type": "boolean"},
                "revision": ref("Revision"),
                "claims": {"type": "array", "items": ref("ClaimOutcome")},
                "new_claims": {
                    "type": "array",
                    "items": _object(
                        {
                            "start": {"type": "integer", "minimum": 0},
                            "end": {"type": "integer", "minimum": 1},
                            "quote": {"type": "string"},
                            "kind": _choice(CLAIM_KINDS),
                        }
                    ),
                    "description": "Checkable sentences in the text this revision added.",
                },
            },
            description="The new revision and every claim's outcome (201), or the current "
            "revision when the text is the same (200, no claims).",
        ),
        "User": _object(
            {
                "id": ID,
                "username": {"type": "string", "maxLength": USERNAME_MAX},
                "display_name": {"type": "string", "maxLength": DISPLAY_NAME_MAX},
                "role": _choice(ROLES),
                "active": {"type": "boolean"},
            },
            description="An account's public fields.",
        ),
        "Quantity": quantity,
        "Claim": claim,
        "Article": article,
        "Snapshot": snapshot,
        "Source": _object(source, description="A source as listed, with its latest snapshot."),
        "SourceDetail": _object(
            source_detail,
            required=[*source, "snapshots", "cites"],
            description="A source with every snapshot and the sources it cites.",
        ),
        "Evidence": evidence,
        "Rating": rating,
        "Verdict": _object(verdict, description="A verdict in the four-eyes decision."),
        "ProposedVerdict": _object(
            {
                **verdict,
                "support": {
                    "type": "number",
                    "minimum": 0,
                    "maximum": 1,
                    "description": "The evidence's support p = (S + 1) / (S + R + 2).",
                },
            },
            description="A newly proposed verdict with the evidence's support.",
        ),
        "AuditEvent": audit_event,
        "RefetchResult": _object(
            {
                "snapshot": ref("Snapshot"),
                "changed": {
                    "type": "boolean",
                    "description": "The text differs from the previous snapshot's.",
                },
                "source": ref("SourceDetail"),
            }
        ),
    }


def _claimreview_schemas() -> dict[str, Any]:
    """schema.org ClaimReview as claims/export/claimreview.py writes it: what `validate` treats
    as an error is required here; other properties are allowed."""
    organization = {
        "type": "object",
        "required": ["@type", "name"],
        "properties": {
            "@type": {"const": "Organization"},
            "name": {"type": "string", "minLength": 1},
            "url": {"type": "string"},
        },
    }
    iso_date = {
        "type": "string",
        "pattern": r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))?$",
    }
    number = {"type": "number", "minimum": WORST_RATING, "maximum": BEST_RATING}
    review = {
        "type": "object",
        "description": "A published verdict as schema.org ClaimReview (Google's fact-check rules).",
        "required": [
            "@context",
            "@type",
            "url",
            "claimReviewed",
            "author",
            "reviewRating",
            "itemReviewed",
        ],
        "properties": {
            "@context": {"const": CONTEXT},
            "@type": {"const": "ClaimReview"},
            "url": {"type": "string", "format": "uri", "pattern": "^https://"},
            "claimReviewed": {"type": "string", "pattern": r"\S"},
            "author": {**organization, "required": ["@type", "name", "url"]},
            "datePublished": iso_date,
            "dateModified": iso_date,
            "itemReviewed": {
                "type": "object",
                "required": ["@type", "firstAppearance"],
                "properties": {
                    "@type": {"const": "Claim"},
                    "author": organization,
                    "datePublished": iso_date,
                    "firstAppearance": {
                        "type": "object",
                        "required": ["url"],
                        "properties": {
                            "@type": {"const": "CreativeWork"},
                            "url": {"type": "string", "pattern": "^https?://"},
                            "headline": TEXT,
                            "publisher": organization,
                        },
                    },
                    "appearance": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["url"],
                            "properties": {"url": TEXT},
                        },
                    },
                },
            },
            "reviewRating": {
                "type": "object",
                "required": ["@type", "alternateName"],
                "properties": {
                    "@type": {"const": "Rating"},
                    "alternateName": {"type": "string", "minLength": 1},
                    "ratingValue": number,
                    "bestRating": number,
                    "worstRating": number,
                    "ratingExplanation": {"type": "string", "maxLength": EXPLANATION_MAX},
                },
                "dependentRequired": {"ratingValue": ["bestRating", "worstRating"]},
            },
            "version": {"type": "integer", "minimum": 1},
            "correction": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["@type", "datePublished", "text"],
                    "properties": {
                        "@type": {"const": "CorrectionComment"},
                        "datePublished": iso_date,
                        "text": TEXT,
                    },
                },
            },
        },
    }
    entry = _object(
        {
            "claim_id": ID,
            "claimreview": _nullable(ref("ClaimReview")),
            "problems": {"type": "array", "items": ref("Problem")},
        },
        description="A published claim's ClaimReview (null when an error keeps it from being "
        "valid) and the problems found with it.",
    )
    return {
        "ClaimReview": review,
        "Problem": _object(
            {"level": _choice(("error", "warning")), "message": TEXT},
            description="An error keeps a ClaimReview from being published; a warning does not.",
        ),
        "ClaimReviewEntry": entry,
        "ClaimReviewEntryList": _object(
            {"entries": {"type": "array", "items": ref("ClaimReviewEntry")}}
        ),
        "DataFeed": _object(
            {
                "@context": {"const": CONTEXT},
                "@type": {"const": "DataFeed"},
                "dataFeedElement": {"type": "array", "items": ref("ClaimReview")},
                "skipped": {
                    "type": "array",
                    "items": ref("ClaimReviewEntry"),
                    "description": "Published claims whose ClaimReview would not be valid.",
                },
                "next": NEXT,
            },
            description="One page of every published ClaimReview, as a schema.org DataFeed.",
        ),
    }


def _error_schemas() -> dict[str, Any]:
    detail = _object(
        {
            "code": {
                "type": "string",
                "pattern": "^[a-z_]+$",
                "description": "bad_request, csrf, unauthenticated, forbidden, not_found, "
                "conflict, too_large, unsupported_media_type, invalid, fetch_refused, "
                "fetch_failed, invalid_claimreview, publishing_not_configured, "
                "database_unavailable, internal_error, ...",
                "examples": ["not_found"],
            },
            "message": {"type": "string", "minLength": 1},
            "field": {
                "type": "string",
                "description": "The member of the request the error concerns, when one does.",
            },
        },
        required=["code", "message"],
    )
    return {
        "ErrorDetail": detail,
        "Error": _object(
            {"error": ref("ErrorDetail")},
            description="Every error has this shape (README: The JSON API).",
        ),
        "RefetchFailure": _object(
            {"error": ref("ErrorDetail"), "source": ref("SourceDetail")},
            description="A re-fetch that stored no snapshot, with the source as it is now.",
        ),
        "InvalidClaimReview": _object(
            {
                "error": ref("ErrorDetail"),
                "claim_id": ID,
                "claimreview": {"type": "null"},
                "problems": {"type": "array", "items": ref("Problem")},
            },
            description="The claim's approved verdict cannot be a valid ClaimReview.",
        ),
    }


def _request_schemas() -> dict[str, Any]:
    """Request bodies: members, types and limits as views/api.py and the services check them.
    Members not listed are ignored; a member given as null counts as not given."""
    source_fields = {
        "title": _text(TITLE_MAX),
        "publisher": _text(NAME_MAX),
        "author": _text(NAME_MAX),
        "published": _nullable({**DATE, "description": "ISO 8601 date."}),
        "kind": _choice(SOURCE_KINDS, nullable=True),
        "reliability": _nullable({"type": "integer", "minimum": 1, "maximum": 5}),
        "reliability_note": _text(NOTE_MAX),
    }
    version = {**VERSION, "maximum": ID_MAX}
    return {
        "ArticleImport": _object(
            {
                "text": _text(ARTICLE_TEXT_MAX, description="The article's text."),
                "url": _text(URL_MAX, description="An http(s) address for the server to fetch."),
                "title": _text(TITLE_MAX),
                "publisher": _text(NAME_MAX),
                "byline": _text(NAME_MAX),
                "published": _nullable({**DATE, "description": "ISO 8601 date."}),
            },
            required=[],
            closed=False,
            description="Exactly one of `text` and `url` (not blank); what is typed wins over "
            "the page's metadata.",
        )
        | {"anyOf": [{"required": ["text"]}, {"required": ["url"]}]},
        "RevisionCreate": _object(
            {
                "text": _text(ARTICLE_TEXT_MAX, nullable=False, description="The new text."),
                "refetch": {
                    "type": "boolean",
                    "description": "true: fetch the article's address again instead.",
                },
            },
            required=[],
            closed=False,
            description="Exactly one of `text` and `refetch: true`.",
        )
        | {"anyOf": [{"required": ["text"]}, {"required": ["refetch"]}]},
        "MatchDecide": _object(
            {"confirm": {"type": "boolean"}}, required=["confirm"], closed=False
        ),
        "VersionOnly": _object({"version": version}, required=["version"], closed=False),
        "ClaimEdit": _object(
            {
                "version": version,
                "statement": _text(STATEMENT_MAX),
                "kind": _choice(CLAIM_KINDS, nullable=True),
            },
            required=["version"],
            closed=False,
        ),
        "SourceCreate": _object(
            {
                "url": _text(URL_MAX, description="Fetched and archived when given."),
                **source_fields,
                "keep_without_snapshot": {
                    "type": "boolean",
                    "default": False,
                    "description": "Keep the source when the fetch is refused or fails.",
                },
            },
            required=[],
            closed=False,
            description="`url`, or `title` for a source without an address.",
        )
        | {"anyOf": [{"required": ["url"]}, {"required": ["title"]}]},
        "SourceEdit": _object(
            {
                "version": version,
                "url": _text(URL_MAX, description="Only while the source has no snapshot."),
                **source_fields,
            },
            required=["version"],
            closed=False,
        ),
        "CitationCreate": _object(
            {"cited_id": ID, "note": _text(NAME_MAX)}, required=["cited_id"], closed=False
        ),
        "EvidenceCreate": _object(
            {
                "source_id": ID,
                "excerpt": _text(EXCERPT_MAX, nullable=False, pattern=r"\S"),
                "stance": _choice(STANCES),
                "locator": _text(NAME_MAX),
                "note": _text(NOTE_MAX, description="Markdown."),
                "stated_value": _text(
                    NAME_MAX,
                    description='The figure the source states ("USD 1.2 billion", "36 '
                    'units"), compared with the claim\'s; "" clears it.',
                ),
            },
            required=["source_id", "excerpt", "stance"],
            closed=False,
        ),
        "EvidenceEdit": _object(
            {
                "version": version,
                "excerpt": _text(EXCERPT_MAX, pattern=r"\S"),
                "stance": _choice(STANCES, nullable=True),
                "locator": _text(NAME_MAX),
                "note": _text(NOTE_MAX, description="Markdown."),
                "stated_value": _text(
                    NAME_MAX,
                    description='The figure the source states ("USD 1.2 billion", "36 '
                    'units"), compared with the claim\'s; "" clears it.',
                ),
            },
            required=["version"],
            closed=False,
        ),
        "Attribution": _object(
            {"version": version, "source_id": OPTIONAL_ID},
            required=["version", "source_id"],
            closed=False,
            description="`source_id` null unlinks the attribution.",
        ),
        "VerdictProposal": _object(
            {
                "rating": {
                    "anyOf": [{"type": "string"}, ID],
                    "description": "A rating's slug or id (GET /api/ratings).",
                },
                "confidence": {"type": "integer", "minimum": 0, "maximum": 100},
                "rationale": _text(NOTE_MAX, nullable=False, pattern=r"\S"),
                "version": _nullable(version),
            },
            required=["rating", "confidence", "rationale"],
            closed=False,
        ),
        "VerdictRejection": _object(
            {"comment": _text(NOTE_MAX, nullable=False, pattern=r"\S")},
            closed=False,
        ),
        "Transition": _object(
            {
                "version": version,
                "to": _choice(TRANSITION_TARGETS),
                "reason": _text(
                    NOTE_MAX, description="Required to dismiss and to reopen (editor)."
                ),
            },
            required=["version", "to"],
            closed=False,
            description="Start research (to in_research), dismiss, restore (to new) or reopen.",
        ),
        "Assignment": _object(
            {"version": version, "assignee_id": OPTIONAL_ID},
            required=["version", "assignee_id"],
            closed=False,
            description="`assignee_id` null unassigns; reviewers may only take or let go.",
        ),
    }


# Operations -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    """What the URL map cannot tell about one endpoint."""

    summary: str
    tag: str
    responses: dict[int, str]  # success status -> component schema
    body: str | None = None  # request body schema
    query: tuple[str, ...] = ()  # names in QUERY
    errors: tuple[int, ...] = ()  # besides those every operation of its kind can answer
    error_schemas: dict[int, dict[str, Any]] = field(default_factory=dict)
    description: str = ""


def _filter(values: Iterable[str]) -> dict[str, Any]:
    """A filter's choices; an empty value means no filter, as for every query parameter."""
    return _choice(("", *values))


def _query_parameters(max_page_size: int) -> dict[str, dict[str, Any]]:
    whole = {"type": "integer", "minimum": 0, "maximum": ID_MAX}
    instant = {
        "type": "string",
        "description": "ISO 8601 date or date-time (a plain date as `until` includes that day).",
    }
    return {
        "limit": {
            # Not a "maximum": a larger value is accepted and capped, not refused.
            "schema": {"type": "integer", "minimum": 1, "x-capped-at": max_page_size},
            "description": f"Rows per page (at most {max_page_size}; larger values are capped).",
        },
        "after": {"schema": whole, "description": "Cursor: the id the previous page ended at."},
        "before": {
            "schema": whole,
            "description": "Cursor: the id the previous page ended at (lists newest first).",
        },
        "article": {"schema": whole, "description": "Only this article's claims."},
        "status": {"schema": _filter(CLAIM_STATUSES)},
        "claim_kind": {"name": "kind", "schema": _filter(CLAIM_KINDS)},
        "source_kind": {"name": "kind", "schema": _filter(SOURCE_KINDS)},
        "state": {"schema": _filter(CHECK_STATES), "description": "The source's check state."},
        "q": {"schema": {"type": "string"}, "description": "Text contained."},
        "entity": {"schema": _filter(ENTITY_TYPES)},
        "entity_id": {"schema": whole},
        "actor": {"schema": {"type": "string"}, "description": "The actor's user name."},
        "action": {
            "schema": {"type": "string"},
            "description": "An action, or its prefix before a dot (`login` matches `login.*`).",
        },
        "since": {"schema": instant},
        "until": {"schema": instant},
        "search_q": {
            "name": "q",
            "schema": {"type": "string"},
            "description": "Words to find (all of them; the last is the start of a word only "
            "when nothing matches it whole). Empty: the claims the filters select.",
        },
        "search_type": {"name": "type", "schema": _filter(SEARCH_KINDS)},
        "rating": {"schema": {"type": "string"}, "description": "A rating's slug."},
        "reviewer": {"schema": whole, "description": "Claims assigned to this user id."},
        "page": {"schema": {"type": "integer", "minimum": 1, "maximum": SEARCH_MAX_PAGE}},
    }


OPERATIONS: dict[str, Operation] = {
    "api.openapi": Operation(
        "This document", "Meta", {200: "OpenAPIDocument"}, description="OpenAPI 3.1, public."
    ),
    "api.me": Operation("The signed-in user", "Account", {200: "User"}),
    "api.audit_events": Operation(
        "Audit events, newest first",
        "Audit",
        {200: "AuditEventList"},
        query=(
            "entity",
            "entity_id",
            "actor",
            "action",
            "since",
            "until",
            "q",
            "limit",
            "before",
        ),
    ),
    "api.audit_event": Operation("One audit event", "Audit", {200: "AuditEvent"}),
    "api.import_article": Operation(
        "Import an article by text or address",
        "Articles",
        {201: "Article", 200: "Article"},
        body="ArticleImport",
        description="201 with the new article; the same text again 200 with the existing one; "
        "a refused or failed fetch 422 `fetch_refused` / `fetch_failed`.",
    ),
    "api.get_article": Operation(
        "An article with its text and claims", "Articles", {200: "Article"}
    ),
    "api.search_everything": Operation(
        "Search claims, articles, sources and evidence",
        "Search",
        {200: "SearchResults"},
        query=(
            "search_q",
            "search_type",
            "status",
            "rating",
            "article",
            "reviewer",
            "since",
            "until",
            "page",
            "limit",
        ),
        description="Ranked by the database's full-text search; filters narrow to claims (and "
        "evidence on claims) of a status, a current rating, an article, an assignee, changed "
        "between two dates.",
    ),
    "api.list_revisions": Operation("An article's revisions", "Articles", {200: "RevisionList"}),
    "api.add_revision": Operation(
        "Store a new text of an article (pasted or fetched again)",
        "Articles",
        {201: "RevisionResult", 200: "RevisionResult"},
        body="RevisionCreate",
        errors=(409,),
        description="201 with the new revision and, for every claim, its outcome (unchanged, "
        "moved, changed, orphaned) and new offsets; the same text again 200 with no new "
        "revision; a failed re-fetch 422 `fetch_refused` / `fetch_failed` (recorded on the "
        "article, no claim changed).",
    ),
    "api.list_claims": Operation(
        "Claims in id order",
        "Claims",
        {200: "ClaimList"},
        query=("article", "status", "claim_kind", "limit", "after"),
    ),
    "api.get_claim": Operation("One claim with its quantities", "Claims", {200: "Claim"}),
    "api.edit_claim": Operation(
        "Edit a claim's statement and kind",
        "Claims",
        {200: "Claim"},
        body="ClaimEdit",
        errors=(409,),
    ),
    "api.list_sources": Operation(
        "The source library, newest first",
        "Sources",
        {200: "SourceList"},
        query=("q", "source_kind", "state", "limit", "after"),
    ),
    "api.add_source": Operation(
        "Add a source by address (fetched and archived) or by hand",
        "Sources",
        {201: "SourceDetail", 200: "SourceDetail"},
        body="SourceCreate",
        description="201 with the new source; an address already in the library 200 with that "
        "source; a refused or failed fetch 422 unless `keep_without_snapshot`.",
    ),
    "api.get_source": Operation("A source with its snapshots", "Sources", {200: "SourceDetail"}),
    "api.edit_source": Operation(
        "Edit a source", "Sources", {200: "SourceDetail"}, body="SourceEdit", errors=(409,)
    ),
    "api.refetch_source": Operation(
        "Fetch a source again",
        "Sources",
        {201: "RefetchResult"},
        errors=(422,),
        error_schemas={422: {"anyOf": [ref("Error"), ref("RefetchFailure")]}},
        description="A dead link or refused address answers 422 with the source as it is now.",
    ),
    "api.add_citation": Operation(
        "Record that this source cites another",
        "Sources",
        {201: "SourceDetail"},
        body="CitationCreate",
        errors=(409,),
    ),
    "api.list_evidence": Operation("A claim's evidence", "Evidence", {200: "EvidenceList"}),
    "api.add_evidence": Operation(
        "Attach evidence to a claim",
        "Evidence",
        {201: "Evidence"},
        body="EvidenceCreate",
        description="The excerpt is checked against the source's archived copies "
        "(`quote_verified`).",
    ),
    "api.get_evidence": Operation("One evidence item", "Evidence", {200: "Evidence"}),
    "api.edit_evidence": Operation(
        "Edit an evidence item", "Evidence", {200: "Evidence"}, body="EvidenceEdit", errors=(409,)
    ),
    "api.attribute_claim": Operation(
        "Link a claim's attribution to a source",
        "Claims",
        {200: "Claim"},
        body="Attribution",
        errors=(409,),
    ),
    "api.list_ratings": Operation("The rating scale in order", "Verdicts", {200: "RatingList"}),
    "api.list_verdicts": Operation(
        "A claim's verdicts, newest first", "Verdicts", {200: "VerdictList"}
    ),
    "api.get_verdict": Operation("One verdict", "Verdicts", {200: "Verdict"}),
    "api.get_snapshot": Operation(
        "One archived snapshot's record (the body: /sources/snapshots/<id>/original)",
        "Sources",
        {200: "Snapshot"},
    ),
    "api.propose_verdict": Operation(
        "Propose a verdict",
        "Verdicts",
        {201: "ProposedVerdict"},
        body="VerdictProposal",
        errors=(409,),
        description="409 when the claim cannot take a verdict now or the version is stale.",
    ),
    "api.approve_verdict": Operation(
        "Approve a proposed verdict (four eyes)",
        "Verdicts",
        {200: "Verdict"},
        errors=(409,),
        description="403 for its author; 409 when it is not waiting or the claim has no evidence.",
    ),
    "api.reject_verdict": Operation(
        "Send a proposed verdict back to research",
        "Verdicts",
        {200: "Verdict"},
        body="VerdictRejection",
        errors=(409,),
    ),
    "api.transition_claim": Operation(
        "Move a claim: start, dismiss, restore, reopen",
        "Claims",
        {200: "Claim"},
        body="Transition",
        errors=(409,),
        description="Reopening needs an editor; an illegal move or a stale version 409.",
    ),
    "api.claim_matches": Operation(
        'Claims already in the tracker that say the same ("checked before?")',
        "Claims",
        {200: "MatchList"},
        description="Suggested and confirmed matches, best first, with their scores, reasons "
        "and the other claims' current ratings.",
    ),
    "api.decide_match": Operation(
        "Confirm or reject a match",
        "Claims",
        {200: "MatchDecision"},
        body="MatchDecide",
        description="A confirmed match links the other claim's evidence (not copied); a pair "
        "never suggested may be confirmed too.",
    ),
    "api.confirm_recheck": Operation(
        "An editor decides that a flagged claim's verdict still holds",
        "Claims",
        {200: "Claim"},
        body="VersionOnly",
        errors=(409,),
        description="For a claim whose words an article revision changed under an approved "
        "verdict; the review is published again as it was.",
    ),
    "api.assign_claim": Operation(
        "Assign a claim", "Claims", {200: "Claim"}, body="Assignment", errors=(409,)
    ),
    "api.claim_review": Operation(
        "A published claim's ClaimReview",
        "Publishing",
        {200: "ClaimReview"},
        errors=(422, 503),
        error_schemas={422: ref("InvalidClaimReview")},
        description="404 unless the claim has an approved verdict; 422 when it cannot be a "
        "valid ClaimReview; 503 when the publisher settings are missing.",
    ),
    "api.article_review": Operation(
        "An article's published claims as ClaimReviews",
        "Publishing",
        {200: "ClaimReviewEntryList"},
        errors=(503,),
    ),
    "api.export_claimreview": Operation(
        "Every published ClaimReview, as a DataFeed",
        "Publishing",
        {200: "DataFeed"},
        query=("limit", "after"),
        errors=(503,),
    ),
}

_LISTS = {
    "ClaimList": _list_of("claims", "Claim", paginated=True),
    "SourceList": _list_of("sources", "Source", paginated=True),
    "AuditEventList": _list_of("events", "AuditEvent", paginated=True),
    "EvidenceList": _list_of("evidence", "Evidence", paginated=False),
    "RatingList": _list_of("ratings", "Rating", paginated=False),
    "VerdictList": _list_of("verdicts", "Verdict", paginated=False),
}

# The error responses shared by many operations: (component name, meaning).
ERROR_RESPONSES = {
    400: (
        "BadRequest",
        "Bad request: a query string that is not UTF-8, or a session write without its CSRF "
        "token (`csrf`).",
    ),
    401: ("Unauthenticated", "No or bad credentials."),
    403: ("Forbidden", "The role does not allow this (or a session write from another site)."),
    404: ("NotFound", "Nothing at this address, or a record the request names does not exist."),
    409: ("Conflict", "Changed since it was read, or not possible in the record's current state."),
    413: ("TooLarge", "The request body is larger than CLAIMS_MAX_CONTENT_LENGTH."),
    415: ("UnsupportedMediaType", "A body that is not `application/json`."),
    422: ("Invalid", "Invalid input (`field` names the member or parameter it concerns)."),
    503: (
        "PublishingNotConfigured",
        "Publishing is not configured (CLAIMS_PUBLISHER_NAME, CLAIMS_PUBLISHER_URL, "
        "CLAIMS_PUBLIC_BASE_URL).",
    ),
}


def openapi_path(rule: str) -> tuple[str, list[tuple[str, str]]]:
    """A Werkzeug rule as an OpenAPI path, with its parameters' (name, converter).

    `<id:claim_id>` becomes `{claim_id}`.
    """
    parameters: list[tuple[str, str]] = []

    def replace(match: re.Match[str]) -> str:
        parameters.append((match["name"], match["converter"] or "default"))
        return "{" + match["name"] + "}"

    return _PLACEHOLDER.sub(replace, rule), parameters


def _error_statuses(method: str, role: str, op: Operation, has_path_ids: bool) -> list[int]:
    """The error statuses an operation can answer: those of its kind, and its own."""
    statuses = {400}  # a query string that is not UTF-8, on every route
    write = method in WRITE_METHODS
    if role != "public":
        statuses.add(401)
        if role != "reviewer" or write:
            statuses.add(403)  # the role; for session writes also a cross-site request
    if has_path_ids:
        statuses.add(404)
    if write:
        statuses.add(415)
    if op.body:
        statuses.update({413, 422})
    if op.query:
        statuses.add(422)
    statuses.update(op.errors)
    return sorted(statuses)


def _operation(
    endpoint: str, method: str, role: str, parameters: list[tuple[str, str]], query: dict[str, Any]
) -> dict[str, Any]:
    op = OPERATIONS[endpoint]
    document: dict[str, Any] = {
        "operationId": endpoint.split(".", 1)[1],
        "summary": op.summary,
        "tags": [op.tag],
        "x-role": role,
    }
    if op.description:
        document["description"] = op.description
    listed: list[dict[str, Any]] = []
    for name, converter in parameters:
        if converter not in CONVERTERS:
            raise LookupError(
                f"{endpoint}: describe the path converter {converter!r} in CONVERTERS"
            )
        listed.append(
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": CONVERTERS[converter],
                "example": 1,
            }
        )
    for key in op.query:
        spec = dict(query[key])
        listed.append({"name": spec.pop("name", key), "in": "query", "required": False, **spec})
    if listed:
        document["parameters"] = listed
    if op.body:
        document["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": ref(op.body)}},
        }
    responses: dict[str, Any] = {}
    for status, schema in sorted(op.responses.items()):
        responses[str(status)] = {
            "description": {200: "OK", 201: "Created"}.get(status, "Success"),
            "content": {"application/json": {"schema": ref(schema)}},
        }
    for status in _error_statuses(method, role, op, bool(parameters)):
        name, meaning = ERROR_RESPONSES[status]
        if status in op.error_schemas:
            responses[str(status)] = {
                "description": meaning,
                "content": {"application/json": {"schema": op.error_schemas[status]}},
            }
        else:
            responses[str(status)] = {"$ref": f"#/components/responses/{name}"}
    document["responses"] = responses
    if role == "public":
        document["security"] = []
    return document


def build(app: App) -> dict[str, Any]:
    """The OpenAPI 3.1 document of every route under /api/.

    Raises LookupError if a route has no entry in OPERATIONS, an entry names no route, a view
    declares no role or a path parameter has a converter CONVERTERS does not describe.
    """
    max_page_size = int(app.config.get("MAX_PAGE_SIZE") or Defaults.MAX_PAGE_SIZE)
    query = _query_parameters(max_page_size)
    paths: dict[str, dict[str, Any]] = {}
    seen: set[str] = set()
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        if not rule.rule.startswith(PREFIX):
            continue
        if rule.endpoint not in OPERATIONS:
            raise LookupError(
                f"{rule.rule} ({rule.endpoint}) has no entry in claims.openapi.OPERATIONS"
            )
        role = getattr(app.view_functions[rule.endpoint], "access_role", None)
        if role is None:
            raise LookupError(f"{rule.endpoint} declares no role (@allow)")
        seen.add(rule.endpoint)
        path, parameters = openapi_path(rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(
                rule.endpoint, method, role, parameters, query
            )
    stale = sorted(set(OPERATIONS) - seen)
    if stale:
        raise LookupError(f"claims.openapi.OPERATIONS describes routes that do not exist: {stale}")
    schemas = {
        **_error_schemas(),
        **_record_schemas(),
        **_claimreview_schemas(),
        **_LISTS,
        **_request_schemas(),
        "OpenAPIDocument": {
            "type": "object",
            "required": ["openapi", "info", "paths"],
            "properties": {"openapi": {"const": OPENAPI_VERSION}},
        },
    }
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": TITLE,
            "version": _version(),
            "description": (
                "The JSON API of the claims tracker. Authenticate with `Authorization: Bearer "
                "<token>` (`flask --app app users token NAME`, or the account page), or with a "
                "browser session, sending the page's CSRF token as `X-CSRFToken` on writes. "
                "Bodies are JSON (`Content-Type: application/json`). Lists are paginated with a "
                "hard cap (`limit`) and a `next` link. Errors always have the shape "
                '`{"error": {"code", "message", "field"?}}`; besides the statuses listed per '
                "operation, any request may answer 405 for a method a path does not take, 503 "
                "while the database is unavailable and 500 on an unexpected error. `x-role` "
                "names the least role an operation needs (reviewer < editor < admin); the "
                "services may refuse more (four eyes, reopening)."
            ),
        },
        "tags": [
            {"name": name}
            for name in (
                "Account",
                "Articles",
                "Claims",
                "Sources",
                "Evidence",
                "Verdicts",
                "Publishing",
                "Audit",
                "Meta",
            )
        ],
        "security": [{"bearerAuth": []}, {"cookieAuth": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API token: no CSRF token needed.",
                },
                "cookieAuth": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "session",
                    "description": "The browser session of /login (`__Host-claims_session` in "
                    "production). Writes also need the page's CSRF token in the `X-CSRFToken` "
                    "header and must not come from another site.",
                },
            },
            "schemas": schemas,
            "responses": {
                name: {
                    "description": meaning,
                    "content": {"application/json": {"schema": ref("Error")}},
                }
                for name, meaning in ERROR_RESPONSES.values()
            },
        },
    }


def _version() -> str:
    try:
        return metadata.version("claims-tracker")
    except metadata.PackageNotFoundError:
        return "0"
