from datetime import date

import pytest

from survey.operations.organisation import (
    ensure_node_path,
    find_node_by_path,
    leaf_units,
    merge_nodes,
    name_on,
    predecessor_ids,
    rename_node,
    split_node,
)


def test_paths_of_any_depth_are_created_once(db_session):
    leaf = ensure_node_path(db_session, "F/Avdelning/Enhet/Grupp/Verksamhet", "gruppbostad")
    again = ensure_node_path(db_session, "F/Avdelning/Enhet/Grupp/Verksamhet", "gruppbostad")
    assert leaf.id == again.id
    assert leaf.path() == "F/Avdelning/Enhet/Grupp/Verksamhet"
    assert leaf.level == "verksamhet"
    assert leaf.insats_code == "gruppbostad"
    root = find_node_by_path(db_session, "F")
    assert [n.id for n in leaf_units(root)] == [leaf.id]
    assert find_node_by_path(db_session, "F/Saknas") is None


@pytest.mark.parametrize("bad", ["", "A//B", "/A", "A/ /B"])
def test_bad_paths_are_refused(db_session, bad):
    with pytest.raises(ValueError, match="not a valid unit path"):
        ensure_node_path(db_session, bad)


def test_rename_keeps_the_old_name_for_earlier_periods(db_session):
    node = ensure_node_path(db_session, "F/E/Växtverket", "daglig_verksamhet")
    rename_node(db_session, node, "Gröna huset", date(2025, 4, 1))
    assert node.name == "Gröna huset"
    assert node.path() == "F/E/Gröna huset"
    assert name_on(node, date(2024, 12, 31)) == "Växtverket"
    assert name_on(node, date(2025, 4, 1)) == "Gröna huset"


def test_split_and_merge_keep_lineage_for_last_years_figure(db_session):
    old = ensure_node_path(db_session, "F/E/Stora gruppen", "daglig_verksamhet")
    east, west = split_node(
        db_session,
        old,
        [("Östra", "daglig_verksamhet"), ("Västra", "daglig_verksamhet")],
        date(2025, 1, 1),
    )
    assert old.valid_to == date(2024, 12, 31)
    assert predecessor_ids(db_session, east.id) == {old.id}
    merged = merge_nodes(db_session, [east, west], "Hela gruppen", date(2026, 1, 1))
    assert predecessor_ids(db_session, merged.id) == {east.id, west.id, old.id}
    assert merged.insats_code == "daglig_verksamhet"
    # A closed node is no longer found by its path; a new one of the same name can exist.
    assert find_node_by_path(db_session, "F/E/Stora gruppen") is None
