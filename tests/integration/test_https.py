"""HTTPS as the app sees it: directly (wsgi.url_scheme) and through a trusted proxy.

The browser test (tests/browser/test_https_in_browser.py) proves which Referer Chromium really
sends; these prove the server's side of the bargain with the Flask test client.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import func, select

from survey import create_app
from survey.models import DraftAnswer, db
from survey.operations.organisation import ensure_builtin_insatser
from tests.conftest import empty_tables, make_settings
from tests.factories import make_invited

HTTPS = {"wsgi.url_scheme": "https"}
ORIGIN = "https://localhost"


@pytest.fixture
def make_app(database_url: str, app: Flask) -> Iterator:
    """Apps as production builds them (CSRF on, secure cookie); `app` has migrated the db."""
    built: list[Flask] = []

    def build(**overrides: object) -> Flask:
        values = {"csrf_enabled": True, "session_cookie_secure": True, **overrides}
        built.append(create_app(make_settings(database_url, **values)))
        return built[-1]

    yield build
    for each in built:
        with each.app_context():
            empty_tables()
            db.session.remove()
            db.engine.dispose()


def invited(app: Flask):
    with app.app_context():
        ensure_builtin_insatser(db.session)
        return make_invited(db.session)


def drafts(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(DraftAnswer))


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def test_hsts_and_referrer_policy_over_https(make_app):
    app = make_app()
    client = app.test_client()
    secure = client.get("/", environ_overrides=HTTPS).headers
    assert secure["Strict-Transport-Security"] == "max-age=31536000"
    assert secure["Referrer-Policy"] == "same-origin"
    plain = client.get("/").headers
    assert "Strict-Transport-Security" not in plain  # HSTS over plain HTTP means nothing
    assert plain["Referrer-Policy"] == "same-origin"


def test_session_cookie_is_secure(make_app):
    client = make_app().test_client()
    cookie = client.get("/", environ_overrides=HTTPS).headers["Set-Cookie"]
    assert "Secure" in cookie
    assert "HttpOnly" in cookie


def test_https_answer_needs_a_same_origin_referer(make_app):
    app = make_app()
    setup = invited(app)
    client = app.test_client()
    url = f"/r/{setup.token}/q/DV_RADD"
    page = client.get(url, base_url=ORIGIN)
    token = csrf_token(page.get_data(as_text=True))
    form = {"answer": "aldrig", "csrf_token": token}

    for referer in (None, "https://evil.example/", f"http://localhost{url}"):
        headers = {"Referer": referer} if referer else {}
        refused = client.post(url, data=form, base_url=ORIGIN, headers=headers)
        assert refused.status_code == 400, referer
        # An answer whose CSRF check fails is shown again, nothing saved (a lost cookie looks
        # the same to the server); one more tap from the fresh page saves it.
        assert "Ditt svar sparades inte. Svara en gång till." in refused.get_data(as_text=True)
        assert drafts(app) == 0

    accepted = client.post(url, data=form, base_url=ORIGIN, headers={"Referer": ORIGIN + url})
    assert accepted.status_code == 302
    assert drafts(app) == 1


@pytest.mark.parametrize("token", [None, "forged", "IjAwMDAi.aaaa.bbbb"])
def test_missing_or_forged_csrf_over_https_is_refused_and_writes_nothing(make_app, token):
    app = make_app()
    setup = invited(app)
    client = app.test_client()
    url = f"/r/{setup.token}/q/DV_RADD"
    client.get(url, base_url=ORIGIN)  # a real session cookie: only the token is wrong
    form = {"answer": "aldrig"} | ({"csrf_token": token} if token else {})
    refused = client.post(url, data=form, base_url=ORIGIN, headers={"Referer": ORIGIN + url})
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "Ditt svar sparades inte. Svara en gång till." in html
    assert "Traceback" not in html
    assert drafts(app) == 0


def test_trusted_proxy_reports_https(make_app):
    """Behind one trusted proxy, X-Forwarded-Proto makes the request secure: HSTS and the
    Referer check apply, and the CSRF check compares against the host the proxy reports."""
    app = make_app(trusted_proxy_hops=1)
    setup = invited(app)
    client = app.test_client()
    proxy = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "enkat.example.se"}
    url = f"/r/{setup.token}/q/DV_RADD"
    page = client.get(url, headers=proxy)
    assert page.headers["Strict-Transport-Security"] == "max-age=31536000"
    form = {"answer": "aldrig", "csrf_token": csrf_token(page.get_data(as_text=True))}

    no_referer = client.post(url, data=form, headers=proxy)
    assert no_referer.status_code == 400
    assert drafts(app) == 0
    answered = client.post(
        url, data=form, headers=proxy | {"Referer": f"https://enkat.example.se{url}"}
    )
    assert answered.status_code == 302
    assert drafts(app) == 1


def test_forwarded_headers_are_ignored_without_trusted_proxies(make_app):
    app = make_app()  # TRUSTED_PROXY_HOPS=0: anyone could send these headers
    client = app.test_client()
    response = client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers
