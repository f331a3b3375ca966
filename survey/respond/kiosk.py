"""Kiosk mode on the brukare side: the tablet's start page (/kiosk) and one survey per person.

A member of staff starts the kiosk on the staff side (survey/staff/views_kiosk.py); that
ends their sign-in on the tablet and leaves the kiosk cookie, a random token that only
/kiosk/… receives (only its digest is stored). The start page's "Börja" takes one of the
unit's unused invitations and opens its survey in a fresh respondent session.

One survey per person: on a kiosk the respondent session is bound to the one survey it
started (a digest of its token), and a survey page of any other token shows "not open
here" instead: Back, the history or a typed address never show the previous person's
answers, and nothing can be posted into their survey. A survey a kiosk started opens in
another browser only after its code is typed. "Sluta nu", "Klar" on the thank-you page and
the idle return (static/js/kiosk.js) all lead back to the start page, which forgets the
person's session.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from flask import (
    Response,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from flask_wtf import FlaskForm
from wtforms import HiddenField

from survey.clock import local_today
from survey.domain.tokens import looks_like_nonce, new_form_nonce
from survey.extensions import db
from survey.i18n import SUPPORTED_LOCALES
from survey.models import KioskSession, Round
from survey.operations import kiosk as kiosk_ops
from survey.queries.kiosk import ActiveKiosk, active_kiosk, unused_counts
from survey.queries.respondent import channel_for
from survey.respond import bp
from survey.respond.navigation import go_to
from survey.settings import Settings

KIOSK_COOKIE = "brukarenkat_kiosk"
KIOSK_PATH = "/kiosk"
#: Respondent-session keys: this browser is a kiosk; the one survey this session may show.
KIOSK = "kiosk"
BOUND = "survey"

#: The respondent pages of one invitation, shown only to the session bound to it (on a
#: kiosk, or for a survey a kiosk started). "Sluta nu" is not among them: it only empties
#: this browser's session, and must work for a browser that lost its cookie.
BOUND_PAGES = frozenset(
    {
        "respond.start",
        "respond.save_start",
        "respond.question",
        "respond.answer",
        "respond.review",
        "respond.submit",
        "respond.thanks",
        "respond.read_aloud_used",
    }
)


def _settings() -> Settings:
    return current_app.extensions["survey.settings"]


def survey_mark(token: str) -> str:
    """What the session keeps of the survey it may show: a digest, never the token."""
    return hashlib.sha256(b"kiosk-bound\x1f" + token.encode()).hexdigest()[:32]


def bind_session_to(token: str) -> None:
    session[BOUND] = survey_mark(token)


def fresh_kiosk_session(lang: str | None = None) -> None:
    """Forget everything of the person before (language, CSRF token, their survey); keep
    only that this browser is a kiosk."""
    session.clear()
    session[KIOSK] = True
    if lang in SUPPORTED_LOCALES:
        session["lang"] = lang


@bp.app_template_global()
def in_kiosk() -> bool:
    return bool(session.get(KIOSK))


@bp.app_template_global()
def kiosk_timing() -> dict[str, int]:
    settings = _settings()
    return {
        "idle_ms": round(settings.kiosk_idle_minutes * 60_000),
        "warn_ms": settings.kiosk_warning_seconds * 1000,
        "thanks_ms": settings.kiosk_thanks_seconds * 1000,
    }


def refuse_unbound(token: str) -> ResponseReturnValue | None:
    """None when this session may show the survey behind `token`; else where it goes."""
    if session.get(BOUND) == survey_mark(token):
        return None
    if session.get(KIOSK):
        # Someone else's survey on this kiosk: never its answers, and nothing posted into it.
        return render_template("respond/kiosk_elsewhere.html"), 403
    if channel_for(db.session, token) == "kiosk":
        return go_to(url_for(".enter_code"))
    # A letter's or e-mail's link opens anywhere; remembered, so the next page asks no more.
    bind_session_to(token)
    return None


@bp.before_request
def _one_survey_per_person() -> ResponseReturnValue | None:
    if request.endpoint not in BOUND_PAGES:
        return None
    token = (request.view_args or {}).get("token", "")
    return refuse_unbound(token)


# --- the kiosk cookie -----------------------------------------------------------------------


def set_kiosk_cookie(response: Response, token: str, expires_at: datetime) -> None:
    """The tablet's kiosk credential: HttpOnly, SameSite=Lax, Secure behind TLS, sent only
    to /kiosk/…, gone when the kiosk expires."""
    max_age = max(0, int((expires_at - datetime.now(UTC)).total_seconds()))
    response.set_cookie(
        KIOSK_COOKIE,
        token,
        max_age=max_age,
        path=KIOSK_PATH,
        httponly=True,
        samesite="Lax",
        secure=_settings().session_cookie_secure,
    )


def _drop_kiosk_cookie(response: Response) -> Response:
    response.delete_cookie(
        KIOSK_COOKIE,
        path=KIOSK_PATH,
        httponly=True,
        samesite="Lax",
        secure=_settings().session_cookie_secure,
    )
    return response


def _current_kiosk() -> ActiveKiosk | None:
    return active_kiosk(db.session, request.cookies.get(KIOSK_COOKIE), datetime.now(UTC))


def _kiosk_missing() -> ResponseReturnValue:
    """No kiosk on this tablet (never started, ended or expired): one page for all."""
    session.pop(KIOSK, None)
    session.pop(BOUND, None)
    response = current_app.make_response(
        (render_template("respond/kiosk_missing.html", reason="missing"), 403)
    )
    if KIOSK_COOKIE in request.cookies:
        _drop_kiosk_cookie(response)
    return response


class KioskBeginForm(FlaskForm):
    #: The language the page was in: the next person's survey starts in it.
    lang = HiddenField()
    #: New with every kiosk start page: a double tap on "Börja" takes one invitation.
    nonce = HiddenField()


# --- pages ----------------------------------------------------------------------------------


def _round_is_open(kiosk: ActiveKiosk) -> bool:
    round_ = db.session.get(Round, kiosk.round_id)
    return round_ is not None and round_.is_open_on(local_today())


def _round_closed() -> ResponseReturnValue:
    return render_template("respond/kiosk_missing.html", reason="closed"), 403


def _render_start(kiosk: ActiveKiosk, *, stopped: bool, status: int = 200) -> ResponseReturnValue:
    if not _round_is_open(kiosk):
        return _round_closed()
    left = unused_counts(db.session, kiosk.round_id, [kiosk.unit_id])[kiosk.unit_id]
    page = render_template(
        "respond/kiosk_start.html",
        form=KioskBeginForm(formdata=None, nonce=new_form_nonce()),
        kiosk=kiosk,
        left=left,
        stopped=stopped,
        none_left_now=status == 409,
    )
    return page, status


@bp.get(KIOSK_PATH)
def kiosk_start() -> ResponseReturnValue:
    """Between two people: the person before is forgotten (their session, language and
    survey); the next one taps "Börja"."""
    kiosk = _current_kiosk()
    if kiosk is None:
        return _kiosk_missing()
    asked = request.args.get("lang")
    fresh_kiosk_session(asked)
    stopped_in = request.args.get("slutat")
    if stopped_in in SUPPORTED_LOCALES and asked is None:
        # The language of the person who stopped, for this page only.
        with force_locale(stopped_in):
            return _render_start(kiosk, stopped=True)
    return _render_start(kiosk, stopped=stopped_in is not None)


@bp.post(KIOSK_PATH)
def kiosk_begin() -> ResponseReturnValue:
    """ "Börja": one unused invitation of the unit, its survey in a fresh session."""
    kiosk = _current_kiosk()
    if kiosk is None:
        return _kiosk_missing()
    if not _round_is_open(kiosk):
        return _round_closed()
    form = KioskBeginForm()
    lang = form.lang.data if form.lang.data in SUPPORTED_LOCALES else None
    nonce = form.nonce.data or ""
    if not looks_like_nonce(nonce):
        nonce = new_form_nonce()  # a form without one: no double-tap guard, still one claim
    claimed = kiosk_ops.begin_on_kiosk(
        db.session, kiosk.id, kiosk.round_id, kiosk.unit_id, nonce, today=local_today()
    )
    if claimed is None:
        db.session.rollback()
        return _render_start(kiosk, stopped=False, status=409)
    db.session.commit()
    fresh_kiosk_session(lang)
    bind_session_to(claimed.token)
    return go_to(url_for(".start", token=claimed.token))


@bp.get(f"{KIOSK_PATH}/avsluta")
def kiosk_end_confirm() -> ResponseReturnValue:
    kiosk = _current_kiosk()
    if kiosk is None:
        return _kiosk_missing()
    return render_template("respond/kiosk_end.html", form=KioskBeginForm(formdata=None))


@bp.post(f"{KIOSK_PATH}/avsluta")
def kiosk_end() -> ResponseReturnValue:
    """End the kiosk on the tablet itself. Starting it again (for any unit) needs a staff
    sign-in, so a brukare can stop the kiosk but never move it to another unit."""
    kiosk = _current_kiosk()
    if kiosk is not None:
        row = db.session.get(KioskSession, kiosk.id)
        if row is not None and kiosk_ops.end_kiosk(db.session, row, user_id=None):
            db.session.commit()
    session.clear()
    response = redirect(url_for("staff.kiosk_page"))
    return _drop_kiosk_cookie(response)
