"""`flask --app survey users …`: staff accounts from the command line (first admin, scripts)."""

from __future__ import annotations

import sys

import click
from flask import Flask
from sqlalchemy import func, select

from survey.domain.access import ROLES
from survey.extensions import db
from survey.models import User
from survey.operations import users
from survey.operations.organisation import find_node_by_path


def register_staff_cli(app: Flask) -> None:
    app.cli.add_command(users_group)


@click.group("users")
def users_group() -> None:
    """Staff accounts."""


def _refusal_text(refused: users.AccountRefused) -> str:
    texts = {
        "bad_email": "not an e-mail address: {email}",
        "email_taken": "there is already an account for {email}",
        "password_blank": "the password is empty",
        "password_too_short": "the password must be at least 12 characters long",
        "password_too_long": "the password can be at most 256 characters long",
        "unknown_role": "unknown role {role}",
        "account_disabled": "the account is disabled",
    }
    return texts.get(refused.code, refused.code).format(**refused.params)


@users_group.command("create")
@click.option("--email", required=True, help="Sign-in address.")
@click.option("--name", default="", help="Name shown on the staff pages (default: the address).")
@click.option("--role", required=True, type=click.Choice(ROLES), help="Role to grant.")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    metavar="PATH",
    help="Subtree the role covers, e.g. 'Förvaltning/Enhet' (repeatable; none: everything).",
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user_command(
    email: str, name: str, role: str, scopes: tuple[str, ...], password_stdin: bool
) -> None:
    """Create an account with ROLE on each --scope (or the whole installation)."""
    nodes = []
    for path in scopes:
        try:
            node = find_node_by_path(db.session, path)
        except ValueError:
            node = None
        if node is None:
            raise click.ClickException(f"--scope: no open unit at path {path!r}")
        nodes.append(node)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    grants = [(role, node) for node in nodes] or [(role, None)]
    try:
        user = users.create_user(
            db.session, email=email, name=name, password=password, grants=grants
        )
    except users.AccountRefused as refused:
        db.session.rollback()
        raise click.ClickException(_refusal_text(refused)) from None
    db.session.commit()
    where = ", ".join(scopes) if scopes else "the whole installation"
    click.echo(f"Created {user.email}: {role} on {where}.")
    if role == "admin":
        click.echo("Admins set up two-step verification (TOTP) at their first sign-in.")


@users_group.command("list")
def list_users_command() -> None:
    """Every account with its roles."""
    for user in db.session.scalars(select(User).order_by(func.lower(User.email))):
        grants = ", ".join(
            f"{g.role}@{g.org_node.path() if g.org_node else '*'}" for g in user.grants
        )
        state = "active" if user.is_active else "disabled"
        click.echo(f"{user.email}\t{state}\t{grants}")


def _user(email: str) -> User:
    user = users.find_user(db.session, email)
    if user is None:
        raise click.ClickException(f"no account for {email}")
    return user


@users_group.command("reset-link")
@click.option("--email", required=True)
@click.option(
    "--base-url", default="http://127.0.0.1:5000", show_default=True, help="The site's address."
)
def reset_link_command(email: str, base_url: str) -> None:
    """Print a one-time link (72 hours) for choosing a new password."""
    user = _user(email)
    try:
        secret = users.issue_reset_link(db.session, user)
    except users.AccountRefused as refused:
        raise click.ClickException(_refusal_text(refused)) from None
    db.session.commit()
    click.echo(f"{base_url.rstrip('/')}/personal/aterstall/{secret}")


@users_group.command("disable")
@click.option("--email", required=True)
def disable_command(email: str) -> None:
    """Disable an account; its sessions end at once."""
    users.set_active(db.session, _user(email), False)
    db.session.commit()
    click.echo(f"Disabled {email}.")
