"""Entry point for `flask --app app ...` and `gunicorn app:app`."""

from claims import create_app
from claims.errors import ConfigError

try:
    app = create_app()
except ConfigError as exc:  # one clear line at start, not a traceback
    raise SystemExit(f"claims: {exc.message}") from None
