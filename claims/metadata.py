"""The bibliographic metadata of a fetched web page (title, publisher, author, date, description)
for the source library. Pure: no Flask, no database.

Each field takes the first non-empty value from, in order: Highwire/Google Scholar ``citation_*``
meta tags, JSON-LD, Open Graph, Dublin Core, plain meta tags, the ``<title>`` element, and last
trafilatura's heuristics (bylines, ``<time>`` elements, dates in the URL) for what is still missing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from html import unescape
from typing import Any, TypeVar

import lxml.html
import trafilatura
from dateutil import parser as dateparser
from lxml import etree

from claims.text import one_line

# The same limits as claims.models (TITLE_MAX, NAME_MAX), which cannot be imported here: it pulls
# in the database layer.
TITLE_MAX = 500
NAME_MAX = 300
DESCRIPTION_MAX = 1_000

# trafilatura's heuristics cost about half a second per megabyte of HTML; past this size a page's
# meta tags and JSON-LD are all that is read.
GUESS_MAX = 1_000_000

ARTICLE_TYPES = frozenset(
    {
        "Article",
        "NewsArticle",
        "AnalysisNewsArticle",
        "AskPublicNewsArticle",
        "BackgroundNewsArticle",
        "OpinionNewsArticle",
        "ReportageNewsArticle",
        "ReviewNewsArticle",
        "SatiricalArticle",
        "AdvertiserContentArticle",
        "Report",
        "ScholarlyArticle",
        "MedicalScholarlyArticle",
        "TechArticle",
        "BlogPosting",
        "LiveBlogPosting",
        "SocialMediaPosting",
        "DiscussionForumPosting",
    }
)
DOCUMENT_TYPES = frozenset(
    {
        "CreativeWork",
        "Legislation",
        "LegislationObject",
        "GovernmentPermit",
        "Dataset",
        "Book",
        "Chapter",
        "Thesis",
        "Review",
        "Claim",
        "PodcastEpisode",
        "VideoObject",
        "AudioObject",
        "MediaObject",
    }
)
PAGE_TYPES = frozenset(
    {
        "WebPage",
        "ItemPage",
        "AboutPage",
        "CollectionPage",
        "ContactPage",
        "FAQPage",
        "QAPage",
        "ProfilePage",
        "MedicalWebPage",
        "SearchResultsPage",
    }
)
# JSON-LD nodes in the order their fields are trusted: the article before the page that holds it.
_TIERS = (ARTICLE_TYPES, DOCUMENT_TYPES, PAGE_TYPES)
_MAX_NODES = 500

_SPACE_RUN = re.compile(r"\s+")
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")  # those that are not white space
_URL_LIKE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//|^www\.", re.I)
_TITLE_SEPARATOR = re.compile(r"\s+[|\-\u2013\u2014\u00b7\u00bb/]{1,2}\s+")
_AMBIGUOUS_DATE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})$")
_JSON_WRAPPER = re.compile(r"^\s*(?://\s*)?(?:<!--|<!\[CDATA\[)|(?://\s*)?(?:-->|\]\]>)\s*$")
# Two defaults: a date that comes out differently under each was missing its day, month or year.
_DEFAULTS = (datetime(2000, 1, 1), datetime(2001, 2, 2))
_YEARS = range(1800, 2201)
_T = TypeVar("_T")


@dataclass(frozen=True)
class PageMetadata:
    """What a page says about itself; None where it says nothing usable."""

    title: str | None = None
    publisher: str | None = None
    author: str | None = None
    published: date | None = None
    description: str | None = None


def page_metadata(html: str, url: str | None = None) -> PageMetadata:
    """The title, publisher, author, publication date and description an HTML page declares.

    Never raises: a page that cannot be parsed gives empty fields.
    """
    tree = _parse(html)
    if tree is None:
        return PageMetadata()
    meta = _meta_tags(tree)
    nodes, index = _json_ld(tree)

    publisher = _first(
        _clean(v, NAME_MAX)
        for v in _chain(
            _meta(
                meta, "citation_publisher", "citation_journal_title", "citation_conference_title"
            ),
            _ld_names(nodes, index, "publisher"),
            _meta(meta, "og:site_name", "dc.publisher", "dcterms.publisher", "application-name"),
        )
    )
    title = _first(
        _clean(v, TITLE_MAX)
        for v in _chain(
            _meta(meta, "citation_title"),
            _ld_texts(nodes, "headline", "name"),
            _meta(meta, "og:title", "twitter:title", "dc.title", "dcterms.title"),
        )
    ) or _page_title(tree, publisher)
    author = _first(
        _authors(names)
        for names in (
            meta.get("citation_author", []),
            meta.get("citation_authors", []),
            *(_ld_name_list(node.get("author"), index) for node in nodes),
            meta.get("article:author", []),
            meta.get("dc.creator", []),
            meta.get("dcterms.creator", []),
            meta.get("author", []),
        )
    )
    published = _first(
        parse_date(v)
        for v in _chain(
            _meta(meta, "citation_publication_date", "citation_date", "citation_online_date"),
            _ld_texts(nodes, "datePublished", "dateCreated"),
            _meta(meta, "article:published_time"),
            _meta(meta, "dc.date", "dc.date.issued", "dcterms.date", "dcterms.issued"),
            _meta(meta, "dcterms.created", "date", "pubdate", "publish-date", "publishdate"),
        )
    )
    description = _first(
        _clean(v, DESCRIPTION_MAX)
        for v in _chain(
            _ld_texts(nodes, "description"),
            _meta(meta, "og:description", "twitter:description"),
            _meta(meta, "dc.description", "dcterms.description", "dcterms.abstract"),
            _meta(meta, "description"),
        )
    )

    if not (title and author and published) and len(html) <= GUESS_MAX:
        guess = _guess(tree, url)
        if guess is not None:
            title = title or _clean(guess.title, TITLE_MAX)
            author = author or _clean(guess.author, NAME_MAX)
            published = published or parse_date(guess.date)
    return PageMetadata(
        title=title,
        publisher=publisher,
        author=author,
        published=published,
        description=description,
    )


def parse_date(value: str | None) -> date | None:
    """The calendar date a meta tag states: ISO 8601 (the date as written, whatever the offset),
    "2025/03/14", "14 March 2025", "March 14, 2025". None for partial, ambiguous or odd values."""
    value = " ".join(unescape(value[:200]).split()) if value else ""
    if not value or len(value) > 64 or not any(c.isdigit() for c in value):
        return None
    found: date | None
    try:
        found = datetime.fromisoformat(value).date()
    except ValueError:
        found = _parse_loose_date(value)
    return found if found is not None and found.year in _YEARS else None


def _parse_loose_date(value: str) -> date | None:
    numeric = _AMBIGUOUS_DATE.match(value)
    if numeric and int(numeric[1]) <= 12 and int(numeric[2]) <= 12 and numeric[1] != numeric[2]:
        return None  # 03/04/2025: March or April depends on the country
    try:
        first, second = (
            dateparser.parse(value, default=default, ignoretz=True).date() for default in _DEFAULTS
        )
    except (ValueError, OverflowError):
        return None
    return first if first == second else None


def _parse(html: str) -> Any:
    if not html or not html.strip():
        return None
    # Bytes with an explicit encoding: libxml2 then ignores <meta charset> and <?xml encoding?>,
    # which describe the bytes the page was fetched as, not this already decoded text; and
    # huge_tree, or a deep or long page stops being read partway.
    body = html.replace("\x00", "").encode("utf-8", "replace")
    parser = lxml.html.HTMLParser(encoding="utf-8", huge_tree=True)
    try:
        return lxml.html.document_fromstring(body, parser=parser)
    except (etree.LxmlError, ValueError):
        return None


def _meta_tags(tree: Any) -> dict[str, list[str]]:
    """Every meta tag's content by its lower-cased name and property, in document order."""
    meta: dict[str, list[str]] = {}
    for element in tree.iter("meta"):
        content = element.get("content")
        if not content:
            continue
        keys = {(element.get(attr) or "").strip().lower() for attr in ("name", "property")}
        for key in keys - {""}:
            meta.setdefault(key, []).append(content)
    return meta


def _meta(meta: dict[str, list[str]], *names: str) -> Iterator[str]:
    for name in names:
        yield from meta.get(name, [])


def _chain(*sources: Iterable[str | None]) -> Iterator[str | None]:
    for source in sources:
        yield from source


def _first(values: Iterable[_T | None]) -> _T | None:
    return next((value for value in values if value), None)


def _clean(value: str | None, cap: int) -> str | None:
    """One line of plain text, entities decoded, at most cap characters."""
    if not value:
        return None
    # Line breaks and tabs become spaces here, before one_line, which would drop them and join
    # the words around them; regexes, fast on megabytes, so the cut keeps every word that fits.
    value = _SPACE_RUN.sub(" ", _CONTROLS.sub("", unescape(value)))[: cap * 2]
    value = one_line(value)
    if len(value) > cap:
        value = value[: cap - 1].rstrip() + "\u2026"
    return value or None


def _authors(names: Iterable[str]) -> str | None:
    """Names joined with "; ", profile URLs and repeats left out."""
    kept: dict[str, None] = {}
    for name in names:
        cleaned = _clean(name, NAME_MAX)
        if cleaned and not _URL_LIKE.match(cleaned):
            kept.setdefault(cleaned, None)
    return _clean("; ".join(kept), NAME_MAX)


def _page_title(tree: Any, publisher: str | None) -> str | None:
    """The <title> element, less a trailing " | Publisher" when it names the publisher found."""
    element = next(
        (e for e in tree.iter("title") if not any(a.tag == "svg" for a in e.iterancestors())),
        None,
    )
    title = _clean(element.text_content(), TITLE_MAX) if element is not None else None
    if not title or not publisher:
        return title
    for separator in reversed(list(_TITLE_SEPARATOR.finditer(title))):
        head, tail = title[: separator.start()].strip(), title[separator.end() :]
        if head and tail.casefold() == publisher.casefold():
            return head
    return title


def _json_ld(tree: Any) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """The JSON-LD nodes that describe a work, most article-like first, and every node by @id."""
    found: list[dict[str, Any]] = []
    for script in tree.iter("script"):
        kind = (script.get("type") or "").split(";")[0].strip().lower()
        if kind != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(_JSON_WRAPPER.sub("", script.text), strict=False)
        except (ValueError, RecursionError):
            continue  # a page's broken JSON-LD is the page's problem, not the reader's
        stack = [data]
        while stack and len(found) < _MAX_NODES:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(reversed(item))
            elif isinstance(item, dict):
                found.append(item)
                if "@graph" in item:
                    stack.append(item["@graph"])
    index = {node["@id"]: node for node in found if isinstance(node.get("@id"), str)}
    ranked = sorted(
        ((rank, node) for node in found if (rank := _rank(node)) is not None),
        key=lambda pair: pair[0],
    )
    return [node for _, node in ranked], index


def _rank(node: dict[str, Any]) -> int | None:
    types = node.get("@type")
    names = {
        t.rsplit("/", 1)[-1].rsplit(":", 1)[-1]
        for t in (types if isinstance(types, list) else [types])
        if isinstance(t, str)
    }
    return next((rank for rank, tier in enumerate(_TIERS) if names & tier), None)


def _ld_text(value: Any) -> str | None:
    """A JSON-LD literal: a string, a {"@value": ...} object, or the first of a list of them."""
    if isinstance(value, list):
        return next(filter(None, (_ld_text(v) for v in value if not isinstance(v, list))), None)
    if isinstance(value, dict):
        value = value.get("@value")
    return value if isinstance(value, str) else None


def _ld_texts(nodes: list[dict[str, Any]], *keys: str) -> Iterator[str | None]:
    for node in nodes:
        for key in keys:
            yield _ld_text(node.get(key))


def _ld_name_list(value: Any, index: dict[str, dict[str, Any]]) -> list[str]:
    """The names of a person or organization: a string, an object (or a reference to one in
    the @graph), or a list of them."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [n for v in value if not isinstance(v, list) for n in _ld_name_list(v, index)]
    if not isinstance(value, dict):
        return []
    if "name" not in value and isinstance(value.get("@id"), str):
        value = index.get(value["@id"], value)
    name = _ld_text(value.get("name"))
    if not name:
        parts = (_ld_text(value.get(key)) for key in ("givenName", "familyName"))
        name = " ".join(filter(None, parts))
    return [name] if name else []


def _ld_names(
    nodes: list[dict[str, Any]], index: dict[str, dict[str, Any]], key: str
) -> Iterator[str]:
    for node in nodes:
        yield "; ".join(_ld_name_list(node.get(key), index))


def _guess(tree: Any, url: str | None) -> Any:
    try:
        return trafilatura.extract_metadata(tree, default_url=url, extensive=False)
    except Exception:  # heuristics are a bonus: whatever goes wrong in them, the meta tags stand
        return None
