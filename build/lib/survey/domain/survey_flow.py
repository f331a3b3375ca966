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
    """(number, total) for "Fråga 3 av 12"; numbers start at 1."""
    return step_codes(steps).index(code) + 1, len(steps)


def relevant_answers(
    steps: Sequence[Question], answers: Mapping[str, str | None]
) -> dict[str, str | None]:
    """The answers that still belong to the path (a changed answer can hide a later question)."""
    codes = set(step_codes(steps))
    return {code: value for code, value in answers.items() if code in codes}
