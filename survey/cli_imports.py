"""File imports on the command line: `org import`, `invitations import`, `responses import`.

Thin wrappers over the import operations (the web upload pages call the same functions).
On any error the command prints one line per error, `FILE:ROW:COLUMN: message` (or
`FILE: message` for a file refused as a whole), writes nothing and exits with status 1.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import NoReturn

import click
from flask import Flask, current_app
from flask_babel import force_locale
from sqlalchemy import select

from survey.clock import local_today
from survey.domain.tabular import MAX_UPLOAD_BYTES, ImportRejected, RowError, UploadRefused
from survey.extensions import db
from survey.models import Round
from survey.operations.org_import import import_org_file
from survey.operations.paper import import_paper_rows, preview_paper
from survey.operations.recipients import import_recipient_rows, preview_recipients
from survey.staff.import_messages import describe, describe_refusal


def register_import_cli(app: Flask) -> None:
    app.cli.add_command(org_group)
    app.cli.add_command(invitations_group)
    app.cli.add_command(responses_group)


def _read(path: Path) -> bytes:
    if path.stat().st_size > MAX_UPLOAD_BYTES:
        _fail_refused(path, UploadRefused("too_large", limit_mb=MAX_UPLOAD_BYTES // 2**20))
    return path.read_bytes()


def _fail_refused(path: Path, refused: UploadRefused) -> NoReturn:
    db.session.rollback()
    with force_locale("en"):
        click.echo(f"{path}: {describe_refusal(refused)}", err=True)
    raise SystemExit(1)


def _fail_rows(path: Path, errors: Iterable[RowError]) -> NoReturn:
    db.session.rollback()
    with force_locale("en"):
        for error in errors:
            problem, fix = describe(error)
            where = f"{path}:{error.row}:{error.column}" if error.column else f"{path}:{error.row}"
            click.echo(f"{where}: {problem} {fix}", err=True)
    raise SystemExit(1)


def _round(code: str) -> Round:
    round_ = db.session.scalar(select(Round).where(Round.code == code))
    if round_ is None:
        raise click.ClickException(f"no round with code {code!r}")
    return round_


file_argument = click.argument(
    "file", type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path)
)


@click.group("org")
def org_group() -> None:
    """The organisation tree."""


@org_group.command("import")
@file_argument
def org_import_command(file: Path) -> None:
    """Create the units in FILE (columns path, insats[, tree]). Idempotent."""
    try:
        result = import_org_file(db.session, _read(file), file.name)
    except UploadRefused as refused:
        _fail_refused(file, refused)
    except ImportRejected as rejected:
        _fail_rows(file, rejected.errors)
    db.session.commit()
    click.echo(f"{result.rows} rows: {result.created} units created, {result.updated} updated.")


@click.group("invitations")
def invitations_group() -> None:
    """Invitations of a round."""


@invitations_group.command("import")
@click.option("--round", "round_code", required=True, help="Round code.")
@click.option(
    "--channel",
    type=click.Choice(["link", "letter", "email", "kiosk", "paper"]),
    default="link",
    show_default=True,
)
@click.option("--dry-run", is_flag=True, help="Check the file only; write nothing.")
@file_argument
def invitations_import_command(round_code: str, channel: str, dry_run: bool, file: Path) -> None:
    """Invite the recipients in FILE (columns unit, gender[, bestallare][, email])."""
    round_ = _round(round_code)
    try:
        preview = preview_recipients(db.session, round_, _read(file), file.name)
        if preview.errors:
            _fail_rows(file, preview.errors)
        if dry_run:
            click.echo(f"{len(preview.rows)} recipients are valid; nothing written (--dry-run).")
            return
        count = import_recipient_rows(db.session, round_, preview.rows, channel=channel)
    except UploadRefused as refused:
        _fail_refused(file, refused)
    except ImportRejected as rejected:
        _fail_rows(file, rejected.errors)
    db.session.commit()
    click.echo(f"{count} invitations created in round {round_.code}.")


@click.group("responses")
def responses_group() -> None:
    """Responses of a round."""


@responses_group.command("import")
@click.option("--round", "round_code", required=True, help="Round code.")
@click.option("--dry-run", is_flag=True, help="Check the file only; write nothing.")
@file_argument
def responses_import_command(round_code: str, dry_run: bool, file: Path) -> None:
    """Enter returned paper forms from FILE (unit, gender, answered_by, question codes…)."""
    round_ = _round(round_code)
    try:
        preview = preview_paper(db.session, round_, _read(file), file.name)
        if preview.errors:
            _fail_rows(file, preview.errors)
        if dry_run:
            click.echo(f"{len(preview.rows)} forms are valid; nothing written (--dry-run).")
            return
        count = import_paper_rows(
            db.session,
            round_,
            preview.rows,
            today=local_today(),
            commit=db.session.commit,
            batch_size=current_app.extensions["survey.settings"].response_batch_size,
        )
    except UploadRefused as refused:
        _fail_refused(file, refused)
    except ImportRejected as rejected:
        _fail_rows(file, rejected.errors)
    db.session.commit()
    coded = sum(1 for row in preview.rows if row.invitation_id is not None)
    click.echo(f"{count} paper responses imported into round {round_.code} ({coded} with a code).")
