"""Kiosk mode, the staff side (SPEC §5): start a kiosk on this tablet for one unit of an
open round, see and end the kiosks that run on the units in scope, and (handläggare) add
unused invitations that only kiosks take.

Starting a kiosk ends the staff sign-in on this browser, so a brukare at the tablet never
reaches a staff page; the tablet keeps only the kiosk cookie (survey/respond/kiosk.py).
Who: `Permission.RUN_KIOSK` (every role) for the units in their subtrees; adding
invitations needs `Permission.MANAGE_INVITATIONS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user

from survey.clock import local_today
from survey.domain.access import Permission
from survey.domain.staff_refusals import StaffRefusal
from survey.domain.tokens import looks_like_nonce, new_form_nonce
from survey.extensions import db
from survey.models import OrgNode, Round
from survey.operations import kiosk as kiosk_ops
from survey.queries.kiosk import active_kiosks, kiosk_in_scope, open_kiosk_rounds, unused_counts
from survey.queries.rounds import round_in_scope, round_units_in_scope
from survey.respond.kiosk import set_kiosk_cookie
from survey.staff.forms import ConfirmForm, KioskInvitationsForm, KioskLaunchForm
from survey.staff.guard import current_access, end_session, route


@dataclass(frozen=True, slots=True)
class KioskUnit:
    id: int
    path: str
    left: int


@dataclass(frozen=True, slots=True)
class KioskRound:
    round_: Round
    units: list[KioskUnit]
    form: KioskLaunchForm
    can_add: bool


def _refusal(refusal: StaffRefusal) -> str:
    texts = {
        "round_not_open": _("The round is not open today: a kiosk needs an open round."),
        "unit_not_in_round": _("That unit is not one of the round's units."),
        "none_left": _(
            "%(unit)s has no unused invitations left. A handläggare can add invitations "
            "for kiosks first.",
            unit=refusal.params.get("unit", ""),
        ),
        "bad_count": _("Write how many, from 1 to 500."),
        "round_closed": _("The round is closed."),
        "already_added": _(
            "These invitations for kiosks were added already (the form was sent twice)."
        ),
    }
    return texts.get(refusal.code, refusal.message)


def _units(round_: Round, permission: Permission) -> list[OrgNode]:
    return round_units_in_scope(db.session, current_access(), round_, permission)


def _kiosk_round(round_: Round, form: KioskLaunchForm | None = None) -> KioskRound:
    access = current_access()
    units = _units(round_, Permission.RUN_KIOSK)
    left = unused_counts(db.session, round_.id, [u.id for u in units])
    rows = [KioskUnit(u.id, u.path(), left[u.id]) for u in units]
    form = form or KioskLaunchForm(formdata=None)
    form.unit.choices = [
        (row.id, _("%(unit)s (%(n)s unused)", unit=row.path, n=row.left)) for row in rows
    ]
    can_add = access.can(Permission.MANAGE_INVITATIONS) and bool(
        _units(round_, Permission.MANAGE_INVITATIONS)
    )
    return KioskRound(round_, rows, form, can_add)


def _page(failed: tuple[Round, KioskLaunchForm] | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    access = current_access()
    rounds = []
    for round_ in open_kiosk_rounds(db.session, access, local_today()):
        form = failed[1] if failed and failed[0].id == round_.id else None
        rounds.append(_kiosk_round(round_, form))
    return render_template(
        "staff/kiosk.html",
        rounds=rounds,
        kiosks=active_kiosks(db.session, access, datetime.now(UTC)),
        end_form=ConfirmForm(formdata=None),
        when=lambda at: format_datetime(at, "short"),
        kiosk_hours=current_app.extensions["survey.settings"].kiosk_hours,
    ), status


@route("/kiosk", permission=Permission.RUN_KIOSK)
def kiosk_page() -> ResponseReturnValue:
    return _page()


@route("/kiosk/<code>/starta", permission=Permission.RUN_KIOSK, methods=("POST",))
def kiosk_launch(code: str) -> ResponseReturnValue:
    round_ = round_in_scope(db.session, current_access(), code, Permission.RUN_KIOSK)
    if round_ is None:
        abort(404)
    form = KioskLaunchForm()
    units = {u.id: u for u in _units(round_, Permission.RUN_KIOSK)}
    form.unit.choices = [(unit_id, unit.path()) for unit_id, unit in units.items()]
    if not form.validate_on_submit():
        return _page((round_, form), status=400)
    unit = units[form.unit.data]
    settings = current_app.extensions["survey.settings"]
    try:
        if not unused_counts(db.session, round_.id, [unit.id])[unit.id]:
            raise kiosk_ops.KioskRefused("none_left", unit=unit.path())
        started = kiosk_ops.start_kiosk(
            db.session,
            round_,
            unit.id,
            user_id=current_user.id,
            today=local_today(),
            hours=settings.kiosk_hours,
        )
    except StaffRefusal as refusal:
        db.session.rollback()
        flash(_refusal(refusal), "error")
        return redirect(url_for("staff.kiosk_page"))
    db.session.commit()
    # The tablet is the brukare's now: no staff session stays on it.
    end_session()
    response = redirect(url_for("respond.kiosk_start"))
    set_kiosk_cookie(response, started.token, started.expires_at)
    return response


@route("/kiosk/<int:kiosk_id>/avsluta", permission=Permission.RUN_KIOSK, methods=("POST",))
def kiosk_stop(kiosk_id: int) -> ResponseReturnValue:
    kiosk = kiosk_in_scope(db.session, current_access(), kiosk_id)
    if kiosk is None:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if kiosk_ops.end_kiosk(db.session, kiosk, user_id=current_user.id):
        db.session.commit()
        flash(_("The kiosk is ended. Its tablet shows that it is not a kiosk any more."), "success")
    return redirect(url_for("staff.kiosk_page"))


@route(
    "/omgangar/<code>/inbjudningar/kiosk",
    permission=Permission.MANAGE_INVITATIONS,
    methods=("GET", "POST"),
)
def kiosk_invitations(code: str) -> ResponseReturnValue:
    round_ = round_in_scope(db.session, current_access(), code, Permission.MANAGE_INVITATIONS)
    if round_ is None:
        abort(404)
    units = _units(round_, Permission.MANAGE_INVITATIONS)
    form = KioskInvitationsForm()
    form.unit.choices = [(u.id, u.path()) for u in units]
    if request.method == "GET" and request.args.get("enhet", type=int) in {u.id for u in units}:
        form.unit.data = request.args.get("enhet", type=int)
    status = 200
    if form.validate_on_submit():
        unit = next(u for u in units if u.id == form.unit.data)
        try:
            added = kiosk_ops.add_kiosk_invitations(
                db.session,
                round_,
                unit.id,
                form.count.data or 0,
                user_id=current_user.id,
                nonce=form.nonce.data if looks_like_nonce(form.nonce.data or "") else None,
                key=current_app.extensions["survey.settings"].secret_key.encode(),
            )
        except StaffRefusal as refusal:
            db.session.rollback()
            if refusal.code == "already_added":
                flash(_refusal(refusal), "info")
                return redirect(url_for("staff.kiosk_invitations", code=round_.code, enhet=unit.id))
            flash(_refusal(refusal), "error")
            status = 400
        else:
            db.session.commit()
            flash(
                _(
                    "%(n)s invitations for kiosks of %(unit)s are added. No one is shown "
                    "them: each kiosk survey takes one.",
                    n=added,
                    unit=unit.path(),
                ),
                "success",
            )
            return redirect(url_for("staff.kiosk_invitations", code=round_.code, enhet=unit.id))
    elif request.method == "POST":
        status = 400
    left = unused_counts(db.session, round_.id, [u.id for u in units])
    form.nonce.data = new_form_nonce()  # every page a new form: one addition each
    return render_template(
        "staff/kiosk_invitations.html",
        round_=round_,
        form=form,
        units=[KioskUnit(u.id, u.path(), left[u.id]) for u in units],
    ), status
