"""Command line: `flask --app survey …`. Thin wrappers: parse, call an operation, commit, print."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import click
from flask import Flask
from sqlalchemy import select

from survey.cli_imports import register_import_cli
from survey.clock import local_today
from survey.domain.staff_refusals import StaffRefusal
from survey.domain.tokens import format_code
from survey.extensions import db
from survey.models import Invitation, Round
from survey.operations import responses
from survey.operations.organisation import (
    ensure_builtin_insatser,
    ensure_node_path,
    find_node_by_path,
)
from survey.operations.rounds import (
    close_due_rounds,
    close_round,
    create_round,
    default_units,
    open_round,
)
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
    from survey.cli_indicators import register_indicator_cli
    from survey.cli_letters import register_letters_cli
    from survey.cli_mail import register_mail_cli
    from survey.cli_paper import register_paper_cli
    from survey.cli_reports import register_report_cli
    from survey.cli_staff import register_staff_cli
    from survey.cli_targets import register_targets_cli

    app.cli.add_command(demo)
    app.cli.add_command(rounds_group)
    register_staff_cli(app)
    register_import_cli(app)
    register_indicator_cli(app)
    register_targets_cli(app)
    register_report_cli(app)
    register_mail_cli(app)
    register_letters_cli(app)
    register_paper_cli(app)


@click.command("demo")
@click.option("--seed", default=2026, show_default=True, help="Random seed for demo answers.")
@click.option(
    "--invitations", "per_unit", default=24, show_default=True, help="Invitations per verksamhet."
)
def demo(seed: int, per_unit: int) -> None:
    """Install a demo förvaltning, open rounds, invitations and submitted responses."""
    session = db.session
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    today = local_today()
    existing = session.scalar(select(Round).where(Round.code == f"DEMO-DV-{today.year}"))
    if existing is None:
        ensure_builtin_insatser(session)
        bestallare = [
            ensure_node_path(session, f"{DEMO_BESTALLARE}/{name}", tree="bestallare")
            for name in DEMO_BESTALLARE_UNITS
        ]
        for survey_type, units in DEMO_UNITS.items():
            nodes = [
                ensure_node_path(session, f"{DEMO_ORG}/{path}", insats) for path, insats in units
            ]
            _demo_previous_round(session, survey_type, nodes, bestallare, rng, today)
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
                help_contact="Fråga personalen eller ring Anna Svensson, 08-508 00 000.",
            )
            _demo_invitations_and_answers(session, round_, nodes, bestallare, per_unit, rng, today)
        _demo_targets(session, today.year)
        session.commit()
        click.echo("Demo data installed.")
    else:
        click.echo("Demo data is already installed.")
    _print_demo_codes(session)
    _demo_accounts(session)


#: Demo staff: (address, role, scope below DEMO_ORG or None for everything).
DEMO_ACCOUNTS = (
    ("admin@demo.example", "Demo Admin", "admin", None),
    ("handlaggare@demo.example", "Demo Handläggare", "handlaggare", "Dagliga verksamheter 2"),
)


def _demo_accounts(session) -> None:  # type: ignore[no-untyped-def]
    """Demo staff accounts with a password generated now (none ships with the code).

    Every run of `demo` gives the demo accounts new passwords and prints them, so the
    sign-in details a newcomer sees always work.
    """
    import secrets

    from survey.operations import users
    from survey.operations.organisation import find_node_by_path

    click.echo("Staff sign-in at http://127.0.0.1:5000/personal/ :")
    for email, name, role, scope in DEMO_ACCOUNTS:
        password = secrets.token_urlsafe(12)
        user = users.find_user(session, email)
        node = find_node_by_path(session, f"{DEMO_ORG}/{scope}") if scope else None
        if user is None:
            users.create_user(
                session, email=email, name=name, password=password, grants=[(role, node)]
            )
        else:
            users.set_password(session, user, password)
            if not user.is_active:
                users.set_active(session, user, True)
        session.commit()
        where = f"{DEMO_ORG}/{scope}" if scope else "the whole installation"
        click.echo(f"  {role:<12} {email:<26} password {password}   ({where})")
    click.echo(
        "  The admin sets up two-step verification (an authenticator app) at the first sign-in."
    )


#: The demo's beställare hierarchy (SPEC §4): whose handläggare granted the insats.
DEMO_BESTALLARE = "Hägersten-Älvsjö beställarenhet (demo)"
DEMO_BESTALLARE_UNITS = ("LSS-handläggare", "SoL-handläggare")


def _demo_bestallare(survey_type: str, bestallare, rng):  # type: ignore[no-untyped-def]
    lss, sol = bestallare
    home, other = (sol, lss) if survey_type == "bs" else (lss, sol)
    return home if rng.random() < 0.85 else other


def _demo_targets(session, period: int) -> None:  # type: ignore[no-untyped-def]
    """Targets as a förvaltning sets them: the city's KF:s årsmål for the whole installation,
    the förvaltning's own årsmål, and one still to be decided."""
    from survey.models import Target
    from survey.operations.organisation import find_node_by_path

    top = find_node_by_path(session, DEMO_ORG)
    for key, arsmal, kf_arsmal in (
        ("nojd", "85", "80"),
        ("bemotande", "90", "90"),
        ("paverka", "Tas fram av nämnd", "75"),
        ("ej_diskriminering", "95", None),
    ):
        session.add(Target(indicator_key=key, org_node_id=None, period=period, kf_arsmal=kf_arsmal))
        session.add(
            Target(
                indicator_key=key, org_node_id=top.id if top else None, period=period, arsmal=arsmal
            )
        )
    session.flush()


def _demo_previous_round(session, survey_type, nodes, bestallare, rng, today) -> None:  # type: ignore[no-untyped-def]
    """Last period's round, closed, with answers, so reports show "föregående period"."""
    from survey.domain.question_banks import latest_version, load_bank
    from survey.models import Answer, SurveyResponse
    from survey.operations.rounds import close_round

    year = today.year - 1
    round_ = create_round(
        session,
        code=f"DEMO-{survey_type.upper()}-{year}",
        title=f"{DEMO_TITLES[survey_type]} {year}",
        survey_type=survey_type,
        period=year,
        opens_on=today.replace(year=year) - timedelta(days=60),
        closes_on=today.replace(year=year) - timedelta(days=14),
        units=nodes,
        organiser="Hägersten-Älvsjö stadsdelsförvaltning",
    )
    bank = load_bank(survey_type, latest_version(survey_type))
    for node in nodes:
        for _ in range(rng.randint(14, 22)):
            response = SurveyResponse(
                round_id=round_.id,
                org_node_id=node.id,
                bestallare_node_id=_demo_bestallare(survey_type, bestallare, rng).id,
                gender=rng.choices(["kvinna", "man", "annat"], (0.5, 0.48, 0.02))[0],
                answered_by=rng.choices(["sjalv", "med_hjalp", "annan"], (0.6, 0.35, 0.05))[0],
                submitted_week=f"{year}-W{rng.randint(40, 46)}",
            )
            for question in bank.questions:
                if question.scale is None or rng.random() < 0.05:
                    continue
                options = question.scale.option_codes()
                value = rng.choices(options, DEMO_WEIGHTS[len(options)])[0]
                response.answers.append(Answer(question_code=question.code, value=value))
            session.add(response)
    session.flush()
    close_round(session, round_, today)


def _demo_invitations_and_answers(session, round_, nodes, bestallare, per_unit, rng, today) -> None:  # type: ignore[no-untyped-def]
    from survey.operations.invitations import issue_invitation

    for node in nodes:
        for index in range(per_unit):
            gender = rng.choices(["kvinna", "man", None], (0.47, 0.47, 0.06))[0]
            who_granted = _demo_bestallare(round_.survey_type, bestallare, rng)
            channel = rng.choice(["letter", "email", "kiosk"])
            issued = issue_invitation(
                session,
                round_,
                node,
                gender=gender,
                bestallare=who_granted,
                channel=channel,
                # example.org never receives mail; on a laptop MAIL_BACKEND=console prints it.
                email=f"brukare-{node.id}-{index}@example.org" if channel == "email" else None,
                handed_out_on=today,
            )
            # Keep the first few per unit unanswered so a newcomer has codes to try.
            if index < 3 or rng.random() > 0.8:
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
        elif question.code == "BG_KON" and question.scale is not None:
            options = question.scale.option_codes()  # kvinna, man, annat, vill inte svara
            value = rng.choices(options, (0.48, 0.48, 0.02, 0.02)[: len(options)])[0]
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
    round_ = _find_round(code)
    submitted = close_round(db.session, round_, local_today())
    db.session.commit()
    click.echo(f"Round {code} closed; {submitted} started responses submitted automatically.")


#: A round made on the command line without --closes stays open this long.
DEFAULT_ROUND_WEEKS = 6


def _find_round(code: str) -> Round:
    round_ = db.session.scalar(select(Round).where(Round.code == code))
    if round_ is None:
        raise click.ClickException(f"no round with code {code!r}")
    return round_


@rounds_group.command("create")
@click.option("--code", required=True, help="Unique round code, e.g. DV-2026.")
@click.option("--survey", "survey_type", required=True, type=click.Choice(["dv", "bo", "bs"]))
@click.option("--period", required=True, type=int, help="The year the round reports on.")
@click.option(
    "--units",
    "unit_paths",
    multiple=True,
    metavar="PATH",
    help="Unit path Förvaltning/Enhet/Verksamhet; repeat it, or list more paths after it. "
    "Default: every open verksamhet whose insats uses the survey type.",
)
@click.argument("more_units", nargs=-1, metavar="[PATH]...")
@click.option("--title", default="", help="Title shown to staff (default: the code).")
@click.option("--organiser", default="", help="Who runs the survey, shown on the start page.")
@click.option(
    "--help-contact", default="", help="Who the brukare can ask for help (letters, e-mails)."
)
@click.option(
    "--opens", type=click.DateTime(["%Y-%m-%d"]), help="First day (YYYY-MM-DD; default today)."
)
@click.option(
    "--closes",
    type=click.DateTime(["%Y-%m-%d"]),
    help=f"Last day (YYYY-MM-DD; default {DEFAULT_ROUND_WEEKS} weeks after the first).",
)
@click.option("--bank-version", default=None, help="Question-bank version (default: newest).")
@click.option("--no-free-text", is_flag=True, help="Leave out 'Vill du säga något mer?'.")
@click.option("--always-ask-gender", is_flag=True, help="Ask gender even when the list has it.")
@click.option("--draft", is_flag=True, help="Create as a draft (open it with `rounds open`).")
def create_round_command(
    code: str,
    survey_type: str,
    period: int,
    unit_paths: tuple[str, ...],
    more_units: tuple[str, ...],
    title: str,
    organiser: str,
    help_contact: str,
    opens: datetime | None,
    closes: datetime | None,
    bank_version: str | None,
    no_free_text: bool,
    always_ask_gender: bool,
    draft: bool,
) -> None:
    """Create a round of survey type dv, bo or bs for a period (SPEC §7)."""
    session = db.session
    paths = [*unit_paths, *more_units]
    if paths:
        units = []
        for path in paths:
            try:
                node = find_node_by_path(session, path)
            except ValueError as error:
                raise click.ClickException(str(error)) from None
            if node is None:
                raise click.ClickException(f"no open unit with path {path!r}")
            units.append(node)
    else:
        units = default_units(session, survey_type)
        if not units:
            raise click.ClickException(
                f"no open verksamhet has an insats of survey type {survey_type}; "
                "import the organisation first (org import) or name --units"
            )
    opens_on = opens.date() if opens is not None else local_today()
    closes_on = (
        closes.date() if closes is not None else opens_on + timedelta(weeks=DEFAULT_ROUND_WEEKS)
    )
    try:
        round_ = create_round(
            session,
            code=code,
            survey_type=survey_type,
            period=period,
            opens_on=opens_on,
            closes_on=closes_on,
            units=units,
            title=title,
            organiser=organiser,
            help_contact=help_contact,
            bank_version=bank_version,
            ask_free_text=not no_free_text,
            always_ask_gender=always_ask_gender,
            is_draft=draft,
        )
    except StaffRefusal as refusal:
        session.rollback()
        raise click.ClickException(str(refusal)) from None
    session.commit()
    state = "draft" if round_.is_draft else "open"
    click.echo(
        f"Round {round_.code} created ({state}): {survey_type} {period}, "
        f"{len(round_.units)} units, bank version {round_.bank_version}, "
        f"{round_.opens_on.isoformat()} to {round_.closes_on.isoformat()}."
    )


@rounds_group.command("open")
@click.argument("code")
def open_round_command(code: str) -> None:
    """Open draft round CODE."""
    round_ = _find_round(code)
    try:
        open_round(db.session, round_)
    except StaffRefusal as refusal:
        db.session.rollback()
        raise click.ClickException(str(refusal)) from None
    db.session.commit()
    click.echo(f"Round {code} opened.")


@rounds_group.command("close-due")
def close_due_command() -> None:
    """Close every open round whose last day has passed (run daily, e.g. from cron)."""
    codes = close_due_rounds(db.session, local_today())
    db.session.commit()
    if not codes:
        click.echo("No rounds are due to close.")
    for code in codes:
        click.echo(f"Round {code} closed.")
