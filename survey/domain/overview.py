"""The live overview of a round: invitation counts rolled up the organisation tree (SPEC §5).

Pure: `survey.queries.overview` reads the counts with one GROUP BY over invitations and
hands them here with the tree. Counts are summed upwards, never percentages averaged.
Invitations are the denominator: withdrawn ones leave it (counted on their own), and the
gender split uses the invitation's gender (from the recipient list), not the response's.

`overview_csv()` writes the download: UTF-8 with BOM, semicolons, decimal comma, a Swedish
header by default (a page may pass translated headers).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

GENDER_GROUPS = ("women", "men", "other")
#: Invitation gender → group; "annat", "okand" and unknown (None) are "other".
_GROUP_OF: dict[str | None, str] = {"kvinna": "women", "man": "men"}
SortKey = Literal["tree", "name", "response_rate", "invited"]


def gender_group(gender: str | None) -> str:
    return _GROUP_OF.get(gender, "other")


def percent_half_up(part: int, whole: int, *, decimals: int = 0) -> int | None:
    """`part / whole` in percent, rounded half up, as an integer count of 10^-decimals
    percent (integer arithmetic: 95 of 177 → 54; with one decimal → 537). None when whole
    is 0."""
    if whole <= 0:
        return None
    scale = 100 * 10**decimals
    return (2 * scale * part + whole) // (2 * whole)


@dataclass(frozen=True, slots=True)
class Counts:
    """Invitation counts of one group. `invited` leaves out withdrawn invitations."""

    invited: int = 0
    started: int = 0
    submitted: int = 0
    withdrawn: int = 0

    @property
    def not_started(self) -> int:
        return self.invited - self.started - self.submitted

    @property
    def response_share(self) -> float | None:
        """submitted / invited, 0–1; None when nobody is invited."""
        return self.submitted / self.invited if self.invited else None

    @property
    def response_percent(self) -> int | None:
        """Response rate in whole percent, rounded half up; None when nobody is invited."""
        return percent_half_up(self.submitted, self.invited)

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.invited + other.invited,
            self.started + other.started,
            self.submitted + other.submitted,
            self.withdrawn + other.withdrawn,
        )

    @classmethod
    def of_status(cls, status: str, count: int) -> Counts:
        if status == "withdrawn":
            return cls(withdrawn=count)
        return cls(
            invited=count,
            started=count if status == "started" else 0,
            submitted=count if status == "submitted" else 0,
        )


@dataclass(frozen=True, slots=True)
class Tally:
    """Counts in total and split by the invitation's gender."""

    total: Counts = Counts()
    women: Counts = Counts()
    men: Counts = Counts()
    other: Counts = Counts()

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            self.total + other.total,
            self.women + other.women,
            self.men + other.men,
            self.other + other.other,
        )

    def by_gender(self, group: str) -> Counts:
        return {"women": self.women, "men": self.men, "other": self.other}[group]


@dataclass(frozen=True, slots=True)
class CountRow:
    """One row of the grouped query: invitations of one unit, gender and status."""

    org_node_id: int
    gender: str | None
    status: str
    count: int


# The roll-up sums plain integer vectors (group × field) and builds the frozen Tally once
# per row: creating frozen dataclasses per addition was most of the time for a city round.
_GROUP_SLOT = {"women": 1, "men": 2, "other": 3}
#: status → the fields (invited 0, started 1, submitted 2, withdrawn 3) it counts in.
_STATUS_FIELDS = {
    "not_started": (0,),
    "started": (0, 1),
    "submitted": (0, 2),
    "withdrawn": (3,),
}
_Vector = list[int]


def _own_vectors(rows: Iterable[CountRow]) -> dict[int, _Vector]:
    vectors: dict[int, _Vector] = {}
    for row in rows:
        vector = vectors.get(row.org_node_id)
        if vector is None:
            vector = vectors[row.org_node_id] = [0] * 16
        slot = 4 * _GROUP_SLOT[gender_group(row.gender)]
        for index in _STATUS_FIELDS.get(row.status, (0,)):
            vector[index] += row.count
            vector[slot + index] += row.count
    return vectors


def _tally(vector: Sequence[int]) -> Tally:
    return Tally(*(Counts(*vector[i : i + 4]) for i in range(0, 16, 4)))


def tally_counts(rows: Iterable[CountRow]) -> dict[int, Tally]:
    """Each unit's own tally from the grouped rows."""
    return {node_id: _tally(vector) for node_id, vector in _own_vectors(rows).items()}


class OrgTreeNode(Protocol):
    """What the roll-up reads of a tree node (survey.queries.organisation.TreeNode fits)."""

    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def level(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def insats_code(self) -> str | None: ...
    @property
    def children(self) -> Sequence[OrgTreeNode]: ...


@dataclass(frozen=True, slots=True)
class OverviewRow:
    node_id: int
    parent_id: int | None
    name: str
    path: str
    level: str
    #: 0 for the top rows of what the person may see.
    depth: int
    #: No rows under it (a unit of the round).
    is_leaf: bool
    insats_code: str | None
    tally: Tally

    @property
    def counts(self) -> Counts:
        return self.tally.total

    @property
    def invited(self) -> int:
        return self.tally.total.invited

    @property
    def started(self) -> int:
        return self.tally.total.started

    @property
    def submitted(self) -> int:
        return self.tally.total.submitted

    @property
    def withdrawn(self) -> int:
        return self.tally.total.withdrawn

    @property
    def response_share(self) -> float | None:
        return self.tally.total.response_share

    @property
    def response_percent(self) -> int | None:
        return self.tally.total.response_percent


@dataclass(frozen=True, slots=True)
class Overview:
    """A round's overview: rows in tree order (parents before their units)."""

    round_code: str
    rows: tuple[OverviewRow, ...]
    #: Everything the person may see (the sum of the top rows).
    total: Tally = field(default_factory=Tally)

    def sorted(self, by: SortKey = "tree", *, leaves_only: bool = False) -> list[OverviewRow]:
        """Rows by tree order (default), name, response rate (lowest first) or invited
        (most first)."""
        return sort_rows(self.rows, by, leaves_only=leaves_only)

    def lowest_response(self, limit: int | None = None) -> list[OverviewRow]:
        """Units of the round with the lowest response rate first (where effort is needed)."""
        rows = self.sorted("response_rate", leaves_only=True)
        return rows if limit is None else rows[:limit]


def roll_up(
    roots: Sequence[OrgTreeNode], counts: Iterable[CountRow], unit_ids: Collection[int]
) -> list[OverviewRow]:
    """One row per unit of the round (or unit with invitations) and per node above one,
    in tree order; each row's tally is its own plus its rows' below. Nodes not in the
    given tree never appear, whatever the counts say."""
    own = _own_vectors(counts)
    wanted = set(unit_ids) | set(own)
    rows: list[OverviewRow] = []
    for root in sorted(roots, key=_name_key):
        found = _collect(root, None, 0, own, wanted)
        if found is not None:
            rows += found[1]
    return rows


def _collect(
    node: OrgTreeNode,
    parent_id: int | None,
    depth: int,
    own: Mapping[int, _Vector],
    wanted: set[int],
) -> tuple[_Vector, list[OverviewRow]] | None:
    """The node's summed vector and rows (its own first, then those below), or None when
    neither it nor any node below is wanted."""
    vector = list(own.get(node.id, _ZERO))
    below: list[OverviewRow] = []
    for child in sorted(node.children, key=_name_key):
        found = _collect(child, node.id, depth + 1, own, wanted)
        if found is not None:
            vector = [a + b for a, b in zip(vector, found[0], strict=True)]
            below += found[1]
    if not below and node.id not in wanted:
        return None
    row = OverviewRow(
        node_id=node.id,
        parent_id=parent_id,
        name=node.name,
        path=node.path,
        level=node.level,
        depth=depth,
        is_leaf=not below,
        insats_code=node.insats_code,
        tally=_tally(vector),
    )
    return vector, [row, *below]


_ZERO: tuple[int, ...] = (0,) * 16


def build_overview(
    round_code: str,
    roots: Sequence[OrgTreeNode],
    counts: Iterable[CountRow],
    unit_ids: Collection[int],
) -> Overview:
    rows = roll_up(roots, counts, unit_ids)
    total = Tally()
    for row in rows:
        if row.depth == 0:
            total = total + row.tally
    return Overview(round_code=round_code, rows=tuple(rows), total=total)


# Swedish alphabetical order whatever the database's collation: å, ä, ö after z.
# "{", "|", "}" follow "z" in code point order.
_SWEDISH = str.maketrans({"å": "{", "ä": "|", "æ": "|", "ö": "}", "ø": "}", "ü": "y", "é": "e"})


def swedish_key(text: str) -> str:
    return text.casefold().translate(_SWEDISH)


def _name_key(node: OrgTreeNode) -> tuple[str, int]:
    return swedish_key(node.name), node.id


def sort_rows(
    rows: Iterable[OverviewRow], by: SortKey = "tree", *, leaves_only: bool = False
) -> list[OverviewRow]:
    """Rows in the order asked for; `leaves_only` keeps the round's units only.

    "response_rate" puts the lowest first and units nobody is invited to last; ties go to
    the unit with more invitations (more people to reach), then by name.
    """
    chosen = [r for r in rows if r.is_leaf or not leaves_only]
    if by == "tree":
        return chosen
    if by == "name":
        return sorted(chosen, key=lambda r: (swedish_key(r.name), swedish_key(r.path)))
    if by == "invited":
        return sorted(chosen, key=lambda r: (-r.invited, swedish_key(r.path)))
    if by == "response_rate":
        return sorted(
            chosen,
            key=lambda r: (
                r.invited == 0,
                r.submitted * 1.0 / r.invited if r.invited else 0.0,
                -r.invited,
                swedish_key(r.path),
            ),
        )
    raise ValueError(f"unknown sort order: {by!r}")


# --- CSV -------------------------------------------------------------------------------

CSV_COLUMNS = (
    "path",
    "level",
    "invited",
    "started",
    "submitted",
    "withdrawn",
    "response_rate",
    "women_invited",
    "women_submitted",
    "women_response_rate",
    "men_invited",
    "men_submitted",
    "men_response_rate",
    "other_invited",
    "other_submitted",
    "other_response_rate",
)
CSV_HEADERS_SV: Mapping[str, str] = {
    "path": "Enhet",
    "level": "Nivå",
    "invited": "Inbjudna",
    "started": "Påbörjade",
    "submitted": "Inskickade",
    "withdrawn": "Återkallade",
    "response_rate": "Svarsfrekvens (%)",
    "women_invited": "Inbjudna kvinnor",
    "women_submitted": "Inskickade kvinnor",
    "women_response_rate": "Svarsfrekvens kvinnor (%)",
    "men_invited": "Inbjudna män",
    "men_submitted": "Inskickade män",
    "men_response_rate": "Svarsfrekvens män (%)",
    "other_invited": "Inbjudna annat/okänt kön",
    "other_submitted": "Inskickade annat/okänt kön",
    "other_response_rate": "Svarsfrekvens annat/okänt kön (%)",
}
LEVELS_SV: Mapping[str, str] = {
    "forvaltning": "Förvaltning",
    "enhet": "Enhet",
    "verksamhet": "Verksamhet",
}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _decimal_comma_percent(counts: Counts) -> str:
    """Response rate with one decimal and a decimal comma ("53,7"); empty with no invited."""
    tenths = percent_half_up(counts.submitted, counts.invited, decimals=1)
    return "" if tenths is None else f"{tenths // 10},{tenths % 10}"


def spreadsheet_text(value: str) -> str:
    # A cell starting like a formula would run in a spreadsheet (CSV injection).
    return "'" + value if value.startswith(_FORMULA_START) else value


def overview_csv(
    overview: Overview,
    *,
    headers: Mapping[str, str] = CSV_HEADERS_SV,
    level_names: Mapping[str, str] = LEVELS_SV,
    rows: Sequence[OverviewRow] | None = None,
) -> str:
    """The overview as CSV text: BOM, `;`, decimal comma, CRLF; rows in tree order unless
    given. Encode with UTF-8 (the BOM makes Excel read å, ä, ö right)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([headers.get(key, key) for key in CSV_COLUMNS])
    for row in overview.rows if rows is None else rows:
        cells: list[str | int] = [
            spreadsheet_text(row.path),
            spreadsheet_text(level_names.get(row.level, row.level)),
            row.invited,
            row.started,
            row.submitted,
            row.withdrawn,
            _decimal_comma_percent(row.counts),
        ]
        for group in GENDER_GROUPS:
            counts = row.tally.by_gender(group)
            cells += [counts.invited, counts.submitted, _decimal_comma_percent(counts)]
        writer.writerow(cells)
    return out.getvalue()
