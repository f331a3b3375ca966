"""Brukarenkät: easy-read user surveys for Swedish municipal disability services."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, request
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from werkzeug.middleware.proxy_fix import ProxyFix

from survey.database import RedactDatabaseDetail, configure_engine
from survey.errors import register_error_handlers
from survey.extensions import babel, csrf, db, limiter, migrate
from survey.i18n import language_url, require_compiled_catalogues, select_locale
from survey.settings import Settings, make_private_directory

ROOT = Path(__file__).resolve().parent.parent

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
# Same-origin requests carry a Referer (Flask-WTF's CSRF check demands one over HTTPS);
# links to other sites get none, so a token in a URL never leaves the site.
REFERRER_POLICY = "same-origin"
HSTS = "max-age=31536000"


def create_app(settings: Settings | None = None) -> Flask:
    """Build the application. Tests pass Settings; everything else reads the environment."""
    require_source_layout(ROOT)
    require_compiled_catalogues(ROOT / "translations")
    settings = settings or Settings.from_env()
    make_private_directory(settings.instance_path)
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(settings.instance_path),
    )
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
    # Before CSRFProtect reads the form: upload pages may carry a 5 MB file.
    from survey.staff.views_imports import allow_uploads

    app.before_request(allow_uploads)
    csrf.init_app(app)
    limiter.init_app(app)

    from survey import respond, staff, static_files
    from survey.cli import register_cli
    from survey.staff import accounts as staff_accounts
    from survey.staff import errors as staff_errors  # noqa: F401 - registers the staff pages' handlers
    from survey.staff.session import SplitSessionInterface

    app.session_interface = SplitSessionInterface()
    staff_accounts.init_app(app)
    app.register_blueprint(respond.bp)
    app.register_blueprint(staff.bp)
    register_error_handlers(app)
    register_cli(app)
    static_files.init_app(app)
    app.after_request(_security_headers)
    if settings.trusted_proxy_hops:
        hops = settings.trusted_proxy_hops
        # The client address (rate limit), scheme (secure cookie, HSTS, CSRF referrer check)
        # and host as the trusted proxies report them. Never more hops than there are proxies.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops
        )
    _quiet_request_logging()
    app.logger.addFilter(RedactDatabaseDetail())
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale() or "sv")
    app.jinja_env.globals["language_url"] = language_url
    from survey.staff.menu import staff_menu

    app.jinja_env.globals["staff_menu"] = staff_menu
    return app


def require_source_layout(root: Path) -> None:
    """Templates, static files, catalogues and migrations live beside the package.

    The supported install is editable, from a checkout (`pip install -e .`); a plain
    `pip install .` copies only the package, so say so instead of failing on the first page.
    """
    missing = [
        name for name in ("templates", "static", "translations") if not (root / name).is_dir()
    ]
    if missing:
        raise RuntimeError(
            f"Brukarenkät cannot find {', '.join(missing)} in {root}. It runs from its source "
            "checkout: install it with `pip install -e .` there (see README, Deploying)."
        )


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
    headers.setdefault("Referrer-Policy", REFERRER_POLICY)
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", HSTS)
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    return response
