"""Reads of results links: the one behind a public address, and a round's active links."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.domain.passwords import digest
from survey.domain.tokens import looks_like_token
from survey.models import OrgNode, Round, User
from survey.models.results_link import ResultsLink


@dataclass(frozen=True, slots=True)
class LinkedUnit:
    """What a public results address points at."""

    link_id: int
    round_id: int
    tree: str
    node_id: int
    node_name: str


@dataclass(frozen=True, slots=True)
class LinkRow:
    """One active link on the staff page (never its token: only a digest is stored)."""

    id: int
    tree: str
    node_id: int
    unit_name: str
    created_by: str | None
    created_at: datetime


def find_linked_unit(session: Session, token: str) -> LinkedUnit | None:
    """The unit an active link shows; None for an unknown, mistyped or revoked token, or a
    round that is a draft again (no difference is told)."""
    if not looks_like_token(token):
        return None
    row = session.execute(
        select(
            ResultsLink.id,
            ResultsLink.round_id,
            ResultsLink.tree,
            ResultsLink.org_node_id,
            OrgNode.name,
        )
        .join(OrgNode, OrgNode.id == ResultsLink.org_node_id)
        .join(Round, Round.id == ResultsLink.round_id)
        .where(
            ResultsLink.token_hash == digest(token),
            ResultsLink.revoked_at.is_(None),
            Round.is_draft.is_(False),
        )
    ).one_or_none()
    return None if row is None else LinkedUnit(*row)


def active_links(
    session: Session, round_id: int, node_ids: Collection[int] | None
) -> list[LinkRow]:
    """A round's links that are not revoked, newest first; `node_ids` limits them to the
    units a person may see (None: every unit)."""
    query = (
        select(
            ResultsLink.id,
            ResultsLink.tree,
            ResultsLink.org_node_id,
            OrgNode.name,
            User.name,
            ResultsLink.created_at,
        )
        .join(OrgNode, OrgNode.id == ResultsLink.org_node_id)
        .outerjoin(User, User.id == ResultsLink.created_by_id)
        .where(ResultsLink.round_id == round_id, ResultsLink.revoked_at.is_(None))
        .order_by(ResultsLink.created_at.desc(), ResultsLink.id.desc())
    )
    if node_ids is not None:
        query = query.where(ResultsLink.org_node_id.in_(sorted(node_ids)))
    return [LinkRow(*row) for row in session.execute(query)]
