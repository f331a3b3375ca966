"""Invitation credentials: URL tokens and short, human-typeable codes.

Tokens carry 256 bits from `secrets` (the spec asks for at least 128). Codes are 8 characters
from an alphabet without look-alikes (no 0/O/D/Q, 1/I/L/J, 2/Z, 5/S, 8/B, U/V), so a person
copying a code from a letter onto a tablet cannot confuse two characters.
"""

from __future__ import annotations

import re
import secrets

CODE_ALPHABET = "ACEFGHKMNPRTWXY34679"
CODE_LENGTH = 8
TOKEN_BYTES = 32

_SEPARATORS = re.compile(r"[\s\-–_.]+")


def new_token() -> str:
    """A URL-safe token with 256 bits of entropy (43 characters)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def new_short_code() -> str:
    """Eight characters from CODE_ALPHABET (about 34.6 bits; entry is rate-limited)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def new_short_codes(count: int) -> list[str]:
    """`count` codes like new_short_code(), one `secrets.randbelow` each (for bulk imports)."""
    base = len(CODE_ALPHABET)
    codes = []
    for _ in range(count):
        number = secrets.randbelow(base**CODE_LENGTH)
        chars = []
        for _ in range(CODE_LENGTH):
            number, digit = divmod(number, base)
            chars.append(CODE_ALPHABET[digit])
        codes.append("".join(chars))
    return codes


def normalise_code(typed: str) -> str | None:
    """The canonical code for what a person typed, or None if it cannot be a code.

    Case, spaces and dashes are ignored ("abcd-efgh" == "ABCDEFGH").
    """
    cleaned = _SEPARATORS.sub("", typed).upper()
    if len(cleaned) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in cleaned):
        return None
    return cleaned


def format_code(code: str) -> str:
    """Group a code in fours for print and screen: 'ACEF-GHKM'."""
    return f"{code[:4]}-{code[4:]}"


def looks_like_token(value: str) -> bool:
    """Cheap shape check before touching the database (URL-safe base64, sane length)."""
    return 20 <= len(value) <= 64 and re.fullmatch(r"[A-Za-z0-9_\-]+", value) is not None
