"""The property tests again, through the database (SQLite and PostgreSQL) and the one query.

Random trees, beställare, genders and answers are stored as responses; `round_figures` (the
grouped SQL query and the pure computation every output uses) must publish cells that equal
a naive recount of the raw answers, none on fewer valid answers than the threshold, and no
withheld count an LP attacker can pin (tests/support/disclosure.py).
"""

from __future__ import annotations

import random
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from survey.domain.indicators import Node
from survey.models import Answer, OrgNode, SurveyResponse
from survey.operations.organisation import ensure_builtin_insatser
from survey.queries.indicators import round_figures
from tests.conftest import empty_tables
from tests.factories import make_round
from tests.support.disclosure import Person
from tests.support.properties import examples
from tests.unit.test_suppression_properties import World, check_published, make_world

QUESTION = "DV_TRIVS"


def store(session, world: World) -> tuple[World, object]:  # type: ignore[no-untyped-def]
    """Write the world's trees and answers; return it with database ids, and the round."""
    ids: dict[int, int] = {}
    for tree in ("utforare", "bestallare"):
        pending = sorted(world.trees[tree].values(), key=lambda n: n.id)
        while pending:
            later = []
            for node in pending:
                if node.parent_id is not None and node.parent_id not in ids:
                    later.append(node)
                    continue
                leaf = tree == "utforare" and node.id in world.units
                row = OrgNode(
                    name=node.name,
                    level=node.level,
                    tree=tree,
                    parent_id=ids.get(node.parent_id) if node.parent_id else None,
                    insats_code="daglig_verksamhet" if leaf else None,
                )
                session.add(row)
                session.flush()
                ids[node.id] = row.id
            pending = later
    units = [session.get(OrgNode, ids[u]) for u in world.units]
    round_ = make_round(session, units=units, code=f"P-{uuid.uuid4().hex[:8]}")
    persons = []
    for person in world.persons:
        moved = Person(
            ids[person.unit_id],
            ids[person.bestallare_id] if person.bestallare_id is not None else None,
            person.gender,
            person.value,
        )
        persons.append(moved)
        response = SurveyResponse(
            round_id=round_.id,
            org_node_id=moved.unit_id,
            bestallare_node_id=moved.bestallare_id,
            gender=moved.gender,
            answered_by="sjalv",
            submitted_week="2026-W48",
        )
        if moved.value is not None:
            response.answers.append(Answer(question_code=QUESTION, value=moved.value))
        session.add(response)
    session.commit()
    trees = {
        tree: {
            ids[n.id]: Node(
                ids[n.id],
                ids.get(n.parent_id) if n.parent_id else None,
                n.name,
                n.path,
                n.level,
                tree,
            )
            for n in world.trees[tree].values()
        }
        for tree in ("utforare", "bestallare")
    }
    return World(trees, persons, [ids[u] for u in world.units]), round_


@settings(
    max_examples=examples(12),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(seed=st.integers(0, 2**32 - 1), annat=st.sampled_from((0.0, 0.1)))
def test_published_tables_from_the_database(db_session, seed: int, annat: float) -> None:
    empty_tables()
    ensure_builtin_insatser(db_session)
    world, round_ = store(db_session, make_world(random.Random(seed), annat=annat))
    report = round_figures(db_session, round_, threshold=5)
    item = next(i for i in report.figures.items if i.question_code == QUESTION)
    table = report.figures.tables[item.table_key]

    def in_world(key: tuple[str, int | None, str]) -> bool:
        tree, node_id, _ = key
        return node_id is None or node_id in world.trees[tree]

    check_published(world, table, report.figures.rates, 5, keep=in_world)
