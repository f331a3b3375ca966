"""Import messages: every error code and refusal has a Swedish and an English text."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from survey.domain.tabular import RowError, UploadRefused
from survey.staff.import_messages import describe, describe_refusal

ROW_CODES = [
    "formula", "missing_unit", "unknown_unit", "ambiguous_unit", "unit_not_in_round",
    "unknown_gender", "unknown_bestallare", "bad_email", "duplicate_email", "duplicate_person",
    "text_too_long", "bad_option", "unknown_code", "code_already_answered", "code_withdrawn",
    "code_other_round", "duplicate_code", "unit_mismatch", "free_text_not_asked",
    "missing_path", "bad_path", "unknown_insats", "bad_tree", "insats_on_bestallare",
    "conflicting_path",
]  # fmt: skip
REFUSALS = [
    "too_large", "wrong_type", "macros", "zip_bomb", "empty", "too_many_rows",
    "missing_columns", "duplicate_columns", "unknown_question_column", "round_closed",
]  # fmt: skip
PARAMS = {
    "rows": [3, 7],
    "paths": ["A/B", "C/B"],
    "allowed": ["ja", "nej"],
    "limit": 200,
    "code": "ACEF-GHKM",
    "code_unit": "F/E/Ateljén",
}


@pytest.mark.parametrize("code", ROW_CODES)
def test_every_row_error_is_translated(app, code):
    error = RowError(4, "Enhet", code, "Växtverk", PARAMS)
    with app.test_request_context():
        with force_locale("en"):
            english = describe(error)
        with force_locale("sv"):
            swedish = describe(error)
    assert english != swedish
    fallback = describe_fallback(app)
    assert english != fallback
    for text in (*english, *swedish):
        assert text
        assert "%(" not in text


def describe_fallback(app):  # type: ignore[no-untyped-def]
    with app.test_request_context(), force_locale("en"):
        return describe(RowError(1, "", "no_such_code", "x"))


def test_swedish_wording_names_the_value(app):
    with app.test_request_context(), force_locale("sv"):
        problem, fix = describe(RowError(3, "Enhet", "unknown_unit", "Växtverk"))
        assert problem == "Enheten »Växtverk« finns inte i omgången."
        assert fix == "Skriv enhetens hela sökväg eller namnet som det står på sidan Organisation."
        assert describe(RowError(3, "E-post", "duplicate_email", "a@b.se", {"rows": [5]}))[0] == (
            "E-postadressen a@b.se finns också på rad 5."
        )


@pytest.mark.parametrize("code", REFUSALS)
def test_every_refusal_is_translated(app, code):
    refused = UploadRefused(code, limit_mb=5, limit=100000, columns=["unit"], round="DV-1")
    with app.test_request_context():
        with force_locale("en"):
            english = describe_refusal(refused)
        with force_locale("sv"):
            swedish = describe_refusal(refused)
    assert english != swedish
    assert "%(" not in english
    assert "%(" not in swedish
    with app.test_request_context(), force_locale("en"):
        assert english != describe_refusal(UploadRefused("no_such_code"))
    if code == "missing_columns":
        assert "enhet" in swedish
