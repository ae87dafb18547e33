"""Claims at the granularity a fact-checker works in, anchored to the exact text.

Per sentence:
- every figure (money, count, measure, percentage, date, ordinal) is its own claim, quoting the
  figure, and for a count the noun it counts ("36 ATMOS artillery systems");
- an event with its place ("held this week in Tel Aviv") is a place claim;
- a sentence with neither that scores CHECKWORTHY or more is one claim over the whole sentence,
  of kind place, entity (it names someone or something) or statement.
Not claims: blog furniture ("No comments:", "Post a Comment", "Share this"), bylines
("By Al Mayadeen English") and date lines ("6 Jan 2026 09:24"). Headings (a line without final
punctuation) yield only their figures, except the first line of the text, the headline, which
is also one statement claim: headlines are where misleading framing lives, so it is kept, with
its score halved because the lede usually restates it with the facts.
"""

# Word lists read best as one string to split, and the curly quotes and dashes in the
# patterns are the very characters that articles contain.
# ruff: noqa: SIM905, RUF001

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, TypeVar

from claims.extraction.attribution import APPROXIMATORS, find_attribution, is_hedged
from claims.extraction.patterns import alternatives
from claims.extraction.quantities import ExtractedQuantity, QuantityMatch, find_quantities
from claims.extraction.scoring import CHECKWORTHY, score_tokens, tokens_of
from claims.extraction.sentences import sentences_in, split_paragraphs

# W3C TextQuoteSelector context around a quote.
CONTEXT = 32
# The longest quote and statement a claim may hold (the Claim table's limits).
QUOTE_MAX = 2000

_T = TypeVar("_T")

# How much a figure of each kind adds to its sentence's score: a precise figure is the first
# thing a checker verifies, money and rates most of all.
_KIND_BONUS = {
    "money": 0.4,
    "percentage": 0.4,
    "count": 0.3,
    "quantity": 0.3,
    "date": 0.2,
    "ordinal": 0.2,
    "place": 0.2,
}
_HEADING_FACTOR = 0.5
# Furniture lines are short; anything longer is content.
_FURNITURE_MAX = 120

_BOILERPLATE = re.compile(
    r"(?i)(?:no|\d+)\s+comments?|comments?|post\s+a\s+comment|leave\s+a\s+(?:comment|reply)|"
    r"share(?:\s+this)?(?:\s+(?:article|story|post|on\s+\w+))?|(?:read|see)\s+(?:more|also|next)"
    r"\b.*|related(?:\s+(?:articles?|stories|posts|content|topics|news|coverage))?(?:\s*:.*)?|"
    r"advertisement|"
    r"sponsored(?:\s+content)?|subscribe\b.*|sign\s+up\b.*|follow\s+us\b.*|click\s+here\b.*|"
    r"(?:newer|older)\s+posts?|home|labels?:.*|tags?:.*|posted\s+by\b.*|filed\s+under\b.*|"
    r"(?:photo(?:graph)?|image|picture|credit|video)s?\s*:.*|©.*|copyright\b.*|"
    r"all\s+rights\s+reserved.*|email|print|tweet|whatsapp|facebook|twitter|x|telegram|"
    r"back\s+to\s+top|skip\s+to\s+(?:main\s+)?content"
)
_BYLINE = re.compile(
    r"(?:[Bb]y|BY|Written\s+by|Reporting\s+by|Words\s+by)\s+[A-Z][\w.'’-]*"
    r"(?:[\s,&]+(?:and|&|of|de|du|da|al|el|van|von|the|[A-Z][\w.'’-]*))*\s*"
)
_DATELINE_TOKEN = re.compile(r"[A-Za-z]+|\d+")
_DIGIT = re.compile(r"\d")
_DATELINE_WORDS = frozenset(
    """january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday
    saturday sunday mon tue tues wed thu thurs fri sat sun am pm gmt utc z edt est cet cest bst
    updated published posted last on at st nd rd th t""".split()
)
# A sentence that ends like one (closing quotes and brackets may follow the stop).
_TERMINAL = re.compile(r"[.!?…‽][)\]\"'”’»]*$")
# An event and where it happened: verb, up to four words, then in/at/near a proper name
# (the fewest words first, so "founded in 1998 in Mountain View" finds the place).
_PLACE_EVENTS = [
    event.replace("_", " ")
    for event in """held hosted met meet meets signed inaugurated opened built based located
    took_place takes_place visited arrived landed launched killed died born attacked struck
    stationed deployed headquartered arrested detained convened gathered staged crashed exploded
    founded established produced manufactured tested""".split()
]
_PLACE = re.compile(
    rf"\b{alternatives(_PLACE_EVENTS)}\b"
    r"(?:[ \t\u00a0]+[\w'’-]+){0,4}?"
    r"[ \t\u00a0]+(?:in|at|near|outside)[ \t\u00a0]+(?:the[ \t\u00a0]+)?"
    r"(?P<place>[A-Z][\w'’-]*(?:[ \t\u00a0]+(?:of[ \t\u00a0]+)?[A-Z][\w'’-]*)*)"
)
_PLACE_VERBS = frozenset(event.split()[0] for event in _PLACE_EVENTS)
_NOT_PLACES = frozenset(
    """January February March April May June July August September October November December
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday""".split()
)
# A capital that starts a word: "[A-Z](?<!\w[A-Z])" is "\b[A-Z]", written so that the engine
# can skip to the capitals instead of testing for a word boundary everywhere.
_CAPITALIZED = re.compile(r"[A-Z](?<!\w[A-Z])[\w'’-]*")
_COMMON_CAPITALS = frozenset(
    """I The A An And But Or So In On At As For From To With By Of This That These Those It
    He She They We You""".split()
)


@dataclass(frozen=True)
class ExtractedClaim:
    """A checkable claim: its exact words and where they are, with what a reviewer needs."""

    quote: str
    start: int
    end: int
    prefix: str
    suffix: str
    sentence: str
    statement: str
    kind: str
    checkworthiness: float
    attribution: str | None
    hedged: bool
    quantities: tuple[ExtractedQuantity, ...]


def _frozen(cls: type[_T], **fields: Any) -> _T:
    """An instance of a frozen dataclass without __post_init__ or default factories, from all
    its fields.

    Its __init__ sets each field through object.__setattr__, the larger part of the cost of a
    claim; this fills the instance's __dict__ at once, to the same effect.
    """
    instance = object.__new__(cls)
    instance.__dict__.update(fields)
    return instance


def _is_furniture(sentence: str) -> bool:
    """Tell whether a sentence is page furniture, a byline or a date line, not content."""
    if len(sentence) >= _FURNITURE_MAX:
        return False
    if _BOILERPLATE.fullmatch(sentence.rstrip(" \t:.!|>»-")) or _BYLINE.fullmatch(sentence):
        return True
    if _DIGIT.search(sentence) is None:
        # A date line has a number.
        return False
    tokens = _DATELINE_TOKEN.findall(sentence)
    return (
        bool(tokens)
        and any(t.isdigit() for t in tokens)
        and all(t.isdigit() or t.lower() in _DATELINE_WORDS for t in tokens)
    )


def _kind_of_sentence(sentence: str, place: re.Match[str] | None) -> str:
    """Place if it says where something happened, entity if it names anyone, else statement."""
    if place is not None:
        return "place"
    # The first word is capitalized whatever it is, so it names nothing by its capital.
    for m in _CAPITALIZED.finditer(sentence, 1):
        if m[0] not in _COMMON_CAPITALS:
            return "entity"
    return "statement"


def _place(sentence: str, words: set[str]) -> re.Match[str] | None:
    """The first "event in Place" phrase of a sentence."""
    if words.isdisjoint(_PLACE_VERBS):
        return None
    for m in _PLACE.finditer(sentence):
        if m["place"].split()[0] not in _NOT_PLACES:
            return m
    return None


def _cut(text: str, start: int, end: int) -> int:
    """An end at most QUOTE_MAX after start, at a word boundary where there is one."""
    if end - start <= QUOTE_MAX:
        return end
    space = text.rfind(" ", start + 1, start + QUOTE_MAX)
    return space if space > start else start + QUOTE_MAX


@dataclass
class _Sentence:
    """One sentence being turned into claims, with what its claims share."""

    start: int
    end: int
    said: str
    words: set[str]
    score: float
    heading: bool
    _attribution: str | None = None
    _attribution_read: bool = False
    _statement: str | None = None

    @property
    def statement(self) -> str:
        if self._statement is None:
            said = self.said
            # A sentence has no blanks at its ends and every space but " " is unprintable, so a
            # printable one without a double space is already its whitespace-normalized form.
            if said.isprintable() and "  " not in said:
                self._statement = said[:QUOTE_MAX]
            else:
                self._statement = " ".join(said.split())[:QUOTE_MAX]
        return self._statement

    @property
    def attribution(self) -> str | None:
        # Read only for sentences that make claims: most of the cost is in the verb search.
        if not self._attribution_read:
            self._attribution = find_attribution(self.said, self.words)
            self._attribution_read = True
        return self._attribution


def _claim(
    text: str,
    sentence: _Sentence,
    start: int,
    end: int,
    kind: str,
    hedged: bool,
    quantities: tuple[ExtractedQuantity, ...] = (),
) -> ExtractedClaim:
    score = sentence.score
    score += _KIND_BONUS.get(kind, 0.0) * (1.0 - score)
    if sentence.heading:
        score *= _HEADING_FACTOR
    return _frozen(
        ExtractedClaim,
        quote=text[start:end],
        start=start,
        end=end,
        prefix=text[max(0, start - CONTEXT) : start],
        suffix=text[end : end + CONTEXT],
        sentence=sentence.said,
        statement=sentence.statement,
        kind=kind,
        checkworthiness=_four_places(min(1.0, max(0.0, score))),
        attribution=sentence.attribution,
        hedged=hedged,
        quantities=quantities,
    )


def _four_places(score: float) -> float:
    """round(score, 4) for a score in [0, 1], a few times faster.

    round() goes through a decimal string; scaled by 10**4, the float is within 10**-12 of the
    exact product, so away from a half-way point its nearest integer is the one round() keeps,
    and dividing it back gives the float nearest that decimal, as round() does.
    """
    scaled = score * 10000.0
    nearest = round(scaled)
    if abs(scaled - nearest) > 0.4999:
        return round(score, 4)
    return nearest / 10000.0


def _figure_claim(
    text: str, sentence: _Sentence, match: QuantityMatch, hedged: bool
) -> ExtractedClaim:
    quantity = match.quantity
    # "around $1 billion" hedges the figure itself even when the sentence vouches for it.
    if not hedged and quantity.approximate:
        before = text[max(sentence.start, match.start - 24) : match.start]
        hedged = APPROXIMATORS.search(before) is not None
    return _claim(text, sentence, match.start, match.end, match.kind, hedged, (quantity,))


def _sentence_claims(text: str, sentence: _Sentence, title: bool) -> list[ExtractedClaim]:
    said = sentence.said
    hedged = is_hedged(said, sentence.words)
    claims = [
        _figure_claim(text, sentence, m, hedged)
        for m in find_quantities(text, sentence.start, sentence.end, sentence.words)
    ]
    if sentence.heading:
        if title:
            end = _cut(text, sentence.start, sentence.end)
            claims.append(_claim(text, sentence, sentence.start, end, "statement", hedged))
        return claims
    place = _place(said, sentence.words)
    if claims and place is not None:
        start, end = sentence.start + place.start(), sentence.start + place.end()
        claims.append(_claim(text, sentence, start, end, "place", hedged))
    elif not claims and sentence.score >= CHECKWORTHY:
        end = _cut(text, sentence.start, sentence.end)
        claims.append(
            _claim(text, sentence, sentence.start, end, _kind_of_sentence(said, place), hedged)
        )
    return claims


def extract(text: str) -> list[ExtractedClaim]:
    """The checkable claims of a plain-text article, ordered by where they start."""
    claims: list[ExtractedClaim] = []
    # The headline is the first line of content, after any furniture above it.
    before_content = True
    for p_start, p_end in split_paragraphs(text):
        spans = sentences_in(text, p_start, p_end)
        # Only the last characters can hold the final stop and its closing quotes.
        tail = max(p_start, p_end - 8)
        heading = len(spans) == 1 and _TERMINAL.search(text, tail, p_end) is None
        for start, end in spans:
            said = text[start:end]
            if _is_furniture(said):
                continue
            # One tokenization serves the scorer and the cheap pre-checks of every pattern.
            tokens, words = tokens_of(said)
            score = score_tokens(said, tokens, words)
            sentence = _Sentence(start, end, said, words, score, heading)
            claims.extend(_sentence_claims(text, sentence, title=heading and before_content))
            before_content = False
    claims.sort(key=lambda c: (c.start, -c.end))
    return claims


# The fields a claim and a quantity show in JSON, whether extracted or stored (the stored
# models carry the same names, so the API, the CLI and the audit trail share one shape).
CLAIM_FIELDS = (
    "quote",
    "start",
    "end",
    "prefix",
    "suffix",
    "sentence",
    "statement",
    "kind",
    "checkworthiness",
    "attribution",
    "hedged",
)
QUANTITY_FIELDS = ("text", "value", "value_high", "unit", "approximate")


def quantity_json(quantity: Any) -> dict[str, Any]:
    """A quantity (extracted, or a stored row) as a JSON-ready dict."""
    data = {name: getattr(quantity, name) for name in QUANTITY_FIELDS}
    data["approximate"] = bool(data["approximate"])
    return data


def to_json(claim: Any, quantities: Any = None) -> dict[str, Any]:
    """A claim (extracted, or a stored row with its quantities) as a JSON-ready dict."""
    data = {name: getattr(claim, name) for name in CLAIM_FIELDS}
    data["hedged"] = bool(data["hedged"])
    data["quantities"] = [
        quantity_json(q) for q in (claim.quantities if quantities is None else quantities)
    ]
    return data
