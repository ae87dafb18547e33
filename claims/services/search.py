"""One search over claims, articles, sources and evidence excerpts, with the database's own
full-text search (SQLite FTS5, PostgreSQL tsvector + GIN: migration 0007, kept current by
triggers), ranked, highlighted and paginated; filters by kind, claim status, rating, article,
assigned reviewer and date.

The SQL is put together from constant fragments chosen by which filters are set; every value
(the words, the filters) is a parameter. What a user types is never passed to the full-text
engine as syntax: it is cut into words, and the words are quoted (SQLite) or handed to
plainto_tsquery (PostgreSQL), so quotes, asterisks, parentheses, NEAR, AND/OR/NOT and the like
are plain words or nothing, never an error. All words must occur. The last one is taken whole
first; only when nothing matches so is it taken as the beginning of a word (one still being
typed: "harb" finds "harbour"). A search without words lists claims by the filters alone.

Filters by claim status, rating, reviewer and article are tokens of the index (migration 0013),
so that the database intersects lists of ids rather than joining every match of the words to its
record: on SQLite a second FTS5 table finds the most recent rows with the words and the tokens
and search_fts ranks those; on PostgreSQL an array beside the tsvector, both GIN-indexed. Dates
are tested on the records of the matches.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from claims.db import PreparedSelect, db, is_postgres
from claims.errors import ValidationError
from claims.models import (
    CLAIM_STATUSES,
    Article,
    Claim,
    Evidence,
    Rating,
    Source,
    Verdict,
)
from claims.text import drop_controls

KINDS = ("claim", "article", "source", "evidence")
PER_PAGE = 20
MAX_PAGE = 50  # results beyond 1,000 are not worth paging to: refine the search
COUNT_CAP = 1000
# Ranking reads every match: a word that occurs in 100,000 records took a second. Beyond this
# many matches, the most recent ones are ranked (the page says so: add words or filters). As
# many as a search's pages can reach (MAX_PAGE x PER_PAGE): ranking 5,000 cost 5 to 12 ms more
# a search at 100,000 claims (issue 9).
RANK_CANDIDATES = COUNT_CAP
QUERY_MAX = 200
PREFIX_MIN = 3  # a shorter last word is never taken as a prefix
WORDS_MAX = 12
# Marks around matched words in snippets; escaped text is put between them by filters.highlight.
START, STOP = "\x02", "\x03"
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class SearchFilter:
    q: str = ""
    kind: str | None = None
    status: str | None = None
    rating: str | None = None  # a rating's slug
    article_id: int | None = None
    reviewer_id: int | None = None
    since: date | None = None
    until: date | None = None

    @property
    def words(self) -> list[str]:
        return words_of(self.q)


@dataclass
class Hit:
    kind: str
    ref_id: int
    title: str = ""  # with START/STOP marks around matched words
    snippet: str = ""
    record: Any = None
    article: Article | None = None
    claim: Claim | None = None


@dataclass
class SearchPage:
    hits: list[Hit]
    page: int
    per_page: int
    total: int  # at most COUNT_CAP (then "1,000+")
    capped: bool
    filters: SearchFilter
    ratings: dict[int, Rating] = field(default_factory=dict)

    @property
    def more(self) -> bool:
        return self.page * self.per_page < self.total and self.page < MAX_PAGE


def words_of(text: str) -> list[str]:
    """The words of a query (letters and digits), at most WORDS_MAX of them."""
    return _WORD.findall(text[:QUERY_MAX].casefold())[:WORDS_MAX]


def _fts5_query(words: list[str], prefix: bool) -> str:
    """A MATCH expression with every word quoted (no FTS5 syntax survives), with `prefix` the
    last one as the beginning of a word."""
    quoted = [f'"{w}"' for w in words]
    if prefix:
        quoted[-1] += "*"
    return " ".join(quoted)


def check(flt: SearchFilter) -> SearchFilter:
    """Validate the filters. Raises ValidationError naming the field."""
    if flt.kind is not None and flt.kind not in KINDS:
        raise ValidationError(f"type must be one of: {', '.join(KINDS)}.", field="type")
    if flt.status is not None and flt.status not in CLAIM_STATUSES:
        raise ValidationError(
            f"status must be one of: {', '.join(CLAIM_STATUSES)}.", field="status"
        )
    if flt.rating is not None and not Rating.select().where(Rating.slug == flt.rating).exists():
        raise ValidationError("No such rating.", field="rating")
    if flt.since and flt.until and flt.since > flt.until:
        raise ValidationError("The start date is after the end date.", field="since")
    return flt


# The filters, as constant SQL fragments with parameters (never text from the query).
_ID = "{id}"  # replaced by the id column's name: rowid (SQLite) or id (PostgreSQL)
_MOD = "{mod}"  # the modulo operator: % (SQLite), %% (psycopg2's escape for a literal %)
_KIND_CODES = {"article": 0, "claim": 1, "source": 2, "evidence": 3}


def _joins(s: str) -> str:
    """The records behind index rows named `s` (a constant: the index table or its alias), for
    the dates they changed. A row's id is its record's id * 4 + its kind (migration 0007), so
    that the joins read no column of the index (on SQLite each column read is a look-up in the
    index's own table)."""
    return (
        f" LEFT JOIN claim c ON {s}.{_ID} {_MOD} 4 = 1 AND c.id = {s}.{_ID} / 4"
        f" LEFT JOIN evidence e ON {s}.{_ID} {_MOD} 4 = 3 AND e.id = {s}.{_ID} / 4"
        f" LEFT JOIN article a ON {s}.{_ID} {_MOD} 4 = 0 AND a.id = {s}.{_ID} / 4"
        f" LEFT JOIN source so ON {s}.{_ID} {_MOD} 4 = 2 AND so.id = {s}.{_ID} / 4"
    )


def _dates(flt: SearchFilter, mark: str) -> tuple[list[str], list[Any]]:
    """Conditions on when the record changed (on the joins of _joins)."""
    where: list[str] = []
    params: list[Any] = []
    changed = "COALESCE(c.updated_at, e.updated_at, a.updated_at, so.updated_at)"
    if flt.since:
        where.append(f"{changed} >= {mark}")
        params.append(datetime.combine(flt.since, time.min))
    if flt.until:
        where.append(f"{changed} < {mark}")
        params.append(datetime.combine(flt.until + timedelta(days=1), time.min))
    return where, params


def _facets(flt: SearchFilter) -> list[str]:
    """The facet tokens a row must carry to pass the claim filters (migration 0013): its or
    its claim's status, current rating, assignee and article."""
    tokens: list[str] = []
    if flt.status:
        tokens.append("s" + flt.status.replace("_", ""))
    if flt.rating:
        rating = Rating.select(Rating.id).where(Rating.slug == flt.rating).scalar()
        tokens.append(f"r{rating}")
    if flt.reviewer_id:
        tokens.append(f"u{flt.reviewer_id}")
    if flt.article_id:
        tokens.append(f"a{flt.article_id}")
    return tokens


def search(flt: SearchFilter, page: int = 1, per_page: int = PER_PAGE) -> SearchPage:
    """One page of results, best first. Raises ValidationError for bad filters."""
    check(flt)
    page = max(1, min(page, MAX_PAGE))
    if not flt.words:
        return _claims_by_filters(flt, page, per_page)
    backend = _postgres if is_postgres() else _sqlite
    rows, total = backend(flt, page, per_page, False)
    if total == 0 and len(flt.words[-1]) >= PREFIX_MIN:
        # Nothing has the last word whole: it may be a word still being typed. (Taking it as
        # a prefix every time made FTS5 merge the lists of every word so beginning, twice: to
        # match and for BM25's weights, 8 ms of "... contract".)
        rows, total = backend(flt, page, per_page, True)
    hits = [Hit(kind, int(ref), title or "", snippet or "") for kind, ref, title, snippet in rows]
    result = SearchPage(hits, page, per_page, min(total, COUNT_CAP), total > COUNT_CAP, flt)
    _attach(result)
    return result


def _sql(text: str, id_column: str) -> str:
    mod = "%%" if id_column == "id" else "%"
    return text.replace(_ID, id_column).replace(_MOD, mod)


def _counted(ranked: list[tuple], page: int, count: Callable[[], int]) -> int:
    """How many records match, from the ranked page's window count (the candidates, at most
    RANK_CANDIDATES), or by counting when that cannot tell: a page past the last, a full
    window no larger than the count's cap (are there more?)."""
    if ranked:
        window = int(ranked[0][-1])
        if window < RANK_CANDIDATES or RANK_CANDIDATES > COUNT_CAP:
            return window
    if not ranked and page == 1:
        return 0
    return count()


def _sqlite(flt: SearchFilter, page: int, per_page: int, prefix: bool) -> tuple[list[tuple], int]:
    words = flt.words
    match = _fts5_query(words, prefix)
    facets = _facets(flt)
    # The facet index keeps no word positions: a word the tokenizer cuts in two ("in_research",
    # a phrase) is tested on each match instead.
    if facets and all("_" not in w for w in words):
        ids, total = _sqlite_by_facets(flt, match, facets, page, per_page)
    else:
        ids, total = _sqlite_by_matches(flt, match, facets, page, per_page)
    if not ids:
        return [], total
    lines = _sqlite_lines(match, ids)
    return [lines[i] for i in ids if i in lines], total


# search_fts's tokenizer (migrations 0007, 0011): a copy of a row must be cut into the same words.
_TOKENIZE = "tokenize = 'porter unicode61 remove_diacritics 2'"
# A connection's own small index of one page's rows, highlighted there (see _sqlite_lines).
_PAGE_TABLE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_page USING fts5("
    "kind UNINDEXED, ref_id UNINDEXED, title, body, " + _TOKENIZE + ")"
)


def _sqlite_lines(match: str, ids: list[int]) -> dict[int, tuple]:
    """The kind, ref_id, highlighted title and snippet of the page's rows, by rowid.

    FTS5 evaluates the words anew for every query, and a last word taken as a prefix means
    merging the lists of every word so beginning (4 ms for "contract": "contract",
    "contractor"...). Highlights and snippets depend only on a row's own text and the query,
    so the page's rows are copied into a small table of this connection and highlighted
    there. Not when an article is among them: copying its long text costs more than the merge.
    """
    marks = ", ".join("?" * len(ids))
    if any(i % 4 == _KIND_CODES["article"] for i in ids):
        # The page's rows by their range of rowids: FTS5 seeks to the range once. (The same rows
        # asked for with "rowid IN" or one by one merge a prefix's lists each time.) The unary
        # + keeps the IN out of FTS5's hands.
        lines_sql = (
            "SELECT rowid, kind, ref_id, highlight(search_fts, 2, char(2), char(3)),"  # noqa: S608
            " snippet(search_fts, 3, char(2), char(3), '…', 24) FROM search_fts"
            " WHERE search_fts MATCH ? AND rowid BETWEEN ? AND ? AND +rowid IN (" + marks + ")"
        )
        found = db.execute_sql(lines_sql, [match, min(ids), max(ids), *ids]).fetchall()
        return {row[0]: row[1:] for row in found}
    db.execute_sql(_PAGE_TABLE)
    try:
        # OR REPLACE: rows a failed request left behind are overwritten, never an error.
        copy_sql = (
            "INSERT OR REPLACE INTO temp.search_page (rowid, kind, ref_id, title, body)"  # noqa: S608
            " SELECT rowid, kind, ref_id, title, body FROM search_fts WHERE rowid IN ("
            + marks
            + ")"
        )
        db.execute_sql(copy_sql, ids)
        found = db.execute_sql(
            "SELECT rowid, kind, ref_id, highlight(search_page, 2, char(2), char(3)),"
            " snippet(search_page, 3, char(2), char(3), '…', 24) FROM temp.search_page"
            " WHERE search_page MATCH ?",
            [match],
        ).fetchall()
    finally:
        db.execute_sql("DELETE FROM temp.search_page")
    return {row[0]: row[1:] for row in found}


# BM25 with the title weighing four times the body (kind and ref_id are not indexed).
_BM25 = "bm25(search_fts, 0.0, 0.0, 4.0, 1.0)"


def _sqlite_by_matches(
    flt: SearchFilter, match: str, facets: list[str], page: int, per_page: int
) -> tuple[list[int], int]:
    """The page's rowids, ranking the most recent matches of the words that pass the filters,
    tested on each match, in one pass over search_fts; and how many match."""
    where = ["search_fts MATCH ?"]
    params: list[Any] = [match]
    if flt.kind:
        where.append("search_fts.rowid % 4 = ?")
        params.append(_KIND_CODES[flt.kind])
    joins = ""
    if facets:
        joins += " JOIN search_facet_row f ON f.id = search_fts.rowid"
        for token in facets:
            where.append("instr(' ' || f.facets || ' ', ?) > 0")
            params.append(f" {token} ")
    dates, date_params = _dates(flt, "?")
    if dates:
        joins += _sql(_joins("search_fts"), "rowid")
        where += dates
        params += date_params
    base = " FROM search_fts" + joins + " WHERE " + " AND ".join(where)
    # The most recent matches are scored (nothing else is read), the page kept, and the
    # candidates counted on the way.
    page_sql = (
        "SELECT rowid, COUNT(*) OVER () FROM (SELECT search_fts.rowid AS rowid, "  # noqa: S608
        + _BM25
        + " AS score"
        + base
        + " ORDER BY search_fts.rowid DESC LIMIT ?) ORDER BY score, rowid LIMIT ? OFFSET ?"
    )
    ranked = db.execute_sql(
        page_sql, [*params, RANK_CANDIDATES, per_page, (page - 1) * per_page]
    ).fetchall()

    def count() -> int:
        count_sql = "SELECT COUNT(*) FROM (SELECT 1" + base + " LIMIT ?)"  # noqa: S608
        return int(db.execute_sql(count_sql, [*params, COUNT_CAP + 1]).fetchone()[0])

    return [row[0] for row in ranked], _counted(ranked, page, count)


def _sqlite_by_facets(
    flt: SearchFilter, match: str, facets: list[str], page: int, per_page: int
) -> tuple[list[int], int]:
    """The page's rowids and how many match, for claim filters: search_facet (migration 0013)
    intersects the lists of the words and of the facet tokens and gives the most recent rows
    that pass; search_fts ranks those (the same BM25 as without filters) by its own words."""
    tokens = facets
    if flt.kind:
        kind = f"k{_KIND_CODES[flt.kind]}"
        # A kind and a status are one token (migration 0013): the two longest lists of all.
        tokens = [kind + t if t[0] == "s" else t for t in facets] if flt.status else [kind, *facets]
    facet_match = "words : (" + match + ") AND facets : (" + _fts5_tokens(tokens) + ")"
    where = ["search_facet MATCH ?"]
    params: list[Any] = [facet_match]
    joins = ""
    dates, date_params = _dates(flt, "?")
    if dates:
        joins = _sql(_joins("search_facet"), "rowid")
        where += dates
        params += date_params
    candidates_sql = (
        "SELECT search_facet.rowid FROM search_facet"  # noqa: S608
        + joins
        + " WHERE "
        + " AND ".join(where)
        + " ORDER BY search_facet.rowid DESC LIMIT ?"
    )
    limit = max(RANK_CANDIDATES, COUNT_CAP + 1)  # enough to count up to the cap
    candidates = [row[0] for row in db.execute_sql(candidates_sql, [*params, limit]).fetchall()]
    ranked = candidates[:RANK_CANDIDATES]
    if not ranked:
        return [], 0
    # search_fts reads its matches between the oldest and newest candidate once (the range is
    # where FTS5 seeks) and scores the candidates among them.
    page_sql = (
        "SELECT rowid FROM (SELECT search_fts.rowid AS rowid, " + _BM25 + " AS score"  # noqa: S608
        " FROM search_fts WHERE search_fts MATCH ? AND search_fts.rowid BETWEEN ? AND ?"
        " AND +search_fts.rowid IN (SELECT value FROM json_each(?)))"
        " ORDER BY score, rowid LIMIT ? OFFSET ?"
    )
    found = db.execute_sql(
        page_sql,
        [
            match,
            min(ranked),
            max(ranked),
            json.dumps(ranked),
            per_page,
            (page - 1) * per_page,
        ],
    ).fetchall()
    return [row[0] for row in found], len(candidates)


def _fts5_tokens(tokens: list[str]) -> str:
    """Facet tokens (letters and digits, made here) as an FTS5 expression, every one required."""
    return " ".join(f'"{t}"' for t in tokens)


_HEADLINE = (
    'StartSel=\x02, StopSel=\x03, MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "'
)


def _postgres(
    flt: SearchFilter, page: int, per_page: int, as_prefix: bool
) -> tuple[list[tuple], int]:
    words = flt.words
    prefix = words[-1] if as_prefix else None
    # plainto_tsquery takes any text, parsed as the index was ("24/7" stays one token); the
    # prefix word is letters and digits only (words_of).
    query = "plainto_tsquery('english', %s)"
    typed = drop_controls(flt.q[:QUERY_MAX], keep="")
    query_params: list[Any] = [typed]
    if prefix is not None:
        # Either everything as typed, or the last word as the start of a word.
        cut = typed.casefold().rfind(prefix)
        query = (
            "(plainto_tsquery('english', %s) || (plainto_tsquery('english', %s)"
            " && to_tsquery('english', %s)))"
        )
        query_params += [typed[:cut] if cut >= 0 else typed, prefix + ":*"]
    where = ["s.tsv @@ " + query]
    params: list[Any] = [*query_params]
    if flt.kind:
        where.append("s.id %% 4 = %s")
        params.append(_KIND_CODES[flt.kind])
    facets = _facets(flt)
    if facets:
        # The GIN index of the facets (migration 0013) and the words' are read together.
        where.append("s.facets @> %s::text[]")
        params.append(facets)
    joins = ""
    dates, date_params = _dates(flt, "%s")
    if dates:
        joins = _sql(_joins("s"), "id")
        where += dates
        params += date_params
    base = " FROM search_entry s" + joins + " WHERE " + " AND ".join(where)
    # The most recent matches are ranked, the page kept, and the candidates counted on the way.
    # OFFSET 0 keeps "most recent" out of the scan: the planner would walk the primary key
    # backwards testing every row, expecting to stop early, and read the whole table when the
    # words are rarer than it guessed; the index of the words, then a sort, is always cheap.
    page_sql = (
        "SELECT id, kind, ref_id, total FROM (SELECT id, kind, ref_id,"  # noqa: S608
        " ts_rank_cd(tsv, "
        + query
        + ", 1) AS rank, COUNT(*) OVER () AS total FROM (SELECT * FROM (SELECT s.id, s.kind,"
        " s.ref_id, s.tsv"
        + base
        + " OFFSET 0) AS found ORDER BY id DESC LIMIT %s) AS candidate) AS ranked"
        " ORDER BY rank DESC, id LIMIT %s OFFSET %s"
    )
    found = db.execute_sql(
        page_sql,
        [*query_params, *params, RANK_CANDIDATES, per_page, (page - 1) * per_page],
    ).fetchall()

    def count() -> int:
        count_sql = "SELECT COUNT(*) FROM (SELECT 1" + base + " LIMIT %s) AS found"  # noqa: S608
        return int(db.execute_sql(count_sql, [*params, COUNT_CAP + 1]).fetchone()[0])

    total = _counted(found, page, count)
    if not found:
        return [], total
    # Headlines for this page only (ts_headline reads the whole text).
    ids = [row[0] for row in found]
    marks = ", ".join(["%s"] * len(ids))
    lines_sql = (
        "SELECT s.id, ts_headline('english', s.title, " + query + ", %s),"  # noqa: S608
        " ts_headline('english', left(s.body, 200000), " + query + ", %s)"
        " FROM search_entry s WHERE s.id IN (" + marks + ")"
    )
    lines = {
        row[0]: (row[1], row[2])
        for row in db.execute_sql(
            lines_sql, [*query_params, _HEADLINE, *query_params, _HEADLINE, *ids]
        ).fetchall()
    }
    rows = [(kind, ref, *lines.get(sid, ("", ""))) for sid, kind, ref, _ in found]
    return rows, total


def _claims_by_filters(flt: SearchFilter, page: int, per_page: int) -> SearchPage:
    """No words: the claims the filters select, most recently changed first."""
    query = Claim.select(Claim.id).order_by(Claim.updated_at.desc(), Claim.id.desc())
    if flt.kind not in (None, "claim"):
        return SearchPage([], page, per_page, 0, False, flt)
    if flt.status:
        query = query.where(Claim.status == flt.status)
    if flt.article_id:
        query = query.where(Claim.article == flt.article_id)
    if flt.reviewer_id:
        query = query.where(Claim.assignee == flt.reviewer_id)
    if flt.since:
        query = query.where(Claim.updated_at >= datetime.combine(flt.since, time.min))
    if flt.until:
        query = query.where(
            Claim.updated_at < datetime.combine(flt.until + timedelta(days=1), time.min)
        )
    if flt.rating:
        rated = (
            Verdict.select(Verdict.claim)
            .join(Rating)
            .where(Verdict.current & (Rating.slug == flt.rating))
        )
        query = query.where(Claim.id.in_(rated))
    total = query.limit(COUNT_CAP + 1).count()
    ids = [c.id for c in query.paginate(page, per_page)]
    hits = [Hit("claim", i) for i in ids]
    result = SearchPage(hits, page, per_page, min(total, COUNT_CAP), total > COUNT_CAP, flt)
    _attach(result)
    return result


def _attach(result: SearchPage) -> None:
    """Load the records of a page's hits: one query per kind present, plus ratings."""
    by_kind: dict[str, list[int]] = {}
    for hit in result.hits:
        by_kind.setdefault(hit.kind, []).append(hit.ref_id)
    records: dict[tuple[str, int], Any] = {}
    for kind, query in _HIT_RECORDS.items():
        if by_kind.get(kind):
            for record in query(by_kind[kind]):
                records[kind, record.id] = record
    for hit in result.hits:
        hit.record = records.get((hit.kind, hit.ref_id))
    result.hits = [h for h in result.hits if h.record is not None]
    claim_ids = [h.ref_id for h in result.hits if h.kind == "claim"]
    claim_ids += [h.record.claim_id for h in result.hits if h.kind == "evidence"]
    if claim_ids:
        result.ratings = {v.claim_id: v.rating for v in _HIT_RATINGS(claim_ids)}


# Only what a result shows of the records around a hit (templates/search/index.html and the
# API's hits): an article's text is long, a claim's or a source's row wide.
_HIT_RECORDS = {
    "claim": PreparedSelect(
        lambda ids: (
            Claim.select(
                Claim.id,
                Claim.statement,
                Claim.status,
                Claim.updated_at,
                Claim.article,
                Article.id,
                Article.title,
            )
            .join(Article)
            .where(Claim.id.in_(ids))
        )
    ),
    "article": PreparedSelect(
        lambda ids: Article.select(
            Article.id, Article.title, Article.publisher, Article.url, Article.imported_at
        ).where(Article.id.in_(ids))
    ),
    "source": PreparedSelect(
        lambda ids: Source.select(Source.id, Source.title, Source.kind).where(Source.id.in_(ids))
    ),
    "evidence": PreparedSelect(
        lambda ids: (
            Evidence.select(Evidence, Source.id, Source.title, Claim.id, Claim.quote, Claim.status)
            .join(Source)
            .switch(Evidence)
            .join(Claim)
            .where(Evidence.id.in_(ids))
        )
    ),
}
_HIT_RATINGS = PreparedSelect(
    lambda ids: (
        Verdict.select(Verdict.claim, Rating)
        .join(Rating)
        .where(Verdict.claim.in_(ids) & Verdict.current)
    )
)
