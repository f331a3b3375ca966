"""Why the survey refuses a request: plain domain exceptions.

They carry no HTML, status code or text. Each blueprint renders them with its own handler
(the respondent side as an easy-read page; the staff side will have its own pages).
"""

from __future__ import annotations


class SurveyRefusal(Exception):
    """Base of every refusal the respondent's survey can give."""


class UnknownToken(SurveyRefusal):
    """No invitation has this link token or code (or it is malformed)."""


class RoundClosed(SurveyRefusal):
    """The round has closed, by hand or because its last day has passed."""


class RoundNotOpen(SurveyRefusal):
    """The round's first day has not come yet."""


class AlreadySubmitted(SurveyRefusal):
    """The answers were sent in: nothing more may be changed."""


class UnknownQuestion(SurveyRefusal):
    """The question is not on this person's path."""


class InvalidAnswer(SurveyRefusal):
    """The answer is not an option of the question's scale."""


class TextTooLong(SurveyRefusal):
    """The free text is longer than the survey keeps."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit
