"""Responses: *what* was answered. Nothing here points at an invitation or a person."""

from __future__ import annotations

import uuid

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.models.base import Model


class SurveyResponse(Model):
    """One person's submitted answers in one round.

    Deliberately holds no reference to the invitation, a random id, and only the ISO week of
    submission (a finer time could be matched against an invitation's visit).
    """

    __tablename__ = "survey_response"
    __table_args__ = (
        CheckConstraint("gender IN ('kvinna', 'man', 'annat', 'okand')", name="gender_code"),
        CheckConstraint(
            "answered_by IS NULL OR answered_by IN ('sjalv', 'med_hjalp', 'annan')",
            name="answered_by",
        ),
        CheckConstraint("channel IN ('letter', 'email', 'kiosk', 'paper', 'link')", name="channel"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_round.id"), index=True)
    org_node_id: Mapped[int] = mapped_column(ForeignKey("org_node.id"), index=True)
    bestallare_node_id: Mapped[int | None] = mapped_column(ForeignKey("org_node.id"))
    gender: Mapped[str] = mapped_column(String(8))
    #: "sjalv", "med_hjalp" or "annan" (proxy; left out of indicators by default).
    answered_by: Mapped[str | None] = mapped_column(String(10))
    #: After "med_hjalp": "personal_har", "annan_personal", "kand", "annan".
    helper: Mapped[str | None] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(8))
    with_pictures: Mapped[bool] = mapped_column(default=True)
    large_text: Mapped[bool] = mapped_column(default=False)
    used_read_aloud: Mapped[bool] = mapped_column(default=False)
    #: True when the round closed and submitted a started response for the person.
    auto_submitted: Mapped[bool] = mapped_column(default=False)
    #: ISO week of submission, e.g. "2026-W48".
    submitted_week: Mapped[str] = mapped_column(String(8))

    answers: Mapped[list[Answer]] = relationship(
        back_populates="response", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<SurveyResponse {self.id} round={self.round_id}>"


class Answer(Model):
    __tablename__ = "answer"
    __table_args__ = (UniqueConstraint("survey_response_id", "question_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_response_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("survey_response.id", ondelete="CASCADE"), index=True
    )
    question_code: Mapped[str] = mapped_column(String(32), index=True)
    #: An option code of the question's scale, or "vet_inte". Skipped questions have no row.
    value: Mapped[str] = mapped_column(String(32))

    response: Mapped[SurveyResponse] = relationship(back_populates="answers")

    def __repr__(self) -> str:
        return f"<Answer {self.question_code}={self.value}>"


class FreeTextComment(Model):
    """Free text ("Vill du säga något mer?"). Shown to managers only after review."""

    __tablename__ = "free_text_comment"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    survey_response_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("survey_response.id", ondelete="CASCADE"), unique=True
    )
    text: Mapped[str] = mapped_column(Text)
    is_released: Mapped[bool] = mapped_column(default=False)

    def __repr__(self) -> str:
        return f"<FreeTextComment {self.id} released={self.is_released}>"
