"""Importing a recipient list into a round, and withdrawing an unused invitation.

`preview_recipients` reads and checks a file without writing anything; the web page shows
its result and stages `RecipientPreview.to_dict()`; `import_recipient_rows` then writes the
staged rows in bulk (one executemany per chunk), all or nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from survey.domain.recipients import (
    RECIPIENT_REQUIRED,
    RecipientPreview,
    RecipientRow,
    validate_recipients,
)
from survey.domain.tabular import ImportRejected, RowError, UploadRefused, read_table
from survey.domain.tokens import new_short_codes, new_token
from survey.models import Invitation, Round
from survey.models.invitation import CHANNELS, GENDERS, WITHDRAW_REASONS
from survey.operations import audit
from survey.operations.bulk import insert_rows
from survey.queries.imports import bestallare_index, round_unit_ids, unit_index_for_round

CHUNK = 1000
INVITATION: Table = Invitation.__table__  # type: ignore[assignment]


def require_importable(round_: Round) -> None:
    """Raises UploadRefused("round_closed") for a closed round."""
    if round_.is_closed:
        raise UploadRefused("round_closed", round=round_.code)


def preview_recipients(
    session: Session, round_: Round, data: bytes, filename: str
) -> RecipientPreview:
    """Read and check an uploaded recipient list; writes nothing.

    Raises UploadRefused for a file refused as a whole (see tabular.read_table) or a closed
    round; row errors are in the preview.
    """
    require_importable(round_)
    table = read_table(data, filename, required=RECIPIENT_REQUIRED)
    return validate_recipients(
        table, unit_index_for_round(session, round_), bestallare_index(session)
    )


def unused_short_codes(session: Session, count: int) -> list[str]:
    """`count` fresh short codes, distinct and not in the table (one IN query per chunk)."""
    codes: set[str] = set()
    while len(codes) < count:
        batch = set(new_short_codes(count - len(codes))) - codes
        taken: set[str] = set()
        ordered = sorted(batch)
        for start in range(0, len(ordered), CHUNK):
            taken.update(
                session.scalars(
                    select(Invitation.short_code).where(
                        Invitation.short_code.in_(ordered[start : start + CHUNK])
                    )
                )
            )
        codes |= batch - taken
    return list(codes)


def import_recipient_rows(
    session: Session,
    round_: Round,
    rows: Sequence[RecipientRow],
    *,
    channel: str = "link",
    user_id: int | None = None,
    first_token: str | None = None,
) -> int:
    """Create one invitation per row, in bulk; returns how many. Flushes, never commits.
    `first_token`: the first invitation's token instead of a random one (a form's key, see
    operations.kiosk.add_kiosk_invitations).

    All or nothing: every row is checked again against the round's units (a staged preview
    may be old), and any failure raises before a single invitation is written (ImportRejected
    with the rows, or UploadRefused("round_closed")). The edge commits.
    """
    require_importable(round_)
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    allowed = round_unit_ids(session, round_)
    stale = [RowError(r.row, "", "unit_not_in_round") for r in rows if r.unit_id not in allowed]
    stale += [
        RowError(r.row, "", "unknown_gender", r.gender)
        for r in rows
        if r.gender is not None and r.gender not in GENDERS
    ]
    if stale:
        raise ImportRejected(stale)
    if not rows:
        return 0
    codes = unused_short_codes(session, len(rows))
    now = datetime.now(UTC)
    values = [
        {
            "round_id": round_.id,
            "org_node_id": row.unit_id,
            "bestallare_node_id": row.bestallare_id,
            "gender": row.gender,
            "channel": channel,
            "token": new_token(),
            "short_code": code,
            "status": "not_started",
            "email": row.email,
            "created_at": now,
            "with_pictures": True,
            "large_text": False,
            "used_read_aloud": False,
        }
        for row, code in zip(rows, codes, strict=True)
    ]
    if first_token is not None:
        values[0]["token"] = first_token
    insert_rows(session, INVITATION, values)
    audit.record(
        session,
        "invitations.import",
        user_id=user_id,
        detail={"round": round_.code, "count": len(values), "channel": channel},
    )
    session.flush()
    return len(values)


class WithdrawRefused(Exception):
    """The invitation cannot be withdrawn: `code` is "not_unused" or "bad_reason"."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def withdraw_invitation(
    session: Session,
    invitation: Invitation,
    reason: str,
    today: date,
    user_id: int | None = None,
) -> None:
    """Withdraw an unused invitation (moved, deceased, declined, duplicate, other).

    It leaves the denominator; its e-mail address is deleted. Only an invitation that was
    never started can be withdrawn (a started one holds answers). The conditional UPDATE
    makes a concurrent start win cleanly. Raises WithdrawRefused.
    """
    if reason not in WITHDRAW_REASONS:
        raise WithdrawRefused("bad_reason")
    done = session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.status == "not_started")
        .values(status="withdrawn", withdrawn_reason=reason, withdrawn_on=today, email=None)
        .execution_options(synchronize_session="fetch")
    )
    if done.rowcount == 0:  # type: ignore[attr-defined]
        raise WithdrawRefused("not_unused")
    audit.record(
        session,
        "invitation.withdraw",
        user_id=user_id,
        detail={"round": invitation.round_.code, "invitation": invitation.id, "reason": reason},
    )
    session.flush()
