"""Build hook: compile the translation catalogues (translations/*/LC_MESSAGES/*.po → .mo).

Runs on every `pip install -e .` (and `pip install .`), so a fresh checkout never serves English
buttons beside Swedish questions; create_app() refuses to start without the .mo files.
Everything else is declared in pyproject.toml.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

TRANSLATIONS = Path(__file__).resolve().parent / "translations"


def compile_catalogues(translations: Path = TRANSLATIONS) -> list[Path]:
    """Write messages.mo beside every messages.po; fuzzy entries are left out."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po_path in sorted(translations.glob("*/LC_MESSAGES/messages.po")):
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parent.parent.name)
        mo_path = po_path.with_suffix(".mo")
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog, use_fuzzy=False)
        written.append(mo_path)
    return written


class BuildPyWithCatalogues(build_py):
    def run(self) -> None:
        for path in compile_catalogues():
            self.announce(f"compiled {path}", level=2)
        super().run()


if __name__ == "__main__":
    setup(cmdclass={"build_py": BuildPyWithCatalogues})
