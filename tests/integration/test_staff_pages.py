"""Staff pages end to end through the test client: rounds, invitations, overview, organisation."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from survey.clock import local_today
from survey.models import AuditEvent, Invitation, OrgNode, OrgNodeParent, Round
from tests.factories import make_staff, make_unit, sign_in


def _units(db_session):
    v1 = make_unit(db_session, "F/E1/Växtverket")
    v2 = make_unit(db_session, "F/E1/Ateljén")
    v3 = make_unit(db_session, "F/E2/Caféet")
    bo = make_unit(db_session, "F/E1/Solrosen", "gruppbostad")
    db_session.commit()
    return v1, v2, v3, bo


def _round_form(code, units, **extra):
    today = local_today()
    data = {
        "code": code,
        "title": "Daglig verksamhet 2026",
        "survey_type": "dv",
        "period": str(today.year),
        "opens_on": today.isoformat(),
        "closes_on": (today + timedelta(days=30)).isoformat(),
        "bank_version": "",
        "units": [str(u.id) for u in units],
        "organiser": "Testkommunen",
        "help_contact": "Ring Anna, 08-123 45 67",
        "ask_free_text": "y",
    }
    data.update(extra)
    return data


def test_create_edit_open_a_round_and_hand_out_one_invitation(client, db_session):
    v1, v2, v3, bo = _units(db_session)
    make_staff(db_session, grants=[("handlaggare", v1.parent)])
    sign_in(client)
    page = client.get("/personal/omgangar/ny")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Växtverket" in text
    assert "Ateljén" in text
    assert "Caféet" not in text  # another enhet's verksamhet is not offered
    # A unit of another survey type is refused with a message, nothing is saved.
    refused = client.post("/personal/omgangar/ny", data=_round_form("DV-X", [v1, bo]))
    assert refused.status_code == 400
    assert "annan enkät" in refused.get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(Round)) == 0
    # Out of scope (a forged choice): refused, nothing saved.
    assert client.post("/personal/omgangar/ny", data=_round_form("DV-Y", [v3])).status_code in {
        400,
        404,
    }
    assert db_session.scalar(select(func.count()).select_from(Round)) == 0
    created = client.post("/personal/omgangar/ny", data=_round_form("DV-2026", [v1, v2]))
    assert created.status_code == 302
    round_ = db_session.scalar(select(Round).where(Round.code == "DV-2026"))
    assert round_.is_draft
    assert {u.name for u in round_.units} == {"Växtverket", "Ateljén"}
    edited = client.post(
        "/personal/omgangar/DV-2026/redigera", data=_round_form("ignored", [v1], title="Ny titel")
    )
    assert edited.status_code == 302
    db_session.expire_all()
    assert round_.title == "Ny titel"
    assert [u.name for u in round_.units] == ["Växtverket"]
    assert round_.help_contact == "Ring Anna, 08-123 45 67"
    assert client.post("/personal/omgangar/DV-2026/oppna").status_code == 302
    db_session.expire_all()
    assert not round_.is_draft
    made = client.post(
        "/personal/omgangar/DV-2026/inbjudningar/ny", data={"unit": str(v1.id), "gender": "kvinna"}
    )
    assert made.status_code == 200
    body = made.get_data(as_text=True)
    invitation = db_session.scalar(select(Invitation))
    assert invitation.gender == "kvinna"
    assert invitation.token in body
    # Its code is on the screen: it is handed out, and no kiosk may give it to someone else.
    assert invitation.handed_out_on == local_today()
    assert "<svg" in body
    # The overview counts it.
    overview = client.get("/personal/omgangar/DV-2026/oversikt")
    assert overview.status_code == 200
    assert "0 av 1 brukare" in overview.get_data(as_text=True)
    csv = client.get("/personal/omgangar/DV-2026/oversikt.csv")
    assert csv.status_code == 200
    assert csv.mimetype == "text/csv"
    assert csv.get_data(as_text=True).startswith("\ufeffEnhet;")
    actions = set(db_session.scalars(select(AuditEvent.action)))
    assert {"round.create", "round.update", "round.open", "invitations.create"} <= actions
    assert "overview.export" in actions


def test_withdraw_an_unused_invitation(client, db_session):
    from tests.factories import make_round

    v1, *_ = _units(db_session)
    round_ = make_round(db_session, units=[v1], code="DV-W")
    from survey.operations.invitations import issue_invitation

    issue_invitation(db_session, round_, v1)
    db_session.commit()
    make_staff(db_session, grants=[("handlaggare", v1)])
    sign_in(client)
    invitation = db_session.scalar(select(Invitation))
    listing = client.get("/personal/omgangar/DV-W/inbjudningar")
    assert listing.status_code == 200
    response = client.post(
        f"/personal/omgangar/DV-W/inbjudningar/{invitation.id}/aterkalla", data={"reason": "moved"}
    )
    assert response.status_code == 302
    db_session.expire_all()
    assert invitation.status == "withdrawn"
    assert invitation.withdrawn_reason == "moved"
    overview = client.get("/personal/omgangar/DV-W/oversikt").get_data(as_text=True)
    assert "0 av 0 brukare" in overview


def test_close_a_round_from_its_page(client, db_session):
    from tests.factories import make_round

    v1, *_ = _units(db_session)
    make_round(db_session, units=[v1], code="DV-C")
    db_session.commit()
    make_staff(db_session, grants=[("handlaggare", v1)])
    sign_in(client)
    confirm = client.get("/personal/omgangar/DV-C/stang")
    assert confirm.status_code == 200
    assert "kan inte ångras" in confirm.get_data(as_text=True)
    assert client.post("/personal/omgangar/DV-C/stang").status_code == 302
    round_ = db_session.scalar(select(Round).where(Round.code == "DV-C"))
    assert round_.is_closed
    assert round_.closed_at is not None


def test_enhetschef_sees_but_cannot_change_a_round(client, db_session):
    from tests.factories import make_round

    v1, *_ = _units(db_session)
    make_round(db_session, units=[v1], code="DV-E")
    db_session.commit()
    make_staff(db_session, grants=[("enhetschef", v1.parent)])
    sign_in(client)
    assert client.get("/personal/omgangar/DV-E").status_code == 200
    assert client.get("/personal/omgangar/DV-E/oversikt").status_code == 200
    assert client.get("/personal/omgangar/DV-E/redigera").status_code == 403
    assert client.post("/personal/omgangar/DV-E/stang").status_code == 403


def test_organisation_pages_add_rename_move_close(client, db_session):
    v1, v2, v3, _ = _units(db_session)
    make_staff(
        db_session,
        "admin@example.se",
        grants=[("admin", None)],
        totp_secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
    )
    sign_in(client, "admin@example.se", totp_secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    tree = client.get("/personal/organisation")
    assert tree.status_code == 200
    assert "Växtverket" in tree.get_data(as_text=True)
    e1, e2 = v1.parent, v3.parent
    today = local_today().isoformat()
    added = client.post(
        f"/personal/organisation/ny?forelder={e1.id}",
        data={
            "name": "Snickeriet",
            "level": "verksamhet",
            "insats": "daglig_verksamhet",
            "effective_on": today,
        },
    )
    assert added.status_code == 302
    duplicate = client.post(
        f"/personal/organisation/ny?forelder={e1.id}",
        data={
            "name": "snickeriet",
            "level": "verksamhet",
            "insats": "daglig_verksamhet",
            "effective_on": today,
        },
    )
    assert duplicate.status_code == 400
    assert "finns redan" in duplicate.get_data(as_text=True)
    renamed = client.post(
        f"/personal/organisation/{v2.id}/byt-namn",
        data={"name": "Konstverket", "effective_on": today},
    )
    assert renamed.status_code == 302
    moved = client.post(
        f"/personal/organisation/{v2.id}/flytta", data={"parent": str(e2.id), "effective_on": today}
    )
    assert moved.status_code == 302
    db_session.expire_all()
    node = db_session.get(OrgNode, v2.id)
    assert node.name == "Konstverket"
    assert node.parent_id == e2.id
    assert (
        db_session.scalar(select(OrgNodeParent.parent_id).where(OrgNodeParent.org_node_id == v2.id))
        == e1.id
    )
    closed = client.post(f"/personal/organisation/{v3.id}/stang", data={"effective_on": today})
    assert closed.status_code == 302
    db_session.expire_all()
    assert db_session.get(OrgNode, v3.id).valid_to is not None
    actions = set(db_session.scalars(select(AuditEvent.action)))
    assert {"org.add", "org.rename", "org.move", "org.close"} <= actions


def test_a_unit_out_of_scope_is_404(client, db_session):
    v1, _v2, v3, _ = _units(db_session)
    make_staff(
        db_session,
        "admin@example.se",
        grants=[("admin", v1.parent)],
        totp_secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
    )
    sign_in(client, "admin@example.se", totp_secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    assert client.get(f"/personal/organisation/{v1.id}/byt-namn").status_code == 200
    assert client.get(f"/personal/organisation/{v3.id}/byt-namn").status_code == 404
    tree = client.get("/personal/organisation").get_data(as_text=True)
    assert "Caféet" not in tree


def test_overview_row_cells(client, db_session):
    """Each figure in its own column: the page's cells, not just its lead sentence."""
    import re

    from sqlalchemy import update

    from survey.operations.invitations import issue_invitation
    from tests.factories import make_round

    v1, *_ = _units(db_session)
    round_ = make_round(db_session, units=[v1], code="DV-CELLS")
    plan = [("kvinna", "submitted")] * 3 + [("kvinna", "started"), ("man", "submitted")]
    plan += [("man", "not_started")] * 3 + [(None, "not_started"), ("annat", "withdrawn")]
    for gender, status in plan:
        issued = issue_invitation(db_session, round_, v1, gender=gender)
        db_session.execute(
            update(Invitation).where(Invitation.id == issued.invitation_id).values(status=status)
        )
    db_session.commit()
    make_staff(db_session, grants=[("handlaggare", v1)])
    sign_in(client)
    for sort in ("trad", "lagst"):
        page = client.get(f"/personal/omgangar/DV-CELLS/oversikt?sortera={sort}")
        body = page.get_data(as_text=True)
        row = body[body.index('<th scope="row"') :]
        row = row[: row.index("</tr>")]
        cells = [
            " ".join(re.sub(r"<svg.*?</svg>|<[^>]+>", " ", cell).split())
            for cell in re.findall(r'<td class="num">(.*?)</td>', row, re.DOTALL)
        ]
        # invited, started, answered, rate, women, men, other or unknown, withdrawn
        assert cells == ["9", "1", "4", "44 %", "3/4 (75 %)", "1/4 (25 %)", "0/1 (0 %)", "1"]
        assert 'width="44"' in row
