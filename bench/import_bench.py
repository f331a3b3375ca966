"""Import benchmark: a 10,000-row recipient list (CSV and XLSX), preview + import.

For each format it measures, in process (no web server):

- preview: `preview_recipients` (read the file, match units, validate every row), and
- import: `import_recipient_rows` (bulk INSERT of the invitations, unique short codes) plus
  the commit,

each timed with `time.perf_counter`, and the peak Python memory of the two together
(`tracemalloc`), plus the process's maximum resident set size (`ru_maxrss`, which only
grows, so read it per format in the order run: CSV first). The rows spread over 40
verksamheter with Swedish names, genders in several spellings, an e-mail on every third row.

The database is a temporary SQLite file, or a throw-away PostgreSQL database created on the
server and dropped at the end; the schema comes from the migrations.

    .venv/bin/python bench/import_bench.py --database sqlite
    .venv/bin/python bench/import_bench.py --database postgresql --rows 10000

Aim: 10,000 rows in at most 3 s (preview + import).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import resource
import secrets
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import flask_migrate
from flask import Flask
from openpyxl import Workbook
from sqlalchemy import create_engine, delete, func, select, text
from sqlalchemy.engine import make_url

from survey import create_app
from survey.clock import local_today
from survey.models import Invitation, Round, db
from survey.operations.organisation import ensure_builtin_insatser, ensure_node_path
from survey.operations.recipients import import_recipient_rows, preview_recipients
from survey.operations.rounds import create_round
from survey.settings import Settings, normalise_database_url

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
UNITS = 40
GENDERS = ("Kvinna", "Man", "K", "M", "", "kvinna", "man", "Annat", "Okänd")


@contextmanager
def sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="import-bench-") as directory:
        yield f"sqlite:///{Path(directory) / 'bench.sqlite'}"


@contextmanager
def throwaway_postgres(base_url: str) -> Iterator[str]:
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


def unit_names() -> list[str]:
    return [f"Daglig verksamhet Ängen {n:02d}" for n in range(UNITS)]


def recipient_rows(count: int) -> list[list[str]]:
    names = unit_names()
    return [
        [
            names[i % UNITS]
            if i % 2
            else f"Förvaltningen/Enhet {i % UNITS % 4}/{names[i % UNITS]}",
            GENDERS[i % len(GENDERS)],
            f"person{i}@example.se" if i % 3 == 0 else "",
        ]
        for i in range(count)
    ]


def as_csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(["Enhet", "Kön", "E-post"])
    writer.writerows(rows)
    return buffer.getvalue().encode("cp1252")


def as_xlsx(rows: list[list[str]]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(["Enhet", "Kön", "E-post"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def set_up(app: Flask) -> None:
    with app.app_context():
        ensure_builtin_insatser(db.session)
        units = [
            ensure_node_path(db.session, f"Förvaltningen/Enhet {n % 4}/{name}", "daglig_verksamhet")
            for n, name in enumerate(unit_names())
        ]
        today = local_today()
        create_round(
            db.session,
            code="BENCH",
            survey_type="dv",
            period=today.year,
            opens_on=today,
            closes_on=today + timedelta(days=30),
            units=units,
        )
        db.session.commit()


def _preview_and_import(app: Flask, data: bytes, filename: str) -> tuple[float, float, int]:
    """One preview + import + commit; returns (preview s, import s, rows) and clears up."""
    with app.app_context():
        session = db.session
        round_ = session.scalar(select(Round).where(Round.code == "BENCH"))
        assert round_ is not None
        started = time.perf_counter()
        preview = preview_recipients(session, round_, data, filename)
        previewed = time.perf_counter()
        assert not preview.errors, preview.errors[:3]
        count = import_recipient_rows(session, round_, preview.rows)
        session.commit()
        finished = time.perf_counter()
        stored = session.scalar(select(func.count()).select_from(Invitation))
        assert stored == count == len(preview.rows)
        session.execute(delete(Invitation))
        session.commit()
    return previewed - started, finished - previewed, count


def measure(app: Flask, data: bytes, filename: str) -> dict[str, Any]:
    """Timed once without tracing (tracemalloc slows Python down several times), then once
    more under tracemalloc for the peak of Python allocations."""
    preview_s, import_s, count = _preview_and_import(app, data, filename)
    tracemalloc.start()
    _preview_and_import(app, data, filename)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "file": filename,
        "file_bytes": len(data),
        "rows": count,
        "preview_s": round(preview_s, 3),
        "import_s": round(import_s, 3),
        "total_s": round(preview_s + import_s, 3),
        "peak_python_mb": round(peak / 2**20, 1),
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def run(database: str, rows: int, pg_url: str) -> dict[str, Any]:
    context = sqlite_database() if database == "sqlite" else throwaway_postgres(pg_url)
    data_rows = recipient_rows(rows)
    files = [("lista.csv", as_csv(data_rows)), ("lista.xlsx", as_xlsx(data_rows))]
    with context as url:
        app = build_app(url)
        set_up(app)
        results = [measure(app, data, name) for name, data in files]
        with app.app_context():
            db.engine.dispose()
    return {"database": database, "python": sys.version.split()[0], "results": results}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    args = parser.parse_args(argv)
    result = run(args.database, args.rows, args.pg_url)
    for line in result["results"]:
        print(
            f"{args.database:<10} {line['file']:<11} {line['rows']:>6} rows  "
            f"{line['file_bytes'] / 1024:>6.0f} KiB  preview {line['preview_s']:.2f} s  "
            f"import {line['import_s']:.2f} s  total {line['total_s']:.2f} s  "
            f"peak {line['peak_python_mb']} MB  maxrss {line['max_rss_mb']} MB"
        )
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
