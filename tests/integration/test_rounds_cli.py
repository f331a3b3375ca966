"""`rounds create`, `rounds open`, `rounds close-due` on the command line (SPEC §7)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from survey.clock import local_today
from survey.models import Round
from survey.operations.organisation import close_node, ensure_node_path
from tests.factories import make_round


def _org(session) -> None:  # type: ignore[no-untyped-def]
    ensure_node_path(session, "F/Dagliga verksamheter 2/Växtverket", "daglig_verksamhet")
    ensure_node_path(session, "F/Dagliga verksamheter 2/Ateljén", "daglig_verksamhet")
    ensure_node_path(session, "F/Boende/Solrosen", "gruppbostad")
    gone = ensure_node_path(session, "F/Dagliga verksamheter 2/Stängd", "daglig_verksamhet")
    close_node(session, gone, date(2025, 1, 1))
    session.commit()


def _round(session, code: str) -> Round:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.scalar(select(Round).where(Round.code == code))


def test_create_without_units_takes_every_open_verksamhet_of_the_type(runner, db_session):
    _org(db_session)
    result = runner.invoke(
        args=["rounds", "create", "--code", "DV-2026", "--survey", "dv", "--period", "2026"]
    )
    assert result.exit_code == 0, result.output
    assert "Round DV-2026 created (open)" in result.output
    round_ = _round(db_session, "DV-2026")
    assert sorted(u.name for u in round_.units) == ["Ateljén", "Växtverket"]
    assert round_.opens_on == local_today()
    assert round_.closes_on == local_today() + timedelta(weeks=6)
    assert round_.ask_free_text
    assert not round_.always_ask_gender


def test_create_with_units_dates_and_settings(runner, db_session):
    _org(db_session)
    result = runner.invoke(
        args=[
            "rounds",
            "create",
            "--code",
            "DV-X",
            "--survey",
            "dv",
            "--period",
            "2026",
            "--units",
            "F/Dagliga verksamheter 2/Växtverket",
            "F/Dagliga verksamheter 2/Ateljén",
            "--title",
            "Hösten",
            "--opens",
            "2026-09-01",
            "--closes",
            "2026-10-15",
            "--bank-version",
            "2026.1",
            "--no-free-text",
            "--always-ask-gender",
            "--draft",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "(draft)" in result.output
    round_ = _round(db_session, "DV-X")
    assert len(round_.units) == 2
    assert (round_.opens_on, round_.closes_on) == (date(2026, 9, 1), date(2026, 10, 15))
    assert round_.bank_version == "2026.1"
    assert round_.title == "Hösten"
    assert round_.is_draft
    assert not round_.ask_free_text
    assert round_.always_ask_gender
    # Repeated --units works too.
    again = runner.invoke(
        args=[
            "rounds",
            "create",
            "--code",
            "DV-Y",
            "--survey",
            "dv",
            "--period",
            "2026",
            "--units",
            "F/Dagliga verksamheter 2/Växtverket",
            "--units",
            "F/Dagliga verksamheter 2/Ateljén",
        ]
    )
    assert again.exit_code == 0, again.output
    assert len(_round(db_session, "DV-Y").units) == 2
    opened = runner.invoke(args=["rounds", "open", "DV-X"])
    assert opened.exit_code == 0, opened.output
    assert not _round(db_session, "DV-X").is_draft
    twice = runner.invoke(args=["rounds", "open", "DV-X"])
    assert twice.exit_code != 0
    assert "already open" in twice.output


def _fails(runner, *args: str) -> str:  # type: ignore[no-untyped-def]
    result = runner.invoke(args=["rounds", "create", *args])
    assert result.exit_code != 0, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: ")
    return lines[0]


def test_create_errors_are_one_line(runner, db_session):
    _org(db_session)
    base = ["--survey", "dv", "--period", "2026"]
    assert "no open unit with path 'F/Nope'" in _fails(
        runner, "--code", "A", *base, "--units", "F/Nope"
    )
    assert "uses survey type bo, not dv" in _fails(
        runner, "--code", "A", *base, "--units", "F/Boende/Solrosen"
    )
    assert "no open unit" in _fails(
        runner, "--code", "A", *base, "--units", "F/Dagliga verksamheter 2/Stängd"
    )
    assert "not a valid unit path" in _fails(runner, "--code", "A", *base, "--units", "F//X")
    assert "closes" in _fails(
        runner, "--code", "A", *base, "--opens", "2026-10-01", "--closes", "2026-09-01"
    )
    assert "no question bank dv version 1.0" in _fails(
        runner, "--code", "A", *base, "--bank-version", "1.0"
    )
    assert "no open verksamhet" in _fails(
        runner, "--code", "A", "--survey", "bs", "--period", "2026"
    )
    assert runner.invoke(args=["rounds", "create", "--code", "A", *base]).exit_code == 0
    assert "already a round with code A" in _fails(runner, "--code", "A", *base)
    assert db_session.scalar(select(Round.code).where(Round.code != "A")) is None


def test_close_due_closes_what_is_due_and_says_so(runner, db_session):
    today = local_today()
    make_round(
        db_session,
        code="OLD",
        opens_on=today - timedelta(days=30),
        closes_on=today - timedelta(days=1),
    )
    make_round(db_session, code="NOW", units=None)
    db_session.commit()
    result = runner.invoke(args=["rounds", "close-due"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Round OLD closed."
    assert _round(db_session, "OLD").is_closed
    assert not _round(db_session, "NOW").is_closed
    nothing = runner.invoke(args=["rounds", "close-due"])
    assert nothing.exit_code == 0
    assert "No rounds are due" in nothing.output
