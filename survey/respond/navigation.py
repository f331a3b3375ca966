"""The way back from the information pages ("Tillgänglighet", "Om bilderna") to the survey.

A tablet in kiosk mode has no browser Back button, so the footer links carry the page a
person was on (`?tillbaka=/r/<token>/q/DV_RADD`) and those pages link back to it. The value
comes from the address bar, so it is never used as given: it must be the path of one of the
survey's own GET pages, and the link is rebuilt from the matched route (never an address on
another site, never a POST-only or staff URL). Anything else falls back to the code-entry page.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from flask import current_app, jsonify, redirect, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from survey.respond import bp

RETURN_ARG = "tillbaka"
#: ?stor_text=1: "Större text" on pages that cannot read it from the invitation any more.
LARGE_TEXT_ARG = "stor_text"

#: The respondent pages a person can be sent back to.
RETURNABLE = frozenset(
    {
        "respond.enter_code",
        "respond.start",
        "respond.question",
        "respond.review",
        "respond.thanks",
    }
)
#: The only query values kept on the way back (the rest of the query is dropped).
KEPT_ARGS = {"from": {"review"}, LARGE_TEXT_ARG: {"1"}}
INFORMATION_PAGES = frozenset({"respond.about_pictures", "respond.accessibility"})
_MAX_LENGTH = 300


@dataclass(frozen=True, slots=True)
class ReturnTarget:
    url: str
    #: The link token of the page, if it belongs to one invitation.
    token: str | None
    large_text_asked: bool


def resolve_return(value: str | None) -> ReturnTarget | None:
    """The survey page `value` names, rebuilt from its route; None if it is not one."""
    if not value or len(value) > _MAX_LENGTH or not value.isprintable():
        return None
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return None
    adapter = current_app.url_map.bind_to_environ(request.environ)
    try:
        endpoint, values = adapter.match(parts.path, method="GET")
    except HTTPException:
        return None
    if endpoint not in RETURNABLE:
        return None
    kept = {
        key: item
        for key, item in parse_qsl(parts.query)
        if key in KEPT_ARGS and item in KEPT_ARGS[key]
    }
    return ReturnTarget(
        url=url_for(endpoint, **values, **kept),
        token=values.get("token"),
        large_text_asked=kept.get(LARGE_TEXT_ARG) == "1",
    )


def safe_return_url(value: str | None) -> str | None:
    target = resolve_return(value)
    return target.url if target else None


@bp.app_template_global()
def return_path_here() -> str | None:
    """What the footer links carry: this page, if a person can come back to it.

    On an information page it passes on the way back it was given, so going from one to
    the other still leads back to the survey.
    """
    if request.endpoint in INFORMATION_PAGES:
        return safe_return_url(request.args.get(RETURN_ARG))
    here = request.path
    query = "&".join(
        f"{key}={item}"
        for key, item in request.args.items()
        if key in KEPT_ARGS and item in KEPT_ARGS[key]
    )
    return safe_return_url(f"{here}?{query}" if query else here)


def way_back() -> ReturnTarget | None:
    """Where an information page's "Back to the survey" leads (None: the code-entry page)."""
    return resolve_return(request.args.get(RETURN_ARG))


def go_to(url: str) -> ResponseReturnValue:
    """Where the person goes next: a redirect for a plain form post, {"next": url} for the
    fetch of static/js/survey.js (which navigates with location.replace)."""
    if request.accept_mimetypes.best_match(["text/html", "application/json"]) == (
        "application/json"
    ):
        return jsonify(next=url)
    return redirect(url)
