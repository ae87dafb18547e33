"""Security events that change no record: refused logins, CSRF failures, denied access."""

from __future__ import annotations

from typing import Any

from claims import audit, logs
from claims.audit import Actor
from claims.db import db
from claims.errors import ClaimsError
from claims.models import URL_MAX
from claims.text import one_line


def log_event(
    actor: Actor,
    action: str,
    *,
    entity_type: str = "security",
    entity_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Record one security event in the audit trail, in a transaction of its own."""
    with db.atomic():
        audit.record(actor, action, entity_type, entity_id, after=details or {})
    logs.security_event(actor.name, actor.ip, action, details)


def log_fetch_failure(actor: Actor, error: ClaimsError, url: str) -> None:
    """A refused or failed fetch of an address a user gave (fetch.refused / fetch.failed)."""
    log_event(actor, error.code.replace("_", "."), details={"url": one_line(url)[:URL_MAX]})
