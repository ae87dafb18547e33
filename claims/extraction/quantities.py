"""Figures in text (money, percentages, measures, durations, dates, ordinals, counts), normalized.

Conventions for `ExtractedQuantity` (the same as the `Quantity` table):

- `value` is the figure, or the lower bound of a range; `value_high` is the upper bound of a
  range and None for a single figure. "5-10 km" is 5..10; "up to 150 km" and "less than 3%"
  have no lower bound, so `value` is None and `value_high` is 150 (or 3); "more than 100" and
  "at least 100" are `value` 100 with no upper bound. Bounds and "around"-style words make the
  figure `approximate`.
- Dates have unit "date"; `value` is the POSIX timestamp (UTC) of the first second of the range
  and `value_high` the last second of it, so "mid-2024" is 2024-04-01 00:00 .. 2024-09-30
  23:59:59. A single day ("6 Jan 2026") has no `value_high`. A date without a year ("March 3")
  has neither. Periods: early = Jan-Apr, mid = Apr-Sep, late = Sep-Dec, beginning/start of =
  Jan-Mar, middle of = Apr-Sep, end of = Oct-Dec (of a month: days 1-10, 11-20, 21-end);
  seasons are the northern meteorological ones, and "winter 2024" starts in December 2024.
- Four-digit numbers from 1800 to 2099 without a thousands comma are years ("2,000 troops" is
  a count): news style writes counts of that size with a comma.
- Money in "$" is USD; "pounds" is GBP with a scale word ("3 million pounds") or "sterling",
  and a weight (lb) otherwise.
"""

# Word lists read best as one string to split, and the curly quotes and dashes in the
# patterns are the very characters that articles contain.
# ruff: noqa: SIM905, RUF001, RUF003

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterable, Set
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from claims.extraction.patterns import alternatives


@dataclass(frozen=True)
class ExtractedQuantity:
    """A figure as written and normalized (see the module docstring for the conventions)."""

    text: str
    value: float | None
    value_high: float | None
    unit: str | None
    approximate: bool


class QuantityMatch(NamedTuple):
    """A figure found in a text: the claim kind it makes, its quote's span, and the figure."""

    kind: str
    start: int
    end: int
    quantity: ExtractedQuantity


# --- vocabulary -------------------------------------------------------------------------------

_SMALL = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
_SCALES = {
    "hundred": 1e2, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12,
    "dozen": 12.0, "k": 1e3, "m": 1e6, "mn": 1e6, "mln": 1e6, "b": 1e9, "bn": 1e9,
    "tn": 1e12, "trn": 1e12,
}  # fmt: skip
_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
    "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
    "nineteenth": 19, "twentieth": 20, "thirtieth": 30, "fortieth": 40, "fiftieth": 50,
    "hundredth": 100, "thousandth": 1000, "millionth": 1_000_000,
}  # fmt: skip
_MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
    "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_CURRENCIES = {
    "$": "USD", "us$": "USD", "usd": "USD", "dollar": "USD", "dollars": "USD",
    "us dollars": "USD", "c$": "CAD", "cad": "CAD", "a$": "AUD", "aud": "AUD",
    "nz$": "NZD", "hk$": "HKD", "s$": "SGD", "r$": "BRL",
    "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR",
    "£": "GBP", "gbp": "GBP", "pound": "GBP", "pounds": "GBP", "pounds sterling": "GBP",
    "sterling": "GBP", "¥": "JPY", "jpy": "JPY", "yen": "JPY", "yuan": "CNY",
    "renminbi": "CNY", "cny": "CNY", "rmb": "CNY", "₹": "INR", "inr": "INR", "rupee": "INR",
    "rupees": "INR", "₪": "ILS", "ils": "ILS", "nis": "ILS", "shekel": "ILS", "shekels": "ILS",
    "₽": "RUB", "rub": "RUB", "rouble": "RUB", "roubles": "RUB", "ruble": "RUB",
    "rubles": "RUB", "₩": "KRW", "mad": "MAD", "dh": "MAD", "dhs": "MAD", "dirham": "MAD",
    "dirhams": "MAD", "chf": "CHF", "franc": "CHF", "francs": "CHF", "sar": "SAR",
    "riyal": "SAR", "riyals": "SAR", "aed": "AED", "egp": "EGP", "dzd": "DZD",
    "dinar": "DZD", "dinars": "DZD", "tnd": "TND", "lira": "TRY", "liras": "TRY",
}  # fmt: skip
# Canonical unit -> spellings. Word spellings match in any case, abbreviations only as written
# ("MW" is not "mW"); single letters (m, g, t, l, in) are left out: "5 in the" is not inches.
_UNIT_WORDS = {
    "km": ["kilometre", "kilometres", "kilometer", "kilometers"],
    "m": ["metre", "metres", "meter", "meters"],
    "cm": ["centimetre", "centimetres", "centimeter", "centimeters"],
    "mm": ["millimetre", "millimetres", "millimeter", "millimeters"],
    "mi": ["mile", "miles"],
    "nmi": ["nautical mile", "nautical miles"],
    "ft": ["foot", "feet"],
    "in": ["inch", "inches"],
    "km2": ["square kilometre", "square kilometres", "square kilometer", "square kilometers"],
    "mi2": ["square mile", "square miles"],
    "ha": ["hectare", "hectares"],
    "acre": ["acre", "acres"],
    "kg": ["kilogram", "kilograms", "kilo", "kilos"],
    "g": ["gram", "grams"],
    "t": ["tonne", "tonnes", "ton", "tons", "metric tons"],
    "lb": ["pound", "pounds"],
    "l": ["litre", "litres", "liter", "liters"],
    "gal": ["gallon", "gallons"],
    "bbl": ["barrel", "barrels"],
    "kn": ["knot", "knots"],
    "degree": ["degree", "degrees"],
    "MW": ["megawatt", "megawatts"],
    "GW": ["gigawatt", "gigawatts"],
    "kW": ["kilowatt", "kilowatts"],
    "year": ["year", "years"],
    "month": ["month", "months"],
    "week": ["week", "weeks"],
    "day": ["day", "days"],
    "hour": ["hour", "hours"],
    "minute": ["minute", "minutes"],
    "second": ["second", "seconds"],
    "decade": ["decade", "decades"],
    "century": ["century", "centuries"],
}
_UNIT_ABBREVIATIONS = {
    "km": ["km"], "m": ["m²"], "cm": ["cm"], "mm": ["mm"], "ft": ["ft"], "km2": ["km²", "sq km"],
    "mi2": ["sq mi"], "kg": ["kg"], "g": ["mg"], "lb": ["lb", "lbs"], "km/h": ["km/h", "kph"],
    "mph": ["mph"], "MW": ["MW"], "GW": ["GW"], "kW": ["kW"], "kWh": ["kWh"], "MWh": ["MWh"],
    "GWh": ["GWh"], "TWh": ["TWh"], "bpd": ["bpd"], "°C": ["°C"], "°F": ["°F"],
}  # fmt: skip
_UNIT_OF: dict[str, str] = {}
for _canonical, _spellings in _UNIT_WORDS.items():
    _UNIT_OF.update((s, _canonical) for s in _spellings)
for _canonical, _spellings in _UNIT_ABBREVIATIONS.items():
    _UNIT_OF.update((s, _canonical) for s in _spellings)
_UNIT_OF["m²"] = "m2"
_UNIT_OF["mg"] = "mg"
_UNIT_OF["sq km"] = "km2"

# Words after which a count refers back to something already counted ("the two governments").
_DEFINITE = frozenset(
    "the these those both its their his her our my your whose this that each every".split()
)
# A counted noun phrase ends before these: function words, auxiliaries, conjunctions.
_NOUN_STOP = frozenset(
    """a an the and or but nor of to in on at for with by from into onto than as that which who
    whom whose what when where while if is are was were be been being has have had do does did
    will would shall should can could may might must not no per each every all some any
    this these those it its they them their he she his her we our you your i me my after before
    since until over under about around between during against through across without within
    also only just more most less least very so too then there here up down out off""".split()
)
# Words that lead a count at the start of a sentence ("Nearly 40 people died").
_COUNT_LEADERS = frozenset(
    """nearly almost roughly approximately exactly precisely fully barely another additional
    estimated only just some""".split()
)
# Nouns that count things without a plural -s.
_PLURAL_NOUNS = frozenset(
    """people children men women aircraft personnel police cattle livestock staff crew troops
    feet teeth mice data media sheep fish deer""".split()
)
# Adjectives that may stand between an ordinal and its noun ("third consecutive year").
_ORDINAL_MODIFIERS = frozenset(
    """consecutive straight successive annual largest biggest highest lowest longest oldest
    richest poorest worst best most least deadliest""".split()
)


# --- the pattern ------------------------------------------------------------------------------
# Spaces inside a figure never cross a line: a newline ends a sentence and a paragraph.
_SP = r"[ \t\u00a0\u2009\u202f]"


def _alternatives(words: Iterable[str]) -> str:
    """alternatives() of words with a space inside a figure between them."""
    return alternatives(words, _SP)


_DIGITS = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_BASIC_WORD = (
    rf"(?:(?:{_alternatives(_TENS)})(?:[-{_SP[1:-1]}](?:{_alternatives(list(_SMALL)[:9])}))?"
    rf"|{_alternatives(_SMALL)})"
)
# The look-ahead for a letter spares the word lists every position that holds a digit.
_WORDNUM = (
    rf"(?i:\b(?=[^\W\d_])(?:{_BASIC_WORD}(?:{_SP}+hundred(?:{_SP}+(?:and{_SP}+)?{_BASIC_WORD})?)?\b"
    rf"|(?:an?|one){_SP}+(?:hundred|thousand|million|billion|trillion|dozen)\b))"
)
# Digits never continue a word, a number, a time or a designator ("Barak-8", "F-35", "1,000").
_LEFT = r"(?<![\w.,/:\-–$€£¥₹₪₽₩])"
# Atomic digits: whatever follows a number in a figure starts with neither a digit nor "," or
# ".", so a figure cannot match with fewer of its digits ("1,200" as "1" or "120").
_NUM = rf"(?:{_LEFT}(?>{_DIGITS})|{_WORDNUM})"
# The second number of a range follows its dash.
_NUM2 = rf"(?:{_DIGITS}|{_WORDNUM})"
_LONG_SCALE = r"(?i:hundred|thousand|million|billion|trillion)\b"
_SHORT_SCALE = r"(?:bn|mn|mln|tn|trn|[mkbBMK])\b"
_RANGE = rf"(?:{_SP}?[-–]{_SP}?|{_SP}+to{_SP}+)"
_SYMBOL = r"(?:US\$|C\$|A\$|NZ\$|HK\$|S\$|R\$|\$|€|£|¥|₹|₪|₽|₩)"
_CODE = r"(?:USD|EUR|GBP|MAD|JPY|CNY|RMB|ILS|NIS|CHF|CAD|AUD|INR|SAR|AED|EGP|DZD|TND|Dhs|Dh|DH)"
_CURRENCY_NAMES = [
    name.replace("_", " ")
    for name in """us_dollars dollar dollars euro euros pounds_sterling sterling pound pounds dirham
    dirhams yen yuan renminbi rupee rupees shekel shekels franc francs riyal riyals dinar dinars
    lira liras rouble roubles ruble rubles""".split()
]
_CURRENCY_WORD = (
    rf"(?:(?i:{_alternatives(_CURRENCY_NAMES)})\b|(?:USD|EUR|GBP|MAD|ILS|NIS|Dhs|DH)\b)"
)
_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\b\.?"
)
_YEAR = r"(?:1[0-9]\d\d|20\d\d|21\d\d)"
_BARE_YEAR = r"(?:1[89]\d\d|20\d\d)"
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_UNIT_WORD = rf"(?i:{_alternatives([s for v in _UNIT_WORDS.values() for s in v])})\b"
_UNIT_ABBR = rf"(?:{_alternatives([s for v in _UNIT_ABBREVIATIONS.values() for s in v])})(?![\w/²])"
_UNIT = rf"(?:{_UNIT_WORD}|{_UNIT_ABBR})"
_END = r"(?![\w%/])"

_PATTERN = re.compile(
    "|".join(
        [
            # $1 billion, €5m, US$ 1.2bn, $1-2 billion
            rf"(?P<money_symbol>(?P<ms_cur>{_SYMBOL}){_SP}?(?P<ms_num>{_DIGITS})"
            rf"(?:{_SP}?[-–]{_SP}?{_SYMBOL}?(?P<ms_num2>{_DIGITS}))?"
            rf"(?:{_SP}?-?(?P<ms_scale>{_LONG_SCALE}|{_SHORT_SCALE}))?{_END})",
            # MAD 500 million, USD 3bn
            rf"(?P<money_code>\b(?P<mc_cur>{_CODE}){_SP}?(?P<mc_num>{_DIGITS})"
            rf"(?:{_SP}?-?(?P<mc_scale>{_LONG_SCALE}|{_SHORT_SCALE}))?{_END})",
            # 500 million dirhams, five million euros
            rf"(?P<money_word>(?P<mw_num>{_NUM})(?:{_RANGE}(?P<mw_num2>{_NUM2}))?"
            rf"(?:{_SP}*+-?(?P<mw_scale>{_LONG_SCALE}|{_SHORT_SCALE}))?{_SP}*+(?P<mw_cur>{_CURRENCY_WORD}))",
            # 12%, 12 percent, 1.5 percentage points
            rf"(?P<percent>(?P<p_num>{_NUM})(?:{_RANGE}(?P<p_num2>{_NUM2}))?{_SP}?"
            rf"(?P<p_unit>%|(?i:percentage{_SP}+points?|per{_SP}?cent|pct)\b))",
            # mid-2024, late 2020, end of 2023, early March 2024, the late 1990s
            rf"(?P<date_period>(?P<dp_part>(?i:\b(?:early|mid|late|(?:end|beginning|start|middle)"
            rf"{_SP}+of(?:{_SP}+the)?))){_SP}*[-–]?{_SP}*(?:(?P<dp_month>{_MONTH}){_SP}+)?"
            rf"(?P<dp_year>{_YEAR})(?P<dp_decade>s)?\b)",
            rf"(?P<date_season>(?P<ds_season>(?i:\b(?:spring|summer|autumn|fall|winter)))"
            rf"{_SP}+(?:of{_SP}+)?(?P<ds_year>{_YEAR})\b)",
            rf"(?P<date_quarter>(?:\b(?P<dq_q>Q[1-4])|(?P<dq_ord>(?i:first|second|third|fourth|"
            rf"1st|2nd|3rd|4th)){_SP}+(?P<dq_kind>(?i:quarter|half))(?:{_SP}+of)?)"
            rf"{_SP}+(?P<dq_year>{_YEAR})\b)",
            # 2024-01-06
            rf"(?P<date_iso>{_LEFT}(?P<di_year>{_YEAR})-(?P<di_month>0[1-9]|1[0-2])"
            rf"-(?P<di_day>0[1-9]|[12]\d|3[01])\b)",
            # 6 Jan 2026, 6th of January, 2026
            rf"(?P<date_dmy>{_LEFT}(?P<dd_day>{_DAY}){_SP}+(?:of{_SP}+)?(?P<dd_month>{_MONTH})"
            rf"(?:,?{_SP}+(?P<dd_year>{_YEAR})\b)?)",
            # January 6, 2026; Jan. 6
            rf"(?P<date_mdy>(?P<md_month>{_MONTH}){_SP}+(?P<md_day>{_DAY})(?![\d,.]\d|{_SP}*%)\b"
            rf"(?:,?{_SP}+(?P<md_year>{_YEAR})\b)?)",
            # November 1975, November of 1975
            rf"(?P<date_my>(?P<my_month>{_MONTH}),?{_SP}+(?:of{_SP}+)?(?P<my_year>{_YEAR})\b)",
            # 2020-2024, 2020–21
            rf"(?P<date_years>{_LEFT}(?P<dy_from>{_BARE_YEAR}){_SP}?[-–]{_SP}?"
            rf"(?P<dy_to>{_BARE_YEAR}|\d\d)(?![\w%]|[.,]\d))",
            # Times and designators are read so that their digits make no figure of their own.
            rf"(?P<skip>{_LEFT}\d{{1,2}}(?::\d\d){{1,2}}(?:{_SP}?(?i:[ap]\.?m\.?))?"
            rf"|{_LEFT}\d{{1,2}}{_SP}?(?i:a\.m\.|p\.m\.|am\b|pm\b)"
            rf"|{_LEFT}\d+(?:/\d+)+"
            rf"|{_LEFT}\d+(?:st|nd|rd|th)?-(?!(?:{_UNIT})\b)(?=[A-Za-z])[\w-]*)",
            # 150 km, 306-mm, five years, 1.2 million tonnes. The spaces before the unit are
            # possessive: no unit starts with a space or a dash, so giving some back could only
            # retry the long unit alternation where it cannot match.
            rf"(?P<measure>(?P<u_num>{_NUM})(?:{_RANGE}(?P<u_num2>{_NUM2}))?"
            rf"(?:{_SP}+(?P<u_scale>{_LONG_SCALE}))?{_SP}*+-?{_SP}*+(?P<u_unit>{_UNIT}))",
            # 2026, the 1990s
            rf"(?P<year>{_LEFT}(?P<y_year>{_BARE_YEAR})(?P<y_decade>s)?(?![\w%]|[.,]\d|{_SP}?%))",
            # third meeting, 21st century
            rf"(?P<ordinal>(?P<o_word>(?i:\b(?:{_alternatives(_ORDINALS)}))|{_LEFT}\d+(?:st|nd|rd|th))\b"
            rf"(?P<o_noun>(?:{_SP}+[a-z][\w'’-]*){{0,2}}))",
            # 36 ATMOS artillery systems, two satellites, 1.2 million people
            rf"(?P<count>(?P<c_num>{_NUM})(?:{_SP}?[-–]{_SP}?(?P<c_num2>{_DIGITS}))?"
            rf"(?:{_SP}+(?P<c_scale>{_LONG_SCALE}|(?i:dozen)\b))?(?![\w/:%-]|[.,]\d))",
        ]
    )
)
# Tokens where a figure may start: a word (with a "$" or digit stuck to it: "US$", "Q3"), a
# number, or a currency sign. Words only count when they are in _TRIGGER_WORDS.
_TRIGGER = re.compile(r"[A-Za-z]+[$\d]?|\d[\d,.]*|[$€£¥₹₪₽₩]")
_TRIGGER_WORDS = frozenset(
    [
        *_SMALL,
        *_TENS,
        *_ORDINALS,
        *_MONTHS,
        "a",
        "an",
        *"early mid late end beginning start middle spring summer autumn fall winter".split(),
        *"usd eur gbp mad jpy cny rmb ils nis chf cad aud inr sar aed egp dzd tnd dhs dh".split(),
    ]
)
# Without one of these words a figure starts at a sign ("a" only counts before a scale word).
_SCALE_WORDS = frozenset("hundred thousand million billion trillion dozen".split())
_WORD_TRIGGERS = (_TRIGGER_WORDS - {"a", "an"}) | _SCALE_WORDS | {"q"}
_LOWER_WORD = re.compile(r"[a-z][a-z'’]*")


# ASCII digits and currency signs: a plain character class is the regex engine's fastest scan.
_SIGN = re.compile(r"[0-9$€£¥₹₪₽₩][0-9,.]*")
# Words just before a figure that make it approximate or a bound.
_APPROXIMATE = (
    "around", "about", "nearly", "almost", "roughly", "approximately", "some", "circa", "ca.",
    "an estimated", "estimated", "close to", "near",
)  # fmt: skip
_AT_MOST = (
    "up to", "as many as", "as much as", "at most", "no more than", "not more than", "less than",
    "fewer than", "under", "below", "just under", "a maximum of",
)  # fmt: skip
_AT_LEAST = (
    "more than", "over", "at least", "above", "no less than", "not less than", "upwards of",
    "in excess of", "exceeding", "just over", "a minimum of",
)  # fmt: skip
_QUALIFIER = re.compile(
    rf"(?i)(?:\b(?:(?P<approx>{alternatives(_APPROXIMATE)})"
    rf"|(?P<upper>{alternatives(_AT_MOST)})|(?P<lower>{alternatives(_AT_LEAST)}))"
    r"|(?P<tilde>~|≈))\s*$"
)
_QUALIFIER_WINDOW = 24
# How a qualifier ends: a window before a figure that ends otherwise holds none.
_QUALIFIER_ENDINGS = tuple(
    sorted({phrase.split()[-1] for phrase in (*_APPROXIMATE, *_AT_MOST, *_AT_LEAST)} | {"~"})
)
_BETWEEN = re.compile(r"(?i)\bbetween\s+$")
_AND = re.compile(r"\s+and\s+")
_PREVIOUS_WORD = re.compile(r"([A-Za-z][\w'’]*)[ \t\u00a0]+$")
_FOLLOWING_WORDS = re.compile(r"(?:[ \t\u00a0]+[A-Za-z\d][\w'’/-]*){1,6}")
_WORD = re.compile(r"[A-Za-z\d][\w'’/-]*")


_NUMBER_WORD_BREAK = re.compile(r"[\s\-\u00a0\u2009\u202f]+")


def _number(text: str) -> float:
    """The value of one number as written in digits or words ("1,200", "thirty-six")."""
    if text[0].isdigit():
        return float(text.replace(",", ""))
    total = 0.0
    current = 0.0
    for word in _NUMBER_WORD_BREAK.split(text.lower()):
        if word in ("and", ""):
            continue
        if word in ("a", "an"):
            current = 1.0
        elif word in _SMALL:
            current += _SMALL[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word == "hundred":
            current = (current or 1.0) * 100
        elif word in _SCALES:
            total += (current or 1.0) * _SCALES[word]
            current = 0.0
    return total + current


def _scaled(number: str | None, scale: str | None) -> float | None:
    if number is None:
        return None
    value = _number(number)
    if scale:
        value *= _SCALES[scale.lower()]
    return value


_EPOCH_DAY = date(1970, 1, 1).toordinal()


def _timestamp(year: int, month: int, day: int) -> float:
    # The same float as datetime(..., tzinfo=UTC).timestamp(), in a fifth of the time.
    return (date(year, month, day).toordinal() - _EPOCH_DAY) * 86400.0


_MONTH_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _days_in_month(year: int, month: int) -> int:
    # calendar.monthrange(year, month)[1] without the weekday it works out as well.
    return 29 if month == 2 and calendar.isleap(year) else _MONTH_DAYS[month]


def _last_second(year: int, month: int, day: int | None = None) -> float:
    """The last second of a day (of the month's last day when `day` is None)."""
    if day is None:
        day = _days_in_month(year, month)
    return _timestamp(year, month, day) + 86399.0


def _month_range(year: int, first: int, last: int) -> tuple[float, float]:
    return _timestamp(year, first, 1), _last_second(year, last)


_YEAR_PARTS = {
    "early": (1, 4), "mid": (4, 9), "late": (9, 12), "beginning of": (1, 3), "start of": (1, 3),
    "middle of": (4, 9), "end of": (10, 12),
}  # fmt: skip
_MONTH_PARTS = {
    "early": (1, 10), "mid": (11, 20), "late": (21, 31), "beginning of": (1, 10),
    "start of": (1, 10), "middle of": (11, 20), "end of": (21, 31),
}  # fmt: skip
_DECADE_PARTS = {
    "early": (0, 3), "mid": (4, 6), "late": (7, 9), "beginning of": (0, 3), "start of": (0, 3),
    "middle of": (4, 6), "end of": (7, 9),
}  # fmt: skip
_SEASONS = {"spring": (3, 5), "summer": (6, 8), "autumn": (9, 11), "fall": (9, 11)}


def _month(name: str) -> int:
    return _MONTHS[name.rstrip(".").lower()]


def _date(value: float | None, high: float | None) -> tuple[str, float | None, float | None, str]:
    return "date", value, high, "date"


def _date_period(m: re.Match[str]) -> tuple[str, float | None, float | None, str]:
    part = " ".join(m["dp_part"].lower().split()).removesuffix(" the")
    year = int(m["dp_year"])
    if m["dp_decade"]:
        decade = year - year % 10
        first, last = _DECADE_PARTS[part]
        return _date(_timestamp(decade + first, 1, 1), _last_second(decade + last, 12))
    if m["dp_month"]:
        month = _month(m["dp_month"])
        first, last = _MONTH_PARTS[part]
        last = min(last, _days_in_month(year, month))
        return _date(_timestamp(year, month, first), _last_second(year, month, last))
    return _date(*_month_range(year, *_YEAR_PARTS[part]))


def _date_season(m: re.Match[str]) -> tuple[str, float | None, float | None, str]:
    season, year = m["ds_season"].lower(), int(m["ds_year"])
    if season == "winter":
        return _date(_timestamp(year, 12, 1), _last_second(year + 1, 2))
    return _date(*_month_range(year, *_SEASONS[season]))


def _date_quarter(m: re.Match[str]) -> tuple[str, float | None, float | None, str]:
    year = int(m["dq_year"])
    if m["dq_q"]:
        quarter, months = int(m["dq_q"][1]), 3
    else:
        word = m["dq_ord"].lower()
        quarter = _ORDINALS.get(word) or int(word[0])
        months = 6 if m["dq_kind"].lower() == "half" else 3
        if months == 6 and quarter > 2:
            return _date(None, None)
    first = (quarter - 1) * months + 1
    return _date(*_month_range(year, first, first + months - 1))


def _day_date(
    year: str | None, month: int, day: str
) -> tuple[str, float | None, float | None, str]:
    number = int(day[:2] if day[:2].isdigit() else day[:1])
    if year is None:
        return _date(None, None)
    if number > _days_in_month(int(year), month):
        return _date(None, None)
    return _date(_timestamp(int(year), month, number), None)


def _date_iso(m: re.Match[str]) -> tuple[str, float | None, float | None, str]:
    return _day_date(m["di_year"], int(m["di_month"]), m["di_day"])


def _date_dmy(m: re.Match[str]) -> tuple[str, float | None, float | None, str]:
    return _day_date(m["dd_year"], _month(m["dd_month"]), m["dd_day"])


def _date_mdy(m: re.Match[str]) -> tuple[str, float | None, float | None, str]:
    return _day_date(m["md_year"], _month(m["md_month"]), m["md_day"])


def _date_my(m: re.Match[str]) -> tuple[str, float | None, float | None, str]:
    year, month = int(m["my_year"]), _month(m["my_month"])
    return _date(*_month_range(year, month, month))


def _date_years(m: re.Match[str]) -> tuple[str, float | None, float | None, str]:
    first, last = int(m["dy_from"]), m["dy_to"]
    end = int(last) if len(last) == 4 else first - first % 100 + int(last)
    if end <= first:
        return _date(None, None)
    return _date(_timestamp(first, 1, 1), _last_second(end, 12))


def _year(m: re.Match[str]) -> tuple[str, float | None, float | None, str]:
    year = int(m["y_year"])
    if m["y_decade"]:
        if year % 10:
            return _date(None, None)
        return _date(_timestamp(year, 1, 1), _last_second(year + 9, 12))
    return _date(*_month_range(year, 1, 12))


def _currency(written: str) -> str:
    return _CURRENCIES[" ".join(written.lower().split())]


def _money_symbol(m: re.Match[str]) -> tuple[str, float | None, float | None, str]:
    return (
        "money",
        _scaled(m["ms_num"], m["ms_scale"]),
        _scaled(m["ms_num2"], m["ms_scale"]),
        _currency(m["ms_cur"]),
    )


def _money_code(m: re.Match[str]) -> tuple[str, float | None, float | None, str]:
    return "money", _scaled(m["mc_num"], m["mc_scale"]), None, _currency(m["mc_cur"])


def _money_word(m: re.Match[str]) -> tuple[str, float | None, float | None, str]:
    currency = " ".join(m["mw_cur"].lower().split())
    value = _scaled(m["mw_num"], m["mw_scale"])
    high = _scaled(m["mw_num2"], m["mw_scale"])
    if currency in ("pound", "pounds") and not m["mw_scale"]:
        return "quantity", value, high, "lb"
    return "money", value, high, _currency(currency)


def _percent(m: re.Match[str]) -> tuple[str, float | None, float | None, str]:
    unit = "percentage point" if m["p_unit"].lower().startswith("percentage") else "percent"
    return "percentage", _number(m["p_num"]), _scaled(m["p_num2"], None), unit


def _measure(m: re.Match[str]) -> tuple[str, float | None, float | None, str]:
    written = " ".join(m["u_unit"].split())
    unit = _UNIT_OF.get(written) or _UNIT_OF[written.lower()]
    return "quantity", _scaled(m["u_num"], m["u_scale"]), _scaled(m["u_num2"], m["u_scale"]), unit


_HANDLERS: dict[str, Callable[[re.Match[str]], tuple[str, float | None, float | None, str]]] = {
    "money_symbol": _money_symbol,
    "money_code": _money_code,
    "money_word": _money_word,
    "percent": _percent,
    "date_period": _date_period,
    "date_season": _date_season,
    "date_quarter": _date_quarter,
    "date_iso": _date_iso,
    "date_dmy": _date_dmy,
    "date_mdy": _date_mdy,
    "date_my": _date_my,
    "date_years": _date_years,
    "measure": _measure,
    "year": _year,
}


def _qualify(
    text: str, start: int, value: float | None, high: float | None, kind: str
) -> tuple[float | None, float | None, bool]:
    """Apply "around", "up to", "more than"... written just before a figure."""
    window_start = max(0, start - _QUALIFIER_WINDOW)
    window = text[window_start:start]
    # Most figures follow "in", "the" or "for", which a look at the last word settles without
    # the pattern; only in ASCII does lower() fold case exactly as the pattern does.
    if window.isascii() and not window.rstrip().lower().endswith(_QUALIFIER_ENDINGS):
        return value, high, False
    q = _QUALIFIER.search(text, window_start, start)
    if q is None:
        return value, high, False
    if kind == "date":
        return value, high, bool(q["approx"] or q["tilde"])
    if q["approx"] or q["tilde"] or high is not None:
        return value, high, True
    if q["upper"]:
        return None, value, True
    return value, None, True


def _is_designator(previous: str | None) -> bool:
    """Tell whether the capitalized word before a number names it ("Article 51", "Route 66")."""
    if previous is None or not previous[0].isupper():
        return False
    lower = previous.lower()
    # "Some 40 people", "In 36 cases", "Israel's 36 jets": the capital names no figure.
    return not (
        lower in _NOUN_STOP
        or lower in _COUNT_LEADERS
        or lower.rstrip(".") in _MONTHS
        or lower.endswith(("'s", "’s"))
    )


def _count_end(text: str, end: int, limit: int) -> int:
    """Where the counted noun phrase after a number ends ("36| ATMOS artillery systems|")."""
    following = _FOLLOWING_WORDS.match(text, end, limit)
    if following is None:
        return end
    # The words are split on the spaces between them; offsets are into the matched phrase.
    phrase = following[0]
    first_end = plural_end = offset = 0
    for word in phrase.split():
        offset = phrase.index(word, offset) + len(word)
        lower = word.lower()
        if lower in _NOUN_STOP or (lower.endswith(("ed", "ly")) and len(lower) > 4):
            break
        first_end = first_end or offset
        if lower in _PLURAL_NOUNS or (
            lower.endswith("s") and not lower.endswith(("ss", "us", "is")) and len(lower) > 2
        ):
            plural_end = offset
    # Without a plural noun, the first word is taken as the counted thing ("two dozen eggs").
    last = plural_end or first_end
    return end + last if last else end


def _word_starts(text: str, start: int, end: int, present: Set[str]) -> list[int]:
    """Where the given lower-case trigger words stand as words in text[start:end]."""
    lower = text[start:end].lower()
    positions = []
    if len(lower) != end - start:
        # Lower-casing changed the length (a few letters do): read the words one by one.
        for m in _TRIGGER.finditer(text, start, end):
            if m[0].lower().rstrip("0123456789$") in present:
                positions.append(m.start())
        return positions
    for word in present:
        size = len(word)
        i = lower.find(word)
        while i >= 0:
            after = i + size
            # A word, not part of one; a digit may follow ("Q3").
            if (i == 0 or not lower[i - 1].isalnum()) and (
                after == len(lower) or not lower[after].isalpha()
            ):
                positions.append(start + i)
            i = lower.find(word, after)
    return positions


def find_quantities(
    text: str, start: int = 0, end: int | None = None, words: Set[str] | None = None
) -> list[QuantityMatch]:
    """Every figure in text[start:end], in order, with its claim kind and normalized value.

    `words` is the set of the lower-case words of text[start:end], for a caller that has it.
    """
    end = len(text) if end is None else end
    if words is None:
        words = set(_LOWER_WORD.findall(text[start:end].lower()))
    # Most sentences have no digit or sign, which one search settles without an iterator.
    first = _SIGN.search(text, start, end)
    positions = (
        [] if first is None else [m.start() for m in _SIGN.finditer(text, first.start(), end)]
    )
    for i, position in enumerate(positions):
        # "US$", "C$", "HK$": the figure starts at the letters before the dollar sign.
        if text[position] == "$" and position > start and text[position - 1].isupper():
            back = 2 if position - 1 > start and text[position - 2].isupper() else 1
            positions[i] = position - back
    present = words & _WORD_TRIGGERS
    if present:
        if not words.isdisjoint(_SCALE_WORDS):
            # "a" and "an" start a figure only before a scale word ("a million").
            present |= words & {"a", "an"}
        positions.extend(_word_starts(text, start, end, present))
        positions.sort()
    elif not positions:
        return []
    found: list[QuantityMatch] = []
    done = start
    # Trying the pattern only where a figure can start is several times faster than letting it
    # scan every position: the regex engine has no fast path for its many leading words.
    for position in positions:
        if position < done:
            continue
        m = _PATTERN.match(text, position, end)
        if m is None:
            continue
        done = m.end()
        name = m.lastgroup
        if name == "skip" or name is None:
            continue
        if name == "ordinal":
            match = _ordinal(text, m)
        elif name == "count":
            match = _count(text, m, end)
        else:
            kind, value, high, unit = _HANDLERS[name](m)
            s, e = m.span()
            value, high, approximate = _qualify(text, s, value, high, kind)
            quantity = ExtractedQuantity(text[s:e], value, high, unit, approximate)
            match = QuantityMatch(kind, s, e, quantity)
        if match is not None:
            found.append(match)
    return _join_ranges(text, found) if len(found) > 1 else found


def _join_ranges(text: str, found: list[QuantityMatch]) -> list[QuantityMatch]:
    """Make "between 30 and 40 people" one range rather than two figures."""
    joined: list[QuantityMatch] = []
    i = 0
    while i < len(found):
        low = found[i]
        if i + 1 < len(found):
            high = found[i + 1]
            bare = low.end - low.start == len(low.quantity.text)
            if (
                (low.kind == high.kind or (low.kind == "count" and bare))
                and _AND.fullmatch(text, low.end, high.start)
                and _BETWEEN.search(text, max(0, low.start - 12), low.start)
            ):
                q = high.quantity
                bound = q.value_high if q.unit == "date" else q.value
                figure = text[low.start : high.start + len(q.text)]
                quantity = ExtractedQuantity(
                    figure, low.quantity.value, bound, q.unit, q.approximate
                )
                joined.append(QuantityMatch(high.kind, low.start, high.end, quantity))
                i += 2
                continue
        joined.append(low)
        i += 1
    return joined


def _ordinal(text: str, m: re.Match[str]) -> QuantityMatch | None:
    """An ordinal with the noun it ranks ("third meeting"); none without one ("at first")."""
    written = m["o_word"]
    words = m["o_noun"].split()
    if not words or words[0].lower() in _NOUN_STOP:
        return None
    keep = 1
    if len(words) > 1 and words[1].lower() not in _NOUN_STOP:
        first = words[0].lower()
        if first in _ORDINAL_MODIFIERS or (first.endswith("est") and len(first) > 4):
            keep = 2
    end = list(_WORD.finditer(text, m.start("o_noun"), m.end()))[keep - 1].end()
    lower = written.lower()
    value = float(_ORDINALS[lower]) if lower in _ORDINALS else float(lower[:-2])
    quantity = ExtractedQuantity(written, value, None, "ordinal", False)
    return QuantityMatch("ordinal", m.start(), end, quantity)


def _count(text: str, m: re.Match[str], limit: int) -> QuantityMatch | None:
    """A number of things, with the noun phrase it counts."""
    s, e = m.span()
    value = _scaled(m["c_num"], m["c_scale"])
    if value is None or (value == 1 and not m["c_scale"]):
        return None
    before = _PREVIOUS_WORD.search(text, max(0, s - 24), s)
    previous = before[1] if before is not None else None
    if previous is not None and previous.lower() in _DEFINITE:
        return None
    if m["c_num"][0].isdigit() and _is_designator(previous):
        return None
    high = _scaled(m["c_num2"], m["c_scale"])
    value, high, approximate = _qualify(text, s, value, high, "count")
    quantity = ExtractedQuantity(text[s:e], value, high, "count", approximate)
    return QuantityMatch("count", s, _count_end(text, e, limit), quantity)
