"""`flask --app survey report pdf`: unit reports as PDF (SPEC §6, §7).

    flask --app survey report pdf --round CODE --unit PATH -o FILE.pdf
    flask --app survey report pdf --round CODE --all -o DIR_OR_ZIP

`--all` writes the whole organisation's report and every unit's at every level of the chosen
hierarchy, plus the round's Excel workbook, into a folder or (when the name ends in .zip) one
ZIP file, with a progress bar on a terminal. Errors print one line and exit with status 1;
every file is written whole or not at all.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import click
from flask import Flask, current_app
from flask_babel import force_locale
from sqlalchemy import select

from survey.cli_indicators import find_unit
from survey.cli_output import fail, write_atomically, write_folder
from survey.clock import local_today
from survey.extensions import db
from survey.i18n import document_language
from survey.models import Round
from survey.queries.indicators import round_figures
from survey.queries.report_files import ReportBuilder, write_round_zip
from survey.settings import Settings

# Names of other kinds of document: --all writes a folder or a ZIP, never a PDF nor one of
# these; --unit writes one PDF, never a ZIP nor one of these.
OTHER_DOCUMENTS = frozenset({".xlsx", ".xls", ".ods", ".csv", ".json", ".txt", ".html"})
NOT_A_FOLDER = OTHER_DOCUMENTS | {".pdf"}
NOT_ONE_PDF = OTHER_DOCUMENTS | {".zip"}


def register_report_cli(app: Flask) -> None:
    app.cli.add_command(report_group)


@click.group("report")
def report_group() -> None:
    """Unit reports (PDF)."""


@report_group.command("pdf")
@click.option("--round", "code", required=True, help="The round's code.")
@click.option("--unit", "unit_path", default=None, help="The unit's path, e.g. Förv/Enhet.")
@click.option("--all", "everything", is_flag=True, help="Every unit at every level.")
@click.option(
    "--by",
    type=click.Choice(["utforare", "bestallare"]),
    default="utforare",
    show_default=True,
    help="The hierarchy: utförare (who delivers) or beställare (who granted the insats).",
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(path_type=Path),
    help="FILE.pdf for one unit; a folder or FILE.zip with --all.",
)
@click.option("--language", type=click.Choice(["sv", "en"]), default="sv", show_default=True)
def report_pdf_command(
    code: str,
    unit_path: str | None,
    everything: bool,
    by: str,
    output: Path,
    language: str,
) -> None:
    """A unit's report as PDF, or every unit's (--all) into a folder or a ZIP."""
    if everything == (unit_path is not None):
        fail("give either --unit PATH or --all")
    round_ = db.session.scalar(select(Round).where(Round.code == code.strip()))
    if round_ is None:
        fail(f"no round with the code {code!r}")
    settings: Settings = current_app.extensions["survey.settings"]
    report = round_figures(db.session, round_, threshold=settings.suppression_threshold)
    with force_locale(language):
        lang = document_language(language)
        builder = ReportBuilder(
            db.session,
            report,
            by=by,
            lang=lang,
            today=local_today(),
            decimals=settings.report_decimals,
        )
        if not everything:
            if output.suffix.lower() in NOT_ONE_PDF:
                fail(f"{output}: --unit writes one PDF; give a file name ending in .pdf")
            node_id = find_unit(report, by, unit_path or "")
            if node_id is None:
                fail(f"no unit {unit_path!r} in the {by} hierarchy")
            if not builder.has(node_id):
                fail(f"the round {round_.code} does not cover {unit_path!r}")
            if output.is_dir():
                fail(f"{output}: is a folder; give a file name ending in .pdf")
            data = builder.pdf(node_id)
            db.session.rollback()
            write_atomically(output, lambda stream: stream.write(data))
            return
        if output.suffix.lower() in NOT_A_FOLDER:
            fail(f"{output}: --all writes a folder or a ZIP; give a folder or a .zip name")
        extra = builder.workbook()
        db.session.rollback()
        planned = builder.plan()
        with click.progressbar(
            length=len(planned),
            label="PDF",
            file=sys.stderr,
            show_pos=True,
            hidden=not sys.stderr.isatty(),
        ) as bar:

            def advance(done: int, total: int) -> None:
                bar.update(1)

            if output.suffix.lower() == ".zip":
                write_atomically(
                    output,
                    lambda stream: write_round_zip(
                        stream,
                        builder,
                        planned,
                        folder=builder.folder,
                        extra=extra,
                        progress=advance,
                    ),
                )
            else:

                def files() -> Iterator[tuple[str, Callable[[], bytes]]]:
                    for name, data in extra.items():
                        yield name, lambda d=data: d
                    for item in planned:
                        yield item.filename, lambda n=item.node_id: builder.pdf(n)
                        advance(0, 0)

                write_folder(output, files())
    click.echo(f"{len(planned)} PDF → {output}", err=True)
