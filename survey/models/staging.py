"""An upload checked and shown as a preview, waiting for the person to confirm the import.

The app is stateless (several workers on several machines), so the checked rows wait here,
not in memory or a cookie. Only what the import will store anyway is kept (unit, gender,
beställare, e-mail; paper answers; targets): never names or addresses. A staged upload is deleted
when it is imported, and after an hour if it is not.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from survey.models.base import Model


class StagedImport(Model):
    __tablename__ = "staged_import"
    __table_args__ = (
        CheckConstraint("kind IN ('recipients', 'paper', 'org', 'targets')", name="kind"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    kind: Mapped[str] = mapped_column(String(12))
    round_id: Mapped[int | None] = mapped_column(
        ForeignKey("survey_round.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(index=True)
    filename: Mapped[str] = mapped_column(String(200))
    row_count: Mapped[int]
    #: The checked rows, as the importer's to_dict() gives them.
    rows: Mapped[list[dict[str, object]]] = mapped_column(JSON)

    def __repr__(self) -> str:
        return f"<StagedImport {self.kind} {self.row_count} rows>"
