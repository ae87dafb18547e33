"""The one place where domain errors and HTTP errors become responses (HTML or API JSON)."""

from __future__ import annotations

from flask import Flask, current_app, g, jsonify, render_template, request
from flask.globals import request_ctx
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from claims.errors import ClaimsError, DatabaseUnavailableError, PermissionDeniedError
from claims.services import security

TITLES = {
    400: "Bad request",
    401: "Sign-in required",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Changed by someone else",
    413: "Too large",
    415: "Unsupported content type",
    422: "Cannot be processed",
    429: "Too many attempts",
    500: "Something went wrong",
    503: "Unavailable",
}
CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "throttled",
    500: "internal_error",
    503: "unavailable",
}
MESSAGES = {
    401: "Sign in, or send a valid API token as 'Authorization: Bearer <token>'.",
    403: "Your role does not allow this.",
    404: "There is nothing at this address.",
    405: "This address does not accept that method.",
    413: "The request is larger than this server accepts.",
    415: "Send JSON with 'Content-Type: application/json'.",
    500: "The error has been logged. Try again, and tell an administrator if it persists.",
}


def wants_json() -> bool:
    """Tell whether the error should be answered as API JSON."""
    return request.path == "/api" or request.path.startswith("/api/")


def error_response(
    status: int, code: str, message: str, field: str | None = None
) -> ResponseReturnValue:
    """Answer an error in the API's JSON shape (with the field it concerns, when there is one)
    or as a page in the site's layout."""
    if request_ctx.url_adapter is None:
        # The request was refused before routing (a Host not in TRUSTED_HOSTS): the layout
        # cannot build its links, so answer in plain text, without echoing the Host.
        return (
            f"{status} {TITLES.get(status, 'Error')}: This server does not answer to that name.\n",
            status,
            {"Content-Type": "text/plain; charset=utf-8"},
        )
    if wants_json():
        error: dict[str, str] = {"code": code, "message": message}
        if field:
            error["field"] = field
        return jsonify({"error": error}), status
    template = "errors/unavailable.html" if status == 503 else "errors/error.html"
    return (
        render_template(
            template,
            status=status,
            title=TITLES.get(status, "Error"),
            message=message,
            request_id=g.get("request_id", ""),
        ),
        status,
    )


def _http_error(error: HTTPException) -> ResponseReturnValue:
    status = error.code or 500
    message = MESSAGES.get(status) or (error.description or TITLES.get(status, "Error"))
    response = current_app.make_response(
        error_response(status, CODES.get(status, "error"), message)
    )
    allow = error.get_response().headers.get("Allow")
    if status == 405 and allow:
        response.headers["Allow"] = allow
    return response


def record_denial(error: ClaimsError) -> None:
    """A refusal decided by a service (four eyes, someone else's claim, a move the role may not
    make) is recorded like a route's: one access.denied event (the service's own transaction has
    rolled back)."""
    if not isinstance(error, PermissionDeniedError):
        return
    from claims.views.access import current_actor

    security.log_event(
        current_actor(),
        "access.denied",
        details={"endpoint": request.endpoint, "path": request.path[:500], "reason": error.message},
    )


def _domain_error(error: ClaimsError) -> ResponseReturnValue:
    if isinstance(error, DatabaseUnavailableError):
        current_app.logger.error("database unavailable: %s", error.message)
    record_denial(error)
    return error_response(error.status, error.code, error.message, error.field)


def _unexpected(error: Exception) -> ResponseReturnValue:
    current_app.logger.exception("unhandled error (request %s)", g.get("request_id", "-"))
    return error_response(500, "internal_error", MESSAGES[500])


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(ClaimsError, _domain_error)
    app.register_error_handler(Exception, _unexpected)
