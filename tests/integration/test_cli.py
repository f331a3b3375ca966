from sqlalchemy import func, select

from survey.models import Invitation, OrgNode, Round, SurveyResponse


def test_demo_installs_every_insats_with_rounds_and_answers(runner, db_session):
    result = runner.invoke(args=["demo", "--invitations", "6"])
    assert result.exit_code == 0, result.output
    assert "code " in result.output
    assert "/r/" in result.output
    rounds = db_session.scalars(select(Round)).all()
    # This period's open rounds, and last period's closed ones (for "föregående period").
    assert sorted((r.survey_type, r.is_closed) for r in rounds) == [
        (survey, closed) for survey in ("bo", "bs", "dv") for closed in (False, True)
    ]
    assert {r.period for r in rounds if r.is_closed} == {
        r.period - 1 for r in rounds if not r.is_closed
    }
    insatser = set(
        db_session.scalars(select(OrgNode.insats_code).where(OrgNode.insats_code.is_not(None)))
    )
    assert insatser == {"daglig_verksamhet", "gruppbostad", "servicebostad", "boendestod"}
    assert db_session.scalar(select(func.count()).select_from(SurveyResponse)) > 0
    not_started = db_session.scalar(
        select(func.count()).select_from(Invitation).where(Invitation.status == "not_started")
    )
    assert not_started > 0

    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0
    assert "already installed" in again.output
    assert len(db_session.scalars(select(Round)).all()) == 6


def test_close_round_command(runner, db_session):
    runner.invoke(args=["demo", "--invitations", "4"])
    code = db_session.scalars(select(Round.code).where(Round.is_closed.is_(False))).first()
    result = runner.invoke(args=["rounds", "close", code])
    assert result.exit_code == 0, result.output
    missing = runner.invoke(args=["rounds", "close", "NOPE"])
    assert missing.exit_code != 0
    assert "no round with code" in missing.output
