"""The indicator table as an Excel workbook: one sheet per level, in the annual-report columns.

A sheet per level present (Förvaltning, Enhet, Verksamhet, then any other level word of a
deeper tree), then "Hela organisationen" for the whole installation when it is given, then
the response rates. Each level sheet has the verksamhetsberättelse's columns — Indikator ·
Periodens utfall · Utfall män · Utfall kvinnor · Utfall föregående period · Årsmål · KF:s
årsmål · Period — with the unit first, then the counts behind each result, the unit's
response rate and the "Analys" starter text (survey.domain.analysis_text).

Every figure is a cell of `RoundFigures` as published (suppression applied there): results
are numbers with a percent format, so they can be pasted and compared; a withheld cell reads
"–" with a comment saying why, and its counts are "–" too. The header row is frozen and the
columns sized. Text cells are always text, never formulas (a unit named "=…" stays a name).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.cell import Cell as SheetCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from survey.domain.analysis_text import analysis_text, is_published
from survey.domain.indicator_export import UnitReport, row_label, target_value
from survey.domain.indicators import Cell, Rate, Row
from survey.domain.round_status import RoundStatus, status_note
from survey.reports.text import Language

#: Levels in the order their sheets come; other level words follow in tree order.
LEVEL_ORDER = ("forvaltning", "enhet", "verksamhet")
INSTALLATION_LEVEL = "installation"
WITHHELD = "–"
AUTHOR = "Brukarenkät"
#: Excel refuses these in sheet names, and names longer than 31 characters.
_SHEET_NAME_BAD = str.maketrans(dict.fromkeys("[]:*?/\\", " "))
PERCENT = "0%"


def level_name(level: str, lang: Language) -> str:
    """The sheet name of a level: "Förvaltning", "Enhet", "Verksamhet", "Hela organisationen"."""
    if level == "forvaltning":
        return lang.gettext("Administration")
    if level == "enhet":
        return lang.gettext("Unit")
    if level == "verksamhet":
        return lang.gettext("Service")
    if level == INSTALLATION_LEVEL:
        return lang.gettext("The whole organisation")
    return level[:1].upper() + level[1:]


def _headers(lang: Language) -> list[tuple[str, int]]:
    """The level sheets' columns and their widths."""
    return [
        (lang.gettext("Unit"), 44),
        (lang.gettext("Indicator"), 60),
        (lang.gettext("Result for the period"), 16),
        (lang.gettext("Result men"), 12),
        (lang.gettext("Result women"), 14),
        (lang.gettext("Result previous period"), 22),
        (lang.gettext("Annual target"), 12),
        (lang.gettext("City council's annual target"), 14),
        (lang.gettext("Period"), 8),
        (lang.gettext("Positive"), 10),
        (lang.gettext("Valid answers"), 12),
        (lang.gettext("Men positive"), 12),
        (lang.gettext("Men valid answers"), 14),
        (lang.gettext("Women positive"), 14),
        (lang.gettext("Women valid answers"), 16),
        (lang.gettext("Invited"), 10),
        (lang.gettext("Responded"), 11),
        (lang.gettext("Response rate"), 14),
        (lang.gettext("Analysis"), 100),
    ]


def _rate_headers(lang: Language) -> list[tuple[str, int]]:
    return [
        (lang.gettext("Unit"), 44),
        (lang.gettext("Level"), 20),
        (lang.gettext("Invited"), 10),
        (lang.gettext("Responded"), 11),
        (lang.gettext("Response rate"), 14),
        (lang.gettext("Men invited"), 12),
        (lang.gettext("Men responded"), 14),
        (lang.gettext("Men response rate"), 18),
        (lang.gettext("Women invited"), 14),
        (lang.gettext("Women responded"), 16),
        (lang.gettext("Women response rate"), 20),
    ]


def sheet_title(name: str, taken: set[str]) -> str:
    """`name` as Excel allows it, unique in the workbook (case-insensitively)."""
    base = name.translate(_SHEET_NAME_BAD).strip()[:31] or "-"
    title, number = base, 2
    while title.casefold() in taken:
        suffix = f" ({number})"
        title, number = base[: 31 - len(suffix)] + suffix, number + 1
    taken.add(title.casefold())
    return title


class _Writer:
    """Puts values into one sheet, a row at a time."""

    def __init__(self, sheet: Worksheet, note: str) -> None:
        self.sheet = sheet
        self.note = note
        self.line = 1

    def at(self, column: int) -> SheetCell:
        return self.sheet.cell(row=self.line, column=column)

    def text(self, column: int, value: str | None) -> None:
        if not value:
            return
        target = self.at(column)
        target.value = value
        target.data_type = "s"  # never a formula, whatever the text starts with

    def number(self, column: int, value: int | None) -> None:
        if value is not None:
            self.at(column).value = value

    def withheld(self, column: int) -> None:
        target = self.at(column)
        target.value = WITHHELD
        target.comment = Comment(self.note, AUTHOR, width=180, height=40)
        target.alignment = Alignment(horizontal="right")

    def share(self, column: int, cell: Cell | None) -> None:
        """A result as a number in percent format; "–" with the reason when withheld."""
        if cell is None:
            return
        if not is_published(cell):
            self.withheld(column)
            return
        target = self.at(column)
        target.value = (cell.positive or 0) / (cell.valid or 1)
        target.number_format = PERCENT

    def counts(self, column: int, cell: Cell) -> None:
        """Positive and valid answers behind a result, in `column` and the next."""
        if not is_published(cell):
            self.withheld(column)
            self.withheld(column + 1)
            return
        self.number(column, cell.positive)
        self.number(column + 1, cell.valid)

    def rate(self, column: int, rate: Rate) -> None:
        """Invited, responded and the response rate (empty when nobody was invited)."""
        self.number(column, rate.invited)
        self.number(column + 1, rate.responded)
        if rate.invited:
            target = self.at(column + 2)
            target.value = rate.responded / rate.invited
            target.number_format = PERCENT

    def target(self, column: int, text: str | None) -> None:
        value = target_value(text)
        if isinstance(value, int | float):
            target = self.at(column)
            target.value = value / 100
            target.number_format = PERCENT if float(value).is_integer() else "0.0%"
        else:
            self.text(column, value)


def _finish(sheet: Worksheet, columns: Sequence[tuple[str, int]]) -> None:
    for index, (header, width) in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index, value=header)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"


def _levels(units: Sequence[UnitReport]) -> list[str]:
    present = list(dict.fromkeys(unit.level for unit in units))
    known = [level for level in LEVEL_ORDER if level in present]
    return known + [level for level in present if level not in LEVEL_ORDER]


def figures_xlsx(
    units: Sequence[UnitReport],
    *,
    lang: Language,
    period: int,
    threshold: int,
    installation: UnitReport | None = None,
    previous_period: int | None = None,
    status: RoundStatus | None = None,
) -> bytes:
    """The workbook of `units` (and the whole installation, when given): a sheet per level,
    then the response rates."""
    book = Workbook()
    book.remove(book.active)
    taken: set[str] = set()
    note = lang.gettext("fewer than %(n)s answers", n=threshold)
    whole_name = lang.gettext("The whole organisation")
    columns = _headers(lang)

    def analysis(unit: UnitReport, row: Row) -> str:
        return analysis_text(unit, row, lang, previous_period=previous_period, status=status)

    groups: list[tuple[str, list[UnitReport]]] = [
        (level, [unit for unit in units if unit.level == level]) for level in _levels(units)
    ]
    if installation is not None:
        groups.append((INSTALLATION_LEVEL, [installation]))
    wrap = Alignment(wrap_text=True, vertical="top")
    for level, members in groups:
        sheet = book.create_sheet(sheet_title(level_name(level, lang), taken))
        out = _Writer(sheet, note)
        for unit in members:
            label = whole_name if unit is installation else unit.path
            for row in unit.rows:
                out.line += 1
                out.text(1, label)
                out.text(2, row_label(row.item, lang.code))
                out.share(3, row.total)
                out.share(4, row.men)
                out.share(5, row.women)
                out.share(6, row.previous)
                out.target(7, row.arsmal)
                out.target(8, row.kf_arsmal)
                out.number(9, period)
                out.counts(10, row.total)
                out.counts(12, row.men)
                out.counts(14, row.women)
                out.rate(16, unit.rate.total)
                out.text(19, analysis(unit, row))
                out.at(19).alignment = wrap
        _finish(sheet, columns)
    rates = book.create_sheet(sheet_title(lang.gettext("Response rates"), taken))
    out = _Writer(rates, note)
    everyone = [*units, installation] if installation is not None else list(units)
    for unit in everyone:
        out.line += 1
        out.text(1, whole_name if unit is installation else unit.path)
        out.text(2, level_name(unit.level, lang))
        out.rate(3, unit.rate.total)
        out.rate(6, unit.rate.men)
        out.rate(9, unit.rate.women)
    _finish(rates, _rate_headers(lang))
    note_of_round = status_note(status, lang)
    if note_of_round is not None:
        # Printed at the head of every page; each row's Analys text says it on screen.
        for sheet in book.worksheets:
            sheet.oddHeader.center.text = note_of_round.replace("&", "&&")
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()
