"""Respondent-side benchmark: page weight of a question and server time per answer.

What it measures, all through Flask's test client (in process, no network, no web server):

1. Page weight of the first question page, GET /r/<token>/q/DV_RADD, for a fresh invitation
   (default presentation "Med bilder"). Three totals, each as raw bytes and as gzip bytes
   (``gzip.compress`` level 6, each resource compressed on its own, as HTTP would send it):
   the HTML alone; the HTML plus every ``<link rel="stylesheet">`` and ``<script src>`` it
   links; and that plus every ``<img src>`` pictogram on the page (each unique URL once).
2. Server time per answer POST (/r/<token>/q/<CODE>, form field ``answer``): N answers
   (default 1000) spread over ceil(N / 14) invitations, each answering the bank's questions
   in bank order with a valid option code, one ``client.post`` timed with
   ``time.perf_counter``. Every answer must be answered with 302. Before timing, 50 warm-up
   answers (and submits) run on invitations of their own and are not counted.
3. Server time per submit POST (/r/<token>/skicka) for each invitation that answered every
   bank question, timed right after its last answer.

The database is a temporary SQLite file, or a throw-away PostgreSQL database created on the
server and dropped at the end; the schema always comes from the migrations. Results are
printed as a table and as JSON on stdout, and written to bench/results/respond-<db>.json.

Run from the repository root:

    .venv/bin/python bench/respond_bench.py --database sqlite --answers 1000
    .venv/bin/python bench/respond_bench.py --database postgresql --answers 1000

PostgreSQL defaults to postgresql://postgres@127.0.0.1:5432/test (override with --pg-url);
the benchmark needs the right to CREATE DATABASE there.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import platform
import secrets
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import flask_migrate
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from survey import create_app
from survey.clock import local_today
from survey.domain.question_banks import QuestionBank, load_bank
from survey.models import Answer, SurveyResponse, db
from survey.operations.invitations import issue_invitation
from survey.operations.organisation import ensure_builtin_insatser, ensure_node_path
from survey.operations.rounds import create_round
from survey.settings import Settings, normalise_database_url

SURVEY_TYPE = "dv"
BANK_VERSION = "2026.1"
PAGE_QUESTION = "DV_RADD"
WARMUP_ANSWERS = 50
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
RESULTS_DIR = Path(__file__).resolve().parent / "results"
GZIP_LEVEL = 6


# --- database and app -------------------------------------------------------------------


@contextmanager
def sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="respond-bench-") as directory:
        yield f"sqlite:///{Path(directory) / 'bench.sqlite'}"


@contextmanager
def throwaway_postgres(base_url: str) -> Iterator[str]:
    """Create a uniquely named database on the server; drop it (forcefully) afterwards."""
    url = make_url(normalise_database_url(base_url))
    name = f"brukarenkat_bench_{secrets.token_hex(4)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def build_app(database_url: str) -> Flask:
    settings = Settings(
        database_url=database_url,
        secret_key=secrets.token_hex(16),
        testing=True,
        csrf_enabled=False,
        ratelimit_enabled=False,
    )
    app = create_app(settings)
    with app.app_context():
        flask_migrate.upgrade()
    return app


def issue_tokens(app: Flask, count: int) -> list[str]:
    """One open round with one unit, and `count` invitations (gender known, so not asked)."""
    today = local_today()
    with app.app_context():
        ensure_builtin_insatser(db.session)
        unit = ensure_node_path(db.session, "Förvaltning/Enhet/Verksamhet", "daglig_verksamhet")
        round_ = create_round(
            db.session,
            code="BENCH-DV",
            survey_type=SURVEY_TYPE,
            period=today.year,
            opens_on=today - timedelta(days=1),
            closes_on=today + timedelta(days=30),
            units=[unit],
            organiser="Benchkommunen",
        )
        tokens = [
            issue_invitation(db.session, round_, unit, gender="kvinna").token for _ in range(count)
        ]
        db.session.commit()
    return tokens


def server_version(app: Flask) -> str:
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            return str(db.session.scalar(text("SHOW server_version")))
        return f"SQLite {sqlite3.sqlite_version}"


def stored_counts(app: Flask) -> tuple[int, int]:
    with app.app_context():
        responses = db.session.scalar(select(func.count()).select_from(SurveyResponse)) or 0
        answers = db.session.scalar(select(func.count()).select_from(Answer)) or 0
        db.session.rollback()
    return responses, answers


# --- 1. page weight ---------------------------------------------------------------------


class AssetLinks(HTMLParser):
    """Collects stylesheet, script and image URLs of a page, each once, in page order."""

    def __init__(self) -> None:
        super().__init__()
        self.styles: list[str] = []
        self.scripts: list[str] = []
        self.images: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "link" and "stylesheet" in values.get("rel", "").lower().split():
            _add_once(self.styles, values.get("href", ""))
        elif tag == "script" and values.get("src"):
            _add_once(self.scripts, values["src"])
        elif tag == "img" and values.get("src"):
            _add_once(self.images, values["src"])


def _add_once(urls: list[str], url: str) -> None:
    if url and not url.startswith("data:") and url not in urls:
        urls.append(url)


@dataclass(frozen=True, slots=True)
class Weight:
    files: int
    raw_bytes: int
    gzip_bytes: int

    def __add__(self, other: Weight) -> Weight:
        return Weight(
            self.files + other.files,
            self.raw_bytes + other.raw_bytes,
            self.gzip_bytes + other.gzip_bytes,
        )


def weigh(bodies: Sequence[bytes]) -> Weight:
    return Weight(
        files=len(bodies),
        raw_bytes=sum(len(body) for body in bodies),
        gzip_bytes=sum(len(gzip.compress(body, compresslevel=GZIP_LEVEL)) for body in bodies),
    )


def fetch(client: FlaskClient, url: str) -> bytes:
    response = client.get(url)
    try:
        assert response.status_code == 200, f"GET {url}: {response.status_code}"
        return response.get_data()
    finally:
        response.close()


def page_weight(client: FlaskClient, token: str) -> dict[str, Any]:
    html = fetch(client, f"/r/{token}/q/{PAGE_QUESTION}")
    links = AssetLinks()
    links.feed(html.decode("utf-8"))
    links.close()
    html_weight = weigh([html])
    code_weight = weigh([fetch(client, url) for url in (*links.styles, *links.scripts)])
    picture_weight = weigh([fetch(client, url) for url in links.images])
    with_code = html_weight + code_weight
    return {
        "page": f"/r/<token>/q/{PAGE_QUESTION}",
        "stylesheets": links.styles,
        "scripts": links.scripts,
        "pictograms": links.images,
        "html": asdict(html_weight),
        "html_css_js": asdict(with_code),
        "html_css_js_pictograms": asdict(with_code + picture_weight),
    }


# --- 2. and 3. answer and submit timings ------------------------------------------------


def answer_plan(bank: QuestionBank, invitation_index: int) -> list[tuple[str, str]]:
    """(question code, option code) for every bank question, in bank order."""
    plan: list[tuple[str, str]] = []
    for position, question in enumerate(bank.questions):
        assert question.scale is not None
        options = question.scale.option_codes()
        plan.append((question.code, options[(invitation_index + position) % len(options)]))
    return plan


@dataclass
class Timings:
    answers_ms: list[float]
    submits_ms: list[float]


def run_answers(
    client: FlaskClient, bank: QuestionBank, tokens: Sequence[str], total: int
) -> Timings:
    """Post `total` answers, invitation by invitation; submit each one that answered all."""
    timings = Timings(answers_ms=[], submits_ms=[])
    remaining = total
    for index, token in enumerate(tokens):
        if remaining == 0:
            break
        plan = answer_plan(bank, index)[:remaining]
        for code, option in plan:
            started = time.perf_counter()
            response = client.post(f"/r/{token}/q/{code}", data={"answer": option})
            elapsed = time.perf_counter() - started
            assert response.status_code == 302, f"answer {code}: {response.status_code}"
            timings.answers_ms.append(elapsed * 1000)
        remaining -= len(plan)
        if len(plan) == len(bank.questions):
            started = time.perf_counter()
            response = client.post(f"/r/{token}/skicka")
            elapsed = time.perf_counter() - started
            assert response.status_code == 302, f"submit: {response.status_code}"
            timings.submits_ms.append(elapsed * 1000)
    assert remaining == 0, "not enough invitations for the answers asked for"
    return timings


def summarise(samples_ms: Sequence[float]) -> dict[str, float | int]:
    """Median, p95, p99 (inclusive quantiles), mean and max in milliseconds."""
    if not samples_ms:
        return {"count": 0}
    if len(samples_ms) == 1:
        cuts = [samples_ms[0]] * 99
    else:
        cuts = statistics.quantiles(samples_ms, n=100, method="inclusive")
    return {
        "count": len(samples_ms),
        "median_ms": round(statistics.median(samples_ms), 3),
        "p95_ms": round(cuts[94], 3),
        "p99_ms": round(cuts[98], 3),
        "mean_ms": round(statistics.fmean(samples_ms), 3),
        "max_ms": round(max(samples_ms), 3),
    }


# --- running and reporting --------------------------------------------------------------


def run(database: str, answers: int, pg_url: str) -> dict[str, Any]:
    bank = load_bank(SURVEY_TYPE, BANK_VERSION)
    per_invitation = len(bank.questions)
    warmup_invitations = math.ceil(WARMUP_ANSWERS / per_invitation)
    timed_invitations = math.ceil(answers / per_invitation)

    context = throwaway_postgres(pg_url) if database == "postgresql" else sqlite_database()
    with context as database_url:
        app = build_app(database_url)
        try:
            page_token, *tokens = issue_tokens(app, 1 + warmup_invitations + timed_invitations)
            client = app.test_client()
            weight = page_weight(client, page_token)
            run_answers(client, bank, tokens[:warmup_invitations], WARMUP_ANSWERS)
            timings = run_answers(client, bank, tokens[warmup_invitations:], answers)
            responses, stored_answers = stored_counts(app)
            complete = WARMUP_ANSWERS // per_invitation + len(timings.submits_ms)
            assert responses == complete, f"{responses} responses stored, expected {complete}"
            assert stored_answers == complete * per_invitation
            version = server_version(app)
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()

    return {
        "benchmark": "respond",
        "date": local_today().isoformat(),
        "machine": {
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "database": database,
            "database_version": version,
        },
        "page_weight": weight,
        "answer_post": {
            "invitations": timed_invitations,
            "warmup_answers": WARMUP_ANSWERS,
            **summarise(timings.answers_ms),
        },
        "submit_post": summarise(timings.submits_ms),
    }


def table(result: dict[str, Any]) -> str:
    machine = result["machine"]
    weight = result["page_weight"]
    lines = [
        f"Respondent benchmark, {result['date']}",
        f"Python {machine['python']} ({machine['implementation']}), {machine['platform']}",
        f"os.cpu_count() = {machine['cpu_count']}, "
        f"database: {machine['database']} ({machine['database_version']})",
        "",
        f"Page weight of {weight['page']}",
        f"  {'':<28}{'files':>6}{'raw bytes':>12}{'gzip bytes':>12}",
    ]
    for key, label in (
        ("html", "HTML"),
        ("html_css_js", "HTML + CSS + JS"),
        ("html_css_js_pictograms", "HTML + CSS + JS + pictograms"),
    ):
        row = weight[key]
        lines.append(
            f"  {label:<28}{row['files']:>6}{row['raw_bytes']:>12,}{row['gzip_bytes']:>12,}"
        )
    lines += ["", f"  {'':<18}{'n':>6}" + "".join(f"{h:>9}" for h in _TIMING_HEADS)]
    for key, label in (("answer_post", "answer POST (ms)"), ("submit_post", "submit POST (ms)")):
        row = result[key]
        cells = "".join(f"{row.get(name, math.nan):>9.2f}" for name in _TIMING_KEYS)
        lines.append(f"  {label:<18}{row['count']:>6}{cells}")
    return "\n".join(lines)


_TIMING_HEADS = ("median", "p95", "p99", "mean", "max")
_TIMING_KEYS = ("median_ms", "p95_ms", "p99_ms", "mean_ms", "max_ms")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--answers", type=int, default=1000, help="timed answer POSTs")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help="PostgreSQL server URL")
    args = parser.parse_args(argv)
    if args.answers < 2:
        parser.error("--answers must be at least 2")

    result = run(args.database, args.answers, args.pg_url)
    print(table(result))
    print()
    print(json.dumps(result, indent=2, ensure_ascii=False))
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"respond-{args.database}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwritten to {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
