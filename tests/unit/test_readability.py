import pytest

from survey.domain.readability import lix, words


def test_words_keep_swedish_letters():
    assert words("Är du nöjd med ditt boende?") == ["Är", "du", "nöjd", "med", "ditt", "boende"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # 6 words, 1 sentence, 1 long word ("personal" > 6): 6 + 100/6
        ("Tycker du om din personal här?", 6 + 100 / 6),
        # two sentences halve the first term
        ("Du bor här. Trivs du?", 5 / 2 + 0),
        ("", 0.0),
    ],
)
def test_lix(text, expected):
    assert lix(text) == pytest.approx(expected)


def test_long_text_scores_high():
    text = "Verksamhetsberättelsen redovisar indikatorernas utfallsvärden fortlöpande."
    assert lix(text) > 60
