"""The e-mail outbox: one row per message to send (an invitation, or reminder number n).

Durable: queueing writes rows, a worker (`flask --app survey mail send`, or the staff
page's "Skicka nu") claims due rows, sends them and marks them sent, committing each step,
so a worker that dies loses nothing and a row is never sent by two workers. No address and
no body is stored here: the address is read from the invitation at send time (so contact
data stays in one place and round close deletes it) and the text is rendered from the round
and the invitation's token. See survey/mail/worker.py for the states and the one window in
which a message's fate is unknown.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from survey.models.base import Model

KINDS = ("invitation", "reminder")
STATUSES = ("queued", "sending", "sent", "failed", "cancelled")


class OutboxMessage(Model):
    __tablename__ = "outbox_message"
    __table_args__ = (
        # One invitation message per invitation, and each reminder number once: queueing the
        # same thing twice (a double click, two workers, a re-run) inserts nothing.
        UniqueConstraint("invitation_id", "kind", "sequence"),
        CheckConstraint("kind IN ('invitation', 'reminder')", name="kind"),
        CheckConstraint(
            "status IN ('queued', 'sending', 'sent', 'failed', 'cancelled')", name="status"
        ),
        Index("ix_outbox_message_due", "status", "next_attempt_at"),
        Index("ix_outbox_message_round_status", "round_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_round.id", ondelete="CASCADE"))
    #: None after round close: the sending log keeps its counts, no longer whose they were.
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("invitation.id", ondelete="SET NULL")
    )
    #: The invitation's unit when it was queued: whose handläggare see it (staff scope).
    org_node_id: Mapped[int] = mapped_column(ForeignKey("org_node.id"))
    kind: Mapped[str] = mapped_column(String(12))
    #: 0 for the invitation message, 1, 2, … for reminders.
    sequence: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    #: Sending attempts that failed (transiently or for good).
    attempts: Mapped[int] = mapped_column(default=0)
    #: A queued message is due from this time (back-off after a transient failure).
    next_attempt_at: Mapped[datetime]
    #: The worker ("host:pid") and batch that claimed it, and until when the claim holds.
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    claim_token: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[datetime | None]
    lease_expires_at: Mapped[datetime | None]
    #: Set (and committed) after the server accepted the recipient, just before the message
    #: itself goes: a worker that dies after this may or may not have delivered it.
    attempt_started_at: Mapped[datetime | None]
    #: Why it did not go (survey.domain.mail_rules.ERROR_KINDS), and the server's reply
    #: (code and text, any address removed); never the recipient's address.
    error_kind: Mapped[str | None] = mapped_column(String(20))
    last_error: Mapped[str | None] = mapped_column(String(300))
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.kind}{self.sequence or ''} {self.status}>"
