"""The indicator dashboard (/personal/omgangar/<code>/resultat) against the golden round of
tests/integration/test_indicators_cli.py, built through the CLI as a real round would be:
"Andel brukare som är nöjd med sin insats — 89 % (85 av 95), män 85 %, kvinnor 93 %; 95
brukare av 177 har svarat (54 %)"."""

from __future__ import annotations

import csv
import io
import json
import re

import jsonschema
from openpyxl import load_workbook
from sqlalchemy import select

from survey.models import AuditEvent, OrgNode, Round
from tests.factories import make_staff, sign_in
from tests.integration.test_indicators_cli import (
    ENHET,
    SCHEMA,
    VAXT,
    golden_round,
    invitations,
    paper,
)

URL = "/personal/omgangar/DV-2026/resultat"
ATELJE = "Stadsdelen/Dagliga verksamheter 2/Ateljén"
HEADER = "unit,gender,answered_by,bestallare,DV_NOJD,DV_TRIVS,DV_RADD"


def node_id(session, path: str) -> int:  # type: ignore[no-untyped-def]
    name = path.rsplit("/", 1)[-1]
    for node in session.scalars(select(OrgNode).where(OrgNode.name == name)):
        if node.path() == path:
            return node.id
    raise AssertionError(path)


def get(client, **args):  # type: ignore[no-untyped-def]
    return client.get(URL, query_string={k: v for k, v in args.items() if v is not None})


def page(client, **args) -> str:  # type: ignore[no-untyped-def]
    response = get(client, **args)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def text(html: str) -> str:
    """The page's words, tags and SVG left out, spaces collapsed."""
    html = re.sub(r"<svg.*?</svg>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def row_of(html: str, name: str) -> str:
    """The text of the table row whose header cell starts with `name`."""
    for match in re.finditer(r"<tr>(.*?)</tr>", html, flags=re.S):
        if re.search(r'<th scope="row">\s*' + re.escape(name), match.group(1)):
            return text(match.group(1))
    raise AssertionError(f"no row {name!r}")


def everywhere(client, db_session) -> None:  # type: ignore[no-untyped-def]
    make_staff(db_session)  # handläggare on the whole installation
    sign_in(client)


def scoped(client, db_session, role: str, path: str) -> None:  # type: ignore[no-untyped-def]
    node = db_session.get(OrgNode, node_id(db_session, path))
    make_staff(db_session, "eva@example.se", grants=[(role, node)])
    sign_in(client, "eva@example.se")


NOJD = "Andel brukare som är nöjd med sin insats"


def test_the_golden_row_in_the_annual_report_layout(client, runner, db_session, tmp_path):
    golden_round(runner, tmp_path)
    everywhere(client, db_session)
    html = page(client, enhet=node_id(db_session, VAXT))
    words = text(html)
    assert "<h1>Växtverket" in html
    assert "95 brukare av 177 har svarat, 54 % svarsfrekvens" in words
    assert re.search(
        r"Preliminära resultat: omgången är öppen till \d{4}-\d\d-\d\d, så nya svar kan ändra "
        r"siffrorna\. Siffror per \d{4}-\d\d-\d\d\.",
        words,
    )
    headers = re.findall(r'<th scope="col">([^<]+)</th>', html.split('class="indicators"')[1])
    assert headers[:9] == [
        "Indikator",
        "Periodens utfall",
        "Utfall män",
        "Utfall kvinnor",
        "Utfall föregående period",
        "Årsmål",
        "KF:s årsmål",
        "Period",
        "Hela organisationen",
    ]
    nojd = row_of(html, NOJD)
    assert re.search(
        r"89 % \(85 av 95\) 85 % \(34 av 40\) 93 % \(51 av 55\) – .* 2026 89 % \(85 av 95\)", nojd
    ), nojd
    # An indicator nobody answered: withheld, with the threshold in words.
    bemotande = row_of(html, "Andel personer med funktionsnedsättning som upplever att de blir")
    assert bemotande.count("– färre än 5 svar") == 4
    # Response rate by gender.
    assert row_of(html, "Män").startswith("Män 80 40 50 %")
    assert row_of(html, "Kvinnor").startswith("Kvinnor 97 55 57 %")
    # Each question's answers, grouped by the catalogue's quality areas.
    assert [
        a for a in ("Självbestämmande", "Bemötande", "Trygghet", "Trivsel") if f">{a}</h3>" in html
    ]
    assert "Ja: 34 (40 %) · Ibland: 51 (60 %) · Nej: 0 (0 %)" in words  # DV_TRIVS
    # Every chart: role=img named by its caption and summary, and a data table beside it.
    figures = re.findall(r'<figure class="chart">(.*?)</figure>', html, flags=re.S)
    assert len(figures) >= 5 + 3
    for figure in figures:
        for labelled in re.findall(r'<svg role="img" aria-labelledby="([^"]+)"', figure):
            for part in labelled.split():
                assert f'id="{part}"' in figure
        if 'role="img"' in figure:
            assert "<table" in figure
        else:
            assert "– färre än 5 svar" in text(figure)  # withheld: no chart, the note instead


def test_bars_are_drawn_from_the_cells_and_withheld_ones_are_absent(
    client, runner, db_session, tmp_path
):
    golden_round(runner, tmp_path)
    everywhere(client, db_session)
    html = page(client, by="bestallare", enhet=node_id(db_session, "Beställarna/Norr"))
    chart = re.search(r'<figure class="chart">(.*?)</figure>', html, flags=re.S).group(1)
    # Norr: 34 of 40 men, no women: the total and men bars (85 % of 220), no women bar.
    assert 'width="187.0" height="20" class="bar-total"' in chart
    assert 'width="187.0" height="20" class="bar-men"' in chart
    assert "bar-women" not in chart
    assert "Kvinnor: – (färre än 5 svar)" in text(chart)


def test_few_answers_are_flagged_with_their_interval(client, runner, db_session, tmp_path):
    golden_round(runner, tmp_path)
    invitations(runner, tmp_path, "DV-2026", ATELJE, men=10, women=10)
    rows = [f"{ATELJE},man,sjalv,Beställarna/Norr,ja,ja,aldrig"] * 7 + [
        f"{ATELJE},kvinna,sjalv,Beställarna/Söder,nej,ja,aldrig"
    ] * 6
    paper(runner, tmp_path, "DV-2026", rows, HEADER)
    everywhere(client, db_session)
    html = page(client, enhet=node_id(db_session, ATELJE))
    nojd = row_of(html, NOJD)
    assert "54 % (7 av 13) få svar (95 % KI 29–77 %)" in nojd, nojd


def test_the_default_page_and_the_drill_down(client, runner, db_session, tmp_path):
    golden_round(runner, tmp_path)
    everywhere(client, db_session)
    whole = page(client)
    # A grant everywhere starts at the whole organisation, its units listed below.
    assert "<h1>Hela organisationen" in whole
    stadsdelen = node_id(db_session, "Stadsdelen")
    assert f'enhet={stadsdelen}">Stadsdelen</a>' in whole
    enhet = page(client, enhet=node_id(db_session, ENHET))
    children = enhet.split('id="children-heading"')[1]
    assert "Ateljén (Verksamhet) – färre än 5 svar –" in text(children)
    assert "Växtverket (Verksamhet) 89 % (85 av 95) 95 av 177 (54 %)" in text(children)
    vaxt = node_id(db_session, VAXT)
    assert f'href="/personal/omgangar/DV-2026/resultat?by=utforare&amp;enhet={vaxt}"' in children
    # Links up: the organisation, then Stadsdelen.
    crumbs = enhet.split('class="crumbs"')[1].split("</nav>")[0]
    assert 'resultat?by=utforare">Hela organisationen</a>' in crumbs
    assert f'enhet={stadsdelen}">Stadsdelen</a>' in crumbs


def test_switching_to_the_bestallare_hierarchy(client, runner, db_session, tmp_path):
    golden_round(runner, tmp_path)
    everywhere(client, db_session)
    html = page(client, by="bestallare", enhet=node_id(db_session, "Beställarna/Söder"))
    assert "93 % (51 av 55)" in row_of(html, NOJD).split("Hela")[0]
    assert 'aria-current="page">Efter beställare' in html
    assert "Beställarna</a>" in html.split('class="crumbs"')[1].split("</nav>")[0]
    # A beställare node under by=utforare is not a unit of that tree: 404; unknown tree: 400.
    assert get(client, enhet=node_id(db_session, "Beställarna/Söder")).status_code == 404
    assert get(client, by="nonsense").status_code == 400
    assert get(client, enhet="x").status_code == 404


def test_a_subtree_person_sees_their_subtree_only(client, runner, db_session, tmp_path):
    golden_round(runner, tmp_path)
    scoped(client, db_session, "enhetschef", ENHET)
    html = page(client)
    # Starts at the top of the scope; no way up past it, no beställare switch.
    assert "<h1>Dagliga verksamheter 2" in html
    crumbs = html.split('class="crumbs"')[1].split("</nav>")[0]
    assert "Stadsdelen</a>" not in crumbs
    assert "Hela organisationen</a>" not in crumbs
    assert "beställare" not in html.lower()
    # The whole organisation's figure is there for comparison.
    assert "Hela organisationen" in html
    assert page(client, enhet=node_id(db_session, VAXT)).count("89 % (85 av 95)") >= 2
    for outside in ("Stadsdelen", "Stadsdelen/Boende 1/Solrosen", "Beställarna/Norr"):
        assert get(client, enhet=node_id(db_session, outside)).status_code == 404
    assert get(client, by="bestallare").status_code == 404
    for fmt in ("csv", "json", "xlsx"):
        response = client.get(f"{URL}.{fmt}?enhet={node_id(db_session, 'Stadsdelen')}")
        assert response.status_code == 404
    # No round-changing form for a person who cannot change the round.
    assert "svar-av-annan" not in html


def test_several_subtrees_give_a_list_to_pick_from(client, runner, db_session, tmp_path):
    golden_round(runner, tmp_path)
    vaxt = db_session.get(OrgNode, node_id(db_session, VAXT))
    atelje = db_session.get(OrgNode, node_id(db_session, ATELJE))
    make_staff(db_session, "eva@example.se", grants=[("enhetschef", vaxt), ("enhetschef", atelje)])
    sign_in(client, "eva@example.se")
    html = page(client)
    assert "Välj en." in text(html)
    assert "Växtverket</a>" in html
    assert "Ateljén</a>" in html
    assert 'id="table-heading"' not in html
    # Their download holds their subtrees and nothing above them.
    body = client.get(f"{URL}.csv").get_data(as_text=True).lstrip("\ufeff")
    units = {line[0] for line in list(csv.reader(io.StringIO(body), delimiter=";"))[1:]}
    assert units == {VAXT, ATELJE}


def test_downloads_of_a_subtree_are_audited(client, runner, db_session, tmp_path):
    golden_round(runner, tmp_path)
    everywhere(client, db_session)
    enhet = node_id(db_session, ENHET)
    response = client.get(f"{URL}.csv?by=utforare&enhet={enhet}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    lines = list(
        csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";")
    )
    assert lines[0][:3] == ["Enhet", "Nivå", "Indikator"]
    units = {line[0] for line in lines[1:]}
    assert units == {ENHET, VAXT, ATELJE}  # the subtree, not Stadsdelen
    nojd = next(line for line in lines if line[0] == VAXT and line[2] == NOJD)
    assert nojd[4:7] == ["89", "85", "95"]
    document = client.get(f"{URL}.json?by=utforare&enhet={enhet}").get_json()
    jsonschema.validate(document, SCHEMA)
    assert {r["unit"] for r in document["rows"]} == {ENHET, VAXT, ATELJE}
    book = load_workbook(io.BytesIO(client.get(f"{URL}.xlsx?enhet={enhet}").data))
    assert book.sheetnames == ["Enhet", "Verksamhet", "Hela organisationen", "Svarsfrekvens"]
    assert book["Enhet"]["A2"].value == ENHET
    assert {c.value for c in book["Verksamhet"]["A"][1:]} == {VAXT, ATELJE}
    assert client.get(f"{URL}.txt").status_code == 404  # (.pdf is the unit report)
    db_session.rollback()
    events = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "indicators.export").order_by(AuditEvent.id)
    ).all()
    assert [e.detail["format"] for e in events] == ["csv", "json", "xlsx"]
    assert all(e.detail["round"] == "DV-2026" and e.detail["unit"] == ENHET for e in events)
    assert all(e.detail["by"] == "utforare" for e in events)


def test_english_page(client, runner, db_session, tmp_path):
    golden_round(runner, tmp_path)
    everywhere(client, db_session)
    client.get("/personal/?lang=en")
    words = text(page(client, enhet=node_id(db_session, VAXT)))
    assert "95 brukare of 177 have answered, 54 % response rate" in words
    assert "89 % (85 of 95)" in words
    assert "Preliminary results: the round is open until " in words
    assert "Result for the period" in words
    response = client.get(f"{URL}.csv?enhet={node_id(db_session, VAXT)}")
    assert response.get_data(as_text=True).lstrip("\ufeff").startswith("Unit;Level;Indicator")


def test_counting_proxy_answers_is_a_round_setting(client, runner, db_session, tmp_path):
    golden_round(runner, tmp_path)
    rows = [f"{VAXT},man,annan,Beställarna/Norr,nej,nej,ofta"] * 5
    paper(runner, tmp_path, "DV-2026", rows, HEADER)
    everywhere(client, db_session)
    vaxt = node_id(db_session, VAXT)
    html = page(client, enhet=vaxt)
    words = text(html)
    assert "Av omgångens 100 inskickade enkäter besvarades 5 (5 %) av någon annan" in words
    assert "89 % (85 av 95)" in row_of(html, NOJD)
    assert "Räkna med svar där någon annan svarade åt brukaren" in words
    response = client.post(
        f"{URL}/svar-av-annan", data={"include": "y", "by": "utforare", "enhet": str(vaxt)}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/resultat?by=utforare&enhet={vaxt}")
    db_session.rollback()
    round_ = db_session.scalar(select(Round).where(Round.code == "DV-2026"))
    assert round_.include_proxy_answers is True
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "round.proxy_counting"))
    assert event.detail == {"round": "DV-2026", "include_proxy_answers": True}
    html = page(client, enhet=vaxt)
    assert "85 % (85 av 100)" in row_of(html, NOJD)
    assert "De räknas med i siffrorna." in text(html)
    client.post(f"{URL}/svar-av-annan", data={"by": "utforare"})
    db_session.rollback()
    assert db_session.get(Round, round_.id).include_proxy_answers is False


def test_only_those_who_manage_the_round_may_change_the_setting(
    client, runner, db_session, tmp_path
):
    golden_round(runner, tmp_path)
    scoped(client, db_session, "enhetschef", "Stadsdelen")
    assert "svar-av-annan" not in page(client)
    assert client.post(f"{URL}/svar-av-annan", data={"include": "y"}).status_code == 403
    db_session.rollback()
    assert db_session.scalar(select(Round.include_proxy_answers)) is False


def test_the_round_and_the_overview_link_to_the_results(client, runner, db_session, tmp_path):
    golden_round(runner, tmp_path)
    everywhere(client, db_session)
    for url in ("/personal/omgangar/DV-2026", "/personal/omgangar/DV-2026/oversikt"):
        assert 'href="/personal/omgangar/DV-2026/resultat"' in client.get(url).get_data(
            as_text=True
        )


def test_a_closed_round_is_not_preliminary(client, runner, db_session, tmp_path):
    golden_round(runner, tmp_path)
    round_ = db_session.scalar(select(Round).where(Round.code == "DV-2026"))
    round_.is_closed = True
    db_session.commit()
    everywhere(client, db_session)
    assert "Preliminära siffror" not in page(client)


def test_json_of_the_whole_installation_matches_the_cli(client, runner, db_session, tmp_path):
    golden_round(runner, tmp_path)
    everywhere(client, db_session)
    web = client.get(f"{URL}.json").get_json()
    cli = json.loads(runner.invoke(args=["indicators", "--round", "DV-2026"]).stdout)
    assert web == cli


def test_the_analysis_texts_under_the_table(client, runner, db_session, tmp_path):
    golden_round(runner, tmp_path)
    everywhere(client, db_session)
    html = page(client, enhet=node_id(db_session, VAXT))
    section = html.split('id="analysis-heading"')[1].split("</section>")[0]
    # One read-only text per indicator the survey feeds, labelled with the indicator's name.
    areas = re.findall(r'<label for="(analysis-[a-z_]+)">([^<]+)</label>', section)
    assert areas[0][1] == NOJD
    assert len(areas) == 5
    for area_id, _ in areas:
        assert f'<textarea id="{area_id}" rows="4" readonly' in section
        assert f'data-copy="{area_id}"' in section  # the copy button, hidden without script
    nojd = re.search(r'<textarea id="analysis-nojd"[^>]*>(.*?)</textarea>', section, re.S)
    assert nojd.group(1).startswith(
        "I Växtverket har totalt 95 brukare av 177 svarat på brukarundersökningen, vilket "
        "motsvarar cirka 54\u00a0% svarsfrekvens. Andelen brukare som är nöjda med sin insats "
        "är 89\u00a0%, män 85\u00a0% och kvinnor 93\u00a0%. Preliminära resultat: omgången är "
        "öppen till "
    )
    bemotande = re.search(r'<textarea id="analysis-bemotande"[^>]*>(.*?)</textarea>', section, re.S)
    assert "väl bemötta av stadens personal visas inte, för att skydda svaren i små grupper" in (
        bemotande.group(1)
    )
    assert re.search(r'<button type="button"[^>]*data-copy="analysis-nojd"[^>]*hidden>', section)
    assert re.search(r'<script src="/static/js/copy_text\.[0-9a-f]+\.js" defer>', html) or (
        '<script src="/static/js/copy_text.js" defer>' in html
    )
    # The whole organisation speaks of itself.
    assert "I hela organisationen har totalt 95 brukare" in page(client)


def test_the_analysis_texts_in_english(client, runner, db_session, tmp_path):
    golden_round(runner, tmp_path)
    everywhere(client, db_session)
    client.get("/personal/?lang=en")
    html = page(client, enhet=node_id(db_session, VAXT))
    assert ">Analysis</h2>" in html
    assert "The share of users who are satisfied with their support is 89%, men 85%" in html
    assert '>Copy the text<span class="visually-hidden">: Share of users who are satisfied' in html


def test_a_unit_without_answers_says_so(client, runner, db_session, tmp_path) -> None:
    golden_round(runner, tmp_path)
    everywhere(client, db_session)
    words = text(page(client, enhet=node_id(db_session, ATELJE)))
    assert "Ingen i Ateljén har svarat än, så det finns inga resultat att visa." in words
    assert "har svarat än" not in text(page(client, enhet=node_id(db_session, VAXT)))
