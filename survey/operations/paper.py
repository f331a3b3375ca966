"""Importing returned paper forms (SPEC §7 `responses import`) as anonymous responses.

`preview_paper` reads and checks a file without writing; `import_paper_rows` writes the
responses, their answers and comments in bulk, and marks the invitations whose printed
code was on a form as submitted (their unfinished online drafts are deleted: the paper
form is what the person sent). All or nothing, in the caller's one transaction.

Unlinkability (SPEC §8): the responses get random ids and only the ISO week, and are
inserted in the order of those random ids, never in file order. They are written in the
same transaction that marks the coded invitations answered, because the import must be
all or nothing; on PostgreSQL that transaction id is shared by every response of the file
and every coded invitation of it, so it says which group of forms came with which group
of codes, not which form is whose, as long as a file holds more than one coded form.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from survey.domain.paper import (
    PAPER_REQUIRED,
    PaperPreview,
    PaperRow,
    paper_aliases,
    paper_codes,
    validate_paper,
)
from survey.domain.question_banks import load_bank
from survey.domain.tabular import ImportRejected, RowError, read_table
from survey.models import Answer, DraftAnswer, FreeTextComment, Invitation, Round, SurveyResponse
from survey.models.invitation import GENDERS
from survey.operations import audit
from survey.operations.bulk import insert_rows
from survey.operations.recipients import require_importable
from survey.operations.responses import clean_free_text
from survey.queries.imports import (
    bestallare_index,
    code_infos,
    round_unit_ids,
    unit_index_for_round,
)

CHUNK = 1000


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def preview_paper(session: Session, round_: Round, data: bytes, filename: str) -> PaperPreview:
    """Read and check a file of paper forms; writes nothing.

    Raises UploadRefused for a file refused as a whole (including a column that is not a
    question of the round's bank: unknown_question_column) or a closed round.
    """
    require_importable(round_)
    bank = load_bank(round_.survey_type, round_.bank_version)
    table = read_table(data, filename, aliases=paper_aliases(bank), required=PAPER_REQUIRED)
    return validate_paper(
        table,
        bank,
        round_id=round_.id,
        units=unit_index_for_round(session, round_),
        bestallare=bestallare_index(session),
        codes=code_infos(session, paper_codes(table)),
        ask_free_text=round_.ask_free_text,
    )


def import_paper_rows(
    session: Session,
    round_: Round,
    rows: Sequence[PaperRow],
    *,
    today: date,
    user_id: int | None = None,
) -> int:
    """Write one anonymous response per form; returns how many. Flushes, never commits.

    First the coded invitations are claimed with one conditional UPDATE (status not yet
    submitted or withdrawn); if fewer rows change than there are codes, another import or
    an online submit got there first and ImportRejected names those rows (the edge rolls
    back). On PostgreSQL the UPDATE's row locks make a concurrent import of the same code
    wait and then find it taken.
    """
    require_importable(round_)
    bank = load_bank(round_.survey_type, round_.bank_version)
    allowed_units = round_unit_ids(session, round_)
    rated = {question.code for question in bank.questions}
    stale = [
        RowError(r.row, "", "unit_not_in_round") for r in rows if r.unit_id not in allowed_units
    ]
    stale += [
        RowError(r.row, code, "bad_option", value)
        for r in rows
        for code, value in r.answers.items()
        if code not in rated
    ]
    stale += [
        RowError(r.row, "", "unknown_gender", r.gender) for r in rows if r.gender not in GENDERS
    ]
    if stale:
        raise ImportRejected(stale)
    if not rows:
        return 0
    _claim_invitations(session, round_, rows)
    week = iso_week(today)
    forms = sorted(((uuid.uuid4(), row) for row in rows), key=lambda pair: pair[0])
    responses = [
        {
            "id": response_id,
            "round_id": round_.id,
            "org_node_id": row.unit_id,
            "bestallare_node_id": row.bestallare_id,
            "gender": row.gender,
            "answered_by": row.answered_by,
            "helper": row.helper if row.answered_by == "med_hjalp" else None,
            "with_pictures": True,
            "large_text": False,
            "used_read_aloud": False,
            "auto_submitted": False,
            "submitted_week": week,
        }
        for response_id, row in forms
    ]
    answers = [
        {"survey_response_id": response_id, "question_code": code, "value": value}
        for response_id, row in forms
        for code, value in sorted(row.answers.items())
    ]
    comments = [
        {"id": uuid.uuid4(), "survey_response_id": response_id, "text": text, "is_released": False}
        for response_id, row in forms
        if row.comment and (text := clean_free_text(row.comment))
    ]
    for model, values in (
        (SurveyResponse, responses),
        (Answer, answers),
        (FreeTextComment, comments),
    ):
        insert_rows(session, model.__table__, values)  # type: ignore[arg-type]
    audit.record(
        session,
        "responses.import",
        user_id=user_id,
        detail={
            "round": round_.code,
            "count": len(rows),
            "coded": sum(1 for r in rows if r.invitation_id is not None),
        },
    )
    session.flush()
    return len(rows)


def _claim_invitations(session: Session, round_: Round, rows: Sequence[PaperRow]) -> None:
    coded = {r.invitation_id: r.row for r in rows if r.invitation_id is not None}
    if not coded:
        return
    ids = sorted(coded)
    claimed: set[int] = set()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        claimed.update(
            session.scalars(
                update(Invitation)
                .where(
                    Invitation.id.in_(chunk),
                    Invitation.round_id == round_.id,
                    Invitation.status.not_in(("submitted", "withdrawn")),
                    Invitation.pending_response_id.is_(None),
                )
                .values(
                    status="submitted",
                    with_pictures=True,
                    large_text=False,
                    used_read_aloud=False,
                )
                .returning(Invitation.id)
                .execution_options(synchronize_session=False)
            )
        )
    lost = [invitation_id for invitation_id in ids if invitation_id not in claimed]
    if lost:
        raise ImportRejected(
            sorted(
                (RowError(coded[i], "", "code_already_answered") for i in lost),
                key=lambda e: e.row,
            )
        )
    for start in range(0, len(ids), CHUNK):
        session.execute(
            delete(DraftAnswer).where(DraftAnswer.invitation_id.in_(ids[start : start + CHUNK]))
        )
    session.flush()
