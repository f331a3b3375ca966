"""Staff users and their role grants: a role on a subtree of the organisation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.models.base import Model
from survey.models.organisation import OrgNode

ROLES = ("admin", "handlaggare", "enhetschef", "stodperson")


class User(Model):
    """A member of staff who signs in. Brukare never have an account."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: argon2id hash; never the password.
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    #: Base32 TOTP secret once the second factor is enrolled (required for admins).
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    #: The last TOTP time step accepted, so a code cannot be used twice.
    totp_last_step: Mapped[int | None]
    #: Bumped when the password changes or the account is disabled: ends every session.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    #: SHA-256 of a one-time reset link's secret, and when the link stops working.
    reset_token_hash: Mapped[str | None] = mapped_column(String(64))
    reset_expires_at: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]

    grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="RoleGrant.id"
    )

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class RoleGrant(Model):
    """One role on one subtree: the user has `role` on `org_node` and everything under it.

    A person can hold several (enhetschef here, stödperson there). `org_node_id` None means
    the whole installation (only for admins set up from the command line).
    """

    __tablename__ = "role_grant"
    __table_args__ = (
        CheckConstraint(
            "role IN ('admin', 'handlaggare', 'enhetschef', 'stodperson')", name="role"
        ),
        UniqueConstraint("user_id", "org_node_id", "role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    org_node_id: Mapped[int | None] = mapped_column(ForeignKey("org_node.id"))
    role: Mapped[str] = mapped_column(String(12))

    user: Mapped[User] = relationship(back_populates="grants")
    org_node: Mapped[OrgNode | None] = relationship()

    def __repr__(self) -> str:
        return f"<RoleGrant {self.role} on {self.org_node_id}>"
