"""Importing and reading articles, with their claims highlighted in place."""

from __future__ import annotations

import json
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from claims import audit, documents
from claims.anchoring import segments
from claims.config import fetch_options
from claims.errors import ClaimsError, ConflictError
from claims.forms import (
    ArticleEditForm,
    ClaimAddForm,
    ConfirmForm,
    ImportForm,
    MergeForm,
    RevisionForm,
    carry_version,
)
from claims.models import Article
from claims.pagecache import Dependencies
from claims.services import articles, claims, revisions
from claims.views import pages
from claims.views.access import allow, current_actor
from claims.views.errors import record_denial

bp = Blueprint("articles", __name__, url_prefix="/articles")
# Events shown on a record's page (most recent first); the rest are a link to the audit trail.
TIMELINE_LENGTH = 30


def form_error(form: object, exc: ClaimsError) -> None:
    """Show a domain error beside the field it concerns, or above the form (a refusal is also
    recorded as a security event)."""
    record_denial(exc)
    field = getattr(form, exc.field or "", None)
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, exc.message]
    else:
        form.form_errors.append(exc.message)  # type: ignore[attr-defined]


def short(text: str, length: int = 80) -> str:
    """A quote short enough for a flash message (which travels in the session cookie)."""
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def _import_page(form: ImportForm, status: int) -> ResponseReturnValue:
    return render_template("articles/new.html", form=form), status


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge) -> ResponseReturnValue:
    """A paste or upload over the limit: the import form again, with the reason on it."""
    if request.endpoint != "articles.create":
        from claims.views.errors import error_response

        return error_response(413, "too_large", "The request is larger than this server accepts.")
    form = ImportForm(formdata=None)
    limit = current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
    form.form_errors.append(
        f"That is more than this server accepts at once ({limit} MB). "
        "Upload the article as a file, or import it from its address."
    )
    return _import_page(form, 413)


@bp.route("/new")
@allow("reviewer")
def new() -> ResponseReturnValue:
    return _import_page(ImportForm(formdata=None), 200)


@bp.route("/new", methods=["POST"])
@allow("reviewer")
def create() -> ResponseReturnValue:
    form = ImportForm()
    if not form.validate_on_submit():
        return _import_page(form, 422)
    try:
        document = articles.with_metadata(
            _read(form),
            title=form.title.data,
            publisher=form.publisher.data,
            byline=form.byline.data,
            published=form.published.data,
        )
        article, created = articles.import_document(current_actor(), document)
    except ClaimsError as exc:
        form_error(form, exc)
        return _import_page(form, 422)
    if created:
        count = claims.count_claims(article.id)
        flash(f"Imported, with {count} claim{'s' if count != 1 else ''} to review.", "success")
    else:
        flash("This text was imported before: here is the existing article.", "info")
    return redirect(url_for("articles.show", article_id=article.id))


def _read(form: ImportForm) -> documents.Document:
    if form.url.data:
        return articles.fetch_document(
            current_actor(), form.url.data.strip(), fetch_options(current_app.config)
        )
    if form.file.data:
        upload = form.file.data
        return documents.read_bytes(
            upload.read(), content_type=upload.mimetype, filename=upload.filename or ""
        )
    return documents.read_text(form.text.data or "")


def _article_page(
    article: Article,
    *,
    add_form: ClaimAddForm | None = None,
    merge_form: MergeForm | None = None,
    revision_form: RevisionForm | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    return (
        _render(
            article,
            Dependencies(),
            add_form=add_form,
            merge_form=merge_form,
            revision_form=revision_form,
        ),
        status,
    )


def _render(
    article: Article,
    dependencies: Dependencies,
    *,
    add_form: ClaimAddForm | None = None,
    merge_form: MergeForm | None = None,
    revision_form: RevisionForm | None = None,
) -> str:
    """Draw the article's page, noting in `dependencies` every record it shows (events on its
    claims name the article as their parent). It shows the claims' own fields only: a change to
    their evidence, verdicts or matches leaves it as it was unless it writes the claim's own
    event too (a verdict approved, research started)."""
    order = request.args.get("order", "position")
    if order not in ("position", "score"):
        abort(400)
    claim_list = claims.article_claims(article.id, order, brief=True)
    current = [c for c in claim_list if c.revision == article.current_revision]
    spans = [(c.id, c.start, c.end) for c in current if c.status != "dismissed"]
    offered: list[revisions.NewClaim] = []
    outcomes: dict[int, Any] = {}
    if article.current_revision > 1:
        latest = revisions.get_revision(article.id, article.current_revision)
        offered = revisions.new_claims(latest, [(c.start, c.end) for c in current])
        outcomes = {
            cid: json.loads(p.diff or "[]")
            for cid, p in revisions.last_outcomes(article.id, article.current_revision).items()
        }
    history = None
    if current_user.has_role("editor"):
        history = audit.history("article", article.id, limit=TIMELINE_LENGTH)
    listed_revisions = revisions.revisions_of(article.id)
    dependencies.add("article", [article.id])
    dependencies.add_alone("claim", [c.id for c in claim_list])
    dependencies.add("user", [r.created_by_id for r in listed_revisions])
    return render_template(
        "articles/show.html",
        article=article,
        claims=claim_list,
        by_id={c.id: c for c in claim_list},
        paragraphs=segments(article.text, spans),
        order=order,
        history=history,
        add_form=add_form or ClaimAddForm(formdata=None),
        merge_form=merge_form or MergeForm(formdata=None),
        progress=claims.progress(claim_list),
        revisions=listed_revisions,
        offered=offered,
        outcomes=outcomes,
        revision_form=revision_form or RevisionForm(formdata=None),
        refetch_form=ConfirmForm(formdata=None),
    )


@bp.route("/<id:article_id>/revisions/<id:number>")
@allow("reviewer")
def revision(article_id: int, number: int) -> ResponseReturnValue:
    """An earlier text of the article, with its claims where they were then."""
    article = articles.get_article(article_id)
    if number == article.current_revision:
        return redirect(url_for("articles.show", article_id=article.id))
    shown = revisions.get_revision(article.id, number)
    claim_list = claims.article_claims(article.id)
    placed = revisions.placements_in(shown)
    spans = []
    for c in claim_list:
        if c.status == "dismissed":
            continue
        if c.revision == number and c.anchor_state == "orphaned":
            spans.append((c.id, c.start, c.end))
        elif (p := placed.get(c.id)) is not None and p.start is not None and p.end is not None:
            spans.append((c.id, p.start, p.end))
    return render_template(
        "articles/revision.html",
        article=article,
        shown=shown,
        revisions=revisions.revisions_of(article.id),
        by_id={c.id: c for c in claim_list},
        paragraphs=segments(shown.text, spans),
        placed_ids=[cid for cid, _, _ in spans],
    )


@bp.route("/<id:article_id>/diff")
@allow("reviewer")
def diff(article_id: int) -> ResponseReturnValue:
    """What changed between two revisions, and the claims each change touches."""
    article = articles.get_article(article_id)
    raw_to, raw_from = request.args.get("to", ""), request.args.get("from", "")
    if any(r and not (r.isascii() and r.isdigit() and len(r) <= 10) for r in (raw_to, raw_from)):
        abort(400)
    newer = int(raw_to) if raw_to else article.current_revision
    older = int(raw_from) if raw_from else newer - 1
    if not 1 <= older < newer:
        abort(404)
    change = revisions.compare(article, older, newer)
    return render_template("articles/diff.html", article=article, change=change)


@bp.route("/<id:article_id>/revisions", methods=["POST"])
@allow("reviewer")
def add_revision(article_id: int) -> ResponseReturnValue:
    article = articles.get_article(article_id)
    form = RevisionForm()
    if not form.validate_on_submit():
        return _article_page(article, revision_form=form, status=422)
    try:
        result = revisions.paste_revision(current_actor(), article.id, form.text.data or "")
    except ClaimsError as exc:
        form_error(form, exc)
        return _article_page(article, revision_form=form, status=exc.status)
    _flash_revision(result)
    return redirect(url_for("articles.show", article_id=article.id))


@bp.route("/<id:article_id>/refetch", methods=["POST"])
@allow("reviewer")
def refetch(article_id: int) -> ResponseReturnValue:
    article = articles.get_article(article_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        result = revisions.refetch_article(
            current_actor(), article.id, fetch_options(current_app.config)
        )
    except ClaimsError as exc:
        flash(f"The address could not be fetched again: {exc.message} Nothing changed.", "error")
        return redirect(url_for("articles.show", article_id=article.id))
    _flash_revision(result)
    return redirect(url_for("articles.show", article_id=article.id))


def _flash_revision(result: revisions.RevisionResult) -> None:
    if not result.created:
        flash("The text has not changed: no new revision.", "info")
        return
    counts = result.counts()
    parts = [f"{n} {label}" for label, n in sorted(counts.items())]
    flagged = sum(1 for o in result.outcomes if o.needs_recheck)
    message = f"Revision {result.revision.number} stored. Claims: {', '.join(parts) or 'none'}."
    if flagged:
        message += f" {flagged} approved verdict(s) need a re-check."
    flash(message, "warning" if flagged or counts.get("orphaned") else "success")


@bp.route("/<id:article_id>")
@allow("reviewer")
def show(article_id: int) -> ResponseReturnValue:
    return pages.remembered(
        "articles.show",
        lambda dependencies: _render(articles.get_article(article_id), dependencies),
    )


@bp.route("/<id:article_id>/claims", methods=["POST"])
@allow("reviewer")
def add_claim(article_id: int) -> ResponseReturnValue:
    article = articles.get_article(article_id)
    form = ClaimAddForm()
    if not form.validate_on_submit():
        return _article_page(article, add_form=form, status=422)
    try:
        claim = claims.add_claim(
            current_actor(),
            article.id,
            form.start.data or 0,
            form.end.data or 0,
            statement=form.statement.data or "",
            kind=form.kind.data or "statement",
        )
    except ClaimsError as exc:
        form_error(form, exc)
        return _article_page(article, add_form=form, status=422)
    flash(f"Claim #{claim.id} added: “{short(claim.quote)}”.", "success")
    return redirect(url_for("claims.show", claim_id=claim.id))


@bp.route("/<id:article_id>/claims/merge", methods=["POST"])
@allow("reviewer")
def merge(article_id: int) -> ResponseReturnValue:
    article = articles.get_article(article_id)
    form = MergeForm()
    if not form.validate_on_submit():
        return _article_page(article, merge_form=form, status=422)
    try:
        claim = claims.merge_claims(current_actor(), article.id, list(form.claims.data or []))
    except ClaimsError as exc:
        form_error(form, exc)
        return _article_page(article, merge_form=form, status=422)
    flash(f"Merged into claim #{claim.id}; the originals are kept as dismissed.", "success")
    return redirect(url_for("claims.show", claim_id=claim.id))


@bp.route("/<id:article_id>/edit")
@allow("reviewer")
def edit(article_id: int) -> ResponseReturnValue:
    article = articles.get_article(article_id)
    form = ArticleEditForm(obj=article, published=article.published_date)
    form.version.data = article.version
    return render_template("articles/edit.html", article=article, form=form)


@bp.route("/<id:article_id>/edit", methods=["POST"])
@allow("reviewer")
def update(article_id: int) -> ResponseReturnValue:
    article = articles.get_article(article_id)
    form = ArticleEditForm()
    if not form.validate_on_submit():
        return render_template("articles/edit.html", article=article, form=form), 422
    try:
        articles.update_metadata(
            current_actor(),
            article.id,
            form.version.data or 0,
            title=form.title.data or "",
            url=form.url.data,
            publisher=form.publisher.data,
            byline=form.byline.data,
            published=form.published.data,
        )
    except ConflictError as exc:
        # Keep what was typed, show what is there now, and let the next save go through.
        form.form_errors.append(exc.message)
        carry_version(form, article.version)
        return render_template(
            "articles/edit.html", article=article, form=form, current=article
        ), 409
    except ClaimsError as exc:
        form_error(form, exc)
        return render_template("articles/edit.html", article=article, form=form), 422
    flash("Saved.", "success")
    return redirect(url_for("articles.show", article_id=article.id))
