"""Targets against a real database: `targets import` / `targets list` and the Mål page."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from survey.domain.targets import target_for
from survey.models import AuditEvent, StagedImport, Target
from survey.queries.organisation import ancestor_ids
from survey.queries.targets import targets_for
from tests.factories import make_staff, make_unit, sign_in

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
HEADER = "indicator,unit,period,arsmal,kf_arsmal\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def stored(session) -> set[tuple[str, str | None, int, str | None, str | None]]:
    session.rollback()
    rows = session.scalars(select(Target))
    return {
        (
            t.indicator_key,
            t.org_node_id and _path(session, t.org_node_id),
            t.period,
            t.arsmal,
            t.kf_arsmal,
        )
        for t in rows
    }


def _path(session, node_id: int) -> str:
    from survey.queries.organisation import path_of

    return path_of(session, node_id)


def audit_actions(session) -> list[str]:
    session.rollback()
    return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.at, AuditEvent.id)))


@pytest.fixture
def tree(db_session):
    v1 = make_unit(db_session, "F/E1/V1")
    v2 = make_unit(db_session, "F/E2/V2")
    db_session.commit()
    return v1, v2


# --- the command line -----------------------------------------------------------------------


def test_cli_good_file(runner, db_session, tree, tmp_path):
    path = write(
        tmp_path,
        "mal.csv",
        HEADER + "nojd,,2026,85 %,90\n"
        'nojd,F/E1,2026,"85,5",\n'
        "bemotande,F/E1/V1,2026,Tas fram av nämnd,Ökning\n"
        "paverka,V1,2026,,\n",
    )
    result = runner.invoke(args=["targets", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "3 targets imported (0 updated), 1 unchanged." in result.output
    assert stored(db_session) == {
        ("nojd", None, 2026, "85", "90"),
        ("nojd", "F/E1", 2026, "85.5", None),  # empty stays NULL, never 0
        ("bemotande", "F/E1/V1", 2026, "Tas fram av nämnd", "Ökning"),  # text kept
    }
    assert audit_actions(db_session) == ["targets.import"]
    event = db_session.scalar(select(AuditEvent))
    assert event.detail["created"] == 3
    assert event.detail["periods"] == [2026]


def test_cli_reimport_updates_and_removes(runner, db_session, tree, tmp_path):
    first = write(tmp_path, "a.csv", HEADER + "nojd,,2026,85,90\nnojd,F/E1,2026,80,\n")
    assert runner.invoke(args=["targets", "import", str(first)]).exit_code == 0
    second = write(
        tmp_path, "b.csv", HEADER + "nojd,,2026,87,90\nnojd,F/E1,2026,,\nnojd,F/E2,2026,70,\n"
    )
    result = runner.invoke(args=["targets", "import", str(second)])
    assert result.exit_code == 0, result.output
    assert "2 targets imported (1 updated), 1 removed." in result.output
    assert stored(db_session) == {
        ("nojd", None, 2026, "87", "90"),
        ("nojd", "F/E2", 2026, "70", None),
    }
    assert db_session.scalar(select(func.count()).select_from(Target)) == 2


@pytest.mark.parametrize(
    ("line", "column", "words"),
    [
        ("nojd,F/E1,20x4,85,", "period", "“20x4” is not a period"),
        ("nojd,F/Finns inte,2026,85,", "unit", "no open unit “F/Finns inte”"),
        ("nojd,F/E1,2026,120 %,", "arsmal", "“120 %” is not a percentage between 0 and 100"),
        ("nojd,F/E1,2026,,-3", "kf_arsmal", "“-3” is not a percentage"),
        ("nöjdhet,F/E1,2026,85,", "indicator", "“nöjdhet” is not an indicator"),
    ],
)
def test_cli_bad_row_writes_nothing(runner, db_session, tree, tmp_path, line, column, words):
    # A good row 2, then the bad row 3: one line naming file, row and column; nothing written.
    path = write(tmp_path, "mal.csv", HEADER + "nojd,,2026,85,90\n" + line + "\n")
    result = runner.invoke(args=["targets", "import", str(path)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{path}:3:{column}: ")
    assert words in lines[0]
    assert stored(db_session) == set()
    assert audit_actions(db_session) == []


def test_cli_duplicate_row(runner, db_session, tree, tmp_path):
    path = write(tmp_path, "mal.csv", HEADER + "nojd,F/E1,2026,85,\nNöjd,F/E1/,2026,80,\n")
    result = runner.invoke(args=["targets", "import", str(path)])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"{path}:2:unit: The same indicator, unit and period are also on row 3. "
        "Keep one row per indicator, unit and period.",
        f"{path}:3:unit: The same indicator, unit and period are also on row 2. "
        "Keep one row per indicator, unit and period.",
    ]
    assert stored(db_session) == set()


def test_cli_refused_file(runner, db_session, tmp_path):
    path = write(tmp_path, "mal.csv", "unit,arsmal\nF,85\n")
    result = runner.invoke(args=["targets", "import", str(path)])
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"{path}: The file has no column indicator, period. The first row must name the columns."
    )


def test_cli_excel_file_and_list_round_trip(runner, db_session, tree, tmp_path):
    workbook = Workbook()
    for row in (
        ["Indikator", "Enhet", "Period", "Årsmål", "KF:s årsmål"],
        ["nojd", None, 2026, 85, 90],
        ["bemotande", "F/E2/V2", 2026, "Tas fram av nämnd", None],
        ["nojd", "F/E1", 2025, 82.5, None],
    ):
        workbook.active.append(row)
    path = tmp_path / "mal.xlsx"
    workbook.save(path)
    result = runner.invoke(args=["targets", "import", str(path)])
    assert result.exit_code == 0, result.output
    listed = runner.invoke(args=["targets", "list", "--period", "2026"])
    assert listed.exit_code == 0
    assert listed.output.splitlines() == [
        "indicator,unit,period,arsmal,kf_arsmal",
        "nojd,,2026,85,90",
        "bemotande,F/E2/V2,2026,Tas fram av nämnd,",
    ]
    everything = runner.invoke(args=["targets", "list"]).output
    assert "nojd,F/E1,2025,82.5," in everything
    # The listing imports again unchanged.
    again = write(tmp_path, "again.csv", everything)
    result = runner.invoke(args=["targets", "import", str(again)])
    assert result.exit_code == 0, result.output
    assert "0 targets imported (0 updated), 3 unchanged." in result.output


def test_one_installation_target_per_indicator_and_period(db_session):
    # NULLs are distinct in the unique constraint; a partial index keeps this one.
    db_session.add(Target(indicator_key="nojd", org_node_id=None, period=2026, arsmal="80"))
    db_session.commit()
    db_session.add(Target(indicator_key="nojd", org_node_id=None, period=2026, arsmal="85"))
    with pytest.raises(IntegrityError):
        db_session.commit()
    db_session.rollback()


def test_targets_for_and_inheritance(runner, db_session, tree, tmp_path):
    v1, _v2 = tree
    path = write(
        tmp_path, "mal.csv", HEADER + "nojd,,2026,70,75\nnojd,F/E1,2026,80,\nnojd,F/E1/V1,2026,,\n"
    )
    assert runner.invoke(args=["targets", "import", str(path)]).exit_code == 0
    targets = targets_for(db_session, 2026)
    assert targets[("nojd", None)] == ("70", "75")
    assert target_for(targets, "nojd", ancestor_ids(db_session, v1.id)) == ("80", "75")
    assert targets_for(db_session, 2025) == {}


# --- the page -------------------------------------------------------------------------------


def _upload(client, url, data, name):
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), filename=name)})
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def _admin(client, db_session, node=None, email="admin@example.se"):
    make_staff(db_session, email, grants=[("admin", node)], totp_secret=SECRET)
    sign_in(client, email, totp_secret=SECRET)


def test_page_upload_preview_confirm(client, db_session, tree):
    _admin(client, db_session)
    page = client.get("/personal/mal?period=2026&lang=sv")
    assert page.status_code == 200
    assert "Inga mål är satta för 2026." in page.get_data(as_text=True)
    data = (HEADER + "nojd,,2026,85 %,90\nbemotande,F/E1,2026,Tas fram av nämnd,\n").encode()
    checked = _upload(client, "/personal/mal/importera", data, "mal.csv")
    assert checked.status_code == 200
    body = checked.get_data(as_text=True)
    assert "Hela organisationen" in body
    assert "Tas fram av nämnd" in body
    assert stored(db_session) == set()  # nothing before the confirm
    staged = db_session.scalar(select(StagedImport).where(StagedImport.kind == "targets"))
    done = client.post(f"/personal/mal/importera/{staged.id}")
    assert done.status_code == 302
    assert done.headers["Location"].endswith("/personal/mal?period=2026")
    assert stored(db_session) == {
        ("nojd", None, 2026, "85", "90"),
        ("bemotande", "F/E1", 2026, "Tas fram av nämnd", None),
    }
    assert db_session.scalar(select(StagedImport)) is None
    listed = client.get("/personal/mal?period=2026").get_data(as_text=True)
    assert "Andel brukare som är nöjd med sin insats" in listed
    assert "85\u00a0%" in listed
    # The download is the import's format and imports again.
    download = client.get("/personal/mal.csv?period=2026")
    assert download.status_code == 200
    text = download.get_data().decode("utf-8-sig")
    assert text.splitlines()[0] == "indicator,unit,period,arsmal,kf_arsmal"
    assert "bemotande,F/E1,2026,Tas fram av nämnd," in text
    assert "targets.export" in audit_actions(db_session)


def test_page_upload_with_errors_shows_them_and_saves_nothing(client, db_session, tree):
    _admin(client, db_session)
    data = (HEADER + "nojd,,20x4,85,\nnojd,F/E1,2026,120 %,\n").encode()
    checked = _upload(client, "/personal/mal/importera", data, "mal.csv")
    assert checked.status_code == 422
    body = checked.get_data(as_text=True)
    assert "»20x4« är ingen period." in body
    assert "»120 %« är inte en procentsats mellan 0 och 100." in body
    assert db_session.scalar(select(StagedImport)) is None
    assert stored(db_session) == set()


def test_page_set_and_clear_one_target(client, db_session, tree):
    v1, _ = tree
    _admin(client, db_session)
    form = {"indicator": "nojd", "unit": str(v1.id), "period": "2026", "arsmal": "85,5 %"}
    saved = client.post("/personal/mal/satt", data={**form, "kf_arsmal": ""})
    assert saved.status_code == 302
    assert stored(db_session) == {("nojd", "F/E1/V1", 2026, "85.5", None)}
    bad = client.post("/personal/mal/satt", data={**form, "kf_arsmal": "120"})
    assert bad.status_code == 400
    assert "»120« är inte en procentsats mellan 0 och 100." in bad.get_data(as_text=True)
    assert stored(db_session) == {("nojd", "F/E1/V1", 2026, "85.5", None)}
    cleared = client.post("/personal/mal/satt", data={**form, "arsmal": "", "kf_arsmal": ""})
    assert cleared.status_code == 302
    assert stored(db_session) == set()
    assert audit_actions(db_session)[-2:] == ["target.set", "target.clear"]


def test_subtree_admin_only_sets_targets_inside(client, db_session, tree):
    v1, v2 = tree
    _admin(client, db_session, node=v1.parent, email="e1@example.se")
    form = {"indicator": "nojd", "period": "2026", "arsmal": "80", "kf_arsmal": ""}
    outside = client.post("/personal/mal/satt", data={**form, "unit": str(v2.id)})
    assert outside.status_code == 404
    assert "V2" not in outside.get_data(as_text=True)
    everywhere = client.post("/personal/mal/satt", data={**form, "unit": ""})
    assert everywhere.status_code == 403
    inside = client.post("/personal/mal/satt", data={**form, "unit": str(v1.id)})
    assert inside.status_code == 302
    assert stored(db_session) == {("nojd", "F/E1/V1", 2026, "80", None)}
    # A file naming a unit outside, or the whole organisation, is refused row by row.
    data = (HEADER + "nojd,F/E2/V2,2026,80,\nnojd,,2026,80,\nnojd,F/E1,2026,75,\n").encode()
    checked = _upload(client, "/personal/mal/importera", data, "mal.csv")
    assert checked.status_code == 422
    body = checked.get_data(as_text=True)
    assert "Det finns ingen öppen enhet »F/E2/V2« som du får sätta mål för." in body
    assert "En tom enhet betyder ett mål för hela organisationen" in body
    assert stored(db_session) == {("nojd", "F/E1/V1", 2026, "80", None)}
    # The page lists nothing outside the subtree, and offers no whole-organisation choice.
    page = client.get("/personal/mal?period=2026").get_data(as_text=True)
    assert "F/E2" not in page
    assert '<option value="">' not in page


def test_targets_need_the_admin_role(client, db_session, tree):
    make_staff(db_session, "h@example.se", grants=[("handlaggare", None)])
    sign_in(client, "h@example.se")
    assert client.get("/personal/mal").status_code == 403
    assert client.post("/personal/mal/satt", data={"indicator": "nojd"}).status_code == 403
