"""Entering returned paper forms on the staff pages: code, one key per answer, read-back,
save once (SPEC §5, §8; issue 10 part 4)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select, text

from survey.domain.access import Access, Grant
from survey.models import (
    AuditEvent,
    DraftAnswer,
    FreeTextComment,
    Invitation,
    Round,
    StagedImport,
    SurveyResponse,
)
from survey.operations.invitations import issue_invitation
from survey.operations.recipients import withdraw_invitation
from survey.operations.rounds import close_round
from survey.queries.overview import round_overview
from tests.factories import make_round, make_staff, make_unit, sign_in
from tests.integration.test_unlinkable import heap_xids, is_postgres

BASE = "/personal/omgangar/DV-PAPER/pappersenkater/mata-in"
ALL_ONES = {"DV_RADD": "1", "DV_TRIVS": "2", "DV_NOJD": "0", "BG_VEM": "2", "BG_HJALPARE": "3"}


@pytest.fixture
def world(db_session):
    inside = make_unit(db_session, "F/E1/Växtverket")
    other = make_unit(db_session, "F/E1/Ateljén")
    outside = make_unit(db_session, "F/E2/Caféet")
    round_ = make_round(db_session, units=[inside, other, outside], code="DV-PAPER")
    issued = {
        "listed": issue_invitation(db_session, round_, inside, gender="kvinna"),
        "unlisted": issue_invitation(db_session, round_, inside),
        "other_unit": issue_invitation(db_session, round_, other, gender="man"),
        "outside": issue_invitation(db_session, round_, outside, gender="man"),
    }
    db_session.commit()
    make_staff(db_session, grants=[("handlaggare", inside.parent)])
    return round_, issued, {"inside": inside, "other": other, "outside": outside}


def count(session, model) -> int:  # type: ignore[no-untyped-def]
    session.rollback()
    return session.scalar(select(func.count()).select_from(model))


def page_text(response) -> str:  # type: ignore[no-untyped-def]
    html = response.get_data(as_text=True)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#34;", '"')


def nonce_of(response) -> str:  # type: ignore[no-untyped-def]
    found = re.search(r'name="nonce" value="([^"]+)"', response.get_data(as_text=True))
    assert found, response.get_data(as_text=True)[:2000]
    return found.group(1)


def key_fields(response) -> list[str]:  # type: ignore[no-untyped-def]
    return re.findall(r'name="k-([A-Z_]+)"', response.get_data(as_text=True))


def type_code(client, code: str):  # type: ignore[no-untyped-def]
    return client.post(BASE, data={"code": code})


def type_answers(client, first, keys: dict[str, str], *, code=None, unit=None, **more):  # type: ignore[no-untyped-def]
    data = {"nonce": nonce_of(first), **{f"k-{k}": v for k, v in keys.items()}, **more}
    if code is not None:
        data["code"] = code
    if unit is not None:
        data["unit"] = unit
    return client.post(f"{BASE}/svar", data=data)


def enter(client, code: str, keys: dict[str, str], **more) -> str:  # type: ignore[no-untyped-def]
    """Code, answers, read-back; returns the read-back's address (nothing saved yet)."""
    first = type_code(client, code)
    assert first.status_code == 200, page_text(first)
    typed = type_answers(client, first, keys, code=code, **more)
    assert typed.status_code == 302, page_text(typed)
    return typed.headers["Location"]


def test_a_coded_form_is_read_back_in_words_then_saved_once(client, db_session, world):
    _round, issued, units = world
    sign_in(client)
    code = issued["listed"].short_code
    first = type_code(client, f" {code[:4].lower()}-{code[4:].lower()} ")
    assert first.status_code == 200
    # Gender is on the list: the form's gender question is not entered.
    assert "BG_KON" not in key_fields(first)
    assert key_fields(first)[:2] == ["DV_RADD", "DV_BESTAMMA"]
    assert "1 = Aldrig · 2 = Ibland · 3 = Ofta · 0 = Jag vet inte" in page_text(first)
    review = type_answers(client, first, ALL_ONES, code=code, free_text="Bra ställe")
    assert review.status_code == 302
    readback = page_text(client.get(review.headers["Location"]))
    assert "Är du rädd för något på din dagliga verksamhet? Aldrig" in readback
    assert "Trivs du på din dagliga verksamhet? Ibland" in readback
    assert "Är du nöjd med din dagliga verksamhet? Jag vet inte" in readback
    assert "Vem var det som hjälpte dig? Någon jag känner" in readback
    assert "Inget kryss" in readback  # every question not typed
    assert "Bra ställe" in readback
    assert count(db_session, SurveyResponse) == 0  # nothing saved before "Spara"

    saved = client.post(review.headers["Location"])
    assert saved.status_code == 302
    assert saved.headers["Location"].endswith("/mata-in")
    after = client.get(saved.headers["Location"])
    assert "Sparat. Nästa formulär" in page_text(after)
    assert "autofocus" in after.get_data(as_text=True)

    assert count(db_session, SurveyResponse) == 1
    response = db_session.scalars(select(SurveyResponse)).one()
    assert (response.org_node_id, response.gender, response.answered_by, response.helper) == (
        units["inside"].id,
        "kvinna",
        "med_hjalp",
        "kand",
    )
    assert sorted((a.question_code, a.value) for a in response.answers) == [
        ("DV_NOJD", "vet_inte"),
        ("DV_RADD", "aldrig"),
        ("DV_TRIVS", "ibland"),
    ]
    assert db_session.scalars(select(FreeTextComment.text)).all() == ["Bra ställe"]
    invitation = db_session.get(Invitation, issued["listed"].invitation_id)
    assert invitation.status == "submitted"
    assert invitation.pending_response_id is None
    assert count(db_session, DraftAnswer) == 0


def test_a_double_save_a_reload_and_a_resent_form_save_once(client, db_session, world):
    round_, issued, _units = world
    sign_in(client)
    review = enter(client, issued["unlisted"].short_code, {**ALL_ONES, "BG_KON": "1"})
    first = client.post(review)
    second = client.post(review)
    assert first.status_code == second.status_code == 302
    assert "redan sparat" in page_text(client.get(second.headers["Location"]))
    reload = client.get(review)
    assert reload.status_code == 302
    assert count(db_session, SurveyResponse) == 1
    overview = round_overview(db_session, round_, Access.of([Grant("admin", None)]))
    assert overview.total.total.submitted == 1


def test_a_form_without_a_code_sent_twice_is_saved_once(client, db_session, world):
    _round, _issued, units = world
    sign_in(client)
    first = client.post(f"{BASE}/utan-kod", data={"unit": units["other"].id})
    assert first.status_code == 200
    assert "BG_KON" in key_fields(first)  # a blank copy always asks gender
    keys = {"DV_RADD": "3", "BG_KON": "2", "BG_VEM": "1"}
    typed = type_answers(client, first, keys, unit=units["other"].id)
    review = typed.headers["Location"]
    assert client.post(review).status_code == 302
    # Back to the typed form, and send it again: the same nonce finds the saved form.
    again = type_answers(client, first, keys, unit=units["other"].id)
    assert again.status_code == 302
    assert again.headers["Location"].endswith("/mata-in")
    assert "redan sparat" in page_text(client.get(again.headers["Location"]))
    assert client.post(review).status_code == 302
    assert count(db_session, SurveyResponse) == 1
    response = db_session.scalars(select(SurveyResponse)).one()
    assert (response.org_node_id, response.gender, response.answered_by) == (
        units["other"].id,
        "man",
        "sjalv",
    )
    # No invitation was used by a form without a code.
    assert count(db_session, Invitation) == 4
    assert db_session.scalar(select(func.count()).where(Invitation.status == "submitted")) == 0


def test_a_code_that_already_answered_is_refused(client, db_session, world):
    _round, issued, _units = world
    sign_in(client)
    code = issued["listed"].short_code
    client.post(enter(client, code, ALL_ONES))
    again = type_code(client, code)
    assert again.status_code == 422
    text_ = page_text(again)
    assert "har redan svarat" in text_
    assert "Ingenting sparades" in text_
    assert 'aria-invalid="true"' in again.get_data(as_text=True)
    assert count(db_session, SurveyResponse) == 1


def test_a_code_answered_online_meanwhile_is_refused_at_save(client, db_session, world):
    _round, issued, _units = world
    sign_in(client)
    review = enter(client, issued["listed"].short_code, ALL_ONES)
    db_session.execute(
        Invitation.__table__.update()
        .where(Invitation.id == issued["listed"].invitation_id)
        .values(status="submitted")
    )
    db_session.commit()
    saved = client.post(review)
    assert saved.status_code == 409
    assert "besvarats under tiden" in page_text(saved)
    assert count(db_session, SurveyResponse) == 0
    # Nothing half-done: the typed form still waits, and saving again is refused again.
    assert client.post(review).status_code == 409


def test_a_withdrawn_code_is_refused(client, db_session, world):
    _round, issued, _units = world
    invitation = db_session.get(Invitation, issued["listed"].invitation_id)
    withdraw_invitation(db_session, invitation, reason="moved", today=invitation.round_.opens_on)
    db_session.commit()
    sign_in(client)
    refused = type_code(client, issued["listed"].short_code)
    assert refused.status_code == 422
    assert "återkallad" in page_text(refused)


def test_a_code_outside_the_persons_units_is_not_found_and_never_suggested(
    client, db_session, world
):
    _round, issued, _units = world
    sign_in(client)
    code = issued["outside"].short_code
    refused = type_code(client, code)
    assert refused.status_code == 422
    text_ = page_text(refused)
    assert "Inget formulär i den här omgången för dina enheter har koden" in text_
    # One character off the out-of-scope code: not suggested.
    wrong = code[:7] + ("A" if code[7] != "A" else "C")
    assert code not in type_code(client, wrong).get_data(as_text=True)
    # Nor can the answers step be reached with it directly.
    typed = client.post(f"{BASE}/svar", data={"nonce": "n" * 43, "code": code, "k-DV_RADD": "1"})
    assert typed.status_code == 409
    assert count(db_session, StagedImport) == 0


def test_a_code_typed_wrong_gets_a_near_miss_suggestion(client, db_session, world):
    _round, issued, _units = world
    sign_in(client)
    code = issued["unlisted"].short_code
    swapped = code[:2] + code[3] + code[2] + code[4:]
    if swapped == code:
        swapped = code[:7] + ("A" if code[7] != "A" else "C")
    refused = type_code(client, swapped)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    shown = f"{code[:4]}-{code[4:]}"
    assert f"Menade du {shown}?" in html
    assert f'name="code" value="{code}"' in html
    # The suggestion is a button that continues with that code.
    chosen = type_code(client, code)
    assert chosen.status_code == 200
    assert "BG_KON" in key_fields(chosen)


def test_a_code_that_cannot_be_a_code_says_so(client, db_session, world):
    sign_in(client)
    refused = type_code(client, "hej")
    assert refused.status_code == 422
    assert "är ingen kod" in page_text(refused)
    empty = type_code(client, "")
    assert empty.status_code == 400
    assert "Skriv koden" in page_text(empty)


def test_a_bad_key_gets_a_clear_message_keeps_what_was_typed_and_saves_nothing(
    client, db_session, world
):
    _round, issued, _units = world
    sign_in(client)
    code = issued["listed"].short_code
    first = type_code(client, code)
    refused = type_answers(
        client, first, {"DV_RADD": "5", "DV_TRIVS": "1", "BG_VEM": "x"}, code=code
    )
    assert refused.status_code == 422
    text_ = page_text(refused)
    assert "”5” är inget svar på den här frågan. Skriv 1, 2, 3, 0" in text_
    assert "”x” är inget svar på den här frågan. Skriv 1, 2, 3" in text_
    html = refused.get_data(as_text=True)
    assert 'href="#k-DV_RADD"' in html  # the error summary links to the field
    assert re.search(r'id="k-DV_RADD"[^>]*value="5"', html) or re.search(
        r'value="5"[^>]*id="k-DV_RADD"', html
    )
    assert re.search(r'name="k-DV_TRIVS" value="1"', html)
    assert 'aria-describedby="k-DV_RADD-hint k-DV_RADD-error"' in html
    assert nonce_of(refused) == nonce_of(first)
    assert count(db_session, StagedImport) == 0
    assert count(db_session, SurveyResponse) == 0


def test_changing_the_answers_from_the_read_back(client, db_session, world):
    _round, issued, _units = world
    sign_in(client)
    code = issued["listed"].short_code
    review = enter(client, code, {"DV_RADD": "1"})
    readback = client.get(review).get_data(as_text=True)
    nonce = re.search(r'name="nonce" value="([^"]+)"', readback).group(1)
    edit = client.post(
        f"{BASE}/svar", data={"nonce": nonce, "edit": "1", "code": code, "k-DV_RADD": "1"}
    )
    assert edit.status_code == 200
    assert re.search(r'name="k-DV_RADD" value="1"', edit.get_data(as_text=True))
    changed = client.post(f"{BASE}/svar", data={"nonce": nonce, "code": code, "k-DV_RADD": "3"})
    assert changed.headers["Location"] == review  # the same waiting form, new answers
    assert "Ofta" in page_text(client.get(review))
    client.post(review)
    answers = db_session.scalars(select(SurveyResponse)).one().answers
    assert [(a.question_code, a.value) for a in answers] == [("DV_RADD", "ofta")]


def test_a_form_started_online_is_replaced_by_the_paper_answers(client, db_session, world):
    _round, issued, _units = world
    invitation_id = issued["listed"].invitation_id
    db_session.add(DraftAnswer(invitation_id=invitation_id, question_code="DV_TRIVS", value="nej"))
    db_session.execute(
        Invitation.__table__.update().where(Invitation.id == invitation_id).values(status="started")
    )
    db_session.commit()
    sign_in(client)
    first = type_code(client, issued["listed"].short_code)
    assert "De papperssvaren ersätter dem" in page_text(first) or "ersätter" in page_text(first)
    client.post(enter(client, issued["listed"].short_code, {"DV_RADD": "1"}))
    answers = db_session.scalars(select(SurveyResponse)).one().answers
    assert [(a.question_code, a.value) for a in answers] == [("DV_RADD", "aldrig")]


def test_units_and_staged_forms_are_scoped(client, db_session, world):
    _round, issued, units = world
    sign_in(client)
    outside = client.post(f"{BASE}/utan-kod", data={"unit": units["outside"].id})
    assert outside.status_code == 400
    assert (
        client.post(
            f"{BASE}/svar", data={"nonce": "n" * 43, "unit": units["outside"].id}
        ).status_code
        == 404
    )
    review = enter(client, issued["listed"].short_code, ALL_ONES)
    # Another person cannot see or save someone's typed form.
    client.post("/personal/logga-ut")
    make_staff(db_session, "bo@example.se", grants=[("handlaggare", None)])
    sign_in(client, "bo@example.se")
    assert client.get(review).status_code == 404
    assert client.post(review).status_code == 404
    assert count(db_session, SurveyResponse) == 0


def test_a_closed_round_takes_no_entry(client, db_session, world):
    round_, issued, _units = world
    sign_in(client)
    review = enter(client, issued["listed"].short_code, ALL_ONES)
    close_round(db_session, db_session.get(Round, round_.id), round_.closes_on)
    db_session.commit()
    # Round close deleted the typed form: "Spara" says the round is closed, saves nothing.
    closed = client.post(review)
    assert closed.status_code == 302
    assert closed.headers["Location"].endswith(f"/personal/omgangar/{round_.code}")
    assert type_code(client, issued["unlisted"].short_code).status_code == 302
    assert count(db_session, SurveyResponse) == 0
    page = client.get(BASE)
    assert "stängd" in page_text(page)


def test_saving_is_audited_without_the_code(client, db_session, world):
    _round, issued, _units = world
    sign_in(client)
    client.post(enter(client, issued["listed"].short_code, ALL_ONES))
    events = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "responses.import")
    ).all()
    assert len(events) == 1
    assert issued["listed"].short_code not in str(events[0].detail)


def test_an_entered_form_shares_no_transaction_id_with_its_invitation(client, db_session, world):
    if not is_postgres(db_session):
        pytest.skip("xmin is PostgreSQL's")
    db_session.execute(text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
    db_session.commit()
    started = int(db_session.scalar(text("SELECT txid_current()")))
    db_session.commit()
    _round, issued, _units = world
    sign_in(client)
    client.post(enter(client, issued["listed"].short_code, ALL_ONES, free_text="Bra"))
    db_session.rollback()
    assert count(db_session, SurveyResponse) == 1

    def since_start(table: str) -> set[int]:
        return {xid for xid in heap_xids(db_session, table) if xid > started}

    invitation_side = (
        since_start("invitation") | since_start("draft_answer") | since_start("staged_import")
    )
    assert invitation_side
    for table in ("survey_response", "answer", "free_text_comment"):
        shared = since_start(table) & invitation_side
        assert not shared, f"{table} was written by a transaction that touched an invitation"


def test_two_saves_that_both_read_the_waiting_form_enter_it_once(client, db_session, world):
    """What two requests racing each other do: both have read the typed form before either
    saved it; the conditional UPDATE lets one through."""
    from survey.clock import local_today
    from survey.operations.paper_entry import AlreadySaved, load_entry, save_entry

    round_, _issued, units = world
    sign_in(client)
    first = client.post(f"{BASE}/utan-kod", data={"unit": units["inside"].id})
    review = type_answers(
        client, first, {"DV_RADD": "1", "BG_KON": "1"}, unit=units["inside"].id
    ).headers["Location"]
    staged_id = review.rsplit("/", 1)[-1]
    user_id = db_session.scalar(select(StagedImport.user_id))
    round_ = db_session.get(Round, round_.id)
    one = load_entry(db_session, round_, user_id=user_id, staged_id=staged_id)
    other = load_entry(db_session, round_, user_id=user_id, staged_id=staged_id)
    assert one is not None
    assert other is not None
    assert one.row is not None
    assert other.row is not None
    save_entry(
        db_session,
        round_,
        one,
        today=local_today(),
        commit=db_session.commit,
        user_id=user_id,
        batch_size=1,
    )
    with pytest.raises(AlreadySaved):
        save_entry(
            db_session,
            round_,
            other,
            today=local_today(),
            commit=db_session.commit,
            user_id=user_id,
            batch_size=1,
        )
    db_session.rollback()
    assert count(db_session, SurveyResponse) == 1
