"""What create_app() guarantees before it serves a page: private files, Swedish, a full checkout."""

from __future__ import annotations

import importlib.util
import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.support import Translations
from sqlalchemy import text

import survey
from survey import create_app
from survey.i18n import require_compiled_catalogues
from survey.models import db
from tests.conftest import make_settings

CHECKOUT = Path(survey.__file__).resolve().parent.parent


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def usual_umask() -> Iterator[None]:
    previous = os.umask(0o022)  # what most servers and tablets' kiosk accounts have
    yield
    os.umask(previous)


def test_instance_folder_and_sqlite_files_are_private(tmp_path: Path, usual_umask):
    instance = tmp_path / "instance"
    database = instance / "survey.sqlite"
    app = create_app(make_settings(f"sqlite:///{database}", instance_path=instance))
    assert mode(instance) == 0o700
    with app.app_context():
        with db.engine.begin() as connection:
            connection.execute(text("CREATE TABLE note (body TEXT)"))
            connection.execute(text("INSERT INTO note VALUES ('secret')"))
        with db.engine.connect() as connection:  # WAL files exist while a connection is open
            connection.execute(text("SELECT * FROM note")).all()
            files = [database, Path(f"{database}-wal"), Path(f"{database}-shm")]
            assert {path.name: mode(path) for path in files} == {path.name: 0o600 for path in files}
        db.engine.dispose()


def test_existing_open_instance_folder_and_database_are_tightened(tmp_path: Path, usual_umask):
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)
    database = instance / "survey.sqlite"
    database.touch(mode=0o644)
    app = create_app(make_settings(f"sqlite:///{database}", instance_path=instance))
    assert mode(instance) == 0o700
    assert mode(database) == 0o600
    with app.app_context():
        db.engine.dispose()


def test_generated_secret_key_is_private(tmp_path: Path, usual_umask):
    from survey.settings import Settings

    instance = tmp_path / "instance"
    settings = Settings.from_env(env={"INSTANCE_PATH": str(instance)})
    assert settings.instance_path == instance
    assert mode(instance) == 0o700
    assert mode(instance / "secret_key") == 0o600


def copy_of_checkout(tmp_path: Path, *, with_mo: bool) -> Path:
    root = tmp_path / "checkout"
    root.mkdir()
    for name in ("templates", "static", "migrations"):
        (root / name).symlink_to(CHECKOUT / name)
    shutil.copytree(
        CHECKOUT / "translations",
        root / "translations",
        ignore=None if with_mo else shutil.ignore_patterns("*.mo"),
    )
    return root


def test_missing_catalogues_are_named(tmp_path: Path):
    translations = copy_of_checkout(tmp_path, with_mo=False) / "translations"
    with pytest.raises(RuntimeError) as refused:
        require_compiled_catalogues(translations)
    message = str(refused.value)
    assert str(translations / "sv" / "LC_MESSAGES" / "messages.mo") in message
    assert "pybabel compile -d translations" in message


def test_app_refuses_to_start_without_compiled_catalogues(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str
):
    root = copy_of_checkout(tmp_path, with_mo=False)
    monkeypatch.setattr(survey, "ROOT", root)
    with pytest.raises(RuntimeError, match=r"sv/LC_MESSAGES/messages\.mo"):
        create_app(make_settings(database_url, instance_path=tmp_path / "instance"))


def test_app_refuses_to_start_outside_a_checkout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str
):
    """A plain `pip install .` copies only the package: say how to install instead."""
    monkeypatch.setattr(survey, "ROOT", tmp_path)  # no templates/, static/, translations/
    with pytest.raises(RuntimeError, match=r"pip install -e \."):
        create_app(make_settings(database_url, instance_path=tmp_path / "instance"))


def test_build_hook_compiles_swedish_catalogues(tmp_path: Path):
    spec = importlib.util.spec_from_file_location("build_hook", CHECKOUT / "setup.py")
    assert spec
    assert spec.loader
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)  # not __main__: defines the hook, runs no build
    translations = copy_of_checkout(tmp_path, with_mo=False) / "translations"

    written = hook.compile_catalogues(translations)

    assert sorted(path.parent.parent.name for path in written) == ["en", "sv"]
    require_compiled_catalogues(translations)
    swedish = Translations.load(str(translations), ["sv"])
    assert swedish.gettext("Something went wrong") == "Något blev fel"


def test_readme_deploys_with_the_command_the_tests_run():
    from tests.live_gunicorn import GUNICORN_COMMAND

    readme = (CHECKOUT / "README.md").read_text()
    assert f".venv/bin/{' '.join(GUNICORN_COMMAND)}\n" in readme
    assert "TRUSTED_PROXY_HOPS" in readme
