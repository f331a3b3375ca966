"""`targets import FILE` and the Mål page: writing årsmål and KF:s årsmål (SPEC §2, §7).

A file's rows replace the stored targets with the same indicator, unit and period (an
update); a row whose årsmål and KF:s årsmål are both empty removes the target. All or
nothing: any row error and nothing is written. One audit row per import (with counts) and
per target set or cleared on the page. Operations flush, never commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.domain.indicator_catalogue import indicator_keys
from survey.domain.tabular import ImportRejected, RowError, read_table
from survey.domain.targets import (
    TARGET_ALIASES,
    TARGET_REQUIRED,
    TargetRow,
    TargetUnits,
    validate_target_rows,
)
from survey.models import Target
from survey.operations import audit


@dataclass(frozen=True, slots=True)
class TargetImportResult:
    #: Rows in the file.
    rows: int
    created: int
    updated: int
    #: Targets removed by a row with both values empty.
    removed: int
    #: Rows that matched what was already stored.
    unchanged: int

    @property
    def imported(self) -> int:
        return self.created + self.updated


def read_targets_file(
    session: Session, data: bytes, filename: str, units: TargetUnits
) -> list[TargetRow]:
    """Read and check a target file. Raises UploadRefused or ImportRejected (row errors)."""
    table = read_table(data, filename, aliases=TARGET_ALIASES, required=TARGET_REQUIRED)
    rows, errors = validate_target_rows(table, indicator_keys(), units)
    if errors:
        raise ImportRejected(errors)
    return rows


def _check_units(rows: Iterable[TargetRow], units: TargetUnits) -> None:
    problems = [
        RowError(row.row, "unit", "installation_target_not_allowed")
        if row.org_node_id is None
        else RowError(row.row, "unit", "unknown_target_unit")
        for row in rows
        if (row.org_node_id is None and not units.installation)
        or (row.org_node_id is not None and row.org_node_id not in units.units)
    ]
    if problems:
        raise ImportRejected(problems)


def _existing(
    session: Session, keys: Iterable[tuple[str, int | None, int]]
) -> dict[tuple[str, int | None, int], Target]:
    wanted = set(keys)
    periods = {period for _, _, period in wanted}
    found: dict[tuple[str, int | None, int], Target] = {}
    if not periods:
        return found
    for target in session.scalars(select(Target).where(Target.period.in_(periods))):
        key = (target.indicator_key, target.org_node_id, target.period)
        if key in wanted:
            found[key] = target
    return found


def _write(session: Session, row: TargetRow, existing: Target | None) -> str:
    """'created', 'updated', 'removed' or 'unchanged'."""
    empty = row.arsmal is None and row.kf_arsmal is None
    if existing is None:
        if empty:
            return "unchanged"
        session.add(
            Target(
                indicator_key=row.indicator_key,
                org_node_id=row.org_node_id,
                period=row.period,
                arsmal=row.arsmal,
                kf_arsmal=row.kf_arsmal,
            )
        )
        return "created"
    if empty:
        session.delete(existing)
        return "removed"
    if (existing.arsmal, existing.kf_arsmal) == (row.arsmal, row.kf_arsmal):
        return "unchanged"
    existing.arsmal = row.arsmal
    existing.kf_arsmal = row.kf_arsmal
    return "updated"


def import_target_rows(
    session: Session,
    rows: list[TargetRow],
    *,
    units: TargetUnits,
    user_id: int | None = None,
    filename: str | None = None,
) -> TargetImportResult:
    """Write checked rows (create, update, remove). Flushes, never commits.

    `units` is checked again (the rows may have waited for a confirmation while the person's
    grants or the tree changed): a row outside it raises ImportRejected and nothing is written.
    """
    _check_units(rows, units)
    existing = _existing(session, (row.key for row in rows))
    counts = {"created": 0, "updated": 0, "removed": 0, "unchanged": 0}
    for row in rows:
        counts[_write(session, row, existing.get(row.key))] += 1
    session.flush()
    result = TargetImportResult(rows=len(rows), **counts)
    detail: dict[str, object] = {"rows": len(rows), **counts}
    detail["periods"] = sorted({row.period for row in rows})
    if filename:
        detail["file"] = filename[:200]
    audit.record(session, "targets.import", user_id=user_id, detail=detail)
    return result


def set_target(
    session: Session,
    row: TargetRow,
    *,
    units: TargetUnits,
    user_id: int | None = None,
    unit_path: str = "",
) -> str:
    """Set (or, with both values None, clear) one target; 'created', 'updated', 'removed' or
    'unchanged'. Raises ImportRejected when the unit is outside `units`. Audited."""
    _check_units([row], units)
    existing = _existing(session, [row.key]).get(row.key)
    outcome = _write(session, row, existing)
    session.flush()
    if outcome != "unchanged":
        audit.record(
            session,
            "target.clear" if outcome == "removed" else "target.set",
            user_id=user_id,
            detail={
                "indicator": row.indicator_key,
                "unit": unit_path,
                "period": row.period,
                "arsmal": row.arsmal,
                "kf_arsmal": row.kf_arsmal,
            },
        )
    return outcome
