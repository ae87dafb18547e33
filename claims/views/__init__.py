"""Blueprints and the request plumbing shared by every view."""

from __future__ import annotations

from flask import Flask
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from werkzeug.routing import IntegerConverter

from claims.services import users

csrf = CSRFProtect()
login_manager = LoginManager()


@login_manager.user_loader
def _load_user(identity: str) -> object | None:
    return users.load_session_user(identity)


class IdConverter(IntegerConverter):
    """A record id in a path: a positive 32-bit integer. Any other number (0, or too large to
    be an id) becomes 0, which no record has: a 404 from the service rather than an overflow
    inside the database driver, and the same answer for every method (a converter that refused
    the value would make werkzeug answer 405 for the methods of the sibling routes)."""

    ID_MAX = 2**31 - 1
    regex = r"\d{1,10}"  # longer digit runs match no route: a 404 (and no huge int())

    def to_python(self, value: str) -> int:
        number = int(value)
        return number if 1 <= number <= self.ID_MAX else 0


def register(app: Flask) -> None:
    """Attach extensions, hooks, error handlers, filters, blueprints and CLI commands."""
    from claims import cli, filters

    app.url_map.converters["id"] = IdConverter
    from claims.views import (
        access,
        api,
        articles,
        audit,
        auth,
        claims,
        dashboard,
        errors,
        pages,
        people,
        public,
        ratings,
        search,
        sources,
    )

    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"

    access.init_app(app)
    pages.init_app(app)
    errors.init_app(app)
    filters.init_app(app)
    for module in (
        auth,
        dashboard,
        articles,
        claims,
        sources,
        search,
        ratings,
        people,
        audit,
        api,
        public,
    ):
        app.register_blueprint(module.bp)
    cli.init_app(app)
