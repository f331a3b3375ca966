"""The respondent's actions: start, answer, submit; and closing a round's open drafts.

Every action is idempotent. Answers are kept as drafts keyed to the invitation (unique per
question, so a re-posted answer is an update); submit turns them into an anonymous
SurveyResponse in one conditional UPDATE that only one request can win, and deletes the
drafts, so nothing links the answers back to the invitation.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from survey.domain import survey_flow
from survey.domain.question_banks import Question, QuestionBank, load_bank
from survey.errors import (
    AlreadySubmitted,
    InvalidAnswer,
    RoundClosed,
    RoundNotOpen,
    UnknownQuestion,
)
from survey.models import Answer, DraftAnswer, FreeTextComment, Invitation, SurveyResponse
from survey.queries.invitations import get_invitation_by_token

MAX_FREE_TEXT = 2000


def bank_for(invitation: Invitation) -> QuestionBank:
    return load_bank(invitation.round_.survey_type, invitation.round_.bank_version)


def flow_choices(invitation: Invitation) -> survey_flow.FlowChoices:
    round_ = invitation.round_
    return survey_flow.FlowChoices(
        ask_gender=round_.always_ask_gender or invitation.gender is None,
        ask_free_text=round_.ask_free_text,
    )


def draft_values(session: Session, invitation: Invitation) -> dict[str, str | None]:
    rows = session.execute(
        select(DraftAnswer.question_code, DraftAnswer.value).where(
            DraftAnswer.invitation_id == invitation.id
        )
    )
    return dict(rows.all())


def draft_text(session: Session, invitation: Invitation, code: str) -> str | None:
    return session.scalar(
        select(DraftAnswer.text).where(
            DraftAnswer.invitation_id == invitation.id, DraftAnswer.question_code == code
        )
    )


def open_invitation(session: Session, token: str, today: date) -> Invitation:
    """The invitation behind `token`, if it may still answer.

    Raises UnknownToken, AlreadySubmitted, RoundClosed or RoundNotOpen.
    """
    invitation = get_invitation_by_token(session, token)
    require_answerable(invitation, today)
    return invitation


def require_answerable(invitation: Invitation, today: date) -> None:
    if invitation.status == "submitted":
        raise AlreadySubmitted
    round_ = invitation.round_
    if round_.is_closed or today > round_.closes_on:
        raise RoundClosed
    if today < round_.opens_on:
        raise RoundNotOpen


def set_presentation(
    session: Session, *, token: str, today: date, with_pictures: bool, large_text: bool
) -> Invitation:
    """Store the presentation chosen on the start page (kept with the response as its level)."""
    invitation = open_invitation(session, token, today)
    invitation.with_pictures = with_pictures
    invitation.large_text = large_text
    session.flush()
    return invitation


def mark_read_aloud_used(session: Session, *, token: str, today: date) -> None:
    """Note that "Lyssna" was used; stored with the response like the national survey's level."""
    invitation = open_invitation(session, token, today)
    invitation.used_read_aloud = True
    session.flush()


def _claim_for_answering(session: Session, invitation: Invitation) -> None:
    # The conditional UPDATE takes the invitation's row lock, so an answer and a submit on
    # the same invitation are serialised: an answer can never land after the submit.
    claimed = session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.status != "submitted")
        .values(status="started")
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount == 0:  # type: ignore[attr-defined]
        raise AlreadySubmitted
    invitation.status = "started"


def _validated_value(question: Question, value: str | None) -> str | None:
    if value is None:
        return None
    if question.scale is None or not question.scale.accepts(value):
        raise InvalidAnswer
    return value


def _upsert_draft(
    session: Session, invitation_id: int, code: str, value: str | None, text: str | None
) -> None:
    dialect = session.get_bind().dialect.name
    values = {"invitation_id": invitation_id, "question_code": code, "value": value, "text": text}
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(DraftAnswer).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["invitation_id", "question_code"],
        set_={"value": stmt.excluded.value, "text": stmt.excluded.text},
    )
    session.execute(stmt)


def record_answer(
    session: Session,
    *,
    invitation: Invitation,
    question_code: str,
    value: str | None,
    today: date,
    text: str | None = None,
) -> str | None:
    """Store one answer (None = "Hoppa över") and return the next question's code.

    Idempotent: the same answer again changes nothing; another value replaces the earlier
    one. Returns None after the last question (the caller shows the review page).
    The caller has found the invitation (usually with open_invitation); it is checked again
    here. Raises AlreadySubmitted, RoundClosed, RoundNotOpen, UnknownQuestion, InvalidAnswer.
    """
    require_answerable(invitation, today)
    bank = bank_for(invitation)
    answers = draft_values(session, invitation)
    steps = survey_flow.survey_steps(bank, flow_choices(invitation), answers)
    question = next((q for q in steps if q.code == question_code), None)
    if question is None:
        raise UnknownQuestion
    if question.kind == "free_text":
        cleaned = (text or "").strip()
        if len(cleaned) > MAX_FREE_TEXT:
            raise InvalidAnswer
        stored_value, stored_text = ("text" if cleaned else None), (cleaned or None)
    else:
        stored_value, stored_text = _validated_value(question, value), None
    _claim_for_answering(session, invitation)
    _upsert_draft(session, invitation.id, question_code, stored_value, stored_text)
    session.flush()
    answers[question_code] = stored_value
    steps = survey_flow.survey_steps(bank, flow_choices(invitation), answers)
    return survey_flow.next_code(steps, question_code)


def submit_response(session: Session, *, token: str, today: date, auto: bool = False) -> bool:
    """Turn the drafts into an anonymous response. True if this call submitted.

    Idempotent: a second submit (double click, second tab, replay) returns False and adds
    nothing. The response gets a random id and only the ISO week; the drafts are deleted.
    """
    invitation = get_invitation_by_token(session, token)
    if invitation.status == "submitted":
        return False
    if not auto:
        require_answerable(invitation, today)
    return submit_invitation(session, invitation, today, auto=auto)


def submit_invitation(session: Session, invitation: Invitation, today: date, *, auto: bool) -> bool:
    won = session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.status != "submitted")
        .values(status="submitted")
        .execution_options(synchronize_session=False)
    )
    if won.rowcount == 0:  # type: ignore[attr-defined]
        return False
    invitation.status = "submitted"
    bank = bank_for(invitation)
    answers = draft_values(session, invitation)
    steps = survey_flow.survey_steps(bank, flow_choices(invitation), answers)
    answers = survey_flow.relevant_answers(steps, answers)

    gender = answers.get(survey_flow.GENDER) or invitation.gender or "okand"
    answered_by = answers.get(survey_flow.ANSWERED_BY)
    year, week, _ = today.isocalendar()
    response = SurveyResponse(
        round_id=invitation.round_id,
        org_node_id=invitation.org_node_id,
        bestallare_node_id=invitation.bestallare_node_id,
        gender=gender,
        answered_by=answered_by,
        helper=answers.get(survey_flow.HELPER) if answered_by == "med_hjalp" else None,
        channel=invitation.channel,
        with_pictures=invitation.with_pictures,
        large_text=invitation.large_text,
        used_read_aloud=invitation.used_read_aloud,
        auto_submitted=auto,
        submitted_week=f"{year}-W{week:02d}",
    )
    rated = {q.code for q in bank.questions}
    response.answers = [
        Answer(question_code=code, value=value)
        for code, value in answers.items()
        if code in rated and value is not None
    ]
    session.add(response)
    session.flush()
    if answers.get(survey_flow.FREE_TEXT):
        comment = draft_text(session, invitation, survey_flow.FREE_TEXT)
        if comment:
            session.add(FreeTextComment(survey_response_id=response.id, text=comment))
    session.execute(delete(DraftAnswer).where(DraftAnswer.invitation_id == invitation.id))
    # The presentation choices now live on the response; reset them so the invitation row
    # keeps nothing that could be matched against it.
    invitation.with_pictures, invitation.large_text, invitation.used_read_aloud = True, False, False
    session.expire(invitation, ["draft_answers"])
    session.flush()
    return True
