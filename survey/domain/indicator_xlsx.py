"""The indicator table as an Excel workbook in the annual-report columns (openpyxl).

Percentages are numbers with a percent format (so they can be pasted and compared), withheld
cells read "–" with a comment saying why, the header row is frozen and the columns sized.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from survey.domain.indicator_export import UnitReport, target_value
from survey.domain.indicators import Cell, Rate

HEADERS: Mapping[str, Sequence[str]] = {
    "sv": (
        "Enhet",
        "Indikator",
        "Periodens utfall",
        "Utfall män",
        "Utfall kvinnor",
        "Utfall föregående period",
        "Årsmål",
        "KF:s årsmål",
        "Period",
        "Positiva",
        "Giltiga svar",
    ),
    "en": (
        "Unit",
        "Indicator",
        "Result",
        "Men",
        "Women",
        "Previous period",
        "Target",
        "City council target",
        "Period",
        "Positive",
        "Valid answers",
    ),
}
RATE_HEADERS: Mapping[str, Sequence[str]] = {
    "sv": (
        "Enhet",
        "Inbjudna",
        "Svarande",
        "Svarsfrekvens",
        "Män inbjudna",
        "Män svarande",
        "Kvinnor inbjudna",
        "Kvinnor svarande",
    ),
    "en": (
        "Unit",
        "Invited",
        "Responded",
        "Response rate",
        "Men invited",
        "Men responded",
        "Women invited",
        "Women responded",
    ),
}
SHEETS = {"sv": ("Indikatorer", "Svarsfrekvens"), "en": ("Indicators", "Response rates")}
NOTE = {"sv": "färre än {n} svar", "en": "fewer than {n} answers"}
WIDTHS = (48, 60, 16, 12, 14, 22, 12, 14, 8, 10, 12)


def _put_cell(sheet, row: int, column: int, cell: Cell | None, note: str) -> None:  # type: ignore[no-untyped-def]
    target = sheet.cell(row=row, column=column)
    if cell is None:
        return
    if cell.suppressed or cell.positive is None or not cell.valid:
        target.value = "–"
        target.comment = Comment(note, "Brukarenkät")
        target.alignment = Alignment(horizontal="right")
        return
    target.value = cell.positive / cell.valid
    target.number_format = "0%"


def _put_rate(sheet, row: int, column: int, rate: Rate) -> None:  # type: ignore[no-untyped-def]
    target = sheet.cell(row=row, column=column)
    if rate.invited:
        target.value = rate.responded / rate.invited
        target.number_format = "0%"


def figures_xlsx(
    units: Sequence[UnitReport], *, period: int, threshold: int, language: str = "sv"
) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = SHEETS[language][0]
    sheet.append(list(HEADERS[language]))
    note = NOTE[language].format(n=threshold)
    line = 1
    for unit in units:
        for row in unit.rows:
            line += 1
            sheet.cell(row=line, column=1, value=unit.path)
            sheet.cell(row=line, column=2, value=row.item.name.get(language) or row.item.name["sv"])
            _put_cell(sheet, line, 3, row.total, note)
            _put_cell(sheet, line, 4, row.men, note)
            _put_cell(sheet, line, 5, row.women, note)
            _put_cell(sheet, line, 6, row.previous, note)
            for column, text in ((7, row.arsmal), (8, row.kf_arsmal)):
                value = target_value(text)
                target = sheet.cell(row=line, column=column)
                if isinstance(value, int | float):
                    target.value = value / 100
                    target.number_format = "0%"
                else:
                    target.value = value
            sheet.cell(row=line, column=9, value=period)
            if not row.total.suppressed:
                sheet.cell(row=line, column=10, value=row.total.positive)
                sheet.cell(row=line, column=11, value=row.total.valid)
    _finish(sheet, WIDTHS)
    rates = book.create_sheet(SHEETS[language][1])
    rates.append(list(RATE_HEADERS[language]))
    for index, unit in enumerate(units, start=2):
        rate = unit.rate
        rates.cell(row=index, column=1, value=unit.path)
        rates.cell(row=index, column=2, value=rate.total.invited)
        rates.cell(row=index, column=3, value=rate.total.responded)
        _put_rate(rates, index, 4, rate.total)
        rates.cell(row=index, column=5, value=rate.men.invited)
        rates.cell(row=index, column=6, value=rate.men.responded)
        rates.cell(row=index, column=7, value=rate.women.invited)
        rates.cell(row=index, column=8, value=rate.women.responded)
    _finish(rates, (48, 10, 10, 14, 14, 14, 16, 16))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _finish(sheet, widths: Sequence[int]) -> None:  # type: ignore[no-untyped-def]
    sheet.freeze_panes = "A2"
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
