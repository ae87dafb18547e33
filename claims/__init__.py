"""A fact-checking and claim-provenance tracker for newsrooms."""

from __future__ import annotations

from typing import Any

from flask import Flask


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the Flask application: configuration, database binding, extensions, blueprints."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    from claims import config as cfg
    from claims import logs
    from claims.db import bind, open_database
    from claims.views import register

    logs.configure()
    app = Flask(
        __name__,
        template_folder="../templates",
        static_folder="static",
        instance_relative_config=False,
    )
    app.config.from_object(cfg.Defaults)
    app.config.from_prefixed_env("CLAIMS")
    app.config.update(overrides or {})

    # The only I/O here: the embedded default keeps a generated secret in the instance folder,
    # so that `flask --app app demo` works on a fresh machine without any setting.
    if app.config["ENV"] == "production":
        cfg.apply_production_settings(app.config)
    elif not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = cfg.instance_secret_key(app.instance_path)
    if not app.config["DATABASE_URL"]:
        app.config["DATABASE_URL"] = cfg.default_database_url(app.instance_path)
    hosts = app.config.get("TRUSTED_HOSTS")
    if isinstance(hosts, str):
        app.config["TRUSTED_HOSTS"] = [h.strip() for h in hosts.split(",") if h.strip()] or None

    bind(
        open_database(
            app.config["DATABASE_URL"],
            busy_timeout=float(app.config["SQLITE_BUSY_TIMEOUT"]),
            pool_size=int(app.config["DATABASE_POOL_SIZE"]),
        )
    )
    if int(app.config["TRUSTED_PROXIES"]) > 0:
        proxies = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    register(app)
    return app
