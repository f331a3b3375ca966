from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.factories import make_invited

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("locale", ["sv", "en"])
def test_catalogue_is_complete(locale):
    with (ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalogue = read_po(f)
    missing = [
        m.id
        for m in catalogue
        if m.id and not (m.string if isinstance(m.string, str) else all(m.string))
    ]
    fuzzy = [m.id for m in catalogue if m.id and m.fuzzy]
    assert not missing
    assert not fuzzy


def test_catalogues_cover_the_template():
    with (ROOT / "translations" / "messages.pot").open("rb") as f:
        template = {m.id for m in read_po(f) if m.id}
    with (ROOT / "translations" / "sv" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        swedish = {m.id for m in read_po(f) if m.id}
    assert template <= swedish


@pytest.mark.parametrize(("lang", "expected"), [("sv", "Fråga 1 av"), ("en", "Question 1 of")])
def test_question_page_in_each_language(client, db_session, lang, expected):
    setup = make_invited(db_session)
    html = client.get(f"/r/{setup.token}/q/DV_RADD?lang={lang}").get_data(as_text=True)
    assert f'<html lang="{lang}"' in html
    assert expected in html
    question = {"sv": "Är du rädd", "en": "Are you ever afraid"}[lang]
    assert question in html
