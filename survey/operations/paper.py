"""Importing returned paper forms (SPEC §7 `responses import`) as anonymous responses.

`preview_paper` reads and checks a file without writing; `import_paper_rows` enters it.

Unlinkability (SPEC §8): a response is never written in a transaction that touches an
invitation (on PostgreSQL that transaction's id, `xmin`, would join the two rows: a file
with one coded form would link its response to its invitation one to one). A form whose
printed code was typed in therefore goes the way an online submission goes
(survey.operations.responses), in separate transactions that the caller's `commit` ends:

1. Invitation side, all or nothing: the rows are checked again; the coded invitations are
   claimed with one conditional UPDATE (not yet submitted or withdrawn, nothing pending)
   that marks them submitted, each gets a random `pending_response_id`, and their drafts are
   replaced by the form's answers, stored as the respondent's would be (the rated answers,
   BG_KON, BG_VEM, BG_HJALPARE after "med hjälp", BG_FRITEXT with its text). If fewer
   invitations change than there are codes, another import or an online submit got there
   first: ImportRejected names those rows, nothing has been committed, and the caller rolls
   back. On PostgreSQL the UPDATE's row lock makes a concurrent import of the same code wait
   and then find it taken.
2. Response side: the forms without a code (no invitation) are inserted as responses, in the
   order of their random ids, in a transaction that touches no invitation.
3. `write_pending_responses` writes the coded forms' responses from their drafts, in batches
   as online submissions are (`batch_size`, the RESPONSE_BATCH_SIZE setting; round close
   writes what still waits), and then finishes the invitations (drafts deleted, pending id
   cleared), each its own transaction.

The response of a coded form is written exactly as an online one (`write_response`): unit,
beställare and gender come from the invitation; the form's gender counts only where the
survey would have asked it (no gender on the list, or the round always asks); a beställare on
the form fills in an invitation that has none. Responses get random ids and only the ISO week.

A crash after step 1 loses no coded form: the claimed invitations keep their drafts and
pending ids, and the next batch of submissions or round close writes them. A crash before
step 2 ends loses the file's uncoded forms (the command fails; its codes are now used, so
enter the uncoded rows again without the coded ones).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import date

from sqlalchemy import Integer, bindparam, delete, func, update
from sqlalchemy.orm import Session

from survey.domain import survey_flow
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
from survey.operations.responses import clean_free_text, write_pending_responses
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
    commit: Callable[[], None],
    user_id: int | None = None,
    batch_size: int = 1,
) -> int:
    """Enter the forms, one anonymous response each; returns how many forms.

    `commit` is the edge's commit, called between the steps of the module docstring.
    Nothing is committed before every row has passed its checks and every code has been
    claimed: on ImportRejected or UploadRefused the caller rolls back and nothing is written.
    """
    require_importable(round_)
    bank = load_bank(round_.survey_type, round_.bank_version)
    _check_again(session, round_, {question.code for question in bank.questions}, rows)
    if not rows:
        return 0
    coded = [row for row in rows if row.invitation_id is not None]
    uncoded = [row for row in rows if row.invitation_id is None]
    _claim_invitations(session, round_, coded)
    audit.record(
        session,
        "responses.import",
        user_id=user_id,
        detail={"round": round_.code, "count": len(rows), "coded": len(coded)},
    )
    session.flush()
    commit()  # step 1: invitation side only
    if uncoded:
        _write_uncoded(session, round_, uncoded, today)
        commit()  # step 2: response side only
    if coded:
        write_pending_responses(session, round_.id, today, commit=commit, at_least=batch_size)
    return len(rows)


def _check_again(
    session: Session, round_: Round, rated: set[str], rows: Sequence[PaperRow]
) -> None:
    """What may have changed since the preview (or been forged in a staged row)."""
    allowed_units = round_unit_ids(session, round_)
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


def _claim_invitations(session: Session, round_: Round, coded: Sequence[PaperRow]) -> None:
    """Step 1: mark each coded invitation submitted with a pending response id, and make the
    form's answers its drafts. ImportRejected if any code is no longer free."""
    by_id = {row.invitation_id: row for row in coded if row.invitation_id is not None}
    if not by_id:
        return
    ids = sorted(by_id)
    claimed: set[int] = set()
    for start in range(0, len(ids), CHUNK):
        # The one conditional UPDATE that decides: only invitations still free change, and
        # their row locks keep a concurrent import or submit of the same code waiting.
        claimed.update(
            session.scalars(
                update(Invitation)
                .where(
                    Invitation.id.in_(ids[start : start + CHUNK]),
                    Invitation.round_id == round_.id,
                    Invitation.status.not_in(("submitted", "withdrawn")),
                    Invitation.pending_response_id.is_(None),
                )
                .values(
                    status="submitted",
                    # The presentation of a printed form (copied to the response).
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
                (RowError(by_id[i].row, "", "code_already_answered") for i in lost),
                key=lambda e: e.row,
            )
        )
    # Each claimed invitation gets a random pending response id of its own (the rows are
    # locked by the UPDATE above), and a beställare written on the form where it has none.
    table = Invitation.__table__
    session.execute(
        table.update()
        .where(table.c.id == bindparam("claimed_id"))
        .values(
            pending_response_id=bindparam("pending_id"),
            bestallare_node_id=func.coalesce(
                table.c.bestallare_node_id,
                bindparam("form_bestallare", type_=Integer),
            ),
        ),
        [
            {
                "claimed_id": invitation_id,
                "pending_id": uuid.uuid4(),
                "form_bestallare": by_id[invitation_id].bestallare_id,
            }
            for invitation_id in ids
        ],
    )
    for start in range(0, len(ids), CHUNK):
        session.execute(
            delete(DraftAnswer).where(DraftAnswer.invitation_id.in_(ids[start : start + CHUNK]))
        )
    insert_rows(
        session,
        DraftAnswer.__table__,  # type: ignore[arg-type]
        [draft for invitation_id in ids for draft in _drafts(by_id[invitation_id])],
    )
    session.flush()


def _drafts(row: PaperRow) -> list[dict[str, object]]:
    """The form's answers as the respondent path stores them (survey.operations.responses)."""
    values: dict[str, str] = dict(sorted(row.answers.items()))
    values[survey_flow.GENDER] = row.gender
    if row.answered_by is not None:
        values[survey_flow.ANSWERED_BY] = row.answered_by
        if row.answered_by == "med_hjalp" and row.helper is not None:
            values[survey_flow.HELPER] = row.helper
    drafts: list[dict[str, object]] = [
        {"invitation_id": row.invitation_id, "question_code": code, "value": value, "text": None}
        for code, value in values.items()
    ]
    comment = clean_free_text(row.comment)
    if comment:
        drafts.append(
            {
                "invitation_id": row.invitation_id,
                "question_code": survey_flow.FREE_TEXT,
                "value": "text",
                "text": comment,
            }
        )
    return drafts


def _write_uncoded(session: Session, round_: Round, rows: Sequence[PaperRow], today: date) -> None:
    """Step 2: forms without a code, inserted in the order of their random ids."""
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
    session.flush()
