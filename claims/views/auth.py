"""Signing in and out, and the signed-in user's own account page."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_user, logout_user

from claims.errors import AuthenticationError, ThrottledError, ValidationError
from claims.forms import ConfirmForm, LoginForm, PasswordChangeForm, TokenForm
from claims.services import users
from claims.views.access import PUBLIC, allow, current_actor

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str:
    """Return `target` if it is a path on this site, else "/"."""
    if not target or any(c in target for c in "\\\x00\r\n\t") or not target.startswith("/"):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//"):
        return "/"
    return target


@bp.route("/login", methods=["GET", "POST"])
@allow(PUBLIC)
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = users.authenticate(
                current_actor(),
                form.username.data or "",
                form.password.data or "",
                max_attempts=current_app.config["LOGIN_THROTTLE_ATTEMPTS"],
                window=current_app.config["LOGIN_THROTTLE_WINDOW"],
            )
        except ThrottledError as exc:
            form.form_errors.append(exc.message)
            return render_template("auth/login.html", form=form), 429
        except AuthenticationError as exc:
            form.form_errors.append(exc.message)
            return render_template("auth/login.html", form=form), 401
        # A fresh session: nothing from before the login survives it (no fixation).
        session.clear()
        login_user(user)
        session["auth_at"] = session["seen_at"] = time.time()
        session.permanent = True
        return redirect(safe_next(request.args.get("next")))
    status = 422 if form.is_submitted() else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@allow("reviewer")
def logout() -> ResponseReturnValue:
    users.end_sessions(current_actor(), current_user._get_current_object())
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


def _account_page(
    password_form: PasswordChangeForm | None = None,
    token_form: TokenForm | None = None,
    new_token: str | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    return (
        render_template(
            "auth/account.html",
            password_form=password_form or PasswordChangeForm(formdata=None),
            token_form=token_form or TokenForm(formdata=None),
            confirm_form=ConfirmForm(),
            tokens=list(users.list_tokens(current_user)),
            new_token=new_token,
        ),
        status,
    )


@bp.route("/account")
@allow("reviewer")
def account() -> ResponseReturnValue:
    return _account_page()


@bp.route("/account/password", methods=["POST"])
@allow("reviewer")
def change_password() -> ResponseReturnValue:
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            user = users.change_password(
                current_actor(),
                current_user._get_current_object(),
                form.current_password.data or "",
                form.new_password.data or "",
            )
        except ValidationError as exc:
            target = getattr(form, exc.field or "new_password", form.new_password)
            target.errors = [*target.errors, exc.message]
            return _account_page(password_form=form, status=422)
        # Every other session has ended; this one carries on under the new generation.
        login_user(user)
        flash("Your password has been changed. Other sessions have been signed out.", "success")
        return redirect(url_for("auth.account"))
    return _account_page(password_form=form, status=422)


@bp.route("/account/tokens", methods=["POST"])
@allow("reviewer")
def create_token() -> ResponseReturnValue:
    form = TokenForm()
    if form.validate_on_submit():
        try:
            _, plaintext = users.create_token(
                current_actor(), current_user._get_current_object(), form.name.data or ""
            )
        except ValidationError as exc:
            form.name.errors = [*form.name.errors, exc.message]
            return _account_page(token_form=form, status=422)
        return _account_page(new_token=plaintext, status=201)
    return _account_page(token_form=form, status=422)


@bp.route("/account/tokens/<id:token_id>/revoke", methods=["POST"])
@allow("reviewer")
def revoke_token(token_id: int) -> ResponseReturnValue:
    users.revoke_token(current_actor(), current_user._get_current_object(), token_id)
    flash("The token has been revoked.", "success")
    return redirect(url_for("auth.account"))
