"""Invitations: *who* was asked. Holds the link token and code, never the answers' identity."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.models.base import Model
from survey.models.organisation import OrgNode
from survey.models.round import Round

GENDERS = ("kvinna", "man", "annat", "okand")
CHANNELS = ("letter", "email", "kiosk", "paper", "link")
STATUSES = ("not_started", "started", "submitted", "withdrawn")
#: Why an unused invitation was withdrawn; it then leaves the denominator.
WITHDRAW_REASONS = ("moved", "deceased", "declined", "duplicate", "other")


class Invitation(Model):
    """One brukare invited to one round: the denominator of the response rate."""

    __tablename__ = "invitation"
    __table_args__ = (
        CheckConstraint(
            "gender IS NULL OR gender IN ('kvinna', 'man', 'annat', 'okand')", name="gender_code"
        ),
        CheckConstraint("channel IN ('letter', 'email', 'kiosk', 'paper', 'link')", name="channel"),
        CheckConstraint(
            "status IN ('not_started', 'started', 'submitted', 'withdrawn')", name="status"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_round.id"), index=True)
    org_node_id: Mapped[int] = mapped_column(ForeignKey("org_node.id"), index=True)
    #: The unit whose handläggare granted the insats (second reporting hierarchy).
    bestallare_node_id: Mapped[int | None] = mapped_column(ForeignKey("org_node.id"))
    #: From the recipient list; None means the survey asks.
    gender: Mapped[str | None] = mapped_column(String(8))
    channel: Mapped[str] = mapped_column(String(8), default="link")
    #: URL token, ≥128 bits from `secrets`.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    #: 8 characters without look-alikes, for typing on a tablet.
    short_code: Mapped[str] = mapped_column(String(8), unique=True)
    status: Mapped[str] = mapped_column(String(12), default="not_started")
    #: Contact data; deleted when the round closes.
    email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime]
    # Presentation chosen on the start page; copied to the response as the national survey's
    # "nivå" when it is submitted.
    with_pictures: Mapped[bool] = mapped_column(default=True)
    large_text: Mapped[bool] = mapped_column(default=False)
    used_read_aloud: Mapped[bool] = mapped_column(default=False)
    #: Set only while a submission is half-way: the id the response gets (or got). Cleared
    #: when the submission completes, so no link survives. See operations/responses.py.
    pending_response_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    #: Set with status "withdrawn": one of WITHDRAW_REASONS, and the day.
    withdrawn_reason: Mapped[str | None] = mapped_column(String(12))
    withdrawn_on: Mapped[date | None]
    #: The day the invitation's code or link was given to someone (a letter printed, an
    #: e-mail sent, made on the spot, taken by a kiosk); None: never given to anyone, so a
    #: kiosk may take it (survey/operations/kiosk.py). Never two people on one invitation.
    handed_out_on: Mapped[date | None]

    round_: Mapped[Round] = relationship()
    unit: Mapped[OrgNode] = relationship(foreign_keys=[org_node_id])
    bestallare: Mapped[OrgNode | None] = relationship(foreign_keys=[bestallare_node_id])
    draft_answers: Mapped[list[DraftAnswer]] = relationship(
        back_populates="invitation", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Invitation {self.id} round={self.round_id} {self.status}>"


class DraftAnswer(Model):
    """An answer given but not yet submitted, keyed to the invitation so a person can resume.

    On submit the drafts become an anonymous SurveyResponse and these rows are deleted:
    nothing then links what was answered to who was asked. The unique key makes a re-posted
    answer an update, never a duplicate.
    """

    __tablename__ = "draft_answer"
    __table_args__ = (UniqueConstraint("invitation_id", "question_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(
        ForeignKey("invitation.id", ondelete="CASCADE"), index=True
    )
    question_code: Mapped[str] = mapped_column(String(32))
    #: An option code, "vet_inte", or None when the person chose "Hoppa över".
    value: Mapped[str | None] = mapped_column(String(32))
    #: Only for the free-text question.
    text: Mapped[str | None] = mapped_column(Text)

    invitation: Mapped[Invitation] = relationship(back_populates="draft_answers")

    def __repr__(self) -> str:
        return f"<DraftAnswer {self.question_code}={self.value}>"
