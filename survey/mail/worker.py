"""Work through the outbox: one bounded batch at a time, committing after every step.

A message moves queued → sending (claimed, with a lease) → sent, or back to queued after a
transient failure (with back-off), or to failed (the server refused it for good, or after
MAX_ATTEMPTS) or cancelled (no longer needed). Per message, in order, each committed:

1. the claim (the whole batch at once);
2. after the server has accepted the recipient and just before the message itself goes:
   `attempt_started_at`;
3. after the server's "250" to the message: sent (and the invitation handed out).

SMTP has no transactions, so one window is honestly unknown: a worker killed between 2 and
3 (the server was receiving that one message) may or may not have delivered it. Such a
message is never sent again by itself: when its lease runs out it becomes failed
"interrupted", which the page shows, and a person decides whether to send it again (with
the same Message-ID, so a duplicate can be told). A message claimed but not yet at step 2
goes back to the queue when the lease runs out; nothing is lost and nothing is sent twice.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.clock import local_today
from survey.domain.mail_rules import looks_like_address
from survey.mail.compose import build_message, write_letter
from survey.mail.transport import Rejected, Transport, Unreachable, make_transport
from survey.models import Insats, Invitation, Round
from survey.operations import outbox as ops
from survey.operations.invitations import mark_handed_out
from survey.settings import Settings

DEFAULT_BATCH = 100


@dataclass
class BatchResult:
    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    cancelled: int = 0
    #: Claimed but not reached (time ran out, or the server went away): back in the queue.
    released: int = 0
    #: Claims of stopped workers given back (requeued) or failed as interrupted.
    recovered: int = 0
    interrupted: int = 0
    #: Why the batch stopped early: the server could not be reached (one line, no address).
    problem: str | None = None
    reasons: list[str] = field(default_factory=list)

    def __iadd__(self, other: BatchResult) -> BatchResult:
        for name in (
            "claimed",
            "sent",
            "retrying",
            "failed",
            "cancelled",
            "released",
            "recovered",
            "interrupted",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.problem = other.problem or self.problem
        self.reasons += other.reasons
        return self


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class _Facts:
    email: str | None
    token: str
    short_code: str
    status: str
    round_closed: bool
    round_closes_on: object
    survey_type: str
    organiser: str
    help_contact: str


def _facts(session: Session, invitation_ids: list[int]) -> dict[int, _Facts]:
    rows = session.execute(
        select(
            Invitation.id,
            Invitation.email,
            Invitation.token,
            Invitation.short_code,
            Invitation.status,
            Round.is_closed,
            Round.closes_on,
            Round.survey_type,
            Round.organiser,
            Round.help_contact,
        )
        .join(Round, Round.id == Invitation.round_id)
        .where(Invitation.id.in_(invitation_ids))
    ).all()
    return {row[0]: _Facts(*row[1:]) for row in rows}


def _why_not(facts: _Facts | None, today) -> str | None:  # type: ignore[no-untyped-def]
    """The cancel reason of a message that need no longer go, else None."""
    if facts is None:
        return "no_address"
    if facts.round_closed:
        return "round_closed"
    if today > facts.round_closes_on:
        return "round_ended"
    if facts.status == "withdrawn":
        return "withdrawn"
    if facts.status == "submitted":
        return "answered"
    if not facts.email:
        return "no_address"
    return None


def send_batch(
    session: Session,
    *,
    limit: int = DEFAULT_BATCH,
    round_id: int | None = None,
    unit_ids: Collection[int] | None = None,
    seconds: float | None = None,
    transport: Transport | None = None,
    worker: str | None = None,
) -> BatchResult:
    """Claim up to `limit` due messages (of one round, and its units, if given) and send
    them over one connection; stop after `seconds` (the rest go back to the queue)."""
    settings: Settings = current_app.extensions["survey.settings"]
    lease = timedelta(seconds=settings.mail_lease_seconds)
    started = time.monotonic()
    worker = worker or worker_name()
    result = BatchResult()
    now = _now()
    result.recovered, result.interrupted = ops.release_expired(session, now)
    session.commit()
    token, claimed = ops.claim_due(
        session,
        worker=worker,
        now=now,
        limit=limit,
        lease=lease,
        round_id=round_id,
        unit_ids=unit_ids,
    )
    session.commit()
    result.claimed = len(claimed)
    if not claimed:
        return result
    facts = _facts(session, [c.invitation_id for c in claimed if c.invitation_id is not None])
    session.commit()
    telling = tuple(name for name in session.scalars(select(Insats.name_sv)) if name)
    session.commit()
    transport = transport or make_transport(settings)
    today = local_today()
    remaining = [c.id for c in claimed]
    # A delivered message is marked sent (and its invitation handed out) in a commit of its
    # own at once: were it left for the next message's commit, a worker killed while the
    # server thinks about the next recipient would leave a delivered message "begun".
    delivered: list[ops.Claimed] = []

    def commit() -> None:
        for done in delivered:
            ops.mark_sent(session, done.id, token, _now())
            if done.kind == "invitation" and done.invitation_id is not None:
                mark_handed_out(session, [done.invitation_id], "email", today)
        session.commit()
        result.sent += len(delivered)
        delivered.clear()

    try:
        with force_locale(settings.default_locale):
            for message in claimed:
                if seconds is not None and time.monotonic() - started > seconds:
                    break
                remaining.remove(message.id)
                outcome = _send_one(
                    session,
                    settings,
                    transport,
                    message,
                    facts,
                    telling,
                    token,
                    lease,
                    today,
                    commit,
                )
                if outcome == "sent":
                    delivered.append(message)
                    commit()
                elif isinstance(outcome, Unreachable):
                    result.problem = outcome.reason
                    # The server is away for every message of the batch: each counts an
                    # attempt and waits its back-off, so a long outage ends in "failed",
                    # not a busy loop.
                    for message_id in [message.id, *remaining]:
                        status = ops.mark_failed(
                            session,
                            message_id,
                            token,
                            _now(),
                            error_kind="unreachable",
                            reason=outcome.reason,
                            transient=True,
                        )
                        _count(result, status, outcome.reason)
                    remaining = []
                    commit()
                    break
                elif outcome == "cancelled":
                    result.cancelled += 1
                elif outcome != "skipped":
                    _count(result, *outcome)
    finally:
        if remaining:
            ops.release(session, remaining, token)
            result.released += len(remaining)
        commit()
        transport.close()
    return result


def _send_one(
    session: Session,
    settings: Settings,
    transport: Transport,
    message: ops.Claimed,
    facts: dict[int, _Facts],
    telling: tuple[str, ...],
    token: str,
    lease: timedelta,
    today,  # type: ignore[no-untyped-def]
    commit,  # type: ignore[no-untyped-def]
):  # type: ignore[no-untyped-def]
    """Send one claimed message. Returns "sent" (not yet committed), "cancelled",
    "skipped" (no longer ours), (status, reason) of a failure, or an Unreachable."""
    fact = facts.get(message.invitation_id) if message.invitation_id else None
    why_not = _why_not(fact, today)
    if why_not is not None:
        ops.mark_cancelled(session, message.id, token, why_not)
        commit()
        return "cancelled"
    assert fact is not None  # noqa: S101
    assert fact.email is not None  # noqa: S101
    if not looks_like_address(fact.email):
        status = ops.mark_failed(
            session, message.id, token, _now(), error_kind="invalid_address", transient=False
        )
        commit()
        return (status, "")
    letter = write_letter(
        kind=message.kind,
        survey_type=fact.survey_type,
        organiser=fact.organiser,
        help_contact=fact.help_contact,
        closes_on=fact.round_closes_on,  # type: ignore[arg-type]
        token=fact.token,
        short_code=fact.short_code,
        language=settings.default_locale,
    )
    email = build_message(
        letter,
        to=fact.email,
        outbox_id=message.id,
        organiser=fact.organiser,
        settings=settings,
        telling=telling,
    )

    def begin() -> bool:
        began = ops.begin_attempt(session, message.id, token, _now(), lease)
        commit()
        return began

    try:
        if not transport.send(email, fact.email, begin):
            return "skipped"
    except Rejected as rejected:
        status = ops.mark_failed(
            session,
            message.id,
            token,
            _now(),
            error_kind="deferred" if rejected.transient else "rejected",
            reason=rejected.reason,
            transient=rejected.transient,
        )
        commit()
        return (status, rejected.reason)
    except Unreachable as unreachable:
        return unreachable
    return "sent"


def _count(result: BatchResult, status: str, reason: str) -> None:
    if status == "queued":
        result.retrying += 1
    elif status == "failed":
        result.failed += 1
    if reason and reason not in result.reasons:
        result.reasons.append(reason)


def send_all_due(
    session: Session,
    *,
    limit: int = DEFAULT_BATCH,
    round_id: int | None = None,
    max_batches: int = 10_000,
) -> BatchResult:
    """Batches until nothing is due (or the server is away): for `mail send --loop`."""
    total = BatchResult()
    for _ in range(max_batches):
        result = send_batch(session, limit=limit, round_id=round_id)
        total += result
        if result.claimed == 0 or result.problem is not None:
            break
    return total
