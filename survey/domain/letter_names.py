"""Names and addresses for printed letters: read from an upload, checked, paired with
invitations, and never stored.

A names file is a recipient list (unit, gender, beställare, e-mail: the columns of
survey/domain/recipients.py) with the person's name and, for letters sent by post, their
address. Each row is paired with an invitation of the same unit, gender, beställare and
e-mail: the database cannot tell such invitations apart, so pairing takes them in id order
and the rows in file order, and the same file printed twice gives each person the same code.

Pure: the table comes from `tabular.read_table(..., keep_personal=True)`, the units as
`UnitIndex`es, the invitations as `Candidate`s; everything returned lives in memory only.
No row error carries a name or an address (messages name the row and the column).
"""

from __future__ import annotations

import re
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from survey.domain.recipients import RecipientRow, UnitIndex, sort_errors, validate_recipients
from survey.domain.tabular import DEFAULT_ALIASES, RowError, Table

#: The recipient columns plus the name and address columns (Swedish and English headers).
LETTER_ALIASES: Mapping[str, tuple[str, ...]] = {
    "unit": DEFAULT_ALIASES["unit"],
    "gender": DEFAULT_ALIASES["gender"],
    "bestallare": DEFAULT_ALIASES["bestallare"],
    "email": DEFAULT_ALIASES["email"],
    "name": ("namn", "name", "för- och efternamn", "fullständigt namn", "full name", "mottagare"),
    "first_name": ("förnamn", "first name", "given name"),
    "last_name": ("efternamn", "last name", "surname", "family name"),
    "co": ("c/o", "co", "care of"),
    "street": ("adress", "address", "gatuadress", "utdelningsadress", "postadress", "street"),
    "postal_code": ("postnummer", "postnr", "postal code", "postcode", "zip", "zip code"),
    "city": ("postort", "ort", "city", "town"),
}
ADDRESS_COLUMNS = ("street", "postal_code", "city")
#: Name, c/o, two street lines, postal code and town would be six: the window holds five.
MAX_ADDRESS_LINES = 5
#: A hard cap before any measuring (the window's real limit is its width, see `fits`).
MAX_LINE_CHARS = 60
_POSTAL_CODE = re.compile(r"^(\d{3}) ?(\d{2})$")


@dataclass(frozen=True, slots=True)
class NamedRow:
    """One person of the names file: who they are to the database, and the window lines."""

    row: int
    recipient: RecipientRow
    #: Name, then the address lines; the name alone when the file has no address columns.
    address: tuple[str, ...]

    @property
    def key(self) -> tuple[int, str | None, int | None, str | None]:
        r = self.recipient
        return (r.unit_id, r.gender, r.bestallare_id, r.email.casefold() if r.email else None)


@dataclass(slots=True)
class NamesFile:
    rows: list[NamedRow]
    errors: list[RowError]
    #: Whether the file has address columns (letters to post) or names only (handed out).
    has_addresses: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


def postal_code(text: str) -> str | None:
    """ "12345" or "123 45" as printed ("123 45"); None when it is not five digits."""
    found = _POSTAL_CODE.match(" ".join(text.split()))
    return f"{found.group(1)} {found.group(2)}" if found else None


def _lines(cell: str) -> list[str]:
    return [" ".join(part.split()) for part in cell.splitlines() if part.strip()]


def _address(
    table: Table, number: int, cells: Mapping[str, str], fits: Callable[[str], bool]
) -> tuple[tuple[str, ...], list[RowError]]:
    errors: list[RowError] = []
    name = " ".join(cells.get("name", "").split())
    if not name:
        name = " ".join(
            " ".join(cells.get(part, "").split())
            for part in ("first_name", "last_name")
            if cells.get(part, "").strip()
        )
    name_label = table.label("name" if table.has("name") else "first_name")
    if not name:
        errors.append(RowError(number, name_label, "missing_name"))
    lines: list[tuple[str, str]] = [(name, name_label)] if name else []
    co = " ".join(cells.get("co", "").split())
    if co:
        if not co.casefold().startswith("c/o"):
            co = f"c/o {co}"
        lines.append((co, table.label("co")))
    if any(table.has(column) for column in ADDRESS_COLUMNS):
        street = _lines(cells.get("street", ""))
        if not street:
            errors.append(RowError(number, table.label("street"), "missing_street"))
        lines.extend((line, table.label("street")) for line in street)
        code_text = cells.get("postal_code", "").strip()
        city = " ".join(cells.get("city", "").split())
        code = postal_code(code_text)
        if not code_text:
            errors.append(RowError(number, table.label("postal_code"), "missing_postal_code"))
        elif code is None:
            errors.append(RowError(number, table.label("postal_code"), "bad_postal_code"))
        if not city:
            errors.append(RowError(number, table.label("city"), "missing_city"))
        if code and city:
            lines.append((f"{code} {city}", table.label("city")))
    for line, label in lines:
        if len(line) > MAX_LINE_CHARS or not fits(line):
            errors.append(RowError(number, label, "address_line_too_long"))
    if len(lines) > MAX_ADDRESS_LINES:
        errors.append(
            RowError(number, "", "too_many_address_lines", params={"limit": MAX_ADDRESS_LINES})
        )
    return tuple(line for line, _ in lines), errors


def read_names(
    table: Table,
    units: UnitIndex,
    bestallare: UnitIndex | None = None,
    *,
    fits: Callable[[str], bool] = lambda line: True,
) -> NamesFile:
    """Check every row (unit, gender, beställare, e-mail as a recipient list; then the name
    and address); never raises. `fits(line)`: whether a line fits the envelope's window."""
    preview = validate_recipients(table, units, bestallare)
    errors = [e for e in preview.errors if e.code != "duplicate_person"]
    recipients = {r.row: r for r in preview.rows}
    rows: list[NamedRow] = []
    for row in table.rows:
        address, row_errors = _address(table, row.number, row.cells, fits)
        errors.extend(row_errors)
        recipient = recipients.get(row.number)
        if recipient is not None and not row_errors:
            rows.append(NamedRow(row.number, recipient, address))
    bad = {e.row for e in errors}
    return NamesFile(
        rows=[r for r in rows if r.row not in bad],
        errors=sort_errors(errors),
        has_addresses=any(table.has(column) for column in ADDRESS_COLUMNS),
    )


# --- pairing -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Candidate:
    """An invitation a row may be paired with (of the round, not taken by a kiosk)."""

    invitation_id: int
    unit_id: int
    gender: str | None
    bestallare_id: int | None
    email: str | None
    #: "not_started", "started", "submitted" or "withdrawn"; only the first two get a letter.
    status: str
    #: Its code went to someone by another way (a paper form, the page that shows a new
    #: invitation): no letter, or two people would share it.
    elsewhere: bool = False

    @property
    def key(self) -> tuple[int, str | None, int | None, str | None]:
        return (
            self.unit_id,
            self.gender,
            self.bestallare_id,
            self.email.casefold() if self.email else None,
        )

    @property
    def gets_letter(self) -> bool:
        return self.status in ("not_started", "started") and not self.elsewhere


@dataclass(slots=True)
class Pairing:
    #: (row, invitation id) in file order.
    pairs: list[tuple[NamedRow, int]] = field(default_factory=list)
    #: Rows whose invitation has been answered, withdrawn or handed out another way: no
    #: letter, only counted.
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)


def pair_rows(rows: Sequence[NamedRow], candidates: Iterable[Candidate]) -> Pairing:
    """Pair rows (file order) with invitations of the same unit, gender, beställare and
    e-mail (id order). Answered, withdrawn and otherwise handed-out invitations stay in line,
    so that pairing does not shift when someone answers: their row is skipped. A row left
    without an invitation is an error ("no_invitation")."""
    queues: dict[tuple[int, str | None, int | None, str | None], deque[Candidate]] = defaultdict(
        deque
    )
    for candidate in sorted(candidates, key=lambda c: c.invitation_id):
        queues[candidate.key].append(candidate)
    result = Pairing()
    for row in rows:
        queue = queues.get(row.key)
        if not queue:
            result.errors.append(RowError(row.row, "", "no_invitation"))
            continue
        candidate = queue.popleft()
        if candidate.gets_letter:
            result.pairs.append((row, candidate.invitation_id))
        else:
            result.skipped += 1
    return result
