"""Validating a recipient list (unit, gender, beställare, e-mail) against a round's units.

Pure: the units come in as a `UnitIndex` built by a query, the rows as a `Table` from
`tabular.read_table`. The result is a `RecipientPreview`: the rows that can be imported
and every error, row by row, so a handläggare sees all of them before anything is saved.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from survey.domain.tabular import Row, RowError, Table

RECIPIENT_REQUIRED = ("unit",)
MAX_UNIT_TEXT = 1000
MAX_EMAIL = 254
_EMAIL = re.compile(r"^[^@\s,;<>\"]+@[^@\s,;<>\"]+\.[^@\s,;<>\".]{2,}$")

_GENDER_WORDS: Mapping[str, tuple[str, ...]] = {
    "kvinna": ("kvinna", "k", "kvinnor", "kvinnlig", "f", "female", "woman", "w", "flicka"),
    "man": ("man", "m", "män", "manlig", "male", "pojke"),
    "annat": ("annat", "annan", "icke-binär", "ickebinär", "icke binär", "other", "x"),
    "okand": ("okänd", "okand", "uppgift saknas", "unknown", "u", "vill inte svara", "ej angivet"),
}


def gender_key(text: str) -> str:
    """Case, accents, hyphens and spacing do not matter: "Icke-binär" == "icke binar"."""
    decomposed = unicodedata.normalize("NFKD", text).casefold()
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[\s\-_.]+", "", stripped)


#: Normalised word -> gender code of the invitation (kvinna, man, annat, okand).
GENDER_ALIASES: Mapping[str, str] = {
    gender_key(word): code for code, words in _GENDER_WORDS.items() for word in words
}


class UnknownGender(ValueError):
    pass


def parse_gender(text: str) -> str | None:
    """The gender code for a cell; None for an empty cell (the survey then asks).

    Raises UnknownGender for anything not in GENDER_ALIASES.
    """
    if not text.strip():
        return None
    code = GENDER_ALIASES.get(gender_key(text))
    if code is None:
        raise UnknownGender(text)
    return code


# --- units ------------------------------------------------------------------------------


def _segments(text: str) -> tuple[str, ...]:
    normal = unicodedata.normalize("NFC", text)
    return tuple(" ".join(part.split()).casefold() for part in normal.split("/") if part.strip())


@dataclass(frozen=True, slots=True)
class UnitMatch:
    unit_id: int | None
    #: None when matched; else "unknown_unit", "ambiguous_unit" or "unit_not_in_round".
    problem: str | None = None
    #: For ambiguous_unit: the paths the text could mean.
    paths: tuple[str, ...] = ()


@dataclass(slots=True)
class UnitIndex:
    """Units a list may name: by full path, or by any unique tail of it (the leaf name).

    `units` are the ones that count (the round's units); `others` are known units outside
    them, so the message can say "not in this round" instead of "does not exist".
    """

    paths: dict[int, str] = field(default_factory=dict)
    _tails: dict[tuple[str, ...], list[int]] = field(default_factory=dict)
    _other_tails: dict[tuple[str, ...], list[int]] = field(default_factory=dict)

    @classmethod
    def build(
        cls, units: Iterable[tuple[int, str]], others: Iterable[tuple[int, str]] = ()
    ) -> UnitIndex:
        index = cls()
        for target, source in ((index._tails, units), (index._other_tails, others)):
            for unit_id, path in source:
                if target is index._other_tails and unit_id in index.paths:
                    continue
                if target is index._tails:
                    index.paths[unit_id] = path
                segments = _segments(path)
                for start in range(len(segments)):
                    target.setdefault(segments[start:], []).append(unit_id)
        return index

    def match(self, text: str) -> UnitMatch:
        """The unit named by `text` (full path, a unique tail, or the leaf name)."""
        key = _segments(text)
        found = self._tails.get(key, [])
        if len(found) == 1:
            return UnitMatch(found[0])
        if found:
            exact = [i for i in found if len(_segments(self.paths[i])) == len(key)]
            if len(exact) == 1:  # the full path of one, the tail of another
                return UnitMatch(exact[0])
            return UnitMatch(None, "ambiguous_unit", tuple(sorted(self.paths[i] for i in found)))
        if self._other_tails.get(key):
            return UnitMatch(None, "unit_not_in_round")
        return UnitMatch(None, "unknown_unit")


# --- rows -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RecipientRow:
    """One recipient ready to become an invitation (no name or address: never stored)."""

    row: int
    unit_id: int
    gender: str | None
    bestallare_id: int | None
    email: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "unit_id": self.unit_id,
            "gender": self.gender,
            "bestallare_id": self.bestallare_id,
            "email": self.email,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RecipientRow:
        return cls(
            row=int(data["row"]),
            unit_id=int(data["unit_id"]),
            gender=data.get("gender"),
            bestallare_id=(
                int(data["bestallare_id"]) if data.get("bestallare_id") is not None else None
            ),
            email=data.get("email"),
        )


@dataclass(slots=True)
class RecipientPreview:
    """What an import would do: the rows to import and every error, by row and column."""

    rows: list[RecipientRow]
    errors: list[RowError]
    #: Headers of name/address columns that were read only for duplicates and dropped.
    dropped_columns: list[str] = field(default_factory=list)
    #: Headers that are not used by a recipient list (ignored).
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts_by_unit(self) -> dict[int, int]:
        counts: dict[int, int] = defaultdict(int)
        for row in self.rows:
            counts[row.unit_id] += 1
        return dict(counts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": [r.to_dict() for r in self.rows],
            "errors": [e.to_dict() for e in self.errors],
            "dropped_columns": list(self.dropped_columns),
            "ignored_columns": list(self.ignored_columns),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RecipientPreview:
        return cls(
            rows=[RecipientRow.from_dict(r) for r in data.get("rows", [])],
            errors=[RowError.from_dict(e) for e in data.get("errors", [])],
            dropped_columns=list(data.get("dropped_columns", [])),
            ignored_columns=list(data.get("ignored_columns", [])),
        )


RECIPIENT_COLUMNS = ("unit", "gender", "bestallare", "email")


def sort_errors(errors: Iterable[RowError]) -> list[RowError]:
    return sorted(errors, key=lambda e: (e.row, e.column, e.code))


def match_unit(
    table: Table, row: Row, column: str, units: UnitIndex, errors: list[RowError]
) -> int | None:
    """The unit in `row[column]`, appending the error when there is none."""
    label = table.label(column)
    text = row.get(column)
    if not text:
        errors.append(RowError(row.number, label, "missing_unit"))
        return None
    if len(text) > MAX_UNIT_TEXT:
        errors.append(
            RowError(row.number, label, "text_too_long", text[:60], {"limit": MAX_UNIT_TEXT})
        )
        return None
    found = units.match(text)
    if found.problem is not None:
        params = {"paths": list(found.paths)} if found.paths else {}
        errors.append(RowError(row.number, label, found.problem, text, params))
    return found.unit_id


def match_bestallare(
    table: Table, row: Row, bestallare: UnitIndex | None, errors: list[RowError]
) -> int | None:
    text = row.get("bestallare")
    if not text:
        return None
    label = table.label("bestallare")
    if len(text) > MAX_UNIT_TEXT:
        errors.append(
            RowError(row.number, label, "text_too_long", text[:60], {"limit": MAX_UNIT_TEXT})
        )
        return None
    found = bestallare.match(text) if bestallare is not None else UnitMatch(None, "unknown_unit")
    if found.unit_id is None:
        params = {"paths": list(found.paths)} if found.paths else {}
        errors.append(RowError(row.number, label, "unknown_bestallare", text, params))
    return found.unit_id


def validate_recipients(
    table: Table, units: UnitIndex, bestallare: UnitIndex | None = None
) -> RecipientPreview:
    """Check every row; never raises. Rows with any error are left out of `rows`."""
    errors: list[RowError] = list(table.errors)
    flagged = table.flagged()
    valid: list[RecipientRow] = []
    emails: dict[str, list[int]] = defaultdict(list)
    persons: dict[str, list[int]] = defaultdict(list)
    bad_rows = {e.row for e in errors}
    for row in table.rows:
        row_errors: list[RowError] = []
        unit_id = (
            None
            if (row.number, "unit") in flagged
            else match_unit(table, row, "unit", units, row_errors)
        )
        gender: str | None = None
        if (row.number, "gender") not in flagged:
            try:
                gender = parse_gender(row.get("gender"))
            except UnknownGender:
                row_errors.append(
                    RowError(row.number, table.label("gender"), "unknown_gender", row.get("gender"))
                )
        bestallare_id = None
        if (row.number, "bestallare") not in flagged:
            bestallare_id = match_bestallare(table, row, bestallare, row_errors)
        email = row.get("email") or None
        if email is not None and (row.number, "email") not in flagged:
            if len(email) > MAX_EMAIL:
                row_errors.append(
                    RowError(
                        row.number,
                        table.label("email"),
                        "text_too_long",
                        email[:60],
                        {"limit": MAX_EMAIL},
                    )
                )
            elif not _EMAIL.match(email):
                row_errors.append(RowError(row.number, table.label("email"), "bad_email", email))
            else:
                emails[email.casefold()].append(row.number)
        if row.person is not None:
            persons[row.person].append(row.number)
        errors.extend(row_errors)
        if not row_errors and row.number not in bad_rows and unit_id is not None:
            valid.append(RecipientRow(row.number, unit_id, gender, bestallare_id, email))
    errors.extend(_duplicates(emails, table.label("email"), "duplicate_email", table))
    person_label = table.dropped[0] if table.dropped else ""
    errors.extend(_duplicates(persons, person_label, "duplicate_person", table, show=False))
    bad_rows = {e.row for e in errors}
    return RecipientPreview(
        rows=[r for r in valid if r.row not in bad_rows],
        errors=sort_errors(errors),
        dropped_columns=list(table.dropped),
        ignored_columns=[h for h in table.headers if h not in RECIPIENT_COLUMNS],
    )


def _duplicates(
    seen: Mapping[str, list[int]], label: str, code: str, table: Table, *, show: bool = True
) -> list[RowError]:
    found: list[RowError] = []
    by_row = {row.number: row for row in table.rows} if show else {}
    for rows in seen.values():
        if len(rows) < 2:
            continue
        for number in rows:
            others = [r for r in rows if r != number]
            value = by_row[number].get("email") if show else ""
            found.append(RowError(number, label, code, value, {"rows": others}))
    return found
