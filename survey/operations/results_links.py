"""Making and revoking results links (results back to the brukare, SPEC §6).

A link shows one unit's easy-read results without signing in. Its token is shown once, when
it is made; only its SHA-256 digest is stored (as for password reset links), so a lost link
is revoked and replaced, never shown again. Both actions are audited and flush only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.domain.passwords import digest
from survey.domain.staff_refusals import StaffRefusal
from survey.domain.tokens import derived_token
from survey.models import Round
from survey.models.results_link import ResultsLink
from survey.operations import audit
from survey.queries.organisation import path_of

TREES = ("utforare", "bestallare")


class ResultsLinkRefused(StaffRefusal):
    MESSAGES: ClassVar[dict[str, str]] = {
        "round_draft": "Round {round} is a draft: it has no results to show yet.",
        "unknown_tree": "Unknown hierarchy {tree!r} (utforare or bestallare).",
        "revoked": "That link was revoked; make a new one.",
    }


@dataclass(frozen=True, slots=True)
class MadeLink:
    link_id: int
    #: The secret of the link's address; shown once and never stored.
    token: str
    #: False when the same form had already made this link (a double click, a resent form).
    is_new: bool


def make_results_link(
    session: Session,
    round_: Round,
    *,
    tree: str,
    node_id: int,
    user_id: int,
    key: bytes,
    nonce: str,
    now: datetime | None = None,
) -> MadeLink:
    """A new results link for one unit of a round (the caller has checked the person's scope).

    The token is derived from the form's nonce (survey.domain.tokens.derived_token), so the
    same form sent twice gives back the same link instead of a second one. Refuses a draft
    round, and a form whose link has been revoked since.
    """
    if round_.is_draft:
        raise ResultsLinkRefused("round_draft", round=round_.code)
    if tree not in TREES:
        raise ResultsLinkRefused("unknown_tree", tree=tree)
    token = derived_token(key, nonce, "results-link", str(round_.id), tree, str(node_id))
    hashed = digest(token)
    existing = session.scalar(select(ResultsLink).where(ResultsLink.token_hash == hashed))
    if existing is not None:
        if existing.revoked_at is not None:
            raise ResultsLinkRefused("revoked")
        return MadeLink(existing.id, token, is_new=False)
    link = ResultsLink(
        round_id=round_.id,
        tree=tree,
        org_node_id=node_id,
        token_hash=hashed,
        created_by_id=user_id,
        created_at=now or datetime.now(UTC),
    )
    session.add(link)
    session.flush()
    audit.record(
        session,
        "results_link.create",
        user_id=user_id,
        detail={"round": round_.code, "by": tree, "unit": path_of(session, node_id)},
    )
    return MadeLink(link.id, token, is_new=True)


def revoke_results_link(
    session: Session, link: ResultsLink, *, user_id: int, now: datetime | None = None
) -> bool:
    """Revoke a link: its address shows the "cannot find" page from now on. Revoking one
    that is already revoked changes nothing (False) and is not audited again."""
    if link.revoked_at is not None:
        return False
    link.revoked_at = now or datetime.now(UTC)
    link.revoked_by_id = user_id
    session.flush()
    audit.record(
        session,
        "results_link.revoke",
        user_id=user_id,
        detail={
            "round": link.round_.code,
            "by": link.tree,
            "unit": path_of(session, link.org_node_id),
        },
    )
    return True
