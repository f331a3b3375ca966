"""Upload pages: preview with every row's errors, then all or nothing on confirm."""

from __future__ import annotations

import io

from openpyxl import Workbook
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from survey.models import Invitation, OrgNode, StagedImport, SurveyResponse
from survey.operations.invitations import issue_invitation
from tests.factories import make_round, make_staff, make_unit, sign_in


def _count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def _setup(db_session):
    v1 = make_unit(db_session, "F/E1/Växtverket")
    v2 = make_unit(db_session, "F/E1/Ateljén")
    make_round(db_session, units=[v1, v2], code="DV-U")
    db_session.commit()
    make_staff(db_session, grants=[("handlaggare", v1.parent)])
    return v1, v2


def _xlsx(rows):
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _upload(client, url, data, name):
    # Encoded in memory: the test client would spool a large body to a temporary file that
    # it never closes (a ResourceWarning from the client, not from the app).
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), filename=name)})
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def test_excel_list_with_a_bad_row_then_fixed(client, db_session):
    _setup(db_session)
    sign_in(client)
    bad = _xlsx([["Enhet", "Kön", "E-post"], ["Växtverket", "K", ""], ["Växtverk", "Q", "nope"]])
    preview = _upload(client, "/personal/omgangar/DV-U/mottagarlista", bad, "lista.xlsx")
    assert preview.status_code == 422
    text = preview.get_data(as_text=True)
    assert "Inget sparades" in text
    assert "Växtverk" in text  # the value is named
    assert ">3<" in text  # the row number as in Excel
    assert _count(db_session, Invitation) == 0
    assert _count(db_session, StagedImport) == 0
    good = _xlsx(
        [["Enhet", "Kön", "Namn"], ["Växtverket", "Kvinna", "Anna"], ["Ateljén", "M", "Bo"]]
    )
    checked = _upload(client, "/personal/omgangar/DV-U/mottagarlista", good, "lista.xlsx")
    assert checked.status_code == 200
    assert _count(db_session, Invitation) == 0  # nothing yet: a preview
    staged = db_session.scalar(select(StagedImport))
    assert staged.row_count == 2
    assert "Anna" not in str(staged.rows)  # names are never kept
    done = client.post(f"/personal/omgangar/DV-U/mottagarlista/{staged.id}")
    assert done.status_code == 302
    assert sorted(db_session.scalars(select(Invitation.gender))) == ["kvinna", "man"]
    assert _count(db_session, StagedImport) == 0
    # The same check cannot be imported twice.
    assert client.post(f"/personal/omgangar/DV-U/mottagarlista/{staged.id}").status_code == 404
    assert _count(db_session, Invitation) == 2


def test_hostile_uploads_are_refused_and_write_nothing(client, db_session):
    _setup(db_session)
    sign_in(client)
    url = "/personal/omgangar/DV-U/mottagarlista"
    formula = _upload(client, url, b'Enhet;K\xf6n\n=HYPERLINK("http://x","klick");K\n', "l.csv")
    assert formula.status_code == 422
    assert "formel" in formula.get_data(as_text=True).lower()
    binary = _upload(client, url, bytes(range(256)) * 10, "lista.csv")
    assert binary.status_code == 400
    wrong_type = _upload(client, url, b"hello", "lista.pdf")
    assert wrong_type.status_code == 400
    huge = _upload(client, url, b"Enhet;K\n" + b"x" * (6 * 1024 * 1024), "stor.csv")
    assert huge.status_code == 413
    assert "5 MB" in huge.get_data(as_text=True)
    assert _count(db_session, Invitation) == 0
    assert _count(db_session, StagedImport) == 0


def test_another_persons_staged_upload_is_404(client, db_session, app):
    _setup(db_session)
    make_staff(db_session, "other@example.se", grants=[("handlaggare", None)])
    other = app.test_client()
    sign_in(other, "other@example.se")
    _upload(
        other, "/personal/omgangar/DV-U/mottagarlista", "Enhet;Kön\nAteljén;K\n".encode(), "l.csv"
    )
    staged = db_session.scalar(select(StagedImport))
    assert staged is not None
    sign_in(client)
    assert client.post(f"/personal/omgangar/DV-U/mottagarlista/{staged.id}").status_code == 404
    assert _count(db_session, Invitation) == 0


def test_paper_forms_through_the_page(client, db_session):
    v1, _ = _setup(db_session)
    from survey.models import Round

    round_ = db_session.scalar(select(Round).where(Round.code == "DV-U"))
    coded = issue_invitation(db_session, round_, v1)
    db_session.commit()
    sign_in(client)
    data = (
        "unit;gender;answered_by;code;DV_RADD\n"
        f"Växtverket;kvinna;sjalv;{coded.short_code};aldrig\n"
        "Ateljén;man;med_hjalp;;ofta\n"
    ).encode()
    checked = _upload(client, "/personal/omgangar/DV-U/pappersenkater", data, "papper.csv")
    assert checked.status_code == 200, checked.get_data(as_text=True)
    staged = db_session.scalar(select(StagedImport))
    assert client.post(f"/personal/omgangar/DV-U/pappersenkater/{staged.id}").status_code == 302
    assert _count(db_session, SurveyResponse) == 2
    # A second click on the same confirmation imports nothing twice.
    assert client.post(f"/personal/omgangar/DV-U/pappersenkater/{staged.id}").status_code == 404
    assert _count(db_session, SurveyResponse) == 2
    assert db_session.get(Invitation, coded.invitation_id).status == "submitted"
    again = _upload(client, "/personal/omgangar/DV-U/pappersenkater", data, "papper.csv")
    assert again.status_code == 422
    assert _count(db_session, SurveyResponse) == 2


def test_org_file_through_the_page_is_idempotent(client, db_session):
    make_staff(
        db_session,
        "admin@example.se",
        grants=[("admin", None)],
        totp_secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
    )
    sign_in(client, "admin@example.se", totp_secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    data = "path,insats\nNy förvaltning/Enhet A/Snickeriet,daglig_verksamhet\n".encode()
    for _ in range(2):
        checked = _upload(client, "/personal/organisation/importera", data, "org.csv")
        assert checked.status_code == 200
        staged = db_session.scalar(select(StagedImport))
        assert client.post(f"/personal/organisation/importera/{staged.id}").status_code == 302
    assert _count(db_session, OrgNode) == 3
