"""Kiosk mode (SPEC §5): a unit's tablet starts a fresh survey for each brukare in turn.

A member of staff starts a kiosk for one unit of an open round; the tablet gets a random
token in a cookie of its own and the table keeps only its digest. Each "Börja" on the tablet
takes one of the unit's invitations that no one has been given (`claim_kiosk_invitation`),
so a kiosk response counts in the unit's response rate like any other. Starting and ending
a kiosk are audited (round and unit, never an invitation). Everything here flushes only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import ClassVar

from sqlalchemy import case, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from survey.domain.passwords import digest
from survey.domain.recipients import RecipientRow
from survey.domain.staff_refusals import StaffRefusal
from survey.domain.tokens import derived_token, new_token
from survey.models import Invitation, KioskSession, Round
from survey.operations import audit
from survey.operations.recipients import import_recipient_rows
from survey.queries.kiosk import claimable
from survey.queries.organisation import path_of

#: The most kiosk invitations one form adds for a unit.
MAX_KIOSK_INVITATIONS = 500
#: A claim that loses a race to another tablet tries the next candidate; this many times.
CLAIM_TRIES = 20


class KioskRefused(StaffRefusal):
    MESSAGES: ClassVar[dict[str, str]] = {
        "round_not_open": "Round {round} is not open today: a kiosk needs an open round.",
        "unit_not_in_round": "{unit} is not one of round {round}'s units.",
        "bad_count": "Add between 1 and {most} invitations.",
        "none_left": "{unit} has no unused invitations left.",
        "round_closed": "Round {round} is closed.",
        "already_added": "These invitations for kiosks were added already.",
    }


@dataclass(frozen=True, slots=True)
class StartedKiosk:
    kiosk_id: int
    #: The secret of the tablet's cookie; never stored.
    token: str
    expires_at: datetime


def _require_open_unit(round_: Round, unit_id: int, today: date) -> None:
    if not round_.is_open_on(today):
        raise KioskRefused("round_not_open", round=round_.code)
    if not any(unit.id == unit_id for unit in round_.units):
        raise KioskRefused("unit_not_in_round", round=round_.code, unit=str(unit_id))


def start_kiosk(
    session: Session,
    round_: Round,
    unit_id: int,
    *,
    user_id: int,
    today: date,
    hours: int,
    now: datetime | None = None,
) -> StartedKiosk:
    """Start a kiosk for one unit of a round that is open today (the caller has checked
    the person's scope). Raises KioskRefused."""
    _require_open_unit(round_, unit_id, today)
    now = now or datetime.now(UTC)
    token = new_token()
    kiosk = KioskSession(
        round_id=round_.id,
        org_node_id=unit_id,
        token_hash=digest(token),
        started_by_id=user_id,
        started_at=now,
        expires_at=now + timedelta(hours=hours),
    )
    session.add(kiosk)
    session.flush()
    audit.record(
        session,
        "kiosk.start",
        user_id=user_id,
        detail={"round": round_.code, "unit": path_of(session, unit_id), "hours": hours},
    )
    return StartedKiosk(kiosk.id, token, kiosk.expires_at)


def end_kiosk(
    session: Session, kiosk: KioskSession, *, user_id: int | None, now: datetime | None = None
) -> bool:
    """End a kiosk: its tablet shows "the kiosk has ended" from now on. `user_id` None means
    it was ended on the tablet itself. Ending one that has ended changes nothing (False)."""
    if kiosk.revoked_at is not None:
        return False
    kiosk.revoked_at = now or datetime.now(UTC)
    kiosk.revoked_by_id = user_id
    session.flush()
    audit.record(
        session,
        "kiosk.end",
        user_id=user_id,
        detail={
            "round": kiosk.round_.code,
            "unit": path_of(session, kiosk.org_node_id),
            "on": "staff_page" if user_id is not None else "tablet",
        },
    )
    return True


@dataclass(frozen=True, slots=True)
class ClaimedInvitation:
    token: str
    short_code: str
    id: int


def claim_kiosk_invitation(
    session: Session, round_id: int, unit_id: int, *, today: date
) -> ClaimedInvitation | None:
    """Take one of the unit's invitations that no one has been given, for the next person
    on a kiosk; None when there is none left.

    Safe with several tablets at once: one conditional UPDATE takes a candidate only if it
    is still untaken (on PostgreSQL the candidate is chosen FOR UPDATE SKIP LOCKED, so two
    tablets pick different rows; on SQLite the write lock serialises them), and a claim
    that finds its candidate taken tries the next. Invitations made for kiosks come first,
    then those without a listed gender (a kiosk survey asks the gender: the list's gender
    belongs to some other person).
    """
    for _ in range(CLAIM_TRIES):
        candidate = (
            select(Invitation.id)
            .where(claimable(round_id, unit_id))
            .order_by(
                case((Invitation.channel == "kiosk", 0), else_=1),
                case((Invitation.gender.is_(None), 0), else_=1),
                Invitation.id,
            )
            .limit(1)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        claimed = session.execute(
            update(Invitation)
            .where(
                Invitation.id == candidate,
                Invitation.handed_out_on.is_(None),
                Invitation.status == "not_started",
            )
            # The list's gender and beställare were someone else's: the person at the
            # tablet gives their own gender, and the response and the response rate go
            # by that, never by the list's (the invitation counts as of unknown gender).
            .values(channel="kiosk", handed_out_on=today, gender=None, bestallare_node_id=None)
            .returning(Invitation.token, Invitation.short_code, Invitation.id)
            .execution_options(synchronize_session=False)
        ).one_or_none()
        if claimed is not None:
            session.flush()
            return ClaimedInvitation(*claimed)
        if (
            session.scalar(select(Invitation.id).where(claimable(round_id, unit_id)).limit(1))
            is None
        ):
            return None
    return None


def add_kiosk_invitations(
    session: Session,
    round_: Round,
    unit_id: int,
    count: int,
    *,
    user_id: int,
    nonce: str | None = None,
    key: bytes = b"",
) -> int:
    """Add `count` invitations (1 to MAX_KIOSK_INVITATIONS) for kiosks of one unit. They
    are never shown or handed out: only a kiosk takes them. Audited as an import with
    channel "kiosk". Raises KioskRefused."""
    if round_.is_closed:
        raise KioskRefused("round_closed", round=round_.code)
    if not 1 <= count <= MAX_KIOSK_INVITATIONS:
        raise KioskRefused("bad_count", most=MAX_KIOSK_INVITATIONS)
    if not any(unit.id == unit_id for unit in round_.units):
        raise KioskRefused("unit_not_in_round", round=round_.code, unit=str(unit_id))
    rows = [
        RecipientRow(row=n, unit_id=unit_id, gender=None, bestallare_id=None, email=None)
        for n in range(1, count + 1)
    ]
    if nonce is None:
        return import_recipient_rows(session, round_, rows, channel="kiosk", user_id=user_id)
    # One form, one addition: the first invitation's token is derived from the form's nonce
    # (under the app's key, so it is as unguessable as any), and a form sent again finds it
    # or collides with it on the unique token (on PostgreSQL after the first has committed).
    first = derived_token(key, nonce, "kiosk-invitations", str(round_.id))
    if session.scalar(select(Invitation.id).where(Invitation.token == first)) is not None:
        raise KioskRefused("already_added")
    try:
        with session.begin_nested():
            return import_recipient_rows(
                session, round_, rows, channel="kiosk", user_id=user_id, first_token=first
            )
    except IntegrityError:
        raise KioskRefused("already_added") from None


def begin_on_kiosk(
    session: Session, kiosk_id: int, round_id: int, unit_id: int, nonce: str, *, today: date
) -> ClaimedInvitation | None:
    """ "Börja" on a kiosk: claim_kiosk_invitation() once per form. The form carries a
    nonce; the first request with it records it on the kiosk (one conditional UPDATE, which
    a second request with the same nonce waits for and then finds done) and takes an
    invitation; the second gets that same invitation back, so a double tap or a re-sent
    form never takes two. None when there is none left."""
    nonce_hash = digest(nonce)
    first = session.execute(
        update(KioskSession)
        .where(
            KioskSession.id == kiosk_id,
            or_(
                KioskSession.begin_nonce_hash.is_(None),
                KioskSession.begin_nonce_hash != nonce_hash,
            ),
        )
        .values(begin_nonce_hash=nonce_hash, begun_invitation_id=None)
        .execution_options(synchronize_session=False)
    )
    if first.rowcount == 0:  # type: ignore[attr-defined]
        # This form was sent before: its survey, unless that one is over by now.
        again = session.execute(
            select(Invitation.token, Invitation.short_code, Invitation.id)
            .join(KioskSession, KioskSession.begun_invitation_id == Invitation.id)
            .where(
                KioskSession.id == kiosk_id,
                Invitation.status.in_(("not_started", "started")),
                Invitation.pending_response_id.is_(None),
            )
        ).one_or_none()
        if again is not None:
            return ClaimedInvitation(*again)
    claimed = claim_kiosk_invitation(session, round_id, unit_id, today=today)
    if claimed is not None:
        session.execute(
            update(KioskSession)
            .where(KioskSession.id == kiosk_id)
            .values(begun_invitation_id=claimed.id)
            .execution_options(synchronize_session=False)
        )
    session.flush()
    return claimed
