"""The Excel workbook of `flask indicators --format xlsx` and the dashboard's .xlsx, read back
with openpyxl: one sheet per level, the same figures as the JSON of the same command, every
withheld cell "–" with its note, no withheld number anywhere, and the "Analys" texts.

The round is tests/integration/test_indicators_cli.py's golden round ("Andel brukare som är
nöjd med sin insats — 89 % (85 av 95), män 85 %, kvinnor 93 %; 95 brukare av 177 har svarat")
with three answers at Ateljén, so Ateljén is withheld and, to keep it from being worked out
from the enhet, more is withheld around it; and two answers from "annat" at Växtverket, so a
gender column goes there too.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from survey.domain.overview import percent_half_up
from tests.integration.test_indicators_cli import (
    ENHET,
    VAXT,
    golden_round,
    indicators,
    invitations,
    last_periods_round,
    paper,
    run,
)

ATELJE = "Stadsdelen/Dagliga verksamheter 2/Ateljén"
HEADER = "unit,gender,answered_by,bestallare,DV_NOJD,DV_TRIVS,DV_RADD"
SHEETS_SV = ["Förvaltning", "Enhet", "Verksamhet", "Hela organisationen", "Svarsfrekvens"]
SHEETS_EN = ["Administration", "Unit", "Service", "The whole organisation", "Response rates"]
LEVEL_SHEETS = {"forvaltning": "Förvaltning", "enhet": "Enhet", "verksamhet": "Verksamhet"}
#: Columns of a level sheet (1-based): result cells, then their counts.
SHARES = {3: "total", 4: "men", 5: "women", 6: "previous"}
COUNTS = {10: "total", 12: "men", 14: "women"}
NUMBER = re.compile(r"\d+(?:[\u00a0,]\d{3})*")


def round_with_a_small_unit(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    golden_round(runner, tmp_path)
    invitations(runner, tmp_path, "DV-2026", ATELJE, men=3, women=3)
    invitations(runner, tmp_path, "DV-2026", VAXT, men=0, women=0, annat=2)
    rows = [f"{ATELJE},man,sjalv,Beställarna/Norr,nej,ja,aldrig"] * 2 + [
        f"{ATELJE},kvinna,sjalv,Beställarna/Söder,ja,nej,ofta"
    ]
    # Two answers from "annat": total − men − women would give them away, so a gender goes.
    rows += [f"{VAXT},annat,sjalv,,ja,ja,aldrig"] * 2
    paper(runner, tmp_path, "DV-2026", rows, HEADER)


def workbook(runner, tmp_path: Path, *args: str):  # type: ignore[no-untyped-def]
    out = tmp_path / f"ind-{len(list(tmp_path.iterdir()))}.xlsx"
    run(runner, "indicators", "--round", "DV-2026", *args, "--format", "xlsx", "-o", str(out))
    return load_workbook(io.BytesIO(out.read_bytes()))


def data_rows(sheet: Worksheet) -> list[tuple[Any, ...]]:
    return [row for row in sheet.iter_rows(min_row=2) if row[0].value is not None]


def row_name(label: str) -> str:
    """The JSON's name of a workbook row: a question's label names its positive answer too
    ("Rädd (andel som svarar ”Aldrig”)"); the JSON keeps the question's name ("Rädd")."""
    return re.sub(r" \(andel som svarar ”[^”]*”\)$", "", label)


def json_rows(document: dict) -> dict[tuple[str, str], dict]:  # type: ignore[type-arg]
    rows = {(r["unit"], r["name"]): r for r in document["rows"]}
    for r in document["installation"]["rows"]:
        rows[("Hela organisationen", r["name"])] = r
    return rows


def json_rates(document: dict) -> dict[str, dict]:  # type: ignore[type-arg]
    rates = {r["unit"]: r for r in document["response_rates"]}
    rates["Hela organisationen"] = document["installation"]
    return rates


def percent_of(cell: dict) -> int:  # type: ignore[type-arg]
    return percent_half_up(cell["positive"], cell["valid"]) or 0


def published_numbers(row: dict, rate: dict, period: int) -> set[float]:  # type: ignore[type-arg]
    """Every number the JSON publishes for this row of this unit (counts, rounded
    percentages, shares as Excel holds them), its unit's response rate, period, targets."""
    numbers: set[float] = {period}
    for key in ("total", "men", "women", "previous"):
        cell = row[key]
        if cell is None or cell["suppressed"]:
            continue
        numbers |= {cell["positive"], cell["valid"], percent_of(cell)}
        numbers.add(round(cell["positive"] / cell["valid"], 9))
    for part in (rate, rate["men"], rate["women"]):
        numbers |= {part["invited"], part["responded"]}
        if part["invited"]:
            numbers.add(round(part["responded"] / part["invited"], 9))
            numbers.add(percent_half_up(part["responded"], part["invited"]) or 0)
    for key in ("arsmal", "kf_arsmal"):
        if isinstance(row[key], int | float):
            numbers.add(round(row[key] / 100, 9))
    return numbers


def test_one_sheet_per_level_with_the_units_of_that_level(runner, db_session, tmp_path) -> None:
    round_with_a_small_unit(runner, tmp_path)
    book = workbook(runner, tmp_path)
    assert book.sheetnames == SHEETS_SV
    document = indicators(runner, "--round", "DV-2026")
    for level, title in LEVEL_SHEETS.items():
        units = {r["unit"] for r in document["response_rates"] if r["level"] == level}
        assert {row[0].value for row in data_rows(book[title])} == units, title
    assert {row[0].value for row in data_rows(book["Hela organisationen"])} == {
        "Hela organisationen"
    }
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        assert all(sheet.column_dimensions[c].width for c in "ABCDE"), sheet.title
    header = [c.value for c in book["Verksamhet"][1]]
    assert header == [
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
        "Positiva män",
        "Giltiga svar män",
        "Positiva kvinnor",
        "Giltiga svar kvinnor",
        "Inbjudna",
        "Svarande",
        "Svarsfrekvens",
        "Analys",
    ]
    # A unit's download is that unit and every unit under it (and the organisation's figures).
    enhet = workbook(runner, tmp_path, "--unit", ENHET)
    assert enhet.sheetnames == ["Enhet", "Verksamhet", "Hela organisationen", "Svarsfrekvens"]
    assert {row[0].value for row in data_rows(enhet["Verksamhet"])} == {VAXT, ATELJE}
    english = workbook(runner, tmp_path, "--language", "en")
    assert english.sheetnames == SHEETS_EN
    assert [c.value for c in english["Service"][1]][:3] == [
        "Unit",
        "Indicator",
        "Result for the period",
    ]


def test_the_values_equal_the_json_of_the_same_command(runner, db_session, tmp_path) -> None:
    round_with_a_small_unit(runner, tmp_path)
    targets = tmp_path / "mal.csv"
    targets.write_text(
        f'indicator,unit,period,arsmal,kf_arsmal\nnojd,{ENHET},2026,85,"90,5"\n'
        f"paverka,{VAXT},2026,Tas fram av nämnd,\n",
        encoding="utf-8",
    )
    run(runner, "targets", "import", str(targets))
    document = indicators(runner, "--round", "DV-2026")
    expected = json_rows(document)
    book = workbook(runner, tmp_path)
    seen = set()
    withheld = 0
    for title in SHEETS_SV[:-1]:
        for row in data_rows(book[title]):
            key = (row[0].value, row_name(row[1].value))
            figures = expected[key]
            seen.add(key)
            for column, part in SHARES.items():
                cell, value = row[column - 1], figures[part]
                if value is None:
                    assert cell.value is None, (key, part)
                elif value["suppressed"]:
                    assert cell.value == "–", (key, part)
                    assert cell.comment.text == "färre än 5 svar", (key, part)
                    withheld += 1
                else:
                    assert cell.value == pytest.approx(value["positive"] / value["valid"])
                    assert cell.value * 100 == pytest.approx(value["percent"], abs=0.006)
                    assert cell.number_format == "0%"
            for column, part in COUNTS.items():
                value = figures[part]
                got = (row[column - 1].value, row[column].value)
                if value["suppressed"]:
                    assert got == ("–", "–"), (key, part)
                    assert row[column - 1].comment is not None
                else:
                    assert got == (value["positive"], value["valid"]), (key, part)
            assert row[8].value == document["period"] == 2026
            for column, target in ((6, figures["arsmal"]), (7, figures["kf_arsmal"])):
                if isinstance(target, int | float):
                    assert row[column].value == pytest.approx(target / 100), key
                else:
                    assert row[column].value == target, key
            rate = json_rates(document)[row[0].value]
            assert (row[15].value, row[16].value) == (rate["invited"], rate["responded"])
    assert seen == set(expected)  # every row of the JSON, each once
    assert withheld > 0
    vaxt = next(r for r in data_rows(book["Verksamhet"]) if r[0].value == VAXT)
    assert (vaxt[6].value, vaxt[7].value) == (0.85, 0.905)  # inherited from the enhet
    assert vaxt[7].number_format == "0.0%"
    paverka = next(
        r for r in data_rows(book["Verksamhet"]) if r[0].value == VAXT and "påverka" in r[1].value
    )
    assert paverka[6].value == "Tas fram av nämnd"
    # The response rates, per unit and gender, and the whole organisation last.
    rates = data_rows(book["Svarsfrekvens"])
    assert [r[0].value for r in rates][-1] == "Hela organisationen"
    for row in rates:
        rate = json_rates(document)[row[0].value]
        assert [c.value for c in row[2:4]] == [rate["invited"], rate["responded"]]
        assert [c.value for c in row[5:7]] == [rate["men"]["invited"], rate["men"]["responded"]]
        assert [c.value for c in row[8:10]] == [
            rate["women"]["invited"],
            rate["women"]["responded"],
        ]
        if rate["invited"]:
            assert row[4].value * 100 == pytest.approx(rate["percent"], abs=0.006)


def test_no_withheld_number_appears_anywhere(runner, db_session, tmp_path) -> None:
    round_with_a_small_unit(runner, tmp_path)
    document = indicators(runner, "--round", "DV-2026")
    expected = json_rows(document)
    rates = json_rates(document)
    # Ateljén's own answers (1 of 3 nöjd, 33 %) are withheld, and so is at least one cell
    # that has enough answers of its own, so that Ateljén cannot be worked out.
    atelje = expected[(ATELJE, "Andel brukare som är nöjd med sin insats")]
    assert atelje["total"]["suppressed"]
    assert any(
        r[g]["suppressed"]
        for (unit, _), r in expected.items()
        if unit in (VAXT, ENHET)
        for g in ("total", "men", "women")
    )
    book = workbook(runner, tmp_path)
    checked = 0
    for title in SHEETS_SV[:-1]:
        for row in data_rows(book[title]):
            unit, name = row[0].value, row_name(row[1].value)
            figures = expected[(unit, name)]
            allowed = published_numbers(figures, rates[unit], document["period"])
            for cell in row:
                if isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
                    assert round(cell.value, 9) in allowed, (unit, name, cell.coordinate)
            analysis = row[18].value
            place = "hela organisationen" if title == "Hela organisationen" else unit.split("/")[-1]
            words = re.sub(r"\d{4}-\d\d-\d\d", "", analysis.replace(place, ""))  # dates
            for number in NUMBER.findall(words):
                assert int(re.sub(r"\D", "", number)) in allowed, (unit, name, analysis)
            checked += 1
    assert checked == len(expected)


def test_the_analysis_column_has_the_golden_sentence(runner, db_session, tmp_path) -> None:
    golden_round(runner, tmp_path)
    # Last year: 43 of 50 nöjda (86 %) at Växtverket, in a closed round.
    rows = [f"{VAXT},kvinna,sjalv,Beställarna/Söder,ja,ja,aldrig"] * 43 + [
        f"{VAXT},man,sjalv,Beställarna/Norr,nej,ja,aldrig"
    ] * 7
    last_periods_round(runner, tmp_path, rows, HEADER)
    open_book = workbook(runner, tmp_path, "--unit", VAXT)
    golden = (
        "I Växtverket har totalt 95 brukare av 177 svarat på brukarundersökningen, vilket "
        "motsvarar cirka 54\u00a0% svarsfrekvens. Andelen brukare som är nöjda med sin insats "
        "är 89\u00a0%, män 85\u00a0% och kvinnor 93\u00a0%, jämfört med 86\u00a0% föregående år."
    )
    nojd = next(r for r in data_rows(open_book["Verksamhet"]) if "nöjd" in r[1].value)
    assert nojd[5].value == pytest.approx(0.86)
    assert nojd[18].value.startswith(golden + " Preliminära resultat: omgången är öppen till ")
    # Printed at the head of every sheet's pages too.
    assert open_book["Verksamhet"].oddHeader.center.text.startswith("Preliminära resultat:")
    assert nojd[18].alignment.wrap_text
    run(runner, "rounds", "close", "DV-2026")
    closed = workbook(runner, tmp_path, "--unit", VAXT)
    nojd = next(r for r in data_rows(closed["Verksamhet"]) if "nöjd" in r[1].value)
    assert nojd[18].value == golden
    english = workbook(runner, tmp_path, "--unit", VAXT, "--language", "en")
    nojd = next(r for r in data_rows(english["Service"]) if "satisfied" in r[1].value)
    assert nojd[18].value == (
        "In Växtverket, 95 of 177 brukare in total answered the user survey, a response rate "
        "of about 54%. The share of users who are satisfied with their support is 89%, men 85% "
        "and women 93%, compared with 86% the year before."
    )
    # A question's row says which answer it counts.
    trivs = next(
        r for r in data_rows(closed["Verksamhet"]) if r[1].value == "Trivs (andel som svarar ”Ja”)"
    )
    assert "Andelen som svarat ”Ja” på frågan ”Trivs” är 40\u00a0%" in trivs[18].value


def test_a_text_cell_is_never_a_formula(runner, db_session, tmp_path) -> None:
    from survey.models import OrgNode

    golden_round(runner, tmp_path)
    node = db_session.query(OrgNode).filter_by(name="Växtverket").one()
    node.name = '=HYPERLINK("http://example.com","Växtverket")'
    db_session.commit()
    book = workbook(runner, tmp_path)
    cells = [row[0] for row in data_rows(book["Verksamhet"])]
    named = [c for c in cells if "HYPERLINK" in str(c.value)]
    assert named
    assert all(c.data_type == "s" for c in named)


def test_the_dashboard_download_is_the_same_workbook(client, runner, db_session, tmp_path) -> None:
    from tests.factories import make_staff, sign_in

    round_with_a_small_unit(runner, tmp_path)
    make_staff(db_session)
    sign_in(client)
    web = load_workbook(io.BytesIO(client.get("/personal/omgangar/DV-2026/resultat.xlsx").data))
    cli = workbook(runner, tmp_path)
    assert web.sheetnames == cli.sheetnames == SHEETS_SV
    for title in SHEETS_SV:
        assert [[c.value for c in r] for r in web[title].iter_rows()] == [
            [c.value for c in r] for r in cli[title].iter_rows()
        ], title
    web_json = client.get("/personal/omgangar/DV-2026/resultat.json").get_json()
    assert web_json == json.loads(runner.invoke(args=["indicators", "--round", "DV-2026"]).stdout)
