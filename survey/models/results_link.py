"""Links that show one unit's easy-read results to its brukare, without signing in."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.models.base import Model
from survey.models.organisation import OrgNode
from survey.models.round import Round
from survey.models.user import User


class ResultsLink(Model):
    """An unguessable, revocable link to the easy-read results of one unit in one round.

    Only the SHA-256 digest of the link's token is stored (as for password reset links), so
    the link is shown once, when it is made; after that it can only be revoked and replaced.
    """

    __tablename__ = "results_link"
    __table_args__ = (CheckConstraint("tree IN ('utforare', 'bestallare')", name="tree"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("survey_round.id", ondelete="CASCADE"), index=True
    )
    #: Which hierarchy the unit's figures roll up in: "utforare" or "bestallare".
    tree: Mapped[str] = mapped_column(String(12))
    org_node_id: Mapped[int] = mapped_column(ForeignKey("org_node.id"))
    #: SHA-256 (hex) of the token in the link; never the token.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime]
    #: Set when revoked: the link then shows the "cannot find" page, like an unknown one.
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )

    round_: Mapped[Round] = relationship()
    unit: Mapped[OrgNode] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    def __repr__(self) -> str:
        state = "revoked" if self.revoked_at else "active"
        return f"<ResultsLink {self.id} round={self.round_id} node={self.org_node_id} {state}>"
