"""The indicator dashboard's pure parts: which units a person sees, and the charts' geometry.

Nothing here computes a figure: the cells come from `RoundFigures` (survey.domain.indicators)
with suppression applied, and this module only decides what to show where. The charts are
drawn by the template as SVG from the numbers below (no inline styles: the CSP forbids them).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from survey.domain.indicator_export import subtree, tree_order
from survey.domain.indicators import Cell, Item, Node, Row
from survey.domain.overview import percent_half_up
from survey.domain.question_banks import QUALITY_AREAS

#: The bars' drawing area in the SVG's own units (viewBox), beside the labels.
BAR_X = 110
BAR_WIDTH = 220
#: The stacked bar of a question's answers, in the SVG's own units.
STACK_WIDTH = 300
#: The value text's column, right of the bars.
VALUE_X = BAR_X + BAR_WIDTH + 10
#: A segment narrower than this carries no label inside (the text line below has them all).
STACK_LABEL_MIN = 34


def visible_nodes(
    nodes: Mapping[int, Node], covered: Iterable[int], roots: frozenset[int] | None
) -> set[int]:
    """The round's nodes of one tree (`covered`) that lie in the person's subtrees (`roots`
    from `Access.roots`; None: everywhere). Roots in the other tree add nothing here."""
    covered = set(covered)
    if roots is None:
        return covered
    inside: set[int] = set()
    for root in roots:
        if root in nodes:
            inside |= subtree(nodes, root)
    return covered & inside


def top_nodes(nodes: Mapping[int, Node], visible: Iterable[int]) -> list[int]:
    """The highest visible nodes (those whose parent is not visible), in tree order."""
    return [node_id for node_id, depth in tree_order(nodes, visible) if depth == 0]


def child_nodes(nodes: Mapping[int, Node], node_id: int, visible: set[int]) -> list[int]:
    """The visible children of `node_id`, in tree order (by name)."""
    children = [n.id for n in nodes.values() if n.parent_id == node_id and n.id in visible]
    return [n for n, depth in tree_order(nodes, children) if depth == 0]


def ancestors_in_scope(nodes: Mapping[int, Node], node_id: int, visible: set[int]) -> list[Node]:
    """The visible ancestors of `node_id`, top first (for the breadcrumb)."""
    found: list[Node] = []
    current = nodes[node_id].parent_id
    seen: set[int] = set()
    while current is not None and current in nodes and current not in seen:
        seen.add(current)
        if current in visible:
            found.append(nodes[current])
        current = nodes[current].parent_id
    return list(reversed(found))


def whole_percent(value: float | None) -> int | None:
    """A percentage (e.g. an interval's end) rounded half up to a whole number."""
    return None if value is None else math.floor(value + 0.5)


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar of an indicator's chart by gender: "total", "men" or "women"."""

    group: str
    cell: Cell
    percent: str
    #: Length in the SVG's units (0 for a withheld cell, which draws no bar).
    length: float
    y: int


def gender_bars(row: Row, percent_of: Mapping[str, str]) -> list[Bar]:
    """Total, men and women of one row as bars; `percent_of` holds the rounded percent texts
    (survey.domain.indicator_export.percent_text) by group."""
    bars = []
    for index, (group, cell) in enumerate(
        (("total", row.total), ("men", row.men), ("women", row.women))
    ):
        length = 0.0
        if not cell.suppressed and cell.positive is not None and cell.valid:
            length = round(BAR_WIDTH * cell.positive / cell.valid, 2)
        bars.append(
            Bar(
                group=group,
                cell=cell,
                percent=percent_of.get(group, ""),
                length=length,
                y=index * 30,
            )
        )
    return bars


@dataclass(frozen=True, slots=True)
class Segment:
    """One option's part of a question's stacked bar."""

    option: str
    label: Mapping[str, str]
    count: int
    percent: int
    x: float
    width: float
    #: The option's place in the scale (the template's fill class: seg-0, seg-1, …).
    shade: int

    @property
    def labelled(self) -> bool:
        return self.width >= STACK_LABEL_MIN


def stacked_segments(item: Item, distribution: Mapping[str, int] | None) -> list[Segment] | None:
    """The valid answers of a question per option, as parts of one bar; None when withheld
    (or when nobody gave a valid answer)."""
    if distribution is None:
        return None
    counts = [(option, distribution.get(option, 0)) for option in item.options]
    total = sum(count for _, count in counts)
    if total <= 0:
        return None
    segments = []
    x = 0.0
    for shade, (option, count) in enumerate(counts):
        width = round(STACK_WIDTH * count / total, 2)
        segments.append(
            Segment(
                option=option,
                label=item.option_labels.get(option, {"sv": option, "en": option}),
                count=count,
                percent=percent_half_up(count, total) or 0,
                x=round(x, 2),
                width=width,
                shade=min(shade, 3),
            )
        )
        x += width
    return segments


def rows_by_area(rows: Sequence[Row]) -> list[tuple[str, list[Row]]]:
    """The questions (not the indicators) grouped by quality area, in the national survey's
    order of the areas; areas without a question are left out."""
    grouped: dict[str, list[Row]] = {}
    for row in rows:
        if row.item.kind == "question":
            grouped.setdefault(row.item.area or "", []).append(row)
    order = [area for area in QUALITY_AREAS if area in grouped]
    order += sorted(area for area in grouped if area not in QUALITY_AREAS)
    return [(area, grouped[area]) for area in order]
