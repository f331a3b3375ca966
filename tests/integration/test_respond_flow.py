"""The respondent's whole flow through the Flask client, on a real database."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, inspect, select

from survey import _NoRequestLines
from survey.clock import local_today
from survey.domain.question_banks import load_bank
from survey.models import Answer, DraftAnswer, FreeTextComment, Invitation, SurveyResponse
from survey.operations.rounds import close_round
from tests.factories import make_invited

BANK = load_bank("dv", "2026.1")
FIRST, SECOND, LAST = BANK.codes()[0], BANK.codes()[1], BANK.codes()[-1]


def answer(client, token, code, value, **extra):
    return client.post(f"/r/{token}/q/{code}", data={"answer": value, **extra})


def count(session, model):
    session.rollback()  # a fresh snapshot: see what the requests committed
    return session.scalar(select(func.count()).select_from(model))


def finish(client, token, value="ja"):
    """Answer every question (first option where `value` does not fit) and submit."""
    response = client.post(f"/r/{token}", data={"presentation": "pictures"})
    while "/q/" in response.headers.get("Location", ""):
        code = response.headers["Location"].rsplit("/", 1)[1]
        page = client.get(f"/r/{token}/q/{code}")
        assert page.status_code == 200
        question = BANK.find(code)
        if question.scale is None:
            chosen = "hoppa_over"
        elif value in question.scale.option_codes():
            chosen = value
        else:
            chosen = question.scale.option_codes()[0]
        response = answer(client, token, code, chosen)
        assert response.status_code == 302, (code, response.status_code)
    assert response.headers["Location"].endswith("/granska")
    assert client.get(f"/r/{token}/granska").status_code == 200
    return client.post(f"/r/{token}/skicka")


def test_start_page_is_easy_read_and_explains_the_survey(client, db_session):
    setup = make_invited(db_session)
    page = client.get(f"/r/{setup.token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<html lang="sv"' in html
    assert "Testkommunen" in html
    assert 'name="presentation"' in html
    assert 'name="large_text"' in html


def test_whole_survey_gives_one_anonymous_response(client, db_session):
    setup = make_invited(db_session, gender="man")
    result = finish(client, setup.token)
    assert result.status_code == 302
    assert result.headers["Location"].endswith("/tack")
    assert "Tack" in client.get(f"/r/{setup.token}/tack").get_data(as_text=True)

    response = db_session.scalars(select(SurveyResponse)).one()
    assert response.gender == "man"
    assert response.answered_by == "sjalv"
    assert response.org_node_id == setup.unit.id
    assert response.submitted_week.startswith(str(local_today().isocalendar()[0]))
    answers = {a.question_code: a.value for a in response.answers}
    assert set(answers) == set(BANK.codes())
    assert answers["DV_NOJD"] == "ja"
    assert answers["DV_RADD"] == "aldrig"  # "ja" is not on the aio scale
    assert count(db_session, DraftAnswer) == 0
    invitation = db_session.get(Invitation, setup.invitation.invitation_id)
    assert invitation.status == "submitted"


def test_response_table_has_no_link_to_the_invitation(app, db_session):
    columns = {c["name"] for c in inspect(db_session.get_bind()).get_columns("survey_response")}
    assert not {name for name in columns if "invitation" in name or "token" in name}
    assert not {"created_at", "submitted_at", "updated_at"} & columns


def test_gender_question_only_when_invitation_has_none(client, db_session):
    with_gender = make_invited(db_session, gender="kvinna")
    html = client.get(f"/r/{with_gender.token}/q/BG_KON")
    assert html.status_code == 404

    without = make_invited(db_session, gender=None, code="OTHER")
    assert client.get(f"/r/{without.token}/q/BG_KON").status_code == 200
    assert answer(client, without.token, "BG_KON", "annat").status_code == 302
    finish(client, without.token, value="annat")
    response = db_session.scalars(select(SurveyResponse)).one()
    assert response.gender == "annat"


def test_each_answer_is_stored_when_given_and_reposting_changes_nothing(client, db_session):
    setup = make_invited(db_session)
    first = answer(client, setup.token, FIRST, "aldrig")
    assert first.status_code == 302
    assert first.headers["Location"].endswith(f"/q/{SECOND}")
    assert count(db_session, DraftAnswer) == 1
    again = answer(client, setup.token, FIRST, "aldrig")
    assert again.headers["Location"] == first.headers["Location"]
    assert count(db_session, DraftAnswer) == 1
    answer(client, setup.token, FIRST, "ofta")  # changing an answer replaces it
    drafts = db_session.scalars(select(DraftAnswer)).all()
    assert [(d.question_code, d.value) for d in drafts] == [(FIRST, "ofta")]
    html = client.get(f"/r/{setup.token}/q/{FIRST}").get_data(as_text=True)
    assert 'value="ofta"' in html
    assert "selected" in html


def test_resume_on_another_device_goes_to_first_unanswered(app, client, db_session):
    setup = make_invited(db_session)
    answer(client, setup.token, FIRST, "aldrig")
    answer(client, setup.token, SECOND, "hoppa_over")
    other_device = app.test_client()
    resumed = other_device.post(f"/r/{setup.token}", data={"presentation": "text"})
    assert resumed.headers["Location"].endswith(f"/q/{BANK.codes()[2]}")
    start = other_device.get(f"/r/{setup.token}").get_data(as_text=True)
    assert "Fortsätt" in start or "Continue" in start


def test_code_entry_leads_to_the_survey(client, db_session):
    setup = make_invited(db_session)
    code = db_session.get(Invitation, setup.invitation.invitation_id).short_code
    typed = f"{code[:4].lower()} - {code[4:]}"
    result = client.post("/kod", data={"code": typed})
    assert result.status_code == 302
    assert result.headers["Location"].endswith(f"/r/{setup.token}")


@pytest.mark.parametrize("typed", ["AAAA-AAAA", "nonsense", "", "x" * 39])
def test_wrong_code_gets_a_friendly_message(client, db_session, typed):
    make_invited(db_session)
    result = client.post("/kod", data={"code": typed})
    assert result.status_code in (400, 404)
    assert 'role="alert"' in result.get_data(as_text=True)


def test_double_submit_counts_once(client, db_session):
    setup = make_invited(db_session)
    finish(client, setup.token)
    again = client.post(f"/r/{setup.token}/skicka")
    assert again.status_code == 302
    assert again.headers["Location"].endswith("/tack")
    assert count(db_session, SurveyResponse) == 1


def test_submitted_link_says_thank_you_already_answered(client, db_session):
    setup = make_invited(db_session)
    finish(client, setup.token)
    page = client.get(f"/r/{setup.token}")
    assert page.status_code == 200
    assert "redan svarat" in page.get_data(as_text=True)
    late = answer(client, setup.token, FIRST, "ja")
    assert late.status_code == 409
    assert count(db_session, DraftAnswer) == 0


def test_two_tabs_on_one_token_share_one_draft(app, db_session):
    setup = make_invited(db_session)
    tab_one, tab_two = app.test_client(), app.test_client()
    answer(tab_one, setup.token, FIRST, "aldrig")
    answer(tab_two, setup.token, FIRST, "ibland")
    answer(tab_two, setup.token, SECOND, "ja")
    assert count(db_session, DraftAnswer) == 2
    assert tab_one.post(f"/r/{setup.token}/skicka").status_code == 302
    assert tab_two.post(f"/r/{setup.token}/skicka").status_code == 302
    assert count(db_session, SurveyResponse) == 1
    values = dict(db_session.execute(select(Answer.question_code, Answer.value)).all())
    assert values == {FIRST: "ibland", SECOND: "ja"}


def test_review_change_returns_to_review(client, db_session):
    setup = make_invited(db_session)
    answer(client, setup.token, FIRST, "aldrig")
    page = client.get(f"/r/{setup.token}/q/{FIRST}?from=review").get_data(as_text=True)
    assert 'name="return_to" value="review"' in page
    result = answer(client, setup.token, FIRST, "ofta", return_to="review")
    # The rest is unanswered, so the person is taken onward to the first open question.
    assert result.headers["Location"].endswith(f"/q/{SECOND}")


def test_choosing_med_hjalp_asks_who_helped(client, db_session):
    setup = make_invited(db_session)
    result = answer(client, setup.token, "BG_VEM", "med_hjalp")
    assert result.headers["Location"].endswith("/q/BG_HJALPARE")
    answer(client, setup.token, "BG_HJALPARE", "kand")
    answer(client, setup.token, "BG_VEM", "sjalv")  # changed mind: helper no longer applies
    client.post(f"/r/{setup.token}/skicka")
    response = db_session.scalars(select(SurveyResponse)).one()
    assert (response.answered_by, response.helper) == ("sjalv", None)


def test_free_text_is_kept_apart_and_unreleased(client, db_session):
    setup = make_invited(db_session)
    client.post(f"/r/{setup.token}/q/BG_FRITEXT", data={"answer": "text", "text": " Bra fika! "})
    client.post(f"/r/{setup.token}/skicka")
    comment = db_session.scalars(select(FreeTextComment)).one()
    assert comment.text == "Bra fika!"
    assert not comment.is_released


def test_presentation_choice_is_stored_with_the_response(client, db_session):
    setup = make_invited(db_session)
    client.post(f"/r/{setup.token}", data={"presentation": "text", "large_text": "y"})
    assert 'class="text-large"' in client.get(f"/r/{setup.token}/q/{FIRST}").get_data(as_text=True)
    client.post(f"/r/{setup.token}/lyssna")
    answer(client, setup.token, FIRST, "aldrig")
    client.post(f"/r/{setup.token}/skicka")
    response = db_session.scalars(select(SurveyResponse)).one()
    assert (response.with_pictures, response.large_text, response.used_read_aloud) == (
        False,
        True,
        True,
    )


# --- bad input: a clear page, the right status, nothing written --------------------------


def test_unknown_token_is_404_without_hint(client, db_session):
    make_invited(db_session)
    for path in ("/r/" + "A" * 43, "/r/short", "/r/" + "A" * 43 + "/q/DV_RADD"):
        page = client.get(path)
        assert page.status_code == 404
        assert "<html" in page.get_data(as_text=True)
    assert client.post("/r/" + "A" * 43 + "/q/DV_RADD", data={"answer": "ja"}).status_code == 404
    assert count(db_session, DraftAnswer) == 0


@pytest.mark.parametrize(
    ("code", "value", "status"),
    [
        ("DV_RADD", "ja", 400),  # not an option of the aio scale
        ("DV_RADD", "'; DROP TABLE", 400),
        ("NOT_A_QUESTION", "ja", 404),
        ("BG_HJALPARE", "kand", 404),  # not on this person's path
        ("BG_KON", "vet_inte", 404),  # gender known, so not asked
        ("BG_VEM", "vet_inte", 400),  # background questions have no "vet inte"
        ("DV_RADD", "", 400),
    ],
)
def test_bad_answers_are_refused_and_nothing_is_written(client, db_session, code, value, status):
    setup = make_invited(db_session)
    result = answer(client, setup.token, code, value)
    assert result.status_code == status
    assert "<h1>" in result.get_data(as_text=True)
    assert count(db_session, DraftAnswer) == 0


def test_oversized_post_is_refused(client, db_session):
    setup = make_invited(db_session)
    result = client.post(
        f"/r/{setup.token}/q/BG_FRITEXT", data={"answer": "text", "text": "x" * 100_000}
    )
    assert result.status_code == 413
    assert count(db_session, DraftAnswer) == 0


def test_too_long_free_text_is_refused(client, db_session):
    setup = make_invited(db_session)
    result = client.post(
        f"/r/{setup.token}/q/BG_FRITEXT", data={"answer": "text", "text": "x" * 2001}
    )
    assert result.status_code == 400
    assert count(db_session, DraftAnswer) == 0


def test_closed_round_gets_friendly_page_and_keeps_nothing_new(client, db_session):
    setup = make_invited(db_session)
    answer(client, setup.token, FIRST, "aldrig")
    close_round(db_session, setup.round_, local_today())
    db_session.commit()
    assert count(db_session, SurveyResponse) == 1  # the started response was auto-submitted
    page = client.get(f"/r/{setup.token}")
    assert page.status_code == 200
    assert "redan svarat" in page.get_data(as_text=True)

    other = make_invited(db_session, code="SECOND")
    close_round(db_session, other.round_, local_today())
    db_session.commit()
    closed = client.get(f"/r/{other.token}")
    assert closed.status_code == 410
    assert answer(client, other.token, FIRST, "aldrig").status_code == 410
    assert count(db_session, DraftAnswer) == 0


def test_round_past_its_close_date_takes_no_answers(client, db_session):
    today = local_today()
    setup = make_invited(
        db_session, opens_on=today - timedelta(days=30), closes_on=today - timedelta(days=1)
    )
    assert answer(client, setup.token, FIRST, "aldrig").status_code == 410
    early = make_invited(
        db_session,
        code="EARLY",
        opens_on=today + timedelta(days=3),
        closes_on=today + timedelta(days=30),
    )
    assert client.get(f"/r/{early.token}").status_code == 403
    assert count(db_session, DraftAnswer) == 0


def test_close_round_drops_contact_data_and_empty_drafts(client, db_session):
    setup = make_invited(db_session)
    invitation = db_session.get(Invitation, setup.invitation.invitation_id)
    invitation.email = "person@example.org"
    db_session.commit()
    answer(client, setup.token, FIRST, "hoppa_over")  # seen, but nothing answered
    assert close_round(db_session, setup.round_, local_today()) == 0
    db_session.commit()
    db_session.expire_all()
    invitation = db_session.get(Invitation, setup.invitation.invitation_id)
    assert invitation.email is None
    assert count(db_session, DraftAnswer) == 0
    assert count(db_session, SurveyResponse) == 0


def test_security_headers_on_respondent_pages(client, db_session):
    setup = make_invited(db_session)
    headers = client.get(f"/r/{setup.token}").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert headers["Referrer-Policy"] == "same-origin"


def test_no_client_address_is_logged_for_respondent_requests(app, client, db_session):
    setup = make_invited(db_session)
    client.get(f"/r/{setup.token}")
    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '127.0.0.1 - - [x] "GET /r/abc HTTP/1.1" 200 -',
        None,
        None,
    )
    assert not _NoRequestLines().filter(record)
    assert any(isinstance(f, _NoRequestLines) for f in logging.getLogger("werkzeug").filters)


def test_simultaneous_submits_and_answers_count_once(app, db_session):
    """Eight devices tapping at once: one response, every answer kept, no server error."""
    setup = make_invited(db_session)

    def tap(index: int) -> int:
        client = app.test_client()
        if index % 2:
            return client.post(f"/r/{setup.token}/skicka").status_code
        return answer(client, setup.token, BANK.codes()[index], "hoppa_over").status_code

    answer(app.test_client(), setup.token, FIRST, "aldrig")
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(tap, range(2, 10)))
    assert all(status in (302, 409) for status in statuses), statuses
    assert count(db_session, SurveyResponse) == 1
    assert count(db_session, DraftAnswer) == 0
    response = db_session.scalars(select(SurveyResponse)).one()
    assert {a.question_code: a.value for a in response.answers}[FIRST] == "aldrig"
