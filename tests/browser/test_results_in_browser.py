"""Results back to the brukare in Chromium, CSRF on: an enhetschef goes from the dashboard to
the links page, makes a link for their unit, opens it on a tablet in Swedish and English,
then revokes it; axe finds nothing on any page (the public ones at AAA contrast)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from survey.models import OrgNode
from tests.browser.conftest import new_context
from tests.browser.test_staff_in_browser import SECRET, sign_in
from tests.browser.test_staff_in_browser import assert_accessible as assert_staff_accessible
from tests.browser.test_survey_in_browser import assert_accessible as assert_public_accessible
from tests.factories import make_staff
from tests.integration.test_dashboard import node_id
from tests.integration.test_indicators_cli import VAXT, golden_round

pytestmark = pytest.mark.browser

ENHET = "Stadsdelen/Dagliga verksamheter 2"


def test_a_link_from_the_dashboard_to_the_tablet_and_back(
    browser, live_server, db_session, runner, tmp_path
):
    golden_round(runner, tmp_path)
    enhet = db_session.get(OrgNode, node_id(db_session, ENHET))
    vaxt = node_id(db_session, VAXT)
    make_staff(db_session, "chef@example.se", grants=[("enhetschef", enhet)], totp_secret=SECRET)
    db_session.rollback()  # hold no snapshot while the server writes

    staff = new_context(browser, viewport={"width": 1280, "height": 900}, has_touch=False)
    page = staff.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server, "chef@example.se")
    page.goto(f"{live_server}/personal/omgangar/DV-2026/resultat?enhet={vaxt}")
    page.get_by_role(
        "link", name=re.compile("Lättlästa resultat till brukarna på Växtverket")
    ).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Resultat till brukarna")
    expect(page.locator("#unit")).to_have_value(str(vaxt))
    assert_staff_accessible(page, "results links (sv)")
    page.get_by_role("button", name="Skapa länken").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Länken är klar")
    expect(page.locator(".qr svg")).to_be_visible()
    assert_staff_accessible(page, "link made (sv)")
    link = page.locator("code.secret").inner_text()
    assert re.fullmatch(rf"{re.escape(live_server)}/resultat/[A-Za-z0-9_\-]{{43}}", link)

    page.goto(f"{live_server}/personal/omgangar/DV-2026/resultatlankar?lang=en")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Results for the brukare")
    expect(page.locator("tbody")).to_contain_text("Växtverket")
    assert_staff_accessible(page, "results links (en)")

    tablet = new_context(browser).new_page()
    tablet.goto(link)
    expect(tablet.get_by_role("heading", level=1)).to_have_text("Svaren från Växtverket")
    expect(tablet.locator("#result-DV_NOJD .result-sentence")).to_have_text(
        "9 av 10 är nöjda med sin dagliga verksamhet."
    )
    expect(tablet.locator("#result-DV_NOJD svg.people")).to_have_attribute(
        "aria-label", "Bild: 9 av 10 figurer är ifyllda"
    )
    # Read-aloud is there (the device may have no voice: the button says so, nothing breaks).
    expect(tablet.locator("#result-DV_NOJD button.listen")).to_be_visible()
    assert_public_accessible(tablet, "results page (sv)")
    if os.environ.get("SCREENSHOT_DIR"):  # for a person to look at; nothing is compared
        shots = Path(os.environ["SCREENSHOT_DIR"])
        tablet.screenshot(path=str(shots / "results-sv.png"), full_page=True)
        page.screenshot(path=str(shots / "results-link-made.png"), full_page=True)
    tablet.get_by_role("link", name="In English").click()
    expect(tablet.get_by_role("heading", level=1)).to_have_text("Results for Växtverket")
    expect(tablet.locator("html")).to_have_attribute("lang", "en")
    assert_public_accessible(tablet, "results page (en)")
    with tablet.expect_download() as download:
        tablet.evaluate(
            "() => { const a = document.querySelector('.print a');"
            " a.download = 'r.pdf'; a.click(); }"
        )
    assert download.value.suggested_filename.endswith(".pdf")

    page.goto(f"{live_server}/personal/omgangar/DV-2026/resultatlankar?lang=sv")
    page.get_by_role("button", name=re.compile("Återkalla")).click()
    expect(page.locator(".message-success")).to_contain_text("återkallad")
    expect(page.locator("tbody")).to_contain_text("Inga aktiva länkar.")
    tablet.goto(link + "?lang=sv")
    expect(tablet.get_by_role("heading", level=1)).to_have_text("Vi hittar inte svaren")
    assert_public_accessible(tablet, "revoked link (sv)")
    tablet.goto(link + "?lang=en")
    expect(tablet.get_by_role("heading", level=1)).to_have_text("We cannot find the results")
    assert_public_accessible(tablet, "revoked link (en)")
    assert errors == []


def test_the_results_page_reflows_on_a_phone_in_large_text(
    browser, live_server, db_session, runner, tmp_path
):
    """320 px wide (WCAG 1.4.10): nothing scrolls sideways."""
    from sqlalchemy import select

    from survey.domain.tokens import new_form_nonce
    from survey.models import Round, User
    from survey.operations.results_links import make_results_link

    golden_round(runner, tmp_path)
    user = make_staff(db_session)
    round_ = db_session.scalar(select(Round).where(Round.code == "DV-2026"))
    made = make_results_link(
        db_session,
        round_,
        tree="utforare",
        node_id=node_id(db_session, VAXT),
        user_id=db_session.get(User, user.id).id,
        key=b"any key",
        nonce=new_form_nonce(),
    )
    db_session.commit()
    phone = new_context(browser, viewport={"width": 320, "height": 640}).new_page()
    phone.goto(f"{live_server}/resultat/{made.token}")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Svaren från Växtverket")
    width = phone.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 320, width
    assert_public_accessible(phone, "results page on a phone")
