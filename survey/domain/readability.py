"""LIX (läsbarhetsindex), the Swedish readability index, and word counts for easy-read checks.

LIX = words / sentences + 100 × long words / words, where a long word has more than six
letters and a sentence ends at . ! ? or : (a text without one is one sentence). Below 30 is
"mycket lätt" (children's books). LIX is meant for a text, not for one question: the question
banks are held to LIX ≤ 30 over each bank, and each question to limits on its number of words
and long words (tests/unit/test_question_banks.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*|\d+", re.UNICODE)
_SENTENCE_END = re.compile(r"[.!?:]+")
LONG_WORD = 6  # a long word has more letters than this


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def long_words(text: str) -> list[str]:
    return [word for word in words(text) if len(word) > LONG_WORD]


def without(text: str, phrases: Iterable[str]) -> str:
    """The text with every whole-word occurrence of each phrase (any case) left out.

    Used to leave the insats name ("daglig verksamhet", "boendestöd") out of the counts: every
    respondent knows it, and no easier word can replace it. Longer phrases go first, so
    "support at home" is left out whole even when "support" is listed too.
    """
    for phrase in sorted({p.strip() for p in phrases if p.strip()}, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(phrase)}(?!\w)", " ", text, flags=re.IGNORECASE)
    return text


@dataclass(frozen=True, slots=True)
class Counts:
    words: int
    sentences: int
    long_words: int

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.words + other.words,
            self.sentences + other.sentences,
            self.long_words + other.long_words,
        )

    @property
    def lix(self) -> float:
        """LIX of the counted text; 0.0 when it has no words."""
        if not self.words:
            return 0.0
        return self.words / max(1, self.sentences) + 100 * self.long_words / self.words


def counts(text: str) -> Counts:
    found = words(text)
    if not found:
        return Counts(0, 0, 0)
    sentences = max(1, len([s for s in _SENTENCE_END.split(text) if words(s)]))
    return Counts(len(found), sentences, sum(1 for word in found if len(word) > LONG_WORD))


def lix(text: str) -> float:
    """LIX of a text; 0.0 for a text with no words."""
    return counts(text).lix


def lix_of_texts(texts: Iterable[str]) -> float:
    """LIX of several texts read as one (each at least one sentence, e.g. a bank's questions)."""
    total = Counts(0, 0, 0)
    for text in texts:
        total += counts(text)
    return total.lix
