"""The "Analys" starter text of one indicator row, in the annual report's style (SPEC §6).

    I Växtverket har totalt 95 brukare av 177 svarat på brukarundersökningen, vilket
    motsvarar cirka 54 % svarsfrekvens. Andelen brukare som är nöjda med sin insats är 89 %,
    män 85 % och kvinnor 93 %, jämfört med 86 % föregående år.

The text only puts into words what the unit's row and response rate publish: the cells come
from `RoundFigures` with suppression applied, and nothing here counts or withholds anything
again. So:

- a withheld cell is never stated: its part is left out and the text says, in neutral words
  true of every "–", that the result is not shown to protect the answers of small groups (a
  cell withheld so that another cannot be worked out may rest on many answers, and saying
  which kind a "–" is would tell);
- a published result on fewer than 20 valid answers (`Cell.small_n`) says how many answers it
  rests on and that it should be read with care;
- the previous period is mentioned only when its cell is published;
- a round not closed yet says that its figures are preliminary, and why on that day
  (survey.domain.round_status).

An indicator's subject ("Andelen brukare som är nöjda med sin insats") is catalogue data
(`analysis` in survey/indicator_catalogue/<period>.toml); a question's is built from its name
and the label of its positive option. Words go through the `Language` the edge passes in, so
the catalogues hold the Swedish.
"""

from __future__ import annotations

from survey.domain.indicator_export import UnitReport, positive_label, text_in
from survey.domain.indicators import INSTALLATION, Cell, Row
from survey.domain.round_status import RoundStatus, is_preliminary, status_note
from survey.reports.text import Language


def is_published(cell: Cell | None) -> bool:
    """A cell the report shows with its figures (not withheld, not empty)."""
    return (
        cell is not None
        and not cell.suppressed
        and cell.positive is not None
        and cell.valid is not None
        and cell.valid > 0
    )


def _percent(lang: Language, cell: Cell) -> str:
    """ "89 %" of a published cell (rounded half up, as the tables)."""
    return lang.percent(cell.positive or 0, cell.valid or 0)


def place(unit: UnitReport, lang: Language) -> str:
    """Where the figures are from, as it stands after "I"/"In": the unit's name, or "hela
    organisationen" for the whole installation."""
    if unit.node_id is INSTALLATION or unit.level == "installation":
        return lang.gettext("the whole organisation")
    return unit.name


def subject(row: Row, lang: Language) -> str:
    """What the result is a share of, as a sentence begins with it."""
    item = row.item
    if item.analysis:
        return text_in(item.analysis, lang.code)
    option = positive_label(item, lang.code)
    return lang.gettext(
        "The share who answered “%(option)s” to the question “%(question)s”",
        option=option,
        question=text_in(item.name, lang.code) or item.key,
    )


def response_sentence(unit: UnitReport, lang: Language, *, final: bool = False) -> str:
    """ "I Växtverket har totalt 95 brukare av 177 svarat …, cirka 54 % svarsfrekvens." """
    rate = unit.rate.total
    where = place(unit, lang)
    if rate.invited and rate.responded:
        return lang.gettext(
            "In %(unit)s, %(responded)s of %(invited)s brukare in total answered the user "
            "survey, a response rate of about %(rate)s.",
            unit=where,
            responded=lang.number(rate.responded),
            invited=lang.number(rate.invited),
            rate=lang.percent(rate.responded, rate.invited),
        )
    if rate.responded:
        return lang.gettext(
            "In %(unit)s, %(responded)s brukare in total answered the user survey.",
            unit=where,
            responded=lang.number(rate.responded),
        )
    if rate.invited and final:
        return lang.ngettext(
            "In %(unit)s, %(invited)s brukare was invited to the user survey but did not answer.",
            "In %(unit)s, %(invited)s brukare were invited to the user survey but none answered.",
            rate.invited,
            unit=where,
            invited=lang.number(rate.invited),
        )
    if rate.invited:
        return lang.ngettext(
            "In %(unit)s, %(invited)s brukare was invited to the user survey but has not "
            "answered yet.",
            "In %(unit)s, %(invited)s brukare were invited to the user survey but none has "
            "answered yet.",
            rate.invited,
            unit=where,
            invited=lang.number(rate.invited),
        )
    return lang.gettext("In %(unit)s, no brukare has been invited to the user survey.", unit=where)


def result_sentences(row: Row, lang: Language, *, previous_period: int | None) -> list[str]:
    """The result with men and women and the previous period, each only when published."""
    what = subject(row, lang)
    previous = row.previous if previous_period is not None else None
    before = _percent(lang, previous) if previous is not None and is_published(previous) else None
    if not is_published(row.total):
        sentences = [
            lang.gettext(
                "%(subject)s is not shown, to protect the answers of small groups.", subject=what
            )
        ]
        if before is not None:
            sentences.append(
                lang.gettext("The year before, the share was %(previous)s.", previous=before)
            )
        return sentences
    total = _percent(lang, row.total)
    men = _percent(lang, row.men) if is_published(row.men) else None
    women = _percent(lang, row.women) if is_published(row.women) else None
    if men is not None and women is not None:
        if before is not None:
            text = lang.gettext(
                "%(subject)s is %(total)s, men %(men)s and women %(women)s, compared with "
                "%(previous)s the year before.",
                subject=what,
                total=total,
                men=men,
                women=women,
                previous=before,
            )
        else:
            text = lang.gettext(
                "%(subject)s is %(total)s, men %(men)s and women %(women)s.",
                subject=what,
                total=total,
                men=men,
                women=women,
            )
    elif men is not None:
        if before is not None:
            text = lang.gettext(
                "%(subject)s is %(total)s, men %(men)s, compared with %(previous)s the year "
                "before.",
                subject=what,
                total=total,
                men=men,
                previous=before,
            )
        else:
            text = lang.gettext(
                "%(subject)s is %(total)s, men %(men)s.", subject=what, total=total, men=men
            )
    elif women is not None:
        if before is not None:
            text = lang.gettext(
                "%(subject)s is %(total)s, women %(women)s, compared with %(previous)s the "
                "year before.",
                subject=what,
                total=total,
                women=women,
                previous=before,
            )
        else:
            text = lang.gettext(
                "%(subject)s is %(total)s, women %(women)s.",
                subject=what,
                total=total,
                women=women,
            )
    elif before is not None:
        text = lang.gettext(
            "%(subject)s is %(total)s, compared with %(previous)s the year before.",
            subject=what,
            total=total,
            previous=before,
        )
    else:
        text = lang.gettext("%(subject)s is %(total)s.", subject=what, total=total)
    sentences = [text]
    if men is None and women is None:
        sentences.append(
            lang.gettext(
                "The result is not shown by gender, to protect the answers of small groups."
            )
        )
    elif men is None:
        sentences.append(
            lang.gettext("The result for men is not shown, to protect the answers of small groups.")
        )
    elif women is None:
        sentences.append(
            lang.gettext(
                "The result for women is not shown, to protect the answers of small groups."
            )
        )
    if row.total.small_n and row.total.valid is not None:
        sentences.append(
            lang.ngettext(
                "The result is based on %(answers)s answer and should be interpreted with caution.",
                "The result is based on %(answers)s answers and should be interpreted with "
                "caution.",
                row.total.valid,
                answers=lang.number(row.total.valid),
            )
        )
    return sentences


def analysis_text(
    unit: UnitReport,
    row: Row,
    lang: Language,
    *,
    previous_period: int | None,
    status: RoundStatus | None = None,
) -> str:
    """The starter text for `row` of `unit`: response rate, result (total, men, women,
    previous period), caution for few answers, and the round's status while it is not closed.

    `previous_period` is the period the previous column shows (None: there is none, and
    the text says nothing of it). Every number in the text is a figure the row or the unit's
    response rate publishes.
    """
    sentences = [response_sentence(unit, lang, final=not is_preliminary(status))]
    sentences.extend(result_sentences(row, lang, previous_period=previous_period))
    note = status_note(status, lang)
    if note is not None:
        sentences.append(note)
    return " ".join(sentences)


def indicator_analyses(
    unit: UnitReport,
    lang: Language,
    *,
    previous_period: int | None,
    status: RoundStatus | None = None,
) -> dict[str, str]:
    """The starter text of each indicator row of `unit` (questions left out), by key: what
    the dashboard shows under its table and a unit report can print."""
    return {
        row.item.key: analysis_text(unit, row, lang, previous_period=previous_period, status=status)
        for row in unit.rows
        if row.item.kind == "indicator"
    }
