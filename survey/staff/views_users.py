"""Accounts (admin): list, create, grant and revoke roles per subtree, disable, reset links,
and the audit log."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from survey.domain.access import ROLES, Permission
from survey.extensions import db
from survey.models import AuditEvent, OrgNode, RoleGrant, User
from survey.operations import users
from survey.queries.organisation import ancestor_ids, load_tree
from survey.staff.forms import ConfirmForm, GrantForm, UserForm
from survey.staff.guard import current_access, route
from survey.staff.messages import account_refusal, role_name

AUDIT_PAGE_SIZE = 50


def _grant_in_scope(grant: RoleGrant) -> bool:
    access = current_access()
    if grant.org_node_id is None:
        return access.everywhere(Permission.MANAGE_USERS)
    return access.covers(Permission.MANAGE_USERS, ancestor_ids(db.session, grant.org_node_id))


def _user_in_scope(user: User) -> bool:
    """An admin of a subtree manages the accounts whose every grant lies in it."""
    if current_access().everywhere(Permission.MANAGE_USERS):
        return True
    return bool(user.grants) and all(_grant_in_scope(g) for g in user.grants)


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or not _user_in_scope(user):
        abort(404)
    return user


def _grant_form() -> GrantForm:
    form = GrantForm()
    form.role.choices = [(role, role_name(role)) for role in ROLES]
    tree = load_tree(
        db.session,
        access=current_access(),
        permission=Permission.MANAGE_USERS,
        include_closed=False,
    )
    form.unit.choices = [
        (str(node.id), node.path) for node in sorted(tree.walk(), key=lambda n: n.path)
    ]
    if not current_access().everywhere(Permission.MANAGE_USERS):
        del form.everywhere
    return form


@route("/anvandare", permission=Permission.MANAGE_USERS)
def users_list() -> ResponseReturnValue:
    people = db.session.scalars(select(User).order_by(func.lower(User.email))).all()
    visible = [u for u in people if _user_in_scope(u)]
    return render_template("staff/users.html", people=visible, role_name=role_name)


@route("/anvandare/ny", permission=Permission.MANAGE_USERS, methods=("GET", "POST"))
def user_new() -> ResponseReturnValue:
    form = UserForm()
    grant_form = _grant_form()
    status = 200
    if request.method == "POST":
        grant_form = _grant_form()
        if form.validate_on_submit() and grant_form.validate():
            node = _chosen_node(grant_form)
            if node is None and not getattr(grant_form, "everywhere", None):
                abort(404)
            try:
                user = users.create_user(
                    db.session,
                    email=form.email.data or "",
                    name=form.name.data or "",
                    password=None,
                    grants=[(grant_form.role.data, node)],
                    by_user_id=current_user.id,
                )
                secret = users.issue_reset_link(db.session, user, by_user_id=current_user.id)
            except users.AccountRefused as refused:
                db.session.rollback()
                form.email.errors = [account_refusal(refused)]
                status = 400
            else:
                db.session.commit()
                flash(
                    _("The account is created. Give the person this link to choose a password:"),
                    "success",
                )
                return redirect(url_for("staff.user_detail", user_id=user.id, link=secret))
        else:
            status = 400
    return render_template("staff/user_new.html", form=form, grant_form=grant_form), status


def _chosen_node(form: GrantForm) -> OrgNode | None:
    everywhere = getattr(form, "everywhere", None)
    if everywhere is not None and everywhere.data:
        return None
    if not (form.unit.data or "").isdigit():
        abort(400)
    node = db.session.get(OrgNode, int(form.unit.data))
    if node is None or not current_access().covers(
        Permission.MANAGE_USERS, ancestor_ids(db.session, node.id)
    ):
        abort(404)
    return node


@route("/anvandare/<int:user_id>", permission=Permission.MANAGE_USERS)
def user_detail(user_id: int) -> ResponseReturnValue:
    user = _user_or_404(user_id)
    secret = request.args.get("link")
    link = url_for("staff.reset_password", secret=secret, _external=True) if secret else None
    return render_template(
        "staff/user.html",
        person=user,
        grant_form=_grant_form(),
        confirm=ConfirmForm(),
        link=link,
        role_name=role_name,
    )


@route("/anvandare/<int:user_id>/roller", permission=Permission.MANAGE_USERS, methods=("POST",))
def user_grant(user_id: int) -> ResponseReturnValue:
    user = _user_or_404(user_id)
    form = _grant_form()
    if not form.validate_on_submit():
        abort(400)
    node = _chosen_node(form)
    try:
        users.grant_role(db.session, user, form.role.data or "", node, by_user_id=current_user.id)
    except users.AccountRefused as refused:
        db.session.rollback()
        flash(account_refusal(refused), "error")
    else:
        db.session.commit()
        flash(_("The role is added."), "success")
    return redirect(url_for("staff.user_detail", user_id=user.id))


@route(
    "/anvandare/<int:user_id>/roller/<int:grant_id>/ta-bort",
    permission=Permission.MANAGE_USERS,
    methods=("POST",),
)
def user_revoke(user_id: int, grant_id: int) -> ResponseReturnValue:
    user = _user_or_404(user_id)
    grant = db.session.get(RoleGrant, grant_id)
    if grant is None or grant.user_id != user.id or not _grant_in_scope(grant):
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    users.revoke_grant(db.session, grant, by_user_id=current_user.id)
    db.session.commit()
    flash(_("The role is removed."), "success")
    return redirect(url_for("staff.user_detail", user_id=user.id))


@route("/anvandare/<int:user_id>/status", permission=Permission.MANAGE_USERS, methods=("POST",))
def user_active(user_id: int) -> ResponseReturnValue:
    user = _user_or_404(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        users.set_active(db.session, user, not user.is_active, by_user_id=current_user.id)
    except users.AccountRefused as refused:
        db.session.rollback()
        flash(account_refusal(refused), "error")
    else:
        db.session.commit()
        flash(
            _("The account is open again.")
            if user.is_active
            else _("The account is disabled. Its sessions have ended."),
            "success",
        )
    return redirect(url_for("staff.user_detail", user_id=user.id))


@route("/anvandare/<int:user_id>/lank", permission=Permission.MANAGE_USERS, methods=("POST",))
def user_reset_link(user_id: int) -> ResponseReturnValue:
    user = _user_or_404(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        secret = users.issue_reset_link(db.session, user, by_user_id=current_user.id)
    except users.AccountRefused as refused:
        db.session.rollback()
        flash(account_refusal(refused), "error")
        return redirect(url_for("staff.user_detail", user_id=user.id))
    db.session.commit()
    flash(
        _("A new one-time link is ready. It works once, for 72 hours. Earlier links stop working."),
        "success",
    )
    return redirect(url_for("staff.user_detail", user_id=user.id, link=secret))


@route(
    "/anvandare/<int:user_id>/tvastegsverifiering",
    permission=Permission.MANAGE_USERS,
    methods=("POST",),
)
def user_remove_second_factor(user_id: int) -> ResponseReturnValue:
    """For a lost phone: the person enrols again at the next sign-in."""
    user = _user_or_404(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    users.remove_totp(db.session, user, by_user_id=current_user.id)
    db.session.commit()
    flash(
        _("Two-step verification is removed. The person sets it up again at the next sign-in."),
        "success",
    )
    return redirect(url_for("staff.user_detail", user_id=user.id))


@route("/logg", permission=Permission.READ_AUDIT)
def audit_log() -> ResponseReturnValue:
    if not current_access().everywhere(Permission.READ_AUDIT):
        abort(403)
    page = max(1, request.args.get("sida", 1, type=int) or 1)
    action = (request.args.get("handelse") or "").strip()[:60]
    query = select(AuditEvent, User.email).outerjoin(User, User.id == AuditEvent.user_id)
    if action:
        query = query.where(AuditEvent.action.startswith(action, autoescape=True))
    rows = db.session.execute(
        query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .offset((page - 1) * AUDIT_PAGE_SIZE)
        .limit(AUDIT_PAGE_SIZE + 1)
    ).all()
    actions = db.session.scalars(
        select(AuditEvent.action).distinct().order_by(AuditEvent.action)
    ).all()
    return render_template(
        "staff/audit.html",
        rows=rows[:AUDIT_PAGE_SIZE],
        page=page,
        has_next=len(rows) > AUDIT_PAGE_SIZE,
        action=action,
        actions=actions,
    )
