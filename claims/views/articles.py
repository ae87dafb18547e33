"""Importing and reading articles, with their claims highlighted in place."""

from __future__ import annotations

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
from claims.forms import ArticleEditForm, ClaimAddForm, ImportForm, MergeForm, carry_version
from claims.models import Article
from claims.services import articles, claims
from claims.views.access import allow, current_actor
from claims.views.errors import record_denial

bp = Blueprint("articles", __name__, url_prefix="/articles")
TIMELINE_LENGTH = 100


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
    status: int = 200,
) -> ResponseReturnValue:
    order = request.args.get("order", "position")
    if order not in ("position", "score"):
        abort(400)
    claim_list = claims.article_claims(article.id, order)
    spans = [(c.id, c.start, c.end) for c in claim_list if c.status != "dismissed"]
    history = None
    if current_user.has_role("editor"):
        history = audit.history("article", article.id, limit=TIMELINE_LENGTH)
    return (
        render_template(
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
        ),
        status,
    )


@bp.route("/<id:article_id>")
@allow("reviewer")
def show(article_id: int) -> ResponseReturnValue:
    return _article_page(articles.get_article(article_id))


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
