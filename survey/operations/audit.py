"""Writing the audit log: sign-ins (also failed ones), exports and every change to rounds,
invitations, organisation, users and targets. One row per event, in the caller's transaction,
so a change and its audit row land together or not at all."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from survey.models import AuditEvent


def record(
    session: Session,
    action: str,
    *,
    user_id: int | None = None,
    detail: Mapping[str, object] | None = None,
    ip_address: str | None = None,
) -> AuditEvent:
    """Add one audit event, e.g. record(s, "round.create", user_id=3, detail={"round": "DV-2026"}).

    `action` is a dotted verb ("login.failed", "invitations.import", "org.move"). `detail`
    must never hold answers or anything that links a response to a person; it may hold
    codes, counts and unit paths. The address is kept only for sign-in events.
    """
    event = AuditEvent(
        at=datetime.now(UTC),
        user_id=user_id,
        action=action,
        detail=dict(detail or {}),
        ip_address=ip_address,
    )
    session.add(event)
    session.flush()
    return event
