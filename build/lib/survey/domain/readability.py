"""LIX (läsbarhetsindex), the Swedish readability index, for easy-read checks.

LIX = words / sentences + 100 × long words / words, where a long word has more than six
letters and a sentence ends at . ! ? or : (a text without one is one sentence). Below 30 is
"mycket lätt" (children's books); the question banks must stay at or below 30.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*|\d+", re.UNICODE)
_SENTENCE_END = re.compile(r"[.!?:]+")


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def lix(text: str) -> float:
    """LIX of a text; 0.0 for a text with no words."""
    found = words(text)
    if not found:
        return 0.0
    sentences = max(1, len([s for s in _SENTENCE_END.split(text) if words(s)]))
    long_words = sum(1 for word in found if len(word) > 6)
    return len(found) / sentences + 100 * long_words / len(found)
