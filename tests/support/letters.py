"""Reading printed letters back: each page's text (pypdf) and its QR codes (pdftoppm + zxing)."""

from __future__ import annotations

import io
import re
import subprocess
import tempfile
from pathlib import Path

from PIL import Image
from pypdf import PdfReader


def page_texts(data: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(data))
    return [
        re.sub(r"\s+", " ", (page.extract_text() or "").replace("\u00a0", " "))
        for page in reader.pages
    ]


def page_qr_codes(data: bytes, dpi: int = 150) -> list[list[str]]:
    """The decoded QR codes of every page, rendered at `dpi` as a printer would."""
    import zxingcpp

    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "in.pdf"
        source.write_bytes(data)
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-gray", "-png", str(source), str(Path(folder) / "p")],
            check=True,
        )
        pages = sorted(Path(folder).glob("p-*.png"), key=lambda p: int(p.stem.split("-")[1]))
        found = []
        for page in pages:
            with Image.open(page) as image:
                codes = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
            found.append([code.text for code in codes])
        return found
