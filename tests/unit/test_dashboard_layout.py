"""The dashboard's pure parts: scope per tree, the breadcrumb, children, chart geometry."""

from __future__ import annotations

from survey.domain import dashboard as layout
from survey.domain.indicators import WITHHELD, Cell, Item, Node, Row

NODES = {
    1: Node(1, None, "F", "F", "forvaltning", "utforare"),
    2: Node(2, 1, "E1", "F/E1", "enhet", "utforare"),
    3: Node(3, 2, "V1", "F/E1/V1", "verksamhet", "utforare"),
    4: Node(4, 2, "Ateljé", "F/E1/Ateljé", "verksamhet", "utforare"),
    5: Node(5, 1, "E2", "F/E2", "enhet", "utforare"),
    6: Node(6, 5, "V3", "F/E2/V3", "verksamhet", "utforare"),
}
ITEM = Item(
    key="DV_TRIVS",
    kind="question",
    name={"sv": "Trivs", "en": "Likes it"},
    question_code="DV_TRIVS",
    positive="ja",
    options=("ja", "ibland", "nej"),
    option_labels={o: {"sv": o, "en": o} for o in ("ja", "ibland", "nej")},
    area="trivsel",
)


def test_scope_is_the_round_nodes_inside_the_persons_subtrees():
    covered = {1, 2, 3, 5, 6}  # Ateljé is not in the round
    assert layout.visible_nodes(NODES, covered, None) == covered
    assert layout.visible_nodes(NODES, covered, frozenset({2})) == {2, 3}
    # A root in the other tree (not among these nodes) adds nothing.
    assert layout.visible_nodes(NODES, covered, frozenset({99})) == set()
    assert layout.top_nodes(NODES, {3, 6}) == [3, 6]
    assert layout.top_nodes(NODES, {2, 3}) == [2]


def test_children_and_breadcrumb_stay_in_scope():
    visible = {2, 3, 4}
    assert layout.child_nodes(NODES, 2, visible) == [4, 3]  # by name: Ateljé, V1
    assert [n.id for n in layout.ancestors_in_scope(NODES, 3, visible)] == [2]
    assert [n.id for n in layout.ancestors_in_scope(NODES, 3, {1, 2, 3})] == [1, 2]


def test_bars_have_the_cells_length_and_withheld_ones_none():
    row = Row(
        tree="utforare",
        node_id=3,
        item=ITEM,
        total=Cell.of(85, 95, suppressed=False),
        men=Cell.of(34, 40, suppressed=False),
        women=WITHHELD,
        previous=None,
        distribution=None,
    )
    bars = layout.gender_bars(row, {"total": "89", "men": "85"})
    assert [(b.group, b.length) for b in bars] == [
        ("total", round(220 * 85 / 95, 2)),
        ("men", 187.0),
        ("women", 0.0),
    ]
    assert bars[2].cell.suppressed


def test_stacked_segments_add_up_and_withheld_gives_none():
    segments = layout.stacked_segments(ITEM, {"ja": 34, "ibland": 51})
    assert [(s.option, s.count, s.percent) for s in segments] == [
        ("ja", 34, 40),
        ("ibland", 51, 60),
        ("nej", 0, 0),
    ]
    assert segments[1].x == segments[0].width
    assert abs(sum(s.width for s in segments) - layout.STACK_WIDTH) < 0.05
    assert layout.stacked_segments(ITEM, None) is None
    assert layout.stacked_segments(ITEM, {}) is None


def test_interval_ends_round_half_up():
    assert layout.whole_percent(74.5) == 75
    assert layout.whole_percent(74.49) == 74
    assert layout.whole_percent(None) is None
