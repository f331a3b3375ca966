"""Chromium (Debian's build, never a downloaded one) driving the app on 127.0.0.1.

One browser per test process; a fresh context per test at tablet size with touch. The live
server runs the app as production does, CSRF protection on, on the same database as the test's
`db_session`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from werkzeug.serving import make_server

from survey import create_app
from survey.models import db
from tests.conftest import make_settings

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TABLET = {"width": 820, "height": 1180}


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: scripts/test.sh installs it")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def live_app(app: Flask, database_url: str) -> Iterator[Flask]:
    # `app` first: it has run the migrations on this database.
    # The rate limit stays off, like the session app's: Flask-Limiter's one `limiter` object
    # takes its on/off switch and storage from the app built last in this process.
    live = create_app(make_settings(database_url, csrf_enabled=True))
    assert live.config["WTF_CSRF_ENABLED"]
    yield live
    with live.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(live_app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def new_context(browser: Browser, **options: object) -> BrowserContext:
    settings: dict[str, object] = {"viewport": TABLET, "has_touch": True, "locale": "sv-SE"}
    settings.update(options)
    return browser.new_context(**settings)  # type: ignore[arg-type]


@pytest.fixture
def context(browser: Browser, db_session) -> Iterator[BrowserContext]:
    context = new_context(browser)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.js_errors = errors  # type: ignore[attr-defined]
    return page
