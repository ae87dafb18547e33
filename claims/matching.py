"""\"Checked before?\": find claims already in the tracker that say the same as a new one.

Pure: stdlib, rapidfuzz and the project's own figure reader (claims.extraction); no Flask, no
database, no I/O (except the measuring entry point at the end of the module).

How a pair of claims is scored (score()), on features computed once per claim (features()):

1. Text, ``text_score`` in 0..1: the mean of the Jaccard index of the two sets of content words
   and rapidfuzz's token_set_ratio of the two content-word strings. Content words are the
   lower-case words of the text with stop words, reporting words ("said", "according",
   "reportedly") and figures removed, lightly stemmed ("normalising" = "normalization" =
   "normaliz"), and put through SYNONYMS ("howitzers" = "artillery systems" = "artillery").
2. Figures, ``quantity_score`` in 0..1 or None: every figure that claims.extraction reads
   (money, percentages, measures, counts, dates, ordinals; "thirty-six" is 36, "$1bn" is 1e9,
   "mid-2024" is April-September 2024), plus "37m people" and "174-seat" that it leaves.
   Figures of one kind are compared in one unit (km and miles, kg and lb, years and months...):
   they agree within FIGURE_TOLERANCE relative (APPROXIMATE_TOLERANCE if either is approximate
   or converted between units; percentages within 0.05 points; dates when their periods
   overlap, so "2024" agrees with "mid-2024"; ordinals exactly). A count also names what it
   counts ("36 ATMOS artillery systems"): counts of things with no word in common are not
   compared ("36 Barak launchers" is not "36 ATMOS howitzers"). Two figures of one kind that
   find no agreeing figure on the other side are a *different figure* ("36 vs 40"), as are
   amounts in different currencies. quantity_score is the share of compared figures that
   agree (None when the claims have no figures of a common kind).
3. Named entities, ``entity_score`` in 0..1 or None: capitalized words and runs of them
   ("Israel Aerospace Industries", "Tel Aviv"), acronyms ("IAI", which also matches the
   initials of "Israel Aerospace Industries"), designators glued to their numbers ("Barak-8",
   "F-16"), with ALIASES for countries, their capitals and demonyms ("Rabat", "Moroccan" =
   Morocco). A sentence's first word only counts as a name when it is a known alias, an
   acronym, or starts a run of capitals; a title-case headline only yields aliases and
   acronyms. entity_score is the mean of the shares of each side's names found on the other
   side (None unless both sides name something).

Combination (all weights below are module constants):

    base = (W_TEXT * text + W_QUANTITY * quantity + W_ENTITY * entity) / (sum of the weights
           of the parts that are not None)
    score = base * DIFFERENT_FIGURE_FACTOR   if a figure differs ("different figure: 36 vs 40")
          * DISJOINT_ENTITY_FACTOR           if both name something and no name is shared
          * SAME_FIGURE_OTHER_THING_FACTOR   if the only shared figure counts different things

MATCH_THRESHOLD: a pair at or above it is suggested to the checker. AUTO_THRESHOLD: at or above
it, with both texts at least SHORT_TEXT words long, no figure differing and no name missing on
either side, the match may be confirmed without a person (`auto`).

The thresholds were chosen on the first two thirds of tests/data/claim_pairs.jsonl (lines
whose 0-based index is not 2 modulo 3); the remaining third is held out. Measure with:

    python -m claims.matching --pairs tests/data/claim_pairs.jsonl
"""

# Word lists read best as one string to split, and the curly quotes in the patterns are the
# very characters that articles contain.
# ruff: noqa: SIM905, RUF001

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

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
DISJOINT_ENTITY_FACTOR = 0.6
SAME_FIGURE_OTHER_THING_FACTOR = 0.7

# Relative difference within which two figures are the same ("$1 billion" ~ "$1.02 billion").
FIGURE_TOLERANCE = 0.025
# ... when either is approximate ("about", "nearly", "more than") or was converted (km/miles).
APPROXIMATE_TOLERANCE = 0.06
# Percentages: absolute difference in points ("5.2%" is not "5.4%").
PERCENT_TOLERANCE = 0.05
PERCENT_APPROXIMATE_TOLERANCE = 0.5

# --- vocabulary -------------------------------------------------------------------------------

# Newsroom synonyms: canonical form -> spellings (words or phrases, lower case). Phrases are
# replaced in the text before it is split into words; single words after stemming too.
SYNONYMS: dict[str, tuple[str, ...]] = {
    # weapons and the military
    "artillery": (
        "howitzer", "howitzers", "artillery system", "artillery systems", "artillery piece",
        "artillery pieces", "artillery gun", "artillery guns", "self-propelled gun",
        "self-propelled guns",
    ),
    "jet": ("jets", "fighter", "fighters", "fighter jet", "fighter jets", "warplane",
            "warplanes", "fighter aircraft", "combat aircraft"),
    "military": ("army", "armed forces", "military's", "army's"),
    "soldier": ("soldiers", "troops", "troop", "servicemen"),
    "weapon": ("weapons", "arms"),
    "defence": ("defense",),
    "reconnaissance": ("spy", "surveillance"),
    "drone": ("drones", "uav", "uavs", "unmanned aerial vehicle", "unmanned aerial vehicles"),
    # money and economy
    "billion": ("bn", "bln"),
    "million": ("mn", "mln"),
    "usd": ("us$", "dollar", "dollars", "us dollars"),
    "percent": ("per cent", "%", "pct"),
    "unemployment": ("jobless", "joblessness", "jobless rate", "unemployment rate"),
    "gdp": ("gross domestic product", "economy", "economic output"),
    "contract": ("deal", "deals", "agreement", "contracts"),
    "minimum wage": ("living wage", "national living wage", "national minimum wage"),
    "company": ("firm", "firms", "companies"),
    "output": ("production",),
    "population": ("inhabitants", "residents"),
    "car": ("cars", "vehicle", "vehicles"),
    # verbs of change and action
    "buy": ("bought", "purchase", "purchased", "acquire", "acquired", "procure", "procured"),
    "rise": ("rose", "risen", "increase", "increased", "climb", "climbed", "grow", "grew",
             "grown", "expand", "expanded", "jump", "jumped"),
    "fall": ("fell", "fallen", "drop", "dropped", "decline", "declined", "decrease",
             "decreased"),
    "reach": ("hit", "reached", "stand at", "stands at", "stood at"),
    "kill": ("killed", "die", "died", "dead", "death", "deaths", "fatalities"),
    "injure": ("injured", "wound", "wounded", "hurt"),
    "win": ("won", "secure", "secured", "take", "took"),
    "cut": ("laid off", "lay off", "axe", "axed", "slash", "slashed"),
    "sever": ("severed", "cut off", "break off", "broke off"),
    "found": ("founded", "establish", "established", "set up"),
    "begin": ("began", "begun", "start", "started"),
    "approve": ("approved", "clear", "cleared", "sign off", "signed off", "pass", "passed"),
    "pledge": ("pledged", "promise", "promised", "commit", "committed"),
    "supply": ("supplied", "deliver", "delivered", "provide", "provided", "hand over",
               "handed over"),
    "annul": ("annulled", "strike down", "struck down", "overturn", "overturned"),
    "open": ("opened", "inaugurate", "inaugurated"),
    # nouns
    "relations": ("ties", "relationship", "diplomatic ties"),
    "meeting": ("session", "sessions", "meetings"),
    "talks": ("discussions", "negotiations"),
    "earthquake": ("quake",),
    "law": ("legislation",),
    "vote": ("votes", "ballots"),
    "displace": ("displaced", "fled their homes", "flee", "fled"),
    "km": ("kilometre", "kilometres", "kilometer", "kilometers"),
    "mile": ("miles", "mi"),
    "tonne": ("tonnes", "ton", "tons", "metric tons"),
}  # fmt: skip

# Names: canonical -> other names (countries with their capitals and demonyms, and a few
# bodies). A capital stands for its country, as news style uses it ("Rabat has bought...").
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
    "tunisia": ("tunisian", "tunis"),
    "egypt": ("egyptian", "egyptians", "cairo"),
    "france": ("french", "paris"),
    "spain": ("spanish", "madrid"),
    "portugal": ("portuguese", "lisbon"),
    "germany": ("german", "germans", "berlin"),
    "italy": ("italian", "rome"),
    "greece": ("greek", "athens"),
    "poland": ("polish", "warsaw"),
    "russia": ("russian", "russians", "moscow", "kremlin"),
    "ukraine": ("ukrainian", "ukrainians", "kyiv", "kiev"),
    "china": ("chinese", "beijing"),
    "india": ("indian", "new delhi", "delhi"),
    "japan": ("japanese", "tokyo"),
    "south korea": ("seoul",),
    "iran": ("iranian", "iranians", "tehran"),
    "iraq": ("iraqi", "iraqis", "baghdad"),
    "syria": ("syrian", "syrians", "damascus"),
    "lebanon": ("lebanese", "beirut"),
    "jordan": ("jordanian", "amman"),
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

_STOP = frozenset(
    """a an the and or but nor of to in on at for with by from into onto than as that which who
    whom whose what when where while if is are was were be been being has have had do does did
    will would shall should can could may might must not no per each every all some any this
    these those it its they them their he she his her we our you your i me my after before since
    until over under about around between during against through across without within also
    only just more most less least very so too then there here up down out off such other
    another own same both either neither yet still already now new set due there's it's
    said says say saying told tells according reportedly reported reports report claimed
    claims stated announced added noted officials official cited quoted sources source
    nearly almost roughly approximately some estimated least exactly around about circa
    last next year's this year so far""".split()
)
# Capitalized words that do not name anything (at a sentence start, or in any position).
_NOT_NAMES = frozenset(
    """i the a an and but or so in on at as for from to with by of this that these those it
    its he she they we you his her their our my your there here when where while if after
    before since during according meanwhile however also yet still now then today yesterday
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
    "children": "child", "people": "people", "men": "man", "women": "woman", "data": "data",
    "news": "news", "series": "series", "species": "species", "crisis": "crisis",
    "analysis": "analysis", "us": "us", "gas": "gas", "status": "status",
}  # fmt: skip

# --- units ------------------------------------------------------------------------------------

# Unit -> (family, factor to the family's base unit).
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
    "degree": ("temperature", 1.0), "°C": ("temperature", 1.0),
    "bpd": ("flow", 1.0),
}  # fmt: skip
_CURRENCY = re.compile(r"[A-Z]{3}")


# --- public types -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimText:
    """What the matcher knows about a claim."""

    id: int
    # The claim's statement (or quote and sentence).
    text: str
    # (value, value_high, unit) as stored (see claims.extraction.quantities); empty: read from
    # the text.
    quantities: tuple[tuple[float | None, float | None, str | None], ...] = ()


@dataclass(frozen=True)
class Match:
    """A claim that may say the same, with why."""

    other_id: int
    score: float
    text_score: float
    quantity_score: float | None
    entity_score: float | None
    reasons: tuple[str, ...]
    auto: bool


@dataclass(frozen=True, slots=True)
class Figure:
    """One figure, normalized: a family ("money:USD" is "money", unit "USD") and a range."""

    family: str
    unit: str
    low: float
    high: float
    approximate: bool
    # What a count counts, as content words ("36 ATMOS artillery systems": atmos, artillery).
    things: frozenset[str]
    label: str


@dataclass(frozen=True, slots=True)
class Entity:
    """A name: its canonical tokens and every key it may be known by (acronym, alias)."""

    name: str
    tokens: frozenset[str]
    keys: frozenset[str]


@dataclass(frozen=True, slots=True)
class Features:
    """Everything score() needs about one claim, computed once by features()."""

    id: int
    text: str
    words: int
    tokens: tuple[str, ...]
    content: frozenset[str]
    content_text: str
    figures: tuple[Figure, ...]
    entities: tuple[Entity, ...]
    blocking: frozenset[str]


# --- text normalization -----------------------------------------------------------------------

_FOLD = str.maketrans(
    {"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " ", "\u2009": " "}
)
# Words of normalized text; "_" joins the words of a canonical phrase ("minimum_wage").
_WORD = re.compile(r"[a-z0-9$%_][a-z0-9$%_'&.-]*[a-z0-9$%_]|[a-z0-9$%_]")
_RAW_WORD = re.compile(r"[A-Za-z0-9][\w'&.-]*[\w]|[A-Za-z0-9]")
_PHRASES: list[tuple[re.Pattern[str], str]] = []
_WORD_SYNONYM: dict[str, str] = {}


def _build_phrases() -> None:
    pairs = [(v, k) for k, vs in SYNONYMS.items() for v in vs]
    for variant, canonical in sorted(pairs, key=lambda p: -len(p[0])):
        target = canonical.replace(" ", "_")
        if " " in variant or not variant.isalnum():
            pattern = re.compile(r"(?<![\w$])" + re.escape(variant) + r"(?![\w])")
            _PHRASES.append((pattern, f" {target} "))
        else:
            _WORD_SYNONYM[variant] = target
    for canonical in SYNONYMS:
        if " " in canonical:
            pattern = re.compile(r"(?<![\w$])" + re.escape(canonical) + r"(?![\w])")
            _PHRASES.append((pattern, f" {canonical.replace(' ', '_')} "))


_build_phrases()
_ALIAS_OF: dict[str, str] = {}
for _canonical, _names in ALIASES.items():
    _ALIAS_OF[_canonical] = _canonical
    _ALIAS_OF.update((n, _canonical) for n in _names)


def stem(word: str) -> str:
    """A light English stem: plural and verb endings, British -ise spellings."""
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if len(word) <= 3 or not word.isalpha():
        return word
    for suffix, replacement in (
        ("isation", "iz"), ("ization", "iz"), ("ising", "iz"), ("izing", "iz"),
        ("ised", "iz"), ("ized", "iz"), ("ises", "iz"), ("izes", "iz"),
    ):  # fmt: skip
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + replacement
    if word.endswith(("ise", "ize")) and len(word) > 5:
        return word[:-3] + "iz"
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("ied") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("ing") and len(word) > 5:
        return _undouble(word[:-3])
    if word.endswith("ed") and len(word) > 4:
        return _undouble(word[:-2]) if not word.endswith("eed") else word[:-1]
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _undouble(word: str) -> str:
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
        return word[:-1]
    if word.endswith("e") and len(word) > 4 and word[-2] not in "aeiou":
        return word[:-1]
    return word


def _canonical_word(word: str) -> str:
    word = word.strip(".'-")
    if word.endswith("'s"):
        word = word[:-2]
    if word in _WORD_SYNONYM:
        return _WORD_SYNONYM[word]
    stemmed = stem(word)
    return _WORD_SYNONYM.get(stemmed, stemmed)


def _normalize(text: str) -> str:
    lower = text.translate(_FOLD).lower()
    for pattern, replacement in _PHRASES:
        if pattern.search(lower):
            lower = pattern.sub(replacement, lower)
    return lower


def _is_number_token(token: str) -> bool:
    head = token.lstrip("$")
    return bool(head) and (head[0].isdigit() or head in _NUMBER_WORDS)


def _content_words(text: str) -> list[str]:
    """Canonical content words of a text, in order, without stop words and figures."""
    out = []
    for token in _WORD.findall(_normalize(text)):
        if token in _STOP or "_" in token:
            if "_" in token:
                out.append(token)
            continue
        parts = token.split("-") if "-" in token and not token[0].isdigit() else [token]
        for part in parts:
            if not part or part in _STOP or _is_number_token(part) or part in ("$", "%"):
                continue
            word = _canonical_word(part)
            if word and word not in _STOP and not _is_number_token(word):
                out.append(word)
    return out


# --- figures ----------------------------------------------------------------------------------

# "37m people", "1.5bn" without a currency; "a 174-seat majority".
_SCALED = re.compile(r"(?<![\w.,$€£¥])(\d+(?:\.\d+)?)(m|mn|bn|k)\b(?![.,]\d)", re.IGNORECASE)
_HYPHEN_COUNT = re.compile(r"(?<![\w.,$€£¥-])(\d{1,3}(?:,\d{3})+|\d+)-([a-z]+)\b")
_SCALE = {"m": 1e6, "mn": 1e6, "bn": 1e9, "k": 1e3}
_NOT_COUNTED = frozenset("class type style based old strong member year month day".split())


def _family(unit: str | None) -> tuple[str, str, float]:
    """(family, unit, factor to the family's base unit) of a stored or extracted unit."""
    if unit is None:
        return "count", "count", 1.0
    if unit in ("count", "ordinal", "date", "percent", "percentage point"):
        return unit, unit, 1.0
    if unit in _UNITS:
        family, factor = _UNITS[unit]
        return family, unit, factor
    if unit == "°F":
        return "temperature", unit, 1.0
    if _CURRENCY.fullmatch(unit):
        return "money", unit, 1.0
    return f"unit:{unit}", unit, 1.0


def _figure(
    value: float | None,
    high: float | None,
    unit: str | None,
    approximate: bool,
    things: frozenset[str],
    label: str,
) -> Figure | None:
    if value is None and high is None:
        return None
    family, unit_name, factor = _family(unit)
    low = value if value is not None else high
    top = high if high is not None else value
    assert low is not None and top is not None
    if unit == "°F":
        low, top = (low - 32) / 1.8, (top - 32) / 1.8
    if family == "date" and high is None:
        top = low + 86399.0
    return Figure(
        family, unit_name, low * factor, top * factor, approximate, things, label or "?"
    )


def _format(value: float) -> str:
    for scale, word in ((1e12, " trillion"), (1e9, " billion"), (1e6, " million")):
        if abs(value) >= scale:
            return f"{value / scale:g}{word}"
    return f"{value:,.10g}"


def _label(value: float | None, high: float | None, unit: str | None) -> str:
    figure = value if value is not None else high
    if figure is None:
        return "?"
    if unit == "date":
        import datetime as _dt  # noqa: PLC0415 - only for labels

        year = _dt.datetime.fromtimestamp(figure, _dt.UTC).year
        return str(year)
    text = _format(figure)
    if unit in (None, "count", "ordinal"):
        return text
    if unit == "percent":
        return f"{text}%"
    return f"{text} {unit}"


def _things(quote: str) -> frozenset[str]:
    return frozenset(w for w in _content_words(quote) if w not in _NUMBER_WORDS)


def _text_figures(text: str) -> list[tuple[float | None, float | None, str, bool, str, int, int]]:
    """(value, high, unit, approximate, quote, start, end) of every figure in the text."""
    found = []
    taken: list[tuple[int, int]] = []
    for m in find_quantities(text):
        q = m.quantity
        found.append((q.value, q.value_high, q.unit or "count", q.approximate, text[m.start : m.end], m.start, m.end))
        taken.append((m.start, m.end))

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    for m in _SCALED.finditer(text):
        if free(m.start(), m.end()):
            value = float(m[1]) * _SCALE[m[2].lower()]
            following = re.match(r"\s+([A-Za-z][\w-]*(?:\s+[a-z][\w-]*)?)", text[m.end() :])
            quote = m[0] + (" " + following[1] if following else "")
            found.append((value, None, "count", False, quote, m.start(), m.end()))
    for m in _HYPHEN_COUNT.finditer(text):
        if not free(m.start(), m.end()) or m[2] in _NOT_COUNTED:
            continue
        before = text[max(0, m.start() - 24) : m.start()].rstrip().split()
        if before and before[-1][:1].isupper() and before[-1].lower() not in _NOT_NAMES:
            continue  # "Ofek 13-class": a designator
        found.append((float(m[1].replace(",", "")), None, "count", False, m[0].replace("-", " "), m.start(), m.end()))
    return found


def _figures(claim: ClaimText) -> tuple[Figure, ...]:
    from_text = _text_figures(claim.text)
    figures: list[Figure] = []
    if claim.quantities:
        for value, high, unit in claim.quantities:
            things: frozenset[str] = frozenset()
            for v, h, u, _, quote, _, _ in from_text:
                if (v, h, u) == (value, high, unit or "count"):
                    things = _things(quote) if u == "count" else frozenset()
                    break
            f = _figure(value, high, unit, False, things, _label(value, high, unit))
            if f is not None:
                figures.append(f)
        return tuple(figures)
    for value, high, unit, approximate, quote, _, _ in from_text:
        things = _things(quote) if unit == "count" else frozenset()
        f = _figure(value, high, unit, approximate, things, _label(value, high, unit))
        if f is not None:
            figures.append(f)
    return tuple(figures)


# --- names ------------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"[.!?:;]['\")\]]*$|^[\"'(\[]")
_CONNECTORS = frozenset("of for de du la al el bin van von".split())
_DESIGNATOR_NUMBER = re.compile(r"\d{1,4}[A-Za-z]?$")


def _name_token(word: str) -> str:
    word = word.translate(_FOLD)
    if word.endswith(("'s", "'")):
        word = word[: -2 if word.endswith("'s") else -1]
    lower = word.lower().strip(".'\"")
    if re.fullmatch(r"(?:[a-z]\.){2,}", lower + "."):
        lower = lower.replace(".", "")  # U.S. -> us
    lower = re.sub(r"(?<=[a-z])-(?=\d)|(?<=\d)-(?=[a-z]$)", "", lower)  # Barak-8, F-16V
    if lower in _ALIAS_OF:
        return _ALIAS_OF[lower]
    if lower.endswith("ies") and len(lower) > 5:
        return lower[:-3] + "y"
    if lower.endswith("s") and not lower.endswith(("ss", "us", "is")) and len(lower) > 4:
        return lower[:-1]
    return lower


def _is_capitalized(word: str) -> bool:
    return word[:1].isupper() or (word[:1].isdigit() is False and any(c.isupper() for c in word))


def _strong_name(word: str) -> bool:
    """A word that names something wherever it stands: acronym, CamelCase, designator, alias."""
    letters = [c for c in word if c.isalpha()]
    if len(letters) >= 2 and all(c.isupper() for c in letters):
        return True  # IAI, ATMOS, F-16V, AH-64
    if any(c.isupper() for c in word[1:]) and word[:1].isupper():
        return True  # BlueBird, SpyX
    return _name_token(word) in ALIASES or word.lower().rstrip("'s") in _ALIAS_OF


def _entities(text: str) -> tuple[Entity, ...]:
    raw = [(m.group(), m.start()) for m in _RAW_WORD.finditer(text.translate(_FOLD))]
    folded = text.translate(_FOLD)
    letters = [w for w, _ in raw if w[:1].isalpha() and w.lower() not in _STOP]
    title_case = len(letters) >= 4 and sum(w[:1].isupper() for w in letters) >= 0.7 * len(
        letters
    )
    runs: list[list[str]] = []
    current: list[str] = []
    for i, (word, start) in enumerate(raw):
        initial = i == 0 or bool(_SENTENCE_END.search(folded[: start].rstrip()[-3:] or "."))
        capital = word[:1].isupper() or _strong_name(word)
        lower = word.lower()
        if capital and lower not in _NOT_NAMES and not (
            lower in _NUMBER_WORDS or lower in _STOP and not _strong_name(word)
        ):
            if title_case and not _strong_name(word):
                if current:
                    runs.append(current)
                current = []
                continue
            if initial and not _strong_name(word):
                # A sentence's first word: a name only if a capitalized word follows it.
                nxt = raw[i + 1][0] if i + 1 < len(raw) else ""
                if not (nxt[:1].isupper() and nxt.lower() not in _NOT_NAMES):
                    continue
            current.append(word)
            continue
        if (
            current
            and _DESIGNATOR_NUMBER.fullmatch(word)
            and not re.fullmatch(r"1[89]\d\d|20\d\d", word)
            and folded[start - 1 : start] == " "
        ):
            current[-1] = current[-1] + word  # Leopard 2, Ofek 13
            continue
        if current and lower in _CONNECTORS and i + 1 < len(raw) and raw[i + 1][0][:1].isupper():
            current.append(lower)
            continue
        if current:
            runs.append(current)
        current = []
    if current:
        runs.append(current)
    entities: dict[str, Entity] = {}
    for run in runs:
        # Hyphenated demonyms ("Israeli-Moroccan") are two names, and a known country in a
        # run of capitals stands alone ("Israel Morocco" in a list).
        groups: list[list[str]] = []
        buffer: list[str] = []
        for word in run:
            parts = word.split("-")
            if len(parts) > 1 and all(_name_token(p) in ALIASES for p in parts if p):
                if buffer:
                    groups.append(buffer)
                    buffer = []
                groups.extend([[p] for p in parts if p])
            elif _name_token(word) in ALIASES and len(run) > 1 and not _multiword_alias(run):
                if buffer:
                    groups.append(buffer)
                    buffer = []
                groups.append([word])
            else:
                buffer.append(word)
        if buffer:
            groups.append(buffer)
        for group in groups:
            while group and group[-1].lower() in _CONNECTORS:
                group.pop()
            if not group:
                continue
            entity = _entity(group)
            entities.setdefault(entity.name, entity)
    return tuple(entities.values())


def _multiword_alias(run: list[str]) -> bool:
    return " ".join(_name_token(w) for w in run) in _ALIAS_OF


def _entity(words: list[str]) -> Entity:
    tokens = [_name_token(w) for w in words if w.lower() not in _CONNECTORS]
    name = " ".join(tokens)
    keys = {name}
    if name in _ALIAS_OF:
        keys.add(_ALIAS_OF[name])
    joined = " ".join(w.lower() for w in words)
    if joined in _ALIAS_OF:
        keys.add(_ALIAS_OF[joined])
    significant = [w for w in words if w.lower() not in _CONNECTORS]
    if len(significant) >= 2:
        keys.add("".join(w[0].lower() for w in significant))
    token_set = frozenset(_ALIAS_OF.get(t, t) for t in tokens)
    return Entity(sorted(keys, key=len)[-1] if name not in keys else name, token_set, frozenset(keys))


def _tokens_match(t: str, u: str) -> bool:
    if t == u:
        return True
    short, long = (t, u) if len(t) <= len(u) else (u, t)
    # F-16 and F-16V: a designator and its variant.
    return (
        len(short) >= 2
        and any(c.isdigit() for c in short)
        and long.startswith(short)
        and len(long) - len(short) <= 2
    )


def _entities_match(e: Entity, f: Entity) -> bool:
    if e.keys & f.keys:
        return True
    small, large = (e, f) if len(e.tokens) <= len(f.tokens) else (f, e)
    return all(any(_tokens_match(t, u) for u in large.tokens) for t in small.tokens)


# --- features ---------------------------------------------------------------------------------


def features(claim: ClaimText) -> Features:
    """Everything the matcher compares, for one claim (compute once, compare many times)."""
    text = claim.text or ""
    content = _content_words(text)
    figures = _figures(claim)
    entities = _entities(text)
    words = len(_RAW_WORD.findall(text))
    f = Features(
        id=claim.id,
        text=text,
        words=words,
        tokens=tuple(_WORD.findall(_normalize(text))),
        content=frozenset(content),
        content_text=" ".join(content),
        figures=figures,
        entities=entities,
        blocking=frozenset(),
    )
    return Features(
        id=f.id,
        text=f.text,
        words=f.words,
        tokens=f.tokens,
        content=f.content,
        content_text=f.content_text,
        figures=f.figures,
        entities=f.entities,
        blocking=frozenset(_blocking(f)),
    )


# Content words too common in news to fetch candidates by.
_COMMON = frozenset(
    """government minister ministry president official country state year month week day time
    people percent million billion usd rise fall reach kill make take plan group part number
    report state city region world national public new first last""".split()
)
BLOCKING_LIMIT = 8


def _figure_term(f: Figure) -> str | None:
    if f.family == "date":
        return _label(f.low, None, "date")
    if f.family in ("count", "money", "percent", "ordinal"):
        value = f.low
        return f"{value:.10g}".replace("+", "")
    return None


def _blocking(f: Features) -> list[str]:
    terms: list[str] = []
    names = sorted(
        {min(e.keys, key=lambda k: (k not in ALIASES, -len(k))) for e in f.entities},
        key=lambda k: (-len(k), k),
    )
    for name in names[:4]:
        terms.extend(t for t in name.split() if t not in terms)
    for figure in f.figures:
        term = _figure_term(figure)
        if term and term not in terms and figure.family != "date":
            terms.append(term)
    for figure in f.figures:
        term = _figure_term(figure)
        if term and term not in terms:
            terms.append(term)
    words = sorted(
        (w for w in f.content if w not in _COMMON and len(w) > 2),
        key=lambda w: (-len(w), w),
    )
    for word in words:
        if len(terms) >= BLOCKING_LIMIT:
            break
        if word not in terms:
            terms.append(word)
    return terms[:BLOCKING_LIMIT]


def blocking_terms(f: Features) -> set[str]:
    """A few rare-ish terms to fetch candidates by (names, figures, then long content words).

    Terms are canonical: names lower case with aliases resolved ("rabat" -> "morocco"),
    figures as plain numbers ("36", "1000000000"; dates as the year, "2024"), content words
    stemmed and synonym-mapped ("howitzers" -> "artillery"). The robust way to use them is to
    store each claim's terms (a claim_id/term table with an index on term) and fetch the claims
    sharing at least one term; a full-text search over the claims' text finds most of them too
    (names, digits and plain words are words of the text), but not synonyms or number words.
    """
    return set(f.blocking)


# --- scoring ----------------------------------------------------------------------------------

_AGREE, _DIFFER, _OTHER_THING, _UNRELATED = 0, 1, 2, 3


def _compare(a: Figure, b: Figure) -> int:
    if a.family != b.family:
        return _UNRELATED
    if a.family == "money" and a.unit != b.unit:
        return _DIFFER
    if a.family == "count" and a.things and b.things and not (a.things & b.things):
        same = math.isclose(a.low, b.low, rel_tol=FIGURE_TOLERANCE)
        return _OTHER_THING if same else _UNRELATED
    if a.family == "date":
        return _AGREE if a.low <= b.high and b.low <= a.high else _DIFFER
    if a.family == "ordinal":
        return _AGREE if a.low == b.low and a.high == b.high else _DIFFER
    approximate = a.approximate or b.approximate
    if a.family == "percent" or a.family == "percentage point":
        tolerance = PERCENT_APPROXIMATE_TOLERANCE if approximate else PERCENT_TOLERANCE
        close = abs(a.low - b.low) <= tolerance + 1e-9 or abs(a.high - b.high) <= tolerance + 1e-9
        return _AGREE if close else _DIFFER
    if a.unit != b.unit:
        approximate = True  # converted: the writer rounded
    tolerance = APPROXIMATE_TOLERANCE if approximate else FIGURE_TOLERANCE
    if math.isclose(a.low, b.low, rel_tol=tolerance) or math.isclose(
        a.high, b.high, rel_tol=tolerance
    ):
        return _AGREE
    # A range containing the other's figure.
    if (a.low < a.high and a.low <= b.low <= a.high) or (b.low < b.high and b.low <= a.low <= b.high):
        return _AGREE
    return _DIFFER


def _quantity(a: Features, b: Features) -> tuple[float | None, list[str], bool, bool]:
    """(quantity score, reasons, a figure differs, only other-thing figures)."""
    if not a.figures or not b.figures:
        return None, [], False, False
    relation = [[_compare(x, y) for y in b.figures] for x in a.figures]
    agree_a = [any(r == _AGREE for r in row) for row in relation]
    agree_b = [any(relation[i][j] == _AGREE for i in range(len(a.figures))) for j in range(len(b.figures))]
    reasons: list[str] = []
    differ: list[tuple[int, int]] = []
    other: list[tuple[int, int]] = []
    for i, row in enumerate(relation):
        for j, r in enumerate(row):
            if r == _DIFFER and not agree_a[i] and not agree_b[j]:
                differ.append((i, j))
            elif r == _OTHER_THING and not agree_a[i] and not agree_b[j]:
                other.append((i, j))
    agreed = sum(agree_a) + sum(agree_b)
    differing = len({i for i, _ in differ}) + len({j for _, j in differ})
    for i, row in enumerate(relation):
        if agree_a[i]:
            j = row.index(_AGREE)
            reasons.append(f"same figure {_same_label(a.figures[i], b.figures[j])}")
    shown = set()
    for i, j in differ:
        x, y = a.figures[i], b.figures[j]
        if (x.label, y.label) in shown:
            continue
        shown.add((x.label, y.label))
        reasons.append(f"different figure: {x.label} vs {y.label}")
    for i, j in other:
        reasons.append(
            f"same figure {a.figures[i].label} counting other things: "
            f"{' '.join(sorted(a.figures[i].things))} vs {' '.join(sorted(b.figures[j].things))}"
        )
    if agreed + differing == 0:
        return (0.3 if other else None), reasons, False, bool(other)
    return agreed / (agreed + differing), reasons, bool(differ), False


def _same_label(x: Figure, y: Figure) -> str:
    return x.label if x.label == y.label else f"{x.label} ~ {y.label}"


def _entity_score(e_a: tuple[Entity, ...], e_b: tuple[Entity, ...]) -> tuple[float | None, list[str]]:
    if not e_a or not e_b:
        return None, []
    shared_a = [e for e in e_a if any(_entities_match(e, f) for f in e_b)]
    shared_b = [f for f in e_b if any(_entities_match(e, f) for e in e_a)]
    value = (len(shared_a) / len(e_a) + len(shared_b) / len(e_b)) / 2
    if shared_a:
        return value, ["entities: " + ", ".join(e.name for e in shared_a)]
    names_a = ", ".join(e.name for e in e_a)
    names_b = ", ".join(e.name for e in e_b)
    return value, [f"different entities: {names_a} vs {names_b}"]


def _text(a: Features, b: Features) -> float:
    if not a.content or not b.content:
        return 0.0
    common = len(a.content & b.content)
    jaccard = common / (len(a.content) + len(b.content) - common)
    ratio = fuzz.token_set_ratio(a.content_text, b.content_text) / 100.0
    return (jaccard + ratio) / 2


def score(a: Features, b: Features) -> Match:
    """How likely b says the same as a, 0..1, with its parts and reasons (other_id = b.id)."""
    text = _text(a, b)
    quantity, q_reasons, differs, other_thing = _quantity(a, b)
    entity, e_reasons = _entity_score(a.entities, b.entities)
    total = W_TEXT * text
    weight = W_TEXT
    if quantity is not None:
        total += W_QUANTITY * quantity
        weight += W_QUANTITY
    if entity is not None:
        total += W_ENTITY * entity
        weight += W_ENTITY
    value = total / weight
    if differs:
        value *= DIFFERENT_FIGURE_FACTOR
    if entity == 0.0:
        value *= DISJOINT_ENTITY_FACTOR
    if other_thing:
        value *= SAME_FIGURE_OTHER_THING_FACTOR
    value = max(0.0, min(1.0, value))
    reasons = [f"text {text:.2f}", *q_reasons, *e_reasons]
    auto = (
        value >= AUTO_THRESHOLD
        and min(a.words, b.words) >= SHORT_TEXT
        and not differs
        and not other_thing
        and (entity is None or entity >= 0.99)
    )
    return Match(
        other_id=b.id,
        score=round(value, 4),
        text_score=round(text, 4),
        quantity_score=None if quantity is None else round(quantity, 4),
        entity_score=None if entity is None else round(entity, 4),
        reasons=tuple(reasons),
        auto=auto,
    )


def find_matches(
    claim: ClaimText, candidates: Iterable[ClaimText], *, limit: int = 10
) -> list[Match]:
    """Candidates that may say the same as `claim`, best first, at or above MATCH_THRESHOLD.

    The candidates should come from a lookup by blocking_terms(), not the whole corpus.
    A candidate with the claim's own id is skipped.
    """
    mine = features(claim)
    found = []
    for candidate in candidates:
        if candidate.id == claim.id:
            continue
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
    import argparse  # noqa: PLC0415
    import json  # noqa: PLC0415
    import time  # noqa: PLC0415

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
            s = evaluate(((matches[i].score, bool(rows[i]["same"])) for i in parts[name]), threshold)
            line += f"  {s.precision:>7.3f} {s.recall:>7.3f} {s.f1:>8.3f}"
        print(line)
    # Speed of score() on precomputed features.
    feats = [features(ClaimText(i, row[key])) for i, row in enumerate(rows) for key in ("a", "b")]
    n = 10_000
    started = time.perf_counter()
    for k in range(n):
        score(feats[k % len(feats)], feats[(k * 7 + 3) % len(feats)])
    elapsed = time.perf_counter() - started
    started = time.perf_counter()
    for row in rows:
        features(ClaimText(0, row["a"]))
    per_features = (time.perf_counter() - started) / len(rows)
    print()
    print(f"score(): {n:,} comparisons in {elapsed:.3f} s ({elapsed / n * 1e6:.1f} us each); "
          f"features(): {per_features * 1e3:.2f} ms per claim")
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
