"""Entering returned paper forms in Chromium with the keyboard only (CSRF on): after signing
in, every step — the code, a near miss, one key per answer, the read-back, "Spara", the
next form — is typed with page.keyboard, never a click. Then axe on every new paper page,
Swedish and English."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from survey.domain.question_banks import load_bank
from survey.models import Invitation, SurveyResponse
from survey.operations.invitations import issue_invitation
from tests.browser.conftest import new_context
from tests.factories import STAFF_PASSWORD, make_round, make_staff, make_unit

pytestmark = pytest.mark.browser

AXE = Axe()


def assert_accessible(page: Page, what: str) -> None:
    results = AXE.run(page)
    assert results.violations_count == 0, f"{what}:\n{results.generate_report()}"


def sign_in(page: Page, live_server: str, lang: str = "sv") -> None:
    page.goto(f"{live_server}/personal/logga-in?lang={lang}")
    page.fill("#email", "anna@example.se")
    page.fill("#password", STAFF_PASSWORD)
    with page.expect_navigation():
        page.locator("form.form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/personal/(\?.*)?$"))


def focused(page: Page) -> str:
    return page.evaluate(
        "document.activeElement && (document.activeElement.id || document.activeElement.tagName)"
    )


def focus_is_visible(page: Page) -> bool:
    return page.evaluate("document.activeElement.matches(':focus-visible')")


@pytest.fixture
def paper_world(db_session):
    unit = make_unit(db_session, "Förvaltningen/Enhet 1/Växtverket")
    round_ = make_round(db_session, units=[unit], code="DV-KEYS")
    first = issue_invitation(db_session, round_, unit, gender="kvinna")
    second = issue_invitation(db_session, round_, unit)  # no gender: the form asks it
    db_session.commit()
    make_staff(db_session, grants=[("handlaggare", unit.parent)])
    return round_, first, second


def press_enter_and_wait(page: Page) -> None:
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_two_forms_entered_with_the_keyboard_only(browser, live_server, db_session, paper_world):
    round_, first, second = paper_world
    bank = load_bank(round_.survey_type, round_.bank_version)
    context = new_context(browser, viewport={"width": 1280, "height": 900}, has_touch=False)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server)
    page.goto(f"{live_server}/personal/omgangar/DV-KEYS/pappersenkater/mata-in")

    # Form 1: the code typed in small letters with a dash; the code field has the focus.
    assert focused(page) == "code"
    page.keyboard.type(f"{first.short_code[:4].lower()}-{first.short_code[4:].lower()}")
    press_enter_and_wait(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Skriv in svaren"))
    assert focused(page) == "k-DV_RADD"
    assert focus_is_visible(page)
    # One key per question; the script moves on after each key. The list gave a gender,
    # so the questions end with who answered and who helped.
    for question in bank.questions:
        assert focused(page) == f"k-{question.code}"
        page.keyboard.type("1")
    expect(page.locator("#k-DV_RADD-echo")).to_have_text("Aldrig")
    assert focused(page) == "k-BG_VEM"
    page.keyboard.type("2")  # med hjälp
    assert focused(page) == "k-BG_HJALPARE"
    page.keyboard.type("3")  # någon jag känner
    assert focused(page) == "free_text"
    page.keyboard.type("Bra ställe")
    page.keyboard.press("Tab")
    assert focused(page) == "BUTTON"
    press_enter_and_wait(page)

    # The read-back, then "Spara" (it has the focus).
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile("Kontrollera svaren innan du sparar")
    )
    readback = page.locator("table.readback")
    expect(readback).to_contain_text("Är du rädd för något på din dagliga verksamhet?")
    expect(readback.locator("tr", has_text="rädd för något")).to_contain_text("Aldrig")
    expect(readback.locator("tr", has_text="hjälpte dig")).to_contain_text("Någon jag känner")
    assert focused(page) == "BUTTON"
    press_enter_and_wait(page)
    expect(page.locator(".message-success")).to_contain_text("Sparat. Nästa formulär")
    assert focused(page) == "code"

    # Form 2: the code typed with two neighbours swapped; the suggestion is one Shift+Tab
    # away from the code field, and Enter takes it.
    code = second.short_code
    swapped = code[:2] + code[3] + code[2] + code[4:]
    if swapped == code:  # two equal neighbours: one character wrong instead
        swapped = code[:7] + ("A" if code[7] != "A" else "C")
    page.keyboard.type(swapped)
    press_enter_and_wait(page)
    shown = f"{code[:4]}-{code[4:]}"
    suggestion = page.get_by_role("button", name=f"Menade du {shown}?")
    expect(suggestion).to_be_visible()
    assert focused(page) == "code"
    page.keyboard.press("Shift+Tab")
    expect(suggestion).to_be_focused()
    assert focus_is_visible(page)
    press_enter_and_wait(page)
    expect(page.locator(".lead")).to_contain_text(shown)
    # Enter skips a question, "v" is "Jag vet inte", a wrong key stays and says so.
    page.keyboard.press("Enter")  # DV_RADD: no cross
    assert focused(page) == "k-DV_BESTAMMA"
    page.keyboard.type("7")
    expect(page.locator("#k-DV_BESTAMMA-echo")).to_contain_text("Inget svar")
    assert focused(page) == "k-DV_BESTAMMA"
    page.keyboard.type("v")
    expect(page.locator("#k-DV_BESTAMMA-echo")).to_have_text("Jag vet inte")
    for _question in bank.questions[2:]:
        page.keyboard.type("2")
    assert focused(page) == "k-BG_KON"
    page.keyboard.type("2")  # man
    page.keyboard.type("1")  # själv
    page.keyboard.press("Enter")  # no helper
    assert focused(page) == "free_text"
    page.keyboard.press("Tab")
    press_enter_and_wait(page)
    readback = page.locator("table.readback")
    expect(readback.locator("tr", has_text="rädd för något")).to_contain_text("Inget kryss")
    expect(readback.locator("tr", has_text="Får du bestämma")).to_contain_text("Jag vet inte")
    expect(readback.locator("tr", has_text="kvinna eller en man")).to_contain_text("Man")
    press_enter_and_wait(page)
    expect(page.locator(".message-success")).to_contain_text("Sparat")
    assert errors == []
    context.close()

    db_session.rollback()
    assert db_session.scalar(select(func.count()).select_from(SurveyResponse)) == 2
    statuses = db_session.scalars(select(Invitation.status)).all()
    assert sorted(statuses) == ["submitted", "submitted"]
    genders = sorted(db_session.scalars(select(SurveyResponse.gender)).all())
    assert genders == ["kvinna", "man"]


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_axe_finds_no_violations_on_the_paper_pages(
    browser, live_server, db_session, paper_world, lang
):
    _round, first, second = paper_world
    context = new_context(browser, viewport={"width": 1280, "height": 900}, has_touch=False)
    page = context.new_page()
    sign_in(page, live_server, lang)
    base = f"{live_server}/personal/omgangar/DV-KEYS/pappersenkater"
    for path in ("/utskrift", "/mata-in", ""):
        page.goto(base + path)
        assert_accessible(page, path)
    # A code typed wrong, with a suggestion.
    code = second.short_code
    page.goto(base + "/mata-in")
    page.fill("#code", code[:7] + ("A" if code[7] != "A" else "C"))
    with page.expect_navigation():
        page.locator("form.form button[type=submit]").first.click()
    expect(page.locator(".message-error")).to_be_visible()
    assert_accessible(page, "entry: a code typed wrong")
    # The answers, then the answers with bad keys (the server's messages).
    page.goto(base + "/mata-in")
    page.fill("#code", first.short_code)
    with page.expect_navigation():
        page.locator("form.form button[type=submit]").first.click()
    assert_accessible(page, "answers")
    page.evaluate(
        "document.getElementById('k-DV_RADD').value = '9';"
        "document.getElementById('k-DV_TRIVS').value = 'q';"
    )
    with page.expect_navigation():
        page.locator("form.key-form button[type=submit]").click()
    expect(page.locator("#error-summary")).to_be_visible()
    assert focused(page) == "k-DV_RADD"
    assert_accessible(page, "answers with bad keys")
    page.evaluate(
        "document.getElementById('k-DV_RADD').value = '1';"
        "document.getElementById('k-DV_TRIVS').value = '';"
    )
    with page.expect_navigation():
        page.locator("form.key-form button[type=submit]").click()
    assert_accessible(page, "read-back")
    # A form without a code.
    page.goto(base + "/mata-in")
    with page.expect_navigation():
        page.locator("form.form button[type=submit]").nth(1).click()
    assert_accessible(page, "answers of a form without a code")
    context.close()
