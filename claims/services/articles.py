"""Articles: import of the text and its metadata."""

from __future__ import annotations

import hashlib
from datetime import date

import peewee

from claims import audit
from claims.audit import Actor
from claims.db import db
from claims.errors import NotFoundError, ValidationError
from claims.models import (
    ARTICLE_TEXT_MAX,
    NAME_MAX,
    TITLE_MAX,
    URL_MAX,
    Article,
    User,
    field_values,
)


def text_sha256(text: str) -> str:
    """The fingerprint of an article's text (UTF-8)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def get_article(article_id: int) -> Article:
    """Return an article. Raises NotFoundError if there is none."""
    article = Article.get_or_none(Article.id == article_id)
    if article is None:
        raise NotFoundError("No such article.")
    return article


def recent_articles(limit: int) -> peewee.ModelSelect[Article]:
    """The most recently imported articles with their importer, newest first."""
    return (
        Article.select(Article, User)
        .join(User)
        .order_by(Article.imported_at.desc(), Article.id.desc())
        .limit(limit)
    )


def _optional(value: str | None, limit: int, field: str) -> str | None:
    value = " ".join((value or "").split())
    if len(value) > limit:
        raise ValidationError(f"At most {limit} characters.", field=field)
    return value or None


def import_text(
    actor: Actor,
    text: str,
    *,
    title: str = "",
    url: str | None = None,
    publisher: str | None = None,
    byline: str | None = None,
    published_date: date | None = None,
) -> tuple[Article, bool]:
    """Store an article's text; the same text again returns the existing article.

    Returns (article, created). Raises ValidationError for empty, NUL-containing or oversized text.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise ValidationError("The article has no text.", field="text")
    if "\x00" in text:
        raise ValidationError("The text contains NUL bytes; is it a binary file?", field="text")
    if len(text) > ARTICLE_TEXT_MAX:
        raise ValidationError(
            f"The article is longer than {ARTICLE_TEXT_MAX:,} characters.", field="text"
        )
    digest = text_sha256(text)
    existing = Article.get_or_none(Article.text_sha256 == digest)
    if existing is not None:
        return existing, False
    first_line = next(line.strip() for line in text.splitlines() if line.strip())
    values = {
        "title": _optional(title, TITLE_MAX, "title") or first_line[:TITLE_MAX],
        "url": _optional(url, URL_MAX, "url"),
        "publisher": _optional(publisher, NAME_MAX, "publisher"),
        "byline": _optional(byline, NAME_MAX, "byline"),
        "published_date": published_date,
    }
    if actor.user_id is None:
        raise ValidationError("An article must be imported by a user.")
    with db.atomic():
        article = Article.create(text=text, text_sha256=digest, imported_by=actor.user_id, **values)
        after = field_values(article, exclude=frozenset({"text"}))
        after["text_length"] = len(text)
        audit.record(actor, "article.import", "article", article.id, after=after)
    return article, True
