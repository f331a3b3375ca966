"""A `Language` from the compiled catalogues, for pure tests of translated wording.

Flask-Babel is not needed: Babel reads the same `.mo` files the app uses (compiled by
`pybabel compile -d translations`), and the interpolation is Flask-Babel's (`%(name)s`).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from babel.support import Translations

from survey.reports.text import Language

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"


@cache
def catalogue_language(code: str) -> Language:
    translations = Translations.load(str(TRANSLATIONS), [code])
    if not isinstance(translations, Translations):
        raise RuntimeError(f"no compiled catalogue for {code!r} in {TRANSLATIONS}")

    def gettext(text: str, **variables: Any) -> str:
        found = translations.ugettext(text)
        return found % variables if variables else found

    def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
        variables.setdefault("num", num)
        return translations.ungettext(singular, plural, num) % variables

    return Language(code, gettext, ngettext)
