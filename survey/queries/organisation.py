"""Reads of the organisation tree: the one subtree query every scoped staff query uses.

`subtree_ids()` is a recursive CTE (the same SQL on SQLite and PostgreSQL). Scope checks,
the live overview and the indicator roll-ups all go through it, so "which units may this
person see" has one answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from sqlalchemy import CTE, ColumnElement, Select, false, literal, select, true
from sqlalchemy.orm import Session

from survey.domain.access import Access, Permission
from survey.models import Insats, OrgNode, OrgNodeParent


def subtree_ids(root_ids: Iterable[int]) -> Select[tuple[int]]:
    """SELECT of the ids of the given nodes and all their descendants (recursive CTE)."""
    return select(_subtree_cte(tuple(sorted(set(root_ids)))).c.id)


@lru_cache(maxsize=512)
def _subtree_cte(roots: tuple[int, ...]) -> CTE:
    # One CTE object per set of roots, so one statement may filter two columns by the same
    # scope (SQLAlchemy refuses two different CTEs of one name in a statement).
    base = select(OrgNode.id.label("id")).where(OrgNode.id.in_(roots))
    name = (
        "subtree_" + "_".join(map(str, roots))
        if len(roots) <= 8
        else f"subtree_{hash(roots) & 0xFFFFFF:x}"
    )
    tree = base.cte(name, recursive=True)
    return tree.union(select(OrgNode.id).join(tree, OrgNode.parent_id == tree.c.id))


def ancestor_ids(session: Session, node_id: int) -> list[int]:
    """The node's id and every ancestor's id, nearest first (recursive CTE upwards)."""
    base = select(
        OrgNode.id.label("id"), OrgNode.parent_id.label("parent_id"), literal(0).label("depth")
    ).where(OrgNode.id == node_id)
    chain = base.cte("chain", recursive=True)
    chain = chain.union_all(
        select(OrgNode.id, OrgNode.parent_id, chain.c.depth + 1).join(
            chain, OrgNode.id == chain.c.parent_id
        )
    )
    return list(session.scalars(select(chain.c.id).order_by(chain.c.depth)))


def in_scope(
    access: Access, permission: Permission, column: ColumnElement[int]
) -> ColumnElement[bool]:
    """A WHERE condition: `column` (an org_node id) lies in a subtree where `permission` holds."""
    roots = access.roots(permission)
    if roots is None:
        return true()
    if not roots:
        return false()
    return column.in_(subtree_ids(roots).scalar_subquery())


def node_in_scope(session: Session, access: Access, permission: Permission, node_id: int) -> bool:
    roots = access.roots(permission)
    if roots is None:
        return session.get(OrgNode, node_id) is not None
    return access.covers(permission, ancestor_ids(session, node_id))


@dataclass(slots=True)
class TreeNode:
    """One node of the tree as pages and roll-ups need it (no ORM object)."""

    id: int
    parent_id: int | None
    name: str
    level: str
    tree: str
    insats_code: str | None
    survey_type: str | None
    valid_from: date | None
    valid_to: date | None
    children: list[TreeNode] = field(default_factory=list)
    path: str = ""

    @property
    def is_open(self) -> bool:
        return self.valid_to is None

    def walk(self) -> Iterable[TreeNode]:
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(slots=True)
class Tree:
    roots: list[TreeNode]
    by_id: dict[int, TreeNode]

    def walk(self) -> Iterable[TreeNode]:
        for root in self.roots:
            yield from root.walk()

    def leaves(self, node_id: int) -> list[TreeNode]:
        return [n for n in self.by_id[node_id].walk() if n.insats_code is not None]


def load_tree(
    session: Session,
    *,
    tree: str = "utforare",
    access: Access | None = None,
    permission: Permission = Permission.VIEW_ROUNDS,
    on: date | None = None,
    include_closed: bool = True,
) -> Tree:
    """The whole tree (or the subtrees in scope) in two queries, parents as they were `on`.

    With `on`, a node that has moved since hangs under the parent it had that day
    (org_node_parent), so last year's roll-up uses last year's parent. Nodes out of scope
    are left out; an in-scope node whose parent is out of scope becomes a root.
    """
    query = (
        select(
            OrgNode.id,
            OrgNode.parent_id,
            OrgNode.name,
            OrgNode.level,
            OrgNode.tree,
            OrgNode.insats_code,
            Insats.survey_type,
            OrgNode.valid_from,
            OrgNode.valid_to,
        )
        .outerjoin(Insats, Insats.code == OrgNode.insats_code)
        .where(OrgNode.tree == tree)
        .order_by(OrgNode.name, OrgNode.id)
    )
    if access is not None:
        query = query.where(in_scope(access, permission, OrgNode.id))
    if not include_closed:
        query = query.where(OrgNode.valid_to.is_(None))
    nodes = {row.id: TreeNode(*row) for row in session.execute(query)}
    if on is not None:
        for node_id, parent_id in parents_on(session, on).items():
            if node_id in nodes:
                nodes[node_id].parent_id = parent_id
    roots: list[TreeNode] = []
    for node in nodes.values():
        parent = nodes.get(node.parent_id) if node.parent_id is not None else None
        if parent is None:
            roots.append(node)
        else:
            parent.children.append(node)
    for root in roots:
        _set_paths(root, "")
    return Tree(roots=roots, by_id=nodes)


def _set_paths(node: TreeNode, prefix: str) -> None:
    stack = [(node, prefix)]
    while stack:
        current, above = stack.pop()
        current.path = f"{above}/{current.name}" if above else current.name
        stack.extend((child, current.path) for child in current.children)


def parents_on(session: Session, day: date) -> dict[int, int | None]:
    """For every node that has moved since `day`: the parent it had on that day."""
    found: dict[int, int | None] = {}
    rows = session.execute(
        select(OrgNodeParent.org_node_id, OrgNodeParent.parent_id)
        .where(OrgNodeParent.valid_until >= day)
        .order_by(OrgNodeParent.org_node_id, OrgNodeParent.valid_until.desc())
    )
    for node_id, parent_id in rows:
        # Ordered latest first, so the earliest record still valid on `day` wins.
        found[node_id] = parent_id
    return found


def path_of(session: Session, node_id: int) -> str:
    """'Förvaltning/Enhet/Verksamhet' for one node, by the ancestor CTE."""
    ids = ancestor_ids(session, node_id)
    names = dict(session.execute(select(OrgNode.id, OrgNode.name).where(OrgNode.id.in_(ids))).all())
    return "/".join(names[i] for i in reversed(ids))
