"""Staff-side benchmark: server time of the live overview PAGE and its CSV, per request.

The city round of overview_bench.py (1 förvaltning, 20 enheter, 200 verksamheter, 100 boende
units outside the round; 20,000 invitations, 12,000 submitted; ANALYZE after the bulk insert),
and two signed-in people, each with a test client of their own:

- an admin on the whole installation (with an enrolled second factor, so the guard lets
  them through): 221 rows;
- a handläggare on one enhet: 11 rows (the enhet and its 10 verksamheter).

For each person, GET

1. /personal/omgangar/<code>/oversikt (tree order),
2. /personal/omgangar/<code>/oversikt?sortera=lagst (units only, lowest response first),
3. /personal/omgangar/<code>/oversikt.csv (also writes one audit row and commits),

through Flask's test client, in process: the whole request (session cookie, Flask-Login's
user load, the guard, the queries, the roll-up, the template, compression of the body, since
the requests send `Accept-Encoding: gzip, deflate, br` as a browser does) and the database;
no web server, no network. --warmup untimed rounds (default 5), then --runs timed rounds
(default 30); a round GETs each of the six requests once, in turn, so a burst of load on a
shared machine falls on all of them alike. Each GET is timed around `client.get` with
`time.perf_counter` (wall) and `time.process_time` (CPU of this process: on SQLite that
includes the database engine, on PostgreSQL the server's work is not in it). Median, p95
(inclusive quantiles), max, and the body size as sent and decoded.

People sign in as the tests do: the staff session cookie is written directly
(`session_transaction` under /personal), no password, no TOTP code.

--profile: after timing, each request whose median is over the aim (--aim-ms, default 150)
or, with --profile-all, every request, is run --profile-runs times (default 10) under
cProfile (CPU clock), and the top functions by cumulative time are printed, per request.
cProfile inflates Python-heavy code (templates) far more than time spent in the database.

Python's full garbage collections (generation 2) are counted during the timed rounds with
their pauses: with the app's ~120,000 long-lived objects each one takes tens of milliseconds
and lands on whichever request happens to trigger it, so they make most of the p95 and max.
--gc-freeze calls `gc.collect(); gc.freeze()` once after the set-up (as a server could after
start-up), so full collections skip the long-lived objects.

--index SQL: after the timings, a trial of a CREATE INDEX statement: --index-phases (default
3) alternations of "without" and "with" (the index created, later dropped, ANALYZE after each
change), --runs rounds in all per variant, so both see the same machine. The index is the
benchmark's own, in a throw-away database: a trial, never a migration.

The database is a temporary SQLite file, or a throw-away PostgreSQL database created on the
server and dropped at the end; the schema comes from the migrations. Results are printed and
written to bench/results/staff-<db>.json.

    .venv/bin/python bench/staff_bench.py --database sqlite
    .venv/bin/python bench/staff_bench.py --database postgresql --profile
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import platform
import pstats
import re
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))

from overview_bench import ENHETER, PER_ENHET, build_city
from respond_bench import (
    DEFAULT_PG_URL,
    RESULTS_DIR,
    build_app,
    server_version,
    sqlite_database,
    throwaway_postgres,
)

from survey.clock import local_today
from survey.models import OrgNode, User, db
from survey.operations.users import create_user

ROUND_CODE = "BENCH-OVERVIEW"
#: Any base32 secret: the guard only asks whether one is enrolled; no code is ever checked.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105
BROWSER_HEADERS = {"Accept-Encoding": "gzip, deflate, br"}
PAGES = (
    ("page", f"/personal/omgangar/{ROUND_CODE}/oversikt"),
    ("page_lowest", f"/personal/omgangar/{ROUND_CODE}/oversikt?sortera=lagst"),
    ("csv", f"/personal/omgangar/{ROUND_CODE}/oversikt.csv"),
)
#: Table rows each person's pages must show: (tree order, lowest first); the CSV has the
#: tree's rows and a header.
EXPECTED_ROWS = {
    "admin": (1 + ENHETER + ENHETER * PER_ENHET, ENHETER * PER_ENHET),
    "handlaggare": (1 + PER_ENHET, PER_ENHET),
}


# --- people and clients -----------------------------------------------------------------


def make_people(app: Flask, enhet_id: int) -> dict[str, int]:
    """The admin (installation-wide, second factor enrolled) and a handläggare on one enhet."""
    with app.app_context():
        session = db.session
        enhet = session.get(OrgNode, enhet_id)
        assert enhet is not None
        assert enhet.level == "enhet", enhet.level
        admin = create_user(
            session, email="admin@example.se", name="Admin", password=None, grants=[("admin", None)]
        )
        admin.totp_secret = TOTP_SECRET
        handlaggare = create_user(
            session,
            email="handlaggare@example.se",
            name="Handläggare",
            password=None,
            grants=[("handlaggare", enhet)],
        )
        session.commit()
        return {"admin": admin.id, "handlaggare": handlaggare.id}


def signed_in_client(app: Flask, user_id: int) -> FlaskClient:
    """A client whose staff cookie says `user_id` is signed in (as the tests do it)."""
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user is not None
        identifier = f"{user.id}:{user.session_version}"
        db.session.rollback()
    client = app.test_client()
    with client.session_transaction("/personal/") as session:
        session["_user_id"] = identifier
        session["_fresh"] = True
        session["signed_in_at"] = session["seen_at"] = time.time()
    return client


# --- one request ------------------------------------------------------------------------


def get(client: FlaskClient, url: str) -> tuple[int, int]:
    """GET `url`; (bytes as sent, bytes decoded). Fails unless 200."""
    response = client.get(url, headers=BROWSER_HEADERS)
    try:
        assert response.status_code == 200, f"GET {url}: {response.status_code}"
        sent = response.get_data()
        return len(sent), len(decode(sent, response.headers.get("Content-Encoding")))
    finally:
        response.close()


def decode(body: bytes, encoding: str | None) -> bytes:
    if encoding == "gzip":
        import gzip

        return gzip.decompress(body)
    if encoding == "br":
        import brotli

        return bytes(brotli.decompress(body))
    assert encoding in (None, "identity"), encoding
    return body


def body_text(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    try:
        assert response.status_code == 200, f"GET {url}: {response.status_code}"
        return response.get_data(as_text=True)
    finally:
        response.close()


def check_pages(client: FlaskClient, person: str) -> None:
    """The pages show what the person may see: right row counts, nothing out of scope."""
    tree_rows, lowest_rows = EXPECTED_ROWS[person]
    page = body_text(client, PAGES[0][1])
    assert page.count('<th scope="row"') == tree_rows, (person, page.count('<th scope="row"'))
    lowest = body_text(client, PAGES[1][1])
    assert lowest.count('<th scope="row"') == lowest_rows, person
    table = body_text(client, PAGES[2][1]).strip("\r\n").split("\r\n")
    assert len(table) == 1 + tree_rows, (person, len(table))
    if person == "handlaggare":
        assert "Enhet 02" not in page
        assert "Stadsdelsförvaltningen" not in page


# --- timing and profiling ---------------------------------------------------------------


def quantile_summary(samples_ms: Sequence[float], prefix: str = "") -> dict[str, float | int]:
    cuts = statistics.quantiles(samples_ms, n=100, method="inclusive")
    return {
        f"{prefix}median_ms": round(statistics.median(samples_ms), 2),
        f"{prefix}p95_ms": round(cuts[94], 2),
        f"{prefix}min_ms": round(min(samples_ms), 2),
        f"{prefix}max_ms": round(max(samples_ms), 2),
    }


Samples = dict[str, tuple[list[float], list[float]]]


def requests_of(clients: dict[str, FlaskClient]) -> list[tuple[str, str, str]]:
    """(key, person, url) of every request timed."""
    return [(f"{p}.{name}", p, url) for p in clients for name, url in PAGES]


def time_requests(
    clients: dict[str, FlaskClient], warmup: int, runs: int, samples: Samples | None = None
) -> Samples:
    """Warm-up, then `runs` rounds; each round GETs every request once, in turn, so a burst of
    load on the machine falls on all of them alike. Wall and CPU (this process) per GET."""
    requests = requests_of(clients)
    samples = samples if samples is not None else {key: ([], []) for key, _, _ in requests}
    for _ in range(warmup):
        for _, person, url in requests:
            get(clients[person], url)
    for _ in range(runs):
        for key, person, url in requests:
            cpu = time.process_time()
            started = time.perf_counter()
            get(clients[person], url)
            samples[key][0].append((time.perf_counter() - started) * 1000)
            samples[key][1].append((time.process_time() - cpu) * 1000)
    return samples


def summarise(clients: dict[str, FlaskClient], samples: Samples) -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    for key, person, url in requests_of(clients):
        sent, decoded = get(clients[person], url)
        wall, cpu = samples[key]
        results[key] = {
            "person": person,
            "url": url,
            "bytes_sent": sent,
            "bytes_decoded": decoded,
            "count": len(wall),
            **quantile_summary(wall),
            **quantile_summary(cpu, "cpu_"),
        }
    return results


def index_trial(
    app: Flask, clients: dict[str, FlaskClient], create: str, warmup: int, runs: int, phases: int
) -> dict[str, dict[str, dict[str, Any]]]:
    """Without and with the index, in alternating phases (index dropped and created again,
    ANALYZE after each change), `runs` rounds in all per variant."""
    match = re.search(r"INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)", create, re.IGNORECASE)
    if match is None:
        raise SystemExit(f"--index: no index name in {create!r}")
    drop = f"DROP INDEX {match.group(1)}"
    keys = [key for key, _, _ in requests_of(clients)]
    without: Samples = {key: ([], []) for key in keys}
    with_index: Samples = {key: ([], []) for key in keys}
    per_phase = max(2, runs // phases)
    for _ in range(phases):
        time_requests(clients, warmup, per_phase, without)
        _ddl(app, create)
        time_requests(clients, warmup, per_phase, with_index)
        _ddl(app, drop)
    return {"without": summarise(clients, without), "with": summarise(clients, with_index)}


def _ddl(app: Flask, statement: str) -> None:
    with app.app_context():
        db.session.execute(text(statement))
        db.session.execute(text("ANALYZE"))
        db.session.commit()


def profile_request(client: FlaskClient, url: str, runs: int, top: int) -> str:
    """cProfile (CPU clock) over `runs` GETs; the top functions by cumulative time."""
    get(client, url)
    profiler = cProfile.Profile(time.process_time)
    wall = time.perf_counter()
    profiler.enable()
    for _ in range(runs):
        get(client, url)
    profiler.disable()
    wall = (time.perf_counter() - wall) * 1000 / runs
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    return f"{url}: {runs} requests, wall {wall:.1f} ms per request under the profiler\n" + (
        out.getvalue()
    )


# --- running ----------------------------------------------------------------------------


class FullCollections:
    """Counts Python's full (generation 2) garbage collections and how long each took."""

    def __init__(self) -> None:
        self.pauses_ms: list[float] = []
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses_ms.append((time.perf_counter() - self._started) * 1000)

    def __enter__(self) -> FullCollections:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *_: object) -> None:
        gc.callbacks.remove(self)

    def summary(self) -> dict[str, Any]:
        return {
            "objects_tracked": len(gc.get_objects()),
            "frozen": gc.get_freeze_count(),
            "full_collections": len(self.pauses_ms),
            "pause_median_ms": round(statistics.median(self.pauses_ms), 1)
            if self.pauses_ms
            else None,
        }


def run(database_url: str, args: argparse.Namespace) -> dict[str, Any]:
    app = build_app(database_url)
    try:
        with app.app_context():
            _, enhet_id = build_city(db.session)
            db.session.remove()
        people = make_people(app, enhet_id)
        clients = {person: signed_in_client(app, user_id) for person, user_id in people.items()}
        for person, client in clients.items():
            check_pages(client, person)
        result: dict[str, Any] = {
            "benchmark": "staff",
            "date": local_today().isoformat(),
            "machine": {
                "python": platform.python_version(),
                "platform": platform.platform(),
                "cpu_count": os.cpu_count(),
                "database": server_version(app),
            },
            "round": ROUND_CODE,
            "warmup": args.warmup,
            "runs": args.runs,
            "aim_ms": args.aim_ms,
            "load_before": round(os.getloadavg()[0], 2),
        }
        if args.gc_freeze:
            # What a server could do once after start-up: objects alive now are never
            # scanned again by a full collection.
            gc.collect()
            gc.freeze()
        with FullCollections() as collections:
            samples = time_requests(clients, args.warmup, args.runs)
        result["requests"] = summarise(clients, samples)
        result["gc"] = collections.summary()
        if args.profile or args.profile_all:
            profiles = {}
            for key, row in result["requests"].items():
                if args.profile_all or row["median_ms"] > args.aim_ms:
                    profiles[key] = profile_request(
                        clients[row["person"]], row["url"], args.profile_runs, args.profile_top
                    )
            result["profiles"] = profiles
        if args.index:
            result["index"] = args.index
            result["index_trial"] = index_trial(
                app, clients, args.index, args.warmup, args.runs, args.index_phases
            )
        result["load_after"] = round(os.getloadavg()[0], 2)
        return result
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def table(rows: dict[str, dict[str, Any]], aim_ms: float) -> str:
    heads = ("median", "p95", "max", "cpu med", "cpu p95")
    head = "".join(f"{h:>9}" for h in (*heads, "sent B", "body B"))
    lines = [f"  {'request':<24}{head}  aim"]
    for key, row in rows.items():
        verdict = "ok" if row["p95_ms"] <= aim_ms else "OVER"
        cells = (row[k] for k in ("median_ms", "p95_ms", "max_ms", "cpu_median_ms", "cpu_p95_ms"))
        lines.append(
            f"  {key:<24}"
            + "".join(f"{cell:>9.1f}" for cell in cells)
            + f"{row['bytes_sent']:>9,}{row['bytes_decoded']:>9,}  {verdict}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--aim-ms", type=float, default=150.0)
    parser.add_argument("--profile", action="store_true", help="profile requests over the aim")
    parser.add_argument("--profile-all", action="store_true", help="profile every request")
    parser.add_argument("--profile-runs", type=int, default=10)
    parser.add_argument("--profile-top", type=int, default=35)
    parser.add_argument("--index", help="CREATE INDEX … to try after the first timings")
    parser.add_argument("--index-phases", type=int, default=3, help="without/with alternations")
    parser.add_argument(
        "--gc-freeze", action="store_true", help="gc.freeze() after set-up, before the timings"
    )
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help="PostgreSQL server URL")
    args = parser.parse_args(argv)
    if args.runs < 2:
        parser.error("--runs must be at least 2")
    database = sqlite_database() if args.database == "sqlite" else throwaway_postgres(args.pg_url)
    with database as url:
        result = run(url, args)
    machine = result["machine"]
    print(
        f"Staff benchmark, {result['date']}: {machine['database']}, Python {machine['python']}, "
        f"os.cpu_count() = {machine['cpu_count']}; {args.warmup} warm-up + {args.runs} timed "
        f"requests each, ms"
    )
    print(table(result["requests"], args.aim_ms))
    collected = result["gc"]
    print(
        f"  full garbage collections during the timed rounds: {collected['full_collections']}, "
        f"median pause {collected['pause_median_ms']} ms "
        f"({collected['objects_tracked']:,} objects tracked, {collected['frozen']:,} frozen)"
    )
    if "index_trial" in result:
        for variant in ("without", "with"):
            print(f"\n{variant} {result['index']} ({args.index_phases} alternating phases)")
            print(table(result["index_trial"][variant], args.aim_ms))
    print(f"\nload average (1 min) before, after: {result['load_before']}, {result['load_after']}")
    for key, text_ in result.get("profiles", {}).items():
        print(f"\n=== profile {key} ===\n{text_}")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"staff-{args.database}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwritten to {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
