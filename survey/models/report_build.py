"""A ZIP of every unit report of a round, built in the background (SPEC §6).

The app is stateless (several workers on several machines), so a build lives here: the worker
that starts it writes its progress and, when done, the ZIP itself; any worker shows the
progress and serves the file. One row per round, hierarchy, language, scope (whose units) and
data version: a second click finds the running build instead of starting another, and new
answers make a new version. A build whose worker died stops beating (`updated_at`) and is
taken over by the next click.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column

from survey.models.base import Model


class ReportBuild(Model):
    __tablename__ = "report_build"
    __table_args__ = (
        UniqueConstraint("round_id", "tree", "language", "scope", "version"),
        CheckConstraint("status IN ('building', 'done', 'failed')", name="status"),
        CheckConstraint("tree IN ('utforare', 'bestallare')", name="tree"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_round.id", ondelete="CASCADE"))
    tree: Mapped[str] = mapped_column(String(12))
    language: Mapped[str] = mapped_column(String(8))
    #: "all", or a digest of the unit ids the person may see (builds are shared by scope).
    scope: Mapped[str] = mapped_column(String(64))
    #: A digest of the round's data version and the suppression threshold.
    version: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10))
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    #: The builder's heartbeat: set with every progress step.
    updated_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    filename: Mapped[str] = mapped_column(String(200), default="")
    size: Mapped[int] = mapped_column(default=0)
    #: The ZIP, once done (deferred: listing builds never loads it).
    content: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))

    def __repr__(self) -> str:
        return f"<ReportBuild {self.id} {self.status} {self.done}/{self.total}>"
