"""Reading uploaded tables (CSV or Excel) into plain rows, refusing what is not safe to read.

`read_table(data, filename)` is the one door every file import goes through (recipient
lists, paper forms, the organisation). It gives a `Table`: canonical column names (found
through an alias table, so "Kön", "kon" and "gender" are one column) and rows numbered as
the person sees them in Excel (the header is row 1, the first data row 2).

What is refused as a whole raises `UploadRefused(code, **params)`: too large, not a CSV or
workbook, macros, a zip bomb, empty, too many rows, duplicate or missing columns. What is
wrong in one cell is a `RowError` (row, column, code, value): formulas (an injected
`=HYPERLINK(…)` in a CSV, or a real formula in a workbook) are listed per cell in
`Table.errors`, and the importers refuse the file while any error remains.

Name and address columns are recognised and never passed on: each row only keeps a
digest of them (`Row.person`) so that the same person listed twice can be reported.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_ROWS = 100_000
MAX_COLUMNS = 200
#: Sum of the uncompressed sizes in an .xlsx (a 5 MB workbook is never near this).
MAX_UNCOMPRESSED_BYTES = 60 * 1024 * 1024
#: Uncompressed / compressed over the whole archive, once it is over a megabyte.
MAX_COMPRESSION_RATIO = 200
CSV_EXTENSIONS = (".csv", ".txt")
XLSX_EXTENSIONS = (".xlsx",)
MACRO_EXTENSIONS = (".xlsm", ".xltm", ".xlam")

#: Canonical column -> accepted header names (compared by `header_key`).
DEFAULT_ALIASES: Mapping[str, tuple[str, ...]] = {
    "unit": ("unit", "enhet", "verksamhet", "enhet/verksamhet", "sökväg", "path", "utförare"),
    "gender": ("gender", "kön", "sex"),
    "bestallare": ("beställare", "bestallare", "orderer", "beställarenhet"),
    "email": ("e-post", "epost", "email", "e-mail", "mejl", "mail", "e-postadress"),
    "answered_by": ("answered_by", "besvarad av", "vem svarade", "svarade", "bg_vem"),
    "helper": ("helper", "vem hjälpte", "hjälpare", "bg_hjalpare"),
    "code": ("code", "kod", "svarskod", "short_code"),
    "insats": ("insats", "insatstyp"),
    "tree": ("tree", "hierarki", "träd"),
    "free_text": ("free_text", "fritext", "övrigt", "kommentar", "bg_fritext"),
}
#: Columns that are read only to spot the same person twice, never kept or stored.
PERSONAL_ALIASES: tuple[str, ...] = (
    "name",
    "namn",
    "förnamn",
    "efternamn",
    "för- och efternamn",
    "fullständigt namn",
    "address",
    "adress",
    "gatuadress",
    "postadress",
    "postnummer",
    "postort",
    "ort",
    "c/o",
    "co",
)
#: Dropped without reading at all (SPEC §8: no personnummer anywhere).
IGNORED_PERSONAL: tuple[str, ...] = ("personnummer", "personnr", "pnr", "samordningsnummer")

_FORMULA_START = re.compile(r"^(?:[=+@\t\r]|-[^\W\d_]|-\()")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class UploadRefused(Exception):
    """The whole file is refused; `code` says why and `params` carries what to name."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code, params)
        self.code = code
        self.params: dict[str, Any] = params

    def __repr__(self) -> str:
        return f"UploadRefused({self.code!r}, {self.params!r})"


@dataclass(frozen=True, slots=True)
class RowError:
    """One thing wrong in one row (and column, "" for the whole row), as data for messages."""

    row: int
    column: str
    code: str
    value: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "code": self.code,
            "value": self.value,
            "params": dict(self.params),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RowError:
        return cls(
            int(data["row"]),
            str(data["column"]),
            str(data["code"]),
            str(data.get("value", "")),
            dict(data.get("params") or {}),
        )


class ImportRejected(Exception):
    """Row errors found while writing (e.g. a code used by a concurrent import): nothing kept."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(errors)
        self.errors = errors


@dataclass(frozen=True, slots=True)
class Row:
    #: The row number as Excel shows it (header = 1).
    number: int
    #: Canonical column -> stripped cell text ("" when empty).
    cells: Mapping[str, str]
    #: Digest of the name and address cells, None when there were none or they were empty.
    person: str | None = None

    def get(self, column: str) -> str:
        return self.cells.get(column, "")


@dataclass(slots=True)
class Table:
    #: Canonical names of the kept columns, in file order (unknown headers kept as written).
    headers: list[str]
    rows: list[Row]
    #: Canonical name -> the header as written in the file (for messages).
    labels: dict[str, str] = field(default_factory=dict)
    #: Headers of name/address/personnummer columns: read for duplicates at most, never kept.
    dropped: list[str] = field(default_factory=list)
    #: Per-cell errors found while reading (formulas).
    errors: list[RowError] = field(default_factory=list)

    def label(self, column: str) -> str:
        return self.labels.get(column, column)

    def has(self, column: str) -> bool:
        return column in self.headers

    def flagged(self) -> set[tuple[int, str]]:
        """(row, canonical column) of cells already reported, to skip in validation."""
        by_label = {label: name for name, label in self.labels.items()}
        return {(e.row, by_label.get(e.column, e.column)) for e in self.errors}


def header_key(text: str) -> str:
    """Compare headers in any case, with or without accents, spaces, hyphens, underscores."""
    decomposed = unicodedata.normalize("NFKD", text.replace("\ufeff", "")).casefold()
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[\s\-_.]+", "", stripped)


def value_key(text: str) -> str:
    """Compare codes typed in cells: "Vet inte" == "vet_inte", "Själv" == "sjalv"."""
    decomposed = unicodedata.normalize("NFKD", text).casefold()
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[\s\-_]+", "_", stripped.strip()).strip("_")


def _alias_index(aliases: Mapping[str, Iterable[str]]) -> dict[str, str]:
    index: dict[str, str] = {}
    for canonical, names in aliases.items():
        index[header_key(canonical)] = canonical
        for name in names:
            index[header_key(name)] = canonical
    return index


def read_table(
    data: bytes,
    filename: str,
    *,
    aliases: Mapping[str, Iterable[str]] = DEFAULT_ALIASES,
    required: Iterable[str] = (),
    keep_personal: bool = False,
) -> Table:
    """Read an uploaded CSV (.csv/.txt) or workbook (.xlsx) into a Table.

    Name and address columns are dropped (only a digest is kept, `Row.person`) unless
    `keep_personal` is set and `aliases` name them: the letters read them to print, in
    memory only (survey/domain/letter_names.py). Personnummer columns are always dropped.

    Raises UploadRefused: too_large, wrong_type, macros, zip_bomb, empty, too_many_rows,
    duplicate_columns, missing_columns (params `columns`: canonical names).
    """
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadRefused("too_large", limit_mb=MAX_UPLOAD_BYTES // (1024 * 1024))
    extension = _extension(filename)
    if extension in MACRO_EXTENSIONS:
        raise UploadRefused("macros")
    if not data.strip():
        raise UploadRefused("empty")
    if extension in XLSX_EXTENSIONS:
        grid = _xlsx_grid(data)
    elif extension in CSV_EXTENSIONS:
        grid = _csv_grid(data)
    else:
        raise UploadRefused("wrong_type", extension=extension or filename)
    return _build_table(grid, _alias_index(aliases), tuple(required), keep_personal)


def _extension(filename: str) -> str:
    name = filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1].lower()
    return name[name.rfind(".") :] if "." in name else ""


# A grid cell: (text, is_formula). Rows are (excel row number, cells).
_Grid = Iterator[tuple[int, list[tuple[str, bool]]]]


# --- CSV --------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        if b"\x00" in data:
            raise UploadRefused("wrong_type", reason="binary")
        encoding = "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        if encoding != "utf-8":
            raise UploadRefused("wrong_type", reason="encoding") from None
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise UploadRefused("wrong_type", reason="encoding") from None
    if "\x00" in text or _CONTROL.search(text):
        raise UploadRefused("wrong_type", reason="binary")
    return unicodedata.normalize("NFC", text)


def _sniff_delimiter(text: str) -> str:
    """Comma, semicolon or tab: whichever the header line has most of, outside quotes."""
    counts = {";": 0, ",": 0, "\t": 0}
    quoted = False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in "\r\n":
            break
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _csv_grid(data: bytes) -> _Grid:
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text))

    def rows() -> _Grid:
        try:
            for number, record in enumerate(reader, start=1):
                yield number, [(cell, bool(_FORMULA_START.match(cell))) for cell in record]
        except csv.Error as error:
            raise UploadRefused("wrong_type", reason="csv", detail=str(error)) from None

    return rows()


# --- XLSX -------------------------------------------------------------------------------


def _check_archive(data: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except Exception:
        raise UploadRefused("wrong_type", reason="xlsx") from None
    names = {info.filename.lower() for info in members}
    if any(name.endswith("vbaproject.bin") for name in names):
        raise UploadRefused("macros")
    if "xl/workbook.xml" not in names:
        raise UploadRefused("wrong_type", reason="xlsx")
    total = sum(info.file_size for info in members)
    packed = sum(info.compress_size for info in members) or 1
    if total > MAX_UNCOMPRESSED_BYTES or (
        total > 1024 * 1024 and total / packed > MAX_COMPRESSION_RATIO
    ):
        raise UploadRefused("zip_bomb")
    try:
        for info in members:
            if info.filename.lower().endswith((".xml", ".rels")):
                with archive.open(info) as member:
                    head = member.read(4096)
                # A DTD has no business in a workbook; refusing it rules out entity bombs.
                if b"<!DOCTYPE" in head.upper() or b"<!ENTITY" in head.upper():
                    raise UploadRefused("wrong_type", reason="xlsx")
                if info.filename == "[Content_Types].xml":
                    with archive.open(info) as member:
                        if b"macroEnabled" in member.read(256 * 1024):
                            raise UploadRefused("macros")
    except UploadRefused:
        raise
    except Exception:  # zlib, CRC, truncated members: a damaged file
        raise UploadRefused("wrong_type", reason="xlsx") from None


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _xlsx_grid(data: bytes) -> _Grid:
    _check_archive(data)
    from openpyxl import load_workbook  # imported here: CSV-only callers need not pay for it

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except UploadRefused:
        raise
    except Exception:  # openpyxl raises anything from KeyError to XML errors on a bad file
        raise UploadRefused("wrong_type", reason="xlsx") from None

    def rows() -> _Grid:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if not workbook.worksheets:
                    return
                sheet = workbook.worksheets[0]
                # Rows are padded to the width the sheet declares; never beyond MAX_COLUMNS
                # (a declared A1:XFD1 must not become 16,384 cells a row).
                declared = sheet.max_column
                width = min(declared, MAX_COLUMNS) if isinstance(declared, int) else None
                rows = sheet.iter_rows(max_col=width, values_only=True)
                for number, values in enumerate(rows, start=1):
                    # With data_only=False a formula arrives as its text, "=…"; a text cell
                    # starting like a formula is refused as in a CSV (it would become one
                    # when the data is exported again).
                    yield (
                        number,
                        [
                            (text, isinstance(value, str) and bool(_FORMULA_START.match(value)))
                            for value in values[:MAX_COLUMNS]
                            for text in (_cell_text(value),)
                        ],
                    )
        except UploadRefused:
            raise
        except Exception:
            raise UploadRefused("wrong_type", reason="xlsx") from None
        finally:
            workbook.close()

    return rows()


# --- the table --------------------------------------------------------------------------


def _person_digest(values: list[str]) -> str | None:
    cleaned = [" ".join(v.split()).casefold() for v in values]
    if not any(cleaned):
        return None
    return hashlib.sha256("\x1f".join(cleaned).encode()).hexdigest()


def _build_table(
    grid: _Grid, index: dict[str, str], required: tuple[str, ...], keep_personal: bool = False
) -> Table:
    header_row: list[tuple[str, bool]] | None = None
    rows: list[Row] = []
    errors: list[RowError] = []
    columns: list[tuple[int, str]] = []  # (position, canonical) of kept columns
    personal: list[int] = []
    labels: dict[str, str] = {}
    dropped: list[str] = []
    for number, cells in grid:
        if header_row is None:
            if not any(text.strip() for text, _ in cells):
                continue  # blank lines above the header
            header_row = cells
            columns, personal, labels, dropped = _read_header(
                number, cells, index, errors, keep_personal
            )
            missing = [name for name in required if name not in labels]
            if missing:
                raise UploadRefused("missing_columns", columns=missing)
            continue
        if not any(text.strip() for text, _ in cells):
            continue
        if len(rows) >= MAX_ROWS:
            raise UploadRefused("too_many_rows", limit=MAX_ROWS)
        values: dict[str, str] = {}
        for position, canonical in columns:
            text, is_formula = cells[position] if position < len(cells) else ("", False)
            if is_formula:
                errors.append(RowError(number, labels[canonical], "formula", text.strip()[:100]))
            values[canonical] = text.strip()
        for position in personal:
            if position < len(cells) and cells[position][1]:
                errors.append(RowError(number, header_row[position][0].strip(), "formula"))
        person = _person_digest([cells[p][0] for p in personal if p < len(cells)])
        rows.append(Row(number, values, person))
    if header_row is None:
        raise UploadRefused("empty")
    if not rows:
        raise UploadRefused("empty", header_only=True)
    return Table(
        headers=[c for _, c in columns], rows=rows, labels=labels, dropped=dropped, errors=errors
    )


def _read_header(
    number: int,
    cells: list[tuple[str, bool]],
    index: dict[str, str],
    errors: list[RowError],
    keep_personal: bool = False,
) -> tuple[list[tuple[int, str]], list[int], dict[str, str], list[str]]:
    columns: list[tuple[int, str]] = []
    personal: list[int] = []
    labels: dict[str, str] = {}
    dropped: list[str] = []
    duplicates: list[str] = []
    personal_keys = {header_key(name) for name in PERSONAL_ALIASES}
    ignored_keys = {header_key(name) for name in IGNORED_PERSONAL}
    for position, (text, is_formula) in enumerate(cells):
        written = text.strip()
        if is_formula:
            errors.append(RowError(number, written, "formula", written[:100]))
        key = header_key(written)
        if not key:
            continue  # an unnamed column is ignored
        kept = keep_personal and key in index and key not in ignored_keys
        if not kept and (key in ignored_keys or key in personal_keys):
            dropped.append(written)
            if key in personal_keys:
                personal.append(position)
            continue
        canonical = index.get(key, written)
        if canonical in labels:
            duplicates.append(written)
            continue
        labels[canonical] = written
        columns.append((position, canonical))
    if duplicates:
        raise UploadRefused("duplicate_columns", columns=duplicates)
    return columns, personal, labels, dropped
