"""The browser tests run the app as production does: a form without its CSRF token fails."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from survey.models import DraftAnswer
from tests.factories import make_invited

pytestmark = pytest.mark.browser


def test_answer_without_csrf_token_is_refused_in_the_browser(page: Page, live_server, db_session):
    setup = make_invited(db_session)
    page.goto(f"{live_server}/r/{setup.token}/q/DV_RADD")
    page.evaluate("() => document.querySelector('input[name=csrf_token]').remove()")
    page.get_by_role("button", name="Aldrig", exact=True).tap()
    # The question is shown again with a fresh token and an easy message; nothing is saved.
    expect(page.get_by_text("Ditt svar sparades inte. Svara en gång till.")).to_be_visible()
    expect(page.get_by_role("button", name="Aldrig", exact=True)).to_be_visible()
    db_session.rollback()
    assert db_session.scalar(select(func.count()).select_from(DraftAnswer)) == 0
