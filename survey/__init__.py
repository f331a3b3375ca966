"""Brukarenkät: easy-read user surveys for Swedish municipal disability services."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask
from flask.typing import ResponseReturnValue
from flask_babel import get_locale

from survey.database import configure_engine
from survey.errors import register_error_handlers
from survey.extensions import babel, csrf, db, limiter, migrate
from survey.i18n import select_locale
from survey.settings import Settings

ROOT = Path(__file__).resolve().parent.parent

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def create_app(settings: Settings | None = None) -> Flask:
    """Build the application. Tests pass Settings; everything else reads the environment."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    settings = settings or Settings.from_env(Path(app.instance_path))
    app.config.from_mapping(settings.flask_config())
    app.extensions["survey.settings"] = settings

    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    babel.init_app(
        app,
        default_locale=settings.default_locale,
        default_translation_directories=str(ROOT / "translations"),
        locale_selector=select_locale,
    )
    csrf.init_app(app)
    limiter.init_app(app)

    from survey import respond, static_files
    from survey.cli import register_cli

    app.register_blueprint(respond.bp)
    register_error_handlers(app)
    register_cli(app)
    static_files.init_app(app)
    app.after_request(_security_headers)
    _quiet_request_logging()
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale() or "sv")
    return app


class _NoRequestLines(logging.Filter):
    """Drop the dev server's access lines: they carry the client address (SPEC §8)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "HTTP/" not in record.getMessage()


def _quiet_request_logging() -> None:
    werkzeug_logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, _NoRequestLines) for f in werkzeug_logger.filters):
        werkzeug_logger.addFilter(_NoRequestLines())


def _security_headers(response: ResponseReturnValue) -> ResponseReturnValue:
    headers = response.headers  # type: ignore[union-attr]
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    return response
