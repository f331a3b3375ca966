"""`flask --app survey paper form`: printable paper questionnaires (SPEC §5).

    flask --app survey paper form --round CODE --blank -o FILE.pdf
    flask --app survey paper form --round CODE [--unit PATH] -o FILE.pdf

`--blank` writes one form with an empty box for the code, to copy. Without it, one form per
invitation of the round not yet handed out (under `--unit`, default the whole round), each
carrying that invitation's code on every page; those invitations are then handed out
(channel "paper"), so a second run prints none of them again; `--reprint` prints again the
forms printed before that are still unanswered. Errors print one line and exit with
status 1; the file is written whole or not at all.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask_babel import force_locale
from sqlalchemy import select

from survey.cli_output import fail, write_atomically
from survey.clock import local_today
from survey.domain.access import Access, Grant
from survey.extensions import db
from survey.i18n import document_language
from survey.models import Round
from survey.operations import audit
from survey.operations.invitations import TakenByKiosk, hand_out_printed
from survey.operations.organisation import find_node_by_path
from survey.queries.paper_forms import (
    paper_document,
    personal_forms,
    subtree_leaf_ids,
    unused_invitations,
)
from survey.reports.paper_pdf import PaperForm, render_paper_forms

INSTALLATION = Access.of([Grant("admin", None)])


def register_paper_cli(app: Flask) -> None:
    app.cli.add_command(paper_group)


@click.group("paper")
def paper_group() -> None:
    """Paper forms (PDF)."""


@paper_group.command("form")
@click.option("--round", "code", required=True, help="The round's code.")
@click.option("--unit", "unit_path", default=None, help="Only invitations under this unit.")
@click.option("--blank", is_flag=True, help="One blank form (no code) to copy.")
@click.option("--reprint", is_flag=True, help="Also forms printed before and still unanswered.")
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path), help="FILE.pdf")
@click.option("--language", type=click.Choice(["sv", "en"]), default="sv", show_default=True)
def paper_form_command(
    code: str, unit_path: str | None, blank: bool, reprint: bool, output: Path, language: str
) -> None:
    """Paper questionnaires: a blank one, or one per invitation not yet handed out."""
    round_ = db.session.scalar(select(Round).where(Round.code == code.strip()))
    if round_ is None:
        fail(f"no round with the code {code!r}")
    if blank and unit_path is not None:
        fail("--blank prints one form for the whole round; leave out --unit")
    if output.is_dir():
        fail(f"{output}: is a folder; give a file name ending in .pdf")
    if blank:
        forms = [PaperForm(None, ask_gender=True)]
    else:
        if round_.is_closed:
            fail(f"the round {round_.code} is closed: no more forms can be handed out")
        leaves: set[int] | None = None
        if unit_path is not None:
            try:
                node = find_node_by_path(db.session, unit_path)
            except ValueError as error:
                fail(str(error))
            if node is None:
                fail(f"no open unit with the path {unit_path!r}")
            leaves = subtree_leaf_ids(db.session, round_, INSTALLATION, node.id)
            if not leaves:
                fail(f"the round {round_.code} does not cover {unit_path!r}")
        invitations = unused_invitations(
            db.session, round_, INSTALLATION, leaves, include_printed=reprint
        )
        if not invitations:
            fail(
                f"no invitation in {unit_path or round_.code} is still to be handed out: "
                "no form to print"
            )
        forms = personal_forms(round_, invitations)
    pictograms = Path(current_app.static_folder or "static") / "pictograms"
    with force_locale(language):
        data = render_paper_forms(
            paper_document(round_, forms), document_language(language), pictograms=pictograms
        )
    if not blank:
        # Printed forms are handed out: no kiosk, letter or later print gives their codes again.
        try:
            hand_out_printed(
                db.session, [item.invitation_id for item in invitations], "paper", local_today()
            )
        except TakenByKiosk as taken:
            db.session.rollback()
            fail(str(taken))
    # A file that cannot be written rolls the hand-out back (nothing is committed yet).
    write_atomically(output, lambda stream: stream.write(data))
    audit.record(
        db.session,
        "paper.print_blank" if blank else "paper.print_personal",
        detail={"round": round_.code, "unit": unit_path, "forms": len(forms)},
    )
    db.session.commit()
    click.echo(f"{len(forms)} paper forms → {output}", err=True)
