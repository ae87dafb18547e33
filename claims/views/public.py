"""What the newsroom publishes, readable by anyone without signing in: each published verdict's
page with its ClaimReview embedded as JSON-LD, each article's published claims, and the feed of
all ClaimReviews (a schema.org DataFeed, streamed)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, render_template, stream_with_context
from flask.typing import ResponseReturnValue

from claims.config import publisher
from claims.errors import NotFoundError
from claims.export.claimreview import feed_chunks
from claims.services import articles, publishing
from claims.views.access import PUBLIC, allow

bp = Blueprint("public", __name__, url_prefix="/public")
ARTICLE_CLAIMS_MAX = 500


def _entry(claim_id: int) -> publishing.Entry:
    entry = publishing.claim_entry(claim_id, publisher(current_app.config))
    return entry


@bp.route("/claims/<id:claim_id>")
@allow(PUBLIC)
def claim(claim_id: int) -> ResponseReturnValue:
    entry = _entry(claim_id)
    return render_template("public/claim.html", entry=entry, review=entry.review)


@bp.route("/claims/<id:claim_id>/claimreview.json")
@allow(PUBLIC)
def claim_json(claim_id: int) -> ResponseReturnValue:
    entry = _entry(claim_id)
    if entry.review is None:
        raise NotFoundError("This verdict is not published as a ClaimReview.")
    return jsonify(entry.review)


@bp.route("/articles/<id:article_id>")
@allow(PUBLIC)
def article(article_id: int) -> ResponseReturnValue:
    found = articles.get_article(article_id)
    listed = publishing.article_entries(
        article_id, publisher(current_app.config), ARTICLE_CLAIMS_MAX
    )
    if not listed:
        raise NotFoundError("Nothing from this article is published.")
    reviews = [e.review for e in listed if e.review is not None]
    return render_template("public/article.html", article=found, entries=listed, reviews=reviews)


@bp.route("/articles/<id:article_id>/claimreview.json")
@allow(PUBLIC)
def article_json(article_id: int) -> ResponseReturnValue:
    listed = publishing.article_entries(
        article_id, publisher(current_app.config), ARTICLE_CLAIMS_MAX
    )
    return jsonify([e.review for e in listed if e.review is not None])


@bp.route("/claimreview.json")
@allow(PUBLIC)
def feed() -> ResponseReturnValue:
    entries = publishing.all_entries(publisher(current_app.config))
    reviews = (e.review for e in entries if e.review is not None)
    return Response(stream_with_context(feed_chunks(reviews)), mimetype="application/ld+json")
