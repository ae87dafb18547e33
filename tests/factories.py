"""Test data made through the services, so that audit events are real."""

from __future__ import annotations

from typing import Any

from claims import documents
from claims.audit import Actor
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
