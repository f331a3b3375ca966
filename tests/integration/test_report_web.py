"""Unit reports on the web: one unit's PDF in one click, every unit's PDF as a ZIP built in the
background, with its progress, shared by a second click, and the person's scope kept."""

from __future__ import annotations

import io
import threading
import zipfile
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from pypdf import PdfReader
from sqlalchemy import func, select, update

from survey.clock import local_today
from survey.models import AuditEvent, OrgNode, ReportBuild, Round
from survey.operations import report_builds
from survey.staff import report_runner
from tests.factories import make_staff, sign_in
from tests.integration.test_dashboard import everywhere, node_id, scoped
from tests.integration.test_indicators_cli import ENHET, VAXT, golden_round, paper
from tests.integration.test_report_pdf import ATELJE, HEADER, text_of

BASE = "/personal/omgangar/DV-2026"


def build_zip(client):  # type: ignore[no-untyped-def]
    response = client.post(f"{BASE}/rapporter", data={"by": "utforare"})
    assert response.status_code == 303
    return response


def test_a_units_pdf_in_one_click_has_the_dashboards_numbers(client, runner, db_session, tmp_path):
    golden_round(runner, tmp_path)
    everywhere(client, db_session)
    vaxt = node_id(db_session, VAXT)
    dashboard = client.get(f"{BASE}/resultat", query_string={"enhet": vaxt}).get_data(as_text=True)
    assert f"{BASE}/resultat.pdf?by=utforare&amp;enhet={vaxt}" in dashboard
    response = client.get(f"{BASE}/resultat.pdf", query_string={"by": "utforare", "enhet": vaxt})
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert (
        "DV-2026%20Stadsdelen%20%E2%80%93%20Dagliga%20verksamheter%202%20%E2%80%93%20V"
        in disposition
    )
    text = text_of(response.data)
    assert "89 % (85 av 95)" in text
    assert "95 brukare av 177 har svarat, 54 % svarsfrekvens" in text
    events = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "reports.pdf"))
    assert [e.detail["unit"] for e in events] == [VAXT]
    # The whole organisation's report for a grant everywhere.
    whole = client.get(f"{BASE}/resultat.pdf")
    assert whole.status_code == 200
    assert "Hela organisationen" in text_of(whole.data)


def test_a_unit_outside_the_scope_is_404(client, runner, db_session, tmp_path) -> None:
    golden_round(runner, tmp_path)
    scoped(client, db_session, "enhetschef", "Stadsdelen/Boende 1")
    vaxt = node_id(db_session, VAXT)
    response = client.get(f"{BASE}/resultat.pdf", query_string={"enhet": vaxt})
    assert response.status_code == 404


def test_a_scoped_person_gets_no_whole_organisation_report(client, runner, db_session, tmp_path):
    golden_round(runner, tmp_path)
    scoped(client, db_session, "enhetschef", ENHET)
    # Their own unit is chosen by default; the whole organisation's report is not theirs.
    own = client.get(f"{BASE}/resultat.pdf")
    assert own.status_code == 200
    assert "Dagliga verksamheter 2" in text_of(own.data)
    build_zip(client)
    report_runner.wait_for_builds()
    build = db_session.scalar(select(ReportBuild))
    db_session.refresh(build)
    assert build.status == "done"
    download = client.get(f"{BASE}/rapporter/{build.id}.zip")
    with zipfile.ZipFile(io.BytesIO(download.data)) as archive:
        names = archive.namelist()
    assert not any("Hela organisationen" in n for n in names)
    assert len([n for n in names if n.endswith(".pdf")]) == 3  # the enhet and its two
    # Someone with another scope cannot fetch this build.
    client.post("/personal/logga-ut")
    boende = db_session.get(OrgNode, node_id(db_session, "Stadsdelen/Boende 1"))
    make_staff(db_session, "olle@example.se", grants=[("enhetschef", boende)])
    sign_in(client, "olle@example.se")
    assert client.get(f"{BASE}/rapporter/{build.id}.zip").status_code == 404
    assert client.get(f"{BASE}/rapporter/{build.id}.json").status_code == 404


def test_the_zip_is_built_once_in_the_background(client, runner, db_session, tmp_path) -> None:
    golden_round(runner, tmp_path)
    everywhere(client, db_session)
    page = client.get(f"{BASE}/rapporter").get_data(as_text=True)
    assert "Skapa ZIP-filen" in page
    build_zip(client)
    # A second click while it runs (or after) joins the same build.
    build_zip(client)
    report_runner.wait_for_builds()
    assert db_session.scalar(select(func.count()).select_from(ReportBuild)) == 1
    started = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "reports.zip"))
    assert len(list(started)) == 1
    build = db_session.scalar(select(ReportBuild))
    db_session.refresh(build)
    assert (build.status, build.done, build.total) == ("done", 5, 5)
    first_id = build.id
    status = client.get(f"{BASE}/rapporter/{build.id}.json").get_json()
    assert status == {"status": "done", "done": 5, "total": 5, "text": "Klart: 5 rapporter."}
    page = client.get(f"{BASE}/rapporter").get_data(as_text=True)
    assert "Ladda ner ZIP-filen" in page
    assert "Skapa ZIP-filen" not in page
    download = client.get(f"{BASE}/rapporter/{build.id}.zip")
    assert download.status_code == 200
    with zipfile.ZipFile(io.BytesIO(download.data)) as archive:
        pdfs = [n for n in archive.namelist() if n.endswith(".pdf")]
        assert len(pdfs) == 5
        assert pdfs[0].endswith("000 Hela organisationen.pdf")
        vaxt = next(n for n in pdfs if n.endswith("Växtverket.pdf"))
        assert "89 % (85 av 95)" in text_of(archive.read(vaxt))
        assert any(n.endswith(".xlsx") for n in archive.namelist())
        for name in pdfs:
            assert len(PdfReader(io.BytesIO(archive.read(name))).pages) >= 2
    # New answers make the file out of date: the page offers a new build.
    paper(
        runner, tmp_path, "DV-2026", [f"{ATELJE},man,sjalv,Beställarna/Norr,ja,ja,aldrig"], HEADER
    )
    page = client.get(f"{BASE}/rapporter").get_data(as_text=True)
    assert "Nya svar har kommit in sedan dess" in page
    build_zip(client)
    report_runner.wait_for_builds()
    builds = list(db_session.scalars(select(ReportBuild)))
    assert len(builds) == 1  # the old one dropped when the new one was done
    assert builds[0].id != first_id


def test_a_build_whose_worker_died_is_taken_over(client, runner, db_session, tmp_path) -> None:
    golden_round(runner, tmp_path)
    everywhere(client, db_session)
    build_zip(client)
    report_runner.wait_for_builds()
    build = db_session.scalar(select(ReportBuild))
    # As if its worker had died mid-build: still "building", no heartbeat for long.
    long_ago = datetime.now(UTC) - report_builds.STALE_AFTER - timedelta(seconds=5)
    db_session.execute(
        update(ReportBuild).values(status="building", done=2, updated_at=long_ago, content=None)
    )
    db_session.commit()
    page = client.get(f"{BASE}/rapporter").get_data(as_text=True)
    assert "Skapandet avbröts innan det var klart" in page
    build_zip(client)
    report_runner.wait_for_builds()
    db_session.expire_all()
    again = db_session.scalar(select(ReportBuild))
    assert again.id == build.id
    assert again.status == "done"
    assert again.content


def test_start_build_starts_once_and_takes_over_a_failed_build(runner, db_session, tmp_path):
    golden_round(runner, tmp_path)
    round_ = db_session.scalar(select(Round).where(Round.code == "DV-2026"))
    key = report_builds.BuildKey(round_.id, "utforare", "sv", "all", "v1")
    now = datetime.now(UTC)
    first, started_first = report_builds.start_build(
        db_session, key, total=3, filename="a.zip", user_id=None, now=now
    )
    db_session.commit()
    second, started_second = report_builds.start_build(
        db_session, key, total=3, filename="a.zip", user_id=None, now=now
    )
    assert (started_first, started_second) == (True, False)
    assert first.id == second.id
    # A failed build is taken over once.
    report_builds.fail_build(db_session, first.id, now)
    db_session.commit()
    _, taken = report_builds.start_build(
        db_session, key, total=3, filename="a.zip", user_id=None, now=now
    )
    _, taken_again = report_builds.start_build(
        db_session, key, total=3, filename="a.zip", user_id=None, now=now
    )
    assert (taken, taken_again) == (True, False)


def test_english_page(client, runner, db_session, tmp_path) -> None:
    golden_round(runner, tmp_path)
    everywhere(client, db_session)
    page = client.get(f"{BASE}/rapporter", query_string={"lang": "en"}).get_data(as_text=True)
    assert "Make the ZIP file" in page


def test_the_page_says_why_the_reports_are_preliminary(client, runner, db_session, tmp_path):
    """The same sentence as the PDF cover and the dashboard, true on the day: open until its
    last day, past it but not closed, and nothing once closed."""
    golden_round(runner, tmp_path)
    everywhere(client, db_session)
    round_ = db_session.scalar(select(Round).where(Round.code == "DV-2026"))
    page = client.get(f"{BASE}/rapporter").get_data(as_text=True)
    assert f"omgången är öppen till {round_.closes_on.isoformat()}" in page
    round_.opens_on = local_today() - timedelta(days=30)
    round_.closes_on = local_today() - timedelta(days=1)
    db_session.commit()
    page = client.get(f"{BASE}/rapporter").get_data(as_text=True)
    assert f"sista svarsdagen var {round_.closes_on.isoformat()}" in page
    assert runner.invoke(args=["rounds", "close", "DV-2026"]).exit_code == 0
    db_session.expire_all()
    assert db_session.scalar(select(Round).where(Round.code == "DV-2026")).is_closed
    page = client.get(f"{BASE}/rapporter").get_data(as_text=True)
    assert "Preliminära resultat" not in page
    assert "preliminära" not in page


def test_clicks_racing_in_several_workers_start_one_build(
    app, runner, db_session, tmp_path, monkeypatch
):
    """Six people press "Skapa ZIP-filen" at the same moment (each request in its own thread,
    as in six workers): one build row, one started build, every click answered 303."""
    golden_round(runner, tmp_path)
    everywhere(client := app.test_client(), db_session)
    clients = [client]
    for number in range(5):
        other = app.test_client()
        make_staff(db_session, f"person{number}@example.se")  # everywhere, like the first
        sign_in(other, f"person{number}@example.se")
        clients.append(other)
    barrier = threading.Barrier(len(clients))
    starts = []
    real_start = report_runner.start

    def counted_start(*args, **kwargs):  # type: ignore[no-untyped-def]
        starts.append(args)
        real_start(*args, **kwargs)

    monkeypatch.setattr(report_runner, "start", counted_start)

    def click(each) -> int:  # type: ignore[no-untyped-def]
        barrier.wait()
        return each.post(f"{BASE}/rapporter", data={"by": "utforare"}).status_code

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        statuses = list(pool.map(click, clients))
    report_runner.wait_for_builds()
    assert statuses == [303] * len(clients)
    assert len(starts) == 1
    db_session.rollback()
    assert db_session.scalar(select(func.count()).select_from(ReportBuild)) == 1
    started = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "reports.zip"))
    assert len(list(started)) == 1
    build = db_session.scalar(select(ReportBuild))
    assert build.status == "done"
    assert build.content
