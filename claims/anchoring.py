"""Where a claim sits in an article's text: W3C Web Annotation TextQuoteSelector (quote with
prefix and suffix) and TextPositionSelector (start and end offsets). Pure."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

CONTEXT = 32


@dataclass(frozen=True)
class Anchor:
    """A span of a text with the context that finds it again."""

    start: int
    end: int
    quote: str
    prefix: str
    suffix: str


def anchor(text: str, start: int, end: int, context: int = CONTEXT) -> Anchor:
    """Describe text[start:end]; leading and trailing whitespace is trimmed off the span.

    Raises ValueError if the span is empty, reversed or outside the text.
    """
    if not (0 <= start < end <= len(text)):
        raise ValueError("the span is outside the text")
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start == end:
        raise ValueError("the span holds only whitespace")
    return Anchor(
        start=start,
        end=end,
        quote=text[start:end],
        prefix=text[max(0, start - context) : start],
        suffix=text[end : end + context],
    )


def word_boundaries(text: str, start: int, end: int) -> list[int]:
    """Offsets inside (start, end) where a new word begins: the places a claim can be split."""
    return [i for i in range(start + 1, end) if not text[i].isspace() and text[i - 1].isspace()]


@dataclass(frozen=True)
class Segment:
    """A run of text covered by the same claims (none for plain text)."""

    start: int
    text: str
    claim_ids: tuple[int, ...]


def segments(text: str, spans: list[tuple[int, int, int]]) -> list[list[Segment]]:
    """Cut a text into paragraphs (lines) of segments, each covered by a fixed set of claims.

    `spans` are (claim id, start, end). Segments keep their offsets so that a selection in the
    page maps back to the text exactly.
    """
    cuts = {0, len(text)}
    for _, start, end in spans:
        cuts.update((start, end))
    for i, char in enumerate(text):
        if char == "\n":
            cuts.update((i, i + 1))
    ordered = sorted(c for c in cuts if 0 <= c <= len(text))
    by_start = sorted(spans, key=lambda s: s[1])
    active: list[tuple[int, int, int]] = []
    next_span = 0
    paragraphs: list[list[Segment]] = [[]]
    for a, b in pairwise(ordered):
        while next_span < len(by_start) and by_start[next_span][1] <= a:
            active.append(by_start[next_span])
            next_span += 1
        active = [s for s in active if s[2] > a]
        piece = text[a:b]
        if piece == "\n":
            if paragraphs[-1]:
                paragraphs.append([])
            continue
        covering = tuple(
            cid for cid, s, e in sorted(active, key=lambda s: s[2] - s[1]) if s <= a and b <= e
        )
        paragraphs[-1].append(Segment(a, piece, covering))
    return [p for p in paragraphs if p]
