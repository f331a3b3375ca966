import shutil
from pathlib import Path

import pytest

from survey.domain.question_banks import (
    BANK_DIR,
    DONT_KNOW,
    LANGUAGES,
    QuestionBankError,
    all_bank_files,
    latest_version,
    load_bank,
    load_bank_file,
    load_scales,
)
from survey.domain.readability import lix, words

PICTOGRAMS = Path(__file__).resolve().parents[2] / "static" / "pictograms"

# SPEC §3: codes and scales are fixed.
SPEC_BANKS = {
    "dv": {
        "DV_RADD": "aio",
        "DV_BESTAMMA": "jin",
        "DV_FORSTAR": "ann",
        "DV_HJALP": "jin",
        "DV_BRYR": "jin",
        "DV_TRIVS": "jin",
        "DV_TRYGG": "ann",
        "DV_KLAGA": "jn",
        "DV_VIKTIGT": "jin",
        "DV_LYSSNAR": "jin",
        "DV_PLANERA": "jn",
        "DV_SAMRE": "aio",
        "DV_VALJA": "jn",
        "DV_NOJD": "jin",
    },
    "bo": {
        "BO_RADD": "aio",
        "BO_BESTAMMA": "jin",
        "BO_FORSTAR": "ann",
        "BO_HJALP": "jin",
        "BO_BRYR": "jin",
        "BO_TRIVS": "jin",
        "BO_TRYGG_PERSONAL": "ann",
        "BO_TRYGG_HEMMA": "jin",
        "BO_KLAGA": "jn",
        "BO_LYSSNAR": "jin",
        "BO_PAVERKA": "jin",
        "BO_HJALPMEDEL": "jn",
        "BO_SAMRE": "aio",
        "BO_NOJD": "jin",
    },
    "bs": {
        "BS_TIDER": "jin",
        "BS_HJALP": "jin",
        "BS_BESTAMMA": "jin",
        "BS_FORSTAR": "ann",
        "BS_BRYR": "jin",
        "BS_TRYGG": "ann",
        "BS_LYSSNAR": "jin",
        "BS_PAVERKA": "jn",
        "BS_KLAGA": "jn",
        "BS_BATTRE": "bis",
        "BS_SAMRE": "aio",
        "BS_VALJA": "jn",
        "BS_NOJD": "jin",
    },
}
SPEC_SCALES = {
    "jin": (["ja", "ibland", "nej"], "ja"),
    "ann": (["alla", "nagra", "ingen"], "alla"),
    "aio": (["aldrig", "ibland", "ofta"], "aldrig"),
    "jn": (["ja", "nej"], "ja"),
    "bis": (["battre", "ingen_skillnad", "samre"], "battre"),
}
ALL_BANKS = [load_bank(p.parent.name, p.stem) for p in all_bank_files()]
ALL_QUESTIONS = [(b, q) for b in ALL_BANKS for q in (*b.questions, *b.background)]


@pytest.mark.parametrize("survey_type", SPEC_BANKS)
def test_bank_codes_and_scales_follow_the_spec(survey_type):
    bank = load_bank(survey_type, latest_version(survey_type))
    assert {q.code: q.scale.code for q in bank.questions} == SPEC_BANKS[survey_type]


@pytest.mark.parametrize(("code", "expected"), SPEC_SCALES.items())
def test_scales_follow_the_spec_positive_first(code, expected):
    scale = load_scales()[code]
    options, positive = expected
    assert list(scale.option_codes()) == options
    assert scale.positive == positive == options[0]
    assert scale.offers_dont_know
    assert scale.options[0].face == "happy"
    assert scale.options[-1].face == "sad"


@pytest.mark.parametrize(
    ("bank", "question"),
    ALL_QUESTIONS,
    ids=[f"{b.survey_type}-{q.code}" for b, q in ALL_QUESTIONS],
)
def test_every_question_is_easy_to_read_in_every_language(bank, question):
    for language in LANGUAGES:
        assert lix(question.text[language]) <= 30, (language, question.text[language])


@pytest.mark.parametrize(
    ("bank", "question"),
    ALL_QUESTIONS,
    ids=[f"{b.survey_type}-{q.code}" for b, q in ALL_QUESTIONS],
)
def test_every_question_and_answer_has_a_pictogram_file(bank, question):
    names = [question.pictogram]
    if question.scale:
        names += [option.pictogram for option in question.scale.options]
    for name in names:
        assert (PICTOGRAMS / f"{name}.svg").is_file(), name


def test_option_labels_are_short():
    # LIX means nothing for a one-word label ("Sometimes" scores 101); keep labels short.
    for scale in load_scales().values():
        for option in scale.options:
            for language in LANGUAGES:
                assert len(words(option.label[language])) <= 6, option.label[language]


def test_dont_know_is_accepted_only_on_rating_scales():
    scales = load_scales()
    assert scales["jin"].accepts(DONT_KNOW)
    assert not scales["gender"].accepts(DONT_KNOW)
    assert not scales["jin"].accepts("kanske")


# --- validation: a broken file fails with a message naming file and key -------------------


@pytest.fixture
def bank_copy(tmp_path: Path) -> Path:
    shutil.copytree(BANK_DIR, tmp_path / "banks")
    return tmp_path / "banks"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('scale = "aio"', 'scale = "xyz"', "2026.1.toml: questions[0] (DV_RADD).scale: unknown"),
        (
            'sv = "Är du rädd för något på daglig verksamhet?"',
            'sv = "  "',
            "questions[0] (DV_RADD).text.sv: missing or empty",
        ),
        (
            ', en = "Are you ever afraid at your daily activity?" }',
            " }",
            "questions[0] (DV_RADD).text.en: missing",
        ),
        ('code = "DV_BESTAMMA"', 'code = "DV_RADD"', "DV_RADD).code: duplicate"),
        ('code = "DV_RADD"', 'code = "dv radd"', "questions[0].code: must match"),
        ('area = "trygghet"', 'area = "glädje"', "(DV_RADD).area: must be one of"),
        ('version = "2026.1"', 'version = "2025.9"', "2026.1.toml: version: must be"),
        ('pictogram = "afraid"', 'pictogram = "../../etc"', "(DV_RADD).pictogram"),
        ("[[questions]]", "[[questions]\n", "2026.1.toml: not valid TOML"),
    ],
)
def test_broken_bank_names_file_and_key(bank_copy, old, new, message):
    path = bank_copy / "dv" / "2026.1.toml"
    edit(path, old, new)
    with pytest.raises(QuestionBankError) as error:
        load_bank_file(path, bank_copy)
    assert message in str(error.value)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('positive = "ja"', 'positive = "kanske"', "scales.toml: scales.jin.positive"),
        (
            '{ code = "ja", face = "happy"',
            '{ code = "ja", face = "glad"',
            "scales.toml: scales.jin.options[0].face",
        ),
        (
            '{ code = "ibland", face = "neutral", label = { sv = "Ibland", en = "Sometimes" } },',
            '{ code = "vet_inte", face = "neutral", label = { sv = "Vet", en = "Know" } },',
            "scales.jin.options[1].code",
        ),
    ],
)
def test_broken_scale_names_file_and_key(bank_copy, old, new, message):
    edit(bank_copy / "scales.toml", old, new)
    with pytest.raises(QuestionBankError) as error:
        load_bank_file(bank_copy / "dv" / "2026.1.toml", bank_copy)
    assert message in str(error.value)


def test_missing_bank_is_a_clear_error():
    with pytest.raises(QuestionBankError, match="no such question bank"):
        load_bank("xx", "../../etc")
