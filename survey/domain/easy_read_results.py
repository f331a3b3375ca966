"""Results back to the brukare (SPEC §6): one unit's figures as easy-read blocks, "7 av 10
trivs på daglig verksamhet", for the page staff show at a brukarforum and its printable PDF.

Pure: it takes a unit's `UnitReport` (survey.domain.indicator_export), whose cells are
already suppressed, and never computes or withholds a figure itself. A withheld cell becomes
a block without a number; a published one becomes its share of valid answers in tenths,
rounded half up (85 of 95 → 9 av 10). Blocks follow the round's rating questions, grouped by
the national survey's four quality areas, each with the question's pictogram and its
`result` phrase from the question bank. An indicator gets a block of its own only when it
counts another figure than its question does (another positive option); then its phrase
comes from the catalogue.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from survey.domain.indicator_catalogue import Catalogue
from survey.domain.indicator_export import UnitReport
from survey.domain.indicators import Row
from survey.domain.question_banks import QUALITY_AREAS, QuestionBank

#: The figure is "n out of OUT_OF" (SPEC §6: "7 av 10 trivs").
OUT_OF = 10


def out_of_ten(positive: int, valid: int) -> int:
    """`positive / valid` in tenths, rounded half up in integer arithmetic (1 of 20 → 1)."""
    if valid <= 0:
        raise ValueError("no valid answers")
    return (2 * OUT_OF * positive + valid) // (2 * valid)


@dataclass(frozen=True, slots=True)
class ResultBlock:
    """One question's (or indicator's) result as the brukare see it."""

    key: str
    pictogram: str
    #: What the positive share did, per language: "trivs på daglig verksamhet".
    phrase: Mapping[str, str]
    #: How many of ten gave the positive answer; None when the figure is withheld.
    out_of_ten: int | None
    #: The valid answers behind a published figure; None when withheld.
    valid: int | None

    @property
    def is_withheld(self) -> bool:
        return self.out_of_ten is None

    def text(self, language: str) -> str:
        return self.phrase.get(language) or self.phrase["sv"]


@dataclass(frozen=True, slots=True)
class ResultArea:
    #: One of QUALITY_AREAS; None for indicators with a figure of their own.
    area: str | None
    blocks: tuple[ResultBlock, ...]


@dataclass(frozen=True, slots=True)
class EasyReadResults:
    """Everything the easy-read page and PDF show, already suppressed."""

    unit_name: str
    survey_type: str
    period: int
    #: The round is still open or not yet closed: the figures may change.
    is_preliminary: bool
    closes_on: date
    #: The day the figures were read (shown with preliminary figures).
    as_of: date
    #: Submitted surveys of the unit (response counts are never suppressed).
    responded: int
    areas: tuple[ResultArea, ...]

    @property
    def has_answers(self) -> bool:
        return self.responded > 0

    @property
    def blocks(self) -> tuple[ResultBlock, ...]:
        return tuple(block for area in self.areas for block in area.blocks)

    @property
    def is_still_open(self) -> bool:
        """Preliminary and the last day to answer has not passed yet."""
        return self.is_preliminary and self.as_of <= self.closes_on


def result_block(row: Row, pictogram: str, phrase: Mapping[str, str]) -> ResultBlock:
    cell = row.total
    if cell.suppressed or cell.positive is None or not cell.valid:
        return ResultBlock(row.item.key, pictogram, phrase, None, None)
    return ResultBlock(
        row.item.key, pictogram, phrase, out_of_ten(cell.positive, cell.valid), cell.valid
    )


def easy_read_results(
    unit: UnitReport | None,
    *,
    unit_name: str,
    bank: QuestionBank,
    catalogue: Catalogue,
    period: int,
    is_preliminary: bool,
    closes_on: date,
    as_of: date,
) -> EasyReadResults:
    """The blocks of one unit; `unit` None (no figures at all for it) shows no answers."""
    rows = unit.rows if unit is not None else ()
    by_area: dict[str, list[ResultBlock]] = {area: [] for area in QUALITY_AREAS}
    shown: set[tuple[str, str]] = set()
    for row in rows:
        if row.item.kind != "question":
            continue
        question = bank.find(row.item.question_code)
        if question is None or not question.result or row.item.area not in by_area:
            continue
        by_area[row.item.area].append(result_block(row, question.pictogram, question.result))
        shown.add(row.item.table_key)
    own: list[ResultBlock] = []
    for row in rows:
        if row.item.kind != "indicator" or row.item.table_key in shown:
            continue
        indicator = catalogue.find(row.item.key)
        source = indicator.source_for(bank.survey_type) if indicator is not None else None
        question = bank.find(row.item.question_code)
        if source is None or question is None:
            continue
        phrase = source.result or question.result
        if phrase:
            own.append(result_block(row, question.pictogram, phrase))
            shown.add(row.item.table_key)
    areas = [ResultArea(area, tuple(blocks)) for area, blocks in by_area.items() if blocks]
    if own:
        areas.append(ResultArea(None, tuple(own)))
    return EasyReadResults(
        unit_name=unit_name,
        survey_type=bank.survey_type,
        period=period,
        is_preliminary=is_preliminary,
        closes_on=closes_on,
        as_of=as_of,
        responded=unit.rate.total.responded if unit is not None else 0,
        areas=tuple(areas),
    )
