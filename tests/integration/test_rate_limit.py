"""The code-entry rate limit keys on the visitor, not on the proxy, and is shared by workers."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from survey import create_app
from survey.models import db
from tests.conftest import make_settings, restore_limiter
from tests.live_gunicorn import HttpClient, csrf_token, run_gunicorn

PROXY = "10.0.0.5"  # the one address every request arrives from behind a proxy
LIMIT = "3 per minute"
WRONG_CODE = "AAAA-AAAA"


@pytest.fixture
def make_app(database_url: str, app: Flask) -> Iterator:
    built: list[Flask] = []

    def build(**overrides: object) -> Flask:
        values = {"ratelimit_enabled": True, "code_entry_limit": LIMIT, **overrides}
        built.append(create_app(make_settings(database_url, **values)))
        return built[-1]

    yield build
    for each in built:
        with each.app_context():
            db.session.remove()
            db.engine.dispose()
    restore_limiter(app)


def behind_proxy(app: Flask, forwarded_for: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base.update(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for)
    return client


def tries(client: FlaskClient, count: int) -> list[int]:
    return [client.post("/kod", data={"code": WRONG_CODE}).status_code for _ in range(count)]


def test_visitors_behind_a_trusted_proxy_are_limited_separately(make_app):
    app = make_app(trusted_proxy_hops=1)
    first, second = behind_proxy(app, "198.51.100.1"), behind_proxy(app, "198.51.100.2")
    assert tries(first, 4) == [404, 404, 404, 429]
    assert tries(second, 1) == [404]  # not locked out by the first visitor
    assert tries(first, 1) == [429]


def test_forwarded_for_is_ignored_without_trusted_proxies(make_app):
    """With TRUSTED_PROXY_HOPS=0 a client cannot dodge the limit by inventing addresses."""
    app = make_app()
    clients = [behind_proxy(app, f"198.51.100.{n}") for n in range(1, 5)]
    assert [tries(client, 1)[0] for client in clients] == [404, 404, 404, 429]


def test_only_the_trusted_number_of_hops_is_believed(make_app):
    """One trusted proxy: the client's own X-Forwarded-For entries before it are ignored."""
    app = make_app(trusted_proxy_hops=1)
    forged = [behind_proxy(app, f"192.0.2.{n}, 198.51.100.9") for n in range(1, 5)]
    assert [tries(client, 1)[0] for client in forged] == [404, 404, 404, 429]


@pytest.mark.slow
def test_two_workers_share_one_limit_in_redis(app, database_url: str, tmp_path: Path):
    """Two gunicorn processes (the README's command) on one Redis count together.

    With the memory store each would allow LIMIT on its own; the visitor's address is unique
    to this run, so counters left in Redis by earlier runs cannot interfere.
    """
    visitor = f"2001:db8::{secrets.token_hex(2)}:{secrets.token_hex(2)}"
    env = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_hex(16),
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "RATELIMIT_STORAGE_URL": "redis://127.0.0.1:6379/0",
        "CODE_ENTRY_LIMIT": LIMIT,
        "TRUSTED_PROXY_HOPS": "1",
    }
    with (
        run_gunicorn(env, tmp_path / "one.log") as one,
        run_gunicorn(env, tmp_path / "two.log") as two,
    ):
        statuses = []
        for server in (one, two, one, two):
            client = HttpClient(server.url, {"X-Forwarded-For": visitor})
            token = csrf_token(client.get("/").body)
            statuses.append(client.post("/kod", {"code": WRONG_CODE, "csrf_token": token}).status)
    assert statuses == [404, 404, 404, 429], one.log() + two.log()
