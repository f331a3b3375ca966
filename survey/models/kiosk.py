"""Kiosks: a unit's tablet that starts a fresh survey for each brukare in turn."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.models.base import Model
from survey.models.organisation import OrgNode
from survey.models.round import Round
from survey.models.user import User


class KioskSession(Model):
    """One tablet in kiosk mode for one unit of one round, started by a member of staff.

    The tablet holds the credential in a cookie of its own; only the SHA-256 digest of that
    token is stored (as for results links), so the table cannot be used to become a kiosk.
    It ends when it expires (KIOSK_HOURS after the start) or is ended (revoked_at).
    """

    __tablename__ = "kiosk_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("survey_round.id", ondelete="CASCADE"), index=True
    )
    org_node_id: Mapped[int] = mapped_column(ForeignKey("org_node.id"))
    #: SHA-256 (hex) of the token in the tablet's cookie; never the token.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    started_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    started_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    #: Set when ended, from the staff page or on the tablet.
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    #: The last "Börja": the SHA-256 of its form's nonce and the invitation it took, so a
    #: double tap (or a form sent again) opens that survey instead of taking a second one.
    begin_nonce_hash: Mapped[str | None] = mapped_column(String(64))
    begun_invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("invitation.id", ondelete="SET NULL")
    )

    round_: Mapped[Round] = relationship()
    unit: Mapped[OrgNode] = relationship()
    started_by: Mapped[User | None] = relationship(foreign_keys=[started_by_id])

    def __repr__(self) -> str:
        state = "ended" if self.revoked_at else "active"
        return f"<KioskSession {self.id} round={self.round_id} node={self.org_node_id} {state}>"
