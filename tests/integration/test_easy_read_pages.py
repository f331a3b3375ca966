"""Easy-read and accessibility details of the respondent pages: the information pages lead
back to the survey (a kiosk has no browser Back), "Större text" stays on the thank-you,
refusal and information pages, and the free-text question says who may read the text."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask

from survey import create_app
from survey.clock import local_today
from survey.models import db
from survey.settings import Settings
from tests.conftest import make_settings
from tests.factories import make_invited

INFORMATION_PAGES = ("/tillganglighet", "/om-bilderna")
#: Links the information pages have to other sites, on purpose.
OUTSIDE = {
    "https://creativecommons.org/licenses/by-sa/4.0/",
    "https://www.digg.se/tdosanmalan",
    "#main",
}


def links(html: str) -> dict[str, str]:
    """Link text (without tags) → href."""
    found = {}
    for href, inner in re.findall(r'<a [^>]*href="([^"]*)"[^>]*>(.*?)</a>', html, re.S):
        found[" ".join(unescape(re.sub(r"<[^>]+>", " ", inner)).split())] = unescape(href)
    return found


def is_large(html: str) -> bool:
    return re.search(r'<html [^>]*class="text-large"', html) is not None


def back_link(client, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200
    return links(page.get_data(as_text=True))["Tillbaka till enkäten"]


def test_footer_links_lead_back_to_the_question(client, db_session):
    setup = make_invited(db_session)
    question = f"/r/{setup.token}/q/DV_RADD"
    footer = links(client.get(question).get_data(as_text=True))
    for name in ("Tillgänglighet", "Om bilderna"):
        assert parse_qs(urlsplit(footer[name]).query) == {"tillbaka": [question]}
        assert back_link(client, footer[name]) == question


def test_way_back_keeps_the_review_return_and_survives_the_other_information_page(
    client, db_session
):
    setup = make_invited(db_session)
    question = f"/r/{setup.token}/q/DV_RADD?from=review"
    footer = links(client.get(question).get_data(as_text=True))
    about = links(client.get(footer["Om bilderna"]).get_data(as_text=True))
    assert about["Tillbaka till enkäten"] == question
    assert back_link(client, about["Tillgänglighet"]) == question


def test_without_a_way_back_the_link_goes_to_code_entry(client, db_session):
    for page in INFORMATION_PAGES:
        assert back_link(client, page) == "/"


@pytest.mark.parametrize(
    "hostile",
    [
        "https://evil.example/r/x",
        "//evil.example/r/abc",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
        "/%2F%2Fevil.example",
        " /r/abc",
        "/r/abc\n",
        "/kod",  # POST only
        "/static/css/respond.css",
        "/tillganglighet?tillbaka=//evil.example",
        "/r/abc/q/DV_RADD?from=https://evil.example&lang=en",
        "/" + "r" * 400,
    ],
)
def test_a_hostile_way_back_falls_back_to_code_entry(client, db_session, hostile):
    for page in INFORMATION_PAGES:
        response = client.get(page, query_string={"tillbaka": hostile})
        found = links(response.get_data(as_text=True))
        assert found["Tillbaka till enkäten"] in ("/", "/r/abc/q/DV_RADD"), found
        for name in ("Tillgänglighet", "Om bilderna"):
            assert "evil" not in found[name]
        # Every other link stays on this site (the language link keeps the query, which
        # the next page checks again) or is one of the page's own references.
        for href in found.values():
            assert (href.startswith("/") and not href.startswith("//")) or href in OUTSIDE, href


def test_a_way_back_is_rebuilt_without_anything_else_in_its_query(client, db_session):
    setup = make_invited(db_session)
    value = f"/r/{setup.token}/q/DV_RADD?from=review&x=%22%3E%3Cscript%3E&lang=en"
    href = back_link(client, f"/tillganglighet?tillbaka={value.replace('&', '%26')}")
    assert href == f"/r/{setup.token}/q/DV_RADD?from=review"


def submit_as_the_review_page_does(client, token, **start):
    """Start with the given choices, skip every question, send the review page's form."""
    response = client.post(f"/r/{token}", data={"presentation": "text", **start})
    while "/q/" in response.headers.get("Location", ""):
        response = client.post(response.headers["Location"], data={"answer": "hoppa_over"})
    review = client.get(f"/r/{token}/granska").get_data(as_text=True)
    action = unescape(re.search(r'<form method="post" action="([^"]+)"', review).group(1))
    submitted = client.post(action)
    assert submitted.status_code == 302
    return review, submitted


def test_larger_text_is_kept_on_the_thank_you_page(client, db_session):
    setup = make_invited(db_session)
    review, submitted = submit_as_the_review_page_does(client, setup.token, large_text="y")
    assert is_large(review)
    thanks = client.get(submitted.headers["Location"])
    assert thanks.status_code == 200
    assert "Tack för dina svar" in thanks.get_data(as_text=True)
    assert is_large(thanks.get_data(as_text=True))
    # The way back from an information page keeps it too.
    footer = links(thanks.get_data(as_text=True))
    assert is_large(client.get(footer["Tillgänglighet"]).get_data(as_text=True))


def test_thank_you_page_has_normal_text_when_larger_text_was_not_chosen(client, db_session):
    setup = make_invited(db_session)
    _, submitted = submit_as_the_review_page_does(client, setup.token)
    assert not is_large(client.get(submitted.headers["Location"]).get_data(as_text=True))


def test_larger_text_is_kept_on_refusal_pages(client, db_session):
    setup = make_invited(db_session)
    client.post(f"/r/{setup.token}", data={"presentation": "pictures", "large_text": "y"})
    unknown = client.get(f"/r/{setup.token}/q/NO_SUCH_QUESTION")
    assert unknown.status_code == 404
    assert is_large(unknown.get_data(as_text=True))
    refused = client.post(f"/r/{setup.token}/q/DV_RADD", data={"answer": "kanske"})
    assert refused.status_code == 400
    assert is_large(refused.get_data(as_text=True))
    setup.round_.closes_on = local_today() - timedelta(days=1)
    db_session.commit()
    closed = client.get(f"/r/{setup.token}/q/DV_RADD")
    assert closed.status_code == 410
    assert is_large(closed.get_data(as_text=True))


def test_refusal_pages_of_someone_without_larger_text_stay_normal(client, db_session):
    setup = make_invited(db_session)
    page = client.get(f"/r/{setup.token}/q/NO_SUCH_QUESTION")
    assert page.status_code == 404
    assert not is_large(page.get_data(as_text=True))
    assert not is_large(client.get(f"/r/{'x' * 43}").get_data(as_text=True))


@pytest.mark.parametrize(
    ("lang", "says"),
    [
        ("sv", "Chefen kan få läsa det du skriver. Skriv inte ditt namn."),
        ("en", "The manager may read what you write. Do not write your name."),
    ],
)
def test_free_text_says_who_may_read_it(client, db_session, lang, says):
    setup = make_invited(db_session)
    html = client.get(f"/r/{setup.token}/q/BG_FRITEXT?lang={lang}").get_data(as_text=True)
    said = re.search(r'<p [^>]*id="text-readers"[^>]*>([^<]*)</p>', html)
    assert said is not None
    assert said.group(1) == says
    textarea = re.search(r"<textarea [^>]*>", html).group(0)
    assert re.search(r'aria-describedby="[^"]*\btext-readers\b', textarea)


def text_of(html: str) -> str:
    main = re.search(r"<main[^>]*>(.*)</main>", html, re.S).group(1)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", main)).split())


@pytest.fixture
def municipal_app(database_url: str, app: Flask) -> Iterator[Flask]:
    # `app` first: it has run the migrations on this database.
    configured = create_app(
        make_settings(
            database_url,
            accessibility_contact="Testkommunen, tillganglighet@testkommunen.se, 0123-45 67 89",
            accessibility_reviewed_on=date(2027, 3, 15),
        )
    )
    yield configured
    with configured.app_context():
        db.engine.dispose()


def test_accessibility_statement_shows_the_municipality_contact_and_dates(municipal_app):
    client = municipal_app.test_client()
    sv = text_of(client.get("/tillganglighet").get_data(as_text=True))
    assert "Kontakt: Testkommunen, tillganglighet@testkommunen.se, 0123-45 67 89" in sv
    assert "Vi skrev redogörelsen den 1 december 2026." in sv
    assert "Den granskades senast den 15 mars 2027." in sv
    en = text_of(client.get("/tillganglighet?lang=en").get_data(as_text=True))
    assert "Contact: Testkommunen, tillganglighet@testkommunen.se" in en
    assert "It was last checked on March 15, 2027." in en


def test_accessibility_statement_is_honest_and_follows_diggs_model(client, db_session):
    html = client.get("/tillganglighet").get_data(as_text=True)
    sv = text_of(html)
    # Not a claim of full conformance: "delvis förenlig", with the known gaps listed.
    assert "uppfyller" not in sv.lower()
    assert "vi följer lagen" not in sv.lower()
    assert "delvis förenlig med lagen om tillgänglighet till digital offentlig service" in sv
    for gap in ("svensk röst", "OpenMoji", "skärmläsare", "Sidorna för personal"):
        assert gap in sv, gap
    for method in ("axe-core", "Chromium", "tangentbord", "pekskärm"):
        assert method in sv, method
    assert links(html)["Anmäl ett problem med tillgänglighet till Digg"] == (
        "https://www.digg.se/tdosanmalan"
    )
    # Without a configured contact the page still says whom to tell, and when it was written.
    assert "Kontakt:" not in sv
    assert "berätta för personalen som gav dig enkäten" in sv
    assert re.search(r"Vi skrev redogörelsen den \d+ \w+ \d{4}\.", sv)
    assert re.search(r"Den granskades senast den \d+ \w+ \d{4}\.", sv)


def test_english_accessibility_statement_claims_no_conformance(client, db_session):
    # (one language per test: the test's app context keeps the first request's locale)
    en = text_of(client.get("/tillganglighet?lang=en").get_data(as_text=True)).lower()
    for claim in ("meets", "fully compliant", "conforms", "complies"):
        assert claim not in en, claim
    assert "partly compliant" in en


def test_accessibility_settings_come_from_the_environment(tmp_path):
    settings = Settings.from_env(
        tmp_path,
        {
            "SECRET_KEY": "x",
            "ACCESSIBILITY_CONTACT": "  Kommunen, 010-123 45 67 ",
            "ACCESSIBILITY_REVIEWED_ON": "2027-01-31",
        },
    )
    assert settings.accessibility_contact == "Kommunen, 010-123 45 67"
    assert settings.accessibility_reviewed_on == date(2027, 1, 31)
    assert Settings.from_env(tmp_path, {"SECRET_KEY": "x"}).accessibility_reviewed_on is None
    with pytest.raises(ValueError, match="Invalid isoformat"):
        Settings.from_env(tmp_path, {"SECRET_KEY": "x", "ACCESSIBILITY_REVIEWED_ON": "31/1/27"})
