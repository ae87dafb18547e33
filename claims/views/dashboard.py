"""The landing page: what is in the tracker and what needs doing."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask.typing import ResponseReturnValue

from claims.services import articles
from claims.views.access import allow

bp = Blueprint("dashboard", __name__)


@bp.route("/")
@allow("reviewer")
def index() -> ResponseReturnValue:
    recent = list(articles.recent_articles(current_app.config["PAGE_SIZE"]))
    return render_template("dashboard/index.html", articles=recent)
