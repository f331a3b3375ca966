"""`flask --app survey letters`: invitation letters or code cards for a round, as one PDF.

    flask --app survey letters --round CODE [--unit PATH] [--names FILE] [--cards]
          [--language sv|en] -o FILE.pdf

The PDF is built in memory and written whole or not at all; only then are the invitations
marked handed out. A names file's names and addresses go into the PDF and nowhere else.
Errors print one line each (`FILE:ROW:COLUMN: message`) and exit with status 1.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask_babel import force_locale
from sqlalchemy import select

from survey.cli_imports import _fail_refused, _fail_rows, _read
from survey.cli_output import fail, write_atomically
from survey.clock import local_today
from survey.domain.access import Access, Grant
from survey.domain.tabular import ImportRejected, UploadRefused
from survey.extensions import db
from survey.i18n import document_language
from survey.links import entry_address, respondent_link
from survey.models import Round
from survey.operations.invitations import TakenByKiosk
from survey.operations.letters import NoLetters, letter_round, plan_letters, record_letters
from survey.operations.organisation import find_node_by_path
from survey.queries.letters import letter_unit_ids
from survey.reports.letters_pdf import render_code_cards, render_letters
from survey.static_files import pictogram_folder

#: The command line acts for the whole installation (as `invitations import` does).
EVERYWHERE = Access.of([Grant("admin", None)])


def register_letters_cli(app: Flask) -> None:
    app.cli.add_command(letters_command)


@click.command("letters")
@click.option("--round", "code", required=True, help="The round's code.")
@click.option("--unit", "unit_path", default=None, help="Only this unit and those under it.")
@click.option(
    "--names",
    "names_file",
    default=None,
    type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path),
    help="CSV or Excel: unit, gender[, bestallare][, email], name and address columns.",
)
@click.option("--cards", is_flag=True, help="Code cards to cut (8 per A4) instead of letters.")
@click.option("--language", type=click.Choice(["sv", "en"]), default="sv", show_default=True)
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path), help="FILE.pdf")
def letters_command(
    code: str,
    unit_path: str | None,
    names_file: Path | None,
    cards: bool,
    language: str,
    output: Path,
) -> None:
    """Letters with QR codes (a page each) or code cards for a round's invitations."""
    round_ = db.session.scalar(select(Round).where(Round.code == code.strip()))
    if round_ is None:
        fail(f"no round with the code {code!r}")
    if output.is_dir():
        fail(f"{output}: is a folder; give a file name ending in .pdf")
    root_id = None
    if unit_path:
        node = find_node_by_path(db.session, unit_path)
        if node is None:
            fail(f"no unit {unit_path!r}")
        root_id = node.id
    unit_ids = letter_unit_ids(db.session, round_, EVERYWHERE, root_id)
    if not unit_ids:
        fail(f"the round {round_.code} does not cover {unit_path!r}")
    names = (_read(names_file), names_file.name) if names_file is not None else None
    try:
        run = plan_letters(db.session, round_, unit_ids, link=respondent_link, names=names)
    except UploadRefused as refused:
        _fail_refused(names_file or Path(round_.code), refused)
    except ImportRejected as rejected:
        assert names_file is not None  # noqa: S101 - only a names file has rows
        _fail_rows(names_file, rejected.errors)
    except NoLetters:
        db.session.rollback()
        where = f" in {unit_path}" if unit_path else ""
        fail(
            f"the round {round_.code} has no invitation to print{where} "
            "(all are answered, withdrawn or taken by a kiosk, or none were imported)"
        )
    with force_locale(language):
        lang = document_language(language)
        render = render_code_cards if cards else render_letters
        data = render(
            letter_round(round_, entry_address()),
            run.recipients,
            lang,
            pictograms=pictogram_folder(),
        )
    try:
        record_letters(
            db.session,
            round_,
            run,
            kind="cards" if cards else "letters",
            unit=unit_path or "",
            user_id=None,
            today=local_today(),
        )
    except TakenByKiosk as taken:
        db.session.rollback()
        fail(str(taken))
    # The file first: a file that cannot be written rolls the hand-out back.
    write_atomically(output, lambda stream: stream.write(data))
    db.session.commit()
    what = "code cards" if cards else "letters"
    skipped = (
        f"; {run.skipped} rows skipped (answered, withdrawn or handed out another way)"
        if run.skipped
        else ""
    )
    click.echo(f"{len(run.recipients)} {what} → {output}{skipped}", err=True)
