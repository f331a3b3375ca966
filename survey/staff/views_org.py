"""The organisation tree: both hierarchies, and add, rename, move, close, split and merge
through the organisation operations (history kept, so earlier reports keep their tree)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from survey.clock import local_today
from survey.domain.access import Permission
from survey.domain.staff_refusals import StaffRefusal
from survey.extensions import db
from survey.models import Insats, OrgNode
from survey.operations import organisation as org_ops
from survey.queries.organisation import ancestor_ids, load_tree, subtree_ids
from survey.staff.forms import (
    OrgAddForm,
    OrgCloseForm,
    OrgMergeForm,
    OrgMoveForm,
    OrgRenameForm,
    OrgSplitForm,
)
from survey.staff.guard import current_access, require_node, route
from survey.staff.messages import refusal_text

TREES = ("utforare", "bestallare")


def _tree_arg() -> str:
    tree = request.args.get("hierarki", "utforare")
    return tree if tree in TREES else "utforare"


def _insats_choices(with_none: bool = True) -> list[tuple[str, str]]:
    choices = [("", _("No insats (a level above the verksamheter)"))] if with_none else []
    for insats in db.session.scalars(select(Insats).order_by(Insats.name_sv)):
        name = insats.name_sv if str(get_locale()) == "sv" else insats.name_en
        choices.append((insats.code, name))
    return choices


def _node_or_404(node_id: int, permission: Permission = Permission.MANAGE_ORGANISATION) -> OrgNode:
    node = db.session.get(OrgNode, node_id)
    if node is None:
        abort(404)
    require_node(node.id, permission)
    return node


def _can_manage(node_id: int) -> bool:
    return current_access().covers(
        Permission.MANAGE_ORGANISATION, ancestor_ids(db.session, node_id)
    )


def _done(message: str, tree: str) -> ResponseReturnValue:
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("staff.org_tree", hierarki=tree))


def _refused(refusal: StaffRefusal) -> int:
    db.session.rollback()
    flash(refusal_text(refusal), "error")
    return 400


@route("/organisation", permission=Permission.VIEW_ROUNDS)
def org_tree() -> ResponseReturnValue:
    tree_kind = _tree_arg()
    show_closed = request.args.get("stangda") == "1"
    tree = load_tree(
        db.session,
        tree=tree_kind,
        access=current_access(),
        permission=Permission.VIEW_ROUNDS,
        include_closed=show_closed,
    )
    insats = {i.code: i for i in db.session.scalars(select(Insats))}
    manage_roots = current_access().roots(Permission.MANAGE_ORGANISATION)
    manageable: set[int] | None
    if manage_roots is None:
        manageable = None
    elif manage_roots:
        manageable = set(db.session.scalars(subtree_ids(manage_roots)))
    else:
        manageable = set()
    rows = []
    stack = [(root, 0) for root in reversed(tree.roots)]
    while stack:
        node, depth = stack.pop()
        rows.append((node, depth))
        stack.extend((child, depth + 1) for child in reversed(node.children))
    return render_template(
        "staff/org_tree.html",
        rows=rows,
        tree_kind=tree_kind,
        show_closed=show_closed,
        insats=insats,
        can_manage=lambda node_id: manageable is None or node_id in manageable,
        can_add_root=manage_roots is None,
    )


@route("/organisation/ny", permission=Permission.MANAGE_ORGANISATION, methods=("GET", "POST"))
def org_add() -> ResponseReturnValue:
    tree_kind = _tree_arg()
    parent_id = request.args.get("forelder", type=int)
    parent = _node_or_404(parent_id) if parent_id else None
    if parent is None and not current_access().everywhere(Permission.MANAGE_ORGANISATION):
        abort(403)
    if parent is not None:
        tree_kind = parent.tree
    form = OrgAddForm()
    form.insats.choices = _insats_choices()
    if request.method == "GET" and not form.resumed:
        form.effective_on.data = local_today()
        form.level.data = (
            "enhet" if parent is None or parent.level == "forvaltning" else "verksamhet"
        )
    status = 200
    if form.validate_on_submit():
        try:
            org_ops.add_node(
                db.session,
                parent,
                form.name.data or "",
                level=form.level.data or "enhet",
                insats_code=form.insats.data or None,
                tree=tree_kind,
                effective_on=form.effective_on.data or local_today(),
                user_id=current_user.id,
            )
        except StaffRefusal as refusal:
            status = _refused(refusal)
        else:
            return _done(_("The unit is added."), tree_kind)
    elif request.method == "POST":
        status = 400
    return render_template(
        "staff/org_form.html",
        form=form,
        action="add",
        node=None,
        parent=parent,
        tree_kind=tree_kind,
    ), status


@route(
    "/organisation/<int:node_id>/byt-namn",
    permission=Permission.MANAGE_ORGANISATION,
    methods=("GET", "POST"),
)
def org_rename(node_id: int) -> ResponseReturnValue:
    node = _node_or_404(node_id)
    form = OrgRenameForm()
    if request.method == "GET" and not form.resumed:
        form.name.data = node.name
        form.effective_on.data = local_today()
    status = 200
    if form.validate_on_submit():
        try:
            org_ops.rename_node(
                db.session,
                node,
                form.name.data or "",
                form.effective_on.data or local_today(),
                user_id=current_user.id,
            )
        except StaffRefusal as refusal:
            status = _refused(refusal)
        else:
            return _done(_("The new name is saved. Earlier reports keep the old name."), node.tree)
    elif request.method == "POST":
        status = 400
    return render_template(
        "staff/org_form.html", form=form, action="rename", node=node, tree_kind=node.tree
    ), status


def _parent_choices(node: OrgNode) -> list[tuple[str, str]]:
    tree = load_tree(
        db.session,
        tree=node.tree,
        access=current_access(),
        permission=Permission.MANAGE_ORGANISATION,
        include_closed=False,
    )
    own = set(db.session.scalars(subtree_ids([node.id])))
    choices = []
    if current_access().everywhere(Permission.MANAGE_ORGANISATION):
        choices.append(("", _("At the top (no unit above)")))
    for candidate in sorted(tree.walk(), key=lambda n: n.path):
        if candidate.id in own or candidate.insats_code is not None:
            continue
        choices.append((str(candidate.id), candidate.path))
    return choices


@route(
    "/organisation/<int:node_id>/flytta",
    permission=Permission.MANAGE_ORGANISATION,
    methods=("GET", "POST"),
)
def org_move(node_id: int) -> ResponseReturnValue:
    node = _node_or_404(node_id)
    form = OrgMoveForm()
    form.parent.choices = _parent_choices(node)
    if request.method == "GET" and not form.resumed:
        form.parent.data = str(node.parent_id or "")
        form.effective_on.data = local_today()
    status = 200
    if form.validate_on_submit():
        new_parent = _node_or_404(int(form.parent.data)) if form.parent.data else None
        try:
            org_ops.move_node(
                db.session,
                node,
                new_parent,
                form.effective_on.data or local_today(),
                user_id=current_user.id,
            )
        except StaffRefusal as refusal:
            status = _refused(refusal)
        else:
            return _done(_("The unit is moved. Earlier reports keep its old place."), node.tree)
    elif request.method == "POST":
        status = 400
    return render_template(
        "staff/org_form.html", form=form, action="move", node=node, tree_kind=node.tree
    ), status


@route(
    "/organisation/<int:node_id>/stang",
    permission=Permission.MANAGE_ORGANISATION,
    methods=("GET", "POST"),
)
def org_close(node_id: int) -> ResponseReturnValue:
    node = _node_or_404(node_id)
    form = OrgCloseForm()
    if request.method == "GET" and not form.resumed:
        form.effective_on.data = local_today()
    status = 200
    if form.validate_on_submit():
        try:
            org_ops.close_node(
                db.session, node, form.effective_on.data or local_today(), user_id=current_user.id
            )
        except StaffRefusal as refusal:
            status = _refused(refusal)
        else:
            return _done(_("The unit is closed. Its history is kept."), node.tree)
    elif request.method == "POST":
        status = 400
    return render_template(
        "staff/org_form.html", form=form, action="close", node=node, tree_kind=node.tree
    ), status


@route(
    "/organisation/<int:node_id>/dela",
    permission=Permission.MANAGE_ORGANISATION,
    methods=("GET", "POST"),
)
def org_split(node_id: int) -> ResponseReturnValue:
    node = _node_or_404(node_id)
    form = OrgSplitForm()
    choices = _insats_choices()
    for field in (form.insats_1, form.insats_2, form.insats_3):
        field.choices = choices
    if request.method == "GET" and not form.resumed:
        form.effective_on.data = local_today()
        for field in (form.insats_1, form.insats_2, form.insats_3):
            field.data = node.insats_code or ""
    status = 200
    if form.validate_on_submit():
        parts = [
            (name.data.strip(), insats.data or None)
            for name, insats in (
                (form.name_1, form.insats_1),
                (form.name_2, form.insats_2),
                (form.name_3, form.insats_3),
            )
            if name.data and name.data.strip()
        ]
        try:
            org_ops.split_node(
                db.session,
                node,
                parts,
                form.effective_on.data or local_today(),
                user_id=current_user.id,
            )
        except StaffRefusal as refusal:
            status = _refused(refusal)
        else:
            return _done(
                _("The unit is split. Last year's figures follow to the new parts."), node.tree
            )
    elif request.method == "POST":
        status = 400
    return render_template(
        "staff/org_form.html", form=form, action="split", node=node, tree_kind=node.tree
    ), status


@route(
    "/organisation/<int:node_id>/sla-ihop",
    permission=Permission.MANAGE_ORGANISATION,
    methods=("GET", "POST"),
)
def org_merge(node_id: int) -> ResponseReturnValue:
    node = _node_or_404(node_id)
    form = OrgMergeForm()
    form.insats.choices = _insats_choices()
    tree = load_tree(
        db.session,
        tree=node.tree,
        access=current_access(),
        permission=Permission.MANAGE_ORGANISATION,
        include_closed=False,
    )
    form.others.choices = [
        (n.id, n.path)
        for n in sorted(tree.walk(), key=lambda n: n.path)
        if n.id != node.id and n.level == node.level
    ]
    if request.method == "GET" and not form.resumed:
        form.effective_on.data = local_today()
        form.name.data = node.name
        form.insats.data = node.insats_code or ""
    status = 200
    if form.validate_on_submit():
        others = [_node_or_404(other_id) for other_id in form.others.data or []]
        try:
            org_ops.merge_nodes(
                db.session,
                [node, *others],
                form.name.data or "",
                form.effective_on.data or local_today(),
                insats_code=form.insats.data or None,
                user_id=current_user.id,
            )
        except StaffRefusal as refusal:
            status = _refused(refusal)
        else:
            return _done(
                _("The units are merged. Last year's figures add up in the merged unit."), node.tree
            )
    elif request.method == "POST":
        status = 400
    return render_template(
        "staff/org_form.html", form=form, action="merge", node=node, tree_kind=node.tree
    ), status
