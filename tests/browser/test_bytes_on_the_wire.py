"""After the first question page, the next one costs the tablet one request: the page itself."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from playwright.sync_api import Page, expect
from werkzeug.serving import make_server

from tests.factories import make_invited

pytestmark = pytest.mark.browser

AXE_OPTIONS = {"rules": {"color-contrast-enhanced": {"enabled": True}}}


class RequestLog:
    """WSGI middleware: every request that reached the server, as "METHOD /path"."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.seen: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        with self._lock:
            self.seen.append(f"{environ['REQUEST_METHOD']} {environ.get('PATH_INFO', '')}")
        return self.app(environ, start_response)

    def take(self) -> list[str]:
        with self._lock:
            seen, self.seen = self.seen, []
        return seen


@pytest.fixture(scope="module")
def counted_server(app: Flask) -> Iterator[tuple[str, RequestLog]]:
    log = RequestLog(app)
    server = make_server("127.0.0.1", 0, log, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", log
    server.shutdown()
    thread.join(timeout=5)


def images_shown(page: Page) -> list[tuple[str, int]]:
    return page.eval_on_selector_all(
        "img", "els => els.map(e => [e.getAttribute('src').slice(0, 40), e.naturalWidth])"
    )


def test_second_question_page_costs_one_request(page: Page, counted_server, db_session):
    server, log = counted_server
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    setup = make_invited(db_session)
    page.goto(f"{server}/r/{setup.token}")
    with page.expect_navigation():
        page.get_by_role("button", name="Börja").tap()
    expect(page.locator(".progress-label")).to_contain_text("Fråga 1 av")
    page.wait_for_load_state("load")
    first_visit = log.take()
    assert len(first_visit) > 3, first_visit  # the stylesheet, the script, shared pictograms

    with page.expect_navigation():
        page.locator("button.answer").first.tap()
    expect(page.locator(".progress-label")).to_contain_text("Fråga 2 av")
    page.wait_for_load_state("load")
    answer_and_next = log.take()

    methods = [line.split(" ", 1)[0] for line in answer_and_next]
    assert methods == ["POST", "GET"], answer_and_next  # the answer, then the next page only
    assert "/q/" in answer_and_next[1]
    shown = images_shown(page)
    assert shown
    assert all(width > 0 for _, width in shown), shown
    assert any(src.startswith("data:image/svg+xml") for src, _ in shown)
    assert page.eval_on_selector_all("img", "els => els.every(e => e.alt === '')")
    assert refused == []
    results = Axe().run(page, options=AXE_OPTIONS)
    assert results.violations_count == 0, results.generate_report()
