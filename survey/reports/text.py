"""Translated text in documents without Flask: the edge passes a `Language`.

Documents call `lang.gettext("Response rate")` or `lang.ngettext(...)`, so pybabel extracts
the English msgids as usual (babel.cfg reads `survey/**.py`) and the catalogues hold the
Swedish text. A view passes Flask-Babel's functions for the request's locale; the command
line passes them inside `force_locale(...)`; a unit test may pass `UNTRANSLATED`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from survey.domain.overview import percent_half_up


def _interpolate(text: str, variables: dict[str, Any]) -> str:
    return text % variables if variables else text


@dataclass(frozen=True, slots=True)
class Language:
    """A language code ("sv", "en") and its gettext/ngettext (Flask-Babel's signatures:
    keyword variables are interpolated with %(name)s)."""

    code: str
    gettext: Callable[..., str]
    ngettext: Callable[..., str]

    def percent(self, positive: int, base: int, *, decimals: int = 0) -> str:
        """ "54 %" (Swedish: no-break space before %, decimal comma), rounded half up;
        "" when the base is 0."""
        scaled = percent_half_up(positive, base, decimals=decimals)
        if scaled is None:
            return ""
        if decimals:
            whole, part = divmod(scaled, 10**decimals)
            number = f"{whole}{',' if self.code == 'sv' else '.'}{part:0{decimals}d}"
        else:
            number = str(scaled)
        return f"{number}\u00a0%" if self.code == "sv" else f"{number}%"

    def number(self, value: int) -> str:
        """ "1 234" in Swedish (no-break space between thousands), "1,234" in English."""
        text = f"{value:,}"
        return text.replace(",", "\u00a0") if self.code == "sv" else text


def _untranslated_gettext(text: str, **variables: Any) -> str:
    return _interpolate(text, variables)


def _untranslated_ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    variables.setdefault("num", num)
    return _interpolate(singular if num == 1 else plural, variables)


#: English msgids as they are (for unit tests of layout, not of wording).
UNTRANSLATED = Language("en", _untranslated_gettext, _untranslated_ngettext)
