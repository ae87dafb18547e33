"""Fixtures: a real database per test (SQLite file, or PostgreSQL when CLAIMS_TEST_DATABASE_URL
is set), an app built by the factory, clients that sign in through the real login form."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import peewee
import pytest
from flask import Flask
from flask.testing import FlaskClient

from claims import create_app
from claims.audit import Actor
from claims.db import bind, db, open_database, release_connections, upgrade
from claims.models import MODELS, TALLY_MODELS
from tests import factories

SHARED = Path(__file__).resolve().parents[2] / "shared"
TEST_SECRET = "test-secret-" + "x" * 40


def postgres_url() -> str | None:
    import os

    return os.environ.get("CLAIMS_TEST_DATABASE_URL") or None


# Rows the migrations write (the default rating scale): kept as they were after the upgrade and
# put back after each test empties the tables, as a fresh SQLite copy would have them.
SEEDED_TABLES = ("rating",)
_seed_rows: dict[str, list[tuple]] = {}


def reset_postgres(url: str) -> None:
    """Drop every table and rebuild the schema with the migrations."""
    database = open_database(url)
    bind(database)
    with database.connection_context():
        database.execute_sql("DROP SCHEMA public CASCADE")
        database.execute_sql("CREATE SCHEMA public")
        upgrade()
        for table in SEEDED_TABLES:
            _seed_rows[table] = list(
                database.execute_sql(f'SELECT * FROM "{table}" ORDER BY id').fetchall()
            )


def empty_postgres_tables(url: str) -> None:
    """Empty every table (audit triggers included) between tests, keeping the schema."""
    database = open_database(url)
    with database.connection_context():
        # The search index (migration 0007) and the tallies (0014) are derived from the model
        # tables: emptied with them.
        names = [m._meta.table_name for m in MODELS + TALLY_MODELS] + ["search_entry"]
        tables = ", ".join(f'"{name}"' for name in names)
        # Triggers stay in force for the app; only this cleanup connection bypasses them.
        database.execute_sql("SET session_replication_role = replica")
        database.execute_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        for table, rows in _seed_rows.items():
            for row in rows:
                marks = ", ".join(["%s"] * len(row))
                database.execute_sql(f'INSERT INTO "{table}" VALUES ({marks})', row)
            if rows:
                database.execute_sql(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                    f'(SELECT MAX(id) FROM "{table}"))'
                )


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database to start each test from."""
    url = postgres_url()
    if url:
        reset_postgres(url)
        return url
    path = tmp_path_factory.mktemp("template") / "claims.db"
    database = open_database(f"sqlite:///{path}")
    bind(database)
    with database.connection_context():
        upgrade()
        database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return str(path)


@pytest.fixture
def database_url(database_template: str, tmp_path: Path) -> str:
    """A fresh, migrated, empty database for one test, with nothing remembered of another one's
    records (a grouping is kept by what it reads, and ids repeat from one database to the next)."""
    from claims.services import evidence

    evidence._groupings.clear()
    if postgres_url():
        empty_postgres_tables(database_template)
        return database_template
    path = tmp_path / "claims.db"
    shutil.copy(database_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The application on its own database; the test holds one connection throughout."""
    application = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": TEST_SECRET,
            "TESTING": True,
            "SAMPLES_DIR": str(SHARED / "samples"),
        }
    )
    application.instance_path = str(tmp_path / "instance")
    db.connect(reuse_if_open=True)
    yield application
    if not db.is_closed():
        db.close()
    release_connections(in_use=True)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def system() -> Actor:
    return Actor.system("test")


@pytest.fixture
def reviewer(app: Flask) -> Any:
    return factories.user("rita", "reviewer")


@pytest.fixture
def editor(app: Flask) -> Any:
    return factories.user("eddie", "editor")


@pytest.fixture
def admin(app: Flask) -> Any:
    return factories.user("ada", "admin")


def csrf_token(html: str) -> str:
    """The CSRF token of the first form in a page."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "page has no CSRF token"
    return match.group(1)


def login(client: FlaskClient, username: str, password: str = factories.PASSWORD) -> Any:
    """Sign in through the login form, as a browser does."""
    form = client.get("/login")
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_token(form.text)},
    )


def post_form(client: FlaskClient, page_url: str, action: str, data: dict[str, Any]) -> Any:
    """Load a page for its CSRF token, then submit a form to `action`."""
    token = csrf_token(client.get(page_url).text)
    return client.post(action, data={**data, "csrf_token": token})


@pytest.fixture
def reviewer_client(app: Flask, reviewer: Any) -> FlaskClient:
    c = app.test_client()
    assert login(c, reviewer.username).status_code == 302
    return c


@pytest.fixture
def editor_client(app: Flask, editor: Any) -> FlaskClient:
    c = app.test_client()
    assert login(c, editor.username).status_code == 302
    return c


@pytest.fixture
def admin_client(app: Flask, admin: Any) -> FlaskClient:
    c = app.test_client()
    assert login(c, admin.username).status_code == 302
    return c


def table_counts() -> dict[str, int]:
    """Rows per table, for asserting that nothing was written."""
    return {m._meta.table_name: m.select().count() for m in MODELS}


def is_postgres_run() -> bool:
    return postgres_url() is not None


IntegrityErrors = (peewee.IntegrityError, peewee.InternalError, peewee.OperationalError)


from tests.browser import browser, live_server, page  # noqa: E402, F401 - fixtures
