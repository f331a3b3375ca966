"""Targets (årsmål, KF:s årsmål) for the rows of a round's indicator table."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.domain.indicator_export import TargetLookup
from survey.domain.indicators import INSTALLATION, chain
from survey.models import Target
from survey.queries.indicators import RoundReport


def target_lookup(session: Session, report: RoundReport) -> TargetLookup:
    """Per indicator and node: the nearest target set on the node, an ancestor, or the whole
    installation, each column on its own (a missing target is None, never 0)."""
    stored: dict[tuple[str, int | None], tuple[str | None, str | None]] = {
        (t.indicator_key, t.org_node_id): (t.arsmal, t.kf_arsmal)
        for t in session.scalars(select(Target).where(Target.period == report.round.period))
    }
    if not stored:
        return lambda key, node_id: (None, None)
    parents = {}
    for nodes in report.trees.values():
        parents.update(nodes)

    def lookup(key: str, node_id: int | None) -> tuple[str | None, str | None]:
        places: list[int | None] = [] if node_id is INSTALLATION else list(chain(parents, node_id))
        places.append(INSTALLATION)
        arsmal = kf_arsmal = None
        for place in places:
            found = stored.get((key, place))
            if found is None:
                continue
            arsmal = arsmal if arsmal is not None else found[0]
            kf_arsmal = kf_arsmal if kf_arsmal is not None else found[1]
            if arsmal is not None and kf_arsmal is not None:
                break
        return arsmal, kf_arsmal

    return lookup
