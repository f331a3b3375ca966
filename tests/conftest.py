"""Fixtures: settings, app, db_session, client, runner (flaskr's pattern).

The database is SQLite in a temp dir, or — when TEST_DATABASE_URL names a PostgreSQL server —
a throw-away database created on that server for this test process and dropped afterwards.
The schema always comes from the migrations, so every run proves them.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import flask_migrate
import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from hypothesis import settings as hypothesis_settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import scoped_session

from survey import create_app
from survey.models import Base, db
from survey.operations.organisation import ensure_builtin_insatser
from survey.settings import Settings, normalise_database_url


def _throwaway_postgres(base_url: str, worker: str) -> Iterator[str]:
    url = make_url(normalise_database_url(base_url))
    name = f"brukarenkat_test_{secrets.token_hex(4)}_{worker}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[str]:
    base = os.environ.get("TEST_DATABASE_URL")
    if base and base.startswith("postgres"):
        yield from _throwaway_postgres(base, worker_id)
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


@pytest.fixture(scope="session")
def worker_id() -> str:
    # Replaced by pytest-xdist's fixture of the same name when it runs the suite.
    return "main"


def make_settings(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "secret_key": secrets.token_hex(16),
        "testing": True,
        "csrf_enabled": False,
        "ratelimit_enabled": False,
        # Most tests look at one response right after its submit; the batching that
        # production does by default is tested on its own (tests/integration/test_unlinkable.py).
        "response_batch_size": 1,
        # Tests tap as fast as a machine can; the double-tap guard has its own tests.
        "answer_min_seconds": 0.0,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


@pytest.fixture(scope="session")
def app(settings: Settings) -> Iterator[Flask]:
    app = create_app(settings)
    with app.app_context():
        flask_migrate.upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


def restore_limiter(app: Flask) -> None:
    """Switch the rate limit back to what the session's `app` says.

    Flask-Limiter has one `limiter` object, and every create_app() hands it that app's on/off
    switch: a test that builds an app with the limit on must switch it back afterwards, or
    the rest of the process signs in and enters codes under a limit it did not ask for.
    """
    from survey.extensions import limiter

    limiter.enabled = bool(app.config.get("RATELIMIT_ENABLED", True))


def empty_tables() -> None:
    db.session.rollback()
    for table in reversed(Base.metadata.sorted_tables):
        if table.name != "insats":
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def db_session(app: Flask) -> Iterator[scoped_session]:
    """The app's session; every table is emptied after the test (real commits stay real)."""
    with app.app_context():
        ensure_builtin_insatser(db.session)
        db.session.commit()
        yield db.session
        empty_tables()


@pytest.fixture
def client(app: Flask, db_session: scoped_session) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask, db_session: scoped_session) -> FlaskCliRunner:
    return app.test_cli_runner()


# Property tests: the same examples on every CI run, so main stays reproducible;
# HYPOTHESIS_PROFILE=explore searches afresh (and tests/support/properties.py's `examples()`
# multiplies the counts by PROPERTY_EXAMPLES_FACTOR) to look for new counterexamples.
hypothesis_settings.register_profile("ci", derandomize=True)
hypothesis_settings.register_profile("explore", derandomize=False)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
