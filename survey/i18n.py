"""Locales: Swedish (default) and English; more by adding a catalogue and bank texts."""

from __future__ import annotations

from pathlib import Path

from flask import current_app, request, session, url_for
from werkzeug.exceptions import HTTPException

from survey.reports.text import Language

SUPPORTED_LOCALES = ("sv", "en")
DEFAULT_LOCALE = "sv"


def select_locale() -> str:
    """?lang= (remembered in the signed session cookie), then the cookie, then Swedish.

    The browser's Accept-Language is deliberately not used: tablets are shared and often set
    to English while the brukare reads Swedish.
    """
    wanted = request.args.get("lang")
    if wanted in SUPPORTED_LOCALES:
        session["lang"] = wanted
        return wanted
    remembered = session.get("lang")
    if remembered in SUPPORTED_LOCALES:
        return str(remembered)
    return DEFAULT_LOCALE


def language_url(lang: str) -> str:
    """The link that shows the current page in `lang`.

    The same address with ?lang= when it can be fetched with GET; a page rendered by a POST
    (a code that did not work, a refused form) links to the page the form was on instead,
    so the link never answers 405.
    """
    args = {key: value for key, value in request.args.items() if key != "lang"}
    args["lang"] = lang
    adapter = current_app.url_map.bind_to_environ(request.environ)
    try:
        endpoint, values = adapter.match(request.path, method="GET")
    except HTTPException:
        token = (request.view_args or {}).get("token")
        fallback = _GET_PAGE_FOR.get(request.endpoint or "")
        if token and fallback:
            endpoint, values = fallback, {"token": token}
        elif request.blueprint == "staff":
            endpoint, values = "staff.home", {}
        else:
            endpoint, values = "respond.enter_code", {}
        args = {"lang": lang}
    return url_for(endpoint, **values, **args)


#: POST-only endpoints and the page a person was on when they sent the form.
_GET_PAGE_FOR = {
    "respond.submit": "respond.review",
    "respond.read_aloud_used": "respond.start",
}


def require_compiled_catalogues(translations: Path) -> None:
    """Refuse to start without the compiled catalogues.

    Without them Flask-Babel silently falls back to the English msgids, and the brukare would
    see English buttons beside Swedish questions.
    """
    missing = [
        translations / locale / "LC_MESSAGES" / "messages.mo"
        for locale in SUPPORTED_LOCALES
        if not (translations / locale / "LC_MESSAGES" / "messages.mo").is_file()
    ]
    if missing:
        raise RuntimeError(
            "Compiled translations are missing: "
            + ", ".join(str(path) for path in missing)
            + ". Run `pybabel compile -d translations` (`pip install -e .` does it too)."
        )


def document_language(code: str | None = None) -> Language:
    """Flask-Babel's gettext for documents built outside templates (PDF reports). Call it
    inside a request, or inside `flask_babel.force_locale(code)` on the command line."""
    from flask_babel import get_locale, gettext, ngettext

    if code is None:
        code = str(get_locale() or DEFAULT_LOCALE)
    return Language(code, gettext, ngettext)
