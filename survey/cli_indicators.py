"""`flask --app survey indicators`: the indicator table of a round as JSON, CSV or XLSX.

    flask --app survey indicators --round CODE [--unit PATH] [--by utforare|bestallare]
        --format json|csv|xlsx [-o FILE]

Every unit at every level of the chosen hierarchy appears (or those under `--unit`), with
the indicators and every question on its own; suppression as everywhere (SPEC §4). Errors
print one line and exit with status 1; the output file is written whole or not at all.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask_babel import force_locale
from sqlalchemy import select

from survey.cli_output import fail, write_atomically
from survey.clock import local_today
from survey.domain.indicator_export import subtree
from survey.extensions import db
from survey.i18n import document_language
from survey.models import Round
from survey.queries.dashboard import indicator_download
from survey.queries.indicators import RoundReport, round_figures
from survey.settings import Settings


def register_indicator_cli(app: Flask) -> None:
    app.cli.add_command(indicators_command)


def find_unit(report: RoundReport, by: str, path: str) -> int | None:
    """The node of `by` whose path is `path` (an open node before a closed one)."""
    wanted = "/".join(part.strip() for part in path.strip().strip("/").split("/"))
    matches = [n for n in report.trees[by].values() if n.path == wanted]
    return matches[0].id if matches else None


def _write(output: Path | None, data: bytes) -> None:
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    write_atomically(output, lambda stream: stream.write(data))


@click.command("indicators")
@click.option("--round", "code", required=True, help="The round's code.")
@click.option("--unit", "unit_path", default=None, help="Only this unit and those under it.")
@click.option(
    "--by",
    type=click.Choice(["utforare", "bestallare"]),
    default="utforare",
    show_default=True,
    help="Roll up by utförare (who delivers) or beställare (who granted the insats).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["json", "csv", "xlsx"]),
    default="json",
    show_default=True,
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--language", type=click.Choice(["sv", "en"]), default="sv", show_default=True)
@click.option(
    "--indicator",
    "keys",
    multiple=True,
    metavar="KEY",
    help="Only this indicator (e.g. nojd) or question (e.g. DV_TRIVS); repeat for more.",
)
def indicators_command(
    code: str,
    unit_path: str | None,
    by: str,
    output_format: str,
    output: Path | None,
    language: str,
    keys: tuple[str, ...],
) -> None:
    """The indicator table of a round (every unit at every level), suppression applied."""
    round_ = db.session.scalar(select(Round).where(Round.code == code.strip()))
    if round_ is None:
        fail(f"no round with the code {code!r}")
    if output_format == "xlsx" and output is None and sys.stdout.isatty():
        fail("an Excel file needs -o FILE.xlsx")
    settings: Settings = current_app.extensions["survey.settings"]
    report = round_figures(db.session, round_, threshold=settings.suppression_threshold)
    within = None
    if unit_path is not None:
        node_id = find_unit(report, by, unit_path)
        if node_id is None:
            fail(f"no unit {unit_path!r} in the {by} hierarchy")
        within = subtree(report.trees[by], node_id)
        if not any(n in within for n in report.figures.nodes(by)):
            fail(f"the round {round_.code} does not cover {unit_path!r}")
    items = None
    if keys:
        known = {item.key: item for item in report.figures.items}
        unknown = [key for key in keys if key not in known]
        if unknown:
            listed = ", ".join(i.key for i in report.figures.items if i.kind == "indicator")
            fail(
                f"no indicator or question {unknown[0]!r} in round {round_.code} "
                f"(indicators: {listed})"
            )
        items = [known[key] for key in dict.fromkeys(keys)]
    with force_locale(language):
        data = indicator_download(
            db.session,
            report,
            output_format=output_format,
            by=by,
            within=within,
            threshold=settings.suppression_threshold,
            language=language,
            items=items,
            lang=document_language(language),
            today=local_today(),
        )
    db.session.rollback()
    _write(output, data)
