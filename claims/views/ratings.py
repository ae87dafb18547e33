"""The rating scale: everyone reads it; admins relabel, reorder, add and remove ratings."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from claims.errors import ClaimsError, ConflictError
from claims.forms import ConfirmForm, NewRatingForm, RatingForm, carry_version
from claims.models import Rating
from claims.services import verdicts
from claims.views.access import allow, current_actor
from claims.views.articles import form_error

bp = Blueprint("ratings", __name__, url_prefix="/ratings")


def _index(new_form: NewRatingForm | None = None, status: int = 200) -> ResponseReturnValue:
    return (
        render_template(
            "ratings/index.html",
            scale=verdicts.ratings(),
            usage=verdicts.rating_usage(),
            new_form=new_form or NewRatingForm(formdata=None),
            confirm_form=ConfirmForm(formdata=None),
        ),
        status,
    )


@bp.route("/")
@allow("reviewer")
def index() -> ResponseReturnValue:
    return _index()


@bp.route("/", methods=["POST"])
@allow("admin")
def create() -> ResponseReturnValue:
    form = NewRatingForm()
    if not form.validate_on_submit():
        return _index(form, 422)
    try:
        rating = verdicts.create_rating(
            current_actor(), form.label.data or "", form.numeric.data, form.description.data or ""
        )
    except ClaimsError as exc:
        form_error(form, exc)
        return _index(form, exc.status)
    flash(f"Added “{rating.label}” at the end of the scale.", "success")
    return redirect(url_for("ratings.index"))


def _edit_page(rating: Rating, form: RatingForm, status: int = 200) -> ResponseReturnValue:
    used = verdicts.rating_usage().get(rating.id, 0)
    return (
        render_template(
            "ratings/edit.html",
            rating=rating,
            form=form,
            used=used,
            delete_form=ConfirmForm(formdata=None),
        ),
        status,
    )


@bp.route("/<id:rating_id>")
@allow("admin")
def edit(rating_id: int) -> ResponseReturnValue:
    rating = verdicts.get_rating(rating_id)
    form = RatingForm(formdata=None, obj=rating)
    return _edit_page(rating, form)


@bp.route("/<id:rating_id>", methods=["POST"])
@allow("admin")
def update(rating_id: int) -> ResponseReturnValue:
    rating = verdicts.get_rating(rating_id)
    form = RatingForm()
    if not form.validate_on_submit():
        return _edit_page(rating, form, 422)
    try:
        verdicts.update_rating(
            current_actor(),
            rating.id,
            form.version.data or 0,
            label=form.label.data or "",
            numeric=form.numeric.data,
            description=form.description.data or "",
        )
    except ConflictError as exc:
        form.form_errors.append(exc.message)
        carry_version(form, rating.version)
        return _edit_page(rating, form, 409)
    except ClaimsError as exc:
        form_error(form, exc)
        return _edit_page(rating, form, exc.status)
    flash("Saved.", "success")
    return redirect(url_for("ratings.index"))


@bp.route("/<id:rating_id>/move/<direction>", methods=["POST"])
@allow("admin")
def move(rating_id: int, direction: str) -> ResponseReturnValue:
    form = ConfirmForm()
    if form.validate_on_submit() and direction in ("up", "down"):
        verdicts.move_rating(current_actor(), rating_id, -1 if direction == "up" else 1)
    return redirect(url_for("ratings.index"))


@bp.route("/<id:rating_id>/delete", methods=["POST"])
@allow("admin")
def delete(rating_id: int) -> ResponseReturnValue:
    rating = verdicts.get_rating(rating_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return redirect(url_for("ratings.edit", rating_id=rating.id))
    try:
        verdicts.delete_rating(current_actor(), rating.id, rating.version)
    except ClaimsError as exc:
        flash(exc.message, "error")
        return redirect(url_for("ratings.edit", rating_id=rating.id))
    flash(f"“{rating.label}” removed from the scale.", "success")
    return redirect(url_for("ratings.index"))
