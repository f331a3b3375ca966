"""Audit log of logins, exports and changes to rounds, invitations, organisation, targets."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from survey.models.base import Model


class AuditEvent(Model):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    #: Dotted verb, e.g. "round.create", "invitations.import", "report.export".
    action: Mapped[str] = mapped_column(String(60))
    detail: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    #: Only on sign-in events (staff), never on respondent pages.
    ip_address: Mapped[str | None] = mapped_column(String(45))

    def __repr__(self) -> str:
        return f"<AuditEvent {self.action} at {self.at}>"
