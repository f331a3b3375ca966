"""The easy-read results of one unit (results back to the brukare, SPEC §6), read through
the same cached figures as the dashboard: nothing is computed or withheld here."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from survey.domain.easy_read_results import EasyReadResults, easy_read_results
from survey.domain.indicator_export import unit_reports
from survey.models import Round
from survey.queries.indicators import cached_round_figures
from survey.queries.organisation import path_of


def unit_easy_read(
    session: Session, round_: Round, *, tree: str, node_id: int, threshold: int, today: date
) -> EasyReadResults:
    """One unit's blocks from `cached_round_figures` (suppression applied there)."""
    report = cached_round_figures(session, round_, threshold=threshold)
    units = unit_reports(report.figures, report.trees, by=tree, within={node_id})
    node = report.trees[tree].get(node_id)
    name = node.name if node is not None else path_of(session, node_id).rsplit("/", 1)[-1]
    return easy_read_results(
        units[0] if units else None,
        unit_name=name,
        bank=report.bank,
        catalogue=report.catalogue,
        period=round_.period,
        is_preliminary=not round_.is_closed,
        closes_on=round_.closes_on,
        as_of=today,
    )
