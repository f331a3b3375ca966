"""File imports against a real database: recipients, paper forms, the organisation; the CLI."""

from __future__ import annotations

import io
import os
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from survey.clock import local_today
from survey.domain.recipients import RecipientRow
from survey.domain.tabular import ImportRejected, UploadRefused
from survey.models import (
    Answer,
    AuditEvent,
    DraftAnswer,
    FreeTextComment,
    Invitation,
    OrgNode,
    SurveyResponse,
)
from survey.operations import recipients as recipient_ops
from survey.operations.invitations import issue_invitation
from survey.operations.organisation import ensure_node_path
from survey.operations.paper import import_paper_rows, preview_paper
from survey.operations.recipients import (
    WithdrawRefused,
    import_recipient_rows,
    preview_recipients,
    withdraw_invitation,
)
from survey.queries.imports import unit_index_for_round
from tests.factories import make_round, make_unit

ORG = "Förvaltningen/Enheten"


def count(session, model) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def dv_round(db_session):  # type: ignore[no-untyped-def]
    units = [
        make_unit(db_session, f"{ORG}/Växtverket"),
        make_unit(db_session, f"{ORG}/Ateljén"),
    ]
    make_unit(db_session, f"{ORG}/Caféet")  # exists, not in the round
    bo = make_unit(db_session, f"{ORG}/Gruppbostaden Solrosen", "gruppbostad")
    ensure_node_path(db_session, "Stadsdelen/Beställarenheten LSS", tree="bestallare")
    # A unit of another survey type can never be in the round (create_round refuses it).
    assert bo.insats_code == "gruppbostad"
    round_ = make_round(db_session, units=units, code="DV-TEST")
    db_session.commit()
    return round_


def unit_named(round_, name: str):  # type: ignore[no-untyped-def]
    """`round_.units` has no order: the database may return the units in any order."""
    return next(unit for unit in round_.units if unit.name == name)


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- recipients -------------------------------------------------------------------------


def test_swedish_semicolon_cp1252_list_is_imported(db_session, dv_round):
    data = (
        "Enhet;Kön;Beställare;E-post;Namn\r\n"
        "Växtverket;Kvinna;Beställarenheten LSS;anna@example.se;Anna A\r\n"
        "Enheten/Ateljén;M;;;Bo B\r\n"
        "Ateljén;;;;Cia C\r\n"
    ).encode("cp1252")
    preview = preview_recipients(db_session, dv_round, data, "lista.csv")
    assert preview.errors == []
    assert import_recipient_rows(db_session, dv_round, preview.rows, user_id=None) == 3
    db_session.commit()
    invitations = db_session.scalars(select(Invitation).order_by(Invitation.id)).all()
    assert [(i.unit.name, i.gender, i.email) for i in invitations] == [
        ("Växtverket", "kvinna", "anna@example.se"),
        ("Ateljén", "man", None),
        ("Ateljén", None, None),
    ]
    assert invitations[0].bestallare is not None
    assert invitations[0].bestallare.name == "Beställarenheten LSS"
    assert len({i.short_code for i in invitations}) == 3
    assert all(len(i.token) >= 43 and i.status == "not_started" for i in invitations)
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "invitations.import"))
    assert event.detail == {"round": "DV-TEST", "count": 3, "channel": "link"}
    assert "Anna" not in str(event.detail)


def test_xlsx_list_is_imported(db_session, dv_round):
    data = xlsx_bytes([["enhet", "kön"], ["Växtverket", "kvinna"], ["Ateljén", "man"]])
    preview = preview_recipients(db_session, dv_round, data, "lista.xlsx")
    assert preview.errors == []
    assert import_recipient_rows(db_session, dv_round, preview.rows) == 2


def test_units_outside_the_round_or_its_survey_type(db_session, dv_round):
    data = "Enhet;Kön\nCaféet;K\nGruppbostaden Solrosen;K\nVäxtverk;K\n".encode()
    preview = preview_recipients(db_session, dv_round, data, "x.csv")
    assert [(e.row, e.code) for e in preview.errors] == [
        (2, "unit_not_in_round"),
        (3, "unit_not_in_round"),
        (4, "unknown_unit"),
    ]
    index = unit_index_for_round(db_session, dv_round)
    assert sorted(index.paths.values()) == [f"{ORG}/Ateljén", f"{ORG}/Växtverket"]


def test_closed_round_is_refused(db_session, dv_round):
    dv_round.is_closed = True
    with pytest.raises(UploadRefused) as caught:
        preview_recipients(db_session, dv_round, b"enhet\nA\n", "x.csv")
    assert caught.value.code == "round_closed"
    with pytest.raises(UploadRefused):
        import_recipient_rows(db_session, dv_round, [])


def test_stale_rows_write_nothing(db_session, dv_round):
    cafe = db_session.scalar(select(OrgNode).where(OrgNode.name == "Caféet"))
    good = preview_recipients(db_session, dv_round, "Enhet\nVäxtverket\n".encode(), "x.csv").rows
    rows = [*good * 5, RecipientRow(9, cafe.id, None, None, None)]
    before = count(db_session, Invitation)
    with pytest.raises(ImportRejected) as caught:
        import_recipient_rows(db_session, dv_round, rows)
    assert [(e.row, e.code) for e in caught.value.errors] == [(9, "unit_not_in_round")]
    db_session.rollback()
    assert count(db_session, Invitation) == before


def test_short_code_clashes_are_regenerated(db_session, dv_round, monkeypatch):
    taken = issue_invitation(db_session, dv_round, dv_round.units[0]).short_code
    fresh = iter(["ACEFGHKM", "ACEFGHKN", "ACEFGHKP"])
    codes = [taken, taken, "ACEFGHKM"]
    monkeypatch.setattr(
        recipient_ops,
        "new_short_codes",
        lambda n: [codes.pop(0) if codes else next(fresh) for _ in range(n)],
    )
    assert sorted(recipient_ops.unused_short_codes(db_session, 2)) == ["ACEFGHKM", "ACEFGHKN"]


def test_withdraw_only_unused_invitations(db_session, dv_round):
    unit = dv_round.units[0]
    issued = issue_invitation(db_session, dv_round, unit, email="a@example.se")
    invitation = db_session.get(Invitation, issued.invitation_id)
    with pytest.raises(WithdrawRefused):
        withdraw_invitation(db_session, invitation, "bored", local_today())
    withdraw_invitation(db_session, invitation, "moved", local_today(), user_id=None)
    db_session.refresh(invitation)
    assert (invitation.status, invitation.withdrawn_reason, invitation.email) == (
        "withdrawn",
        "moved",
        None,
    )
    assert invitation.withdrawn_on == local_today()
    started = db_session.get(Invitation, issue_invitation(db_session, dv_round, unit).invitation_id)
    started.status = "started"
    db_session.flush()
    with pytest.raises(WithdrawRefused) as caught:
        withdraw_invitation(db_session, started, "moved", local_today())
    assert caught.value.code == "not_unused"
    withdrawals = db_session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("invitation%"))
    ).all()
    assert len(withdrawals) == 1


# --- the CLI ----------------------------------------------------------------------------


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def test_cli_invitations_import(runner, db_session, dv_round, tmp_path):
    path = write(tmp_path, "lista.csv", "Enhet;Kön\nVäxtverket;K\nAteljén;man\n".encode("cp1252"))
    dry = runner.invoke(
        args=["invitations", "import", "--round", "DV-TEST", "--dry-run", str(path)]
    )
    assert dry.exit_code == 0, dry.output
    assert count(db_session, Invitation) == 0
    result = runner.invoke(args=["invitations", "import", "--round", "DV-TEST", str(path)])
    assert result.exit_code == 0, result.output
    assert "2 invitations created" in result.output
    assert count(db_session, Invitation) == 2


def test_cli_errors_name_file_row_and_column_and_write_nothing(
    runner, db_session, dv_round, tmp_path
):
    path = write(
        tmp_path,
        "lista.csv",
        "Enhet;Kön\nVäxtverket;K\nVäxtverk;K\nAteljén;hen\n".encode("cp1252"),
    )
    result = runner.invoke(args=["invitations", "import", "--round", "DV-TEST", str(path)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines == [
        f"{path}:3:Enhet: The unit “Växtverk” does not exist in the round. Write the unit's "
        "full path or its name as shown on the Organisation page.",
        f"{path}:4:Kön: “hen” is not a gender the list can hold. Write kvinna, man, annat or "
        "okänd, or leave the cell empty to let the survey ask.",
    ]
    assert count(db_session, Invitation) == 0


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("x.csv", os.urandom(2048) + b"\x00", "not a CSV file"),
        ("big.csv", b"enhet\n" + b"A\n" * (3 * 1024 * 1024), "larger than 5 MB"),
        ("x.xlsm", b"PK", "macros"),
        ("x.csv", b"Kon\nK\n", "no column unit"),
    ],
)
def test_cli_file_refusals(runner, db_session, dv_round, tmp_path, name, data, words):
    path = write(tmp_path, name, data)
    result = runner.invoke(args=["invitations", "import", "--round", "DV-TEST", str(path)])
    assert result.exit_code == 1
    assert result.output.startswith(f"{path}: ")
    assert words in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_cli_formula_injection_is_refused(runner, db_session, dv_round, tmp_path):
    csv_path = write(
        tmp_path, "x.csv", 'Enhet;Kön\nVäxtverket;"=HYPERLINK(""http://x"",""klick"")"\n'
    )
    result = runner.invoke(args=["invitations", "import", "--round", "DV-TEST", str(csv_path)])
    assert result.exit_code == 1
    assert f"{csv_path}:2:Kön: The cell holds a formula" in result.output
    workbook = Workbook()
    workbook.active.append(["Enhet", "Kön"])
    workbook.active.append(["Växtverket", "K"])
    workbook.active["A2"] = '=HYPERLINK("http://x","klick")'
    buffer = io.BytesIO()
    workbook.save(buffer)
    xlsx_path = write(tmp_path, "x.xlsx", buffer.getvalue())
    result = runner.invoke(args=["invitations", "import", "--round", "DV-TEST", str(xlsx_path)])
    assert result.exit_code == 1
    assert f"{xlsx_path}:2:Enhet: The cell holds a formula" in result.output
    assert count(db_session, Invitation) == 0


# --- organisation -----------------------------------------------------------------------


def test_cli_org_import_is_idempotent(runner, db_session, tmp_path):
    path = write(
        tmp_path,
        "org.csv",
        "path;insats;tree\n"
        "Förvaltning Ö/Enhet 1/Växtverket;daglig_verksamhet;\n"
        "Förvaltning Ö/Enhet 1/Solrosen;Gruppbostad;utförare\n"
        "Förvaltning Ö/Beställarenheten;;beställare\n",
    )
    first = runner.invoke(args=["org", "import", str(path)])
    assert first.exit_code == 0, first.output
    assert "3 rows: 6 units created, 0 updated." in first.output
    nodes = db_session.execute(select(OrgNode.name, OrgNode.tree, OrgNode.insats_code)).all()
    assert ("Beställarenheten", "bestallare", None) in nodes
    assert ("Förvaltning Ö", "bestallare", None) in nodes
    assert ("Solrosen", "utforare", "gruppbostad") in nodes
    events = count(db_session, AuditEvent)
    again = runner.invoke(args=["org", "import", str(path)])
    assert again.exit_code == 0, again.output
    assert "3 rows: 0 units created, 0 updated." in again.output
    assert count(db_session, AuditEvent) == events
    changed = write(
        tmp_path, "org2.csv", "path,insats\nFörvaltning Ö/Enhet 1/Solrosen,servicebostad\n"
    )
    third = runner.invoke(args=["org", "import", str(changed)])
    assert "0 units created, 1 updated." in third.output


def test_cli_org_import_errors_write_nothing(runner, db_session, tmp_path):
    path = write(
        tmp_path,
        "org.csv",
        "path;insats;tree\n"
        "F/E/Växtverket;daglig_verksamhet;\n"
        "F/E/Ny;dagis;\n"
        "F//X;;\n"
        "F/B;boendestod;bestallare\n"
        "F/E/Växtverket;gruppbostad;\n",
    )
    result = runner.invoke(args=["org", "import", str(path)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert [line.split(": ")[0] for line in lines] == [
        f"{path}:2:insats",
        f"{path}:3:insats",
        f"{path}:4:path",
        f"{path}:5:insats",
        f"{path}:6:insats",
    ]
    assert count(db_session, OrgNode) == 0


# --- paper forms ------------------------------------------------------------------------


def test_paper_forms_with_codes(runner, db_session, dv_round, tmp_path):
    unit = unit_named(dv_round, "Växtverket")  # the file's unit
    coded = issue_invitation(db_session, dv_round, unit, gender="man")
    started = issue_invitation(db_session, dv_round, unit)
    db_session.add(
        DraftAnswer(invitation_id=started.invitation_id, question_code="DV_RADD", value="ja")
    )
    db_session.commit()
    path = write(
        tmp_path,
        "papper.csv",
        "unit;gender;answered_by;code;DV_RADD;DV_TRIVS;fritext\n"
        f"Växtverket;;sjalv;{coded.short_code};aldrig;ja;Bra\n"
        f";kvinna;med_hjalp;{started.short_code.lower()};;vet_inte;\n"
        "Ateljén;annat;;;ofta;;\n",
    )
    result = runner.invoke(args=["responses", "import", "--round", "DV-TEST", str(path)])
    assert result.exit_code == 0, result.output
    assert "3 paper responses imported" in result.output
    assert count(db_session, SurveyResponse) == 3
    assert count(db_session, Answer) == 4
    assert count(db_session, FreeTextComment) == 1
    assert count(db_session, DraftAnswer) == 0
    statuses = db_session.scalars(select(Invitation.status).order_by(Invitation.id)).all()
    assert statuses == ["submitted", "submitted"]
    genders = sorted(db_session.scalars(select(SurveyResponse.gender)))
    assert genders == ["annat", "kvinna", "man"]
    weeks = set(db_session.scalars(select(SurveyResponse.submitted_week)))
    year, week, _ = local_today().isocalendar()
    assert weeks == {f"{year}-W{week:02d}"}

    again = runner.invoke(args=["responses", "import", "--round", "DV-TEST", str(path)])
    assert again.exit_code == 1
    assert f"{path}:2:code: The code {coded.short_code} has already been used" in again.output
    assert count(db_session, SurveyResponse) == 3


def test_paper_unknown_question_column_and_bad_option(runner, db_session, dv_round, tmp_path):
    path = write(tmp_path, "p.csv", "unit;gender;answered_by;DV_TRIVSS\nVäxtverket;K;sjalv;ja\n")
    result = runner.invoke(args=["responses", "import", "--round", "DV-TEST", str(path)])
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"{path}: The column DV_TRIVSS is not a question of this round's survey. Check the "
        "question code, or remove the column."
    )
    path = write(tmp_path, "p.csv", "unit;gender;answered_by;DV_RADD\nVäxtverket;K;sjalv;ja\n")
    result = runner.invoke(args=["responses", "import", "--round", "DV-TEST", str(path)])
    assert f"{path}:2:DV_RADD: “ja” is not an answer to this question. Write one of aldrig" in (
        result.output
    )
    assert count(db_session, SurveyResponse) == 0


def test_paper_code_taken_between_preview_and_import(db_session, dv_round):
    unit = unit_named(dv_round, "Växtverket")  # the file's unit
    issued = issue_invitation(db_session, dv_round, unit)
    db_session.commit()
    data = f"unit;gender;answered_by;code\nVäxtverket;K;sjalv;{issued.short_code}\nAteljén;M;;\n"
    preview = preview_paper(db_session, dv_round, data.encode(), "p.csv")
    assert preview.errors == []
    db_session.get(Invitation, issued.invitation_id).status = "submitted"
    db_session.commit()
    with pytest.raises(ImportRejected) as caught:
        import_paper_rows(
            db_session, dv_round, preview.rows, today=local_today(), commit=db_session.commit
        )
    assert [(e.row, e.code) for e in caught.value.errors] == [(2, "code_already_answered")]
    db_session.rollback()
    assert count(db_session, SurveyResponse) == 0


def test_paper_import_into_closed_round(db_session, dv_round):
    dv_round.closes_on = local_today() - timedelta(days=1)
    dv_round.is_closed = True
    with pytest.raises(UploadRefused):
        preview_paper(db_session, dv_round, b"unit;gender;answered_by\nA;K;sjalv\n", "p.csv")
