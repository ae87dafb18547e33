"""Rendered pages remembered between requests, each until a change touches what it shows.

A page is kept with what it was made from (its dependencies) and the id of the newest audit
event when its making began. Every change to the tracker writes audit events naming the record
it changed and that record's parent, in the change's own transaction, and event ids become
visible in order (SQLite has one writer at a time; on PostgreSQL appends hold a lock until they
commit). So before a page is served again, the events since then are read and the page is kept
when none of them names one of its records, a record type it reads wholesale (the rating
scale), or an action that reaches beyond its record (a new claim brings "checked before?"
suggestions to others).

Pure: no Flask, no database; the caller reads the events and says who is asking.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

V = TypeVar("V")


@dataclass(frozen=True)
class Change:
    """What an audit event says was changed."""

    id: int
    action: str
    entity_type: str
    entity_id: int | None
    parent_type: str | None
    parent_id: int | None


@dataclass
class Dependencies:
    """What a page shows: records by (type, id) with what belongs to them, records by (type,
    id) alone, whole record types, and actions whose events change it whatever record they
    name."""

    records: set[tuple[str, int]] = field(default_factory=set)
    types: set[str] = field(default_factory=set)
    actions: set[str] = field(default_factory=set)
    alone: set[tuple[str, int]] = field(default_factory=set)

    def add(self, kind: str, ids: Iterable[int | None]) -> None:
        """Depend on these records of one type and on what belongs to them (a claim's
        evidence, verdicts and match decisions name the claim as their parent; None is
        skipped)."""
        self.records.update((kind, i) for i in ids if i is not None)

    def add_alone(self, kind: str, ids: Iterable[int]) -> None:
        """Depend on these records' own changes only: a page that lists claims shows nothing
        of their evidence, and a change to evidence that moves its claim on (a first item
        starts the research) writes the claim's own event too."""
        self.alone.update((kind, i) for i in ids)

    def touched_by(self, change: Change) -> bool:
        """Tell whether this change may alter the page."""
        own = (change.entity_type, change.entity_id)
        return (
            change.entity_type in self.types
            or change.action in self.actions
            or own in self.records
            or own in self.alone
            or (change.parent_type, change.parent_id) in self.records
        )


@dataclass
class Entry:
    """One remembered page (or a part of one: claims/views/pages.py)."""

    body: Any
    dependencies: Dependencies
    checked: int  # the newest event id known not to touch it


class PageCache:
    """Remembered pages, least recently used dropped first beyond `max_bytes` of text."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, Entry] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()  # the development server answers from several threads
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable) -> Entry | None:
        """The page remembered under `key`, if any (not yet checked against changes)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: Hashable, body: str, dependencies: Dependencies, checked: int) -> None:
        """Remember a page made from data no older than event `checked`."""
        if len(body) > self.max_bytes // 4:
            return  # one page should not push out all the others
        with self._lock:
            self._drop(key)
            self._entries[key] = Entry(body, dependencies, checked)
            self._size += len(body)
            while self._size > self.max_bytes and self._entries:
                self._drop(next(iter(self._entries)))

    def discard(self, key: Hashable) -> None:
        """Forget one page."""
        with self._lock:
            self._drop(key)

    def clear(self) -> None:
        """Forget every page."""
        with self._lock:
            self._entries.clear()
            self._size = 0

    def _drop(self, key: Hashable) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._size -= len(entry.body)


class Kept(Generic[V]):
    """Values made before, by key: at most `limit` of them, the least recently used dropped
    first; safe between threads (the development server answers from several). The memories of
    drawn form fields, timeline entries, page parts and evidence groupings."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._entries: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[Hashable]:
        with self._lock:
            return iter(list(self._entries))

    def items(self) -> list[tuple[Hashable, V]]:
        with self._lock:
            return list(self._entries.items())

    def values(self) -> list[V]:
        with self._lock:
            return list(self._entries.values())

    def get(self, key: Hashable) -> V | None:
        """The value kept under `key`, now the most recently used; None if there is none."""
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: Hashable, value: V) -> None:
        """Keep `value` under `key`, dropping the least recently used past the limit."""
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.limit:
                self._entries.popitem(last=False)

    def get_or_make(self, key: Hashable, make: Callable[[], V]) -> V:
        """The value kept under `key`, or the one `make` returns, kept (made outside the lock:
        two threads may make it both, and the same)."""
        found = self.get(key)
        if found is None:
            found = make()
            self.put(key, found)
        return found

    def clear(self) -> None:
        """Forget everything kept."""
        with self._lock:
            self._entries.clear()


def still_valid(entry: Entry, changes: list[Change] | None) -> bool:
    """Tell whether a page survives the changes made since it was checked (None: too many
    changes to look at, so it does not); on success the entry is marked checked up to them."""
    if changes is None:
        return False
    if any(entry.dependencies.touched_by(change) for change in changes):
        return False
    if changes:
        entry.checked = max(entry.checked, changes[-1].id)
    return True
