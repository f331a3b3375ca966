"""Finding invitations by link token or typed code."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.domain.tokens import looks_like_token, normalise_code
from survey.errors import UnknownToken
from survey.models import Invitation


def get_invitation_by_token(session: Session, token: str) -> Invitation:
    """The invitation behind a link; raises UnknownToken (404) for anything else."""
    if not looks_like_token(token):
        raise UnknownToken
    invitation = session.scalar(select(Invitation).where(Invitation.token == token))
    if invitation is None:
        raise UnknownToken
    return invitation


def find_invitation_by_code(session: Session, typed: str) -> Invitation | None:
    """The invitation for a typed short code, ignoring case, spaces and dashes."""
    code = normalise_code(typed)
    if code is None:
        return None
    return session.scalar(select(Invitation).where(Invitation.short_code == code))
