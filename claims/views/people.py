"""Administration of accounts (admin role)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from claims.errors import ClaimsError
from claims.forms import ConfirmForm, UserCreateForm, UserEditForm
from claims.services import users
from claims.views.access import allow, current_actor

bp = Blueprint("people", __name__, url_prefix="/admin/users")


def _list_page(form: UserCreateForm | None = None, status: int = 200) -> ResponseReturnValue:
    return (
        render_template(
            "people/list.html",
            users=list(users.list_users()),
            form=form or UserCreateForm(formdata=None),
        ),
        status,
    )


@bp.route("/")
@allow("admin")
def list_users() -> ResponseReturnValue:
    return _list_page()


@bp.route("/", methods=["POST"])
@allow("admin")
def create_user() -> ResponseReturnValue:
    form = UserCreateForm()
    if form.validate_on_submit():
        try:
            user = users.create_user(
                current_actor(),
                form.username.data or "",
                form.password.data or "",
                form.role.data or "reviewer",
                form.display_name.data or "",
            )
        except ClaimsError as exc:
            field = getattr(form, exc.field or "", None)
            if field is not None:
                field.errors = [*field.errors, exc.message]
            else:
                form.form_errors.append(exc.message)
            return _list_page(form, 422)
        flash(f"Account {user.username} created.", "success")
        return redirect(url_for("people.edit_user", user_id=user.id))
    return _list_page(form, 422)


@bp.route("/<id:user_id>")
@allow("admin")
def edit_user(user_id: int) -> ResponseReturnValue:
    user = users.get_user(user_id)
    form = UserEditForm(obj=user)
    return render_template("people/edit.html", user=user, form=form, confirm_form=ConfirmForm())


@bp.route("/<id:user_id>", methods=["POST"])
@allow("admin")
def update_user(user_id: int) -> ResponseReturnValue:
    user = users.get_user(user_id)
    form = UserEditForm()
    if form.validate_on_submit():
        try:
            user = users.update_account(
                current_actor(),
                user,
                display_name=form.display_name.data or "",
                role=form.role.data or user.role,
                active=bool(form.active.data),
            )
        except ClaimsError as exc:
            form.form_errors.append(exc.message)
            return render_template(
                "people/edit.html", user=user, form=form, confirm_form=ConfirmForm()
            ), 422
        flash("Saved.", "success")
        return redirect(url_for("people.edit_user", user_id=user.id))
    return render_template(
        "people/edit.html", user=user, form=form, confirm_form=ConfirmForm()
    ), 422


@bp.route("/<id:user_id>/sessions/end", methods=["POST"])
@allow("admin")
def end_sessions(user_id: int) -> ResponseReturnValue:
    user = users.end_sessions(current_actor(), users.get_user(user_id), "user.sessions_ended")
    flash(f"Every session of {user.username} has been ended.", "success")
    return redirect(url_for("people.edit_user", user_id=user.id))
