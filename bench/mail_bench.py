"""Mail benchmark: the outbox sending 2,000 invitations to a local SMTP server.

In one run, on a fresh database (a temporary SQLite file, or a throw-away PostgreSQL
database created on the server and dropped at the end; the schema from the migrations):

1. 2,000 invitations with an e-mail address over 20 verksamheter;
2. queue: `queue_invitations` (one INSERT … SELECT) plus the commit, timed;
3. send: `send_all_due` in batches of `--batch` (the `mail send --loop` path: claim, per
   message begin + send + mark sent, each committed; the invitation marked handed out),
   timed from the first claim to the last commit;
4. checks: 2,000 rows sent, and the server received 2,000 messages with 2,000 distinct
   outbox ids in their Message-IDs.

The SMTP server is aiosmtpd on 127.0.0.1 (the test extra), plain SMTP without TLS, accepting
every message: in a thread of this process (`--server thread`, the default, it then shares
the GIL with the sender) or as a separate process that discards what it receives
(`--server process`, aiosmtpd's Sink; the count is then taken from the database only).

    .venv/bin/python bench/mail_bench.py --database sqlite
    .venv/bin/python bench/mail_bench.py --database postgresql --messages 2000
"""

from __future__ import annotations

import argparse
import json
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import flask_migrate
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from respond_bench import DEFAULT_PG_URL, sqlite_database, throwaway_postgres

from survey import create_app
from survey.clock import local_today
from survey.mail.compose import outbox_id_of
from survey.mail.worker import send_all_due
from survey.models import Invitation, OutboxMessage, db
from survey.operations.invitations import issue_invitation
from survey.operations.organisation import ensure_builtin_insatser, ensure_node_path
from survey.operations.outbox import queue_invitations
from survey.operations.rounds import create_round
from survey.settings import Settings
from tests.support.smtp import free_port, smtp_server

UNITS = 20


@contextmanager
def server(kind: str) -> Iterator[tuple[int, object | None]]:
    if kind == "thread":
        with smtp_server() as box:
            yield box.port, box
        return
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"127.0.0.1:{port}",
            "-c",
            "aiosmtpd.handlers.Sink",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        import socket

        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield port, None
    finally:
        process.terminate()
        process.wait(timeout=10)


def run(database_url: str, messages: int, batch: int, server_kind: str) -> dict[str, object]:
    with (
        tempfile.TemporaryDirectory(prefix="mail-bench-instance-") as instance,
        server(server_kind) as (port, box),
    ):
        settings = Settings(
            database_url=database_url,
            secret_key=secrets.token_hex(16),
            instance_path=Path(instance),
            mail_backend="smtp",
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_security="none",
            mail_from="Exempelkommunen <enkat@exempel.se>",
        )
        app = create_app(settings)
        with app.app_context():
            flask_migrate.upgrade()
            session = db.session
            ensure_builtin_insatser(session)
            units = [
                ensure_node_path(
                    session, f"Förvaltningen/Enhet {n // 5}/Verksamhet {n}", "daglig_verksamhet"
                )
                for n in range(UNITS)
            ]
            today = local_today()
            round_ = create_round(
                session,
                code="MAIL-BENCH",
                survey_type="dv",
                period=today.year,
                opens_on=today - timedelta(days=1),
                closes_on=today + timedelta(days=30),
                units=units,
                organiser="Exempelkommunen",
                help_contact="Ring Anna Svensson, 08-123 45 67",
            )
            for n in range(messages):
                issue_invitation(session, round_, units[n % UNITS], email=f"brukare{n}@example.org")
            session.commit()

            started = time.perf_counter()
            queued = queue_invitations(session, round_, today=today, now=datetime.now(UTC))
            session.commit()
            queue_seconds = time.perf_counter() - started

            started = time.perf_counter()
            result = send_all_due(session, limit=batch)
            send_seconds = time.perf_counter() - started

            sent = session.scalar(select(func.count()).where(OutboxMessage.status == "sent"))
            handed_out = session.scalar(
                select(func.count()).where(Invitation.handed_out_on.is_not(None))
            )
            session.commit()
            received = None
            if box is not None:
                ids = [outbox_id_of(m) for m in box.message_ids()]  # type: ignore[attr-defined]
                received = len(ids)
                assert len(set(ids)) == len(ids) == messages, (len(ids), len(set(ids)))
            assert queued == sent == handed_out == messages, (queued, sent, handed_out)
            assert result.problem is None, result.problem
            db.engine.dispose()
    return {
        "database": make_url(database_url).get_backend_name(),
        "server": server_kind,
        "messages": messages,
        "batch": batch,
        "queue_seconds": round(queue_seconds, 3),
        "send_seconds": round(send_seconds, 2),
        "messages_per_second": round(messages / send_seconds, 1),
        "received_by_server": received,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--server", choices=("thread", "process"), default="thread")
    args = parser.parse_args()
    database = sqlite_database() if args.database == "sqlite" else throwaway_postgres(args.pg_url)
    with database as url:
        figures = run(url, args.messages, args.batch, args.server)
    print(
        f"{figures['database']:<10} server={figures['server']:<7} "
        f"{figures['messages']} messages: queued in {figures['queue_seconds']} s, "
        f"sent in {figures['send_seconds']} s = {figures['messages_per_second']} messages/s"
    )
    print(json.dumps(figures))
    results = Path(__file__).parent / "results"
    results.mkdir(exist_ok=True)
    (results / f"mail-{figures['database']}-{figures['server']}.json").write_text(
        json.dumps(figures, indent=2)
    )


if __name__ == "__main__":
    main()
