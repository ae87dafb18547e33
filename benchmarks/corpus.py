"""Builds a synthetic but realistic corpus directly in the database (fast bulk inserts).

What it holds, at scale 1 (every count is multiplied by the scale):

- 40 accounts (an admin, editors, reviewers);
- 2,000 articles whose texts are variations of the reference article (../shared/samples), each
  with its claims as the extractor finds them (quote, offsets, context, sentence, kind, score,
  attribution, quantities), 100,000 claims in all, spread over the workflow's states and
  assigned to reviewers; one article (the newest) has exactly 200 claims;
- 20,000 sources with unique addresses, kinds and check states, their archived copies
  (snapshots over content-addressed bodies, some bodies shared) and citations between them;
- 300,000 evidence items with stances and quote checks that agree with the archived texts; one
  claim of the 200-claim article has exactly 20, and a history (a rejected verdict, an approved
  one, a reopening and a second approved verdict);
- verdicts: proposed, rejected, approved (current or superseded), so that about 58% of the
  claims are published;
- 1,000,000 audit events telling that story in time order (imports, claim creation, research,
  evidence, verdicts, sources and snapshots, sign-ins), chained with the product's own hash
  function so that `audit verify` walks a real chain.

Rows are written through the database driver's batch call (executemany on SQLite, psycopg2's
execute_values on PostgreSQL) in transactions of a few thousand rows, with explicit ids: about
three times faster than peewee's insert_many, which converts every value in Python.
"""

from __future__ import annotations

import hashlib
import os
import random
import re
import time
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import peewee

from claims import audit, extraction
from claims.db import db, is_postgres, utcnow
from claims.extraction import ExtractedClaim
from claims.models import (
    ArchivedContent,
    Article,
    ArticleRevision,
    AuditEvent,
    Claim,
    Evidence,
    Quantity,
    Rating,
    Snapshot,
    Source,
    SourceCitation,
    User,
    Verdict,
)
from claims.sanitize import markdown_text
from claims.urls import normalize_url

DEFAULT_SIZES = {
    "articles": 2_000,
    "claims": 100_000,
    "evidence": 300_000,
    "sources": 20_000,
    "events": 1_000_000,
}
BIG_ARTICLE_CLAIMS = 200
BIG_CLAIM_EVIDENCE = 20
SPAN_DAYS = 730
DAY = 86_400.0
TEMPLATES = 48
# Rows per transaction (and per executemany call).
CHUNK = 5_000
BENCHMARK_PASSWORD = "benchmark password, not a secret"  # noqa: S105


@dataclass(frozen=True)
class Sizes:
    """How many of each thing the corpus holds."""

    articles: int
    claims: int
    evidence: int
    sources: int
    events: int

    @classmethod
    def at(cls, scale: float) -> Sizes:
        def n(key: str, minimum: int) -> int:
            return max(minimum, round(DEFAULT_SIZES[key] * scale))

        claims = n("claims", 2 * BIG_ARTICLE_CLAIMS)
        return cls(
            articles=n("articles", 5),
            claims=claims,
            evidence=max(n("evidence", 3 * claims), 3 * claims),
            sources=n("sources", 100),
            events=n("events", 10_000),
        )


@dataclass
class Corpus:
    """What was built, and the records the measurements are about."""

    sizes: Sizes
    article_id: int  # the article with 200 claims
    claim_id: int  # its claim with 20 evidence items and a history
    published: int  # claims with a current approved verdict
    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


# Text --------------------------------------------------------------------------------------------

COUNTRIES = [
    ("Morocco", "Rabat"),
    ("Egypt", "Cairo"),
    ("Jordan", "Amman"),
    ("Greece", "Athens"),
    ("Cyprus", "Nicosia"),
    ("Kenya", "Nairobi"),
    ("Chile", "Santiago"),
    ("India", "New Delhi"),
    ("Vietnam", "Hanoi"),
    ("Poland", "Warsaw"),
    ("Azerbaijan", "Baku"),
    ("the Philippines", "Manila"),
]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
NEWSROOMS = [
    ("Al Mayadeen English", "english.almayadeen.net"),
    ("Reuters", "www.reuters.com"),
    ("Associated Press", "apnews.com"),
    ("Agence France-Presse", "www.afp.com"),
    ("Middle East Eye", "www.middleeasteye.net"),
    ("Defense News", "www.defensenews.com"),
    ("Breaking Defense", "breakingdefense.com"),
    ("Hespress English", "en.hespress.com"),
    ("The National", "www.thenationalnews.com"),
    ("Janes", "www.janes.com"),
]
SOURCE_PUBLISHERS = [
    ("Ministry of Defence", "mod.gov.example", "official_statement"),
    ("Ministry of Foreign Affairs", "mfa.gov.example", "official_statement"),
    ("Israel Aerospace Industries", "www.iai.co.il", "primary_document"),
    ("Elbit Systems", "elbitsystems.com", "primary_document"),
    ("Rafael Advanced Defense Systems", "www.rafael.co.il", "primary_document"),
    ("SIPRI Arms Transfers Database", "www.sipri.org", "dataset"),
    ("World Bank Open Data", "data.worldbank.org", "dataset"),
    ("Reuters", "www.reuters.com", "news_report"),
    ("Associated Press", "apnews.com", "news_report"),
    ("Agence France-Presse", "www.afp.com", "news_report"),
    ("Times of Israel", "www.timesofisrael.com", "news_report"),
    ("Haaretz", "www.haaretz.com", "news_report"),
    ("Le Monde", "www.lemonde.fr", "news_report"),
    ("Jeune Afrique", "www.jeuneafrique.com", "news_report"),
    ("International Institute for Strategic Studies", "www.iiss.org", "analysis"),
    ("Carnegie Endowment", "carnegieendowment.org", "analysis"),
    ("Atlantic Council", "www.atlanticcouncil.org", "analysis"),
    ("Defense News", "www.defensenews.com", "news_report"),
    ("X (formerly Twitter)", "x.com", "social_media"),
    ("Telegram channel", "t.me", "social_media"),
    ("UN Register of Conventional Arms", "www.unroca.org", "dataset"),
    ("Parliamentary record", "parliament.gov.example", "primary_document"),
]
TOPICS = [
    "joint military work plan",
    "reconnaissance satellite contract",
    "drone factory inauguration",
    "air defence procurement",
    "artillery systems purchase",
    "guided rocket tests",
    "defence budget",
    "arms imports",
    "normalization agreement",
    "military committee meeting",
    "regional security assessment",
    "defence industry jobs",
    "export licences",
    "border surveillance programme",
]
SUBJECTS = [
    "The ministry",
    "The company",
    "A spokesperson",
    "The committee",
    "The report",
    "Officials",
    "The agency",
    "The contractor",
    "Analysts",
    "The government",
]
VERBS = [
    "confirmed",
    "announced",
    "estimated",
    "reported",
    "denied",
    "disclosed",
    "projected",
    "recorded",
]
THINGS = [
    "a contract worth ${n} million",
    "the delivery of {n} units",
    "a budget increase of {n}%",
    "{n} test launches",
    "a range of up to {n} km",
    "{n} new jobs at the plant",
    "{n} visits by foreign delegations",
    "spending of ${n} billion over {k} years",
    "a fleet of {n} aircraft",
    "{n} joint exercises",
]
STANCES_WEIGHTED = ["supports"] * 9 + ["refutes"] * 5 + ["mixed"] * 2 + ["context"] * 4
DISMISS_REASONS = [
    "Opinion, not a checkable fact.",
    "Duplicate of another claim.",
    "Not material to the story.",
    "A quotation of a headline.",
]
REOPEN_REASONS = [
    "New figures were published by the ministry.",
    "A reader sent a correction with sources.",
    "The company revised its statement.",
]
REJECT_COMMENTS = [
    "The evidence does not cover the figure itself; find the primary document.",
    "Two sources are the same press release; find an independent one.",
    "The rating is too strong for what the evidence shows.",
]
FOOTER = "\n\nNo comments:\nPost a Comment"


def sample_text() -> str:
    """The reference article from CLAIMS_SAMPLES_DIR or ../shared/samples beside the checkout
    (as the demo finds it), else the demo's built-in one."""
    from claims.cli import FALLBACK_ARTICLE, SAMPLE_FILE

    configured = os.environ.get("CLAIMS_SAMPLES_DIR")
    folder = (
        Path(configured)
        if configured
        else Path(__file__).resolve().parents[2] / "shared" / "samples"
    )
    path = folder / SAMPLE_FILE
    return path.read_text(encoding="utf-8") if path.is_file() else FALLBACK_ARTICLE


def _body_lines(sample: str) -> tuple[str, list[str]]:
    """The headline and the paragraphs between the date line and the blog footer."""
    lines = sample.split("\n")
    body = [line for line in lines[3:] if line.strip() and line.strip() not in _FURNITURE]
    return lines[0], body


_FURNITURE = frozenset({"No comments:", "Post a Comment"})
_YEAR = re.compile(r"\b20[0-3]\d\b")


def _variant(rng: random.Random, body: list[str]) -> list[str]:
    """The reference paragraphs with another country, other figures and shifted years."""
    country, capital = rng.choice(COUNTRIES)
    shift = rng.randrange(0, 4)
    words = ["two", "three", "four", "five", "six"]
    swaps = [
        ("Morocco", country),
        ("Rabat", capital),
        ("36 ATMOS", f"{rng.randrange(12, 96)} ATMOS"),
        ("306 mm", f"{rng.choice([122, 155, 220, 306, 370])} mm"),
        ("up to 150 km", f"up to {rng.choice([70, 90, 120, 150, 180, 250, 300])} km"),
        (
            "$1 billion",
            rng.choice(
                ["$1 billion", "$1.2 billion", "$850 million", "$2.3 billion", "$640 million"]
            ),
        ),
        ("two Ofek", f"{rng.choice(words[:3])} Ofek"),
        ("third meeting", f"{rng.choice(['second', 'third', 'fourth', 'fifth'])} meeting"),
        ("Five years", f"{rng.choice(words[1:]).capitalize()} years"),
        ("five years", f"{rng.choice(words[1:])} years"),
    ]
    out = []
    for line in body:
        for old, new in swaps:
            line = line.replace(old, new)
        out.append(_YEAR.sub(lambda m: str(int(m.group(0)) - shift), line))
    # The lede stays first; the rest of the story is told in another order.
    rest = out[2:]
    rng.shuffle(rest)
    return out[:2] + rest


@dataclass(frozen=True)
class Template:
    """An article body and the claims the extractor finds in it."""

    headline: str
    byline: str
    body: str  # up to (not including) the reference line and the footer
    claims: tuple[ExtractedClaim, ...]


def _template(rng: random.Random, sample: str, parts: int, min_claims: int = 0) -> Template:
    headline, body = _body_lines(sample)
    country, _ = rng.choice(COUNTRIES)
    publisher, _ = rng.choice(NEWSROOMS)
    year = rng.randrange(2024, 2027)
    lines = [
        headline.replace("Morocco", country),
        f"By {publisher}",
        f"{rng.randrange(1, 29)} {rng.choice(MONTHS)} {year} {rng.randrange(24):02d}:"
        f"{rng.randrange(60):02d}",
    ]
    text = ""
    found: tuple[ExtractedClaim, ...] = ()
    for part in range(10 * parts):
        if part:
            lines.append(rng.choice(["Background", "Earlier reporting", "Reactions", "Context"]))
        lines += _variant(rng, body)
        text = "\n".join(lines)
        found = tuple(extraction.extract(text + FOOTER))
        if part + 1 >= parts and len(found) >= min_claims:
            break
    return Template(lines[0], publisher, text, found)


def _sentence_pool(rng: random.Random, size: int) -> list[str]:
    """Sentences for archived source texts (each a plausible, checkable statement)."""
    pool: set[str] = set()
    while len(pool) < size:
        thing = rng.choice(THINGS).format(n=rng.randrange(2, 999), k=rng.randrange(2, 11))
        country, capital = rng.choice(COUNTRIES)
        topic = rng.choice(TOPICS)
        pool.add(
            f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {thing} under the {topic} with "
            f"{country}, according to a statement issued in {capital} in "
            f"{rng.choice(MONTHS)} {rng.randrange(2019, 2027)}."
        )
    return sorted(pool)


# Bulk writing ------------------------------------------------------------------------------------


class Table:
    """Rows for one table, as tuples in `columns` order, written CHUNK at a time.

    Columns of the model that the builder does not give get the model's default (a column
    added to the schema later with a default needs nothing here); a NOT NULL column without a
    default stops the build with its name.
    """

    def __init__(
        self, model: type[peewee.Model], columns: Sequence[str], autoflush: bool = False
    ) -> None:
        self.model = model
        self.autoflush = autoflush
        self.name = model._meta.table_name
        given = set(columns)
        defaults: list[tuple[str, Any]] = []
        for f in model._meta.sorted_fields:
            if f.column_name in given or isinstance(f, peewee.AutoField):
                continue
            value = f.default() if callable(f.default) else f.default
            if value is None and not f.null:
                raise RuntimeError(f"{self.name}.{f.column_name}: NOT NULL, no default")
            defaults.append((f.column_name, _stored(value)))
        self.extra = tuple(value for _, value in defaults)
        names = ", ".join(f'"{c}"' for c in [*columns, *(name for name, _ in defaults)])
        count = len(columns) + len(defaults)
        self.postgres = is_postgres()
        values = "%s" if self.postgres else "(" + ", ".join("?" * count) + ")"
        # Table and column names come from this module and the models, never from input.
        self.sql = f'INSERT INTO "{self.name}" ({names}) VALUES {values}'  # noqa: S608
        self.rows: list[tuple[Any, ...]] = []
        self.count = 0

    def add(self, row: tuple[Any, ...]) -> None:
        if self.extra:
            row += self.extra
        self.rows.append(row)
        if self.autoflush and len(self.rows) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        """Write the rows held, CHUNK per transaction."""
        for at in range(0, len(self.rows), CHUNK):
            chunk = self.rows[at : at + CHUNK]
            with db.atomic():
                cursor = db.cursor()
                if self.postgres:
                    from psycopg2.extras import execute_values

                    execute_values(cursor, self.sql, chunk, page_size=1000)
                else:
                    cursor.executemany(self.sql, chunk)
            self.count += len(chunk)
        self.rows = []


def _stored(value: Any) -> Any:
    """A default value as the rows hold theirs (times and dates as text)."""
    if isinstance(value, datetime):
        return value.isoformat(" ", "microseconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def columns(names: str) -> list[str]:
    return names.split()


def next_id(model: type[peewee.Model]) -> int:
    return int(model.select(peewee.fn.MAX(model._meta.primary_key)).scalar() or 0) + 1


def reset_sequences(models: Iterable[type[peewee.Model]]) -> None:
    """After inserts with explicit ids, PostgreSQL's sequences must move past them."""
    if not is_postgres():
        return
    for model in models:
        name = model._meta.table_name
        db.execute_sql(
            f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), "  # noqa: S608
            f'(SELECT COALESCE(MAX(id), 1) FROM "{name}"))'
        )


# The plan ----------------------------------------------------------------------------------------


@dataclass(slots=True)
class PSource:
    id: int
    url: str | None
    url_key: str | None
    title: str
    publisher: str
    author: str | None
    published_date: str | None
    kind: str
    reliability: int | None
    check_state: str
    created_by: int
    created: float
    checked: float = 0.0
    snapshots: list[int] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)  # of its newest archived text


@dataclass(slots=True)
class PClaim:
    id: int
    article_id: int
    found: ExtractedClaim
    prefix: str
    suffix: str
    status: str
    assignee: int | None
    attributed: int | None
    created: float
    updated: float = 0.0
    version: int = 1
    statement: str = ""
    dismissed_reason: str | None = None
    dismissed_by: int | None = None


@dataclass(slots=True)
class PEvidence:
    id: int
    claim_id: int
    source_id: int
    snapshot_id: int | None
    excerpt: str
    locator: str | None
    stance: str
    note: str
    quote_verified: str
    created_by: int
    created: float
    updated: float
    version: int = 1


@dataclass(slots=True)
class PVerdict:
    id: int
    claim_id: int
    rating_id: int
    confidence: int
    suggested: int | None
    rationale: str
    author: int
    state: str
    approver: int | None
    review_comment: str | None
    decided: float | None
    current: bool
    created: float
    updated: float
    version: int = 1


# One audit event to write: (time, order, action, arguments).
Event = tuple[float, int, str, tuple[Any, ...]]


class Builder:
    """Plans the corpus in memory (rows and the events that tell their story), then writes it."""

    def __init__(
        self,
        sizes: Sizes,
        users: list[User],
        seed: int = 7,
        log: Callable[[str], None] = print,
    ) -> None:
        self.rng = random.Random(seed)
        self.sizes = sizes
        self.log = log
        self.users = {u.id: u for u in users}
        self.reviewers = [u.id for u in users if u.role == "reviewer"]
        self.editors = [u.id for u in users if u.role in ("editor", "admin")]
        self.ratings = list(Rating.select().order_by(Rating.position))
        self.end = utcnow() - timedelta(hours=1)
        self.start = self.end - timedelta(days=SPAN_DAYS)
        self.span = SPAN_DAYS * DAY
        self.events: list[Event] = []
        self.seq = 0
        self.sources: list[PSource] = []
        self.claims: list[PClaim] = []
        self.claim_by_id: dict[int, PClaim] = {}
        self.evidence: list[PEvidence] = []
        self.evidence_by_id: dict[int, PEvidence] = {}
        self.verdicts: dict[int, PVerdict] = {}
        self.articles: dict[int, dict[str, Any]] = {}
        self.digests: dict[int, str] = {}
        self.cited: set[tuple[int, int]] = set()
        self.ids: dict[type[peewee.Model], int] = {
            m: next_id(m)
            for m in (
                Article,
                ArticleRevision,
                Claim,
                Quantity,
                Source,
                SourceCitation,
                ArchivedContent,
                Snapshot,
                Evidence,
                Verdict,
            )
        }
        self.tables: dict[type[peewee.Model], Table] = {
            Article: Table(
                Article,
                columns(
                    "id title url publisher byline published_date text text_sha256 "
                    "imported_by_id imported_at updated_at version"
                ),
            ),
            ArticleRevision: Table(
                ArticleRevision,
                columns("id article_id number text text_sha256 origin created_by_id created_at"),
            ),
            Claim: Table(
                Claim,
                columns(
                    "id article_id quote start end prefix suffix sentence statement kind "
                    "checkworthiness attribution attributed_source_id hedged status "
                    "dismissed_reason dismissed_by_id assignee_id created_by_id version "
                    "created_at updated_at"
                ),
            ),
            Quantity: Table(
                Quantity, columns("id claim_id text value value_high unit approximate")
            ),
            Source: Table(
                Source,
                columns(
                    "id url url_key title publisher author published_date kind reliability "
                    "reliability_note check_state checked_at check_status check_error "
                    "created_by_id created_at updated_at version"
                ),
            ),
            SourceCitation: Table(
                SourceCitation, columns("id source_id cited_id note created_by_id created_at")
            ),
            ArchivedContent: Table(ArchivedContent, columns("id sha256 size body text created_at")),
            Snapshot: Table(
                Snapshot,
                columns(
                    "id source_id content_id fetched_at http_status final_url content_type "
                    "sha256 fetched_by_id"
                ),
            ),
            Evidence: Table(
                Evidence,
                columns(
                    "id claim_id source_id snapshot_id excerpt locator stance note "
                    "quote_verified quote_checked_at created_by_id created_at updated_at version"
                ),
            ),
            Verdict: Table(
                Verdict,
                columns(
                    "id claim_id rating_id confidence suggested_confidence rationale explanation "
                    "author_id "
                    "state approver_id review_comment decided_at current created_at "
                    "updated_at version"
                ),
            ),
        }

    # helpers

    def new_id(self, model: type[peewee.Model]) -> int:
        value = self.ids[model]
        self.ids[model] = value + 1
        return value

    def when(self, t: float) -> str:
        """A time (seconds into the corpus's two years) as the database stores it."""
        moment = self.start + timedelta(seconds=min(max(t, 0.0), self.span))
        return moment.isoformat(" ", "microseconds")

    def event(self, t: float, action: str, *args: Any) -> None:
        self.events.append((min(t, self.span), self.seq, action, args))
        self.seq += 1

    def later(self, t: float, low_days: float, high_days: float) -> float:
        return min(self.span, t + self.rng.uniform(low_days, high_days) * DAY)

    # sources, archived copies, citations

    def plan_sources(self) -> None:
        rng = self.rng
        pool = _sentence_pool(rng, max(200, self.sizes.sources // 4))
        shared: list[tuple[int, list[str]]] = []  # syndicated bodies, seen by several sources
        for n in range(self.sizes.sources):
            sid = self.new_id(Source)
            publisher, domain, kind = rng.choice(SOURCE_PUBLISHERS)
            if rng.random() < 0.2:
                kind = rng.choice([k for _, _, k in SOURCE_PUBLISHERS])
            topic = rng.choice(TOPICS)
            country, _ = rng.choice(COUNTRIES)
            year = rng.randrange(2019, 2027)
            title = f"{topic.capitalize()}: {country} {rng.choice(VERBS)} ({publisher}, {year})"
            created = self.span * n / self.sizes.sources
            has_url = rng.random() < 0.95
            url = key = None
            if has_url:
                slug = topic.replace(" ", "-")
                url = f"https://{domain}/{year}/{slug}-{sid}"
                if rng.random() < 0.1:
                    url += "?utm_source=newsletter"
                key = normalize_url(url)
            roll = rng.random()
            state = (
                "unchecked"
                if not has_url or roll < 0.1
                else "ok"
                if roll < 0.83
                else "changed"
                if roll < 0.94
                else "dead"
            )
            source = PSource(
                id=sid,
                url=url,
                url_key=key,
                title=title,
                publisher=publisher,
                author=rng.choice([None, None, "Staff", "Press office", f"{country} desk"]),
                published_date=f"{year}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
                kind=kind,
                reliability=rng.choice([None, 1, 2, 3, 3, 4, 4, 4, 5, 5]),
                check_state=state,
                created_by=rng.choice(self.reviewers),
                created=created,
            )
            self.event(created, "source.create", sid)
            if state != "unchecked":
                self._fetches(source, pool, shared)
            self.sources.append(source)
            self.tables[Source].add(self._source_row(source))
        self._citations()

    def _fetches(
        self, source: PSource, pool: list[str], shared: list[tuple[int, list[str]]]
    ) -> None:
        """The source's archived copies: a first fetch, sometimes a recheck that found the
        same body, a changed body for a "changed" source, a failed recheck for a dead one."""
        rng = self.rng
        fetches = 1 + int(rng.random() < 0.3) + int(source.check_state in ("changed", "dead"))
        t = source.created
        content_id = 0
        for i in range(fetches):
            last = i == fetches - 1
            if i and last and source.check_state == "dead":
                self.event(t, "source.check", source.id, "dead")
                break
            if i == 0 or (last and source.check_state == "changed"):
                if shared and rng.random() < 0.03:
                    content_id, sentences = rng.choice(shared)
                else:
                    sentences = rng.sample(pool, rng.randrange(5, 10))
                    content_id = self._content(source.title, sentences, t)
                    if rng.random() < 0.01:
                        shared.append((content_id, sentences))
                source.sentences = sentences
            snap_id = self.new_id(Snapshot)
            self.tables[Snapshot].add(
                (
                    snap_id,
                    source.id,
                    content_id,
                    self.when(t),
                    200,
                    source.url or "",
                    "text/html; charset=utf-8",
                    self.digests[content_id],
                    source.created_by if i == 0 else None,
                )
            )
            source.snapshots.append(snap_id)
            self.event(t, "snapshot.create", snap_id, source.id, content_id)
            if i:
                state = "changed" if last and source.check_state == "changed" else "ok"
                self.event(t, "source.check", source.id, state)
            source.checked = t
            t = self.later(t, 5, 120)

    def _content(self, title: str, sentences: list[str], t: float) -> int:
        paragraphs = "".join(f"<p>{s}</p>" for s in sentences)
        html = (
            f"<!doctype html><html><head><title>{title}</title></head><body>"
            f"<nav>Home · News · Contact</nav><article><h1>{title}</h1>{paragraphs}</article>"
            f"<footer>© publisher</footer></body></html>"
        ).encode()
        content_id = self.new_id(ArchivedContent)
        digest = hashlib.sha256(html).hexdigest()
        self.tables[ArchivedContent].add(
            (
                content_id,
                digest,
                len(html),
                zlib.compress(html, 6),
                title + "\n\n" + "\n\n".join(sentences),
                self.when(t),
            )
        )
        self.digests[content_id] = digest
        return content_id

    def _source_row(self, s: PSource) -> tuple[Any, ...]:
        checked = s.snapshots or s.check_state == "dead"
        return (
            s.id,
            s.url,
            s.url_key,
            s.title,
            s.publisher,
            s.author,
            s.published_date,
            s.kind,
            s.reliability,
            "Primary source for the figures." if s.reliability == 5 else None,
            s.check_state,
            self.when(s.checked) if checked else None,
            (404 if s.check_state == "dead" else 200) if checked else None,
            "HTTP 404" if s.check_state == "dead" else None,
            s.created_by,
            self.when(s.created),
            self.when(max(s.created, s.checked)),
            1,
        )

    def _citations(self) -> None:
        rng = self.rng
        for source in rng.sample(self.sources, len(self.sources) // 10):
            for _ in range(rng.randrange(1, 4)):
                self._cite(source, rng.choice(self.sources))

    def _cite(self, source: PSource, cited: PSource) -> None:
        if cited.id == source.id or (source.id, cited.id) in self.cited:
            return
        self.cited.add((source.id, cited.id))
        t = max(source.created, cited.created) + DAY
        cid = self.new_id(SourceCitation)
        self.tables[SourceCitation].add(
            (cid, source.id, cited.id, "cites its figures", source.created_by, self.when(t))
        )
        self.event(t, "citation.create", cid, source.id, cited.id, source.created_by)

    # articles and claims

    def plan_articles(self, sample: str) -> tuple[int, int]:
        rng = self.rng
        sizes = self.sizes
        others = sizes.articles - 1
        mean = (sizes.claims - BIG_ARTICLE_CLAIMS) / max(others, 1)
        parts = max(2, int(mean / 20) + 1)
        templates = [_template(rng, sample, parts) for _ in range(TEMPLATES)]
        capacity = min(len(t.claims) for t in templates)
        quotas = _quotas(rng, others, sizes.claims - BIG_ARTICLE_CLAIMS, capacity)
        big = _template(rng, sample, 8, min_claims=BIG_ARTICLE_CLAIMS)
        self.log(
            f"    {TEMPLATES} article texts of {parts} parts, {capacity}+ claims each; "
            f"the big one: {len(big.claims)} claims"
        )
        big_id = designated = 0
        for n in range(sizes.articles):
            is_big = n == sizes.articles - 1
            template = big if is_big else templates[n % TEMPLATES]
            quota = BIG_ARTICLE_CLAIMS if is_big else quotas[n]
            t = self.span * (n + 0.5) / sizes.articles * 0.97
            if is_big:
                t = self.span - 21 * DAY
            article_id = self.new_id(Article)
            reference = f"Reference CT-{article_id:07d}."
            text = template.body + "\n" + reference + FOOTER
            day = self.start + timedelta(seconds=t)
            importer = rng.choice(self.reviewers)
            domain = next(d for p, d in NEWSROOMS if p == template.byline)
            slug = re.sub(r"[^a-z0-9]+", "-", template.headline.lower()).strip("-")[:60]
            row = {
                "id": article_id,
                "title": template.headline,
                "url": f"https://{domain}/news/{day:%Y/%m}/{slug}-{article_id}",
                "publisher": template.byline,
                "byline": template.byline,
                "published_date": f"{day:%Y-%m-%d}",
                "text_sha256": hashlib.sha256(text.encode()).hexdigest(),
                "imported_by": importer,
                "imported_at": self.when(t),
                "version": 1,
            }
            self.articles[article_id] = {**row, "text_length": len(text), "claims": quota}
            self.tables[Article].add(
                (
                    article_id,
                    row["title"],
                    row["url"],
                    row["publisher"],
                    row["byline"],
                    row["published_date"],
                    text,
                    row["text_sha256"],
                    importer,
                    row["imported_at"],
                    row["imported_at"],
                    1,
                )
            )
            self.tables[ArticleRevision].add(
                (
                    self.new_id(ArticleRevision),
                    article_id,
                    1,
                    text,
                    row["text_sha256"],
                    "import",
                    importer,
                    row["imported_at"],
                )
            )
            self.event(t, "article.import", article_id, importer)
            chosen = sorted(rng.sample(range(len(template.claims)), quota))
            age = 0.6 if is_big else n / sizes.articles
            for index in chosen:
                found = template.claims[index]
                claim = PClaim(
                    id=self.new_id(Claim),
                    article_id=article_id,
                    found=found,
                    prefix=text[max(0, found.start - 32) : found.start],
                    suffix=text[found.end : found.end + 32],
                    status=_status(rng, age),
                    assignee=None,
                    attributed=None,
                    created=t,
                    statement=found.statement[:2000],
                )
                self.claims.append(claim)
                self.claim_by_id[claim.id] = claim
                self.event(t, "claim.create", claim.id, importer)
            if is_big:
                big_id = article_id
                mine = [c for c in self.claims if c.article_id == article_id]
                money = [c for c in mine if c.found.quantities] or mine
                designated = money[0].id
        return big_id, designated

    # the work on claims: assignment, research, evidence, verdicts

    def plan_work(self, designated: int) -> None:
        rng = self.rng
        researched = [
            c
            for c in self.claims
            if c.status in ("in_research", "verdict_proposed", "approved") and c.id != designated
        ]
        counts = _quotas(
            rng,
            len(researched),
            self.sizes.evidence - BIG_CLAIM_EVIDENCE,
            10**9,
            minimum=1,
        )
        per_claim = {c.id: k for c, k in zip(researched, counts, strict=True)}
        per_claim[designated] = BIG_CLAIM_EVIDENCE
        with_url = [s for s in self.sources if s.snapshots]
        attributable = [
            s for s in self.sources if s.kind in ("official_statement", "primary_document")
        ]
        for claim in self.claims:
            rich = claim.id == designated
            if rich:
                claim.status = "approved"
            if claim.found.attribution and attributable and (rich or rng.random() < 0.3):
                claim.attributed = rng.choice(attributable).id
            self._work(claim, per_claim.get(claim.id, 0), rich, with_url)
        self._designated_provenance(self.claim_by_id[designated])

    def _work(self, claim: PClaim, evidence: int, rich: bool, with_url: list[PSource]) -> None:
        rng = self.rng
        status = claim.status
        t = claim.created
        researcher = rng.choice(self.reviewers)
        if rich or rng.random() < (0.45 if status == "new" else 0.9):
            claim.assignee = researcher
            t = self.later(t, 0.01, 1)
            self._claim_event(claim, t, "claim.assign", rng.choice(self.editors), researcher)
        if status == "new":
            if rng.random() < 0.05:
                self._edit_statement(claim, self.later(t, 0.1, 3), researcher)
            claim.updated = t
            return
        if status == "dismissed":
            t = self.later(t, 0.1, 5)
            claim.dismissed_reason = rng.choice(DISMISS_REASONS)
            claim.dismissed_by = researcher
            self._claim_event(claim, t, "claim.dismiss", researcher, claim.dismissed_reason)
            claim.updated = t
            return
        t = self.later(t, 0.2, 10)
        self._claim_event(claim, t, "claim.start", researcher)
        if rich or rng.random() < 0.05:
            self._edit_statement(claim, t + 60, researcher)
        for _ in range(evidence):
            t += rng.uniform(600, 20_000)
            self._evidence(claim, t, researcher, with_url, rich)
        reopened = status == "in_research" and rng.random() < 0.1
        if status == "in_research" and not reopened:
            claim.updated = t
            return
        if rich or rng.random() < 0.15:
            t = self.later(t, 0.1, 3)
            verdict = self._propose(claim, t, researcher)
            t = self.later(t, 0.05, 2)
            self._decide(claim, verdict, t, "rejected")
        t = self.later(t, 0.1, 5)
        verdict = self._propose(claim, t, researcher)
        if status == "verdict_proposed":
            claim.updated = t
            return
        t = self.later(t, 0.05, 3)
        self._decide(claim, verdict, t, "approved")
        if rich or (status == "approved" and rng.random() < 0.08):
            t = self.later(t, 5, 60)
            self._claim_event(claim, t, "claim.reopen", rng.choice(self.editors))
            t = self.later(t, 0.5, 5)
            second = self._propose(claim, t, researcher)
            t = self.later(t, 0.05, 2)
            self._decide(claim, second, t, "approved", superseding=verdict)
        elif reopened:
            t = self.later(t, 5, 60)
            self._claim_event(claim, t, "claim.reopen", rng.choice(self.editors))
        claim.updated = t

    def _claim_event(self, claim: PClaim, t: float, action: str, actor: int, *extra: Any) -> None:
        claim.version += 1
        self.event(t, action, claim.id, actor, claim.version, *extra)

    def _edit_statement(self, claim: PClaim, t: float, actor: int) -> None:
        old = claim.statement
        claim.statement = (old.rstrip(".") + " (as reported).")[:2000]
        self._claim_event(claim, t, "claim.update", actor, old, claim.statement)

    def _evidence(
        self, claim: PClaim, t: float, author: int, with_url: list[PSource], rich: bool
    ) -> None:
        rng = self.rng
        # A few sources are used far more than the rest, as in a real library.
        pool = with_url if with_url and rng.random() < 0.9 else self.sources
        source = pool[int(len(pool) * rng.random() ** 2.5)]
        if rich:
            source = self.sources[(len(self.evidence) * 7919) % len(self.sources)]
        if source.snapshots and source.sentences:
            snapshot: int | None = source.snapshots[-1]
            if rng.random() < 0.85:
                excerpt, verified = rng.choice(source.sentences), "verified"
            else:
                excerpt, verified = f"{claim.found.sentence[:300]}", "not_found"
        else:
            snapshot, verified = None, "no_snapshot"
            excerpt = claim.found.sentence[:300] or claim.found.quote
        item = PEvidence(
            id=self.new_id(Evidence),
            claim_id=claim.id,
            source_id=source.id,
            snapshot_id=snapshot,
            excerpt=excerpt,
            locator=rng.choice(
                [None, None, f"para. {rng.randrange(1, 12)}", f"p. {rng.randrange(1, 40)}"]
            ),
            stance=rng.choice(STANCES_WEIGHTED),
            note=rng.choice(["", "", "Figures match the **official** release.", "See table 2."]),
            quote_verified=verified,
            created_by=author,
            created=t,
            updated=t,
        )
        self.evidence.append(item)
        self.evidence_by_id[item.id] = item
        self.event(t, "evidence.create", item.id, claim.id, author)
        if rich or rng.random() < 0.08:
            later = self.later(t, 0.01, 4)
            old = item.note
            item.note = (old + " Checked against the archived copy.").strip()
            item.version += 1
            item.updated = later
            self.event(later, "evidence.update", item.id, claim.id, author, old, item.note, 2)

    def _propose(self, claim: PClaim, t: float, author: int) -> PVerdict:
        rng = self.rng
        rating = rng.choice(self.ratings)
        verdict = PVerdict(
            id=self.new_id(Verdict),
            claim_id=claim.id,
            rating_id=rating.id,
            confidence=rng.randrange(35, 96),
            suggested=rng.choice([None, rng.randrange(30, 95)]),
            rationale=(
                f"The {claim.found.kind} in the article was checked against "
                f"**{rng.randrange(2, 6)} sources**, including the [primary document]"
                f"(https://mod.gov.example/doc/{claim.id}). {rating.description}"
            ),
            author=author,
            state="proposed",
            approver=None,
            review_comment=None,
            decided=None,
            current=False,
            created=t,
            updated=t,
        )
        self.verdicts[verdict.id] = verdict
        self.event(t, "verdict.propose", verdict.id, claim.id, author, rating.label)
        self._claim_event(claim, t, "claim.propose", author)
        return verdict

    def _decide(
        self,
        claim: PClaim,
        verdict: PVerdict,
        t: float,
        state: str,
        superseding: PVerdict | None = None,
    ) -> None:
        editor = self.rng.choice(self.editors)
        if superseding is not None:
            superseding.current = False
            self.event(t, "verdict.supersede", superseding.id, claim.id, editor, verdict.id)
        verdict.state = state
        verdict.approver = editor
        verdict.decided = verdict.updated = t
        verdict.version = 2
        if state == "approved":
            verdict.current = True
            self.event(t, "verdict.approve", verdict.id, claim.id, editor)
            self._claim_event(claim, t, "claim.approve", editor)
        else:
            verdict.review_comment = self.rng.choice(REJECT_COMMENTS)
            self.event(t, "verdict.reject", verdict.id, claim.id, editor, verdict.review_comment)
            self._claim_event(claim, t, "claim.reject", editor, verdict.review_comment)

    def _designated_provenance(self, claim: PClaim) -> None:
        """The 20-evidence claim's attributed source cites two more, one of which cites a
        third: a provenance graph of several levels."""
        chain = [self.sources[i % len(self.sources)] for i in (11, 23, 37, 51)]
        if claim.attributed is None:
            claim.attributed = chain[0].id
        root = next(s for s in self.sources if s.id == claim.attributed)
        self._cite(root, chain[1])
        self._cite(root, chain[2])
        self._cite(chain[1], chain[3])

    # writing

    def write_rows(self) -> None:
        """Write every planned row, each table after those it references."""
        for model in (Source, ArchivedContent, Snapshot, SourceCitation, Article, ArticleRevision):
            self.tables[model].flush()
        for claim in self.claims:
            found = claim.found
            self.tables[Claim].add(
                (
                    claim.id,
                    claim.article_id,
                    found.quote,
                    found.start,
                    found.end,
                    claim.prefix,
                    claim.suffix,
                    found.sentence,
                    claim.statement,
                    found.kind,
                    min(1.0, max(0.0, float(found.checkworthiness))),
                    found.attribution[:300] if found.attribution else None,
                    claim.attributed,
                    found.hedged,
                    claim.status,
                    claim.dismissed_reason,
                    claim.dismissed_by,
                    claim.assignee,
                    None,
                    claim.version,
                    self.when(claim.created),
                    self.when(max(claim.updated, claim.created)),
                )
            )
            for q in found.quantities:
                self.tables[Quantity].add(
                    (
                        self.new_id(Quantity),
                        claim.id,
                        q.text[:300],
                        q.value,
                        q.value_high,
                        q.unit,
                        q.approximate,
                    )
                )
        self.tables[Claim].flush()
        self.tables[Quantity].flush()
        self._claim_terms()
        for e in self.evidence:
            self.tables[Evidence].add(
                (
                    e.id,
                    e.claim_id,
                    e.source_id,
                    e.snapshot_id,
                    e.excerpt,
                    e.locator,
                    e.stance,
                    e.note,
                    e.quote_verified,
                    self.when(e.created),
                    e.created_by,
                    self.when(e.created),
                    self.when(e.updated),
                    e.version,
                )
            )
        self.tables[Evidence].flush()
        for v in self.verdicts.values():
            self.tables[Verdict].add(
                (
                    v.id,
                    v.claim_id,
                    v.rating_id,
                    v.confidence,
                    v.suggested,
                    v.rationale,
                    markdown_text(v.rationale),  # as the service writes it
                    v.author,
                    v.state,
                    v.approver,
                    v.review_comment,
                    None if v.decided is None else self.when(v.decided),
                    v.current,
                    self.when(v.created),
                    self.when(v.updated),
                    v.version,
                )
            )
        for table in self.tables.values():
            table.flush()
        reset_sequences(self.tables)

    def _claim_terms(self) -> None:
        """The "checked before?" index (claim_term: each claim's blocking terms), where the
        application has one, as services.matches stores it when claims are created; computed
        once per distinct statement and figures. Suggested matches are not precomputed."""
        import claims.models

        model = getattr(claims.models, "ClaimTerm", None)
        try:
            from claims import matching
        except ImportError:
            return
        if model is None or not hasattr(matching, "blocking_terms"):
            return
        table = Table(model, columns("claim_id term"), autoflush=True)
        cache: dict[tuple[Any, ...], list[str]] = {}
        for claim in self.claims:
            figures = tuple((q.value, q.value_high, q.unit) for q in claim.found.quantities)
            key = (claim.statement, figures)
            terms = cache.get(key)
            if terms is None:
                found = matching.features(matching.ClaimText(claim.id, claim.statement, figures))
                terms = cache[key] = sorted({t[:64] for t in matching.blocking_terms(found)})
            for term in terms:
                table.add((claim.id, term))
        table.flush()
        self.tables[model] = table

    # the audit trail

    def write_events(self) -> int:
        """Write the planned events, with sign-ins and refused sign-ins between them up to the
        corpus's event count, in time order and hash-chained after whatever is there."""
        rng = self.rng
        filler = max(0, self.sizes.events - len(self.events))
        people = list(self.users)
        for _ in range(filler):
            t = rng.random() * self.span
            user = rng.choice(people)
            if rng.random() < 0.93:
                self.event(t, "login.succeeded", user)
            else:
                self.event(t, "login.failed", user)
        self.events.sort()
        last = AuditEvent.select(AuditEvent.hash).order_by(AuditEvent.id.desc()).first()
        prev = last.hash if last else audit.GENESIS_HASH
        table = Table(
            AuditEvent,
            columns(
                "at actor_id actor_name action entity_type entity_id parent_type parent_id "
                "before after ip request_id prev_hash hash"
            ),
            autoflush=True,
        )
        encode = audit.canonical_json
        names = {i: u.username for i, u in self.users.items()}
        anonymous = {"login.failed": "anonymous"}
        payload = self._payloads()
        for n, (t, _, action, args) in enumerate(self.events):
            actor, entity_type, entity_id, parent_type, parent_id, before, after = payload[action](
                *args
            )
            fields: dict[str, Any] = {
                "at": self.when(t),
                "actor_id": actor,
                "actor_name": names[actor] if actor else anonymous.get(action, "system"),
                "action": action,
                "entity_type": entity_type,
                "entity_id": entity_id,
                "parent_type": parent_type,
                "parent_id": parent_id,
                "before": None if before is None else encode(before),
                "after": None if after is None else encode(after),
                "ip": f"10.20.{(actor or 0) % 256}.{(actor or 0) * 7 % 256}",
                "request_id": f"{n:032x}",
                "prev_hash": prev,
            }
            prev = audit.event_hash(**fields)
            table.add((*fields.values(), prev))
        table.flush()
        count = len(self.events)
        self.events = []
        return count

    def _payloads(self) -> dict[str, Callable[..., tuple[Any, ...]]]:
        """For each action, how its planned arguments become (actor, entity type, entity id,
        parent type, parent id, before, after), with the fields the services record."""
        claims = self.claim_by_id
        evidence = self.evidence_by_id
        verdicts = self.verdicts
        articles = self.articles
        sources = {s.id: s for s in self.sources}

        def claim_state(claim_id: int, importer: int) -> tuple[Any, ...]:
            c = claims[claim_id]
            f = c.found
            state = {
                "id": c.id,
                "article": c.article_id,
                "quote": f.quote,
                "start": f.start,
                "end": f.end,
                "prefix": c.prefix,
                "suffix": c.suffix,
                "sentence": f.sentence,
                "statement": f.statement[:2000],
                "kind": f.kind,
                "checkworthiness": f.checkworthiness,
                "attribution": f.attribution,
                "attributed_source": None,
                "hedged": f.hedged,
                "status": "new",
                "dismissed_reason": None,
                "dismissed_by": None,
                "assignee": None,
                "created_by": None,
                "version": 1,
                "quantities": [extraction.quantity_json(q) for q in f.quantities],
            }
            return (importer, "claim", c.id, "article", c.article_id, None, state)

        def move(source: str, target: str) -> Callable[..., tuple[Any, ...]]:
            def payload(claim_id: int, actor: int, version: int, *extra: Any) -> tuple[Any, ...]:
                before: dict[str, Any] = {"status": source, "version": version - 1}
                after: dict[str, Any] = {"status": target, "version": version}
                if target == "dismissed":
                    before.update(dismissed_reason=None, dismissed_by=None)
                    after.update(dismissed_reason=extra[0], dismissed_by=actor)
                elif extra:
                    after["comment"] = extra[0]
                return (
                    actor,
                    "claim",
                    claim_id,
                    "article",
                    claims[claim_id].article_id,
                    before,
                    after,
                )

            return payload

        def reopen(claim_id: int, actor: int, version: int) -> tuple[Any, ...]:
            before = {"status": "approved", "version": version - 1}
            after = {
                "status": "in_research",
                "version": version,
                "reason": self.rng.choice(REOPEN_REASONS),
            }
            return (actor, "claim", claim_id, "article", claims[claim_id].article_id, before, after)

        def assign(claim_id: int, actor: int, version: int, assignee: int) -> tuple[Any, ...]:
            before = {"assignee": None, "version": version - 1}
            after = {"assignee": assignee, "version": version}
            return (actor, "claim", claim_id, "article", claims[claim_id].article_id, before, after)

        def update(claim_id: int, actor: int, version: int, old: str, new: str) -> tuple[Any, ...]:
            before = {"statement": old, "version": version - 1}
            after = {"statement": new, "version": version}
            return (actor, "claim", claim_id, "article", claims[claim_id].article_id, before, after)

        def article_import(article_id: int, importer: int) -> tuple[Any, ...]:
            a = articles[article_id]
            after = {
                "id": a["id"],
                "title": a["title"],
                "url": a["url"],
                "publisher": a["publisher"],
                "byline": a["byline"],
                "published_date": a["published_date"],
                "text_sha256": a["text_sha256"],
                "imported_by": importer,
                "imported_at": a["imported_at"].replace(" ", "T"),
                "version": 1,
                "text_length": a["text_length"],
                "claims_extracted": a["claims"],
            }
            return (importer, "article", article_id, None, None, None, after)

        def evidence_create(item_id: int, claim_id: int, actor: int) -> tuple[Any, ...]:
            e = evidence[item_id]
            after = {
                "id": e.id,
                "claim": claim_id,
                "source": e.source_id,
                "snapshot": e.snapshot_id,
                "excerpt": e.excerpt,
                "locator": e.locator,
                "stance": e.stance,
                "note": "" if e.version > 1 else e.note,
                "quote_verified": e.quote_verified,
                "quote_checked_at": self.when(e.created).replace(" ", "T"),
                "created_by": actor,
                "created_at": self.when(e.created).replace(" ", "T"),
                "version": 1,
            }
            return (actor, "evidence", e.id, "claim", claim_id, None, after)

        def evidence_update(
            item_id: int, claim_id: int, actor: int, old: str, new: str, version: int
        ) -> tuple[Any, ...]:
            before = {"note": old, "version": version - 1}
            after = {"note": new, "version": version}
            return (actor, "evidence", item_id, "claim", claim_id, before, after)

        def verdict_propose(
            verdict_id: int, claim_id: int, actor: int, label: str
        ) -> tuple[Any, ...]:
            v = verdicts[verdict_id]
            after = {
                "id": v.id,
                "claim": claim_id,
                "rating": v.rating_id,
                "confidence": v.confidence,
                "suggested_confidence": v.suggested,
                "rationale": v.rationale,
                "author": v.author,
                "state": "proposed",
                "approver": None,
                "review_comment": None,
                "decided_at": None,
                "current": False,
                "created_at": self.when(v.created).replace(" ", "T"),
                "version": 1,
                "rating_label": label,
            }
            return (actor, "verdict", v.id, "claim", claim_id, None, after)

        def verdict_decide(
            verdict_id: int, claim_id: int, actor: int, *comment: str
        ) -> tuple[Any, ...]:
            v = verdicts[verdict_id]
            before = {
                "state": "proposed",
                "approver": None,
                "decided_at": None,
                "current": False,
                "version": 1,
            }
            after = {
                "state": "rejected" if comment else "approved",
                "approver": actor,
                "decided_at": self.when(v.decided or 0).replace(" ", "T"),
                "current": not comment,
                "version": 2,
            }
            if comment:
                before["review_comment"] = None
                after["review_comment"] = comment[0]
            return (actor, "verdict", v.id, "claim", claim_id, before, after)

        def supersede(verdict_id: int, claim_id: int, actor: int, by: int) -> tuple[Any, ...]:
            after = {"current": False, "superseded_by": by}
            return (actor, "verdict", verdict_id, "claim", claim_id, {"current": True}, after)

        def source_create(source_id: int) -> tuple[Any, ...]:
            s = sources[source_id]
            after = {
                "id": s.id,
                "url": s.url,
                "url_key": s.url_key,
                "title": s.title,
                "publisher": s.publisher,
                "author": s.author,
                "published_date": s.published_date,
                "kind": s.kind,
                "reliability": s.reliability,
                "check_state": "ok" if s.snapshots else "unchecked",
                "created_by": s.created_by,
                "version": 1,
            }
            return (s.created_by, "source", s.id, None, None, None, after)

        def snapshot_create(snapshot_id: int, source_id: int, content_id: int) -> tuple[Any, ...]:
            s = sources[source_id]
            after = {
                "id": snapshot_id,
                "source": source_id,
                "content": content_id,
                "http_status": 200,
                "final_url": s.url,
                "content_type": "text/html; charset=utf-8",
                "sha256": self.digests[content_id],
            }
            return (s.created_by, "snapshot", snapshot_id, "source", source_id, None, after)

        def source_check(source_id: int, state: str) -> tuple[Any, ...]:
            before = {"check_state": "ok"}
            return (None, "source", source_id, None, None, before, {"check_state": state})

        def citation_create(cid: int, source_id: int, cited: int, actor: int) -> tuple[Any, ...]:
            after = {"id": cid, "source": source_id, "cited": cited, "note": "cites its figures"}
            return (actor, "citation", cid, "source", source_id, None, after)

        def login(user_id: int) -> tuple[Any, ...]:
            ip = f"10.20.{user_id % 256}.{user_id * 7 % 256}"
            return (user_id, "user", user_id, None, None, None, {"ip": ip})

        def login_failed(user_id: int) -> tuple[Any, ...]:
            ip = f"10.20.{user_id % 256}.{user_id * 7 % 256}"
            after = {"username": self.users[user_id].username_key, "ip": ip}
            return (None, "user", user_id, None, None, None, after)

        return {
            "article.import": article_import,
            "claim.create": claim_state,
            "claim.assign": assign,
            "claim.update": update,
            "claim.start": move("new", "in_research"),
            "claim.propose": move("in_research", "verdict_proposed"),
            "claim.approve": move("verdict_proposed", "approved"),
            "claim.reject": move("verdict_proposed", "in_research"),
            "claim.dismiss": move("new", "dismissed"),
            "claim.reopen": reopen,
            "evidence.create": evidence_create,
            "evidence.update": evidence_update,
            "verdict.propose": verdict_propose,
            "verdict.approve": verdict_decide,
            "verdict.reject": verdict_decide,
            "verdict.supersede": supersede,
            "source.create": source_create,
            "snapshot.create": snapshot_create,
            "source.check": source_check,
            "citation.create": citation_create,
            "login.succeeded": login,
            "login.failed": login_failed,
        }


def _quotas(
    rng: random.Random, count: int, total: int, capacity: int, minimum: int = 1
) -> list[int]:
    """`count` numbers between `minimum` and `capacity` that vary around their mean and add
    up to `total` (as near as the bounds allow)."""
    if count <= 0:
        return []
    mean = total / count
    quotas = [
        min(capacity, max(minimum, round(mean * rng.uniform(0.4, 1.6)))) for _ in range(count)
    ]
    diff = total - sum(quotas)
    guard = 50 * count + abs(diff)
    while diff and guard:
        guard -= 1
        i = rng.randrange(count)
        if diff > 0 and quotas[i] < capacity:
            quotas[i] += 1
            diff -= 1
        elif diff < 0 and quotas[i] > minimum:
            quotas[i] -= 1
            diff += 1
    return quotas


def _status(rng: random.Random, age: float) -> str:
    """A claim's state: recent articles have more open claims than old ones."""
    recent = age**3
    roll = rng.random()
    for status, share in (
        ("new", 0.04 + 0.35 * recent),
        ("in_research", 0.12 + 0.2 * recent),
        ("verdict_proposed", 0.06 + 0.06 * recent),
        ("dismissed", 0.05),
    ):
        if roll < share:
            return status
        roll -= share
    return "approved"


# Entry points ------------------------------------------------------------------------------------


def make_users(count: int) -> list[User]:
    """Reviewers, editors and an admin. They share one real password hash (computed once), so
    the load test can sign in through the login form."""
    from claims import passwords

    digest = passwords.hash_password(BENCHMARK_PASSWORD)
    rows = []
    for i in range(count):
        role = "admin" if i == 0 else ("editor" if i % 5 == 1 else "reviewer")
        rows.append(
            {
                "username": f"user{i}",
                "username_key": f"user{i}",
                "display_name": f"User {i}",
                "password_hash": digest,
                "role": role,
            }
        )
    with db.atomic():
        User.insert_many(rows).execute()
    return list(User.select().order_by(User.id))


def build(
    scale: float, users: list[User], log: Callable[[str], None] = print, seed: int = 7
) -> Corpus:
    """Plan and write the whole corpus at `scale`; returns what the measurements need."""
    sizes = Sizes.at(scale)
    builder = Builder(sizes, users, seed=seed, log=log)
    seconds: dict[str, float] = {}

    def step(name: str, fn: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        result = fn()
        seconds[name] = time.perf_counter() - started
        log(f"    {name}: {seconds[name]:.1f} s")
        return result

    step("sources, archived copies, citations", builder.plan_sources)
    article_id, claim_id = step(
        "articles and claims (planned)", lambda: builder.plan_articles(sample_text())
    )
    step("research, evidence, verdicts (planned)", lambda: builder.plan_work(claim_id))
    step("rows written", builder.write_rows)
    events = step("audit events written", builder.write_events)
    rows = {t.name: t.count for t in builder.tables.values()}
    rows["audit_event"] = events
    published = sum(1 for v in builder.verdicts.values() if v.current)
    return Corpus(sizes, article_id, claim_id, published, rows, seconds)


def analyze() -> None:
    """Give the query planner statistics about the new tables."""
    db.execute_sql("ANALYZE")


def find(scale: float) -> Corpus | None:
    """A corpus built before in this database (--reuse): its designated records, or None."""
    sizes = Sizes.at(scale)
    big = (
        Article.select(Article.id, peewee.fn.COUNT(Claim.id).alias("n"))
        .join(Claim)
        .group_by(Article.id)
        .having(peewee.fn.COUNT(Claim.id) == BIG_ARTICLE_CLAIMS)
        .order_by(Article.id.desc())
        .first()
    )
    if big is None:
        return None
    claim = (
        Claim.select(Claim.id)
        .join(Evidence)
        .where(Claim.article == big.id)
        .group_by(Claim.id)
        .having(peewee.fn.COUNT(Evidence.id) >= BIG_CLAIM_EVIDENCE)
        .first()
    )
    if claim is None:
        return None
    published = Verdict.select().where(Verdict.current == True).count()  # noqa: E712
    return Corpus(sizes, big.id, claim.id, published)
