"""When a question page was rendered, signed into its form, so a double tap is recognised.

Two taps 100 ms apart on the same spot answer the question shown and then the next one,
whose option sits where the finger still is. The second answer arrives implausibly soon
after its page was rendered. The form carries the render time, signed with the app's secret
and bound to the token and question code, so it cannot be made up or moved to another page.

A missing or unreadable value never discards an answer: a page from before this field, or an
altered form, simply goes without the guard.
"""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeSerializer

_SALT = "brukarenkat.answer-shown"


def _serializer(secret_key: str, token: str, code: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=f"{_SALT}:{token}:{code}")


def sign_shown(secret_key: str, token: str, code: str, now: float) -> str:
    """The hidden form value for a page of question `code` rendered at `now` (epoch seconds)."""
    return _serializer(secret_key, token, code).dumps(round(now * 1000))


def seconds_since_shown(
    secret_key: str, token: str, code: str, signed: str | None, now: float
) -> float | None:
    """Seconds from rendering to `now`, or None when the value is missing or not ours."""
    if not signed:
        return None
    try:
        shown_ms = _serializer(secret_key, token, code).loads(signed)
    except BadSignature:
        return None
    if not isinstance(shown_ms, int) or isinstance(shown_ms, bool):
        return None
    return now - shown_ms / 1000


def is_implausibly_fast(elapsed: float | None, min_seconds: float) -> bool:
    """True only for a known, non-negative time under the threshold (0 switches it off)."""
    return elapsed is not None and 0 <= elapsed < min_seconds
