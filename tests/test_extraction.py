"""claims.extraction: sentences, figures, attribution, check-worthiness and the sample article."""

from __future__ import annotations

import ast
import random
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from claims import extraction
from claims.extraction import (
    ExtractedClaim,
    extract,
    find_quantities,
    score_sentence,
    split_sentences,
    to_json,
)
from claims.extraction.attribution import find_attribution, is_hedged
from claims.extraction.evaluate import main as evaluate_main
from claims.extraction.evaluate import measure
from claims.models import CLAIM_KINDS, QUOTE_MAX, STATEMENT_MAX

SHARED = Path(__file__).resolve().parents[2] / "shared"
SAMPLE = SHARED / "samples" / "israel-morocco-military-work-plan.txt"
CLAIMBUSTER = SHARED / "data" / "claimbuster" / "kfold_25ncs.csv"
PACKAGE = Path(__file__).resolve().parents[1] / "claims" / "extraction"


def ts(year: int, month: int, day: int, end_of_day: bool = False) -> float:
    """A UTC timestamp at the start (or the last second) of a day."""
    return datetime(year, month, day, tzinfo=UTC).timestamp() + (86399 if end_of_day else 0)


def assert_anchored(text: str, claim: ExtractedClaim) -> None:
    """The W3C TextQuoteSelector invariant: quote, prefix and suffix are the text's own."""
    assert text[claim.start : claim.end] == claim.quote
    assert claim.end > claim.start and claim.quote == claim.quote.strip()
    assert text[claim.start - len(claim.prefix) : claim.start] == claim.prefix
    assert text[claim.end : claim.end + len(claim.suffix)] == claim.suffix
    assert len(claim.prefix) == min(32, claim.start)
    assert len(claim.suffix) == min(32, len(text) - claim.end)
    assert claim.quote in claim.sentence and claim.sentence in text
    assert 0 <= claim.checkworthiness <= 1
    assert claim.kind in CLAIM_KINDS


# --- sentences --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("One. Two.", ["One.", "Two."]),
        ("Mr. Smith met Dr. Jones. They talked.", ["Mr. Smith met Dr. Jones.", "They talked."]),
        (
            "Gen. Smith spoke on Jan. 6 in Rabat. It rained.",
            ["Gen. Smith spoke on Jan. 6 in Rabat.", "It rained."],
        ),
        ("The U.S. Army agreed. It was late.", ["The U.S. Army agreed.", "It was late."]),
        ("He moved to the U.S. The move was hard.", ["He moved to the U.S.", "The move was hard."]),
        (
            "J. R. R. Tolkien wrote it. Fans loved it.",
            ["J. R. R. Tolkien wrote it.", "Fans loved it."],
        ),
        ("Growth was 3.5 percent. Prices rose.", ["Growth was 3.5 percent.", "Prices rose."]),
        ('He said "stop." Then he left.', ['He said "stop."', "Then he left."]),
        ("It was “a key partner.” Rabat agreed.", ["It was “a key partner.”", "Rabat agreed."]),
        ("Why? Because. Yes!", ["Why?", "Because.", "Yes!"]),
        ("She asked “why?” and left.", ["She asked “why?” and left."]),
        ("A headline without a period\nThe body.", ["A headline without a period", "The body."]),
        ("First paragraph\n\nSecond paragraph", ["First paragraph", "Second paragraph"]),
        ("Line one, no stop\r\nline two.", ["Line one, no stop", "line two."]),
        ("See No. 5 and p. 12 for details.", ["See No. 5 and p. 12 for details."]),
        ("e.g. this one. And that.", ["e.g. this one.", "And that."]),
        ("Wait... Then it came.", ["Wait...", "Then it came."]),
        ("  padded sentence.   ", ["padded sentence."]),
        ("", []),
        (" \t\n\r\n ", []),
    ],
)
def test_split_sentences(text: str, sentences: list[str]) -> None:
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == sentences
    assert spans == sorted(spans)


def test_sentences_never_cross_a_line() -> None:
    text = "Mr.\nSmith. Dr\nJones"
    for start, end in split_sentences(text):
        assert "\n" not in text[start:end]


# --- quantities -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "quote", "kind", "value", "high", "unit", "approximate"),
    [
        ("valued at around $1 billion, for", "$1 billion", "money", 1e9, None, "USD", True),
        ("a €5m grant", "€5m", "money", 5e6, None, "EUR", False),
        ("a £3bn deal", "£3bn", "money", 3e9, None, "GBP", False),
        ("paid 500 million dirhams to", "500 million dirhams", "money", 5e8, None, "MAD", False),
        ("five million euros", "five million euros", "money", 5e6, None, "EUR", False),
        ("US$ 1.2bn", "US$ 1.2bn", "money", 1.2e9, None, "USD", False),
        ("MAD 40 million", "MAD 40 million", "money", 4e7, None, "MAD", False),
        ("3 million pounds", "3 million pounds", "money", 3e6, None, "GBP", False),
        ("it weighs 200 pounds", "200 pounds", "quantity", 200, None, "lb", False),
        ("rose 12% last year", "12%", "percentage", 12, None, "percent", False),
        ("rose 12 percent", "12 percent", "percentage", 12, None, "percent", False),
        ("fifty-five per cent", "fifty-five per cent", "percentage", 55, None, "percent", False),
        ("less than 3%", "3%", "percentage", None, 3, "percent", True),
        (
            "bought 36 ATMOS artillery systems and",
            "36 ATMOS artillery systems",
            "count",
            36,
            None,
            "count",
            False,
        ),
        (
            "of two Ofek 13-class military reconnaissance satellites.",
            "two Ofek 13-class military reconnaissance satellites",
            "count",
            2,
            None,
            "count",
            False,
        ),
        ("thirty-six people died", "thirty-six people", "count", 36, None, "count", False),
        ("1.2 million people live", "1.2 million people", "count", 1.2e6, None, "count", False),
        ("1,200 troops", "1,200 troops", "count", 1200, None, "count", False),
        (
            "two hundred and fifty soldiers",
            "two hundred and fifty soldiers",
            "count",
            250,
            None,
            "count",
            False,
        ),
        ("more than 100 people", "100 people", "count", 100, None, "count", True),
        ("some 40 people", "40 people", "count", 40, None, "count", True),
        ("30-40 people", "30-40 people", "count", 30, 40, "count", False),
        ("between 30 and 40 people", "30 and 40 people", "count", 30, 40, "count", False),
        ("306 mm guided rockets", "306 mm", "quantity", 306, None, "mm", False),
        ("a 306-mm rocket", "306-mm", "quantity", 306, None, "mm", False),
        ("ranges up to 150 km and", "150 km", "quantity", None, 150, "km", True),
        ("5-10 km", "5-10 km", "quantity", 5, 10, "km", False),
        ("Five years after", "Five years", "quantity", 5, None, "year", False),
        ("2 million barrels of oil", "2 million barrels", "quantity", 2e6, None, "bbl", False),
        ("the third meeting of", "third meeting", "ordinal", 3, None, "ordinal", False),
        (
            "the second largest economy",
            "second largest economy",
            "ordinal",
            2,
            None,
            "ordinal",
            False,
        ),
        ("late 2020.", "late 2020", "date", ts(2020, 9, 1), ts(2020, 12, 31, True), "date", False),
        (
            "at the end of 2023,",
            "end of 2023",
            "date",
            ts(2023, 10, 1),
            ts(2023, 12, 31, True),
            "date",
            False,
        ),
        ("in mid-2024.", "mid-2024", "date", ts(2024, 4, 1), ts(2024, 9, 30, True), "date", False),
        ("early 2021", "early 2021", "date", ts(2021, 1, 1), ts(2021, 4, 30, True), "date", False),
        (
            "a work plan for 2026 during",
            "2026",
            "date",
            ts(2026, 1, 1),
            ts(2026, 12, 31, True),
            "date",
            False,
        ),
        ("6 Jan 2026 09:24", "6 Jan 2026", "date", ts(2026, 1, 6), None, "date", False),
        (
            "on January 6, 2026, they",
            "January 6, 2026",
            "date",
            ts(2026, 1, 6),
            None,
            "date",
            False,
        ),
        (
            "in November of 1975",
            "November of 1975",
            "date",
            ts(1975, 11, 1),
            ts(1975, 11, 30, True),
            "date",
            False,
        ),
        ("in Q3 2024", "Q3 2024", "date", ts(2024, 7, 1), ts(2024, 9, 30, True), "date", False),
        (
            "the late 1990s",
            "late 1990s",
            "date",
            ts(1997, 1, 1),
            ts(1999, 12, 31, True),
            "date",
            False,
        ),
        (
            "from 2020-2024",
            "2020-2024",
            "date",
            ts(2020, 1, 1),
            ts(2024, 12, 31, True),
            "date",
            False,
        ),
        ("on 2024-01-06", "2024-01-06", "date", ts(2024, 1, 6), None, "date", False),
        ("around 2020", "2020", "date", ts(2020, 1, 1), ts(2020, 12, 31, True), "date", True),
    ],
)
def test_quantities(
    text: str,
    quote: str,
    kind: str,
    value: float | None,
    high: float | None,
    unit: str,
    approximate: bool,
) -> None:
    found = find_quantities(text)
    assert len(found) == 1, found
    match = found[0]
    assert text[match.start : match.end] == quote
    assert match.kind == kind
    q = match.quantity
    assert (q.value, q.value_high, q.unit, q.approximate) == (value, high, unit, approximate)
    assert q.text in quote


@pytest.mark.parametrize(
    "text",
    [
        "the Barak-8 and F-35 jets",  # designators
        "Ofek 13-class satellites",
        "one-way attack drones",
        "at 09:24 or 10:30 am",  # times
        "on 9/11",
        "Article 51 of the Charter",
        "the two governments",  # a definite count refers back, it is no new figure
        "at first, and first of all",
        "amid the talks",
        "one person",
    ],
)
def test_not_figures(text: str) -> None:
    assert find_quantities(text) == []


# --- attribution and hedges -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "attribution", "hedged"),
    [
        (
            "The two sides signed a plan, held this week in Tel Aviv, the Israeli occupation's "
            "military command announced.",
            "the Israeli occupation's military command",
            False,
        ),
        (
            "According to the occupation's military, the talks were led by the Planning Directorate.",
            "the occupation's military",
            True,
        ),
        (
            "The Israeli military said the meeting marked another milestone.",
            "The Israeli military",
            False,
        ),
        ("Israeli media reports note several major purchases.", "Israeli media reports", False),
        ('"We will win," said the minister.', "the minister", False),
        ("Prices rose, according to Reuters.", "Reuters", True),
        ("As reported by Reuters, prices rose.", "Reuters", False),
        ("Rabat has reportedly bought 36 systems.", None, True),
        ("The general allegedly took bribes.", None, True),
        ("The plant is believed to produce drones.", None, True),
        ("Morocco bought 36 systems in 2023.", None, False),
        (
            "At the center of the talks was a panel the military described as strategic.",
            None,
            False,
        ),
    ],
)
def test_attribution_and_hedges(sentence: str, attribution: str | None, hedged: bool) -> None:
    assert find_attribution(sentence) == attribution
    assert is_hedged(sentence) is hedged


@pytest.mark.parametrize(
    ("text", "quote", "hedged"),
    [
        ("Morocco paid around $1 billion for it.", "$1 billion", True),
        ("Morocco paid about 36 million dirhams.", "36 million dirhams", True),
        ("Morocco paid $1 billion for it.", "$1 billion", False),
        ("Morocco bought up to 150 km of fence.", "150 km", False),
        ("Morocco reportedly paid $1 billion.", "$1 billion", True),
    ],
)
def test_approximators_hedge_their_figure(text: str, quote: str, hedged: bool) -> None:
    claim = next(c for c in extract(text) if c.quote == quote)
    assert claim.hedged is hedged


# --- check-worthiness -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "weaker",
    ["What do you think?", "I love this country.", "Thank you.", "We will do better.", "Wow!"],
)
def test_score_ranks_facts_above_opinion_and_filler(weaker: str) -> None:
    fact = "The contract was valued at $1 billion in 2023."
    assert score_sentence(fact) >= extraction.CHECKWORTHY > score_sentence(weaker)


@pytest.mark.parametrize(
    "sentence", ["", "?", "🎉", "\x00", "I", "a" * 5000, "1 " * 3000, "The " * 2000 + "."]
)
def test_score_is_a_probability(sentence: str) -> None:
    assert 0.0 <= score_sentence(sentence) <= 1.0


# --- the sample article -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample() -> str:
    if not SAMPLE.is_file():
        pytest.skip(f"{SAMPLE} is missing")
    return SAMPLE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def sample_claims(sample: str) -> list[ExtractedClaim]:
    return extract(sample)


@pytest.mark.parametrize(
    ("quote", "kind", "value", "high", "unit", "approximate", "hedged"),
    [
        ("$1 billion", "money", 1e9, None, "USD", True, True),
        (
            "two Ofek 13-class military reconnaissance satellites",
            "count",
            2,
            None,
            "count",
            False,
            True,
        ),
        ("36 ATMOS artillery systems", "count", 36, None, "count", False, True),
        ("306 mm", "quantity", 306, None, "mm", False, True),
        ("150 km", "quantity", None, 150, "km", True, True),
        ("late 2020", "date", ts(2020, 9, 1), ts(2020, 12, 31, True), "date", False, False),
        ("end of 2023", "date", ts(2023, 10, 1), ts(2023, 12, 31, True), "date", False, False),
        ("mid-2024", "date", ts(2024, 4, 1), ts(2024, 9, 30, True), "date", False, False),
        ("third meeting", "ordinal", 3, None, "ordinal", False, False),
        ("Five years", "quantity", 5, None, "year", False, False),
    ],
)
def test_sample_figures_are_claims_of_their_own(
    sample_claims: list[ExtractedClaim],
    quote: str,
    kind: str,
    value: float | None,
    high: float | None,
    unit: str,
    approximate: bool,
    hedged: bool,
) -> None:
    matching = [c for c in sample_claims if c.quote == quote]
    assert len(matching) == 1, [c.quote for c in sample_claims]
    claim = matching[0]
    assert claim.kind == kind
    assert claim.hedged is hedged
    assert len(claim.quantities) == 1
    q = claim.quantities[0]
    assert (q.value, q.value_high, q.unit, q.approximate) == (value, high, unit, approximate)
    assert claim.statement.startswith(" ".join(claim.sentence.split())[:40])


def test_sample_work_plan_year(sample: str, sample_claims: list[ExtractedClaim]) -> None:
    years = [c for c in sample_claims if c.quote == "2026" and c.kind == "date"]
    assert len(years) == 2  # the standfirst's "work plan for 2026" and the lede's
    lede = next(c for c in years if "third meeting" in c.sentence)
    assert lede.prefix.endswith("work plan for ")
    assert lede.attribution == "the Israeli occupation's military command"
    assert lede.quantities[0].value == ts(2026, 1, 1)


@pytest.mark.parametrize(
    ("words", "kinds"),
    [
        ("held this week in Tel Aviv", {"place"}),
        (
            "BlueBird, a subsidiary of Israel Aerospace Industries (IAI), inaugurated a factory in Benslimane",
            {"place", "entity"},
        ),
        ("the Barak-8 and Barak MX air defense systems, Rafael’s Spider", {"entity", "statement"}),
        (
            "the talks were led by the Israeli occupation forces' Planning Directorate",
            {"entity", "statement"},
        ),
        ("The Israeli military said the meeting marked another milestone", {"entity", "statement"}),
    ],
)
def test_sample_statements_are_claims(
    sample_claims: list[ExtractedClaim], words: str, kinds: set[str]
) -> None:
    claim = next((c for c in sample_claims if words in c.quote), None)
    assert claim is not None, words
    assert claim.kind in kinds
    assert claim.checkworthiness >= extraction.CHECKWORTHY


def test_sample_attributions(sample_claims: list[ExtractedClaim]) -> None:
    talks = next(c for c in sample_claims if "talks were led" in c.quote)
    assert talks.attribution == "the occupation's military"
    assert talks.hedged
    said = next(c for c in sample_claims if c.quote.startswith("The Israeli military said"))
    assert said.attribution == "The Israeli military"
    reports = next(c for c in sample_claims if c.quote.startswith("Israeli media reports"))
    assert reports.attribution == "Israeli media reports"


def test_sample_invariants_and_order(sample: str, sample_claims: list[ExtractedClaim]) -> None:
    assert len(sample_claims) >= 20
    for claim in sample_claims:
        assert_anchored(sample, claim)
    starts = [c.start for c in sample_claims]
    assert starts == sorted(starts)


def test_sample_furniture_makes_no_claims(sample: str, sample_claims: list[ExtractedClaim]) -> None:
    furniture = ["No comments:", "Post a Comment", "By Al Mayadeen English", "6 Jan 2026 09:24"]
    for line in furniture:
        start = sample.index(line)
        end = start + len(line)
        assert not [c for c in sample_claims if c.start < end and c.end > start], line
    # Section headings name no facts of their own.
    assert not [c for c in sample_claims if "A wider pivot" in c.sentence]


def test_sample_headline_is_a_weak_claim(sample: str, sample_claims: list[ExtractedClaim]) -> None:
    headline = sample.splitlines()[0]
    claim = sample_claims[0]
    assert (claim.quote, claim.kind) == (headline, "statement")
    assert claim.checkworthiness < extraction.CHECKWORTHY


def test_sample_to_json(sample_claims: list[ExtractedClaim]) -> None:
    money = to_json(next(c for c in sample_claims if c.kind == "money"))
    assert set(money) == {
        "quote", "start", "end", "prefix", "suffix", "sentence", "statement", "kind",
        "checkworthiness", "attribution", "hedged", "quantities",
    }  # fmt: skip
    assert money["quantities"] == [
        {"text": "$1 billion", "value": 1e9, "value_high": None, "unit": "USD", "approximate": True}
    ]


# --- exact offsets on awkward text ------------------------------------------------------------


def test_crlf_and_curly_quotes_keep_offsets() -> None:
    text = (
        "Morocco’s “deal” was signed in Rabat.\r\n\r\n"
        "It was valued at around $1 billion, officials said.\r\n"
        "“Israel” and Morocco signed it in mid-2024 — reportedly — with 36 ATMOS systems.\r\n"
        "Les négociations ont coûté 500 million dirhams à l’État.\r\n"
    )
    claims = extract(text)
    quotes = [c.quote for c in claims]
    assert {"$1 billion", "mid-2024", "36 ATMOS systems", "500 million dirhams"} <= set(quotes)
    for claim in claims:
        assert_anchored(text, claim)
        assert "\r" not in claim.quote and "\n" not in claim.quote
    money = next(c for c in claims if c.quote == "$1 billion")
    assert money.attribution == "officials"


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "\n\n\r\n\t",
        "🎉🎉🎉",
        "\x00",
        "\x00 36 systems \x00",
        "İstanbul saw 36 drones in mid-2024.",
        "$",
        "$$$ 1 2 3 % %",
        "....!!!???",
        "“”‘’",
        "1.",
        "No comments:",
        "a" * 10_000,
        "1 " * 5_000,
        "Mr. " * 1_000,
        "between and between 5 and",
        "\ufeffBOM first. Then 12% more.",
    ],
)
def test_odd_strings(text: str) -> None:
    for start, end in split_sentences(text):
        assert 0 <= start < end <= len(text)
    for claim in extract(text):
        assert_anchored(text, claim)


def test_random_strings_keep_the_invariant() -> None:
    pieces = [*"aA1 .,$€£%-–\n\r\t\"'“”’()?!:;/İ🎉\x00", "Mr.", " two ", " million ", " mid-",
              "2024", " Jan ", " km", " said ", " according to ", " reportedly ", " in Rabat",
              "By ", " between ", " and ", " up to ", "Q3 ", " third ", " held talks in Tel Aviv"]  # fmt: skip
    rng = random.Random(7)
    for _ in range(300):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 60)))
        for claim in extract(text):
            assert_anchored(text, claim)


def test_long_sentence_quote_is_capped() -> None:
    # The extractor cannot import the models, so it keeps its own copy of their limits.
    assert extraction.claims.QUOTE_MAX == QUOTE_MAX == STATEMENT_MAX
    text = "Morocco and Israel signed deals " + "and deals " * 400 + "in Rabat."
    claims = extract(text)
    assert claims
    for claim in claims:
        assert len(claim.quote) <= QUOTE_MAX and len(claim.statement) <= STATEMENT_MAX
        assert_anchored(text, claim)


def test_extraction_is_fast(sample: str) -> None:
    # The product wants >= 2 MB/s; this guard only catches a regression by an order of
    # magnitude (a backtracking pattern), so that it cannot fail on a busy machine.
    text = (sample + "\n") * (200_000 // len(sample) + 1)
    started = time.perf_counter()
    extract(text)
    assert time.perf_counter() - started < 2.0


# --- evaluation script and module boundary ----------------------------------------------------


def test_measure() -> None:
    result = measure([True, True, False, False], [1, 0, 1, 0])
    assert (result.precision, result.recall, result.f1) == (0.5, 0.5, 0.5)
    assert measure([False, False], [0, 0]).f1 == 0.0


def test_evaluate_prints_the_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "labelled.csv"
    data.write_text(
        "sentence_id,screening,label,text\n"
        '1,-3,1,"The contract was valued at $1 billion in 2023."\n'
        '2,-3,0,"What do you think?"\n'
        '3,-3,0,"I love this country."\n'
        '4,-3,1,"Unemployment fell to 4 percent last year."\n',
        encoding="utf-8",
    )
    assert evaluate_main([str(data)]) == 0
    out = capsys.readouterr().out
    assert "4 sentences, 2 check-worthy" in out
    assert "scorer" in out and "baseline (contains a digit)" in out


@pytest.mark.skipif(not CLAIMBUSTER.is_file(), reason="ClaimBuster data not present")
def test_scorer_beats_the_digit_baseline_on_claimbuster() -> None:
    texts, labels = extraction.evaluate.read_labelled(CLAIMBUSTER)
    (_, scorer), (_, baseline) = extraction.evaluate.table(texts, labels)
    assert scorer.f1 >= 0.65
    assert scorer.f1 > baseline.f1 + 0.1


def test_extraction_imports_no_web_or_database() -> None:
    banned = {"flask", "peewee", "playhouse", "werkzeug", "wtforms", "claims.db", "claims.models"}
    for path in PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert not any(name == b or name.startswith(b + ".") for b in banned), (path, name)
