"""Articles: import (text, file or URL) with claim extraction in one transaction; metadata."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import date
from typing import Any

import peewee

from claims import audit, documents, extraction, fetch
from claims.audit import Actor
from claims.db import PreparedSelect, db
from claims.documents import Document
from claims.errors import (
    ConflictError,
    FetchFailedError,
    FetchRefusedError,
    NotFoundError,
    ValidationError,
)
from claims.models import (
    ARTICLE_LISTED,
    ARTICLE_TEXT_MAX,
    NAME_MAX,
    TITLE_MAX,
    URL_MAX,
    Article,
    ArticleRevision,
    User,
    field_values,
)
from claims.services.claims import create_claims
from claims.services.records import save_versioned
from claims.services.security import log_event, log_fetch_failure
from claims.text import one_line


def text_sha256(text: str) -> str:
    """The fingerprint of an article's text (UTF-8)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def get_article(article_id: int) -> Article:
    """Return an article. Raises NotFoundError if there is none."""
    article = Article.get_or_none(Article.id == article_id)
    if article is None:
        raise NotFoundError("No such article.")
    return article


def recent_articles(limit: int) -> list[Article]:
    """The most recently imported articles with their importer, newest first."""
    return _RECENT(limit)


_RECENT = PreparedSelect(
    lambda limit: (
        Article.select(*ARTICLE_LISTED, User)
        .join(User)
        .order_by(Article.imported_at.desc(), Article.id.desc())
        .limit(limit)
    )
)


def _optional(value: str | None, limit: int, field: str) -> str | None:
    value = one_line(value)
    if len(value) > limit:
        raise ValidationError(f"At most {limit} characters.", field=field)
    return value or None


def with_metadata(
    document: Document,
    *,
    title: str | None = None,
    publisher: str | None = None,
    byline: str | None = None,
    published: date | None = None,
) -> Document:
    """The document with what the reviewer typed in place of what its source said."""
    return replace(
        document,
        title=title or document.title,
        publisher=publisher or document.publisher,
        byline=byline or document.byline,
        published=published or document.published,
    )


def fetch_document(actor: Actor, url: str, options: dict[str, Any]) -> Document:
    """Fetch a page through the one fetcher (with `options` from config.fetch_options) and read
    its article; a refusal or failure is recorded as a security event.

    Raises FetchRefusedError, FetchFailedError, or ValidationError if no text is found.
    """
    try:
        result = fetch.fetch(url, **options)
    except (FetchRefusedError, FetchFailedError) as exc:
        log_fetch_failure(actor, exc, url)
        raise
    return documents.read_bytes(
        result.body, content_type=result.content_type, charset=result.encoding, url=result.final_url
    )


def import_document(actor: Actor, document: Document) -> tuple[Article, bool]:
    """Store an article and the claims extracted from it, all or nothing.

    Returns (article, created); the same text again returns the existing article with created
    False. Raises ValidationError for empty or oversized text or bad metadata.
    """
    if actor.user_id is None:
        raise ValidationError("An article must be imported by a user.")
    text = document.text
    if not text.strip():
        raise ValidationError("The article has no text.", field="text")
    if len(text) > ARTICLE_TEXT_MAX:
        raise ValidationError(
            f"The article is longer than {ARTICLE_TEXT_MAX:,} characters.", field="text"
        )
    digest = text_sha256(text)
    existing = Article.get_or_none(Article.text_sha256 == digest)
    if existing is not None:
        return existing, False
    values: dict[str, Any] = {
        "title": _optional(document.title, TITLE_MAX, "title")
        or text.split("\n", 1)[0][:TITLE_MAX],
        "url": _optional(document.url, URL_MAX, "url"),
        "publisher": _optional(document.publisher, NAME_MAX, "publisher"),
        "byline": _optional(document.byline, NAME_MAX, "byline"),
        "published_date": document.published,
    }
    # Extraction is pure and fast: done before the transaction so the write lock is held briefly.
    extracted = extraction.extract(text)
    try:
        with db.atomic():
            article = Article.create(
                text=text, text_sha256=digest, imported_by=actor.user_id, **values
            )
            ArticleRevision.create(
                article=article.id,
                number=1,
                text=text,
                text_sha256=digest,
                origin="import",
                final_url=values["url"],
                created_by=actor.user_id,
                created_at=article.imported_at,
            )
            after = field_values(article, exclude=frozenset({"text"}))
            after["text_length"] = len(text)
            after["claims_extracted"] = len(extracted)
            audit.record(actor, "article.import", "article", article.id, after=after)
            create_claims(actor, article, extracted)
    except peewee.IntegrityError:
        # Someone imported the same text at the same moment: theirs stands.
        existing = Article.get_or_none(Article.text_sha256 == digest)
        if existing is None:
            raise
        return existing, False
    return article, True


def update_metadata(
    actor: Actor,
    article_id: int,
    version: int,
    *,
    title: str,
    url: str | None,
    publisher: str | None,
    byline: str | None,
    published: date | None,
) -> Article:
    """Edit an article's title, URL, publisher, byline and date, if unchanged since `version`.

    Raises ValidationError for an empty title, ConflictError for a stale version.
    """
    values = {
        "title": _optional(title, TITLE_MAX, "title"),
        "url": _optional(url, URL_MAX, "url"),
        "publisher": _optional(publisher, NAME_MAX, "publisher"),
        "byline": _optional(byline, NAME_MAX, "byline"),
        "published_date": published,
    }
    if not values["title"]:
        raise ValidationError("An article needs a title.", field="title")
    if values["url"] and not fetch.is_web_address(str(values["url"])):
        log_event(actor, "validation.url", details={"url": values["url"], "field": "article.url"})
        raise ValidationError(
            "Give the article's http or https address, with its host and no password in it.",
            field="url",
        )
    with db.atomic():
        article = get_article(article_id)
        if article.version != version:
            raise ConflictError("Someone else changed this article since you opened it.")
        return save_versioned(
            actor,
            article,
            values,
            action="article.update",
            noun="article",
            exclude=frozenset({"text"}),
        )
