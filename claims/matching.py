"""\"Checked before?\": find claims already in the tracker that say the same as a new one.

Pure: stdlib, rapidfuzz and the project's own figure reader (claims.extraction); no Flask, no
database, no I/O (except the measuring entry point at the end of the module). Use:

    claim = ClaimText(row.id, row.statement, stored_quantities)
    terms = blocking_terms(features(claim))          # store them per claim, look up by them
    candidates = [ClaimText(...) for the claims sharing a term]   # never the whole corpus
    for match in find_matches(claim, candidates): ...             # best first, with reasons

How a pair is scored (score(), on features computed once per claim by features()):

1. Text, ``text_score`` 0..1: the mean of the Jaccard index of the two sets of content words
   and rapidfuzz's token_set_ratio of the two content-word strings. Content words are the
   lower-case words with stop words, attribution words ("said", "according", "reportedly")
   and figures removed, lightly stemmed ("normalising" = "normalization"), with SYNONYMS
   ("howitzers" = "artillery systems" -> "artillery") and ALIASES ("Moroccan" -> "morocco")
   applied.
2. Figures, ``quantity_score`` 0..1 or None. Every figure claims.extraction reads (money,
   percentages, measures, counts, dates, ordinals: "thirty-six" is 36, "$1bn" and "US$1
   billion" are 1e9 USD, "per cent" is "%", "mid-2024" is April-September 2024), plus what it
   leaves: "37m people", "a 174-seat majority", a month without a year ("in March"). Figures of
   one family are compared in one base unit (km and miles, kg and lb, years and months):
   - money in different currencies, or equal numbers in units of different families
     ("1 million barrels" vs "1 million tonnes"), differ;
   - dates agree when their periods overlap ("2024" and "mid-2024"), ordinals and months when
     equal, percentages within PERCENT_TOLERANCE points (PERCENT_APPROXIMATE_TOLERANCE if
     either is approximate);
   - other figures agree within APPROXIMATE_TOLERANCE (relative) if either is approximate
     ("about", "nearly", "more than") or was converted between units, else within
     LARGE_TOLERANCE from 10,000 up ("$1 billion" ~ "$1.02 billion": news rounds big numbers)
     and SMALL_TOLERANCE below ("36" is not "37");
   - a count names what it counts ("36 ATMOS artillery systems"); counts of things with no
     word in common (GENERIC_THINGS such as "people" aside) are not compared: "36 Barak
     launchers" and "36 ATMOS howitzers" are a *same figure, other thing* (a penalty).
   A figure with no agreeing figure on the other side, facing one of its family that has none
   either, is a *different figure* ("36 vs 40"). quantity_score = agreeing figures / (agreeing
   + different figures), counting both sides; None if no figure could be compared.
3. Names, ``entity_score`` 0..1 or None: capitalized words and runs of them ("Israel Aerospace
   Industries", "Tel Aviv"), acronyms ("IAI", which also matches the initials of "Israel
   Aerospace Industries"), designators with their numbers ("Barak-8" = "Barak 8", "F-16" ~
   "F-16V"), countries through ALIASES (capitals and demonyms: "Rabat", "Moroccan"). A
   title-case headline only yields aliases and acronyms. A sentence's first word is a name if
   it is an alias or acronym, starts a run of capitals, or starts a short fragment
   ("Benslimane drone factory"); otherwise it is a *weak* name ("Elbit said", but also "Police
   said"): it never counts in entity_score, is shared when its word occurs in the other claim
   ("Deals included..." / "...among the deals"), and otherwise only counts as a name the other
   claim lacks. Two names match by key, alias, acronym, or when one's words are all in the
   other ("Biden" in "Joe Biden"). entity_score = mean over both sides of the share of (not
   weak) names matched on the other side; None unless both sides have such names.

Combination:

    base  = (W_TEXT * text + W_QUANTITY * quantity + W_ENTITY * entity)
            / (W_TEXT + W_QUANTITY if quantity is not None + W_ENTITY if entity is not None)
    score = base * DIFFERENT_FIGURE_FACTOR         if a figure differs
                 * SAME_FIGURE_OTHER_THING_FACTOR  if the only shared figure counts other things
                 * DISJOINT_ENTITY_FACTOR          if both name something and share no name
                 * OTHER_ENTITY_FACTOR             if they share a name but each names one the
                                                   other lacks ("Israel and Morocco" vs
                                                   "Israel and the UAE")
                 * OPPOSITE_FACTOR                 if one says "rose", the other "fell"
                 * ONE_WORD_FACTOR                 if the wording is alike but for one content
                                                   word ("hospitals" / "schools")

MATCH_THRESHOLD (0.55): suggested at or above it. On the labelled pairs F1 is flat from 0.55
to 0.60; the lower end is kept because a missed earlier check costs a checker more than a
wrong suggestion. AUTO_THRESHOLD (0.8): at or above it, with both texts at least SHORT_TEXT
words long and nothing contradicting (no different figure, other thing, opposite, one-word
swap or name on both sides that the other lacks), a match may be confirmed without a person
(`Match.auto`); no pair labelled different scores above 0.6.

Weights, factors and thresholds were set on two thirds of tests/data/claim_pairs.jsonl; the
lines whose 0-based index is 2 modulo 3 are held out (held_out()). Measure with

    python -m claims.matching --pairs tests/data/claim_pairs.jsonl [--errors]
"""

# Word lists read best as one string to split, and the curly quotes in the patterns are the
# very characters that articles contain.
# ruff: noqa: SIM905, RUF001

from __future__ import annotations

import argparse
import json
import math
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from rapidfuzz import fuzz

from claims.extraction.quantities import find_quantities

# --- thresholds and weights -------------------------------------------------------------------

# Suggest a match at or above this score.
MATCH_THRESHOLD = 0.55
# Auto-confirm at or above this score (long enough texts, nothing contradicting).
AUTO_THRESHOLD = 0.8
# Texts with fewer words than this are never auto-confirmed ("36 ATMOS" says too little).
SHORT_TEXT = 8

W_TEXT = 0.5
W_QUANTITY = 0.3
W_ENTITY = 0.2
DIFFERENT_FIGURE_FACTOR = 0.5
SAME_FIGURE_OTHER_THING_FACTOR = 0.7
DISJOINT_ENTITY_FACTOR = 0.6
OTHER_ENTITY_FACTOR = 0.65
OPPOSITE_FACTOR = 0.6
ONE_WORD_FACTOR = 0.65
# Wording this alike (rapidfuzz ratio of the two word sequences, 0..100) with one content word
# swapped is one sentence saying something else ("...on new hospitals" / "...on new schools").
ONE_WORD_SIMILARITY = 85

# Relative differences within which two figures are the same.
SMALL_TOLERANCE = 0.005  # below 10,000: "36" is not "37", "£12.21" is "£12.2"
LARGE_TOLERANCE = 0.025  # from 10,000 up: "$1 billion" ~ "$1.02 billion", "1.8m" ~ "1.81m"
APPROXIMATE_TOLERANCE = 0.06  # "about 40", "more than 2,900", or converted (km -> miles)
LARGE = 10_000.0
# Percentages: absolute difference in points ("5.2%" is not "5.4%").
PERCENT_TOLERANCE = 0.05
PERCENT_APPROXIMATE_TOLERANCE = 0.5

# --- vocabulary -------------------------------------------------------------------------------

# Newsroom synonyms: canonical form -> other spellings (words or phrases, lower case). Phrases
# are replaced in the text before it is split into words; single words are looked up before
# and after stemming.
SYNONYMS: dict[str, tuple[str, ...]] = {
    # weapons and the military
    "artillery": (
        "howitzer", "howitzers", "artillery system", "artillery systems", "artillery piece",
        "artillery pieces", "artillery gun", "artillery guns", "self-propelled gun",
        "self-propelled guns",
    ),
    "jet": ("fighter", "fighter jet", "warplane", "fighter aircraft", "combat aircraft"),
    "military": ("army", "armed forces"),
    "soldier": ("troops", "troop", "servicemen", "servicemembers"),
    "journalist": ("reporter", "correspondent"),
    "docker": ("dock worker", "dockworker", "longshoreman"),
    "tourist": ("visitor",),
    "weapon": ("arms",),
    "defence": ("defense",),
    "reconnaissance": ("spy", "surveillance"),
    "drone": ("uav", "unmanned aerial vehicle"),
    # money and the economy
    "billion": ("bn", "bln"),
    "million": ("mn", "mln"),
    "usd": ("us$", "dollar", "us dollars"),
    "percent": ("per cent", "%", "pct"),
    "unemployment": ("jobless", "joblessness", "jobless rate", "unemployment rate"),
    "gdp": ("gross domestic product", "economy", "economic output"),
    "contract": ("deal", "agreement"),
    "minimum wage": ("living wage", "national living wage", "national minimum wage"),
    "company": ("firm",),
    "output": ("production",),
    "population": ("inhabitants", "residents"),
    "car": ("vehicle",),
    "house": ("home", "dwelling"),
    "factory": ("plant",),
    # verbs of change and action
    "buy": ("purchase", "acquire", "procure"),
    "rise": ("increase", "climb", "grow", "expand", "jump", "soar"),
    "fall": ("drop", "decline", "decrease", "plunge", "slump", "shrink", "shrank", "shrunk"),
    "raise": ("hike", "lift"),
    "reach": ("hit", "stand at", "stands at", "stood at"),
    "kill": ("die", "dead", "death", "fatality", "fatalities"),
    "injure": ("wound", "hurt"),
    "win": ("secure", "take"),
    "ruling": ("governing",),
    "cut": ("laid off", "lay off", "axe", "slash"),
    "sever": ("cut off", "break off", "broke off"),
    "found": ("establish", "set up"),
    "begin": ("start",),
    "approve": ("clear", "sign off", "signed off", "pass"),
    "pledge": ("promise", "commit"),
    "supply": ("deliver", "provide", "hand over", "handed over"),
    "annul": ("strike down", "struck down", "overturn"),
    "open": ("inaugurate",),
    "hire": ("recruit", "employ"),
    "resign": ("step down", "stepped down", "quit"),
    # nouns
    "relations": ("ties", "relationship", "diplomatic ties"),
    "meeting": ("session",),
    "talks": ("discussions", "negotiations"),
    "earthquake": ("quake",),
    "law": ("legislation",),
    "vote": ("ballot",),
    "displace": ("fled their homes", "flee", "fled"),
    "km": ("kilometre", "kilometer"),
    "mile": ("mi",),
    "tonne": ("ton", "metric ton"),
}  # fmt: skip

# Pairs of canonical words that make two otherwise alike claims say different things.
OPPOSITES: tuple[tuple[str, str], ...] = (
    ("rise", "fall"),
    ("raise", "cut"),
    ("win", "lose"),
    ("approve", "reject"),
    ("buy", "sell"),
    ("kill", "injure"),
    ("export", "import"),
    ("profit", "loss"),
    ("surplus", "deficit"),
)

# Names: canonical -> other names (countries with their capitals and demonyms, a few bodies).
# News style names a country by its capital ("Rabat has bought..."), so a capital is an alias.
ALIASES: dict[str, tuple[str, ...]] = {
    "us": ("united states", "united states of america", "usa", "america", "american",
           "americans", "washington"),
    "uk": ("united kingdom", "britain", "great britain", "british", "london"),
    "eu": ("european union", "brussels"),
    "un": ("united nations",),
    "uae": ("united arab emirates", "emirati", "emirates", "abu dhabi"),
    "israel": ("israeli", "israelis", "idf", "israel defense forces"),
    "morocco": ("moroccan", "moroccans", "rabat"),
    "algeria": ("algerian", "algerians", "algiers"),
    "tunisia": ("tunisian", "tunisians", "tunis"),
    "egypt": ("egyptian", "egyptians", "cairo"),
    "france": ("french", "paris"),
    "spain": ("spanish", "madrid"),
    "portugal": ("portuguese", "lisbon"),
    "germany": ("german", "germans", "berlin"),
    "italy": ("italian", "italians", "rome"),
    "greece": ("greek", "greeks", "athens"),
    "poland": ("polish", "warsaw"),
    "russia": ("russian", "russians", "moscow", "kremlin"),
    "ukraine": ("ukrainian", "ukrainians", "kyiv", "kiev"),
    "china": ("chinese", "beijing"),
    "india": ("indian", "indians", "new delhi", "delhi"),
    "japan": ("japanese", "tokyo"),
    "south korea": ("seoul",),
    "iran": ("iranian", "iranians", "tehran"),
    "iraq": ("iraqi", "iraqis", "baghdad"),
    "syria": ("syrian", "syrians", "damascus"),
    "lebanon": ("lebanese", "beirut"),
    "jordan": ("jordanian", "jordanians", "amman"),
    "saudi arabia": ("saudi", "saudis", "riyadh"),
    "qatar": ("qatari", "doha"),
    "turkey": ("turkish", "turkiye", "türkiye", "ankara"),
    "sudan": ("sudanese", "khartoum"),
    "nigeria": ("nigerian", "nigerians", "abuja"),
    "canada": ("canadian", "canadians", "ottawa"),
    "mexico": ("mexican", "mexicans"),
    "switzerland": ("swiss", "bern"),
    "mauritania": ("mauritanian", "nouakchott"),
}  # fmt: skip

# Counted nouns too general to tell two counts apart ("4,000 migrants" = "4,000 people").
GENERIC_THINGS = frozenset(
    """people person individual resident citizen migrant refugee worker employee job case
    unit system item time sudanese""".split()
)

_STOP = frozenset(
    """a an the and or but nor of to in on at for with by from into onto than as that which who
    whom whose what when where while if is are was were be been being has have had do does did
    will would shall should can could may might must not no per each every all some any this
    these those it its they them their he she his her we our you your i me my after before
    since until over under about around between during against through across without within
    also only just more most less least very so too then there here up down out off such
    among amid despite following like via toward towards upon whether because although
    other another own same both either neither yet still now due set far
    said says say saying told tell tells according reportedly reported reports report claimed
    claim claims stated announced noted cited quoted source sources official officials
    nearly almost roughly approximately estimated exactly circa record last next past previous
    new additional extra further
    mid middle early late percent percentage usd eur euro gbp pound sterling dirham yen yuan
    rupee shekel km mile kg tonne metre meter mm cm mw megawatt gw gigawatt celsius
    fahrenheit degree""".split()
)
# Capitalized words that name nothing.
_NOT_NAMES = frozenset(
    """i the a an and but or so in on at as for from to with by of this that these those it its
    he she they we you his her their our my your there here when where while if after before
    since during according meanwhile however also yet still now then today yesterday
    mr mrs ms dr sir monday tuesday wednesday thursday friday saturday sunday january february
    march april may june july august september october november december jan feb mar apr jun
    jul aug sep sept oct nov dec""".split()
)
# Number words (the figures themselves are read by claims.extraction).
_NUMBER_WORDS = frozenset(
    """zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen
    fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty
    ninety hundred thousand million billion trillion dozen half first second third fourth
    fifth sixth seventh eighth ninth tenth bn mn mln bln k m b tn""".split()
)
# Irregular forms, before suffix stripping.
_IRREGULAR = {
    "bought": "buy", "sold": "sell", "won": "win", "took": "take", "taken": "take",
    "fell": "fall", "fallen": "fall", "rose": "rise", "risen": "rise", "grew": "grow",
    "grown": "grow", "began": "begin", "begun": "begin", "struck": "strike", "held": "hold",
    "led": "lead", "made": "make", "gave": "give", "given": "give", "went": "go", "gone": "go",
    "met": "meet", "left": "leave", "paid": "pay", "spent": "spend", "built": "build",
    "sent": "send", "fought": "fight", "shot": "shoot", "broke": "break", "broken": "break",
    "lost": "lose", "died": "die", "dying": "die", "children": "child", "people": "people",
    "men": "man", "women": "woman", "data": "data", "news": "news", "series": "series",
    "species": "species", "crisis": "crisis", "analysis": "analysis", "gas": "gas",
    "status": "status", "us": "us", "arms": "arms", "united": "united", "aircraft": "aircraft",
}  # fmt: skip
_MONTHS = """january:jan february:feb march:mar april:apr may june:jun july:jul august:aug
    september:sep:sept october:oct november:nov december:dec""".split()
_MONTH_NUMBER = {name: i + 1 for i, names in enumerate(_MONTHS) for name in names.split(":")}

# --- units ------------------------------------------------------------------------------------

# Unit (as claims.extraction writes it) -> (family, factor to the family's base unit).
_UNITS: dict[str, tuple[str, float]] = {
    "km": ("length", 1000.0), "m": ("length", 1.0), "cm": ("length", 0.01),
    "mm": ("length", 0.001), "mi": ("length", 1609.344), "nmi": ("length", 1852.0),
    "ft": ("length", 0.3048), "in": ("length", 0.0254),
    "km2": ("area", 1e6), "m2": ("area", 1.0), "mi2": ("area", 2_589_988.11),
    "ha": ("area", 1e4), "acre": ("area", 4046.8564),
    "kg": ("mass", 1.0), "g": ("mass", 0.001), "mg": ("mass", 1e-6), "t": ("mass", 1000.0),
    "lb": ("mass", 0.45359237),
    "l": ("volume", 1.0), "gal": ("volume", 3.785411784), "bbl": ("volume", 158.987295),
    "kn": ("speed", 1.852), "km/h": ("speed", 1.0), "mph": ("speed", 1.609344),
    "kW": ("power", 1e3), "MW": ("power", 1e6), "GW": ("power", 1e9),
    "kWh": ("energy", 1e3), "MWh": ("energy", 1e6), "GWh": ("energy", 1e9),
    "TWh": ("energy", 1e12),
    "second": ("duration", 1.0), "minute": ("duration", 60.0), "hour": ("duration", 3600.0),
    "day": ("duration", 86400.0), "week": ("duration", 604800.0),
    "month": ("duration", 2_629_800.0), "year": ("duration", 31_557_600.0),
    "decade": ("duration", 315_576_000.0), "century": ("duration", 3_155_760_000.0),
    "degree": ("temperature", 1.0), "°C": ("temperature", 1.0), "°F": ("temperature", 1.0),
    "bpd": ("flow", 1.0),
}  # fmt: skip
# Families whose figures carry a unit: equal numbers in two of them are different figures.
_MEASURES = frozenset(
    "length area mass volume speed power energy duration temperature flow money".split()
)
_CURRENCY = re.compile(r"[A-Z]{3}")


# --- public types -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimText:
    """What the matcher knows about a claim."""

    id: int
    # The claim's statement (or quote and sentence).
    text: str
    # (value, value_high, unit) as stored (claims.extraction conventions); empty: read them
    # from the text.
    quantities: tuple[tuple[float | None, float | None, str | None], ...] = ()


@dataclass(frozen=True)
class Match:
    """A claim that may say the same as the one matched, and why."""

    other_id: int
    score: float
    text_score: float
    quantity_score: float | None
    entity_score: float | None
    reasons: tuple[str, ...]
    auto: bool


@dataclass(frozen=True, slots=True)
class Figure:
    """One figure in its family's base unit, as a range (low == high for a single figure)."""

    family: str
    unit: str
    raw: float
    low: float
    high: float
    approximate: bool
    # What a count counts, as content words ("36 ATMOS artillery systems": atmos, artillery).
    things: frozenset[str]
    label: str


@dataclass(frozen=True, slots=True)
class Entity:
    """A name: its canonical words and every key it is known by (name, acronym, alias)."""

    name: str
    tokens: frozenset[str]
    keys: frozenset[str]
    # A lone capitalized word at a sentence start that may be a common word ("Police said"):
    # it only counts against a name the other claim lacks.
    weak: bool = False
    # A weak name's content word: found among the other claim's words, it is shared.
    word: str = ""
    # As written ("ATMOS", "Rabat"), for reasons.
    label: str = ""


@dataclass(frozen=True, slots=True)
class Features:
    """Everything score() needs about one claim, computed once by features()."""

    id: int
    text: str
    words: int
    # The normalized words, stop words included, as one string.
    tokens: str
    content: frozenset[str]
    content_text: str
    figures: tuple[Figure, ...]
    entities: tuple[Entity, ...]
    blocking: tuple[str, ...]


# --- words ------------------------------------------------------------------------------------

_FOLD = str.maketrans(
    {"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " ", "\u2009": " "}
)
# Words of normalized text; "_" joins the words of a canonical phrase ("minimum_wage").
_WORD = re.compile(r"[a-z0-9$%_][a-z0-9$%_'&.-]*[a-z0-9$%_]|[a-z0-9$%_]")
_RAW_WORD = re.compile(r"[A-Za-z0-9][\w'&.-]*\w|[A-Za-z0-9]")
_PHRASES: list[tuple[re.Pattern[str], str]] = []
_WORD_SYNONYM: dict[str, str] = {}
_ALIAS_OF: dict[str, str] = {}


def _build_vocabulary() -> None:
    pairs = [(v, k) for k, vs in SYNONYMS.items() for v in vs]
    pairs += [(k, k) for k in SYNONYMS if " " in k]
    for canonical, names in ALIASES.items():
        _ALIAS_OF[canonical] = canonical
        _ALIAS_OF.update((n, canonical) for n in names)
        pairs += [(n, canonical) for n in (canonical, *names) if " " in n]
    for variant, canonical in sorted(pairs, key=lambda p: -len(p[0])):
        target = canonical.replace(" ", "_")
        if " " in variant or not variant.isalnum():
            # Plural phrases too ("artillery systems", "fighter jets").
            pattern = re.compile(r"(?<![\w$])" + re.escape(variant) + r"(?:e?s)?(?!\w)")
            _PHRASES.append((pattern, f" {target} "))
        else:
            _WORD_SYNONYM[variant] = target
            _WORD_SYNONYM.setdefault(stem(variant), target)
    for canonical in SYNONYMS:
        if " " not in canonical:
            _WORD_SYNONYM.setdefault(stem(canonical), canonical)


def stem(word: str) -> str:
    """A light English stem: plural and verb endings, British -ise spellings, a final e."""
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if len(word) <= 3 or not word.isalpha():
        return word
    for suffix in ("isation", "ization", "ising", "izing", "ised", "ized", "ises", "izes"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + "iz"
    if word.endswith(("ise", "ize")) and len(word) > 5:
        return word[:-3] + "iz"
    if word.endswith(("ies", "ied")) and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("ing") and len(word) > 5:
        return _base(word[:-3])
    if word.endswith("ed") and len(word) > 4:
        return word[:-1] if word.endswith("eed") else _base(word[:-2])
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if word.endswith("e") and len(word) >= 4 and word[-2] not in "aeiou":
        return word[:-1]
    return word


def _base(word: str) -> str:
    """The stem left by -ing or -ed: "dropp" -> "drop", "produc" stays."""
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
        return word[:-1]
    return word


_build_vocabulary()


def _canonical_word(word: str) -> str:
    word = word.strip(".'-")
    if word.endswith("'s"):
        word = word[:-2]
    if word in _ALIAS_OF:
        return _ALIAS_OF[word].replace(" ", "_")
    if word in _WORD_SYNONYM:
        return _WORD_SYNONYM[word]
    stemmed = stem(word)
    return _WORD_SYNONYM.get(stemmed, stemmed)


def _normalize(text: str) -> str:
    lower = text.translate(_FOLD).lower()
    for pattern, replacement in _PHRASES:
        lower = pattern.sub(replacement, lower)
    return lower


def _is_number(word: str) -> bool:
    head = word.lstrip("$")
    return not head or head[0].isdigit() or head in _NUMBER_WORDS


def _content_words(text: str, tokens: list[str] | None = None) -> list[str]:
    """Canonical content words of a text, in order: no stop words, no figures."""
    out = []
    for token in _WORD.findall(_normalize(text)) if tokens is None else tokens:
        if "_" in token:
            out.append(token)
            continue
        parts = token.split("-") if "-" in token else [token]
        for part in parts:
            if not part or part in _STOP or _is_number(part) or part in ("$", "%"):
                continue
            word = _canonical_word(part)
            if word and word not in _STOP and not _is_number(word):
                out.append(word)
    return out


# --- figures ----------------------------------------------------------------------------------

# "37m people", "40m tonnes", "2bn": a scale letter without a currency sign ("£1.5m" is read
# already); "m" is million only before a plural ("a 100m sprint" is metres).
_SCALED = re.compile(
    r"(?<![\w.,$€£¥])(\d+(?:\.\d+)?)(bn|mn|k|m(?=\s+(?:[a-z]+s|people|of)\b))\b(?![.,]\d)",
    re.IGNORECASE,
)
_SCALE = {"m": "million", "mn": "million", "bn": "billion", "k": "thousand"}
_HYPHEN_COUNT = re.compile(r"(?<![\w.,$€£¥-])(\d{1,3}(?:,\d{3})+|\d+)-([a-z]+)\b")
_NOT_COUNTED = frozenset("class type style based old strong member year month day".split())
_HALF = re.compile(r"(?i)\bhalf\s+an?\s+(million|billion|trillion)\b")
_MONTH_NAME = re.compile(
    r"\b(?:January|February|March|April|May|June|July|August|September|October|November|"
    r"December)\b"
)


def _family(unit: str | None) -> tuple[str, str, float]:
    """(family, unit, factor to the family's base unit) of a stored or extracted unit."""
    if unit is None:
        return "count", "count", 1.0
    if unit in ("count", "ordinal", "date", "percent", "percentage point", "month-name"):
        return unit, unit, 1.0
    if unit in _UNITS:
        family, factor = _UNITS[unit]
        return family, unit, factor
    if _CURRENCY.fullmatch(unit):
        return "money", unit, 1.0
    return f"unit:{unit}", unit, 1.0


def _format(value: float) -> str:
    for scale, word in ((1e12, " trillion"), (1e9, " billion"), (1e6, " million")):
        if abs(value) >= scale:
            return f"{value / scale:g}{word}"
    return f"{value:,.10g}"


def _label(value: float, unit: str) -> str:
    if unit == "date":
        return str(datetime.fromtimestamp(value, UTC).year)
    if unit == "month-name":
        return next(k for k, v in _MONTH_NUMBER.items() if v == value).title()
    text = _format(value)
    if unit in ("count", "ordinal"):
        return text
    if unit == "percent":
        return f"{text}%"
    if _CURRENCY.fullmatch(unit):
        return f"{unit} {text}"
    return f"{text} {unit}"


def _figure(
    value: float | None, high: float | None, unit: str | None, approximate: bool, quote: str
) -> Figure | None:
    if value is None and high is None:
        return None
    family, name, factor = _family(unit)
    low = value if value is not None else high
    top = high if high is not None else value
    assert low is not None and top is not None
    raw = low
    if name == "°F":
        low, top = (low - 32) / 1.8, (top - 32) / 1.8
    if family == "date" and high is None:
        top = low + 86399.0
    things = frozenset(w for w in _content_words(quote)) if family == "count" else frozenset()
    return Figure(
        family, name, raw, low * factor, top * factor, approximate, things, _label(raw, name)
    )


def _readable(text: str) -> str:
    """The text with what claims.extraction misreads spelled out: "half a million" (it reads
    one million) as "0.5 million", "37m people" (it reads nothing) as "37 million people"."""
    text = _HALF.sub(lambda m: f"0.5 {m[1]}", text)
    return _SCALED.sub(lambda m: f"{m[1]} {_SCALE[m[2].lower()]}", text)


def _text_figures(text: str) -> list[tuple[float | None, float | None, str, bool, str]]:
    """(value, value_high, unit, approximate, quote) of every figure in the text."""
    text = _readable(text)
    found: list[tuple[float | None, float | None, str, bool, str]] = []
    taken: list[tuple[int, int]] = []
    for quantity in find_quantities(text):
        q, start, end = quantity.quantity, quantity.start, quantity.end
        found.append((q.value, q.value_high, q.unit or "count", q.approximate, text[start:end]))
        taken.append((start, end))

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    for m in _HYPHEN_COUNT.finditer(text):
        if not free(m.start(), m.end()) or m[2] in _NOT_COUNTED:
            continue
        before = text[max(0, m.start() - 24) : m.start()].split()
        if before and before[-1][:1].isupper() and before[-1].lower() not in _NOT_NAMES:
            continue  # "Ofek 13-class": a designator
        found.append((float(m[1].replace(",", "")), None, "count", False, m[0]))
    for m in _MONTH_NAME.finditer(text):
        if free(m.start(), m.end()):
            found.append((float(_MONTH_NUMBER[m[0].lower()]), None, "month-name", False, m[0]))
    return found


def _figures(claim: ClaimText) -> tuple[Figure, ...]:
    from_text = _text_figures(claim.text or "")
    out: list[Figure | None] = []
    if claim.quantities:
        # The stored figures (a checker may have corrected them); the text tells what a
        # count counts.
        for value, high, unit in claim.quantities:
            quote = next(
                (q for v, h, u, _, q in from_text if (v, h, u) == (value, high, unit or "count")),
                "",
            )
            out.append(_figure(value, high, unit, False, quote))
    else:
        out = [_figure(v, h, u, a, q) for v, h, u, a, q in from_text]
    return tuple(f for f in out if f is not None)


# --- names ------------------------------------------------------------------------------------

_TERMINAL = re.compile(r"[.!?]['\")\]]*$")
_CONNECTORS = frozenset("of for de du la al el bin van von".split())
_DESIGNATOR_NUMBER = re.compile(r"(\d{1,4}[A-Za-z]?)(?:-[a-z]+)?")
# All-capital words that are units, currencies or common abbreviations, not names.
_NOT_ACRONYMS = frozenset(
    """gdp mw gw kw kwh mwh gwh twh km kg mm cm usd eur gbp mad ceo pm am tv pct bn mn ok""".split()
)
_YEAR = re.compile(r"1[89]\d\d|20\d\d")
_INITIALS = re.compile(r"(?:[a-z]\.){2,}")


def _name_token(word: str) -> str:
    """The canonical form of one word of a name (alias resolved, designator glued)."""
    lower = word.translate(_FOLD).lower()
    if lower.endswith("'s"):
        lower = lower[:-2]
    lower = lower.strip(".'\"")
    if _INITIALS.fullmatch(lower + "."):
        lower = lower.replace(".", "")  # U.S. -> us
    lower = re.sub(r"(?<=[a-z])-(?=\d)|(?<=\d)-(?=[a-z]+$)", "", lower)  # Barak-8, F-16V
    if lower in _ALIAS_OF:
        return _ALIAS_OF[lower]
    if lower.endswith("ies") and len(lower) > 5:
        return lower[:-3] + "y"
    if (
        lower.endswith("s")
        and not lower.endswith(("ss", "us", "is"))
        and len(lower) > 4
        and not word.isupper()
    ):
        return lower[:-1]
    return lower


def _strong_name(word: str) -> bool:
    """A word that names something wherever it stands: acronym, CamelCase, designator, alias."""
    letters = [c for c in word if c.isalpha()]
    if len(letters) >= 2 and all(c.isupper() for c in letters):
        return True  # IAI, ATMOS, F-16V, AH-64, U.S.
    if word[:1].isupper() and any(c.isupper() for c in word[1:] if c.isalpha()):
        return True  # BlueBird, SpyX, McDonald
    lower = word.translate(_FOLD).lower()
    return word[:1].isupper() and lower.removesuffix("'s") in _ALIAS_OF


def _sentence_start(folded: str, start: int) -> bool:
    before = folded[:start].rstrip()
    return not before or before[-1] in ".!?:;\"'(["


def _name_runs(text: str) -> list[tuple[list[str], bool]]:
    """Runs of name words, each with whether it is weak (a lone sentence-initial word)."""
    folded = text.translate(_FOLD)
    raw = [(m.group(), m.start()) for m in _RAW_WORD.finditer(folded)]
    # A title-case headline: (nearly) every word that is not a function word is capitalized.
    letters = [w for w, _ in raw if w[:1].isalpha() and w.lower() not in _STOP]
    title_case = len(letters) >= 4 and sum(w[:1].islower() for w in letters) <= 0.1 * len(letters)
    fragment = len(raw) <= 6 and not _TERMINAL.search(folded.rstrip())
    runs: list[tuple[list[str], bool]] = []
    current: list[str] = []
    end = 0
    for i, (word, start) in enumerate(raw):
        if current and folded[end:start].strip():
            runs.append((current, False))  # punctuation ends a name: "Israel, Morocco"
            current = []
        end = start + len(word)
        lower = word.lower()
        strong = _strong_name(word)
        candidate = (word[:1].isupper() or strong) and (
            strong
            or (lower not in _NOT_NAMES and lower not in _NUMBER_WORDS and lower not in _STOP)
        )
        if "-" in word and word[:1].isupper():
            # "US-brokered": the capitalized part only ("Barak-8", "AH-64" stay whole).
            parts = word.split("-")
            lower_part = next((k for k, part in enumerate(parts) if part[:1].islower()), None)
            if lower_part is not None:
                head = "-".join(parts[:lower_part])
                if head and (current or not _sentence_start(folded, start) or _strong_name(head)):
                    current.append(head)
                if current:
                    runs.append((current, False))
                current = []
                continue
        if candidate and lower in _NOT_ACRONYMS:
            candidate = False
        if candidate:
            accept = strong
            if not strong and not title_case:
                if current or not _sentence_start(folded, start):
                    accept = True
                elif i == 0 and fragment:
                    accept = True  # "Benslimane drone factory"
                else:
                    # A sentence's first word: a name if a capitalized word follows it, else
                    # a weak one ("Elbit said", but also "Police said", "Inflation rose").
                    following = raw[i + 1][0] if i + 1 < len(raw) else ""
                    accept = following[:1].isupper() and following.lower() not in _NOT_NAMES
                    if not accept:
                        runs.append(([word], True))
                        continue
            if accept:
                current.append(word)
                if lower.endswith("'s"):
                    runs.append((current, False))  # "Morocco's Noor Ouarzazate": two names
                    current = []
                continue
        elif (
            current
            and (number := _DESIGNATOR_NUMBER.fullmatch(word))
            and not _YEAR.fullmatch(word)
            and folded[start - 1 : start] == " "
        ):
            current[-1] += number[1]  # "Leopard 2", "Ofek 13", "Ofek 13-class"
            if number.end(1) == len(word):
                continue

        elif current and lower in _CONNECTORS and i + 1 < len(raw) and raw[i + 1][0][:1].isupper():
            current.append(lower)
            continue
        if current:
            runs.append((current, False))
        current = []
    if current:
        runs.append((current, False))
    return runs


def _entities(text: str) -> tuple[Entity, ...]:
    entities: dict[str, Entity] = {}
    for run, weak in _name_runs(text):
        groups: list[list[str]] = []
        buffer: list[str] = []
        for word in run:
            parts = [p for p in word.split("-") if p]
            if len(parts) > 1 and all(_name_token(p) in ALIASES for p in parts):
                # "Israeli-Moroccan": two names.
                if buffer:
                    groups.append(buffer)
                    buffer = []
                groups.extend([p] for p in parts)
            else:
                buffer.append(word)
        if buffer:
            groups.append(buffer)
        for group in groups:
            while group and group[-1] in _CONNECTORS:
                group.pop()
            if group:
                entity = _entity(group, weak)
                if entity.name not in entities or entities[entity.name].weak:
                    entities[entity.name] = entity
    return tuple(entities.values())


def _entity(words: list[str], weak: bool = False) -> Entity:
    significant = [w for w in words if w not in _CONNECTORS]
    tokens = [part for w in significant for part in _name_token(w).split("-") if part]
    phrase = " ".join(w.translate(_FOLD).lower().removesuffix("'s") for w in words)
    name = _ALIAS_OF.get(phrase) or " ".join(tokens)
    keys = {name, " ".join(tokens)}
    if len(significant) >= 3:
        keys.add("".join(w[0].lower() for w in significant))  # Israel Aerospace Industries: iai
    weak = weak and name not in ALIASES
    word = _canonical_word(words[0].translate(_FOLD).lower()) if weak else ""
    label = " ".join(w.translate(_FOLD).removesuffix("'s") for w in words)
    return Entity(name, frozenset(tokens), frozenset(keys), weak, word, label)


def _tokens_match(t: str, u: str) -> bool:
    if t == u:
        return True
    short, long = (t, u) if len(t) <= len(u) else (u, t)
    if len(short) == 1:
        return long.startswith(short)  # "Rafale-M" and "Rafale Marine"
    # A designator and its variant: "F-16" and "F-16V".
    return (
        any(c.isdigit() for c in short)
        and long.startswith(short)
        and len(long) - len(short) <= 2
        and not long[len(short)].isdigit()
    )


def _entities_match(e: Entity, f: Entity) -> bool:
    if e.keys & f.keys:
        return True
    small, large = (e, f) if len(e.tokens) <= len(f.tokens) else (f, e)
    return all(any(_tokens_match(t, u) for u in large.tokens) for t in small.tokens)


# --- features and blocking --------------------------------------------------------------------

# Content words too common in news to fetch candidates by.
_COMMON = frozenset(
    """government minister ministry president country state year month week day time people
    percent million billion usd rise fall reach kill make take plan group part number city
    region world national public new first last""".split()
)
BLOCKING_LIMIT = 8


def features(claim: ClaimText) -> Features:
    """Everything the matcher compares, for one claim (compute once, compare many times)."""
    text = claim.text or ""
    tokens = _WORD.findall(_normalize(text))
    content = _content_words(text, tokens)
    figures = _figures(claim)
    entities = _entities(text)
    return Features(
        id=claim.id,
        text=text,
        words=sum(1 for word in text.split() if any(c.isalnum() for c in word)),
        tokens=" ".join(tokens),
        content=frozenset(content),
        content_text=" ".join(content),
        figures=figures,
        entities=entities,
        blocking=_blocking(content, figures, entities),
    )


def _figure_term(f: Figure) -> str | None:
    if f.family == "date":
        return f.label
    if f.family in ("count", "money", "percent", "ordinal") or f.family in _MEASURES:
        return f"{f.raw:.10g}".replace("+", "")
    return None


def _blocking(
    content: list[str], figures: tuple[Figure, ...], entities: tuple[Entity, ...]
) -> tuple[str, ...]:
    terms: list[str] = []

    def add(term: str | None) -> None:
        if term and term not in terms:
            terms.append(term)

    for entity in sorted(entities, key=lambda e: (e.name not in ALIASES, -len(e.name))):
        add(entity.name.replace(" ", "_") if entity.name in ALIASES else None)
        for token in sorted(entity.tokens - {entity.name}, key=len, reverse=True)[:2]:
            add(token if " " not in token else None)
        if entity.name not in ALIASES and " " not in entity.name:
            add(entity.name)
    terms = terms[:4]
    for figure in sorted(figures, key=lambda f: f.family == "date"):
        add(_figure_term(figure))
    for word in sorted(set(content) - _COMMON, key=lambda w: (-len(w), w)):
        if len(terms) >= BLOCKING_LIMIT:
            break
        if len(word) > 2:
            add(word)
    return tuple(terms[:BLOCKING_LIMIT])


def blocking_terms(f: Features) -> set[str]:
    """A few rare-ish terms to fetch candidates by: names, figures, then long content words.

    Terms are canonical: names lower case with aliases resolved ("Rabat" -> "morocco", "United
    Arab Emirates" -> "uae", "Barak-8" -> "barak8"), figures as plain numbers ("36",
    "1000000000"; a date as its year, "2024"), content words stemmed and synonym-mapped
    ("howitzers" -> "artillery"). The robust way to use them is to store each claim's terms (a
    claim/term table indexed by term) and fetch the claims sharing at least one term with the
    new claim. A full-text search over the claims' text finds most candidates too (names,
    digits and plain words are words of the text) but misses synonyms and number words.
    """
    return set(f.blocking)


# --- scoring ----------------------------------------------------------------------------------

# How two figures relate. PARTLY: the same count of things described by partly other words
# ("two reconnaissance satellites", "two communications satellites"): half an agreement.
_AGREE, _PARTLY, _DIFFER, _OTHER_THING, _UNRELATED = 0, 1, 2, 3, 4


def _things(a: frozenset[str], b: frozenset[str]) -> int:
    """_AGREE, _PARTLY or _OTHER_THING: how alike the things two counts count are."""
    only_a = a - b - GENERIC_THINGS
    only_b = b - a - GENERIC_THINGS
    if not a or not b or not only_a or not only_b:
        return _AGREE
    return _PARTLY if a & b else _OTHER_THING


def _close(a: float, b: float, approximate: bool) -> bool:
    if approximate:
        tolerance = APPROXIMATE_TOLERANCE
    elif max(abs(a), abs(b)) >= LARGE:
        tolerance = LARGE_TOLERANCE
    else:
        tolerance = SMALL_TOLERANCE
    return math.isclose(a, b, rel_tol=tolerance, abs_tol=1e-9)


def _compare(a: Figure, b: Figure) -> int:
    if a.family != b.family:
        # "1 million barrels" vs "1 million tonnes", "10 million containers" vs "10 million
        # tonnes": the same number of different units.
        measured = [f.family in _MEASURES or (f.family == "count" and f.things) for f in (a, b)]
        return _DIFFER if all(measured) and a.raw == b.raw else _UNRELATED
    family = a.family
    if family == "money" and a.unit != b.unit:
        return _DIFFER
    if family == "count":
        things = _things(a.things, b.things)
        if things == _OTHER_THING:
            close = _close(a.low, b.low, a.approximate or b.approximate)
            return _OTHER_THING if close else _UNRELATED
        relation = _compare_values(a, b)
        return _PARTLY if relation == _AGREE and things == _PARTLY else relation
    return _compare_values(a, b)


def _compare_values(a: Figure, b: Figure) -> int:
    family = a.family
    if family == "date":
        return _AGREE if a.low <= b.high and b.low <= a.high else _DIFFER
    if family in ("ordinal", "month-name"):
        return _AGREE if a.low == b.low else _DIFFER
    approximate = a.approximate or b.approximate
    if family in ("percent", "percentage point"):
        tolerance = PERCENT_APPROXIMATE_TOLERANCE if approximate else PERCENT_TOLERANCE
        close = abs(a.low - b.low) <= tolerance + 1e-9 or abs(a.high - b.high) <= tolerance + 1e-9
        return _AGREE if close else _DIFFER
    # Converted between units ("150 km", "93 miles"): the writer rounded.
    approximate = approximate or a.unit != b.unit
    if _close(a.low, b.low, approximate) or _close(a.high, b.high, approximate):
        return _AGREE
    # A range holding the other's figure ("5-10 km" and "8 km").
    if (a.low < a.high and a.low <= b.low <= a.high) or (
        b.low < b.high and b.low <= a.low <= b.high
    ):
        return _AGREE
    return _DIFFER


def _quantity(a: Features, b: Features) -> tuple[float | None, list[str], bool, bool]:
    """(quantity score, reasons, some figure differs, only figures counting other things)."""
    if not a.figures or not b.figures:
        return None, [], False, False
    relation = [[_compare(x, y) for y in b.figures] for x in a.figures]
    agree_a = [_AGREE in row or _PARTLY in row for row in relation]
    agree_b = [any(row[j] <= _PARTLY for row in relation) for j in range(len(b.figures))]
    # A partial agreement (things partly other) weighs half.
    weight_a = [1.0 if _AGREE in row else 0.5 for row in relation]
    weight_b = [
        1.0 if any(row[j] == _AGREE for row in relation) else 0.5 for j in range(len(b.figures))
    ]
    reasons: list[str] = []
    differ: set[tuple[int, int]] = set()
    other: set[tuple[int, int]] = set()
    for i, row in enumerate(relation):
        if agree_a[i]:
            x, y = a.figures[i], b.figures[row.index(_AGREE if _AGREE in row else _PARTLY)]
            same = x.label if x.label == y.label else f"{x.label} ~ {y.label}"
            if _AGREE in row:
                reasons.append(f"same figure {same}")
            else:
                reasons.append(
                    f"same figure {same}, things partly other: "
                    f"{' '.join(sorted(x.things))} vs {' '.join(sorted(y.things))}"
                )
            continue
        for j, r in enumerate(row):
            if agree_b[j]:
                continue
            if r == _DIFFER:
                differ.add((i, j))
            elif r == _OTHER_THING:
                other.add((i, j))
    shown: set[str] = set()
    for i, j in sorted(differ):
        x, y = a.figures[i], b.figures[j]
        reason = f"different figure: {x.label} vs {y.label}"
        if reason not in shown:
            shown.add(reason)
            reasons.append(reason)
    for i, j in sorted(other):
        x, y = a.figures[i], b.figures[j]
        reasons.append(
            f"same figure {x.label}, other things: "
            f"{' '.join(sorted(x.things))} vs {' '.join(sorted(y.things))}"
        )
    count = sum(agree_a) + sum(agree_b)
    agreed = sum(w for w, ok in zip(weight_a, agree_a, strict=True) if ok) + sum(
        w for w, ok in zip(weight_b, agree_b, strict=True) if ok
    )
    differing = len({i for i, _ in differ}) + len({j for _, j in differ})
    if count + differing == 0:
        return None, reasons, False, bool(other)
    return agreed / (count + differing), reasons, bool(differ), bool(other) and not count


def _entity_score(a: Features, b: Features) -> tuple[float | None, list[str], bool]:
    """(entity score, reasons, each side names something the other does not).

    The score counts the (not weak) names of each side found among the other's names; None
    unless both sides have such names.
    """
    if not a.entities or not b.entities:
        return None, [], False
    shared_a = [
        e
        for e in a.entities
        if (e.weak and e.word in b.content) or any(_entities_match(e, f) for f in b.entities)
    ]
    shared_b = [
        f
        for f in b.entities
        if (f.weak and f.word in a.content) or any(_entities_match(e, f) for e in a.entities)
    ]
    only_a = [e for e in a.entities if e not in shared_a]
    only_b = [f for f in b.entities if f not in shared_b]
    conflict = bool(only_a and only_b) and any(not e.weak for e in (*only_a, *only_b))
    reasons = []
    if shared_a:
        reasons.append("entities: " + ", ".join(e.label for e in shared_a))
    if conflict:
        names_a = ", ".join(e.label for e in only_a)
        names_b = ", ".join(f.label for f in only_b)
        reasons.append(f"different entities: {names_a} vs {names_b}")
    strong_a = [e for e in a.entities if not e.weak]
    strong_b = [f for f in b.entities if not f.weak]
    if not strong_a or not strong_b:
        return None, reasons, conflict
    value = (
        sum(e in shared_a for e in strong_a) / len(strong_a)
        + sum(f in shared_b for f in strong_b) / len(strong_b)
    ) / 2
    return value, reasons, conflict


def _text(a: Features, b: Features) -> float:
    if not a.content or not b.content:
        return 0.0
    common = len(a.content & b.content)
    jaccard = common / (len(a.content) + len(b.content) - common)
    ratio = fuzz.token_set_ratio(a.content_text, b.content_text) / 100.0
    return (jaccard + ratio) / 2


_NEGATION_PREFIXES = ("un", "non", "in", "im", "dis")


def _one_word(a: Features, b: Features) -> str | None:
    """The one content word each side has in place of the other's, in otherwise alike wording."""
    only_a = a.content - b.content
    only_b = b.content - a.content
    if len(only_a) != 1 or len(only_b) != 1 or not a.content & b.content:
        return None
    (x,), (y,) = only_a, only_b
    negated = any(x == p + y or y == p + x for p in _NEGATION_PREFIXES)
    if not negated and fuzz.ratio(x, y) >= 75:
        return None  # a spelling variant ("annul", "annull")
    if fuzz.ratio(a.tokens, b.tokens) < ONE_WORD_SIMILARITY:
        return None
    return f"one word differs: {x} vs {y}"


_OPPOSITE_WORDS = frozenset(w for pair in OPPOSITES for w in pair)


def _opposite(a: Features, b: Features) -> str | None:
    if a.content.isdisjoint(_OPPOSITE_WORDS) or b.content.isdisjoint(_OPPOSITE_WORDS):
        return None
    for x, y in OPPOSITES:
        for p, q in ((a.content, b.content), (b.content, a.content)):
            if x in p and y in q and y not in p and x not in q:
                return f"opposite: {x} vs {y}"
    return None


def score(a: Features, b: Features) -> Match:
    """How likely b says the same as a, 0..1, with its parts and reasons (other_id = b.id)."""
    text = _text(a, b)
    quantity, reasons, differs, other_thing = _quantity(a, b)
    entity, entity_reasons, other_names = _entity_score(a, b)
    opposite = _opposite(a, b)
    total, weight = W_TEXT * text, W_TEXT
    if quantity is not None:
        total += W_QUANTITY * quantity
        weight += W_QUANTITY
    if entity is not None:
        total += W_ENTITY * entity
        weight += W_ENTITY
    value = total / weight
    if differs:
        value *= DIFFERENT_FIGURE_FACTOR
    if other_thing:
        value *= SAME_FIGURE_OTHER_THING_FACTOR
    if entity == 0.0:
        value *= DISJOINT_ENTITY_FACTOR
    elif other_names:
        value *= OTHER_ENTITY_FACTOR
    if opposite:
        value *= OPPOSITE_FACTOR
        reasons.append(opposite)
    one_word = None if opposite else _one_word(a, b)
    if one_word:
        value *= ONE_WORD_FACTOR
        reasons.append(one_word)
    auto = (
        value >= AUTO_THRESHOLD
        and min(a.words, b.words) >= SHORT_TEXT
        and not (differs or other_thing or other_names or opposite or one_word)
    )
    return Match(
        other_id=b.id,
        score=round(min(1.0, value), 4),
        text_score=round(text, 4),
        quantity_score=None if quantity is None else round(quantity, 4),
        entity_score=None if entity is None else round(entity, 4),
        reasons=(f"text {text:.2f}", *reasons, *entity_reasons),
        auto=auto,
    )


def find_matches(
    claim: ClaimText, candidates: Iterable[ClaimText], *, limit: int = 10
) -> list[Match]:
    """Candidates that may say the same as `claim`, best first, at or above MATCH_THRESHOLD.

    The candidates should come from a lookup by blocking_terms(), not the whole corpus; a
    candidate with the claim's own id is skipped.
    """
    mine = features(claim)
    found = []
    for candidate in candidates:
        if candidate.id != claim.id:
            match = score(mine, features(candidate))
            if match.score >= MATCH_THRESHOLD:
                found.append(match)
    found.sort(key=lambda m: (-m.score, m.other_id))
    return found[:limit]


def held_out(index: int) -> bool:
    """Whether line `index` (0-based) of the labelled pairs is in the held-out third."""
    return index % 3 == 2


# --- measuring --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scores:
    """Precision, recall and F1 of `score >= threshold` as "same claim" on labelled pairs."""

    pairs: int
    positives: int
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.positives if self.positives else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def evaluate(scored: Iterable[tuple[float, bool]], threshold: float = MATCH_THRESHOLD) -> Scores:
    """Scores of (score, same) pairs at a threshold."""
    pairs = positives = tp = fp = fn = 0
    for value, same in scored:
        pairs += 1
        positives += same
        predicted = value >= threshold
        tp += predicted and same
        fp += predicted and not same
        fn += same and not predicted
    return Scores(pairs, positives, tp, fp, fn)


def score_pair(a: str, b: str) -> Match:
    """score() of two texts (ids 0 and 1), for measuring and for tests."""
    return score(features(ClaimText(0, a)), features(ClaimText(1, b)))


def _main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m claims.matching", description="Measure claim matching on labelled pairs."
    )
    parser.add_argument("--pairs", required=True, help="JSON lines: {a, b, same, note}")
    parser.add_argument("--threshold", type=float, default=MATCH_THRESHOLD)
    parser.add_argument("--errors", action="store_true", help="list the pairs it gets wrong")
    args = parser.parse_args(argv)
    with open(args.pairs, encoding="utf-8") as lines:
        rows = [json.loads(line) for line in lines if line.strip()]
    matches = [score_pair(row["a"], row["b"]) for row in rows]
    parts = {
        "all": list(range(len(rows))),
        "train": [i for i in range(len(rows)) if not held_out(i)],
        "held-out": [i for i in range(len(rows)) if held_out(i)],
    }
    print(f"threshold {args.threshold:.2f} (MATCH_THRESHOLD {MATCH_THRESHOLD:.2f})")
    print(f"{'part':<9} {'pairs':>5} {'pos':>4} {'P':>6} {'R':>6} {'F1':>6}  tp fp fn")
    for name, indexes in parts.items():
        s = evaluate(((matches[i].score, bool(rows[i]["same"])) for i in indexes), args.threshold)
        print(
            f"{name:<9} {s.pairs:>5} {s.positives:>4} {s.precision:>6.3f} {s.recall:>6.3f} "
            f"{s.f1:>6.3f}  {s.true_positives} {s.false_positives} {s.false_negatives}"
        )
    print()
    print("threshold  P(train) R(train) F1(train)  P(held) R(held) F1(held)")
    for step in range(30, 86, 5):
        threshold = step / 100
        line = f"{threshold:>9.2f}"
        for name in ("train", "held-out"):
            s = evaluate(
                ((matches[i].score, bool(rows[i]["same"])) for i in parts[name]), threshold
            )
            line += f"  {s.precision:>7.3f} {s.recall:>7.3f} {s.f1:>8.3f}"
        print(line)
    # Speed of score() on precomputed features.
    feats = [features(ClaimText(i, row[key])) for i, row in enumerate(rows) for key in ("a", "b")]
    n = 10_000
    pairs = [(feats[k % len(feats)], feats[(k * 7 + 3) % len(feats)]) for k in range(n)]
    elapsed = math.inf
    for _ in range(3):  # the best of three runs
        started = time.perf_counter()
        for a, b in pairs:
            score(a, b)
        elapsed = min(elapsed, time.perf_counter() - started)
    started = time.perf_counter()
    for row in rows:
        features(ClaimText(0, row["a"]))
    per_features = (time.perf_counter() - started) / len(rows)
    print()
    print(
        f"score(): {n:,} comparisons in {elapsed:.3f} s ({elapsed / n * 1e6:.1f} us each); "
        f"features(): {per_features * 1e3:.2f} ms per claim"
    )
    if args.errors:
        print()
        for i, (row, m) in enumerate(zip(rows, matches, strict=True)):
            if (m.score >= args.threshold) != bool(row["same"]):
                kind = "FN" if row["same"] else "FP"
                part = "held" if held_out(i) else "train"
                print(f"{kind} {part} line {i + 1} score {m.score:.3f} ({row['note']})")
                print(f"   a: {row['a']}")
                print(f"   b: {row['b']}")
                print(f"   {'; '.join(m.reasons)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
