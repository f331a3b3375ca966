"""On a kiosk tablet there is no browser Back: the information pages lead back by touch."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.factories import make_invited

pytestmark = pytest.mark.browser


def test_information_pages_lead_back_to_the_question(page: Page, live_server, db_session):
    setup = make_invited(db_session)
    question = f"{live_server}/r/{setup.token}/q/DV_RADD"
    page.goto(question)
    for name in ("Tillgänglighet", "Om bilderna"):
        with page.expect_navigation():
            page.get_by_role("link", name=name).tap()
        back = page.get_by_role("link", name="Tillbaka till enkäten").first
        expect(back).to_be_visible()
        with page.expect_navigation():
            back.tap()
        assert page.url == question
        expect(page.locator(".progress-label")).to_contain_text("Fråga 1 av")
