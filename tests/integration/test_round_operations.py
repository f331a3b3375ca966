"""Round operations: create with validation, update freezing, open, close, close-due."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from survey.clock import local_today
from survey.domain.round_rules import InvitationRefused, RoundChangeRefused
from survey.models import AuditEvent, Round
from survey.operations.invitations import issue_invitation
from survey.operations.organisation import close_node, ensure_node_path
from survey.operations.rounds import (
    close_due_rounds,
    close_round,
    create_round,
    default_units,
    open_round,
    update_round,
)
from tests.factories import make_round


def code_of(info: pytest.ExceptionInfo) -> str:  # type: ignore[type-arg]
    return info.value.code


def dv(session, name: str = "V1"):  # type: ignore[no-untyped-def]
    return ensure_node_path(session, f"F/E/{name}", "daglig_verksamhet")


def new_round(session, **overrides):  # type: ignore[no-untyped-def]
    values = {
        "code": "DV-2026",
        "survey_type": "dv",
        "period": 2026,
        "opens_on": date(2026, 9, 1),
        "closes_on": date(2026, 10, 15),
        "units": [dv(session)],
    }
    values.update(overrides)
    return create_round(session, **values)


def audit(session, action: str) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_create_takes_bank_version_and_draft_and_audits(db_session):
    round_ = new_round(db_session, bank_version="2026.1", is_draft=True, title="  DV  2026 ")
    assert round_.bank_version == "2026.1"
    assert round_.is_draft
    assert round_.title == "DV 2026"
    assert not round_.is_open_on(date(2026, 9, 2))
    [event] = audit(db_session, "round.create")
    assert event.detail["round"] == "DV-2026"
    assert event.detail["draft"] is True


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"opens_on": date(2026, 10, 16)}, "dates_reversed"),
        ({"bank_version": "1999.1"}, "unknown_bank_version"),
        ({"units": []}, "no_units"),
        ({"code": "has space"}, "code_invalid"),
        ({"code": ""}, "code_invalid"),
        ({"survey_type": "xx"}, "unknown_survey_type"),
        ({"period": 26}, "period_invalid"),
        ({"title": "x" * 201}, "title_too_long"),
    ],
)
def test_create_refuses_bad_rounds(db_session, overrides, code):
    with pytest.raises(RoundChangeRefused) as info:
        new_round(db_session, **overrides)
    assert code_of(info) == code


def test_create_refuses_units_of_another_type_closed_or_without_insats(db_session):
    home = ensure_node_path(db_session, "F/E/Solrosen", "gruppbostad")
    with pytest.raises(RoundChangeRefused) as info:
        new_round(db_session, units=[dv(db_session), home])
    assert code_of(info) == "unit_wrong_survey_type"
    assert info.value.params["unit"] == "F/E/Solrosen"
    assert "F/E/Solrosen" in str(info.value)
    with pytest.raises(RoundChangeRefused) as info:
        new_round(db_session, units=[home.parent])
    assert code_of(info) == "unit_not_verksamhet"
    old = dv(db_session, "Gammal")
    close_node(db_session, old, date(2026, 1, 1))
    with pytest.raises(RoundChangeRefused) as info:
        new_round(db_session, units=[old])
    assert code_of(info) == "unit_closed"


def test_duplicate_code_is_refused(db_session):
    new_round(db_session)
    with pytest.raises(RoundChangeRefused) as info:
        new_round(db_session)
    assert code_of(info) == "duplicate_code"


def test_default_units_are_open_verksamheter_of_the_type(db_session):
    a = dv(db_session, "A")
    b = dv(db_session, "B")
    ensure_node_path(db_session, "F/E/Hem", "gruppbostad")
    service = ensure_node_path(db_session, "F/E/Service", "servicebostad")
    closed = dv(db_session, "C")
    close_node(db_session, closed, date(2026, 1, 1))
    assert [u.id for u in default_units(db_session, "dv")] == [a.id, b.id]
    assert service.id in {u.id for u in default_units(db_session, "bo")}
    assert default_units(db_session, "bs") == []


def test_a_draft_may_change_everything(db_session):
    round_ = new_round(db_session, is_draft=True, bank_version="2026.1")
    v2 = dv(db_session, "V2")
    update_round(
        db_session,
        round_,
        title="Ny titel",
        opens_on=date(2026, 9, 10),
        closes_on=date(2026, 11, 1),
        units=[v2],
        bank_version="2026.2",
        ask_free_text=False,
        always_ask_gender=True,
    )
    assert round_.title == "Ny titel"
    assert [u.id for u in round_.units] == [v2.id]
    assert round_.bank_version == "2026.2"
    assert not round_.ask_free_text
    assert round_.always_ask_gender
    [event] = audit(db_session, "round.update")
    assert event.detail["removed"] == ["F/E/V1"]
    assert event.detail["added"] == ["F/E/V2"]


def test_an_open_round_freezes_its_settings_and_keeps_units_with_invitations(db_session):
    v1 = dv(db_session)
    round_ = new_round(db_session, units=[v1])
    issue_invitation(db_session, round_, v1)
    for change, code in [
        ({"bank_version": "2026.1"}, "bank_version_frozen"),
        ({"ask_free_text": False}, "free_text_frozen"),
        ({"always_ask_gender": True}, "gender_setting_frozen"),
        ({"units": [dv(db_session, "V2")]}, "unit_has_invitations"),
        ({"units": []}, "no_units"),
        (
            {"units": [v1, ensure_node_path(db_session, "F/E/Hem", "gruppbostad")]},
            "unit_wrong_survey_type",
        ),
        ({"closes_on": date(2026, 8, 1)}, "dates_reversed"),
    ]:
        with pytest.raises(RoundChangeRefused) as info:
            update_round(db_session, round_, **change)
        assert code_of(info) == code, change
    assert round_.bank_version == "2026.2"
    assert [u.id for u in round_.units] == [v1.id]
    # Units may be added, unused units removed, dates and title changed.
    v2, v3 = dv(db_session, "V2"), dv(db_session, "V3")
    update_round(db_session, round_, units=[v1, v2, v3], closes_on=date(2026, 10, 31))
    update_round(db_session, round_, units=[v1, v3], title="DV hösten 2026")
    assert {u.id for u in round_.units} == {v1.id, v3.id}
    assert round_.closes_on == date(2026, 10, 31)
    # Unchanged settings passed again are fine.
    update_round(db_session, round_, bank_version="2026.2", ask_free_text=True)


def test_a_closed_round_is_locked(db_session):
    round_ = new_round(db_session)
    close_round(db_session, round_, date(2026, 10, 16))
    with pytest.raises(RoundChangeRefused) as info:
        update_round(db_session, round_, title="Ändrad")
    assert code_of(info) == "round_closed"
    with pytest.raises(RoundChangeRefused) as info:
        open_round(db_session, round_)
    assert code_of(info) == "round_closed"


def test_open_round_opens_a_draft_once(db_session):
    round_ = new_round(db_session, is_draft=True)
    open_round(db_session, round_, user_id=None)
    assert not round_.is_draft
    assert round_.is_open_on(date(2026, 9, 1))
    with pytest.raises(RoundChangeRefused) as info:
        open_round(db_session, round_)
    assert code_of(info) == "already_open"
    assert len(audit(db_session, "round.open")) == 1


def test_close_round_sets_closed_at_and_audits_once(db_session):
    round_ = new_round(db_session)
    close_round(db_session, round_, date(2026, 10, 16))
    close_round(db_session, round_, date(2026, 10, 17))
    round_ = db_session.scalar(select(Round))
    assert round_.is_closed
    assert round_.closed_at is not None
    [event] = audit(db_session, "round.close")
    assert event.detail == {"round": "DV-2026", "auto_submitted": 0}


def test_close_due_closes_open_rounds_past_their_last_day_only(db_session):
    today = date(2026, 10, 20)
    units = [dv(db_session)]
    new_round(db_session, code="PAST", closes_on=date(2026, 10, 19), units=units)
    new_round(db_session, code="TODAY", closes_on=today, units=units)
    new_round(db_session, code="DRAFT", closes_on=date(2026, 10, 1), is_draft=True, units=units)
    done = new_round(db_session, code="DONE", closes_on=date(2026, 10, 1), units=units)
    close_round(db_session, done, date(2026, 10, 2))
    assert close_due_rounds(db_session, today) == ["PAST"]
    closed = set(db_session.scalars(select(Round.code).where(Round.is_closed)))
    assert closed == {"PAST", "DONE"}
    assert close_due_rounds(db_session, today) == []


def test_invitations_only_for_units_of_an_unclosed_round(db_session):
    round_ = make_round(db_session)
    other = dv(db_session, "Annan")
    with pytest.raises(InvitationRefused) as info:
        issue_invitation(db_session, round_, other)
    assert code_of(info) == "unit_not_in_round"
    assert info.value.params == {"unit": "F/E/Annan", "round": round_.code}
    issue_invitation(db_session, round_, round_.units[0])
    close_round(db_session, round_, local_today() + timedelta(days=40))
    with pytest.raises(InvitationRefused) as info:
        issue_invitation(db_session, round_, round_.units[0])
    assert code_of(info) == "round_closed"
