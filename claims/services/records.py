"""The one way a versioned record is edited: compare-and-set on its version, with the audit
event of what changed, inside the caller's transaction."""

from __future__ import annotations

from typing import Any, TypeVar

import peewee

from claims import audit
from claims.audit import Actor
from claims.db import utcnow
from claims.errors import ConflictError
from claims.models import field_values

M = TypeVar("M", bound=peewee.Model)


def save_versioned(
    actor: Actor,
    row: M,
    values: dict[str, Any],
    *,
    action: str,
    noun: str,
    parent: tuple[str, int] | None = None,
    exclude: frozenset[str] = frozenset(),
) -> M:
    """Write `values` to `row` if its version is still the one it was read at, bump the
    version (and updated_at where the table has one), and record the changed fields.

    Raises ConflictError if someone saved it in between.
    """
    model = type(row)
    version: int = row.__data__["version"]
    version_field = model._meta.fields["version"]
    before = field_values(row, exclude=exclude)
    stamp = {"updated_at": utcnow()} if "updated_at" in model._meta.fields else {}
    updated = (
        model.update(**values, **stamp, version=version + 1)
        .where((model._meta.primary_key == row.get_id()) & (version_field == version))
        .execute()
    )
    if updated != 1:
        raise ConflictError(f"Someone else changed this {noun} at the same moment.")
    fresh = model.get_by_id(row.get_id())
    old, new = audit.changes(before, field_values(fresh, exclude=exclude))
    entity = model._meta.table_name
    audit.record(actor, action, entity, fresh.get_id(), before=old, after=new, parent=parent)
    return fresh
