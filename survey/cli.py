"""Command line: `flask --app survey …`. Thin wrappers: parse, call an operation, commit, print."""

from __future__ import annotations

import random
from datetime import timedelta

import click
from flask import Flask
from sqlalchemy import select

from survey.cli_imports import register_import_cli
from survey.clock import local_today
from survey.domain.tokens import format_code
from survey.extensions import db
from survey.models import Invitation, Round
from survey.operations import responses
from survey.operations.organisation import ensure_builtin_insatser, ensure_node_path
from survey.operations.rounds import close_round, create_round
from survey.queries.respondent import load_respondent

DEMO_ORG = "Hägersten-Älvsjö stadsdelsförvaltning (demo)"
DEMO_UNITS = {
    "dv": [
        ("Dagliga verksamheter 2/Växtverket", "daglig_verksamhet"),
        ("Dagliga verksamheter 2/Ateljén", "daglig_verksamhet"),
        ("Dagliga verksamheter 2/Caféet", "daglig_verksamhet"),
    ],
    "bo": [
        ("Grupp- och servicebostäder/Gruppbostaden Solrosen", "gruppbostad"),
        ("Grupp- och servicebostäder/Gruppbostaden Lärkan", "gruppbostad"),
        ("Grupp- och servicebostäder/Servicebostaden Tallen", "servicebostad"),
    ],
    "bs": [
        ("Boendestöd/Boendestöd Söder", "boendestod"),
        ("Boendestöd/Boendestöd Norr", "boendestod"),
    ],
}
DEMO_TITLES = {"dv": "Daglig verksamhet", "bo": "Boende", "bs": "Boendestöd"}
# Share of each answer in demo data, positive first (roughly the seed reports' levels).
DEMO_WEIGHTS = {2: (0.85, 0.15), 3: (0.78, 0.15, 0.07)}


def register_cli(app: Flask) -> None:
    app.cli.add_command(demo)
    app.cli.add_command(rounds_group)
    register_import_cli(app)


@click.command("demo")
@click.option("--seed", default=2026, show_default=True, help="Random seed for demo answers.")
@click.option(
    "--invitations", "per_unit", default=14, show_default=True, help="Invitations per verksamhet."
)
def demo(seed: int, per_unit: int) -> None:
    """Install a demo förvaltning, open rounds, invitations and submitted responses."""
    session = db.session
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    today = local_today()
    existing = session.scalar(select(Round).where(Round.code == f"DEMO-DV-{today.year}"))
    if existing is None:
        ensure_builtin_insatser(session)
        for survey_type, units in DEMO_UNITS.items():
            nodes = [
                ensure_node_path(session, f"{DEMO_ORG}/{path}", insats) for path, insats in units
            ]
            round_ = create_round(
                session,
                code=f"DEMO-{survey_type.upper()}-{today.year}",
                title=f"{DEMO_TITLES[survey_type]} {today.year}",
                survey_type=survey_type,
                period=today.year,
                opens_on=today - timedelta(days=14),
                closes_on=today + timedelta(days=60),
                units=nodes,
                organiser="Hägersten-Älvsjö stadsdelsförvaltning",
            )
            _demo_invitations_and_answers(session, round_, nodes, per_unit, rng, today)
        session.commit()
        click.echo("Demo data installed.")
    else:
        click.echo("Demo data is already installed.")
    _print_demo_codes(session)


def _demo_invitations_and_answers(session, round_, nodes, per_unit, rng, today) -> None:  # type: ignore[no-untyped-def]
    from survey.operations.invitations import issue_invitation

    for node in nodes:
        for index in range(per_unit):
            gender = rng.choice(["kvinna", "man", "kvinna", "man", None])
            issued = issue_invitation(
                session,
                round_,
                node,
                gender=gender,
                channel=rng.choice(["letter", "email", "kiosk"]),
            )
            # Keep the first few per unit unanswered so a newcomer has codes to try.
            if index < 3 or rng.random() > 0.6:
                continue
            _answer_all(session, issued.token, rng, today)
            respondent = load_respondent(session, issued.token)
            responses.submit_response(session, respondent, today=today, commit=session.flush)


def _answer_all(session, token, rng, today) -> None:  # type: ignore[no-untyped-def]
    respondent = responses.open_respondent(session, token, today)
    code: str | None = respondent.path.steps[0].code
    while code is not None:
        question = respondent.path.find(code)
        assert question is not None  # noqa: S101
        value: str | None
        text = None
        if question.kind == "free_text":
            value, text = None, rng.choice([None, None, "Jag tycker om mina kompisar här."])
        elif question.code == "BG_VEM":
            value = rng.choices(["sjalv", "med_hjalp", "annan"], (0.6, 0.35, 0.05))[0]
        elif question.kind == "background" and question.scale is not None:
            value = rng.choice(question.scale.option_codes())
        else:
            assert question.scale is not None  # noqa: S101
            options = question.scale.option_codes()
            roll = rng.random()
            if roll < 0.04:
                value = "vet_inte"
            elif roll < 0.07:
                value = None
            else:
                value = rng.choices(options, DEMO_WEIGHTS[len(options)])[0]
        responses.record_answer(
            session, respondent, question_code=code, value=value, text=text, today=today
        )
        respondent = responses.open_respondent(session, token, today)
        code = respondent.path.next_code(code)


def _print_demo_codes(session) -> None:  # type: ignore[no-untyped-def]
    click.echo("Codes to try at http://127.0.0.1:5000/ (or open /r/<token>):")
    for round_ in session.scalars(
        select(Round).where(Round.code.like("DEMO-%")).order_by(Round.code)
    ):
        unused = session.scalars(
            select(Invitation)
            .where(Invitation.round_id == round_.id, Invitation.status == "not_started")
            .order_by(Invitation.id)
            .limit(2)
        ).all()
        for invitation in unused:
            click.echo(
                f"  {round_.code:<14} code {format_code(invitation.short_code)}  "
                f"link /r/{invitation.token}"
            )


@click.group("rounds")
def rounds_group() -> None:
    """Survey rounds."""


@rounds_group.command("close")
@click.argument("code")
def close_round_command(code: str) -> None:
    """Close round CODE: submit started responses, delete contact data."""
    round_ = db.session.scalar(select(Round).where(Round.code == code))
    if round_ is None:
        raise click.ClickException(f"no round with code {code!r}")
    submitted = close_round(db.session, round_, local_today())
    db.session.commit()
    click.echo(f"Round {code} closed; {submitted} started responses submitted automatically.")
