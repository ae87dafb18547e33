"""The application settings every part of the benchmark runs with (in-process, the export
probes and gunicorn): the database, a fixed secret, and a newsroom identity so that verdicts can
be published as ClaimReview."""

from __future__ import annotations

from typing import Any

SECRET_KEY = "benchmark-secret-" + "0123456789abcdef" * 3  # a throwaway database
PUBLISHER = {
    "PUBLISHER_NAME": "Benchmark Newsroom",
    "PUBLISHER_URL": "https://newsroom.example",
    "PUBLIC_BASE_URL": "https://newsroom.example/public",
}


def overrides(url: str) -> dict[str, Any]:
    """create_app() overrides."""
    return {"DATABASE_URL": url, "SECRET_KEY": SECRET_KEY, **PUBLISHER}


def environment(url: str) -> dict[str, str]:
    """The same settings as CLAIMS_* variables, for a server in another process. Sign-in
    throttling only counts failures, so it never gets in the way; it is raised anyway, in case
    a client mistypes under load."""
    return {
        "CLAIMS_DATABASE_URL": url,
        "CLAIMS_SECRET_KEY": SECRET_KEY,
        "CLAIMS_LOGIN_THROTTLE_ATTEMPTS": "1000000",
        **{f"CLAIMS_{key}": value for key, value in PUBLISHER.items()},
    }
