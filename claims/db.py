"""The database: the proxy every model binds to, connection settings, and the migration runner.

This is the only module that knows the database URL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import peewee
from playhouse import db_url
from playhouse.migrations import Migration, Runner
from playhouse.pool import PooledDatabase

db = peewee.DatabaseProxy()

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
UPGRADE_COMMAND = "flask --app app db upgrade"
# Seconds a pooled connection is reused before it is replaced.
STALE_SECONDS = 300


def utcnow() -> datetime:
    """Return the current time in UTC, naive, as every timestamp column stores it."""
    return datetime.now(UTC).replace(tzinfo=None)


class BaseModel(peewee.Model):
    """Every table of the product."""

    class Meta:
        database = db
        legacy_table_names = False


def open_database(url: str, *, busy_timeout: float = 5.0, pool_size: int = 0) -> peewee.Database:
    """Build (without connecting) the database for a peewee db_url.

    SQLite gets WAL, foreign keys, a busy timeout and immediate transactions (so that two writers
    queue instead of failing half-way); PostgreSQL runs with its defaults. With `pool_size`, the
    connections a request closes are kept for the next one (at most that many at once): a new
    SQLite connection reads the whole schema before its first statement and a new PostgreSQL
    one costs a round of authentication, which made up most of a small request.
    """
    if url.startswith("sqlite"):
        options: dict[str, Any] = {
            "pragmas": {
                "journal_mode": "wal",
                "foreign_keys": 1,
                "busy_timeout": int(busy_timeout * 1000),
                "synchronous": "normal",
            },
            "timeout": busy_timeout,
            "lock_type": "IMMEDIATE",
            "autoconnect": False,
        }
        if pool_size:
            # A pooled connection is handed to whichever thread asks next (one at a time); the
            # pool's `timeout` is its own wait, SQLite's is the busy_timeout pragma.
            options.update(check_same_thread=False)
            del options["timeout"]
            return _pooled(url, "sqlite+pool", pool_size, options)
        return db_url.connect(url, **options)
    if pool_size and url.split(":", 1)[0] in ("postgres", "postgresql"):
        return _pooled(url, "postgresql+pool", pool_size, {"autoconnect": False})
    return db_url.connect(url, autoconnect=False)


def _pooled(url: str, scheme: str, size: int, options: dict[str, Any]) -> peewee.Database:
    # Waiting for a free connection ends like a locked database does: an error after a while.
    # Connections older than STALE_SECONDS are replaced when next checked out or in (a
    # PostgreSQL server restarted meanwhile, memory grown by one large request).
    pooled_url = scheme + url[url.index(":") :]  # same address and options, pooled class
    return db_url.connect(
        pooled_url, max_connections=size, stale_timeout=STALE_SECONDS, timeout=10, **options
    )


def release_connections(*, in_use: bool = False) -> None:
    """Close the connections a pool keeps idle (so that none is inherited by a forked process),
    and with `in_use` those checked out too (when nothing else runs: a test's end)."""
    database = db.obj
    if isinstance(database, PooledDatabase):
        if in_use:
            database.close_all()
        else:
            database.close_idle()


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
        release_connections()
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


class Prepared:
    """A query whose SQL is put together once per kind of database and then run with new values
    (in the order the query was built with). peewee writes a query's SQL anew on every call,
    100-150 µs: most of what the queries run on every request cost."""

    def __init__(self, build: Callable[[], peewee.Query]) -> None:
        self._build = build
        self._sql: dict[type, str] = {}

    def sql(self) -> str:
        """The SQL for the bound database."""
        kind = type(db.obj)
        found = self._sql.get(kind)
        if found is None:
            found = self._sql[kind] = self._build().sql()[0]
        return found

    def execute(self, *values: Any) -> Any:
        """Run it with these values; returns the database cursor."""
        return db.execute_sql(self.sql(), values)
