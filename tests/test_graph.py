"""claims.graph and templates/_graph.html: the provenance graph's layout and its SVG."""

from __future__ import annotations

import ast
import re
from itertools import pairwise
from pathlib import Path

import pytest
from jinja2 import Environment, FileSystemLoader
from lxml import etree

from claims import graph
from claims.graph import (
    COLUMN_GAP,
    MARGIN,
    NODE_HEIGHT,
    NODE_WIDTH,
    Edge,
    Layout,
    Node,
    display_width,
    layout,
    shorten,
    wrap,
)

ROOT = Path(__file__).resolve().parents[1]
SVG = "{http://www.w3.org/2000/svg}"

CHAIN = [
    Node("claim", "claim", "Claim", "Checked 3 May"),
    Node("mod", "source", "Ministry of Defence statement", "gov.uk", href="/sources/1"),
    Node("reuters", "source", "Reuters report", "reuters.com", href="/sources/2"),
    Node("snap", "snapshot", "Snapshot 12 May 2024", "sha256 9f3a", href="/snapshots/7"),
]
CHAIN_EDGES = [
    Edge("claim", "mod", "attributed to"),
    Edge("mod", "reuters", "cites"),
    Edge("reuters", "snap", "snapshot"),
]


def source(key: str, label: str | None = None, href: str | None = None) -> Node:
    return Node(key, "source", label or key.upper(), href=href)


def placed(result: Layout) -> dict[str, graph.PlacedNode]:
    return {p.node.key: p for p in result.nodes}


def edge_pairs(result: Layout) -> list[tuple[str, str]]:
    return [(p.edge.source, p.edge.target) for p in result.edges]


def path_ends(path: str) -> tuple[tuple[float, float], tuple[float, float]]:
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", path)]
    assert len(numbers) == 8, path
    return (numbers[0], numbers[1]), (numbers[6], numbers[7])


# Layout ---------------------------------------------------------------------------------------


def test_columns_follow_the_distance_from_the_root():
    nodes = [Node("c", "claim", "Claim"), source("a"), source("b"), source("d")]
    # d is two steps away along a-b-d but one step along c-d: the shortest distance wins.
    edges = [Edge("c", "a"), Edge("a", "b"), Edge("b", "d"), Edge("c", "d")]
    boxes = placed(layout("c", nodes, edges))
    step = NODE_WIDTH + COLUMN_GAP
    assert boxes["c"].x == MARGIN
    assert boxes["a"].x == boxes["d"].x == MARGIN + step
    assert boxes["b"].x == MARGIN + 2 * step


def test_a_chain_is_one_row_left_to_right():
    result = layout("claim", CHAIN, CHAIN_EDGES)
    assert [p.node.key for p in result.nodes] == ["claim", "mod", "reuters", "snap"]
    assert len({p.y for p in result.nodes}) == 1
    assert [p.x for p in result.nodes] == sorted(p.x for p in result.nodes)
    assert result.width == 2 * MARGIN + 4 * NODE_WIDTH + 3 * COLUMN_GAP
    assert result.height == 2 * MARGIN + NODE_HEIGHT
    assert result.hidden == 0


def test_rows_keep_the_input_order_not_the_discovery_order():
    nodes = [Node("c", "claim", "Claim"), source("a"), source("b"), source("x")]
    edges = [Edge("c", "x"), Edge("c", "b"), Edge("c", "a")]
    result = layout("c", nodes, edges)
    column = [p for p in result.nodes if p.node.kind == "source"]
    assert [p.node.key for p in column] == ["a", "b", "x"]
    ys = [p.y for p in column]
    assert ys == sorted(ys)
    assert {b - a for a, b in pairwise(ys)} == {NODE_HEIGHT + graph.ROW_GAP}


def test_a_shorter_column_is_centred_on_the_tallest():
    nodes = [Node("c", "claim", "Claim"), source("a"), source("b"), source("d")]
    boxes = placed(layout("c", nodes, [Edge("c", "a"), Edge("c", "b"), Edge("c", "d")]))
    middle = (boxes["a"].y + boxes["d"].y) / 2
    assert boxes["c"].y == boxes["b"].y == middle


def test_edges_run_from_the_right_middle_to_the_left_middle():
    result = layout("claim", CHAIN, CHAIN_EDGES)
    boxes = placed(result)
    for p in result.edges:
        start, end = path_ends(p.path)
        tail, head = boxes[p.edge.source], boxes[p.edge.target]
        assert start == (tail.x + tail.width, tail.y + tail.height / 2)
        assert end == (head.x, head.y + head.height / 2)
        assert p.path.startswith("M") and " C" in p.path
        assert start[0] < p.label_x < end[0]


def test_a_cycle_terminates_and_draws_both_edges():
    nodes = [Node("a", "claim", "A"), source("b")]
    result = layout("a", nodes, [Edge("a", "b", "cites"), Edge("b", "a", "cites")])
    assert edge_pairs(result) == [("a", "b"), ("b", "a")]
    boxes = placed(result)
    back = result.edges[1]
    start, end = path_ends(back.path)
    assert start[0] == boxes["b"].x + NODE_WIDTH and end[0] == boxes["a"].x
    # The back edge swings under the boxes, and the picture is tall enough to hold it.
    boxes_bottom = max(p.y + p.height for p in result.nodes)
    assert back.label_y > boxes_bottom
    assert result.height >= back.label_y + MARGIN


def test_a_self_loop_and_two_back_edges_get_their_own_lanes():
    nodes = [Node("a", "claim", "A"), source("b"), source("c")]
    edges = [Edge("a", "b"), Edge("b", "c"), Edge("c", "c"), Edge("c", "a"), Edge("c", "b")]
    result = layout("a", nodes, edges)
    assert edge_pairs(result) == [(e.source, e.target) for e in edges]
    back = [p for p in result.edges if path_ends(p.path)[1][0] <= path_ends(p.path)[0][0]]
    assert [(p.edge.source, p.edge.target) for p in back] == [("c", "c"), ("c", "a"), ("c", "b")]
    lanes = [p.label_y for p in back]
    assert lanes == sorted(set(lanes))


def test_unreachable_nodes_and_their_edges_are_dropped():
    nodes = [Node("c", "claim", "Claim"), source("a"), source("island"), source("b")]
    edges = [Edge("c", "a"), Edge("island", "b"), Edge("b", "c"), Edge("a", "b")]
    result = layout("c", nodes, edges)
    assert [p.node.key for p in result.nodes] == ["c", "a", "b"]
    assert ("island", "b") not in edge_pairs(result)
    assert result.hidden == 0


def test_max_nodes_keeps_the_first_in_breadth_first_order_and_counts_the_rest():
    nodes = [Node("c", "claim", "Claim")] + [source(f"s{i}") for i in range(6)]
    edges = [Edge("c", "s0"), Edge("c", "s1"), Edge("s0", "s2"), Edge("s2", "s3")]
    edges += [Edge("s1", "s4"), Edge("s4", "s5")]
    result = layout("c", nodes, edges, max_nodes=4)
    assert [p.node.key for p in result.nodes] == ["c", "s0", "s1", "s2"]
    assert result.hidden == 3
    assert edge_pairs(result) == [("c", "s0"), ("c", "s1"), ("s0", "s2")]
    assert result.description.endswith("; 3 more not shown")
    unlimited = layout("c", nodes, edges[:3], max_nodes=4)
    # Room is left under the boxes for the "+N more not shown" line.
    assert result.height == unlimited.height + graph.NOTE_HEIGHT


def test_the_default_limit_is_forty():
    nodes = [Node("c", "claim", "Claim")] + [source(f"s{i}") for i in range(50)]
    result = layout("c", nodes, [Edge("c", f"s{i}") for i in range(50)])
    assert len(result.nodes) == 40
    assert result.hidden == 11


def test_coordinates_are_rounded_to_one_decimal():
    nodes = [Node("c", "claim", "Claim")] + [source(f"s{i}") for i in range(3)]
    edges = [Edge("c", "s0"), Edge("c", "s1"), Edge("s1", "s2"), Edge("s2", "c")]
    result = layout("c", nodes, edges)
    numbers = [result.width, result.height]
    numbers += [v for p in result.nodes for v in (p.x, p.y, p.width, p.height)]
    numbers += [v for p in result.edges for v in (p.label_x, p.label_y)]
    assert all(v == round(v, 1) for v in numbers)
    for p in result.edges:
        assert re.fullmatch(r"M[\d.,-]+ C[\d.,-]+ [\d.,-]+ [\d.,-]+", p.path)
        assert not re.search(r"\.\d\d", p.path)


@pytest.mark.parametrize(
    ("root", "nodes", "edges", "message"),
    [
        ("a", [source("a"), source("a")], [], "duplicate node key 'a'"),
        ("a", [source("a")], [Edge("a", "ghost")], "unknown 'ghost'"),
        ("a", [source("a")], [Edge("ghost", "a")], "unknown 'ghost'"),
        ("ghost", [source("a")], [], "unknown root 'ghost'"),
        ("a", [Node("a", "person", "A")], [], "unknown node kind 'person'"),
    ],
)
def test_bad_input_raises_value_error(root, nodes, edges, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        layout(root, nodes, edges)


def test_max_nodes_below_one_raises_value_error():
    with pytest.raises(ValueError, match="max_nodes"):
        layout("a", [source("a")], [], max_nodes=0)


@pytest.mark.parametrize(
    ("href", "kept"),
    [
        ("/sources/1", True),
        ("/snapshots/7?tab=text#top", True),
        ("https://www.gov.uk/statement", True),
        ("http://example.org/", True),
        ("javascript:alert(1)", False),
        (" javascript:alert(1)", False),
        ("JAVASCRIPT:alert(1)", False),
        ("data:text/html,<script>alert(1)</script>", False),
        ("//evil.example/", False),
        ("/\\evil.example/", False),
        ("https://", False),
        ("https://exa mple.org/", False),
        ("", False),
    ],
)
def test_only_site_paths_and_web_addresses_stay_links(href, kept):
    result = layout("a", [Node("a", "source", "A", href=href)], [])
    assert result.nodes[0].node.href == (href if kept else None)


# Labels ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "lines"),
    [
        ("", ()),
        ("   ", ()),
        ("Reuters", ("Reuters",)),
        ("  Reuters \n report ", ("Reuters report",)),
        ("x" * 28, ("x" * 28,)),
        (
            "Ministry of Defence statement on procurement",
            ("Ministry of Defence", "statement on procurement"),
        ),
        (
            "Ministry of Defence statement on the 2023 procurement review and its costs",
            ("Ministry of Defence", "statement on the 2023…"),
        ),
        ("x" * 70, ("x" * 28, "x" * 27 + "…")),
        (
            "Supercalifragilisticexpialidocious words",
            ("Supercalifragilisticexpialid", "ocious words"),
        ),
        ("日本語" * 6, ("日本語" * 4 + "日本", "語日本語")),
        ("日本語" * 12, (("日本語" * 12)[:14], ("日本語" * 12)[14:27] + "…")),
    ],
)
def test_labels_wrap_into_two_lines_and_are_cut_with_an_ellipsis(label, lines):
    assert wrap(label) == lines
    assert all(len(line) <= 28 for line in lines)


def test_wide_characters_count_two_columns():
    assert display_width("abc") == 3
    assert display_width("日本") == 4
    assert display_width("e\u0301") == 1
    assert display_width("👩\u200d🔬") == 4
    assert display_width("🛰\ufe0f") == 2


def test_a_cut_never_separates_a_combining_mark_from_its_letter():
    label = "e\u0301" * 70
    for line in wrap(label):
        assert not line.startswith("\u0301")
        assert display_width(line) <= 28
    assert wrap(label)[-1].endswith("e\u0301…")


def test_a_cut_never_splits_a_joined_emoji():
    scientist = "👩\u200d🔬"
    label = "a" * 26 + scientist + " b"
    first = wrap(label)[0]
    assert first == "a" * 26
    assert wrap(label)[1] == scientist + " b"


@pytest.mark.parametrize(
    "label",
    [
        "Заявление Министерства обороны Российской Федерации о закупках вооружения",
        "بيان وزارة الدفاع بشأن مراجعة المشتريات لعام 2023 وتكاليفها الإجمالية",
        "国防部发言人称，今年的国防预算增加了百分之四十，这是历史上最大的增幅",
        "🛰️📡" * 25,
    ],
)
def test_long_unicode_labels_fit_two_lines(label):
    (box,) = layout("a", [Node("a", "source", label, detail=label)], []).nodes
    assert 1 <= len(box.lines) <= 2
    assert all(display_width(line) <= 28 for line in box.lines)
    assert box.lines[-1].endswith("…")
    assert display_width(box.detail_line) <= 32 and box.detail_line.endswith("…")
    assert box.node.label == label


@pytest.mark.parametrize(
    ("detail", "line"),
    [
        ("gov.uk", "gov.uk"),
        ("Snapshot taken 12 May 2024 at 10:31 UTC", "Snapshot taken 12 May 2024 at…"),
        ("sha256:" + "9f" * 30, "sha256:" + "9f" * 12 + "…"),
    ],
)
def test_details_are_one_line(detail, line):
    assert shorten(detail) == line
    assert display_width(shorten(detail)) <= 32


def test_the_description_reads_the_chain_in_order():
    assert layout("claim", CHAIN, CHAIN_EDGES).description == (
        "Claim → Ministry of Defence statement → Reuters report → Snapshot 12 May 2024"
    )


def test_the_description_starts_each_branch_where_it_branches_and_adds_back_edges():
    nodes = [*CHAIN, Node("snap2", "snapshot", "Snapshot 3 May 2024")]
    edges = [*CHAIN_EDGES, Edge("mod", "snap2"), Edge("reuters", "mod", "cites")]
    assert layout("claim", nodes, edges).description == (
        "Claim → Ministry of Defence statement → Reuters report → Snapshot 12 May 2024; "
        "Ministry of Defence statement → Snapshot 3 May 2024; "
        "Reuters report → Ministry of Defence statement"
    )


def test_the_module_is_pure():
    tree = ast.parse((ROOT / "claims" / "graph.py").read_text())
    imported = {
        name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for name in (
            [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
        )
    }
    assert not imported & {"flask", "peewee", "jinja2", "claims", "requests"}


# Rendering ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def macro():
    env = Environment(loader=FileSystemLoader(ROOT / "templates"), autoescape=True)
    return env.get_template("_graph.html").module.provenance_graph


def render(macro, result: Layout, title: str = "Where the claim comes from", **kwargs) -> str:
    return str(macro(result, title, **kwargs))


def parse(html: str) -> etree._Element:
    """The output, wrapped in one element, as strict XML (raises if it is not well-formed)."""
    wrapper = etree.fromstring(f"<div>{html}</div>")
    (svg,) = wrapper
    return svg


def test_the_svg_is_labelled_and_sized_from_the_layout(macro):
    result = layout("claim", CHAIN, CHAIN_EDGES)
    svg = parse(render(macro, result))
    assert svg.tag == f"{SVG}svg"
    assert svg.get("role") == "img"
    assert svg.get("viewBox") == f"0 0 {result.width} {result.height}"
    assert svg.get("width") == "100%"
    assert svg.get("height") == str(result.height)
    title_id, desc_id = svg.get("aria-labelledby").split()
    (title,) = svg.xpath("//*[@id=$id]", id=title_id)
    (desc,) = svg.xpath("//*[@id=$id]", id=desc_id)
    assert title.tag == f"{SVG}title" and title.text == "Where the claim comes from"
    assert desc.tag == f"{SVG}desc"
    assert desc.text == (
        "Claim → Ministry of Defence statement → Reuters report → Snapshot 12 May 2024"
    )


def test_nodes_edges_and_arrows_are_drawn(macro):
    result = layout("claim", CHAIN, CHAIN_EDGES)
    svg = parse(render(macro, result))
    groups = svg.findall(f".//{SVG}g[@class]")
    node_groups = [g for g in groups if "graph-node" in g.get("class").split()]
    assert [g.get("class") for g in node_groups] == [
        "graph-node graph-claim",
        "graph-node graph-source",
        "graph-node graph-source",
        "graph-node graph-snapshot",
    ]
    for group, box in zip(node_groups, result.nodes, strict=True):
        rect = group.find(f"{SVG}rect")
        assert rect.get("rx") == "6"
        assert (rect.get("x"), rect.get("y")) == (str(box.x), str(box.y))
        assert group.find(f"{SVG}title").text == f"{box.node.label} — {box.node.detail}"
        assert [t.text for t in group.iter(f"{SVG}tspan")] == list(box.lines)
    (marker,) = svg.findall(f".//{SVG}defs/{SVG}marker")
    paths = [p for p in svg.iter(f"{SVG}path") if p.getparent().tag != f"{SVG}marker"]
    assert [p.get("d") for p in paths] == [e.path for e in result.edges]
    assert {p.get("marker-end") for p in paths} == {f"url(#{marker.get('id')})"}
    labels = [
        t.text for t in svg.iter(f"{SVG}text") if t.getparent().get("class") == "graph-edge-labels"
    ]
    assert labels == ["attributed to", "cites", "snapshot"]


def test_each_kind_has_its_own_fill(macro):
    nodes = [
        Node("c", "claim", "C"),
        source("s"),
        Node("p", "snapshot", "P"),
        Node("m", "more", "+3"),
    ]
    edges = [Edge("c", "s"), Edge("s", "p"), Edge("s", "m")]
    svg = parse(render(macro, layout("c", nodes, edges)))
    fills = {
        g.get("class").split()[1]: g.find(f"{SVG}rect").get("fill")
        for g in svg.iter(f"{SVG}g")
        if "graph-node" in (g.get("class") or "")
    }
    assert set(fills) == {"graph-claim", "graph-source", "graph-snapshot", "graph-more"}
    assert len(set(fills.values())) == 4


def test_linked_nodes_are_wrapped_in_links(macro):
    nodes = [Node("c", "claim", "Claim"), *CHAIN[1:]]
    svg = parse(render(macro, layout("c", nodes, [Edge("c", "mod"), *CHAIN_EDGES[1:]])))
    links = svg.findall(f".//{SVG}a")
    assert [a.get("href") for a in links] == ["/sources/1", "/sources/2", "/snapshots/7"]
    for a in links:
        assert a[0].get("class").startswith("graph-node")
    assert not svg.xpath(
        "//*[local-name()='g'][contains(@class, 'graph-claim')]/ancestor::*[local-name()='a']"
    )


def test_user_text_is_escaped(macro):
    script = "<script>alert(1)</script>"
    breakout = '"><svg onload=alert(1)>'
    nodes = [
        Node("c", "claim", script, detail=breakout),
        Node("a", "source", breakout, detail=script, href='/s/1"><script>alert(1)</script>'),
        Node("j", "source", "J", href="javascript:alert(1)"),
    ]
    edges = [Edge("c", "a", breakout), Edge("a", "j", script)]
    html = render(macro, layout("c", nodes, edges), title=script, id=breakout)
    svg = parse(html)
    everything = list(svg.iter())
    assert not [e for e in everything if etree.QName(e).localname == "script"]
    assert [e for e in everything if etree.QName(e).localname == "svg"] == [svg]
    assert not [e for e in everything if any(k.lower().startswith("on") for k in e.attrib)]
    assert not [e for e in everything if "javascript:" in (e.get("href") or "")]
    assert script in svg.find(f"{SVG}title").text
    assert breakout in "".join(svg.itertext())
    assert "<script>" not in html and "<svg onload" not in html
    assert "|safe" not in (ROOT / "templates" / "_graph.html").read_text()


def test_no_inline_styles(macro):
    nodes = [*CHAIN, Node("m", "more", "+3 more")]
    result = layout(
        "claim", nodes, [*CHAIN_EDGES, Edge("snap", "m"), Edge("snap", "mod")], max_nodes=4
    )
    svg = parse(render(macro, result))
    assert not [e for e in svg.iter() if "style" in e.attrib]
    assert not [e for e in svg.iter() if etree.QName(e).localname == "style"]


def test_hidden_nodes_are_counted_under_the_graph(macro):
    nodes = [Node("c", "claim", "Claim")] + [source(f"s{i}") for i in range(5)]
    result = layout("c", nodes, [Edge("c", f"s{i}") for i in range(5)], max_nodes=3)
    svg = parse(render(macro, result))
    (note,) = svg.findall(f"{SVG}text[@class='graph-hidden']")
    assert note.text == "+3 more not shown"
    assert float(note.get("y")) > max(p.y + p.height for p in result.nodes)
    assert not parse(render(macro, layout("claim", CHAIN, CHAIN_EDGES))).findall(
        f"{SVG}text[@class='graph-hidden']"
    )


def test_two_graphs_on_one_page_have_distinct_ids(macro):
    result = layout("claim", CHAIN, CHAIN_EDGES)
    page = etree.fromstring(
        f"<div>{render(macro, result, id='first')}{render(macro, result, id='second')}</div>"
    )
    ids = [e.get("id") for e in page.iter() if e.get("id")]
    assert len(ids) == len(set(ids))
