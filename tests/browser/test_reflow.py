"""Reflow (WCAG 1.4.10): no respondent page scrolls sideways at 320 CSS px, nor at 200 % zoom
on the tablet (820 px at 200 % is a 410 px viewport), with and without "Större text".

One browser context walks every respondent page; each page is measured at both widths and
both text sizes without reloading (a viewport change or a class re-lays the page out).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page

from survey.clock import local_today
from tests.browser.conftest import new_context
from tests.factories import INSATS_FOR, make_invited, make_unit

pytestmark = pytest.mark.browser

NARROW = {"width": 320, "height": 640}
TABLET_AT_200_PERCENT = {"width": 410, "height": 590}

# Every visible element box and every line of text must end inside the viewport; the
# document must be no wider than it. Off-screen and 1-px visually hidden helpers are skipped.
MEASURE = """() => {
  const root = document.documentElement;
  const pageHas = root.classList.contains('text-large');
  const describe = (el) => {
    const classes = typeof el.className === 'string' ? el.className.trim() : '';
    return el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
      (classes ? '.' + classes.split(/\\s+/).join('.') : '');
  };
  const hidden = (rect) => rect.width <= 1 || rect.height <= 1 || rect.right <= 0;
  const measure = () => {
    const width = root.clientWidth;
    const out = [];
    if (root.scrollWidth > width) out.push(`document is ${root.scrollWidth}px wide`);
    for (const el of document.body.querySelectorAll('*')) {
      const rect = el.getBoundingClientRect();
      if (hidden(rect)) continue;
      if (rect.right > width + 0.5) out.push(`${describe(el)} ends at ${Math.round(rect.right)}px`);
    }
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.textContent.trim()) continue;
      const parent = node.parentElement;
      if (hidden(parent.getBoundingClientRect())) continue;
      if (parent.closest('.visually-hidden, .sr-status')) continue;
      range.selectNodeContents(node);
      for (const rect of range.getClientRects()) {
        if (hidden(rect)) continue;
        if (rect.right > width + 0.5) {
          const words = node.textContent.trim().slice(0, 40);
          out.push(`text "${words}" ends at ${Math.round(rect.right)}px`);
          break;
        }
      }
    }
    return out;
  };
  const found = {};
  const fontSizes = [];
  for (const large of [false, true]) {
    root.classList.toggle('text-large', large);
    fontSizes.push(parseFloat(getComputedStyle(root).fontSize));
    found[large ? 'larger text' : 'normal text'] = measure();
  }
  root.classList.toggle('text-large', pageHas);
  return {found, fontSizes};
}"""


class ReflowCheck:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.pages: list[str] = []
        self.problems: list[str] = []

    def measure(self, what: str) -> None:
        """The current page at both widths, each with normal text and with "Större text"."""
        self.pages.append(what)
        for size in (NARROW, TABLET_AT_200_PERCENT):
            self.page.set_viewport_size(size)
            measured = self.page.evaluate(MEASURE)
            normal, large = measured["fontSizes"]
            assert large > normal, f"{what}: the text-large class no longer makes text larger"
            for text_size, found in measured["found"].items():
                if found:
                    self.problems.append(
                        f"{what} at {size['width']} px, {text_size}: " + "; ".join(found[:4])
                    )

    def visit(self, url: str, what: str) -> None:
        self.page.goto(url)
        self.measure(what)


def walk_survey(check: ReflowCheck, base: str, name: str, *, large_text: bool) -> None:
    """Start page, every question on the path (helper question included), review, thanks."""
    page = check.page
    check.visit(base, f"{name}: start")
    if large_text:
        page.locator("input[name=large_text]").check()
    with page.expect_navigation():
        page.locator("form button.primary").click()
    seen = 0
    while "/q/" in page.url:
        code = page.url.rsplit("/", 1)[-1]
        check.measure(f"{name}: question {code}")
        if page.locator("textarea").count():
            page.fill("textarea", "Det är bra här. " * 10)
            target = page.locator("button[value=text]")
        elif page.locator("button[value=med_hjalp]").count():
            target = page.locator("button[value=med_hjalp]")  # so the helper question shows
        else:
            target = page.locator("button.answer").first
        with page.expect_navigation():
            target.click()
        seen += 1
        assert seen < 40
    check.measure(f"{name}: review")
    page.goto(f"{base}/q/{code}")
    check.measure(f"{name}: question with an answer chosen")
    page.goto(f"{base}/granska")
    with page.expect_navigation():
        page.locator("form button.primary").click()
    check.measure(f"{name}: thanks")
    check.visit(base, f"{name}: already answered")


def test_no_respondent_page_scrolls_sideways(browser, live_server, db_session):
    today = local_today()
    surveys = {
        survey_type: make_invited(
            db_session,
            survey_type=survey_type,
            gender=None,
            units=[make_unit(db_session, f"Förvaltningen/Reflow/{survey_type}", insats)],
        )
        for survey_type, insats in INSATS_FOR.items()
    }
    closed = make_invited(
        db_session,
        code="CLOSED",
        opens_on=today - timedelta(days=20),
        closes_on=today - timedelta(days=1),
        units=[make_unit(db_session, "Förvaltningen/Reflow/Stängd", "daglig_verksamhet")],
    )
    not_open = make_invited(
        db_session,
        code="LATER",
        opens_on=today + timedelta(days=5),
        closes_on=today + timedelta(days=20),
        units=[make_unit(db_session, "Förvaltningen/Reflow/Senare", "daglig_verksamhet")],
    )
    context = new_context(browser)
    page = context.new_page()
    page.set_default_timeout(10_000)
    check = ReflowCheck(page)
    try:
        for lang in ("sv", "en"):
            check.visit(f"{live_server}/?lang={lang}", f"{lang}: code entry")
            page.fill("#code", "WRONG-123")
            with page.expect_navigation():
                page.locator("form button[type=submit]").click()
            check.measure(f"{lang}: code entry with error")
            check.visit(f"{live_server}/om-bilderna", f"{lang}: about the pictures")
            check.visit(f"{live_server}/tillganglighet", f"{lang}: accessibility statement")
            check.visit(f"{live_server}/r/{'x' * 43}", f"{lang}: unknown link (404)")
            check.visit(f"{live_server}/finns-inte", f"{lang}: unknown page (404)")
            check.visit(f"{live_server}/r/{closed.token}", f"{lang}: closed round (410)")
            check.visit(f"{live_server}/r/{not_open.token}", f"{lang}: round not open (403)")
            check.visit(
                f"{live_server}/r/{closed.token.replace(closed.token[0], 'y', 1)}",
                f"{lang}: mistyped link",
            )
        page.goto(f"{live_server}/?lang=sv")
        for survey_type, setup in surveys.items():
            walk_survey(
                check,
                f"{live_server}/r/{setup.token}",
                survey_type,
                large_text=survey_type == "bo",
            )
        check.visit(f"{live_server}/r/{surveys['dv'].token}/q/DV_RADD", "question after submit")
    finally:
        context.close()
    assert len(check.pages) > 50, check.pages
    assert check.problems == [], "\n".join(check.problems)
