"""Shared tablets, double taps and lost cookies, through the Flask client on a real database.

What the browser does with these (survey.js, the back/forward cache) is in
tests/browser/test_shared_tablet.py; here is what the server promises on its own.
"""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import func, select

from survey import create_app
from survey.domain.question_banks import load_bank
from survey.models import DraftAnswer
from survey.respond.answer_timing import sign_shown
from tests.conftest import make_settings
from tests.factories import make_invited

BANK = load_bank("dv", "2026.1")
FIRST, SECOND = BANK.codes()[0], BANK.codes()[1]
FIRST_OPTION = BANK.find(FIRST).scale.option_codes()[0]


def drafts(session) -> dict[str, str | None]:
    session.rollback()  # a fresh snapshot: see what the requests committed
    return dict(session.execute(select(DraftAnswer.question_code, DraftAnswer.value)).all())


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" (?:type="hidden" )?value="([^"]*)"', html)
    assert match, f"no {name} field on the page"
    return match.group(1)


def other_app(database_url: str, **overrides: object):
    # Requests to another app object push their own app context, so nothing (such as
    # Flask-WTF's per-request CSRF token in `g`) leaks from one request to the next.
    other = create_app(make_settings(database_url, **overrides))
    yield other
    with other.app_context():
        from survey.models import db

        db.engine.dispose()


#: The double-tap guard's threshold in these tests: far above what a loaded test machine
#: takes from rendering a page to reading the next post (the test app has the guard off).
GUARD_SECONDS = 5.0


@pytest.fixture
def guarded(database_url: str, db_session):
    for guarded_app in other_app(database_url, answer_min_seconds=GUARD_SECONDS):
        yield guarded_app, db_session


@pytest.fixture
def fresh(database_url: str, db_session):
    """The test app's settings, in an app whose requests share no `g` with the test."""
    for fresh_app in other_app(database_url):
        yield fresh_app.test_client()


@pytest.fixture
def protected(database_url: str, db_session):
    """An app with CSRF on, as in production."""
    for protected_app in other_app(database_url, csrf_enabled=True):
        yield protected_app, db_session


# --- no-store -------------------------------------------------------------------------


def test_no_respondent_page_may_be_stored(client, db_session):
    setup = make_invited(db_session, gender=None)
    base = f"/r/{setup.token}"
    pages = {
        "code entry": client.get("/"),
        "wrong code": client.post("/kod", data={"code": "AAAA-AAAA"}),
        "start": client.get(base),
        "question": client.get(f"{base}/q/{FIRST}"),
        "answer": client.post(f"{base}/q/{FIRST}", data={"answer": FIRST_OPTION}),
        "refused answer": client.post(f"{base}/q/{FIRST}", data={"answer": "nonsense"}),
        "review": client.get(f"{base}/granska"),
        "submit": client.post(f"{base}/skicka"),
        "thanks": client.get(f"{base}/tack"),
        "already answered": client.get(f"{base}/q/{FIRST}"),
        "unknown token": client.get(f"/r/{'x' * 43}"),
        "about the pictures": client.get("/om-bilderna"),
        "accessibility": client.get("/tillganglighet"),
    }
    assert pages["already answered"].status_code == 409
    for name, response in pages.items():
        assert response.headers.get("Cache-Control") == "no-store", name


def test_static_files_are_not_no_store(client, db_session):
    css = client.get("/static/css/respond.css")
    assert css.status_code == 200
    assert "no-store" not in css.headers.get("Cache-Control", "")
    css.close()


# --- fetch: JSON instead of a redirect --------------------------------------------------


def test_a_fetch_gets_the_next_address_as_json_and_a_form_gets_a_redirect(client, db_session):
    setup = make_invited(db_session)
    base = f"/r/{setup.token}"
    asked = client.post(
        f"{base}/q/{FIRST}", data={"answer": FIRST_OPTION}, headers={"Accept": "application/json"}
    )
    assert asked.status_code == 200
    assert asked.get_json() == {"next": f"{base}/q/{SECOND}"}
    plain = client.post(
        f"{base}/q/{SECOND}", data={"answer": "ja"}, headers={"Accept": "text/html,*/*;q=0.8"}
    )
    assert plain.status_code == 302
    assert drafts(db_session) == {FIRST: FIRST_OPTION, SECOND: "ja"}


# --- "Stop now" -------------------------------------------------------------------------


def test_stop_now_forgets_the_session_and_keeps_the_answers(fresh, db_session):
    client = fresh
    setup = make_invited(db_session)
    base = f"/r/{setup.token}"
    client.get(f"{base}?lang=en")
    client.post(f"{base}/q/{FIRST}", data={"answer": FIRST_OPTION})
    stopped = client.post(f"{base}/sluta", data={"lang": "en"})
    assert stopped.status_code == 302
    assert stopped.headers["Location"] == "/?slutat=en"
    with client.session_transaction() as session:
        assert "lang" not in session
        assert setup.token not in str(dict(session))
    page = client.get(stopped.headers["Location"]).get_data(as_text=True)
    assert '<html lang="en"' in page
    assert "You have stopped. Your answers are saved." in page
    # The next person gets Swedish: the stopped person's language was not remembered.
    assert '<html lang="sv"' in client.get("/").get_data(as_text=True)
    assert drafts(db_session) == {FIRST: FIRST_OPTION}


def test_stop_now_as_a_fetch_gets_the_stopped_page_as_json(fresh, db_session):
    client = fresh
    setup = make_invited(db_session)
    stopped = client.post(
        f"/r/{setup.token}/sluta", data={"lang": "sv"}, headers={"Accept": "application/json"}
    )
    assert stopped.get_json() == {"next": "/?slutat=sv"}
    page = client.get("/?slutat=sv").get_data(as_text=True)
    assert "Du har slutat. Dina svar är sparade." in page


def test_after_stop_now_the_survey_pages_show_no_answers_until_the_person_continues(
    client, db_session
):
    setup = make_invited(db_session)
    base = f"/r/{setup.token}"
    client.post(f"{base}/q/{FIRST}", data={"answer": FIRST_OPTION})
    client.post(f"{base}/sluta")
    # Without JavaScript the Back history still holds these addresses.
    for address in (f"{base}/q/{FIRST}", f"{base}/granska"):
        back = client.get(address)
        assert back.status_code == 302, address
        assert back.headers["Location"] == base
    assert client.get(base).status_code == 200
    client.post(base, data={"presentation": "pictures"})  # "Continue"
    assert 'class="answer' in client.get(f"{base}/q/{FIRST}").get_data(as_text=True)


def test_typing_the_code_again_after_stop_now_opens_the_survey(client, db_session):
    setup = make_invited(db_session)
    base = f"/r/{setup.token}"
    client.post(f"{base}/sluta")
    code = setup.invitation.short_code
    assert client.post("/kod", data={"code": code}).headers["Location"] == base
    assert client.get(f"{base}/granska").status_code == 200


# --- double tap: the signed render time --------------------------------------------------


def answer_form(client, base: str, code: str) -> dict[str, str]:
    html = client.get(f"{base}/q/{code}").get_data(as_text=True)
    return {"shown": hidden(html, "shown"), "return_to": "", "lang": hidden(html, "lang")}


def test_an_answer_right_after_its_page_was_rendered_is_shown_again_not_saved(guarded):
    app, session = guarded
    setup = make_invited(session)
    client = app.test_client()
    base = f"/r/{setup.token}"
    fields = answer_form(client, base, FIRST)
    fast = client.post(f"{base}/q/{FIRST}", data={**fields, "answer": FIRST_OPTION})
    assert fast.status_code == 409
    html = fast.get_data(as_text=True)
    assert f'action="{base}/q/{FIRST}"' in html  # the same question, shown again
    assert hidden(html, "shown") != fields["shown"]  # with a new render time
    assert drafts(session) == {}


def test_an_answer_given_after_the_threshold_is_saved(guarded):
    app, session = guarded
    setup = make_invited(session)
    client = app.test_client()
    base = f"/r/{setup.token}"
    rendered = time.time() - GUARD_SECONDS - 1
    shown = sign_shown(app.config["SECRET_KEY"], setup.token, FIRST, rendered)
    slow = client.post(f"{base}/q/{FIRST}", data={"shown": shown, "answer": FIRST_OPTION})
    assert slow.status_code == 302
    assert drafts(session) == {FIRST: FIRST_OPTION}


@pytest.mark.parametrize(
    "shown",
    ["", "garbage", "forged-by-another-key", "for-another-question", "for-another-token"],
)
def test_a_missing_or_foreign_render_time_never_discards_an_answer(guarded, shown):
    app, session = guarded
    setup = make_invited(session)
    client = app.test_client()
    now = time.time()
    secret = app.config["SECRET_KEY"]
    values = {
        "forged-by-another-key": sign_shown("another secret", setup.token, FIRST, now),
        "for-another-question": sign_shown(secret, setup.token, SECOND, now),
        "for-another-token": sign_shown(secret, "A" * 43, FIRST, now),
    }
    data = {"answer": FIRST_OPTION}
    if shown:
        data["shown"] = values.get(shown, shown)
    response = client.post(f"/r/{setup.token}/q/{FIRST}", data=data)
    assert response.status_code == 302
    assert drafts(session) == {FIRST: FIRST_OPTION}


def test_a_threshold_of_zero_switches_the_guard_off(client, db_session):
    setup = make_invited(db_session)
    base = f"/r/{setup.token}"
    fields = answer_form(client, base, FIRST)
    assert client.post(f"{base}/q/{FIRST}", data={**fields, "answer": "aldrig"}).status_code == 302
    assert drafts(db_session) == {FIRST: "aldrig"}


def test_the_page_tells_survey_js_the_threshold(guarded):
    app, session = guarded
    setup = make_invited(session)
    html = app.test_client().get(f"/r/{setup.token}/q/{FIRST}").get_data(as_text=True)
    assert f'data-min-ms="{GUARD_SECONDS * 1000:.0f}"' in html


# --- a lost session cookie ---------------------------------------------------------------


def page_fields(html: str) -> dict[str, str]:
    return {name: hidden(html, name) for name in ("csrf_token", "shown", "lang", "return_to")}


def test_an_answer_after_a_lost_cookie_shows_the_question_again_in_the_persons_language(
    protected,
):
    app, session = protected
    setup = make_invited(session)
    base = f"/r/{setup.token}"
    before = app.test_client()
    old_page = before.get(f"{base}/q/{FIRST}?lang=en").get_data(as_text=True)
    assert hidden(old_page, "lang") == "en"

    restarted = app.test_client()  # the browser was restarted: no session cookie
    lost = restarted.post(f"{base}/q/{FIRST}", data={**page_fields(old_page), "answer": "aldrig"})
    assert lost.status_code == 400
    html = lost.get_data(as_text=True)
    assert '<html lang="en"' in html
    assert "Your answer was not saved. Please answer again." in html
    assert f'action="{base}/q/{FIRST}"' in html
    assert hidden(html, "csrf_token") != hidden(old_page, "csrf_token")
    assert drafts(session) == {}

    again = restarted.post(f"{base}/q/{FIRST}", data={**page_fields(html), "answer": "aldrig"})
    assert again.status_code == 302
    assert drafts(session) == {FIRST: "aldrig"}
    assert '<html lang="en"' in restarted.get(again.headers["Location"]).get_data(as_text=True)


def test_a_lost_cookie_on_the_start_page_gets_an_easy_read_page_in_the_persons_language(
    protected,
):
    app, session = protected
    setup = make_invited(session)
    old_page = app.test_client().get(f"/r/{setup.token}?lang=en").get_data(as_text=True)
    refused = app.test_client().post(
        f"/r/{setup.token}",
        data={"csrf_token": hidden(old_page, "csrf_token"), "lang": "en", "presentation": "text"},
    )
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert '<html lang="en"' in html
    assert "Nothing was saved." in html


def test_a_replayed_answer_after_submit_without_a_cookie_is_refused_in_the_persons_language(
    protected,
):
    app, session = protected
    setup = make_invited(session)
    base = f"/r/{setup.token}"
    client = app.test_client()
    old_page = client.get(f"{base}/q/{FIRST}?lang=en").get_data(as_text=True)
    client.post(f"{base}/q/{FIRST}", data={**page_fields(old_page), "answer": "aldrig"})
    review = client.get(f"{base}/granska").get_data(as_text=True)
    client.post(f"{base}/skicka", data={"csrf_token": hidden(review, "csrf_token")})
    assert drafts(session) == {}  # submitted: the drafts became the response

    replay = app.test_client().post(
        f"{base}/q/{FIRST}", data={**page_fields(old_page), "answer": "ofta"}
    )
    assert replay.status_code == 409
    html = replay.get_data(as_text=True)
    assert '<html lang="en"' in html
    assert "you have already answered" in html
    assert drafts(session) == {}


def test_stop_now_works_without_a_session(protected):
    app, session = protected
    setup = make_invited(session)
    stopped = app.test_client().post(f"/r/{setup.token}/sluta", data={"lang": "en"})
    assert stopped.status_code == 302
    assert stopped.headers["Location"] == "/?slutat=en"
    assert session.scalar(select(func.count()).select_from(DraftAnswer)) == 0


def test_free_text_comes_back_when_the_cookie_was_lost(protected):
    app, session = protected
    setup = make_invited(session)
    base = f"/r/{setup.token}"
    old_page = app.test_client().get(f"{base}/q/BG_FRITEXT").get_data(as_text=True)
    lost = app.test_client().post(
        f"{base}/q/BG_FRITEXT",
        data={**page_fields(old_page), "answer": "text", "text": "Det är bra här."},
    )
    assert lost.status_code == 400
    assert "Det är bra här.</textarea>" in lost.get_data(as_text=True)
    assert drafts(session) == {}
