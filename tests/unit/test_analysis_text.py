"""The "Analys" starter text (survey/domain/analysis_text.py): the annual report's wording,
built only from what a unit's row and response rate publish.

The golden sentence is the seed report's Växtverket: "I Växtverket har totalt 95 brukare av
177 svarat på brukarundersökningen, vilket motsvarar cirka 54 % svarsfrekvens. Andelen brukare
som är nöjda med sin insats är 89 %, män 85 % och kvinnor 93 %, jämfört med 86 % föregående
år." The property test computes random rounds (both hierarchies, last period too) and checks
that every number in every text is a figure the report publishes for that row.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from dataclasses import replace
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from survey.domain.analysis_text import analysis_text, indicator_analyses, is_published
from survey.domain.indicator_catalogue import CatalogueError, catalogue_for, load_catalogue_file
from survey.domain.indicator_export import UnitReport, installation_report, unit_reports
from survey.domain.indicators import (
    INSTALLATION,
    WITHHELD,
    AnswerCount,
    Cell,
    Item,
    PersonCount,
    PreviousPeriod,
    PreviousRound,
    Rate,
    ResponseRate,
    Row,
    compute_round,
)
from survey.domain.overview import percent_half_up
from survey.domain.round_status import RoundStatus
from survey.reports.text import UNTRANSLATED
from tests.support.languages import catalogue_language
from tests.support.properties import examples
from tests.unit.test_indicator_catalogue import GOOD, write
from tests.unit.test_suppression_properties import ITEM, OPTIONS, World, make_world

SV = catalogue_language("sv")
EN = catalogue_language("en")
NBSP = "\u00a0"
NOJD = Item(
    key="nojd",
    kind="indicator",
    name={"sv": "Andel brukare som är nöjd med sin insats", "en": "Share satisfied"},
    question_code="DV_NOJD",
    positive="ja",
    options=OPTIONS,
    option_labels={
        "ja": {"sv": "Ja", "en": "Yes"},
        "ibland": {"sv": "Ibland", "en": "Sometimes"},
        "nej": {"sv": "Nej", "en": "No"},
    },
    analysis={
        "sv": "Andelen brukare som är nöjda med sin insats",
        "en": "The share of users who are satisfied with their support",
    },
)
TRIVS = replace(NOJD, key="DV_TRIVS", kind="question", name={"sv": "Trivs", "en": "Likes it"})
TRIVS = replace(TRIVS, analysis=None, question_code="DV_TRIVS")


def cell(positive: int, valid: int) -> Cell:
    return Cell.of(positive, valid, suppressed=False)


def unit(
    *rows_cells: tuple[Cell, Cell, Cell, Cell | None],
    item: Item = NOJD,
    invited: int = 177,
    responded: int = 95,
    name: str = "Växtverket",
    level: str = "verksamhet",
) -> tuple[UnitReport, Row]:
    total, men, women, previous = rows_cells[0]
    row = Row("utforare", 3, item, total, men, women, previous, None)
    rate = ResponseRate(Rate(invited, responded), Rate(80, 40), Rate(97, 55))
    report = UnitReport(
        node_id=None if level == "installation" else 3,
        path=f"Stadsdelen/Dagliga verksamheter 2/{name}",
        name=name,
        level=level,
        depth=2,
        rows=(row,),
        rate=rate,
    )
    return report, row


GOLDEN = (cell(85, 95), cell(34, 40), cell(51, 55), cell(86, 100))


def test_the_golden_sentence_in_swedish() -> None:
    report, row = unit(GOLDEN)
    text = analysis_text(report, row, SV, previous_period=2025)
    assert text == (
        "I Växtverket har totalt 95 brukare av 177 svarat på brukarundersökningen, vilket "
        "motsvarar cirka 54\u00a0% svarsfrekvens. Andelen brukare som är nöjda med sin insats "
        "är 89\u00a0%, män 85\u00a0% och kvinnor 93\u00a0%, jämfört med 86\u00a0% föregående år."
    )


def test_the_golden_sentence_in_english() -> None:
    report, row = unit(GOLDEN)
    assert analysis_text(report, row, EN, previous_period=2025) == (
        "In Växtverket, 95 of 177 brukare in total answered the user survey, a response rate "
        "of about 54%. The share of users who are satisfied with their support is 89%, men 85% "
        "and women 93%, compared with 86% the year before."
    )


def test_percentages_are_rounded_half_up_as_in_the_tables() -> None:
    # 1/8 = 12.5 % → 13 %; 5/8 = 62.5 % → 63 % (Python's round() would give 12 and 62).
    report, row = unit((cell(5, 8), WITHHELD, WITHHELD, None), invited=8, responded=1)
    text = analysis_text(report, row, SV, previous_period=None)
    assert f"cirka 13{NBSP}% svarsfrekvens" in text
    assert f"är 63{NBSP}%." in text


def test_a_withheld_gender_is_left_out_and_the_reason_given() -> None:
    report, row = unit((cell(85, 95), cell(34, 40), WITHHELD, None))
    text = analysis_text(report, row, SV, previous_period=None)
    assert f"är 89{NBSP}%, män 85{NBSP}%." in text
    assert "kvinnor" not in text.split("Resultatet för")[0]
    assert text.endswith("Resultatet för kvinnor visas inte, för att skydda svaren i små grupper.")
    report, row = unit((cell(85, 95), WITHHELD, cell(51, 55), cell(86, 100)))
    text = analysis_text(report, row, SV, previous_period=2025)
    assert f"är 89{NBSP}%, kvinnor 93{NBSP}%, jämfört med 86{NBSP}% föregående år." in text
    assert "Resultatet för män visas inte, för att skydda svaren i små grupper." in text
    report, row = unit((cell(85, 95), WITHHELD, WITHHELD, None))
    text = analysis_text(report, row, SV, previous_period=None)
    assert text.endswith(
        f"är 89{NBSP}%. Resultatet visas inte uppdelat på kön, för att skydda svaren i små grupper."
    )


def test_a_withheld_total_states_no_result_at_all() -> None:
    report, row = unit((WITHHELD, WITHHELD, WITHHELD, None), invited=7, responded=3)
    text = analysis_text(report, row, SV, previous_period=None)
    assert text == (
        "I Växtverket har totalt 3 brukare av 7 svarat på brukarundersökningen, vilket "
        f"motsvarar cirka 43{NBSP}% svarsfrekvens. Andelen brukare som är nöjda med sin insats "
        "visas inte, för att skydda svaren i små grupper."
    )
    # Last year's published figure may still be told.
    report, row = unit((WITHHELD, WITHHELD, WITHHELD, cell(86, 100)))
    text = analysis_text(report, row, SV, previous_period=2025)
    assert text.endswith(
        f"visas inte, för att skydda svaren i små grupper. Föregående år var andelen 86{NBSP}%."
    )


def test_few_answers_are_flagged() -> None:
    report, row = unit((cell(5, 6), WITHHELD, WITHHELD, None), invited=10, responded=6)
    text = analysis_text(report, row, SV, previous_period=None)
    assert text.endswith("Resultatet bygger på 6 svar och ska tolkas med försiktighet.")
    assert "based on 6 answers and should be interpreted with caution." in analysis_text(
        report, row, EN, previous_period=None
    )
    one = replace(row, total=cell(1, 1))
    assert "based on 1 answer and" in analysis_text(report, one, EN, previous_period=None)
    assert "tolkas med försiktighet" not in analysis_text(*unit(GOLDEN), SV, previous_period=None)


def test_the_previous_period_only_when_published() -> None:
    withheld_before = (cell(85, 95), cell(34, 40), cell(51, 55), WITHHELD)
    text = analysis_text(*unit(withheld_before), SV, previous_period=2025)
    assert "föregående" not in text
    assert text.endswith(f"kvinnor 93{NBSP}%.")
    # No previous period: nothing said of it, whatever the row carries.
    assert "föregående" not in analysis_text(*unit(GOLDEN), SV, previous_period=None)


@pytest.mark.parametrize(
    ("invited", "responded", "swedish", "english"),
    [
        (
            0,
            0,
            "I Växtverket har ingen brukare bjudits in till brukarundersökningen.",
            "In Växtverket, no brukare has been invited to the user survey.",
        ),
        (
            12,
            0,
            "I Växtverket har 12 brukare bjudits in till brukarundersökningen, men ingen har "
            "svarat ännu.",
            "In Växtverket, 12 brukare were invited to the user survey but none has answered yet.",
        ),
        (
            1,
            0,
            "I Växtverket har 1 brukare bjudits in till brukarundersökningen men inte svarat ännu.",
            "In Växtverket, 1 brukare was invited to the user survey but has not answered yet.",
        ),
        (
            0,
            9,
            "I Växtverket har totalt 9 brukare svarat på brukarundersökningen.",
            "In Växtverket, 9 brukare in total answered the user survey.",
        ),
    ],
)
def test_nobody_invited_or_nobody_answered(invited, responded, swedish, english) -> None:
    report, row = unit((WITHHELD, WITHHELD, WITHHELD, None), invited=invited, responded=responded)
    assert analysis_text(report, row, SV, previous_period=None, status=OPEN).startswith(
        swedish + " "
    )
    assert analysis_text(report, row, EN, previous_period=None, status=OPEN).startswith(
        english + " "
    )


def test_a_closed_round_where_nobody_answered_says_so_without_yet() -> None:
    report, row = unit((WITHHELD, WITHHELD, WITHHELD, None), invited=12, responded=0)
    text = analysis_text(
        report, row, SV, previous_period=None, status=replace(OPEN, is_closed=True)
    )
    assert text.startswith(
        "I Växtverket bjöds 12 brukare in till brukarundersökningen, men ingen svarade. "
    )
    assert "ännu" not in text
    assert "än " not in text


OPEN = RoundStatus(
    is_draft=False,
    is_closed=False,
    opens_on=date(2026, 10, 1),
    closes_on=date(2026, 12, 15),
    as_of=date(2026, 12, 2),
)


@pytest.mark.parametrize(
    ("status", "ending"),
    [
        (
            OPEN,
            "Preliminära resultat: omgången är öppen till 2026-12-15, så nya svar kan ändra "
            "siffrorna. Siffror per 2026-12-02.",
        ),
        (
            replace(OPEN, as_of=date(2026, 12, 20)),
            "Preliminära resultat: sista svarsdagen var 2026-12-15, men omgången är inte stängd "
            "än, så siffrorna kan fortfarande ändras. Siffror per 2026-12-20.",
        ),
        (
            replace(OPEN, is_draft=True),
            "Preliminära resultat: omgången har inte öppnat än (den öppnar 2026-10-01). "
            "Siffror per 2026-12-02.",
        ),
        (
            replace(OPEN, as_of=date(2026, 9, 30)),
            "Preliminära resultat: omgången har inte öppnat än (den öppnar 2026-10-01). "
            "Siffror per 2026-09-30.",
        ),
    ],
)
def test_a_round_not_closed_says_why_its_figures_are_preliminary(status, ending) -> None:
    text = analysis_text(*unit(GOLDEN), SV, previous_period=2025, status=status)
    assert text.endswith("föregående år. " + ending)
    closed = replace(OPEN, is_closed=True)
    for final in (None, closed):
        text = analysis_text(*unit(GOLDEN), SV, previous_period=2025, status=final)
        assert "reliminär" not in text


def test_a_question_names_itself_and_its_positive_answer() -> None:
    report, row = unit(GOLDEN, item=TRIVS)
    assert "Andelen som svarat ”Ja” på frågan ”Trivs” är 89" in analysis_text(
        report, row, SV, previous_period=None
    )
    assert "The share who answered “Yes” to the question “Likes it” is 89%" in analysis_text(
        report, row, EN, previous_period=None
    )


def test_the_whole_organisation_and_large_numbers() -> None:
    report, row = unit(GOLDEN, level="installation", name="Hela organisationen")
    report = replace(report, rate=replace(report.rate, total=Rate(12345, 6789)))
    text = analysis_text(report, row, SV, previous_period=None)
    assert text.startswith(
        f"I hela organisationen har totalt 6{NBSP}789 brukare av 12{NBSP}345 svarat"
    )
    text = analysis_text(report, row, EN, previous_period=None)
    assert text.startswith("In the whole organisation, 6,789 of 12,345 brukare in total")


def test_the_texts_of_a_units_indicators_by_key() -> None:
    report, row = unit(GOLDEN)
    question = replace(row, item=TRIVS)
    report = replace(report, rows=(row, question))
    texts = indicator_analyses(report, SV, previous_period=2025, status=OPEN)
    assert texts == {"nojd": analysis_text(report, row, SV, previous_period=2025, status=OPEN)}


def test_untranslated_msgids_read_as_english() -> None:
    # The msgids are the English text: a catalogue-less Language gives the same sentence.
    report, row = unit(GOLDEN)
    assert analysis_text(report, row, UNTRANSLATED, previous_period=2025) == analysis_text(
        report, row, EN, previous_period=2025
    )


# --- the catalogue's analysis phrases ------------------------------------------------------


def test_every_indicator_has_an_analysis_subject_in_both_languages() -> None:
    catalogue = catalogue_for(2026)
    for indicator in catalogue.indicators:
        assert set(indicator.analysis) >= {"sv", "en"}, indicator.key
        assert not re.search(r"\d", " ".join(indicator.analysis.values())), indicator.key
    assert catalogue.find("nojd").analysis["sv"] == (  # type: ignore[union-attr]
        "Andelen brukare som är nöjda med sin insats"
    )


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'analysis = { sv = "Andelen brukare som är nöjda med sin insats", en',
            'analysis = { fi = "Andelen brukare som är nöjda med sin insats", en',
            "2026.toml: indicators.nojd.analysis.sv: missing or empty",
        ),
        (
            'analysis = { sv = "Andelen brukare som är nöjda med sin insats"',
            'analysis = { sv = "Andelen brukare som är 100 procent nöjda"',
            "2026.toml: indicators.nojd.analysis.sv: must hold no digits",
        ),
        (
            'analysis = { sv = "Andelen brukare som upplever att de har valmöjlighet", '
            'en = "The share of users who feel they have a choice" }\n',
            "",
            "2026.toml: indicators.valmojlighet.analysis: missing",
        ),
        ("analysis = {", "analysis = 3 #", "indicators.nojd.analysis: must be a table"),
    ],
)
def test_a_broken_analysis_phrase_names_file_and_key(tmp_path, old, new, message) -> None:
    assert old in GOOD
    with pytest.raises(CatalogueError) as raised:
        load_catalogue_file(write(tmp_path, GOOD.replace(old, new, 1)))
    assert message in str(raised.value)


# --- every number is a published figure ---------------------------------------------------

NUMBER = re.compile(r"\d+(?:[\u00a0,]\d{3})*")
INDICATOR = replace(ITEM, key="IND", kind="indicator", analysis=NOJD.analysis)


def previous_of(world: World, rng: random.Random) -> PreviousPeriod:
    """Last period: the same people (some absent), other answers, the same tree."""
    answers: dict[tuple[int, int | None, str, str], int] = defaultdict(int)
    for person in world.persons:
        if rng.random() < 0.25:
            continue
        value = rng.choices((*OPTIONS, "vet_inte"), (5, 2, 2, 1))[0]
        answers[(person.unit_id, person.bestallare_id, person.gender, value)] += 1
    return PreviousPeriod(
        rounds=[
            PreviousRound(
                trees=world.trees,
                answers=[AnswerCount(u, b, g, "Q", v, n) for (u, b, g, v), n in answers.items()],
                unit_ids=frozenset(world.units),
                bestallare_ids=frozenset(
                    p.bestallare_id for p in world.persons if p.bestallare_id is not None
                ),
            )
        ],
        lineage={},
    )


def reports_of(world: World, threshold: int, rng: random.Random) -> list[UnitReport]:
    answers: dict[tuple[int, int | None, str, str], int] = defaultdict(int)
    people: dict[tuple[int, int | None, str], int] = defaultdict(int)
    for person in world.persons:
        people[(person.unit_id, person.bestallare_id, person.gender)] += 1
        if person.value is not None:
            answers[(person.unit_id, person.bestallare_id, person.gender, person.value)] += 1
    uninvited = rng.random() < 0.2  # paper forms without invitations: responded > invited
    figures = compute_round(
        [INDICATOR, ITEM],
        world.trees,
        [AnswerCount(u, b, g, "Q", v, n) for (u, b, g, v), n in answers.items()],
        []
        if uninvited
        else [PersonCount(u, b, g, n + rng.randint(0, 3)) for (u, b, g), n in people.items()],
        [PersonCount(u, b, g, n) for (u, b, g), n in people.items()],
        threshold,
        unit_ids=world.units,
        previous=previous_of(world, rng) if rng.random() < 0.7 else None,
    )
    reports = [*unit_reports(figures, world.trees, by="utforare")]
    reports += unit_reports(figures, world.trees, by="bestallare")
    reports.append(installation_report(figures, "Hela organisationen"))
    return reports


def published_numbers(report: UnitReport, row: Row) -> tuple[set[int], int]:
    """The numbers a row and its unit's rate publish, and how many percentages the text
    may state (the rate, and each published cell it mentions)."""
    rate = report.rate.total
    allowed = {rate.invited, rate.responded}
    percents = 0
    if rate.invited and rate.responded:
        allowed.add(percent_half_up(rate.responded, rate.invited) or 0)
        percents += 1
    cells = [row.total, row.previous]
    if is_published(row.total):
        cells += [row.men, row.women]
        if row.total.small_n:
            allowed.add(row.total.valid or 0)
    for c in cells:
        if c is not None and is_published(c):
            allowed.add(percent_half_up(c.positive or 0, c.valid or 0) or 0)
            percents += 1
    return allowed, percents


def not_shown(lang) -> list[str]:  # type: ignore[no-untyped-def]
    """The sentences that say a gender's result is withheld (they name the gender)."""
    return [
        lang.gettext("The result is not shown by gender, to protect the answers of small groups."),
        lang.gettext("The result for men is not shown, to protect the answers of small groups."),
        lang.gettext("The result for women is not shown, to protect the answers of small groups."),
    ]


def check_texts(
    reports: list[UnitReport], previous_period: int | None, status: RoundStatus | None
) -> int:
    checked = 0
    for report in reports:
        for row in report.rows:
            allowed, percents = published_numbers(report, row)
            for lang in (SV, EN):
                text = analysis_text(
                    report, row, lang, previous_period=previous_period, status=status
                )
                words = (
                    text.replace(report.name, "") if report.node_id is not INSTALLATION else text
                )
                words = re.sub(r"\d{4}-\d{2}-\d{2}", "", words)  # the round's dates
                found = {int(re.sub(r"\D", "", n)) for n in NUMBER.findall(words)}
                assert found <= allowed, (text, allowed)
                if previous_period is not None or row.previous is None:
                    assert words.count("%") == percents, (text, percents)
                else:
                    assert words.count("%") <= percents, text
                # A gender's figure is named only when published; else only its reason.
                for gender, words_for in (("men", ("män", "men")), ("women", ("kvinnor", "women"))):
                    if is_published(row.total) and is_published(getattr(row, gender)):
                        continue
                    rest = words
                    for reason in not_shown(lang):
                        rest = rest.replace(reason, "")
                    assert not re.search(rf"\b({'|'.join(words_for)})\b", rest), text
                checked += 1
    return checked


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    annat=st.sampled_from((0.0, 0.1, 0.3)),
    threshold=st.sampled_from((3, 5, 10)),
    preliminary=st.booleans(),
)
def test_every_number_in_every_text_is_a_published_figure(
    seed: int, annat: float, threshold: int, preliminary: bool
) -> None:
    rng = random.Random(seed)
    world = make_world(rng, annat=annat)
    reports = reports_of(world, threshold, rng)
    has_previous = any(r.previous is not None for report in reports for r in report.rows)
    previous_period = 2025 if has_previous else None
    assert check_texts(reports, previous_period, OPEN if preliminary else None) > 0


def test_the_property_check_catches_a_stated_withheld_figure() -> None:
    """The check itself: a text that gave away a withheld cell's percentage would fail."""
    report, row = unit((cell(85, 95), WITHHELD, cell(51, 55), None))
    allowed, percents = published_numbers(report, row)
    assert 85 not in allowed  # men's 34 of 40 (85 %) is withheld here
    assert percents == 3  # rate, total, women
