"""Kiosk mode (SPEC §5, issue 10): a stödperson starts a kiosk on the unit's tablet; each
"Börja" takes one unused invitation of that unit in a fresh session; the previous person's
survey is never open on the kiosk again; none left is a clear page; the kiosk credential is
its own cookie; scope, CSRF and two tablets at once.

What a browser does with it (Back, history, the idle question) is in
tests/browser/test_kiosk_in_browser.py.
"""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from survey.clock import local_today
from survey.domain import survey_flow
from survey.domain.readability import lix_of_texts
from survey.models import AuditEvent, DraftAnswer, Invitation, KioskSession, SurveyResponse
from survey.operations.invitations import issue_invitation
from survey.operations.kiosk import claim_kiosk_invitation
from survey.operations.responses import record_answer
from survey.queries.respondent import load_respondent
from tests.factories import STAFF_PASSWORD, make_round, make_staff, make_unit, sign_in
from tests.integration.test_results_for_brukare import blocks
from tests.integration.test_shared_tablet import other_app

KIOSK_COOKIE = "brukarenkat_kiosk"
FIRST = "DV_RADD"


def add_unused(session, round_, unit, count: int, **options) -> list[str]:
    tokens = [issue_invitation(session, round_, unit, **options).token for _ in range(count)]
    session.commit()
    return tokens


@pytest.fixture
def world(db_session):
    v1 = make_unit(db_session, "F/E1/Växtverket")
    v2 = make_unit(db_session, "F/E1/Ateljén")
    v3 = make_unit(db_session, "F/E2/Övre gården")
    round_ = make_round(db_session, units=[v1, v2, v3], code="DV-KIOSK")
    db_session.commit()
    make_staff(db_session, "stod@example.se", grants=[("stodperson", v1.parent)])
    return round_, v1, v2, v3


def start_kiosk(client, round_code: str, unit_id: int, email: str = "stod@example.se"):
    sign_in(client, email)
    return client.post(f"/personal/kiosk/{round_code}/starta", data={"unit": unit_id})


def kiosk_cookie(client):
    return client.get_cookie(KIOSK_COOKIE, path="/kiosk")


def begin(client):
    return client.post("/kiosk", data={"lang": "sv"})


def token_of(response) -> str:
    match = re.fullmatch(r"/r/([A-Za-z0-9_\-]+)", response.headers["Location"])
    assert match, response.headers.get("Location")
    return match.group(1)


def fresh(db_session):
    db_session.rollback()
    return db_session


# --- starting the kiosk -------------------------------------------------------------------


def test_starting_a_kiosk_signs_staff_out_and_leaves_only_the_kiosk_cookie(
    client, db_session, world
):
    round_, v1, *_ = world
    add_unused(db_session, round_, v1, 2)
    started = start_kiosk(client, round_.code, v1.id)
    assert started.status_code == 302
    assert started.headers["Location"] == "/kiosk"
    header = next(h for h in started.headers.getlist("Set-Cookie") if h.startswith(KIOSK_COOKIE))
    assert "Path=/kiosk" in header
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header
    assert "Max-Age=43200" in header or "Max-Age=4319" in header
    cookie = kiosk_cookie(client)
    assert cookie is not None
    assert len(cookie.value) >= 43
    # Only the digest is stored.
    kiosk = fresh(db_session).scalar(select(KioskSession))
    assert kiosk.token_hash != cookie.value
    assert len(kiosk.token_hash) == 64
    # The staff sign-in on this browser is gone.
    assert client.get("/personal/").headers["Location"].startswith("/personal/logga-in")
    page = client.get("/kiosk")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Nästa person" in html
    assert "2 oanvända inbjudningar kvar" in html
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "kiosk.start"))
    assert event.detail == {"round": "DV-KIOSK", "unit": "F/E1/Växtverket", "hours": 12}


def test_a_kiosk_needs_an_open_round_and_a_unit_in_scope_with_invitations_left(
    client, db_session, world
):
    round_, v1, _v2, v3 = world
    add_unused(db_session, round_, v3, 1)
    sign_in(client, "stod@example.se")
    page = client.get("/personal/kiosk").get_data(as_text=True)
    assert "Växtverket (0 oanvända)" in page
    assert "Övre gården" not in page  # outside the stödperson's subtree
    # A unit outside the subtree is not a choice: nothing starts.
    refused = client.post(f"/personal/kiosk/{round_.code}/starta", data={"unit": v3.id})
    assert refused.status_code == 400
    # No unused invitations: a clear message, nothing starts.
    empty = client.post(f"/personal/kiosk/{round_.code}/starta", data={"unit": v1.id})
    assert empty.status_code == 302
    message = client.get("/personal/kiosk").get_data(as_text=True)
    assert "F/E1/Växtverket har inga oanvända inbjudningar kvar" in message
    assert fresh(db_session).scalar(select(func.count()).select_from(KioskSession)) == 0


def test_a_round_that_is_not_open_has_no_kiosk(client, db_session, world):
    _round, v1, *_ = world
    draft = make_round(db_session, units=[v1], code="DV-DRAFT", is_draft=True)
    add_unused(db_session, draft, v1, 1)
    sign_in(client, "stod@example.se")
    page = client.get("/personal/kiosk").get_data(as_text=True)
    assert "DV-DRAFT" not in page
    assert client.post("/personal/kiosk/DV-DRAFT/starta", data={"unit": v1.id}).status_code == 302
    assert "inte öppen i dag" in client.get("/personal/kiosk").get_data(as_text=True)
    assert fresh(db_session).scalar(select(func.count()).select_from(KioskSession)) == 0


# --- one invitation per person --------------------------------------------------------------


def test_begin_takes_one_unused_invitation_and_opens_its_survey(client, db_session, world):
    round_, v1, v2, _ = world
    add_unused(db_session, round_, v1, 2)
    add_unused(db_session, round_, v2, 1)
    start_kiosk(client, round_.code, v1.id)
    first = begin(client)
    assert first.status_code == 302
    token = token_of(first)
    invitation = fresh(db_session).scalar(select(Invitation).where(Invitation.token == token))
    assert invitation.org_node_id == v1.id
    assert invitation.channel == "kiosk"
    assert invitation.handed_out_on == local_today()
    assert invitation.status == "not_started"
    start = client.get(f"/r/{token}").get_data(as_text=True)
    code = f"{invitation.short_code[:4]}-{invitation.short_code[4:]}"
    assert "Vill du fortsätta en annan dag? Då skriver du den här koden:" in start
    assert code in start
    second = token_of(begin(client))
    assert second != token
    # v1 has none left; v2's invitation is not v1's to take.
    none_left = begin(client)
    assert none_left.status_code == 409
    html = none_left.get_data(as_text=True)
    assert "Det finns inga fler enkäter här" in html
    assert "Be personalen om hjälp." in html
    assert "En handläggare kan lägga till fler" in html
    unused_v2 = fresh(db_session).scalar(
        select(func.count()).where(Invitation.org_node_id == v2.id, Invitation.channel == "link")
    )
    assert unused_v2 == 1


def test_a_double_tap_on_begin_takes_one_invitation(client, db_session, world):
    round_, v1, *_ = world
    add_unused(db_session, round_, v1, 3)
    start_kiosk(client, round_.code, v1.id)
    page = client.get("/kiosk").get_data(as_text=True)
    nonce = re.search(r'name="nonce" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="nonce" value="([^"]+)"', page
    )
    assert nonce, page
    sent = {"lang": "sv", "nonce": nonce.group(1)}
    first = token_of(client.post("/kiosk", data=sent))
    again = token_of(client.post("/kiosk", data=sent))  # the same form, sent twice
    assert again == first
    taken = fresh(db_session).scalar(
        select(func.count()).where(Invitation.handed_out_on.is_not(None))
    )
    assert taken == 1
    # The next page's form is a new "Börja": the next person gets the next invitation.
    assert token_of(begin(client)) != first
    # Once that survey is sent in, the old form starts a new one instead of reopening it.
    fresh(db_session).execute(
        update(Invitation).where(Invitation.token == first).values(status="submitted")
    )
    db_session.commit()
    assert token_of(client.post("/kiosk", data=sent)) not in (first,)


def test_a_kiosk_never_takes_an_invitation_someone_was_given(client, db_session, world):
    round_, v1, *_ = world
    today = local_today()
    handed = issue_invitation(db_session, round_, v1, handed_out_on=today)  # letter, on the spot
    emailed = issue_invitation(db_session, round_, v1, email="a@example.se")
    paper = issue_invitation(db_session, round_, v1, channel="paper")
    started = issue_invitation(db_session, round_, v1)
    free = issue_invitation(db_session, round_, v1)
    db_session.commit()
    respondent = load_respondent(db_session, started.token)
    record_answer(db_session, respondent, question_code=FIRST, value="aldrig", today=today)
    db_session.commit()
    taken = claim_kiosk_invitation(db_session, round_.id, v1.id, today=today)
    db_session.commit()
    assert taken.token == free.token
    assert claim_kiosk_invitation(db_session, round_.id, v1.id, today=today) is None
    others = {handed.token, emailed.token, paper.token, started.token}
    rows = (
        fresh(db_session)
        .execute(select(Invitation.token, Invitation.channel).where(Invitation.token.in_(others)))
        .all()
    )
    assert {channel for _token, channel in rows} == {"link", "paper"}


def test_an_invitation_made_on_the_spot_is_handed_out(client, db_session, world):
    round_, v1, *_ = world
    make_staff(db_session, "hand@example.se", grants=[("handlaggare", None)])
    sign_in(client, "hand@example.se")
    made = client.post(
        f"/personal/omgangar/{round_.code}/inbjudningar/ny", data={"unit": v1.id, "gender": ""}
    )
    assert made.status_code == 200
    assert fresh(db_session).scalar(select(Invitation.handed_out_on)) == local_today()
    assert claim_kiosk_invitation(db_session, round_.id, v1.id, today=local_today()) is None


def test_a_kiosk_survey_asks_the_gender_the_list_gave_to_someone_else(client, db_session, world):
    round_, v1, v2, _ = world
    add_unused(db_session, round_, v1, 1, gender="kvinna", bestallare=v2)
    start_kiosk(client, round_.code, v1.id)
    token = token_of(begin(client))
    taken = fresh(db_session).scalar(select(Invitation).where(Invitation.token == token))
    assert (taken.gender, taken.bestallare_node_id) == (None, None)
    respondent = load_respondent(fresh(db_session), token)
    assert respondent.path.find(survey_flow.GENDER) is not None
    client.post(f"/r/{token}/q/{survey_flow.GENDER}", data={"answer": "man"})
    client.post(f"/r/{token}/skicka")
    response = fresh(db_session).scalar(select(SurveyResponse))
    assert (response.gender, response.bestallare_node_id) == ("man", None)


# --- the previous person ------------------------------------------------------------------


def test_the_previous_persons_survey_is_not_open_on_the_kiosk(client, db_session, world):
    round_, v1, *_ = world
    add_unused(db_session, round_, v1, 2)
    start_kiosk(client, round_.code, v1.id)
    first = token_of(begin(client))
    assert client.post(f"/r/{first}/q/{FIRST}", data={"answer": "ofta"}).status_code == 302
    # Person 1 stops; the answer stays saved. Person 2 begins.
    stopped = client.post(f"/r/{first}/sluta", data={"lang": "sv"})
    assert stopped.headers["Location"] == "/kiosk?slutat=sv"
    assert "Du har slutat. Dina svar är sparade." in client.get(
        stopped.headers["Location"]
    ).get_data(as_text=True)
    second = token_of(begin(client))
    assert second != first
    for url in (f"/r/{first}", f"/r/{first}/q/{FIRST}", f"/r/{first}/granska"):
        page = client.get(url)
        assert page.status_code == 403, url
        html = page.get_data(as_text=True)
        assert "Den här enkäten är inte öppen här" in html
        assert "selected" not in html
        assert "Ofta" not in html
    # Person 2's session cannot post into person 1's survey.
    for url, data in (
        (f"/r/{first}/q/{FIRST}", {"answer": "aldrig"}),
        (f"/r/{first}/skicka", {}),
        (f"/r/{first}", {"presentation": "text"}),
    ):
        assert client.post(url, data=data).status_code == 403, url
    drafts = fresh(db_session).execute(select(DraftAnswer.question_code, DraftAnswer.value)).all()
    assert drafts == [(FIRST, "ofta")]
    assert db_session.scalar(select(func.count()).select_from(SurveyResponse)) == 0
    # Person 2's own survey works.
    assert client.get(f"/r/{second}/q/{FIRST}").status_code == 200


def test_after_sending_in_the_thanks_page_leads_back_to_the_kiosk(client, db_session, world):
    round_, v1, *_ = world
    add_unused(db_session, round_, v1, 1)
    start_kiosk(client, round_.code, v1.id)
    token = token_of(begin(client))
    client.post(f"/r/{token}/q/{FIRST}", data={"answer": "aldrig"})
    sent = client.post(f"/r/{token}/skicka")
    thanks = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert 'href="/kiosk"' in thanks
    assert ">Klar<" in thanks
    assert 'data-return-ms="25000"' in thanks
    assert re.search(r"/static/js/kiosk\.[0-9a-f]+\.js", thanks)
    # The kiosk start forgets the person: their survey is closed on this tablet.
    client.get("/kiosk")
    assert client.get(f"/r/{token}/granska").status_code == 403


def test_a_kiosk_survey_opens_in_another_browser_only_with_its_code(app, db_session, world):
    round_, v1, *_ = world
    add_unused(db_session, round_, v1, 1)
    tablet = app.test_client()
    start_kiosk(tablet, round_.code, v1.id)
    token = token_of(begin(tablet))
    tablet.post(f"/r/{token}/q/{FIRST}", data={"answer": "ofta"})
    elsewhere = app.test_client()  # a browser that has the address, not the code
    opened = elsewhere.get(f"/r/{token}/q/{FIRST}")
    assert opened.status_code == 302
    assert opened.headers["Location"] == "/"
    assert elsewhere.post(f"/r/{token}/q/{FIRST}", data={"answer": "aldrig"}).status_code == 302
    code = fresh(db_session).scalar(select(Invitation.short_code))
    entered = elsewhere.post("/kod", data={"code": code})
    assert entered.headers["Location"] == f"/r/{token}"
    page = elsewhere.get(f"/r/{token}/q/{FIRST}").get_data(as_text=True)
    assert "selected" in page  # their own answer, after the code
    assert fresh(db_session).scalar(select(DraftAnswer.value)) == "ofta"


# --- ending, expiry, bad credentials ------------------------------------------------------


def test_an_ended_or_expired_kiosk_shows_a_clear_page_and_drops_its_cookie(
    app, client, db_session, world
):
    round_, v1, *_ = world
    add_unused(db_session, round_, v1, 3)
    start_kiosk(client, round_.code, v1.id)
    staff = app.test_client()
    sign_in(staff, "stod@example.se")
    page = staff.get("/personal/kiosk").get_data(as_text=True)
    assert "Kiosker som är igång" in page
    assert "Växtverket" in page
    kiosk_id = fresh(db_session).scalar(select(KioskSession.id))
    assert staff.post(f"/personal/kiosk/{kiosk_id}/avsluta").status_code == 302
    ended = client.get("/kiosk")
    assert ended.status_code == 403
    html = ended.get_data(as_text=True)
    assert "Kiosken är inte igång" in html
    assert "Be personalen om hjälp." in html
    assert any(h.startswith(f"{KIOSK_COOKIE}=;") for h in ended.headers.getlist("Set-Cookie"))
    assert begin(client).status_code == 403
    assert (
        fresh(db_session).scalar(select(func.count()).where(Invitation.handed_out_on.is_not(None)))
        == 0
    )
    # Expired: the same page.
    other = app.test_client()
    start_kiosk(other, round_.code, v1.id)
    row = fresh(db_session).scalar(select(KioskSession).where(KioskSession.revoked_at.is_(None)))
    row.expires_at = datetime.now(UTC) - timedelta(minutes=1)
    db_session.commit()
    assert other.get("/kiosk").status_code == 403
    # An unknown or malformed cookie: the same page.
    for value in ("x" * 43, "not a token", ""):
        stranger = app.test_client()
        stranger.set_cookie(KIOSK_COOKIE, value, path="/kiosk")
        assert stranger.get("/kiosk").status_code == 403
    assert app.test_client().get("/kiosk").status_code == 403
    ends = db_session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "kiosk.end"))
    assert list(ends) == [{"round": "DV-KIOSK", "unit": "F/E1/Växtverket", "on": "staff_page"}]


def test_the_kiosk_can_be_ended_on_the_tablet_but_only_staff_start_it(client, db_session, world):
    round_, v1, *_ = world
    add_unused(db_session, round_, v1, 1)
    start_kiosk(client, round_.code, v1.id)
    confirm = client.get("/kiosk/avsluta").get_data(as_text=True)
    assert "Avsluta kiosken?" in confirm
    ended = client.post("/kiosk/avsluta")
    assert ended.headers["Location"] == "/personal/kiosk"
    assert client.get("/personal/kiosk").headers["Location"].startswith("/personal/logga-in")
    assert client.get("/kiosk").status_code == 403
    row = fresh(db_session).scalar(select(KioskSession))
    assert row.revoked_at is not None
    assert row.revoked_by_id is None


def test_staff_see_and_end_only_the_kiosks_of_their_units(app, db_session, world):
    round_, _v1, _v2, v3 = world
    add_unused(db_session, round_, v3, 1)
    make_staff(db_session, "other@example.se", grants=[("stodperson", v3.parent)])
    tablet = app.test_client()
    start_kiosk(tablet, round_.code, v3.id, email="other@example.se")
    kiosk_id = fresh(db_session).scalar(select(KioskSession.id))
    staff = app.test_client()
    sign_in(staff, "stod@example.se")
    assert "Övre gården" not in staff.get("/personal/kiosk").get_data(as_text=True)
    assert staff.post(f"/personal/kiosk/{kiosk_id}/avsluta").status_code == 404
    assert tablet.get("/kiosk").status_code == 200


def test_kiosk_pages_are_never_stored(client, db_session, world):
    round_, v1, *_ = world
    add_unused(db_session, round_, v1, 1)
    start_kiosk(client, round_.code, v1.id)
    for response in (
        client.get("/kiosk"),
        client.get("/kiosk/avsluta"),
        begin(client),
        begin(client),  # none left
        client.get("/personal/kiosk"),
    ):
        assert response.headers["Cache-Control"] == "no-store"


def test_the_kiosk_pages_are_easy_to_read(client, db_session, world):
    round_, v1, *_ = world
    add_unused(db_session, round_, v1, 1)
    start_kiosk(client, round_.code, v1.id)
    pages = [client.get("/kiosk"), client.get("/kiosk/avsluta")]
    token = token_of(begin(client))
    pages.append(client.get(f"/r/{token}"))
    pages.append(begin(client))  # none left
    client.post(f"/r/{token}/skicka")
    pages.append(client.get(f"/r/{token}/tack"))
    client.get("/kiosk")
    pages.append(client.get(f"/r/{token}/tack"))  # not open here
    texts = [text for page in pages for text in blocks(page.get_data(as_text=True)).texts]
    assert lix_of_texts(texts) <= 30, texts
    assert app_texts_are_swedish(texts)


def app_texts_are_swedish(texts: list[str]) -> bool:
    return not any(word in " ".join(texts) for word in ("Next person", "Start", "kiosk is"))


# --- adding invitations for kiosks --------------------------------------------------------


def test_a_handlaggare_adds_invitations_that_only_kiosks_take(client, db_session, world):
    round_, v1, *_ = world
    make_staff(db_session, "hand@example.se", grants=[("handlaggare", v1.parent)])
    sign_in(client, "hand@example.se")
    url = f"/personal/omgangar/{round_.code}/inbjudningar/kiosk"
    assert client.get(url).status_code == 200
    added = client.post(url, data={"unit": v1.id, "count": 3})
    assert added.status_code == 302
    page = client.get(added.headers["Location"]).get_data(as_text=True)
    assert "3 inbjudningar för kiosker på F/E1/Växtverket är tillagda" in page
    rows = (
        fresh(db_session)
        .execute(select(Invitation.channel, Invitation.handed_out_on, Invitation.gender))
        .all()
    )
    assert rows == [("kiosk", None, None)] * 3
    for bad in ("0", "501", "-1", "tre", ""):
        refused = client.post(url, data={"unit": v1.id, "count": bad})
        assert refused.status_code == 400, bad
        assert "Skriv hur många, från 1 till 500." in refused.get_data(as_text=True)
    assert fresh(db_session).scalar(select(func.count()).select_from(Invitation)) == 3
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "invitations.import"))
    assert event.detail == {"round": "DV-KIOSK", "count": 3, "channel": "kiosk"}


def test_the_same_add_form_sent_twice_adds_once(client, db_session, world):
    round_, v1, *_ = world
    make_staff(db_session, "hand@example.se", grants=[("handlaggare", v1.parent)])
    sign_in(client, "hand@example.se")
    url = f"/personal/omgangar/{round_.code}/inbjudningar/kiosk"
    page = client.get(url).get_data(as_text=True)
    nonce = re.search(r'name="nonce" type="hidden" value="([^"]+)"', page)
    assert nonce, page
    sent = {"unit": v1.id, "count": 4, "nonce": nonce.group(1)}
    assert client.post(url, data=sent).status_code == 302
    again = client.post(url, data=sent, follow_redirects=True)
    assert "lades till redan" in again.get_data(as_text=True)
    assert fresh(db_session).scalar(select(func.count()).select_from(Invitation)) == 4
    # A new page is a new form.
    page = client.get(url).get_data(as_text=True)
    other = re.search(r'name="nonce" type="hidden" value="([^"]+)"', page).group(1)
    assert other != nonce.group(1)
    client.post(url, data={**sent, "nonce": other})
    assert fresh(db_session).scalar(select(func.count()).select_from(Invitation)) == 8


# --- CSRF ---------------------------------------------------------------------------------


def test_kiosk_forms_need_their_csrf_token(database_url, db_session, world):
    round_, v1, *_ = world
    add_unused(db_session, round_, v1, 2)
    for protected in other_app(database_url, csrf_enabled=True):
        client = protected.test_client()
        login = client.get("/personal/logga-in").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login).group(1)
        client.post(
            "/personal/logga-in",
            data={
                "email": "stod@example.se",
                "password": "korrekt häst batteri häftstift",
                "csrf_token": csrf,
            },
        )
        forged = client.post(f"/personal/kiosk/{round_.code}/starta", data={"unit": v1.id})
        assert forged.status_code == 400
        assert fresh(db_session).scalar(select(func.count()).select_from(KioskSession)) == 0
        page = client.get("/personal/kiosk").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        started = client.post(
            f"/personal/kiosk/{round_.code}/starta", data={"unit": v1.id, "csrf_token": csrf}
        )
        assert started.headers["Location"] == "/kiosk"
        # "Börja" without its token takes nothing: back to the start page.
        client.get("/kiosk")
        forged_begin = client.post("/kiosk", data={"lang": "sv"})
        assert forged_begin.status_code == 302
        assert forged_begin.headers["Location"] == "/kiosk"
        assert (
            fresh(db_session).scalar(
                select(func.count()).where(Invitation.handed_out_on.is_not(None))
            )
            == 0
        )
        assert client.post("/kiosk/avsluta").status_code == 400
        assert fresh(db_session).scalar(select(KioskSession.revoked_at)) is None
        html = client.get("/kiosk").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
        begun = client.post("/kiosk", data={"lang": "sv", "csrf_token": csrf})
        assert begun.headers["Location"].startswith("/r/")


# --- two tablets at once ------------------------------------------------------------------


def test_two_tablets_at_once_never_take_the_same_invitation(app, db_session, world):
    round_, v1, *_ = world
    tokens = set(add_unused(db_session, round_, v1, 12))
    tablets = []
    for _ in range(2):
        tablet = app.test_client()
        start_kiosk(tablet, round_.code, v1.id)
        tablets.append(tablet)
    db_session.rollback()
    barrier = threading.Barrier(len(tablets))
    taken: list[list[str]] = [[] for _ in tablets]
    none_left = [0 for _ in tablets]
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            for _ in range(8):
                response = begin(tablets[index])
                if response.status_code == 409:
                    none_left[index] += 1
                else:
                    taken[index].append(token_of(response))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(tablets))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    every = taken[0] + taken[1]
    assert len(every) == len(set(every)) == 12  # none twice, none lost
    assert set(every) == tokens
    assert sum(none_left) == 4
    assert fresh(db_session).scalar(select(func.count()).where(Invitation.channel == "kiosk")) == 12


def test_the_next_person_starts_in_swedish_with_a_new_csrf_token(database_url, db_session, world):
    round_, v1, *_ = world
    add_unused(db_session, round_, v1, 2)
    for protected in other_app(database_url, csrf_enabled=True):
        client = protected.test_client()
        login = client.get("/personal/logga-in").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login).group(1)
        client.post(
            "/personal/logga-in",
            data={"email": "stod@example.se", "password": STAFF_PASSWORD, "csrf_token": csrf},
        )
        page = client.get("/personal/kiosk").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        client.post(
            f"/personal/kiosk/{round_.code}/starta", data={"unit": v1.id, "csrf_token": csrf}
        )
        english = client.get("/kiosk?lang=en").get_data(as_text=True)
        assert "Next person" in english
        before = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', english).group(1)
        begun = client.post("/kiosk", data={"lang": "en", "csrf_token": before})
        token = token_of(begun)
        assert "What do you think about" in client.get(f"/r/{token}").get_data(as_text=True)
        # Person 1 leaves; the next person gets Swedish and a CSRF token of their own.
        after = client.get("/kiosk").get_data(as_text=True)
        assert "Nästa person" in after
        fresh_token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', after).group(1)
        assert fresh_token != before
        stale = client.post("/kiosk", data={"lang": "sv", "csrf_token": before})
        assert stale.headers["Location"] == "/kiosk"  # the person before's token is void
        db_session.rollback()
        assert db_session.scalar(select(func.count()).where(Invitation.channel == "kiosk")) == 1


def test_a_kiosk_whose_round_has_closed_takes_nothing(client, db_session, world):
    round_, v1, *_ = world
    add_unused(db_session, round_, v1, 1)
    start_kiosk(client, round_.code, v1.id)
    round_.closes_on = local_today() - timedelta(days=1)
    db_session.commit()
    for response in (client.get("/kiosk"), begin(client)):
        assert response.status_code == 403
        assert "Enkäten är stängd" in response.get_data(as_text=True)
    assert fresh(db_session).scalar(select(Invitation.handed_out_on)) is None
