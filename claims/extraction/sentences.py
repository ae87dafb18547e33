"""Paragraph and sentence boundaries, as (start, end) spans into the exact text.

A line break always ends a sentence (plain-text articles put one paragraph on a line, and
headlines have no final period). Inside a line, a sentence ends at ".", "!", "?" or "…" (with
any closing quotes and brackets after it) followed by a space and a word that does not start in
lower case, unless the period belongs to an abbreviation ("Mr.", "Gen."), an initial
("J. R. R. Tolkien") or a dotted acronym ("U.S.") that the next word shows is not the end.
"""

# Word lists read best as one string to split, and the curly quotes and dashes in the
# patterns are the very characters that articles contain.
# ruff: noqa: SIM905, RUF001

from __future__ import annotations

import re

# A possible end: terminators, closing quotes or brackets, then horizontal space before a word.
# The first terminator is a class of its own ("[.!?…‽][.!?…‽]*", not "[.!?…‽]+") so that the
# engine scans for it without trying a match at every character.
_CANDIDATE = re.compile(
    r"(?P<stop>[.!?…‽][.!?…‽]*)[)\]\"'”’»]*"
    r"(?P<space>[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+)"
)
_NEXT_WORD = re.compile(r"[\"'“‘«(\[]*([\w'’]+)")
_ACRONYM = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]")

# Whitespace (str.isspace), zero-width characters, the byte-order mark and C0 controls: never
# part of a sentence's own text.
_BLANK = (
    "".join(map(chr, range(0x00, 0x21)))
    + "\x7f\x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000\u200b\u200c\u200d\u2060\ufeff"
    + "".join(map(chr, range(0x2000, 0x200B)))
)
_BLANKS = frozenset(_BLANK)

# Abbreviations that come before a name or a number, so never end a sentence.
_TITLES = frozenset(
    """mr mrs ms messrs mme mlle dr prof gen lt col maj capt cpt sgt cpl adm cmdr cdr brig
    rep reps sen sens gov pres rev hon st mt ft supt insp det amb sec atty vs v e.g i.e cf
    approx viz""".split()
)
# Abbreviations that stand before a number ("No. 5", "Jan. 6", "p. 12") but may end a sentence.
_BEFORE_NUMBER = frozenset(
    """no nos fig figs p pp vol vols op art arts para ch sec no jan feb mar apr jun jul aug
    sep sept oct nov dec""".split()
)
# Abbreviations that often end a sentence too ("... of Apple Inc. The company ...").
_MAYBE_END = frozenset(
    """inc ltd co corp plc llc jr sr bros etc al esq ave blvd rd dept univ assn a.m p.m""".split()
)
# Words that start a new sentence after an ambiguous abbreviation ("in the U.S. The ...").
_STARTERS = frozenset(
    """the a an he she it they we i you this that these those there their his her its our my
    but and or so yet in on at as after before when while if however meanwhile still then now
    also according some many most no not what who why how where although though because since
    for from to with by under over despite during last next one two three several both each
    all such other another""".split()
)


def _trimmed(text: str, start: int, end: int) -> tuple[int, int] | None:
    """A span without the blanks around it, or None if nothing is left."""
    if start < end and text[start] not in _BLANKS and text[end - 1] not in _BLANKS:
        # Nothing to trim, as for most sentences: no copy of the text to strip.
        return start, end
    segment = text[start:end]
    stripped = segment.lstrip(_BLANK)
    if not stripped:
        return None
    start += len(segment) - len(stripped)
    return start, start + len(stripped.rstrip(_BLANK))


def split_paragraphs(text: str) -> list[tuple[int, int]]:
    """Spans of the non-blank lines of text (a paragraph per line, as articles are stored)."""
    spans = []
    start = 0
    # Line breaks are blanks, so a line stripped with its break is its paragraph's text.
    for line in text.splitlines(keepends=True):
        stripped = line.lstrip(_BLANK)
        if stripped:
            first = start + len(line) - len(stripped)
            spans.append((first, first + len(stripped.rstrip(_BLANK))))
        start += len(line)
    return spans


def _ends_sentence(text: str, line_start: int, candidate: re.Match[str]) -> bool:
    """Decide whether a terminator followed by a space ends the sentence."""
    after = candidate.end()
    following = text[after : after + 1]
    if not following or following.islower():
        return False
    stop = candidate["stop"]
    if stop != ".":
        return True
    before = text[max(line_start, candidate.start() - 40) : candidate.start()]
    if not before or before[-1].isspace():
        return True
    word = before.rsplit(None, 1)[-1].lstrip("\"'“‘«([")
    if candidate.end("stop") != candidate.start("space"):
        # A quote or bracket closes after the period: that is the end of a sentence.
        return True
    lower = word.lower()
    if lower in _TITLES:
        return False
    next_word = _NEXT_WORD.match(text, after)
    next_text = next_word[1] if next_word else ""
    if lower in _BEFORE_NUMBER and next_text[:1].isdigit():
        return False
    starts_sentence = next_text.lower() in _STARTERS
    if (len(word) == 1 and word.isalpha()) or _ACRONYM.fullmatch(word) or lower in _MAYBE_END:
        return starts_sentence
    return True


def sentences_in(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of the sentences of one line (text[start:end] holds no line break)."""
    spans = []
    begin = start
    for candidate in _CANDIDATE.finditer(text, start, end):
        if _ends_sentence(text, start, candidate):
            span = _trimmed(text, begin, candidate.start("space"))
            if span is not None:
                spans.append(span)
            begin = candidate.end()
    span = _trimmed(text, begin, end)
    if span is not None:
        spans.append(span)
    return spans


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences of text, in order; a line break always ends a sentence."""
    spans = []
    for start, end in split_paragraphs(text):
        spans.extend(sentences_in(text, start, end))
    return spans
