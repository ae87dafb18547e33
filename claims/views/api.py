"""The JSON API. Conventions: session or bearer-token auth, errors as {"error": {code, message}}."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, current_app, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from claims import audit
from claims.errors import NotFoundError, ValidationError
from claims.models import AuditEvent, User
from claims.views.access import allow

bp = Blueprint("api", __name__, url_prefix="/api")


def user_json(user: User) -> dict[str, Any]:
    """The public fields of an account."""
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "active": bool(user.active),
    }


@bp.route("/me")
@allow("reviewer")
def me() -> ResponseReturnValue:
    return jsonify(user_json(current_user))


def page_limit() -> int:
    """The page size asked for with ?limit=, capped at MAX_PAGE_SIZE.

    Raises ValidationError if it is not a positive whole number.
    """
    raw = request.args.get("limit")
    if raw is None:
        return int(current_app.config["PAGE_SIZE"])
    if not raw.isdigit() or int(raw) < 1:
        raise ValidationError("limit must be a positive whole number.", field="limit")
    return min(int(raw), int(current_app.config["MAX_PAGE_SIZE"]))


def _instant(name: str) -> datetime | None:
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise ValidationError(
            f"{name} must be an ISO 8601 date or date-time.", field=name
        ) from None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def _whole(name: str) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or int(raw) >= 2**31:
        raise ValidationError(f"{name} must be a positive whole number.", field=name)
    return int(raw)


@bp.route("/audit")
@allow("editor")
def audit_events() -> ResponseReturnValue:
    limit = page_limit()
    entity = request.args.get("entity") or None
    if entity is not None and entity not in audit.ENTITY_TYPES:
        raise ValidationError(
            f"entity must be one of: {', '.join(audit.ENTITY_TYPES)}.", field="entity"
        )
    flt = audit.EventFilter(
        actor=request.args.get("actor") or None,
        entity_type=entity,
        entity_id=_whole("entity_id"),
        action=request.args.get("action") or None,
        since=_instant("since"),
        until=_instant("until"),
        text=request.args.get("q") or None,
    )
    events = audit.search(flt, before_id=_whole("before"), limit=limit + 1)
    more = len(events) > limit
    events = events[:limit]
    next_url = None
    if more:
        args: dict[str, Any] = {k: v for k, v in request.args.items() if k != "before"}
        next_url = url_for("api.audit_events", before=events[-1].id, **args)
    return jsonify({"events": [audit.event_json(e) for e in events], "next": next_url})


@bp.route("/audit/<int:event_id>")
@allow("editor")
def audit_event(event_id: int) -> ResponseReturnValue:
    event = AuditEvent.get_or_none(AuditEvent.id == event_id)
    if event is None:
        raise NotFoundError("No such audit event.")
    return jsonify(audit.event_json(event))
