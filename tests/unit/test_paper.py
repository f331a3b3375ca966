"""validate_paper: options of each question's scale, background codes, printed codes."""

from __future__ import annotations

import json

import pytest

from survey.domain.paper import CodeInfo, PaperPreview, paper_aliases, paper_codes, validate_paper
from survey.domain.question_banks import latest_version, load_bank
from survey.domain.recipients import UnitIndex
from survey.domain.tabular import UploadRefused, read_table

BANK = load_bank("dv", latest_version("dv"))
UNITS = UnitIndex.build([(1, "F/E/Växtverket"), (2, "F/E/Ateljén")])
ROUND = 7
CODES = {
    "ACEFGHKM": CodeInfo(11, ROUND, 1, "not_started", "man"),
    "ACEFGHKN": CodeInfo(12, ROUND, 1, "submitted", None),
    "ACEFGHKP": CodeInfo(13, ROUND, 1, "withdrawn", None),
    "ACEFGHKR": CodeInfo(14, ROUND + 1, 1, "not_started", None),
    "ACEFGHKT": CodeInfo(15, ROUND, 2, "started", None),
}


def check(text: str, *, ask_free_text: bool = True) -> PaperPreview:
    table = read_table(text.encode(), "x.csv", aliases=paper_aliases(BANK))
    return validate_paper(
        table,
        BANK,
        round_id=ROUND,
        units=UNITS,
        bestallare=None,
        codes=CODES,
        ask_free_text=ask_free_text,
    )


def test_valid_forms() -> None:
    result = check(
        "unit;gender;answered_by;helper;code;DV_RADD;dv_trivs;DV_NOJD;fritext\n"
        "Växtverket;kvinna;sjalv;;;aldrig;Ja;Vet inte;Bra ställe\n"
        ";;med_hjalp;kand;acef-ghkm;ofta;;nej;\n"
    )
    assert result.errors == []
    first, second = result.rows
    assert (first.unit_id, first.gender, first.answered_by, first.invitation_id) == (
        1,
        "kvinna",
        "sjalv",
        None,
    )
    assert first.answers == {"DV_RADD": "aldrig", "DV_TRIVS": "ja", "DV_NOJD": "vet_inte"}
    assert first.comment == "Bra ställe"
    # The code gives the unit and the listed gender when the form leaves them empty.
    assert (second.unit_id, second.gender, second.helper, second.invitation_id) == (
        1,
        "man",
        "kand",
        11,
    )
    assert second.answers == {"DV_RADD": "ofta", "DV_NOJD": "nej"}


def test_every_paper_error_code() -> None:
    result = check(
        "unit;gender;answered_by;code;DV_RADD;DV_TRIVS;fritext\n"
        "Växtverket;kvinna;sjalv;;ja;;\n"  # 2 bad_option (ja is not aio)
        "Växtverket;kvinna;sjalv;XXXXXXXX;;;\n"  # 3 unknown_code
        "Växtverket;kvinna;sjalv;ACEFGHKN;;;\n"  # 4 code_already_answered
        "Växtverket;kvinna;sjalv;ACEFGHKP;;;\n"  # 5 code_withdrawn
        "Växtverket;kvinna;sjalv;ACEFGHKR;;;\n"  # 6 code_other_round
        "Växtverket;kvinna;sjalv;ACEFGHKT;;;\n"  # 7 unit_mismatch
        "Växtverket;kvinna;sjalv;ACEFGHKM;;;\n"  # 8 duplicate_code
        "Växtverket;kvinna;sjalv;acefghkm;;;\n"  # 9 duplicate_code
        "Växtverket;hen;sjalv;;;;\n"  # 10 unknown_gender
        "Växtverket;kvinna;kanske;;;;\n"  # 11 bad_option (answered_by)
        "Växtverk;kvinna;sjalv;;;;\n"  # 12 unknown_unit
        f"Växtverket;kvinna;sjalv;;;;{'x' * 2001}\n"  # 13 text_too_long
    )
    assert [(e.row, e.column, e.code) for e in result.errors] == [
        (2, "DV_RADD", "bad_option"),
        (3, "code", "unknown_code"),
        (4, "code", "code_already_answered"),
        (5, "code", "code_withdrawn"),
        (6, "code", "code_other_round"),
        (7, "unit", "unit_mismatch"),
        (8, "code", "duplicate_code"),
        (9, "code", "duplicate_code"),
        (10, "gender", "unknown_gender"),
        (11, "answered_by", "bad_option"),
        (12, "unit", "unknown_unit"),
        (13, "fritext", "text_too_long"),
    ]
    assert result.errors[0].params["allowed"] == ["aldrig", "ibland", "ofta", "vet_inte"]
    assert result.rows == []


def test_free_text_when_the_round_does_not_ask() -> None:
    result = check("unit;gender;answered_by;fritext\nVäxtverket;K;sjalv;Hej\n", ask_free_text=False)
    assert [e.code for e in result.errors] == ["free_text_not_asked"]


def test_unknown_question_column_refuses_the_file() -> None:
    with pytest.raises(UploadRefused) as caught:
        check("unit;gender;answered_by;DV_TRIVSS;e-post\nVäxtverket;K;sjalv;ja;a@b.se\n")
    assert caught.value.code == "unknown_question_column"
    assert caught.value.params == {"columns": ["DV_TRIVSS", "e-post"]}


def test_codes_in_the_file() -> None:
    table = read_table(
        b"unit;gender;answered_by;code\nA;K;sjalv;acef ghkm\nA;K;sjalv;nope\n", "x.csv"
    )
    assert paper_codes(table) == {"ACEFGHKM"}


def test_helper_only_after_med_hjalp_and_json_round_trip() -> None:
    result = check("unit;gender;answered_by;helper\nVäxtverket;K;Själv;kand\n")
    assert result.rows[0].helper is None
    assert PaperPreview.from_dict(json.loads(json.dumps(result.to_dict()))) == result
