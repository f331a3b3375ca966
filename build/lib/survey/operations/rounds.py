"""Survey rounds: create, close (auto-submitting started responses, deleting contact data)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.domain.question_banks import latest_version
from survey.models import DraftAnswer, Invitation, OrgNode, Round
from survey.operations.responses import submit_invitation


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
    """Close a round: submit every started response that has an answer, drop empty drafts,
    delete contact data. Returns how many responses were submitted automatically. Idempotent.
    """
    submitted = 0
    started = session.scalars(
        select(Invitation).where(Invitation.round_id == round_.id, Invitation.status == "started")
    ).all()
    for invitation in started:
        has_answer = session.scalar(
            select(DraftAnswer.id)
            .where(DraftAnswer.invitation_id == invitation.id, DraftAnswer.value.is_not(None))
            .limit(1)
        )
        if has_answer is not None and submit_invitation(session, invitation, today, auto=True):
            submitted += 1
    for invitation in session.scalars(select(Invitation).where(Invitation.round_id == round_.id)):
        invitation.email = None
        invitation.draft_answers.clear()
    round_.is_closed = True
    session.flush()
    return submitted
