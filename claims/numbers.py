"""A figure as an evidence item states it, compared with the claim's figure. Pure (no I/O).

Values are normalized like the extractor's quantities (claims/extraction/quantities.py): money is
the amount in its currency (unit "USD", "MAD", ...; "$1 billion" is 1e9 USD), percentages are
the number before the sign (unit "percent"; "percentage point" apart), counts are unit "count",
measures use the extractor's unit codes ("km", "mi", "kg", "t", "lb", "km/h", "MW", "year"...),
and dates are unit "date" with POSIX timestamps (a range from its first to its last second).

Comparing (`compare`):

- The relative difference is the gap between the two figures divided by the claim's figure:
  $1 billion claimed, $1.2 billion stated is 0.2 (20%). Ranges on either side ("5-10 km",
  "mid-2024", "up to 150 km") compare as intervals: the gap is 0 when they overlap, so a stated
  value inside the claim's range matches, and otherwise it is measured from the claim's nearer
  end. The figures match when the difference is at most the tolerance, TOLERANCE (5%) by
  default.
- An approximate figure ("about", "around"; the claim's `approximate` flag, or the evidence's)
  doubles the tolerance (APPROXIMATE_FACTOR): "about $1 billion" tolerates 10%.
- Zero has no relative difference: a zero end is matched only by an exact zero.
- The same unit compares directly. Units of one dimension (km, mi, m, ft...; kg, t, lb...;
  km/h, mph, knots; durations; °C and °F...) are converted to the claim's unit first. When the
  converted figures differ but the bare numbers match (150 km claimed, "150 miles" stated), the
  verdict is "unit_mismatch": one side probably wrote the wrong unit.
- Currencies never convert (no exchange rates): two currencies are always "unit_mismatch"
  ("currency confusion"), and the message says whether the bare numbers match. Percent and
  percentage points are "unit_mismatch" too: a rise of 2 points is not a rise of 2%.
- A figure without a unit compares by number with one that has a unit (other than a date),
  and the message says that the unit was missing; "36" matches "36 units". A bare whole
  number from 1000 to 2999 against a date is the year it names ("2026").
- Dates match when the periods overlap (an approximate date may be DATE_SLACK_DAYS off); they
  have no relative difference. A date and anything else, or two different dimensions (money
  and a count, km and kg), are "incomparable".

`Comparison.difference` is the relative difference behind the verdict: after conversion for a
match or a mismatch, between the bare numbers for a unit mismatch, None when there is none
(dates, a zero end, incomparable figures).
"""

# The currency signs and the en dash are the very characters reviewers type.
# ruff: noqa: RUF001, SIM905

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from claims.extraction.quantities import find_quantities

TOLERANCE = 0.05
APPROXIMATE_FACTOR = 2.0
DATE_SLACK_DAYS = 31
VERDICTS = ("match", "mismatch", "unit_mismatch", "incomparable")

_DAY = 86400.0

# --- units ------------------------------------------------------------------------------------

# The currencies the extractor knows; any other three capital letters are taken for a currency
# code too (ISO 4217 codes are three capitals, no other unit here is).
CURRENCIES = frozenset(
    """USD CAD AUD NZD HKD SGD BRL EUR GBP JPY CNY INR ILS RUB KRW MAD CHF SAR AED EGP DZD TND
    TRY""".split()
)
# Canonical unit -> (dimension, size in the dimension's base unit).
_FACTORS: dict[str, tuple[str, float]] = {
    "km": ("length", 1000.0), "m": ("length", 1.0), "cm": ("length", 0.01),
    "mm": ("length", 0.001), "mi": ("length", 1609.344), "nmi": ("length", 1852.0),
    "ft": ("length", 0.3048), "in": ("length", 0.0254),
    "km2": ("area", 1e6), "m2": ("area", 1.0), "mi2": ("area", 2589988.110336),
    "ha": ("area", 1e4), "acre": ("area", 4046.8564224),
    "kg": ("mass", 1.0), "g": ("mass", 1e-3), "mg": ("mass", 1e-6), "t": ("mass", 1000.0),
    "lb": ("mass", 0.45359237),
    "l": ("volume", 1.0), "gal": ("volume", 3.785411784), "bbl": ("volume", 158.987294928),
    "km/h": ("speed", 1 / 3.6), "mph": ("speed", 0.44704), "kn": ("speed", 1852 / 3600),
    "kW": ("power", 1e3), "MW": ("power", 1e6), "GW": ("power", 1e9),
    "kWh": ("energy", 1e3), "MWh": ("energy", 1e6), "GWh": ("energy", 1e9),
    "TWh": ("energy", 1e12),
    "second": ("duration", 1.0), "minute": ("duration", 60.0), "hour": ("duration", 3600.0),
    "day": ("duration", _DAY), "week": ("duration", 7 * _DAY),
    "month": ("duration", 30.436875 * _DAY), "year": ("duration", 365.2425 * _DAY),
    "decade": ("duration", 3652.425 * _DAY), "century": ("duration", 36524.25 * _DAY),
}  # fmt: skip
_TEMPERATURES = frozenset(["°C", "°F"])
# Units that only compare with themselves.
_OWN_UNITS = frozenset(["count", "percent", "percentage point", "date", "ordinal", "degree", "bpd"])
UNITS = frozenset(_FACTORS) | _TEMPERATURES | _OWN_UNITS | CURRENCIES

# How to_text writes a unit: (singular, plural) after the number; the code itself otherwise.
_DISPLAY = {
    "count": ("unit", "units"), "mi": ("mile", "miles"), "nmi": ("nautical mile", "nautical miles"),
    "in": ("inch", "inches"), "t": ("tonne", "tonnes"), "l": ("litre", "litres"),
    "gal": ("gallon", "gallons"), "bbl": ("barrel", "barrels"), "kn": ("knot", "knots"),
    "acre": ("acre", "acres"), "degree": ("degree", "degrees"),
    "percentage point": ("percentage point", "percentage points"),
    "ordinal": ("ordinal", "ordinal"), "km2": ("km²", "km²"), "m2": ("m²", "m²"),
    "mi2": ("sq mi", "sq mi"), "°C": ("°C", "°C"), "°F": ("°F", "°F"),
    "second": ("second", "seconds"), "minute": ("minute", "minutes"), "hour": ("hour", "hours"),
    "day": ("day", "days"), "week": ("week", "weeks"), "month": ("month", "months"),
    "year": ("year", "years"), "decade": ("decade", "decades"), "century": ("century", "centuries"),
}  # fmt: skip

# Spellings a reviewer may type, lower case -> canonical unit ("pounds" is decided apart).
_UNIT_ALIASES: dict[str, str] = {
    "%": "percent", "percent": "percent", "per cent": "percent", "pct": "percent",
    "percentage point": "percentage point", "percentage points": "percentage point",
    "pp": "percentage point", "ppt": "percentage point", "ppts": "percentage point",
    "count": "count", "unit": "count", "units": "count", "item": "count", "items": "count",
    "km": "km", "kms": "km", "kilometre": "km", "kilometres": "km", "kilometer": "km",
    "kilometers": "km", "m": "m", "metre": "m", "metres": "m", "meter": "m", "meters": "m",
    "cm": "cm", "centimetre": "cm", "centimetres": "cm", "centimeter": "cm", "centimeters": "cm",
    "mm": "mm", "millimetre": "mm", "millimetres": "mm", "millimeter": "mm", "millimeters": "mm",
    "mi": "mi", "mile": "mi", "miles": "mi", "nmi": "nmi", "nautical mile": "nmi",
    "nautical miles": "nmi", "ft": "ft", "foot": "ft", "feet": "ft", "in": "in", "inch": "in",
    "inches": "in",
    "km2": "km2", "km²": "km2", "sq km": "km2", "square kilometre": "km2",
    "square kilometres": "km2", "square kilometer": "km2", "square kilometers": "km2",
    "m2": "m2", "m²": "m2", "sq m": "m2", "square metre": "m2", "square metres": "m2",
    "square meter": "m2", "square meters": "m2", "mi2": "mi2", "sq mi": "mi2",
    "square mile": "mi2", "square miles": "mi2", "ha": "ha", "hectare": "ha", "hectares": "ha",
    "acre": "acre", "acres": "acre",
    "kg": "kg", "kgs": "kg", "kilogram": "kg", "kilograms": "kg", "kilo": "kg", "kilos": "kg",
    "g": "g", "gram": "g", "grams": "g", "mg": "mg", "milligram": "mg", "milligrams": "mg",
    "t": "t", "tonne": "t", "tonnes": "t", "ton": "t", "tons": "t", "metric ton": "t",
    "metric tons": "t", "lb": "lb", "lbs": "lb",
    "l": "l", "litre": "l", "litres": "l", "liter": "l", "liters": "l", "gal": "gal",
    "gallon": "gal", "gallons": "gal", "bbl": "bbl", "barrel": "bbl", "barrels": "bbl",
    "bpd": "bpd", "barrels per day": "bpd", "barrels a day": "bpd",
    "km/h": "km/h", "kph": "km/h", "kmh": "km/h", "kilometres per hour": "km/h",
    "kilometers per hour": "km/h", "mph": "mph", "miles per hour": "mph", "kn": "kn",
    "knot": "kn", "knots": "kn",
    "kw": "kW", "kilowatt": "kW", "kilowatts": "kW", "mw": "MW", "megawatt": "MW",
    "megawatts": "MW", "gw": "GW", "gigawatt": "GW", "gigawatts": "GW", "kwh": "kWh",
    "mwh": "MWh", "gwh": "GWh", "twh": "TWh",
    "°c": "°C", "degrees celsius": "°C", "celsius": "°C", "°f": "°F",
    "degrees fahrenheit": "°F", "fahrenheit": "°F", "degree": "degree", "degrees": "degree",
    "second": "second", "seconds": "second", "sec": "second", "secs": "second",
    "minute": "minute", "minutes": "minute", "min": "minute", "mins": "minute",
    "hour": "hour", "hours": "hour", "hr": "hour", "hrs": "hour", "day": "day", "days": "day",
    "week": "week", "weeks": "week", "month": "month", "months": "month", "year": "year",
    "years": "year", "yr": "year", "yrs": "year", "decade": "decade", "decades": "decade",
    "century": "century", "centuries": "century", "ordinal": "ordinal",
}  # fmt: skip
# Currency spellings, lower case -> ISO code (the extractor's list, plus the codes themselves).
_CURRENCY_WORDS: dict[str, str] = {
    "dollar": "USD", "dollars": "USD", "us dollars": "USD", "euro": "EUR", "euros": "EUR",
    "pounds sterling": "GBP", "sterling": "GBP", "yen": "JPY", "yuan": "CNY", "renminbi": "CNY",
    "rmb": "CNY", "rupee": "INR", "rupees": "INR", "nis": "ILS", "shekel": "ILS",
    "shekels": "ILS", "rouble": "RUB", "roubles": "RUB", "ruble": "RUB", "rubles": "RUB",
    "dh": "MAD", "dhs": "MAD", "dirham": "MAD", "dirhams": "MAD", "franc": "CHF",
    "francs": "CHF", "riyal": "SAR", "riyals": "SAR", "dinar": "DZD", "dinars": "DZD",
    "lira": "TRY", "liras": "TRY",
    **{code.lower(): code for code in CURRENCIES},
}  # fmt: skip
_SYMBOLS = {
    "US$": "USD", "C$": "CAD", "A$": "AUD", "NZ$": "NZD", "HK$": "HKD", "S$": "SGD",
    "R$": "BRL", "$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "₪": "ILS",
    "₽": "RUB", "₩": "KRW",
}  # fmt: skip
_SCALE_WORDS = {
    "hundred": 1e2, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12,
    "dozen": 12.0, "k": 1e3, "mn": 1e6, "mln": 1e6, "m": 1e6, "bn": 1e9, "b": 1e9,
    "tn": 1e12, "trn": 1e12,
}  # fmt: skip


def _alternatives(words: list[str]) -> str:
    """A regex alternation of literal words, longest first so that no prefix shadows a word."""
    return "|".join(re.escape(w).replace("\\ ", " ") for w in sorted(words, key=len, reverse=True))


# Words before a figure that make it approximate, and bounds, which a Stated cannot hold.
_APPROX = re.compile(
    r"(?i)(?:about|around|approximately|approx\.?|roughly|nearly|almost|some|circa|ca\.|c\.|"
    r"an estimated|estimated|close to|~|≈)\s*"
)
_BOUND = re.compile(
    r"(?i)(?:up to|as many as|as much as|at most|no more than|not more than|less than|"
    r"fewer than|under|below|more than|over|at least|above|no less than|not less than|"
    r"upwards of|in excess of|exceeding|<=?|>=?|≤|≥)(?=[\s\d$€£¥₹₪₽₩]|$)"
)
_BETWEEN = re.compile(r"(?i)between\s+(.+?)\s+and\s+(.+)")
_NONFINITE = re.compile(r"(?i)(?<![a-z])[-+]?(?:nan|inf|infinity)(?![a-z])")
_PREFIX = re.compile(
    rf"(?:{_alternatives(list(_SYMBOLS))})\s*"
    rf"|(?i:(?:{_alternatives(sorted(CURRENCIES))})(?![a-z]))\s*"
)
_NUMBER = re.compile(r"[-+]?(?:(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")
_SEPARATOR = re.compile(r"\s*(?:-|–|—|(?<=\s)to\s)\s*")
# Long scale words in any case; short ones as written ("M" is a million, "m" a metre unless
# the figure is money: "€5m").
_SCALE = re.compile(
    r"\s*(?:(?P<long>(?i:hundred|thousand|million|billion|trillion|dozen))(?![a-z])"
    r"|(?P<short>mln|mn|bn|trn|tn|[kKMbB])(?![\w/²]))"
)
_MONEY_M = re.compile(r"\s*m(?![\w/²])")
_UNIT = re.compile(
    rf"\s*(?i:(?P<unit>{_alternatives([*_UNIT_ALIASES, *_CURRENCY_WORDS, 'pound', 'pounds'])}))"
    r"(?![a-z0-9²/])"
)
_CURRENCY_SUFFIX = re.compile(
    rf"(?i)(?<![a-z])(?:{_alternatives([*_CURRENCY_WORDS, 'pound', 'pounds'])})\.?$"
)
_NOUNS = re.compile(r"\s*([A-Za-z][A-Za-z'’-]*(?:\s+[A-Za-z][A-Za-z'’-]*)*)")
_DATE_RANGE = re.compile(r"\s+(?:to|–|—|-)\s+")


@dataclass(frozen=True)
class Stated:
    """A figure as an evidence item states it, normalized like the extractor's quantities.

    `value` is the figure or the low end of a range, `value_high` the high end (None for a
    single figure), `unit` a canonical unit (None for a bare number), `text` what was typed.
    """

    value: float
    value_high: float | None
    unit: str | None
    text: str
    approximate: bool = False

    def __post_init__(self) -> None:
        if not math.isfinite(self.value):
            raise ValueError(f"the figure {self.value!r} is not a finite number")
        if self.value_high is not None:
            if not math.isfinite(self.value_high):
                raise ValueError(f"the figure {self.value_high!r} is not a finite number")
            if self.value_high < self.value:
                raise ValueError("the range ends before it starts")


def normalize_unit(unit: str | None) -> str | None:
    """The canonical code of a unit as written ("miles" -> "mi", "usd" -> "USD"), None for none.

    A unit this module does not know is returned stripped, and compares only with itself.
    """
    if unit is None or not unit.strip():
        return None
    written = " ".join(unit.split())
    if written in UNITS:
        return written
    lower = written.lower()
    if lower in ("pound", "pounds"):
        return "lb"
    if lower in _UNIT_ALIASES:
        return _UNIT_ALIASES[lower]
    if lower in _CURRENCY_WORDS:
        return _CURRENCY_WORDS[lower]
    if written in _SYMBOLS:
        return _SYMBOLS[written]
    return written


def is_currency(unit: str | None) -> bool:
    """Whether a canonical unit is a currency (an ISO 4217-style code)."""
    return unit is not None and (unit in CURRENCIES or re.fullmatch(r"[A-Z]{3}", unit) is not None)


# --- parsing ----------------------------------------------------------------------------------


def parse_stated(text: str) -> Stated:
    """Read a figure as a reviewer types it: "$1.2 billion", "1e9 USD", "150 km", "4.1%",
    "36 units", "about 2,400", "5-10 km", "mid-2024"...

    Raises ValueError with a message for the reviewer when the text is not one figure.
    """
    written = " ".join(text.replace("\u2212", "-").split())
    if not written:
        raise ValueError("no figure given: type a value such as '$1.2 billion', '150 km' or '36'")
    if _NONFINITE.search(written):
        raise ValueError(f"'{written}' is not a finite number")
    try:
        return _parse(written)
    except ValueError as error:
        # Words and dates ("two satellites", "mid-2024", "6 Jan 2026") are the extractor's.
        found = _extracted(written)
        if found is None:
            raise error from None
        return found


class _Reader:
    """The text left to read, consumed from the left."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0

    @property
    def rest(self) -> str:
        return self.text[self.at :]

    def take(self, pattern: re.Pattern[str]) -> re.Match[str] | None:
        m = pattern.match(self.text, self.at)
        if m is not None:
            self.at = m.end()
        return m


def _parse(written: str) -> Stated:
    body = written
    approximate = False
    m = _APPROX.match(body)
    if m is not None and m.end() < len(body):
        approximate = True
        body = body[m.end() :]
    if _BOUND.match(body):
        raise ValueError(
            f"'{written}' states a bound, not a value: type the figure ('150 km') "
            "or a range ('100-150 km')"
        )
    between = _BETWEEN.fullmatch(body)
    if between is not None:
        body = f"{between[1]} to {between[2]}"
    money = _CURRENCY_SUFFIX.search(body) is not None

    r = _Reader(body)
    currency = _currency_prefix(r)
    money = money or currency is not None
    low, low_scale = _number(r, written, money)
    first_unit = None if _SEPARATOR.match(r.text, r.at) else _unit(r)
    high: float | None = None
    high_scale = None
    if r.take(_SEPARATOR):
        second_currency = _currency_prefix(r)
        if second_currency is not None and second_currency != currency:
            raise ValueError(f"'{written}': the range's ends are in different currencies")
        high, high_scale = _number(r, written, money)
    unit = _unit(r)
    if first_unit is not None and unit is not None and first_unit != unit:
        raise ValueError(f"'{written}': the range's ends are in different units")
    unit = unit or first_unit
    scale_low = low_scale or high_scale or 1.0
    scale_high = high_scale or low_scale or 1.0

    if unit is None and r.rest.strip():
        nouns = r.take(_NOUNS)
        if nouns is None or r.rest.strip() or currency is not None:
            left = r.rest.strip() if nouns is None else body[nouns.start(1) :]
            raise ValueError(
                f"could not read '{left}' in '{written}': type one figure with its unit "
                "('150 km', '$1.2 billion', '36 units'); use '.' for decimals"
            )
        unit = "count"  # "36 ATMOS artillery systems"
    elif r.rest.strip():
        raise ValueError(
            f"could not read '{r.rest.strip()}' in '{written}': type one figure with its unit"
        )

    if unit in ("pound", "pounds"):
        # Like the extractor: pounds are money with a scale word ("3 million pounds") or "£".
        unit = "GBP" if (low_scale or high_scale or currency == "GBP") else "lb"
    if currency is not None:
        if unit is not None and unit != currency:
            what = "currencies" if is_currency(unit) else "a currency and a unit"
            raise ValueError(f"'{written}' has two units ({what}): {currency} and {unit}")
        unit = currency

    value = _finite(low * scale_low, written)
    value_high = None if high is None else _finite(high * scale_high, written)
    if value_high is not None and value_high < value:
        raise ValueError(f"'{written}': the range ends before it starts")
    if value_high == value:
        value_high = None
    return Stated(value, value_high, unit, written, approximate)


def _currency_prefix(r: _Reader) -> str | None:
    m = r.take(_PREFIX)
    if m is None:
        return None
    written = m[0].strip()
    return _SYMBOLS.get(written) or written.upper()


def _number(r: _Reader, written: str, money: bool) -> tuple[float, float | None]:
    """A number and its scale word ("1.2 billion", "5m" in money, "2.4k")."""
    m = r.take(_NUMBER)
    if m is None:
        raise ValueError(f"no number in '{written}': type a figure such as '150 km' or '36'")
    value = _finite(float(m[0].replace(",", "")), written)
    scale = r.take(_SCALE)
    if scale is None and money:
        scale = r.take(_MONEY_M)
    if scale is None:
        return value, None
    return value, _SCALE_WORDS[scale[0].strip().lower()]


def _unit(r: _Reader) -> str | None:
    m = r.take(_UNIT)
    if m is None:
        return None
    word = " ".join(m["unit"].split()).lower()
    if word in ("pound", "pounds"):
        return word
    return _UNIT_ALIASES.get(word) or _CURRENCY_WORDS[word]


def _finite(value: float, written: str) -> float:
    if not math.isfinite(value):
        raise ValueError(f"'{written}' is too large to be a figure")
    return value


def _extracted(written: str) -> Stated | None:
    """The one figure the extractor reads over the whole text, if it reads exactly one."""
    parts = _DATE_RANGE.split(written)
    if len(parts) == 2:
        first, last = (_extracted_one(part) for part in parts)
        if first is not None and last is not None and first.unit == last.unit == "date":
            end = last.value_high if last.value_high is not None else last.value + _DAY - 1
            if end < first.value:
                raise ValueError(f"'{written}': the range ends before it starts")
            return Stated(first.value, end, "date", written, first.approximate)
    return _extracted_one(written)


def _extracted_one(written: str) -> Stated | None:
    found = find_quantities(written)
    if len(found) != 1:
        return None
    match = found[0]
    body = _APPROX.match(written)
    start = body.end() if body is not None else 0
    if match.start != start or match.end != len(written.rstrip(".")):
        return None
    q = match.quantity
    if q.value is not None and q.value_high is not None and q.value_high < q.value:
        return None
    if q.value is None:
        if q.unit == "date":
            raise ValueError(f"'{written}': the date needs a year")
        raise ValueError(
            f"'{written}' states a bound, not a value: type the figure ('150 km') "
            "or a range ('100-150 km')"
        )
    return Stated(q.value, q.value_high, q.unit, written, q.approximate)


# --- display ----------------------------------------------------------------------------------


def _plain(x: float) -> str:
    """A number as a newsroom writes it: "2,400", "1.2", "0.0051" (six significant digits)."""
    if x.is_integer() and abs(x) < 1e15:
        return f"{int(x):,}"
    return f"{x:,.6g}"


def _numbers(low: float | None, high: float | None) -> str:
    """A figure or a range, with a scale word from a million ("1.2 billion", "1 to 2 million")."""
    size = max(abs(v) for v in (low, high) if v is not None)
    scale, word = 1.0, ""
    for step, name in ((1e12, " trillion"), (1e9, " billion"), (1e6, " million")):
        if size >= step:
            scale, word = step, name
            break
    if low is None:
        assert high is not None
        return f"up to {_plain(high / scale)}{word}"
    if high is None:
        return f"{_plain(low / scale)}{word}"
    return f"{_plain(low / scale)} to {_plain(high / scale)}{word}"


def _date(timestamp: float) -> str:
    try:
        return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    except (ValueError, OverflowError, OSError):  # beyond the calendar: say what it is
        return f"timestamp {timestamp:g}"


def _dates(low: float | None, high: float | None) -> str:
    if low is None:
        return "undated" if high is None else f"up to {_date(high)}"
    if high is None or high - low < _DAY:
        return _date(low)
    return f"{_date(low)} to {_date(high)}"


def _figure(low: float | None, high: float | None, unit: str | None, approximate: bool) -> str:
    # "up to" says the approximation already (the extractor marks bounds approximate).
    about = "about " if approximate and low is not None else ""
    if unit == "date":
        return about + _dates(low, high)
    if low is None and high is None:
        return "no value"
    numbers = _numbers(low, high)
    if unit is None:
        return about + numbers
    if is_currency(unit):
        return f"{about}{unit} {numbers}"
    if unit == "percent":
        return f"{about}{numbers}%"
    one = low == high == 1 or (high is None and low in (1, -1))
    if unit in _DISPLAY:
        singular, plural = _DISPLAY[unit]
        return f"{about}{numbers} {singular if one else plural}"
    return f"{about}{numbers} {unit}"


def to_text(s: Stated) -> str:
    """The canonical display of a figure: "USD 1.2 billion", "36 units", "150 km", "4.1%"."""
    return _figure(s.value, s.value_high, normalize_unit(s.unit), s.approximate)


# --- comparing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    """How a stated figure compares with the claim's (see the module docstring).

    For dates, `tolerance` is reported as for any figure but the rule is DATE_SLACK_DAYS.
    """

    verdict: str  # one of VERDICTS
    difference: float | None  # relative difference, 0.2 = 20%
    tolerance: float  # the tolerance applied (doubled for an approximate figure)
    message: str  # one sentence for the page


def _dimension(unit: str | None) -> str | None:
    if unit is None:
        return None
    if is_currency(unit):
        return "currency"
    if unit in _FACTORS:
        return _FACTORS[unit][0]
    if unit in _TEMPERATURES:
        return "temperature"
    return unit


def _convert(value: float, unit: str, to: str) -> float:
    """A value in another unit of its dimension."""
    if unit == to:
        return value
    if unit in _TEMPERATURES:
        celsius = value if unit == "°C" else (value - 32) * 5 / 9
        return celsius if to == "°C" else celsius * 9 / 5 + 32
    return value * _FACTORS[unit][1] / _FACTORS[to][1]


def _relative(
    low: float | None, high: float | None, stated_low: float, stated_high: float
) -> float | None:
    """The gap from the stated interval to the claim's, relative to the claim's nearer end.

    0 when they overlap; None when the nearer end is zero and the gap is not (no relative
    difference from zero). A claim with no low end ("up to 150") reaches down indefinitely.
    """
    floor = -math.inf if low is None else low
    ceiling = floor if high is None else high
    if stated_high < floor:
        gap, end = floor - stated_high, floor
    elif stated_low > ceiling:
        gap, end = stated_low - ceiling, ceiling
    else:
        return 0.0
    if end == 0:
        return None
    return gap / abs(end)


def _within(difference: float | None, tolerance: float) -> bool:
    # A hair of slack so that a figure exactly at the tolerance matches despite rounding.
    return difference is not None and difference <= tolerance * (1 + 1e-9) + 1e-12


def _percent(x: float) -> str:
    return f"{x * 100:.3g}%"


def compare(
    claim_value: float | None,
    claim_high: float | None,
    claim_unit: str | None,
    stated: Stated,
    *,
    tolerance: float = TOLERANCE,
    approximate: bool = False,
) -> Comparison:
    """Compare a stated figure with the claim's (value..claim_high in claim_unit).

    `approximate` is the claim's flag ("about $1 billion"): it, or an approximate stated figure,
    multiplies the tolerance by APPROXIMATE_FACTOR. `claim_value` None with a `claim_high` is
    an upper bound ("up to 150 km").
    """
    if not (math.isfinite(tolerance) and tolerance >= 0):
        raise ValueError(f"the tolerance must be a finite number >= 0, not {tolerance!r}")
    for v in (claim_value, claim_high):
        if v is not None and not math.isfinite(v):
            raise ValueError(f"the claim's figure {v!r} is not a finite number")
    tol = tolerance * APPROXIMATE_FACTOR if (approximate or stated.approximate) else tolerance
    tol_text = _percent(tol)
    if tol != tolerance:
        who = "the claim is" if approximate else "the evidence is"
        if approximate and stated.approximate:
            who = "both are"
        tol_text += f" ({_percent(tolerance)} doubled: {who} approximate)"

    cu, su = normalize_unit(claim_unit), normalize_unit(stated.unit)
    cd, sd = _dimension(cu), _dimension(su)
    s_low = stated.value
    s_high = stated.value if stated.value_high is None else stated.value_high
    claim_text = _figure(claim_value, claim_high, cu, approximate)
    stated_text = _figure(stated.value, stated.value_high, su, stated.approximate)

    def result(verdict: str, difference: float | None, message: str) -> Comparison:
        return Comparison(verdict, difference, tol, message)

    if claim_value is None and claim_high is None:
        return result("incomparable", None, "the claim's figure has no value to compare")
    if cd == "date" and sd is None and _year(stated) is not None:
        # "2026" typed against a date: the year, as the extractor reads a bare year.
        stated = _year(stated) or stated
        sd = "date"
    if cd == "date" or sd == "date":
        if cd != sd:
            other = claim_text if cd != "date" else stated_text
            return result("incomparable", None, f"a date cannot be compared with {other}")
        return _compare_dates(claim_value, claim_high, stated, approximate, tol)

    def numbers(low: float, high: float, note: str = "", shown: str = "") -> Comparison:
        """Match or mismatch of the stated interval (in the claim's unit) with the claim's.

        `shown` is the stated figure converted to the claim's unit, `note` ends the message.
        """
        stated_as = f"{stated_text} = {shown}" if shown else stated_text
        difference = _relative(claim_value, claim_high, low, high)
        if _within(difference, tol):
            floor = -math.inf if claim_value is None else claim_value
            ceiling = floor if claim_high is None else claim_high
            if difference != 0:
                message = (
                    f"matches within {tol_text} ({claim_text} vs {stated_as}, "
                    f"{_percent(difference or 0.0)} apart)"
                )
            elif low == high == floor == ceiling:
                message = f"matches exactly ({claim_text} vs {stated_as})"
            elif floor <= low and high <= ceiling:
                message = f"matches: {stated_as} lies within the claim's {claim_text}"
            elif low <= floor and ceiling <= high:
                message = f"matches: the claim's {claim_text} lies within {stated_as}"
            else:
                message = f"matches: {stated_as} overlaps the claim's {claim_text}"
            return result("match", difference, message + note)
        if difference is None:
            message = f"differs: {claim_text} vs {stated_as} (no relative difference from zero)"
        else:
            message = (
                f"differs by {_percent(difference)} (more than the {tol_text} tolerance): "
                f"{claim_text} vs {stated_as}"
            )
        return result("mismatch", difference, message + note)

    if cu == su or (cd in (None, "count") and sd in (None, "count")):
        return numbers(s_low, s_high)
    if cd is None or sd is None:
        note = "; the evidence states no unit" if sd is None else "; the claim has no unit"
        return numbers(s_low, s_high, note + ", so the bare numbers were compared")

    assert cu is not None and su is not None
    bare = _relative(claim_value, claim_high, s_low, s_high)
    if bare is None:
        bare_text = "the bare numbers differ"
    elif _within(bare, tol):
        bare_text = "the bare numbers match"
    else:
        bare_text = f"the bare numbers differ by {_percent(bare)} as well"
    if cd == sd == "currency":
        advice = ", so one side may have the wrong currency" if _within(bare, tol) else ""
        return result(
            "unit_mismatch",
            bare,
            f"currency confusion: {cu} vs {su} (the claim is in {cu}, the evidence in {su}; no "
            f"exchange rates are applied); {bare_text} ({claim_text} vs {stated_text}){advice}",
        )
    if {cu, su} == {"percent", "percentage point"}:
        return result(
            "unit_mismatch",
            bare,
            f"percent / percentage-point confusion: the claim is in {_unit_name(cu)}, the "
            f"evidence in {_unit_name(su)} (a change of 2 percentage points is not a change of "
            f"2%); {bare_text} ({claim_text} vs {stated_text})",
        )
    if cd != sd:
        return result(
            "incomparable",
            None,
            f"{claim_text} and {stated_text} measure different things "
            f"({_unit_name(cu)} vs {_unit_name(su)})",
        )

    converted = (_convert(s_low, su, cu), _convert(s_high, su, cu))
    shown = _figure(converted[0], converted[1] if s_high != s_low else None, cu, False)
    difference = _relative(claim_value, claim_high, *sorted(converted))
    if not _within(difference, tol) and _within(bare, tol):
        in_stated = _figure(
            None if claim_value is None else _convert(claim_value, cu, su),
            None if claim_high is None else _convert(claim_high, cu, su),
            su,
            False,
        )
        return result(
            "unit_mismatch",
            bare,
            f"unit confusion: the claim is in {_unit_name(cu)}, the evidence in "
            f"{_unit_name(su)} ({claim_text} = {_approx(in_stated)}: the evidence matches if its "
            "unit was mistaken)",
        )
    low, high = sorted(converted)
    return numbers(low, high, shown=_approx(shown))


def _approx(figure: str) -> str:
    """A converted figure with four significant digits ("93.2057 miles" -> "93.21 miles")."""
    return re.sub(r"\d[\d,]*\.\d+", lambda m: f"{float(m[0].replace(',', '')):,.4g}", figure)


def _unit_name(unit: str) -> str:
    if unit in ("count", "percent", "percentage point"):
        return {"count": "units", "percent": "percent"}.get(unit, "percentage points")
    if unit in _DISPLAY:
        return _DISPLAY[unit][1]
    return unit


def _year(stated: Stated) -> Stated | None:
    """A bare whole number from 1000 to 2999 (or a range of them) as the year(s) it names."""
    first = stated.value
    last = first if stated.value_high is None else stated.value_high
    if not (first.is_integer() and last.is_integer() and 1000 <= first <= last <= 2999):
        return None
    start = datetime(int(first), 1, 1, tzinfo=UTC).timestamp()
    end = datetime(int(last) + 1, 1, 1, tzinfo=UTC).timestamp() - 1
    return Stated(start, end, "date", stated.text, stated.approximate)


def _compare_dates(
    claim_value: float | None,
    claim_high: float | None,
    stated: Stated,
    approximate: bool,
    tolerance: float,
) -> Comparison:
    """Dates match when the periods overlap (DATE_SLACK_DAYS apart for an approximate one)."""
    floor = -math.inf if claim_value is None else claim_value
    ceiling = claim_high if claim_high is not None else floor + _DAY - 1
    s_low = stated.value
    s_high = stated.value_high if stated.value_high is not None else s_low + _DAY - 1
    slack = DATE_SLACK_DAYS * _DAY if (approximate or stated.approximate) else 0.0
    gap = max(floor - s_high, s_low - ceiling, 0.0)
    claim_text = _figure(claim_value, claim_high, "date", approximate)
    stated_text = _figure(stated.value, stated.value_high, "date", stated.approximate)
    if gap <= slack:
        if gap > 0:
            message = (
                f"matches within {DATE_SLACK_DAYS} days (the date is approximate): "
                f"{claim_text} vs {stated_text}"
            )
        elif (floor, ceiling) == (s_low, s_high):
            message = f"matches exactly ({claim_text} vs {stated_text})"
        elif floor <= s_low and s_high <= ceiling:
            message = f"matches: {stated_text} falls within the claim's {claim_text}"
        elif s_low <= floor and ceiling <= s_high:
            message = f"matches: the claim's {claim_text} falls within {stated_text}"
        else:
            message = f"matches: {stated_text} overlaps the claim's {claim_text}"
        return Comparison("match", None, tolerance, message)
    days = math.ceil(gap / _DAY)
    return Comparison(
        "mismatch",
        None,
        tolerance,
        f"differs by {days} day{'s' if days != 1 else ''}: the claim's {claim_text} vs "
        f"{stated_text}",
    )
