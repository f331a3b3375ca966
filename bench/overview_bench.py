"""Live-overview benchmark: server time of `round_overview` and `overview_csv` for a city round.

The round: 1 förvaltning, 20 enheter, 200 verksamheter (daglig verksamhet, 10 per enhet),
plus 100 boende units outside the round (they must be pruned). 20,000 invitations (100 per
verksamhet) inserted in bulk with statuses set directly — 12,000 submitted, 2,000 started,
500 withdrawn, the rest not started; genders kvinna/man/annat/okand/None in turn. Nothing
goes through the survey.

Timed in process with `time.perf_counter`, each after 3 untimed warm-up calls, as the median
(and max) of --runs calls (default 20):

1. `round_overview` for an admin (the whole installation, 221 rows);
2. `round_overview` for an enhetschef scoped to one enhet (11 rows);
3. `overview_csv` of the admin overview (pure, no database).

The database is a temporary SQLite file, or a throw-away PostgreSQL database created on the
server and dropped at the end; the schema comes from the migrations; both are ANALYZEd
after the bulk insert (as autovacuum would be soon after an import). Results are printed
and written to bench/results/overview-<db>.json.

    .venv/bin/python bench/overview_bench.py --database sqlite
    .venv/bin/python bench/overview_bench.py --database postgresql
"""

from __future__ import annotations

import argparse
import json
import platform
import secrets
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent))

from respond_bench import (
    DEFAULT_PG_URL,
    RESULTS_DIR,
    build_app,
    server_version,
    sqlite_database,
    throwaway_postgres,
)

from survey.domain.access import Access, Grant
from survey.models import Invitation, OrgNode, Round, db
from survey.operations.organisation import (
    ensure_builtin_insatser,
    ensure_node_path,
)
from survey.operations.rounds import create_round
from survey.queries.overview import overview_csv, round_overview

ENHETER = 20
PER_ENHET = 10
PER_UNIT = 100
SUBMITTED, STARTED, WITHDRAWN = 12_000, 2_000, 500
GENDERS = ("kvinna", "man", "kvinna", "man", "annat", "okand", None)
WARMUP = 3


def build_city(session: Any) -> tuple[int, int]:
    """The round and one enhet's id; invitations inserted in bulk."""
    ensure_builtin_insatser(session)
    units: list[OrgNode] = []
    for e in range(1, ENHETER + 1):
        for v in range(1, PER_ENHET + 1):
            path = f"Stadsdelsförvaltningen/Enhet {e:02d}/Verksamhet {e:02d}-{v:02d}"
            units.append(ensure_node_path(session, path, "daglig_verksamhet"))
    for b in range(1, 101):
        ensure_node_path(session, f"Stadsdelsförvaltningen/Boende {b % 5}/Hem {b}", "gruppbostad")
    round_ = create_round(
        session,
        code="BENCH-OVERVIEW",
        survey_type="dv",
        period=2026,
        opens_on=date(2026, 9, 1),
        closes_on=date(2026, 10, 15),
        units=units,
        organiser="Benchkommunen",
    )
    now = datetime.now(UTC)
    rows = []
    for i in range(len(units) * PER_UNIT):
        if i % 40 < 24:  # 60 %: 12,000 of 20,000
            status = "submitted"
        elif i % 40 < 28:  # 10 %
            status = "started"
        elif i % 40 == 28:  # 2.5 %
            status = "withdrawn"
        else:
            status = "not_started"
        rows.append(
            {
                "round_id": round_.id,
                "org_node_id": units[i % len(units)].id,
                "gender": GENDERS[i % len(GENDERS)],
                "channel": "letter",
                "token": secrets.token_urlsafe(24),
                "short_code": f"B{i:07d}",
                "status": status,
                "created_at": now,
            }
        )
    session.execute(insert(Invitation), rows)
    session.commit()
    # Autovacuum analyses a table soon after a bulk insert; without statistics PostgreSQL
    # plans for 13 rows (a sort on text columns instead of a hash aggregate).
    session.execute(text("ANALYZE"))
    session.commit()
    return round_.id, units[0].parent_id or 0


def timed(call: Callable[[], object], runs: int) -> dict[str, float]:
    for _ in range(WARMUP):
        call()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return {
        "median_ms": round(statistics.median(times), 2),
        "max_ms": round(max(times), 2),
        "min_ms": round(min(times), 2),
    }


def run(database_url: str, runs: int) -> dict[str, object]:
    app = build_app(database_url)
    with app.app_context():
        session = db.session
        round_id, enhet_id = build_city(session)
        round_ = session.get(Round, round_id)
        assert round_ is not None
        admin = Access.of([Grant("admin", None)])
        chef = Access.of([Grant("enhetschef", enhet_id)])
        overview = round_overview(session, round_, admin)
        top = overview.rows[0]
        assert (top.invited, top.submitted, top.withdrawn) == (
            20_000 - WITHDRAWN,
            SUBMITTED,
            WITHDRAWN,
        ), top
        assert sum(1 for r in overview.rows if r.is_leaf) == ENHETER * PER_ENHET
        scoped = round_overview(session, round_, chef)
        assert len(scoped.rows) == PER_ENHET + 1
        invitations = len(session.scalars(select(Invitation.id)).all())
        result = {
            "database": server_version(app),
            "python": platform.python_version(),
            "invitations": invitations,
            "rows_admin": len(overview.rows),
            "rows_enhetschef": len(scoped.rows),
            "runs": runs,
            "round_overview_admin": timed(lambda: round_overview(session, round_, admin), runs),
            "round_overview_enhetschef": timed(lambda: round_overview(session, round_, chef), runs),
            "overview_csv": timed(lambda: overview_csv(overview), runs),
            "csv_bytes": len(overview_csv(overview).encode("utf-8")),
        }
        session.rollback()
    with app.app_context():
        db.engine.dispose()
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help="PostgreSQL server URL")
    args = parser.parse_args(argv)
    database = sqlite_database() if args.database == "sqlite" else throwaway_postgres(args.pg_url)
    with database as url:
        result = run(url, args.runs)
    for key in ("round_overview_admin", "round_overview_enhetschef", "overview_csv"):
        figures = result[key]
        assert isinstance(figures, dict)
        print(
            f"{key:<28} median {figures['median_ms']:>8.2f} ms   max {figures['max_ms']:>8.2f} ms"
        )
    print(json.dumps(result, indent=2, ensure_ascii=False))
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"overview-{args.database}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
