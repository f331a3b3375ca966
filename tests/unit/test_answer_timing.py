"""The signed render time that tells a double tap from an answer."""

from __future__ import annotations

import pytest

from survey.respond.answer_timing import is_implausibly_fast, seconds_since_shown, sign_shown

SECRET, TOKEN, CODE = "s" * 32, "T" * 43, "DV_RADD"


def test_the_render_time_comes_back_to_the_millisecond():
    signed = sign_shown(SECRET, TOKEN, CODE, 1000.0)
    assert seconds_since_shown(SECRET, TOKEN, CODE, signed, 1000.25) == pytest.approx(0.25)


@pytest.mark.parametrize(
    ("secret", "token", "code"),
    [("other" * 8, TOKEN, CODE), (SECRET, "U" * 43, CODE), (SECRET, TOKEN, "DV_NOJD")],
)
def test_it_is_bound_to_the_secret_the_token_and_the_question(secret, token, code):
    signed = sign_shown(SECRET, TOKEN, CODE, 1000.0)
    assert seconds_since_shown(secret, token, code, signed, 1000.1) is None


@pytest.mark.parametrize("signed", [None, "", "1000", "garbage.value", "W10.xyz"])
def test_a_missing_or_altered_value_is_unknown(signed):
    assert seconds_since_shown(SECRET, TOKEN, CODE, signed, 1000.0) is None


def test_a_tampered_time_is_unknown():
    payload, signature = sign_shown(SECRET, TOKEN, CODE, 1000.0).split(".")
    other_payload = sign_shown(SECRET, TOKEN, CODE, 1.0).split(".")[0]
    assert seconds_since_shown(SECRET, TOKEN, CODE, f"{other_payload}.{signature}", 5.0) is None
    assert payload != other_payload


@pytest.mark.parametrize(
    ("elapsed", "threshold", "fast"),
    [
        (0.1, 0.5, True),
        (0.0, 0.5, True),
        (0.49, 0.5, True),
        (0.5, 0.5, False),
        (3.0, 0.5, False),
        (None, 0.5, False),  # unknown: never discard
        (-2.0, 0.5, False),  # another server's clock ahead: never discard
        (0.0, 0.0, False),  # 0 switches the guard off
    ],
)
def test_only_a_known_time_under_the_threshold_is_too_fast(elapsed, threshold, fast):
    assert is_implausibly_fast(elapsed, threshold) is fast
