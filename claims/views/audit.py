"""The audit trail's review pages (editor and admin): filter, read a change, export."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Response, current_app, render_template, request, stream_with_context
from flask.typing import ResponseReturnValue

from claims import audit
from claims.errors import ValidationError
from claims.forms import AuditFilterForm
from claims.models import AuditEvent
from claims.services import security
from claims.text import content_disposition
from claims.views.access import allow, current_actor, query_args

bp = Blueprint("audit", __name__, url_prefix="/audit")


def event_filter(form: AuditFilterForm) -> audit.EventFilter:
    """Turn the validated filter form into the trail's query filter.

    Raises ValidationError for a "to" date at the end of the calendar.
    """
    return audit.EventFilter(
        actor=form.actor.data or None,
        entity_type=form.entity.data or None,
        entity_id=form.entity_id.data,
        action=form.action.data or None,
        since=audit.day_start(form.since.data) if form.since.data else None,
        until=audit.day_after(form.until.data) if form.until.data else None,
        text=form.q.data or None,
    )


def page_cursor() -> int | None:
    """The `before` cursor of keyset pagination, ignored when it is not a positive number."""
    before = request.args.get("before", "")
    if before.isascii() and before.isdigit() and len(before) <= 10 and 0 < int(before) < 2**31:
        return int(before)
    return None


@bp.route("/")
@allow("editor")
def index() -> ResponseReturnValue:
    form = AuditFilterForm(request.args)
    events: list[AuditEvent] = []
    valid = form.validate()
    size = current_app.config["PAGE_SIZE"]
    if valid:
        try:
            events = audit.search(event_filter(form), before_id=page_cursor(), limit=size + 1)
        except ValidationError as exc:
            getattr(form, exc.field or "q").errors.append(exc.message)
            valid = False
    more = len(events) > size
    events = events[:size]
    args = query_args("before")
    return (
        render_template(
            "audit/index.html",
            form=form,
            events=events,
            next_before=events[-1].id if more and events else None,
            args=args,
            paged=page_cursor() is not None,
        ),
        200 if valid else 422,
    )


@bp.route("/<id:event_id>")
@allow("editor")
def show(event_id: int) -> ResponseReturnValue:
    event = audit.get_event(event_id)
    previous = audit.previous_event_id(event)
    return render_template("audit/show.html", event=event, previous=previous)


@bp.route("/export.jsonl")
@allow("editor")
def export() -> ResponseReturnValue:
    security.log_event(current_actor(), "audit.export", entity_type="audit_event")
    name = f"audit-{datetime.utcnow():%Y%m%dT%H%M%SZ}.jsonl"
    return Response(
        stream_with_context(audit.export_lines()),
        mimetype="application/x-ndjson",
        headers={"Content-Disposition": content_disposition(name, name)},
    )
