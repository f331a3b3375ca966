"""Every revision upgrades and downgrades; the models match the newest revision."""

from __future__ import annotations

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from survey import create_app
from survey.models import Base, db
from tests.conftest import _throwaway_postgres, make_settings


@pytest.fixture
def fresh_url(tmp_path, database_url):
    if database_url.startswith("postgresql"):
        # Own database, so downgrading does not touch the shared test schema.
        yield from _throwaway_postgres(database_url, "migrations")
    else:
        yield f"sqlite:///{tmp_path / 'migrations.sqlite'}"


def test_upgrade_downgrade_upgrade(fresh_url):
    app = create_app(make_settings(fresh_url))
    with app.app_context():
        flask_migrate.upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"survey_response", "answer", "invitation", "draft_answer"} <= tables
        flask_migrate.downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        flask_migrate.upgrade()
        db.engine.dispose()


def test_models_match_head(fresh_url):
    app = create_app(make_settings(fresh_url))
    with app.app_context():
        flask_migrate.upgrade()
        engine = create_engine(db.engine.url)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diff = compare_metadata(context, Base.metadata)
        engine.dispose()
        db.engine.dispose()
    assert diff == []
