"""The live overview of a round (SPEC §5): invited, started, submitted, withdrawn and response
rate per unit and level, by gender, for the units a person may see.

One grouped query over the round's invitations (scoped with `in_scope`), one for the round's
units, and the tree from `load_tree` (two queries); the roll-up is pure
(survey.domain.overview). A unit outside the person's scope never appears.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.domain.access import Access, Permission
from survey.domain.overview import (
    CSV_COLUMNS,
    CSV_HEADERS_SV,
    CountRow,
    Counts,
    Overview,
    OverviewRow,
    Tally,
    build_overview,
    overview_csv,
    sort_rows,
)
from survey.models import Invitation, Round, round_unit
from survey.queries.organisation import in_scope, load_tree

__all__ = [
    "CSV_COLUMNS",
    "CSV_HEADERS_SV",
    "Counts",
    "Overview",
    "OverviewRow",
    "Tally",
    "overview_counts",
    "overview_csv",
    "round_overview",
    "sort_rows",
]

PERMISSION = Permission.VIEW_ROUNDS


def overview_counts(session: Session, round_id: int, access: Access) -> list[CountRow]:
    """Invitations of the round per (unit, gender, status), units in scope only."""
    query = (
        select(Invitation.org_node_id, Invitation.gender, Invitation.status, func.count())
        .where(
            Invitation.round_id == round_id, in_scope(access, PERMISSION, Invitation.org_node_id)
        )
        .group_by(Invitation.org_node_id, Invitation.gender, Invitation.status)
    )
    return [
        CountRow(node_id, gender, status, count)
        for node_id, gender, status, count in session.execute(query)
    ]


def round_overview(
    session: Session, round_: Round, access: Access, *, on: date | None = None
) -> Overview:
    """The overview of `round_` as `access` may see it, rolled up to every level.

    The tree is the one of `on` (parents before later moves); default: today's tree for a
    round that is not closed, the tree of its last day for a closed one.
    """
    if on is None and round_.is_closed:
        on = round_.closes_on
    counts = overview_counts(session, round_.id, access)
    unit_ids = set(
        session.scalars(
            select(round_unit.c.org_node_id).where(
                round_unit.c.round_id == round_.id,
                in_scope(access, PERMISSION, round_unit.c.org_node_id),
            )
        )
    )
    tree = load_tree(session, tree="utforare", access=access, permission=PERMISSION, on=on)
    return build_overview(round_.code, tree.roots, counts, unit_ids)
