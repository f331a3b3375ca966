"""Fuzzing: whatever arrives, reading and validating raise nothing but UploadRefused."""

from __future__ import annotations

import csv
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from survey.domain.paper import paper_aliases, validate_paper
from survey.domain.question_banks import latest_version, load_bank
from survey.domain.recipients import UnitIndex, validate_recipients
from survey.domain.tabular import UploadRefused, read_table

UNITS = UnitIndex.build([(1, "F/E/Växtverket"), (2, "F/E/Ateljén")], others=[(3, "F/X/Caféet")])
BANK = load_bank("dv", latest_version("dv"))
FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])

cell = st.one_of(
    st.sampled_from(["Växtverket", "Ateljén", "K", "man", "", "=1+1", "-x", "ja", "vet_inte"]),
    st.text(max_size=30),
)


def _validate(data: bytes, filename: str) -> None:
    try:
        table = read_table(data, filename)
    except UploadRefused:
        return
    validate_recipients(table, UNITS, UNITS)
    try:
        paper = read_table(data, filename, aliases=paper_aliases(BANK))
        validate_paper(paper, BANK, round_id=1, units=UNITS, bestallare=None, codes={})
    except UploadRefused:
        return


@FUZZ
@given(st.binary(max_size=2000), st.sampled_from(["x.csv", "x.txt", "x.xlsx", "x.xlsm", "x"]))
def test_random_bytes(data: bytes, filename: str) -> None:
    _validate(data, filename)


@FUZZ
@given(
    st.lists(
        st.sampled_from(["Enhet", "Kön", "E-post", "Namn", "Beställare", "kod", "DV_RADD"]),
        max_size=6,
    ),
    st.lists(st.lists(cell, max_size=7), max_size=20),
    st.sampled_from([";", ",", "\t"]),
    st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]),
)
def test_random_rows(
    headers: list[str], rows: list[list[str]], delimiter: str, encoding: str
) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(headers)
    writer.writerows(rows)
    try:
        data = buffer.getvalue().encode(encoding)
    except UnicodeEncodeError:
        return
    _validate(data, "lista.csv")


def _workbook() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    for row in (["Enhet", "Kön", "E-post"], ["Växtverket", "K", "a@b.se"], ["Ateljén", 1.0, None]):
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


WORKBOOK = _workbook()


@FUZZ
@given(st.lists(st.tuples(st.integers(0, len(WORKBOOK) - 1), st.integers(0, 255)), max_size=8))
def test_damaged_workbooks(changes: list[tuple[int, int]]) -> None:
    data = bytearray(WORKBOOK)
    for position, value in changes:
        data[position] = value
    _validate(bytes(data), "lista.xlsx")
