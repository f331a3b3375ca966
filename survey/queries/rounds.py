"""Reads of rounds for the staff pages, always through the subtree scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.orm import Session

from survey.domain.access import Access, Permission
from survey.models import Invitation, OrgNode, Round, round_unit
from survey.queries.organisation import in_scope


@dataclass(frozen=True, slots=True)
class RoundRow:
    id: int
    code: str
    title: str
    survey_type: str
    period: int
    opens_on: date
    closes_on: date
    is_draft: bool
    is_closed: bool
    invited: int
    submitted: int

    @property
    def rate(self) -> float | None:
        return self.submitted / self.invited if self.invited else None

    def state(self, today: date) -> str:
        """'draft', 'closed', 'waiting' (opens later), 'ended' (past its last day) or 'open'."""
        if self.is_closed:
            return "closed"
        if self.is_draft:
            return "draft"
        if today < self.opens_on:
            return "waiting"
        if today > self.closes_on:
            return "ended"
        return "open"


def _has_unit_in_scope(access: Access, permission: Permission):  # type: ignore[no-untyped-def]
    return exists().where(
        round_unit.c.round_id == Round.id, in_scope(access, permission, round_unit.c.org_node_id)
    )


def visible_rounds(session: Session, access: Access) -> list[RoundRow]:
    """Rounds with at least one unit in the person's scope, counted over those units only."""
    counted = (
        select(
            Invitation.round_id.label("round_id"),
            func.count().label("invited"),
            func.sum(case((Invitation.status == "submitted", 1), else_=0)).label("submitted"),
        )
        .where(
            Invitation.status != "withdrawn",
            in_scope(access, Permission.VIEW_ROUNDS, Invitation.org_node_id),
        )
        .group_by(Invitation.round_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Round.id,
            Round.code,
            Round.title,
            Round.survey_type,
            Round.period,
            Round.opens_on,
            Round.closes_on,
            Round.is_draft,
            Round.is_closed,
            func.coalesce(counted.c.invited, 0),
            func.coalesce(counted.c.submitted, 0),
        )
        .outerjoin(counted, counted.c.round_id == Round.id)
        .where(_has_unit_in_scope(access, Permission.VIEW_ROUNDS))
        .order_by(Round.period.desc(), Round.opens_on.desc(), Round.code)
    ).all()
    return [RoundRow(*row) for row in rows]


def round_in_scope(
    session: Session, access: Access, code: str, permission: Permission = Permission.VIEW_ROUNDS
) -> Round | None:
    """The round with `code` if at least one of its units lies where `permission` holds."""
    return session.scalar(
        select(Round).where(Round.code == code, _has_unit_in_scope(access, permission))
    )


def round_wholly_in_scope(
    session: Session, access: Access, round_: Round, permission: Permission
) -> bool:
    """Whether every unit of the round lies where `permission` holds (to change the round)."""
    outside = session.scalar(
        select(func.count())
        .select_from(round_unit)
        .where(
            round_unit.c.round_id == round_.id,
            ~in_scope(access, permission, round_unit.c.org_node_id),
        )
    )
    return outside == 0


def round_units_in_scope(
    session: Session, access: Access, round_: Round, permission: Permission = Permission.VIEW_ROUNDS
) -> list[OrgNode]:
    return list(
        session.scalars(
            select(OrgNode)
            .join(round_unit, and_(round_unit.c.org_node_id == OrgNode.id))
            .where(round_unit.c.round_id == round_.id, in_scope(access, permission, OrgNode.id))
            .order_by(OrgNode.name)
        )
    )
