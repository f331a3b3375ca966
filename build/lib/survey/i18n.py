"""Locales: Swedish (default) and English; more by adding a catalogue and bank texts."""

from __future__ import annotations

from pathlib import Path

from flask import request, session

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
