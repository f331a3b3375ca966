"""Entering returned paper forms one at a time, by keyboard (the staff entry page).

A typed form is checked (survey.domain.paper_entry), then waits in `staged_import` (kind
"paper", one row) while the page reads every answer back; "Spara" enters it with
survey.operations.paper.import_paper_rows, so a form typed in goes exactly the way a row of
an uploaded file goes: the same checks again, the same claim of its invitation, the same
separate transactions (SPEC §8: the response is never written in the transaction that marks
its invitation answered).

Sent once: the entry form carries a nonce (the staged row's name), so sending the same
typed form again finds the same staged row; saving empties that row in the transaction
that claims the invitation (or, for a form without a code, in the transaction before its
response is written) instead of deleting it, so a second "Spara" — a double click, a reload
that re-posts, the Back button — finds it empty and saves nothing. Emptied rows are deleted
with the other staged uploads after STAGED_LIFETIME.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from survey.domain.paper import PaperRow
from survey.models import Round, StagedImport
from survey.operations.paper import import_paper_rows

#: staged_import.filename of a typed form: this prefix and the form's nonce.
ENTRY_PREFIX = "entry:"
STAGED_LIFETIME = timedelta(hours=1)


class AlreadySaved(Exception):
    """This typed form was saved before (a second send of the same form)."""


@dataclass(frozen=True, slots=True)
class StagedEntry:
    id: uuid.UUID
    row: PaperRow | None

    @property
    def is_saved(self) -> bool:
        return self.row is None


def stage_entry(
    session: Session, round_: Round, *, user_id: int, nonce: str, row: PaperRow
) -> uuid.UUID:
    """Keep a checked form for its read-back; the same nonce again replaces its answers.

    Raises AlreadySaved when the form with this nonce has been saved. Flushes only."""
    now = datetime.now(UTC)
    session.execute(delete(StagedImport).where(StagedImport.created_at < now - STAGED_LIFETIME))
    existing = session.scalar(
        select(StagedImport).where(
            StagedImport.kind == "paper",
            StagedImport.user_id == user_id,
            StagedImport.round_id == round_.id,
            StagedImport.filename == ENTRY_PREFIX + nonce,
        )
    )
    if existing is not None:
        if existing.row_count == 0:
            raise AlreadySaved
        existing.rows = [row.to_dict()]
        session.flush()
        return existing.id
    staged = StagedImport(
        kind="paper",
        round_id=round_.id,
        user_id=user_id,
        created_at=now,
        filename=ENTRY_PREFIX + nonce,
        row_count=1,
        rows=[row.to_dict()],
    )
    session.add(staged)
    session.flush()
    return staged.id


def load_entry(
    session: Session, round_: Round, *, user_id: int, staged_id: str
) -> StagedEntry | None:
    """The person's own typed form of this round, or None (unknown, another person's,
    expired, or an uploaded file's preview)."""
    try:
        key = uuid.UUID(staged_id)
    except ValueError:
        return None
    staged = session.get(StagedImport, key)
    if (
        staged is None
        or staged.kind != "paper"
        or staged.user_id != user_id
        or staged.round_id != round_.id
        or not staged.filename.startswith(ENTRY_PREFIX)
    ):
        return None
    created = staged.created_at
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    if datetime.now(UTC) - created > STAGED_LIFETIME:
        return None
    if staged.row_count == 0 or not staged.rows:
        return StagedEntry(staged.id, None)
    return StagedEntry(staged.id, PaperRow.from_dict(staged.rows[0]))


def save_entry(
    session: Session,
    round_: Round,
    entry: StagedEntry,
    *,
    today: date,
    commit: Callable[[], None],
    user_id: int,
    batch_size: int,
) -> None:
    """Enter the typed form once. Raises AlreadySaved for a form saved before, and
    ImportRejected / UploadRefused as import_paper_rows does (then nothing is committed:
    the caller rolls back, and the form can be saved again once corrected)."""
    if entry.row is None:
        raise AlreadySaved
    # The one conditional UPDATE that lets a single "Spara" through: a second request
    # waits for the first one's row lock (or SQLite's write lock) and then finds it empty.
    emptied = session.execute(
        update(StagedImport)
        .where(StagedImport.id == entry.id, StagedImport.row_count == 1)
        .values(row_count=0, rows=[])
        .execution_options(synchronize_session=False)
    )
    if emptied.rowcount != 1:  # type: ignore[attr-defined]
        raise AlreadySaved
    import_paper_rows(
        session,
        round_,
        [entry.row],
        today=today,
        commit=commit,
        user_id=user_id,
        batch_size=batch_size,
    )
