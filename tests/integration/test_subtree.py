"""The one subtree query (recursive CTE) on both databases, and scope checks built on it."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from survey.domain.access import Access, Grant, Permission
from survey.models import OrgNode, OrgNodeParent
from survey.operations.organisation import ensure_node_path
from survey.queries.organisation import (
    ancestor_ids,
    in_scope,
    load_tree,
    node_in_scope,
    path_of,
    subtree_ids,
)


def _tree(session):
    a = ensure_node_path(session, "F/E1/V1", "daglig_verksamhet")
    b = ensure_node_path(session, "F/E1/V2", "daglig_verksamhet")
    c = ensure_node_path(session, "F/E2/Deep/V3", "gruppbostad")
    other = ensure_node_path(session, "G/E3/V4", "boendestod")
    return a, b, c, other


def test_subtree_holds_the_node_and_every_descendant(db_session):
    a, b, c, other = _tree(db_session)
    f = a.parent.parent
    ids = set(db_session.scalars(subtree_ids([f.id])))
    assert {a.id, b.id, c.id, a.parent.id, c.parent.id, c.parent.parent.id, f.id} == ids
    assert other.id not in ids
    assert set(db_session.scalars(subtree_ids([a.parent.id, other.id]))) == {
        a.parent.id,
        a.id,
        b.id,
        other.id,
    }


def test_ancestors_nearest_first_and_path(db_session):
    _, _, c, _ = _tree(db_session)
    ids = ancestor_ids(db_session, c.id)
    assert ids[0] == c.id
    assert len(ids) == 4
    assert path_of(db_session, c.id) == "F/E2/Deep/V3"


def test_scope_per_role_and_subtree(db_session):
    a, b, c, other = _tree(db_session)
    e1 = a.parent
    access = Access.of([Grant("enhetschef", e1.id), Grant("stodperson", other.id)])
    visible = set(
        db_session.scalars(
            select(OrgNode.id).where(in_scope(access, Permission.VIEW_ROUNDS, OrgNode.id))
        )
    )
    assert visible == {e1.id, a.id, b.id}
    assert node_in_scope(db_session, access, Permission.VIEW_ROUNDS, a.id)
    assert not node_in_scope(db_session, access, Permission.VIEW_ROUNDS, c.id)
    # stödperson on `other` carries no overview permission there
    assert not node_in_scope(db_session, access, Permission.VIEW_ROUNDS, other.id)
    assert not node_in_scope(db_session, access, Permission.MANAGE_ROUNDS, a.id)
    everywhere = Access.of([Grant("admin", None)])
    assert node_in_scope(db_session, everywhere, Permission.MANAGE_ORGANISATION, c.id)
    nowhere = Access.of([])
    assert not set(
        db_session.scalars(
            select(OrgNode.id).where(in_scope(nowhere, Permission.VIEW_ROUNDS, OrgNode.id))
        )
    )


def test_tree_uses_the_parent_a_node_had_on_a_day(db_session):
    a, b, c, _ = _tree(db_session)
    e1, e2 = a.parent, c.parent.parent
    # V1 moved from E1 to E2 at the start of 2026.
    db_session.add(OrgNodeParent(org_node_id=a.id, parent_id=e1.id, valid_until=date(2025, 12, 31)))
    a.parent_id = e2.id
    db_session.flush()
    now = load_tree(db_session)
    assert now.by_id[a.id].parent_id == e2.id
    assert now.by_id[a.id].path == "F/E2/V1"
    then = load_tree(db_session, on=date(2025, 6, 1))
    assert then.by_id[a.id].parent_id == e1.id
    assert then.by_id[a.id].path == "F/E1/V1"
    assert {n.id for n in then.leaves(e1.id)} == {a.id, b.id}
    assert {n.id for n in now.leaves(e1.id)} == {b.id}


def test_scoped_tree_leaves_out_other_subtrees(db_session):
    a, _, c, other = _tree(db_session)
    access = Access.of([Grant("handlaggare", a.parent.id)])
    tree = load_tree(db_session, access=access)
    assert [r.id for r in tree.roots] == [a.parent.id]
    assert c.id not in tree.by_id
    assert other.id not in tree.by_id
