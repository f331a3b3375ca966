"""A survey round (undersökningsomgång): one survey type, one period, a set of units."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.models.base import Model, mapper_registry
from survey.models.organisation import OrgNode

round_unit = Table(
    "round_unit",
    mapper_registry.metadata,
    Column("round_id", ForeignKey("survey_round.id", ondelete="CASCADE"), primary_key=True),
    Column("org_node_id", ForeignKey("org_node.id"), primary_key=True),
)


class Round(Model):
    __tablename__ = "survey_round"
    __table_args__ = (
        CheckConstraint("survey_type IN ('dv', 'bo', 'bs')", name="survey_type"),
        CheckConstraint("closes_on >= opens_on", name="dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    survey_type: Mapped[str] = mapped_column(String(8))
    #: The question-bank version this round asks; wording is frozen with the round.
    bank_version: Mapped[str] = mapped_column(String(20))
    period: Mapped[int]
    opens_on: Mapped[date]
    closes_on: Mapped[date]
    #: A round made on the staff pages starts as a draft: not answerable until opened.
    is_draft: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    #: Set by close_round(); a closed round takes no more answers and is locked.
    is_closed: Mapped[bool] = mapped_column(default=False)
    closed_at: Mapped[datetime | None]
    always_ask_gender: Mapped[bool] = mapped_column(default=False)
    ask_free_text: Mapped[bool] = mapped_column(default=True)
    #: Count answers that "someone else" gave for the brukare (proxy) in the indicators. Off by
    #: default, as in the national survey; a reporting setting, so it may change at any time.
    include_proxy_answers: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    #: Who runs the survey, shown on the start page ("Hägersten-Älvsjö stadsdelsförvaltning").
    organiser: Mapped[str] = mapped_column(String(200), default="")
    #: Who a brukare can ask for help with the survey, in the letters and e-mails
    #: (e.g. "Ring Anna Svensson, 08-123 45 67"); "" leaves the line out.
    help_contact: Mapped[str] = mapped_column(String(200), default="", server_default="")

    units: Mapped[list[OrgNode]] = relationship(secondary=round_unit)

    def is_open_on(self, day: date) -> bool:
        return not self.is_draft and not self.is_closed and self.opens_on <= day <= self.closes_on

    def __repr__(self) -> str:
        return f"<Round {self.code} {self.survey_type} {self.period}>"
