"""Results back to the brukare (SPEC §6): a staff member makes a link for a unit, the page and
its PDF show the unit's published figures in easy-read ("9 av 10 är nöjda …"), withheld
figures appear nowhere, a revoked or unknown link is a friendly 404, and the Swedish page
reads at LIX ≤ 30.

The golden round of tests/integration/test_indicators_cli.py: Växtverket, 95 brukare of 177
answered DV_NOJD (85 of 95 "ja"), DV_TRIVS (34 of 85 "ja") and DV_RADD (38 of 89 "aldrig");
no one answered the other questions, so their figures are withheld.
"""

from __future__ import annotations

import io
import re
from html import unescape
from html.parser import HTMLParser
from typing import ClassVar

import pytest
from flask import g
from pypdf import PdfReader
from sqlalchemy import func, select

from survey.domain.easy_read_results import out_of_ten
from survey.domain.indicator_export import unit_reports
from survey.domain.question_banks import latest_version, load_bank
from survey.domain.readability import lix_of_texts
from survey.models import AuditEvent, ResultsLink, Round
from survey.queries.indicators import round_figures
from tests.factories import make_staff, sign_in
from tests.integration.test_dashboard import node_id
from tests.integration.test_indicators_cli import VAXT, golden_round, invitations, paper, run

ROUND = "DV-2026"
LINKS = f"/personal/omgangar/{ROUND}/resultatlankar"
ATELJE = "Stadsdelen/Dagliga verksamheter 2/Ateljén"
ALL_DV = [q.code for q in load_bank("dv", latest_version("dv")).questions]
POSITIVE = {"DV_RADD": "aldrig", "DV_SAMRE": "aldrig", "DV_FORSTAR": "alla", "DV_TRYGG": "alla"}
NEGATIVE = {"DV_RADD": "ofta", "DV_SAMRE": "ofta", "DV_FORSTAR": "ingen", "DV_TRYGG": "ingen"}


def in_english(client, url: str):  # type: ignore[no-untyped-def]
    """GET `url` in English. The tests' app context outlives a request, and Flask-Babel keeps
    the locale it chose on `g`: forget it, as a new request in production would."""
    g.pop("_flask_babel", None)
    response = client.get(url + ("&" if "?" in url else "?") + "lang=en")
    g.pop("_flask_babel", None)
    return response


def made_link(client, db_session, path: str = VAXT, *, by: str = "utforare") -> str:
    """Make a link on the staff page as a person would; the token from the page shown."""
    node = node_id(db_session, path)
    page = client.get(LINKS, query_string={"by": by, "enhet": node}).get_data(as_text=True)
    nonce = re.search(r'name="nonce" type="hidden" value="([^"]+)"', page).group(1)
    made = client.post(LINKS, data={"by": by, "unit": node, "nonce": nonce})
    assert made.status_code == 200, made.get_data(as_text=True)
    html = made.get_data(as_text=True)
    assert "<svg" in html  # the QR code
    return re.search(r"/resultat/([A-Za-z0-9_\-]+)</code>", html).group(1)


@pytest.fixture
def golden(client, runner, db_session, tmp_path):
    golden_round(runner, tmp_path)
    make_staff(db_session)  # handläggare on the whole installation
    sign_in(client)
    return client


class _Blocks(HTMLParser):
    """The text of each block element of <main>, one sentence at least each (as LIX counts
    a bank's questions), and the text of each result block by its id."""

    BLOCKS: ClassVar[set[str]] = {"h1", "h2", "h3", "p", "li", "td", "th", "figcaption", "strong"}

    def __init__(self) -> None:
        super().__init__()
        self.in_main = False
        self.skip = 0
        self.texts: list[str] = []
        self.current: list[str] = []
        self.results: dict[str, list[str]] = {}
        self.result_stack: list[str | None] = []

    def flush(self) -> None:
        text = " ".join("".join(self.current).split())
        if text:
            self.texts.append(text)
        self.current = []

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        attrs = dict(attrs)
        if tag == "main":
            self.in_main = True
        if tag in ("svg", "script", "button"):
            self.skip += 1
        if tag in self.BLOCKS:
            self.flush()
        if tag == "li":
            ident = attrs.get("id") or ""
            self.result_stack.append(ident[7:] if ident.startswith("result-") else None)

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if tag in ("svg", "script", "button"):
            self.skip -= 1
        if tag in self.BLOCKS:
            self.flush()
        if tag == "li" and self.result_stack:
            self.result_stack.pop()
        if tag == "main":
            self.in_main = False

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if self.in_main and not self.skip:
            self.current.append(data)
            for key in self.result_stack:
                if key:
                    self.results.setdefault(key, []).append(data)


def blocks(html: str) -> _Blocks:
    parser = _Blocks()
    parser.feed(html)
    parser.flush()
    return parser


def words(html: str) -> str:
    html = re.sub(r"<svg.*?</svg>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def block_text(html: str, key: str) -> str:
    return " ".join("".join(blocks(html).results.get(key, [])).split())


def figures_on(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"(\d+) (?:av|out of) 10\b", text)]


def test_a_link_shows_the_units_published_figures_in_easy_read(golden, db_session):
    token = made_link(golden, db_session)
    response = golden.get(f"/resultat/{token}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    text = words(html)
    assert "<h1>Svaren från Växtverket</h1>" in html
    assert "Enkäten om daglig verksamhet 2026." in text
    assert "95 personer har svarat." in text
    # 85 of 95, 38 of 89 and 34 of 85, each rounded half up to tenths.
    assert "9 av 10 är nöjda med sin dagliga verksamhet." in block_text(html, "DV_NOJD")
    assert "95 personer svarade på frågan." in block_text(html, "DV_NOJD")
    assert "4 av 10 är aldrig rädda på daglig verksamhet." in block_text(html, "DV_RADD")
    assert "89 personer svarade på frågan." in block_text(html, "DV_RADD")
    assert "4 av 10 trivs på daglig verksamhet." in block_text(html, "DV_TRIVS")
    # Ten figures, the filled ones told apart by shape and named in words.
    nojd = html.split('id="result-DV_NOJD"')[1].split("</li>")[0]
    assert nojd.count('class="person-filled"') == 9
    assert nojd.count('class="person-empty"') == 1
    assert 'role="img"' in nojd
    assert 'aria-label="Bild: 9 av 10 figurer är ifyllda"' in nojd
    # No one answered DV_BRYR: withheld, in easy-read words and without a number.
    bryr = block_text(html, "DV_BRYR")
    assert bryr == (
        "Hur många tycker att personalen bryr sig om dem? "
        "Vi visar inte svaret. Då kan ingen räkna ut vad en person har svarat."
    )
    # Open round: the figures are preliminary, with the dates.
    assert "Svaren är inte klara än." in text
    assert re.search(r"Det går att svara till och med \d+ \w+ 20\d\d\.", text)
    assert re.search(r"Så här hade folk svarat den \d+ \w+ 20\d\d\.", text)
    # One block per rating question, grouped by quality area, with its pictogram.
    assert len(re.findall(r'<li class="result', html)) == len(ALL_DV)
    for heading in ("Att bestämma själv", "Hur personalen är mot dig", "Att känna sig trygg"):
        assert f">{heading}</h2>" in html
    assert 'class="pictogram pictogram-large"' in nojd


def test_the_page_is_in_english_too(golden, db_session):
    token = made_link(golden, db_session)
    html = in_english(golden, f"/resultat/{token}").get_data(as_text=True)
    text = words(html)
    assert "<h1>Results for Växtverket</h1>" in html
    assert "9 out of 10 are happy with their daily activity." in text
    assert "95 people have answered." in text
    assert "We do not show the answer. Then no one can work out what one person answered." in text
    assert '<html lang="en"' in html


def test_withheld_figures_appear_nowhere(client, runner, db_session, tmp_path):
    """Ateljén has three answers (withheld); so that the enhet's figure minus Växtverket's
    cannot give them away, a figure with enough answers is withheld as well. The page of
    every unit shows exactly the published figures, and no withheld one in any form."""
    golden_round(runner, tmp_path)
    header = "unit,gender,answered_by,bestallare,DV_NOJD,DV_TRIVS,DV_RADD"
    invitations(runner, tmp_path, ROUND, ATELJE, men=2, women=2)
    paper(runner, tmp_path, ROUND, [f"{ATELJE},man,sjalv,,ja,ja,aldrig"] * 3, header)
    make_staff(db_session)
    sign_in(client)
    round_ = db_session.scalar(select(Round).where(Round.code == ROUND))
    published = round_figures(db_session, round_, threshold=5)
    raw = round_figures(db_session, round_, threshold=1)
    secondary = 0
    for tree in ("utforare", "bestallare"):
        for unit in unit_reports(published.figures, published.trees, by=tree):
            token = made_link(client, db_session, unit.path, by=tree)
            html = client.get(f"/resultat/{token}").get_data(as_text=True)
            pdf = client.get(f"/resultat/{token}/utskrift.pdf")
            pdf_text = " ".join(
                " ".join(
                    page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages
                ).split()
            )
            (raw_unit,) = unit_reports(raw.figures, raw.trees, by=tree, within={unit.node_id})
            raw_rows = {row.item.key: row for row in raw_unit.rows}
            expected = []
            for row in unit.rows:
                if row.item.kind != "question":
                    continue
                text = block_text(html, row.item.key)
                if row.total.suppressed:
                    assert not re.search(r"\d", text), (unit.path, row.item.key, text)
                    hidden = raw_rows[row.item.key].total
                    if not hidden.suppressed:
                        secondary += hidden.valid >= 5
                        tenths = out_of_ten(hidden.positive, hidden.valid)
                        assert f"{tenths} av 10" not in text
                        assert f"{hidden.valid} personer svarade" not in words(html)
                        assert f"{hidden.valid} personer svarade" not in pdf_text
                else:
                    tenths = out_of_ten(row.total.positive, row.total.valid)
                    expected.append(tenths)
                    assert f"{tenths} av 10" in text
            # Every "N av 10" on the page and in the PDF is a published figure, in order.
            assert figures_on(words(html)) == expected, unit.path
            assert figures_on(pdf_text) == expected, unit.path
    assert secondary, "the data must make a withheld figure with enough answers"


def test_revoked_and_unknown_links_are_a_friendly_404(golden, db_session):
    token = made_link(golden, db_session)
    link = db_session.scalar(select(ResultsLink))
    page = golden.get(LINKS).get_data(as_text=True)
    assert "Växtverket" in page
    revoke = f"{LINKS}/{link.id}/aterkalla"
    assert golden.post(revoke).status_code == 302
    assert golden.post(revoke).status_code == 302  # again: nothing changes
    db_session.expire_all()
    assert db_session.get(ResultsLink, link.id).revoked_at is not None
    actions = list(db_session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions.count("results_link.create") == 1
    assert actions.count("results_link.revoke") == 1
    for address in (
        f"/resultat/{token}",
        f"/resultat/{token}/utskrift.pdf",
        "/resultat/" + "A" * 43,
        "/resultat/kort",
        "/resultat/" + "x" * 300,
    ):
        response = golden.get(address)
        assert response.status_code == 404, address
        assert response.headers["Cache-Control"] == "no-store"
        html = response.get_data(as_text=True)
        assert "Vi hittar inte svaren" in html
        assert "Länken fungerar inte." in html
        assert "Traceback" not in html
    assert "Växtverket" not in golden.get(LINKS).get_data(as_text=True).split("Aktiva länkar")[1]


def test_the_link_is_stored_only_as_a_digest_and_one_form_makes_one_link(golden, db_session):
    node = node_id(db_session, VAXT)
    page = golden.get(LINKS, query_string={"enhet": node}).get_data(as_text=True)
    nonce = re.search(r'name="nonce" type="hidden" value="([^"]+)"', page).group(1)
    form = {"by": "utforare", "unit": node, "nonce": nonce}
    first = golden.post(LINKS, data=form).get_data(as_text=True)
    again = golden.post(LINKS, data=form).get_data(as_text=True)  # a double click
    token = re.search(r"/resultat/([A-Za-z0-9_\-]+)</code>", first).group(1)
    assert f"/resultat/{token}</code>" in again
    assert len(token) >= 22  # ≥ 128 bits
    assert db_session.scalar(select(func.count()).select_from(ResultsLink)) == 1
    stored = db_session.scalar(select(ResultsLink))
    assert token not in str(vars(stored))
    assert stored.token_hash != token
    assert len(stored.token_hash) == 64
    # A new page is a new form: a second link.
    made_link(golden, db_session)
    assert db_session.scalar(select(func.count()).select_from(ResultsLink)) == 2
    # A made-up or missing nonce makes nothing.
    bad = golden.post(LINKS, data={**form, "nonce": "chosen-by-hand"})
    assert bad.status_code == 400
    assert db_session.scalar(select(func.count()).select_from(ResultsLink)) == 2


def test_a_unit_with_no_answers_and_a_closed_round(golden, runner, db_session):
    token = made_link(golden, db_session, ATELJE)
    text = words(golden.get(f"/resultat/{token}").get_data(as_text=True))
    assert "0 personer har svarat." in text
    assert "Ingen har svarat än." in text
    assert "av 10" not in text
    run(runner, "rounds", "close", ROUND)
    text = words(golden.get(f"/resultat/{token}").get_data(as_text=True))
    assert "Ingen svarade på enkäten." in text
    assert "inte klara än" not in text
    vaxt = made_link(golden, db_session)
    text = words(golden.get(f"/resultat/{vaxt}").get_data(as_text=True))
    assert "9 av 10 är nöjda med sin dagliga verksamhet." in text
    assert "inte klara än" not in text


def every_question_answered(runner, tmp_path) -> None:
    """A round where every question has a published figure (for the readability test)."""
    golden_round(runner, tmp_path)
    header = "unit,gender,answered_by,bestallare," + ",".join(ALL_DV)
    good = ",".join(POSITIVE.get(code, "ja") for code in ALL_DV)
    bad = ",".join(NEGATIVE.get(code, "nej") for code in ALL_DV)
    rows = [f"{VAXT},kvinna,sjalv,,{good}"] * 14 + [f"{VAXT},man,sjalv,,{bad}"] * 6
    paper(runner, tmp_path, ROUND, rows, header)


def test_the_swedish_page_is_easy_to_read(client, runner, db_session, tmp_path):
    every_question_answered(runner, tmp_path)
    make_staff(db_session)
    sign_in(client)
    token = made_link(client, db_session)
    html = client.get(f"/resultat/{token}").get_data(as_text=True)
    assert "Vi visar inte svaret" not in html
    texts = blocks(html).texts
    assert lix_of_texts(texts) <= 30, texts
    # And the page of the golden unit, where most figures are withheld.
    atelje = made_link(client, db_session, ATELJE)
    texts = blocks(client.get(f"/resultat/{atelje}").get_data(as_text=True)).texts
    assert lix_of_texts(texts) <= 30, texts


def test_the_pdf_has_the_pages_figures_title_and_language(golden, db_session):
    token = made_link(golden, db_session)
    html = golden.get(f"/resultat/{token}").get_data(as_text=True)
    pdf_href = unescape(re.search(r'href="(/resultat/[^"]+\.pdf[^"]*)"', html).group(1))
    response = golden.get(pdf_href)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    reader = PdfReader(io.BytesIO(response.data))
    assert reader.metadata.title == "Svaren från Växtverket"
    assert reader.trailer["/Root"]["/Lang"] == "sv"
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert figures_on(text) == figures_on(words(html)) == [4, 4, 9]
    assert "9 av 10 är nöjda med sin dagliga verksamhet." in text
    assert "95 personer har svarat." in text
    assert "Vi visar inte svaret. Då kan ingen räkna ut vad en person har svarat." in text
    fonts = {
        str(font["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert all("DejaVuSans" in name for name in fonts), fonts


def test_the_staff_pdf_is_the_same_and_audited(golden, db_session):
    node = node_id(db_session, VAXT)
    response = in_english(golden, f"/personal/omgangar/{ROUND}/lattlast.pdf?enhet={node}")
    assert response.status_code == 200
    text = " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages).split()
    )
    assert "9 out of 10 are happy with their daily activity." in text
    assert (
        db_session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "results.easy_read_pdf")
        )
        == 1
    )
    assert golden.get(f"/personal/omgangar/{ROUND}/lattlast.pdf").status_code == 404


def test_the_dashboard_leads_to_the_links_page(golden, db_session):
    node = node_id(db_session, VAXT)
    html = golden.get(f"/personal/omgangar/{ROUND}/resultat?enhet={node}").get_data(as_text=True)
    assert f'href="/personal/omgangar/{ROUND}/resultatlankar?by=utforare&amp;enhet={node}"' in html


def test_an_enhetschef_makes_links_for_their_own_units_only(client, runner, db_session, tmp_path):
    golden_round(runner, tmp_path)
    from survey.models import OrgNode

    enhet = db_session.get(OrgNode, node_id(db_session, "Stadsdelen/Dagliga verksamheter 2"))
    make_staff(db_session, "chef@example.se", grants=[("enhetschef", enhet)])
    sign_in(client, "chef@example.se")
    made_link(client, db_session)
    page = client.get(LINKS).get_data(as_text=True)
    assert "Ateljén" in page
    assert "Solrosen" not in page
    solrosen = node_id(db_session, "Stadsdelen/Boende 1/Solrosen")
    nonce = re.search(r'name="nonce" type="hidden" value="([^"]+)"', page).group(1)
    refused = client.post(LINKS, data={"by": "utforare", "unit": solrosen, "nonce": nonce})
    assert refused.status_code in (400, 404)
    assert db_session.scalar(select(func.count()).select_from(ResultsLink)) == 1


def test_a_link_outside_ones_units_cannot_be_revoked_or_seen(golden, app, db_session):
    """The round is in scope of a chef for Ateljén; Växtverket's link is not."""
    from survey.models import OrgNode

    made_link(golden, db_session)
    link = db_session.scalar(select(ResultsLink))
    atelje = db_session.get(OrgNode, node_id(db_session, ATELJE))
    make_staff(db_session, "chef@example.se", grants=[("enhetschef", atelje)])
    chef = app.test_client()
    sign_in(chef, "chef@example.se")
    page = chef.get(LINKS)
    assert page.status_code == 200
    assert "Växtverket" not in page.get_data(as_text=True)
    assert chef.post(f"{LINKS}/{link.id}/aterkalla").status_code == 404
    db_session.expire_all()
    assert db_session.get(ResultsLink, link.id).revoked_at is None
    made_link(chef, db_session, ATELJE)


@pytest.fixture
def limited_app(database_url, app):  # type: ignore[no-untyped-def]
    """An app with the results pages' rate limit on (3 per minute), like code entry's."""
    from survey import create_app
    from survey.models import db
    from tests.conftest import make_settings, restore_limiter

    built = create_app(
        make_settings(database_url, ratelimit_enabled=True, code_entry_limit="3 per minute")
    )
    yield built
    with built.app_context():
        db.session.remove()
        db.engine.dispose()
    restore_limiter(app)


def test_only_links_that_do_not_work_count_towards_the_rate_limit(
    golden, limited_app, db_session, caplog
):
    """A room full of brukare opening one good link is never locked out; guessing is."""
    import logging

    token = made_link(golden, db_session)
    visitor = limited_app.test_client()
    visitor.environ_base.update(REMOTE_ADDR="198.51.100.23")
    caplog.set_level(logging.DEBUG)
    assert [visitor.get(f"/resultat/{token}").status_code for _ in range(6)] == [200] * 6
    wrong = "/resultat/" + "B" * 43
    assert [visitor.get(wrong).status_code for _ in range(4)] == [404, 404, 404, 429]
    assert visitor.get(f"/resultat/{token}").status_code == 429
    # Nothing about the visitor is logged, and the link's secret neither.
    for record in caplog.records:
        assert "198.51.100.23" not in record.getMessage()
        assert token not in record.getMessage()
