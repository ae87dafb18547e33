"""The database: the proxy every model binds to, connection settings, and the migration runner.

This is the only module that knows the database URL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
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


class PreparedSelect:
    """A model select whose SQL is written once per kind of database and shape of its values,
    then run with new values; rows become models as peewee's own execution makes them.

    `build(*values)` must make the same query for any values of the same shape (a number, None,
    or a list of a given length for IN). The SQL is learned by building the query once with
    marker numbers in place of the values and finding each marker among the parameters; a query
    whose markers cannot all be found once (a value converted, repeated or written into the
    SQL) is simply compiled every time. On the claim page, writing SQL was a third of the time.
    """

    _UNPREPARED = ("", ())

    def __init__(self, build: Callable[..., Any]) -> None:
        self._build = build
        self._plans: dict[tuple[Any, ...], tuple[str, tuple[Any, ...]]] = {}

    def __call__(self, *values: Any) -> list[Any]:
        """The query's rows for these values, as models."""
        query = self._build(*values)
        sql, params = self._bound(values)
        if not sql:
            return list(query)
        # What peewee's own execution does once it has the SQL.
        query._cursor_wrapper = query._get_cursor_wrapper(db.execute_sql(sql, params))
        return list(query)

    def rows(self, *values: Any) -> list[tuple[Any, ...]]:
        """The query's rows for these values as the database gives them (no conversion)."""
        sql, params = self._bound(values)
        if not sql:
            return list(db.execute(self._build(*values)).fetchall())
        return list(db.execute_sql(sql, params).fetchall())

    def _bound(self, values: tuple[Any, ...]) -> tuple[str, list[Any]]:
        if any(isinstance(v, list | tuple) and len(v) > LIST_PLANNED for v in values):
            return "", []  # one plan per length: long lists are compiled each time instead
        shape = (type(db.obj), *(_shape(v) for v in values))
        plan = self._plans.get(shape)
        if plan is None:
            plan = self._plans[shape] = self._plan(values)
        sql, slots = plan
        params = []
        for slot in slots:
            if isinstance(slot, _Constant):
                params.append(slot.value)
            else:
                k, j = slot
                params.append(values[k] if j < 0 else values[k][j])
        return sql, params

    def _plan(self, values: tuple[Any, ...]) -> tuple[str, tuple[Any, ...]]:
        where: dict[int, tuple[int, int]] = {}

        def marker(slot: tuple[int, int]) -> int:
            number = _MARKER - len(where)
            where[number] = slot
            return number

        markers = [
            [marker((k, j)) for j in range(len(v))]
            if isinstance(v, list | tuple)
            else None
            if v is None
            else marker((k, -1))
            for k, v in enumerate(values)
        ]
        sql, params = self._build(*markers).sql()
        slots: list[Any] = []
        used: set[int] = set()
        for param in params:
            if type(param) is int and param in where:
                if param in used:  # a value written twice: compile every time
                    return self._UNPREPARED
                used.add(param)
                slots.append(where[param])
            else:
                slots.append(_Constant(param))
        if len(used) != len(where):  # a value converted or left out: compile every time
            return self._UNPREPARED
        return sql, tuple(slots)


# Far below any id: never a real value of a prepared query.
_MARKER = -(2**52)
# A prepared query keeps one plan per length of each list it is given (IN): up to this length,
# so that its plans stay few and small whatever lists it sees.
LIST_PLANNED = 100


@dataclass(frozen=True)
class _Constant:
    value: Any


def _shape(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return len(value)
    return None if value is None else "value"
