"""The database: the proxy every model binds to, connection settings, and the migration runner.

This is the only module that knows the database URL.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import peewee
from playhouse import db_url
from playhouse.migrations import Migration, Runner

db = peewee.DatabaseProxy()

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
UPGRADE_COMMAND = "flask --app app db upgrade"


def utcnow() -> datetime:
    """Return the current time in UTC, naive, as every timestamp column stores it."""
    return datetime.now(UTC).replace(tzinfo=None)


class BaseModel(peewee.Model):
    """Every table of the product."""

    class Meta:
        database = db
        legacy_table_names = False


def open_database(url: str, *, busy_timeout: float = 5.0) -> peewee.Database:
    """Build (without connecting) the database for a peewee db_url.

    SQLite gets WAL, foreign keys, a busy timeout and immediate transactions (so that two writers
    queue instead of failing half-way); PostgreSQL runs with its defaults.
    """
    if url.startswith("sqlite"):
        return db_url.connect(
            url,
            pragmas={
                "journal_mode": "wal",
                "foreign_keys": 1,
                "busy_timeout": int(busy_timeout * 1000),
                "synchronous": "normal",
            },
            timeout=busy_timeout,
            lock_type="IMMEDIATE",
            autoconnect=False,
        )
    return db_url.connect(url, autoconnect=False)


def bind(database: peewee.Database) -> None:
    """Point the models at a database."""
    db.initialize(database)


def is_postgres() -> bool:
    """Tell whether the bound database is PostgreSQL."""
    return isinstance(db.obj, peewee.PostgresqlDatabase)


@contextmanager
def connection() -> Iterator[None]:
    """Hold a connection for the block (CLI commands, benchmarks), reusing an open one."""
    opened = db.connect(reuse_if_open=True)
    try:
        yield
    finally:
        if opened:
            db.close()


def describe_url(url: str) -> str:
    """Return the database URL without its password, for messages."""
    head, sep, tail = url.rpartition("@")
    if not sep:
        return url
    scheme, _, userinfo = head.partition("://")
    user = userinfo.split(":", 1)[0]
    return f"{scheme}://{user}:***@{tail}"


def migration_runner() -> Runner:
    """Return playhouse's runner over migrations/ for the bound database."""
    return Runner(db.obj, directory=str(MIGRATIONS_DIR))


def migration_status() -> list[Migration]:
    """List every migration with when it was applied (None for pending ones)."""
    return migration_runner().status()


def upgrade() -> list[str]:
    """Apply every pending migration in order; return their names."""
    return migration_runner().up()


def pending_migrations() -> list[str]:
    """Names of migrations not yet applied to the bound database."""
    return [m.name for m in migration_status() if not m.applied and m.path is not None]


def check_ready(url: str) -> None:
    """Connect once and check the schema is current.

    Raises DatabaseUnavailableError if the database cannot be reached or migrations are pending.
    """
    from claims.errors import DatabaseUnavailableError

    try:
        with connection():
            pending = pending_migrations()
    except peewee.OperationalError as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DatabaseUnavailableError(
            f"cannot reach the database at {describe_url(url)}: {first_line}"
        ) from exc
    if pending:
        raise DatabaseUnavailableError(
            f"the database schema is behind the code ({len(pending)} migration(s) pending: "
            f"{', '.join(pending)}); run: {UPGRADE_COMMAND}"
        )
