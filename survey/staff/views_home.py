"""The staff start page: what this person can do, by role and subtree."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import select

from survey.domain.access import Permission
from survey.extensions import db
from survey.models import OrgNode
from survey.staff.guard import route
from survey.staff.messages import role_name


@route("/", permission=Permission.SIGN_IN)
def home() -> ResponseReturnValue:
    access = current_user.access
    node_ids = {g.node_id for g in access.grants if g.node_id is not None}
    names = {
        node.id: node.path()
        for node in db.session.scalars(select(OrgNode).where(OrgNode.id.in_(node_ids)))
    }
    grants = [
        (role_name(g.role), names.get(g.node_id, "") if g.node_id is not None else None)
        for g in access.grants
    ]
    return render_template("staff/home.html", grants=grants, Permission=Permission)
