"""`targets import FILE` and `targets list [--period YEAR]` (SPEC §7).

`import` reads a CSV or Excel file with the columns `indicator,unit,period,arsmal,kf_arsmal`
(see survey.domain.targets for the values); on any error it prints one line per error,
`FILE:ROW:COLUMN: message`, writes nothing and exits with status 1. `list` prints the stored
targets as CSV in the same columns, so its output can be imported again.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask

from survey.cli_imports import _fail_refused, _fail_rows, _read, file_argument
from survey.domain.access import Access, Grant
from survey.domain.indicator_catalogue import catalogue_for
from survey.domain.tabular import ImportRejected, UploadRefused
from survey.domain.targets import MAX_PERIOD, MIN_PERIOD, targets_csv
from survey.extensions import db
from survey.operations.targets import import_target_rows, read_targets_file
from survey.queries.targets import list_targets, target_units

#: The command line acts for the whole installation (whoever can run it owns the database).
INSTALLATION = Access.of([Grant("admin", None)])


def register_targets_cli(app: Flask) -> None:
    app.cli.add_command(targets_group)


@click.group("targets")
def targets_group() -> None:
    """Årsmål and KF:s årsmål per indicator, unit and period."""


@targets_group.command("import")
@file_argument
def targets_import_command(file: Path) -> None:
    """Import targets from FILE (columns indicator, unit, period, arsmal, kf_arsmal).

    An empty unit is the whole installation; a row replaces the stored target of the same
    indicator, unit and period; both values empty removes it.
    """
    units = target_units(db.session, INSTALLATION)
    try:
        rows = read_targets_file(db.session, _read(file), file.name, units)
        result = import_target_rows(db.session, rows, units=units, filename=file.name)
    except UploadRefused as refused:
        _fail_refused(file, refused)
    except ImportRejected as rejected:
        _fail_rows(file, rejected.errors)
    db.session.commit()
    line = f"{result.imported} targets imported ({result.updated} updated)"
    if result.removed:
        line += f", {result.removed} removed"
    if result.unchanged:
        line += f", {result.unchanged} unchanged"
    click.echo(line + ".")


@targets_group.command("list")
@click.option(
    "--period", type=click.IntRange(MIN_PERIOD, MAX_PERIOD), help="Only this period (year)."
)
def targets_list_command(period: int | None) -> None:
    """Print the stored targets as CSV (the import's columns)."""
    # Indicators in the catalogue's order (the newest catalogue when no period is given).
    order = catalogue_for(period or MAX_PERIOD).keys()
    listings = list_targets(db.session, INSTALLATION, period=period, indicator_order=order)
    click.echo(targets_csv([t.export_row() for t in listings]), nl=False)
