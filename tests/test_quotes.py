"""claims.quotes: an excerpt is found in a snapshot's text whatever its typography."""

from __future__ import annotations

import string
import time

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from claims.quotes import excerpt_parts, normalize_for_match, quote_in_text

PAGE = (
    "The minister said on Tuesday: \u201cThe economy is growing \u2014 faster than "
    "anyone expected.\u201d\n\nCritics disagreed.\u00a0\u2018It\u2019s a mirage,\u2019 "
    "said Dr.\u202fJane O\u2019Neil, an economist at the Institute for Fiscal "
    "Stud\u00adies. Unemployment fell to 4.1\u202f% in the year to March\u200b, "
    "the statistics office reported."
)
TEXT = normalize_for_match(PAGE)


@pytest.mark.parametrize(
    ("text", "normalized"),
    [
        ("  Hello   World  ", "hello world"),
        (
            "\u201cQuoted\u201d \u2018single\u2019 \u201edown\u201f \u201aold\u201b",
            "\"quoted\" 'single' \"down\" 'old'",
        ),
        ("\u00abguillemets\u00bb \u2039single\u203a", "\"guillemets\" 'single'"),
        ("5\u2032 11\u2033, `tick\u00b4", "5' 11\", 'tick'"),
        (
            "a\u2010b\u2011c\u2012d\u2013e\u2014f\u2015g\u2212h\ufe58i\ufe63j\uff0dk",
            "a-b-c-d-e-f-g-h-i-j-k",
        ),
        ("soft\u00adhy\u00adphen", "softhyphen"),
        ("zero\u200bwidth\u200cjoin\u200dword\u2060joiner\ufeffbom", "zerowidthjoinwordjoinerbom"),
        (
            "non\u00a0breaking\u202fnarrow\u2009thin\u3000ideographic",
            "non breaking narrow thin ideographic",
        ),
        ("line\r\nbreaks\n\n\tand\ttabs", "line breaks and tabs"),
        ("STRASSE Stra\u00dfe", "strasse strasse"),
        ("\uff26\uff55\uff4c\uff4c\uff57\uff49\uff44\uff54\uff48 \ufb01ne", "fullwidth fine"),
        ("Ellipsis\u2026", "ellipsis..."),
        ("", ""),
        (" \u00a0\u200b ", ""),
    ],
)
def test_normalize_for_match(text, normalized):
    assert normalize_for_match(text) == normalized


def test_normalize_for_match_is_idempotent():
    assert normalize_for_match(TEXT) == TEXT


@pytest.mark.parametrize(
    ("excerpt", "parts"),
    [
        ("The economy is growing", ["the economy is growing"]),
        ("\u201cThe economy is growing\u201d", ["the economy is growing"]),
        ("'It\u2019s a mirage,'", ["it's a mirage,"]),
        ("first ... second", ["first", "second"]),
        ("first\u2026second", ["first", "second"]),
        ("first [...] second [\u2026] third (...) fourth", ["first", "second", "third", "fourth"]),
        ("first . . . second", ["first", "second"]),
        ("\u201cfirst \u2026\u201d \u201c\u2026 second\u201d", ["first", "second"]),
        ("\u2026 starts mid-sentence", ["starts mid-sentence"]),
        ("ends mid-sentence \u2026", ["ends mid-sentence"]),
        ("", []),
        ("   ", []),
        ("...", []),
        ("\u201c\u2026\u201d", []),
        ("\u201c \u201d", []),
    ],
)
def test_excerpt_parts(excerpt, parts):
    assert excerpt_parts(excerpt) == parts


@pytest.mark.parametrize(
    ("excerpt", "found"),
    [
        # Curly and straight quotes, either way round.
        ('"The economy is growing - faster than anyone expected."', True),
        ("\u2018It's a mirage,\u2019 said Dr. Jane O'Neil", True),
        ("It\u2019s a mirage", True),
        # Em dash in the page, hyphen, en dash or minus in the excerpt.
        ("growing - faster", True),
        ("growing \u2013 faster", True),
        ("growing \u2212 faster", True),
        # Case.
        ("THE ECONOMY IS GROWING", True),
        ("the minister said on tuesday", True),
        # Non-breaking spaces and line breaks on either side.
        ("Critics disagreed. 'It's", True),
        ("Critics\ndisagreed.\r\n\u2018It\u2019s", True),
        ("Dr. Jane", True),
        ("4.1 % in the year", True),
        ("4.1\u00a0% in the year", True),
        # A soft hyphen or zero-width space in the page (or the excerpt) does not count.
        ("Institute for Fiscal Studies", True),
        ("Institute for Fiscal Stud\u00adies", True),
        ("to March, the statistics", True),
        # Elisions: every part, in order.
        ("The minister said [\u2026] the economy is growing", True),
        ("The minister said\u2026 faster than anyone expected.\u2026 Critics disagreed.", True),
        ("\u201cThe economy is growing (...) expected.\u201d", True),
        ("minister ... minister", False),
        ("Critics disagreed ... The minister said", False),
        ("the statistics office reported [...] Unemployment fell", False),
        # Parts may not overlap, even when each occurs.
        ("the economy is growing ... growing", False),
        # Absent, almost right, or empty.
        ("The economy is shrinking", False),
        ("The economy is growing fast", False),
        ("Unemployment fell to 4.2 %", False),
        ("", False),
        ("   ", False),
        ("\u2026", False),
        ("[...]", False),
        ("\u201c\u201d", False),
    ],
)
def test_quote_in_text(excerpt, found):
    assert quote_in_text(excerpt, TEXT) is found


def test_quote_in_text_expects_a_normalized_text():
    assert not quote_in_text("the economy", "The Economy")
    assert quote_in_text("the economy", normalize_for_match("The Economy"))


def test_a_repeated_part_needs_two_occurrences():
    text = normalize_for_match("Yes, we can. Yes, we will.")
    assert quote_in_text("Yes, we can ... Yes, we will", text)
    assert quote_in_text("yes ... yes", text)
    assert not quote_in_text("yes ... yes ... yes", text)


def test_multi_megabyte_text_is_quick():
    filler = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 100_000
    page = f"\u201cOpening words\u201d {filler} The closing\u00a0words \u2014 at last."
    started = time.perf_counter()
    text = normalize_for_match(page)
    assert quote_in_text('"opening words" [...] the closing words - at last', text)
    assert not quote_in_text("the closing words ... opening words", text)
    assert not quote_in_text(
        "lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 3 + "x", text
    )
    assert time.perf_counter() - started < 5


# Characters whose case folds back to themselves, so re-casing never changes a match.
ALPHABET = (
    string.ascii_letters
    + string.digits
    + " \n\t\u00a0\u202f.,;:!?'\"-()[]\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u00ad\u200b"
    + "\u00e9\u00fc\u00df\u00c7"
)


@settings(max_examples=300, deadline=None, database=None)
@given(
    text=st.text(alphabet=ALPHABET, max_size=200),
    data=st.data(),
    recase=st.sampled_from([str.upper, str.lower, str.swapcase, str.title]),
)
def test_any_substring_recased_and_rewrapped_is_found(text, data, recase):
    start = data.draw(st.integers(0, len(text)), label="start")
    end = data.draw(st.integers(start, len(text)), label="end")
    excerpt = recase(text[start:end]).replace(" ", "\n")
    assume(excerpt_parts(excerpt))
    assert quote_in_text(excerpt, normalize_for_match(text))
