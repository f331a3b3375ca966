"""Reads of the e-mail outbox: who can be sent what now, and a round's sending log."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, exists, func, select
from sqlalchemy.orm import Session, aliased

from survey.domain import mail_rules as rules
from survey.models import Invitation, OrgNode, OutboxMessage

#: Invitations that can still answer.
OPEN_STATUSES = ("not_started", "started")


def _with_address(round_id: int, unit_ids: Collection[int] | None):  # type: ignore[no-untyped-def]
    conditions = [
        Invitation.round_id == round_id,
        Invitation.email.is_not(None),
        Invitation.email != "",
        Invitation.status.in_(OPEN_STATUSES),
    ]
    if unit_ids is not None:
        conditions.append(Invitation.org_node_id.in_(sorted(unit_ids)))
    return and_(*conditions)


def invitation_candidates(round_id: int, unit_ids: Collection[int] | None) -> Select:  # type: ignore[type-arg]
    """(invitation id, unit id) of every invitation that has an address, can still answer
    and has no invitation message (queued, sent, failed or cancelled)."""
    has_message = (
        exists()
        .where(OutboxMessage.invitation_id == Invitation.id, OutboxMessage.kind == "invitation")
        .correlate(Invitation)
    )
    return select(Invitation.id, Invitation.org_node_id).where(
        _with_address(round_id, unit_ids), ~has_message
    )


def reminder_candidates(round_id: int, unit_ids: Collection[int] | None, now: datetime) -> Select:  # type: ignore[type-arg]
    """(invitation id, unit id, next reminder number) of every invitation that has an
    address, has not answered, was sent its invitation, has nothing queued, being sent or
    failed, and was last sent a message at least REMINDER_GAP before `now`."""
    other = aliased(OutboxMessage)
    invitation_sent = (
        exists()
        .where(
            other.invitation_id == Invitation.id,
            other.kind == "invitation",
            other.status == "sent",
        )
        .correlate(Invitation)
    )
    pending = (
        exists()
        .where(
            other.invitation_id == Invitation.id,
            other.status.in_(("queued", "sending", "failed")),
        )
        .correlate(Invitation)
    )
    recent = (
        exists()
        .where(other.invitation_id == Invitation.id, other.sent_at > now - rules.REMINDER_GAP)
        .correlate(Invitation)
    )
    next_number = (
        select(func.coalesce(func.max(other.sequence), 0) + 1)
        .where(other.invitation_id == Invitation.id, other.kind == "reminder")
        .correlate(Invitation)
        .scalar_subquery()
    )
    return select(Invitation.id, Invitation.org_node_id, next_number).where(
        _with_address(round_id, unit_ids), invitation_sent, ~pending, ~recent
    )


def _count(session: Session, query: Select) -> int:  # type: ignore[type-arg]
    return session.scalar(select(func.count()).select_from(query.subquery())) or 0


@dataclass(frozen=True, slots=True)
class MailLog:
    #: (kind, status) → number of messages
    counts: dict[tuple[str, str], int]
    #: Invitations that would be sent an invitation / a reminder now.
    can_invite: int
    can_remind: int
    #: Invitations that can still answer but have no address.
    without_address: int
    #: When the next queued message is due (after a back-off), if none is due now.
    next_due: datetime | None

    def total(self, status: str) -> int:
        return sum(n for (_kind, s), n in self.counts.items() if s == status)

    def of(self, kind: str, status: str) -> int:
        return self.counts.get((kind, status), 0)


def mail_log(
    session: Session, round_id: int, unit_ids: Collection[int] | None, now: datetime
) -> MailLog:
    """The round's sending log over `unit_ids` (None: every unit)."""
    query = (
        select(OutboxMessage.kind, OutboxMessage.status, func.count())
        .where(OutboxMessage.round_id == round_id)
        .group_by(OutboxMessage.kind, OutboxMessage.status)
    )
    due = select(func.min(OutboxMessage.next_attempt_at)).where(
        OutboxMessage.round_id == round_id, OutboxMessage.status == "queued"
    )
    no_address = select(Invitation.id).where(
        Invitation.round_id == round_id,
        Invitation.status.in_(OPEN_STATUSES),
        (Invitation.email.is_(None)) | (Invitation.email == ""),
    )
    if unit_ids is not None:
        units = sorted(unit_ids)
        query = query.where(OutboxMessage.org_node_id.in_(units))
        due = due.where(OutboxMessage.org_node_id.in_(units))
        no_address = no_address.where(Invitation.org_node_id.in_(units))
    counts = {(kind, status): n for kind, status, n in session.execute(query).all()}
    return MailLog(
        counts=counts,
        can_invite=_count(session, invitation_candidates(round_id, unit_ids)),
        can_remind=_count(session, reminder_candidates(round_id, unit_ids, now)),
        without_address=_count(session, no_address),
        next_due=session.scalar(due),
    )


@dataclass(frozen=True, slots=True)
class FailedMessage:
    id: int
    kind: str
    sequence: int
    unit: str
    email: str | None
    attempts: int
    error_kind: str | None
    reason: str | None


def failed_messages(
    session: Session, round_id: int, unit_ids: Collection[int] | None, limit: int = 200
) -> list[FailedMessage]:
    """The round's failed messages in `unit_ids`, newest first, with the server's reason."""
    query = (
        select(
            OutboxMessage.id,
            OutboxMessage.kind,
            OutboxMessage.sequence,
            OrgNode.name,
            Invitation.email,
            OutboxMessage.attempts,
            OutboxMessage.error_kind,
            OutboxMessage.last_error,
        )
        .join(OrgNode, OrgNode.id == OutboxMessage.org_node_id)
        .outerjoin(Invitation, Invitation.id == OutboxMessage.invitation_id)
        .where(OutboxMessage.round_id == round_id, OutboxMessage.status == "failed")
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    if unit_ids is not None:
        query = query.where(OutboxMessage.org_node_id.in_(sorted(unit_ids)))
    return [FailedMessage(*row) for row in session.execute(query).all()]
