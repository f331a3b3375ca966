"""Results back to the brukare as a printable easy-read PDF (A4), the same content as the
page /resultat/<token>: one block per question, the figure in big type ("7 av 10 trivs på
daglig verksamhet"), ten figures filled or hollow, the question's pictogram.

Pure: it takes `EasyReadResults` (survey.domain.easy_read_results), whose figures are
already suppressed, and a `Language`; it returns bytes. Large type (16 pt and up), DejaVu
Sans embedded, black on white only: filled against hollow (dashed) figures, never colour
alone, so it reads the same printed in grey. The document's title and language are set in
its metadata. Pictograms are the OpenMoji SVGs of static/pictograms (via svglib); a file that
cannot be read is left out rather than failing the document.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

from babel.dates import format_date
from reportlab.graphics.shapes import Circle, Drawing, Group, Rect
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from survey.domain.easy_read_results import OUT_OF, EasyReadResults, ResultBlock
from survey.reports.fonts import BOLD, REGULAR, register_fonts
from survey.reports.text import Language

PICTOGRAM_SIZE = 56
MARGIN = 18 * mm
INK = colors.black
PAPER = colors.white
#: A light grey panel for "not ready yet": its text stays black, so grey print keeps it.
PANEL = colors.Color(0.92, 0.92, 0.92)


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=REGULAR, fontSize=16, leading=22, textColor=INK)
    return {
        "title": ParagraphStyle("title", parent=base, fontName=BOLD, fontSize=26, leading=32),
        "lead": ParagraphStyle("lead", parent=base, fontSize=18, leading=24, spaceAfter=6),
        "body": base,
        "strong": ParagraphStyle("strong", parent=base, fontName=BOLD),
        "area": ParagraphStyle(
            "area", parent=base, fontName=BOLD, fontSize=21, leading=27, spaceBefore=12
        ),
        "number": ParagraphStyle("number", parent=base, fontName=BOLD, fontSize=30, leading=36),
        "sentence": ParagraphStyle("sentence", parent=base, fontName=BOLD, fontSize=18, leading=24),
    }


def _area_heading(area: str | None, lang: Language) -> str:
    names = {
        "sjalvbestammande": lang.gettext("Deciding for yourself"),
        "bemotande": lang.gettext("How the staff treat you"),
        "trygghet": lang.gettext("Feeling safe"),
        "trivsel": lang.gettext("Liking it"),
    }
    return names.get(area or "", lang.gettext("More results"))


def _survey_words(survey_type: str, lang: Language) -> str:
    words = {
        "dv": lang.gettext("daily activity"),
        "bo": lang.gettext("housing"),
        "bs": lang.gettext("housing support"),
    }
    return words.get(survey_type, survey_type)


def people_drawing(filled: int, *, width: float = 300, out_of: int = OUT_OF) -> Drawing:
    """Ten figures in a row: `filled` solid black ones, then hollow ones with a dashed edge."""
    step = width / out_of
    scale = step / 30
    drawing = Drawing(width, 36 * scale, initialFontName=REGULAR)
    for index in range(out_of):
        x = index * step + 3 * scale
        is_filled = index < filled
        fill = INK if is_filled else PAPER
        dash = None if is_filled else [3 * scale, 2 * scale]
        head = Circle(x + 12 * scale, 28 * scale, 6 * scale, fillColor=fill, strokeColor=INK)
        body = Rect(
            x + 2 * scale,
            1 * scale,
            20 * scale,
            18 * scale,
            rx=8 * scale,
            ry=8 * scale,
            fillColor=fill,
            strokeColor=INK,
        )
        for shape in (head, body):
            shape.strokeWidth = 1.5 * scale
            shape.strokeDashArray = dash
            drawing.add(shape)
    return drawing


@lru_cache(maxsize=64)
def _svg(path: str) -> Drawing | None:
    from svglib.svglib import svg2rlg

    try:
        return svg2rlg(path)
    except Exception:  # a broken picture must not stop the document
        return None


def pictogram_drawing(directory: Path | None, name: str, size: float = PICTOGRAM_SIZE) -> Flowable:
    """The pictogram `name`.svg from `directory`, `size` points square (blank if missing)."""
    # A drawing names a font even when it draws no text: ours, not an unembedded Helvetica.
    blank = Drawing(size, size, initialFontName=REGULAR)
    if directory is None:
        return blank
    path = directory / f"{name}.svg"
    source = _svg(str(path)) if path.is_file() else None
    if source is None or not source.width or not source.height:
        return blank
    factor = size / max(source.width, source.height)
    group = Group(*source.contents)
    group.transform = (factor, 0, 0, factor, 0, 0)
    blank.add(group)
    return blank


def _block(
    block: ResultBlock, lang: Language, styles: dict[str, ParagraphStyle], pictograms: Path | None
) -> list[Flowable]:
    """The block's framed table and the space below it, to be kept together on one page."""
    phrase = block.text(lang.code)
    body: list[Flowable] = []
    if block.is_withheld:
        question = lang.gettext("How many %(phrase)s?", phrase=phrase)
        body.append(Paragraph(escape(question), styles["sentence"]))
        body.append(
            Paragraph(
                escape(
                    lang.gettext(
                        "We do not show the answer. "
                        "Then no one can work out what one person answered."
                    )
                ),
                styles["body"],
            )
        )
    else:
        number = lang.gettext("%(n)s out of %(total)s", n=block.out_of_ten, total=OUT_OF)
        body.append(Paragraph(escape(number), styles["number"]))
        body.append(Paragraph(escape(f"{phrase}."), styles["sentence"]))
        body.append(Spacer(1, 4))
        body.append(people_drawing(block.out_of_ten or 0, width=300))
        body.append(Spacer(1, 4))
        answered = lang.ngettext(
            "%(num)s person answered the question.",
            "%(num)s people answered the question.",
            block.valid or 0,
        )
        body.append(Paragraph(escape(answered), styles["body"]))
    table = Table(
        [[pictogram_drawing(pictograms, block.pictogram), body]],
        colWidths=[PICTOGRAM_SIZE + 10, None],
    )
    dashed = 1 if block.is_withheld else 0
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), REGULAR, 16),  # a table's own default: Helvetica
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BOX", (0, 0), (-1, -1), 1.5, INK, None, [4, 3] if dashed else None),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 0), (-1, -1), 8),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 10),
            ]
        )
    )
    return [table, Spacer(1, 10)]


def render_easy_read_pdf(
    results: EasyReadResults, lang: Language, *, pictograms: Path | None = None
) -> bytes:
    """The easy-read results of one unit as an A4 PDF (same input, same bytes)."""
    register_fonts()
    styles = _styles()
    title = lang.gettext("Results for %(unit)s", unit=results.unit_name)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=title,
        author=lang.gettext("Brukarenkät"),
        subject=lang.gettext(
            "The survey about %(survey)s %(period)s.",
            survey=_survey_words(results.survey_type, lang),
            period=results.period,
        ),
        lang=lang.code,
        displayDocTitle=True,
        # Not ReportLab's Helvetica, which would be named in every page but not embedded.
        initialFontName=REGULAR,
        initialFontSize=16,
        invariant=True,
    )
    story: list[Flowable] = [
        Paragraph(escape(title), styles["title"]),
        Paragraph(
            escape(
                lang.gettext(
                    "The survey about %(survey)s %(period)s.",
                    survey=_survey_words(results.survey_type, lang),
                    period=results.period,
                )
            ),
            styles["lead"],
        ),
    ]
    if results.is_preliminary:
        lines = [
            Paragraph(escape(lang.gettext("The results are not ready yet.")), styles["strong"])
        ]
        day = format_date(results.closes_on, "long", locale=lang.code)
        if results.is_still_open:
            text = lang.gettext("You can answer until %(date)s.", date=day)
            lines.append(Paragraph(escape(text), styles["body"]))
        as_of = format_date(results.as_of, "long", locale=lang.code)
        text = lang.gettext("This is how people had answered on %(date)s.", date=as_of)
        lines.append(Paragraph(escape(text), styles["body"]))
        panel = Table([[lines]], colWidths=[None])
        panel.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), REGULAR, 16),
                    ("BACKGROUND", (0, 0), (-1, -1), PANEL),
                    ("BOX", (0, 0), (-1, -1), 2, INK),
                    ("LEFTPADDING", (0, 0), (-1, -1), 10),
                    ("TOPPADDING", (0, 0), (-1, -1), 8),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 10),
                ]
            )
        )
        story += [Spacer(1, 6), panel]
    answered = lang.ngettext(
        "%(num)s person has answered.", "%(num)s people have answered.", results.responded
    )
    story += [Spacer(1, 10), Paragraph(escape(answered), styles["strong"]), Spacer(1, 6)]
    if not results.has_answers:
        text = (
            lang.gettext("No one has answered yet.")
            if results.is_preliminary
            else lang.gettext("No one answered the survey.")
        )
        story.append(Paragraph(escape(text), styles["body"]))
    else:
        for area in results.areas:
            heading = Paragraph(escape(_area_heading(area.area, lang)), styles["area"])
            blocks = [_block(block, lang, styles, pictograms) for block in area.blocks]
            # The heading with the area's first block, so it never ends a page alone (a
            # heading's keepWithNext would not do: it skips a KeepTogether that follows).
            story.append(KeepTogether([heading, Spacer(1, 6), *(blocks[0] if blocks else [])]))
            story.extend(KeepTogether(block) for block in blocks[1:])
    document.build(story)
    return buffer.getvalue()
