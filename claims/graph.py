"""Where the boxes of a provenance graph go: a layered, left-to-right layout of claim, sources
and snapshots, ready for templates/_graph.html to draw as SVG. Pure."""

from __future__ import annotations

import functools
import unicodedata
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

KINDS = ("claim", "source", "snapshot", "more")

NODE_WIDTH = 190.0
NODE_HEIGHT = 52.0
COLUMN_GAP = 70.0
ROW_GAP = 16.0
MARGIN = 16.0
# Room under the boxes for the "+N more not shown" line.
NOTE_HEIGHT = 22.0
# A back edge (to its own or an earlier column) runs under all the boxes, each in its own lane
# so that two of them never share a line. It leaves and enters its boxes with a sideways pull of
# 50, which overshoots them by at most 6 units: inside the margin.
BACK_LANE = 16.0
BACK_PULL = 50.0

LABEL_COLUMNS = 28
LABEL_LINES = 2
DETAIL_COLUMNS = 32
ELLIPSIS = "…"
# Characters that belong to the one before them: cutting in front of them splits a letter.
_JOINERS = {"\u200d", "\ufe0e", "\ufe0f"}


@dataclass(frozen=True)
class Node:
    """Something in the chain: the claim, a source, a snapshot, or a stand-in for more."""

    key: str
    kind: str  # "claim" | "source" | "snapshot" | "more"
    label: str
    detail: str = ""
    href: str | None = None


@dataclass(frozen=True)
class Edge:
    """An arrow between two nodes, by key."""

    source: str
    target: str
    label: str = ""


@dataclass(frozen=True)
class PlacedNode:
    """A node's box, its label cut into lines and its detail cut to one line."""

    node: Node
    x: float
    y: float
    width: float
    height: float
    lines: tuple[str, ...]
    detail_line: str = ""


@dataclass(frozen=True)
class PlacedEdge:
    """An edge as an SVG path "d" and the point its label sits on."""

    edge: Edge
    path: str
    label_x: float
    label_y: float


@dataclass(frozen=True)
class Layout:
    """The placed graph, its size, how many nodes the limit left out and the chain in words."""

    nodes: tuple[PlacedNode, ...]
    edges: tuple[PlacedEdge, ...]
    width: float
    height: float
    hidden: int
    description: str = ""


def layout(
    root: str, nodes: Sequence[Node], edges: Sequence[Edge], *, max_nodes: int = 40
) -> Layout:
    """Place the nodes reachable from root in columns by their distance from it.

    Rows keep the input order; beyond max_nodes (in breadth-first order) nodes are left out and
    counted in `hidden`. A link that is neither a site path nor an http(s) address is dropped.
    Raises ValueError if a key repeats, an edge or the root names an unknown node, a kind is
    unknown or max_nodes is below 1.

    The same graph gives the same (immutable) layout, remembered: a busy claim's page is drawn
    again after every change to its evidence, while its sources stay as they were.
    """
    return _layout(root, tuple(nodes), tuple(edges), max_nodes)


@functools.lru_cache(maxsize=256)
def _layout(root: str, nodes: tuple[Node, ...], edges: tuple[Edge, ...], max_nodes: int) -> Layout:
    if max_nodes < 1:
        raise ValueError("max_nodes must be at least 1")
    by_key: dict[str, Node] = {}
    order: dict[str, int] = {}
    for node in nodes:
        if node.key in by_key:
            raise ValueError(f"duplicate node key {node.key!r}")
        if node.kind not in KINDS:
            raise ValueError(f"unknown node kind {node.kind!r}")
        by_key[node.key] = node
        order[node.key] = len(order)
    for edge in edges:
        for end in (edge.source, edge.target):
            if end not in by_key:
                raise ValueError(f"edge {edge.source!r} -> {edge.target!r} names unknown {end!r}")
    if root not in by_key:
        raise ValueError(f"unknown root {root!r}")

    following: dict[str, list[str]] = {key: [] for key in by_key}
    for edge in edges:
        following[edge.source].append(edge.target)
    distance = {root: 0}
    parent: dict[str, str] = {}
    reached = [root]
    queue = deque([root])
    while queue:
        key = queue.popleft()
        for target in following[key]:
            if target not in distance:
                distance[target] = distance[key] + 1
                parent[target] = key
                reached.append(target)
                queue.append(target)
    kept = reached[:max_nodes]
    kept_set = set(kept)
    hidden = len(reached) - len(kept)

    columns: list[list[str]] = [[] for _ in range(max(distance[k] for k in kept) + 1)]
    for key in sorted(kept, key=order.__getitem__):
        columns[distance[key]].append(key)
    tallest = max(len(column) for column in columns)
    row_step = NODE_HEIGHT + ROW_GAP
    boxes: dict[str, PlacedNode] = {}
    for index, column in enumerate(columns):
        top = MARGIN + (tallest - len(column)) * row_step / 2
        for row, key in enumerate(column):
            node = by_key[key]
            if node.href is not None and not is_link(node.href):
                node = replace(node, href=None)
            boxes[key] = PlacedNode(
                node=node,
                x=_round(MARGIN + index * (NODE_WIDTH + COLUMN_GAP)),
                y=_round(top + row * row_step),
                width=NODE_WIDTH,
                height=NODE_HEIGHT,
                lines=wrap(node.label, LABEL_COLUMNS, LABEL_LINES),
                detail_line=shorten(node.detail, DETAIL_COLUMNS),
            )

    width = 2 * MARGIN + len(columns) * NODE_WIDTH + (len(columns) - 1) * COLUMN_GAP
    boxes_bottom = MARGIN + tallest * row_step - ROW_GAP
    bottom = boxes_bottom
    placed_edges = []
    lanes = 0
    for edge in edges:
        if edge.source in kept_set and edge.target in kept_set:
            tail, head = boxes[edge.source], boxes[edge.target]
            if head.x <= tail.x:
                lanes += 1
            placed, lowest = _route(edge, tail, head, boxes_bottom + lanes * BACK_LANE)
            placed_edges.append(placed)
            bottom = max(bottom, lowest)
    height = bottom + MARGIN + (NOTE_HEIGHT if hidden else 0)

    return Layout(
        nodes=tuple(boxes[key] for column in columns for key in column),
        edges=tuple(placed_edges),
        width=_round(width),
        height=_round(height),
        hidden=hidden,
        description=_describe(root, by_key, kept, parent, edges, hidden),
    )


def wrap(text: str, columns: int = LABEL_COLUMNS, lines: int = LABEL_LINES) -> tuple[str, ...]:
    """Fill text into at most `lines` lines of `columns` display columns, "…" where it is cut.

    Wide (East Asian) characters take two columns; a word longer than a line is broken.
    """
    text = " ".join(text.split())
    out: list[str] = []
    start = 0
    while start < len(text) and len(out) < lines:
        rest = text[start:]
        if display_width(rest) <= columns:
            out.append(rest)
            return tuple(out)
        cut = _cut(rest, columns)
        space = rest.rfind(" ", 0, cut + 1)
        if len(out) == lines - 1:
            out.append(shorten(rest, columns))
        elif space > 0:
            out.append(rest[:space])
            start += space + 1
        else:
            out.append(rest[:cut])
            start += cut
    return tuple(out)


def shorten(text: str, columns: int = DETAIL_COLUMNS) -> str:
    """One line of at most `columns` display columns, ending in "…" if it had to be cut."""
    text = " ".join(text.split())
    if display_width(text) <= columns:
        return text
    cut = _cut(text, columns - 1)
    head = text[:cut]
    # Prefer a word boundary, unless that throws away most of the line.
    if not text[cut].isspace() and " " in head:
        word_start = head.rindex(" ")
        if display_width(head[:word_start]) > columns // 2:
            head = head[:word_start]
    return head.rstrip() + ELLIPSIS


def display_width(text: str) -> int:
    """Columns the text takes in a proportional font, roughly: wide characters count two,
    combining marks and joiners none."""
    if text.isascii():
        return len(text)
    return sum(_char_width(char) for char in text)


def is_link(href: str) -> bool:
    """Whether href may become a link: a path on this site or an http(s) address with a host."""
    if not href or any(char.isspace() or ord(char) < 32 or char == "\\" for char in href):
        return False
    if href.startswith("/"):
        return not href.startswith("//")
    try:
        parts = urlsplit(href)
        return parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        return False


@functools.lru_cache(maxsize=4096)
def _char_width(char: str) -> int:
    # Variation selector 16 turns the narrow character before it into a wide emoji.
    if char == "\ufe0f":
        return 1
    if char in _JOINERS or unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def _cut(text: str, columns: int) -> int:
    """The longest prefix length of text within `columns`, never splitting off a combining mark,
    and at least one character so that a line always moves on."""
    if text.isascii():
        return max(min(len(text), columns), 1)
    used = 0
    cut = 0
    for index, char in enumerate(text):
        used += _char_width(char)
        if used > columns:
            break
        cut = index + 1
    while 0 < cut < len(text) and (
        text[cut] in _JOINERS or unicodedata.combining(text[cut]) or text[cut - 1] == "\u200d"
    ):
        cut -= 1
    return max(cut, 1)


def _route(edge: Edge, start: PlacedNode, end: PlacedNode, lane: float) -> tuple[PlacedEdge, float]:
    """A cubic curve from the middle of start's right side to the middle of end's left side,
    and the lowest y it (or its label) reaches. An edge that goes back runs under all the boxes,
    its middle at y = lane, instead of through them."""
    x0, y0 = start.x + start.width, start.y + start.height / 2
    x3, y3 = end.x, end.y + end.height / 2
    forward = x3 > x0
    if forward:
        pull = (x3 - x0) / 2
        p1, p2 = (x0 + pull, y0), (x3 - pull, y3)
    else:
        # The curve's middle is (y0 + y3) / 8 + 3/4 of the control points' y.
        below = (lane - (y0 + y3) / 8) * 4 / 3
        p1, p2 = (x0 + BACK_PULL, below), (x3 - BACK_PULL, below)

    def at(t: float) -> tuple[float, float]:
        s = 1 - t
        return (
            s**3 * x0 + 3 * s * s * t * p1[0] + 3 * s * t * t * p2[0] + t**3 * x3,
            s**3 * y0 + 3 * s * s * t * p1[1] + 3 * s * t * t * p2[1] + t**3 * y3,
        )

    mid_x, mid_y = at(0.5)
    lowest = max(at(step / 20)[1] for step in range(21))
    path = "M{},{} C{},{} {},{} {},{}".format(
        *(_num(v) for v in (x0, y0, p1[0], p1[1], p2[0], p2[1], x3, y3))
    )
    if forward:
        label_y = mid_y - 4
    else:
        label_y = mid_y + 11
        if edge.label:
            lowest = max(lowest, label_y + 3)
    return PlacedEdge(edge, path, _round(mid_x), _round(label_y)), lowest


def _describe(
    root: str,
    by_key: dict[str, Node],
    kept: list[str],
    parent: dict[str, str],
    edges: Sequence[Edge],
    hidden: int,
) -> str:
    """The chain in words, root first: one run per branch of the breadth-first tree, each
    starting where it branches off, then any edges that loop back, then what was left out."""
    kept_set = set(kept)
    children: dict[str, list[str]] = {key: [] for key in kept}
    for key in kept[1:]:
        children[parent[key]].append(key)
    runs: list[list[str]] = [[root]]
    stack = [(root, 0)]
    while stack:
        key, run = stack.pop()
        for index, child in enumerate(children[key]):
            if index == 0:
                runs[run].append(child)
                stack.append((child, run))
            else:
                runs.append([key, child])
                stack.append((child, len(runs) - 1))
    tree = {(parent[key], key) for key in kept[1:]}
    for edge in edges:
        pair = (edge.source, edge.target)
        if edge.source in kept_set and edge.target in kept_set and pair not in tree:
            runs.append(list(pair))
    parts = [" → ".join(by_key[key].label for key in run) for run in runs]
    if hidden:
        parts.append(f"{hidden} more not shown")
    return "; ".join(parts)


def _round(value: float) -> float:
    return round(value, 1)


def _num(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")
