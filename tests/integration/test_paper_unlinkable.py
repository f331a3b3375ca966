"""Paper forms go the online submission's way (SPEC §8): a coded form's response is never
written in a transaction that touches its invitation, and an import cut short after it
claimed the codes loses nothing and doubles nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select, text

from survey.clock import local_today
from survey.domain.paper import PaperRow
from survey.domain.tabular import ImportRejected
from survey.models import (
    Answer,
    DraftAnswer,
    FreeTextComment,
    Invitation,
    OrgNode,
    Round,
    SurveyResponse,
)
from survey.operations import responses
from survey.operations.invitations import IssuedInvitation, issue_invitation
from survey.operations.organisation import ensure_node_path
from survey.operations.paper import import_paper_rows, preview_paper
from survey.operations.rounds import close_round
from tests.factories import make_round, make_unit
from tests.integration.test_imports import unit_named
from tests.integration.test_unlinkable import heap_xids, is_postgres

ORG = "Förvaltningen/Enheten"
HEADER = "unit;gender;answered_by;helper;bestallare;code;DV_RADD;DV_TRIVS;fritext\n"


class ServerDied(Exception):
    """Stands for the process dying right after a commit."""


@pytest.fixture
def paper_round(db_session) -> Round:  # type: ignore[no-untyped-def]
    units = [make_unit(db_session, f"{ORG}/Växtverket"), make_unit(db_session, f"{ORG}/Ateljén")]
    ensure_node_path(db_session, "Stadsdelen/Beställarenheten LSS", tree="bestallare")
    round_ = make_round(db_session, units=units, code="DV-PAPPER")
    db_session.commit()
    return round_


def count(session, model) -> int:  # type: ignore[no-untyped-def]
    session.rollback()
    return session.scalar(select(func.count()).select_from(model))


def rows_of(session, round_: Round, body: str) -> list[PaperRow]:  # type: ignore[no-untyped-def]
    preview = preview_paper(session, round_, (HEADER + body).encode(), "papper.csv")
    assert preview.errors == []
    return preview.rows


def dying_after(session, commits: int) -> Callable[[], None]:  # type: ignore[no-untyped-def]
    """A commit that commits, and after the `commits`-th time the process dies."""
    done = 0

    def commit() -> None:
        nonlocal done
        session.commit()
        done += 1
        if done == commits:
            raise ServerDied

    return commit


def stored_responses(session) -> list[tuple]:  # type: ignore[no-untyped-def]
    """Every response as (unit, beställare, gender, answered_by, helper, pictures, answers,
    comments), sorted: what must be there exactly once."""
    session.rollback()
    nodes = dict(session.execute(select(OrgNode.id, OrgNode.name)).all())
    found = []
    for response in session.scalars(select(SurveyResponse)):
        found.append(
            (
                nodes[response.org_node_id],
                nodes.get(response.bestallare_node_id),
                response.gender,
                response.answered_by,
                response.helper,
                (response.with_pictures, response.large_text, response.used_read_aloud),
                tuple(sorted((a.question_code, a.value) for a in response.answers)),
                tuple(
                    session.scalars(
                        select(FreeTextComment.text).where(
                            FreeTextComment.survey_response_id == response.id
                        )
                    )
                ),
            )
        )
    return sorted(found, key=repr)


def three_coded(session, round_: Round) -> tuple[list[IssuedInvitation], str]:  # type: ignore[no-untyped-def]
    """Three invitations (one listed without gender, one as a man, one started online with
    drafts of its own) and a file with their forms and one form without a code."""
    unit = unit_named(round_, "Växtverket")
    unlisted = issue_invitation(session, round_, unit)
    man = issue_invitation(session, round_, unit, gender="man")
    started = issue_invitation(session, round_, unit, gender="kvinna")
    session.add_all(
        [
            DraftAnswer(invitation_id=started.invitation_id, question_code="DV_RADD", value="ja"),
            DraftAnswer(invitation_id=started.invitation_id, question_code="DV_TRIVS", value="nej"),
        ]
    )
    session.execute(
        Invitation.__table__.update()
        .where(Invitation.id == started.invitation_id)
        .values(status="started", large_text=True)
    )
    session.commit()
    body = (
        f"Växtverket;kvinna;med_hjalp;kand;Beställarenheten LSS;{unlisted.short_code};aldrig;"
        'vet_inte;"Bra\r\nfika"\n'
        f";;sjalv;;;{man.short_code};ofta;;\n"
        f";;annan;;;{started.short_code};;ja;\n"
        "Ateljén;annat;sjalv;;;;ibland;nej;Ingen kod\n"
    )
    return [unlisted, man, started], body


EXPECTED_FORMS = [
    # The unlisted person's form: its gender, helper, beställare and comment.
    (
        "Växtverket",
        "Beställarenheten LSS",
        "kvinna",
        "med_hjalp",
        "kand",
        (True, False, False),
        (("DV_RADD", "aldrig"), ("DV_TRIVS", "vet_inte")),
        ("Bra\nfika",),
    ),
    # Listed as a man, gender left empty on the form.
    ("Växtverket", None, "man", "sjalv", None, (True, False, False), (("DV_RADD", "ofta"),), ()),
    # Started online: the paper form replaces its drafts (DV_RADD is not carried over) and
    # its presentation (a printed form, not large text).
    ("Växtverket", None, "kvinna", "annan", None, (True, False, False), (("DV_TRIVS", "ja"),), ()),
    # No code.
    (
        "Ateljén",
        None,
        "annat",
        "sjalv",
        None,
        (True, False, False),
        (("DV_RADD", "ibland"), ("DV_TRIVS", "nej")),
        ("Ingen kod",),
    ),
]


EXPECTED = sorted(EXPECTED_FORMS, key=repr)
UNCODED = EXPECTED_FORMS[3]


def assert_all_finished(session, invitations: list[IssuedInvitation]) -> None:  # type: ignore[no-untyped-def]
    session.rollback()
    for issued in invitations:
        invitation = session.get(Invitation, issued.invitation_id)
        assert invitation.status == "submitted"
        assert invitation.pending_response_id is None
    assert count(session, DraftAnswer) == 0


def test_coded_forms_become_the_responses_an_online_submit_writes(db_session, paper_round):
    invitations, body = three_coded(db_session, paper_round)
    rows = rows_of(db_session, paper_round, body)
    written = import_paper_rows(
        db_session, paper_round, rows, today=local_today(), commit=db_session.commit
    )
    assert written == 4
    assert stored_responses(db_session) == EXPECTED
    assert_all_finished(db_session, invitations)
    # The beställare written on the form fills in the invitation's missing one.
    filled = db_session.get(Invitation, invitations[0].invitation_id).bestallare_node_id
    assert filled is not None
    assert set(db_session.scalars(select(SurveyResponse.auto_submitted))) == {False}


def test_forms_without_codes_touch_no_invitation(db_session, paper_round):
    _invitations, _body = three_coded(db_session, paper_round)
    db_session.rollback()
    before = db_session.execute(
        select(Invitation.id, Invitation.status, Invitation.pending_response_id)
    ).all()
    rows = rows_of(db_session, paper_round, "Ateljén;annat;sjalv;;;;ibland;nej;Ingen kod\n")
    assert (
        import_paper_rows(
            db_session, paper_round, rows, today=local_today(), commit=db_session.commit
        )
        == 1
    )
    assert stored_responses(db_session) == [UNCODED]
    after = db_session.execute(
        select(Invitation.id, Invitation.status, Invitation.pending_response_id)
    ).all()
    assert after == before


def test_a_validation_error_writes_nothing(db_session, paper_round):
    invitations, body = three_coded(db_session, paper_round)
    rows = rows_of(db_session, paper_round, body)
    # The last coded form's code is used online between preview and import.
    db_session.get(Invitation, invitations[2].invitation_id).status = "submitted"
    db_session.commit()
    commits: list[str] = []
    with pytest.raises(ImportRejected) as caught:
        import_paper_rows(
            db_session,
            paper_round,
            rows,
            today=local_today(),
            commit=lambda: commits.append("commit"),
        )
    assert [(e.row, e.code) for e in caught.value.errors] == [(4, "code_already_answered")]
    assert commits == []
    db_session.rollback()
    assert count(db_session, SurveyResponse) == 0
    assert count(db_session, DraftAnswer) == 2  # the started invitation's own drafts
    statuses = db_session.scalars(select(Invitation.status).order_by(Invitation.id)).all()
    assert statuses == ["not_started", "not_started", "submitted"]
    assert (
        db_session.scalar(select(func.count()).where(Invitation.pending_response_id.is_not(None)))
        == 0
    )


@pytest.mark.parametrize("died_after", [1, 2])
@pytest.mark.parametrize("recovery", ["next_batch", "round_close"])
def test_import_cut_short_is_completed_exactly_once(db_session, paper_round, died_after, recovery):
    """Commits: 1 claims the codes, 2 writes the uncoded forms, 3 the coded forms' responses,
    4 finishes the invitations. The process dies after 1 or 2 (after 3: the next test)."""
    invitations, body = three_coded(db_session, paper_round)
    rows = rows_of(db_session, paper_round, body)
    with pytest.raises(ServerDied):
        import_paper_rows(
            db_session,
            paper_round,
            rows,
            today=local_today(),
            commit=dying_after(db_session, died_after),
        )
    db_session.rollback()
    claimed = db_session.scalar(
        select(func.count()).where(Invitation.pending_response_id.is_not(None))
    )
    assert claimed == 3, "the claimed invitations keep their pending ids"
    assert db_session.scalar(select(func.count()).where(Invitation.status == "submitted")) == 3
    assert count(db_session, SurveyResponse) == (1 if died_after == 2 else 0)
    # The forms' answers wait as drafts, background answers included (6 + 3 + 3).
    assert count(db_session, DraftAnswer) == 12
    if recovery == "next_batch":
        done = responses.write_pending_responses(
            db_session, paper_round.id, local_today(), commit=db_session.commit
        )
        assert done == 3
        # Again: nothing waits any more, nothing is doubled.
        assert (
            responses.write_pending_responses(
                db_session, paper_round.id, local_today(), commit=db_session.commit
            )
            == 0
        )
    else:
        assert close_round(db_session, paper_round, local_today()) == 0
        db_session.commit()
    # Dead after the first commit: the form without a code is lost with the process.
    expected = EXPECTED if died_after == 2 else [f for f in EXPECTED if f != UNCODED]
    assert stored_responses(db_session) == expected
    assert_all_finished(db_session, invitations)


def test_responses_cut_short_after_writing_are_not_doubled(db_session, paper_round):
    invitations, body = three_coded(db_session, paper_round)
    rows = rows_of(db_session, paper_round, body)
    with pytest.raises(ServerDied):
        import_paper_rows(
            db_session, paper_round, rows, today=local_today(), commit=dying_after(db_session, 3)
        )
    assert count(db_session, SurveyResponse) == 4  # written, the invitations not finished
    responses.write_pending_responses(
        db_session, paper_round.id, local_today(), commit=db_session.commit
    )
    assert stored_responses(db_session) == EXPECTED
    assert_all_finished(db_session, invitations)
    assert count(db_session, Answer) == 6


def test_coded_forms_wait_for_a_batch_like_online_submissions(db_session, paper_round):
    invitations, body = three_coded(db_session, paper_round)
    rows = rows_of(db_session, paper_round, body)
    import_paper_rows(
        db_session,
        paper_round,
        rows,
        today=local_today(),
        commit=db_session.commit,
        batch_size=5,
    )
    # Three coded forms are fewer than a batch: their responses wait (the invitations count
    # as answered at once); the form without a code is written.
    assert count(db_session, SurveyResponse) == 1
    assert db_session.scalar(select(func.count()).where(Invitation.status == "submitted")) == 3
    close_round(db_session, paper_round, local_today())
    db_session.commit()
    assert stored_responses(db_session) == EXPECTED
    assert_all_finished(db_session, invitations)


# --- PostgreSQL: transaction ids ---------------------------------------------------------


def test_one_coded_form_shares_no_transaction_id_with_its_invitation(db_session, paper_round):
    if not is_postgres(db_session):
        pytest.skip("xmin is PostgreSQL's")
    db_session.execute(text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
    db_session.commit()
    started = int(db_session.scalar(text("SELECT txid_current()")))
    db_session.commit()
    issued = issue_invitation(db_session, paper_round, unit_named(paper_round, "Växtverket"))
    db_session.commit()
    rows = rows_of(db_session, paper_round, f";man;sjalv;;;{issued.short_code};aldrig;ja;Bra\n")
    import_paper_rows(db_session, paper_round, rows, today=local_today(), commit=db_session.commit)
    db_session.rollback()
    assert count(db_session, SurveyResponse) == 1
    invitation_xmin = db_session.scalar(
        text("SELECT xmin::text FROM invitation WHERE id = :id"), {"id": issued.invitation_id}
    )
    for table in ("survey_response", "answer", "free_text_comment"):
        xmins = set(db_session.scalars(text(f"SELECT xmin::text FROM {table}")))  # noqa: S608
        assert len(xmins) == 1
        assert invitation_xmin not in xmins, f"{table} shares its xmin with the invitation"

    # Not even a dead version of the invitation (the claim's, before it was finished) or of
    # a draft was written by the transaction that wrote the response.
    def since_start(table: str) -> set[int]:
        return {xid for xid in heap_xids(db_session, table) if xid > started}

    invitation_side = since_start("invitation") | since_start("draft_answer")
    assert invitation_side
    for table in ("survey_response", "answer", "free_text_comment"):
        shared = since_start(table) & invitation_side
        assert not shared, f"{table} was written by a transaction that touched an invitation"


def test_uncoded_forms_share_no_transaction_with_any_invitation(db_session, paper_round):
    if not is_postgres(db_session):
        pytest.skip("xmin is PostgreSQL's")
    db_session.execute(text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
    db_session.commit()
    started = int(db_session.scalar(text("SELECT txid_current()")))
    db_session.commit()
    _invitations, body = three_coded(db_session, paper_round)
    rows = rows_of(db_session, paper_round, body)
    import_paper_rows(db_session, paper_round, rows, today=local_today(), commit=db_session.commit)
    db_session.rollback()
    assert count(db_session, SurveyResponse) == 4

    def since_start(table: str) -> set[int]:
        return {xid for xid in heap_xids(db_session, table) if xid > started}

    invitation_side = since_start("invitation") | since_start("draft_answer")
    for table in ("survey_response", "answer", "free_text_comment"):
        shared = since_start(table) & invitation_side
        assert not shared, f"{table} was written by a transaction that touched an invitation"
