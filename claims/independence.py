"""Which evidence items are independent: near-duplicate and same-origin grouping. Pure.

Three links to one press release, or to three outlets running the same wire story, are one
piece of evidence, not three. `groups` joins two evidence items when

- they come from the same source;
- their sources share provenance: both cite one source (the press release), or one's source
  is cited by the other's (`Item.cites` holds the ids of the sources an item's source cites,
  and its source's root when known);
- their texts are near-duplicates: the Jaccard similarity of their word 5-shingles is at
  least DUPLICATE_THRESHOLD.

and joins transitively (union-find), so a chain of copies is one group.

Texts are compared as sets of word k-shingles (k consecutive words, SHINGLE_SIZE = 5), after
case folding, NFKC and dropping punctuation, each hashed to 64 bits with BLAKE2b (stable across
runs and machines, unlike Python's salted hash()). A text of fewer than k words is one shingle
of all its words, so short excerpts match only when their words are the same.

The sketch is a one-permutation MinHash (Li, Owen & Zhang, NIPS 2012): one seeded 64-bit mix
of each shingle's hash, split into num_perm bins by its remainder, keeping the smallest value in
each bin. It estimates Jaccard similarity like num_perm independent permutations of the
classic MinHash, for one hash per shingle instead of num_perm (in pure Python, the difference
between 60 ms and over a second for 300 articles). `similarity` is the share of equal bins
among the bins not empty in both sketches. `groups` uses the sketches to pick candidate pairs
(estimate at least DUPLICATE_THRESHOLD - VERIFY_MARGIN) and decides on their exact Jaccard:
estimation noise (a standard deviation of up to 0.06 with 64 bins, a third of the margin) only
matters for a pair the sketches put more than three deviations too low.

DUPLICATE_THRESHOLD = 0.25 (exact Jaccard of 5-shingles) was measured on 128 labelled pairs
(tests/test_independence.py): versions of one wire story or paragraph as three outlets ran it
(another headline and dateline, the outlet's furniture, a sentence trimmed or reworded), a
story cut to its first half, and a republished article score 0.30-0.89; articles of their own
on the same story (same names, same figures) under 0.02; partial reuse (a follow-up recycling
two background paragraphs, a report quoting the army's statement at length) 0.05-0.15. Every
threshold from 0.2 to 0.3 separates them (precision and recall 1.0); 0.25 keeps the widest
margin on both sides. 0.5 would miss half of the copies: Jaccard is intersection over union, so
two differently trimmed 160-word copies with their own furniture already fall to 0.44.

Feed the main text of a page (trafilatura's, as claims/documents.py reads articles), not its
visible text: a site's navigation and footer, shared by all its pages, would make its articles
look alike, and would dilute the similarity of a wire story run by two sites.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from operator import eq

SHINGLE_SIZE = 5
NUM_PERM = 64
DUPLICATE_THRESHOLD = 0.25
# Pairs whose estimate is at least DUPLICATE_THRESHOLD - VERIFY_MARGIN get their exact Jaccard
# computed: 0.2 is over three standard deviations of a 64-bin estimate (at most 0.0625).
VERIFY_MARGIN = 0.2
SEED = 0x5EED

_MASK = (1 << 64) - 1
# The value of an empty bin: larger than any 64-bit value, so never a minimum of real values.
EMPTY = 1 << 64
_APOSTROPHES = re.compile("['\u2019\u02bc`]")
_NON_WORD = re.compile(r"[\W_]+")


def words(text: str) -> list[str]:
    """The words of a text as shingles see them: case-folded, without punctuation."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return _NON_WORD.sub(" ", _APOSTROPHES.sub("", text)).split()


def _hash(shingle: str) -> int:
    return int.from_bytes(hashlib.blake2b(shingle.encode(), digest_size=8).digest(), "big")


def shingles(text: str, k: int = SHINGLE_SIZE) -> set[int]:
    """The 64-bit hashes of the text's word k-shingles (one shingle of all words when fewer)."""
    if k < 1:
        raise ValueError(f"shingles are at least one word long, not {k}")
    w = words(text)
    if len(w) <= k:
        return {_hash(" ".join(w))} if w else set()
    return {_hash(" ".join(w[i : i + k])) for i in range(len(w) - k + 1)}


def _mixer(seed: int) -> tuple[int, int]:
    """Two odd 64-bit constants derived from the seed (stable: BLAKE2b, not random)."""
    digest = hashlib.blake2b(seed.to_bytes(16, "big", signed=True), digest_size=16).digest()
    return int.from_bytes(digest[:8], "big") | 1, int.from_bytes(digest[8:], "big")


def minhash(shingles: set[int], num_perm: int = NUM_PERM, *, seed: int = SEED) -> tuple[int, ...]:
    """A one-permutation MinHash sketch of a set of shingle hashes: num_perm bins (EMPTY when
    no shingle falls in one). The same set, num_perm and seed always give the same sketch;
    sketches compare only when made with the same num_perm and seed."""
    if num_perm < 1:
        raise ValueError(f"a sketch has at least one bin, not {num_perm}")
    multiplier, offset = _mixer(seed)
    mins = [EMPTY] * num_perm
    for x in shingles:
        # A bijection of 64-bit integers (multiply by an odd number, xor-shift): a seeded
        # permutation of the hashes, so that bins and minima are fresh for each seed.
        y = ((x ^ offset) * multiplier) & _MASK
        y ^= y >> 29
        b = y % num_perm
        v = y // num_perm
        if v < mins[b]:
            mins[b] = v
    return tuple(mins)


def similarity(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    """The estimated Jaccard similarity of the sets behind two sketches (0.0 when either is
    empty): equal bins over bins not empty in both."""
    if len(a) != len(b):
        raise ValueError(f"sketches of different sizes ({len(a)} and {len(b)}) do not compare")
    if EMPTY not in a and EMPTY not in b:
        return sum(map(eq, a, b)) / len(a)
    equal = both_empty = 0
    for x, y in zip(a, b, strict=True):
        if x == y:
            if x == EMPTY:
                both_empty += 1
            else:
                equal += 1
    counted = len(a) - both_empty
    return equal / counted if counted else 0.0


def jaccard(a: AbstractSet[int], b: AbstractSet[int]) -> float:
    """The exact Jaccard similarity of two shingle sets (0.0 when either is empty)."""
    if not a or not b:
        return 0.0
    common = len(a & b)
    return common / (len(a) + len(b) - common)


@dataclass(frozen=True)
class Item:
    """One evidence item as the grouping sees it."""

    id: int
    source_id: int
    # Its source's snapshot text, or the excerpt when the source has no snapshot.
    text: str
    # Ids of the sources its source cites (provenance), and its source's root when known.
    cites: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Link:
    """Why two evidence items are not independent."""

    a: int  # the smaller evidence id
    b: int
    reason: str  # "same source" | "shared citation" | "near-duplicate text"
    similarity: float | None = None  # for near-duplicate text


def links(
    items: Sequence[Item],
    *,
    threshold: float = DUPLICATE_THRESHOLD,
    k: int = SHINGLE_SIZE,
    num_perm: int = NUM_PERM,
) -> list[Link]:
    """Every pair of items that depend on each other, with the reason, in a stable order.

    Items from one source, or sharing a cited source, are linked to the first such item only
    (that is enough to group them); near-duplicate texts are linked pairwise.
    """
    found = _provenance(items)
    found += _near_duplicates(items, threshold, k, num_perm, None)
    return sorted(found, key=lambda link: (link.a, link.b, link.reason))


def groups(
    items: Sequence[Item],
    *,
    threshold: float = DUPLICATE_THRESHOLD,
    k: int = SHINGLE_SIZE,
    num_perm: int = NUM_PERM,
) -> list[list[int]]:
    """Evidence ids grouped by dependence (same source, shared citation, near-duplicate text),
    each group sorted, groups in the order of their smallest id."""
    joined = _UnionFind(item.id for item in items)
    for link in _provenance(items):
        joined.union(link.a, link.b)
    # Pairs already in one group need no text comparison: 300 copies of one story take
    # 299 comparisons that join, not 44,850.
    for link in _near_duplicates(items, threshold, k, num_perm, joined):
        joined.union(link.a, link.b)
    return joined.groups()


def independent_count(
    items: Sequence[Item],
    *,
    threshold: float = DUPLICATE_THRESHOLD,
    k: int = SHINGLE_SIZE,
    num_perm: int = NUM_PERM,
) -> int:
    """How many independent pieces of evidence the items are: the number of groups."""
    return len(groups(items, threshold=threshold, k=k, num_perm=num_perm))


class _UnionFind:
    """Disjoint sets of evidence ids; the smallest id is each set's root."""

    def __init__(self, ids: Iterable[int]) -> None:
        self.parent = {i: i for i in ids}

    def find(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # The smaller id is the root: deterministic whatever the order of the unions.
            self.parent[max(ra, rb)] = min(ra, rb)

    def groups(self) -> list[list[int]]:
        members: dict[int, list[int]] = {}
        for i in self.parent:
            members.setdefault(self.find(i), []).append(i)
        return sorted((sorted(group) for group in members.values()), key=lambda g: g[0])


def _provenance(items: Sequence[Item]) -> list[Link]:
    """Links between items of one source, or whose sources share a cited source."""
    ids = [item.id for item in items]
    if len(set(ids)) != len(ids):
        raise ValueError("evidence ids must be unique")
    found: list[Link] = []
    first_source: dict[int, int] = {}
    first_cited: dict[int, int] = {}
    for item in items:
        earlier = first_source.setdefault(item.source_id, item.id)
        if earlier != item.id:
            found.append(Link(min(earlier, item.id), max(earlier, item.id), "same source"))
            continue
        # A source counts as cited by itself, so that citing a source links to its evidence.
        for cited in sorted({item.source_id, *item.cites}):
            other = first_cited.setdefault(cited, item.id)
            if other != item.id:
                found.append(Link(min(other, item.id), max(other, item.id), "shared citation"))
    return found


@functools.lru_cache(maxsize=128)
def _sketched(text: str, k: int, num_perm: int) -> tuple[frozenset[int], tuple[int, ...]]:
    """A text's shingles and sketch, remembered: a claim page groups the same archived copies
    each time it is shown (20 items: most of the page's time before)."""
    shingled = frozenset(shingles(text, k))
    return shingled, minhash(set(shingled), num_perm)


def _near_duplicates(
    items: Sequence[Item], threshold: float, k: int, num_perm: int, joined: _UnionFind | None
) -> list[Link]:
    """Links between items whose texts are near-duplicates (pairs already joined skipped)."""
    sketched = [_sketched(item.text, k, num_perm) for item in items]
    sets = [shingled for shingled, _ in sketched]
    sketches = [sketch for _, sketch in sketched]
    floor = threshold - VERIFY_MARGIN
    found: list[Link] = []
    for i, first in enumerate(items):
        sketch, shingled = sketches[i], sets[i]
        for j in range(i + 1, len(items)):
            second = items[j]
            if joined is not None and joined.find(first.id) == joined.find(second.id):
                continue
            # The sketches pick the candidates, the shingle sets decide: exact near the line.
            if similarity(sketch, sketches[j]) < floor:
                continue
            score = jaccard(shingled, sets[j])
            if score >= threshold:
                a, b = sorted((first.id, second.id))
                found.append(Link(a, b, "near-duplicate text", score))
                if joined is not None:
                    joined.union(a, b)
    return found
