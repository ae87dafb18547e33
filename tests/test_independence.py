"""claims/independence.py: near-duplicate and same-origin grouping of evidence. Pure: no database.

Realistic wire copy: one section of the sample article run by three outlets (another headline,
a Reuters or AFP dateline, the outlet's boilerplate, a sentence trimmed or reworded) must be one
group; articles of their own on the same story (same names, same figures) must not join it.
Then provenance (same source, a shared press release), determinism, short texts, and the
threshold measured on a labelled set of pairs.
"""

from __future__ import annotations

import random
import subprocess
import sys
from itertools import combinations
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claims.independence import (
    DUPLICATE_THRESHOLD,
    EMPTY,
    NUM_PERM,
    SHINGLE_SIZE,
    Item,
    groups,
    independent_count,
    links,
    minhash,
    shingles,
    similarity,
    words,
)

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"
ARTICLE = (SAMPLES / "israel-morocco-military-work-plan.txt").read_text(encoding="utf-8")
LINES = ARTICLE.splitlines()
# "A wider pivot toward Israeli defense suppliers": the section's four paragraphs.
SECTION = LINES[10:14]
assert SECTION[0].startswith("The work plan builds on") and "150 km" in SECTION[3]
WIRE = "\n\n".join(SECTION)
# The article's news paragraphs, before the first subheading.
NEWS = "\n\n".join(LINES[4:9])
assert NEWS.startswith('"Israel" and Morocco have signed')

# Modest, and nothing written to .hypothesis/.
PROPERTIES = settings(max_examples=100, database=None, deadline=None)


def without(text: str, sentence: str) -> str:
    """The text with one of its sentences cut, as a sub-editor trims copy to length."""
    assert sentence in text, sentence
    return text.replace(sentence, "").replace("  ", " ")


def reword(text: str, *edits: tuple[str, str]) -> str:
    """The text with a few words changed, as an outlet's editor does."""
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    return text


# --- three outlets running the same copy ------------------------------------------------------

REUTERS = (
    "Morocco turns to Israeli arms makers as military ties deepen\n\n"
    "By Staff Reporter\n\n"
    "RABAT, Jan 6 (Reuters) - "
    + without(
        WIRE,
        "Israeli media reports note several major purchases and cooperative projects "
        "attributed to Israeli industry.",
    )
    + "\n\n(Reporting by Staff Reporter; Editing by Desk Editor)\n"
    "Our Standards: The Thomson Reuters Trust Principles."
)
AFP = (
    "Israel, Morocco deepen defence ties with drones, satellites and rockets\n\n"
    "Tel Aviv (AFP) - "
    + without(
        WIRE,
        ", moves that Western suppliers, including longstanding French defense partners, now "
        "see as diminished business opportunities",
    )
    + "\n\n© 2026 AFP. All rights reserved.\nShare this article\n"
    "Related: Morocco's satellite programme explained"
)
BLOG = (
    "REPORT: Morocco's Israeli weapons shopping list\n"
    "Posted by admin on 7 January 2026 | Defence, Maghreb\n\n"
    + reword(
        WIRE,
        (
            "Morocco also signed a contract with IAI, reportedly valued",
            "Morocco signed a contract with IAI valued",
        ),
        ("In parallel, Rabat has reportedly bought", "Rabat has also bought"),
        ("on the outskirts of Casablanca, Morocco,", "near Casablanca,"),
        (
            "Deals also included",
            "Read more: Algeria protests Israeli drone plant\n\nDeals also included",
        ),
    )
    + "\n\nNo comments:\nPost a Comment\nSubscribe to: Post Comments (Atom)"
)
OUTLETS = {"reuters": REUTERS, "afp": AFP, "blog": BLOG}

# One paragraph on its own, as outlets ran it with their own furniture.
PARAGRAPH = LINES[12]
assert PARAGRAPH.startswith("Morocco also signed a contract with IAI")
PARAGRAPH_REUTERS = (
    "Morocco buys Israeli spy satellites in $1 bln deal\n\nRABAT, Jan 6 (Reuters) - "
    + without(
        PARAGRAPH,
        " Deals also included the Barak-8 and Barak MX air defense systems, "
        "Rafael’s Spider, and Elbit/IAI guided rockets from the EXTRA family.",
    )
    + "\n(Reporting by Staff Reporter)"
)
PARAGRAPH_AFP = (
    "Morocco to get two Israeli satellites\n\nRABAT (AFP) - "
    + reword(PARAGRAPH, ("reportedly valued at around", "valued at about"))
    + "\n© 2026 AFP"
)

# --- articles of their own on the same story (written for these tests) ------------------------

OWN_REPORT = """Israeli and Moroccan officers agree 2026 cooperation plan in Tel Aviv

TEL AVIV - Military delegations from Israel and Morocco met in Tel Aviv this week for the third \
session of a joint committee created after the two countries restored ties in 2020, and agreed \
a plan of cooperation for 2026, the Israeli army said in a statement on Monday.

The Moroccan officers toured army units and defence companies, the statement said, and the two \
sides discussed how to build up forces and where their goals overlap. The army's foreign \
relations division led the Israeli side.

Morocco has become one of the largest buyers of Israeli military equipment in Africa. It \
ordered two Ofek reconnaissance satellites from Israel Aerospace Industries in a contract \
estimated at $1 billion, and Elbit Systems is delivering 36 ATMOS truck-mounted howitzers.

Algeria, which cut diplomatic relations with Rabat in 2021, has condemned the rapprochement as \
a threat to the region. Paris, long Morocco's main arms supplier, has lost several contracts to \
Israeli competitors, according to industry analysts.
"""
ATMOS_STORY = """Elbit to supply Morocco with ATMOS artillery in deal worth hundreds of millions

Elbit Systems will deliver 36 ATMOS 2000 self-propelled howitzers to the Royal Moroccan Army, \
according to people familiar with the order, in one of the largest Israeli arms sales to a \
North African state.

The 155 mm guns, mounted on six-wheeled trucks, can fire at targets more than 40 km away. \
Morocco also tested PULS rocket launchers whose guided rockets reach up to 150 km, the people \
said.

The deal follows Rabat's purchase of Barak MX air defences and of drones built at a new plant \
in Benslimane. French manufacturer KNDS, whose CAESAR howitzer Morocco already operates, had \
bid for the contract. Neither Elbit nor the Moroccan armed forces commented.
"""
SATELLITE_STORY = """Morocco orders Ofek 13 spy satellites from IAI

Israel Aerospace Industries has agreed to build two Ofek 13 radar observation satellites for \
Morocco, replacing the ageing Mohammed VI-A and VI-B satellites that Rabat bought from Airbus \
and Thales Alenia Space in 2013 and 2017.

The contract, signed at the end of 2023 and finalised in mid-2024, is valued at about $1 \
billion, according to Israeli business daily Globes. The satellites would give Morocco its own \
all-weather imaging of the Sahara and the Algerian border.

IAI declined to comment on the customer. It has sold observation satellites to only a handful \
of foreign governments.
"""
REACTION_STORY = """Algeria warns of 'Zionist presence' on its border after Morocco-Israel pact

ALGIERS - Algeria's foreign ministry on Tuesday denounced a military cooperation plan between \
Morocco and Israel signed in Tel Aviv, calling it a danger to the stability of the whole Maghreb.

The ministry said the drone factory opened by an Israeli company near Casablanca and the \
purchase of Israeli satellites and artillery brought the Israeli army to Algeria's doorstep. \
The Polisario Front, which seeks independence for Western Sahara, said the weapons would be \
used against Sahrawi civilians.
"""
# The same facts as the wire section, in an outlet's own words: independent text, not a copy.
PARAPHRASE = """Morocco's arms buying has swung towards Israel

Rabat is buying more and more of its weapons from Israeli companies, Israeli press reports \
say. BlueBird, part of IAI, has opened a plant in Benslimane near Casablanca that makes SpyX \
loitering munitions. IAI is also building two Ofek 13 reconnaissance satellites for Morocco, \
a deal put at roughly $1 billion that was agreed late in 2023 and signed in mid-2024.

Morocco has also acquired Barak-8 and Barak MX air defences, Rafael's Spider and EXTRA guided \
rockets, and bought 36 ATMOS howitzers. It has test-fired 306 mm guided rockets that can hit \
targets 150 km away, which French and other Western firms see as business lost to Israel.
"""
# The Israeli army's statement that outlets quoted: a press release.
PRESS_RELEASE = """The third meeting of the Joint Military Committee between the IDF and the \
Royal Moroccan Armed Forces was held this week in Tel Aviv. During the meeting, led by the \
Planning Directorate and the Tevel Division, the delegations signed the joint work plan for \
2026, held professional working sessions and visited IDF units, defense industries and \
relevant directorates. Morocco is a key partner for regional stability."""
OTHER_STORIES = {
    "own-report": OWN_REPORT,
    "atmos": ATMOS_STORY,
    "satellite": SATELLITE_STORY,
    "reaction": REACTION_STORY,
    "paraphrase": PARAPHRASE,
    "press-release": PRESS_RELEASE,
}


def score(a: str, b: str) -> float:
    return similarity(minhash(shingles(a)), minhash(shingles(b)))


def exact_jaccard(a: str, b: str) -> float:
    sa, sb = shingles(a), shingles(b)
    return len(sa & sb) / len(sa | sb)


# A wire follow-up on a new event that recycles two background paragraphs verbatim, as agencies
# do: a different story, though it shares whole sentences with the first.
FOLLOW_UP = (
    "Morocco takes delivery of first Israeli-made ATMOS howitzers\n\n"
    "RABAT, March 2 (Reuters) - The Royal Moroccan Army has received the first batch of ATMOS "
    "self-propelled howitzers from Israel's Elbit Systems, two military sources said on Monday, "
    "weeks after the two countries agreed a military work plan for the year.\n\n"
    "The guns were unloaded at the port of Casablanca and moved to a base near Guelmim, one of "
    "the sources said, asking not to be named because they were not authorised to speak to the "
    "media. Elbit declined to comment, and the Moroccan armed forces did not answer questions.\n\n"
    "Moroccan crews trained on the system in Israel last year, according to the sources, and "
    "more deliveries are expected before the end of the summer.\n\n"
    + LINES[5]
    + "\n\n"
    + LINES[13]
    + "\n\n(Reporting by Staff Reporter; Editing by Desk Editor)"
)
# An article of its own that quotes the army's statement at length.
QUOTING_REPORT = (
    "Morocco and Israel sign military plan for 2026\n\n"
    "Israel and Morocco have agreed a programme of military cooperation for the coming year, "
    "the Israeli army announced, in the latest sign that ties forged under the Abraham Accords "
    'have survived the war in Gaza. "During the meeting, led by the Planning Directorate and '
    "the Tevel Division, the delegations signed the joint work plan for 2026, held professional "
    "working sessions and visited IDF units,\" the army said. Morocco's government did not "
    "comment. The two countries' defence ministers signed a security agreement in 2021, the "
    "first of its kind between Israel and an Arab state, and Rabat has since bought Israeli "
    "drones, air defences and satellites while keeping a low profile at home, where public "
    "opinion is largely hostile to the rapprochement."
)
# The full article as an aggregator republished it: its own headline line and furniture.
AGGREGATOR = (
    "Israel and Morocco sign military work plan - World News Digest\n"
    "Home > World > Middle East\n"
    + "\n".join(LINES[3:19])
    + "\nSource: Al Mayadeen English\nShare on Facebook | Share on X | Print\n"
    "You may also like: Algeria and Russia hold naval drills"
)

# --- the labelled pairs -----------------------------------------------------------------------
# Copies: the same text as outlets ran it (another headline, dateline, furniture, a sentence
# trimmed or reworded, cut to its first paragraphs). Not copies: articles of their own on the
# same story, and partial reuse (a follow-up recycling two background paragraphs, a report
# quoting the army's statement at length), which provenance rather than text should link.
TEXTS = {
    "wire": WIRE,
    **OUTLETS,
    "wire-half": "\n\n".join(SECTION[:2]),
    "paragraph": PARAGRAPH,
    "paragraph-reuters": PARAGRAPH_REUTERS,
    "paragraph-afp": PARAGRAPH_AFP,
    "article": ARTICLE,
    "aggregator": AGGREGATOR,
    "news": NEWS,
    **OTHER_STORIES,
    "follow-up": FOLLOW_UP,
    "quoting": QUOTING_REPORT,
}
COPIES = [
    *combinations(["wire", "reuters", "afp", "blog"], 2),
    ("wire", "wire-half"),
    *combinations(["paragraph", "paragraph-reuters", "paragraph-afp"], 2),
    ("article", "aggregator"),
    ("article", "news"),
]
FAMILIES = {
    "section": ["wire", "reuters", "afp", "blog", "wire-half"],
    "paragraph": ["paragraph", "paragraph-reuters", "paragraph-afp"],
    "article": ["article", "aggregator", "news"],
}
STORIES = [*OTHER_STORIES, "follow-up", "quoting"]
NOT_COPIES = [
    # Every story of its own against every other, and against each copy family.
    *combinations(STORIES, 2),
    *((story, member) for story in STORIES for family in FAMILIES.values() for member in family),
]


def item(i: int, text: str, source: int | None = None, cites: set[int] | None = None) -> Item:
    """Evidence item i, from source 100 + i unless told, citing nothing unless told."""
    return Item(i, 100 + i if source is None else source, text, frozenset(cites or ()))


# --- wire copy --------------------------------------------------------------------------------


def test_three_outlets_running_one_wire_story_are_one_group() -> None:
    items = [item(1, REUTERS), item(2, AFP), item(3, BLOG)]
    assert groups(items) == [[1, 2, 3]]
    assert independent_count(items) == 1
    # Every pair on its own, not only through a chain: the versions differ from each other
    # more than from the original (another trim each, their own furniture).
    for a, b in combinations(OUTLETS.values(), 2):
        assert exact_jaccard(a, b) >= DUPLICATE_THRESHOLD


def test_one_paragraph_as_two_agencies_ran_it_is_one_group() -> None:
    items = [item(1, PARAGRAPH_REUTERS), item(2, PARAGRAPH_AFP), item(3, PARAGRAPH)]
    assert groups(items) == [[1, 2, 3]]


def test_articles_of_their_own_on_the_same_story_stay_apart() -> None:
    stories = [OWN_REPORT, ATMOS_STORY, SATELLITE_STORY, REACTION_STORY, PARAPHRASE]
    items = [item(1, REUTERS), item(2, AFP), item(3, BLOG)]
    items += [item(10 + i, text) for i, text in enumerate(stories)]
    assert groups(items) == [[1, 2, 3], [10], [11], [12], [13], [14]]
    assert independent_count(items) == 6
    # Same names and figures ("36 ATMOS", "$1 billion", "Benslimane"), different words.
    for story in stories:
        assert exact_jaccard(story, WIRE) < 0.05


def test_a_paraphrase_of_the_wire_story_is_independent_text() -> None:
    assert exact_jaccard(PARAPHRASE, WIRE) < 0.05
    assert groups([item(1, WIRE), item(2, PARAPHRASE)]) == [[1], [2]]


def test_a_chain_of_copies_is_one_group() -> None:
    """A copy cut to half the story is close to the original, not to another outlet's version:
    union-find still puts the three together."""
    half = "\n\n".join(SECTION[:2])
    assert exact_jaccard(half, REUTERS) < DUPLICATE_THRESHOLD <= exact_jaccard(half, WIRE)
    assert exact_jaccard(WIRE, REUTERS) >= DUPLICATE_THRESHOLD
    assert groups([item(1, half), item(2, REUTERS), item(3, WIRE)]) == [[1, 2, 3]]
    assert groups([item(1, half), item(2, REUTERS)]) == [[1], [2]]


def test_a_follow_up_recycling_background_paragraphs_is_not_a_copy() -> None:
    assert exact_jaccard(FOLLOW_UP, REUTERS) < DUPLICATE_THRESHOLD
    assert groups([item(1, REUTERS), item(2, FOLLOW_UP)]) == [[1], [2]]


# --- provenance -------------------------------------------------------------------------------


def test_two_items_citing_one_press_release_are_one_group() -> None:
    release = 99
    items = [
        item(1, OWN_REPORT, cites={release}),
        item(2, QUOTING_REPORT, cites={release, 55}),
        item(3, ATMOS_STORY, cites={56}),
    ]
    assert groups(items) == [[1, 2], [3]]
    # The press release itself, as evidence, joins the reports that cite it.
    assert groups([*items, item(4, PRESS_RELEASE, source=release)]) == [[1, 2, 4], [3]]


def test_an_item_whose_source_cites_another_items_source_joins_it() -> None:
    items = [item(1, SATELLITE_STORY, source=7), item(2, REACTION_STORY, source=8, cites={7})]
    assert groups(items) == [[1, 2]]
    assert [link.reason for link in links(items)] == ["shared citation"]


def test_the_same_source_twice_is_one_group() -> None:
    items = [
        item(1, "36 ATMOS artillery systems", source=5),
        item(2, "a contract with IAI, reportedly valued at around $1 billion", source=5),
        item(3, "36 ATMOS artillery systems", source=6),
        item(4, "tests of 306 mm guided rockets with ranges up to 150 km", source=9),
    ]
    # 1 and 2 share a source; 3 repeats 1's excerpt word for word.
    assert groups(items) == [[1, 2, 3], [4]]
    reasons = {(link.a, link.b): link.reason for link in links(items)}
    assert reasons == {(1, 2): "same source", (1, 3): "near-duplicate text"}


def test_links_say_why_and_how_similar() -> None:
    found = links([item(1, REUTERS), item(2, AFP), item(3, OWN_REPORT)])
    assert [(link.a, link.b, link.reason) for link in found] == [(1, 2, "near-duplicate text")]
    assert found[0].similarity == pytest.approx(exact_jaccard(REUTERS, AFP))


# --- order, stability, short texts ------------------------------------------------------------


def test_groups_are_deterministic_whatever_the_order() -> None:
    items = [
        item(3, BLOG),
        item(8, OWN_REPORT, cites={99}),
        item(1, AFP),
        item(5, ATMOS_STORY),
        item(2, QUOTING_REPORT, cites={99}),
        item(9, REUTERS),
        item(4, PARAPHRASE, source=105),  # source of item 5
    ]
    expected = [[1, 3, 9], [2, 8], [4, 5]]
    assert groups(items) == expected
    shuffler = random.Random(1)
    for _ in range(20):
        shuffled = items[:]
        shuffler.shuffle(shuffled)
        assert groups(shuffled) == expected
        assert links(shuffled) == links(items)


# BLAKE2b-64 of "rabat bought 36 atmos artillery" and "bought 36 atmos artillery systems".
SHINGLE_HASHES = ("89892314e8fcbd51", "7150c711f6e36ae0")
# "36 atmos" is one shingle; with 8 bins, it lands in bin 3.
PINNED_SKETCH = (EMPTY, EMPTY, EMPTY, 1462222998926796034, EMPTY, EMPTY, EMPTY, EMPTY)


def test_hashes_are_stable_across_processes_and_hash_seeds() -> None:
    """BLAKE2b, not Python's salted hash(): pinned values, and the same in another process."""
    assert shingles("Rabat bought 36 ATMOS artillery systems") == {
        int(h, 16) for h in SHINGLE_HASHES
    }
    assert minhash(shingles("36 ATMOS"), 8) == PINNED_SKETCH
    code = (
        "from claims.independence import minhash, shingles; "
        f"print(sorted(shingles({WIRE!r})) == {sorted(shingles(WIRE))!r}, "
        f"minhash(shingles({WIRE!r})) == {minhash(shingles(WIRE))!r})"
    )
    for seed in ("0", "12345"):
        done = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parents[1],
            env={"PYTHONHASHSEED": seed, "PATH": ""},
        )
        assert done.stdout.split() == ["True", "True"]


def test_normalization_ignores_case_punctuation_and_quote_styles() -> None:
    assert words("Morocco’s “key partner” — RABAT (Reuters) -") == [
        "moroccos",
        "key",
        "partner",
        "rabat",
        "reuters",
    ]
    assert shingles("Morocco's key partner for regional stability.") == shingles(
        "MOROCCO’S KEY PARTNER, FOR REGIONAL STABILITY"
    )


def test_short_texts_compare_whole() -> None:
    assert len(shingles("36 ATMOS artillery systems")) == 1  # fewer words than a shingle
    assert shingles("") == set() and shingles(" — ") == set()
    same = [item(1, "36 ATMOS artillery systems"), item(2, "36 ATMOS Artillery Systems.")]
    assert groups(same) == [[1, 2]]
    different = [item(1, "36 ATMOS artillery systems"), item(2, "36 ATMOS artillery")]
    assert groups(different) == [[1], [2]]
    # An excerpt and the whole article it comes from are not copies of each other.
    assert groups([item(1, "36 ATMOS artillery systems"), item(2, ARTICLE)]) == [[1], [2]]


def test_empty_texts_are_never_duplicates() -> None:
    assert groups([item(1, ""), item(2, ""), item(3, "   ")]) == [[1], [2], [3]]
    assert similarity(minhash(set()), minhash(set())) == 0.0
    assert minhash(set()) == (EMPTY,) * NUM_PERM


def test_no_items_and_bad_arguments() -> None:
    assert groups([]) == []
    assert independent_count([]) == 0
    with pytest.raises(ValueError, match="unique"):
        groups([item(1, "a"), item(1, "b")])
    with pytest.raises(ValueError, match="different sizes"):
        similarity(minhash({1, 2}, 8), minhash({1, 2}, 16))
    with pytest.raises(ValueError, match="at least one"):
        minhash({1}, 0)
    with pytest.raises(ValueError, match="at least one word"):
        shingles("a b c", 0)


# --- the estimator ----------------------------------------------------------------------------

hash_sets = st.sets(st.integers(min_value=0, max_value=2**64 - 1), max_size=300)


@PROPERTIES
@given(hash_sets, hash_sets, st.integers(min_value=0, max_value=2**32))
def test_similarity_estimates_jaccard(a: set[int], b: set[int], seed: int) -> None:
    sa, sb = minhash(a, seed=seed), minhash(b, seed=seed)
    estimate = similarity(sa, sb)
    assert 0.0 <= estimate <= 1.0
    assert estimate == similarity(sb, sa)
    if a:
        assert similarity(sa, sa) == 1.0
    if a and b:
        exact = len(a & b) / len(a | b)
        # Over five standard deviations of a 64-bin estimate (at most 0.0625).
        assert abs(estimate - exact) <= 0.33
    if not a & b:
        assert estimate == 0.0  # no shingle in common, no bin in common


def test_the_estimate_tracks_the_exact_jaccard_on_real_text() -> None:
    for a, b in [*COPIES, *NOT_COPIES[:20]]:
        assert abs(score(TEXTS[a], TEXTS[b]) - exact_jaccard(TEXTS[a], TEXTS[b])) < 0.19


def test_k_changes_the_shingles() -> None:
    assert len(shingles("one two three four five six", 5)) == 2
    assert len(shingles("one two three four five six", 3)) == 4
    assert len(shingles("one two three four five six", 1)) == 6
    assert SHINGLE_SIZE == 5


# --- the threshold, measured ------------------------------------------------------------------


def duplicates(a: str, b: str, threshold: float = DUPLICATE_THRESHOLD) -> bool:
    """Whether groups() would join two items by their texts alone."""
    return bool(links([item(1, TEXTS[a]), item(2, TEXTS[b])], threshold=threshold))


def precision_recall(threshold: float) -> tuple[float, float]:
    found = sum(duplicates(a, b, threshold) for a, b in COPIES)
    wrong = sum(duplicates(a, b, threshold) for a, b in NOT_COPIES)
    return (found / (found + wrong) if found + wrong else 1.0), found / len(COPIES)


def test_the_labelled_set_is_what_it_says() -> None:
    assert len(COPIES) == 12 and len(NOT_COPIES) == 116
    assert not set(COPIES) & set(NOT_COPIES)
    # Each copy really differs from the text it copies, and each outlet's version was edited.
    for a, b in COPIES:
        assert TEXTS[a] != TEXTS[b]
    for version in OUTLETS.values():
        assert WIRE not in version


def test_the_threshold_separates_copies_from_articles_of_their_own() -> None:
    """Measured on the labelled pairs: precision and recall 1.0 at DUPLICATE_THRESHOLD, with a
    margin either side; 0.5 (a common choice) would miss half of the copies."""
    precision, recall = precision_recall(DUPLICATE_THRESHOLD)
    print(f"threshold {DUPLICATE_THRESHOLD}: precision {precision:.2f}, recall {recall:.2f}")
    assert (precision, recall) == (1.0, 1.0)
    lowest_copy = min(exact_jaccard(TEXTS[a], TEXTS[b]) for a, b in COPIES)
    highest_other = max(exact_jaccard(TEXTS[a], TEXTS[b]) for a, b in NOT_COPIES)
    assert highest_other + 0.05 <= DUPLICATE_THRESHOLD <= lowest_copy - 0.05
    for threshold in (0.2, 0.3):
        assert precision_recall(threshold) == (1.0, 1.0)
    assert precision_recall(0.5) == (1.0, 0.5)
    # Articles of their own share names and figures, hardly five words in a row.
    own = [(a, b) for a, b in NOT_COPIES if not {a, b} & {"follow-up", "quoting"}]
    assert max(exact_jaccard(TEXTS[a], TEXTS[b]) for a, b in own) < 0.05
