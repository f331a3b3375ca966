"""A unit's report as a PDF (SPEC §6): from computed figures to bytes, never the database.

`render_unit_report(document, lang)` lays out, on A4 with embedded DejaVu Sans:

- a cover with the unit, its level and place in the tree, the round, period and survey, and
  "preliminära resultat" with the date while the round is open;
- the indicator table in the annual-report layout ("89 % (85 av 95)", "– färre än 5 svar")
  and the response-rate sentence, by gender;
- the comparison with the whole installation and the previous period, with the 95 % interval
  and the small-n flag;
- bar charts by gender, labelled so that they read in grey print (every bar carries its
  group's name and its figure; colour never carries meaning alone);
- each question's answer distribution, by quality area;
- for a unit with units below it, their response rates and headline figure;
- the Analys starter texts when given, and method notes.

Every figure is a `Cell` of `survey.domain.indicators` as suppression left it: a withheld
cell has no numbers to print, so no layout mistake can leak one. The PDF carries a title,
author, subject, language (sv or en) and an outline of its sections. ReportLab does not write
a structure tree (tagged PDF); text is real text in reading order, never an image.

Every table goes through `_table`: its columns are at least as wide as the widest word they
hold, so a long Swedish compound or unit name wraps at a space and never crosses a rule or
the margin; a heading is never left alone at the foot of a page (`_headed`).
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from survey.domain.indicator_documents import RoundFacts
from survey.domain.indicator_export import UnitReport, row_label, target_value
from survey.domain.indicators import Cell, Rate, Row
from survey.domain.round_status import RoundStatus, is_preliminary, status_note
from survey.reports.fonts import BOLD, REGULAR, register_fonts
from survey.reports.text import Language

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 18 * mm
FRAME_WIDTH = PAGE_WIDTH - 2 * MARGIN
#: ReportLab's padding inside the frame: text runs this far inside the margins (tables, as
#: wide as the frame and centred, reach the margins).
FRAME_PADDING = 6
TEXT_WIDTH = FRAME_WIDTH - 2 * FRAME_PADDING
#: Greys that stay apart when printed in black and white (total, men, women).
BAR_FILLS = (colors.Color(0.15, 0.15, 0.15), colors.Color(0.45, 0.45, 0.45), colors.white)
GRID = colors.Color(0.55, 0.55, 0.55)
HEADER_FILL = colors.Color(0.88, 0.88, 0.88)
#: Space between a table cell's text and its rules, left and right (points).
CELL_PADDING = 3
#: The smallest type a table is set in to fit the page's width.
SMALLEST_CELL_SIZE = 6.0


@dataclass(frozen=True, slots=True)
class UnitDocument:
    """Everything one unit's PDF shows, already computed and suppressed."""

    facts: RoundFacts
    unit: UnitReport
    #: The whole installation, for the comparison ("staden som helhet"); None in its own report.
    installation: UnitReport | None
    survey_name: str
    #: "utforare" or "bestallare": the hierarchy the unit belongs to.
    by: str
    threshold: int
    generated_on: date
    #: Where the round stands on the day of the report (None or closed: final figures).
    status: RoundStatus | None = None
    round_title: str = ""
    #: Names of the unit's ancestors, top first.
    ancestors: tuple[str, ...] = ()
    #: The units directly below, each with at least the headline row.
    children: tuple[UnitReport, ...] = ()
    #: Quality area key → name in the document's language.
    areas: Mapping[str, str] = field(default_factory=dict)
    #: Item key → Analys starter text.
    analysis: Mapping[str, str] = field(default_factory=dict)
    #: Percent with one decimal (a report setting) instead of none.
    one_decimal: bool = False


# --- text ----------------------------------------------------------------------------------


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=REGULAR, fontSize=9.5, leading=13, alignment=TA_LEFT)
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10.5),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=10),
        "cell_bold": ParagraphStyle(
            "cell_bold", parent=base, fontName=BOLD, fontSize=8, leading=10
        ),
        "title": ParagraphStyle("title", parent=base, fontName=BOLD, fontSize=22, leading=28),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=13, leading=18),
        "h1": ParagraphStyle(
            "h1", parent=base, fontName=BOLD, fontSize=14, leading=18, spaceBefore=6, spaceAfter=6
        ),
        "h2": ParagraphStyle(
            "h2", parent=base, fontName=BOLD, fontSize=11, leading=14, spaceBefore=8, spaceAfter=3
        ),
        "notice": ParagraphStyle(
            "notice",
            parent=base,
            fontName=BOLD,
            fontSize=11,
            leading=15,
            borderColor=colors.black,
            borderWidth=1,
            borderPadding=6,
            spaceBefore=10,
            spaceAfter=10,
        ),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


class _Heading(Paragraph):
    """A heading that becomes an entry of the PDF outline."""

    def __init__(self, text: str, style: ParagraphStyle, level: int, key: str) -> None:
        super().__init__(escape(text), style)
        self.outline_text = text
        self.outline_level = level
        self.outline_key = key


# --- layout ------------------------------------------------------------------------------

#: Where a paragraph may break a line: white space, but not the no-break kinds ("54 %").
_BREAK = re.compile(r"[^\S\u00a0\u2007\u202f]+")


def _widest_word(cell: str | Paragraph, style: ParagraphStyle) -> float:
    """The width of the cell's widest run of text without a break: a paragraph's in its own
    fonts, a string's in `style`."""
    if isinstance(cell, str):
        return max(stringWidth(w, style.fontName, style.fontSize) for w in _BREAK.split(cell))
    widest = current = 0.0
    for frag in cell.frags:
        if getattr(frag, "lineBreak", False):
            current = 0.0
            continue
        # A word can run on over several fragments ("a&amp;b" is three): add them up.
        for index, piece in enumerate(_BREAK.split(getattr(frag, "text", ""))):
            if index:
                current = 0.0
            current += stringWidth(piece, frag.fontName, frag.fontSize)
            widest = max(widest, current)
    return widest


def _column_widths(
    minimums: Sequence[float], designed: Sequence[float], total: float
) -> list[float] | None:
    """Widths adding up to `total`, each at least its minimum and otherwise in proportion to
    the designed widths; None when the minimums alone are wider than `total`.

    A column whose designed share is narrower than its minimum gets its minimum, and what is
    left is shared among the other columns as designed, until every column is wide enough.
    """
    if sum(minimums) > total:
        return None
    fixed: set[int] = set()
    while True:
        free = total - sum(minimums[i] for i in fixed)
        weight = sum(w for i, w in enumerate(designed) if i not in fixed)
        if weight <= 0:
            return list(minimums)
        widths = [minimums[i] if i in fixed else free * w / weight for i, w in enumerate(designed)]
        narrow = {i for i, width in enumerate(widths) if i not in fixed and width < minimums[i]}
        if not narrow:
            return widths
        fixed |= narrow


def _scaled(style: ParagraphStyle, factor: float) -> ParagraphStyle:
    """`style` in type `factor` times the size, but no smaller than SMALLEST_CELL_SIZE."""
    size = max(SMALLEST_CELL_SIZE, style.fontSize * factor)
    return ParagraphStyle(
        f"{style.name}-smaller",
        parent=style,
        fontSize=size,
        leading=style.leading * size / style.fontSize,
    )


def _cell(value: str | Paragraph, style: ParagraphStyle, width: float) -> str | Paragraph:
    """A string as it is when each of its lines fits in `width` (cheap to lay out and draw),
    else as a paragraph in `style`, which wraps at its spaces; a paragraph as it is."""
    if isinstance(value, Paragraph):
        return value
    lines = value.split("\n")
    if all(stringWidth(line, style.fontName, style.fontSize) <= width for line in lines):
        return value
    return Paragraph("<br/>".join(escape(line) for line in lines), style)


def _table(
    rows: Sequence[Sequence[str | Paragraph]],
    designed: Sequence[float],
    styles: Mapping[str, ParagraphStyle],
    *,
    commands: Sequence[tuple[Any, ...]] | None = None,
    header_rows: int = 1,
    padding: float = CELL_PADDING,
) -> Table:
    """A table as wide as the frame whose every column holds the widest word in it, the
    rest of the width shared as the designed widths (any unit) share it.

    Strings are set in the cell style; one too long for its column becomes a paragraph, so
    that it wraps at its spaces. When even the widest words do not fit side by side, the
    whole table is set in smaller type, down to SMALLEST_CELL_SIZE; should they still not
    fit, each column gets a share of the width by its widest word and ReportLab breaks such
    words inside their cells. Either way no text is drawn across a rule or past the margin.
    """
    text = styles["cell"]
    columns = len(designed)
    # A word exactly as wide as its cell fits; the slack absorbs rounding in the comparison.
    extra = 2 * padding + 0.1

    def minimums() -> list[float]:
        return [max(_widest_word(row[c], text) for row in rows) + extra for c in range(columns)]

    needed = minimums()
    if sum(needed) > FRAME_WIDTH:
        factor = 0.99 * (FRAME_WIDTH - columns * extra) / (sum(needed) - columns * extra)
        made: dict[str, ParagraphStyle] = {text.name: _scaled(text, factor)}
        for row in rows:
            for cell in row:
                if isinstance(cell, Paragraph) and cell.style.name not in made:
                    made[cell.style.name] = _scaled(cell.style, factor)
        text = made[text.name]
        rows = [
            [c if isinstance(c, str) else Paragraph(c.text, made[c.style.name]) for c in row]
            for row in rows
        ]
        needed = minimums()
    widths = _column_widths(needed, designed, FRAME_WIDTH)
    if widths is None:
        widths = [FRAME_WIDTH * n / sum(needed) for n in needed]
    cells = [
        [_cell(c, text, w - 2 * padding) for c, w in zip(row, widths, strict=True)] for row in rows
    ]
    table = Table(cells, colWidths=widths, repeatRows=header_rows)
    table.setStyle(
        TableStyle(
            [
                *(commands if commands is not None else _grid_style(header_rows)),
                # The strings left as they are: in the cell style, as the paragraphs.
                ("FONTNAME", (0, 0), (-1, -1), text.fontName),
                ("FONTSIZE", (0, 0), (-1, -1), text.fontSize),
                ("LEADING", (0, 0), (-1, -1), text.leading),
                ("LEFTPADDING", (0, 0), (-1, -1), padding),
                ("RIGHTPADDING", (0, 0), (-1, -1), padding),
            ]
        )
    )
    return table


class _StartTogether(CondPageBreak):
    """A page break before a heading unless the heading and the start of what follows fit
    below it: all of it, or as much as ReportLab would put on this page (at least two lines
    of a paragraph, a table's header and first row). A look at their wrapped heights when
    the frame gets here, not a second rendering."""

    def __init__(self, heading: Flowable, first: Flowable) -> None:
        super().__init__(0)
        self.heading = heading
        self.first = first

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        frame = self._doctemplateAttr("frame")
        _, height = self.heading.wrap(availWidth, availHeight)
        left = availHeight - self.heading.getSpaceBefore() - height
        left -= max(self.heading.getSpaceAfter(), self.first.getSpaceBefore())
        fits = left > 0 and (
            self.first.wrap(availWidth, left)[1] <= left or bool(self.first.split(availWidth, left))
        )
        # At the top of a page there is nowhere better to go.
        self.height = 0 if fits or getattr(frame, "_atTop", False) else availHeight + 1
        return super().wrap(availWidth, availHeight)


def _headed(heading: Flowable, first: Flowable) -> list[Flowable]:
    """A heading and the first block under it, never parted by a page break."""
    return [_StartTogether(heading, first), heading, first]


class _Document(BaseDocTemplate):
    def afterFlowable(self, flowable: Flowable) -> None:  # noqa: N802 (ReportLab's name)
        if isinstance(flowable, _Heading):
            self.canv.bookmarkPage(flowable.outline_key)
            self.canv.addOutlineEntry(
                flowable.outline_text, flowable.outline_key, level=flowable.outline_level
            )


class _Texts:
    """The document's phrases in one place (Babel extracts the msgids)."""

    def __init__(self, lang: Language, threshold: int, one_decimal: bool) -> None:
        self.lang = lang
        self.threshold = threshold
        self.decimals = 1 if one_decimal else 0
        self.withheld = lang.gettext("– fewer than %(n)s answers", n=threshold)

    def percent(self, cell: Cell) -> str:
        return self.lang.percent(cell.positive or 0, cell.valid or 0, decimals=self.decimals)

    def cell(self, cell: Cell | None, *, counts: bool = True) -> str:
        """ "89 % (85 av 95)", "– färre än 5 svar", or "" when there is no such figure."""
        if cell is None:
            return ""
        if cell.suppressed or cell.positive is None or not cell.valid:
            return self.withheld
        # No-break spaces inside "(85 av 95) *": a narrow column breaks the cell after the
        # percentage, never inside the counts, so "89 %" sits above "(85 av 95)".
        text = self.percent(cell)
        if counts:
            text += " " + self.lang.gettext(
                "(%(positive)s of %(valid)s)",
                positive=self.lang.number(cell.positive),
                valid=self.lang.number(cell.valid),
            ).replace(" ", "\u00a0")
        if cell.small_n:
            text += "\u00a0*"
        return text

    def interval(self, cell: Cell) -> str:
        if cell.suppressed or cell.ci_low is None or cell.ci_high is None:
            return ""
        low, high = round(cell.ci_low), round(cell.ci_high)
        if self.lang.code == "sv":
            return f"{low}–{high}\u00a0%"
        return f"{low}–{high}%"

    def rate(self, rate: Rate) -> str:
        if not rate.invited and rate.responded:
            return self.lang.gettext(
                "%(responded)s answered (no invitation list, so no response rate)",
                responded=self.lang.number(rate.responded),
            )
        if not rate.invited:
            return self.lang.gettext("no one invited")
        return self.lang.gettext(
            "%(responded)s of %(invited)s (%(percent)s)",
            responded=self.lang.number(rate.responded),
            invited=self.lang.number(rate.invited),
            percent=self.lang.percent(rate.responded, rate.invited),
        )

    def target(self, text: str | None) -> str:
        value = target_value(text)
        if value is None:
            return ""
        if isinstance(value, str):
            return value
        number = str(value)
        if self.lang.code == "sv":
            return number.replace(".", ",") + "\u00a0%"
        return number + "%"


def _name(texts: Mapping[str, str], lang: Language) -> str:
    return texts.get(lang.code) or texts.get("sv") or ""


def _level_name(level: str, lang: Language) -> str:
    names = {
        "forvaltning": lang.gettext("Administration"),
        "enhet": lang.gettext("Unit"),
        "verksamhet": lang.gettext("Service"),
        "installation": lang.gettext("The whole organisation"),
    }
    return names.get(level, level)


# --- sections ------------------------------------------------------------------------------


def _title(name: str, style: ParagraphStyle) -> _Heading:
    """The unit's name in large type, smaller when a word of it is wider than the page."""
    title = _Heading(name, style, 0, "cover")
    widest = _widest_word(title, style)
    if widest <= TEXT_WIDTH:
        return title
    return _Heading(name, _scaled(style, 0.99 * TEXT_WIDTH / widest), 0, "cover")


def _cover(
    doc: UnitDocument, lang: Language, texts: _Texts, styles: Mapping[str, ParagraphStyle]
) -> list[Any]:
    unit = doc.unit
    story: list[Any] = [
        Spacer(1, 30 * mm),
        _p(lang.gettext("User survey %(period)s", period=doc.facts.period), styles["subtitle"]),
        Spacer(1, 4 * mm),
        _title(unit.name, styles["title"]),
        Spacer(1, 3 * mm),
        _p(doc.survey_name, styles["subtitle"]),
        Spacer(1, 10 * mm),
    ]
    facts = [
        (lang.gettext("Level"), _level_name(unit.level, lang)),
    ]
    if doc.ancestors:
        facts.append((lang.gettext("Part of"), " / ".join(doc.ancestors)))
    hierarchy = (
        lang.gettext("by provider (utförare)")
        if doc.by == "utforare"
        else lang.gettext("by commissioner (beställare)")
    )
    facts += [
        (lang.gettext("Reported"), hierarchy),
        (
            lang.gettext("Round"),
            doc.facts.code + (f" – {doc.round_title}" if doc.round_title else ""),
        ),
        (lang.gettext("Period"), str(doc.facts.period)),
        (lang.gettext("Response rate"), texts.rate(unit.rate.total)),
        (lang.gettext("Produced"), doc.generated_on.isoformat()),
    ]
    table = _table(
        [[_p(k, styles["cell_bold"]), _p(v, styles["body"])] for k, v in facts],
        (40, FRAME_WIDTH / mm - 40),
        styles,
        commands=[
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LINEBELOW", (0, 0), (-1, -1), 0.3, GRID),
            ("TOPPADDING", (0, 0), (-1, -1), 4),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ],
        header_rows=0,
        padding=6,  # ReportLab's own, as this table always had
    )
    story.append(table)
    note = status_note(doc.status, lang)
    if note is not None:
        story.append(_p(note, styles["notice"]))
    if not unit.rate.total.responded:
        story.append(
            _p(
                lang.gettext(
                    "No one in this unit has answered yet, so the report has no results to show."
                )
                if note is not None
                else lang.gettext(
                    "No one in this unit answered, so the report has no results to show."
                ),
                styles["notice"],
            )
        )
    story.append(PageBreak())
    return story


def _grid_style(header_rows: int = 1) -> list[tuple[Any, ...]]:
    return [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("GRID", (0, 0), (-1, -1), 0.3, GRID),
        ("BACKGROUND", (0, 0), (-1, header_rows - 1), HEADER_FILL),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]


def _indicator_rows(unit: UnitReport) -> list[Row]:
    return [row for row in unit.rows if row.item.kind == "indicator"]


def _indicator_table(
    doc: UnitDocument, lang: Language, texts: _Texts, styles: Mapping[str, ParagraphStyle]
) -> list[Any]:
    rows = _indicator_rows(doc.unit)
    story: list[Any] = _headed(
        _Heading(lang.gettext("Indicators"), styles["h1"], 0, "indicators"),
        _p(_rate_sentence(doc.unit, lang), styles["body"]),
    )
    rate = doc.unit.rate
    story.append(
        _p(
            lang.gettext(
                "Men: %(men)s. Women: %(women)s.",
                men=texts.rate(rate.men),
                women=texts.rate(rate.women),
            ),
            styles["small"],
        )
    )
    story.append(Spacer(1, 3 * mm))
    if not rows:
        story.append(_p(lang.gettext("This survey feeds no indicator."), styles["body"]))
        return story
    header = [
        lang.gettext("Indicator"),
        lang.gettext("Result for the period"),
        lang.gettext("Result men"),
        lang.gettext("Result women"),
        lang.gettext("Result previous period"),
        lang.gettext("Annual target"),
        lang.gettext("City council's annual target"),
        lang.gettext("Period"),
    ]
    data: list[list[str | Paragraph]] = [[_p(h, styles["cell_bold"]) for h in header]]
    for row in rows:
        data.append(
            [
                _name(row.item.name, lang),
                texts.cell(row.total),
                texts.cell(row.men),
                texts.cell(row.women),
                texts.cell(row.previous, counts=False),
                texts.target(row.arsmal),
                texts.target(row.kf_arsmal),
                str(doc.facts.period),
            ]
        )
    story.append(_table(data, (44, 24, 22, 22, 18, 14, 15, 14), styles))
    story.append(Spacer(1, 2 * mm))
    story.append(_p(_footnote(doc, lang), styles["small"]))
    return story


def _footnote(doc: UnitDocument, lang: Language) -> str:
    return lang.gettext(
        "– = fewer than %(n)s valid answers, or withheld so that such a figure cannot be worked "
        "out from the others. * = fewer than 20 valid answers: interpret with care.",
        n=doc.threshold,
    )


def _rate_sentence(unit: UnitReport, lang: Language) -> str:
    rate = unit.rate.total
    if not rate.invited and rate.responded:
        return lang.ngettext(
            "%(responded)s person has answered. The round has no invitation list for "
            "%(unit)s, so there is no response rate.",
            "%(responded)s people have answered. The round has no invitation list for "
            "%(unit)s, so there is no response rate.",
            rate.responded,
            responded=lang.number(rate.responded),
            unit=unit.name,
        )
    if not rate.invited:
        return lang.gettext("No one was invited to answer in %(unit)s.", unit=unit.name)
    return lang.ngettext(
        "%(responded)s person of %(invited)s has answered, %(percent)s response rate.",
        "%(responded)s people of %(invited)s have answered, %(percent)s response rate.",
        rate.responded,
        responded=lang.number(rate.responded),
        invited=lang.number(rate.invited),
        percent=lang.percent(rate.responded, rate.invited),
    )


def _comparison(
    doc: UnitDocument, lang: Language, texts: _Texts, styles: Mapping[str, ParagraphStyle]
) -> list[Any]:
    rows = list(doc.unit.rows)
    if not rows:
        return []
    whole = {row.item.key: row for row in (doc.installation.rows if doc.installation else ())}
    has_previous = doc.facts.previous_period is not None
    header = [lang.gettext("Indicator or question"), doc.unit.name, lang.gettext("95 % interval")]
    widths = [62.0, 34.0, 24.0]
    if doc.installation is not None:
        header.append(lang.gettext("The whole organisation"))
        widths.append(30.0)
    if has_previous:
        header.append(
            lang.gettext("Previous period (%(period)s)", period=doc.facts.previous_period)
        )
        widths.append(24.0)
    data: list[list[str | Paragraph]] = [[_p(h, styles["cell_bold"]) for h in header]]
    for row in rows:
        line: list[str | Paragraph] = [
            row_label(row.item, lang.code),
            texts.cell(row.total),
            texts.interval(row.total),
        ]
        if doc.installation is not None:
            other = whole.get(row.item.key)
            line.append(texts.cell(other.total if other else None))
        if has_previous:
            line.append(texts.cell(row.previous, counts=False))
        data.append(line)
    return [
        CondPageBreak(60 * mm),
        *_headed(
            _Heading(lang.gettext("Comparison"), styles["h1"], 0, "comparison"),
            _p(
                lang.gettext(
                    "The unit's result beside the whole organisation's and the previous "
                    "period's, with the 95 % interval: with few answers the true share can lie "
                    "far from the result."
                ),
                styles["body"],
            ),
        ),
        Spacer(1, 2 * mm),
        _table(data, widths, styles),
    ]


class _GenderChart(Flowable):
    """Three labelled horizontal bars (everyone, men, women) for one row."""

    BAR_HEIGHT = 11.0
    GAP = 4.0
    LABEL_WIDTH = 34 * mm
    VALUE_WIDTH = 52 * mm

    def __init__(self, row: Row, texts: _Texts, labels: Sequence[str]) -> None:
        super().__init__()
        self.row = row
        self.texts = texts
        self.labels = labels
        self.width = FRAME_WIDTH
        self.height = 3 * (self.BAR_HEIGHT + self.GAP) + 2

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        scale_width = self.width - self.LABEL_WIDTH - self.VALUE_WIDTH
        cells = (self.row.total, self.row.men, self.row.women)
        canvas.saveState()
        canvas.setFont(REGULAR, 8.5)
        for index, (cell, label) in enumerate(zip(cells, self.labels, strict=True)):
            y = self.height - 2 - (index + 1) * (self.BAR_HEIGHT + self.GAP) + self.GAP
            canvas.setFillColor(colors.black)
            canvas.drawString(0, y + 3, label)
            x0 = self.LABEL_WIDTH
            # The scale's frame: 0–100 %, so a short bar reads as short, also in grey.
            canvas.setStrokeColor(GRID)
            canvas.setLineWidth(0.4)
            canvas.rect(x0, y, scale_width, self.BAR_HEIGHT, stroke=1, fill=0)
            if not cell.suppressed and cell.positive is not None and cell.valid:
                canvas.setStrokeColor(colors.black)
                canvas.setLineWidth(0.6)
                canvas.setFillColor(BAR_FILLS[index])
                share = cell.positive / cell.valid
                canvas.rect(x0, y, scale_width * share, self.BAR_HEIGHT, stroke=1, fill=1)
            canvas.setFillColor(colors.black)
            canvas.drawString(x0 + scale_width + 4, y + 3, self.texts.cell(cell))
        canvas.restoreState()


def _charts(
    doc: UnitDocument, lang: Language, texts: _Texts, styles: Mapping[str, ParagraphStyle]
) -> list[Any]:
    rows = _indicator_rows(doc.unit)
    if not rows:
        return []
    labels = (lang.gettext("Everyone"), lang.gettext("Men"), lang.gettext("Women"))
    story: list[Any] = [
        CondPageBreak(80 * mm),
        *_headed(
            _Heading(lang.gettext("Results by gender"), styles["h1"], 0, "charts"),
            _p(
                lang.gettext(
                    "Each bar is the share of valid answers that were positive; the frame is "
                    "100 %. Everyone includes those who did not give their gender as man or "
                    "woman."
                ),
                styles["body"],
            ),
        ),
        Spacer(1, 3 * mm),
    ]
    for row in rows:
        story.append(
            KeepTogether(
                [
                    _p(_name(row.item.name, lang), styles["cell_bold"]),
                    Spacer(1, 1 * mm),
                    _GenderChart(row, texts, labels),
                    Spacer(1, 3 * mm),
                ]
            )
        )
    return story


def _distributions(
    doc: UnitDocument, lang: Language, texts: _Texts, styles: Mapping[str, ParagraphStyle]
) -> list[Any]:
    questions = [row for row in doc.unit.rows if row.item.kind == "question"]
    if not questions:
        return []
    story: list[Any] = [
        CondPageBreak(80 * mm),
        *_headed(
            _Heading(lang.gettext("Answers to each question"), styles["h1"], 0, "questions"),
            _p(
                lang.gettext(
                    'How the valid answers to each question were spread. "Don\'t know" and '
                    "skipped questions are not valid answers. A question with fewer than %(n)s "
                    "valid answers is not shown.",
                    n=doc.threshold,
                ),
                styles["body"],
            ),
        ),
    ]
    by_area: dict[str | None, list[Row]] = {}
    for row in questions:
        by_area.setdefault(row.item.area, []).append(row)
    header = [
        _p(lang.gettext("Question"), styles["cell_bold"]),
        _p(lang.gettext("Answers (number, share)"), styles["cell_bold"]),
        _p(lang.gettext("Positive, everyone"), styles["cell_bold"]),
        _p(lang.gettext("Men"), styles["cell_bold"]),
        _p(lang.gettext("Women"), styles["cell_bold"]),
    ]
    for number, (area, rows) in enumerate(by_area.items()):
        title = doc.areas.get(area or "", area or lang.gettext("Other questions"))
        data: list[list[str | Paragraph]] = [header]
        for row in rows:
            data.append(
                [
                    _name(row.item.name, lang),
                    _spread(row, lang, texts),
                    texts.cell(row.total),
                    texts.cell(row.men),
                    texts.cell(row.women),
                ]
            )
        table = _table(data, (40, 44, 32, 28, 28), styles)
        # The area on one page when it fits; else it starts on the next (KeepTogether).
        story.append(
            KeepTogether(
                [_Heading(title, styles["h2"], 1, f"area-{number}"), table, Spacer(1, 2 * mm)]
            )
        )
    story.append(
        _p(
            lang.gettext(
                "The positive answer is marked ✓; the share of positive answers is the result."
            ),
            styles["small"],
        )
    )
    return story


def _spread(row: Row, lang: Language, texts: _Texts) -> str:
    """ "✓ Ja 34 (79 %)" one option per line; the withheld note when the total is withheld."""
    if row.total.suppressed or row.distribution is None or not row.total.valid:
        return texts.withheld
    valid = row.total.valid
    lines = []
    for option in row.item.options:
        count = row.distribution.get(option, 0)
        label = _name(row.item.option_labels.get(option, {}), lang) or option
        # No-break spaces: the mark stays with its label, and a wrapped cell keeps the indent.
        mark = "✓\u00a0" if option == row.item.positive else "\u00a0" * 3
        share = lang.percent(count, valid, decimals=texts.decimals)
        lines.append(f"{mark}{label} {lang.number(count)} ({share})")
    return "\n".join(lines)


def _children(
    doc: UnitDocument, lang: Language, texts: _Texts, styles: Mapping[str, ParagraphStyle]
) -> list[Any]:
    if not doc.children:
        return []
    headline = next((row.item for row in _indicator_rows(doc.children[0])), None)
    header = [lang.gettext("Unit"), lang.gettext("Response rate")]
    widths = [80.0, 40.0]
    if headline is not None:
        header.append(_name(headline.name, lang))
        widths.append(50.0)
    data: list[list[str | Paragraph]] = [[_p(h, styles["cell_bold"]) for h in header]]
    for child in doc.children:
        line: list[str | Paragraph] = [child.name, texts.rate(child.rate.total)]
        if headline is not None:
            row = next((r for r in child.rows if r.item.key == headline.key), None)
            line.append(texts.cell(row.total if row else None))
        data.append(line)
    return [
        CondPageBreak(50 * mm),
        *_headed(
            _Heading(lang.gettext("Units below"), styles["h1"], 0, "children"),
            _table(data, widths, styles),
        ),
    ]


def _analysis(doc: UnitDocument, lang: Language, styles: Mapping[str, ParagraphStyle]) -> list[Any]:
    texts = [(row, doc.analysis.get(row.item.key)) for row in _indicator_rows(doc.unit)]
    texts = [(row, text) for row, text in texts if text]
    if not texts:
        return []
    story: list[Any] = [
        CondPageBreak(50 * mm),
        *_headed(
            _Heading(lang.gettext("Analysis: starter text"), styles["h1"], 0, "analysis"),
            _p(
                lang.gettext(
                    "A starting point for the annual report's analysis, written from the "
                    "figures above. Add what the unit knows about why."
                ),
                styles["small"],
            ),
        ),
    ]
    for row, text in texts:
        story += _headed(_p(_name(row.item.name, lang), styles["h2"]), _p(text, styles["body"]))
    return story


def _method(doc: UnitDocument, lang: Language, styles: Mapping[str, ParagraphStyle]) -> list[Any]:
    notes = [
        lang.gettext(
            "Result = positive answers / valid answers. A valid answer is one of the question's "
            'own options; "don\'t know" and skipped questions are not valid answers.'
        ),
        lang.gettext("Answers that someone else gave for the person are counted in this round.")
        if doc.facts.include_proxy_answers
        else lang.gettext(
            "Answers that someone else gave for the person (not the person themself, with or "
            "without help) are not counted."
        ),
        lang.gettext(
            "Everyone includes those whose gender is other or not known; men and women are "
            "shown separately. Figures for a unit are counted from the answers of the units "
            "below it, never averaged from their percentages."
        ),
        lang.gettext(
            "Indicators that pool several surveys count answers, not people: a person in both "
            "daily activity and housing answers two surveys."
        ),
        lang.gettext(
            "A figure with fewer than %(n)s valid answers is not shown (–). Some other figures "
            "are also withheld, so that a hidden figure cannot be worked out by subtraction, "
            "for example men from everyone or one service from its unit.",
            n=doc.threshold,
        ),
        lang.gettext(
            "The 95 % interval (Wilson) shows how uncertain a share is. Results with fewer "
            "than 20 valid answers are marked * and should be interpreted with care."
        ),
        lang.gettext(
            "The response rate is submitted responses / invitations, from every channel "
            "(link, code, tablet and paper form)."
        ),
    ]
    if doc.facts.previous_period is not None:
        notes.append(
            lang.gettext(
                "The previous period is the same survey in %(period)s for the same services; a "
                "service that was split or merged since is compared with what it was then.",
                period=doc.facts.previous_period,
            )
        )
    bullets = [_p("• " + note, styles["body"]) for note in notes]
    story: list[Any] = [
        CondPageBreak(60 * mm),
        *_headed(_Heading(lang.gettext("Method"), styles["h1"], 0, "method"), bullets[0]),
    ]
    for bullet in bullets[1:]:
        story += [Spacer(1, 1.5 * mm), bullet]
    story.append(Spacer(1, 1.5 * mm))
    return story


# --- the document --------------------------------------------------------------------------


def _fitted(name: str, tail: str, width: float, font: str, size: float) -> str:
    """`name + tail`, the name cut short with "…" so that the whole is at most `width` wide."""
    if stringWidth(name + tail, font, size) <= width:
        return name + tail
    while name and stringWidth(name.rstrip() + "…" + tail, font, size) > width:
        name = name[:-1]
    return name.rstrip() + "…" + tail


def render_unit_report(document: UnitDocument, lang: Language) -> bytes:
    """The unit's report as PDF bytes (A4, embedded fonts, outline, title and language)."""
    register_fonts()
    styles = _styles()
    texts = _Texts(lang, document.threshold, document.one_decimal)
    out = io.BytesIO()
    title = lang.gettext(
        "User survey %(period)s: %(unit)s", period=document.facts.period, unit=document.unit.name
    )
    pdf = _Document(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 4 * mm,
        title=title,
        author="Brukarenkät",
        subject=document.survey_name,
        creator="Brukarenkät",
        lang=lang.code,
        initialFontName=REGULAR,
    )
    tail = f" · {document.facts.code}"
    if is_preliminary(document.status):
        tail += " · " + lang.gettext("preliminary")
    page_word = lang.gettext("Page")
    # The footer shares its line with "Sida 999": a unit name too long for the rest of it is
    # shortened with "…" (the cover gives it whole), never run into the page number.
    room = FRAME_WIDTH - stringWidth(f"{page_word} 999", REGULAR, 7.5) - 6 * mm
    footer = _fitted(document.unit.name, tail, room, REGULAR, 7.5)

    def decorate(canvas: Any, template: Any) -> None:
        canvas.saveState()
        canvas.setFont(REGULAR, 7.5)
        canvas.setFillColor(colors.Color(0.25, 0.25, 0.25))
        canvas.drawString(MARGIN, MARGIN / 2, footer)
        canvas.drawRightString(
            PAGE_WIDTH - MARGIN, MARGIN / 2, f"{page_word} {canvas.getPageNumber()}"
        )
        canvas.restoreState()

    frame = Frame(
        MARGIN,
        MARGIN + 4 * mm,
        FRAME_WIDTH,
        PAGE_HEIGHT - 2 * MARGIN - 4 * mm,
        leftPadding=FRAME_PADDING,
        rightPadding=FRAME_PADDING,
        id="body",
    )
    pdf.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=decorate)])
    story: list[Any] = []
    story += _cover(document, lang, texts, styles)
    story += _indicator_table(document, lang, texts, styles)
    story += _analysis(document, lang, styles)
    story += _charts(document, lang, texts, styles)
    story += _comparison(document, lang, texts, styles)
    story += _children(document, lang, texts, styles)
    story += _distributions(document, lang, texts, styles)
    story += _method(document, lang, styles)
    pdf.build(story)
    return out.getvalue()
