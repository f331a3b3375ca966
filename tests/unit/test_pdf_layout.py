"""What the PDFs look like on the page, read back with pdfplumber: no word crosses a table's
rule or the page's margin, however long the unit's name or a Swedish compound, and no
heading is left alone at the foot of a page with its content on the next one.

The documents are built from plain data, as `render_unit_report` and `render_easy_read_pdf`
take them, so no database or app is needed.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from itertools import groupby
from typing import Any

import pdfplumber
import pytest
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Paragraph

from survey.domain.analysis_text import indicator_analyses
from survey.domain.easy_read_results import EasyReadResults, ResultArea, ResultBlock
from survey.domain.indicator_catalogue import catalogue_for
from survey.domain.indicator_documents import RoundFacts
from survey.domain.indicator_export import UnitReport
from survey.domain.indicators import WITHHELD, Cell, Item, Rate, ResponseRate, Row, round_items
from survey.domain.question_banks import load_bank
from survey.domain.round_status import RoundStatus
from survey.reports.easy_read_pdf import MARGIN as EASY_READ_MARGIN
from survey.reports.easy_read_pdf import render_easy_read_pdf
from survey.reports.fonts import REGULAR, register_fonts
from survey.reports.text import Language
from survey.reports.unit_pdf import (
    MARGIN,
    UnitDocument,
    _column_widths,
    _widest_word,
    render_unit_report,
)
from tests.support.languages import catalogue_language

BANK = load_bank("dv", "2026.2")
CATALOGUE = catalogue_for(2026)
#: Words longer than the designed width of the columns they land in.
LONG_UNIT = "Omsorgsverksamhetssamordningsenheten"
LONG_CHILD = "Daglig verksamhet Arbetsmarknadsinriktningsgruppen"
LONG_AREA = "Självbestämmandeområdesindikatorerna"
#: Slack for rounding in the PDF's coordinates, in points.
TOLERANCE = 0.5


def _cell(index: int, valid: int) -> Cell:
    if index % 7 == 3:
        return WITHHELD
    return Cell.of((index * 37) % valid, valid, suppressed=False)


def _row(item: Item, index: int) -> Row:
    valid = 12 + (index * 13) % 90
    total = _cell(index, valid)
    spread = None
    if not total.suppressed:
        first = total.positive or 0
        rest = valid - first
        counts = [first, rest // 2, rest - rest // 2][: len(item.options)]
        counts[-1] += valid - sum(counts)
        order = (item.positive, *(o for o in item.options if o != item.positive))
        spread = dict(zip(order, counts, strict=True))
    return Row(
        tree="utforare",
        node_id=1,
        item=item,
        total=total,
        men=_cell(index + 1, valid // 2 + 1),
        women=_cell(index + 2, valid // 2 + 2),
        previous=_cell(index + 4, valid + 3),
        distribution=spread,
        arsmal="85" if index % 2 else "Öka jämfört med föregående mätningsperiod",
        kf_arsmal="90",
    )


def _unit(name: str, items: list[Item], node_id: int = 1) -> UnitReport:
    rows = tuple(_row(item, index + node_id) for index, item in enumerate(items))
    rate = ResponseRate(Rate(1177, 954), Rate(580, 470), Rate(597, 484))
    return UnitReport(node_id, f"Stadsdelen/{name}", name, "enhet", 1, rows, rate)


def unit_document(lang: Language, *, indicators: int = 5, children: int = 4) -> UnitDocument:
    """A unit with long names above, below and in its own name, and Swedish compounds."""
    items = round_items(CATALOGUE, BANK)
    chosen = [i for i in items if i.kind == "indicator"][:indicators]
    chosen += [i for i in items if i.kind == "question"]
    unit = _unit(f"{LONG_UNIT} Västra", chosen)
    below = tuple(
        _unit(f"{LONG_CHILD} {number}", chosen, node_id=10 + number) for number in range(children)
    )
    areas = {key: names[lang.code] for key, names in CATALOGUE.areas.items()}
    areas["sjalvbestammande"] = LONG_AREA
    status = RoundStatus(False, False, date(2026, 10, 1), date(2026, 12, 20), date(2026, 11, 20))
    facts = RoundFacts("DV-2026", 2026, "dv", False, 2025, status)
    return UnitDocument(
        facts=facts,
        unit=unit,
        installation=_unit("Hela staden med samtliga stadsdelsförvaltningar", chosen, 99),
        survey_name="Brukarundersökningen inom daglig verksamhet",
        by="utforare",
        threshold=5,
        generated_on=date(2026, 11, 20),
        status=facts.status,
        round_title="Brukarundersökningen hösten",
        ancestors=("Socialförvaltningen", "Funktionsstödsavdelningen"),
        children=below,
        areas=areas,
        analysis=indicator_analyses(unit, lang, previous_period=2025),
    )


# --- reading the page back ---------------------------------------------------------------


def _pages(pdf: bytes) -> Iterator[pdfplumber.page.Page]:
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        yield from document.pages


def _vertical_rules(page: pdfplumber.page.Page) -> list[tuple[float, float, float]]:
    """(x, top, bottom) of every vertical line drawn on the page: table rules, box edges."""
    rules = [
        (line["x0"], line["top"], line["bottom"])
        for line in page.lines
        if abs(line["x0"] - line["x1"]) < TOLERANCE
    ]
    for rect in page.rects:
        rules += [(rect["x0"], rect["top"], rect["bottom"])]
        rules += [(rect["x1"], rect["top"], rect["bottom"])]
    return rules


def crossings(pdf: bytes, margin: float) -> list[str]:
    """Every word that crosses a vertical rule, the page's margin or its edge."""
    found = []
    for page in _pages(pdf):
        rules = _vertical_rules(page)
        for word in page.extract_words(keep_blank_chars=False, use_text_flow=True):
            x0, x1, top, bottom = word["x0"], word["x1"], word["top"], word["bottom"]
            where = f"page {page.page_number}: {word['text']!r}"
            if x0 < margin - TOLERANCE or x1 > page.width - margin + TOLERANCE:
                found.append(f"{where} crosses the margin ({x0:.1f}–{x1:.1f})")
            if top < 0 or bottom > page.height:
                found.append(f"{where} is off the page")
            for x, rule_top, rule_bottom in rules:
                overlaps = rule_top < bottom - TOLERANCE and top + TOLERANCE < rule_bottom
                if overlaps and x0 + TOLERANCE < x < x1 - TOLERANCE:
                    found.append(f"{where} crosses the rule at x = {x:.1f}")
    return found


#: Long words the unit report holds, in its tables too (none begins with a word it holds).
WHOLE = (
    LONG_UNIT,
    "Arbetsmarknadsinriktningsgruppen",
    LONG_AREA,
    "funktionsnedsättning",
    "föregående",
)


def cut_words(pdf: bytes) -> list[str]:
    """Words on the page that are the start of one of the WHOLE words but not all of it."""
    found = []
    for page in _pages(pdf):
        for word in page.extract_words():
            text = word["text"].strip('.,:;()"”')
            for whole in WHOLE:
                if len(text) >= 4 and text != whole and whole.startswith(text):
                    found.append(f"page {page.page_number}: {text!r}, cut from {whole!r}")
    return found


def _lines(page: pdfplumber.page.Page) -> list[list[dict[str, Any]]]:
    """The page's characters as lines, top to bottom."""
    chars = sorted(page.chars, key=lambda c: (round(c["bottom"]), c["x0"]))
    return [list(line) for _, line in groupby(chars, key=lambda c: round(c["bottom"]))]


def last_lines(pdf: bytes, footer_below: float) -> list[tuple[int, str, bool, float]]:
    """(page, text, bold, font size) of each page's last line of text above the footer."""
    result = []
    for page in _pages(pdf):
        body = [line for line in _lines(page) if line[0]["bottom"] < page.height - footer_below]
        if not body:
            continue
        last = body[-1]
        text = "".join(c["text"] for c in last)
        bold = all("Bold" in c["fontname"] for c in last if c["text"].strip())
        size = max(c["size"] for c in last)
        result.append((page.page_number, text, bold, size))
    return result


# --- the unit report ---------------------------------------------------------------------


def test_columns_keep_their_designed_widths_unless_a_word_needs_more() -> None:
    assert _column_widths([10, 10, 10], [1, 2, 1], 400) == [100, 200, 100]
    # The first column needs 160: the other two share the rest as designed (2 : 1).
    assert _column_widths([160, 10, 10], [1, 2, 1], 400) == [160, 160, 80]
    assert _column_widths([300, 150, 10], [1, 2, 1], 400) is None


def test_the_widest_word_runs_over_markup_but_breaks_at_no_no_break_space() -> None:
    register_fonts()
    style = ParagraphStyle("cell", fontName=REGULAR, fontSize=8)
    # "&amp;" makes three fragments of one word; "154\u00a0%" does not break.
    paragraph = Paragraph("Ateljén&amp;Verkstaden 154\u00a0% a", style)
    assert _widest_word(paragraph, style) == pytest.approx(
        stringWidth("Ateljén&Verkstaden", REGULAR, 8)
    )
    for cell in ("a 154\u00a0%", Paragraph("a 154\u00a0%", style)):
        assert _widest_word(cell, style) == pytest.approx(stringWidth("154\u00a0%", REGULAR, 8))


@pytest.mark.parametrize("code", ["sv", "en"])
def test_no_text_crosses_a_rule_or_the_margin(code: str) -> None:
    lang = catalogue_language(code)
    pdf = render_unit_report(unit_document(lang), lang)
    assert crossings(pdf, MARGIN) == []
    # Every column is as wide as its widest word: a long word moves whole to the next line
    # rather than being cut across two.
    assert cut_words(pdf) == []


@pytest.mark.parametrize("code", ["sv", "en"])
def test_a_figure_breaks_after_its_percentage_never_inside_its_counts(code: str) -> None:
    """ "67 %" over "(10 av 15) *" in a narrow column, never "67 % (10 av" over "15) *": each
    word of "(10 av 15)" is followed by the next on the same line, a space's width on."""
    lang = catalogue_language(code)
    pdf = render_unit_report(unit_document(lang), lang)
    of = "av" if code == "sv" else "of"
    checked = 0
    broken = []
    for number, page in enumerate(_pages(pdf), start=1):
        words = page.extract_words()

        def next_on_line(word, pattern, words=words):  # type: ignore[no-untyped-def]
            return next(
                (
                    other
                    for other in words
                    if re.fullmatch(pattern, other["text"])
                    and abs(other["top"] - word["top"]) < 1
                    and 0 <= other["x0"] - word["x1"] < 6
                ),
                None,
            )

        for word in words:
            if re.fullmatch(r"\(\d+", word["text"]) and not next_on_line(word, r"%\).*"):
                checked += 1
                middle = next_on_line(word, of)
                if middle is None or next_on_line(middle, r"\d+\)") is None:
                    broken.append((number, word["text"], round(word["x0"]), round(word["top"])))
    assert checked > 20
    assert broken == []


#: Wider than the page beside the table's other columns at 8 pt: 110 and 210 letters.
WIDE = "Socialförvaltningsövergripandeverksamhetsuppföljningsenhetsavdelningen"


@pytest.mark.parametrize(("name", "cut"), [(WIDE[:55] * 2, False), (WIDE * 3, True)])
def test_a_table_too_wide_for_the_page_gets_smaller_type_not_an_overflow(
    name: str, cut: bool
) -> None:
    lang = catalogue_language("sv")
    document = unit_document(lang)
    children = tuple(
        UnitReport(c.node_id, c.path, f"{name} {n}", c.level, c.depth, c.rows, c.rate)
        for n, c in enumerate(document.children)
    )
    pdf = render_unit_report(replace(document, children=children), lang)
    assert crossings(pdf, MARGIN) == []
    words = [
        word
        for page in _pages(pdf)
        for word in page.extract_words(extra_attrs=["size"])
        if word["text"].startswith(name[:20])
    ]
    assert len(words) == len(children)
    # The units-below table is set in smaller type, down to 6 pt; a word that even then
    # does not fit is broken inside its cell (and so is no longer whole).
    assert all(6 <= word["size"] < 8 for word in words)
    assert all((word["text"] == name) != cut for word in words)


#: The unit report's section headings are bold at 11 pt (h2) and 14 pt (h1); its other bold
#: text (table headers, bar labels) is 8 pt.
HEADING_SIZE = 11


#: A sentence more of Analys text, to move the later headings down the page.
MORE = {"sv": " Mer om resultatet.", "en": " More about the result."}


@pytest.mark.parametrize("code", ["sv", "en"])
def test_no_page_of_a_unit_report_ends_with_a_heading(code: str) -> None:
    lang = catalogue_language(code)
    orphans = []
    # Each combination puts some heading at the foot of page 2 when nothing keeps it with
    # the text below (an Analys heading in both languages, found by trying).
    for indicators in (4, 5):
        for sentences in range(0, 8, 2):
            document = unit_document(lang, indicators=indicators, children=3)
            analysis = {k: v + MORE[code] * sentences for k, v in document.analysis.items()}
            pdf = render_unit_report(replace(document, analysis=analysis), lang)
            # Page 1 is the cover: it ends with the notice on purpose.
            for page, text, bold, size in last_lines(pdf, MARGIN)[1:]:
                if bold and size >= HEADING_SIZE:
                    orphans.append((indicators, sentences, page, text))
    assert orphans == []


# --- the easy-read results ---------------------------------------------------------------


def easy_read(areas: int, first_area_blocks: int) -> EasyReadResults:
    question = BANK.find("DV_TRIVS")
    assert question is not None
    assert question.result is not None
    block_areas = []
    for number in range(areas):
        count = first_area_blocks if number == 0 else 2
        blocks = tuple(
            ResultBlock(f"Q{number}-{index}", "like", question.result, (index * 3) % 11, 12)
            if index % 3
            else ResultBlock(f"Q{number}-{index}", "care", question.result, None, None)
            for index in range(count)
        )
        area = ("sjalvbestammande", "bemotande", "trygghet", "trivsel", None)[number % 5]
        block_areas.append(ResultArea(area, blocks))
    return EasyReadResults(
        unit_name="Växtverket",
        survey_type="dv",
        period=2026,
        is_preliminary=False,
        closes_on=date(2026, 12, 20),
        as_of=date(2026, 12, 21),
        responded=12,
        areas=tuple(block_areas),
    )


#: The easy-read PDF's area headings are bold at 21 pt; nothing else is set at that size.
AREA_SIZE = 21


@pytest.mark.parametrize("code", ["sv", "en"])
def test_an_area_heading_stays_with_its_first_block(code: str) -> None:
    lang = catalogue_language(code)
    orphans = []
    # One block more or less in the first area moves every later heading down the page.
    for first_area_blocks in range(1, 7):
        pdf = render_easy_read_pdf(easy_read(5, first_area_blocks), lang)
        for page, text, _bold, size in last_lines(pdf, 0):
            if abs(size - AREA_SIZE) < 1:
                orphans.append((first_area_blocks, page, text))
        assert crossings(pdf, EASY_READ_MARGIN) == []
    assert orphans == []


@pytest.mark.parametrize("code", ["sv", "en"])
def test_the_footer_of_a_long_name_stops_short_of_the_page_number(code: str) -> None:
    """A unit name as long as a line is shortened with "…" in the footer (the cover gives it
    whole); the footer never runs into "Sida N" nor past the margin."""
    lang = catalogue_language(code)
    name = "Stadsdelsförvaltningens gemensamma dagliga verksamhet för arbete och sysselsättning"
    document = unit_document(lang)
    document = replace(document, unit=replace(document.unit, name=f"{name} {name}"))
    pdf = render_unit_report(document, lang)
    page_word = "Sida" if code == "sv" else "Page"
    pages = 0
    for page in _pages(pdf):
        pages += 1
        bottom = [w for w in page.extract_words() if w["top"] > page.height - MARGIN]
        number = next((w for w in bottom if w["text"] == page_word), None)
        assert number is not None, f"the footer ran into the page number: {bottom}"
        footer = [w for w in bottom if w["x1"] < number["x0"]]
        assert footer
        assert footer[0]["x0"] >= MARGIN - TOLERANCE
        assert max(w["x1"] for w in footer) < number["x0"] - 10
        text = " ".join(w["text"] for w in footer)
        assert "…" in text
        assert text.endswith("DV-2026 · preliminär" if code == "sv" else "DV-2026 · preliminary")
    assert pages >= 3
