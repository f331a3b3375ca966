"""The printable paper questionnaire (A4): a blank form to copy, or one form per invitation.

Pure: it takes a `PaperFormDocument` (the round's bank and settings, and one `PaperForm`
per form to print) and a `Language`; it returns bytes.

Each form is: a cover page in easy-read (who asks, voluntary, secret, how to tick, how to
return it, the last day); the bank's questions, two to a page, each with its number, its
pictogram and large text, and one large tick box (14 mm) per answer in the scale's fixed
order, with "Jag vet inte" set apart below a dashed line; then gender (when the survey would
ask it), who answered, who helped, and the free-text box when the round asks it. Beside each
tick box is the small key staff type on the entry page (survey.domain.paper_entry), so the
paper and the screen always agree. Every page's footer has the form's code in large type
("Kod: ACEF-GHKM") for matching, or an empty box "Kod:" on a blank form, and "Sida 2 av 10".

The cover's first lines name no insats (a form may travel in a window envelope); the text
below them may name the survey. DejaVu Sans embedded, black on white, text 14 pt and up;
the document's title and language are in its metadata. Each page is laid out in one frame
that shrinks its content rather than spill, so every form has exactly the pages planned and
the footer's page numbers hold. Pictograms are drawn once per document as PDF form
XObjects and reused, so 200 forms stay small and fast.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from babel.dates import format_date
from reportlab.graphics import renderPDF
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    Frame,
    KeepInFrame,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from survey.domain import survey_flow
from survey.domain.paper_entry import entry_keys
from survey.domain.question_banks import DONT_KNOW, Question, QuestionBank
from survey.domain.tokens import format_code
from survey.reports.fonts import BOLD, REGULAR, register_fonts
from survey.reports.text import Language

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 16 * mm
FOOTER = 22 * mm
TICK_BOX = 14 * mm
QUESTION_PICTOGRAM = 24 * mm
OPTION_PICTOGRAM = 13 * mm
INK = colors.black
#: The keys for staff: dark enough to read in grey print, quieter than the answers.
KEY_INK = colors.Color(0.3, 0.3, 0.3)
QUESTIONS_PER_PAGE = 2


@dataclass(frozen=True, slots=True)
class PaperForm:
    """One form to print: its code (None: a blank form, to copy) and whether it asks gender."""

    code: str | None
    ask_gender: bool = True


@dataclass(frozen=True, slots=True)
class PaperFormDocument:
    bank: QuestionBank
    #: Who asks ("Hägersten-Älvsjö stadsdelsförvaltning"); may be empty.
    organiser: str
    period: int
    closes_on: date
    ask_free_text: bool
    forms: Sequence[PaperForm]
    #: Who a brukare can ask for help ("Ring Anna Svensson, 08-123 45 67"); "" leaves it out.
    help_contact: str = ""


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=REGULAR, fontSize=16, leading=22, textColor=INK)
    return {
        "title": ParagraphStyle("title", parent=base, fontName=BOLD, fontSize=28, leading=34),
        "lead": ParagraphStyle("lead", parent=base, fontSize=18, leading=25, spaceAfter=4),
        "body": ParagraphStyle("body", parent=base, spaceAfter=7),
        "strong": ParagraphStyle("strong", parent=base, fontName=BOLD, spaceAfter=7),
        "number": ParagraphStyle("number", parent=base, fontName=BOLD, fontSize=15, leading=19),
        "question": ParagraphStyle("question", parent=base, fontName=BOLD, fontSize=18, leading=24),
        "option": ParagraphStyle("option", parent=base, fontSize=17, leading=21),
        "key": ParagraphStyle(
            "key", parent=base, fontSize=10, leading=12, textColor=KEY_INK, alignment=2
        ),
        "hint": ParagraphStyle("hint", parent=base, fontSize=14, leading=19),
        "small": ParagraphStyle("small", parent=base, fontSize=14, leading=19, textColor=INK),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


class TickBox(Flowable):
    """An empty square to tick, `size` points wide (a filled example shows a cross)."""

    def __init__(self, size: float = TICK_BOX, *, crossed: bool = False) -> None:
        super().__init__()
        self.size = size
        self.crossed = crossed

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        canvas = self.canv
        canvas.setStrokeColor(INK)
        canvas.setLineWidth(2)
        canvas.rect(0, 0, self.size, self.size, stroke=1, fill=0)
        if self.crossed:
            inset = self.size * 0.2
            canvas.setLineWidth(3)
            canvas.line(inset, inset, self.size - inset, self.size - inset)
            canvas.line(inset, self.size - inset, self.size - inset, inset)


@lru_cache(maxsize=64)
def _svg(path: str) -> Drawing | None:
    from svglib.svglib import svg2rlg

    try:
        drawing = svg2rlg(path)
    except Exception:  # a broken picture must not stop the document
        return None
    if drawing is not None:
        # A drawing names a font even when it draws no text: ours, not an unembedded Helvetica.
        drawing.initialFontName = REGULAR
    return drawing


class Pictogram(Flowable):
    """A pictogram `name`.svg, `size` points square (blank when the file is missing)."""

    def __init__(self, directory: Path | None, name: str, size: float) -> None:
        super().__init__()
        self.directory = directory
        self.name = name
        self.size = size

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        if self.directory is None:
            return
        path = self.directory / f"{self.name}.svg"
        source = _svg(str(path)) if path.is_file() else None
        if source is None or not source.width or not source.height:
            return
        factor = self.size / max(source.width, source.height)
        self.canv.saveState()
        self.canv.scale(factor, factor)
        renderPDF.draw(source, self.canv, 0, 0, showBoundary=False)
        self.canv.restoreState()


class _Texts:
    """The document's words, in its language."""

    def __init__(self, lang: Language) -> None:
        self.lang = lang
        self.dont_know = lang.gettext("I don't know")

    def survey_words(self, survey_type: str) -> str:
        words = {
            "dv": self.lang.gettext("your daily activity"),
            "bo": self.lang.gettext("your home"),
            "bs": self.lang.gettext("your housing support"),
        }
        return words.get(survey_type, survey_type)


def _text(texts: dict[str, str] | Any, lang: Language) -> str:
    return str(texts.get(lang.code) or texts.get("sv") or "")


def _cover(
    doc: PaperFormDocument, form: PaperForm, lang: Language, styles: dict[str, ParagraphStyle]
) -> list[Flowable]:
    gettext = lang.gettext
    day = format_date(doc.closes_on, "d MMMM yyyy", locale=lang.code)
    story: list[Flowable] = [
        # The first lines name no insats: only the survey's questions below do.
        _p(gettext("A survey for you"), styles["title"]),
        Spacer(1, 4),
    ]
    if doc.organiser:
        story.append(_p(gettext("From %(organiser)s", organiser=doc.organiser), styles["lead"]))
    story += [
        Spacer(1, 8),
        _p(
            gettext(
                "We want to know what you think about %(survey)s.",
                survey=_survey_words(doc.bank.survey_type, lang),
            ),
            styles["body"],
        ),
        _p(gettext("You decide if you want to answer."), styles["body"]),
        _p(gettext("No one will know what you answered."), styles["body"]),
        _p(gettext("You may get help to answer."), styles["body"]),
        Spacer(1, 6),
        _p(gettext("How to answer"), styles["strong"]),
        _p(gettext("Put a cross in the box next to your answer."), styles["body"]),
        _p(gettext("One cross for each question."), styles["body"]),
        _p(gettext("You can skip a question. Then you put no cross."), styles["body"]),
    ]
    example = Table(
        [[TickBox(crossed=True), _p(gettext("This is how you put a cross."), styles["body"])]],
        colWidths=[TICK_BOX + 6 * mm, None],
    )
    example.setStyle(_plain_table())
    story += [Spacer(1, 4), example, Spacer(1, 10)]
    story += [
        _p(gettext("When you are done"), styles["strong"]),
        _p(
            gettext("Put the form in the envelope. Send it or give it to the staff."),
            styles["body"],
        ),
        _p(gettext("Please answer by %(date)s.", date=day), styles["body"]),
    ]
    if doc.help_contact:
        story.append(
            _p(
                gettext("Questions about the survey? %(contact)s", contact=doc.help_contact),
                styles["body"],
            )
        )
    if form.code is not None:
        story.append(Spacer(1, 6))
        story.append(
            _p(
                gettext(
                    "The code at the bottom of each page only shows that you have answered. "
                    "Your answers are saved without the code."
                ),
                styles["hint"],
            )
        )
    story.append(Spacer(1, 6))
    story.append(
        _p(
            gettext("The small numbers next to the boxes are for the staff who enter the answers."),
            styles["hint"],
        )
    )
    return story


def _survey_words(survey_type: str, lang: Language) -> str:
    return _Texts(lang).survey_words(survey_type)


def _plain_table(valign: str = "MIDDLE") -> TableStyle:
    return TableStyle(
        [
            ("FONT", (0, 0), (-1, -1), REGULAR, 16),  # a table's own default is Helvetica
            ("VALIGN", (0, 0), (-1, -1), valign),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            ("TOPPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
        ]
    )


def _question_block(
    number: int | None,
    question: Question,
    lang: Language,
    styles: dict[str, ParagraphStyle],
    pictograms: Path | None,
    *,
    hint: str | None = None,
) -> Flowable:
    """A question: its number, pictogram and text, then a tick box per answer."""
    width = PAGE_WIDTH - 2 * MARGIN
    heading: list[Flowable] = []
    if number is not None:
        heading.append(_p(lang.gettext("Question %(n)s", n=number), styles["number"]))
    heading.append(_p(_text(question.text, lang), styles["question"]))
    if hint:
        heading.append(_p(hint, styles["hint"]))
    top = Table(
        [[Pictogram(pictograms, question.pictogram, QUESTION_PICTOGRAM), heading]],
        colWidths=[QUESTION_PICTOGRAM + 6 * mm, None],
    )
    top.setStyle(_plain_table("TOP"))
    rows: list[list[Any]] = []
    apart_from: int | None = None
    labels = (
        {o.code: (_text(o.label, lang), o.pictogram) for o in question.scale.options}
        if (question.scale is not None)
        else {}
    )
    for key in entry_keys(question):
        if key.value == DONT_KNOW:
            label, picture = _Texts(lang).dont_know, "dont_know"
            apart_from = len(rows)
        else:
            label, picture = labels[key.value]
        rows.append(
            [
                TickBox(),
                Pictogram(pictograms, picture, OPTION_PICTOGRAM),
                _p(label, styles["option"]),
                _p(key.key, styles["key"]),
            ]
        )
    options = Table(
        rows,
        colWidths=[TICK_BOX + 5 * mm, OPTION_PICTOGRAM + 5 * mm, None, 10 * mm],
        rowHeights=[TICK_BOX + 4 * mm] * len(rows),
    )
    style = _plain_table()
    if apart_from is not None:
        # "Jag vet inte" apart from the scale: more room and a dashed line above it.
        style.add("TOPPADDING", (0, apart_from), (-1, apart_from), 3 * mm)
        style.add("LINEABOVE", (0, apart_from), (-1, apart_from), 1, INK, None, [4, 3])
    options.setStyle(style)
    if apart_from is not None:
        options._argH[apart_from] += 3 * mm  # the padding above needs its own room
    block = Table(
        [[top], [Spacer(1, 3 * mm)], [options]],
        colWidths=[width - 8 * mm],
    )
    block.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), REGULAR, 16),
                ("BOX", (0, 0), (-1, -1), 1.5, INK),
                ("LEFTPADDING", (0, 0), (-1, -1), 4 * mm),
                ("RIGHTPADDING", (0, 0), (-1, -1), 4 * mm),
                ("TOPPADDING", (0, 0), (0, 0), 4 * mm),
                ("BOTTOMPADDING", (0, -1), (-1, -1), 4 * mm),
                ("TOPPADDING", (0, 1), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -2), 0),
            ]
        )
    )
    return block


class FreeTextBox(Flowable):
    """Ruled lines to write on."""

    def __init__(self, width: float, lines: int = 6) -> None:
        super().__init__()
        self.width = width
        self.lines = lines

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = min(self.width, available_width)
        return self.width, self.lines * 12 * mm

    def draw(self) -> None:
        canvas = self.canv
        canvas.setStrokeColor(INK)
        canvas.setLineWidth(1.5)
        canvas.rect(0, 0, self.width, self.lines * 12 * mm, stroke=1, fill=0)
        canvas.setLineWidth(0.6)
        for line in range(1, self.lines):
            canvas.line(4 * mm, line * 12 * mm, self.width - 4 * mm, line * 12 * mm)


def _free_text_block(
    question: Question, lang: Language, styles: dict[str, ParagraphStyle], pictograms: Path | None
) -> Flowable:
    width = PAGE_WIDTH - 2 * MARGIN
    top = Table(
        [
            [
                Pictogram(pictograms, question.pictogram, QUESTION_PICTOGRAM),
                [
                    _p(_text(question.text, lang), styles["question"]),
                    _p(lang.gettext("Write here. Do not write any names."), styles["hint"]),
                ],
            ]
        ],
        colWidths=[QUESTION_PICTOGRAM + 6 * mm, None],
    )
    top.setStyle(_plain_table("TOP"))
    return Table(
        [[top], [Spacer(1, 3 * mm)], [FreeTextBox(width - 16 * mm)]],
        colWidths=[width - 8 * mm],
        style=TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), REGULAR, 16),
                ("BOX", (0, 0), (-1, -1), 1.5, INK),
                ("LEFTPADDING", (0, 0), (-1, -1), 4 * mm),
                ("RIGHTPADDING", (0, 0), (-1, -1), 4 * mm),
                ("TOPPADDING", (0, 0), (0, 0), 4 * mm),
                ("BOTTOMPADDING", (0, -1), (-1, -1), 4 * mm),
            ]
        ),
    )


def form_pages(doc: PaperFormDocument, form: PaperForm) -> list[list[tuple[str, int | None]]]:
    """The plan of one form: per page after the cover, its blocks as (question code, number).

    Two questions per page; then gender (if asked) with who answered, who helped, and the
    free-text question (if the round asks it), two blocks a page."""
    bank = doc.bank
    numbered = [(q.code, index) for index, q in enumerate(bank.questions, 1)]
    pages = [
        numbered[start : start + QUESTIONS_PER_PAGE]
        for start in range(0, len(numbered), QUESTIONS_PER_PAGE)
    ]
    last: list[tuple[str, int | None]] = []
    for question in bank.background:
        if question.code == survey_flow.GENDER and not form.ask_gender:
            continue
        if question.kind == "free_text" and not doc.ask_free_text:
            continue
        last.append((question.code, None))
    pages += [last[start : start + 2] for start in range(0, len(last), 2)]
    return pages


def pages_per_form(doc: PaperFormDocument, form: PaperForm) -> int:
    """How many pages `form` has (its cover included)."""
    return 1 + len(form_pages(doc, form))


def _draw_footer(canvas: Any, lang: Language, code: str | None, page: int, of: int) -> None:
    canvas.saveState()
    canvas.setFillColor(INK)
    canvas.setStrokeColor(INK)
    y = 11 * mm
    canvas.setLineWidth(1)
    canvas.line(MARGIN, y + 10 * mm, PAGE_WIDTH - MARGIN, y + 10 * mm)
    label = lang.gettext("Code:")
    canvas.setFont(BOLD, 18)
    canvas.drawString(MARGIN, y, label)
    start = MARGIN + canvas.stringWidth(label, BOLD, 18) + 3 * mm
    if code is not None:
        canvas.setFont(BOLD, 22)
        canvas.drawString(start, y - 0.5 * mm, format_code(code))
    else:
        canvas.setLineWidth(1.5)
        canvas.rect(start, y - 3 * mm, 62 * mm, 10 * mm, stroke=1, fill=0)
    canvas.setFont(REGULAR, 14)
    canvas.drawRightString(
        PAGE_WIDTH - MARGIN, y, lang.gettext("Page %(n)s of %(of)s", n=page, of=of)
    )
    canvas.restoreState()


def _page_content(
    doc: PaperFormDocument,
    blocks: list[tuple[str, int | None]],
    lang: Language,
    styles: dict[str, ParagraphStyle],
    pictograms: Path | None,
) -> list[Flowable]:
    content: list[Flowable] = []
    for code, number in blocks:
        question = doc.bank.find(code)
        assert question is not None  # noqa: S101 - the plan comes from the bank
        if content:
            content.append(Spacer(1, 8 * mm))
        if question.kind == "free_text":
            content.append(_free_text_block(question, lang, styles, pictograms))
        else:
            hint = (
                lang.gettext("Answer only if someone helped you.")
                if question.code == survey_flow.HELPER
                else None
            )
            content.append(_question_block(number, question, lang, styles, pictograms, hint=hint))
    return content


def render_paper_forms(
    doc: PaperFormDocument, lang: Language, *, pictograms: Path | None = None
) -> bytes:
    """Every form of `doc` in one A4 PDF, each starting on a new page.

    Forms differ only in their code and in whether they ask gender, so each distinct page
    is laid out once, kept as a form XObject, and placed on every page that shows it under
    that page's own footer."""
    register_fonts()
    styles = _styles()
    buffer = io.BytesIO()
    frame_width = PAGE_WIDTH - 2 * MARGIN
    frame_height = PAGE_HEIGHT - MARGIN - FOOTER - 6 * mm
    title = lang.gettext("Questionnaire on paper, %(period)s", period=doc.period)
    canvas = Canvas(
        buffer,
        pagesize=A4,
        invariant=True,
        initialFontName=REGULAR,
        initialFontSize=16,
        lang=lang.code,
    )
    canvas.setTitle(title)
    canvas.setAuthor(doc.organiser or lang.gettext("Brukarenkät"))
    canvas.setSubject(_text(doc.bank.title, lang))
    canvas.setViewerPreference("DisplayDocTitle", "true")
    made: set[str] = set()

    def page_form(key: str, content: list[Flowable]) -> str:
        if key not in made:
            made.add(key)
            canvas.beginForm(key)
            frame = Frame(
                MARGIN,
                FOOTER + 6 * mm,
                frame_width,
                frame_height,
                leftPadding=0,
                rightPadding=0,
                topPadding=0,
                bottomPadding=0,
            )
            frame.addFromList(
                [KeepInFrame(frame_width, frame_height - 2, content, mode="shrink")], canvas
            )
            canvas.endForm()
        return key

    for form in doc.forms:
        plan = form_pages(doc, form)
        total = 1 + len(plan)
        cover_key = "cover_coded" if form.code is not None else "cover_blank"
        keys = [
            page_form(cover_key, _cover(doc, form, lang, styles))
            if cover_key not in made
            else cover_key
        ]
        for blocks in plan:
            key = "page_" + "_".join(code for code, _ in blocks)
            if key not in made:
                page_form(key, _page_content(doc, blocks, lang, styles, pictograms))
            keys.append(key)
        for page, key in enumerate(keys, 1):
            canvas.doForm(key)
            _draw_footer(canvas, lang, form.code, page, total)
            canvas.showPage()
    canvas.save()
    return buffer.getvalue()
