"""The search page: one box over claims, articles, sources and evidence, with filters."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask.typing import ResponseReturnValue
from wtforms.fields.choices import SelectChoice

from claims import workflow
from claims.errors import ValidationError
from claims.forms import SearchForm
from claims.services import search, users, verdicts
from claims.views.access import allow, query_args
from claims.views.articles import form_error

bp = Blueprint("search", __name__, url_prefix="/search")


def search_form(args: Any) -> SearchForm:
    """The form with its choices: claim states, the rating scale, the active accounts."""
    form = SearchForm(args)
    form.status.choices = [SelectChoice("", "Any")] + [
        SelectChoice(s, workflow.STATE_LABELS[s]) for s in workflow.STATE_LABELS
    ]
    form.rating.choices = [SelectChoice("", "Any")] + [
        SelectChoice(r.slug, r.label) for r in verdicts.ratings()
    ]
    form.reviewer.choices = [SelectChoice("", "Anyone")] + [
        SelectChoice(str(u.id), u.display_name or u.username) for u in users.active_accounts()
    ]
    return form


def filters_of(form: SearchForm) -> search.SearchFilter:
    return search.SearchFilter(
        q=form.q.data or "",
        kind=form.type.data or None,
        status=form.status.data or None,
        rating=form.rating.data or None,
        article_id=form.article.data or None,
        reviewer_id=int(form.reviewer.data) if form.reviewer.data else None,
        since=form.since.data,
        until=form.until.data,
    )


def page_number() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < int(raw) <= search.MAX_PAGE else 1


@bp.route("/")
@allow("reviewer")
def index() -> ResponseReturnValue:
    form = search_form(request.args)
    result = None
    status = 200
    searched = any(v for k, v in request.args.items() if k != "page")
    if searched:
        if form.validate():
            try:
                result = search.search(filters_of(form), page_number())
            except ValidationError as exc:
                form_error(form, exc)
                status = 422
        else:
            status = 422
    args: dict[str, Any] = query_args("page")
    pages: dict[str, str | None] = {"prev": None, "next": None}
    if result is not None:
        if result.page > 1:
            pages["prev"] = url_for("search.index", page=result.page - 1, **args)
        if result.more:
            pages["next"] = url_for("search.index", page=result.page + 1, **args)
    return (
        render_template(
            "search/index.html",
            form=form,
            result=result,
            pages=pages,
            rank_candidates=search.RANK_CANDIDATES,
        ),
        status,
    )
