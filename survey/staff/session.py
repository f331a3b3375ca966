"""Two session cookies: the respondent's (path /) and the staff side's (path /personal).

The browser sends the staff cookie only to /personal/…, so a respondent page never receives
staff session data, and signing out of the staff side never touches a brukare's session.
"""

from __future__ import annotations

from flask import Flask, has_request_context, request
from flask.sessions import SecureCookieSessionInterface

STAFF_COOKIE = "brukarenkat_personal"


def is_staff_path(path: str) -> bool:
    from survey.staff import STAFF_PREFIX

    return path == STAFF_PREFIX or path.startswith(STAFF_PREFIX + "/")


class SplitSessionInterface(SecureCookieSessionInterface):
    def _staff(self) -> bool:
        return has_request_context() and is_staff_path(request.path)

    def get_cookie_name(self, app: Flask) -> str:
        return STAFF_COOKIE if self._staff() else super().get_cookie_name(app)

    def get_cookie_path(self, app: Flask) -> str:
        from survey.staff import STAFF_PREFIX

        return STAFF_PREFIX if self._staff() else super().get_cookie_path(app)

    def get_cookie_samesite(self, app: Flask) -> str | None:
        # Strict: no other site can make a signed-in request, not even a top-level link.
        # (A reset link from an e-mail works: it needs no session.)
        return "Strict" if self._staff() else super().get_cookie_samesite(app)
