"""Indicator cells from answer counts: one computation for every output (SPEC §4).

Input is what one grouped SQL query gives (survey.queries.indicators): answers counted per
verksamhet × beställare × gender × question × option, plus responses and invitations per
verksamhet × beställare × gender. Everything else is here, pure:

- **items**: the catalogue's indicators that the round's survey type feeds, and every rating
  question of its bank on its own (grouped by quality area);
- **cells**: positive and valid answers (valid = an option of the question's own scale; "vet
  inte" and skipped are not valid; proxy answers are left out by the query when the round
  says so), the percentage, the Wilson 95 % interval and the small-n flag (< 20 valid);
- **roll-up** from counts to every node of both hierarchies (utförare and beställare) and the
  whole installation, never by averaging percentages; totals include "annat"/unknown gender,
  men and women do not;
- **suppression**: every cell of both hierarchies passes through `survey.domain.suppression`
  together, so what one hierarchy publishes never uncovers what the other withholds;
- **response rates** per node and gender (never suppressed: they reveal no answers).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from survey.domain.indicator_catalogue import Catalogue
from survey.domain.question_banks import Question, QuestionBank
from survey.domain.suppression import Atom, suppress

TREES = ("utforare", "bestallare")
GENDER_CLASSES = ("total", "men", "women")
#: Gender codes as stored, to the three atom genders.
ATOM_GENDER = {"man": "men", "kvinna": "women", "annat": "other", "okand": "other"}
SMALL_N = 20
Z_95 = 1.959963984540054
#: Withholding weights: gender cells before totals, beställare before utförare.
_GENDER_COST = {"total": 3.0, "men": 1.0, "women": 1.0}
_TREE_COST = {"utforare": 2.0, "bestallare": 1.0}
INSTALLATION = None


# --- cells ---------------------------------------------------------------------------------


def wilson(positive: int, valid: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval for positive/valid, as percentages."""
    if valid <= 0:
        return (0.0, 100.0)
    p = positive / valid
    denominator = 1 + z * z / valid
    centre = (p + z * z / (2 * valid)) / denominator
    half = z * math.sqrt(p * (1 - p) / valid + z * z / (4 * valid * valid)) / denominator
    return (max(0.0, centre - half) * 100, min(1.0, centre + half) * 100)


@dataclass(frozen=True, slots=True)
class Cell:
    """One published or withheld figure: "89 % (85 av 95)" or "–"."""

    positive: int | None
    valid: int | None
    suppressed: bool
    percent: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    small_n: bool = False

    @classmethod
    def of(cls, positive: int, valid: int, *, suppressed: bool) -> Cell:
        if suppressed or valid <= 0:
            return WITHHELD
        low, high = wilson(positive, valid)
        return cls(
            positive=positive,
            valid=valid,
            suppressed=False,
            percent=100 * positive / valid,
            ci_low=low,
            ci_high=high,
            small_n=valid < SMALL_N,
        )


WITHHELD = Cell(positive=None, valid=None, suppressed=True)


# --- items ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Item:
    """One row kind of the table: an indicator, or one question on its own."""

    key: str
    #: "indicator" or "question".
    kind: str
    name: Mapping[str, str]
    question_code: str
    positive: str
    #: The valid options of the question's scale, in the scale's order.
    options: tuple[str, ...]
    option_labels: Mapping[str, Mapping[str, str]]
    area: str | None = None
    #: An indicator's "Analys" subject per language, from the catalogue (None for a
    #: question: survey.domain.analysis_text builds one from its name and positive option).
    analysis: Mapping[str, str] | None = None

    @property
    def table_key(self) -> tuple[str, str]:
        return (self.question_code, self.positive)


def _item(
    key: str,
    kind: str,
    name: Mapping[str, str],
    question: Question,
    positive: str,
    analysis: Mapping[str, str] | None = None,
) -> Item:
    scale = question.scale
    options = scale.options if scale is not None else ()
    return Item(
        key=key,
        kind=kind,
        name=name,
        question_code=question.code,
        positive=positive,
        options=tuple(o.code for o in options),
        option_labels={o.code: o.label for o in options},
        area=question.area,
        analysis=analysis,
    )


def round_items(catalogue: Catalogue, bank: QuestionBank) -> list[Item]:
    """The catalogue's indicators this survey type feeds, then every rating question."""
    items: list[Item] = []
    for indicator in catalogue.indicators:
        source = indicator.source_for(bank.survey_type)
        question = bank.find(source.question_code) if source is not None else None
        if source is None or question is None or question.scale is None:
            continue
        items.append(
            _item(
                indicator.key,
                "indicator",
                indicator.name,
                question,
                source.positive,
                analysis=indicator.analysis,
            )
        )
    for question in bank.questions:
        if question.scale is None or question.scale.positive is None or question.is_local:
            continue
        items.append(
            _item(question.code, "question", question.label, question, question.scale.positive)
        )
    return items


# --- structure -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Node:
    id: int
    parent_id: int | None
    name: str
    path: str
    level: str
    tree: str


@dataclass(frozen=True, slots=True)
class AnswerCount:
    unit_id: int
    bestallare_id: int | None
    gender: str
    question_code: str
    value: str
    count: int


@dataclass(frozen=True, slots=True)
class PersonCount:
    """Responses or invitations per verksamhet × beställare × gender."""

    unit_id: int
    bestallare_id: int | None
    gender: str | None
    count: int


def chain(nodes: Mapping[int, Node], node_id: int | None) -> list[int]:
    """`node_id` and its ancestors within `nodes`, nearest first (empty when unknown)."""
    found: list[int] = []
    seen: set[int] = set()
    current = node_id
    while current is not None and current in nodes and current not in seen:
        found.append(current)
        seen.add(current)
        current = nodes[current].parent_id
    return found


AtomKey = tuple[int, int | None, str]
CellKey = tuple[str, int | None, str]


@dataclass(slots=True)
class Layout:
    """Atoms and cells of one round's tables (shared by all its questions)."""

    atoms: list[AtomKey]
    cells: list[CellKey]
    members: list[frozenset[int]]
    groups: list[frozenset[int]]
    pairs: list[tuple[int, int]]
    cost: list[float]
    #: Position of each atom key in `atoms`.
    atom_index: dict[AtomKey, int] = field(default_factory=dict)


def build_layout(
    atoms: Iterable[AtomKey],
    trees: Mapping[str, Mapping[int, Node]],
    *,
    unit_ids: Iterable[int] = (),
    bestallare_ids: Iterable[int] = (),
) -> Layout:
    """Cells for every node above an atom (or a round unit) in both trees and the installation.

    `unit_ids` and `bestallare_ids` add nodes with no answers yet, so every unit at every
    level appears (with withheld cells).
    """
    atom_list = sorted(set(atoms), key=lambda k: (k[0], k[1] or 0, k[2]))
    members: dict[CellKey, set[int]] = defaultdict(set)
    for node_id in {n for u in unit_ids for n in chain(trees["utforare"], u)}:
        for gender in GENDER_CLASSES:
            members[("utforare", node_id, gender)]
    for node_id in {n for b in bestallare_ids for n in chain(trees["bestallare"], b)}:
        for gender in GENDER_CLASSES:
            members[("bestallare", node_id, gender)]
    for gender in GENDER_CLASSES:
        members[("utforare", INSTALLATION, gender)]
    residuals: dict[tuple[str, int | None], set[int]] = defaultdict(set)
    crosses: dict[tuple[int, int | None], dict[str, int]] = defaultdict(dict)
    no_bestallare: set[int] = set()
    for index, (unit_id, bestallare_id, gender) in enumerate(atom_list):
        crosses[(unit_id, bestallare_id)][gender] = index
        placed = [("utforare", n) for n in chain(trees["utforare"], unit_id)]
        placed.append(("utforare", INSTALLATION))
        b_chain = chain(trees["bestallare"], bestallare_id)
        placed.extend(("bestallare", n) for n in b_chain)
        if not b_chain:
            no_bestallare.add(index)
        for tree, node_id in placed:
            members[(tree, node_id, "total")].add(index)
            if gender == "other":
                residuals[(tree, node_id)].add(index)
            else:
                members[(tree, node_id, gender)].add(index)
    cells = sorted(members, key=lambda k: (TREES.index(k[0]), k[1] or 0, k[2]))
    member_sets = [frozenset(members[key]) for key in cells]
    pairs = [
        (genders[g1], genders[g2])
        for genders in crosses.values()
        for g1, g2 in (("men", "women"), ("men", "other"), ("women", "other"))
        if g1 in genders and g2 in genders
    ]
    groups = [frozenset(atoms_) for atoms_ in residuals.values()]
    if no_bestallare and len(no_bestallare) < len(atom_list):
        groups.append(frozenset(no_bestallare))
    cost = [_TREE_COST[tree] * _GENDER_COST[gender] for tree, _, gender in cells]
    layout = Layout(
        atoms=atom_list, cells=cells, members=member_sets, groups=groups, pairs=pairs, cost=cost
    )
    layout.atom_index = {key: i for i, key in enumerate(atom_list)}
    return layout


# --- tables --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Table:
    """One question's (positive option's) cells after suppression, by cell key."""

    cells: Mapping[CellKey, Cell]
    #: Valid answers per option, for published total cells only.
    distribution: Mapping[tuple[str, int | None], Mapping[str, int]]
    #: Indices of the withheld cells in the layout, and every cell's valid answers.
    withheld: frozenset[int] = frozenset()
    valid: Mapping[int, int] = field(default_factory=dict)


def sized_cost(weights: Sequence[float], valid: Sequence[int]) -> list[float]:
    """What withholding a cell costs readers: its kind's weight, growing with its size (a
    förvaltning's figure is worth more than one verksamhet's)."""
    return [w * (1 + math.log2(1 + v)) for w, v in zip(weights, valid, strict=True)]


def by_question(answers: Iterable[AnswerCount]) -> dict[str, list[AnswerCount]]:
    grouped: dict[str, list[AnswerCount]] = defaultdict(list)
    for row in answers:
        grouped[row.question_code].append(row)
    return grouped


def atom_counts(
    layout: Layout,
    answers: Iterable[AnswerCount],
    question_code: str,
    positive: str,
    options: Sequence[str],
) -> tuple[list[Atom], dict[int, dict[str, int]]]:
    """Positive and other valid answers per atom for one question (rows of other
    questions are skipped; `by_question` saves scanning them)."""
    index = layout.atom_index
    pos = [0] * len(layout.atoms)
    oth = [0] * len(layout.atoms)
    per_option: dict[int, dict[str, int]] = defaultdict(dict)
    valid = set(options)
    for row in answers:
        if row.question_code != question_code or row.value not in valid:
            continue
        atom = index[(row.unit_id, row.bestallare_id, ATOM_GENDER.get(row.gender, "other"))]
        if row.value == positive:
            pos[atom] += row.count
        else:
            oth[atom] += row.count
        per_option[atom][row.value] = per_option[atom].get(row.value, 0) + row.count
    return [Atom(p, o) for p, o in zip(pos, oth, strict=True)], per_option


def build_table(
    layout: Layout,
    atoms: Sequence[Atom],
    per_option: Mapping[int, Mapping[str, int]],
    threshold: int,
    *,
    fixed: frozenset[int] = frozenset(),
    forced: frozenset[int] = frozenset(),
    hint: frozenset[int] = frozenset(),
) -> Table:
    """Cells of one question after primary and secondary suppression."""
    atom_positive = [atom.positive for atom in atoms]
    atom_valid = [atom.valid for atom in atoms]
    positives = [sum(atom_positive[a] for a in members) for members in layout.members]
    valid = [sum(atom_valid[a] for a in members) for members in layout.members]
    withheld = suppress(
        atoms,
        layout.members,
        threshold,
        groups=layout.groups,
        pairs=layout.pairs,
        cost=sized_cost(layout.cost, valid),
        fixed=fixed,
        forced=forced,
        hint=hint,
        valid=valid,
    )
    cells: dict[CellKey, Cell] = {}
    distribution: dict[tuple[str, int | None], dict[str, int]] = {}
    valid_of = dict(enumerate(valid))
    for index, key in enumerate(layout.cells):
        cell = Cell.of(positives[index], valid[index], suppressed=index in withheld)
        cells[key] = cell
        if key[2] == "total" and not cell.suppressed:
            spread: dict[str, int] = defaultdict(int)
            for a in layout.members[index]:
                for option, count in per_option.get(a, {}).items():
                    spread[option] += count
            distribution[(key[0], key[1])] = dict(spread)
    return Table(cells=cells, distribution=distribution, withheld=withheld, valid=valid_of)


# --- response rates ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rate:
    invited: int
    responded: int

    @property
    def percent(self) -> float | None:
        return 100 * self.responded / self.invited if self.invited else None


@dataclass(frozen=True, slots=True)
class ResponseRate:
    total: Rate
    men: Rate
    women: Rate


def response_rates(
    trees: Mapping[str, Mapping[int, Node]],
    invitations: Iterable[PersonCount],
    responses: Iterable[PersonCount],
) -> dict[tuple[str, int | None], ResponseRate]:
    """Invited and responded per node of both trees and the installation, by gender."""
    tally: dict[tuple[str, int | None, str], list[int]] = defaultdict(lambda: [0, 0])
    for column, rows in ((0, invitations), (1, responses)):
        for row in rows:
            gender = ATOM_GENDER.get(row.gender or "", "other")
            places = [("utforare", n) for n in chain(trees["utforare"], row.unit_id)]
            places.append(("utforare", INSTALLATION))
            places.extend(("bestallare", n) for n in chain(trees["bestallare"], row.bestallare_id))
            for tree, node_id in places:
                tally[(tree, node_id, "total")][column] += row.count
                tally[(tree, node_id, gender)][column] += row.count
    result: dict[tuple[str, int | None], ResponseRate] = {}
    for tree, node_id in {(t, n) for t, n, _ in tally}:

        def rate(gender: str, tree: str = tree, node_id: int | None = node_id) -> Rate:
            invited, responded = tally.get((tree, node_id, gender), (0, 0))
            return Rate(invited=invited, responded=responded)

        result[(tree, node_id)] = ResponseRate(rate("total"), rate("men"), rate("women"))
    return result


# --- the whole round -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Row:
    tree: str
    node_id: int | None
    item: Item
    total: Cell
    men: Cell
    women: Cell
    previous: Cell | None
    distribution: Mapping[str, int] | None
    arsmal: str | None = None
    kf_arsmal: str | None = None


@dataclass(frozen=True, slots=True)
class RoundFigures:
    """Everything a round's reports show, suppression applied."""

    items: tuple[Item, ...]
    layout: Layout
    tables: Mapping[tuple[str, str], Table]
    previous: Mapping[tuple[str, str], Mapping[tuple[str, int | None], Cell]] | None
    rates: Mapping[tuple[str, int | None], ResponseRate]
    threshold: int

    def row(
        self,
        tree: str,
        node_id: int | None,
        item: Item,
        targets: Callable[[str, int | None], tuple[str | None, str | None]] | None = None,
    ) -> Row:
        table = self.tables[item.table_key]
        cell_tree = "utforare" if node_id is INSTALLATION else tree
        cells = {g: table.cells.get((cell_tree, node_id, g), WITHHELD) for g in GENDER_CLASSES}
        previous = None
        if self.previous is not None:
            previous = self.previous.get(item.table_key, {}).get((cell_tree, node_id), WITHHELD)
        arsmal = kf_arsmal = None
        if targets is not None and item.kind == "indicator":
            arsmal, kf_arsmal = targets(item.key, node_id)
        return Row(
            tree=cell_tree,
            node_id=node_id,
            item=item,
            total=cells["total"],
            men=cells["men"],
            women=cells["women"],
            previous=previous,
            distribution=table.distribution.get((cell_tree, node_id)),
            arsmal=arsmal,
            kf_arsmal=kf_arsmal,
        )

    def nodes(self, tree: str) -> list[int]:
        return sorted({n for t, n, _ in self.layout.cells if t == tree and n is not None})

    def rate(self, tree: str, node_id: int | None) -> ResponseRate:
        cell_tree = "utforare" if node_id is INSTALLATION else tree
        zero = Rate(0, 0)
        return self.rates.get((cell_tree, node_id), ResponseRate(zero, zero, zero))


def secondary(table: Table, layout: Layout, threshold: int) -> frozenset[int]:
    """The cells a table withholds although they have enough answers (to protect others).

    The next question of the round starts from these, so the rows of one report tend to
    lack the same cells (and the search is short); cells withheld for having too few answers
    are not carried over.
    """
    return frozenset(
        index for index in table.withheld if (table.valid.get(index) or 0) >= threshold
    )


def distinct_tables(items: Iterable[Item]) -> dict[tuple[str, str], Item]:
    tables: dict[tuple[str, str], Item] = {}
    for item in items:
        tables.setdefault(item.table_key, item)
    return tables


def compute_round(
    items: Sequence[Item],
    trees: Mapping[str, Mapping[int, Node]],
    answers: Sequence[AnswerCount],
    invitations: Sequence[PersonCount],
    responses: Sequence[PersonCount],
    threshold: int,
    *,
    unit_ids: Iterable[int] = (),
    previous: PreviousPeriod | None = None,
) -> RoundFigures:
    """Every table of one round, both hierarchies, suppression applied."""
    atom_keys = {
        (row.unit_id, row.bestallare_id, ATOM_GENDER.get(row.gender, "other")) for row in answers
    }
    unit_ids = set(unit_ids) | {row.unit_id for row in invitations}
    bestallare_ids = {row.bestallare_id for row in invitations if row.bestallare_id is not None}
    bestallare_ids |= {b for _, b, _ in atom_keys if b is not None}
    layout = build_layout(atom_keys, trees, unit_ids=unit_ids, bestallare_ids=bestallare_ids)
    tables: dict[tuple[str, str], Table] = {}
    hint: frozenset[int] = frozenset()
    grouped = by_question(answers)
    for key, item in distinct_tables(items).items():
        rows = grouped.get(item.question_code, [])
        atoms, per_option = atom_counts(
            layout, rows, item.question_code, item.positive, item.options
        )
        tables[key] = build_table(layout, atoms, per_option, threshold, hint=hint)
        hint = secondary(tables[key], layout, threshold)
    previous_cells = None
    if previous is not None:
        previous_cells = previous_period_cells(items, layout, trees, previous, threshold)
    return RoundFigures(
        items=tuple(items),
        layout=layout,
        tables=tables,
        previous=previous_cells,
        rates=response_rates(trees, invitations, responses),
        threshold=threshold,
    )


# --- the previous period -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PreviousRound:
    """One round of the previous period, with its own tree as it was then."""

    trees: Mapping[str, Mapping[int, Node]]
    answers: Sequence[AnswerCount]
    unit_ids: frozenset[int]
    bestallare_ids: frozenset[int]


@dataclass(frozen=True, slots=True)
class PreviousPeriod:
    rounds: Sequence[PreviousRound]
    #: For each node of today's trees, the nodes it descends from (splits, merges), itself
    #: included.
    lineage: Mapping[int, frozenset[int]]


def previous_period_cells(
    items: Sequence[Item],
    layout: Layout,
    trees: Mapping[str, Mapping[int, Node]],
    previous: PreviousPeriod,
    threshold: int,
) -> dict[tuple[str, str], dict[tuple[str, int | None], Cell]]:
    """Last period's total for today's nodes, through renames, splits and merges.

    A node's previous figure counts last period's answers of every unit it descends from
    (itself, and the predecessors of a split or merge), for each of its descendants. The
    cells are suppressed together with last period's own published tables (kept as they
    were published), so no previous-period figure uncovers what last period withheld.
    """
    # Today's nodes → last period's unit ids they stand for.
    descendants: dict[tuple[str, int], set[int]] = defaultdict(set)
    for tree in TREES:
        for node_id in trees[tree]:
            for ancestor in chain(trees[tree], node_id):
                descendants[(tree, ancestor)].update(previous.lineage.get(node_id, {node_id}))
    wanted = [(t, n) for t, n, g in layout.cells if g == "total"]
    result: dict[tuple[str, str], dict[tuple[str, int | None], Cell]] = {}
    old_layouts = []
    for prev in previous.rounds:
        keys = {
            (r.unit_id, r.bestallare_id, ATOM_GENDER.get(r.gender, "other")) for r in prev.answers
        }
        old_layouts.append(
            build_layout(
                keys, prev.trees, unit_ids=prev.unit_ids, bestallare_ids=prev.bestallare_ids
            )
        )
    all_keys: list[AtomKey] = [k for old in old_layouts for k in old.atoms]
    new_members: list[frozenset[int]] = []
    position = {tree: defaultdict(list) for tree in TREES}
    for i, (unit_id, bestallare_id, _) in enumerate(all_keys):
        position["utforare"][unit_id].append(i)
        if bestallare_id is not None:
            position["bestallare"][bestallare_id].append(i)
    for tree, node_id in wanted:
        if node_id is INSTALLATION:
            new_members.append(frozenset(range(len(all_keys))))
            continue
        units = descendants.get((tree, node_id), {node_id})
        new_members.append(frozenset(i for u in units for i in position[tree].get(u, ())))
    hints: dict[int, frozenset[int]] = {}
    combined_hint: frozenset[int] = frozenset()
    grouped = [by_question(prev.answers) for prev in previous.rounds]
    for key, item in distinct_tables(items).items():
        all_atoms: list[Atom] = []
        members: list[frozenset[int]] = []
        cost: list[float] = []
        groups: list[frozenset[int]] = []
        pairs: list[tuple[int, int]] = []
        fixed: set[int] = set()
        forced: set[int] = set()
        for rows, old in zip(grouped, old_layouts, strict=True):
            atoms, per_option = atom_counts(
                old,
                rows.get(item.question_code, []),
                item.question_code,
                item.positive,
                item.options,
            )
            own = build_table(
                old, atoms, per_option, threshold, hint=hints.get(id(old), frozenset())
            )
            hints[id(old)] = secondary(own, old, threshold)
            offset = len(all_atoms)
            all_atoms.extend(atoms)
            for index, cell_key in enumerate(old.cells):
                (forced if own.cells[cell_key].suppressed else fixed).add(len(members))
                members.append(frozenset(a + offset for a in old.members[index]))
                cost.append(old.cost[index])
            groups.extend(frozenset(a + offset for a in g) for g in old.groups)
            pairs.extend((a + offset, b + offset) for a, b in old.pairs)
        first_new = len(members)
        # A previous figure over exactly the answers of a cell last period published (or
        # withheld) is that cell: it stays as it was.
        published_sets = {members[i] for i in fixed}
        withheld_sets = {members[i] for i in forced}
        for offset, picked in enumerate(new_members):
            if picked in withheld_sets:
                forced.add(first_new + offset)
            elif picked in published_sets:
                fixed.add(first_new + offset)
        members.extend(new_members)
        cost.extend(_TREE_COST[tree] * _GENDER_COST["total"] for tree, _ in wanted)
        if all(first_new + i in fixed or first_new + i in forced for i in range(len(wanted))):
            # No split or merge since: every previous figure is one of last period's cells.
            withheld = frozenset(forced)
        else:
            withheld = suppress(
                all_atoms,
                members,
                threshold,
                groups=groups,
                pairs=pairs,
                cost=cost,
                fixed=frozenset(fixed),
                forced=frozenset(forced),
                hint=combined_hint,
            )
            combined_hint = frozenset(
                i
                for i in withheld
                if i >= first_new and sum(all_atoms[a].valid for a in members[i]) >= threshold
            )
        cells: dict[tuple[str, int | None], Cell] = {}
        for offset, (tree, node_id) in enumerate(wanted):
            index = first_new + offset
            picked = members[index]
            positive = sum(all_atoms[a].positive for a in picked)
            valid = sum(all_atoms[a].valid for a in picked)
            cells[(tree, node_id)] = Cell.of(positive, valid, suppressed=index in withheld)
        result[key] = cells
    return result
