"""Absolute links that leave the app: on a letter, in a QR code, in an e-mail.

With PUBLIC_URL set, every such link uses it, from the web and the command line alike, so a
letter printed by a handläggare behind a proxy and one printed by cron point to the same
address. Without it, the web uses the request's own address (behind a proxy: the
forwarded one, see TRUSTED_PROXY_HOPS) and the command line http://127.0.0.1:5000.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for

from survey.settings import Settings

#: Where the command line points links when PUBLIC_URL is not set (the README's start).
LOCAL_URL = "http://127.0.0.1:5000"


def public_base() -> str:
    settings: Settings = current_app.extensions["survey.settings"]
    return settings.public_url


def public_link(endpoint: str, **values: Any) -> str:
    """The absolute URL of `endpoint` as a brukare outside the app reaches it."""
    base = public_base()
    if not base and has_request_context():
        return url_for(endpoint, _external=True, **values)
    parts = urlsplit(base or LOCAL_URL)
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme
    )
    return adapter.build(endpoint, values, force_external=True)


def respondent_link(token: str) -> str:
    """The personal link of an invitation (its start page)."""
    return public_link("respond.start", token=token)
