"""Invitation letters and code cards as one PDF (A4), a page per letter or eight cards a page.

Pure: it takes plain data (`LetterRound`, `LetterRecipient`) and a `Language`, and returns
bytes; no Flask, no database. The caller reads the names and addresses from an upload and
hands them in here: they are only ever in memory, and leave only inside the PDF.

A letter: the organiser at the top; when the recipient has an address, the name and address
lines in the window of a C5 or C4 window envelope and nothing else there (the fact that a
person receives an insats is secret, SPEC §5); below it, inside the envelope, an easy-read
text inviting them to say what they think, the dates, the QR code of their personal link,
their short code in large type with where to type it, a pictogram, that answering is
voluntary and secret, and who to ask for help.

Speed (1,000 letters in a few seconds): every page is drawn straight on the canvas (no
platypus), the texts that are the same on every letter are wrapped once, the pictogram is
one Form XObject drawn by reference on every page, and each QR code is drawn as filled
rectangles, one per run of dark modules in a row, in one path.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import IO

import segno
from babel.dates import format_date
from reportlab.graphics import renderPDF
from reportlab.graphics.shapes import Drawing, Group
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from survey.reports.fonts import BOLD, REGULAR, register_fonts
from survey.reports.text import Language

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 20 * mm

# --- the window ------------------------------------------------------------------------
# SS 637001 (Swedish letter layout) puts the address field of a window envelope ("V2", the
# window on the left) about 20 mm from the left edge and 45–50 mm from the top of the sheet,
# about 90 × 45 mm; C5 window envelopes commonly have their window 15 mm from the left, 44 mm
# from the top, 105 × 35 mm (officeconsult.no, "plassering av mottakerfelt i
# vinduskonvolutter"). The address is set where both show it: from 25 mm left, its first
# line 52 mm from the top, at most 5 lines of 5 mm (down to 77 mm) and 80 mm wide.
WINDOW_LEFT = 25 * mm
WINDOW_FIRST_BASELINE = 52 * mm
WINDOW_WIDTH = 80 * mm
WINDOW_LINE = 5 * mm
WINDOW_FONT_SIZE = 11.0
#: The smallest size a long line is shrunk to (the post reads 10–12 pt; 9 still sorts).
WINDOW_MIN_FONT_SIZE = 9.0
MAX_WINDOW_LINES = 5
#: Where the inside of the letter begins: below the window, so nothing of it shows through.
INSIDE_TOP = 98 * mm

# --- the QR code -----------------------------------------------------------------------
QR_ERROR = "m"
#: The mask pattern. The standard lets an encoder use any of the eight; trying all eight to
#: pick the lowest penalty is 80 % of segno's time (9 ms a code, 9 s for 1,000 letters), and
#: every decoder reads every mask (the tests decode each code of a run).
QR_MASK = 0
#: The quiet zone around a code, in modules (ISO/IEC 18004 asks for at least 4).
QR_QUIET_ZONE = 4
LETTER_QR_SIZE = 42 * mm
CARD_QR_SIZE = 34 * mm

# --- code cards ------------------------------------------------------------------------
CARD_COLUMNS = 2
CARD_ROWS = 4
CARDS_PER_PAGE = CARD_COLUMNS * CARD_ROWS
CARD_WIDTH = PAGE_WIDTH / CARD_COLUMNS
CARD_HEIGHT = PAGE_HEIGHT / CARD_ROWS
CARD_PADDING = 7 * mm

PICTOGRAM = "survey"
PICTOGRAM_SIZE = 28 * mm


@dataclass(frozen=True, slots=True)
class LetterRound:
    """What every letter of a round says: who asks, about what, when, and who helps."""

    survey_type: str
    organiser: str
    help_contact: str
    opens_on: date
    closes_on: date
    #: Where a code is typed, as printed: "enkat.kommun.se" (no scheme).
    entry_address: str


@dataclass(frozen=True, slots=True)
class LetterRecipient:
    """One letter or card. `address`: the name and address lines for the window, or ()
    for a letter handed out in person (no window text at all)."""

    code: str
    link: str
    address: tuple[str, ...] = ()


def _formatted_code(code: str) -> str:
    # The same grouping as survey.domain.tokens.format_code ("ACEF-GHKM").
    return f"{code[:4]}-{code[4:]}" if len(code) == 8 else code


def _service_words(survey_type: str, lang: Language) -> str:
    words = {
        "dv": lang.gettext("your daily activity"),
        "bo": lang.gettext("your home"),
        "bs": lang.gettext("your housing support"),
    }
    return words.get(survey_type, lang.gettext("the support you get"))


def _day(value: date, lang: Language) -> str:
    return format_date(value, "d MMMM y", locale=lang.code)


@dataclass(frozen=True, slots=True)
class LetterTexts:
    """Every sentence of a letter, in the document's language (tests read LIX from it)."""

    greeting: str
    title: str
    intro: tuple[str, ...]
    deadline: str
    how_heading: str
    by_camera: str
    by_code: str
    voluntary: str
    help_heading: str
    help_text: str
    card_heading: str
    card_line: str

    def body(self) -> list[str]:
        """The easy-read text of a letter as read (greeting to help), without the code."""
        return [
            self.greeting,
            self.title,
            *self.intro,
            self.deadline,
            self.how_heading + ".",
            self.by_camera,
            self.by_code,
            self.voluntary,
            self.help_heading,
            self.help_text,
        ]


def letter_texts(round_: LetterRound, lang: Language) -> LetterTexts:
    opens = _day(round_.opens_on, lang)
    closes = _day(round_.closes_on, lang)
    return LetterTexts(
        greeting=lang.gettext("Hello!"),
        title=lang.gettext(
            "What do you think about %(service)s?",
            service=_service_words(round_.survey_type, lang),
        ),
        intro=(
            lang.gettext("We want to know what you think."),
            lang.gettext("You answer some questions."),
            lang.gettext("You can answer from %(start)s to %(end)s.", start=opens, end=closes),
        ),
        deadline=lang.gettext("Answer by %(end)s at the latest.", end=closes),
        how_heading=lang.gettext("This is how you answer"),
        by_camera=lang.gettext("Point the camera of a phone at the square."),
        by_code=lang.gettext(
            "Or go to %(address)s and type the code:", address=round_.entry_address
        ),
        voluntary=lang.gettext(
            "You choose if you want to answer. No one gets to know what you answered."
        ),
        help_heading=lang.gettext("Do you want help?"),
        help_text=round_.help_contact.strip() or lang.gettext("Ask the staff."),
        card_heading=lang.gettext("Your code"),
        card_line=lang.gettext(
            "Go to %(address)s and type the code.", address=round_.entry_address
        ),
    )


# --- drawing helpers ---------------------------------------------------------------------


def _y(from_top: float) -> float:
    return PAGE_HEIGHT - from_top


def draw_qr(canvas: Canvas, data: str, x: float, y: float, size: float) -> None:
    """The QR code of `data` (error level M) in a `size` square whose lower left is (x, y),
    quiet zone included: one filled path of a rectangle per run of dark modules."""
    qr = segno.make(data, error=QR_ERROR, mask=QR_MASK)
    matrix = qr.matrix
    count = len(matrix) + 2 * QR_QUIET_ZONE
    module = size / count
    path = canvas.beginPath()
    top = y + size - QR_QUIET_ZONE * module
    left = x + QR_QUIET_ZONE * module
    for row_index, row in enumerate(matrix):
        row_y = top - (row_index + 1) * module
        start = -1
        for column, dark in enumerate(row):
            if dark and start < 0:
                start = column
            elif not dark and start >= 0:
                path.rect(left + start * module, row_y, (column - start) * module, module)
                start = -1
        if start >= 0:
            path.rect(left + start * module, row_y, (len(row) - start) * module, module)
    canvas.drawPath(path, stroke=0, fill=1)


@lru_cache(maxsize=8)
def _svg(path: str):  # type: ignore[no-untyped-def]
    from svglib.svglib import svg2rlg

    try:
        return svg2rlg(path)
    except Exception:  # a broken picture must not stop the letters
        return None


def _define_pictogram(canvas: Canvas, pictograms: Path | None) -> str | None:
    """Draw the pictogram once into a Form XObject (1 pt square); its name, or None."""
    if pictograms is None:
        return None
    path = pictograms / f"{PICTOGRAM}.svg"
    drawing = _svg(str(path)) if path.is_file() else None
    if drawing is None or not drawing.width or not drawing.height:
        return None
    name = "pictogram"
    # A drawing names a font even when it draws no text: ours, not an unembedded Helvetica.
    picture = Drawing(drawing.width, drawing.height, initialFontName=REGULAR)
    picture.add(Group(*drawing.contents))
    canvas.beginForm(name, lowerx=0, lowery=0, upperx=1, uppery=1)
    factor = 1 / max(drawing.width, drawing.height)
    canvas.scale(factor, factor)
    renderPDF.draw(picture, canvas, 0, 0)
    canvas.endForm()
    return name


def _draw_form(canvas: Canvas, name: str | None, x: float, y: float, size: float) -> None:
    if name is None:
        return
    canvas.saveState()
    canvas.translate(x, y)
    canvas.scale(size, size)
    canvas.doForm(name)
    canvas.restoreState()


def _fit(text: str, font: str, size: float, width: float, smallest: float) -> float:
    """The largest size from `size` down to `smallest` at which `text` fits in `width`."""
    while size > smallest and stringWidth(text, font, size) > width:
        size -= 0.5
    return size


def window_line_fits(text: str) -> bool:
    """Whether an address line fits the window at the smallest size it may be shrunk to."""
    register_fonts()
    return stringWidth(text, REGULAR, WINDOW_MIN_FONT_SIZE) <= WINDOW_WIDTH


class _Lines:
    """A paragraph wrapped once, drawn on every page."""

    def __init__(self, text: str, font: str, size: float, width: float, leading: float):
        self.lines = simpleSplit(text, font, size, width)
        self.font = font
        self.size = size
        self.leading = leading

    @property
    def height(self) -> float:
        return self.leading * len(self.lines)

    def draw(self, canvas: Canvas, x: float, top: float) -> float:
        """Draw from `top` (distance from the page top to the first line's top); returns
        the distance to below the last line."""
        canvas.setFont(self.font, self.size)
        baseline = top + self.size
        for line in self.lines:
            canvas.drawString(x, _y(baseline), line)
            baseline += self.leading
        return top + self.height


def _new_canvas(stream: IO[bytes], title: str, lang: Language) -> Canvas:
    register_fonts()
    canvas = Canvas(
        stream,
        pagesize=A4,
        invariant=True,
        pageCompression=1,
        initialFontName=REGULAR,
        initialFontSize=12,
        lang=lang.code,
    )
    canvas.setTitle(title)
    canvas.setAuthor(lang.gettext("Brukarenkät"))
    canvas.setSubject(title)
    canvas.setCreator("Brukarenkät")
    return canvas


# --- letters -----------------------------------------------------------------------------


@dataclass(slots=True)
class _LetterLayout:
    organiser: _Lines | None
    greeting: _Lines
    title: _Lines
    intro: list[_Lines]
    deadline: _Lines
    how_heading: _Lines
    by_camera: _Lines
    by_code: _Lines
    voluntary: _Lines
    help_heading: _Lines
    help_text: _Lines


def _letter_layout(texts: LetterTexts, organiser: str) -> _LetterLayout:
    full = PAGE_WIDTH - 2 * MARGIN
    beside_picture = full - PICTOGRAM_SIZE - 6 * mm
    beside_qr = full - LETTER_QR_SIZE - 8 * mm
    body = 14.0
    return _LetterLayout(
        organiser=_Lines(organiser, BOLD, 12, full, 15) if organiser.strip() else None,
        greeting=_Lines(texts.greeting, BOLD, 22, beside_picture, 28),
        title=_Lines(texts.title, BOLD, 19, beside_picture, 24),
        intro=[_Lines(text, REGULAR, body, beside_picture, 20) for text in texts.intro],
        deadline=_Lines(texts.deadline, BOLD, body, beside_picture, 20),
        how_heading=_Lines(texts.how_heading, BOLD, 16, full, 22),
        by_camera=_Lines(texts.by_camera, REGULAR, body, beside_qr, 19),
        by_code=_Lines(texts.by_code, REGULAR, body, beside_qr, 19),
        voluntary=_Lines(texts.voluntary, REGULAR, body, full, 20),
        help_heading=_Lines(texts.help_heading, BOLD, body, full, 20),
        help_text=_Lines(texts.help_text, REGULAR, body, full, 20),
    )


def _draw_address(canvas: Canvas, lines: Sequence[str]) -> None:
    for index, line in enumerate(lines[:MAX_WINDOW_LINES]):
        size = _fit(line, REGULAR, WINDOW_FONT_SIZE, WINDOW_WIDTH, WINDOW_MIN_FONT_SIZE)
        canvas.setFont(REGULAR, size)
        canvas.drawString(WINDOW_LEFT, _y(WINDOW_FIRST_BASELINE + index * WINDOW_LINE), line)


def _draw_letter(
    canvas: Canvas,
    layout: _LetterLayout,
    recipient: LetterRecipient,
    pictogram: str | None,
) -> None:
    if layout.organiser is not None:
        layout.organiser.draw(canvas, MARGIN, 18 * mm)
    if recipient.address:
        _draw_address(canvas, recipient.address)
    _draw_form(
        canvas,
        pictogram,
        PAGE_WIDTH - MARGIN - PICTOGRAM_SIZE,
        _y(INSIDE_TOP + PICTOGRAM_SIZE),
        PICTOGRAM_SIZE,
    )
    top = layout.greeting.draw(canvas, MARGIN, INSIDE_TOP)
    top = layout.title.draw(canvas, MARGIN, top + 2 * mm)
    top += 3 * mm
    for paragraph in layout.intro:
        top = paragraph.draw(canvas, MARGIN, top)
    top = layout.deadline.draw(canvas, MARGIN, top + 1 * mm)
    top = layout.how_heading.draw(canvas, MARGIN, top + 6 * mm)
    # The QR code on the left, how to use it and the code itself on its right.
    qr_top = top + 2 * mm
    draw_qr(canvas, recipient.link, MARGIN, _y(qr_top + LETTER_QR_SIZE), LETTER_QR_SIZE)
    text_left = MARGIN + LETTER_QR_SIZE + 8 * mm
    right = layout.by_camera.draw(canvas, text_left, qr_top + 3 * mm)
    right = layout.by_code.draw(canvas, text_left, right + 3 * mm)
    code = _formatted_code(recipient.code)
    width = PAGE_WIDTH - MARGIN - text_left
    size = _fit(code, BOLD, 30, width, 18)
    canvas.setFont(BOLD, size)
    canvas.drawString(text_left, _y(right + 3 * mm + size), code)
    top = max(qr_top + LETTER_QR_SIZE, right + 3 * mm + size * 1.3) + 6 * mm
    top = layout.voluntary.draw(canvas, MARGIN, top)
    top = layout.help_heading.draw(canvas, MARGIN, top + 5 * mm)
    layout.help_text.draw(canvas, MARGIN, top)


def render_letters(
    round_: LetterRound,
    recipients: Iterable[LetterRecipient],
    lang: Language,
    *,
    pictograms: Path | None = None,
    stream: IO[bytes] | None = None,
) -> bytes:
    """One A4 page per recipient. Written to `stream` when given (returns b""), else returned."""
    texts = letter_texts(round_, lang)
    return _render(
        lang.gettext("Letters: %(title)s", title=texts.title),
        lang,
        stream,
        lambda canvas, pictogram: _letters(canvas, round_, texts, recipients, pictogram),
        pictograms,
    )


def _letters(
    canvas: Canvas,
    round_: LetterRound,
    texts: LetterTexts,
    recipients: Iterable[LetterRecipient],
    pictogram: str | None,
) -> None:
    layout = _letter_layout(texts, round_.organiser)
    for recipient in recipients:
        _draw_letter(canvas, layout, recipient, pictogram)
        canvas.showPage()


def _render(title, lang, stream, draw, pictograms) -> bytes:  # type: ignore[no-untyped-def]
    target = stream if stream is not None else io.BytesIO()
    canvas = _new_canvas(target, title, lang)
    pictogram = _define_pictogram(canvas, pictograms)
    draw(canvas, pictogram)
    canvas.save()
    return b"" if stream is not None else target.getvalue()  # type: ignore[union-attr]


# --- code cards ----------------------------------------------------------------------------


def _cut_marks(canvas: Canvas) -> None:
    canvas.saveState()
    canvas.setLineWidth(0.5)
    canvas.setDash(4, 3)
    for column in range(1, CARD_COLUMNS):
        canvas.line(column * CARD_WIDTH, 0, column * CARD_WIDTH, PAGE_HEIGHT)
    for row in range(1, CARD_ROWS):
        canvas.line(0, row * CARD_HEIGHT, PAGE_WIDTH, row * CARD_HEIGHT)
    canvas.restoreState()


def _draw_card(
    canvas: Canvas,
    index: int,
    recipient: LetterRecipient,
    heading: str,
    line: _Lines,
    pictogram: str | None,
) -> None:
    column, row = index % CARD_COLUMNS, index // CARD_COLUMNS
    left = column * CARD_WIDTH
    top = row * CARD_HEIGHT  # from the page top
    qr_left = left + CARD_PADDING
    qr_top = top + (CARD_HEIGHT - CARD_QR_SIZE) / 2
    draw_qr(canvas, recipient.link, qr_left, _y(qr_top + CARD_QR_SIZE), CARD_QR_SIZE)
    text_left = qr_left + CARD_QR_SIZE + 4 * mm
    width = left + CARD_WIDTH - CARD_PADDING - text_left
    cursor = top + CARD_PADDING + 2 * mm
    picture = 12 * mm
    _draw_form(
        canvas, pictogram, left + CARD_WIDTH - CARD_PADDING - picture, _y(cursor + picture), picture
    )
    canvas.setFont(BOLD, 13)
    canvas.drawString(text_left, _y(cursor + 13), heading)
    cursor += 13 * mm
    code = _formatted_code(recipient.code)
    size = _fit(code, BOLD, 24, width, 14)
    canvas.setFont(BOLD, size)
    canvas.drawString(text_left, _y(cursor + size), code)
    cursor += size * 1.4 + 2 * mm
    line.draw(canvas, text_left, cursor)


def render_code_cards(
    round_: LetterRound,
    recipients: Iterable[LetterRecipient],
    lang: Language,
    *,
    pictograms: Path | None = None,
    stream: IO[bytes] | None = None,
) -> bytes:
    """Eight cards per A4 page (2 × 4) with dashed lines to cut along: the code, its QR code,
    where to type it and one easy-read line; no name, no insats."""
    texts = letter_texts(round_, lang)

    def draw(canvas: Canvas, pictogram: str | None) -> None:
        text_width = CARD_WIDTH - 2 * CARD_PADDING - CARD_QR_SIZE - 4 * mm
        line = _Lines(texts.card_line, REGULAR, 11, text_width, 14)
        index = 0
        for recipient in recipients:
            if index == 0:
                _cut_marks(canvas)
            _draw_card(canvas, index, recipient, texts.card_heading, line, pictogram)
            index += 1
            if index == CARDS_PER_PAGE:
                canvas.showPage()
                index = 0
        if index:
            canvas.showPage()

    return _render(lang.gettext("Code cards"), lang, stream, draw, pictograms)
