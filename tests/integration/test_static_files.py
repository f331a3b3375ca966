"""Bytes on the wire: hashed immutable static files, compression, inline page pictograms."""

from __future__ import annotations

import gzip
import re

import pytest
from flask import url_for

from survey import create_app
from survey.models import db
from survey.static_files import SHARED_PICTOGRAMS
from tests.factories import make_invited

GZIP = {"Accept-Encoding": "gzip"}
YEAR = 365 * 24 * 60 * 60


def fetch(client, url: str, headers: dict[str, str] | None = None):
    """GET and read the whole body, closing the file WhiteNoise opened."""
    response = client.get(url, headers=headers or {})
    response.get_data()
    response.close()
    return response


def directives(header: str) -> dict[str, str]:
    found = {}
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        found[name.lower()] = value
    return found


def linked(html: str, pattern: str) -> list[str]:
    return re.findall(pattern, html)


def stylesheet_url(client) -> str:
    (url,) = linked(client.get("/").get_data(as_text=True), r'rel="stylesheet" href="([^"]+)"')
    return url


def first_question_page(client, db_session) -> str:
    setup = make_invited(db_session)
    started = client.post(f"/r/{setup.token}", data={"presentation": "pictures"})
    return client.get(started.headers["Location"]).get_data(as_text=True)


def test_pages_link_content_hashed_names(client, db_session):
    html = client.get("/").get_data(as_text=True)
    assert re.search(r'href="/static/css/respond\.[0-9a-f]{12}\.css"', html)
    assert re.search(r'src="/static/js/read_aloud\.[0-9a-f]{12}\.js"', html)
    assert "/static/css/respond.css" not in html


def test_hashed_file_is_cached_for_a_year_and_immutable(client, db_session):
    response = fetch(client, stylesheet_url(client))
    assert response.status_code == 200
    assert response.mimetype == "text/css"
    cache = directives(response.headers["Cache-Control"])
    assert cache.keys() >= {"public", "max-age", "immutable"}
    assert int(cache["max-age"]) == YEAR
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_static_file_is_gzipped_when_the_browser_accepts_it(client, db_session):
    url = stylesheet_url(client)
    plain = fetch(client, url).get_data()
    response = fetch(client, url, GZIP)
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert gzip.decompress(response.get_data()) == plain
    assert len(response.get_data()) < len(plain) / 2


def test_static_file_is_brotli_when_the_browser_accepts_it(client, db_session):
    response = fetch(client, stylesheet_url(client), {"Accept-Encoding": "gzip, br"})
    assert response.headers["Content-Encoding"] == "br"


def test_no_compression_without_accept_encoding(client, db_session):
    for url in (stylesheet_url(client), "/"):
        response = fetch(client, url)
        assert "Content-Encoding" not in response.headers, url
        assert "Accept-Encoding" in response.headers["Vary"], url


def test_html_page_is_gzipped_when_the_browser_accepts_it(client, db_session):
    setup = make_invited(db_session)
    response = client.get(f"/r/{setup.token}", headers=GZIP)
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert "Testkommunen" in gzip.decompress(response.get_data()).decode()


def test_unknown_static_file_is_not_found(client, db_session):
    for path in ("/static/css/nothing.css", "/static/css/nothing.0123456789ab.css"):
        assert fetch(client, path).status_code == 404, path


def test_old_hashed_name_of_a_known_file_leads_to_todays_name(client, db_session):
    current = stylesheet_url(client)
    response = client.get("/static/css/respond.0123456789ab.css")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(current)
    assert "immutable" not in response.headers.get("Cache-Control", "")


def test_plain_name_still_works_but_is_revalidated(client, db_session):
    response = fetch(client, "/static/css/respond.css")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.get_data() == fetch(client, stylesheet_url(client)).get_data()


def test_question_page_inlines_its_own_pictogram_and_links_the_shared_ones(client, db_session):
    html = first_question_page(client, db_session)
    sources = linked(html, r'<img[^>]*src="([^"]+)"')
    inline = [src for src in sources if src.startswith("data:image/svg+xml,")]
    linked_files = {
        re.sub(r"\.[0-9a-f]{12}\.svg$", "", src.rsplit("/", 1)[1])
        for src in sources
        if src.startswith("/static/")
    }
    assert len(inline) == 1, "the question's own picture is in the page"
    assert linked_files <= SHARED_PICTOGRAMS
    assert {"listen", "face_happy", "skip", "back"} <= linked_files
    assert all(re.search(r"\.[0-9a-f]{12}\.svg$", src) for src in sources if "/static/" in src)


@pytest.mark.parametrize("name", sorted(SHARED_PICTOGRAMS))
def test_every_shared_pictogram_is_served(client, db_session, name):
    with client.application.test_request_context():
        url = url_for("static", filename=f"pictograms/{name}.svg")
    response = fetch(client, url, GZIP)
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert "immutable" in response.headers["Cache-Control"]


def test_debug_mode_serves_files_as_they_are(monkeypatch, settings):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    app = create_app(settings)
    try:
        client = app.test_client()
        html = client.get("/").get_data(as_text=True)
        assert 'href="/static/css/respond.css"' in html
        response = fetch(client, "/static/css/respond.css")
        assert response.status_code == 200
        assert "immutable" not in response.headers["Cache-Control"]
    finally:
        with app.app_context():
            db.engine.dispose()
