"""gunicorn settings for the bare Flask view (benchmarks/hello.py): the app's own handling of
connections (claims/serving.py: the access log, closing an answered connection at once), so
that the two differ only by what the app does for a request."""

from typing import Any

from claims.serving import close_promptly, post_request  # noqa: F401 - a gunicorn hook

accesslog = "-"


def post_worker_init(worker: Any) -> None:
    close_promptly()
