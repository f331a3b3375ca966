"""validate_recipients: every error code, gender table, unit matching."""

from __future__ import annotations

import json

import pytest

from survey.domain.recipients import (
    GENDER_ALIASES,
    RecipientPreview,
    UnitIndex,
    UnknownGender,
    parse_gender,
    validate_recipients,
)
from survey.domain.tabular import read_table

UNITS = UnitIndex.build(
    [
        (1, "Förvaltningen/Enhet A/Växtverket"),
        (2, "Förvaltningen/Enhet A/Ateljén"),
        (3, "Förvaltningen/Enhet B/Ateljén"),
    ],
    others=[(9, "Förvaltningen/Enhet C/Caféet")],
)
BESTALLARE = UnitIndex.build([(20, "Stadsdel/Beställarenheten LSS")])


def preview(text: str) -> RecipientPreview:
    return validate_recipients(read_table(text.encode(), "x.csv"), UNITS, BESTALLARE)


def codes(result: RecipientPreview) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.code) for e in result.errors]


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("Kvinna", "kvinna"),
        ("K", "kvinna"),
        ("kvinnor", "kvinna"),
        ("f", "kvinna"),
        ("Female", "kvinna"),
        ("woman", "kvinna"),
        ("Man", "man"),
        ("M", "man"),
        ("MÄN", "man"),
        ("male", "man"),
        ("annat", "annat"),
        ("Annan", "annat"),
        ("Icke-binär", "annat"),
        ("icke binar", "annat"),
        ("other", "annat"),
        ("Okänd", "okand"),
        ("okand", "okand"),
        ("Uppgift saknas", "okand"),
        ("unknown", "okand"),
        ("u", "okand"),
    ],
)
def test_gender_table(written: str, code: str) -> None:
    assert parse_gender(written) == code


def test_empty_gender_means_the_survey_asks_and_nonsense_is_refused() -> None:
    assert parse_gender("  ") is None
    with pytest.raises(UnknownGender):
        parse_gender("hen?")
    assert set(GENDER_ALIASES.values()) == {"kvinna", "man", "annat", "okand"}


def test_valid_rows_by_path_leaf_and_tail() -> None:
    result = preview(
        "Enhet;Kön;Beställare;E-post\n"
        "Växtverket;K;Beställarenheten LSS;a@example.se\n"
        "förvaltningen / enhet a /  ateljén;;;\n"
        "Enhet B/Ateljén;Man;Stadsdel/Beställarenheten LSS;\n"
    )
    assert result.errors == []
    assert [(r.row, r.unit_id, r.gender, r.bestallare_id, r.email) for r in result.rows] == [
        (2, 1, "kvinna", 20, "a@example.se"),
        (3, 2, None, None, None),
        (4, 3, "man", 20, None),
    ]


def test_every_recipient_error_code() -> None:
    result = preview(
        "Enhet;Kön;Beställare;E-post;Namn;Adress\n"
        ";K;;;A;1\n"  # 2 missing_unit
        "Växtverk;K;;;B;2\n"  # 3 unknown_unit
        "Ateljén;K;;;C;3\n"  # 4 ambiguous_unit
        "Caféet;K;;;D;4\n"  # 5 unit_not_in_round
        "Växtverket;hen?;;;E;5\n"  # 6 unknown_gender
        "Växtverket;K;Ingen sådan;;F;6\n"  # 7 unknown_bestallare
        "Växtverket;K;;inte-en-adress;G;7\n"  # 8 bad_email
        "Växtverket;K;;same@example.se;H;8\n"  # 9 duplicate_email
        "Växtverket;K;;SAME@example.se;I;9\n"  # 10 duplicate_email
        "Växtverket;K;;;Anna;Gatan 1\n"  # 11 duplicate_person
        "Växtverket;K;;;Anna;Gatan 1\n"  # 12 duplicate_person
        '"=HYPERLINK(""http://x"",""klick"")";K;;;J;10\n'  # 13 formula
        f"{'x' * 1001};K;;;K;11\n"  # 14 text_too_long
    )
    assert codes(result) == [
        (2, "Enhet", "missing_unit"),
        (3, "Enhet", "unknown_unit"),
        (4, "Enhet", "ambiguous_unit"),
        (5, "Enhet", "unit_not_in_round"),
        (6, "Kön", "unknown_gender"),
        (7, "Beställare", "unknown_bestallare"),
        (8, "E-post", "bad_email"),
        (9, "E-post", "duplicate_email"),
        (10, "E-post", "duplicate_email"),
        (11, "Namn", "duplicate_person"),
        (12, "Namn", "duplicate_person"),
        (13, "Enhet", "formula"),
        (14, "Enhet", "text_too_long"),
    ]
    assert result.rows == []
    ambiguous = result.errors[2]
    assert ambiguous.params["paths"] == [
        "Förvaltningen/Enhet A/Ateljén",
        "Förvaltningen/Enhet B/Ateljén",
    ]
    assert result.errors[7].params == {"rows": [10]}
    assert result.dropped_columns == ["Namn", "Adress"]


def test_only_rows_without_errors_are_kept() -> None:
    result = preview("Enhet;Kön\nVäxtverket;K\nVäxtverk;K\n")
    assert [r.row for r in result.rows] == [2]
    assert codes(result) == [(3, "Enhet", "unknown_unit")]


def test_preview_round_trips_through_json() -> None:
    result = preview("Enhet;Kön;E-post\nVäxtverket;K;a@example.se\nVäxtverk;K;\n")
    again = RecipientPreview.from_dict(json.loads(json.dumps(result.to_dict())))
    assert again == result


def test_full_path_wins_over_a_tail_of_another() -> None:
    units = UnitIndex.build([(1, "A/B"), (2, "X/A/B")])
    assert units.match("A/B").unit_id == 1
    assert units.match("B").problem == "ambiguous_unit"
    assert units.match("x/a/b").unit_id == 2
