"""The outbox under failure: a worker killed mid-batch, two workers at once, leases that run
out. Real `flask --app survey mail send` processes against a real SMTP server on 127.0.0.1;
every message is counted by the outbox id in its Message-ID."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from survey.mail.compose import outbox_id_of
from survey.models import OutboxMessage, db
from survey.operations import outbox as ops
from survey.operations.invitations import issue_invitation
from tests.factories import make_round
from tests.support.smtp import smtp_server

LEASE = timedelta(seconds=1)


def _queue(session, count: int) -> list[int]:
    round_ = make_round(session)
    for n in range(count):
        issue_invitation(session, round_, round_.units[0], email=f"brukare{n}@example.org")
    session.commit()
    ops.queue_invitations(session, round_, today=datetime.now(UTC).date(), now=datetime.now(UTC))
    session.commit()
    ids = list(session.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id)))
    session.commit()
    return ids


def _env(settings, tmp_path, port: int) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SMTP_", "MAIL_", "DATABASE_URL", "PUBLIC_URL"))
    }
    env.update(
        DATABASE_URL=settings.database_url,
        SECRET_KEY=settings.secret_key,
        INSTANCE_PATH=str(tmp_path / "instance"),
        MAIL_BACKEND="smtp",
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(port),
        SMTP_SECURITY="none",
        SMTP_TIMEOUT="10",
        MAIL_FROM="enkat@exempel.se",
        MAIL_LEASE_SECONDS=str(int(LEASE.total_seconds())),
    )
    return env


def _worker(env, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "survey", "mail", "send", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _received(box) -> Counter:
    return Counter(outbox_id_of(mid) for mid in box.message_ids())


def _wait_for(condition, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.02)


def _rows(session):
    session.rollback()  # a fresh snapshot: the workers committed in other processes
    return {m.id: m for m in session.scalars(select(OutboxMessage))}


@pytest.mark.parametrize("slow", ["data", "rcpt"])
def test_a_worker_killed_mid_batch_loses_nothing_and_sends_nothing_twice(
    db_session, settings, tmp_path, slow
):
    ids = _queue(db_session, 30)
    with smtp_server(**{f"{slow}_delay": 0.15}) as box:
        env = _env(settings, tmp_path, box.port)
        first = _worker(env, "--batch", "100")
        if slow == "data":
            # The server has stored the 6th message and waits before its "250".
            _wait_for(lambda: len(box.messages) >= 6)
        else:
            # The server thinks about the 7th recipient; the 6th was acknowledged.
            _wait_for(lambda: box.rcpt_started >= 7)
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=10)
        assert first.returncode == -signal.SIGKILL
        got_before = len(box.messages)
        assert 0 < got_before < 30, "the kill must land mid-batch"
        # The dead worker's claim runs out; the next run takes over the rest.
        time.sleep(LEASE.total_seconds() + 0.2)
        box.data_delay = box.rcpt_delay = 0.0
        second = _worker(env, "--loop")
        out, err = second.communicate(timeout=60)
        assert second.returncode == 0, out + err
    received = _received(box)
    assert max(received.values()) == 1, f"sent twice: {received}"
    rows = _rows(db_session)
    interrupted = [i for i, m in rows.items() if m.status == "failed"]
    # At most the one message the server was receiving when the worker died; the server
    # had stored it (it was waiting before its "250"), so it arrived, once, and is shown
    # to a person as "interrupted" instead of being sent again.
    assert len(interrupted) <= 1
    if slow == "rcpt":
        # Killed while the server thought about a recipient: no message was on its way, so
        # the next run sends every one, each once.
        assert interrupted == []
    for message_id in interrupted:
        assert rows[message_id].error_kind == "interrupted"
        assert received[message_id] == 1
    assert all(rows[i].status == "sent" for i in ids if i not in interrupted)
    assert set(received) == set(ids), "every message arrived"
    assert "interrupted" in out or not interrupted
    print(f"killed after {got_before} messages; interrupted: {interrupted}; second run: {out}")


def test_two_workers_at_once_send_each_message_exactly_once(db_session, settings, tmp_path):
    ids = _queue(db_session, 60)
    with smtp_server(data_delay=0.005) as box:
        env = _env(settings, tmp_path, box.port)
        workers = [_worker(env, "--batch", "7", "--loop") for _ in range(2)]
        outputs = [w.communicate(timeout=120) for w in workers]
    for worker, (out, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, out + err
    received = _received(box)
    assert sorted(received) == ids
    assert set(received.values()) == {1}
    assert {m.status for m in _rows(db_session).values()} == {"sent"}
    # Both took part (the claim let the second take other rows, not wait for the first).
    sent_lines = [out for out, _err in outputs]
    assert all(" sent" in line for line in sent_lines)


def test_two_sessions_claiming_at_once_never_share_a_row(app, db_session):
    ids = _queue(db_session, 40)
    barrier = threading.Barrier(2)
    claimed: dict[str, list[int]] = {}
    errors: list[BaseException] = []

    def claim(name: str) -> None:
        try:
            with app.app_context(), Session(db.engine) as session:
                barrier.wait(timeout=10)
                mine: list[int] = []
                for _ in range(10):
                    _token, rows = ops.claim_due(
                        session, worker=name, now=datetime.now(UTC), limit=3, lease=LEASE
                    )
                    session.commit()
                    mine += [row.id for row in rows]
                claimed[name] = mine
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=claim, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert not set(claimed["a"]) & set(claimed["b"])
    assert sorted(claimed["a"] + claimed["b"]) == ids[: len(claimed["a"] + claimed["b"])]
    assert len(claimed["a"]) + len(claimed["b"]) == 40


def test_expired_leases_requeue_what_had_not_begun_and_flag_what_had(db_session):
    ids = _queue(db_session, 3)
    now = datetime.now(UTC)
    token, rows = ops.claim_due(db_session, worker="dead", now=now, limit=10, lease=LEASE)
    assert [r.id for r in rows] == ids
    assert ops.begin_attempt(db_session, ids[0], token, now, LEASE)
    db_session.commit()
    # Still within the lease: nobody else may take them.
    _other, none = ops.claim_due(db_session, worker="b", now=now, limit=10, lease=LEASE)
    assert none == []
    later = now + timedelta(seconds=5)
    requeued, interrupted = ops.release_expired(db_session, later)
    db_session.commit()
    assert (requeued, interrupted) == (2, 1)
    state = _rows(db_session)
    assert (state[ids[0]].status, state[ids[0]].error_kind) == ("failed", "interrupted")
    assert [state[i].status for i in ids[1:]] == ["queued", "queued"]
    # The slow worker that began it may still report it sent: that is the truth.
    assert ops.mark_sent(db_session, ids[0], token, later)
    # But it can no longer begin the ones given back.
    assert not ops.begin_attempt(db_session, ids[1], token, later, LEASE)
    db_session.commit()
    assert _rows(db_session)[ids[0]].status == "sent"


@pytest.mark.parametrize("kind", ["invitation", "reminder"])
def test_the_unique_key_refuses_the_same_message_twice(db_session, kind):
    from sqlalchemy.exc import IntegrityError

    _queue(db_session, 1)
    first = db_session.scalar(select(OutboxMessage))
    twin = OutboxMessage(
        round_id=first.round_id,
        invitation_id=first.invitation_id,
        org_node_id=first.org_node_id,
        kind="invitation",
        sequence=0,
        next_attempt_at=datetime.now(UTC),
        created_at=datetime.now(UTC),
    )
    if kind == "reminder":
        db_session.execute(update(OutboxMessage).values(kind="reminder", sequence=1))
        db_session.commit()
        twin.kind, twin.sequence = "reminder", 1
    db_session.add(twin)
    with pytest.raises(IntegrityError):
        db_session.commit()
    db_session.rollback()
