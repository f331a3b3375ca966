"""An attacker on published indicator tables, as sdcTable's `attack()` is (SPEC §4).

The attacker knows every published count of one output (both hierarchies, all genders, the
answer distribution of published cells, the previous-period column), that counts are
non-negative, that every total is the sum of its parts, which atoms (verksamhet ×
beställare × gender) have respondents, and the published response counts (valid answers in
a cell never exceed its responses). For each withheld cell and each small "annat" residual
it bounds the positive count from below and above by linear programming (HiGHS); a
collapsed interval is a disclosure.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog

from survey.domain.indicators import ATOM_GENDER, INSTALLATION, Node, chain


@dataclass(frozen=True)
class Person:
    unit_id: int
    bestallare_id: int | None
    gender: str
    #: Option code, "vet_inte", or None (skipped).
    value: str | None


@dataclass(frozen=True)
class Constraint:
    """Σ coefficient·variable (=, ≤) bound."""

    terms: Mapping[int, float]
    bound: float
    equal: bool


class Attack:
    def __init__(self, options: Sequence[str], positive: str) -> None:
        self.options = list(options)
        self.positive = positive
        self.variables: dict[tuple[object, str], int] = {}
        self.constraints: list[Constraint] = []

    def var(self, atom: object, option: str) -> int:
        return self.variables.setdefault((atom, option), len(self.variables))

    def add(self, terms: Mapping[int, float], bound: float, *, equal: bool) -> None:
        self.constraints.append(Constraint(dict(terms), bound, equal))

    def bounds(self, objective: Mapping[int, float]) -> tuple[float, float]:
        n = len(self.variables)
        eq = [c for c in self.constraints if c.equal]
        ub = [c for c in self.constraints if not c.equal]

        def matrix(rows: list[Constraint]) -> tuple[np.ndarray | None, np.ndarray | None]:
            if not rows:
                return None, None
            a = np.zeros((len(rows), n))
            for i, row in enumerate(rows):
                for j, coefficient in row.terms.items():
                    a[i, j] = coefficient
            return a, np.array([row.bound for row in rows])

        a_eq, b_eq = matrix(eq)
        a_ub, b_ub = matrix(ub)
        c = np.zeros(n)
        for j, coefficient in objective.items():
            c[j] = coefficient
        found = []
        for sign in (1, -1):
            result = linprog(
                sign * c,
                A_ub=a_ub,
                b_ub=b_ub,
                A_eq=a_eq,
                b_eq=b_eq,
                bounds=(0, None),
                method="highs",
            )
            assert result.status == 0, f"the attacker's LP failed: {result.message}"
            found.append(sign * result.fun)
        return found[0], found[1]


def places(
    trees: Mapping[str, Mapping[int, Node]], unit_id: int, bestallare_id: int | None
) -> list[tuple[str, int | None]]:
    found: list[tuple[str, int | None]] = [
        ("utforare", n) for n in chain(trees["utforare"], unit_id)
    ]
    found.append(("utforare", INSTALLATION))
    found.extend(("bestallare", n) for n in chain(trees["bestallare"], bestallare_id))
    return found


AtomKey = tuple[int, int | None, str]


@dataclass(frozen=True)
class Published:
    """One published (or withheld) cell: which atoms it sums, and its (positive, valid)."""

    key: object
    atoms: frozenset[AtomKey]
    value: tuple[int, int] | None
    #: Published valid answers per option (the answer distribution), if any.
    distribution: Mapping[str, int] | None = None


def attack_sets(
    persons: Sequence[Person],
    options: Sequence[str],
    positive: str,
    published: Sequence[Published],
    responded: Sequence[tuple[frozenset[AtomKey], int]],
    residuals: Sequence[tuple[object, frozenset[AtomKey]]],
    *,
    threshold: int,
) -> list[tuple[object, float, float]]:
    """The general attack: `published` cells as atom sets, response counts as upper bounds
    on valid answers, and extra small groups (`residuals`) that must not be pinned either.
    Returns (key, low, high) of every withheld cell or small group the attacker pins."""
    atoms = sorted(
        {(p.unit_id, p.bestallare_id, ATOM_GENDER[p.gender]) for p in persons},
        key=lambda k: (k[0], k[1] or 0, k[2]),
    )
    known = set(atoms)
    lp = Attack(options, positive)
    for atom in atoms:
        for option in options:
            lp.var(atom, option)
    for cell in published:
        inside = [a for a in cell.atoms if a in known]
        if cell.value is not None:
            positive_count, valid = cell.value
            lp.add({lp.var(a, positive): 1 for a in inside}, positive_count, equal=True)
            lp.add({lp.var(a, o): 1 for a in inside for o in options}, valid, equal=True)
        if cell.distribution is not None:
            for option in options:
                lp.add(
                    {lp.var(a, option): 1 for a in inside},
                    cell.distribution.get(option, 0),
                    equal=True,
                )
    for members, count in responded:
        inside = [a for a in members if a in known]
        if inside:
            lp.add({lp.var(a, o): 1 for a in inside for o in options}, count, equal=False)
    valid_of: dict[AtomKey, int] = defaultdict(int)
    for person in persons:
        if person.value in options:
            valid_of[(person.unit_id, person.bestallare_id, ATOM_GENDER[person.gender])] += 1
    targets: list[tuple[object, list[AtomKey]]] = []
    for cell in published:
        inside = [a for a in cell.atoms if a in known]
        if cell.value is None and sum(valid_of[a] for a in inside) > 0:
            targets.append((cell.key, inside))
    for key, members in residuals:
        inside = [a for a in members if a in known]
        if 0 < sum(valid_of[a] for a in inside) < threshold:
            targets.append((key, inside))
    disclosed = []
    for key, inside in targets:
        low, high = lp.bounds({lp.var(a, positive): 1 for a in inside})
        if high - low < 0.5:
            disclosed.append((key, low, high))
    return disclosed


def attack(
    persons: Sequence[Person],
    trees: Mapping[str, Mapping[int, Node]],
    options: Sequence[str],
    positive: str,
    published: Mapping[tuple[str, int | None, str], tuple[int, int] | None],
    distribution: Mapping[tuple[str, int | None], Mapping[str, int]],
    responded: Mapping[tuple[str, int | None, str], int],
    *,
    threshold: int,
) -> list[tuple[object, float, float]]:
    """Every withheld cell or small "annat" residual of one round's table that is pinned.

    `published` maps each cell key (tree, node, total|men|women) to (positive, valid), or to
    None when withheld. Returns (key, low, high) for the disclosed ones (empty: safe).
    """
    members: dict[tuple[str, int | None, str], set[AtomKey]] = defaultdict(set)
    for person in persons:
        atom = (person.unit_id, person.bestallare_id, ATOM_GENDER[person.gender])
        for tree, node_id in places(trees, person.unit_id, person.bestallare_id):
            members[(tree, node_id, "total")].add(atom)
            members[(tree, node_id, atom[2])].add(atom)
    cells = [
        Published(
            key,
            frozenset(members.get(key, ())),
            value,
            distribution.get((key[0], key[1])) if key[2] == "total" else None,
        )
        for key, value in published.items()
    ]
    bounds = [(frozenset(members.get(key, ())), count) for key, count in responded.items()]
    residuals = [
        (key, frozenset(atoms))
        for key, atoms in members.items()
        if key[2] == "other" and (key[0], key[1], "total") in published
    ]
    return attack_sets(persons, options, positive, cells, bounds, residuals, threshold=threshold)
