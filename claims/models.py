"""The domain model: tables, their relations, constraints and the limits of their fields."""

from __future__ import annotations

from typing import Any

import peewee
from peewee import (
    AutoField,
    BlobField,
    BooleanField,
    CharField,
    Check,
    DateField,
    DateTimeField,
    DoubleField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from claims.db import BaseModel, utcnow

# Field limits, shared by forms, services and the API.
USERNAME_MAX = 64
DISPLAY_NAME_MAX = 120
PASSWORD_MIN = 12
PASSWORD_MAX = 1024
TITLE_MAX = 500
URL_MAX = 2048
NAME_MAX = 300
ARTICLE_TEXT_MAX = 1_000_000
QUOTE_MAX = 2_000
EXCERPT_MAX = 5_000
STATEMENT_MAX = 2_000
NOTE_MAX = 20_000
TOKEN_NAME_MAX = 100

ROLES = ("reviewer", "editor", "admin")
ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}

CLAIM_KINDS = (
    "money",
    "count",
    "quantity",
    "percentage",
    "date",
    "ordinal",
    "place",
    "entity",
    "statement",
)
CLAIM_STATUSES = ("new", "in_research", "verdict_proposed", "approved", "dismissed")
SOURCE_KINDS = (
    "primary_document",
    "official_statement",
    "news_report",
    "analysis",
    "social_media",
    "dataset",
    "other",
)
STANCES = ("supports", "refutes", "mixed", "context")
QUOTE_STATES = ("verified", "not_found", "no_snapshot")
# A source's state after its last fetch: never fetched, as archived, text changed, or gone.
CHECK_STATES = ("unchecked", "ok", "changed", "dead")
ARTICLE_CHECKS = ("unchecked", "ok", "failed")
REVISION_ORIGINS = ("import", "paste", "refetch")
ANCHOR_STATES = ("unchanged", "moved", "changed", "orphaned")
PLACEMENT_OUTCOMES = ("original", *ANCHOR_STATES)
MATCH_STATES = ("suggested", "confirmed", "rejected")
VERDICT_STATES = ("proposed", "approved", "rejected")


def one_of(column: str, values: tuple[str, ...]) -> peewee.Node:
    """A CHECK constraint that keeps a column inside a fixed set of values."""
    listed = ", ".join(f"'{v}'" for v in values)
    return Check(f"{column} IN ({listed})")


class User(BaseModel):
    """A newsroom account."""

    id = AutoField()
    username = CharField(max_length=USERNAME_MAX)
    # NFKC + casefold of the username: two spellings of one name cannot both exist.
    username_key = CharField(max_length=USERNAME_MAX, unique=True)
    display_name = CharField(max_length=DISPLAY_NAME_MAX)
    password_hash = CharField(max_length=255)
    role = CharField(max_length=16, constraints=[one_of("role", ROLES)])
    active = BooleanField(default=True)
    # Bumped by logout, password and role changes and deactivation: older sessions stop working.
    session_generation = IntegerField(default=0)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)

    # Flask-Login's protocol, kept here so the session loader and the model agree.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return bool(self.active)

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """Session identity: the id and the generation it was issued at."""
        return f"{self.id}:{self.session_generation}"

    def has_role(self, role: str) -> bool:
        """Tell whether this user's role is at least `role` (reviewer < editor < admin)."""
        return ROLE_RANK[self.role] >= ROLE_RANK[role]


class ApiToken(BaseModel):
    """A per-user bearer token for the JSON API; only its SHA-256 is stored."""

    id = AutoField()
    user = ForeignKeyField(User, backref="api_tokens", on_delete="CASCADE")
    name = CharField(max_length=TOKEN_NAME_MAX)
    token_hash = CharField(max_length=64, unique=True)
    # The first characters of the token, shown so its owner can tell tokens apart.
    prefix = CharField(max_length=16)
    created_at = DateTimeField(default=utcnow)
    revoked_at = DateTimeField(null=True)


class LoginFailure(BaseModel):
    """One failed login, kept for throttling by account and by client address."""

    id = AutoField()
    username_key = CharField(max_length=USERNAME_MAX)
    ip = CharField(max_length=64)
    at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("username_key", "at"), False), (("ip", "at"), False))


class Source(BaseModel):
    """A document the newsroom relies on, shared by all articles."""

    id = AutoField()
    url = CharField(max_length=URL_MAX, null=True)
    # The normalized URL: the same page added twice is one source.
    url_key = CharField(max_length=URL_MAX, null=True, unique=True)
    title = CharField(max_length=TITLE_MAX)
    publisher = CharField(max_length=NAME_MAX, null=True)
    author = CharField(max_length=NAME_MAX, null=True)
    published_date = DateField(null=True)
    kind = CharField(
        max_length=20, default="other", index=True, constraints=[one_of("kind", SOURCE_KINDS)]
    )
    reliability = IntegerField(
        null=True, constraints=[Check("reliability IS NULL OR reliability BETWEEN 1 AND 5")]
    )
    reliability_note = TextField(null=True)
    # The outcome of the last fetch (add, re-fetch or recheck).
    check_state = CharField(
        max_length=10,
        default="unchecked",
        index=True,
        constraints=[one_of("check_state", CHECK_STATES)],
    )
    checked_at = DateTimeField(null=True)
    check_status = IntegerField(null=True)
    check_error = CharField(max_length=NAME_MAX, null=True)
    created_by = ForeignKeyField(User, null=True, backref="sources")
    created_by_id: int | None
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    version = IntegerField(default=1)


class Article(BaseModel):
    """An imported news article and its full plain text."""

    id = AutoField()
    title = CharField(max_length=TITLE_MAX)
    url = CharField(max_length=URL_MAX, null=True)
    publisher = CharField(max_length=NAME_MAX, null=True)
    byline = CharField(max_length=NAME_MAX, null=True)
    published_date = DateField(null=True)
    text = TextField()
    # The same text imported twice is the same article (also under concurrent imports).
    text_sha256 = CharField(max_length=64, unique=True)
    imported_by = ForeignKeyField(User, backref="articles")
    imported_by_id: int  # peewee's id accessors, declared for the type checker
    imported_at = DateTimeField(default=utcnow, index=True)
    updated_at = DateTimeField(default=utcnow)
    version = IntegerField(default=1)
    # The number of the revision `text` is (see ArticleRevision).
    current_revision = IntegerField(default=1)
    # The last re-fetch of `url`: ok, or failed with why (the text is left as it was).
    check_state = CharField(
        max_length=10, default="unchecked", constraints=[one_of("check_state", ARTICLE_CHECKS)]
    )
    checked_at = DateTimeField(null=True)
    check_error = CharField(max_length=300, null=True)


# An article's columns without its text, for lists that show articles by name (the text is the
# one large column: loading it for every row listed is most of the cost of such a page).
ARTICLE_LISTED: tuple[peewee.Field, ...] = tuple(
    f for f in Article._meta.sorted_fields if f.name != "text"
)


class ArticleRevision(BaseModel):
    """One text an article has had, immutable (UPDATE is refused by a trigger); number 1 is the
    imported text. `new_claims` holds, as JSON, the checkable sentences extraction found in the
    parts of this text that the previous revision did not have, offered as new claims."""

    id = AutoField()
    article = ForeignKeyField(Article, backref="revisions", on_delete="CASCADE")
    article_id: int
    number = IntegerField()
    text = TextField()
    text_sha256 = CharField(max_length=64)
    origin = CharField(max_length=10, constraints=[one_of("origin", REVISION_ORIGINS)])
    final_url = CharField(max_length=URL_MAX, null=True)
    created_by = ForeignKeyField(User, null=True, backref="article_revisions")
    created_by_id: int | None
    created_at = DateTimeField(default=utcnow)
    new_claims = TextField(default="[]")

    class Meta:
        table_name = "article_revision"
        indexes = ((("article", "number"), True),)


class Claim(BaseModel):
    """A checkable statement, anchored to its exact words in the article."""

    id = AutoField()
    article = ForeignKeyField(Article, backref="claims", on_delete="CASCADE")
    article_id: int
    assignee_id: int | None
    created_by_id: int | None
    dismissed_by_id: int | None
    quote = TextField()
    start = IntegerField(constraints=[Check('"start" >= 0')])
    end = IntegerField(constraints=[Check('"end" > "start"')])
    prefix = TextField(default="")
    suffix = TextField(default="")
    sentence = TextField(default="")
    statement = TextField()
    kind = CharField(max_length=16, constraints=[one_of("kind", CLAIM_KINDS)])
    checkworthiness = DoubleField(
        default=0.0, constraints=[Check("checkworthiness >= 0 AND checkworthiness <= 1")]
    )
    attribution = CharField(max_length=NAME_MAX, null=True)
    # The source the attribution names ("according to the ministry"), once a reviewer links it.
    attributed_source = ForeignKeyField(
        Source, null=True, backref="attributed_claims", on_delete="SET NULL"
    )
    attributed_source_id: int | None
    hedged = BooleanField(default=False)
    status = CharField(
        max_length=20, default="new", constraints=[one_of("status", CLAIM_STATUSES)]
    )
    dismissed_reason = TextField(null=True)
    dismissed_by = ForeignKeyField(User, null=True, backref="dismissed_claims")
    assignee = ForeignKeyField(User, null=True, backref="assigned_claims", on_delete="SET NULL")
    created_by = ForeignKeyField(User, null=True, backref="created_claims")
    version = IntegerField(default=1)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    # The article revision `start`/`end`/`quote` refer to: the current one, unless the words are
    # gone from it (anchor_state "orphaned").
    revision = IntegerField(default=1)
    # How the claim fared when the article last changed (claims.reanchor).
    anchor_state = CharField(
        max_length=10, default="unchanged", constraints=[one_of("anchor_state", ANCHOR_STATES)]
    )
    # Its words changed or disappeared while a verdict was approved: back in the reviewers'
    # queue, published as under revision, until an editor decides.
    needs_recheck = BooleanField(default=False)
    recheck_since = DateTimeField(null=True)

    class Meta:
        indexes = (
            (("article", "start"), False),
            (("article", "status"), False),
            (("status", "created_at", "id"), False),
            (("status", "updated_at", "id"), False),
            (("kind",), False),
            (("assignee", "status", "updated_at", "id"), False),
            (("needs_recheck", "assignee"), False),
        )


class ClaimPlacement(BaseModel):
    """Where a claim landed in a revision when the article changed, and how; plus one
    "original" row for where it was in the revision before."""

    id = AutoField()
    claim = ForeignKeyField(Claim, backref="placements", on_delete="CASCADE")
    claim_id: int
    revision = ForeignKeyField(ArticleRevision, backref="placements", on_delete="CASCADE")
    revision_id: int
    start = IntegerField(null=True)
    end = IntegerField(null=True)
    quote = TextField(null=True)
    outcome = CharField(max_length=10, constraints=[one_of("outcome", PLACEMENT_OUTCOMES)])
    score = DoubleField(default=0.0)
    # Word-level diff of the old quote and the new one, as JSON [[op, text], ...].
    diff = TextField(default="[]")

    class Meta:
        table_name = "claim_placement"
        indexes = ((("claim", "revision"), True), (("revision", "outcome"), False))


class Quantity(BaseModel):
    """A figure inside a claim, as written and normalized."""

    id = AutoField()
    claim = ForeignKeyField(Claim, backref="quantities", on_delete="CASCADE")
    claim_id: int
    text = CharField(max_length=NAME_MAX)
    value = DoubleField(null=True)
    # Upper bound for a range ("mid-2024" is a range of dates, "up to 150 km" has no lower one).
    value_high = DoubleField(null=True)
    unit = CharField(max_length=32, null=True)
    approximate = BooleanField(default=False)


class SourceCitation(BaseModel):
    """One source citing another (this report cites that press release)."""

    id = AutoField()
    source = ForeignKeyField(Source, backref="citations", on_delete="CASCADE")
    source_id: int
    cited = ForeignKeyField(Source, backref="cited_by", on_delete="CASCADE")
    cited_id: int
    note = CharField(max_length=NAME_MAX, null=True)
    created_by = ForeignKeyField(User, null=True, backref="citations")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("source", "cited"), True),)
        constraints = [Check("source_id <> cited_id")]


class ArchivedContent(BaseModel):
    """A fetched body, stored once however many snapshots saw it (content-addressed)."""

    id = AutoField()
    sha256 = CharField(max_length=64, unique=True)
    size = IntegerField()
    # The body as received, zlib-compressed.
    body = BlobField()
    # Its plain text, for reading and for checking quotes.
    text = TextField(default="")
    created_at = DateTimeField(default=utcnow)


class Snapshot(BaseModel):
    """One immutable archived copy of a source, as fetched (UPDATE is refused by a trigger)."""

    id = AutoField()
    source = ForeignKeyField(Source, backref="snapshots", on_delete="CASCADE")
    source_id: int
    content = ForeignKeyField(ArchivedContent, backref="snapshots")
    content_id: int
    fetched_at = DateTimeField(default=utcnow)
    http_status = IntegerField()
    final_url = CharField(max_length=URL_MAX)
    content_type = CharField(max_length=200)
    sha256 = CharField(max_length=64)
    fetched_by = ForeignKeyField(User, null=True, backref="snapshots")

    class Meta:
        indexes = ((("source", "fetched_at"), False),)


class Evidence(BaseModel):
    """What a source says about a claim, with the reviewer's stance."""

    id = AutoField()
    claim = ForeignKeyField(Claim, backref="evidence", on_delete="CASCADE")
    claim_id: int
    source = ForeignKeyField(Source, backref="evidence")
    source_id: int
    # The snapshot the excerpt was last checked against (NULL: the source has none).
    snapshot = ForeignKeyField(Snapshot, null=True, backref="evidence", on_delete="SET NULL")
    snapshot_id: int | None
    excerpt = TextField()
    locator = CharField(max_length=NAME_MAX, null=True)
    stance = CharField(max_length=10, constraints=[one_of("stance", STANCES)])
    note = TextField(default="")
    quote_verified = CharField(
        max_length=12, default="no_snapshot", constraints=[one_of("quote_verified", QUOTE_STATES)]
    )
    quote_checked_at = DateTimeField(null=True)
    # The figure the evidence states, as typed (canonical) and normalized like a quantity.
    stated_value = CharField(max_length=NAME_MAX, null=True)
    stated_number = DoubleField(null=True)
    stated_high = DoubleField(null=True)
    stated_unit = CharField(max_length=32, null=True)
    created_by = ForeignKeyField(User, backref="evidence")
    created_by_id: int
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    version = IntegerField(default=1)

    class Meta:
        indexes = ((("claim", "stance"), False),)


class Rating(BaseModel):
    """One step of the rating scale (stored as data so editors can change labels and order)."""

    id = AutoField()
    slug = CharField(max_length=40, unique=True)
    label = CharField(max_length=80)
    # 5 (true) .. 1 (false) for ClaimReview; NULL for misleading / unproven / not checkable.
    numeric = IntegerField(
        null=True, constraints=[Check("numeric IS NULL OR numeric BETWEEN 1 AND 5")]
    )
    position = IntegerField(default=0)
    description = TextField(default="")
    version = IntegerField(default=1)


class ClaimMatch(BaseModel):
    """A claim already in the tracker that looks like this one ("checked before?"), with the
    matcher's score and reasons, and a reviewer's decision."""

    id = AutoField()
    claim = ForeignKeyField(Claim, backref="matches", on_delete="CASCADE")
    claim_id: int
    other = ForeignKeyField(Claim, backref="matched_by", on_delete="CASCADE")
    other_id: int
    score = DoubleField()
    reasons = TextField(default="[]")
    state = CharField(
        max_length=10, default="suggested", constraints=[one_of("state", MATCH_STATES)]
    )
    decided_by = ForeignKeyField(User, null=True, backref="match_decisions")
    decided_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "claim_match"
        indexes = ((("claim", "other"), True), (("other",), False))
        constraints = [Check("claim_id <> other_id")]


class ClaimTerm(BaseModel):
    """A claim's blocking term (claims.matching.blocking_terms): candidates for "checked
    before?" are the claims sharing terms with it. Derived from the claim, not audited."""

    id = AutoField()
    claim = ForeignKeyField(Claim, backref="terms", on_delete="CASCADE")
    claim_id: int
    term = CharField(max_length=64)

    class Meta:
        table_name = "claim_term"
        indexes = ((("term", "claim"), True),)


class Verdict(BaseModel):
    """A reviewer's rating of a claim, approved or rejected by an editor."""

    id = AutoField()
    claim = ForeignKeyField(Claim, backref="verdicts", on_delete="CASCADE")
    claim_id: int
    rating = ForeignKeyField(Rating, backref="verdicts")
    rating_id: int
    confidence = IntegerField(constraints=[Check("confidence BETWEEN 0 AND 100")])
    # What the tool suggested from the evidence when the verdict was proposed (claims/confidence).
    suggested_confidence = IntegerField(null=True)
    rationale = TextField(default="")
    # The rationale as plain text (what ClaimReview publishes as ratingExplanation), made once
    # when the verdict is written; null for verdicts from before migration 0012.
    explanation = TextField(null=True)
    author = ForeignKeyField(User, backref="verdicts")
    author_id: int
    state = CharField(
        max_length=10,
        default="proposed",
        index=True,
        constraints=[one_of("state", VERDICT_STATES)],
    )
    approver = ForeignKeyField(User, null=True, backref="approved_verdicts")
    approver_id: int | None
    review_comment = TextField(null=True)
    decided_at = DateTimeField(null=True)
    # The claim's current verdict: its latest approved one (at most one per claim).
    current = BooleanField(default=False)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    version = IntegerField(default=1)

    class Meta:
        indexes = (
            (("claim", "created_at"), False),
            (("current", "rating"), False),
            (("current", "claim"), False),
        )


# Nobody, in ClaimTally.assignee_id (part of its key, which cannot be NULL).
NOBODY = 0


class ClaimTally(BaseModel):
    """How many claims are in a state for an assignee (NOBODY for unassigned ones), and how many
    of those need a re-check. Kept by the database's triggers (migration 0014), read-only here."""

    status = CharField(max_length=20)
    assignee_id = IntegerField()
    claims = IntegerField(default=0)
    rechecks = IntegerField(default=0)

    class Meta:
        table_name = "claim_tally"
        primary_key = peewee.CompositeKey("status", "assignee_id")


class RatingTally(BaseModel):
    """How many current (published) verdicts have a rating. Kept by the database's triggers
    (migration 0014), read-only here."""

    rating = ForeignKeyField(Rating, primary_key=True, backref="tally", on_delete="CASCADE")
    rating_id: int
    verdicts = IntegerField(default=0)

    class Meta:
        table_name = "rating_tally"


class AuditEvent(BaseModel):
    """One append-only, hash-chained record of a change (see claims/audit.py)."""

    id = AutoField()
    at = DateTimeField(index=True)
    # Plain columns, not foreign keys: the trail must outlive and never block what it describes.
    actor_id = IntegerField(null=True)
    actor_name = CharField(max_length=USERNAME_MAX)
    action = CharField(max_length=64)
    entity_type = CharField(max_length=32)
    entity_id = IntegerField(null=True)
    # The record this one belongs to (a verdict's claim, a claim's article), for timelines.
    parent_type = CharField(max_length=32, null=True)
    parent_id = IntegerField(null=True)
    # Canonical JSON text, stored exactly as it was hashed.
    before = TextField(null=True)
    after = TextField(null=True)
    ip = CharField(max_length=64, null=True)
    request_id = CharField(max_length=64, null=True)
    prev_hash = CharField(max_length=64, unique=True)
    hash = CharField(max_length=64, unique=True)

    class Meta:
        indexes = (
            (("entity_type", "entity_id", "id"), False),
            (("parent_type", "parent_id", "id"), False),
            (("actor_name", "id"), False),
            (("action", "id"), False),
        )


MODELS: list[type[peewee.Model]] = [
    User,
    ApiToken,
    LoginFailure,
    Article,
    ArticleRevision,
    Claim,
    ClaimPlacement,
    Quantity,
    Source,
    SourceCitation,
    ArchivedContent,
    Snapshot,
    Evidence,
    Rating,
    Verdict,
    ClaimMatch,
    ClaimTerm,
    AuditEvent,
]
# Counts the database derives from the tables above (migration 0014): not in MODELS, so neither
# archived (an import's inserts rebuild them) nor taken for records anywhere else.
TALLY_MODELS: list[type[peewee.Model]] = [ClaimTally, RatingTally]


def field_values(instance: peewee.Model, exclude: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Return a model instance's column values keyed by field name (foreign keys as ids)."""
    return {
        name: instance.__data__.get(name) for name in instance._meta.fields if name not in exclude
    }
