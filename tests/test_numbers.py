"""claims/numbers.py: figures as evidence states them, compared with the claim's. Pure: no database.

The reviewer's spellings, the canonical display, the comparison rules (tolerance, ranges,
approximate figures, unit and currency confusion, percent, zero, dates), the extractor's
figures in the sample article, then properties (Hypothesis).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from claims.extraction import find_quantities
from claims.extraction import quantities as extractor
from claims.numbers import (
    APPROXIMATE_FACTOR,
    CURRENCIES,
    DATE_SLACK_DAYS,
    TOLERANCE,
    UNITS,
    VERDICTS,
    Comparison,
    Stated,
    compare,
    is_currency,
    normalize_unit,
    parse_stated,
    to_text,
)

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"
ARTICLE = (SAMPLES / "israel-morocco-military-work-plan.txt").read_text(encoding="utf-8")

# Modest, and nothing written to .hypothesis/.
PROPERTIES = settings(max_examples=200, database=None, deadline=None)


def ts(year: int, month: int, day: int, end_of_day: bool = False) -> float:
    """A UTC timestamp at the start (or the last second) of a day."""
    return datetime(year, month, day, tzinfo=UTC).timestamp() + (86399 if end_of_day else 0)


MID_2024 = (ts(2024, 4, 1), ts(2024, 9, 30, end_of_day=True))  # as the extractor reads it


def check(
    claim: tuple[float | None, float | None, str | None],
    stated: str,
    *,
    approximate: bool = False,
    tolerance: float = TOLERANCE,
) -> Comparison:
    value, high, unit = claim
    return compare(
        value, high, unit, parse_stated(stated), approximate=approximate, tolerance=tolerance
    )


# --- reading what a reviewer types ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "high", "unit", "approximate"),
    [
        ("USD 1.0e9", 1e9, None, "USD", False),
        ("1e9 USD", 1e9, None, "USD", False),
        ("$1.2 billion", 1.2e9, None, "USD", False),
        ("US$ 3bn", 3e9, None, "USD", False),
        ("36 units", 36, None, "count", False),
        ("36", 36, None, None, False),
        ("36 ATMOS artillery systems", 36, None, "count", False),
        ("150 km", 150, None, "km", False),
        ("150 kilometres", 150, None, "km", False),
        ("93 miles", 93, None, "mi", False),
        ("4.1%", 4.1, None, "percent", False),
        ("12 percent", 12, None, "percent", False),
        ("-5%", -5, None, "percent", False),
        ("2.5 percentage points", 2.5, None, "percentage point", False),
        ("MAD 10 billion", 1e10, None, "MAD", False),
        ("10 billion dirhams", 1e10, None, "MAD", False),
        ("€5m", 5e6, None, "EUR", False),
        ("£3 million", 3e6, None, "GBP", False),
        ("3 million pounds", 3e6, None, "GBP", False),
        ("3 pounds", 3, None, "lb", False),
        ("about 2,400", 2400, None, None, True),
        ("around $1 billion", 1e9, None, "USD", True),
        ("~150 km", 150, None, "km", True),
        ("2.4k", 2400, None, None, False),
        ("1.2 million people", 1.2e6, None, "count", False),
        ("150 m", 150, None, "m", False),
        ("5 MW", 5, None, "MW", False),
        ("306 mm", 306, None, "mm", False),
        ("5 tonnes", 5, None, "t", False),
        ("68 °F", 68, None, "°F", False),
        ("five years", 5, None, "year", False),
        ("5-10 km", 5, 10, "km", False),
        ("5 to 10 km", 5, 10, "km", False),
        ("10 km to 20 km", 10, 20, "km", False),
        ("between 30 and 40", 30, 40, None, False),
        ("$1-2 billion", 1e9, 2e9, "USD", False),
        ("$1-$2 billion", 1e9, 2e9, "USD", False),
        ("two satellites", 2, None, "count", False),
        ("five million euros", 5e6, None, "EUR", False),
        ("mid-2024", *MID_2024, "date", False),
        ("6 Jan 2026", ts(2026, 1, 6), None, "date", False),
        ("2024-04-01 to 2024-09-30", *MID_2024, "date", False),
        ("  1,000,000\u00a0USD ", 1e6, None, "USD", False),
    ],
)
def test_parse_stated(
    text: str, value: float, high: float | None, unit: str | None, approximate: bool
) -> None:
    stated = parse_stated(text)
    assert (stated.value, stated.value_high, stated.unit, stated.approximate) == (
        pytest.approx(value),
        None if high is None else pytest.approx(high),
        unit,
        approximate,
    )
    assert stated.text == " ".join(text.split())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no figure given"),
        ("   ", "no figure given"),
        ("abc", "no number in 'abc'"),
        ("USD", "no number in 'USD'"),
        ("1e999", "too large"),
        ("$1e308 billion", "too large"),
        ("nan", "not a finite number"),
        ("NaN km", "not a finite number"),
        ("inf", "not a finite number"),
        ("-Infinity", "not a finite number"),
        ("1,5", "could not read ',5'.*use '.' for decimals"),
        ("150 km range", "could not read 'range'"),
        ("up to 150 km", "states a bound, not a value"),
        ("more than 100", "states a bound, not a value"),
        ("$5 MAD", "two units"),
        ("$5 km", "two units"),
        ("5 km to 10 kg", "different units"),
        ("$1 to €2", "different currencies"),
        ("10-5", "ends before it starts"),
        ("March 3", "needs a year"),
        ("36 km 5", "could not read"),
    ],
)
def test_parse_stated_refuses_with_a_message(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_stated(text)


def test_a_stated_figure_is_finite_and_ordered() -> None:
    with pytest.raises(ValueError, match="finite"):
        Stated(math.nan, None, None, "")
    with pytest.raises(ValueError, match="finite"):
        Stated(1.0, math.inf, None, "")
    with pytest.raises(ValueError, match="ends before"):
        Stated(2.0, 1.0, None, "")


@pytest.mark.parametrize(
    ("text", "display"),
    [
        ("1e9 USD", "USD 1 billion"),
        ("$1.2 billion", "USD 1.2 billion"),
        ("$1.25bn", "USD 1.25 billion"),
        ("36", "36"),
        ("36 units", "36 units"),
        ("1 unit", "1 unit"),
        ("150 km", "150 km"),
        ("93 miles", "93 miles"),
        ("1 mile", "1 mile"),
        ("4.1%", "4.1%"),
        ("2.5 percentage points", "2.5 percentage points"),
        ("MAD 10 billion", "MAD 10 billion"),
        ("€5m", "EUR 5 million"),
        ("about 2,400", "about 2,400"),
        ("USD 950000", "USD 950,000"),
        ("5-10 km", "5 to 10 km"),
        ("$1-2 billion", "USD 1 to 2 billion"),
        ("mid-2024", "2024-04-01 to 2024-09-30"),
        ("6 Jan 2026", "2026-01-06"),
        ("20 km²", "20 km²"),
        ("5 years", "5 years"),
        ("0.005 km", "0.005 km"),
    ],
)
def test_to_text(text: str, display: str) -> None:
    assert to_text(parse_stated(text)) == display


def test_units_are_normalized_from_any_spelling() -> None:
    assert normalize_unit("miles") == "mi"
    assert normalize_unit("usd") == "USD"
    assert normalize_unit("$") == "USD"
    assert normalize_unit("%") == "percent"
    assert normalize_unit("pounds") == "lb"
    assert normalize_unit(" ") is None and normalize_unit(None) is None
    assert normalize_unit("widgets") == "widgets"  # unknown: kept, compares only with itself
    assert is_currency("MAD") and is_currency("XOF") and not is_currency("km")


def test_every_unit_the_extractor_produces_is_known() -> None:
    """The comparison knows every unit of the extractor's vocabulary."""
    produced = {
        *extractor._UNIT_WORDS,
        *extractor._UNIT_ABBREVIATIONS,
        *extractor._UNIT_OF.values(),
        *extractor._CURRENCIES.values(),
        "percent",
        "percentage point",
        "count",
        "date",
        "ordinal",
    }
    assert produced <= UNITS
    assert set(extractor._CURRENCIES.values()) <= CURRENCIES


# --- comparing: numbers, tolerance, ranges ----------------------------------------------------


def test_a_figure_within_the_tolerance_matches() -> None:
    result = check((1e9, None, "USD"), "$1.02 billion")
    assert (result.verdict, result.tolerance) == ("match", TOLERANCE)
    assert result.difference == pytest.approx(0.02)
    assert result.message == "matches within 5% (USD 1 billion vs USD 1.02 billion, 2% apart)"
    assert check((1e9, None, "USD"), "USD 1.0e9").message == (
        "matches exactly (USD 1 billion vs USD 1 billion)"
    )


def test_a_figure_beyond_the_tolerance_differs() -> None:
    result = check((1e9, None, "USD"), "$1.2 billion")
    assert result.verdict == "mismatch"
    assert result.difference == pytest.approx(0.2)
    assert result.message == (
        "differs by 20% (more than the 5% tolerance): USD 1 billion vs USD 1.2 billion"
    )
    # The difference is relative to the claim's figure.
    assert check((1.2e9, None, "USD"), "$1 billion").difference == pytest.approx(1 / 6)


def test_the_tolerance_is_inclusive_and_adjustable() -> None:
    assert check((100, None, "count"), "105").verdict == "match"
    assert check((100, None, "count"), "106").verdict == "mismatch"
    assert check((100, None, "count"), "95").verdict == "match"
    assert check((100, None, "count"), "106", tolerance=0.1).verdict == "match"
    assert check((100, None, "count"), "100.5", tolerance=0).verdict == "mismatch"
    with pytest.raises(ValueError, match="tolerance"):
        check((100, None, "count"), "100", tolerance=-0.1)
    with pytest.raises(ValueError, match="tolerance"):
        check((100, None, "count"), "100", tolerance=math.nan)


def test_an_approximate_figure_doubles_the_tolerance() -> None:
    assert APPROXIMATE_FACTOR == 2
    assert check((1e9, None, "USD"), "$1.08 billion").verdict == "mismatch"
    result = check((1e9, None, "USD"), "$1.08 billion", approximate=True)
    assert (result.verdict, result.tolerance) == ("match", pytest.approx(0.1))
    assert "10% (5% doubled: the claim is approximate)" in result.message
    assert result.message.startswith("matches within 10%")
    # The evidence's "about" counts too, but the two do not compound.
    assert check((1e9, None, "USD"), "about $1.08 billion").verdict == "match"
    both = check((1e9, None, "USD"), "about $1.15 billion", approximate=True)
    assert (both.verdict, both.tolerance) == ("mismatch", pytest.approx(0.1))
    assert "both are approximate" in both.message


def test_a_stated_value_inside_the_claims_range_matches() -> None:
    result = check((30, 40, "count"), "35")
    assert (result.verdict, result.difference) == ("match", 0.0)
    assert result.message == "matches: 35 lies within the claim's 30 to 40 units"
    assert check((30, 40, "count"), "30").verdict == "match"
    assert check((30, 40, "count"), "40").verdict == "match"


def test_a_stated_value_near_an_end_of_the_range_is_measured_from_that_end() -> None:
    above = check((30, 40, "count"), "41")
    assert (above.verdict, above.difference) == ("match", pytest.approx(0.025))
    below = check((30, 40, "count"), "29")
    assert (below.verdict, below.difference) == ("match", pytest.approx(1 / 30))
    far = check((30, 40, "count"), "50")
    assert (far.verdict, far.difference) == ("mismatch", pytest.approx(0.25))


def test_stated_ranges_match_when_they_overlap_the_claim() -> None:
    inside = check((5, None, "km"), "4-6 km")
    assert inside.verdict == "match"
    assert inside.message == "matches: the claim's 5 km lies within 4 to 6 km"
    overlap = check((30, 40, "count"), "35 to 50 units")
    assert (overlap.verdict, overlap.difference) == ("match", 0.0)
    assert "overlaps the claim's 30 to 40 units" in overlap.message
    apart = check((30, 40, "count"), "50 to 60 units")
    assert (apart.verdict, apart.difference) == ("mismatch", pytest.approx(0.25))


def test_an_upper_bound_claim_up_to_150_km() -> None:
    # The extractor reads "up to 150 km" as no low end, 150 high, approximate.
    assert check((None, 150, "km"), "120 km", approximate=True).verdict == "match"
    assert check((None, 150, "km"), "150 km", approximate=True).verdict == "match"
    beyond = check((None, 150, "km"), "180 km", approximate=True)
    assert (beyond.verdict, beyond.difference) == ("mismatch", pytest.approx(0.2))
    assert "up to 150 km vs 180 km" in beyond.message
    nothing = compare(None, None, "km", parse_stated("150 km"))
    assert nothing.verdict == "incomparable"


def test_zero_has_no_relative_difference() -> None:
    same = check((0, None, "count"), "0")
    assert (same.verdict, same.difference) == ("match", 0.0)
    other = check((0, None, "count"), "5")
    assert (other.verdict, other.difference) == ("mismatch", None)
    assert "no relative difference from zero" in other.message
    # However small: zero is only matched by zero, even with a generous tolerance.
    assert check((0, None, "percent"), "0.001%", tolerance=0.5).verdict == "mismatch"
    # A range from zero: inside matches, below zero does not, above is measured from its top.
    assert check((0, 10, "count"), "0").verdict == "match"
    assert check((0, 10, "count"), "-1").difference is None
    assert check((0, 10, "count"), "10.4").verdict == "match"
    # A zero claim checked against a figure with a unit to convert.
    assert check((0, None, "km"), "0 miles").verdict == "match"


def test_negative_figures_compare_by_magnitude() -> None:
    assert check((-5, None, "percent"), "-5.2%").verdict == "match"
    result = check((-5, None, "percent"), "-6%")
    assert (result.verdict, result.difference) == ("mismatch", pytest.approx(0.2))
    assert check((-5, None, "percent"), "5%").verdict == "mismatch"


# --- comparing: units and currencies ----------------------------------------------------------


def test_a_count_compares_with_a_bare_number() -> None:
    assert check((36, None, "count"), "36").verdict == "match"
    assert check((36, None, None), "36 units").verdict == "match"
    assert check((36, None, "count"), "36 ATMOS artillery systems").verdict == "match"
    assert check((36, None, "count"), "38").verdict == "mismatch"
    assert "no unit" not in check((36, None, "count"), "36").message


def test_a_figure_without_a_unit_compares_by_number_and_says_so() -> None:
    result = check((1e9, None, "USD"), "1e9")
    assert result.verdict == "match"
    assert result.message.endswith("the evidence states no unit, so the bare numbers were compared")
    reverse = check((150, None, None), "150 km")
    assert reverse.verdict == "match" and "the claim has no unit" in reverse.message


def test_convertible_units_are_converted() -> None:
    result = check((150, None, "km"), "93 miles")
    assert result.verdict == "match"
    assert result.difference == pytest.approx(1 - 93 * 1.609344 / 150)
    assert "93 miles = 149.7 km" in result.message
    assert check((150, None, "km"), "150,000 m").verdict == "match"
    assert check((1, None, "t"), "2,205 lb").verdict == "match"
    assert check((100, None, "km/h"), "62 mph").verdict == "match"
    assert check((20, None, "°C"), "68 °F").verdict == "match"
    assert check((2, None, "year"), "24 months").verdict == "match"
    assert check((1, None, "GW"), "1,000 MW").verdict == "match"
    far = check((150, None, "km"), "200 miles")
    assert far.verdict == "mismatch"
    assert "200 miles = 321.9 km" in far.message


def test_km_mistaken_for_miles_is_a_unit_confusion() -> None:
    result = check((150, None, "km"), "150 miles")
    assert (result.verdict, result.difference) == ("unit_mismatch", 0.0)
    assert result.message == (
        "unit confusion: the claim is in km, the evidence in miles (150 km = 93.21 miles: "
        "the evidence matches if its unit was mistaken)"
    )
    assert check((5, None, "t"), "5 lb").verdict == "unit_mismatch"
    assert check((36, None, "month"), "36 years").verdict == "unit_mismatch"


def test_currencies_never_convert() -> None:
    same_number = check((1e9, None, "USD"), "MAD 1 billion")
    assert (same_number.verdict, same_number.difference) == ("unit_mismatch", 0.0)
    assert same_number.message.startswith("currency confusion: USD vs MAD")
    assert "no exchange rates are applied" in same_number.message
    assert "the bare numbers match" in same_number.message
    assert "one side may have the wrong currency" in same_number.message
    # 10 billion dirhams is about $1 billion; without exchange rates it is still a confusion.
    other_number = check((1e9, None, "USD"), "10 billion dirhams")
    assert other_number.verdict == "unit_mismatch"
    assert other_number.difference == pytest.approx(9.0)
    assert "the bare numbers differ by 900% as well" in other_number.message
    assert check((5e6, None, "EUR"), "£5m").verdict == "unit_mismatch"


def test_percent_and_percentage_points_do_not_mix() -> None:
    assert check((12, None, "percent"), "12 percent").verdict == "match"
    assert check((12, None, "percent"), "4.1%").verdict == "mismatch"
    result = check((2, None, "percentage point"), "2%")
    assert (result.verdict, result.difference) == ("unit_mismatch", 0.0)
    assert result.message.startswith("percent / percentage-point confusion")


def test_figures_of_different_kinds_are_incomparable() -> None:
    money_count = check((1e9, None, "USD"), "36 units")
    assert (money_count.verdict, money_count.difference) == ("incomparable", None)
    assert "measure different things" in money_count.message
    assert check((150, None, "km"), "150 kg").verdict == "incomparable"
    assert check((12, None, "percent"), "12 km").verdict == "incomparable"
    assert check((3, None, "ordinal"), "3 units").verdict == "incomparable"
    assert compare(5, None, "widgets", Stated(5, None, "widgets", "5 widgets")).verdict == "match"
    assert compare(5, None, "widgets", Stated(5, None, "gadgets", "")).verdict == "incomparable"


# --- comparing: dates -------------------------------------------------------------------------


def test_dates_match_when_the_periods_overlap() -> None:
    july = check((*MID_2024, "date"), "July 2024")
    assert (july.verdict, july.difference) == ("match", None)
    assert july.message == (
        "matches: 2024-07-01 to 2024-07-31 falls within the claim's 2024-04-01 to 2024-09-30"
    )
    assert check((*MID_2024, "date"), "mid-2024").message.startswith("matches exactly")
    assert check((ts(2026, 1, 6), None, "date"), "6 Jan 2026").verdict == "match"
    assert check((ts(2026, 1, 6), None, "date"), "January 2026").verdict == "match"
    assert check((*MID_2024, "date"), "2024").verdict == "match"  # a bare year reads as one


def test_dates_apart_differ_by_days() -> None:
    result = check((*MID_2024, "date"), "January 2025")
    assert result.verdict == "mismatch"
    assert result.message.startswith("differs by 93 days")
    assert check((ts(2026, 1, 6), None, "date"), "7 Jan 2026").message.startswith(
        "differs by 1 day:"
    )
    assert check((*MID_2024, "date"), "2023").verdict == "mismatch"


def test_an_approximate_date_may_be_a_month_off() -> None:
    assert DATE_SLACK_DAYS == 31
    assert check((*MID_2024, "date"), "October 2024").verdict == "mismatch"
    near = check((*MID_2024, "date"), "October 2024", approximate=True)
    assert near.verdict == "match" and "within 31 days" in near.message
    assert check((*MID_2024, "date"), "December 2024", approximate=True).verdict == "mismatch"


def test_dates_and_money_are_incomparable() -> None:
    result = check((*MID_2024, "date"), "$1 billion")
    assert result.verdict == "incomparable"
    assert result.message == "a date cannot be compared with USD 1 billion"
    assert check((1e9, None, "USD"), "mid-2024").verdict == "incomparable"
    assert check((*MID_2024, "date"), "36").verdict == "incomparable"  # not a year


# --- the sample article -----------------------------------------------------------------------


def test_every_figure_of_the_sample_matches_itself_retyped() -> None:
    """Each figure the extractor finds, typed by a reviewer as written, matches its claim."""
    compared = 0
    for found in find_quantities(ARTICLE):
        q = found.quantity
        if q.unit == "ordinal":  # "third meeting": not a value a source states
            continue
        result = compare(
            q.value, q.value_high, q.unit, parse_stated(q.text), approximate=q.approximate
        )
        assert result.verdict == "match", (q, result)
        compared += 1
    assert compared >= 10


def test_the_sample_claims_checked_against_other_reports() -> None:
    money = (1e9, None, "USD")  # "reportedly valued at around $1 billion"
    assert check(money, "$1.1 billion", approximate=True).verdict == "match"
    assert check(money, "$1.2 billion", approximate=True).verdict == "mismatch"
    assert check(money, "MAD 1 billion", approximate=True).verdict == "unit_mismatch"
    rockets = (None, 150.0, "km")  # "ranges up to 150 km"
    assert check(rockets, "93 miles", approximate=True).verdict == "match"
    assert check(rockets, "150 miles", approximate=True).verdict == "unit_mismatch"
    atmos = (36.0, None, "count")  # "36 ATMOS artillery systems"
    assert check(atmos, "36").verdict == "match"
    assert check(atmos, "three dozen").verdict == "match"
    assert check(atmos, "30 howitzers").verdict == "mismatch"


# --- properties -------------------------------------------------------------------------------

NUMERIC_UNITS = sorted(UNITS - {"date"})
magnitudes = st.floats(min_value=1e-6, max_value=1e12, allow_nan=False)
signed = st.builds(lambda m, negative: -m if negative else m, magnitudes, st.booleans())
tolerances = st.floats(min_value=0.001, max_value=0.5)
units = st.one_of(st.none(), st.sampled_from(NUMERIC_UNITS))


@PROPERTIES
@given(
    signed,
    st.one_of(st.none(), magnitudes),
    units,
    st.floats(min_value=0, max_value=0.5),
    st.booleans(),
)
def test_a_stated_value_equal_to_the_claim_always_matches(
    value: float, width: float | None, unit: str | None, tolerance: float, approximate: bool
) -> None:
    high = None if width is None else value + width
    stated = Stated(value, high, unit, "")
    result = compare(value, high, unit, stated, tolerance=tolerance, approximate=approximate)
    assert (result.verdict, result.difference) == ("match", 0.0)
    # A single figure inside the range, too.
    inside = Stated(value if high is None else (value + high) / 2, None, unit, "")
    assert compare(value, high, unit, inside, tolerance=tolerance).verdict == "match"


@PROPERTIES
@given(st.integers(min_value=0, max_value=4_000_000_000), st.integers(0, 400), st.booleans())
def test_an_equal_date_always_matches(start: int, days: int, approximate: bool) -> None:
    high = None if days == 0 else start + days * 86400 - 1
    stated = Stated(float(start), None if high is None else float(high), "date", "")
    result = compare(start, high, "date", stated, approximate=approximate)
    assert result.verdict == "match"


@PROPERTIES
@given(signed, st.one_of(st.none(), magnitudes), units, tolerances, st.booleans())
def test_scaling_by_one_plus_twice_the_tolerance_always_mismatches(
    value: float, width: float | None, unit: str | None, tolerance: float, approximate: bool
) -> None:
    high = None if width is None else value + width
    effective = tolerance * (APPROXIMATE_FACTOR if approximate else 1)
    # Scale the end that moves away from the range: the top when positive, the bottom when not.
    end = value if high is None else (high if high > 0 else value)
    assume(end != 0)
    stated = Stated(end * (1 + 2 * effective), None, unit, "")
    result = compare(value, high, unit, stated, tolerance=tolerance, approximate=approximate)
    assert result.verdict == "mismatch"
    assert result.difference == pytest.approx(2 * effective)


@PROPERTIES
@given(signed, units, tolerances)
def test_within_the_tolerance_always_matches(
    value: float, unit: str | None, tolerance: float
) -> None:
    stated = Stated(value * (1 + tolerance * 0.99), None, unit, "")
    assert compare(value, None, unit, stated, tolerance=tolerance).verdict == "match"


@PROPERTIES
@given(
    st.one_of(st.floats(min_value=-1e15, max_value=1e15), st.integers(-(10**9), 10**9)),
    st.one_of(st.none(), st.floats(min_value=0, max_value=1e9)),
    st.sampled_from(sorted(UNITS | {"XOF"})),
    st.booleans(),
)
def test_to_text_reads_back_as_the_same_figure(
    value: float, width: float | None, unit: str, approximate: bool
) -> None:
    value = float(value)
    if unit == "date":
        value = abs(value) % 4e9
        width = None if width is None else float(int(width) // 86400 * 86400 + 86399)
    high = None if width is None or width == 0 else value + width
    assume(high is None or high > value)
    if unit == "XOF":  # a currency code this module does not know reads back only on display
        assert to_text(Stated(value, high, unit, "")).startswith("XOF ")
        return
    stated = Stated(value, high, unit, "", approximate)
    text = to_text(stated)
    again = parse_stated(text)
    assert (again.unit, again.approximate) == (unit, approximate)
    if unit == "date":
        # Dates display to the day.
        assert abs(again.value - value) < 86400
        return
    assert again.value == pytest.approx(value, rel=1e-5, abs=1e-9)
    if high is None:
        assert again.value_high is None or again.value_high == pytest.approx(value, rel=1e-5)
    else:
        assert again.value_high == pytest.approx(high, rel=1e-5, abs=1e-9) or (
            again.value_high is None and high == pytest.approx(value, rel=1e-5)
        )


@PROPERTIES
@given(st.text(max_size=40))
def test_parse_stated_reads_a_finite_figure_or_refuses(text: str) -> None:
    try:
        stated = parse_stated(text)
    except ValueError as error:
        assert str(error)
        return
    assert math.isfinite(stated.value)
    assert stated.value_high is None or stated.value_high >= stated.value


@PROPERTIES
@given(st.builds(Stated, signed, st.none(), units, st.just("")), signed, units)
def test_every_verdict_is_one_of_the_four(stated: Stated, value: float, unit: str | None) -> None:
    result = compare(value, None, unit, stated)
    assert result.verdict in VERDICTS
    assert result.message
    assert result.difference is None or result.difference >= 0
