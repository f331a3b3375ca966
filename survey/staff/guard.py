"""Every staff route declares the permission it needs; one guard enforces it.

`route()` registers a view on the staff blueprint and records its permission in ROUTES. The
guard runs before every staff request: a route missing from ROUTES is refused (fail closed);
the session's idle and absolute time-outs are applied; a signed-out person is sent to sign
in (a half-filled form is kept and filled in again after signing in); an admin without a
second factor must enrol one first; a role without the permission gets 403. Objects outside
the person's subtrees are the views' business: `require_node()` and friends answer 404.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import abort, current_app, g, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, logout_user
from werkzeug.datastructures import MultiDict

from survey.domain.access import Access, Permission
from survey.extensions import db
from survey.queries.organisation import node_in_scope
from survey.staff import bp

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True, slots=True)
class RouteRule:
    #: None: reachable signed out (sign-in pages, reset links).
    permission: Permission | None
    #: Reachable by an admin who has not yet enrolled a second factor (enrolment, sign-out).
    before_second_factor: bool = False


ROUTES: dict[str, RouteRule] = {}

#: The largest form kept across a sign-in (it travels in the signed session cookie).
RESUME_LIMIT = 2500


def route(
    rule: str,
    *,
    permission: Permission | None,
    methods: tuple[str, ...] = ("GET",),
    before_second_factor: bool = False,
    endpoint: str | None = None,
) -> Callable[[F], F]:
    def decorate(view: F) -> F:
        name = endpoint or view.__name__
        key = f"staff.{name}"
        if key in ROUTES:
            rule_now = ROUTES[key]
            if rule_now != RouteRule(permission, before_second_factor):
                raise RuntimeError(f"{key} registered twice with different permissions")
        ROUTES[key] = RouteRule(permission, before_second_factor)
        bp.add_url_rule(rule, endpoint=name, view_func=view, methods=list(methods))
        return view

    return decorate


def current_access() -> Access:
    access = g.get("staff_access")
    if access is None:
        access = current_user.access if current_user.is_authenticated else Access.of([])
        g.staff_access = access
    return access


def require_node(node_id: int, permission: Permission) -> None:
    """404 unless the node lies in a subtree where the person holds `permission`."""
    if not node_in_scope(db.session, current_access(), permission, node_id):
        abort(404)


def _expired() -> str | None:
    """'idle' or 'absolute' when the signed-in session has run out, else None."""
    if not current_user.is_authenticated:
        return None
    settings = current_app.extensions["survey.settings"]
    now = time.time()
    signed_in_at = float(session.get("signed_in_at", 0))
    seen_at = float(session.get("seen_at", 0))
    if now - signed_in_at > settings.staff_absolute_hours * 3600:
        return "absolute"
    if now - seen_at > settings.staff_idle_minutes * 60:
        return "idle"
    return None


def end_session(reason: str | None = None) -> None:
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    if reason:
        session["ended"] = reason


def keep_form_for_later() -> None:
    """Stash a POSTed form (never files or the CSRF token) to fill in again after sign-in."""
    if request.method != "POST":
        return
    fields = [(k, v) for k, v in request.form.items(multi=True) if k != "csrf_token"]
    if fields and len(json.dumps(fields)) <= RESUME_LIMIT:
        session["resume"] = {"path": request.path, "form": fields}


def resumed_formdata() -> MultiDict[str, str] | None:
    """The form kept for this page before a sign-in, once; None when there is none."""
    resume = session.get("resume")
    if request.method == "GET" and resume and resume.get("path") == request.path:
        session.pop("resume", None)
        return MultiDict([tuple(pair) for pair in resume["form"]])
    return None


def safe_next(target: str | None) -> str | None:
    from survey.staff.session import is_staff_path

    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target if is_staff_path(target.split("?", 1)[0]) else None


def send_to_sign_in() -> ResponseReturnValue:
    keep_form_for_later()
    target = request.full_path if request.method == "GET" else request.path
    return redirect(url_for("staff.login", next=target.rstrip("?")))


@bp.before_request
def _guard() -> ResponseReturnValue | None:
    # Resolved afresh on every request, even where an app context outlives one (tests).
    g.pop("staff_access", None)
    g.pop("_login_user", None)
    rule = ROUTES.get(request.endpoint or "")
    if rule is None:
        abort(404)
    reason = _expired()
    if reason is not None:
        end_session(reason)
    if current_user.is_authenticated:
        session["seen_at"] = time.time()
    if rule.permission is None:
        return None
    if not current_user.is_authenticated:
        return send_to_sign_in()
    access = current_access()
    if (
        access.needs_second_factor
        and not current_user.has_second_factor
        and not rule.before_second_factor
    ):
        return redirect(url_for("staff.enrol_second_factor"))
    if not access.can(rule.permission):
        abort(403)
    return None


@bp.after_request
def _no_store(response: Any) -> Any:
    # Staff pages hold names of units, counts and codes: never in a shared cache or history.
    response.headers["Cache-Control"] = "no-store"
    return response
