"""Horizontal bar charts laid out for server-rendered SVG (templates/_charts.html). Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

BAR_HEIGHT = 22
GAP = 8
LABEL_WIDTH = 190
BAR_WIDTH = 300
COUNT_WIDTH = 60


@dataclass(frozen=True)
class Bar:
    """One bar: its label, value, place and width, and a CSS class for its colour."""

    label: str
    value: int
    y: float
    width: float
    css: str


@dataclass(frozen=True)
class Chart:
    """Bars with the size of the drawing."""

    bars: tuple[Bar, ...]
    width: int
    height: int
    label_width: int
    total: int


def bars(values: Sequence[tuple[str, int]], css: Sequence[str] = ()) -> Chart:
    """Bars scaled to the largest value (all empty when every value is 0); `css` gives each
    bar its class (colour), else they cycle through bar-0 .. bar-7."""
    top = max((v for _, v in values), default=0)
    placed = tuple(
        Bar(
            label=label,
            value=value,
            y=i * (BAR_HEIGHT + GAP),
            width=round(BAR_WIDTH * value / top, 1) if top else 0.0,
            css=css[i] if i < len(css) else f"bar-{i % 8}",
        )
        for i, (label, value) in enumerate(values)
    )
    return Chart(
        bars=placed,
        width=LABEL_WIDTH + BAR_WIDTH + COUNT_WIDTH,
        height=max(1, len(placed) * (BAR_HEIGHT + GAP) - GAP),
        label_width=LABEL_WIDTH,
        total=sum(v for _, v in values),
    )
