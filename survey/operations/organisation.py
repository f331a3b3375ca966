"""Building the organisation tree from paths such as 'Förvaltning/Enhet/Verksamhet'."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.domain import organisation_rules as rules
from survey.models import (
    Insats,
    OrgNode,
    OrgNodeName,
    OrgNodeParent,
    OrgSuccession,
    Round,
    round_unit,
)
from survey.operations.audit import record
from survey.queries.organisation import subtree_ids

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


def rename_node(
    session: Session,
    node: OrgNode,
    new_name: str,
    effective_on: date,
    *,
    user_id: int | None = None,
) -> None:
    """Rename a node from `effective_on`; the old name is kept for earlier periods."""
    new_name = rules.clean_name(new_name)
    if new_name == node.name:
        return
    path = node.path()
    rules.check_open(path, node.valid_to is None)
    rules.check_effective(path, node.valid_from, effective_on, ends=False)
    until = effective_on - timedelta(days=1)
    last = max((former.valid_until for former in node.former_names), default=None)
    rules.check_after_last_change(path, last, until)
    rules.check_unique_among_siblings(
        new_name, _open_sibling_names(session, node.parent_id, node.tree, exclude={node.id})
    )
    session.add(OrgNodeName(node=node, name=node.name, valid_until=until))
    node.name = new_name
    session.flush()
    record(
        session,
        "org.rename",
        user_id=user_id,
        detail={"path": path, "new_path": node.path(), "effective_on": effective_on.isoformat()},
    )


def split_node(
    session: Session,
    node: OrgNode,
    parts: list[tuple[str, str | None]],
    effective_on: date,
    *,
    user_id: int | None = None,
) -> list[OrgNode]:
    """Split `node` into new siblings (name, insats) from `effective_on`.

    The old node ends the day before; each part records it as predecessor, so last year's
    figure for a part can be computed from the old node's answers. A node with open units
    under it, or in a round that is not closed, is refused.
    """
    if len(parts) < 2:
        raise rules.OrgChangeRefused("split_needs_two_parts")
    path = node.path()
    _check_can_end(session, node, path, effective_on)
    names = [rules.clean_name(name) for name, _ in parts]
    siblings = _open_sibling_names(session, node.parent_id, node.tree, exclude={node.id})
    known = _known_insatser(session)
    for index, (name, (_, insats_code)) in enumerate(zip(names, parts, strict=True)):
        rules.check_unique_among_siblings(name, [*siblings, *names[:index]])
        rules.check_insats(insats_code, tree=node.tree, known=known)
    successors = []
    for name, (_, insats_code) in zip(names, parts, strict=True):
        successor = OrgNode(
            name=name,
            parent=node.parent,
            level=node.level,
            insats_code=insats_code,
            valid_from=effective_on,
            tree=node.tree,
        )
        session.add(successor)
        successors.append(successor)
    _record_succession(session, [node], successors, "split", effective_on)
    record(
        session,
        "org.split",
        user_id=user_id,
        detail={
            "path": path,
            "parts": [s.path() for s in successors],
            "effective_on": effective_on.isoformat(),
        },
    )
    return successors


def merge_nodes(
    session: Session,
    nodes: list[OrgNode],
    name: str,
    effective_on: date,
    *,
    insats_code: str | None = None,
    user_id: int | None = None,
) -> OrgNode:
    """Merge `nodes` into one new node (under the first one's parent) from `effective_on`.

    Open units under the merged nodes move under the new node (their former parent is kept
    for earlier periods). Nodes of different trees, nested nodes, closed nodes and nodes in
    a round that is not closed are refused.
    """
    unique = list({n.id: n for n in nodes}.values())
    if len(unique) < 2:
        raise rules.OrgChangeRefused("merge_needs_two_units")
    if len({n.tree for n in unique}) > 1:
        raise rules.OrgChangeRefused("merge_across_trees")
    name = rules.clean_name(name)
    first = unique[0]
    ids = {n.id for n in unique}
    for node in unique:
        path = node.path()
        _check_can_end(session, node, path, effective_on, allow_children=True)
        below = set(session.scalars(subtree_ids([node.id]))) - {node.id}
        nested = next((n for n in unique if n.id in below), None)
        if nested is not None:
            raise rules.OrgChangeRefused("merge_nested", node=nested.path())
    if insats_code is None:
        codes = {n.insats_code for n in unique}
        if len(codes) > 1:
            raise rules.OrgChangeRefused("insats_differs")
        insats_code = codes.pop()
    rules.check_insats(insats_code, tree=first.tree, known=_known_insatser(session))
    rules.check_unique_among_siblings(
        name, _open_sibling_names(session, first.parent_id, first.tree, exclude=ids)
    )
    children = [c for n in unique for c in n.children if c.valid_to is None]
    if children and insats_code is not None:
        raise rules.OrgChangeRefused("parent_is_verksamhet", parent=name)
    for index, child in enumerate(children):
        rules.check_unique_among_siblings(child.name, [c.name for c in children[:index]])
    paths = [n.path() for n in unique]
    merged = OrgNode(
        name=name,
        parent=first.parent,
        level=first.level,
        insats_code=insats_code,
        valid_from=effective_on,
        tree=first.tree,
    )
    session.add(merged)
    session.flush()
    until = effective_on - timedelta(days=1)
    for child in children:
        session.add(
            OrgNodeParent(org_node_id=child.id, parent_id=child.parent_id, valid_until=until)
        )
        child.parent = merged
    _record_succession(session, unique, [merged], "merge", effective_on)
    record(
        session,
        "org.merge",
        user_id=user_id,
        detail={
            "paths": paths,
            "new_path": merged.path(),
            "moved": len(children),
            "effective_on": effective_on.isoformat(),
        },
    )
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


# --- staff operations: add, move, close (each validates, then writes one audit row) ------


def add_node(
    session: Session,
    parent: OrgNode | None,
    name: str,
    *,
    level: str,
    insats_code: str | None = None,
    tree: str | None = None,
    effective_on: date,
    user_id: int | None = None,
) -> OrgNode:
    """A new unit under `parent` (a root when None) from `effective_on`.

    `tree` defaults to the parent's tree (utförare for a root); an explicit tree must equal
    the parent's. The name must be free among the parent's open units; an insats only on
    utförare units, never under a unit that has one.
    """
    name = rules.clean_name(name)
    level = rules.clean_level(level)
    if tree is None:
        tree = parent.tree if parent is not None else "utforare"
    rules.check_tree(tree)
    if parent is not None:
        parent_path = parent.path()
        rules.check_parent(
            tree=tree,
            parent_path=parent_path,
            parent_tree=parent.tree,
            parent_open=parent.valid_to is None,
            parent_has_insats=parent.insats_code is not None,
        )
        rules.check_effective(parent_path, parent.valid_from, effective_on, ends=False)
    rules.check_insats(insats_code, tree=tree, known=_known_insatser(session))
    rules.check_unique_among_siblings(
        name, _open_sibling_names(session, parent.id if parent else None, tree)
    )
    node = OrgNode(
        name=name,
        parent=parent,
        level=level,
        insats_code=insats_code,
        tree=tree,
        valid_from=effective_on,
    )
    session.add(node)
    session.flush()
    record(
        session,
        "org.add",
        user_id=user_id,
        detail={
            "path": node.path(),
            "tree": tree,
            "level": level,
            "insats": insats_code,
            "effective_on": effective_on.isoformat(),
        },
    )
    return node


def move_node(
    session: Session,
    node: OrgNode,
    new_parent: OrgNode | None,
    effective_on: date,
    *,
    user_id: int | None = None,
) -> None:
    """Move `node` (with everything under it) under `new_parent` from `effective_on`.

    The old parent is kept (org_node_parent, until the day before), so a roll-up of an
    earlier period uses the parent the node had then. Moving under itself or one of its
    own units, across trees, to a closed parent or under a verksamhet is refused. Moving
    to the parent it already has changes nothing.
    """
    if new_parent is not None and new_parent.id == node.parent_id:
        return
    if new_parent is None and node.parent_id is None:
        return
    path = node.path()
    rules.check_open(path, node.valid_to is None)
    subtree = set(session.scalars(subtree_ids([node.id])))
    rules.check_not_into_own_subtree(path, new_parent.id if new_parent else None, subtree)
    if new_parent is not None:
        parent_path = new_parent.path()
        rules.check_parent(
            tree=node.tree,
            parent_path=parent_path,
            parent_tree=new_parent.tree,
            parent_open=new_parent.valid_to is None,
            parent_has_insats=new_parent.insats_code is not None,
        )
        rules.check_effective(parent_path, new_parent.valid_from, effective_on, ends=False)
    rules.check_effective(path, node.valid_from, effective_on, ends=False)
    until = effective_on - timedelta(days=1)
    last = session.scalar(
        select(func.max(OrgNodeParent.valid_until)).where(OrgNodeParent.org_node_id == node.id)
    )
    rules.check_after_last_change(path, last, until)
    rules.check_unique_among_siblings(
        node.name,
        _open_sibling_names(
            session, new_parent.id if new_parent else None, node.tree, exclude={node.id}
        ),
    )
    session.add(OrgNodeParent(org_node_id=node.id, parent_id=node.parent_id, valid_until=until))
    node.parent = new_parent
    session.flush()
    record(
        session,
        "org.move",
        user_id=user_id,
        detail={"path": path, "new_path": node.path(), "effective_on": effective_on.isoformat()},
    )


def close_node(
    session: Session,
    node: OrgNode,
    effective_on: date,
    *,
    user_id: int | None = None,
) -> list[OrgNode]:
    """Close `node` and every open unit under it: their last day is the day before
    `effective_on`. Refused while a round that is not closed (open or draft) covers any of
    them, naming the round. Returns the nodes closed (the node first)."""
    path = node.path()
    rules.check_open(path, node.valid_to is None)
    ids = set(session.scalars(subtree_ids([node.id])))
    descendants = session.scalars(
        select(OrgNode).where(OrgNode.id.in_(ids - {node.id}), OrgNode.valid_to.is_(None))
    )
    closing = [node, *sorted(descendants, key=lambda n: n.id)]
    rules.check_not_covered(path, covering_rounds(session, {n.id for n in closing}))
    for each in closing:
        rules.check_effective(each.path(), each.valid_from, effective_on, ends=True)
    until = effective_on - timedelta(days=1)
    for each in closing:
        each.valid_to = until
    session.flush()
    record(
        session,
        "org.close",
        user_id=user_id,
        detail={
            "path": path,
            "closed": [each.path() for each in closing],
            "effective_on": effective_on.isoformat(),
        },
    )
    return closing


def covering_rounds(session: Session, node_ids: set[int]) -> list[str]:
    """Codes of the rounds that are not closed (open or draft) and cover any of the nodes."""
    if not node_ids:
        return []
    return list(
        session.scalars(
            select(Round.code)
            .join(round_unit, round_unit.c.round_id == Round.id)
            .where(round_unit.c.org_node_id.in_(sorted(node_ids)), Round.is_closed.is_(False))
            .distinct()
            .order_by(Round.code)
        )
    )


def _check_can_end(
    session: Session,
    node: OrgNode,
    path: str,
    effective_on: date,
    *,
    allow_children: bool = False,
) -> None:
    """Shared by split and merge: the node is open, has begun, and no open round holds it."""
    rules.check_open(path, node.valid_to is None)
    rules.check_effective(path, node.valid_from, effective_on, ends=True)
    if not allow_children:
        rules.check_no_open_children(path, sum(1 for c in node.children if c.valid_to is None))
    rules.check_not_covered(path, covering_rounds(session, {node.id}))


def _open_sibling_names(
    session: Session, parent_id: int | None, tree: str, exclude: set[int] | None = None
) -> list[str]:
    """Names of the open units directly under `parent_id` (roots of `tree` when None)."""
    query = select(OrgNode.name).where(OrgNode.valid_to.is_(None), OrgNode.tree == tree)
    if parent_id is None:
        query = query.where(OrgNode.parent_id.is_(None))
    else:
        query = query.where(OrgNode.parent_id == parent_id)
    if exclude:
        query = query.where(OrgNode.id.not_in(sorted(exclude)))
    return list(session.scalars(query))


def _known_insatser(session: Session) -> set[str]:
    return set(session.scalars(select(Insats.code)))
