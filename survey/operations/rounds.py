"""Survey rounds: create, close (auto-submitting started responses, deleting contact data)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, exists, select, text, update
from sqlalchemy.orm import Session

from survey.domain.question_banks import latest_version
from survey.models import DraftAnswer, Invitation, OrgNode, Round
from survey.operations.responses import (
    claim_submission,
    finish_submission,
    write_pending_responses,
    write_response,
)


def create_round(
    session: Session,
    *,
    code: str,
    survey_type: str,
    period: int,
    opens_on: date,
    closes_on: date,
    units: list[OrgNode],
    title: str = "",
    organiser: str = "",
    always_ask_gender: bool = False,
    ask_free_text: bool = True,
) -> Round:
    """A new round asking the newest bank version of its survey type (frozen with the round)."""
    round_ = Round(
        code=code,
        title=title or code,
        survey_type=survey_type,
        bank_version=latest_version(survey_type),
        period=period,
        opens_on=opens_on,
        closes_on=closes_on,
        units=units,
        organiser=organiser,
        always_ask_gender=always_ask_gender,
        ask_free_text=ask_free_text,
    )
    session.add(round_)
    session.flush()
    return round_


def close_round(session: Session, round_: Round, today: date) -> int:
    """Close a round: submit every started response that has an answer, drop the drafts,
    delete contact data, and rewrite every invitation row of the round so that no submit
    order survives in storage. Returns how many responses were submitted automatically.

    All in the caller's one transaction: on PostgreSQL every invitation row of the round
    then carries the same transaction id (`xmin`), and the table is re-clustered by id, so
    neither transaction ids nor physical row order tell in which order people submitted.
    The automatically submitted responses share that transaction id with every invitation
    of the round, which singles out none of them. Idempotent.
    """
    write_pending_responses(session, round_.id, today, commit=session.flush)
    has_answer = (
        exists()
        .where(DraftAnswer.invitation_id == Invitation.id, DraftAnswer.value.is_not(None))
        .correlate(Invitation)
    )
    started = session.scalars(
        select(Invitation.id).where(
            Invitation.round_id == round_.id, Invitation.status == "started", has_answer
        )
    ).all()
    submitted = 0
    for invitation_id in started:
        pending = claim_submission(session, invitation_id, auto=True)
        if pending is not None and write_response(session, pending, today):
            finish_submission(session, pending)
            submitted += 1
    round_invitations = select(Invitation.id).where(Invitation.round_id == round_.id)
    session.execute(
        delete(DraftAnswer).where(
            DraftAnswer.invitation_id.in_(round_invitations.scalar_subquery())
        )
    )
    session.execute(
        update(Invitation)
        .where(Invitation.round_id == round_.id)
        .values(
            email=None,
            with_pictures=True,
            large_text=False,
            used_read_aloud=False,
            pending_response_id=None,
        )
    )
    round_.is_closed = True
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        # An UPDATE leaves each new row version near the old one, whose place in the heap
        # followed the order of submission; CLUSTER rewrites the table in id order.
        session.execute(text("CLUSTER invitation USING pk_invitation"))
    session.expire_all()
    return submitted
