"""Re-anchoring claims when an article's text is revised. Pure: stdlib and rapidfuzz only.

A claim is pinned to the old text by a W3C Web Annotation TextQuoteSelector (quote, prefix,
suffix) and TextPositionSelector (start, end): see claims.anchoring.Anchor. When a new revision
of the article arrives, reanchor() finds each claim's words in the new text, the way annotation
tools such as Hypothesis re-attach annotations ("fuzzy anchoring"): position first, then the
exact quote with its context, then an approximate quote. Unlike a browser annotator we also
have the old text, so the word-level diff of the two revisions (changes()) tells where every
old offset went: that mapped offset is the "expected position" of a claim, so a sentence
inserted before a claim does not count as distance.

Outcomes, tried in this order for each anchor:

1. UNCHANGED: new_text[start:end] is the quote, at the same offsets, at a word boundary as
   before, and either all the text before `start` is unchanged, or the prefix and suffix around
   it are the same (white space aside) and the diff maps `start` onto itself. Score 1.0.
2. MOVED: the exact quote occurs in the new text (elsewhere, or at the same place with a changed
   context). "Exact" allows only different runs of white space between the words (a line
   re-wrapped inside a quote changes no word: MOVED, even at the same offsets, with the new
   text's white space in `quote`); curly versus straight quotes, dashes and case do count as
   changes. A candidate must start and end at a word boundary wherever the old quote did ("36"
   is not found inside "360"). Several occurrences (the same figure twice) are ranked by the
   score below with quote similarity 1, so the context decides and, when two contexts are
   identical, the distance from the expected position does. A quote shorter than SHORT_QUOTE
   characters is accepted only if its context similarity, the mean of prefix and suffix
   similarity, is at least SHORT_CONTEXT_FLOOR: a lone "36" whose sentence was deleted is never
   attached to another "36". Score 1.0.
3. CHANGED: no acceptable exact occurrence. Rough candidates come from (a) the old span mapped
   through the diff, (b) rapidfuzz's partial_ratio_alignment in a window around the expected
   position and, if these give nothing acceptable, (c) the same over the whole text. Each is
   snapped to word boundaries (tokens are words, kept whole across inner points, commas,
   hyphens and apostrophes, as in "1.2" or "13-class", or single punctuation marks) and its two
   ends are moved token by token to maximise the score. The best candidate is accepted only if
   score >= ACCEPT_SCORE, quote similarity >= QUOTE_FLOOR and, for a short quote, context
   similarity >= SHORT_CONTEXT_FLOOR. It carries word_diff(old quote, new quote). A changed
   figure ("$1 billion" -> "$1.2 billion") or changed quote marks are CHANGED, never MOVED or
   UNCHANGED.
4. ORPHANED: nothing acceptable (the paragraph was deleted). Start, end and quote are None,
   score 0.

Provenance, for MOVED and CHANGED alike: a candidate must hold text that the revision inserted
or replaced, or be text that the diff carries over unchanged from the claim's own old span.
Words that were already in the old text elsewhere and are still there unchanged belong to
another place of the article: "36 ATMOS artillery systems", deleted, is never re-attached to
an older "48 ATMOS artillery systems" sentence, however alike (its score would pass). This
needs the anchor's offsets to hold its quote in old_text; for a stale anchor only quote and
context count.

Score of a candidate span new_text[s:e] (as Hypothesis' match-quote, weights 50/20/20/2):

    score = (50 * quote_sim + 20 * prefix_sim + 20 * suffix_sim + 2 * position_sim) / 92

- quote_sim = rapidfuzz fuzz.ratio (normalized Indel similarity, 0..1) of old quote and
  new_text[s:e], both folded: curly quotes made straight, dashes made "-", white space runs
  made one space, lower case;
- prefix_sim = the same ratio of the old prefix and as many folded characters just before s
  (right-aligned); suffix_sim likewise with the text just after e (left-aligned); an empty old
  prefix or suffix (the quote was at an end of the text) counts 1;
- position_sim = 1 - min(1, |s - expected| / len(new_text)), expected = old start mapped through
  the diff of the two texts.

Thresholds: ACCEPT_SCORE = 0.7, QUOTE_FLOOR = 0.7, SHORT_QUOTE = 12 characters,
SHORT_CONTEXT_FLOOR = 0.6. Measured on the sample article and on English licence texts, the
context similarity of two unrelated places averages 0.37 (99th percentile 0.49) and the best
window of an unrelated text matches a sentence or phrase at 0.48 to 0.56 (at most 0.67): hence
the floors. So a quote edited in place (context intact) is accepted down to quote_sim 0.7 (the
floor binds); with one side of its context gone, also about 0.7; moved and edited, with all its
context gone, it needs about 0.95. Typography is folded for the score, not for the outcome: a
quotation whose only change is its quote marks is CHANGED (its diff shows the marks) and may
score 1.0. A bare figure replaced outright ("36" -> "40") shares no character with the old
one: quote_sim 0 is under the floor, so it is ORPHANED (the extractor quotes counts with their
noun, "36 ATMOS artillery systems", and money with its unit, which edit to CHANGED).

The revision diff (changes(), diff_segments(), inserted_spans(), word_diff()) is
difflib.SequenceMatcher on word tokens (a word with the white space after it, compared by the
word alone, autojunk off), after the words common to both ends are set aside and the rest is
cut at words that occur once in each text, in the same order (patience diff's anchors), so that
a 50 KB text with many edits stays fast. White space that differs between equal words is a
hunk of its own, and white space common to both sides of a hunk is left out of it.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from rapidfuzz import fuzz

from claims.anchoring import Anchor

UNCHANGED = "unchanged"
MOVED = "moved"
CHANGED = "changed"
ORPHANED = "orphaned"
OUTCOMES = (UNCHANGED, MOVED, CHANGED, ORPHANED)

# The score's weights (those of Hypothesis' match-quote).
QUOTE_WEIGHT = 50.0
PREFIX_WEIGHT = 20.0
SUFFIX_WEIGHT = 20.0
POSITION_WEIGHT = 2.0
_WEIGHTS = QUOTE_WEIGHT + PREFIX_WEIGHT + SUFFIX_WEIGHT + POSITION_WEIGHT

# An approximate candidate is accepted at this score or above...
ACCEPT_SCORE = 0.7
# ...and only if its words alone are this similar to the old quote.
QUOTE_FLOOR = 0.7
# Quotes shorter than this (characters) are found by their context as much as by their words...
SHORT_QUOTE = 12
# ...so they need this mean similarity of prefix and suffix, exact or approximate.
SHORT_CONTEXT_FLOOR = 0.6
# A rough alignment (a window as long as the quote) below this is not worth refining: refining
# lengthens or shortens the span, which raises the similarity by well under this margin.
_ROUGH_FLOOR = QUOTE_FLOOR - 0.15

# Characters folded for similarity: one for one, so offsets in folded text are offsets in text.
_SINGLE_QUOTES = "\u2018\u2019\u201a\u201b\u2039\u203a\u2032\u2035`\u00b4"
_DOUBLE_QUOTES = "\u201c\u201d\u201e\u201f\u00ab\u00bb\u2033\u2036"
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_SPACES = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_FOLD = str.maketrans(
    {
        **dict.fromkeys(_SINGLE_QUOTES, "'"),
        **dict.fromkeys(_DOUBLE_QUOTES, '"'),
        **dict.fromkeys(_DASHES, "-"),
        **dict.fromkeys(_SPACES, " "),
    }
)
_SPACE_RUN = re.compile(r" {2,}")
_WHITESPACE = re.compile(r"\s+")
_WORD = re.compile(r"\S+")
# Where a snapped span may start and end: words, kept whole across inner points, commas,
# hyphens and apostrophes ("1.2", "13-class", "Morocco's"), and single other marks.
_SNAP_TOKEN = re.compile(r"\w+(?:[.,'\u2019\-]\w+)*|[^\w\s]")


@dataclass(frozen=True)
class Placement:
    """Where one claim's words are in the new text, and how they got there."""

    outcome: str
    start: int | None
    end: int | None
    quote: str | None
    score: float
    diff: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Change:
    """One hunk of a revision diff: old_text[old_start:old_end] became
    new_text[new_start:new_end] (an insert has an empty old range, a delete an empty new one)."""

    kind: str
    old_start: int
    old_end: int
    new_start: int
    new_end: int


# ---------------------------------------------------------------------------------------------
# The revision diff


def _tokens(text: str) -> tuple[list[str], list[int]]:
    """Word tokens: each word with the white space after it, compared by the word alone (white
    space at the very start is a token with an empty word). Returns the words and the offsets
    where the tokens start."""
    keys: list[str] = []
    starts: list[int] = []
    if text[:1].isspace():
        keys.append("")
        starts.append(0)
    for m in _WORD.finditer(text):
        keys.append(m.group())
        starts.append(m.start())
    return keys, starts


def _trim_hunk(old: str, new: str, a1: int, a2: int, b1: int, b2: int) -> Change | None:
    """A hunk without the white space common to both sides at its ends; None if nothing is left."""
    while a1 < a2 and b1 < b2 and old[a1] == new[b1] and old[a1].isspace():
        a1 += 1
        b1 += 1
    while a2 > a1 and b2 > b1 and old[a2 - 1] == new[b2 - 1] and old[a2 - 1].isspace():
        a2 -= 1
        b2 -= 1
    if a1 == a2 and b1 == b2:
        return None
    kind = "insert" if a1 == a2 else "delete" if b1 == b2 else "replace"
    return Change(kind, a1, a2, b1, b2)


def _increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest run of pairs (ordered by their first item) whose second items increase."""
    tails: list[int] = []  # tails[k]: the second item ending the best run of length k + 1
    ends: list[int] = []  # index into pairs of that run's last pair
    back: list[int] = []
    for index, (_, j) in enumerate(pairs):
        k = bisect_left(tails, j)
        back.append(ends[k - 1] if k else -1)
        if k == len(tails):
            tails.append(j)
            ends.append(index)
        else:
            tails[k] = j
            ends[k] = index
    run: list[tuple[int, int]] = []
    index = ends[-1] if ends else -1
    while index >= 0:
        run.append(pairs[index])
        index = back[index]
    return run[::-1]


def _opcodes(
    a: list[str], b: list[str], alo: int, ahi: int, blo: int, bhi: int
) -> list[tuple[str, int, int, int, int]]:
    """SequenceMatcher opcodes for a[alo:ahi] against b[blo:bhi].

    Words that occur once in each range and in the same order (patience diff's anchors) are
    matched first and cut the ranges into short stretches, each then matched by
    SequenceMatcher (autojunk off): the result is much the same, and it stays fast when a long
    text has many edits.
    """
    count_a = Counter(a[alo:ahi])
    count_b = Counter(b[blo:bhi])
    where_b = {b[j]: j for j in range(blo, bhi) if count_b[b[j]] == 1}
    pairs = [(i, where_b[a[i]]) for i in range(alo, ahi) if count_a[a[i]] == 1 and a[i] in where_b]
    opcodes: list[tuple[str, int, int, int, int]] = []
    i0, j0 = alo, blo
    for i, j in [*_increasing(pairs), (ahi, bhi)]:
        if i0 < i and j0 < j:
            matcher = SequenceMatcher(None, a[i0:i], b[j0:j], autojunk=False)
            for tag, i1, i2, j1, j2 in matcher.get_opcodes():
                opcodes.append((tag, i1 + i0, i2 + i0, j1 + j0, j2 + j0))
        elif i0 < i:
            opcodes.append(("delete", i0, i, j0, j0))
        elif j0 < j:
            opcodes.append(("insert", i0, i0, j0, j))
        if i < ahi:
            opcodes.append(("equal", i, i + 1, j, j + 1))
        i0, j0 = i + 1, j + 1
    return opcodes


def changes(old_text: str, new_text: str) -> list[Change]:
    """The hunks that turn old_text into new_text, in order, with character offsets in both.

    Word level: difflib.SequenceMatcher (autojunk off) on word tokens, after the words common
    to both ends are set aside and the rest is cut at words found once in each (_opcodes).
    Equal words whose following white space differs give a white-space hunk, so that the text
    between hunks is always identical in both revisions. Touching hunks are merged.
    """
    if old_text == new_text:
        return []
    ka, sa = _tokens(old_text)
    kb, sb = _tokens(new_text)
    na, nb = len(ka), len(kb)
    lo = 0
    while lo < na and lo < nb and ka[lo] == kb[lo]:
        lo += 1
    hi = 0
    while hi < na - lo and hi < nb - lo and ka[na - 1 - hi] == kb[nb - 1 - hi]:
        hi += 1
    opcodes: list[tuple[str, int, int, int, int]] = []
    if lo:
        opcodes.append(("equal", 0, lo, 0, lo))
    opcodes.extend(_opcodes(ka, kb, lo, na - hi, lo, nb - hi))
    if hi:
        opcodes.append(("equal", na - hi, na, nb - hi, nb))

    def at_a(i: int) -> int:
        return sa[i] if i < na else len(old_text)

    def at_b(j: int) -> int:
        return sb[j] if j < nb else len(new_text)

    raw: list[tuple[int, int, int, int]] = []
    for tag, i1, i2, j1, j2 in opcodes:
        a1, a2, b1, b2 = at_a(i1), at_a(i2), at_b(j1), at_b(j2)
        if tag != "equal":
            raw.append((a1, a2, b1, b2))
        elif old_text[a1:a2] != new_text[b1:b2]:
            # Same words, different white space after some of them.
            for i, j in zip(range(i1, i2), range(j1, j2), strict=True):
                wa, wb = sa[i] + len(ka[i]), sb[j] + len(kb[j])
                ea, eb = at_a(i + 1), at_b(j + 1)
                if old_text[wa:ea] != new_text[wb:eb]:
                    raw.append((wa, ea, wb, eb))
    hunks: list[Change] = []
    for a1, a2, b1, b2 in raw:
        hunk = _trim_hunk(old_text, new_text, a1, a2, b1, b2)
        if hunk is None:
            continue
        if hunks and hunks[-1].old_end == hunk.old_start and hunks[-1].new_end == hunk.new_start:
            last = hunks.pop()
            a1, b1 = last.old_start, last.new_start
            a2, b2 = hunk.old_end, hunk.new_end
            kind = "insert" if a1 == a2 else "delete" if b1 == b2 else "replace"
            hunk = Change(kind, a1, a2, b1, b2)
        hunks.append(hunk)
    return hunks


def _segments(old_text: str, new_text: str, hunks: list[Change]) -> list[tuple[str, str]]:
    segments: list[tuple[str, str]] = []

    def add(kind: str, text: str) -> None:
        if not text:
            return
        if segments and segments[-1][0] == kind:
            segments[-1] = (kind, segments[-1][1] + text)
        else:
            segments.append((kind, text))

    pa = 0
    for hunk in hunks:
        add("equal", old_text[pa : hunk.old_start])
        add("delete", old_text[hunk.old_start : hunk.old_end])
        add("insert", new_text[hunk.new_start : hunk.new_end])
        pa = hunk.old_end
    add("equal", old_text[pa:])
    return segments


def diff_segments(old_text: str, new_text: str) -> list[tuple[str, str]]:
    """The diff as ("equal" | "delete" | "insert", text) runs for a highlighted view: the equal
    and delete runs joined are old_text, the equal and insert runs joined are new_text. Where a
    hunk replaces words, its delete run comes before its insert run."""
    return _segments(old_text, new_text, changes(old_text, new_text))


def word_diff(old: str, new: str) -> tuple[tuple[str, str], ...]:
    """A word-level diff of two quotes for display, e.g. "$1 billion" -> "$1.2 billion" is
    (("delete", "$1"), ("insert", "$1.2"), ("equal", " billion")). Words keep the white space
    after them; white space common to both sides of a change stays equal."""
    return tuple(diff_segments(old, new))


def inserted_spans(old_text: str, new_text: str) -> list[tuple[int, int]]:
    """The (start, end) spans of new_text that the revision added (inserted or replacing words),
    in order: where to run claim extraction on a new revision. Spans of white space alone are
    left out."""
    return [
        (h.new_start, h.new_end)
        for h in changes(old_text, new_text)
        if h.kind != "delete" and new_text[h.new_start : h.new_end].strip()
    ]


class _Mapping:
    """Old offsets to new offsets through the hunks of a revision diff."""

    def __init__(self, hunks: list[Change]) -> None:
        self.hunks = hunks
        self.old_starts = [h.old_start for h in hunks]
        self.old_ends = [h.old_end for h in hunks]
        self.new_starts = [h.new_start for h in hunks]
        self.shift = [0]
        for h in hunks:
            self.shift.append(
                self.shift[-1] + (h.new_end - h.new_start) - (h.old_end - h.old_start)
            )

    def start(self, p: int) -> int:
        """Where old offset p, the start of a span, is in the new text: text inserted at p goes
        before it; inside replaced or deleted text, the start of the replacement."""
        i = bisect_right(self.old_starts, p) - 1
        if i >= 0 and self.hunks[i].old_start <= p < self.hunks[i].old_end:
            return self.hunks[i].new_start
        return p + self.shift[bisect_right(self.old_ends, p)]

    def end(self, p: int) -> int:
        """Where old offset p, the end of a span, is: text inserted at p goes after it; inside
        replaced or deleted text, the end of the replacement."""
        i = bisect_left(self.old_starts, p) - 1
        if i >= 0 and self.hunks[i].old_start < p <= self.hunks[i].old_end:
            return self.hunks[i].new_end
        return p + self.shift[bisect_left(self.old_ends, p)]

    def reversed(self) -> _Mapping:
        """New offsets to old offsets."""
        return _Mapping(
            [Change(h.kind, h.new_start, h.new_end, h.old_start, h.old_end) for h in self.hunks]
        )

    def touches_change(self, start: int, end: int) -> bool:
        """Whether new_text[start:end] holds text the revision inserted or replaced, or lost
        words from inside it."""
        k = bisect_left(self.new_starts, end) - 1
        while k >= 0 and self.hunks[k].new_end >= start:
            hunk = self.hunks[k]
            if hunk.new_start < hunk.new_end:
                if hunk.new_start < end and hunk.new_end > start:
                    return True
            elif start < hunk.new_start < end:
                return True
            k -= 1
        return False


# ---------------------------------------------------------------------------------------------
# Similarity


def _fold11(text: str) -> str:
    """Typography folded one character for one (quotes, dashes, white space), lower case where
    that keeps the length."""
    folded = text.translate(_FOLD)
    lower = folded.lower()
    if len(lower) == len(folded):
        return lower
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in folded)


def _fold(text: str) -> str:
    """Folded for comparison: _fold11 with runs of white space made one space."""
    return _SPACE_RUN.sub(" ", _fold11(text))


def _ratio(a: str, b: str) -> float:
    if not a and not b:
        return 1.0
    return fuzz.ratio(a, b) / 100.0


def _is_word_char(char: str) -> bool:
    """Whether a character (or "" at an end of the text: no) belongs to a word."""
    return char.isalnum() or char == "_"


def _collapse(text: str) -> str:
    return _WHITESPACE.sub(" ", text)


@dataclass(frozen=True)
class _Candidate:
    start: int
    end: int
    score: float
    quote_sim: float
    context: float


class _Target:
    """The new text, prepared once for all anchors, with the diff from the old text."""

    def __init__(self, text: str, mapping: _Mapping) -> None:
        self.text = text
        self.mapping = mapping
        self.back = mapping.reversed()
        self.folded = _fold11(text)
        self.snap_starts: list[int] = []
        self.snap_ends: list[int] = []
        for m in _SNAP_TOKEN.finditer(text):
            self.snap_starts.append(m.start())
            self.snap_ends.append(m.end())

    def before(self, pos: int, length: int) -> str:
        """The `length` folded characters (white space runs as one) just before pos."""
        raw = self.folded[max(0, pos - 2 * length - 8) : pos]
        return _SPACE_RUN.sub(" ", raw)[-length:] if length else ""

    def after(self, pos: int, length: int) -> str:
        """The `length` folded characters (white space runs as one) just after pos."""
        raw = self.folded[pos : pos + 2 * length + 8]
        return _SPACE_RUN.sub(" ", raw)[:length]


class _Claim:
    """One anchor, prepared for scoring candidates in the new text."""

    def __init__(
        self, anchor: Anchor, target: _Target, expected: int, own: tuple[int, int] | None
    ) -> None:
        self.anchor = anchor
        self.target = target
        self.expected = expected
        self.own = own
        self.quote = _fold(anchor.quote)
        self.prefix = _fold(anchor.prefix)
        self.suffix = _fold(anchor.suffix)
        self.short = len(anchor.quote.strip()) < SHORT_QUOTE
        quote = anchor.quote
        # Where the old quote began (ended) a word, a candidate must too.
        self.word_start = not (
            quote and _is_word_char(quote[0]) and _is_word_char(anchor.prefix[-1:])
        )
        self.word_end = not (
            quote and _is_word_char(quote[-1]) and _is_word_char(anchor.suffix[:1])
        )

    def boundaries_ok(self, start: int, end: int) -> bool:
        text = self.target.text
        inside_start = start > 0 and _is_word_char(text[start - 1]) and _is_word_char(text[start])
        inside_end = end < len(text) and _is_word_char(text[end - 1]) and _is_word_char(text[end])
        return not (self.word_start and inside_start) and not (self.word_end and inside_end)

    def provenance_ok(self, start: int, end: int) -> bool:
        """Whether a span can hold this claim's words: it holds text the revision changed, or
        its text was already in the old text within this claim's own old span. Unchanged text
        from elsewhere in the old text belongs to another place of the article (another "36"),
        whatever its likeness. Without a valid old span (stale offsets) any span can."""
        if self.own is None or self.target.mapping.touches_change(start, end):
            return True
        old_start, old_end = self.target.back.start(start), self.target.back.end(end)
        return old_start < self.own[1] and old_end > self.own[0]

    def context(self, start: int, end: int) -> tuple[float, float]:
        target = self.target
        prefix = _ratio(self.prefix, target.before(start, len(self.prefix))) if self.prefix else 1.0
        suffix = _ratio(self.suffix, target.after(end, len(self.suffix))) if self.suffix else 1.0
        return prefix, suffix

    def candidate(self, start: int, end: int, quote_sim: float | None = None) -> _Candidate:
        if quote_sim is None:
            quote_sim = _ratio(self.quote, _fold(self.target.text[start:end]))
        prefix, suffix = self.context(start, end)
        distance = abs(start - self.expected) / max(1, len(self.target.text))
        position = 1.0 - min(1.0, distance)
        score = (
            QUOTE_WEIGHT * quote_sim
            + PREFIX_WEIGHT * prefix
            + SUFFIX_WEIGHT * suffix
            + POSITION_WEIGHT * position
        ) / _WEIGHTS
        return _Candidate(start, end, score, quote_sim, (prefix + suffix) / 2)

    def context_ok(self, candidate: _Candidate) -> bool:
        return not self.short or candidate.context >= SHORT_CONTEXT_FLOOR


def _exact_pattern(quote: str) -> re.Pattern[str] | None:
    """The quote's words with any white space between them."""
    words = quote.split()
    if not words:
        return None
    return re.compile(r"\s+".join(re.escape(w) for w in words))


def _occurrences(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    """Every match of the pattern, overlapping ones too ("1 1" twice in "1 1 1")."""
    spans: list[tuple[int, int]] = []
    match = pattern.search(text)
    while match is not None:
        spans.append(match.span())
        match = pattern.search(text, match.start() + 1)
    return spans


def _best(candidates: list[_Candidate], expected: int) -> _Candidate | None:
    if not candidates:
        return None
    return max(candidates, key=lambda c: (c.score, -abs(c.start - expected), -c.start))


def _find_exact(claim: _Claim, pattern: re.Pattern[str]) -> _Candidate | None:
    """The best acceptable exact occurrence of the quote (white space aside), if any."""
    candidates = [
        claim.candidate(start, end, 1.0)
        for start, end in _occurrences(pattern, claim.target.text)
        if claim.boundaries_ok(start, end) and claim.provenance_ok(start, end)
    ]
    return _best([c for c in candidates if claim.context_ok(c)], claim.expected)


def _near(positions: list[int], lo: int, hi: int) -> list[int]:
    return positions[bisect_left(positions, lo) : bisect_right(positions, hi)]


def _refine(claim: _Claim, rough_start: int, rough_end: int) -> _Candidate | None:
    """The best span whose ends are token boundaries near a rough span, by score; never one
    that is the quote itself (an exact occurrence was already judged and refused)."""
    target = claim.target
    reach = max(8, len(claim.quote) // 4)
    starts = _near(target.snap_starts, rough_start - reach, rough_start + reach)
    ends = _near(target.snap_ends, rough_end - reach, rough_end + reach)
    if not starts or not ends:
        return None
    exact = _collapse(claim.anchor.quote)
    seen: dict[tuple[int, int], _Candidate | None] = {}

    def judge(start: int, end: int) -> _Candidate | None:
        if (start, end) not in seen:
            span = target.text[start:end]
            seen[(start, end)] = None if _collapse(span) == exact else claim.candidate(start, end)
        return seen[(start, end)]

    start = min(starts, key=lambda s: abs(s - rough_start))
    end = min(ends, key=lambda e: abs(e - rough_end))
    for _ in range(3):
        before = (start, end)
        scored = [c for e in ends if e > start and (c := judge(start, e)) is not None]
        if scored:
            end = max(scored, key=lambda c: c.score).end
        scored = [c for s in starts if s < end and (c := judge(s, end)) is not None]
        if scored:
            start = max(scored, key=lambda c: c.score).start
        if (start, end) == before:
            break
    return judge(start, end) if start < end else None


def _acceptable(claim: _Claim, candidate: _Candidate) -> bool:
    return (
        candidate.score >= ACCEPT_SCORE
        and candidate.quote_sim >= QUOTE_FLOOR
        and claim.context_ok(candidate)
        and claim.provenance_ok(candidate.start, candidate.end)
    )


def _align(claim: _Claim, lo: int, hi: int) -> tuple[int, int] | None:
    """The rough span of target[lo:hi] that best matches the quote (rapidfuzz)."""
    window = claim.target.folded[lo:hi]
    if not window.strip() or not claim.quote:
        return None
    found = fuzz.partial_ratio_alignment(claim.quote, window, score_cutoff=100 * _ROUGH_FLOOR)
    if found is None or found.dest_end <= found.dest_start:
        return None
    return lo + found.dest_start, lo + found.dest_end


def _find_approximate(claim: _Claim, mapped: tuple[int, int] | None) -> _Candidate | None:
    """The best acceptable approximate match: near the mapped span or the expected position
    first, anywhere in the text only if nothing near is acceptable."""
    target = claim.target
    size = len(claim.quote)
    rough: list[tuple[int, int]] = []
    if mapped is not None and mapped[1] - mapped[0] <= 3 * size + 64:
        rough.append(mapped)
    pad = max(64, size)
    lo, hi = max(0, claim.expected - pad), claim.expected + size + pad
    local = _align(claim, lo, hi)
    if local is not None:
        rough.append(local)
    found = [c for r in rough if (c := _refine(claim, *r)) is not None]
    accepted = [c for c in found if _acceptable(claim, c)]
    if not accepted and (lo > 0 or hi < len(target.text)):
        anywhere = _align(claim, 0, len(target.text))
        if anywhere is not None and anywhere not in rough:
            refined = _refine(claim, *anywhere)
            if refined is not None and _acceptable(claim, refined):
                accepted.append(refined)
    return _best(accepted, claim.expected)


def _common_prefix(a: str, b: str) -> int:
    """The length of the longest common prefix of two strings (binary search, compares in C)."""
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _unchanged(
    anchor: Anchor, claim: _Claim, new_text: str, common: int, mapping: _Mapping
) -> bool:
    start, end = anchor.start, anchor.end
    if not (0 <= start < end <= len(new_text)) or new_text[start:end] != anchor.quote:
        return False
    if not claim.boundaries_ok(start, end):
        return False
    if start <= common:  # all the text before it is the same
        return True
    if mapping.start(start) != start:
        return False
    prefix = new_text[max(0, start - len(anchor.prefix)) : start]
    suffix = new_text[end : end + len(anchor.suffix)]
    return _collapse(prefix) == _collapse(anchor.prefix) and _collapse(suffix) == _collapse(
        anchor.suffix
    )


def reanchor(old_text: str, new_text: str, anchors: Sequence[Anchor]) -> list[Placement]:
    """Place each anchor, made on old_text, on new_text: one Placement per anchor, in order.
    See the module's docstring for the outcomes, the score and the thresholds."""
    mapping = _Mapping(changes(old_text, new_text))
    common = _common_prefix(old_text, new_text)
    target = _Target(new_text, mapping)
    patterns: dict[str, re.Pattern[str] | None] = {}
    placements: list[Placement] = []
    for anchor in anchors:
        valid = (
            0 <= anchor.start < anchor.end <= len(old_text)
            and old_text[anchor.start : anchor.end] == anchor.quote
        )
        hint = min(max(anchor.start, 0), len(old_text))
        own = (anchor.start, anchor.end) if valid else None
        claim = _Claim(anchor, target, mapping.start(hint), own)
        if valid and _unchanged(anchor, claim, new_text, common, mapping):
            placements.append(Placement(UNCHANGED, anchor.start, anchor.end, anchor.quote, 1.0))
            continue
        if anchor.quote not in patterns:
            patterns[anchor.quote] = _exact_pattern(anchor.quote)
        pattern = patterns[anchor.quote]
        exact = _find_exact(claim, pattern) if pattern is not None else None
        if exact is not None:
            quote = new_text[exact.start : exact.end]
            placements.append(Placement(MOVED, exact.start, exact.end, quote, 1.0))
            continue
        mapped = None
        if valid:
            mapped = (mapping.start(anchor.start), mapping.end(anchor.end))
            if mapped[1] <= mapped[0]:
                mapped = None
        approximate = _find_approximate(claim, mapped)
        if approximate is not None:
            quote = new_text[approximate.start : approximate.end]
            placements.append(
                Placement(
                    CHANGED,
                    approximate.start,
                    approximate.end,
                    quote,
                    round(approximate.score, 4),
                    word_diff(anchor.quote, quote),
                )
            )
            continue
        placements.append(Placement(ORPHANED, None, None, None, 0.0))
    return placements
