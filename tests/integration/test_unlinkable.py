"""A submitted response cannot be joined to its invitation, not even through storage.

And the three-step submit that makes this so loses nothing and doubles nothing: every
acknowledged answer is in the response, and a submission cut short between its steps is
completed exactly once.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import OperationalError

from survey import create_app
from survey.clock import local_today
from survey.domain.question_banks import load_bank
from survey.models import (
    Answer,
    DraftAnswer,
    FreeTextComment,
    Invitation,
    SurveyResponse,
    db,
)
from survey.operations import responses
from survey.operations.invitations import issue_invitation
from survey.operations.rounds import close_round
from tests.conftest import make_settings
from tests.factories import make_invited

BANK = load_bank("dv", "2026.1")


def answer(client, token, code, value, **extra):
    return client.post(f"/r/{token}/q/{code}", data={"answer": value, **extra})


def count(session, model) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(model))


def is_postgres(session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def first_option(code: str) -> str:
    question = BANK.find(code)
    assert question is not None
    assert question.scale is not None
    return question.scale.option_codes()[0]


def submit_some(app, db_session, how_many: int, *, free_text: bool = False):
    """`how_many` invitations in one round, each answering two questions and submitting."""
    setup = make_invited(db_session)
    tokens = [setup.token]
    for _ in range(how_many - 1):
        tokens.append(issue_invitation(db_session, setup.round_, setup.unit).token)
    db_session.commit()
    client = app.test_client()
    for token in tokens:
        assert answer(client, token, "DV_RADD", "aldrig").status_code == 302
        assert answer(client, token, "DV_TRIVS", "ja").status_code == 302
        if free_text:
            data = {"answer": "text", "text": "Bra fika"}
            assert client.post(f"/r/{token}/q/BG_FRITEXT", data=data).status_code == 302
        assert client.post(f"/r/{token}/skicka").status_code == 302
    return setup, tokens


# --- the link itself --------------------------------------------------------------------


def test_no_transaction_id_joins_a_response_to_its_invitation(app, db_session):
    if not is_postgres(db_session):
        pytest.skip("xmin is PostgreSQL's")
    submit_some(app, db_session, 5, free_text=True)
    db_session.rollback()
    assert count(db_session, SurveyResponse) == 5
    for table in ("survey_response", "answer", "free_text_comment"):
        joined = db_session.scalar(
            text(f"SELECT count(*) FROM invitation i JOIN {table} r ON i.xmin = r.xmin")  # noqa: S608
        )
        assert joined == 0, f"{table} shares a transaction id with an invitation"


def heap_xids(session, table: str) -> set[int]:
    """Every transaction id in the table's pages, also of dead row versions not yet vacuumed
    (what a database administrator with pageinspect can read)."""
    pages = session.scalar(
        text(f"SELECT pg_relation_size('{table}') / current_setting('block_size')::int")
    )
    xids: set[int] = set()
    for page in range(pages):
        for xmin, xmax in session.execute(
            text(f"SELECT t_xmin, t_xmax FROM heap_page_items(get_raw_page('{table}', {page}))")  # noqa: S608
        ):
            xids |= {int(x) for x in (xmin, xmax) if x is not None and int(x) != 0}
    return xids


def test_not_even_dead_row_versions_share_a_transaction_with_a_response(app, db_session):
    if not is_postgres(db_session):
        pytest.skip("xmin is PostgreSQL's")
    db_session.execute(text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
    db_session.commit()
    # Earlier tests' rows, deleted together by the clean-up, may still lie dead in the pages.
    started = int(db_session.scalar(text("SELECT txid_current()")))
    db_session.commit()
    submit_some(app, db_session, 5, free_text=True)
    db_session.rollback()

    def since_start(table: str) -> set[int]:
        return {xid for xid in heap_xids(db_session, table) if xid > started}

    invitation_side = since_start("invitation") | since_start("draft_answer")
    for table in ("survey_response", "answer", "free_text_comment"):
        shared = since_start(table) & invitation_side
        print("XIDS", table, sorted(heap_xids(db_session, table)), sorted(invitation_side))
        assert not shared, f"{table} was written by a transaction that touched an invitation"


def test_response_tables_keep_no_insertion_order(app, db_session):
    _setup, _tokens = submit_some(app, db_session, 20)
    db_session.rollback()
    inspector = inspect(db_session.get_bind())
    assert "id" not in {c["name"] for c in inspector.get_columns("answer")}
    assert inspector.get_pk_constraint("answer")["constrained_columns"] == [
        "survey_response_id",
        "question_code",
    ]
    assert "channel" not in {c["name"] for c in inspector.get_columns("survey_response")}
    if not is_postgres(db_session):
        for table in ("survey_response", "answer", "free_text_comment"):
            with pytest.raises(OperationalError):
                db_session.execute(text(f"SELECT rowid FROM {table}"))  # noqa: S608
            db_session.rollback()
    # Random ids: sorting the responses by id does not give the order of submission.
    ids = [str(r) for r in db_session.scalars(select(SurveyResponse.id))]
    assert len(ids) == 20
    assert len({str(i)[14] for i in ids}) == 1  # version-4 UUIDs


def test_round_close_leaves_no_submit_order_in_the_invitations(app, db_session):
    setup, _tokens = submit_some(app, db_session, 1)
    # More invitations, submitted in the reverse order of their ids.
    more = [issue_invitation(db_session, setup.round_, setup.unit).token for _ in range(7)]
    db_session.commit()
    client = app.test_client()
    for token in reversed(more):
        assert answer(client, token, "DV_RADD", "ofta").status_code == 302
        assert client.post(f"/r/{token}/skicka").status_code == 302
    started = issue_invitation(db_session, setup.round_, setup.unit).token
    db_session.commit()
    assert answer(client, started, "DV_RADD", "ibland").status_code == 302
    db_session.rollback()

    assert close_round(db_session, setup.round_, local_today()) == 1
    db_session.commit()
    assert count(db_session, SurveyResponse) == 9
    pending = db_session.scalar(
        select(func.count()).where(Invitation.pending_response_id.is_not(None))
    )
    assert pending == 0
    if is_postgres(db_session):
        rows = db_session.execute(text("SELECT id, xmin::text FROM invitation ORDER BY ctid")).all()
        print("ROWS", rows)
        assert len({xmin for _id, xmin in rows}) == 1, "invitations keep their own xmin"
        assert [row[0] for row in rows] == sorted(row[0] for row in rows), (
            "the physical order still follows the order of submission"
        )


def physical_order(session) -> list[int]:
    return list(session.scalars(text("SELECT id FROM invitation ORDER BY ctid")))


def test_round_close_rewrites_the_physical_order_of_invitations(app, db_session):
    """Many rows over several pages: submits (in reverse id order) move rows in the heap;
    after close the heap is in id order again."""
    if not is_postgres(db_session):
        pytest.skip("heap order is PostgreSQL's; SQLite updates rows in place")
    setup = make_invited(db_session)
    for _ in range(299):
        issue_invitation(db_session, setup.round_, setup.unit)
    db_session.commit()
    ids = sorted(db_session.scalars(select(Invitation.id)))
    for invitation_id in reversed(ids[::2]):
        db_session.execute(
            text("UPDATE invitation SET status = 'submitted' WHERE id = :id"), {"id": invitation_id}
        )
        db_session.commit()
    assert physical_order(db_session) != ids, "the test must start from a telling order"
    close_round(db_session, setup.round_, local_today())
    db_session.commit()
    assert physical_order(db_session) == ids


@pytest.fixture
def batching_app(database_url: str, app):
    # `app` first: it has run the migrations on this database. Production's default batch.
    batching = create_app(make_settings(database_url, response_batch_size=5))
    yield batching
    with batching.app_context():
        db.session.remove()
        db.engine.dispose()


def test_responses_are_written_five_at_a_time_in_one_transaction(batching_app, db_session):
    setup = make_invited(db_session)
    tokens = [setup.token] + [
        issue_invitation(db_session, setup.round_, setup.unit).token for _ in range(6)
    ]
    db_session.commit()
    client = batching_app.test_client()

    def submit(token: str, value: str) -> None:
        assert answer(client, token, "DV_RADD", value).status_code == 302
        assert client.post(f"/r/{token}/skicka").status_code == 302
        assert client.get(f"/r/{token}/tack").status_code == 200

    for token in tokens[:4]:
        submit(token, "aldrig")
    assert count(db_session, SurveyResponse) == 0  # waiting: four would point at too few
    assert (
        db_session.scalar(select(func.count()).where(Invitation.status == "submitted")) == 4
    )  # the response rate counts them at once
    submit(tokens[4], "ofta")
    assert count(db_session, SurveyResponse) == 5
    assert count(db_session, DraftAnswer) == 0
    values = sorted(db_session.scalars(select(Answer.value)))
    assert values == ["aldrig"] * 4 + ["ofta"]
    if is_postgres(db_session):
        xmins = set(db_session.scalars(text("SELECT xmin::text FROM survey_response")))
        assert len(xmins) == 1, "the batch was not written in one transaction"
        finished = set(
            db_session.scalars(text("SELECT xmin::text FROM invitation WHERE status = 'submitted'"))
        )
        assert len(finished) == 1, "the batch's invitations were not finished together"
    # Two more wait; closing the round writes them.
    submit(tokens[5], "ibland")
    submit(tokens[6], "ibland")
    assert count(db_session, SurveyResponse) == 5
    close_round(db_session, setup.round_, local_today())
    db_session.commit()
    assert count(db_session, SurveyResponse) == 7
    assert (
        db_session.scalar(select(func.count()).where(Invitation.pending_response_id.is_not(None)))
        == 0
    )


def test_many_submitting_at_once_write_their_batches_without_error(batching_app, db_session):
    """Twelve tablets submit at the same moment: batches are written by whichever request
    gets there, concurrently; no deadlock, no error, every response written once."""
    setup = make_invited(db_session)
    tokens = [setup.token] + [
        issue_invitation(db_session, setup.round_, setup.unit).token for _ in range(11)
    ]
    db_session.commit()
    for token in tokens:
        assert answer(batching_app.test_client(), token, "DV_RADD", "aldrig").status_code == 302
    barrier = threading.Barrier(len(tokens))

    def submit(token: str) -> int:
        client = batching_app.test_client()
        barrier.wait()
        return client.post(f"/r/{token}/skicka").status_code

    with ThreadPoolExecutor(max_workers=len(tokens)) as pool:
        statuses = list(pool.map(submit, tokens))
    assert statuses == [302] * len(tokens)
    written = count(db_session, SurveyResponse)
    assert written >= len(tokens) - 4  # whole batches; at most four are left waiting
    close_round(db_session, setup.round_, local_today())
    db_session.commit()
    assert count(db_session, SurveyResponse) == 12
    assert count(db_session, Answer) == 12


# --- nothing lost, nothing doubled ------------------------------------------------------


def test_every_acknowledged_answer_is_in_the_response(app, db_session):
    """Real values race a submit: what got "saved" (302) is in the response, the rest not."""
    codes = BANK.codes()[:12]
    for _trial in range(4):
        setup = make_invited(db_session, code=f"RACE-{_trial}")
        barrier = threading.Barrier(len(codes) + 2)

        def tap(code: str | None, token: str = setup.token, barrier=barrier) -> tuple:
            client = app.test_client()
            barrier.wait()
            if code is None:
                return None, client.post(f"/r/{token}/skicka").status_code
            return code, answer(client, token, code, first_option(code)).status_code

        with ThreadPoolExecutor(max_workers=len(codes) + 2) as pool:
            results = list(pool.map(tap, [*codes, None, None]))
        saved = {code for code, status in results if code is not None and status == 302}
        refused = {code for code, status in results if code is not None and status == 409}
        assert saved | refused == set(codes), results
        db_session.rollback()
        invitation = db_session.get(Invitation, setup.invitation.invitation_id)
        assert invitation.status == "submitted"
        assert invitation.pending_response_id is None
        response = db_session.scalars(
            select(SurveyResponse).where(SurveyResponse.round_id == setup.round_.id)
        ).one()
        stored = {a.question_code: a.value for a in response.answers}
        assert stored == {code: first_option(code) for code in saved}
        assert count(db_session, DraftAnswer) == 0


def _started_with_answers(app, db_session):
    setup = make_invited(db_session)
    client = app.test_client()
    assert answer(client, setup.token, "DV_RADD", "aldrig").status_code == 302
    data = {"answer": "text", "text": "Bra"}
    assert client.post(f"/r/{setup.token}/q/BG_FRITEXT", data=data).status_code == 302
    db_session.rollback()
    return setup, client


def _assert_one_complete_response(db_session, setup) -> None:
    db_session.rollback()
    response = db_session.scalars(select(SurveyResponse)).one()
    assert {a.question_code: a.value for a in response.answers} == {"DV_RADD": "aldrig"}
    assert db_session.scalars(select(FreeTextComment.text)).one() == "Bra"
    invitation = db_session.get(Invitation, setup.invitation.invitation_id)
    assert invitation.status == "submitted"
    assert invitation.pending_response_id is None
    assert count(db_session, DraftAnswer) == 0


def test_submission_cut_short_after_step_one_is_completed_on_retry(app, db_session):
    setup, client = _started_with_answers(app, db_session)
    pending = responses.claim_submission(db_session, setup.invitation.invitation_id)
    db_session.commit()  # the server dies here
    assert pending is not None
    assert count(db_session, SurveyResponse) == 0
    assert client.post(f"/r/{setup.token}/skicka").status_code == 302
    _assert_one_complete_response(db_session, setup)
    assert client.post(f"/r/{setup.token}/skicka").status_code == 302
    _assert_one_complete_response(db_session, setup)


def test_submission_cut_short_after_step_two_is_not_doubled(app, db_session):
    setup, client = _started_with_answers(app, db_session)
    pending = responses.claim_submission(db_session, setup.invitation.invitation_id)
    db_session.commit()
    assert responses.write_response(db_session, pending, local_today())
    db_session.commit()  # the server dies here
    assert client.post(f"/r/{setup.token}/skicka").status_code == 302
    _assert_one_complete_response(db_session, setup)


def test_round_close_completes_an_interrupted_submission(app, db_session):
    setup, _client = _started_with_answers(app, db_session)
    responses.claim_submission(db_session, setup.invitation.invitation_id)
    db_session.commit()
    close_round(db_session, setup.round_, local_today())
    db_session.commit()
    _assert_one_complete_response(db_session, setup)
    assert db_session.scalars(select(Answer.question_code)).all() == ["DV_RADD"]
