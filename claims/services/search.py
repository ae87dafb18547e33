"""One search over claims, articles, sources and evidence excerpts, with the database's own
full-text search (SQLite FTS5, PostgreSQL tsvector + GIN: migration 0007, kept current by
triggers), ranked, highlighted and paginated; filters by kind, claim status, rating, article,
assigned reviewer and date.

The SQL is put together from constant fragments chosen by which filters are set; every value
(the words, the filters) is a parameter. What a user types is never passed to the full-text
engine as syntax: it is cut into words, and the words are quoted (SQLite) or handed to
plainto_tsquery (PostgreSQL), so quotes, asterisks, parentheses, NEAR, AND/OR/NOT and the like
are plain words or nothing, never an error. All words must occur (the last one as a prefix). A
search without words lists claims by the filters alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from claims.db import db, is_postgres
from claims.errors import ValidationError
from claims.models import CLAIM_STATUSES, Article, Claim, Evidence, Rating, Source, User
from claims.text import drop_controls

KINDS = ("claim", "article", "source", "evidence")
PER_PAGE = 20
MAX_PAGE = 50  # results beyond 1,000 are not worth paging to: refine the search
COUNT_CAP = 1000
# Ranking reads every match: a word that occurs in 100,000 records took a second. Beyond this
# many matches, the most recent ones are ranked (the page says so: add words or filters).
RANK_CANDIDATES = 5000
QUERY_MAX = 200
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


def _fts5_query(words: list[str]) -> str:
    """A MATCH expression with every word quoted (no FTS5 syntax survives), the last a prefix."""
    quoted = [f'"{w}"' for w in words]
    if len(words[-1]) >= 3:
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
def _joins(s: str) -> str:
    """The records behind index rows named `s` (a constant: the index table or its alias). A
    row's id is its record's id * 4 + its kind (migration 0007), so that the joins read no
    column of the index (on SQLite each column read is a look-up in the index's own table)."""
    return (
        f" LEFT JOIN claim c ON {s}.{_ID} {_MOD} 4 = 1 AND c.id = {s}.{_ID} / 4"
        f" LEFT JOIN evidence e ON {s}.{_ID} {_MOD} 4 = 3 AND e.id = {s}.{_ID} / 4"
        " LEFT JOIN claim ec ON ec.id = e.claim_id"
        f" LEFT JOIN article a ON {s}.{_ID} {_MOD} 4 = 0 AND a.id = {s}.{_ID} / 4"
        f" LEFT JOIN source so ON {s}.{_ID} {_MOD} 4 = 2 AND so.id = {s}.{_ID} / 4"
    )


_ID = "{id}"  # replaced by the id column's name: rowid (SQLite) or id (PostgreSQL)
_MOD = "{mod}"  # the modulo operator: % (SQLite), %% (psycopg2's escape for a literal %)
_KIND_CODES = {"article": 0, "claim": 1, "source": 2, "evidence": 3}


def _conditions(flt: SearchFilter, mark: str, s: str) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    if flt.kind:
        where.append(f"{s}.{_ID} {_MOD} 4 = {mark}")
        params.append(_KIND_CODES[flt.kind])
    if flt.reviewer_id or flt.article_id:
        where_sets, set_params = _in_claim_sets(flt, mark, s)
        where.append(where_sets)
        params.extend(set_params)
    else:
        # Broad filters (a status, a rating: tens of thousands of claims) on the joined
        # records: the scan stops once a page and the count are full.
        if flt.status:
            where.append(f"COALESCE(c.status, ec.status) = {mark}")
            params.append(flt.status)
        if flt.rating:
            where.append(
                "EXISTS (SELECT 1 FROM verdict v JOIN rating r ON r.id = v.rating_id "  # noqa: S608
                f"WHERE v.claim_id = COALESCE(c.id, ec.id) AND v.current AND r.slug = {mark})"
            )
            params.append(flt.rating)
    changed = "COALESCE(c.updated_at, e.updated_at, a.updated_at, so.updated_at)"
    if flt.since:
        where.append(f"{changed} >= {mark}")
        params.append(datetime.combine(flt.since, time.min))
    if flt.until:
        where.append(f"{changed} < {mark}")
        params.append(datetime.combine(flt.until + timedelta(days=1), time.min))
    return where, params


def _in_claim_sets(flt: SearchFilter, mark: str, s: str) -> tuple[str, list[Any]]:
    """A reviewer's or an article's claims (and their evidence), narrowed by the other filters,
    as sets each match's id is tested against: made once from the index on claim(assignee_id)
    or claim(article_id), where joining every match of a common word to its record took
    60-90 ms on the benchmark's corpus."""
    on_claim: list[str] = []
    values: list[Any] = []
    if flt.reviewer_id:
        on_claim.append(f"fc.assignee_id = {mark}")
        values.append(flt.reviewer_id)
    if flt.article_id:
        on_claim.append(f"fc.article_id = {mark}")
        values.append(flt.article_id)
    if flt.status:
        on_claim.append(f"fc.status = {mark}")
        values.append(flt.status)
    if flt.rating:
        on_claim.append(
            "EXISTS (SELECT 1 FROM verdict v JOIN rating r ON r.id = v.rating_id "  # noqa: S608
            f"WHERE v.claim_id = fc.id AND v.current AND r.slug = {mark})"
        )
        values.append(flt.rating)
    passing = " AND ".join(on_claim)
    row_id = f"{s}.{_ID}"
    either = (
        f"({row_id} {_MOD} 4 = 1 AND {row_id} / 4 IN "  # noqa: S608
        f"(SELECT fc.id FROM claim fc WHERE {passing}))"
        f" OR ({row_id} {_MOD} 4 = 3 AND {row_id} / 4 IN (SELECT fe.id FROM evidence fe"
        f" JOIN claim fc ON fc.id = fe.claim_id WHERE {passing}))"
    )
    values = [*values, *values]
    if flt.article_id and not (flt.status or flt.rating or flt.reviewer_id):
        # The article itself is a result of an article filter, not of the others.
        either += f" OR ({row_id} {_MOD} 4 = 0 AND {row_id} / 4 = {mark})"
        values.append(flt.article_id)
    return f"({either})", values


def search(flt: SearchFilter, page: int = 1, per_page: int = PER_PAGE) -> SearchPage:
    """One page of results, best first. Raises ValidationError for bad filters."""
    check(flt)
    page = max(1, min(page, MAX_PAGE))
    if not flt.words:
        return _claims_by_filters(flt, page, per_page)
    rows, total = (_postgres if is_postgres() else _sqlite)(flt, page, per_page)
    hits = [Hit(kind, int(ref), title or "", snippet or "") for kind, ref, title, snippet in rows]
    result = SearchPage(hits, page, per_page, min(total, COUNT_CAP), total > COUNT_CAP, flt)
    _attach(result)
    return result


def _joined(flt: SearchFilter, s: str) -> str:
    """The joins the filters need ("" for none but the kind, or a reviewer's or an article's
    claims, tested as sets): joining 28,000 matches of one common word to five tables was
    most of a search's time."""
    broad = (flt.status or flt.rating) and not (flt.reviewer_id or flt.article_id)
    return _joins(s) if broad or flt.since or flt.until else ""


def _sql(text: str, id_column: str) -> str:
    mod = "%%" if id_column == "id" else "%"
    return text.replace(_ID, id_column).replace(_MOD, mod)


def _sqlite(flt: SearchFilter, page: int, per_page: int) -> tuple[list[tuple], int]:
    where, params = _conditions(flt, "?", "search_fts")
    match = _fts5_query(flt.words)
    clause = " AND ".join(["search_fts MATCH ?", *where])
    base = _sql(" FROM search_fts" + _joined(flt, "search_fts") + " WHERE " + clause, "rowid")
    count_sql = "SELECT COUNT(*) FROM (SELECT 1" + base + " LIMIT ?)"  # noqa: S608
    total = db.execute_sql(count_sql, [match, *params, COUNT_CAP + 1]).fetchone()[0]
    # First the page's rows, ranked (every match is scored, nothing else is read), then the
    # highlights of those rows only.
    page_sql = (
        "SELECT rowid FROM (SELECT search_fts.rowid AS rowid,"  # noqa: S608
        " bm25(search_fts, 0.0, 0.0, 4.0, 1.0) AS score"
        + base
        + " ORDER BY search_fts.rowid DESC LIMIT ?) ORDER BY score, rowid LIMIT ? OFFSET ?"
    )
    found = db.execute_sql(
        page_sql, [match, *params, RANK_CANDIDATES, per_page, (page - 1) * per_page]
    )
    ids = [row[0] for row in found.fetchall()]
    if not ids:
        return [], int(total)
    # The page's rows by their range of rowids: FTS5 seeks to the range once. (The same rows
    # asked for with "rowid IN" or one by one merge a prefix's lists of matches each time:
    # half a second for "the".) The unary + keeps the IN out of FTS5's hands.
    marks = ", ".join("?" * len(ids))
    lines_sql = (
        "SELECT rowid, kind, ref_id, highlight(search_fts, 2, char(2), char(3)),"  # noqa: S608
        " snippet(search_fts, 3, char(2), char(3), '…', 24) FROM search_fts"
        " WHERE search_fts MATCH ? AND rowid BETWEEN ? AND ? AND +rowid IN (" + marks + ")"
    )
    lines = {
        row[0]: row[1:]
        for row in db.execute_sql(lines_sql, [match, min(ids), max(ids), *ids]).fetchall()
    }
    return [lines[i] for i in ids if i in lines], int(total)


_HEADLINE = (
    'StartSel=\x02, StopSel=\x03, MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "'
)


def _postgres(flt: SearchFilter, page: int, per_page: int) -> tuple[list[tuple], int]:
    where, params = _conditions(flt, "%s", "s")
    words = flt.words
    prefix = words[-1] if len(words[-1]) >= 3 else None
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
    clause = " AND ".join(["s.tsv @@ " + query, *where])
    base = _sql(" FROM search_entry s" + _joined(flt, "s") + " WHERE " + clause, "id")
    count_sql = "SELECT COUNT(*) FROM (SELECT 1" + base + " LIMIT %s) AS found"  # noqa: S608
    total = db.execute_sql(count_sql, [*query_params, *params, COUNT_CAP + 1]).fetchone()[0]
    page_sql = (
        "SELECT id, kind, ref_id, ts_rank_cd(tsv, "  # noqa: S608
        + query
        + ", 1) AS rank FROM (SELECT s.id, s.kind, s.ref_id, s.tsv"
        + base
        + " ORDER BY s.id DESC LIMIT %s) AS candidate ORDER BY rank DESC, id LIMIT %s OFFSET %s"
    )
    found = db.execute_sql(
        page_sql,
        [
            *query_params,
            *query_params,
            *params,
            RANK_CANDIDATES,
            per_page,
            (page - 1) * per_page,
        ],
    ).fetchall()
    if not found:
        return [], int(total)
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
    return rows, int(total)


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
        from claims.models import Verdict

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
    if by_kind.get("claim"):
        for c in Claim.select(Claim, Article).join(Article).where(Claim.id.in_(by_kind["claim"])):
            records["claim", c.id] = c
    if by_kind.get("article"):
        for a in Article.select(
            Article.id, Article.title, Article.publisher, Article.url, Article.imported_at
        ).where(Article.id.in_(by_kind["article"])):
            records["article", a.id] = a
    if by_kind.get("source"):
        for s in Source.select().where(Source.id.in_(by_kind["source"])):
            records["source", s.id] = s
    if by_kind.get("evidence"):
        for e in (
            Evidence.select(Evidence, Source, Claim)
            .join(Source)
            .switch(Evidence)
            .join(Claim)
            .where(Evidence.id.in_(by_kind["evidence"]))
        ):
            records["evidence", e.id] = e
    for hit in result.hits:
        hit.record = records.get((hit.kind, hit.ref_id))
    result.hits = [h for h in result.hits if h.record is not None]
    claim_ids = [h.ref_id for h in result.hits if h.kind == "claim"]
    claim_ids += [h.record.claim_id for h in result.hits if h.kind == "evidence"]
    if claim_ids:
        from claims.models import Verdict

        result.ratings = {
            v.claim_id: v.rating
            for v in Verdict.select(Verdict.claim, Rating)
            .join(Rating)
            .where(Verdict.claim.in_(claim_ids) & Verdict.current)
        }


def reviewers() -> list[User]:
    """Accounts a search can be narrowed to (active, by name)."""
    return list(User.select().where(User.active).order_by(User.display_name, User.username))
