"""Primary and secondary suppression: which cells of a table may be published (SPEC §4).

Every output (web, PDF, Excel, CSV, JSON) takes its cells from `suppress()`; nothing else
decides what is withheld.

The model
---------
A table is built from **atoms**: the smallest groups the data has, here one verksamhet ×
one beställare × one gender (män, kvinnor, and "annat/okänd" together). Each atom holds
`positive` answers and `other` valid answers (valid = positive + other). A **cell** is a set
of atoms: a verksamhet, enhet or förvaltning in either hierarchy, for everyone, men or women.
A published cell shows its positive and valid counts.

The attacker (statistical disclosure control as τ-ARGUS and sdcTable practise it) knows every
published count, that counts are non-negative integers, and which atoms exist. A withheld
cell is *disclosed* if its positive count is pinned to one value by what is published.

The algorithm
-------------
1. **Primary**: a cell with fewer than `threshold` valid answers is withheld.
2. **Secondary**: every withheld cell with at least one valid answer, and every extra
   `group` (the "annat/okänd" residual of a node: total minus men minus women) with between
   1 and `threshold − 1` valid answers, must be *protected*: there must be a way to change
   the answers that leaves every published count as it is and changes the group's positive
   count. Moving one answer from positive to not positive in atom *a* and the other way in
   atom *b* is such a way when no published cell contains just one of *a* and *b* (they have
   the same **signature**, the set of published cells containing them). So is the four-atom
   cycle *a* → *b*, *d* → *c* when the pairs (*a*, *b*) and (*c*, *d*) differ in the same
   published cells (e.g. the "annat" and men atoms of two verksamheter whose men cells are
   both withheld). A move needs room: an atom can give up a positive answer only if it has
   one, and an "other" answer likewise. An atom in no published cell protects every group
   it belongs to.
   While some group is unprotected, the cheapest set of published cells whose withholding
   creates such a move is withheld (cost: the caller's weights, e.g. gender cells before
   totals, beställare before utförare), and the newly withheld cells must be protected in
   turn. Withholding only merges signatures, so a protected group stays protected; the loop
   ends when every group is protected.
3. `fixed` cells are already public (e.g. last period's published table) and are never
   withheld, `forced` ones were withheld there and stay so; only the other cells are
   candidates.

This is a sufficient condition, not a necessary one: it may withhold more than an optimal
solver would, never less. The tests attack every published table with linear programming
(the attacker above, also knowing the response counts) and check that no withheld positive
count collapses to one value.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

#: How many atoms near a group are tried as partners for one fix, and from how many of the
#: group's own atoms (the smallest signatures first): a bound on the search, not on safety.
_CANDIDATES = 40
_MEMBERS = 3
#: How many four-atom cycles the protection check tries before it gives up on a group.
_CYCLE_BUDGET = 2000
#: How many pairs from each differing cell are tried for the other half of a four-atom cycle.
_PAIRS_PER_CELL = 30


@dataclass(frozen=True, slots=True)
class Atom:
    positive: int
    #: Valid answers that are not positive.
    other: int

    @property
    def valid(self) -> int:
        return self.positive + self.other


def suppress(
    atoms: Sequence[Atom],
    cells: Sequence[frozenset[int]],
    threshold: int,
    *,
    groups: Iterable[frozenset[int]] = (),
    pairs: Iterable[tuple[int, int]] = (),
    cost: Sequence[float] | None = None,
    fixed: frozenset[int] = frozenset(),
    forced: frozenset[int] = frozenset(),
    hint: frozenset[int] = frozenset(),
    valid: Sequence[int] | None = None,
) -> frozenset[int]:
    """The indices of the cells to withhold (see the module docstring for the algorithm).

    `cells` are sets of atom indices; `groups` further atom sets that must not be revealed
    when small; `pairs` atoms that may trade answers in a four-atom cycle (e.g. two genders
    of one verksamhet × beställare); `cost` one weight per cell (default 1); `fixed` cells
    already published elsewhere; `forced` cells already withheld elsewhere; `hint` cells to
    withhold from the start (another question's pattern over the same cells: the rows of one
    report then lack the same cells, and the search is short).
    """
    return _Suppressor(atoms, cells, threshold, pairs, cost, fixed, forced | hint, valid).run(
        groups
    )


class _Suppressor:
    def __init__(
        self,
        atoms: Sequence[Atom],
        cells: Sequence[frozenset[int]],
        threshold: int,
        pairs: Iterable[tuple[int, int]],
        cost: Sequence[float] | None,
        fixed: frozenset[int],
        forced: frozenset[int],
        valid: Sequence[int] | None = None,
    ) -> None:
        self.atoms = atoms
        self.cells = cells
        self.can_gain = [atom.other > 0 for atom in atoms]
        self.can_lose = [atom.positive > 0 for atom in atoms]
        self.threshold = threshold
        self.cost = cost if cost is not None else [1.0] * len(cells)
        self.fixed = fixed
        if valid is None:
            atom_valid = [atom.valid for atom in atoms]
            valid = [sum(atom_valid[a] for a in cell) for cell in cells]
        self.valid = list(valid)
        self.withheld: set[int] = {
            index
            for index, valid in enumerate(self.valid)
            if (valid < threshold or index in forced) and index not in fixed
        }
        self.cells_of: list[list[int]] = [[] for _ in atoms]
        for index, cell in enumerate(cells):
            for atom in cell:
                self.cells_of[atom].append(index)
        self.sig: list[frozenset[int]] = [
            frozenset(c for c in self.cells_of[a] if c not in self.withheld)
            for a in range(len(atoms))
        ]
        # Per signature: how many atoms have a positive answer, and how many another.
        self.with_positive: dict[frozenset[int], int] = defaultdict(int)
        self.with_other: dict[frozenset[int], int] = defaultdict(int)
        for atom, sig in enumerate(self.sig):
            self._count(atom, sig, 1)
        self.partners: dict[int, list[int]] = defaultdict(list)
        for a, b in pairs:
            if atoms[a].valid and atoms[b].valid and a != b:
                self.partners[a].append(b)
                self.partners[b].append(a)
        # Pairs by the published cells they differ in, for four-atom cycles; built when
        # first needed (many tables never need them).
        self._buckets: dict[tuple[frozenset[int], frozenset[int]], set[tuple[int, int]]] | None = (
            None
        )
        self._pairs_by_cell: dict[int, set[tuple[int, int]]] = {}

    @property
    def buckets(self) -> dict[tuple[frozenset[int], frozenset[int]], set[tuple[int, int]]]:
        if self._buckets is None:
            self._buckets = defaultdict(set)
            self._pairs_by_cell = defaultdict(set)
            for a, partners in self.partners.items():
                for b in partners:
                    delta = self._delta(a, b)
                    self._buckets[delta].add((a, b))
                    for cell in delta[0] | delta[1]:
                        self._pairs_by_cell[cell].add((a, b))
        return self._buckets

    def _pairs_sharing(
        self, cells: Iterable[int], usable: Callable[[int, int], bool]
    ) -> list[tuple[int, int]]:
        """Usable pairs whose difference shares one of `cells`: the partners a cheap
        four-atom cycle can use, a few from each cell (the rarest first), so both a sibling
        unit and a unit of the same beställare are tried. Withholding a cell only removes it
        from every difference, so the index just forgets that cell."""
        self.buckets  # noqa: B018 - builds the index
        found: list[tuple[int, int]] = []
        seen: set[tuple[int, int]] = set()
        for cell in sorted(cells, key=lambda c: len(self._pairs_by_cell.get(c, ()))):
            taken = 0
            for looked, pair in enumerate(self._pairs_by_cell.get(cell, ())):
                if looked >= _PAIRS_PER_CELL * 10:
                    break
                if pair in seen or not usable(*pair):
                    continue
                seen.add(pair)
                found.append(pair)
                taken += 1
                if taken >= _PAIRS_PER_CELL:
                    break
        return found

    # --- state -------------------------------------------------------------------------

    def _delta(self, a: int, b: int) -> tuple[frozenset[int], frozenset[int]]:
        return (self.sig[a] - self.sig[b], self.sig[b] - self.sig[a])

    def _count(self, atom: int, sig: frozenset[int], step: int) -> None:
        if self.atoms[atom].positive:
            self.with_positive[sig] += step
        if self.atoms[atom].other:
            self.with_other[sig] += step

    def _withhold(self, cell: int) -> None:
        if cell in self.withheld or cell in self.fixed:
            return
        self.withheld.add(cell)
        self._pairs_by_cell.pop(cell, None)
        for atom in self.cells[cell]:
            if not self.atoms[atom].valid:
                self.sig[atom] = self.sig[atom] - {cell}
                continue
            buckets = self._buckets
            if buckets is not None:
                for b in self.partners.get(atom, ()):
                    buckets[self._delta(atom, b)].discard((atom, b))
                    buckets[self._delta(b, atom)].discard((b, atom))
            self._count(atom, self.sig[atom], -1)
            self.sig[atom] = self.sig[atom] - {cell}
            self._count(atom, self.sig[atom], 1)
            if buckets is not None:
                for b in self.partners.get(atom, ()):
                    buckets[self._delta(atom, b)].add((atom, b))
                    buckets[self._delta(b, atom)].add((b, atom))

    # --- protection ----------------------------------------------------------------------

    def _cycle_ok(self, a: int, b: int, c: int, d: int) -> bool:
        # +a −b −c +d, or the reverse.
        gain, lose = self.can_gain, self.can_lose
        return (gain[a] and lose[b] and lose[c] and gain[d]) or (
            lose[a] and gain[b] and gain[c] and lose[d]
        )

    def protected(self, group: frozenset[int]) -> bool:
        inside: dict[frozenset[int], list[int]] = defaultdict(list)
        for atom in group:
            if self.atoms[atom].valid:
                inside[self.sig[atom]].append(atom)
        for sig, members in inside.items():
            if not sig:
                return True
            in_pos = sum(1 for a in members if self.atoms[a].positive)
            in_oth = sum(1 for a in members if self.atoms[a].other)
            out_pos = self.with_positive[sig] - in_pos
            out_oth = self.with_other[sig] - in_oth
            if (in_oth and out_pos > 0) or (in_pos and out_oth > 0):
                return True
        budget = _CYCLE_BUDGET
        for a in group:
            for b in self.partners.get(a, ()):
                in_ab = (a in group) - (b in group)
                for c, d in self.buckets.get(self._delta(a, b), ()):
                    budget -= 1
                    if budget <= 0:
                        # Not found in time: treated as unprotected, so a fix makes it so
                        # (safe; at worst a cell more is withheld).
                        return False
                    if c in (a, b) or d in (a, b):
                        continue
                    if in_ab - (c in group) + (d in group) and self._cycle_ok(a, b, c, d):
                        return True
        return False

    # --- the cheapest fix ----------------------------------------------------------------

    def _price(self, cells: Iterable[int]) -> float | None:
        total = 0.0
        for cell in cells:
            if cell in self.fixed:
                return None
            total += self.cost[cell]
        return total

    def _nearby(self, group: frozenset[int], a: int) -> list[int]:
        """Atoms outside the group that share a small cell with `a`, nearest first."""
        found: list[int] = []
        seen = set(group)
        for cell in sorted(self.cells_of[a], key=lambda c: len(self.cells[c])):
            for b in self.cells[cell]:
                if b not in seen and self.atoms[b].valid:
                    seen.add(b)
                    found.append(b)
            if len(found) >= _CANDIDATES:
                break
        return found

    def _best_fix(self, group: frozenset[int]) -> list[int] | None:
        best: tuple[float, list[int]] | None = None

        def consider(cells: set[int]) -> None:
            nonlocal best
            price = self._price(cells)
            if price is not None and cells and (best is None or price < best[0]):
                best = (price, sorted(cells))

        members = sorted((a for a in group if self.atoms[a].valid), key=lambda a: len(self.sig[a]))[
            :_MEMBERS
        ]
        signed: dict[tuple[int, int], set[tuple[int, int]]] = {}

        def delta(x: int, y: int) -> set[tuple[int, int]]:
            if (x, y) not in signed:
                signed[(x, y)] = self._signed(x, y)
            return signed[(x, y)]

        for a in members:
            consider(set(self.sig[a]))
            nearby = self._nearby(group, a)
            for b in nearby:
                if (self.atoms[a].other and self.atoms[b].positive) or (
                    self.atoms[a].positive and self.atoms[b].other
                ):
                    consider(set(self.sig[a] ^ self.sig[b]))
            for b in self.partners.get(a, ()):
                first = delta(a, b)
                in_ab = (a in group) - (b in group)

                def usable(c: int, d: int, a: int = a, b: int = b, in_ab: int = in_ab) -> bool:
                    return (
                        c not in (a, b)
                        and d not in (a, b)
                        and bool(in_ab - (c in group) + (d in group))
                        and self._cycle_ok(a, b, c, d)
                    )

                for c, d in self._pairs_sharing({cell for cell, _ in first}, usable):
                    effect = (a in group) - (b in group) - (c in group) + (d in group)
                    if effect and self._cycle_ok(a, b, c, d):
                        consider({cell for cell, _ in first ^ delta(c, d)})
        return best[1] if best is not None else None

    def _signed(self, a: int, b: int) -> set[tuple[int, int]]:
        plus, minus = self._delta(a, b)
        return {(c, 1) for c in plus} | {(c, -1) for c in minus}

    # --- the loop ------------------------------------------------------------------------

    def run(self, groups: Iterable[frozenset[int]]) -> frozenset[int]:
        queue: list[frozenset[int]] = [
            group
            for group in groups
            if 0 < sum(self.atoms[a].valid for a in group) < self.threshold
        ]
        queue.extend(self.cells[c] for c in sorted(self.withheld) if self.valid[c] > 0)
        while queue:
            group = queue.pop()
            if self.protected(group):
                continue
            fix = self._best_fix(group)
            if fix is None:
                # Only fixed cells stand in the way: withhold every other cell the group's
                # atoms lie in (what remains public was public already).
                fix = sorted({c for a in group for c in self.sig[a] if c not in self.fixed})
            for cell in fix:
                if cell not in self.withheld and cell not in self.fixed:
                    self._withhold(cell)
                    if self.valid[cell] > 0:
                        queue.append(self.cells[cell])
        return frozenset(self.withheld)
