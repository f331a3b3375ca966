"""Letters benchmark: 1,000 letters (or code cards) as one PDF, the way `flask letters` and
the letters page make them.

For each case, in process (no web server), timed with `time.perf_counter`:

- plan: `plan_letters` (the invitations by unit path and id; with a names file, read the
  file, check every row and pair it with an invitation),
- render: `render_letters` / `render_code_cards` (ReportLab, in memory),
- record: `record_letters` (mark handed out, audit) and the commit,

and the PDF's size. Cases: letters without names, letters with a names file of 1,000 rows
(name, c/o on every fifth, street, postal code, town: CSV), and code cards. The round has 20
verksamheter and 1,000 invitations; `handed_out_on` is cleared between runs so every run
marks all of them. The median of `--repeat` runs is reported.

The database is a temporary SQLite file, or a throw-away PostgreSQL database created on the
server and dropped at the end; the schema comes from the migrations. `--check` also renders
the first and last page of each PDF (pdftoppm) and decodes their QR codes (zxing-cpp).

    .venv/bin/python bench/letters_bench.py --database sqlite
    .venv/bin/python bench/letters_bench.py --database postgresql --letters 1000 --repeat 3

Aim: 1,000 letters in at most 10 s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from flask_babel import force_locale
from sqlalchemy import select, update

sys.path.insert(0, str(Path(__file__).resolve().parent))

from import_bench import DEFAULT_PG_URL, build_app, sqlite_database, throwaway_postgres

from survey.clock import local_today
from survey.domain.recipients import RecipientRow
from survey.i18n import document_language
from survey.links import entry_address, respondent_link
from survey.models import Invitation, Round, db
from survey.operations.letters import letter_round, plan_letters, record_letters
from survey.operations.organisation import ensure_builtin_insatser, ensure_node_path
from survey.operations.recipients import import_recipient_rows
from survey.operations.rounds import create_round
from survey.queries.letters import letter_unit_ids
from survey.reports.letters_pdf import render_code_cards, render_letters
from survey.static_files import pictogram_folder

UNITS = 20
GENDERS = ("kvinna", "man", None)


def unit_path(n: int) -> str:
    return f"Förvaltningen/Enhet {n % 4}/Daglig verksamhet Ängen {n:02d}"


def set_up(app: Flask, count: int) -> None:
    with app.app_context():
        ensure_builtin_insatser(db.session)
        units = [
            ensure_node_path(db.session, unit_path(n), "daglig_verksamhet") for n in range(UNITS)
        ]
        today = local_today()
        round_ = create_round(
            db.session,
            code="BENCH",
            survey_type="dv",
            period=today.year,
            opens_on=today,
            closes_on=today + timedelta(days=30),
            units=units,
            organiser="Hägersten-Älvsjö stadsdelsförvaltning",
            help_contact="Ring Anna Svensson, 08-123 45 67",
        )
        rows = [
            RecipientRow(i + 2, units[i % UNITS].id, GENDERS[i % 3], None, None)
            for i in range(count)
        ]
        import_recipient_rows(db.session, round_, rows)
        db.session.commit()


def names_csv(count: int) -> bytes:
    lines = ["Enhet;Kön;Namn;c/o;Gatuadress;Postnummer;Postort"]
    for i in range(count):
        gender = GENDERS[i % 3] or ""
        co = f"Gruppbostaden {i % 7}" if i % 5 == 0 else ""
        lines.append(
            f"{unit_path(i % UNITS)};{gender};Förnamn{i} Efternamnsson;{co};"
            f"Storgatan {i % 90 + 1} lgh {1000 + i};{12000 + i % 900:05d};Stockholm"
        )
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def one_run(app: Flask, kind: str, names: bytes | None) -> dict[str, Any]:
    from survey.cli_letters import EVERYWHERE

    with app.app_context(), force_locale("sv"):
        session = db.session
        session.execute(update(Invitation).values(handed_out_on=None, channel="link"))
        session.commit()
        round_ = session.scalar(select(Round).where(Round.code == "BENCH"))
        assert round_ is not None
        started = time.perf_counter()
        unit_ids = letter_unit_ids(session, round_, EVERYWHERE)
        run = plan_letters(
            session,
            round_,
            unit_ids,
            link=respondent_link,
            names=(names, "namn.csv") if names is not None else None,
        )
        planned = time.perf_counter()
        render = render_code_cards if kind == "cards" else render_letters
        data = render(
            letter_round(round_, entry_address()),
            run.recipients,
            document_language("sv"),
            pictograms=pictogram_folder(),
        )
        rendered = time.perf_counter()
        record_letters(session, round_, run, kind=kind, unit="", user_id=None, today=local_today())
        session.commit()
        finished = time.perf_counter()
    return {
        "count": len(run.recipients),
        "plan_s": planned - started,
        "render_s": rendered - planned,
        "record_s": finished - rendered,
        "total_s": finished - started,
        "pdf": data,
    }


def check(data: bytes, expected_pages: int) -> str:
    """Decode the QR codes of the first and last page."""
    import io
    import subprocess
    import tempfile

    import zxingcpp
    from PIL import Image
    from pypdf import PdfReader

    pages = len(PdfReader(io.BytesIO(data)).pages)
    assert pages == expected_pages, (pages, expected_pages)
    decoded = 0
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "in.pdf"
        source.write_bytes(data)
        for page in (1, pages):
            out = Path(folder) / f"p{page}"
            subprocess.run(
                [
                    "pdftoppm",
                    "-r",
                    "150",
                    "-gray",
                    "-png",
                    "-singlefile",
                    "-f",
                    str(page),
                    "-l",
                    str(page),
                    str(source),
                    str(out),
                ],
                check=True,
            )
            with Image.open(f"{out}.png") as image:
                decoded += len(zxingcpp.read_barcodes(image))
    return f"{pages} pages, {decoded} QR codes decoded on the first and last page"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    parser.add_argument("--letters", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    context = sqlite_database() if args.database == "sqlite" else throwaway_postgres(args.pg_url)
    cases = [
        ("letters", "letters", None),
        ("letters + names file", "letters", names_csv(args.letters)),
        ("code cards", "cards", None),
    ]
    results = []
    with context as url:
        app = build_app(url)
        set_up(app, args.letters)
        for label, kind, names in cases:
            runs = [one_run(app, kind, names) for _ in range(args.repeat)]
            median = {
                key: round(statistics.median(r[key] for r in runs), 3)
                for key in ("plan_s", "render_s", "record_s", "total_s")
            }
            result = {
                "case": label,
                "database": args.database,
                "count": runs[0]["count"],
                **median,
                "pdf_bytes": len(runs[0]["pdf"]),
                "pdf_kb_per_page": round(
                    len(runs[0]["pdf"])
                    / 1024
                    / (runs[0]["count"] if kind == "letters" else -(-runs[0]["count"] // 8)),
                    1,
                ),
            }
            if args.check:
                pages = runs[0]["count"] if kind == "letters" else -(-runs[0]["count"] // 8)
                result["check"] = check(runs[0]["pdf"], pages)
            results.append(result)
            print(json.dumps(result, ensure_ascii=False), flush=True)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
