"""The indicator catalogue: versioned data, validated at load with file and key named."""

from __future__ import annotations

from pathlib import Path

import pytest

from survey.domain.indicator_catalogue import (
    CATALOGUE_DIR,
    CatalogueError,
    catalogue_for,
    catalogue_periods,
    load_catalogue_file,
)

GOOD = (CATALOGUE_DIR / "2026.toml").read_text(encoding="utf-8")


def test_the_seven_indicators_of_the_spec() -> None:
    catalogue = catalogue_for(2026)
    assert catalogue.keys() == (
        "nojd",
        "bemotande",
        "paverka",
        "trygghet_boende",
        "ej_diskriminering",
        "battre_situation",
        "valmojlighet",
    )
    nojd = catalogue.find("nojd")
    assert nojd is not None
    assert nojd.name["sv"] == "Andel brukare som är nöjd med sin insats"
    assert [(s.survey_type, s.question_code, s.positive) for s in nojd.sources] == [
        ("dv", "DV_NOJD", "ja"),
        ("bo", "BO_NOJD", "ja"),
        ("bs", "BS_NOJD", "ja"),
    ]
    discrimination = catalogue.find("ej_diskriminering")
    assert discrimination is not None
    assert {s.positive for s in discrimination.sources} == {"aldrig"}
    assert catalogue.find("trygghet_boende").source_for("dv") is None  # type: ignore[union-attr]
    assert set(catalogue.areas) == {"sjalvbestammande", "bemotande", "trygghet", "trivsel"}


def test_a_period_uses_the_newest_file_not_after_it() -> None:
    assert catalogue_periods()[0] == 2026
    assert catalogue_for(2031).period == 2026
    assert catalogue_for(2019).period == 2026  # before the first file: the first one


def write(tmp_path: Path, text: str, name: str = "2026.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("period = 2026", "period = 2025"), "2026.toml: period: must be 2026"),
        (('key = "nojd"', 'key = "Nöjd"'), "indicators[0].key: must match"),
        (('code = "DV_NOJD"', 'code = "DV_NOJDD"'), "questions[0].code: no rating question"),
        (
            ('code = "BS_BATTRE", positive = "battre"', 'code = "BS_BATTRE", positive = "ja"'),
            "indicators.battre_situation.questions[0].positive: 'ja' is not an option",
        ),
        (('survey = "bs", code = "BS_VALJA"', 'survey = "xx", code = "BS_VALJA"'), "survey: must"),
        (('key = "paverka"', 'key = "nojd"'), "indicators.nojd: key used twice"),
        (("trivsel = {", "trivsl = {"), "areas.trivsel: missing"),
        (("[[indicators]]", "[[indicator]]"), "indicator: unknown key"),
        (
            (
                '{ survey = "bo", code = "BO_NOJD", positive = "ja" }',
                '{ survey = "dv", code = "DV_TRIVS", positive = "ja" }',
            ),
            "at most one question per survey type",
        ),
        (
            (
                'name = { sv = "Andel brukare som är nöjd',
                'name = { fi = "Andel brukare som är nöjd',
            ),
            "indicators.nojd.name.sv: missing or empty",
        ),
    ],
)
def test_broken_files_name_file_and_key(tmp_path, change, message) -> None:
    old, new = change
    assert old in GOOD
    with pytest.raises(CatalogueError) as raised:
        load_catalogue_file(write(tmp_path, GOOD.replace(old, new, 1)))
    assert message in str(raised.value)


def test_not_toml_and_missing(tmp_path) -> None:
    with pytest.raises(CatalogueError, match="not valid TOML"):
        load_catalogue_file(write(tmp_path, "period = [", "2027.toml"))
    with pytest.raises(CatalogueError, match="file not found"):
        load_catalogue_file(tmp_path / "2030.toml")


# --- results phrases for the easy-read page ------------------------------------------------

BATTRE = '{ survey = "bs", code = "BS_BATTRE", positive = "battre" }'


def test_no_source_needs_a_phrase_of_its_own_today() -> None:
    # Every indicator counts its question's own positive answer: the bank's phrase says it.
    for indicator in catalogue_for(2026).indicators:
        assert all(source.result is None for source in indicator.sources), indicator.key


def test_a_source_counting_another_option_needs_its_own_phrase(tmp_path) -> None:
    other = BATTRE.replace('"battre"', '"ingen_skillnad"')
    with pytest.raises(CatalogueError) as raised:
        load_catalogue_file(write(tmp_path, GOOD.replace(BATTRE, other)))
    assert "indicators.battre_situation.questions[0].result: missing" in str(raised.value)
    phrased = other.replace(
        " }", ', result = { sv = "har inte fått det sämre", en = "are no worse off" } }'
    )
    catalogue = load_catalogue_file(write(tmp_path, GOOD.replace(BATTRE, phrased)))
    source = catalogue.find("battre_situation").sources[0]  # type: ignore[union-attr]
    assert source.result == {"sv": "har inte fått det sämre", "en": "are no worse off"}


def test_a_broken_phrase_names_file_and_key(tmp_path) -> None:
    phrased = BATTRE.replace(" }", ', result = { sv = "Bättre.", en = "better" } }')
    with pytest.raises(CatalogueError) as raised:
        load_catalogue_file(write(tmp_path, GOOD.replace(BATTRE, phrased)))
    message = str(raised.value)
    assert "2026.toml: indicators.battre_situation.questions[0].result.sv: must start" in message
