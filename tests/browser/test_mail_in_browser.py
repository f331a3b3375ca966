"""The e-mail page in Chromium, CSRF on, against a real SMTP server on 127.0.0.1: queue the
invitations, send them now, see a refused address with the server's reason, retry it;
axe on every state in Swedish and English."""

from __future__ import annotations

from dataclasses import replace

import pytest
from playwright.sync_api import expect

from survey.operations.invitations import issue_invitation
from tests.browser.conftest import new_context
from tests.browser.test_staff_in_browser import assert_accessible
from tests.factories import STAFF_PASSWORD, make_round, make_staff, make_unit
from tests.support.smtp import smtp_server

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_mail_page_in_a_browser(browser, live_app, live_server, db_session, lang):
    v1 = make_unit(db_session, "Förvaltningen/Enhet 1/Växtverket")
    round_ = make_round(db_session, units=[v1], code="DV-MAIL")
    for address in ("anna@example.org", "okand@example.org"):
        issue_invitation(db_session, round_, v1, email=address)
    db_session.commit()
    make_staff(db_session, "hanna@example.se", grants=[("handlaggare", v1.parent)])
    original = live_app.extensions["survey.settings"]
    refuse = {"okand@example.org": "550 5.1.1 <okand@example.org>: User unknown"}
    with smtp_server(refuse=refuse) as box:
        live_app.extensions["survey.settings"] = replace(
            original,
            mail_backend="smtp",
            smtp_host="127.0.0.1",
            smtp_port=box.port,
            smtp_security="none",
            mail_from="enkat@exempel.se",
        )
        context = new_context(browser, viewport={"width": 1280, "height": 900}, has_touch=False)
        try:
            page = context.new_page()
            page.goto(f"{live_server}/personal/logga-in?lang={lang}")
            page.fill("#email", "hanna@example.se")
            page.fill("#password", STAFF_PASSWORD)
            with page.expect_navigation():
                page.locator("form.form button[type=submit]").click()
            page.goto(f"{live_server}/personal/omgangar/DV-MAIL")
            link = (
                "E-post: inbjudningar och påminnelser"
                if lang == "sv"
                else ("E-mail: invitations and reminders")
            )
            with page.expect_navigation():
                page.get_by_role("link", name=link).click()
            assert_accessible(page, "mail page, nothing sent")
            invite = "Skicka inbjudningar" if lang == "sv" else "Send invitations"
            with page.expect_navigation():
                page.get_by_role("button", name=invite).click()
            assert_accessible(page, "invitations queued")
            with page.expect_navigation():
                page.get_by_role("button", name="Skicka nu" if lang == "sv" else "Send now").click()
            expect(page.locator("main")).to_contain_text("550 5.1.1 <…>: User unknown")
            expect(page.locator("main")).to_contain_text("okand@example.org")
            assert_accessible(page, "sent, one failed")
            assert [str(m["To"]) for m in box.messages] == ["anna@example.org"]
            # The e-mail itself as a mail program shows it: lang, a real link text, contrast.
            html = box.messages[0].get_body(("html",)).get_content()
            letter = context.new_page()
            letter.set_content(html)
            expect(letter.get_by_role("link", name="Öppna frågorna")).to_be_visible()
            assert_accessible(letter, "the e-mail's HTML")
            letter.close()
            retry = "Försök igen" if lang == "sv" else "Try again"
            with page.expect_navigation():
                page.get_by_role("button", name=retry).first.click()
            assert_accessible(page, "retried")
            expect(page.locator("main")).not_to_contain_text("550 5.1.1")
        finally:
            context.close()
            live_app.extensions["survey.settings"] = original
