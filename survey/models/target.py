"""Targets per indicator, unit and period: årsmål and KF:s årsmål, numeric or text."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from survey.models.base import Model


class Target(Model):
    __tablename__ = "target"
    __table_args__ = (
        UniqueConstraint("indicator_key", "org_node_id", "period"),
        # NULLs are distinct in a unique constraint: the installation's own targets (node
        # None) need their own index to stay one per indicator and period.
        Index(
            "uq_target_installation",
            "indicator_key",
            "period",
            unique=True,
            sqlite_where=text("org_node_id IS NULL"),
            postgresql_where=text("org_node_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_key: Mapped[str] = mapped_column(String(40))
    #: None: the target for the whole installation.
    org_node_id: Mapped[int | None] = mapped_column(ForeignKey("org_node.id"))
    period: Mapped[int]
    #: A percent ("85") or text such as "Tas fram av nämnd".
    arsmal: Mapped[str | None] = mapped_column(String(100))
    kf_arsmal: Mapped[str | None] = mapped_column(String(100))

    def __repr__(self) -> str:
        return f"<Target {self.indicator_key} {self.org_node_id} {self.period}>"
