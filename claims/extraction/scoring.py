"""Check-worthiness of a sentence: a logistic score over general linguistic features.

Factual, checkable statements name things (numbers, quantities, dates, proper nouns), compare
them (comparatives, superlatives, statistics words) and report what happened (past tense,
reporting verbs). Opinion, promises and conversation speak in the first and second person,
with modal and speculative verbs, questions, exclamations and filler, and are often short.

The weights are a class-balanced logistic regression over those 18 features alone (the word
lists are general English, not any corpus's vocabulary), fitted with
`python -m claims.extraction.evaluate PATH --fit` on the ClaimBuster debate sentences, rounded,
and checked to have the sign the linguistics above predicts. 5-fold cross-validation: train F1
0.730-0.740, test F1 0.706-0.744 (means 0.735 and 0.729), so the fit does not memorize. The
bias is moved so that the F1-best threshold sits at CHECKWORTHY = 0.5.
"""

# Word lists read best as one string to split, and the curly quotes and dashes in the
# patterns are the very characters that articles contain.
# ruff: noqa: SIM905, RUF001

from __future__ import annotations

import math
import operator
import re

# At or above this score a sentence is worth checking (and yields a claim without figures).
CHECKWORTHY = 0.5

# ASCII digits: scanning for them is several times faster than for Unicode \d.
_TOKEN = re.compile(r"[a-z][a-z'’]*|[0-9]+(?:[.,][0-9]+)*")
_CAPITAL = re.compile(r"[A-Z][A-Za-z'’-]*")
_QUANTITY_SIGNS = "%$€£¥₹"
_QUANTITY_WORDS = frozenset(
    """percent cent dollar dollars euro euros pounds dirham dirhams yen km kilometers kilometres
    mile miles ton tons tonne tonnes barrel barrels acre acres mm""".split()
)

_NUMBER_WORDS = frozenset(
    """two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen
    sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety
    hundred hundreds thousand thousands million millions billion billions trillion trillions
    dozen dozens half double doubled twice triple tripled""".split()
)
_DATE_WORDS = frozenset(
    """january february march april june july august september october november december
    yesterday ago monday tuesday wednesday thursday friday saturday sunday decade decades
    century""".split()
)
_COMPARATIVES = frozenset(
    """more less fewer most least than higher lower larger smaller bigger greater worse
    increase increased increases decrease decreased decreases rose risen rise rising fell
    fallen fall falling grew grown growth doubled tripled halved cut cuts record highest lowest
    largest biggest smallest fastest slowest worst longest oldest richest poorest deadliest
    only first""".split()
)
_STATISTICS = frozenset(
    """percent percentage rate rates average median total majority minority number numbers
    per annual annually estimate estimated estimates figure figures data statistics survey
    poll polls census population budget deficit debt gdp tax taxes unemployment inflation
    cost costs price prices spending revenue income wages salary""".split()
)
_PAST_IRREGULAR = frozenset(
    """was were had did said made went took gave got came became began built bought brought
    sent spent won lost left met paid ran saw sold told found held led kept knew fought fell
    grew rose struck shot hit set put cut wrote drove chose stood sat lay flew threw broke
    spoke stole swore taught sought understood withdrew""".split()
)
# Words ending in -ed that are not past tenses.
_NOT_PAST = frozenset(
    """need needed indeed speed seed feed united red bed hundred proceed succeed exceed breed
    deed greed weed naked wicked sacred beloved ragged rugged hatred kindred sled ed ted fred
    interested concerned supposed""".split()
)
_FIRST_SINGULAR = frozenset("i me my mine myself i'm i've i'd i'll i’m i’ve i’d i’ll".split())
_SECOND_PERSON = frozenset("you your yours yourself yourselves you're you've you’re you’ve".split())
_OPINION = frozenset(
    """think believe feel hope wish want guess suppose opinion agree disagree love hate sure
    clearly obviously frankly honestly great wonderful terrible horrible awful good bad wrong
    right important deserve fantastic amazing disgrace shame ridiculous absolutely really
    proud afraid glad happy sorry""".split()
)
_MODALS = frozenset(
    """will would should could might may must shall can cannot can't won't wouldn't shouldn't
    couldn't gonna ought let's let’s going""".split()
)
_FILLER = frozenset(
    """thank thanks okay ok yes yeah hello welcome congratulations applause laughter uh um oh
    well please""".split()
)
_REPORTING = frozenset(
    """said says according reported report reports study studies announced official officials
    confirmed""".split()
)
# Capitalized at the start of a sentence without naming anyone.
_NOT_NAMES = _OPINION | _MODALS | _FILLER | _FIRST_SINGULAR | _REPORTING | _COMPARATIVES
# Function words that start sentences in capitals without naming anything.
_COMMON = frozenset(
    """the a an and but or so yet in on at as after before when while if however this that these
    those there their his her its our my we he she it they you i what who why how where
    although though because since for from to with by under over of also then now no not yes
    well let some many most all one each every both last next today""".split()
)
_NOT_CAPITAL_NAMES = _COMMON | _NOT_NAMES
# Every word that any list above holds: a sentence's few such words are all the lists need.
_LISTED = frozenset().union(
    _NUMBER_WORDS, _DATE_WORDS, _COMPARATIVES, _STATISTICS, _PAST_IRREGULAR, _NOT_PAST,
    _QUANTITY_WORDS, _FIRST_SINGULAR, _SECOND_PERSON, _OPINION, _MODALS, _REPORTING,
)  # fmt: skip

# (feature, weight): every weight has the sign the module docstring argues for.
_WEIGHTED = (
    ("digits", 3.26),
    ("number_words", 2.35),
    ("quantity", 1.05),
    ("date", 0.96),
    ("proper_nouns", 1.17),
    ("comparison", 1.34),
    ("statistics", 1.32),
    ("past_tense", 2.09),
    ("reporting", 0.69),
    ("first_person", -1.45),
    ("second_person", -0.81),
    ("opinion", -1.70),
    ("modal", -1.87),
    ("question", -2.00),
    ("exclamation", -0.23),
    ("filler", -0.32),
    ("short", -0.11),
    ("length", 1.26),
)
FEATURES = tuple(name for name, _ in _WEIGHTED)
WEIGHTS = tuple(weight for _, weight in _WEIGHTED)
BIAS = -1.70


def tokens_of(sentence: str) -> tuple[list[str], set[str]]:
    """The lower-case words and numbers of a sentence, as a list and as a set."""
    tokens = _TOKEN.findall(sentence.lower())
    return tokens, set(tokens)


def features(
    sentence: str, tokens: list[str] | None = None, words: set[str] | None = None
) -> list[float]:
    """The feature vector of a sentence, in the order of FEATURES, each in [0, 1].

    `tokens` and `words` are tokens_of(sentence), for a caller that has them already.
    """
    if tokens is None or words is None:
        tokens, words = tokens_of(sentence)
    # Distinct words, compared by set intersection: C speed, and a repeated word says no more.
    # The lists are intersected with the sentence's few listed words rather than all of them.
    listed = words & _LISTED
    # The tokens that are numbers (digits sort before letters): lower() moves no digit, "." or
    # ",", so they are the sentence's own numbers.
    numbers = [t for t in tokens if t < "a"]
    years = sum(1 for n in numbers if len(n) == 4 and "1500" <= n <= "2099") if numbers else 0
    capitals = set(map(str.lower, _CAPITAL.findall(sentence)))
    capitals -= _NOT_CAPITAL_NAMES
    # A distinct word that ends in -ed ends in "ed " once in the words joined: one C-level count
    # instead of a call per word.
    regular = f"{' '.join(words)} ".count("ed ") - len(listed & _NOT_PAST)
    digits = len(numbers) - years
    number_words = len(listed & _NUMBER_WORDS)
    quantity = not listed.isdisjoint(_QUANTITY_WORDS) or any(
        map(sentence.__contains__, _QUANTITY_SIGNS)
    )
    dates = len(listed & _DATE_WORDS) + years
    names = len(capitals)
    comparison = len(listed & _COMPARATIVES)
    statistics = len(listed & _STATISTICS)
    past = len(listed & _PAST_IRREGULAR) + regular
    first_person = len(listed & _FIRST_SINGULAR)
    second_person = len(listed & _SECOND_PERSON)
    opinion = len(listed & _OPINION)
    modal = len(listed & _MODALS)
    filler = not _FILLER.isdisjoint(tokens[:2])
    count = len(tokens)
    # Each count capped, as a share of its cap: a conditional rather than a min() call, which
    # took a fifth of the scorer's time.
    return [
        digits / 2 if digits < 2 else 1.0,
        number_words / 2 if number_words < 2 else 1.0,
        1.0 if quantity else 0.0,
        dates / 2 if dates < 2 else 1.0,
        names / 3 if names < 3 else 1.0,
        comparison / 2 if comparison < 2 else 1.0,
        statistics / 2 if statistics < 2 else 1.0,
        past / 3 if past < 3 else 1.0,
        1.0 if not listed.isdisjoint(_REPORTING) else 0.0,
        first_person / 2 if first_person < 2 else 1.0,
        second_person / 2 if second_person < 2 else 1.0,
        opinion / 2 if opinion < 2 else 1.0,
        modal / 2 if modal < 2 else 1.0,
        1.0 if "?" in sentence else 0.0,
        1.0 if "!" in sentence else 0.0,
        1.0 if filler else 0.0,
        1.0 if count < 6 else 0.0,
        count / 40 if count < 40 else 1.0,
    ]


def logistic(weights: tuple[float, ...] | list[float], bias: float, vector: list[float]) -> float:
    """The logistic function of a weighted sum."""
    z = bias + sum(map(operator.mul, weights, vector))
    if z < -30:
        return 0.0
    return 1.0 / (1.0 + math.exp(-z))


def score_sentence(sentence: str) -> float:
    """Check-worthiness of a sentence in [0, 1]; CHECKWORTHY and above is worth checking."""
    return logistic(WEIGHTS, BIAS, features(sentence))


def score_tokens(sentence: str, tokens: list[str], words: set[str]) -> float:
    """score_sentence for a caller that has tokens_of(sentence) already."""
    return logistic(WEIGHTS, BIAS, features(sentence, tokens, words))
