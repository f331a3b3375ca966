"""A person finishing the survey on a tablet, by touch and by keyboard; axe on every page."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from survey.domain.tokens import format_code
from survey.models import Invitation, SurveyResponse
from tests.browser.conftest import new_context
from tests.factories import make_invited

pytestmark = pytest.mark.browser

AXE = Axe()
# Default rules (WCAG 2.x A/AA and best practice) plus AAA contrast (SPEC §3: ≥ 7:1).
AXE_OPTIONS = {"rules": {"color-contrast-enhanced": {"enabled": True}}}


def assert_accessible(page: Page, what: str) -> None:
    results = AXE.run(page, options=AXE_OPTIONS)
    assert results.violations_count == 0, f"{what}:\n{results.generate_report()}"


def tap(page: Page, target) -> None:
    """Tap something that submits or follows a link, and wait for the next page."""
    locator = page.locator(target) if isinstance(target, str) else target
    with page.expect_navigation():
        locator.tap()


def press(page: Page, key: str) -> None:
    with page.expect_navigation():
        page.keyboard.press(key)


def short_code(db_session, setup) -> str:
    code = db_session.get(Invitation, setup.invitation.invitation_id).short_code
    db_session.rollback()  # end the read, so this test holds no snapshot while the app writes
    return format_code(code)


def responses(db_session) -> int:
    db_session.rollback()  # a fresh snapshot: see what the server committed
    return db_session.scalar(select(func.count()).select_from(SurveyResponse))


def test_finish_survey_by_touch(page: Page, live_server, db_session):
    setup = make_invited(db_session, gender=None)
    page.goto(f"{live_server}/")
    page.tap("#code")
    page.keyboard.type(short_code(db_session, setup).lower())
    tap(page, page.get_by_role("button", name="Börja"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Vad tycker du om")
    tap(page, page.get_by_role("button", name="Börja"))
    seen = 0
    while "/q/" in page.url:
        expect(page.locator(".progress-label")).to_contain_text(f"Fråga {seen + 1} av")
        if page.locator("textarea").count():
            page.tap("textarea")
            page.keyboard.type("Det är bra här.")
            tap(page, page.get_by_role("button", name="Spara och fortsätt"))
        else:
            tap(page, page.locator("button.answer").first)
        seen += 1
        assert seen < 30
    expect(page.get_by_role("heading", level=1)).to_have_text("Dina svar")
    tap(page, page.get_by_role("button", name="Skicka in mina svar"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tack")
    assert responses(db_session) == 1
    assert page.js_errors == []


def focus_and_press(page: Page, selector: str, key: str = "Enter") -> None:
    """Tab until `selector` has focus (proving it is reachable by keyboard), then press."""
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement?.matches(s) ?? false", selector):
            if key == "Enter":
                press(page, key)
            else:
                page.keyboard.press(key)
            return
    raise AssertionError(f"{selector} cannot be reached with Tab")


def test_finish_survey_by_keyboard_only(page: Page, live_server, db_session):
    setup = make_invited(db_session, gender="kvinna")
    page.goto(f"{live_server}/")
    focus_and_press(page, "#code", key="Tab")
    page.keyboard.press("Shift+Tab")
    page.keyboard.type(short_code(db_session, setup))
    press(page, "Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Vad tycker du om")
    focus_and_press(page, "input[name=large_text]", key="Space")
    focus_and_press(page, "button.primary")
    expect(page.locator("html")).to_have_class("text-large")
    while "/q/" in page.url:
        if page.locator("textarea").count():
            focus_and_press(page, "button[value=hoppa_over]")
        else:
            focus_and_press(page, "button.answer")
    focus_and_press(page, "button.primary")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tack")
    assert responses(db_session) == 1


def test_back_button_and_reload_lose_nothing_without_javascript(browser, live_server, db_session):
    # With JavaScript the survey keeps one entry in the Back history (test_shared_tablet.py).
    setup = make_invited(db_session)
    context = new_context(browser, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/r/{setup.token}")
    tap(page, page.get_by_role("button", name="Börja"))
    tap(page, page.get_by_role("button", name="Aldrig", exact=True))
    page.go_back()
    page.reload()
    expect(page.locator("button.answer.selected")).to_contain_text("Aldrig")
    tap(page, page.get_by_role("button", name="Ofta", exact=True))
    page.go_back()
    page.reload()
    expect(page.locator("button.answer.selected")).to_contain_text("Ofta")
    page.go_forward()
    tap(page, page.get_by_role("link", name="Tillbaka"))
    expect(page.locator("button.answer.selected")).to_contain_text("Ofta")
    context.close()


def test_read_aloud_says_so_when_the_device_has_no_voice(page: Page, live_server, db_session):
    setup = make_invited(db_session)
    page.goto(f"{live_server}/r/{setup.token}/q/DV_RADD")
    listen = page.locator("button.listen").first
    expect(listen).to_be_visible()
    listen.tap()
    expect(listen).to_contain_text("kan inte läsa upp")
    expect(page.locator("#speech-status")).to_contain_text("kan inte läsa upp")
    assert page.js_errors == []


def test_voice_picker_prefers_swedish(page: Page, live_server, db_session):
    make_invited(db_session)
    page.goto(f"{live_server}/")
    picked = page.evaluate(
        """() => {
          const voices = [
            {name: "en", lang: "en-US", localService: true},
            {name: "fi", lang: "fi-FI", localService: true},
            {name: "sv-remote", lang: "sv-SE", localService: false},
            {name: "sv-local", lang: "sv_SE", localService: true},
          ];
          const pick = window.BrukarenkatSpeech.pickVoice;
          return [pick(voices, "sv")?.name, pick(voices.slice(0, 3), "sv")?.name,
                  pick(voices.slice(0, 2), "sv"), pick([{name: "sv", lang: "sv"}], "sv").name,
                  pick(voices, "en")?.name];
        }"""
    )
    assert picked == ["sv-local", "sv-remote", None, "sv", "en"]


def test_survey_works_without_javascript(browser, live_server, db_session):
    setup = make_invited(db_session)
    context = new_context(browser, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/r/{setup.token}")
    tap(page, page.get_by_role("button", name="Börja"))
    expect(page.locator("button.listen").first).to_be_hidden()
    tap(page, page.get_by_role("button", name="Aldrig", exact=True))
    expect(page.locator(".progress-label")).to_contain_text("Fråga 2 av")
    context.close()


def test_touch_targets_are_at_least_48_px(page: Page, live_server, db_session):
    setup = make_invited(db_session)
    page.goto(f"{live_server}/r/{setup.token}/q/DV_RADD")
    small = page.evaluate(
        """() => [...document.querySelectorAll('main button, main a, main input')]
              .filter(el => el.offsetParent !== null)
              .map(el => [el.textContent.trim() || el.name, el.getBoundingClientRect()])
              .filter(([, r]) => r.width < 48 || r.height < 48)
              .map(([name]) => name)"""
    )
    assert small == []


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_axe_finds_no_violations_on_any_respondent_page(page: Page, live_server, db_session, lang):
    setup = make_invited(db_session, gender=None)
    base = f"{live_server}/r/{setup.token}"
    page.goto(f"{live_server}/?lang={lang}")
    assert_accessible(page, "code entry")
    page.fill("#code", "WRONG-123")
    tap(page, "form button[type=submit]")
    assert_accessible(page, "code entry with error")
    page.goto(base)
    assert_accessible(page, "start")
    page.goto(f"{base}/q/DV_RADD")
    assert_accessible(page, "question with pictures")
    tap(page, "button.answer >> nth=0")
    page.goto(f"{base}/q/DV_RADD")
    assert_accessible(page, "question with an answer chosen")
    page.goto(f"{base}/q/BG_FRITEXT")
    assert_accessible(page, "free-text question")
    page.goto(base)
    page.locator("input[value=text]").check()
    page.locator("input[name=large_text]").check()
    tap(page, "button.primary")
    assert_accessible(page, "question, text only and large text")
    page.goto(f"{base}/granska")
    assert_accessible(page, "review")
    tap(page, "button.primary")
    assert_accessible(page, "thanks")
    page.goto(base)
    assert_accessible(page, "already answered")
    page.goto(f"{live_server}/r/{'x' * 43}")
    assert_accessible(page, "unknown token (404)")
    page.goto(f"{live_server}/om-bilderna")
    assert_accessible(page, "about the pictures")
    page.goto(f"{live_server}/tillganglighet")
    assert_accessible(page, "accessibility statement")
