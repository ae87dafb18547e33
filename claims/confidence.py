"""The confidence the tool suggests for a verdict, from the claim's evidence. Pure.

Each evidence item weighs its source's reliability (1-5, unrated counts as 3) divided by 5,
times a quote factor: 1 when its excerpt is verified in the archived copy, 0.75 when there is
no archived copy to check, 0.5 when the excerpt was not found there. Supporting items add their
weight to S, refuting items to R, mixed items half to each; context items count for neither.
The evidence's support is p = (S + 1) / (S + R + 2): 0.5 with no evidence, towards 1 as
support accumulates, towards 0 as refutation does (a Laplace-smoothed share, so one weak item
never reads as certainty). p only grows with more, or more reliable, or verified supporting
evidence, and only falls with refuting evidence: the README states and the tests check this.

The suggested confidence depends on where the proposed rating sits on the numeric scale:
100·p for the true side (4-5), 100·(1 - p) for the false side (1-2), 100·(1 - |2p - 1|) for
the middle (3: mixed evidence is what makes "half true" likely); none for ratings off the
numeric scale (misleading, unproven, not checkable).

Independence: items that depend on each other (the same source, sources citing one press release,
near-duplicate wire copy: services.evidence.independence_of) form a group, and a group counts
once, with the weight of its strongest item; the others are listed with weight 0 ("counted with
#N"). Three links to one press release are one confirmation, not three.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

UNRATED_RELIABILITY = 3
QUOTE_FACTOR = {"verified": 1.0, "no_snapshot": 0.75, "not_found": 0.5}
STANCE_SHARE = {"supports": (1.0, 0.0), "refutes": (0.0, 1.0), "mixed": (0.5, 0.5)}


@dataclass(frozen=True)
class Item:
    """What the formula reads of one evidence item."""

    stance: str
    reliability: int | None
    quote_verified: str
    evidence_id: int | None = None
    group: int | None = None  # items of one group depend on each other and count once


@dataclass(frozen=True)
class Weighed:
    """One item's weight and how much of it supports or refutes."""

    item: Item
    weight: float
    supports: float
    refutes: float
    counted_with: int | None = None  # the evidence id of its group's counted item


@dataclass(frozen=True)
class Support:
    """The evidence's support for the claim, and what drives it."""

    supporting: float
    refuting: float
    items: tuple[Weighed, ...]

    @property
    def share(self) -> float:
        """p: 0.5 without evidence, towards 1 when it supports, towards 0 when it refutes."""
        return (self.supporting + 1) / (self.supporting + self.refuting + 2)

    def suggest(self, numeric: int | None) -> int | None:
        """The suggested confidence (0-100) for a rating at `numeric` on the 1-5 scale."""
        p = self.share
        if numeric is None:
            return None
        if numeric >= 4:
            return round(100 * p)
        if numeric <= 2:
            return round(100 * (1 - p))
        return round(100 * (1 - abs(2 * p - 1)))


def weight(reliability: int | None, quote_verified: str) -> float:
    """An item's weight: reliability / 5 times the quote factor."""
    rating = reliability if reliability is not None else UNRATED_RELIABILITY
    return rating / 5 * QUOTE_FACTOR.get(quote_verified, QUOTE_FACTOR["no_snapshot"])


def support(items: Iterable[Item]) -> Support:
    """Weigh every item and sum the support and refutation, each dependent group once."""
    listed = list(items)
    strongest: dict[int, Item] = {}
    for item in listed:
        if item.group is None or item.stance not in STANCE_SHARE:
            continue
        best = strongest.get(item.group)
        if best is None or weight(item.reliability, item.quote_verified) > weight(
            best.reliability, best.quote_verified
        ):
            strongest[item.group] = item
    weighed = []
    for item in listed:
        share = STANCE_SHARE.get(item.stance)
        if share is None:  # context
            weighed.append(Weighed(item, 0.0, 0.0, 0.0))
            continue
        counted = strongest.get(item.group) if item.group is not None else None
        if counted is not None and counted is not item:
            weighed.append(Weighed(item, 0.0, 0.0, 0.0, counted.evidence_id))
            continue
        w = weight(item.reliability, item.quote_verified)
        weighed.append(Weighed(item, w, w * share[0], w * share[1]))
    return Support(
        supporting=round(sum(w.supports for w in weighed), 6),
        refuting=round(sum(w.refutes for w in weighed), 6),
        items=tuple(weighed),
    )
