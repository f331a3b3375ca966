"""`org import FILE`: the organisation tree from a file of paths (SPEC §7).

Columns `path` ("Förvaltning/Enhet/Verksamhet") and `insats` (a code such as
`daglig_verksamhet`, or its name), and optionally `tree` (`utforare`, the default, or
`bestallare`; beställare rows have no insats). Idempotent: a second run of the same file
creates and updates nothing. All or nothing: any row error and nothing is written.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.domain.tabular import ImportRejected, RowError, Table, read_table, value_key
from survey.models import Insats, OrgNode
from survey.operations import audit
from survey.operations.organisation import ensure_node_path

ORG_ALIASES: Mapping[str, tuple[str, ...]] = {
    "path": ("path", "sökväg", "enhet/verksamhet", "enhet", "verksamhet", "unit"),
    "insats": ("insats", "insatstyp", "insats_code"),
    "tree": ("tree", "hierarki", "träd"),
}
TREES = {"utforare": "utforare", "bestallare": "bestallare"}
MAX_NAME = 200


@dataclass(frozen=True, slots=True)
class OrgRow:
    row: int
    path: str
    insats: str | None
    tree: str


@dataclass(frozen=True, slots=True)
class OrgImportResult:
    rows: int
    created: int
    updated: int


def insats_lookup(session: Session) -> dict[str, str]:
    """Loose spelling (code, Swedish or English name) -> insats code."""
    lookup: dict[str, str] = {}
    for code, name_sv, name_en in session.execute(
        select(Insats.code, Insats.name_sv, Insats.name_en)
    ):
        for word in (name_en, name_sv, code):
            lookup[value_key(word)] = code
    return lookup


def validate_org_rows(
    table: Table, insatser: Mapping[str, str]
) -> tuple[list[OrgRow], list[RowError]]:
    """Check every row: path, insats code, tree; the same path twice must agree."""
    errors: list[RowError] = list(table.errors)
    flagged = table.flagged()
    rows: list[OrgRow] = []
    for row in table.rows:
        row_errors: list[RowError] = []
        path_label = table.label("path")
        raw_path = row.get("path")
        parts = [" ".join(part.split()) for part in raw_path.split("/")]
        if (row.number, "path") in flagged:
            pass
        elif not raw_path:
            row_errors.append(RowError(row.number, path_label, "missing_path"))
        elif any(not part for part in parts):
            row_errors.append(RowError(row.number, path_label, "bad_path", raw_path))
        elif any(len(part) > MAX_NAME for part in parts):
            row_errors.append(
                RowError(
                    row.number, path_label, "text_too_long", raw_path[:60], {"limit": MAX_NAME}
                )
            )
        tree_text = row.get("tree")
        tree = TREES.get(value_key(tree_text)) if tree_text else "utforare"
        if tree is None:
            row_errors.append(
                RowError(
                    row.number, table.label("tree"), "bad_tree", tree_text, {"allowed": list(TREES)}
                )
            )
        insats_text = row.get("insats")
        insats = None
        if insats_text and (row.number, "insats") not in flagged:
            insats = insatser.get(value_key(insats_text))
            if tree == "bestallare":
                row_errors.append(
                    RowError(row.number, table.label("insats"), "insats_on_bestallare", insats_text)
                )
            elif insats is None:
                row_errors.append(
                    RowError(
                        row.number,
                        table.label("insats"),
                        "unknown_insats",
                        insats_text,
                        {"allowed": sorted(set(insatser.values()))},
                    )
                )
        errors.extend(row_errors)
        if not row_errors and tree is not None and (row.number, "path") not in flagged:
            rows.append(OrgRow(row.number, "/".join(parts), insats, tree))
    by_path: dict[tuple[str, str], list[OrgRow]] = defaultdict(list)
    for org_row in rows:
        by_path[(org_row.tree, org_row.path)].append(org_row)
    for same in by_path.values():
        if len({r.insats for r in same if r.insats is not None}) > 1:
            for r in same:
                others = [o.row for o in same if o is not r]
                errors.append(
                    RowError(
                        r.row, table.label("insats"), "conflicting_path", r.path, {"rows": others}
                    )
                )
    bad = {e.row for e in errors}
    return [r for r in rows if r.row not in bad], sorted(errors, key=lambda e: (e.row, e.column))


def read_org_file(session: Session, data: bytes, filename: str) -> list[OrgRow]:
    """Read and check an organisation file. Raises UploadRefused or ImportRejected."""
    table = read_table(data, filename, aliases=ORG_ALIASES, required=("path",))
    rows, errors = validate_org_rows(table, insats_lookup(session))
    if errors:
        raise ImportRejected(errors)
    return rows


def import_org_rows(
    session: Session, rows: list[OrgRow], *, user_id: int | None = None
) -> OrgImportResult:
    """Create the missing nodes and set leaves' insats. Idempotent; flushes, never commits."""
    before = dict(session.execute(select(OrgNode.id, OrgNode.insats_code)).all())
    updated: set[int] = set()
    for row in rows:
        node = ensure_node_path(session, row.path, row.insats, tree=row.tree)
        if node.id in before and before[node.id] != node.insats_code:
            updated.add(node.id)
    created = len(session.scalars(select(OrgNode.id)).all()) - len(before)
    if created or updated:
        audit.record(
            session,
            "org.import",
            user_id=user_id,
            detail={"rows": len(rows), "created": created, "updated": len(updated)},
        )
    session.flush()
    return OrgImportResult(rows=len(rows), created=created, updated=len(updated))


def import_org_file(
    session: Session, data: bytes, filename: str, *, user_id: int | None = None
) -> OrgImportResult:
    """read_org_file + import_org_rows. Raises UploadRefused or ImportRejected."""
    return import_org_rows(session, read_org_file(session, data, filename), user_id=user_id)
