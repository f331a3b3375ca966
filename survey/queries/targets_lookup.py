"""Targets (årsmål, KF:s årsmål) for the rows of a round's indicator table."""

from __future__ import annotations

from sqlalchemy.orm import Session

from survey.domain.indicator_export import TargetLookup
from survey.domain.indicators import INSTALLATION, chain
from survey.domain.targets import target_for
from survey.queries.indicators import RoundReport
from survey.queries.targets import targets_for


def target_lookup(session: Session, report: RoundReport) -> TargetLookup:
    """Per indicator and node: the nearest target on the node, an ancestor or the whole
    installation, each column on its own (`survey.domain.targets.target_for`); a missing
    target is None, never 0."""
    stored = targets_for(session, report.round.period)
    nodes = {}
    for tree in report.trees.values():
        nodes.update(tree)

    def lookup(key: str, node_id: int | None) -> tuple[str | None, str | None]:
        ancestors = [] if node_id is INSTALLATION else chain(nodes, node_id)
        return target_for(stored, key, ancestors)

    return lookup
