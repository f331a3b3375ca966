"""read_table: Swedish exports, refusals, formula injection, header aliases."""

from __future__ import annotations

import io
import os
import zipfile

import pytest
from openpyxl import Workbook

from survey.domain.tabular import (
    MAX_UPLOAD_BYTES,
    UploadRefused,
    header_key,
    read_table,
    value_key,
)


def xlsx(rows: list[list[object]], *, formula_cells: dict[str, str] | None = None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for ref, formula in (formula_cells or {}).items():
        sheet[ref] = formula
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def refused(data: bytes, filename: str, **kwargs: object) -> UploadRefused:
    with pytest.raises(UploadRefused) as caught:
        read_table(data, filename, **kwargs)  # type: ignore[arg-type]
    return caught.value


def test_semicolon_cp1252_export_with_kon() -> None:
    data = "Enhet;Kön;Beställare\r\nVäxtverket;Kvinna;Söder\r\nAteljén;Man;\r\n".encode("cp1252")
    table = read_table(data, "lista.csv")
    assert table.headers == ["unit", "gender", "bestallare"]
    assert table.label("gender") == "Kön"
    assert [(r.number, dict(r.cells)) for r in table.rows] == [
        (2, {"unit": "Växtverket", "gender": "Kvinna", "bestallare": "Söder"}),
        (3, {"unit": "Ateljén", "gender": "Man", "bestallare": ""}),
    ]


def test_utf8_with_bom_and_comma() -> None:
    data = "\ufeffunit,gender,e-post\nVäxtverket,K,a@b.se\n".encode()
    table = read_table(data, "x.csv")
    assert table.headers == ["unit", "gender", "email"]
    assert table.rows[0].cells["email"] == "a@b.se"


def test_utf8_comma_with_quoted_fields_and_tab_file() -> None:
    data = 'enhet,kön\n"Förvaltning/Enhet, två/Växtverket",kvinna\n'.encode()
    assert read_table(data, "x.csv").rows[0].get("unit") == "Förvaltning/Enhet, två/Växtverket"
    tabbed = "Enhet\tKön\nVäxtverket\tMan\n".encode()
    assert read_table(tabbed, "x.txt").rows[0].get("gender") == "Man"


def test_utf16_with_bom() -> None:
    data = "Enhet;Kön\r\nVäxtverket;Kvinna\r\n".encode("utf-16")
    assert read_table(data, "x.csv").rows[0].get("unit") == "Växtverket"


def test_row_numbers_count_blank_and_multiline_records() -> None:
    data = 'enhet;kön\n"Två\nrader";K\n;\nSista;M\n'.encode()
    assert [r.number for r in read_table(data, "x.csv").rows] == [2, 4]


def test_xlsx_numbers_and_dates_become_text() -> None:
    from datetime import datetime

    # Excel cells have no time zone.
    when = datetime(2026, 3, 1)  # noqa: DTZ001
    data = xlsx([["Enhet", "Kön", "Kod"], ["Växtverket", "K", 12.0], ["B", "M", when]])
    table = read_table(data, "lista.xlsx")
    assert table.rows[0].get("code") == "12"
    assert table.rows[1].get("code") == "2026-03-01"
    assert table.rows[0].number == 2


def test_header_aliases_in_any_spelling() -> None:
    assert header_key("E-post") == header_key("epost") == header_key("E_POST")
    data = b"ENHET / VERKSAMHET;KON;Besvarad av;Mejl\nA;K;sjalv;a@b.se\n"
    assert read_table(data, "x.csv").headers == ["unit", "gender", "answered_by", "email"]
    assert value_key(" Vet inte ") == "vet_inte"


def test_name_and_address_are_dropped_but_fingerprinted() -> None:
    data = "Namn;Adress;Personnummer;Enhet\nAnna;Gatan 1;19010101-0000;A\nanna ;Gatan  1;;B\n"
    table = read_table(data.encode(), "x.csv")
    assert table.headers == ["unit"]
    assert table.dropped == ["Namn", "Adress", "Personnummer"]
    assert all("Anna" not in str(r.cells) and "19010101" not in str(r.cells) for r in table.rows)
    assert table.rows[0].person == table.rows[1].person is not None


def test_unknown_columns_are_kept_as_written_and_empty_headers_ignored() -> None:
    table = read_table(b"Enhet;Anteckning;\nA;x;y\n", "x.csv")
    assert table.headers == ["unit", "Anteckning"]


@pytest.mark.parametrize(
    "cell",
    ['=HYPERLINK("http://x","klick")', "+1+1", "@SUM(A1)", "-cmd", "-(1)", "\t=1", "\r=1"],
)
def test_csv_formula_injection_is_a_cell_error(cell: str) -> None:
    quoted = '"' + cell.replace('"', '""') + '"'
    table = read_table(f"enhet;kön\n{quoted};K\n".encode(), "x.csv")
    assert [(e.row, e.column, e.code) for e in table.errors] == [(2, "enhet", "formula")]


def test_negative_number_is_not_a_formula() -> None:
    assert read_table(b"enhet;kod\nA;-5\n", "x.csv").errors == []


def test_real_xlsx_formula_is_a_cell_error() -> None:
    data = xlsx(
        [["Enhet", "Kön"], ["Växtverket", "K"]],
        formula_cells={"B2": '=HYPERLINK("http://x","klick")'},
    )
    table = read_table(data, "lista.xlsx")
    assert [(e.row, e.column, e.code) for e in table.errors] == [(2, "Kön", "formula")]


def test_too_large() -> None:
    data = b"enhet\n" + b"A\n" * (3 * 1024 * 1024)  # 6 MB
    assert len(data) > MAX_UPLOAD_BYTES
    assert refused(data, "x.csv").code == "too_large"


@pytest.mark.parametrize("filename", ["x.pdf", "x.xls", "x", "x.docx"])
def test_wrong_extension(filename: str) -> None:
    assert refused(b"enhet\nA\n", filename).code == "wrong_type"


def test_random_bytes_are_wrong_type() -> None:
    data = os.urandom(4096)
    assert refused(data, "x.csv").code == "wrong_type"
    assert refused(data, "x.xlsx").code == "wrong_type"


def test_csv_named_xlsx_and_zip_named_csv() -> None:
    assert refused(b"enhet\nA\n", "x.xlsx").code == "wrong_type"
    assert refused(xlsx([["enhet"], ["A"]]), "x.csv").code == "wrong_type"


def test_zip_that_is_not_a_workbook() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    assert refused(buffer.getvalue(), "x.xlsx").code == "wrong_type"


def test_macros_by_extension_and_by_content() -> None:
    assert refused(xlsx([["enhet"], ["A"]]), "lista.xlsm").code == "macros"
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(xlsx([["enhet"], ["A"]]))) as source,
        zipfile.ZipFile(buffer, "w") as target,
    ):
        for info in source.infolist():
            target.writestr(info, source.read(info))
        target.writestr("xl/vbaProject.bin", b"\x00" * 100)
    assert refused(buffer.getvalue(), "lista.xlsx").code == "macros"


def test_zip_bomb() -> None:
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(xlsx([["enhet"], ["A"]]))) as source,
        zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            target.writestr(info, source.read(info))
        target.writestr("xl/media/padding.xml", b" " * (70 * 1024 * 1024))
    assert refused(buffer.getvalue(), "lista.xlsx").code == "zip_bomb"


def test_entity_declarations_are_refused() -> None:
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(xlsx([["enhet"], ["A"]]))) as source,
        zipfile.ZipFile(buffer, "w") as target,
    ):
        for info in source.infolist():
            body = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = b'<!DOCTYPE x [<!ENTITY a "aaaa">]>' + body
            target.writestr(info, body)
    assert refused(buffer.getvalue(), "lista.xlsx").code == "wrong_type"


def test_empty_files() -> None:
    assert refused(b"", "x.csv").code == "empty"
    assert refused(b"\n\n", "x.csv").code == "empty"
    assert refused(b"enhet;kon\n", "x.csv").code == "empty"
    assert refused(xlsx([]), "x.xlsx").code == "empty"


def test_too_many_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("survey.domain.tabular.MAX_ROWS", 3)
    assert refused(b"enhet\nA\nB\nC\nD\n", "x.csv").code == "too_many_rows"


def test_missing_and_duplicate_columns() -> None:
    error = refused(b"kon\nK\n", "x.csv", required=("unit",))
    assert (error.code, error.params) == ("missing_columns", {"columns": ["unit"]})
    error = refused(b"Enhet;unit\nA;B\n", "x.csv")
    assert (error.code, error.params) == ("duplicate_columns", {"columns": ["unit"]})


def test_binary_in_a_csv() -> None:
    assert refused(b"enhet\nA\x00B\n", "x.csv").code == "wrong_type"
    assert refused(b"enhet\nA\x01B\n", "x.csv").code == "wrong_type"


def test_xlsx_text_that_starts_like_a_formula_is_a_cell_error() -> None:
    table = read_table(xlsx([["Enhet", "Kön"], ["@SUM(1)", "K"], ["-5", "M"]]), "x.xlsx")
    assert [(e.row, e.column) for e in table.errors] == [(2, "Enhet")]
