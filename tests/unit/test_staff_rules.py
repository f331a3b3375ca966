"""Pure rules for staff operations: refusals, round rules, organisation rules, roll-up."""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field
from datetime import date

import pytest

from survey.domain import organisation_rules as org
from survey.domain import round_rules as rounds
from survey.domain.overview import (
    CountRow,
    build_overview,
    overview_csv,
    percent_half_up,
    swedish_key,
)


def test_refusals_carry_code_params_and_an_english_line():
    refusal = rounds.RoundChangeRefused("duplicate_code", code="DV-2026")
    assert refusal.code == "duplicate_code"
    assert refusal.params == {"code": "DV-2026"}
    assert str(refusal) == "there is already a round with code DV-2026"
    assert isinstance(refusal, ValueError)
    again = pickle.loads(pickle.dumps(refusal))  # noqa: S301 - our own object
    assert (type(again), again.code, again.params) == (type(refusal), refusal.code, refusal.params)
    assert str(rounds.RoundChangeRefused("no_such_code", x=1)) == "no_such_code (x=1)"


def test_every_code_has_a_message_that_formats():
    samples = {
        "node": "F/E",
        "parent": "F",
        "name": "X",
        "tree": "utforare",
        "parent_tree": "bestallare",
        "insats": "x",
        "level": "",
        "limit": 200,
        "day": "2026-01-01",
        "start": "2026-01-02",
        "round": "R",
        "rounds": "R",
        "code": "R",
        "survey_type": "dv",
        "unit_survey_type": "bo",
        "period": 1,
        "opens_on": "a",
        "closes_on": "b",
        "version": "1",
        "unit": "F/E/V",
    }
    for cls in (org.OrgChangeRefused, rounds.RoundChangeRefused, rounds.InvitationRefused):
        for code, template in cls.MESSAGES.items():
            assert "{" not in template.format(**samples), code


UNIT = rounds.UnitFacts(id=1, path="F/E/V", survey_type="dv", is_open=True)


def settings(**changes: object) -> rounds.RoundSettings:
    values: dict[str, object] = {
        "title": "T",
        "opens_on": date(2026, 9, 1),
        "closes_on": date(2026, 10, 1),
        "unit_ids": frozenset({1}),
        "bank_version": "2026.2",
        "ask_free_text": True,
        "always_ask_gender": False,
    }
    values.update(changes)
    return rounds.RoundSettings(**values)  # type: ignore[arg-type]


def check(*, is_draft: bool = False, is_closed: bool = False, added=(), used=None, **changes):  # type: ignore[no-untyped-def]
    rounds.check_update(
        round_code="R",
        survey_type="dv",
        is_draft=is_draft,
        is_closed=is_closed,
        current=settings(),
        proposed=settings(**changes),
        added=list(added),
        removed_with_invitations=used or {},
    )


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"bank_version": "2026.1"}, "bank_version_frozen"),
        ({"ask_free_text": False}, "free_text_frozen"),
        ({"always_ask_gender": True}, "gender_setting_frozen"),
    ],
)
def test_open_rounds_freeze_what_answers_depend_on(changes, code):
    with pytest.raises(rounds.RoundChangeRefused) as info:
        check(**changes)
    assert info.value.code == code
    check(is_draft=True, **changes)  # a draft may


def test_update_rules_for_units_and_closed_rounds():
    with pytest.raises(rounds.RoundChangeRefused, match="has invitations"):
        check(unit_ids=frozenset({2}), used={1: "F/E/V"}, added=[UNIT])
    with pytest.raises(rounds.RoundChangeRefused, match="has invitations"):
        check(is_draft=True, unit_ids=frozenset({2}), used={1: "F/E/V"})
    check(unit_ids=frozenset({1, 2}), added=[rounds.UnitFacts(2, "F/E/W", "dv", True)])
    with pytest.raises(rounds.RoundChangeRefused, match="uses survey type bo"):
        check(unit_ids=frozenset({1, 3}), added=[rounds.UnitFacts(3, "F/E/H", "bo", True)])
    with pytest.raises(rounds.RoundChangeRefused, match="is closed"):
        check(is_closed=True, title="Ny")


def test_due_and_invitation_rules():
    today = date(2026, 10, 2)
    assert rounds.is_due(is_draft=False, is_closed=False, closes_on=date(2026, 10, 1), today=today)
    assert not rounds.is_due(is_draft=False, is_closed=False, closes_on=today, today=today)
    assert not rounds.is_due(
        is_draft=True, is_closed=False, closes_on=date(2026, 1, 1), today=today
    )
    with pytest.raises(rounds.InvitationRefused, match="not a unit of round R"):
        rounds.check_invitation(
            round_code="R", round_closed=False, unit_path="X", unit_in_round=False
        )


def test_names_and_effective_dates():
    assert org.clean_name("  Gröna   huset ") == "Gröna huset"
    assert org.same_name("Växtverket", " växtverket")
    start = date(2026, 1, 1)
    org.check_effective("F", start, start, ends=False)
    with pytest.raises(org.OrgChangeRefused, match="too early"):
        org.check_effective("F", start, start, ends=True)
    with pytest.raises(org.OrgChangeRefused, match="own units"):
        org.check_not_into_own_subtree("F", 3, {1, 2, 3})


@dataclass
class Node:
    id: int
    name: str
    path: str
    level: str = "enhet"
    insats_code: str | None = None
    children: list[Node] = field(default_factory=list)


def test_roll_up_prunes_to_the_rounds_units_and_sums_counts():
    a = Node(3, "Ö-gruppen", "F/Ö-gruppen", "verksamhet", "daglig_verksamhet")
    b = Node(4, "Å-gruppen", "F/Å-gruppen", "verksamhet", "daglig_verksamhet")
    c = Node(5, "Ä-gruppen", "F/Ä-gruppen", "verksamhet", "daglig_verksamhet")
    outside = Node(6, "Annan", "F/Annan", "verksamhet", "daglig_verksamhet")
    root = Node(1, "F", "F", "forvaltning", children=[a, b, c, outside])
    counts = [
        CountRow(3, "kvinna", "submitted", 2),
        CountRow(3, "man", "not_started", 1),
        CountRow(4, None, "withdrawn", 5),
        CountRow(99, "kvinna", "submitted", 7),  # not in the tree: dropped
    ]
    overview = build_overview("R", [root], counts, {3, 4, 5})
    assert [r.name for r in overview.rows] == ["F", "Å-gruppen", "Ä-gruppen", "Ö-gruppen"]
    top = overview.rows[0]
    assert (top.invited, top.submitted, top.withdrawn) == (3, 2, 5)
    assert top.tally.other.withdrawn == 5
    assert overview.total == top.tally
    assert swedish_key("Åsa") < swedish_key("Ärla") < swedish_key("Örn")
    assert swedish_key("Zeta") < swedish_key("Åsa")


def test_percent_half_up_in_integers():
    assert percent_half_up(95, 177) == 54
    assert percent_half_up(95, 177, decimals=1) == 537
    assert percent_half_up(1, 8) == 13  # 12.5 rounds up
    assert percent_half_up(1, 0) is None


def test_csv_neutralises_formulas():
    evil = Node(2, "=HYPERLINK(1)", "=HYPERLINK(1)", "verksamhet", "daglig_verksamhet")
    text = overview_csv(build_overview("R", [evil], [], {2}))
    assert "\r\n'=HYPERLINK(1);" in text
