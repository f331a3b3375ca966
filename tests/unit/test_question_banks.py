import shutil
from pathlib import Path

import pytest

from survey.domain.question_banks import (
    BANK_DIR,
    DONT_KNOW,
    LANGUAGES,
    QuestionBank,
    QuestionBankError,
    all_bank_files,
    latest_version,
    load_bank,
    load_bank_file,
    load_scales,
)
from survey.domain.readability import counts, lix_of_texts, long_words, without, words

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


@pytest.mark.parametrize("bank", ALL_BANKS, ids=[f"{b.survey_type}-{b.version}" for b in ALL_BANKS])
def test_bank_codes_and_scales_follow_the_spec_in_every_version(bank):
    assert {q.code: q.scale.code for q in bank.questions} == SPEC_BANKS[bank.survey_type]


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
def test_every_question_and_answer_has_a_pictogram_file(bank, question):
    names = [question.pictogram]
    if question.scale:
        names += [option.pictogram for option in question.scale.options]
    for name in names:
        assert (PICTOGRAMS / f"{name}.svg").is_file(), name


def test_option_labels_are_short():
    # LIX means nothing for a one-word label ("Sometimes" scores 101); keep labels short. The
    # labels a round shows are its bank version's, so check them there (overrides included).
    for bank, question in ALL_QUESTIONS:
        for option in question.scale.options if question.scale else ():
            for language in LANGUAGES:
                label = option.label[language]
                assert len(words(label)) <= 6, (bank.survey_type, bank.version, label)


def test_dont_know_is_accepted_only_on_rating_scales():
    scales = load_scales()
    assert scales["jin"].accepts(DONT_KNOW)
    assert not scales["gender"].accepts(DONT_KNOW)
    assert not scales["jin"].accepts("kanske")


# --- versions: new rounds get the national wording, old rounds keep theirs ----------------

NEW, OLD = "2026.2", "2026.1"

# DOMAIN.md §3.2 (SKR's DVLSS questionnaire, Borås 2017) and §3.3/§5.2 (boende), word for word.
NATIONAL_WORDING = {
    ("dv", "DV_RADD"): "Är du rädd för något på din dagliga verksamhet?",
    (
        "dv",
        "DV_BESTAMMA",
    ): "Får du bestämma om saker som är viktiga för dig i din dagliga verksamhet?",
    ("dv", "DV_FORSTAR"): "Pratar personalen med dig så att du förstår vad de menar?",
    ("dv", "DV_HJALP"): "Får du den hjälp du vill ha i din dagliga verksamhet?",
    ("dv", "DV_BRYR"): "Bryr sig personalen om dig?",
    ("dv", "DV_TRIVS"): "Trivs du på din dagliga verksamhet?",
    ("dv", "DV_TRYGG"): "Känner du dig trygg med personalen?",
    ("dv", "DV_KLAGA"): "Vet du vem du ska prata med om något är dåligt på din dagliga verksamhet?",
    ("dv", "DV_VIKTIGT"): "Är det du gör på din dagliga verksamhet viktigt för dig?",
    ("bo", "BO_RADD"): "Är du rädd för något hemma?",
    ("bo", "BO_BESTAMMA"): "Får du bestämma om saker som är viktiga för dig hemma?",
    ("bo", "BO_FORSTAR"): "Pratar personalen med dig så att du förstår vad de menar?",
    ("bo", "BO_HJALP"): "Får du den hjälp du vill ha hemma?",
    ("bo", "BO_BRYR"): "Bryr sig personalen om dig?",
    ("bo", "BO_TRIVS"): "Trivs du hemma?",
    ("bo", "BO_TRYGG_PERSONAL"): "Känner du dig trygg med personalen?",
    ("bo", "BO_KLAGA"): "Vet du vem du ska prata med om något är dåligt hemma?",
    ("bo", "BO_HJALPMEDEL"): "Har du de hjälpmedel du behöver hemma?",
}

# What rounds on 2026.1 asked: these must never change under them (SPEC §3).
OLD_WORDING = {
    ("dv", "DV_BESTAMMA"): "Får du bestämma om det som du bryr dig om på daglig verksamhet?",
    ("dv", "DV_TRIVS"): "Tycker du om att vara på daglig verksamhet?",
    ("bo", "BO_TRIVS"): "Tycker du om att bo där du bor?",
    ("bo", "BO_HJALPMEDEL"): "Har du de saker hemma som hjälper dig i vardagen?",
}

ANN_LABELS = {
    OLD: [("Alla", "All of them"), ("Några", "Some of them"), ("Ingen", "None of them")],
    NEW: [
        ("Alla i personalen", "All of the staff"),
        ("Några i personalen", "Some of the staff"),
        ("Ingen i personalen", "None of the staff"),
    ],
}


@pytest.mark.parametrize("survey_type", SPEC_BANKS)
def test_new_rounds_get_the_new_version_and_the_old_one_still_loads(survey_type):
    assert latest_version(survey_type) == NEW
    assert load_bank(survey_type, NEW).version == NEW
    assert load_bank(survey_type, OLD).version == OLD


@pytest.mark.parametrize(("key", "text"), NATIONAL_WORDING.items(), ids=lambda v: str(v))
def test_new_version_asks_in_the_national_wording(key, text):
    survey_type, code = key
    assert load_bank(survey_type, NEW).find(code).text["sv"] == text


@pytest.mark.parametrize(("key", "text"), OLD_WORDING.items(), ids=lambda v: str(v))
def test_old_version_keeps_its_wording(key, text):
    survey_type, code = key
    assert load_bank(survey_type, OLD).find(code).text["sv"] == text


@pytest.mark.parametrize("survey_type", SPEC_BANKS)
@pytest.mark.parametrize("version", [OLD, NEW])
def test_ann_labels_belong_to_the_bank_version(survey_type, version):
    bank = load_bank(survey_type, version)
    for question in bank.questions:
        if question.scale.code == "ann":
            labels = [(o.label["sv"], o.label["en"]) for o in question.scale.options]
            assert labels == ANN_LABELS[version], question.code
    # New words only: codes, faces and the positive option stay those of scales.toml.
    ann = next(q.scale for q in bank.questions if q.scale.code == "ann")
    shared = load_scales()["ann"]
    assert [(o.code, o.face, o.pictogram) for o in ann.options] == [
        (o.code, o.face, o.pictogram) for o in shared.options
    ]
    assert (ann.positive, ann.offers_dont_know) == (shared.positive, shared.offers_dont_know)


def test_relabelling_touches_only_the_scales_it_names():
    new = load_bank("dv", NEW)
    jin = next(q.scale for q in new.questions if q.scale.code == "jin")
    assert jin == load_scales()["jin"]


def test_versions_sort_as_numbers(tmp_path):
    for version in ("2026.1", "2026.2", "2026.10", "2026.9"):
        (tmp_path / "dv").mkdir(exist_ok=True)
        (tmp_path / "dv" / f"{version}.toml").touch()
    assert latest_version("dv", tmp_path) == "2026.10"


# --- readability ---------------------------------------------------------------------------
# LIX is a measure of a text, not of one sentence: a single 13-word question scores 13 before
# its first long word, so a per-question LIX ≤ 30 pushed the national wording out. The banks
# are held to LIX ≤ 30 over all their questions, and each question to limits on its words and
# long words (more than six letters). The insats name ("din dagliga verksamhet", "boendestöd")
# is not counted: every respondent knows it, no easier word replaces it, and it is in half the
# daglig verksamhet questions (counted, the 2026.2 bank scores 31 in Swedish).
#
# The limits are what the national wording needs and no more:
# - MAX_WORDS = 14: the longest national item, DV_KLAGA ("Vet du vem du ska prata med om något
#   är dåligt på din dagliga verksamhet?"), has 13 words besides the insats name, and its
#   English 13; one more is room for a translation, not for a second idea.
# - MAX_LONG_WORDS = 2: no national item has more ("bestämma", "viktiga" in DV_BESTAMMA;
#   "personalen", "förstår" in DV_FORSTAR). A third long word in one short question is what the
#   easy-read guides (FUB, MTM) ask to replace by a common word or to split.
# Both hold for Swedish and English; they are where LIX and the six-letter rule make sense. A
# language added later (Finnish, Arabic, Somali) needs limits of its own.
# The checks apply to the newest version of each bank: older versions are frozen with their
# rounds and may not be reworded, whatever the rules become.
MAX_BANK_LIX = 30
MAX_WORDS = 14
MAX_LONG_WORDS = 2
READABILITY_LANGUAGES = ("sv", "en")
LATEST = [load_bank(t, latest_version(t)) for t in SPEC_BANKS]
LATEST_QUESTIONS = [(b, q) for b in LATEST for q in (*b.questions, *b.background)]


def counted(bank: QuestionBank, text: str, language: str) -> str:
    """The text as the readability checks count it: without the insats name."""
    return without(text, bank.insats_name.get(language, ()))


def question_problems(text: str) -> list[str]:
    found = counts(text)
    problems = []
    if found.words > MAX_WORDS:
        problems.append(f"words: {found.words} (at most {MAX_WORDS})")
    if found.long_words > MAX_LONG_WORDS:
        problems.append(f"long words: {long_words(text)} (at most {MAX_LONG_WORDS})")
    return problems


@pytest.mark.parametrize("bank", LATEST, ids=[b.survey_type for b in LATEST])
@pytest.mark.parametrize("language", READABILITY_LANGUAGES)
def test_each_bank_is_easy_to_read(bank, language):
    texts = [counted(bank, q.text[language], language) for q in bank.questions]
    assert lix_of_texts(texts) <= MAX_BANK_LIX


@pytest.mark.parametrize(
    ("bank", "question"),
    LATEST_QUESTIONS,
    ids=[f"{b.survey_type}-{q.code}" for b, q in LATEST_QUESTIONS],
)
@pytest.mark.parametrize("language", READABILITY_LANGUAGES)
def test_every_question_is_short_with_few_long_words(bank, question, language):
    text = counted(bank, question.text[language], language)
    assert question_problems(text) == [], question.text[language]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        # 16 words: two questions in one.
        (
            "Får du vara med och bestämma vad ni ska göra när personalen kommer hem till dig?",
            "words",
        ),
        # Four words of seven letters or more in seven words; three in four.
        ("Upplever du att personalen respekterar dina önskemål?", "long words"),
        ("Respekterar personalen dina önskemål?", "long words"),
    ],
)
def test_the_limits_catch_a_bad_question(text, problem):
    assert [found.split(":")[0] for found in question_problems(text)] == [problem]


# --- results phrases ("7 av 10 trivs på daglig verksamhet", survey/domain/easy_read_results.py)
# The phrase follows "7 av 10" on the easy-read results page: one short clause about the
# positive answer, in the plural ("är nöjda", "trivs"). With the number, it is held to the
# limits of a question.
RESULT_PREFIX = {"sv": "7 av 10", "en": "7 out of 10"}


@pytest.mark.parametrize(
    ("bank", "question"), ALL_QUESTIONS, ids=[f"{b.version}-{q.code}" for b, q in ALL_QUESTIONS]
)
def test_every_rated_question_has_a_results_phrase(bank, question):
    if question.kind != "rating" or question.is_local:
        return
    assert set(question.result) >= set(LANGUAGES), question.code
    for language in LANGUAGES:
        phrase = question.result[language]
        assert phrase[0].islower(), phrase
        assert phrase[-1].isalpha(), phrase


@pytest.mark.parametrize("bank", LATEST, ids=[b.survey_type for b in LATEST])
@pytest.mark.parametrize("language", READABILITY_LANGUAGES)
def test_results_phrases_are_easy_to_read(bank, language):
    prefix = RESULT_PREFIX[language]
    phrases = [counted(bank, f"{prefix} {q.result[language]}.", language) for q in bank.questions]
    assert lix_of_texts(phrases) <= MAX_BANK_LIX
    for phrase in phrases:
        assert question_problems(phrase) == [], phrase


@pytest.mark.parametrize("bank", LATEST, ids=[b.survey_type for b in LATEST])
def test_insats_name_is_found_in_the_questions(bank):
    # A misspelt insats name would silently count nothing out; each one must occur.
    for language, names in bank.insats_name.items():
        texts = " ".join(q.text[language].lower() for q in bank.questions)
        for name in names:
            assert name.lower() in texts, (bank.survey_type, language, name)
    assert bank.insats_name.get("sv"), "the Swedish insats name is listed"


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
        (
            'result = { sv = "är aldrig rädda på daglig verksamhet", en = "are never afraid at '
            'their daily activity" }\n',
            "",
            "(DV_RADD).result: missing: the results phrase",
        ),
        (
            'sv = "är aldrig rädda på daglig verksamhet"',
            'sv = "Är aldrig rädda på daglig verksamhet"',
            "(DV_RADD).result.sv: must start with a small letter",
        ),
        (
            'en = "are never afraid at their daily activity"',
            'en = "are never afraid at their daily activity."',
            "(DV_RADD).result.en: must not end with a punctuation mark",
        ),
        (
            'en = "are never afraid at their daily activity"',
            'fi = "are never afraid at their daily activity"',
            "(DV_RADD).result.en: missing or empty",
        ),
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


ALLA = 'alla = { sv = "Alla i personalen", en = "All of the staff" }\n'
INGEN = 'ingen = { sv = "Ingen i personalen", en = "None of the staff" }\n'


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "[scale_labels.ann]",
            "[scale_labels.xyz]",
            "2026.2.toml: scale_labels.xyz: unknown scale 'xyz'",
        ),
        (
            "nagra = {",
            "mest = {",
            "2026.2.toml: scale_labels.ann.mest: not an option of scale 'ann' (alla, nagra, ingen)",
        ),
        (INGEN, "", "2026.2.toml: scale_labels.ann.ingen: missing"),
        (
            ', en = "All of the staff" }',
            " }",
            "2026.2.toml: scale_labels.ann.alla.en: missing or empty",
        ),
        (ALLA, 'alla = "Alla"\n', "2026.2.toml: scale_labels.ann.alla: must be a table"),
        ("[scale_labels.ann]", "[scale_label.ann]", "2026.2.toml: scale_label: unknown key"),
        (
            "[scale_labels.ann]\n" + ALLA,
            '[scale_labels]\nann = "Alla"\n[scale_labels.jn]\n',
            "2026.2.toml: scale_labels.ann: must be a table of the options alla, nagra, ingen",
        ),
        (
            'insats_name = { sv = ["daglig verksamhet", "dagliga verksamhet"]',
            'insats_name = { sv = "daglig verksamhet"',
            "2026.2.toml: insats_name.sv: must be a list",
        ),
    ],
)
def test_broken_scale_labels_name_file_and_key(bank_copy, old, new, message):
    path = bank_copy / "dv" / "2026.2.toml"
    edit(path, old, new)
    with pytest.raises(QuestionBankError) as error:
        load_bank_file(path, bank_copy)
    assert message in str(error.value)


def test_missing_bank_is_a_clear_error():
    with pytest.raises(QuestionBankError, match="no such question bank"):
        load_bank("xx", "../../etc")
