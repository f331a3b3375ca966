"""What gunicorn and the app really write to the log: no token, no client address, no answers.

The README's gunicorn command serves a throw-away database; the test answers through token
URLs from a client behind a trusted proxy, then makes the database refuse the next write (a
CHECK constraint on PostgreSQL, whose error DETAIL quotes the whole row; a trigger on SQLite),
so the free-text answer fails with a real server error, and reads everything the server wrote.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path

import flask_migrate
import pytest
from sqlalchemy import create_engine, text

from survey import create_app
from survey.models import db
from survey.operations.organisation import ensure_builtin_insatser
from survey.settings import normalise_database_url
from tests.conftest import _throwaway_postgres, make_settings
from tests.factories import make_invited
from tests.live_gunicorn import HttpClient, Reply, csrf_token, run_gunicorn

pytestmark = pytest.mark.slow

VISITOR = "203.0.113.77"  # what the trusted proxy reports as the client's address
REFUSE_TEXT = {
    "postgresql": "ALTER TABLE draft_answer ADD CONSTRAINT refuse_text CHECK (text IS NULL)",
    "sqlite": "CREATE TRIGGER refuse_text BEFORE INSERT ON draft_answer WHEN NEW.text IS NOT "
    "NULL BEGIN SELECT RAISE(ABORT, 'text refused'); END",
}


@pytest.fixture
def throwaway_url(tmp_path: Path, worker_id: str) -> Iterator[str]:
    """A database of its own: this test breaks its schema."""
    base = os.environ.get("TEST_DATABASE_URL")
    if base and base.startswith("postgres"):
        yield from _throwaway_postgres(base, f"{worker_id}_logs")
    else:
        yield f"sqlite:///{tmp_path / 'logs.sqlite'}"


def test_logs_hold_no_token_address_or_answers(throwaway_url: str, tmp_path: Path):
    app = create_app(make_settings(throwaway_url))
    with app.app_context():
        flask_migrate.upgrade()
        ensure_builtin_insatser(db.session)
        setup = make_invited(db.session)
        invitation_id = setup.invitation.invitation_id
        db.session.remove()
        db.engine.dispose()
    token = setup.token
    secret_text = f"Hemligt {secrets.token_hex(6)}"
    env = {
        "DATABASE_URL": throwaway_url,
        "SECRET_KEY": secrets.token_hex(16),
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "TRUSTED_PROXY_HOPS": "1",
        "WEB_CONCURRENCY": "2",  # and the default memory:// rate-limit storage
    }
    with run_gunicorn(env, tmp_path / "gunicorn.log") as server:
        client = HttpClient(server.url, {"X-Forwarded-For": VISITOR})

        def answer(code: str, **fields: str) -> Reply:
            page = client.get(f"/r/{token}/q/{code}")
            assert page.status == 200, page.body
            form = {"csrf_token": csrf_token(page.body), **fields}
            return client.post(f"/r/{token}/q/{code}", form)

        start = client.get(f"/r/{token}")
        assert start.status == 200
        started = client.post(
            f"/r/{token}", {"csrf_token": csrf_token(start.body), "presentation": "pictures"}
        )
        assert started.status == 302
        assert answer("DV_RADD", answer="aldrig").status == 302

        admin = create_engine(normalise_database_url(throwaway_url))
        with admin.begin() as connection:
            connection.execute(text(REFUSE_TEXT[admin.dialect.name]))
        admin.dispose()

        failed = answer("BG_FRITEXT", text=f"{secret_text}\nrad två", answer="")
        assert failed.status == 500
        assert "<h1>Något blev fel</h1>" in failed.body
        assert "Traceback" not in failed.body
    log = server.log()

    assert token not in log
    assert token[:12] not in log
    assert VISITOR not in log
    assert secret_text not in log
    assert "[parameters:" not in log
    assert f"({invitation_id}," not in log
    assert "/r/" not in log
    assert "Unhandled error in respond.answer" in log, log  # the real error was logged
    assert "INSERT INTO draft_answer" in log  # with the failing statement, for the operator
    assert re.search(r'"POST" 500 \d+ \d+ms', log), log  # and an access line for it
    assert "RATELIMIT_STORAGE_URL is memory://: each of the 2 workers" in log
