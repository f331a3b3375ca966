"""The letters page: a PDF download for the person's own units, names used and forgotten."""

from __future__ import annotations

import io
import logging

from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from survey.clock import local_today
from survey.domain.tokens import format_code
from survey.models import AuditEvent, Invitation
from survey.models.base import Base
from survey.operations.invitations import issue_invitation
from tests.factories import make_round, make_staff, make_unit, sign_in
from tests.support.letters import page_qr_codes, page_texts

URL = "/personal/omgangar/DV-L/brev"
MINE = "F/E1/Växtverket"
OTHERS = "F/E2/Ateljén"


def _setup(db_session):  # type: ignore[no-untyped-def]
    mine = make_unit(db_session, MINE)
    others = make_unit(db_session, OTHERS)
    round_ = make_round(db_session, units=[mine, others], code="DV-L")
    made = {
        "mine": [issue_invitation(db_session, round_, mine, gender="kvinna") for _ in range(3)],
        "others": [issue_invitation(db_session, round_, others, gender="man") for _ in range(2)],
    }
    db_session.commit()
    make_staff(db_session, grants=[("handlaggare", mine.parent)])
    return mine, made


def _post(client, fields: dict, names: tuple[bytes, str] | None = None):  # type: ignore[no-untyped-def]
    data = dict(fields)
    if names is not None:
        data["names"] = FileStorage(io.BytesIO(names[0]), filename=names[1])
    boundary, body = encode_multipart(data)
    return client.post(URL, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def test_the_page_prints_the_persons_own_units_and_marks_them_handed_out(client, db_session):
    _mine, made = _setup(db_session)
    sign_in(client)
    page = client.get(URL)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Skriv ut brev (PDF)" in text
    assert "Kodkort att klippa (PDF)" in text
    assert OTHERS not in text  # not a choice: outside the person's subtree
    round_page = client.get("/personal/omgangar/DV-L").get_data(as_text=True)
    assert URL in round_page
    response = _post(client, {"unit": "", "language": "sv", "kind": "letters"})
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    texts = page_texts(response.data)
    assert len(texts) == 3
    codes = page_qr_codes(response.data)
    db_session.expire_all()
    for text, qr, issued in zip(texts, codes, made["mine"], strict=True):
        assert format_code(issued.short_code) in text
        assert len(qr) == 1
        assert qr[0].endswith(f"/r/{issued.token}")
    handed = {
        i.id: i.handed_out_on
        for i in db_session.scalars(select(Invitation).order_by(Invitation.id))
    }
    assert [handed[i.invitation_id] for i in made["mine"]] == [local_today()] * 3
    assert [handed[i.invitation_id] for i in made["others"]] == [None] * 2
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "invitations.letters"))
    assert event.detail["count"] == 3
    assert event.user_id is not None


def test_code_cards_for_one_unit(client, db_session):
    mine, _ = _setup(db_session)
    sign_in(client)
    response = _post(client, {"unit": str(mine.id), "language": "en", "kind": "cards"})
    assert response.status_code == 200
    (text,) = page_texts(response.data)
    assert "Your code" in text
    assert [len(codes) for codes in page_qr_codes(response.data)] == [3]


def test_a_unit_outside_the_persons_subtree_is_refused(client, db_session):
    _, made = _setup(db_session)
    others = db_session.get(Invitation, made["others"][0].invitation_id).unit
    sign_in(client)
    response = _post(client, {"unit": str(others.id), "language": "sv", "kind": "letters"})
    assert response.status_code == 400
    assert db_session.scalar(select(Invitation.handed_out_on).limit(1)) is None


NAMES = [
    ("Astrid Lindqvist", "Storgatan 12 lgh 1101", "123 45", "Stockholm"),
    ("Britta Ökvist", "Lärkvägen 3", "12346", "Hägersten"),
]


def _all_text_in_the_database(db_session) -> str:  # type: ignore[no-untyped-def]
    seen = []
    for table in Base.metadata.sorted_tables:
        for row in db_session.execute(select(table)):
            seen.extend(str(value) for value in row if value is not None)
    return "\n".join(seen)


def test_names_and_addresses_fill_the_letters_and_are_stored_nowhere(client, db_session, caplog):
    _mine, made = _setup(db_session)
    sign_in(client)
    csv = "Enhet,Kön,Namn,Gatuadress,Postnummer,Postort\n" + "".join(
        f"{MINE},kvinna,{n},{s},{p},{c}\n" for n, s, p, c in NAMES
    )
    caplog.set_level(logging.DEBUG)
    response = _post(
        client, {"unit": "", "language": "sv", "kind": "letters"}, (csv.encode(), "namn.csv")
    )
    assert response.status_code == 200
    texts = page_texts(response.data)
    assert len(texts) == 2
    for text, (name, street, _, city) in zip(texts, NAMES, strict=True):
        assert name in text
        assert street in text
        assert city in text
    stored = _all_text_in_the_database(db_session)
    logged = caplog.text + "\n".join(str(r.__dict__) for r in caplog.records)
    for name, street, _, _city in NAMES:
        for secret in (name, street, name.split()[1]):
            assert secret not in stored
            assert secret not in logged
    # Only the two paired invitations were handed out.
    db_session.expire_all()
    handed = [db_session.get(Invitation, i.invitation_id).handed_out_on for i in made["mine"]]
    assert handed == [local_today(), local_today(), None]


def test_a_bad_names_file_shows_every_problem_and_prints_nothing(client, db_session):
    _setup(db_session)
    sign_in(client)
    csv = (
        "Enhet,Kön,Namn,Gatuadress,Postnummer,Postort\n"
        f"{MINE},kvinna,Astrid Lindqvist,Storgatan 12,1234,Stockholm\n"
        f"{MINE},kvinna,,Lärkvägen 3,123 46,Hägersten\n"
        f"{OTHERS},man,Bo Ek,Tallvägen 7,125 30,Älvsjö\n"
    )
    response = _post(
        client, {"unit": "", "language": "sv", "kind": "letters"}, (csv.encode(), "namn.csv")
    )
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Ingenting skrevs ut: 3 problem på 3 rader" in text
    assert "Postnumret är inte fem siffror." in text
    assert "Namnet saknas." in text
    assert f"Enheten »{OTHERS}« är inte bland de enheter som valts för breven." in text
    assert "Storgatan" not in text  # an address is never repeated in a message
    assert db_session.scalar(select(Invitation.handed_out_on).limit(1)) is None
    wrong = _post(
        client, {"unit": "", "language": "sv", "kind": "letters"}, (b"\x00\x01", "namn.pdf")
    )
    assert wrong.status_code == 400
    assert "Filen kan inte användas" in wrong.get_data(as_text=True)


def test_nothing_to_print_is_a_message_on_the_page(client, db_session):
    _mine, made = _setup(db_session)
    for issued in made["mine"]:
        db_session.get(Invitation, issued.invitation_id).status = "submitted"
    db_session.commit()
    sign_in(client)
    response = _post(client, {"unit": "", "language": "sv", "kind": "letters"})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Det finns ingen inbjudan att skriva ut i de här enheterna" in page


def test_a_pdf_that_fails_half_way_hands_out_nothing(client, db_session, monkeypatch):
    _setup(db_session)
    sign_in(client)

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("the printer's PDF broke half-way")

    monkeypatch.setattr("survey.staff.views_letters.render_letters", broken)
    response = _post(client, {"unit": "", "language": "sv", "kind": "letters"})
    assert response.status_code == 500
    db_session.rollback()
    assert db_session.scalar(select(Invitation.handed_out_on).limit(1)) is None
    audited = select(AuditEvent).where(AuditEvent.action.like("invitations.%"))
    assert db_session.scalar(audited) is None


def test_a_large_names_file_is_never_spooled_to_disk(client, db_session, monkeypatch):
    _setup(db_session)
    sign_in(client)

    def no_disk(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("an upload went to werkzeug's temporary file")

    monkeypatch.setattr("werkzeug.wrappers.request.default_stream_factory", no_disk)
    padding = "x" * 400
    csv = "Enhet,Kön,Namn,Gatuadress,Postnummer,Postort,Övrigt\n" + "".join(
        f"{MINE},kvinna,Person {i},Storgatan {i},12345,Stockholm,{padding}\n" for i in range(1500)
    )
    assert len(csv.encode()) > 500 * 1024
    response = _post(
        client, {"unit": "", "language": "sv", "kind": "letters"}, (csv.encode(), "namn.csv")
    )
    assert response.status_code == 422  # read (in memory) and checked: no invitations left
