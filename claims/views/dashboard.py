"""The landing page (what is in the tracker and what needs doing) and each reviewer's queue."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from claims import charts, workflow
from claims.services import articles, verdicts
from claims.views.access import allow

bp = Blueprint("dashboard", __name__)


@bp.route("/")
@allow("reviewer")
def index() -> ResponseReturnValue:
    board = verdicts.dashboard(with_awaiting=current_user.has_role("editor"))
    recent = articles.recent_articles(current_app.config["PAGE_SIZE"] // 5 or 10)
    return render_template(
        "dashboard/index.html",
        board=board,
        articles=recent,
        state_chart=charts.bars(
            [(workflow.STATE_LABELS[state], n) for state, n in board.by_state.items()],
            css=[f"status-{state}" for state in board.by_state],
        ),
        rating_chart=charts.bars(
            [(r.label, n) for r, n in board.by_rating],
            css=[f"rating-{r.numeric or 'none'}" for r, _ in board.by_rating],
        ),
        mine=verdicts.queue_counts(current_user.id),
    )


@bp.route("/queue")
@allow("reviewer")
def queue() -> ResponseReturnValue:
    return render_template(
        "dashboard/queue.html",
        queue=verdicts.my_queue(current_user.id),
        counts=verdicts.queue_counts(current_user.id),
        per_state=verdicts.QUEUE_PER_STATE,
    )
