"""Results back to the brukare without an app: the blocks from a unit's suppressed cells,
"n av 10" rounded half up, and the PDF made from them (survey/reports/easy_read_pdf.py)."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from survey.domain.easy_read_results import (
    EasyReadResults,
    ResultArea,
    ResultBlock,
    easy_read_results,
    out_of_ten,
)
from survey.domain.indicator_catalogue import Catalogue, Indicator, Source, catalogue_for
from survey.domain.indicator_export import UnitReport
from survey.domain.indicators import WITHHELD, Cell, Item, Rate, ResponseRate, Row
from survey.domain.question_banks import load_bank
from survey.domain.tokens import derived_token, looks_like_nonce, looks_like_token, new_form_nonce
from survey.reports.easy_read_pdf import render_easy_read_pdf
from survey.reports.text import UNTRANSLATED

PICTOGRAMS = Path(__file__).resolve().parents[2] / "static" / "pictograms"
BANK = load_bank("dv", "2026.2")


@pytest.mark.parametrize(
    ("positive", "valid", "tenths"),
    [(85, 95, 9), (34, 85, 4), (38, 89, 4), (1, 20, 1), (1, 21, 0), (5, 10, 5), (0, 7, 0)],
)
def test_out_of_ten_rounds_half_up(positive, valid, tenths):
    # 1 of 20 is exactly 0.5 tenths and goes up; Python's round() would give 0 for 5 of 100.
    assert out_of_ten(positive, valid) == tenths
    assert out_of_ten(5, 100) == 1
    assert out_of_ten(95, 100) == 10


def _item(code: str, kind: str = "question", key: str | None = None, positive: str = "ja") -> Item:
    question = BANK.find(code)
    assert question is not None
    return Item(
        key=key or code,
        kind=kind,
        name=question.label,
        question_code=code,
        positive=positive,
        options=("ja", "ibland", "nej"),
        option_labels={},
        area=question.area,
    )


def _row(item: Item, cell: Cell) -> Row:
    return Row("utforare", 1, item, cell, WITHHELD, WITHHELD, None, None)


def _unit(rows: list[Row], responded: int = 12) -> UnitReport:
    rate = ResponseRate(Rate(20, responded), Rate(10, 6), Rate(10, 6))
    return UnitReport(1, "F/E/V", "Växtverket", "verksamhet", 2, tuple(rows), rate)


def _results(unit: UnitReport | None, catalogue: Catalogue | None = None) -> EasyReadResults:
    return easy_read_results(
        unit,
        unit_name="Växtverket",
        bank=BANK,
        catalogue=catalogue or catalogue_for(2026),
        period=2026,
        is_preliminary=True,
        closes_on=date(2026, 12, 20),
        as_of=date(2026, 12, 2),
    )


def test_blocks_by_quality_area_from_the_published_cells_only():
    rows = [
        _row(_item("DV_NOJD", "indicator", "nojd"), Cell.of(85, 95, suppressed=False)),
        _row(_item("DV_NOJD"), Cell.of(85, 95, suppressed=False)),
        _row(_item("DV_TRIVS"), Cell.of(34, 85, suppressed=False)),
        _row(_item("DV_BRYR"), WITHHELD),
        _row(_item("DV_BESTAMMA"), Cell.of(3, 6, suppressed=True)),  # secondary
    ]
    results = _results(_unit(rows))
    assert [area.area for area in results.areas] == ["sjalvbestammande", "bemotande", "trivsel"]
    by_key = {block.key: block for block in results.blocks}
    # The indicator counts what its question counts: one block, not two.
    assert set(by_key) == {"DV_NOJD", "DV_TRIVS", "DV_BRYR", "DV_BESTAMMA"}
    assert (by_key["DV_NOJD"].out_of_ten, by_key["DV_NOJD"].valid) == (9, 95)
    assert by_key["DV_NOJD"].text("sv") == "är nöjda med sin dagliga verksamhet"
    assert by_key["DV_NOJD"].pictogram == "satisfied"
    assert by_key["DV_TRIVS"].out_of_ten == 4
    for withheld in ("DV_BRYR", "DV_BESTAMMA"):
        assert by_key[withheld].is_withheld
        assert by_key[withheld].valid is None
    assert results.responded == 12
    assert results.is_still_open


def test_an_indicator_counting_another_option_gets_its_own_block():
    source = Source("dv", "DV_TRIVS", "ibland", {"sv": "trivs ibland", "en": "like it sometimes"})
    base = catalogue_for(2026)
    catalogue = Catalogue(
        base.period,
        base.path,
        base.areas,
        (*base.indicators, Indicator("ibland", {"sv": "Ibland", "en": "Sometimes"}, (source,))),
    )
    rows = [
        _row(_item("DV_TRIVS"), Cell.of(34, 85, suppressed=False)),
        _row(_item("DV_TRIVS", "indicator", "ibland", "ibland"), Cell.of(51, 85, suppressed=False)),
    ]
    results = _results(_unit(rows), catalogue)
    assert [area.area for area in results.areas] == ["trivsel", None]
    extra = results.areas[-1].blocks[0]
    assert (extra.key, extra.out_of_ten, extra.text("en")) == ("ibland", 6, "like it sometimes")


def test_no_figures_at_all_is_a_page_without_answers():
    results = _results(None)
    assert not results.has_answers
    assert results.blocks == ()
    assert results.unit_name == "Växtverket"


def _sample() -> EasyReadResults:
    trivs = ResultBlock("DV_TRIVS", "like", BANK.find("DV_TRIVS").result, 7, 11)  # type: ignore[union-attr]
    bryr = ResultBlock("DV_BRYR", "care", BANK.find("DV_BRYR").result, None, None)  # type: ignore[union-attr]
    return EasyReadResults(
        unit_name="Växtverket & <Ateljén>",
        survey_type="dv",
        period=2026,
        is_preliminary=True,
        closes_on=date(2026, 12, 20),
        as_of=date(2026, 12, 2),
        responded=12,
        areas=(ResultArea("trivsel", (trivs,)), ResultArea("bemotande", (bryr,))),
    )


def test_the_pdf_says_what_the_page_says_in_large_type():
    pdf = render_easy_read_pdf(_sample(), UNTRANSLATED, pictograms=PICTOGRAMS)
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "Results for Växtverket & <Ateljén>" in text
    assert "7 out of 10 like it at their daily activity." in text
    assert "11 people answered the question." in text
    assert "How many feel that the staff care about them?" in text
    assert "We do not show the answer. Then no one can work out what one person answered." in text
    assert "12 people have answered." in text
    assert "You can answer until December 20, 2026." in text
    assert reader.metadata.title == "Results for Växtverket & <Ateljén>"
    assert reader.trailer["/Root"]["/Lang"] == "en"
    # Every text is set in 16 pt or more: the font sizes of the content streams.
    sizes = {
        float(size)
        for page in reader.pages
        for size in re.findall(rb"/F\d+(?:\+\d+)? ([\d.]+) Tf", page.get_contents().get_data())
    }
    assert sizes
    assert min(sizes) >= 16, sizes


def test_the_pdf_is_black_on_white_and_the_same_every_time():
    first = render_easy_read_pdf(_sample(), UNTRANSLATED, pictograms=None)
    assert first == render_easy_read_pdf(_sample(), UNTRANSLATED, pictograms=None)
    content = b"".join(
        page.get_contents().get_data() for page in PdfReader(io.BytesIO(first)).pages
    )
    # Colours set for fills and strokes are greys (r = g = b): nothing rests on colour.
    for r, g, b in re.findall(rb"([\d.]+) ([\d.]+) ([\d.]+) (?:rg|RG)", content):
        assert r == g == b, (r, g, b)


def test_a_missing_pictogram_leaves_the_picture_out():
    results = _sample()
    block = ResultBlock("X", "no_such_picture", {"sv": "trivs", "en": "like it"}, 3, 9)
    broken = EasyReadResults(**{**vars_of(results), "areas": (ResultArea("trivsel", (block,)),)})
    pdf = render_easy_read_pdf(broken, UNTRANSLATED, pictograms=PICTOGRAMS)
    assert b"%PDF" in pdf[:8]


def vars_of(results: EasyReadResults) -> dict[str, object]:
    return {name: getattr(results, name) for name in results.__dataclass_fields__}


def test_a_derived_token_is_unguessable_and_the_same_for_the_same_form():
    nonce = new_form_nonce()
    assert looks_like_nonce(nonce)
    token = derived_token(b"key", nonce, "1", "utforare", "7")
    assert looks_like_token(token)
    assert len(token) == 43  # 256 bits
    assert token == derived_token(b"key", nonce, "1", "utforare", "7")
    assert token != derived_token(b"key", nonce, "1", "utforare", "8")
    assert token != derived_token(b"other key", nonce, "1", "utforare", "7")
    assert token != derived_token(b"key", new_form_nonce(), "1", "utforare", "7")
    assert not looks_like_nonce("chosen-by-hand")
