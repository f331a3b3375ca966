"""E-mail on the command line: queue (`invitations send`, `invitations remind`) and send
(`mail send`, for cron or a systemd timer). Thin wrappers over survey/operations/outbox.py
and survey/mail/worker.py, which the staff page uses too."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import click
from flask import Flask
from sqlalchemy import select

from survey.cli_imports import invitations_group
from survey.clock import local_today
from survey.domain.mail_rules import MailRefused
from survey.extensions import db
from survey.mail.worker import DEFAULT_BATCH, BatchResult, send_all_due, send_batch
from survey.models import Round
from survey.operations import outbox as outbox_ops
from survey.operations.organisation import find_node_by_path
from survey.queries.organisation import subtree_ids


def register_mail_cli(app: Flask) -> None:
    app.cli.add_command(mail_group)


def _round(code: str) -> Round:
    round_ = db.session.scalar(select(Round).where(Round.code == code))
    if round_ is None:
        raise click.ClickException(f"no round with code {code!r}")
    return round_


def _units(round_: Round, path: str | None) -> set[int] | None:
    """The round's units under PATH (None: all of them)."""
    if not path:
        return None
    try:
        node = find_node_by_path(db.session, path)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    if node is None:
        raise click.ClickException(f"no open unit with path {path!r}")
    under = set(db.session.scalars(subtree_ids([node.id])))
    units = {unit.id for unit in round_.units if unit.id in under}
    if not units:
        raise click.ClickException(f"{path} has none of round {round_.code}'s units")
    return units


round_option = click.option("--round", "round_code", required=True, help="Round code.")
unit_option = click.option(
    "--unit", "unit_path", default=None, metavar="PATH", help="Only the units under PATH."
)


@invitations_group.command("send")
@round_option
@unit_option
def invitations_send_command(round_code: str, unit_path: str | None) -> None:
    """Queue an e-mail invitation to every invitation with an address that has none yet."""
    _queue(round_code, unit_path, outbox_ops.queue_invitations, "invitations")


@invitations_group.command("remind")
@round_option
@unit_option
def invitations_remind_command(round_code: str, unit_path: str | None) -> None:
    """Queue the next reminder to every e-mailed invitation not yet answered."""
    _queue(round_code, unit_path, outbox_ops.queue_reminders, "reminders")


def _queue(round_code: str, unit_path: str | None, queue: Callable[..., int], what: str) -> None:
    round_ = _round(round_code)
    try:
        queued = queue(
            db.session,
            round_,
            today=local_today(),
            now=datetime.now(UTC),
            unit_ids=_units(round_, unit_path),
        )
    except MailRefused as refusal:
        db.session.rollback()
        raise click.ClickException(str(refusal)) from None
    db.session.commit()
    click.echo(
        f"{queued} e-mail {what} queued in round {round_.code}; "
        "`flask --app survey mail send` sends them."
    )


@click.group("mail")
def mail_group() -> None:
    """The e-mail outbox."""


@mail_group.command("send")
@click.option(
    "--batch",
    "batch",
    default=DEFAULT_BATCH,
    show_default=True,
    type=click.IntRange(1, 10_000),
    help="Messages per batch (one SMTP connection).",
)
@click.option("--round", "round_code", default=None, help="Only this round's messages.")
@click.option("--loop", is_flag=True, help="Batch after batch until nothing is due.")
def mail_send_command(batch: int, round_code: str | None, loop: bool) -> None:
    """Send the messages that are due (for cron or a systemd timer). Exits 0 when the
    outbox was worked through, 1 when the mail server could not be reached."""
    round_id = _round(round_code).id if round_code else None
    db.session.commit()
    result = (
        send_all_due(db.session, limit=batch, round_id=round_id)
        if loop
        else send_batch(db.session, limit=batch, round_id=round_id)
    )
    click.echo(describe(result))
    if result.problem:
        click.echo(f"Could not reach the mail server: {result.problem}", err=True)
        raise SystemExit(1)


def describe(result: BatchResult) -> str:
    parts = [
        f"{result.sent} sent",
        f"{result.retrying} to retry later",
        f"{result.failed} failed",
        f"{result.cancelled} cancelled",
    ]
    if result.released:
        parts.append(f"{result.released} left in the queue")
    if result.recovered:
        parts.append(f"{result.recovered} given back from a stopped worker")
    if result.interrupted:
        parts.append(f"{result.interrupted} interrupted (check, then retry on the page)")
    line = ", ".join(parts) + "."
    if result.claimed == 0 and not result.recovered and not result.interrupted:
        line = "Nothing to send. " + line
    return line
