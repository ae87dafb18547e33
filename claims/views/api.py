"""The JSON API. Conventions: session or bearer-token auth, errors as {"error": {code, message}}."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, Protocol, TypeVar

from flask import Blueprint, current_app, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from claims import audit, documents, extraction
from claims.config import fetch_options
from claims.errors import FetchFailedError, FetchRefusedError, NotFoundError, ValidationError
from claims.models import Article, AuditEvent, Claim, Quantity, User
from claims.services import articles, claims, security
from claims.views.access import allow, current_actor

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


class _Row(Protocol):
    id: Any


T = TypeVar("T", bound=_Row)


def keyset_page(
    fetch: Callable[[], list[T]], limit: int, cursor: str
) -> tuple[list[T], str | None]:
    """One page of rows (fetched with limit + 1 to learn whether more follow) and the URL of
    the next page: this request's URL with the `cursor` parameter set to the last row's id."""
    rows = fetch()
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    args: dict[str, Any] = {k: v for k, v in request.args.items() if k != cursor}
    args[cursor] = rows[-1].id
    return rows, url_for(str(request.endpoint), **args)


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
    events, next_url = keyset_page(
        lambda: audit.search(flt, before_id=_whole("before"), limit=limit + 1), limit, "before"
    )
    return jsonify({"events": [audit.event_json(e) for e in events], "next": next_url})


@bp.route("/audit/<int:event_id>")
@allow("editor")
def audit_event(event_id: int) -> ResponseReturnValue:
    event = AuditEvent.get_or_none(AuditEvent.id == event_id)
    if event is None:
        raise NotFoundError("No such audit event.")
    return jsonify(audit.event_json(event))


def json_body() -> dict[str, Any]:
    """The request's JSON object.

    Raises ValidationError unless the body is a JSON object.
    """
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationError("Send a JSON object with 'Content-Type: application/json'.")
    return body


def text_field(body: dict[str, Any], name: str, *, required: bool = False) -> str | None:
    """A string member of a JSON body. Raises ValidationError for another type or a missing one."""
    value = body.get(name)
    if value is None:
        if required:
            raise ValidationError(f"{name} is required.", field=name)
        return None
    if not isinstance(value, str):
        raise ValidationError(f"{name} must be a string.", field=name)
    return value


def date_field(body: dict[str, Any], name: str) -> date | None:
    """An ISO 8601 date member. Raises ValidationError if it is not one."""
    value = text_field(body, name)
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise ValidationError(f"{name} must be an ISO 8601 date.", field=name) from None


def claim_json(claim: Claim, quantities: list[Quantity]) -> dict[str, Any]:
    """A claim as the API shows it: the extractor's shape plus its place in the workflow."""
    return {
        "id": claim.id,
        "article_id": claim.article_id,
        **extraction.to_json(claim, quantities),
        "checkworthiness": round(claim.checkworthiness, 4),
        "status": claim.status,
        "dismissed_reason": claim.dismissed_reason,
        "assignee_id": claim.assignee_id,
        "version": claim.version,
        "created_at": claim.created_at.isoformat() + "Z",
        "updated_at": claim.updated_at.isoformat() + "Z",
    }


def claims_json(claim_list: list[Claim]) -> list[dict[str, Any]]:
    """Several claims with their quantities, in two queries."""
    grouped = claims.quantities_of(claim_list)
    return [claim_json(c, grouped[c.id]) for c in claim_list]


def article_json(article: Article, *, with_text: bool) -> dict[str, Any]:
    """An article with its claims (and its text when asked)."""
    data: dict[str, Any] = {
        "id": article.id,
        "title": article.title,
        "url": article.url,
        "publisher": article.publisher,
        "byline": article.byline,
        "published": article.published_date.isoformat() if article.published_date else None,
        "text_sha256": article.text_sha256,
        "imported_by_id": article.imported_by_id,
        "imported_at": article.imported_at.isoformat() + "Z",
        "version": article.version,
    }
    if with_text:
        data["text"] = article.text
    data["claims"] = claims_json(claims.article_claims(article.id))
    return data


@bp.route("/articles", methods=["POST"])
@allow("reviewer")
def import_article() -> ResponseReturnValue:
    body = json_body()
    text, url = text_field(body, "text"), text_field(body, "url")
    if bool(text and text.strip()) == bool(url and url.strip()):
        raise ValidationError("Send either 'text' or 'url'.", field="text")
    if url:
        try:
            document = articles.fetch_document(url.strip(), fetch_options(current_app.config))
        except (FetchRefusedError, FetchFailedError) as exc:
            security.log_event(
                current_actor(), exc.code.replace("_", "."), details={"url": url[:2048]}
            )
            raise
    else:
        document = documents.read_text(text or "")
    document = articles.with_metadata(
        document,
        title=text_field(body, "title"),
        publisher=text_field(body, "publisher"),
        byline=text_field(body, "byline"),
        published=date_field(body, "published"),
    )
    article, created = articles.import_document(current_actor(), document)
    return jsonify(article_json(article, with_text=True)), 201 if created else 200


@bp.route("/articles/<int:article_id>")
@allow("reviewer")
def get_article(article_id: int) -> ResponseReturnValue:
    return jsonify(article_json(articles.get_article(article_id), with_text=True))


@bp.route("/claims")
@allow("reviewer")
def list_claims() -> ResponseReturnValue:
    limit = page_limit()
    flt = claims.ClaimFilter(
        article_id=_whole("article"),
        status=request.args.get("status") or None,
        kind=request.args.get("kind") or None,
    )
    found, next_url = keyset_page(
        lambda: claims.search_claims(flt, after_id=_whole("after"), limit=limit + 1), limit, "after"
    )
    return jsonify({"claims": claims_json(found), "next": next_url})


@bp.route("/claims/<int:claim_id>")
@allow("reviewer")
def get_claim(claim_id: int) -> ResponseReturnValue:
    claim = claims.get_claim(claim_id)
    return jsonify(claims_json([claim])[0])


@bp.route("/claims/<int:claim_id>", methods=["PATCH"])
@allow("reviewer")
def edit_claim(claim_id: int) -> ResponseReturnValue:
    body = json_body()
    version = body.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise ValidationError(
            "Send the 'version' of the claim you read; edits without it are refused.",
            field="version",
        )
    claim = claims.update_claim(
        current_actor(),
        claim_id,
        version,
        statement=text_field(body, "statement"),
        kind=text_field(body, "kind"),
    )
    return jsonify(claims_json([claim])[0])
