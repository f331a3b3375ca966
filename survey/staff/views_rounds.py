"""Survey rounds: list, create, edit, open, close; invitations (one on the spot, withdraw)."""

from __future__ import annotations

from datetime import timedelta

import segno
from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import func, select

from survey.clock import local_today
from survey.domain.access import Permission
from survey.domain.question_banks import all_bank_files, version_key
from survey.domain.staff_refusals import StaffRefusal
from survey.domain.tokens import format_code
from survey.extensions import db
from survey.links import respondent_link
from survey.models import Insats, Invitation, OrgNode, Round
from survey.operations import invitations as invitation_ops
from survey.operations import rounds as round_ops
from survey.queries.organisation import in_scope
from survey.queries.rounds import (
    round_in_scope,
    round_units_in_scope,
    round_wholly_in_scope,
    visible_rounds,
)
from survey.staff.forms import (
    SURVEY_TYPES,
    ConfirmForm,
    RoundForm,
    SingleInvitationForm,
    WithdrawForm,
)
from survey.staff.guard import current_access, route
from survey.staff.messages import refusal_text

INVITATIONS_PAGE_SIZE = 100


def _bank_versions() -> list[tuple[str, str]]:
    versions: dict[str, list[str]] = {}
    for path in all_bank_files():
        versions.setdefault(path.parent.name, []).append(path.stem)
    choices = [("", _("The newest"))]
    for survey_type, _label in SURVEY_TYPES:
        for version in sorted(versions.get(survey_type, []), key=version_key, reverse=True):
            choices.append((f"{survey_type}:{version}", f"{survey_type} {version}"))
    return choices


def _unit_choices(survey_type: str | None = None) -> list[tuple[int, str]]:
    """Open verksamheter in the person's round-managing scope, by path."""
    from survey.queries.organisation import load_tree

    tree = load_tree(
        db.session,
        access=current_access(),
        permission=Permission.MANAGE_ROUNDS,
        include_closed=False,
    )
    insats = {i.code: i for i in db.session.scalars(select(Insats))}
    choices = []
    for node in sorted(tree.walk(), key=lambda n: n.path):
        if node.insats_code is None:
            continue
        if survey_type and node.survey_type != survey_type:
            continue
        name = insats[node.insats_code].name_sv if node.insats_code in insats else node.insats_code
        choices.append((node.id, f"{node.path} ({name})"))
    return choices


def _round_or_404(code: str, permission: Permission = Permission.VIEW_ROUNDS) -> Round:
    round_ = round_in_scope(db.session, current_access(), code, permission)
    if round_ is None:
        abort(404)
    return round_


def _managed_round(code: str, permission: Permission = Permission.MANAGE_ROUNDS) -> Round:
    """A round the person may change: visible (else 404) and wholly in scope (else 403)."""
    round_ = _round_or_404(code)
    if not current_access().can(permission):
        abort(403)
    if not round_wholly_in_scope(db.session, current_access(), round_, permission):
        abort(403)
    return round_


def _chosen_units(ids: list[int]) -> list[OrgNode]:
    allowed = {unit_id for unit_id, _label in _unit_choices()}
    if any(unit_id not in allowed for unit_id in ids):
        abort(404)
    return list(db.session.scalars(select(OrgNode).where(OrgNode.id.in_(ids))))


def _bank_choice(form: RoundForm) -> str | None:
    value = form.bank_version.data or ""
    if not value:
        return None
    survey_type, _, version = value.partition(":")
    if survey_type != form.survey_type.data:
        form.bank_version.errors = [_("That version belongs to another survey.")]
        raise ValueError
    return version


@route("/omgangar", permission=Permission.VIEW_ROUNDS)
def rounds_list() -> ResponseReturnValue:
    rows = visible_rounds(db.session, current_access())
    return render_template("staff/rounds.html", rows=rows, today=local_today())


@route("/omgangar/ny", permission=Permission.MANAGE_ROUNDS, methods=("GET", "POST"))
def round_new() -> ResponseReturnValue:
    today = local_today()
    form = RoundForm()
    form.bank_version.choices = _bank_versions()
    form.units.choices = _unit_choices()
    if request.method == "GET" and not form.resumed:
        form.period.data = today.year
        form.opens_on.data = today
        form.closes_on.data = today + timedelta(weeks=6)
        form.ask_free_text.data = True
    status = 200
    if form.validate_on_submit():
        try:
            version = _bank_choice(form)
            round_ = round_ops.create_round(
                db.session,
                code=form.code.data or "",
                title=form.title.data or "",
                survey_type=form.survey_type.data or "",
                period=form.period.data or today.year,
                opens_on=form.opens_on.data or today,
                closes_on=form.closes_on.data or today,
                units=_chosen_units(form.units.data or []),
                organiser=form.organiser.data or "",
                help_contact=form.help_contact.data or "",
                ask_free_text=bool(form.ask_free_text.data),
                always_ask_gender=bool(form.always_ask_gender.data),
                bank_version=version,
                is_draft=True,
                user_id=current_user.id,
            )
        except StaffRefusal as refusal:
            db.session.rollback()
            flash(refusal_text(refusal), "error")
            status = 400
        except ValueError:
            db.session.rollback()
            status = 400
        else:
            db.session.commit()
            flash(
                _("The round is created as a draft. Open it when the recipient list is in."),
                "success",
            )
            return redirect(url_for("staff.round_detail", code=round_.code))
    elif request.method == "POST":
        status = 400
    return render_template("staff/round_form.html", form=form, round_=None), status


@route("/omgangar/<code>", permission=Permission.VIEW_ROUNDS)
def round_detail(code: str) -> ResponseReturnValue:
    round_ = _round_or_404(code)
    access = current_access()
    units = round_units_in_scope(db.session, access, round_)
    can_manage = access.can(Permission.MANAGE_ROUNDS) and round_wholly_in_scope(
        db.session, access, round_, Permission.MANAGE_ROUNDS
    )
    can_invite = access.can(Permission.MANAGE_INVITATIONS) and bool(
        round_units_in_scope(db.session, access, round_, Permission.MANAGE_INVITATIONS)
    )
    return render_template(
        "staff/round.html",
        round_=round_,
        units=units,
        can_manage=can_manage,
        can_invite=can_invite,
        confirm=ConfirmForm(),
        today=local_today(),
    )


@route("/omgangar/<code>/redigera", permission=Permission.MANAGE_ROUNDS, methods=("GET", "POST"))
def round_edit(code: str) -> ResponseReturnValue:
    round_ = _managed_round(code)
    if round_.is_closed:
        flash(_("The round is closed and can no longer be changed."), "error")
        return redirect(url_for("staff.round_detail", code=code))
    form = RoundForm(obj=round_ if request.method == "GET" else None)
    form.bank_version.choices = _bank_versions()
    form.units.choices = _unit_choices(round_.survey_type)
    if request.method == "GET" and not form.resumed:
        form.units.data = [u.id for u in round_.units]
        form.bank_version.data = f"{round_.survey_type}:{round_.bank_version}"
    # The code and the survey type name the round: they never change.
    form.code.data = round_.code
    form.survey_type.data = round_.survey_type
    status = 200
    if form.validate_on_submit():
        try:
            version = _bank_choice(form)
            round_ops.update_round(
                db.session,
                round_,
                title=form.title.data or round_.code,
                opens_on=form.opens_on.data,
                closes_on=form.closes_on.data,
                units=_chosen_units(form.units.data or []),
                bank_version=version if version != round_.bank_version else None,
                ask_free_text=(
                    bool(form.ask_free_text.data)
                    if bool(form.ask_free_text.data) != round_.ask_free_text
                    else None
                ),
                always_ask_gender=(
                    bool(form.always_ask_gender.data)
                    if bool(form.always_ask_gender.data) != round_.always_ask_gender
                    else None
                ),
                user_id=current_user.id,
            )
            if form.organiser.data is not None and form.organiser.data != round_.organiser:
                round_.organiser = form.organiser.data
            help_contact = (form.help_contact.data or "").strip()
            if help_contact != round_.help_contact:
                round_.help_contact = help_contact
        except StaffRefusal as refusal:
            db.session.rollback()
            flash(refusal_text(refusal), "error")
            status = 400
        except ValueError:
            db.session.rollback()
            status = 400
        else:
            db.session.commit()
            flash(_("The round is saved."), "success")
            return redirect(url_for("staff.round_detail", code=round_.code))
    elif request.method == "POST":
        status = 400
    return render_template("staff/round_form.html", form=form, round_=round_), status


@route("/omgangar/<code>/oppna", permission=Permission.MANAGE_ROUNDS, methods=("POST",))
def round_open(code: str) -> ResponseReturnValue:
    round_ = _managed_round(code)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        round_ops.open_round(db.session, round_, user_id=current_user.id)
    except StaffRefusal as refusal:
        db.session.rollback()
        flash(refusal_text(refusal), "error")
    else:
        db.session.commit()
        flash(_("The round is open. Links and codes work from its first day."), "success")
    return redirect(url_for("staff.round_detail", code=code))


@route("/omgangar/<code>/stang", permission=Permission.MANAGE_ROUNDS, methods=("GET", "POST"))
def round_close(code: str) -> ResponseReturnValue:
    round_ = _managed_round(code)
    form = ConfirmForm()
    if round_.is_closed:
        flash(_("The round is already closed."), "success")
        return redirect(url_for("staff.round_detail", code=code))
    started = db.session.scalar(
        select(func.count()).where(Invitation.round_id == round_.id, Invitation.status == "started")
    )
    if form.validate_on_submit():
        submitted = round_ops.close_round(
            db.session, round_, local_today(), user_id=current_user.id
        )
        db.session.commit()
        flash(
            _(
                "The round is closed. %(n)s started surveys were sent in automatically. "
                "E-mail addresses are deleted.",
                n=submitted,
            ),
            "success",
        )
        return redirect(url_for("staff.round_detail", code=code))
    return render_template("staff/round_close.html", round_=round_, form=form, started=started)


def _invitation_in_scope(round_: Round, invitation_id: int) -> Invitation:
    invitation = db.session.scalar(
        select(Invitation).where(
            Invitation.id == invitation_id,
            Invitation.round_id == round_.id,
            in_scope(current_access(), Permission.MANAGE_INVITATIONS, Invitation.org_node_id),
        )
    )
    if invitation is None:
        abort(404)
    return invitation


@route("/omgangar/<code>/inbjudningar", permission=Permission.MANAGE_INVITATIONS)
def round_invitations(code: str) -> ResponseReturnValue:
    round_ = _round_or_404(code, Permission.MANAGE_INVITATIONS)
    page = max(1, request.args.get("sida", 1, type=int) or 1)
    status = request.args.get("status", "")
    query = (
        select(Invitation, OrgNode.name)
        .join(OrgNode, OrgNode.id == Invitation.org_node_id)
        .where(
            Invitation.round_id == round_.id,
            in_scope(current_access(), Permission.MANAGE_INVITATIONS, Invitation.org_node_id),
        )
    )
    if status in {"not_started", "started", "submitted", "withdrawn"}:
        query = query.where(Invitation.status == status)
    rows = db.session.execute(
        query.order_by(OrgNode.name, Invitation.id)
        .offset((page - 1) * INVITATIONS_PAGE_SIZE)
        .limit(INVITATIONS_PAGE_SIZE + 1)
    ).all()
    return render_template(
        "staff/invitations.html",
        round_=round_,
        rows=rows[:INVITATIONS_PAGE_SIZE],
        page=page,
        has_next=len(rows) > INVITATIONS_PAGE_SIZE,
        status=status,
        withdraw_form=WithdrawForm(),
        format_code=format_code,
    )


@route(
    "/omgangar/<code>/inbjudningar/<int:invitation_id>/aterkalla",
    permission=Permission.MANAGE_INVITATIONS,
    methods=("POST",),
)
def invitation_withdraw(code: str, invitation_id: int) -> ResponseReturnValue:
    from survey.operations.recipients import withdraw_invitation

    round_ = _round_or_404(code, Permission.MANAGE_INVITATIONS)
    invitation = _invitation_in_scope(round_, invitation_id)
    form = WithdrawForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        withdraw_invitation(
            db.session,
            invitation,
            form.reason.data or "other",
            local_today(),
            user_id=current_user.id,
        )
    except StaffRefusal as refusal:
        db.session.rollback()
        flash(refusal_text(refusal), "error")
    else:
        db.session.commit()
        flash(
            _("The invitation is withdrawn and no longer counts in the response rate."), "success"
        )
    return redirect(url_for("staff.round_invitations", code=code))


@route(
    "/omgangar/<code>/inbjudningar/ny",
    permission=Permission.MANAGE_INVITATIONS,
    methods=("GET", "POST"),
)
def invitation_new(code: str) -> ResponseReturnValue:
    round_ = _round_or_404(code, Permission.MANAGE_INVITATIONS)
    units = round_units_in_scope(
        db.session, current_access(), round_, Permission.MANAGE_INVITATIONS
    )
    form = SingleInvitationForm()
    form.unit.choices = [(u.id, u.path()) for u in units]
    status = 200
    if form.validate_on_submit():
        unit = next(u for u in units if u.id == form.unit.data)
        try:
            issued = invitation_ops.issue_invitation(
                db.session,
                round_,
                unit,
                gender=form.gender.data or None,
                channel="link",
                handed_out_on=local_today(),  # shown now: no kiosk may take it
            )
        except StaffRefusal as refusal:
            db.session.rollback()
            flash(refusal_text(refusal), "error")
            status = 400
        else:
            from survey.operations import audit

            audit.record(
                db.session,
                "invitations.create",
                user_id=current_user.id,
                detail={"round": round_.code, "unit": unit.path(), "count": 1},
            )
            db.session.commit()
            link = respondent_link(issued.token)
            qr = segno.make(link, error="m")
            svg = Markup(qr.svg_inline(scale=6, border=2, dark="#000", light="#fff"))  # noqa: S704
            return render_template(
                "staff/invitation_made.html",
                round_=round_,
                unit=unit,
                link=link,
                code=format_code(issued.short_code),
                qr=svg,
            )
    elif request.method == "POST":
        status = 400
    return render_template("staff/invitation_new.html", round_=round_, form=form), status
