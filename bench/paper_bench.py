"""Paper-form benchmark: personalised forms for 200 invitations, and entering returned forms.

A round of 10 verksamheter with 20 invitations each (200; a fifth without gender, so their
forms ask it). Timed in process (`time.perf_counter`) after one untimed warm-up, `--repeat`
runs, median:

1. **blank form**: `render_paper_forms` of one blank form (what the GET of
   `…/pappersenkater/utskrift/tomt.pdf` renders);
2. **personalised, 200**: the POST of `/personal/omgangar/<code>/pappersenkater/utskrift`
   for the whole organisation through Flask's test client (signed in, the read of the
   unused invitations, the PDF of 200 forms, the audit event): the figure the issue asks
   for; also the PDF's pages and bytes;
3. **entry**: `--forms` coded forms entered through the entry pages as staff do (code,
   14 keys + who answered, read-back, "Spara"): the time per form, all four requests.

    .venv/bin/python bench/paper_bench.py --database sqlite
    .venv/bin/python bench/paper_bench.py --database postgresql

Aim: 200 personalised forms ≤ 10 s (one request under gunicorn's default timeout of 30 s).
"""

from __future__ import annotations

import argparse
import io
import json
import platform
import re
import secrets
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from flask_babel import force_locale
from pypdf import PdfReader
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent))

from respond_bench import (
    DEFAULT_PG_URL,
    RESULTS_DIR,
    build_app,
    server_version,
    sqlite_database,
    throwaway_postgres,
)

from survey.domain.question_banks import load_bank
from survey.i18n import document_language
from survey.models import Invitation, Round, SurveyResponse, db
from survey.operations.invitations import issue_invitation
from survey.operations.organisation import ensure_builtin_insatser, ensure_node_path
from survey.operations.rounds import create_round
from survey.operations.users import create_user
from survey.queries.paper_forms import paper_document
from survey.reports.paper_pdf import PaperForm, render_paper_forms

UNITS = 10
PER_UNIT = 20
PASSWORD = secrets.token_urlsafe(16)


def timed(call: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    call()  # warm-up
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def build_round(session: Any) -> Round:
    from datetime import timedelta

    from survey.clock import local_today

    ensure_builtin_insatser(session)
    units = [
        ensure_node_path(
            session, f"Bänkstaden/Enhet {i // 5 + 1}/Verksamhet {i + 1}", "daglig_verksamhet"
        )
        for i in range(UNITS)
    ]
    today = local_today()
    round_ = create_round(
        session,
        code="DV-PAPER-BENCH",
        survey_type="dv",
        period=today.year,
        opens_on=today - timedelta(days=1),
        closes_on=today + timedelta(days=30),
        units=units,
        organiser="Bänkstadens stadsdelsförvaltning",
    )
    for unit in units:
        for index in range(PER_UNIT):
            gender = None if index % 5 == 0 else ("kvinna" if index % 2 else "man")
            issue_invitation(session, round_, unit, gender=gender)
    create_user(
        session,
        email="bench@example.se",
        name="Bench",
        password=PASSWORD,
        grants=[("handlaggare", None)],
    )
    session.commit()
    return round_


def run(database_url: str, args: argparse.Namespace) -> dict[str, Any]:
    app = build_app(database_url)
    with app.app_context():
        round_ = build_round(db.session)
        top = round_.units[0].parent.parent  # type: ignore[union-attr]
        top_id = top.id
        pictograms = Path(app.static_folder or "static") / "pictograms"
        with force_locale("sv"):
            document = paper_document(round_, [PaperForm(None)])
            blank_ms, blank = timed(
                lambda: render_paper_forms(
                    document, document_language("sv"), pictograms=pictograms
                ),
                args.repeat,
            )
        db.session.rollback()

    client = app.test_client()
    client.post("/personal/logga-in", data={"email": "bench@example.se", "password": PASSWORD})
    url = "/personal/omgangar/DV-PAPER-BENCH/pappersenkater/utskrift"

    def personal() -> bytes:
        response = client.post(url, data={"unit": top_id, "language": "sv"})
        assert response.status_code == 200, response.status_code
        return response.data

    personal_ms, data = timed(personal, args.repeat)
    reader = PdfReader(io.BytesIO(data))
    codes = set(re.findall(r"Kod:\s*([A-Z0-9]{4}-[A-Z0-9]{4})", reader.pages[-1].extract_text()))

    with app.app_context():
        bank = load_bank("dv", db.session.scalar(select(Round.bank_version)))
        codes_to_enter = list(
            db.session.scalars(
                select(Invitation.short_code)
                .where(Invitation.gender.is_not(None))
                .order_by(Invitation.id)
                .limit(args.forms)
            )
        )
        db.session.rollback()
    base = "/personal/omgangar/DV-PAPER-BENCH/pappersenkater/mata-in"
    keys = {f"k-{question.code}": "1" for question in bank.questions}
    keys["k-BG_VEM"] = "1"
    entry_times = []
    for code in codes_to_enter:
        started = time.perf_counter()
        page = client.post(base, data={"code": code})
        nonce = re.search(r'name="nonce" value="([^"]+)"', page.get_data(as_text=True))
        assert nonce is not None, page.status_code
        typed = client.post(f"{base}/svar", data={"nonce": nonce.group(1), "code": code, **keys})
        review = typed.headers["Location"]
        client.get(review)
        saved = client.post(review)
        assert saved.status_code == 302
        entry_times.append((time.perf_counter() - started) * 1000)
    with app.app_context():
        answered = db.session.scalar(select(func.count()).where(Invitation.status == "submitted"))
        responses = db.session.scalar(select(func.count()).select_from(SurveyResponse))
        db.session.rollback()
        version = server_version(app)
        db.engine.dispose()
    return {
        "database": version,
        "invitations": UNITS * PER_UNIT,
        "blank_pdf_ms": round(blank_ms, 1),
        "blank_pdf_bytes": len(blank),
        "personal_200_ms": round(personal_ms, 1),
        "personal_200_pages": len(reader.pages),
        "personal_200_bytes": len(data),
        "last_page_code_found": bool(codes),
        "entry_forms": len(entry_times),
        "entry_ms_per_form_median": round(statistics.median(entry_times), 1),
        "entry_ms_per_form_max": round(max(entry_times), 1),
        "answered_after_entry": answered,
        "responses_written": responses,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--forms", type=int, default=20, help="forms to enter")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help="PostgreSQL server URL")
    args = parser.parse_args(argv)
    database = sqlite_database() if args.database == "sqlite" else throwaway_postgres(args.pg_url)
    with database as url:
        result = run(url, args)
    result["python"] = platform.python_version()
    print(
        f"{result['database']}: blank form {result['blank_pdf_ms']} ms; "
        f"200 personalised forms {result['personal_200_ms']} ms "
        f"({result['personal_200_pages']} pages, {result['personal_200_bytes'] // 1024} kB); "
        f"entry {result['entry_ms_per_form_median']} ms per form"
    )
    print(json.dumps(result, indent=2))
    RESULTS_DIR.mkdir(exist_ok=True)
    name = f"paper-{args.database}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    (RESULTS_DIR / name).write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
