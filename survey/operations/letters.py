"""Printing letters and code cards: which invitations get one, paired with a names file when
there is one, and recording them as handed out once the PDF is built.

    run = plan_letters(session, round_, unit_ids, link=respondent_link, names=(data, name))
    pdf = render_letters(letter_round(round_, entry), run.recipients, lang, ...)
    record_letters(session, round_, run, kind="letters", unit=..., user_id=..., today=...)
    session.commit()   # the edge, and only after the PDF is whole

Names and addresses from the file go into `LetterRun.recipients` and nowhere else: no
staged import, no log line, no audit detail (that holds the round, the unit and a count).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy.orm import Session

from survey.domain.letter_names import LETTER_ALIASES, pair_rows, read_names
from survey.domain.recipients import UnitIndex
from survey.domain.tabular import ImportRejected, RowError, UploadRefused, read_table
from survey.models import Round
from survey.operations import audit
from survey.operations.invitations import hand_out_printed
from survey.queries.imports import bestallare_index, unit_index_for_round
from survey.queries.letters import LetterInvitation, letter_invitations
from survey.queries.organisation import load_tree
from survey.reports.letters_pdf import LetterRecipient, LetterRound, window_line_fits

#: Printed letters and cards alike are given out on paper.
LETTER_CHANNEL = "letter"


class NoLetters(Exception):
    """Nothing to print: the round has no invitation that may get a letter in these units."""


@dataclass(slots=True)
class LetterRun:
    recipients: list[LetterRecipient]
    invitation_ids: list[int]
    #: Rows of a names file whose invitation was answered or withdrawn (no letter).
    skipped: int = 0
    #: Whether the letters carry names and addresses from a file.
    named: bool = False


def letter_round(round_: Round, entry_address: str) -> LetterRound:
    return LetterRound(
        survey_type=round_.survey_type,
        organiser=round_.organiser,
        help_contact=round_.help_contact,
        opens_on=round_.opens_on,
        closes_on=round_.closes_on,
        entry_address=entry_address,
    )


def _names_index(session: Session, round_: Round, unit_ids: set[int]) -> UnitIndex:
    tree = load_tree(session, tree="utforare", include_closed=False)
    chosen = [(node.id, node.path) for node in tree.walk() if node.id in unit_ids]
    others = [
        (node.id, node.path)
        for node in tree.walk()
        if node.id not in unit_ids and node.insats_code is not None
    ]
    return UnitIndex.build(chosen, others)


def _outside_choice(session: Session, round_: Round, errors: list[RowError]) -> list[RowError]:
    """A unit of the round that lies outside the chosen units says so, not "not in the round"."""
    if not any(e.code == "unit_not_in_round" for e in errors):
        return errors
    whole = unit_index_for_round(session, round_)
    return [
        replace(e, code="unit_not_chosen")
        if e.code == "unit_not_in_round" and whole.match(e.value).unit_id is not None
        else e
        for e in errors
    ]


def plan_letters(
    session: Session,
    round_: Round,
    unit_ids: set[int],
    *,
    link: Callable[[str], str],
    names: tuple[bytes, str] | None = None,
) -> LetterRun:
    """The letters to print, in order; writes nothing.

    Without `names` (data, filename): every invitation of the units that may get a letter
    (see queries.letters.letter_invitations), by unit path and id, with no address. With
    it: one letter per row of the file, paired with an invitation (see
    domain.letter_names.pair_rows). Raises UploadRefused (the file as a whole),
    ImportRejected (row errors; nothing is printed), NoLetters (nothing to print).
    """
    if round_.is_closed:
        raise UploadRefused("round_closed", round=round_.code)
    if names is None:
        found = letter_invitations(session, round_, unit_ids)
        if not found:
            raise NoLetters(round_.code)
        return LetterRun(
            recipients=[LetterRecipient(i.short_code, link(i.token)) for i in found],
            invitation_ids=[i.id for i in found],
        )
    data, filename = names
    table = read_table(
        data, filename, aliases=LETTER_ALIASES, required=("unit",), keep_personal=True
    )
    if not (table.has("name") or table.has("first_name") or table.has("last_name")):
        raise UploadRefused("missing_columns", columns=["name"])
    checked = read_names(
        table,
        _names_index(session, round_, unit_ids),
        bestallare_index(session),
        fits=window_line_fits,
    )
    if checked.errors:
        raise ImportRejected(_outside_choice(session, round_, checked.errors))
    invitations: dict[int, LetterInvitation] = {
        i.id: i for i in letter_invitations(session, round_, unit_ids, answered_too=True)
    }
    pairing = pair_rows(checked.rows, (i.candidate() for i in invitations.values()))
    if pairing.errors:
        raise ImportRejected(pairing.errors)
    if not pairing.pairs:
        raise NoLetters(round_.code)
    return LetterRun(
        recipients=[
            LetterRecipient(
                invitations[i].short_code,
                link(invitations[i].token),
                row.address,
            )
            for row, i in pairing.pairs
        ],
        invitation_ids=[i for _, i in pairing.pairs],
        skipped=pairing.skipped,
        named=True,
    )


def record_letters(
    session: Session,
    round_: Round,
    run: LetterRun,
    *,
    kind: str,
    unit: str,
    user_id: int | None,
    today: date,
) -> int:
    """Mark the run's invitations handed out today (channel "letter") and write the audit
    event (round, unit, kind and count only). Returns how many were handed out for the
    first time. Raises TakenByKiosk when a kiosk took one of them since the plan. Flushes;
    the edge commits once the PDF is whole."""
    first = hand_out_printed(session, run.invitation_ids, LETTER_CHANNEL, today)
    audit.record(
        session,
        "invitations.letters" if kind == "letters" else "invitations.cards",
        user_id=user_id,
        detail={
            "round": round_.code,
            "unit": unit,
            "count": len(run.invitation_ids),
            "first_time": first,
            "named": run.named,
        },
    )
    return first
