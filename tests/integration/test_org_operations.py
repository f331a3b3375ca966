"""Staff operations on the organisation tree: add, rename, move, close, split, merge."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from survey.domain.organisation_rules import OrgChangeRefused
from survey.models import AuditEvent, OrgNodeParent
from survey.operations.organisation import (
    add_node,
    close_node,
    ensure_node_path,
    merge_nodes,
    move_node,
    rename_node,
    split_node,
)
from survey.operations.rounds import close_round
from survey.queries.organisation import load_tree
from tests.factories import make_round

DAY = date(2026, 3, 1)


class refused:  # noqa: N801 - reads as `with refused("code"):`
    """`with _Refused("code"):` — the block raises OrgChangeRefused with that code."""

    def __init__(self, code: str) -> None:
        self.code = code

    def __enter__(self) -> refused:
        return self

    def __exit__(self, kind, error, traceback) -> bool:  # type: ignore[no-untyped-def]
        assert isinstance(error, OrgChangeRefused), f"expected {self.code}, got {error!r}"
        assert error.code == self.code, f"expected {self.code}, got {error.code}: {error}"
        self.error = error
        return True


def actions(session) -> list[str]:  # type: ignore[no-untyped-def]
    return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_add_builds_a_tree_and_audits(db_session):
    f = add_node(db_session, None, "Förvaltningen", level="forvaltning", effective_on=DAY)
    e = add_node(db_session, f, "Enheten", level="enhet", effective_on=DAY, user_id=None)
    v = add_node(
        db_session,
        e,
        "Växtverket",
        level="verksamhet",
        insats_code="daglig_verksamhet",
        effective_on=DAY,
    )
    assert v.path() == "Förvaltningen/Enheten/Växtverket"
    assert v.tree == "utforare"
    assert v.valid_from == DAY
    assert actions(db_session) == ["org.add", "org.add", "org.add"]
    event = db_session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event.detail["path"] == "Förvaltningen/Enheten/Växtverket"
    assert event.detail["insats"] == "daglig_verksamhet"


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("", "name_blank"),
        ("   ", "name_blank"),
        ("A/B", "name_has_slash"),
        ("x" * 201, "name_too_long"),
    ],
)
def test_add_refuses_bad_names(db_session, name, code):
    with refused(code):
        add_node(db_session, None, name, level="forvaltning", effective_on=DAY)


def test_add_refuses_duplicates_wrong_tree_and_misplaced_insats(db_session):
    e = ensure_node_path(db_session, "F/E")
    ensure_node_path(db_session, "F/E/Växtverket", "daglig_verksamhet")
    with refused("duplicate_sibling"):
        add_node(db_session, e, " växtverket ", level="verksamhet", effective_on=DAY)
    bestallare = add_node(
        db_session, None, "Beställarenheten", level="enhet", tree="bestallare", effective_on=DAY
    )
    with refused("tree_mismatch"):
        add_node(db_session, bestallare, "X", level="enhet", tree="utforare", effective_on=DAY)
    # The default tree is the parent's.
    child = add_node(db_session, bestallare, "Handläggargrupp", level="enhet", effective_on=DAY)
    assert child.tree == "bestallare"
    with refused("insats_in_bestallare_tree"):
        add_node(
            db_session, bestallare, "Y", level="enhet", insats_code="gruppbostad", effective_on=DAY
        )
    leaf = ensure_node_path(db_session, "F/E/Ateljén", "daglig_verksamhet")
    with refused("parent_is_verksamhet"):
        add_node(db_session, leaf, "Under", level="grupp", effective_on=DAY)
    with refused("unknown_insats"):
        add_node(db_session, e, "Z", level="verksamhet", insats_code="nope", effective_on=DAY)
    with refused("unknown_tree"):
        add_node(db_session, None, "W", level="enhet", tree="other", effective_on=DAY)
    # A root name may repeat across trees, not within one.
    add_node(db_session, None, "F", level="forvaltning", tree="bestallare", effective_on=DAY)
    with refused("duplicate_sibling"):
        add_node(db_session, None, "F", level="forvaltning", effective_on=DAY)


def test_add_under_a_closed_parent_is_refused(db_session):
    e = ensure_node_path(db_session, "F/E")
    close_node(db_session, e, DAY)
    with refused("parent_closed"):
        add_node(db_session, e, "Ny", level="verksamhet", effective_on=DAY)


def test_move_keeps_the_old_parent_for_earlier_days(db_session):
    v1 = ensure_node_path(db_session, "F/E1/V1", "daglig_verksamhet")
    e1 = v1.parent
    e2 = ensure_node_path(db_session, "F/E2")
    move_node(db_session, v1, e2, date(2026, 1, 1), user_id=None)
    assert v1.path() == "F/E2/V1"
    history = db_session.scalars(select(OrgNodeParent)).all()
    assert [(h.org_node_id, h.parent_id, h.valid_until) for h in history] == [
        (v1.id, e1.id, date(2025, 12, 31))
    ]
    assert load_tree(db_session).by_id[v1.id].path == "F/E2/V1"
    assert load_tree(db_session, on=date(2025, 12, 31)).by_id[v1.id].path == "F/E1/V1"
    assert load_tree(db_session, on=date(2026, 1, 1)).by_id[v1.id].path == "F/E2/V1"
    # A second move later: each earlier day keeps the parent it had then.
    e3 = ensure_node_path(db_session, "F/E3")
    move_node(db_session, v1, e3, date(2026, 6, 1))
    assert load_tree(db_session, on=date(2025, 6, 1)).by_id[v1.id].path == "F/E1/V1"
    assert load_tree(db_session, on=date(2026, 3, 1)).by_id[v1.id].path == "F/E2/V1"
    assert load_tree(db_session).by_id[v1.id].path == "F/E3/V1"
    assert actions(db_session).count("org.move") == 2
    event = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "org.move")).first()
    assert event.detail == {"path": "F/E1/V1", "new_path": "F/E2/V1", "effective_on": "2026-01-01"}


def test_move_refuses_cycles_other_trees_closed_parents_and_backdating(db_session):
    leaf = ensure_node_path(db_session, "F/E1/Grupp/V1", "daglig_verksamhet")
    grupp, e1 = leaf.parent, leaf.parent.parent
    with refused("move_into_own_subtree"):
        move_node(db_session, e1, e1, DAY)
    with refused("move_into_own_subtree"):
        move_node(db_session, e1, grupp, DAY)
    other_tree = add_node(db_session, None, "B", level="enhet", tree="bestallare", effective_on=DAY)
    with refused("tree_mismatch"):
        move_node(db_session, grupp, other_tree, DAY)
    closed = ensure_node_path(db_session, "F/Stängd")
    close_node(db_session, closed, DAY)
    with refused("parent_closed"):
        move_node(db_session, grupp, closed, DAY)
    with refused("parent_is_verksamhet"):
        move_node(db_session, grupp, ensure_node_path(db_session, "F/E2/V", "gruppbostad"), DAY)
    e2 = ensure_node_path(db_session, "F/E2")
    move_node(db_session, grupp, e2, DAY)
    with refused("effective_before_last_change"):
        move_node(db_session, grupp, e1, DAY)
    ensure_node_path(db_session, "F/E1/Grupp")
    with refused("duplicate_sibling"):
        move_node(db_session, grupp, e1, date(2026, 4, 1))
    assert grupp.parent_id == e2.id  # nothing changed by the refusals
    assert actions(db_session).count("org.move") == 1


def test_move_to_the_same_parent_changes_nothing(db_session):
    leaf = ensure_node_path(db_session, "F/E/V", "daglig_verksamhet")
    move_node(db_session, leaf, leaf.parent, DAY)
    assert db_session.scalars(select(OrgNodeParent)).all() == []


def test_move_to_the_top_makes_a_root(db_session):
    leaf = ensure_node_path(db_session, "F/E/V", "daglig_verksamhet")
    e = leaf.parent
    move_node(db_session, e, None, DAY)
    assert e.path() == "E"
    assert load_tree(db_session, on=date(2026, 1, 1)).by_id[e.id].path == "F/E"


def test_close_closes_open_descendants_and_is_refused_while_a_round_covers_them(db_session):
    v1 = ensure_node_path(db_session, "F/E/V1", "daglig_verksamhet")
    v2 = ensure_node_path(db_session, "F/E/V2", "daglig_verksamhet")
    e = v1.parent
    round_ = make_round(db_session, units=[v2], code="DV-2026")
    with refused("covered_by_open_round") as refusal:
        close_node(db_session, e, DAY)
    assert refusal.error.params["round"] == "DV-2026"
    assert "DV-2026" in str(refusal.error)
    assert e.valid_to is None
    assert v1.valid_to is None
    close_round(db_session, round_, DAY)
    closed = close_node(db_session, e, DAY)
    assert {n.id for n in closed} == {e.id, v1.id, v2.id}
    assert e.valid_to == v1.valid_to == v2.valid_to == date(2026, 2, 28)
    with refused("node_closed"):
        close_node(db_session, e, DAY)
    event = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "org.close")).one()
    assert sorted(event.detail["closed"]) == ["F/E", "F/E/V1", "F/E/V2"]


def test_a_draft_round_also_blocks_closing(db_session):
    v = ensure_node_path(db_session, "F/E/V", "daglig_verksamhet")
    make_round(db_session, units=[v], code="DRAFT", is_draft=True)
    with refused("covered_by_open_round"):
        close_node(db_session, v, DAY)


def test_close_before_the_node_began_is_refused(db_session):
    f = add_node(db_session, None, "F", level="forvaltning", effective_on=DAY)
    with refused("effective_before_start"):
        close_node(db_session, f, DAY)
    close_node(db_session, f, date(2026, 3, 2))
    assert f.valid_to == DAY


def test_rename_refuses_bad_input_and_keeps_history_in_order(db_session):
    v = ensure_node_path(db_session, "F/E/Växtverket", "daglig_verksamhet")
    ensure_node_path(db_session, "F/E/Ateljén", "daglig_verksamhet")
    for bad, code in [
        ("", "name_blank"),
        ("A/B", "name_has_slash"),
        ("ateljén", "duplicate_sibling"),
    ]:
        with refused(code):
            rename_node(db_session, v, bad, DAY)
    rename_node(db_session, v, "Gröna huset", DAY)
    with refused("effective_before_last_change"):
        rename_node(db_session, v, "Blå huset", DAY)
    assert v.name == "Gröna huset"
    event = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "org.rename")).one()
    assert event.detail["new_path"] == "F/E/Gröna huset"


def test_split_keeps_the_tree_and_refuses_bad_parts(db_session):
    node = add_node(
        db_session, None, "B", level="enhet", tree="bestallare", effective_on=date(2025, 1, 1)
    )
    group = add_node(db_session, node, "Stora", level="enhet", effective_on=date(2025, 1, 1))
    with refused("split_needs_two_parts"):
        split_node(db_session, group, [("Ett", None)], DAY)
    with refused("duplicate_sibling"):
        split_node(db_session, group, [("Ett", None), ("ett", None)], DAY)
    with refused("name_has_slash"):
        split_node(db_session, group, [("Ett", None), ("T/vå", None)], DAY)
    with refused("insats_in_bestallare_tree"):
        split_node(db_session, group, [("Ett", "gruppbostad"), ("Två", None)], DAY)
    with refused("has_open_children"):
        split_node(db_session, node, [("Ett", None), ("Två", None)], DAY)
    parts = split_node(db_session, group, [("Ett", None), ("Stora", None)], DAY)
    assert [p.tree for p in parts] == ["bestallare", "bestallare"]
    assert [p.path() for p in parts] == ["B/Ett", "B/Stora"]
    assert "org.split" in actions(db_session)


def test_split_of_a_unit_in_an_open_round_is_refused(db_session):
    v = ensure_node_path(db_session, "F/E/V", "daglig_verksamhet")
    make_round(db_session, units=[v], code="DV-OPEN")
    with refused("covered_by_open_round"):
        split_node(db_session, v, [("A", "daglig_verksamhet"), ("B", "daglig_verksamhet")], DAY)


def test_merge_moves_the_units_under_the_merged_node(db_session):
    a = ensure_node_path(db_session, "F/E1/A", "daglig_verksamhet")
    b = ensure_node_path(db_session, "F/E2/B", "daglig_verksamhet")
    e1, e2 = a.parent, b.parent
    merged = merge_nodes(db_session, [e1, e2], "E1 och E2", date(2026, 1, 1))
    assert a.path() == "F/E1 och E2/A"
    assert b.path() == "F/E1 och E2/B"
    assert e1.valid_to == e2.valid_to == date(2025, 12, 31)
    assert merged.insats_code is None
    then = load_tree(db_session, on=date(2025, 6, 1))
    assert then.by_id[a.id].path == "F/E1/A"
    assert then.by_id[b.id].path == "F/E2/B"
    assert "org.merge" in actions(db_session)


def test_merge_refusals(db_session):
    a = ensure_node_path(db_session, "F/E1/A", "daglig_verksamhet")
    b = ensure_node_path(db_session, "F/E1/B", "gruppbostad")
    e1 = a.parent
    with refused("merge_needs_two_units"):
        merge_nodes(db_session, [a, a], "AA", DAY)
    with refused("insats_differs"):
        merge_nodes(db_session, [a, b], "AB", DAY)
    with refused("merge_nested"):
        merge_nodes(db_session, [e1, a], "X", DAY)
    other = add_node(db_session, None, "B", level="enhet", tree="bestallare", effective_on=DAY)
    with refused("merge_across_trees"):
        merge_nodes(db_session, [e1, other], "X", DAY)
    ensure_node_path(db_session, "F/E2/A", "daglig_verksamhet")
    with refused("duplicate_sibling"):
        merge_nodes(db_session, [e1, ensure_node_path(db_session, "F/E2")], "X", DAY)
    merged = merge_nodes(db_session, [a, b], "AB", DAY, insats_code="gruppbostad")
    assert merged.insats_code == "gruppbostad"
