"""Reading an article."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from claims import audit
from claims.services import articles
from claims.views.access import allow

bp = Blueprint("articles", __name__, url_prefix="/articles")


@bp.route("/<int:article_id>")
@allow("reviewer")
def show(article_id: int) -> ResponseReturnValue:
    article = articles.get_article(article_id)
    history = audit.history("article", article.id) if current_user.has_role("editor") else None
    return render_template("articles/show.html", article=article, history=history)
