"""Builds a synthetic but realistic corpus directly in the database (fast bulk inserts).

Audit events are chained with the product's own hash function, so `audit verify` walks a real
chain; they are written in bulk rather than through the services because a million events through
the full write path would take the benchmark longer than the measurements themselves.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from claims import audit
from claims.db import db, utcnow
from claims.models import AuditEvent, User

ACTIONS = [
    ("claim", "claim.update", "article"),
    ("claim", "claim.create", "article"),
    ("evidence", "evidence.create", "claim"),
    ("verdict", "verdict.propose", "claim"),
    ("verdict", "verdict.approve", "claim"),
    ("source", "source.create", None),
    ("snapshot", "snapshot.create", "source"),
    ("article", "article.import", None),
    ("user", "login.succeeded", None),
]
BATCH = 5000


def make_users(count: int) -> list[User]:
    """Reviewers, editors and an admin (password hashes are placeholders: nobody logs in)."""
    rows = []
    for i in range(count):
        role = "admin" if i == 0 else ("editor" if i % 5 == 1 else "reviewer")
        rows.append(
            {
                "username": f"user{i}",
                "username_key": f"user{i}",
                "display_name": f"User {i}",
                "password_hash": "!",
                "role": role,
            }
        )
    with db.atomic():
        User.insert_many(rows).execute()
    return list(User.select().order_by(User.id))


def make_audit_events(count: int, users: list[User], seed: int = 7) -> None:
    """Append `count` chained events spread over the last two years."""
    rng = random.Random(seed)
    last = AuditEvent.select(AuditEvent.hash).order_by(AuditEvent.id.desc()).first()
    prev = last.hash if last else audit.GENESIS_HASH
    start = utcnow() - timedelta(days=730)
    step = timedelta(days=730) / max(count, 1)
    batch: list[dict[str, Any]] = []
    for i in range(count):
        entity_type, action, parent_type = ACTIONS[rng.randrange(len(ACTIONS))]
        user = users[rng.randrange(len(users))]
        entity_id = rng.randrange(1, 100_000)
        before = audit.canonical_json({"status": "new"}) if action.endswith("update") else None
        after = audit.canonical_json(
            {"status": "in_research", "note": f"checked figure {rng.randrange(10**6)}"}
        )
        fields: dict[str, Any] = {
            "at": start + step * i,
            "actor_id": user.id,
            "actor_name": user.username,
            "action": action,
            "entity_type": entity_type,
            "entity_id": entity_id,
            "parent_type": parent_type,
            "parent_id": rng.randrange(1, 2000) if parent_type else None,
            "before": before,
            "after": after,
            "ip": "10.1.2.3",
            "request_id": f"{i:032x}",
            "prev_hash": prev,
        }
        fields["hash"] = prev = audit.event_hash(**fields)
        batch.append(fields)
        if len(batch) == BATCH:
            with db.atomic():
                AuditEvent.insert_many(batch).execute()
            batch = []
    if batch:
        with db.atomic():
            AuditEvent.insert_many(batch).execute()
