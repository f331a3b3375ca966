"""Issuing invitations with their credentials."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from survey.domain.round_rules import check_invitation
from survey.domain.tokens import new_short_code, new_token
from survey.models import Invitation, OrgNode, Round


@dataclass(frozen=True, slots=True)
class IssuedInvitation:
    invitation_id: int
    token: str
    short_code: str


def _unused_code(session: Session) -> str:
    # 20^8 codes; a clash is rare, but the unique constraint must never be the one to find it.
    while True:
        code = new_short_code()
        if session.scalar(select(Invitation.id).where(Invitation.short_code == code)) is None:
            return code


def issue_invitation(
    session: Session,
    round_: Round,
    unit: OrgNode,
    *,
    gender: str | None = None,
    bestallare: OrgNode | None = None,
    email: str | None = None,
    channel: str = "link",
    handed_out_on: date | None = None,
) -> IssuedInvitation:
    """Create one invitation with a fresh token and short code.

    `handed_out_on`: the day its link or code is given to the person (made on the spot);
    None leaves it for a letter or e-mail to give, or for a kiosk to take.

    Refuses (InvitationRefused) a closed round, and a unit that is not one of the round's.
    `handed_out_on`: the day its code is given to someone (see Invitation.handed_out_on);
    None keeps it unused, for a kiosk.
    """
    in_round = unit.id is not None and any(u.id == unit.id for u in round_.units)
    if round_.is_closed or not in_round:
        check_invitation(
            round_code=round_.code,
            round_closed=round_.is_closed,
            unit_path=unit.path(),
            unit_in_round=in_round,
        )
    invitation = Invitation(
        round_=round_,
        unit=unit,
        gender=gender,
        bestallare=bestallare,
        email=email,
        channel=channel,
        token=new_token(),
        short_code=_unused_code(session),
        status="not_started",
        created_at=datetime.now(UTC),
        handed_out_on=handed_out_on,
    )
    session.add(invitation)
    session.flush()
    return IssuedInvitation(invitation.id, invitation.token, invitation.short_code)


def mark_handed_out(
    session: Session, invitation_ids: Iterable[int], channel: str, today: date
) -> int:
    """Record that these invitations' codes were given out (printed, sent, shown) today by
    `channel`; the first day and channel stay when one is handed out again (a reprint, a
    reminder). Returns how many were given out for the first time."""
    ids = list(invitation_ids)
    marked = 0
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        result = session.execute(
            update(Invitation)
            .where(Invitation.id.in_(chunk), Invitation.handed_out_on.is_(None))
            .values(handed_out_on=today, channel=channel)
            .execution_options(synchronize_session=False)
        )
        marked += result.rowcount or 0  # type: ignore[attr-defined]
    session.flush()
    return marked


class TakenByKiosk(Exception):
    """Some invitations of a print run were taken by a kiosk while the PDF was being made:
    their codes now belong to a person at the tablet and must not go out on paper too."""

    def __init__(self, count: int) -> None:
        super().__init__(count)
        self.count = count

    def __str__(self) -> str:  # the command line's one line; staff pages have their own
        return (
            f"a kiosk took {self.count} of these invitations while the PDF was made; "
            "nothing was written: run the command again"
        )


def hand_out_printed(
    session: Session, invitation_ids: Iterable[int], channel: str, today: date
) -> int:
    """mark_handed_out() for letters, code cards and personal paper forms, which are chosen
    and drawn before they are recorded: raises TakenByKiosk when a kiosk took one of them in
    between (the caller rolls back and prints again). Once this has flushed, no kiosk can
    take them: the rows carry the day (on PostgreSQL they stay locked until the commit)."""
    ids = list(invitation_ids)
    first = mark_handed_out(session, ids, channel, today)
    taken = 0
    for start in range(0, len(ids), 500):
        taken += (
            session.scalar(
                select(func.count()).where(
                    Invitation.id.in_(ids[start : start + 500]), Invitation.channel == "kiosk"
                )
            )
            or 0
        )
    if taken:
        raise TakenByKiosk(taken)
    return first
