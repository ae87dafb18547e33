"""Configuration defaults; every key can be set from the environment as CLAIMS_<KEY>."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from claims.errors import ConfigError

# Secrets that have been in a repository, a README or a tutorial: never acceptable in production.
KNOWN_DEV_SECRETS = frozenset({"dev", "development", "secret", "changeme", "test"})
MIN_SECRET_BYTES = 32


class Defaults:
    """Built-in settings; the environment (CLAIMS_*) and `create_app(overrides)` win over them."""

    # "development" (embedded default) or "production" (refuses to start without a real secret).
    ENV = "development"
    # peewee db_url, e.g. postgresql://user:pass@host/db; empty means instance/claims.db (SQLite).
    DATABASE_URL = ""
    # Connections each app process keeps open for its requests (0: one connection per request).
    DATABASE_POOL_SIZE = 10
    # Bytes of rendered claim and article pages each app process keeps to serve again while
    # nothing they show has changed (claims/pagecache.py); 0 turns it off.
    PAGE_CACHE_BYTES = 32 * 1024 * 1024
    # Seconds SQLite waits on a locked database before giving up.
    SQLITE_BUSY_TIMEOUT = 5.0
    # Signs sessions and CSRF tokens; outside production, generated into the instance folder.
    SECRET_KEY: str | None = None
    # Largest request body; the biggest legitimate one is an uploaded article file.
    MAX_CONTENT_LENGTH = 10 * 1024 * 1024
    # A session ends after this long without a request...
    SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
    # ...and after this long in any case.
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    # The idle limit is checked on the server (claims/views/access.py), which rewrites the cookie
    # at most once a minute; re-signing it on every response bought nothing.
    SESSION_REFRESH_EACH_REQUEST = False
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # A signed-in token older than this cannot submit forms.
    WTF_CSRF_TIME_LIMIT = 3600
    # The app checks CSRF itself, so that bearer-token API calls (never sent by a browser) skip it.
    WTF_CSRF_CHECK_DEFAULT = False
    # Failed logins allowed per account and per client address in LOGIN_THROTTLE_WINDOW.
    LOGIN_THROTTLE_ATTEMPTS = 5
    LOGIN_THROTTLE_WINDOW = timedelta(minutes=15)
    # Number of reverse proxies in front of the app whose X-Forwarded-For is trusted (0 = none).
    TRUSTED_PROXIES = 0
    # Host names the app answers to (comma-separated); empty accepts any (development only).
    TRUSTED_HOSTS = ""
    # Hosts (host or host:port, comma-separated) the fetcher may reach even though they are
    # private or local; tests name their own 127.0.0.1 server. Empty in production.
    FETCH_ALLOWLIST = ""
    # Seconds a whole fetch (redirects and body included) may take.
    FETCH_DEADLINE = 20.0
    # Largest page body the fetcher reads, after decompression.
    FETCH_MAX_BYTES = 5 * 1024 * 1024
    # Where ../shared/samples lives; the demo imports the sample article from it when present.
    SAMPLES_DIR = ""
    # Rows per page on list pages and in the API, and the hard cap a client may ask for.
    PAGE_SIZE = 50
    MAX_PAGE_SIZE = 200
    # The newsroom that publishes the fact-checks (ClaimReview "author"): its name, its site, and
    # the https address under which published verdicts live (each at <base>/claims/<id>).
    PUBLISHER_NAME = ""
    PUBLISHER_URL = ""
    PUBLIC_BASE_URL = ""


def apply_production_settings(config: dict) -> None:
    """Harden cookies for production and refuse a missing or weak secret.

    Raises ConfigError if SECRET_KEY is unset, a known development value or shorter than 32 bytes.
    """
    key = config.get("SECRET_KEY")
    if not key or key in KNOWN_DEV_SECRETS or len(str(key).encode()) < MIN_SECRET_BYTES:
        raise ConfigError(
            "CLAIMS_SECRET_KEY must be set to a random value of at least 32 bytes when "
            "CLAIMS_ENV=production (for example: python -c 'import secrets; "
            "print(secrets.token_hex(32))')"
        )
    config["SESSION_COOKIE_SECURE"] = True
    # __Host- cookies are bound to the exact origin: Secure, Path=/ and no Domain.
    config["SESSION_COOKIE_NAME"] = "__Host-claims_session"
    config["PREFERRED_URL_SCHEME"] = "https"


def fetch_options(config: Mapping[str, Any]) -> dict[str, Any]:
    """The fetcher's keyword arguments from the configuration.

    Raises ConfigError for a malformed CLAIMS_FETCH_ALLOWLIST entry.
    """
    from claims.fetch import parse_allowlist

    return {
        "allowlist": parse_allowlist(config.get("FETCH_ALLOWLIST") or ""),
        "deadline": float(config["FETCH_DEADLINE"]),
        "max_bytes": int(config["FETCH_MAX_BYTES"]),
    }


def publisher(config: Mapping[str, Any]) -> Publisher:
    """The newsroom's identity for published ClaimReviews.

    Raises PublishingNotConfiguredError naming the missing or invalid settings.
    """
    from claims.errors import PublishingNotConfiguredError
    from claims.fetch import is_web_address

    name = str(config.get("PUBLISHER_NAME") or "").strip()
    url = str(config.get("PUBLISHER_URL") or "").strip()
    base = str(config.get("PUBLIC_BASE_URL") or "").strip().rstrip("/")
    missing = [
        key
        for key, ok in (
            ("CLAIMS_PUBLISHER_NAME", bool(name)),
            ("CLAIMS_PUBLISHER_URL", is_web_address(url)),
            ("CLAIMS_PUBLIC_BASE_URL", is_web_address(base) and base.startswith("https://")),
        )
        if not ok
    ]
    if missing:
        raise PublishingNotConfiguredError(
            "Publishing needs the newsroom's identity: set "
            + ", ".join(missing)
            + " (the public base URL must be https)."
        )
    return Publisher(name=name, url=url, base_url=base)


@dataclass(frozen=True)
class Publisher:
    """Who publishes the fact-checks, and where."""

    name: str
    url: str
    base_url: str

    def review_url(self, claim_id: int) -> str:
        """The stable public address of a claim's published verdict."""
        return f"{self.base_url}/claims/{claim_id}"


def instance_secret_key(instance_path: str) -> str:
    """Return the development secret kept in the instance folder, creating it on first use."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def default_database_url(instance_path: str) -> str:
    """Return the embedded SQLite database's URL in the instance folder."""
    Path(instance_path).mkdir(parents=True, exist_ok=True)
    return "sqlite:///" + str(Path(instance_path) / "claims.db")
