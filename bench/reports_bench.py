"""Unit-report benchmark: one unit's PDF, and every PDF of the city-scale round as one ZIP.

The round is the indicator benchmark's city world (bench/indicators_bench.py: 4 förvaltningar
→ 40 enheter → 200 verksamheter, 25,000 invitations, 20,000 responses, 14 questions, with a
closed round of the previous period), generated the same way (deterministic, `--seed`).

Timed in process (`time.perf_counter`) after one untimed warm-up, `--repeat` runs, median:

1. **one PDF**: what `flask report pdf --round CODE --unit PATH` does once the round's
   figures are computed: `ReportBuilder(...).pdf(node)` for a verksamhet, an enhet and a
   förvaltning (`unit_pdf_ms` per level);
2. **one PDF from scratch**: the same for one verksamhet including `round_figures` (what a
   click on the dashboard costs when the per-process cache is cold);
3. **whole round**: what `flask report pdf --round CODE --all -o round.zip` does: the round's
   figures, the round's Excel workbook, and the ZIP of the whole organisation's report and
   every unit's at every level (245 PDFs).

    .venv/bin/python bench/reports_bench.py --database sqlite
    .venv/bin/python bench/reports_bench.py --database postgresql

Aim: one PDF ≤ 150 ms; the whole round ≤ 20 s on 2 cores.
"""

from __future__ import annotations

import argparse
import io
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from flask_babel import force_locale
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent))

from indicators_bench import OTHER_DISTRICT, SCALES, THRESHOLD, build
from respond_bench import (
    DEFAULT_PG_URL,
    RESULTS_DIR,
    build_app,
    server_version,
    sqlite_database,
    throwaway_postgres,
)

from survey.clock import local_today
from survey.i18n import document_language
from survey.models import Round, db
from survey.queries.indicators import round_figures
from survey.queries.report_files import ReportBuilder, write_round_zip


def timed(call: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    call()  # warm-up
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def whole_round(session: Any, round_: Round) -> tuple[int, int]:
    report = round_figures(session, round_, threshold=THRESHOLD)
    builder = ReportBuilder(
        session, report, by="utforare", lang=document_language("sv"), today=local_today()
    )
    out = io.BytesIO()
    count = write_round_zip(
        out,
        builder,
        builder.plan(),
        folder=builder.folder,
        extra=builder.workbook(),
    )
    return count, len(out.getvalue())


def run(database_url: str, args: argparse.Namespace) -> dict[str, Any]:
    app = build_app(database_url)
    with app.app_context(), force_locale("sv"):
        session = db.session
        facts = build(
            session, SCALES["city"], args.seed, previous=True, other_district=OTHER_DISTRICT
        )
        print(f"generated {facts['answers']:,} answers in {facts['generate_s']} s", file=sys.stderr)
        round_ = session.scalar(select(Round).where(Round.code == facts["code"]))
        report = round_figures(session, round_, threshold=THRESHOLD)
        lang = document_language("sv")
        builder = ReportBuilder(session, report, by="utforare", lang=lang, today=local_today())
        by_level: dict[str, int] = {}
        for unit in builder.units.values():
            by_level.setdefault(unit.level, unit.node_id)  # type: ignore[arg-type]
        pdf_ms = {}
        sizes = {}
        for level, node_id in sorted(by_level.items()):
            pdf_ms[level], data = timed(lambda n=node_id: builder.pdf(n), args.repeat)
            sizes[level] = len(data)
        verksamhet = by_level["verksamhet"]

        def from_scratch() -> bytes:
            fresh = round_figures(session, round_, threshold=THRESHOLD)
            return ReportBuilder(session, fresh, by="utforare", lang=lang, today=local_today()).pdf(
                verksamhet
            )

        cold_ms, _ = timed(from_scratch, max(1, args.repeat // 2))
        whole_ms, (count, zip_size) = timed(
            lambda: whole_round(session, round_), max(1, args.repeat // 3)
        )
        session.rollback()
        result = {
            "database": server_version(app),
            **facts,
            "unit_pdf_ms": {k: round(v, 1) for k, v in pdf_ms.items()},
            "unit_pdf_bytes": sizes,
            "unit_pdf_from_scratch_ms": round(cold_ms, 1),
            "whole_round_ms": round(whole_ms, 1),
            "whole_round_pdfs": count,
            "whole_round_zip_bytes": zip_size,
        }
    with app.app_context():
        db.engine.dispose()
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help="PostgreSQL server URL")
    args = parser.parse_args(argv)
    database = sqlite_database() if args.database == "sqlite" else throwaway_postgres(args.pg_url)
    with database as url:
        result = run(url, args)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"reports-{args.database}.json"
    document = {"python": platform.python_version(), "result": result}
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"written {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
