"""Signing in (password, then the second factor), enrolling TOTP, signing out, reset links,
and one's own account page."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import segno
from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user
from markupsafe import Markup

from survey.domain.access import Permission
from survey.extensions import db, limiter
from survey.models import User
from survey.operations import audit, users
from survey.staff.accounts import load_staff_user
from survey.staff.forms import (
    ChangePasswordForm,
    ConfirmForm,
    LoginForm,
    NewPasswordForm,
    SecondFactorForm,
)
from survey.staff.guard import end_session, route, safe_next
from survey.staff.messages import account_refusal

#: A password step is good for this long while the second factor is asked for.
SECOND_FACTOR_WINDOW = 300


def _address_limit() -> str:
    return str(current_app.extensions["survey.settings"].login_address_limit)


def _account_limit() -> str:
    return str(current_app.extensions["survey.settings"].login_account_limit)


def _account_key() -> str:
    pending = session.get("pending_user")
    if pending:
        return f"account:{pending['id']}"
    return "account:" + users.normalise_email(request.form.get("email", ""))[:254]


def _ip() -> str | None:
    return get_remote_address()


def _finish_sign_in(user: User) -> ResponseReturnValue:
    staff_user = load_staff_user(user.id)
    assert staff_user is not None  # noqa: S101 - checked active a moment ago
    target = safe_next(session.get("pending_next"))
    lang = session.get("lang")
    resume = session.get("resume")
    session.clear()  # a fresh session (no fixation): only the language and a kept form survive
    if lang:
        session["lang"] = lang
    if resume:
        session["resume"] = resume
    login_user(staff_user)
    now = time.time()
    session["signed_in_at"] = now
    session["seen_at"] = now
    user.last_login_at = datetime.now(UTC)
    audit.record(db.session, "login.success", user_id=user.id, ip_address=_ip())
    db.session.commit()
    if staff_user.access.needs_second_factor and not staff_user.has_second_factor:
        return redirect(url_for("staff.enrol_second_factor"))
    return redirect(target or url_for("staff.home"))


@route("/logga-in", permission=None, methods=("GET", "POST"))
@limiter.limit(_address_limit, methods=["POST"], key_func=get_remote_address)
@limiter.limit(_account_limit, methods=["POST"], key_func=_account_key)
def login() -> ResponseReturnValue:
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("staff.home"))
    form = LoginForm()
    ended = session.pop("ended", None)
    status = 200
    if form.validate_on_submit():
        user = users.find_user(db.session, form.email.data or "")
        password = form.password.data or ""
        if user is None:
            users.verify_absent_user(password)
            ok = False
        else:
            ok = users.check_password(db.session, user, password)
        if not ok:
            audit.record(
                db.session,
                "login.failed",
                user_id=user.id if user else None,
                detail={"email": (form.email.data or "")[:254], "reason": "password"},
                ip_address=_ip(),
            )
            db.session.commit()
            flash(
                _("The e-mail address or the password is wrong. Check both and try again."), "error"
            )
            status = 401
        elif user is not None and not user.is_active:
            audit.record(
                db.session,
                "login.failed",
                user_id=user.id,
                detail={"email": user.email, "reason": "disabled"},
                ip_address=_ip(),
            )
            db.session.commit()
            flash(_("This account is disabled. Ask an administrator to open it again."), "error")
            status = 403
        elif user is not None:
            session["pending_next"] = request.args.get("next")
            if user.totp_secret:
                session["pending_user"] = {"id": user.id, "at": time.time()}
                db.session.commit()
                return redirect(url_for("staff.second_factor"))
            return _finish_sign_in(user)
    elif request.method == "POST":
        status = 400
    if request.method == "GET" and request.args.get("next"):
        session["pending_next"] = request.args.get("next")
    return render_template("staff/login.html", form=form, ended=ended), status


@route("/logga-in/kod", permission=None, methods=("GET", "POST"))
@limiter.limit(_account_limit, methods=["POST"], key_func=_account_key)
def second_factor() -> ResponseReturnValue:
    pending = session.get("pending_user")
    if not pending or time.time() - float(pending.get("at", 0)) > SECOND_FACTOR_WINDOW:
        session.pop("pending_user", None)
        flash(_("Sign in again: the time for the code ran out."), "error")
        return redirect(url_for("staff.login"))
    form = SecondFactorForm()
    status = 200
    if form.validate_on_submit():
        user = db.session.get(User, int(pending["id"]))
        if user is None or not user.is_active or not user.totp_secret:
            session.pop("pending_user", None)
            return redirect(url_for("staff.login"))
        if users.accept_totp(db.session, user, user.totp_secret, form.code.data or ""):
            return _finish_sign_in(user)
        audit.record(
            db.session,
            "login.failed",
            user_id=user.id,
            detail={"email": user.email, "reason": "second_factor"},
            ip_address=_ip(),
        )
        db.session.commit()
        flash(
            _("The code is wrong or has already been used. Wait for a new code and try again."),
            "error",
        )
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("staff/second_factor.html", form=form), status


def _qr_svg(uri: str) -> Markup:
    qr = segno.make(uri, error="m")
    svg = qr.svg_inline(scale=5, border=2, dark="#000", light="#fff", omitsize=False)
    return Markup(svg)  # noqa: S704 - segno's own markup of a URI we built


@route(
    "/konto/tvastegsverifiering",
    permission=Permission.SIGN_IN,
    methods=("GET", "POST"),
    before_second_factor=True,
)
def enrol_second_factor() -> ResponseReturnValue:
    user = db.session.get(User, current_user.id)
    assert user is not None  # noqa: S101
    secret = session.get("totp_candidate")
    if not secret:
        secret = users.new_totp_secret()
        session["totp_candidate"] = secret
    form = SecondFactorForm()
    status = 200
    if form.validate_on_submit():
        if users.enrol_totp(db.session, user, secret, form.code.data or ""):
            session.pop("totp_candidate", None)
            db.session.commit()
            # The session version did not change: this session stays signed in.
            flash(
                _("Two-step verification is on. You will be asked for a code when you sign in."),
                "success",
            )
            return redirect(url_for("staff.home"))
        flash(
            _("The code did not match. Check the time on your phone and try a new code."), "error"
        )
        status = 400
    uri = users.totp_uri(user, secret)
    return render_template(
        "staff/enrol.html",
        form=form,
        qr=_qr_svg(uri),
        secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        required=current_user.access.needs_second_factor,
    ), status


@route("/logga-ut", permission=Permission.SIGN_IN, methods=("POST",), before_second_factor=True)
def logout() -> ResponseReturnValue:
    form = ConfirmForm()
    if not form.validate_on_submit():
        return redirect(url_for("staff.home"))
    audit.record(db.session, "logout", user_id=current_user.id)
    db.session.commit()
    end_session("signed_out")
    return redirect(url_for("staff.login"))


@route("/aterstall/<secret>", permission=None, methods=("GET", "POST"))
@limiter.limit(_address_limit, methods=["POST"], key_func=get_remote_address)
def reset_password(secret: str) -> ResponseReturnValue:
    user = users.user_for_reset(db.session, secret)
    if user is None:
        return render_template("staff/reset_invalid.html"), 404
    form = NewPasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            users.set_password(db.session, user, form.password.data or "")
        except users.AccountRefused as refused:
            form.password.errors = [account_refusal(refused)]
            status = 400
        else:
            db.session.commit()
            end_session()
            flash(_("Your new password is saved. Sign in with it now."), "success")
            return redirect(url_for("staff.login"))
    elif request.method == "POST":
        status = 400
    return render_template("staff/reset.html", form=form, email=user.email), status


@route("/konto", permission=Permission.SIGN_IN, methods=("GET",), before_second_factor=True)
def account() -> ResponseReturnValue:
    return render_template(
        "staff/account.html",
        password_form=ChangePasswordForm(),
        remove_form=ConfirmForm(),
    )


@route(
    "/konto/losenord", permission=Permission.SIGN_IN, methods=("POST",), before_second_factor=True
)
def change_password() -> ResponseReturnValue:
    form = ChangePasswordForm()
    user = db.session.get(User, current_user.id)
    assert user is not None  # noqa: S101
    if form.validate_on_submit():
        if not users.check_password(db.session, user, form.current.data or ""):
            form.current.errors = [_("That is not your current password.")]
        else:
            try:
                users.set_password(db.session, user, form.password.data or "")
            except users.AccountRefused as refused:
                form.password.errors = [account_refusal(refused)]
            else:
                db.session.commit()
                # The version moved on: sign this session in again under the new one.
                staff_user = load_staff_user(user.id)
                assert staff_user is not None  # noqa: S101
                login_user(staff_user)
                flash(_("Your new password is saved."), "success")
                return redirect(url_for("staff.account"))
    return render_template("staff/account.html", password_form=form, remove_form=ConfirmForm()), 400


@route(
    "/konto/tvastegsverifiering/ta-bort",
    permission=Permission.SIGN_IN,
    methods=("POST",),
    before_second_factor=True,
)
def remove_second_factor() -> ResponseReturnValue:
    form = ConfirmForm()
    if not form.validate_on_submit():
        return redirect(url_for("staff.account"))
    if current_user.access.needs_second_factor:
        flash(
            _("Administrators must use two-step verification, so it cannot be turned off."), "error"
        )
        return redirect(url_for("staff.account"))
    user = db.session.get(User, current_user.id)
    assert user is not None  # noqa: S101
    users.remove_totp(db.session, user, by_user_id=user.id)
    db.session.commit()
    staff_user = load_staff_user(user.id)
    assert staff_user is not None  # noqa: S101
    login_user(staff_user)
    flash(_("Two-step verification is off."), "success")
    return redirect(url_for("staff.account"))
