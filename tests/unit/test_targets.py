"""Targets as values: parsing a cell, the inheritance up the tree, checking a file's rows."""

from __future__ import annotations

import pytest

from survey.domain.tabular import read_table
from survey.domain.targets import (
    TARGET_ALIASES,
    TargetExportRow,
    TargetUnit,
    TargetUnits,
    TargetValueError,
    normalise_target_value,
    parse_period,
    parse_target_value,
    target_for,
    targets_csv,
    validate_target_rows,
)

KEYS = {"nojd", "bemotande", "paverka"}


@pytest.mark.parametrize(
    ("text", "number", "stored"),
    [
        ("85", 85.0, "85"),
        ("85 %", 85.0, "85"),
        ("85%", 85.0, "85"),
        ("85,5", 85.5, "85.5"),
        ("85.5", 85.5, "85.5"),
        ("85,50 %", 85.5, "85.5"),
        ("  90  ", 90.0, "90"),
        ("0", 0.0, "0"),
        ("100", 100.0, "100"),
        ("0,5 %", 0.5, "0.5"),
        ("85 procent", 85.0, "85"),
    ],
)
def test_a_percent_is_a_number_stored_normalised(text, number, stored):
    assert parse_target_value(text) == number
    assert normalise_target_value(text) == stored
    # What is stored reads back as the same number.
    assert parse_target_value(stored) == number


@pytest.mark.parametrize("text", ["Tas fram av nämnd", "Ökning", "Minst som föregående år"])
def test_text_is_kept_exactly(text):
    assert parse_target_value(text) == text
    assert normalise_target_value(text) == text


@pytest.mark.parametrize("text", ["", "   ", None])
def test_empty_is_no_target_never_zero(text):
    assert parse_target_value(text) is None
    assert normalise_target_value(text) is None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("120", "target_out_of_range"),
        ("120 %", "target_out_of_range"),
        ("-3", "target_out_of_range"),
        ("100,1", "target_out_of_range"),
        ("0,85", "target_share"),
        ("0.5", "target_share"),
        ("=1+1", "target_formula"),
        ("x" * 101, "text_too_long"),
    ],
)
def test_numbers_that_are_no_percent_are_refused(text, code):
    with pytest.raises(TargetValueError) as raised:
        normalise_target_value(text)
    assert raised.value.code == code


def test_a_stored_small_percent_reads_back():
    # Typed without a percent sign, 0,5 looks like an Excel share; stored, it is 0.5 %.
    assert parse_target_value("0.5") == 0.5


@pytest.mark.parametrize(
    ("text", "year"), [("2026", 2026), (" 2000 ", 2000), ("2100", 2100), ("20x4", None)]
)
def test_period(text, year):
    assert parse_period(text) == year


@pytest.mark.parametrize("text", ["1999", "2101", "26", "2026.5", ""])
def test_period_out_of_range(text):
    assert parse_period(text) is None


# --- inheritance ----------------------------------------------------------------------------

# Installation (None) → förvaltning 1 → enhet 2 → verksamhet 3.
CHAIN = [3, 2, 1]


def test_own_target_first():
    targets = {("nojd", 3): ("90", "85"), ("nojd", 2): ("80", "80"), ("nojd", None): ("70", "70")}
    assert target_for(targets, "nojd", CHAIN) == ("90", "85")


def test_nearest_ancestor_then_installation():
    targets = {("nojd", 1): ("80", None), ("nojd", None): ("70", "75")}
    assert target_for(targets, "nojd", CHAIN) == ("80", "75")
    assert target_for({("nojd", None): ("70", "75")}, "nojd", CHAIN) == ("70", "75")


def test_each_column_is_inherited_on_its_own():
    # The verksamhet has its own årsmål but no KF:s årsmål: that comes from above.
    targets = {("nojd", 3): ("92", None), ("nojd", 2): (None, "Tas fram av nämnd")}
    assert target_for(targets, "nojd", CHAIN) == ("92", "Tas fram av nämnd")


def test_no_target_anywhere_and_other_indicators_do_not_leak():
    targets = {("bemotande", 3): ("90", "90")}
    assert target_for(targets, "nojd", CHAIN) == (None, None)
    assert target_for(targets, "bemotande", []) == (None, None)


def test_installation_asked_directly():
    assert target_for({("nojd", None): ("70", None)}, "nojd", []) == ("70", None)


# --- rows of a file --------------------------------------------------------------------------


def _units(installation=True):
    return TargetUnits.build(
        [
            TargetUnit(1, "F", "utforare"),
            TargetUnit(2, "F/E1", "utforare"),
            TargetUnit(3, "F/E1/V1", "utforare"),
            TargetUnit(4, "F", "bestallare"),
            TargetUnit(5, "Beställarenheten", "bestallare"),
        ],
        installation=installation,
    )


def _table(text: str):
    return read_table(text.encode(), "t.csv", aliases=TARGET_ALIASES)


def test_good_rows():
    table = _table(
        "Indikator;Enhet;Period;Årsmål;KF:s årsmål\n"
        "nojd;;2026;85 %;90\n"
        "Nöjd;F/E1;2026;85,5;\n"
        "bemotande;V1;2026;Tas fram av nämnd;\n"
        "paverka;Beställarenheten;2026;;\n"
    )
    rows, errors = validate_target_rows(table, KEYS, _units())
    assert errors == []
    assert [(r.indicator_key, r.org_node_id, r.period, r.arsmal, r.kf_arsmal) for r in rows] == [
        ("nojd", None, 2026, "85", "90"),
        ("nojd", 2, 2026, "85.5", None),
        ("bemotande", 3, 2026, "Tas fram av nämnd", None),
        ("paverka", 5, 2026, None, None),
    ]


def test_every_error_names_row_and_column():
    table = _table(
        "indicator,unit,period,arsmal,kf_arsmal\n"
        "nojd,,20x4,85,90\n"
        "nojd,F/Nope,2026,120 %,\n"
        "okand,F/E1,2026,0.85,-3\n"
    )
    rows, errors = validate_target_rows(table, KEYS, _units())
    assert rows == []
    assert [(e.row, e.column, e.code) for e in errors] == [
        (2, "period", "bad_period"),
        (3, "arsmal", "target_out_of_range"),
        (3, "unit", "unknown_target_unit"),
        (4, "arsmal", "target_share"),
        (4, "indicator", "unknown_indicator"),
        (4, "kf_arsmal", "target_out_of_range"),
    ]


def test_the_same_target_twice_is_an_error_on_both_rows():
    table = _table(
        "indicator,unit,period,arsmal,kf_arsmal\nnojd,F/E1,2026,80,\nnojd,F/E1,2026,85,\n"
        "nojd,,2026,1,\nnojd,,2026,2,\nnojd,F/E1,2027,85,\n"
    )
    rows, errors = validate_target_rows(table, KEYS, _units())
    assert [(e.row, e.code, e.params["rows"]) for e in errors] == [
        (2, "duplicate_target", [3]),
        (3, "duplicate_target", [2]),
        (4, "duplicate_target", [5]),
        (5, "duplicate_target", [4]),
    ]
    assert [r.row for r in rows] == [6]


def test_a_path_in_both_hierarchies_needs_the_tree_column():
    table = _table("indicator,unit,period,arsmal\nnojd,F,2026,80\n")
    _, errors = validate_target_rows(table, KEYS, _units())
    assert [e.code for e in errors] == ["unit_in_both_trees"]
    table = _table("indicator,unit,period,arsmal,tree\nnojd,F,2026,80,bestallare\n")
    rows, errors = validate_target_rows(table, KEYS, _units())
    assert errors == []
    assert rows[0].org_node_id == 4


def test_the_installation_needs_an_installation_grant():
    table = _table("indicator,unit,period,arsmal\nnojd,,2026,80\nnojd,F/E1,2026,80\n")
    rows, errors = validate_target_rows(table, KEYS, _units(installation=False))
    assert [(e.row, e.code) for e in errors] == [(2, "installation_target_not_allowed")]
    assert [r.org_node_id for r in rows] == [2]  # all or nothing is the importer's business
    rows, errors = validate_target_rows(
        _table("indicator,unit,period,arsmal\nnojd,F/E1,2026,80\n"), KEYS, _units(False)
    )
    assert errors == []
    assert [r.org_node_id for r in rows] == [2]


def test_the_export_reads_back_as_the_same_rows():
    exported = [
        TargetExportRow("nojd", "", None, 2026, "85", "90"),
        TargetExportRow("nojd", "F/E1", "utforare", 2026, "85.5", None),
        TargetExportRow("bemotande", "F/E1/V1", "utforare", 2026, "Tas fram av nämnd, sen", None),
        TargetExportRow("paverka", "F", "bestallare", 2026, None, "70"),
    ]
    text = targets_csv(exported, bom=True)
    assert text.startswith("\ufeffindicator,unit,period,arsmal,kf_arsmal,tree\r\n")
    rows, errors = validate_target_rows(
        read_table(text.encode(), "mal.csv", aliases=TARGET_ALIASES), KEYS, _units()
    )
    assert errors == []
    assert [(r.indicator_key, r.org_node_id, r.arsmal, r.kf_arsmal) for r in rows] == [
        ("nojd", None, "85", "90"),
        ("nojd", 2, "85.5", None),
        ("bemotande", 3, "Tas fram av nämnd, sen", None),
        ("paverka", 4, None, "70"),
    ]
    # Without beställare rows the export has exactly the five documented columns.
    assert targets_csv(exported[:1]).splitlines()[0] == "indicator,unit,period,arsmal,kf_arsmal"
