"""View-models for respondent pages: plain data, already in the page's language.

Each is built from the one `Respondent` a request loaded (survey/queries/respondent.py), so a
page never computes the person's path twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import get_locale
from flask_babel import gettext as _

from survey.domain.question_banks import DONT_KNOW, Question
from survey.domain.refusals import UnknownQuestion
from survey.domain.tokens import format_code
from survey.queries.respondent import Respondent


def locale_code() -> str:
    return str(get_locale() or "sv")


def localised(texts: Mapping[str, str], lang: str) -> str:
    return str(texts.get(lang) or texts["sv"])


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
    #: On a survey a kiosk started: the code that goes on with it another day ("ACEF-GHKM").
    resume_code: str | None


def survey_view(respondent: Respondent) -> SurveyView:
    path = respondent.path
    return SurveyView(
        token=respondent.token,
        title=localised(path.bank.title, locale_code()),
        organiser=respondent.round.organiser,
        with_pictures=respondent.with_pictures,
        large_text=respondent.large_text,
        status=respondent.status,
        first_unanswered=path.first_unanswered(),
        total=path.total,
        resume_code=format_code(respondent.short_code) if respondent.channel == "kiosk" else None,
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


def question_view(respondent: Respondent, code: str, *, typed: str | None = None) -> QuestionView:
    """The page for one question; raises UnknownQuestion if it is not on this person's path.

    `typed` re-shows free text the server did not store (too long), so nothing is lost.
    """
    path = respondent.path
    question = path.find(code)
    if question is None:
        raise UnknownQuestion
    lang = locale_code()
    current = path.answers.get(code)
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
    number, total = path.position(code)
    free_text = ""
    if question.kind == "free_text":
        free_text = typed if typed is not None else respondent.texts.get(code, "")
    return QuestionView(
        code=code,
        text=localised(question.text, lang),
        pictogram=question.pictogram,
        kind=question.kind,
        options=options,
        dont_know=dont_know,
        number=number,
        total=total,
        previous_code=path.previous_code(code),
        is_answered=code in path.answers and current is not None,
        is_skipped=code in path.answers and current is None,
        free_text=free_text,
    )


def review_rows(respondent: Respondent) -> list[ReviewRow]:
    path = respondent.path
    lang = locale_code()
    rows = []
    for question in path.steps:
        seen = question.code in path.answers
        value = path.answers.get(question.code)
        rows.append(
            ReviewRow(
                code=question.code,
                number=path.position(question.code)[0],
                text=localised(question.text, lang),
                answer=option_label(question, value, lang) if seen else _("Not answered yet"),
                is_answered=seen and value is not None,
            )
        )
    return rows
