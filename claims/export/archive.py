"""The lossless archive: every row of the database in one file, for backups and for moving a
newsroom between SQLite and PostgreSQL (`flask --app app archive export|import`).

Format, version 1
-----------------
UTF-8 JSON Lines. Every line is one JSON object serialized canonically (keys sorted, separators
"," and ":", non-ASCII characters written as themselves) and ends with "\\n", so the same
database gives the same bytes on every run and from either backend:

1. Header: ``{"format":"claims-archive","tables":[...],"version":1}``. The tables are listed
   in the order their rows follow. Nothing in it varies between runs (no date, host or version
   of the tool).
2. One line per row: ``{"row":{column: value, ...},"table":name}``. Tables come in dependency
   order (each after every table it references, otherwise in the order of claims.models.MODELS);
   within a table, rows are in id order. A row has every column of its model
   (``Model._meta.sorted_fields``), keyed by column name (a foreign key as ``article_id``).
3. Footer: ``{"end":true,"rows":{table: count},"sha256":hex}``, where hex is the SHA-256 of
   every byte before the footer line (header and rows, newlines included).

Values, by the peewee field type, identical whichever database they came from:

=====================  ===================================================================
integer, foreign key   JSON integer
boolean                true / false (SQLite's 0 and 1 included)
float                  JSON number written as Python's repr of the float; "NaN", "Infinity"
                       and "-Infinity" as strings
date-time              "YYYY-MM-DDTHH:MM:SS.ffffff" (naive UTC as stored, always 6 digits)
date                   "YYYY-MM-DD"
blob                   standard base64 (archived_content.body: the zlib-compressed body)
text                   JSON string
NULL                   null
=====================  ===================================================================

What an archive holds, and what it leaves out:

- user.password_hash is null unless the export asks for the hashes. An account imported without
  one gets a marker that no password matches: it cannot sign in until an admin sets a password
  (``flask --app app users password NAME``); that marker is exported as null again. Everything
  else about the account is kept: id, role, session generation, its place in the audit trail.
- api_token rows always keep token_hash: it is the SHA-256 of a 256-bit random token, from which
  nothing can be guessed, and keeping it means API clients go on working after a move.
- login_failure is left out: it only throttles password guessing over the last minutes, and it
  holds client addresses that a backup has no reason to keep.
- audit_event rows are copied as stored, with prev_hash and hash, so the chain verifies after an
  import exactly as it did before the export.

An import goes only into an empty database (nothing in any table, except the default rating
scale that migration 0004 seeds, which the archive's scale replaces). The whole file is read
and checked first (header, every row's table, columns and value types, the checksum, the
counts, and whether the bound database can hold every value exactly); then every row goes in,
with its id, through one transaction, and the audit chain must verify as it did in the file.
A value the database would change is refused, not rounded: on PostgreSQL the models' FloatField
columns are `real` (single precision), so a float such as the last second of a date range
(1704067199.0) or an unrounded score cannot go in until those columns are double precision.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import importlib.util
import json
import math
import re
import struct
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any, BinaryIO, cast

import peewee

from claims import audit
from claims.audit import ChainReport
from claims.db import MIGRATIONS_DIR, connection, db, is_postgres
from claims.errors import ConflictError, ValidationError
from claims.models import MODELS, AuditEvent, LoginFailure, Rating, User

FORMAT = "claims-archive"
VERSION = 1
# Throttling data only (see the module docstring).
SKIPPED_MODELS: tuple[type[peewee.Model], ...] = (LoginFailure,)
# Stored for an account imported without its password hash: not an argon2 hash, so no password
# ever matches it (claims/passwords.py treats an unreadable hash as a mismatch). A marker, not a
# secret, whatever the linter thinks.
NO_PASSWORD_HASH = "!no password: imported from an archive made without password hashes"  # noqa: S105

# Rows read or inserted at once: at most this many, and about _BATCH_BYTES of data, so memory
# stays flat however large the tables or their rows (article texts, archived bodies) are.
_MAX_BATCH_ROWS = 1000
_FIRST_BATCH_ROWS = 16
_BATCH_BYTES = 2 * 1024 * 1024
# Bound parameters per INSERT: SQLite allows 32,766, PostgreSQL 65,535.
_MAX_PARAMETERS = 30_000
# A header longer than this is not a header: the file is something else.
_HEADER_MAX = 64 * 1024

_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)
_DATETIME_TEXT = re.compile(r"(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?")
_CANONICAL_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}")
_CANONICAL_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
_INT64 = (-(2**63), 2**63 - 1)


@dataclass(frozen=True)
class ArchiveSummary:
    """What an archive holds: rows per table (in archive order), the SHA-256 its footer records,
    the state of its audit chain and how many accounts have no password hash in it."""

    rows: Mapping[str, int]
    sha256: str
    audit_chain: ChainReport
    users_without_password: int = 0

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    def __str__(self) -> str:
        return (
            f"{self.total_rows:,} rows in {len(self.rows)} tables, sha256 {self.sha256}; "
            f"audit trail: {self.audit_chain}"
        )


# Columns and their encodings ------------------------------------------------------------------


class _CorruptError(Exception):
    """A line of the file that is not what the format says (reported with its line number)."""


def _kind(field: peewee.Field) -> str:
    if isinstance(field, peewee.ForeignKeyField):
        return _kind(field.rel_field)
    # Order matters: subclasses before their bases.
    for cls, kind in (
        (peewee.BooleanField, "bool"),
        (peewee.FloatField, "float"),
        (peewee.IntegerField, "int"),
        (peewee.DateTimeField, "datetime"),
        (peewee.DateField, "date"),
        (peewee.BlobField, "blob"),
        (peewee.CharField, "text"),
        (peewee.TextField, "text"),
    ):
        if isinstance(field, cls):
            return kind
    raise TypeError(
        f"the archive has no encoding for {field.model.__name__}.{field.name} "
        f"({type(field).__name__}); add one in claims/export/archive.py"
    )


@dataclass(frozen=True)
class _Column:
    name: str
    field: peewee.Field
    kind: str


@dataclass(frozen=True)
class _Table:
    model: type[peewee.Model]
    columns: tuple[_Column, ...]

    @property
    def name(self) -> str:
        return str(self.model._meta.table_name)

    @property
    def primary_key(self) -> int:
        """The position of the id among the columns."""
        return [c.field for c in self.columns].index(_primary_key(self.model))

    @property
    def insert_rows(self) -> int:
        return max(1, min(_MAX_BATCH_ROWS, _MAX_PARAMETERS // len(self.columns)))


def _primary_key(model: type[peewee.Model]) -> peewee.Field:
    return cast(peewee.Field, model._meta.primary_key)


def _dependency_order(models: list[type[peewee.Model]]) -> list[type[peewee.Model]]:
    """The models, each after every model it references, otherwise in the given order.

    (MODELS lists claim before source, yet claim.attributed_source_id references source.)
    """
    placed: list[type[peewee.Model]] = []
    pending = list(models)
    while pending:
        for model in pending:
            needs = {fk.rel_model for fk in model._meta.refs} - {model}
            if all(other in placed or other not in models for other in needs):
                placed.append(model)
                pending.remove(model)
                break
        else:
            raise RuntimeError(f"the foreign keys of {pending} form a cycle")
    return placed


def _tables() -> list[_Table]:
    models = [m for m in MODELS if m not in SKIPPED_MODELS]
    tables = []
    for model in _dependency_order(models):
        if not isinstance(_primary_key(model), peewee.IntegerField):
            raise TypeError(f"{model.__name__} needs an integer id to be archived")
        columns = tuple(_Column(f.column_name, f, _kind(f)) for f in model._meta.sorted_fields)
        tables.append(_Table(model, columns))
    return tables


def _encode_datetime(value: Any) -> str:
    if isinstance(value, str):
        match = _DATETIME_TEXT.fullmatch(value)
        if match:
            day, clock, fraction = match.groups()
            text = f"{day}T{clock}.{(fraction or '').ljust(6, '0')}"
            datetime.fromisoformat(text)  # a real date and time, or ValueError
            return text
        if _CANONICAL_DATE.fullmatch(value):
            return f"{date.fromisoformat(value).isoformat()}T00:00:00.000000"
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat(timespec="microseconds")
    raise ValueError(f"not a date-time: {value!r}")


def _encode_date(value: Any) -> str:
    if isinstance(value, str) and _CANONICAL_DATE.fullmatch(value):
        return date.fromisoformat(value).isoformat()
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    raise ValueError(f"not a date: {value!r}")


def _encode_float(value: Any) -> float | str:
    number = float(value)
    if math.isfinite(number):
        return number
    return "NaN" if math.isnan(number) else ("Infinity" if number > 0 else "-Infinity")


def _encode_blob(value: Any) -> str:
    if not isinstance(value, bytes | bytearray | memoryview):
        raise ValueError(f"not binary data: {type(value).__name__}")
    return base64.b64encode(bytes(value)).decode("ascii")


def _encode_bool(value: Any) -> bool:
    if value in (0, 1):  # True and False included
        return bool(value)
    raise ValueError(f"not a boolean: {value!r}")


def _encode_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"not an integer: {value!r}")
    return value


def _encode_text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"not text: {value!r}")
    return value


_ENCODE: dict[str, Callable[[Any], Any]] = {
    "int": _encode_int,
    "bool": _encode_bool,
    "float": _encode_float,
    "datetime": _encode_datetime,
    "date": _encode_date,
    "blob": _encode_blob,
    "text": _encode_text,
}


def _decode(kind: str, value: Any) -> Any:
    """The Python value to insert for a JSON value. Raises ValueError if it is not canonical."""
    if kind == "int":
        if isinstance(value, int) and not isinstance(value, bool):
            if not _INT64[0] <= value <= _INT64[1]:
                raise ValueError(f"{value} does not fit in 64 bits")
            return value
    elif kind == "bool":
        if isinstance(value, bool):
            return value
    elif kind == "float":
        if isinstance(value, float):
            return value
        if isinstance(value, str) and value in _NON_FINITE:
            return _NON_FINITE[value]
    elif kind == "datetime":
        if isinstance(value, str) and _CANONICAL_DATETIME.fullmatch(value):
            return datetime.fromisoformat(value)
    elif kind == "date":
        if isinstance(value, str) and _CANONICAL_DATE.fullmatch(value):
            return date.fromisoformat(value)
    elif kind == "blob":
        if isinstance(value, str):
            return base64.b64decode(value, validate=True)
    elif isinstance(value, str):
        return value
    raise ValueError(f"expected {kind}, found {_ENCODER.encode(value)[:60]}")


# Export ---------------------------------------------------------------------------------------


def _read_snapshot() -> AbstractContextManager[Any]:
    """A transaction that sees one state of the database from the first batch to the last,
    without keeping writers out."""
    if db.transaction_depth():
        return db.atomic()
    if is_postgres():
        return db.atomic(isolation_level="REPEATABLE READ")
    if isinstance(db.obj, peewee.SqliteDatabase):
        # The app's transactions are IMMEDIATE (a write lock); a reader needs none (WAL).
        return db.atomic(lock_type="DEFERRED")
    return db.atomic()


def _raw_rows(table: _Table) -> Iterator[tuple[Any, ...]]:
    """The table's rows as the database driver returns them, in id order, read a batch at a
    time (keyset pagination), each batch sized by the memory the previous one took."""
    pk = _primary_key(table.model)
    at = table.primary_key
    fields = [c.field for c in table.columns]
    last: int | None = None
    limit = _FIRST_BATCH_ROWS
    while True:
        query = table.model.select(*fields).order_by(pk).limit(limit)
        if last is not None:
            query = query.where(pk > last)
        rows: list[tuple[Any, ...]] = db.execute(query).fetchall()
        yield from rows
        if len(rows) < limit:
            return
        last = rows[-1][at]
        held = sum(sys.getsizeof(value) for row in rows for value in row)
        limit = max(1, min(_MAX_BATCH_ROWS, len(rows) * _BATCH_BYTES // max(held, 1)))
        # Let this batch go before the next one is read.
        del rows


class _LineWriter:
    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.digest = hashlib.sha256()

    def write(self, value: Any, *, hashed: bool = True) -> None:
        data = (_ENCODER.encode(value) + "\n").encode("utf-8")
        if hashed:
            self.digest.update(data)
        self.out.write(data)


def export_archive(out: BinaryIO, *, with_password_hashes: bool = False) -> ArchiveSummary:
    """Write every row of the bound database to `out` as an archive (format in the module
    docstring), streamed in batches from one consistent snapshot.

    Password hashes are left out (null) unless `with_password_hashes`. Raises ValidationError if
    a stored value cannot be read as its column's type.
    """
    tables = _tables()
    writer = _LineWriter(out)
    writer.write({"format": FORMAT, "version": VERSION, "tables": [t.name for t in tables]})
    counts: dict[str, int] = {}
    chain = audit.ChainVerifier()
    without_password = 0
    with connection(), _read_snapshot():
        for table in tables:
            names = [c.name for c in table.columns]
            encoders = [_ENCODE[c.kind] for c in table.columns]
            is_user = table.model is User
            is_audit = table.model is AuditEvent
            count = 0
            for raw in _raw_rows(table):
                try:
                    row = {
                        name: None if value is None else encode(value)
                        for name, encode, value in zip(names, encoders, raw, strict=True)
                    }
                except (ValueError, TypeError) as exc:
                    raise ValidationError(
                        f"Cannot archive {table.name} {raw[table.primary_key]}: {exc}."
                    ) from exc
                if is_user:
                    if not with_password_hashes or row["password_hash"] == NO_PASSWORD_HASH:
                        row["password_hash"] = None
                    without_password += row["password_hash"] is None
                elif is_audit:
                    chain.add(row)
                writer.write({"table": table.name, "row": row})
                count += 1
            counts[table.name] = count
    sha256 = writer.digest.hexdigest()
    writer.write({"end": True, "rows": counts, "sha256": sha256}, hashed=False)
    return ArchiveSummary(MappingProxyType(counts), sha256, chain.report(), without_password)


# Import ---------------------------------------------------------------------------------------


@functools.cache
def default_scale() -> tuple[tuple[Any, ...], ...]:
    """The rating scale migration 0004 seeds, as (slug, label, numeric, position, description,
    version) rows in id order."""
    (path,) = MIGRATIONS_DIR.glob("0004_*.py")
    spec = importlib.util.spec_from_file_location("claims_migration_0004", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return tuple(
        (slug, label, numeric, position * 10, description, 1)
        for position, (slug, label, numeric, description) in enumerate(module.DEFAULT_SCALE, 1)
    )


def _rows_word(count: int, table: str) -> str:
    return f"{count:,} {table} row{'' if count == 1 else 's'}"


def _require_empty() -> None:
    """Raises ConflictError unless the database is empty but for the default rating scale."""
    found = []
    for model in MODELS:
        if model is Rating:
            scale = tuple(
                Rating.select(
                    Rating.slug,
                    Rating.label,
                    Rating.numeric,
                    Rating.position,
                    Rating.description,
                    Rating.version,
                )
                .order_by(Rating.id)
                .limit(len(default_scale()) + 1)
                .tuples()
            )
            if scale and scale != default_scale():
                found.append("a rating scale other than the default")
        elif model.select().exists():
            found.append(_rows_word(model.select().count(), model._meta.table_name))
    if found:
        raise ConflictError(
            f"The database is not empty ({', '.join(found)}): import only into a new database."
        )


def _as_real(value: float) -> float | None:
    """What a PostgreSQL `real` column gives back for `value` (None: out of its range)."""
    try:
        single = struct.unpack("<f", struct.pack("<f", value))[0]
    except OverflowError:
        return None
    if not math.isfinite(single) or (single == 0.0 and value != 0.0):
        return None
    # PostgreSQL prints a real as its shortest decimal that reads back as the same real.
    for digits in range(1, 10):
        text = f"{single:.{digits}g}"
        if struct.unpack("<f", struct.pack("<f", float(text)))[0] == single:
            return float(text)
    return float(single)


def _storage_checks() -> dict[tuple[str, str], Callable[[Any], str | None]]:
    """Per column, a check that a value survives the bound database's column type exactly.

    Only PostgreSQL needs them: its integer, varchar(n), text and real columns are narrower than
    SQLite's, and the models' FloatField is `real` (single precision) there.
    """
    if not is_postgres():
        return {}

    def real(value: Any) -> str | None:
        if not isinstance(value, float) or not math.isfinite(value):
            return None
        stored = _as_real(value)
        if stored == value:
            return None
        if stored is None:
            return f"{value!r} is out of the range of the column (real)"
        return f"{value!r} would be stored as {stored!r} (the column is real: single precision)"

    def integer(low: int, high: int) -> Callable[[Any], str | None]:
        def check(value: Any) -> str | None:
            if isinstance(value, int) and not low <= value <= high:
                return f"{value} does not fit the column (from {low} to {high})"
            return None

        return check

    def text(limit: int | None) -> Callable[[Any], str | None]:
        def check(value: Any) -> str | None:
            if not isinstance(value, str):
                return None
            if "\x00" in value:
                return "contains a NUL character, which PostgreSQL text cannot hold"
            if limit is not None and len(value) > limit:
                return f"is {len(value):,} characters long; the column holds {limit:,}"
            return None

        return check

    checks: dict[tuple[str, str], Callable[[Any], str | None]] = {}
    cursor = db.execute_sql(
        "SELECT table_name, column_name, data_type, character_maximum_length "
        "FROM information_schema.columns WHERE table_schema = current_schema()"
    )
    for table, column, data_type, limit in cursor.fetchall():
        if data_type == "real":
            checks[table, column] = real
        elif data_type == "smallint":
            checks[table, column] = integer(-(2**15), 2**15 - 1)
        elif data_type == "integer":
            checks[table, column] = integer(-(2**31), 2**31 - 1)
        elif data_type in ("text", "character varying", "character"):
            checks[table, column] = text(limit)
    return checks


def _parse(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:  # UnicodeDecodeError and JSONDecodeError both
        return None


def _read_header(handle: BinaryIO, name: str, tables: list[_Table]) -> bytes:
    """The header line. Raises ValidationError if the file is not an archive this code reads."""
    raw = handle.readline(_HEADER_MAX)
    header = _parse(raw) if raw.endswith(b"\n") else None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ValidationError(f"{name} is not a claims archive (its first line is no header).")
    if header.get("version") != VERSION:
        raise ValidationError(
            f"{name} is a claims archive of version {header.get('version')!r}; "
            f"this version of the tracker reads version {VERSION}."
        )
    expected = [t.name for t in tables]
    if header.get("tables") != expected or set(header) != {"format", "version", "tables"}:
        raise ValidationError(
            f"{name} lists the tables {header.get('tables')!r}; this version of the tracker "
            f"archives {expected}."
        )
    return raw


class _Verifier:
    """The first pass over a file: structure, values, checksum, counts and what the bound
    database can hold, without writing anything."""

    def __init__(
        self, tables: list[_Table], checks: dict[tuple[str, str], Callable[[Any], str | None]]
    ) -> None:
        self.tables = {t.name: t for t in tables}
        self.order = [t.name for t in tables]
        self.checks = checks
        self.counts = dict.fromkeys(self.order, 0)
        self.position = 0
        self.last_id: int | None = None
        self.chain = audit.ChainVerifier()
        self.without_password = 0
        self.storage_problem: str | None = None
        self.storage_problems = 0

    def row(self, lineno: int, line: Any) -> None:
        """Check one row line. Raises _CorruptError."""
        if not isinstance(line, dict):
            raise _CorruptError(f"line {lineno} is not a JSON object")
        if set(line) != {"table", "row"}:
            raise _CorruptError(f"line {lineno} is neither a row nor the end line")
        name = line["table"]
        table = self.tables.get(name) if isinstance(name, str) else None
        if table is None:
            raise _CorruptError(f"line {lineno} is a row of an unknown table {name!r}")
        position = self.order.index(name)
        if position < self.position:
            raise _CorruptError(f"line {lineno}: a {name} row after the rows of a later table")
        if position > self.position:
            self.position, self.last_id = position, None
        values = _decode_row(table, line["row"], lineno)
        row_id = values[table.primary_key]
        if self.last_id is not None and row_id <= self.last_id:
            raise _CorruptError(f"line {lineno}: {name} ids are not in increasing order")
        self.last_id = row_id
        self.counts[name] += 1
        if table.model is User and line["row"]["password_hash"] is None:
            self.without_password += 1
        elif table.model is AuditEvent:
            self.chain.add(line["row"])
        for column, value in zip(table.columns, values, strict=True):
            check = self.checks.get((name, column.name))
            problem = check(value) if check and value is not None else None
            if problem:
                self.storage_problems += 1
                self.storage_problem = self.storage_problem or (
                    f"{name} {row_id}, column {column.name}: {problem}"
                )


def _decode_row(table: _Table, row: Any, lineno: int) -> tuple[Any, ...]:
    """The values to insert for one archived row, in column order. Raises _CorruptError."""
    if not isinstance(row, dict):
        raise _CorruptError(f"line {lineno}: the row is not a JSON object")
    names = [c.name for c in table.columns]
    if set(row) != set(names):
        unknown = sorted(set(row) - set(names))
        if unknown:
            raise _CorruptError(f"line {lineno}: {table.name} has no column {unknown[0]!r}")
        missing = sorted(set(names) - set(row))
        raise _CorruptError(f"line {lineno}: the {table.name} row lacks column {missing[0]!r}")
    values: list[Any] = []
    for column in table.columns:
        value = row[column.name]
        if value is None:
            if table.model is User and column.name == "password_hash":
                values.append(NO_PASSWORD_HASH)
                continue
            if not column.field.null:
                raise _CorruptError(f"line {lineno}: {table.name}.{column.name} is null")
            values.append(None)
            continue
        try:
            values.append(_decode(column.kind, value))
        except ValueError as exc:
            raise _CorruptError(f"line {lineno}: {table.name}.{column.name}: {exc}") from None
    return tuple(values)


def _verify_file(path: Path, tables: list[_Table]) -> ArchiveSummary:
    """Read the whole file once and check it. Raises ValidationError naming the first problem."""
    name = str(path)
    verifier = _Verifier(tables, _storage_checks())
    digest = hashlib.sha256()
    footer: Any = None
    footer_digest = ""
    trailing = False
    problem: str | None = None
    try:
        with path.open("rb") as handle:
            digest.update(_read_header(handle, name, tables))
            for lineno, raw in enumerate(handle, start=2):
                if footer is not None:
                    trailing = trailing or bool(raw.strip())
                    continue
                line = _parse(raw)
                if isinstance(line, dict) and "end" in line:
                    footer, footer_digest = line, digest.hexdigest()
                    continue
                digest.update(raw)
                if problem is None:
                    try:
                        verifier.row(lineno, line)
                    except _CorruptError as exc:
                        problem = str(exc)
    except OSError as exc:
        raise ValidationError(f"Cannot read {name}: {exc.strerror or exc}.") from exc
    if footer is None:
        raise ValidationError(
            f"{name} is truncated (it has no end line): the export did not finish or the file "
            "was cut short; nothing was imported."
        )
    if footer.get("sha256") != footer_digest:
        raise ValidationError(
            f"{name} is corrupt: its SHA-256 does not match the one its end line records (the "
            "file was damaged or edited); nothing was imported."
        )
    if problem is None and trailing:
        problem = "there is data after the end line"
    if problem is None and (
        footer.get("end") is not True or set(footer) != {"end", "rows", "sha256"}
    ):
        problem = "its end line is malformed"
    if problem is None and footer.get("rows") != verifier.counts:
        problem = (
            f"its end line counts the rows as {footer.get('rows')!r}, the file holds "
            f"{verifier.counts!r}"
        )
    if problem is not None:
        raise ValidationError(f"{name} is corrupt: {problem}; nothing was imported.")
    if verifier.storage_problem is not None:
        more = verifier.storage_problems - 1
        raise ValidationError(
            f"This database cannot hold {name} exactly: {verifier.storage_problem}"
            + (f" (and {more:,} more value{'s' if more != 1 else ''})" if more else "")
            + "; nothing was imported."
        )
    return ArchiveSummary(
        MappingProxyType(dict(verifier.counts)),
        footer_digest,
        verifier.chain.report(),
        verifier.without_password,
    )


def _insert(table: _Table, batch: list[tuple[Any, ...]]) -> None:
    """One multi-row INSERT, written here: peewee building a query node per value takes most of
    an import's time. Raises ValidationError if the database refuses a row."""
    database = db.obj
    opening, closing = database.quote

    def quoted(name: str) -> str:
        return f"{opening}{name}{closing}"

    columns = ", ".join(quoted(c.name) for c in table.columns)
    values = "(" + ", ".join([database.param] * len(table.columns)) + ")"
    sql = f"INSERT INTO {quoted(table.name)} ({columns}) VALUES " + ", ".join(  # noqa: S608
        [values] * len(batch)
    )
    converters = [c.field.db_value for c in table.columns]
    params = [
        convert(value) for row in batch for convert, value in zip(converters, row, strict=True)
    ]
    try:
        db.execute_sql(sql, params)
    except peewee.DatabaseError as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValidationError(
            f"The database refused the {table.name} rows from id {batch[0][table.primary_key]}: "
            f"{detail}; nothing was imported."
        ) from exc


def _load(path: Path, tables: list[_Table]) -> str:
    """The second pass: insert every row, in batches; return the SHA-256 of what was read.

    Raises ValidationError if the database refuses a row.
    """
    by_name = {t.name: t for t in tables}
    digest = hashlib.sha256()
    table: _Table | None = None
    batch: list[tuple[Any, ...]] = []
    held = 0
    with path.open("rb") as handle:
        digest.update(handle.readline(_HEADER_MAX))
        for lineno, raw in enumerate(handle, start=2):
            line = json.loads(raw)
            if "end" in line:
                break
            digest.update(raw)
            row_table = by_name[line["table"]]
            if (
                row_table is not table
                or len(batch) >= row_table.insert_rows
                or held >= _BATCH_BYTES
            ):
                if table is not None and batch:
                    _insert(table, batch)
                table, batch, held = row_table, [], 0
            batch.append(_decode_row(row_table, line["row"], lineno))
            held += len(raw)
    if table is not None and batch:
        _insert(table, batch)
    return digest.hexdigest()


def _reset_sequences(tables: list[_Table]) -> None:
    """Point each PostgreSQL id sequence past the imported ids (the next id is MAX(id) + 1)."""
    for table in tables:
        pk = _primary_key(table.model)
        sequence = peewee.fn.pg_get_serial_sequence(f'"{table.name}"', pk.column_name)
        next_id = peewee.fn.COALESCE(peewee.fn.MAX(pk), 0) + 1
        table.model.select(peewee.fn.setval(sequence, next_id, False)).scalar()


def import_archive(path: str | Path) -> ArchiveSummary:
    """Load an archive into the bound database, which must be empty (but for the default rating
    scale, which the archive's replaces): the whole file is checked first, then every row is
    inserted with its id in one transaction, so a failure writes nothing.

    Raises ConflictError if the database is not empty; ValidationError if the file is not an
    archive, is truncated or corrupt, holds a value this database cannot store exactly, or
    the database refuses a row.
    """
    path = Path(path)
    tables = _tables()
    with connection():
        _require_empty()
        summary = _verify_file(path, tables)
        with db.atomic():
            _require_empty()
            Rating.delete().execute()
            try:
                digest = _load(path, tables)
            except (OSError, ValueError, KeyError, TypeError, _CorruptError) as exc:
                digest = f"unreadable ({exc})"
            if digest != summary.sha256:
                raise ValidationError(
                    f"{path} changed while it was being imported; nothing was imported."
                )
            if is_postgres():
                _reset_sequences(tables)
            chain = audit.verify()
            expected = summary.audit_chain
            if (chain.count, chain.broken_id) != (expected.count, expected.broken_id):
                raise ValidationError(
                    f"After the import the audit trail reads ({chain}), the archive's "
                    f"({expected}); nothing was imported."
                )
    return summary
