"""Rules for survey rounds and their invitations (SPEC §2, §5).

Pure checks over plain facts; `survey.operations.rounds` and `.invitations` gather the
facts and call these before changing anything.

- A round covers at least one unit, each open and carrying an insats of the round's
  survey type; opens_on ≤ closes_on; its bank version exists for its survey type.
- A draft may change in every respect. Once open, units may be added and dates and title
  changed, but a unit with invitations may not be removed (at any time: an invitation is
  only ever for a unit of its round), and the bank version, free-text and gender settings
  are frozen (answers already given used them). A closed round is locked.
- An invitation is only for a unit of its round, and never for a closed round.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from survey.domain.staff_refusals import StaffRefusal

SURVEY_TYPES = ("dv", "bo", "bs")
MAX_CODE_LENGTH = 40
MAX_TITLE_LENGTH = 200
MIN_PERIOD, MAX_PERIOD = 2000, 2100
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class RoundChangeRefused(StaffRefusal):
    """A round that would be inconsistent, or a change a round no longer allows."""

    MESSAGES: ClassVar[dict[str, str]] = {
        "code_invalid": "a round code is 1–40 letters, digits, '.', '_' or '-': {code!r}",
        "duplicate_code": "there is already a round with code {code}",
        "unknown_survey_type": "no such survey type: {survey_type!r} (use dv, bo or bs)",
        "period_invalid": "not a valid period (year): {period}",
        "title_too_long": "a round title can be at most {limit} characters",
        "dates_reversed": "the round closes ({closes_on}) before it opens ({opens_on})",
        "unknown_bank_version": "no question bank {survey_type} version {version}",
        "no_units": "a round needs at least one unit",
        "unit_closed": "{unit} is closed",
        "unit_not_verksamhet": "{unit} has no insats, so it cannot be in a round",
        "unit_wrong_survey_type": ("{unit} uses survey type {unit_survey_type}, not {survey_type}"),
        "unit_has_invitations": "{unit} has invitations in this round; it cannot be removed",
        "bank_version_frozen": "the round is open: its question-bank version cannot change",
        "free_text_frozen": "the round is open: the free-text question cannot change",
        "gender_setting_frozen": "the round is open: whether gender is asked cannot change",
        "round_closed": "round {round} is closed",
        "already_open": "round {round} is already open",
    }


class InvitationRefused(StaffRefusal):
    """An invitation that does not fit its round."""

    MESSAGES: ClassVar[dict[str, str]] = {
        "round_closed": "round {round} is closed",
        "unit_not_in_round": "{unit} is not a unit of round {round}",
    }


@dataclass(frozen=True, slots=True)
class UnitFacts:
    """What the rules need to know about a unit."""

    id: int
    path: str
    #: Survey type of the unit's insats; None when it has none.
    survey_type: str | None
    is_open: bool


@dataclass(frozen=True, slots=True)
class RoundSettings:
    """The changeable settings of a round, before or after a change."""

    title: str
    opens_on: date
    closes_on: date
    unit_ids: frozenset[int]
    bank_version: str
    ask_free_text: bool
    always_ask_gender: bool


def clean_code(code: str) -> str:
    cleaned = code.strip()
    if not cleaned or len(cleaned) > MAX_CODE_LENGTH or not _CODE.match(cleaned):
        raise RoundChangeRefused("code_invalid", code=code)
    return cleaned


def clean_title(title: str, code: str) -> str:
    """The title as stored; blank means the code."""
    cleaned = " ".join(title.split())
    if len(cleaned) > MAX_TITLE_LENGTH:
        raise RoundChangeRefused("title_too_long", limit=MAX_TITLE_LENGTH)
    return cleaned or code


def check_survey_type(survey_type: str) -> None:
    if survey_type not in SURVEY_TYPES:
        raise RoundChangeRefused("unknown_survey_type", survey_type=survey_type)


def check_period(period: int) -> None:
    if not MIN_PERIOD <= period <= MAX_PERIOD:
        raise RoundChangeRefused("period_invalid", period=period)


def check_dates(opens_on: date, closes_on: date) -> None:
    if opens_on > closes_on:
        raise RoundChangeRefused(
            "dates_reversed", opens_on=opens_on.isoformat(), closes_on=closes_on.isoformat()
        )


def check_bank_version(survey_type: str, version: str, available: Collection[str]) -> None:
    if version not in available:
        raise RoundChangeRefused("unknown_bank_version", survey_type=survey_type, version=version)


def check_unit(survey_type: str, unit: UnitFacts) -> None:
    """One unit may join a round of `survey_type`."""
    if not unit.is_open:
        raise RoundChangeRefused("unit_closed", unit=unit.path)
    if unit.survey_type is None:
        raise RoundChangeRefused("unit_not_verksamhet", unit=unit.path)
    if unit.survey_type != survey_type:
        raise RoundChangeRefused(
            "unit_wrong_survey_type",
            unit=unit.path,
            unit_survey_type=unit.survey_type,
            survey_type=survey_type,
        )


def check_units(survey_type: str, units: Sequence[UnitFacts]) -> None:
    """A new round's units: at least one, each open and of the round's survey type."""
    if not units:
        raise RoundChangeRefused("no_units")
    for unit in units:
        check_unit(survey_type, unit)


def check_update(
    *,
    round_code: str,
    survey_type: str,
    is_draft: bool,
    is_closed: bool,
    current: RoundSettings,
    proposed: RoundSettings,
    added: Sequence[UnitFacts],
    removed_with_invitations: Mapping[int, str],
) -> None:
    """Whether `current` may become `proposed`.

    `added` are the facts of the units not yet in the round; `removed_with_invitations`
    maps each removed unit that has invitations in the round to its path.
    """
    if is_closed:
        raise RoundChangeRefused("round_closed", round=round_code)
    if not is_draft:
        if proposed.bank_version != current.bank_version:
            raise RoundChangeRefused("bank_version_frozen")
        if proposed.ask_free_text != current.ask_free_text:
            raise RoundChangeRefused("free_text_frozen")
        if proposed.always_ask_gender != current.always_ask_gender:
            raise RoundChangeRefused("gender_setting_frozen")
    check_dates(proposed.opens_on, proposed.closes_on)
    if not proposed.unit_ids:
        raise RoundChangeRefused("no_units")
    for unit_id in sorted(current.unit_ids - proposed.unit_ids):
        if unit_id in removed_with_invitations:
            raise RoundChangeRefused("unit_has_invitations", unit=removed_with_invitations[unit_id])
    for unit in added:
        check_unit(survey_type, unit)


def check_can_open(round_code: str, *, is_draft: bool, is_closed: bool) -> None:
    if is_closed:
        raise RoundChangeRefused("round_closed", round=round_code)
    if not is_draft:
        raise RoundChangeRefused("already_open", round=round_code)


def check_invitation(
    *, round_code: str, round_closed: bool, unit_path: str, unit_in_round: bool
) -> None:
    if round_closed:
        raise InvitationRefused("round_closed", round=round_code)
    if not unit_in_round:
        raise InvitationRefused("unit_not_in_round", unit=unit_path, round=round_code)


def is_due(*, is_draft: bool, is_closed: bool, closes_on: date, today: date) -> bool:
    """An open round whose last day has passed: `rounds close-due` closes it."""
    return not is_draft and not is_closed and closes_on < today
