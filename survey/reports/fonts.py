"""The fonts every PDF embeds: DejaVu Sans, vendored from Debian's fonts-dejavu-core 2.37
(licence in fonts/LICENSE-DejaVu.txt). Embedded, so å, ä and ö print the same everywhere,
and ReportLab subsets them, so a report carries only the glyphs it uses.
"""

from __future__ import annotations

from pathlib import Path
from threading import Lock

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(__file__).with_name("fonts")
REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
_FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf"}
_lock = Lock()
_registered = False


def register_fonts() -> None:
    """Register the fonts with ReportLab once per process (safe from several threads)."""
    global _registered
    if _registered:
        return
    with _lock:
        if _registered:
            return
        for name, filename in _FILES.items():
            pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / filename)))
        pdfmetrics.registerFontFamily(
            REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR, boldItalic=BOLD
        )
        _registered = True
