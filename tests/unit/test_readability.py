import pytest

from survey.domain.readability import Counts, counts, lix, lix_of_texts, long_words, without, words


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


def test_long_words_have_more_than_six_letters():
    assert long_words("Trivs du med personalen och maten?") == ["personalen"]
    assert long_words("Känner") == []  # six letters is not long
    assert long_words("Kännert") == ["Kännert"]


@pytest.mark.parametrize(
    ("text", "phrases", "expected"),
    [
        # Whole phrase, any case, inflected forms listed; the rest of the sentence stays.
        (
            "Trivs du på din dagliga verksamhet?",
            ["daglig verksamhet", "dagliga verksamhet"],
            ["Trivs", "du", "på", "din"],
        ),
        ("Daglig verksamhet är bra.", ["daglig verksamhet"], ["är", "bra"]),
        # Every listed form; "boendestöd" does not cut a piece out of "boendestödet".
        (
            "Får du hjälp av boendestödet?",
            ["boendestöd", "boendestödet"],
            ["Får", "du", "hjälp", "av"],
        ),
        # The longer phrase goes first, so "at home" does not stay behind.
        (
            "Who gives you support at home?",
            ["support", "support at home"],
            ["Who", "gives", "you"],
        ),
        # Only whole words: "boende" is not cut out of "boendestöd".
        (
            "Är du nöjd med ditt boendestöd?",
            ["boende"],
            ["Är", "du", "nöjd", "med", "ditt", "boendestöd"],
        ),
        ("Är du nöjd?", [], ["Är", "du", "nöjd"]),
    ],
)
def test_without_leaves_out_whole_phrases(text, phrases, expected):
    assert words(without(text, phrases)) == expected


def test_without_keeps_the_sentence_ends():
    # "… verksamhet? Trivs du?" stays two sentences when the insats name goes.
    text = without("Är du på daglig verksamhet? Trivs du?", ["daglig verksamhet"])
    assert counts(text) == Counts(words=5, sentences=2, long_words=0)


def test_counts():
    assert counts("Du bor här. Trivs du med personalen?") == Counts(7, 2, 1)
    assert counts("") == Counts(0, 0, 0)
    assert counts("Hej") == Counts(1, 1, 0)  # no full stop: still one sentence


def test_lix_of_texts_reads_the_texts_as_one():
    texts = ["Tycker du om din personal här?", "Trivs du?"]
    # 8 words, 2 sentences, 1 long word: 8/2 + 100/8
    assert lix_of_texts(texts) == pytest.approx(4 + 12.5)
    # … not the mean of each text's LIX
    assert lix_of_texts(texts) != pytest.approx((lix(texts[0]) + lix(texts[1])) / 2)
    # A text without a sentence end still counts as its own sentence.
    assert lix_of_texts(["Du bor här", "Trivs du"]) == pytest.approx(5 / 2)
    assert lix_of_texts([]) == 0.0
