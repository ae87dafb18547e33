"""The audit trail: one hash-chained, append-only event per change, written inside the change's
own transaction, and the verification of the chain.

The canonical serialization that each event's hash covers is documented in the README
("The audit trail"). Nothing here imports Flask: callers pass an `Actor`.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

import peewee

from claims.db import Prepared, PreparedSelect, db, is_postgres, utcnow
from claims.errors import NotFoundError, ValidationError
from claims.models import AuditEvent
from claims.pagecache import Change
from claims.text import one_line

GENESIS_HASH = "0" * 64
# Fields whose values never enter the trail; a change to one is recorded as "changed".
SECRET_FIELDS = frozenset({"password_hash", "token_hash"})
# Fields that change on every write and say nothing a reader of the trail needs.
NOISE_FIELDS = frozenset({"updated_at"})
# Key of the PostgreSQL transaction-level advisory lock that serializes appends.
_PG_LOCK_KEY = 0x434C41494D53  # "CLAIMS"
_VERIFY_BATCH = 5000


@dataclass(frozen=True)
class Actor:
    """Who is acting, and from where: a signed-in user, or the system (CLI, demo)."""

    user_id: int | None
    name: str
    ip: str | None = None
    request_id: str | None = None

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        """An actor for commands run on the server itself."""
        return cls(user_id=None, name=name)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return {"bytes": len(value)}
    return value


# One encoder for every event: json.dumps with options builds a new encoder on each call,
# which is a third of the cost of verifying a million events.
_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain
)


def canonical_json(value: Any) -> str:
    """Serialize as the trail stores and hashes it: sorted keys, no spaces, UTF-8 kept."""
    return _ENCODER.encode(value)


def canonical_time(at: datetime | str) -> str:
    """An event's time as hashed: YYYY-MM-DDTHH:MM:SS.ffffffZ (UTC).

    Accepts a datetime, or the text a database gives for one ("2026-01-02 10:00:00.5" from
    PostgreSQL drops trailing zeros; SQLite may omit a zero fraction).
    """
    if isinstance(at, datetime):
        return at.isoformat(timespec="microseconds") + "Z"
    if at.endswith("Z"):
        return at
    day, _, clock = at.replace("T", " ").partition(" ")
    whole, _, fraction = clock.partition(".")
    return f"{day}T{whole}.{fraction[:6].ljust(6, '0')}Z"


def _redacted(values: dict[str, Any] | None, marker: str) -> dict[str, Any] | None:
    if values is None:
        return None
    return {k: (marker if k in SECRET_FIELDS else _plain(v)) for k, v in values.items()}


def changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Reduce two full states to the fields that differ (ignoring bookkeeping fields)."""
    keys = [k for k in after if k not in NOISE_FIELDS and before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def event_hash(
    *,
    at: datetime | str,
    actor_id: int | None,
    actor_name: str,
    action: str,
    entity_type: str,
    entity_id: int | None,
    parent_type: str | None,
    parent_id: int | None,
    before: str | None,
    after: str | None,
    ip: str | None,
    request_id: str | None,
    prev_hash: str,
) -> str:
    """SHA-256 (hex) of an event's canonical serialization: canonical_json of the fields and
    "v": 1, written out directly (keys in sorted order) when every value is text, a whole number
    or null, which is all an event holds; the same bytes, without building and sorting a dict
    per event (half the cost of verifying a million)."""
    values = (
        action,
        actor_id,
        actor_name,
        after,
        canonical_time(at),
        before,
        entity_id,
        entity_type,
        ip,
        parent_id,
        parent_type,
        prev_hash,
        request_id,
    )
    try:
        parts = [_SCALAR[type(v)](v) for v in values]
    except KeyError:
        content = dict(zip(_HASHED_KEYS, values, strict=True))
        content["v"] = 1
        text = canonical_json(content)
    else:
        text = _HASHED_TEMPLATE.format(*parts)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# The hashed fields in canonical (sorted) order, and a template with their values in place.
_HASHED_KEYS = (
    "action",
    "actor_id",
    "actor_name",
    "after",
    "at",
    "before",
    "entity_id",
    "entity_type",
    "ip",
    "parent_id",
    "parent_type",
    "prev_hash",
    "request_id",
)
_HASHED_TEMPLATE = (
    "{{" + ",".join(f'"{k}":{{{n}}}' for n, k in enumerate(_HASHED_KEYS)) + ',"v":1}}'
)
# The same with prev_hash's value in place unescaped, for `verify` (a hex digest needs none).
_LINKED_TEMPLATE = _HASHED_TEMPLATE.replace('"prev_hash":{11}', '"prev_hash":"{11}"')
# How canonical_json writes each type an event's field can hold (bool is not int here).
_SCALAR: dict[type, Any] = {
    str: json.encoder.encode_basestring,
    int: int.__repr__,
    type(None): lambda _: "null",
}


def record(
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: int | None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    parent: tuple[str, int] | None = None,
) -> AuditEvent:
    """Append one event to the chain, inside the caller's open transaction.

    Raises RuntimeError if called outside a transaction: an event must commit or roll back with
    the change it describes.
    """
    if db.transaction_depth() == 0:
        raise RuntimeError("audit.record() must run inside the change's transaction")
    if is_postgres():
        # Serializes appends across connections and app servers until this transaction ends.
        db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (_PG_LOCK_KEY,))
    # On SQLite every transaction is BEGIN IMMEDIATE (claims/db.py), which already serializes.
    newest = _NEWEST()
    last = newest[0] if newest else None
    # Times never go backwards along the chain, even when app servers' clocks differ a little:
    # so "events between two dates" is a range of ids (claims/audit.py: search).
    now = utcnow()
    fields: dict[str, Any] = {
        "at": max(now, last.at) if last else now,
        "actor_id": actor.user_id,
        "actor_name": actor.name[:64],
        "action": action,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "parent_type": parent[0] if parent else None,
        "parent_id": parent[1] if parent else None,
        "before": None if before is None else canonical_json(_redacted(before, "(secret)")),
        "after": None if after is None else canonical_json(_redacted(after, "changed")),
        "ip": actor.ip,
        "request_id": actor.request_id,
        "prev_hash": last.hash if last else GENESIS_HASH,
    }
    return AuditEvent.create(hash=event_hash(**fields), **fields)


_NEWEST = PreparedSelect(
    lambda: (
        AuditEvent.select(AuditEvent.hash, AuditEvent.at).order_by(AuditEvent.id.desc()).limit(1)
    )
)


@dataclass(frozen=True)
class ChainReport:
    """The outcome of walking the chain."""

    count: int
    broken_id: int | None = None
    reason: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_id is None

    def __str__(self) -> str:
        if self.intact:
            return f"{self.count} events, chain intact"
        return f"chain broken at event {self.broken_id}: {self.reason}"


_COLUMNS = (
    AuditEvent.id,
    AuditEvent.at,
    AuditEvent.actor_id,
    AuditEvent.actor_name,
    AuditEvent.action,
    AuditEvent.entity_type,
    AuditEvent.entity_id,
    AuditEvent.parent_type,
    AuditEvent.parent_id,
    AuditEvent.before,
    AuditEvent.after,
    AuditEvent.ip,
    AuditEvent.request_id,
    AuditEvent.prev_hash,
    AuditEvent.hash,
)
_NAMES = tuple(c.name for c in _COLUMNS)


def iter_events(batch: int = _VERIFY_BATCH, after_id: int = 0) -> Iterator[dict[str, Any]]:
    """Yield every event after `after_id` (all of them by default) in chain order as a dict
    (its time as canonical text), reading in keyset-paginated batches."""
    # The time is read as text: parsing a million datetimes only to format them again is
    # the slowest part of a walk over the chain.
    columns = [c.cast("TEXT").alias("at") if c is AuditEvent.at else c for c in _COLUMNS]
    last_id = after_id
    while True:
        # Raw cursor rows: every column is already text or a number, and peewee's per-field
        # conversion would cost more than hashing the event.
        query = (
            AuditEvent.select(*columns)
            .where(AuditEvent.id > last_id)
            .order_by(AuditEvent.id)
            .limit(batch)
        )
        rows: list[Any] = db.execute(query).fetchall()
        if not rows:
            return
        for row in rows:
            event = dict(zip(_NAMES, row, strict=True))
            event["at"] = canonical_time(event["at"])
            yield event
        last_id = rows[-1][0]


class ChainVerifier:
    """Checks events one at a time, in chain order: links and hashes. Fed by `verify_events`
    from the database or an export, and by the archive while its rows stream past."""

    def __init__(self) -> None:
        self.expected_prev = GENESIS_HASH
        self.count = 0
        self.broken: ChainReport | None = None

    def add(self, event: Mapping[str, Any]) -> bool:
        """Check the next event; False once the chain is broken (here or before)."""
        if self.broken is not None:
            return False
        if event["prev_hash"] != self.expected_prev:
            self.broken = ChainReport(
                self.count, event["id"], "its prev_hash does not match the event before it"
            )
            return False
        computed = event_hash(
            at=event["at"],
            actor_id=event["actor_id"],
            actor_name=event["actor_name"],
            action=event["action"],
            entity_type=event["entity_type"],
            entity_id=event["entity_id"],
            parent_type=event["parent_type"],
            parent_id=event["parent_id"],
            before=event["before"],
            after=event["after"],
            ip=event["ip"],
            request_id=event["request_id"],
            prev_hash=event["prev_hash"],
        )
        if computed != event["hash"]:
            self.broken = ChainReport(
                self.count, event["id"], "its content does not match its hash"
            )
            return False
        self.count += 1
        self.expected_prev = event["hash"]
        return True

    def report(self) -> ChainReport:
        """The first broken event, or how many events verified."""
        return self.broken or ChainReport(self.count)


def verify_events(events: Iterator[dict[str, Any]]) -> ChainReport:
    """Check links and hashes of events given in chain order (from the database or an export)."""
    verifier = ChainVerifier()
    for event in events:
        if not verifier.add(event):
            break
    return verifier.report()


def verify(batch: int = _VERIFY_BATCH) -> ChainReport:
    """Walk the whole chain in the bound database: what `verify_events(iter_events())` checks,
    on the rows as read, without an event dict or a keyword call for each of a million events."""
    esc, sha256, template = json.encoder.encode_basestring, hashlib.sha256, _LINKED_TEMPLATE
    expected, count, last_id = GENESIS_HASH, 0, 0
    while True:
        first = last_id
        # Rows taken from the cursor one at a time, each freed before the next is read: a batch
        # held whole (fetchall) outlives several garbage collections, which then scan it.
        for row in _VERIFY_ROWS.execute(last_id, batch):
            (
                event_id,
                stored,
                action,
                actor_id,
                actor_name,
                after,
                at,
                before,
                entity_id,
                entity_type,
                ip,
                parent_id,
                parent_type,
                prev_hash,
                request_id,
            ) = row
            if prev_hash != expected:
                return ChainReport(
                    count, event_id, "its prev_hash does not match the event before it"
                )
            # event_hash's canonical text, each field written as its column's type allows (the
            # drivers give whole numbers as int, never bool): a value of another type, which esc
            # or int.__repr__ refuses, takes the general path. prev_hash goes in unescaped: it
            # equals the hash before it, a hex digest.
            try:
                text = template.format(
                    esc(action),
                    "null" if actor_id is None else int.__repr__(actor_id),
                    esc(actor_name),
                    "null" if after is None else esc(after),
                    esc(canonical_time(at)),
                    "null" if before is None else esc(before),
                    "null" if entity_id is None else int.__repr__(entity_id),
                    esc(entity_type),
                    "null" if ip is None else esc(ip),
                    "null" if parent_id is None else int.__repr__(parent_id),
                    "null" if parent_type is None else esc(parent_type),
                    prev_hash,
                    "null" if request_id is None else esc(request_id),
                )
            except TypeError:
                values = dict(zip(_HASHED_KEYS, row[2:], strict=True))
                text = canonical_json({**values, "at": canonical_time(at), "v": 1})
            if sha256(text.encode("utf-8")).hexdigest() != stored:
                return ChainReport(count, event_id, "its content does not match its hash")
            count += 1
            expected = stored
            last_id = event_id
        if last_id == first:  # nothing after it: the end of the chain
            return ChainReport(count)


# Events after an id, in chain order: id, hash and the hashed fields in canonical order, `at` as
# text (psycopg2 building a datetime that canonical_time then formats takes twice as long).
_VERIFY_ROWS = Prepared(
    lambda: (
        AuditEvent.select(
            AuditEvent.id,
            AuditEvent.hash,
            *(
                AuditEvent.at.cast("TEXT") if k == "at" else getattr(AuditEvent, k)
                for k in _HASHED_KEYS
            ),
        )
        .where(AuditEvent.id > 0)
        .order_by(AuditEvent.id)
        .limit(1)
    )
)


ENTITY_TYPES = (
    "article",
    "claim",
    "quantity",
    "source",
    "snapshot",
    "citation",
    "evidence",
    "verdict",
    "rating",
    "user",
    "api_token",
    "security",
    "audit_event",
)


@dataclass(frozen=True)
class EventFilter:
    """What the audit page and API filter by; every field optional."""

    actor: str | None = None
    entity_type: str | None = None
    entity_id: int | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    text: str | None = None


def search(flt: EventFilter, *, before_id: int | None = None, limit: int = 50) -> list[AuditEvent]:
    """Events matching a filter, newest first, older than `before_id` (keyset pagination).

    Raises ValidationError for a record id without its record type.
    """
    if flt.entity_type and flt.entity_id is not None:
        return _record_events(flt, flt.entity_type, flt.entity_id, before_id, limit)
    action = one_line(flt.action).lower()  # actions are lower case; what is typed may not be
    if action and not is_postgres():
        return _action_events(flt, action, before_id, limit)
    query, common = _filtered_with(flt)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    if common is not None and not (flt.actor or flt.since or flt.until):
        # (An actor's events, or a period's, are read along their own index instead.)
        return _through_candidates(query, common, before_id, limit)
    return list(query.order_by(AuditEvent.id.desc()).limit(limit))


# A common text's candidates (TEXT_CANDIDATES_FEW or more) are read newest first in windows,
# the first this large and each next four times larger up to TEXT_WINDOW_MAX, until a page is
# full or TEXT_WINDOWS_READ have been read; then the trail below them is read newest first.
TEXT_WINDOW_FIRST = 500
TEXT_WINDOW_MAX = 10_000
TEXT_WINDOWS_READ = 40_000


_NEWEST_CANDIDATES = (
    "SELECT rowid FROM audit_text WHERE audit_text MATCH ? ORDER BY rowid DESC LIMIT ?"
)
_CANDIDATES_BELOW = (
    "SELECT rowid FROM audit_text WHERE audit_text MATCH ? AND rowid < ? "
    "ORDER BY rowid DESC LIMIT ?"
)


def _through_candidates(
    query: Any, match: str, before_id: int | None, limit: int
) -> list[AuditEvent]:
    """The newest events of `query` among a common text's candidates (SQLite's trigram index),
    read newest first a window at a time. Reading the trail newest first instead went through
    every newer event that holds none of the text: 96 ms for "in_research" when the newest
    190,000 events were evidence edits, against 3 ms."""
    found: list[AuditEvent] = []
    upper, size, read = before_id, TEXT_WINDOW_FIRST, 0
    while len(found) < limit and read < TEXT_WINDOWS_READ:
        if upper is None:
            rows = db.execute_sql(_NEWEST_CANDIDATES, (match, size))
        else:
            rows = db.execute_sql(_CANDIDATES_BELOW, (match, upper, size))
        window = [row[0] for row in rows]
        if not window:
            return found
        read += len(window)
        chosen = query.where(AuditEvent.id.in_(window)).order_by(AuditEvent.id.desc())
        found += list(chosen.limit(limit - len(found)))
        upper, size = window[-1], min(size * 4, TEXT_WINDOW_MAX)
    if len(found) < limit and upper is not None:
        # Rare among the candidates read: the rest of the trail, newest first.
        rest = query.where(AuditEvent.id < upper).order_by(AuditEvent.id.desc())
        found += list(rest.limit(limit - len(found)))
    return found


def _record_events(
    flt: EventFilter, entity_type: str, entity_id: int, before_id: int | None, limit: int
) -> list[AuditEvent]:
    """A record's events and those of what belongs to it, newest first (`_walked`). Asked for
    in one query ("own or children, newest first"), SQLite gathered and sorted every event of
    the record first: 65 ms for a claim with 28,000 events."""
    rest = replace(flt, entity_type=None, entity_id=None)
    return _walked(rest, _record(entity_type, entity_id), before_id, limit)


def _action_events(
    flt: EventFilter, action: str, before_id: int | None, limit: int
) -> list[AuditEvent]:
    """Events of an action and of those under it ("verdict": verdict.propose, verdict.approve
    ...), newest first (`_walked`, one walk per action along the action index). As one query
    ("verdict" or "verdict.*", newest first) SQLite read the trail newest first until a page
    was full, through every event of other actions: 49 ms when the newest 70,000 were evidence
    edits. SQLite only: its byte order puts "verdict/" right after every "verdict.*" (a
    PostgreSQL collation may ignore punctuation), and PostgreSQL plans the one query well."""
    sides = [AuditEvent.action == name for name in _actions_under(action)]
    return _walked(replace(flt, action=None), sides, before_id, limit)


def _walked(
    flt: EventFilter, sides: Iterable[Any], before_id: int | None, limit: int
) -> list[AuditEvent]:
    """The events matching `flt` and any one of `sides`, newest first: the newest ids of each
    side read backwards along its own index, then those rows."""
    base = _filtered(flt)
    if before_id is not None:
        base = base.where(AuditEvent.id < before_id)
    walks = [
        base.where(side).select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(limit).tuples()
        for side in sides
    ]
    ids = _newest(walks, limit)
    return list(reversed(_EVENTS(ids))) if ids else []


# More actions than any prefix holds (there are about 60 in all): past it, the rest are not read.
ACTIONS_UNDER_MAX = 200


def _actions_under(action: str) -> list[str]:
    """The action itself and the actions under it ("login": login.failed, login.succeeded),
    each found by one lookup in the action index (the next one after the last found)."""
    found = [action]
    # "." then "/" are neighbours in SQLite's byte order: the range holds "action.*" only.
    low, high = action + ".", action + "/"
    after = AuditEvent.action >= low
    for _ in range(ACTIONS_UNDER_MAX):
        row = (
            AuditEvent.select(AuditEvent.action)
            .where(after & (AuditEvent.action < high))
            .order_by(AuditEvent.action)
            .limit(1)
            .tuples()
            .first()
        )
        if row is None:
            break
        found.append(row[0])
        after = AuditEvent.action > row[0]
    return found


def _newest(walks: Iterable[Iterable[Any]], limit: int) -> list[int]:
    """The newest `limit` event ids of several walks, each newest first, newest first."""
    return sorted({row[0] for walk in walks for row in walk}, reverse=True)[:limit]


def _record(entity_type: str, entity_id: int) -> tuple[Any, Any]:
    """The conditions on a record's own events and on those of what belongs to it."""
    return (
        (AuditEvent.entity_type == entity_type) & (AuditEvent.entity_id == entity_id),
        (AuditEvent.parent_type == entity_type) & (AuditEvent.parent_id == entity_id),
    )


def _filtered(flt: EventFilter) -> Any:
    return _filtered_with(flt)[0]


# Up to this many candidates of a text, read them all (a few ms) and keep the newest; past it
# the text is common: see _through_candidates.
TEXT_CANDIDATES_FEW = 10_000


def _filtered_with(flt: EventFilter) -> tuple[Any, str | None]:
    """The filter's query, and the trigram match of its text when the text is common (SQLite):
    the query then tests every event's columns for the text, without candidates."""
    common = None
    query = AuditEvent.select()
    flt = replace(
        flt,
        actor=one_line(flt.actor) or None,
        action=one_line(flt.action).lower() or None,
        text=one_line(flt.text) or None,
    )
    if flt.entity_id is not None and not flt.entity_type:
        raise ValidationError(
            "Choose the record type that the record id belongs to.", field="entity_id"
        )
    if flt.actor:
        query = query.where(AuditEvent.actor_name == flt.actor)
    if flt.entity_type:
        if flt.entity_id is not None:
            own, children = _record(flt.entity_type, flt.entity_id)
            query = query.where(own | children)
        else:
            query = query.where(AuditEvent.entity_type == flt.entity_type)
    if flt.action:
        # "login" matches login.failed and login.succeeded; "login.failed" only itself.
        query = query.where(
            (AuditEvent.action == flt.action) | AuditEvent.action.startswith(flt.action + ".")
        )
    if flt.since:
        first = _first_id(AuditEvent.at >= flt.since, AuditEvent.at)
        query = query.where(AuditEvent.id >= first) if first else query.where(False)
    if flt.until:
        last = _first_id(AuditEvent.at < flt.until, AuditEvent.at.desc())
        query = query.where(AuditEvent.id <= last) if last else query.where(False)
    if flt.text:
        # Any part of after, before, actor_name or action, case-insensitively (peewee escapes
        # % and _ in contains()). From three characters on, a trigram index (migration 0010)
        # finds the events instead of reading the trail newest first until a page is full.
        from peewee import OP, SQL, Expression, NodeList, Value, fn

        text = flt.text
        exact = (
            AuditEvent.after.contains(text)
            | AuditEvent.before.contains(text)
            | AuditEvent.actor_name.contains(text)
            | AuditEvent.action.contains(text)
        )
        if len(text) < 3:
            query = query.where(exact)  # no trigram to look up: read newest first
        elif is_postgres():
            # The index's expression, node for node (four columns joined by a line break, which
            # one_line() leaves no text holding: so a match never spans two columns). On UTF-8,
            # PostgreSQL's ILIKE is LIKE between the lower() of both sides: the same test, once.
            joined: Any = fn.COALESCE(AuditEvent.after, "")
            for column in (AuditEvent.before, AuditEvent.actor_name, AuditEvent.action):
                joined = joined.concat("\n").concat(fn.COALESCE(column, ""))
            escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            pattern = NodeList((fn.lower(f"%{escaped}%"), SQL("ESCAPE"), Value("\\")))
            query = query.where(Expression(fn.lower(joined), OP.LIKE, pattern))
        else:
            # Candidates: the events that hold a few of the text's trigrams, in any column (a
            # superset, which `exact` narrows). Each trigram is an FTS5 string: nothing typed
            # is query syntax. Trigrams that tile the text, the last one flush with its end:
            starts = dict.fromkeys([*range(0, len(text) - 2, 3), len(text) - 3])
            terms = ['"' + text[i : i + 3].replace('"', '""') + '"' for i in starts]
            # ... of which the four rarest: reading a trigram's list of events costs time in
            # proportion to its length. A trigram's rarity: the id of its 201st newest event
            # (-1 when it has fewer), a lookup of 201 entries, however common it is.
            rank = (
                "SELECT rowid FROM audit_text WHERE audit_text MATCH ? "
                "ORDER BY rowid DESC LIMIT 1 OFFSET 200"
            )
            rarest = sorted(
                dict.fromkeys(terms),
                key=lambda term: (db.execute_sql(rank, (term,)).fetchone() or (-1,))[0],
            )
            match = " AND ".join(rarest[:4])
            few = TEXT_CANDIDATES_FEW
            found = db.execute_sql(
                "SELECT count(*) FROM (SELECT 1 FROM audit_text WHERE audit_text MATCH ? LIMIT ?)",
                (match, few + 1),
            ).fetchone()[0]
            if found <= few:
                candidates = SQL("(SELECT rowid FROM audit_text WHERE audit_text MATCH ?)", [match])
                query = query.where(AuditEvent.id.in_(candidates) & exact)
            else:
                query = query.where(exact)
                common = match
    return query, common


def day_start(day: date) -> datetime:
    """The first instant of a day (UTC), where a "from" date starts."""
    return datetime.combine(day, datetime.min.time())


def day_after(day: date) -> datetime:
    """The first instant after a day, where an inclusive "to" date ends.

    Raises ValidationError for the last day the calendar has.
    """
    if day >= date.max:
        raise ValidationError("Choose a date before the year 9999.", field="until")
    return day_start(day) + timedelta(days=1)


def _first_id(condition: Any, order: Any) -> int | None:
    """The id of the first event in `order` that meets `condition` (one index lookup on at)."""
    row = (
        AuditEvent.select(AuditEvent.id)
        .where(condition)
        .order_by(order, AuditEvent.id if order is AuditEvent.at else AuditEvent.id.desc())
        .limit(1)
        .first()
    )
    return row.id if row else None


def get_event(event_id: int) -> AuditEvent:
    """One event. Raises NotFoundError if there is none."""
    event = AuditEvent.get_or_none(AuditEvent.id == event_id)
    if event is None:
        raise NotFoundError("No such audit event.")
    return event


def previous_event_id(event: AuditEvent) -> int | None:
    """The id of the event this one is chained to."""
    row = AuditEvent.select(AuditEvent.id).where(AuditEvent.hash == event.prev_hash).first()
    return row.id if row else None


# A timeline counts its record's events up to this many ("more than 1,000"): counting all of a
# busy claim's took 1.8 ms at 20,000 events, on every view of its page.
HISTORY_COUNT_CAP = 1000


@dataclass(frozen=True)
class Timeline:
    """The newest events of a record and what belongs to it (oldest first), and how many
    there are in all, counted up to HISTORY_COUNT_CAP (`capped`: more than that)."""

    events: list[AuditEvent]
    total: int
    capped: bool = False

    @property
    def more(self) -> int:
        """How many older events there are (at least this many when `capped`)."""
        return self.total - len(self.events)


def history(entity_type: str, entity_id: int, limit: int = 100) -> Timeline:
    """A record's own timeline, with the events of what belongs to it (a claim's verdicts, an
    article's claims): the newest `limit`, oldest first, and the total, counted up to
    HISTORY_COUNT_CAP."""
    newest_own, newest_children, total = _history_queries(entity_type)
    # The newest ids of each kind, read backwards along their indexes, then those rows: asking
    # for "own or children, newest first" sorted every event of a busy claim (2,000 and more)
    # with its text.
    ids = _newest([newest_own(entity_id, limit), newest_children(entity_id, limit)], limit)
    events = _EVENTS(ids) if ids else []
    # Counted every time, so that a page runs the same queries however long the history; the
    # count reads the indexes only, and stops past the cap.
    counted = int(total(entity_id, entity_id, HISTORY_COUNT_CAP + 1)[0][0])
    if counted > HISTORY_COUNT_CAP:
        return Timeline(events, HISTORY_COUNT_CAP, capped=True)
    return Timeline(events, counted)


@functools.cache
def _history_queries(entity_type: str) -> tuple[PreparedSelect, PreparedSelect, PreparedSelect]:
    """A record type's timeline queries, made once (the type is part of their SQL)."""

    def own(entity_id: int) -> peewee.Expression:
        return (AuditEvent.entity_type == entity_type) & (AuditEvent.entity_id == entity_id)

    def children(entity_id: int) -> peewee.Expression:
        return (AuditEvent.parent_type == entity_type) & (AuditEvent.parent_id == entity_id)

    def newest(condition: Any) -> PreparedSelect:
        return PreparedSelect(
            lambda entity_id, limit: (
                AuditEvent.select(AuditEvent.id)
                .where(condition(entity_id))
                .order_by(AuditEvent.id.desc())
                .limit(limit)
                .tuples()
            )
        )

    total = PreparedSelect(
        lambda first, second, cap: (
            AuditEvent.select(peewee.fn.COUNT(peewee.SQL("1")))
            .from_(
                AuditEvent.select(peewee.SQL("1")).where(own(first) | children(second)).limit(cap)
            )
            .tuples()
        )
    )
    return newest(own), newest(children), total


_EVENTS = PreparedSelect(
    lambda ids: AuditEvent.select().where(AuditEvent.id.in_(ids)).order_by(AuditEvent.id)
)


# Kept in the record (and its hash) but not shown in the readable diff.
BOOKKEEPING_FIELDS = frozenset({"id", "version", "prefix", "suffix", "created_at", "updated_at"})


def field_changes(event: AuditEvent) -> list[tuple[str, Any, Any]]:
    """The event as (field, before, after) rows, for a reader rather than a program."""
    before = json.loads(event.before) if event.before else {}
    after = json.loads(event.after) if event.after else {}
    fields = [f for f in dict.fromkeys([*before, *after]) if f not in BOOKKEEPING_FIELDS]
    return [(name, before.get(name), after.get(name)) for name in fields]


def event_json(event: AuditEvent | dict[str, Any]) -> dict[str, Any]:
    """An event as exported and served by the API: every hashed field, before/after as text."""
    data = event if isinstance(event, dict) else event.__data__
    return {
        "id": data["id"],
        "at": canonical_time(data["at"]),
        **{name: data[name] for name in _NAMES if name not in ("id", "at")},
    }


def export_lines() -> Iterator[str]:
    """The whole trail as JSON Lines, in chain order, streamed (one line per event)."""
    for event in iter_events():
        yield canonical_json(event_json(event)) + "\n"


def read_export(lines: Iterator[str]) -> Iterator[dict[str, Any]]:
    """Parse an exported trail back into events that `verify_events` accepts."""
    for line in lines:
        if line.strip():
            yield json.loads(line)


def last_event_id() -> int:
    """The id of the newest event (0 for an empty trail)."""
    return int(_LAST_EVENT.execute().fetchone()[0] or 0)


def changes_since(after_id: int, limit: int) -> list[Change] | None:
    """What the events after `after_id` changed, oldest first; None when there are more than
    `limit` of them (whoever asks then treats everything as changed)."""
    rows = _CHANGES.execute(after_id, limit + 1).fetchall()
    if len(rows) > limit:
        return None
    return [Change(*row) for row in rows]


# Asked on every view of a remembered page (claims/views/pages.py).
_LAST_EVENT = Prepared(lambda: AuditEvent.select(peewee.fn.MAX(AuditEvent.id)))
_CHANGES = Prepared(
    lambda: (
        AuditEvent.select(
            AuditEvent.id,
            AuditEvent.action,
            AuditEvent.entity_type,
            AuditEvent.entity_id,
            AuditEvent.parent_type,
            AuditEvent.parent_id,
        )
        .where(AuditEvent.id > 0)
        .order_by(AuditEvent.id)
        .limit(1)
    )
)
