"""A round keeps the wording of the bank version it was created with (SPEC §3)."""

from __future__ import annotations

import pytest

from survey.domain.question_banks import latest_version
from tests.factories import make_invited, make_round


@pytest.mark.parametrize("survey_type", ["dv", "bo", "bs"])
def test_a_new_round_asks_the_newest_bank_version(db_session, survey_type):
    round_ = make_round(db_session, survey_type=survey_type)
    assert round_.bank_version == latest_version(survey_type) == "2026.2"


@pytest.mark.parametrize(
    ("version", "lang", "question", "labels"),
    [
        (
            "2026.2",
            "sv",
            "Trivs du på din dagliga verksamhet?",
            ["Alla i personalen", "Ingen i personalen"],
        ),
        (
            "2026.2",
            "en",
            "Do you like it at your daily activity?",
            ["All of the staff", "None of the staff"],
        ),
        ("2026.1", "sv", "Tycker du om att vara på daglig verksamhet?", ["Alla", "Några", "Ingen"]),
        ("2026.1", "en", "Do you like it at your daily activity?", ["All of them", "None of them"]),
    ],
)
def test_pages_show_the_words_of_the_rounds_version(
    client, db_session, version, lang, question, labels
):
    setup = make_invited(db_session)
    setup.round_.bank_version = version  # as an old round stored it
    db_session.commit()
    trivs = client.get(f"/r/{setup.token}/q/DV_TRIVS?lang={lang}").get_data(as_text=True)
    assert question in trivs
    trygg = client.get(f"/r/{setup.token}/q/DV_TRYGG?lang={lang}").get_data(as_text=True)
    for label in labels:
        assert f">{label}<" in trygg, label
    if version == "2026.1":
        assert "i personalen<" not in trygg
        assert "of the staff<" not in trygg
