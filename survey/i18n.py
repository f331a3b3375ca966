"""Locales: Swedish (default) and English; more by adding a catalogue and bank texts."""

from __future__ import annotations

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
