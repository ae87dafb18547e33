"""Claim matching ("checked before?"): claims.matching, pure, no database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claims import matching
from claims.matching import (
    AUTO_THRESHOLD,
    MATCH_THRESHOLD,
    SHORT_TEXT,
    ClaimText,
    blocking_terms,
    evaluate,
    features,
    find_matches,
    held_out,
    score,
    score_pair,
)

PAIRS_PATH = Path(__file__).parent / "data" / "claim_pairs.jsonl"
PAIRS = [json.loads(line) for line in PAIRS_PATH.read_text(encoding="utf-8").splitlines() if line]

# Measured at MATCH_THRESHOLD when the thresholds were set: held-out third (lines with
# index % 3 == 2, 96 pairs) precision 1.000, recall 0.978; the other two thirds (194 pairs)
# precision 0.979, recall 0.990. The floors leave a margin for later changes; pairs written
# after the thresholds were set and scored blind did worse (precision 0.85, recall 0.83).
HELD_OUT_PRECISION_FLOOR = 0.9
HELD_OUT_RECALL_FLOOR = 0.9
TRAIN_PRECISION_FLOOR = 0.92
TRAIN_RECALL_FLOOR = 0.92


def matches(a: str, b: str) -> bool:
    return score_pair(a, b).score >= MATCH_THRESHOLD


# --- the named examples -----------------------------------------------------------------------


def test_number_words_and_synonyms_match() -> None:
    m = score_pair("36 ATMOS howitzers", "thirty-six ATMOS artillery systems")
    assert m.score >= MATCH_THRESHOLD, m
    assert "same figure 36" in m.reasons
    assert any(r.startswith("entities:") and "ATMOS" in r for r in m.reasons), m.reasons


def test_same_figure_other_weapon_does_not_match() -> None:
    assert not matches("36 Barak launchers", "36 ATMOS artillery systems")
    m = score_pair(
        "Morocco has bought 36 Barak launchers.", "Morocco has bought 36 ATMOS artillery systems."
    )
    assert m.score < MATCH_THRESHOLD, m
    assert any("other things" in r or "different entities" in r for r in m.reasons), m.reasons


def test_different_figure_does_not_match() -> None:
    m = score_pair("40 ATMOS artillery systems", "36 ATMOS artillery systems")
    assert m.score < MATCH_THRESHOLD, m
    assert "different figure: 40 vs 36" in m.reasons
    same = score_pair("36 ATMOS artillery systems", "36 ATMOS artillery systems")
    assert m.score < same.score - 0.3


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("a deal worth about $1 billion", "a $1bn deal"),
        ("The contract is worth $1 billion.", "The contract is worth $1.02 billion."),
        ("The contract is worth US$1 billion.", "The contract is worth 1 billion dollars."),
        ("The contract is worth USD 1 billion.", "The contract is worth $1,000,000,000."),
        ("Unemployment rose to 5.2 per cent.", "Unemployment rose to 5.2%."),
        ("Unemployment rose to 5.2 percent.", "Unemployment rose to 5.2%."),
        ("The rockets have a range of 150 km.", "The rockets have a range of about 93 miles."),
        ("The contract was formalized in mid-2024.", "The contract was formalized in 2024."),
        ("Rabat bought two Ofek 13 satellites.", "Morocco bought 2 Ofek-13 satellites."),
        (
            "Morocco signed a contract with IAI for two satellites.",
            "Morocco signed a contract with Israel Aerospace Industries for two satellites.",
        ),
        ("Police said three people were arrested.", "Three people were arrested, police said."),
    ],
)
def test_paraphrases_match(a: str, b: str) -> None:
    m = score_pair(a, b)
    assert m.score >= MATCH_THRESHOLD, m


@pytest.mark.parametrize(
    ("a", "b", "reason"),
    [
        (
            "The contract is worth $1 billion.",
            "The contract is worth $1.2 billion.",
            "different figure",
        ),
        (
            "The contract is worth $1 billion.",
            "The contract is worth €1 billion.",
            "different figure",
        ),
        (
            "The rockets have a range of 150 km.",
            "The rockets have a range of 150 miles.",
            "different figure",
        ),
        ("Unemployment rose to 5.2%.", "Unemployment rose to 5.4%.", "different figure"),
        ("The plan covers 2026.", "The plan covers 2025.", "different figure: 2026 vs 2025"),
        (
            "The deal was concluded at the end of 2023.",
            "The deal was concluded in 2024.",
            "different figure",
        ),
        (
            "Unemployment in Spain is 27 per cent.",
            "Unemployment in Greece is 27 per cent.",
            "different entities",
        ),
        ("Crime fell by 8 per cent last year.", "Crime rose by 8 per cent last year.", "opposite"),
        (
            "Oil output reached 1 million barrels a day.",
            "Oil output reached 1 million tonnes a day.",
            "different figure",
        ),
        ("12 soldiers killed", "12 civilians killed", "other things"),
    ],
)
def test_hard_negatives_do_not_match(a: str, b: str, reason: str) -> None:
    m = score_pair(a, b)
    assert m.score < MATCH_THRESHOLD, m
    assert any(reason in r for r in m.reasons), m.reasons
    assert not m.auto


def test_number_words_are_read() -> None:
    f = features(ClaimText(1, "Rabat bought thirty-six ATMOS howitzers."))
    assert [(fig.family, fig.low) for fig in f.figures] == [("count", 36.0)]
    f = features(ClaimText(2, "Morocco has some 37m inhabitants and drew half a million tourists."))
    assert sorted(fig.low for fig in f.figures) == [500_000.0, 37_000_000.0]


def test_entities_aliases_and_sentence_starts() -> None:
    names = {
        e.name
        for e in features(
            ClaimText(1, "Rabat and the IDF's Tevel Division met in Tel Aviv.")
        ).entities
    }
    assert {"morocco", "israel", "tevel division", "tel aviv"} <= names
    # A common word starting a sentence is no name; a title-case headline yields only the
    # names it is sure of.
    strong = {
        e.name
        for e in features(ClaimText(2, "Officials said the talks went well.")).entities
        if not e.weak
    }
    assert strong == set()
    headline = features(
        ClaimText(3, "Israel, Morocco Sign Joint Military Work Plan, Deepening Ties")
    )
    assert {e.name for e in headline.entities} == {"israel", "morocco"}


def test_stored_quantities_take_precedence() -> None:
    text = "Morocco has bought 36 ATMOS artillery systems."
    stored = ClaimText(1, text, quantities=((40.0, None, "count"),))
    fresh = ClaimText(2, "Morocco has bought 40 ATMOS artillery systems.")
    m = score(features(stored), features(fresh))
    assert m.score >= MATCH_THRESHOLD, m
    assert "same figure 40" in m.reasons
    dated = ClaimText(3, "The plan was signed.", quantities=((1735689600.0, None, "date"),))
    assert [fig.family for fig in features(dated).figures] == ["date"]


def test_empty_and_odd_texts() -> None:
    for text in ("", "   ", "—", "2024", "$", "!!!", "A" * 2000):
        f = features(ClaimText(1, text))
        m = score(f, f)
        assert 0.0 <= m.score <= 1.0
        assert not m.auto or f.words >= SHORT_TEXT


# --- auto, symmetry, ranking, blocking --------------------------------------------------------


def test_short_texts_are_never_auto() -> None:
    short = "36 ATMOS artillery systems"
    m = score_pair(short, short)
    assert m.score >= AUTO_THRESHOLD
    assert not m.auto
    long = "Rabat has reportedly bought 36 ATMOS artillery systems from Elbit."
    assert len(long.split()) >= SHORT_TEXT
    assert score_pair(long, long).auto
    for row in PAIRS:
        m = score_pair(row["a"], row["b"])
        if min(len(row["a"].split()), len(row["b"].split())) < SHORT_TEXT:
            assert not m.auto, row
        if m.auto:
            assert row["same"], row  # nothing in the labelled set is wrongly auto-confirmed


def test_scores_are_symmetric() -> None:
    for row in PAIRS:
        ab = score_pair(row["a"], row["b"]).score
        ba = score_pair(row["b"], row["a"]).score
        assert abs(ab - ba) <= 0.02, (row, ab, ba)


def test_find_matches_ranks_the_paraphrase_first() -> None:
    claim = ClaimText(1, "Rabat has reportedly bought 36 ATMOS artillery systems.")
    candidates = [
        ClaimText(1, "Rabat has reportedly bought 36 ATMOS artillery systems."),  # itself
        ClaimText(10, "Morocco has bought 40 ATMOS artillery systems."),
        ClaimText(11, "Morocco has bought 36 Barak launchers."),
        ClaimText(12, "Morocco tested 306 mm guided rockets with a range of up to 150 km."),
        ClaimText(13, "According to Israeli media, Morocco purchased thirty-six ATMOS howitzers."),
        ClaimText(14, "Algeria has bought 36 ATMOS artillery systems."),
        ClaimText(15, "The deal for two Ofek 13 satellites is worth about $1 billion."),
    ]
    found = find_matches(claim, candidates)
    assert [m.other_id for m in found] == [13], found
    assert find_matches(claim, candidates, limit=0) == []
    loose = find_matches(claim, candidates[4:5] * 3)
    assert len(loose) == 3


def test_blocking_terms_of_paraphrases_intersect() -> None:
    a = features(ClaimText(1, "36 ATMOS howitzers"))
    b = features(ClaimText(2, "thirty-six ATMOS artillery systems"))
    assert {"36", "atmos"} <= blocking_terms(a) & blocking_terms(b)
    rabat = blocking_terms(features(ClaimText(3, "Rabat signed the deal.")))
    assert "morocco" in rabat
    for row in PAIRS:
        terms_a = blocking_terms(features(ClaimText(1, row["a"])))
        terms_b = blocking_terms(features(ClaimText(2, row["b"])))
        assert len(terms_a) <= matching.BLOCKING_LIMIT
        if row["same"]:
            assert terms_a & terms_b, row


# --- the labelled set -------------------------------------------------------------------------


def test_labelled_set_is_balanced_and_has_short_texts() -> None:
    assert len(PAIRS) >= 150
    share = sum(row["same"] for row in PAIRS) / len(PAIRS)
    assert 0.4 <= share <= 0.5
    assert sum(1 for row in PAIRS if min(len(row["a"].split()), len(row["b"].split())) < 5) >= 20
    assert all(set(row) == {"a", "b", "same", "note"} for row in PAIRS)


def test_precision_and_recall_on_the_labelled_pairs() -> None:
    scored = [(score_pair(row["a"], row["b"]).score, bool(row["same"])) for row in PAIRS]
    held = evaluate(s for i, s in enumerate(scored) if held_out(i))
    train = evaluate(s for i, s in enumerate(scored) if not held_out(i))
    assert held.pairs == len(PAIRS) // 3
    assert held.precision >= HELD_OUT_PRECISION_FLOOR, held
    assert held.recall >= HELD_OUT_RECALL_FLOOR, held
    assert train.precision >= TRAIN_PRECISION_FLOOR, train
    assert train.recall >= TRAIN_RECALL_FLOOR, train


def test_measuring_entry_point(capsys: pytest.CaptureFixture[str]) -> None:
    assert matching._main(["--pairs", str(PAIRS_PATH), "--errors"]) == 0
    out = capsys.readouterr().out
    assert "held-out" in out
    assert f"threshold {MATCH_THRESHOLD:.2f}" in out
