"""Texts for the codes of staff refusals, keyed (exception class name or "*", code).

Templates use %(name)s fields from the refusal's params.
"""

from __future__ import annotations

from flask_babel import LazyString

REFUSAL_TEXTS: dict[tuple[str, str], LazyString] = {}
