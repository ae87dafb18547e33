"""Who in an article asserts a sentence ("according to X", "X said"), and hedges on it.

Attribution is read inside one sentence: "according to X", "as reported by X", "X said ...",
"..., X announced.", "..., said X." The source is a short noun phrase (at most eight words, no
auxiliary verb in it), so "At the center of the talks was a panel ... described" names nobody.
"""

# Word lists read best as one string to split, and the curly quotes and dashes in the
# patterns are the very characters that articles contain.
# ruff: noqa: SIM905, RUF001

from __future__ import annotations

import re
from collections.abc import Set

from claims.extraction.patterns import alternatives

_REPORTING_VERBS = (
    "said|says|say|announced|announces|announce|stated|states|claimed|claims|reported|reports|"
    "told|noted|notes|note|added|adds|confirmed|confirms|denied|denies|revealed|reveals|"
    "estimated|estimates|insisted|insists|argued|argues|warned|warns|acknowledged|declared|"
    "declares|asserted|alleged|alleges|explained|wrote|writes|tweeted|indicated|indicates|"
    "disclosed|admitted|admits|maintained|maintains"
)
_ACCORDING = re.compile(
    r"\b(?:[Aa]ccording\s+to|[Aa]s\s+(?:reported|stated|announced|claimed)\s+by|"
    r"(?:[Cc]ited|[Qq]uoted|[Rr]eported|[Cc]laimed|[Aa]nnounced)\s+by|[Cc]iting)\s+"
    r"(?P<source>[^,;:.!?()\"“”\[\]—–]+)"
)
# The verbs as a trie (see alternatives()): the engine tries a word against a few first letters
# rather than fifty verbs.
_VERBS = alternatives(_REPORTING_VERBS.split("|"))
_VERB = re.compile(rf"\b{_VERBS}\b")
# Fragments without one of which _ACCORDING cannot match: a substring test is much cheaper than
# running the pattern over a sentence.
_ACCORDING_CUES = ("ccording", "eported", "tated", "nnounced", "laimed", "ited", "uoted", "iting")
# Lower-case words without one of which no pattern here can match: a sentence's word set is
# checked against them first, which is much cheaper than running the patterns.
_ATTRIBUTION_WORDS = frozenset(_REPORTING_VERBS.split("|")) | {
    "according",
    "cited",
    "quoted",
    "citing",
}
_HEDGE_WORDS = frozenset(
    """reportedly allegedly purportedly supposedly apparently ostensibly rumored rumoured
    unconfirmed unverified according said believed thought reported alleged understood
    claimed claims claim may might could sources""".split()
)
# "..., said the ministry." / "...,” said John Smith."
_INVERTED = re.compile(
    rf"[,\"”’'—–]\s*{_VERBS}\s+(?P<source>[^,;:.!?()\"“”\[\]—–]+?)\s*(?:[,.;!?]|$)"
)
# A subject starts after one of these: punctuation or a word that opens a clause.
_CLAUSE_WORDS = """that which who whom while when where because as but and or if since after before
    then so than""".split()
_CLAUSE_BREAK = re.compile(rf"[,;:(\"“”‘—–]|\b{alternatives(_CLAUSE_WORDS)}\b")
# How far before a reporting verb its subject may start (eight words and then some).
_SUBJECT_WINDOW = 160
_WORDS = re.compile(r"[\w'’.-]+")
# Words that show a "subject" is a clause, not a noun phrase naming a source.
_NOT_IN_SOURCE = frozenset(
    """is are was were be been being has have had do does did will would shall should can
    could may might must not no to in on at for with from into about over under by what there
    here it this these those which who whom whose""".split()
)
_NOT_IN_NAMED_SOURCE = frozenset(
    """is are was were be been being has have had do does did will would shall should can could
    may might must not""".split()
)
_FUNCTION_END = frozenset(
    "a an the of and or to in on at for with by from its their his her".split()
)
_MAX_SOURCE_WORDS = 8

# Evidential hedges: the article does not vouch for the statement itself.
_HEDGES = [
    *"""reportedly allegedly purportedly supposedly apparently ostensibly rumored rumoured
    unconfirmed unverified claimed Claimed""".split(),
    *("according to", "According to", "claim that", "claims that"),
    *("may have", "might have", "could have"),
    *("sources said", "sources say", "Sources said", "Sources say"),
    *(
        f"{be} {verb} to"
        for be in ("is", "are", "was", "were")
        for verb in "said believed thought reported alleged understood rumored rumoured".split()
    ),
    *(
        f"it {be} {verb}"
        for be in ("is", "was")
        for verb in "said believed reported understood".split()
    ),
]
_HEDGE = re.compile(rf"\b{alternatives(_HEDGES)}\b")
# Approximators that hedge the figure they stand before.
APPROXIMATORS = re.compile(
    r"(?i)\b(?:around|about|nearly|almost|roughly|approximately|some|circa|an\s+estimated|"
    r"estimated|close\s+to)\s*$|~\s*$"
)


def _source(phrase: str, named: bool = False) -> str | None:
    """A cleaned source noun phrase, or None if the words do not look like one.

    `named` is for a phrase that a cue already marks as the source ("according to the Office
    for National Statistics"), which may hold prepositions; a guessed subject may not.
    """
    words = _WORDS.findall(phrase)
    banned = _NOT_IN_NAMED_SOURCE if named else _NOT_IN_SOURCE
    if not words or words[-1].lower() in _FUNCTION_END or len(words) > _MAX_SOURCE_WORDS:
        return None
    if not banned.isdisjoint(map(str.lower, words)):
        return None
    # A figure without a name is no source; every digit is a word character, so a digit in the
    # phrase is one in its words.
    if not any(w[0].isupper() for w in words) and any(map(str.isdigit, phrase)):
        return None
    cleaned = " ".join(phrase.split()).strip(" '\"’‘")
    return cleaned or None


def find_attribution(sentence: str, words: Set[str] | None = None) -> str | None:
    """Who the sentence says asserts it, as written ("the Israeli military"), or None.

    `words` is the set of the sentence's lower-case words, for a caller that has it already.
    """
    if words is not None and words.isdisjoint(_ATTRIBUTION_WORDS):
        return None
    if any(map(sentence.__contains__, _ACCORDING_CUES)):
        for m in _ACCORDING.finditer(sentence):
            source = _source(m["source"], named=True)
            if source:
                return source
    for m in _INVERTED.finditer(sentence):
        source = _source(m["source"])
        if source:
            return source
    verbs = list(_VERB.finditer(sentence))
    for i, m in enumerate(verbs):
        if i + 1 < len(verbs) and sentence[m.end() : verbs[i + 1].start()].isspace():
            # "reports note", "sources said": the first word is the subject's noun.
            continue
        window = max(0, m.start() - _SUBJECT_WINDOW)
        breaks = list(_CLAUSE_BREAK.finditer(sentence, window, m.start()))
        if breaks:
            subject = sentence[breaks[-1].end() : m.start()]
        elif window == 0:
            subject = sentence[: m.start()]
        else:
            continue
        source = _source(subject)
        if source:
            return source
    return None


def is_hedged(sentence: str, words: Set[str] | None = None) -> bool:
    """Tell whether the sentence distances itself from what it reports ("reportedly", ...)."""
    if words is not None and words.isdisjoint(_HEDGE_WORDS):
        return False
    return _HEDGE.search(sentence) is not None
