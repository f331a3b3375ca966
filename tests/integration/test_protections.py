"""CSRF and rate limits, on apps built with those protections switched on."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import func, select

from survey import create_app
from survey.models import DraftAnswer
from tests.conftest import empty_tables, make_settings, restore_limiter
from tests.factories import make_invited


@pytest.fixture
def protected_app(database_url: str, app: Flask) -> Flask:
    # `app` first: it has run the migrations on this database.
    return create_app(
        make_settings(
            database_url, csrf_enabled=True, ratelimit_enabled=True, code_entry_limit="3 per minute"
        )
    )


@pytest.fixture
def protected(protected_app: Flask, app: Flask):
    with protected_app.app_context():
        from survey.models import db

        yield protected_app, db.session
        empty_tables()
        db.session.remove()
        db.engine.dispose()
    restore_limiter(app)


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def test_forged_answer_without_csrf_token_is_refused(protected):
    app, session = protected
    from survey.operations.organisation import ensure_builtin_insatser

    ensure_builtin_insatser(session)
    setup = make_invited(session)
    client = app.test_client()
    forged = client.post(f"/r/{setup.token}/q/DV_RADD", data={"answer": "aldrig"})
    assert forged.status_code == 400
    assert "<h1" in forged.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(DraftAnswer)) == 0

    page = client.get(f"/r/{setup.token}/q/DV_RADD").get_data(as_text=True)
    honest = client.post(
        f"/r/{setup.token}/q/DV_RADD", data={"answer": "aldrig", "csrf_token": csrf_token(page)}
    )
    assert honest.status_code == 302
    assert session.scalar(select(func.count()).select_from(DraftAnswer)) == 1


def test_forged_submit_from_another_session_is_refused(protected):
    app, session = protected
    from survey.operations.organisation import ensure_builtin_insatser

    ensure_builtin_insatser(session)
    setup = make_invited(session)
    victim, attacker = app.test_client(), app.test_client()
    token = csrf_token(victim.get(f"/r/{setup.token}/granska").get_data(as_text=True))
    stolen = attacker.post(f"/r/{setup.token}/skicka", data={"csrf_token": token})
    assert stolen.status_code == 400


def test_code_entry_is_rate_limited(protected):
    app, _session = protected
    client = app.test_client()
    page = client.get("/").get_data(as_text=True)
    token = csrf_token(page)
    statuses = [
        client.post("/kod", data={"code": "AAAA-AAAA", "csrf_token": token}).status_code
        for _ in range(5)
    ]
    assert statuses[:3] == [404, 404, 404]
    assert statuses[3:] == [429, 429]
    limited = client.post("/kod", data={"code": "AAAA-AAAA", "csrf_token": token})
    assert "<h1>" in limited.get_data(as_text=True)
