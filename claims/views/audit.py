"""The audit trail's review pages (editor and admin): filter, read a change, export."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import Blueprint, Response, current_app, render_template, request, stream_with_context
from flask.typing import ResponseReturnValue

from claims import audit
from claims.errors import NotFoundError
from claims.forms import AuditFilterForm
from claims.models import AuditEvent
from claims.views.access import allow

bp = Blueprint("audit", __name__, url_prefix="/audit")


def event_filter(form: AuditFilterForm) -> audit.EventFilter:
    """Turn the validated filter form into the trail's query filter."""
    until = form.until.data
    return audit.EventFilter(
        actor=(form.actor.data or "").strip() or None,
        entity_type=form.entity.data or None,
        entity_id=form.entity_id.data,
        action=(form.action.data or "").strip() or None,
        since=datetime.combine(form.since.data, time()) if form.since.data else None,
        until=datetime.combine(until, time()) + timedelta(days=1) if until else None,
        text=(form.q.data or "").strip() or None,
    )


def page_cursor() -> int | None:
    """The `before` cursor of keyset pagination, ignored when it is not a positive number."""
    before = request.args.get("before", "")
    return int(before) if before.isdigit() and 0 < int(before) < 2**63 else None


@bp.route("/")
@allow("editor")
def index() -> ResponseReturnValue:
    form = AuditFilterForm(request.args)
    events: list[AuditEvent] = []
    valid = form.validate()
    size = current_app.config["PAGE_SIZE"]
    if valid:
        events = audit.search(event_filter(form), before_id=page_cursor(), limit=size + 1)
    more = len(events) > size
    events = events[:size]
    args = {k: v for k, v in request.args.items() if k != "before" and v}
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


@bp.route("/<int:event_id>")
@allow("editor")
def show(event_id: int) -> ResponseReturnValue:
    event = AuditEvent.get_or_none(AuditEvent.id == event_id)
    if event is None:
        raise NotFoundError("No such audit event.")
    previous = AuditEvent.select(AuditEvent.id).where(AuditEvent.hash == event.prev_hash).first()
    return render_template("audit/show.html", event=event, previous=previous)


@bp.route("/export.jsonl")
@allow("editor")
def export() -> ResponseReturnValue:
    stamp = datetime.utcnow().strftime("%Y%m%dT%H%M%SZ")
    return Response(
        stream_with_context(audit.export_lines()),
        mimetype="application/x-ndjson",
        headers={"Content-Disposition": f'attachment; filename="audit-{stamp}.jsonl"'},
    )
