"""Why a staff action is refused: one exception type with a code the pages translate.

A refusal carries a stable `code` ("duplicate_sibling", "unit_has_invitations", …) and
plain `params` (names, paths, round codes) for the message. `str(refusal)` is a one-line
English sentence for the command line and logs; the staff pages translate `code` with
gettext instead. Subclassing ValueError keeps older `except ValueError` callers working.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar


class StaffRefusal(ValueError):
    """Base of every refusal of a staff operation (organisation, rounds, invitations)."""

    #: code → English message template with `{param}` fields (CLI and logs only).
    MESSAGES: ClassVar[Mapping[str, str]] = {}

    def __init__(self, code: str, /, **params: object) -> None:
        self.code = code
        self.params: dict[str, object] = params
        super().__init__(self.message)

    @property
    def message(self) -> str:
        template = self.MESSAGES.get(self.code)
        if template is None:
            details = ", ".join(f"{key}={value!r}" for key, value in self.params.items())
            return f"{self.code} ({details})" if details else self.code
        try:
            return template.format(**self.params)
        except (KeyError, IndexError):
            return template

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild, (type(self), self.code, self.params))


def _rebuild(cls: type[StaffRefusal], code: str, params: dict[str, object]) -> StaffRefusal:
    return cls(code, **params)
