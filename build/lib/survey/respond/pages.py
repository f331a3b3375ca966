"""View-models for respondent pages: plain data, already in the page's language."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from survey.domain import survey_flow
from survey.domain.question_banks import DONT_KNOW, Question, QuestionBank
from survey.errors import UnknownQuestion
from survey.models import Invitation
from survey.operations.responses import bank_for, draft_text, draft_values, flow_choices


def locale_code() -> str:
    return str(get_locale() or "sv")


def localised(texts: dict[str, str] | object, lang: str) -> str:
    mapping = dict(texts)  # type: ignore[call-overload]
    return str(mapping.get(lang) or mapping["sv"])


@dataclass(frozen=True, slots=True)
class OptionView:
    value: str
    label: str
    pictogram: str
    face: str | None
    is_selected: bool


@dataclass(frozen=True, slots=True)
class QuestionView:
    code: str
    text: str
    pictogram: str
    kind: str
    options: list[OptionView]
    dont_know: OptionView | None
    number: int
    total: int
    previous_code: str | None
    is_answered: bool
    is_skipped: bool
    free_text: str


@dataclass(frozen=True, slots=True)
class ReviewRow:
    code: str
    number: int
    text: str
    answer: str
    is_answered: bool


@dataclass(frozen=True, slots=True)
class SurveyView:
    """What every respondent page of one invitation needs."""

    token: str
    title: str
    organiser: str
    with_pictures: bool
    large_text: bool
    status: str
    first_unanswered: str | None
    total: int


def _steps(
    session: Session, invitation: Invitation
) -> tuple[QuestionBank, list[Question], dict[str, str | None]]:
    bank = bank_for(invitation)
    answers = draft_values(session, invitation)
    return bank, survey_flow.survey_steps(bank, flow_choices(invitation), answers), answers


def survey_view(session: Session, invitation: Invitation) -> SurveyView:
    bank, steps, answers = _steps(session, invitation)
    lang = locale_code()
    return SurveyView(
        token=invitation.token,
        title=localised(bank.title, lang),
        organiser=invitation.round_.organiser,
        with_pictures=invitation.with_pictures,
        large_text=invitation.large_text,
        status=invitation.status,
        first_unanswered=survey_flow.first_unanswered(steps, answers),
        total=len(steps),
    )


def option_label(question: Question, value: str | None, lang: str) -> str:
    if value is None:
        return _("Skipped")
    if value == DONT_KNOW:
        return _("I don't know")
    if question.kind == "free_text":
        return _("You wrote a text")
    assert question.scale is not None  # noqa: S101 - only free text has no scale
    for option in question.scale.options:
        if option.code == value:
            return localised(option.label, lang)
    return value


def question_view(session: Session, invitation: Invitation, code: str) -> QuestionView:
    """The page for one question; raises UnknownQuestion if it is not on this person's path."""
    _bank, steps, answers = _steps(session, invitation)
    question = next((q for q in steps if q.code == code), None)
    if question is None:
        raise UnknownQuestion
    lang = locale_code()
    current = answers.get(code)
    options: list[OptionView] = []
    dont_know = None
    if question.scale is not None:
        options = [
            OptionView(o.code, localised(o.label, lang), o.pictogram, o.face, current == o.code)
            for o in question.scale.options
        ]
        if question.scale.offers_dont_know:
            dont_know = OptionView(
                DONT_KNOW, _("I don't know"), "dont_know", None, current == DONT_KNOW
            )
    number, total = survey_flow.position(steps, code)
    return QuestionView(
        code=code,
        text=localised(question.text, lang),
        pictogram=question.pictogram,
        kind=question.kind,
        options=options,
        dont_know=dont_know,
        number=number,
        total=total,
        previous_code=survey_flow.previous_code(steps, code),
        is_answered=code in answers and current is not None,
        is_skipped=code in answers and current is None,
        free_text=(draft_text(session, invitation, code) or "")
        if question.kind == "free_text"
        else "",
    )


def review_rows(session: Session, invitation: Invitation) -> list[ReviewRow]:
    _bank, steps, answers = _steps(session, invitation)
    lang = locale_code()
    rows = []
    for number, question in enumerate(steps, start=1):
        seen = question.code in answers
        value = answers.get(question.code)
        rows.append(
            ReviewRow(
                code=question.code,
                number=number,
                text=localised(question.text, lang),
                answer=option_label(question, value, lang) if seen else _("Not answered yet"),
                is_answered=seen and value is not None,
            )
        )
    return rows


def next_after_answer(
    session: Session, invitation: Invitation, next_code: str | None, *, back_to_review: bool
) -> str | None:
    """Where to go after an answer: the next question, or the review page (None).

    From the review page a person goes back there, unless the change opened a new question
    (choosing "med hjälp" adds "Vem hjälpte dig?").
    """
    if not back_to_review:
        return next_code
    _bank, steps, answers = _steps(session, invitation)
    return survey_flow.first_unanswered(steps, answers)
