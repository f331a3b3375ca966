"""Links that leave the app (letters, QR codes, e-mails) use PUBLIC_URL when it is set."""

from __future__ import annotations

import pytest

from survey import create_app
from survey.links import respondent_link
from survey.settings import Settings
from tests.conftest import make_settings


def test_public_url_wins_in_a_request_and_outside_one(database_url, tmp_path):
    app = create_app(
        make_settings(
            database_url, public_url="https://enkat.exempel.se/brukare", instance_path=tmp_path
        )
    )
    with app.app_context():
        assert respondent_link("abc") == "https://enkat.exempel.se/brukare/r/abc"
    with app.test_request_context("/", base_url="http://10.0.0.5:8000"):
        assert respondent_link("abc") == "https://enkat.exempel.se/brukare/r/abc"


def test_without_public_url_the_request_or_the_local_address(app):
    with app.app_context():
        assert respondent_link("abc") == "http://127.0.0.1:5000/r/abc"
    with app.test_request_context("/", base_url="https://proxy.exempel.se"):
        assert respondent_link("abc") == "https://proxy.exempel.se/r/abc"


@pytest.mark.parametrize("bad", ["enkat.exempel.se", "ftp://x.se", "https://", "https://x.se/?a=1"])
def test_a_malformed_public_url_stops_the_start(tmp_path, bad):
    with pytest.raises(ValueError, match="PUBLIC_URL"):
        Settings.from_env(tmp_path, env={"PUBLIC_URL": bad, "SECRET_KEY": "x"})


def test_public_url_loses_its_trailing_slash(tmp_path):
    settings = Settings.from_env(tmp_path, env={"PUBLIC_URL": " https://x.se/ ", "SECRET_KEY": "x"})
    assert settings.public_url == "https://x.se"
