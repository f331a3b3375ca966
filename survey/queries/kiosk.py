"""Reads for kiosk mode: the kiosk behind a tablet's cookie, which invitations a kiosk may
take, how many each unit has left, and the active kiosks a person may see and end."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, exists, func, select, true
from sqlalchemy.orm import Session

from survey.domain.access import Access, Permission
from survey.domain.passwords import digest
from survey.domain.tokens import looks_like_token
from survey.models import DraftAnswer, Invitation, KioskSession, OrgNode, Round, User
from survey.queries.organisation import in_scope


def claimable(round_id: int, unit_id: int | None = None) -> ColumnElement[bool]:
    """The invitations a kiosk of this unit may take: never started, no answers, and never
    given to anyone (no letter, e-mail, paper form or code on the spot: `handed_out_on` is
    NULL), and no e-mail address an invitation could still go to. Two people must never
    share one invitation."""
    return and_(
        Invitation.round_id == round_id,
        Invitation.org_node_id == unit_id if unit_id is not None else true(),
        Invitation.status == "not_started",
        Invitation.handed_out_on.is_(None),
        Invitation.email.is_(None),
        Invitation.channel != "paper",
        ~exists().where(DraftAnswer.invitation_id == Invitation.id),
    )


@dataclass(frozen=True, slots=True)
class ActiveKiosk:
    """What the tablet's kiosk start page needs."""

    id: int
    round_id: int
    round_code: str
    unit_id: int
    unit_name: str
    expires_at: datetime


def _is_active(now: datetime) -> ColumnElement[bool]:
    return and_(KioskSession.revoked_at.is_(None), KioskSession.expires_at > now)


def active_kiosk(session: Session, token: str | None, now: datetime) -> ActiveKiosk | None:
    """The kiosk a tablet's cookie names, if it has neither ended nor expired (None for an
    unknown, ended or expired one: the tablet shows the same page)."""
    if not token or not looks_like_token(token):
        return None
    row = session.execute(
        select(
            KioskSession.id,
            KioskSession.round_id,
            Round.code,
            KioskSession.org_node_id,
            OrgNode.name,
            KioskSession.expires_at,
        )
        .join(Round, Round.id == KioskSession.round_id)
        .join(OrgNode, OrgNode.id == KioskSession.org_node_id)
        .where(KioskSession.token_hash == digest(token), _is_active(now))
    ).one_or_none()
    return None if row is None else ActiveKiosk(*row)


def unused_counts(session: Session, round_id: int, unit_ids: Collection[int]) -> dict[int, int]:
    """How many invitations a kiosk may still take, per unit (0 where none)."""
    counts = dict.fromkeys(unit_ids, 0)
    if not counts:
        return counts
    for unit_id, count in session.execute(
        select(Invitation.org_node_id, func.count())
        .where(claimable(round_id), Invitation.org_node_id.in_(sorted(counts)))
        .group_by(Invitation.org_node_id)
    ):
        counts[unit_id] = count
    return counts


@dataclass(frozen=True, slots=True)
class KioskRow:
    """An active kiosk on the staff page (never its token: only a digest is stored)."""

    id: int
    round_code: str
    unit_id: int
    unit_name: str
    started_by: str | None
    started_at: datetime
    expires_at: datetime


def active_kiosks(session: Session, access: Access, now: datetime) -> list[KioskRow]:
    """The kiosks that run now on units where the person may run kiosks, newest first."""
    rows = session.execute(
        select(
            KioskSession.id,
            Round.code,
            KioskSession.org_node_id,
            OrgNode.name,
            User.name,
            KioskSession.started_at,
            KioskSession.expires_at,
        )
        .join(Round, Round.id == KioskSession.round_id)
        .join(OrgNode, OrgNode.id == KioskSession.org_node_id)
        .outerjoin(User, User.id == KioskSession.started_by_id)
        .where(
            _is_active(now),
            in_scope(access, Permission.RUN_KIOSK, KioskSession.org_node_id),
        )
        .order_by(KioskSession.started_at.desc(), KioskSession.id.desc())
    ).all()
    return [KioskRow(*row) for row in rows]


def kiosk_in_scope(session: Session, access: Access, kiosk_id: int) -> KioskSession | None:
    """A kiosk on a unit where the person may run kiosks (ended or not), else None."""
    return session.scalar(
        select(KioskSession).where(
            KioskSession.id == kiosk_id,
            in_scope(access, Permission.RUN_KIOSK, KioskSession.org_node_id),
        )
    )


def open_kiosk_rounds(session: Session, access: Access, today: date) -> list[Round]:
    """Rounds open today with at least one unit where the person may run a kiosk."""
    from survey.models import round_unit

    return list(
        session.scalars(
            select(Round)
            .where(
                Round.is_draft.is_(False),
                Round.is_closed.is_(False),
                Round.opens_on <= today,
                Round.closes_on >= today,
                exists().where(
                    round_unit.c.round_id == Round.id,
                    in_scope(access, Permission.RUN_KIOSK, round_unit.c.org_node_id),
                ),
            )
            .order_by(Round.opens_on.desc(), Round.code)
        )
    )
