"""Kiosk benchmark: server time per "Börja" (one invitation taken) on a unit with many
unused invitations, one tablet and two tablets at once.

Through Flask's test client (in process, no network): a kiosk is started for one unit that
has --unused invitations (default 2000); then --claims "Börja" POSTs (default 500) on one
tablet, each timed with time.perf_counter, then the same number split over two tablets in two
threads at once (wall time and per request). Every claim must get 302 to a survey, and at
the end no invitation may have been taken twice.

    .venv/bin/python bench/kiosk_bench.py --database sqlite
    .venv/bin/python bench/kiosk_bench.py --database postgresql
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from respond_bench import (
    DEFAULT_PG_URL,
    build_app,
    server_version,
    sqlite_database,
    summarise,
    throwaway_postgres,
)
from sqlalchemy import func, select

from survey.clock import local_today
from survey.models import Invitation, KioskSession, db
from survey.operations.kiosk import add_kiosk_invitations, start_kiosk
from survey.operations.organisation import ensure_builtin_insatser, ensure_node_path
from survey.operations.rounds import create_round
from survey.operations.users import create_user
from survey.respond.kiosk import KIOSK_COOKIE, KIOSK_PATH


def kiosk_tokens(app, unused: int, tablets: int) -> list[str]:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    today = local_today()
    with app.app_context():
        ensure_builtin_insatser(db.session)
        unit = ensure_node_path(db.session, "Förvaltning/Enhet/Verksamhet", "daglig_verksamhet")
        round_ = create_round(
            db.session,
            code="BENCH-KIOSK",
            survey_type="dv",
            period=today.year,
            opens_on=today - timedelta(days=1),
            closes_on=today + timedelta(days=30),
            units=[unit],
            organiser="Benchkommunen",
        )
        user = create_user(
            db.session,
            email="bench@example.se",
            name="Bench",
            password=None,
            grants=[("stodperson", None)],
        )
        left = unused
        while left:
            left -= add_kiosk_invitations(
                db.session, round_, unit.id, min(500, left), user_id=user.id
            )
        tokens = [
            start_kiosk(db.session, round_, unit.id, user_id=user.id, today=today, hours=1).token
            for _ in range(tablets)
        ]
        db.session.commit()
    return tokens


def tablet(app, token: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    client.set_cookie(KIOSK_COOKIE, token, path=KIOSK_PATH)
    return client


def claim(client) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    response = client.post(KIOSK_PATH, data={"lang": "sv"})
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 302 or not response.headers["Location"].startswith("/r/"):
        raise SystemExit(f"a claim failed: {response.status_code}")
    return elapsed


def run(database: str, unused: int, claims: int, pg_url: str) -> dict[str, Any]:
    with sqlite_database() if database == "sqlite" else throwaway_postgres(pg_url) as url:
        app = build_app(url)
        one, *two = kiosk_tokens(app, unused, 3)
        single = tablet(app, one)
        for _ in range(20):  # warm-up
            claim(single)
        alone = [claim(single) for _ in range(claims)]
        pair = [tablet(app, token) for token in two]
        samples: list[list[float]] = [[], []]
        barrier = threading.Barrier(2)

        def work(index: int) -> None:
            barrier.wait()
            samples[index] = [claim(pair[index]) for _ in range(claims // 2)]

        threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        with app.app_context():
            taken = db.session.scalar(
                select(func.count()).where(Invitation.handed_out_on.is_not(None))
            )
            kiosks = db.session.scalar(select(func.count()).select_from(KioskSession))
            db.session.rollback()
        expected = 20 + claims + 2 * (claims // 2)
        if taken != expected or kiosks != 3:
            raise SystemExit(f"taken {taken}, expected {expected}")
        version = server_version(app)
        with app.app_context():
            db.engine.dispose()
    return {
        "database": version,
        "unused": unused,
        "one_tablet_ms": summarise(alone),
        "two_tablets_ms": summarise(samples[0] + samples[1]),
        "two_tablets_claims_per_s": round(2 * (claims // 2) / wall, 1),
        "taken_once_each": True,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--unused", type=int, default=2000)
    parser.add_argument("--claims", type=int, default=500)
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    args = parser.parse_args(argv)
    result = run(args.database, args.unused, args.claims, args.pg_url)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
