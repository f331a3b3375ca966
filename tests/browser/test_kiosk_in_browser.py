"""Kiosk mode in Chromium, CSRF on: a stödperson starts the unit's tablet as a kiosk; two
brukare answer in a row; the second cannot reach the first's answers by Back, the history
or an address; an untouched survey asks "Är du kvar?" before it goes back; axe (with AAA
contrast on the brukare's pages) on every kiosk page in Swedish and English."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import func, select

from survey.models import Answer, DraftAnswer, Invitation, SurveyResponse
from tests.browser.conftest import new_context
from tests.browser.test_survey_in_browser import assert_accessible, tap
from tests.factories import STAFF_PASSWORD, make_round, make_staff, make_unit
from tests.integration.test_kiosk import add_unused

pytestmark = pytest.mark.browser

FIRST = "DV_RADD"
STAFF_AXE = Axe()  # staff pages: WCAG 2.x A and AA


def staff_accessible(page: Page, what: str) -> None:
    results = STAFF_AXE.run(page)
    assert results.violations_count == 0, f"{what}:\n{results.generate_report()}"


def kiosk_world(db_session, unused: int = 3):
    unit = make_unit(db_session, "Förvaltningen/Enhet 1/Växtverket")
    round_ = make_round(db_session, units=[unit], code="DV-KIOSK")
    db_session.commit()
    add_unused(db_session, round_, unit, unused)
    make_staff(db_session, "stod@example.se", grants=[("stodperson", unit.parent)])
    return round_, unit


def start_the_kiosk(page: Page, live_server: str, *, lang: str = "sv", check=None) -> None:
    page.goto(f"{live_server}/personal/kiosk?lang={lang}")
    expect(page).to_have_url(re.compile(r"/personal/logga-in"))
    page.fill("#email", "stod@example.se")
    page.fill("#password", STAFF_PASSWORD)
    with page.expect_navigation():
        page.locator("form.form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/personal/kiosk"))
    if check:
        check(page, "staff kiosk page")
    with page.expect_navigation():
        page.locator("form.form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/kiosk$"))


def token_in(url: str) -> str:
    return re.search(r"/r/([A-Za-z0-9_\-]+)", url).group(1)


def nothing_of(page: Page, what: str) -> None:
    """No chosen answer and no list of answers on the page."""
    expect(page.locator("button.selected"), what).to_have_count(0)
    expect(page.locator("[aria-pressed=true]"), what).to_have_count(0)
    expect(page.locator("input:checked:not([name=presentation])"), what).to_have_count(0)
    expect(page.locator(".review-list"), what).to_have_count(0)


def fresh_count(db_session, query) -> int:
    db_session.rollback()
    return db_session.scalar(query)


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_two_brukare_in_a_row_and_the_second_cannot_reach_the_first(
    browser: Browser, live_server, db_session, javascript
):
    kiosk_world(db_session)
    context = new_context(browser, java_script_enabled=javascript)
    page = context.new_page()
    page.set_default_timeout(10_000)
    check = assert_accessible if javascript else None
    start_the_kiosk(page, live_server, check=staff_accessible if javascript else None)
    expect(page.get_by_role("heading", level=1)).to_have_text("Nästa person")
    expect(page.locator("#surveys-left")).to_have_text("3 oanvända inbjudningar kvar.")
    if check:
        check(page, "kiosk start")
    # The staff sign-in is gone from this tablet.
    staff = context.new_page()
    staff.goto(f"{live_server}/personal/")
    expect(staff).to_have_url(re.compile(r"/personal/logga-in"))
    staff.close()

    # Person 1 answers "Ofta" and sends in.
    first_visited: list[str] = []

    def visited(frame) -> None:
        first_visited.append(frame.url)

    page.on("framenavigated", visited)
    tap(page, page.get_by_role("button", name="Börja", exact=True))
    first = token_in(page.url)
    code = db_session.scalar(select(Invitation.short_code).where(Invitation.token == first))
    db_session.rollback()
    expect(page.locator("#resume-code")).to_contain_text(f"{code[:4]}-{code[4:]}")
    if check:
        check(page, "kiosk survey start")
    tap(page, page.get_by_role("button", name="Börja", exact=True))
    tap(page, page.get_by_role("button", name="Ofta", exact=True))
    page.goto(f"{live_server}/r/{first}/granska")  # the rest skipped: straight to the review
    expect(page.locator(".review-list")).to_contain_text("Ofta")
    tap(page, page.get_by_role("button", name="Skicka in mina svar"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tack")
    expect(page.locator("#kiosk-done")).to_have_text("Klar")
    if check:
        check(page, "kiosk thanks")
    tap(page, page.locator("#kiosk-done"))
    page.remove_listener("framenavigated", visited)
    expect(page).to_have_url(re.compile(r"/kiosk$"))
    expect(page.locator("#surveys-left")).to_have_text("2 oanvända inbjudningar kvar.")

    # Person 2 begins.
    tap(page, page.get_by_role("button", name="Börja", exact=True))
    second = token_in(page.url)
    assert second != first
    tap(page, page.get_by_role("button", name="Börja", exact=True))
    expect(page.locator(".progress-label")).to_contain_text("Fråga 1 av")
    nothing_of(page, "person 2's first question")
    here = page.url
    # Person 2's session cannot post into person 1's survey (with person 2's CSRF token).
    csrf = page.locator("input[name=csrf_token]").first.get_attribute("value")
    posted = page.request.post(
        f"{live_server}/r/{first}/q/{FIRST}",
        form={"answer": "aldrig", "csrf_token": csrf, "lang": "sv"},
        max_redirects=0,
    )
    assert posted.status == 403  # not open here: nothing saved
    assert fresh_count(db_session, select(func.count()).select_from(SurveyResponse)) == 1
    assert fresh_count(db_session, select(func.count()).select_from(Answer)) == 1
    assert fresh_count(db_session, select(Answer.value)) == "ofta"
    assert fresh_count(db_session, select(func.count()).select_from(DraftAnswer)) == 0

    # Back, as far as it goes: nothing of person 1's.
    for _ in range(12):
        before = page.url
        page.go_back()
        if page.url in (before, "about:blank"):
            break
        nothing_of(page, f"back to {page.url}")
    # Every address person 1 saw, typed again.
    for url in dict.fromkeys(first_visited):
        if "/r/" not in url:
            continue
        page.goto(url)
        nothing_of(page, url)
    for url in (f"/r/{first}/q/{FIRST}", f"/r/{first}/granska", f"/r/{first}"):
        page.goto(live_server + url)
        nothing_of(page, url)
    if check:
        check(page, "someone else's survey on the kiosk")
    # Person 2's survey is still theirs. Without JavaScript, Back reached the kiosk start,
    # which ends a turn: the code on their start page goes on with it.
    if not javascript:
        second_code = fresh_count(
            db_session, select(Invitation.short_code).where(Invitation.token == second)
        )
        db_session.rollback()
        page.goto(f"{live_server}/")
        page.fill("#code", second_code)
        tap(page, "form button[type=submit]")
    page.goto(here)
    tap(page, page.get_by_role("button", name="Aldrig", exact=True))
    assert fresh_count(db_session, select(DraftAnswer.value)) == "aldrig"
    context.close()


def test_an_untouched_kiosk_survey_asks_first_then_goes_back_and_keeps_the_answers(
    browser: Browser, live_server, db_session
):
    kiosk_world(db_session)
    context = new_context(browser)
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.clock.install()
    start_the_kiosk(page, live_server)
    tap(page, page.get_by_role("button", name="Börja", exact=True))
    token = token_in(page.url)
    tap(page, page.get_by_role("button", name="Börja", exact=True))
    tap(page, page.get_by_role("button", name="Ofta", exact=True))
    dialog = page.locator("#kiosk-idle")
    expect(dialog).to_be_hidden()
    page.clock.run_for("04:29")  # 5 minutes untouched: the question comes 30 s before
    expect(dialog).to_be_hidden()
    page.clock.run_for("00:02")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading")).to_have_text("Är du kvar?")
    expect(page.locator("#kiosk-still-here")).to_be_focused()
    assert_accessible(page, "are you still there")
    page.locator("#kiosk-still-here").tap()
    expect(dialog).to_be_hidden()
    page.clock.run_for("01:00")  # the wait started again: still here
    assert "/q/" in page.url
    page.clock.run_for("03:31")
    expect(dialog).to_be_visible()
    with page.expect_navigation():
        page.clock.run_for("00:31")
    expect(page).to_have_url(re.compile(r"/kiosk$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Nästa person")
    db_session.rollback()
    status = db_session.scalar(select(Invitation.status).where(Invitation.token == token))
    assert status == "started"
    assert db_session.scalar(select(DraftAnswer.value)) == "ofta"
    db_session.rollback()
    for url in (f"/r/{token}/q/{FIRST}", f"/r/{token}/granska"):  # "Ofta" is saved there
        page.goto(live_server + url)
        nothing_of(page, f"{url} after going back")
    # The thank-you page goes back by itself.
    page.goto(f"{live_server}/kiosk")
    tap(page, page.get_by_role("button", name="Börja", exact=True))
    second = token_in(page.url)
    page.goto(f"{live_server}/r/{second}/granska")
    tap(page, page.get_by_role("button", name="Skicka in mina svar"))
    with page.expect_navigation():
        page.clock.run_for("00:26")
    expect(page).to_have_url(re.compile(r"/kiosk$"))
    assert errors == []
    context.close()


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_axe_on_every_kiosk_page(browser: Browser, live_server, db_session, lang):
    kiosk_world(db_session, unused=1)
    context = new_context(browser)
    page = context.new_page()
    page.set_default_timeout(10_000)
    start_the_kiosk(page, live_server, lang=lang, check=staff_accessible)
    page.goto(f"{live_server}/kiosk?lang={lang}")
    assert_accessible(page, "kiosk start")
    page.goto(f"{live_server}/kiosk/avsluta")
    assert_accessible(page, "end the kiosk?")
    page.goto(f"{live_server}/kiosk?lang={lang}")
    tap(page, page.locator("button.kiosk-begin"))
    page.goto(f"{live_server}/kiosk?lang={lang}")
    assert_accessible(page, "none left")
    expect(page.locator("#none-left h1")).to_have_text(
        "Det finns inga fler enkäter här" if lang == "sv" else "There are no more surveys here"
    )
    page.goto(f"{live_server}/kiosk/avsluta")
    with page.expect_navigation():
        page.locator("#kiosk-end").tap()
    expect(page).to_have_url(re.compile(r"/personal/logga-in"))
    page.goto(f"{live_server}/kiosk")
    assert_accessible(page, "kiosk not on")
    # The staff side in the chosen language: the page, adding invitations, the list.
    make_staff(db_session, "hand@example.se", grants=[("handlaggare", None)])
    page.goto(f"{live_server}/personal/kiosk?lang={lang}")
    page.fill("#email", "hand@example.se")
    page.fill("#password", STAFF_PASSWORD)
    with page.expect_navigation():
        page.locator("form.form button[type=submit]").click()
    staff_accessible(page, "staff kiosk page, none running")
    page.goto(f"{live_server}/personal/omgangar/DV-KIOSK/inbjudningar/kiosk")
    staff_accessible(page, "add invitations for kiosks")
    page.fill("#count", "501")
    with page.expect_navigation():
        page.locator("form.form button[type=submit]").click()
    staff_accessible(page, "add invitations, refused")
    page.fill("#count", "2")
    with page.expect_navigation():
        page.locator("form.form button[type=submit]").click()
    staff_accessible(page, "add invitations, added")
    context.close()
