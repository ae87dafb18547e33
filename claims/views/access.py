"""Who may reach which view: one decorator declares it, one request hook enforces it.

Every view declares its minimum role with `@allow(...)`. A view without a declaration is refused
(fail closed), and a test walks the URL map to keep every endpoint declared.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import unquote_to_bytes

import peewee
from flask import (
    Flask,
    abort,
    current_app,
    g,
    has_request_context,
    redirect,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, logout_user
from flask_wtf.csrf import CSRFError

from claims import logs
from claims.audit import Actor
from claims.db import check_ready, db
from claims.errors import DatabaseUnavailableError
from claims.services import security, users
from claims.views import csrf, login_manager

PUBLIC = "public"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
F = TypeVar("F", bound=Callable[..., Any])


def allow(role: str) -> Callable[[F], F]:
    """Declare the least role a view needs: PUBLIC, "reviewer", "editor" or "admin"."""

    def decorate(view: F) -> F:
        view.access_role = role  # type: ignore[attr-defined]
        return view

    return decorate


def is_api_request() -> bool:
    """Tell whether the request is for the JSON API."""
    return request.path == "/api" or request.path.startswith("/api/")


def current_actor() -> Actor:
    """The acting user (or "anonymous") with the request's client address and id."""
    user = current_user if current_user.is_authenticated else None
    return Actor(
        user_id=user.id if user else None,
        name=user.username if user else "anonymous",
        ip=request.remote_addr,
        request_id=g.get("request_id"),
    )


@login_manager.request_loader
def _load_user_from_token(req: Any) -> object | None:
    header = req.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    user = users.user_for_token(token.strip())
    if user is not None:
        g.token_auth = True
    return user


@login_manager.unauthorized_handler
def _unauthorized() -> ResponseReturnValue:
    if is_api_request():
        abort(401)
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _open_connection() -> None:
    # The first request of each process also checks that the schema is current.
    if not current_app.extensions.get("claims_schema_ok"):
        check_ready(current_app.config["DATABASE_URL"])
        current_app.extensions["claims_schema_ok"] = True
    try:
        g.opened_connection = db.connect(reuse_if_open=True)
    except peewee.OperationalError as exc:
        raise DatabaseUnavailableError("The database cannot be reached right now.") from exc


def _expire_session() -> None:
    # Idle and absolute limits, checked server-side on every request of a signed-in session.
    if not current_user.is_authenticated or g.get("token_auth"):
        return
    now = time.time()
    config = current_app.config
    idle = config["SESSION_IDLE_TIMEOUT"].total_seconds()
    lifetime = config["PERMANENT_SESSION_LIFETIME"].total_seconds()
    auth_at = session.get("auth_at", 0)
    seen_at = session.get("seen_at", 0)
    if now - seen_at > idle or now - auth_at > lifetime:
        logout_user()
        session.clear()
        return
    if now - seen_at > 60:  # rewrite the cookie at most once a minute
        session["seen_at"] = now


def _check_access() -> ResponseReturnValue | None:
    if request.endpoint is None or request.routing_exception is not None:
        return None  # 404 / 405 are answered by routing
    if request.endpoint == "static":
        return None
    view = current_app.view_functions[request.endpoint]
    role = getattr(view, "access_role", None)
    if role == PUBLIC:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if role is None or not current_user.has_role(role):
        security.log_event(
            current_actor(),
            "access.denied",
            details={"endpoint": request.endpoint, "path": request.path[:500], "needs": role},
        )
        abort(403)
    return None


# Views exempt from the CSRF check: none (README, "Security"). A request authenticated by an API
# token skips the check because a browser never sends one by itself; a browser session calling the
# API is checked like a form.
CSRF_EXEMPT_VIEWS: frozenset[str] = frozenset()


def _check_csrf() -> None:
    if request.method in SAFE_METHODS or request.routing_exception:
        return
    api = is_api_request()
    if not g.get("token_auth"):
        # A browser session calling the API: same site only, and the token in a header.
        if api and request.headers.get("Sec-Fetch-Site") == "cross-site":
            abort(403)
        csrf.protect()
    if api and request.content_length and not request.is_json:
        abort(415)


def _before_request() -> ResponseReturnValue | None:
    g.request_id = uuid.uuid4().hex
    try:
        unquote_to_bytes(request.query_string.decode("ascii", "replace")).decode("utf-8")
    except UnicodeDecodeError:
        abort(400)
    _open_connection()
    _expire_session()
    response = _check_access()
    if response is not None:
        return response
    _check_csrf()
    return None


def _security_headers(response: Any) -> Any:
    headers = response.headers
    headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
    )
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["X-Request-ID"] = g.get("request_id", "")
    if current_app.config["ENV"] == "production":
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if request.endpoint != "static":
        headers["Cache-Control"] = "no-store"
    return response


def _close_connection(exc: BaseException | None) -> None:
    # Close what this request opened (a caller that brought its own connection keeps it).
    if g.get("opened_connection") and not db.is_closed():
        db.close()


def _csrf_failed(error: CSRFError) -> ResponseReturnValue:
    security.log_event(
        current_actor(),
        "csrf.refused",
        details={"path": request.path[:500], "reason": error.description},
    )
    from claims.views.errors import error_response

    return error_response(
        400,
        "csrf",
        f"The form expired or was not sent by this site ({error.description}) "
        "Reload the page and try again.",
    )


def query_args(*skip: str) -> dict[str, Any]:
    """The request's non-empty query parameters, for links to the next page: without `skip`
    and without names that url_for keeps for itself (`endpoint`, `_external`, `_anchor`, ...)."""
    return {
        k: v
        for k, v in request.args.items()
        if v and k not in skip and k != "endpoint" and not k.startswith("_")
    }


def _request_id() -> str:
    return str(g.get("request_id", "-")) if has_request_context() else "-"


def init_app(app: Flask) -> None:
    """Install the request hooks."""
    logs.set_request_id_source(_request_id)
    app.before_request(_before_request)
    app.after_request(_security_headers)
    app.teardown_request(_close_connection)
    app.register_error_handler(CSRFError, _csrf_failed)
