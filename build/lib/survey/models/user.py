"""Staff users, their role and the unit subtrees they may see (login arrives later)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.models.base import Model, mapper_registry
from survey.models.organisation import OrgNode

ROLES = ("admin", "handlaggare", "enhetschef", "stodperson")

user_scope = Table(
    "user_scope",
    mapper_registry.metadata,
    Column("user_id", ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True),
    Column("org_node_id", ForeignKey("org_node.id"), primary_key=True),
)


class User(Model):
    __tablename__ = "app_user"
    __table_args__ = (
        CheckConstraint(
            "role IN ('admin', 'handlaggare', 'enhetschef', 'stodperson')", name="role"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: werkzeug scrypt hash; never the password.
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(12))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]

    #: The subtrees this user may see and act on (all descendants included).
    scopes: Mapped[list[OrgNode]] = relationship(secondary=user_scope)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"
