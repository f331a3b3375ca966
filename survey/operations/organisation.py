"""Building the organisation tree from paths such as 'Förvaltning/Enhet/Verksamhet'."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.models import Insats, OrgNode

DEFAULT_LEVELS = ("forvaltning", "enhet", "verksamhet")

BUILTIN_INSATSER = (
    ("daglig_verksamhet", "Daglig verksamhet", "Daily activity", "dv"),
    ("gruppbostad", "Gruppbostad", "Group home", "bo"),
    ("servicebostad", "Servicebostad", "Service flat", "bo"),
    ("boendestod", "Boendestöd", "Housing support", "bs"),
)


def ensure_builtin_insatser(session: Session) -> None:
    """Make sure the four built-in insatser exist (more can be added as rows)."""
    existing = set(session.scalars(select(Insats.code)))
    for code, name_sv, name_en, survey_type in BUILTIN_INSATSER:
        if code not in existing:
            session.add(
                Insats(code=code, name_sv=name_sv, name_en=name_en, survey_type=survey_type)
            )
    session.flush()


def split_path(path: str) -> list[str]:
    parts = [part.strip() for part in path.split("/")]
    if not parts or any(not part for part in parts):
        raise ValueError(f"not a valid unit path: {path!r}")
    return parts


def find_node_by_path(session: Session, path: str) -> OrgNode | None:
    node: OrgNode | None = None
    for name in split_path(path):
        parent_id = node.id if node else None
        node = session.scalar(
            select(OrgNode).where(
                OrgNode.parent_id.is_(None)
                if parent_id is None
                else OrgNode.parent_id == parent_id,
                OrgNode.name == name,
                OrgNode.valid_to.is_(None),
            )
        )
        if node is None:
            return None
    return node


def ensure_node_path(session: Session, path: str, insats_code: str | None = None) -> OrgNode:
    """The node at `path`, creating missing levels; the leaf gets `insats_code`. Idempotent."""
    node: OrgNode | None = None
    names = split_path(path)
    for depth, name in enumerate(names):
        parent = node
        node = session.scalar(
            select(OrgNode).where(
                OrgNode.parent_id.is_(None) if parent is None else OrgNode.parent_id == parent.id,
                OrgNode.name == name,
                OrgNode.valid_to.is_(None),
            )
        )
        if node is None:
            level = DEFAULT_LEVELS[depth] if depth < len(DEFAULT_LEVELS) else "enhet"
            if depth == len(names) - 1 and insats_code:
                level = "verksamhet"
            node = OrgNode(name=name, parent=parent, level=level)
            session.add(node)
            session.flush()
    assert node is not None  # noqa: S101 - split_path guarantees at least one name
    if insats_code is not None:
        node.insats_code = insats_code
        session.flush()
    return node


def leaf_units(node: OrgNode) -> list[OrgNode]:
    """Every node under (and including) `node` that carries an insats."""
    found: list[OrgNode] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if current.insats_code is not None:
            found.append(current)
        stack.extend(current.children)
    return sorted(found, key=lambda n: n.id)
