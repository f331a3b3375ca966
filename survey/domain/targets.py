"""Targets (årsmål and KF:s årsmål) per indicator, unit and period: reading, checking, choosing.

A target file (`targets import`, the Mål page) has the columns
`indicator,unit,period,arsmal,kf_arsmal` (SPEC §7), optionally `tree` (utforare or
bestallare) when the same path exists in both hierarchies:

- `indicator`: a key of the indicator catalogue (nojd, bemotande, …).
- `unit`: the unit's path ("Förvaltning/Enhet/Verksamhet") or a unique tail of it, in either
  hierarchy; an **empty cell means the whole installation**.
- `period`: a year, 2000–2100.
- `arsmal`, `kf_arsmal`: empty means no target (stored as NULL, never 0). A percent ("85",
  "85 %", "85,5", "85.5") is stored normalised ("85", "85.5"); anything that is clearly text
  ("Tas fram av nämnd", "Ökning") is kept exactly as written. Something that looks like a
  number but is no percent (120, -3) is an error, and so is a share such as 0.85 (what an
  Excel cell formatted as "85 %" holds): write 85.

Pure: the units come in as `TargetUnits` (built by a query from the units the person may set
targets for), the rows as a `Table` from `tabular.read_table`.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from survey.domain.recipients import UnitIndex
from survey.domain.tabular import RowError, Table, value_key

TARGET_COLUMNS = ("indicator", "unit", "period", "arsmal", "kf_arsmal")
TARGET_REQUIRED = ("indicator", "period")
TARGET_ALIASES: Mapping[str, tuple[str, ...]] = {
    "indicator": ("indicator", "indikator", "indicator_key", "nyckel"),
    "unit": ("unit", "enhet", "verksamhet", "sökväg", "path", "enhet/verksamhet"),
    "period": ("period", "år", "year"),
    "arsmal": ("arsmal", "årsmål", "target", "mål"),
    "kf_arsmal": ("kf_arsmal", "kf:s årsmål", "kfs årsmål", "kf årsmål", "kf_target"),
    "tree": ("tree", "hierarki", "träd"),
}
TREES = ("utforare", "bestallare")
MIN_PERIOD = 2000
MAX_PERIOD = 2100
#: The database column holds 100 characters.
MAX_TARGET_TEXT = 100
MAX_UNIT_TEXT = 1000

# A number, maybe signed, with a decimal point or comma, maybe followed by a percent sign.
_NUMBER = re.compile(r"^([+\-−]?)\s*(\d+(?:[.,]\d+)?|[.,]\d+)\s*(%|procent)?$", re.IGNORECASE)
# Starts like a formula: would run when the export is opened in a spreadsheet.
_FORMULA_START = re.compile(r"^(?:[=+@\t\r]|-[^\W\d_]|-\()")


class TargetValueError(ValueError):
    """A target cell that looks like a number but is no percent; `code` names the problem."""

    def __init__(self, code: str, text: str) -> None:
        super().__init__(code, text)
        self.code = code
        self.text = text


def parse_target_value(text: str | None) -> float | str | None:
    """A target as the indicator table uses it: None (no target), a percent, or a text.

    Meant for what is stored (`normalise_target_value` wrote it), and works on what a person
    typed: "85", "85 %", "85,5" → 85.0, 85.5; "" → None; "Tas fram av nämnd" → the text
    itself. Raises TargetValueError: "target_out_of_range" for a number outside 0–100
    ("120", "-3"), "target_formula" for text that starts like a formula, "text_too_long"
    beyond MAX_TARGET_TEXT characters. (A stored "0.5" is half a percent; the check that
    refuses a typed share such as 0,85 belongs to `normalise_target_value`.)
    """
    number = _parse_percent(text, strict=False)
    if number is None:
        stripped = (text or "").strip()
        return stripped or None
    return float(number)


def normalise_target_value(text: str | None) -> str | None:
    """The text stored for a target cell: None, "85" / "85.5", or the text as written.

    Raises TargetValueError like `parse_target_value`, and "target_share" for 0 < x < 1 with
    decimals and no percent sign ("0,85": what an Excel cell formatted as 85 % holds).
    """
    number = _parse_percent(text, strict=True)
    if number is None:
        stripped = (text or "").strip()
        return stripped or None
    return _number_text(number)


def _parse_percent(text: str | None, *, strict: bool) -> Decimal | None:
    """The percent in `text`, or None when it is empty or plain text; raises when bad."""
    stripped = " ".join((text or "").split())
    if not stripped:
        return None
    match = _NUMBER.match(stripped)
    if match is None:
        if _FORMULA_START.match(stripped):
            raise TargetValueError("target_formula", stripped)
        if len(stripped) > MAX_TARGET_TEXT:
            raise TargetValueError("text_too_long", stripped)
        return None
    sign, digits, _percent = match.groups()
    try:
        number = Decimal(digits.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
        raise TargetValueError("target_out_of_range", stripped) from None
    if sign in ("-", "−") and number != 0:
        raise TargetValueError("target_out_of_range", stripped)
    if number > 100:
        raise TargetValueError("target_out_of_range", stripped)
    if strict and 0 < number < 1 and _percent is None:
        raise TargetValueError("target_share", stripped)
    return number


def _number_text(number: Decimal) -> str:
    text = format(number.normalize(), "f")
    return text if "." not in text else text.rstrip("0").rstrip(".")


def parse_period(text: str) -> int | None:
    """The year in a cell ("2026"), or None when it is no year between 2000 and 2100."""
    stripped = text.strip()
    if not re.fullmatch(r"\d{4}", stripped):
        return None
    year = int(stripped)
    return year if MIN_PERIOD <= year <= MAX_PERIOD else None


# --- choosing the target that applies ------------------------------------------------------

#: (indicator key, org node id or None for the whole installation) -> (årsmål, KF:s årsmål).
Targets = Mapping[tuple[str, int | None], tuple[str | None, str | None]]


def target_for(
    targets: Targets, indicator_key: str, node_ancestor_ids: Sequence[int]
) -> tuple[str | None, str | None]:
    """The (årsmål, KF:s årsmål) that apply to a unit, as stored text (or None).

    Inheritance: a unit without a target of its own takes its parent's, then the
    grandparent's, and so on up to the target for the whole installation (node None).
    `node_ancestor_ids` is the unit's own id first, then its parent's, … (as
    `queries.organisation.ancestor_ids` gives them); an empty list asks for the
    installation's target. Each column is inherited on its own: a unit with an årsmål of its
    own but no KF:s årsmål shows its own årsmål and the nearest KF:s årsmål above it (the
    city council's target is usually set once, high up).
    """
    arsmal: str | None = None
    kf_arsmal: str | None = None
    for node_id in (*node_ancestor_ids, None):
        own = targets.get((indicator_key, node_id))
        if own is None:
            continue
        if arsmal is None:
            arsmal = own[0]
        if kf_arsmal is None:
            kf_arsmal = own[1]
        if arsmal is not None and kf_arsmal is not None:
            break
    return arsmal, kf_arsmal


# --- units ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TargetUnit:
    id: int
    path: str
    tree: str


@dataclass(slots=True)
class TargetUnits:
    """The units a person may set targets for, in both hierarchies, found by path or tail.

    `installation` says whether targets for the whole installation (an empty unit cell) are
    allowed: only with the permission on the whole installation.
    """

    units: dict[int, TargetUnit]
    installation: bool
    _indexes: dict[str, UnitIndex] = field(default_factory=dict)

    @classmethod
    def build(cls, units: Iterable[TargetUnit], *, installation: bool) -> TargetUnits:
        by_id = {unit.id: unit for unit in units}
        indexes = {
            tree: UnitIndex.build((u.id, u.path) for u in by_id.values() if u.tree == tree)
            for tree in TREES
        }
        return cls(by_id, installation, indexes)

    def match(self, text: str, tree: str | None = None) -> tuple[int | None, str | None, list[str]]:
        """(unit id, None, []) or (None, problem code, paths) for the text of a unit cell."""
        found: list[int] = []
        paths: list[str] = []
        for each in (tree,) if tree else TREES:
            result = self._indexes[each].match(text)
            if result.unit_id is not None:
                found.append(result.unit_id)
            elif result.problem == "ambiguous_unit":
                paths.extend(result.paths)
        if paths:
            return None, "ambiguous_unit", sorted(set(paths))
        if len(found) > 1:
            return None, "unit_in_both_trees", [self.units[i].path for i in found]
        if found:
            return found[0], None, []
        return None, "unknown_target_unit", []


# --- rows -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TargetRow:
    """One checked target, ready to be written (both values None: the target is removed)."""

    row: int
    indicator_key: str
    #: None: the whole installation.
    org_node_id: int | None
    period: int
    arsmal: str | None
    kf_arsmal: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "indicator_key": self.indicator_key,
            "org_node_id": self.org_node_id,
            "period": self.period,
            "arsmal": self.arsmal,
            "kf_arsmal": self.kf_arsmal,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TargetRow:
        node = data.get("org_node_id")
        return cls(
            row=int(data["row"]),
            indicator_key=str(data["indicator_key"]),
            org_node_id=int(node) if node is not None else None,
            period=int(data["period"]),
            arsmal=data.get("arsmal"),
            kf_arsmal=data.get("kf_arsmal"),
        )

    @property
    def key(self) -> tuple[str, int | None, int]:
        return (self.indicator_key, self.org_node_id, self.period)


def validate_target_rows(
    table: Table, indicator_keys: Iterable[str], units: TargetUnits
) -> tuple[list[TargetRow], list[RowError]]:
    """Check every row of a target file; the rows to write and every error, by row and column.

    The same indicator, unit and period twice in one file is an error on both rows.
    """
    keys = set(indicator_keys)
    errors: list[RowError] = list(table.errors)
    flagged = table.flagged()
    rows: list[TargetRow] = []
    for row in table.rows:
        row_errors: list[RowError] = []
        fail = _Fail(table, row.number, flagged, row_errors)

        indicator_text = row.get("indicator")
        indicator = value_key(indicator_text)
        if not indicator_text:
            fail("indicator", "missing_indicator", allowed=sorted(keys))
        elif indicator not in keys:
            fail("indicator", "unknown_indicator", indicator_text, allowed=sorted(keys))

        period_text = row.get("period")
        period = parse_period(period_text)
        if period is None:
            fail("period", "bad_period", period_text[:60])

        tree_text = row.get("tree")
        tree = value_key(tree_text) if tree_text else None
        if tree is not None and tree not in TREES:
            fail("tree", "bad_tree", tree_text[:60], allowed=list(TREES))
            tree = None
        unit_text = row.get("unit")
        node_id: int | None = None
        if not unit_text:
            if not units.installation:
                fail("unit", "installation_target_not_allowed")
        elif len(unit_text) > MAX_UNIT_TEXT:
            fail("unit", "text_too_long", unit_text[:60], limit=MAX_UNIT_TEXT)
        else:
            node_id, problem, paths = units.match(unit_text, tree)
            if problem is not None:
                fail("unit", problem, unit_text, paths=paths)

        values: dict[str, str | None] = {}
        for column in ("arsmal", "kf_arsmal"):
            try:
                values[column] = normalise_target_value(row.get(column))
            except TargetValueError as bad:
                extra = {"limit": MAX_TARGET_TEXT} if bad.code == "text_too_long" else {}
                fail(column, bad.code, bad.text[:60], **extra)

        errors.extend(row_errors)
        if not row_errors and period is not None:
            rows.append(
                TargetRow(
                    row.number,
                    indicator,
                    node_id,
                    period,
                    values.get("arsmal"),
                    values.get("kf_arsmal"),
                )
            )
    errors.extend(_duplicates(table, rows))
    bad = {e.row for e in errors}
    return [r for r in rows if r.row not in bad], sorted(errors, key=lambda e: (e.row, e.column))


@dataclass(slots=True)
class _Fail:
    """Adds one row's errors, skipping cells already reported while reading (formulas)."""

    table: Table
    row: int
    flagged: set[tuple[int, str]]
    errors: list[RowError]

    def __call__(self, column: str, code: str, value: str = "", **params: Any) -> None:
        if (self.row, column) not in self.flagged:
            label = self.table.label(column)
            self.errors.append(RowError(self.row, label, code, value, params))


def _duplicates(table: Table, rows: list[TargetRow]) -> list[RowError]:
    by_key: dict[tuple[str, int | None, int], list[int]] = defaultdict(list)
    for target in rows:
        by_key[target.key].append(target.row)
    errors: list[RowError] = []
    for numbers in by_key.values():
        if len(numbers) < 2:
            continue
        for number in numbers:
            others = [n for n in numbers if n != number]
            errors.append(
                RowError(number, table.label("unit"), "duplicate_target", "", {"rows": others})
            )
    return errors


# --- export ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TargetExportRow:
    indicator_key: str
    #: "" for the whole installation.
    unit: str
    tree: str | None
    period: int
    arsmal: str | None
    kf_arsmal: str | None


def targets_csv(rows: Sequence[TargetExportRow], *, bom: bool = False) -> str:
    """Targets as CSV in the import's own format (comma, UTF-8, a header row), so the export
    can be imported again unchanged. A `tree` column is added only when some unit is in the
    beställare hierarchy. `bom`: for a download that Excel opens (å, ä, ö read right)."""
    with_tree = any(row.tree == "bestallare" for row in rows)
    out = io.StringIO()
    if bom:
        out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([*TARGET_COLUMNS, *(("tree",) if with_tree else ())])
    for row in rows:
        cells: list[str | int] = [
            row.indicator_key,
            _text_cell(row.unit),
            row.period,
            _text_cell(row.arsmal or ""),
            _text_cell(row.kf_arsmal or ""),
        ]
        if with_tree:
            cells.append(row.tree or "" if row.unit else "")
        writer.writerow(cells)
    return out.getvalue()


def _text_cell(value: str) -> str:
    # Stored values never start like a formula (the import refuses them); unit names could.
    return "'" + value if _FORMULA_START.match(value) else value
