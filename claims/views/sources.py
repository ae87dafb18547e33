"""The source library: list and filter, add by address or by hand, edit, re-fetch, citations,
and the archived copies of each source."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user

from claims import audit, documents
from claims.config import fetch_options
from claims.errors import ClaimsError, ConflictError
from claims.forms import (
    CitationForm,
    ConfirmForm,
    SourceEditForm,
    SourceFilterForm,
    SourceForm,
    carry_version,
)
from claims.models import Source
from claims.services import evidence, sources
from claims.services.sources import SourceFields
from claims.text import content_disposition, download_name
from claims.views.access import allow, current_actor, query_args
from claims.views.articles import TIMELINE_LENGTH, form_error, short
from claims.views.audit import page_cursor

bp = Blueprint("sources", __name__, url_prefix="/sources")
USES_SHOWN = 50


def _fields(form: SourceForm | SourceEditForm) -> SourceFields:
    return SourceFields(
        title=form.title.data or "",
        publisher=form.publisher.data or "",
        author=form.author.data or "",
        published=form.published.data,
        kind=form.kind.data,
        reliability=form.reliability.data,
        reliability_note=form.reliability_note.data or "",
    )


@bp.route("/")
@allow("reviewer")
def index() -> ResponseReturnValue:
    form = SourceFilterForm(request.args)
    size = current_app.config["PAGE_SIZE"]
    found: list[Source] = []
    if form.validate():
        flt = sources.SourceFilter(
            q=form.q.data or None, kind=form.kind.data or None, state=form.state.data or None
        )
        found = sources.library(flt, after_id=page_cursor(), limit=size + 1)
    more = len(found) > size
    found = found[:size]
    ids = [s.id for s in found]
    args: dict[str, Any] = query_args("before")
    return render_template(
        "sources/index.html",
        form=form,
        sources=found,
        latest=sources.latest_snapshots(ids),
        uses=sources.evidence_counts(ids),
        next_url=url_for("sources.index", before=found[-1].id, **args) if more else None,
        filtered=bool(args),
    )


def _new_page(form: SourceForm, status: int = 200) -> ResponseReturnValue:
    return render_template("sources/new.html", form=form), status


@bp.route("/new")
@allow("reviewer")
def new() -> ResponseReturnValue:
    form = SourceForm(formdata=None)
    form.url.data = request.args.get("url", "")[:2048]
    return _new_page(form)


@bp.route("/new", methods=["POST"])
@allow("reviewer")
def create() -> ResponseReturnValue:
    form = SourceForm()
    if not form.validate_on_submit():
        return _new_page(form, 422)
    try:
        source, created, message = sources.add_source(
            current_actor(),
            form.url.data,
            _fields(form),
            fetch_options(current_app.config),
            keep_without_snapshot=bool(form.keep_without_snapshot.data),
        )
    except ClaimsError as exc:
        form_error(form, exc)
        if exc.code in ("fetch_refused", "fetch_failed"):
            form.keep_without_snapshot.errors = [
                "Tick this to keep the source without an archived copy."
            ]
        return _new_page(form, 422)
    if not created:
        flash(f"This address is already in the library as “{short(source.title)}”.", "info")
    elif message:
        flash(f"Source added without an archived copy: {message}", "warning")
    else:
        flash("Source added and archived.", "success")
    return redirect(url_for("sources.show", source_id=source.id))


def _page(
    source: Source,
    *,
    edit_form: SourceEditForm | None = None,
    citation_form: CitationForm | None = None,
    status: int = 200,
    conflict: Source | None = None,
) -> ResponseReturnValue:
    if edit_form is None:
        edit_form = SourceEditForm(formdata=None, obj=source)
        edit_form.published.data = source.published_date
        edit_form.version.data = source.version
    snapshots = sources.snapshots_of(source.id)
    uses = evidence.source_evidence(source.id, limit=USES_SHOWN)
    history = None
    if current_user.has_role("editor"):
        history = audit.history("source", source.id, limit=TIMELINE_LENGTH)
    return (
        render_template(
            "sources/show.html",
            source=source,
            snapshots=snapshots,
            cites=sources.citations_of(source.id),
            cited_by=sources.cited_by(source.id),
            uses=uses,
            use_count=sources.evidence_counts([source.id]).get(source.id, 0),
            attributed=evidence.attributed_claims(source.id, limit=USES_SHOWN),
            edit_form=edit_form,
            citation_form=citation_form or CitationForm(formdata=None),
            confirm_form=ConfirmForm(formdata=None),
            picker=sources.recent_sources(),
            conflict=conflict,
            history=history,
        ),
        status,
    )


@bp.route("/<id:source_id>")
@allow("reviewer")
def show(source_id: int) -> ResponseReturnValue:
    return _page(sources.get_source(source_id))


@bp.route("/<id:source_id>", methods=["POST"])
@allow("reviewer")
def update(source_id: int) -> ResponseReturnValue:
    source = sources.get_source(source_id)
    form = SourceEditForm()
    if not form.validate_on_submit():
        return _page(source, edit_form=form, status=422)
    try:
        sources.update_source(
            current_actor(), source.id, form.version.data or 0, _fields(form), url=form.url.data
        )
    except ConflictError as exc:
        form_error(form, exc)
        if exc.field is None:
            carry_version(form, source.version)
            return _page(source, edit_form=form, status=409, conflict=source)
        return _page(source, edit_form=form, status=409)
    except ClaimsError as exc:
        form_error(form, exc)
        return _page(source, edit_form=form, status=422)
    flash("Saved.", "success")
    return redirect(url_for("sources.show", source_id=source.id))


@bp.route("/<id:source_id>/refetch", methods=["POST"])
@allow("reviewer")
def refetch(source_id: int) -> ResponseReturnValue:
    form = ConfirmForm()
    source = sources.get_source(source_id)
    if not form.validate_on_submit():
        flash("The form expired; please try again.", "error")
        return redirect(url_for("sources.show", source_id=source.id))
    outcome = sources.refetch_source(current_actor(), source.id, fetch_options(current_app.config))
    if outcome.snapshot is None:
        flash(f"Could not fetch it again: {outcome.message}", "error")
    elif outcome.state == "changed":
        flash("Archived again: the text has changed since the previous copy.", "warning")
    else:
        flash("Archived again: the text is unchanged.", "success")
    return redirect(url_for("sources.show", source_id=source.id))


@bp.route("/<id:source_id>/citations", methods=["POST"])
@allow("reviewer")
def cite(source_id: int) -> ResponseReturnValue:
    source = sources.get_source(source_id)
    form = CitationForm()
    if not form.validate_on_submit():
        return _page(source, citation_form=form, status=422)
    try:
        cited, _ = sources.resolve_or_add(
            current_actor(), form.cited.data or "", fetch_options(current_app.config)
        )
        sources.add_citation(current_actor(), source.id, cited.id, form.note.data)
    except ClaimsError as exc:
        exc.field = "cited" if exc.field in ("source", "cited", "url", None) else exc.field
        form_error(form, exc)
        return _page(source, citation_form=form, status=exc.status)
    flash(f"Recorded: this source cites “{short(cited.title)}”.", "success")
    return redirect(url_for("sources.show", source_id=source.id) + "#citations")


@bp.route("/citations/<id:citation_id>/delete", methods=["POST"])
@allow("reviewer")
def uncite(citation_id: int) -> ResponseReturnValue:
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash("The form expired; please try again.", "error")
        return redirect(url_for("sources.index"))
    citation = sources.remove_citation(current_actor(), citation_id)
    flash("Citation removed.", "success")
    return redirect(url_for("sources.show", source_id=citation.source_id) + "#citations")


@bp.route("/snapshots/<id:snapshot_id>")
@allow("reviewer")
def snapshot(snapshot_id: int) -> ResponseReturnValue:
    shot = sources.get_snapshot(snapshot_id)
    html = ""
    if shot.content_type in documents.HTML_TYPES:
        body = sources.snapshot_body(shot)
        try:
            html = documents.decode(body)
        except ClaimsError:
            html = ""
    return render_template(
        "sources/snapshot.html",
        snapshot=shot,
        source=shot.source,
        page_html=html,
        text=shot.content.text,
        newer=sources.snapshots_of(shot.source_id, limit=1),
    )


@bp.route("/snapshots/<id:snapshot_id>/original")
@allow("reviewer")
def original(snapshot_id: int) -> ResponseReturnValue:
    """The archived body byte for byte, as a download (its SHA-256 is the snapshot's), never
    rendered by the browser."""
    shot = sources.get_snapshot(snapshot_id)
    response = Response(sources.snapshot_body(shot), mimetype="application/octet-stream")
    extension = {"application/pdf": "pdf", "text/plain": "txt"}.get(shot.content_type, "html")
    plain = f"snapshot-{shot.id}-{shot.sha256[:12]}.{extension}"
    named = download_name(
        f"{shot.source.title} {shot.fetched_at:%Y-%m-%d}", f"snapshot-{shot.id}", extension
    )
    response.headers["Content-Disposition"] = content_disposition(named, plain)
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response
