"""The e-mail's words: easy-read Swedish (LIX ≤ 30) and complete English, the link, the
code, the last day, voluntary and secret, who helps; a neutral subject and sender."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from flask_babel import force_locale

from survey.domain.mail_rules import names_help
from survey.domain.readability import lix, without
from survey.mail.compose import build_message, message_id, outbox_id_of, write_letter

INSATS_NAMES = ("daglig verksamhet", "dagliga verksamhet", "boendestöd", "boende", "boendet")


def _letter(app, kind, survey_type, language, help_contact=""):
    with app.test_request_context("/"), force_locale(language):
        return write_letter(
            kind=kind,
            survey_type=survey_type,
            organiser="Testkommunen",
            help_contact=help_contact,
            closes_on=date(2027, 3, 31),
            token="T" * 43,
            short_code="ACEFGHKM",
            language=language,
        )


@pytest.mark.parametrize("kind", ["invitation", "reminder"])
@pytest.mark.parametrize("survey_type", ["dv", "bo", "bs"])
def test_swedish_is_easy_read(app, kind, survey_type):
    letter = _letter(app, kind, survey_type, "sv")
    words = " ".join(text for k, text in letter.paragraphs if k == "text")
    words = without(words, (*INSATS_NAMES, "Testkommunen"))
    assert lix(words) <= 30, (lix(words), words)
    assert not names_help(letter.subject)


@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize("kind", ["invitation", "reminder"])
def test_every_part_is_there_in_both_languages(app, kind, language):
    letter = _letter(app, kind, "bs", language, help_contact="Ring Bo, 08-1")
    kinds = [k for k, _t in letter.paragraphs]
    assert kinds.count("link") == 1
    assert kinds.count("code") == 1
    text = "\n".join(t for _k, t in letter.paragraphs)
    assert "/r/" + "T" * 43 in text
    assert "ACEF-GHKM" in text
    assert ("31 mars 2027" if language == "sv" else "March 31, 2027") in text
    assert "Ring Bo, 08-1" in text
    if language == "sv":
        assert "Du väljer själv om du vill svara" in text
        assert "Ingen får veta vad just du svarar" in text
    else:
        assert "You decide if you want to answer" in text


def test_without_a_help_contact_the_staff_are_named(app):
    letter = _letter(app, "invitation", "dv", "sv")
    assert any(t == "Vill du ha hjälp? Fråga personalen." for _k, t in letter.paragraphs)


def test_sender_falls_back_when_the_organiser_names_the_insats(app):
    settings = replace(app.extensions["survey.settings"], mail_from="Kommunen <enkat@kommun.se>")
    with app.test_request_context("/"):
        letter = _letter(app, "invitation", "dv", "sv")
        message = build_message(
            letter,
            to="a@example.org",
            outbox_id=7,
            organiser="Dagliga verksamheter Syd",
            settings=settings,
        )
    assert str(message["From"]) == "Kommunen <enkat@kommun.se>"
    assert outbox_id_of(message["Message-ID"]) == 7
    assert message["Message-ID"] == message_id(settings, 7)
    assert message["Message-ID"].endswith("@kommun.se>")
    assert message["Content-Language"] == "sv"
