"""The staff side in Chromium, CSRF on: sign in with TOTP, create a round for two
verksamheter, upload an Excel list with one bad row, fix it, import, make one invitation on the
spot, answer that survey by its code and watch the overview move; axe on every staff page in
Swedish and English."""

from __future__ import annotations

import io
import os
import re
import zipfile
from datetime import timedelta
from pathlib import Path

import pyotp
import pytest
from axe_playwright_python.sync_playwright import Axe
from openpyxl import Workbook
from playwright.sync_api import Page, expect
from sqlalchemy import select

from survey.clock import local_today
from survey.models import Invitation, OrgNode, StagedImport, User
from survey.operations.invitations import issue_invitation
from tests.browser.conftest import new_context
from tests.factories import STAFF_PASSWORD, make_round, make_staff, make_unit

pytestmark = pytest.mark.browser

AXE = Axe()  # WCAG 2.x A and AA (staff pages: AA; the respondent's pages also meet AAA contrast)
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def assert_accessible(page: Page, what: str) -> None:
    results = AXE.run(page)
    assert results.violations_count == 0, f"{what}:\n{results.generate_report()}"


def submit(page: Page, button: str = "form.form button[type=submit]") -> None:
    """Click a form's submit button and wait for the page it leads to: axe run while the old
    page is being replaced finds no document."""
    with page.expect_navigation():
        page.locator(button).click()


def xlsx(tmp_path: Path, name: str, rows: list[list[object]]) -> Path:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    path = tmp_path / name
    buffer = io.BytesIO()
    workbook.save(buffer)
    path.write_bytes(buffer.getvalue())
    return path


def sign_in(page: Page, live_server: str, email: str, *, lang: str = "sv") -> None:
    page.goto(f"{live_server}/personal/?lang={lang}")
    expect(page).to_have_url(re.compile(r"/personal/logga-in"))
    page.fill("#email", email)
    page.fill("#password", STAFF_PASSWORD)
    page.locator("form.form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/personal/logga-in/kod"))
    page.fill("#code", pyotp.TOTP(SECRET).now())
    page.locator("form.form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/personal/(\?.*)?$"))


def test_a_round_from_sign_in_to_a_moving_overview(browser, live_server, db_session, tmp_path):
    make_unit(db_session, "Förvaltningen/Enhet 1/Växtverket")
    make_unit(db_session, "Förvaltningen/Enhet 1/Ateljén")
    db_session.commit()
    make_staff(db_session, "admin@example.se", grants=[("admin", None)], totp_secret=SECRET)
    context = new_context(browser, viewport={"width": 1280, "height": 900}, has_touch=False)
    page = context.new_page()
    sign_in(page, live_server, "admin@example.se")
    assert_accessible(page, "start")

    page.get_by_role("link", name="Enkätomgångar").first.click()
    page.get_by_role("link", name="Ny omgång").click()
    page.fill("#code", "DV-WEB")
    page.fill("#title", "Daglig verksamhet, webbtest")
    page.get_by_label(re.compile("Växtverket")).check()
    page.get_by_label(re.compile("Ateljén")).check()
    assert_accessible(page, "new round")
    page.get_by_role("button", name="Skapa omgången").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("webbtest")
    page.get_by_role("button", name="Öppna omgången").click()
    expect(page.locator(".message-success")).to_contain_text("öppnad")
    assert_accessible(page, "round")

    page.get_by_role("link", name=re.compile("Importera en mottagarlista")).click()
    bad = xlsx(
        tmp_path, "lista.xlsx", [["Enhet", "Kön"], ["Växtverket", "Kvinna"], ["Ateljén", "Q"]]
    )
    page.set_input_files("#file", str(bad))
    page.get_by_role("button", name="Kontrollera filen").click()
    errors = page.locator("table", has=page.locator("caption", has_text="Fel i"))
    expect(errors).to_contain_text("Kön")
    expect(errors.locator("tbody tr")).to_have_count(1)
    expect(errors.locator("tbody th")).to_have_text("3")
    assert_accessible(page, "preview with a bad row")
    good = xlsx(
        tmp_path, "lista.xlsx", [["Enhet", "Kön"], ["Växtverket", "Kvinna"], ["Ateljén", "Man"]]
    )
    page.set_input_files("#file", str(good))
    page.get_by_role("button", name="Kontrollera filen").click()
    expect(page.locator(".message-success")).to_contain_text("2 rader")
    assert_accessible(page, "preview without problems")
    page.get_by_role("button", name="Skapa 2 inbjudningar").click()
    expect(page.locator(".message-success")).to_contain_text("2 inbjudningar")

    page.get_by_role("link", name=re.compile("Skapa en inbjudan nu")).click()
    page.select_option("#unit", label="Förvaltningen/Enhet 1/Växtverket")
    page.select_option("#gender", "man")
    page.get_by_role("button", name="Skapa inbjudan").click()
    code = page.locator(".big-code code").inner_text()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    expect(page.locator(".qr svg")).to_be_visible()
    assert_accessible(page, "invitation made")

    page.goto(f"{live_server}/personal/omgangar/DV-WEB/oversikt")
    expect(page.locator(".lead")).to_contain_text("0 av 3 brukare")
    assert_accessible(page, "overview")

    tablet = new_context(browser).new_page()
    tablet.goto(f"{live_server}/")
    tablet.fill("#code", code)
    with tablet.expect_navigation():
        tablet.get_by_role("button", name="Börja").click()
    with tablet.expect_navigation():
        tablet.get_by_role("button", name="Börja").click()
    for _ in range(30):
        if "/q/" not in tablet.url:
            break
        with tablet.expect_navigation():
            if tablet.locator("textarea").count():
                tablet.get_by_role("button", name="Spara och fortsätt").click()
            else:
                tablet.locator("button.answer").first.click()
    with tablet.expect_navigation():
        tablet.get_by_role("button", name="Skicka in mina svar").click()
    expect(tablet.get_by_role("heading", level=1)).to_contain_text("Tack")

    page.get_by_role("link", name="Uppdatera siffrorna").click()
    expect(page.locator(".lead")).to_contain_text("1 av 3 brukare")
    row = page.locator("tbody tr", has=page.locator("th", has_text="Växtverket"))
    expect(row).to_contain_text("50 %")
    context.close()


def _world(db_session):
    v1 = make_unit(db_session, "Förvaltningen/Enhet 1/Växtverket")
    make_unit(db_session, "Förvaltningen/Enhet 1/Ateljén")
    round_ = make_round(
        db_session, units=[v1], code="DV-AXE", closes_on=local_today() + timedelta(days=9)
    )
    issue_invitation(db_session, round_, v1, gender="kvinna")
    db_session.commit()
    admin = make_staff(db_session, "admin@example.se", grants=[("admin", None)], totp_secret=SECRET)
    other = make_staff(db_session, "eva@example.se", grants=[("enhetschef", v1.parent)])
    return v1, admin, other


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_axe_finds_no_violations_on_any_staff_page(
    browser, live_server, db_session, tmp_path, lang
):
    v1, _admin, other = _world(db_session)
    context = new_context(browser, viewport={"width": 1280, "height": 900}, has_touch=False)
    page = context.new_page()
    page.goto(f"{live_server}/personal/logga-in?lang={lang}")
    assert_accessible(page, "sign in")
    page.fill("#email", "admin@example.se")
    page.fill("#password", "wrong password here")
    submit(page)
    assert_accessible(page, "sign in, wrong password")
    page.fill("#password", STAFF_PASSWORD)
    submit(page)
    assert_accessible(page, "second factor")
    page.fill("#code", pyotp.TOTP(SECRET).now())
    page.locator("form.form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/personal/(\?.*)?$"))
    base = f"{live_server}/personal"
    pages = [
        "/",
        "/konto",
        "/omgangar",
        "/omgangar/ny",
        "/omgangar/DV-AXE",
        "/omgangar/DV-AXE/redigera",
        "/omgangar/DV-AXE/stang",
        "/omgangar/DV-AXE/inbjudningar",
        "/omgangar/DV-AXE/inbjudningar/ny",
        "/omgangar/DV-AXE/epost",
        "/omgangar/DV-AXE/inbjudningar/kiosk",
        "/kiosk",
        "/omgangar/DV-AXE/oversikt",
        "/omgangar/DV-AXE/oversikt?sortera=lagst",
        "/omgangar/DV-AXE/resultat",
        "/omgangar/DV-AXE/rapporter",
        "/omgangar/DV-AXE/mottagarlista",
        "/omgangar/DV-AXE/pappersenkater",
        "/omgangar/DV-AXE/brev",
        "/omgangar/DV-AXE/pappersenkater/utskrift",
        "/omgangar/DV-AXE/pappersenkater/mata-in",
        "/organisation",
        "/organisation?hierarki=bestallare",
        "/organisation/ny",
        f"/organisation/ny?forelder={v1.parent_id}",
        f"/organisation/{v1.id}/byt-namn",
        f"/organisation/{v1.id}/flytta",
        f"/organisation/{v1.id}/stang",
        f"/organisation/{v1.id}/dela",
        f"/organisation/{v1.id}/sla-ihop",
        "/organisation/importera",
        "/anvandare",
        "/anvandare/ny",
        f"/anvandare/{other.id}",
        "/logg",
        "/mal",
        f"/mal?period=2026&indikator=nojd&enhet={v1.id}&arsmal=85",
        "/mal/importera",
        "/finns-inte",
    ]
    for path in pages:
        page.goto(base + path)
        assert_accessible(page, path)
    # Pages that a POST renders: a form with errors, a preview, an invitation made.
    page.goto(base + "/omgangar/ny")
    page.fill("#code", "")
    submit(page)
    assert_accessible(page, "new round with errors")
    page.goto(base + "/omgangar/DV-AXE/mottagarlista")
    page.set_input_files("#file", str(xlsx(tmp_path, "l.xlsx", [["Enhet", "Kön"], ["Nope", "Q"]])))
    submit(page)
    assert_accessible(page, "recipient preview with errors")
    page.set_input_files(
        "#file", str(xlsx(tmp_path, "l.xlsx", [["Enhet", "Kön"], ["Växtverket", "K"]]))
    )
    submit(page)
    assert_accessible(page, "recipient preview")
    page.goto(base + "/omgangar/DV-AXE/inbjudningar/ny")
    submit(page)
    assert_accessible(page, "invitation made")
    # The report ZIP: its progress while it is made (the page updates itself), then the link.
    page.goto(base + "/omgangar/DV-AXE/rapporter")
    # Hold the status answers back while axe reads the progress page: a build that finishes
    # would otherwise reload the page under axe's feet. The page retries after 5 s.
    page.route("**/rapporter/*.json", lambda route: route.abort())
    submit(page)
    expect(page.locator(".report-progress progress")).to_be_visible()
    assert_accessible(page, "report build under way")
    page.unroute("**/rapporter/*.json")
    download = page.locator("a.button[href$='.zip']")
    expect(download).to_be_visible(timeout=60_000)
    assert_accessible(page, "report build done")
    page.goto(base + "/mal/importera")
    bad = [["indicator", "unit", "period", "arsmal"], ["nojd", "Nope", "20x4", "120 %"]]
    page.set_input_files("#file", str(xlsx(tmp_path, "m.xlsx", bad)))
    submit(page)
    assert_accessible(page, "target preview with errors")
    good = [
        ["indicator", "unit", "period", "arsmal"],
        ["nojd", None, 2026, 85],
        ["nojd", "Växtverket", 2026, "Tas fram av nämnd"],
    ]
    page.set_input_files("#file", str(xlsx(tmp_path, "m.xlsx", good)))
    submit(page)
    assert_accessible(page, "target preview")
    page.locator("form.form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/personal/mal\?period=2026"))
    assert_accessible(page, "targets listed")
    page.fill("#kf_arsmal", "120")
    submit(page)
    assert_accessible(page, "target form with errors")
    page.goto(base + "/konto/tvastegsverifiering")
    assert_accessible(page, "enrol second factor")
    # An enhetschef on a page of a role they lack.
    page.goto(base + "/")
    submit(page, "form.inline button[type=submit]")  # sign out
    assert_accessible(page, "signed out")
    context.close()


def assert_charts_have_text_alternatives(page: Page, what: str) -> int:
    """Every chart: an SVG with role=img, named by text on the page, and a data table in its
    figure (the text alternative); returns how many there are."""
    problems = page.evaluate(
        """() => [...document.querySelectorAll('main svg:not([aria-hidden="true"])')].map(svg => {
            const ids = (svg.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean);
            const name = ids.map(id => document.getElementById(id)?.textContent.trim() || '')
                .join(' ').trim();
            const figure = svg.closest('figure');
            const table = figure && figure.querySelector('table tbody tr');
            const ok = svg.getAttribute('role') === 'img' && name.length > 0 && table;
            return ok ? '' : (svg.outerHTML.slice(0, 120) + ' name=' + name);
        })"""
    )
    assert all(p == "" for p in problems), f"{what}: {[p for p in problems if p]}"
    return len(problems)


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_results_dashboard_in_a_browser(
    browser, live_server, runner, db_session, tmp_path, lang
):
    from tests.integration.test_indicators_cli import ENHET, VAXT, golden_round

    golden_round(runner, tmp_path)
    make_staff(db_session, "admin@example.se", grants=[("admin", None)], totp_secret=SECRET)
    ids = {n.path(): n.id for n in db_session.scalars(select(OrgNode)) if n.path() in (ENHET, VAXT)}
    context = new_context(browser, viewport={"width": 1280, "height": 900}, has_touch=False)
    page = context.new_page()
    sign_in(page, live_server, "admin@example.se", lang=lang)
    page.goto(f"{live_server}/personal/omgangar/DV-2026")
    page.get_by_role(
        "link", name="Resultat och indikatorer" if lang == "sv" else "Results and indicators"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Hela organisationen" if lang == "sv" else "The whole organisation"
    )
    base = f"{live_server}/personal/omgangar/DV-2026/resultat"
    for url in (
        base,
        f"{base}?enhet={ids[ENHET]}",
        f"{base}?enhet={ids[VAXT]}",
        f"{base}?by=bestallare",
    ):
        page.goto(url)
        for details in page.locator("main details").all():
            details.evaluate("d => d.open = true")  # axe checks the tables inside too
        assert_accessible(page, url)
        assert assert_charts_have_text_alternatives(page, url) >= 5
    page.goto(f"{base}?enhet={ids[VAXT]}")
    figure = "89 % (85 av 95)" if lang == "sv" else "89 % (85 of 95)"
    expect(page.locator("table.indicators").first).to_contain_text(figure)
    if os.environ.get("SCREENSHOT_DIR"):  # for a person to look at; nothing is compared
        page.screenshot(
            path=str(Path(os.environ["SCREENSHOT_DIR"]) / f"dashboard-{lang}.png"), full_page=True
        )
    # The proxy setting, CSRF on, back to the same unit.
    page.locator("#include").check()
    page.locator("#proxy-heading ~ form button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"resultat\?by=utforare&enhet={ids[VAXT]}$"))
    expect(page.locator(".message-success")).to_be_visible()
    assert_accessible(page, "after the proxy setting")
    context.close()


def test_a_newcomer_downloads_a_units_pdf_and_the_rounds_zip(
    browser, live_server, runner, db_session, tmp_path
):
    """Sign in, open a unit's dashboard, download its PDF and the round's ZIP; the PDF's
    numbers are the indicators JSON's."""
    from tests.integration.test_indicators_cli import VAXT, golden_round, indicators
    from tests.integration.test_report_pdf import cell_text, text_of

    golden_round(runner, tmp_path)
    document = indicators(runner, "--round", "DV-2026", "--unit", VAXT)
    make_staff(db_session, "admin@example.se", grants=[("admin", None)], totp_secret=SECRET)
    vaxt = next(n.id for n in db_session.scalars(select(OrgNode)) if n.path() == VAXT)
    context = new_context(browser, viewport={"width": 1280, "height": 900}, has_touch=False)
    page = context.new_page()
    sign_in(page, live_server, "admin@example.se")
    page.goto(f"{live_server}/personal/omgangar/DV-2026/resultat?enhet={vaxt}")
    with page.expect_download() as pdf_download:
        page.get_by_role("link", name="PDF-rapport för Växtverket").click()
    data = Path(pdf_download.value.path()).read_bytes()
    assert data.startswith(b"%PDF")
    text = text_of(data)
    for row in document["rows"]:
        if row["unit"] == VAXT and row["kind"] == "indicator":
            for gender in ("total", "men", "women"):
                if not row[gender]["suppressed"]:
                    assert cell_text(row[gender]) in text
    page.get_by_role("link", name="PDF-rapporter för alla enheter (ZIP)").click()
    page.get_by_role("button", name="Skapa ZIP-filen").click()
    link = page.get_by_role("link", name="Ladda ner ZIP-filen")
    expect(link).to_be_visible(timeout=60_000)
    with page.expect_download() as zip_download:
        link.click()
    with zipfile.ZipFile(zip_download.value.path()) as archive:
        names = archive.namelist()
        assert len([n for n in names if n.endswith(".pdf")]) == 5
        vaxt_pdf = next(n for n in names if n.endswith("Växtverket.pdf"))
        assert "89 % (85 av 95)" in text_of(archive.read(vaxt_pdf))
    context.close()


def test_an_analysis_text_is_copied_with_one_click(
    browser, live_server, runner, db_session, tmp_path
):
    from tests.integration.test_indicators_cli import VAXT, golden_round

    golden_round(runner, tmp_path)
    make_staff(db_session, "admin@example.se", grants=[("admin", None)], totp_secret=SECRET)
    vaxt = next(n.id for n in db_session.scalars(select(OrgNode)) if n.path() == VAXT)
    context = new_context(browser, viewport={"width": 1280, "height": 900}, has_touch=False)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    page = context.new_page()
    sign_in(page, live_server, "admin@example.se")
    page.goto(f"{live_server}/personal/omgangar/DV-2026/resultat?enhet={vaxt}")
    text = page.get_by_role("textbox", name="Andel brukare som är nöjd med sin insats")
    expect(text).to_have_value(re.compile(r"^I Växtverket har totalt 95 brukare av 177 svarat"))
    # Each button is named by its indicator, so a list of buttons tells them apart.
    button = page.get_by_role(
        "button", name=re.compile(r"^Kopiera texten\W+Andel brukare som är nöjd med sin insats$")
    )
    expect(button).to_be_visible()  # shown by the script; hidden without it
    button.click()
    expect(page.locator("#analysis-status")).to_have_text("Texten är kopierad.")
    assert page.evaluate("navigator.clipboard.readText()") == text.input_value()
    assert_accessible(page, "after copying")
    # Without the script (blocked here) the button stays hidden; the text can still be
    # selected and copied by hand.
    page.route(re.compile(r"copy_text"), lambda route: route.abort())
    page.reload()
    expect(page.locator("#analysis-nojd")).to_be_visible()
    expect(page.locator("button[data-copy='analysis-nojd']")).to_be_hidden()
    context.close()


def test_staff_forms_work_without_javascript(browser, live_server, db_session):
    make_unit(db_session, "Förvaltningen/Enhet 1/Växtverket")
    db_session.commit()
    make_staff(db_session, "admin@example.se", grants=[("admin", None)], totp_secret=SECRET)
    context = new_context(browser, java_script_enabled=False, has_touch=False)
    page = context.new_page()
    sign_in(page, live_server, "admin@example.se")
    page.goto(f"{live_server}/personal/omgangar/ny")
    page.fill("#code", "DV-NOJS")
    page.get_by_label(re.compile("Växtverket")).check()
    page.get_by_role("button", name="Skapa omgången").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("DV-NOJS")
    db_session.rollback()
    assert db_session.scalar(select(OrgNode).where(OrgNode.name == "Växtverket")) is not None
    assert db_session.scalar(select(StagedImport)) is None
    context.close()


def test_a_forged_staff_form_without_csrf_token_changes_nothing(browser, live_server, db_session):
    make_staff(db_session, "admin@example.se", grants=[("admin", None)], totp_secret=SECRET)
    context = new_context(browser, has_touch=False)
    page = context.new_page()
    sign_in(page, live_server, "admin@example.se")
    other = make_staff(db_session, "eva@example.se", grants=[("stodperson", None)])
    # A signed-in browser posts a form without the token (as a hostile page would try).
    response = page.request.post(f"{live_server}/personal/anvandare/{other.id}/status")
    assert response.status in {302, 400}
    db_session.rollback()
    assert db_session.get(User, other.id).is_active
    db_session.rollback()
    assert db_session.scalar(select(Invitation)) is None
    context.close()


FAILED_TEXT = "Det gick inte att hämta hur långt det har kommit. Uppdatera sidan för att se det."


def wait_until(page: Page, condition, timeout_ms: int = 5000) -> None:  # type: ignore[no-untyped-def]
    """Wait in Playwright's own waits, so that its route handlers run meanwhile."""
    for _ in range(timeout_ms // 50):
        if condition():
            return
        page.wait_for_timeout(50)
    raise AssertionError("timed out")


@pytest.mark.parametrize("failure", ["refused", "network"])
def test_the_zip_progress_says_when_it_cannot_be_fetched(browser, live_server, db_session, failure):
    """A refused status request (signed out, the build gone) stops the polling and says so; a
    dropped network is retried every 5 s and said after three failures in a row. The page's
    timers run on Playwright's clock, so the test does not wait them out."""
    _world(db_session)
    context = new_context(browser, viewport={"width": 1280, "height": 900}, has_touch=False)
    page = context.new_page()
    sign_in(page, live_server, "admin@example.se")
    asked: list[str] = []

    def answer(route) -> None:  # type: ignore[no-untyped-def]
        asked.append(route.request.url)
        if failure == "refused":
            route.fulfill(status=403, body="Forbidden")
        else:
            route.abort()

    page.route("**/rapporter/*.json", answer)
    page.clock.install()
    page.goto(f"{live_server}/personal/omgangar/DV-AXE/rapporter")
    submit(page)
    text = page.locator(".report-progress .progress-text")
    expect(text).to_be_visible()
    assert text.inner_text() != FAILED_TEXT
    page.clock.run_for(1_600)
    wait_until(page, lambda: len(asked) == 1)
    if failure == "refused":
        expect(text).to_have_text(FAILED_TEXT)
        page.clock.run_for(20_000)
        page.wait_for_timeout(300)
        assert len(asked) == 1  # it stopped asking
    else:
        for tries in (2, 3):
            page.wait_for_timeout(100)  # the failed fetch settles and sets its 5 s retry
            expect(text).not_to_have_text(FAILED_TEXT)
            page.clock.run_for(5_100)
            wait_until(page, lambda n=tries: len(asked) == n)
        expect(text).to_have_text(FAILED_TEXT)
        page.wait_for_timeout(100)
        page.clock.run_for(5_100)
        wait_until(page, lambda: len(asked) == 4)  # and it keeps trying
    context.close()
