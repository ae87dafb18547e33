"""claims/reanchor.py: claims re-anchored on a revised article. Pure: no database.

Real revisions of the sample article (a figure changed, a sentence inserted, a paragraph deleted
or moved, quote marks changed, a figure twice, white space reflowed), anchored with the
project's own extractor; then properties (Hypothesis) and the revision diff helpers.
"""

from __future__ import annotations

import re
import textwrap
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from claims import extraction
from claims.anchoring import Anchor, anchor
from claims.reanchor import (
    ACCEPT_SCORE,
    CHANGED,
    MOVED,
    ORPHANED,
    QUOTE_FLOOR,
    UNCHANGED,
    Change,
    Placement,
    changes,
    diff_segments,
    inserted_spans,
    reanchor,
    word_diff,
)

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"
ARTICLE = (SAMPLES / "israel-morocco-military-work-plan.txt").read_text(encoding="utf-8")

# Modest, and nothing written to .hypothesis/.
PROPERTIES = settings(max_examples=150, database=None, deadline=None)

BILLION = "$1 billion"
ATMOS = "36 ATMOS artillery systems"
STRATEGIC = "At the center of the discussions"
KEY_PARTNER = "The Israeli military said the meeting"
FOR_RABAT = "For Rabat, access to Israeli"
PARALLEL = (
    "In parallel, Rabat has reportedly bought 36 ATMOS artillery systems and completed tests of "
    "306 mm guided rockets with ranges up to 150 km and heavy warheads, moves that Western "
    "suppliers, including longstanding French defense partners, now see as diminished business "
    "opportunities.\n"
)


def sample_anchors(text: str = ARTICLE) -> list[Anchor]:
    """The extractor's claims on a text, as the anchors the tracker stores."""
    return [anchor(text, c.start, c.end) for c in extraction.extract(text)]


ANCHORS = sample_anchors()


def index_of(anchors: list[Anchor], quote_start: str) -> int:
    """The one anchor whose quote starts with these words."""
    found = [i for i, a in enumerate(anchors) if a.quote.startswith(quote_start)]
    assert len(found) == 1, (quote_start, found)
    return found[0]


def check(old: str, new: str, anchors: list[Anchor], placements: list[Placement]) -> None:
    """What holds of every placement, whatever the edit."""
    assert len(placements) == len(anchors)
    for a, p in zip(anchors, placements, strict=True):
        assert p.outcome in (UNCHANGED, MOVED, CHANGED, ORPHANED)
        if p.outcome == ORPHANED:
            assert (p.start, p.end, p.quote, p.score, p.diff) == (None, None, None, 0.0, ())
            continue
        assert p.start is not None and p.end is not None and p.quote is not None
        assert 0 <= p.start < p.end <= len(new)
        assert new[p.start : p.end] == p.quote
        if p.outcome == UNCHANGED:
            assert (p.start, p.end, p.quote) == (a.start, a.end, a.quote)
        if p.outcome in (UNCHANGED, MOVED):
            # The same words (runs of white space aside), never a changed word.
            assert p.quote.split() == a.quote.split()
            assert p.score == 1.0 and p.diff == ()
        if p.outcome == CHANGED:
            assert p.quote.split() != a.quote.split()
            assert ACCEPT_SCORE <= p.score <= 1.0
            assert p.diff
            assert "".join(t for k, t in p.diff if k != "insert") == a.quote
            assert "".join(t for k, t in p.diff if k != "delete") == p.quote


def assert_rest_follow(
    anchors: list[Anchor], placements: list[Placement], at: int, shift: int, skip: set[int]
) -> None:
    """Claims ending before offset `at` (the text before them is the same) are unchanged; those
    starting after it moved by `shift`."""
    for i, (a, p) in enumerate(zip(anchors, placements, strict=True)):
        if i in skip:
            continue
        if a.end <= at:
            assert p == Placement(UNCHANGED, a.start, a.end, a.quote, 1.0), (a.quote, p)
        else:
            assert a.start >= at, a.quote
            assert p == Placement(MOVED, a.start + shift, a.end + shift, a.quote, 1.0), a.quote


# ---------------------------------------------------------------------------------------------
# Real revisions of the sample article


def test_the_sample_gives_the_claims_these_tests_name():
    quotes = [a.quote for a in ANCHORS]
    assert BILLION in quotes and ATMOS in quotes and "306 mm" in quotes and "150 km" in quotes
    assert quotes.count("2026") == 2
    for start in (STRATEGIC, KEY_PARTNER, FOR_RABAT):
        index_of(ANCHORS, start)
    assert PARALLEL in ARTICLE


def test_identical_text_leaves_every_claim_unchanged():
    placements = reanchor(ARTICLE, ARTICLE, ANCHORS)
    check(ARTICLE, ARTICLE, ANCHORS, placements)
    assert placements == [Placement(UNCHANGED, a.start, a.end, a.quote, 1.0) for a in ANCHORS]


def test_a_changed_figure_is_changed_with_a_word_diff():
    new = ARTICLE.replace("around $1 billion,", "around $1.2 billion,")
    placements = reanchor(ARTICLE, new, ANCHORS)
    check(ARTICLE, new, ANCHORS, placements)
    i = index_of(ANCHORS, BILLION)
    old = ANCHORS[i]
    p = placements[i]
    assert p.outcome == CHANGED
    assert (p.start, p.end, p.quote) == (old.start, old.end + 2, "$1.2 billion")
    assert p.diff == (("delete", "$1"), ("insert", "$1.2"), ("equal", " billion"))
    assert p.score > 0.9
    # Before the figure nothing moved; after it every claim is two characters further on.
    assert_rest_follow(ANCHORS, placements, at=old.end, shift=2, skip={i})
    # A figure is snapped whole: "$2.2 billion", never "2 billion" (which alone looks more like
    # "$2 billion").
    text = "The deal was valued at $2 billion, officials said."
    start = text.index("$")
    p = reanchor(text, text.replace("$2 ", "$2.2 "), [anchor(text, start, start + 10)])[0]
    assert (p.outcome, p.quote) == (CHANGED, "$2.2 billion")


def test_a_sentence_inserted_before_a_claim_moves_the_claims_after_it():
    sentence = "Morocco also ordered Hermes 900 drones in 2025. "
    at = ARTICLE.index("In parallel, Rabat")
    new = ARTICLE[:at] + sentence + ARTICLE[at:]
    placements = reanchor(ARTICLE, new, ANCHORS)
    check(ARTICLE, new, ANCHORS, placements)
    i = index_of(ANCHORS, ATMOS)
    assert placements[i] == Placement(
        MOVED, ANCHORS[i].start + len(sentence), ANCHORS[i].end + len(sentence), ATMOS, 1.0
    )
    assert new[: placements[i].start].endswith("Rabat has reportedly bought ")
    # The claim just before keeps its offsets: only its suffix changed, the text before it is
    # the same.
    j = index_of(ANCHORS, "Deals also included")
    assert ANCHORS[j].suffix.startswith("\nIn parallel")
    assert placements[j].outcome == UNCHANGED
    assert_rest_follow(ANCHORS, placements, at=at, shift=len(sentence), skip=set())


def test_a_deleted_paragraph_orphans_its_claims_and_no_other():
    new = ARTICLE.replace(PARALLEL, "")
    placements = reanchor(ARTICLE, new, ANCHORS)
    check(ARTICLE, new, ANCHORS, placements)
    gone = {index_of(ANCHORS, q) for q in (ATMOS, "306 mm", "150 km")}
    for i in gone:
        assert placements[i] == Placement(ORPHANED, None, None, None, 0.0)
    assert_rest_follow(
        ANCHORS, placements, at=ARTICLE.index(PARALLEL), shift=-len(PARALLEL), skip=gone
    )


def test_changed_quote_marks_are_a_change_never_the_same_words():
    # An editor straightens the curly quotes of two quotations (same length: offsets stay).
    new = ARTICLE.replace("\u201cstrategic perspective", '"strategic perspective').replace(
        "\u201ckey partner for regional stability.\u201d", '"key partner for regional stability."'
    )
    placements = reanchor(ARTICLE, new, ANCHORS)
    check(ARTICLE, new, ANCHORS, placements)
    i = index_of(ANCHORS, STRATEGIC)
    p = placements[i]
    assert p.outcome == CHANGED
    assert (p.start, p.end) == (ANCHORS[i].start, ANCHORS[i].end)
    assert ("delete", "\u201cstrategic") in p.diff and ("insert", '"strategic') in p.diff
    assert [k for k, _ in p.diff] == ["equal", "delete", "insert", "equal"]
    assert p.score > 0.95  # typography is folded for the score, not for the outcome
    j = index_of(ANCHORS, KEY_PARTNER)
    assert placements[j].outcome == CHANGED
    assert [d for d in placements[j].diff if d[0] != "equal"] == [
        ("delete", "\u201ckey"),
        ("insert", '"key'),
        ("delete", "stability.\u201d"),
        ("insert", 'stability."'),
    ]
    for k, (a, q) in enumerate(zip(ANCHORS, placements, strict=True)):
        if k not in (i, j):
            assert q == Placement(UNCHANGED, a.start, a.end, a.quote, 1.0), a.quote


def test_a_moved_paragraph_takes_its_claims_along():
    without = ARTICLE.replace(PARALLEL, "")
    at = without.index(FOR_RABAT)
    new = without[:at] + PARALLEL + without[at:]
    placements = reanchor(ARTICLE, new, ANCHORS)
    check(ARTICLE, new, ANCHORS, placements)
    shift = new.index(PARALLEL) - ARTICLE.index(PARALLEL)
    for quote in (ATMOS, "306 mm", "150 km"):
        i = index_of(ANCHORS, quote)
        a = ANCHORS[i]
        assert placements[i] == Placement(MOVED, a.start + shift, a.end + shift, a.quote, 1.0)
    # The paragraphs between the old and the new place moved up by the paragraph's length.
    for quote in ("Geopolitical", "The industrial link-up"):
        for i, a in enumerate(ANCHORS):
            if a.quote.startswith(quote):
                assert placements[i].start == a.start - len(PARALLEL)
    # After the new place, offsets are as before, with a new prefix (a moved context).
    i = index_of(ANCHORS, FOR_RABAT)
    assert placements[i] == Placement(
        MOVED, ANCHORS[i].start, ANCHORS[i].end, ANCHORS[i].quote, 1.0
    )
    assert placements[index_of(ANCHORS, "The pivot is also")].outcome == UNCHANGED


def test_a_moved_and_edited_claim_is_found_again_approximately():
    edited = PARALLEL.replace("bought 36 ATMOS", "bought 40 ATMOS")
    without = ARTICLE.replace(PARALLEL, "")
    at = without.index(FOR_RABAT)
    new = without[:at] + edited + without[at:]
    placements = reanchor(ARTICLE, new, ANCHORS)
    check(ARTICLE, new, ANCHORS, placements)
    p = placements[index_of(ANCHORS, ATMOS)]
    assert p.outcome == CHANGED
    assert p.quote == "40 ATMOS artillery systems"
    assert p.start == new.index("40 ATMOS")
    assert p.diff == (("delete", "36"), ("insert", "40"), ("equal", " ATMOS artillery systems"))
    assert placements[index_of(ANCHORS, "306 mm")].outcome == MOVED


def test_the_same_figure_twice_keeps_the_claim_in_its_own_sentence():
    # The figure now also appears earlier, in a new sentence: the claim stays in its sentence.
    added = "Algeria's own budget for drones is put at $1 billion a year. "
    at = ARTICLE.index("In the latest of the deals")
    new = ARTICLE[:at] + added + ARTICLE[at:]
    assert new.count(BILLION) == 2
    placements = reanchor(ARTICLE, new, ANCHORS)
    check(ARTICLE, new, ANCHORS, placements)
    i = index_of(ANCHORS, BILLION)
    p = placements[i]
    assert p == Placement(
        MOVED, ANCHORS[i].start + len(added), ANCHORS[i].end + len(added), BILLION, 1.0
    )
    assert new[: p.start].endswith("reportedly valued at around ")
    # And the other way round: the new sentence after the claim, then the claim's own one
    # deleted: the claim must not take over the other figure.
    later = ARTICLE.replace("strategic effects in North Africa.", "strategic effects. " + added)
    assert reanchor(ARTICLE, later, ANCHORS)[i].outcome == UNCHANGED
    sentence = ARTICLE[ARTICLE.index("Morocco also signed") : ARTICLE.index("The deal was")]
    gone = later.replace(sentence, "")
    assert BILLION in gone
    assert reanchor(ARTICLE, gone, ANCHORS)[i].outcome == ORPHANED


SECOND_36 = "Algeria, by contrast, has 36 Su-30 fighters on order."
TWO_36 = ARTICLE.replace(
    "strategic effects in North Africa.", "strategic effects in North Africa. " + SECOND_36
)


def two_36_anchors() -> list[Anchor]:
    first, second = TWO_36.index("36 ATMOS"), TWO_36.index("36 Su-30")
    return [anchor(TWO_36, first, first + 2), anchor(TWO_36, second, second + 2)]


def sentence_at(text: str, p: Placement) -> str:
    assert p.start is not None
    begin = max(text.rfind(". ", 0, p.start), text.rfind("\n", 0, p.start)) + 1
    return text[begin : text.index(".", p.start) + 1].strip()


@pytest.mark.parametrize("edit", ["identical", "moved", "inserted 36", "reflowed", "both moved"])
def test_two_claims_on_36_each_keep_their_own_sentence(edit):
    anchors = two_36_anchors()
    atmos_sentence = "In parallel, Rabat has reportedly bought 36 ATMOS artillery systems"
    new = TWO_36
    if edit == "moved":  # the ATMOS paragraph goes after the Su-30 one
        without = TWO_36.replace(PARALLEL, "")
        at = without.index(FOR_RABAT)
        new = without[:at] + PARALLEL + without[at:]
    elif edit == "inserted 36":  # a third 36, before both
        new = "Officials counted 36 delegates at the meeting.\n" + TWO_36
    elif edit == "reflowed":
        new = TWO_36.replace(". ", ".  ")
    elif edit == "both moved":  # the two sentences trade places
        new = TWO_36.replace(SECOND_36, "@@").replace(PARALLEL, SECOND_36 + "\n")
        new = new.replace("@@", PARALLEL.strip())
    placements = reanchor(TWO_36, new, anchors)
    check(TWO_36, new, anchors, placements)
    assert [p.outcome for p in placements] != [ORPHANED, ORPHANED]
    first, second = placements
    assert first.quote == second.quote == "36"
    assert sentence_at(new, first).startswith(atmos_sentence)
    assert sentence_at(new, second) == SECOND_36
    expected = UNCHANGED if edit == "identical" else MOVED
    assert first.outcome == second.outcome == expected


def test_a_short_figure_whose_sentence_is_deleted_is_orphaned_not_attached_to_another():
    anchors = two_36_anchors()
    # The ATMOS paragraph is deleted: its "36" must not jump to the Su-30 "36".
    new = TWO_36.replace(PARALLEL, "")
    first, second = reanchor(TWO_36, new, anchors)
    assert first == Placement(ORPHANED, None, None, None, 0.0)
    assert second.outcome == MOVED and second.start == anchors[1].start - len(PARALLEL)
    # The Su-30 sentence is deleted: the same the other way round.
    new = TWO_36.replace(" " + SECOND_36, "")
    first, second = reanchor(TWO_36, new, anchors)
    assert first == Placement(UNCHANGED, anchors[0].start, anchors[0].end, "36", 1.0)
    assert second == Placement(ORPHANED, None, None, None, 0.0)


def test_a_deleted_claim_is_not_moved_onto_a_similar_sentence_that_was_already_there():
    other = "Algeria has reportedly bought 48 ATMOS artillery systems as well.\n"
    old = ARTICLE.replace("Geopolitical", other + "Geopolitical")
    anchors = sample_anchors(old)
    i, j = index_of(anchors, ATMOS), index_of(anchors, "48 ATMOS")
    # Deleted: "48 ATMOS artillery systems" scores above ACCEPT_SCORE as an edit of "36 ATMOS
    # artillery systems", but it is another claim's unchanged words.
    new = old.replace(PARALLEL, "")
    placements = reanchor(old, new, anchors)
    check(old, new, anchors, placements)
    assert placements[i] == Placement(ORPHANED, None, None, None, 0.0)
    assert placements[j].outcome == MOVED and placements[j].quote == "48 ATMOS artillery systems"
    # Edited in its own sentence instead: a change.
    new = old.replace("bought 36 ATMOS", "bought 38 ATMOS")
    placements = reanchor(old, new, anchors)
    assert placements[i].outcome == CHANGED
    assert placements[i].quote == "38 ATMOS artillery systems"
    assert placements[j].outcome == UNCHANGED


def test_identical_contexts_are_told_apart_by_the_expected_position():
    line = "The ministry said 36 units were delivered on time.\n"
    old = "Intro.\n" + line + "Middle paragraph about something else entirely.\n" + line
    first, second = old.index("36"), old.rindex("36")
    anchors = [anchor(old, first, first + 2), anchor(old, second, second + 2)]
    added = "A new opening sentence.\n"
    new = added + old
    placements = reanchor(old, new, anchors)
    assert placements == [
        Placement(MOVED, first + len(added), first + len(added) + 2, "36", 1.0),
        Placement(MOVED, second + len(added), second + len(added) + 2, "36", 1.0),
    ]
    # With the middle paragraph deleted the two stay in order, each on its own occurrence.
    new = old.replace("Middle paragraph about something else entirely.\n", "")
    a, b = reanchor(old, new, anchors)
    assert (a.start, b.start) == (first, new.rindex("36"))


def test_a_changed_year_is_changed_and_a_bare_figure_replaced_outright_is_orphaned():
    i = [k for k, a in enumerate(ANCHORS) if a.quote == "2026"][1]
    at = ANCHORS[i].start
    new = ARTICLE[:at] + "2027" + ARTICLE[at + 4 :]
    p = reanchor(ARTICLE, new, ANCHORS)[i]
    assert p.outcome == CHANGED and p.quote == "2027" and (p.start, p.end) == (at, at + 4)
    assert p.diff == (("delete", "2026"), ("insert", "2027"))
    # A bare "36" that becomes "40" shares no character with it: its quote similarity is 0,
    # under QUOTE_FLOOR, so the claim is orphaned rather than pinned to other words. (The
    # extractor quotes counts with their noun, "36 ATMOS artillery systems", which is CHANGED.)
    anchors = two_36_anchors()
    new = TWO_36.replace("bought 36", "bought 40")
    first, second = reanchor(TWO_36, new, anchors)
    assert first.outcome == ORPHANED and second.outcome == UNCHANGED
    new_anchors = reanchor(ARTICLE, ARTICLE.replace("bought 36", "bought 40"), ANCHORS)
    assert new_anchors[index_of(ANCHORS, ATMOS)].quote == "40 ATMOS artillery systems"


def test_a_rewritten_sentence_and_a_replaced_text_orphan_their_claims():
    i = index_of(ANCHORS, FOR_RABAT)
    old_sentence = ANCHORS[i].quote
    rewrite = "Rabat gains drones, satellites and a local arms industry from the partnership."
    new = ARTICLE.replace(old_sentence, rewrite)
    placements = reanchor(ARTICLE, new, ANCHORS)
    check(ARTICLE, new, ANCHORS, placements)
    assert placements[i].outcome == ORPHANED
    # An unrelated text, and an empty one: nothing is attached anywhere.
    other = (
        "The city council met on Tuesday to discuss the new budget for public libraries. "
        "Members agreed to extend opening hours at three branches and to hire more staff.\n"
    ) * 5
    for new in (other, ""):
        placements = reanchor(ARTICLE, new, ANCHORS)
        check(ARTICLE, new, ANCHORS, placements)
        assert {p.outcome for p in placements} <= {ORPHANED, CHANGED}
        assert all(p.outcome == ORPHANED for p in placements if len(p.quote or "") < 40)


def test_a_lightly_edited_sentence_is_changed_in_place():
    i = index_of(ANCHORS, FOR_RABAT)
    a = ANCHORS[i]
    edited = a.quote.replace("accelerates", "speeds up").replace("further entrenching", "and")
    new = ARTICLE.replace(a.quote, edited)
    p = reanchor(ARTICLE, new, ANCHORS)[i]
    assert p.outcome == CHANGED
    assert (p.start, p.quote) == (a.start, edited)
    assert ("delete", "accelerates") in p.diff and ("insert", "speeds up") in p.diff
    assert QUOTE_FLOOR <= ACCEPT_SCORE <= p.score


def test_anchors_with_stale_offsets_are_found_by_quote_and_context():
    # Anchors made on an earlier revision than the old text given: their offsets are wrong by
    # the length of a note added in between, yet every claim is found where its words are.
    note = "Editor's note: a correction was appended.\n"
    text = note + ARTICLE
    placements = reanchor(text, text, ANCHORS)
    check(text, text, ANCHORS, placements)
    shift = len(note)
    assert placements == [
        Placement(MOVED, a.start + shift, a.end + shift, a.quote, 1.0) for a in ANCHORS
    ]


def reflow(text: str, width: int = 60) -> str:
    """Re-wrap every paragraph at `width` columns: spaces become line breaks, same length."""
    lines = [
        "\n".join(textwrap.wrap(line, width, break_on_hyphens=False, break_long_words=False))
        for line in text.split("\n")
    ]
    return "\n".join(lines)


def test_whitespace_reflow_of_the_same_length_changes_no_claim():
    new = reflow(ARTICLE)
    assert len(new) == len(ARTICLE) and new != ARTICLE
    assert new.replace("\n", " ") == ARTICLE.replace("\n", " ")
    placements = reanchor(ARTICLE, new, ANCHORS)
    check(ARTICLE, new, ANCHORS, placements)
    for a, p in zip(ANCHORS, placements, strict=True):
        assert (p.start, p.end) == (a.start, a.end)
        if "\n" in (p.quote or ""):
            # A line break inside the quote: the same words, white space aside.
            assert p.outcome == MOVED and p.quote != a.quote
        else:
            assert p.outcome == UNCHANGED, a.quote
    assert {p.outcome for p in placements} == {UNCHANGED, MOVED}


def test_whitespace_reflow_that_shifts_offsets_moves_claims_without_changing_them():
    new = ARTICLE.replace(". ", ".  ").replace("\n", "\n\n")
    placements = reanchor(ARTICLE, new, ANCHORS)
    check(ARTICLE, new, ANCHORS, placements)
    assert placements[0] == Placement(UNCHANGED, 0, ANCHORS[0].end, ANCHORS[0].quote, 1.0)
    assert all(p.outcome == MOVED for p in placements[1:])
    i = index_of(ANCHORS, BILLION)
    assert new[placements[i].start - 28 : placements[i].end] == "reportedly valued at around " + (
        BILLION
    )


def test_a_revision_with_every_kind_of_edit_at_once():
    update = "Update: this article was corrected on 7 January.\n"
    new = update + ARTICLE.replace("around $1 billion,", "around $1.2 billion,").replace(
        PARALLEL, ""
    ).replace("\u201cstrategic perspective", '"strategic perspective')
    placements = reanchor(ARTICLE, new, ANCHORS)
    check(ARTICLE, new, ANCHORS, placements)
    outcomes = [p.outcome for p in placements]
    changed = {index_of(ANCHORS, BILLION), index_of(ANCHORS, STRATEGIC)}
    orphaned = {index_of(ANCHORS, q) for q in (ATMOS, "306 mm", "150 km")}
    for i, (a, p) in enumerate(zip(ANCHORS, placements, strict=True)):
        if i in changed:
            assert p.outcome == CHANGED, a.quote
        elif i in orphaned:
            assert p.outcome == ORPHANED, a.quote
        else:
            # Every other claim, the headline included, is after the update line.
            shift = len(update)
            shift += 2 if a.start > ARTICLE.index(BILLION) else 0
            shift -= len(PARALLEL) if a.start > ARTICLE.index(PARALLEL) else 0
            assert p == Placement(MOVED, a.start + shift, a.end + shift, a.quote, 1.0)
    assert outcomes.count(MOVED) == len(ANCHORS) - 5


# ---------------------------------------------------------------------------------------------
# Properties

words = st.text(alphabet="abcdeé“”.,$1", min_size=1, max_size=6)
separators = st.sampled_from([" ", " ", " ", "\n", "  ", ", "])
texts = st.lists(st.tuples(words, separators), min_size=1, max_size=30).map(
    lambda parts: "".join(w + s for w, s in parts)
)


@st.composite
def text_and_anchors(draw: st.DrawFn) -> tuple[str, list[Anchor]]:
    text = draw(texts)
    anchors = []
    for _ in range(draw(st.integers(1, 6))):
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start + 1, min(len(text), start + 25)))
        if text[start:end].strip():
            anchors.append(anchor(text, start, end))
    assume(anchors)
    return text, anchors


@PROPERTIES
@given(text_and_anchors())
def test_property_the_same_text_leaves_every_anchor_unchanged(case):
    text, anchors = case
    placements = reanchor(text, text, anchors)
    assert placements == [Placement(UNCHANGED, a.start, a.end, a.quote, 1.0) for a in anchors]


@PROPERTIES
@given(
    text_and_anchors(), st.text(alphabet="XYZ0 ", min_size=0, max_size=40), st.sampled_from("\n ")
)
def test_property_text_inserted_before_every_anchor_moves_them_by_its_length(case, head, end):
    text, anchors = case
    inserted = head + end
    new = inserted + text
    placements = reanchor(text, new, anchors)
    shift = len(inserted)
    assert placements == [
        Placement(MOVED, a.start + shift, a.end + shift, a.quote, 1.0) for a in anchors
    ]


@st.composite
def edited(draw: st.DrawFn, text: str) -> str:
    """A text after a few random edits: words inserted, deleted, replaced, moved."""
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        to = draw(st.integers(at, min(len(text), at + 20)))
        kind = draw(st.sampled_from(["insert", "delete", "replace", "move"]))
        piece = draw(texts)
        if kind == "insert":
            text = text[:at] + piece + text[at:]
        elif kind == "delete":
            text = text[:at] + text[to:]
        elif kind == "replace":
            text = text[:at] + piece[: to - at + 3] + text[to:]
        else:
            rest = text[:at] + text[to:]
            where = draw(st.integers(0, len(rest)))
            text = rest[:where] + text[at:to] + rest[where:]
    return text


@PROPERTIES
@given(st.data())
def test_property_every_placement_is_the_new_text_at_its_offsets(data):
    text, anchors = data.draw(text_and_anchors())
    new = data.draw(edited(text))
    check(text, new, anchors, reanchor(text, new, anchors))


@PROPERTIES
@given(st.data())
def test_property_diff_segments_rebuild_both_texts(data):
    old = data.draw(texts)
    new = data.draw(st.one_of(edited(old), texts))
    segments = diff_segments(old, new)
    assert "".join(t for k, t in segments if k in ("equal", "delete")) == old
    assert "".join(t for k, t in segments if k in ("equal", "insert")) == new
    assert all(t and k in ("equal", "delete", "insert") for k, t in segments)
    # Runs of one kind are joined: no two neighbours have the same kind.
    assert all(a[0] != b[0] for a, b in pairwise(segments))
    hunks = changes(old, new)
    # Between hunks the two texts are the same; applying the hunks gives the new text.
    rebuilt, at = [], 0
    for h in hunks:
        assert h.kind == (
            "insert"
            if h.old_start == h.old_end
            else "delete"
            if h.new_start == h.new_end
            else "replace"
        )
        assert h.old_start >= at
        rebuilt.append(old[at : h.old_start] + new[h.new_start : h.new_end])
        at = h.old_end
    rebuilt.append(old[at:])
    assert "".join(rebuilt) == new
    for span in inserted_spans(old, new):
        assert new[span[0] : span[1]].strip()


# ---------------------------------------------------------------------------------------------
# The revision diff


def test_word_diff_keeps_white_space_with_words():
    assert word_diff(BILLION, "$1.2 billion") == (
        ("delete", "$1"),
        ("insert", "$1.2"),
        ("equal", " billion"),
    )
    assert word_diff("bought 36 ATMOS", "bought 36 ATMOS") == (("equal", "bought 36 ATMOS"),)
    assert word_diff("has reportedly bought 36", "has bought 36") == (
        ("equal", "has "),
        ("delete", "reportedly "),
        ("equal", "bought 36"),
    )
    assert word_diff("a b", "a  b") == (("equal", "a "), ("insert", " "), ("equal", "b"))
    assert word_diff("", "new") == (("insert", "new"),)
    assert word_diff("old", "") == (("delete", "old"),)


def test_changes_reports_word_hunks_with_offsets_in_both_texts():
    old = "Rabat bought 36 ATMOS systems in 2024."
    new = "Rabat reportedly bought 40 ATMOS systems."
    hunks = changes(old, new)
    assert [
        (h.kind, old[h.old_start : h.old_end], new[h.new_start : h.new_end]) for h in hunks
    ] == [
        ("insert", "", "reportedly "),
        ("replace", "36", "40"),
        ("replace", "systems in 2024.", "systems."),
    ]
    assert changes(old, old) == []
    assert changes("", "abc") == [Change("insert", 0, 0, 0, 3)]
    assert changes("abc", "") == [Change("delete", 0, 3, 0, 0)]


def test_changes_on_the_sample_revision():
    sentence = "Morocco also ordered Hermes 900 drones in 2025. "
    at = ARTICLE.index("In parallel, Rabat")
    new = (ARTICLE[:at] + sentence + ARTICLE[at:]).replace(PARALLEL, "")
    # The new sentence took the deleted paragraph's place: one hunk.
    assert changes(ARTICLE, new) == [
        Change("replace", at, at + len(PARALLEL), at, at + len(sentence)),
    ]


def test_inserted_spans_are_the_new_words_only():
    sentence = "Morocco also ordered Hermes 900 drones in 2025. "
    at = ARTICLE.index("In parallel, Rabat")
    new = ARTICLE[:at] + sentence + ARTICLE[at:]
    new = new.replace("around $1 billion,", "around $1.2 billion,")
    spans = inserted_spans(ARTICLE, new)
    assert [new[s:e] for s, e in spans] == ["$1.2", sentence]
    # White space alone is not new text, deletions are not either.
    assert inserted_spans(ARTICLE, reflow(ARTICLE)) == []
    assert inserted_spans(ARTICLE, ARTICLE.replace(PARALLEL, "")) == []
    # Extraction on the inserted span finds the new claims.
    s, e = spans[1]
    found = [c.quote for c in extraction.extract(new[s:e])]
    assert "2025" in found


def test_diff_segments_for_a_highlighted_view():
    old = "Morocco signed a contract valued at $1 billion for two satellites."
    new = "Morocco signed a contract valued at $1.2 billion for two Ofek satellites."
    assert diff_segments(old, new) == [
        ("equal", "Morocco signed a contract valued at "),
        ("delete", "$1"),
        ("insert", "$1.2"),
        ("equal", " billion for two "),
        ("insert", "Ofek "),
        ("equal", "satellites."),
    ]
    assert diff_segments(old, old) == [("equal", old)]
    assert diff_segments("", "") == []


def test_the_revision_diff_is_exact_on_a_long_text():
    # Fifty kilobytes: the sample many times over, each copy with its own figures.
    copies = [re.sub(r"\d+", lambda m, k=k: str(int(m.group()) + k), ARTICLE) for k in range(15)]
    old = "\n".join(copies)
    new = old.replace("Five years after normalization", "Six years after normalization", 3)
    segments = diff_segments(old, new)
    assert "".join(t for k, t in segments if k != "insert") == old
    assert "".join(t for k, t in segments if k != "delete") == new
    assert [t for k, t in segments if k == "insert"] == ["Six"] * 3
