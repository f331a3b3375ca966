"""A shared tablet in real Chromium: the Back history, the back/forward cache, double taps,
a dropped network and a lost session cookie (static/js/survey.js and the server's guards)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Error, Page, expect
from sqlalchemy import select
from werkzeug.serving import make_server

from survey import create_app
from survey.clock import local_today
from survey.models import DraftAnswer
from survey.operations.responses import record_answer
from survey.queries.respondent import load_respondent
from tests.browser.conftest import new_context
from tests.browser.test_survey_in_browser import assert_accessible, short_code, tap
from tests.conftest import make_settings
from tests.factories import make_invited

pytestmark = pytest.mark.browser

FIRST, SECOND = "DV_RADD", "DV_BESTAMMA"
PENDING = "brukarenkat.pending."


def serve(database_url: str, **overrides: object) -> Iterator[str]:
    served = create_app(make_settings(database_url, **overrides))
    server = make_server("127.0.0.1", 0, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    with served.app_context():
        from survey.models import db

        db.engine.dispose()


@pytest.fixture(scope="module")
def guarded_server(database_url: str, app) -> Iterator[str]:
    """The app as deployed: CSRF on and the double-tap guard at 0.5 s (the shared test
    server has both off). `app` first: it has run the migrations."""
    yield from serve(database_url, csrf_enabled=True, answer_min_seconds=0.5)


@pytest.fixture(scope="module")
def long_lock_server(database_url: str, app) -> Iterator[str]:
    """A lock far longer than a loaded test machine takes to load a page and tap."""
    yield from serve(database_url, answer_min_seconds=5.0)


def drafts(db_session) -> dict[str, str | None]:
    db_session.rollback()  # a fresh snapshot: see what the server committed
    return dict(db_session.execute(select(DraftAnswer.question_code, DraftAnswer.value)).all())


def answer_all_but_the_last(db_session, token: str) -> None:
    today = local_today()
    while True:
        respondent = load_respondent(db_session, token)
        code = respondent.path.first_unanswered()
        if respondent.path.next_code(code) is None:
            break
        question = respondent.path.find(code)
        value = question.scale.option_codes()[0] if question.scale else None
        record_answer(db_session, respondent, question_code=code, value=value, today=today)
        db_session.commit()
    db_session.rollback()


def shows_no_answers(page: Page) -> None:
    where = page.url
    expect(page.locator(".review-list"), where).to_have_count(0)
    expect(page.locator("button.selected"), where).to_have_count(0)


def walk_back(page: Page, check) -> list[str]:
    """Press Back until the history ends, checking every page on the way."""
    seen = []
    for _ in range(10):
        before = page.url
        page.go_back()
        if page.url in (before, "about:blank"):
            break
        seen.append(page.url)
        check(page)
    return seen


def open_form(page: Page) -> None:
    """Wait until the question accepts taps (the double-tap lock has opened)."""
    expect(page.locator("form[data-answer-form]")).to_have_attribute("data-answers", "open")


# --- no-store and the back/forward cache --------------------------------------------------


def test_every_respondent_page_is_sent_no_store_and_static_files_are_not(
    page: Page, live_server, db_session
):
    setup = make_invited(db_session)
    base = f"{live_server}/r/{setup.token}"
    static: list[str] = []
    page.on(
        "response",
        lambda r: (
            static.append(r.headers.get("cache-control", "")) if "/static/" in r.url else None
        ),
    )
    for address in (
        f"{live_server}/",
        f"{live_server}/?slutat=sv",
        base,
        f"{base}/q/{FIRST}",
        f"{base}/granska",
        f"{live_server}/r/{'x' * 43}",
        f"{live_server}/om-bilderna",
        f"{live_server}/tillganglighet",
    ):
        response = page.goto(address)
        assert response.headers.get("cache-control") == "no-store", address
    assert static
    assert not any("no-store" in value for value in static)


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_back_after_submit_never_shows_the_review_page_or_any_answer(
    browser: Browser, live_server, db_session, javascript
):
    setup = make_invited(db_session)
    answer_all_but_the_last(db_session, setup.token)
    context = new_context(browser, java_script_enabled=javascript)
    page = context.new_page()
    page.goto(f"{live_server}/")
    page.fill("#code", short_code(db_session, setup))
    tap(page, "form button[type=submit]")
    tap(page, "button.primary")  # "Fortsätt": to the one question left
    tap(page, "button[value=hoppa_over]")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dina svar")
    expect(page.locator(".review-answer strong").first).not_to_have_text("Inget svar än")
    tap(page, "button.primary")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tack")
    seen = walk_back(page, shows_no_answers)
    if javascript:  # the survey was one entry in the history, and it is the thank-you page
        assert not [url for url in seen if "/r/" in url]
    context.close()


def test_a_page_restored_from_the_back_forward_cache_is_reloaded(
    page: Page, live_server, db_session
):
    setup = make_invited(db_session)
    page.goto(f"{live_server}/r/{setup.token}/q/{FIRST}")
    page.evaluate("window.notReloaded = true")
    with page.expect_navigation():
        page.evaluate(
            "window.dispatchEvent(new PageTransitionEvent('pageshow', {persisted: true}))"
        )
    assert page.evaluate("window.notReloaded") is None
    assert page.url.endswith(f"/q/{FIRST}")


# --- "Sluta nu" -------------------------------------------------------------------------


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_stop_now_leaves_the_survey_and_back_does_not_show_it(
    browser: Browser, live_server, db_session, javascript
):
    setup = make_invited(db_session)
    context = new_context(browser, java_script_enabled=javascript)
    page = context.new_page()
    page.goto(f"{live_server}/?lang=en")
    page.fill("#code", short_code(db_session, setup))
    tap(page, "form button[type=submit]")
    tap(page, page.get_by_role("button", name="Start"))
    tap(page, page.get_by_role("button", name="Never", exact=True))
    expect(page.locator(".progress-label")).to_contain_text("Question 2 of")
    tap(page, page.get_by_role("button", name="Stop now"))
    expect(page.locator("#stopped")).to_have_text(
        "You have stopped. Your answers are saved. You can go on another time with the same code."
    )
    assert "/r/" not in page.url
    if javascript:  # axe runs as a script
        assert_accessible(page, "stopped")
    assert drafts(db_session) == {FIRST: "aldrig"}
    # The language was the stopped person's: the next person gets Swedish.
    other = context.new_page()
    other.goto(f"{live_server}/")
    expect(other.locator("html")).to_have_attribute("lang", "sv")
    other.close()

    def not_the_survey(back: Page) -> None:
        shows_no_answers(back)
        if javascript:
            assert "/r/" not in back.url

    walk_back(page, not_the_survey)
    context.close()


# --- double tap -------------------------------------------------------------------------


def test_a_double_tap_answers_only_the_question_on_screen(
    browser: Browser, guarded_server, db_session
):
    # Without JavaScript the server's guard does this (tests/integration/test_shared_tablet.py):
    # whether a plain form's second tap lands on the next page at all is up to the browser.
    setup = make_invited(db_session)
    context = new_context(browser)
    page = context.new_page()
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.goto(f"{guarded_server}/r/{setup.token}/q/{FIRST}")
    open_form(page)
    box = page.get_by_role("button", name="Aldrig", exact=True).bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.touchscreen.tap(x, y)
    page.wait_for_timeout(100)  # the second tap of a double tap, not a wait for the app
    page.touchscreen.tap(x, y)
    expect(page.locator(".progress-label")).to_contain_text("Fråga 2 av")
    expect(page.get_by_role("heading", level=1)).not_to_contain_text("rädd")
    open_form(page)  # the moment a second tap could have come has passed
    assert posts == [f"{guarded_server}/r/{setup.token}/q/{FIRST}"]
    assert drafts(db_session) == {FIRST: "aldrig"}
    expect(page.locator("button.selected")).to_have_count(0)
    context.close()


def test_a_tap_in_the_first_moment_after_a_question_shows_is_ignored(
    browser: Browser, long_lock_server, db_session
):
    setup = make_invited(db_session)
    context = new_context(browser)
    page = context.new_page()
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.goto(f"{long_lock_server}/r/{setup.token}/q/{FIRST}")
    form = page.locator("form[data-answer-form]")
    expect(form).to_have_attribute("data-answers", "locked")
    page.get_by_role("button", name="Aldrig", exact=True).tap()
    assert posts == []
    expect(form).to_have_attribute("data-answers", "open", timeout=10_000)
    tap(page, page.get_by_role("button", name="Aldrig", exact=True))
    assert len(posts) == 1
    assert drafts(db_session) == {FIRST: "aldrig"}
    context.close()


def test_a_form_is_sent_once_while_its_answer_is_on_the_way(page: Page, live_server, db_session):
    setup = make_invited(db_session)
    held = []
    page.route(
        "**/q/*",
        lambda route: held.append(route) if route.request.method == "POST" else route.continue_(),
    )
    page.goto(f"{live_server}/r/{setup.token}/q/{FIRST}")
    page.get_by_role("button", name="Aldrig", exact=True).tap()
    page.get_by_role("button", name="Ibland", exact=True).tap()
    page.wait_for_function("() => document.querySelector('form[data-sending]') !== null")
    assert len(held) == 1
    with page.expect_navigation():
        held[0].continue_()
    assert drafts(db_session) == {FIRST: "aldrig"}


# --- a dropped network ------------------------------------------------------------------


def pending(page: Page) -> list[str]:
    return page.evaluate(f"Object.keys(localStorage).filter(k => k.startsWith('{PENDING}'))")


def test_an_answer_tapped_offline_waits_on_the_tablet_and_arrives(
    page: Page, context, live_server, db_session
):
    setup = make_invited(db_session)
    question = f"{live_server}/r/{setup.token}/q/{FIRST}"
    page.goto(question)
    banner = page.locator("#offline-banner")
    expect(banner).to_be_hidden()

    context.set_offline(True)
    page.get_by_role("button", name="Aldrig", exact=True).tap()
    expect(banner).to_have_text(
        "Surfplattan har inget internet just nu. Ditt svar är sparat på surfplattan. "
        "Vi skickar det när internet kommer tillbaka."
    )
    assert page.url == question
    expect(page.locator(".progress-label")).to_contain_text("Fråga 1 av")
    assert drafts(db_session) == {}
    assert pending(page) == [PENDING + setup.token]
    assert_accessible(page, "offline banner")

    context.set_offline(False)  # the online event (or the next retry) sends it
    expect(page.locator(".progress-label")).to_contain_text("Fråga 2 av", timeout=20_000)
    assert drafts(db_session) == {FIRST: "aldrig"}
    assert pending(page) == []
    expect(banner).to_be_hidden()
    assert page.js_errors == []


def test_a_reload_while_an_answer_waits_keeps_it(page: Page, context, live_server, db_session):
    setup = make_invited(db_session)
    page.goto(f"{live_server}/r/{setup.token}/q/{SECOND}")
    context.set_offline(True)
    page.get_by_role("button", name="Ja", exact=True).tap()
    expect(page.locator("#offline-banner")).to_contain_text("inget internet")
    with pytest.raises(Error):
        page.reload()  # offline: the browser's own error page
    context.set_offline(False)
    page.reload()  # the question again, and the waiting answer goes (or the next retry; a
    # retry backs off up to 30 s, and a CI machine running two suites is slow)
    expect(page.locator(".progress-label")).to_contain_text("Fråga 3 av", timeout=45_000)
    assert drafts(db_session) == {SECOND: "ja"}
    assert pending(page) == []


# --- a lost session cookie ----------------------------------------------------------------


def test_after_a_lost_cookie_the_question_comes_back_and_one_more_tap_saves(
    browser: Browser, guarded_server, db_session
):
    setup = make_invited(db_session)
    context = new_context(browser)
    page = context.new_page()
    page.goto(f"{guarded_server}/r/{setup.token}?lang=en")
    tap(page, page.get_by_role("button", name="Start"))
    open_form(page)
    context.clear_cookies()  # the tablet's browser was restarted
    page.get_by_role("button", name="Never", exact=True).tap()
    expect(page.locator("#not-saved")).to_have_text(
        "Your answer was not saved. Please answer again."
    )
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".progress-label")).to_contain_text("Question 1 of")
    assert drafts(db_session) == {}
    expect(page.locator("button.listen").first).to_be_visible()  # read-aloud set up again
    assert_accessible(page, "question shown again after a lost cookie")

    open_form(page)
    tap(page, page.get_by_role("button", name="Never", exact=True))
    expect(page.locator(".progress-label")).to_contain_text("Question 2 of")
    assert drafts(db_session) == {FIRST: "aldrig"}
    context.close()
