"""Building the organisation tree from paths such as 'Förvaltning/Enhet/Verksamhet'."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.models import Insats, OrgNode, OrgNodeName, OrgSuccession

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


def ensure_node_path(
    session: Session, path: str, insats_code: str | None = None, tree: str = "utforare"
) -> OrgNode:
    """The node at `path` in `tree` ("utforare" or "bestallare"), creating missing levels;
    the leaf gets `insats_code`. Idempotent."""
    node: OrgNode | None = None
    names = split_path(path)
    for depth, name in enumerate(names):
        parent = node
        node = session.scalar(
            select(OrgNode).where(
                OrgNode.parent_id.is_(None) if parent is None else OrgNode.parent_id == parent.id,
                OrgNode.name == name,
                OrgNode.valid_to.is_(None),
                OrgNode.tree == tree,
            )
        )
        if node is None:
            level = DEFAULT_LEVELS[depth] if depth < len(DEFAULT_LEVELS) else "enhet"
            if depth == len(names) - 1 and insats_code:
                level = "verksamhet"
            node = OrgNode(name=name, parent=parent, level=level, tree=tree)
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


def rename_node(session: Session, node: OrgNode, new_name: str, effective_on: date) -> None:
    """Rename a node from `effective_on`; the old name is kept for earlier periods."""
    new_name = new_name.strip()
    if not new_name or "/" in new_name:
        raise ValueError(f"not a valid unit name: {new_name!r}")
    if new_name == node.name:
        return
    session.add(
        OrgNodeName(node=node, name=node.name, valid_until=effective_on - timedelta(days=1))
    )
    node.name = new_name
    session.flush()


def split_node(
    session: Session,
    node: OrgNode,
    parts: list[tuple[str, str | None]],
    effective_on: date,
) -> list[OrgNode]:
    """Split `node` into new siblings (name, insats) from `effective_on`.

    The old node ends the day before; each part records it as predecessor, so last year's
    figure for a part can be computed from the old node's answers.
    """
    if len(parts) < 2:
        raise ValueError("a split needs at least two parts")
    successors = []
    for name, insats_code in parts:
        successor = OrgNode(
            name=name.strip(),
            parent=node.parent,
            level=node.level,
            insats_code=insats_code,
            valid_from=effective_on,
        )
        session.add(successor)
        successors.append(successor)
    _record_succession(session, [node], successors, "split", effective_on)
    return successors


def merge_nodes(
    session: Session,
    nodes: list[OrgNode],
    name: str,
    effective_on: date,
    *,
    insats_code: str | None = None,
) -> OrgNode:
    """Merge `nodes` into one new node (under the first one's parent) from `effective_on`."""
    if len(nodes) < 2:
        raise ValueError("a merge needs at least two units")
    merged = OrgNode(
        name=name.strip(),
        parent=nodes[0].parent,
        level=nodes[0].level,
        insats_code=insats_code if insats_code is not None else nodes[0].insats_code,
        valid_from=effective_on,
    )
    session.add(merged)
    _record_succession(session, nodes, [merged], "merge", effective_on)
    return merged


def _record_succession(
    session: Session,
    predecessors: list[OrgNode],
    successors: list[OrgNode],
    kind: str,
    effective_on: date,
) -> None:
    """Link every predecessor to every successor; predecessors end the day before."""
    session.flush()
    for predecessor in predecessors:
        for successor in successors:
            session.add(
                OrgSuccession(
                    predecessor_id=predecessor.id,
                    successor_id=successor.id,
                    kind=kind,
                    effective_on=effective_on,
                )
            )
        predecessor.valid_to = effective_on - timedelta(days=1)
    session.flush()


def predecessor_ids(session: Session, node_id: int) -> set[int]:
    """Every node that `node_id` descends from through splits and merges (not itself)."""
    found: set[int] = set()
    frontier = {node_id}
    while frontier:
        rows = session.scalars(
            select(OrgSuccession.predecessor_id).where(OrgSuccession.successor_id.in_(frontier))
        ).all()
        frontier = set(rows) - found - {node_id}
        found |= frontier
    return found


def name_on(node: OrgNode, day: date) -> str:
    """The name `node` carried on `day` (renames keep their history)."""
    for former in node.former_names:  # ordered by valid_until
        if day <= former.valid_until:
            return former.name
    return node.name
