"""Validating returned paper forms (SPEC §7 `responses import`) against the round's bank.

A row is one form: unit, gender, who answered (and optionally who helped, beställare, the
printed short code), then one column per question code holding that question's option
code, `vet_inte`, or nothing (skipped). Cells are compared loosely: "Vet inte", "vet_inte"
and "VET INTE" are one answer, "Några" is `nagra`.

A column that is neither a known column nor a question of the bank refuses the whole
file (`unknown_question_column`): it is most likely a mistyped question code, and its
answers would be lost silently. E-mail and similar columns are refused the same way: a
response never holds contact data.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from survey.domain import survey_flow
from survey.domain.question_banks import DONT_KNOW, QuestionBank
from survey.domain.recipients import (
    UnitIndex,
    UnknownGender,
    match_bestallare,
    match_unit,
    parse_gender,
    sort_errors,
)
from survey.domain.tabular import DEFAULT_ALIASES, RowError, Table, UploadRefused, value_key
from survey.domain.tokens import normalise_code

PAPER_REQUIRED = ("unit", "gender", "answered_by")
PAPER_COLUMNS = ("unit", "gender", "answered_by", "helper", "bestallare", "code", "free_text")
MAX_PAPER_FREE_TEXT = 2000
#: Loose spellings of who answered (after `value_key`).
_ANSWERED_BY_WORDS = {
    "sjalv": "sjalv",
    "jag_svarade_sjalv": "sjalv",
    "med_hjalp": "med_hjalp",
    "hjalp": "med_hjalp",
    "annan": "annan",
    "nagon_annan": "annan",
    "proxy": "annan",
}


def paper_aliases(bank: QuestionBank) -> dict[str, tuple[str, ...]]:
    """Header aliases for a paper file of `bank`: the usual columns plus every question code."""
    aliases = {name: DEFAULT_ALIASES[name] for name in PAPER_COLUMNS}
    aliases["gender"] = (*aliases["gender"], survey_flow.GENDER)
    for question in bank.questions:
        aliases[question.code] = (question.code,)
    return aliases


@dataclass(frozen=True, slots=True)
class CodeInfo:
    """What the database knows about a printed code (queried for the codes in the file)."""

    invitation_id: int
    round_id: int
    unit_id: int
    status: str
    gender: str | None


@dataclass(frozen=True, slots=True)
class PaperRow:
    """One form ready to become an anonymous response (and to mark its invitation, if coded)."""

    row: int
    unit_id: int
    gender: str
    answered_by: str | None
    helper: str | None
    bestallare_id: int | None
    invitation_id: int | None
    answers: Mapping[str, str]
    comment: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "unit_id": self.unit_id,
            "gender": self.gender,
            "answered_by": self.answered_by,
            "helper": self.helper,
            "bestallare_id": self.bestallare_id,
            "invitation_id": self.invitation_id,
            "answers": dict(self.answers),
            "comment": self.comment,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PaperRow:
        def optional_int(key: str) -> int | None:
            return int(data[key]) if data.get(key) is not None else None

        return cls(
            row=int(data["row"]),
            unit_id=int(data["unit_id"]),
            gender=str(data["gender"]),
            answered_by=data.get("answered_by"),
            helper=data.get("helper"),
            bestallare_id=optional_int("bestallare_id"),
            invitation_id=optional_int("invitation_id"),
            answers={str(k): str(v) for k, v in (data.get("answers") or {}).items()},
            comment=data.get("comment"),
        )


@dataclass(slots=True)
class PaperPreview:
    rows: list[PaperRow]
    errors: list[RowError]
    #: Question codes found as columns, in file order.
    questions: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": [r.to_dict() for r in self.rows],
            "errors": [e.to_dict() for e in self.errors],
            "questions": list(self.questions),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PaperPreview:
        return cls(
            rows=[PaperRow.from_dict(r) for r in data.get("rows", [])],
            errors=[RowError.from_dict(e) for e in data.get("errors", [])],
            questions=list(data.get("questions", [])),
        )


def check_paper_columns(table: Table, bank: QuestionBank) -> list[str]:
    """The question codes among the columns; UploadRefused for any column not understood."""
    codes = set(bank.codes())
    unknown = [table.label(h) for h in table.headers if h not in PAPER_COLUMNS and h not in codes]
    if unknown:
        raise UploadRefused("unknown_question_column", columns=unknown)
    return [h for h in table.headers if h in codes]


def paper_codes(table: Table) -> set[str]:
    """The (normalised) short codes written in the file, to look up in one query."""
    found = {normalise_code(row.get("code")) for row in table.rows if row.get("code")}
    return {code for code in found if code is not None}


def _option(
    row_number: int, label: str, text: str, allowed: tuple[str, ...], errors: list[RowError]
) -> str | None:
    if not text:
        return None
    value = value_key(text)
    if value in allowed:
        return value
    errors.append(RowError(row_number, label, "bad_option", text, {"allowed": list(allowed)}))
    return None


def validate_paper(
    table: Table,
    bank: QuestionBank,
    *,
    round_id: int,
    units: UnitIndex,
    bestallare: UnitIndex | None,
    codes: Mapping[str, CodeInfo],
    ask_free_text: bool = True,
) -> PaperPreview:
    """Check every form; raises UploadRefused only for unknown columns, else lists errors."""
    question_columns = check_paper_columns(table, bank)
    errors: list[RowError] = list(table.errors)
    flagged = table.flagged()
    answered_by_question = bank.find(survey_flow.ANSWERED_BY)
    helper_question = bank.find(survey_flow.HELPER)
    helper_codes = (
        helper_question.scale.option_codes()
        if helper_question is not None and helper_question.scale is not None
        else ()
    )
    answered_by_codes = (
        answered_by_question.scale.option_codes()
        if answered_by_question is not None and answered_by_question.scale is not None
        else ("sjalv", "med_hjalp", "annan")
    )
    seen_codes: dict[str, list[int]] = defaultdict(list)
    valid: list[PaperRow] = []
    for row in table.rows:
        row_errors: list[RowError] = []

        def usable(column: str, number: int = row.number) -> bool:
            return (number, column) not in flagged

        info: CodeInfo | None = None
        typed_code = row.get("code")
        if typed_code and usable("code"):
            info = _code_info(table, row.number, typed_code, round_id, codes, row_errors)
            code = normalise_code(typed_code)
            if code is not None:
                seen_codes[code].append(row.number)
        unit_id: int | None = None
        if usable("unit"):
            if not row.get("unit") and info is not None:
                unit_id = info.unit_id
            else:
                unit_id = match_unit(table, row, "unit", units, row_errors)
                if unit_id is not None and info is not None and unit_id != info.unit_id:
                    row_errors.append(
                        RowError(
                            row.number,
                            table.label("unit"),
                            "unit_mismatch",
                            row.get("unit"),
                            {"code": typed_code, "code_unit": units.paths.get(info.unit_id, "")},
                        )
                    )
        gender: str | None = None
        if usable("gender"):
            try:
                gender = parse_gender(row.get("gender"))
            except UnknownGender:
                row_errors.append(
                    RowError(row.number, table.label("gender"), "unknown_gender", row.get("gender"))
                )
        if gender is None:
            gender = (info.gender if info is not None else None) or "okand"
        answered_by = None
        text = row.get("answered_by")
        if text and usable("answered_by"):
            answered_by = _ANSWERED_BY_WORDS.get(value_key(text))
            if answered_by not in answered_by_codes:
                answered_by = None
                row_errors.append(
                    RowError(
                        row.number,
                        table.label("answered_by"),
                        "bad_option",
                        text,
                        {"allowed": list(answered_by_codes)},
                    )
                )
        helper = None
        if usable("helper"):
            helper = _option(row.number, table.label("helper"), row.get("helper"), helper_codes, [])
            helper_text = row.get("helper")
            if helper_text and helper is None:
                row_errors.append(
                    RowError(
                        row.number,
                        table.label("helper"),
                        "bad_option",
                        helper_text,
                        {"allowed": list(helper_codes)},
                    )
                )
        bestallare_id = (
            match_bestallare(table, row, bestallare, row_errors) if usable("bestallare") else None
        )
        answers: dict[str, str] = {}
        for code in question_columns:
            question = bank.find(code)
            if question is None or question.scale is None or not usable(code):
                continue
            allowed = question.scale.option_codes()
            if question.scale.offers_dont_know:
                allowed = (*allowed, DONT_KNOW)
            value = _option(row.number, table.label(code), row.get(code), allowed, row_errors)
            if value is not None:
                answers[code] = value
        comment = _comment(table, row.number, row.get("free_text"), ask_free_text, row_errors)
        errors.extend(row_errors)
        if not row_errors and unit_id is not None:
            valid.append(
                PaperRow(
                    row=row.number,
                    unit_id=unit_id,
                    gender=gender,
                    answered_by=answered_by,
                    helper=helper if answered_by == "med_hjalp" else None,
                    bestallare_id=bestallare_id,
                    invitation_id=info.invitation_id if info is not None else None,
                    answers=_shown(bank, answers),
                    comment=comment,
                )
            )
    written_codes = {row.number: row.get("code") for row in table.rows}
    for rows in seen_codes.values():
        for number in rows if len(rows) > 1 else ():
            others = [r for r in rows if r != number]
            errors.append(
                RowError(
                    number,
                    table.label("code"),
                    "duplicate_code",
                    written_codes[number],
                    {"rows": others},
                )
            )
    bad_rows = {e.row for e in errors}
    return PaperPreview(
        rows=[r for r in valid if r.row not in bad_rows],
        errors=sort_errors(errors),
        questions=question_columns,
    )


def _code_info(
    table: Table,
    number: int,
    typed: str,
    round_id: int,
    codes: Mapping[str, CodeInfo],
    errors: list[RowError],
) -> CodeInfo | None:
    label = table.label("code")
    code = normalise_code(typed)
    info = codes.get(code) if code is not None else None
    problem = None
    if info is None:
        problem = "unknown_code"
    elif info.round_id != round_id:
        problem = "code_other_round"
    elif info.status == "withdrawn":
        problem = "code_withdrawn"
    elif info.status == "submitted":
        problem = "code_already_answered"
    if problem is not None:
        errors.append(RowError(number, label, problem, typed))
        return None
    return info


def _comment(
    table: Table, number: int, text: str, ask_free_text: bool, errors: list[RowError]
) -> str | None:
    if not text:
        return None
    label = table.label("free_text")
    if not ask_free_text:
        errors.append(RowError(number, label, "free_text_not_asked", text[:60]))
        return None
    if len(text) > MAX_PAPER_FREE_TEXT:
        errors.append(
            RowError(number, label, "text_too_long", text[:60], {"limit": MAX_PAPER_FREE_TEXT})
        )
        return None
    return text


def _shown(bank: QuestionBank, answers: dict[str, str]) -> dict[str, str]:
    """Drop answers to questions the form's other answers would not have shown."""
    kept = dict(answers)
    for question in bank.questions:
        if question.shown_if is not None and question.code in kept:
            asked, option = question.shown_if
            if kept.get(asked) != option:
                del kept[question.code]
    return kept
