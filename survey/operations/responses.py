"""The respondent's actions: start, answer, submit; and completing interrupted submissions.

Every action is idempotent. Answers are kept as drafts keyed to the invitation (unique per
question, so a re-posted answer is an update).

Submitting is three steps, each its own transaction, so that the response is never written
in the transaction that marks the invitation answered (on PostgreSQL that transaction's id,
`xmin`, would join the two rows):

1. `claim_submission` (invitation side): one conditional UPDATE marks the invitation
   submitted and gives it `pending_response_id`, a fresh random UUID. Only one request can
   win it; from then on no answer is accepted.
2. `write_response` (response side): reads the drafts and the invitation and inserts the
   anonymous response with that UUID as its id. It writes nothing on the invitation side.
3. `finish_submission` (invitation side): deletes the drafts, resets the presentation
   choices and clears `pending_response_id`. Now nothing links the two.

A crash between the steps loses nothing and doubles nothing: after step 1 the drafts are
still there and the pending id says which response to write; step 2 inserts with that id and
does nothing if it exists; `write_pending_responses` finishes whatever waits.
The edge commits between the steps.

Steps 2 and 3 run for several submissions at once (`write_pending_responses`, a batch of
RESPONSE_BATCH_SIZE, default 5; round close writes the rest): then not even the nearness
of transaction ids, which PostgreSQL hands out in order, tells whose response is whose.
They work on a whole batch in a few statements (`write_responses`, `finish_submissions`),
so that a paper import of thousands of coded forms (survey.operations.paper, which claims
them as step 1 does) is written the same way in seconds.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import Row, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from survey.domain import survey_flow
from survey.domain.question_banks import Question, load_bank
from survey.domain.refusals import (
    AlreadySubmitted,
    InvalidAnswer,
    RoundClosed,
    RoundNotOpen,
    TextTooLong,
    UnknownQuestion,
)
from survey.models import Answer, DraftAnswer, FreeTextComment, Invitation, Round, SurveyResponse
from survey.operations.bulk import insert_rows
from survey.queries.respondent import Respondent, RoundInfo, listed_gender, load_respondent

MAX_FREE_TEXT = 2000
_T = TypeVar("_T")
# Control characters (NUL and the rest of C0/C1), kept out of the database: PostgreSQL
# refuses NUL in text, and none of them belongs in what a person wrote.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def require_answerable(round_: RoundInfo, status: str, today: date) -> None:
    """Raises AlreadySubmitted, RoundClosed or RoundNotOpen."""
    if status == "submitted":
        raise AlreadySubmitted
    if round_.is_closed or today > round_.closes_on:
        raise RoundClosed
    if round_.is_draft or today < round_.opens_on:
        raise RoundNotOpen


def open_respondent(session: Session, token: str, today: date) -> Respondent:
    """The respondent behind `token`, if they may still answer.

    Raises UnknownToken, AlreadySubmitted, RoundClosed or RoundNotOpen.
    """
    respondent = load_respondent(session, token)
    require_answerable(respondent.round, respondent.status, today)
    return respondent


def clean_free_text(text: str | None) -> str:
    """What a person wrote, as stored: line breaks as "\\n", no control characters, trimmed.

    Browsers count a line break as one character for `maxlength` but send it as CRLF, so the
    length is checked after this normalisation.
    """
    normalised = unicodedata.normalize(
        "NFC", (text or "").replace("\r\n", "\n").replace("\r", "\n")
    )
    return _CONTROL.sub("", normalised).strip()


def _set_level(session: Session, respondent: Respondent, today: date, **level: bool) -> None:
    """Store presentation choices (the national survey's "nivå") on a still-open invitation;
    they are copied to the response when it is written."""
    require_answerable(respondent.round, respondent.status, today)
    session.execute(
        update(Invitation)
        .where(Invitation.id == respondent.invitation_id, Invitation.status != "submitted")
        .values(**level)
    )
    session.flush()


def set_presentation(
    session: Session, respondent: Respondent, *, today: date, with_pictures: bool, large_text: bool
) -> None:
    """Store the presentation chosen on the start page (kept with the response as its level)."""
    _set_level(session, respondent, today, with_pictures=with_pictures, large_text=large_text)


def mark_read_aloud_used(session: Session, respondent: Respondent, *, today: date) -> None:
    """Note that "Lyssna" was used; stored with the response like the national survey's level."""
    _set_level(session, respondent, today, used_read_aloud=True)


def _claim_for_answering(session: Session, invitation_id: int) -> None:
    # The conditional UPDATE takes the invitation's row lock, so an answer and a submit on
    # the same invitation are serialised: an answer can never land after the submit.
    claimed = session.execute(
        update(Invitation)
        .where(Invitation.id == invitation_id, Invitation.status != "submitted")
        .values(status="started")
    )
    if claimed.rowcount == 0:  # type: ignore[attr-defined]
        raise AlreadySubmitted


def _validated_value(question: Question, value: str | None) -> str | None:
    if value is None:
        return None
    if question.scale is None or not question.scale.accepts(value):
        raise InvalidAnswer
    return value


def _upsert_draft(
    session: Session, invitation_id: int, code: str, value: str | None, text: str | None
) -> None:
    dialect = session.get_bind().dialect.name
    values = {"invitation_id": invitation_id, "question_code": code, "value": value, "text": text}
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(DraftAnswer).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["invitation_id", "question_code"],
        set_={"value": stmt.excluded.value, "text": stmt.excluded.text},
    )
    session.execute(stmt)


def record_answer(
    session: Session,
    respondent: Respondent,
    *,
    question_code: str,
    value: str | None,
    today: date,
    text: str | None = None,
) -> survey_flow.SurveyPath:
    """Store one answer (None = "Hoppa över") and return the person's path after it.

    Idempotent: the same answer again changes nothing; another value replaces the earlier
    one. Raises AlreadySubmitted, RoundClosed, RoundNotOpen, UnknownQuestion, InvalidAnswer,
    TextTooLong.
    """
    require_answerable(respondent.round, respondent.status, today)
    question = respondent.path.find(question_code)
    if question is None:
        raise UnknownQuestion
    if question.kind == "free_text":
        cleaned = clean_free_text(text)
        if len(cleaned) > MAX_FREE_TEXT:
            raise TextTooLong(MAX_FREE_TEXT)
        stored_value, stored_text = ("text" if cleaned else None), (cleaned or None)
    else:
        stored_value, stored_text = _validated_value(question, value), None
    _claim_for_answering(session, respondent.invitation_id)
    _upsert_draft(session, respondent.invitation_id, question_code, stored_value, stored_text)
    session.flush()
    return respondent.path.with_answer(question_code, stored_value)


# --- submitting -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PendingSubmission:
    invitation_id: int
    response_id: uuid.UUID
    auto: bool


def claim_submission(
    session: Session, invitation_id: int, *, auto: bool = False
) -> PendingSubmission | None:
    """Step 1 (invitation side): mark the invitation submitted. None if it already was."""
    response_id = uuid.uuid4()
    won = session.execute(
        update(Invitation)
        .where(Invitation.id == invitation_id, Invitation.status != "submitted")
        .values(status="submitted", pending_response_id=response_id)
    )
    session.flush()
    if won.rowcount == 0:  # type: ignore[attr-defined]
        return None
    return PendingSubmission(invitation_id, response_id, auto)


def _iso_week(today: date) -> str:
    year, week, _ = today.isocalendar()
    return f"{year}-W{week:02d}"


_IN_CHUNK = 500


def _chunks(items: Sequence[_T], size: int = _IN_CHUNK) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def write_response(session: Session, pending: PendingSubmission, today: date) -> bool:
    """Step 2 (response side): insert the anonymous response. False if it was already written.

    Reads the invitation and its drafts; writes only response-side rows.
    """
    return write_responses(session, [pending], today) == 1


def write_responses(session: Session, batch: Sequence[PendingSubmission], today: date) -> int:
    """Step 2 for many submissions at once, in the order of their random response ids.
    Returns how many responses were written (those already there are left as they are).

    Reads the invitations and their drafts; writes only response-side rows.
    """
    ordered = sorted(batch, key=lambda p: p.response_id)
    existing: set[uuid.UUID] = set()
    for chunk in _chunks([p.response_id for p in ordered]):
        existing.update(
            session.scalars(select(SurveyResponse.id).where(SurveyResponse.id.in_(chunk)))
        )
    todo = [p for p in ordered if p.response_id not in existing]
    if not todo:
        return 0
    invitations: dict[int, Row[Any]] = {}
    drafts: dict[int, list[Row[Any]]] = defaultdict(list)
    ids = sorted({p.invitation_id for p in todo})
    for chunk in _chunks(ids):
        for row in session.execute(
            select(
                Invitation.id,
                Invitation.round_id,
                Invitation.org_node_id,
                Invitation.bestallare_node_id,
                Invitation.gender,
                Invitation.channel,
                Invitation.with_pictures,
                Invitation.large_text,
                Invitation.used_read_aloud,
                Round.survey_type,
                Round.bank_version,
                Round.always_ask_gender,
                Round.ask_free_text,
            )
            .join(Round, Round.id == Invitation.round_id)
            .where(Invitation.id.in_(chunk))
        ):
            invitations[row.id] = row
        for draft in session.execute(
            select(
                DraftAnswer.invitation_id,
                DraftAnswer.question_code,
                DraftAnswer.value,
                DraftAnswer.text,
            ).where(DraftAnswer.invitation_id.in_(chunk))
        ):
            drafts[draft.invitation_id].append(draft)
    planned = [
        _planned_response(
            pending, invitations[pending.invitation_id], drafts[pending.invitation_id], today
        )
        for pending in todo
    ]
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    # No savepoint here: on PostgreSQL each savepoint has a transaction id of its own, and
    # the rows of a batch must share one. Two requests completing the same submissions race
    # on the primary key instead, each in the order of the random ids (so the second waits
    # for the first instead of the two deadlocking); the loser inserts nothing.
    written = set(
        session.scalars(
            insert(SurveyResponse.__table__)
            .on_conflict_do_nothing(index_elements=["id"])
            .returning(SurveyResponse.id),
            [response for response, _answers, _comment in planned],
        )
    )
    if not written:
        return 0
    mine = [plan for plan in planned if plan[0]["id"] in written]
    insert_rows(
        session,
        Answer.__table__,  # type: ignore[arg-type]
        [answer for _response, rows, _comment in mine for answer in rows],
    )
    insert_rows(
        session,
        FreeTextComment.__table__,  # type: ignore[arg-type]
        [comment for _response, _rows, comment in mine if comment is not None],
    )
    session.flush()
    return len(written)


def _planned_response(
    pending: PendingSubmission, invitation: Row[Any], drafts: Sequence[Row[Any]], today: date
) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any] | None]:
    """The response, its answers and its comment, as the person's path through the survey
    keeps them (an answer the path no longer shows is dropped)."""
    bank = load_bank(invitation.survey_type, invitation.bank_version)
    known_gender = listed_gender(invitation.gender, invitation.channel)
    choices = survey_flow.FlowChoices.decide(
        always_ask_gender=invitation.always_ask_gender,
        listed_gender=known_gender,
        ask_free_text=invitation.ask_free_text,
    )
    path = survey_flow.SurveyPath.plan(bank, choices, {d.question_code: d.value for d in drafts})
    answers = path.relevant_answers()
    answered_by = answers.get(survey_flow.ANSWERED_BY)
    response = {
        "id": pending.response_id,
        "round_id": invitation.round_id,
        "org_node_id": invitation.org_node_id,
        "bestallare_node_id": invitation.bestallare_node_id,
        "gender": answers.get(survey_flow.GENDER) or known_gender or "okand",
        "answered_by": answered_by,
        "helper": answers.get(survey_flow.HELPER) if answered_by == "med_hjalp" else None,
        "with_pictures": invitation.with_pictures,
        "large_text": invitation.large_text,
        "used_read_aloud": invitation.used_read_aloud,
        "auto_submitted": pending.auto,
        "submitted_week": _iso_week(today),
    }
    rated = {question.code for question in bank.questions}
    rows = [
        {"survey_response_id": pending.response_id, "question_code": code, "value": value}
        for code, value in answers.items()
        if code in rated and value is not None
    ]
    text = next(
        (d.text for d in drafts if d.question_code == survey_flow.FREE_TEXT and d.text), None
    )
    comment = (
        {
            "id": uuid.uuid4(),
            "survey_response_id": pending.response_id,
            "text": text,
            "is_released": False,
        }
        if text and answers.get(survey_flow.FREE_TEXT)
        else None
    )
    return response, rows, comment


def finish_submission(session: Session, pending: PendingSubmission) -> None:
    """Step 3 (invitation side): drop the drafts and the pending id; nothing links any more."""
    finish_submissions(session, [pending])


def finish_submissions(session: Session, batch: Sequence[PendingSubmission]) -> None:
    """Step 3 for many submissions at once."""
    ids = sorted({p.invitation_id for p in batch})
    for chunk in _chunks(ids):
        # Lock the invitations in id order first: two requests finishing overlapping batches
        # then wait for each other instead of deadlocking on the drafts.
        session.execute(
            select(Invitation.id)
            .where(Invitation.id.in_(chunk))
            .order_by(Invitation.id)
            .with_for_update()
        ).all()
        session.execute(delete(DraftAnswer).where(DraftAnswer.invitation_id.in_(chunk)))
        # The presentation choices now live on the response; reset them so the invitation
        # row keeps nothing that could be matched against it.
        session.execute(
            update(Invitation)
            .where(Invitation.id.in_(chunk))
            .values(
                pending_response_id=None,
                with_pictures=True,
                large_text=False,
                used_read_aloud=False,
            )
        )
    session.flush()


def submit_response(
    session: Session,
    respondent: Respondent,
    *,
    today: date,
    commit: Callable[[], None],
    batch_size: int = 1,
) -> bool:
    """Mark the invitation answered and write the responses waiting in its round once
    `batch_size` of them are waiting. True if this call submitted.

    `commit` is the edge's commit, called after each step (module docstring). Idempotent: a
    second submit (double click, second tab, replay) adds nothing; it completes what an
    earlier request left half-way.
    """
    submitted = False
    if respondent.status != "submitted":
        require_answerable(respondent.round, respondent.status, today)
        submitted = claim_submission(session, respondent.invitation_id) is not None
        commit()
    write_pending_responses(session, respondent.round.id, today, commit=commit, at_least=batch_size)
    return submitted


def write_pending_responses(
    session: Session,
    round_id: int,
    today: date,
    *,
    commit: Callable[[], None],
    at_least: int = 1,
) -> int:
    """Steps 2 and 3 for every submission of the round that waits for them, if at least
    `at_least` wait. Returns how many were completed.

    The responses are written together, in the order of their random ids, in one
    transaction, and the invitations finished together in the next: their transaction ids
    and storage order say which group of people answered, never which one of them. A
    submission interrupted by a crash is simply still waiting and is completed here.
    """
    waiting = session.execute(
        select(Invitation.id, Invitation.pending_response_id).where(
            Invitation.round_id == round_id, Invitation.pending_response_id.is_not(None)
        )
    ).all()
    if not waiting or len(waiting) < at_least:
        return 0
    batch = [
        PendingSubmission(invitation_id, response_id, auto=False)
        for invitation_id, response_id in waiting
    ]
    # Two requests may write the same batch at once. Each takes the rows in one fixed order
    # (by response id, which is random, so the order says nothing about who submitted when):
    # the second waits for the first and then finds the rows written, instead of the two
    # deadlocking.
    write_responses(session, batch, today)
    commit()
    finish_submissions(session, batch)
    commit()
    return len(batch)
