"""Routing through a survey: which questions a person sees, in which order, where to resume.

Pure: given the bank, the round's choices and the answers so far, every function returns the
same result. Views and operations both call these, so the page a person sees and the answer
the server accepts can never disagree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from survey.domain.question_banks import Question, QuestionBank

GENDER = "BG_KON"
ANSWERED_BY = "BG_VEM"
HELPER = "BG_HJALPARE"
FREE_TEXT = "BG_FRITEXT"
#: Stored in a draft when the person chose "Hoppa över": the question was seen, not answered.
SKIPPED = None


@dataclass(frozen=True, slots=True)
class FlowChoices:
    """What the round and the invitation decide about the background questions."""

    ask_gender: bool
    ask_free_text: bool

    @classmethod
    def decide(
        cls, *, always_ask_gender: bool, listed_gender: str | None, ask_free_text: bool
    ) -> FlowChoices:
        """Gender is asked when the recipient list has none, or when the round always asks."""
        return cls(
            ask_gender=always_ask_gender or listed_gender is None, ask_free_text=ask_free_text
        )


def survey_steps(
    bank: QuestionBank, choices: FlowChoices, answers: Mapping[str, str | None]
) -> list[Question]:
    """Every question this person is asked, in order (depends on earlier answers)."""
    steps = list(bank.questions)
    for question in bank.background:
        if question.code == GENDER and not choices.ask_gender:
            continue
        if question.kind == "free_text" and not choices.ask_free_text:
            continue
        if question.shown_if is not None:
            asked, option = question.shown_if
            if answers.get(asked) != option:
                continue
        steps.append(question)
    return steps


def step_codes(steps: Sequence[Question]) -> list[str]:
    return [question.code for question in steps]


def first_unanswered(steps: Sequence[Question], answers: Mapping[str, str | None]) -> str | None:
    """Where a returning person resumes: the first question not yet seen; None when done."""
    for question in steps:
        if question.code not in answers:
            return question.code
    return None


def next_code(steps: Sequence[Question], code: str) -> str | None:
    """The question after `code`, or None after the last one (then: the review page)."""
    codes = step_codes(steps)
    index = codes.index(code)
    return codes[index + 1] if index + 1 < len(codes) else None


def previous_code(steps: Sequence[Question], code: str) -> str | None:
    """The question before `code`, or None on the first one (then: the start page)."""
    codes = step_codes(steps)
    index = codes.index(code)
    return codes[index - 1] if index > 0 else None


def position(steps: Sequence[Question], code: str) -> tuple[int, int]:
    """(number, total) for "Fråga 3 av 12"; numbers start at 1.

    A follow-up question (shown only after a certain answer, like "Vem hjälpte dig?") shares
    the number of the question it follows and is not counted in the total, so the total
    never changes when a follow-up appears or disappears ("Fråga 16 av 17" stays "av 17").
    """
    number = 0
    found = 0
    for question in steps:
        if question.shown_if is None:
            number += 1
        if question.code == code:
            found = max(number, 1)
    if not found:
        raise ValueError(code)
    return found, sum(1 for question in steps if question.shown_if is None)


def relevant_answers(
    steps: Sequence[Question], answers: Mapping[str, str | None]
) -> dict[str, str | None]:
    """The answers that still belong to the path (a changed answer can hide a later question)."""
    codes = set(step_codes(steps))
    return {code: value for code, value in answers.items() if code in codes}


@dataclass(frozen=True, slots=True)
class SurveyPath:
    """One person's way through the survey, computed once from their answers so far.

    Views and operations ask this object instead of recomputing the steps, so one request
    computes the path once (and once more only after it has changed an answer).
    """

    bank: QuestionBank
    choices: FlowChoices
    answers: Mapping[str, str | None]
    steps: tuple[Question, ...]

    @classmethod
    def plan(
        cls, bank: QuestionBank, choices: FlowChoices, answers: Mapping[str, str | None]
    ) -> SurveyPath:
        frozen = dict(answers)
        return cls(bank, choices, frozen, tuple(survey_steps(bank, choices, frozen)))

    def with_answer(self, code: str, value: str | None) -> SurveyPath:
        """The path after `code` was answered with `value` (None: skipped)."""
        return SurveyPath.plan(self.bank, self.choices, {**self.answers, code: value})

    def find(self, code: str) -> Question | None:
        """The question `code` if it is on this person's path."""
        return next((question for question in self.steps if question.code == code), None)

    @property
    def total(self) -> int:
        return sum(1 for question in self.steps if question.shown_if is None)

    def first_unanswered(self) -> str | None:
        return first_unanswered(self.steps, self.answers)

    def next_code(self, code: str) -> str | None:
        return next_code(self.steps, code)

    def previous_code(self, code: str) -> str | None:
        return previous_code(self.steps, code)

    def position(self, code: str) -> tuple[int, int]:
        return position(self.steps, code)

    def relevant_answers(self) -> dict[str, str | None]:
        return relevant_answers(self.steps, self.answers)
