"""The e-mail outbox, write side: queue invitations and reminders, claim due messages, record
what happened, retry failed ones, cancel a closed round's. Flush only; the edge commits
(the CLI and the staff page for queueing, survey/mail/worker.py between each step of sending).

Queueing is one INSERT … SELECT per call that skips what exists (the unique key
invitation, kind, sequence), so running it twice, a double click or two people at once
queue each message once. The claim is one conditional UPDATE (on PostgreSQL over rows
picked with FOR UPDATE SKIP LOCKED), so two workers never hold the same row.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import DateTime, Integer, and_, literal, or_, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from survey.domain import mail_rules as rules
from survey.models import OutboxMessage, Round
from survey.operations.audit import record
from survey.queries.outbox import invitation_candidates, reminder_candidates


def check_round_takes_mail(round_: Round, today: date) -> None:
    """Refuse (MailRefused) a round that is closed, a draft, not yet open or past its end."""
    if round_.is_closed:
        raise rules.MailRefused("round_closed", round=round_.code)
    if round_.is_draft:
        raise rules.MailRefused("round_draft", round=round_.code)
    if today < round_.opens_on:
        raise rules.MailRefused(
            "round_not_open_yet", round=round_.code, opens=round_.opens_on.isoformat()
        )
    if today > round_.closes_on:
        raise rules.MailRefused(
            "round_ended", round=round_.code, closes=round_.closes_on.isoformat()
        )


def _insert_ignoring_duplicates(session: Session):  # type: ignore[no-untyped-def]
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(OutboxMessage)


def queue_invitations(
    session: Session,
    round_: Round,
    *,
    today: date,
    now: datetime,
    unit_ids: Collection[int] | None = None,
    user_id: int | None = None,
) -> int:
    """Queue the invitation message of every invitation of the round (in `unit_ids`, or all)
    that has an address, can still answer and has no invitation message yet. Returns how
    many. The invitation is marked handed out when its message is sent, not now.
    """
    check_round_takes_mail(round_, today)
    candidates = invitation_candidates(round_.id, unit_ids).subquery()
    source = select(
        literal(round_.id, Integer),
        candidates.c.id,
        candidates.c.org_node_id,
        literal("invitation"),
        literal(0, Integer),
        *_queued(now, user_id),
    )
    return _queue(session, round_, source, "invitation", unit_ids, user_id)


def queue_reminders(
    session: Session,
    round_: Round,
    *,
    today: date,
    now: datetime,
    unit_ids: Collection[int] | None = None,
    user_id: int | None = None,
) -> int:
    """Queue the next reminder (number n + 1) to every invitation of the round (in
    `unit_ids`, or all) that has an address, has not answered, was sent its invitation,
    has nothing queued, being sent or failed, and was last sent a message at least
    REMINDER_GAP ago (survey.queries.outbox.reminder_candidates). Returns how many."""
    check_round_takes_mail(round_, today)
    candidates = reminder_candidates(round_.id, unit_ids, now).subquery()
    number = list(candidates.c)[2]
    source = select(
        literal(round_.id, Integer),
        candidates.c.id,
        candidates.c.org_node_id,
        literal("reminder"),
        number,
        *_queued(now, user_id),
    )
    return _queue(session, round_, source, "reminder", unit_ids, user_id)


def _queued(now: datetime, user_id: int | None):  # type: ignore[no-untyped-def]
    when = literal(now, DateTime(timezone=True))
    return (literal("queued"), literal(0, Integer), when, when, literal(user_id, Integer))


def _queue(session, round_, source, kind, unit_ids, user_id) -> int:  # type: ignore[no-untyped-def]
    columns = [
        "round_id",
        "invitation_id",
        "org_node_id",
        "kind",
        "sequence",
        "status",
        "attempts",
        "next_attempt_at",
        "created_at",
        "created_by",
    ]
    # "WHERE true": SQLite would otherwise read ON CONFLICT as the join's ON.
    statement = (
        _insert_ignoring_duplicates(session)
        .from_select(columns, source.where(true()))
        .on_conflict_do_nothing(index_elements=["invitation_id", "kind", "sequence"])
    )
    # The rows inserted, counted (psycopg reports no row count for INSERT … SELECT here).
    queued = len(session.connection().execute(statement.returning(OutboxMessage.id)).all())
    session.flush()
    if queued:
        record(
            session,
            f"mail.queue_{kind}s",
            user_id=user_id,
            detail={
                "round": round_.code,
                "count": queued,
                "units": "all" if unit_ids is None else len(unit_ids),
            },
        )
    return queued


# --- Sending: the worker's steps (survey/mail/worker.py commits after each) -------------


@dataclass(frozen=True, slots=True)
class Claimed:
    """One claimed message and what is needed to write it (no address yet)."""

    id: int
    kind: str
    sequence: int
    invitation_id: int | None


def release_expired(session: Session, now: datetime) -> tuple[int, int]:
    """Give back the claims of workers that stopped: a message not yet begun goes back to
    the queue; one the server was receiving when the worker stopped may have arrived, so it
    is failed as "interrupted" for a person to check and retry (never sent again by itself).
    Returns (requeued, interrupted)."""
    expired = and_(OutboxMessage.status == "sending", OutboxMessage.lease_expires_at < now)
    requeued = session.execute(
        update(OutboxMessage)
        .where(expired, OutboxMessage.attempt_started_at.is_(None))
        .values(status="queued", claimed_by=None, claim_token=None, lease_expires_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    interrupted = session.execute(
        update(OutboxMessage)
        .where(expired, OutboxMessage.attempt_started_at.is_not(None))
        .values(
            status="failed",
            error_kind="interrupted",
            last_error=None,
            attempts=OutboxMessage.attempts + 1,
            lease_expires_at=None,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    return requeued or 0, interrupted or 0


def claim_due(
    session: Session,
    *,
    worker: str,
    now: datetime,
    limit: int,
    lease: timedelta,
    round_id: int | None = None,
    unit_ids: Collection[int] | None = None,
) -> tuple[str, list[Claimed]]:
    """Claim up to `limit` due queued messages (oldest first) for `worker` until now + lease.

    One conditional UPDATE, so of two workers each row goes to one: on PostgreSQL the rows
    are picked with FOR UPDATE SKIP LOCKED (a second worker takes the next ones instead of
    waiting); SQLite lets one writer at a time, and `status = 'queued'` is checked again in
    the UPDATE itself. The rows this call won carry its own random claim token, which is
    returned with them.
    """
    token = secrets.token_hex(16)
    pick = (
        select(OutboxMessage.id)
        .where(OutboxMessage.status == "queued", OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )
    if round_id is not None:
        pick = pick.where(OutboxMessage.round_id == round_id)
    if unit_ids is not None:
        pick = pick.where(OutboxMessage.org_node_id.in_(sorted(unit_ids)))
    if session.get_bind().dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(pick.scalar_subquery()), OutboxMessage.status == "queued")
        .values(
            status="sending",
            claimed_by=worker[:80],
            claim_token=token,
            claimed_at=now,
            lease_expires_at=now + lease,
            attempt_started_at=None,
        )
        .execution_options(synchronize_session=False)
    )
    rows = session.execute(
        select(
            OutboxMessage.id,
            OutboxMessage.kind,
            OutboxMessage.sequence,
            OutboxMessage.invitation_id,
        )
        .where(OutboxMessage.claim_token == token, OutboxMessage.status == "sending")
        .order_by(OutboxMessage.id)
    ).all()
    return token, [Claimed(*row) for row in rows]


def _mine(message_id: int, token: str):  # type: ignore[no-untyped-def]
    return and_(
        OutboxMessage.id == message_id,
        OutboxMessage.claim_token == token,
        OutboxMessage.status == "sending",
    )


def begin_attempt(
    session: Session, message_id: int, token: str, now: datetime, lease: timedelta
) -> bool:
    """Mark the message as going to the server now (committed before its DATA is sent).
    False: the claim is no longer this worker's (it took too long and was given back)."""
    done = session.execute(
        update(OutboxMessage)
        .where(_mine(message_id, token))
        .values(attempt_started_at=now, lease_expires_at=now + lease)
        .execution_options(synchronize_session=False)
    ).rowcount
    return done == 1


def mark_sent(session: Session, message_id: int, token: str, now: datetime) -> bool:
    """The server accepted the message. Also after the claim was taken for "interrupted"
    by another worker: it did arrive, and that is what the log must say."""
    done = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.claim_token == token,
            or_(
                OutboxMessage.status == "sending",
                and_(OutboxMessage.status == "failed", OutboxMessage.error_kind == "interrupted"),
            ),
        )
        .values(
            status="sent",
            sent_at=now,
            error_kind=None,
            last_error=None,
            claim_token=None,
            lease_expires_at=None,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    return done == 1


def mark_failed(
    session: Session,
    message_id: int,
    token: str,
    now: datetime,
    *,
    error_kind: str,
    reason: str = "",
    transient: bool,
) -> str:
    """Record a failed attempt: a transient one goes back to the queue after the back-off
    (or fails for good after MAX_ATTEMPTS), a permanent one fails at once. Returns the new
    status ("queued" or "failed"; "" when the claim was no longer this worker's)."""
    message = session.get(OutboxMessage, message_id, populate_existing=True)
    if message is None or message.claim_token != token or message.status != "sending":
        return ""
    attempts = message.attempts + 1
    retry_at = rules.next_attempt(attempts, now) if transient else None
    values: dict[str, object] = {
        "attempts": attempts,
        "last_error": reason[: rules.REASON_LENGTH] or None,
        "claim_token": None,
        "lease_expires_at": None,
        "attempt_started_at": None,
    }
    if retry_at is not None:
        values.update(status="queued", next_attempt_at=retry_at, error_kind=error_kind)
    else:
        values.update(status="failed", error_kind="gave_up" if transient else error_kind)
    session.execute(
        update(OutboxMessage)
        .where(_mine(message_id, token))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return str(values["status"])


def mark_cancelled(session: Session, message_id: int, token: str, reason_kind: str) -> None:
    """The message need not go (answered, withdrawn, round closed or ended, no address)."""
    session.execute(
        update(OutboxMessage)
        .where(_mine(message_id, token))
        .values(status="cancelled", error_kind=reason_kind, claim_token=None, lease_expires_at=None)
        .execution_options(synchronize_session=False)
    )


def release(session: Session, message_ids: Collection[int], token: str) -> None:
    """Give unsent claimed messages back to the queue at once (a batch that ran out of time
    or lost its connection before reaching them), without counting an attempt."""
    if not message_ids:
        return
    session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(sorted(message_ids)),
            OutboxMessage.claim_token == token,
            OutboxMessage.status == "sending",
            OutboxMessage.attempt_started_at.is_(None),
        )
        .values(status="queued", claimed_by=None, claim_token=None, lease_expires_at=None)
        .execution_options(synchronize_session=False)
    )


# --- People's actions on failed messages, and round close ------------------------------


def retry_failed(
    session: Session,
    round_: Round,
    *,
    now: datetime,
    today: date,
    message_ids: Collection[int] | None = None,
    unit_ids: Collection[int] | None = None,
    user_id: int | None = None,
) -> int:
    """Queue failed messages of the round again, due now, with a fresh count of attempts
    (a person checked the address or the server). `message_ids` None: every failed one in
    `unit_ids`. Returns how many; a message that is no longer failed is left alone."""
    check_round_takes_mail(round_, today)
    conditions = [OutboxMessage.round_id == round_.id, OutboxMessage.status == "failed"]
    if message_ids is not None:
        conditions.append(OutboxMessage.id.in_(sorted(message_ids)))
    if unit_ids is not None:
        conditions.append(OutboxMessage.org_node_id.in_(sorted(unit_ids)))
    retried = (
        session.execute(
            update(OutboxMessage)
            .where(*conditions)
            .values(
                status="queued",
                attempts=0,
                next_attempt_at=now,
                claim_token=None,
                lease_expires_at=None,
                attempt_started_at=None,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        or 0
    )
    session.flush()
    if retried:
        record(
            session,
            "mail.retry",
            user_id=user_id,
            detail={"round": round_.code, "count": retried},
        )
    return retried


def close_round_mail(session: Session, round_id: int) -> int:
    """Round close: cancel what has not gone (queued, failed, claimed but not begun) and
    forget whose each message was, so the log keeps its counts and no reminder history
    (who had not answered by when) outlives the round. Returns how many were cancelled."""
    cancelled = (
        session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.round_id == round_id,
                or_(
                    OutboxMessage.status.in_(("queued", "failed")),
                    and_(
                        OutboxMessage.status == "sending",
                        OutboxMessage.attempt_started_at.is_(None),
                    ),
                ),
            )
            .values(
                status="cancelled",
                error_kind="round_closed",
                claim_token=None,
                lease_expires_at=None,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        or 0
    )
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.round_id == round_id)
        .values(invitation_id=None)
        .execution_options(synchronize_session=False)
    )
    return cancelled
