"""The JSON API. Conventions: session or bearer-token auth, errors as {"error": {code, message}}."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any, Protocol, TypeVar

from flask import Blueprint, current_app, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from claims import audit, documents
from claims.config import fetch_options, publisher
from claims.errors import ClaimsError, ValidationError
from claims.export.records import (
    article_json,
    claims_json,
    evidence_json,
    outcome_json,
    rating_json,
    revision_json,
    snapshot_json,
    source_json,
    verdict_json,
)
from claims.models import CHECK_STATES, SOURCE_KINDS, Rating, Source, User
from claims.services import (
    articles,
    claims,
    evidence,
    matches,
    publishing,
    revisions,
    search,
    sources,
    verdicts,
)
from claims.text import drop_controls
from claims.views.access import allow, current_actor, query_args

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
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 10 or not 0 < int(raw) < 2**31:
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
    args: dict[str, Any] = query_args(cursor)
    args[cursor] = rows[-1].id
    return rows, url_for(str(request.endpoint), **args)


def _instant(name: str, *, end: bool = False) -> datetime | None:
    """A date or date-time parameter; a plain date as `until` includes that whole day, as on
    the audit page."""
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            return audit.day_after(day) if end else audit.day_start(day)
        value = datetime.fromisoformat(raw)
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value
    except (ValueError, OverflowError):
        raise ValidationError(
            f"{name} must be an ISO 8601 date or date-time.", field=name
        ) from None


def _short(name: str, limit: int) -> str | None:
    """A text parameter of at most `limit` characters (None when empty). Raises
    ValidationError when it is longer or holds control characters."""
    raw = request.args.get(name) or ""
    if len(raw) > limit:
        raise ValidationError(f"{name} is at most {limit} characters.", field=name)
    if drop_controls(raw, keep="") != raw:
        raise ValidationError(f"{name} must not contain control characters.", field=name)
    return raw or None


def _whole(name: str) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 10 or int(raw) >= 2**31:
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
        actor=_short("actor", 64),
        entity_type=entity,
        entity_id=_whole("entity_id"),
        action=_short("action", 64),
        since=_instant("since"),
        until=_instant("until", end=True),
        text=_short("q", 200),
    )
    events, next_url = keyset_page(
        lambda: audit.search(flt, before_id=_whole("before"), limit=limit + 1), limit, "before"
    )
    return jsonify({"events": [audit.event_json(e) for e in events], "next": next_url})


@bp.route("/audit/<id:event_id>")
@allow("editor")
def audit_event(event_id: int) -> ResponseReturnValue:
    return jsonify(audit.event_json(audit.get_event(event_id)))


def json_body() -> dict[str, Any]:
    """The request's JSON object.

    Raises ValidationError unless the body is a JSON object.
    """
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # nesting deeper than the parser's stack
        raise ValidationError("The JSON is nested too deeply.") from None
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
    # As the forms do: NUL, other control characters and lone surrogates never reach a service.
    return drop_controls(value)


def date_field(body: dict[str, Any], name: str) -> date | None:
    """An ISO 8601 date member. Raises ValidationError if it is not one."""
    value = text_field(body, name)
    if not value:
        return None
    try:
        return (
            date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value).date()
        )
    except ValueError:
        raise ValidationError(f"{name} must be an ISO 8601 date.", field=name) from None


@bp.route("/articles", methods=["POST"])
@allow("reviewer")
def import_article() -> ResponseReturnValue:
    body = json_body()
    text, url = text_field(body, "text"), text_field(body, "url")
    if bool(text and text.strip()) == bool(url and url.strip()):
        raise ValidationError("Send either 'text' or 'url'.", field="text")
    if url:
        document = articles.fetch_document(
            current_actor(), url.strip(), fetch_options(current_app.config)
        )
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


@bp.route("/articles/<id:article_id>")
@allow("reviewer")
def get_article(article_id: int) -> ResponseReturnValue:
    return jsonify(article_json(articles.get_article(article_id), with_text=True))


def _day(name: str) -> date | None:
    """A date parameter (a date-time counts by its day)."""
    value = _instant(name)
    return value.date() if value is not None else None


def _plain(marked: str) -> str:
    return marked.replace(search.START, "").replace(search.STOP, "")


def _hit_json(hit: search.Hit, ratings: dict[int, Rating]) -> dict[str, Any]:
    record = hit.record
    data: dict[str, Any] = {"type": hit.kind, "id": hit.ref_id}
    if hit.kind == "claim":
        data.update(
            title=record.statement,
            url=url_for("claims.show", claim_id=record.id),
            article_id=record.article_id,
            status=record.status,
            claim_id=record.id,
        )
    elif hit.kind == "article":
        data.update(title=record.title, url=url_for("articles.show", article_id=record.id))
    elif hit.kind == "source":
        data.update(title=record.title, url=url_for("sources.show", source_id=record.id))
    else:
        data.update(
            title=record.source.title,
            url=url_for("claims.show", claim_id=record.claim_id) + f"#evidence-{record.id}",
            claim_id=record.claim_id,
            status=record.claim.status,
        )
    rating = ratings.get(data.get("claim_id", 0))
    data["rating"] = rating.slug if rating is not None else None
    data["snippet"] = _plain(hit.snippet)
    data["matched"] = sorted(
        {w.casefold() for w in re.findall("\x02([^\x03]*)\x03", hit.title + hit.snippet)}
    )
    return data


@bp.route("/search")
@allow("reviewer")
def search_everything() -> ResponseReturnValue:
    raw_page = request.args.get("page", "1")
    if not (raw_page.isascii() and raw_page.isdigit()) or not 0 < int(raw_page) <= search.MAX_PAGE:
        raise ValidationError(
            f"page must be a whole number from 1 to {search.MAX_PAGE}.", field="page"
        )
    flt = search.SearchFilter(
        q=request.args.get("q", "")[: search.QUERY_MAX],
        kind=request.args.get("type") or None,
        status=request.args.get("status") or None,
        rating=request.args.get("rating") or None,
        article_id=_whole("article"),
        reviewer_id=_whole("reviewer"),
        since=_day("since"),
        until=_day("until"),
    )
    result = search.search(flt, int(raw_page), page_limit())
    args: dict[str, Any] = query_args("page")
    return jsonify(
        {
            "results": [_hit_json(h, result.ratings) for h in result.hits],
            "page": result.page,
            "total": result.total,
            "capped": result.capped,
            "next": url_for("api.search_everything", page=result.page + 1, **args)
            if result.more
            else None,
        }
    )


@bp.route("/articles/<id:article_id>/revisions")
@allow("reviewer")
def list_revisions(article_id: int) -> ResponseReturnValue:
    article = articles.get_article(article_id)
    return jsonify(
        {
            "article_id": article.id,
            "current_revision": article.current_revision,
            "check_state": article.check_state,
            "checked_at": article.checked_at.isoformat() + "Z" if article.checked_at else None,
            "check_error": article.check_error,
            "revisions": [revision_json(r) for r in revisions.revisions_of(article.id)],
        }
    )


@bp.route("/articles/<id:article_id>/revisions", methods=["POST"])
@allow("reviewer")
def add_revision(article_id: int) -> ResponseReturnValue:
    body = json_body()
    text = body.get("text")
    refetch = body.get("refetch", False)
    if not isinstance(refetch, bool):
        raise ValidationError("refetch must be true or false.", field="refetch")
    if text is not None and not isinstance(text, str):
        raise ValidationError("text must be a string.", field="text")
    if refetch == (text is not None):
        raise ValidationError("Send either 'text' or 'refetch': true.", field="text")
    if refetch:
        result = revisions.refetch_article(
            current_actor(), article_id, fetch_options(current_app.config)
        )
    else:
        result = revisions.paste_revision(current_actor(), article_id, text or "")
    offered = revisions.new_claims(result.revision, []) if result.created else []
    data = {
        "created": result.created,
        "revision": revision_json(result.revision),
        "claims": [outcome_json(o) for o in result.outcomes],
        "new_claims": [
            {"start": o.start, "end": o.end, "quote": o.quote, "kind": o.kind} for o in offered
        ],
    }
    return jsonify(data), 201 if result.created else 200


def _match_json(listed: matches.Listed) -> dict[str, Any]:
    verdict = listed.verdict
    return {
        "other_id": listed.other.id,
        "article_id": listed.other.article_id,
        "statement": listed.other.statement,
        "score": listed.match.score,
        "state": listed.match.state,
        "reasons": listed.reasons,
        "rating": verdict.rating.slug if verdict is not None else None,
        "rated_at": verdict.decided_at.isoformat() + "Z"
        if verdict is not None and verdict.decided_at
        else None,
    }


@bp.route("/claims/<id:claim_id>/matches")
@allow("reviewer")
def claim_matches(claim_id: int) -> ResponseReturnValue:
    claims.get_claim(claim_id)
    return jsonify({"matches": [_match_json(m) for m in matches.matches_of(claim_id)]})


@bp.route("/claims/<id:claim_id>/matches/<id:other_id>", methods=["POST"])
@allow("reviewer")
def decide_match(claim_id: int, other_id: int) -> ResponseReturnValue:
    body = json_body()
    confirm = body.get("confirm")
    if not isinstance(confirm, bool):
        raise ValidationError("confirm must be true or false.", field="confirm")
    matches.decide_match(current_actor(), claim_id, other_id, confirm)
    listed = [m for m in matches.matches_of(claim_id) if m.other.id == other_id]
    if listed:
        return jsonify(_match_json(listed[0]))
    return jsonify({"other_id": other_id, "state": "rejected"})


@bp.route("/claims/<id:claim_id>/recheck", methods=["POST"])
@allow("editor")
def confirm_recheck(claim_id: int) -> ResponseReturnValue:
    body = json_body()
    claim = revisions.confirm_verdict(current_actor(), claim_id, _version(body, "claim"))
    return jsonify(claims_json([claim])[0])


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


@bp.route("/claims/<id:claim_id>")
@allow("reviewer")
def get_claim(claim_id: int) -> ResponseReturnValue:
    claim = claims.get_claim(claim_id)
    return jsonify(claims_json([claim])[0])


@bp.route("/claims/<id:claim_id>", methods=["PATCH"])
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


def _version(body: dict[str, Any], what: str) -> int:
    version = body.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise ValidationError(
            f"Send the 'version' of the {what} you read; edits without it are refused.",
            field="version",
        )
    return version


def _int_field(body: dict[str, Any], name: str, *, required: bool = False) -> int | None:
    value = body.get(name)
    if value is None:
        if required:
            raise ValidationError(f"{name} is required.", field=name)
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 2**31:
        raise ValidationError(f"{name} must be a positive whole number.", field=name)
    return value


def _one_of(name: str, allowed: tuple[str, ...]) -> str | None:
    """A filter parameter that must be one of `allowed`. Raises ValidationError otherwise."""
    value = request.args.get(name) or None
    if value is not None and value not in allowed:
        raise ValidationError(f"{name} must be one of: {', '.join(allowed)}.", field=name)
    return value


@contextmanager
def _members(**renames: str) -> Iterator[None]:
    """Report a service's error against the JSON member the client sent (the services name
    the form fields: "source" is "source_id" here)."""
    try:
        yield
    except ClaimsError as exc:
        if exc.field in renames:
            exc.field = renames[exc.field]
        raise


def _source_fields(body: dict[str, Any]) -> sources.SourceFields:
    return sources.SourceFields(
        title=text_field(body, "title"),
        publisher=text_field(body, "publisher"),
        author=text_field(body, "author"),
        published=date_field(body, "published"),
        kind=text_field(body, "kind"),
        reliability=_int_field(body, "reliability"),
        reliability_note=text_field(body, "reliability_note"),
    )


def _full_source(source: Source) -> dict[str, Any]:
    return source_json(
        source,
        snapshots=sources.snapshots_of(source.id),
        cites=[c.cited_id for c in sources.citations_of(source.id)],
    )


@bp.route("/sources")
@allow("reviewer")
def list_sources() -> ResponseReturnValue:
    limit = page_limit()
    flt = sources.SourceFilter(
        q=_short("q", 200),
        kind=_one_of("kind", SOURCE_KINDS),
        state=_one_of("state", CHECK_STATES),
    )
    found, next_url = keyset_page(
        lambda: sources.library(flt, after_id=_whole("after"), limit=limit + 1), limit, "after"
    )
    latest = sources.latest_snapshots(s.id for s in found)
    return jsonify(
        {"sources": [source_json(s, latest=latest.get(s.id)) for s in found], "next": next_url}
    )


@bp.route("/sources", methods=["POST"])
@allow("reviewer")
def add_source() -> ResponseReturnValue:
    body = json_body()
    keep = body.get("keep_without_snapshot", False)
    if not isinstance(keep, bool):
        raise ValidationError(
            "keep_without_snapshot must be true or false.", field="keep_without_snapshot"
        )
    source, created, message = sources.add_source(
        current_actor(),
        text_field(body, "url"),
        _source_fields(body),
        fetch_options(current_app.config),
        keep_without_snapshot=keep,
    )
    data = _full_source(source)
    if message:
        data["fetch_error"] = message
    return jsonify(data), 201 if created else 200


@bp.route("/sources/<id:source_id>")
@allow("reviewer")
def get_source(source_id: int) -> ResponseReturnValue:
    return jsonify(_full_source(sources.get_source(source_id)))


@bp.route("/sources/<id:source_id>", methods=["PATCH"])
@allow("reviewer")
def edit_source(source_id: int) -> ResponseReturnValue:
    body = json_body()
    source = sources.update_source(
        current_actor(),
        source_id,
        _version(body, "source"),
        _source_fields(body),
        url=text_field(body, "url"),
    )
    return jsonify(_full_source(source))


@bp.route("/sources/<id:source_id>/snapshots", methods=["POST"])
@allow("reviewer")
def refetch_source(source_id: int) -> ResponseReturnValue:
    outcome = sources.refetch_source(current_actor(), source_id, fetch_options(current_app.config))
    data = _full_source(outcome.source)
    if outcome.snapshot is None:
        code = "fetch_failed" if outcome.state == "dead" else "fetch_refused"
        return jsonify({"error": {"code": code, "message": outcome.message}, "source": data}), 422
    return jsonify(
        {
            "snapshot": snapshot_json(outcome.snapshot),
            "changed": outcome.state == "changed",
            "source": data,
        }
    ), 201


@bp.route("/sources/<id:source_id>/citations", methods=["POST"])
@allow("reviewer")
def add_citation(source_id: int) -> ResponseReturnValue:
    body = json_body()
    with _members(cited="cited_id"):
        sources.add_citation(
            current_actor(),
            source_id,
            _int_field(body, "cited_id", required=True) or 0,
            text_field(body, "note"),
        )
    return jsonify(_full_source(sources.get_source(source_id))), 201


@bp.route("/claims/<id:claim_id>/evidence")
@allow("reviewer")
def list_evidence(claim_id: int) -> ResponseReturnValue:
    claims.get_claim(claim_id)
    return jsonify({"evidence": [evidence_json(e) for e in evidence.claim_evidence(claim_id)]})


@bp.route("/claims/<id:claim_id>/evidence", methods=["POST"])
@allow("reviewer")
def add_evidence(claim_id: int) -> ResponseReturnValue:
    body = json_body()
    with _members(source="source_id"):
        item = _add_evidence(body, claim_id)
    return jsonify(evidence_json(item)), 201


def _add_evidence(body: dict[str, Any], claim_id: int) -> Any:
    return evidence.add_evidence(
        current_actor(),
        claim_id,
        _int_field(body, "source_id", required=True) or 0,
        excerpt=text_field(body, "excerpt", required=True) or "",
        stance=text_field(body, "stance", required=True) or "",
        locator=text_field(body, "locator"),
        note=text_field(body, "note"),
        stated_value=text_field(body, "stated_value"),
    )


@bp.route("/evidence/<id:evidence_id>")
@allow("reviewer")
def get_evidence(evidence_id: int) -> ResponseReturnValue:
    return jsonify(evidence_json(evidence.get_evidence(evidence_id)))


@bp.route("/evidence/<id:evidence_id>", methods=["PATCH"])
@allow("reviewer")
def edit_evidence(evidence_id: int) -> ResponseReturnValue:
    body = json_body()
    item = evidence.update_evidence(
        current_actor(),
        evidence_id,
        _version(body, "evidence"),
        excerpt=text_field(body, "excerpt"),
        stance=text_field(body, "stance"),
        locator=text_field(body, "locator"),
        note=text_field(body, "note"),
        stated_value=text_field(body, "stated_value"),
    )
    return jsonify(evidence_json(item))


@bp.route("/claims/<id:claim_id>/attribution", methods=["PUT"])
@allow("reviewer")
def attribute_claim(claim_id: int) -> ResponseReturnValue:
    body = json_body()
    if "source_id" not in body:
        raise ValidationError("Send 'source_id' (null to unlink).", field="source_id")
    claim = claims.attribute_claim(
        current_actor(), claim_id, _version(body, "claim"), _int_field(body, "source_id")
    )
    return jsonify(claims_json([claim])[0])


@bp.route("/ratings")
@allow("reviewer")
def list_ratings() -> ResponseReturnValue:
    return jsonify({"ratings": [rating_json(r) for r in verdicts.ratings()]})


def _rating(body: dict[str, Any]) -> Rating:
    """The rating named by id or by slug. Raises ValidationError if it is not on the scale."""
    value = body.get("rating")
    scale = verdicts.ratings()
    for rating in scale:
        if (value == rating.id and not isinstance(value, bool)) or value == rating.slug:
            return rating
    raise ValidationError(
        f"rating must be one of: {', '.join(r.slug for r in scale)} (or its id).", field="rating"
    )


@bp.route("/claims/<id:claim_id>/verdicts")
@allow("reviewer")
def list_verdicts(claim_id: int) -> ResponseReturnValue:
    claims.get_claim(claim_id)
    return jsonify({"verdicts": [verdict_json(v) for v in verdicts.claim_verdicts(claim_id)]})


@bp.route("/claims/<id:claim_id>/verdicts", methods=["POST"])
@allow("reviewer")
def propose_verdict(claim_id: int) -> ResponseReturnValue:
    body = json_body()
    rating = _rating(body)
    version = body.get("version")
    if version is not None:
        version = _version(body, "claim")
    verdict = verdicts.propose_verdict(
        current_actor(),
        claim_id,
        rating_id=rating.id,
        confidence_value=body.get("confidence"),  # type: ignore[arg-type]  # checked there
        rationale=text_field(body, "rationale", required=True) or "",
        version=version,
    )
    support = verdicts.evidence_support(claim_id)
    data = verdict_json(verdict)
    data["support"] = round(support.share, 4)
    return jsonify(data), 201


@bp.route("/verdicts/<id:verdict_id>")
@allow("reviewer")
def get_verdict(verdict_id: int) -> ResponseReturnValue:
    return jsonify(verdict_json(verdicts.get_verdict(verdict_id)))


@bp.route("/snapshots/<id:snapshot_id>")
@allow("reviewer")
def get_snapshot(snapshot_id: int) -> ResponseReturnValue:
    return jsonify(snapshot_json(sources.get_snapshot(snapshot_id)))


@bp.route("/verdicts/<id:verdict_id>/approve", methods=["POST"])
@allow("editor")
def approve_verdict(verdict_id: int) -> ResponseReturnValue:
    return jsonify(verdict_json(verdicts.approve_verdict(current_actor(), verdict_id)))


@bp.route("/verdicts/<id:verdict_id>/reject", methods=["POST"])
@allow("editor")
def reject_verdict(verdict_id: int) -> ResponseReturnValue:
    body = json_body()
    verdict = verdicts.reject_verdict(
        current_actor(), verdict_id, text_field(body, "comment", required=True) or ""
    )
    return jsonify(verdict_json(verdict))


@bp.route("/claims/<id:claim_id>/transition", methods=["POST"])
@allow("reviewer")
def transition_claim(claim_id: int) -> ResponseReturnValue:
    body = json_body()
    claim = claims.transition(
        current_actor(),
        claim_id,
        _version(body, "claim"),
        text_field(body, "to", required=True) or "",
        text_field(body, "reason") or "",
    )
    return jsonify(claims_json([claim])[0])


@bp.route("/claims/<id:claim_id>/assignee", methods=["PUT"])
@allow("reviewer")
def assign_claim(claim_id: int) -> ResponseReturnValue:
    body = json_body()
    if "assignee_id" not in body:
        raise ValidationError("Send 'assignee_id' (null to unassign).", field="assignee_id")
    with _members(assignee="assignee_id"):
        claim = claims.assign_claim(
            current_actor(), claim_id, _version(body, "claim"), _int_field(body, "assignee_id")
        )
    return jsonify(claims_json([claim])[0])


def _entry_json(entry: publishing.Entry) -> dict[str, Any]:
    return {
        "claim_id": entry.item.claim_id,
        "claimreview": entry.review,
        "problems": [{"level": p.level, "message": p.message} for p in entry.problems],
    }


@bp.route("/claims/<id:claim_id>/claimreview")
@allow("reviewer")
def claim_review(claim_id: int) -> ResponseReturnValue:
    claims.get_claim(claim_id)
    entry = publishing.claim_entry(claim_id, publisher(current_app.config))
    if entry.review is None:
        return jsonify(
            {
                "error": {
                    "code": "invalid_claimreview",
                    "message": "This verdict cannot be published as a valid ClaimReview: "
                    + "; ".join(p.message for p in entry.problems if p.level == "error"),
                },
                **_entry_json(entry),
            }
        ), 422
    return jsonify(entry.review)


@bp.route("/articles/<id:article_id>/claimreview")
@allow("reviewer")
def article_review(article_id: int) -> ResponseReturnValue:
    articles.get_article(article_id)
    listed = publishing.article_entries(
        article_id, publisher(current_app.config), int(current_app.config["MAX_PAGE_SIZE"])
    )
    return jsonify({"entries": [_entry_json(e) for e in listed]})


@bp.route("/export/claimreview")
@allow("reviewer")
def export_claimreview() -> ResponseReturnValue:
    limit = page_limit()
    settings = publisher(current_app.config)
    items = publishing.published(after_id=_whole("after"), limit=limit + 1)
    more = len(items) > limit
    items = items[:limit]
    listed = publishing.entries(items, settings)
    next_url = None
    if more:
        args: dict[str, Any] = query_args("after")
        next_url = url_for("api.export_claimreview", after=items[-1].claim_id, **args)
    return jsonify(
        {
            "@context": "https://schema.org",
            "@type": "DataFeed",
            "dataFeedElement": [e.review for e in listed if e.review is not None],
            "skipped": [_entry_json(e) for e in listed if e.review is None],
            "next": next_url,
        }
    )


@bp.route("/openapi.json")
@allow("public")
def openapi() -> ResponseReturnValue:
    """This API's OpenAPI 3.1 document, built once per application from its URL map."""
    from claims.openapi import build

    document = current_app.extensions.get("claims_openapi")
    if document is None:
        document = current_app.extensions["claims_openapi"] = build(current_app)
    return jsonify(document)
