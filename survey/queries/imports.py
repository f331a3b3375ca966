"""Reads the file importers need: which units a list may name, and what a printed code is."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.domain.paper import CodeInfo
from survey.domain.recipients import UnitIndex
from survey.models import Invitation, Round, round_unit
from survey.queries.organisation import Tree, load_tree

_IN_CHUNK = 500


def round_unit_ids(session: Session, round_: Round, tree: Tree | None = None) -> set[int]:
    """The open verksamheter a round invites: its units and the leaves under them, of the
    round's survey type (an invitation's unit must ask the round's question bank)."""
    chosen = set(
        session.scalars(select(round_unit.c.org_node_id).where(round_unit.c.round_id == round_.id))
    )
    tree = tree or load_tree(session, tree="utforare")
    found: set[int] = set()
    for node_id in chosen:
        if node_id not in tree.by_id:
            continue
        for leaf in tree.leaves(node_id):
            if leaf.survey_type == round_.survey_type and leaf.is_open:
                found.add(leaf.id)
    return found


def unit_index_for_round(session: Session, round_: Round) -> UnitIndex:
    """The round's units by path, and every other open unit (to say "not in this round")."""
    tree = load_tree(session, tree="utforare", include_closed=False)
    in_round = round_unit_ids(session, round_, tree)
    units = [(node.id, node.path) for node in tree.walk() if node.id in in_round]
    others = [
        (node.id, node.path)
        for node in tree.walk()
        if node.id not in in_round and node.insats_code is not None
    ]
    return UnitIndex.build(units, others)


def bestallare_index(session: Session) -> UnitIndex:
    """Every open node of the beställare tree, by path or unique tail."""
    tree = load_tree(session, tree="bestallare", include_closed=False)
    return UnitIndex.build((node.id, node.path) for node in tree.walk())


def code_infos(session: Session, codes: Iterable[str]) -> dict[str, CodeInfo]:
    """What each printed short code is (any round), in chunks of one IN query each."""
    wanted = sorted(set(codes))
    found: dict[str, CodeInfo] = {}
    for start in range(0, len(wanted), _IN_CHUNK):
        rows = session.execute(
            select(
                Invitation.short_code,
                Invitation.id,
                Invitation.round_id,
                Invitation.org_node_id,
                Invitation.status,
                Invitation.gender,
            ).where(Invitation.short_code.in_(wanted[start : start + _IN_CHUNK]))
        )
        for code, invitation_id, round_id, unit_id, status, gender in rows:
            found[code] = CodeInfo(invitation_id, round_id, unit_id, status, gender)
    return found
