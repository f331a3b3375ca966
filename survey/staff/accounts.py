"""Flask-Login: the signed-in person as a plain object with their resolved grants."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask
from flask_login import LoginManager, UserMixin
from sqlalchemy import select

from survey.domain.access import Access, Grant
from survey.extensions import db
from survey.models import RoleGrant, User

login_manager = LoginManager()
# Our own idle and absolute time-outs apply (survey.staff.guard); no remember-me cookie.
login_manager.session_protection = "basic"


@dataclass(frozen=True, slots=True)
class StaffUser(UserMixin):  # type: ignore[misc]
    id: int
    email: str
    name: str
    session_version: int
    has_second_factor: bool
    access: Access

    def get_id(self) -> str:
        # The version ends every session when the password changes or the account is disabled.
        return f"{self.id}:{self.session_version}"


def load_staff_user(user_id: int, version: int | None = None) -> StaffUser | None:
    user = db.session.get(User, user_id)
    if user is None or not user.is_active:
        return None
    if version is not None and user.session_version != version:
        return None
    grants = db.session.execute(
        select(RoleGrant.role, RoleGrant.org_node_id).where(RoleGrant.user_id == user.id)
    ).all()
    return StaffUser(
        id=user.id,
        email=user.email,
        name=user.name,
        session_version=user.session_version,
        has_second_factor=user.totp_secret is not None,
        access=Access.of(Grant(role, node_id) for role, node_id in grants),
    )


@login_manager.user_loader
def _load(identifier: str) -> StaffUser | None:
    user_id, _, version = identifier.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    return load_staff_user(int(user_id), int(version))


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    # The guard decides where a signed-out person goes; Flask-Login never redirects itself.
    login_manager.login_view = None
