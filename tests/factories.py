"""Test data made through the services, so that audit events are real."""

from __future__ import annotations

from typing import Any

from claims import documents
from claims.audit import Actor
from claims.models import Source
from claims.services import articles, users

PASSWORD = "correct horse battery staple"
SYSTEM = Actor.system("factory")


def user(username: str, role: str = "reviewer", password: str = PASSWORD) -> Any:
    """Create an account."""
    return users.create_user(SYSTEM, username, password, role, username.capitalize())


def actor_for(account: Any) -> Actor:
    """The actor a signed-in user would be."""
    return Actor(account.id, account.username, "127.0.0.1", "test-request")


def article(account: Any, text: str = "The council approved a $48 million flood wall.") -> Any:
    """Import an article as a user."""
    document = articles.with_metadata(documents.read_text(text), title="A test article")
    created, _ = articles.import_document(actor_for(account), document)
    return created


def source(title: str = "Ministry statement", url: str | None = None, **fields: Any) -> Any:
    """A source added by hand (no fetch): with `url`, it is stored under that address."""
    from claims.services import sources

    created, _, _ = sources.add_source(
        Actor.system("factory"), None, sources.SourceFields(title=title, **fields), {}
    )
    if url is not None:
        Source.update(url=url, url_key=sources.url_key(url)).where(
            Source.id == created.id
        ).execute()
    return Source.get_by_id(created.id)


def fetched(url: str, body: bytes, content_type: str = "text/html", status: int = 200) -> Any:
    """A FetchResult as the fetcher would return it, for storing snapshots without a server."""
    from datetime import UTC, datetime

    from claims.fetch import FetchResult

    return FetchResult(
        url=url,
        final_url=url,
        status=status,
        content_type=content_type,
        body=body,
        encoding="utf-8",
        fetched_at=datetime.now(UTC).replace(tzinfo=None),
    )


def snapshot(source_obj: Any, body: bytes, content_type: str = "text/html") -> Any:
    """Store a snapshot of `source_obj` as a re-fetch would (with its audit events)."""
    from claims.services import sources

    page = sources.read_page(fetched(source_obj.url or "https://example.org/", body, content_type))
    return sources.record_check(Actor.system("factory"), source_obj, page, None).snapshot
