"""The channels side by side: a code goes to one person only. Letters and paper forms never
carry the invitations made for kiosks, and a kiosk that takes an invitation while its letter
or form is being drawn stops that print run instead of sharing the code."""

from __future__ import annotations

import pytest

from survey.clock import local_today
from survey.domain.access import Access, Grant
from survey.links import respondent_link
from survey.models import Invitation
from survey.operations.invitations import TakenByKiosk, hand_out_printed, issue_invitation
from survey.operations.kiosk import add_kiosk_invitations, claim_kiosk_invitation
from survey.operations.letters import plan_letters, record_letters
from survey.queries.letters import letter_invitations
from survey.queries.paper_forms import unused_invitations
from tests.factories import make_round, make_staff, make_unit

INSTALLATION = Access.of([Grant("admin", None)])


def _round_with_list_and_kiosk_invitations(db_session):  # type: ignore[no-untyped-def]
    unit = make_unit(db_session, "Förvaltningen/Enheten/Växtverket")
    round_ = make_round(db_session, units=[unit], code="DV-ALLA")
    admin = make_staff(db_session, "admin@example.se", grants=[("admin", None)])
    listed = [issue_invitation(db_session, round_, unit).invitation_id for _ in range(2)]
    add_kiosk_invitations(db_session, round_, unit.id, 3, user_id=admin.id)
    db_session.commit()
    return round_, unit, listed


def test_letters_and_paper_forms_leave_the_kiosks_invitations_alone(db_session):
    round_, unit, listed = _round_with_list_and_kiosk_invitations(db_session)
    assert [i.id for i in letter_invitations(db_session, round_, {unit.id})] == listed
    forms = unused_invitations(db_session, round_, INSTALLATION, {unit.id})
    assert [i.invitation_id for i in forms] == listed


def test_a_kiosk_taking_a_letters_invitation_mid_print_stops_the_run(db_session):
    round_, unit, listed = _round_with_list_and_kiosk_invitations(db_session)
    # Only the listed ones are left for the kiosk to take (its own are used up first).
    for _ in range(3):
        assert claim_kiosk_invitation(db_session, round_.id, unit.id, today=local_today())
    db_session.commit()
    run = plan_letters(db_session, round_, {unit.id}, link=respondent_link)
    assert run.invitation_ids == listed
    # While the letters are drawn, a brukare at the tablet presses "Börja".
    taken = claim_kiosk_invitation(db_session, round_.id, unit.id, today=local_today())
    assert taken is not None
    db_session.commit()
    with pytest.raises(TakenByKiosk) as refused:
        record_letters(
            db_session, round_, run, kind="letters", unit="", user_id=None, today=local_today()
        )
    assert refused.value.count == 1
    db_session.rollback()
    rows = {i.id: i for i in db_session.query(Invitation).filter(Invitation.id.in_(listed))}
    # One went to the kiosk; the other was not handed out by the stopped run.
    assert sorted(i.channel for i in rows.values()) == ["kiosk", "link"]
    assert [i.handed_out_on for i in rows.values() if i.channel == "link"] == [None]
    # Printed again, the letters carry only what is still free, and no kiosk takes it then.
    again = plan_letters(db_session, round_, {unit.id}, link=respondent_link)
    assert len(again.invitation_ids) == 1
    record_letters(
        db_session, round_, again, kind="letters", unit="", user_id=None, today=local_today()
    )
    db_session.commit()
    assert claim_kiosk_invitation(db_session, round_.id, unit.id, today=local_today()) is None


def test_paper_forms_taken_by_a_kiosk_mid_print_are_not_handed_out(db_session):
    round_, unit, listed = _round_with_list_and_kiosk_invitations(db_session)
    for _ in range(3):
        claim_kiosk_invitation(db_session, round_.id, unit.id, today=local_today())
    db_session.commit()
    planned = [i.invitation_id for i in unused_invitations(db_session, round_, INSTALLATION)]
    assert planned == listed
    claim_kiosk_invitation(db_session, round_.id, unit.id, today=local_today())
    db_session.commit()
    with pytest.raises(TakenByKiosk):
        hand_out_printed(db_session, planned, "paper", local_today())
    db_session.rollback()
    assert hand_out_printed(db_session, planned[1:], "paper", local_today()) in (0, 1)


def test_round_close_drops_unused_kiosk_invitations_waiting_forms_and_the_hand_out_days(
    db_session,
):
    from datetime import UTC, datetime

    from survey.models import StagedImport
    from survey.operations.rounds import close_round

    round_, unit, listed = _round_with_list_and_kiosk_invitations(db_session)
    claim_kiosk_invitation(db_session, round_.id, unit.id, today=local_today())
    admin = make_staff(db_session, "hand@example.se", grants=[("admin", None)])
    db_session.add(
        StagedImport(
            kind="paper",
            round_id=round_.id,
            user_id=admin.id,
            created_at=datetime.now(UTC),
            filename="entry:x",
            row_count=1,
            rows=[{"invitation_id": listed[0], "answers": {"DV_TRIVS": "ja"}}],
        )
    )
    db_session.commit()
    close_round(db_session, round_, local_today())
    db_session.commit()
    left = db_session.query(Invitation).order_by(Invitation.id).all()
    # The two from the list and the one a kiosk took stay; the two spares are gone.
    assert [i.channel for i in left] == ["link", "link", "kiosk"]
    assert {i.handed_out_on for i in left} == {None}
    assert db_session.query(StagedImport).count() == 0


def test_a_letter_never_carries_a_code_given_out_on_paper_or_on_the_spot(db_session):
    unit = make_unit(db_session, "Förvaltningen/Enheten/Växtverket")
    round_ = make_round(db_session, units=[unit], code="DV-BREV2")
    listed = [issue_invitation(db_session, round_, unit).invitation_id for _ in range(3)]
    spot = issue_invitation(db_session, round_, unit, handed_out_on=local_today()).invitation_id
    db_session.commit()
    hand_out_printed(db_session, [listed[0]], "paper", local_today())  # a personal paper form
    hand_out_printed(db_session, [listed[1]], "letter", local_today())  # an earlier letter
    db_session.commit()
    plain = [i.id for i in letter_invitations(db_session, round_, {unit.id})]
    # The letter again (same person), the untouched one; not the form's or the screen's.
    assert plain == [listed[1], listed[2]]
    lined = {
        i.id: i.candidate().gets_letter
        for i in letter_invitations(db_session, round_, {unit.id}, answered_too=True)
    }
    # For a names file they stay in line (pairing does not shift) but get no letter.
    assert lined == {listed[0]: False, listed[1]: True, listed[2]: True, spot: False}


def test_confirming_an_upload_after_round_close_says_the_round_is_closed(client, db_session):
    import io

    from werkzeug.datastructures import FileStorage

    from survey.models import Round, StagedImport
    from survey.operations.rounds import close_round
    from tests.factories import sign_in

    unit = make_unit(db_session, "F/E1/Växtverket")
    round_ = make_round(db_session, units=[unit], code="DV-STANG")
    make_staff(db_session, grants=[("handlaggare", unit.parent)])
    db_session.commit()
    sign_in(client)
    listed = FileStorage(io.BytesIO("Enhet;Kön\nVäxtverket;K\n".encode()), filename="l.csv")
    checked = client.post(
        "/personal/omgangar/DV-STANG/mottagarlista",
        data={"file": listed},
        content_type="multipart/form-data",
    )
    assert checked.status_code == 200
    staged = db_session.query(StagedImport).one()
    close_round(db_session, db_session.get(Round, round_.id), local_today())
    db_session.commit()
    confirmed = client.post(f"/personal/omgangar/DV-STANG/mottagarlista/{staged.id}")
    assert confirmed.status_code == 400
    assert "stängd" in confirmed.get_data(as_text=True)
    assert db_session.query(Invitation).count() == 0
