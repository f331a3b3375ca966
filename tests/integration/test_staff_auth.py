"""Staff sign-in: passwords, the second factor, time-outs, disabling, reset links, audit."""

from __future__ import annotations

import time

import pyotp
import pytest
from sqlalchemy import select

from survey.models import AuditEvent, User
from survey.operations import users
from tests.factories import STAFF_PASSWORD, make_staff, make_unit, sign_in


def _actions(db_session):
    return [e.action for e in db_session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_staff_pages_need_sign_in(client):
    response = client.get("/personal/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/personal/logga-in?next=/personal/")


def test_sign_in_and_out(client, db_session):
    make_staff(db_session)
    response = sign_in(client, "Anna@Example.se")
    assert response.status_code == 302
    assert response.headers["Location"] == "/personal/"
    page = client.get("/personal/")
    assert page.status_code == 200
    assert "anna@example.se" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    client.post("/personal/logga-ut")
    assert client.get("/personal/").status_code == 302
    assert _actions(db_session) == ["user.create", "login.success", "logout"]


@pytest.mark.parametrize(
    ("email", "password", "reason"),
    [
        ("anna@example.se", "fel lösenord igen", "password"),
        ("okand@example.se", "x" * 12, "password"),
    ],
)
def test_wrong_password_or_unknown_account(client, db_session, email, password, reason):
    make_staff(db_session)
    response = sign_in(client, email, password)
    assert response.status_code == 401
    text = response.get_data(as_text=True)
    assert "fel" in text.lower()  # the Swedish message names no account either way
    assert client.get("/personal/").status_code == 302
    failed = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "login.failed")).one()
    assert failed.detail["email"] == email
    assert failed.detail["reason"] == reason
    assert failed.ip_address == "127.0.0.1"


def test_disabled_account_cannot_sign_in_and_its_session_ends(client, db_session, app):
    user = make_staff(db_session)
    sign_in(client)
    assert client.get("/personal/").status_code == 200
    users.set_active(db_session, db_session.get(User, user.id), False)
    db_session.commit()
    assert client.get("/personal/").status_code == 302  # the open session is gone
    response = sign_in(client)
    assert response.status_code == 403
    assert "avstängt" in response.get_data(as_text=True)


def test_admin_must_enrol_a_second_factor_then_uses_it(client, db_session):
    make_staff(db_session, "admin@example.se", grants=[("admin", None)])
    response = sign_in(client, "admin@example.se")
    assert response.headers["Location"] == "/personal/konto/tvastegsverifiering"
    # Nothing else is reachable before enrolment.
    assert client.get("/personal/anvandare").headers["Location"].endswith("/tvastegsverifiering")
    page = client.get("/personal/konto/tvastegsverifiering")
    assert page.status_code == 200
    assert "<svg" in page.get_data(as_text=True)
    with client.session_transaction("/personal/") as session:
        secret = session["totp_candidate"]
    assert (
        client.post("/personal/konto/tvastegsverifiering", data={"code": "000000"}).status_code
        == 400
    )
    ok = client.post("/personal/konto/tvastegsverifiering", data={"code": pyotp.TOTP(secret).now()})
    assert ok.headers["Location"] == "/personal/"
    assert client.get("/personal/anvandare").status_code == 200
    client.post("/personal/logga-ut")
    # Next sign-in asks for the code; the password alone is not enough.
    response = sign_in(client, "admin@example.se")
    assert response.headers["Location"] == "/personal/logga-in/kod"
    assert client.get("/personal/").status_code == 302
    bad = client.post("/personal/logga-in/kod", data={"code": "123456"})
    assert bad.status_code == 401


def test_a_totp_code_works_once(client, db_session):
    secret = pyotp.random_base32()
    make_staff(db_session, totp_secret=secret)
    code = pyotp.TOTP(secret).now()
    sign_in(client)
    assert client.post("/personal/logga-in/kod", data={"code": code}).status_code == 302
    client.post("/personal/logga-ut")
    sign_in(client)
    assert client.post("/personal/logga-in/kod", data={"code": code}).status_code == 401


def test_idle_and_absolute_time_outs_keep_a_half_filled_form(client, db_session):
    make_staff(db_session)
    sign_in(client)
    with client.session_transaction("/personal/") as session:
        session["seen_at"] = time.time() - 31 * 60
    response = client.post(
        "/personal/konto/losenord",
        data={"current": "something", "password": "abcdefghijklmn", "repeat": "abcdefghijklmn"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/personal/logga-in")
    login_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "30 minuter" in login_page
    sign_in(client)
    with client.session_transaction("/personal/") as session:
        assert session["resume"]["path"] == "/personal/konto/losenord"
        session["signed_in_at"] = time.time() - 12 * 3600 - 1
    response = client.get("/personal/")
    assert response.status_code == 302
    assert "12 timmar" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_password_rules_and_reset_link(client, db_session):
    user = make_staff(db_session)
    secret = users.issue_reset_link(db_session, db_session.get(User, user.id))
    db_session.commit()
    short = client.post(
        f"/personal/aterstall/{secret}", data={"password": "kort", "repeat": "kort"}
    )
    assert short.status_code == 400
    new = "ett helt nytt lösenord"
    ok = client.post(f"/personal/aterstall/{secret}", data={"password": new, "repeat": new})
    assert ok.status_code == 302
    # One time only.
    assert client.get(f"/personal/aterstall/{secret}").status_code == 404
    assert sign_in(client, password=STAFF_PASSWORD).status_code == 401
    assert sign_in(client, password=new).status_code == 302


def test_users_create_cli(runner, db_session):
    make_unit(db_session, "F/E/V")
    db_session.commit()
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "eva@example.se",
            "--role",
            "enhetschef",
            "--scope",
            "F/E",
            "--password-stdin",
        ],
        input="ett långt lösenord här\n",
    )
    assert result.exit_code == 0, result.output
    user = users.find_user(db_session, "eva@example.se")
    assert [(g.role, g.org_node.path()) for g in user.grants] == [("enhetschef", "F/E")]
    short = runner.invoke(
        args=["users", "create", "--email", "x@example.se", "--role", "admin", "--password-stdin"],
        input="kort\n",
    )
    assert short.exit_code != 0
    assert "12 characters" in short.output
    unknown = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "y@example.se",
            "--role",
            "admin",
            "--scope",
            "Nope",
            "--password-stdin",
        ],
        input="ett långt lösenord här\n",
    )
    assert unknown.exit_code != 0
    assert "Nope" in unknown.output


def test_unknown_staff_address_gets_a_staff_error_page(client, db_session):
    response = client.get("/personal/finns-inte")
    assert response.status_code == 404
    text = response.get_data(as_text=True)
    assert "Skriv din kod" not in text
    assert "personal" in text.lower()


def test_respondent_pages_never_get_the_staff_cookie(client, db_session):
    make_staff(db_session)
    response = sign_in(client)
    cookie = response.headers.getlist("Set-Cookie")
    staff_cookie = [c for c in cookie if c.startswith("brukarenkat_personal=")]
    assert staff_cookie
    assert "Path=/personal" in staff_cookie[0]
    assert "SameSite=Strict" in staff_cookie[0]
    assert "HttpOnly" in staff_cookie[0]


def test_a_respondent_page_shows_nothing_of_a_staff_session(client, db_session):
    make_staff(db_session)
    sign_in(client)
    assert client.get("/personal/").status_code == 200
    page = client.get("/")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "/personal" not in text
    assert "anna@example.se" not in text
    assert "Logga ut" not in text
    assert not any(
        c.startswith("brukarenkat_personal=") for c in page.headers.getlist("Set-Cookie")
    )
