"""The keyboard entry of paper forms: one key per answer, and near-miss codes (pure)."""

from __future__ import annotations

import pytest

from survey.domain.paper_entry import (
    BadKey,
    clean_typed_code,
    entry_keys,
    entry_questions,
    near_miss_codes,
    near_miss_kind,
    parse_entry,
    parse_key,
    typed_keys,
)
from survey.domain.question_banks import DONT_KNOW, latest_version, load_bank

BANK = load_bank("dv", latest_version("dv"))
RADD = BANK.find("DV_RADD")  # aio: aldrig, ibland, ofta (+ vet inte)
VALJA = BANK.find("DV_VALJA")  # jn: ja, nej (+ vet inte)
GENDER = BANK.find("BG_KON")
WHO = BANK.find("BG_VEM")


def test_keys_follow_the_scale_order_and_zero_is_dont_know() -> None:
    assert [(k.key, k.value) for k in entry_keys(RADD)] == [
        ("1", "aldrig"),
        ("2", "ibland"),
        ("3", "ofta"),
        ("0", DONT_KNOW),
    ]
    assert [(k.key, k.value) for k in entry_keys(VALJA)] == [
        ("1", "ja"),
        ("2", "nej"),
        ("0", DONT_KNOW),
    ]
    # Background scales have no "Jag vet inte".
    assert [k.key for k in entry_keys(GENDER)] == ["1", "2", "3", "4"]
    assert [k.key for k in entry_keys(WHO)] == ["1", "2", "3"]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1", "aldrig"),
        (" 2 ", "ibland"),
        ("3", "ofta"),
        ("0", DONT_KNOW),
        ("v", DONT_KNOW),
        ("V", DONT_KNOW),
        ("", None),
        ("-", None),
        (None, None),
    ],
)
def test_parse_key(typed, expected) -> None:
    assert parse_key(RADD, typed) == expected


@pytest.mark.parametrize("typed", ["4", "9", "12", "x", "ja", "00"])
def test_a_key_that_is_no_answer_is_refused_with_the_keys_that_are(typed) -> None:
    with pytest.raises(BadKey) as refused:
        parse_key(RADD, typed)
    assert refused.value.allowed == ("1", "2", "3", "0")
    with pytest.raises(BadKey):
        parse_key(VALJA, "3")  # a two-option scale has no 3
    with pytest.raises(BadKey):
        parse_key(GENDER, "0")  # and gender no "vet inte"


def test_typed_keys_is_the_inverse() -> None:
    for key in entry_keys(RADD):
        assert typed_keys(RADD, key.value) == key.key
    assert typed_keys(RADD, None) == ""


def test_entry_questions_in_the_printed_order() -> None:
    codes = [q.code for q in entry_questions(BANK, ask_gender=True)]
    assert codes == [*BANK.codes(), "BG_KON", "BG_VEM", "BG_HJALPARE"]
    assert "BG_KON" not in [q.code for q in entry_questions(BANK, ask_gender=False)]


def test_parse_entry() -> None:
    parsed = parse_entry(
        BANK,
        {
            "DV_RADD": "1",
            "DV_TRIVS": "0",
            "DV_NOJD": "",
            "BG_KON": "2",
            "BG_VEM": "2",
            "BG_HJALPARE": "3",
        },
        ask_gender=True,
    )
    assert parsed.ok
    assert parsed.answers == {"DV_RADD": "aldrig", "DV_TRIVS": DONT_KNOW}
    assert (parsed.gender, parsed.answered_by, parsed.helper) == ("man", "med_hjalp", "kand")


def test_a_helper_without_med_hjalp_is_left_out_as_the_survey_would() -> None:
    parsed = parse_entry(BANK, {"BG_VEM": "1", "BG_HJALPARE": "2"}, ask_gender=False)
    assert parsed.ok
    assert parsed.helper is None
    assert parsed.helper_dropped


def test_every_bad_key_is_reported_and_nothing_else_is_lost() -> None:
    parsed = parse_entry(BANK, {"DV_RADD": "7", "DV_TRIVS": "1", "BG_VEM": "4"}, ask_gender=False)
    assert not parsed.ok
    assert set(parsed.errors) == {"DV_RADD", "BG_VEM"}
    assert parsed.errors["BG_VEM"].allowed == ("1", "2", "3")


def test_gender_is_not_read_when_it_is_not_asked() -> None:
    parsed = parse_entry(BANK, {"BG_KON": "9"}, ask_gender=False)
    assert parsed.ok
    assert parsed.gender is None


CODES = ["ACEFGHKM", "ACEFGHKN", "TWXY3467", "PRTW9CEF", "CCCCCCCC"]


@pytest.mark.parametrize(
    ("typed", "meant", "kind"),
    [
        ("ACEFGHKP", "ACEFGHKM", "one_wrong"),
        ("ACEFGKHM", "ACEFGHKM", "swapped"),
        ("ACEGHKM", "ACEFGHKM", "one_missing"),
        ("ACEFGHHKM", "ACEFGHKM", "one_extra"),
        ("TWXY34G7", "TWXY3467", "look_alike"),  # a 6 read as G
        ("PRTW9OEF", "PRTW9CEF", "look_alike"),  # C written as O
        ("0CCCCCC0", "CCCCCCCC", "look_alike"),  # two look-alikes still one kind of slip
    ],
)
def test_near_miss_kinds(typed, meant, kind) -> None:
    assert near_miss_kind(typed, meant) == kind
    assert meant in near_miss_codes(typed, CODES)


def test_near_misses_are_cleaned_like_codes_and_ranked() -> None:
    assert clean_typed_code(" acef-ghkp ") == "ACEFGHKP"
    # Both ACEFGHKM and ACEFGHKN are one character from ACEFGHKP.
    assert near_miss_codes("acef-ghkp", CODES) == ["ACEFGHKM", "ACEFGHKN"]
    # M read as N is a look-alike: that one first.
    assert near_miss_codes("ACEFGHKN ", ["ACEFGHKM", "ACEFGHKP"])[0] == "ACEFGHKM"


@pytest.mark.parametrize("typed", ["", "ACEF", "ZZZZZZZZ", "ACEFGHKMACEF", "TWXY3476X1"])
def test_nothing_near(typed) -> None:
    assert near_miss_codes(typed, CODES) == []


def test_an_exact_code_is_no_near_miss_and_too_many_guesses_are_none() -> None:
    assert near_miss_kind("ACEFGHKM", "ACEFGHKM") is None
    many = [f"ACEFGHK{c}" for c in "MNPRTWXY"]
    assert near_miss_codes("ACEFGHKA", many) == []
    assert len(near_miss_codes("ACEFGHKA", many[:3])) == 3
