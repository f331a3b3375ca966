"""The benchmark's yardstick: a bare Flask app doing one INSERT per POST.

`bench/http_bench.py` serves it with the same gunicorn command as the project, on the same
database and engine settings, and drives it with the same request pattern: every GET renders a
small page with a form, every POST inserts one row, commits and redirects to the next GET. No
sessions, no CSRF, no templates, no translations: what any Flask app on this gunicorn and this
database costs per answer, so the project's figures have something to be divided by.

    gunicorn --pythonpath bench "bare_app:create_app()"   # DATABASE_URL from the environment
"""

from __future__ import annotations

import os

from flask import Flask, redirect, request
from flask.typing import ResponseReturnValue
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, insert

from survey.database import configure_engine
from survey.settings import normalise_database_url

metadata = MetaData()
bare_answer = Table(
    "bench_bare_answer",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("survey", String(40), nullable=False),
    Column("step", Integer, nullable=False),
    Column("value", String(40), nullable=False),
)

PAGE = (
    "<!doctype html><html lang='sv'><head><meta charset='utf-8'><title>Fråga {step}</title>"
    "</head><body><form method='post' action='/s/{survey}/{step}'>"
    "<button name='answer' value='ja'>Ja</button>"
    "<button name='answer' value='nej'>Nej</button></form></body></html>"
)


def create_app() -> Flask:
    app = Flask(__name__)
    engine = create_engine(normalise_database_url(os.environ["DATABASE_URL"]))
    configure_engine(engine)  # the project's SQLite settings (WAL, BEGIN IMMEDIATE for POSTs)

    @app.get("/s/<survey>/<int:step>")
    def page(survey: str, step: int) -> ResponseReturnValue:
        return PAGE.format(survey=survey, step=step)

    @app.post("/s/<survey>/<int:step>")
    def answer(survey: str, step: int) -> ResponseReturnValue:
        value = request.form.get("answer", "")
        with engine.begin() as connection:
            connection.execute(insert(bare_answer).values(survey=survey, step=step, value=value))
        return redirect(f"/s/{survey}/{step + 1}")

    return app
