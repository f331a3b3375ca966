"""Invitation credentials: URL tokens and short, human-typeable codes.

Tokens carry 256 bits from `secrets` (the spec asks for at least 128). Codes are 8 characters
from an alphabet without look-alikes (no 0/O/D/Q, 1/I/L/J, 2/Z, 5/S, 8/B, U/V), so a person
copying a code from a letter onto a tablet cannot confuse two characters.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
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


def new_form_nonce() -> str:
    """256 bits from `secrets` for a form that makes a secret link (see derived_token)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def derived_token(key: bytes, nonce: str, *context: str) -> str:
    """A URL token (256 bits, 43 characters): HMAC-SHA256 of a form's nonce and what the form
    makes, under the app's secret key.

    A results link is shown once, when it is made, and only its digest is stored. Deriving
    the token from the form's nonce (256 bits from `secrets`) makes the POST idempotent: a
    double click or a resent form finds the link it already made and shows it again, instead
    of making a second one. Without the key the token cannot be told from the nonce, and the
    context (round, tree, unit) gives every unit its own token even from one nonce.
    """
    message = "\x1f".join((nonce, *context)).encode()
    mac = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def looks_like_nonce(value: str) -> bool:
    """A form nonce as new_form_nonce() makes them (43 URL-safe characters)."""
    return re.fullmatch(r"[A-Za-z0-9_\-]{43}", value) is not None
