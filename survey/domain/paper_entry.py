"""Entering a returned paper form by keyboard: one key per answer, and near-miss codes.

Pure. The printed form (survey.reports.paper_pdf) and the entry page take their keys from
`entry_keys`, so what staff see beside a tick box is the key they type: 1, 2, 3 … for the
options in the scale's fixed order, 0 (or v) for "Jag vet inte", and nothing, Enter or "-"
for a question left without a tick.

A code typed wrong is answered with the codes it was probably meant to be
(`near_miss_codes`): one character wrong, two neighbours swapped, one character missing or
one too many, or characters read as their look-alikes (a handwritten 0 for C, 1 for 7 …).
Only the caller's candidates are searched (the round's unanswered codes in the person's
scope), so a suggestion never reveals a code the person may not see.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from survey.domain import survey_flow
from survey.domain.question_banks import DONT_KNOW, Question, QuestionBank
from survey.domain.tokens import CODE_ALPHABET, CODE_LENGTH

#: The key for "Jag vet inte" (the letter v works too).
DONT_KNOW_KEYS = ("0", "v")
#: What a question left without a tick is typed as (or nothing at all).
SKIP_KEYS = ("", "-")
#: How many near-miss codes are offered at most.
MAX_SUGGESTIONS = 3
_SEPARATORS = re.compile(r"[\s\-–_.]+")

#: Characters outside the code alphabet (or inside it) that a hand or an eye mistakes for
#: characters of the alphabet. The alphabet has no 0/O/D/Q, 1/I/L/J, 2/Z, 5/S, 8/B, U/V,
#: but a person copying a printed code by hand may still write them.
LOOK_ALIKES: Mapping[str, str] = {
    "0": "C",
    "O": "C",
    "D": "C",
    "Q": "C",
    "1": "7",
    "I": "7",
    "L": "7",
    "J": "7",
    "2": "7",
    "Z": "7",
    "5": "6",
    "S": "6",
    "B": "3",
    "8": "3",
    "U": "Y",
    "V": "Y",
    "G": "6",
    "6": "G",
    "N": "M",
    "M": "N",
    "W": "M",
}


@dataclass(frozen=True, slots=True)
class EntryKey:
    key: str
    #: An option code, or DONT_KNOW.
    value: str


def entry_keys(question: Question) -> tuple[EntryKey, ...]:
    """The keys of a question's answers: "1", "2", … in scale order, then "0" = vet inte."""
    if question.scale is None:
        return ()
    keys = [
        EntryKey(str(index), option.code) for index, option in enumerate(question.scale.options, 1)
    ]
    if question.scale.offers_dont_know:
        keys.append(EntryKey(DONT_KNOW_KEYS[0], DONT_KNOW))
    return tuple(keys)


def allowed_keys(question: Question) -> tuple[str, ...]:
    """The keys a person may type for `question`, as shown in messages ("1, 2, 3, 0")."""
    return tuple(key.key for key in entry_keys(question))


class BadKey(ValueError):
    """A key that is no answer of the question; `allowed` are the keys that are."""

    def __init__(self, typed: str, allowed: tuple[str, ...]) -> None:
        super().__init__(typed)
        self.typed = typed
        self.allowed = allowed


def parse_key(question: Question, typed: str | None) -> str | None:
    """The answer a typed key stands for: an option code, DONT_KNOW, or None (no tick).

    Spaces are ignored, and so is the case of "v". Raises BadKey for anything else.
    """
    text = (typed or "").strip().lower()
    if text in SKIP_KEYS:
        return None
    keys = entry_keys(question)
    if text in DONT_KNOW_KEYS and any(k.value == DONT_KNOW for k in keys):
        return DONT_KNOW
    for key in keys:
        if key.key == text:
            return key.value
    raise BadKey(typed or "", allowed_keys(question))


def entry_questions(bank: QuestionBank, *, ask_gender: bool) -> list[Question]:
    """The questions the entry form has a key field for, in the printed form's order: the
    bank's questions, gender (when it is asked), who answered, who helped."""
    questions = list(bank.questions)
    for question in bank.background:
        if question.kind == "free_text":
            continue
        if question.code == survey_flow.GENDER and not ask_gender:
            continue
        questions.append(question)
    return questions


@dataclass(slots=True)
class ParsedEntry:
    """A form's typed keys read as answers, or the problems with them."""

    #: Rated questions' answers (skipped ones left out).
    answers: dict[str, str] = field(default_factory=dict)
    gender: str | None = None
    answered_by: str | None = None
    helper: str | None = None
    #: A helper ticked although "med hjälp" was not: left out, as the survey would.
    helper_dropped: bool = False
    #: Question code → BadKey.
    errors: dict[str, BadKey] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def parse_entry(
    bank: QuestionBank, typed: Mapping[str, str | None], *, ask_gender: bool
) -> ParsedEntry:
    """Every key field of the form (question code → what was typed) as answers.

    Answers to questions the paper answers would not have shown (shown_if) are dropped, as
    the online survey and the CSV import do.
    """
    parsed = ParsedEntry()
    for question in entry_questions(bank, ask_gender=ask_gender):
        try:
            value = parse_key(question, typed.get(question.code))
        except BadKey as bad:
            parsed.errors[question.code] = bad
            continue
        if value is None:
            continue
        if question.code == survey_flow.GENDER:
            parsed.gender = value
        elif question.code == survey_flow.ANSWERED_BY:
            parsed.answered_by = value
        elif question.code == survey_flow.HELPER:
            parsed.helper = value
        else:
            parsed.answers[question.code] = value
    if parsed.helper is not None and parsed.answered_by != "med_hjalp":
        parsed.helper = None
        parsed.helper_dropped = True
    for question in bank.questions:
        if question.shown_if is not None and question.code in parsed.answers:
            asked, option = question.shown_if
            if parsed.answers.get(asked) != option:
                del parsed.answers[question.code]
    return parsed


def typed_keys(question: Question, value: str | None) -> str:
    """The key that stands for a stored answer (to fill the form in again)."""
    for key in entry_keys(question):
        if key.value == value:
            return key.key
    return ""


# --- near-miss codes ------------------------------------------------------------------


def clean_typed_code(typed: str) -> str:
    """What was typed, without spaces and dashes, in capitals (not checked against the
    alphabet: a look-alike is a clue, not an error)."""
    return _SEPARATORS.sub("", typed or "").upper()


def _same_but_look_alikes(typed: str, code: str) -> bool:
    return len(typed) == len(code) and all(
        t == c or LOOK_ALIKES.get(t) == c for t, c in zip(typed, code, strict=True)
    )


def near_miss_kind(typed: str, code: str) -> str | None:
    """How `typed` (cleaned) misses `code`: "look_alike", "one_wrong", "swapped",
    "one_missing", "one_extra", or None when it is farther away (or equal)."""
    if typed == code:
        return None
    if _same_but_look_alikes(typed, code):
        return "look_alike"
    if len(typed) == len(code):
        differ = [i for i, (t, c) in enumerate(zip(typed, code, strict=True)) if t != c]
        if len(differ) == 1:
            return "one_wrong"
        if (
            len(differ) == 2
            and differ[1] == differ[0] + 1
            and typed[differ[0]] == code[differ[1]]
            and typed[differ[1]] == code[differ[0]]
        ):
            return "swapped"
        return None
    if len(typed) == len(code) - 1 and _one_deletion(code, typed):
        return "one_missing"
    if len(typed) == len(code) + 1 and _one_deletion(typed, code):
        return "one_extra"
    return None


def _one_deletion(longer: str, shorter: str) -> bool:
    return any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))


_RANK = {"look_alike": 0, "swapped": 1, "one_wrong": 2, "one_missing": 3, "one_extra": 3}


def near_miss_codes(
    typed: str, candidates: Iterable[str], *, limit: int = MAX_SUGGESTIONS
) -> list[str]:
    """The candidate codes `typed` most likely meant, best first (look-alikes, then a swap,
    then one character wrong, missing or extra), at most `limit`; [] when nothing is near.

    Nothing is suggested when more than `limit` codes are equally near: a list of guesses
    helps nobody match a form."""
    cleaned = clean_typed_code(typed)
    if not cleaned or abs(len(cleaned) - CODE_LENGTH) > 1:
        return []
    found: list[tuple[int, str]] = []
    for code in candidates:
        kind = near_miss_kind(cleaned, code)
        if kind is not None:
            found.append((_RANK[kind], code))
    if not found:
        return []
    found.sort()
    best = found[0][0]
    if sum(1 for rank, _ in found if rank == best) > limit:
        return []
    return [code for _, code in found[:limit]]


def is_code_shaped(typed: str) -> bool:
    """Whether what was typed could be a code at all (8 characters of the alphabet)."""
    cleaned = clean_typed_code(typed)
    return len(cleaned) == CODE_LENGTH and all(ch in CODE_ALPHABET for ch in cleaned)


def summary_rows(
    bank: QuestionBank, parsed: ParsedEntry, language: str, *, ask_gender: bool
) -> Sequence[tuple[str, str, str | None]]:
    """(question code, question text, answer label or None for no tick) for every entry
    question, in order: the read-back before saving."""
    rows: list[tuple[str, str, str | None]] = []
    for question in entry_questions(bank, ask_gender=ask_gender):
        if question.code == survey_flow.GENDER:
            value = parsed.gender
        elif question.code == survey_flow.ANSWERED_BY:
            value = parsed.answered_by
        elif question.code == survey_flow.HELPER:
            value = parsed.helper
        else:
            value = parsed.answers.get(question.code)
        rows.append((question.code, question.text.get(language) or question.text["sv"], value))
    return rows
