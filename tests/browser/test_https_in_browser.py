"""A whole survey over HTTPS, served by the README's gunicorn command, in Chromium.

Only a real browser decides which Referer and Origin it sends, and Flask-WTF refuses an HTTPS
POST without a same-origin Referer: this is the test that catches a Referrer-Policy that
breaks every form.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import func, select

from survey.domain.tokens import format_code
from survey.models import Invitation, SurveyResponse
from tests.browser.conftest import new_context
from tests.factories import make_invited
from tests.live_gunicorn import RunningServer, make_certificate, run_gunicorn

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def tls_server(
    app, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    # `app` first: it has run the migrations on this database.
    directory = tmp_path_factory.mktemp("tls")
    env = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_hex(16),
        "INSTANCE_PATH": str(directory / "instance"),
        "SESSION_COOKIE_SECURE": "1",
        # The test taps as fast as a machine can; the double-tap guard (which re-shows a
        # question answered within 0.5 s) has its own tests in test_shared_tablet.py.
        "ANSWER_MIN_SECONDS": "0",
    }
    with run_gunicorn(
        env, directory / "gunicorn.log", certificate=make_certificate(directory)
    ) as server:
        yield server
    print(server.log())


@pytest.fixture
def tls_page(browser: Browser, db_session) -> Iterator[Page]:
    context = new_context(browser, ignore_https_errors=True)
    page = context.new_page()
    # gunicorn under -n 2 beside the other browser tests on a 2-core machine: be patient.
    page.set_default_timeout(30_000)
    yield page
    context.close()


def tap(page: Page, locator) -> None:
    # Under a loaded CI machine (two suites' browsers and gunicorns on two cores) the page
    # may still be settling: wait until the button can be tapped, then for the navigation.
    expect(locator).to_be_enabled()
    with page.expect_navigation(timeout=60_000):
        locator.tap()


def finish_survey(page: Page) -> None:
    """From the start page to the thank-you page, every answer by one tap."""
    tap(page, page.get_by_role("button", name="Börja"))
    for _ in range(30):
        if "/q/" not in page.url:
            break
        if page.locator("textarea").count():
            page.locator("textarea").fill("Bra.")
            tap(page, page.get_by_role("button", name="Spara och fortsätt"))
        else:
            tap(page, page.locator("button.answer").first)
    expect(page.get_by_role("heading", level=1)).to_have_text("Dina svar")
    tap(page, page.get_by_role("button", name="Skicka in mina svar"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tack")


def responses(db_session) -> int:
    """Submitted surveys. The server runs with production's RESPONSE_BATCH_SIZE, so the
    response itself waits for four more; the invitation is marked at once."""
    db_session.rollback()
    assert db_session.scalar(select(func.count()).select_from(SurveyResponse)) == 0
    return db_session.scalar(
        select(func.count()).select_from(Invitation).where(Invitation.status == "submitted")
    )


def test_whole_survey_over_https_by_code(tls_page: Page, tls_server, db_session):
    setup = make_invited(db_session)
    code = format_code(db_session.get(Invitation, setup.invitation.invitation_id).short_code)
    db_session.rollback()
    tls_page.goto(f"{tls_server.url}/")
    tls_page.fill("#code", code)
    tap(tls_page, tls_page.get_by_role("button", name="Börja"))
    expect(tls_page.get_by_role("heading", level=1)).to_contain_text("Vad tycker du om")
    finish_survey(tls_page)
    assert responses(db_session) == 1

    cookie = next(c for c in tls_page.context.cookies() if c["name"] == "session")
    assert cookie["secure"]
    assert cookie["httpOnly"]


def test_whole_survey_over_https_by_link(tls_page: Page, tls_server, db_session):
    setup = make_invited(db_session)
    seen: list[dict[str, str]] = []
    tls_page.on(
        "response",
        lambda response: (
            seen.append(response.headers) if response.request.method == "GET" else None
        ),
    )
    tls_page.goto(f"{tls_server.url}/r/{setup.token}")
    finish_survey(tls_page)
    assert responses(db_session) == 1
    pages = [headers for headers in seen if headers.get("content-type", "").startswith("text/html")]
    assert pages
    assert all(h.get("strict-transport-security") == "max-age=31536000" for h in pages)
    assert all(h.get("referrer-policy") == "same-origin" for h in pages)


def test_staff_sign_in_and_a_round_over_https(tls_page: Page, tls_server, db_session):
    """Staff forms over TLS under gunicorn's workers: CSRF referrer check, Secure cookie."""
    import pyotp

    from survey.models import Round
    from tests.factories import STAFF_PASSWORD, make_staff, make_unit

    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    make_unit(db_session, "Förvaltningen/Enhet 1/Växtverket")
    db_session.commit()
    make_staff(db_session, "admin@example.se", grants=[("admin", None)], totp_secret=secret)
    db_session.rollback()
    page = tls_page
    page.goto(f"{tls_server.url}/personal/")
    page.fill("#email", "admin@example.se")
    page.fill("#password", STAFF_PASSWORD)
    with page.expect_navigation():
        page.locator("form.form button[type=submit]").click()
    page.fill("#code", pyotp.TOTP(secret).now())
    with page.expect_navigation():
        page.locator("form.form button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Välkommen")
    page.goto(f"{tls_server.url}/personal/omgangar/ny")
    page.fill("#code", "DV-TLS")
    page.get_by_label("Förvaltningen/Enhet 1/Växtverket (Daglig verksamhet)").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Skapa omgången").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("DV-TLS")
    db_session.rollback()
    assert db_session.scalar(select(Round.is_draft).where(Round.code == "DV-TLS")) is True
    cookie = next(c for c in page.context.cookies() if c["name"] == "brukarenkat_personal")
    assert cookie["secure"]
    assert cookie["httpOnly"]
    assert cookie["path"] == "/personal"
    assert cookie["sameSite"] == "Strict"
