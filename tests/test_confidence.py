"""The suggested confidence (claims/confidence.py): the README's numbers, then its promises as
properties (monotone, bounded, independent of order). Pure functions only: no database."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claims.confidence import QUOTE_FACTOR, STANCE_SHARE, Item, support, weight
from claims.models import QUOTE_STATES
from claims.models import STANCES as MODEL_STANCES

STANCES = ("supports", "refutes", "mixed", "context")
QUOTES = ("not_found", "no_snapshot", "verified")  # from weakest to strongest
RATINGS = (1, 2, 3, 4, 5)

# Modest, and nothing written to .hypothesis/.
PROPERTIES = settings(max_examples=200, database=None, deadline=None)

reliabilities = st.one_of(st.none(), st.sampled_from(RATINGS))
quotes = st.sampled_from(QUOTES)
items = st.builds(
    Item, stance=st.sampled_from(STANCES), reliability=reliabilities, quote_verified=quotes
)
evidence = st.lists(items, max_size=12)


def effective(reliability: int | None) -> int:
    """Reliability as the formula reads it: unrated counts as 3."""
    return 3 if reliability is None else reliability


def supporting(reliability: int | None = 5, quote: str = "verified") -> Item:
    return Item("supports", reliability, quote)


def refuting(reliability: int | None = 5, quote: str = "verified") -> Item:
    return Item("refutes", reliability, quote)


def test_the_formula_reads_every_stance_and_quote_state_the_models_allow():
    assert set(STANCE_SHARE) | {"context"} == set(MODEL_STANCES) == set(STANCES)
    assert set(QUOTE_FACTOR) == set(QUOTE_STATES) == set(QUOTES)


# --- the documented numbers -----------------------------------------------------------------


def test_no_evidence_is_an_even_share():
    found = support([])
    assert (found.supporting, found.refuting, found.items) == (0, 0, ())
    assert found.share == 0.5


def test_one_verified_item_from_a_most_reliable_source():
    found = support([supporting(5, "verified")])
    assert (found.supporting, found.refuting) == (1, 0)
    assert found.share == pytest.approx(2 / 3)
    assert found.items[0].weight == 1


def test_unrated_counts_as_three():
    for quote in QUOTES:
        assert weight(None, quote) == weight(3, quote)
    assert weight(None, "verified") == pytest.approx(0.6)


@pytest.mark.parametrize(
    ("quote", "factor"), [("verified", 1), ("no_snapshot", 0.75), ("not_found", 0.5)]
)
@pytest.mark.parametrize("reliability", RATINGS)
def test_weight_is_reliability_over_five_times_the_quote_factor(reliability, quote, factor):
    assert weight(reliability, quote) == pytest.approx(reliability / 5 * factor)


@pytest.mark.parametrize("reliability", [None, *RATINGS])
@pytest.mark.parametrize("quote", QUOTES)
def test_a_mixed_item_splits_its_weight_half_and_half(reliability, quote):
    w = weight(reliability, quote)
    found = support([Item("mixed", reliability, quote)])
    assert found.supporting == pytest.approx(w / 2)
    assert found.refuting == pytest.approx(w / 2)
    assert found.items[0].supports == found.items[0].refutes == pytest.approx(w / 2)
    assert found.share == pytest.approx(0.5)


@pytest.mark.parametrize("reliability", [None, *RATINGS])
@pytest.mark.parametrize("quote", QUOTES)
def test_context_counts_for_nothing(reliability, quote):
    found = support([Item("context", reliability, quote)])
    assert (found.supporting, found.refuting, found.share) == (0, 0, 0.5)
    assert found.items[0].weight == found.items[0].supports == found.items[0].refutes == 0
    others = [supporting(4, "not_found"), refuting(2, "no_snapshot")]
    assert support([*others, Item("context", reliability, quote)]).share == support(others).share


def test_supporting_and_refuting_add_up():
    found = support([supporting(5, "verified"), supporting(None, "not_found"), refuting(2)])
    assert found.supporting == pytest.approx(1 + 0.3)
    assert found.refuting == pytest.approx(0.4)
    assert found.share == pytest.approx(2.3 / 3.7)


# --- suggest(): where the rating sits on the scale ------------------------------------------


@pytest.mark.parametrize(
    ("evidence_items", "p"),
    [
        ([], 1 / 2),
        ([supporting()], 2 / 3),
        ([refuting()], 1 / 3),
        ([supporting(), supporting(), supporting()], 4 / 5),
        ([refuting(1, "not_found")], 1 / 2.1),
    ],
)
def test_suggest_follows_the_scale(evidence_items, p):
    found = support(evidence_items)
    assert found.share == pytest.approx(p)
    assert found.suggest(5) == found.suggest(4) == round(100 * p)
    assert found.suggest(1) == found.suggest(2) == round(100 * (1 - p))
    assert found.suggest(3) == round(100 * (1 - abs(2 * p - 1)))
    assert found.suggest(None) is None


def test_suggest_worked_numbers():
    found = support([supporting()])  # p = 2/3
    assert [found.suggest(n) for n in (1, 2, 3, 4, 5)] == [33, 33, 67, 67, 67]
    nothing = support([])  # p = 1/2: nothing to go on either way, "half true" most likely
    assert [nothing.suggest(n) for n in (1, 2, 3, 4, 5)] == [50, 50, 100, 50, 50]


# --- properties -------------------------------------------------------------------------------


@PROPERTIES
@given(evidence, reliabilities, quotes)
def test_adding_a_supporting_item_never_lowers_the_share(found, reliability, quote):
    before = support(found).share
    assert support([*found, supporting(reliability, quote)]).share >= before


@PROPERTIES
@given(evidence, reliabilities, quotes)
def test_adding_a_refuting_item_never_raises_the_share(found, reliability, quote):
    before = support(found).share
    assert support([*found, refuting(reliability, quote)]).share <= before


@PROPERTIES
@given(evidence, st.data(), reliabilities, reliabilities, quotes)
def test_a_more_reliable_supporting_source_never_lowers_the_share(found, data, a, b, quote):
    low, high = sorted((a, b), key=effective)
    at = data.draw(st.integers(0, len(found)), label="position")
    weaker = support([*found[:at], supporting(low, quote), *found[at:]]).share
    stronger = support([*found[:at], supporting(high, quote), *found[at:]]).share
    assert stronger >= weaker


@PROPERTIES
@given(evidence, reliabilities, reliabilities, quotes)
def test_a_more_reliable_refuting_source_never_raises_the_share(found, a, b, quote):
    low, high = sorted((a, b), key=effective)
    weaker = support([*found, refuting(low, quote)]).share
    stronger = support([*found, refuting(high, quote)]).share
    assert stronger <= weaker


@PROPERTIES
@given(evidence, reliabilities)
def test_a_better_checked_supporting_quote_never_lowers_the_share(found, reliability):
    # not_found -> no_snapshot -> verified
    shares = [support([*found, supporting(reliability, quote)]).share for quote in QUOTES]
    assert shares == sorted(shares)


@PROPERTIES
@given(evidence)
def test_the_share_is_strictly_between_nought_and_one(found):
    assert 0 < support(found).share < 1


@PROPERTIES
@given(evidence, st.sampled_from(RATINGS))
def test_the_suggestion_is_a_whole_percentage(found, numeric):
    suggested = support(found).suggest(numeric)
    assert isinstance(suggested, int)
    assert 0 <= suggested <= 100


@PROPERTIES
@given(st.lists(st.sampled_from([supporting(), refuting()]), max_size=60))
def test_the_share_stays_inside_the_bounds_with_much_evidence(found):
    assert 0 < support(found).share < 1


@PROPERTIES
@given(evidence, st.data())
def test_the_order_of_the_items_does_not_change_the_result(found, data):
    shuffled = data.draw(st.permutations(found), label="shuffled")
    before, after = support(found), support(shuffled)
    assert (after.supporting, after.refuting, after.share) == (
        before.supporting,
        before.refuting,
        before.share,
    )
    for numeric in (None, *RATINGS):
        assert after.suggest(numeric) == before.suggest(numeric)
