import math

import pytest

from survey.domain.tokens import (
    CODE_ALPHABET,
    CODE_LENGTH,
    format_code,
    looks_like_token,
    new_short_code,
    new_token,
    normalise_code,
)

LOOK_ALIKES = "0OQD1ILJ2Z5S8BUV"


def test_token_has_at_least_128_bits():
    token = new_token()
    # URL-safe base64: 6 bits a character.
    assert len(token) * 6 >= 128
    assert looks_like_token(token)


def test_tokens_do_not_repeat():
    assert len({new_token() for _ in range(1000)}) == 1000


def test_short_code_has_no_look_alike_characters():
    assert not set(LOOK_ALIKES) & set(CODE_ALPHABET)
    for _ in range(200):
        code = new_short_code()
        assert len(code) == CODE_LENGTH
        assert set(code) <= set(CODE_ALPHABET)


def test_short_code_space_is_large_enough_for_rate_limited_guessing():
    assert math.log2(len(CODE_ALPHABET) ** CODE_LENGTH) > 34


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("ACEF-GHKM", "ACEFGHKM"),
        ("acef ghkm", "ACEFGHKM"),
        ("  AcEf–gHkM ", "ACEFGHKM"),
        ("ACEFGHK", None),
        ("ACEFGHKMN", None),
        ("ACEF-GHK0", None),
        ("", None),
        ("<script>", None),
    ],
)
def test_normalise_code(typed, expected):
    assert normalise_code(typed) == expected


def test_format_code_groups_in_fours():
    assert format_code("ACEFGHKM") == "ACEF-GHKM"


@pytest.mark.parametrize("value", ["", "short", "a" * 65, "abc/def" * 5, "ä" * 30])
def test_looks_like_token_rejects_junk(value):
    assert not looks_like_token(value)


def test_bulk_short_codes_use_the_alphabet_and_normalise():
    from survey.domain.tokens import CODE_ALPHABET, CODE_LENGTH, new_short_codes, normalise_code

    codes = new_short_codes(2000)
    assert len(codes) == 2000
    assert len(set(codes)) > 1990
    assert all(len(c) == CODE_LENGTH and set(c) <= set(CODE_ALPHABET) for c in codes)
    assert all(normalise_code(c) == c for c in codes)
    # Every position takes every character (no digit of the base conversion is stuck).
    assert all({c[i] for c in codes} == set(CODE_ALPHABET) for i in range(CODE_LENGTH))
