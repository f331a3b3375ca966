"""What the respondent's pages read: one invitation's state, as plain data.

`load_respondent` is the one read of a respondent request: the invitation with its round
(one SELECT) and its draft answers (one SELECT), with the person's path through the survey
computed once. Views and operations take this object; nothing here is an ORM row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.domain import survey_flow
from survey.domain.question_banks import load_bank
from survey.domain.refusals import UnknownToken
from survey.domain.tokens import looks_like_token, normalise_code
from survey.models import DraftAnswer, Invitation, Round


@dataclass(frozen=True, slots=True)
class RoundInfo:
    id: int
    code: str
    title: str
    survey_type: str
    bank_version: str
    opens_on: date
    closes_on: date
    is_closed: bool
    is_draft: bool
    organiser: str
    always_ask_gender: bool
    ask_free_text: bool


@dataclass(frozen=True, slots=True)
class Respondent:
    """One invitation as its respondent pages need it."""

    invitation_id: int
    token: str
    status: str
    #: From the recipient list; None means the survey asks.
    gender: str | None
    #: "kiosk" for a survey a kiosk started (survey/operations/kiosk.py), else how it went out.
    channel: str
    #: The code to type to go on another time (shown on a kiosk survey's start page).
    short_code: str
    with_pictures: bool
    large_text: bool
    round: RoundInfo
    #: Free texts given so far, by question code.
    texts: Mapping[str, str]
    path: survey_flow.SurveyPath

    @property
    def answers(self) -> Mapping[str, str | None]:
        return self.path.answers


_ROUND_COLUMNS = (
    Round.id,
    Round.code,
    Round.title,
    Round.survey_type,
    Round.bank_version,
    Round.opens_on,
    Round.closes_on,
    Round.is_closed,
    Round.is_draft,
    Round.organiser,
    Round.always_ask_gender,
    Round.ask_free_text,
)


def listed_gender(gender: str | None, channel: str) -> str | None:
    """The gender the survey may take as known. A kiosk takes any unused invitation of the
    unit, so the gender listed for it belongs to some other person: a kiosk survey asks."""
    return None if channel == "kiosk" else gender


def load_respondent(session: Session, token: str) -> Respondent:
    """The invitation behind a link; raises UnknownToken for anything else."""
    if not looks_like_token(token):
        raise UnknownToken
    row = session.execute(
        select(
            Invitation.id,
            Invitation.status,
            Invitation.gender,
            Invitation.channel,
            Invitation.short_code,
            Invitation.with_pictures,
            Invitation.large_text,
            *_ROUND_COLUMNS,
        )
        .join(Round, Round.id == Invitation.round_id)
        .where(Invitation.token == token)
    ).one_or_none()
    if row is None or row.status == "withdrawn":
        raise UnknownToken
    invitation_id, status, gender, channel, short_code, with_pictures, large_text, *round_values = (
        row
    )
    round_ = RoundInfo(*round_values)
    answers: dict[str, str | None] = {}
    texts: dict[str, str] = {}
    for code, value, text in session.execute(
        select(DraftAnswer.question_code, DraftAnswer.value, DraftAnswer.text).where(
            DraftAnswer.invitation_id == invitation_id
        )
    ):
        answers[code] = value
        if text is not None:
            texts[code] = text
    choices = survey_flow.FlowChoices.decide(
        always_ask_gender=round_.always_ask_gender,
        listed_gender=listed_gender(gender, channel),
        ask_free_text=round_.ask_free_text,
    )
    bank = load_bank(round_.survey_type, round_.bank_version)
    return Respondent(
        invitation_id=invitation_id,
        token=token,
        status=status,
        gender=gender,
        channel=channel,
        short_code=short_code,
        with_pictures=with_pictures,
        large_text=large_text,
        round=round_,
        texts=texts,
        path=survey_flow.SurveyPath.plan(bank, choices, answers),
    )


def token_for_code(session: Session, typed: str) -> str | None:
    """The link token for a typed short code (case, spaces and dashes ignored), or None."""
    code = normalise_code(typed)
    if code is None:
        return None
    return session.scalar(
        select(Invitation.token).where(
            Invitation.short_code == code, Invitation.status != "withdrawn"
        )
    )


def large_text_for(session: Session, token: str) -> bool:
    """Whether the person behind `token` chose "Större text" (False for anything unknown).

    For pages that show a refusal and so load no respondent. After a submission the choice
    is reset (operations/responses.py finish_submission) and the pages carry it instead.
    """
    if not looks_like_token(token):
        return False
    return bool(session.scalar(select(Invitation.large_text).where(Invitation.token == token)))


def channel_for(session: Session, token: str) -> str | None:
    """How the invitation behind `token` went out ("kiosk", "letter", …); None if unknown."""
    if not looks_like_token(token):
        return None
    return session.scalar(select(Invitation.channel).where(Invitation.token == token))
