"""Where a round stands on the day its figures are read, as reports say it (SPEC §6).

A report of a round that is not closed is preliminary, and says why in words that are true on
that day: not open yet, open until its last day, or past its last day but not closed. A closed
round's report says nothing of it. Every output (the unit PDF, the workbook, the CSV, the
"Analys" text, the dashboard) takes its sentence from `status_note`, so they cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from survey.reports.text import Language


@dataclass(frozen=True, slots=True)
class RoundStatus:
    """A round's dates and state, and the day its figures were read."""

    is_draft: bool
    is_closed: bool
    opens_on: date
    closes_on: date
    as_of: date

    @property
    def preliminary(self) -> bool:
        return not self.is_closed

    @property
    def not_open_yet(self) -> bool:
        return self.preliminary and (self.is_draft or self.as_of < self.opens_on)

    @property
    def past_last_day(self) -> bool:
        return self.preliminary and not self.is_draft and self.as_of > self.closes_on


def is_preliminary(status: RoundStatus | None) -> bool:
    """The figures may still change (None: a closed round, or no round facts at all)."""
    return status is not None and status.preliminary


def status_note(status: RoundStatus | None, lang: Language) -> str | None:
    """ "Preliminära resultat: omgången är öppen till 2026-12-15 …", or None when closed."""
    if status is None or not is_preliminary(status):
        return None
    if status.not_open_yet:
        return lang.gettext(
            "Preliminary results: the round has not opened yet (it opens on %(opens)s). "
            "Figures as of %(as_of)s.",
            opens=status.opens_on.isoformat(),
            as_of=status.as_of.isoformat(),
        )
    if status.past_last_day:
        return lang.gettext(
            "Preliminary results: the last day to answer was %(closes)s, but the round is not "
            "closed yet, so the figures may still change. Figures as of %(as_of)s.",
            closes=status.closes_on.isoformat(),
            as_of=status.as_of.isoformat(),
        )
    return lang.gettext(
        "Preliminary results: the round is open until %(closes)s, so answers may still change "
        "the figures. Figures as of %(as_of)s.",
        closes=status.closes_on.isoformat(),
        as_of=status.as_of.isoformat(),
    )
